/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Translation across bridges (see xlate.h, "Several bridges and patch
 * ports"): runs the OpenFlow pipelines a packet crosses and builds one
 * megaflow from them. Apart from xlate.c so that the single-table
 * translator stays testable without ofproto.
 */
#include "xlate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_meter.h"
#include "dataplane/dp_packet.h"
#include "dataplane/flow_parse.h"
#include "ofproto/ofproto_trace.h"
#include "tnl.h"

/* Room in front of a reparsed packet for the pushes before the pop. */
#define REPARSE_HEADROOM 2048

static unsigned
add(struct dp_actions *out, uint16_t type, uint32_t arg)
{
	return dp_actions_add(out, type, 0, arg) ? 0 : 1;
}

/* OFPC_INVALID_TTL_TO_CONTROLLER: an expired TTL becomes a packet-in
 * (else a counted drop, the OpenFlow default). */
static bool
ttl_to_controller(struct ofproto *ofp)
{
	return ofp != NULL && ofproto_invalid_ttl_to_controller(ofp);
}

struct xlate_ctx {
	const struct xlate_map *map;
	struct xlate_result *res;
	bool probe;		/* Revalidation: look up without side effects. */
	/* The packet as it entered the first bridge, or NULL. */
	const struct ofproto_packet *pkt;
	struct ofproto_trace *tr;	/* xlate_trace(): the steps. */
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

	if (xp->tnl != 0) {
		if (!tnl_xlate_output(xp->tnl - 1, key, &c->res->mask,
				      &c->res->actions)) {
			c->res->skipped++;
			c->res->truncated = true;
		}
		return;
	}
	if (xp->dp_port >= 0) {
		if (add(&c->res->actions, DP_ACTION_OUTPUT,
			(uint32_t)xp->dp_port)) {
			c->res->skipped++;
			c->res->truncated = true;
		}
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
	k2.in_phy_port = 0;	/* The peer's IN_PHY_PORT is its patch port. */
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

/* key: the pipeline's key (in_port = plain ofport of `bridge`), changed
 * by the header actions as they are translated (a patch port continues
 * with the rewritten packet). pin_reason: the lookup's packet-in reason. */
static void
apply_actions(struct xlate_ctx *c, unsigned bridge, struct flow_key *key,
	      const struct ofpact *acts, size_t n_acts, unsigned depth,
	      uint8_t pin_reason)
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
			/* The pipeline stamps the reason on every CONTROLLER
			 * action it emits, and OFPR_NO_MATCH is 0: only a
			 * bare OUTPUT:CONTROLLER takes the lookup's. */
			uint8_t reason = a->type == OFPACT_CONTROLLER ?
					 a->reason : pin_reason;

			if (!xlate_add_upcall(&res->actions, a, reason,
				XLATE_UPCALL_ARG(a->max_len,
					upcall_ctx(c, bridge, in_port,
						   depth)))) {
				res->skipped++;
				res->truncated = true;
			}
			continue;
		}
		if (a->type == OFPACT_CLONE) {
			size_t n = a->n_nested;
			unsigned pos = res->actions.n;
			struct flow_key k2 = *key;

			if (n > n_acts - i - 1)
				n = n_acts - i - 1;
			if (add(&res->actions, DP_ACTION_CLONE, 0)) {
				res->skipped++;
				res->truncated = true;
			} else {
				apply_actions(c, bridge, &k2, a + 1, n, depth,
					      pin_reason);
				res->actions.a[pos].arg =
					res->actions.n - pos - 1u;
				if (res->actions.a[pos].arg == 0)
					res->actions.n--;	/* Empty. */
			}
			i += n;
			continue;
		}
		if (a->type == OFPACT_METER) {
			int slot = dp_meter_find(bridge, a->id);

			if (slot < 0)
				res->skipped++;	/* Unknown: no metering. */
			else if (add(&res->actions, DP_ACTION_METER,
				     (uint32_t)slot))
				res->truncated = true;
			continue;
		}
		if (a->type != OFPACT_OUTPUT) {
			int r = xlate_ofpact_header(a,
				XLATE_UPCALL_ARG(0xffff, upcall_ctx(c, bridge,
						in_port, depth)),
				ttl_to_controller(b->ofp), &res->actions);

			if (r < 0) {
				res->skipped++;
				/* Out of room (actions, or data for a set-field
				 * or a TTL packet-in): not cacheable. */
				if (res->actions.n >= DP_ACTIONS_MAX ||
				    res->actions.data_len + 1u + 2u * 16u >
					    DP_ACTIONS_DATA)
					res->truncated = true;
			}
			if (r != 0)
				xlate_key_apply(key, a);
			/* SET_QUEUE (no queues), GROUP (never in a
			 * result): nothing to do. */
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
	struct flow_key k = *key;

	if (c->tr != NULL)
		ofproto_lookup_trace(ofp, key, depth == 0 ? c->pkt : NULL,
				     &lr, c->tr);
	else if (c->probe)
		ofproto_lookup_probe(ofp, key, &lr);
	else
		/* A peer bridge gets the packet as rewritten by the first:
		 * the bytes at hand are not it. */
		ofproto_lookup_packet(ofp, key, depth == 0 ? c->pkt : NULL,
				      &lr);
	if (lr.uncacheable)
		c->res->uncacheable = true;
	/* in_port of a peer pipeline is not a packet field: the megaflow's
	 * in_port (all ones) already pins it. */
	lr.mask.in_port = 0;
	flow_key_or(&c->res->mask, &lr.mask);
	for (size_t i = 0; i < lr.n_rules && i < OFPROTO_MAX_RULE_REFS; i++) {
		if (c->res->n_cookies < XLATE_MAX_COOKIES)
			c->res->cookies[c->res->n_cookies++] =
				XLATE_COOKIE(bridge, lr.rule_ids[i]);
		else
			c->res->cookies_overflow = true;
	}
	if (lr.n_actions > OFPROTO_MAX_ACTIONS)
		lr.n_actions = OFPROTO_MAX_ACTIONS;
	apply_actions(c, bridge, &k, lr.actions, lr.n_actions, depth,
		      lr.pin_reason);
}

static void
result_init(struct xlate_result *res)
{
	memset(res, 0, sizeof(*res));
	res->mask.in_port = UINT32_MAX;
}

static void
xlate_run(const struct xlate_map *map, const struct flow_key *key,
	  const struct ofproto_packet *pkt, struct xlate_result *res,
	  bool probe, struct ofproto_trace *tr)
{
	struct xlate_ctx c = { .map = map, .res = res, .probe = probe,
			       .pkt = pkt, .tr = tr };
	unsigned bridge = XLATE_IN_PORT_BRIDGE(key->in_port);
	struct flow_key k = *key;

	result_init(res);
	if (bridge >= XLATE_MAX_BRIDGES)
		return;
	k.in_port = XLATE_IN_PORT_OFPORT(key->in_port);
	run_bridge(&c, bridge, &k, 0);
	res->mask.in_port = UINT32_MAX;
	dp_actions_finish(&res->actions);
}

void
xlate_packet(const struct xlate_map *map, const struct flow_key *key,
	     struct xlate_result *res)
{
	xlate_run(map, key, NULL, res, false, NULL);
}

void
xlate_packet_data(const struct xlate_map *map, const struct flow_key *key,
		  const void *data, uint32_t len, struct xlate_result *res)
{
	const struct ofproto_packet pkt = {
		.data = data, .len = len, .reparse = xlate_reparse,
	};

	xlate_run(map, key, &pkt, res, false, NULL);
}

void
xlate_trace(const struct xlate_map *map, const struct flow_key *key,
	    const void *data, uint32_t len, struct xlate_result *res,
	    struct ofproto_trace *tr)
{
	const struct ofproto_packet pkt = {
		.data = data, .len = len, .reparse = xlate_reparse,
	};

	xlate_run(map, key, data != NULL ? &pkt : NULL, res, true, tr);
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
	apply_actions(&c, bridge, &k, acts, n_acts, 0, 1 /* OFPR_ACTION */);
	dp_actions_finish(&res->actions);
}

bool
xlate_megaflow_valid(const struct xlate_map *map,
		     const struct flow_key *masked_key,
		     const struct flow_key *mask,
		     const struct dp_actions *actions,
		     const uint64_t *cookies, uint32_t n_cookies)
{
	struct xlate_result xr;

	/* A megaflow's key is not a packet: nothing may be learned from it,
	 * and it must not keep rules from idling out. */
	xlate_run(map, masked_key, NULL, &xr, true, NULL);
	if (xr.cookies_overflow || xr.truncated || xr.uncacheable)
		return false;
	return flow_key_mask_within(&xr.mask, mask) &&
	       dp_actions_equal(&xr.actions, actions) &&
	       xr.n_cookies == n_cookies &&
	       (n_cookies == 0 ||
		memcmp(xr.cookies, cookies, n_cookies * sizeof(cookies[0])) ==
			0);
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

int
xlate_reparse(void *arg, const void *data, uint32_t len,
	      const struct ofpact *acts, size_t n_acts, struct flow_key *key)
{
	uint8_t *mem = malloc(REPARSE_HEADROOM + (size_t)len);
	struct dp_buf b;
	int rc = 0;

	(void)arg;
	if (mem == NULL)
		return -ENOMEM;
	b.data = mem + REPARSE_HEADROOM;
	b.len = len;
	b.headroom = REPARSE_HEADROOM;
	memcpy(b.data, data, len);
	for (size_t i = 0; i < n_acts && rc == 0; i++) {
		struct dp_actions l;

		/* A group bucket works on a copy: not this packet. */
		if (acts[i].type == OFPACT_CLONE) {
			i += acts[i].n_nested;
			continue;
		}
		memset(&l, 0, sizeof(l));
		if (xlate_ofpact_header(&acts[i], 0, false, &l) <= 0)
			continue;
		for (unsigned j = 0; j < l.n; j++)
			if (dp_packet_apply(&b, &l, &l.a[j]) == DP_HDR_NO_ROOM)
				rc = -ENOSPC;
	}
	if (rc == 0)
		flow_parse(b.data, b.len, 0, key);
	free(mem);
	return rc;
}
