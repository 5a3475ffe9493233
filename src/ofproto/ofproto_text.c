/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text entry points of ofproto.h (config flows:, pmdswitch-ctl):
 * add-flow, del-flows and dump-flows in ovs-ofctl syntax.
 */
#include "ofproto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_flow_text.h"
#include "ofproto_priv.h"


/* Parses text in mode, applies it as a flow_mod (strict: as a strict
 * delete) and notifies the host of changes; what names the operation in
 * errors. */
static int
apply_text(struct ofproto *ofp, const char *text, enum ofp_flow_text_mode mode,
	   bool strict, const char *what, char *err, size_t errlen)
{
	struct ofp_flow_mod fm;
	bool changed;
	int rc = ofp_flow_text_parse(text, mode, &fm, err, errlen);

	if (rc)
		return rc;
	if (strict)
		fm.command = OFPFC_DELETE_STRICT;
	enum ofperr e = ofproto_apply_flow_mod(ofp, &fm, &changed);
	if (changed)
		ofproto_notify_flows_changed(ofp);
	if (e) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s rejected: %s", what,
				 ofperr_name(e));
		return e == OFPERR_FLOW_MOD_TABLE_FULL ? -ENOSPC :
		       e == OFPERR_FLOW_MOD_OVERLAP ? -EEXIST : -EINVAL;
	}
	return 0;
}

int
ofproto_add_flow_str(struct ofproto *ofp, const char *flow, char *err,
		     size_t errlen)
{
	return apply_text(ofp, flow, OFP_FLOW_TEXT_ADD, false, "flow", err,
			  errlen);
}

int
ofproto_del_flows_str(struct ofproto *ofp, const char *match, char *err,
		      size_t errlen)
{
	return apply_text(ofp, match, OFP_FLOW_TEXT_MATCH, false, "delete",
			  err, errlen);
}

int
ofproto_del_flows_strict_str(struct ofproto *ofp, const char *flow, char *err,
			     size_t errlen)
{
	return apply_text(ofp, flow, OFP_FLOW_TEXT_MATCH, true, "delete", err,
			  errlen);
}

void
ofproto_dump_flows(struct ofproto *ofp, bool json, struct strbuf *out)
{
	struct ofp_flow_stats_entry *fs;

	ofproto_host_sync_stats(ofp);
	size_t n = ofproto_collect_flows(ofp, OFPTT_ALL, NULL, &fs);
	if (json)
		strbuf_append(out, "[", 1);
	for (size_t i = 0; i < n; i++) {
		const struct ofp_flow_stats_entry *e = &fs[i];

		if (!json) {
			ofp_flow_text_format_stats(out, e);
			strbuf_append(out, "\n", 1);
			continue;
		}
		struct strbuf m = STRBUF_INIT, a = STRBUF_INIT;
		/* The match without priority: it has its own member. */
		ofp_flow_text_format_match(&m, &e->match, OFP_DEFAULT_PRIORITY);
		ofp_flow_text_format_insts(&a, &e->insts);
		strbuf_printf(out, "%s{\"table\":%u,\"priority\":%u,"
			      "\"cookie\":\"0x%" PRIx64 "\",\"duration\":%u.%03u,"
			      "\"n_packets\":%" PRIu64 ",\"n_bytes\":%" PRIu64
			      ",\"match\":", i ? "," : "", e->table_id,
			      e->priority, e->cookie, e->duration_sec,
			      e->duration_nsec / 1000000, e->n_packets,
			      e->n_bytes);
		strbuf_json_string(out, strbuf_str(&m));
		strbuf_append(out, ",\"actions\":", 11);
		strbuf_json_string(out, strbuf_str(&a));
		strbuf_append(out, "}", 1);
		strbuf_free(&m);
		strbuf_free(&a);
	}
	if (json)
		strbuf_append(out, "]\n", 2);
	free(fs);
}
