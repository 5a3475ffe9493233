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
 *  - Memory: the pool is one anonymous mapping of max_entries slots
 *    (megaflow_table_mem_size(): about 1 KB a slot since the action list
 *    carries header rewrites and clone blocks, 1M megaflows are about
 *    1 GB of address space); pages are touched only when slots are first
 *    used.
 */

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "dp_actions.h"
#include "flow_key.h"

/* Covers OFPROTO_MAX_RULE_REFS: every rule and group bucket a lookup
 * went through (the slowpath checks it at build time). */
#define MEGAFLOW_MAX_COOKIES 16

/* megaflow.fast_output when the actions are not exactly one output
 * (after a tunnel push, see fast_push). */
#define MEGAFLOW_NO_FAST_OUTPUT UINT32_MAX

/* Laid out for the lookup: the first cache line holds everything a hit
 * reads and writes (chain link, subtable and hash for the compare, serial
 * for the EMC's check, the counters, the single output port of the common
 * case); the masked key follows, then the actions, then what only the
 * writer side reads. */
/* A subtable's mask as a PMD reads it: the mask and the indices of its
 * nonzero words (every other word of a megaflow's key is zero). */
struct megaflow_mask {
	struct flow_key mask;
	uint32_t seed;			/* Hash seed: depends on the mask. */
	uint8_t n_words;		/* Nonzero words of mask ... */
	uint8_t words[FLOW_KEY_WORDS];	/* ... and their indices. */
};

struct megaflow {
	/* Classifier internals (first line): not for users. */
	alignas(64) struct megaflow *next;	/* Hash chain (atomic, RCU). */
	void *subtable;
	uint32_t hash;
	uint32_t serial;		/* Changes on removal (atomic). */
	/* Written by the owning PMD (relaxed atomic stores). */
	uint64_t n_packets;
	uint64_t n_bytes;
	uint64_t last_used_ms;		/* Monotonic ms of the last hit. */
	/* DP port of the only action when the actions are one OUTPUT (or
	 * a tunnel push and one OUTPUT: fast_push), else
	 * MEGAFLOW_NO_FAST_OUTPUT: the PMD's bulk path. */
	uint32_t fast_output;
	bool live;
	/* The actions are a tunnel push then one output (fast_output):
	 * the push template's data offset + 1 (tnl_encap.h), else 0. */
	uint16_t fast_push;
	uint32_t live_pos;		/* Writer only: index in the live list. */

	struct flow_key key;		/* Masked key. */
	struct dp_actions actions;
	const struct flow_key *mask;	/* The subtable's mask. */
	uint64_t created_ms;
	/* Owner data the classifier does not interpret: the slowpath keeps
	 * the ids of the OpenFlow rules that produced this megaflow and the
	 * counters already credited to them. */
	uint32_t n_cookies;
	uint64_t cookies[MEGAFLOW_MAX_COOKIES];
	uint64_t credited_packets, credited_bytes;
};

_Static_assert(offsetof(struct megaflow, key) == 64,
	       "a megaflow's hot fields fill its first cache line");

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

/* Re-rank the subtables by hits since the last ranking (busiest first),
 * without waiting for a grace period: the new order is published and the
 * old array is freed at the next megaflow_synchronize(). Writer side; the
 * slowpath calls it periodically. */
void megaflow_rank(struct megaflow_table *t);
/* Bytes the table allocated (pool, buckets, slot lists). */
size_t megaflow_table_mem_size(const struct megaflow_table *t);

/* Reader side (owning PMD). Lookup of a burst: out[i] = the megaflow that
 * matches keys[i], or NULL. Returns the number of hits. n <= 32. */
unsigned megaflow_lookup_burst(struct megaflow_table *t,
			       const struct flow_key *const keys[],
			       unsigned n, struct megaflow *out[]);
/* The same; *probes += the subtables probed for the hits (a hit in the
 * k-th subtable of the ranking counts k). */
unsigned megaflow_lookup_burst_probes(struct megaflow_table *t,
				      const struct flow_key *const keys[],
				      unsigned n, struct megaflow *out[],
				      uint64_t *probes);
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

/* Whether key is in mf (key & mask == mf->key), comparing only the
 * mask's nonzero words. The caller holds mf valid (RCU, serial). */
static inline bool
megaflow_matches(const struct megaflow *mf, const struct flow_key *key)
{
	const struct megaflow_mask *m = mf->subtable;
	const flow_word_t *k = flow_key_words(key);
	const flow_word_t *mw = flow_key_words(&m->mask);
	const flow_word_t *t = flow_key_words(&mf->key);
	uint64_t diff = 0;

	for (unsigned i = 0; i < m->n_words; i++) {
		unsigned w = m->words[i];

		diff |= (k[w] & mw[w]) ^ t[w];
	}
	return diff == 0;
}

#endif /* PMDSWITCH_MEGAFLOW_H */
