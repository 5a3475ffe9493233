/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_MP_DUMP_H
#define PMDSWITCH_OFP_MP_DUMP_H

/*
 * Multipart replies whose size a peer or the configuration controls,
 * generated chunk by chunk so that one request does not queue its whole
 * reply at once: flow stats (OpenFlow 1.3 OFPMP_FLOW, 1.0 OFPST_FLOW),
 * table features (~255 KB), group desc and group stats, meter config and
 * meter stats, port desc and port stats (1.3 and 1.0).
 *
 * The request takes a cursor on the model (ofproto_flow_dump: the ids of
 * the selected rules, 8 bytes a rule) and appends a first chunk of about
 * OFP_MP_DUMP_CHUNK bytes of replies; when rules remain, the cursor stays
 * in the session (s->mp_dump) with every message so far flagged "more".
 * The connection then calls ofp_mp_dump_continue() whenever its tx backlog
 * is below its cap, and handles no other message of that peer until the
 * dump has ended (ofp_mp_dump_pending()), so that replies keep their
 * order (a barrier after a dump is answered after all of it). The model's
 * mutex is held only while one chunk is built; rules deleted between
 * chunks are skipped, rules added are not included, none is repeated.
 *
 * Thread safety: a session is used by one thread at a time (its
 * connection's); the model locks itself.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_err.h"

struct ofproto;
struct ofp_session;
struct ofp_buf;
struct ofp_buf_split;
struct ofp_rule_filter;
struct ofp_flow_stats_entry;
struct ofproto_port;

/* Bytes of replies appended per chunk (one more entry may pass it). */
#define OFP_MP_DUMP_CHUNK (64 * 1024)

/* Encodes one entry into the split reply (the version's own encoder). */
typedef void ofp_mp_dump_put(const struct ofp_flow_stats_entry *e,
			     void *split);

/* Starts a flow stats reply for xid in the framing of *proto (version,
 * message type, header length, split length, stats type: out and xid are
 * taken from the call) and appends its first chunk. OFPERR_OK, or an
 * error when the cursor cannot be allocated (nothing appended). */
enum ofperr ofp_mp_dump_flows(struct ofproto *ofp, struct ofp_session *s,
			      const struct ofp_buf_split *proto,
			      uint8_t table_id,
			      const struct ofp_rule_filter *filter,
			      ofp_mp_dump_put *put, struct ofp_buf *out);
/* Appends entries from *index on (and advances it) until out->len
 * reaches limit (one entry may pass it) or none is left: true then. */
typedef bool ofp_mp_dump_next(struct ofproto *ofp, uint32_t *index,
			      struct ofp_buf_split *r, size_t limit);
/* Another reply by chunks, from index 0 (table features: a table id;
 * groups, meters, ports: the next id or number); as ofp_mp_dump_flows(). */
void ofp_mp_dump_indexed(struct ofproto *ofp, struct ofp_session *s,
			 const struct ofp_buf_split *proto,
			 ofp_mp_dump_next *next, struct ofp_buf *out);
/* Puts one port's entry (port desc, port stats) into r. */
typedef void ofp_mp_dump_port_put(struct ofproto *ofp,
				  const struct ofproto_port *port,
				  struct ofp_buf_split *r);
/* An ofp_mp_dump_next over the ports, by number: *index is the next port
 * number; the ports are copied a few at a time, put() runs without the
 * model's mutex. */
bool ofp_mp_dump_ports(struct ofproto *ofp, uint32_t *index,
		       struct ofp_buf_split *r, size_t limit,
		       ofp_mp_dump_port_put *put);
/* True while a dump of s has chunks left. */
bool ofp_mp_dump_pending(const struct ofp_session *s);
/* Appends the next chunk of s's dump (nothing when none is pending). */
void ofp_mp_dump_continue(struct ofproto *ofp, struct ofp_session *s,
			  struct ofp_buf *out);
/* Drops s's dump (the connection closes). */
void ofp_mp_dump_cancel(struct ofp_session *s);

#endif /* PMDSWITCH_OFP_MP_DUMP_H */
