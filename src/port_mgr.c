/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports of pmdswitchd: mbuf pools per NUMA socket, opening a port of the
 * configuration (dpdk devargs, vhost-user through net_vhost, patch), giving
 * its rx queues to the PMDs, and taking all of it back in the order that
 * loses nothing on the other ports; link state and port counters.
 *
 * Thread safety: port_add() / port_del() / ports_poll_link() run on the
 * config thread, or a control command, under sw->config_lock (main
 * before the threads start).
 * Changes to sw->ports[] are made under sw->ports_lock (write); the
 * datapath port table entry is published with atomic stores and taken back
 * before an RCU grace period.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "daemon.h"

/* Mbufs a pool keeps for ports added by a reload. */
#define POOL_RELOAD_RESERVE 8192
/* net_pcap with infinite_rx keeps its whole capture in mbufs. */
#define POOL_PCAP_RESERVE 16384

void
sw_cfg_error(const struct pmdswitch_config *cfg, const struct cfg_mark *m,
	     const char *key, const char *msg, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s:%d:%d: %s: %s", cfg->file,
		 m->line > 0 ? m->line : 1, m->column > 0 ? m->column : 1,
		 key, msg);
}

void
port_signature(const struct cfg_port *cp, char *buf, size_t len)
{
	snprintf(buf, len, "%u|%s|%s|%s|%d|%s|%u|%u|%u|%u|%u|%d:%02x%02x%02x"
		 "%02x%02x%02x", cp->ofport, cp->type,
		 cp->devargs ? cp->devargs : "", cp->path ? cp->path : "",
		 (int)cp->mode, cp->peer ? cp->peer : "", cp->rxq, cp->queues,
		 cp->rxq_size, cp->txq_size, cp->mtu, cp->has_mac, cp->mac[0],
		 cp->mac[1], cp->mac[2], cp->mac[3], cp->mac[4], cp->mac[5]);
	if (cfg_port_is_tunnel(cp->kind)) {
		const struct cfg_tunnel *t = &cp->tunnel;
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "|%d:%x|%x|%d:%x|%u|%u|%u|%d",
			 t->remote_flow, t->remote_ip, t->local_ip, t->key_flow,
			 t->key, t->dst_port, t->ttl, t->tos, t->df);
	}
}

struct switch_port *
port_find(struct pmdswitch *sw, const char *name)
{
	for (unsigned i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].in_use && !strcmp(sw->ports[i].name, name))
			return &sw->ports[i];
	return NULL;
}

/* ------------------------------------------------------------ pools */

/* Packets of the capture a "net_pcap...,rx_pcap=FILE,infinite_rx=1" port
 * preloads into mbufs (0 for any other port or an unreadable file). */
static unsigned
pcap_preload_mbufs(const char *devargs)
{
	const char *f = strstr(devargs, "rx_pcap=");
	char path[4096];
	unsigned char hdr[24];
	unsigned n = 0;
	bool swap;
	FILE *fp;

	if (strncmp(devargs, "net_pcap", 8) != 0 || f == NULL ||
	    strstr(devargs, "infinite_rx=1") == NULL)
		return 0;
	f += 8;
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(f, ","), f);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return 0;
	if (fread(hdr, 1, sizeof(hdr), fp) == sizeof(hdr)) {
		swap = hdr[0] == 0xa1 || hdr[0] == 0xa0;  /* Big-endian. */
		while (fread(hdr, 1, 16, fp) == 16) {
			const unsigned char *l = hdr + 8;   /* incl_len */
			long len = swap ? (long)l[0] << 24 | l[1] << 16 |
				   l[2] << 8 | l[3] : (long)l[3] << 24 |
				   l[2] << 16 | l[1] << 8 | l[0];

			if (len < 0 || fseek(fp, len, SEEK_CUR) != 0)
				break;
			n++;
		}
	}
	fclose(fp);
	return n;
}


static uint16_t
cfg_qsize(uint16_t v)
{
	return v ? v : 1024;
}

/* Mbufs a port may hold: every descriptor, plus a burst per PMD (as many
 * as a reload may run). */
static uint32_t
port_mbuf_need(const struct pmdswitch *sw, const struct cfg_port *cp)
{
	if (!cfg_port_has_device(cp->kind))
		return 0;
	return (uint32_t)cp->rxq * cfg_qsize(cp->rxq_size) +
	       sw->max_pmds * cfg_qsize(cp->txq_size) +
	       2u * PMD_BURST * sw->max_pmds +
	       (cp->devargs ? pcap_preload_mbufs(cp->devargs) *
		(uint32_t)cp->rxq : 0);
}

static uint32_t
mbuf_data_room(const struct pmdswitch_config *cfg)
{
	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;

	for (size_t b = 0; b < cfg->n_bridges; b++)
		for (size_t p = 0; p < cfg->bridges[b].n_ports; p++) {
			uint32_t mtu = cfg->bridges[b].ports[p].mtu;
			uint32_t need = RTE_PKTMBUF_HEADROOM + mtu + 14 + 8 + 4;

			if (mtu && need > room)
				room = need;
		}
	return room;
}

/* The private area rounded up to a cache line, so that the packet data
 * (after the 128-byte mbuf header, the private area and the headroom)
 * starts on a line: a 64-byte frame is then one line, not two, for the
 * NIC's DMA and for the parser. */
#define POOL_PRIV_SIZE \
	RTE_ALIGN(sizeof(struct pmd_mbuf_priv), RTE_CACHE_LINE_SIZE)

static struct sw_pool *
pool_create(struct pmdswitch *sw, int socket, uint32_t need, char *err,
	    size_t errlen)
{
	struct sw_pool *pl = &sw->pools[socket];
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n;

	/* The upcall and exec rings, parked misses, per-lcore caches,
	 * pcap captures and a reserve for reloads come on top. */
	n = need + sw->max_pmds * (2 * sw->cfg.datapath.upcall_ring_size +
				   PMD_PARK_MAX) +
	    RTE_MAX_LCORE * 256 / 8 + POOL_PCAP_RESERVE + POOL_RELOAD_RESERVE;
	snprintf(name, sizeof(name), "mbufs_s%d", socket);
	pl->mp = rte_pktmbuf_pool_create(name, n, 256,
		POOL_PRIV_SIZE, (uint16_t)sw->mbuf_data_room, socket);
	if (pl->mp == NULL && socket != 0) {
		/* Memory on that socket may not be reserved: any socket. */
		pl->mp = rte_pktmbuf_pool_create(name, n, 256,
			POOL_PRIV_SIZE, (uint16_t)sw->mbuf_data_room,
			SOCKET_ID_ANY);
	}
	if (pl->mp == NULL) {
		snprintf(err, errlen, "cannot create a pool of %u mbufs of %u "
			 "bytes (%.1f MiB) on NUMA socket %d: %s; raise "
			 "dpdk.memory-mb (and reserve the hugepages for it) "
			 "or use fewer or smaller queues", n,
			 sw->mbuf_data_room, (double)n *
			 (sw->mbuf_data_room + 192) / (1024.0 * 1024.0),
			 socket, rte_strerror(rte_errno));
		return NULL;
	}
	pl->size = n;
	LOG_NOTICE("mbuf pool on socket %d: %u mbufs of %u bytes (%.1f MiB): "
		   "%u for the ports' descriptors, the rest for rings, "
		   "caches and ports added by reload", socket, n,
		   sw->mbuf_data_room, (double)n * (sw->mbuf_data_room + 192) /
		   (1024.0 * 1024.0), need);
	return pl;
}

int
pools_create(struct pmdswitch *sw, char *err, size_t errlen)
{
	uint32_t need[RTE_MAX_NUMA_NODES] = { 0 };
	int main_socket = (int)rte_socket_id();

	sw->mbuf_data_room = mbuf_data_room(&sw->cfg);
	if (main_socket < 0 || main_socket >= RTE_MAX_NUMA_NODES)
		main_socket = 0;
	/* Ports are probed by now: their sockets are known. */
	for (unsigned i = 0; i < PMD_MAX_PORTS; i++) {
		struct switch_port *p = &sw->ports[i];

		if (p->name[0] != '\0' && cfg_port_has_device(p->kind))
			need[p->dev.socket_id % RTE_MAX_NUMA_NODES] += p->mbufs;
	}
	need[main_socket] += 0;
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (need[s] == 0 && s != main_socket)
			continue;
		if (pool_create(sw, s, need[s], err, errlen) == NULL)
			return -ENOMEM;
	}
	sw->mp = sw->pools[main_socket].mp;
	return 0;
}

void
pools_free(struct pmdswitch *sw)
{
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(sw->pools[s].mp);
		sw->pools[s].mp = NULL;
	}
	sw->mp = NULL;
}

/* ------------------------------------------------------------ rx queues */

static int
assign_rxqs(struct pmdswitch *sw, struct switch_port *p)
{
	uint32_t in_port = XLATE_DP_IN_PORT(p->bridge, p->ofport);
	int rc = 0;

	pthread_mutex_lock(&sw->rxq_lock);
	for (uint16_t q = 0; rc == 0 && q < p->dev.n_rxq; q++) {
		struct pmd *best = sw->pmds[0];

		/* The PMD with the fewest queues. */
		for (unsigned i = 1; i < sw->n_pmds; i++)
			if (pmd_rxq_count(sw->pmds[i]) < pmd_rxq_count(best))
				best = sw->pmds[i];
		if (pmd_add_rxq(best, p->dp_port, p->dev.port_id, q,
				in_port) < 0)
			rc = -ENOSPC;
	}
	pthread_mutex_unlock(&sw->rxq_lock);
	return rc;
}

/* Take the port's rx queues off every PMD: publish the shorter list, wait
 * for a grace period, free what no PMD can see any more. */
static void
unassign_rxqs(struct pmdswitch *sw, uint32_t dp_port)
{
	/* pmd-rxq-rebalance and PMD changes write the lists too. */
	pthread_mutex_lock(&sw->rxq_lock);
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd *pmd = sw->pmds[i];
		struct pmd_rxq_list *cur = pmd->rxqs, *list;
		struct pmd_rxq *gone[PMD_MAX_RXQS];
		unsigned n_gone = 0;

		list = rte_malloc("pmd_rxqs", sizeof(*list),
				  RTE_CACHE_LINE_SIZE);
		if (list == NULL) {
			LOG_ERROR("out of memory taking rx queues off PMD %u",
				  pmd->lcore_id);
			continue;
		}
		list->n = 0;
		for (uint32_t j = 0; j < cur->n; j++) {
			if (cur->q[j]->dp_port == dp_port)
				gone[n_gone++] = cur->q[j];
			else
				list->q[list->n++] = cur->q[j];
		}
		if (n_gone == 0) {
			rte_free(list);
			continue;
		}
		pmd_rxq_list_publish(pmd, list);
		rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
		rte_free(cur);
		for (unsigned j = 0; j < n_gone; j++)
			rte_free(gone[j]);
	}
	pthread_mutex_unlock(&sw->rxq_lock);
}

/* ------------------------------------------------------------ ports */

static int
slot_alloc(struct pmdswitch *sw)
{
	/* A probed port (name set) holds its slot before it is in use. */
	for (unsigned i = 0; i < PMD_MAX_PORTS; i++)
		if (!sw->ports[i].in_use && sw->ports[i].name[0] == '\0')
			return (int)i;
	return -1;
}

static struct sw_pool *
pool_for(struct pmdswitch *sw, struct switch_port *p, char *err,
	 size_t errlen)
{
	int s = p->dev.socket_id % RTE_MAX_NUMA_NODES;
	struct sw_pool *pl = &sw->pools[s];

	if (pl->mp == NULL)
		return pool_create(sw, s, p->mbufs, err, errlen);
	if (pl->committed + p->mbufs > pl->size - POOL_PCAP_RESERVE / 2) {
		snprintf(err, errlen, "the mbuf pool of NUMA socket %d has "
			 "%u mbufs, %u in use by ports, this port needs %u: "
			 "restart pmdswitchd to size the pool for it", s,
			 pl->size, pl->committed, p->mbufs);
		return NULL;
	}
	return pl;
}

/* Probe: a slot in sw->ports, the device found or created. */
static struct switch_port *
port_probe(struct pmdswitch *sw, unsigned b, const struct cfg_port *cp,
	   const char *key, char *err, size_t errlen)
{
	char msg[600], devargs[512], sub[160];
	struct switch_port *p;
	int slot = slot_alloc(sw);

	if (slot < 0) {
		snprintf(msg, sizeof(msg), "too many ports (%d at most)",
			 PMD_MAX_PORTS);
		sw_cfg_error(&sw->cfg, &cp->mark, key, msg, err, errlen);
		return NULL;
	}
	p = &sw->ports[slot];
	memset(p, 0, sizeof(*p));
	p->kind = cp->kind;
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	p->ofport = cp->ofport;
	p->dp_port = (uint32_t)slot;
	p->bridge = b;
	port_signature(cp, p->sig, sizeof(p->sig));
	if (cp->kind == CFG_PORT_PATCH) {
		snprintf(p->peer, sizeof(p->peer), "%s", cp->peer);
		snprintf(p->dev.name, sizeof(p->dev.name), "%s", cp->name);
		p->link_up = true;
		return p;
	}
	if (cfg_port_is_tunnel(cp->kind)) {
		snprintf(p->dev.name, sizeof(p->dev.name), "%s", cp->name);
		p->link_up = true;
		return p;
	}
	if (cp->kind == CFG_PORT_VHOST_USER) {
		/* One tx queue per PMD: the device offers as many queue
		 * pairs as the guest or the PMDs (as many as a reload may
		 * run) need. */
		uint16_t q = cp->queues > sw->max_pmds ? cp->queues :
			     (uint16_t)sw->max_pmds;

		dpdk_port_vhost_devargs(devargs, sizeof(devargs),
					sw->vhost_seq++, cp->path,
					cp->mode == CFG_VHOST_CLIENT, q);
	} else {
		snprintf(devargs, sizeof(devargs), "%s", cp->devargs);
	}
	p->mbufs = port_mbuf_need(sw, cp);
	if (dpdk_port_probe(&p->dev, cp->name, devargs, msg,
			    sizeof(msg)) < 0) {
		snprintf(sub, sizeof(sub), "%s.%s", key,
			 cp->kind == CFG_PORT_DPDK ? "devargs" : "path");
		sw_cfg_error(&sw->cfg, &cp->devargs_mark, sub, msg, err,
			     errlen);
		dpdk_port_close(&p->dev);
		return NULL;
	}
	return p;
}

/* Tx queues of a port: one per PMD a reload may run (so adding PMDs
 * needs no reconfiguration of the port), as far as the device offers
 * them, and at least one per running PMD (dpdk_port_start() refuses a
 * device with fewer). */
static unsigned
port_txqs(const struct pmdswitch *sw, const struct switch_port *p)
{
	unsigned n = sw->max_pmds, need = pmds_txq_needed(sw);
	struct rte_eth_dev_info info;

	if (cfg_port_has_device(p->kind) &&
	    rte_eth_dev_info_get(p->dev.port_id, &info) == 0 &&
	    info.max_tx_queues < n)
		n = info.max_tx_queues;
	return n > need ? n : need;
}

static int
port_activate(struct pmdswitch *sw, struct switch_port *p,
	      const struct cfg_port *cp, const char *key, char *err,
	      size_t errlen)
{
	struct bridge *br = &sw->bridges[p->bridge];
	struct dpdk_port_conf pc = {
		.n_rxq = cp->rxq, .n_txq = (uint16_t)port_txqs(sw, p),
		.rxq_size = cp->rxq_size, .txq_size = cp->txq_size,
		.mtu = cp->mtu, .mac = cp->has_mac ? cp->mac : NULL,
	};
	char msg[600], sub[160];
	struct sw_pool *pl;
	int rc;

	if (cfg_port_has_device(p->kind)) {
		const struct cfg_mark *m = &cp->devargs_mark;

		snprintf(sub, sizeof(sub), "%s.%s", key,
			 p->kind == CFG_PORT_DPDK ? "devargs" : "path");
		pl = pool_for(sw, p, msg, sizeof(msg));
		if (pl == NULL) {
			sw_cfg_error(&sw->cfg, &cp->mark, key, msg, err,
				     errlen);
			return -ENOMEM;
		}
		if (cp->mtu && RTE_PKTMBUF_HEADROOM + cp->mtu + 26u >
		    sw->mbuf_data_room) {
			snprintf(msg, sizeof(msg), "MTU %u needs mbufs of %u "
				 "bytes, the pool has %u: restart pmdswitchd",
				 cp->mtu, RTE_PKTMBUF_HEADROOM + cp->mtu + 26,
				 sw->mbuf_data_room);
			snprintf(sub, sizeof(sub), "%s.mtu", key);
			sw_cfg_error(&sw->cfg, &cp->mtu_mark, sub, msg, err,
				     errlen);
			return -EINVAL;
		}
		rc = dpdk_port_start(&p->dev, &pc, pl->mp, msg, sizeof(msg));
		if (rc < 0) {
			if (strstr(msg, "MTU") && cp->mtu) {
				m = &cp->mtu_mark;
				snprintf(sub, sizeof(sub), "%s.mtu", key);
			} else if (strstr(msg, "MAC") && cp->has_mac) {
				m = &cp->mac_mark;
				snprintf(sub, sizeof(sub), "%s.mac", key);
			}
			sw_cfg_error(&sw->cfg, m, sub, msg, err, errlen);
			return rc;
		}
		pl->committed += p->mbufs;
		p->mp = pl->mp;
		p->link_up = dpdk_port_link_up(&p->dev);
	}

	pthread_rwlock_wrlock(&sw->ports_lock);
	p->in_use = true;
	if (p->dp_port + 1 > sw->n_ports)
		sw->n_ports = p->dp_port + 1;
	pthread_rwlock_unlock(&sw->ports_lock);

	if (cfg_port_has_device(p->kind)) {
		struct pmd_port *pp = &sw->port_table.ports[p->dp_port];

		pp->dpdk_port_id = p->dev.port_id;
		pp->ofport = p->ofport;
		__atomic_store_n(&pp->in_use, true, __ATOMIC_RELEASE);
		if (p->dp_port + 1 > sw->port_table.n_ports)
			__atomic_store_n(&sw->port_table.n_ports,
					 p->dp_port + 1, __ATOMIC_RELEASE);
		slowpath_port_set(sw->sp, p->bridge, p->ofport,
				  (int)p->dp_port, 0, 0);
		if (assign_rxqs(sw, p) < 0) {
			snprintf(msg, sizeof(msg), "too many rx queues for "
				 "the PMD threads (%d each at most)",
				 PMD_MAX_RXQS);
			sw_cfg_error(&sw->cfg, &cp->mark, key, msg, err,
				     errlen);
			return -ENOSPC;
		}
	} else {
		slowpath_port_set(sw->sp, p->bridge, p->ofport, -1, 0, 0);
		if (cfg_port_is_tunnel(p->kind) &&
		    (rc = tunnel_port_activate(sw, p, cp)) < 0) {
			snprintf(msg, sizeof(msg), "no room for tunnel port "
				 "%s (%d at most)", p->name, TNL_MAX_PORTS);
			sw_cfg_error(&sw->cfg, &cp->mark, key, msg, err,
				     errlen);
			return rc;
		}
	}
	if (bridge_port_add(br, p->ofport, p->name, p->dev.mac) < 0) {
		snprintf(msg, sizeof(msg), "bridge %s cannot take port %s "
			 "(ofport %u)", br->name, p->name, p->ofport);
		sw_cfg_error(&sw->cfg, &cp->mark, key, msg, err, errlen);
		return -EEXIST;
	}
	if (!p->link_up)
		bridge_port_status_link(br, p->ofport, false);
	if (p->kind == CFG_PORT_PATCH)
		LOG_NOTICE("port %s: bridge %s, ofport %u, patch to %s",
			   p->name, br->name, p->ofport, p->peer);
	else if (cfg_port_is_tunnel(p->kind))
		LOG_NOTICE("port %s: bridge %s, ofport %u, %s tunnel",
			   p->name, br->name, p->ofport, cp->type);
	else
		LOG_NOTICE("port %s: bridge %s, ofport %u, dpdk port %u, %u "
			   "rxq x %u, %u txq x %u, socket %d, link %s (%s)",
			   p->name, br->name, p->ofport, p->dev.port_id,
			   p->dev.n_rxq, p->dev.rxq_size, p->dev.n_txq,
			   p->dev.txq_size, p->dev.socket_id,
			   p->link_up ? "up" : "down", p->dev.devargs);
	return 0;
}

int
port_add(struct pmdswitch *sw, unsigned b, const struct cfg_port *cp,
	 const char *key, char *err, size_t errlen)
{
	struct switch_port *p = port_probe(sw, b, cp, key, err, errlen);
	int rc;

	if (p == NULL)
		return -EINVAL;
	rc = port_activate(sw, p, cp, key, err, errlen);
	if (rc < 0) {
		if (p->in_use) {
			port_del(sw, p);
		} else {
			dpdk_port_close(&p->dev);
			memset(p, 0, sizeof(*p));
		}
	}
	return rc;
}

/* Probe every device port of the configuration (start-up, before the
 * pools: their NUMA sockets size the pools). */
int
ports_probe_all(struct pmdswitch *sw, char *err, size_t errlen)
{
	char key[96];

	for (size_t b = 0; b < sw->cfg.n_bridges; b++) {
		const struct cfg_bridge *cb = &sw->cfg.bridges[b];

		for (size_t i = 0; i < cb->n_ports; i++) {
			snprintf(key, sizeof(key), "bridges[%zu].ports[%zu]",
				 b, i);
			if (port_probe(sw, (unsigned)b, &cb->ports[i], key, err,
				       errlen) == NULL)
				return -EINVAL;
		}
	}
	return 0;
}

/* Start the probed ports (start-up). */
int
ports_activate_all(struct pmdswitch *sw, char *err, size_t errlen)
{
	char key[96];

	for (unsigned i = 0; i < PMD_MAX_PORTS; i++) {
		struct switch_port *p = &sw->ports[i];
		const struct cfg_port *cp;
		size_t b;

		if (p->name[0] == '\0' || p->in_use)
			continue;
		cp = config_find_port(&sw->cfg, p->name, &b);
		snprintf(key, sizeof(key), "bridges[%zu].ports[%zu]", b,
			 (size_t)(cp - sw->cfg.bridges[b].ports));
		if (port_activate(sw, p, cp, key, err, errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

void
port_del(struct pmdswitch *sw, struct switch_port *p)
{
	struct bridge *br = &sw->bridges[p->bridge];

	if (cfg_port_has_device(p->kind)) {
		/* 1. No PMD polls it. */
		unassign_rxqs(sw, p->dp_port);
		/* 2. No new megaflow outputs to it, 3. no PMD sends to it. */
		slowpath_port_del(sw->sp, p->bridge, p->ofport);
		__atomic_store_n(&sw->port_table.ports[p->dp_port].in_use,
				 false, __ATOMIC_RELEASE);
	} else {
		slowpath_port_del(sw->sp, p->bridge, p->ofport);
		if (cfg_port_is_tunnel(p->kind))
			tunnel_port_del(sw, p);
	}
	/* 4. Megaflows that output to it go (after a grace period no PMD
	 * holds a tx batch for it either). */
	slowpath_revalidate(sw->sp);
	if (br->ofp != NULL) {
		bridge_port_status_del(br, p->ofport);
	}
	/* 5. The device. */
	if (cfg_port_has_device(p->kind)) {
		dpdk_port_close(&p->dev);
		if (p->mp != NULL) {
			for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
				if (sw->pools[s].mp == p->mp)
					sw->pools[s].committed -= p->mbufs;
		}
	}
	LOG_NOTICE("port %s: removed from bridge %s", p->name, br->name);
	pthread_rwlock_wrlock(&sw->ports_lock);
	sw->gone_tx_drops[p->dp_port] = 0;
	memset(p, 0, sizeof(*p));
	while (sw->n_ports > 0 && !sw->ports[sw->n_ports - 1].in_use)
		sw->n_ports--;
	pthread_rwlock_unlock(&sw->ports_lock);
}

/* ------------------------------------------------------------ link, stats */

void
ports_poll_link(struct pmdswitch *sw)
{
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct switch_port *p = &sw->ports[i];
		bool up;

		if (!p->in_use || !cfg_port_has_device(p->kind))
			continue;
		up = dpdk_port_link_up(&p->dev);
		if (up == p->link_up)
			continue;
		p->link_up = up;
		p->link_changes++;
		LOG_NOTICE("port %s: link %s%s", p->name, up ? "up" : "down",
			   p->kind == CFG_PORT_VHOST_USER ?
			   (up ? " (guest connected)" : " (guest left)") : "");
		bridge_port_status_link(&sw->bridges[p->bridge], p->ofport,
					up);
	}
}

void
port_stats(struct pmdswitch *sw, const struct switch_port *p,
	   struct sw_port_stats *st)
{
	struct rte_eth_stats es;

	memset(st, 0, sizeof(*st));
	if (!cfg_port_has_device(p->kind) || !p->dev.started)
		return;
	if (rte_eth_stats_get(p->dev.port_id, &es) != 0)
		return;
	st->rx_packets = es.ipackets;
	st->rx_bytes = es.ibytes;
	st->rx_missed = es.imissed;
	st->rx_nombuf = es.rx_nombuf;
	st->rx_errors = es.ierrors;
	st->tx_packets = es.opackets;
	st->tx_bytes = es.obytes;
	st->tx_errors = es.oerrors;
	/* What the device refused (full ring, no guest) the PMDs freed and
	 * counted; errors the device had after taking a packet are its own. */
	st->tx_dropped = sw->gone_tx_drops[p->dp_port];
	for (unsigned i = 0; i < sw->n_pmds; i++)
		st->tx_dropped += pmd_port_tx_drops(sw->pmds[i], p->dp_port);
}
