/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_FLOW_KEY_H
#define PMDSWITCH_FLOW_KEY_H

/*
 * The flow key: every header field a packet is matched on, in one fixed
 * layout shared by the dataplane (parser, EMC, megaflow classifier) and the
 * OpenFlow switch model (rule matches are a key plus a mask of the same
 * struct). This header is plain C: it includes no DPDK header, so
 * src/ofproto/ can use it.
 *
 * Layout rules:
 *  - 136 bytes, 17 aligned 64-bit words, so masked compares and hashes work
 *    word by word. The fields most rules look at (in_port, Ethernet, IPv4
 *    5-tuple) sit in the first five words, so a mask that only covers them
 *    is compared over words 0..4 and nothing more.
 *  - Multi-byte packet fields are kept in network byte order (the bytes as
 *    they are on the wire); in_port, metadata and tunnel_id are host order.
 *  - A field the packet does not have is zero. A mask is a struct flow_key
 *    whose set bits are the bits that matter.
 *
 * Tunnel metadata (words 15-16): tunnel_id (the VNI of a VXLAN / GENEVE
 * packet the switch decapsulated, or what set_field wrote), tun_src and
 * tun_dst (the outer IPv4 addresses; network order). A decapsulated packet
 * carries them together with every inner field, so they cannot share a
 * slot with a packet field: the key grew from 16 to 17 words for them
 * (the EMC entry stays one 192-byte block; keys of packets that did not
 * come from a tunnel have the word zero and outside their parser map).
 * in_phy_port (word 13) is the underlay port (OpenFlow IN_PHY_PORT) a
 * decapsulated packet arrived on, whose in_port is the tunnel port's:
 * ofports are below 0xff00, reserved ports keep their low 16 bits. It is
 * 0 for every other packet, whose IN_PHY_PORT is its in_port, so plain
 * keys keep word 13 out of their map (ofp_match.c turns a rule's
 * in_phy_port equal to its in_port into 0).
 *
 * Shared slots: fields that no packet can carry together share bytes, so
 * the key stays small. nw_src / nw_dst hold the IPv4 addresses or
 * the ARP SPA / TPA; word 5's first half holds the top MPLS label stack
 * entry (eth_type 0x8847 / 0x8848) or the I-SID of a PBB I-TAG (eth_type
 * 0x88e7: the 24-bit I-SID in the low bits, network order; the I-TAG's
 * PCP, DEI and UCA bits are not kept, so a rule on PBB_ISID compares the
 * I-SID alone). Sharing is safe because every rule that matches one of
 * these fields also matches eth_type (its OpenFlow prerequisite), so a
 * rule on mpls_lse bits never matches a PBB packet and the reverse.
 *
 * Thread safety: a plain value type; whoever owns the memory owns the key.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* vlan_tci: VLAN_TCI_PRESENT is set when the frame carries an 802.1Q tag,
 * so "no tag" (0) differs from "tag with VID 0 and PCP 0" (0x1000).
 * This is OpenFlow 1.3's OFPVID_PRESENT convention moved into the TCI's
 * CFI bit position (as Open vSwitch does). Network byte order. */
#define FLOW_VLAN_TCI_PRESENT 0x1000u
#define FLOW_VLAN_VID_MASK 0x0fffu
#define FLOW_VLAN_PCP_MASK 0xe000u
#define FLOW_VLAN_PCP_SHIFT 13

/* nw_frag bits (the NXM_NX_IP_FRAG bits, ovs-ofctl nw_frag). A first
 * fragment too short for its whole L4 header (RFC 1858's tiny fragment)
 * is flagged LATER too: it is no first fragment to match on, yet the ports
 * it carries (4 bytes suffice) are kept, so a tp_dst rule still sees them. */
#define FLOW_NW_FRAG_ANY 0x01u	/* The packet is an IP fragment. */
#define FLOW_NW_FRAG_LATER 0x02u	/* ... and not the first one. */

/* Reasons a frame was not parsed to the end; the parser's return value. */
enum flow_parse_result {
	FLOW_PARSE_OK = 0,
	FLOW_PARSE_TRUNC_L2,	/* Shorter than an Ethernet / VLAN header
				 * or a PBB I-TAG. */
	FLOW_PARSE_TRUNC_L3,	/* L3 header cut short or bad length field. */
	FLOW_PARSE_TRUNC_L4,	/* L4 header cut short. */
	FLOW_PARSE_BAD_L3,	/* e.g. IPv4 IHL < 5, version mismatch. */
	FLOW_PARSE_N_RESULTS
};

struct flow_key {
	/* word 0 */
	uint32_t in_port;	/* OpenFlow port number, host order. */
	uint16_t eth_type;	/* Innermost Ethertype, network order. */
	uint16_t vlan_tci;	/* Outer (or only) 802.1Q tag + PRESENT bit. */
	/* word 1 */
	uint8_t eth_dst[6];
	uint8_t nw_proto;	/* IP protocol, or low 8 bits of ARP opcode. */
	uint8_t nw_tos;		/* DSCP (high 6 bits) and ECN (low 2 bits). */
	/* word 2 */
	uint8_t eth_src[6];
	uint8_t nw_ttl;
	uint8_t nw_frag;	/* FLOW_NW_FRAG_* */
	/* word 3 */
	uint32_t nw_src;	/* IPv4 source, or ARP SPA. Network order. */
	uint32_t nw_dst;	/* IPv4 destination, or ARP TPA. */
	/* word 4 */
	uint16_t tp_src;	/* TCP/UDP/SCTP port; ICMP type (low byte). */
	uint16_t tp_dst;	/* TCP/UDP/SCTP port; ICMP code (low byte). */
	uint16_t tcp_flags;	/* Network order, 12 bits. */
	uint16_t vlan_tci_inner;	/* Inner tag of 802.1ad QinQ + PRESENT. */
	/* word 5 */
	union {
		uint32_t mpls_lse;	/* Top MPLS label stack entry. */
		uint32_t pbb_isid;	/* PBB I-TAG's I-SID (low 24 bits). */
	};			/* Network order; see "Shared slots". */
	uint32_t ipv6_label;	/* IPv6 flow label, network order, 20 bits. */
	/* words 6-9 */
	uint8_t ipv6_src[16];
	uint8_t ipv6_dst[16];
	/* words 10-11 */
	uint8_t nd_target[16];	/* ICMPv6 neighbour discovery target. */
	/* word 12 */
	uint8_t arp_sha[6];	/* ARP SHA, or ND source link-layer address. */
	uint16_t ipv6_exthdr;	/* OpenFlow IPV6_EXTHDR pseudo-field bits. */
	/* word 13 */
	uint8_t arp_tha[6];	/* ARP THA, or ND target link-layer address. */
	uint16_t in_phy_port;	/* See "Tunnel metadata"; host order. */
	/* word 14 */
	uint64_t metadata;	/* OpenFlow pipeline metadata, 0 on the wire. */
	/* word 15 */
	uint64_t tunnel_id;	/* VNI (tun_id), host order. */
	/* word 16 */
	uint32_t tun_src;	/* Outer IPv4 source, network order. */
	uint32_t tun_dst;	/* Outer IPv4 destination. */
};

#define FLOW_KEY_WORDS (sizeof(struct flow_key) / sizeof(uint64_t))

/* A key seen as 64-bit words. may_alias: the compiler must not assume that
 * word accesses and field accesses of the same key are unrelated. */
typedef uint64_t __attribute__((may_alias)) flow_word_t;

/* A set of key words, bit i = word i: which words of a key may be
 * nonzero (every word outside the set is zero). */
#define FLOW_MAP_WORD(i) ((uint32_t)(1u << (i)))
#define FLOW_MAP_ALL ((uint32_t)((1u << FLOW_KEY_WORDS) - 1))
/* The words a tunnel's metadata fills (tunnel_id, tun_src/tun_dst). */
#define FLOW_MAP_TUNNEL (FLOW_MAP_WORD(13) | FLOW_MAP_WORD(15) | \
			 FLOW_MAP_WORD(16))

_Static_assert(sizeof(struct flow_key) == 136, "flow_key must be 136 bytes");
_Static_assert(offsetof(struct flow_key, tun_src) == 128, "tunnel in word 16");
_Static_assert(offsetof(struct flow_key, tp_src) == 32, "5-tuple in words 0-4");
_Static_assert(offsetof(struct flow_key, in_phy_port) / 8 == 13,
	       "in_phy_port in word 13");

/* An OpenFlow port number in in_phy_port's 16 bits and back. */
static inline uint16_t
flow_phy_port_16(uint32_t ofport)
{
	return (uint16_t)ofport;
}

static inline uint32_t
flow_phy_port_32(uint16_t p)
{
	return p >= 0xff00u ? 0xffff0000u | p : p;
}

/* Zero a key with one store per word: memset() of 136 bytes becomes
 * "rep stos", whose start-up costs more than a parse. */
static inline void
flow_key_zero(struct flow_key *k)
{
	flow_word_t *w = (flow_word_t *)(void *)k;

	w[0] = 0; w[1] = 0; w[2] = 0; w[3] = 0; w[4] = 0; w[5] = 0;
	w[6] = 0; w[7] = 0; w[8] = 0; w[9] = 0; w[10] = 0; w[11] = 0;
	w[12] = 0; w[13] = 0; w[14] = 0; w[15] = 0; w[16] = 0;
	_Static_assert(FLOW_KEY_WORDS == 17, "one store per word");
}

static inline const flow_word_t *
flow_key_words(const struct flow_key *k)
{
	return (const flow_word_t *)(const void *)k;
}

/* *dst = *key & *mask, word by word. */
static inline void
flow_key_apply_mask(struct flow_key *dst, const struct flow_key *key,
		    const struct flow_key *mask)
{
	flow_word_t *d = (flow_word_t *)(void *)dst;
	const flow_word_t *k = flow_key_words(key), *m = flow_key_words(mask);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		d[i] = k[i] & m[i];
}

/* True when (key & mask) == masked_key, where masked_key is already masked. */
static inline bool
flow_key_masked_equal(const struct flow_key *key, const struct flow_key *mask,
		      const struct flow_key *masked_key)
{
	const flow_word_t *k = flow_key_words(key), *m = flow_key_words(mask);
	const flow_word_t *t = flow_key_words(masked_key);
	uint64_t diff = 0;

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		diff |= (k[i] & m[i]) ^ t[i];
	return diff == 0;
}

/* Equal over the words in map, for keys that are zero outside it. */
static inline bool
flow_key_map_equal(const struct flow_key *a, const struct flow_key *b,
		   uint32_t map)
{
	const flow_word_t *x = flow_key_words(a), *y = flow_key_words(b);
	uint64_t diff = 0;

	if (map == 0x1f)
		return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
			(x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
	for (uint32_t bits = map; bits != 0; bits &= bits - 1)
		diff |= x[__builtin_ctz(bits)] ^ y[__builtin_ctz(bits)];
	return diff == 0;
}

static inline bool
flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* True when every bit set in mask a is set in mask b. */
static inline bool
flow_key_mask_within(const struct flow_key *a, const struct flow_key *b)
{
	const flow_word_t *x = flow_key_words(a), *y = flow_key_words(b);
	uint64_t extra = 0;

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		extra |= x[i] & ~y[i];
	return extra == 0;
}

/* *dst |= *src: used to accumulate the bits a lookup consulted. */
static inline void
flow_key_or(struct flow_key *dst, const struct flow_key *src)
{
	flow_word_t *d = (flow_word_t *)(void *)dst;
	const flow_word_t *s = flow_key_words(src);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		d[i] |= s[i];
}

#endif /* PMDSWITCH_FLOW_KEY_H */
