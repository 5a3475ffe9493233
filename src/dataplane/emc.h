/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_EMC_H
#define PMDSWITCH_EMC_H

/*
 * Exact-match cache: per PMD, a direct-mapped (or small-way) array of full
 * flow keys → megaflow reference (pointer + serial). An entry is valid only
 * while its megaflow's serial still matches, so removing a megaflow
 * invalidates every EMC entry that points at it without touching the EMCs.
 *
 * Thread safety: owned by one PMD thread; no sharing, no atomics.
 */

#include <stdint.h>

#include "flow_key.h"
#include "megaflow.h"

struct emc;

/* n_entries is rounded up to a power of two; 0 disables the EMC.
 * insert_inv_prob: insert one miss in N (1 = always, 0 = never).
 * NULL + errno on failure. */
struct emc *emc_create(uint32_t n_entries, uint32_t insert_inv_prob);
void emc_destroy(struct emc *emc);

/* The hash of a full key (CRC32 over the key's words). */
uint32_t emc_hash(const struct flow_key *key);

/* The megaflow for this exact key, or NULL. */
struct megaflow *emc_lookup(struct emc *emc, const struct flow_key *key,
			    uint32_t hash);
/* Maybe insert (subject to the insertion probability). */
void emc_insert(struct emc *emc, const struct flow_key *key, uint32_t hash,
		struct megaflow *mf);
void emc_clear(struct emc *emc);

#endif /* PMDSWITCH_EMC_H */
