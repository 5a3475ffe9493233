/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sFlow sampling on the PMD (see pmd_observe.h): the countdown per rx
 * queue, the PRNG per PMD, the copy onto the sample ring; and the copies
 * of a capture.
 */
#include "pmd_observe.h"

#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

static inline uint32_t
rng_next(struct pmd *pmd)
{
	uint32_t x = pmd->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	pmd->rng = x;
	return x;
}

/* Packets to the next sample: uniform in [1, 2N-1], mean N. */
static inline uint32_t
rearm(struct pmd *pmd, uint32_t rate)
{
	if (rate <= 1)
		return 1;
	return 1 + (uint32_t)((uint64_t)rng_next(pmd) % (2 * (uint64_t)rate - 1));
}

enum pmd_sample_out
pmd_sample_out_of(const struct dp_actions *l, uint32_t *arg)
{
	uint32_t outputs = 0, upcalls = 0;

	*arg = 0;
	for (unsigned i = 0; i < l->n && i < DP_ACTIONS_MAX; i++) {
		if (l->a[i].type == DP_ACTION_OUTPUT) {
			outputs++;
			*arg = l->a[i].arg;
		} else if (l->a[i].type == DP_ACTION_UPCALL) {
			upcalls++;
		}
	}
	if (outputs == 1)
		return PMD_SAMPLE_OUT_PORT;
	if (outputs > 1) {
		*arg = outputs;
		return PMD_SAMPLE_OUT_MULTI;
	}
	return upcalls ? PMD_SAMPLE_OUT_LOCAL : PMD_SAMPLE_OUT_DROP;
}

static void
take_sample(struct pmd *pmd, const struct pmd_rxq *q, struct rte_mbuf *m,
	    const struct megaflow *mf, uint64_t pool)
{
	struct pmd_sample s;
	uint32_t len = rte_pktmbuf_data_len(m);

	s.in_dp_port = q->dp_port;
	s.queue_id = q->queue_id;
	s.out_arg = 0;
	s.out_kind = mf == NULL ? PMD_SAMPLE_OUT_UNKNOWN :
		     pmd_sample_out_of(&mf->actions, &s.out_arg);
	s.frame_len = rte_pktmbuf_pkt_len(m);
	s.header_len = len < PMD_SAMPLE_HEADER_MAX ? len :
		       PMD_SAMPLE_HEADER_MAX;
	s.pool = pool;
	memcpy(s.header, rte_pktmbuf_mtod(m, const void *), s.header_len);
	if (rte_ring_sp_enqueue_elem(pmd->sample_ring, &s, sizeof(s)) == 0)
		__atomic_store_n(&pmd->stats.sflow_samples,
				 pmd->stats.sflow_samples + 1,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&pmd->stats.sflow_sample_drops,
				 pmd->stats.sflow_sample_drops + 1,
				 __ATOMIC_RELAXED);
}

void
pmd_observe_rx(struct pmd *pmd, struct pmd_rxq *q,
	       struct rte_mbuf *const *pkts, struct megaflow *const *found,
	       uint16_t n, uint32_t rate)
{
	uint32_t left = q->sample_left;
	uint32_t pos = 0;

	if (left == 0 || q->sample_rate != rate) {
		left = rearm(pmd, rate);
		q->sample_rate = rate;
	}
	while (left <= (uint32_t)n - pos) {
		uint32_t i = pos + left - 1;

		take_sample(pmd, q, pkts[i], found ? found[i] : NULL,
			    q->packets + i + 1);
		pos = i + 1;
		left = rearm(pmd, rate);
	}
	q->sample_left = left - ((uint32_t)n - pos);
}

void
pmd_capture_burst(struct pmd *pmd, struct rte_mbuf *const *pkts, uint16_t n,
		  uint32_t dir)
{
	struct pmd_capture *cap = __atomic_load_n(&pmd->ports->capture,
						  __ATOMIC_ACQUIRE);
	struct rte_mbuf *copies[PMD_BURST];
	unsigned k = 0, sent;

	if (cap == NULL)
		return;
	for (uint16_t i = 0; i < n && k < PMD_BURST; i++) {
		struct rte_mbuf *c = rte_pktmbuf_copy(pkts[i], cap->mp, 0,
						      cap->copy_len);
		struct pmd_capture_meta *meta;

		if (unlikely(c == NULL)) {
			__atomic_fetch_add(&cap->drops, 1, __ATOMIC_RELAXED);
			continue;
		}
		meta = rte_mbuf_to_priv(c);
		meta->tsc = pmd->now_tsc;
		meta->dir = dir;
		meta->orig_len = rte_pktmbuf_pkt_len(pkts[i]);
		copies[k++] = c;
	}
	sent = rte_ring_mp_enqueue_burst(cap->ring, (void **)copies, k, NULL);
	if (unlikely(sent < k)) {
		__atomic_fetch_add(&cap->drops, k - sent, __ATOMIC_RELAXED);
		rte_pktmbuf_free_bulk(&copies[sent], k - sent);
	}
}
