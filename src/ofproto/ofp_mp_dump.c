/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multipart replies built chunk by chunk: see ofp_mp_dump.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_buf.h"
#include "ofp_mp_dump.h"
#include "ofp_msg.h"
#include "ofproto_priv.h"

struct ofp_mp_dump {
	struct ofp_buf_split proto;	/* Framing; out is set per chunk. */
	/* Flow stats: the model's cursor and the entry encoder. */
	struct ofproto_flow_dump cursor;
	ofp_mp_dump_put *put;
	/* Others: an index and its generator (NULL for flow stats). */
	ofp_mp_dump_next *next;
	uint32_t index;
};

struct chunk {
	struct ofp_buf_split r;
	ofp_mp_dump_put *put;
	size_t limit;		/* Stop once out->len reaches it. */
};

static bool
chunk_put(const struct ofp_flow_stats_entry *e, void *arg)
{
	struct chunk *c = arg;

	c->put(e, &c->r);
	return c->r.out->len < c->limit;
}

/* Appends one chunk of d into out; frees d when the dump has ended. Each
 * chunk is whole messages (the buffer may be compacted in between). */
static bool
dump_chunk(struct ofproto *ofp, struct ofp_mp_dump *d, struct ofp_buf *out)
{
	const struct ofp_buf_split *p = &d->proto;
	struct chunk c = { .put = d->put, .limit = out->len +
					   OFP_MP_DUMP_CHUNK };

	ofp_buf_split_start(&c.r, out, p->version, p->msg_type, p->hdr_len,
			    p->split_len, p->xid, p->stats_type);
	bool done = d->next != NULL ?
		    d->next(ofp, &d->index, &c.r, c.limit) :
		    ofproto_flow_dump_next(ofp, &d->cursor, chunk_put, &c);
	if (done)
		ofp_buf_split_finish(&c.r);
	else
		ofp_buf_split_finish_more(&c.r);
	return done;
}

static void
dump_free(struct ofp_mp_dump *d)
{
	ofproto_flow_dump_free(&d->cursor);
	free(d);
}

enum ofperr
ofp_mp_dump_flows(struct ofproto *ofp, struct ofp_session *s,
		  const struct ofp_buf_split *proto, uint8_t table_id,
		  const struct ofp_rule_filter *filter, ofp_mp_dump_put *put,
		  struct ofp_buf *out)
{
	struct ofp_mp_dump *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return OFPERR_BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW;
	if (ofproto_flow_dump_start(ofp, table_id, filter, &d->cursor) < 0) {
		free(d);
		return OFPERR_BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW;
	}
	d->proto = *proto;
	d->proto.out = NULL;
	d->put = put;
	ofp_mp_dump_cancel(s);	/* One at a time: none can be pending. */
	if (dump_chunk(ofp, d, out))
		dump_free(d);
	else
		s->mp_dump = d;
	return OFPERR_OK;
}

void
ofp_mp_dump_indexed(struct ofproto *ofp, struct ofp_session *s,
		    const struct ofp_buf_split *proto, ofp_mp_dump_next *next,
		    struct ofp_buf *out)
{
	struct ofp_mp_dump *d = calloc(1, sizeof(*d));

	if (d == NULL)
		abort();	/* Control-path memory, like ofp_buf. */
	d->proto = *proto;
	d->proto.out = NULL;
	d->next = next;
	ofp_mp_dump_cancel(s);
	if (dump_chunk(ofp, d, out))
		dump_free(d);
	else
		s->mp_dump = d;
}

bool
ofp_mp_dump_ports(struct ofproto *ofp, uint32_t *index,
		  struct ofp_buf_split *r, size_t limit,
		  ofp_mp_dump_port_put *put)
{
	struct ofproto_port batch[16];

	for (;;) {
		size_t n = ofproto_ports_from(ofp, *index, batch,
					      sizeof(batch) / sizeof(batch[0]));

		if (n == 0)
			return true;
		for (size_t i = 0; i < n; i++) {
			if (r->out->len >= limit)
				return false;
			put(ofp, &batch[i], r);
			if (batch[i].ofport == UINT32_MAX)
				return true;
			*index = batch[i].ofport + 1;
		}
	}
}

bool
ofp_mp_dump_pending(const struct ofp_session *s)
{
	return s->mp_dump != NULL;
}

void
ofp_mp_dump_continue(struct ofproto *ofp, struct ofp_session *s,
		     struct ofp_buf *out)
{
	if (s->mp_dump != NULL && dump_chunk(ofp, s->mp_dump, out))
		ofp_mp_dump_cancel(s);
}

void
ofp_mp_dump_cancel(struct ofp_session *s)
{
	if (s->mp_dump != NULL)
		dump_free(s->mp_dump);
	s->mp_dump = NULL;
}
