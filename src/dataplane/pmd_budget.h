/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_PMD_BUDGET_H
#define PMDSWITCH_PMD_BUDGET_H

/*
 * Miss budget of a PMD (datapath.upcall-cycle-share): while the PMD also
 * forwards cached traffic, the cycles it spends on misses (handling the
 * bursts that had misses, parking, upcalls, the packets handed back on
 * the exec ring, the waiting room) may take at most `share` percent of its
 * cycles. Beyond that a new miss is not sent up: it is dropped and counted
 * (lost_upcalls, upcall_budget_drops) and its rx queue's storm backoff
 * (pmd_shed.h) engages, so the device drops the rest of the storm in its
 * rx ring, at no cost to the PMD.
 *
 * How the pieces fit: a token bucket in TSC cycles. The PMD loop reads the
 * TSC once per round anyway; pmd_budget_round() adds share% of the round's
 * elapsed cycles (up to `cap`: what the share earns in a second, so a
 * burst of new flows is served in full) and notes whether rx
 * bursts hit the caches since the last round. Miss work is measured only
 * where there was some and charged with pmd_budget_spend(): a burst that
 * had misses from its execute pass on, or from before the rx call (rx,
 * parse, lookup, execute, drops; the misses' share of it) when its queue's
 * previous burst had misses too (pmd_rxq.miss_burst); the exec ring and waiting room with
 * one rdtsc after them when they had packets. The all-hit path pays one
 * predictable branch per burst. pmd_budget_denied() is asked once per
 * new miss.
 * Without cached traffic (no rx cache hit for PMD_BUDGET_HIT_WINDOW_DIV^-1
 * of a second) the budget does not apply: flow setup on an otherwise idle
 * PMD stays lossless (the waiting room and rx hold of pmd.h). Packets
 * already waiting behind an upcall in flight are never dropped by it.
 *
 * Thread safety: a struct pmd_budget belongs to one PMD and is written
 * only by it (pmd_budget_init() before the PMD starts); no atomics.
 */

#include <stdbool.h>
#include <stdint.h>

/* Cached traffic is "present" if an rx burst hit the caches within the
 * last 1/PMD_BUDGET_HIT_WINDOW_DIV second. */
#define PMD_BUDGET_HIT_WINDOW_DIV 1000
/* The bucket holds what the share earns in 1/PMD_BUDGET_CAP_DIV second. */
#define PMD_BUDGET_CAP_DIV 1

struct pmd_budget {
	int64_t tokens;		/* Cycles misses may still take (may go
				 * down to -cap: work already done). */
	int64_t cap;
	uint64_t share_q16;	/* share / 100 in 16.16 fixed point;
				 * 0: no budget. */
	uint64_t hit_window;	/* Cycles (TSC). */
	uint64_t last_hit_tsc;	/* When rx hits were last seen. */
	uint64_t hits_seen;	/* rx_hits as of the last round. */
	bool enforce;		/* This round: cached traffic, budget on. */
};

/* share: percent 0-100 (0: no budget); tsc_hz: TSC cycles per second. */
static inline void
pmd_budget_init(struct pmd_budget *b, unsigned share, uint64_t tsc_hz)
{
	if (share > 100)
		share = 100;
	b->share_q16 = ((uint64_t)share << 16) / 100u;
	b->cap = (int64_t)(tsc_hz / PMD_BUDGET_CAP_DIV * share / 100u);
	b->tokens = b->cap;
	b->hit_window = tsc_hz / PMD_BUDGET_HIT_WINDOW_DIV;
	b->last_hit_tsc = 0;
	b->hits_seen = 0;
	b->enforce = false;
}

/* Once per PMD round: `spent` cycles elapsed since the last round, `now`
 * the TSC, `rx_hits` the PMD's running count of rx packets that hit the
 * caches. */
static inline void
pmd_budget_round(struct pmd_budget *b, uint64_t spent, uint64_t now,
		 uint64_t rx_hits)
{
	int64_t t;

	if (b->share_q16 == 0)
		return;
	if (rx_hits != b->hits_seen) {
		b->hits_seen = rx_hits;
		b->last_hit_tsc = now;
	}
	b->enforce = now - b->last_hit_tsc < b->hit_window;
	if (!b->enforce && b->tokens < 0)
		b->tokens = 0;	/* No debt from misses nobody waited for. */
	/* A round longer than a second (a stalled thread) refills fully. */
	if (spent > UINT64_C(1) << 40)
		spent = UINT64_C(1) << 40;
	t = b->tokens + (int64_t)((spent * b->share_q16) >> 16);
	b->tokens = t > b->cap ? b->cap : t;
}

/* Miss work of `cycles` was done. */
static inline void
pmd_budget_spend(struct pmd_budget *b, uint64_t cycles)
{
	int64_t t;

	if (cycles > (uint64_t)INT64_MAX / 2)
		cycles = (uint64_t)INT64_MAX / 2;
	t = b->tokens - (int64_t)cycles;
	b->tokens = t < -b->cap ? -b->cap : t;
}

/* May a new miss go up (or wait)? false: drop it (budget spent while
 * cached traffic is waiting). */
static inline bool
pmd_budget_denied(const struct pmd_budget *b)
{
	return b->enforce && b->tokens <= 0;
}

#endif /* PMDSWITCH_PMD_BUDGET_H */
