/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CTL_REQUEST_H
#define PMDSWITCH_CTL_REQUEST_H

/*
 * The control socket's request format, shared by the server (ctl_socket.c,
 * ctl_server.c) and checked by its unit and fuzz tests.
 *
 * A request is a sequence of NUL-terminated strings: "json" or "text", the
 * command, its arguments (at most CTL_MAX_ARGS), then one empty string, so
 * a complete request ends with two NUL bytes. The reply is one status byte,
 * '0' success or '1' error, then the body; the server then closes.
 *
 * Plain C, no DPDK, no state: safe from any thread.
 */

#include <stdbool.h>
#include <stddef.h>

#define CTL_MAX_ARGS 16

struct ctl_request {
	bool json;		/* "json" asked for one JSON document. */
	int argc;		/* Arguments after the command. */
	const char *cmd;	/* Points into the parsed buffer. */
	const char *argv[CTL_MAX_ARGS];
};

/* Whether buf[0..len) holds a whole request (ends with "\0\0"). */
bool ctl_request_complete(const char *buf, size_t len);

/* Split the complete request in buf[0..len) into req, whose strings point
 * into buf. Returns 0, or -EINVAL when it is not well formed (no command,
 * an unterminated string, more than CTL_MAX_ARGS arguments, a format
 * other than "json" or "text"). Bytes after the first empty string are
 * ignored. */
int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req);

#endif /* PMDSWITCH_CTL_REQUEST_H */
