/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_FLOW_MSG_H
#define PMDSWITCH_OFP_FLOW_MSG_H

/*
 * Codecs of the flow message family (OpenFlow 1.3): OFPT_FLOW_MOD, the
 * OFPMP_FLOW / OFPMP_AGGREGATE request bodies and the OFPMP_FLOW reply
 * entries. Each has decode (bounds-checked, returns an ofperr), encode
 * (appends to an ofp_buf) and, where useful, format (ovs-ofctl text).
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofp_flow_text.h"
#include "ofp_table.h"
#include "strbuf.h"

/* A whole OFPT_FLOW_MOD message (header included). */
enum ofperr ofp_flow_mod_decode(const void *msg, size_t len,
				struct ofp_flow_mod *fm);
void ofp_flow_mod_encode(const struct ofp_flow_mod *fm, uint32_t xid,
			 struct ofp_buf *b);
/* "ADD priority=10,udp,in_port=1 actions=output:2" (with cookie, table,
 * timeouts, out_port, flags where they are not the defaults). */
void ofp_flow_mod_format(struct strbuf *s, const struct ofp_flow_mod *fm);

/* Body of an OFPMP_FLOW / OFPMP_AGGREGATE request (after the multipart
 * header). */
struct ofp_flow_stats_req {
	uint8_t table_id;	/* 0 or OFPTT_ALL. */
	struct ofp_rule_filter filter;
};

enum ofperr ofp_flow_stats_request_decode(const void *body, size_t len,
					  struct ofp_flow_stats_req *req);
void ofp_flow_stats_request_encode(const struct ofp_flow_stats_req *req,
				   struct ofp_buf *b);

/* One entry of an OFPMP_FLOW reply body. */
void ofp_flow_stats_entry_encode(const struct ofp_flow_stats_entry *fs,
				 struct ofp_buf *b);
enum ofperr ofp_flow_stats_entry_decode(const void *buf, size_t len,
					struct ofp_flow_stats_entry *fs,
					size_t *consumed);

#endif /* PMDSWITCH_OFP_FLOW_MSG_H */
