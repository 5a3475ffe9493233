/* SPDX-License-Identifier: BSD-3-Clause */
#include "slowpath.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/flow_parse.h"
#include "dataplane/megaflow.h"
#include "megaflow_format.h"
#include "xlate.h"

#define SLOWPATH_BATCH 32
#define SLOWPATH_EXPIRE_PERIOD_MS 100
/* After handling upcalls, keep polling this long before napping: misses
 * come in bursts, and a nap costs a PMD waiting misses. */
#define SLOWPATH_SPIN_MS 2

struct slowpath {
	/* Bridges and their ports (see xlate.h); read by the slowpath
	 * thread and the ofproto callbacks under the read lock, written by
	 * the config thread under the write lock. Lock order: map_lock, then
	 * mf_lock. */
	pthread_rwlock_t map_lock;
	struct xlate_map map;
	struct pmd *pmds[PMD_MAX];
	unsigned n_pmds;
	const struct pmd_port_table *ports;
	struct rte_mempool *mp;
	uint32_t idle_ms;

	pthread_mutex_t mf_lock;	/* Serializes megaflow writers. */
	uint64_t generation;		/* Bumped on every rule change. */

	pthread_t thread;
	bool started;
	volatile bool stop;
	struct slowpath_stats stats;	/* Atomic adds. */
};

#define SP_COUNT(sp, field, n) \
	__atomic_fetch_add(&(sp)->stats.field, (n), __ATOMIC_RELAXED)

struct slowpath *
slowpath_create(struct ofproto *ofp, struct pmd **pmds, unsigned n_pmds,
		const struct pmd_port_table *ports, struct rte_mempool *mp,
		uint32_t idle_ms)
{
	struct slowpath *sp;

	if (n_pmds > PMD_MAX) {
		errno = EINVAL;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return NULL;
	sp->map.bridges[0].ofp = ofp;
	memcpy(sp->pmds, pmds, n_pmds * sizeof(pmds[0]));
	sp->n_pmds = n_pmds;
	sp->ports = ports;
	sp->mp = mp;
	sp->idle_ms = idle_ms;
	pthread_mutex_init(&sp->mf_lock, NULL);
	pthread_rwlock_init(&sp->map_lock, NULL);
	return sp;
}

void
slowpath_set_ofproto(struct slowpath *sp, struct ofproto *ofp)
{
	slowpath_bridge_set(sp, 0, ofp);
}

void
slowpath_set_mempool(struct slowpath *sp, struct rte_mempool *mp)
{
	sp->mp = mp;
}

int
slowpath_bridge_set(struct slowpath *sp, unsigned bridge, struct ofproto *ofp)
{
	if (bridge >= XLATE_MAX_BRIDGES)
		return -EINVAL;
	pthread_rwlock_wrlock(&sp->map_lock);
	sp->map.bridges[bridge].ofp = ofp;
	if (ofp == NULL) {
		memset(sp->map.bridges[bridge].ports, 0,
		       sizeof(sp->map.bridges[bridge].ports));
		sp->map.bridges[bridge].n_ports = 0;
	}
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&sp->map_lock);
	return 0;
}

int
slowpath_port_set(struct slowpath *sp, unsigned bridge, uint32_t ofport,
		  int dp_port, unsigned peer_bridge, uint32_t peer_ofport)
{
	struct xlate_bridge *b;
	struct xlate_port *free_slot = NULL, *xp = NULL;
	int rc = 0;

	if (bridge >= XLATE_MAX_BRIDGES || peer_bridge >= XLATE_MAX_BRIDGES ||
	    ofport == 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&sp->map_lock);
	b = &sp->map.bridges[bridge];
	for (uint32_t i = 0; i < XLATE_MAX_BRIDGE_PORTS; i++) {
		if (b->ports[i].ofport == ofport) {
			xp = &b->ports[i];
			break;
		}
		if (b->ports[i].ofport == 0 && free_slot == NULL)
			free_slot = &b->ports[i];
	}
	if (xp == NULL)
		xp = free_slot;
	if (xp == NULL) {
		rc = -ENOSPC;
	} else {
		xp->dp_port = dp_port;
		xp->peer_bridge = (uint16_t)peer_bridge;
		xp->peer_ofport = peer_ofport;
		__atomic_store_n(&xp->ofport, ofport, __ATOMIC_RELEASE);
		if ((uint32_t)(xp - b->ports) + 1 > b->n_ports)
			b->n_ports = (uint32_t)(xp - b->ports) + 1;
	}
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&sp->map_lock);
	return rc;
}

void
slowpath_port_del(struct slowpath *sp, unsigned bridge, uint32_t ofport)
{
	struct xlate_bridge *b;

	if (bridge >= XLATE_MAX_BRIDGES)
		return;
	pthread_rwlock_wrlock(&sp->map_lock);
	b = &sp->map.bridges[bridge];
	for (uint32_t i = 0; i < b->n_ports; i++)
		if (b->ports[i].ofport == ofport)
			memset(&b->ports[i], 0, sizeof(b->ports[i]));
	while (b->n_ports > 0 && b->ports[b->n_ports - 1].ofport == 0)
		b->n_ports--;
	/* A patch port whose peer left keeps its slot without a peer. */
	for (unsigned ob = 0; ob < XLATE_MAX_BRIDGES; ob++)
		for (uint32_t i = 0; i < sp->map.bridges[ob].n_ports; i++) {
			struct xlate_port *xp = &sp->map.bridges[ob].ports[i];

			if (xp->dp_port < 0 && xp->peer_bridge == bridge &&
			    xp->peer_ofport == ofport)
				xp->peer_ofport = 0;
		}
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&sp->map_lock);
}

void
slowpath_destroy(struct slowpath *sp)
{
	if (sp == NULL)
		return;
	slowpath_stop(sp);
	pthread_mutex_destroy(&sp->mf_lock);
	pthread_rwlock_destroy(&sp->map_lock);
	free(sp);
}

/* Credit what a megaflow forwarded since the last time to its rules.
 * Called with map_lock (read) and mf_lock held. */
static void
credit_cookie(struct slowpath *sp, uint64_t cookie, uint64_t packets,
	      uint64_t bytes)
{
	unsigned b = XLATE_COOKIE_BRIDGE(cookie);

	if (b < XLATE_MAX_BRIDGES && sp->map.bridges[b].ofp != NULL)
		ofproto_credit_rule(sp->map.bridges[b].ofp,
				    XLATE_COOKIE_RULE(cookie), packets, bytes);
}

static void
credit_megaflow(struct slowpath *sp, struct megaflow *mf)
{
	uint64_t pkts = __atomic_load_n(&mf->n_packets, __ATOMIC_RELAXED);
	uint64_t bytes = __atomic_load_n(&mf->n_bytes, __ATOMIC_RELAXED);
	uint64_t dp = pkts - mf->credited_packets;
	uint64_t db = bytes - mf->credited_bytes;

	if (dp == 0 && db == 0)
		return;
	for (uint32_t i = 0; i < mf->n_cookies; i++)
		credit_cookie(sp, mf->cookies[i], dp, db);
	mf->credited_packets = pkts;
	mf->credited_bytes = bytes;
}

static void
credit_cb(struct megaflow *mf, void *arg)
{
	credit_megaflow(arg, mf);
}

void
slowpath_sync_stats(void *arg)
{
	struct slowpath *sp = arg;

	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
}

void
slowpath_flows_changed(void *arg)
{
	struct slowpath *sp = arg;

	/* First the generation, so a lookup that saw the old rules and has
	 * not installed yet will not install. */
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
		megaflow_flush(sp->pmds[i]->megaflows);
	}
	/* One grace period covers every PMD: they share the RCU variable. */
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_synchronize(sp->pmds[i]->megaflows);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	SP_COUNT(sp, flushes, 1);
}

/* Hand a packet back to a PMD with the actions to execute. */
static void
send_to_pmd(struct slowpath *sp, struct pmd *pmd, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(pmd->exec_ring, m) != 0) {
		SP_COUNT(sp, exec_drops, 1);
		rte_pktmbuf_free(m);
	}
}

static void
handle_miss(struct slowpath *sp, struct pmd *pmd, struct rte_mbuf *m)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);
	struct xlate_result xr;
	struct flow_key key;
	struct megaflow *existing = NULL;
	uint64_t gen;

	flow_parse(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_data_len(m),
		   priv->in_port, &key);
	pthread_rwlock_rdlock(&sp->map_lock);
	gen = __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST);
	xlate_packet(&sp->map, &key, &xr);
	priv->actions = xr.actions;

	pthread_mutex_lock(&sp->mf_lock);
	if (gen != __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST)) {
		SP_COUNT(sp, install_stale, 1);
	} else if (megaflow_insert(pmd->megaflows, &key, &xr.mask,
				   &priv->actions, xr.cookies, xr.n_cookies,
				   &existing) != NULL) {
		SP_COUNT(sp, installs, 1);
	} else if (errno == EEXIST) {
		SP_COUNT(sp, install_exists, 1);
	} else {
		SP_COUNT(sp, install_full, 1);
	}
	pthread_mutex_unlock(&sp->mf_lock);

	/* The packet itself was not counted by any megaflow: credit it to
	 * the rules directly. */
	for (uint32_t i = 0; i < xr.n_cookies; i++)
		credit_cookie(sp, xr.cookies[i], 1, rte_pktmbuf_pkt_len(m));
	pthread_rwlock_unlock(&sp->map_lock);
	send_to_pmd(sp, pmd, m);
	/* After the packet is on the exec ring: the PMD then releases the
	 * misses that waited for this one, behind it. */
	pmd_miss_upcall_done(pmd);
}

static void
handle_action_upcall(struct slowpath *sp, struct rte_mbuf *m)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);
	struct ofproto_lookup_result res;
	struct flow_key key;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t max_len = priv->upcall_arg & 0xffff;
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	const void *data;
	unsigned bridge;
	uint32_t ofport;

	flow_parse(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_data_len(m),
		   priv->in_port, &key);
	pthread_rwlock_rdlock(&sp->map_lock);
	if (!xlate_upcall_context(&sp->map, priv->in_port, priv->upcall_arg,
				  &bridge, &ofport)) {
		pthread_rwlock_unlock(&sp->map_lock);
		rte_pktmbuf_free(m);
		return;
	}
	key.in_port = ofport;
	ofproto_lookup(sp->map.bridges[bridge].ofp, &key, &res);
	if (max_len > len)
		max_len = len;
	if (max_len > sizeof(buf))
		max_len = sizeof(buf);
	data = rte_pktmbuf_read(m, 0, max_len, buf);
	if (data != NULL) {
		ofproto_packet_in(sp->map.bridges[bridge].ofp,
				  res.pin_reason, res.table_id,
				  res.cookie, ofport, data, max_len, len);
		SP_COUNT(sp, packet_ins, 1);
	}
	pthread_rwlock_unlock(&sp->map_lock);
	rte_pktmbuf_free(m);
}

static unsigned
drain_upcalls(struct slowpath *sp, struct pmd *pmd)
{
	struct rte_mbuf *pkts[SLOWPATH_BATCH];
	unsigned n;

	n = rte_ring_sc_dequeue_burst(pmd->upcall_ring, (void **)pkts,
				      SLOWPATH_BATCH, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct pmd_mbuf_priv *priv = pmd_mbuf_priv(pkts[i]);

		if (priv->upcall_kind == PMD_UPCALL_ACTION)
			handle_action_upcall(sp, pkts[i]);
		else
			handle_miss(sp, pmd, pkts[i]);
	}
	SP_COUNT(sp, upcalls, n);
	return n;
}

struct expire_ctx {
	struct slowpath *sp;
	struct megaflow_table *table;
	uint64_t now;
	unsigned removed;
};

static void
expire_cb(struct megaflow *mf, void *arg)
{
	struct expire_ctx *c = arg;
	uint64_t used = __atomic_load_n(&mf->last_used_ms, __ATOMIC_RELAXED);

	if (used < mf->created_ms)
		used = mf->created_ms;
	if (c->now > used && c->now - used >= c->sp->idle_ms) {
		credit_megaflow(c->sp, mf);
		megaflow_remove(c->table, mf);
		c->removed++;
	}
}

static void
expire_idle(struct slowpath *sp)
{
	struct expire_ctx c = { .sp = sp, .now = pmd_clock_ms() };
	unsigned removed = 0;

	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		c.table = sp->pmds[i]->megaflows;
		c.removed = 0;
		megaflow_foreach(c.table, expire_cb, &c);
		removed += c.removed;
		/* Busiest subtables first; the PMDs never wait for it. */
		megaflow_rank(c.table);
	}
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	if (removed)
		SP_COUNT(sp, expired, removed);
}

static void *
slowpath_main(void *arg)
{
	struct slowpath *sp = arg;
	uint64_t last_expire = pmd_clock_ms(), last_work = 0;

	pthread_setname_np(pthread_self(), "slowpath");
	while (!sp->stop) {
		unsigned work = 0;

		for (unsigned i = 0; i < sp->n_pmds; i++)
			work += drain_upcalls(sp, sp->pmds[i]);
		uint64_t now = pmd_clock_ms();

		if (work)
			last_work = now;

		if (sp->idle_ms && now - last_expire >= SLOWPATH_EXPIRE_PERIOD_MS) {
			expire_idle(sp);
			last_expire = now;
		}
		if (work == 0 && now - last_work > SLOWPATH_SPIN_MS) {
			struct timespec ts = { 0, 50 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int
slowpath_start(struct slowpath *sp)
{
	int rc;

	sp->stop = false;
	rc = pthread_create(&sp->thread, NULL, slowpath_main, sp);
	if (rc != 0)
		return -rc;
	sp->started = true;
	return 0;
}

void
slowpath_stop(struct slowpath *sp)
{
	if (!sp->started)
		return;
	sp->stop = true;
	pthread_join(sp->thread, NULL);
	sp->started = false;
}

int
slowpath_packet_out(void *arg, uint32_t in_port, const struct ofpact *actions,
		    size_t n_actions, const void *packet, size_t len)
{
	return slowpath_packet_out_bridge(arg, 0, in_port, actions, n_actions,
					  packet, len);
}

int
slowpath_packet_out_bridge(struct slowpath *sp, unsigned bridge,
			   uint32_t in_port, const struct ofpact *actions,
			   size_t n_actions, const void *packet, size_t len)
{
	struct pmd_mbuf_priv *priv;
	const struct xlate_port *xp;
	struct xlate_result xr;
	struct flow_key key;
	struct rte_mbuf *m;
	char *data;

	if (sp->n_pmds == 0)
		return -ENODEV;
	m = rte_pktmbuf_alloc(sp->mp);
	if (m == NULL) {
		SP_COUNT(sp, packet_out_drops, 1);
		return -ENOBUFS;
	}
	data = rte_pktmbuf_append(m, (uint16_t)len);
	if (data == NULL || len > UINT16_MAX) {
		rte_pktmbuf_free(m);
		SP_COUNT(sp, packet_out_drops, 1);
		return -EMSGSIZE;
	}
	memcpy(data, packet, len);
	priv = pmd_mbuf_priv(m);
	memset(priv, 0, sizeof(*priv));
	flow_parse(data, (uint32_t)len, in_port, &key);
	/* OUTPUT:TABLE runs the pipeline, OUTPUT:NORMAL the MAC learning
	 * (the ofproto calls back into flows_changed: no lock held here). */
	pthread_rwlock_rdlock(&sp->map_lock);
	struct ofproto *ofp = bridge < XLATE_MAX_BRIDGES ?
			      sp->map.bridges[bridge].ofp : NULL;
	pthread_rwlock_unlock(&sp->map_lock);
	struct ofpact resolved[OFPROTO_MAX_ACTIONS];
	if (ofp != NULL) {
		n_actions = ofproto_packet_out_resolve(ofp, &key, actions,
						       n_actions, resolved,
						       OFPROTO_MAX_ACTIONS);
		actions = resolved;
	}
	pthread_rwlock_rdlock(&sp->map_lock);
	xp = xlate_map_port(&sp->map, bridge, in_port);
	priv->in_port = XLATE_DP_IN_PORT(bridge, in_port);
	priv->in_dp_port = xp != NULL && xp->dp_port >= 0 ?
			   (uint32_t)xp->dp_port : UINT32_MAX;
	xlate_execute(&sp->map, bridge, &key, actions, n_actions, &xr);
	pthread_rwlock_unlock(&sp->map_lock);
	priv->actions = xr.actions;
	SP_COUNT(sp, packet_outs, 1);
	send_to_pmd(sp, sp->pmds[0], m);
	return 0;
}

/* Revalidation: a megaflow's masked key run through today's pipelines and
 * ports gives the same mask and actions, or the megaflow goes. Port
 * changes (a port added to a flood, removed, a patch peer gone) leave
 * every other megaflow, and the traffic on it, alone. */
struct reval_ctx {
	struct slowpath *sp;
	struct megaflow_table *table;
	unsigned removed;
};

static void
reval_cb(struct megaflow *mf, void *arg)
{
	struct reval_ctx *c = arg;
	struct xlate_result xr;

	xlate_packet(&c->sp->map, &mf->key, &xr);
	if (memcmp(&xr.mask, mf->mask, sizeof(xr.mask)) == 0 &&
	    xr.actions.n == mf->actions.n &&
	    memcmp(xr.actions.a, mf->actions.a,
		   xr.actions.n * sizeof(xr.actions.a[0])) == 0)
		return;
	credit_megaflow(c->sp, mf);
	megaflow_remove(c->table, mf);
	c->removed++;
}

unsigned
slowpath_revalidate(struct slowpath *sp)
{
	struct reval_ctx c = { .sp = sp };

	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		c.table = sp->pmds[i]->megaflows;
		megaflow_foreach(c.table, reval_cb, &c);
	}
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_synchronize(sp->pmds[i]->megaflows);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	return c.removed;
}

void
slowpath_stats_read(struct slowpath *sp, struct slowpath_stats *out)
{
	const uint64_t *src = (const uint64_t *)(const void *)&sp->stats;
	uint64_t *dst = (uint64_t *)(void *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

struct dump_ctx {
	struct strbuf *out;
	bool json;
	bool first;
	unsigned pmd_core;
	uint64_t now;
	const struct pmd_port_table *ports;
};

static void
dump_cb(struct megaflow *mf, void *arg)
{
	struct dump_ctx *c = arg;
	uint64_t pkts = __atomic_load_n(&mf->n_packets, __ATOMIC_RELAXED);
	uint64_t bytes = __atomic_load_n(&mf->n_bytes, __ATOMIC_RELAXED);
	uint64_t used = __atomic_load_n(&mf->last_used_ms, __ATOMIC_RELAXED);
	struct strbuf match = STRBUF_INIT, acts = STRBUF_INIT;

	megaflow_format_match(&match, &mf->key, mf->mask);
	megaflow_format_actions(&acts, &mf->actions, c->ports);
	if (c->json) {
		strbuf_printf(c->out, "%s{\"pmd\": %u, \"match\": ",
			      c->first ? "" : ", ", c->pmd_core);
		strbuf_json_string(c->out, strbuf_str(&match));
		strbuf_printf(c->out, ", \"actions\": ");
		strbuf_json_string(c->out, strbuf_str(&acts));
		strbuf_printf(c->out, ", \"packets\": %lu, \"bytes\": %lu, "
			      "\"used_ms_ago\": %ld}", (unsigned long)pkts,
			      (unsigned long)bytes,
			      used ? (long)(c->now - used) : -1L);
	} else {
		strbuf_printf(c->out, "pmd %u: %s, packets:%lu, bytes:%lu, "
			      "used:", c->pmd_core, strbuf_str(&match),
			      (unsigned long)pkts, (unsigned long)bytes);
		if (used)
			strbuf_printf(c->out, "%.3fs",
				      (double)(c->now - used) / 1000.0);
		else
			strbuf_printf(c->out, "never");
		strbuf_printf(c->out, ", actions:%s\n", strbuf_str(&acts));
	}
	c->first = false;
	strbuf_free(&match);
	strbuf_free(&acts);
}

void
slowpath_dump_megaflows(struct slowpath *sp, bool json, struct strbuf *out)
{
	struct dump_ctx c = { .out = out, .json = json, .first = true,
			      .now = pmd_clock_ms(), .ports = sp->ports };

	if (json)
		strbuf_printf(out, "[");
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		c.pmd_core = sp->pmds[i]->lcore_id;
		megaflow_foreach(sp->pmds[i]->megaflows, dump_cb, &c);
	}
	pthread_mutex_unlock(&sp->mf_lock);
	if (json)
		strbuf_printf(out, "]");
}
