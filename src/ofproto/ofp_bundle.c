/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bundles over the ONF extension of OpenFlow 1.3 (see ofp_bundle.h).
 *
 * Wire (all big-endian), after the 16-byte experimenter header (ofp_header,
 * experimenter, exp_type):
 *   BUNDLE_CONTROL:     bundle_id(4) type(2) flags(2) [properties]
 *   BUNDLE_ADD_MESSAGE: bundle_id(4) pad(2) flags(2) message [properties]
 * A reply to a control request is the same message with type + 1.
 */
#include "ofp_bundle.h"

#include <stdlib.h>
#include <string.h>

#include "ofp_flow_msg.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

#define EXP_HDR_LEN 16
#define CTRL_LEN (EXP_HDR_LEN + 8)
#define OFPET_EXPERIMENTER 0xffff
#define ERROR_DATA_MAX 64

enum bundle_ctrl_type {
	OPEN_REQUEST = 0,
	OPEN_REPLY = 1,
	CLOSE_REQUEST = 2,
	CLOSE_REPLY = 3,
	COMMIT_REQUEST = 4,
	COMMIT_REPLY = 5,
	DISCARD_REQUEST = 6,
	DISCARD_REPLY = 7,
};

#define BUNDLE_F_ATOMIC 1u
#define BUNDLE_F_ORDERED 2u

/* OpenFlow 1.4 OFPBFC_* codes (exp_code 2300 + code on 1.3). */
enum bundle_err {
	BFC_UNKNOWN = 0,
	BFC_EPERM = 1,
	BFC_BAD_ID = 2,
	BFC_BUNDLE_EXIST = 3,
	BFC_BUNDLE_CLOSED = 4,
	BFC_OUT_OF_BUNDLES = 5,
	BFC_BAD_TYPE = 6,
	BFC_BAD_FLAGS = 7,
	BFC_MSG_BAD_LEN = 8,
	BFC_MSG_BAD_XID = 9,
	BFC_MSG_UNSUP = 10,
	BFC_MSG_TOO_MANY = 12,
	BFC_MSG_FAILED = 13,
};

struct ofp_bundle {
	struct ofp_bundle *next;
	uint32_t id;
	uint16_t flags;
	bool closed;
	bool failed;		/* A message was refused: commit fails. */
	size_t n_msgs;
	size_t *offs;		/* Start of message i in buf. */
	size_t offs_cap;
	struct ofp_buf buf;	/* The messages, back to back. */
};

bool
ofp_bundle_is_onf(const uint8_t *msg, size_t len)
{
	uint32_t et;

	if (len < EXP_HDR_LEN || ofp_rd32(msg + 8) != ONF_EXPERIMENTER_ID)
		return false;
	et = ofp_rd32(msg + 12);
	return et == ONF_ET_BUNDLE_CONTROL || et == ONF_ET_BUNDLE_ADD_MESSAGE;
}

/* OFPT_ERROR type EXPERIMENTER, exp_code 2300 + code, experimenter ONF;
 * the xid and first bytes of msg. */
static void
put_bundle_error(struct ofp_buf *out, enum bundle_err code,
		 const uint8_t *msg, size_t len)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_ERROR,
					 ofp_rd32(msg + 4), OFP_HEADER_LEN);

	ofp_buf_put_be16(out, OFPET_EXPERIMENTER);
	ofp_buf_put_be16(out, (uint16_t)(ONF_ET_BUNDLE_CONTROL + code));
	ofp_buf_put_be32(out, ONF_EXPERIMENTER_ID);
	ofp_buf_put(out, msg, len < ERROR_DATA_MAX ? len : ERROR_DATA_MAX);
	ofp_buf_msg_finish(out, start);
}

static void
put_ctrl_reply(struct ofp_buf *out, uint32_t xid, uint32_t id, uint16_t type,
	       uint16_t flags)
{
	size_t start = ofp_buf_msg_start(out, OFP13_VERSION, OFPT_EXPERIMENTER,
					 xid, OFP_HEADER_LEN);

	ofp_buf_put_be32(out, ONF_EXPERIMENTER_ID);
	ofp_buf_put_be32(out, ONF_ET_BUNDLE_CONTROL);
	ofp_buf_put_be32(out, id);
	ofp_buf_put_be16(out, type);
	ofp_buf_put_be16(out, flags);
	ofp_buf_msg_finish(out, start);
}

static struct ofp_bundle **
find(struct ofp_session *s, uint32_t id)
{
	struct ofp_bundle **pp = &s->bundles;

	while (*pp != NULL && (*pp)->id != id)
		pp = &(*pp)->next;
	return pp;
}

static void
bundle_free(struct ofp_bundle *b)
{
	ofp_buf_free(&b->buf);
	free(b->offs);
	free(b);
}

static void
unlink_free(struct ofp_session *s, struct ofp_bundle **pp)
{
	struct ofp_bundle *b = *pp;

	*pp = b->next;
	s->n_bundles--;
	bundle_free(b);
}

static struct ofp_bundle *
open_bundle(struct ofp_session *s, uint32_t id, uint16_t flags,
	    enum bundle_err *err)
{
	struct ofp_bundle *b;

	if (s->n_bundles >= OFP_BUNDLE_MAX_OPEN) {
		*err = BFC_OUT_OF_BUNDLES;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		*err = BFC_OUT_OF_BUNDLES;
		return NULL;
	}
	b->id = id;
	b->flags = flags;
	b->next = s->bundles;
	s->bundles = b;
	s->n_bundles++;
	return b;
}

void
ofp_bundle_discard_all(struct ofp_session *s)
{
	while (s->bundles != NULL)
		unlink_free(s, &s->bundles);
}

/* The source of ofproto_commit_flow_mods(): message i of the bundle. */
static enum ofperr
bundle_flow_mod(void *arg, size_t i, struct ofp_flow_mod *fm)
{
	const struct ofp_bundle *b = arg;
	const uint8_t *m = b->buf.data + b->offs[i];

	return ofp_flow_mod_decode(m, ofp_rd16(m + 2), fm);
}

static void
commit(struct ofproto *ofp, struct ofp_session *s, struct ofp_bundle **pp,
       const uint8_t *msg, size_t len, struct ofp_buf *out)
{
	struct ofp_bundle *b = *pp;
	size_t failed = 0;
	bool changed = false;
	enum ofperr err;

	if (b->failed) {
		put_bundle_error(out, BFC_MSG_FAILED, msg, len);
		unlink_free(s, pp);
		return;
	}
	err = ofproto_commit_flow_mods(ofp, bundle_flow_mod, b, b->n_msgs,
				       &failed, &changed);
	if (changed)
		s->flows_dirty = true;
	/* Revalidated before any reply, as for a barrier. */
	ofp_session_flush_changes(ofp, s);
	if (err) {
		if (failed < b->n_msgs) {
			const uint8_t *m = b->buf.data + b->offs[failed];

			ofp_msg_put_error(out, OFP13_VERSION, err, m,
					  ofp_rd16(m + 2));
		}
		put_bundle_error(out, BFC_MSG_FAILED, msg, len);
	} else {
		put_ctrl_reply(out, ofp_rd32(msg + 4), b->id, COMMIT_REPLY,
			       b->flags);
	}
	unlink_free(s, pp);
}

static void
handle_control(struct ofproto *ofp, struct ofp_session *s,
	       const uint8_t *msg, size_t len, struct ofp_buf *out)
{
	uint32_t xid = ofp_rd32(msg + 4);
	uint32_t id = ofp_rd32(msg + EXP_HDR_LEN);
	uint16_t type = ofp_rd16(msg + EXP_HDR_LEN + 4);
	uint16_t flags = ofp_rd16(msg + EXP_HDR_LEN + 6);
	struct ofp_bundle **pp = find(s, id);
	enum bundle_err err;

	if (flags & ~(BUNDLE_F_ATOMIC | BUNDLE_F_ORDERED)) {
		put_bundle_error(out, BFC_BAD_FLAGS, msg, len);
		return;
	}
	switch (type) {
	case OPEN_REQUEST:
		if (*pp != NULL) {
			put_bundle_error(out, BFC_BUNDLE_EXIST, msg, len);
			return;
		}
		if (open_bundle(s, id, flags, &err) == NULL) {
			put_bundle_error(out, err, msg, len);
			return;
		}
		put_ctrl_reply(out, xid, id, OPEN_REPLY, flags);
		return;
	case CLOSE_REQUEST:
	case COMMIT_REQUEST:
	case DISCARD_REQUEST:
		break;
	default:
		put_bundle_error(out, BFC_BAD_TYPE, msg, len);
		return;
	}
	if (*pp == NULL) {
		put_bundle_error(out, BFC_BAD_ID, msg, len);
		return;
	}
	if (type == DISCARD_REQUEST) {
		unlink_free(s, pp);
		put_ctrl_reply(out, xid, id, DISCARD_REPLY, flags);
		return;
	}
	if ((*pp)->flags != flags) {
		put_bundle_error(out, BFC_BAD_FLAGS, msg, len);
		return;
	}
	if (type == CLOSE_REQUEST) {
		if ((*pp)->closed) {
			put_bundle_error(out, BFC_BUNDLE_CLOSED, msg, len);
			return;
		}
		(*pp)->closed = true;
		put_ctrl_reply(out, xid, id, CLOSE_REPLY, flags);
		return;
	}
	commit(ofp, s, pp, msg, len, out);
}

/* Stores msg's inner message in b after checking it as FLOW_MOD would. */
static void
add_message(struct ofp_bundle *b, const uint8_t *msg, size_t len,
	    struct ofp_buf *out)
{
	const uint8_t *in = msg + CTRL_LEN;
	size_t in_len, off;
	struct ofp_flow_mod *fm;
	enum ofperr err;

	if (len < CTRL_LEN + OFP_HEADER_LEN ||
	    (in_len = ofp_rd16(in + 2)) < OFP_HEADER_LEN ||
	    in_len > len - CTRL_LEN) {
		b->failed = true;
		put_bundle_error(out, BFC_MSG_BAD_LEN, msg, len);
		return;
	}
	if (ofp_rd32(in + 4) != ofp_rd32(msg + 4)) {
		b->failed = true;
		put_bundle_error(out, BFC_MSG_BAD_XID, msg, len);
		return;
	}
	if (in[0] != OFP13_VERSION || in[1] != OFPT_FLOW_MOD) {
		b->failed = true;
		put_bundle_error(out, BFC_MSG_UNSUP, msg, len);
		return;
	}
	if (b->n_msgs >= OFP_BUNDLE_MAX_MSGS ||
	    b->buf.len + in_len > OFP_BUNDLE_MAX_BYTES) {
		b->failed = true;
		put_bundle_error(out, BFC_MSG_TOO_MANY, msg, len);
		return;
	}
	fm = malloc(sizeof(*fm));
	err = fm == NULL ? OFPERR_FLOW_MOD_TABLE_FULL :
			   ofp_flow_mod_decode(in, in_len, fm);
	free(fm);
	if (err) {
		/* The flow_mod's own error, as without a bundle. */
		b->failed = true;
		ofp_msg_put_error(out, OFP13_VERSION, err, msg, len);
		return;
	}
	if (b->n_msgs == b->offs_cap) {
		size_t cap = b->offs_cap ? b->offs_cap * 2 : 256;
		size_t *o = realloc(b->offs, cap * sizeof(*o));

		if (o == NULL) {
			b->failed = true;
			put_bundle_error(out, BFC_MSG_TOO_MANY, msg, len);
			return;
		}
		b->offs = o;
		b->offs_cap = cap;
	}
	off = b->buf.len;
	ofp_buf_put(&b->buf, in, in_len);
	b->offs[b->n_msgs++] = off;
}

static void
handle_add(struct ofp_session *s, const uint8_t *msg, size_t len,
	   struct ofp_buf *out)
{
	uint32_t id = ofp_rd32(msg + EXP_HDR_LEN);
	uint16_t flags = ofp_rd16(msg + EXP_HDR_LEN + 6);
	struct ofp_bundle *b = *find(s, id);
	enum bundle_err err;

	if (flags & ~(BUNDLE_F_ATOMIC | BUNDLE_F_ORDERED)) {
		put_bundle_error(out, BFC_BAD_FLAGS, msg, len);
		return;
	}
	if (b == NULL) {
		/* An add opens the bundle it names (1.4 section 6.8.2). */
		b = open_bundle(s, id, flags, &err);
		if (b == NULL) {
			put_bundle_error(out, err, msg, len);
			return;
		}
	}
	if (b->closed) {
		put_bundle_error(out, BFC_BUNDLE_CLOSED, msg, len);
		return;
	}
	if (b->flags != flags) {
		b->failed = true;
		put_bundle_error(out, BFC_BAD_FLAGS, msg, len);
		return;
	}
	add_message(b, msg, len, out);
}

void
ofp_bundle_handle(struct ofproto *ofp, struct ofp_session *s,
		  const uint8_t *msg, size_t len, struct ofp_buf *out)
{
	if (len < CTRL_LEN) {
		ofp_msg_put_error(out, OFP13_VERSION,
				  OFPERR_BAD_REQUEST_BAD_LEN, msg, len);
		return;
	}
	if (s->role == OFPCR_ROLE_SLAVE) {
		put_bundle_error(out, BFC_EPERM, msg, len);
		return;
	}
	if (ofp_rd32(msg + 12) == ONF_ET_BUNDLE_CONTROL)
		handle_control(ofp, s, msg, len, out);
	else
		handle_add(s, msg, len, out);
}
