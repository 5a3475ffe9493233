/* SPDX-License-Identifier: BSD-3-Clause */
/* Prefix tries: the walk against a brute-force list of prefixes, the
 * "checked bits" promise, insert/remove bookkeeping, and what they do to a
 * table lookup's consulted mask (fewer bits, still a valid mask). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_prefix_trie.h"
#include "ofproto.h"
#include "ofproto_priv.h"
#include "test_util.h"

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

struct pfx {
	uint8_t addr[16];
	unsigned plen;
	unsigned count;
};

static bool
pfx_matches(const struct pfx *p, const uint8_t *addr)
{
	for (unsigned i = 0; i < p->plen; i++) {
		unsigned a = (addr[i / 8] >> (7 - i % 8)) & 1;
		unsigned b = (p->addr[i / 8] >> (7 - i % 8)) & 1;

		if (a != b)
			return false;
	}
	return true;
}

/* Addresses near the prefixes, so walks go deep. */
static void
random_addr(uint8_t *a, unsigned bytes, const struct pfx *ps, size_t n)
{
	if (n > 0 && rnd() % 4 != 0) {
		memcpy(a, ps[rnd() % n].addr, bytes);
		a[rnd() % bytes] ^= (uint8_t)(1u << (rnd() % 8));
		if (rnd() % 2)
			a[rnd() % bytes] ^= (uint8_t)rnd();
	} else {
		for (unsigned i = 0; i < bytes; i++)
			a[i] = (uint8_t)rnd();
	}
}

static void
check_walks(const struct ofp_trie *t, const struct pfx *ps, size_t n,
	    unsigned width)
{
	unsigned bytes = width / 8;

	for (int i = 0; i < 400; i++) {
		struct ofp_trie_match m, m2;
		uint8_t a[16] = { 0 }, b[16];

		random_addr(a, bytes, ps, n);
		ofp_trie_lookup(t, a, &m);
		assert_true(m.checked <= width);
		for (unsigned L = 0; L <= width; L++) {
			bool want = false;

			for (size_t j = 0; j < n; j++)
				if (ps[j].count && ps[j].plen == L &&
				    pfx_matches(&ps[j], a))
					want = true;
			assert_int_equal(ofp_trie_match_has(&m, L), want);
		}
		/* Any address equal on the checked bits walks the same. */
		for (int v = 0; v < 4; v++) {
			memcpy(b, a, sizeof(b));
			for (unsigned k = m.checked; k < width; k++)
				if (rnd() % 2)
					b[k / 8] ^= (uint8_t)(0x80u >> (k % 8));
			ofp_trie_lookup(t, b, &m2);
			assert_memory_equal(m.plens, m2.plens,
					    sizeof(m.plens));
		}
	}
}

static void
run_trie(unsigned width)
{
	enum { N = 300 };
	struct pfx *ps = calloc(N, sizeof(*ps));
	unsigned bytes = width / 8;
	struct ofp_trie t;

	assert_non_null(ps);
	ofp_trie_init(&t, width);
	/* Clustered prefixes: shared stems, nested and equal ones. */
	for (size_t i = 0; i < N; i++) {
		struct pfx *p = &ps[i];

		if (i > 0 && rnd() % 2)
			memcpy(p->addr, ps[rnd() % i].addr, bytes);
		else
			for (unsigned k = 0; k < bytes; k++)
				p->addr[k] = (uint8_t)rnd();
		p->addr[rnd() % bytes] ^= (uint8_t)rnd();
		p->plen = 1 + rnd() % width;
		for (unsigned k = p->plen; k < width; k++)
			p->addr[k / 8] &= (uint8_t)~(0x80u >> (k % 8));
		p->count = 1 + rnd() % 2;
		for (unsigned c = 0; c < p->count; c++)
			assert_int_equal(ofp_trie_insert(&t, p->addr, p->plen),
					 0);
	}
	assert_true(t.n_nodes <= 2 * N);
	check_walks(&t, ps, N, width);
	/* Remove in random order, checking on the way. */
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < N; i++) {
			struct pfx *p = &ps[rnd() % N];

			if (p->count == 0)
				continue;
			ofp_trie_remove(&t, p->addr, p->plen);
			p->count--;
		}
		check_walks(&t, ps, N, width);
	}
	for (size_t i = 0; i < N; i++)
		while (ps[i].count) {
			ofp_trie_remove(&t, ps[i].addr, ps[i].plen);
			ps[i].count--;
		}
	assert_null(t.root);
	assert_int_equal(t.n_nodes, 0);
	check_walks(&t, ps, N, width);
	ofp_trie_destroy(&t);
	free(ps);
}

static void
test_trie_ipv4(void **state)
{
	(void)state;
	run_trie(32);
}

static void
test_trie_ipv6(void **state)
{
	(void)state;
	run_trie(128);
}

static void
test_mask_plen(void **state)
{
	uint8_t m[4] = { 0xff, 0xff, 0xf0, 0x00 };

	(void)state;
	assert_int_equal(ofp_trie_mask_plen(m, 32), 20);
	m[3] = 0x01;
	assert_int_equal(ofp_trie_mask_plen(m, 32), -1);
	memset(m, 0, sizeof(m));
	assert_int_equal(ofp_trie_mask_plen(m, 32), 0);
	ofp_trie_mask_set(m, 13);
	assert_int_equal(m[0], 0xff);
	assert_int_equal(m[1], 0xf8);
	assert_int_equal(m[2], 0);
	assert_int_equal(ofp_trie_mask_plen(m, 32), 13);
}

static const struct ofproto_host_ops ops = { 0 };

static void
ipv4_key(struct flow_key *k, const char *src)
{
	memset(k, 0, sizeof(*k));
	k->in_port = 1;
	k->eth_type = htons(0x0800);
	assert_int_equal(inet_pton(AF_INET, src, &k->nw_src), 1);
}

/* 1,000 /32 rules and a /8 fallback: an address no /32 rule has is
 * consulted only as far as the trie needed, not on all 32 bits. */
static void
test_lookup_fewer_bits(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofproto_lookup_result r;
	struct flow_key k;
	char flow[128];

	(void)state;
	assert_non_null(ofp);
	add(ofp, "priority=0,ip,nw_src=10.0.0.0/8,actions=output:2");
	for (unsigned i = 1; i <= 1000; i++) {
		snprintf(flow, sizeof(flow), "priority=100,ip,nw_src=10.0.%u.%u,"
			 "actions=output:3", i >> 8, i & 255);
		add(ofp, flow);
	}
	/* 10.0.200.1: the /32 stems are 10.0.0-3.x, so bit 16 decides. */
	ipv4_key(&k, "10.0.200.1");
	ofproto_lookup(ofp, &k, &r);
	assert_int_equal(r.n_actions, 1);
	assert_int_equal(r.actions[0].port, 2);
	assert_int_equal(ntohl(r.mask.nw_src), 0xffff8000u);
	/* 10.0.5.1: third byte 00000101 parts from 000000xx at bit 21. */
	ipv4_key(&k, "10.0.5.1");
	ofproto_lookup(ofp, &k, &r);
	assert_int_equal(r.actions[0].port, 2);
	assert_int_equal(ntohl(r.mask.nw_src), 0xfffffc00u);
	/* A /32 hit consults all 32 bits. */
	ipv4_key(&k, "10.0.3.7");
	ofproto_lookup(ofp, &k, &r);
	assert_int_equal(r.actions[0].port, 3);
	assert_int_equal(ntohl(r.mask.nw_src), 0xffffffffu);
	/* Outside 10/8: nothing matches; 10.0.0.0 and 11.x part at bit 7. */
	ipv4_key(&k, "11.0.0.1");
	ofproto_lookup(ofp, &k, &r);
	assert_int_equal(r.n_actions, 0);
	assert_int_equal(ntohl(r.mask.nw_src), 0xff000000u);
	/* Without the /32 rules of 10.0.3.x, 10.0.3.7 falls to the /8; the
	 * last bit of the third byte still parts it from 10.0.2.x. */
	for (unsigned i = 768; i <= 1000; i++) {
		char err[128];

		snprintf(flow, sizeof(flow), "ip,nw_src=10.0.%u.%u",
			 i >> 8, i & 255);
		assert_int_equal(ofproto_del_flows_str(ofp, flow, err,
						       sizeof(err)), 0);
	}
	ipv4_key(&k, "10.0.3.7");
	ofproto_lookup(ofp, &k, &r);
	assert_int_equal(r.actions[0].port, 2);
	assert_int_equal(ntohl(r.mask.nw_src), 0xffffff00u);
	ofproto_destroy(ofp);
}

/* Random prefix rules on both IPv4 addresses and on IPv6 addresses, other
 * fields too: any key equal to a looked-up key under its consulted mask
 * gets the same rule. */
static void
test_lookup_mask_property(void **state)
{
	static const char *const v4[] = { "10.0.0.0", "10.1.0.0", "10.1.2.0",
					  "10.1.2.128", "192.168.7.0" };
	static const char *const v6[] = { "2001:db8::", "2001:db8:0:1::",
					  "fe80::", "2001:db8::8000:0" };

	(void)state;
	for (int round = 0; round < 10; round++) {
		struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
		char flow[256];

		assert_non_null(ofp);
		for (int i = 0; i < 60; i++) {
			unsigned prio = rnd() % 8, port = 1 + rnd() % 50;

			switch (rnd() % 3) {
			case 0:
				snprintf(flow, sizeof(flow),
					 "priority=%u,ip,nw_src=%s/%u,"
					 "actions=output:%u", prio,
					 v4[rnd() % 5], 8 + rnd() % 25, port);
				break;
			case 1:
				snprintf(flow, sizeof(flow),
					 "priority=%u,tcp,nw_src=%s/%u,"
					 "nw_dst=%s/%u,tp_dst=%u,"
					 "actions=output:%u", prio,
					 v4[rnd() % 5], 8 + rnd() % 25,
					 v4[rnd() % 5], 1 + rnd() % 32,
					 rnd() % 2 ? 80 : 443, port);
				break;
			default:
				snprintf(flow, sizeof(flow),
					 "priority=%u,ipv6,ipv6_src=%s/%u,"
					 "actions=output:%u", prio,
					 v6[rnd() % 4], 16 + rnd() % 113,
					 port);
				break;
			}
			add(ofp, flow);
		}
		for (int i = 0; i < 300; i++) {
			struct ofproto_lookup_result r1, r2;
			struct flow_key k, k2;
			uint8_t *p2 = (uint8_t *)&k2;
			const uint8_t *pk = (const uint8_t *)&k;
			const uint8_t *pm = (const uint8_t *)&r1.mask;

			memset(&k, 0, sizeof(k));
			k.in_port = 1;
			if (rnd() % 2) {
				k.eth_type = htons(0x0800);
				k.nw_proto = rnd() % 2 ? 6 : 17;
				inet_pton(AF_INET, v4[rnd() % 5], &k.nw_src);
				inet_pton(AF_INET, v4[rnd() % 5], &k.nw_dst);
				k.nw_src ^= htonl(1u << (rnd() % 32));
				k.nw_dst ^= htonl(rnd() % 2 ? 0 :
						  1u << (rnd() % 32));
				k.tp_dst = htons(rnd() % 2 ? 80 : 443);
			} else {
				k.eth_type = htons(0x86dd);
				inet_pton(AF_INET6, v6[rnd() % 4], k.ipv6_src);
				k.ipv6_src[rnd() % 16] ^= (uint8_t)(1u <<
								    (rnd() % 8));
			}
			ofproto_lookup(ofp, &k, &r1);
			for (int v = 0; v < 8; v++) {
				for (size_t b = 0; b < sizeof(k2); b++) {
					uint8_t noise = (uint8_t)(rnd() % 3 ?
							rnd() : 0);

					p2[b] = (uint8_t)((pk[b] & pm[b]) |
						((pk[b] ^ noise) & ~pm[b]));
				}
				ofproto_lookup(ofp, &k2, &r2);
				assert_int_equal(r1.n_rules, r2.n_rules);
				if (r1.n_rules)
					assert_int_equal(r1.rule_ids[0],
							 r2.rule_ids[0]);
			}
		}
		ofproto_destroy(ofp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_plen),
		cmocka_unit_test(test_trie_ipv4),
		cmocka_unit_test(test_trie_ipv6),
		cmocka_unit_test(test_lookup_fewer_bits),
		cmocka_unit_test(test_lookup_mask_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
