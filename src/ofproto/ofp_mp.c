/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OFPT_MULTIPART_REQUEST: desc, flow, aggregate, table, port stats, queue,
 * group, group desc, group features, meter, meter config, meter features,
 * table features and port desc. Replies larger than one message are split
 * with OFPMPF_REPLY_MORE; requests split with OFPMPF_REQ_MORE are
 * reassembled (up to OFP_MP_REQ_MAX bytes) and handled when the last part
 * arrives. Flow stats, table features, group desc, group stats, meter
 * config, meter stats, port desc and port stats replies are generated
 * chunk by chunk as the connection's tx room allows (ofp_mp_dump.h).
 * Groups and meters come from the model (ofproto_gm.c).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_actions.h"
#include "ofp_flow_msg.h"
#include "ofp_match.h"
#include "ofp_mp_dump.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

#define MP_HDR_LEN sizeof(struct ofp13_multipart_header)
/* Start a new reply message when the current one would pass this size. */
#define MP_SPLIT_LEN 60000

/* A multipart reply, split at MP_SPLIT_LEN bytes (ofp_buf.h). */
static void
mp_start(struct ofp_buf_split *r, struct ofp_buf *out, uint32_t xid,
	 uint16_t type)
{
	ofp_buf_split_start(r, out, OFP13_VERSION, OFPT_MULTIPART_REPLY,
			    MP_HDR_LEN, MP_SPLIT_LEN, xid, type);
}

static void
put_desc(struct ofproto *ofp, struct ofp_buf_split *r)
{
	struct ofp13_desc *d = ofp_buf_put_zeros(r->out, sizeof(*d));

	snprintf(d->mfr_desc, sizeof(d->mfr_desc), "pmdswitch");
	snprintf(d->hw_desc, sizeof(d->hw_desc), "DPDK poll-mode switch");
	snprintf(d->sw_desc, sizeof(d->sw_desc), "pmdswitch");
	snprintf(d->serial_num, sizeof(d->serial_num), "None");
	snprintf(d->dp_desc, sizeof(d->dp_desc), "%s", ofp->name);
}

static enum ofperr
decode_flow_req(struct ofproto *ofp, const uint8_t *body, size_t blen,
		struct ofp_flow_stats_req *req)
{
	enum ofperr err = ofp_flow_stats_request_decode(body, blen, req);

	if (err)
		return err;
	if (req->table_id >= OFPROTO_N_TABLES && req->table_id != OFPTT_ALL)
		return OFPERR_BAD_REQUEST_BAD_TABLE_ID;
	ofproto_host_sync_stats(ofp);
	return OFPERR_OK;
}

static void
put_flow_cb(const struct ofp_flow_stats_entry *e, void *arg)
{
	struct ofp_buf_split *r = arg;

	/* An entry is at most 48 + match + instructions (< 1 KiB). */
	ofp_buf_split_room(r, 1024);
	ofp_flow_stats_entry_encode(e, r->out);
}

static enum ofperr
put_aggregate(struct ofproto *ofp, const uint8_t *body, size_t blen,
	      struct ofp_buf_split *r)
{
	struct ofp_flow_stats_req req;
	uint64_t packets = 0, bytes = 0;
	enum ofperr err = decode_flow_req(ofp, body, blen, &req);

	if (err)
		return err;
	size_t n = ofproto_aggregate_flows(ofp, req.table_id, &req.filter,
					   &packets, &bytes);
	struct ofp13_aggregate_stats_reply *a =
		ofp_buf_put_zeros(r->out, sizeof(*a));
	a->packet_count = htobe64(packets);
	a->byte_count = htobe64(bytes);
	a->flow_count = htonl((uint32_t)n);
	return OFPERR_OK;
}

static void
put_table_stats(struct ofproto *ofp, struct ofp_buf_split *r)
{
	/* The lookups of cached packets are counted when credited. */
	ofproto_host_sync_stats(ofp);
	for (unsigned int id = 0; id < OFPROTO_N_TABLES; id++) {
		uint32_t active;
		uint64_t lookups, matches;

		ofp_buf_split_room(r, sizeof(struct ofp13_table_stats));
		struct ofp13_table_stats *t = ofp_buf_put_zeros(r->out,
								sizeof(*t));
		ofproto_table_counters(ofp, (uint8_t)id, &active, &lookups,
				       &matches);
		t->table_id = (uint8_t)id;
		t->active_count = htonl(active);
		t->lookup_count = htobe64(lookups);
		t->matched_count = htobe64(matches);
	}
}

static void
put_one_port_stats(struct ofproto *ofp, const struct ofproto_port *port,
		   struct ofp_buf_split *r)
{
	struct ofproto_port_stats st;

	memset(&st, 0, sizeof(st));
	ofproto_host_port_stats(ofp, port->ofport, &st);
	ofp_buf_split_room(r, sizeof(struct ofp13_port_stats));
	struct ofp13_port_stats *p = ofp_buf_put_zeros(r->out, sizeof(*p));
	p->port_no = htonl(port->ofport);
	p->rx_packets = htobe64(st.rx_packets);
	p->tx_packets = htobe64(st.tx_packets);
	p->rx_bytes = htobe64(st.rx_bytes);
	p->tx_bytes = htobe64(st.tx_bytes);
	p->rx_dropped = htobe64(st.rx_dropped);
	p->tx_dropped = htobe64(st.tx_dropped);
	p->rx_errors = htobe64(st.rx_errors);
	p->tx_errors = htobe64(st.tx_errors);
	p->duration_sec = htonl((uint32_t)st.duration_sec);
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
	uint32_t want;

	*all = false;
	if (blen != sizeof(struct ofp13_port_stats_request))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memcpy(&want, body, 4);
	want = ntohl(want);
	if (want == OFPP13_ANY) {
		*all = true;
		return OFPERR_OK;
	}
	if (!ofproto_port_get(ofp, want, &port))
		return OFPERR_BAD_REQUEST_BAD_PORT;
	put_one_port_stats(ofp, &port, r);
	return OFPERR_OK;
}

static void
put_one_port_desc(struct ofproto *ofp, const struct ofproto_port *port,
		  struct ofp_buf_split *r)
{
	(void)ofp;
	ofp_buf_split_room(r, sizeof(struct ofp13_port));
	ofp13_put_port(r->out, port);
}

/* ofp_mp_dump_next: port desc, by number. */
static bool
put_port_desc(struct ofproto *ofp, uint32_t *from, struct ofp_buf_split *r,
	      size_t limit)
{
	return ofp_mp_dump_ports(ofp, from, r, limit, put_one_port_desc);
}

/* Queue stats: port (ANY or a port) and queue id; we have no queues. */
static enum ofperr
check_queue_req(struct ofproto *ofp, const uint8_t *body, size_t blen)
{
	uint32_t port;

	if (blen != 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memcpy(&port, body, 4);
	port = ntohl(port);
	if (port != OFPP13_ANY && !ofproto_port_exists(ofp, port))
		return OFPERR_QUEUE_OP_BAD_PORT;
	return OFPERR_OK;
}

static void
mp_room_cb(void *arg, size_t need)
{
	ofp_buf_split_room(arg, need);
}

/* Group / meter stats and config requests: an id and padding. */
static enum ofperr
decode_id_req(const uint8_t *body, size_t blen, uint32_t *id)
{
	if (blen != 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memcpy(id, body, 4);
	*id = ntohl(*id);
	return OFPERR_OK;
}
/* A TABLE_FEATURES request with a body asks to change the pipeline: we
 * check its framing and refuse it. */
static enum ofperr
check_table_features_body(const uint8_t *body, size_t blen)
{
	while (blen > 0) {
		uint16_t len;

		if (blen < 64)
			return OFPERR_TABLE_FEATURES_BAD_LEN;
		memcpy(&len, body, 2);
		len = ntohs(len);
		if (len < 64 || len > blen || len % 8)
			return OFPERR_TABLE_FEATURES_BAD_LEN;
		if (body[2] >= OFPROTO_N_TABLES)
			return OFPERR_TABLE_FEATURES_BAD_TABLE;
		body += len;
		blen -= len;
	}
	return OFPERR_TABLE_FEATURES_EPERM;
}

/* Table features properties. */
enum {
	OFPTFPT_INSTRUCTIONS = 0,
	OFPTFPT_NEXT_TABLES = 2,
	OFPTFPT_WRITE_ACTIONS = 4,
	OFPTFPT_APPLY_ACTIONS = 6,
	OFPTFPT_MATCH = 8,
	OFPTFPT_WILDCARDS = 10,
	OFPTFPT_WRITE_SETFIELD = 12,
	OFPTFPT_APPLY_SETFIELD = 14,
};

static size_t
prop_start(struct ofp_buf *b, uint16_t type)
{
	size_t start = b->len;

	ofp_buf_put_be16(b, type);
	ofp_buf_put_be16(b, 0);
	return start;
}

static void
prop_end(struct ofp_buf *b, size_t start)
{
	uint16_t len = htons((uint16_t)(b->len - start));

	memcpy(b->data + start + 2, &len, 2);
	ofp_buf_pad8(b, start);
}

static void
put_oxm_list(struct ofp_buf *b, uint16_t type, bool wildcards, bool settable)
{
	size_t start = prop_start(b, type);

	for (unsigned int f = 0; f < OFPXMT_OFB_N_FIELDS; f++) {
		size_t len = ofp_match_field_len(f);

		if (len == 0 || (settable && !ofp_set_field_writable(f)))
			continue;
		if (wildcards && (f == OFPXMT_OFB_IN_PORT ||
				  f == OFPXMT_OFB_IN_PHY_PORT))
			continue;
		ofp_buf_put_be32(b, OXM_HEADER(f, 0, len));
	}
	prop_end(b, start);
}

static void
put_action_list(struct ofp_buf *b, uint16_t type)
{
	static const uint16_t acts[] = {
		OFPAT_OUTPUT, OFPAT_COPY_TTL_OUT, OFPAT_COPY_TTL_IN,
		OFPAT_SET_MPLS_TTL, OFPAT_DEC_MPLS_TTL, OFPAT_PUSH_VLAN,
		OFPAT_POP_VLAN, OFPAT_PUSH_MPLS, OFPAT_POP_MPLS,
		OFPAT_SET_QUEUE, OFPAT_GROUP, OFPAT_SET_NW_TTL,
		OFPAT_DEC_NW_TTL, OFPAT_SET_FIELD, OFPAT_PUSH_PBB,
		OFPAT_POP_PBB,
	};
	size_t p = prop_start(b, type);

	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		ofp_buf_put_be16(b, acts[i]);
		ofp_buf_put_be16(b, 4);
	}
	prop_end(b, p);
}

static void
put_one_table_features(struct ofp_buf_split *r, uint8_t id, uint32_t config)
{
	struct ofp_buf *b = r->out;
	size_t start = b->len;
	uint8_t *tf = ofp_buf_put_zeros(b, 64);
	uint32_t max_entries = htonl(OFP_TABLE_MAX_RULES);
	size_t p;

	tf[2] = id;	/* table_id */
	/* name[32] stays empty: ovs-ofctl then prints "table=N". */
	memset(tf + 8 + 32, 0xff, 16);	/* metadata match/write: all */
	config = htonl(config);
	memcpy(tf + 56, &config, 4);
	memcpy(tf + 60, &max_entries, 4);

	p = prop_start(b, OFPTFPT_INSTRUCTIONS);
	const uint16_t insts[] = { OFPIT_GOTO_TABLE, OFPIT_WRITE_METADATA,
				   OFPIT_WRITE_ACTIONS, OFPIT_APPLY_ACTIONS,
				   OFPIT_CLEAR_ACTIONS, OFPIT_METER };
	for (size_t i = 0; i < sizeof(insts) / sizeof(insts[0]); i++) {
		if (insts[i] == OFPIT_GOTO_TABLE &&
		    id + 1 >= OFPROTO_N_TABLES)
			continue;
		ofp_buf_put_be16(b, insts[i]);
		ofp_buf_put_be16(b, 4);
	}
	prop_end(b, p);
	p = prop_start(b, OFPTFPT_NEXT_TABLES);
	for (unsigned int t = id + 1u; t < OFPROTO_N_TABLES; t++) {
		uint8_t v = (uint8_t)t;
		ofp_buf_put(b, &v, 1);
	}
	prop_end(b, p);
	put_action_list(b, OFPTFPT_WRITE_ACTIONS);
	put_action_list(b, OFPTFPT_APPLY_ACTIONS);
	put_oxm_list(b, OFPTFPT_MATCH, false, false);
	put_oxm_list(b, OFPTFPT_WILDCARDS, true, false);
	put_oxm_list(b, OFPTFPT_WRITE_SETFIELD, false, true);
	put_oxm_list(b, OFPTFPT_APPLY_SETFIELD, false, true);
	uint16_t len = htons((uint16_t)(b->len - start));
	memcpy(b->data + start, &len, 2);
}

/* ofp_mp_dump_next: the tables from *t on, until out reaches limit. */
static bool
put_table_features(struct ofproto *ofp, uint32_t *t,
		   struct ofp_buf_split *r, size_t limit)
{
	while (*t < OFPROTO_N_TABLES && r->out->len < limit) {
		ofp_buf_split_room(r, 2048);
		put_one_table_features(r, (uint8_t)*t,
				       ofproto_table_config(ofp, (uint8_t)*t));
		(*t)++;
	}
	return *t >= OFPROTO_N_TABLES;
}

/* ofp_mp_dump_next: group stats (all groups) and group desc, by id. */
static bool
put_group_stats(struct ofproto *ofp, uint32_t *from, struct ofp_buf_split *r,
		size_t limit)
{
	return ofproto_put_group_stats(ofp, OFPG_ALL, from, limit,
				       &(struct ofp_mp_room){ mp_room_cb, r },
				       r->out);
}

static bool
put_group_desc(struct ofproto *ofp, uint32_t *from, struct ofp_buf_split *r,
	       size_t limit)
{
	return ofproto_put_group_desc(ofp, from, limit,
				      &(struct ofp_mp_room){ mp_room_cb, r },
				      r->out);
}

/* ofp_mp_dump_next: meter stats and meter config of all meters, by id. */
static bool
put_meter_stats(struct ofproto *ofp, uint32_t *from, struct ofp_buf_split *r,
		size_t limit)
{
	return ofproto_put_meter_stats(ofp, OFPM_ALL, from, limit,
				       &(struct ofp_mp_room){ mp_room_cb, r },
				       r->out);
}

static bool
put_meter_config(struct ofproto *ofp, uint32_t *from,
		 struct ofp_buf_split *r, size_t limit)
{
	return ofproto_put_meter_config(ofp, OFPM_ALL, from, limit,
					&(struct ofp_mp_room){ mp_room_cb, r },
					r->out);
}

/* Collects a REQ_MORE part; *complete when the request is whole (then
 * body and blen point at all of it). */
static enum ofperr
reassemble(struct ofp_session *s, uint16_t type, uint32_t xid, bool more,
	   const uint8_t **body, size_t *blen, bool *complete)
{
	*complete = false;
	if (s->mp_active && (s->mp_type != type || s->mp_xid != xid)) {
		s->mp_active = false;
		ofp_buf_clear(&s->mp_body);
		return OFPERR_BAD_REQUEST_BAD_MULTIPART;
	}
	if (!s->mp_active && !more) {
		*complete = true;
		return OFPERR_OK;
	}
	if (s->mp_body.len + *blen > OFP_MP_REQ_MAX) {
		s->mp_active = false;
		ofp_buf_clear(&s->mp_body);
		return OFPERR_BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW;
	}
	if (!s->mp_active) {
		ofp_buf_clear(&s->mp_body);
		s->mp_active = true;
		s->mp_type = type;
		s->mp_xid = xid;
	}
	ofp_buf_put(&s->mp_body, *body, *blen);
	if (more)
		return OFPERR_OK;
	s->mp_active = false;
	*body = s->mp_body.data;
	*blen = s->mp_body.len;
	*complete = true;
	return OFPERR_OK;
}

enum ofperr
ofp_mp_handle(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	      size_t len, struct ofp_buf *out)
{
	const struct ofp13_multipart_header *h = (const void *)msg;
	struct ofp_buf_split r;
	enum ofperr err = OFPERR_OK;
	bool complete;

	if (len < MP_HDR_LEN)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	uint16_t type = ntohs(h->type);
	uint32_t xid = ntohl(h->header.xid);
	const uint8_t *body = msg + MP_HDR_LEN;
	size_t blen = len - MP_HDR_LEN;
	size_t mark = out->len;

	err = reassemble(s, type, xid, ntohs(h->flags) & OFPMPF_REQ_MORE,
			 &body, &blen, &complete);
	if (err || !complete)
		return err;
	mp_start(&r, out, xid, type);
	switch (type) {
	case OFPMP_DESC:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else
			put_desc(ofp, &r);
		break;
	case OFPMP_FLOW: {
		struct ofp_flow_stats_req req;

		err = decode_flow_req(ofp, body, blen, &req);
		if (err)
			break;
		/* Built chunk by chunk as the connection's tx allows. */
		out->len = mark;
		return ofp_mp_dump_flows(ofp, s, &r, req.table_id,
					 &req.filter, put_flow_cb, out);
	}
	case OFPMP_AGGREGATE:
		err = put_aggregate(ofp, body, blen, &r);
		break;
	case OFPMP_TABLE:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else
			put_table_stats(ofp, &r);
		break;
	case OFPMP_PORT_STATS: {
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
	case OFPMP_QUEUE:
		err = check_queue_req(ofp, body, blen);
		break;
	case OFPMP_GROUP:
	case OFPMP_METER:
	case OFPMP_METER_CONFIG: {
		struct ofp_mp_room room = { mp_room_cb, &r };
		uint32_t id;

		err = decode_id_req(body, blen, &id);
		if (err)
			break;
		if (type == OFPMP_GROUP) {
			uint32_t from = 0;

			/* Cached packets reach the buckets when credited. */
			ofproto_host_sync_stats(ofp);
			if (id == OFPG_ALL) {	/* By chunks. */
				out->len = mark;
				ofp_mp_dump_indexed(ofp, s, &r,
						    put_group_stats, out);
				return OFPERR_OK;
			}
			ofproto_put_group_stats(ofp, id, &from, SIZE_MAX,
						&room, r.out);
		} else if (id == OFPM_ALL) {	/* By chunks. */
			out->len = mark;
			ofp_mp_dump_indexed(ofp, s, &r,
					    type == OFPMP_METER ?
					    put_meter_stats : put_meter_config,
					    out);
			return OFPERR_OK;
		} else {
			uint32_t from = 0;

			if (type == OFPMP_METER)
				ofproto_put_meter_stats(ofp, id, &from,
							SIZE_MAX, &room,
							r.out);
			else
				ofproto_put_meter_config(ofp, id, &from,
							 SIZE_MAX, &room,
							 r.out);
		}
		break;
	}
	case OFPMP_GROUP_DESC:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else {
			out->len = mark;	/* By chunks. */
			ofp_mp_dump_indexed(ofp, s, &r, put_group_desc, out);
			return OFPERR_OK;
		}
		break;
	case OFPMP_GROUP_FEATURES:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else
			ofp_group_put_features(r.out);
		break;
	case OFPMP_METER_FEATURES:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else
			ofp_meter_put_features(ofproto_max_meters(ofp), r.out);
		break;
	case OFPMP_PORT_DESC:
		if (blen)
			err = OFPERR_BAD_REQUEST_BAD_LEN;
		else {
			out->len = mark;	/* By chunks. */
			ofp_mp_dump_indexed(ofp, s, &r, put_port_desc, out);
			return OFPERR_OK;
		}
		break;
	case OFPMP_TABLE_FEATURES:
		if (blen && s->role == OFPCR_ROLE_SLAVE)
			err = OFPERR_BAD_REQUEST_IS_SLAVE;
		else if (blen)
			err = check_table_features_body(body, blen);
		else {
			out->len = mark;	/* ~255 KB: by chunks. */
			ofp_mp_dump_indexed(ofp, s, &r, put_table_features,
					    out);
			return OFPERR_OK;
		}
		break;
	default:
		err = OFPERR_BAD_REQUEST_BAD_MULTIPART;
		break;
	}
	if (err) {
		out->len = mark;	/* Drop the partial reply. */
		return err;
	}
	ofp_buf_split_finish(&r);
	return OFPERR_OK;
}
