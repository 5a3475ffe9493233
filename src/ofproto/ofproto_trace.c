/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trace helpers (see ofproto_trace.h): flow text to a packet key, the
 * step list. The pipeline itself (ofp_pipeline.c) writes the steps.
 */
#include "ofproto_trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ofp_flow_text.h"
#include "ofp_group.h"

int
ofproto_trace_parse_flow(const char *text, struct flow_key *key,
			 struct flow_key *mask, char *err, size_t errlen)
{
	struct ofp_flow_mod fm;
	int rc;

	memset(&fm, 0, sizeof(fm));
	rc = ofp_flow_text_parse(text, OFP_FLOW_TEXT_MATCH, &fm, err, errlen);
	if (rc < 0)
		return rc;
	if (fm.match.mask.in_port == 0) {
		snprintf(err, errlen, "a trace needs the packet's input port "
			 "(in_port=N)");
		return -EINVAL;
	}
	if (fm.match.mask.metadata != 0 || fm.match.mask.tunnel_id != 0) {
		snprintf(err, errlen, "metadata and tun_id are not packet "
			 "fields: a packet enters table 0 with both 0");
		return -EINVAL;
	}
	*key = fm.match.key;
	*mask = fm.match.mask;
	return 0;
}

const char *
ofproto_trace_group_type(uint8_t type)
{
	switch (type) {
	case OFPGT_ALL:
		return "all";
	case OFPGT_SELECT:
		return "select";
	case OFPGT_INDIRECT:
		return "indirect";
	case OFPGT_FF:
		return "fast_failover";
	default:
		return "unknown";
	}
}

struct ofproto_trace_step *
ofproto_trace_add(struct ofproto_trace *tr, enum ofproto_trace_kind kind,
		  const char *bridge)
{
	struct ofproto_trace_step *s;

	if (tr == NULL)
		return NULL;
	if (tr->n_steps >= OFPROTO_TRACE_MAX_STEPS) {
		tr->truncated = true;
		return NULL;
	}
	s = &tr->steps[tr->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->bridge, sizeof(s->bridge), "%s", bridge);
	return s;
}
