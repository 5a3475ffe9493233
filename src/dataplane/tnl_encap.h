/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_ENCAP_H
#define PMDSWITCH_TNL_ENCAP_H

/*
 * The encapsulation fast path: a megaflow whose actions are exactly
 * DP_ACTION_TNL_PUSH then DP_ACTION_OUTPUT (what a flow that outputs to a
 * tunnel port translates to) is marked when it is built
 * (tnl_encap_fast_offset(), megaflow.c: megaflow.fast_push), so the PMD
 * runs it without the action interpreter: it loads the template once per
 * run of packets of that megaflow (tnl_encap_load()), and per packet
 * prepends the TNL_OUTER_LEN bytes of the prebuilt outer header (Ethernet
 * + IPv4 + UDP + VXLAN / GENEVE, built by the slowpath with the VNI and
 * the remote in it: a flow-based key or remote is part of the megaflow's
 * match, so it is fixed per megaflow too) with one fixed-size copy, then
 * writes the four per-packet fields (tnl_encap_write()): IPv4 total
 * length, IPv4 checksum (the template's precomputed sum plus the length),
 * UDP length and the UDP source port (tnl_encap_flow_hash() of the flow
 * key the PMD parsed for its caches, once per train of packets with the
 * same key: the same for every packet of a flow, in 49152..65535). The
 * caches' own hash cannot serve: it covers TCP flags, TTL and ToS, which
 * change within a connection (SYN, FIN, ECN marks), and a connection whose
 * packets took different underlay paths would be reordered.
 * No branch on the tunnel type: VXLAN and GENEVE (without options) have
 * the same header length. The outer packet goes into the output port's tx
 * batch like a plain forward.
 *
 * tnl_push() (tnl_dp.c, the interpreter's path) writes the same header
 * with tnl_encap_write().
 *
 * Thread safety: pure functions of their arguments; the template lives in
 * a megaflow's action data, which is written before the megaflow is
 * published and never changed after. No DPDK header.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_actions.h"
#include "dp_csum.h"
#include "flow_key.h"
#include "tnl_dp.h"

/* Outer IPv4 header bytes over the inner frame: outer minus Ethernet. */
#define TNL_ENCAP_IP_OVERHEAD (TNL_OUTER_LEN - 14)

/* A template as a PMD holds it while it runs one megaflow's packets. */
struct tnl_encap {
	const uint8_t *hdr;	/* TNL_OUTER_LEN bytes. */
	uint32_t max_len;	/* Longest inner frame within the MTU. */
	uint16_t csum_base;	/* tnl_push.ip_csum_base */
	uint8_t port;		/* Tunnel port index (counters). */
};

/* A hash of the inner flow from its parsed key: Ethernet addresses and
 * type, IPv4 / IPv6 addresses, IP protocol, L4 ports (ICMP type and
 * code); not what may change within a connection (TCP flags, TTL, ToS,
 * fragment bits) nor the in_port or tunnel metadata (the interpreter's
 * path, tnl_push(), hashes a key parsed from the frame again). */
static inline uint32_t
tnl_encap_flow_hash(const struct flow_key *k)
{
	/* Key words (the parser writes them whole, so whole-word loads
	 * are forwarded from its stores): 1 = eth_dst, nw_proto, nw_tos;
	 * 2 = eth_src, nw_ttl, nw_frag; 3 = nw_src, nw_dst; 6-9 = IPv6
	 * addresses. The Ethernet addresses are the words' first 6 bytes. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t mac = 0x0000ffffffffffffull;
#else
	const uint64_t mac = 0xffffffffffff0000ull;
#endif
	const flow_word_t *w = flow_key_words(k);
	uint64_t macs = (w[1] & mac) ^ ((w[2] & mac) << 13 | (w[2] & mac) >> 51);
	uint64_t v6 = w[6] ^ (w[7] << 1 | w[7] >> 63) ^
		      (w[8] << 2 | w[8] >> 62) ^ (w[9] << 3 | w[9] >> 61);
	uint64_t h;

	h = w[3] * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)k->tp_src << 48 | (uint64_t)k->tp_dst << 32 |
	     (uint64_t)k->nw_proto << 16 | k->eth_type;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= macs ^ v6;
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(h ^ (h >> 31) ^ (h >> 47));
}

/* The UDP source port of a flow hash: in the ephemeral range. */
static inline uint16_t
tnl_encap_sport(uint32_t hash)
{
	return (uint16_t)(0xc000u | ((hash ^ (hash >> 16)) & 0x3fffu));
}

/* Write the outer header at h (TNL_OUTER_LEN bytes in front of an inner
 * frame of len bytes; len + TNL_ENCAP_IP_OVERHEAD <= 0xffff): copy hdr,
 * then the IPv4 total length and checksum (csum_base: the folded sum of
 * hdr's IPv4 header with length and checksum 0), UDP length and source
 * port. */
static inline void
tnl_encap_write(uint8_t *h, const uint8_t *hdr, uint16_t csum_base,
		uint32_t len, uint32_t hash)
{
	uint32_t ip_len = len + TNL_ENCAP_IP_OVERHEAD;
	uint32_t s = (uint32_t)csum_base + ip_len;

	memcpy(h, hdr, TNL_OUTER_LEN);
	s = (s & 0xffffu) + (s >> 16);	/* One carry at most. */
	dp_wr16(h + 16, (uint16_t)ip_len);
	dp_wr16(h + 24, (uint16_t)~s);
	dp_wr16(h + 34, tnl_encap_sport(hash));
	dp_wr16(h + 38, (uint16_t)(ip_len - 20));
}

/* The data offset of the template when l is exactly TNL_PUSH then OUTPUT
 * and the template is whole (TNL_OUTER_LEN bytes, a valid tunnel port,
 * an MTU that takes the outer headers); -1 otherwise. Checked once, when
 * the megaflow is built: the PMD then trusts it. */
static inline int
tnl_encap_fast_offset(const struct dp_actions *l)
{
	const size_t head = offsetof(struct tnl_push, hdr);
	struct tnl_push p;
	uint32_t off;

	if (l->n != 2 || l->a[0].type != DP_ACTION_TNL_PUSH ||
	    l->a[1].type != DP_ACTION_OUTPUT)
		return -1;
	off = l->a[0].arg;
	if (l->data_len > DP_ACTIONS_DATA || off > l->data_len ||
	    l->data_len - off < head + TNL_OUTER_LEN)
		return -1;
	memcpy(&p, &l->data[off], head);
	if (p.len != TNL_OUTER_LEN || p.port >= TNL_MAX_PORTS ||
	    p.mtu <= TNL_ENCAP_IP_OVERHEAD)
		return -1;
	return (int)off;
}

/* Load the template at data offset off of l (tnl_encap_fast_offset()). */
static inline void
tnl_encap_load(struct tnl_encap *e, const struct dp_actions *l, uint32_t off)
{
	struct tnl_push p;

	memcpy(&p, &l->data[off], offsetof(struct tnl_push, hdr));
	e->hdr = &l->data[off + offsetof(struct tnl_push, hdr)];
	e->max_len = (uint32_t)p.mtu - TNL_ENCAP_IP_OVERHEAD;
	e->csum_base = p.ip_csum_base;
	e->port = p.port;
}

#endif /* PMDSWITCH_TNL_ENCAP_H */
