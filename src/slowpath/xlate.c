/* SPDX-License-Identifier: BSD-3-Clause */
#include "xlate.h"

#include <string.h>

#include <arpa/inet.h>

/* OXM fields that only the pipeline has: a set-field of them is done by
 * the lookup, nothing for the datapath. */
#define OXM_METADATA 2
#define OXM_TUNNEL_ID 38
/* The tunnel metadata a tunnel port's output reads (ofp_wire.h's
 * OFP_FIELD_TUN_IPV4_SRC / _DST): pipeline fields too. */
#define OXM_TUN_IPV4_SRC 40
#define OXM_TUN_IPV4_DST 41

/* The packet-in context the pipeline stamped on a (ofproto.h). */
static void
upcall_info(struct dp_upcall_info *u, const struct ofpact *a, uint32_t arg)
{
	memset(u, 0, sizeof(*u));
	u->cookie = a->cookie;
	u->metadata = a->metadata;
	u->tunnel_id = a->tunnel_id;
	u->tun_src = a->tun_src;
	u->tun_dst = a->tun_dst;
	u->in_phy_port = a->in_phy_port;
	u->table_id = a->table_id;
	u->arg = arg;
}

bool
xlate_add_upcall(struct dp_actions *out, const struct ofpact *a,
		 uint8_t reason, uint32_t arg)
{
	struct dp_upcall_info u;
	uint32_t off;

	/* Room for the action first: its data must not be left unused. */
	if (out->n >= DP_ACTIONS_MAX)
		return false;
	upcall_info(&u, a, arg);
	return dp_actions_put_upcall_info(out, &u, &off) &&
	       dp_actions_add(out, DP_ACTION_UPCALL, reason, off);
}

int
xlate_ofpact_header(const struct ofpact *a, uint32_t ttl_upcall_arg,
		    bool ttl_to_controller, struct dp_actions *out)
{
	uint16_t type;
	uint32_t arg = 0;

	switch (a->type) {
	case OFPACT_SET_FIELD:
		if (a->field == OXM_METADATA || a->field == OXM_TUNNEL_ID ||
		    a->field == OXM_TUN_IPV4_SRC ||
		    a->field == OXM_TUN_IPV4_DST)
			return 1;
		if (a->field < DP_FIELD_ETH_DST || a->field > DP_FIELD_PBB_ISID ||
		    a->len == 0 || a->len > 16)
			return -1;
		return dp_actions_add_set_field(out, (uint8_t)a->field,
						a->value, a->mask,
						a->len) ? 1 : -1;
	case OFPACT_PUSH_VLAN:
		type = DP_ACTION_PUSH_VLAN;
		arg = a->ethertype ? a->ethertype : 0x8100;
		break;
	case OFPACT_POP_VLAN:
		type = DP_ACTION_POP_VLAN;
		break;
	case OFPACT_PUSH_MPLS:
		type = DP_ACTION_PUSH_MPLS;
		arg = a->ethertype ? a->ethertype : 0x8847;
		break;
	case OFPACT_POP_MPLS:
		type = DP_ACTION_POP_MPLS;
		arg = a->ethertype;
		break;
	case OFPACT_SET_MPLS_TTL:
		type = DP_ACTION_SET_MPLS_TTL;
		arg = a->ttl;
		break;
	case OFPACT_DEC_MPLS_TTL:
		type = DP_ACTION_DEC_MPLS_TTL;
		break;
	case OFPACT_SET_NW_TTL:
		type = DP_ACTION_SET_NW_TTL;
		arg = a->ttl;
		break;
	case OFPACT_DEC_NW_TTL:
		type = DP_ACTION_DEC_NW_TTL;
		break;
	case OFPACT_COPY_TTL_OUT:
		type = DP_ACTION_COPY_TTL_OUT;
		break;
	case OFPACT_COPY_TTL_IN:
		type = DP_ACTION_COPY_TTL_IN;
		break;
	case OFPACT_PUSH_PBB:
		type = DP_ACTION_PUSH_PBB;
		arg = a->ethertype ? a->ethertype : 0x88e7;
		break;
	case OFPACT_POP_PBB:
		type = DP_ACTION_POP_PBB;
		break;
	default:
		return 0;
	}
	if (type == DP_ACTION_DEC_NW_TTL || type == DP_ACTION_DEC_MPLS_TTL) {
		struct dp_upcall_info u;

		if (out->n >= DP_ACTIONS_MAX)
			return -1;
		if (ttl_to_controller) {
			upcall_info(&u, a, ttl_upcall_arg);
			if (!dp_actions_put_upcall_info(out, &u, &arg))
				return -1;
		}
		if (!dp_actions_add(out, type, XLATE_OFPR_INVALID_TTL, arg))
			return -1;
		if (ttl_to_controller)
			out->a[out->n - 1].flags |= DP_ACT_F_TTL_UPCALL;
		return 1;
	}
	return dp_actions_add(out, type, 0, arg) ? 1 : -1;
}

static uint64_t
be_value(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Masked store of len bytes into a key field. */
static void
key_set_bytes(void *field, const struct ofpact *a, unsigned len)
{
	uint8_t *f = field;

	if (a->len != len)
		return;
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)((f[i] & ~a->mask[i]) |
				 (a->value[i] & a->mask[i]));
}

static uint16_t
be16(uint16_t v)
{
	return ntohs(v);
}

void
xlate_key_apply(struct flow_key *k, const struct ofpact *a)
{
	uint64_t v, m;

	switch (a->type) {
	case OFPACT_PUSH_VLAN:
		if (!(be16(k->vlan_tci) & FLOW_VLAN_TCI_PRESENT))
			k->vlan_tci = be16(FLOW_VLAN_TCI_PRESENT);
		else
			k->vlan_tci_inner = k->vlan_tci;
		return;
	case OFPACT_POP_VLAN:
		k->vlan_tci = k->vlan_tci_inner;
		k->vlan_tci_inner = 0;
		return;
	case OFPACT_SET_NW_TTL:
		k->nw_ttl = a->ttl;
		return;
	case OFPACT_DEC_NW_TTL:
		if (k->nw_ttl > 0)
			k->nw_ttl--;
		return;
	case OFPACT_SET_FIELD:
		break;
	default:
		return;
	}
	v = be_value(a->value, a->len);
	m = be_value(a->mask, a->len);
	switch (a->field) {
	case 2:		/* METADATA */
		k->metadata = (k->metadata & ~m) | (v & m);
		return;
	case 3: key_set_bytes(k->eth_dst, a, 6); return;
	case 4: key_set_bytes(k->eth_src, a, 6); return;
	case 6: {	/* VLAN_VID */
		uint16_t t = be16(k->vlan_tci);

		if (t & FLOW_VLAN_TCI_PRESENT)
			k->vlan_tci = be16((uint16_t)((t & ~(m & 0xfff)) |
						      (v & m & 0xfff)));
		return;
	}
	case 7: {	/* VLAN_PCP */
		uint16_t t = be16(k->vlan_tci);

		if (t & FLOW_VLAN_TCI_PRESENT)
			k->vlan_tci = be16((uint16_t)((t & 0x1fff) |
						      ((v & 7) << 13)));
		return;
	}
	case 8: k->nw_tos = (uint8_t)((k->nw_tos & 3) | (v & 0x3f) << 2);
		return;
	case 9: k->nw_tos = (uint8_t)((k->nw_tos & 0xfc) | (v & 3)); return;
	case 10: k->nw_proto = (uint8_t)v; return;
	case 11: key_set_bytes(&k->nw_src, a, 4); return;
	case 12: key_set_bytes(&k->nw_dst, a, 4); return;
	case 13: case 15: case 17: key_set_bytes(&k->tp_src, a, 2); return;
	case 14: case 16: case 18: key_set_bytes(&k->tp_dst, a, 2); return;
	case 26: key_set_bytes(k->ipv6_src, a, 16); return;
	case 27: key_set_bytes(k->ipv6_dst, a, 16); return;
	case 38: k->tunnel_id = (k->tunnel_id & ~m) | (v & m); return;
	case OXM_TUN_IPV4_SRC: key_set_bytes(&k->tun_src, a, 4); return;
	case OXM_TUN_IPV4_DST: key_set_bytes(&k->tun_dst, a, 4); return;
	default:
		return;		/* Not tracked for a patch continuation. */
	}
}

int
xlate_dp_port(const struct pmd_port_table *ports, uint32_t ofport)
{
	for (uint32_t i = 0; i < ports->n_ports; i++)
		if (ports->ports[i].in_use && ports->ports[i].ofport == ofport)
			return (int)i;
	return -1;
}

static unsigned
add(struct dp_actions *out, uint16_t type, uint32_t arg)
{
	if (out->n >= DP_ACTIONS_MAX)
		return 1;
	return dp_actions_add(out, type, 0, arg) ? 0 : 1;
}

static unsigned
output_all(const struct pmd_port_table *ports, uint32_t in_port,
	   struct dp_actions *out)
{
	unsigned skipped = 0;

	for (uint32_t i = 0; i < ports->n_ports; i++)
		if (ports->ports[i].in_use && ports->ports[i].ofport != in_port)
			skipped += add(out, DP_ACTION_OUTPUT, i);
	return skipped;
}

unsigned
xlate_actions(const struct ofpact *acts, size_t n_acts, uint32_t in_port,
	      const struct pmd_port_table *ports, struct dp_actions *out)
{
	unsigned skipped = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_acts; i++) {
		const struct ofpact *a = &acts[i];
		int dp;

		if (a->type == OFPACT_CONTROLLER) {
			skipped += !xlate_add_upcall(out, a, a->reason,
						     a->max_len);
			continue;
		}
		if (a->type != OFPACT_OUTPUT) {
			if (xlate_ofpact_header(a, a->max_len, false, out) <= 0)
				skipped++;
			continue;
		}
		switch (a->port) {
		case OFPP13_IN_PORT:
			dp = xlate_dp_port(ports, in_port);
			if (dp < 0)
				skipped++;
			else
				skipped += add(out, DP_ACTION_OUTPUT,
					       (uint32_t)dp);
			break;
		case OFPP13_ALL:
		case OFPP13_FLOOD:
			skipped += output_all(ports, in_port, out);
			break;
		case OFPP13_CONTROLLER:
			skipped += !xlate_add_upcall(out, a, a->reason,
						     a->max_len);
			break;
		default:
			/* OpenFlow: output to the ingress port needs IN_PORT. */
			dp = xlate_dp_port(ports, a->port);
			if (dp < 0 || a->port == in_port)
				skipped++;
			else
				skipped += add(out, DP_ACTION_OUTPUT,
					       (uint32_t)dp);
			break;
		}
	}
	dp_actions_finish(out);
	return skipped;
}
