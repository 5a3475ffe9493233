/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmd_budget: the miss budget of a PMD. Rounds refill share% of their
 * cycles up to the cap (a second's share); miss work spends it,
 * down to -cap at most; a miss is denied only while the bucket is empty
 * AND rx bursts hit the caches recently (cached traffic waiting); share 0
 * never denies.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dataplane/pmd_budget.h"

#define HZ UINT64_C(2000000000)	/* 2 GHz */
#define MS (HZ / 1000)

static void
test_init(void **state)
{
	struct pmd_budget b;

	(void)state;
	pmd_budget_init(&b, 10, HZ);
	assert_int_equal(b.cap, (int64_t)(HZ / 10));
	assert_int_equal(b.tokens, b.cap);
	assert_false(pmd_budget_denied(&b));
	pmd_budget_init(&b, 250, HZ);	/* Clamped to 100. */
	assert_int_equal(b.cap, (int64_t)HZ);
}

static void
test_refill_and_spend(void **state)
{
	struct pmd_budget b;
	uint64_t now = 10 * HZ, hits = 0;

	(void)state;
	pmd_budget_init(&b, 10, HZ);
	hits++;
	pmd_budget_round(&b, 0, now, hits);	/* Cached traffic seen. */
	assert_true(b.enforce);
	/* Spend the whole bucket and one cycle: denied. */
	pmd_budget_spend(&b, (uint64_t)b.cap + 1);
	assert_int_equal(b.tokens, -1);
	assert_true(pmd_budget_denied(&b));
	/* A round of 1,000 cycles earns 10% of them (16.16 rounding). */
	now += 1000;
	hits++;
	pmd_budget_round(&b, 1000, now, hits);
	assert_true(b.tokens >= 98 && b.tokens <= 99);
	assert_false(pmd_budget_denied(&b));
	/* Miss work of 10x the round: denied until the rounds paid it. */
	pmd_budget_spend(&b, 1000);
	assert_true(pmd_budget_denied(&b));
	for (int i = 0; i < 9; i++) {
		now += 1000;
		hits++;
		pmd_budget_round(&b, 1000, now, hits);
	}
	assert_true(pmd_budget_denied(&b) == (b.tokens <= 0));
	now += 1000;
	hits++;
	pmd_budget_round(&b, 1000, now, hits);
	assert_false(pmd_budget_denied(&b));
	/* Refill stops at the cap. */
	now += 10 * HZ;
	hits++;
	pmd_budget_round(&b, 10 * HZ, now, hits);
	assert_int_equal(b.tokens, b.cap);
	/* Debt stops at -cap: a long miss-only spell is not paid back
	 * for ever. */
	pmd_budget_spend(&b, 100 * HZ);
	assert_int_equal(b.tokens, -b.cap);
}

/* Share over many rounds: misses may take about share% of the cycles. */
static void
test_share_over_time(void **state)
{
	struct pmd_budget b;
	uint64_t now = HZ, hits = 0, spent = 0, round = 5000, miss_cost = 2000;

	(void)state;
	pmd_budget_init(&b, 10, HZ);
	b.tokens = 0;
	for (int i = 0; i < 1000000; i++) {
		now += round;
		pmd_budget_round(&b, round, now, ++hits);
		if (!pmd_budget_denied(&b)) {
			pmd_budget_spend(&b, miss_cost);
			spent += miss_cost;
		}
	}
	/* 10% of 5e9 cycles, give or take one miss and the rounding. */
	assert_true(spent >= 5000000000ull / 10 - 2 * 1000000 &&
		    spent <= 5000000000ull / 10 + miss_cost);
}

static void
test_no_cached_traffic_exempt(void **state)
{
	struct pmd_budget b;
	uint64_t now = 10 * HZ, hits = 7;

	(void)state;
	pmd_budget_init(&b, 10, HZ);
	pmd_budget_round(&b, 0, now, hits);	/* 7 hits: new since init. */
	pmd_budget_spend(&b, 100 * HZ);
	assert_true(pmd_budget_denied(&b));
	/* No new rx hit: within the window still cached, after it not. */
	now += MS / 2;
	pmd_budget_round(&b, 0, now, hits);
	assert_true(pmd_budget_denied(&b));
	now += MS;
	pmd_budget_round(&b, 0, now, hits);
	assert_false(b.enforce);
	assert_int_equal(b.tokens, 0);	/* The debt is forgiven. */
	assert_false(pmd_budget_denied(&b));	/* Misses only: lossless. */
	pmd_budget_spend(&b, 100 * HZ);	/* No debt while exempt. */
	now += 10;
	pmd_budget_round(&b, 0, now, hits);
	assert_int_equal(b.tokens, 0);
	assert_false(pmd_budget_denied(&b));
	/* Cached traffic comes back: the budget applies again, refilled
	 * from zero. */
	pmd_budget_spend(&b, 1000);
	now += 10;
	pmd_budget_round(&b, 10, now, hits + 1);
	assert_true(b.enforce);
	assert_true(pmd_budget_denied(&b));
	now += 100000;
	pmd_budget_round(&b, 100000, now, hits + 2);
	assert_false(pmd_budget_denied(&b));
}

static void
test_share_zero_never_denies(void **state)
{
	struct pmd_budget b;
	uint64_t now = 10 * HZ;

	(void)state;
	pmd_budget_init(&b, 0, HZ);
	pmd_budget_round(&b, 1000, now, 1);
	pmd_budget_spend(&b, 100 * HZ);
	pmd_budget_round(&b, 1000, now + 1000, 2);
	assert_false(pmd_budget_denied(&b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_refill_and_spend),
		cmocka_unit_test(test_share_over_time),
		cmocka_unit_test(test_no_cached_traffic_exempt),
		cmocka_unit_test(test_share_zero_never_denies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
