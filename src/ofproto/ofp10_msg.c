/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenFlow 1.0 sessions (what ovs-ofctl speaks without -O): echo,
 * features (with the ports), get/set config, flow_mod, packet-out,
 * port_mod, barrier, queue_get_config, stats (desc, flow, aggregate, table,
 * port, queue) and the async messages (packet-in, port status, flow
 * removed), all translated into the same switch model as 1.3. Vendor
 * (Nicira) extensions get BAD_REQUEST/BAD_VENDOR.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp10_match.h"
#include "ofp10_wire.h"
#include "ofp_actions.h"
#include "ofp_mp_dump.h"
#include "ofp_msg.h"
#include "ofproto_priv.h"

#define ST_HDR_LEN sizeof(struct ofp10_stats_header)
#define ST_SPLIT_LEN 60000

static uint32_t
msg_xid(const uint8_t *msg)
{
	uint32_t xid;

	memcpy(&xid, msg + 4, 4);
	return ntohl(xid);
}

void
ofp10_error_code(enum ofperr err, uint16_t *type, uint16_t *code)
{
	uint16_t t = OFPERR_TYPE(err), c = OFPERR_CODE(err);

	switch (t) {
	case OFPET_HELLO_FAILED:
	case OFPET_BAD_ACTION:
		*type = t;
		*code = c > 8 ? 5 : c;	/* Past 1.0's codes: EPERM. */
		return;
	case OFPET_BAD_REQUEST:
		*type = OFPET10_BAD_REQUEST;
		*code = err == OFPERR_BAD_REQUEST_BAD_MULTIPART ?
			OFPBRC10_BAD_STAT :
			err == OFPERR_BAD_REQUEST_BAD_EXPERIMENTER ?
			OFPBRC10_BAD_VENDOR : c > 8 ? OFPBRC10_EPERM : c;
		return;
	case OFPET_FLOW_MOD_FAILED:
		*type = OFPET10_FLOW_MOD_FAILED;
		*code = err == OFPERR_FLOW_MOD_TABLE_FULL ?
			OFPFMFC10_ALL_TABLES_FULL :
			err == OFPERR_FLOW_MOD_OVERLAP ? OFPFMFC10_OVERLAP :
			err == OFPERR_FLOW_MOD_BAD_COMMAND ?
			OFPFMFC10_BAD_COMMAND : OFPFMFC10_UNSUPPORTED;
		return;
	case OFPET_PORT_MOD_FAILED:
		*type = OFPET10_PORT_MOD_FAILED;
		*code = c <= 1 ? c : 0;
		return;
	case OFPET_QUEUE_OP_FAILED:
		*type = OFPET10_QUEUE_OP_FAILED;
		*code = c;
		return;
	default:
		/* Match and instruction problems: the flow_mod is unsupported. */
		*type = OFPET10_FLOW_MOD_FAILED;
		*code = OFPFMFC10_UNSUPPORTED;
		return;
	}
}

/* ---- Ports. ---- */

static void
put_phy_port(struct ofp_buf *out, const struct ofproto_port *port)
{
	struct ofp10_phy_port *p = ofp_buf_put_zeros(out, sizeof(*p));

	p->port_no = htons(ofp10_port_from_13(port->ofport));
	memcpy(p->hw_addr, port->hw_addr, 6);
	memcpy(p->name, port->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	p->config = htonl(port->config & OFPPC10_ALL);
	p->state = htonl(port->state & OFPPS_LINK_DOWN);
	p->curr = htonl(OFPPF10_10GB_FD | OFPPF10_COPPER);
}

static void
put_features(struct ofproto *ofp, uint32_t xid, struct ofp_buf *out)
{
	size_t start = ofp_buf_msg_start(out, OFP10_VERSION,
					 OFPT10_FEATURES_REPLY, xid,
					 sizeof(struct ofp10_switch_features));
	struct ofp10_switch_features *f = (void *)(out->data + start);
	struct ofproto_port *ports;

	f->datapath_id = htobe64(ofp->datapath_id);
	f->n_tables = 1;
	f->capabilities = htonl(OFPC_FLOW_STATS | OFPC_TABLE_STATS |
				OFPC_PORT_STATS | OFPC_QUEUE_STATS);
	f->actions = htonl(ofp10_actions_supported());
	size_t n = ofproto_ports_snapshot(ofp, &ports);
	for (size_t i = 0; i < n && out->len - start + 48 <= OFP_MAX_MSG_LEN;
	     i++)
		if (ports[i].ofport < OFPP10_MAX)
			put_phy_port(out, &ports[i]);
	free(ports);
	ofp_buf_msg_finish(out, start);
}

/* ---- Flow mod. ---- */

/* Decodes a 1.0 flow_mod into the model's form (exposed for tests through
 * ofp10_handle only). */
static enum ofperr
flow_mod_decode(const uint8_t *msg, size_t len, struct ofp_flow_mod *fm)
{
	const struct ofp10_flow_mod *w = (const void *)msg;
	size_t n;

	if (len < sizeof(*w))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memset(fm, 0, sizeof(*fm));
	ofp10_match_decode(&w->match, &fm->match);
	fm->cookie = be64toh(w->cookie);
	uint16_t cmd = ntohs(w->command);
	if (cmd > OFPFC_DELETE_STRICT)
		return OFPERR_FLOW_MOD_BAD_COMMAND;
	fm->command = (uint8_t)cmd;
	bool del = cmd == OFPFC_DELETE || cmd == OFPFC_DELETE_STRICT;
	fm->table_id = del ? OFPTT_ALL : 0;
	/* 1.0 has no cookie mask: modify and delete ignore the cookie. */
	fm->cookie_mask = 0;
	fm->idle_timeout = ntohs(w->idle_timeout);
	fm->hard_timeout = ntohs(w->hard_timeout);
	fm->priority = ntohs(w->priority);
	fm->buffer_id = ntohl(w->buffer_id);
	fm->out_port = del ? ofp10_port_to_13(ntohs(w->out_port)) :
			     OFPP13_ANY;
	fm->out_group = OFPG_ANY;
	uint16_t flags = ntohs(w->flags);
	if (flags & OFPFF10_EMERG)
		return OFPERR_FLOW_MOD_UNKNOWN;	/* No emergency table. */
	if (flags & ~(OFPFF10_SEND_FLOW_REM | OFPFF10_CHECK_OVERLAP))
		return OFPERR_FLOW_MOD_BAD_FLAGS;
	fm->flags = flags;	/* The two bits are the same in 1.3. */
	/* A 1.0 exact-match flow (no wildcards) has top priority. */
	if (ntohl(w->match.wildcards) == 0)
		fm->priority = 0xffff;
	fm->modify_may_add = cmd == OFPFC_MODIFY || cmd == OFPFC_MODIFY_STRICT;
	fm->insts.has_apply = true;
	enum ofperr err = ofp10_actions_decode(msg + sizeof(*w),
					       len - sizeof(*w),
					       fm->insts.apply,
					       OFPROTO_MAX_ACTIONS, &n, false);
	fm->insts.n_apply = n;
	if (!err)
		fm->insts.n_apply = ofp10_actions_fixup(fm->insts.apply, n,
							OFPROTO_MAX_ACTIONS,
							&fm->match);
	return err;
}

static enum ofperr
handle_flow_mod(struct ofproto *ofp, struct ofp_session *s,
		const uint8_t *msg, size_t len)
{
	struct ofp_flow_mod fm;
	bool changed = false;
	enum ofperr err = flow_mod_decode(msg, len, &fm);

	if (err)
		return err;
	err = ofproto_apply_flow_mod(ofp, &fm, &changed);
	if (changed)
		s->flows_dirty = true;
	return err;
}

static enum ofperr
handle_packet_out(struct ofproto *ofp, const uint8_t *msg, size_t len)
{
	const struct ofp10_packet_out *po = (const void *)msg;
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	size_t n_acts;

	if (len < sizeof(*po))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	size_t alen = ntohs(po->actions_len);
	if (sizeof(*po) + alen > len)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	if (ntohl(po->buffer_id) != OFP_NO_BUFFER)
		return OFPERR_BAD_REQUEST_BUFFER_UNKNOWN;
	uint32_t in_port = ofp10_port_to_13(ntohs(po->in_port));
	if (in_port == 0 || (in_port > OFPP13_MAX &&
			     in_port != OFPP13_CONTROLLER &&
			     in_port != OFPP13_LOCAL && in_port != OFPP13_ANY))
		return OFPERR_BAD_REQUEST_BAD_PORT;
	enum ofperr err = ofp10_actions_decode(msg + sizeof(*po), alen, acts,
					       OFPROTO_MAX_ACTIONS, &n_acts,
					       true);
	if (err)
		return err;
	if (len - sizeof(*po) - alen == 0)
		return OFPERR_BAD_REQUEST_BAD_PACKET;
	ofproto_host_packet_out(ofp, in_port, acts, n_acts,
				msg + sizeof(*po) + alen,
				len - sizeof(*po) - alen);
	return OFPERR_OK;
}

static enum ofperr
handle_port_mod(struct ofproto *ofp, const uint8_t *msg, size_t len)
{
	const struct ofp10_port_mod *pm = (const void *)msg;

	if (len != sizeof(*pm))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	uint32_t port = ofp10_port_to_13(ntohs(pm->port_no));
	uint32_t mask = ntohl(pm->mask);
	if (port == 0 || port > OFPP13_MAX)
		return OFPERR_PORT_MOD_BAD_PORT;
	mask &= OFPPC10_ALL;
	return ofproto_port_mod(ofp, port, pm->hw_addr, ntohl(pm->config),
				mask);
}

static enum ofperr
handle_queue_get_config(struct ofproto *ofp, const uint8_t *msg, size_t len,
			struct ofp_buf *out)
{
	uint16_t port;

	if (len != 12)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memcpy(&port, msg + 8, 2);
	uint32_t p13 = ofp10_port_to_13(ntohs(port));
	if (p13 > OFPP13_MAX || !ofproto_port_exists(ofp, p13))
		return OFPERR_QUEUE_OP_BAD_PORT;
	size_t start = ofp_buf_msg_start(out, OFP10_VERSION,
					 OFPT10_QUEUE_GET_CONFIG_REPLY,
					 msg_xid(msg), 16);
	memcpy(out->data + start + 8, &port, 2);
	return OFPERR_OK;
}

/* ---- Stats. ---- */

/* A stats reply, split at ST_SPLIT_LEN bytes (ofp_buf.h). */
static void
st_start(struct ofp_buf_split *r, struct ofp_buf *out, uint32_t xid,
	 uint16_t type)
{
	ofp_buf_split_start(r, out, OFP10_VERSION, OFPT10_STATS_REPLY,
			    ST_HDR_LEN, ST_SPLIT_LEN, xid, type);
}

static enum ofperr
decode_flow_req(struct ofproto *ofp, const uint8_t *body, size_t blen,
		uint8_t *table_id, struct ofp_rule_filter *f)
{
	const struct ofp10_flow_stats_request *req = (const void *)body;

	if (blen != sizeof(*req))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	if (req->table_id != 0 && req->table_id != OFPTT_ALL)
		return OFPERR_BAD_REQUEST_BAD_TABLE_ID;
	memset(f, 0, sizeof(*f));
	ofp10_match_decode(&req->match, &f->match);
	f->out_port = ofp10_port_to_13(ntohs(req->out_port));
	f->out_group = OFPG_ANY;
	*table_id = req->table_id;
	ofproto_host_sync_stats(ofp);
	return OFPERR_OK;
}

static void
put_flow_cb(const struct ofp_flow_stats_entry *e, void *arg)
{
	struct ofp_buf_split *r = arg;
	struct ofpact acts[OFPROTO_MAX_ACTIONS];

	ofp_buf_split_room(r, 1024);
	size_t start = r->out->len;
	struct ofp10_flow_stats *w = ofp_buf_put_zeros(r->out, sizeof(*w));
	w->table_id = e->table_id;
	ofp10_match_encode(&e->match, &w->match);
	w->duration_sec = htonl(e->duration_sec);
	w->duration_nsec = htonl(e->duration_nsec);
	w->priority = htons(e->priority);
	w->idle_timeout = htons(e->idle_timeout);
	w->hard_timeout = htons(e->hard_timeout);
	w->cookie = htobe64(e->cookie);
	w->packet_count = htobe64(e->n_packets);
	w->byte_count = htobe64(e->n_bytes);
	size_t n = ofp_insts_flatten(&e->insts, acts, OFPROTO_MAX_ACTIONS);
	ofp10_actions_encode(acts, n, r->out);
	uint16_t len = htons((uint16_t)(r->out->len - start));
	memcpy(r->out->data + start, &len, 2);
}

static void
put_one_port_stats(struct ofproto *ofp, const struct ofproto_port *port,
		   struct ofp_buf_split *r)
{
	struct ofproto_port_stats st;

	ofproto_host_port_stats(ofp, port->ofport, &st);
	ofp_buf_split_room(r, sizeof(struct ofp10_port_stats));
	struct ofp10_port_stats *p = ofp_buf_put_zeros(r->out, sizeof(*p));
	p->port_no = htons(ofp10_port_from_13(port->ofport));
	p->rx_packets = htobe64(st.rx_packets);
	p->tx_packets = htobe64(st.tx_packets);
	p->rx_bytes = htobe64(st.rx_bytes);
	p->tx_bytes = htobe64(st.tx_bytes);
	p->rx_dropped = htobe64(st.rx_dropped);
	p->tx_dropped = htobe64(st.tx_dropped);
	p->rx_errors = htobe64(st.rx_errors);
	p->tx_errors = htobe64(st.tx_errors);
}

/* ofp_mp_dump_next: port stats of every port, by number. */
static bool
put_all_port_stats(struct ofproto *ofp, uint32_t *from,
		   struct ofp_buf_split *r, size_t limit)
{
	return ofp_mp_dump_ports(ofp, from, r, limit, put_one_port_stats);
}

/* Port stats of one port (put into *r), or of all (*all: by chunks). */
static enum ofperr
put_port_stats(struct ofproto *ofp, const uint8_t *body, size_t blen,
	       struct ofp_buf_split *r, bool *all)
{
	struct ofproto_port port;
	uint16_t want;

	*all = false;
	if (blen != 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memcpy(&want, body, 2);
	want = ntohs(want);
	if (want == OFPP10_NONE) {
		*all = true;
		return OFPERR_OK;
	}
	if (!ofproto_port_get(ofp, ofp10_port_to_13(want), &port))
		return OFPERR_BAD_REQUEST_BAD_PORT;
	put_one_port_stats(ofp, &port, r);
	return OFPERR_OK;
}

static void
put_one_port_desc(struct ofproto *ofp, const struct ofproto_port *port,
		  struct ofp_buf_split *r)
{
	(void)ofp;
	if (port->ofport >= OFPP10_MAX)
		return;
	ofp_buf_split_room(r, sizeof(struct ofp10_phy_port));
	put_phy_port(r->out, port);
}

/* ofp_mp_dump_next: port desc, by number. */
static bool
put_port_desc(struct ofproto *ofp, uint32_t *from, struct ofp_buf_split *r,
	      size_t limit)
{
	return ofp_mp_dump_ports(ofp, from, r, limit, put_one_port_desc);
}

static enum ofperr
handle_stats(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	     size_t len, struct ofp_buf *out)
{
	const struct ofp10_stats_header *h = (const void *)msg;
	struct ofp_buf_split r;
	enum ofperr err = OFPERR_OK;
	struct ofp_rule_filter f;
	uint8_t table_id;

	if (len < ST_HDR_LEN)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	uint16_t type = ntohs(h->type);
	const uint8_t *body = msg + ST_HDR_LEN;
	size_t blen = len - ST_HDR_LEN;
	size_t mark = out->len;

	st_start(&r, out, msg_xid(msg), type);
	switch (type) {
	case OFPST10_DESC: {
		if (blen) {
			err = OFPERR_BAD_REQUEST_BAD_LEN;
			break;
		}
		struct ofp13_desc *d = ofp_buf_put_zeros(out, sizeof(*d));
		snprintf(d->mfr_desc, sizeof(d->mfr_desc), "pmdswitch");
		snprintf(d->hw_desc, sizeof(d->hw_desc),
			 "DPDK poll-mode switch");
		snprintf(d->sw_desc, sizeof(d->sw_desc), "pmdswitch");
		snprintf(d->serial_num, sizeof(d->serial_num), "None");
		snprintf(d->dp_desc, sizeof(d->dp_desc), "%s", ofp->name);
		break;
	}
	case OFPST10_FLOW:
		err = decode_flow_req(ofp, body, blen, &table_id, &f);
		if (err)
			break;
		/* Built chunk by chunk as the connection's tx allows. */
		out->len = mark;
		return ofp_mp_dump_flows(ofp, s, &r, table_id, &f,
					 put_flow_cb, out);
	case OFPST10_AGGREGATE: {
		uint64_t packets, bytes;

		err = decode_flow_req(ofp, body, blen, &table_id, &f);
		if (err)
			break;
		size_t n = ofproto_aggregate_flows(ofp, table_id, &f,
						   &packets, &bytes);
		struct ofp13_aggregate_stats_reply *a =
			ofp_buf_put_zeros(out, sizeof(*a));
		a->packet_count = htobe64(packets);
		a->byte_count = htobe64(bytes);
		a->flow_count = htonl((uint32_t)n);
		break;
	}
	case OFPST10_TABLE: {
		uint32_t active;
		uint64_t lookups, matches;

		if (blen) {
			err = OFPERR_BAD_REQUEST_BAD_LEN;
			break;
		}
		ofproto_host_sync_stats(ofp);
		ofproto_table_counters(ofp, 0, &active, &lookups, &matches);
		struct ofp10_table_stats *t = ofp_buf_put_zeros(out,
								sizeof(*t));
		snprintf(t->name, sizeof(t->name), "classifier");
		t->wildcards = htonl(OFPFW10_ALL);
		t->max_entries = htonl(OFP_TABLE_MAX_RULES);
		t->active_count = htonl(active);
		t->lookup_count = htobe64(lookups);
		t->matched_count = htobe64(matches);
		break;
	}
	case OFPST10_PORT: {
		bool all;

		err = put_port_stats(ofp, body, blen, &r, &all);
		if (!err && all) {	/* By chunks. */
			out->len = mark;
			ofp_mp_dump_indexed(ofp, s, &r, put_all_port_stats,
					    out);
			return OFPERR_OK;
		}
		break;
	}
	case OFPST10_QUEUE: {
		uint16_t port;

		if (blen != 8) {
			err = OFPERR_BAD_REQUEST_BAD_LEN;
			break;
		}
		memcpy(&port, body, 2);
		port = ntohs(port);
		if (port != OFPP10_ALL && port != OFPP10_NONE &&
		    !ofproto_port_exists(ofp, ofp10_port_to_13(port)))
			err = OFPERR_QUEUE_OP_BAD_PORT;
		break;	/* No queues. */
	}
	case OFPST10_PORT_DESC:
		if (blen != 0 && blen != 8) {
			err = OFPERR_BAD_REQUEST_BAD_LEN;
			break;
		}
		out->len = mark;	/* By chunks. */
		ofp_mp_dump_indexed(ofp, s, &r, put_port_desc, out);
		return OFPERR_OK;
	case OFPST10_VENDOR:
		err = OFPERR_BAD_REQUEST_BAD_EXPERIMENTER;
		break;
	default:
		err = OFPERR_BAD_REQUEST_BAD_MULTIPART;
		break;
	}
	if (err) {
		out->len = mark;
		return err;
	}
	ofp_buf_split_finish(&r);
	return OFPERR_OK;
}

enum ofperr
ofp10_handle(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	     size_t len, struct ofp_buf *out)
{
	uint32_t xid = msg_xid(msg);

	switch (msg[1]) {
	case OFPT_HELLO:
	case OFPT_ECHO_REPLY:
		return OFPERR_OK;
	case OFPT_ERROR:
		if (ofp_ratelimit_allow(&s->rl))
			ofp_log(OFP_LOG_WARN, "%s: peer sent an error",
				s->peer);
		return OFPERR_OK;
	case OFPT_ECHO_REQUEST:
		ofp_msg_put_echo_reply(out, OFP10_VERSION, xid, msg, len);
		return OFPERR_OK;
	case OFPT10_VENDOR:
		return OFPERR_BAD_REQUEST_BAD_EXPERIMENTER;
	case OFPT10_FEATURES_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		put_features(ofp, xid, out);
		return OFPERR_OK;
	case OFPT10_GET_CONFIG_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		ofp_msg_put_config_reply(out, OFP10_VERSION,
					 OFPT10_GET_CONFIG_REPLY, xid, s);
		return OFPERR_OK;
	case OFPT10_SET_CONFIG: {
		const struct ofp13_switch_config *c = (const void *)msg;

		if (len != sizeof(*c))
			return OFPERR_BAD_REQUEST_BAD_LEN;
		s->config_flags = ntohs(c->flags) & OFPC_FRAG_MASK;
		s->miss_send_len = ntohs(c->miss_send_len);
		return OFPERR_OK;
	}
	case OFPT10_FLOW_MOD:
		return handle_flow_mod(ofp, s, msg, len);
	case OFPT10_PACKET_OUT:
		return handle_packet_out(ofp, msg, len);
	case OFPT10_PORT_MOD:
		return handle_port_mod(ofp, msg, len);
	case OFPT10_STATS_REQUEST:
		ofp_session_flush_changes(ofp, s);
		return handle_stats(ofp, s, msg, len, out);
	case OFPT10_BARRIER_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		ofp_session_flush_changes(ofp, s);
		ofp_buf_msg_start(out, OFP10_VERSION, OFPT10_BARRIER_REPLY,
				  xid, OFP_HEADER_LEN);
		return OFPERR_OK;
	case OFPT10_QUEUE_GET_CONFIG_REQUEST:
		return handle_queue_get_config(ofp, msg, len, out);
	default:
		return OFPERR_BAD_REQUEST_BAD_TYPE;
	}
}

/* ---- Async messages. ---- */

void
ofp10_put_async(const struct ofp_session *s, const struct ofp_async *a,
		struct ofp_buf *out)
{
	size_t start;

	switch (a->kind) {
	case OFP_ASYNC_PACKET_IN: {
		size_t n = a->len;

		if (a->reason == OFPR_NO_MATCH && !a->action_truncated &&
		    n > s->miss_send_len)
			n = s->miss_send_len;
		if (n > OFP_MAX_MSG_LEN - sizeof(struct ofp10_packet_in))
			n = OFP_MAX_MSG_LEN - sizeof(struct ofp10_packet_in);
		start = ofp_buf_msg_start(out, OFP10_VERSION, OFPT10_PACKET_IN,
					  0, sizeof(struct ofp10_packet_in));
		struct ofp10_packet_in *pi = (void *)(out->data + start);
		pi->buffer_id = htonl(OFP_NO_BUFFER);
		pi->total_len = htons((uint16_t)(a->total_len > 0xffff ?
						 0xffff : a->total_len));
		pi->in_port = htons(ofp10_port_from_13(a->in_port));
		pi->reason = a->reason;
		ofp_buf_put(out, a->data, n);
		ofp_buf_msg_finish(out, start);
		break;
	}
	case OFP_ASYNC_PORT_STATUS:
		if (a->port.ofport >= OFPP10_MAX)
			break;
		start = ofp_buf_msg_start(out, OFP10_VERSION,
					  OFPT10_PORT_STATUS, 0, 16);
		out->data[start + 8] = a->reason;
		put_phy_port(out, &a->port);
		ofp_buf_msg_finish(out, start);
		break;
	case OFP_ASYNC_FLOW_REMOVED: {
		start = ofp_buf_msg_start(out, OFP10_VERSION,
					  OFPT10_FLOW_REMOVED, 0,
					  sizeof(struct ofp10_flow_removed));
		struct ofp10_flow_removed *fr = (void *)(out->data + start);
		ofp10_match_encode(&a->match, &fr->match);
		fr->cookie = htobe64(a->cookie);
		fr->priority = htons(a->priority);
		fr->reason = a->reason;
		fr->duration_sec = htonl(a->duration_sec);
		fr->duration_nsec = htonl(a->duration_nsec);
		fr->idle_timeout = htons(a->idle_timeout);
		fr->packet_count = htobe64(a->packet_count);
		fr->byte_count = htobe64(a->byte_count);
		break;
	}
	}
}
