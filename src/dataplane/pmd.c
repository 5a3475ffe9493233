/* SPDX-License-Identifier: BSD-3-Clause */
#include "pmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "flow_parse.h"

/* Counters: single writer (this PMD), readers on other threads. */
#define PMD_COUNT(pmd, field, n) \
	__atomic_store_n(&(pmd)->stats.field, (pmd)->stats.field + (n), \
			 __ATOMIC_RELAXED)

uint64_t
pmd_clock_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC_COARSE is served by the vDSO: no system call. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct pmd *
pmd_create(unsigned index, unsigned lcore_id,
	   const struct pmd_port_table *ports, struct rte_rcu_qsbr *qs,
	   uint32_t emc_entries, uint32_t emc_insert_inv_prob,
	   uint32_t megaflow_max, uint32_t upcall_ring_size)
{
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct pmd *pmd;

	pmd = rte_zmalloc_socket("pmd", sizeof(*pmd), RTE_CACHE_LINE_SIZE,
				 socket);
	if (pmd == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pmd->index = index;
	pmd->lcore_id = lcore_id;
	pmd->rcu_thread_id = index;
	pmd->ports = ports;
	pmd->qs = qs;

	snprintf(name, sizeof(name), "upcall_%u", index);
	pmd->upcall_ring = rte_ring_create(name, upcall_ring_size, socket,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "exec_%u", index);
	/* Several producers: the slowpath thread and packet-out. */
	pmd->exec_ring = rte_ring_create(name, upcall_ring_size, socket,
					 RING_F_SC_DEQ);
	pmd->emc = emc_create(emc_entries, emc_insert_inv_prob);
	pmd->megaflows = megaflow_table_create(megaflow_max, qs);
	if (pmd->upcall_ring == NULL || pmd->exec_ring == NULL ||
	    pmd->emc == NULL || pmd->megaflows == NULL) {
		int err = errno ? errno : ENOMEM;

		pmd_destroy(pmd);
		errno = err;
		return NULL;
	}
	return pmd;
}

static void
drain_ring(struct rte_ring *r)
{
	void *obj;

	while (r != NULL && rte_ring_dequeue(r, &obj) == 0)
		rte_pktmbuf_free(obj);
}

void
pmd_destroy(struct pmd *pmd)
{
	if (pmd == NULL)
		return;
	drain_ring(pmd->upcall_ring);
	drain_ring(pmd->exec_ring);
	rte_ring_free(pmd->upcall_ring);
	rte_ring_free(pmd->exec_ring);
	for (unsigned p = 0; p < PMD_MAX_PORTS; p++)
		for (unsigned i = 0; i < pmd->tx[p].n; i++)
			rte_pktmbuf_free(pmd->tx[p].pkts[i]);
	for (unsigned i = 0; i < pmd->n_parked; i++)
		rte_pktmbuf_free(pmd->parked[i].m);
	if (pmd->emc)
		emc_destroy(pmd->emc);
	if (pmd->megaflows)
		megaflow_table_destroy(pmd->megaflows);
	rte_free(pmd);
}

int
pmd_add_rxq(struct pmd *pmd, uint32_t dp_port, uint16_t dpdk_port_id,
	    uint16_t queue_id, uint32_t ofport)
{
	if (pmd->n_rxqs >= PMD_MAX_RXQS)
		return -ENOSPC;
	struct pmd_rxq *q = &pmd->rxqs[pmd->n_rxqs++];

	memset(q, 0, sizeof(*q));
	q->dp_port = dp_port;
	q->dpdk_port_id = dpdk_port_id;
	q->queue_id = queue_id;
	q->ofport = ofport;
	return 0;
}

static void
tx_flush(struct pmd *pmd, uint32_t dp_port)
{
	struct pmd_tx_batch *b = &pmd->tx[dp_port];
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(pmd->ports->ports[dp_port].dpdk_port_id,
				(uint16_t)pmd->index, b->pkts, b->n);
	PMD_COUNT(pmd, tx_packets, sent);
	if (sent < b->n) {
		PMD_COUNT(pmd, tx_drops, b->n - sent);
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

static void
tx_flush_all(struct pmd *pmd)
{
	uint32_t n = pmd->ports->n_ports;

	for (uint32_t p = 0; p < n; p++)
		tx_flush(pmd, p);
}

static inline void
tx_enqueue(struct pmd *pmd, uint32_t dp_port, struct rte_mbuf *m)
{
	struct pmd_tx_batch *b;

	if (unlikely(dp_port >= pmd->ports->n_ports ||
		     !pmd->ports->ports[dp_port].in_use)) {
		PMD_COUNT(pmd, tx_drops, 1);
		rte_pktmbuf_free(m);
		return;
	}
	b = &pmd->tx[dp_port];
	b->pkts[b->n++] = m;
	if (b->n == PMD_BURST)
		tx_flush(pmd, dp_port);
}

/* Send a packet up; the ring being full is a counted drop. */
static void
upcall(struct pmd *pmd, struct rte_mbuf *m, enum pmd_upcall_kind kind,
       uint32_t arg)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);

	priv->upcall_kind = kind;
	priv->upcall_arg = arg;
	if (rte_ring_sp_enqueue(pmd->upcall_ring, m) == 0) {
		PMD_COUNT(pmd, upcalls, 1);
		if (kind == PMD_UPCALL_MISS) {
			PMD_COUNT(pmd, misses, 1);
			pmd->miss_upcalls_sent++;
		}
	} else {
		PMD_COUNT(pmd, lost_upcalls, 1);
		rte_pktmbuf_free(m);
	}
}

void
pmd_execute(struct pmd *pmd, struct rte_mbuf *m,
	    const struct dp_actions *actions, uint32_t in_dp_port)
{
	unsigned n = actions->n;

	(void)in_dp_port;
	if (n == 0) {
		PMD_COUNT(pmd, action_drops, 1);
		rte_pktmbuf_free(m);
		return;
	}
	/* Every action but the last one gets a reference of its own. */
	if (n > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(n - 1));
	for (unsigned i = 0; i < n; i++) {
		const struct dp_action *a = &actions->a[i];

		switch (a->type) {
		case DP_ACTION_OUTPUT:
			tx_enqueue(pmd, a->arg, m);
			break;
		case DP_ACTION_UPCALL:
			upcall(pmd, m, PMD_UPCALL_ACTION, a->arg);
			break;
		default:
			PMD_COUNT(pmd, action_drops, 1);
			rte_pktmbuf_free(m);
			break;
		}
	}
}

/* True while packets must wait behind an earlier miss: one is parked, or
 * a miss upcall went up since the exec ring was last drained. Only the
 * snapshot taken before that drain is trusted: a later "done" may belong
 * to a packet that sits on the exec ring still. */
static inline bool
ordering_stall(const struct pmd *pmd)
{
	return pmd->n_parked > 0 || pmd->miss_upcalls_sent != pmd->done_snapshot;
}

static void
park(struct pmd *pmd, struct rte_mbuf *m, const struct flow_key *key,
     uint32_t hash)
{
	struct pmd_parked *p;

	if (unlikely(pmd->n_parked == PMD_PARK_MAX)) {
		/* Waiting room full: send it up now (it may overtake). */
		PMD_COUNT(pmd, park_overflows, 1);
		upcall(pmd, m, PMD_UPCALL_MISS, 0);
		return;
	}
	p = &pmd->parked[pmd->n_parked++];
	p->m = m;
	p->hash = hash;
	p->key = *key;
	PMD_COUNT(pmd, parked, 1);
}

/* A miss: send it up unless it has to wait behind an earlier one. */
static void
handle_miss(struct pmd *pmd, struct rte_mbuf *m, const struct flow_key *key,
	    uint32_t hash)
{
	if (!ordering_stall(pmd))
		upcall(pmd, m, PMD_UPCALL_MISS, 0);
	else
		park(pmd, m, key, hash);
}

static inline void
megaflow_hit(struct pmd *pmd, struct megaflow *mf, uint32_t len)
{
	__atomic_store_n(&mf->n_packets, mf->n_packets + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&mf->n_bytes, mf->n_bytes + len, __ATOMIC_RELAXED);
	if (mf->last_used_ms != pmd->now_ms)
		__atomic_store_n(&mf->last_used_ms, pmd->now_ms,
				 __ATOMIC_RELAXED);
}

/* One received burst: parse, look up in the EMC, then the megaflow
 * classifier, execute hits and send misses up. */
static void
process_burst(struct pmd *pmd, struct pmd_rxq *q, struct rte_mbuf **pkts,
	      uint16_t n)
{
	struct flow_key keys[PMD_BURST];
	const struct flow_key *miss_keys[PMD_BURST];
	struct megaflow *found[PMD_BURST];
	struct megaflow *mf_out[PMD_BURST];
	uint32_t hashes[PMD_BURST];
	uint16_t miss_idx[PMD_BURST];
	unsigned n_miss = 0, emc_hits = 0, mf_hits = 0;
	uint64_t bytes = 0;

	bool stalled = ordering_stall(pmd);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum flow_parse_result r;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		r = flow_parse(rte_pktmbuf_mtod(m, const void *),
			       rte_pktmbuf_data_len(m), q->ofport, &keys[i]);
		if (unlikely(r != FLOW_PARSE_OK))
			PMD_COUNT(pmd, parse_errors[r], 1);
		bytes += rte_pktmbuf_pkt_len(m);
		hashes[i] = emc_hash(&keys[i]);
		if (unlikely(stalled)) {
			/* Behind a miss: no lookup, wait in order. */
			found[i] = NULL;
			continue;
		}
		found[i] = emc_lookup(pmd->emc, &keys[i], hashes[i]);
		if (found[i] != NULL) {
			emc_hits++;
		} else {
			miss_idx[n_miss] = i;
			miss_keys[n_miss++] = &keys[i];
		}
	}
	if (n_miss > 0 && !stalled) {
		megaflow_lookup_burst(pmd->megaflows, miss_keys, n_miss,
				      mf_out);
		for (unsigned j = 0; j < n_miss; j++) {
			uint16_t i = miss_idx[j];

			found[i] = mf_out[j];
			if (found[i] != NULL) {
				mf_hits++;
				emc_insert(pmd->emc, &keys[i], hashes[i],
					   found[i]);
			}
		}
	}
	PMD_COUNT(pmd, packets, n);
	PMD_COUNT(pmd, bytes, bytes);
	PMD_COUNT(pmd, emc_hits, emc_hits);
	PMD_COUNT(pmd, megaflow_hits, mf_hits);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);

		priv->in_port = q->ofport;
		priv->in_dp_port = q->dp_port;
		if (found[i] != NULL) {
			megaflow_hit(pmd, found[i], rte_pktmbuf_pkt_len(m));
			pmd_execute(pmd, m, &found[i]->actions, q->dp_port);
		} else if (stalled) {
			park(pmd, m, &keys[i], hashes[i]);
		} else {
			handle_miss(pmd, m, &keys[i], hashes[i]);
		}
	}
}

/* Once no miss upcall is in flight, look the waiting misses up again: the
 * megaflows just installed cover most of them. Order is kept: the first
 * that still misses goes up, and the ones behind it keep waiting. */
static unsigned
process_parked(struct pmd *pmd)
{
	unsigned n = pmd->n_parked, keep = 0, hits = 0;
	bool waiting = false;

	if (n == 0 || pmd->miss_upcalls_sent != pmd->done_snapshot)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct pmd_parked *p = &pmd->parked[i];
		struct pmd_mbuf_priv *priv = pmd_mbuf_priv(p->m);
		struct megaflow *mf = NULL;

		if (!waiting)
			mf = megaflow_lookup(pmd->megaflows, &p->key);
		if (mf != NULL) {
			hits++;
			emc_insert(pmd->emc, &p->key, p->hash, mf);
			megaflow_hit(pmd, mf, rte_pktmbuf_pkt_len(p->m));
			pmd_execute(pmd, p->m, &mf->actions, priv->in_dp_port);
		} else if (!waiting) {
			/* The first that still misses goes up; the ones
			 * behind it wait for it. */
			upcall(pmd, p->m, PMD_UPCALL_MISS, 0);
			waiting = true;
		} else {
			pmd->parked[keep++] = *p;
		}
	}
	pmd->n_parked = keep;
	PMD_COUNT(pmd, megaflow_hits, hits);
	return n - keep;
}

/* Packets the slowpath handled, with their actions in the mbuf. */
static unsigned
process_exec_ring(struct pmd *pmd)
{
	struct rte_mbuf *pkts[PMD_BURST];
	unsigned n;

	n = rte_ring_sc_dequeue_burst(pmd->exec_ring, (void **)pkts,
				      PMD_BURST, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct pmd_mbuf_priv *priv = pmd_mbuf_priv(pkts[i]);

		pmd_execute(pmd, pkts[i], &priv->actions, priv->in_dp_port);
	}
	PMD_COUNT(pmd, exec_packets, n);
	return n;
}

int
pmd_main(void *arg)
{
	struct pmd *pmd = arg;
	struct rte_mbuf *pkts[PMD_BURST];

	rte_rcu_qsbr_thread_register(pmd->qs, pmd->rcu_thread_id);
	rte_rcu_qsbr_thread_online(pmd->qs, pmd->rcu_thread_id);
	pmd->running = true;

	while (!pmd->stop) {
		uint64_t start = rte_rdtsc();
		unsigned work = 0;

		pmd->now_ms = pmd_clock_ms();
		/* Packets the slowpath handed back go before the misses that
		 * waited for them, and those before new packets. */
		pmd->done_snapshot = __atomic_load_n(&pmd->miss_upcalls_done,
						     __ATOMIC_ACQUIRE);
		work += process_exec_ring(pmd);
		work += process_parked(pmd);
		for (uint32_t i = 0; i < pmd->n_rxqs; i++) {
			struct pmd_rxq *q = &pmd->rxqs[i];
			uint64_t t0 = rte_rdtsc();
			uint16_t n;

			n = rte_eth_rx_burst(q->dpdk_port_id, q->queue_id,
					     pkts, PMD_BURST);
			if (n == 0)
				continue;
			process_burst(pmd, q, pkts, n);
			work += n;
			__atomic_store_n(&q->packets, q->packets + n,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&q->cycles,
					 q->cycles + (rte_rdtsc() - t0),
					 __ATOMIC_RELAXED);
		}
		tx_flush_all(pmd);
		rte_rcu_qsbr_quiescent(pmd->qs, pmd->rcu_thread_id);

		uint64_t spent = rte_rdtsc() - start;

		if (work)
			PMD_COUNT(pmd, busy_cycles, spent);
		else
			PMD_COUNT(pmd, idle_cycles, spent);
	}
	tx_flush_all(pmd);
	rte_rcu_qsbr_thread_offline(pmd->qs, pmd->rcu_thread_id);
	rte_rcu_qsbr_thread_unregister(pmd->qs, pmd->rcu_thread_id);
	pmd->running = false;
	return 0;
}

void
pmd_stats_read(const struct pmd *pmd, struct pmd_stats *out)
{
	const uint64_t *src = (const uint64_t *)(const void *)&pmd->stats;
	uint64_t *dst = (uint64_t *)(void *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
