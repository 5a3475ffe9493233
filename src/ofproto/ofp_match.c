/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_match.h"

#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "ofp_wire.h"

/* Word access to struct flow_key that the compiler may not assume is
 * unrelated to member stores (strict aliasing). */
typedef uint64_t __attribute__((may_alias)) key_word;

static const key_word *
kwords(const struct flow_key *k)
{
	return (const key_word *)(const void *)k;
}

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_PBB 0x88e7
#define PBB_ISID_MASK 0x00ffffffu
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132

enum prereq {
	PRQ_NONE,
	PRQ_VLAN,	/* VLAN_VID matches "a tag is present". */
	PRQ_IP_ANY,	/* eth_type IPv4 or IPv6. */
	PRQ_IPV4,
	PRQ_IPV6,
	PRQ_ARP,
	PRQ_TCP,	/* IPv4 or IPv6 and nw_proto 6. */
	PRQ_UDP,
	PRQ_SCTP,
	PRQ_ICMPV4,
	PRQ_ICMPV6,
	PRQ_IN_PORT,	/* IN_PHY_PORT needs IN_PORT. */
	PRQ_ND_SLL,	/* ICMPv6 type 135. */
	PRQ_ND_TLL,	/* ICMPv6 type 136. */
	PRQ_ND,		/* ICMPv6 type 135 or 136. */
	PRQ_MPLS,	/* eth_type 0x8847 or 0x8848. */
	PRQ_PBB,	/* eth_type 0x88e7. */
};

struct oxm_desc {
	const char *name;	/* NULL: not supported. */
	uint8_t len;		/* Wire value length. */
	bool maskable;
	enum prereq prereq;
};

static const struct oxm_desc oxm_descs[OFP_FIELD_N] = {
	[OFPXMT_OFB_IN_PORT] = { "IN_PORT", 4, false, PRQ_NONE },
	[OFPXMT_OFB_METADATA] = { "METADATA", 8, true, PRQ_NONE },
	[OFPXMT_OFB_ETH_DST] = { "ETH_DST", 6, true, PRQ_NONE },
	[OFPXMT_OFB_ETH_SRC] = { "ETH_SRC", 6, true, PRQ_NONE },
	[OFPXMT_OFB_ETH_TYPE] = { "ETH_TYPE", 2, false, PRQ_NONE },
	[OFPXMT_OFB_VLAN_VID] = { "VLAN_VID", 2, true, PRQ_NONE },
	[OFPXMT_OFB_VLAN_PCP] = { "VLAN_PCP", 1, false, PRQ_VLAN },
	[OFPXMT_OFB_IP_DSCP] = { "IP_DSCP", 1, false, PRQ_IP_ANY },
	[OFPXMT_OFB_IP_ECN] = { "IP_ECN", 1, false, PRQ_IP_ANY },
	[OFPXMT_OFB_IP_PROTO] = { "IP_PROTO", 1, false, PRQ_IP_ANY },
	[OFPXMT_OFB_IPV4_SRC] = { "IPV4_SRC", 4, true, PRQ_IPV4 },
	[OFPXMT_OFB_IPV4_DST] = { "IPV4_DST", 4, true, PRQ_IPV4 },
	[OFPXMT_OFB_TCP_SRC] = { "TCP_SRC", 2, true, PRQ_TCP },
	[OFPXMT_OFB_TCP_DST] = { "TCP_DST", 2, true, PRQ_TCP },
	[OFPXMT_OFB_UDP_SRC] = { "UDP_SRC", 2, true, PRQ_UDP },
	[OFPXMT_OFB_UDP_DST] = { "UDP_DST", 2, true, PRQ_UDP },
	[OFPXMT_OFB_SCTP_SRC] = { "SCTP_SRC", 2, true, PRQ_SCTP },
	[OFPXMT_OFB_SCTP_DST] = { "SCTP_DST", 2, true, PRQ_SCTP },
	[OFPXMT_OFB_ICMPV4_TYPE] = { "ICMPV4_TYPE", 1, false, PRQ_ICMPV4 },
	[OFPXMT_OFB_ICMPV4_CODE] = { "ICMPV4_CODE", 1, false, PRQ_ICMPV4 },
	[OFPXMT_OFB_ARP_OP] = { "ARP_OP", 2, false, PRQ_ARP },
	[OFPXMT_OFB_ARP_SPA] = { "ARP_SPA", 4, true, PRQ_ARP },
	[OFPXMT_OFB_ARP_TPA] = { "ARP_TPA", 4, true, PRQ_ARP },
	[OFPXMT_OFB_ARP_SHA] = { "ARP_SHA", 6, true, PRQ_ARP },
	[OFPXMT_OFB_ARP_THA] = { "ARP_THA", 6, true, PRQ_ARP },
	[OFPXMT_OFB_IPV6_SRC] = { "IPV6_SRC", 16, true, PRQ_IPV6 },
	[OFPXMT_OFB_IPV6_DST] = { "IPV6_DST", 16, true, PRQ_IPV6 },
	[OFPXMT_OFB_IPV6_FLABEL] = { "IPV6_FLABEL", 4, true, PRQ_IPV6 },
	[OFPXMT_OFB_ICMPV6_TYPE] = { "ICMPV6_TYPE", 1, false, PRQ_ICMPV6 },
	[OFPXMT_OFB_ICMPV6_CODE] = { "ICMPV6_CODE", 1, false, PRQ_ICMPV6 },
	[OFPXMT_OFB_TUNNEL_ID] = { "TUNNEL_ID", 8, true, PRQ_NONE },
	[OFPXMT_OFB_IN_PHY_PORT] = { "IN_PHY_PORT", 4, false, PRQ_IN_PORT },
	[OFPXMT_OFB_IPV6_ND_TARGET] = { "IPV6_ND_TARGET", 16, false, PRQ_ND },
	[OFPXMT_OFB_IPV6_ND_SLL] = { "IPV6_ND_SLL", 6, false, PRQ_ND_SLL },
	[OFPXMT_OFB_IPV6_ND_TLL] = { "IPV6_ND_TLL", 6, false, PRQ_ND_TLL },
	[OFPXMT_OFB_MPLS_LABEL] = { "MPLS_LABEL", 4, false, PRQ_MPLS },
	[OFPXMT_OFB_MPLS_TC] = { "MPLS_TC", 1, false, PRQ_MPLS },
	[OFPXMT_OFB_MPLS_BOS] = { "MPLS_BOS", 1, false, PRQ_MPLS },
	[OFPXMT_OFB_PBB_ISID] = { "PBB_ISID", 3, true, PRQ_PBB },
	[OFPXMT_OFB_IPV6_EXTHDR] = { "IPV6_EXTHDR", 2, true, PRQ_IPV6 },
	[OFP_FIELD_TUN_IPV4_SRC] = { "TUN_IPV4_SRC", 4, true, PRQ_NONE },
	[OFP_FIELD_TUN_IPV4_DST] = { "TUN_IPV4_DST", 4, true, PRQ_NONE },
	[OFP_FIELD_IP_FRAG] = { "NXM_NX_IP_FRAG", 1, true, PRQ_IP_ANY },
};

static const struct oxm_desc *
oxm_desc_get(unsigned int field)
{
	if (field >= OFP_FIELD_N || oxm_descs[field].name == NULL)
		return NULL;
	return &oxm_descs[field];
}

const char *
ofp_match_field_name(unsigned int field)
{
	const struct oxm_desc *d = oxm_desc_get(field);

	return d ? d->name : NULL;
}

void
ofp_match_init_catchall(struct ofp_flow_match *m)
{
	memset(m, 0, sizeof(*m));
}

static uint32_t
rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Writes a field into (k, m), both already zero for that field's bits in
 * the caller's temporary. Returns a BAD_VALUE error where the value is out
 * of range. */
enum ofperr
ofp_match_field_to_key(unsigned int field, const uint8_t *v, const uint8_t *mk,
	     struct flow_key *k, struct flow_key *m)
{
	switch (field) {
	case OFPXMT_OFB_IN_PORT:
		k->in_port = ofp_rd32(v);
		m->in_port = UINT32_MAX;
		break;
	case OFPXMT_OFB_METADATA:
		k->metadata = ofp_rd64(v);
		m->metadata = ofp_rd64(mk);
		break;
	case OFPXMT_OFB_ETH_DST:
		memcpy(k->eth_dst, v, 6);
		memcpy(m->eth_dst, mk, 6);
		break;
	case OFPXMT_OFB_ETH_SRC:
		memcpy(k->eth_src, v, 6);
		memcpy(m->eth_src, mk, 6);
		break;
	case OFPXMT_OFB_ETH_TYPE:
		memcpy(&k->eth_type, v, 2);
		m->eth_type = 0xffff;
		break;
	case OFPXMT_OFB_VLAN_VID: {
		uint16_t val = ofp_rd16(v), msk = ofp_rd16(mk) & 0x1fff;

		if (val & ~0x1fff)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		if (msk == 0x1fff && !(val & OFPVID_PRESENT) && val != 0)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->vlan_tci = htons(val & msk);
		m->vlan_tci = htons(msk);
		break;
	}
	case OFPXMT_OFB_VLAN_PCP:
		if (v[0] > 7)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->vlan_tci = htons((uint16_t)(v[0] << FLOW_VLAN_PCP_SHIFT));
		m->vlan_tci = htons(FLOW_VLAN_PCP_MASK);
		break;
	case OFPXMT_OFB_IP_DSCP:
		if (v[0] > 63)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->nw_tos = (uint8_t)(v[0] << 2);
		m->nw_tos = 0xfc;
		break;
	case OFPXMT_OFB_IP_ECN:
		if (v[0] > 3)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->nw_tos = v[0];
		m->nw_tos = 0x03;
		break;
	case OFPXMT_OFB_IP_PROTO:
		k->nw_proto = v[0];
		m->nw_proto = 0xff;
		break;
	case OFPXMT_OFB_IPV4_SRC:
	case OFPXMT_OFB_ARP_SPA:
		memcpy(&k->nw_src, v, 4);
		memcpy(&m->nw_src, mk, 4);
		break;
	case OFPXMT_OFB_IPV4_DST:
	case OFPXMT_OFB_ARP_TPA:
		memcpy(&k->nw_dst, v, 4);
		memcpy(&m->nw_dst, mk, 4);
		break;
	case OFPXMT_OFB_TCP_SRC:
	case OFPXMT_OFB_UDP_SRC:
	case OFPXMT_OFB_SCTP_SRC:
		memcpy(&k->tp_src, v, 2);
		memcpy(&m->tp_src, mk, 2);
		break;
	case OFPXMT_OFB_TCP_DST:
	case OFPXMT_OFB_UDP_DST:
	case OFPXMT_OFB_SCTP_DST:
		memcpy(&k->tp_dst, v, 2);
		memcpy(&m->tp_dst, mk, 2);
		break;
	case OFPXMT_OFB_ICMPV4_TYPE:
	case OFPXMT_OFB_ICMPV6_TYPE:
		k->tp_src = htons(v[0]);
		m->tp_src = 0xffff;
		break;
	case OFPXMT_OFB_ICMPV4_CODE:
	case OFPXMT_OFB_ICMPV6_CODE:
		k->tp_dst = htons(v[0]);
		m->tp_dst = 0xffff;
		break;
	case OFPXMT_OFB_ARP_OP:
		if (ofp_rd16(v) > 0xff)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->nw_proto = v[1];
		m->nw_proto = 0xff;
		break;
	case OFPXMT_OFB_ARP_SHA:
		memcpy(k->arp_sha, v, 6);
		memcpy(m->arp_sha, mk, 6);
		break;
	case OFPXMT_OFB_ARP_THA:
		memcpy(k->arp_tha, v, 6);
		memcpy(m->arp_tha, mk, 6);
		break;
	case OFPXMT_OFB_IPV6_SRC:
		memcpy(k->ipv6_src, v, 16);
		memcpy(m->ipv6_src, mk, 16);
		break;
	case OFPXMT_OFB_IPV6_DST:
		memcpy(k->ipv6_dst, v, 16);
		memcpy(m->ipv6_dst, mk, 16);
		break;
	case OFPXMT_OFB_IPV6_FLABEL:
		if (ofp_rd32(v) > 0xfffff)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		memcpy(&k->ipv6_label, v, 4);
		m->ipv6_label = htonl(ofp_rd32(mk) & 0xfffff);
		break;
	case OFPXMT_OFB_TUNNEL_ID:
		k->tunnel_id = ofp_rd64(v);
		m->tunnel_id = ofp_rd64(mk);
		break;
	case OFP_FIELD_TUN_IPV4_SRC:
		memcpy(&k->tun_src, v, 4);
		memcpy(&m->tun_src, mk, 4);
		break;
	case OFP_FIELD_TUN_IPV4_DST:
		memcpy(&k->tun_dst, v, 4);
		memcpy(&m->tun_dst, mk, 4);
		break;
	case OFP_FIELD_IP_FRAG:
		/* Only the two defined bits (as Open vSwitch). */
		k->nw_frag = v[0] & (FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
		m->nw_frag = mk[0] & (FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
		break;
	case OFPXMT_OFB_IN_PHY_PORT: {
		/* OpenFlow 1.3 (7.2.3.7): a packet that came from a tunnel
		 * port has the tunnel port as IN_PORT and the underlay port
		 * as IN_PHY_PORT (flow_key.h: 16 bits, 0 when equal to
		 * in_port, which ofp_match_set_field() works out). */
		uint32_t port = ofp_rd32(v);

		if (port >= 0xff00u && port < 0xffffff00u)	/* OFPP_MAX */
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->in_phy_port = flow_phy_port_16(port);
		m->in_phy_port = UINT16_MAX;
		break;
	}
	case OFPXMT_OFB_IPV6_ND_TARGET:
		memcpy(k->nd_target, v, 16);
		memset(m->nd_target, 0xff, 16);
		break;
	case OFPXMT_OFB_IPV6_ND_SLL:
		memcpy(k->arp_sha, v, 6);
		memset(m->arp_sha, 0xff, 6);
		break;
	case OFPXMT_OFB_IPV6_ND_TLL:
		memcpy(k->arp_tha, v, 6);
		memset(m->arp_tha, 0xff, 6);
		break;
	case OFPXMT_OFB_MPLS_LABEL:
		if (ofp_rd32(v) > 0xfffff)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->mpls_lse = htonl(ofp_rd32(v) << 12);
		m->mpls_lse = htonl(0xfffff000u);
		break;
	case OFPXMT_OFB_MPLS_TC:
		if (v[0] > 7)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->mpls_lse = htonl((uint32_t)v[0] << 9);
		m->mpls_lse = htonl(0x00000e00u);
		break;
	case OFPXMT_OFB_MPLS_BOS:
		if (v[0] > 1)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		k->mpls_lse = htonl((uint32_t)v[0] << 8);
		m->mpls_lse = htonl(0x00000100u);
		break;
	case OFPXMT_OFB_PBB_ISID:
		/* 3 bytes on the wire; the low 24 bits of the word the I-SID
		 * shares with mpls_lse (flow_key.h). */
		k->pbb_isid = htonl(rd24(v));
		m->pbb_isid = htonl(rd24(mk));
		break;
	case OFPXMT_OFB_IPV6_EXTHDR:
		if (ofp_rd16(v) > 0x1ff)
			return OFPERR_BAD_MATCH_BAD_VALUE;
		memcpy(&k->ipv6_exthdr, v, 2);
		m->ipv6_exthdr = htons(ofp_rd16(mk) & 0x1ff);
		break;
	default:
		return OFPERR_BAD_MATCH_BAD_FIELD;
	}
	return OFPERR_OK;
}

enum ofperr
ofp_match_set_field(struct ofp_flow_match *m, uint64_t *seen,
		    unsigned int field, const void *value, const void *mask)
{
	static const uint8_t ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	const struct oxm_desc *d = oxm_desc_get(field);
	const uint8_t *v = value, *mk = mask ? mask : ones;
	struct flow_key k, km;

	if (d == NULL)
		return OFPERR_BAD_MATCH_BAD_FIELD;
	if (mask != NULL && !d->maskable)
		return OFPERR_BAD_MATCH_BAD_MASK;
	if (*seen & (1ull << field))
		return OFPERR_BAD_MATCH_DUP_FIELD;
	for (size_t i = 0; i < d->len; i++)
		if (v[i] & ~mk[i])
			return OFPERR_BAD_MATCH_BAD_WILDCARDS;

	memset(&k, 0, sizeof(k));
	memset(&km, 0, sizeof(km));
	enum ofperr err = ofp_match_field_to_key(field, v, mk, &k, &km);
	if (err)
		return err;
	/* Fields that share key bytes (VID/PCP, DSCP/ECN) only touch their own
	 * bits; clear those bits before merging. */
	key_word *mkw = (key_word *)(void *)&m->key;
	key_word *mmw = (key_word *)(void *)&m->mask;
	const key_word *kw = kwords(&k), *kmw = kwords(&km);
	for (size_t i = 0; i < FLOW_KEY_WORDS; i++) {
		mkw[i] = (mkw[i] & ~kmw[i]) | (kw[i] & kmw[i]);
		mmw[i] |= kmw[i];
	}
	*seen |= 1ull << field;
	/* IN_PHY_PORT equal to IN_PORT (whichever came first) is a packet
	 * from that port itself, whose key has in_phy_port 0. */
	if ((field == OFPXMT_OFB_IN_PORT || field == OFPXMT_OFB_IN_PHY_PORT) &&
	    (*seen & (1ull << OFPXMT_OFB_IN_PORT)) &&
	    m->mask.in_phy_port != 0 &&
	    m->key.in_phy_port == flow_phy_port_16(m->key.in_port) &&
	    flow_phy_port_32(m->key.in_phy_port) == m->key.in_port)
		m->key.in_phy_port = 0;
	return OFPERR_OK;
}

static bool
eth_type_is(const struct ofp_flow_match *m, uint16_t type)
{
	return m->mask.eth_type == 0xffff && m->key.eth_type == htons(type);
}

static bool
proto_is(const struct ofp_flow_match *m, uint8_t proto)
{
	return m->mask.nw_proto == 0xff && m->key.nw_proto == proto;
}

static bool
prereq_ok(const struct ofp_flow_match *m, enum prereq p)
{
	bool ip = eth_type_is(m, ETH_TYPE_IP) || eth_type_is(m, ETH_TYPE_IPV6);

	switch (p) {
	case PRQ_NONE:
		return true;
	case PRQ_VLAN:
		return (m->mask.vlan_tci & htons(FLOW_VLAN_TCI_PRESENT)) &&
		       (m->key.vlan_tci & htons(FLOW_VLAN_TCI_PRESENT));
	case PRQ_IP_ANY:
		return ip;
	case PRQ_IPV4:
		return eth_type_is(m, ETH_TYPE_IP);
	case PRQ_IPV6:
		return eth_type_is(m, ETH_TYPE_IPV6);
	case PRQ_ARP:
		return eth_type_is(m, ETH_TYPE_ARP);
	case PRQ_TCP:
		return ip && proto_is(m, IPPROTO_TCP_);
	case PRQ_UDP:
		return ip && proto_is(m, IPPROTO_UDP_);
	case PRQ_SCTP:
		return ip && proto_is(m, IPPROTO_SCTP_);
	case PRQ_ICMPV4:
		return eth_type_is(m, ETH_TYPE_IP) && proto_is(m, IPPROTO_ICMP_);
	case PRQ_ICMPV6:
		return eth_type_is(m, ETH_TYPE_IPV6) &&
		       proto_is(m, IPPROTO_ICMPV6_);
	case PRQ_IN_PORT:
		return m->mask.in_port == UINT32_MAX;
	case PRQ_ND:
	case PRQ_ND_SLL:
	case PRQ_ND_TLL: {
		if (!prereq_ok(m, PRQ_ICMPV6) || m->mask.tp_src != 0xffff)
			return false;
		uint16_t t = ntohs(m->key.tp_src);
		return p == PRQ_ND ? (t == 135 || t == 136) :
		       t == (p == PRQ_ND_SLL ? 135 : 136);
	}
	case PRQ_MPLS:
		return eth_type_is(m, 0x8847) || eth_type_is(m, 0x8848);
	case PRQ_PBB:
		return eth_type_is(m, ETH_TYPE_PBB);
	}
	return false;
}

enum ofperr
ofp_match_check_prereqs(const struct ofp_flow_match *m, uint64_t seen)
{
	if ((seen & (1ull << OFPXMT_OFB_IN_PHY_PORT)) &&
	    !(seen & (1ull << OFPXMT_OFB_IN_PORT)))
		return OFPERR_BAD_MATCH_BAD_PREREQ;
	for (unsigned int f = 0; f < OFP_FIELD_N; f++) {
		if (!(seen & (1ull << f)))
			continue;
		const struct oxm_desc *d = oxm_desc_get(f);
		if (d == NULL || !prereq_ok(m, d->prereq))
			return OFPERR_BAD_MATCH_BAD_PREREQ;
	}
	return OFPERR_OK;
}

enum ofperr
ofp_match_decode_oxms(const void *buf, size_t len, struct ofp_flow_match *m)
{
	const uint8_t *p = buf;
	uint64_t seen = 0;

	ofp_match_init_catchall(m);
	while (len > 0) {
		if (len < 4)
			return OFPERR_BAD_MATCH_BAD_LEN;
		uint32_t h = ofp_rd32(p);
		size_t plen = OXM_LENGTH(h);

		if (plen + 4 > len)
			return OFPERR_BAD_MATCH_BAD_LEN;
		unsigned int field;
		if (!ofp_oxm_to_field(h, &field))
			return OFPERR_BAD_MATCH_BAD_FIELD;
		const struct oxm_desc *d = oxm_desc_get(field);
		if (d == NULL)
			return OFPERR_BAD_MATCH_BAD_FIELD;
		if (plen != (size_t)d->len * (OXM_HASMASK(h) ? 2 : 1))
			return OFPERR_BAD_MATCH_BAD_LEN;
		enum ofperr err = ofp_match_set_field(m, &seen, field,
			p + 4, OXM_HASMASK(h) ? p + 4 + d->len : NULL);
		if (err)
			return err;
		p += 4 + plen;
		len -= 4 + plen;
	}
	return ofp_match_check_prereqs(m, seen);
}

enum ofperr
ofp_match_decode(const void *buf, size_t len, struct ofp_flow_match *m,
		 size_t *consumed)
{
	const uint8_t *p = buf;

	if (len < OFP_MATCH_HDR_LEN)
		return OFPERR_BAD_MATCH_BAD_LEN;
	uint16_t type = ofp_rd16(p), mlen = ofp_rd16(p + 2);
	if (type != OFPMT_OXM)
		return OFPERR_BAD_MATCH_BAD_TYPE;
	size_t padded = ((size_t)mlen + 7) / 8 * 8;
	if (mlen < OFP_MATCH_HDR_LEN || padded > len)
		return OFPERR_BAD_MATCH_BAD_LEN;
	enum ofperr err = ofp_match_decode_oxms(p + OFP_MATCH_HDR_LEN,
						mlen - OFP_MATCH_HDR_LEN, m);
	if (err)
		return err;
	*consumed = padded;
	return OFPERR_OK;
}

/* Encoding. */

static void
put_oxm(struct ofp_buf *b, unsigned int field, const void *v,
	const void *mk, size_t len)
{
	bool has_mask = mk != NULL;

	ofp_buf_put_be32(b, OFP_FIELD_OXM_HEADER(field, has_mask,
					      len * (has_mask + 1)));
	ofp_buf_put(b, v, len);
	if (has_mask)
		ofp_buf_put(b, mk, len);
}

static bool
all_ones(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

static bool
all_zeros(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A field kept in network order in the key: exact, masked or absent. */
static void
put_bytes(struct ofp_buf *b, unsigned int field, const void *v,
	  const void *mk, size_t len)
{
	if (all_zeros(mk, len))
		return;
	put_oxm(b, field, v, all_ones(mk, len) ? NULL : mk, len);
}

static void
put_u8(struct ofp_buf *b, unsigned int field, uint8_t v)
{
	put_oxm(b, field, &v, NULL, 1);
}

static void
put_be64_host(struct ofp_buf *b, unsigned int field, uint64_t v, uint64_t mk)
{
	uint64_t bv = htobe64(v), bm = htobe64(mk);

	put_bytes(b, field, &bv, &bm, 8);
}

static void
encode_l4(const struct ofp_flow_match *m, struct ofp_buf *b, bool ipv4)
{
	const struct flow_key *k = &m->key, *mk = &m->mask;
	unsigned int src, dst;

	if (mk->nw_proto != 0xff)
		return;
	switch (k->nw_proto) {
	case IPPROTO_TCP_:
		src = OFPXMT_OFB_TCP_SRC, dst = OFPXMT_OFB_TCP_DST;
		break;
	case IPPROTO_UDP_:
		src = OFPXMT_OFB_UDP_SRC, dst = OFPXMT_OFB_UDP_DST;
		break;
	case IPPROTO_SCTP_:
		src = OFPXMT_OFB_SCTP_SRC, dst = OFPXMT_OFB_SCTP_DST;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if ((k->nw_proto == IPPROTO_ICMP_) != ipv4)
			return;
		src = ipv4 ? OFPXMT_OFB_ICMPV4_TYPE : OFPXMT_OFB_ICMPV6_TYPE;
		dst = ipv4 ? OFPXMT_OFB_ICMPV4_CODE : OFPXMT_OFB_ICMPV6_CODE;
		if (mk->tp_src)
			put_u8(b, src, (uint8_t)ntohs(k->tp_src));
		if (mk->tp_dst)
			put_u8(b, dst, (uint8_t)ntohs(k->tp_dst));
		return;
	default:
		return;
	}
	put_bytes(b, src, &k->tp_src, &mk->tp_src, 2);
	put_bytes(b, dst, &k->tp_dst, &mk->tp_dst, 2);
}

static void
encode_nd(const struct ofp_flow_match *m, struct ofp_buf *b)
{
	const struct flow_key *k = &m->key, *mk = &m->mask;

	if (mk->nw_proto != 0xff || k->nw_proto != IPPROTO_ICMPV6_)
		return;
	put_bytes(b, OFPXMT_OFB_IPV6_ND_TARGET, k->nd_target,
		  mk->nd_target, 16);
	put_bytes(b, OFPXMT_OFB_IPV6_ND_SLL, k->arp_sha, mk->arp_sha, 6);
	put_bytes(b, OFPXMT_OFB_IPV6_ND_TLL, k->arp_tha, mk->arp_tha, 6);
}

static void
encode_mpls(const struct ofp_flow_match *m, struct ofp_buf *b)
{
	uint32_t lse = ntohl(m->key.mpls_lse), msk = ntohl(m->mask.mpls_lse);

	if (msk & 0xfffff000u) {
		uint32_t v = htonl(lse >> 12);
		put_oxm(b, OFPXMT_OFB_MPLS_LABEL, &v, NULL, 4);
	}
	if (msk & 0xe00u)
		put_u8(b, OFPXMT_OFB_MPLS_TC, (uint8_t)((lse >> 9) & 7));
	if (msk & 0x100u)
		put_u8(b, OFPXMT_OFB_MPLS_BOS, (uint8_t)((lse >> 8) & 1));
}

static void
encode_pbb(const struct ofp_flow_match *m, struct ofp_buf *b)
{
	uint32_t v = ntohl(m->key.pbb_isid), msk = ntohl(m->mask.pbb_isid);
	uint8_t bv[3], bm[3];

	msk &= PBB_ISID_MASK;
	if (msk == 0)
		return;
	for (int i = 0; i < 3; i++) {
		bv[i] = (uint8_t)(v >> (16 - 8 * i));
		bm[i] = (uint8_t)(msk >> (16 - 8 * i));
	}
	put_oxm(b, OFPXMT_OFB_PBB_ISID, bv, msk == PBB_ISID_MASK ? NULL : bm,
		3);
}

static void
encode_oxms(const struct ofp_flow_match *m, struct ofp_buf *b)
{
	const struct flow_key *k = &m->key, *mk = &m->mask;

	/* Same field order as Open vSwitch, so its encodings round-trip. */
	if (mk->in_port)
		ofp_buf_put_be32(b, OXM_HEADER(OFPXMT_OFB_IN_PORT, 0, 4)),
		ofp_buf_put_be32(b, k->in_port);
	if (mk->in_phy_port)
		ofp_buf_put_be32(b, OXM_HEADER(OFPXMT_OFB_IN_PHY_PORT, 0, 4)),
		ofp_buf_put_be32(b, k->in_phy_port ?
				 flow_phy_port_32(k->in_phy_port) :
				 k->in_port);
	put_bytes(b, OFPXMT_OFB_ETH_SRC, k->eth_src, mk->eth_src, 6);
	put_bytes(b, OFPXMT_OFB_ETH_DST, k->eth_dst, mk->eth_dst, 6);
	put_bytes(b, OFPXMT_OFB_ETH_TYPE, &k->eth_type, &mk->eth_type, 2);

	uint16_t vmask = ntohs(mk->vlan_tci) & 0x1fff;
	uint16_t vval = ntohs(k->vlan_tci) & 0x1fff;
	if (vmask) {
		uint16_t bv = htons(vval), bm = htons(vmask);
		put_oxm(b, OFPXMT_OFB_VLAN_VID, &bv,
			vmask == 0x1fff ? NULL : &bm, 2);
	}
	if (ntohs(mk->vlan_tci) & FLOW_VLAN_PCP_MASK)
		put_u8(b, OFPXMT_OFB_VLAN_PCP,
		       (uint8_t)(ntohs(k->vlan_tci) >> FLOW_VLAN_PCP_SHIFT));

	if (mk->eth_type == 0xffff) {
		uint16_t et = ntohs(k->eth_type);
		bool v4 = et == ETH_TYPE_IP, v6 = et == ETH_TYPE_IPV6;

		if (v4) {
			put_bytes(b, OFPXMT_OFB_IPV4_SRC, &k->nw_src,
				  &mk->nw_src, 4);
			put_bytes(b, OFPXMT_OFB_IPV4_DST, &k->nw_dst,
				  &mk->nw_dst, 4);
		} else if (v6) {
			put_bytes(b, OFPXMT_OFB_IPV6_SRC, k->ipv6_src,
				  mk->ipv6_src, 16);
			put_bytes(b, OFPXMT_OFB_IPV6_DST, k->ipv6_dst,
				  mk->ipv6_dst, 16);
			if (mk->ipv6_label) {
				uint32_t full = htonl(0xfffff);
				put_oxm(b, OFPXMT_OFB_IPV6_FLABEL,
					&k->ipv6_label,
					mk->ipv6_label == full ? NULL :
					&mk->ipv6_label, 4);
			}
			if (mk->ipv6_exthdr) {
				uint16_t full = htons(0x1ff);
				put_oxm(b, OFPXMT_OFB_IPV6_EXTHDR,
					&k->ipv6_exthdr,
					mk->ipv6_exthdr == full ? NULL :
					&mk->ipv6_exthdr, 2);
			}
		}
		if (v4 || v6) {
			if (mk->nw_tos & 0xfc)
				put_u8(b, OFPXMT_OFB_IP_DSCP, k->nw_tos >> 2);
			if (mk->nw_tos & 0x03)
				put_u8(b, OFPXMT_OFB_IP_ECN, k->nw_tos & 3);
			if (mk->nw_proto)
				put_u8(b, OFPXMT_OFB_IP_PROTO, k->nw_proto);
			if (mk->nw_frag == (FLOW_NW_FRAG_ANY |
					    FLOW_NW_FRAG_LATER))
				put_u8(b, OFP_FIELD_IP_FRAG, k->nw_frag);
			else if (mk->nw_frag)
				put_oxm(b, OFP_FIELD_IP_FRAG, &k->nw_frag,
					&mk->nw_frag, 1);
			encode_l4(m, b, v4);
			if (v6)
				encode_nd(m, b);
		} else if (et == 0x8847 || et == 0x8848) {
			encode_mpls(m, b);
		} else if (et == ETH_TYPE_PBB) {
			encode_pbb(m, b);
		} else if (et == ETH_TYPE_ARP) {
			if (mk->nw_proto) {
				uint16_t op = htons(k->nw_proto);
				put_oxm(b, OFPXMT_OFB_ARP_OP, &op, NULL, 2);
			}
			put_bytes(b, OFPXMT_OFB_ARP_SPA, &k->nw_src,
				  &mk->nw_src, 4);
			put_bytes(b, OFPXMT_OFB_ARP_TPA, &k->nw_dst,
				  &mk->nw_dst, 4);
			put_bytes(b, OFPXMT_OFB_ARP_SHA, k->arp_sha,
				  mk->arp_sha, 6);
			put_bytes(b, OFPXMT_OFB_ARP_THA, k->arp_tha,
				  mk->arp_tha, 6);
		}
	}
	put_be64_host(b, OFPXMT_OFB_TUNNEL_ID, k->tunnel_id, mk->tunnel_id);
	put_bytes(b, OFP_FIELD_TUN_IPV4_SRC, &k->tun_src, &mk->tun_src, 4);
	put_bytes(b, OFP_FIELD_TUN_IPV4_DST, &k->tun_dst, &mk->tun_dst, 4);
	put_be64_host(b, OFPXMT_OFB_METADATA, k->metadata, mk->metadata);
}

size_t
ofp_match_encode(const struct ofp_flow_match *m, struct ofp_buf *b)
{
	size_t start = b->len;

	ofp_buf_put_be16(b, OFPMT_OXM);
	ofp_buf_put_be16(b, 0);
	encode_oxms(m, b);
	uint16_t mlen = htons((uint16_t)(b->len - start));
	memcpy(b->data + start + 2, &mlen, 2);
	ofp_buf_pad8(b, start);
	return b->len - start;
}

bool
ofp_match_equal(const struct ofp_flow_match *a, const struct ofp_flow_match *b)
{
	return flow_key_equal(&a->key, &b->key) &&
	       flow_key_equal(&a->mask, &b->mask);
}

bool
ofp_match_covers(const struct ofp_flow_match *outer,
		 const struct ofp_flow_match *inner)
{
	const key_word *ok = kwords(&outer->key), *om = kwords(&outer->mask);
	const key_word *ik = kwords(&inner->key), *im = kwords(&inner->mask);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++) {
		if (om[i] & ~im[i])
			return false;
		if ((ik[i] & om[i]) != ok[i])
			return false;
	}
	return true;
}

bool
ofp_match_overlaps(const struct ofp_flow_match *a,
		   const struct ofp_flow_match *b)
{
	const key_word *ak = kwords(&a->key), *am = kwords(&a->mask);
	const key_word *bk = kwords(&b->key), *bm = kwords(&b->mask);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if ((ak[i] ^ bk[i]) & am[i] & bm[i])
			return false;
	return true;
}

size_t
ofp_match_field_len(unsigned int field)
{
	const struct oxm_desc *d = oxm_desc_get(field);

	return d ? d->len : 0;
}
