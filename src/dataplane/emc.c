/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match cache, 2-way set associative: a key may live at one of two
 * slots picked by two different slices of its hash. An entry holds a full
 * copy of the key, so a hit never depends on the megaflow's (masked) key;
 * it holds the megaflow's serial from insert time, so a removed megaflow's
 * entries stop hitting the moment its serial changes.
 *
 * An entry is one aligned 192-byte block: the header and the key's first
 * five words (in_port ... the L4 ports) share the first cache line, so an
 * IPv4 hit (word map 0x1f) reads one line of the EMC.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "emc.h"

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
		/* Zeroed, page-aligned, huge pages where possible. */
		emc->entries = dp_mem_alloc((size_t)emc->n_entries *
					    sizeof(*emc->entries));
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
emc_set_bypass_pct(struct emc *emc, uint32_t pct)
{
	emc->bypass_pct = pct > 100 ? 100 : pct;
	emc->bypass = false;
	emc->win_probes = emc->win_hits = 0;
}

void
emc_destroy(struct emc *emc)
{
	if (emc == NULL)
		return;
	dp_mem_free(emc->entries, (size_t)emc->n_entries *
		    sizeof(*emc->entries));
	free(emc);
}

static inline bool
emc_entry_stale(const struct emc_entry *e)
{
	return e->mf == NULL || !megaflow_ref_valid(e->mf, e->serial);
}

void
emc_insert_map(struct emc *emc, const struct flow_key *key, uint32_t hash,
	       uint32_t map, struct megaflow *mf)
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
	if (e0->hash == hash && e0->map == map &&
	    emc_key_equal(&e0->key, key, map))
		victim = e0;
	else if (e1->hash == hash && e1->map == map &&
		 emc_key_equal(&e1->key, key, map))
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
	victim->map = map;
	victim->key = *key;
}

void
emc_clear(struct emc *emc)
{
	if (emc->n_entries)
		memset(emc->entries, 0, (size_t)emc->n_entries *
		       sizeof(*emc->entries));
}
