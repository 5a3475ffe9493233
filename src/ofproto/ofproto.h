/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_H
#define PMDSWITCH_OFPROTO_H

/*
 * The OpenFlow switch model of one bridge and its OpenFlow channels.
 *
 * An ofproto owns: the flow table(s) with rules, priorities and counters;
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

/* One OpenFlow action as the model keeps it (not the wire form). */
enum ofpact_type {
	OFPACT_OUTPUT = 1,	/* port: an ofport or a reserved OFPP13_* */
	OFPACT_CONTROLLER,	/* Packet-in, max_len bytes. */
};

struct ofpact {
	enum ofpact_type type;
	uint32_t port;		/* OFPACT_OUTPUT */
	uint16_t max_len;	/* OFPACT_CONTROLLER, and OUTPUT:CONTROLLER */
};

#define OFPROTO_MAX_ACTIONS 16
#define OFPROTO_MAX_RULE_REFS 8

/* What the pipeline decided for one packet (see ofproto_lookup()). */
struct ofproto_lookup_result {
	/* Every bit of the key the lookup consulted, including bits of
	 * higher-priority rules that did not match. This is the megaflow mask:
	 * any packet equal to the looked-up key under this mask gets the same
	 * actions. in_port is always included. */
	struct flow_key mask;
	size_t n_actions;		/* 0 = drop. */
	struct ofpact actions[OFPROTO_MAX_ACTIONS];
	/* Ids of the rules that matched (one per table visited), for
	 * ofproto_credit_rule(). n_rules == 0 on a table-miss drop. */
	size_t n_rules;
	uint64_t rule_ids[OFPROTO_MAX_RULE_REFS];
	uint8_t table_id;		/* Table of the last rule (packet-in). */
	uint64_t cookie;		/* Cookie of the last rule (packet-in). */
	/* Packet-in reason for a controller action in these actions:
	 * 0 (OFPR_NO_MATCH) when the rule is a table-miss rule (priority 0,
	 * matches everything), else 1 (OFPR_ACTION). */
	uint8_t pin_reason;
	/* The result came from the MAC-learning switch (OFPP_NORMAL, or
	 * standalone fail mode without a controller). */
	bool normal;
};

struct ofproto_port_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_errors, tx_errors;
	uint64_t duration_sec;
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
void ofproto_get_stats(struct ofproto *ofp, struct ofproto_stats *st);
/* Starts the control thread that serves listeners and connections. */
int ofproto_start(struct ofproto *ofp);
/* The TCP port a listener bound to (for "ptcp:0"), or -1. */
int ofproto_listener_port(struct ofproto *ofp, size_t index);

/* The pipeline: the actions for a packet with this key. Always succeeds
 * (a table-miss without a miss rule is a drop with n_rules == 0). */
void ofproto_lookup(struct ofproto *ofp, const struct flow_key *key,
		    struct ofproto_lookup_result *res);
/* Packet-out helper for the host: the actions to execute for a
 * packet-out's action list, with OUTPUT:TABLE replaced by the pipeline's
 * actions for key (key->in_port = the packet-out's in_port) and
 * OUTPUT:NORMAL by the MAC-learning decision. Returns the number of
 * actions written to out (at most max). */
size_t ofproto_packet_out_resolve(struct ofproto *ofp,
				  const struct flow_key *key,
				  const struct ofpact *in, size_t n_in,
				  struct ofpact *out, size_t max);
/* Add cached-datapath counts to a rule; unknown ids (deleted rules) are
 * ignored. */
void ofproto_credit_rule(struct ofproto *ofp, uint64_t rule_id,
			 uint64_t packets, uint64_t bytes);

/* Queue a packet-in to every connection that wants it (the control thread
 * sends it). reason: 0 = no match (table-miss), 1 = action. Each
 * connection gets at most its miss_send_len bytes for reason 0 when len <
 * total_len is not already the action's choice, is rate-limited, and gets
 * nothing while a slave (unless SET_ASYNC asked) or when in_port has
 * OFPPC_NO_PACKET_IN. */
void ofproto_packet_in(struct ofproto *ofp, uint8_t reason, uint8_t table_id,
		       uint64_t cookie, uint32_t in_port, const void *packet,
		       size_t len, size_t total_len);

/* Flows in ovs-ofctl syntax, for the config's flows: and pmdswitch-ctl.
 * add: "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2".
 * del: a match ("" = all), like ovs-ofctl del-flows (non-strict).
 * Return 0 or -errno, with a message naming what is wrong in err.
 * Both call the flows_changed callback before returning. */
int ofproto_add_flow_str(struct ofproto *ofp, const char *flow,
			 char *err, size_t errlen);
int ofproto_del_flows_str(struct ofproto *ofp, const char *match,
			  char *err, size_t errlen);
/* dump-flows: text lines in ovs-ofctl's format, or, with json, one JSON
 * array of objects {"table","priority","cookie","duration","n_packets",
 * "n_bytes","match","actions"} (match and actions as ovs-ofctl text).
 * Calls sync_stats first. */
void ofproto_dump_flows(struct ofproto *ofp, bool json, struct strbuf *out);
size_t ofproto_rule_count(struct ofproto *ofp);

/* Number of OpenFlow connections currently established. */
size_t ofproto_connection_count(struct ofproto *ofp);

#endif /* PMDSWITCH_OFPROTO_H */
