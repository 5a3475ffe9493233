/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmd_shed: the upcall storm backoff of one rx queue, round by round.
 * A queue without lost upcalls is polled every round; a lossy burst makes
 * it skip 1, 2, 4, ... rounds (a probing poll between runs) up to
 * PMD_SHED_MAX_SKIP; the first probing burst that loses nothing puts it
 * back to every round; losses of other slots and losses while skipped do
 * not count.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dataplane/pmd_shed.h"

#define BIT (UINT64_C(1) << 5)

/* Rounds until the next poll (skipped rounds); the poll itself included. */
static unsigned
skips_before_poll(struct pmd_shed *s, uint64_t *lost)
{
	unsigned n = 0;

	while (pmd_shed_round(s, lost, BIT)) {
		n++;
		assert_true(n <= PMD_SHED_MAX_SKIP + 1);
	}
	return n;
}

static void
test_no_loss_never_skips(void **state)
{
	struct pmd_shed s = {0};
	uint64_t lost = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_false(pmd_shed_round(&s, &lost, BIT));
	/* Another slot's losses do not touch this queue. */
	lost = UINT64_C(1) << 6;
	for (int i = 0; i < 1000; i++)
		assert_false(pmd_shed_round(&s, &lost, BIT));
	assert_int_equal(s.level, 0);
	assert_true(lost == UINT64_C(1) << 6);
}

static void
test_doubles_to_cap_and_recovers(void **state)
{
	struct pmd_shed s = {0};
	uint64_t lost = 0;
	unsigned expect = 1;

	(void)state;
	/* Every polled burst loses upcalls. */
	for (int run = 0; run < 12; run++) {
		lost |= BIT;
		assert_int_equal(skips_before_poll(&s, &lost), expect);
		assert_true((lost & BIT) == 0);
		expect = expect * 2 > PMD_SHED_MAX_SKIP ? PMD_SHED_MAX_SKIP :
			 expect * 2;
	}
	assert_int_equal(s.level, PMD_SHED_MAX_SKIP);
	/* The probing burst lost nothing: every round again. */
	for (int i = 0; i < 100; i++)
		assert_false(pmd_shed_round(&s, &lost, BIT));
	assert_int_equal(s.level, 0);
	/* A new loss starts again at one round. */
	lost |= BIT;
	assert_int_equal(skips_before_poll(&s, &lost), 1);
}

static void
test_losses_while_skipped_do_not_count(void **state)
{
	struct pmd_shed s = {0};
	uint64_t lost = BIT;

	(void)state;
	assert_true(pmd_shed_round(&s, &lost, BIT));	/* Level 1. */
	lost |= BIT;		/* Its waiting packets lost more meanwhile. */
	assert_false(pmd_shed_round(&s, &lost, BIT));	/* The probe polls. */
	assert_true((lost & BIT) == 0);
	/* The probing burst lost nothing. */
	assert_false(pmd_shed_round(&s, &lost, BIT));
	assert_int_equal(s.level, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_loss_never_skips),
		cmocka_unit_test(test_doubles_to_cap_and_recovers),
		cmocka_unit_test(test_losses_while_skipped_do_not_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
