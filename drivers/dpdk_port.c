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
dpdk_port_open(struct dpdk_port *p, const char *name, const char *devargs,
	       uint16_t n_rxq, uint16_t n_txq, struct rte_mempool *mp,
	       char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->devargs, sizeof(p->devargs), "%s", devargs);
	dev_name_from_devargs(devargs, p->dev_name, sizeof(p->dev_name));

	rc = probe(devargs, &p->port_id, err, errlen);
	if (rc < 0)
		return rc;
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
	p->rxq_size = DPDK_PORT_RXQ_SIZE;
	p->txq_size = DPDK_PORT_TXQ_SIZE;
	p->socket_id = rte_eth_dev_socket_id(p->port_id);
	if (p->socket_id < 0)
		p->socket_id = 0;

	memset(&conf, 0, sizeof(conf));
	if (n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
		conf.rx_adv_conf.rss_conf.rss_hf &= info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
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
	if (rte_eth_macaddr_get(p->port_id, &mac) == 0)
		memcpy(p->mac, mac.addr_bytes, 6);
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

void
dpdk_port_close(struct dpdk_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (!rte_eth_dev_is_valid_port(p->port_id))
		return;
	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		dev = info.device;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	p->started = false;
	rte_eth_dev_close(p->port_id);
	if (dev != NULL)
		rte_dev_remove(dev);
}
