/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CTL_SOCKET_H
#define PMDSWITCH_CTL_SOCKET_H

/*
 * The control socket's transport: a Unix stream socket served by one thread
 * that multiplexes its clients with poll(), so that no client can hold up
 * another (or the config thread, which runs reloads and link polling on its
 * own, see ctl_server.c).
 *
 * Each client is a small state machine: READ (non-blocking, the request
 * grows up to max_request bytes) -> the handler runs -> WRITE (the reply
 * leaves as the socket takes it) -> closed. A client has request_ms from
 * accept to send a whole request and reply_ms to take the whole reply;
 * past either it is closed (with a "1..." error when it still can take
 * one). At most max_clients are served at once; one more is answered
 * "too many control clients" and closed. accept() failing for lack of
 * descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) is logged once
 * and the listener is left out of the poll set for a back-off that
 * doubles from 50 ms up to 1 s, so a full descriptor table costs no CPU.
 *
 * Access: the socket file is made mode 0660, owner root (when the daemon
 * runs as root), group `group` when that group exists (else the daemon's
 * group). Each client's SO_PEERCRED / SO_PEERGROUPS are checked: uid 0,
 * the daemon's own uid, or a member of `group` is served; anyone else gets
 * "1permission denied ..." and is closed. A path that exists and is not a
 * socket is never removed: opening fails with -EEXIST and says so.
 *
 * Thread safety: ctl_socket_open/close run on one thread (the daemon's
 * main thread); the handler runs on the socket thread, one request at a
 * time. ctl_socket_stats() may be called from any thread (relaxed atomic
 * loads of counters only the socket thread writes).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_request.h"
#include "ofproto/strbuf.h"

#define CTL_SOCKET_GROUP "pmdswitch"
#define CTL_SOCKET_MAX_CLIENTS 32
#define CTL_SOCKET_MAX_REQUEST 65536
#define CTL_SOCKET_REQUEST_MS 5000
#define CTL_SOCKET_REPLY_MS 30000

/* Runs one request: writes the reply body into out, returns 0 or -1 (an
 * error, with its message in out). On the socket thread. */
typedef int ctl_socket_handler(void *arg, const struct ctl_request *req,
			       struct strbuf *out);

/* Log lines of the socket thread: level 0 error, 1 warning, 2 notice,
 * 3 debug. */
typedef void ctl_socket_logger(int level, const char *msg);

struct ctl_socket_config {
	const char *path;
	const char *group;	/* NULL: CTL_SOCKET_GROUP. */
	unsigned max_clients;	/* 0: CTL_SOCKET_MAX_CLIENTS. */
	size_t max_request;	/* 0: CTL_SOCKET_MAX_REQUEST. */
	unsigned request_ms;	/* 0: CTL_SOCKET_REQUEST_MS. */
	unsigned reply_ms;	/* 0: CTL_SOCKET_REPLY_MS. */
	ctl_socket_handler *handler;
	void *handler_arg;
	ctl_socket_logger *log;	/* NULL: stderr. */
};

/* Why clients were closed or refused, and the loop's wake-ups. */
struct ctl_socket_stats {
	uint64_t accepted;	/* Connections taken. */
	uint64_t served;	/* Replies fully written. */
	uint64_t refused_access;	/* Not root, not in the group. */
	uint64_t refused_busy;	/* Over max_clients. */
	uint64_t timeouts;	/* Past request_ms or reply_ms. */
	uint64_t too_large;	/* Request over max_request. */
	uint64_t malformed;	/* Not a well-formed request. */
	uint64_t hangups;	/* Closed before the reply was out. */
	uint64_t accept_errors;	/* accept() failures (EMFILE...). */
	uint64_t wakeups;	/* poll() returns: no spin when idle. */
};

struct ctl_socket;

/* Create the socket file (see above), listen and start the thread.
 * Returns the server, or NULL with errno set and a message in err. */
struct ctl_socket *ctl_socket_open(const struct ctl_socket_config *cfg,
				   char *err, size_t errlen);

/* Stop the thread, close every client and remove the socket file (only if
 * it is still the socket this server created). NULL is allowed. */
void ctl_socket_close(struct ctl_socket *cs);

void ctl_socket_stats(const struct ctl_socket *cs,
		      struct ctl_socket_stats *st);

/* Clients open right now. */
unsigned ctl_socket_clients(const struct ctl_socket *cs);

#endif /* PMDSWITCH_CTL_SOCKET_H */
