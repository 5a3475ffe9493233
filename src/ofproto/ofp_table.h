/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_TABLE_H
#define PMDSWITCH_OFP_TABLE_H

/*
 * One OpenFlow flow table, organised for 100k+ rules:
 *  - rules: an unordered array (each rule knows its index) for iteration;
 *  - an id map (64-bit rule id -> rule) for ofproto_credit_rule();
 *  - a duplicate map keyed by (priority, match) so that an add finds the
 *    rule it replaces, and strict modify/delete find their rule, in O(1);
 *  - tuple space search for lookups: one subtable per distinct mask, each a
 *    hash of masked keys; subtables are visited by decreasing maximum
 *    priority and the search stops once no subtable left can beat the best
 *    match so far. Priority ties go to the older rule (lower id).
 *
 * The "consulted" mask a lookup returns is the union of the masks of the
 * subtables it visited: any key equal to the looked-up key under that mask
 * hashes to the same buckets of the same subtables, so it gets the same
 * winner; that makes it a valid megaflow mask. Subtables whose mask on an
 * address field (IPv4 / IPv6 source and destination) is a prefix are
 * first checked against a prefix trie of that field: when no rule prefix
 * of the subtable's length matches, the subtable is skipped and only the
 * address bits the trie walk looked at are consulted (ofp_prefix_trie.h).
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
#include "ofp_prefix_trie.h"

#define OFP_TABLE_MAX_RULES 1000000
#define OFP_TABLE_TRIES 4	/* nw_src, nw_dst, ipv6_src, ipv6_dst. */

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
	/* Interned and shared by the rules of the table with the same
	 * instructions (1M rules must not carry 1M copies); read-only. */
	const struct ofp_insts *insts;
	struct ofp_rule *id_next;	/* Id map chain. */
	struct ofp_rule *dup_next;	/* Duplicate map chain. */
	struct ofp_rule *st_next;	/* Subtable bucket chain. */
	struct ofp_subtable *st;	/* The subtable of its mask. */
	uint32_t dup_hash;
	uint32_t st_hash;
	size_t index;			/* In ofp_table.rules. */
};

/* Why a rule left the table (OFPRR_* of FLOW_REMOVED). */
enum ofp_rule_removed_reason {
	OFP_RULE_REMOVED_IDLE = 0,
	OFP_RULE_REMOVED_HARD = 1,
	OFP_RULE_REMOVED_DELETE = 2,
	OFP_RULE_REMOVED_GROUP_DELETE = 3,
};

struct ofp_subtable;
struct ofp_insts_ref;

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
	bool modify_may_add;	/* OpenFlow 1.0: a modify that matches no
				 * rule adds one. */
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
	uint32_t out_group;	/* OFPG_ANY = any. */
};

struct ofp_table {
	struct ofp_rule **rules;	/* Unordered; rule->index. */
	size_t n_rules;
	size_t cap;
	struct ofp_rule **buckets;	/* id -> rule. */
	size_t n_buckets;		/* Power of two. */
	struct ofp_rule **dup_buckets;	/* (priority, match) -> rule. */
	size_t n_dup_buckets;		/* Power of two. */
	struct ofp_subtable **subtables;	/* By max priority, desc. */
	size_t n_subtables;
	size_t subtables_cap;
	size_t n_timeouts;		/* Rules with an idle/hard timeout. */
	struct ofp_insts_ref **ibuckets;	/* Interned instructions. */
	size_t n_ibuckets;		/* Power of two. */
	size_t n_irefs;
	struct ofp_trie tries[OFP_TABLE_TRIES];
	uint64_t next_id;
	uint64_t lookup_count;
	uint64_t matched_count;
	/* Called for every rule removed by a delete or an expiry, before it
	 * is freed (FLOW_REMOVED). May be NULL. */
	void (*on_remove)(void *arg, const struct ofp_rule *r,
			  enum ofp_rule_removed_reason reason);
	void *on_remove_arg;
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

/* The rule of exactly this match and priority, or NULL. */
struct ofp_rule *ofp_table_find_identical(const struct ofp_table *t,
					  const struct ofp_flow_match *m,
					  uint16_t priority);
/* The same, given h = ofp_table_match_hash(m, priority). */
struct ofp_rule *ofp_table_find_identical_hashed(const struct ofp_table *t,
						 const struct ofp_flow_match *m,
						 uint16_t priority, uint32_t h);
/* The hash of (match, priority) that the duplicate map uses. */
uint32_t ofp_table_match_hash(const struct ofp_flow_match *m,
			      uint16_t priority);

/* True when fm, an add, would fail with OVERLAP in t as it is (it has
 * CHECK_OVERLAP, replaces no rule and overlaps one of its priority). */
bool ofp_table_add_overlaps(const struct ofp_table *t,
			    const struct ofp_flow_mod *fm);
/* The same, as if the rules skip() says true of were gone. */
bool ofp_table_add_overlaps_except(const struct ofp_table *t,
				   const struct ofp_flow_mod *fm,
				   bool (*skip)(const struct ofp_rule *r,
						const void *arg),
				   const void *arg);

/* The filter of a delete/modify flow_mod. */
void ofp_rule_filter_from_flow_mod(struct ofp_rule_filter *f,
				   const struct ofp_flow_mod *fm, bool strict);
bool ofp_rule_filter_match(const struct ofp_rule_filter *f,
			   const struct ofp_rule *r);

/* The rules a filter selects, into a malloc'ed array (free() it; NULL
 * and 0 when out of memory); returns the count. */
size_t ofp_table_select(const struct ofp_table *t,
			const struct ofp_rule_filter *f,
			struct ofp_rule ***out);

/* Removes the rules pred selects (reason for FLOW_REMOVED); returns how
 * many. */
size_t ofp_table_delete_if(struct ofp_table *t,
			   bool (*pred)(const struct ofp_rule *r, void *arg),
			   void *arg, enum ofp_rule_removed_reason reason);

/* Removes the rules whose idle or hard timeout expired; returns how many. */
size_t ofp_table_expire(struct ofp_table *t, uint64_t now_ns);

/* The rules sorted by priority (descending), then age (oldest first).
 * *out is malloc'ed (free() it); returns the count. */
size_t ofp_table_sorted(const struct ofp_table *t, struct ofp_rule ***out);

/* Number of subtables (distinct masks). */
size_t ofp_table_n_subtables(const struct ofp_table *t);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ofp_time_ns(void);

#endif /* PMDSWITCH_OFP_TABLE_H */
