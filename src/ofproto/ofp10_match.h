/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP10_MATCH_H
#define PMDSWITCH_OFP10_MATCH_H

/*
 * OpenFlow 1.0 codecs onto the switch model: struct ofp10_match <-> struct
 * ofp_flow_match, 1.0 OUTPUT actions <-> struct ofpact, 16-bit <-> 32-bit
 * port numbers.
 *
 * Decoding follows Open vSwitch: a field whose prerequisites the match
 * does not have (nw_src without dl_type=ip/arp, tp_dst without nw_proto
 * tcp/udp/icmp/sctp) is ignored, not an error. Encoding a model match that
 * 1.0 cannot express (IPv6, partial Ethernet masks, metadata) drops those
 * fields (stats replies only; flows added over 1.0 always round-trip).
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp10_wire.h"
#include "ofp_actions.h"
#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofp_match.h"

uint32_t ofp10_port_to_13(uint16_t port);
uint16_t ofp10_port_from_13(uint32_t port);

void ofp10_match_decode(const struct ofp10_match *w, struct ofp_flow_match *m);
void ofp10_match_encode(const struct ofp_flow_match *m, struct ofp10_match *w);

/* Decodes a 1.0 action list (ofp10_actions.c): OUTPUT, SET_VLAN_VID,
 * SET_VLAN_PCP, STRIP_VLAN, SET_DL_SRC/DST, SET_NW_SRC/DST, SET_NW_TOS,
 * SET_TP_SRC/DST (as TCP_SRC/DST set-fields: ofp10_actions_fixup() turns
 * them into UDP/SCTP ones after the match) and ENQUEUE (SET_QUEUE then
 * OUTPUT). packet_out allows TABLE. */
enum ofperr ofp10_actions_decode(const void *buf, size_t len,
				 struct ofpact *acts, size_t max, size_t *n,
				 bool packet_out);
/* After the match is known: SET_TP_* of UDP/SCTP flows become their
 * set-fields, and SET_VLAN_VID/PCP of a flow that does not match a tag
 * get a PUSH_VLAN before them (1.0 adds a tag). Returns the new count
 * (at most max). */
size_t ofp10_actions_fixup(struct ofpact *acts, size_t n, size_t max,
			   const struct ofp_flow_match *m);
/* Encodes what 1.0 can say; other actions (1.3 only) are left out. */
void ofp10_actions_encode(const struct ofpact *acts, size_t n,
			  struct ofp_buf *b);
/* The OFPAT10_* bitmap of FEATURES_REPLY. */
uint32_t ofp10_actions_supported(void);

#endif /* PMDSWITCH_OFP10_MATCH_H */
