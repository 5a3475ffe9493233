/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_FLOW_PARSE_H
#define PMDSWITCH_FLOW_PARSE_H

/*
 * Frame → flow key. Bounds-checked against len: never reads past
 * data + len. A frame cut short fills the fields it has (the rest stay zero)
 * and returns the reason, so the caller counts it and can still match on
 * what was parsed.
 *
 * Covers (walking skeleton): Ethernet II, 802.1Q and 802.1ad (two tags),
 * ARP, IPv4 (options skipped, fragments flagged), IPv6 (fixed header; the
 * common extension headers are walked), TCP, UDP, SCTP, ICMP, ICMPv6.
 *
 * Thread safety: pure function; called on PMD threads.
 */

#include <stdint.h>

#include "flow_key.h"

/* Fills *key (all of it: it is zeroed first). in_port is the OpenFlow port
 * the frame came in on. */
enum flow_parse_result flow_parse(const void *data, uint32_t len,
				  uint32_t in_port, struct flow_key *key);

/* Name of a parse result for counters ("ok", "trunc_l2", ...). */
const char *flow_parse_result_name(enum flow_parse_result r);

#endif /* PMDSWITCH_FLOW_PARSE_H */
