/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_MSG_H
#define PMDSWITCH_OFP_MSG_H

/*
 * The OpenFlow protocol engine of one connection, without sockets:
 * ofp_msg_handle() takes one complete message and appends the replies to
 * an output buffer. The connection manager (ofp_conn.c) frames the byte
 * stream and owns the buffers; the tests call it directly.
 *
 * Version negotiation: our HELLO (version 1.3) carries a version bitmap
 * with 1.0 and 1.3. The session speaks the highest version both sides
 * have: from the peer's bitmap, or, without one, min(peer version, 1.3)
 * when that is 1.0 or 1.3. Anything else gets HELLO_FAILED/INCOMPATIBLE and
 * the connection is closed. After negotiation, a message of another
 * version gets BAD_REQUEST/BAD_VERSION and the connection stays up.
 * OpenFlow 1.3 messages are handled here, in ofp_msg_ctl.c (roles, async,
 * port/group/meter/table mod, queue config) and ofp_mp.c (multipart);
 * OpenFlow 1.0 in ofp10_msg.c, on the same switch model.
 *
 * Async messages (packet-in, port status, flow removed) are produced by
 * the model as struct ofp_async, in no version, and encoded per session
 * (version, role, SET_ASYNC masks, miss_send_len) when they are sent.
 *
 * Errors: every error reply carries the first 64 bytes of the offending
 * message.
 *
 * Thread safety: a session belongs to the thread that serves its
 * connection (the control thread); sessions register with their ofproto
 * (for roles) from that thread only. The handlers take the ofproto's mutex
 * for model access and call host callbacks without it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofp_log.h"
#include "ofp_match.h"
#include "ofproto_priv.h"

struct ofproto;

/* Bound on a multipart request reassembled from REQ_MORE parts. */
#define OFP_MP_REQ_MAX (1024 * 1024)

struct ofp_session {
	uint8_t version;	/* Negotiated; 0 until the peer's HELLO. */
	uint32_t role;		/* OFPCR_ROLE_* (EQUAL by default). */
	uint16_t config_flags;	/* SET_CONFIG flags. */
	uint16_t miss_send_len;	/* SET_CONFIG miss_send_len. */
	/* SET_ASYNC masks; [0] master/equal, [1] slave. */
	uint32_t pin_mask[2];
	uint32_t port_status_mask[2];
	uint32_t flow_removed_mask[2];
	bool flows_dirty;	/* A change not yet reported to the host. */
	bool is_controller;	/* An active (controllers:) connection. */
	/* A multipart request being reassembled (OFPMPF_REQ_MORE). */
	bool mp_active;
	uint16_t mp_type;
	uint32_t mp_xid;
	struct ofp_buf mp_body;
	/* A flow stats reply with chunks left (ofp_mp_dump.h). */
	struct ofp_mp_dump *mp_dump;
	/* Open bundles (ofp_bundle.h). */
	struct ofp_bundle *bundles;
	size_t n_bundles;
	struct ofp_session *reg_next;	/* ofproto's session list. */
	struct ofp_ratelimit rl;	/* For logs about this peer. */
	char peer[64];		/* For logs. */
};

void ofp_session_init(struct ofp_session *s, const char *peer);
/* Unregisters the session from ofp and frees what it holds. */
void ofp_session_destroy(struct ofproto *ofp, struct ofp_session *s);

/* Appends our HELLO (sent as soon as a connection opens). */
void ofp_msg_put_hello(struct ofp_buf *out);

/* Handles one complete message (len == its header length, >= 8). Returns
 * 0, or -EPROTO when the connection must be closed after out is sent. */
int ofp_msg_handle(struct ofproto *ofp, struct ofp_session *s,
		   const uint8_t *msg, size_t len, struct ofp_buf *out);

/* Calls the host's flows_changed if this session changed flows since the
 * last call. */
void ofp_session_flush_changes(struct ofproto *ofp, struct ofp_session *s);

/* Appends an OFPT_ERROR for msg (first 64 bytes as data), with the type
 * and code of err in that version (1.0 maps to its own codes). */
void ofp_msg_put_error(struct ofp_buf *out, uint8_t version, enum ofperr err,
		       const uint8_t *msg, size_t len);
/* Appends an echo request (the inactivity probe). */
void ofp_msg_put_echo_request(struct ofp_buf *out, uint8_t version,
			      uint32_t xid);

/* Appends an OpenFlow 1.3 OFPT_PACKET_IN (no buffer; match = IN_PORT,
 * then METADATA and TUNNEL_ID when not 0). */
void ofp_msg_put_packet_in(struct ofp_buf *out,
			   const struct ofproto_packet_in_ctx *ctx,
			   uint32_t in_port, const void *packet, size_t len,
			   size_t total_len);

/* ---- Async messages. ---- */

enum ofp_async_kind {
	OFP_ASYNC_PACKET_IN,
	OFP_ASYNC_PORT_STATUS,
	OFP_ASYNC_FLOW_REMOVED,
};

struct ofp_async {
	struct ofp_async *next;
	enum ofp_async_kind kind;
	uint8_t reason;		/* OFPR_*, OFPPR_* or OFPRR_*. */
	/* Packet-in. */
	uint8_t table_id;
	uint64_t cookie;	/* Also flow removed. */
	uint64_t metadata;	/* Pipeline fields (OpenFlow 1.3 match). */
	uint64_t tunnel_id;
	uint32_t tun_src;	/* Network order. */
	uint32_t tun_dst;
	uint16_t in_phy_port;	/* flow_key's (0: in_port). */
	uint32_t in_port;
	bool action_truncated;	/* len < total_len by the action's max_len. */
	size_t total_len;
	/* Port status. */
	struct ofproto_port port;
	/* Flow removed. */
	struct ofp_flow_match match;
	uint16_t priority;
	uint16_t idle_timeout, hard_timeout;
	uint32_t duration_sec, duration_nsec;
	uint64_t packet_count, byte_count;
	size_t len;		/* Packet bytes in data. */
	uint8_t data[];
};

/* Default SET_ASYNC masks of a new session (OpenFlow 1.3 section 7.3.10). */
void ofp_session_default_async(struct ofp_session *s);
/* True when the session wants this message (role, masks). */
bool ofp_session_wants(const struct ofp_session *s, const struct ofp_async *a);
/* Encodes a for the session's version. */
void ofp_msg_put_async(const struct ofp_session *s, const struct ofp_async *a,
		       struct ofp_buf *out);

/* ---- Message families (one file each). ---- */

/* ofp_msg_ctl.c: roles, async config, port/group/meter/table mod, queue
 * config; *handled is false when msg is not one of its types. */
enum ofperr ofp_ctl_handle(struct ofproto *ofp, struct ofp_session *s,
			   const uint8_t *msg, size_t len,
			   struct ofp_buf *out, bool *handled);
/* Encoders of the 1.3 async messages. */
void ofp13_put_port(struct ofp_buf *out, const struct ofproto_port *p);
void ofp13_put_port_status(struct ofp_buf *out, const struct ofp_async *a);
void ofp13_put_flow_removed(struct ofp_buf *out, const struct ofp_async *a);

/* The multipart family (ofp_mp.c): handles one OFPT_MULTIPART_REQUEST. */
enum ofperr ofp_mp_handle(struct ofproto *ofp, struct ofp_session *s,
			  const uint8_t *msg, size_t len,
			  struct ofp_buf *out);

/* OpenFlow 1.0 (ofp10_msg.c): one message of a 1.0 session. */
enum ofperr ofp10_handle(struct ofproto *ofp, struct ofp_session *s,
			 const uint8_t *msg, size_t len, struct ofp_buf *out);
void ofp10_put_async(const struct ofp_session *s, const struct ofp_async *a,
		     struct ofp_buf *out);
/* The 1.0 wire type and code of an error. */
void ofp10_error_code(enum ofperr err, uint16_t *type, uint16_t *code);

/* Replies every version writes the same way but for the version byte. */
void ofp_msg_put_echo_reply(struct ofp_buf *out, uint8_t version,
			    uint32_t xid, const uint8_t *msg, size_t len);
void ofp_msg_put_config_reply(struct ofp_buf *out, uint8_t version,
			      uint8_t type, uint32_t xid,
			      const struct ofp_session *s);

#endif /* PMDSWITCH_OFP_MSG_H */
