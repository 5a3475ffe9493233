/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_action_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ofp_text_num.h"
#include "ofp_wire.h"

static const char *const field_names[OFP_FIELD_N] = {
	[OFPXMT_OFB_IN_PORT] = "in_port",
	[OFPXMT_OFB_METADATA] = "metadata",
	[OFPXMT_OFB_ETH_DST] = "eth_dst",
	[OFPXMT_OFB_ETH_SRC] = "eth_src",
	[OFPXMT_OFB_ETH_TYPE] = "eth_type",
	[OFPXMT_OFB_VLAN_VID] = "vlan_vid",
	[OFPXMT_OFB_VLAN_PCP] = "vlan_pcp",
	[OFPXMT_OFB_IP_DSCP] = "ip_dscp",
	[OFPXMT_OFB_IP_ECN] = "ip_ecn",
	[OFPXMT_OFB_IP_PROTO] = "ip_proto",
	[OFPXMT_OFB_IPV4_SRC] = "ipv4_src",
	[OFPXMT_OFB_IPV4_DST] = "ipv4_dst",
	[OFPXMT_OFB_TCP_SRC] = "tcp_src",
	[OFPXMT_OFB_TCP_DST] = "tcp_dst",
	[OFPXMT_OFB_UDP_SRC] = "udp_src",
	[OFPXMT_OFB_UDP_DST] = "udp_dst",
	[OFPXMT_OFB_SCTP_SRC] = "sctp_src",
	[OFPXMT_OFB_SCTP_DST] = "sctp_dst",
	[OFPXMT_OFB_ICMPV4_TYPE] = "icmpv4_type",
	[OFPXMT_OFB_ICMPV4_CODE] = "icmpv4_code",
	[OFPXMT_OFB_ARP_OP] = "arp_op",
	[OFPXMT_OFB_ARP_SPA] = "arp_spa",
	[OFPXMT_OFB_ARP_TPA] = "arp_tpa",
	[OFPXMT_OFB_ARP_SHA] = "arp_sha",
	[OFPXMT_OFB_ARP_THA] = "arp_tha",
	[OFPXMT_OFB_IPV6_SRC] = "ipv6_src",
	[OFPXMT_OFB_IPV6_DST] = "ipv6_dst",
	[OFPXMT_OFB_IPV6_FLABEL] = "ipv6_label",
	[OFPXMT_OFB_ICMPV6_TYPE] = "icmpv6_type",
	[OFPXMT_OFB_ICMPV6_CODE] = "icmpv6_code",
	[OFPXMT_OFB_IPV6_ND_TARGET] = "nd_target",
	[OFPXMT_OFB_IPV6_ND_SLL] = "nd_sll",
	[OFPXMT_OFB_IPV6_ND_TLL] = "nd_tll",
	[OFPXMT_OFB_MPLS_LABEL] = "mpls_label",
	[OFPXMT_OFB_MPLS_TC] = "mpls_tc",
	[OFPXMT_OFB_MPLS_BOS] = "mpls_bos",
	[OFPXMT_OFB_PBB_ISID] = "pbb_isid",
	[OFPXMT_OFB_TUNNEL_ID] = "tun_id",
	[OFPXMT_OFB_IPV6_EXTHDR] = "ipv6_exthdr",
	[OFP_FIELD_TUN_IPV4_SRC] = "tun_src",
	[OFP_FIELD_TUN_IPV4_DST] = "tun_dst",
	[OFP_FIELD_IP_FRAG] = "nw_frag",
};

/* A 4-byte field written as a dotted IPv4 address. */
static bool
field_is_ipv4(unsigned int field)
{
	return field == OFPXMT_OFB_IPV4_SRC || field == OFPXMT_OFB_IPV4_DST ||
	       field == OFPXMT_OFB_ARP_SPA || field == OFPXMT_OFB_ARP_TPA ||
	       field == OFP_FIELD_TUN_IPV4_SRC ||
	       field == OFP_FIELD_TUN_IPV4_DST;
}

const char *
ofp_action_text_field_name(unsigned int field)
{
	return field < OFP_FIELD_N ? field_names[field] : NULL;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A set-field value of len bytes, network order, from text. */
static bool
parse_value(unsigned int field, const char *s, size_t len, uint8_t *v)
{
	uint64_t x;

	memset(v, 0, 16);
	if (len == 6)
		return ofp_text_parse_mac(s, v);
	if (len == 16)
		return inet_pton(AF_INET6, s, v) == 1;
	if (len == 4 && field_is_ipv4(field) && strchr(s, '.') != NULL)
		return inet_pton(AF_INET, s, v) == 1;
	if (!ofp_text_parse_u64(s, len >= 8 ? UINT64_MAX :
			  (1ull << (8 * len)) - 1, &x))
		return false;
	for (size_t i = 0; i < len; i++)
		v[len - 1 - i] = (uint8_t)(x >> (8 * i));
	return true;
}

static int
make_set_field(unsigned int field, const char *val, struct ofpact *a,
	       const char *tok, char *err, size_t errlen)
{
	size_t len = ofp_match_field_len(field);

	if (len == 0 || !ofp_set_field_writable(field))
		return fail(err, errlen, "%s: field cannot be set", tok);
	memset(a, 0, sizeof(*a));
	if (!parse_value(field, val, len, a->value))
		return fail(err, errlen, "%s: bad value '%s'", tok, val);
	if (field == OFPXMT_OFB_VLAN_VID) {
		/* As ovs-ofctl: the OXM value, OFPVID_PRESENT included
		 * (4101 = VID 5); a bare VID gets the bit too. */
		uint16_t vid = (uint16_t)(a->value[0] << 8 | a->value[1]);
		if (vid > 0x1fff)
			return fail(err, errlen, "%s: VLAN id above 4095", tok);
		vid |= OFPVID_PRESENT;
		a->value[0] = (uint8_t)(vid >> 8);
		a->value[1] = (uint8_t)vid;
	}
	a->type = OFPACT_SET_FIELD;
	a->field = (uint16_t)field;
	a->len = (uint8_t)len;
	memset(a->mask, 0xff, len);
	/* Range checks of the wire decoder (e.g. DSCP < 64). */
	struct flow_key k, km;
	static const uint8_t ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	memset(&k, 0, sizeof(k));
	memset(&km, 0, sizeof(km));
	if (field != OFPXMT_OFB_VLAN_VID &&
	    ofp_match_field_to_key(field, a->value, ones, &k, &km))
		return fail(err, errlen, "%s: value out of range", tok);
	return 0;
}

static int
field_by_name(const char *name)
{
	static const struct { const char *alias; int field; } aliases[] = {
		{ "dl_dst", OFPXMT_OFB_ETH_DST },
		{ "dl_src", OFPXMT_OFB_ETH_SRC },
		{ "nw_src", OFPXMT_OFB_IPV4_SRC },
		{ "nw_dst", OFPXMT_OFB_IPV4_DST },
		{ "tunnel_id", OFPXMT_OFB_TUNNEL_ID },
		{ "ipv6_flabel", OFPXMT_OFB_IPV6_FLABEL },
		{ "ipv6_nd_target", OFPXMT_OFB_IPV6_ND_TARGET },
		{ "ipv6_nd_sll", OFPXMT_OFB_IPV6_ND_SLL },
		{ "ipv6_nd_tll", OFPXMT_OFB_IPV6_ND_TLL },
	};

	for (unsigned int f = 0; f < OFP_FIELD_N; f++)
		if (field_names[f] && !strcasecmp(name, field_names[f]))
			return (int)f;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(name, aliases[i].alias))
			return aliases[i].field;
	return -1;
}

/* "name:arg" or "name(arg)" -> arg, or NULL. */
static const char *
arg_of(const char *tok, const char *name, char *buf, size_t buflen)
{
	size_t n = strlen(name);

	if (strncasecmp(tok, name, n) != 0)
		return NULL;
	const char *r = tok + n;
	if (*r == ':' || *r == '=')
		return r + 1;
	if (*r == '(') {
		size_t l = strlen(r + 1);
		if (l == 0 || r[l] != ')' || l >= buflen)
			return NULL;
		memcpy(buf, r + 1, l - 1);
		buf[l - 1] = '\0';
		return buf;
	}
	return NULL;
}

struct simple {
	const char *name;
	enum ofpact_type type;
};

static const struct simple simples[] = {
	{ "pop_vlan", OFPACT_POP_VLAN },
	{ "strip_vlan", OFPACT_POP_VLAN },
	{ "dec_mpls_ttl", OFPACT_DEC_MPLS_TTL },
	{ "dec_ttl", OFPACT_DEC_NW_TTL },
	{ "copy_ttl_out", OFPACT_COPY_TTL_OUT },
	{ "copy_ttl_in", OFPACT_COPY_TTL_IN },
	{ "pop_pbb", OFPACT_POP_PBB },
};

static int
parse_ethertype_action(const char *tok, const char *arg, enum ofpact_type t,
		       struct ofpact *a, char *err, size_t errlen)
{
	uint64_t x;

	if (!ofp_text_parse_u64(arg, UINT16_MAX, &x))
		return fail(err, errlen, "%s: bad ethertype", tok);
	bool ok = t == OFPACT_POP_MPLS ||
		  (t == OFPACT_PUSH_VLAN && (x == 0x8100 || x == 0x88a8)) ||
		  (t == OFPACT_PUSH_MPLS && (x == 0x8847 || x == 0x8848)) ||
		  (t == OFPACT_PUSH_PBB && x == 0x88e7);
	if (!ok)
		return fail(err, errlen, "%s: bad ethertype", tok);
	memset(a, 0, sizeof(*a));
	a->type = t;
	a->ethertype = (uint16_t)x;
	return 0;
}

static int
parse_instruction(const char *tok, struct ofp_insts *insts, char *err,
		  size_t errlen)
{
	char buf[128];
	const char *arg;
	uint64_t x, m;

	if ((arg = arg_of(tok, "goto_table", buf, sizeof(buf))) != NULL) {
		if (!ofp_text_parse_u64(arg, 253, &x))
			return fail(err, errlen, "%s: bad table", tok);
		insts->has_goto = true;
		insts->goto_table = (uint8_t)x;
		return 1;
	}
	if ((arg = arg_of(tok, "meter", buf, sizeof(buf))) != NULL) {
		if (!ofp_text_parse_u64(arg, OFPM_MAX, &x) || x == 0)
			return fail(err, errlen, "%s: bad meter", tok);
		insts->has_meter = true;
		insts->meter_id = (uint32_t)x;
		return 1;
	}
	if ((arg = arg_of(tok, "write_metadata", buf, sizeof(buf))) != NULL) {
		char v[64];
		const char *slash = strchr(arg, '/');

		m = UINT64_MAX;
		if (slash != NULL) {
			size_t l = (size_t)(slash - arg);
			if (l >= sizeof(v) || !ofp_text_parse_u64(slash + 1, UINT64_MAX,
							 &m))
				return fail(err, errlen, "%s: bad mask", tok);
			memcpy(v, arg, l);
			v[l] = '\0';
			arg = v;
		}
		if (!ofp_text_parse_u64(arg, UINT64_MAX, &x))
			return fail(err, errlen, "%s: bad value", tok);
		insts->has_meta = true;
		insts->metadata = x & m;
		insts->metadata_mask = m;
		return 1;
	}
	return -ENOENT;
}

static int
parse_legacy_set(const char *tok, struct ofpact *a, char *err, size_t errlen)
{
	static const struct { const char *name; int field; } legacy[] = {
		{ "mod_dl_src", OFPXMT_OFB_ETH_SRC },
		{ "mod_dl_dst", OFPXMT_OFB_ETH_DST },
		{ "mod_nw_src", OFPXMT_OFB_IPV4_SRC },
		{ "mod_nw_dst", OFPXMT_OFB_IPV4_DST },
		{ "mod_vlan_pcp", OFPXMT_OFB_VLAN_PCP },
	};
	char buf[128];
	const char *arg;

	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if ((arg = arg_of(tok, legacy[i].name, buf, sizeof(buf))))
			return make_set_field((unsigned int)legacy[i].field,
					      arg, a, tok, err, errlen);
	if ((arg = arg_of(tok, "mod_nw_tos", buf, sizeof(buf))) != NULL) {
		uint64_t x;
		char v[8];

		if (!ofp_text_parse_u64(arg, 255, &x) || (x & 3))
			return fail(err, errlen, "%s: bad TOS", tok);
		snprintf(v, sizeof(v), "%u", (unsigned int)(x >> 2));
		return make_set_field(OFPXMT_OFB_IP_DSCP, v, a, tok, err,
				      errlen);
	}
	return -ENOENT;
}

int
ofp_action_text_parse(const char *tok, struct ofp_insts *insts,
		      struct ofpact *a, char *err, size_t errlen)
{
	char buf[128];
	const char *arg;
	uint64_t x;
	int rc;

	rc = parse_instruction(tok, insts, err, errlen);
	if (rc != -ENOENT)
		return rc;
	for (size_t i = 0; i < sizeof(simples) / sizeof(simples[0]); i++) {
		if (!strcasecmp(tok, simples[i].name)) {
			memset(a, 0, sizeof(*a));
			a->type = simples[i].type;
			return 0;
		}
	}
	if ((arg = arg_of(tok, "push_vlan", buf, sizeof(buf))))
		return parse_ethertype_action(tok, arg, OFPACT_PUSH_VLAN, a,
					      err, errlen);
	if ((arg = arg_of(tok, "push_mpls", buf, sizeof(buf))))
		return parse_ethertype_action(tok, arg, OFPACT_PUSH_MPLS, a,
					      err, errlen);
	if ((arg = arg_of(tok, "pop_mpls", buf, sizeof(buf))))
		return parse_ethertype_action(tok, arg, OFPACT_POP_MPLS, a,
					      err, errlen);
	if ((arg = arg_of(tok, "push_pbb", buf, sizeof(buf))))
		return parse_ethertype_action(tok, arg, OFPACT_PUSH_PBB, a,
					      err, errlen);
	if ((arg = arg_of(tok, "set_mpls_ttl", buf, sizeof(buf))) ||
	    (arg = arg_of(tok, "mod_nw_ttl", buf, sizeof(buf)))) {
		if (!ofp_text_parse_u64(arg, 255, &x))
			return fail(err, errlen, "%s: bad TTL", tok);
		memset(a, 0, sizeof(*a));
		a->type = !strncasecmp(tok, "set_mpls_ttl", 12) ?
			  OFPACT_SET_MPLS_TTL : OFPACT_SET_NW_TTL;
		a->ttl = (uint8_t)x;
		return 0;
	}
	if ((arg = arg_of(tok, "set_queue", buf, sizeof(buf))) ||
	    (arg = arg_of(tok, "group", buf, sizeof(buf)))) {
		bool group = !strncasecmp(tok, "group", 5);
		if (!ofp_text_parse_u64(arg, group ? OFPG_MAX : UINT32_MAX, &x))
			return fail(err, errlen, "%s: bad id", tok);
		memset(a, 0, sizeof(*a));
		a->type = group ? OFPACT_GROUP : OFPACT_SET_QUEUE;
		a->id = (uint32_t)x;
		return 0;
	}
	if (!strncasecmp(tok, "set_field:", 10)) {
		const char *arrow = strstr(tok + 10, "->");
		char val[64];

		if (arrow == NULL || (size_t)(arrow - tok - 10) >= sizeof(val))
			return fail(err, errlen, "%s: expected "
				    "set_field:VALUE->FIELD", tok);
		memcpy(val, tok + 10, (size_t)(arrow - tok - 10));
		val[arrow - tok - 10] = '\0';
		int f = field_by_name(arrow + 2);
		if (f < 0)
			return fail(err, errlen, "%s: unknown field '%s'", tok,
				    arrow + 2);
		return make_set_field((unsigned int)f, val, a, tok, err,
				      errlen);
	}
	return parse_legacy_set(tok, a, err, errlen);
}

static void
format_value(struct strbuf *s, const struct ofpact *a)
{
	const uint8_t *v = a->value;
	char ip[INET6_ADDRSTRLEN];
	uint64_t x = 0;

	if (a->len == 6) {
		strbuf_printf(s, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1],
			      v[2], v[3], v[4], v[5]);
		return;
	}
	if (a->len == 16) {
		inet_ntop(AF_INET6, v, ip, sizeof(ip));
		strbuf_printf(s, "%s", ip);
		return;
	}
	if (a->len == 4 && field_is_ipv4(a->field)) {
		inet_ntop(AF_INET, v, ip, sizeof(ip));
		strbuf_printf(s, "%s", ip);
		return;
	}
	for (size_t i = 0; i < a->len && i < 8; i++)
		x = x << 8 | v[i];
	if (a->len >= 2 && a->field != OFPXMT_OFB_VLAN_VID &&
	    a->field != OFPXMT_OFB_TCP_SRC && a->field != OFPXMT_OFB_TCP_DST &&
	    a->field != OFPXMT_OFB_UDP_SRC && a->field != OFPXMT_OFB_UDP_DST &&
	    a->field != OFPXMT_OFB_SCTP_SRC &&
	    a->field != OFPXMT_OFB_SCTP_DST &&
	    a->field != OFPXMT_OFB_MPLS_LABEL &&
	    a->field != OFPXMT_OFB_ARP_OP)
		strbuf_printf(s, "0x%" PRIx64, x);
	else
		strbuf_printf(s, "%" PRIu64, x);
}

void
ofp_action_text_format(struct strbuf *s, const struct ofpact *a)
{
	const char *name;

	switch (a->type) {
	case OFPACT_SET_FIELD:
		strbuf_printf(s, "set_field:");
		format_value(s, a);
		name = ofp_action_text_field_name(a->field);
		strbuf_printf(s, "->%s", name ? name : "?");
		return;
	case OFPACT_PUSH_VLAN:
		strbuf_printf(s, "push_vlan:0x%04x", a->ethertype);
		return;
	case OFPACT_PUSH_MPLS:
		strbuf_printf(s, "push_mpls:0x%04x", a->ethertype);
		return;
	case OFPACT_POP_MPLS:
		strbuf_printf(s, "pop_mpls:0x%04x", a->ethertype);
		return;
	case OFPACT_PUSH_PBB:
		strbuf_printf(s, "push_pbb:0x%04x", a->ethertype);
		return;
	case OFPACT_POP_VLAN: strbuf_printf(s, "pop_vlan"); return;
	case OFPACT_POP_PBB: strbuf_printf(s, "pop_pbb"); return;
	case OFPACT_DEC_MPLS_TTL: strbuf_printf(s, "dec_mpls_ttl"); return;
	case OFPACT_DEC_NW_TTL: strbuf_printf(s, "dec_ttl"); return;
	case OFPACT_COPY_TTL_OUT: strbuf_printf(s, "copy_ttl_out"); return;
	case OFPACT_COPY_TTL_IN: strbuf_printf(s, "copy_ttl_in"); return;
	case OFPACT_SET_MPLS_TTL:
		strbuf_printf(s, "set_mpls_ttl(%u)", a->ttl);
		return;
	case OFPACT_SET_NW_TTL:
		strbuf_printf(s, "mod_nw_ttl:%u", a->ttl);
		return;
	case OFPACT_SET_QUEUE:
		strbuf_printf(s, "set_queue:%" PRIu32, a->id);
		return;
	case OFPACT_GROUP:
		strbuf_printf(s, "group:%" PRIu32, a->id);
		return;
	case OFPACT_METER:
		strbuf_printf(s, "meter:%" PRIu32, a->id);
		return;
	case OFPACT_CLONE:
		strbuf_printf(s, "clone(%u)", a->n_nested);
		return;
	case OFPACT_OUTPUT:
	case OFPACT_CONTROLLER:
		return;
	}
}
