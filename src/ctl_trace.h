/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CTL_TRACE_H
#define PMDSWITCH_CTL_TRACE_H

/*
 * pmdswitch-ctl trace (ctl_trace.c): the path of a packet through the
 * pipelines and caches, found without side effects. Called by the control
 * socket thread (ctl_server.c).
 */

#include <stdbool.h>

#include "daemon.h"
#include "ofproto/strbuf.h"

#define CTL_TRACE_USAGE \
	"trace BRIDGE FLOW | trace BRIDGE --packet HEX [--in-port PORT] | " \
	"trace BRIDGE --pcap FILE [--in-port PORT] [--all]"

/* argv[0] is the bridge, then the FLOW or the options. Writes the report
 * (text, or one JSON document) to out and returns 0, or -1 with an error
 * message in out. */
int ctl_trace(struct pmdswitch *sw, bool json, int argc,
	      const char *const *argv, struct strbuf *out);

#endif /* PMDSWITCH_CTL_TRACE_H */
