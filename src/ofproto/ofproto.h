/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_H
#define PMDSWITCH_OFPROTO_H

/*
 * The OpenFlow switch model of one bridge and its OpenFlow channels.
 *
 * An ofproto owns: 254 flow tables (0..253) with rules, priorities and
 * counters, the group table and the meter configurations;
 * the OpenFlow ports (numbers, names, addresses; their counters come from
 * the host); and the OpenFlow listeners / connections, served by a control
 * thread the ofproto starts itself. It knows nothing of DPDK: the host (the
 * daemon) gives it callbacks for what only the datapath can do.
 *
 * Thread safety:
 *  - The model is guarded by one internal mutex. ofproto_lookup() is called
 *    by the slowpath thread, flow changes come from the control thread and
 *    from the host (config flows, pmdswitch-ctl): every public function here
 *    may be called from any thread, except ofproto_destroy().
 *  - Host callbacks are never called with the internal mutex held, so a
 *    callback may call back into the ofproto (e.g. ofproto_credit_rule()).
 *  - ofproto_packet_in() may be called from the slowpath thread; the
 *    message is queued and sent by the control thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/flow_key.h"
#include "strbuf.h"

/* Reserved OpenFlow 1.3 port numbers (host order). */
#define OFPP13_MAX        0xffffff00u
#define OFPP13_IN_PORT    0xfffffff8u
#define OFPP13_TABLE      0xfffffff9u
#define OFPP13_NORMAL     0xfffffffau
#define OFPP13_FLOOD      0xfffffffbu
#define OFPP13_ALL        0xfffffffcu
#define OFPP13_CONTROLLER 0xfffffffdu
#define OFPP13_LOCAL      0xfffffffeu
#define OFPP13_ANY        0xffffffffu

struct ofproto;

/*
 * One OpenFlow action as the model keeps it (not the wire form), and the
 * vocabulary of ofproto_lookup()'s result, which the slowpath translates
 * into datapath actions.
 *
 * In a rule's instructions every type may appear. In a lookup result the
 * pipeline has been resolved: GROUP never appears (its buckets are
 * expanded, see CLONE), METER appears where the METER instruction ran
 * (before the actions that follow it), and the action set has been turned
 * into its spec order at the end of the list.
 *
 * SET_FIELD: `field` is the OXM basic field number (OFPXMT_OFB_*, e.g. 11
 * for IPV4_SRC, as in the OpenFlow 1.3 spec's OXM table); value and mask
 * hold the field in network byte order, left-aligned in 16 bytes, `len`
 * bytes of it used; mask is all ones for a plain set. VLAN_VID is the
 * 13-bit value with OFPVID_PRESENT as on the wire.
 *
 * DEC_NW_TTL / DEC_MPLS_TTL: the datapath does the decrement and, when
 * the TTL is 0 or 1, does not forward the packet: it becomes a packet-in
 * with reason OFPR_INVALID_TTL if ofproto_invalid_ttl_to_controller()
 * says so, else a counted drop. The lookup does not consult the TTL.
 *
 * CLONE: the next n_nested actions (which may contain CLONEs themselves)
 * apply to a copy of the packet as it is at this point; after them the
 * original continues unchanged. Group buckets (ALL: every bucket;
 * INDIRECT: its one bucket; SELECT: the bucket chosen by a hash of the
 * flow's fields, which the lookup's mask includes; FAST_FAILOVER: the
 * first live bucket) become one CLONE each.
 *
 * Packet-in context: in a lookup result (and in ofproto_packet_out_resolve()'s
 * output), every action that can send the packet to the controller
 * (CONTROLLER, OUTPUT:CONTROLLER, DEC_NW_TTL, DEC_MPLS_TTL) carries where
 * the pipeline executed it, for its packet-in (OpenFlow 1.3 A.4.1):
 *  - table_id: the table whose lookup led to it. An apply-actions
 *    action: its rule's table. A group bucket's action: the table of the
 *    rule whose GROUP action (or action set) sent the packet to the group.
 *    An action of the action set: the last table looked up, where the set
 *    is executed. A packet-out's own action: OFPROTO_PIN_NO_TABLE.
 *  - cookie: the cookie of the rule for an apply-actions action; for the
 *    others OFPROTO_PIN_NO_COOKIE, as the spec asks when "the packet-in
 *    was generated in a group bucket or from the action set" (the rule
 *    that wrote an action into the set is not the one that executes it).
 *  - metadata, tunnel_id, tun_src, tun_dst: the pipeline fields when the
 *    action runs (earlier WRITE_METADATA and set-fields count, later ones
 *    do not); in_phy_port: the packet's (flow_key.h).
 * In a rule's own instructions these fields are 0 and unused.
 */
#define OFPROTO_PIN_NO_COOKIE UINT64_MAX
#define OFPROTO_PIN_NO_TABLE 0xff
enum ofpact_type {
	OFPACT_OUTPUT = 1,	/* port: an ofport or a reserved OFPP13_* */
	OFPACT_CONTROLLER,	/* Packet-in, max_len bytes, `reason`. */
	OFPACT_SET_FIELD,	/* field, len, value, mask */
	OFPACT_PUSH_VLAN,	/* ethertype 0x8100 or 0x88a8 */
	OFPACT_POP_VLAN,
	OFPACT_PUSH_MPLS,	/* ethertype 0x8847 or 0x8848 */
	OFPACT_POP_MPLS,	/* ethertype of what is below the label */
	OFPACT_SET_MPLS_TTL,	/* ttl */
	OFPACT_DEC_MPLS_TTL,
	OFPACT_SET_NW_TTL,	/* ttl */
	OFPACT_DEC_NW_TTL,
	OFPACT_COPY_TTL_OUT,
	OFPACT_COPY_TTL_IN,
	OFPACT_PUSH_PBB,	/* ethertype 0x88e7 */
	OFPACT_POP_PBB,
	OFPACT_SET_QUEUE,	/* id = queue_id */
	OFPACT_GROUP,		/* id = group_id (rules only, never in results) */
	OFPACT_METER,		/* id = meter_id */
	OFPACT_CLONE,		/* n_nested following actions on a copy */
};

struct ofpact {
	enum ofpact_type type;
	uint32_t port;		/* OUTPUT */
	uint32_t id;		/* GROUP, METER, SET_QUEUE */
	uint16_t max_len;	/* CONTROLLER, and OUTPUT:CONTROLLER */
	uint16_t ethertype;	/* PUSH_*, POP_MPLS */
	uint16_t field;		/* SET_FIELD: OFPXMT_OFB_* */
	uint16_t n_nested;	/* CLONE */
	uint8_t len;		/* SET_FIELD: bytes of value/mask used */
	uint8_t ttl;		/* SET_MPLS_TTL, SET_NW_TTL */
	uint8_t reason;		/* CONTROLLER: OFPR_* packet-in reason */
	uint8_t table_id;	/* Packet-in context (see above): table, */
	uint8_t value[16];	/* SET_FIELD */
	uint8_t mask[16];	/* SET_FIELD */
	uint64_t cookie;	/* rule cookie and pipeline fields. */
	uint64_t metadata;
	uint64_t tunnel_id;
	uint32_t tun_src;	/* Network order. */
	uint32_t tun_dst;
	uint16_t in_phy_port;	/* flow_key's (0: in_port). */
};

#define OFPROTO_MAX_ACTIONS 64
/* Credit ids in a lookup result: one per table visited (its rule, or the
 * table's miss id when no rule matched), and one per group bucket taken
 * (ofproto_credit_rule() and ofproto_credit_lookups() take them all). */
#define OFPROTO_MAX_RULE_REFS 16

/* What the pipeline decided for one packet (see ofproto_lookup()). */
struct ofproto_lookup_result {
	/* Every bit of the key the lookup consulted, including bits of
	 * higher-priority rules that did not match. This is the megaflow mask:
	 * any packet equal to the looked-up key under this mask gets the same
	 * actions. in_port is always included. */
	struct flow_key mask;
	size_t n_actions;		/* 0 = drop. */
	struct ofpact actions[OFPROTO_MAX_ACTIONS];
	/* Ids of the rules that matched (one per table visited; a table
	 * where nothing matched gives its miss id) and of the groups and
	 * group buckets taken, for ofproto_credit_rule() and
	 * ofproto_credit_lookups() (credit every id with the packets of the
	 * megaflow). */
	size_t n_rules;
	uint64_t rule_ids[OFPROTO_MAX_RULE_REFS];
	uint8_t table_id;		/* Table of the last rule. */
	uint64_t cookie;		/* Cookie of the last rule. (A packet-in
					 * takes its own from its action.) */
	/* Packet-in reason for a controller action in these actions:
	 * 0 (OFPR_NO_MATCH) when the rule is a table-miss rule (priority 0,
	 * matches everything), else 1 (OFPR_ACTION). */
	uint8_t pin_reason;
	/* The result came from the MAC-learning switch (OFPP_NORMAL, or
	 * standalone fail mode without a controller). */
	bool normal;
	/* A table looked at fields of the packet that the key does not hold
	 * (what a POP_MPLS or POP_PBB uncovered, see struct ofproto_packet):
	 * the mask cannot describe the packets that get these actions, so
	 * the result is for this packet alone. A probe sets it as soon as a
	 * table looks behind a pop, packet or not. */
	bool uncacheable;
};

/* The packet a lookup is for, when the caller has it. A key holds the
 * outer headers only: after a POP_MPLS or POP_PBB of apply-actions, the
 * frame inside is unknown to it (the pipeline's key shows it as zeros).
 * Before a later table looks at it, the pipeline asks reparse() for the
 * key of the packet with the actions so far applied, and goes on with
 * that key (in_port, metadata and tunnel_id its own). */
struct ofproto_packet {
	const void *data;
	uint32_t len;
	/* The key of data with acts[0..n_acts) applied (the header actions;
	 * CLONE blocks, outputs and packet-ins skipped). 0, or -errno: the
	 * pipeline keeps its zeros. Called with the ofproto's mutex held:
	 * must not call back into the ofproto. */
	int (*reparse)(void *arg, const void *data, uint32_t len,
		       const struct ofpact *acts, size_t n_acts,
		       struct flow_key *key);
	void *arg;
};

struct ofproto_port_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_errors, tx_errors;
	uint64_t duration_sec;
};

/* Meters (OpenFlow 1.3 section 5.7), as the datapath enforces them. */
#define OFPROTO_METER_MAX_BANDS 4
enum ofproto_meter_band_type {
	OFPROTO_METER_BAND_DROP = 1,		/* OFPMBT_DROP */
	OFPROTO_METER_BAND_DSCP_REMARK = 2,	/* OFPMBT_DSCP_REMARK */
};

struct ofproto_meter_band {
	enum ofproto_meter_band_type type;
	uint32_t rate;		/* kb/s or packets/s, per the meter's flags */
	uint32_t burst_size;	/* kb or packets (OFPMF_BURST), else 0 */
	uint8_t prec_level;	/* DSCP_REMARK: drop precedence to add */
};

struct ofproto_meter_config {
	uint32_t meter_id;
	uint16_t flags;		/* OFPMF_KBPS | OFPMF_PKTPS | OFPMF_BURST |
				 * OFPMF_STATS, as on the wire */
	uint16_t n_bands;
	struct ofproto_meter_band bands[OFPROTO_METER_MAX_BANDS];
};

struct ofproto_meter_stats {
	uint64_t packet_in_count;
	uint64_t byte_in_count;
	uint64_t band_packets[OFPROTO_METER_MAX_BANDS];
	uint64_t band_bytes[OFPROTO_METER_MAX_BANDS];
};

/* What only the host can do. Every callback may be NULL (then: nothing to
 * do, or, for port_stats, zero counters). */
struct ofproto_host_ops {
	/* Counters of a port, for OFPMP_PORT_STATS and dump-ports. */
	int (*port_stats)(void *host, uint32_t ofport,
			  struct ofproto_port_stats *stats);
	/* The rule set changed. The host must, before returning, make sure no
	 * cached datapath entry still applies a result the change made wrong
	 * (revalidate or flush caches, wait for the datapath to let go).
	 * Called from the thread that made the change, at the latest before
	 * that thread sends any reply that follows the change (barrier reply,
	 * stats reply), and otherwise once the connection's burst of
	 * messages pauses (at most 20 ms later); several changes may be
	 * folded into one call. */
	void (*flows_changed)(void *host);
	/* Credit cached-datapath packet counts to rules now (the host calls
	 * ofproto_credit_rule() from inside). Called before every flow-stats or
	 * aggregate reply and before dump-flows text output. */
	void (*sync_stats)(void *host);
	/* Packet-out: execute the actions on a packet (in_port is an ofport,
	 * or OFPP13_CONTROLLER / OFPP13_ANY when the controller gave none). */
	int (*packet_out)(void *host, uint32_t in_port,
			  const struct ofpact *actions, size_t n_actions,
			  const void *packet, size_t len);
	/* Meters are enforced by the datapath; the model keeps their
	 * configuration, validates meter_mods and answers the multiparts.
	 * meter_set adds or replaces a meter (0 or -errno: -ENOSPC when the
	 * datapath has no room), meter_del removes it, meter_stats reads its
	 * counters (-ENOENT if unknown). */
	int (*meter_set)(void *host, const struct ofproto_meter_config *mc);
	void (*meter_del)(void *host, uint32_t meter_id);
	int (*meter_stats)(void *host, uint32_t meter_id,
			   struct ofproto_meter_stats *st);
};

/* Behaviour when no controller connection is up. */
enum ofproto_fail_mode {
	OFPROTO_FAIL_SECURE,	/* Keep the flows and forward by them. */
	OFPROTO_FAIL_STANDALONE,	/* Act as a MAC-learning switch. */
};

/* Counters of the OpenFlow side (ofproto_get_stats()). */
struct ofproto_stats {
	uint64_t packet_ins_sent;	/* Messages queued on connections. */
	uint64_t packet_ins_rate_dropped;	/* Over a connection's rate. */
	uint64_t packet_ins_backlog_dropped;	/* Connection tx backlog full. */
	uint64_t packet_ins_queue_dropped;	/* Shared queue full. */
	uint64_t packet_ins_port_suppressed;	/* Port has no-packet-in. */
	uint64_t async_dropped;		/* Port status / flow removed lost. */
	uint64_t conns_slow_closed;	/* Closed: backlog over its cap too
					 * long (slow readers). */
	uint64_t conns_accept_refused;	/* Over the accepted-connection
					 * caps. */
	uint64_t accept_backoffs;	/* accept4 out of fds / memory. */
	uint64_t mac_learned;		/* MAC table insertions and moves. */
	size_t mac_entries;
	size_t n_connections;		/* Established, any kind. */
	size_t n_controllers;		/* Configured active controllers. */
	size_t n_controllers_up;	/* Established active controllers. */
	bool normal_mode;		/* Standalone fallback is in force. */
};

/* Creation. datapath_id host order; name e.g. "br0". Returns NULL and sets
 * errno on failure. The control thread is not started yet. */
struct ofproto *ofproto_create(const char *name, uint64_t datapath_id,
			       const struct ofproto_host_ops *ops, void *host);
void ofproto_destroy(struct ofproto *ofp);	/* Stops the control thread. */

/* Ports. hw_addr: 6 bytes. -EEXIST on a duplicate number or name. */
int ofproto_port_add(struct ofproto *ofp, uint32_t ofport, const char *name,
		     const uint8_t hw_addr[6]);
/* Removes a port (PORT_STATUS delete to the controllers; MAC entries
 * on it are forgotten). -ENOENT when unknown. */
int ofproto_port_del(struct ofproto *ofp, uint32_t ofport);
/* Link state change (PORT_STATUS modify when it changed). -ENOENT when
 * unknown. */
int ofproto_port_set_link(struct ofproto *ofp, uint32_t ofport, bool up);
/* Number of ports and, if ofports != NULL, up to max of their numbers. */
size_t ofproto_port_list(struct ofproto *ofp, uint32_t *ofports, size_t max);

/* OpenFlow channels. target: "ptcp:PORT[:IP]" or "pssl:PORT[:IP]"
 * (listener, IP defaults to 0.0.0.0). Returns 0 or -errno with a message in
 * err. Listeners may be added before or after ofproto_start(); pssl: needs
 * ofproto_set_ssl() first. */
int ofproto_add_listener(struct ofproto *ofp, const char *target,
			 char *err, size_t errlen);
/* An active controller connection: "tcp:HOST:PORT" or "ssl:HOST:PORT"
 * (PORT defaults to 6653). The control thread connects, reconnects with
 * exponential backoff (1 s doubling to 8 s) and probes an idle connection
 * with an echo request (5 s idle; no answer 10 s later: reconnect). */
int ofproto_add_controller(struct ofproto *ofp, const char *target,
			   char *err, size_t errlen);
/* TLS files (PEM) for ssl: and pssl:. The peer's certificate must be
 * signed by ca_cert. Returns 0 or -errno with a message naming the file. */
int ofproto_set_ssl(struct ofproto *ofp, const char *private_key,
		    const char *certificate, const char *ca_cert,
		    char *err, size_t errlen);
void ofproto_set_fail_mode(struct ofproto *ofp, enum ofproto_fail_mode mode);
/* Packet-in rate limit per connection (token bucket): rate per second and
 * burst. Default 1000/s, burst 100. rate 0 = unlimited. */
void ofproto_set_packet_in_rate(struct ofproto *ofp, uint32_t rate,
				uint32_t burst);
/* Inactivity probe interval in ms (default 5000; 0 disables probing). */
void ofproto_set_probe_interval(struct ofproto *ofp, uint32_t ms);
/* The channel's bounds (ofp_conn.h; 0: the defaults): tx backlog per
 * connection in bytes, accepted connections per listener and in all. */
void ofproto_set_channel_limits(struct ofproto *ofp, size_t backlog,
				size_t per_listener, size_t accepted);
void ofproto_get_stats(struct ofproto *ofp, struct ofproto_stats *st);
/* Starts the control thread that serves listeners and connections. */
int ofproto_start(struct ofproto *ofp);
/* Closes the passive listener added with this target (same string);
 * connections it accepted stay up. 0 or -ENOENT. */
int ofproto_del_listener(struct ofproto *ofp, const char *target);
/* SET_CONFIG's OFPC_INVALID_TTL_TO_CONTROLLER, as the last controller
 * set it: a DEC_*_TTL reaching 0 becomes a packet-in (reason
 * OFPR_INVALID_TTL) instead of a drop. */
bool ofproto_invalid_ttl_to_controller(struct ofproto *ofp);
/* Meters the datapath can hold (METER_FEATURES max_meter; default 1024,
 * 0 when the host gave no meter_set). */
void ofproto_set_max_meters(struct ofproto *ofp, uint32_t max_meters);
/* The TCP port a listener bound to (for "ptcp:0"), or -1. */
int ofproto_listener_port(struct ofproto *ofp, size_t index);

/* The pipeline: the actions for a packet with this key. Always succeeds
 * (a table-miss without a miss rule is a drop; its credit id is the
 * table's miss id). */
void ofproto_lookup(struct ofproto *ofp, const struct flow_key *key,
		    struct ofproto_lookup_result *res);
/* ofproto_lookup() for the packet pkt (NULL: as ofproto_lookup()), which
 * lets tables after a POP_MPLS / POP_PBB match the inner frame. */
void ofproto_lookup_packet(struct ofproto *ofp, const struct flow_key *key,
			   const struct ofproto_packet *pkt,
			   struct ofproto_lookup_result *res);
/* The same lookup without side effects: no rule's idle time is refreshed,
 * no table counter moves, no MAC address is learned. For revalidation,
 * which looks up the keys of cached megaflows, not packets. */
void ofproto_lookup_probe(struct ofproto *ofp, const struct flow_key *key,
			  struct ofproto_lookup_result *res);
/* Packet-out helper for the host: the actions to execute for a
 * packet-out's action list, with OUTPUT:TABLE replaced by the pipeline's
 * actions for key (key->in_port = the packet-out's in_port) and
 * OUTPUT:NORMAL by the MAC-learning decision. OUTPUT:TABLE looks pkt up
 * (ofproto_lookup_packet()), and the rules and group buckets it runs
 * through count the packet, as they would for a packet from a port.
 * Returns the number of actions written to out (at most max). */
size_t ofproto_packet_out_resolve(struct ofproto *ofp,
				  const struct flow_key *key,
				  const struct ofpact *in, size_t n_in,
				  struct ofpact *out, size_t max,
				  const struct ofproto_packet *pkt);
/* Add cached-datapath counts to a rule; unknown ids (deleted rules) are
 * ignored. */
void ofproto_credit_rule(struct ofproto *ofp, uint64_t rule_id,
			 uint64_t packets, uint64_t bytes);
/* Add packets that a cached megaflow forwarded, never looked up here, to
 * the lookup (and, for a rule's id, matched) counters of the credit id's
 * table: the table statistics count every packet, not just the ones the
 * slowpath saw. Group ids are ignored. */
void ofproto_credit_lookups(struct ofproto *ofp, uint64_t credit_id,
			    uint64_t packets);

/* Where a packet-in comes from: the context its action carried (see
 * "Packet-in context" above). OpenFlow 1.3 sends table_id and cookie, and
 * in the match IN_PHY_PORT when it differs from IN_PORT (a packet from a
 * tunnel port: the underlay port), and metadata, tunnel_id and the Nicira
 * tun_src / tun_dst when they are not 0, as Open vSwitch does; OpenFlow
 * 1.0 has none of them. */
struct ofproto_packet_in_ctx {
	uint8_t reason;		/* 0 = no match (table-miss rule), 1 = action,
				 * 2 = invalid TTL (OFPR_*). */
	uint8_t table_id;
	uint64_t cookie;	/* OFPROTO_PIN_NO_COOKIE: no rule's. */
	uint64_t metadata;
	uint64_t tunnel_id;
	uint32_t tun_src;	/* Network order. */
	uint32_t tun_dst;
	uint16_t in_phy_port;	/* flow_key's (0: in_port). */
};

/* Queue a packet-in to every connection that wants it (the control thread
 * sends it). Each connection gets at most its miss_send_len bytes for
 * reason 0 when len < total_len is not already the action's choice, is
 * rate-limited, and gets nothing while a slave (unless SET_ASYNC asked)
 * or when in_port has OFPPC_NO_PACKET_IN. */
void ofproto_packet_in(struct ofproto *ofp,
		       const struct ofproto_packet_in_ctx *ctx,
		       uint32_t in_port, const void *packet, size_t len,
		       size_t total_len);

/* Flows in ovs-ofctl syntax, for the config's flows: and pmdswitch-ctl.
 * add: "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2".
 * del: a match ("" = all), like ovs-ofctl del-flows (non-strict).
 * Return 0 or -errno, with a message naming what is wrong in err.
 * Both call the flows_changed callback before returning. */
int ofproto_add_flow_str(struct ofproto *ofp, const char *flow,
			 char *err, size_t errlen);
int ofproto_del_flows_str(struct ofproto *ofp, const char *match,
			  char *err, size_t errlen);
/* ovs-ofctl --strict del-flows: the rules with exactly this match and
 * priority (default 32768), in table=N if given, else in every table.
 * Same returns as above. */
int ofproto_del_flows_strict_str(struct ofproto *ofp, const char *flow,
				 char *err, size_t errlen);
/* dump-flows: text lines in ovs-ofctl's format, or, with json, one JSON
 * array of objects {"table","priority","cookie","duration","n_packets",
 * "n_bytes","match","actions"} (match and actions as ovs-ofctl text).
 * Calls sync_stats first. */
void ofproto_dump_flows(struct ofproto *ofp, bool json, struct strbuf *out);
size_t ofproto_rule_count(struct ofproto *ofp);
/* Rules per table: counts[t] for tables 0 .. the returned number - 1
 * (at most max; 254 tables). */
size_t ofproto_table_rule_counts(struct ofproto *ofp, uint32_t *counts,
				 size_t max);

/* An active controller connection as the metrics show it. */
struct ofproto_controller_state {
	char target[128];	/* As configured, e.g. "tcp:192.0.2.10:6653". */
	bool up;		/* Connected and HELLO done. */
};
/* The configured controllers, at most max; returns how many written. */
size_t ofproto_controller_states(struct ofproto *ofp,
				 struct ofproto_controller_state *out,
				 size_t max);

/* Number of OpenFlow connections currently established. */
size_t ofproto_connection_count(struct ofproto *ofp);

#endif /* PMDSWITCH_OFPROTO_H */
