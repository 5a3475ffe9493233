/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_FLOW_TEXT_H
#define PMDSWITCH_OFP_FLOW_TEXT_H

/*
 * Flows as text, in ovs-ofctl's syntax, both ways.
 *
 * Parsing ("priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2") accepts
 * the fields listed in ofp_flow_text.c: priority, cookie, table, in_port,
 * dl_src/dl_dst[/mask], dl_type, dl_vlan, dl_vlan_pcp, vlan_tci, the
 * shorthands ip ipv6 tcp udp sctp icmp icmp6 arp tcp6 udp6 sctp6, nw_src /
 * nw_dst (prefix or mask), nw_proto, nw_tos, nw_ecn, ip_dscp, tp_src /
 * tp_dst and their tcp_/udp_/sctp_ aliases, icmp_type / icmp_code,
 * arp_op/spa/tpa/sha/tha, ipv6_src/dst/label, metadata, tun_id,
 * idle_timeout, hard_timeout, out_port, send_flow_rem, check_overlap,
 * reset_counts; actions output:N, N, drop, controller[:max_len],
 * in_port, all, flood, local, write_actions(...), clear_actions.
 *
 * Formatting follows ovs-ofctl 3.1's dump-flows output field by field.
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_table.h"
#include "strbuf.h"

enum ofp_flow_text_mode {
	OFP_FLOW_TEXT_ADD,	/* A full flow: match fields and actions. */
	OFP_FLOW_TEXT_MATCH,	/* A match for del-flows / dump filters:
				 * no actions; table defaults to all. */
};

/* Parses into *fm (command ADD for mode ADD, DELETE for mode MATCH).
 * Returns 0 or -EINVAL with a message naming the bad token in err. */
int ofp_flow_text_parse(const char *text, enum ofp_flow_text_mode mode,
			struct ofp_flow_mod *fm, char *err, size_t errlen);

/* Parses an action list ("output:1,controller:128", "" or "drop"). */
int ofp_flow_text_parse_actions(const char *text, struct ofp_insts *insts,
				char *err, size_t errlen);

/* "priority=10,udp,in_port=1,nw_dst=10.0.0.0/8" (priority omitted when it
 * is the default 32768, as ovs-ofctl does); "" for a catch-all. */
void ofp_flow_text_format_match(struct strbuf *s,
				const struct ofp_flow_match *m,
				int priority);
/* "output:2,CONTROLLER:65535", "drop" when empty. */
void ofp_flow_text_format_insts(struct strbuf *s,
				const struct ofp_insts *insts);
void ofp_flow_text_format_port(struct strbuf *s, uint32_t port);
/* An action list as in dump-flows ("set_field:...,output:2"; "drop"). */
void ofp_flow_text_format_actions(struct strbuf *s, const struct ofpact *acts,
				  size_t n);

/* One flow in dump-flows form, without the trailing newline:
 * " cookie=0x0, duration=1.234s, table=0, n_packets=5, n_bytes=300,
 *  priority=10,udp,in_port=1,nw_dst=10.0.0.0/8 actions=output:2". */
struct ofp_flow_stats_entry {
	uint8_t table_id;
	uint32_t duration_sec;
	uint32_t duration_nsec;
	uint16_t priority;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint16_t flags;
	uint64_t cookie;
	uint64_t n_packets;
	uint64_t n_bytes;
	struct ofp_flow_match match;
	struct ofp_insts insts;
};

void ofp_flow_text_format_stats(struct strbuf *s,
				const struct ofp_flow_stats_entry *fs);

#endif /* PMDSWITCH_OFP_FLOW_TEXT_H */
