/* SPDX-License-Identifier: BSD-3-Clause */
/* The encapsulation fast path (dataplane/tnl_encap.h) from the slowpath's
 * translation (tnl_xlate_output()) to the outer header a PMD writes: the
 * megaflow built from the actions is marked for the fast path; the header
 * has the right lengths, an IPv4 checksum equal to one computed from
 * scratch, a UDP source port in 49152..65535 that follows the flow hash
 * (stable per flow whatever its TCP flags, TTL or ToS, spread over
 * flows), the port's fixed VNI or the flow's
 * tun_id (then part of the megaflow's match), for VXLAN and GENEVE; the
 * interpreter's tnl_push() writes the same header; lists that are not a
 * push then one output, or whose template is cut, are not marked; the
 * receive path's outer IPv4 checksum check agrees with the plain sum. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../dataplane/tnl_test_frames.h"

#include "dataplane/dp_packet.h"
#include "dataplane/flow_parse.h"
#include "dataplane/megaflow.h"
#include "dataplane/tnl_encap.h"
#include "slowpath/tnl.h"

static const uint8_t SW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
#define UNDERLAY_DP_PORT 3u

static int port_fixed, port_flow, port_geneve;

static int
setup(void **state)
{
	struct tnl_endpoint_conf ec;
	struct tnl_port_conf pc;

	(void)state;
	memset(&ec, 0, sizeof(ec));
	ec.dp_port = UNDERLAY_DP_PORT;
	memcpy(ec.mac, SW_MAC, 6);
	ec.mtu = 1500;
	ec.routes.ip = inet_addr("192.0.2.1");
	ec.routes.plen = 24;
	ec.n_static = 2;
	ec.statics[0].ip = inet_addr("192.0.2.2");
	memcpy(ec.statics[0].mac, PEER_MAC, 6);
	ec.statics[1].ip = inet_addr("192.0.2.3");
	memcpy(ec.statics[1].mac, PEER_MAC, 6);
	assert_int_equal(tnl_endpoint_set(0, &ec), 0);

	memset(&pc, 0, sizeof(pc));
	strcpy(pc.name, "vx0");
	pc.ofport = 10;
	pc.type = TNL_TYPE_VXLAN;
	pc.remote_ip = inet_addr("192.0.2.2");
	pc.key = 100;
	pc.dst_port = 4789;
	pc.ttl = 64;
	pc.df = true;
	port_fixed = tnl_port_add(0, &pc);
	strcpy(pc.name, "vx1");
	pc.ofport = 11;
	pc.remote_flow = true;
	pc.key_flow = true;
	port_flow = tnl_port_add(0, &pc);
	strcpy(pc.name, "gnv0");
	pc.ofport = 12;
	pc.type = TNL_TYPE_GENEVE;
	pc.remote_flow = false;
	pc.key_flow = false;
	pc.key = 0x123456;
	pc.dst_port = 6081;
	port_geneve = tnl_port_add(0, &pc);
	assert_true(port_fixed >= 0 && port_flow >= 0 && port_geneve >= 0);
	return 0;
}

/* Translate output to tunnel port index for key; the list must be
 * marked for the fast path. Returns the template's data offset. */
static int
xlate(int index, const struct flow_key *key, struct flow_key *mask,
      struct dp_actions *l)
{
	int off;

	memset(l, 0, sizeof(*l));
	memset(mask, 0, sizeof(*mask));
	assert_true(tnl_xlate_output(index, key, mask, l));
	assert_int_equal(l->n, 2);
	assert_int_equal(l->a[0].type, DP_ACTION_TNL_PUSH);
	assert_int_equal(l->a[1].type, DP_ACTION_OUTPUT);
	assert_int_equal(l->a[1].arg, UNDERLAY_DP_PORT);
	off = tnl_encap_fast_offset(l);
	assert_true(off >= 0);
	return off;
}

/* Write the template of l in front of an n-byte inner frame in buf+128
 * and check every field; returns the outer frame. */
static const uint8_t *
push_check(uint8_t *buf, const struct dp_actions *l, int off, uint32_t n,
	   uint32_t hash, uint32_t vni, const char *dst, uint8_t tnl_byte0)
{
	struct tnl_encap e;
	uint8_t *h = buf + 128 - TNL_OUTER_LEN;
	uint16_t sport;
	uint32_t ip;

	tnl_encap_load(&e, l, (uint32_t)off);
	assert_int_equal(e.max_len, 1500 - 36);
	inner_frame(buf + 128, n, 1000);
	tnl_encap_write(h, e.hdr, e.csum_base, n, hash);
	assert_memory_equal(h, PEER_MAC, 6);
	assert_memory_equal(h + 6, SW_MAC, 6);
	assert_int_equal(h[12] << 8 | h[13], 0x0800);
	assert_int_equal(h[16] << 8 | h[17], n + 36);	/* IPv4 length */
	assert_int_equal(h[23], 17);
	assert_int_equal(h[38] << 8 | h[39], n + 16);	/* UDP length */
	assert_int_equal(h[40] | h[41], 0);		/* no UDP csum */
	/* The checksum, recomputed from scratch over the header. */
	assert_int_equal(dp_packet_ipv4_csum(h + 14),
			 (uint16_t)(h[24] << 8 | h[25]));
	memcpy(&ip, h + 30, 4);
	assert_int_equal(ip, inet_addr(dst));
	memcpy(&ip, h + 26, 4);
	assert_int_equal(ip, inet_addr("192.0.2.1"));
	sport = (uint16_t)(h[34] << 8 | h[35]);
	assert_true(sport >= 49152);
	assert_int_equal(sport, tnl_encap_sport(hash));
	assert_int_equal(h[42], tnl_byte0);
	assert_int_equal(h[46] << 16 | h[47] << 8 | h[48], vni);
	return h;
}

static void
test_fixed_and_flow_vni(void **state)
{
	struct flow_key key, mask;
	struct dp_actions l;
	uint8_t buf[2048];
	int off;

	(void)state;
	memset(&key, 0, sizeof(key));
	key.tunnel_id = 0xabcdef;
	key.tun_dst = inet_addr("192.0.2.3");
	/* Fixed VNI and remote: the flow's tun_id / tun_dst are ignored
	 * and not matched. */
	off = xlate(port_fixed, &key, &mask, &l);
	assert_int_equal(mask.tunnel_id, 0);
	assert_int_equal(mask.tun_dst, 0);
	for (uint32_t n = 60; n <= 1464; n += 101)
		push_check(buf, &l, off, n, 0x12345678u * n, 100,
			   "192.0.2.2", 0x08);
	push_check(buf, &l, off, 1464, 7, 100, "192.0.2.2", 0x08);
	/* From the flow: both in the template, and in the match. */
	off = xlate(port_flow, &key, &mask, &l);
	assert_int_equal(mask.tunnel_id, UINT64_MAX);
	assert_int_equal(mask.tun_dst, UINT32_MAX);
	push_check(buf, &l, off, 98, 99, 0xabcdef, "192.0.2.3", 0x08);
	key.tunnel_id = 5;
	key.tun_dst = inet_addr("192.0.2.2");
	off = xlate(port_flow, &key, &mask, &l);
	push_check(buf, &l, off, 98, 99, 5, "192.0.2.2", 0x08);
	/* GENEVE: same length, its own header. */
	off = xlate(port_geneve, &key, &mask, &l);
	const uint8_t *h = push_check(buf, &l, off, 200, 1, 0x123456,
				      "192.0.2.2", 0);
	assert_int_equal(h[36] << 8 | h[37], 6081);
	assert_int_equal(h[44] << 8 | h[45], 0x6558);
}

/* The source port: a function of the flow hash only, in the ephemeral
 * range, spread over flows. */
static void
test_sport(void **state)
{
	static uint8_t seen[16384];
	unsigned distinct = 0;

	(void)state;
	for (uint32_t f = 0; f < 4096; f++) {
		uint32_t hash = f * 0x9e3779b1u ^ (f << 7);
		uint16_t s = tnl_encap_sport(hash);

		assert_true(s >= 49152);
		assert_int_equal(s, tnl_encap_sport(hash));
		if (!seen[s - 49152]++)
			distinct++;
	}
	assert_true(distinct > 3000);
}

/* The flow hash both pushes take the source port from
 * (tnl_encap_flow_hash() of flow_parse_fast()'s key): the same for every
 * packet of a flow (another IP id, length, payload, TTL, ToS, TCP flags),
 * another for another flow. */
static uint32_t
key_hash(const uint8_t *f, uint32_t n)
{
	struct flow_key k;
	uint32_t map;

	assert_int_equal(flow_parse_fast(f, n, 2, &k, &map), FLOW_PARSE_OK);
	return tnl_encap_flow_hash(&k);
}

static void
test_sport_per_flow(void **state)
{
	uint8_t f[200];
	uint32_t h;

	(void)state;
	inner_frame(f, 100, 1000);
	h = key_hash(f, 100);
	f[18] = 0x55;		/* IP id */
	f[22] = 9;		/* TTL */
	f[15] = 0x03;		/* ECN CE */
	f[60] = 0xaa;		/* payload */
	assert_int_equal(key_hash(f, 100), h);
	inner_frame(f, 180, 1000);
	assert_int_equal(key_hash(f, 180), h);
	/* TCP: SYN and PSH|ACK of one connection. */
	inner_frame(f, 100, 1000);
	f[23] = 6;
	f[46] = 0x50;		/* data offset 5 */
	f[47] = 0x02;
	h = key_hash(f, 100);
	f[47] = 0x18;
	assert_int_equal(key_hash(f, 100), h);
	/* Another flow: another source port, address, protocol. */
	inner_frame(f, 100, 1000);
	h = key_hash(f, 100);
	inner_frame(f, 100, 1001);
	assert_int_not_equal(key_hash(f, 100), h);
	inner_frame(f, 100, 1000);
	f[33] = 3;
	assert_int_not_equal(key_hash(f, 100), h);
	inner_frame(f, 100, 1000);
	f[23] = 6;
	f[46] = 0x50;
	assert_int_not_equal(key_hash(f, 100), h);
}

/* The interpreter's push writes what the fast path writes. */
static void
test_same_as_interpreter(void **state)
{
	struct flow_key key, mask;
	struct dp_actions l;
	struct tnl_push p;
	struct tnl_encap e;
	uint8_t a[512], b[512];
	struct dp_buf db;
	int off;

	(void)state;
	memset(&key, 0, sizeof(key));
	off = xlate(port_fixed, &key, &mask, &l);
	assert_true(tnl_actions_get_push(&l, &l.a[0], &p));
	inner_frame(a + 128, 300, 4242);
	db.data = a + 128;
	db.len = 300;
	db.headroom = 128;
	assert_int_equal(tnl_push(&db, &p, 0xfeedbeef), DP_HDR_OK);
	tnl_encap_load(&e, &l, (uint32_t)off);
	inner_frame(b + 128, 300, 4242);
	tnl_encap_write(b + 128 - TNL_OUTER_LEN, e.hdr, e.csum_base, 300,
			0xfeedbeef);
	assert_int_equal(db.len, 350);
	assert_memory_equal(db.data, b + 128 - TNL_OUTER_LEN, 350);
}

/* Only a push then one output with a whole template is marked; a
 * megaflow built from it gets fast_push and the output's port. */
static void
test_marking(void **state)
{
	struct flow_key key, mask;
	struct dp_actions l, m;
	struct megaflow_table *t;
	struct megaflow *mf;
	struct tnl_push p;
	int off;

	(void)state;
	memset(&key, 0, sizeof(key));
	off = xlate(port_fixed, &key, &mask, &l);
	mask.in_port = UINT32_MAX;
	key.in_port = 1;
	t = megaflow_table_create(16, NULL);
	assert_non_null(t);
	mf = megaflow_insert(t, &key, &mask, &l, NULL, 0, NULL);
	assert_non_null(mf);
	assert_int_equal(mf->fast_push, off + 1);
	assert_int_equal(mf->fast_output, UNDERLAY_DP_PORT);
	/* Two outputs after the push: the interpreter's. */
	m = l;
	assert_true(dp_actions_add(&m, DP_ACTION_OUTPUT, 0, 4));
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	key.in_port = 2;
	mf = megaflow_insert(t, &key, &mask, &m, NULL, 0, NULL);
	assert_non_null(mf);
	assert_int_equal(mf->fast_push, 0);
	assert_int_equal(mf->fast_output, MEGAFLOW_NO_FAST_OUTPUT);
	/* A plain output: fast_output, no push. */
	memset(&m, 0, sizeof(m));
	assert_true(dp_actions_add(&m, DP_ACTION_OUTPUT, 0, 4));
	key.in_port = 3;
	mf = megaflow_insert(t, &key, &mask, &m, NULL, 0, NULL);
	assert_non_null(mf);
	assert_int_equal(mf->fast_push, 0);
	assert_int_equal(mf->fast_output, 4);
	megaflow_table_destroy(t);
	/* Cut or bad templates. */
	m = l;
	m.data_len = (uint16_t)(off + 20);
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	m = l;
	m.a[0].arg = DP_ACTIONS_DATA + 1;
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	assert_true(tnl_actions_get_push(&l, &l.a[0], &p));
	m = l;
	p.len = 40;
	memcpy(&m.data[off], &p, offsetof(struct tnl_push, hdr));
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	assert_true(tnl_actions_get_push(&l, &l.a[0], &p));
	m = l;
	p.port = TNL_MAX_PORTS;
	memcpy(&m.data[off], &p, offsetof(struct tnl_push, hdr));
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	assert_true(tnl_actions_get_push(&l, &l.a[0], &p));
	m = l;
	p.mtu = 36;
	memcpy(&m.data[off], &p, offsetof(struct tnl_push, hdr));
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
	m = l;
	m.a[1].type = DP_ACTION_UPCALL;
	assert_int_equal(tnl_encap_fast_offset(&m), -1);
}

/* The receive path's outer checksum check (dp_csum_ipv4_ok()) agrees
 * with the 16-bit sum on random headers, valid or not. */
static void
test_outer_csum_check(void **state)
{
	uint8_t h[60];
	uint32_t seed = 777;
	unsigned valid = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint32_t ihl = 20 + 4 * (uint32_t)(i % 11);

		for (uint32_t k = 0; k < ihl; k++) {
			seed = seed * 1103515245u + 12345u;
			h[k] = (uint8_t)(seed >> 16);
		}
		if (i % 3 == 0)
			memset(h, i % 2 ? 0xff : 0, ihl);
		if (i & 1) {	/* Make it valid. */
			h[10] = h[11] = 0;
			uint16_t c = (uint16_t)~dp_csum_fold(
				dp_csum_sum16(h, ihl));
			dp_wr16(h + 10, c);
		}
		bool ok = dp_csum_fold(dp_csum_sum16(h, ihl)) == 0xffff;

		assert_int_equal(dp_csum_ipv4_ok(h, ihl), ok);
		valid += ok;
	}
	assert_true(valid >= 40000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_and_flow_vni),
		cmocka_unit_test(test_sport),
		cmocka_unit_test(test_sport_per_flow),
		cmocka_unit_test(test_same_as_interpreter),
		cmocka_unit_test(test_marking),
		cmocka_unit_test(test_outer_csum_check),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
