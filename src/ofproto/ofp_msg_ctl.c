/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenFlow 1.3 controller-side messages besides flows and multipart:
 * ROLE_REQUEST, SET_ASYNC / GET_ASYNC, PORT_MOD, GROUP_MOD and METER_MOD
 * (refused: no group or meter model yet), TABLE_MOD, QUEUE_GET_CONFIG;
 * and the encoders of PORT_STATUS and FLOW_REMOVED.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_match.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

static uint32_t
msg_xid(const uint8_t *msg)
{
	uint32_t xid;

	memcpy(&xid, msg + 4, 4);
	return ntohl(xid);
}

static enum ofperr
handle_role_request(struct ofproto *ofp, struct ofp_session *s,
		    const uint8_t *msg, size_t len, struct ofp_buf *out)
{
	const struct ofp13_role_request *rr = (const void *)msg;
	uint64_t gen;

	if (len != sizeof(*rr))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	enum ofperr err = ofproto_role_request(ofp, s, ntohl(rr->role),
					       be64toh(rr->generation_id),
					       &gen);
	if (err)
		return err;
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_ROLE_REPLY,
					 msg_xid(msg), sizeof(*rr));
	struct ofp13_role_request *rep = (void *)(out->data + start);
	rep->role = htonl(s->role);
	rep->generation_id = htobe64(gen);
	return OFPERR_OK;
}

static enum ofperr
handle_set_async(struct ofp_session *s, const uint8_t *msg, size_t len)
{
	const struct ofp13_async_config *ac = (const void *)msg;

	if (len != sizeof(*ac))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	for (int i = 0; i < 2; i++) {
		s->pin_mask[i] = ntohl(ac->packet_in_mask[i]);
		s->port_status_mask[i] = ntohl(ac->port_status_mask[i]);
		s->flow_removed_mask[i] = ntohl(ac->flow_removed_mask[i]);
	}
	return OFPERR_OK;
}

static enum ofperr
handle_get_async(struct ofp_session *s, const uint8_t *msg, size_t len,
		 struct ofp_buf *out)
{
	if (len != OFP_HEADER_LEN)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION,
					 OFPT_GET_ASYNC_REPLY, msg_xid(msg),
					 sizeof(struct ofp13_async_config));
	struct ofp13_async_config *ac = (void *)(out->data + start);
	for (int i = 0; i < 2; i++) {
		ac->packet_in_mask[i] = htonl(s->pin_mask[i]);
		ac->port_status_mask[i] = htonl(s->port_status_mask[i]);
		ac->flow_removed_mask[i] = htonl(s->flow_removed_mask[i]);
	}
	return OFPERR_OK;
}

static enum ofperr
handle_port_mod(struct ofproto *ofp, const uint8_t *msg, size_t len)
{
	const struct ofp13_port_mod *pm = (const void *)msg;

	if (len != sizeof(*pm))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	uint32_t port = ntohl(pm->port_no);
	uint32_t config = ntohl(pm->config), mask = ntohl(pm->mask);
	if (port == 0 || port > OFPP13_MAX)
		return OFPERR_PORT_MOD_BAD_PORT;
	if (mask & ~OFPPC13_ALL)
		return OFPERR_PORT_MOD_BAD_CONFIG;
	return ofproto_port_mod(ofp, port, pm->hw_addr, config, mask);
}

static enum ofperr
handle_group_mod(struct ofproto *ofp, struct ofp_session *s,
		 const uint8_t *msg, size_t len)
{
	struct ofp_group_mod *gm = malloc(sizeof(*gm));
	bool changed = false;

	if (gm == NULL)
		return OFPERR_GROUP_MOD_OUT_OF_GROUPS;
	enum ofperr err = ofp_group_mod_decode(msg, len, gm);
	if (!err)
		err = ofproto_group_mod(ofp, gm, &changed);
	ofp_group_mod_free(gm);
	free(gm);
	if (changed)
		s->flows_dirty = true;
	return err;
}

static enum ofperr
handle_meter_mod(struct ofproto *ofp, struct ofp_session *s,
		 const uint8_t *msg, size_t len)
{
	struct ofp_meter_mod mm;
	bool changed = false;

	enum ofperr err = ofp_meter_mod_decode(msg, len, &mm);
	if (!err)
		err = ofproto_meter_mod(ofp, &mm, &changed);
	if (changed)
		s->flows_dirty = true;
	return err;
}

static enum ofperr
handle_table_mod(struct ofproto *ofp, const uint8_t *msg, size_t len)
{
	const struct ofp13_table_mod *tm = (const void *)msg;

	if (len != sizeof(*tm))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	return ofproto_table_mod(ofp, tm->table_id, ntohl(tm->config));
}

static enum ofperr
handle_queue_get_config(struct ofproto *ofp, const uint8_t *msg, size_t len,
			struct ofp_buf *out)
{
	const struct ofp13_queue_get_config_request *q = (const void *)msg;

	if (len != sizeof(*q))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	uint32_t port = ntohl(q->port);
	if (port != OFPP13_ANY && !ofproto_port_exists(ofp, port))
		return OFPERR_QUEUE_OP_BAD_PORT;
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION,
					 OFPT_QUEUE_GET_CONFIG_REPLY,
					 msg_xid(msg), 16);
	uint32_t be = htonl(port);
	memcpy(out->data + start + 8, &be, 4);
	/* No queues. */
	return OFPERR_OK;
}

enum ofperr
ofp_ctl_handle(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	       size_t len, struct ofp_buf *out, bool *handled)
{
	bool slave = s->role == OFPCR_ROLE_SLAVE;

	*handled = true;
	switch (msg[1]) {
	case OFPT_ROLE_REQUEST:
		return handle_role_request(ofp, s, msg, len, out);
	case OFPT_SET_ASYNC:
		return handle_set_async(s, msg, len);
	case OFPT_GET_ASYNC_REQUEST:
		return handle_get_async(s, msg, len, out);
	case OFPT_PORT_MOD:
		if (slave)
			return OFPERR_BAD_REQUEST_IS_SLAVE;
		return handle_port_mod(ofp, msg, len);
	case OFPT_GROUP_MOD:
		if (slave)
			return OFPERR_BAD_REQUEST_IS_SLAVE;
		return handle_group_mod(ofp, s, msg, len);
	case OFPT_METER_MOD:
		if (slave)
			return OFPERR_BAD_REQUEST_IS_SLAVE;
		return handle_meter_mod(ofp, s, msg, len);
	case OFPT_TABLE_MOD:
		if (slave)
			return OFPERR_BAD_REQUEST_IS_SLAVE;
		return handle_table_mod(ofp, msg, len);
	case OFPT_QUEUE_GET_CONFIG_REQUEST:
		return handle_queue_get_config(ofp, msg, len, out);
	default:
		*handled = false;
		return OFPERR_BAD_REQUEST_BAD_TYPE;
	}
}

/* ---- Encoders. ---- */

void
ofp13_put_port(struct ofp_buf *out, const struct ofproto_port *port)
{
	struct ofp13_port *p = ofp_buf_put_zeros(out, sizeof(*p));

	p->port_no = htonl(port->ofport);
	memcpy(p->hw_addr, port->hw_addr, 6);
	memcpy(p->name, port->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	p->config = htonl(port->config & OFPPC13_ALL);
	p->state = htonl(port->state);
	p->curr = htonl(OFPPF_10GB_FD | OFPPF_COPPER);
	p->curr_speed = htonl(10000000);
	p->max_speed = htonl(10000000);
}

void
ofp13_put_port_status(struct ofp_buf *out, const struct ofp_async *a)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_PORT_STATUS,
					 0, sizeof(struct ofp13_port_status));

	out->data[start + 8] = a->reason;
	ofp13_put_port(out, &a->port);
	ofp_buf_msg_finish(out, start);
}

void
ofp13_put_flow_removed(struct ofp_buf *out, const struct ofp_async *a)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION,
					 OFPT_FLOW_REMOVED, 0,
					 sizeof(struct ofp13_flow_removed));
	struct ofp13_flow_removed *fr = (void *)(out->data + start);

	fr->cookie = htobe64(a->cookie);
	fr->priority = htons(a->priority);
	fr->reason = a->reason;
	fr->table_id = a->table_id;
	fr->duration_sec = htonl(a->duration_sec);
	fr->duration_nsec = htonl(a->duration_nsec);
	fr->idle_timeout = htons(a->idle_timeout);
	fr->hard_timeout = htons(a->hard_timeout);
	fr->packet_count = htobe64(a->packet_count);
	fr->byte_count = htobe64(a->byte_count);
	ofp_match_encode(&a->match, out);
	ofp_buf_msg_finish(out, start);
}
