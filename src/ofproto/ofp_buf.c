/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_buf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_wire.h"

void *
ofp_buf_put_zeros(struct ofp_buf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (d == NULL)
			abort();	/* Control-path memory; fatal like strbuf. */
		b->data = d;
		b->cap = cap;
	}
	void *p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

void
ofp_buf_put(struct ofp_buf *b, const void *p, size_t n)
{
	if (n)
		memcpy(ofp_buf_put_zeros(b, n), p, n);
}

void
ofp_buf_put_be16(struct ofp_buf *b, uint16_t host)
{
	uint16_t v = htons(host);

	ofp_buf_put(b, &v, 2);
}

void
ofp_buf_put_be32(struct ofp_buf *b, uint32_t host)
{
	uint32_t v = htonl(host);

	ofp_buf_put(b, &v, 4);
}

void
ofp_buf_pull(struct ofp_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
ofp_buf_clear(struct ofp_buf *b)
{
	b->len = 0;
}

void
ofp_buf_free(struct ofp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

size_t
ofp_buf_msg_start(struct ofp_buf *b, uint8_t version, uint8_t type,
		  uint32_t xid, size_t fixed_len)
{
	size_t start = b->len;
	struct ofp13_header *h = ofp_buf_put_zeros(b, fixed_len);

	h->version = version;
	h->type = type;
	h->xid = htonl(xid);
	h->length = htons((uint16_t)fixed_len);
	return start;
}

void
ofp_buf_msg_finish(struct ofp_buf *b, size_t start)
{
	struct ofp13_header *h = (struct ofp13_header *)(void *)(b->data + start);

	h->length = htons((uint16_t)(b->len - start));
}

/* Type and flags of the stats header, right after the 8-byte header. */
#define SPLIT_TYPE_OFF 8
#define SPLIT_FLAGS_OFF 10
#define SPLIT_REPLY_MORE 0x0001u	/* OFPSF_REPLY_MORE, OFPMPF_REPLY_MORE */

static void
split_begin(struct ofp_buf_split *r)
{
	uint16_t type = htons(r->stats_type);

	r->start = ofp_buf_msg_start(r->out, r->version, r->msg_type, r->xid,
				     r->hdr_len);
	memcpy(r->out->data + r->start + SPLIT_TYPE_OFF, &type, 2);
}

void
ofp_buf_split_start(struct ofp_buf_split *r, struct ofp_buf *out,
		    uint8_t version, uint8_t msg_type, size_t hdr_len,
		    size_t split_len, uint32_t xid, uint16_t stats_type)
{
	r->out = out;
	r->xid = xid;
	r->stats_type = stats_type;
	r->version = version;
	r->msg_type = msg_type;
	r->hdr_len = hdr_len;
	r->split_len = split_len;
	split_begin(r);
}

void
ofp_buf_split_room(struct ofp_buf_split *r, size_t need)
{
	uint16_t more = htons(SPLIT_REPLY_MORE);

	if (r->out->len - r->start + need <= r->split_len)
		return;
	memcpy(r->out->data + r->start + SPLIT_FLAGS_OFF, &more, 2);
	ofp_buf_msg_finish(r->out, r->start);
	split_begin(r);
}

void
ofp_buf_split_finish(struct ofp_buf_split *r)
{
	ofp_buf_msg_finish(r->out, r->start);
}

void
ofp_buf_split_finish_more(struct ofp_buf_split *r)
{
	uint16_t more = htons(SPLIT_REPLY_MORE);

	memcpy(r->out->data + r->start + SPLIT_FLAGS_OFF, &more, 2);
	ofp_buf_msg_finish(r->out, r->start);
}

void
ofp_buf_pad8(struct ofp_buf *b, size_t start)
{
	size_t used = (b->len - start) % 8;

	if (used)
		ofp_buf_put_zeros(b, 8 - used);
}
