/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_ACTIONS_H
#define PMDSWITCH_DP_ACTIONS_H

/*
 * Datapath actions: the flat list a megaflow carries and a PMD executes.
 * The slowpath translates an OpenFlow pipeline result into one of these; the
 * dataplane knows nothing of OpenFlow beyond the numbering of the header
 * fields a SET_FIELD rewrites (enum dp_field). An empty list drops the
 * packet. Plain C, no DPDK header.
 *
 * Encoding: a fixed array of 8-byte actions; SET_FIELD values live in the
 * list's data area (arg = offset: one byte length L, then L value bytes,
 * then L mask bytes, network order). CLONE's arg is the number of actions
 * after it that form its block (blocks nest); they run on a copy of the
 * packet, then the packet continues unchanged after the block.
 *
 * Packet-ins (UPCALL, and DEC_*_TTL with DP_ACT_F_TTL_UPCALL): arg = offset
 * in the data area of a struct dp_upcall_info, the slowpath's description
 * of where in the OpenFlow pipeline the packet-in comes from. The PMD
 * copies it into the mbuf without reading it; lists that send the same
 * context up share one copy.
 *
 * DP_ACT_F_COPY (OUTPUT, CLONE): an action later in the same list rewrites
 * the packet, so this output / block gets a private copy
 * (rte_pktmbuf_copy); without it, it gets a reference. dp_actions_finish()
 * sets the flag; translators call it last.
 *
 * Thread safety: a value type. A megaflow's list is written once before the
 * megaflow is published and never changed after.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define DP_ACTIONS_MAX 40
#define DP_ACTIONS_DATA 256

enum dp_action_type {
	DP_ACTION_OUTPUT = 1,	/* arg = datapath port index (port table). */
	DP_ACTION_UPCALL,	/* Packet-in; arg = data offset of a struct
				 * dp_upcall_info; sub = reason. */
	DP_ACTION_SET_FIELD,	/* sub = enum dp_field, arg = data offset. */
	DP_ACTION_PUSH_VLAN,	/* arg = TPID (0x8100 / 0x88a8). */
	DP_ACTION_POP_VLAN,
	DP_ACTION_PUSH_MPLS,	/* arg = ethertype (0x8847 / 0x8848). */
	DP_ACTION_POP_MPLS,	/* arg = ethertype of what is below. */
	DP_ACTION_SET_MPLS_TTL,	/* arg = ttl */
	DP_ACTION_DEC_MPLS_TTL,	/* TTL <= 1: see DP_ACT_F_TTL_UPCALL. */
	DP_ACTION_SET_NW_TTL,	/* arg = ttl */
	DP_ACTION_DEC_NW_TTL,
	DP_ACTION_COPY_TTL_OUT,
	DP_ACTION_COPY_TTL_IN,
	DP_ACTION_PUSH_PBB,	/* arg = ethertype (0x88e7) */
	DP_ACTION_POP_PBB,
	DP_ACTION_METER,	/* arg = datapath meter slot (dp_meter.h). */
	DP_ACTION_CLONE,	/* arg = number of nested actions after it. */
	DP_ACTION_TNL_PUSH,	/* arg = data offset of a struct tnl_push
				 * (tnl_dp.h); sub = tunnel port index. */
	DP_ACTION_TNL_DROP,	/* A counted drop: sub = enum
				 * tnl_drop_reason, arg = tunnel port. */
	DP_ACTION_N_TYPES
};

/* dp_action.flags */
#define DP_ACT_F_COPY 0x01u	/* OUTPUT / CLONE: give it a copy. */
/* DEC_*_TTL: an expired TTL sends the packet up (arg = data offset of a
 * struct dp_upcall_info, sub = packet-in reason) instead of dropping it. */
#define DP_ACT_F_TTL_UPCALL 0x02u

/* Header fields a SET_FIELD rewrites. The numbers are OpenFlow 1.3's OXM
 * basic field numbers, so the slowpath passes them through; value and
 * mask have the OXM field's length and encoding. */
enum dp_field {
	DP_FIELD_ETH_DST = 3,
	DP_FIELD_ETH_SRC = 4,
	DP_FIELD_ETH_TYPE = 5,
	DP_FIELD_VLAN_VID = 6,		/* 2 bytes, 12-bit VID (+0x1000) */
	DP_FIELD_VLAN_PCP = 7,		/* 1 byte, 3 bits */
	DP_FIELD_IP_DSCP = 8,		/* 1 byte, 6 bits */
	DP_FIELD_IP_ECN = 9,		/* 1 byte, 2 bits */
	DP_FIELD_IP_PROTO = 10,
	DP_FIELD_IPV4_SRC = 11,
	DP_FIELD_IPV4_DST = 12,
	DP_FIELD_TCP_SRC = 13,
	DP_FIELD_TCP_DST = 14,
	DP_FIELD_UDP_SRC = 15,
	DP_FIELD_UDP_DST = 16,
	DP_FIELD_SCTP_SRC = 17,
	DP_FIELD_SCTP_DST = 18,
	DP_FIELD_ICMPV4_TYPE = 19,
	DP_FIELD_ICMPV4_CODE = 20,
	DP_FIELD_ARP_OP = 21,
	DP_FIELD_ARP_SPA = 22,
	DP_FIELD_ARP_TPA = 23,
	DP_FIELD_ARP_SHA = 24,
	DP_FIELD_ARP_THA = 25,
	DP_FIELD_IPV6_SRC = 26,
	DP_FIELD_IPV6_DST = 27,
	DP_FIELD_IPV6_FLABEL = 28,	/* 4 bytes, 20 bits */
	DP_FIELD_ICMPV6_TYPE = 29,
	DP_FIELD_ICMPV6_CODE = 30,
	DP_FIELD_IPV6_ND_TARGET = 31,
	DP_FIELD_IPV6_ND_SLL = 32,
	DP_FIELD_IPV6_ND_TLL = 33,
	DP_FIELD_MPLS_LABEL = 34,	/* 4 bytes, 20 bits */
	DP_FIELD_MPLS_TC = 35,		/* 1 byte, 3 bits */
	DP_FIELD_MPLS_BOS = 36,		/* 1 byte, 1 bit */
	DP_FIELD_PBB_ISID = 37,		/* 3 bytes */
	DP_FIELD_MAX = 40
};

struct dp_action {
	uint16_t type;		/* enum dp_action_type */
	uint8_t flags;		/* DP_ACT_F_* */
	uint8_t sub;		/* SET_FIELD: dp_field; UPCALL: reason */
	uint32_t arg;
};

/* What a packet-in carries besides the packet and its reason. The numbers
 * are the slowpath's (host order); the dataplane only copies them. */
struct dp_upcall_info {
	uint64_t cookie;	/* Of the rule that sent it. */
	uint64_t metadata;	/* Pipeline fields at that point. */
	uint64_t tunnel_id;
	uint32_t tun_src;	/* Network order. */
	uint32_t tun_dst;
	uint32_t arg;		/* max_len and the slowpath's context. */
	uint8_t table_id;	/* Table of that rule. */
	uint8_t pad;
	uint16_t in_phy_port;	/* flow_key's: 0 when it is in_port. */
};

struct dp_actions {
	uint16_t n;		/* Number of actions in use; 0 = drop. */
	uint16_t data_len;	/* Bytes of data[] in use. */
	uint16_t pad[2];
	struct dp_action a[DP_ACTIONS_MAX];
	uint8_t data[DP_ACTIONS_DATA];
};

/* Append an action; false when the list is full. */
static inline bool
dp_actions_add(struct dp_actions *l, uint16_t type, uint8_t sub, uint32_t arg)
{
	if (l->n >= DP_ACTIONS_MAX)
		return false;
	l->a[l->n].type = type;
	l->a[l->n].flags = 0;
	l->a[l->n].sub = sub;
	l->a[l->n].arg = arg;
	l->n++;
	return true;
}

/* Append a SET_FIELD of len bytes (value, mask network order; mask NULL =
 * all ones). false when the list or its data area is full. */
static inline bool
dp_actions_add_set_field(struct dp_actions *l, uint8_t field,
			 const uint8_t *value, const uint8_t *mask,
			 uint8_t len)
{
	uint32_t off = l->data_len;

	if (len == 0 || len > 16 || off + 1u + 2u * len > DP_ACTIONS_DATA ||
	    !dp_actions_add(l, DP_ACTION_SET_FIELD, field, off))
		return false;
	l->data[off] = len;
	memcpy(&l->data[off + 1], value, len);
	if (mask != NULL)
		memcpy(&l->data[off + 1 + len], mask, len);
	else
		memset(&l->data[off + 1 + len], 0xff, len);
	l->data_len = (uint16_t)(off + 1u + 2u * len);
	return true;
}

/* True when the action sends the packet up with a struct dp_upcall_info
 * at its arg. */
static inline bool
dp_action_is_upcall(const struct dp_action *a)
{
	return a->type == DP_ACTION_UPCALL ||
	       ((a->type == DP_ACTION_DEC_NW_TTL ||
		 a->type == DP_ACTION_DEC_MPLS_TTL) &&
		(a->flags & DP_ACT_F_TTL_UPCALL));
}

/* Store *u in the data area (or find an identical copy an earlier action
 * of the list already uses) and set *off to its offset. false when the
 * data area is full. */
static inline bool
dp_actions_put_upcall_info(struct dp_actions *l,
			   const struct dp_upcall_info *u, uint32_t *off)
{
	struct dp_upcall_info v = *u;
	uint32_t end = l->data_len;

	v.pad = 0;
	for (unsigned i = 0; i < l->n && i < DP_ACTIONS_MAX; i++) {
		uint32_t o = l->a[i].arg;

		if (dp_action_is_upcall(&l->a[i]) && o <= end &&
		    end - o >= sizeof(v) &&
		    memcmp(&l->data[o], &v, sizeof(v)) == 0) {
			*off = o;
			return true;
		}
	}
	if (end + sizeof(v) > DP_ACTIONS_DATA)
		return false;
	memcpy(&l->data[end], &v, sizeof(v));
	l->data_len = (uint16_t)(end + sizeof(v));
	*off = end;
	return true;
}

/* The struct dp_upcall_info of an upcall action; false (and *u zeroed)
 * when its arg does not point at one. */
static inline bool
dp_actions_get_upcall_info(const struct dp_actions *l,
			   const struct dp_action *a, struct dp_upcall_info *u)
{
	if (a->arg > DP_ACTIONS_DATA ||
	    a->arg + sizeof(*u) > (uint32_t)l->data_len ||
	    l->data_len > DP_ACTIONS_DATA) {
		memset(u, 0, sizeof(*u));
		return false;
	}
	memcpy(u, &l->data[a->arg], sizeof(*u));
	return true;
}

/* True when executing the action may change the packet's bytes (or drop
 * it: a meter). */
static inline bool
dp_action_modifies(const struct dp_action *a)
{
	return a->type != DP_ACTION_OUTPUT && a->type != DP_ACTION_UPCALL &&
	       a->type != DP_ACTION_CLONE;
}

/* Set the DP_ACT_F_COPY flags (see the top) and check the CLONE blocks.
 * Returns false when a block runs past the end of the list. */
bool dp_actions_finish(struct dp_actions *l);

/* Same actions (data compared by content). */
bool dp_actions_equal(const struct dp_actions *a, const struct dp_actions *b);

#endif /* PMDSWITCH_DP_ACTIONS_H */
