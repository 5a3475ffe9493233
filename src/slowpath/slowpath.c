/* SPDX-License-Identifier: BSD-3-Clause */
#include "slowpath.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp_meter.h"
#include "dataplane/dp_wake.h"
#include "dataplane/emc.h"
#include "dataplane/flow_parse.h"
#include "dataplane/megaflow.h"
#include "megaflow_format.h"
#include "ofproto/ofproto_trace.h"
#include "tnl.h"
#include "xlate.h"

#define SLOWPATH_BATCH 32
#define SLOWPATH_EXPIRE_PERIOD_MS 100
/* After handling upcalls, keep polling this long before sleeping: misses
 * come in bursts. Asleep, the slowpath waits on an eventfd that a PMD
 * writes only when it sent upcalls while the slowpath announced its sleep
 * (dp_wake.h): a new miss wakes it within microseconds, and PMDs make no
 * system call while it is awake. */
#define SLOWPATH_SPIN_MS 2
/* Without an eventfd (it could not be created): nap this long. */
#define SLOWPATH_NAP_US 50
/* Revalidation bounds (see slowpath_flows_changed()): above this many
 * megaflows a rule change flushes them all; a revalidation that takes
 * longer than the budget removes the megaflows it has not reached.
 * Measured (bench_reval: two tables, 1,001 rules): 0.5 us a megaflow,
 * 100,000 megaflows in about 50 ms; the budget leaves room for pipelines
 * a few times costlier. */
#define SLOWPATH_REVAL_MAX 100000
#define SLOWPATH_REVAL_BUDGET_MS 200
/* Rounds while lookups keep changing the model (MAC learning). */
#define SLOWPATH_REVAL_ROUNDS 3

struct slowpath {
	/* Bridges and their ports (see xlate.h); read by the slowpath
	 * thread and the ofproto callbacks under the read lock, written by
	 * the config thread under the write lock. Lock order: map_lock, then
	 * mf_lock. */
	pthread_rwlock_t map_lock;
	struct xlate_map map;
	/* The PMDs (slowpath_set_pmds()): changed under pmds_lock, map_lock
	 * (write) and mf_lock; the slowpath thread drains the upcall rings
	 * under pmds_lock, everything else reads under map_lock or mf_lock.
	 * Lock order: pmds_lock, map_lock, mf_lock. */
	pthread_mutex_t pmds_lock;
	struct pmd *pmds[PMD_MAX];
	unsigned n_pmds;
	const struct pmd_port_table *ports;
	struct rte_mempool *mp;
	uint32_t idle_ms;

	pthread_mutex_t mf_lock;	/* Serializes megaflow writers. */
	bool reval_again;		/* Under mf_lock: the model changed
					 * during a revalidation. */
	uint64_t generation;		/* Bumped on every rule change. */

	struct dp_wake wake;		/* The PMDs kick it (dp_wake.h). */
	pthread_t thread;
	bool started;
	volatile bool stop;
	bool tnl_changed;		/* Slowpath thread: a next hop was
					 * resolved or went (revalidate). */
	struct slowpath_stats stats;	/* Atomic adds. */
};

#define SP_COUNT(sp, field, n) \
	__atomic_fetch_add(&(sp)->stats.field, (n), __ATOMIC_RELAXED)

static unsigned revalidate_locked(struct slowpath *sp);

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
	if (dp_wake_init(&sp->wake) < 0)
		sp->wake.fd = -1;	/* Naps instead (SLOWPATH_NAP_US). */
	for (unsigned i = 0; i < n_pmds; i++)
		pmd_set_wake(pmds[i], &sp->wake);
	pthread_mutex_init(&sp->mf_lock, NULL);
	pthread_mutex_init(&sp->pmds_lock, NULL);
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
		xp->tnl = 0;
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

int
slowpath_port_set_tunnel(struct slowpath *sp, unsigned bridge,
			 uint32_t ofport, int tnl_index)
{
	struct xlate_port *xp;
	int rc = -ENOENT;

	if (bridge >= XLATE_MAX_BRIDGES || tnl_index < 0 ||
	    tnl_index >= TNL_MAX_PORTS)
		return -EINVAL;
	pthread_rwlock_wrlock(&sp->map_lock);
	xp = (struct xlate_port *)xlate_map_port(&sp->map, bridge, ofport);
	if (xp != NULL) {
		xp->tnl = (uint16_t)(tnl_index + 1);
		rc = 0;
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
	dp_wake_fini(&sp->wake);
	pthread_mutex_destroy(&sp->mf_lock);
	pthread_mutex_destroy(&sp->pmds_lock);
	pthread_rwlock_destroy(&sp->map_lock);
	free(sp);
}

/* Credit what a megaflow forwarded since the last time to its rules;
 * cached: the packets were not looked up in the tables, so their lookup
 * counters take them too. Called with map_lock (read) and mf_lock held. */
static void
credit_cookie(struct slowpath *sp, uint64_t cookie, uint64_t packets,
	      uint64_t bytes, bool cached)
{
	unsigned b = XLATE_COOKIE_BRIDGE(cookie);

	if (b >= XLATE_MAX_BRIDGES || sp->map.bridges[b].ofp == NULL)
		return;
	ofproto_credit_rule(sp->map.bridges[b].ofp, XLATE_COOKIE_RULE(cookie),
			    packets, bytes);
	if (cached)
		ofproto_credit_lookups(sp->map.bridges[b].ofp,
				       XLATE_COOKIE_RULE(cookie), packets);
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
		credit_cookie(sp, mf->cookies[i], dp, db, true);
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

/* Revalidation of the megaflows in force, when the rules changed: fixed
 * up megaflow by megaflow (see reval_cb) while there are at most
 * SLOWPATH_REVAL_MAX of them, each revalidation costing one pipeline
 * lookup; above that, or once SLOWPATH_REVAL_BUDGET_MS have gone by, the
 * rest is flushed, so a barrier never waits long. */
/* The slowpath whose megaflows this thread is revalidating: a lookup may
 * change the model again (MAC learning calls flows_changed from inside
 * ofproto_lookup()); that call only asks the running revalidation for
 * one more round. */
static __thread struct slowpath *reval_owner;

void
slowpath_flows_changed(void *arg)
{
	struct slowpath *sp = arg;
	uint64_t total = 0;

	/* First the generation, so a lookup that saw the old rules and has
	 * not installed yet will not install. */
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	if (reval_owner == sp) {
		sp->reval_again = true;
		return;
	}
	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++)
		total += megaflow_count(sp->pmds[i]->megaflows);
	if (total > SLOWPATH_REVAL_MAX) {
		for (unsigned i = 0; i < sp->n_pmds; i++) {
			megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
			megaflow_flush(sp->pmds[i]->megaflows);
		}
		SP_COUNT(sp, flushes, 1);
	} else {
		revalidate_locked(sp);
	}
	/* One grace period covers every PMD: they share the RCU variable. */
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_synchronize(sp->pmds[i]->megaflows);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
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
	/* From a tunnel port: the metadata the PMD popped. */
	key.tunnel_id = priv->tun_id;
	key.tun_src = priv->tun_src;
	key.tun_dst = priv->tun_dst;
	key.in_phy_port = priv->in_phy_port;
	pthread_rwlock_rdlock(&sp->map_lock);
	gen = __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST);
	xlate_packet_data(&sp->map, &key, rte_pktmbuf_mtod(m, const void *),
			  rte_pktmbuf_data_len(m), &xr);
	priv->actions = xr.actions;

	pthread_mutex_lock(&sp->mf_lock);
	if (gen != __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST)) {
		SP_COUNT(sp, install_stale, 1);
	} else if (xr.cookies_overflow || xr.truncated || xr.uncacheable) {
		/* Executed once, never cached. */
		SP_COUNT(sp, install_uncacheable, 1);
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
		credit_cookie(sp, xr.cookies[i], 1, rte_pktmbuf_pkt_len(m),
			      false);
	pthread_rwlock_unlock(&sp->map_lock);
	send_to_pmd(sp, pmd, m);
	/* After the packet is on the exec ring: the PMD then releases the
	 * misses that waited for this one, behind it. */
	pmd_miss_upcall_done(pmd);
}

/* A packet-in action of a megaflow sent this packet up: the action's
 * struct dp_upcall_info, which the PMD copied into the mbuf, says which
 * bridge and port it is for and where in the pipeline the action ran (the
 * packet may have been rewritten on the way, so it is not looked up
 * again). */
static void
handle_action_upcall(struct slowpath *sp, struct rte_mbuf *m)
{
	struct pmd_mbuf_priv *priv = pmd_mbuf_priv(m);
	struct ofproto_packet_in_ctx ctx = {
		.reason = priv->upcall_reason,
		.table_id = priv->upcall_table_id,
		.cookie = priv->upcall_cookie,
		.metadata = priv->upcall_metadata,
		.tunnel_id = priv->upcall_tunnel_id,
		.tun_src = priv->upcall_tun_src,
		.tun_dst = priv->upcall_tun_dst,
		.in_phy_port = priv->upcall_in_phy_port,
	};
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t max_len = priv->upcall_arg & 0xffff;
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	const void *data;
	unsigned bridge;
	uint32_t ofport;

	pthread_rwlock_rdlock(&sp->map_lock);
	if (!xlate_upcall_context(&sp->map, priv->in_port, priv->upcall_arg,
				  &bridge, &ofport)) {
		pthread_rwlock_unlock(&sp->map_lock);
		rte_pktmbuf_free(m);
		return;
	}
	if (max_len > len)
		max_len = len;
	if (max_len > sizeof(buf))
		max_len = sizeof(buf);
	data = rte_pktmbuf_read(m, 0, max_len, buf);
	if (data != NULL) {
		ofproto_packet_in(sp->map.bridges[bridge].ofp, &ctx, ofport,
				  data, max_len, len);
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

		if (priv->upcall_kind == PMD_UPCALL_ACTION) {
			handle_action_upcall(sp, pkts[i]);
		} else if (priv->upcall_kind == PMD_UPCALL_TNL_ARP) {
			uint8_t buf[64];
			uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
			const uint8_t *f = rte_pktmbuf_read(pkts[i], 0,
				len < sizeof(buf) ? len : sizeof(buf), buf);

			if (f != NULL &&
			    tnl_arp_input(priv->upcall_arg, f,
					  len < sizeof(buf) ? len :
					  sizeof(buf)))
				sp->tnl_changed = true;
			rte_pktmbuf_free(pkts[i]);
		} else
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

/* Any upcall waiting on a PMD's ring? */
static bool
upcalls_waiting(struct slowpath *sp)
{
	bool any = false;

	pthread_mutex_lock(&sp->pmds_lock);
	for (unsigned i = 0; i < sp->n_pmds && !any; i++)
		any = rte_ring_count(sp->pmds[i]->upcall_ring) > 0;
	pthread_mutex_unlock(&sp->pmds_lock);
	return any;
}

/* Idle: sleep until a PMD sends an upcall, or the next expiry is due. */
static void
slowpath_sleep(struct slowpath *sp, uint64_t now, uint64_t last_expire)
{
	uint64_t due = last_expire + SLOWPATH_EXPIRE_PERIOD_MS;
	int timeout_ms = due > now ? (int)(due - now) : 1;

	if (sp->wake.fd < 0) {
		struct timespec ts = { 0, SLOWPATH_NAP_US * 1000 };

		nanosleep(&ts, NULL);
		return;
	}
	dp_wake_prepare(&sp->wake);
	if (sp->stop || upcalls_waiting(sp)) {
		dp_wake_cancel(&sp->wake);
		return;
	}
	dp_wake_sleep(&sp->wake, timeout_ms);
}

/* tnl_run()'s sender: an ARP request out of an underlay port, through
 * the first PMD (its tx queue; the slowpath has none). */
static void
send_frame(void *arg, uint32_t dp_port, const uint8_t *frame, uint32_t len)
{
	struct slowpath *sp = arg;
	struct pmd_mbuf_priv *priv;
	struct rte_mbuf *m;
	char *data;

	m = sp->mp != NULL ? rte_pktmbuf_alloc(sp->mp) : NULL;
	if (m == NULL)
		return;
	data = rte_pktmbuf_append(m, (uint16_t)len);
	if (data == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(data, frame, len);
	priv = pmd_mbuf_priv(m);
	memset(priv, 0, sizeof(*priv));
	priv->in_dp_port = UINT32_MAX;
	dp_actions_add(&priv->actions, DP_ACTION_OUTPUT, 0, dp_port);
	pthread_rwlock_rdlock(&sp->map_lock);
	if (sp->n_pmds > 0)
		send_to_pmd(sp, sp->pmds[0], m);
	else
		rte_pktmbuf_free(m);
	pthread_rwlock_unlock(&sp->map_lock);
}

static void *
slowpath_main(void *arg)
{
	struct slowpath *sp = arg;
	uint64_t last_expire = pmd_clock_ms(), last_work = 0;

	pthread_setname_np(pthread_self(), "slowpath");
	while (!sp->stop) {
		unsigned work = 0;

		pthread_mutex_lock(&sp->pmds_lock);
		for (unsigned i = 0; i < sp->n_pmds; i++)
			work += drain_upcalls(sp, sp->pmds[i]);
		pthread_mutex_unlock(&sp->pmds_lock);
		uint64_t now = pmd_clock_ms();

		if (work)
			last_work = now;
		/* Tunnels: ARP requests due, neighbour ageing; translate
		 * again what a resolved (or gone) next hop changes. */
		if (tnl_run(now, send_frame, sp) || sp->tnl_changed) {
			sp->tnl_changed = false;
			slowpath_revalidate(sp);
		}

		if (sp->idle_ms && now - last_expire >= SLOWPATH_EXPIRE_PERIOD_MS) {
			expire_idle(sp);
			last_expire = now;
		}
		if (work == 0 && now - last_work > SLOWPATH_SPIN_MS)
			slowpath_sleep(sp, now, last_expire);
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
	dp_wake_signal(&sp->wake);
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
	const struct ofproto_packet pkt = {
		.data = data, .len = (uint32_t)len, .reparse = xlate_reparse,
	};
	if (ofp != NULL) {
		n_actions = ofproto_packet_out_resolve(ofp, &key, actions,
						       n_actions, resolved,
						       OFPROTO_MAX_ACTIONS,
						       &pkt);
		actions = resolved;
	}
	pthread_rwlock_rdlock(&sp->map_lock);
	xp = xlate_map_port(&sp->map, bridge, in_port);
	priv->in_port = XLATE_DP_IN_PORT(bridge, in_port);
	priv->in_dp_port = xp != NULL && xp->dp_port >= 0 ?
			   (uint32_t)xp->dp_port : UINT32_MAX;
	xlate_execute(&sp->map, bridge, &key, actions, n_actions, &xr);
	priv->actions = xr.actions;
	/* Under the lock: a PMD slowpath_set_pmds() took away may stop. */
	if (sp->n_pmds == 0) {
		pthread_rwlock_unlock(&sp->map_lock);
		rte_pktmbuf_free(m);
		SP_COUNT(sp, packet_out_drops, 1);
		return -ENODEV;
	}
	SP_COUNT(sp, packet_outs, 1);
	send_to_pmd(sp, sp->pmds[0], m);
	pthread_rwlock_unlock(&sp->map_lock);
	return 0;
}

int
slowpath_set_pmds(struct slowpath *sp, struct pmd *const pmds[],
		  unsigned n_pmds)
{
	if (n_pmds > PMD_MAX)
		return -EINVAL;
	pthread_mutex_lock(&sp->pmds_lock);
	pthread_rwlock_wrlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	/* What the PMDs that leave forwarded goes to their rules now. */
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		bool kept = false;

		for (unsigned j = 0; j < n_pmds; j++)
			kept |= pmds[j] == sp->pmds[i];
		if (!kept)
			megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
	}
	memcpy(sp->pmds, pmds, n_pmds * sizeof(pmds[0]));
	sp->n_pmds = n_pmds;
	for (unsigned i = 0; i < n_pmds; i++)
		pmd_set_wake(pmds[i], &sp->wake);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	pthread_mutex_unlock(&sp->pmds_lock);
	return 0;
}

/* Revalidation: a megaflow's masked key run through today's pipelines and
 * ports gives the same mask and actions, or the megaflow goes. Port
 * changes (a port added to a flood, removed, a patch peer gone) leave
 * every other megaflow, and the traffic on it, alone. */
struct reval_ctx {
	struct slowpath *sp;
	struct megaflow_table *table;
	uint64_t deadline_ms;
	unsigned seen;
	bool out_of_time;
	unsigned removed;
};

/* A megaflow stays when today's pipelines give its masked key the same
 * actions and consult no bit outside its mask (xlate_megaflow_valid());
 * else it goes, its counters credited. */
static void
reval_cb(struct megaflow *mf, void *arg)
{
	struct reval_ctx *c = arg;

	if (!c->out_of_time && (++c->seen & 63) == 0 &&
	    pmd_clock_ms() > c->deadline_ms)
		c->out_of_time = true;
	if (!c->out_of_time &&
	    xlate_megaflow_valid(&c->sp->map, &mf->key, mf->mask,
				 &mf->actions, mf->cookies, mf->n_cookies)) {
		SP_COUNT(c->sp, reval_kept, 1);
		return;
	}
	credit_megaflow(c->sp, mf);
	megaflow_remove(c->table, mf);
	c->removed++;
}

/* Under map_lock (read) and mf_lock; the caller waits the grace period. */
static unsigned
revalidate_locked(struct slowpath *sp)
{
	struct reval_ctx c = {
		.sp = sp,
		.deadline_ms = pmd_clock_ms() + SLOWPATH_REVAL_BUDGET_MS,
	};

	reval_owner = sp;
	for (unsigned round = 0;; round++) {
		sp->reval_again = false;
		/* Changed again during the rounds: what is left goes. */
		if (round == SLOWPATH_REVAL_ROUNDS)
			c.out_of_time = true;
		for (unsigned i = 0; i < sp->n_pmds; i++) {
			c.table = sp->pmds[i]->megaflows;
			megaflow_foreach(c.table, reval_cb, &c);
		}
		if (!sp->reval_again || c.out_of_time)
			break;
	}
	reval_owner = NULL;
	SP_COUNT(sp, revalidations, 1);
	SP_COUNT(sp, reval_removed, c.removed);
	if (c.out_of_time)
		SP_COUNT(sp, reval_out_of_time, 1);
	return c.removed;
}

unsigned
slowpath_revalidate(struct slowpath *sp)
{
	unsigned removed;

	pthread_rwlock_rdlock(&sp->map_lock);
	pthread_mutex_lock(&sp->mf_lock);
	removed = revalidate_locked(sp);
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_synchronize(sp->pmds[i]->megaflows);
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	return removed;
}

/* Meters (dp_meter.h): the datapath table is shared by every PMD and
 * bridge; a replaced or deleted configuration is freed after a grace
 * period of the PMDs' RCU variable. */
#define OFPMF_KBPS 1u
#define OFPMF_PKTPS 2u
#define OFPMF_BURST 4u

static struct rte_rcu_qsbr *
pmds_qs(struct slowpath *sp)
{
	struct rte_rcu_qsbr *qs;

	pthread_rwlock_rdlock(&sp->map_lock);
	qs = sp->n_pmds > 0 ? sp->pmds[0]->qs : NULL;
	pthread_rwlock_unlock(&sp->map_lock);
	return qs;
}

int
slowpath_meter_set(struct slowpath *sp, unsigned bridge,
		   const struct ofproto_meter_config *mc)
{
	struct dp_meter_band_conf bands[DP_METER_MAX_BANDS];
	unsigned n = mc->n_bands;
	int rc;

	if (n > DP_METER_MAX_BANDS || n > OFPROTO_METER_MAX_BANDS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		const struct ofproto_meter_band *b = &mc->bands[i];

		bands[i].type = b->type == OFPROTO_METER_BAND_DSCP_REMARK ?
				DP_METER_BAND_DSCP_REMARK : DP_METER_BAND_DROP;
		bands[i].rate = b->rate;
		bands[i].burst = (mc->flags & OFPMF_BURST) ? b->burst_size : 0;
		bands[i].prec_level = b->prec_level;
	}
	/* Held across the grace period: no PMD set change meanwhile. */
	pthread_mutex_lock(&sp->pmds_lock);
	rc = dp_meter_set(bridge, mc->meter_id,
			  !(mc->flags & OFPMF_PKTPS), bands, n,
			  rte_get_tsc_hz(), pmds_qs(sp));
	pthread_mutex_unlock(&sp->pmds_lock);
	return rc < 0 ? rc : 0;
}

void
slowpath_meter_del(struct slowpath *sp, unsigned bridge, uint32_t meter_id)
{
	pthread_mutex_lock(&sp->pmds_lock);
	dp_meter_del(bridge, meter_id, pmds_qs(sp));
	pthread_mutex_unlock(&sp->pmds_lock);
}

void
slowpath_meters_clear(struct slowpath *sp, unsigned bridge)
{
	pthread_mutex_lock(&sp->pmds_lock);
	dp_meter_del_bridge(bridge, pmds_qs(sp));
	pthread_mutex_unlock(&sp->pmds_lock);
}

int
slowpath_meter_stats(struct slowpath *sp, unsigned bridge, uint32_t meter_id,
		     struct ofproto_meter_stats *st)
{
	struct dp_meter_stats ds;
	int rc;

	(void)sp;
	rc = dp_meter_stats(bridge, meter_id, &ds);
	if (rc < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->packet_in_count = ds.packets_in;
	st->byte_in_count = ds.bytes_in;
	for (unsigned i = 0; i < OFPROTO_METER_MAX_BANDS &&
			     i < DP_METER_MAX_BANDS; i++) {
		st->band_packets[i] = ds.band_packets[i];
		st->band_bytes[i] = ds.band_bytes[i];
	}
	return 0;
}

void
slowpath_stats_read(struct slowpath *sp, struct slowpath_stats *out)
{
	const uint64_t *src = (const uint64_t *)(const void *)&sp->stats;
	uint64_t *dst = (uint64_t *)(void *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	out->sleeps = __atomic_load_n(&sp->wake.sleeps, __ATOMIC_RELAXED);
	out->wakeups = __atomic_load_n(&sp->wake.kicks, __ATOMIC_RELAXED);
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

/* ---- pmdswitch-ctl trace ---- */

struct trace_mf_ctx {
	const struct flow_key *key;
	struct slowpath_trace_pmd *out;
};

static void
trace_mf_cb(struct megaflow *mf, void *arg)
{
	struct trace_mf_ctx *c = arg;

	if (c->out->megaflow_hit || !megaflow_matches(mf, c->key))
		return;
	c->out->megaflow_hit = true;
	c->out->mf_key = mf->key;
	c->out->mf_mask = *mf->mask;
	c->out->mf_packets = __atomic_load_n(&mf->n_packets,
					     __ATOMIC_RELAXED);
}

/* Whether the PMD's EMC holds key now. The EMC is the PMD's own, written
 * without synchronization: its entries are copied and checked here (the
 * memory stays valid: no PMD goes while a control command runs);
 * an entry the PMD rewrites at this very moment may be misread, which can
 * only make the answer wrong, never unsafe. */
static bool
trace_emc(const struct emc *emc, const struct flow_key *key, uint32_t map,
	  bool *bypassed)
{
	uint32_t hash = emc_hash_map(key, map);

	*bypassed = __atomic_load_n(&emc->bypass, __ATOMIC_RELAXED);
	if (emc->n_entries == 0)
		return false;
	for (unsigned way = 0; way < EMC_WAYS; way++) {
		struct emc_entry e;

		memcpy(&e, &emc->entries[emc_slot(emc, hash, way)], sizeof(e));
		if (e.hash == hash && e.map == map && e.mf != NULL &&
		    emc_key_equal(&e.key, key, map) &&
		    megaflow_ref_valid(e.mf, e.serial) &&
		    megaflow_matches(e.mf, key))
			return true;
	}
	return false;
}

unsigned
slowpath_trace(struct slowpath *sp, const struct flow_key *key,
	       uint32_t map, const void *data, uint32_t len,
	       struct ofproto_trace *tr, struct xlate_result *xr,
	       struct slowpath_trace_pmd *pmds)
{
	unsigned n;

	pthread_rwlock_rdlock(&sp->map_lock);
	xlate_trace(&sp->map, key, data, len, xr, tr);
	/* No megaflow writer while the caches are looked at. */
	pthread_mutex_lock(&sp->mf_lock);
	n = sp->n_pmds;
	for (unsigned i = 0; i < n; i++) {
		struct pmd *pmd = sp->pmds[i];
		struct slowpath_trace_pmd *o = &pmds[i];
		struct trace_mf_ctx c = { .key = key, .out = o };

		memset(o, 0, sizeof(*o));
		o->core = pmd->lcore_id;
		o->index = pmd->index;
		if (pmd->emc != NULL)
			o->emc_hit = trace_emc(pmd->emc, key, map,
					       &o->emc_bypassed);
		megaflow_foreach(pmd->megaflows, trace_mf_cb, &c);
	}
	pthread_mutex_unlock(&sp->mf_lock);
	pthread_rwlock_unlock(&sp->map_lock);
	return n;
}
