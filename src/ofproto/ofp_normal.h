/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_NORMAL_H
#define PMDSWITCH_OFP_NORMAL_H

/*
 * OFPP_NORMAL: a MAC-learning L2 switch inside the OpenFlow model, used for
 * output:NORMAL actions and, in standalone fail mode, for every packet
 * while no controller is connected.
 *
 * The MAC table is bounded: 4-way set-associative, OFP_MAC_SETS sets; a
 * new address evicts an expired entry or the least recently seen one of
 * its set. Entries age out after OFP_MAC_AGING_SEC without traffic.
 *
 * The decision for a packet consults in_port, eth_src, eth_dst and the
 * VLAN id; ofp_normal_decide() ORs exactly those into the megaflow mask.
 * It reports whether it changed the table in a way that can make cached
 * decisions wrong (a new address, which may have been flooded before, or
 * an address that moved to another port): the caller then has the host
 * revalidate its caches.
 *
 * Thread safety: none inside; the ofproto mutex guards the table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/flow_key.h"
#include "ofproto.h"

#define OFP_MAC_WAYS 4
#define OFP_MAC_SETS 2048
#define OFP_MAC_AGING_SEC 300

struct ofp_mac_entry {
	uint8_t mac[6];
	uint16_t vlan;		/* VID, 0 = untagged. */
	uint32_t port;		/* 0 = free slot. */
	uint64_t used_ns;
};

struct ofp_mac_table {
	struct ofp_mac_entry *entries;	/* OFP_MAC_SETS * OFP_MAC_WAYS */
	size_t count;
	uint64_t aging_ns;
	uint64_t learned;	/* Insertions and moves. */
};

int ofp_mac_table_init(struct ofp_mac_table *t);
void ofp_mac_table_destroy(struct ofp_mac_table *t);
void ofp_mac_table_flush(struct ofp_mac_table *t);
/* Forgets every address learned on port. */
void ofp_mac_table_flush_port(struct ofp_mac_table *t, uint32_t port);

/* Learns mac on port; returns true when the address is new or moved. */
bool ofp_mac_learn(struct ofp_mac_table *t, const uint8_t mac[6],
		   uint16_t vlan, uint32_t port, uint64_t now_ns);
/* The port mac was learned on, or 0. */
uint32_t ofp_mac_lookup(const struct ofp_mac_table *t, const uint8_t mac[6],
			uint16_t vlan, uint64_t now_ns);

/* The NORMAL decision for key: writes one action (output to the learned
 * port, or FLOOD) or none (drop: destination on the ingress port) into
 * acts and returns their number; ORs the consulted bits into mask; sets
 * *changed when learning changed the table (see above). */
size_t ofp_normal_decide(struct ofp_mac_table *t, const struct flow_key *key,
			 struct flow_key *mask, struct ofpact *acts,
			 uint64_t now_ns, bool *changed);

#endif /* PMDSWITCH_OFP_NORMAL_H */
