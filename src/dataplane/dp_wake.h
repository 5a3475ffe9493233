/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_WAKE_H
#define PMDSWITCH_DP_WAKE_H

/*
 * Waking a sleeping consumer (the slowpath) from PMD threads without a
 * system call per packet.
 *
 * The consumer polls while it has work and spins a little after it;
 * then it announces that it is going to sleep (dp_wake_prepare()), looks
 * at its rings once more, and either cancels (dp_wake_cancel()) or sleeps
 * on an eventfd (dp_wake_sleep()). A producer (a PMD) calls dp_wake_kick()
 * once per loop iteration in which it put work on a ring: a full fence and
 * one load of the `sleeping` flag; only when the flag is set does the first
 * producer to clear it write to the eventfd. So a PMD makes one write(2)
 * per sleep of the consumer, never one per packet: while the consumer is
 * awake (it is whenever work keeps coming) the PMDs make no system call.
 *
 * The flag store and the ring re-check on one side, the ring enqueue and
 * the flag load on the other, are each separated by a sequentially
 * consistent fence: either the consumer sees the work, or the producer
 * sees the flag (no lost wake-up).
 *
 * Thread safety: any number of producers; one consumer thread calls
 * prepare / cancel / sleep; dp_wake_signal() from any thread (shutdown).
 */

#include <stdbool.h>
#include <stdint.h>

struct dp_wake {
	int fd;			/* eventfd; -1: not set up (kick is a no-op). */
	uint32_t sleeping;	/* 1: the consumer is going to sleep. */
	uint64_t kicks;		/* Writes made by producers (relaxed). */
	uint64_t sleeps;	/* Times the consumer slept (consumer). */
};

/* Set up (eventfd). 0 or -errno. */
int dp_wake_init(struct dp_wake *w);
void dp_wake_fini(struct dp_wake *w);

/* Write to the eventfd (out of line: the rare path of dp_wake_kick()). */
void dp_wake_signal(struct dp_wake *w);

/* Producer: work was just put on a ring the consumer reads. */
static inline void
dp_wake_kick(struct dp_wake *w)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&w->sleeping,
					     __ATOMIC_RELAXED) != 0, 0) &&
	    __atomic_exchange_n(&w->sleeping, 0, __ATOMIC_ACQ_REL) != 0) {
		__atomic_fetch_add(&w->kicks, 1, __ATOMIC_RELAXED);
		dp_wake_signal(w);
	}
}

/* Consumer: about to sleep; re-check the rings after this. */
static inline void
dp_wake_prepare(struct dp_wake *w)
{
	__atomic_store_n(&w->sleeping, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Consumer: the re-check found work; not sleeping after all. */
static inline void
dp_wake_cancel(struct dp_wake *w)
{
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_RELAXED);
}

/* Consumer: sleep until kicked or timeout_ms passed; clears the flag.
 * 1 if kicked, 0 on timeout. */
int dp_wake_sleep(struct dp_wake *w, int timeout_ms);

#endif /* PMDSWITCH_DP_WAKE_H */
