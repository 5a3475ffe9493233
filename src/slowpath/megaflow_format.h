/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_MEGAFLOW_FORMAT_H
#define PMDSWITCH_MEGAFLOW_FORMAT_H

/*
 * Text form of megaflows for dump-megaflows: the masked fields as
 * "name=value[/mask]" (a field whose mask is all ones has no "/mask"), and
 * the datapath actions with ports shown as ofports.
 * Thread safety: pure functions.
 */

#include "dataplane/dp_actions.h"
#include "dataplane/flow_key.h"
#include "dataplane/pmd.h"
#include "ofproto/strbuf.h"

void megaflow_format_match(struct strbuf *out, const struct flow_key *key,
			   const struct flow_key *mask);
void megaflow_format_actions(struct strbuf *out,
			     const struct dp_actions *actions,
			     const struct pmd_port_table *ports);

#endif /* PMDSWITCH_MEGAFLOW_FORMAT_H */
