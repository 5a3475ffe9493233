/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_PRIV_H
#define PMDSWITCH_OFPROTO_PRIV_H

/*
 * Internals of struct ofproto shared by ofproto.c (the public API), the
 * message handlers (ofp_msg*.c, ofp_mp.c, ofp10_msg.c) and the connection
 * manager (ofp_conn.c).
 *
 * Locking: ofp->mutex guards the table, the port list, the MAC table and
 * the fail-mode state. Every function below takes it itself and releases
 * it before returning; none of them is called with it held, and host
 * callbacks are only called by the ofproto_notify_* / ofproto_host_*
 * functions, without it. Lock order: ofp->mutex before the connection
 * manager's lock (async messages are queued with the model locked).
 * The session list and the role state (generation id) belong to the
 * control thread.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_err.h"
#include "ofp_flow_text.h"
#include "ofp_normal.h"
#include "ofp_table.h"
#include "ofp_wire.h"
#include "ofproto.h"

struct ofp_conn_mgr;
struct ofp_session;

struct ofproto_port {
	uint32_t ofport;
	char name[OFP_MAX_PORT_NAME_LEN];	/* NUL-terminated, truncated. */
	uint8_t hw_addr[6];
	uint32_t config;	/* OFPPC_* set by PORT_MOD. */
	uint32_t state;		/* OFPPS_* (LINK_DOWN or LIVE). */
};

struct ofproto {
	char name[64];
	uint64_t datapath_id;
	struct ofproto_host_ops ops;
	void *host;

	pthread_mutex_t mutex;		/* Guards the members below. */
	struct ofp_table table;
	struct ofproto_port *ports;
	size_t n_ports;
	size_t ports_cap;
	bool ports_restricted;	/* Some port is down or has NO_* config. */
	struct ofp_mac_table macs;
	enum ofproto_fail_mode fail_mode;
	size_t n_controllers_up;	/* Established active controllers. */
	atomic_uint_fast64_t pins_port_suppressed;

	/* Control thread only. */
	struct ofp_session *sessions;	/* Established sessions. */
	bool role_gen_defined;
	uint64_t role_gen;

	struct ofp_conn_mgr *mgr;	/* Own locking, see ofp_conn.h. */
};

/* Applies a flow_mod after validating table_id and buffer_id. *changed
 * tells whether flows_changed must be called. */
enum ofperr ofproto_apply_flow_mod(struct ofproto *ofp,
				   const struct ofp_flow_mod *fm,
				   bool *changed);

/* Snapshot of the rules a stats request selects, as reply entries, by
 * priority. *out is malloc'ed (free() it); returns the count. */
size_t ofproto_collect_flows(struct ofproto *ofp, uint8_t table_id,
			     const struct ofp_rule_filter *filter,
			     struct ofp_flow_stats_entry **out);
/* Calls cb for each selected rule, by priority, with the mutex held (cb
 * must not call into the ofproto). Returns the count. */
size_t ofproto_foreach_flow(struct ofproto *ofp, uint8_t table_id,
			    const struct ofp_rule_filter *filter,
			    void (*cb)(const struct ofp_flow_stats_entry *,
				       void *),
			    void *arg);
/* Totals of the same selection without copying the rules. */
size_t ofproto_aggregate_flows(struct ofproto *ofp, uint8_t table_id,
			       const struct ofp_rule_filter *filter,
			       uint64_t *packets, uint64_t *bytes);

/* Snapshot of the ports, sorted by number. *out is malloc'ed. */
size_t ofproto_ports_snapshot(struct ofproto *ofp,
			      struct ofproto_port **out);
bool ofproto_port_exists(struct ofproto *ofp, uint32_t ofport);
bool ofproto_port_get(struct ofproto *ofp, uint32_t ofport,
		      struct ofproto_port *out);
/* PORT_MOD: hw_addr must be the port's; config/mask OFPPC_* bits. */
enum ofperr ofproto_port_mod(struct ofproto *ofp, uint32_t ofport,
			     const uint8_t hw_addr[6], uint32_t config,
			     uint32_t mask);

/* Table counters for OFPMP_TABLE. */
void ofproto_table_counters(struct ofproto *ofp, uint32_t *active,
			    uint64_t *lookups, uint64_t *matches);

/* Host callbacks (each a no-op when the host gave none). */
void ofproto_notify_flows_changed(struct ofproto *ofp);
void ofproto_host_sync_stats(struct ofproto *ofp);
int ofproto_host_port_stats(struct ofproto *ofp, uint32_t ofport,
			    struct ofproto_port_stats *stats);
int ofproto_host_packet_out(struct ofproto *ofp, uint32_t in_port,
			    const struct ofpact *acts, size_t n_acts,
			    const void *packet, size_t len);

/* Removes expired rules (calls sync_stats first when a rule has an idle
 * timeout, and flows_changed when something was removed). */
void ofproto_run_expiry(struct ofproto *ofp);

/* Sessions and roles (control thread). A session registers when its
 * HELLO completes. */
void ofproto_session_register(struct ofproto *ofp, struct ofp_session *s);
void ofproto_session_unregister(struct ofproto *ofp, struct ofp_session *s);
/* ROLE_REQUEST: applies role (not NOCHANGE) with the generation id
 * checks; a new master demotes the other masters to slaves. *gen_out is
 * the generation id to reply with. */
enum ofperr ofproto_role_request(struct ofproto *ofp, struct ofp_session *s,
				 uint32_t role, uint64_t gen,
				 uint64_t *gen_out);

/* The connection manager reports the number of established active
 * controller connections (fail mode). */
void ofproto_controllers_up(struct ofproto *ofp, size_t n);

#endif /* PMDSWITCH_OFPROTO_PRIV_H */
