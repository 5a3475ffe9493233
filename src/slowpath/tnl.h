/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_H
#define PMDSWITCH_TNL_H

/*
 * The tunnel registry: the switch's tunnel endpoints (one per bridge at
 * most: an IPv4 address owned on one of its dpdk ports, the underlay) and
 * its tunnel ports (vxlan, geneve), the neighbour cache and routes of the
 * underlay, and the datapath's view of them (struct tnl_dp_table, built
 * and published here, see tnl_dp.h).
 *
 * The config thread adds and removes endpoints and ports and publishes;
 * the slowpath translates output to a tunnel port with tnl_xlate_output()
 * (route, neighbour, prebuilt header: DP_ACTION_TNL_PUSH + OUTPUT to the
 * underlay port, or a counted DP_ACTION_TNL_DROP), feeds ARP replies in
 * with tnl_arp_input() and sends the ARP requests tnl_run() asks for.
 *
 * Thread safety: one process-wide registry behind a mutex; every function
 * takes it. Lock order: the slowpath's map lock, then this one. The
 * published table is replaced whole and freed after an RCU grace period
 * of the PMDs' variable.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "dataplane/dp_actions.h"
#include "dataplane/flow_key.h"
#include "dataplane/tnl_dp.h"
#include "ofproto/strbuf.h"
#include "tnl_route.h"

struct pmd;

struct tnl_endpoint_conf {
	uint32_t dp_port;	/* The underlay port's datapath index. */
	char port_name[16];
	uint8_t mac[6];		/* The underlay port's MAC. */
	uint16_t mtu;		/* The underlay port's MTU. */
	struct tnl_routes routes;	/* Address, subnet, gateway, routes. */
	unsigned n_static;		/* Static neighbours. */
	struct {
		uint32_t ip;
		uint8_t mac[6];
	} statics[64];
};

struct tnl_port_conf {
	char name[16];
	uint32_t ofport;
	enum tnl_type type;
	bool remote_flow;
	uint32_t remote_ip;	/* Network order. */
	uint32_t local_ip;	/* 0: the endpoint's. */
	bool key_flow;
	uint32_t key;
	uint16_t dst_port;	/* Host order. */
	uint8_t ttl, tos;
	bool df;
};

/* Set (or replace) bridge's endpoint. 0 or -errno. */
int tnl_endpoint_set(unsigned bridge, const struct tnl_endpoint_conf *c);
void tnl_endpoint_del(unsigned bridge);

/* Add a tunnel port of bridge (which must have an endpoint); returns its
 * index (0..TNL_MAX_PORTS-1) or -errno. */
int tnl_port_add(unsigned bridge, const struct tnl_port_conf *c);
void tnl_port_del(int index);

/* Build the datapath table from the registry and publish it; the old one
 * is freed after a grace period of qs (NULL: no PMD yet, freed at once). */
int tnl_publish(struct rte_rcu_qsbr *qs);

/* Output of a packet with this (pipeline) key to tunnel port index:
 * appends the datapath actions; makes mask cover the key fields the
 * result depends on (tun_dst for remote-ip: flow, tun_id for key: flow).
 * false when the list is full. */
bool tnl_xlate_output(int index, const struct flow_key *key,
		      struct flow_key *mask, struct dp_actions *out);

/* An ARP reply the PMD sent up from endpoint ep's underlay port. Returns
 * true when a next hop was resolved or changed (translate again). */
bool tnl_arp_input(unsigned ep, const uint8_t *frame, uint32_t len);

/* Periodic work (the slowpath thread): ARP requests due are built and
 * handed to send(arg, dp_port, frame, len); ageing. Returns true when a
 * resolved next hop went (translate again). */
bool tnl_run(uint64_t now_ms,
	     void (*send)(void *arg, uint32_t dp_port, const uint8_t *frame,
			  uint32_t len),
	     void *arg);

/* pmdswitch-ctl tunnel-show: endpoints (with routes and the per-endpoint
 * drop counters), tunnel ports (with their counters summed over pmds),
 * and the neighbour cache; text or one JSON document. */
void tnl_show(struct strbuf *out, bool json, struct pmd *const *pmds,
	      unsigned n_pmds);

/* Names for dump-megaflows: "vxlan" / "geneve", the port's name. */
const char *tnl_type_name(enum tnl_type t);

#endif /* PMDSWITCH_TNL_H */
