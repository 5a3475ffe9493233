/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_FLOW_COMPOSE_H
#define PMDSWITCH_FLOW_COMPOSE_H

/*
 * Flow key → frame: the inverse of flow_parse() for the packet a trace of
 * a flow (pmdswitch-ctl trace BRIDGE FLOW) stands for. The frame carries
 * the key's Ethernet addresses, up to two VLAN tags (802.1ad outside when
 * there are two), the Ethertype, and then by it: an MPLS label stack entry
 * (bottom of stack), a PBB I-TAG, an ARP packet, an IPv4 header (TOS,
 * TTL, fragment flags) or an IPv6 header (traffic class, flow label, hop
 * limit; no extension header), then TCP (ports, flags), UDP, SCTP, ICMP or
 * ICMPv6 (type, code, a neighbour discovery target with SLL / TLL
 * options). Lengths are consistent; checksums are zero. The frame is
 * padded to 60 bytes. flow_parse() of the frame gives back the key's
 * packet fields (not in_port, metadata, tunnel_id or ipv6_exthdr).
 *
 * Thread safety: pure function.
 */

#include <stddef.h>
#include <stdint.h>

#include "flow_key.h"

#define FLOW_COMPOSE_MAX 256

/* Writes the frame into buf (at least FLOW_COMPOSE_MAX bytes); returns
 * its length. */
size_t flow_compose(const struct flow_key *key, uint8_t *buf);

#endif /* PMDSWITCH_FLOW_COMPOSE_H */
