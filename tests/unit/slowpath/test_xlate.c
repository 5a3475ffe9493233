/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenFlow action list → datapath action list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "slowpath/xlate.h"

/* Ports: index 0 = ofport 1, 1 = ofport 2, 2 = ofport 7. */
static void
make_ports(struct pmd_port_table *t)
{
	static const uint32_t ofports[] = { 1, 2, 7 };

	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < 3; i++) {
		t->ports[i].in_use = true;
		t->ports[i].ofport = ofports[i];
		t->ports[i].dpdk_port_id = (uint16_t)(10 + i);
	}
	t->n_ports = 3;
}

static void
test_output_port(void **state)
{
	struct pmd_port_table t;
	struct ofpact a = { .type = OFPACT_OUTPUT, .port = 7 };
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	assert_int_equal(xlate_actions(&a, 1, 1, &t, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.a[0].type, DP_ACTION_OUTPUT);
	assert_int_equal(out.a[0].arg, 2);
}

static void
test_output_unknown_and_in_port_dropped(void **state)
{
	struct pmd_port_table t;
	struct ofpact a[2] = { { .type = OFPACT_OUTPUT, .port = 99 },
			       { .type = OFPACT_OUTPUT, .port = 1 } };
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	/* Port 99 does not exist; port 1 is the in_port (needs IN_PORT). */
	assert_int_equal(xlate_actions(a, 2, 1, &t, &out), 2);
	assert_int_equal(out.n, 0);
}

static void
test_in_port_and_flood(void **state)
{
	struct pmd_port_table t;
	struct ofpact a[2] = { { .type = OFPACT_OUTPUT, .port = OFPP13_IN_PORT },
			       { .type = OFPACT_OUTPUT, .port = OFPP13_FLOOD } };
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	assert_int_equal(xlate_actions(a, 2, 2, &t, &out), 0);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.a[0].arg, 1);	/* in_port 2 = index 1 */
	assert_int_equal(out.a[1].arg, 0);	/* flood: 1 and 7, not 2 */
	assert_int_equal(out.a[2].arg, 2);
}

static void
test_controller(void **state)
{
	struct pmd_port_table t;
	struct ofpact a[2] = {
		{ .type = OFPACT_CONTROLLER, .max_len = 128 },
		{ .type = OFPACT_OUTPUT, .port = OFPP13_CONTROLLER,
		  .max_len = 64 } };
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	assert_int_equal(xlate_actions(a, 2, 1, &t, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.a[0].type, DP_ACTION_UPCALL);
	assert_int_equal(out.a[0].arg, 128);
	assert_int_equal(out.a[1].type, DP_ACTION_UPCALL);
	assert_int_equal(out.a[1].arg, 64);
}

static void
test_too_many_actions_counted(void **state)
{
	struct pmd_port_table t;
	struct ofpact a[DP_ACTIONS_MAX + 3];
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	for (unsigned i = 0; i < DP_ACTIONS_MAX + 3; i++)
		a[i] = (struct ofpact){ .type = OFPACT_OUTPUT, .port = 2 };
	assert_int_equal(xlate_actions(a, DP_ACTIONS_MAX + 3, 1, &t, &out), 3);
	assert_int_equal(out.n, DP_ACTIONS_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_port),
		cmocka_unit_test(test_output_unknown_and_in_port_dropped),
		cmocka_unit_test(test_in_port_and_flood),
		cmocka_unit_test(test_controller),
		cmocka_unit_test(test_too_many_actions_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
