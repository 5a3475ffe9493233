/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_MSG_H
#define PMDSWITCH_OFP_MSG_H

/*
 * The OpenFlow 1.3 protocol engine of one connection, without sockets:
 * ofp_msg_handle() takes one complete message and appends the replies to
 * an output buffer. The connection manager (ofp_conn.c) frames the byte
 * stream and owns the buffers; the tests call it directly.
 *
 * Version negotiation: we offer only OpenFlow 1.3 (HELLO with a version
 * bitmap). A peer whose bitmap (or, without a bitmap, whose version)
 * includes 1.3 gets 1.3; any other peer gets HELLO_FAILED/INCOMPATIBLE and
 * the connection is closed. After negotiation, a message of another
 * version gets BAD_REQUEST/BAD_VERSION and the connection stays up.
 *
 * Errors: every error reply carries the first 64 bytes of the offending
 * message.
 *
 * Thread safety: a session belongs to the thread that serves its
 * connection (the control thread). The handlers take the ofproto's mutex
 * for model access and call host callbacks without it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofp_log.h"

struct ofproto;

struct ofp_session {
	uint8_t version;	/* Negotiated; 0 until the peer's HELLO. */
	uint32_t role;		/* OFPCR_ROLE_* (EQUAL by default). */
	uint64_t generation_id;
	uint16_t config_flags;	/* SET_CONFIG flags. */
	uint16_t miss_send_len;	/* SET_CONFIG miss_send_len. */
	bool flows_dirty;	/* A change not yet reported to the host. */
	struct ofp_ratelimit rl;	/* For logs about this peer. */
	char peer[64];		/* For logs. */
};

void ofp_session_init(struct ofp_session *s, const char *peer);

/* Appends our HELLO (sent as soon as a connection opens). */
void ofp_msg_put_hello(struct ofp_buf *out);

/* Handles one complete message (len == its header length, >= 8). Returns
 * 0, or -EPROTO when the connection must be closed after out is sent. */
int ofp_msg_handle(struct ofproto *ofp, struct ofp_session *s,
		   const uint8_t *msg, size_t len, struct ofp_buf *out);

/* Calls the host's flows_changed if this session changed flows since the
 * last call. */
void ofp_session_flush_changes(struct ofproto *ofp, struct ofp_session *s);

/* Appends an OFPT_ERROR for msg (first 64 bytes as data). */
void ofp_msg_put_error(struct ofp_buf *out, uint8_t version, enum ofperr err,
		       const uint8_t *msg, size_t len);

/* Appends an OpenFlow 1.3 OFPT_PACKET_IN (no buffer, match = IN_PORT). */
void ofp_msg_put_packet_in(struct ofp_buf *out, uint8_t reason,
			   uint8_t table_id, uint64_t cookie,
			   uint32_t in_port, const void *packet, size_t len,
			   size_t total_len);

/* The multipart family (ofp_mp.c): handles one OFPT_MULTIPART_REQUEST. */
enum ofperr ofp_mp_handle(struct ofproto *ofp, struct ofp_session *s,
			  const uint8_t *msg, size_t len,
			  struct ofp_buf *out);

#endif /* PMDSWITCH_OFP_MSG_H */
