/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match cache: hits, misses, invalidation through the megaflow's
 * serial, insertion probability, and "never a wrong answer" under heavy
 * replacement in a small cache.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/emc.h"
#include "dataplane/megaflow.h"

static struct flow_key
make_key(uint32_t n)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.eth_type = 0x0008;
	k.nw_proto = 17;
	k.nw_src = n;
	k.nw_dst = ~n;
	k.tp_src = (uint16_t)n;
	k.metadata = n;
	return k;
}

/* Megaflow matching exactly in_port + nw_src. */
static struct megaflow *
add_megaflow(struct megaflow_table *t, const struct flow_key *k, uint32_t arg)
{
	struct flow_key mask;
	struct dp_actions acts = { .n = 1 };
	struct megaflow *mf;

	memset(&mask, 0, sizeof(mask));
	mask.in_port = UINT32_MAX;
	mask.nw_src = UINT32_MAX;
	acts.a[0].type = DP_ACTION_OUTPUT;
	acts.a[0].arg = arg;
	mf = megaflow_insert(t, k, &mask, &acts, NULL, 0, NULL);
	assert_non_null(mf);
	return mf;
}

static void
test_hit_miss(void **state)
{
	struct megaflow_table *t = megaflow_table_create(16, NULL);
	struct emc *emc = emc_create(1024, 1);
	struct flow_key k1 = make_key(1), k2 = make_key(2), k1b = k1;
	struct megaflow *mf;

	(void)state;
	assert_non_null(t);
	assert_non_null(emc);
	mf = add_megaflow(t, &k1, 10);

	assert_null(emc_lookup(emc, &k1, emc_hash(&k1)));
	emc_insert(emc, &k1, emc_hash(&k1), mf);
	assert_ptr_equal(emc_lookup(emc, &k1, emc_hash(&k1)), mf);
	assert_null(emc_lookup(emc, &k2, emc_hash(&k2)));

	/* Exact match: a bit the megaflow ignores still makes a miss. */
	k1b.tp_dst = 1;
	assert_true(megaflow_lookup(t, &k1b) == mf);
	assert_null(emc_lookup(emc, &k1b, emc_hash(&k1b)));

	/* The hash is part of the match. */
	assert_null(emc_lookup(emc, &k1, emc_hash(&k1) ^ 1));

	emc_clear(emc);
	assert_null(emc_lookup(emc, &k1, emc_hash(&k1)));

	emc_destroy(emc);
	megaflow_table_destroy(t);
}

/* Keys with a parser word map: only the map's words are hashed and
 * compared, and the maps must agree. */
static void
test_word_map(void **state)
{
	struct megaflow_table *t = megaflow_table_create(16, NULL);
	struct emc *emc = emc_create(1024, 1);
	struct flow_key k1 = make_key(1), k1b = k1;
	const uint16_t ipv4 = 0x1f, other = 0x0f | FLOW_MAP_WORD(5);
	struct megaflow *mf;

	(void)state;
	mf = add_megaflow(t, &k1, 10);
	assert_int_equal(emc_hash_map(&k1, FLOW_MAP_ALL), emc_hash(&k1));
	emc_insert_map(emc, &k1, emc_hash_map(&k1, ipv4), ipv4, mf);
	assert_ptr_equal(emc_lookup_map(emc, &k1, emc_hash_map(&k1, ipv4),
					ipv4), mf);
	/* The same words under another map: not the same entry. */
	assert_null(emc_lookup_map(emc, &k1, emc_hash_map(&k1, ipv4), other));
	assert_null(emc_lookup(emc, &k1, emc_hash(&k1)));
	/* Any word in the map counts. */
	k1b.tp_src = 9;
	assert_null(emc_lookup_map(emc, &k1b, emc_hash_map(&k1b, ipv4),
				   ipv4));
	k1b = k1;
	k1b.nw_ttl = 9;
	assert_null(emc_lookup_map(emc, &k1b, emc_hash_map(&k1b, ipv4),
				   ipv4));
	/* A general map hashes its words in order, like the IPv4 one. */
	assert_int_equal(emc_hash_map(&k1, other),
			 emc_hash_map(&k1, other));
	emc_insert_map(emc, &k1, emc_hash_map(&k1, other), other, mf);
	assert_ptr_equal(emc_lookup_map(emc, &k1, emc_hash_map(&k1, other),
					other), mf);
	emc_destroy(emc);
	megaflow_table_destroy(t);
}

static void
test_hash(void **state)
{
	struct flow_key a = make_key(1), b = make_key(1);

	(void)state;
	assert_int_equal(emc_hash(&a), emc_hash(&b));
	b.tunnel_id = 1;	/* The last word counts too. */
	assert_int_not_equal(emc_hash(&a), emc_hash(&b));
	b = a;
	b.in_port = 2;
	assert_int_not_equal(emc_hash(&a), emc_hash(&b));
}

static void
test_invalidation(void **state)
{
	struct megaflow_table *t = megaflow_table_create(1, NULL);
	struct emc *emc = emc_create(64, 1);
	struct flow_key k1 = make_key(1), k2 = make_key(2);
	uint32_t h1 = emc_hash(&k1), h2 = emc_hash(&k2);
	struct megaflow *mf, *mf2;
	uint32_t serial;

	(void)state;
	mf = add_megaflow(t, &k1, 10);
	serial = megaflow_serial(mf);
	emc_insert(emc, &k1, h1, mf);
	assert_ptr_equal(emc_lookup(emc, &k1, h1), mf);

	megaflow_remove(t, mf);
	assert_false(megaflow_ref_valid(mf, serial));
	assert_null(emc_lookup(emc, &k1, h1));

	/* The pool has one slot: the next megaflow reuses it (after the
	 * grace period the insert waits for itself). The old EMC entry
	 * must stay dead. */
	mf2 = add_megaflow(t, &k2, 20);
	assert_ptr_equal(mf2, mf);
	assert_null(emc_lookup(emc, &k1, h1));
	emc_insert(emc, &k2, h2, mf2);
	assert_ptr_equal(emc_lookup(emc, &k2, h2), mf2);

	/* A megaflow removed after the lookup found it is not cached. */
	megaflow_remove(t, mf2);
	emc_insert(emc, &k2, h2, mf2);
	assert_null(emc_lookup(emc, &k2, h2));

	/* A stale entry is replaced by a new one for the same key. */
	megaflow_synchronize(t);
	mf = add_megaflow(t, &k2, 30);
	emc_insert(emc, &k2, h2, mf);
	assert_ptr_equal(emc_lookup(emc, &k2, h2), mf);
	assert_int_equal(emc_lookup(emc, &k2, h2)->actions.a[0].arg, 30);

	emc_destroy(emc);
	megaflow_table_destroy(t);
}

static void
test_disabled(void **state)
{
	struct megaflow_table *t = megaflow_table_create(4, NULL);
	struct flow_key k1 = make_key(1);
	uint32_t h1 = emc_hash(&k1);
	struct megaflow *mf = add_megaflow(t, &k1, 1);
	struct emc *emc;

	(void)state;
	/* No entries. */
	emc = emc_create(0, 1);
	assert_non_null(emc);
	emc_insert(emc, &k1, h1, mf);
	assert_null(emc_lookup(emc, &k1, h1));
	emc_clear(emc);
	emc_destroy(emc);

	/* Probability 0: never inserts. */
	emc = emc_create(64, 0);
	for (int i = 0; i < 1000; i++)
		emc_insert(emc, &k1, h1, mf);
	assert_null(emc_lookup(emc, &k1, h1));
	emc_destroy(emc);

	emc_destroy(NULL);
	megaflow_table_destroy(t);
}

static void
test_probability(void **state)
{
	enum { N_KEYS = 20000 };
	struct megaflow_table *t = megaflow_table_create(4, NULL);
	struct flow_key k0 = make_key(0);
	struct megaflow *mf = add_megaflow(t, &k0, 1);
	struct emc *always = emc_create(1u << 16, 1);
	struct emc *quarter = emc_create(1u << 16, 4);
	unsigned hits_always = 0, hits_quarter = 0;

	(void)state;
	/* One megaflow stands for all keys: the EMC does not care. */
	for (uint32_t i = 0; i < N_KEYS; i++) {
		struct flow_key k = make_key(i);
		uint32_t h = emc_hash(&k);

		emc_insert(always, &k, h, mf);
		emc_insert(quarter, &k, h, mf);
	}
	for (uint32_t i = 0; i < N_KEYS; i++) {
		struct flow_key k = make_key(i);
		uint32_t h = emc_hash(&k);

		hits_always += emc_lookup(always, &k, h) == mf;
		hits_quarter += emc_lookup(quarter, &k, h) == mf;
	}
	/* 2-way, 64K entries, 20K keys: nearly all fit. */
	assert_true(hits_always > N_KEYS * 95 / 100);
	/* One in four: 5000 expected, sd ~61; wide bounds, no flakes. */
	assert_true(hits_quarter > N_KEYS / 4 - 1000);
	assert_true(hits_quarter < N_KEYS / 4 + 1000);

	emc_destroy(always);
	emc_destroy(quarter);
	megaflow_table_destroy(t);
}

static void
test_small_cache_never_wrong(void **state)
{
	enum { N_KEYS = 256 };
	struct megaflow_table *t = megaflow_table_create(N_KEYS, NULL);
	struct megaflow *mfs[N_KEYS];
	struct emc *emc = emc_create(5, 1);	/* Rounded up to 8. */
	unsigned hits = 0;
	uint32_t x = 12345;

	(void)state;
	for (uint32_t i = 0; i < N_KEYS; i++) {
		struct flow_key k = make_key(i);

		mfs[i] = add_megaflow(t, &k, i);
	}
	for (int iter = 0; iter < 100000; iter++) {
		uint32_t i;
		struct flow_key k;
		struct megaflow *mf;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		i = x % 16;	/* 16 hot keys in 8 entries. */
		if (x & 0x10000)
			i = x % N_KEYS;
		k = make_key(i);
		mf = emc_lookup(emc, &k, emc_hash(&k));
		if (mf != NULL) {
			assert_ptr_equal(mf, mfs[i]);
			hits++;
		} else {
			emc_insert(emc, &k, emc_hash(&k), mfs[i]);
		}
	}
	assert_true(hits > 0);

	emc_destroy(emc);
	megaflow_table_destroy(t);
}

/* Bursts of 32 over n_keys keys in turn, as the PMD drives the EMC:
 * probe (when emc_probe_burst() says so), insert misses, account. Returns
 * how many of the bursts were probed. */
static unsigned
run_bursts(struct emc *emc, struct megaflow **mfs, uint32_t n_keys,
	   unsigned n_bursts, uint32_t *next)
{
	unsigned probed = 0;

	for (unsigned b = 0; b < n_bursts; b++) {
		uint32_t hits = 0;

		if (!emc_probe_burst(emc))
			continue;
		probed++;
		for (int i = 0; i < 32; i++) {
			uint32_t n = (*next)++ % n_keys;
			struct flow_key k = make_key(n);
			uint32_t h = emc_hash(&k);
			struct megaflow *mf = emc_lookup(emc, &k, h);

			if (mf != NULL) {
				assert_ptr_equal(mf, mfs[n]);
				hits++;
			} else {
				emc_insert(emc, &k, h, mfs[n]);
			}
		}
		emc_account(emc, 32, hits);
	}
	return probed;
}

/* More flows than entries: the EMC is bypassed (one burst in 16 still
 * probes); back to few flows: it is used again. pct 0: never bypassed. */
static void
test_bypass(void **state)
{
	enum { N_KEYS = 20000 };
	struct megaflow_table *t = megaflow_table_create(N_KEYS, NULL);
	struct megaflow **mfs = calloc(N_KEYS, sizeof(*mfs));
	struct emc *emc = emc_create(1024, 1);
	struct emc *never = emc_create(1024, 1);
	uint32_t next = 0, next2 = 0;
	unsigned probed;

	(void)state;
	assert_non_null(mfs);
	for (uint32_t i = 0; i < N_KEYS; i++) {
		struct flow_key k = make_key(i);

		mfs[i] = add_megaflow(t, &k, i);
	}
	emc_set_bypass_pct(emc, 80);
	emc_set_bypass_pct(never, 0);

	/* 64 flows fit: every burst probes, all the time. */
	probed = run_bursts(emc, mfs, 64, 4096, &next);
	assert_int_equal(probed, 4096);
	assert_false(emc->bypass);

	/* 20,000 flows through 1,024 entries: bypassed within a window or
	 * two, then one burst in EMC_BYPASS_SAMPLE probes. */
	probed = run_bursts(emc, mfs, N_KEYS, 1024, &next);
	assert_true(emc->bypass);
	assert_int_equal(emc->bypass_changes, 1);
	probed = run_bursts(emc, mfs, N_KEYS, 16 * 1024, &next);
	assert_int_equal(probed, 1024);
	assert_true(emc->bypass);
	probed = run_bursts(never, mfs, N_KEYS, 16 * 1024, &next2);
	assert_int_equal(probed, 16 * 1024);
	assert_false(never->bypass);

	/* Few flows again: the sampled bursts fill the EMC, the hit share
	 * rises and every burst probes again. */
	next = 0;
	probed = run_bursts(emc, mfs, 64, 64 * 1024, &next);
	assert_false(emc->bypass);
	assert_true(probed > 64 * 1024 / 2);
	assert_int_equal(emc->bypass_changes, 1);

	emc_destroy(emc);
	emc_destroy(never);
	megaflow_table_destroy(t);
	free(mfs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bypass),
		cmocka_unit_test(test_hit_miss),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_word_map),
		cmocka_unit_test(test_invalidation),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_probability),
		cmocka_unit_test(test_small_cache_never_wrong),
	};

	return cmocka_run_group_tests_name("emc", tests, NULL, NULL);
}
