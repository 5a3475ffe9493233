/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame → flow key. One pass, front to back; every read is checked against
 * the end of the frame (or, past the IP header, the end of the datagram as
 * its length field says, whichever comes first). Multi-byte fields are
 * copied as they are on the wire.
 *
 * Truncation rule: a header is parsed only when all of it is present. The
 * result names the first layer found at fault: a datagram whose IP length
 * field claims more bytes than the frame holds is TRUNC_L3, but the
 * transport header is still parsed if it is whole in what is there.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>

#include "flow_parse.h"

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define VLAN_HDR_LEN 4
#define PBB_ITAG_LEN 4		/* PCP, DEI, UCA, reserved, 24-bit I-SID. */
#define PBB_ISID_MASK 0x00ffffffu

#define ETYPE_IPV4 0x0800
#define ETYPE_ARP 0x0806
#define ETYPE_VLAN 0x8100
#define ETYPE_QINQ 0x88a8
#define ETYPE_IPV6 0x86dd
#define ETYPE_MPLS 0x8847
#define ETYPE_MPLS_MC 0x8848
#define ETYPE_PBB 0x88e7	/* IEEE 802.1ah I-TAG. */
#define ETYPE_MIN 0x0600	/* Below: an 802.3 length, not a type. */
#define ETYPE_NOT_ETH 0x05ff	/* OpenFlow's "no Ethertype" value. */

#define ARP_LEN 28
#define IPV4_HDR_LEN 20
#define IPV4_FRAG_MF 0x2000
#define IPV4_FRAG_OFFSET 0x1fff
#define IPV6_HDR_LEN 40
#define IPV6_FRAG_HDR_LEN 8
#define IPV6_FRAG_OFFSET 0xfff8

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_SCTP_ 132
#define IPPROTO_ICMPV6_ 58
#define IPV6_HOPOPTS 0
#define IPV6_ROUTING 43
#define IPV6_FRAGMENT 44
#define IPV6_ESP 50
#define IPV6_AH 51
#define IPV6_NONEXT 59
#define IPV6_DSTOPTS 60

#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define SCTP_HDR_LEN 12
#define ICMP_HDR_LEN 4
#define ND_MSG_LEN 24		/* ICMPv6 header + reserved + target. */
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SLL 1
#define ND_OPT_TLL 2

/* OpenFlow 1.3 OFPIEH_* bits of the IPV6_EXTHDR pseudo-field. */
#define IEH_NONEXT (1u << 0)
#define IEH_ESP (1u << 1)
#define IEH_AUTH (1u << 2)
#define IEH_DEST (1u << 3)
#define IEH_FRAG (1u << 4)
#define IEH_ROUTER (1u << 5)
#define IEH_HOP (1u << 6)
#define IEH_UNREP (1u << 7)
#define IEH_UNSEQ (1u << 8)

static inline uint16_t
rd_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint16_t
rd_raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
rd_raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t
vlan_tci_present(const uint8_t *p)
{
	return rte_cpu_to_be_16(rd_be16(p) | FLOW_VLAN_TCI_PRESENT);
}

/* The ports of a TCP, UDP or SCTP header cut short: its first 4 bytes.
 * Kept so that a port rule still sees them (a first fragment too short for
 * the whole header must not pass a tp_dst rule as port 0). */
static enum flow_parse_result
trunc_ports(const uint8_t *p, size_t room, struct flow_key *key)
{
	if (room >= 4) {
		key->tp_src = rd_raw16(p);
		key->tp_dst = rd_raw16(p + 2);
	}
	return FLOW_PARSE_TRUNC_L4;
}

/* Transport header at p, with end - p bytes of it present. */
static enum flow_parse_result
parse_l4(const uint8_t *p, const uint8_t *end, uint8_t proto, bool ipv6,
	 struct flow_key *key)
{
	size_t room = (size_t)(end - p);

	switch (proto) {
	case IPPROTO_TCP_:
		if (unlikely(room < TCP_HDR_LEN))
			return trunc_ports(p, room, key);
		key->tp_src = rd_raw16(p);
		key->tp_dst = rd_raw16(p + 2);
		key->tcp_flags = rte_cpu_to_be_16(rd_be16(p + 12) & 0x0fff);
		return FLOW_PARSE_OK;
	case IPPROTO_UDP_:
		if (unlikely(room < UDP_HDR_LEN))
			return trunc_ports(p, room, key);
		key->tp_src = rd_raw16(p);
		key->tp_dst = rd_raw16(p + 2);
		return FLOW_PARSE_OK;
	case IPPROTO_SCTP_:
		if (unlikely(room < SCTP_HDR_LEN))
			return trunc_ports(p, room, key);
		key->tp_src = rd_raw16(p);
		key->tp_dst = rd_raw16(p + 2);
		return FLOW_PARSE_OK;
	case IPPROTO_ICMP_:
		if (ipv6)
			return FLOW_PARSE_OK;
		if (unlikely(room < ICMP_HDR_LEN))
			return FLOW_PARSE_TRUNC_L4;
		key->tp_src = rte_cpu_to_be_16(p[0]);
		key->tp_dst = rte_cpu_to_be_16(p[1]);
		return FLOW_PARSE_OK;
	case IPPROTO_ICMPV6_:
		break;
	default:
		return FLOW_PARSE_OK;
	}

	/* ICMPv6. */
	if (!ipv6)
		return FLOW_PARSE_OK;
	if (unlikely(room < ICMP_HDR_LEN))
		return FLOW_PARSE_TRUNC_L4;
	key->tp_src = rte_cpu_to_be_16(p[0]);
	key->tp_dst = rte_cpu_to_be_16(p[1]);
	if ((p[0] != ND_NEIGHBOR_SOLICIT && p[0] != ND_NEIGHBOR_ADVERT) ||
	    p[1] != 0)
		return FLOW_PARSE_OK;
	if (unlikely(room < ND_MSG_LEN))
		return FLOW_PARSE_TRUNC_L4;
	memcpy(key->nd_target, p + 8, sizeof(key->nd_target));

	/* Options: type, length in 8-byte units, value. The first
	 * source / target link-layer address option of the right size wins. */
	bool have_sll = false, have_tll = false;

	for (p += ND_MSG_LEN; p < end;) {
		size_t opt_len;

		if (unlikely((size_t)(end - p) < 2))
			return FLOW_PARSE_TRUNC_L4;
		opt_len = (size_t)p[1] * 8;
		if (unlikely(opt_len == 0 || opt_len > (size_t)(end - p)))
			return FLOW_PARSE_TRUNC_L4;
		if (opt_len == 8) {
			if (p[0] == ND_OPT_SLL && !have_sll) {
				memcpy(key->arp_sha, p + 2, ETH_ADDR_LEN);
				have_sll = true;
			} else if (p[0] == ND_OPT_TLL && !have_tll) {
				memcpy(key->arp_tha, p + 2, ETH_ADDR_LEN);
				have_tll = true;
			}
		}
		p += opt_len;
	}
	return FLOW_PARSE_OK;
}

static enum flow_parse_result
parse_arp(const uint8_t *p, const uint8_t *end, struct flow_key *key)
{
	if (unlikely((size_t)(end - p) < ARP_LEN))
		return FLOW_PARSE_TRUNC_L3;
	/* Ethernet / IPv4 ARP only; anything else leaves the fields zero. */
	if (rd_be16(p) != 1 || rd_be16(p + 2) != ETYPE_IPV4 ||
	    p[4] != ETH_ADDR_LEN || p[5] != 4)
		return FLOW_PARSE_OK;
	key->nw_proto = (uint8_t)rd_be16(p + 6);
	memcpy(key->arp_sha, p + 8, ETH_ADDR_LEN);
	key->nw_src = rd_raw32(p + 14);
	memcpy(key->arp_tha, p + 18, ETH_ADDR_LEN);
	key->nw_dst = rd_raw32(p + 24);
	return FLOW_PARSE_OK;
}

static enum flow_parse_result
parse_ipv4(const uint8_t *p, const uint8_t *end, struct flow_key *key)
{
	size_t room = (size_t)(end - p);
	size_t hdr_len, tot_len;
	enum flow_parse_result r = FLOW_PARSE_OK, r4;
	uint16_t frag;

	if (unlikely(room < IPV4_HDR_LEN))
		return FLOW_PARSE_TRUNC_L3;
	if (unlikely((p[0] >> 4) != 4))
		return FLOW_PARSE_BAD_L3;
	hdr_len = (size_t)(p[0] & 0x0f) * 4;
	if (unlikely(hdr_len < IPV4_HDR_LEN))
		return FLOW_PARSE_BAD_L3;
	if (unlikely(room < hdr_len))
		return FLOW_PARSE_TRUNC_L3;
	tot_len = rd_be16(p + 2);
	if (unlikely(tot_len < hdr_len))
		return FLOW_PARSE_TRUNC_L3;

	key->nw_tos = p[1];
	key->nw_ttl = p[8];
	key->nw_proto = p[9];
	key->nw_src = rd_raw32(p + 12);
	key->nw_dst = rd_raw32(p + 16);

	/* Ethernet padding follows short datagrams: stop at tot_len. */
	if (unlikely(tot_len > room))
		r = FLOW_PARSE_TRUNC_L3;
	else
		end = p + tot_len;

	frag = rd_be16(p + 6);
	if (unlikely(frag & (IPV4_FRAG_MF | IPV4_FRAG_OFFSET))) {
		key->nw_frag = FLOW_NW_FRAG_ANY;
		if (frag & IPV4_FRAG_OFFSET) {
			key->nw_frag |= FLOW_NW_FRAG_LATER;
			return r;
		}
	}
	r4 = parse_l4(p + hdr_len, end, key->nw_proto, false, key);
	if (unlikely(r == FLOW_PARSE_OK && r4 == FLOW_PARSE_TRUNC_L4 &&
		     key->nw_frag))
		key->nw_frag |= FLOW_NW_FRAG_LATER;	/* Tiny first. */
	return r != FLOW_PARSE_OK ? r : r4;
}

/* Rank of an extension header in RFC 8200's recommended order. */
static unsigned
ipv6_exthdr_rank(uint8_t nh, uint16_t seen)
{
	switch (nh) {
	case IPV6_HOPOPTS:
		return 0;
	case IPV6_DSTOPTS:
		/* Before a routing header, or the final destination options. */
		return (seen & (IEH_ROUTER | IEH_FRAG | IEH_AUTH | IEH_ESP)) ?
			6 : 1;
	case IPV6_ROUTING:
		return 2;
	case IPV6_FRAGMENT:
		return 3;
	case IPV6_AH:
		return 4;
	default:		/* IPV6_ESP */
		return 5;
	}
}

static uint16_t
ipv6_exthdr_bit(uint8_t nh)
{
	switch (nh) {
	case IPV6_HOPOPTS:
		return IEH_HOP;
	case IPV6_DSTOPTS:
		return IEH_DEST;
	case IPV6_ROUTING:
		return IEH_ROUTER;
	case IPV6_FRAGMENT:
		return IEH_FRAG;
	case IPV6_AH:
		return IEH_AUTH;
	default:		/* IPV6_ESP */
		return IEH_ESP;
	}
}

static enum flow_parse_result
parse_ipv6(const uint8_t *p, const uint8_t *end, struct flow_key *key)
{
	size_t room = (size_t)(end - p);
	enum flow_parse_result r = FLOW_PARSE_OK, r4;
	uint16_t seen = 0, flags = 0;
	unsigned last_rank = 0, n_dest = 0;
	uint32_t vtc_flow;
	size_t plen;
	uint8_t nh;

	if (unlikely(room < IPV6_HDR_LEN))
		return FLOW_PARSE_TRUNC_L3;
	vtc_flow = rte_be_to_cpu_32(rd_raw32(p));
	if (unlikely((vtc_flow >> 28) != 6))
		return FLOW_PARSE_BAD_L3;
	key->nw_tos = (uint8_t)(vtc_flow >> 20);
	key->ipv6_label = rte_cpu_to_be_32(vtc_flow & 0x000fffff);
	nh = p[6];
	key->nw_ttl = p[7];
	memcpy(key->ipv6_src, p + 8, sizeof(key->ipv6_src));
	memcpy(key->ipv6_dst, p + 24, sizeof(key->ipv6_dst));

	/* Payload length 0 is a jumbogram (or junk): trust the frame. */
	plen = rd_be16(p + 4);
	if (unlikely(plen > room - IPV6_HDR_LEN))
		r = FLOW_PARSE_TRUNC_L3;
	else if (likely(plen != 0))
		end = p + IPV6_HDR_LEN + plen;
	p += IPV6_HDR_LEN;

	for (;;) {
		size_t hlen;
		uint16_t bit;
		unsigned rank;

		if (nh != IPV6_HOPOPTS && nh != IPV6_ROUTING &&
		    nh != IPV6_DSTOPTS && nh != IPV6_FRAGMENT &&
		    nh != IPV6_AH && nh != IPV6_ESP) {
			if (nh == IPV6_NONEXT)
				flags |= IEH_NONEXT;
			break;
		}

		bit = ipv6_exthdr_bit(nh);
		rank = ipv6_exthdr_rank(nh, seen);
		/* Destination options may appear twice, the others once. */
		n_dest += nh == IPV6_DSTOPTS;
		if (((seen & bit) && nh != IPV6_DSTOPTS) || n_dest > 2)
			flags |= IEH_UNREP;
		if ((nh == IPV6_HOPOPTS && seen) || rank < last_rank)
			flags |= IEH_UNSEQ;
		last_rank = rank;
		seen |= bit;

		if (nh == IPV6_AH || nh == IPV6_ESP)
			break;	/* Not walked: nw_proto is AH / ESP. */
		if (unlikely((size_t)(end - p) < 8)) {
			/* The protocol is unknown: nw_proto stays 0. */
			key->ipv6_exthdr = rte_cpu_to_be_16(seen | flags);
			return FLOW_PARSE_TRUNC_L3;
		}
		if (nh == IPV6_FRAGMENT) {
			uint16_t off = rd_be16(p + 2);

			hlen = IPV6_FRAG_HDR_LEN;
			key->nw_frag = FLOW_NW_FRAG_ANY;
			if (off & IPV6_FRAG_OFFSET) {
				key->nw_frag |= FLOW_NW_FRAG_LATER;
				key->ipv6_exthdr = rte_cpu_to_be_16(seen | flags);
				key->nw_proto = p[0];
				return r;
			}
		} else {
			hlen = ((size_t)p[1] + 1) * 8;
			if (unlikely((size_t)(end - p) < hlen)) {
				key->ipv6_exthdr =
					rte_cpu_to_be_16(seen | flags);
				return FLOW_PARSE_TRUNC_L3;
			}
		}
		nh = p[0];
		p += hlen;
	}

	key->ipv6_exthdr = rte_cpu_to_be_16(seen | flags);
	key->nw_proto = nh;
	r4 = parse_l4(p, end, nh, true, key);
	if (unlikely(r == FLOW_PARSE_OK && r4 == FLOW_PARSE_TRUNC_L4 &&
		     key->nw_frag))
		key->nw_frag |= FLOW_NW_FRAG_LATER;	/* Tiny first. */
	return r != FLOW_PARSE_OK ? r : r4;
}

/* Words each frame kind may fill (see flow_parse_map()). */
#define MAP_L2 (FLOW_MAP_WORD(0) | FLOW_MAP_WORD(1) | FLOW_MAP_WORD(2))
#define MAP_IPV4 (MAP_L2 | FLOW_MAP_WORD(3) | FLOW_MAP_WORD(4))
#define MAP_ARP (MAP_L2 | FLOW_MAP_WORD(3) | FLOW_MAP_WORD(12) | \
		 FLOW_MAP_WORD(13))
#define MAP_MPLS (MAP_L2 | FLOW_MAP_WORD(5))
#define MAP_PBB (MAP_L2 | FLOW_MAP_WORD(5))
#define MAP_IPV6 (MAP_L2 | FLOW_MAP_WORD(4) | FLOW_MAP_WORD(5) | \
		  FLOW_MAP_WORD(6) | FLOW_MAP_WORD(7) | FLOW_MAP_WORD(8) | \
		  FLOW_MAP_WORD(9) | FLOW_MAP_WORD(10) | FLOW_MAP_WORD(11) | \
		  FLOW_MAP_WORD(12) | FLOW_MAP_WORD(13))

enum flow_parse_result
flow_parse_map(const void *data, uint32_t len, uint32_t in_port,
	       struct flow_key *key, uint32_t *map)
{
	const uint8_t *p = data, *end = p + len;
	uint16_t type;

	flow_key_zero(key);
	key->in_port = in_port;
	*map = MAP_L2;

	if (unlikely(len < ETH_HDR_LEN)) {
		if (len >= ETH_ADDR_LEN)
			memcpy(key->eth_dst, p, ETH_ADDR_LEN);
		if (len >= 2 * ETH_ADDR_LEN)
			memcpy(key->eth_src, p + ETH_ADDR_LEN, ETH_ADDR_LEN);
		return FLOW_PARSE_TRUNC_L2;
	}
	memcpy(key->eth_dst, p, ETH_ADDR_LEN);
	memcpy(key->eth_src, p + ETH_ADDR_LEN, ETH_ADDR_LEN);
	type = rd_be16(p + 12);
	p += ETH_HDR_LEN;

	/* Outer tag (802.1Q or 802.1ad), then an optional inner 802.1Q. */
	if (type == ETYPE_VLAN || type == ETYPE_QINQ) {
		if (unlikely(end - p < VLAN_HDR_LEN))
			return FLOW_PARSE_TRUNC_L2;
		key->vlan_tci = vlan_tci_present(p);
		type = rd_be16(p + 2);
		p += VLAN_HDR_LEN;
		if (type == ETYPE_VLAN) {
			if (unlikely(end - p < VLAN_HDR_LEN))
				return FLOW_PARSE_TRUNC_L2;
			key->vlan_tci_inner = vlan_tci_present(p);
			*map |= FLOW_MAP_WORD(4);
			type = rd_be16(p + 2);
			p += VLAN_HDR_LEN;
		}
	}
	if (unlikely(type < ETYPE_MIN)) {
		/* 802.3 length field: no Ethertype to match on. */
		key->eth_type = rte_cpu_to_be_16(ETYPE_NOT_ETH);
		return FLOW_PARSE_OK;
	}
	key->eth_type = rte_cpu_to_be_16(type);

	switch (type) {
	case ETYPE_IPV4:
		*map |= MAP_IPV4;
		return parse_ipv4(p, end, key);
	case ETYPE_IPV6:
		*map |= MAP_IPV6;
		return parse_ipv6(p, end, key);
	case ETYPE_ARP:
		*map |= MAP_ARP;
		return parse_arp(p, end, key);
	case ETYPE_MPLS:
	case ETYPE_MPLS_MC:
		if (unlikely(end - p < 4))
			return FLOW_PARSE_TRUNC_L3;
		*map |= MAP_MPLS;
		key->mpls_lse = rd_raw32(p);
		return FLOW_PARSE_OK;
	case ETYPE_PBB:
		/* OpenFlow 1.3 matches the outer frame: the I-SID, and not
		 * the customer frame behind it. A cut I-TAG is an L2 tag
		 * cut short, as a VLAN tag would be. */
		if (unlikely(end - p < PBB_ITAG_LEN))
			return FLOW_PARSE_TRUNC_L2;
		*map |= MAP_PBB;
		key->pbb_isid = rd_raw32(p) & rte_cpu_to_be_32(PBB_ISID_MASK);
		return FLOW_PARSE_OK;
	default:
		return FLOW_PARSE_OK;
	}
}

enum flow_parse_result
flow_parse(const void *data, uint32_t len, uint32_t in_port,
	   struct flow_key *key)
{
	uint32_t map;

	return flow_parse_map(data, len, in_port, key, &map);
}

const char *
flow_parse_result_name(enum flow_parse_result r)
{
	switch (r) {
	case FLOW_PARSE_OK:
		return "ok";
	case FLOW_PARSE_TRUNC_L2:
		return "trunc_l2";
	case FLOW_PARSE_TRUNC_L3:
		return "trunc_l3";
	case FLOW_PARSE_TRUNC_L4:
		return "trunc_l4";
	case FLOW_PARSE_BAD_L3:
		return "bad_l3";
	case FLOW_PARSE_N_RESULTS:
		break;
	}
	return "unknown";
}
