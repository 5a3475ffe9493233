/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_MEGAFLOW_H
#define PMDSWITCH_MEGAFLOW_H

/*
 * Megaflow classifier: one per PMD thread. A megaflow is a (mask, masked
 * key) → datapath actions entry; the classifier is a tuple space: one
 * subtable per distinct mask, each a hash table of masked keys.
 *
 * Megaflows live in a pool of max_entries slots allocated when the table is
 * created; no allocation after that. A slot carries a serial number that
 * changes every time the slot's megaflow is removed, so a reference taken
 * earlier (the EMC keeps one) can be checked with megaflow_ref_valid().
 *
 * Thread safety:
 *  - Readers: the owning PMD thread only (megaflow_lookup*()), lock-free,
 *    between two rte_rcu_qsbr quiescent-state reports.
 *  - Writers: insert / remove / flush / foreach / reclaim may be called from
 *    any non-PMD thread, but the caller serializes them (one writer at a
 *    time, e.g. under a mutex of its own).
 *  - A removed slot is reused only after an RCU grace period on the qsbr
 *    variable given at creation, so a reader that found it may finish
 *    executing its actions.
 *  - n_packets / n_bytes / last_used are written by the owning PMD only,
 *    with relaxed atomic stores; anyone may read them.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "dp_actions.h"
#include "flow_key.h"

#define MEGAFLOW_MAX_COOKIES 8

struct megaflow {
	struct flow_key key;		/* Masked key. */
	const struct flow_key *mask;	/* The subtable's mask. */
	struct dp_actions actions;
	uint64_t n_packets;		/* Written by the owning PMD. */
	uint64_t n_bytes;
	uint64_t last_used_ms;		/* Monotonic ms of the last hit. */
	uint64_t created_ms;
	/* Owner data the classifier does not interpret: the slowpath keeps
	 * the ids of the OpenFlow rules that produced this megaflow and the
	 * counters already credited to them. */
	uint32_t n_cookies;
	uint64_t cookies[MEGAFLOW_MAX_COOKIES];
	uint64_t credited_packets, credited_bytes;
	/* Classifier internals follow: not for users. */
	uint32_t serial;		/* Changes on removal (atomic). */
	uint32_t hash;
	bool live;
	struct megaflow *next;		/* Hash chain (atomic, RCU). */
	void *subtable;
};

struct megaflow_table;

/* NULL + errno on failure. max_entries >= 1. qs: the PMDs' RCU variable. */
struct megaflow_table *megaflow_table_create(uint32_t max_entries,
					     struct rte_rcu_qsbr *qs);
void megaflow_table_destroy(struct megaflow_table *t);

/* Writer side. Insert (key is masked here). Returns the new megaflow or
 * NULL with errno ENOSPC (pool full) or EEXIST (same mask and masked key
 * already present: *existing, if given, points to it). */
struct megaflow *megaflow_insert(struct megaflow_table *t,
				 const struct flow_key *key,
				 const struct flow_key *mask,
				 const struct dp_actions *actions,
				 const uint64_t *cookies, uint32_t n_cookies,
				 struct megaflow **existing);
/* Unlink a megaflow; its slot is reused after a grace period. */
void megaflow_remove(struct megaflow_table *t, struct megaflow *mf);
/* Remove every megaflow. */
void megaflow_flush(struct megaflow_table *t);
/* Wait for a grace period (rte_rcu_qsbr_synchronize) and then make removed
 * slots reusable. After it returns no PMD still uses a removed megaflow. */
void megaflow_synchronize(struct megaflow_table *t);
/* Call cb for every live megaflow (writer side). */
void megaflow_foreach(struct megaflow_table *t,
		      void (*cb)(struct megaflow *mf, void *arg), void *arg);
uint32_t megaflow_count(const struct megaflow_table *t);
uint32_t megaflow_subtable_count(const struct megaflow_table *t);

/* Reader side (owning PMD). Lookup of a burst: out[i] = the megaflow that
 * matches keys[i], or NULL. Returns the number of hits. n <= 32. */
unsigned megaflow_lookup_burst(struct megaflow_table *t,
			       const struct flow_key *const keys[],
			       unsigned n, struct megaflow *out[]);
struct megaflow *megaflow_lookup(struct megaflow_table *t,
				 const struct flow_key *key);

/* A reference that survives slot reuse: valid while the serial matches. */
static inline uint32_t
megaflow_serial(const struct megaflow *mf)
{
	return __atomic_load_n(&mf->serial, __ATOMIC_ACQUIRE);
}

static inline bool
megaflow_ref_valid(const struct megaflow *mf, uint32_t serial)
{
	return megaflow_serial(mf) == serial;
}

#endif /* PMDSWITCH_MEGAFLOW_H */
