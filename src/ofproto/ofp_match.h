/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_MATCH_H
#define PMDSWITCH_OFP_MATCH_H

/*
 * Rule matches: a flow key plus a mask (struct ofp_flow_match), and their
 * OpenFlow 1.3 wire form (struct ofp_match with OXM TLVs).
 *
 * How OXM fields map onto struct flow_key (network order unless noted):
 *   IN_PORT        -> in_port (host order, exact)
 *   METADATA       -> metadata (host order, maskable)
 *   ETH_DST/SRC    -> eth_dst / eth_src (maskable)
 *   ETH_TYPE       -> eth_type
 *   VLAN_VID       -> vlan_tci bits 0x1fff: OFPVID_PRESENT is
 *                     FLOW_VLAN_TCI_PRESENT, the VID the low 12 bits;
 *                     OFPVID_NONE (0) = untagged (key 0 under mask 0x1fff)
 *   VLAN_PCP       -> vlan_tci bits 0xe000
 *   IP_DSCP/ECN    -> nw_tos high 6 / low 2 bits
 *   IP_PROTO       -> nw_proto
 *   IPV4_SRC/DST   -> nw_src / nw_dst (maskable)
 *   TCP/UDP/SCTP_* -> tp_src / tp_dst (maskable, as Open vSwitch allows)
 *   ICMPV4/V6_TYPE -> tp_src = htons(type), mask 0xffff (as Open vSwitch)
 *   ICMPV4/V6_CODE -> tp_dst = htons(code), mask 0xffff
 *   ARP_OP         -> nw_proto (opcodes above 255 are BAD_VALUE)
 *   ARP_SPA/TPA    -> nw_src / nw_dst; ARP_SHA/THA -> arp_sha / arp_tha
 *   IPV6_SRC/DST   -> ipv6_src / ipv6_dst; IPV6_FLABEL -> ipv6_label
 *   TUNNEL_ID      -> tunnel_id (host order, maskable)
 *   IN_PHY_PORT    -> in_phy_port (needs IN_PORT; 0 when equal to it)
 *   IPV6_ND_TARGET -> nd_target; IPV6_ND_SLL/TLL -> arp_sha / arp_tha
 *   MPLS_LABEL/TC/BOS -> bits of mpls_lse (the top label stack entry)
 *   IPV6_EXTHDR    -> ipv6_exthdr (9 bits, maskable)
 *   PBB_ISID       -> pbb_isid (maskable, 24 bits), which shares its
 *                     slot with mpls_lse: eth_type 0x88e7 tells them apart
 * Other classes and unknown fields are BAD_MATCH/BAD_FIELD. A valid match always carries
 * its prerequisites (e.g. a TCP port match also matches eth_type and
 * nw_proto), so a masked compare alone decides whether a packet matches.
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/flow_key.h"
#include "ofp_buf.h"
#include "ofp_err.h"

struct ofp_flow_match {
	struct flow_key key;	/* Always equal to key & mask. */
	struct flow_key mask;	/* Set bits matter; all zero = match all. */
};

/* Matches everything. */
void ofp_match_init_catchall(struct ofp_flow_match *m);

/* Sets one OXM field (OFPXMT_OFB_*) from its wire value (network order,
 * the field's OXM length) and optional wire mask (NULL = exact). *seen
 * collects the fields set so far (bit = field) for duplicate and
 * prerequisite checks. */
enum ofperr ofp_match_set_field(struct ofp_flow_match *m, uint64_t *seen,
				unsigned int field, const void *value,
				const void *mask);
/* One field's value (and mask, all ones when exact) as key bits: writes
 * the field's bits of k and its mask bits into km (the caller zeroes
 * both). BAD_VALUE when out of range, BAD_FIELD when unknown. */
enum ofperr ofp_match_field_to_key(unsigned int field, const uint8_t *v,
				   const uint8_t *mk, struct flow_key *k,
				   struct flow_key *km);
/* Wire length of a field's value (0 when unknown). */
size_t ofp_match_field_len(unsigned int field);

/* Prerequisites of every field in seen. */
enum ofperr ofp_match_check_prereqs(const struct ofp_flow_match *m,
				    uint64_t seen);

/* Decodes a struct ofp_match (header, OXMs, padding) at buf. On success
 * *consumed is its padded length. */
enum ofperr ofp_match_decode(const void *buf, size_t len,
			     struct ofp_flow_match *m, size_t *consumed);
/* Decodes a bare OXM list (no ofp_match header). */
enum ofperr ofp_match_decode_oxms(const void *buf, size_t len,
				  struct ofp_flow_match *m);
/* Appends a struct ofp_match with padding; returns the bytes appended. */
size_t ofp_match_encode(const struct ofp_flow_match *m, struct ofp_buf *b);

/* Name of an OXM field ("ETH_DST"), or NULL if unknown. */
const char *ofp_match_field_name(unsigned int field);

/* True when the two matches are the same (key and mask). */
bool ofp_match_equal(const struct ofp_flow_match *a,
		     const struct ofp_flow_match *b);
/* True when every packet that matches inner also matches outer
 * (OpenFlow's non-strict matching of modify/delete/stats requests). */
bool ofp_match_covers(const struct ofp_flow_match *outer,
		      const struct ofp_flow_match *inner);
/* True when some packet could match both. */
bool ofp_match_overlaps(const struct ofp_flow_match *a,
			const struct ofp_flow_match *b);

#endif /* PMDSWITCH_OFP_MATCH_H */
