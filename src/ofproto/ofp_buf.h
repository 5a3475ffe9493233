/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_BUF_H
#define PMDSWITCH_OFP_BUF_H

/*
 * A growable byte buffer for building OpenFlow messages and for the
 * per-connection rx/tx streams. Allocation failure is fatal (abort), like
 * strbuf: this is control-path memory only.
 *
 * Message building works with offsets, not pointers, because the buffer may
 * move when it grows: ofp_buf_msg_start() returns the offset of the new
 * header and ofp_buf_msg_finish() writes the final length into it.
 *
 * Thread safety: none; one owner at a time.
 */

#include <stddef.h>
#include <stdint.h>

struct ofp_buf {
	uint8_t *data;	/* Contents; NULL until the first write. */
	size_t len;	/* Bytes in use. */
	size_t cap;	/* Bytes allocated. */
};

#define OFP_BUF_INIT { NULL, 0, 0 }

/* Appends n zero bytes and returns a pointer to them (valid until the next
 * append). */
void *ofp_buf_put_zeros(struct ofp_buf *b, size_t n);
void ofp_buf_put(struct ofp_buf *b, const void *p, size_t n);
void ofp_buf_put_be16(struct ofp_buf *b, uint16_t host);
void ofp_buf_put_be32(struct ofp_buf *b, uint32_t host);
/* Drops the first n bytes. */
void ofp_buf_pull(struct ofp_buf *b, size_t n);
void ofp_buf_clear(struct ofp_buf *b);
void ofp_buf_free(struct ofp_buf *b);

/* Starts a message: appends a header (and fixed_len - 8 zero bytes) and
 * returns its offset. */
size_t ofp_buf_msg_start(struct ofp_buf *b, uint8_t version, uint8_t type,
			 uint32_t xid, size_t fixed_len);
/* Writes the length of the message that starts at offset start. */
void ofp_buf_msg_finish(struct ofp_buf *b, size_t start);
/* Appends zero bytes until (len - start) is a multiple of 8. */
void ofp_buf_pad8(struct ofp_buf *b, size_t start);

/* A statistics reply (OpenFlow 1.0 STATS_REPLY, 1.3 MULTIPART_REPLY: both
 * have the stats type at byte 8 and the flags at byte 10) split into
 * messages of at most split_len bytes, all flagged "more" but the last. */
struct ofp_buf_split {
	struct ofp_buf *out;
	uint32_t xid;
	uint16_t stats_type;
	uint8_t version;
	uint8_t msg_type;
	size_t hdr_len;		/* Header with the stats header. */
	size_t split_len;
	size_t start;		/* Offset of the current message. */
};

void ofp_buf_split_start(struct ofp_buf_split *r, struct ofp_buf *out,
			 uint8_t version, uint8_t msg_type, size_t hdr_len,
			 size_t split_len, uint32_t xid, uint16_t stats_type);
/* Call before appending an entry of about need bytes. */
void ofp_buf_split_room(struct ofp_buf_split *r, size_t need);
void ofp_buf_split_finish(struct ofp_buf_split *r);
/* Finishes the current message flagged "more": the reply goes on in
 * messages started later by another ofp_buf_split_start(). */
void ofp_buf_split_finish_more(struct ofp_buf_split *r);

#endif /* PMDSWITCH_OFP_BUF_H */
