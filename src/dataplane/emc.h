/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_EMC_H
#define PMDSWITCH_EMC_H

/*
 * Exact-match cache: per PMD, a direct-mapped (or small-way) array of full
 * flow keys → megaflow reference (pointer + serial). An entry is valid only
 * while its megaflow's serial still matches, so removing a megaflow
 * invalidates every EMC entry that points at it without touching the EMCs.
 *
 * Keys come with their parser word map (flow_parse_map()): only the words
 * in the map are hashed and compared, and the maps must be equal too, so an
 * IPv4 / UDP hit reads five key words, all in the entry's first cache line.
 *
 * Thread safety: owned by one PMD thread; no sharing, no atomics.
 */

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "flow_key.h"
#include "megaflow.h"

/* Internals, here so the PMD's hash / lookup / prefetch are inlined. */
#define EMC_HASH_SEED 0x9e3779b9u
#define EMC_WAYS 2
#define EMC_MIN_ENTRIES 2
#define EMC_MAP_IPV4 0x001fu	/* The parser's map of an IPv4 frame. */

/* One aligned 192-byte block: the header and the key's first five words
 * (in_port ... the L4 ports) share the first cache line, so an IPv4 hit
 * reads one line of the EMC. */
struct emc_entry {
	alignas(64) struct megaflow *mf;	/* NULL: empty. */
	uint32_t serial;	/* mf's serial when the entry was made. */
	uint32_t hash;		/* emc_hash_map(&key, map). */
	uint32_t map;		/* The key's word map. */
	uint32_t pad;
	struct flow_key key;	/* The full key (zero outside map). */
};

_Static_assert(offsetof(struct emc_entry, key) + 40 <= 64,
	       "an IPv4 key's words are in the entry's first line");
_Static_assert(sizeof(struct emc_entry) == 192, "an entry is 3 lines");

/*
 * Bypass. A probe is a full-key hash, one or two cache lines and a compare
 * in front of the megaflow lookup that a miss pays anyway, so an EMC that
 * holds fewer flows than the traffic has (more misses than hits) makes
 * every packet slower. Over each window of EMC_WINDOW probes the PMD
 * measures the hit share; below bypass_pct percent it stops probing (no
 * hash, no probe, no insert) except on one burst in EMC_BYPASS_SAMPLE,
 * whose probes and inserts keep measuring; at bypass_pct +
 * EMC_RESUME_MARGIN or more it probes every burst again.
 */
#define EMC_WINDOW 8192u
#define EMC_BYPASS_SAMPLE 16u	/* A power of two. */
#define EMC_RESUME_MARGIN 5u

struct emc {
	uint32_t mask;		/* n_entries - 1; n_entries == 0: disabled. */
	uint32_t n_entries;
	uint32_t insert_min;	/* Insert when prng() <= this ... */
	bool insert_never;	/* ... unless inserts are off. */
	bool bypass;		/* Probing one burst in EMC_BYPASS_SAMPLE. */
	uint32_t prng;		/* xorshift32 state, never 0. */
	uint32_t bypass_pct;	/* 0: never bypass. */
	uint32_t bursts;	/* Bursts seen while bypassed. */
	uint32_t win_probes;	/* This window's probes ... */
	uint32_t win_hits;	/* ... and their hits. */
	uint64_t bypass_changes;	/* Times the EMC was bypassed. */
	struct emc_entry *entries;
};

/* n_entries is rounded up to a power of two; 0 disables the EMC.
 * insert_inv_prob: insert one miss in N (1 = always, 0 = never).
 * NULL + errno on failure. */
struct emc *emc_create(uint32_t n_entries, uint32_t insert_inv_prob);
void emc_destroy(struct emc *emc);

/* CRC32-C step: the instruction itself when the build targets SSE4.2
 * (DPDK's default -march=corei7 does), else DPDK's dispatching helper. */
static inline uint32_t
emc_crc64(uint64_t data, uint32_t init)
{
#if defined(__SSE4_2__) && defined(__x86_64__)
	return (uint32_t)__builtin_ia32_crc32di(init, data);
#else
	return rte_hash_crc_8byte(data, init);
#endif
}

/* The hash of a key over the words in map (FLOW_MAP_*: every word outside
 * map is zero). Equal keys with equal maps hash the same. */
static inline __attribute__((always_inline)) uint32_t
emc_hash_map(const struct flow_key *key, uint32_t map)
{
	const flow_word_t *w = flow_key_words(key);
	uint32_t a = EMC_HASH_SEED, b = ~EMC_HASH_SEED;
	unsigned n = 0;

	if (likely(map == EMC_MAP_IPV4)) {
		a = emc_crc64(w[0], a);
		b = emc_crc64(w[1], b);
		a = emc_crc64(w[2], a);
		b = emc_crc64(w[3], b);
		a = emc_crc64(w[4], a);
		return rte_hash_crc_4byte(b, a);
	}
	/* Two interleaved CRC chains over the words in map halve the
	 * latency; then fold. The same order as above for map 0x1f. */
	for (uint32_t bits = map; bits != 0; bits &= bits - 1, n++) {
		unsigned i = (unsigned)__builtin_ctz(bits);

		if (n & 1)
			b = emc_crc64(w[i], b);
		else
			a = emc_crc64(w[i], a);
	}
	return rte_hash_crc_4byte(b, a);
}

/* Equal over the words in map (both keys are zero outside it). */
static inline bool
emc_key_equal(const struct flow_key *a, const struct flow_key *b,
	      uint32_t map)
{
	const flow_word_t *x = flow_key_words(a), *y = flow_key_words(b);
	uint64_t diff = 0;

	if (likely(map == EMC_MAP_IPV4))
		return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
			(x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
	for (uint32_t bits = map; bits != 0; bits &= bits - 1) {
		unsigned i = (unsigned)__builtin_ctz(bits);

		diff |= x[i] ^ y[i];
	}
	return diff == 0;
}

/* The two candidate slots of a hash. */
static inline uint32_t
emc_slot(const struct emc *emc, uint32_t hash, unsigned way)
{
	return (way == 0 ? hash : (hash >> 16) ^ (hash << 16) ^ 1u) &
	       emc->mask;
}

/* Prefetch the slots a hash may live in (before emc_lookup_map()). */
static inline void
emc_prefetch(const struct emc *emc, uint32_t hash)
{
	if (likely(emc->n_entries != 0)) {
		rte_prefetch0(&emc->entries[emc_slot(emc, hash, 0)]);
		rte_prefetch0(&emc->entries[emc_slot(emc, hash, 1)]);
	}
}

/* The megaflow for this exact key (parsed with this map), or NULL. */
static inline struct megaflow *
emc_lookup_map(struct emc *emc, const struct flow_key *key, uint32_t hash,
	       uint32_t map)
{
	if (unlikely(emc->n_entries == 0))
		return NULL;
	for (unsigned way = 0; way < EMC_WAYS; way++) {
		struct emc_entry *e = &emc->entries[emc_slot(emc, hash, way)];

		if (e->hash == hash && e->map == map && e->mf != NULL &&
		    emc_key_equal(&e->key, key, map) &&
		    megaflow_ref_valid(e->mf, e->serial))
			return e->mf;
	}
	return NULL;
}

/* Bypass below pct percent of hits (0: never; at most 100). Set before
 * the owning PMD runs. */
void emc_set_bypass_pct(struct emc *emc, uint32_t pct);

/* Whether to probe (hash, look up, insert) the EMC for this burst. */
static inline bool
emc_probe_burst(struct emc *emc)
{
	if (likely(!emc->bypass))
		return emc->n_entries != 0;
	return (++emc->bursts & (EMC_BYPASS_SAMPLE - 1)) == 0;
}

/* After a probed burst: its probes and hits; decides the bypass at the
 * end of each window. */
static inline void
emc_account(struct emc *emc, uint32_t probes, uint32_t hits)
{
	uint64_t p, h;
	uint32_t pct;

	if (emc->bypass_pct == 0)
		return;
	emc->win_probes += probes;
	emc->win_hits += hits;
	if (likely(emc->win_probes < EMC_WINDOW))
		return;
	p = emc->win_probes;
	h = emc->win_hits;
	emc->win_probes = emc->win_hits = 0;
	if (!emc->bypass) {
		if (h * 100 < p * emc->bypass_pct) {
			emc->bypass = true;
			emc->bypass_changes++;
		}
		return;
	}
	pct = emc->bypass_pct + EMC_RESUME_MARGIN;
	if (pct > 100)
		pct = 100;
	if (h * 100 >= p * pct)
		emc->bypass = false;
}

/* Maybe insert (subject to the insertion probability). */
void emc_insert_map(struct emc *emc, const struct flow_key *key,
		    uint32_t hash, uint32_t map, struct megaflow *mf);

/* The same over all the key words (keys of any origin). */
static inline uint32_t
emc_hash(const struct flow_key *key)
{
	return emc_hash_map(key, FLOW_MAP_ALL);
}

static inline struct megaflow *
emc_lookup(struct emc *emc, const struct flow_key *key, uint32_t hash)
{
	return emc_lookup_map(emc, key, hash, FLOW_MAP_ALL);
}

static inline void
emc_insert(struct emc *emc, const struct flow_key *key, uint32_t hash,
	   struct megaflow *mf)
{
	emc_insert_map(emc, key, hash, FLOW_MAP_ALL, mf);
}

void emc_clear(struct emc *emc);

#endif /* PMDSWITCH_EMC_H */
