/* SPDX-License-Identifier: BSD-3-Clause */
/* ovs-ofctl text of the match fields ofp_flow_text.c leaves to others:
 * mpls_label, mpls_tc, mpls_bos, nd_target, nd_sll, nd_tll, nw_frag. */
#include "ofp_match_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_text_num.h"
#include "ofp_wire.h"

int
ofp_match_text_parse_extra(const char *k, const char *v,
			   struct ofp_flow_match *m, uint64_t *seen,
			   char *err, size_t errlen)
{
	uint8_t buf[16];
	uint64_t x = 0;
	unsigned int field;
	bool ok;

	if (!strcmp(k, "mpls_label") || !strcmp(k, "mpls_tc") ||
	    !strcmp(k, "mpls_bos")) {
		bool label = !strcmp(k, "mpls_label");
		field = label ? OFPXMT_OFB_MPLS_LABEL :
			!strcmp(k, "mpls_tc") ? OFPXMT_OFB_MPLS_TC :
			OFPXMT_OFB_MPLS_BOS;
		ok = v != NULL && ofp_text_parse_u64(v, label ? 0xfffff :
					    field == OFPXMT_OFB_MPLS_TC ? 7 : 1,
					    &x);
		if (ok && label) {
			uint32_t be = htonl((uint32_t)x);
			memcpy(buf, &be, 4);
		} else {
			buf[0] = (uint8_t)x;
		}
	} else if (!strcmp(k, "nw_frag")) {
		/* ovs-ofctl's names: value/mask of FLOW_NW_FRAG_ANY (1) and
		 * FLOW_NW_FRAG_LATER (2). */
		static const struct {
			const char *name;
			uint8_t value, mask;
		} frags[] = {
			{ "no", 0, 1 }, { "yes", 1, 1 }, { "first", 1, 3 },
			{ "later", 3, 3 }, { "not_later", 0, 2 },
		};
		uint8_t mask = 0;

		field = OFP_FIELD_IP_FRAG;
		ok = false;
		for (size_t i = 0; v != NULL && i < sizeof(frags) /
						     sizeof(frags[0]); i++)
			if (!strcmp(v, frags[i].name)) {
				buf[0] = frags[i].value;
				mask = frags[i].mask;
				ok = true;
			}
		if (!ok) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "nw_frag: bad value "
					 "'%s' (no, yes, first, later or "
					 "not_later)", v ? v : "");
			return -EINVAL;
		}
		if (m->mask.eth_type != 0xffff ||
		    (m->key.eth_type != htons(0x0800) &&
		     m->key.eth_type != htons(0x86dd))) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "nw_frag=%s needs ip or "
					 "ipv6 (an IP eth_type) in the match",
					 v);
			return -EINVAL;
		}
		enum ofperr e = ofp_match_set_field(m, seen, field, buf,
						    &mask);
		if (e) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "nw_frag=%s: %s (needs "
					 "ip or ipv6)", v, ofperr_name(e));
			return -EINVAL;
		}
		return 0;
	} else if (!strcmp(k, "nd_target")) {
		field = OFPXMT_OFB_IPV6_ND_TARGET;
		ok = v != NULL && inet_pton(AF_INET6, v, buf) == 1;
	} else if (!strcmp(k, "nd_sll") || !strcmp(k, "nd_tll")) {
		field = !strcmp(k, "nd_sll") ? OFPXMT_OFB_IPV6_ND_SLL :
					      OFPXMT_OFB_IPV6_ND_TLL;
		ok = v != NULL && ofp_text_parse_mac(v, buf);
	} else {
		return -ENOENT;
	}
	if (!ok) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: bad value '%s'", k,
				 v ? v : "");
		return -EINVAL;
	}
	enum ofperr e = ofp_match_set_field(m, seen, field, buf, NULL);
	if (e) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s=%s: %s", k, v, ofperr_name(e));
		return -EINVAL;
	}
	return 0;
}

void
ofp_match_text_format_extra(struct strbuf *s, const struct ofp_flow_match *mt)
{
	const struct flow_key *k = &mt->key, *m = &mt->mask;
	uint32_t lse = ntohl(k->mpls_lse), msk = ntohl(m->mpls_lse);
	char ip[INET6_ADDRSTRLEN];
	static const uint8_t zero[16];

	if (msk & 0xfffff000u)
		strbuf_printf(s, "mpls_label=%" PRIu32 ",", lse >> 12);
	if (msk & 0xe00u)
		strbuf_printf(s, "mpls_tc=%" PRIu32 ",", (lse >> 9) & 7);
	if (msk & 0x100u)
		strbuf_printf(s, "mpls_bos=%" PRIu32 ",", (lse >> 8) & 1);
	if (m->nw_frag) {
		uint8_t fv = k->nw_frag, fm = m->nw_frag;
		const char *name = fm == 1 ? (fv ? "yes" : "no") :
				   fm == 2 ? (fv ? "later" : "not_later") :
				   fv == 0 ? "no" : fv == 1 ? "first" :
				   fv == 3 ? "later" : "later_only";

		/* later_only (LATER without ANY under both bits) matches
		 * nothing; the text form cannot make it, ovs-ofctl prints
		 * "<error>" for it. */
		strbuf_printf(s, "nw_frag=%s,", name);
	}
	if (m->eth_type != 0xffff || k->eth_type != htons(0x86dd))
		return;
	if (memcmp(m->nd_target, zero, 16)) {
		inet_ntop(AF_INET6, k->nd_target, ip, sizeof(ip));
		strbuf_printf(s, "nd_target=%s,", ip);
	}
	if (k->nw_proto != 58)
		return;
	const uint8_t *a = k->arp_sha, *b = k->arp_tha;
	if (memcmp(m->arp_sha, zero, 6))
		strbuf_printf(s, "nd_sll=%02x:%02x:%02x:%02x:%02x:%02x,", a[0],
			      a[1], a[2], a[3], a[4], a[5]);
	if (memcmp(m->arp_tha, zero, 6))
		strbuf_printf(s, "nd_tll=%02x:%02x:%02x:%02x:%02x:%02x,", b[0],
			      b[1], b[2], b[3], b[4], b[5]);
}
