/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_flow_msg.h"

#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "ofp_wire.h"

enum ofperr
ofp_flow_mod_decode(const void *msg, size_t len, struct ofp_flow_mod *fm)
{
	const struct ofp13_flow_mod *w = msg;
	const uint8_t *p = msg;
	size_t mlen;
	enum ofperr err;

	if (len < sizeof(*w) + 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memset(fm, 0, sizeof(*fm));
	fm->cookie = be64toh(w->cookie);
	fm->cookie_mask = be64toh(w->cookie_mask);
	fm->table_id = w->table_id;
	fm->command = w->command;
	fm->idle_timeout = ntohs(w->idle_timeout);
	fm->hard_timeout = ntohs(w->hard_timeout);
	fm->priority = ntohs(w->priority);
	fm->buffer_id = ntohl(w->buffer_id);
	fm->out_port = ntohl(w->out_port);
	fm->out_group = ntohl(w->out_group);
	fm->flags = ntohs(w->flags);
	err = ofp_match_decode(p + sizeof(*w), len - sizeof(*w), &fm->match,
			       &mlen);
	if (err)
		return err;
	return ofp_insts_decode(p + sizeof(*w) + mlen,
				len - sizeof(*w) - mlen, &fm->insts);
}

void
ofp_flow_mod_encode(const struct ofp_flow_mod *fm, uint32_t xid,
		    struct ofp_buf *b)
{
	size_t start = ofp_buf_msg_start(b, OFP13_VERSION, OFPT_FLOW_MOD, xid,
					 sizeof(struct ofp13_flow_mod));
	struct ofp13_flow_mod *w = (void *)(b->data + start);

	w->cookie = htobe64(fm->cookie);
	w->cookie_mask = htobe64(fm->cookie_mask);
	w->table_id = fm->table_id;
	w->command = fm->command;
	w->idle_timeout = htons(fm->idle_timeout);
	w->hard_timeout = htons(fm->hard_timeout);
	w->priority = htons(fm->priority);
	w->buffer_id = htonl(fm->buffer_id);
	w->out_port = htonl(fm->out_port);
	w->out_group = htonl(fm->out_group);
	w->flags = htons(fm->flags);
	ofp_match_encode(&fm->match, b);
	ofp_insts_encode(&fm->insts, b);
	ofp_buf_msg_finish(b, start);
}

void
ofp_flow_mod_format(struct strbuf *s, const struct ofp_flow_mod *fm)
{
	static const char *const cmds[] = {
		"ADD", "MOD", "MOD_STRICT", "DEL", "DEL_STRICT",
	};
	bool del = fm->command == OFPFC_DELETE ||
		   fm->command == OFPFC_DELETE_STRICT;

	if (fm->command < sizeof(cmds) / sizeof(cmds[0]))
		strbuf_printf(s, "%s", cmds[fm->command]);
	else
		strbuf_printf(s, "cmd:%u", fm->command);
	if (fm->table_id != 0 && !(del && fm->table_id == OFPTT_ALL))
		strbuf_printf(s, " table:%u", fm->table_id);
	strbuf_append(s, " ", 1);
	size_t mstart = s->len;
	ofp_flow_text_format_match(s, &fm->match, fm->priority);
	if (s->len > mstart)
		strbuf_append(s, " ", 1);
	if (fm->cookie_mask)
		strbuf_printf(s, "cookie:0x%" PRIx64 "/0x%" PRIx64 " ",
			      fm->cookie, fm->cookie_mask);
	if (fm->cookie && !del)
		strbuf_printf(s, "cookie:0x%" PRIx64 " ", fm->cookie);
	if (fm->idle_timeout)
		strbuf_printf(s, "idle:%u ", fm->idle_timeout);
	if (fm->hard_timeout)
		strbuf_printf(s, "hard:%u ", fm->hard_timeout);
	if (fm->out_port != OFPP13_ANY) {
		strbuf_printf(s, "out_port:");
		ofp_flow_text_format_port(s, fm->out_port);
		strbuf_append(s, " ", 1);
	}
	if (fm->flags & OFPFF_SEND_FLOW_REM)
		strbuf_printf(s, "send_flow_rem ");
	if (fm->flags & OFPFF_CHECK_OVERLAP)
		strbuf_printf(s, "check_overlap ");
	if (fm->flags & OFPFF_RESET_COUNTS)
		strbuf_printf(s, "reset_counts ");
	strbuf_printf(s, "actions=");
	ofp_flow_text_format_insts(s, &fm->insts);
}

enum ofperr
ofp_flow_stats_request_decode(const void *body, size_t len,
			      struct ofp_flow_stats_req *req)
{
	const uint8_t *p = body;
	uint32_t v32;
	uint64_t v64;
	size_t mlen;

	if (len < 32 + 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memset(req, 0, sizeof(*req));
	req->table_id = p[0];
	memcpy(&v32, p + 4, 4);
	req->filter.out_port = ntohl(v32);
	memcpy(&v32, p + 8, 4);
	req->filter.out_group = ntohl(v32);
	memcpy(&v64, p + 16, 8);
	req->filter.cookie = be64toh(v64);
	memcpy(&v64, p + 24, 8);
	req->filter.cookie_mask = be64toh(v64);
	req->filter.strict = false;
	enum ofperr err = ofp_match_decode(p + 32, len - 32,
					   &req->filter.match, &mlen);
	if (err)
		return err;
	if (32 + mlen != len)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	return OFPERR_OK;
}

void
ofp_flow_stats_request_encode(const struct ofp_flow_stats_req *req,
			      struct ofp_buf *b)
{
	uint8_t *p = ofp_buf_put_zeros(b, 32);
	uint32_t v32;
	uint64_t v64;

	p[0] = req->table_id;
	v32 = htonl(req->filter.out_port);
	memcpy(p + 4, &v32, 4);
	v32 = htonl(req->filter.out_group);
	memcpy(p + 8, &v32, 4);
	v64 = htobe64(req->filter.cookie);
	memcpy(p + 16, &v64, 8);
	v64 = htobe64(req->filter.cookie_mask);
	memcpy(p + 24, &v64, 8);
	ofp_match_encode(&req->filter.match, b);
}

void
ofp_flow_stats_entry_encode(const struct ofp_flow_stats_entry *fs,
			    struct ofp_buf *b)
{
	size_t start = b->len;
	struct ofp13_flow_stats *w = ofp_buf_put_zeros(b, sizeof(*w));

	w->table_id = fs->table_id;
	w->duration_sec = htonl(fs->duration_sec);
	w->duration_nsec = htonl(fs->duration_nsec);
	w->priority = htons(fs->priority);
	w->idle_timeout = htons(fs->idle_timeout);
	w->hard_timeout = htons(fs->hard_timeout);
	w->flags = htons(fs->flags);
	w->cookie = htobe64(fs->cookie);
	w->packet_count = htobe64(fs->n_packets);
	w->byte_count = htobe64(fs->n_bytes);
	ofp_match_encode(&fs->match, b);
	ofp_insts_encode(&fs->insts, b);
	uint16_t len = htons((uint16_t)(b->len - start));
	memcpy(b->data + start, &len, 2);
}

enum ofperr
ofp_flow_stats_entry_decode(const void *buf, size_t len,
			    struct ofp_flow_stats_entry *fs, size_t *consumed)
{
	const struct ofp13_flow_stats *w = buf;
	const uint8_t *p = buf;
	size_t mlen;

	if (len < sizeof(*w) + 8)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	size_t elen = ntohs(w->length);
	if (elen < sizeof(*w) + 8 || elen > len)
		return OFPERR_BAD_REQUEST_BAD_LEN;
	memset(fs, 0, sizeof(*fs));
	fs->table_id = w->table_id;
	fs->duration_sec = ntohl(w->duration_sec);
	fs->duration_nsec = ntohl(w->duration_nsec);
	fs->priority = ntohs(w->priority);
	fs->idle_timeout = ntohs(w->idle_timeout);
	fs->hard_timeout = ntohs(w->hard_timeout);
	fs->flags = ntohs(w->flags);
	fs->cookie = be64toh(w->cookie);
	fs->n_packets = be64toh(w->packet_count);
	fs->n_bytes = be64toh(w->byte_count);
	enum ofperr err = ofp_match_decode(p + sizeof(*w), elen - sizeof(*w),
					   &fs->match, &mlen);
	if (err)
		return err;
	err = ofp_insts_decode(p + sizeof(*w) + mlen,
			       elen - sizeof(*w) - mlen, &fs->insts);
	if (err)
		return err;
	*consumed = elen;
	return OFPERR_OK;
}
