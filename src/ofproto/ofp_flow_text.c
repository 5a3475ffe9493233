/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_flow_text.h"

#include "ofp_action_text.h"
#include "ofp_match_text.h"
#include "ofp_prefix_trie.h"
#include "ofp_text_num.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ofp_wire.h"

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_PBB 0x88e7

#define MAX_TOKENS 64

/* ---- Small value parsers. ---- */

/* "V" or "V/M" into value and mask (mask all ones of max when absent). */
static bool
parse_u64_masked(const char *s, uint64_t max, uint64_t *v, uint64_t *m)
{
	char buf[128];
	const char *slash = strchr(s, '/');

	if (slash == NULL) {
		*m = max;
		return ofp_text_parse_u64(s, max, v);
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!strcmp(slash + 1, "-1")) {	/* ovs-ofctl's "all ones". */
		*m = max;
		return ofp_text_parse_u64(buf, max, v);
	}
	return ofp_text_parse_u64(buf, max, v) && ofp_text_parse_u64(slash + 1, max, m);
}

static bool
parse_mac_masked(const char *s, uint8_t mac[6], uint8_t mask[6])
{
	char buf[64];
	const char *slash = strchr(s, '/');

	if (slash == NULL) {
		memset(mask, 0xff, 6);
		return ofp_text_parse_mac(s, mac);
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	return ofp_text_parse_mac(buf, mac) && ofp_text_parse_mac(slash + 1, mask);
}

/* A.B.C.D, A.B.C.D/N or A.B.C.D/E.F.G.H; network order out. */
static bool
parse_ipv4_masked(const char *s, uint32_t *ip, uint32_t *mask)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*ip = a.s_addr;
	*mask = UINT32_MAX;
	if (slash != NULL) {
		uint64_t bits;

		if (strchr(slash + 1, '.') != NULL) {
			if (inet_pton(AF_INET, slash + 1, &a) != 1)
				return false;
			*mask = a.s_addr;
		} else if (ofp_text_parse_u64(slash + 1, 32, &bits)) {
			*mask = bits ? htonl(UINT32_MAX << (32 - bits)) : 0;
		} else {
			return false;
		}
	}
	*ip &= *mask;
	return true;
}

static bool
parse_ipv6_masked(const char *s, uint8_t ip[16], uint8_t mask[16])
{
	char buf[128];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, ip) != 1)
		return false;
	memset(mask, 0xff, 16);
	if (slash != NULL) {
		uint64_t bits;

		if (strchr(slash + 1, ':') != NULL) {
			if (inet_pton(AF_INET6, slash + 1, mask) != 1)
				return false;
		} else if (ofp_text_parse_u64(slash + 1, 128, &bits)) {
			for (int i = 0; i < 16; i++) {
				int b = (int)bits - 8 * i;
				mask[i] = b >= 8 ? 0xff :
					  b <= 0 ? 0 :
					  (uint8_t)(0xff << (8 - b));
			}
		} else {
			return false;
		}
	}
	for (int i = 0; i < 16; i++)
		ip[i] &= mask[i];
	return true;
}

struct port_name {
	const char *name;
	uint32_t port;
};

static const struct port_name port_names[] = {
	{ "IN_PORT", OFPP13_IN_PORT }, { "TABLE", OFPP13_TABLE },
	{ "NORMAL", OFPP13_NORMAL },   { "FLOOD", OFPP13_FLOOD },
	{ "ALL", OFPP13_ALL },         { "CONTROLLER", OFPP13_CONTROLLER },
	{ "LOCAL", OFPP13_LOCAL },     { "ANY", OFPP13_ANY },
	{ "NONE", OFPP13_ANY },
};

static bool
parse_port(const char *s, uint32_t *port)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++) {
		if (!strcasecmp(s, port_names[i].name)) {
			*port = port_names[i].port;
			return true;
		}
	}
	if (!ofp_text_parse_u64(s, UINT32_MAX, &v))
		return false;
	*port = (uint32_t)v;
	return true;
}

/* ---- Tokens. ---- */

struct token {
	char *key;
	char *value;	/* NULL for a bare word such as "ip". */
};

struct parse_ctx {
	struct ofp_flow_mod *fm;
	uint64_t seen;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err != NULL && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool
is_sep(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' ||
	       ch == '\n';
}

/* Splits buf in place. The value of "actions" is the rest of the text. */
static int
tokenize(struct parse_ctx *c, char *buf, struct token *toks, size_t *n,
	 char **actions)
{
	char *p = buf;

	*n = 0;
	*actions = NULL;
	for (;;) {
		while (*p && is_sep(*p))
			p++;
		if (*p == '\0')
			return 0;
		char *key = p;
		while (*p && !is_sep(*p) && *p != '=' && *p != ':')
			p++;
		char delim = *p;
		char *value = NULL;
		if (delim == '=' || delim == ':') {
			*p++ = '\0';
			if (!strcmp(key, "actions")) {
				*actions = p;
				return 0;
			}
			value = p;
			while (*p && !is_sep(*p))
				p++;
		}
		if (*p)
			*p++ = '\0';
		if (*key == '\0')
			return fail(c, "missing field name before '%s'",
				    value ? value : "");
		if (*n >= MAX_TOKENS)
			return fail(c, "too many fields");
		toks[*n].key = key;
		toks[*n].value = value;
		(*n)++;
	}
}

static int
set_field(struct parse_ctx *c, const char *name, unsigned int field,
	  const void *v, const void *m)
{
	uint64_t seen = 0;
	enum ofperr e = ofp_match_set_field(&c->fm->match, &seen, field, v, m);

	if (e == OFPERR_BAD_MATCH_BAD_WILDCARDS)
		return fail(c, "%s: value has bits outside the mask", name);
	if (e)
		return fail(c, "%s: invalid value (%s)", name, ofperr_name(e));
	if (ofp_match_check_prereqs(&c->fm->match, seen))
		return fail(c, "%s: prerequisites not met (%s)", name,
			    ofp_match_field_name(field));
	c->seen |= seen;
	return 0;
}

static int
bad_value(struct parse_ctx *c, const struct token *t)
{
	return fail(c, "%s: bad value '%s'", t->key, t->value);
}

static bool
eth_type_is(const struct ofp_flow_match *m, uint16_t type)
{
	return m->mask.eth_type == 0xffff && m->key.eth_type == htons(type);
}

struct shorthand {
	const char *name;
	uint16_t eth_type;
	int proto;	/* -1: none */
};

static const struct shorthand shorthands[] = {
	{ "ip", ETH_TYPE_IP, -1 },    { "ipv4", ETH_TYPE_IP, -1 },
	{ "ipv6", ETH_TYPE_IPV6, -1 }, { "arp", ETH_TYPE_ARP, -1 },
	{ "icmp", ETH_TYPE_IP, 1 },   { "igmp", ETH_TYPE_IP, 2 },
	{ "tcp", ETH_TYPE_IP, 6 },
	{ "udp", ETH_TYPE_IP, 17 },   { "sctp", ETH_TYPE_IP, 132 },
	{ "icmp6", ETH_TYPE_IPV6, 58 }, { "tcp6", ETH_TYPE_IPV6, 6 },
	{ "udp6", ETH_TYPE_IPV6, 17 }, { "sctp6", ETH_TYPE_IPV6, 132 },
	{ "mpls", 0x8847, -1 },        { "mplsm", 0x8848, -1 },
};

static bool
parse_match_phase1(struct parse_ctx *c, const struct token *t, int *rc)
{
	const char *k = t->key, *v = t->value;
	struct ofp_flow_mod *fm = c->fm;
	uint64_t x, y;

	*rc = 0;
	for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++) {
		if (strcmp(k, shorthands[i].name) != 0)
			continue;
		if (v != NULL) {
			*rc = fail(c, "%s: takes no value", k);
			return true;
		}
		uint16_t et = htons(shorthands[i].eth_type);
		*rc = set_field(c, k, OFPXMT_OFB_ETH_TYPE, &et, NULL);
		if (!*rc && shorthands[i].proto >= 0) {
			uint8_t p = (uint8_t)shorthands[i].proto;
			*rc = set_field(c, k, OFPXMT_OFB_IP_PROTO, &p, NULL);
		}
		return true;
	}
	if (v == NULL)
		return false;
	if (!strcmp(k, "in_port")) {
		uint32_t port;
		if (!parse_port(v, &port) || port == 0 || port == OFPP13_ANY) {
			*rc = bad_value(c, t);
		} else {
			uint32_t be = htonl(port);
			*rc = set_field(c, k, OFPXMT_OFB_IN_PORT, &be, NULL);
		}
	} else if (!strcmp(k, "dl_src") || !strcmp(k, "eth_src") ||
		   !strcmp(k, "dl_dst") || !strcmp(k, "eth_dst")) {
		uint8_t mac[6], mask[6];
		unsigned int f = strstr(k, "src") ? OFPXMT_OFB_ETH_SRC :
						    OFPXMT_OFB_ETH_DST;
		if (!parse_mac_masked(v, mac, mask))
			*rc = bad_value(c, t);
		else
			*rc = set_field(c, k, f, mac, mask);
	} else if (!strcmp(k, "dl_type") || !strcmp(k, "eth_type")) {
		if (!ofp_text_parse_u64(v, 0xffff, &x)) {
			*rc = bad_value(c, t);
		} else {
			uint16_t be = htons((uint16_t)x);
			*rc = set_field(c, k, OFPXMT_OFB_ETH_TYPE, &be, NULL);
		}
	} else if (!strcmp(k, "dl_vlan")) {
		if (!ofp_text_parse_u64(v, 0xffff, &x) || (x > 4095 && x != 0xffff)) {
			*rc = bad_value(c, t);
		} else {
			uint16_t be = htons(x == 0xffff ? OFPVID_NONE :
					    (uint16_t)(OFPVID_PRESENT | x));
			*rc = set_field(c, k, OFPXMT_OFB_VLAN_VID, &be, NULL);
		}
	} else if (!strcmp(k, "vlan_tci")) {
		if (!parse_u64_masked(v, 0xffff, &x, &y)) {
			*rc = bad_value(c, t);
		} else {
			fm->match.key.vlan_tci = htons((uint16_t)(x & y));
			fm->match.mask.vlan_tci = htons((uint16_t)y);
		}
	} else if (!strcmp(k, "priority")) {
		if (!ofp_text_parse_u64(v, 0xffff, &x))
			*rc = bad_value(c, t);
		else
			fm->priority = (uint16_t)x;
	} else if (!strcmp(k, "cookie")) {
		if (!parse_u64_masked(v, UINT64_MAX, &x, &y))
			*rc = bad_value(c, t);
		else if (strchr(v, '/') != NULL)
			fm->cookie = x, fm->cookie_mask = y;
		else
			fm->cookie = x;
	} else if (!strcmp(k, "table")) {
		if (!ofp_text_parse_u64(v, 0xff, &x))
			*rc = bad_value(c, t);
		else
			fm->table_id = (uint8_t)x;
	} else if (!strcmp(k, "idle_timeout") || !strcmp(k, "hard_timeout")) {
		if (!ofp_text_parse_u64(v, 0xffff, &x))
			*rc = bad_value(c, t);
		else if (k[0] == 'i')
			fm->idle_timeout = (uint16_t)x;
		else
			fm->hard_timeout = (uint16_t)x;
	} else if (!strcmp(k, "out_port")) {
		uint32_t port;
		if (!parse_port(v, &port))
			*rc = bad_value(c, t);
		else
			fm->out_port = port;
	} else if (!strcmp(k, "tun_src") || !strcmp(k, "tun_dst")) {
		uint32_t ip, mask;

		if (!parse_ipv4_masked(v, &ip, &mask))
			*rc = bad_value(c, t);
		else
			*rc = set_field(c, k, k[4] == 's' ?
					OFP_FIELD_TUN_IPV4_SRC :
					OFP_FIELD_TUN_IPV4_DST, &ip, &mask);
	} else if (!strcmp(k, "metadata") || !strcmp(k, "tun_id") ||
		   !strcmp(k, "tunnel_id")) {
		if (!parse_u64_masked(v, UINT64_MAX, &x, &y)) {
			*rc = bad_value(c, t);
		} else {
			uint64_t bv = htobe64(x), bm = htobe64(y);
			unsigned int f = k[0] == 'm' ? OFPXMT_OFB_METADATA :
						       OFPXMT_OFB_TUNNEL_ID;
			*rc = set_field(c, k, f, &bv, &bm);
		}
	} else if (!strcmp(k, "duration") || !strcmp(k, "n_packets") ||
		   !strcmp(k, "n_bytes") || !strcmp(k, "idle_age") ||
		   !strcmp(k, "hard_age")) {
		/* Ignored, so that dump-flows output can be fed back. */
	} else {
		return false;
	}
	return true;
}

static bool
parse_flag(struct parse_ctx *c, const struct token *t)
{
	static const struct {
		const char *name;
		uint16_t flag;
	} flags[] = {
		{ "send_flow_rem", OFPFF_SEND_FLOW_REM },
		{ "check_overlap", OFPFF_CHECK_OVERLAP },
		{ "reset_counts", OFPFF_RESET_COUNTS },
		{ "no_packet_counts", OFPFF_NO_PKT_COUNTS },
		{ "no_byte_counts", OFPFF_NO_BYT_COUNTS },
	};

	if (t->value != NULL)
		return false;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!strcmp(t->key, flags[i].name)) {
			c->fm->flags |= flags[i].flag;
			return true;
		}
	}
	return false;
}

/* L3 fields: need dl_type from phase 1. */
static bool
parse_match_phase2(struct parse_ctx *c, const struct token *t, int *rc)
{
	const char *k = t->key, *v = t->value;
	const struct ofp_flow_match *m = &c->fm->match;
	bool arp = eth_type_is(m, ETH_TYPE_ARP);
	uint64_t x, y;

	*rc = 0;
	if (v == NULL)
		return false;
	if (!strcmp(k, "nw_src") || !strcmp(k, "nw_dst") ||
	    !strcmp(k, "ip_src") || !strcmp(k, "ip_dst") ||
	    !strcmp(k, "arp_spa") || !strcmp(k, "arp_tpa")) {
		uint32_t ip, mask;
		bool src = strstr(k, "src") || !strcmp(k, "arp_spa");
		unsigned int f;

		if (arp || !strncmp(k, "arp", 3))
			f = src ? OFPXMT_OFB_ARP_SPA : OFPXMT_OFB_ARP_TPA;
		else
			f = src ? OFPXMT_OFB_IPV4_SRC : OFPXMT_OFB_IPV4_DST;
		if (!parse_ipv4_masked(v, &ip, &mask))
			*rc = bad_value(c, t);
		else
			*rc = set_field(c, k, f, &ip, &mask);
	} else if (!strcmp(k, "nw_proto") || !strcmp(k, "ip_proto") ||
		   !strcmp(k, "arp_op")) {
		if (!ofp_text_parse_u64(v, 0xff, &x)) {
			*rc = bad_value(c, t);
		} else if (arp || !strcmp(k, "arp_op")) {
			uint16_t be = htons((uint16_t)x);
			*rc = set_field(c, k, OFPXMT_OFB_ARP_OP, &be, NULL);
		} else {
			uint8_t p = (uint8_t)x;
			*rc = set_field(c, k, OFPXMT_OFB_IP_PROTO, &p, NULL);
		}
	} else if (!strcmp(k, "nw_tos") || !strcmp(k, "ip_dscp")) {
		bool tos = k[0] == 'n';
		if (!ofp_text_parse_u64(v, tos ? 0xff : 63, &x) || (tos && (x & 3))) {
			*rc = bad_value(c, t);
		} else {
			uint8_t d = (uint8_t)(tos ? x >> 2 : x);
			*rc = set_field(c, k, OFPXMT_OFB_IP_DSCP, &d, NULL);
		}
	} else if (!strcmp(k, "nw_ecn") || !strcmp(k, "ip_ecn")) {
		if (!ofp_text_parse_u64(v, 3, &x)) {
			*rc = bad_value(c, t);
		} else {
			uint8_t e = (uint8_t)x;
			*rc = set_field(c, k, OFPXMT_OFB_IP_ECN, &e, NULL);
		}
	} else if (!strcmp(k, "arp_sha") || !strcmp(k, "arp_tha")) {
		uint8_t mac[6], mask[6];
		if (!parse_mac_masked(v, mac, mask))
			*rc = bad_value(c, t);
		else
			*rc = set_field(c, k, k[4] == 's' ? OFPXMT_OFB_ARP_SHA :
					OFPXMT_OFB_ARP_THA, mac, mask);
	} else if (!strcmp(k, "ipv6_src") || !strcmp(k, "ipv6_dst")) {
		uint8_t ip[16], mask[16];
		if (!parse_ipv6_masked(v, ip, mask))
			*rc = bad_value(c, t);
		else
			*rc = set_field(c, k, k[5] == 's' ? OFPXMT_OFB_IPV6_SRC :
					OFPXMT_OFB_IPV6_DST, ip, mask);
	} else if (!strcmp(k, "ipv6_label")) {
		if (!parse_u64_masked(v, 0xfffff, &x, &y)) {
			*rc = bad_value(c, t);
		} else {
			uint32_t bv = htonl((uint32_t)x), bm = htonl((uint32_t)y);
			*rc = set_field(c, k, OFPXMT_OFB_IPV6_FLABEL, &bv, &bm);
		}
	} else if (!strcmp(k, "pbb_isid")) {
		/* N or N/M, 24 bits; needs dl_type=0x88e7. */
		if (!parse_u64_masked(v, 0xffffff, &x, &y)) {
			*rc = bad_value(c, t);
		} else {
			uint8_t bv[3], bm[3];

			for (int i = 0; i < 3; i++) {
				bv[i] = (uint8_t)(x >> (16 - 8 * i));
				bm[i] = (uint8_t)(y >> (16 - 8 * i));
			}
			*rc = set_field(c, k, OFPXMT_OFB_PBB_ISID, bv,
					y == 0xffffff ? NULL : bm);
		}
	} else {
		return false;
	}
	return true;
}

/* L4 fields: need nw_proto from phase 2. */
static bool
parse_match_phase3(struct parse_ctx *c, const struct token *t, int *rc)
{
	const char *k = t->key, *v = t->value;
	const struct ofp_flow_match *m = &c->fm->match;
	unsigned int f;
	uint64_t x, y;

	*rc = 0;
	if (v == NULL)
		return false;
	bool src = strstr(k, "_src") != NULL;
	if (!strcmp(k, "tp_src") || !strcmp(k, "tp_dst")) {
		uint8_t proto = m->mask.nw_proto == 0xff ? m->key.nw_proto : 0;
		if (proto == 6)
			f = src ? OFPXMT_OFB_TCP_SRC : OFPXMT_OFB_TCP_DST;
		else if (proto == 17)
			f = src ? OFPXMT_OFB_UDP_SRC : OFPXMT_OFB_UDP_DST;
		else if (proto == 132)
			f = src ? OFPXMT_OFB_SCTP_SRC : OFPXMT_OFB_SCTP_DST;
		else {
			*rc = fail(c, "%s: prerequisites not met (needs tcp, "
				   "udp or sctp)", k);
			return true;
		}
	} else if (!strcmp(k, "tcp_src") || !strcmp(k, "tcp_dst")) {
		f = src ? OFPXMT_OFB_TCP_SRC : OFPXMT_OFB_TCP_DST;
	} else if (!strcmp(k, "udp_src") || !strcmp(k, "udp_dst")) {
		f = src ? OFPXMT_OFB_UDP_SRC : OFPXMT_OFB_UDP_DST;
	} else if (!strcmp(k, "sctp_src") || !strcmp(k, "sctp_dst")) {
		f = src ? OFPXMT_OFB_SCTP_SRC : OFPXMT_OFB_SCTP_DST;
	} else if (!strcmp(k, "icmp_type") || !strcmp(k, "icmp_code") ||
		   !strcmp(k, "icmpv6_type") || !strcmp(k, "icmpv6_code")) {
		bool v6 = eth_type_is(m, ETH_TYPE_IPV6);
		bool type = strstr(k, "type") != NULL;
		if (!ofp_text_parse_u64(v, 0xff, &x)) {
			*rc = bad_value(c, t);
			return true;
		}
		uint8_t b = (uint8_t)x;
		f = v6 ? (type ? OFPXMT_OFB_ICMPV6_TYPE : OFPXMT_OFB_ICMPV6_CODE)
		       : (type ? OFPXMT_OFB_ICMPV4_TYPE : OFPXMT_OFB_ICMPV4_CODE);
		*rc = set_field(c, k, f, &b, NULL);
		return true;
	} else {
		return false;
	}
	if (!parse_u64_masked(v, 0xffff, &x, &y)) {
		*rc = bad_value(c, t);
	} else {
		uint16_t bv = htons((uint16_t)x), bm = htons((uint16_t)y);
		*rc = set_field(c, k, f, &bv, y == 0xffff ? NULL : &bm);
	}
	return true;
}

static void
flow_mod_defaults(struct ofp_flow_mod *fm, enum ofp_flow_text_mode mode)
{
	memset(fm, 0, sizeof(*fm));
	fm->command = mode == OFP_FLOW_TEXT_ADD ? OFPFC_ADD : OFPFC_DELETE;
	fm->table_id = mode == OFP_FLOW_TEXT_ADD ? 0 : OFPTT_ALL;
	fm->priority = OFP_DEFAULT_PRIORITY;
	fm->buffer_id = OFP_NO_BUFFER;
	fm->out_port = OFPP13_ANY;
	fm->out_group = OFPG_ANY;
}

int
ofp_flow_text_parse(const char *text, enum ofp_flow_text_mode mode,
		    struct ofp_flow_mod *fm, char *err, size_t errlen)
{
	struct parse_ctx c = { fm, 0, err, errlen };
	struct token toks[MAX_TOKENS];
	bool done[MAX_TOKENS] = { false };
	char *actions, *buf;
	size_t n;
	int rc;

	flow_mod_defaults(fm, mode);
	if (text == NULL)
		text = "";
	buf = strdup(text);
	if (buf == NULL)
		return fail(&c, "out of memory");
	rc = tokenize(&c, buf, toks, &n, &actions);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		done[i] = parse_match_phase1(&c, &toks[i], &rc) ||
			  parse_flag(&c, &toks[i]);
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!done[i])
			done[i] = parse_match_phase2(&c, &toks[i], &rc);
	/* dl_vlan_pcp after dl_vlan so the VID does not overwrite it. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		uint64_t x;

		if (done[i] || strcmp(toks[i].key, "dl_vlan_pcp") != 0 ||
		    toks[i].value == NULL)
			continue;
		done[i] = true;
		if (!ofp_text_parse_u64(toks[i].value, 7, &x)) {
			rc = bad_value(&c, &toks[i]);
			break;
		}
		if (!(fm->match.mask.vlan_tci & htons(FLOW_VLAN_TCI_PRESENT))) {
			fm->match.key.vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT);
			fm->match.mask.vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT);
		}
		uint8_t pcp = (uint8_t)x;
		rc = set_field(&c, "dl_vlan_pcp", OFPXMT_OFB_VLAN_PCP, &pcp,
			       NULL);
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!done[i])
			done[i] = parse_match_phase3(&c, &toks[i], &rc);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (done[i])
			continue;
		int x = ofp_match_text_parse_extra(toks[i].key, toks[i].value,
						   &fm->match, &c.seen, err,
						   errlen);
		if (x != -ENOENT) {
			rc = x;
			continue;
		}
		if (toks[i].value)
			rc = fail(&c, "unknown field '%s' (in '%s=%s')",
				  toks[i].key, toks[i].key, toks[i].value);
		else
			rc = fail(&c, "unknown field '%s'", toks[i].key);
	}
	if (rc == 0 && ofp_match_check_prereqs(&fm->match, c.seen))
		rc = fail(&c, "match prerequisites not met");
	if (rc == 0 && mode == OFP_FLOW_TEXT_ADD) {
		if (actions == NULL)
			rc = fail(&c, "must specify an action (actions=...)");
		else
			rc = ofp_flow_text_parse_actions(actions, &fm->insts,
							 err, errlen);
	} else if (rc == 0 && actions != NULL) {
		rc = fail(&c, "actions are not allowed here: '%s'", actions);
	}
	if (rc == 0 && mode == OFP_FLOW_TEXT_ADD && fm->table_id >= 254)
		rc = fail(&c, "table=%u: tables are 0 to 253", fm->table_id);
	free(buf);
	return rc;
}

/* ---- Actions. ---- */

static int
parse_action_list(struct parse_ctx *c, char *s, struct ofp_insts *insts,
		  bool write);

static int
add_action(struct parse_ctx *c, struct ofp_insts *insts, bool write,
	   enum ofpact_type type, uint32_t port, uint16_t max_len,
	   const char *tok)
{
	if (insts->n_apply + insts->n_write >= OFPROTO_MAX_ACTIONS)
		return fail(c, "%s: too many actions (at most %d)", tok,
			    OFPROTO_MAX_ACTIONS);
	struct ofpact *a = write ? &insts->write[insts->n_write++] :
				   &insts->apply[insts->n_apply++];
	a->type = type;
	a->port = port;
	a->max_len = max_len;
	if (write)
		insts->has_write = true;
	else
		insts->has_apply = true;
	return 0;
}

static int
parse_one_action(struct parse_ctx *c, char *a, struct ofp_insts *insts,
		 bool write, size_t n_tokens)
{
	uint32_t port;
	uint64_t x;

	if (!strcasecmp(a, "drop")) {
		if (n_tokens > 1)
			return fail(c, "drop must be the only action");
		return 0;
	}
	if (!strncasecmp(a, "write_actions(", 14)) {
		size_t len = strlen(a);
		if (write || a[len - 1] != ')')
			return fail(c, "bad action '%s'", a);
		if (insts->has_write)
			return fail(c, "write_actions given twice");
		a[len - 1] = '\0';
		insts->has_write = true;
		return parse_action_list(c, a + 14, insts, true);
	}
	if (!strcasecmp(a, "clear_actions")) {
		if (write)
			return fail(c, "bad action '%s'", a);
		insts->clear = true;
		return 0;
	}
	if (!strncasecmp(a, "controller", 10)) {
		const char *rest = a + 10;
		x = UINT16_MAX;
		if (*rest == ':') {
			if (!ofp_text_parse_u64(rest + 1, UINT16_MAX, &x))
				return fail(c, "bad action '%s'", a);
		} else if (!strncasecmp(rest, "(max_len=", 9)) {
			char tmp[32];
			size_t n = strlen(rest + 9);
			if (n == 0 || n >= sizeof(tmp) || rest[9 + n - 1] != ')')
				return fail(c, "bad action '%s'", a);
			memcpy(tmp, rest + 9, n - 1);
			tmp[n - 1] = '\0';
			if (!ofp_text_parse_u64(tmp, UINT16_MAX, &x))
				return fail(c, "bad action '%s'", a);
		} else if (*rest != '\0') {
			return fail(c, "unknown action '%s'", a);
		}
		return add_action(c, insts, write, OFPACT_CONTROLLER,
				  OFPP13_CONTROLLER, (uint16_t)x, a);
	}
	struct ofpact ext;
	int erc = ofp_action_text_parse(a, insts, &ext, c->err, c->errlen);
	if (erc == 1)
		return write ? fail(c, "bad action '%s'", a) : 0;
	if (erc == 0) {
		int rc = add_action(c, insts, write, ext.type, 0, 0, a);
		if (rc == 0) {
			struct ofpact *d = write ?
				&insts->write[insts->n_write - 1] :
				&insts->apply[insts->n_apply - 1];
			*d = ext;
		}
		return rc;
	}
	if (erc != -ENOENT)
		return erc;
	const char *p = a;
	if (!strncasecmp(a, "output:", 7) || !strncasecmp(a, "output=", 7))
		p = a + 7;
	if (!parse_port(p, &port))
		return fail(c, "unknown action '%s'", a);
	if (port == OFPP13_CONTROLLER)
		return add_action(c, insts, write, OFPACT_CONTROLLER, port,
				  UINT16_MAX, a);
	if (ofp_action_check_port(port, false))
		return fail(c, "%s: invalid output port", a);
	return add_action(c, insts, write, OFPACT_OUTPUT, port, 0, a);
}

static int
parse_action_list(struct parse_ctx *c, char *s, struct ofp_insts *insts,
		  bool write)
{
	char *items[OFPROTO_MAX_ACTIONS * 2 + 4];
	size_t n = 0;
	int depth = 0;
	char *start = s;

	/* Split on commas outside parentheses. */
	for (char *p = s;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			bool end = *p == '\0';
			*p = '\0';
			while (isspace((unsigned char)*start))
				start++;
			char *e = start + strlen(start);
			while (e > start && isspace((unsigned char)e[-1]))
				*--e = '\0';
			if (*start != '\0') {
				if (n >= sizeof(items) / sizeof(items[0]))
					return fail(c, "too many actions");
				items[n++] = start;
			} else if (!end || n > 0) {
				return fail(c, "empty action in list");
			}
			if (end)
				break;
			start = p + 1;
		}
	}
	if (depth != 0)
		return fail(c, "unbalanced parentheses in actions");
	for (size_t i = 0; i < n; i++) {
		int rc = parse_one_action(c, items[i], insts, write, n);
		if (rc)
			return rc;
	}
	return 0;
}

int
ofp_flow_text_parse_actions(const char *text, struct ofp_insts *insts,
			    char *err, size_t errlen)
{
	struct parse_ctx c = { NULL, 0, err, errlen };
	char *buf = strdup(text);
	int rc;

	memset(insts, 0, sizeof(*insts));
	if (buf == NULL)
		return fail(&c, "out of memory");
	rc = parse_action_list(&c, buf, insts, false);
	free(buf);
	return rc;
}

/* ---- Formatting. ---- */

void
ofp_flow_text_format_port(struct strbuf *s, uint32_t port)
{
	for (size_t i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++) {
		if (port_names[i].port == port) {
			strbuf_printf(s, "%s", port_names[i].name);
			return;
		}
	}
	strbuf_printf(s, "%" PRIu32, port);
}

static void
format_action(struct strbuf *s, const struct ofpact *a)
{
	if (a->type != OFPACT_OUTPUT && a->type != OFPACT_CONTROLLER) {
		ofp_action_text_format(s, a);
	} else if (a->type == OFPACT_CONTROLLER ||
		   a->port == OFPP13_CONTROLLER) {
		strbuf_printf(s, "CONTROLLER:%u", a->max_len);
	} else if (a->port <= OFPP13_MAX) {
		strbuf_printf(s, "output:%" PRIu32, a->port);
	} else {
		ofp_flow_text_format_port(s, a->port);
	}
}

static void
format_actions(struct strbuf *s, const struct ofpact *acts, size_t n,
	       bool *first)
{
	for (size_t i = 0; i < n; i++) {
		if (!*first)
			strbuf_append(s, ",", 1);
		*first = false;
		format_action(s, &acts[i]);
	}
}

void
ofp_flow_text_format_actions(struct strbuf *s, const struct ofpact *acts,
			     size_t n)
{
	bool first = true;

	if (n == 0)
		strbuf_printf(s, "drop");
	format_actions(s, acts, n, &first);
}

void
ofp_flow_text_format_insts(struct strbuf *s, const struct ofp_insts *insts)
{
	bool first = true;

	if (insts->has_meter) {
		strbuf_printf(s, "meter:%" PRIu32, insts->meter_id);
		first = false;
	}
	format_actions(s, insts->apply, insts->n_apply, &first);
	if (insts->clear) {
		strbuf_printf(s, "%sclear_actions", first ? "" : ",");
		first = false;
	}
	if (insts->has_write) {
		bool inner = true;

		strbuf_printf(s, "%swrite_actions(", first ? "" : ",");
		format_actions(s, insts->write, insts->n_write, &inner);
		strbuf_append(s, ")", 1);
		first = false;
	}
	if (insts->has_meta) {
		strbuf_printf(s, "%swrite_metadata:0x%" PRIx64, first ? "" : ",",
			      insts->metadata);
		if (insts->metadata_mask != UINT64_MAX)
			strbuf_printf(s, "/0x%" PRIx64, insts->metadata_mask);
		first = false;
	}
	if (insts->has_goto) {
		strbuf_printf(s, "%sgoto_table:%u", first ? "" : ",",
			      insts->goto_table);
		first = false;
	}
	if (first)
		strbuf_printf(s, "drop");
}

static void
format_mac_masked(struct strbuf *s, const char *name, const uint8_t v[6],
		  const uint8_t m[6])
{
	static const uint8_t zero[6], ones[6] = { 0xff, 0xff, 0xff, 0xff,
						  0xff, 0xff };
	if (!memcmp(m, zero, 6))
		return;
	strbuf_printf(s, "%s=%02x:%02x:%02x:%02x:%02x:%02x", name, v[0], v[1],
		      v[2], v[3], v[4], v[5]);
	if (memcmp(m, ones, 6) != 0)
		strbuf_printf(s, "/%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
			      m[2], m[3], m[4], m[5]);
	strbuf_append(s, ",", 1);
}

static void
format_ip_masked(struct strbuf *s, const char *name, uint32_t v, uint32_t m)
{
	char a[INET_ADDRSTRLEN];

	if (m == 0)
		return;
	inet_ntop(AF_INET, &v, a, sizeof(a));
	strbuf_printf(s, "%s=%s", name, a);
	if (m != UINT32_MAX) {
		int bits = ofp_trie_mask_plen((const uint8_t *)&m, 32);

		if (bits >= 0) {
			strbuf_printf(s, "/%d", bits);
		} else {
			inet_ntop(AF_INET, &m, a, sizeof(a));
			strbuf_printf(s, "/%s", a);
		}
	}
	strbuf_append(s, ",", 1);
}

static void
format_ipv6_masked(struct strbuf *s, const char *name, const uint8_t v[16],
		   const uint8_t m[16])
{
	char a[INET6_ADDRSTRLEN];
	bool zero = true, ones = true;

	for (int i = 0; i < 16; i++) {
		if (m[i])
			zero = false;
		if (m[i] != 0xff)
			ones = false;
	}
	if (zero)
		return;
	inet_ntop(AF_INET6, v, a, sizeof(a));
	strbuf_printf(s, "%s=%s", name, a);
	if (!ones) {
		/* CIDR when the ones form one prefix. */
		int bits = ofp_trie_mask_plen(m, 128);

		if (bits >= 0) {
			strbuf_printf(s, "/%d", bits);
		} else {
			inet_ntop(AF_INET6, m, a, sizeof(a));
			strbuf_printf(s, "/%s", a);
		}
	}
	strbuf_append(s, ",", 1);
}

static void
format_be16_masked(struct strbuf *s, const char *name, uint16_t v,
		   uint16_t m)
{
	if (m == 0)
		return;
	if (m == 0xffff)
		strbuf_printf(s, "%s=%u,", name, ntohs(v));
	else
		strbuf_printf(s, "%s=0x%x/0x%x,", name, ntohs(v), ntohs(m));
}

static void
format_u64_masked(struct strbuf *s, const char *name, uint64_t v,
		  uint64_t m)
{
	if (m == 0)
		return;
	strbuf_printf(s, "%s=0x%" PRIx64, name, v);
	if (m != UINT64_MAX)
		strbuf_printf(s, "/0x%" PRIx64, m);
	strbuf_append(s, ",", 1);
}

static void
format_vlan(struct strbuf *s, const struct flow_key *k,
	    const struct flow_key *m)
{
	uint16_t mask = ntohs(m->vlan_tci), tci = ntohs(k->vlan_tci);
	uint16_t vid_mask = mask & FLOW_VLAN_VID_MASK;
	uint16_t pcp_mask = mask & FLOW_VLAN_PCP_MASK;

	if (!mask)
		return;
	if ((mask & FLOW_VLAN_TCI_PRESENT) && (tci & FLOW_VLAN_TCI_PRESENT) &&
	    (!vid_mask || vid_mask == FLOW_VLAN_VID_MASK) &&
	    (!pcp_mask || pcp_mask == FLOW_VLAN_PCP_MASK) &&
	    (vid_mask || pcp_mask)) {
		if (vid_mask)
			strbuf_printf(s, "dl_vlan=%u,", tci & FLOW_VLAN_VID_MASK);
		if (pcp_mask)
			strbuf_printf(s, "dl_vlan_pcp=%u,",
				      tci >> FLOW_VLAN_PCP_SHIFT);
	} else if (mask == 0xffff) {
		strbuf_printf(s, "vlan_tci=0x%04x,", tci);
	} else {
		strbuf_printf(s, "vlan_tci=0x%04x/0x%04x,", tci, mask);
	}
}

void
ofp_flow_text_format_match(struct strbuf *s, const struct ofp_flow_match *mt,
			   int priority)
{
	const struct flow_key *k = &mt->key, *m = &mt->mask;
	size_t start = s->len;
	bool skip_type = false, skip_proto = false;
	uint16_t et = m->eth_type ? ntohs(k->eth_type) : 0;
	bool has_proto = m->nw_proto != 0;

	if (priority != OFP_DEFAULT_PRIORITY)
		strbuf_printf(s, "priority=%d,", priority);
	if (m->eth_type) {
		static const char *const v4[256] = {
			[1] = "icmp", [2] = "igmp", [6] = "tcp", [17] = "udp",
			[132] = "sctp",
		};
		static const char *const v6[256] = {
			[58] = "icmp6", [6] = "tcp6", [17] = "udp6",
			[132] = "sctp6",
		};
		skip_type = true;
		if (et == ETH_TYPE_IP || et == ETH_TYPE_IPV6) {
			const char *const *names = et == ETH_TYPE_IP ? v4 : v6;
			const char *name = has_proto ? names[k->nw_proto] : NULL;

			if (name != NULL) {
				strbuf_printf(s, "%s,", name);
				skip_proto = true;
			} else {
				strbuf_printf(s, "%s,", et == ETH_TYPE_IP ?
					      "ip" : "ipv6");
			}
		} else if (et == ETH_TYPE_ARP) {
			strbuf_printf(s, "arp,");
		} else if (et == 0x8847 || et == 0x8848) {
			strbuf_printf(s, "%s,", et == 0x8847 ? "mpls" : "mplsm");
		} else {
			skip_type = false;
		}
	}
	format_u64_masked(s, "tun_id", k->tunnel_id, m->tunnel_id);
	format_ip_masked(s, "tun_src", k->tun_src, m->tun_src);
	format_ip_masked(s, "tun_dst", k->tun_dst, m->tun_dst);
	format_u64_masked(s, "metadata", k->metadata, m->metadata);
	if (m->in_port) {
		strbuf_printf(s, "in_port=");
		ofp_flow_text_format_port(s, k->in_port);
		strbuf_append(s, ",", 1);
	}
	format_vlan(s, k, m);
	format_mac_masked(s, "dl_src", k->eth_src, m->eth_src);
	format_mac_masked(s, "dl_dst", k->eth_dst, m->eth_dst);
	if (!skip_type && m->eth_type)
		strbuf_printf(s, "dl_type=0x%04x,", et);
	if (et == ETH_TYPE_IPV6) {
		format_ipv6_masked(s, "ipv6_src", k->ipv6_src, m->ipv6_src);
		format_ipv6_masked(s, "ipv6_dst", k->ipv6_dst, m->ipv6_dst);
		if (m->ipv6_label) {
			if (m->ipv6_label == htonl(0xfffff))
				strbuf_printf(s, "ipv6_label=0x%05x,",
					      ntohl(k->ipv6_label));
			else
				strbuf_printf(s, "ipv6_label=0x%05x/0x%05x,",
					      ntohl(k->ipv6_label),
					      ntohl(m->ipv6_label));
		}
	} else if (et == ETH_TYPE_ARP) {
		format_ip_masked(s, "arp_spa", k->nw_src, m->nw_src);
		format_ip_masked(s, "arp_tpa", k->nw_dst, m->nw_dst);
	} else if (et == ETH_TYPE_PBB) {
		uint32_t isid = ntohl(k->pbb_isid) & 0xffffff;
		uint32_t imask = ntohl(m->pbb_isid) & 0xffffff;

		if (imask == 0xffffff)
			strbuf_printf(s, "pbb_isid=0x%06x,", isid);
		else if (imask)
			strbuf_printf(s, "pbb_isid=0x%06x/0x%06x,", isid,
				      imask);
	} else {
		format_ip_masked(s, "nw_src", k->nw_src, m->nw_src);
		format_ip_masked(s, "nw_dst", k->nw_dst, m->nw_dst);
	}
	if (!skip_proto && has_proto)
		strbuf_printf(s, "%s=%u,", et == ETH_TYPE_ARP ? "arp_op" :
			      "nw_proto", k->nw_proto);
	if (et == ETH_TYPE_ARP) {
		format_mac_masked(s, "arp_sha", k->arp_sha, m->arp_sha);
		format_mac_masked(s, "arp_tha", k->arp_tha, m->arp_tha);
	}
	if (m->nw_tos & 0xfc)
		strbuf_printf(s, "nw_tos=%u,", k->nw_tos & 0xfc);
	if (m->nw_tos & 0x03)
		strbuf_printf(s, "nw_ecn=%u,", k->nw_tos & 0x03);
	if ((et == ETH_TYPE_IP && k->nw_proto == 1) ||
	    (et == ETH_TYPE_IPV6 && k->nw_proto == 58)) {
		format_be16_masked(s, "icmp_type", k->tp_src, m->tp_src);
		format_be16_masked(s, "icmp_code", k->tp_dst, m->tp_dst);
	} else {
		format_be16_masked(s, "tp_src", k->tp_src, m->tp_src);
		format_be16_masked(s, "tp_dst", k->tp_dst, m->tp_dst);
	}
	if (et == 0x8847 || et == 0x8848) {
		ofp_match_text_format_extra(s, mt);
	} else {
		/* The MPLS LSE shares its slot with the PBB I-SID
		 * (flow_key.h): only an MPLS match has MPLS fields. */
		struct ofp_flow_match other = *mt;

		other.mask.mpls_lse = 0;
		ofp_match_text_format_extra(s, &other);
	}
	/* Drop the trailing comma. */
	if (s->len > start && s->s[s->len - 1] == ',')
		s->s[--s->len] = '\0';
}

static void
format_duration(struct strbuf *s, uint32_t sec, uint32_t nsec)
{
	strbuf_printf(s, "%u", sec);
	if (nsec > 0) {
		uint32_t msec = nsec / 1000000;

		if (msec * 1000000 == nsec) {
			strbuf_printf(s, ".%03u", msec);
		} else {
			strbuf_printf(s, ".%09u", nsec);
			while (s->s[s->len - 1] == '0')
				s->s[--s->len] = '\0';
		}
	}
	strbuf_append(s, "s", 1);
}

void
ofp_flow_text_format_stats(struct strbuf *s,
			   const struct ofp_flow_stats_entry *fs)
{
	strbuf_printf(s, " cookie=0x%" PRIx64 ", duration=", fs->cookie);
	format_duration(s, fs->duration_sec, fs->duration_nsec);
	strbuf_printf(s, ", table=%u, n_packets=%" PRIu64 ", n_bytes=%" PRIu64
		      ", ", fs->table_id, fs->n_packets, fs->n_bytes);
	if (fs->idle_timeout)
		strbuf_printf(s, "idle_timeout=%u, ", fs->idle_timeout);
	if (fs->hard_timeout)
		strbuf_printf(s, "hard_timeout=%u, ", fs->hard_timeout);
	if (fs->flags & OFPFF_SEND_FLOW_REM)
		strbuf_printf(s, "send_flow_rem ");
	if (fs->flags & OFPFF_CHECK_OVERLAP)
		strbuf_printf(s, "check_overlap ");
	if (fs->flags & OFPFF_RESET_COUNTS)
		strbuf_printf(s, "reset_counts ");
	if (fs->flags & OFPFF_NO_PKT_COUNTS)
		strbuf_printf(s, "no_packet_counts ");
	if (fs->flags & OFPFF_NO_BYT_COUNTS)
		strbuf_printf(s, "no_byte_counts ");
	ofp_flow_text_format_match(s, &fs->match, fs->priority);
	if (s->len == 0 || s->s[s->len - 1] != ' ')
		strbuf_append(s, " ", 1);
	strbuf_printf(s, "actions=");
	ofp_flow_text_format_insts(s, &fs->insts);
}
