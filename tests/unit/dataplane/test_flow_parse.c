/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_parse(): hand-built frames of every supported type with the key each
 * must give, and every truncation of each frame from 0 bytes to full. Frames
 * are parsed from the end of a page followed by an inaccessible page, so a
 * read past data + len faults even without ASan.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/flow_compose.h"
#include "dataplane/flow_parse.h"

#define IN_PORT 7
#define MAX_FRAME 512

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_3[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t mac_4[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t ip6_t[16] = { 0xfe, 0x80, [14] = 0x12, [15] = 0x34 };

struct frame {
	uint8_t b[MAX_FRAME];
	size_t n;
};

/* What a frame must parse to, in full and cut short. */
struct parse_case {
	struct frame f;
	struct flow_key want;
	enum flow_parse_result want_r;
	/* The result of a cut frame of length len is that of the last cut
	 * with at <= len. */
	struct {
		uint32_t at;
		enum flow_parse_result r;
	} cuts[4];
	unsigned n_cuts;
	uint32_t l2_len;	/* From here the L2 fields are complete. */
	uint32_t l3_len;	/* ... all but the L4 fields. */
	uint32_t l4_len;	/* ... the whole key. */
	uint32_t l4_start;	/* Below: no L4 field (0: l4_len). */
};

/* ---------------------------------------------------------------- */
/* Frame building.                                                   */

static void
put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	v = htons(v);
	put(f, &v, 2);
}

static void
put32(struct frame *f, uint32_t v)
{
	v = htonl(v);
	put(f, &v, 4);
}

static void
put_fill(struct frame *f, uint8_t v, size_t n)
{
	while (n--)
		put8(f, v);
}

static void
wr16(struct frame *f, size_t off, uint16_t v)
{
	v = htons(v);
	memcpy(f->b + off, &v, 2);
}

static void
put_macs(struct frame *f)
{
	put(f, mac_dst, 6);
	put(f, mac_src, 6);
}

static void
put_eth(struct frame *f, uint16_t type)
{
	put_macs(f);
	put16(f, type);
}

static size_t
put_ipv4(struct frame *f, unsigned ihl, uint8_t tos, uint16_t frag,
	 uint8_t ttl, uint8_t proto, uint32_t src, uint32_t dst)
{
	size_t off = f->n;

	put8(f, (uint8_t)(0x40 | ihl));
	put8(f, tos);
	put16(f, 0);		/* total length: fix_ipv4_len() */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, ttl);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, dst);
	for (unsigned i = 5; i < ihl; i++)
		put32(f, 0x01010101);	/* NOP options */
	return off;
}

static void
fix_ipv4_len(struct frame *f, size_t off)
{
	wr16(f, off + 2, (uint16_t)(f->n - off));
}

static size_t
put_ipv6(struct frame *f, uint8_t tc, uint32_t label, uint8_t nh,
	 uint8_t hlim)
{
	size_t off = f->n;

	put32(f, 6u << 28 | (uint32_t)tc << 20 | label);
	put16(f, 0);		/* payload length: fix_ipv6_len() */
	put8(f, nh);
	put8(f, hlim);
	put(f, ip6_a, 16);
	put(f, ip6_b, 16);
	return off;
}

static void
fix_ipv6_len(struct frame *f, size_t off)
{
	wr16(f, off + 4, (uint16_t)(f->n - off - 40));
}

/* Hop-by-hop, routing or destination options header of (len + 1) * 8. */
static void
put_ext(struct frame *f, uint8_t nh, uint8_t len)
{
	put8(f, nh);
	put8(f, len);
	put_fill(f, 0, (size_t)(len + 1) * 8 - 2);
}

static void
put_frag6(struct frame *f, uint8_t nh, uint16_t offset, bool more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32(f, 0xdeadbeef);
}

static void
put_tcp(struct frame *f, uint16_t sp, uint16_t dp, uint16_t flags)
{
	put16(f, sp);
	put16(f, dp);
	put32(f, 1000);
	put32(f, 2000);
	put16(f, (uint16_t)(5u << 12 | flags));
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
}

static void
put_udp(struct frame *f, uint16_t sp, uint16_t dp, uint16_t payload)
{
	put16(f, sp);
	put16(f, dp);
	put16(f, (uint16_t)(8 + payload));
	put16(f, 0);
}

static void
put_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0x00010002);
}

static void
want_eth(struct flow_key *k, uint16_t type)
{
	memset(k, 0, sizeof(*k));
	k->in_port = IN_PORT;
	memcpy(k->eth_dst, mac_dst, 6);
	memcpy(k->eth_src, mac_src, 6);
	k->eth_type = htons(type);
}

static void
want_ipv4(struct flow_key *k, uint8_t tos, uint8_t ttl, uint8_t proto,
	  uint32_t src, uint32_t dst)
{
	k->nw_tos = tos;
	k->nw_ttl = ttl;
	k->nw_proto = proto;
	k->nw_src = htonl(src);
	k->nw_dst = htonl(dst);
}

static void
want_ipv6(struct flow_key *k, uint8_t tc, uint32_t label, uint8_t proto,
	  uint8_t hlim)
{
	k->nw_tos = tc;
	k->ipv6_label = htonl(label);
	k->nw_proto = proto;
	k->nw_ttl = hlim;
	memcpy(k->ipv6_src, ip6_a, 16);
	memcpy(k->ipv6_dst, ip6_b, 16);
}

static void
add_cut(struct parse_case *c, uint32_t at, enum flow_parse_result r)
{
	assert_true(c->n_cuts < 4);
	c->cuts[c->n_cuts].at = at;
	c->cuts[c->n_cuts].r = r;
	c->n_cuts++;
}

/* ---------------------------------------------------------------- */
/* Checking.                                                         */

static uint8_t *guard_page;	/* Two pages; the second one inaccessible. */
static long page_size;

static int
setup_guard(void **state)
{
	(void)state;
	page_size = sysconf(_SC_PAGESIZE);
	guard_page = mmap(NULL, 2 * (size_t)page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_page == MAP_FAILED)
		return -1;
	return mprotect(guard_page + page_size, (size_t)page_size, PROT_NONE);
}

static int
teardown_guard(void **state)
{
	(void)state;
	munmap(guard_page, 2 * (size_t)page_size);
	return 0;
}

/* Parse the first len bytes of data placed right before the guard page. */
static enum flow_parse_result
parse_guarded(const void *data, size_t len, struct flow_key *key)
{
	uint8_t *p = guard_page + page_size - len;

	assert_true(len <= (size_t)page_size);
	memcpy(p, data, len);
	return flow_parse(p, (uint32_t)len, IN_PORT, key);
}

static void
print_key_diff(const struct flow_key *got, const struct flow_key *want)
{
	const flow_word_t *g = flow_key_words(got), *w = flow_key_words(want);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if (g[i] != w[i])
			print_error("  word %zu: got %016llx want %016llx\n", i,
				    (unsigned long long)g[i],
				    (unsigned long long)w[i]);
}

static void
assert_key_equal(const struct flow_key *got, const struct flow_key *want,
		 const char *what, size_t len)
{
	if (!flow_key_equal(got, want)) {
		print_error("%s: key mismatch at len %zu\n", what, len);
		print_key_diff(got, want);
		fail();
	}
}

static void
zero_l4(struct flow_key *k)
{
	k->tp_src = 0;
	k->tp_dst = 0;
	k->tcp_flags = 0;
	memset(k->nd_target, 0, sizeof(k->nd_target));
	if (k->eth_type == htons(0x86dd)) {
		memset(k->arp_sha, 0, sizeof(k->arp_sha));
		memset(k->arp_tha, 0, sizeof(k->arp_tha));
	}
}

static void
check_case(const struct parse_case *c, const char *name)
{
	struct flow_key key;
	enum flow_parse_result r;

	r = parse_guarded(c->f.b, c->f.n, &key);
	if (r != c->want_r)
		print_error("%s: result %s, want %s\n", name,
			    flow_parse_result_name(r),
			    flow_parse_result_name(c->want_r));
	assert_int_equal(r, c->want_r);
	assert_key_equal(&key, &c->want, name, c->f.n);

	for (size_t len = 0; len < c->f.n; len++) {
		enum flow_parse_result want_r = FLOW_PARSE_TRUNC_L2;
		const uint8_t *got = (const uint8_t *)&key;
		const uint8_t *full = (const uint8_t *)&c->want;
		struct flow_key a, b;

		for (unsigned i = 0; i < c->n_cuts; i++)
			if (c->cuts[i].at <= len)
				want_r = c->cuts[i].r;
		r = parse_guarded(c->f.b, len, &key);
		if (r != want_r) {
			print_error("%s: len %zu: result %s, want %s\n", name,
				    len, flow_parse_result_name(r),
				    flow_parse_result_name(want_r));
			fail();
		}
		assert_int_equal(key.in_port, IN_PORT);

		/* A cut frame never yields a bit the full frame does not. */
		for (size_t i = 0; i < sizeof(key); i++) {
			if (got[i] & ~full[i]) {
				print_error("%s: len %zu: byte %zu is %02x, "
					    "full frame %02x\n", name, len, i,
					    got[i], full[i]);
				fail();
			}
		}
		if (len >= c->l2_len) {
			assert_memory_equal(key.eth_dst, c->want.eth_dst, 6);
			assert_memory_equal(key.eth_src, c->want.eth_src, 6);
			assert_int_equal(key.vlan_tci, c->want.vlan_tci);
			assert_int_equal(key.vlan_tci_inner,
					 c->want.vlan_tci_inner);
			assert_int_equal(key.eth_type, c->want.eth_type);
		}
		if (len >= c->l3_len) {
			a = key;
			b = c->want;
			zero_l4(&a);
			zero_l4(&b);
			assert_key_equal(&a, &b, name, len);
		}
		if (len >= c->l4_len) {
			assert_key_equal(&key, &c->want, name, len);
		} else if (len < (c->l4_start ? c->l4_start : c->l4_len)) {
			/* Nothing of L4 but the ports of a header cut short
			 * (they are the full frame's, checked above). */
			a = key;
			zero_l4(&a);
			a.tp_src = key.tp_src;
			a.tp_dst = key.tp_dst;
			assert_key_equal(&key, &a, name, len);
		}
	}
}

static void
case_init(struct parse_case *c)
{
	memset(c, 0, sizeof(*c));
	c->want_r = FLOW_PARSE_OK;
}

/* Cut points of a frame whose only problem when cut is the IP length. */
static void
cuts_l3(struct parse_case *c, uint32_t l2)
{
	add_cut(c, 0, FLOW_PARSE_TRUNC_L2);
	add_cut(c, l2, FLOW_PARSE_TRUNC_L3);
	c->l2_len = l2;
}

/* ---------------------------------------------------------------- */
/* Ethernet, VLAN, IPv4.                                             */

static void
test_ipv4_tcp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0xb8, 0x4000, 64, 6, 0x0a000001, 0x0a000002);
	put_tcp(&c.f, 1234, 80, 0x112);
	put(&c.f, "hello!", 6);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0xb8, 64, 6, 0x0a000001, 0x0a000002);
	c.want.tp_src = htons(1234);
	c.want.tp_dst = htons(80);
	c.want.tcp_flags = htons(0x112);
	cuts_l3(&c, 14);
	c.l3_len = 34;
	c.l4_len = 54;
	check_case(&c, "ipv4-tcp");
}

static void
test_vlan_ipv4_udp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_macs(&c.f);
	put16(&c.f, 0x8100);
	put16(&c.f, 0xa064);	/* PCP 5, VID 100 */
	put16(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 17, 17, 0xc0a80001, 0xe0000001);
	put_udp(&c.f, 5000, 4789, 4);
	put32(&c.f, 0xcafef00d);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	c.want.vlan_tci = htons(0xa064 | FLOW_VLAN_TCI_PRESENT);
	want_ipv4(&c.want, 0, 17, 17, 0xc0a80001, 0xe0000001);
	c.want.tp_src = htons(5000);
	c.want.tp_dst = htons(4789);
	cuts_l3(&c, 18);
	c.l3_len = 38;
	c.l4_len = 46;
	check_case(&c, "vlan-ipv4-udp");
}

static void
test_vlan0(void **state)
{
	struct flow_key key;
	struct frame f = { .n = 0 };

	/* VID 0, PCP 0: still "a tag is present". */
	(void)state;
	put_macs(&f);
	put16(&f, 0x8100);
	put16(&f, 0x0000);
	put16(&f, 0x1234);
	assert_int_equal(parse_guarded(f.b, f.n, &key), FLOW_PARSE_OK);
	assert_int_equal(key.vlan_tci, htons(FLOW_VLAN_TCI_PRESENT));
	assert_int_equal(key.eth_type, htons(0x1234));
}

static void
test_qinq_ipv4_icmp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_macs(&c.f);
	put16(&c.f, 0x88a8);
	put16(&c.f, 0x0064);	/* VID 100 */
	put16(&c.f, 0x8100);
	put16(&c.f, 0x20c8);	/* PCP 1, VID 200 */
	put16(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0x10, 0, 255, 1, 0x0a010101, 0x0a020202);
	put_icmp(&c.f, 3, 3);
	put32(&c.f, 0);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	c.want.vlan_tci = htons(0x0064 | FLOW_VLAN_TCI_PRESENT);
	c.want.vlan_tci_inner = htons(0x20c8 | FLOW_VLAN_TCI_PRESENT);
	want_ipv4(&c.want, 0x10, 255, 1, 0x0a010101, 0x0a020202);
	c.want.tp_src = htons(3);
	c.want.tp_dst = htons(3);
	cuts_l3(&c, 22);
	c.l3_len = 42;
	c.l4_len = 46;
	check_case(&c, "qinq-ipv4-icmp");
}

static void
test_qinq_outer_only_ipv6_udp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_macs(&c.f);
	put16(&c.f, 0x88a8);
	put16(&c.f, 0xe00a);	/* PCP 7, VID 10 */
	put16(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 17, 1);
	put_udp(&c.f, 53, 53, 0);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	c.want.vlan_tci = htons(0xe00a | FLOW_VLAN_TCI_PRESENT);
	want_ipv6(&c.want, 0, 0, 17, 1);
	c.want.tp_src = htons(53);
	c.want.tp_dst = htons(53);
	cuts_l3(&c, 18);
	c.l3_len = 58;
	c.l4_len = 66;
	check_case(&c, "8021ad-ipv6-udp");
}

static void
test_ipv4_options_sctp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 7, 0x04, 0, 30, 132, 0x01020304, 0x05060708);
	put16(&c.f, 2905);
	put16(&c.f, 36412);
	put32(&c.f, 0x11223344);
	put32(&c.f, 0);
	put32(&c.f, 0xabcdabcd);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0x04, 30, 132, 0x01020304, 0x05060708);
	c.want.tp_src = htons(2905);
	c.want.tp_dst = htons(36412);
	cuts_l3(&c, 14);
	c.l3_len = 42;
	c.l4_len = 54;
	check_case(&c, "ipv4-options-sctp");
}

static void
test_ipv4_first_fragment(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0x2000, 64, 17, 0x0a000001, 0x0a000002);
	put_udp(&c.f, 1111, 2222, 8);
	put32(&c.f, 1);
	put32(&c.f, 2);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0, 64, 17, 0x0a000001, 0x0a000002);
	c.want.nw_frag = FLOW_NW_FRAG_ANY;
	c.want.tp_src = htons(1111);
	c.want.tp_dst = htons(2222);
	cuts_l3(&c, 14);
	c.l3_len = 34;
	c.l4_len = 42;
	check_case(&c, "ipv4-first-fragment");
}

/* A first fragment with 8 bytes of a TCP header (RFC 1858's tiny
 * fragment): flagged as a later fragment (no whole L4 header to match
 * on), its ports kept; with 2 bytes, not even the ports. */
static void
test_ipv4_tiny_first_fragment(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0x2000, 64, 6, 0x0a000001, 0x0a000002);
	put16(&c.f, 40000);
	put16(&c.f, 22);
	put32(&c.f, 1);		/* Sequence number; flags in the next one. */
	fix_ipv4_len(&c.f, ip);
	put_fill(&c.f, 0, 60 - c.f.n);
	c.want_r = FLOW_PARSE_TRUNC_L4;

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0, 64, 6, 0x0a000001, 0x0a000002);
	c.want.nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
	c.want.tp_src = htons(40000);
	c.want.tp_dst = htons(22);
	assert_int_equal(parse_guarded(c.f.b, c.f.n, &c.want), c.want_r);
	assert_int_equal(c.want.nw_frag,
			 FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
	assert_int_equal(c.want.tp_dst, htons(22));
	assert_int_equal(c.want.tcp_flags, 0);

	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0x2000, 64, 6, 0x0a000001, 0x0a000002);
	put16(&c.f, 40000);
	fix_ipv4_len(&c.f, ip);
	put_fill(&c.f, 0, 60 - c.f.n);
	assert_int_equal(parse_guarded(c.f.b, c.f.n, &c.want),
			 FLOW_PARSE_TRUNC_L4);
	assert_int_equal(c.want.nw_frag,
			 FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
	assert_int_equal(c.want.tp_src, 0);
	assert_int_equal(c.want.tp_dst, 0);
}

static void
test_ipv4_later_fragment(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 185, 64, 17, 0x0a000001, 0x0a000002);
	put_udp(&c.f, 1111, 2222, 8);	/* Payload that looks like UDP. */
	put32(&c.f, 1);
	put32(&c.f, 2);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0, 64, 17, 0x0a000001, 0x0a000002);
	c.want.nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
	cuts_l3(&c, 14);
	c.l3_len = 34;
	c.l4_len = 34;
	check_case(&c, "ipv4-later-fragment");
}

static void
test_ipv4_padding_short_tcp(void **state)
{
	struct parse_case c;
	size_t ip;

	/* The datagram ends 4 bytes into the TCP header; the Ethernet
	 * padding after it must not be read as the rest of the header. */
	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 64, 6, 0x0a000001, 0x0a000002);
	put16(&c.f, 1234);
	put16(&c.f, 80);
	fix_ipv4_len(&c.f, ip);
	put_fill(&c.f, 0xff, 60 - c.f.n);
	c.want_r = FLOW_PARSE_TRUNC_L4;

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0, 64, 6, 0x0a000001, 0x0a000002);
	c.want.tp_src = htons(1234);	/* The ports of a cut header stay. */
	c.want.tp_dst = htons(80);
	cuts_l3(&c, 14);
	add_cut(&c, 38, FLOW_PARSE_TRUNC_L4);
	c.l3_len = 34;
	c.l4_start = 34;
	c.l4_len = 38;
	check_case(&c, "ipv4-padding-short-tcp");
}

static void
test_ipv4_padding_udp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 64, 17, 0x0a000001, 0x0a000002);
	put_udp(&c.f, 67, 68, 0);
	fix_ipv4_len(&c.f, ip);
	put_fill(&c.f, 0xff, 60 - c.f.n);

	want_eth(&c.want, 0x0800);
	want_ipv4(&c.want, 0, 64, 17, 0x0a000001, 0x0a000002);
	c.want.tp_src = htons(67);
	c.want.tp_dst = htons(68);
	cuts_l3(&c, 14);
	add_cut(&c, 42, FLOW_PARSE_OK);
	c.l3_len = 34;
	c.l4_len = 42;
	check_case(&c, "ipv4-padding-udp");
}

static void
test_ipv4_bad(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	/* Version 5. */
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 64, 17, 1, 2);
	c.f.b[ip] = 0x55;
	put_udp(&c.f, 1, 2, 0);
	fix_ipv4_len(&c.f, ip);
	c.want_r = FLOW_PARSE_BAD_L3;
	want_eth(&c.want, 0x0800);
	cuts_l3(&c, 14);
	add_cut(&c, 34, FLOW_PARSE_BAD_L3);
	c.l3_len = c.l4_len = (uint32_t)c.f.n;
	check_case(&c, "ipv4-bad-version");

	/* IHL 4. */
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 64, 17, 1, 2);
	c.f.b[ip] = 0x44;
	put_udp(&c.f, 1, 2, 0);
	fix_ipv4_len(&c.f, ip);
	c.want_r = FLOW_PARSE_BAD_L3;
	want_eth(&c.want, 0x0800);
	cuts_l3(&c, 14);
	add_cut(&c, 34, FLOW_PARSE_BAD_L3);
	c.l3_len = c.l4_len = (uint32_t)c.f.n;
	check_case(&c, "ipv4-bad-ihl");

	/* Total length shorter than the header. */
	case_init(&c);
	put_eth(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0, 0, 64, 17, 1, 2);
	put_udp(&c.f, 1, 2, 0);
	wr16(&c.f, ip + 2, 10);
	c.want_r = FLOW_PARSE_TRUNC_L3;
	want_eth(&c.want, 0x0800);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = (uint32_t)c.f.n;
	check_case(&c, "ipv4-bad-total-length");
}

static void
test_arp(void **state)
{
	struct parse_case c;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x0806);
	put16(&c.f, 1);
	put16(&c.f, 0x0800);
	put8(&c.f, 6);
	put8(&c.f, 4);
	put16(&c.f, 2);		/* reply */
	put(&c.f, mac_3, 6);
	put32(&c.f, 0x0a000001);
	put(&c.f, mac_4, 6);
	put32(&c.f, 0x0a000002);

	want_eth(&c.want, 0x0806);
	c.want.nw_proto = 2;
	memcpy(c.want.arp_sha, mac_3, 6);
	memcpy(c.want.arp_tha, mac_4, 6);
	c.want.nw_src = htonl(0x0a000001);
	c.want.nw_dst = htonl(0x0a000002);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = 42;
	check_case(&c, "arp");
}

static void
test_vlan_arp_padded(void **state)
{
	struct parse_case c;

	(void)state;
	case_init(&c);
	put_macs(&c.f);
	put16(&c.f, 0x8100);
	put16(&c.f, 0x0005);
	put16(&c.f, 0x0806);
	put16(&c.f, 1);
	put16(&c.f, 0x0800);
	put8(&c.f, 6);
	put8(&c.f, 4);
	put16(&c.f, 1);		/* request */
	put(&c.f, mac_3, 6);
	put32(&c.f, 0xc0a80101);
	put_fill(&c.f, 0, 6);
	put32(&c.f, 0xc0a801fe);
	put_fill(&c.f, 0xee, 64 - c.f.n);

	want_eth(&c.want, 0x0806);
	c.want.vlan_tci = htons(0x0005 | FLOW_VLAN_TCI_PRESENT);
	c.want.nw_proto = 1;
	memcpy(c.want.arp_sha, mac_3, 6);
	c.want.nw_src = htonl(0xc0a80101);
	c.want.nw_dst = htonl(0xc0a801fe);
	cuts_l3(&c, 18);
	add_cut(&c, 46, FLOW_PARSE_OK);
	c.l3_len = c.l4_len = 46;
	check_case(&c, "vlan-arp-padded");
}

static void
test_mpls(void **state)
{
	struct parse_case c;
	uint32_t lse = 1000u << 12 | 1u << 8 | 64;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x8847);
	put32(&c.f, lse);
	put_fill(&c.f, 0x45, 20);

	want_eth(&c.want, 0x8847);
	c.want.mpls_lse = htonl(lse);
	cuts_l3(&c, 14);
	add_cut(&c, 18, FLOW_PARSE_OK);
	c.l3_len = c.l4_len = 18;
	check_case(&c, "mpls");

	case_init(&c);
	put_eth(&c.f, 0x8848);
	put32(&c.f, lse);
	want_eth(&c.want, 0x8848);
	c.want.mpls_lse = htonl(lse);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = 18;
	check_case(&c, "mpls-multicast");
}

/* PBB (802.1ah): the I-TAG's I-SID and nothing of the customer frame. */
static void
test_pbb(void **state)
{
	struct parse_case c;
	struct flow_key key;
	uint32_t map;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x88e7);
	/* PCP 5, DEI 1, UCA 1, reserved bits set: none of them kept. */
	put32(&c.f, 0xbf000000u | 0x123456);
	put(&c.f, mac_3, 6);	/* C-DA, C-SA, then an IPv4 / UDP frame. */
	put(&c.f, mac_4, 6);
	put16(&c.f, 0x0800);
	ip = put_ipv4(&c.f, 5, 0x10, 0, 64, 17, 0x0a000001, 0x0a000002);
	put_udp(&c.f, 1000, 2000, 4);
	put32(&c.f, 0);
	fix_ipv4_len(&c.f, ip);

	want_eth(&c.want, 0x88e7);
	c.want.pbb_isid = htonl(0x123456);
	/* A cut I-TAG is an L2 tag cut short; the Ethertype is known. */
	add_cut(&c, 0, FLOW_PARSE_TRUNC_L2);
	add_cut(&c, 18, FLOW_PARSE_OK);
	c.l2_len = 14;
	c.l3_len = c.l4_len = 18;
	check_case(&c, "pbb");

	/* I-SID 0 with a B-VLAN (802.1ad) tag before the I-TAG. */
	case_init(&c);
	put_eth(&c.f, 0x88a8);
	put16(&c.f, 0x2064);
	put16(&c.f, 0x88e7);
	put32(&c.f, 0x00abcdef);
	put(&c.f, mac_3, 6);
	put(&c.f, mac_4, 6);
	put16(&c.f, 0x88cc);
	want_eth(&c.want, 0x88e7);
	c.want.vlan_tci = htons(0x2064 | FLOW_VLAN_TCI_PRESENT);
	c.want.pbb_isid = htonl(0xabcdef);
	add_cut(&c, 0, FLOW_PARSE_TRUNC_L2);
	add_cut(&c, 22, FLOW_PARSE_OK);
	c.l2_len = 18;
	c.l3_len = c.l4_len = 22;
	check_case(&c, "btag-pbb");

	/* The EMC compares only the map's words: word 5 must be in it. */
	assert_int_equal(flow_parse_map(c.f.b, (uint32_t)c.f.n, IN_PORT, &key,
					&map), FLOW_PARSE_OK);
	assert_true(map & FLOW_MAP_WORD(5));
	memset(&key, 0xa5, sizeof(key));
	assert_int_equal(flow_parse_fast(c.f.b, (uint32_t)c.f.n, IN_PORT, &key,
					 &map), FLOW_PARSE_OK);
	assert_true(map & FLOW_MAP_WORD(5));
	assert_int_equal(key.pbb_isid, htonl(0xabcdef));
	/* Cut in the I-TAG: the Ethertype and the tag, no I-SID. */
	assert_int_equal(flow_parse_map(c.f.b, 20, IN_PORT, &key, &map),
			 FLOW_PARSE_TRUNC_L2);
	assert_int_equal(key.eth_type, htons(0x88e7));
	assert_int_equal(key.pbb_isid, 0);
}

static void
test_other_ethertypes(void **state)
{
	struct parse_case c;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x88cc);	/* LLDP */
	put_fill(&c.f, 0x02, 10);
	want_eth(&c.want, 0x88cc);
	add_cut(&c, 0, FLOW_PARSE_TRUNC_L2);
	add_cut(&c, 14, FLOW_PARSE_OK);
	c.l2_len = c.l3_len = c.l4_len = 14;
	check_case(&c, "lldp");

	/* 802.3 length field + LLC. */
	case_init(&c);
	put_eth(&c.f, 46);
	put8(&c.f, 0x42);
	put8(&c.f, 0x42);
	put8(&c.f, 0x03);
	put_fill(&c.f, 0, 43);
	want_eth(&c.want, 0x05ff);
	add_cut(&c, 0, FLOW_PARSE_TRUNC_L2);
	add_cut(&c, 14, FLOW_PARSE_OK);
	c.l2_len = c.l3_len = c.l4_len = 14;
	check_case(&c, "8023-llc");
}

static void
test_short_l2(void **state)
{
	struct flow_key key;
	struct frame f = { .n = 0 };

	(void)state;
	put_eth(&f, 0x0800);
	assert_int_equal(parse_guarded(f.b, 5, &key), FLOW_PARSE_TRUNC_L2);
	assert_int_equal(key.eth_dst[0], 0);
	assert_int_equal(parse_guarded(f.b, 6, &key), FLOW_PARSE_TRUNC_L2);
	assert_memory_equal(key.eth_dst, mac_dst, 6);
	assert_int_equal(key.eth_src[0], 0);
	assert_int_equal(parse_guarded(f.b, 13, &key), FLOW_PARSE_TRUNC_L2);
	assert_memory_equal(key.eth_src, mac_src, 6);
	assert_int_equal(key.eth_type, 0);
	assert_int_equal(parse_guarded(f.b, 14, &key), FLOW_PARSE_TRUNC_L3);
	assert_int_equal(key.eth_type, htons(0x0800));
	assert_int_equal(flow_parse(NULL, 0, 9, &key), FLOW_PARSE_TRUNC_L2);
	assert_int_equal(key.in_port, 9);
}

/* ---------------------------------------------------------------- */
/* IPv6.                                                             */

static void
test_ipv6_tcp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0xb8, 0x12345, 6, 64);
	put_tcp(&c.f, 40000, 443, 0x002);
	put16(&c.f, 0x0102);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0xb8, 0x12345, 6, 64);
	c.want.tp_src = htons(40000);
	c.want.tp_dst = htons(443);
	c.want.tcp_flags = htons(0x002);
	cuts_l3(&c, 14);
	c.l3_len = 54;
	c.l4_len = 74;
	check_case(&c, "ipv6-tcp");
}

static void
test_ipv6_ext_udp(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 1, 0, 64);
	put_ext(&c.f, 43, 0);	/* hop-by-hop */
	put_ext(&c.f, 60, 1);	/* routing, 16 bytes */
	put_ext(&c.f, 17, 0);	/* destination options */
	put_udp(&c.f, 546, 547, 4);
	put32(&c.f, 0);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 1, 17, 64);
	c.want.ipv6_exthdr = htons(0x40 | 0x20 | 0x08);
	c.want.tp_src = htons(546);
	c.want.tp_dst = htons(547);
	cuts_l3(&c, 14);
	c.l3_len = 86;
	c.l4_len = 94;
	check_case(&c, "ipv6-ext-udp");
}

static void
test_ipv6_exthdr_flags(void **state)
{
	struct flow_key key;
	struct frame f;
	size_t ip;

	(void)state;
	/* Routing header twice: UNREP. */
	memset(&f, 0, sizeof(f));
	put_eth(&f, 0x86dd);
	ip = put_ipv6(&f, 0, 0, 0, 64);
	put_ext(&f, 43, 0);
	put_ext(&f, 43, 0);
	put_ext(&f, 6, 0);
	put_tcp(&f, 1, 2, 0);
	fix_ipv6_len(&f, ip);
	assert_int_equal(parse_guarded(f.b, f.n, &key), FLOW_PARSE_OK);
	assert_int_equal(ntohs(key.ipv6_exthdr), 0x40 | 0x20 | 0x80);
	assert_int_equal(key.nw_proto, 6);
	assert_int_equal(key.tp_dst, htons(2));

	/* Destination options before hop-by-hop: UNSEQ. */
	memset(&f, 0, sizeof(f));
	put_eth(&f, 0x86dd);
	ip = put_ipv6(&f, 0, 0, 60, 64);
	put_ext(&f, 0, 0);
	put_ext(&f, 6, 0);
	put_tcp(&f, 1, 2, 0);
	fix_ipv6_len(&f, ip);
	assert_int_equal(parse_guarded(f.b, f.n, &key), FLOW_PARSE_OK);
	assert_int_equal(ntohs(key.ipv6_exthdr), 0x08 | 0x40 | 0x100);
	assert_int_equal(key.nw_proto, 6);

	/* Destination options before routing and at the end: fine. */
	memset(&f, 0, sizeof(f));
	put_eth(&f, 0x86dd);
	ip = put_ipv6(&f, 0, 0, 60, 64);
	put_ext(&f, 43, 0);
	put_ext(&f, 60, 0);
	put_ext(&f, 17, 0);
	put_udp(&f, 1, 2, 0);
	fix_ipv6_len(&f, ip);
	assert_int_equal(parse_guarded(f.b, f.n, &key), FLOW_PARSE_OK);
	assert_int_equal(ntohs(key.ipv6_exthdr), 0x08 | 0x20);
	assert_int_equal(key.nw_proto, 17);
}

static void
test_ipv6_first_fragment(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 44, 64);
	put_frag6(&c.f, 17, 0, true);
	put_udp(&c.f, 7, 9, 4);
	put32(&c.f, 0x01020304);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 17, 64);
	c.want.nw_frag = FLOW_NW_FRAG_ANY;
	c.want.ipv6_exthdr = htons(0x10);
	c.want.tp_src = htons(7);
	c.want.tp_dst = htons(9);
	cuts_l3(&c, 14);
	c.l3_len = 62;
	c.l4_len = 70;
	check_case(&c, "ipv6-first-fragment");
}

static void
test_ipv6_later_fragment(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 44, 64);
	put_frag6(&c.f, 6, 100, false);
	put_tcp(&c.f, 7, 9, 0x10);	/* Payload that looks like TCP. */
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 6, 64);
	c.want.nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
	c.want.ipv6_exthdr = htons(0x10);
	cuts_l3(&c, 14);
	c.l3_len = 62;
	c.l4_len = 62;
	check_case(&c, "ipv6-later-fragment");
}

static void
test_ipv6_esp_nonext(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 50, 64);
	put32(&c.f, 0x1000);	/* SPI */
	put32(&c.f, 1);		/* sequence */
	put_fill(&c.f, 0x5a, 8);
	fix_ipv6_len(&c.f, ip);
	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 50, 64);
	c.want.ipv6_exthdr = htons(0x02);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = 54;
	check_case(&c, "ipv6-esp");

	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 0, 64);
	put_ext(&c.f, 51, 0);	/* hop-by-hop, then AH */
	put_fill(&c.f, 0, 16);
	fix_ipv6_len(&c.f, ip);
	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 51, 64);
	c.want.ipv6_exthdr = htons(0x40 | 0x04);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = 62;
	check_case(&c, "ipv6-hop-ah");

	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 59, 64);
	put32(&c.f, 0);
	fix_ipv6_len(&c.f, ip);
	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 59, 64);
	c.want.ipv6_exthdr = htons(0x01);
	cuts_l3(&c, 14);
	c.l3_len = c.l4_len = 54;
	check_case(&c, "ipv6-nonext");
}

static void
test_ipv6_bad_version(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 17, 64);
	c.f.b[ip] = 0x40;
	put_udp(&c.f, 1, 2, 0);
	fix_ipv6_len(&c.f, ip);
	c.want_r = FLOW_PARSE_BAD_L3;
	want_eth(&c.want, 0x86dd);
	cuts_l3(&c, 14);
	add_cut(&c, 54, FLOW_PARSE_BAD_L3);
	c.l3_len = c.l4_len = (uint32_t)c.f.n;
	check_case(&c, "ipv6-bad-version");
}

static void
test_icmpv6_echo(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 58, 64);
	put_icmp(&c.f, 128, 0);
	put32(&c.f, 0x61626364);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 58, 64);
	c.want.tp_src = htons(128);
	cuts_l3(&c, 14);
	c.l3_len = 54;
	c.l4_len = 58;
	check_case(&c, "icmpv6-echo");
}

static void
test_nd_solicit(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 58, 255);
	put8(&c.f, 135);
	put8(&c.f, 0);
	put16(&c.f, 0);
	put32(&c.f, 0);
	put(&c.f, ip6_t, 16);
	put8(&c.f, 1);		/* source link-layer address */
	put8(&c.f, 1);
	put(&c.f, mac_3, 6);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 58, 255);
	c.want.tp_src = htons(135);
	memcpy(c.want.nd_target, ip6_t, 16);
	memcpy(c.want.arp_sha, mac_3, 6);
	cuts_l3(&c, 14);
	c.l3_len = 54;
	c.l4_start = 58;
	c.l4_len = 86;
	check_case(&c, "nd-solicit");
}

static void
test_nd_advert(void **state)
{
	struct parse_case c;
	size_t ip;

	(void)state;
	case_init(&c);
	put_eth(&c.f, 0x86dd);
	ip = put_ipv6(&c.f, 0, 0, 58, 255);
	put8(&c.f, 136);
	put8(&c.f, 0);
	put16(&c.f, 0);
	put32(&c.f, 0x60000000);
	put(&c.f, ip6_t, 16);
	put8(&c.f, 14);		/* nonce: skipped */
	put8(&c.f, 1);
	put_fill(&c.f, 0x77, 6);
	put8(&c.f, 2);		/* target link-layer address */
	put8(&c.f, 1);
	put(&c.f, mac_4, 6);
	fix_ipv6_len(&c.f, ip);

	want_eth(&c.want, 0x86dd);
	want_ipv6(&c.want, 0, 0, 58, 255);
	c.want.tp_src = htons(136);
	memcpy(c.want.nd_target, ip6_t, 16);
	memcpy(c.want.arp_tha, mac_4, 6);
	cuts_l3(&c, 14);
	c.l3_len = 54;
	c.l4_start = 58;
	c.l4_len = 94;
	check_case(&c, "nd-advert");
}

static void
test_nd_bad_option(void **state)
{
	struct flow_key key;
	struct frame f = { .n = 0 };
	size_t ip;

	/* Option length 0 is malformed: stop, report it. */
	(void)state;
	put_eth(&f, 0x86dd);
	ip = put_ipv6(&f, 0, 0, 58, 255);
	put8(&f, 135);
	put8(&f, 0);
	put16(&f, 0);
	put32(&f, 0);
	put(&f, ip6_t, 16);
	put8(&f, 1);
	put8(&f, 0);
	put(&f, mac_3, 6);
	fix_ipv6_len(&f, ip);
	assert_int_equal(parse_guarded(f.b, f.n, &key), FLOW_PARSE_TRUNC_L4);
	assert_int_equal(key.tp_src, htons(135));
	assert_memory_equal(key.nd_target, ip6_t, 16);
	assert_int_equal(key.arp_sha[0], 0);
}

/* ---------------------------------------------------------------- */
/* Robustness.                                                       */

static uint64_t rng_state = 0x0123456789abcdefull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
test_random_frames(void **state)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100,
					  0x88a8, 0x8847, 0x8848 };
	struct flow_key key;
	uint8_t buf[256];

	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		size_t len = rng() % sizeof(buf);
		enum flow_parse_result r;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		/* Steer most frames into the interesting parsers. */
		if (len >= 14 && (iter & 3) != 0) {
			uint16_t t = types[rng() % (sizeof(types) / sizeof(types[0]))];

			buf[12] = (uint8_t)(t >> 8);
			buf[13] = (uint8_t)t;
			if (len >= 16 && (iter & 4)) {
				buf[14] = (t == 0x0800) ? 0x45 : 0x60;
				buf[16] = 0;
				buf[17] = (uint8_t)(len - 14);
			}
		}
		r = parse_guarded(buf, len, &key);
		assert_true(r < FLOW_PARSE_N_RESULTS);
		assert_int_equal(key.in_port, IN_PORT);
	}
}

/* flow_parse_map(): the same key as flow_parse(), and no nonzero word
 * outside the map (the EMC hashes and compares only the map's words). */
static void
test_word_map(void **state)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100,
					  0x88a8, 0x8847, 0x8848, 0x0842,
					  0x88e7 };
	const unsigned n_types = sizeof(types) / sizeof(types[0]);
	static const uint8_t protos[] = { 6, 17, 132, 1, 58, 0, 43, 44, 60 };
	struct flow_key key, key2;
	uint8_t buf[256];

	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		size_t len = rng() % sizeof(buf);
		size_t l3 = 14;
		uint32_t map;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		if (len >= 18 && (iter & 1)) {
			uint16_t t = types[rng() % n_types];

			buf[12] = (uint8_t)(t >> 8);
			buf[13] = (uint8_t)t;
			if (t == 0x8100 || t == 0x88a8) {
				t = (iter & 2) ? 0x8100 :
				    types[rng() % n_types];
				buf[16] = (uint8_t)(t >> 8);
				buf[17] = (uint8_t)t;
				l3 = 18;
			}
			if (len >= l3 + 40) {
				bool v6 = (iter & 4) != 0;

				buf[l3] = v6 ? 0x60 : 0x45;
				buf[l3 + (v6 ? 6 : 9)] = protos[rng() % 9];
				buf[l3 + 2] = 0;
				buf[l3 + 3] = (uint8_t)(len - l3);
				buf[l3 + 4] = 0;
				buf[l3 + 5] = (uint8_t)(len - l3 - 40);
				buf[l3 + 6] = v6 ? buf[l3 + 6] : 0;
				buf[l3 + 40] = (iter & 8) ? 135 : buf[l3 + 40];
				if (!v6 && (iter & 16)) {
					buf[l3 + 6] &= 0x40;	/* DF only */
					buf[l3 + 7] = 0;
				}
			}
		}
		flow_parse(buf, len, IN_PORT, &key);
		flow_parse_map(buf, len, IN_PORT, &key2, &map);
		assert_memory_equal(&key, &key2, sizeof(key));
		/* The inline fast path: the same key, result and map. */
		uint32_t map3;

		memset(&key2, 0xa5, sizeof(key2));
		assert_int_equal(flow_parse_fast(buf, len, IN_PORT, &key2, &map3),
				 flow_parse(buf, len, IN_PORT, &key));
		assert_memory_equal(&key, &key2, sizeof(key));
		assert_int_equal(map, map3);
		for (unsigned w = 0; w < FLOW_KEY_WORDS; w++)
			if (flow_key_words(&key)[w] != 0)
				assert_true(map & FLOW_MAP_WORD(w));
	}
}

static void
test_result_names(void **state)
{
	(void)state;
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_OK), "ok");
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_TRUNC_L2),
			    "trunc_l2");
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_TRUNC_L3),
			    "trunc_l3");
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_TRUNC_L4),
			    "trunc_l4");
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_BAD_L3),
			    "bad_l3");
	assert_string_equal(flow_parse_result_name(FLOW_PARSE_N_RESULTS),
			    "unknown");
}

/* flow_compose(): parse(compose(key)) == key, for the packet fields of
 * every protocol it writes. */
static void
compose_roundtrip(const struct flow_key *k)
{
	uint8_t buf[FLOW_COMPOSE_MAX];
	struct flow_key got;
	size_t len = flow_compose(k, buf);

	assert_true(len >= 60 && len <= FLOW_COMPOSE_MAX);
	assert_int_equal(flow_parse(buf, (uint32_t)len, k->in_port, &got),
			 FLOW_PARSE_OK);
	assert_memory_equal(&got, k, sizeof(got));
}

static void
test_compose(void **state)
{
	struct flow_key k;

	(void)state;
	memset(&k, 0, sizeof(k));	/* IPv4 UDP, one tag. */
	k.in_port = 3;
	memcpy(k.eth_dst, "\x02\0\0\0\0\x02", 6);
	memcpy(k.eth_src, "\x02\0\0\0\0\x01", 6);
	k.vlan_tci = htons(0x1000 | 0x2000 | 100);
	k.eth_type = htons(0x0800);
	k.nw_proto = 17;
	k.nw_tos = 0x2e;
	k.nw_ttl = 64;
	k.nw_src = htonl(0x0a000001);
	k.nw_dst = htonl(0x0a000002);
	k.tp_src = htons(1000);
	k.tp_dst = htons(53);
	compose_roundtrip(&k);
	k.vlan_tci_inner = htons(0x1000 | 7);	/* QinQ, TCP with flags. */
	k.nw_proto = 6;
	k.tcp_flags = htons(0x012);
	compose_roundtrip(&k);
	k.vlan_tci = k.vlan_tci_inner = 0;	/* A later fragment. */
	k.tcp_flags = 0;
	k.nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
	k.tp_src = k.tp_dst = 0;
	compose_roundtrip(&k);

	memset(&k, 0, sizeof(k));	/* ARP */
	k.eth_type = htons(0x0806);
	k.nw_proto = 1;
	k.nw_src = htonl(0x0a000001);
	k.nw_dst = htonl(0x0a000002);
	memcpy(k.arp_sha, "\x02\0\0\0\0\x01", 6);
	compose_roundtrip(&k);

	memset(&k, 0, sizeof(k));	/* IPv6 neighbour solicitation. */
	k.eth_type = htons(0x86dd);
	k.nw_proto = 58;
	k.nw_ttl = 255;
	k.ipv6_label = htonl(0x12345);
	k.ipv6_src[15] = 1;
	k.ipv6_dst[0] = 0xff;
	k.tp_src = htons(135);
	k.nd_target[15] = 9;
	memcpy(k.arp_sha, "\x02\0\0\0\0\x01", 6);
	compose_roundtrip(&k);

	memset(&k, 0, sizeof(k));	/* MPLS (bottom of stack). */
	k.eth_type = htons(0x8847);
	k.mpls_lse = htonl(100u << 12 | 0x100 | 64);
	compose_roundtrip(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_vlan_ipv4_udp),
		cmocka_unit_test(test_vlan0),
		cmocka_unit_test(test_qinq_ipv4_icmp),
		cmocka_unit_test(test_qinq_outer_only_ipv6_udp),
		cmocka_unit_test(test_ipv4_options_sctp),
		cmocka_unit_test(test_ipv4_first_fragment),
		cmocka_unit_test(test_ipv4_tiny_first_fragment),
		cmocka_unit_test(test_ipv4_later_fragment),
		cmocka_unit_test(test_ipv4_padding_short_tcp),
		cmocka_unit_test(test_ipv4_padding_udp),
		cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_vlan_arp_padded),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_pbb),
		cmocka_unit_test(test_other_ethertypes),
		cmocka_unit_test(test_short_l2),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_ext_udp),
		cmocka_unit_test(test_ipv6_exthdr_flags),
		cmocka_unit_test(test_ipv6_first_fragment),
		cmocka_unit_test(test_ipv6_later_fragment),
		cmocka_unit_test(test_ipv6_esp_nonext),
		cmocka_unit_test(test_ipv6_bad_version),
		cmocka_unit_test(test_icmpv6_echo),
		cmocka_unit_test(test_nd_solicit),
		cmocka_unit_test(test_nd_advert),
		cmocka_unit_test(test_nd_bad_option),
		cmocka_unit_test(test_random_frames),
		cmocka_unit_test(test_word_map),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_compose),
	};

	return cmocka_run_group_tests_name("flow_parse", tests, setup_guard,
					   teardown_guard);
}
