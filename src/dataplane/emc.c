/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match cache, 2-way set associative: a key may live at one of two
 * slots picked by two different slices of its hash. An entry holds a full
 * copy of the key, so a hit never depends on the megaflow's (masked) key;
 * it holds the megaflow's serial from insert time, so a removed megaflow's
 * entries stop hitting the moment its serial changes.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>

#include "emc.h"

#define EMC_HASH_SEED 0x9e3779b9u
#define EMC_WAYS 2
#define EMC_MIN_ENTRIES 2

struct emc_entry {
	struct megaflow *mf;	/* NULL: empty. */
	uint32_t serial;	/* mf's serial when the entry was made. */
	uint32_t hash;		/* emc_hash(&key). */
	struct flow_key key;	/* The full key. */
};

struct emc {
	uint32_t mask;		/* n_entries - 1; n_entries == 0: disabled. */
	uint32_t n_entries;
	uint32_t insert_min;	/* Insert when prng() <= this ... */
	bool insert_never;	/* ... unless inserts are off. */
	uint32_t prng;		/* xorshift32 state, never 0. */
	struct emc_entry *entries;
};

static inline uint32_t
emc_prng_next(struct emc *emc)
{
	uint32_t x = emc->prng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	emc->prng = x;
	return x;
}

static uint32_t
round_up_pow2(uint32_t n)
{
	uint32_t p = EMC_MIN_ENTRIES;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

struct emc *
emc_create(uint32_t n_entries, uint32_t insert_inv_prob)
{
	struct emc *emc = calloc(1, sizeof(*emc));

	if (emc == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (n_entries > 0) {
		emc->n_entries = round_up_pow2(n_entries);
		emc->mask = emc->n_entries - 1;
		emc->entries = calloc(emc->n_entries, sizeof(*emc->entries));
		if (emc->entries == NULL) {
			free(emc);
			errno = ENOMEM;
			return NULL;
		}
	}
	emc->insert_never = insert_inv_prob == 0;
	emc->insert_min = insert_inv_prob ? UINT32_MAX / insert_inv_prob : 0;
	emc->prng = (uint32_t)(uintptr_t)emc ^ EMC_HASH_SEED;
	if (emc->prng == 0)
		emc->prng = EMC_HASH_SEED;
	return emc;
}

void
emc_destroy(struct emc *emc)
{
	if (emc == NULL)
		return;
	free(emc->entries);
	free(emc);
}

uint32_t
emc_hash(const struct flow_key *key)
{
	const flow_word_t *w = flow_key_words(key);
	uint32_t a = EMC_HASH_SEED, b = ~EMC_HASH_SEED;

	/* Two interleaved CRC chains halve the latency; then fold. */
	for (size_t i = 0; i < FLOW_KEY_WORDS; i += 2) {
		a = rte_hash_crc_8byte(w[i], a);
		b = rte_hash_crc_8byte(w[i + 1], b);
	}
	return rte_hash_crc_4byte(b, a);
}

static inline bool
emc_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	const flow_word_t *x = flow_key_words(a), *y = flow_key_words(b);
	uint64_t diff = 0;

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/* The two candidate slots of a hash. */
static inline uint32_t
emc_slot(const struct emc *emc, uint32_t hash, unsigned way)
{
	return (way == 0 ? hash : (hash >> 16) ^ (hash << 16) ^ 1u) &
	       emc->mask;
}

struct megaflow *
emc_lookup(struct emc *emc, const struct flow_key *key, uint32_t hash)
{
	if (unlikely(emc->n_entries == 0))
		return NULL;
	for (unsigned way = 0; way < EMC_WAYS; way++) {
		struct emc_entry *e = &emc->entries[emc_slot(emc, hash, way)];

		if (e->hash == hash && e->mf != NULL &&
		    emc_key_equal(&e->key, key) &&
		    megaflow_ref_valid(e->mf, e->serial))
			return e->mf;
	}
	return NULL;
}

static inline bool
emc_entry_stale(const struct emc_entry *e)
{
	return e->mf == NULL || !megaflow_ref_valid(e->mf, e->serial);
}

void
emc_insert(struct emc *emc, const struct flow_key *key, uint32_t hash,
	   struct megaflow *mf)
{
	struct emc_entry *e0, *e1, *victim;
	uint32_t serial;

	if (unlikely(emc->n_entries == 0 || emc->insert_never || mf == NULL))
		return;
	if (emc->insert_min != UINT32_MAX &&
	    emc_prng_next(emc) > emc->insert_min)
		return;

	/* A megaflow removed since the caller found it must not be cached:
	 * its serial may already be the new one. The slot itself cannot be
	 * reused yet (the caller is inside its RCU read-side section). */
	serial = megaflow_serial(mf);
	if (unlikely(!__atomic_load_n(&mf->live, __ATOMIC_ACQUIRE)))
		return;

	e0 = &emc->entries[emc_slot(emc, hash, 0)];
	e1 = &emc->entries[emc_slot(emc, hash, 1)];
	if (e0->hash == hash && emc_key_equal(&e0->key, key))
		victim = e0;
	else if (e1->hash == hash && emc_key_equal(&e1->key, key))
		victim = e1;
	else if (emc_entry_stale(e0))
		victim = e0;
	else if (emc_entry_stale(e1))
		victim = e1;
	else
		victim = (emc_prng_next(emc) & 1) ? e1 : e0;

	victim->mf = mf;
	victim->serial = serial;
	victim->hash = hash;
	victim->key = *key;
}

void
emc_clear(struct emc *emc)
{
	if (emc->n_entries)
		memset(emc->entries, 0, (size_t)emc->n_entries *
		       sizeof(*emc->entries));
}
