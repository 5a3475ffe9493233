/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DPDK_PORT_H
#define PMDSWITCH_DPDK_PORT_H

/*
 * A DPDK ethdev port: a PCI NIC or any virtual device given by devargs
 * (net_pcap, net_null, net_ring, net_af_packet, net_vhost, ...). The device
 * is probed at run time with rte_dev_probe(), so the devargs string of the
 * configuration is all it takes.
 *
 * Queues: n_rxq receive queues (polled by PMDs) and one transmit queue per
 * PMD thread, so every tx queue has exactly one writer and no tx lock.
 *
 * Thread safety: open / start / stop / close from the control side only;
 * rx/tx bursts from the PMD that owns the queue.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

struct dpdk_port {
	char name[64];		/* Port name from the configuration. */
	char devargs[512];
	char dev_name[64];	/* Device name: devargs up to the first ','. */
	uint16_t port_id;	/* DPDK ethdev port id. */
	uint16_t n_rxq;
	uint16_t n_txq;
	uint16_t rxq_size;	/* Descriptors per rx queue. */
	uint16_t txq_size;
	int socket_id;		/* NUMA socket of the device (0 if unknown). */
	uint8_t mac[6];
	uint16_t mtu;
	bool probed;		/* This port probed the device. */
	bool started;
};

/* How to set a probed device up. Zero fields: the driver's defaults. */
struct dpdk_port_conf {
	uint16_t n_rxq;
	uint16_t n_txq;
	uint16_t rxq_size;	/* Descriptors per queue; 0 = 1024. */
	uint16_t txq_size;
	uint16_t mtu;		/* 0 = leave the device's. */
	const uint8_t *mac;	/* NULL = leave the device's. */
};

/* Probe the device named by devargs, configure n_rxq / n_txq queues with
 * mbufs from mp, and start it. On error returns -errno and writes a message
 * into err (the caller adds the configuration's file:line:column). */
int dpdk_port_open(struct dpdk_port *p, const char *name, const char *devargs,
		   uint16_t n_rxq, uint16_t n_txq, struct rte_mempool *mp,
		   char *err, size_t errlen);
/* The two halves of dpdk_port_open(): probe (the socket id is known
 * after it, to choose the mbuf pool), then configure and start. */
int dpdk_port_probe(struct dpdk_port *p, const char *name, const char *devargs,
		    char *err, size_t errlen);
int dpdk_port_start(struct dpdk_port *p, const struct dpdk_port_conf *conf,
		    struct rte_mempool *mp, char *err, size_t errlen);
/* Link state now (rte_eth_link_get_nowait; net_vhost: a guest is there;
 * net_af_packet: also the kernel interface's operstate, read from sysfs:
 * control thread only). */
bool dpdk_port_link_up(const struct dpdk_port *p);
/* net_vhost devargs for a vhost-user port: the device net_vhost<seq>. */
void dpdk_port_vhost_devargs(char *buf, size_t len, unsigned seq,
			     const char *path, bool client, uint16_t queues);

/* Stop and close the device, and detach it; tx_pcap files are flushed. */
void dpdk_port_close(struct dpdk_port *p);

/* Largest number of rx / tx queues the device offers, probed without
 * configuring it (-errno if the devargs cannot be probed). */
int dpdk_port_max_queues(const char *devargs, uint16_t *max_rxq,
			 uint16_t *max_txq, char *err, size_t errlen);

#endif /* PMDSWITCH_DPDK_PORT_H */
