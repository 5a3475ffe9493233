/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_TABLE_H
#define PMDSWITCH_OFP_TABLE_H

/*
 * One OpenFlow flow table: rules kept in an array sorted by priority
 * (descending; equal priorities in insertion order), plus a hash map from
 * the 64-bit rule id to the rule for ofproto_credit_rule().
 *
 * Lookup walks the array and stops at the first rule whose masked key
 * matches. The "consulted" mask it returns is the union of the masks of
 * every rule it examined (the rejected ones and the winner): any key equal
 * to the looked-up key under that mask is rejected by the same rules and
 * accepted by the same winner, so it is a valid megaflow mask.
 *
 * flow_mod semantics follow OpenFlow 1.3 section 6.4 (see ofp_table.c).
 *
 * Thread safety: none inside; the owner (struct ofproto) guards a table with
 * its mutex. Rule pointers are valid only while that lock is held.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/flow_key.h"
#include "ofp_actions.h"
#include "ofp_err.h"
#include "ofp_match.h"

#define OFP_TABLE_MAX_RULES 1000000

struct ofp_rule {
	struct ofp_flow_match match;
	uint64_t id;		/* Unique, never reused in this table. */
	uint64_t cookie;
	uint16_t priority;
	uint16_t idle_timeout;	/* Seconds, 0 = none. */
	uint16_t hard_timeout;	/* Seconds, 0 = none. */
	uint16_t flags;		/* OFPFF_* */
	uint64_t n_packets;
	uint64_t n_bytes;
	uint64_t created_ns;	/* CLOCK_MONOTONIC of the add (or replace). */
	uint64_t used_ns;	/* Last lookup hit or credit. */
	struct ofp_insts insts;
	struct ofp_rule *id_next;	/* Hash chain. */
};

/* A flow_mod in model form (decoded from the wire or from text). */
struct ofp_flow_mod {
	struct ofp_flow_match match;
	uint64_t cookie;
	uint64_t cookie_mask;
	uint8_t table_id;
	uint8_t command;	/* OFPFC_* */
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint16_t priority;
	uint16_t flags;
	uint32_t buffer_id;
	uint32_t out_port;	/* Filter of delete commands; OFPP13_ANY = none. */
	uint32_t out_group;	/* Filter of delete commands; OFPG_ANY = none. */
	struct ofp_insts insts;
};

/* Which rules a delete, modify or stats request selects. */
struct ofp_rule_filter {
	struct ofp_flow_match match;
	bool strict;		/* Same match and priority, else "covers". */
	uint16_t priority;	/* Strict only. */
	uint64_t cookie;
	uint64_t cookie_mask;
	uint32_t out_port;	/* OFPP13_ANY = any. */
	uint32_t out_group;	/* OFPG_ANY = any; we have no groups. */
};

struct ofp_table {
	struct ofp_rule **rules;	/* Sorted, see above. */
	size_t n_rules;
	size_t cap;
	struct ofp_rule **buckets;	/* id -> rule. */
	size_t n_buckets;		/* Power of two. */
	uint64_t next_id;
	uint64_t lookup_count;
	uint64_t matched_count;
};

int ofp_table_init(struct ofp_table *t);
void ofp_table_destroy(struct ofp_table *t);

/* The winning rule or NULL. ORs every consulted bit into *consulted (the
 * caller initializes it). Updates the lookup counters and the winner's
 * used time. */
struct ofp_rule *ofp_table_lookup(struct ofp_table *t,
				  const struct flow_key *key,
				  struct flow_key *consulted, uint64_t now_ns);

struct ofp_rule *ofp_table_find_id(const struct ofp_table *t, uint64_t id);

/* Applies a flow_mod whose table_id the caller already validated. *changed
 * tells whether the rule set or any rule's actions changed. */
enum ofperr ofp_table_flow_mod(struct ofp_table *t,
			       const struct ofp_flow_mod *fm, uint64_t now_ns,
			       bool *changed);

/* The filter of a delete/modify flow_mod. */
void ofp_rule_filter_from_flow_mod(struct ofp_rule_filter *f,
				   const struct ofp_flow_mod *fm, bool strict);
bool ofp_rule_filter_match(const struct ofp_rule_filter *f,
			   const struct ofp_rule *r);

/* Removes the rules whose idle or hard timeout expired; returns how many. */
size_t ofp_table_expire(struct ofp_table *t, uint64_t now_ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ofp_time_ns(void);

#endif /* PMDSWITCH_OFP_TABLE_H */
