/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN / GENEVE receive classification, outer header push and the
 * datapath tunnel actions (see tnl_dp.h). Byte work only: no DPDK header.
 */
#include "tnl_dp.h"
#include "dp_csum.h"
#include "tnl_encap.h"

#include <stddef.h>
#include <string.h>

#include <arpa/inet.h>

struct tnl_dp_table *tnl_dp_table_current;

#define ETH_LEN 14
#define ETYPE_IPV4 0x0800
#define ETYPE_ARP 0x0806
#define ETYPE_TEB 0x6558	/* Transparent Ethernet bridging. */
#define IPPROTO_UDP_ 17
#define UDP_LEN 8
#define VXLAN_LEN 8
#define GENEVE_LEN 8
#define VXLAN_FLAG_I 0x08
#define GENEVE_CRIT 0x40	/* C bit of the first byte's pair. */
#define ARP_LEN 28

static const char *const drop_names[TNL_DROP_N] = {
	[TNL_DROP_TRUNC] = "trunc",
	[TNL_DROP_BAD_OUTER] = "bad_outer",
	[TNL_DROP_BAD_TUNNEL] = "bad_tunnel",
	[TNL_DROP_UNKNOWN_VNI] = "unknown_vni",
	[TNL_DROP_OTHER_UDP] = "other_udp",
	[TNL_DROP_OTHER_PROTO] = "other_proto",
	[TNL_DROP_BAD_ARP] = "bad_arp",
	[TNL_DROP_MTU] = "mtu",
	[TNL_DROP_NO_ROUTE] = "no_route",
	[TNL_DROP_NO_ARP] = "no_arp",
	[TNL_DROP_NO_ROOM] = "no_room",
};

const char *
tnl_drop_reason_name(enum tnl_drop_reason r)
{
	return (unsigned)r < TNL_DROP_N ? drop_names[r] : "unknown";
}


static inline uint32_t
rd32_raw(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ARP for the endpoint: a request becomes the reply, in place. */
static enum tnl_rx_verdict
rx_arp(const struct tnl_dp_endpoint *e, uint8_t *p, uint32_t len,
       enum tnl_drop_reason *why)
{
	uint8_t *a = p + ETH_LEN;
	uint16_t op;

	if (len < ETH_LEN + ARP_LEN)
		return TNL_RX_PASS;	/* The switch's parser counts it. */
	if (rd32_raw(a + 24) != e->ip)
		return TNL_RX_PASS;	/* For someone else. */
	op = dp_rd16(a + 6);
	if (dp_rd16(a) != 1 || dp_rd16(a + 2) != ETYPE_IPV4 || a[4] != 6 ||
	    a[5] != 4 || (op != 1 && op != 2)) {
		*why = TNL_DROP_BAD_ARP;
		return TNL_RX_DROP;
	}
	if (op == 2)
		return TNL_RX_ARP_UP;
	/* Reply: target = the asker, sender = the endpoint. */
	memcpy(a + 18, a + 8, 6);		/* THA = SHA */
	memcpy(a + 24, a + 14, 4);		/* TPA = SPA */
	memcpy(a + 8, e->mac, 6);		/* SHA */
	memcpy(a + 14, &e->ip, 4);		/* SPA */
	dp_wr16(a + 6, 2);
	memcpy(p, a + 18, 6);			/* Ethernet dst = asker */
	memcpy(p + 6, e->mac, 6);
	return TNL_RX_ARP_REPLIED;
}

/* The tunnel port that takes (type, udp port, vni, remote): exact keys
 * and remotes before flow-based ones. -1: none; -2: no port listens on
 * that UDP port at all. */
static int
find_port(const struct tnl_dp_table *t, unsigned ep, uint8_t type,
	  uint16_t udp_dst, uint32_t vni, uint32_t remote)
{
	int best = -2, best_score = -1;

	for (uint32_t i = 0; i < t->n_ports && i < TNL_MAX_PORTS; i++) {
		const struct tnl_dp_port *tp = &t->ports[i];
		int score;

		if (!tp->in_use || tp->endpoint != ep || tp->type != type ||
		    tp->udp_dst != udp_dst)
			continue;
		if (best == -2)
			best = -1;
		if ((!tp->key_flow && tp->vni != vni) ||
		    (!tp->remote_flow && tp->remote_ip != remote))
			continue;
		score = !tp->key_flow * 2 + !tp->remote_flow;
		if (score > best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	return best;
}

/* The UDP port's tunnel type at this endpoint, 0 for none. */
static uint8_t
udp_type(const struct tnl_dp_table *t, unsigned ep, uint16_t udp_dst)
{
	for (uint32_t i = 0; i < t->n_ports && i < TNL_MAX_PORTS; i++)
		if (t->ports[i].in_use && t->ports[i].endpoint == ep &&
		    t->ports[i].udp_dst == udp_dst)
			return t->ports[i].type;
	return 0;
}

enum tnl_rx_verdict
tnl_rx_classify(const struct tnl_dp_table *t, unsigned ep, uint8_t *data,
		uint32_t len, struct tnl_rx_meta *meta, uint32_t *outer_len,
		enum tnl_drop_reason *why)
{
	const struct tnl_dp_endpoint *e;
	const uint8_t *ip, *udp, *th;
	uint32_t ihl, tot, hlen, vni;
	uint16_t etype, udp_dst;
	uint8_t type;
	int port;

	meta->tunnel = false;
	if (ep >= TNL_MAX_ENDPOINTS || !t->ep[ep].in_use || len < ETH_LEN)
		return TNL_RX_PASS;
	e = &t->ep[ep];
	etype = dp_rd16(data + 12);
	if (etype == ETYPE_ARP)
		return rx_arp(e, data, len, why);
	if (etype != ETYPE_IPV4 || memcmp(data, e->mac, 6) != 0)
		return TNL_RX_PASS;
	ip = data + ETH_LEN;
	if (len < ETH_LEN + 20)
		return TNL_RX_PASS;	/* The parser counts a cut header. */
	if (rd32_raw(ip + 16) != e->ip)
		return TNL_RX_PASS;	/* Routed through, not to us. */
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = dp_rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl ||
	    len < ETH_LEN + ihl || tot > len - ETH_LEN) {
		*why = ihl >= 20 && len < ETH_LEN + ihl ? TNL_DROP_TRUNC :
		       TNL_DROP_BAD_OUTER;
		return TNL_RX_DROP;
	}
	if (!dp_csum_ipv4_ok(ip, ihl) ||
	    (dp_rd16(ip + 6) & 0x3fff) != 0) {
		/* Bad checksum, or a fragment (not reassembled). */
		*why = TNL_DROP_BAD_OUTER;
		return TNL_RX_DROP;
	}
	if (ip[9] != IPPROTO_UDP_) {
		*why = TNL_DROP_OTHER_PROTO;
		return TNL_RX_DROP;
	}
	if (tot < ihl + UDP_LEN) {
		*why = TNL_DROP_TRUNC;
		return TNL_RX_DROP;
	}
	udp = ip + ihl;
	memcpy(&udp_dst, udp + 2, 2);
	type = udp_type(t, ep, udp_dst);
	if (type == 0) {
		*why = TNL_DROP_OTHER_UDP;
		return TNL_RX_DROP;
	}
	if (dp_rd16(udp + 4) < UDP_LEN || dp_rd16(udp + 4) > tot - ihl) {
		*why = TNL_DROP_BAD_OUTER;
		return TNL_RX_DROP;
	}
	if (tot < ihl + UDP_LEN + VXLAN_LEN) {
		*why = TNL_DROP_TRUNC;
		return TNL_RX_DROP;
	}
	th = udp + UDP_LEN;
	hlen = ETH_LEN + ihl + UDP_LEN + VXLAN_LEN;
	if (type == TNL_TYPE_VXLAN) {
		if (!(th[0] & VXLAN_FLAG_I)) {
			*why = TNL_DROP_BAD_TUNNEL;
			return TNL_RX_DROP;
		}
	} else {
		uint32_t opt = (uint32_t)(th[0] & 0x3f) * 4;

		if ((th[0] >> 6) != 0 || (th[1] & GENEVE_CRIT) ||
		    dp_rd16(th + 2) != ETYPE_TEB) {
			*why = TNL_DROP_BAD_TUNNEL;
			return TNL_RX_DROP;
		}
		hlen += opt;
		if (hlen > ETH_LEN + tot) {
			*why = TNL_DROP_TRUNC;
			return TNL_RX_DROP;
		}
	}
	if (ETH_LEN + tot < hlen + ETH_LEN) {
		*why = TNL_DROP_TRUNC;	/* No inner Ethernet header. */
		return TNL_RX_DROP;
	}
	vni = (uint32_t)th[4] << 16 | (uint32_t)th[5] << 8 | th[6];
	port = find_port(t, ep, type, udp_dst, vni, rd32_raw(ip + 12));
	if (port < 0) {
		*why = TNL_DROP_UNKNOWN_VNI;
		return TNL_RX_DROP;
	}
	meta->tunnel = true;
	meta->port = (uint8_t)port;
	meta->in_port = t->ports[port].in_port;
	meta->tun_id = vni;
	meta->tun_src = rd32_raw(ip + 12);
	meta->tun_dst = rd32_raw(ip + 16);
	meta->inner_len = ETH_LEN + tot - hlen;
	*outer_len = hlen;
	return TNL_RX_DECAP;
}

void
tnl_push_build(struct tnl_push *p, enum tnl_type type, uint8_t port,
	       const uint8_t eth_dst[6], const uint8_t eth_src[6],
	       uint32_t ip_src, uint32_t ip_dst, uint8_t ttl, uint8_t tos,
	       bool df, uint16_t udp_dst, uint32_t vni, uint16_t mtu)
{
	uint8_t *h = p->hdr, *ip = h + ETH_LEN, *udp = ip + 20;
	uint8_t *th = udp + UDP_LEN;

	memset(p, 0, sizeof(*p));
	p->len = TNL_OUTER_LEN;
	p->port = port;
	p->type = (uint8_t)type;
	p->mtu = mtu;
	memcpy(h, eth_dst, 6);
	memcpy(h + 6, eth_src, 6);
	dp_wr16(h + 12, ETYPE_IPV4);
	ip[0] = 0x45;
	ip[1] = tos;
	dp_wr16(ip + 6, df ? 0x4000 : 0);
	ip[8] = ttl;
	ip[9] = IPPROTO_UDP_;
	memcpy(ip + 12, &ip_src, 4);
	memcpy(ip + 16, &ip_dst, 4);
	p->ip_csum_base = dp_csum_fold(dp_csum_sum16(ip, 20));
	dp_wr16(udp + 2, udp_dst);
	if (type == TNL_TYPE_VXLAN) {
		th[0] = VXLAN_FLAG_I;
	} else {
		dp_wr16(th + 2, ETYPE_TEB);
	}
	th[4] = (uint8_t)(vni >> 16);
	th[5] = (uint8_t)(vni >> 8);
	th[6] = (uint8_t)vni;
}

enum dp_hdr_result
tnl_push(struct dp_buf *b, const struct tnl_push *p, uint32_t hash)
{
	uint8_t *h;

	if (p->len != TNL_OUTER_LEN ||
	    b->len + TNL_ENCAP_IP_OVERHEAD > p->mtu ||
	    b->len + TNL_ENCAP_IP_OVERHEAD > 0xffff)
		return DP_HDR_SKIPPED;
	if (b->headroom < TNL_OUTER_LEN)
		return DP_HDR_NO_ROOM;
	h = b->data - TNL_OUTER_LEN;
	tnl_encap_write(h, p->hdr, p->ip_csum_base, b->len, hash);
	b->data = h;
	b->len += TNL_OUTER_LEN;
	b->headroom -= TNL_OUTER_LEN;
	return DP_HDR_OK;
}

bool
tnl_actions_add_push(struct dp_actions *l, const struct tnl_push *p)
{
	uint32_t off = l->data_len;
	size_t n = offsetof(struct tnl_push, hdr) + p->len;

	if (l->n >= DP_ACTIONS_MAX || off + n > DP_ACTIONS_DATA)
		return false;
	memcpy(&l->data[off], p, n);
	l->data_len = (uint16_t)(off + n);
	return dp_actions_add(l, DP_ACTION_TNL_PUSH, p->port, off);
}

bool
tnl_actions_add_drop(struct dp_actions *l, enum tnl_drop_reason why,
		     uint8_t port)
{
	return dp_actions_add(l, DP_ACTION_TNL_DROP, (uint8_t)why, port);
}

bool
tnl_actions_get_push(const struct dp_actions *l, const struct dp_action *a,
		     struct tnl_push *out)
{
	size_t head = offsetof(struct tnl_push, hdr);

	if (l->data_len > DP_ACTIONS_DATA || a->arg > l->data_len ||
	    l->data_len - a->arg < head)
		return false;
	memcpy(out, &l->data[a->arg], head);
	if (out->len > TNL_HDR_MAX || l->data_len - a->arg < head + out->len)
		return false;
	memcpy(out->hdr, &l->data[a->arg + head], out->len);
	return true;
}
