/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD loop. A received burst goes through four passes, each over the
 * whole burst so that memory accesses of one packet overlap the work on
 * the others:
 *  1. parse every frame (prefetching the next frames' data), hash the
 *     words the parser filled and prefetch the EMC slots;
 *  2. EMC lookups; prefetch the hit megaflows' first line;
 *  3. one classifier lookup for all EMC misses (hash, prefetch, compare);
 *  4. execute: runs of packets with the same megaflow update its counters
 *     once; a megaflow whose actions are one output appends the packets
 *     to the port's tx batch directly, without the action interpreter;
 *     a burst that all matched the megaflow its queue's last burst ended
 *     on goes to that output as a block (burst_execute_uniform()).
 * The mbuf private area (a third cache line per packet) is written only
 * for packets that go to the slowpath, wait, or go through the
 * interpreter.
 */
#include "pmd.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dp_meter.h"
#include "dp_packet.h"
#include "flow_parse.h"
#include "pmd_observe.h"
#include "tnl_dp.h"
#include "tnl_encap.h"

_Static_assert(TNL_MAX_DP_PORTS == PMD_MAX_PORTS, "one underlay map entry "
	       "per datapath port");

/* No cached tx batch in process_burst(): never a megaflow's fast_output
 * (ports are < PMD_MAX_PORTS; MEGAFLOW_NO_FAST_OUTPUT is UINT32_MAX). */
#define PMD_NO_TX_PORT (UINT32_MAX - 1)

/* Frames ahead whose data the parse pass prefetches. */
#define PMD_PREFETCH_AHEAD 4
#define PMD_REUSE_RETRY 8	/* A power of two. */

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

static uint64_t pmd_uids;

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
	pmd->release_seq = UINT64_MAX;
	pmd->uid = __atomic_add_fetch(&pmd_uids, 1, __ATOMIC_RELAXED);
	pmd->rcu_thread_id = index;
	pmd->ports = ports;
	pmd->qs = qs;
	pmd->rxqs = rte_zmalloc_socket("pmd_rxqs", sizeof(*pmd->rxqs),
				       RTE_CACHE_LINE_SIZE, socket);
	if (pmd->rxqs == NULL) {
		rte_free(pmd);
		errno = ENOMEM;
		return NULL;
	}

	snprintf(name, sizeof(name), "upcall_%u", index);
	pmd->upcall_ring = rte_ring_create(name, upcall_ring_size, socket,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "exec_%u", index);
	/* Several producers: the slowpath thread and packet-out. */
	pmd->exec_ring = rte_ring_create(name, upcall_ring_size, socket,
					 RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "sample_%u", index);
	pmd->sample_ring = rte_ring_create_elem(name,
						sizeof(struct pmd_sample),
						PMD_SAMPLE_RING_SIZE, socket,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
	pmd->rng = (uint32_t)rte_rdtsc() ^ (0x9e3779b9u * (lcore_id + 1));
	pmd_budget_init(&pmd->budget, 0, rte_get_tsc_hz());
	if (pmd->rng == 0)
		pmd->rng = 1;
	pmd->emc = emc_create(emc_entries, emc_insert_inv_prob);
	pmd->megaflows = megaflow_table_create(megaflow_max, qs);
	if (pmd->upcall_ring == NULL || pmd->exec_ring == NULL ||
	    pmd->sample_ring == NULL ||
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
pmd_set_upcall_cycle_share(struct pmd *pmd, unsigned share)
{
	pmd_budget_init(&pmd->budget, share, rte_get_tsc_hz());
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
	rte_ring_free(pmd->sample_ring);
	for (unsigned p = 0; p < PMD_MAX_PORTS; p++)
		for (unsigned i = 0; i < pmd->tx[p].n; i++)
			rte_pktmbuf_free(pmd->tx[p].pkts[i]);
	for (unsigned i = 0; i < pmd->n_parked; i++)
		rte_pktmbuf_free(pmd->parked[(pmd->park_head + i) &
					     (PMD_PARK_MAX - 1)].m);
	if (pmd->emc)
		emc_destroy(pmd->emc);
	if (pmd->megaflows)
		megaflow_table_destroy(pmd->megaflows);
	for (uint32_t i = 0; i < pmd->rxqs->n; i++)
		rte_free(pmd->rxqs->q[i]);
	rte_free(pmd->rxqs);
	rte_free(pmd);
}

struct pmd_rxq_list *
pmd_rxq_list_publish(struct pmd *pmd, struct pmd_rxq_list *list)
{
	struct pmd_rxq_list *old = pmd->rxqs;

	__atomic_store_n(&pmd->rxqs, list, __ATOMIC_RELEASE);
	return old;
}

int
pmd_add_rxq(struct pmd *pmd, uint32_t dp_port, uint16_t dpdk_port_id,
	    uint16_t queue_id, uint32_t ofport)
{
	struct pmd_rxq_list *cur = pmd->rxqs, *list;
	struct pmd_rxq *q;

	if (cur->n >= PMD_MAX_RXQS)
		return -ENOSPC;
	q = rte_zmalloc("pmd_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE);
	list = rte_malloc("pmd_rxqs", sizeof(*list), RTE_CACHE_LINE_SIZE);
	if (q == NULL || list == NULL) {
		rte_free(q);
		rte_free(list);
		return -ENOMEM;
	}
	q->dp_port = dp_port;
	q->dpdk_port_id = dpdk_port_id;
	q->queue_id = queue_id;
	q->ofport = ofport;
	*list = *cur;
	list->q[list->n++] = q;
	pmd_rxq_list_publish(pmd, list);
	/* Returns at once while no PMD has registered (before the start). */
	rte_rcu_qsbr_synchronize(pmd->qs, RTE_QSBR_THRID_INVALID);
	rte_free(cur);
	return 0;
}

static void
tx_flush(struct pmd *pmd, uint32_t dp_port)
{
	struct pmd_tx_batch *b = &pmd->tx[dp_port];
	uint16_t sent;

	if (b->n == 0)
		return;
	if (unlikely(__atomic_load_n(&pmd->ports->ports[dp_port].capture,
				     __ATOMIC_RELAXED) & PMD_CAPTURE_TX))
		pmd_capture_burst(pmd, b->pkts, b->n, PMD_CAPTURE_TX);
	sent = rte_eth_tx_burst(pmd->ports->ports[dp_port].dpdk_port_id,
				(uint16_t)pmd->index, b->pkts, b->n);
	PMD_COUNT(pmd, tx_packets, sent);
	if (sent < b->n) {
		PMD_COUNT(pmd, tx_drops, b->n - sent);
		__atomic_store_n(&pmd->port_tx_drops[dp_port],
				 pmd->port_tx_drops[dp_port] + (b->n - sent),
				 __ATOMIC_RELAXED);
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

static inline __attribute__((always_inline)) void
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
static bool
upcall(struct pmd *pmd, struct rte_mbuf *m, enum pmd_upcall_kind kind,
       uint32_t arg)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);

	priv->upcall_kind = kind;
	priv->upcall_arg = arg;
	if (rte_ring_sp_enqueue(pmd->upcall_ring, m) == 0) {
		PMD_COUNT(pmd, upcalls, 1);
		pmd->upcalls_sent = true;
		if (kind == PMD_UPCALL_MISS) {
			PMD_COUNT(pmd, misses, 1);
			pmd->miss_upcalls_sent++;
		}
		return true;
	}
	PMD_COUNT(pmd, lost_upcalls, 1);
	if (kind == PMD_UPCALL_MISS)
		PMD_COUNT(pmd, misses, 1);	/* Looked up all the same. */
	pmd->shed_lost |= pmd->shed_slot_bit;	/* Its queue backs off. */
	rte_pktmbuf_free(m);
	return false;
}

/* A private copy of a packet (data and the mbuf private area's upcall
 * fields), from the packet's own pool. NULL when the pool is empty. */
static struct rte_mbuf *
pkt_copy(struct pmd *pmd, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

	if (unlikely(c == NULL)) {
		PMD_COUNT(pmd, copy_fails, 1);
		return NULL;
	}
	memcpy(pmd_mbuf_priv(c), pmd_mbuf_priv(m),
	       offsetof(struct pmd_mbuf_priv, actions));
	return c;
}

/* Run a header action on the mbuf's first segment. */
static enum dp_hdr_result
mbuf_apply(struct rte_mbuf *m, const struct dp_actions *l,
	   const struct dp_action *a, uint8_t remark)
{
	struct dp_buf b = {
		.data = rte_pktmbuf_mtod(m, uint8_t *),
		.len = rte_pktmbuf_data_len(m),
		.headroom = rte_pktmbuf_headroom(m),
	};
	enum dp_hdr_result r;

	r = a != NULL ? dp_packet_apply(&b, l, a) :
			dp_packet_dscp_remark(&b, remark);
	if (r == DP_HDR_OK && b.len != rte_pktmbuf_data_len(m)) {
		int32_t delta;

		/* A pop moves the start, never the end: the room after the
		 * frame is the mbuf's (one segment: a short frame has one). */
		if (unlikely(b.len < DP_ETH_MIN_LEN) &&
		    b.len < rte_pktmbuf_data_len(m) && m->nb_segs == 1)
			dp_packet_pad_short(&b, rte_pktmbuf_tailroom(m));
		delta = (int32_t)b.len - (int32_t)m->data_len;

		m->data_off = (uint16_t)(b.data - (uint8_t *)m->buf_addr);
		m->data_len = (uint16_t)b.len;
		m->pkt_len = (uint32_t)((int32_t)m->pkt_len + delta);
	}
	return r;
}

/* A packet-in action (UPCALL, or an expired DEC_*_TTL): the packet goes
 * up with the action's reason and struct dp_upcall_info. */
static void
upcall_action(struct pmd *pmd, struct rte_mbuf *m,
	      const struct dp_actions *l, const struct dp_action *a)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);
	struct dp_upcall_info u;

	dp_actions_get_upcall_info(l, a, &u);
	priv->upcall_reason = a->sub;
	priv->upcall_table_id = u.table_id;
	priv->upcall_cookie = u.cookie;
	priv->upcall_metadata = u.metadata;
	priv->upcall_tunnel_id = u.tunnel_id;
	priv->upcall_tun_src = u.tun_src;
	priv->upcall_tun_dst = u.tun_dst;
	priv->upcall_in_phy_port = u.in_phy_port;
	upcall(pmd, m, PMD_UPCALL_ACTION, u.arg);
}

/* The flow hash of a packet the interpreter encapsulates: its key parsed
 * again, so that its UDP source port is the one the fast path gives the
 * rest of its flow (tnl_encap_flow_hash()). */
static uint32_t
pkt_flow_hash(struct rte_mbuf *m)
{
	struct flow_key k;
	uint32_t map;

	flow_parse_fast(rte_pktmbuf_mtod(m, const void *),
			rte_pktmbuf_data_len(m), 0, &k, &map);
	return tnl_encap_flow_hash(&k);
}

/* DP_ACTION_TNL_PUSH: prepend the outer header. false: m was dropped
 * (counted) and freed. */
static bool
tnl_exec_push(struct pmd *pmd, struct rte_mbuf *m, const struct dp_actions *l,
	      const struct dp_action *a)
{
	struct tnl_push p;
	struct dp_buf b = {
		.data = rte_pktmbuf_mtod(m, uint8_t *),
		.len = rte_pktmbuf_data_len(m),
		.headroom = rte_pktmbuf_headroom(m),
	};
	enum dp_hdr_result r;
	struct tnl_pmd_port_stats *st;

	if (unlikely(!tnl_actions_get_push(l, a, &p) ||
		     p.port >= TNL_MAX_PORTS || m->nb_segs != 1)) {
		PMD_COUNT(pmd, action_drops, 1);
		rte_pktmbuf_free(m);
		return false;
	}
	st = &pmd->tnl_stats.port[p.port];
	r = tnl_push(&b, &p, pkt_flow_hash(m));
	if (unlikely(r != DP_HDR_OK)) {
		TNL_COUNT(st->drops[r == DP_HDR_NO_ROOM ? TNL_DROP_NO_ROOM :
				    TNL_DROP_MTU], 1);
		rte_pktmbuf_free(m);
		return false;
	}
	m->data_off = (uint16_t)(b.data - (uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)b.len;
	m->pkt_len = b.len;
	TNL_COUNT(st->tx_packets, 1);
	TNL_COUNT(st->tx_bytes, b.len);
	return true;
}

/* Execute actions [start, end) of l on m (consumed). Blocks nest at most
 * DP_ACTIONS_MAX deep. */
static void
exec_range(struct pmd *pmd, struct rte_mbuf *m, const struct dp_actions *l,
	   unsigned start, unsigned end)
{
	for (unsigned i = start; i < end; i++) {
		const struct dp_action *a = &l->a[i];
		unsigned next = a->type == DP_ACTION_CLONE ? i + 1 + a->arg :
			       i + 1;
		bool last = next >= end;
		struct rte_mbuf *c;
		enum dp_hdr_result r;
		uint8_t prec = 0;

		switch (a->type) {
		case DP_ACTION_OUTPUT:
			if (last) {
				tx_enqueue(pmd, a->arg, m);
				return;
			}
			if (a->flags & DP_ACT_F_COPY) {
				c = pkt_copy(pmd, m);
				if (c != NULL)
					tx_enqueue(pmd, a->arg, c);
			} else {
				rte_mbuf_refcnt_update(m, 1);
				tx_enqueue(pmd, a->arg, m);
			}
			break;
		case DP_ACTION_UPCALL:
			if (last) {
				upcall_action(pmd, m, l, a);
				return;
			}
			c = pkt_copy(pmd, m);
			if (c != NULL)
				upcall_action(pmd, c, l, a);
			break;
		case DP_ACTION_CLONE:
			if (next > end)
				goto drop;
			if (last && (!(a->flags & DP_ACT_F_COPY) ||
				     rte_mbuf_refcnt_read(m) == 1)) {
				/* The packet's last use: no copy needed unless
				 * the block rewrites a packet an earlier
				 * output still holds. */
				exec_range(pmd, m, l, i + 1, next);
				return;
			}
			if (a->flags & DP_ACT_F_COPY) {
				c = pkt_copy(pmd, m);
				if (c != NULL)
					exec_range(pmd, c, l, i + 1, next);
			} else {
				rte_mbuf_refcnt_update(m, 1);
				exec_range(pmd, m, l, i + 1, next);
			}
			i = next - 1;
			break;
		case DP_ACTION_TNL_PUSH:
			if (unlikely(!tnl_exec_push(pmd, m, l, a)))
				return;
			break;
		case DP_ACTION_TNL_DROP:
			if (a->sub < TNL_DROP_N && a->arg < TNL_MAX_PORTS)
				TNL_COUNT(pmd->tnl_stats.port[a->arg]
					  .drops[a->sub], 1);
			rte_pktmbuf_free(m);
			return;
		case DP_ACTION_METER:
			switch (dp_meter_apply(a->arg, rte_pktmbuf_pkt_len(m),
					       pmd->now_tsc, &prec)) {
			case DP_METER_DROP:
				PMD_COUNT(pmd, meter_drops, 1);
				rte_pktmbuf_free(m);
				return;
			case DP_METER_REMARK:
				mbuf_apply(m, l, NULL, prec);
				break;
			default:
				break;
			}
			break;
		default:
			r = mbuf_apply(m, l, a, 0);
			if (likely(r == DP_HDR_OK))
				break;
			if (r == DP_HDR_TTL_EXPIRED) {
				if (a->flags & DP_ACT_F_TTL_UPCALL) {
					upcall_action(pmd, m, l, a);
				} else {
					PMD_COUNT(pmd, ttl_drops, 1);
					rte_pktmbuf_free(m);
				}
				return;
			}
			PMD_COUNT(pmd, action_skips, 1);
			break;
		}
	}
	/* The list ended without a last output: nothing more to do. */
	rte_pktmbuf_free(m);
	return;
drop:
	PMD_COUNT(pmd, action_drops, 1);
	rte_pktmbuf_free(m);
}

void
pmd_execute(struct pmd *pmd, struct rte_mbuf *m,
	    const struct dp_actions *actions, uint32_t in_dp_port)
{
	unsigned n = actions->n;

	(void)in_dp_port;
	if (unlikely(n == 0 || n > DP_ACTIONS_MAX)) {
		PMD_COUNT(pmd, action_drops, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (likely(n == 1 && actions->a[0].type == DP_ACTION_OUTPUT)) {
		tx_enqueue(pmd, actions->a[0].arg, m);
		return;
	}
	exec_range(pmd, m, actions, 0, n);
}

/* The stall slot of an rx queue: queues that share one keep their order
 * together (harmless, only slower). */
static inline uint16_t
rxq_slot(const struct pmd_rxq *q)
{
	return (uint16_t)(((q->dp_port << 2) ^ q->queue_id) &
			  (PMD_STALL_SLOTS - 1));
}

/* True while packets of a slot must wait behind an earlier miss: one of
 * them is parked, or a miss upcall of the slot went up since the exec
 * ring was last drained. Only the snapshot taken before that drain is
 * trusted: a later "done" may belong to a packet that sits on the exec
 * ring still. */
static inline bool
slot_stalled(const struct pmd *pmd, uint16_t slot)
{
	return pmd->stall[slot].n_parked > 0 ||
	       pmd->stall[slot].seq > pmd->done_snapshot;
}

/* A miss of a slot goes up: the slot's packets wait behind it. */
static inline void
upcall_miss(struct pmd *pmd, struct rte_mbuf *m, uint16_t slot)
{
	if (upcall(pmd, m, PMD_UPCALL_MISS, 0))
		pmd->stall[slot].seq = pmd->miss_upcalls_sent;
}

static void
park(struct pmd *pmd, struct rte_mbuf *m, const struct flow_key *key,
     uint32_t hash, uint32_t map, uint16_t slot)
{
	struct pmd_parked *p;

	if (unlikely(pmd->n_parked == PMD_PARK_MAX)) {
		/* Waiting room full (the rx hold in pmd_main() keeps room
		 * for a burst: a safety net): drop it. Sending it up instead
		 * could overtake an earlier packet of its flow. */
		PMD_COUNT(pmd, park_overflows, 1);
		pmd->shed_lost |= UINT64_C(1) << slot;
		rte_pktmbuf_free(m);
		return;
	}
	p = &pmd->parked[(pmd->park_head + pmd->n_parked++) &
			 (PMD_PARK_MAX - 1)];
	p->m = m;
	p->hash = hash;
	p->map = map;
	p->slot = slot;
	p->key = *key;
	pmd->stall[slot].n_parked++;
	pmd->parked_slots |= UINT64_C(1) << slot;
	if (pmd->stall[slot].seq < pmd->release_seq)
		pmd->release_seq = pmd->stall[slot].seq;
	PMD_COUNT(pmd, parked, 1);
}

/* A miss (or a packet behind one): send it up unless it has to wait
 * behind an earlier one of its slot. */
static void
handle_miss(struct pmd *pmd, const struct pmd_rxq *q, struct rte_mbuf *m,
	    const struct flow_key *key, uint32_t hash, uint32_t map,
	    bool stalled)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);
	uint16_t slot = rxq_slot(q);

	priv->in_port = key->in_port;	/* A tunnel port's, or q's. */
	priv->in_dp_port = q->dp_port;
	priv->tun_id = key->tunnel_id;
	priv->tun_src = key->tun_src;
	priv->tun_dst = key->tun_dst;
	priv->in_phy_port = key->in_phy_port;
	if (unlikely(pmd_budget_denied(&pmd->budget))) {
		/* Misses took their share while cached traffic waits: not
		 * sent up, and the queue backs off (pmd_budget.h). Dropping
		 * a packet reorders nothing. */
		PMD_COUNT(pmd, lost_upcalls, 1);
		PMD_COUNT(pmd, upcall_budget_drops, 1);
		pmd->shed_lost |= UINT64_C(1) << slot;
		rte_pktmbuf_free(m);
		return;
	}
	if (!stalled && !slot_stalled(pmd, slot))
		upcall_miss(pmd, m, slot);
	else
		park(pmd, m, key, hash, map, slot);
}

static inline void
megaflow_hit(struct pmd *pmd, struct megaflow *mf, uint32_t n_pkts,
	     uint64_t len)
{
	__atomic_store_n(&mf->n_packets, mf->n_packets + n_pkts,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&mf->n_bytes, mf->n_bytes + len, __ATOMIC_RELAXED);
	if (mf->last_used_ms != pmd->now_ms)
		__atomic_store_n(&mf->last_used_ms, pmd->now_ms,
				 __ATOMIC_RELAXED);
}

/* The megaflow the previous burst of this rx queue ended on, if it is
 * still installed and the check paid off: a burst where fewer than half
 * the packets matched it turns the check off, except on one burst in
 * PMD_REUSE_RETRY. Per queue, so that bursts of other queues in between
 * (another port's traffic) do not hide it. The pointer may outlive a grace
 * period: the slot is never unmapped and its serial changes on removal, as
 * for the EMC's references; a queue that moved from another PMD ignores
 * what it remembered there. */
static inline struct megaflow *
last_megaflow(const struct pmd *pmd, struct pmd_rxq *q)
{
	struct megaflow *mf = q->last_mf;

	if (mf == NULL || q->last_mf_pmd != pmd->uid ||
	    !megaflow_ref_valid(mf, q->last_mf_serial))
		return NULL;
	if (q->last_mf_off &&
	    (++q->last_mf_tries & (PMD_REUSE_RETRY - 1)) != 0)
		return NULL;
	return mf;
}

static inline void
remember_megaflow(const struct pmd *pmd, struct pmd_rxq *q,
		  const struct megaflow *tried, unsigned reused, unsigned n,
		  struct megaflow *last)
{
	if (tried != NULL)
		q->last_mf_off = reused * 2 < n;
	if (last != NULL && (last != q->last_mf || q->last_mf_pmd != pmd->uid)) {
		/* Serial first, then liveness: a megaflow removed since it
		 * was found is not remembered (as emc_insert_map()). */
		uint32_t serial = megaflow_serial(last);

		if (__atomic_load_n(&last->live, __ATOMIC_ACQUIRE)) {
			q->last_mf = last;
			q->last_mf_pmd = pmd->uid;
			q->last_mf_serial = serial;
		}
	}
}

/* A burst on its way through the caches. */
struct burst {
	uint16_t n;
	bool probe;		/* The EMC is probed for this burst. */
	struct megaflow *last;	/* last_megaflow(), or NULL. */
	unsigned reused;	/* Packets that matched last. */
	unsigned misses;	/* Packets found in no cache. */
	uint64_t bytes;		/* Of all n packets. */
	struct flow_key keys[PMD_BURST];
	uint32_t maps[PMD_BURST];	/* The parser's word maps. */
	uint32_t hashes[PMD_BURST];	/* EMC hashes (probed bursts, misses). */
	bool same[PMD_BURST];	/* Same key as the packet before it. */
	bool reuse[PMD_BURST];	/* Matched last. */
	struct megaflow *found[PMD_BURST];	/* NULL: a miss. */
	/* Underlay ports only (else NULL): what tnl_rx() popped. */
	const struct tnl_rx_meta *tnl;
	struct tnl_rx_meta tnl_meta[PMD_BURST];
};

/* Parse every packet; a packet of the same flow as the one before it (a
 * train) takes its lookup result later, one that matches the last burst's
 * megaflow needs no lookup; the others are hashed and their EMC slots
 * prefetched when the EMC is probed. */
static inline void
burst_parse(struct pmd *pmd, const struct pmd_rxq *q, struct rte_mbuf **pkts,
	    struct burst *bt)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < bt->n && i < PMD_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < bt->n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct flow_key *k = &bt->keys[i];
		enum flow_parse_result r;

		if (i + PMD_PREFETCH_AHEAD < bt->n)
			rte_prefetch0(rte_pktmbuf_mtod(
				pkts[i + PMD_PREFETCH_AHEAD], void *));
		r = flow_parse_fast(rte_pktmbuf_mtod(m, const void *),
				    rte_pktmbuf_data_len(m), q->ofport, k,
				    &bt->maps[i]);
		if (unlikely(r != FLOW_PARSE_OK))
			PMD_COUNT(pmd, parse_errors[r], 1);
		if (unlikely(bt->tnl != NULL) && bt->tnl[i].tunnel) {
			k->in_port = bt->tnl[i].in_port;
			k->tunnel_id = bt->tnl[i].tun_id;
			k->tun_src = bt->tnl[i].tun_src;
			k->tun_dst = bt->tnl[i].tun_dst;
			k->in_phy_port = flow_phy_port_16(q->ofport);
			bt->maps[i] |= FLOW_MAP_TUNNEL;
		}
		bytes += rte_pktmbuf_pkt_len(m);
		bt->same[i] = i > 0 && bt->maps[i] == bt->maps[i - 1] &&
			      flow_key_map_equal(k, &bt->keys[i - 1],
						 bt->maps[i]);
		if (bt->same[i]) {
			bt->hashes[i] = bt->probe ? bt->hashes[i - 1] : 0;
			bt->reuse[i] = bt->reuse[i - 1];
			bt->reused += bt->reuse[i];
			continue;
		}
		bt->reuse[i] = bt->last != NULL &&
			       megaflow_matches(bt->last, k);
		if (bt->reuse[i]) {
			bt->hashes[i] = 0;
			bt->reused++;
			continue;
		}
		if (bt->probe) {
			bt->hashes[i] = emc_hash_map(k, bt->maps[i]);
			emc_prefetch(pmd->emc, bt->hashes[i]);
		}
	}
	bt->bytes = bytes;
	PMD_COUNT(pmd, packets, bt->n);
	PMD_COUNT(pmd, bytes, bytes);
	if (unlikely(!bt->probe))
		PMD_COUNT(pmd, emc_bypassed, bt->n);
}

/* found[] for every packet: the last burst's megaflow, the EMC (when
 * probed), then the megaflow classifier for what is left; NULL for a
 * miss, whose hash is then set (parking compares it). */
static inline void
burst_lookup(struct pmd *pmd, struct burst *bt)
{
	const struct flow_key *miss_keys[PMD_BURST];
	struct megaflow *mf_out[PMD_BURST];
	uint16_t miss_idx[PMD_BURST];
	unsigned n_miss = 0, emc_hits = 0, mf_hits = 0;
	unsigned emc_probes = 0, emc_probe_hits = 0;
	uint64_t probes = 0;

	for (uint16_t i = 0; i < bt->n; i++) {
		if (bt->reuse[i]) {
			bt->found[i] = bt->last;
			continue;
		}
		if (!bt->probe) {
			/* Bypassed: a train follows its first packet,
			 * below. */
			bt->found[i] = NULL;
			if (bt->same[i])
				continue;
		} else if (bt->same[i] && bt->found[i - 1] != NULL) {
			bt->found[i] = bt->found[i - 1];
			emc_hits++;
			continue;
		} else {
			bt->found[i] = emc_lookup_map(pmd->emc, &bt->keys[i],
						      bt->hashes[i],
						      bt->maps[i]);
			emc_probes++;
			if (bt->found[i] != NULL) {
				rte_prefetch0(bt->found[i]);
				emc_hits++;
				emc_probe_hits++;
				continue;
			}
		}
		miss_idx[n_miss] = i;
		miss_keys[n_miss++] = &bt->keys[i];
	}
	if (n_miss > 0) {
		megaflow_lookup_burst_probes(pmd->megaflows, miss_keys, n_miss,
					     mf_out, &probes);
		for (unsigned j = 0; j < n_miss; j++) {
			uint16_t i = miss_idx[j];

			bt->found[i] = mf_out[j];
			if (bt->found[i] == NULL)
				continue;
			mf_hits++;
			if (bt->probe)
				emc_insert_map(pmd->emc, &bt->keys[i],
					       bt->hashes[i], bt->maps[i],
					       bt->found[i]);
		}
	}
	if (likely(bt->probe)) {
		emc_account(pmd->emc, emc_probes, emc_probe_hits);
	} else {
		for (uint16_t i = 1; i < bt->n; i++)
			if (bt->same[i] && !bt->reuse[i] &&
			    bt->found[i - 1] != NULL) {
				bt->found[i] = bt->found[i - 1];
				mf_hits++;
			}
		for (uint16_t i = 0; i < bt->n; i++)
			if (bt->found[i] == NULL)
				bt->hashes[i] = emc_hash_map(&bt->keys[i],
							     bt->maps[i]);
	}
	PMD_COUNT(pmd, emc_hits, emc_hits);
	pmd->rx_hits += emc_hits + mf_hits + bt->reused;
	bt->misses = bt->n - (emc_hits + mf_hits + bt->reused);
	if (mf_hits + bt->reused) {
		PMD_COUNT(pmd, megaflow_hits, mf_hits + bt->reused);
		PMD_COUNT(pmd, megaflow_reused, bt->reused);
		PMD_COUNT(pmd, subtable_lookups, probes);
	}
}

/* The encapsulation fast path (tnl_encap.h): prepend the run's outer
 * header to m. false: m was dropped (counted) and freed. */
static inline bool
tnl_encap_mbuf(struct pmd *pmd, struct rte_mbuf *m, const struct tnl_encap *e,
	       uint32_t hash)
{
	uint32_t len = rte_pktmbuf_data_len(m);

	if (unlikely(m->nb_segs != 1 || m->data_off < TNL_OUTER_LEN ||
		     len > e->max_len)) {
		if (m->nb_segs != 1)
			PMD_COUNT(pmd, action_drops, 1);
		else
			TNL_COUNT(pmd->tnl_stats.port[e->port].drops[
				  len > e->max_len ? TNL_DROP_MTU :
				  TNL_DROP_NO_ROOM], 1);
		rte_pktmbuf_free(m);
		return false;
	}
	m->data_off = (uint16_t)(m->data_off - TNL_OUTER_LEN);
	m->data_len = (uint16_t)(len + TNL_OUTER_LEN);
	m->pkt_len = len + TNL_OUTER_LEN;
	tnl_encap_write(rte_pktmbuf_mtod(m, uint8_t *), e->hdr, e->csum_base,
			len, hash);
	return true;
}

/* A run of encapsulated packets: the tunnel port's tx counters. */
static inline void
tnl_encap_count(struct pmd *pmd, const struct tnl_encap *e, uint32_t n,
		uint64_t bytes)
{
	struct tnl_pmd_port_stats *st = &pmd->tnl_stats.port[e->port];

	if (n != 0) {
		TNL_COUNT(st->tx_packets, n);
		TNL_COUNT(st->tx_bytes, bytes);
	}
}

/* Execute the hits, in order: runs of one megaflow are counted once,
 * single-output megaflows go straight into the tx batch (tunnel push
 * megaflows too, after their outer header, see tnl_encap.h), the others
 * through the action interpreter; misses go up (or wait). */
static inline void
burst_execute(struct pmd *pmd, const struct pmd_rxq *q,
	      struct rte_mbuf **pkts, struct burst *bt)
{
	struct megaflow *run = NULL;
	uint64_t run_bytes = 0;
	uint32_t run_pkts = 0;
	struct pmd_tx_batch *b = NULL;	/* The batch of tx_port ... */
	uint32_t tx_port = PMD_NO_TX_PORT;	/* ... a valid port. */
	uint16_t bn = 0;		/* b->n while b is cached. */
	/* The run's push template (run_enc), what it sent, and the last
	 * flow hash taken (of packet enc_hash_i: a train of the same key
	 * takes it once). */
	struct tnl_encap enc = { 0 };
	bool run_enc = false;
	uint32_t enc_pkts = 0, enc_hash = 0;
	uint64_t enc_bytes = 0;
	int enc_hash_i = -2;

	for (uint16_t i = 0; i < bt->n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct megaflow *mf = bt->found[i];

		if (unlikely(mf == NULL)) {
			handle_miss(pmd, q, m, &bt->keys[i], bt->hashes[i],
				    bt->maps[i], false);
			continue;
		}
		if (mf != run) {
			if (run != NULL)
				megaflow_hit(pmd, run, run_pkts, run_bytes);
			if (unlikely(run_enc))
				tnl_encap_count(pmd, &enc, enc_pkts,
						enc_bytes);
			run = mf;
			run_pkts = 0;
			run_bytes = 0;
			run_enc = mf->fast_push != 0;
			if (unlikely(run_enc)) {
				tnl_encap_load(&enc, &mf->actions,
					       mf->fast_push - 1u);
				enc_pkts = 0;
				enc_bytes = 0;
			}
		}
		run_pkts++;
		run_bytes += rte_pktmbuf_pkt_len(m);
		if (unlikely(run_enc)) {
			uint32_t h;

			if (bt->same[i] && enc_hash_i == (int)i - 1)
				h = enc_hash;
			else
				h = tnl_encap_flow_hash(&bt->keys[i]);
			enc_hash = h;
			enc_hash_i = i;
			if (unlikely(!tnl_encap_mbuf(pmd, m, &enc, h)))
				continue;
			enc_pkts++;
			enc_bytes += rte_pktmbuf_pkt_len(m);
		}
		if (likely(b != NULL && mf->fast_output == tx_port)) {
			b->pkts[bn++] = m;
			if (unlikely(bn == PMD_BURST)) {
				b->n = bn;
				tx_flush(pmd, tx_port);
				bn = 0;
			}
		} else if (mf->fast_output != MEGAFLOW_NO_FAST_OUTPUT &&
			   mf->fast_output < pmd->ports->n_ports &&
			   pmd->ports->ports[mf->fast_output].in_use) {
			if (b != NULL)
				b->n = bn;
			tx_port = mf->fast_output;
			b = &pmd->tx[tx_port];
			bn = b->n;
			b->pkts[bn++] = m;
			if (unlikely(bn == PMD_BURST)) {
				b->n = bn;
				tx_flush(pmd, tx_port);
				bn = 0;
			}
		} else {
			if (b != NULL) {
				b->n = bn;	/* The interpreter may use it. */
				b = NULL;
				tx_port = PMD_NO_TX_PORT;
			}
			if (unlikely(run_enc)) {
				/* Pushed; its port is gone: counted. */
				tx_enqueue(pmd, mf->fast_output, m);
				continue;
			}
			struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);

			priv->in_port = bt->keys[i].in_port;
			priv->in_dp_port = q->dp_port;
			pmd_execute(pmd, m, &mf->actions, q->dp_port);
		}
	}
	if (b != NULL)
		b->n = bn;
	if (run != NULL)
		megaflow_hit(pmd, run, run_pkts, run_bytes);
	if (unlikely(run_enc))
		tnl_encap_count(pmd, &enc, enc_pkts, enc_bytes);
}

/* A burst whose every packet matched the megaflow the queue's last burst
 * ended on (the usual case of a port whose traffic all takes one path):
 * one count for the megaflow, the packets appended to the output's tx
 * batch as a block (after their outer header when the megaflow pushes a
 * tunnel, tnl_encap.h). Does what burst_execute() would, with no
 * per-packet run bookkeeping. false: mf has no fast output (nothing
 * done; burst_execute() runs the burst). */
static inline bool
burst_execute_uniform(struct pmd *pmd, struct rte_mbuf **pkts,
		      struct burst *bt, struct megaflow *mf)
{
	uint32_t out = mf->fast_output;
	struct rte_mbuf *ok[PMD_BURST];	/* Encapsulated (not dropped). */
	struct rte_mbuf **send = pkts;
	uint16_t n = bt->n, n_send = n;

	if (out == MEGAFLOW_NO_FAST_OUTPUT || out >= pmd->ports->n_ports ||
	    !pmd->ports->ports[out].in_use)
		return false;
	megaflow_hit(pmd, mf, n, bt->bytes);
	if (unlikely(mf->fast_push != 0)) {
		struct tnl_encap enc;
		uint64_t bytes = 0;
		uint32_t h = 0;

		tnl_encap_load(&enc, &mf->actions, mf->fast_push - 1u);
		n_send = 0;
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];

			if (!bt->same[i] || i == 0)
				h = tnl_encap_flow_hash(&bt->keys[i]);
			if (unlikely(!tnl_encap_mbuf(pmd, m, &enc, h)))
				continue;
			bytes += rte_pktmbuf_pkt_len(m);
			ok[n_send++] = m;
		}
		tnl_encap_count(pmd, &enc, n_send, bytes);
		send = ok;
	}
	struct pmd_tx_batch *b = &pmd->tx[out];

	while (n_send > 0) {
		uint16_t room = (uint16_t)(PMD_BURST - b->n);
		uint16_t k = n_send < room ? n_send : room;

		memcpy(&b->pkts[b->n], send, k * sizeof(send[0]));
		b->n = (uint16_t)(b->n + k);
		send += k;
		n_send = (uint16_t)(n_send - k);
		if (b->n == PMD_BURST)
			tx_flush(pmd, out);
	}
	return true;
}

/* A burst from the underlay port of endpoint ep: pop the tunnel packets
 * for the endpoint (meta[] says which, for the parser), answer ARP
 * requests for it, hand ARP replies to the slowpath, drop and count what
 * else is addressed to it; frames for other hosts stay as they are.
 * Compacts pkts; returns how many are left to switch. */
static uint16_t
tnl_rx(struct pmd *pmd, const struct tnl_dp_table *t, unsigned ep,
       const struct pmd_rxq *q, struct rte_mbuf **pkts, uint16_t n,
       struct tnl_rx_meta *meta)
{
	struct tnl_pmd_ep_stats *es = &pmd->tnl_stats.ep[ep];
	uint16_t keep = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct tnl_rx_meta *mt = &meta[keep];
		enum tnl_drop_reason why = TNL_DROP_TRUNC;
		uint32_t outer = 0;

		switch (tnl_rx_classify(t, ep, rte_pktmbuf_mtod(m, uint8_t *),
					rte_pktmbuf_data_len(m), mt, &outer,
					&why)) {
		case TNL_RX_PASS:
			pkts[keep++] = m;
			break;
		case TNL_RX_DECAP:
			rte_pktmbuf_adj(m, (uint16_t)outer);
			if (rte_pktmbuf_pkt_len(m) > mt->inner_len)
				rte_pktmbuf_trim(m, (uint16_t)(
					rte_pktmbuf_pkt_len(m) -
					mt->inner_len));
			TNL_COUNT(pmd->tnl_stats.port[mt->port].rx_packets, 1);
			TNL_COUNT(pmd->tnl_stats.port[mt->port].rx_bytes,
				  mt->inner_len);
			pkts[keep++] = m;
			break;
		case TNL_RX_ARP_REPLIED:
			TNL_COUNT(es->arp_replied, 1);
			tx_enqueue(pmd, q->dp_port, m);
			break;
		case TNL_RX_ARP_UP:
			TNL_COUNT(es->arp_up, 1);
			upcall(pmd, m, PMD_UPCALL_TNL_ARP, ep);
			break;
		case TNL_RX_DROP:
			TNL_COUNT(es->drops[why], 1);
			rte_pktmbuf_free(m);
			break;
		}
	}
	return keep;
}

/* Observers of received packets (sFlow, capture): one predictable branch
 * per burst while the port has none. */
static inline void
observe_rx(struct pmd *pmd, struct pmd_rxq *q, struct rte_mbuf **pkts,
	   struct megaflow *const *found, uint16_t n)
{
	const struct pmd_port *pp = &pmd->ports->ports[q->dp_port];
	uint32_t rate = __atomic_load_n(&pp->sample_rate, __ATOMIC_RELAXED);
	uint32_t cap = __atomic_load_n(&pp->capture, __ATOMIC_RELAXED);

	if (unlikely((rate | cap) != 0)) {
		if (rate != 0)
			pmd_observe_rx(pmd, q, pkts, found, n, rate);
		if (cap & PMD_CAPTURE_RX)
			pmd_capture_burst(pmd, pkts, n, PMD_CAPTURE_RX);
	}
}

/* One received burst: parse, look up (last burst's megaflow, EMC,
 * megaflow classifier), execute hits and send misses up (see the top of
 * the file). While an earlier miss is in flight, the whole burst waits
 * behind it. t0: the TSC before the rx call when the queue's last burst
 * had misses (else 0): a burst with misses is then charged to the miss
 * budget whole (rx, parse, lookup, execute), otherwise from its execute
 * pass. */
static void
process_burst(struct pmd *pmd, struct pmd_rxq *q,
	      struct rte_mbuf **pkts, uint16_t n, uint64_t t0)
{
	struct burst bt;
	const struct tnl_dp_table *tt = tnl_dp_table_get();

	pmd->shed_slot_bit = UINT64_C(1) << rxq_slot(q);
	bt.tnl = NULL;
	if (unlikely(tt != NULL) && q->dp_port < TNL_MAX_DP_PORTS &&
	    tt->ep_of_dp_port[q->dp_port] != 0) {
		n = tnl_rx(pmd, tt, tt->ep_of_dp_port[q->dp_port] - 1u, q,
			   pkts, n, bt.tnl_meta);
		if (n == 0)
			return;
		bt.tnl = bt.tnl_meta;
	}
	bt.n = n;
	bt.reused = 0;
	/* Probe the EMC for this burst? When not (bypassed, see emc.h), no
	 * key is hashed until it misses the megaflows too. */
	bt.probe = emc_probe_burst(pmd->emc);
	bt.last = last_megaflow(pmd, q);
	burst_parse(pmd, q, pkts, &bt);
	if (unlikely(slot_stalled(pmd, rxq_slot(q)))) {
		/* Behind a miss: no lookup, wait in order. */
		if (t0 == 0)
			t0 = rte_rdtsc();
		q->miss_burst = true;
		observe_rx(pmd, q, pkts, NULL, n);
		for (uint16_t i = 0; i < n; i++) {
			if (!bt.probe || bt.reuse[i])
				bt.hashes[i] = emc_hash_map(&bt.keys[i],
							    bt.maps[i]);
			handle_miss(pmd, q, pkts[i], &bt.keys[i],
				    bt.hashes[i], bt.maps[i], true);
		}
		pmd_budget_spend(&pmd->budget, rte_rdtsc() - t0);
		return;
	}
	burst_lookup(pmd, &bt);
	remember_megaflow(pmd, q, bt.last, bt.reused, n, bt.found[n - 1]);
	observe_rx(pmd, q, pkts, bt.found, n);
	q->miss_burst = bt.misses != 0;
	if (likely(bt.misses == 0)) {
		if (bt.reused != n ||
		    !burst_execute_uniform(pmd, pkts, &bt, bt.last))
			burst_execute(pmd, q, pkts, &bt);
	} else {
		/* The miss budget's measure (pmd_budget.h): the burst's
		 * hits are a small part of it. */
		if (t0 == 0) {
			t0 = rte_rdtsc();
			burst_execute(pmd, q, pkts, &bt);
			pmd_budget_spend(&pmd->budget, rte_rdtsc() - t0);
		} else {
			/* Measured whole: the misses' share of it (the
			 * hits of a mixed queue are not miss work). */
			burst_execute(pmd, q, pkts, &bt);
			pmd_budget_spend(&pmd->budget, (rte_rdtsc() - t0) *
					 bt.misses / n);
		}
	}
}

/* A key process_parked() sent up in this pass. */
struct parked_sent {
	uint32_t hash;
	uint32_t map;
	struct flow_key key;
};

static bool
parked_behind(const struct parked_sent *sent, unsigned n,
	      const struct pmd_parked *p)
{
	for (unsigned i = 0; i < n; i++)
		if (sent[i].hash == p->hash && sent[i].map == p->map &&
		    flow_key_map_equal(&sent[i].key, &p->key, p->map))
			return true;
	return false;
}

/* Once a slot's miss upcalls are done, look its waiting misses up again:
 * the megaflows just installed cover most of them. Order is kept per
 * flow and slot: packets of a slot whose upcalls are still in flight stay;
 * the first packet of each still-missing flow goes up (up to
 * PMD_PARKED_UPCALLS flows in a pass, so a stream of new flows is set up
 * in parallel) and the packets of those flows behind it stay; once the
 * limit is reached the pass stops and everything behind stays where it
 * is, its slot waiting for the upcalls just sent. The pass costs what it
 * reaches, not the whole room. */
static unsigned
process_parked(struct pmd *pmd)
{
	struct parked_sent sent[PMD_PARKED_UPCALLS];
	const uint64_t done = pmd->done_snapshot;
	const uint32_t mask = PMD_PARK_MAX - 1, head = pmd->park_head;
	unsigned n = pmd->n_parked, i, w, hits = 0, n_sent = 0, released = 0;
	uint64_t inflight = 0, slots;

	if (n == 0 || done < pmd->release_seq)
		return 0;
	for (slots = pmd->parked_slots; slots; slots &= slots - 1) {
		unsigned s = (unsigned)__builtin_ctzll(slots);

		if (pmd->stall[s].seq > done)
			inflight |= UINT64_C(1) << s;
	}
	for (i = 0; i < n && n_sent < PMD_PARKED_UPCALLS; i++) {
		struct pmd_parked *p = &pmd->parked[(head + i) & mask];
		struct pmd_mbuf_priv *priv;
		struct megaflow *mf;

		if ((inflight >> p->slot) & 1 ||
		    parked_behind(sent, n_sent, p))
			continue;
		priv = pmd_mbuf_priv(p->m);
		pmd->shed_slot_bit = UINT64_C(1) << p->slot;
		mf = megaflow_lookup(pmd->megaflows, &p->key);
		if (mf != NULL) {
			hits++;
			emc_insert_map(pmd->emc, &p->key, p->hash, p->map, mf);
			megaflow_hit(pmd, mf, 1, rte_pktmbuf_pkt_len(p->m));
			pmd_execute(pmd, p->m, &mf->actions, priv->in_dp_port);
		} else {
			sent[n_sent].hash = p->hash;
			sent[n_sent].map = p->map;
			sent[n_sent].key = p->key;
			n_sent++;
			upcall_miss(pmd, p->m, p->slot);
		}
		p->m = NULL;
		released++;
		if (--pmd->stall[p->slot].n_parked == 0)
			pmd->parked_slots &= ~(UINT64_C(1) << p->slot);
	}
	/* Close the gaps: the entries kept among the first i move up
	 * against the unvisited rest, in order. */
	w = i;
	for (unsigned j = i; j-- > 0;) {
		struct pmd_parked *p = &pmd->parked[(head + j) & mask];

		if (p->m == NULL)
			continue;
		if (--w != j)
			pmd->parked[(head + w) & mask] = *p;
	}
	pmd->park_head = (head + w) & mask;
	pmd->n_parked = n - released;
	/* Slots with packets left that are not behind an upcall in flight
	 * (the pass stopped before them) wait for the upcalls just sent. */
	pmd->release_seq = UINT64_MAX;
	pmd->uid = __atomic_add_fetch(&pmd_uids, 1, __ATOMIC_RELAXED);
	for (slots = pmd->parked_slots; slots; slots &= slots - 1) {
		struct pmd_stall *st =
			&pmd->stall[__builtin_ctzll(slots)];

		if (st->seq <= done)
			st->seq = pmd->miss_upcalls_sent;
		if (st->seq < pmd->release_seq)
			pmd->release_seq = st->seq;
	}
	PMD_COUNT(pmd, megaflow_hits, hits);
	return released;
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

	/* One clock read per iteration (rdtsc can be slow under a
	 * hypervisor): an iteration's cycles are those up to the next read,
	 * charged to busy or idle, and to the queues that had packets in it
	 * in proportion to their packets (the exec ring's and the parked
	 * packets' share too). */
	struct pmd_rxq *busy_q[PMD_MAX_RXQS];
	uint16_t busy_n[PMD_MAX_RXQS];
	unsigned n_busy = 0, work = 0, rx_work = 0;
	uint64_t prev = rte_rdtsc();

	while (!pmd->stop) {
		const struct pmd_rxq_list *rxqs;
		uint64_t now = rte_rdtsc(), spent = now - prev;

		prev = now;
		pmd->now_tsc = now;
		pmd_budget_round(&pmd->budget, spent, now, pmd->rx_hits);
		if (work) {
			PMD_COUNT(pmd, busy_cycles, spent);
			for (unsigned k = 0; k < n_busy; k++) {
				struct pmd_rxq *q = busy_q[k];
				uint64_t c = n_busy == 1 ? spent :
					     spent * busy_n[k] / rx_work;

				__atomic_store_n(&q->cycles, q->cycles + c,
						 __ATOMIC_RELAXED);
			}
		} else {
			PMD_COUNT(pmd, idle_cycles, spent);
		}
		work = 0;
		rx_work = 0;
		n_busy = 0;
		/* The last access to the previous iteration's queues and
		 * megaflows is above: from here they may be freed, and a
		 * queue moved away is no longer touched. */
		rte_rcu_qsbr_quiescent(pmd->qs, pmd->rcu_thread_id);
		rxqs = __atomic_load_n(&pmd->rxqs, __ATOMIC_ACQUIRE);

		pmd->now_ms = pmd_clock_ms();
		/* Packets the slowpath handed back go before the misses that
		 * waited for them, and those before new packets. */
		pmd->done_snapshot = __atomic_load_n(&pmd->miss_upcalls_done,
						     __ATOMIC_ACQUIRE);
		pmd->shed_slot_bit = 0;
		work += process_exec_ring(pmd);
		work += process_parked(pmd);
		if (work)	/* Miss work (pmd_budget.h). */
			pmd_budget_spend(&pmd->budget, rte_rdtsc() - now);
		for (uint32_t i = 0; i < rxqs->n; i++) {
			struct pmd_rxq *q = rxqs->q[i];
			uint64_t t0;
			uint16_t n;

			if (unlikely(pmd->n_parked >
				     PMD_PARK_MAX - PMD_BURST -
				     PMD_PARK_RESERVE) &&
			    (pmd->n_parked > PMD_PARK_MAX - PMD_BURST ||
			     slot_stalled(pmd, rxq_slot(q)))) {
				/* No room for a burst behind the misses in
				 * flight: leave the packets in the device's
				 * rx ring until the waiting room drains. */
				PMD_COUNT(pmd, rx_held, 1);
				continue;
			}
			/* Upcall storm: a queue whose bursts lose upcalls is
			 * polled less often (pmd_shed.h). One branch while
			 * its slot has lost nothing. */
			if (unlikely(((pmd->shed_lost >> rxq_slot(q)) & 1) |
				     q->shed.level) &&
			    pmd_shed_round(&q->shed, &pmd->shed_lost,
					   UINT64_C(1) << rxq_slot(q))) {
				PMD_COUNT(pmd, shed_polls, 1);
				__atomic_store_n(&q->shed_polls,
						 q->shed_polls + 1,
						 __ATOMIC_RELAXED);
				continue;
			}

			/* A queue whose last burst had misses: measure this
			 * one whole (the miss budget, pmd_budget.h). */
			t0 = unlikely(q->miss_burst) ? rte_rdtsc() : 0;
			n = rte_eth_rx_burst(q->dpdk_port_id, q->queue_id,
					     pkts, PMD_BURST);
			if (n == 0)
				continue;
			process_burst(pmd, q, pkts, n, t0);
			rx_work += n;
			busy_q[n_busy] = q;
			busy_n[n_busy++] = n;
			__atomic_store_n(&q->packets, q->packets + n,
					 __ATOMIC_RELAXED);
		}
		work += rx_work;
		tx_flush_all(pmd);
		if (pmd->upcalls_sent) {
			struct dp_wake *w = __atomic_load_n(&pmd->wake,
							    __ATOMIC_ACQUIRE);

			pmd->upcalls_sent = false;
			if (w != NULL)
				dp_wake_kick(w);
		}
	}
	/* What the slowpath and packet-outs handed over before the stop
	 * still goes out. */
	while (process_exec_ring(pmd) > 0)
		tx_flush_all(pmd);
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
