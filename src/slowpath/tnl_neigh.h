/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_NEIGH_H
#define PMDSWITCH_TNL_NEIGH_H

/*
 * The tunnel endpoints' neighbour cache: IPv4 next hop -> MAC, learnt
 * with ARP. A translation that needs a next hop the cache does not have
 * creates an INCOMPLETE entry (the packet is dropped and counted as
 * no_arp); tnl_neigh_due() then lists the requests to send: one at once,
 * again every TNL_NEIGH_RETRY_MS, at most TNL_NEIGH_TRIES times, then the
 * entry goes. A reply makes the entry REACHABLE for TNL_NEIGH_REACHABLE_MS;
 * after TNL_NEIGH_REFRESH_MS it is asked again while still used, and
 * goes if no reply comes in time (ageing). Only replies for entries the
 * switch asked for are learnt (no gratuitous or unsolicited learning):
 * an ARP storm cannot fill the cache, which holds TNL_NEIGH_MAX entries.
 *
 * Thread safety: none; the owner (tnl.c) holds its lock around every
 * call. Pure C, no DPDK: unit-tested with a fake clock.
 */

#include <stdbool.h>
#include <stdint.h>

#define TNL_NEIGH_MAX 256
#define TNL_NEIGH_RETRY_MS 1000
#define TNL_NEIGH_TRIES 3
#define TNL_NEIGH_REFRESH_MS 90000
#define TNL_NEIGH_REACHABLE_MS 120000

enum tnl_neigh_state {
	TNL_NEIGH_FREE = 0,
	TNL_NEIGH_INCOMPLETE,	/* Asked, no reply yet. */
	TNL_NEIGH_REACHABLE,
	TNL_NEIGH_STATIC,	/* From the configuration: never asked,
				 * never aged, never changed by ARP. */
};

struct tnl_neigh {
	uint32_t ip;		/* Network order. */
	uint8_t ep;		/* Endpoint index. */
	uint8_t state;		/* enum tnl_neigh_state */
	uint8_t tries;		/* Requests sent since the last reply. */
	uint8_t mac[6];
	uint64_t updated_ms;	/* Last reply (REACHABLE) / creation. */
	uint64_t asked_ms;	/* Last request; 0: none yet. */
};

struct tnl_neigh_stats {
	uint64_t requests;	/* Requests listed by tnl_neigh_due(). */
	uint64_t replies;	/* Replies learnt. */
	uint64_t unsolicited;	/* Replies for no entry: ignored. */
	uint64_t full;		/* No free entry for a next hop. */
	uint64_t expired;	/* Entries gone unanswered or aged out. */
};

struct tnl_neigh_cache {
	struct tnl_neigh e[TNL_NEIGH_MAX];
	struct tnl_neigh_stats stats;
};

/* The MAC of (ep, ip) when REACHABLE (true). Otherwise creates the
 * INCOMPLETE entry (when there is room) and returns false. */
bool tnl_neigh_lookup(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
		      uint8_t mac[6], uint64_t now_ms);

/* An ARP reply (or a request naming its sender) from ip with mac on
 * endpoint ep. Returns true when a next hop became reachable or changed
 * MAC (the megaflows built without it must be translated again). */
bool tnl_neigh_update(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
		      const uint8_t mac[6], uint64_t now_ms);

/* A request to send: who-has ip, asked on endpoint ep. */
struct tnl_neigh_request {
	uint8_t ep;
	uint32_t ip;
};

/* Up to max requests due now (marked as sent); expires what is gone
 * (*changed = true when a REACHABLE entry went). Returns how many. */
unsigned tnl_neigh_due(struct tnl_neigh_cache *c, uint64_t now_ms,
		       struct tnl_neigh_request *out, unsigned max,
		       bool *changed);

/* A static entry (configuration); false when the cache is full. */
bool tnl_neigh_set_static(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
			  const uint8_t mac[6]);

/* Forget every entry of endpoint ep (it went). */
void tnl_neigh_flush(struct tnl_neigh_cache *c, uint8_t ep);

const char *tnl_neigh_state_name(enum tnl_neigh_state s);

#endif /* PMDSWITCH_TNL_NEIGH_H */
