/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cycles-based rx queue rebalancing (see rxq_sched.h).
 */
#include "rxq_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

struct sched_q {
	struct pmd_rxq *q;
	unsigned from;		/* PMD index it is on. */
	unsigned to;		/* PMD index it goes to. */
	uint64_t load;		/* Cycles since the last rebalance. */
};

static int
by_load_desc(const void *a, const void *b)
{
	const struct sched_q *x = a, *y = b;

	if (x->load != y->load)
		return x->load < y->load ? 1 : -1;
	/* Stable across calls: by port, then queue. */
	if (x->q->dp_port != y->q->dp_port)
		return x->q->dp_port < y->q->dp_port ? -1 : 1;
	return (int)x->q->queue_id - (int)y->q->queue_id;
}

static void
grace_period(struct rte_rcu_qsbr *qs)
{
	rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
}

/* Publish lists[i] for every PMD, wait, free the old lists. */
static void
publish_all(struct pmd *const pmds[], unsigned n_pmds,
	    struct pmd_rxq_list *lists[], struct rte_rcu_qsbr *qs)
{
	struct pmd_rxq_list *old[PMD_MAX];

	for (unsigned i = 0; i < n_pmds; i++)
		old[i] = pmd_rxq_list_publish(pmds[i], lists[i]);
	grace_period(qs);
	for (unsigned i = 0; i < n_pmds; i++)
		rte_free(old[i]);
}

int
pmd_rxq_rebalance(struct pmd *const pmds[], unsigned n_pmds,
		  struct rte_rcu_qsbr *qs)
{
	struct sched_q qs_all[PMD_MAX * PMD_MAX_RXQS];
	struct pmd_rxq_list *mid[PMD_MAX], *fin[PMD_MAX];
	uint64_t load[PMD_MAX];
	unsigned n = 0, moved = 0;

	if (n_pmds == 0 || n_pmds > PMD_MAX)
		return -EINVAL;
	for (unsigned p = 0; p < n_pmds; p++) {
		uint32_t cnt = pmd_rxq_count(pmds[p]);

		for (uint32_t j = 0; j < cnt; j++) {
			struct pmd_rxq *q = pmd_rxq_at(pmds[p], j);
			uint64_t c = __atomic_load_n(&q->cycles,
						     __ATOMIC_RELAXED);

			qs_all[n].q = q;
			qs_all[n].from = p;
			qs_all[n].load = c - q->cycles_base;
			q->cycles_base = c;
			n++;
		}
	}
	if (n_pmds == 1)
		return 0;
	qsort(qs_all, n, sizeof(qs_all[0]), by_load_desc);

	/* Greedy: heaviest first, to the least loaded PMD; ties keep the
	 * queue where it is, then go to the lowest index. With no load at
	 * all this is a round-robin by queue count. */
	uint32_t count[PMD_MAX];

	memset(load, 0, sizeof(load));
	memset(count, 0, sizeof(count));
	for (unsigned i = 0; i < n; i++) {
		struct sched_q *s = &qs_all[i];
		unsigned best = s->from;

		for (unsigned p = 0; p < n_pmds; p++) {
			if (count[p] >= PMD_MAX_RXQS)
				continue;
			if (count[best] >= PMD_MAX_RXQS || load[p] < load[best] ||
			    (load[p] == load[best] && count[p] < count[best]))
				best = p;
		}
		s->to = best;
		load[best] += s->load;
		count[best]++;
		moved += s->to != s->from;
	}
	if (moved == 0)
		return 0;

	memset(mid, 0, sizeof(mid));
	memset(fin, 0, sizeof(fin));
	for (unsigned p = 0; p < n_pmds; p++) {
		mid[p] = rte_zmalloc("pmd_rxqs", sizeof(*mid[p]), 0);
		fin[p] = rte_zmalloc("pmd_rxqs", sizeof(*fin[p]), 0);
		if (mid[p] == NULL || fin[p] == NULL) {
			for (unsigned k = 0; k <= p; k++) {
				rte_free(mid[k]);
				rte_free(fin[k]);
			}
			return -ENOMEM;
		}
	}
	/* Phase 1: the queues that stay (in their current order). */
	for (unsigned p = 0; p < n_pmds; p++) {
		uint32_t cnt = pmd_rxq_count(pmds[p]);

		for (uint32_t j = 0; j < cnt; j++) {
			struct pmd_rxq *q = pmd_rxq_at(pmds[p], j);

			for (unsigned i = 0; i < n; i++)
				if (qs_all[i].q == q && qs_all[i].to == p)
					mid[p]->q[mid[p]->n++] = q;
		}
		*fin[p] = *mid[p];
	}
	/* Phase 2: the moved queues join their new PMDs. */
	for (unsigned i = 0; i < n; i++) {
		struct sched_q *s = &qs_all[i];

		if (s->to != s->from)
			fin[s->to]->q[fin[s->to]->n++] = s->q;
	}
	publish_all(pmds, n_pmds, mid, qs);
	publish_all(pmds, n_pmds, fin, qs);
	return (int)moved;
}
