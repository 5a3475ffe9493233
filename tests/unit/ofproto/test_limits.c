/* SPDX-License-Identifier: BSD-3-Clause */
/* The process-wide budget (ofp_limits.h): rules, instruction sets,
 * groups and meters over two bridges are refused past their maximum with
 * the spec's errors, counted, given back when freed (deleted, or the
 * bridge destroyed), and a new maximum applies at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_group.h"
#include "ofp_limits.h"
#include "ofp_meter.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "ofproto_priv.h"

static int
meter_set(void *host, const struct ofproto_meter_config *mc)
{
	(void)host;
	(void)mc;
	return 0;
}

static void
meter_del(void *host, uint32_t id)
{
	(void)host;
	(void)id;
}

static const struct ofproto_host_ops ops = {
	.meter_set = meter_set,
	.meter_del = meter_del,
};

static uint64_t
used(enum ofp_limit l)
{
	struct ofp_limit_stats st;

	ofp_limit_get(l, &st);
	return st.used;
}

static uint64_t
refused(enum ofp_limit l)
{
	struct ofp_limit_stats st;

	ofp_limit_get(l, &st);
	return st.refused;
}

static enum ofperr
add_flow(struct ofproto *ofp, const char *fmt, unsigned int n)
{
	char flow[128], err[256];

	snprintf(flow, sizeof(flow), fmt, n);
	return ofproto_add_flow_str(ofp, flow, err, sizeof(err)) == 0 ?
	       OFPERR_OK : OFPERR_FLOW_MOD_TABLE_FULL;
}

static void
test_rules_and_insts(void **state)
{
	struct ofproto *a = ofproto_create("a", 1, &ops, NULL);
	struct ofproto *b = ofproto_create("b", 2, &ops, NULL);
	char err[256];

	(void)state;
	ofp_limit_set_max(OFP_LIMIT_RULES, 6);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(add_flow(a, "udp,tp_dst=%u,actions=drop", i),
				 0);
		assert_int_equal(add_flow(b, "udp,tp_dst=%u,actions=drop", i),
				 0);
	}
	assert_int_equal(used(OFP_LIMIT_RULES), 6);
	uint64_t r0 = refused(OFP_LIMIT_RULES);
	assert_int_not_equal(ofproto_add_flow_str(a, "udp,tp_dst=9,"
						     "actions=drop", err,
						  sizeof(err)), 0);
	assert_non_null(strstr(err, "TABLE_FULL"));
	assert_int_equal(refused(OFP_LIMIT_RULES), r0 + 1);
	/* A replaced rule takes nothing more. */
	assert_int_equal(add_flow(a, "udp,tp_dst=%u,actions=drop", 0), 0);
	/* Deleting gives back; a new maximum applies at once. */
	assert_int_equal(ofproto_del_flows_str(a, "udp,tp_dst=0", err,
					       sizeof(err)), 0);
	assert_int_equal(used(OFP_LIMIT_RULES), 5);
	assert_int_equal(add_flow(a, "udp,tp_dst=%u,actions=drop", 7), 0);
	ofp_limit_set_max(OFP_LIMIT_RULES, 100);
	assert_int_equal(add_flow(a, "udp,tp_dst=%u,actions=drop", 8), 0);

	/* Instruction sets: distinct actions count, shared ones do not. */
	uint64_t i0 = used(OFP_LIMIT_INSTS);
	ofp_limit_set_max(OFP_LIMIT_INSTS, i0 + 2);
	assert_int_equal(add_flow(a, "tcp,tp_dst=%u,actions=output:1", 1), 0);
	assert_int_equal(add_flow(a, "tcp,tp_dst=%u,actions=output:1", 2), 0);
	assert_int_equal(add_flow(a, "tcp,tp_dst=%u,actions=output:2", 3), 0);
	assert_int_equal(add_flow(a, "tcp,tp_dst=%u,actions=output:3", 4),
			 OFPERR_FLOW_MOD_TABLE_FULL);
	assert_int_equal(used(OFP_LIMIT_INSTS), i0 + 2);
	ofproto_destroy(a);
	ofproto_destroy(b);
	assert_int_equal(used(OFP_LIMIT_RULES), 0);
	assert_int_equal(used(OFP_LIMIT_INSTS), 0);
	ofp_limit_set_max(OFP_LIMIT_RULES, 0);
	ofp_limit_set_max(OFP_LIMIT_INSTS, 0);
}

static enum ofperr
group_add(struct ofproto *ofp, uint32_t id)
{
	struct ofp_group_mod *gm = calloc(1, sizeof(*gm));
	bool changed;

	gm->command = OFPGC_ADD;
	gm->type = OFPGT_ALL;
	gm->group_id = id;
	enum ofperr err = ofproto_group_mod(ofp, gm, &changed);
	free(gm);
	return err;
}

static enum ofperr
meter_mod(struct ofproto *ofp, uint16_t cmd, uint32_t id)
{
	struct ofp_meter_mod mm;
	bool changed;

	memset(&mm, 0, sizeof(mm));
	mm.command = cmd;
	mm.cfg.meter_id = id;
	mm.cfg.flags = OFPMF_PKTPS;
	mm.cfg.n_bands = 1;
	mm.cfg.bands[0].type = OFPROTO_METER_BAND_DROP;
	mm.cfg.bands[0].rate = 1000;
	return ofproto_meter_mod(ofp, &mm, &changed);
}

static void
test_groups_and_meters(void **state)
{
	struct ofproto *a = ofproto_create("a", 1, &ops, NULL);
	struct ofproto *b = ofproto_create("b", 2, &ops, NULL);

	(void)state;
	ofp_limit_set_max(OFP_LIMIT_GROUPS, 3);
	assert_int_equal(group_add(a, 1), 0);
	assert_int_equal(group_add(a, 2), 0);
	assert_int_equal(group_add(b, 1), 0);
	assert_int_equal(group_add(b, 2), OFPERR_GROUP_MOD_OUT_OF_GROUPS);
	ofproto_destroy(a);
	assert_int_equal(used(OFP_LIMIT_GROUPS), 1);
	assert_int_equal(group_add(b, 2), 0);

	ofp_limit_set_max(OFP_LIMIT_METERS, 2);
	assert_int_equal(meter_mod(b, OFPMC_ADD, 1), 0);
	assert_int_equal(meter_mod(b, OFPMC_ADD, 2), 0);
	assert_int_equal(meter_mod(b, OFPMC_ADD, 3),
			 OFPERR_METER_MOD_OUT_OF_METERS);
	assert_int_equal(meter_mod(b, OFPMC_MODIFY, 2), 0);
	assert_int_equal(meter_mod(b, OFPMC_DELETE, 1), 0);
	assert_int_equal(meter_mod(b, OFPMC_ADD, 3), 0);
	ofproto_destroy(b);
	assert_int_equal(used(OFP_LIMIT_GROUPS), 0);
	assert_int_equal(used(OFP_LIMIT_METERS), 0);
	assert_true(ofp_limit_default(OFP_LIMIT_RULES) >= 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_and_insts),
		cmocka_unit_test(test_groups_and_meters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
