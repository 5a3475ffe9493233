/* SPDX-License-Identifier: BSD-3-Clause */
/* Group chaining checks on big fan-outs: a chain of groups whose every
 * bucket holds many group actions (or watches the next group) must be
 * checked at group_mod time and resolved at lookup time in linear time;
 * chains deeper than OFP_GROUP_MAX_DEPTH are refused with
 * CHAINING_UNSUPPORTED, loops with LOOP. On a walk without memo each of
 * these cases takes 2048^levels (or 32^levels) steps and never ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ofp_group.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "ofproto_priv.h"

static const struct ofproto_host_ops ops = { 0 };

/* A group_mod of n buckets; each bucket has n_acts actions "group:to"
 * (output:1 when to is 0) and watches watch (OFPG_ANY: none). Applied. */
static enum ofperr
chain_mod(struct ofproto *ofp, uint16_t cmd, uint8_t type, uint32_t id,
	  size_t n, size_t n_acts, uint32_t to, uint32_t watch_port,
	  uint32_t watch)
{
	struct ofp_group_mod *gm = calloc(1, sizeof(*gm));
	bool changed;

	assert_non_null(gm);
	gm->command = cmd;
	gm->type = type;
	gm->group_id = id;
	gm->n_buckets = n;
	for (size_t i = 0; i < n; i++) {
		struct ofp_bucket *b = &gm->buckets[i];

		b->watch_port = watch_port;
		b->watch_group = watch;
		b->n_actions = n_acts;
		b->actions = calloc(n_acts, sizeof(struct ofpact));
		assert_non_null(b->actions);
		for (size_t k = 0; k < n_acts; k++) {
			b->actions[k].type = to ? OFPACT_GROUP : OFPACT_OUTPUT;
			b->actions[k].id = to;
			b->actions[k].port = 1;
		}
	}
	enum ofperr err = ofproto_group_mod(ofp, gm, &changed);
	ofp_group_mod_free(gm);
	free(gm);
	return err;
}

/* Five levels of ALL groups, 32 buckets x 64 group actions each. */
static void
test_fanout_chain(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	char err[256];

	(void)state;
	assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_ALL, 1, 1, 1, 0,
				   OFPP13_ANY, OFPG_ANY), 0);
	for (uint32_t id = 2; id <= 5; id++)
		assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_ALL, id,
					   OFP_GROUP_MAX_BUCKETS,
					   OFPROTO_MAX_ACTIONS, id - 1,
					   OFPP13_ANY, OFPG_ANY), 0);
	/* Modify the bottom: every chain is walked for a loop. */
	assert_int_equal(chain_mod(ofp, OFPGC_MODIFY, OFPGT_ALL, 1, 1, 1, 0,
				   OFPP13_ANY, OFPG_ANY), 0);
	/* A loop through the fan-out: 1 -> 5 -> ... -> 1. */
	assert_int_equal(chain_mod(ofp, OFPGC_MODIFY, OFPGT_ALL, 1,
				   OFP_GROUP_MAX_BUCKETS, OFPROTO_MAX_ACTIONS,
				   5, OFPP13_ANY, OFPG_ANY),
			 OFPERR_GROUP_MOD_LOOP);
	/* A lookup through the chain stops at its bounds: dropped. */
	assert_int_equal(ofproto_add_flow_str(ofp, "actions=group:5", err,
					      sizeof(err)), 0);
	struct ofproto_lookup_result *res = calloc(1, sizeof(*res));
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	ofproto_lookup(ofp, &k, res);
	assert_int_equal(res->n_actions, 0);
	free(res);
	ofproto_destroy(ofp);
}

/* Fast-failover groups whose 32 buckets all watch the next group down,
 * the bottom one dead: liveness at lookup visits each group once. */
static void
test_fanout_liveness(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	char err[256];

	(void)state;
	/* Port 9 does not exist: the bottom group is dead. */
	assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_FF, 1, 1, 1, 0, 9,
				   OFPG_ANY), 0);
	for (uint32_t id = 2; id <= OFP_GROUP_MAX_DEPTH; id++)
		assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_FF, id,
					   OFP_GROUP_MAX_BUCKETS, 1, 0,
					   OFPP13_ANY, id - 1), 0);
	assert_int_equal(ofproto_add_flow_str(ofp, "actions=group:8", err,
					      sizeof(err)), 0);
	struct ofproto_lookup_result *res = calloc(1, sizeof(*res));
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	ofproto_lookup(ofp, &k, res);
	assert_int_equal(res->n_actions, 0);	/* No live bucket. */
	free(res);
	ofproto_destroy(ofp);
}

/* OFP_GROUP_MAX_DEPTH groups in a chain, not one more; a modify that
 * would lengthen a chain through the group is refused too. */
static void
test_depth_limit(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	uint32_t top = OFP_GROUP_MAX_DEPTH;

	(void)state;
	assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 1, 1, 1, 0,
				   OFPP13_ANY, OFPG_ANY), 0);
	for (uint32_t id = 2; id <= top; id++)
		assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, id,
					   1, 1, id - 1, OFPP13_ANY,
					   OFPG_ANY), 0);
	assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, top + 1, 1,
				   1, top, OFPP13_ANY, OFPG_ANY),
			 OFPERR_GROUP_MOD_CHAINING_UNSUPPORTED);
	/* Group 100 alone; group 1 -> 100 makes the chain 9 long. */
	assert_int_equal(chain_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 100, 1, 1,
				   0, OFPP13_ANY, OFPG_ANY), 0);
	assert_int_equal(chain_mod(ofp, OFPGC_MODIFY, OFPGT_INDIRECT, 1, 1, 1,
				   100, OFPP13_ANY, OFPG_ANY),
			 OFPERR_GROUP_MOD_CHAINING_UNSUPPORTED);
	/* Group 2 -> 100 is fine: the chain stays 8 long (by watch too). */
	assert_int_equal(chain_mod(ofp, OFPGC_MODIFY, OFPGT_FF, 2, 1, 1, 100,
				   OFPP13_ANY, 1), 0);
	/* A loop through a watch group. */
	assert_int_equal(chain_mod(ofp, OFPGC_MODIFY, OFPGT_FF, 100, 1, 1, 0,
				   OFPP13_ANY, top),
			 OFPERR_GROUP_MOD_LOOP);
	ofproto_destroy(ofp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout_chain),
		cmocka_unit_test(test_fanout_liveness),
		cmocka_unit_test(test_depth_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
