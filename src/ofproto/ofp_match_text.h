/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_MATCH_TEXT_H
#define PMDSWITCH_OFP_MATCH_TEXT_H

/*
 * ovs-ofctl text of the MPLS and IPv6 neighbour-discovery match fields
 * (mpls_label, mpls_tc, mpls_bos, nd_target, nd_sll, nd_tll), used by
 * ofp_flow_text.c.
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stddef.h>
#include <stdint.h>

#include "ofp_match.h"
#include "strbuf.h"

/* Sets field k from text v. 0, -ENOENT (not one of these fields) or
 * -EINVAL with a message in err. Prerequisites are the caller's check. */
int ofp_match_text_parse_extra(const char *k, const char *v,
			       struct ofp_flow_match *m, uint64_t *seen,
			       char *err, size_t errlen);
/* Appends "mpls_label=N," ... for the fields above that m matches. */
void ofp_match_text_format_extra(struct strbuf *s,
				 const struct ofp_flow_match *m);

#endif /* PMDSWITCH_OFP_MATCH_TEXT_H */
