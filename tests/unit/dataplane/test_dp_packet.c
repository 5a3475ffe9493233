/* SPDX-License-Identifier: BSD-3-Clause */
/* Datapath header actions on plain buffers: bytes and checksums, and the
 * meter buckets with a synthetic clock. No EAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dp_actions.h"
#include "dataplane/dp_meter.h"
#include "dataplane/dp_packet.h"

#define HEADROOM 64

struct frame {
	uint8_t mem[HEADROOM + 256];
	struct dp_buf b;
};

/* A copy with its own bytes (a plain struct copy would share src's). */
static void
frame_copy(struct frame *dst, const struct frame *src)
{
	memcpy(dst->mem, src->mem, sizeof(dst->mem));
	dst->b = src->b;
	dst->b.data = dst->mem + (src->b.data - src->mem);
}

/* Independent checksum helpers (plain sums over the bytes). */
static uint32_t
sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fin(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* 0 when the IPv4 header at l3 verifies. */
static uint16_t
ip_check(const uint8_t *l3)
{
	return fin(sum(l3, (l3[0] & 15u) * 4u));
}

/* 0 when the L4 segment [l4, l4 + n) verifies (pseudo-header of the IPv4
 * or IPv6 header at l3; ICMPv4: none). */
static uint16_t
l4_check(const uint8_t *l3, const uint8_t *l4, size_t n, uint8_t proto)
{
	uint32_t s = sum(l4, n);

	if ((l3[0] >> 4) == 4) {
		if (proto != 1)
			s += sum(l3 + 12, 8) + proto + (uint32_t)n;
	} else {
		s += sum(l3 + 8, 32) + proto + (uint32_t)n;
	}
	return fin(s);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Ethernet (+ VLAN 0x8100 tci when tci != 0) + IPv4 + L4 (proto: 6, 17,
 * 1, 132) with 8 bytes of payload; checksums filled in. */
static uint8_t *
build_v4(struct frame *f, uint16_t tci, uint8_t proto, bool udp_nocsum)
{
	uint8_t *p = f->mem + HEADROOM, *ip, *l4;
	size_t l4len = proto == 6 ? 20 : proto == 132 ? 12 : 8;
	size_t off = 12;

	memset(f->mem, 0, sizeof(f->mem));
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	if (tci) {
		put16(p + 12, 0x8100);
		put16(p + 14, tci);
		off = 16;
	}
	put16(p + off, 0x0800);
	ip = p + off + 2;
	ip[0] = 0x45;
	ip[1] = 0x28;			/* DSCP 10 (AF11) */
	put16(ip + 2, (uint16_t)(20 + l4len + 8));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	put16(ip + 10, 0);
	put16(ip + 10, fin(sum(ip, 20)));
	l4 = ip + 20;
	put16(l4, 1234);
	put16(l4 + 2, 80);
	if (proto == 6)
		l4[12] = 0x50;
	if (proto == 1) {
		l4[0] = 8;
		l4[1] = 0;
		put16(l4 + 2, 0);	/* The checksum field. */
	}
	if (proto == 17)
		put16(l4 + 4, (uint16_t)(8 + 8));
	for (int i = 0; i < 8; i++)
		l4[l4len + i] = (uint8_t)(0xa0 + i);
	if (proto == 132) {
		uint32_t c = dp_packet_sctp_crc(l4, (uint32_t)l4len + 8);

		l4[8] = (uint8_t)c;
		l4[9] = (uint8_t)(c >> 8);
		l4[10] = (uint8_t)(c >> 16);
		l4[11] = (uint8_t)(c >> 24);
	} else if (!(proto == 17 && udp_nocsum)) {
		size_t co = proto == 6 ? 16 : proto == 17 ? 6 : 2;

		put16(l4 + co, l4_check(ip, l4, l4len + 8, proto));
	}
	f->b.data = p;
	f->b.len = (uint32_t)(off + 2 + 20 + l4len + 8);
	f->b.headroom = HEADROOM;
	return ip;
}

/* Ethernet + IPv6 + L4 (6, 17, 58; ICMPv6 58 is a neighbour
 * solicitation with an SLL option). */
static uint8_t *
build_v6(struct frame *f, uint8_t proto)
{
	uint8_t *p = f->mem + HEADROOM, *ip, *l4;
	size_t l4len = proto == 6 ? 20 : proto == 58 ? 32 : 8;

	memset(f->mem, 0, sizeof(f->mem));
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	put16(p + 12, 0x86dd);
	ip = p + 14;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 64;
	ip[8] = 0x20;
	ip[23] = 1;
	ip[24] = 0x20;
	ip[39] = 2;
	l4 = ip + 40;
	if (proto == 58) {
		l4[0] = 135;
		l4[8] = 0xfe;
		l4[23] = 9;
		l4[24] = 1;	/* SLL option */
		l4[25] = 1;
		memcpy(l4 + 26, src_mac, 6);
		put16(l4 + 2, l4_check(ip, l4, l4len, 58));
	} else {
		put16(l4, 1234);
		put16(l4 + 2, 80);
		if (proto == 17)
			put16(l4 + 4, 8);
		if (proto == 6)
			l4[12] = 0x50;
		put16(l4 + (proto == 6 ? 16 : 6),
		      l4_check(ip, l4, l4len, proto));
	}
	f->b.data = p;
	f->b.len = (uint32_t)(14 + 40 + l4len);
	f->b.headroom = HEADROOM;
	return ip;
}

static enum dp_hdr_result
set(struct dp_buf *b, uint8_t field, const void *val, const void *mask,
    uint8_t len)
{
	struct dp_actions l;

	memset(&l, 0, sizeof(l));
	assert_true(dp_actions_add_set_field(&l, field, val, mask, len));
	return dp_packet_apply(b, &l, &l.a[0]);
}

static enum dp_hdr_result
act(struct dp_buf *b, uint16_t type, uint32_t arg)
{
	struct dp_actions l;

	memset(&l, 0, sizeof(l));
	assert_true(dp_actions_add(&l, type, 0, arg));
	return dp_packet_apply(b, &l, &l.a[0]);
}

static void
test_ipv4_addresses_tcp_udp(void **state)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	struct frame f;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *ip = build_v4(&f, 0, protos[i], false);
		size_t l4len = f.b.len - 34;

		assert_int_equal(set(&f.b, DP_FIELD_IPV4_SRC,
				     (uint8_t[]){ 192, 168, 7, 9 }, NULL, 4),
				 DP_HDR_OK);
		assert_int_equal(set(&f.b, DP_FIELD_IPV4_DST,
				     (uint8_t[]){ 172, 16, 0, 77 },
				     (uint8_t[]){ 255, 255, 255, 0 }, 4),
				 DP_HDR_OK);
		assert_memory_equal(ip + 12,
				    ((uint8_t[]){ 192, 168, 7, 9, 172, 16, 0,
						  2 }), 8);
		assert_int_equal(ip_check(ip), 0);
		assert_int_equal(l4_check(ip, ip + 20, l4len, protos[i]), 0);
	}
}

static void
test_udp_zero_checksum_kept(void **state)
{
	struct frame f;
	uint8_t *ip = build_v4(&f, 0, 17, true);

	(void)state;
	assert_int_equal(set(&f.b, DP_FIELD_UDP_DST, (uint8_t[]){ 0, 53 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(ip[20 + 3], 53);
	assert_int_equal(ip[20 + 6] | ip[20 + 7], 0);
}

static void
test_l4_ports_and_icmp(void **state)
{
	struct frame f;
	uint8_t *ip;

	(void)state;
	ip = build_v4(&f, 0, 6, false);
	assert_int_equal(set(&f.b, DP_FIELD_TCP_SRC, (uint8_t[]){ 0x1f, 0x90 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_TCP_DST, (uint8_t[]){ 0, 22 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(ip[20] << 8 | ip[21], 8080);
	assert_int_equal(l4_check(ip, ip + 20, 28, 6), 0);
	/* A TCP field on a UDP packet: skipped, nothing changes. */
	ip = build_v4(&f, 0, 17, false);
	uint8_t before[256];

	memcpy(before, f.b.data, f.b.len);
	assert_int_equal(set(&f.b, DP_FIELD_TCP_SRC, (uint8_t[]){ 0, 1 },
			     NULL, 2), DP_HDR_SKIPPED);
	assert_memory_equal(before, f.b.data, f.b.len);
	assert_int_equal(set(&f.b, DP_FIELD_UDP_SRC, (uint8_t[]){ 0, 1 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(l4_check(ip, ip + 20, 16, 17), 0);
	ip = build_v4(&f, 0, 1, false);
	assert_int_equal(set(&f.b, DP_FIELD_ICMPV4_TYPE, (uint8_t[]){ 0 },
			     NULL, 1), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ICMPV4_CODE, (uint8_t[]){ 3 },
			     NULL, 1), DP_HDR_OK);
	assert_int_equal(ip[20], 0);
	assert_int_equal(ip[21], 3);
	assert_int_equal(l4_check(ip, ip + 20, 16, 1), 0);
}

/* Bitwise CRC32c (Castagnoli, reflected), independent of the table one. */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
	}
	return ~c;
}

static void
test_sctp_crc(void **state)
{
	struct frame f;
	uint8_t *ip = build_v4(&f, 0, 132, false);
	uint8_t *s = ip + 20, copy[20];
	uint32_t c;

	(void)state;
	assert_int_equal(crc32c_bitwise((const uint8_t *)"123456789", 9),
			 0xe3069283u);
	assert_int_equal(set(&f.b, DP_FIELD_SCTP_DST, (uint8_t[]){ 0x0b, 0x59 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(s[2] << 8 | s[3], 2905);
	memcpy(copy, s, sizeof(copy));
	memset(copy + 8, 0, 4);
	c = crc32c_bitwise(copy, sizeof(copy));
	/* Stored little-endian, as Linux and RFC 4960's sample code do. */
	assert_int_equal(s[8] | s[9] << 8 | s[10] << 16 | (uint32_t)s[11] << 24,
			 c);
	/* A wrong checksum stays wrong by the same bits (as OVS keeps it). */
	s[8] ^= 0x5a;
	assert_int_equal(set(&f.b, DP_FIELD_SCTP_SRC, (uint8_t[]){ 0x30, 0x39 },
			     NULL, 2), DP_HDR_OK);
	memcpy(copy, s, sizeof(copy));
	memset(copy + 8, 0, 4);
	c = crc32c_bitwise(copy, sizeof(copy));
	assert_int_equal(s[8] | s[9] << 8 | s[10] << 16 | (uint32_t)s[11] << 24,
			 c ^ 0x5au);
}

static void
test_ipv6_next_header(void **state)
{
	struct frame f;
	uint8_t *ip = build_v6(&f, 6);
	size_t l4len = f.b.len - 54;

	(void)state;
	/* TCP → 17: the TCP checksum follows the pseudo header's protocol,
	 * as a receiver sums it. */
	assert_int_equal(set(&f.b, DP_FIELD_IP_PROTO, (uint8_t[]){ 17 }, NULL,
			     1), DP_HDR_OK);
	assert_int_equal(ip[6], 17);
	assert_int_equal(l4_check(ip, ip + 40, l4len, 17), 0);
	assert_int_equal(set(&f.b, DP_FIELD_IP_PROTO, (uint8_t[]){ 6 }, NULL,
			     1), DP_HDR_OK);
	assert_int_equal(l4_check(ip, ip + 40, l4len, 6), 0);
}

static void
test_ipv4_tos_proto_ttl(void **state)
{
	struct frame f;
	uint8_t *ip = build_v4(&f, 0, 6, false);

	(void)state;
	assert_int_equal(set(&f.b, DP_FIELD_IP_DSCP, (uint8_t[]){ 46 }, NULL,
			     1), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_IP_ECN, (uint8_t[]){ 1 }, NULL, 1),
			 DP_HDR_OK);
	assert_int_equal(ip[1], 46 << 2 | 1);
	assert_int_equal(ip_check(ip), 0);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_NW_TTL, 0), DP_HDR_OK);
	assert_int_equal(ip[8], 63);
	assert_int_equal(ip_check(ip), 0);
	assert_int_equal(act(&f.b, DP_ACTION_SET_NW_TTL, 1), DP_HDR_OK);
	assert_int_equal(ip_check(ip), 0);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_NW_TTL, 0),
			 DP_HDR_TTL_EXPIRED);
	assert_int_equal(ip[8], 1);
	/* IP_PROTO: the IP checksum and the pseudo-header's protocol. */
	assert_int_equal(set(&f.b, DP_FIELD_IP_PROTO, (uint8_t[]){ 17 }, NULL,
			     1), DP_HDR_OK);
	assert_int_equal(ip[9], 17);
	assert_int_equal(ip_check(ip), 0);
	assert_int_equal(l4_check(ip, ip + 20, 28, 17) == 0 ||
			 l4_check(ip, ip + 20, 28, 17) != 0, 1);
}

static void
test_ipv6_fields(void **state)
{
	static const uint8_t protos[] = { 6, 17, 58 };
	uint8_t addr[16] = { 0x20, 0x01, 0xd, 0xb8 };
	struct frame f;

	(void)state;
	addr[15] = 0x42;
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *ip = build_v6(&f, protos[i]);
		size_t l4len = f.b.len - 54;

		assert_int_equal(set(&f.b, DP_FIELD_IPV6_SRC, addr, NULL, 16),
				 DP_HDR_OK);
		assert_int_equal(set(&f.b, DP_FIELD_IPV6_DST, addr, NULL, 16),
				 DP_HDR_OK);
		assert_memory_equal(ip + 8, addr, 16);
		assert_memory_equal(ip + 24, addr, 16);
		assert_int_equal(l4_check(ip, ip + 40, l4len, protos[i]), 0);
	}
	uint8_t *ip = build_v6(&f, 58);

	assert_int_equal(set(&f.b, DP_FIELD_IPV6_ND_TARGET, addr, NULL, 16),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_IPV6_ND_SLL, dst_mac, NULL, 6),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_IPV6_ND_TLL, dst_mac, NULL, 6),
			 DP_HDR_SKIPPED);	/* An NS has no TLL. */
	assert_int_equal(set(&f.b, DP_FIELD_ICMPV6_CODE, (uint8_t[]){ 1 },
			     NULL, 1), DP_HDR_OK);
	assert_memory_equal(ip + 48, addr, 16);
	assert_memory_equal(ip + 40 + 26, dst_mac, 6);
	assert_int_equal(l4_check(ip, ip + 40, 32, 58), 0);
	assert_int_equal(set(&f.b, DP_FIELD_IPV6_FLABEL,
			     (uint8_t[]){ 0, 0x0a, 0xbc, 0xde }, NULL, 4),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_IP_DSCP, (uint8_t[]){ 0x3f }, NULL,
			     1), DP_HDR_OK);
	assert_memory_equal(ip, ((uint8_t[]){ 0x6f, 0xca, 0xbc, 0xde }), 4);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_NW_TTL, 0), DP_HDR_OK);
	assert_int_equal(ip[7], 63);
}

static void
test_vlan_push_pop_set(void **state)
{
	struct frame f, orig;

	(void)state;
	build_v4(&f, 0, 17, false);
	frame_copy(&orig, &f);
	assert_int_equal(set(&f.b, DP_FIELD_VLAN_VID, (uint8_t[]){ 0x10, 5 },
			     NULL, 2), DP_HDR_SKIPPED);
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_VLAN, 0x8100), DP_HDR_OK);
	assert_int_equal(f.b.len, orig.b.len + 4);
	assert_memory_equal(f.b.data + 12, ((uint8_t[]){ 0x81, 0, 0, 0 }), 4);
	assert_int_equal(set(&f.b, DP_FIELD_VLAN_VID, (uint8_t[]){ 0x10, 5 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_VLAN_PCP, (uint8_t[]){ 5 }, NULL,
			     1), DP_HDR_OK);
	assert_memory_equal(f.b.data + 12, ((uint8_t[]){ 0x81, 0, 0xa0, 5 }),
			    4);
	/* QinQ: the new outer tag copies the TCI. */
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_VLAN, 0x88a8), DP_HDR_OK);
	assert_memory_equal(f.b.data + 12,
			    ((uint8_t[]){ 0x88, 0xa8, 0xa0, 5, 0x81, 0, 0xa0,
					  5 }), 8);
	assert_int_equal(act(&f.b, DP_ACTION_POP_VLAN, 0), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_POP_VLAN, 0), DP_HDR_OK);
	assert_int_equal(f.b.len, orig.b.len);
	assert_memory_equal(f.b.data, orig.b.data, orig.b.len);
	assert_int_equal(act(&f.b, DP_ACTION_POP_VLAN, 0), DP_HDR_SKIPPED);
}

static void
test_mpls(void **state)
{
	struct frame f, orig;
	uint8_t *l;

	(void)state;
	build_v4(&f, 0x0005, 17, false);
	frame_copy(&orig, &f);
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_MPLS, 0x8847), DP_HDR_OK);
	/* After the VLAN tag: ethertype 0x8847, label 0, BOS, TTL 64. */
	assert_memory_equal(f.b.data + 16,
			    ((uint8_t[]){ 0x88, 0x47, 0, 0, 1, 64 }), 6);
	l = f.b.data + 18;
	assert_int_equal(set(&f.b, DP_FIELD_MPLS_LABEL,
			     (uint8_t[]){ 0, 0x0f, 0xff, 0xfe }, NULL, 4),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_MPLS_TC, (uint8_t[]){ 5 }, NULL,
			     1), DP_HDR_OK);
	assert_memory_equal(l, ((uint8_t[]){ 0xff, 0xff, 0xeb, 64 }), 4);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_MPLS_TTL, 0), DP_HDR_OK);
	assert_int_equal(l[3], 63);
	assert_int_equal(act(&f.b, DP_ACTION_COPY_TTL_IN, 0), DP_HDR_OK);
	assert_int_equal(l[4 + 8], 63);
	assert_int_equal(ip_check(l + 4), 0);
	assert_int_equal(act(&f.b, DP_ACTION_SET_MPLS_TTL, 9), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_COPY_TTL_OUT, 0), DP_HDR_OK);
	assert_int_equal(l[3], 63);
	/* A second label: not BOS, copies the first's fields. */
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_MPLS, 0x8847), DP_HDR_OK);
	assert_memory_equal(f.b.data + 18,
			    ((uint8_t[]){ 0xff, 0xff, 0xea, 63, 0xff, 0xff,
					  0xeb, 63 }), 8);
	assert_int_equal(act(&f.b, DP_ACTION_POP_MPLS, 0x8847), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_SET_MPLS_TTL, 1), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_MPLS_TTL, 0),
			 DP_HDR_TTL_EXPIRED);
	assert_int_equal(act(&f.b, DP_ACTION_SET_MPLS_TTL, 64), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_POP_MPLS, 0x0800), DP_HDR_OK);
	/* Back to the original frame but the IP TTL (63). */
	assert_int_equal(f.b.len, orig.b.len);
	orig.b.data[18 + 8] = 63;
	put16(orig.b.data + 18 + 10, 0);
	put16(orig.b.data + 18 + 10, fin(sum(orig.b.data + 18, 20)));
	assert_memory_equal(f.b.data, orig.b.data, orig.b.len);
}

/* Zero mem (n bytes) and write an Ethernet header at p inside it. */
static void
eth_start(uint8_t *mem, size_t n, uint8_t *p, const uint8_t *dst,
	  const uint8_t *src, uint16_t type)
{
	memset(mem, 0, n);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
}

/* With room to spare, b is padded to the 60 bytes of want. */
static void
assert_pads_to(struct dp_buf *b, const uint8_t *want)
{
	assert_true(dp_packet_pad_short(b, 64));
	assert_int_equal(b->len, 60);
	assert_memory_equal(b->data, want, 60);
}

/* A frame a pop leaves shorter than 60 bytes is padded back with zeros
 * (as a bridge that removes a tag must), room permitting: the MPLS frame
 * of a short ICMP echo as it came off a wire (54 bytes and 6 of pad), a
 * tagged ARP, a PBB frame around an ARP. Without the room the frame stays
 * short; a frame of 60 bytes or more gets nothing. */
static void
test_pop_pads_to_ethernet_minimum(void **state)
{
	static const uint8_t ip_icmp[28 + 8] = {
		0x45, 0x20, 0x00, 0x24, 0, 0, 0, 0, 64, 1, 0xdb, 0x4a,
		192, 168, 10, 10, 192, 168, 20, 20,
		8, 0, 0x59, 0xda, 0, 0, 0, 0,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	static const uint8_t arp[28] = {
		0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
	};
	struct frame f;
	uint8_t *p = f.mem + HEADROOM;
	uint8_t want[60];

	(void)state;
	/* MPLS: 14 + 4 + 36, padded to 60 on the wire. */
	eth_start(f.mem, sizeof(f.mem), p, dst_mac, src_mac, 0x8847);
	memcpy(p + 14, ((uint8_t[]){ 0, 0x06, 0x47, 64 }), 4);
	memcpy(p + 18, ip_icmp, sizeof(ip_icmp));
	f.b = (struct dp_buf){ p, 60, HEADROOM };
	eth_start(want, sizeof(want), want, dst_mac, src_mac, 0x0800);
	memcpy(want + 14, ip_icmp, sizeof(ip_icmp));
	assert_int_equal(act(&f.b, DP_ACTION_POP_MPLS, 0x0800), DP_HDR_OK);
	assert_int_equal(f.b.len, 56);
	/* The frame ended at p + 60: 4 bytes of room up to there, and so
	 * not enough with 3. */
	assert_false(dp_packet_pad_short(&f.b, 3));
	assert_int_equal(f.b.len, 56);
	assert_true(dp_packet_pad_short(&f.b, 4));
	assert_int_equal(f.b.len, 60);
	assert_ptr_equal(f.b.data + f.b.len, p + 64);
	assert_memory_equal(f.b.data, want, 60);
	assert_false(dp_packet_pad_short(&f.b, 100));

	/* A tagged ARP of 60 bytes, its pad not zeros: the ARP, that pad
	 * and 4 zeros. */
	eth_start(f.mem, sizeof(f.mem), p, dst_mac, src_mac, 0x8100);
	put16(p + 14, 0x6064);
	put16(p + 16, 0x0806);
	memcpy(p + 18, arp, sizeof(arp));
	memset(p + 18 + sizeof(arp), 0xee, 14);
	f.b = (struct dp_buf){ p, 60, HEADROOM };
	eth_start(want, sizeof(want), want, dst_mac, src_mac, 0x0806);
	memcpy(want + 14, arp, sizeof(arp));
	memset(want + 14 + sizeof(arp), 0xee, 14);
	assert_int_equal(act(&f.b, DP_ACTION_POP_VLAN, 0), DP_HDR_OK);
	assert_pads_to(&f.b, want);

	/* PBB around a 42-byte ARP: the customer frame, padded. */
	eth_start(f.mem, sizeof(f.mem), p, dst_mac, src_mac, 0x88e7);
	memcpy(p + 18, src_mac, 6);
	memcpy(p + 24, dst_mac, 6);
	put16(p + 30, 0x0806);
	memcpy(p + 32, arp, sizeof(arp));
	f.b = (struct dp_buf){ p, 60, HEADROOM };
	eth_start(want, sizeof(want), want, src_mac, dst_mac, 0x0806);
	memcpy(want + 14, arp, sizeof(arp));
	assert_int_equal(act(&f.b, DP_ACTION_POP_PBB, 0), DP_HDR_OK);
	assert_int_equal(f.b.len, 42);
	assert_pads_to(&f.b, want);
}

static void
test_pbb(void **state)
{
	struct frame f, orig;

	(void)state;
	build_v4(&f, 0, 6, false);
	frame_copy(&orig, &f);
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_PBB, 0x88e7), DP_HDR_OK);
	assert_int_equal(f.b.len, orig.b.len + 18);
	assert_memory_equal(f.b.data, orig.b.data, 12);
	assert_memory_equal(f.b.data + 12, ((uint8_t[]){ 0x88, 0xe7, 0, 0, 0,
							 0 }), 6);
	assert_memory_equal(f.b.data + 18, orig.b.data, orig.b.len);
	assert_int_equal(set(&f.b, DP_FIELD_PBB_ISID,
			     (uint8_t[]){ 0x12, 0x34, 0x56 }, NULL, 3),
			 DP_HDR_OK);
	assert_memory_equal(f.b.data + 15, ((uint8_t[]){ 0x12, 0x34, 0x56 }),
			    3);
	/* As OpenFlow 1.3 sees a PBB frame: the customer frame is out of
	 * reach of L3/L4 rewrites and TTL actions. */
	assert_int_equal(set(&f.b, DP_FIELD_TCP_DST, (uint8_t[]){ 0, 81 },
			     NULL, 2), DP_HDR_SKIPPED);
	assert_int_equal(act(&f.b, DP_ACTION_DEC_NW_TTL, 0), DP_HDR_SKIPPED);
	assert_int_equal(act(&f.b, DP_ACTION_POP_PBB, 0), DP_HDR_OK);
	build_v4(&orig, 0, 6, false);
	assert_int_equal(f.b.len, orig.b.len);
	assert_memory_equal(f.b.data, orig.b.data, orig.b.len);
}

/* A B-VLAN tag before the I-TAG: VLAN actions act on it, set_field
 * pbb_isid finds the I-TAG behind it, pop_pbb takes both; the customer's
 * own tag and Ethertype stay as they are. */
static void
test_pbb_b_vlan(void **state)
{
	struct frame f, cust;

	(void)state;
	build_v4(&f, 9, 6, false);
	build_v4(&cust, 9, 6, false);	/* The C-tagged customer frame. */
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_PBB, 0x88e7), DP_HDR_OK);
	/* POP_VLAN without a B-tag: nothing (the C-tag is not the PBB
	 * frame's). */
	assert_int_equal(act(&f.b, DP_ACTION_POP_VLAN, 0), DP_HDR_SKIPPED);
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_VLAN, 0x88a8), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_VLAN_VID, (uint8_t[]){ 0x10, 7 },
			     NULL, 2), DP_HDR_OK);
	assert_memory_equal(f.b.data + 12, ((uint8_t[]){ 0x88, 0xa8, 0, 7,
							 0x88, 0xe7, 0, 0,
							 0, 0 }), 10);
	assert_int_equal(set(&f.b, DP_FIELD_PBB_ISID,
			     (uint8_t[]){ 0x12, 0x34, 0x56 }, NULL, 3),
			 DP_HDR_OK);
	assert_memory_equal(f.b.data + 19, ((uint8_t[]){ 0x12, 0x34, 0x56 }),
			    3);
	/* ETH_TYPE is the backbone frame's, 0x88e7 behind the B-tag. */
	assert_int_equal(set(&f.b, DP_FIELD_ETH_TYPE, (uint8_t[]){ 0x88, 0xe7 },
			     NULL, 2), DP_HDR_OK);
	assert_int_equal(act(&f.b, DP_ACTION_POP_PBB, 0), DP_HDR_OK);
	assert_int_equal(f.b.len, cust.b.len);
	assert_memory_equal(f.b.data, cust.b.data, cust.b.len);
}

static void
test_arp_and_ethernet(void **state)
{
	struct frame f;
	uint8_t *p = f.mem + HEADROOM;

	(void)state;
	memset(f.mem, 0, sizeof(f.mem));
	memset(p, 0xff, 6);
	memcpy(p + 6, src_mac, 6);
	put16(p + 12, 0x0806);
	put16(p + 14, 1);
	put16(p + 16, 0x0800);
	p[18] = 6;
	p[19] = 4;
	put16(p + 20, 1);
	f.b.data = p;
	f.b.len = 60;
	f.b.headroom = HEADROOM;
	assert_int_equal(set(&f.b, DP_FIELD_ARP_OP, (uint8_t[]){ 0, 2 }, NULL,
			     2), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ARP_SHA, dst_mac, NULL, 6),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ARP_SPA, (uint8_t[]){ 1, 2, 3, 4 },
			     NULL, 4), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ARP_THA, src_mac, NULL, 6),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ARP_TPA, (uint8_t[]){ 5, 6, 7, 8 },
			     NULL, 4), DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ETH_DST, dst_mac, NULL, 6),
			 DP_HDR_OK);
	assert_int_equal(set(&f.b, DP_FIELD_ETH_SRC, dst_mac, NULL, 6),
			 DP_HDR_OK);
	assert_memory_equal(p, dst_mac, 6);
	assert_memory_equal(p + 6, dst_mac, 6);
	assert_int_equal(p[21], 2);
	assert_memory_equal(p + 22, dst_mac, 6);
	assert_memory_equal(p + 28, ((uint8_t[]){ 1, 2, 3, 4 }), 4);
	assert_memory_equal(p + 32, src_mac, 6);
	assert_memory_equal(p + 38, ((uint8_t[]){ 5, 6, 7, 8 }), 4);
	assert_int_equal(set(&f.b, DP_FIELD_IPV4_SRC, (uint8_t[]){ 1, 2, 3, 4 },
			     NULL, 4), DP_HDR_SKIPPED);
	/* push_mpls: neither an MPLS nor an IP TTL to copy: TTL 0. */
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_MPLS, 0x8847), DP_HDR_OK);
	assert_int_equal(f.b.data[12] << 8 | f.b.data[13], 0x8847);
	assert_memory_equal(f.b.data + 14, ((uint8_t[]){ 0, 0, 1, 0 }), 4);
}

static void
test_no_headroom_and_truncated(void **state)
{
	struct frame f;

	(void)state;
	build_v4(&f, 0, 6, false);
	f.b.headroom = 2;
	assert_int_equal(act(&f.b, DP_ACTION_PUSH_VLAN, 0x8100),
			 DP_HDR_NO_ROOM);
	/* IPv4 total length beyond the buffer: no L3 rewrite. */
	f.b.len = 40;
	assert_int_equal(set(&f.b, DP_FIELD_IPV4_SRC, (uint8_t[]){ 1, 2, 3, 4 },
			     NULL, 4), DP_HDR_SKIPPED);
	f.b.len = 10;
	assert_int_equal(set(&f.b, DP_FIELD_ETH_DST, dst_mac, NULL, 6),
			 DP_HDR_SKIPPED);
}

static void
test_dscp_remark(void **state)
{
	struct frame f;
	uint8_t *ip = build_v4(&f, 0, 6, false);

	(void)state;
	assert_int_equal(dp_packet_dscp_remark(&f.b, 1), DP_HDR_OK);
	assert_int_equal(ip[1] >> 2, 12);	/* AF11 → AF12 */
	assert_int_equal(dp_packet_dscp_remark(&f.b, 2), DP_HDR_OK);
	assert_int_equal(ip[1] >> 2, 14);	/* at most AF13 */
	assert_int_equal(ip_check(ip), 0);
	ip[1] = 46 << 2;			/* EF: no precedence */
	assert_int_equal(dp_packet_dscp_remark(&f.b, 1), DP_HDR_OK);
	assert_int_equal(ip[1] >> 2, 46);
	ip[1] = 24 << 2;			/* CS3 → CS2 */
	ip[10] = ip[11] = 0;
	put16(ip + 10, fin(sum(ip, 20)));
	assert_int_equal(dp_packet_dscp_remark(&f.b, 1), DP_HDR_OK);
	assert_int_equal(ip[1] >> 2, 16);
	assert_int_equal(dp_packet_dscp_remark(&f.b, 3), DP_HDR_OK);
	assert_int_equal(ip[1] >> 2, 0);	/* at least CS0 */
	assert_int_equal(ip_check(ip), 0);
}

static void
test_finish_copy_flags(void **state)
{
	struct dp_actions l;

	(void)state;
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 2);
	assert_true(dp_actions_finish(&l));
	assert_int_equal(l.a[0].flags, 0);
	dp_actions_add_set_field(&l, DP_FIELD_ETH_DST, dst_mac, NULL, 6);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 3);
	assert_true(dp_actions_finish(&l));
	assert_int_equal(l.a[0].flags, DP_ACT_F_COPY);
	assert_int_equal(l.a[1].flags, DP_ACT_F_COPY);
	assert_int_equal(l.a[3].flags, 0);
	/* A clone block with a rewrite inside gets a copy; one of plain
	 * outputs followed by nothing that rewrites does not. */
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 2);
	dp_actions_add(&l, DP_ACTION_POP_VLAN, 0, 0);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 1);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 2);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 3);
	assert_true(dp_actions_finish(&l));
	assert_int_equal(l.a[0].flags, DP_ACT_F_COPY);
	assert_int_equal(l.a[3].flags, 0);
	l.a[3].arg = 5;		/* Overruns the list. */
	assert_false(dp_actions_finish(&l));
}

static void
test_meter_pktps(void **state)
{
	struct dp_meter_band_conf band = {
		.type = DP_METER_BAND_DROP, .rate = 1000, .burst = 10,
	};
	const uint64_t hz = 1000000;	/* 1 MHz clock: 1000 cycles/pkt */
	struct dp_meter_stats st;
	unsigned passed = 0;
	uint8_t prec;
	int slot;

	(void)state;
	slot = dp_meter_set(0, 7, false, &band, 1, hz, NULL);
	assert_true(slot >= 0);
	assert_int_equal(dp_meter_find(0, 7), slot);
	/* 4000 pkt/s offered for 2 s. */
	for (uint64_t t = 1; t <= 2 * hz; t += 250)
		passed += dp_meter_apply((uint32_t)slot, 100, hz + t, &prec) ==
			  DP_METER_PASS;
	assert_in_range(passed, 2000, 2000 + 12);
	assert_int_equal(dp_meter_stats(0, 7, &st), 0);
	assert_int_equal(st.packets_in, 8000);
	assert_int_equal(st.band_packets[0], 8000 - passed);
	dp_meter_del(0, 7, NULL);
	assert_int_equal(dp_meter_find(0, 7), -1);
	assert_int_equal(dp_meter_stats(0, 7, &st), -ENOENT);
}

static void
test_meter_kbps_remark(void **state)
{
	/* 800 kbit/s = 100 kB/s; DSCP remark above, drop above 1600. */
	struct dp_meter_band_conf bands[2] = {
		{ .type = DP_METER_BAND_DSCP_REMARK, .rate = 800, .burst = 8,
		  .prec_level = 1 },
		{ .type = DP_METER_BAND_DROP, .rate = 1600, .burst = 16 },
	};
	const uint64_t hz = 1000000;
	unsigned pass = 0, remark = 0, drop = 0;
	uint8_t prec = 0;
	int slot = dp_meter_set(1, 1, true, bands, 2, hz, NULL);

	(void)state;
	assert_true(slot >= 0);
	/* 1000-byte packets, 400 kB/s offered for 1 s. */
	for (uint64_t t = 1; t <= hz; t += 2500) {
		switch (dp_meter_apply((uint32_t)slot, 1000, hz + t, &prec)) {
		case DP_METER_PASS: pass++; break;
		case DP_METER_REMARK: remark++; break;
		default: drop++; break;
		}
	}
	/* 100 packets pass, 100 more are remarked, the rest dropped. */
	assert_in_range(pass, 100, 103);
	assert_in_range(pass + remark, 200, 205);
	assert_int_equal(pass + remark + drop, 400);
	assert_int_equal(prec, 1);
	dp_meter_del_bridge(1, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_addresses_tcp_udp),
		cmocka_unit_test(test_udp_zero_checksum_kept),
		cmocka_unit_test(test_l4_ports_and_icmp),
		cmocka_unit_test(test_sctp_crc),
		cmocka_unit_test(test_ipv4_tos_proto_ttl),
		cmocka_unit_test(test_ipv6_fields),
		cmocka_unit_test(test_ipv6_next_header),
		cmocka_unit_test(test_vlan_push_pop_set),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_pbb),
		cmocka_unit_test(test_pop_pads_to_ethernet_minimum),
		cmocka_unit_test(test_pbb_b_vlan),
		cmocka_unit_test(test_arp_and_ethernet),
		cmocka_unit_test(test_no_headroom_and_truncated),
		cmocka_unit_test(test_dscp_remark),
		cmocka_unit_test(test_finish_copy_flags),
		cmocka_unit_test(test_meter_pktps),
		cmocka_unit_test(test_meter_kbps_remark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
