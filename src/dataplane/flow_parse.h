/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_FLOW_PARSE_H
#define PMDSWITCH_FLOW_PARSE_H

/*
 * Frame → flow key. Bounds-checked against len: never reads past
 * data + len. A frame cut short fills the fields it has (the rest stay zero)
 * and returns the reason, so the caller counts it and can still match on
 * what was parsed.
 *
 * Covers: Ethernet II (802.3 length frames get eth_type 0x05ff), 802.1Q
 * and 802.1ad (two tags), ARP, IPv4 (options skipped, fragments flagged),
 * IPv6 (hop-by-hop, routing, fragment, destination options walked; AH / ESP
 * recorded; IPV6_EXTHDR bits), TCP, UDP, SCTP, ICMP, ICMPv6 with the
 * neighbour discovery target and SLL / TLL options, the top MPLS label,
 * the I-SID of a PBB (802.1ah) I-TAG (not the customer frame behind it).
 *
 * Thread safety: pure function; called on PMD threads.
 */

#include <stdint.h>
#include <string.h>

#include "flow_key.h"

/* Fills *key (all of it: it is zeroed first). in_port is the OpenFlow port
 * the frame came in on. */
enum flow_parse_result flow_parse(const void *data, uint32_t len,
				  uint32_t in_port, struct flow_key *key);

/* The same, and *map: the words of *key the parser may have written
 * (bit i = word i, FLOW_MAP_WORD(i)); every word outside *map is zero.
 * The PMD hashes and compares only those words in the EMC. */
enum flow_parse_result flow_parse_map(const void *data, uint32_t len,
				      uint32_t in_port, struct flow_key *key,
				      uint32_t *map);

/* flow_parse_map() with a fast path for the common frame (untagged
 * Ethernet, IPv4 without options, not a fragment, whole UDP or TCP header):
 * inline, and every key word is written with one 64-bit store, so the
 * hash and compare that read the words next get them forwarded from the
 * stores instead of waiting for narrow stores to merge. Same results. */
static inline enum flow_parse_result
flow_parse_fast(const void *data, uint32_t len, uint32_t in_port,
		struct flow_key *key, uint32_t *map)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint8_t *p = data, *ip = p + 14, *l4 = ip + 20;
	flow_word_t *w = (flow_word_t *)(void *)key;
	uint64_t d, s, a, tp;
	uint16_t type, tot, frag;
	uint8_t proto;

	if (len < 14 + 20 + 8)
		goto slow;
	memcpy(&type, p + 12, 2);
	memcpy(&tot, ip + 2, 2);
	memcpy(&frag, ip + 6, 2);
	tot = (uint16_t)(tot << 8 | tot >> 8);
	proto = ip[9];
	/* 0x0008: 0x0800 on the wire; 0xff3f: MF and the fragment offset. */
	if (type != 0x0008 || ip[0] != 0x45 || (frag & 0xff3f) != 0 ||
	    tot > len - 14)
		goto slow;
	if (proto == 17 && tot >= 20 + 8) {
		uint32_t ports;

		memcpy(&ports, l4, 4);
		tp = ports;
	} else if (proto == 6 && tot >= 20 + 20) {
		uint32_t ports;
		uint16_t flags;

		memcpy(&ports, l4, 4);
		memcpy(&flags, l4 + 12, 2);
		tp = ports | (uint64_t)(flags & 0xff0f) << 32;
	} else {
		goto slow;
	}
	memcpy(&d, p, 8);
	memcpy(&s, p + 6, 8);
	memcpy(&a, ip + 12, 8);
	w[0] = in_port | (uint64_t)type << 32;
	w[1] = (d & 0xffffffffffffull) | (uint64_t)proto << 48 |
	       (uint64_t)ip[1] << 56;
	w[2] = (s & 0xffffffffffffull) | (uint64_t)ip[8] << 48;
	w[3] = a;
	w[4] = tp;
	/* Spelled out: a loop here becomes "rep stos", whose start-up
	 * alone costs more than the rest of this parser. */
	w[5] = 0;
	w[6] = 0;
	w[7] = 0;
	w[8] = 0;
	w[9] = 0;
	w[10] = 0;
	w[11] = 0;
	w[12] = 0;
	w[13] = 0;
	w[14] = 0;
	w[15] = 0;
	w[16] = 0;
	_Static_assert(FLOW_KEY_WORDS == 17, "clear every word past 4");
	*map = 0x1f;
	return FLOW_PARSE_OK;
slow:
#endif
	return flow_parse_map(data, len, in_port, key, map);
}

/* Name of a parse result for counters ("ok", "trunc_l2", ...). */
const char *flow_parse_result_name(enum flow_parse_result r);

#endif /* PMDSWITCH_FLOW_PARSE_H */
