/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_CONN_H
#define PMDSWITCH_OFP_CONN_H

/*
 * The OpenFlow connection manager of one ofproto: passive listeners
 * ("ptcp:PORT[:IP]", "pssl:PORT[:IP]"), active controllers
 * ("tcp:HOST[:PORT]", "ssl:HOST[:PORT]"), the connections, and the control
 * thread that serves them all with one poll() loop.
 *
 * Active controllers: a non-blocking connect (and TLS handshake), then
 * HELLO. A failed attempt or a lost connection is retried after a backoff
 * that starts at 1 s and doubles up to 8 s; it goes back to 1 s once a
 * connection is established. State changes are logged once (connected,
 * disconnected, first failure), not per retry. Every established
 * connection is probed: after probe_ms without receiving anything an echo
 * request is sent; with no answer within 2 * probe_ms the connection is
 * closed (and, for a controller, reconnected).
 *
 * Per connection: an rx buffer framed by the OpenFlow header length (a
 * length below 8 gets BAD_REQUEST/BAD_LEN and a close: the stream cannot be
 * re-synced), and a tx queue. Backpressure: once a connection's tx
 * backlog reaches its cap (1 MiB by default, ofp_conn_mgr_set_backlog()),
 * the manager handles no more of its messages (they wait in rx) and stops
 * reading it until the backlog drains below the cap, so that a peer that
 * pipelines requests without reading the replies makes us queue at most
 * the cap plus one reply. Packet-ins for it are dropped meanwhile, other
 * async messages past 4 times the cap. A connection whose backlog stays
 * over the cap with nothing sent for 10 s, or for 60 s in all, is closed
 * as a slow reader (a rate-limited log line, counted). Sent bytes are
 * skipped with an offset and compacted rarely: a slow reader costs linear
 * copying.
 *
 * Connection slots: listeners have a kernel backlog of 1024 (a burst of
 * connects waits there rather than in SYN retries); a listener accepts at
 * most 64 connections and all
 * listeners together 256 (ofp_conn_mgr_set_accept_limits()); more are
 * accepted and closed at once, with a rate-limited log line, and counted.
 * Active controllers (at most 16) never compete for those slots. When
 * accept4 fails for want of descriptors or memory (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM) the connection stays queued in the kernel: the
 * listeners are then not polled for 1 s at a time (no busy loop), logged
 * once until an accept succeeds again, and counted.
 *
 * Async messages (packet-in, port status, flow removed) are posted by any
 * thread into one bounded queue (1024 packet-ins, 65536 messages, 16 MiB)
 * and fanned out by the control thread to every session that wants them,
 * encoded for its version. Packet-ins are rate-limited per connection by a
 * token bucket (default 1000/s, burst 100). Every drop is counted
 * (ofp_conn_mgr_stats()). Queued async messages are delivered between two
 * received messages too, so that a FLOW_REMOVED caused by a delete goes
 * out before the reply to a following BARRIER.
 *
 * Thread safety: listeners, controllers, TLS files and settings may be
 * added from any thread (mgr->lock); async messages are queued from any
 * thread (mgr->lock, then an eventfd wakes the control thread);
 * connections themselves are touched only by the control thread.
 */

#include <stddef.h>
#include <stdint.h>

struct ofproto;
struct ofp_conn_mgr;
struct ofp_async;
struct ofproto_stats;

struct ofp_conn_mgr *ofp_conn_mgr_create(struct ofproto *ofp);
/* Stops the control thread and closes every socket. */
void ofp_conn_mgr_destroy(struct ofp_conn_mgr *mgr);

int ofp_conn_mgr_add_listener(struct ofp_conn_mgr *mgr, const char *target,
			      char *err, size_t errlen);
int ofp_conn_mgr_add_controller(struct ofp_conn_mgr *mgr, const char *target,
				char *err, size_t errlen);
int ofp_conn_mgr_set_ssl(struct ofp_conn_mgr *mgr, const char *key,
			 const char *cert, const char *ca, char *err,
			 size_t errlen);
void ofp_conn_mgr_set_pin_rate(struct ofp_conn_mgr *mgr, uint32_t rate,
			       uint32_t burst);
void ofp_conn_mgr_set_probe(struct ofp_conn_mgr *mgr, uint32_t ms);
/* Per-connection tx backlog cap in bytes (0: the default, 1 MiB). */
void ofp_conn_mgr_set_backlog(struct ofp_conn_mgr *mgr, size_t bytes);
/* Caps of accepted connections: per listener (0: default 64) and in all
 * (0: default 256); at most OFP_CONN_MAX_ACCEPTED. Active controllers
 * have slots of their own. */
#define OFP_CONN_MAX_ACCEPTED 4096
void ofp_conn_mgr_set_accept_limits(struct ofp_conn_mgr *mgr,
				    size_t per_listener, size_t total);
int ofp_conn_mgr_start(struct ofp_conn_mgr *mgr);
/* Closes a listener by its target string; established connections stay.
 * 0 or -ENOENT. */
int ofp_conn_mgr_del_listener(struct ofp_conn_mgr *mgr, const char *target);
int ofp_conn_mgr_listener_port(struct ofp_conn_mgr *mgr, size_t index);
size_t ofp_conn_mgr_count(struct ofp_conn_mgr *mgr);
void ofp_conn_mgr_stats(struct ofp_conn_mgr *mgr, struct ofproto_stats *st);
struct ofproto_controller_state;
size_t ofp_conn_mgr_controller_states(struct ofp_conn_mgr *mgr,
				      struct ofproto_controller_state *out,
				      size_t max);

/* Queues an async message (takes ownership; freed when dropped). */
void ofp_conn_mgr_post(struct ofp_conn_mgr *mgr, struct ofp_async *a);

/* Tests and fuzzing: feeds data as if a peer sent it on a fresh plain
 * connection, chunk bytes per read (0: all at once), through the same
 * framing and dispatch as the control thread (our HELLO first, replies
 * bounded by the backlog cap); the replies are taken away as a fast peer
 * would and their bytes added to *replied (may be NULL); then the
 * connection is closed. Only for a manager whose thread never started.
 * 0, or -ENOMEM. */
int ofp_conn_mgr_feed(struct ofp_conn_mgr *mgr, const uint8_t *data,
		      size_t len, size_t chunk, size_t *replied);

#endif /* PMDSWITCH_OFP_CONN_H */
