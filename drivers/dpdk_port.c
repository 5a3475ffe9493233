/* SPDX-License-Identifier: BSD-3-Clause */
#include "dpdk_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#define DPDK_PORT_RXQ_SIZE 1024
#define DPDK_PORT_TXQ_SIZE 1024

static void
dev_name_from_devargs(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

/* Probe (if not yet) and find the ethdev port id. */
static int
probe(const char *devargs, uint16_t *port_id, char *err, size_t errlen)
{
	char name[64];
	int rc;

	dev_name_from_devargs(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		snprintf(err, errlen, "cannot probe device \"%s\": %s",
			 devargs, rte_strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, errlen,
			 "device \"%s\" was probed but is not an ethdev port "
			 "named \"%s\"", devargs, name);
		return -ENODEV;
	}
	return 0;
}

int
dpdk_port_max_queues(const char *devargs, uint16_t *max_rxq,
		     uint16_t *max_txq, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	uint16_t port_id;
	int rc;

	rc = probe(devargs, &port_id, err, errlen);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read device info: %s",
			 devargs, rte_strerror(-rc));
		return rc;
	}
	*max_rxq = info.max_rx_queues;
	*max_txq = info.max_tx_queues;
	return 0;
}

int
dpdk_port_probe(struct dpdk_port *p, const char *name, const char *devargs,
		char *err, size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->devargs, sizeof(p->devargs), "%s", devargs);
	dev_name_from_devargs(devargs, p->dev_name, sizeof(p->dev_name));
	rc = probe(devargs, &p->port_id, err, errlen);
	if (rc < 0)
		return rc;
	p->probed = true;
	p->socket_id = rte_eth_dev_socket_id(p->port_id);
	if (p->socket_id < 0)
		p->socket_id = 0;
	return 0;
}

int
dpdk_port_start(struct dpdk_port *p, const struct dpdk_port_conf *pc,
		struct rte_mempool *mp, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t n_rxq = pc->n_rxq, n_txq = pc->n_txq;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read device info: %s",
			 rte_strerror(-rc));
		return rc;
	}
	if (n_rxq > info.max_rx_queues) {
		snprintf(err, errlen,
			 "device \"%s\" has %u rx queues at most, %u asked",
			 p->dev_name, info.max_rx_queues, n_rxq);
		return -EINVAL;
	}
	if (n_txq > info.max_tx_queues) {
		snprintf(err, errlen,
			 "device \"%s\" has %u tx queues at most, %u needed "
			 "(one per PMD thread)", p->dev_name,
			 info.max_tx_queues, n_txq);
		return -EINVAL;
	}
	p->n_rxq = n_rxq;
	p->n_txq = n_txq;
	p->rxq_size = pc->rxq_size ? pc->rxq_size : DPDK_PORT_RXQ_SIZE;
	p->txq_size = pc->txq_size ? pc->txq_size : DPDK_PORT_TXQ_SIZE;

	memset(&conf, 0, sizeof(conf));
	if (n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
		conf.rx_adv_conf.rss_conf.rss_hf &= info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	if (pc->mtu)
		conf.rxmode.mtu = pc->mtu;
	rc = rte_eth_dev_configure(p->port_id, n_rxq, n_txq, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "cannot configure device \"%s\": %s",
			 p->dev_name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &p->rxq_size,
					      &p->txq_size);
	if (rc < 0) {
		snprintf(err, errlen, "cannot size queues of \"%s\": %s",
			 p->dev_name, rte_strerror(-rc));
		return rc;
	}
	if (pc->mtu) {
		rc = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
		if (rc < 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "device \"%s\" refuses MTU %u: "
				 "%s (its range: %u to %u)", p->dev_name,
				 pc->mtu, rte_strerror(-rc), info.min_mtu,
				 info.max_mtu);
			return rc;
		}
	}
	for (uint16_t q = 0; q < n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, p->rxq_size,
					    (unsigned)p->socket_id, NULL, mp);
		if (rc < 0) {
			snprintf(err, errlen,
				 "cannot set up rx queue %u of \"%s\": %s", q,
				 p->dev_name, rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < n_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, p->txq_size,
					    (unsigned)p->socket_id, NULL);
		if (rc < 0) {
			snprintf(err, errlen,
				 "cannot set up tx queue %u of \"%s\": %s", q,
				 p->dev_name, rte_strerror(-rc));
			return rc;
		}
	}
	if (pc->mac != NULL) {
		memcpy(mac.addr_bytes, pc->mac, 6);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		if (rc < 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "device \"%s\" refuses the MAC "
				 "address: %s", p->dev_name, rte_strerror(-rc));
			return rc;
		}
	}
	if (rte_eth_macaddr_get(p->port_id, &mac) == 0)
		memcpy(p->mac, mac.addr_bytes, 6);
	if (pc->mac != NULL)	/* Devices without the call take it as ours. */
		memcpy(p->mac, pc->mac, 6);
	if (rte_eth_dev_get_mtu(p->port_id, &p->mtu) != 0)
		p->mtu = 1500;
	rte_eth_promiscuous_enable(p->port_id);	/* A switch port. */
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start device \"%s\": %s",
			 p->dev_name, rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	return 0;
}

int
dpdk_port_open(struct dpdk_port *p, const char *name, const char *devargs,
	       uint16_t n_rxq, uint16_t n_txq, struct rte_mempool *mp,
	       char *err, size_t errlen)
{
	struct dpdk_port_conf pc = { .n_rxq = n_rxq, .n_txq = n_txq };
	int rc = dpdk_port_probe(p, name, devargs, err, errlen);

	return rc < 0 ? rc : dpdk_port_start(p, &pc, mp, err, errlen);
}

/* net_af_packet's link status (DPDK 22.11) is "started", whatever the
 * kernel interface does: the interface's own operational state decides
 * (/sys/class/net/IFACE/operstate: a veth whose peer is down is
 * "lowerlayerdown"). True when it cannot be read (no such information
 * is no evidence of a link down). */
static bool
af_packet_iface_up(const struct dpdk_port *p)
{
	char iface[64], path[128], state[32] = "";
	const char *v = strstr(p->devargs, ",iface=");
	size_t n;
	FILE *f;

	if (strncmp(p->dev_name, "net_af_packet", 13) != 0 || v == NULL)
		return true;
	v += 7;
	n = strcspn(v, ",");
	if (n == 0 || n >= sizeof(iface) || memchr(v, '/', n) != NULL ||
	    (n <= 2 && v[0] == '.'))
		return true;
	memcpy(iface, v, n);
	iface[n] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", iface);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	if (fgets(state, sizeof(state), f) == NULL)
		state[0] = '\0';
	fclose(f);
	return strncmp(state, "up", 2) == 0 || strncmp(state, "unknown", 7) == 0;
}

bool
dpdk_port_link_up(const struct dpdk_port *p)
{
	struct rte_eth_link link;

	if (!p->started)
		return false;
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->port_id, &link) < 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP && af_packet_iface_up(p);
}

void
dpdk_port_vhost_devargs(char *buf, size_t len, unsigned seq, const char *path,
			bool client, uint16_t queues)
{
	snprintf(buf, len, "net_vhost%u,iface=%s,queues=%u,client=%d", seq,
		 path, queues, client ? 1 : 0);
}

void
dpdk_port_close(struct dpdk_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (!p->probed || !rte_eth_dev_is_valid_port(p->port_id))
		return;
	p->probed = false;
	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		dev = info.device;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	p->started = false;
	rte_eth_dev_close(p->port_id);
	if (dev != NULL)
		rte_dev_remove(dev);
}
