/* SPDX-License-Identifier: BSD-3-Clause */
/* Underlay next hops of a tunnel endpoint (see tnl_route.h). */
#include "tnl_route.h"

#include <arpa/inet.h>

uint32_t
tnl_route_mask(uint8_t plen)
{
	return plen == 0 ? 0 : htonl(plen >= 32 ? ~0u : ~0u << (32 - plen));
}

uint32_t
tnl_route_next_hop(const struct tnl_routes *rt, uint32_t dst)
{
	int best = -1;

	if (dst == 0 || dst == rt->ip)
		return 0;
	if (((dst ^ rt->ip) & tnl_route_mask(rt->plen)) == 0)
		return dst;
	for (unsigned i = 0; i < rt->n && i < TNL_ROUTES_MAX; i++)
		if (((dst ^ rt->r[i].prefix) & tnl_route_mask(rt->r[i].plen)) ==
			    0 &&
		    (best < 0 || rt->r[i].plen > rt->r[best].plen))
			best = (int)i;
	if (best >= 0)
		return rt->r[best].via;
	return rt->gateway;
}
