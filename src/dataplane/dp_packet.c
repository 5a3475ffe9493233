/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header rewrites on a plain buffer (see dp_packet.h). Each action parses
 * the headers it needs afresh (the layout changes with pushes and pops);
 * a rewrite sums the 16-bit words it touches before and after and folds
 * the difference into every checksum that covers them (RFC 1624).
 */
#include "dp_packet.h"
#include "dp_csum.h"

#include <string.h>

#define ET_IPV4 0x0800
#define ET_ARP 0x0806
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_IPV6 0x86dd
#define ET_MPLS 0x8847
#define ET_MPLS_MC 0x8848
#define ET_PBB 0x88e7
#define PBB_HDR_LEN 18

struct hdrs {
	int vlan;		/* Offset of the outer TPID, or -1. */
	int pbb;		/* Offset of the I-TAG TPID (12, or after the
				 * B-VLAN tags), or -1. */
	int et;			/* Offset of the innermost ethertype. */
	uint16_t eth_type;
	int mpls;		/* Top label stack entry, or -1. */
	int l3;			/* IPv4 / IPv6 / ARP header, or -1. */
	int l4;			/* L4 header, or -1. */
	uint8_t proto;		/* L4 protocol when l4 >= 0. */
	int nh;			/* The byte that names the L4 protocol: the
				 * IPv4 protocol, the IPv6 (last) next
				 * header; or -1. */
	uint32_t end;		/* End of the IP datagram (no padding). */
};

static inline bool
is_vlan(uint16_t et)
{
	return et == ET_VLAN || et == ET_QINQ;
}

static inline bool
is_mpls(uint16_t et)
{
	return et == ET_MPLS || et == ET_MPLS_MC;
}

static void
parse_ipv4(const struct dp_buf *b, struct hdrs *h)
{
	const uint8_t *ip = b->data + h->l3;
	uint32_t ihl, tot;

	if (b->len < (uint32_t)h->l3 + 20 || (ip[0] >> 4) != 4)
		goto bad;
	ihl = (ip[0] & 0xfu) * 4u;
	tot = dp_rd16(ip + 2);
	if (ihl < 20 || tot < ihl || h->l3 + tot > b->len)
		goto bad;
	h->end = h->l3 + tot;
	h->nh = h->l3 + 9;
	if ((dp_rd16(ip + 6) & 0x1fff) != 0)
		return;		/* Not the first fragment: no L4 header. */
	h->l4 = h->l3 + (int)ihl;
	h->proto = ip[9];
	return;
bad:
	h->l3 = -1;
}

static void
parse_ipv6(const struct dp_buf *b, struct hdrs *h)
{
	const uint8_t *ip = b->data + h->l3;
	uint32_t off, end;
	uint8_t nh;

	if (b->len < (uint32_t)h->l3 + 40 || (ip[0] >> 4) != 6)
		goto bad;
	end = (uint32_t)h->l3 + 40 + dp_rd16(ip + 4);
	if (end > b->len)
		goto bad;
	h->end = end;
	nh = ip[6];
	h->nh = h->l3 + 6;
	off = (uint32_t)h->l3 + 40;
	for (int i = 0; i < 8; i++) {
		if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
			if (off + 8 > end)
				return;
			uint32_t l = nh == 51 ? (b->data[off + 1] + 2u) * 4u :
				     (b->data[off + 1] + 1u) * 8u;
			nh = b->data[off];
			h->nh = (int)off;
			off += l;
		} else if (nh == 44) {
			if (off + 8 > end)
				return;
			if ((dp_rd16(b->data + off + 2) & 0xfff8) != 0)
				return;
			nh = b->data[off];
			h->nh = (int)off;
			off += 8;
		} else {
			break;
		}
	}
	if (off > end)
		return;
	h->l4 = (int)off;
	h->proto = nh;
	return;
bad:
	h->l3 = -1;
}

static bool
parse(const struct dp_buf *b, struct hdrs *h)
{
	uint32_t off = 12;
	uint16_t et;

	h->vlan = h->pbb = h->mpls = h->l3 = h->l4 = h->nh = -1;
	h->proto = 0;
	h->end = b->len;
	if (b->len < 14)
		return false;
	et = dp_rd16(b->data + off);
	for (int i = 0; i < 4 && is_vlan(et); i++) {
		if (b->len < off + 6)
			return false;
		if (h->vlan < 0)
			h->vlan = (int)off;
		off += 4;
		et = dp_rd16(b->data + off);
	}
	h->et = (int)off;
	h->eth_type = et;
	off += 2;
	if (et == ET_PBB) {
		/* As flow_parse() and OpenFlow 1.3 see it: the backbone
		 * frame (addresses, B-VLAN tags, I-TAG) and nothing of the
		 * customer frame behind it, so that VLAN, MPLS, TTL and
		 * Ethertype actions act on the backbone headers or not at
		 * all. */
		if (b->len < off + 4)
			return false;
		h->pbb = h->et;
		return true;
	}
	if (is_mpls(et)) {
		if (b->len >= off + 4)
			h->mpls = (int)off;
	} else if (et == ET_IPV4) {
		h->l3 = (int)off;
		parse_ipv4(b, h);
	} else if (et == ET_IPV6) {
		h->l3 = (int)off;
		parse_ipv6(b, h);
	} else if (et == ET_ARP) {
		const uint8_t *a = b->data + off;

		if (b->len >= off + 28 && dp_rd16(a) == 1 &&
		    dp_rd16(a + 2) == ET_IPV4 && a[4] == 6 && a[5] == 4)
			h->l3 = (int)off;
	}
	return true;
}

/* Fold a change of covered words (old sum → new sum) into a checksum. */
static void
csum_fix(uint8_t *cs, uint32_t old_sum, uint32_t new_sum, bool udp)
{
	uint16_t c = dp_rd16(cs);
	uint32_t s;

	if (udp && c == 0)
		return;		/* UDP over IPv4 without a checksum. */
	s = (uint16_t)~c;
	s += (uint16_t)~dp_csum_fold(old_sum);
	s += dp_csum_fold(new_sum);
	c = (uint16_t)~dp_csum_fold(s);
	if (udp && c == 0)
		c = 0xffff;
	dp_wr16(cs, c);
}

static const uint32_t *
crc32c_table(void)
{
	static uint32_t table[256];
	static bool ready;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	return table;
}

uint32_t
dp_packet_sctp_crc(const uint8_t *p, uint32_t n)
{
	const uint32_t *t = crc32c_table();
	uint32_t c = 0xffffffffu;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t byte = (i >= 8 && i < 12) ? 0 : p[i];

		c = t[(c ^ byte) & 0xff] ^ (c >> 8);
	}
	return ~c;
}

/* The CRC32c of the SCTP packet of h, or false (none). */
static bool
sctp_crc(const struct dp_buf *b, const struct hdrs *h, uint32_t *crc)
{
	if (h->l4 < 0 || h->proto != 132 || (uint32_t)h->l4 + 12 > h->end ||
	    h->end > b->len)
		return false;
	*crc = dp_packet_sctp_crc(b->data + h->l4, h->end - (uint32_t)h->l4);
	return true;
}

/* After a rewrite inside the SCTP packet: fold the change of its CRC32c
 * (old_crc: computed before) into the stored one, as Open vSwitch does.
 * A correct checksum stays correct; a wrong one stays wrong by the same
 * bits, so that a corrupt packet is not made to look good. */
static void
sctp_fix(struct dp_buf *b, const struct hdrs *h, uint32_t old_crc)
{
	uint8_t *s = b->data + h->l4;
	uint32_t crc, stored;

	if (!sctp_crc(b, h, &crc))
		return;
	/* Stored little-endian (RFC 4960 appendix B). */
	stored = (uint32_t)s[8] | (uint32_t)s[9] << 8 |
		 (uint32_t)s[10] << 16 | (uint32_t)s[11] << 24;
	stored ^= old_crc ^ crc;
	s[8] = (uint8_t)stored;
	s[9] = (uint8_t)(stored >> 8);
	s[10] = (uint8_t)(stored >> 16);
	s[11] = (uint8_t)(stored >> 24);
}

uint16_t
dp_packet_ipv4_csum(const uint8_t *l3)
{
	uint32_t ihl = (l3[0] & 0xfu) * 4u;

	return (uint16_t)~dp_csum_fold(dp_csum_sum16(l3, ihl) - dp_rd16(l3 + 10));
}

/* Offset of the L4 checksum field, or -1 (no checksum to keep). */
static int
l4_csum_off(const struct dp_buf *b, const struct hdrs *h, bool *udp)
{
	uint32_t need;
	int off;

	*udp = false;
	if (h->l4 < 0)
		return -1;
	switch (h->proto) {
	case 6: need = 20; off = 16; break;
	case 17: need = 8; off = 6; *udp = h->eth_type == ET_IPV4; break;
	case 1: need = 4; off = 2; break;
	case 58: need = 4; off = 2; break;
	default: return -1;
	}
	if ((uint32_t)h->l4 + need > h->end || (uint32_t)h->l4 + need > b->len)
		return -1;
	return h->l4 + off;
}

uint16_t
dp_packet_l4_csum(const uint8_t *pkt, uint32_t len, uint32_t l3)
{
	struct dp_buf b = { .data = (uint8_t *)(uintptr_t)pkt, .len = len };
	struct hdrs h;
	uint32_t s = 0, l4len;
	bool udp;
	int cs;

	(void)l3;
	if (!parse(&b, &h) || (cs = l4_csum_off(&b, &h, &udp)) < 0)
		return 0;
	l4len = h.end - (uint32_t)h.l4;
	if (h.eth_type == ET_IPV4) {
		if (h.proto != 1)
			s += dp_csum_sum16(pkt + h.l3 + 12, 8) + h.proto + l4len;
	} else {
		s += dp_csum_sum16(pkt + h.l3 + 8, 32) + h.proto + l4len;
	}
	s += dp_csum_sum16(pkt + h.l4, l4len) - dp_rd16(pkt + cs);
	uint16_t c = (uint16_t)~dp_csum_fold(s);

	return (udp || h.proto == 17) && c == 0 ? 0xffff : c;
}

/* Checksums a rewrite must keep. */
enum {
	CS_IP = 1,		/* The IPv4 header checksum. */
	CS_L4 = 2,		/* The L4 checksum (field of the segment). */
	CS_PSEUDO = 4,		/* The L4 checksum (pseudo-header field);
				 * not ICMPv4, whose sum has none. */
};

/* Write len bytes at off: byte = (byte & ~mask) | (val & mask), keeping
 * the checksums in cs. */
static enum dp_hdr_result
rewrite(struct dp_buf *b, const struct hdrs *h, uint32_t off,
	const uint8_t *val, const uint8_t *mask, uint32_t len, unsigned cs)
{
	uint32_t a = off & ~1u, e = (off + len + 1) & ~1u;
	uint32_t old_sum, new_sum, old_crc = 0;
	uint8_t *p = b->data;
	bool sctp;

	if (off + len > b->len)
		return DP_HDR_SKIPPED;
	if (e > b->len)
		e = b->len;
	/* SCTP's CRC32c covers the packet, not a pseudo header. */
	sctp = (cs & CS_L4) && sctp_crc(b, h, &old_crc);
	old_sum = dp_csum_sum16(p + a, e - a);
	for (uint32_t i = 0; i < len; i++)
		p[off + i] = (uint8_t)((p[off + i] & ~mask[i]) |
				       (val[i] & mask[i]));
	new_sum = dp_csum_sum16(p + a, e - a);
	if (sctp)
		sctp_fix(b, h, old_crc);
	if (old_sum == new_sum)
		return DP_HDR_OK;
	if ((cs & CS_IP) && h->eth_type == ET_IPV4 && h->l3 >= 0)
		csum_fix(p + h->l3 + 10, old_sum, new_sum, false);
	if (cs & (CS_L4 | CS_PSEUDO)) {
		bool udp;
		int l4 = l4_csum_off(b, h, &udp);

		if (l4 >= 0 && ((cs & CS_L4) || h->proto != 1))
			csum_fix(p + l4, old_sum, new_sum, udp);
	}
	return DP_HDR_OK;
}

/* Rewrite an n-byte (1, 2, 4) big-endian word with bit mask. */
static enum dp_hdr_result
rewrite_word(struct dp_buf *b, const struct hdrs *h, int off, unsigned n,
	     uint32_t val, uint32_t mask, unsigned cs)
{
	uint8_t v[4], m[4];

	if (off < 0)
		return DP_HDR_SKIPPED;
	for (unsigned i = 0; i < n; i++) {
		v[i] = (uint8_t)(val >> (8 * (n - 1 - i)));
		m[i] = (uint8_t)(mask >> (8 * (n - 1 - i)));
	}
	return rewrite(b, h, (uint32_t)off, v, m, n, cs);
}

static uint32_t
be_get(const uint8_t *p, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len && i < 4; i++)
		v = v << 8 | p[i];
	return v;
}

/* Offset of an ND option's link-layer address (type 1 SLL, 2 TLL). */
static int
nd_option(const struct dp_buf *b, const struct hdrs *h, uint8_t type)
{
	uint32_t off = (uint32_t)h->l4 + 24;

	while (off + 8 <= h->end) {
		uint32_t olen = b->data[off + 1] * 8u;

		if (olen == 0)
			return -1;
		if (b->data[off] == type && olen == 8)
			return (int)off + 2;
		off += olen;
	}
	return -1;
}

/* IPv6 ip_proto: the next header that names the L4 protocol (the last
 * one of the chain). The L4 checksum's pseudo header carries it as the
 * low byte of a 32-bit word, the IPv6 header as a high byte: fold it in
 * as the receiver will sum it. */
static enum dp_hdr_result
set_ipv6_proto(struct dp_buf *b, const struct hdrs *h, uint8_t v, uint8_t m)
{
	uint8_t *p = b->data, old, new;
	bool udp;
	int cs;

	if (h->nh < 0)
		return DP_HDR_SKIPPED;
	old = p[h->nh];
	new = (uint8_t)((old & ~m) | (v & m));
	if (old == new)
		return DP_HDR_OK;
	p[h->nh] = new;
	cs = l4_csum_off(b, h, &udp);
	if (cs >= 0)
		csum_fix(p + cs, old, new, false);
	return DP_HDR_OK;
}

static enum dp_hdr_result
set_field(struct dp_buf *b, const struct hdrs *h, uint8_t field,
	  const uint8_t *val, const uint8_t *mask, uint8_t len)
{
	bool v4 = h->eth_type == ET_IPV4 && h->l3 >= 0;
	bool v6 = h->eth_type == ET_IPV6 && h->l3 >= 0;
	bool arp = h->eth_type == ET_ARP && h->l3 >= 0;
	uint32_t v = be_get(val, len), m = be_get(mask, len);
	int l3 = h->l3, l4 = h->l4;
	uint8_t p = h->proto;

#define NEED(cond, flen) \
	do { if (!(cond) || len != (flen)) return DP_HDR_SKIPPED; } while (0)
	switch (field) {
	case DP_FIELD_ETH_DST:
		NEED(true, 6);
		return rewrite(b, h, 0, val, mask, 6, 0);
	case DP_FIELD_ETH_SRC:
		NEED(true, 6);
		return rewrite(b, h, 6, val, mask, 6, 0);
	case DP_FIELD_ETH_TYPE:
		NEED(true, 2);
		return rewrite(b, h, (uint32_t)h->et, val, mask, 2, 0);
	case DP_FIELD_VLAN_VID:
		NEED(h->vlan >= 0, 2);
		return rewrite_word(b, h, h->vlan + 2, 2, v, m & 0x0fff, 0);
	case DP_FIELD_VLAN_PCP:
		NEED(h->vlan >= 0, 1);
		return rewrite_word(b, h, h->vlan + 2, 2, v << 13,
				    (m & 7u) << 13, 0);
	case DP_FIELD_IP_DSCP:
		NEED(v4 || v6, 1);
		if (v4)
			return rewrite_word(b, h, l3 + 1, 1, v << 2,
					    (m & 0x3fu) << 2, CS_IP);
		return rewrite_word(b, h, l3, 2, v << 6, (m & 0x3fu) << 6, 0);
	case DP_FIELD_IP_ECN:
		NEED(v4 || v6, 1);
		if (v4)
			return rewrite_word(b, h, l3 + 1, 1, v, m & 3u, CS_IP);
		return rewrite_word(b, h, l3, 2, v << 4, (m & 3u) << 4, 0);
	case DP_FIELD_IP_PROTO:
		NEED(v4 || v6, 1);
		if (v4)
			return rewrite_word(b, h, l3 + 9, 1, v, m,
					    CS_IP | CS_PSEUDO);
		return set_ipv6_proto(b, h, (uint8_t)v, (uint8_t)m);
	case DP_FIELD_IPV4_SRC:
	case DP_FIELD_IPV4_DST:
		NEED(v4, 4);
		return rewrite(b, h, (uint32_t)l3 +
			       (field == DP_FIELD_IPV4_SRC ? 12 : 16),
			       val, mask, 4, CS_IP | CS_PSEUDO);
	case DP_FIELD_TCP_SRC:
	case DP_FIELD_TCP_DST:
		NEED(l4 >= 0 && p == 6 && (uint32_t)l4 + 20 <= h->end, 2);
		return rewrite(b, h, (uint32_t)l4 +
			       (field == DP_FIELD_TCP_SRC ? 0 : 2),
			       val, mask, 2, CS_L4);
	case DP_FIELD_UDP_SRC:
	case DP_FIELD_UDP_DST:
		NEED(l4 >= 0 && p == 17 && (uint32_t)l4 + 8 <= h->end, 2);
		return rewrite(b, h, (uint32_t)l4 +
			       (field == DP_FIELD_UDP_SRC ? 0 : 2),
			       val, mask, 2, CS_L4);
	case DP_FIELD_SCTP_SRC:
	case DP_FIELD_SCTP_DST:
		NEED(l4 >= 0 && p == 132 && (uint32_t)l4 + 12 <= h->end, 2);
		return rewrite(b, h, (uint32_t)l4 +
			       (field == DP_FIELD_SCTP_SRC ? 0 : 2),
			       val, mask, 2, CS_L4);
	case DP_FIELD_ICMPV4_TYPE:
	case DP_FIELD_ICMPV4_CODE:
		NEED(v4 && l4 >= 0 && p == 1 && (uint32_t)l4 + 4 <= h->end, 1);
		return rewrite(b, h, (uint32_t)l4 +
			       (field == DP_FIELD_ICMPV4_TYPE ? 0 : 1),
			       val, mask, 1, CS_L4);
	case DP_FIELD_ARP_OP:
		NEED(arp, 2);
		return rewrite(b, h, (uint32_t)l3 + 6, val, mask, 2, 0);
	case DP_FIELD_ARP_SHA:
		NEED(arp, 6);
		return rewrite(b, h, (uint32_t)l3 + 8, val, mask, 6, 0);
	case DP_FIELD_ARP_SPA:
		NEED(arp, 4);
		return rewrite(b, h, (uint32_t)l3 + 14, val, mask, 4, 0);
	case DP_FIELD_ARP_THA:
		NEED(arp, 6);
		return rewrite(b, h, (uint32_t)l3 + 18, val, mask, 6, 0);
	case DP_FIELD_ARP_TPA:
		NEED(arp, 4);
		return rewrite(b, h, (uint32_t)l3 + 24, val, mask, 4, 0);
	case DP_FIELD_IPV6_SRC:
	case DP_FIELD_IPV6_DST:
		NEED(v6, 16);
		return rewrite(b, h, (uint32_t)l3 +
			       (field == DP_FIELD_IPV6_SRC ? 8 : 24),
			       val, mask, 16, CS_PSEUDO);
	case DP_FIELD_IPV6_FLABEL:
		NEED(v6, 4);
		return rewrite_word(b, h, l3, 4, v, m & 0xfffffu, 0);
	case DP_FIELD_ICMPV6_TYPE:
	case DP_FIELD_ICMPV6_CODE:
		NEED(v6 && l4 >= 0 && p == 58 && (uint32_t)l4 + 4 <= h->end,
		     1);
		return rewrite(b, h, (uint32_t)l4 +
			       (field == DP_FIELD_ICMPV6_TYPE ? 0 : 1),
			       val, mask, 1, CS_L4);
	case DP_FIELD_IPV6_ND_TARGET:
		NEED(v6 && l4 >= 0 && p == 58 &&
		     (uint32_t)l4 + 24 <= h->end &&
		     (b->data[l4] == 135 || b->data[l4] == 136), 16);
		return rewrite(b, h, (uint32_t)l4 + 8, val, mask, 16, CS_L4);
	case DP_FIELD_IPV6_ND_SLL:
	case DP_FIELD_IPV6_ND_TLL: {
		uint8_t t = field == DP_FIELD_IPV6_ND_SLL ? 135 : 136;
		int o;

		NEED(v6 && l4 >= 0 && p == 58 &&
		     (uint32_t)l4 + 24 <= h->end && b->data[l4] == t, 6);
		o = nd_option(b, h, field == DP_FIELD_IPV6_ND_SLL ? 1 : 2);
		if (o < 0)
			return DP_HDR_SKIPPED;
		return rewrite(b, h, (uint32_t)o, val, mask, 6, CS_L4);
	}
	case DP_FIELD_MPLS_LABEL:
		NEED(h->mpls >= 0, 4);
		return rewrite_word(b, h, h->mpls, 4, v << 12,
				    (m & 0xfffffu) << 12, 0);
	case DP_FIELD_MPLS_TC:
		NEED(h->mpls >= 0, 1);
		return rewrite_word(b, h, h->mpls + 2, 1, v << 1,
				    (m & 7u) << 1, 0);
	case DP_FIELD_MPLS_BOS:
		NEED(h->mpls >= 0, 1);
		return rewrite_word(b, h, h->mpls + 2, 1, v, m & 1u, 0);
	case DP_FIELD_PBB_ISID:
		NEED(h->pbb >= 0, 3);
		return rewrite(b, h, (uint32_t)h->pbb + 3, val, mask, 3, 0);
	default:
		return DP_HDR_SKIPPED;
	}
#undef NEED
}

/* Open n bytes at off (the bytes before off move to the front). */
static enum dp_hdr_result
insert(struct dp_buf *b, uint32_t off, uint32_t n)
{
	if (b->headroom < n || off > b->len)
		return DP_HDR_NO_ROOM;
	b->data -= n;
	memmove(b->data, b->data + n, off);
	b->len += n;
	b->headroom -= n;
	return DP_HDR_OK;
}

static void
remove_bytes(struct dp_buf *b, uint32_t off, uint32_t n)
{
	memmove(b->data + n, b->data, off);
	b->data += n;
	b->len -= n;
	b->headroom += n;
}

bool
dp_packet_pad_short(struct dp_buf *b, uint32_t tailroom)
{
	uint32_t pad;

	if (b->len >= DP_ETH_MIN_LEN)
		return false;
	pad = DP_ETH_MIN_LEN - b->len;
	if (tailroom < pad)
		return false;
	memset(b->data + b->len, 0, pad);
	b->len += pad;
	return true;
}

/* The TTL of the IP header at off, its offset, and whether it is IPv4. */
static int
ip_ttl_off(const struct dp_buf *b, uint32_t off, bool *v4)
{
	if (off + 20 > b->len)
		return -1;
	if ((b->data[off] >> 4) == 4) {
		*v4 = true;
		return (int)off + 8;
	}
	if ((b->data[off] >> 4) == 6 && off + 40 <= b->len) {
		*v4 = false;
		return (int)off + 7;
	}
	return -1;
}

static enum dp_hdr_result
set_ip_ttl(struct dp_buf *b, const struct hdrs *h, uint8_t ttl)
{
	if (h->eth_type == ET_IPV4 && h->l3 >= 0)
		return rewrite_word(b, h, h->l3 + 8, 1, ttl, 0xff, CS_IP);
	if (h->eth_type == ET_IPV6 && h->l3 >= 0)
		return rewrite_word(b, h, h->l3 + 7, 1, ttl, 0xff, 0);
	return DP_HDR_SKIPPED;
}

static int
nw_ttl(const struct dp_buf *b, const struct hdrs *h)
{
	if (h->eth_type == ET_IPV4 && h->l3 >= 0)
		return b->data[h->l3 + 8];
	if (h->eth_type == ET_IPV6 && h->l3 >= 0)
		return b->data[h->l3 + 7];
	return -1;
}

static enum dp_hdr_result
push_mpls(struct dp_buf *b, const struct hdrs *h, uint16_t et)
{
	uint32_t l3 = (uint32_t)h->et + 2, lse;
	int ttl = nw_ttl(b, h);
	enum dp_hdr_result r;

	if (h->mpls >= 0)
		lse = (uint32_t)dp_rd16(b->data + h->mpls) << 16 |
		      (uint32_t)(dp_rd16(b->data + h->mpls + 2) & 0xfeffu);
	else
		/* No MPLS TTL to copy: the IP TTL, and without one 0
		 * (OpenFlow 1.3.x 5.12.1, Table 7: the new MPLS TTL comes
		 * from the MPLS or IP TTL; there is nothing else). */
		lse = 0x100u | (uint32_t)(ttl >= 0 ? ttl : 0);
	r = insert(b, l3, 4);
	if (r != DP_HDR_OK)
		return r;
	dp_wr16(b->data + l3 - 2, et);
	dp_wr16(b->data + l3, (uint16_t)(lse >> 16));
	dp_wr16(b->data + l3 + 2, (uint16_t)lse);
	return DP_HDR_OK;
}

static enum dp_hdr_result
ttl_copy(struct dp_buf *b, const struct hdrs *h, bool out)
{
	uint8_t *top;
	int inner;
	bool v4 = false;

	if (h->mpls < 0)
		return DP_HDR_SKIPPED;
	top = b->data + h->mpls;
	if (!(top[2] & 1)) {
		if ((uint32_t)h->mpls + 8 > b->len)
			return DP_HDR_SKIPPED;
		inner = h->mpls + 7;	/* The next entry's TTL. */
	} else {
		inner = ip_ttl_off(b, (uint32_t)h->mpls + 4, &v4);
		if (inner < 0)
			return DP_HDR_SKIPPED;
	}
	if (out) {
		top[3] = b->data[inner];
		return DP_HDR_OK;
	}
	if (v4) {
		/* The inner IPv4 header checksum. */
		uint8_t *ip = b->data + h->mpls + 4;
		uint32_t o = dp_rd16(ip + 8), n;

		ip[8] = top[3];
		n = dp_rd16(ip + 8);
		csum_fix(ip + 10, o, n, false);
	} else {
		b->data[inner] = top[3];
	}
	return DP_HDR_OK;
}

enum dp_hdr_result
dp_packet_apply(struct dp_buf *b, const struct dp_actions *l,
		const struct dp_action *a)
{
	struct hdrs h;
	int ttl;

	if (!parse(b, &h))
		return DP_HDR_SKIPPED;
	switch (a->type) {
	case DP_ACTION_SET_FIELD: {
		const uint8_t *d = &l->data[a->arg];
		uint8_t len;

		if (a->arg >= DP_ACTIONS_DATA)
			return DP_HDR_SKIPPED;
		len = d[0];
		if (a->arg + 1u + 2u * len > DP_ACTIONS_DATA)
			return DP_HDR_SKIPPED;
		return set_field(b, &h, a->sub, d + 1, d + 1 + len, len);
	}
	case DP_ACTION_PUSH_VLAN: {
		/* The new tag is the outermost one; its TCI is the old outer
		 * tag's, or 0. */
		uint16_t tci = h.vlan == 12 ? dp_rd16(b->data + 14) : 0;
		enum dp_hdr_result r = insert(b, 12, 4);

		if (r != DP_HDR_OK)
			return r;
		dp_wr16(b->data + 12, (uint16_t)a->arg);
		dp_wr16(b->data + 14, tci);
		return DP_HDR_OK;
	}
	case DP_ACTION_POP_VLAN:
		if (h.vlan < 0)
			return DP_HDR_SKIPPED;
		remove_bytes(b, (uint32_t)h.vlan, 4);
		return DP_HDR_OK;
	case DP_ACTION_PUSH_MPLS:
		return push_mpls(b, &h, (uint16_t)a->arg);
	case DP_ACTION_POP_MPLS:
		if (h.mpls < 0)
			return DP_HDR_SKIPPED;
		remove_bytes(b, (uint32_t)h.mpls, 4);
		dp_wr16(b->data + h.et, (uint16_t)a->arg);
		return DP_HDR_OK;
	case DP_ACTION_SET_MPLS_TTL:
		if (h.mpls < 0)
			return DP_HDR_SKIPPED;
		b->data[h.mpls + 3] = (uint8_t)a->arg;
		return DP_HDR_OK;
	case DP_ACTION_DEC_MPLS_TTL:
		if (h.mpls < 0)
			return DP_HDR_SKIPPED;
		if (b->data[h.mpls + 3] <= 1)
			return DP_HDR_TTL_EXPIRED;
		b->data[h.mpls + 3]--;
		return DP_HDR_OK;
	case DP_ACTION_SET_NW_TTL:
		return set_ip_ttl(b, &h, (uint8_t)a->arg);
	case DP_ACTION_DEC_NW_TTL:
		ttl = nw_ttl(b, &h);
		if (ttl < 0)
			return DP_HDR_SKIPPED;
		if (ttl <= 1)
			return DP_HDR_TTL_EXPIRED;
		return set_ip_ttl(b, &h, (uint8_t)(ttl - 1));
	case DP_ACTION_COPY_TTL_OUT:
		return ttl_copy(b, &h, true);
	case DP_ACTION_COPY_TTL_IN:
		return ttl_copy(b, &h, false);
	case DP_ACTION_PUSH_PBB: {
		enum dp_hdr_result r = insert(b, 12, PBB_HDR_LEN);

		if (r != DP_HDR_OK)
			return r;
		/* B-DA, B-SA = the customer's; I-TAG with I-SID 0; then the
		 * customer frame from its C-DA. */
		memmove(b->data + PBB_HDR_LEN, b->data, 12);
		dp_wr16(b->data + 12, (uint16_t)a->arg);
		memset(b->data + 14, 0, 4);
		return DP_HDR_OK;
	}
	case DP_ACTION_POP_PBB:
		/* The whole backbone header goes: B-DA, B-SA, B-VLAN tags
		 * and I-TAG; the customer frame starts at its C-DA. */
		if (h.pbb < 0 || b->len < (uint32_t)h.pbb + PBB_HDR_LEN)
			return DP_HDR_SKIPPED;
		remove_bytes(b, 0, (uint32_t)h.pbb + PBB_HDR_LEN - 12);
		return DP_HDR_OK;
	default:
		return DP_HDR_SKIPPED;
	}
}

enum dp_hdr_result
dp_packet_dscp_remark(struct dp_buf *b, uint8_t prec)
{
	struct hdrs h;
	unsigned dscp, cls, dp;
	int off;

	if (!parse(b, &h) || h.l3 < 0 ||
	    (h.eth_type != ET_IPV4 && h.eth_type != ET_IPV6))
		return DP_HDR_SKIPPED;
	if (h.eth_type == ET_IPV4)
		dscp = b->data[h.l3 + 1] >> 2;
	else
		dscp = (dp_rd16(b->data + h.l3) >> 6) & 0x3f;
	cls = dscp >> 3;
	dp = (dscp >> 1) & 3;
	if ((dscp & 7) == 0 && cls > 0) {
		/* A class selector (CS1..CS7, RFC 2474 4.2.2): the class is
		 * the precedence; more drop precedence is a lower class. */
		dscp = (cls > prec ? cls - prec : 0) << 3;
	} else if (cls >= 1 && cls <= 4 && !(dscp & 1) && dp != 0) {
		/* AF1x..AF4x (RFC 2597): raise the drop precedence, at
		 * most to AFx3. */
		dp += prec;
		if (dp > 3)
			dp = 3;
		dscp = cls << 3 | dp << 1;
	} else {
		return DP_HDR_OK;	/* CS0, EF and the rest: none. */
	}
	off = h.l3;
	if (h.eth_type == ET_IPV4)
		return rewrite_word(b, &h, off + 1, 1, dscp << 2, 0xfc, CS_IP);
	return rewrite_word(b, &h, off, 2, dscp << 6, 0x0fc0, 0);
}

/* Index after the block that starts at i (i itself if not a CLONE). */
static unsigned
block_end(const struct dp_actions *l, unsigned i)
{
	if (l->a[i].type != DP_ACTION_CLONE)
		return i + 1;
	return i + 1 + l->a[i].arg;
}

/* Flags for [start, end); returns false when a block overruns. */
static bool
finish_range(struct dp_actions *l, unsigned start, unsigned end)
{
	for (unsigned i = start; i < end; i = block_end(l, i)) {
		struct dp_action *a = &l->a[i];
		bool later_mod = false;

		if (block_end(l, i) > end)
			return false;
		for (unsigned j = block_end(l, i); j < end; j = block_end(l, j))
			if (block_end(l, j) > end) {
				return false;
			} else if (dp_action_modifies(&l->a[j])) {
				later_mod = true;
				break;
			}
		a->flags &= (uint8_t)~DP_ACT_F_COPY;
		if (a->type == DP_ACTION_CLONE) {
			bool inner_mod = false;

			for (unsigned j = i + 1; j < i + 1 + a->arg; j++)
				inner_mod |= dp_action_modifies(&l->a[j]);
			if (later_mod || inner_mod)
				a->flags |= DP_ACT_F_COPY;
			if (!finish_range(l, i + 1, i + 1 + a->arg))
				return false;
		} else if ((a->type == DP_ACTION_OUTPUT ||
			    a->type == DP_ACTION_UPCALL) && later_mod) {
			a->flags |= DP_ACT_F_COPY;
		}
	}
	return true;
}

bool
dp_actions_finish(struct dp_actions *l)
{
	if (l->n > DP_ACTIONS_MAX)
		return false;
	return finish_range(l, 0, l->n);
}

bool
dp_actions_equal(const struct dp_actions *a, const struct dp_actions *b)
{
	if (a->n != b->n || a->data_len != b->data_len ||
	    a->n > DP_ACTIONS_MAX || a->data_len > DP_ACTIONS_DATA)
		return false;
	return memcmp(a->a, b->a, a->n * sizeof(a->a[0])) == 0 &&
	       memcmp(a->data, b->data, a->data_len) == 0;
}
