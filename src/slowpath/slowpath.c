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
	struct ofproto *ofp;
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
	sp->ofp = ofp;
	memcpy(sp->pmds, pmds, n_pmds * sizeof(pmds[0]));
	sp->n_pmds = n_pmds;
	sp->ports = ports;
	sp->mp = mp;
	sp->idle_ms = idle_ms;
	pthread_mutex_init(&sp->mf_lock, NULL);
	return sp;
}

void
slowpath_set_ofproto(struct slowpath *sp, struct ofproto *ofp)
{
	sp->ofp = ofp;
}

void
slowpath_destroy(struct slowpath *sp)
{
	if (sp == NULL)
		return;
	slowpath_stop(sp);
	pthread_mutex_destroy(&sp->mf_lock);
	free(sp);
}

/* Credit what a megaflow forwarded since the last time to its rules.
 * Called with mf_lock held. */
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
		ofproto_credit_rule(sp->ofp, mf->cookies[i], dp, db);
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

	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
	pthread_mutex_unlock(&sp->mf_lock);
}

void
slowpath_flows_changed(void *arg)
{
	struct slowpath *sp = arg;

	/* First the generation, so a lookup that saw the old rules and has
	 * not installed yet will not install. */
	__atomic_fetch_add(&sp->generation, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		megaflow_foreach(sp->pmds[i]->megaflows, credit_cb, sp);
		megaflow_flush(sp->pmds[i]->megaflows);
	}
	/* One grace period covers every PMD: they share the RCU variable. */
	for (unsigned i = 0; i < sp->n_pmds; i++)
		megaflow_synchronize(sp->pmds[i]->megaflows);
	pthread_mutex_unlock(&sp->mf_lock);
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
	struct ofproto_lookup_result res;
	struct flow_key key;
	struct megaflow *existing = NULL;
	uint64_t gen;

	flow_parse(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_data_len(m),
		   priv->in_port, &key);
	gen = __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST);
	ofproto_lookup(sp->ofp, &key, &res);
	xlate_actions(res.actions, res.n_actions, priv->in_port, sp->ports,
		      &priv->actions);

	pthread_mutex_lock(&sp->mf_lock);
	if (gen != __atomic_load_n(&sp->generation, __ATOMIC_SEQ_CST)) {
		SP_COUNT(sp, install_stale, 1);
	} else if (megaflow_insert(pmd->megaflows, &key, &res.mask,
				   &priv->actions, res.rule_ids,
				   (uint32_t)res.n_rules, &existing) != NULL) {
		SP_COUNT(sp, installs, 1);
	} else if (errno == EEXIST) {
		SP_COUNT(sp, install_exists, 1);
	} else {
		SP_COUNT(sp, install_full, 1);
	}
	pthread_mutex_unlock(&sp->mf_lock);

	/* The packet itself was not counted by any megaflow: credit it to
	 * the rules directly. */
	for (size_t i = 0; i < res.n_rules; i++)
		ofproto_credit_rule(sp->ofp, res.rule_ids[i], 1,
				    rte_pktmbuf_pkt_len(m));
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
	uint32_t max_len = priv->upcall_arg;
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	const void *data;

	flow_parse(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_data_len(m),
		   priv->in_port, &key);
	ofproto_lookup(sp->ofp, &key, &res);
	if (max_len > len)
		max_len = len;
	if (max_len > sizeof(buf))
		max_len = sizeof(buf);
	data = rte_pktmbuf_read(m, 0, max_len, buf);
	if (data != NULL) {
		ofproto_packet_in(sp->ofp, res.n_rules ? 1 : 0, res.table_id,
				  res.cookie, priv->in_port, data, max_len,
				  len);
		SP_COUNT(sp, packet_ins, 1);
	}
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

	pthread_mutex_lock(&sp->mf_lock);
	for (unsigned i = 0; i < sp->n_pmds; i++) {
		c.table = sp->pmds[i]->megaflows;
		c.removed = 0;
		megaflow_foreach(c.table, expire_cb, &c);
		removed += c.removed;
	}
	pthread_mutex_unlock(&sp->mf_lock);
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
	struct slowpath *sp = arg;
	struct pmd_mbuf_priv *priv;
	struct rte_mbuf *m;
	char *data;
	int dp;

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
	priv->in_port = in_port;
	dp = xlate_dp_port(sp->ports, in_port);
	priv->in_dp_port = dp < 0 ? UINT32_MAX : (uint32_t)dp;
	xlate_actions(actions, n_actions, in_port, sp->ports, &priv->actions);
	SP_COUNT(sp, packet_outs, 1);
	send_to_pmd(sp, sp->pmds[0], m);
	return 0;
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
