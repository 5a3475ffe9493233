/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_PRIV_H
#define PMDSWITCH_OFPROTO_PRIV_H

/*
 * Internals of struct ofproto shared by ofproto.c (the public API), the
 * message handlers (ofp_msg.c, ofp_mp.c) and the connection manager
 * (ofp_conn.c).
 *
 * Locking: ofp->mutex guards the table and the port list. Every function
 * below takes it itself and releases it before returning; none of them is
 * called with it held, and host callbacks are only called by the
 * ofproto_notify_* / ofproto_host_* functions, without it.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_err.h"
#include "ofp_flow_text.h"
#include "ofp_table.h"
#include "ofp_wire.h"
#include "ofproto.h"

struct ofp_conn_mgr;

struct ofproto_port {
	uint32_t ofport;
	char name[OFP_MAX_PORT_NAME_LEN];	/* NUL-terminated, truncated. */
	uint8_t hw_addr[6];
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

	struct ofp_conn_mgr *mgr;	/* Own locking, see ofp_conn.h. */
};

/* Applies a flow_mod after validating table_id and buffer_id. *changed
 * tells whether flows_changed must be called. */
enum ofperr ofproto_apply_flow_mod(struct ofproto *ofp,
				   const struct ofp_flow_mod *fm,
				   bool *changed);

/* Snapshot of the rules a stats request selects, as reply entries, in
 * table order. *out is malloc'ed (free() it); returns the count. */
size_t ofproto_collect_flows(struct ofproto *ofp, uint8_t table_id,
			     const struct ofp_rule_filter *filter,
			     struct ofp_flow_stats_entry **out);

/* Snapshot of the ports, sorted by number. *out is malloc'ed. */
size_t ofproto_ports_snapshot(struct ofproto *ofp,
			      struct ofproto_port **out);
bool ofproto_port_exists(struct ofproto *ofp, uint32_t ofport);

/* Table counters for OFPMP_TABLE. */
void ofproto_table_counters(struct ofproto *ofp, uint32_t *active,
			    uint64_t *lookups, uint64_t *matches);

/* Host callbacks (each a no-op when the host gave none). */
void ofproto_notify_flows_changed(struct ofproto *ofp);
void ofproto_host_sync_stats(struct ofproto *ofp);
int ofproto_host_port_stats(struct ofproto *ofp, uint32_t ofport,
			    struct ofproto_port_stats *stats);

/* Removes expired rules (calls sync_stats first when a rule has an idle
 * timeout, and flows_changed when something was removed). */
void ofproto_run_expiry(struct ofproto *ofp);

#endif /* PMDSWITCH_OFPROTO_PRIV_H */
