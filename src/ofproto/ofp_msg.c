/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_msg.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ofp_actions.h"
#include "ofp_bundle.h"
#include "ofp_flow_msg.h"
#include "ofp_match.h"
#include "ofp_mp_dump.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

#define ERROR_DATA_MAX 64

#define OUR_VERSIONS ((1u << OFP10_VERSION) | (1u << OFP13_VERSION))

void
ofp_session_default_async(struct ofp_session *s)
{
	s->pin_mask[0] = (1u << OFPR_NO_MATCH) | (1u << OFPR_ACTION);
	s->pin_mask[1] = 0;
	s->port_status_mask[0] = s->port_status_mask[1] =
		(1u << OFPPR_ADD) | (1u << OFPPR_DELETE) | (1u << OFPPR_MODIFY);
	s->flow_removed_mask[0] = (1u << OFPRR_IDLE_TIMEOUT) |
				  (1u << OFPRR_HARD_TIMEOUT) |
				  (1u << OFPRR_DELETE) |
				  (1u << OFPRR_GROUP_DELETE);
	s->flow_removed_mask[1] = 0;
}

void
ofp_session_init(struct ofp_session *s, const char *peer)
{
	memset(s, 0, sizeof(*s));
	s->role = OFPCR_ROLE_EQUAL;
	s->miss_send_len = OFP_DEFAULT_MISS_SEND_LEN;
	ofp_session_default_async(s);
	s->rl = (struct ofp_ratelimit)OFP_RATELIMIT_INIT(5);
	snprintf(s->peer, sizeof(s->peer), "%s", peer ? peer : "?");
}

void
ofp_session_destroy(struct ofproto *ofp, struct ofp_session *s)
{
	if (ofp != NULL)
		ofproto_session_unregister(ofp, s);
	ofp_buf_free(&s->mp_body);
	s->mp_active = false;
	ofp_mp_dump_cancel(s);
	ofp_bundle_discard_all(s);
}

void
ofp_msg_put_hello(struct ofp_buf *out)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_HELLO, 0,
					 OFP_HEADER_LEN);

	ofp_buf_put_be16(out, OFPHET_VERSIONBITMAP);
	ofp_buf_put_be16(out, 8);
	ofp_buf_put_be32(out, OUR_VERSIONS);
	ofp_buf_msg_finish(out, start);
}

void
ofp_msg_put_echo_request(struct ofp_buf *out, uint8_t version, uint32_t xid)
{
	ofp_buf_msg_start(out, version, OFPT_ECHO_REQUEST, xid,
			  OFP_HEADER_LEN);
}

static uint32_t
msg_xid(const uint8_t *msg)
{
	uint32_t xid;

	memcpy(&xid, msg + 4, 4);
	return ntohl(xid);
}

void
ofp_msg_put_error(struct ofp_buf *out, uint8_t version, enum ofperr err,
		  const uint8_t *msg, size_t len)
{
	size_t start = ofp_buf_msg_start(out, version, OFPT_ERROR,
					 len >= 8 ? msg_xid(msg) : 0,
					 sizeof(struct ofp13_error_msg));
	struct ofp13_error_msg *e = (void *)(out->data + start);
	uint16_t type = OFPERR_TYPE(err), code = OFPERR_CODE(err);

	if (version == OFP10_VERSION)
		ofp10_error_code(err, &type, &code);
	e->type = htons(type);
	e->code = htons(code);
	ofp_buf_put(out, msg, len < ERROR_DATA_MAX ? len : ERROR_DATA_MAX);
	ofp_buf_msg_finish(out, start);
}

void
ofp_session_flush_changes(struct ofproto *ofp, struct ofp_session *s)
{
	if (s->flows_dirty) {
		s->flows_dirty = false;
		ofproto_notify_flows_changed(ofp);
	}
}

/* HELLO: the peer's highest version, and maybe a version bitmap. */
static int
handle_hello(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	     size_t len, struct ofp_buf *out)
{
	uint8_t peer_version = msg[0];
	bool have_bitmap = false;
	uint32_t common = 0;
	size_t off = OFP_HEADER_LEN;

	while (off + 4 <= len) {
		uint16_t type, elen;

		memcpy(&type, msg + off, 2);
		memcpy(&elen, msg + off + 2, 2);
		type = ntohs(type);
		elen = ntohs(elen);
		if (elen < 4 || off + elen > len)
			break;
		if (type == OFPHET_VERSIONBITMAP && elen >= 8) {
			uint32_t word;

			have_bitmap = true;
			memcpy(&word, msg + off + 4, 4);
			common = ntohl(word) & OUR_VERSIONS;
		}
		off += (elen + 7u) / 8 * 8;
	}
	if (!have_bitmap) {
		uint8_t v = peer_version < OFP13_VERSION ? peer_version :
							   OFP13_VERSION;
		common = v < 32 ? (1u << v) & OUR_VERSIONS : 0;
	}
	if (!common) {
		if (ofp_ratelimit_allow(&s->rl))
			ofp_log(OFP_LOG_WARN, "%s: no common OpenFlow version "
				"(peer offers 0x%02x, we speak 0x01 and 0x04)",
				s->peer, peer_version);
		ofp_msg_put_error(out, peer_version < OFP13_VERSION ?
				  peer_version : OFP13_VERSION,
				  OFPERR_HELLO_INCOMPATIBLE, msg, len);
		return -EPROTO;
	}
	s->version = (common & (1u << OFP13_VERSION)) ? OFP13_VERSION :
							OFP10_VERSION;
	ofproto_session_register(ofp, s);
	return 0;
}

static void
put_features_reply(struct ofproto *ofp, uint32_t xid, struct ofp_buf *out)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION,
					 OFPT_FEATURES_REPLY, xid,
					 sizeof(struct ofp13_switch_features));
	struct ofp13_switch_features *f = (void *)(out->data + start);

	f->datapath_id = htobe64(ofp->datapath_id);
	f->n_buffers = 0;
	f->n_tables = OFPROTO_N_TABLES;
	f->capabilities = htonl(OFPC_FLOW_STATS | OFPC_TABLE_STATS |
				OFPC_PORT_STATS | OFPC_GROUP_STATS |
				OFPC_QUEUE_STATS);
}

static enum ofperr
handle_flow_mod(struct ofproto *ofp, struct ofp_session *s,
		const uint8_t *msg, size_t len)
{
	struct ofp_flow_mod fm;
	bool changed = false;
	enum ofperr err;

	if (s->role == OFPCR_ROLE_SLAVE)
		return OFPERR_BAD_REQUEST_IS_SLAVE;
	err = ofp_flow_mod_decode(msg, len, &fm);
	if (err)
		return err;
	err = ofproto_apply_flow_mod(ofp, &fm, &changed);
	if (changed)
		s->flows_dirty = true;
	return err;
}

static enum ofperr
handle_packet_out(struct ofproto *ofp, struct ofp_session *s,
		  const uint8_t *msg, size_t len)
{
	const struct ofp13_packet_out *po = (const void *)msg;
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	size_t n_acts;

	if (s->role == OFPCR_ROLE_SLAVE)
		return OFPERR_BAD_REQUEST_IS_SLAVE;
	if (len < sizeof(*po))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	size_t alen = ntohs(po->actions_len);
	if (sizeof(*po) + alen > len)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	if (ntohl(po->buffer_id) != OFP_NO_BUFFER)
		return OFPERR_BAD_REQUEST_BUFFER_UNKNOWN;
	uint32_t in_port = ntohl(po->in_port);
	if (in_port == 0 || (in_port > OFPP13_MAX &&
			     in_port != OFPP13_CONTROLLER &&
			     in_port != OFPP13_LOCAL && in_port != OFPP13_ANY))
		return OFPERR_BAD_REQUEST_BAD_PORT;
	enum ofperr err = ofp_actions_decode(msg + sizeof(*po), alen, acts,
					     OFPROTO_MAX_ACTIONS, &n_acts,
					     true);
	if (err)
		return err;
	if (len - sizeof(*po) - alen == 0)
		return OFPERR_BAD_REQUEST_BAD_PACKET;
	struct ofpact res[OFPROTO_MAX_ACTIONS];
	pthread_mutex_lock(&ofp->mutex);
	for (size_t i = 0; i < n_acts; i++) {
		if (acts[i].type == OFPACT_GROUP &&
		    ofp_group_find(&ofp->groups, acts[i].id) == NULL) {
			pthread_mutex_unlock(&ofp->mutex);
			return OFPERR_BAD_ACTION_BAD_OUT_GROUP;
		}
	}
	/* Groups become CLONE blocks, as in a lookup result. */
	struct flow_key key;
	memset(&key, 0, sizeof(key));
	key.in_port = in_port;
	size_t n_res = ofproto_pipeline_resolve_actions(ofp, &key, acts,
							n_acts, res,
							OFPROTO_MAX_ACTIONS);
	pthread_mutex_unlock(&ofp->mutex);
	ofproto_host_packet_out(ofp, in_port, res, n_res,
				msg + sizeof(*po) + alen,
				len - sizeof(*po) - alen);
	return OFPERR_OK;
}

static enum ofperr
dispatch(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	 size_t len, struct ofp_buf *out)
{
	uint8_t type = msg[1];
	uint32_t xid = msg_xid(msg);

	switch (type) {
	case OFPT_HELLO:
		return OFPERR_OK;	/* A second HELLO: nothing to do. */
	case OFPT_ERROR:
		if (ofp_ratelimit_allow(&s->rl)) {
			uint16_t t = 0, c = 0;
			if (len >= 12) {
				memcpy(&t, msg + 8, 2);
				memcpy(&c, msg + 10, 2);
			}
			ofp_log(OFP_LOG_WARN, "%s: peer sent error type %u "
				"code %u", s->peer, ntohs(t), ntohs(c));
		}
		return OFPERR_OK;
	case OFPT_ECHO_REQUEST:
		ofp_msg_put_echo_reply(out, OFP13_VERSION, xid, msg, len);
		return OFPERR_OK;
	case OFPT_ECHO_REPLY:
		return OFPERR_OK;
	case OFPT_EXPERIMENTER:
		if (!ofp_bundle_is_onf(msg, len))
			return OFPERR_BAD_REQUEST_BAD_EXPERIMENTER;
		ofp_bundle_handle(ofp, s, msg, len, out);
		return OFPERR_OK;
	case OFPT_FEATURES_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		put_features_reply(ofp, xid, out);
		return OFPERR_OK;
	case OFPT_GET_CONFIG_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		ofp_msg_put_config_reply(out, OFP13_VERSION,
					 OFPT_GET_CONFIG_REPLY, xid, s);
		return OFPERR_OK;
	case OFPT_SET_CONFIG: {
		const struct ofp13_switch_config *c = (const void *)msg;

		if (len != sizeof(*c))
			return OFPERR_BAD_REQUEST_BAD_LEN;
		s->config_flags = ntohs(c->flags) &
				  (OFPC_FRAG_MASK |
				   OFPC13_INVALID_TTL_TO_CONTROLLER);
		s->miss_send_len = ntohs(c->miss_send_len);
		ofproto_set_invalid_ttl_to_controller(
			ofp, (s->config_flags &
			      OFPC13_INVALID_TTL_TO_CONTROLLER) != 0);
		return OFPERR_OK;
	}
	case OFPT_FLOW_MOD:
		return handle_flow_mod(ofp, s, msg, len);
	case OFPT_PACKET_OUT:
		return handle_packet_out(ofp, s, msg, len);
	case OFPT_MULTIPART_REQUEST:
		ofp_session_flush_changes(ofp, s);
		return ofp_mp_handle(ofp, s, msg, len, out);
	case OFPT_BARRIER_REQUEST:
		if (len != OFP_HEADER_LEN)
			return OFPERR_BAD_REQUEST_BAD_LEN;
		ofp_session_flush_changes(ofp, s);
		ofp_buf_msg_start(out, OFP13_VERSION, OFPT_BARRIER_REPLY, xid,
				  OFP_HEADER_LEN);
		return OFPERR_OK;
	default: {
		bool handled = false;
		enum ofperr err = ofp_ctl_handle(ofp, s, msg, len, out,
						 &handled);
		/* Unknown types and types only a switch sends. */
		return handled ? err : OFPERR_BAD_REQUEST_BAD_TYPE;
	}
	}
}

int
ofp_msg_handle(struct ofproto *ofp, struct ofp_session *s, const uint8_t *msg,
	       size_t len, struct ofp_buf *out)
{
	if (len < OFP_HEADER_LEN) {
		ofp_msg_put_error(out, s->version ? s->version : OFP13_VERSION,
				  OFPERR_BAD_REQUEST_BAD_LEN, msg, len);
		return -EPROTO;
	}
	if (s->version == 0) {
		if (msg[1] != OFPT_HELLO) {
			if (ofp_ratelimit_allow(&s->rl))
				ofp_log(OFP_LOG_WARN, "%s: message type %u "
					"before HELLO", s->peer, msg[1]);
			ofp_msg_put_error(out, OFP13_VERSION,
					  OFPERR_HELLO_INCOMPATIBLE, msg, len);
			return -EPROTO;
		}
		return handle_hello(ofp, s, msg, len, out);
	}
	if (msg[0] != s->version) {
		ofp_msg_put_error(out, s->version,
				  OFPERR_BAD_REQUEST_BAD_VERSION, msg, len);
		return 0;
	}
	enum ofperr err = s->version == OFP10_VERSION ?
			  ofp10_handle(ofp, s, msg, len, out) :
			  dispatch(ofp, s, msg, len, out);
	if (err) {
		if (ofp_ratelimit_allow(&s->rl))
			ofp_log(OFP_LOG_DBG, "%s: message type %u: %s", s->peer,
				msg[1], ofperr_name(err));
		ofp_msg_put_error(out, s->version, err, msg, len);
	}
	return 0;
}

void
ofp_msg_put_packet_in(struct ofp_buf *out,
		      const struct ofproto_packet_in_ctx *ctx,
		      uint32_t in_port, const void *packet, size_t len,
		      size_t total_len)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_PACKET_IN, 0,
					 sizeof(struct ofp13_packet_in));
	struct ofp13_packet_in *pi = (void *)(out->data + start);
	struct ofp_flow_match m;
	uint64_t seen = 0;
	uint32_t be_port = htonl(in_port);
	uint64_t be_meta = htobe64(ctx->metadata);
	uint64_t be_tun = htobe64(ctx->tunnel_id);
	uint32_t be_phy = htonl(flow_phy_port_32(ctx->in_phy_port));

	pi->buffer_id = htonl(OFP_NO_BUFFER);
	pi->total_len = htons((uint16_t)(total_len > 0xffff ? 0xffff :
					 total_len));
	pi->reason = ctx->reason;
	pi->table_id = ctx->table_id;
	pi->cookie = htobe64(ctx->cookie);
	/* The context fields (A.4.1); all-zero ones are left out. */
	ofp_match_init_catchall(&m);
	ofp_match_set_field(&m, &seen, OFPXMT_OFB_IN_PORT, &be_port, NULL);
	if (ctx->in_phy_port != 0 && flow_phy_port_32(ctx->in_phy_port) !=
				     in_port)
		ofp_match_set_field(&m, &seen, OFPXMT_OFB_IN_PHY_PORT, &be_phy,
				    NULL);
	if (ctx->metadata != 0)
		ofp_match_set_field(&m, &seen, OFPXMT_OFB_METADATA, &be_meta,
				    NULL);
	if (ctx->tunnel_id != 0)
		ofp_match_set_field(&m, &seen, OFPXMT_OFB_TUNNEL_ID, &be_tun,
				    NULL);
	if (ctx->tun_src != 0)
		ofp_match_set_field(&m, &seen, OFP_FIELD_TUN_IPV4_SRC,
				    &ctx->tun_src, NULL);
	if (ctx->tun_dst != 0)
		ofp_match_set_field(&m, &seen, OFP_FIELD_TUN_IPV4_DST,
				    &ctx->tun_dst, NULL);
	ofp_match_encode(&m, out);
	ofp_buf_put_zeros(out, 2);
	size_t room = OFP_MAX_MSG_LEN - (out->len - start);
	ofp_buf_put(out, packet, len < room ? len : room);
	ofp_buf_msg_finish(out, start);
}

/* ---- Async messages. ---- */

bool
ofp_session_wants(const struct ofp_session *s, const struct ofp_async *a)
{
	int slave = s->role == OFPCR_ROLE_SLAVE;
	const uint32_t *mask;

	if (s->version == 0)
		return false;
	switch (a->kind) {
	case OFP_ASYNC_PACKET_IN:
		mask = s->pin_mask;
		break;
	case OFP_ASYNC_PORT_STATUS:
		mask = s->port_status_mask;
		break;
	case OFP_ASYNC_FLOW_REMOVED:
		mask = s->flow_removed_mask;
		break;
	default:
		return false;
	}
	return a->reason < 32 && (mask[slave] & (1u << a->reason));
}

/* Bytes of a packet-in's frame this session gets. */
static size_t
pin_data_len(const struct ofp_session *s, const struct ofp_async *a)
{
	size_t n = a->len;

	/* miss_send_len applies to table-miss packet-ins whose length the
	 * controller action left to the switch (OFPCML_NO_BUFFER). */
	if (a->reason == OFPR_NO_MATCH && !a->action_truncated &&
	    s->miss_send_len != OFPCML_NO_BUFFER && n > s->miss_send_len)
		n = s->miss_send_len;
	return n;
}

void
ofp_msg_put_async(const struct ofp_session *s, const struct ofp_async *a,
		  struct ofp_buf *out)
{
	if (s->version == OFP10_VERSION) {
		ofp10_put_async(s, a, out);
		return;
	}
	switch (a->kind) {
	case OFP_ASYNC_PACKET_IN: {
		struct ofproto_packet_in_ctx ctx = {
			.reason = a->reason, .table_id = a->table_id,
			.cookie = a->cookie, .metadata = a->metadata,
			.tunnel_id = a->tunnel_id,
			.tun_src = a->tun_src, .tun_dst = a->tun_dst,
			.in_phy_port = a->in_phy_port,
		};

		ofp_msg_put_packet_in(out, &ctx, a->in_port, a->data,
				      pin_data_len(s, a), a->total_len);
		break;
	}
	case OFP_ASYNC_PORT_STATUS:
		ofp13_put_port_status(out, a);
		break;
	case OFP_ASYNC_FLOW_REMOVED:
		ofp13_put_flow_removed(out, a);
		break;
	}
}

void
ofp_msg_put_echo_reply(struct ofp_buf *out, uint8_t version, uint32_t xid,
		       const uint8_t *msg, size_t len)
{
	size_t start = ofp_buf_msg_start(out, version, OFPT_ECHO_REPLY, xid,
					 OFP_HEADER_LEN);

	ofp_buf_put(out, msg + OFP_HEADER_LEN, len - OFP_HEADER_LEN);
	ofp_buf_msg_finish(out, start);
}

void
ofp_msg_put_config_reply(struct ofp_buf *out, uint8_t version, uint8_t type,
			 uint32_t xid, const struct ofp_session *s)
{
	size_t start = ofp_buf_msg_start(out, version, type, xid,
					 sizeof(struct ofp13_switch_config));
	struct ofp13_switch_config *c = (void *)(out->data + start);

	c->flags = htons(s->config_flags);
	c->miss_send_len = htons(s->miss_send_len);
}
