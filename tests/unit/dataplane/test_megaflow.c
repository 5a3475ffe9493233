/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Megaflow classifier, single-threaded: insert / lookup / remove / flush,
 * EEXIST and ENOSPC, and a property test against a linear-scan reference
 * over random non-overlapping megaflows with random masks.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/megaflow.h"

/* ---------------------------------------------------------------- */
/* Helpers.                                                          */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static struct dp_actions
output(uint32_t port)
{
	struct dp_actions a = { .n = 1 };

	a.a[0].type = DP_ACTION_OUTPUT;
	a.a[0].arg = port;
	return a;
}

static struct flow_key
ipv4_key(uint32_t in_port, uint32_t src, uint32_t dst, uint16_t sport,
	 uint16_t dport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = in_port;
	k.eth_type = htons(0x0800);
	k.nw_proto = 6;
	k.nw_src = htonl(src);
	k.nw_dst = htonl(dst);
	k.tp_src = htons(sport);
	k.tp_dst = htons(dport);
	return k;
}

static struct flow_key
mask_port_dst(uint32_t prefix_len)
{
	struct flow_key m;

	memset(&m, 0, sizeof(m));
	m.in_port = UINT32_MAX;
	m.eth_type = 0xffff;
	m.nw_dst = prefix_len ? htonl(UINT32_MAX << (32 - prefix_len)) : 0;
	return m;
}

static void
count_cb(struct megaflow *mf, void *arg)
{
	(void)mf;
	(*(unsigned *)arg)++;
}

/* ---------------------------------------------------------------- */
/* Basic behaviour.                                                  */

static void
test_create_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(megaflow_table_create(0, NULL));
	assert_int_equal(errno, EINVAL);
	megaflow_table_destroy(NULL);
}

static void
test_insert_lookup_remove(void **state)
{
	struct megaflow_table *t = megaflow_table_create(100, NULL);
	struct flow_key m24 = mask_port_dst(24);
	struct flow_key k = ipv4_key(1, 0x0a000001, 0xc0a80105, 1000, 80);
	struct flow_key k_same = ipv4_key(1, 0x0b000001, 0xc0a801fe, 1, 2);
	struct flow_key k_other = ipv4_key(1, 0x0a000001, 0xc0a80205, 1000, 80);
	struct flow_key k_port2 = ipv4_key(2, 0x0a000001, 0xc0a80105, 1000, 80);
	struct dp_actions acts = output(3);
	uint64_t cookies[2] = { 0x1111, 0x2222 };
	struct megaflow *mf;
	uint32_t serial;
	unsigned n = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(megaflow_count(t), 0);
	assert_int_equal(megaflow_subtable_count(t), 0);
	assert_null(megaflow_lookup(t, &k));

	mf = megaflow_insert(t, &k, &m24, &acts, cookies, 2, NULL);
	assert_non_null(mf);
	assert_int_equal(megaflow_count(t), 1);
	assert_int_equal(megaflow_subtable_count(t), 1);
	assert_true(flow_key_equal(mf->mask, &m24));
	/* The stored key is masked. */
	assert_int_equal(mf->key.nw_dst, htonl(0xc0a80100));
	assert_int_equal(mf->key.nw_src, 0);
	assert_int_equal(mf->key.tp_src, 0);
	assert_int_equal(mf->actions.n, 1);
	assert_int_equal(mf->actions.a[0].arg, 3);
	assert_int_equal(mf->n_cookies, 2);
	assert_int_equal(mf->cookies[1], 0x2222);
	assert_int_equal(mf->n_packets, 0);
	assert_true(mf->created_ms > 0);
	assert_true(mf->live);

	assert_ptr_equal(megaflow_lookup(t, &k), mf);
	assert_ptr_equal(megaflow_lookup(t, &k_same), mf);
	assert_null(megaflow_lookup(t, &k_other));
	assert_null(megaflow_lookup(t, &k_port2));

	megaflow_foreach(t, count_cb, &n);
	assert_int_equal(n, 1);

	serial = megaflow_serial(mf);
	megaflow_remove(t, mf);
	assert_false(megaflow_ref_valid(mf, serial));
	assert_false(mf->live);
	assert_null(megaflow_lookup(t, &k));
	assert_int_equal(megaflow_count(t), 0);
	/* The empty subtable is dropped. */
	assert_int_equal(megaflow_subtable_count(t), 0);
	/* Removing twice is harmless. */
	megaflow_remove(t, mf);
	assert_int_equal(megaflow_count(t), 0);
	megaflow_synchronize(t);

	/* Drop actions (NULL) are allowed. */
	mf = megaflow_insert(t, &k, &m24, NULL, NULL, 0, NULL);
	assert_non_null(mf);
	assert_int_equal(mf->actions.n, 0);
	megaflow_table_destroy(t);
}

static void
test_insert_errors(void **state)
{
	struct megaflow_table *t = megaflow_table_create(3, NULL);
	struct flow_key m = mask_port_dst(32);
	struct flow_key k1 = ipv4_key(1, 0, 1, 0, 0);
	struct flow_key k1b = ipv4_key(1, 5, 1, 7, 7);	/* Same masked. */
	struct flow_key k2 = ipv4_key(1, 0, 2, 0, 0);
	struct flow_key k3 = ipv4_key(1, 0, 3, 0, 0);
	struct flow_key k4 = ipv4_key(1, 0, 4, 0, 0);
	struct dp_actions acts = output(1), bad = output(1);
	uint64_t cookies[MEGAFLOW_MAX_COOKIES + 1] = { 0 };
	struct megaflow *mf1, *mf2, *mf3, *existing, *mf;

	(void)state;
	mf1 = megaflow_insert(t, &k1, &m, &acts, NULL, 0, NULL);
	assert_non_null(mf1);

	existing = NULL;
	errno = 0;
	assert_null(megaflow_insert(t, &k1b, &m, &acts, NULL, 0, &existing));
	assert_int_equal(errno, EEXIST);
	assert_ptr_equal(existing, mf1);
	errno = 0;
	assert_null(megaflow_insert(t, &k1, &m, &acts, NULL, 0, NULL));
	assert_int_equal(errno, EEXIST);

	errno = 0;
	assert_null(megaflow_insert(t, &k2, &m, &acts, cookies,
				    MEGAFLOW_MAX_COOKIES + 1, NULL));
	assert_int_equal(errno, EINVAL);
	bad.n = DP_ACTIONS_MAX + 1;
	errno = 0;
	assert_null(megaflow_insert(t, &k2, &m, &bad, NULL, 0, NULL));
	assert_int_equal(errno, EINVAL);

	mf2 = megaflow_insert(t, &k2, &m, &acts, cookies,
			      MEGAFLOW_MAX_COOKIES, NULL);
	assert_non_null(mf2);
	mf3 = megaflow_insert(t, &k3, &m, &acts, NULL, 0, NULL);
	assert_non_null(mf3);
	errno = 0;
	assert_null(megaflow_insert(t, &k4, &m, &acts, NULL, 0, &existing));
	assert_int_equal(errno, ENOSPC);
	assert_null(existing);
	/* Full pool, but the flow exists: EEXIST wins. */
	errno = 0;
	assert_null(megaflow_insert(t, &k3, &m, &acts, NULL, 0, &existing));
	assert_int_equal(errno, EEXIST);
	assert_ptr_equal(existing, mf3);

	/* A removed slot is pending; insert waits for the grace period
	 * (no readers here) and reuses it. */
	megaflow_remove(t, mf2);
	mf = megaflow_insert(t, &k4, &m, &acts, NULL, 0, NULL);
	assert_ptr_equal(mf, mf2);
	assert_ptr_equal(megaflow_lookup(t, &k4), mf);
	assert_null(megaflow_lookup(t, &k2));
	assert_ptr_equal(megaflow_lookup(t, &k1), mf1);
	assert_ptr_equal(megaflow_lookup(t, &k3), mf3);
	assert_int_equal(megaflow_count(t), 3);
	megaflow_table_destroy(t);
}

static void
test_subtables_and_flush(void **state)
{
	struct megaflow_table *t = megaflow_table_create(1000, NULL);
	struct dp_actions acts = output(1);
	struct flow_key catchall;
	unsigned n = 0;

	(void)state;
	/* Ten masks (/8, /10 ... /26 + tp_dst), each on its own /8, so
	 * no two megaflows overlap. */
	for (uint32_t p = 0; p < 10; p++) {
		struct flow_key m = mask_port_dst(8 + 2 * p);

		m.tp_dst = 0xffff;
		for (uint32_t i = 0; i < 20; i++) {
			struct flow_key k = ipv4_key(1, 0, (p + 1) << 24, 0,
						     (uint16_t)i);

			assert_non_null(megaflow_insert(t, &k, &m, &acts,
							NULL, 0, NULL));
		}
	}
	assert_int_equal(megaflow_count(t), 200);
	assert_int_equal(megaflow_subtable_count(t), 10);
	megaflow_foreach(t, count_cb, &n);
	assert_int_equal(n, 200);

	/* Two megaflows of one mask share its mask. */
	{
		struct flow_key k1 = ipv4_key(1, 0, 1u << 24, 0, 0);
		struct flow_key k2 = ipv4_key(1, 0, 1u << 24, 0, 1);
		struct megaflow *a = megaflow_lookup(t, &k1);
		struct megaflow *b = megaflow_lookup(t, &k2);

		assert_non_null(a);
		assert_non_null(b);
		assert_ptr_not_equal(a, b);
		assert_ptr_equal(a->mask, b->mask);
	}

	megaflow_flush(t);
	assert_int_equal(megaflow_count(t), 0);
	assert_int_equal(megaflow_subtable_count(t), 0);
	n = 0;
	megaflow_foreach(t, count_cb, &n);
	assert_int_equal(n, 0);
	{
		struct flow_key k1 = ipv4_key(1, 0, 1u << 24, 0, 0);

		assert_null(megaflow_lookup(t, &k1));
	}
	megaflow_synchronize(t);

	/* An all-zero mask matches every key. */
	memset(&catchall, 0, sizeof(catchall));
	assert_non_null(megaflow_insert(t, &catchall, &catchall, &acts, NULL,
					0, NULL));
	{
		struct flow_key k = ipv4_key(9, 1, 2, 3, 4);

		assert_non_null(megaflow_lookup(t, &k));
	}
	megaflow_table_destroy(t);
}

/* Subtable ordering by hits must not change answers. */
static void
test_subtable_sort(void **state)
{
	struct megaflow_table *t = megaflow_table_create(100, NULL);
	struct dp_actions acts = output(1);
	struct megaflow *mfs[4];
	struct flow_key keys[4];

	(void)state;
	for (uint32_t p = 0; p < 4; p++) {
		struct flow_key m = mask_port_dst(8 + 8 * p);

		keys[p] = ipv4_key(1, 0, (p + 1) << 24 | 0x00010101, 0, 0);
		mfs[p] = megaflow_insert(t, &keys[p], &m, &acts, NULL, 0,
					 NULL);
		assert_non_null(mfs[p]);
	}
	/* Make the last subtable the busiest. */
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(megaflow_lookup(t, &keys[3]), mfs[3]);
	megaflow_synchronize(t);
	for (uint32_t p = 0; p < 4; p++)
		assert_ptr_equal(megaflow_lookup(t, &keys[p]), mfs[p]);
	megaflow_synchronize(t);
	for (uint32_t p = 0; p < 4; p++)
		assert_ptr_equal(megaflow_lookup(t, &keys[p]), mfs[p]);
	assert_int_equal(megaflow_subtable_count(t), 4);
	megaflow_table_destroy(t);
}

/* ---------------------------------------------------------------- */
/* Property test.                                                    */

#define PROP_MAX_FLOWS 3000
#define PROP_N_MASKS 24

/* A key drawn from small domains, so random keys often match. */
static struct flow_key
random_key(void)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806 };
	struct flow_key k;
	uint64_t r = rng(), s = rng();

	memset(&k, 0, sizeof(k));
	k.in_port = 1 + (uint32_t)(r & 3);
	k.eth_type = htons(types[(r >> 2) % 3]);
	k.vlan_tci = (r >> 4) & 1 ? htons(0x1000 | ((r >> 5) & 3)) : 0;
	k.eth_dst[5] = (uint8_t)((r >> 7) & 3);
	k.nw_proto = (r >> 9) & 1 ? 6 : 17;
	k.nw_tos = (uint8_t)(((r >> 10) & 3) << 2);
	k.nw_src = htonl(0x0a000000 | (uint32_t)((r >> 12) & 0x0f0f));
	k.nw_dst = htonl(0xc0a80000 | (uint32_t)((r >> 28) & 0x0f0f));
	k.tp_src = htons((uint16_t)(1000 + ((s >> 0) & 7)));
	k.tp_dst = htons((uint16_t)(80 + ((s >> 3) & 3)));
	k.ipv6_dst[15] = (uint8_t)((s >> 5) & 3);
	k.metadata = (s >> 7) & 1;
	k.tunnel_id = (s >> 8) & 1;
	return k;
}

/* A mask over a random subset of fields, some with prefixes. */
static struct flow_key
random_mask(void)
{
	struct flow_key m;
	uint64_t r = rng();

	memset(&m, 0, sizeof(m));
	if (r & 1)
		m.in_port = UINT32_MAX;
	if (r & 2)
		m.eth_type = 0xffff;
	if (r & 4)
		m.vlan_tci = htons(0x1fff);
	if (r & 8)
		memset(m.eth_dst, 0xff, 6);
	if (r & 16)
		m.nw_proto = 0xff;
	if (r & 32)
		m.nw_tos = 0xfc;
	if (r & 64)
		m.nw_src = htonl(UINT32_MAX << (32 - (8 + (r >> 20) % 25)));
	if (r & 128)
		m.nw_dst = htonl(UINT32_MAX << (32 - (8 + (r >> 30) % 25)));
	if (r & 256)
		m.tp_src = 0xffff;
	if (r & 512)
		m.tp_dst = htons(0xfffc);
	if (r & 1024)
		memset(m.ipv6_dst, 0xff, 16);
	if (r & 2048)
		m.metadata = UINT64_MAX;
	if (r & 4096)
		m.tunnel_id = 1;
	return m;
}

/* Can a packet match both (k1, m1) and (k2, m2)? */
static bool
overlap(const struct flow_key *k1, const struct flow_key *m1,
	const struct flow_key *k2, const struct flow_key *m2)
{
	const flow_word_t *a = flow_key_words(k1), *ma = flow_key_words(m1);
	const flow_word_t *b = flow_key_words(k2), *mb = flow_key_words(m2);

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if ((a[i] ^ b[i]) & ma[i] & mb[i])
			return false;
	return true;
}

struct ref_flow {
	struct megaflow *mf;
	struct flow_key key, mask;
};

static struct ref_flow ref[PROP_MAX_FLOWS];
static unsigned n_ref;

static struct megaflow *
ref_lookup(const struct flow_key *k)
{
	struct megaflow *found = NULL;

	for (unsigned i = 0; i < n_ref; i++)
		if (flow_key_masked_equal(k, &ref[i].mask, &ref[i].key)) {
			assert_null(found);	/* No overlaps. */
			found = ref[i].mf;
		}
	return found;
}

static void
check_burst(struct megaflow_table *t, const struct flow_key *keys,
	    unsigned n)
{
	const struct flow_key *kp[32];
	struct megaflow *out[32];
	unsigned hits, want_hits = 0;

	for (unsigned i = 0; i < n; i++)
		kp[i] = &keys[i];
	hits = megaflow_lookup_burst(t, kp, n, out);
	for (unsigned i = 0; i < n; i++) {
		struct megaflow *want = ref_lookup(&keys[i]);

		assert_ptr_equal(out[i], want);
		assert_ptr_equal(megaflow_lookup(t, &keys[i]), want);
		want_hits += want != NULL;
	}
	assert_int_equal(hits, want_hits);
}

static void
test_property_random(void **state)
{
	struct megaflow_table *t = megaflow_table_create(PROP_MAX_FLOWS, NULL);
	struct flow_key masks[PROP_N_MASKS];
	unsigned n_lookups = 0, n_hits = 0, n_removed = 0;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	n_ref = 0;
	for (unsigned i = 0; i < PROP_N_MASKS; i++)
		masks[i] = random_mask();

	for (unsigned round = 0; round < 10; round++) {
		/* Grow: random rules, kept only if they overlap no other. */
		for (unsigned tries = 0; tries < 2000 &&
		     n_ref < PROP_MAX_FLOWS; tries++) {
			struct flow_key k = random_key();
			const struct flow_key *m =
				&masks[rng() % PROP_N_MASKS];
			struct dp_actions acts = output(n_ref);
			struct megaflow *mf, *existing;
			bool clash = false;

			for (unsigned i = 0; i < n_ref && !clash; i++)
				clash = overlap(&k, m, &ref[i].key,
						&ref[i].mask);
			if (clash)
				continue;
			mf = megaflow_insert(t, &k, m, &acts, NULL, 0,
					     &existing);
			assert_non_null(mf);
			ref[n_ref].mf = mf;
			ref[n_ref].mask = *m;
			flow_key_apply_mask(&ref[n_ref].key, &k, m);
			n_ref++;
		}
		assert_int_equal(megaflow_count(t), n_ref);

		/* 10,000 single lookups + bursts each round: half random,
		 * half a rule's key with random bits outside its mask. */
		for (unsigned i = 0; i < 10000; i++) {
			struct flow_key k = random_key();
			struct megaflow *want;

			if ((i & 1) && n_ref > 0) {
				const struct ref_flow *r = &ref[rng() % n_ref];
				flow_word_t *w = (flow_word_t *)(void *)&k;
				const flow_word_t *rk = flow_key_words(&r->key);
				const flow_word_t *rm = flow_key_words(&r->mask);

				for (size_t j = 0; j < FLOW_KEY_WORDS; j++)
					w[j] = (w[j] & ~rm[j]) | rk[j];
				want = ref_lookup(&k);
				assert_ptr_equal(want, r->mf);
			} else {
				want = ref_lookup(&k);
			}

			assert_ptr_equal(megaflow_lookup(t, &k), want);
			n_lookups++;
			n_hits += want != NULL;
		}
		for (unsigned i = 0; i < 100; i++) {
			struct flow_key keys[32];
			unsigned n = 1 + (unsigned)(rng() % 32);

			for (unsigned j = 0; j < n; j++)
				keys[j] = random_key();
			check_burst(t, keys, n);
		}

		/* Every inserted rule is found by its own key, and an
		 * insert of it again says EEXIST. */
		for (unsigned i = 0; i < n_ref; i++) {
			struct megaflow *existing = NULL;

			assert_ptr_equal(megaflow_lookup(t, &ref[i].key),
					 ref[i].mf);
			assert_null(megaflow_insert(t, &ref[i].key,
						    &ref[i].mask, NULL, NULL,
						    0, &existing));
			assert_int_equal(errno, EEXIST);
			assert_ptr_equal(existing, ref[i].mf);
		}

		/* Shrink: remove a random third. */
		for (unsigned i = 0; i < n_ref;) {
			if (rng() % 3 == 0) {
				megaflow_remove(t, ref[i].mf);
				ref[i] = ref[--n_ref];
				n_removed++;
			} else {
				i++;
			}
		}
		if (round & 1)
			megaflow_synchronize(t);
		assert_int_equal(megaflow_count(t), n_ref);
	}
	print_message("property: %u lookups, %u hits, %u removals, "
		      "%u flows in %u subtables at the end\n", n_lookups,
		      n_hits, n_removed, n_ref, megaflow_subtable_count(t));
	/* The domains are small enough that lookups do hit. */
	assert_true(n_hits > n_lookups / 2);
	assert_true(n_hits < n_lookups);
	assert_true(n_lookups >= 100000);
	megaflow_table_destroy(t);
}

/* Burst with duplicates, misses mixed in, and sizes 1 and 32. */
static void
test_burst_edges(void **state)
{
	struct megaflow_table *t = megaflow_table_create(64, NULL);
	struct flow_key m = mask_port_dst(32);
	struct flow_key keys[32];
	const struct flow_key *kp[32];
	struct megaflow *out[32], *mfs[8];
	struct dp_actions acts = output(1);

	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		struct flow_key k = ipv4_key(1, 0, i, 0, 0);

		mfs[i] = megaflow_insert(t, &k, &m, &acts, NULL, 0, NULL);
	}
	for (uint32_t i = 0; i < 32; i++) {
		keys[i] = ipv4_key(1, i, i % 12, 0, 0);
		kp[i] = &keys[i];
	}
	assert_int_equal(megaflow_lookup_burst(t, kp, 0, out), 0);
	assert_int_equal(megaflow_lookup_burst(t, kp, 1, out), 1);
	assert_ptr_equal(out[0], mfs[0]);
	assert_int_equal(megaflow_lookup_burst(t, kp, 32, out), 8 * 3);
	for (uint32_t i = 0; i < 32; i++)
		assert_ptr_equal(out[i], i % 12 < 8 ? mfs[i % 12] : NULL);
	megaflow_table_destroy(t);

	/* Empty table. */
	t = megaflow_table_create(1, NULL);
	assert_int_equal(megaflow_lookup_burst(t, kp, 32, out), 0);
	for (uint32_t i = 0; i < 32; i++)
		assert_null(out[i]);
	megaflow_table_destroy(t);
}

/* Many subtables added and dropped: deferred frees do not pile up and
 * nothing leaks (checked by ASan in the sanitizer build). */
static void
test_subtable_churn(void **state)
{
	struct megaflow_table *t = megaflow_table_create(16, NULL);
	struct dp_actions acts = output(1);

	(void)state;
	for (uint32_t i = 0; i < 5000; i++) {
		struct flow_key m = mask_port_dst(1 + i % 32);
		struct flow_key k = ipv4_key(1, 0, 0xffffffff, 0, 0);
		struct megaflow *mf;

		m.tp_dst = (uint16_t)i;	/* A new mask every time. */
		mf = megaflow_insert(t, &k, &m, &acts, NULL, 0, NULL);
		assert_non_null(mf);
		assert_ptr_equal(megaflow_lookup(t, &k), mf);
		assert_int_equal(megaflow_subtable_count(t), 1);
		megaflow_remove(t, mf);
		assert_int_equal(megaflow_subtable_count(t), 0);
	}
	megaflow_table_destroy(t);
}

/* Hits in the k-th subtable of the ranking count k probes; ranking moves
 * the busy subtable first without a grace period (qs is NULL here). */
static void
test_probes_and_rank(void **state)
{
	struct megaflow_table *t = megaflow_table_create(64, NULL);
	struct flow_key m8 = mask_port_dst(8), m16 = mask_port_dst(16);
	struct flow_key k1 = ipv4_key(1, 0, 0x0a000001, 0, 0);
	struct flow_key k2 = ipv4_key(1, 0, 0x0b010001, 0, 0);
	struct dp_actions acts = output(3);
	const struct flow_key *kp[4] = { &k2, &k2, &k2, &k1 };
	struct megaflow *out[4], *mf1, *mf2;
	uint64_t probes = 0;

	(void)state;
	mf1 = megaflow_insert(t, &k1, &m8, &acts, NULL, 0, NULL);
	mf2 = megaflow_insert(t, &k2, &m16, &acts, NULL, 0, NULL);
	assert_non_null(mf1);
	assert_non_null(mf2);
	assert_int_equal(mf1->fast_output, 3);
	/* m8 was first: k1 costs 1 probe, each k2 2. */
	assert_int_equal(megaflow_lookup_burst_probes(t, kp, 4, out,
						      &probes), 4);
	assert_int_equal(probes, 7);
	assert_ptr_equal(out[0], mf2);
	assert_ptr_equal(out[3], mf1);
	megaflow_rank(t);
	probes = 0;
	assert_int_equal(megaflow_lookup_burst_probes(t, kp, 4, out,
						      &probes), 4);
	assert_int_equal(probes, 5);	/* m16 first now. */
	megaflow_synchronize(t);
	megaflow_table_destroy(t);
}

/* fast_output only for exactly one output action. */
static void
test_fast_output(void **state)
{
	struct megaflow_table *t = megaflow_table_create(8, NULL);
	struct flow_key m = mask_port_dst(24);
	struct flow_key k1 = ipv4_key(1, 0, 0x0a000001, 0, 0);
	struct flow_key k2 = ipv4_key(1, 0, 0x0b000001, 0, 0);
	struct flow_key k3 = ipv4_key(1, 0, 0x0c000001, 0, 0);
	struct dp_actions two = output(1), drop = { .n = 0 };

	(void)state;
	two.n = 2;
	two.a[1].type = DP_ACTION_OUTPUT;
	two.a[1].arg = 2;
	assert_int_equal(megaflow_insert(t, &k1, &m, &two, NULL, 0,
					 NULL)->fast_output,
			 MEGAFLOW_NO_FAST_OUTPUT);
	assert_int_equal(megaflow_insert(t, &k2, &m, &drop, NULL, 0,
					 NULL)->fast_output,
			 MEGAFLOW_NO_FAST_OUTPUT);
	assert_int_equal(megaflow_insert(t, &k3, &m, NULL, NULL, 0,
					 NULL)->fast_output,
			 MEGAFLOW_NO_FAST_OUTPUT);
	megaflow_table_destroy(t);
}

struct remove_every_other {
	struct megaflow_table *t;
	unsigned seen, removed;
};

static void
remove_every_other_cb(struct megaflow *mf, void *arg)
{
	struct remove_every_other *c = arg;

	if (c->seen++ & 1) {
		megaflow_remove(c->t, mf);
		c->removed++;
	}
}

/* foreach visits every live megaflow once, also when the callback removes
 * the one it is given (the slowpath's expiry does). */
static void
test_foreach_remove(void **state)
{
	struct megaflow_table *t = megaflow_table_create(1000, NULL);
	struct flow_key m = mask_port_dst(32);
	struct dp_actions acts = output(1);
	struct remove_every_other c = { .t = t };
	unsigned n = 0;

	(void)state;
	for (uint32_t i = 0; i < 1000; i++) {
		struct flow_key k = ipv4_key(1, 0, i, 0, 0);

		assert_non_null(megaflow_insert(t, &k, &m, &acts, NULL, 0,
						NULL));
	}
	megaflow_foreach(t, remove_every_other_cb, &c);
	assert_int_equal(c.seen, 1000);
	assert_int_equal(c.removed, 500);
	assert_int_equal(megaflow_count(t), 500);
	megaflow_foreach(t, count_cb, &n);
	assert_int_equal(n, 500);
	for (uint32_t i = 0, hits = 0; i <= 1000; i++) {
		struct flow_key k = ipv4_key(1, 0, i, 0, 0);

		hits += megaflow_lookup(t, &k) != NULL;
		if (i == 1000)
			assert_int_equal(hits, 500);
	}
	megaflow_flush(t);
	assert_int_equal(megaflow_count(t), 0);
	n = 0;
	megaflow_foreach(t, count_cb, &n);
	assert_int_equal(n, 0);
	assert_true(megaflow_table_mem_size(t) >= 1000 * sizeof(struct megaflow));
	megaflow_table_destroy(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_insert_errors),
		cmocka_unit_test(test_subtables_and_flush),
		cmocka_unit_test(test_subtable_sort),
		cmocka_unit_test(test_property_random),
		cmocka_unit_test(test_burst_edges),
		cmocka_unit_test(test_subtable_churn),
		cmocka_unit_test(test_probes_and_rank),
		cmocka_unit_test(test_fast_output),
		cmocka_unit_test(test_foreach_remove),
	};

	return cmocka_run_group_tests_name("megaflow", tests, NULL, NULL);
}
