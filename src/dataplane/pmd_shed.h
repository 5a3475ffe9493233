/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_PMD_SHED_H
#define PMDSWITCH_PMD_SHED_H

/*
 * Upcall storm shedding: an rx queue whose bursts lose upcalls (the
 * upcall ring is full, or the waiting room overflowed) is polled less
 * often, so that the PMD stops spending its time on packets the slowpath
 * cannot take anyway; the packets not read stay in the device's rx ring
 * and the device drops them there (port rx_missed where the driver counts
 * it), at no cost to the PMD.
 *
 * How the pieces fit: the PMD keeps one bit per stall slot (pmd.h,
 * PMD_STALL_SLOTS: a hash of port and queue) in pmd->shed_lost, set when
 * an upcall of a packet of that slot is lost. Each poll round of a queue
 * first passes through pmd_shed_round() -- only while its slot's bit is set
 * or the queue is backing off, so the cached fast path pays one
 * predictable branch per queue and round (on fields already loaded). A burst that lost upcalls makes the queue
 * skip 1 round, then, after one probing poll whose burst lost upcalls
 * again, 2, 4, ... up to PMD_SHED_MAX_SKIP rounds; the first probing burst
 * that loses none puts it back to every round. Losses of the slot while
 * the queue is skipped (its parked packets) do not count: only bursts.
 * Lossless flow setup is not touched: misses wait in the waiting room and
 * the rx hold (pmd.h) without losing anything, and shedding starts only
 * once upcalls are actually lost.
 *
 * Thread safety: a struct pmd_shed lives in its struct pmd_rxq and is
 * written only by the PMD that polls the queue (it moves with the queue);
 * the lost bits belong to the PMD. No atomics needed; the shed_polls
 * counters beside them are read by other threads (relaxed atomics).
 */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

/* The longest run of rounds a queue is skipped. A round of a busy PMD
 * takes a few microseconds, so the upcall ring (4,096 entries by default,
 * drained at a few hundred thousand upcalls a second) never runs dry while
 * the storm queue is skipped: the slowpath stays fully fed. */
#define PMD_SHED_MAX_SKIP 64
static_assert(PMD_SHED_MAX_SKIP <= UINT8_MAX, "a level fits in uint8_t");

/* Three bytes: it sits in the first cache line of struct pmd_rxq, beside
 * the fields every poll reads. */
struct pmd_shed {
	uint8_t level;		/* Rounds skipped after the last lossy burst
				 * (0: polled every round). */
	uint8_t left;		/* Rounds still to skip. */
	bool probed;		/* Polled once since the last skip. */
};

/* One poll round of a queue whose slot bit in *lost is `bit`: true if the
 * queue is to be skipped this round. */
static inline bool
pmd_shed_round(struct pmd_shed *s, uint64_t *lost, uint64_t bit)
{
	unsigned next;

	if (s->left > 0) {
		s->left--;
		return true;
	}
	if (s->level > 0 && !s->probed) {
		/* After a skip: poll once; what the slot lost meanwhile (its
		 * waiting packets) does not count, the probing burst does. */
		s->probed = true;
		*lost &= ~bit;
		return false;
	}
	if ((*lost & bit) == 0) {
		s->level = 0;
		return false;
	}
	*lost &= ~bit;
	next = s->level == 0 ? 1u : 2u * s->level;
	s->level = (uint8_t)(next > PMD_SHED_MAX_SKIP ? PMD_SHED_MAX_SKIP :
			     next);
	s->left = (uint8_t)(s->level - 1u);
	s->probed = false;
	return true;
}

#endif /* PMDSWITCH_PMD_SHED_H */
