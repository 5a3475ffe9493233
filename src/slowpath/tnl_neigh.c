/* SPDX-License-Identifier: BSD-3-Clause */
/* The tunnel neighbour cache (see tnl_neigh.h). */
#include "tnl_neigh.h"

#include <string.h>

static struct tnl_neigh *
find(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip)
{
	for (unsigned i = 0; i < TNL_NEIGH_MAX; i++)
		if (c->e[i].state != TNL_NEIGH_FREE && c->e[i].ep == ep &&
		    c->e[i].ip == ip)
			return &c->e[i];
	return NULL;
}

bool
tnl_neigh_lookup(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
		 uint8_t mac[6], uint64_t now_ms)
{
	struct tnl_neigh *n = find(c, ep, ip);

	if (n != NULL) {
		if (n->state != TNL_NEIGH_REACHABLE &&
		    n->state != TNL_NEIGH_STATIC)
			return false;
		memcpy(mac, n->mac, 6);
		return true;
	}
	for (unsigned i = 0; i < TNL_NEIGH_MAX; i++) {
		n = &c->e[i];
		if (n->state != TNL_NEIGH_FREE)
			continue;
		memset(n, 0, sizeof(*n));
		n->ip = ip;
		n->ep = ep;
		n->state = TNL_NEIGH_INCOMPLETE;
		n->updated_ms = now_ms;
		return false;
	}
	c->stats.full++;
	return false;
}

bool
tnl_neigh_update(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
		 const uint8_t mac[6], uint64_t now_ms)
{
	struct tnl_neigh *n = find(c, ep, ip);
	bool changed;

	if (n == NULL || n->state == TNL_NEIGH_STATIC) {
		c->stats.unsolicited++;
		return false;
	}
	changed = n->state != TNL_NEIGH_REACHABLE ||
		  memcmp(n->mac, mac, 6) != 0;
	memcpy(n->mac, mac, 6);
	n->state = TNL_NEIGH_REACHABLE;
	n->tries = 0;
	n->updated_ms = now_ms;
	c->stats.replies++;
	return changed;
}

unsigned
tnl_neigh_due(struct tnl_neigh_cache *c, uint64_t now_ms,
	      struct tnl_neigh_request *out, unsigned max, bool *changed)
{
	unsigned n_out = 0;

	*changed = false;
	for (unsigned i = 0; i < TNL_NEIGH_MAX; i++) {
		struct tnl_neigh *n = &c->e[i];
		bool ask;

		if (n->state == TNL_NEIGH_FREE || n->state == TNL_NEIGH_STATIC)
			continue;
		if (n->state == TNL_NEIGH_REACHABLE &&
		    now_ms - n->updated_ms >= TNL_NEIGH_REACHABLE_MS) {
			n->state = TNL_NEIGH_FREE;
			c->stats.expired++;
			*changed = true;
			continue;
		}
		if (n->state == TNL_NEIGH_REACHABLE)
			ask = now_ms - n->updated_ms >= TNL_NEIGH_REFRESH_MS &&
			      (n->asked_ms == 0 ||
			       now_ms - n->asked_ms >= TNL_NEIGH_RETRY_MS);
		else
			ask = n->asked_ms == 0 ||
			      now_ms - n->asked_ms >= TNL_NEIGH_RETRY_MS;
		if (!ask)
			continue;
		if (n->state == TNL_NEIGH_INCOMPLETE &&
		    n->tries >= TNL_NEIGH_TRIES) {
			n->state = TNL_NEIGH_FREE;
			c->stats.expired++;
			continue;
		}
		if (n_out == max)
			continue;
		out[n_out].ep = n->ep;
		out[n_out].ip = n->ip;
		n_out++;
		n->tries++;
		n->asked_ms = now_ms;
		c->stats.requests++;
	}
	return n_out;
}

bool
tnl_neigh_set_static(struct tnl_neigh_cache *c, uint8_t ep, uint32_t ip,
		     const uint8_t mac[6])
{
	struct tnl_neigh *n = find(c, ep, ip);

	for (unsigned i = 0; n == NULL && i < TNL_NEIGH_MAX; i++)
		if (c->e[i].state == TNL_NEIGH_FREE)
			n = &c->e[i];
	if (n == NULL)
		return false;
	memset(n, 0, sizeof(*n));
	n->ip = ip;
	n->ep = ep;
	n->state = TNL_NEIGH_STATIC;
	memcpy(n->mac, mac, 6);
	return true;
}

void
tnl_neigh_flush(struct tnl_neigh_cache *c, uint8_t ep)
{
	for (unsigned i = 0; i < TNL_NEIGH_MAX; i++)
		if (c->e[i].ep == ep)
			c->e[i].state = TNL_NEIGH_FREE;
}

const char *
tnl_neigh_state_name(enum tnl_neigh_state s)
{
	switch (s) {
	case TNL_NEIGH_INCOMPLETE:
		return "incomplete";
	case TNL_NEIGH_REACHABLE:
		return "reachable";
	case TNL_NEIGH_STATIC:
		return "static";
	default:
		return "free";
	}
}
