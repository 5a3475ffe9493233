/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sFlow v5 agent thread (see sflow_agent.h): sample rings → flow
 * samples, port counters → counter samples, datagrams → collectors.
 */
#include "sflow_agent.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "daemon.h"
#include "dataplane/pmd_observe.h"
#include "slowpath/sflow_wire.h"

#define SFLOW_AGENT_TICK_MS 10
#define SFLOW_AGENT_BURST 64
/* Rx queues per port whose sample pools are tracked apart. */
#define SFLOW_MAX_QUEUES 64

/* One bridge as a sub-agent. */
struct sflow_bridge {
	bool enabled;
	bool ipv6;
	uint8_t agent_addr[16];
	uint32_t sampling_rate;
	uint32_t polling_ms;
	uint32_t header_bytes;
	size_t n_collectors;
	struct sockaddr_storage collector[CFG_SFLOW_MAX_COLLECTORS];
	socklen_t collector_len[CFG_SFLOW_MAX_COLLECTORS];
	uint32_t dgram_seq;
	uint64_t next_poll_ms;
	bool open;			/* dgram has been begun. */
	struct sflow_dgram dgram;
	struct sflow_agent_stats stats;
};

/* One datapath port as a data source. */
struct sflow_source {
	uint32_t flow_seq;
	uint32_t counter_seq;
	uint64_t pool;			/* Packets seen by the sampler. */
	uint64_t last_pool[SFLOW_MAX_QUEUES];	/* Per rx queue. */
};

struct sflow_agent {
	struct pmdswitch *sw;
	pthread_t thread;
	volatile bool stop;
	pthread_mutex_t lock;		/* Guards everything below. */
	int fd4, fd6;
	struct sflow_bridge br[PMDSWITCH_MAX_BRIDGES];
	struct sflow_source src[PMD_MAX_PORTS];
};

static void
dgram_send(struct sflow_agent *ag, unsigned b, uint32_t uptime)
{
	struct sflow_bridge *sb = &ag->br[b];

	if (!sb->open || sb->dgram.n_samples == 0)
		return;
	sflow_dgram_finish(&sb->dgram, ++sb->dgram_seq, uptime);
	for (size_t i = 0; i < sb->n_collectors; i++) {
		int fd = sb->collector[i].ss_family == AF_INET6 ? ag->fd6 :
			 ag->fd4;

		if (fd < 0 || sendto(fd, sb->dgram.buf, sb->dgram.len,
				     MSG_DONTWAIT,
				     (const struct sockaddr *)&sb->collector[i],
				     sb->collector_len[i]) < 0)
			sb->stats.send_errors++;
	}
	sb->stats.datagrams++;
	sflow_dgram_begin(&sb->dgram, sb->agent_addr, sb->ipv6, b);
}

static void
dgram_open(struct sflow_agent *ag, unsigned b)
{
	struct sflow_bridge *sb = &ag->br[b];

	if (!sb->open) {
		sflow_dgram_begin(&sb->dgram, sb->agent_addr, sb->ipv6, b);
		sb->open = true;
	}
}

static uint32_t
out_word(struct pmdswitch *sw, const struct pmd_sample *s)
{
	switch (s->out_kind) {
	case PMD_SAMPLE_OUT_PORT:
		if (s->out_arg < PMD_MAX_PORTS && sw->ports[s->out_arg].in_use)
			return sw->ports[s->out_arg].ofport & 0x3fffffffu;
		return SFLOW_IF_UNKNOWN;
	case PMD_SAMPLE_OUT_MULTI:
		return SFLOW_IF_MULTIPLE(s->out_arg);
	case PMD_SAMPLE_OUT_DROP:
		return SFLOW_IF_DISCARD(SFLOW_DISCARD_ACL);
	case PMD_SAMPLE_OUT_LOCAL:
		return SFLOW_IF_INTERNAL;
	default:
		return SFLOW_IF_UNKNOWN;
	}
}

static void
flow_sample(struct sflow_agent *ag, const struct pmd_sample *s,
	    uint32_t drops, uint32_t uptime)
{
	struct pmdswitch *sw = ag->sw;
	struct switch_port *p;
	struct sflow_source *src;
	struct sflow_bridge *sb;
	struct sflow_flow_sample fs;
	uint64_t *last;

	if (s->in_dp_port >= PMD_MAX_PORTS)
		return;
	p = &sw->ports[s->in_dp_port];
	src = &ag->src[s->in_dp_port];
	/* The pool counts every packet the queue received, sampled or not:
	 * what it grew by since this queue's last sample. */
	last = &src->last_pool[s->queue_id % SFLOW_MAX_QUEUES];
	src->pool += s->pool >= *last ? s->pool - *last : s->pool;
	*last = s->pool;
	if (!p->in_use || p->bridge >= PMDSWITCH_MAX_BRIDGES)
		return;
	sb = &ag->br[p->bridge];
	if (!sb->enabled || sb->sampling_rate == 0)
		return;
	fs.sequence = ++src->flow_seq;
	fs.source_id = p->ofport & 0xffffffu;
	fs.sampling_rate = sb->sampling_rate;
	fs.sample_pool = (uint32_t)src->pool;
	fs.drops = drops;
	fs.input = p->ofport & 0x3fffffffu;
	fs.output = out_word(sw, s);
	fs.frame_length = s->frame_len;
	fs.stripped = 0;
	fs.header = s->header;
	fs.header_len = s->header_len < sb->header_bytes ? s->header_len :
			sb->header_bytes;
	dgram_open(ag, p->bridge);
	if (sflow_dgram_add_flow(&sb->dgram, &fs) < 0) {
		dgram_send(ag, p->bridge, uptime);
		sflow_dgram_add_flow(&sb->dgram, &fs);
	}
	sb->stats.flow_samples++;
}

static void
counter_sample(struct sflow_agent *ag, struct switch_port *p, uint32_t uptime)
{
	struct sflow_bridge *sb = &ag->br[p->bridge];
	struct sflow_source *src = &ag->src[p->dp_port];
	struct sflow_if_counters c;
	struct sw_port_stats st;
	struct rte_eth_link link;

	port_stats(ag->sw, p, &st);
	memset(&c, 0, sizeof(c));
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->dev.port_id, &link);
	c.if_index = p->ofport;
	c.if_type = 6;	/* ethernetCsmacd */
	if (link.link_speed != RTE_ETH_SPEED_NUM_NONE &&
	    link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
		c.if_speed = (uint64_t)link.link_speed * 1000000u;
	c.if_direction = link.link_status == RTE_ETH_LINK_DOWN ? 0 :
			 link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? 1 : 2;
	c.if_status = 1u | (p->link_up ? 2u : 0u);
	/* DPDK counts packets, not unicast/multicast/broadcast apart: every
	 * packet is reported as unicast. */
	c.in_octets = st.rx_bytes;
	c.in_ucast = (uint32_t)st.rx_packets;
	c.in_discards = (uint32_t)(st.rx_missed + st.rx_nombuf);
	c.in_errors = (uint32_t)st.rx_errors;
	c.out_octets = st.tx_bytes;
	c.out_ucast = (uint32_t)st.tx_packets;
	c.out_discards = (uint32_t)st.tx_dropped;
	c.out_errors = (uint32_t)st.tx_errors;
	dgram_open(ag, p->bridge);
	if (sflow_dgram_add_counters(&sb->dgram, src->counter_seq + 1,
				     p->ofport & 0xffffffu, &c) < 0) {
		dgram_send(ag, p->bridge, uptime);
		sflow_dgram_add_counters(&sb->dgram, src->counter_seq + 1,
					 p->ofport & 0xffffffu, &c);
	}
	src->counter_seq++;
	sb->stats.counter_samples++;
}

/* One pass: drain the rings, poll the counters that are due, send. */
static void
agent_pass(struct sflow_agent *ag)
{
	struct pmdswitch *sw = ag->sw;
	struct pmd_sample s[SFLOW_AGENT_BURST];
	uint64_t now = pmd_clock_ms();
	uint32_t uptime = (uint32_t)(now - sw->start_ms);
	uint64_t drops = 0;

	for (unsigned i = 0; i < sw->n_pmds; i++)
		drops += __atomic_load_n(&sw->pmds[i]->stats.sflow_sample_drops,
					 __ATOMIC_RELAXED);
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct rte_ring *r = sw->pmds[i]->sample_ring;
		/* At most one ring's worth per pass: a flood cannot keep
		 * the thread here. */
		unsigned budget = PMD_SAMPLE_RING_SIZE, n;

		do {
			n = rte_ring_sc_dequeue_burst_elem(r, s, sizeof(s[0]),
							   SFLOW_AGENT_BURST,
							   NULL);
			for (unsigned j = 0; j < n; j++)
				flow_sample(ag, &s[j], (uint32_t)drops, uptime);
			budget = n < budget ? budget - n : 0;
		} while (n == SFLOW_AGENT_BURST && budget > 0);
	}
	for (unsigned b = 0; b < sw->n_bridges; b++) {
		struct sflow_bridge *sb = &ag->br[b];

		if (!sb->enabled || !sw->bridges[b].in_use ||
		    sb->polling_ms == 0 || now < sb->next_poll_ms)
			continue;
		sb->next_poll_ms = now + sb->polling_ms;
		for (unsigned i = 0; i < sw->n_ports; i++) {
			struct switch_port *p = &sw->ports[i];

			if (p->in_use && p->bridge == b &&
			    p->kind != CFG_PORT_PATCH)
				counter_sample(ag, p, uptime);
		}
	}
	for (unsigned b = 0; b < PMDSWITCH_MAX_BRIDGES; b++)
		if (ag->br[b].enabled)
			dgram_send(ag, b, uptime);
}

static void *
agent_main(void *arg)
{
	struct sflow_agent *ag = arg;
	struct timespec ts = {0, SFLOW_AGENT_TICK_MS * 1000000L};

	while (!ag->stop) {
		nanosleep(&ts, NULL);
		pthread_rwlock_rdlock(&ag->sw->ports_lock);
		pthread_mutex_lock(&ag->lock);
		agent_pass(ag);
		pthread_mutex_unlock(&ag->lock);
		pthread_rwlock_unlock(&ag->sw->ports_lock);
	}
	return NULL;
}

struct sflow_agent *
sflow_agent_start(struct pmdswitch *sw)
{
	struct sflow_agent *ag = calloc(1, sizeof(*ag));
	int rc;

	if (ag == NULL)
		return NULL;
	ag->sw = sw;
	pthread_mutex_init(&ag->lock, NULL);
	ag->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ag->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ag->fd4 < 0 && ag->fd6 < 0) {
		int err = errno;

		free(ag);
		errno = err;
		return NULL;
	}
	rc = pthread_create(&ag->thread, NULL, agent_main, ag);
	if (rc != 0) {
		if (ag->fd4 >= 0)
			close(ag->fd4);
		if (ag->fd6 >= 0)
			close(ag->fd6);
		free(ag);
		errno = rc;
		return NULL;
	}
	return ag;
}

void
sflow_agent_destroy(struct sflow_agent *ag)
{
	if (ag == NULL)
		return;
	ag->stop = true;
	pthread_join(ag->thread, NULL);
	if (ag->fd4 >= 0)
		close(ag->fd4);
	if (ag->fd6 >= 0)
		close(ag->fd6);
	pthread_mutex_destroy(&ag->lock);
	free(ag);
}

static const struct cfg_sflow *
bridge_sflow(const struct pmdswitch *sw, const struct bridge *br)
{
	for (size_t i = 0; i < sw->cfg.n_bridges; i++)
		if (!strcmp(sw->cfg.bridges[i].name, br->name))
			return sw->cfg.bridges[i].sflow.enabled ?
			       &sw->cfg.bridges[i].sflow : NULL;
	return NULL;
}

void
sflow_agent_apply(struct pmdswitch *sw)
{
	struct sflow_agent *ag = sw->sflow;
	uint32_t rate[PMD_MAX_PORTS] = {0};

	for (unsigned b = 0; b < PMDSWITCH_MAX_BRIDGES; b++) {
		const struct cfg_sflow *cs = NULL;
		struct sflow_bridge *sb;

		if (b < sw->n_bridges && sw->bridges[b].in_use)
			cs = bridge_sflow(sw, &sw->bridges[b]);
		for (unsigned i = 0; cs != NULL && i < sw->n_ports; i++)
			if (sw->ports[i].in_use && sw->ports[i].bridge == b &&
			    sw->ports[i].kind != CFG_PORT_PATCH)
				rate[i] = cs->sampling_rate;
		if (ag == NULL)
			continue;
		pthread_mutex_lock(&ag->lock);
		sb = &ag->br[b];
		if (cs == NULL) {
			sb->enabled = false;
			sb->open = false;
			pthread_mutex_unlock(&ag->lock);
			continue;
		}
		if (!sb->enabled) {
			memset(sb, 0, sizeof(*sb));
			sb->next_poll_ms = pmd_clock_ms() +
					   cs->polling_interval * 1000u;
		}
		sb->enabled = true;
		sb->ipv6 = cs->agent_ipv6;
		memcpy(sb->agent_addr, cs->agent_addr, sizeof(sb->agent_addr));
		sb->sampling_rate = cs->sampling_rate;
		sb->polling_ms = cs->polling_interval * 1000u;
		sb->header_bytes = cs->header_bytes;
		sb->n_collectors = cs->n_collectors;
		memcpy(sb->collector, cs->collector_addr,
		       sizeof(sb->collector));
		memcpy(sb->collector_len, cs->collector_len,
		       sizeof(sb->collector_len));
		/* A datagram begun with another agent address starts over. */
		sb->open = false;
		pthread_mutex_unlock(&ag->lock);
	}
	for (unsigned i = 0; i < PMD_MAX_PORTS; i++)
		__atomic_store_n(&sw->port_table.ports[i].sample_rate,
				 ag != NULL ? rate[i] : 0, __ATOMIC_RELAXED);
}

bool
sflow_agent_bridge_stats(struct pmdswitch *sw, unsigned bridge,
			 struct sflow_agent_stats *st)
{
	struct sflow_agent *ag = sw->sflow;
	bool on;

	if (ag == NULL || bridge >= PMDSWITCH_MAX_BRIDGES)
		return false;
	pthread_mutex_lock(&ag->lock);
	on = ag->br[bridge].enabled;
	*st = ag->br[bridge].stats;
	pthread_mutex_unlock(&ag->lock);
	return on;
}
