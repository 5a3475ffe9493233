/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFPROTO_PRIV_H
#define PMDSWITCH_OFPROTO_PRIV_H

/*
 * Internals of struct ofproto shared by ofproto.c (the public API), the
 * message handlers (ofp_msg*.c, ofp_mp.c, ofp10_msg.c) and the connection
 * manager (ofp_conn.c).
 *
 * Locking: ofp->mutex guards the flow tables, the group and meter tables,
 * the port list, the MAC table and the fail-mode state. Every function
 * below takes it itself and releases it before returning (unless its
 * comment says "with the mutex held"); none of them is called with it
 * held, and host callbacks are only called by the ofproto_notify_* / ofproto_host_*
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
#include "ofp_group.h"
#include "ofp_log.h"
#include "ofp_meter.h"
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

/* Flow tables 0..OFPROTO_N_TABLES-1. Rule ids carry their table:
 * table_id << OFPROTO_RULE_ID_SHIFT | sequence. */
#define OFPROTO_N_TABLES 254
#define OFPROTO_RULE_ID_SHIFT 40
#define OFPROTO_RULE_TABLE(id) ((unsigned int)((id) >> OFPROTO_RULE_ID_SHIFT))
/* The credit id of a lookup in table t that matched no rule: sequence 0,
 * which no rule has (a table numbers its rules from 1). */
#define OFPROTO_TABLE_MISS_ID(t) ((uint64_t)(t) << OFPROTO_RULE_ID_SHIFT)
#define OFPROTO_RULE_SEQ(id) ((id) & ((1ull << OFPROTO_RULE_ID_SHIFT) - 1))

/* OFPC_INVALID_TTL_TO_CONTROLLER of SET_CONFIG (OpenFlow 1.3). */
#define OFPC13_INVALID_TTL_TO_CONTROLLER 0x4u

struct ofproto {
	char name[64];
	uint64_t datapath_id;
	struct ofproto_host_ops ops;
	void *host;

	pthread_mutex_t mutex;		/* Guards the members below. */
	struct ofp_table tables[OFPROTO_N_TABLES];
	uint32_t table_config[OFPROTO_N_TABLES];	/* OFPTC_* */
	struct ofp_group_table groups;
	struct ofp_meter_table meters;
	bool invalid_ttl_to_controller;
	struct ofp_ratelimit pipe_rl;	/* Pipeline-over-bounds warnings. */
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

/* A bundle's flow_mods for ofproto_commit_flow_mods(): decodes message i
 * (0 <= i < n) into *fm; may be called more than once for the same i. */
typedef enum ofperr (*ofproto_flow_mod_source)(void *arg, size_t i,
					       struct ofp_flow_mod *fm);

/* Applies n flow_mods as one change: the mutex is held from the first
 * check to the last rule, so a pipeline lookup sees all of them or none.
 * Every check a flow_mod can fail (decoding, table, instructions, groups
 * and meters, flags, TABLE_FULL, OVERLAP) runs for the whole list first;
 * on a failure nothing is applied and *failed is the message's index.
 * Out of memory in the middle leaves the earlier ones applied (logged).
 * *changed tells whether flows_changed must be called. */
enum ofperr ofproto_commit_flow_mods(struct ofproto *ofp,
				     ofproto_flow_mod_source next, void *arg,
				     size_t n, size_t *failed, bool *changed);

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
/* A resumable dump of the same selection (ofp_mp_dump.h): the ids of the
 * selected rules in reply order are taken at the start; each
 * ofproto_flow_dump_next() holds the mutex only while it runs and skips
 * the rules deleted since (rule ids are never reused), so a dump neither
 * repeats nor dangles. */
struct ofproto_flow_dump {
	uint64_t *ids;
	size_t n, next;
	struct ofp_rule_filter filter;
};
/* 0 or -ENOMEM. */
int ofproto_flow_dump_start(struct ofproto *ofp, uint8_t table_id,
			    const struct ofp_rule_filter *filter,
			    struct ofproto_flow_dump *d);
/* Calls cb for the next rules until it returns false (that rule was
 * taken) or the dump ends; true when it has ended. */
bool ofproto_flow_dump_next(struct ofproto *ofp, struct ofproto_flow_dump *d,
			    bool (*cb)(const struct ofp_flow_stats_entry *,
				       void *),
			    void *arg);
void ofproto_flow_dump_free(struct ofproto_flow_dump *d);
/* Totals of the same selection without copying the rules. */
size_t ofproto_aggregate_flows(struct ofproto *ofp, uint8_t table_id,
			       const struct ofp_rule_filter *filter,
			       uint64_t *packets, uint64_t *bytes);

/* Snapshot of the ports, sorted by number. *out is malloc'ed. */
size_t ofproto_ports_snapshot(struct ofproto *ofp,
			      struct ofproto_port **out);
/* Copies up to max ports numbered from on (by number) into out. */
size_t ofproto_ports_from(struct ofproto *ofp, uint32_t from,
			  struct ofproto_port *out, size_t max);
bool ofproto_port_exists(struct ofproto *ofp, uint32_t ofport);
bool ofproto_port_get(struct ofproto *ofp, uint32_t ofport,
		      struct ofproto_port *out);
/* PORT_MOD: hw_addr must be the port's; config/mask OFPPC_* bits. */
enum ofperr ofproto_port_mod(struct ofproto *ofp, uint32_t ofport,
			     const uint8_t hw_addr[6], uint32_t config,
			     uint32_t mask);

/* Table counters for OFPMP_TABLE (table table_id). */
void ofproto_table_counters(struct ofproto *ofp, uint8_t table_id,
			    uint32_t *active, uint64_t *lookups,
			    uint64_t *matches);
/* TABLE_MOD config of a table (0 for an unknown table). */
uint32_t ofproto_table_config(struct ofproto *ofp, uint8_t table_id);
/* TABLE_MOD config (OFPTT_ALL: every table). */
enum ofperr ofproto_table_mod(struct ofproto *ofp, uint8_t table_id,
			      uint32_t config);

/* GROUP_MOD / METER_MOD (the caller decoded them). *changed tells
 * whether flows_changed must be called. */
enum ofperr ofproto_group_mod(struct ofproto *ofp, struct ofp_group_mod *gm,
			      bool *changed);
enum ofperr ofproto_meter_mod(struct ofproto *ofp,
			      const struct ofp_meter_mod *mm, bool *changed);
/* Multipart bodies for groups and meters (take the mutex); room->fn is
 * called before each entry so that the caller can split the reply (it
 * must not call into the ofproto). */
/* Group stats and desc resume from the group id *from on and stop once
 * b->len reaches limit (ofp_group_put_stats()): true when done. */
bool ofproto_put_group_stats(struct ofproto *ofp, uint32_t id,
			     uint32_t *from, size_t limit,
			     const struct ofp_mp_room *room,
			     struct ofp_buf *b);
bool ofproto_put_group_desc(struct ofproto *ofp, uint32_t *from,
			    size_t limit, const struct ofp_mp_room *room,
			    struct ofp_buf *b);
/* Meter config and stats the same way, by meter id. */
bool ofproto_put_meter_config(struct ofproto *ofp, uint32_t id,
			      uint32_t *from, size_t limit,
			      const struct ofp_mp_room *room,
			      struct ofp_buf *b);
bool ofproto_put_meter_stats(struct ofproto *ofp, uint32_t id,
			     uint32_t *from, size_t limit,
			     const struct ofp_mp_room *room,
			     struct ofp_buf *b);
uint32_t ofproto_max_meters(struct ofproto *ofp);
/* SET_CONFIG's OFPC_INVALID_TTL_TO_CONTROLLER. */
void ofproto_set_invalid_ttl_to_controller(struct ofproto *ofp, bool on);

/* With the mutex held: a port is live (exists, link up, not admin
 * down). */
bool ofproto_port_live_locked(struct ofproto *ofp, uint32_t ofport);
struct ofproto_port *ofproto_port_find_locked(struct ofproto *ofp,
					      uint32_t ofport);

/* The multi-table pipeline (ofp_pipeline.c), with the mutex held: fills
 * res (mask, actions, rule ids, table_id, cookie, pin_reason) from the
 * flow tables and groups for key. */
void ofproto_pipeline_run(struct ofproto *ofp, const struct flow_key *key,
			  const struct ofproto_packet *pkt,
			  struct ofproto_lookup_result *res, uint64_t now);
/* Resolves GROUP actions of a packet-out action list into CLONE blocks
 * (mutex held). Returns the number of actions written, 0 on overflow. */
size_t ofproto_pipeline_resolve_actions(struct ofproto *ofp,
					const struct flow_key *key,
					const struct ofpact *in, size_t n_in,
					struct ofpact *out, size_t max);

/* Rewrites an action list action by action, keeping CLONE blocks
 * consistent: fn writes the replacement of one non-CLONE action into out
 * (at most room actions) and returns how many it wrote. Returns the new
 * length. */
size_t ofpact_list_map(const struct ofpact *in, size_t n, struct ofpact *out,
		       size_t max,
		       size_t (*fn)(const struct ofpact *a, struct ofpact *out,
				    size_t room, void *arg),
		       void *arg);

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
