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

void
ofp_buf_pad8(struct ofp_buf *b, size_t start)
{
	size_t used = (b->len - start) % 8;

	if (used)
		ofp_buf_put_zeros(b, 8 - used);
}
