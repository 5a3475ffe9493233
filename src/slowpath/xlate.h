/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_XLATE_H
#define PMDSWITCH_XLATE_H

/*
 * Translation of an OpenFlow action list (the pipeline's result) into the
 * datapath action list a megaflow carries. Reserved ports are resolved
 * here against the datapath port table, so the result depends only on the
 * in_port, which every megaflow mask includes.
 *
 * Thread safety: pure function of its arguments.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dp_actions.h"
#include "dataplane/pmd.h"
#include "ofproto/ofproto.h"

/* Datapath port index of an ofport, or -1. */
int xlate_dp_port(const struct pmd_port_table *ports, uint32_t ofport);

/* Single-bridge translation of an action list (no CLONE, METER or patch
 * ports: see xlate_packet() for the full pipeline). Fill *out. Actions
 * that cannot be done (unknown port, output to the in_port without
 * OFPP_IN_PORT, LOCAL and NORMAL) are left out; returns how many. */
unsigned xlate_actions(const struct ofpact *acts, size_t n_acts,
		       uint32_t in_port, const struct pmd_port_table *ports,
		       struct dp_actions *out);

/* OFPR_INVALID_TTL: the packet-in reason of an expired TTL. */
#define XLATE_OFPR_INVALID_TTL 2

/* Append a packet-in (DP_ACTION_UPCALL) for a, a CONTROLLER or
 * OUTPUT:CONTROLLER action: reason, and a's packet-in context (table_id,
 * cookie, metadata, tunnel_id, see ofproto.h) with arg (XLATE_UPCALL_ARG)
 * as its struct dp_upcall_info. false when the list or its data area is
 * full. */
bool xlate_add_upcall(struct dp_actions *out, const struct ofpact *a,
		      uint8_t reason, uint32_t arg);

/* Translate one header-rewrite or TTL action (SET_FIELD, PUSH/POP_*,
 * *_TTL, COPY_TTL_*) into out. DEC_*_TTL: an expired TTL sends the packet
 * up when ttl_to_controller (a's packet-in context with ttl_upcall_arg, an
 * XLATE_UPCALL_ARG, as its struct dp_upcall_info), else drops it. Returns
 * 1 when translated (a set-field of METADATA or TUNNEL_ID, pipeline-only
 * fields, translates to nothing), 0 when a is not such an action, -1 when
 * it cannot be (list or data area full, unknown field). */
int xlate_ofpact_header(const struct ofpact *a, uint32_t ttl_upcall_arg,
			bool ttl_to_controller, struct dp_actions *out);
/* The key as it is after action a (set-field of the key's fields,
 * push/pop VLAN, TTL), for a pipeline that continues the packet (patch
 * port). */
void xlate_key_apply(struct flow_key *k, const struct ofpact *a);

/*
 * Several bridges and patch ports.
 *
 * The datapath (PMD rxq, flow key, megaflow key) carries in_port as
 * XLATE_DP_IN_PORT(bridge, ofport): the bridge index in the high 16 bits,
 * the OpenFlow port number (< 0xff00) in the low 16 bits. Bridge 0's ports
 * keep in_port == ofport. Megaflows of two bridges therefore never overlap
 * even when both bridges have an ofport 1, and the slowpath recovers the
 * bridge from the key alone. The OpenFlow pipeline sees the plain ofport.
 *
 * A patch port has no device: output to it continues the lookup in the
 * peer bridge's pipeline with in_port = the peer port, at most
 * XLATE_PATCH_DEPTH bridges deep. The megaflow mask is the union of every
 * pipeline's mask, its actions the concatenation, its rule cookies those
 * of every bridge (XLATE_COOKIE(bridge, rule_id): bridge in the top 8 bits).
 *
 * Thread safety: a struct xlate_map is read by the slowpath while the
 * caller holds its read lock; the config thread writes it under the write
 * lock (see slowpath.h).
 */
#define XLATE_MAX_BRIDGES 16
#define XLATE_MAX_BRIDGE_PORTS 128
#define XLATE_PATCH_DEPTH 4
#define XLATE_MAX_COOKIES MEGAFLOW_MAX_COOKIES
_Static_assert(XLATE_MAX_COOKIES >= OFPROTO_MAX_RULE_REFS,
	       "a megaflow credits every rule of a lookup");
#define XLATE_DP_IN_PORT(bridge, ofport) \
	(((uint32_t)(bridge) << 16) | ((uint32_t)(ofport) & 0xffffu))
#define XLATE_IN_PORT_BRIDGE(in_port) ((unsigned)((in_port) >> 16))
#define XLATE_IN_PORT_OFPORT(in_port) ((in_port) & 0xffffu)
/* Credit ids use bits 0..47 and bit 63 (a group's, OFP_GROUP_CREDIT_BIT):
 * the bridge goes in bits 56..62. */
#define XLATE_COOKIE_BRIDGE_MASK (0x7full << 56)
#define XLATE_COOKIE(bridge, rule_id) \
	((((uint64_t)(bridge) << 56) & XLATE_COOKIE_BRIDGE_MASK) | \
	 ((rule_id) & ~XLATE_COOKIE_BRIDGE_MASK))
#define XLATE_COOKIE_BRIDGE(c) \
	((unsigned)(((c) & XLATE_COOKIE_BRIDGE_MASK) >> 56))
#define XLATE_COOKIE_RULE(c) ((c) & ~XLATE_COOKIE_BRIDGE_MASK)
_Static_assert(XLATE_MAX_BRIDGES <= 0x80, "a bridge fits in a cookie");
/* dp_upcall_info.arg: max_len in the low 16 bits; above, 0 for the
 * bridge of the packet's in_port, else 1 + the index (bridge *
 * XLATE_MAX_BRIDGE_PORTS + port slot) of the patch port whose pipeline
 * asked for the packet-in. */
#define XLATE_UPCALL_ARG(max_len, ctx) \
	(((uint32_t)(ctx) << 16) | ((uint32_t)(max_len) & 0xffffu))

struct xlate_port {
	uint32_t ofport;	/* 0 = slot free. */
	int32_t dp_port;	/* Datapath port index; -1 for a patch or
				 * tunnel port. */
	uint16_t tnl;		/* Tunnel port: 1 + its index (tnl.h). */
	uint16_t peer_bridge;	/* Patch port: the peer's bridge index */
	uint32_t peer_ofport;	/* and ofport (0 = peer not there yet). */
};

struct xlate_bridge {
	struct ofproto *ofp;	/* NULL = slot free. */
	uint32_t n_ports;	/* Highest port slot in use + 1. */
	struct xlate_port ports[XLATE_MAX_BRIDGE_PORTS];
};

struct xlate_map {
	struct xlate_bridge bridges[XLATE_MAX_BRIDGES];
};

/* What one packet's trip through the pipelines produced. */
struct xlate_result {
	struct flow_key mask;		/* Union of the pipelines' masks. */
	struct dp_actions actions;
	uint32_t n_cookies;
	uint64_t cookies[XLATE_MAX_COOKIES];	/* XLATE_COOKIE(bridge, rule). */
	bool cookies_overflow;		/* More rules than cookies: the
					 * megaflow could not credit them. */
	bool truncated;			/* The datapath list ran full. */
	unsigned skipped;		/* Actions that could not be done. */
	bool depth_exceeded;		/* A patch loop was cut. */
	bool uncacheable;		/* A table matched what a pop
					 * uncovered: for this packet only. */
};

/* The port of a bridge with this ofport, or NULL. */
const struct xlate_port *xlate_map_port(const struct xlate_map *map,
					unsigned bridge, uint32_t ofport);

/* Run the pipeline of the bridge in key->in_port (datapath encoding) and
 * translate; key is the datapath key. */
void xlate_packet(const struct xlate_map *map, const struct flow_key *key,
		  struct xlate_result *res);
/* xlate_packet() for the packet data[0..len) that key was parsed from:
 * tables after a POP_MPLS / POP_PBB see the inner frame's fields (see
 * struct ofproto_packet); such a result is uncacheable. */
void xlate_packet_data(const struct xlate_map *map, const struct flow_key *key,
		       const void *data, uint32_t len,
		       struct xlate_result *res);

/* pmdswitch-ctl trace: xlate_packet_data() (data NULL: xlate_packet())
 * with the lookups of ofproto_lookup_trace(): no side effects, and every
 * pipeline step of every bridge crossed appended to tr. */
struct ofproto_trace;
void xlate_trace(const struct xlate_map *map, const struct flow_key *key,
		 const void *data, uint32_t len, struct xlate_result *res,
		 struct ofproto_trace *tr);

/* struct ofproto_packet's reparse for the slowpath: the header actions
 * applied to a copy of the packet, then flow_parse(). */
int xlate_reparse(void *arg, const void *data, uint32_t len,
		  const struct ofpact *acts, size_t n_acts,
		  struct flow_key *key);

/* Translate given OpenFlow actions (packet-out) on bridge `bridge` for a
 * packet with this key; key->in_port is the plain OpenFlow in_port (an
 * ofport of the bridge, or a reserved port such as OFPP13_CONTROLLER). */
void xlate_execute(const struct xlate_map *map, unsigned bridge,
		   const struct flow_key *key, const struct ofpact *acts,
		   size_t n_acts, struct xlate_result *res);

/* Revalidation of one megaflow: true when today's pipelines give its
 * masked key the same actions and rule cookies and consult no bit outside
 * its mask (then every packet it covers still gets those actions). */
bool xlate_megaflow_valid(const struct xlate_map *map,
			  const struct flow_key *masked_key,
			  const struct flow_key *mask,
			  const struct dp_actions *actions,
			  const uint64_t *cookies, uint32_t n_cookies);

/* Decode a dp_upcall_info.arg: the bridge and OpenFlow in_port the
 * packet-in is for (from the packet's datapath in_port, or the patch port
 * context). false if the context is gone. */
bool xlate_upcall_context(const struct xlate_map *map, uint32_t dp_in_port,
			  uint32_t arg, unsigned *bridge, uint32_t *ofport);

#endif /* PMDSWITCH_XLATE_H */
