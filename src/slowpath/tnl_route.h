/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_ROUTE_H
#define PMDSWITCH_TNL_ROUTE_H

/*
 * Underlay routing of a tunnel endpoint: its own subnet is on link, then
 * the static routes (longest prefix first), then the default gateway.
 * Addresses in network order.
 *
 * Thread safety: pure functions of a struct tnl_routes the caller owns.
 */

#include <stdint.h>

#define TNL_ROUTES_MAX 64

struct tnl_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;
};

struct tnl_routes {
	uint32_t ip;		/* The endpoint's address ... */
	uint8_t plen;		/* ... and subnet. */
	uint32_t gateway;	/* 0: no default route. */
	unsigned n;
	struct tnl_route r[TNL_ROUTES_MAX];
};

/* The next hop toward dst: dst itself on link, a gateway, or 0 (no
 * route; dst 0 or the endpoint's own address has none either). */
uint32_t tnl_route_next_hop(const struct tnl_routes *rt, uint32_t dst);

/* The network-order mask of a prefix length. */
uint32_t tnl_route_mask(uint8_t plen);

#endif /* PMDSWITCH_TNL_ROUTE_H */
