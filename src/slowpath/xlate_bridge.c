/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Translation across bridges (see xlate.h, "Several bridges and patch
 * ports"): runs the OpenFlow pipelines a packet crosses and builds one
 * megaflow from them. Apart from xlate.c so that the single-table
 * translator stays testable without ofproto.
 */
#include "xlate.h"

#include <string.h>

static unsigned
add(struct dp_actions *out, uint16_t type, uint32_t arg)
{
	if (out->n >= DP_ACTIONS_MAX)
		return 1;
	out->a[out->n].type = type;
	out->a[out->n].arg = arg;
	out->n++;
	return 0;
}

struct xlate_ctx {
	const struct xlate_map *map;
	struct xlate_result *res;
};

static void run_bridge(struct xlate_ctx *c, unsigned bridge,
		       const struct flow_key *key, unsigned depth);

const struct xlate_port *
xlate_map_port(const struct xlate_map *map, unsigned bridge, uint32_t ofport)
{
	const struct xlate_bridge *b;

	if (bridge >= XLATE_MAX_BRIDGES || ofport == 0)
		return NULL;
	b = &map->bridges[bridge];
	for (uint32_t i = 0; i < b->n_ports; i++)
		if (b->ports[i].ofport == ofport)
			return &b->ports[i];
	return NULL;
}

static void
emit(struct xlate_ctx *c, unsigned bridge, const struct xlate_port *xp,
     const struct flow_key *key, unsigned depth)
{
	struct flow_key k2;

	if (xp->dp_port >= 0) {
		c->res->skipped += add(&c->res->actions, DP_ACTION_OUTPUT,
				       (uint32_t)xp->dp_port);
		return;
	}
	if (xp->peer_ofport == 0 ||
	    c->map->bridges[xp->peer_bridge].ofp == NULL) {
		c->res->skipped++;
		return;
	}
	if (depth + 1 >= XLATE_PATCH_DEPTH) {
		c->res->depth_exceeded = true;
		c->res->skipped++;
		return;
	}
	(void)bridge;
	k2 = *key;
	k2.in_port = xp->peer_ofport;
	k2.metadata = 0;
	run_bridge(c, xp->peer_bridge, &k2, depth + 1);
}

static uint32_t
upcall_ctx(const struct xlate_ctx *c, unsigned bridge, uint32_t in_port,
	   unsigned depth)
{
	const struct xlate_port *xp;

	if (depth == 0)
		return 0;
	xp = xlate_map_port(c->map, bridge, in_port);
	if (xp == NULL)
		return 0;
	return 1 + bridge * XLATE_MAX_BRIDGE_PORTS +
	       (uint32_t)(xp - c->map->bridges[bridge].ports);
}

/* key: the pipeline's key (in_port = plain ofport of `bridge`). */
static void
apply_actions(struct xlate_ctx *c, unsigned bridge, const struct flow_key *key,
	      const struct ofpact *acts, size_t n_acts, unsigned depth)
{
	const struct xlate_bridge *b = &c->map->bridges[bridge];
	struct xlate_result *res = c->res;
	uint32_t in_port = key->in_port;

	for (size_t i = 0; i < n_acts; i++) {
		const struct ofpact *a = &acts[i];
		const struct xlate_port *xp;

		if (a->type == OFPACT_CONTROLLER ||
		    (a->type == OFPACT_OUTPUT &&
		     a->port == OFPP13_CONTROLLER)) {
			res->skipped += add(&res->actions, DP_ACTION_UPCALL,
				XLATE_UPCALL_ARG(a->max_len,
					upcall_ctx(c, bridge, in_port, depth)));
			continue;
		}
		if (a->type != OFPACT_OUTPUT) {
			res->skipped++;
			continue;
		}
		switch (a->port) {
		case OFPP13_IN_PORT:
			xp = xlate_map_port(c->map, bridge, in_port);
			if (xp == NULL)
				res->skipped++;
			else
				emit(c, bridge, xp, key, depth);
			break;
		case OFPP13_ALL:
		case OFPP13_FLOOD:
			for (uint32_t p = 0; p < b->n_ports; p++)
				if (b->ports[p].ofport != 0 &&
				    b->ports[p].ofport != in_port)
					emit(c, bridge, &b->ports[p], key,
					     depth);
			break;
		default:
			xp = xlate_map_port(c->map, bridge, a->port);
			if (xp == NULL || a->port == in_port)
				res->skipped++;
			else
				emit(c, bridge, xp, key, depth);
			break;
		}
	}
}

static void
run_bridge(struct xlate_ctx *c, unsigned bridge, const struct flow_key *key,
	   unsigned depth)
{
	struct ofproto_lookup_result lr;
	struct ofproto *ofp = c->map->bridges[bridge].ofp;

	if (ofp == NULL)
		return;
	ofproto_lookup(ofp, key, &lr);
	/* in_port of a peer pipeline is not a packet field: the megaflow's
	 * in_port (all ones) already pins it. */
	lr.mask.in_port = 0;
	flow_key_or(&c->res->mask, &lr.mask);
	for (size_t i = 0; i < lr.n_rules; i++)
		if (c->res->n_cookies < 8)
			c->res->cookies[c->res->n_cookies++] =
				XLATE_COOKIE(bridge, lr.rule_ids[i]);
	apply_actions(c, bridge, key, lr.actions, lr.n_actions, depth);
}

static void
result_init(struct xlate_result *res)
{
	memset(res, 0, sizeof(*res));
	res->mask.in_port = UINT32_MAX;
}

void
xlate_packet(const struct xlate_map *map, const struct flow_key *key,
	     struct xlate_result *res)
{
	struct xlate_ctx c = { .map = map, .res = res };
	unsigned bridge = XLATE_IN_PORT_BRIDGE(key->in_port);
	struct flow_key k = *key;

	result_init(res);
	if (bridge >= XLATE_MAX_BRIDGES)
		return;
	k.in_port = XLATE_IN_PORT_OFPORT(key->in_port);
	run_bridge(&c, bridge, &k, 0);
	res->mask.in_port = UINT32_MAX;
}

void
xlate_execute(const struct xlate_map *map, unsigned bridge,
	      const struct flow_key *key, const struct ofpact *acts,
	      size_t n_acts, struct xlate_result *res)
{
	struct xlate_ctx c = { .map = map, .res = res };
	struct flow_key k = *key;

	result_init(res);
	if (bridge >= XLATE_MAX_BRIDGES || map->bridges[bridge].ofp == NULL)
		return;
	apply_actions(&c, bridge, &k, acts, n_acts, 0);
}

bool
xlate_upcall_context(const struct xlate_map *map, uint32_t dp_in_port,
		     uint32_t arg, unsigned *bridge, uint32_t *ofport)
{
	uint32_t ctx = arg >> 16;

	if (ctx == 0) {
		*bridge = XLATE_IN_PORT_BRIDGE(dp_in_port);
		*ofport = XLATE_IN_PORT_OFPORT(dp_in_port);
	} else {
		unsigned slot = (ctx - 1) % XLATE_MAX_BRIDGE_PORTS;

		*bridge = (ctx - 1) / XLATE_MAX_BRIDGE_PORTS;
		if (*bridge >= XLATE_MAX_BRIDGES)
			return false;
		*ofport = map->bridges[*bridge].ports[slot].ofport;
	}
	return *bridge < XLATE_MAX_BRIDGES &&
	       map->bridges[*bridge].ofp != NULL && *ofport != 0;
}
