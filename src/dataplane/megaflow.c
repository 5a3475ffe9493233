/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Megaflow classifier: tuple space search.
 *
 * Subtables: one per distinct mask. A subtable stores its mask, the list of
 * the mask's nonzero words (only those are hashed and compared) and a seed
 * derived from the mask. The readers see the subtables through one array,
 * published with a store-release; adding or dropping a subtable builds a
 * new array, and the old one (and a dropped subtable) is freed after the
 * next grace period.
 *
 * Hash chains: all subtables share one bucket array of chain heads, sized
 * at creation to the pool (a power of two >= max_entries), so the load
 * factor never exceeds one and there is never a rehash. A megaflow lives in
 * the chain of bucket (hash & mask), where hash is its subtable's seeded
 * hash of the masked key; a chain node matches a lookup only if its
 * subtable and hash are the searched ones and the masked words agree.
 * Nodes are pushed at the head and unlinked in place with store-release,
 * so a reader walking a chain sees either the old or the new list, and a
 * node it stands on keeps its next pointer until the grace period ends.
 *
 * Slots: the pool is allocated at creation. A removed slot waits on the
 * pending list until megaflow_synchronize() has seen a grace period, then
 * goes back to the free list. Its serial is bumped at removal. The live
 * slots are also kept in a dense list (swap-remove), so foreach, flush and
 * the slowpath's expiry pass cost the number of megaflows, not the pool.
 *
 * Ranking: every subtable counts its hits (the PMD adds once per burst);
 * megaflow_rank() reorders the array by hits since the last ranking and
 * publishes it; readers never wait for it.
 */

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "dp_mem.h"
#include "megaflow.h"
#include "tnl_encap.h"

#define MF_CACHE_LINE 64
#define MF_BURST_MAX 32
#define MF_DEFERRED_MAX 256	/* Synchronize when this many frees wait. */
#define MF_MASK_SEED 0x2545f491u

struct mf_subtable {
	struct megaflow_mask m;		/* First: megaflow_matches() reads it
					 * through megaflow.subtable. */
	uint32_t n_flows;		/* Writer only. */
	uint64_t n_hits_seen;		/* Writer only: n_hits at last sort. */
	/* Written by the owning PMD (relaxed), read by the writer. */
	alignas(MF_CACHE_LINE) uint64_t n_hits;
};

struct mf_subtable_vec {
	uint32_t n;
	struct mf_subtable *st[];
};

struct megaflow_table {
	/* Read by the PMD. */
	struct mf_subtable_vec *subtables;	/* RCU-published. */
	struct megaflow **buckets;		/* Chain heads, RCU. */
	uint32_t bucket_mask;

	/* Writer side. */
	struct rte_rcu_qsbr *qs;
	struct megaflow *pool;		/* Anonymous mapping. */
	size_t pool_bytes;
	uint32_t max_entries;
	uint32_t *live_slots;		/* Dense list of live slot indices. */
	uint32_t n_live;		/* Atomic: read by anyone. */
	uint32_t *free_slots;		/* Stack of reusable slot indices. */
	uint32_t n_free;
	uint32_t *pending_slots;	/* Removed, waiting for a grace period. */
	uint32_t n_pending;
	void **deferred;		/* Memory to free after a grace period. */
	uint32_t n_deferred;
	uint32_t deferred_cap;
};

/* ---------------------------------------------------------------- */
/* Hashing and matching over a subtable's nonzero mask words.        */

static inline uint32_t
st_hash(const struct mf_subtable *st, const struct flow_key *key)
{
	const flow_word_t *k = flow_key_words(key);
	const flow_word_t *m = flow_key_words(&st->m.mask);
	uint32_t h = st->m.seed;

	for (unsigned i = 0; i < st->m.n_words; i++) {
		unsigned w = st->m.words[i];

		h = rte_hash_crc_8byte(k[w] & m[w], h);
	}
	return h;
}

static inline bool
st_match(const struct mf_subtable *st, const struct flow_key *key,
	 const struct megaflow *mf)
{
	const flow_word_t *k = flow_key_words(key);
	const flow_word_t *m = flow_key_words(&st->m.mask);
	const flow_word_t *t = flow_key_words(&mf->key);
	uint64_t diff = 0;

	for (unsigned i = 0; i < st->m.n_words; i++) {
		unsigned w = st->m.words[i];

		diff |= (k[w] & m[w]) ^ t[w];
	}
	return diff == 0;
}

static inline bool
node_match(const struct mf_subtable *st, uint32_t hash,
	   const struct flow_key *key, const struct megaflow *mf)
{
	return mf->subtable == st && mf->hash == hash &&
	       st_match(st, key, mf);
}

static inline struct megaflow *
chain_find(struct megaflow *mf, const struct mf_subtable *st, uint32_t hash,
	   const struct flow_key *key)
{
	for (; mf != NULL; mf = __atomic_load_n(&mf->next, __ATOMIC_ACQUIRE))
		if (node_match(st, hash, key, mf))
			return mf;
	return NULL;
}

static inline struct megaflow **
bucket_of(const struct megaflow_table *t, uint32_t hash)
{
	return &t->buckets[hash & t->bucket_mask];
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *
alloc_aligned(size_t size)
{
	size = (size + MF_CACHE_LINE - 1) & ~(size_t)(MF_CACHE_LINE - 1);
	return aligned_alloc(MF_CACHE_LINE, size);
}

/* ---------------------------------------------------------------- */
/* Creation and destruction.                                         */

struct megaflow_table *
megaflow_table_create(uint32_t max_entries, struct rte_rcu_qsbr *qs)
{
	struct megaflow_table *t;
	uint32_t n_buckets = 16;

	if (max_entries == 0 || max_entries > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	while (n_buckets < max_entries)
		n_buckets <<= 1;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->qs = qs;
	t->max_entries = max_entries;
	t->bucket_mask = n_buckets - 1;
	/* Zero pages on demand: a large pool costs only what is used. */
	t->buckets = dp_mem_alloc((size_t)n_buckets * sizeof(*t->buckets));
	t->pool_bytes = (size_t)max_entries * sizeof(*t->pool);
	t->pool = dp_mem_alloc(t->pool_bytes);
	t->free_slots = calloc(max_entries, sizeof(*t->free_slots));
	t->pending_slots = calloc(max_entries, sizeof(*t->pending_slots));
	t->live_slots = calloc(max_entries, sizeof(*t->live_slots));
	t->subtables = calloc(1, sizeof(*t->subtables));
	if (t->buckets == NULL || t->pool == NULL || t->free_slots == NULL ||
	    t->pending_slots == NULL || t->live_slots == NULL ||
	    t->subtables == NULL)
		goto nomem;
	/* Hand out slot 0 first. */
	for (uint32_t i = 0; i < max_entries; i++)
		t->free_slots[i] = max_entries - 1 - i;
	t->n_free = max_entries;
	return t;

nomem:
	megaflow_table_destroy(t);
	errno = ENOMEM;
	return NULL;
}

static void
free_deferred(struct megaflow_table *t)
{
	for (uint32_t i = 0; i < t->n_deferred; i++)
		free(t->deferred[i]);
	t->n_deferred = 0;
}

void
megaflow_table_destroy(struct megaflow_table *t)
{
	if (t == NULL)
		return;
	if (t->subtables != NULL)
		for (uint32_t i = 0; i < t->subtables->n; i++)
			free(t->subtables->st[i]);
	free(t->subtables);
	free_deferred(t);
	free(t->deferred);
	dp_mem_free(t->buckets, (size_t)(t->bucket_mask + 1) *
		    sizeof(*t->buckets));
	dp_mem_free(t->pool, t->pool_bytes);
	free(t->live_slots);
	free(t->free_slots);
	free(t->pending_slots);
	free(t);
}

/* ---------------------------------------------------------------- */
/* Grace periods and deferred frees (writer side).                   */

/* Wait until every registered reader has reported a quiescent state.
 * rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID) is exactly start +
 * check; under ThreadSanitizer the inline pair is used instead, so the
 * ordering is visible to it (librte_rcu itself is not instrumented). */
static void
grace_period(struct rte_rcu_qsbr *qs)
{
	if (qs == NULL)
		return;
#if defined(__SANITIZE_THREAD__)
	rte_rcu_qsbr_check(qs, rte_rcu_qsbr_start(qs), true);
#else
	rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
#endif
}

/* Free p after the next grace period. When the list cannot grow, wait
 * for the grace period now. */
static void
defer_free(struct megaflow_table *t, void *p)
{
	if (t->n_deferred == t->deferred_cap) {
		uint32_t cap = t->deferred_cap ? t->deferred_cap * 2 : 16;
		void **d = realloc(t->deferred, cap * sizeof(*d));

		if (d == NULL) {
			/* p is unpublished already: wait, then free it. */
			grace_period(t->qs);
			free(p);
			return;
		}
		t->deferred = d;
		t->deferred_cap = cap;
	}
	t->deferred[t->n_deferred++] = p;
}

static void
maybe_synchronize(struct megaflow_table *t)
{
	if (t->n_deferred >= MF_DEFERRED_MAX)
		megaflow_synchronize(t);
}

static void
publish_subtables(struct megaflow_table *t, struct mf_subtable_vec *v)
{
	struct mf_subtable_vec *old = t->subtables;

	__atomic_store_n(&t->subtables, v, __ATOMIC_RELEASE);
	defer_free(t, old);
}

/* Put the busiest subtables first, by hits since the last sort. Returns
 * without change when the order already holds or memory is short. */
static void
sort_subtables(struct megaflow_table *t)
{
	struct mf_subtable_vec *cur = t->subtables, *v;
	uint64_t delta[256];
	bool sorted = true;
	uint32_t n = cur->n;

	if (n < 2 || n > RTE_DIM(delta))
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct mf_subtable *st = cur->st[i];
		uint64_t hits = __atomic_load_n(&st->n_hits, __ATOMIC_RELAXED);

		delta[i] = hits - st->n_hits_seen;
		st->n_hits_seen = hits;
		if (i > 0 && delta[i] > delta[i - 1])
			sorted = false;
	}
	if (sorted)
		return;
	v = malloc(sizeof(*v) + n * sizeof(v->st[0]));
	if (v == NULL)
		return;
	v->n = n;
	/* Stable insertion sort, descending; delta[] moves with v->st[]. */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t d = delta[i];
		uint32_t j = i;

		while (j > 0 && delta[j - 1] < d) {
			delta[j] = delta[j - 1];
			v->st[j] = v->st[j - 1];
			j--;
		}
		delta[j] = d;
		v->st[j] = cur->st[i];
	}
	publish_subtables(t, v);
}

void
megaflow_rank(struct megaflow_table *t)
{
	sort_subtables(t);
}

size_t
megaflow_table_mem_size(const struct megaflow_table *t)
{
	return t->pool_bytes +
	       ((size_t)t->bucket_mask + 1) * sizeof(*t->buckets) +
	       (size_t)t->max_entries * 3 * sizeof(uint32_t);
}

void
megaflow_synchronize(struct megaflow_table *t)
{
	sort_subtables(t);
	/* Nothing unlinked since the last grace period: no reader can hold
	 * anything we would free, so there is nothing to wait for (a barrier
	 * after a flow_mod that removed no megaflow costs no grace period). */
	if (t->n_pending == 0 && t->n_deferred == 0)
		return;
	grace_period(t->qs);
	free_deferred(t);
	for (uint32_t i = 0; i < t->n_pending; i++)
		t->free_slots[t->n_free++] = t->pending_slots[i];
	t->n_pending = 0;
}

/* ---------------------------------------------------------------- */
/* Subtables (writer side).                                          */

static struct mf_subtable *
subtable_find(const struct megaflow_table *t, const struct flow_key *mask,
	      uint32_t seed)
{
	const struct mf_subtable_vec *v = t->subtables;

	for (uint32_t i = 0; i < v->n; i++)
		if (v->st[i]->m.seed == seed &&
		    flow_key_equal(&v->st[i]->m.mask, mask))
			return v->st[i];
	return NULL;
}

static uint32_t
mask_seed(const struct flow_key *mask)
{
	const flow_word_t *m = flow_key_words(mask);
	uint32_t h = MF_MASK_SEED;

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		h = rte_hash_crc_8byte(m[i], h);
	return h;
}

static struct mf_subtable *
subtable_add(struct megaflow_table *t, const struct flow_key *mask,
	     uint32_t seed)
{
	struct mf_subtable_vec *cur = t->subtables, *v;
	struct mf_subtable *st;
	const flow_word_t *m = flow_key_words(mask);

	st = alloc_aligned(sizeof(*st));
	v = malloc(sizeof(*v) + (cur->n + 1) * sizeof(v->st[0]));
	if (st == NULL || v == NULL) {
		free(st);
		free(v);
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	st->m.mask = *mask;
	st->m.seed = seed;
	for (unsigned i = 0; i < FLOW_KEY_WORDS; i++)
		if (m[i] != 0)
			st->m.words[st->m.n_words++] = (uint8_t)i;

	v->n = cur->n + 1;
	memcpy(v->st, cur->st, cur->n * sizeof(v->st[0]));
	v->st[cur->n] = st;
	publish_subtables(t, v);
	return st;
}

static void
subtable_drop(struct megaflow_table *t, struct mf_subtable *st)
{
	struct mf_subtable_vec *cur = t->subtables, *v;
	uint32_t j = 0;

	v = malloc(sizeof(*v) + cur->n * sizeof(v->st[0]));
	if (v == NULL)
		return;		/* Keep the empty subtable. */
	for (uint32_t i = 0; i < cur->n; i++)
		if (cur->st[i] != st)
			v->st[j++] = cur->st[i];
	v->n = j;
	publish_subtables(t, v);
	defer_free(t, st);
}

/* ---------------------------------------------------------------- */
/* Insert / remove (writer side).                                    */

struct megaflow *
megaflow_insert(struct megaflow_table *t, const struct flow_key *key,
		const struct flow_key *mask, const struct dp_actions *actions,
		const uint64_t *cookies, uint32_t n_cookies,
		struct megaflow **existing)
{
	alignas(8) struct flow_key masked;
	struct mf_subtable *st;
	struct megaflow *mf, **bucket;
	uint32_t seed, hash = 0, slot;
	int push_off;

	if (existing != NULL)
		*existing = NULL;
	if (n_cookies > MEGAFLOW_MAX_COOKIES ||
	    (n_cookies > 0 && cookies == NULL) ||
	    (actions != NULL && actions->n > DP_ACTIONS_MAX)) {
		errno = EINVAL;
		return NULL;
	}
	flow_key_apply_mask(&masked, key, mask);

	seed = mask_seed(mask);
	st = subtable_find(t, mask, seed);
	if (st != NULL) {
		hash = st_hash(st, &masked);
		mf = chain_find(*bucket_of(t, hash), st, hash, &masked);
		if (mf != NULL) {
			if (existing != NULL)
				*existing = mf;
			errno = EEXIST;
			return NULL;
		}
	}

	if (t->n_free == 0 && t->n_pending > 0)
		megaflow_synchronize(t);	/* Keeps st: it is not empty. */
	if (t->n_free == 0) {
		errno = ENOSPC;
		return NULL;
	}
	if (st == NULL) {
		st = subtable_add(t, mask, seed);
		if (st == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		hash = st_hash(st, &masked);
	}

	slot = t->free_slots[--t->n_free];
	mf = &t->pool[slot];
	mf->key = masked;
	mf->mask = &st->m.mask;
	if (actions != NULL)
		mf->actions = *actions;
	else
		memset(&mf->actions, 0, sizeof(mf->actions));
	push_off = tnl_encap_fast_offset(&mf->actions);
	mf->fast_push = (uint16_t)(push_off + 1);	/* 0: none. */
	mf->fast_output = mf->actions.n == 1 &&
		mf->actions.a[0].type == DP_ACTION_OUTPUT ?
		mf->actions.a[0].arg :
		push_off >= 0 ? mf->actions.a[1].arg : MEGAFLOW_NO_FAST_OUTPUT;
	__atomic_store_n(&mf->n_packets, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&mf->n_bytes, 0, __ATOMIC_RELAXED);
	mf->created_ms = now_ms();
	__atomic_store_n(&mf->last_used_ms, mf->created_ms, __ATOMIC_RELAXED);
	mf->n_cookies = n_cookies;
	memset(mf->cookies, 0, sizeof(mf->cookies));
	if (n_cookies > 0)
		memcpy(mf->cookies, cookies, n_cookies * sizeof(cookies[0]));
	mf->credited_packets = 0;
	mf->credited_bytes = 0;
	mf->hash = hash;
	mf->subtable = st;
	__atomic_store_n(&mf->live, true, __ATOMIC_RELAXED);

	bucket = bucket_of(t, hash);
	__atomic_store_n(&mf->next, __atomic_load_n(bucket, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(bucket, mf, __ATOMIC_RELEASE);

	st->n_flows++;
	mf->live_pos = t->n_live;
	t->live_slots[t->n_live] = slot;
	__atomic_store_n(&t->n_live, t->n_live + 1, __ATOMIC_RELAXED);
	maybe_synchronize(t);
	return mf;
}

static void
remove_one(struct megaflow_table *t, struct megaflow *mf)
{
	struct mf_subtable *st = mf->subtable;
	struct megaflow **pp = bucket_of(t, mf->hash), *cur;

	while ((cur = *pp) != mf) {
		if (unlikely(cur == NULL))
			return;	/* Not in its chain: not ours. */
		pp = &cur->next;
	}
	__atomic_store_n(pp, mf->next, __ATOMIC_RELEASE);
	__atomic_store_n(&mf->live, false, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mf->serial, 1, __ATOMIC_RELEASE);
	t->pending_slots[t->n_pending++] = (uint32_t)(mf - t->pool);
	/* Swap-remove from the live list. */
	uint32_t last = t->live_slots[t->n_live - 1];

	t->live_slots[mf->live_pos] = last;
	t->pool[last].live_pos = mf->live_pos;
	__atomic_store_n(&t->n_live, t->n_live - 1, __ATOMIC_RELAXED);
	if (--st->n_flows == 0)
		subtable_drop(t, st);
}

void
megaflow_remove(struct megaflow_table *t, struct megaflow *mf)
{
	if (mf == NULL || mf < t->pool || mf >= t->pool + t->max_entries ||
	    !mf->live)
		return;
	remove_one(t, mf);
	maybe_synchronize(t);
}

void
megaflow_flush(struct megaflow_table *t)
{
	while (t->n_live > 0)
		remove_one(t, &t->pool[t->live_slots[t->n_live - 1]]);
	maybe_synchronize(t);
}

void
megaflow_foreach(struct megaflow_table *t,
		 void (*cb)(struct megaflow *mf, void *arg), void *arg)
{
	/* Backwards: cb may remove the megaflow it is given, which moves
	 * the last one (already visited) into its place. */
	for (uint32_t i = t->n_live; i-- > 0;) {
		if (i >= t->n_live)
			continue;
		cb(&t->pool[t->live_slots[i]], arg);
	}
}

uint32_t
megaflow_count(const struct megaflow_table *t)
{
	return __atomic_load_n(&t->n_live, __ATOMIC_RELAXED);
}

uint32_t
megaflow_subtable_count(const struct megaflow_table *t)
{
	const struct mf_subtable_vec *v =
		__atomic_load_n(&t->subtables, __ATOMIC_ACQUIRE);

	return v->n;
}

/* ---------------------------------------------------------------- */
/* Lookup (owning PMD).                                              */

static inline void
subtable_credit(struct mf_subtable *st, uint64_t hits)
{
	__atomic_store_n(&st->n_hits,
			 __atomic_load_n(&st->n_hits, __ATOMIC_RELAXED) + hits,
			 __ATOMIC_RELAXED);
}

struct megaflow *
megaflow_lookup(struct megaflow_table *t, const struct flow_key *key)
{
	const struct mf_subtable_vec *v =
		__atomic_load_n(&t->subtables, __ATOMIC_ACQUIRE);

	for (uint32_t s = 0; s < v->n; s++) {
		struct mf_subtable *st = v->st[s];
		uint32_t hash = st_hash(st, key);
		struct megaflow *mf;

		mf = chain_find(__atomic_load_n(bucket_of(t, hash),
						__ATOMIC_ACQUIRE), st, hash, key);
		if (mf != NULL) {
			subtable_credit(st, 1);
			return mf;
		}
	}
	return NULL;
}

unsigned
megaflow_lookup_burst(struct megaflow_table *t,
		      const struct flow_key *const keys[], unsigned n,
		      struct megaflow *out[])
{
	uint64_t probes = 0;

	return megaflow_lookup_burst_probes(t, keys, n, out, &probes);
}

unsigned
megaflow_lookup_burst_probes(struct megaflow_table *t,
			     const struct flow_key *const keys[], unsigned n,
			     struct megaflow *out[], uint64_t *probes)
{
	const struct mf_subtable_vec *v =
		__atomic_load_n(&t->subtables, __ATOMIC_ACQUIRE);
	uint32_t hashes[MF_BURST_MAX];
	struct megaflow *heads[MF_BURST_MAX];
	uint32_t todo, all;

	if (unlikely(n == 0))
		return 0;
	if (unlikely(n > MF_BURST_MAX))
		n = MF_BURST_MAX;
	all = n == 32 ? UINT32_MAX : (1u << n) - 1;
	todo = all;
	for (unsigned i = 0; i < n; i++)
		out[i] = NULL;

	for (uint32_t s = 0; s < v->n && todo != 0; s++) {
		struct mf_subtable *st = v->st[s];
		uint32_t bits, hits = 0;

		/* Pass 1: hash every unmatched key, prefetch its bucket. */
		for (bits = todo; bits != 0; bits &= bits - 1) {
			unsigned i = (unsigned)__builtin_ctz(bits);

			hashes[i] = st_hash(st, keys[i]);
			rte_prefetch0(bucket_of(t, hashes[i]));
		}
		/* Pass 2: load the chain heads, prefetch the first nodes. */
		for (bits = todo; bits != 0; bits &= bits - 1) {
			unsigned i = (unsigned)__builtin_ctz(bits);
			struct megaflow *mf;

			mf = __atomic_load_n(bucket_of(t, hashes[i]),
					     __ATOMIC_ACQUIRE);
			heads[i] = mf;
			if (mf != NULL) {
				rte_prefetch0(mf);
				rte_prefetch0(&mf->key);
			}
		}
		/* Pass 3: compare. */
		for (bits = todo; bits != 0; bits &= bits - 1) {
			unsigned i = (unsigned)__builtin_ctz(bits);
			struct megaflow *mf;

			if (heads[i] == NULL)
				continue;
			mf = chain_find(heads[i], st, hashes[i], keys[i]);
			if (mf != NULL) {
				out[i] = mf;
				todo &= ~(1u << i);
				hits++;
			}
		}
		if (hits != 0) {
			subtable_credit(st, hits);
			*probes += (uint64_t)(s + 1) * hits;
		}
	}
	return (unsigned)__builtin_popcount(all & ~todo);
}
