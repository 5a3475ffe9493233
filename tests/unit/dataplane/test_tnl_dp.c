/* SPDX-License-Identifier: BSD-3-Clause */
/* Tunnel receive classification and outer header push (tnl_dp.h), with
 * crafted frames: good VXLAN / GENEVE, every malformed outer header, unknown
 * VNIs, other UDP ports and protocols, ARP for the endpoint; encap then
 * decap gives the inner frame back; random bytes never crash. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tnl_test_frames.h"

#include "dataplane/dp_packet.h"
#include "dataplane/tnl_dp.h"
#include "dataplane/tnl_encap.h"

static const uint8_t SW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
#define SW_IP "192.0.2.1"
#define PEER_IP "192.0.2.2"

static struct tnl_dp_table t;

static void
table_init(void)
{
	memset(&t, 0, sizeof(t));
	t.ep[0].in_use = true;
	t.ep[0].dp_port = 0;
	t.ep[0].ip = inet_addr(SW_IP);
	memcpy(t.ep[0].mac, SW_MAC, 6);
	t.ep_of_dp_port[0] = 1;
	/* 0: vxlan VNI 100 from PEER; 1: vxlan any VNI / remote on 4790;
	 * 2: geneve VNI 200 from PEER. */
	t.ports[0] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_VXLAN, .udp_dst = htons(4789), .vni = 100,
		.remote_ip = inet_addr(PEER_IP), .in_port = 10 };
	t.ports[1] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_VXLAN, .udp_dst = htons(4790), .key_flow = true,
		.remote_flow = true, .in_port = 12 };
	t.ports[2] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_GENEVE, .udp_dst = htons(6081), .vni = 200,
		.remote_ip = inet_addr(PEER_IP), .in_port = 11 };
	t.n_ports = 3;
}

/* Encapsulate with tnl_push() into buf (returns the frame's start). */
static uint8_t *
encap(uint8_t *buf, size_t size, enum tnl_type type, uint16_t dport,
      uint32_t vni, const char *src, uint32_t inner_len, uint32_t *len)
{
	struct tnl_push p;
	struct dp_buf b;

	tnl_push_build(&p, type, 0, SW_MAC, PEER_MAC, inet_addr(src),
		       inet_addr(SW_IP), 64, 0, true, dport, vni, 1500);
	b.data = buf + 128;
	b.headroom = 128;
	b.len = inner_frame(b.data, inner_len, 1000);
	assert_true(128 + inner_len <= size);
	assert_int_equal(tnl_push(&b, &p, 0x1234), DP_HDR_OK);
	*len = b.len;
	return b.data;
}

static enum tnl_rx_verdict
classify(uint8_t *f, uint32_t len, struct tnl_rx_meta *m, uint32_t *outer,
	 enum tnl_drop_reason *why)
{
	return tnl_rx_classify(&t, 0, f, len, m, outer, why);
}

static void
test_decap_good(void **state)
{
	uint8_t buf[512], inner[128];
	struct tnl_rx_meta m;
	enum tnl_drop_reason why;
	uint32_t len, outer;
	uint8_t *f;

	(void)state;
	table_init();
	/* The push wrote a frame the classifier pops: dst MAC and IP are the
	 * endpoint's (tnl_push_build's eth_dst = SW_MAC here). */
	f = encap(buf, sizeof(buf), TNL_TYPE_VXLAN, 4789, 100, PEER_IP, 98,
		  &len);
	assert_int_equal(len, 98 + TNL_OUTER_LEN);
	assert_int_equal(f[23 + 0], 17);
	assert_int_equal(dp_packet_ipv4_csum(f + 14),
			 (uint16_t)(f[24] << 8 | f[25]));
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DECAP);
	assert_int_equal(outer, TNL_OUTER_LEN);
	assert_true(m.tunnel);
	assert_int_equal(m.port, 0);
	assert_int_equal(m.in_port, 10);
	assert_int_equal(m.tun_id, 100);
	assert_int_equal(m.tun_src, inet_addr(PEER_IP));
	assert_int_equal(m.tun_dst, inet_addr(SW_IP));
	assert_int_equal(m.inner_len, 98);
	inner_frame(inner, 98, 1000);
	assert_memory_equal(f + outer, inner, 98);

	/* Flow-based port: any VNI and remote on 4790. */
	f = encap(buf, sizeof(buf), TNL_TYPE_VXLAN, 4790, 77, "198.51.100.7",
		  60, &len);
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DECAP);
	assert_int_equal(m.port, 1);
	assert_int_equal(m.tun_id, 77);
	assert_int_equal(m.tun_src, inet_addr("198.51.100.7"));

	/* GENEVE. */
	f = encap(buf, sizeof(buf), TNL_TYPE_GENEVE, 6081, 200, PEER_IP, 64,
		  &len);
	assert_int_equal(f[42 + 2], 0x65);
	assert_int_equal(f[42 + 3], 0x58);
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DECAP);
	assert_int_equal(m.port, 2);
	assert_int_equal(m.in_port, 11);

	/* GENEVE with 8 bytes of (non-critical) options: skipped. */
	f = encap(buf, sizeof(buf), TNL_TYPE_GENEVE, 6081, 200, PEER_IP, 64,
		  &len);
	{
		uint8_t g[256];
		uint32_t gl = len + 8;

		memcpy(g, f, 50);
		memset(g + 50, 0, 8);		/* one 8-byte option */
		g[50 + 3] = 1;			/* option length 1 word */
		memcpy(g + 58, f + 50, len - 50);
		g[42] = 2;			/* opt len: 2 words */
		g[16] = (uint8_t)((gl - 14) >> 8);
		g[17] = (uint8_t)(gl - 14);
		g[38] = (uint8_t)((gl - 34) >> 8);
		g[39] = (uint8_t)(gl - 34);
		g[24] = g[25] = 0;
		uint16_t c = dp_packet_ipv4_csum(g + 14);
		g[24] = (uint8_t)(c >> 8);
		g[25] = (uint8_t)c;
		assert_int_equal(classify(g, gl, &m, &outer, &why),
				 TNL_RX_DECAP);
		assert_int_equal(outer, 58);
		assert_int_equal(m.inner_len, 64);
		g[43] |= 0x40;			/* critical option */
		assert_int_equal(classify(g, gl, &m, &outer, &why),
				 TNL_RX_DROP);
		assert_int_equal(why, TNL_DROP_BAD_TUNNEL);
	}
}

static void
fix_csum(uint8_t *f)
{
	f[24] = f[25] = 0;
	uint16_t c = dp_packet_ipv4_csum(f + 14);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
}

static void
expect_drop(uint8_t *f, uint32_t len, enum tnl_drop_reason want)
{
	struct tnl_rx_meta m;
	enum tnl_drop_reason why = TNL_DROP_N;
	uint32_t outer;

	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DROP);
	if (why != want)
		print_error("got %s, want %s\n", tnl_drop_reason_name(why),
			    tnl_drop_reason_name(want));
	assert_int_equal(why, want);
	assert_false(m.tunnel);
}

static void
test_decap_bad(void **state)
{
	uint8_t buf[512], g[512];
	struct tnl_rx_meta m;
	enum tnl_drop_reason why;
	uint32_t len, outer;
	uint8_t *f;

	(void)state;
	table_init();
	f = encap(buf, sizeof(buf), TNL_TYPE_VXLAN, 4789, 100, PEER_IP, 98,
		  &len);
	memcpy(g, f, len);

	/* Unknown VNI; known VNI from another remote. */
	g[46] = 0x01;
	expect_drop(g, len, TNL_DROP_UNKNOWN_VNI);
	memcpy(g, f, len);
	memcpy(g + 26, "\xc6\x33\x64\x09", 4);
	fix_csum(g);
	expect_drop(g, len, TNL_DROP_UNKNOWN_VNI);
	/* VXLAN without the I flag. */
	memcpy(g, f, len);
	g[42] = 0;
	expect_drop(g, len, TNL_DROP_BAD_TUNNEL);
	/* Bad IPv4 checksum, version, IHL, total length, a fragment. */
	memcpy(g, f, len);
	g[25] ^= 1;
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	memcpy(g, f, len);
	g[14] = 0x65;
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	memcpy(g, f, len);
	g[14] = 0x44;
	fix_csum(g);
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	memcpy(g, f, len);
	g[16] = 0x10;
	fix_csum(g);
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	memcpy(g, f, len);
	g[20] = 0x20;		/* MF */
	fix_csum(g);
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	/* UDP length beyond the IP packet. */
	memcpy(g, f, len);
	g[38] = 0x7f;
	expect_drop(g, len, TNL_DROP_BAD_OUTER);
	/* Other UDP port, other protocol, to the endpoint. */
	memcpy(g, f, len);
	g[37] = 53;
	expect_drop(g, len, TNL_DROP_OTHER_UDP);
	memcpy(g, f, len);
	g[23] = 1;
	fix_csum(g);
	expect_drop(g, len, TNL_DROP_OTHER_PROTO);
	/* Truncated: the frame cut inside the outer IPv4 header (the total
	 * length then exceeds it), the IP packet too short for VXLAN, no
	 * inner Ethernet header. */
	expect_drop(f, 14 + 24, TNL_DROP_BAD_OUTER);
	memcpy(g, f, len);
	g[16] = 0;
	g[17] = 20 + 8 + 4;
	fix_csum(g);
	g[38] = 0;
	g[39] = 8 + 4;
	expect_drop(g, len, TNL_DROP_TRUNC);
	memcpy(g, f, len);
	g[17] = 20 + 8 + 8 + 10;
	fix_csum(g);
	g[38] = 0;
	g[39] = 8 + 8 + 10;
	expect_drop(g, len, TNL_DROP_TRUNC);

	/* Not for the endpoint: other MAC, other IP, IPv6, short frames. */
	memcpy(g, f, len);
	g[5] = 9;
	assert_int_equal(classify(g, len, &m, &outer, &why), TNL_RX_PASS);
	memcpy(g, f, len);
	g[33] = 9;
	fix_csum(g);
	assert_int_equal(classify(g, len, &m, &outer, &why), TNL_RX_PASS);
	memcpy(g, f, len);
	g[12] = 0x86;
	g[13] = 0xdd;
	assert_int_equal(classify(g, len, &m, &outer, &why), TNL_RX_PASS);
	for (uint32_t n = 0; n < 34; n++)
		assert_int_equal(classify(f, n, &m, &outer, &why),
				 TNL_RX_PASS);
	/* Every cut of a good frame: never read past it, never a DECAP
	 * whose inner frame would run past it. */
	for (uint32_t n = 34; n < len; n++) {
		enum tnl_rx_verdict v = classify(f, n, &m, &outer, &why);

		assert_true(v == TNL_RX_DROP);
	}
}

static uint32_t
arp_frame(uint8_t *f, uint16_t op, const char *spa, const char *tpa)
{
	uint32_t a = inet_addr(spa), b = inet_addr(tpa);

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, PEER_MAC, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, "\x00\x01\x08\x00\x06\x04", 6);
	f[21] = (uint8_t)op;
	memcpy(f + 22, PEER_MAC, 6);
	memcpy(f + 28, &a, 4);
	memcpy(f + 38, &b, 4);
	return 60;
}

static void
test_arp(void **state)
{
	struct tnl_rx_meta m;
	enum tnl_drop_reason why;
	uint32_t len, outer, ip;
	uint8_t f[64];

	(void)state;
	table_init();
	len = arp_frame(f, 1, PEER_IP, SW_IP);
	assert_int_equal(classify(f, len, &m, &outer, &why),
			 TNL_RX_ARP_REPLIED);
	/* The reply: to the asker, from the endpoint's MAC and address. */
	assert_memory_equal(f, PEER_MAC, 6);
	assert_memory_equal(f + 6, SW_MAC, 6);
	assert_int_equal(f[21], 2);
	assert_memory_equal(f + 22, SW_MAC, 6);
	memcpy(&ip, f + 28, 4);
	assert_int_equal(ip, inet_addr(SW_IP));
	assert_memory_equal(f + 32, PEER_MAC, 6);
	memcpy(&ip, f + 38, 4);
	assert_int_equal(ip, inet_addr(PEER_IP));

	len = arp_frame(f, 2, PEER_IP, SW_IP);
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_ARP_UP);
	len = arp_frame(f, 1, PEER_IP, "192.0.2.77");
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_PASS);
	len = arp_frame(f, 1, PEER_IP, SW_IP);
	f[18] = 8;		/* hlen 8 */
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DROP);
	assert_int_equal(why, TNL_DROP_BAD_ARP);
	len = arp_frame(f, 3, PEER_IP, SW_IP);
	assert_int_equal(classify(f, len, &m, &outer, &why), TNL_RX_DROP);
	assert_int_equal(classify(f, 41, &m, &outer, &why), TNL_RX_PASS);
}

static void
test_push(void **state)
{
	uint8_t buf[2048], small[256];
	struct tnl_push p;
	struct dp_buf b;

	(void)state;
	tnl_push_build(&p, TNL_TYPE_VXLAN, 3, PEER_MAC, SW_MAC,
		       inet_addr(SW_IP), inet_addr(PEER_IP), 9, 0x10, true, 4789,
		       0xabcdef, 1500);
	/* Over the MTU: skipped (the PMD counts it as an MTU drop). */
	b.data = buf + 128;
	b.headroom = 128;
	b.len = inner_frame(b.data, 1500 + 14 - 50 + 1, 7);
	assert_int_equal(tnl_push(&b, &p, 77), DP_HDR_SKIPPED);
	b.len = inner_frame(b.data, 1500 + 14 - 50, 7);
	assert_int_equal(tnl_push(&b, &p, 77), DP_HDR_OK);
	assert_int_equal(b.len, 1514);
	assert_int_equal(b.data[16] << 8 | b.data[17], 1500);
	assert_int_equal(b.data[22], 9);		/* ttl */
	assert_int_equal(b.data[15], 0x10);		/* tos */
	assert_int_equal(b.data[20], 0x40);		/* df */
	assert_int_equal(b.data[38] << 8 | b.data[39], 1500 - 20);
	assert_int_equal(b.data[40] | b.data[41], 0);	/* no UDP csum */
	assert_int_equal(b.data[42], 0x08);
	assert_int_equal(b.data[46] << 16 | b.data[47] << 8 | b.data[48],
			 0xabcdef);
	assert_true((b.data[34] & 0xc0) == 0xc0);	/* sport 49152+ */
	assert_int_equal(b.data[34] << 8 | b.data[35], tnl_encap_sport(77));
	assert_int_equal(dp_packet_ipv4_csum(b.data + 14),
			 (uint16_t)(b.data[24] << 8 | b.data[25]));
	/* No headroom. */
	b.data = small;
	b.headroom = 10;
	b.len = inner_frame(small, 60, 7);
	assert_int_equal(tnl_push(&b, &p, 77), DP_HDR_NO_ROOM);

	/* Through a datapath action list and back. */
	struct dp_actions l;
	struct tnl_push q;

	memset(&l, 0, sizeof(l));
	assert_true(tnl_actions_add_push(&l, &p));
	assert_int_equal(l.a[0].type, DP_ACTION_TNL_PUSH);
	assert_true(tnl_actions_get_push(&l, &l.a[0], &q));
	assert_memory_equal(&q, &p, offsetof(struct tnl_push, hdr) + p.len);
	l.data_len = 10;
	assert_false(tnl_actions_get_push(&l, &l.a[0], &q));
}

/* Random bytes and random mutations of a good frame: no crash, no read
 * past the frame (ASan), a DECAP's inner frame inside the frame. */
static void
test_fuzz(void **state)
{
	uint8_t buf[512], g[512];
	uint32_t len, outer, seed = 12345;
	struct tnl_rx_meta m;
	enum tnl_drop_reason why;
	uint8_t *f;

	(void)state;
	table_init();
	f = encap(buf, sizeof(buf), TNL_TYPE_GENEVE, 6081, 200, PEER_IP, 98,
		  &len);
	for (int i = 0; i < 200000; i++) {
		uint32_t n;
		uint8_t *heap;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % (len + 1);
		memcpy(g, f, len);
		for (int k = 0; k < 1 + (int)(seed % 4); k++) {
			seed = seed * 1103515245u + 12345u;
			g[(seed >> 8) % len] = (uint8_t)(seed >> 24);
		}
		if (i & 1)
			fix_csum(g);
		heap = malloc(n ? n : 1);
		memcpy(heap, g, n);
		if (classify(heap, n, &m, &outer, &why) == TNL_RX_DECAP) {
			assert_true(outer + m.inner_len <= n);
			assert_true(m.inner_len >= 14);
		}
		free(heap);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decap_good),
		cmocka_unit_test(test_decap_bad),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
