/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_CONN_H
#define PMDSWITCH_OFP_CONN_H

/*
 * The OpenFlow connection manager of one ofproto: passive TCP listeners
 * ("ptcp:PORT[:IP]"), the connections they accept, and the control thread
 * that serves them with one poll() loop.
 *
 * Per connection: a non-blocking socket, an rx buffer framed by the
 * OpenFlow header length (a length below 8 gets BAD_REQUEST/BAD_LEN and a
 * close: the stream cannot be re-synced), and a tx queue. Backpressure:
 * the manager stops reading a connection whose tx backlog reaches 1 MiB,
 * drops packet-ins for it, and closes it (with a log line) when more than
 * 4 MiB stay unsent for 10 seconds. The backlog is therefore bounded by
 * 1 MiB plus the replies to one batch of requests.
 *
 * Thread safety: listeners may be added from any thread (mgr->lock);
 * packet-ins are queued from any thread (bounded queue under mgr->lock,
 * then an eventfd wakes the control thread); connections themselves are
 * touched only by the control thread.
 */

#include <stddef.h>
#include <stdint.h>

struct ofproto;
struct ofp_conn_mgr;

struct ofp_conn_mgr *ofp_conn_mgr_create(struct ofproto *ofp);
/* Stops the control thread and closes every socket. */
void ofp_conn_mgr_destroy(struct ofp_conn_mgr *mgr);

int ofp_conn_mgr_add_listener(struct ofp_conn_mgr *mgr, const char *target,
			      char *err, size_t errlen);
int ofp_conn_mgr_start(struct ofp_conn_mgr *mgr);
int ofp_conn_mgr_listener_port(struct ofp_conn_mgr *mgr, size_t index);
size_t ofp_conn_mgr_count(struct ofp_conn_mgr *mgr);

/* Queues one complete message for every established connection. */
void ofp_conn_mgr_broadcast(struct ofp_conn_mgr *mgr, const void *msg,
			    size_t len);

#endif /* PMDSWITCH_OFP_CONN_H */
