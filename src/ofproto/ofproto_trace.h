/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_TRACE_H
#define PMDSWITCH_OFPROTO_TRACE_H

/*
 * Tracing a packet through the OpenFlow pipeline (pmdswitch-ctl trace):
 * ofproto_lookup_trace() is ofproto_lookup_probe() - the lookup without
 * side effects: no rule or table counter moves, no idle timeout is
 * refreshed, no MAC address is learned, nothing is sent - that also writes
 * down what the pipeline did, step by step: each table visited with the
 * rule that matched (or the miss), each group bucket taken, the action set
 * executed at the end, and the MAC-learning decision. The slowpath
 * (sp_trace.h) adds the datapath side: actions, megaflow mask, caches.
 *
 * Thread safety: like ofproto_lookup() (the ofproto's mutex is taken
 * inside); a struct ofproto_trace belongs to its caller.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/flow_key.h"
#include "ofproto.h"

#define OFPROTO_TRACE_MAX_STEPS 64
#define OFPROTO_TRACE_TEXT 512

enum ofproto_trace_kind {
	OFPROTO_TRACE_TABLE,	/* A table lookup: matched rule or miss. */
	OFPROTO_TRACE_BUCKET,	/* A group bucket taken. */
	OFPROTO_TRACE_NO_BUCKET,	/* A group where no bucket was live
					 * (or an unknown group). */
	OFPROTO_TRACE_ACTION_SET,	/* The action set, executed. */
	OFPROTO_TRACE_NORMAL,	/* OUTPUT:NORMAL / standalone learning. */
};

struct ofproto_trace_step {
	enum ofproto_trace_kind kind;
	char bridge[64];	/* The ofproto's name. */
	uint8_t table_id;	/* TABLE */
	bool matched;		/* TABLE: a rule matched. */
	uint16_t priority;	/* TABLE, matched: the rule's ... */
	uint64_t cookie;
	uint32_t group_id;	/* BUCKET, NO_BUCKET */
	uint8_t group_type;	/* OFPGT_*: 0 all, 1 select, 2 indirect,
				 * 3 fast failover. */
	uint16_t bucket;	/* BUCKET: its index in the group. */
	unsigned depth;		/* Group nesting (0: a rule's actions). */
	/* TABLE: the rule's match (ovs-ofctl syntax, priority included);
	 * others: empty. */
	char match[OFPROTO_TRACE_TEXT];
	/* TABLE: the rule's instructions; BUCKET: its actions; ACTION_SET:
	 * the set in execution order; NORMAL: the outputs decided. */
	char actions[OFPROTO_TRACE_TEXT];
};

struct ofproto_trace {
	size_t n_steps;
	bool truncated;		/* More steps than OFPROTO_TRACE_MAX_STEPS. */
	struct ofproto_trace_step steps[OFPROTO_TRACE_MAX_STEPS];
};

/* The side-effect-free lookup of key (pkt: the packet, or NULL; see
 * ofproto_lookup_packet()), with every step appended to tr. */
void ofproto_lookup_trace(struct ofproto *ofp, const struct flow_key *key,
			  const struct ofproto_packet *pkt,
			  struct ofproto_lookup_result *res,
			  struct ofproto_trace *tr);

/* A flow in ovs-ofctl match syntax ("in_port=1,udp,nw_dst=10.0.0.2,
 * tp_dst=53") as the key of a packet: the match's values (masked fields
 * contribute their masked bits), mask: the fields the text gave. in_port
 * is required. 0, or -EINVAL with a message in err. */
int ofproto_trace_parse_flow(const char *text, struct flow_key *key,
			     struct flow_key *mask, char *err, size_t errlen);

/* Name of an OFPGT_* group type ("all", "select", ...). */
const char *ofproto_trace_group_type(uint8_t type);

/* Internal (ofp_pipeline.c): the next step of tr for the ofproto named
 * bridge, zeroed, or NULL when tr is NULL or full (then truncated). */
struct ofproto_trace_step *ofproto_trace_add(struct ofproto_trace *tr,
					     enum ofproto_trace_kind kind,
					     const char *bridge);

#endif /* PMDSWITCH_OFPROTO_TRACE_H */
