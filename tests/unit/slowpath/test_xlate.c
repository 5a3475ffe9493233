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
	struct dp_upcall_info u;

	(void)state;
	make_ports(&t);
	assert_int_equal(xlate_actions(a, 2, 1, &t, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.a[0].type, DP_ACTION_UPCALL);
	assert_true(dp_actions_get_upcall_info(&out, &out.a[0], &u));
	assert_int_equal(u.arg, 128);
	assert_int_equal(out.a[1].type, DP_ACTION_UPCALL);
	assert_true(dp_actions_get_upcall_info(&out, &out.a[1], &u));
	assert_int_equal(u.arg, 64);
}

/* The packet-in context the pipeline stamped on a CONTROLLER action (here
 * one in table 1 after a set-field, whose rewritten packet a new lookup
 * would send to another rule) reaches the datapath action unchanged;
 * equal contexts share their data. */
static void
test_controller_context(void **state)
{
	struct pmd_port_table t;
	struct ofpact a[4] = {
		{ .type = OFPACT_SET_FIELD, .field = DP_FIELD_IPV4_DST,
		  .len = 4, .value = { 10, 0, 0, 3 },
		  .mask = { 0xff, 0xff, 0xff, 0xff } },
		{ .type = OFPACT_CONTROLLER, .max_len = 100, .reason = 1,
		  .table_id = 1, .cookie = 0x33, .metadata = 0x7,
		  .tunnel_id = 0x9 },
		{ .type = OFPACT_OUTPUT, .port = OFPP13_CONTROLLER,
		  .max_len = 100, .reason = 1, .table_id = 1, .cookie = 0x33,
		  .metadata = 0x7, .tunnel_id = 0x9 },
		{ .type = OFPACT_CONTROLLER, .max_len = 100, .reason = 1,
		  .table_id = 2, .cookie = UINT64_MAX, .metadata = 0x107 },
	};
	struct dp_upcall_info u;
	struct dp_actions out;

	(void)state;
	make_ports(&t);
	assert_int_equal(xlate_actions(a, 4, 1, &t, &out), 0);
	assert_int_equal(out.n, 4);
	assert_int_equal(out.a[1].type, DP_ACTION_UPCALL);
	assert_int_equal(out.a[1].sub, 1);
	assert_true(dp_actions_get_upcall_info(&out, &out.a[1], &u));
	assert_int_equal(u.table_id, 1);
	assert_true(u.cookie == 0x33);
	assert_true(u.metadata == 0x7);
	assert_true(u.tunnel_id == 0x9);
	assert_int_equal(u.arg & 0xffff, 100);
	/* Same context: same data. */
	assert_int_equal(out.a[2].arg, out.a[1].arg);
	assert_true(dp_actions_get_upcall_info(&out, &out.a[3], &u));
	assert_int_not_equal(out.a[3].arg, out.a[1].arg);
	assert_int_equal(u.table_id, 2);
	assert_true(u.cookie == UINT64_MAX);
	assert_true(u.metadata == 0x107);
	assert_true(u.tunnel_id == 0);
}

/* An expired TTL's packet-in carries the context of the dec_ttl's rule;
 * without ttl_to_controller no data is used. */
static void
test_dec_ttl_context(void **state)
{
	struct ofpact a = { .type = OFPACT_DEC_NW_TTL, .table_id = 4,
			    .cookie = 0x44, .metadata = 0x5 };
	struct dp_upcall_info u;
	struct dp_actions out;

	(void)state;
	memset(&out, 0, sizeof(out));
	assert_int_equal(xlate_ofpact_header(&a, XLATE_UPCALL_ARG(0xffff, 3),
					     true, &out), 1);
	assert_int_equal(out.n, 1);
	assert_true(out.a[0].flags & DP_ACT_F_TTL_UPCALL);
	assert_int_equal(out.a[0].sub, XLATE_OFPR_INVALID_TTL);
	assert_true(dp_actions_get_upcall_info(&out, &out.a[0], &u));
	assert_int_equal(u.table_id, 4);
	assert_true(u.cookie == 0x44);
	assert_true(u.metadata == 0x5);
	assert_int_equal(u.arg, XLATE_UPCALL_ARG(0xffff, 3));

	memset(&out, 0, sizeof(out));
	assert_int_equal(xlate_ofpact_header(&a, 0xffff, false, &out), 1);
	assert_false(out.a[0].flags & DP_ACT_F_TTL_UPCALL);
	assert_int_equal(out.data_len, 0);
}

/* A full data area: the packet-in cannot be translated, and says so. */
static void
test_upcall_data_full(void **state)
{
	struct ofpact a = { .type = OFPACT_CONTROLLER, .max_len = 1 };
	struct dp_actions out;
	unsigned n_ok = 0;

	(void)state;
	memset(&out, 0, sizeof(out));
	for (unsigned i = 0; i < DP_ACTIONS_MAX; i++) {
		a.cookie = i;	/* All different: no sharing. */
		n_ok += xlate_add_upcall(&out, &a, 1, 1);
	}
	assert_int_equal(n_ok,
			 DP_ACTIONS_DATA / sizeof(struct dp_upcall_info));
	assert_int_equal(out.n, n_ok);
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
		cmocka_unit_test(test_controller_context),
		cmocka_unit_test(test_dec_ttl_context),
		cmocka_unit_test(test_upcall_data_full),
		cmocka_unit_test(test_too_many_actions_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
