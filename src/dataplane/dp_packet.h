/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_PACKET_H
#define PMDSWITCH_DP_PACKET_H

/*
 * Header rewrites of the datapath actions on a plain contiguous buffer:
 * set-field, push/pop VLAN / MPLS / PBB, TTL actions, DSCP remark, with
 * the IPv4 header checksum, the TCP / UDP / ICMP / ICMPv6 checksums
 * (pseudo-header included) updated incrementally and the SCTP CRC32c
 * recomputed. The PMD's executor (pmd.c) wraps an mbuf's first segment in
 * a struct dp_buf; unit tests use plain arrays. No DPDK header.
 *
 * Every operation is bounds-checked against the buffer: a packet that
 * lacks the header the action targets is left alone (DP_HDR_SKIPPED).
 *
 * Thread safety: pure functions of their arguments.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dp_actions.h"

/* A packet: len bytes at data, headroom free bytes before data. */
struct dp_buf {
	uint8_t *data;
	uint32_t len;
	uint32_t headroom;
};

enum dp_hdr_result {
	DP_HDR_OK = 0,
	DP_HDR_SKIPPED,		/* The packet lacks the header. */
	DP_HDR_NO_ROOM,		/* A push without enough headroom. */
	DP_HDR_TTL_EXPIRED,	/* DEC_*_TTL found TTL 0 or 1. */
};

/* The shortest Ethernet frame, without its FCS. */
#define DP_ETH_MIN_LEN 60

/* For a frame an action made shorter than DP_ETH_MIN_LEN (a pop of a
 * VLAN tag, an MPLS label or a PBB header): zeros up to it, in the
 * tailroom free bytes after the frame, as a bridge that removes a tag pads
 * the frame (IEEE 802.1Q). A NIC pads a short frame on the wire anyway;
 * this makes the frame that leaves a veth, af_packet, pcap or vhost-user
 * port, and the one in a packet-in, the same. The bytes after the payload
 * (the old frame's own pad) stay. Returns whether it padded: without the
 * room the frame stays short. */
bool dp_packet_pad_short(struct dp_buf *b, uint32_t tailroom);

/* Apply one header action (any type but OUTPUT, UPCALL, METER, CLONE) of
 * list l. */
enum dp_hdr_result dp_packet_apply(struct dp_buf *b, const struct dp_actions *l,
				   const struct dp_action *a);

/* Add prec levels of drop precedence to the DSCP of an IPv4 / IPv6
 * packet: AFxy: y += prec, at most 3; a class selector CSn: n -= prec, at
 * least 0; other code points unchanged. DP_HDR_SKIPPED when not IP. */
enum dp_hdr_result dp_packet_dscp_remark(struct dp_buf *b, uint8_t prec);

/* Checksum helpers for tests: the value the checksum field of an IPv4
 * header (at l3) / of the TCP, UDP, ICMP or ICMPv6 segment of an Ethernet
 * frame must hold (computed from scratch; l3 unused, the frame is parsed);
 * the CRC32c of an SCTP packet of n bytes (its checksum bytes as zero). */
uint16_t dp_packet_ipv4_csum(const uint8_t *l3);
uint16_t dp_packet_l4_csum(const uint8_t *pkt, uint32_t len, uint32_t l3);
uint32_t dp_packet_sctp_crc(const uint8_t *p, uint32_t n);

#endif /* PMDSWITCH_DP_PACKET_H */
