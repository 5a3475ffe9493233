/* SPDX-License-Identifier: BSD-3-Clause */
#include "megaflow_format.h"

#include "dataplane/tnl_dp.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>

enum field_kind {
	F_U8, F_U16, F_BE16, F_BE32, F_U32, F_U64, F_MAC, F_IP4, F_IP6,
	F_ISID,		/* 24 bits in a network-order word. */
};

/* Which packets a field of a shared key slot belongs to (flow_key.h). */
enum field_when { W_ANY, W_NOT_PBB, W_PBB };

struct field {
	const char *name;
	size_t offset;
	enum field_kind kind;
	enum field_when when;
};

#define FIELD(n, m, k) { n, offsetof(struct flow_key, m), k, W_ANY }
#define FIELD_WHEN(n, m, k, w) { n, offsetof(struct flow_key, m), k, w }

#define ETH_TYPE_PBB 0x88e7
#define PBB_ISID_MASK 0x00ffffffu

static const struct field fields[] = {
	FIELD("in_port", in_port, F_U32),
	FIELD("in_phy_port", in_phy_port, F_U16),
	FIELD("eth_src", eth_src, F_MAC),
	FIELD("eth_dst", eth_dst, F_MAC),
	FIELD("vlan_tci", vlan_tci, F_BE16),
	FIELD("vlan_tci_inner", vlan_tci_inner, F_BE16),
	FIELD("eth_type", eth_type, F_BE16),
	FIELD_WHEN("mpls_lse", mpls_lse, F_BE32, W_NOT_PBB),
	FIELD_WHEN("pbb_isid", pbb_isid, F_ISID, W_PBB),
	FIELD("nw_src", nw_src, F_IP4),
	FIELD("nw_dst", nw_dst, F_IP4),
	FIELD("ipv6_src", ipv6_src, F_IP6),
	FIELD("ipv6_dst", ipv6_dst, F_IP6),
	FIELD("ipv6_label", ipv6_label, F_BE32),
	FIELD("nw_proto", nw_proto, F_U8),
	FIELD("nw_tos", nw_tos, F_U8),
	FIELD("nw_ttl", nw_ttl, F_U8),
	FIELD("nw_frag", nw_frag, F_U8),
	FIELD("tp_src", tp_src, F_BE16),
	FIELD("tp_dst", tp_dst, F_BE16),
	FIELD("tcp_flags", tcp_flags, F_BE16),
	FIELD("nd_target", nd_target, F_IP6),
	FIELD("arp_sha", arp_sha, F_MAC),
	FIELD("arp_tha", arp_tha, F_MAC),
	FIELD("metadata", metadata, F_U64),
	FIELD("tunnel_id", tunnel_id, F_U64),
	FIELD("tun_src", tun_src, F_IP4),
	FIELD("tun_dst", tun_dst, F_IP4),
};

static size_t
field_size(enum field_kind k)
{
	switch (k) {
	case F_U8: return 1;
	case F_U16: case F_BE16: return 2;
	case F_BE32: case F_U32: case F_IP4: case F_ISID: return 4;
	case F_U64: return 8;
	case F_MAC: return 6;
	case F_IP6: return 16;
	}
	return 0;
}

static void
format_value(struct strbuf *out, enum field_kind k, const uint8_t *p)
{
	char buf[INET6_ADDRSTRLEN];
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (k) {
	case F_U8:
		strbuf_printf(out, "%u", p[0]);
		break;
	case F_U16:
		memcpy(&v16, p, 2);
		strbuf_printf(out, "%u", v16);
		break;
	case F_BE16:
		memcpy(&v16, p, 2);
		strbuf_printf(out, "0x%04x", ntohs(v16));
		break;
	case F_BE32:
		memcpy(&v32, p, 4);
		strbuf_printf(out, "0x%x", ntohl(v32));
		break;
	case F_ISID:
		memcpy(&v32, p, 4);
		strbuf_printf(out, "0x%x", ntohl(v32) & PBB_ISID_MASK);
		break;
	case F_U32:
		memcpy(&v32, p, 4);
		strbuf_printf(out, "%u", v32);
		break;
	case F_U64:
		memcpy(&v64, p, 8);
		strbuf_printf(out, "0x%lx", (unsigned long)v64);
		break;
	case F_MAC:
		strbuf_printf(out, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1],
			      p[2], p[3], p[4], p[5]);
		break;
	case F_IP4:
		inet_ntop(AF_INET, p, buf, sizeof(buf));
		strbuf_printf(out, "%s", buf);
		break;
	case F_IP6:
		inet_ntop(AF_INET6, p, buf, sizeof(buf));
		strbuf_printf(out, "%s", buf);
		break;
	}
}

void
megaflow_format_match(struct strbuf *out, const struct flow_key *key,
		      const struct flow_key *mask)
{
	const uint8_t *k = (const uint8_t *)key, *m = (const uint8_t *)mask;
	/* Word 5 holds an MPLS LSE or a PBB I-SID: the Ethertype says which
	 * (every mask that covers the slot covers eth_type too). */
	bool pbb = mask->eth_type == 0xffff &&
		   key->eth_type == htons(ETH_TYPE_PBB);
	bool first = true;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		size_t size = field_size(f->kind);
		bool any = false, all = true;

		if ((f->when == W_PBB && !pbb) || (f->when == W_NOT_PBB && pbb))
			continue;
		for (size_t j = 0; j < size; j++) {
			any |= m[f->offset + j] != 0;
			all &= m[f->offset + j] == 0xff;
		}
		if (f->kind == F_ISID) {
			uint32_t v;

			memcpy(&v, m + f->offset, 4);
			any = (ntohl(v) & PBB_ISID_MASK) != 0;
			all = (ntohl(v) & PBB_ISID_MASK) == PBB_ISID_MASK;
		}
		if (!any)
			continue;
		strbuf_printf(out, "%s%s=", first ? "" : ",", f->name);
		format_value(out, f->kind, k + f->offset);
		if (!all) {
			strbuf_printf(out, "/");
			format_value(out, f->kind, m + f->offset);
		}
		first = false;
	}
	if (first)
		strbuf_printf(out, "(any)");
}

static const char *const action_names[DP_ACTION_N_TYPES] = {
	[DP_ACTION_SET_FIELD] = "set_field",
	[DP_ACTION_PUSH_VLAN] = "push_vlan",
	[DP_ACTION_POP_VLAN] = "pop_vlan",
	[DP_ACTION_PUSH_MPLS] = "push_mpls",
	[DP_ACTION_POP_MPLS] = "pop_mpls",
	[DP_ACTION_SET_MPLS_TTL] = "set_mpls_ttl",
	[DP_ACTION_DEC_MPLS_TTL] = "dec_mpls_ttl",
	[DP_ACTION_SET_NW_TTL] = "set_nw_ttl",
	[DP_ACTION_DEC_NW_TTL] = "dec_ttl",
	[DP_ACTION_COPY_TTL_OUT] = "copy_ttl_out",
	[DP_ACTION_COPY_TTL_IN] = "copy_ttl_in",
	[DP_ACTION_PUSH_PBB] = "push_pbb",
	[DP_ACTION_POP_PBB] = "pop_pbb",
	[DP_ACTION_METER] = "meter",
};

/* tnl_push(vxlan,vni=100,src=192.0.2.1,dst=192.0.2.2,dport=4789,
 * eth_dst=...,tnl=0): the outer header a tunnel port's output prepends. */
static void
format_tnl_push(struct strbuf *out, const struct dp_actions *l,
		const struct dp_action *a)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	const uint8_t *h, *th;
	struct tnl_push p;

	if (!tnl_actions_get_push(l, a, &p) || p.len < TNL_OUTER_LEN) {
		strbuf_printf(out, "tnl_push(?)");
		return;
	}
	h = p.hdr;
	th = h + 42;
	inet_ntop(AF_INET, h + 26, src, sizeof(src));
	inet_ntop(AF_INET, h + 30, dst, sizeof(dst));
	strbuf_printf(out, "tnl_push(%s,vni=%u,src=%s,dst=%s,dport=%u,ttl=%u,"
		      "eth_dst=%02x:%02x:%02x:%02x:%02x:%02x,tnl=%u)",
		      p.type == TNL_TYPE_VXLAN ? "vxlan" : "geneve",
		      (unsigned)(th[4] << 16 | th[5] << 8 | th[6]), src, dst,
		      (unsigned)(h[36] << 8 | h[37]), h[22], h[0], h[1], h[2],
		      h[3], h[4], h[5], p.port);
}

/* Actions [start, end), blocks as clone(...). */
static void
format_range(struct strbuf *out, const struct dp_actions *l, unsigned start,
	     unsigned end, const struct pmd_port_table *ports)
{
	for (unsigned i = start; i < end && i < l->n; i++) {
		const struct dp_action *a = &l->a[i];

		if (i > start)
			strbuf_printf(out, ",");
		if (a->type == DP_ACTION_OUTPUT && a->arg < ports->n_ports) {
			strbuf_printf(out, "output:%u",
				      ports->ports[a->arg].ofport);
		} else if (dp_action_is_upcall(a)) {
			/* UPCALL, or a DEC_*_TTL whose expiry is one. */
			struct dp_upcall_info u;

			dp_actions_get_upcall_info(l, a, &u);
			strbuf_printf(out, "%s(controller,max_len=%u,"
				      "table=%u,cookie=%#llx",
				      a->type == DP_ACTION_UPCALL ? "userspace" :
				      action_names[a->type],
				      u.arg & 0xffff, u.table_id,
				      (unsigned long long)u.cookie);
			if (u.metadata)
				strbuf_printf(out, ",metadata=%#llx",
					      (unsigned long long)u.metadata);
			strbuf_printf(out, ")");
		} else if (a->type == DP_ACTION_TNL_PUSH) {
			format_tnl_push(out, l, a);
		} else if (a->type == DP_ACTION_TNL_DROP) {
			strbuf_printf(out, "tnl_drop(%s,tnl=%u)",
				      tnl_drop_reason_name(a->sub), a->arg);
		} else if (a->type == DP_ACTION_CLONE) {
			strbuf_printf(out, "clone(");
			format_range(out, l, i + 1, i + 1 + a->arg, ports);
			strbuf_printf(out, ")");
			i += a->arg;
		} else if (a->type == DP_ACTION_SET_FIELD &&
			   a->arg < DP_ACTIONS_DATA) {
			unsigned len = l->data[a->arg];

			strbuf_printf(out, "set_field(%u=0x", a->sub);
			for (unsigned k = 0; k < len &&
			     a->arg + 1 + k < DP_ACTIONS_DATA; k++)
				strbuf_printf(out, "%02x",
					      l->data[a->arg + 1 + k]);
			strbuf_printf(out, ")");
		} else if (a->type < DP_ACTION_N_TYPES &&
			   action_names[a->type] != NULL) {
			strbuf_printf(out, "%s(%u)", action_names[a->type],
				      a->arg);
		} else {
			strbuf_printf(out, "unknown(%u,%u)", a->type, a->arg);
		}
	}
}

void
megaflow_format_actions(struct strbuf *out, const struct dp_actions *actions,
			const struct pmd_port_table *ports)
{
	if (actions->n == 0) {
		strbuf_printf(out, "drop");
		return;
	}
	format_range(out, actions, 0, actions->n, ports);
}
