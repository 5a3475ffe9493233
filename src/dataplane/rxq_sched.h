/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_RXQ_SCHED_H
#define PMDSWITCH_RXQ_SCHED_H

/*
 * Rx queue → PMD assignment while the PMDs run.
 *
 * pmd_rxq_rebalance() spreads the rx queues over the PMDs by the cycles
 * each queue cost since the previous rebalance (or since the start):
 * heaviest queue first, each to the PMD with the least load so far (a tie
 * keeps the queue where it is). A queue that moves is first taken off its
 * old PMD's list (publish, grace period) and only then put on the new
 * PMD's list (publish, grace period), so no queue is ever polled by two
 * PMDs at once; the PMDs never stop.
 *
 * Thread safety: control thread only, one call at a time (the same thread
 * that reads the lists through pmd_rxq_count() / pmd_rxq_at()). Blocks for
 * up to two RCU grace periods. Allocates; never call it on a PMD.
 */

#include <rte_rcu_qsbr.h>

#include "pmd.h"

/* Returns the number of rx queues that changed PMD, or -errno. */
int pmd_rxq_rebalance(struct pmd *const pmds[], unsigned n_pmds,
		      struct rte_rcu_qsbr *qs);

#endif /* PMDSWITCH_RXQ_SCHED_H */
