/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_wake: a producer writes the eventfd only while the consumer announced
 * its sleep, once per sleep; a sleeping consumer is woken by a producer
 * thread; a consumer that is not kicked times out.
 */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/dp_wake.h"

static void
test_kick_only_when_sleeping(void **state)
{
	struct dp_wake w;

	(void)state;
	assert_int_equal(dp_wake_init(&w), 0);
	for (int i = 0; i < 1000; i++)
		dp_wake_kick(&w);
	assert_int_equal(w.kicks, 0);
	/* Not kicked: times out. */
	dp_wake_prepare(&w);
	assert_int_equal(dp_wake_sleep(&w, 1), 0);
	assert_int_equal(w.sleeping, 0);
	/* Announced: the first kick writes, the others do not. */
	dp_wake_prepare(&w);
	for (int i = 0; i < 1000; i++)
		dp_wake_kick(&w);
	assert_int_equal(w.kicks, 1);
	assert_int_equal(dp_wake_sleep(&w, 1000), 1);
	/* Cancelled: no write. */
	dp_wake_prepare(&w);
	dp_wake_cancel(&w);
	dp_wake_kick(&w);
	assert_int_equal(w.kicks, 1);
	assert_int_equal(w.sleeps, 2);
	dp_wake_fini(&w);
	/* Not set up: a kick is harmless. */
	dp_wake_prepare(&w);
	dp_wake_kick(&w);
}

struct producer {
	struct dp_wake *w;
	uint32_t *work;
};

static void *
producer_main(void *arg)
{
	struct producer *p = arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	__atomic_store_n(p->work, 1, __ATOMIC_RELAXED);
	dp_wake_kick(p->w);
	return NULL;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The consumer protocol of dp_wake.h against a producer thread: it is
 * woken long before its 10 s timeout. */
static void
test_wakes_sleeper(void **state)
{
	struct dp_wake w;
	uint32_t work = 0;
	struct producer p = { &w, &work };
	pthread_t t;
	uint64_t t0;

	(void)state;
	assert_int_equal(dp_wake_init(&w), 0);
	assert_int_equal(pthread_create(&t, NULL, producer_main, &p), 0);
	t0 = now_ms();
	while (!__atomic_load_n(&work, __ATOMIC_RELAXED)) {
		dp_wake_prepare(&w);
		if (__atomic_load_n(&work, __ATOMIC_RELAXED)) {
			dp_wake_cancel(&w);
			break;
		}
		dp_wake_sleep(&w, 10000);
	}
	assert_true(now_ms() - t0 < 5000);
	pthread_join(t, NULL);
	dp_wake_fini(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kick_only_when_sleeping),
		cmocka_unit_test(test_wakes_sleeper),
	};

	return cmocka_run_group_tests_name("dp_wake", tests, NULL, NULL);
}
