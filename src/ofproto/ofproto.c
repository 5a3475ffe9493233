/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API of ofproto.h: the model (table, ports) behind one mutex,
 * the text entry points, and the glue to the connection manager.
 */
#include "ofproto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_buf.h"
#include "ofp_conn.h"
#include "ofp_flow_text.h"
#include "ofp_log.h"
#include "ofp_msg.h"
#include "ofproto_priv.h"

#define NS_PER_SEC 1000000000ull

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
	if (ofp_table_init(&ofp->table) != 0) {
		free(ofp);
		errno = ENOMEM;
		return NULL;
	}
	ofp->mgr = ofp_conn_mgr_create(ofp);
	if (ofp->mgr == NULL) {
		int e = errno;
		ofp_table_destroy(&ofp->table);
		free(ofp);
		errno = e;
		return NULL;
	}
	return ofp;
}

void
ofproto_destroy(struct ofproto *ofp)
{
	if (ofp == NULL)
		return;
	ofp_conn_mgr_destroy(ofp->mgr);
	ofp_table_destroy(&ofp->table);
	free(ofp->ports);
	pthread_mutex_destroy(&ofp->mutex);
	free(ofp);
}

/* ---- Ports. ---- */

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
	ofp->n_ports++;
out:
	pthread_mutex_unlock(&ofp->mutex);
	return rc;
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

bool
ofproto_port_exists(struct ofproto *ofp, uint32_t ofport)
{
	bool found = false;

	pthread_mutex_lock(&ofp->mutex);
	for (size_t i = 0; i < ofp->n_ports && !found; i++)
		found = ofp->ports[i].ofport == ofport;
	pthread_mutex_unlock(&ofp->mutex);
	return found;
}

/* ---- Channels. ---- */

int
ofproto_add_listener(struct ofproto *ofp, const char *target, char *err,
		     size_t errlen)
{
	return ofp_conn_mgr_add_listener(ofp->mgr, target, err, errlen);
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
ofproto_packet_in(struct ofproto *ofp, uint8_t reason, uint8_t table_id,
		  uint64_t cookie, uint32_t in_port, const void *packet,
		  size_t len, size_t total_len)
{
	struct ofp_buf b = OFP_BUF_INIT;

	if (total_len < len)
		total_len = len;
	ofp_msg_put_packet_in(&b, reason, table_id, cookie, in_port, packet,
			      len, total_len);
	ofp_conn_mgr_broadcast(ofp->mgr, b.data, b.len);
	ofp_buf_free(&b);
}

/* ---- Pipeline. ---- */

void
ofproto_lookup(struct ofproto *ofp, const struct flow_key *key,
	       struct ofproto_lookup_result *res)
{
	memset(&res->mask, 0, sizeof(res->mask));
	res->mask.in_port = UINT32_MAX;
	res->n_actions = 0;
	res->n_rules = 0;
	res->table_id = 0;
	res->cookie = 0;

	pthread_mutex_lock(&ofp->mutex);
	struct ofp_rule *r = ofp_table_lookup(&ofp->table, key, &res->mask,
					      ofp_time_ns());
	if (r != NULL) {
		res->n_actions = ofp_insts_flatten(&r->insts, res->actions,
						   OFPROTO_MAX_ACTIONS);
		res->rule_ids[0] = r->id;
		res->n_rules = 1;
		res->cookie = r->cookie;
	}
	pthread_mutex_unlock(&ofp->mutex);
}

void
ofproto_credit_rule(struct ofproto *ofp, uint64_t rule_id, uint64_t packets,
		    uint64_t bytes)
{
	pthread_mutex_lock(&ofp->mutex);
	struct ofp_rule *r = ofp_table_find_id(&ofp->table, rule_id);
	if (r != NULL) {
		r->n_packets += packets;
		r->n_bytes += bytes;
		if (packets)
			r->used_ns = ofp_time_ns();
	}
	pthread_mutex_unlock(&ofp->mutex);
}

enum ofperr
ofproto_apply_flow_mod(struct ofproto *ofp, const struct ofp_flow_mod *fm,
		       bool *changed)
{
	bool del = fm->command == OFPFC_DELETE ||
		   fm->command == OFPFC_DELETE_STRICT;
	enum ofperr err;

	*changed = false;
	if (fm->command > OFPFC_DELETE_STRICT)
		return OFPERR_FLOW_MOD_BAD_COMMAND;
	if (fm->table_id != 0 && !(del && fm->table_id == OFPTT_ALL))
		return OFPERR_FLOW_MOD_BAD_TABLE_ID;
	if (!del && fm->buffer_id != OFP_NO_BUFFER)
		return OFPERR_BAD_REQUEST_BUFFER_UNKNOWN;
	pthread_mutex_lock(&ofp->mutex);
	err = ofp_table_flow_mod(&ofp->table, fm, ofp_time_ns(), changed);
	pthread_mutex_unlock(&ofp->mutex);
	return err;
}

static void
rule_to_entry(const struct ofp_rule *r, uint64_t now,
	      struct ofp_flow_stats_entry *e)
{
	uint64_t age = now - r->created_ns;

	e->table_id = 0;
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
	e->insts = r->insts;
}

size_t
ofproto_collect_flows(struct ofproto *ofp, uint8_t table_id,
		      const struct ofp_rule_filter *filter,
		      struct ofp_flow_stats_entry **out)
{
	size_t n = 0;
	uint64_t now = ofp_time_ns();

	pthread_mutex_lock(&ofp->mutex);
	*out = malloc((ofp->table.n_rules ? ofp->table.n_rules : 1) *
		      sizeof(**out));
	if (*out != NULL && (table_id == 0 || table_id == OFPTT_ALL)) {
		for (size_t i = 0; i < ofp->table.n_rules; i++) {
			const struct ofp_rule *r = ofp->table.rules[i];

			if (filter == NULL || ofp_rule_filter_match(filter, r))
				rule_to_entry(r, now, &(*out)[n++]);
		}
	}
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

void
ofproto_table_counters(struct ofproto *ofp, uint32_t *active,
		       uint64_t *lookups, uint64_t *matches)
{
	pthread_mutex_lock(&ofp->mutex);
	*active = (uint32_t)ofp->table.n_rules;
	*lookups = ofp->table.lookup_count;
	*matches = ofp->table.matched_count;
	pthread_mutex_unlock(&ofp->mutex);
}

size_t
ofproto_rule_count(struct ofproto *ofp)
{
	pthread_mutex_lock(&ofp->mutex);
	size_t n = ofp->table.n_rules;
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

void
ofproto_run_expiry(struct ofproto *ofp)
{
	bool idle = false, any = false;

	pthread_mutex_lock(&ofp->mutex);
	for (size_t i = 0; i < ofp->table.n_rules; i++) {
		const struct ofp_rule *r = ofp->table.rules[i];
		idle |= r->idle_timeout != 0;
		any |= r->idle_timeout != 0 || r->hard_timeout != 0;
	}
	pthread_mutex_unlock(&ofp->mutex);
	if (!any)
		return;
	if (idle)
		ofproto_host_sync_stats(ofp);
	pthread_mutex_lock(&ofp->mutex);
	size_t n = ofp_table_expire(&ofp->table, ofp_time_ns());
	pthread_mutex_unlock(&ofp->mutex);
	if (n > 0)
		ofproto_notify_flows_changed(ofp);
}

/* ---- Text API. ---- */

int
ofproto_add_flow_str(struct ofproto *ofp, const char *flow, char *err,
		     size_t errlen)
{
	struct ofp_flow_mod fm;
	bool changed;
	int rc = ofp_flow_text_parse(flow, OFP_FLOW_TEXT_ADD, &fm, err, errlen);

	if (rc)
		return rc;
	enum ofperr e = ofproto_apply_flow_mod(ofp, &fm, &changed);
	if (changed)
		ofproto_notify_flows_changed(ofp);
	if (e) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "flow rejected: %s",
				 ofperr_name(e));
		return e == OFPERR_FLOW_MOD_TABLE_FULL ? -ENOSPC :
		       e == OFPERR_FLOW_MOD_OVERLAP ? -EEXIST : -EINVAL;
	}
	return 0;
}

int
ofproto_del_flows_str(struct ofproto *ofp, const char *match, char *err,
		      size_t errlen)
{
	struct ofp_flow_mod fm;
	bool changed;
	int rc = ofp_flow_text_parse(match, OFP_FLOW_TEXT_MATCH, &fm, err,
				     errlen);

	if (rc)
		return rc;
	enum ofperr e = ofproto_apply_flow_mod(ofp, &fm, &changed);
	if (changed)
		ofproto_notify_flows_changed(ofp);
	if (e) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "delete rejected: %s",
				 ofperr_name(e));
		return -EINVAL;
	}
	return 0;
}

void
ofproto_dump_flows(struct ofproto *ofp, bool json, struct strbuf *out)
{
	struct ofp_flow_stats_entry *fs;

	ofproto_host_sync_stats(ofp);
	size_t n = ofproto_collect_flows(ofp, OFPTT_ALL, NULL, &fs);
	if (json)
		strbuf_append(out, "[", 1);
	for (size_t i = 0; i < n; i++) {
		const struct ofp_flow_stats_entry *e = &fs[i];

		if (!json) {
			ofp_flow_text_format_stats(out, e);
			strbuf_append(out, "\n", 1);
			continue;
		}
		struct strbuf m = STRBUF_INIT, a = STRBUF_INIT;
		/* The match without priority: it has its own member. */
		ofp_flow_text_format_match(&m, &e->match, OFP_DEFAULT_PRIORITY);
		ofp_flow_text_format_insts(&a, &e->insts);
		strbuf_printf(out, "%s{\"table\":%u,\"priority\":%u,"
			      "\"cookie\":\"0x%" PRIx64 "\",\"duration\":%u.%03u,"
			      "\"n_packets\":%" PRIu64 ",\"n_bytes\":%" PRIu64
			      ",\"match\":", i ? "," : "", e->table_id,
			      e->priority, e->cookie, e->duration_sec,
			      e->duration_nsec / 1000000, e->n_packets,
			      e->n_bytes);
		strbuf_json_string(out, strbuf_str(&m));
		strbuf_append(out, ",\"actions\":", 11);
		strbuf_json_string(out, strbuf_str(&a));
		strbuf_append(out, "}", 1);
		strbuf_free(&m);
		strbuf_free(&a);
	}
	if (json)
		strbuf_append(out, "]\n", 2);
	free(fs);
}
