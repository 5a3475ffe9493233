/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API of ofproto.h: the model (table, ports, MAC table, fail
 * mode) behind one mutex, the pipeline, and the glue to the connection
 * manager. The text entry points are in ofproto_text.c.
 */
#include "ofproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_buf.h"
#include "ofp_commit_ledger.h"
#include "ofp_conn.h"
#include "ofp_flow_text.h"
#include "ofp_log.h"
#include "ofp_msg.h"
#include "ofp_limits.h"
#include "ofproto_priv.h"

#define NS_PER_SEC 1000000000ull

static void rule_removed(void *arg, const struct ofp_rule *r,
			 enum ofp_rule_removed_reason reason);

struct ofproto *
ofproto_create(const char *name, uint64_t datapath_id,
	       const struct ofproto_host_ops *ops, void *host)
{
	struct ofproto *ofp = calloc(1, sizeof(*ofp));

	if (ofp == NULL)
		return NULL;
	snprintf(ofp->name, sizeof(ofp->name), "%s", name ? name : "br0");
	ofp->datapath_id = datapath_id;
	if (ops != NULL)
		ofp->ops = *ops;
	ofp->host = host;
	pthread_mutex_init(&ofp->mutex, NULL);
	atomic_init(&ofp->pins_port_suppressed, 0);
	ofp->pipe_rl = (struct ofp_ratelimit)OFP_RATELIMIT_INIT(5);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++) {
		if (ofp_table_init(&ofp->tables[t]) != 0) {
			while (t-- > 0)
				ofp_table_destroy(&ofp->tables[t]);
			goto nomem;
		}
		ofp->tables[t].next_id =
			((uint64_t)t << OFPROTO_RULE_ID_SHIFT) + 1;
		ofp->tables[t].on_remove = rule_removed;
		ofp->tables[t].on_remove_arg = ofp;
	}
	ofp_group_table_init(&ofp->groups);
	ofp_meter_table_init(&ofp->meters);
	if (ofp->ops.meter_set == NULL)
		ofp->meters.max_meters = 0;	/* Meters unsupported. */
	if (ofp_mac_table_init(&ofp->macs) != 0)
		goto fail;
	ofp->mgr = ofp_conn_mgr_create(ofp);
	if (ofp->mgr == NULL) {
		int e = errno;
		ofp_mac_table_destroy(&ofp->macs);
		errno = e;
		goto fail;
	}
	return ofp;
fail:
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		ofp_table_destroy(&ofp->tables[t]);
	ofp_group_table_destroy(&ofp->groups);
	ofp_meter_table_destroy(&ofp->meters);
	if (errno == 0)
		errno = ENOMEM;
	free(ofp);
	return NULL;
nomem:
	free(ofp);
	errno = ENOMEM;
	return NULL;
}

void
ofproto_destroy(struct ofproto *ofp)
{
	if (ofp == NULL)
		return;
	ofp_conn_mgr_destroy(ofp->mgr);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++) {
		ofp->tables[t].on_remove = NULL;
		ofp_table_destroy(&ofp->tables[t]);
	}
	ofp_group_table_destroy(&ofp->groups);
	ofp_meter_table_destroy(&ofp->meters);
	ofp_mac_table_destroy(&ofp->macs);
	free(ofp->ports);
	pthread_mutex_destroy(&ofp->mutex);
	free(ofp);
}

/* ---- Async messages from the model. ---- */

static struct ofp_async *
async_new(enum ofp_async_kind kind, size_t len)
{
	struct ofp_async *a = calloc(1, sizeof(*a) + len);

	if (a != NULL) {
		a->kind = kind;
		a->len = len;
	}
	return a;
}

static void
post_port_status(struct ofproto *ofp, const struct ofproto_port *p,
		 uint8_t reason)
{
	struct ofp_async *a = async_new(OFP_ASYNC_PORT_STATUS, 0);

	if (a == NULL)
		return;
	a->reason = reason;
	a->port = *p;
	ofp_conn_mgr_post(ofp->mgr, a);
}

/* Table callback, with the mutex held: FLOW_REMOVED for rules that ask. */
static void
rule_removed(void *arg, const struct ofp_rule *r,
	     enum ofp_rule_removed_reason reason)
{
	struct ofproto *ofp = arg;

	if (!(r->flags & OFPFF_SEND_FLOW_REM))
		return;
	struct ofp_async *a = async_new(OFP_ASYNC_FLOW_REMOVED, 0);
	if (a == NULL)
		return;
	uint64_t age = ofp_time_ns() - r->created_ns;
	a->reason = (uint8_t)reason;
	a->table_id = (uint8_t)OFPROTO_RULE_TABLE(r->id);
	a->cookie = r->cookie;
	a->match = r->match;
	a->priority = r->priority;
	a->idle_timeout = r->idle_timeout;
	a->hard_timeout = r->hard_timeout;
	a->duration_sec = (uint32_t)(age / NS_PER_SEC);
	a->duration_nsec = (uint32_t)(age % NS_PER_SEC);
	a->packet_count = r->n_packets;
	a->byte_count = r->n_bytes;
	ofp_conn_mgr_post(ofp->mgr, a);
}

/* ---- Ports. ---- */

static struct ofproto_port *
port_find(struct ofproto *ofp, uint32_t ofport)
{
	for (size_t i = 0; i < ofp->n_ports; i++)
		if (ofp->ports[i].ofport == ofport)
			return &ofp->ports[i];
	return NULL;
}

struct ofproto_port *
ofproto_port_find_locked(struct ofproto *ofp, uint32_t ofport)
{
	return port_find(ofp, ofport);
}

bool
ofproto_port_live_locked(struct ofproto *ofp, uint32_t ofport)
{
	const struct ofproto_port *p = port_find(ofp, ofport);

	return p != NULL && !(p->state & OFPPS_LINK_DOWN) &&
	       !(p->config & OFPPC_PORT_DOWN);
}

static void
ports_update_restricted(struct ofproto *ofp)
{
	ofp->ports_restricted = false;
	for (size_t i = 0; i < ofp->n_ports; i++)
		if (ofp->ports[i].config & (OFPPC_PORT_DOWN | OFPPC_NO_RECV |
					    OFPPC_NO_FWD | OFPPC_NO_FLOOD))
			ofp->ports_restricted = true;
}

int
ofproto_port_add(struct ofproto *ofp, uint32_t ofport, const char *name,
		 const uint8_t hw_addr[6])
{
	int rc = 0;

	if (ofport == 0 || ofport > OFPP13_MAX || name == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ofp->mutex);
	for (size_t i = 0; i < ofp->n_ports; i++) {
		if (ofp->ports[i].ofport == ofport ||
		    !strncmp(ofp->ports[i].name, name, OFP_MAX_PORT_NAME_LEN - 1)) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (ofp->n_ports == ofp->ports_cap) {
		size_t cap = ofp->ports_cap ? ofp->ports_cap * 2 : 8;
		struct ofproto_port *p = realloc(ofp->ports, cap * sizeof(*p));
		if (p == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		ofp->ports = p;
		ofp->ports_cap = cap;
	}
	/* Keep the list sorted by number. */
	size_t pos = ofp->n_ports;
	while (pos > 0 && ofp->ports[pos - 1].ofport > ofport)
		pos--;
	memmove(&ofp->ports[pos + 1], &ofp->ports[pos],
		(ofp->n_ports - pos) * sizeof(*ofp->ports));
	struct ofproto_port *p = &ofp->ports[pos];
	memset(p, 0, sizeof(*p));
	p->ofport = ofport;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (hw_addr != NULL)
		memcpy(p->hw_addr, hw_addr, 6);
	p->state = OFPPS_LIVE;
	ofp->n_ports++;
	post_port_status(ofp, p, OFPPR_ADD);
out:
	pthread_mutex_unlock(&ofp->mutex);
	if (rc == 0)
		ofproto_notify_flows_changed(ofp);	/* FLOOD sets grew. */
	return rc;
}

int
ofproto_port_del(struct ofproto *ofp, uint32_t ofport)
{
	pthread_mutex_lock(&ofp->mutex);
	struct ofproto_port *p = port_find(ofp, ofport);
	if (p == NULL) {
		pthread_mutex_unlock(&ofp->mutex);
		return -ENOENT;
	}
	post_port_status(ofp, p, OFPPR_DELETE);
	size_t i = (size_t)(p - ofp->ports);
	memmove(&ofp->ports[i], &ofp->ports[i + 1],
		(ofp->n_ports - i - 1) * sizeof(*ofp->ports));
	ofp->n_ports--;
	ofp_mac_table_flush_port(&ofp->macs, ofport);
	ports_update_restricted(ofp);
	pthread_mutex_unlock(&ofp->mutex);
	ofproto_notify_flows_changed(ofp);
	return 0;
}

int
ofproto_port_set_link(struct ofproto *ofp, uint32_t ofport, bool up)
{
	bool changed = false;

	pthread_mutex_lock(&ofp->mutex);
	struct ofproto_port *p = port_find(ofp, ofport);
	if (p == NULL) {
		pthread_mutex_unlock(&ofp->mutex);
		return -ENOENT;
	}
	uint32_t state = up ? OFPPS_LIVE : OFPPS_LINK_DOWN;
	if (p->state != state) {
		p->state = state;
		changed = true;
		post_port_status(ofp, p, OFPPR_MODIFY);
		if (!up)
			ofp_mac_table_flush_port(&ofp->macs, ofport);
		ports_update_restricted(ofp);
	}
	pthread_mutex_unlock(&ofp->mutex);
	if (changed)
		ofproto_notify_flows_changed(ofp);
	return 0;
}

enum ofperr
ofproto_port_mod(struct ofproto *ofp, uint32_t ofport,
		 const uint8_t hw_addr[6], uint32_t config, uint32_t mask)
{
	bool changed = false;

	pthread_mutex_lock(&ofp->mutex);
	struct ofproto_port *p = port_find(ofp, ofport);
	if (p == NULL) {
		pthread_mutex_unlock(&ofp->mutex);
		return OFPERR_PORT_MOD_BAD_PORT;
	}
	if (memcmp(p->hw_addr, hw_addr, 6) != 0) {
		pthread_mutex_unlock(&ofp->mutex);
		return OFPERR_PORT_MOD_BAD_HW_ADDR;
	}
	uint32_t nc = (p->config & ~mask) | (config & mask);
	if (nc != p->config) {
		p->config = nc;
		changed = true;
		post_port_status(ofp, p, OFPPR_MODIFY);
		ports_update_restricted(ofp);
	}
	pthread_mutex_unlock(&ofp->mutex);
	if (changed)
		ofproto_notify_flows_changed(ofp);
	return OFPERR_OK;
}

size_t
ofproto_port_list(struct ofproto *ofp, uint32_t *ofports, size_t max)
{
	pthread_mutex_lock(&ofp->mutex);
	size_t n = ofp->n_ports;
	for (size_t i = 0; ofports != NULL && i < n && i < max; i++)
		ofports[i] = ofp->ports[i].ofport;
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

size_t
ofproto_ports_snapshot(struct ofproto *ofp, struct ofproto_port **out)
{
	pthread_mutex_lock(&ofp->mutex);
	size_t n = ofp->n_ports;
	*out = malloc((n ? n : 1) * sizeof(**out));
	if (*out == NULL)
		n = 0;
	else if (n)
		memcpy(*out, ofp->ports, n * sizeof(**out));
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

size_t
ofproto_ports_from(struct ofproto *ofp, uint32_t from,
		   struct ofproto_port *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&ofp->mutex);
	for (size_t i = 0; i < ofp->n_ports && n < max; i++)
		if (ofp->ports[i].ofport >= from)
			out[n++] = ofp->ports[i];
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

bool
ofproto_port_get(struct ofproto *ofp, uint32_t ofport,
		 struct ofproto_port *out)
{
	pthread_mutex_lock(&ofp->mutex);
	struct ofproto_port *p = port_find(ofp, ofport);
	if (p != NULL && out != NULL)
		*out = *p;
	pthread_mutex_unlock(&ofp->mutex);
	return p != NULL;
}

bool
ofproto_port_exists(struct ofproto *ofp, uint32_t ofport)
{
	return ofproto_port_get(ofp, ofport, NULL);
}

/* ---- Channels. ---- */

int
ofproto_add_listener(struct ofproto *ofp, const char *target, char *err,
		     size_t errlen)
{
	return ofp_conn_mgr_add_listener(ofp->mgr, target, err, errlen);
}

int
ofproto_del_listener(struct ofproto *ofp, const char *target)
{
	return ofp_conn_mgr_del_listener(ofp->mgr, target);
}

int
ofproto_add_controller(struct ofproto *ofp, const char *target, char *err,
		       size_t errlen)
{
	return ofp_conn_mgr_add_controller(ofp->mgr, target, err, errlen);
}

int
ofproto_set_ssl(struct ofproto *ofp, const char *private_key,
		const char *certificate, const char *ca_cert, char *err,
		size_t errlen)
{
	return ofp_conn_mgr_set_ssl(ofp->mgr, private_key, certificate,
				    ca_cert, err, errlen);
}

void
ofproto_set_packet_in_rate(struct ofproto *ofp, uint32_t rate,
			   uint32_t burst)
{
	ofp_conn_mgr_set_pin_rate(ofp->mgr, rate, burst);
}

void
ofproto_set_probe_interval(struct ofproto *ofp, uint32_t ms)
{
	ofp_conn_mgr_set_probe(ofp->mgr, ms);
}

void
ofproto_set_channel_limits(struct ofproto *ofp, size_t backlog,
			   size_t per_listener, size_t accepted)
{
	ofp_conn_mgr_set_backlog(ofp->mgr, backlog);
	ofp_conn_mgr_set_accept_limits(ofp->mgr, per_listener, accepted);
}

int
ofproto_start(struct ofproto *ofp)
{
	return ofp_conn_mgr_start(ofp->mgr);
}

int
ofproto_listener_port(struct ofproto *ofp, size_t index)
{
	return ofp_conn_mgr_listener_port(ofp->mgr, index);
}

size_t
ofproto_connection_count(struct ofproto *ofp)
{
	return ofp_conn_mgr_count(ofp->mgr);
}

void
ofproto_get_stats(struct ofproto *ofp, struct ofproto_stats *st)
{
	memset(st, 0, sizeof(*st));
	ofp_conn_mgr_stats(ofp->mgr, st);
	st->packet_ins_port_suppressed = atomic_load(&ofp->pins_port_suppressed);
	pthread_mutex_lock(&ofp->mutex);
	st->mac_learned = ofp->macs.learned;
	st->mac_entries = ofp->macs.count;
	st->n_controllers_up = ofp->n_controllers_up;
	st->normal_mode = ofp->fail_mode == OFPROTO_FAIL_STANDALONE &&
			  ofp->n_controllers_up == 0;
	pthread_mutex_unlock(&ofp->mutex);
}

/* ---- Fail mode. ---- */

void
ofproto_set_fail_mode(struct ofproto *ofp, enum ofproto_fail_mode mode)
{
	pthread_mutex_lock(&ofp->mutex);
	bool changed = ofp->fail_mode != mode;
	ofp->fail_mode = mode;
	pthread_mutex_unlock(&ofp->mutex);
	if (changed)
		ofproto_notify_flows_changed(ofp);
}

void
ofproto_controllers_up(struct ofproto *ofp, size_t n)
{
	pthread_mutex_lock(&ofp->mutex);
	bool was_normal = ofp->n_controllers_up == 0;
	bool normal = n == 0;
	ofp->n_controllers_up = n;
	bool switch_over = was_normal != normal &&
			   ofp->fail_mode == OFPROTO_FAIL_STANDALONE;
	if (switch_over && normal)
		ofp_mac_table_flush(&ofp->macs);
	pthread_mutex_unlock(&ofp->mutex);
	if (switch_over) {
		ofp_log(OFP_LOG_INFO, "%s: %s", ofp->name, normal ?
			"no controller connected: standalone mode, acting as "
			"a MAC-learning switch" :
			"controller connected: leaving standalone mode, "
			"forwarding by the flow table");
		ofproto_notify_flows_changed(ofp);
	}
}

/* ---- Packet-in. ---- */

static bool
port_no_packet_in(struct ofproto *ofp, uint32_t in_port)
{
	bool no = false;

	pthread_mutex_lock(&ofp->mutex);
	struct ofproto_port *p = port_find(ofp, in_port);
	if (p != NULL)
		no = (p->config & OFPPC_NO_PACKET_IN) != 0;
	pthread_mutex_unlock(&ofp->mutex);
	return no;
}

void
ofproto_packet_in(struct ofproto *ofp, const struct ofproto_packet_in_ctx *ctx,
		  uint32_t in_port, const void *packet, size_t len,
		  size_t total_len)
{
	if (total_len < len)
		total_len = len;
	if (port_no_packet_in(ofp, in_port)) {
		atomic_fetch_add(&ofp->pins_port_suppressed, 1);
		return;
	}
	struct ofp_async *a = async_new(OFP_ASYNC_PACKET_IN, len);
	if (a == NULL)
		return;
	a->reason = ctx->reason;
	a->table_id = ctx->table_id;
	a->cookie = ctx->cookie;
	a->metadata = ctx->metadata;
	a->tunnel_id = ctx->tunnel_id;
	a->tun_src = ctx->tun_src;
	a->tun_dst = ctx->tun_dst;
	a->in_phy_port = ctx->in_phy_port;
	a->in_port = in_port;
	a->total_len = total_len;
	a->action_truncated = len < total_len;
	memcpy(a->data, packet, len);
	ofp_conn_mgr_post(ofp->mgr, a);
}

void
ofproto_credit_rule(struct ofproto *ofp, uint64_t rule_id, uint64_t packets,
		    uint64_t bytes)
{
	pthread_mutex_lock(&ofp->mutex);
	if (rule_id & OFP_GROUP_CREDIT_BIT) {
		ofp_group_credit(&ofp->groups, rule_id, packets, bytes);
		pthread_mutex_unlock(&ofp->mutex);
		return;
	}
	unsigned int tid = OFPROTO_RULE_TABLE(rule_id);
	struct ofp_rule *r = tid < OFPROTO_N_TABLES ?
			     ofp_table_find_id(&ofp->tables[tid], rule_id) :
			     NULL;
	if (r != NULL) {
		r->n_packets += packets;
		r->n_bytes += bytes;
		if (packets)
			r->used_ns = ofp_time_ns();
	}
	pthread_mutex_unlock(&ofp->mutex);
}

void
ofproto_credit_lookups(struct ofproto *ofp, uint64_t credit_id,
		       uint64_t packets)
{
	unsigned int tid = OFPROTO_RULE_TABLE(credit_id);

	if ((credit_id & OFP_GROUP_CREDIT_BIT) || tid >= OFPROTO_N_TABLES ||
	    packets == 0)
		return;
	pthread_mutex_lock(&ofp->mutex);
	ofp->tables[tid].lookup_count += packets;
	if (OFPROTO_RULE_SEQ(credit_id) != 0)
		ofp->tables[tid].matched_count += packets;
	pthread_mutex_unlock(&ofp->mutex);
}

/* With the mutex held: groups and meters the instructions use exist. */
static enum ofperr
check_refs(struct ofproto *ofp, const struct ofp_insts *insts)
{
	const struct ofpact *lists[2] = { insts->apply, insts->write };
	size_t ns[2] = { insts->n_apply, insts->n_write };

	if (insts->has_meter &&
	    ofp_meter_find(&ofp->meters, insts->meter_id) == NULL)
		return OFPERR_METER_MOD_UNKNOWN_METER;
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++)
			if (lists[l][i].type == OFPACT_GROUP &&
			    ofp_group_find(&ofp->groups, lists[l][i].id) == NULL)
				return OFPERR_BAD_ACTION_BAD_OUT_GROUP;
	return OFPERR_OK;
}

/* The checks of a flow_mod that need no state. */
static enum ofperr
flow_mod_precheck(const struct ofp_flow_mod *fm)
{
	bool del = fm->command == OFPFC_DELETE ||
		   fm->command == OFPFC_DELETE_STRICT;

	if (fm->command > OFPFC_DELETE_STRICT)
		return OFPERR_FLOW_MOD_BAD_COMMAND;
	if (fm->table_id >= OFPROTO_N_TABLES &&
	    !(del && fm->table_id == OFPTT_ALL))
		return OFPERR_FLOW_MOD_BAD_TABLE_ID;
	if (!del && fm->buffer_id != OFP_NO_BUFFER)
		return OFPERR_BAD_REQUEST_BUFFER_UNKNOWN;
	if (!del)
		return ofp_insts_check(&fm->insts, &fm->match, fm->table_id,
				       OFPROTO_N_TABLES);
	return OFPERR_OK;
}

/* With the mutex held: applies a prechecked flow_mod. */
static enum ofperr
apply_flow_mod_locked(struct ofproto *ofp, const struct ofp_flow_mod *fm,
		      uint64_t now, bool *changed)
{
	bool del = fm->command == OFPFC_DELETE ||
		   fm->command == OFPFC_DELETE_STRICT;
	enum ofperr err = del ? OFPERR_OK : check_refs(ofp, &fm->insts);

	for (size_t t = 0; !err && t < OFPROTO_N_TABLES; t++) {
		bool ch = false;

		if (fm->table_id != OFPTT_ALL && t != fm->table_id)
			continue;
		err = ofp_table_flow_mod(&ofp->tables[t], fm, now, &ch);
		*changed |= ch;
	}
	return err;
}

enum ofperr
ofproto_apply_flow_mod(struct ofproto *ofp, const struct ofp_flow_mod *fm,
		       bool *changed)
{
	enum ofperr err;

	*changed = false;
	err = flow_mod_precheck(fm);
	if (err)
		return err;
	pthread_mutex_lock(&ofp->mutex);
	err = apply_flow_mod_locked(ofp, fm, ofp_time_ns(), changed);
	pthread_mutex_unlock(&ofp->mutex);
	return err;
}

/* With the mutex held: every check apply_flow_mod_locked() could fail,
 * for the whole list, against the tables as the list's earlier messages
 * leave them (ofp_commit_ledger.h): an add takes a rule unless it
 * replaces one, a delete gives back the rules it removes, and the rule
 * budgets (the table's, the process-wide one) must hold after each add,
 * as the apply takes them; OVERLAP sees the rules the earlier messages
 * left. Conservative for the instruction set budget (each add or modify
 * counts as a new set: sets are shared by equal instructions). */
static enum ofperr
commit_check_locked(struct ofproto *ofp, ofproto_flow_mod_source next,
		    void *arg, size_t n, struct ofp_flow_mod *fm,
		    size_t *failed)
{
	long *delta = calloc(OFPROTO_N_TABLES, sizeof(*delta));
	struct ofp_ledger *ledger = ofp_ledger_create();
	enum ofperr err = OFPERR_OK;

	struct ofp_limit_stats rules, insts;
	long total = 0;
	size_t n_insts = 0;

	if (delta == NULL || ledger == NULL) {
		free(delta);
		ofp_ledger_destroy(ledger);
		return OFPERR_FLOW_MOD_TABLE_FULL;
	}
	/* The process-wide budgets (ofp_limits.h). */
	ofp_limit_get(OFP_LIMIT_RULES, &rules);
	ofp_limit_get(OFP_LIMIT_INSTS, &insts);
	for (size_t i = 0; i < n && !err; i++) {
		bool del;

		*failed = i;
		err = next(arg, i, fm);
		if (!err)
			err = flow_mod_precheck(fm);
		if (err)
			break;
		if (fm->flags & ~OFPFF_ALL) {
			err = OFPERR_FLOW_MOD_BAD_FLAGS;
			break;
		}
		del = fm->command == OFPFC_DELETE ||
		      fm->command == OFPFC_DELETE_STRICT;
		if (del) {
			for (size_t t = 0; t < OFPROTO_N_TABLES && !err; t++) {
				long k;

				if (fm->table_id != OFPTT_ALL &&
				    t != fm->table_id)
					continue;
				k = ofp_ledger_delete(ledger, &ofp->tables[t],
						      (uint8_t)t, fm);
				if (k < 0)
					err = OFPERR_FLOW_MOD_TABLE_FULL;
				else {
					delta[t] -= k;
					total -= k;
				}
			}
			continue;
		}
		if (insts.used + ++n_insts > insts.max) {
			err = OFPERR_FLOW_MOD_TABLE_FULL;
			break;
		}
		err = check_refs(ofp, &fm->insts);
		if (err || fm->command != OFPFC_ADD)
			continue;
		struct ofp_table *t = &ofp->tables[fm->table_id];
		int taken = ofp_ledger_add(ledger, t, fm->table_id, fm);
		if (taken < 0) {
			err = OFPERR_FLOW_MOD_TABLE_FULL;
			break;
		}
		/* An add that replaces a rule is not checked for overlaps,
		 * as on its own; one that takes a new rule is checked against
		 * the rules the earlier messages left (the rule it replaced,
		 * if any, is removed in the ledger; its own entry is
		 * identical, not overlapping). */
		if ((fm->flags & OFPFF_CHECK_OVERLAP) && taken &&
		    (ofp_table_add_overlaps_except(t, fm, ofp_ledger_removed,
						   ledger) ||
		     ofp_ledger_overlaps(ledger, fm))) {
			err = OFPERR_FLOW_MOD_OVERLAP;
			break;
		}
		delta[fm->table_id] += taken;
		total += taken;
		if (taken &&
		    ((long)t->n_rules + delta[fm->table_id] >
		     (long)OFP_TABLE_MAX_RULES ||
		     (long)rules.used + total > (long)rules.max)) {
			err = OFPERR_FLOW_MOD_TABLE_FULL;
			break;
		}
	}
	ofp_ledger_destroy(ledger);
	free(delta);
	return err;
}

enum ofperr
ofproto_commit_flow_mods(struct ofproto *ofp, ofproto_flow_mod_source next,
			 void *arg, size_t n, size_t *failed, bool *changed)
{
	struct ofp_flow_mod *fm = malloc(sizeof(*fm));
	enum ofperr err;

	*changed = false;
	*failed = 0;
	if (fm == NULL)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	pthread_mutex_lock(&ofp->mutex);
	err = commit_check_locked(ofp, next, arg, n, fm, failed);
	uint64_t now = ofp_time_ns();
	for (size_t i = 0; !err && i < n; i++) {
		*failed = i;
		err = next(arg, i, fm);
		if (!err)
			err = apply_flow_mod_locked(ofp, fm, now, changed);
		if (err)
			/* Only out of memory gets here (the checks passed):
			 * the earlier messages stay applied. */
			ofp_log(OFP_LOG_ERR, "%s: bundle commit stopped at "
				"message %zu of %zu: %s; the %zu before it "
				"are applied", ofp->name, i + 1, n,
				ofperr_name(err), i);
	}
	pthread_mutex_unlock(&ofp->mutex);
	free(fm);
	return err;
}

static void
rule_to_entry(const struct ofp_rule *r, uint64_t now,
	      struct ofp_flow_stats_entry *e)
{
	uint64_t age = now - r->created_ns;

	e->table_id = (uint8_t)OFPROTO_RULE_TABLE(r->id);
	e->duration_sec = (uint32_t)(age / NS_PER_SEC);
	/* Millisecond precision, as ovs-ofctl prints. */
	e->duration_nsec = (uint32_t)(age % NS_PER_SEC / 1000000 * 1000000);
	e->priority = r->priority;
	e->idle_timeout = r->idle_timeout;
	e->hard_timeout = r->hard_timeout;
	e->flags = r->flags;
	e->cookie = r->cookie;
	e->n_packets = r->n_packets;
	e->n_bytes = r->n_bytes;
	e->match = r->match;
	e->insts = *r->insts;
}

/* With the mutex held: the rules of the selected tables, sorted by table,
 * then priority (descending) and age. *out is malloc'ed. */
static size_t
sorted_rules(struct ofproto *ofp, uint8_t table_id, struct ofp_rule ***out)
{
	size_t total = 0, n = 0;

	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		if (table_id == OFPTT_ALL || table_id == t)
			total += ofp->tables[t].n_rules;
	*out = malloc((total ? total : 1) * sizeof(**out));
	if (*out == NULL)
		return 0;
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++) {
		struct ofp_rule **one = NULL;

		if ((table_id != OFPTT_ALL && table_id != t) ||
		    ofp->tables[t].n_rules == 0)
			continue;
		size_t k = ofp_table_sorted(&ofp->tables[t], &one);
		if (k)
			memcpy(*out + n, one, k * sizeof(*one));
		n += k;
		free(one);
	}
	return n;
}

size_t
ofproto_collect_flows(struct ofproto *ofp, uint8_t table_id,
		      const struct ofp_rule_filter *filter,
		      struct ofp_flow_stats_entry **out)
{
	size_t n = 0;
	uint64_t now = ofp_time_ns();
	struct ofp_rule **sorted = NULL;

	pthread_mutex_lock(&ofp->mutex);
	size_t total = sorted_rules(ofp, table_id, &sorted);
	size_t want = 0;
	for (size_t i = 0; i < total; i++)
		want += filter == NULL ||
			ofp_rule_filter_match(filter, sorted[i]);
	*out = malloc((want ? want : 1) * sizeof(**out));
	for (size_t i = 0; *out != NULL && i < total; i++)
		if (filter == NULL || ofp_rule_filter_match(filter, sorted[i]))
			rule_to_entry(sorted[i], now, &(*out)[n++]);
	pthread_mutex_unlock(&ofp->mutex);
	free(sorted);
	return n;
}

size_t
ofproto_foreach_flow(struct ofproto *ofp, uint8_t table_id,
		     const struct ofp_rule_filter *filter,
		     void (*cb)(const struct ofp_flow_stats_entry *, void *),
		     void *arg)
{
	uint64_t now = ofp_time_ns();
	struct ofp_rule **sorted = NULL;
	struct ofp_flow_stats_entry e;
	size_t n = 0;

	pthread_mutex_lock(&ofp->mutex);
	size_t total = sorted_rules(ofp, table_id, &sorted);
	for (size_t i = 0; i < total; i++) {
		if (filter != NULL && !ofp_rule_filter_match(filter, sorted[i]))
			continue;
		rule_to_entry(sorted[i], now, &e);
		cb(&e, arg);
		n++;
	}
	pthread_mutex_unlock(&ofp->mutex);
	free(sorted);
	return n;
}

int
ofproto_flow_dump_start(struct ofproto *ofp, uint8_t table_id,
			const struct ofp_rule_filter *filter,
			struct ofproto_flow_dump *d)
{
	struct ofp_rule **sorted = NULL;
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	d->filter = *filter;
	pthread_mutex_lock(&ofp->mutex);
	size_t total = sorted_rules(ofp, table_id, &sorted);
	d->ids = malloc((total ? total : 1) * sizeof(*d->ids));
	for (size_t i = 0; d->ids != NULL && i < total; i++) {
		if (!ofp_rule_filter_match(filter, sorted[i]))
			continue;
		d->ids[n++] = sorted[i]->id;
	}
	pthread_mutex_unlock(&ofp->mutex);
	free(sorted);
	if (d->ids == NULL)
		return -ENOMEM;
	d->n = n;
	return 0;
}

bool
ofproto_flow_dump_next(struct ofproto *ofp, struct ofproto_flow_dump *d,
		       bool (*cb)(const struct ofp_flow_stats_entry *, void *),
		       void *arg)
{
	uint64_t now = ofp_time_ns();
	struct ofp_flow_stats_entry e;

	pthread_mutex_lock(&ofp->mutex);
	while (d->next < d->n) {
		uint64_t id = d->ids[d->next++];
		const struct ofp_rule *r = ofp_table_find_id(
			&ofp->tables[OFPROTO_RULE_TABLE(id)], id);

		/* Deleted since the request, or changed out of the
		 * selection (a new cookie): skipped. */
		if (r == NULL || !ofp_rule_filter_match(&d->filter, r))
			continue;
		rule_to_entry(r, now, &e);
		if (!cb(&e, arg))
			break;
	}
	pthread_mutex_unlock(&ofp->mutex);
	return d->next >= d->n;
}

void
ofproto_flow_dump_free(struct ofproto_flow_dump *d)
{
	free(d->ids);
	d->ids = NULL;
	d->n = d->next = 0;
}

size_t
ofproto_aggregate_flows(struct ofproto *ofp, uint8_t table_id,
			const struct ofp_rule_filter *filter,
			uint64_t *packets, uint64_t *bytes)
{
	size_t n = 0;

	*packets = *bytes = 0;
	pthread_mutex_lock(&ofp->mutex);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++) {
		const struct ofp_table *tb = &ofp->tables[t];

		if (table_id != OFPTT_ALL && table_id != t)
			continue;
		for (size_t i = 0; i < tb->n_rules; i++) {
			const struct ofp_rule *r = tb->rules[i];

			if (filter != NULL && !ofp_rule_filter_match(filter, r))
				continue;
			n++;
			*packets += r->n_packets;
			*bytes += r->n_bytes;
		}
	}
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

void
ofproto_table_counters(struct ofproto *ofp, uint8_t table_id,
		       uint32_t *active, uint64_t *lookups, uint64_t *matches)
{
	*active = 0;
	*lookups = *matches = 0;
	if (table_id >= OFPROTO_N_TABLES)
		return;
	pthread_mutex_lock(&ofp->mutex);
	*active = (uint32_t)ofp->tables[table_id].n_rules;
	*lookups = ofp->tables[table_id].lookup_count;
	*matches = ofp->tables[table_id].matched_count;
	pthread_mutex_unlock(&ofp->mutex);
}

size_t
ofproto_table_rule_counts(struct ofproto *ofp, uint32_t *counts, size_t max)
{
	size_t n = max < OFPROTO_N_TABLES ? max : OFPROTO_N_TABLES;

	pthread_mutex_lock(&ofp->mutex);
	for (size_t t = 0; t < n; t++)
		counts[t] = (uint32_t)ofp->tables[t].n_rules;
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

size_t
ofproto_controller_states(struct ofproto *ofp,
			  struct ofproto_controller_state *out, size_t max)
{
	return ofp_conn_mgr_controller_states(ofp->mgr, out, max);
}

size_t
ofproto_rule_count(struct ofproto *ofp)
{
	size_t n = 0;

	pthread_mutex_lock(&ofp->mutex);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		n += ofp->tables[t].n_rules;
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

/* ---- Host callbacks. ---- */

void
ofproto_notify_flows_changed(struct ofproto *ofp)
{
	if (ofp->ops.flows_changed != NULL)
		ofp->ops.flows_changed(ofp->host);
}

void
ofproto_host_sync_stats(struct ofproto *ofp)
{
	if (ofp->ops.sync_stats != NULL)
		ofp->ops.sync_stats(ofp->host);
}

int
ofproto_host_port_stats(struct ofproto *ofp, uint32_t ofport,
			struct ofproto_port_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (ofp->ops.port_stats == NULL)
		return 0;
	return ofp->ops.port_stats(ofp->host, ofport, stats);
}

int
ofproto_host_packet_out(struct ofproto *ofp, uint32_t in_port,
			const struct ofpact *acts, size_t n_acts,
			const void *packet, size_t len)
{
	if (ofp->ops.packet_out == NULL)
		return 0;
	return ofp->ops.packet_out(ofp->host, in_port, acts, n_acts, packet,
				   len);
}

void
ofproto_run_expiry(struct ofproto *ofp)
{
	bool idle = false, any;

	any = false;
	pthread_mutex_lock(&ofp->mutex);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++) {
		const struct ofp_table *tb = &ofp->tables[t];

		if (tb->n_timeouts == 0)
			continue;
		any = true;
		for (size_t i = 0; i < tb->n_rules && !idle; i++)
			idle = tb->rules[i]->idle_timeout != 0;
	}
	pthread_mutex_unlock(&ofp->mutex);
	if (!any)
		return;
	if (idle)
		ofproto_host_sync_stats(ofp);
	size_t n = 0;
	pthread_mutex_lock(&ofp->mutex);
	uint64_t now = ofp_time_ns();
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		n += ofp_table_expire(&ofp->tables[t], now);
	pthread_mutex_unlock(&ofp->mutex);
	if (n > 0)
		ofproto_notify_flows_changed(ofp);
}

/* ---- Sessions and roles (control thread). ---- */

void
ofproto_session_register(struct ofproto *ofp, struct ofp_session *s)
{
	for (struct ofp_session *x = ofp->sessions; x; x = x->reg_next)
		if (x == s)
			return;
	s->reg_next = ofp->sessions;
	ofp->sessions = s;
}

void
ofproto_session_unregister(struct ofproto *ofp, struct ofp_session *s)
{
	for (struct ofp_session **pp = &ofp->sessions; *pp;
	     pp = &(*pp)->reg_next) {
		if (*pp == s) {
			*pp = s->reg_next;
			s->reg_next = NULL;
			return;
		}
	}
}

enum ofperr
ofproto_role_request(struct ofproto *ofp, struct ofp_session *s,
		     uint32_t role, uint64_t gen, uint64_t *gen_out)
{
	if (role > OFPCR_ROLE_SLAVE)
		return OFPERR_ROLE_REQUEST_BAD_ROLE;
	if (role == OFPCR_ROLE_MASTER || role == OFPCR_ROLE_SLAVE) {
		if (ofp->role_gen_defined &&
		    (int64_t)(gen - ofp->role_gen) < 0)
			return OFPERR_ROLE_REQUEST_STALE;
		ofp->role_gen = gen;
		ofp->role_gen_defined = true;
	}
	if (role == OFPCR_ROLE_MASTER) {
		for (struct ofp_session *x = ofp->sessions; x; x = x->reg_next)
			if (x != s && x->role == OFPCR_ROLE_MASTER)
				x->role = OFPCR_ROLE_SLAVE;
	}
	if (role != OFPCR_ROLE_NOCHANGE && role != s->role) {
		ofp_log(OFP_LOG_INFO, "%s: %s: role %s", ofp->name, s->peer,
			role == OFPCR_ROLE_MASTER ? "master" :
			role == OFPCR_ROLE_SLAVE ? "slave" : "equal");
		s->role = role;
	}
	*gen_out = ofp->role_gen_defined ? ofp->role_gen : 0;
	return OFPERR_OK;
}
