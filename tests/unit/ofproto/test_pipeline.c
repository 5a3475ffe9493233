/* SPDX-License-Identifier: BSD-3-Clause */
/* The multi-table pipeline: goto_table, write_metadata, the action set and
 * its order, clear_actions, table misses, set-field/push seen by later
 * tables, groups of every type (CLONE blocks, select stickiness and
 * weights, fast-failover liveness), meters, and the mask property over
 * several tables and groups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

#include "ofp_group.h"
#include "ofp_limits.h"
#include "ofp_meter.h"
#include "ofp_mp_dump.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "ofproto_priv.h"
#include "ofproto_trace.h"
#include "test_util.h"

static int n_changed, n_meter_set, n_meter_del;

static void
count_changes(void *host)
{
	(void)host;
	n_changed++;
}

static int
meter_set(void *host, const struct ofproto_meter_config *mc)
{
	(void)host;
	(void)mc;
	n_meter_set++;
	return 0;
}

static void
meter_del(void *host, uint32_t id)
{
	(void)host;
	(void)id;
	n_meter_del++;
}

static const struct ofproto_host_ops ops = {
	.flows_changed = count_changes,
	.meter_set = meter_set,
	.meter_del = meter_del,
};

static struct ofproto *
new_ofp(void)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);

	assert_non_null(ofp);
	return ofp;
}

static int
try_add(struct ofproto *ofp, const char *flow)
{
	char err[256] = "";

	return ofproto_add_flow_str(ofp, flow, err, sizeof(err));
}

static enum ofperr
add_fm(struct ofproto *ofp, const char *flow)
{
	struct ofp_flow_mod fm;
	char err[256] = "";
	bool changed;

	assert_int_equal(ofp_flow_text_parse(flow, OFP_FLOW_TEXT_ADD, &fm, err,
					     sizeof(err)), 0);
	return ofproto_apply_flow_mod(ofp, &fm, &changed);
}

static void
key_ipv4(struct flow_key *k, uint32_t in_port, uint8_t proto,
	 const char *dst, uint16_t tp_src)
{
	memset(k, 0, sizeof(*k));
	k->in_port = in_port;
	k->eth_type = htons(0x0800);
	k->nw_proto = proto;
	inet_pton(AF_INET, "10.0.0.1", &k->nw_src);
	inet_pton(AF_INET, dst, &k->nw_dst);
	k->tp_src = htons(tp_src);
	k->tp_dst = htons(80);
	k->nw_ttl = 64;
}

static struct ofproto_lookup_result res;

static void
lookup(struct ofproto *ofp, const struct flow_key *k)
{
	ofproto_lookup(ofp, k, &res);
}

static void
expect_types(const enum ofpact_type *types, size_t n)
{
	if (res.n_actions != n) {
		fprintf(stderr, "got %zu actions:", res.n_actions);
		for (size_t i = 0; i < res.n_actions; i++)
			fprintf(stderr, " %d", res.actions[i].type);
		fprintf(stderr, "\n");
	}
	assert_int_equal(res.n_actions, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res.actions[i].type, types[i]);
}

static void
test_goto_metadata(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct flow_key k;

	(void)state;
	add(ofp, "priority=1,actions=write_metadata:0x5/0xff,goto_table:1");
	add(ofp, "table=1,priority=5,metadata=0x5/0xff,actions=output:2");
	add(ofp, "table=1,priority=0,actions=output:3");
	key_ipv4(&k, 1, 6, "10.0.0.2", 1000);
	k.metadata = 0x5;	/* Ignored: metadata starts at 0. */
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].port, 2);
	assert_int_equal(res.n_rules, 2);
	assert_int_equal(res.rule_ids[0] >> OFPROTO_RULE_ID_SHIFT, 0);
	assert_int_equal(res.rule_ids[1] >> OFPROTO_RULE_ID_SHIFT, 1);
	assert_int_equal(res.table_id, 1);
	assert_int_equal(res.mask.metadata, 0);

	/* Goto a lower or the same table: BAD_INSTRUCTION/BAD_TABLE_ID. */
	assert_int_equal(add_fm(ofp, "table=2,actions=goto_table:1"),
			 OFPERR_BAD_INST_BAD_TABLE_ID);
	assert_int_equal(add_fm(ofp, "table=2,actions=goto_table:2"),
			 OFPERR_BAD_INST_BAD_TABLE_ID);
	/* Credit reaches the rule of table 1. */
	ofproto_credit_rule(ofp, res.rule_ids[1], 3, 300);
	struct ofp_rule *r = ofp_table_find_id(&ofp->tables[1],
					       res.rule_ids[1]);
	assert_non_null(r);
	assert_int_equal(r->n_packets, 3);
	ofproto_destroy(ofp);
}

static void
test_action_set(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct flow_key k;

	(void)state;
	add(ofp, "ip,actions=write_actions(output:2,set_field:10.9.9.9->"
		 "ipv4_dst,dec_ttl),output:7,goto_table:1");
	add(ofp, "table=1,ip,actions=write_actions(output:4)");
	key_ipv4(&k, 1, 6, "10.0.0.2", 1000);
	lookup(ofp, &k);
	const enum ofpact_type t1[] = { OFPACT_OUTPUT, OFPACT_DEC_NW_TTL,
					OFPACT_SET_FIELD, OFPACT_OUTPUT };
	expect_types(t1, 4);
	assert_int_equal(res.actions[0].port, 7);
	assert_int_equal(res.actions[3].port, 4);	/* Replaced. */

	/* clear_actions in table 1. */
	add(ofp, "table=1,priority=40000,ip,actions=clear_actions,"
		 "output:3");
	lookup(ofp, &k);
	const enum ofpact_type t2[] = { OFPACT_OUTPUT, OFPACT_OUTPUT };
	expect_types(t2, 2);
	assert_int_equal(res.actions[1].port, 3);

	/* A miss in table 1: the action set is not executed; table 1's
	 * miss id stands for the lookup there. */
	ofproto_del_flows_str(ofp, "table=1", NULL, 0);
	lookup(ofp, &k);
	expect_types(t1, 1);
	assert_int_equal(res.n_rules, 2);
	assert_int_equal(res.rule_ids[1], OFPROTO_TABLE_MISS_ID(1));
	ofproto_destroy(ofp);
}

static void
test_rewrite_seen_later(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct flow_key k;

	(void)state;
	add(ofp, "ip,actions=set_field:10.9.9.9->ipv4_dst,goto_table:1");
	add(ofp, "table=1,ip,nw_dst=10.9.9.9,actions=push_vlan:0x8100,"
		 "set_field:7->vlan_vid,goto_table:2");
	add(ofp, "table=2,dl_vlan=7,actions=output:5");
	key_ipv4(&k, 1, 6, "10.0.0.2", 1000);
	lookup(ofp, &k);
	const enum ofpact_type t[] = { OFPACT_SET_FIELD, OFPACT_PUSH_VLAN,
				       OFPACT_SET_FIELD, OFPACT_OUTPUT };
	expect_types(t, 4);
	assert_int_equal(res.actions[3].port, 5);
	assert_int_equal(res.n_rules, 3);
	/* Set-field of an IPv4 field without an IPv4 match. */
	assert_int_equal(add_fm(ofp, "actions=set_field:1.2.3.4->ipv4_src"),
			 OFPERR_BAD_ACTION_MATCH_INCONSISTENT);
	assert_int_equal(add_fm(ofp, "actions=set_field:3->vlan_vid"),
			 OFPERR_BAD_ACTION_MATCH_INCONSISTENT);
	/* In the action set, push_vlan runs before the set-field. */
	assert_int_equal(add_fm(ofp, "table=7,actions=write_actions("
				     "set_field:3->vlan_vid,push_vlan:0x8100,"
				     "output:1)"), 0);
	/* Table-miss rule: packet-in reason NO_MATCH. */
	add(ofp, "table=3,priority=0,actions=controller:64");
	add(ofp, "priority=40000,in_port=9,actions=goto_table:3");
	k.in_port = 9;
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, OFPACT_CONTROLLER);
	assert_int_equal(res.actions[0].reason, OFPR_NO_MATCH);
	assert_int_equal(res.pin_reason, OFPR_NO_MATCH);
	ofproto_destroy(ofp);
}

/* ---- PBB. ---- */

static void
key_pbb(struct flow_key *k, uint32_t in_port, uint32_t isid)
{
	memset(k, 0, sizeof(*k));
	k->in_port = in_port;
	k->eth_type = htons(0x88e7);
	k->pbb_isid = htonl(isid);
	k->eth_dst[5] = 1;
	k->eth_src[5] = 2;
}

/* A stand-in for the slowpath's reparse: the key of an IPv4 packet to
 * 10.0.0.7 behind the pop, as long as the actions so far end with it. */
static unsigned n_reparse;

static int
fake_reparse(void *arg, const void *data, uint32_t len,
	     const struct ofpact *acts, size_t n_acts, struct flow_key *key)
{
	(void)arg;
	(void)data;
	(void)len;
	n_reparse++;
	if (n_acts == 0 || (acts[n_acts - 1].type != OFPACT_POP_MPLS &&
			    acts[n_acts - 1].type != OFPACT_POP_PBB))
		return -EINVAL;
	key_ipv4(key, 99, 6, "10.0.0.7", 1234);
	return 0;
}

/* After POP_MPLS / POP_PBB a later table matches the frame that was
 * inside, when the packet is at hand; the result is then not cacheable.
 * Without the packet the inner fields stay zero, as before. */
static void
test_pop_then_match_inside(void **state)
{
	struct ofproto *ofp = new_ofp();
	const struct ofproto_packet pkt = { .data = "", .len = 0,
					    .reparse = fake_reparse };
	struct flow_key k;

	(void)state;
	add(ofp, "priority=10,dl_type=0x8847,actions=pop_mpls:0x0800,"
		 "goto_table:1");
	add(ofp, "priority=10,dl_type=0x88e7,actions=pop_pbb,goto_table:1");
	add(ofp, "table=1,priority=10,tcp,nw_dst=10.0.0.7,actions=output:5");
	add(ofp, "table=1,priority=1,actions=output:6");

	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.eth_type = htons(0x8847);
	k.mpls_lse = htonl(100 << 12 | 0x100 | 64);
	n_reparse = 0;
	ofproto_lookup_packet(ofp, &k, &pkt, &res);
	assert_int_equal(n_reparse, 1);
	assert_true(res.uncacheable);
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[0].type, OFPACT_POP_MPLS);
	assert_int_equal(res.actions[1].port, 5);
	assert_int_equal(res.table_id, 1);

	lookup(ofp, &k);
	assert_false(res.uncacheable);
	assert_int_equal(res.actions[1].port, 6);
	/* Revalidation has no packet: a megaflow cannot stand for this. */
	ofproto_lookup_probe(ofp, &k, &res);
	assert_true(res.uncacheable);

	key_pbb(&k, 1, 0x123456);
	n_reparse = 0;
	ofproto_lookup_packet(ofp, &k, &pkt, &res);
	assert_int_equal(n_reparse, 1);
	assert_true(res.uncacheable);
	assert_int_equal(res.actions[1].port, 5);

	/* No pop before the lookup: the key is the packet's, no reparse. */
	key_ipv4(&k, 1, 6, "10.0.0.7", 1234);
	n_reparse = 0;
	ofproto_lookup_packet(ofp, &k, &pkt, &res);
	assert_int_equal(n_reparse, 0);
	assert_false(res.uncacheable);
	ofproto_destroy(ofp);
}

/* PBB_ISID rules, and what push_pbb / pop_pbb / set_field pbb_isid leave
 * for later tables. */
static void
test_pbb(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct flow_key k;

	(void)state;
	add(ofp, "priority=10,dl_type=0x88e7,pbb_isid=0x123456,"
		 "actions=output:2");
	add(ofp, "priority=0,actions=drop");
	key_pbb(&k, 1, 0x123456);
	lookup(ofp, &k);
	const enum ofpact_type out[] = { OFPACT_OUTPUT };
	expect_types(out, 1);
	assert_int_equal(res.actions[0].port, 2);
	assert_int_equal(res.mask.pbb_isid & htonl(0xffffff), htonl(0xffffff));
	assert_int_equal(res.mask.eth_type, 0xffff);
	key_pbb(&k, 1, 0x123457);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 0);
	/* An MPLS packet with the same bits in its LSE. */
	k.eth_type = htons(0x8847);
	k.mpls_lse = htonl(0x123456);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 0);

	/* push_pbb: eth_type 0x88e7, I-SID 0, no outer tag, no IP. */
	add(ofp, "priority=20,in_port=3,ip,"
		 "actions=push_pbb:0x88e7,goto_table:1");
	add(ofp, "table=1,priority=30,dl_vlan=5,actions=output:7");
	add(ofp, "table=1,priority=20,ip,actions=output:5");
	add(ofp, "table=1,priority=10,dl_type=0x88e7,pbb_isid=0,"
		 "actions=output:4");
	key_ipv4(&k, 3, 17, "10.0.0.2", 1);
	k.vlan_tci = htons(FLOW_VLAN_TCI_PRESENT | 5);
	lookup(ofp, &k);
	const enum ofpact_type push_out[] = { OFPACT_PUSH_PBB, OFPACT_OUTPUT };
	expect_types(push_out, 2);
	assert_int_equal(res.actions[1].port, 4);

	/* push_pbb, set_field pbb_isid, matched in a later table. */
	add(ofp, "priority=20,in_port=4,ip,actions=push_pbb:0x88e7,"
		 "set_field:0x777->pbb_isid,goto_table:2");
	add(ofp, "table=2,priority=10,dl_type=0x88e7,pbb_isid=0x777,"
		 "actions=output:6");
	add(ofp, "table=2,priority=5,dl_type=0x88e7,actions=output:8");
	key_ipv4(&k, 4, 6, "10.0.0.2", 1);
	lookup(ofp, &k);
	const enum ofpact_type set_out[] = { OFPACT_PUSH_PBB, OFPACT_SET_FIELD,
					     OFPACT_OUTPUT };
	expect_types(set_out, 3);
	assert_int_equal(res.actions[1].field, OFPXMT_OFB_PBB_ISID);
	assert_int_equal(res.actions[2].port, 6);

	/* pop_pbb: the customer frame is unknown to later tables. */
	add(ofp, "priority=20,in_port=5,dl_type=0x88e7,"
		 "actions=pop_pbb,goto_table:3");
	add(ofp, "table=3,priority=10,dl_type=0x88e7,actions=output:8");
	add(ofp, "table=3,priority=1,actions=output:9");
	key_pbb(&k, 5, 0x123456);
	lookup(ofp, &k);
	const enum ofpact_type pop_out[] = { OFPACT_POP_PBB, OFPACT_OUTPUT };
	expect_types(pop_out, 2);
	assert_int_equal(res.actions[1].port, 9);
	/* The I-SID was not consulted; eth_type was. */
	assert_int_equal(res.mask.pbb_isid, 0);
	assert_int_equal(res.mask.eth_type, 0xffff);

	/* set_field pbb_isid on a PBB frame, with or without a B-VLAN
	 * tag before the I-TAG (the dataplane finds it behind the tag). */
	add(ofp, "priority=20,in_port=6,dl_type=0x88e7,"
		 "actions=set_field:0x999->pbb_isid,goto_table:4");
	add(ofp, "table=4,priority=10,dl_type=0x88e7,pbb_isid=0x999,"
		 "actions=output:10");
	add(ofp, "table=4,priority=5,actions=output:11");
	key_pbb(&k, 6, 0x123456);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[1].port, 10);
	k.vlan_tci = htons(FLOW_VLAN_TCI_PRESENT | 100);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[1].port, 10);

	/* set_field pbb_isid needs a PBB match or push_pbb before it. */
	assert_int_equal(add_fm(ofp, "actions=set_field:1->pbb_isid"),
			 OFPERR_BAD_ACTION_MATCH_INCONSISTENT);
	assert_int_equal(add_fm(ofp, "dl_type=0x88e7,actions=pop_pbb,"
				     "set_field:1->pbb_isid"),
			 OFPERR_BAD_ACTION_MATCH_INCONSISTENT);
	assert_int_equal(add_fm(ofp, "dl_type=0x88e7,"
				     "actions=set_field:1->pbb_isid"), 0);
	ofproto_destroy(ofp);
}

/* ---- Groups. ---- */

static struct ofp_bucket
bucket(uint16_t weight, uint32_t watch_port, uint32_t out_port)
{
	struct ofp_bucket b;

	memset(&b, 0, sizeof(b));
	b.weight = weight;
	b.watch_port = watch_port;
	b.watch_group = OFPG_ANY;
	b.n_actions = 1;
	b.actions = calloc(1, sizeof(struct ofpact));
	b.actions[0].type = OFPACT_OUTPUT;
	b.actions[0].port = out_port;
	return b;
}

/* Encodes, decodes and applies a group_mod (frees the buckets). */
static enum ofperr
group_mod(struct ofproto *ofp, uint16_t cmd, uint8_t type, uint32_t id,
	  struct ofp_bucket *b, size_t n)
{
	struct ofp_group_mod *gm = calloc(1, sizeof(*gm));
	struct ofp_buf buf = OFP_BUF_INIT;
	bool changed;

	gm->command = cmd;
	gm->type = type;
	gm->group_id = id;
	gm->n_buckets = n;
	if (n)
		memcpy(gm->buckets, b, n * sizeof(*b));
	ofp_group_mod_encode(gm, 1, &buf);
	ofp_group_mod_free(gm);
	enum ofperr err = ofp_group_mod_decode(buf.data, buf.len, gm);
	if (!err)
		err = ofproto_group_mod(ofp, gm, &changed);
	ofp_group_mod_free(gm);
	free(gm);
	ofp_buf_free(&buf);
	return err;
}

static void
test_group_all_indirect(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofp_bucket b[2];
	struct flow_key k;

	(void)state;
	b[0] = bucket(0, OFPP13_ANY, 1);
	b[1] = bucket(0, OFPP13_ANY, 2);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, 1, b, 2), 0);
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 2, b, 1),
			 0);
	add(ofp, "priority=1,actions=group:1,group:2");
	key_ipv4(&k, 5, 6, "10.0.0.2", 1000);
	lookup(ofp, &k);
	const enum ofpact_type t[] = { OFPACT_CLONE, OFPACT_OUTPUT,
				       OFPACT_CLONE, OFPACT_OUTPUT,
				       OFPACT_CLONE, OFPACT_OUTPUT };
	expect_types(t, 6);
	assert_int_equal(res.actions[0].n_nested, 1);
	assert_int_equal(res.actions[3].port, 2);
	assert_int_equal(res.actions[5].port, 3);
	/* Rule, group 1 and its 2 buckets, group 2 and its bucket. */
	assert_int_equal(res.n_rules, 6);
	for (size_t i = 1; i < res.n_rules; i++)
		ofproto_credit_rule(ofp, res.rule_ids[i], 2, 200);
	struct ofp_group *g = ofp_group_find(&ofp->groups, 1);
	assert_int_equal(g->n_packets, 2);
	assert_int_equal(g->buckets[1].n_packets, 2);

	/* Errors. */
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, 1, b, 1),
			 OFPERR_GROUP_MOD_GROUP_EXISTS);
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_MODIFY, OFPGT_ALL, 9, b, 1),
			 OFPERR_GROUP_MOD_UNKNOWN_GROUP);
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, OFPG_ALL, b, 1),
			 OFPERR_GROUP_MOD_INVALID_GROUP);
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, 7, 5, b, 1),
			 OFPERR_GROUP_MOD_BAD_TYPE);
	assert_int_equal(group_mod(ofp, 9, OFPGT_ALL, 5, NULL, 0),
			 OFPERR_GROUP_MOD_BAD_COMMAND);
	b[0] = bucket(0, OFPP13_ANY, 3);
	b[1] = bucket(0, OFPP13_ANY, 4);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 5, b, 2),
			 OFPERR_GROUP_MOD_BAD_BUCKET);
	b[0] = bucket(0, OFPP13_ANY, 3);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_FF, 5, b, 1),
			 OFPERR_GROUP_MOD_BAD_WATCH);
	/* Chaining: group 3 -> group 2; 2 -> 3 is a loop; 2 is chained. */
	b[0] = bucket(0, OFPP13_ANY, 3);
	b[0].actions[0].type = OFPACT_GROUP;
	b[0].actions[0].id = 2;
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 3, b, 1), 0);
	b[0] = bucket(0, OFPP13_ANY, 3);
	b[0].actions[0].type = OFPACT_GROUP;
	b[0].actions[0].id = 3;
	assert_int_equal(group_mod(ofp, OFPGC_MODIFY, OFPGT_INDIRECT, 2, b, 1),
			 OFPERR_GROUP_MOD_LOOP);
	assert_int_equal(group_mod(ofp, OFPGC_DELETE, 0, 2, NULL, 0),
			 OFPERR_GROUP_MOD_CHAINED_GROUP);
	add(ofp, "priority=2,in_port=7,actions=group:3");
	k.in_port = 7;
	lookup(ofp, &k);
	const enum ofpact_type tc[] = { OFPACT_CLONE, OFPACT_CLONE,
					OFPACT_OUTPUT };
	expect_types(tc, 3);
	assert_int_equal(res.actions[0].n_nested, 2);
	/* A flow to an unknown group. */
	assert_int_equal(add_fm(ofp, "actions=group:77"),
			 OFPERR_BAD_ACTION_BAD_OUT_GROUP);
	/* Deleting group 1 removes the flow that uses it. */
	size_t before = ofproto_rule_count(ofp);
	assert_int_equal(group_mod(ofp, OFPGC_DELETE, 0, 1, NULL, 0), 0);
	assert_int_equal(ofproto_rule_count(ofp), before - 1);
	assert_int_equal(group_mod(ofp, OFPGC_DELETE, 0, OFPG_ALL, NULL, 0),
			 0);
	assert_int_equal(ofproto_rule_count(ofp), 0);
	ofproto_destroy(ofp);
}

static void
test_pipeline_bounds(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofp_bucket b[OFP_GROUP_MAX_BUCKETS];
	struct flow_key k;

	(void)state;
	for (size_t i = 0; i < OFP_GROUP_MAX_BUCKETS; i++)
		b[i] = bucket(0, OFPP13_ANY, (uint32_t)i + 1);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, 1, b,
				   OFP_GROUP_MAX_BUCKETS), 0);
	add(ofp, "priority=1,actions=group:1");
	key_ipv4(&k, 5, 6, "10.0.0.2", 1);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 2 * OFP_GROUP_MAX_BUCKETS);
	/* One more action: over OFPROTO_MAX_ACTIONS, dropped. */
	add(ofp, "priority=2,actions=output:9,group:1");
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 0);
	/* 33 buckets: OUT_OF_BUCKETS (encoded by hand: the model holds
	 * 32). */
	uint8_t msg[16 + 33 * 16];
	memset(msg, 0, sizeof(msg));
	msg[0] = 4;
	msg[1] = OFPT_GROUP_MOD;
	msg[2] = (uint8_t)(sizeof(msg) >> 8);
	msg[3] = (uint8_t)sizeof(msg);
	msg[15] = 2;	/* group 2, ADD, type ALL */
	for (size_t i = 0; i < 33; i++) {
		msg[16 + 16 * i + 1] = 16;
		memset(msg + 16 + 16 * i + 4, 0xff, 8);
	}
	struct ofp_group_mod *gm = malloc(sizeof(*gm));
	assert_int_equal(ofp_group_mod_decode(msg, sizeof(msg), gm),
			 OFPERR_GROUP_MOD_OUT_OF_BUCKETS);
	free(gm);
	ofproto_destroy(ofp);
}

static void
test_group_select(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofp_bucket b[2];
	struct flow_key k;
	size_t hits[2] = { 0, 0 };

	(void)state;
	b[0] = bucket(1, OFPP13_ANY, 1);
	b[1] = bucket(3, OFPP13_ANY, 2);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_SELECT, 1, b, 2), 0);
	add(ofp, "actions=group:1");
	for (uint16_t sp = 0; sp < 4000; sp++) {
		key_ipv4(&k, 5, 6, "10.0.0.2", sp);
		lookup(ofp, &k);
		assert_int_equal(res.n_actions, 2);
		assert_int_equal(res.actions[0].type, OFPACT_CLONE);
		uint32_t port = res.actions[1].port;
		hits[port - 1]++;
		assert_int_equal(res.mask.tp_src, 0xffff);
		assert_int_equal(res.mask.nw_dst, 0xffffffffu);
		/* Sticky. */
		lookup(ofp, &k);
		assert_int_equal(res.actions[1].port, port);
	}
	/* Weights 1:3, within a few percent. */
	assert_true(hits[0] > 800 && hits[0] < 1200);
	assert_true(hits[1] > 2800 && hits[1] < 3200);
	ofproto_destroy(ofp);
}

static void
test_group_ff(void **state)
{
	struct ofproto *ofp = new_ofp();
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct ofp_bucket b[2];
	struct flow_key k;

	(void)state;
	assert_int_equal(ofproto_port_add(ofp, 1, "p1", mac), 0);
	assert_int_equal(ofproto_port_add(ofp, 2, "p2", mac), 0);
	b[0] = bucket(0, 1, 1);
	b[1] = bucket(0, 2, 2);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_FF, 1, b, 2), 0);
	add(ofp, "actions=group:1");
	key_ipv4(&k, 5, 6, "10.0.0.2", 1);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[1].port, 1);
	int before = n_changed;
	assert_int_equal(ofproto_port_set_link(ofp, 1, false), 0);
	assert_true(n_changed > before);
	lookup(ofp, &k);
	assert_int_equal(res.actions[1].port, 2);
	assert_int_equal(ofproto_port_set_link(ofp, 2, false), 0);
	lookup(ofp, &k);
	assert_int_equal(res.n_actions, 0);
	assert_int_equal(ofproto_port_set_link(ofp, 1, true), 0);
	lookup(ofp, &k);
	assert_int_equal(res.actions[1].port, 1);
	ofproto_destroy(ofp);
}

/* ---- Meters. ---- */

static enum ofperr
meter_mod(struct ofproto *ofp, uint16_t cmd, uint16_t flags, uint32_t id,
	  const struct ofproto_meter_band *bands, size_t n)
{
	struct ofp_meter_mod mm;
	struct ofp_buf buf = OFP_BUF_INIT;
	bool changed;

	memset(&mm, 0, sizeof(mm));
	mm.command = cmd;
	mm.cfg.flags = flags;
	mm.cfg.meter_id = id;
	mm.cfg.n_bands = (uint16_t)(n < OFPROTO_METER_MAX_BANDS ? n :
				    OFPROTO_METER_MAX_BANDS);
	for (size_t i = 0; i < n && i < OFPROTO_METER_MAX_BANDS; i++)
		mm.cfg.bands[i] = bands[i];
	ofp_meter_mod_encode(&mm, 1, &buf);
	if (n > OFPROTO_METER_MAX_BANDS) {	/* Append the extra bands. */
		for (size_t i = OFPROTO_METER_MAX_BANDS; i < n; i++) {
			uint8_t band[16] = { 0, 1, 0, 16, 0, 0, 0, 9 };
			ofp_buf_put(&buf, band, 16);
		}
		uint16_t l = htons((uint16_t)buf.len);
		memcpy(buf.data + 2, &l, 2);
	}
	enum ofperr err = ofp_meter_mod_decode(buf.data, buf.len, &mm);
	if (!err)
		err = ofproto_meter_mod(ofp, &mm, &changed);
	ofp_buf_free(&buf);
	return err;
}

static void
test_meters(void **state)
{
	struct ofproto_meter_band band = { OFPROTO_METER_BAND_DROP, 1000, 0,
					   0 };
	struct ofproto_meter_band bands[5];
	struct ofproto *ofp = new_ofp();
	struct ofproto *none = ofproto_create("br1", 2, NULL, NULL);
	struct flow_key k;

	(void)state;
	assert_int_equal(meter_mod(none, OFPMC_ADD, OFPMF_KBPS, 1, &band, 1),
			 OFPERR_METER_MOD_OUT_OF_METERS);
	ofproto_destroy(none);

	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 1, &band, 1), 0);
	assert_int_equal(n_meter_set, 1);
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 1, &band, 1),
			 OFPERR_METER_MOD_METER_EXISTS);
	assert_int_equal(meter_mod(ofp, OFPMC_MODIFY, OFPMF_KBPS, 2, &band, 1),
			 OFPERR_METER_MOD_UNKNOWN_METER);
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, 0, 0, &band, 1),
			 OFPERR_METER_MOD_INVALID_METER);
	assert_int_equal(meter_mod(ofp, 5, 0, 3, &band, 1),
			 OFPERR_METER_MOD_BAD_COMMAND);
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS | OFPMF_PKTPS, 3,
				   &band, 1), OFPERR_METER_MOD_BAD_FLAGS);
	band.rate = 0;
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 3, &band, 1),
			 OFPERR_METER_MOD_BAD_RATE);
	band.rate = 1000;
	band.type = 7;
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 3, &band, 1),
			 OFPERR_METER_MOD_BAD_BAND);
	band.type = OFPROTO_METER_BAND_DSCP_REMARK;
	band.prec_level = 0;
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 3, &band, 1),
			 OFPERR_METER_MOD_BAD_BAND_VALUE);
	for (size_t i = 0; i < 5; i++)
		bands[i] = (struct ofproto_meter_band){
			OFPROTO_METER_BAND_DROP, (uint32_t)(100 + i), 0, 0 };
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, 3, bands, 5),
			 OFPERR_METER_MOD_OUT_OF_BANDS);

	assert_int_equal(add_fm(ofp, "actions=meter:9,output:1"),
			 OFPERR_METER_MOD_UNKNOWN_METER);
	add(ofp, "priority=5,actions=meter:1,output:1");
	key_ipv4(&k, 5, 6, "10.0.0.2", 1);
	lookup(ofp, &k);
	const enum ofpact_type t[] = { OFPACT_METER, OFPACT_OUTPUT };
	expect_types(t, 2);
	assert_int_equal(res.actions[0].id, 1);
	/* Deleting the meter removes its flow and tells the host. */
	assert_int_equal(meter_mod(ofp, OFPMC_DELETE, 0, 1, NULL, 0), 0);
	assert_int_equal(n_meter_del, 1);
	assert_int_equal(ofproto_rule_count(ofp), 0);
	ofproto_destroy(ofp);
}

/* ---- Mask property over tables and groups. ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void
random_key(struct flow_key *k)
{
	static const char *const dsts[] = { "10.0.0.1", "10.0.0.2",
					    "10.1.0.1", "192.168.0.1" };

	key_ipv4(k, 1 + rnd(3), rnd(2) ? 6 : 17, dsts[rnd(4)],
		 (uint16_t)rnd(4));
	if (rnd(4) == 0)
		k->eth_type = htons(0x0806);
	if (rnd(3) == 0)
		k->vlan_tci = htons(FLOW_VLAN_TCI_PRESENT | rnd(3));
	if (k->vlan_tci && rnd(2))
		k->vlan_tci_inner = htons(FLOW_VLAN_TCI_PRESENT | rnd(3));
	k->eth_src[5] = (uint8_t)rnd(3);
	if (rnd(5) == 0) {
		/* A PBB frame: only the outer fields are known. */
		k->eth_type = htons(0x88e7);
		k->nw_proto = k->nw_ttl = 0;
		k->nw_src = k->nw_dst = 0;
		k->tp_src = k->tp_dst = 0;
		k->pbb_isid = htonl(0x100 + rnd(2));
	}
}

static void
random_rules(struct ofproto *ofp)
{
	static const char *const matches[] = {
		"", "ip", "tcp", "udp", "in_port=1", "in_port=2",
		"ip,nw_dst=10.0.0.0/24", "ip,nw_dst=10.1.0.0/16",
		"tcp,tp_src=1", "udp,tp_src=2", "dl_vlan=1", "arp",
		"metadata=0x1/0x1", "metadata=0x2/0x2",
		"dl_src=00:00:00:00:00:01",
		"dl_type=0x88e7", "dl_type=0x88e7,pbb_isid=0x100",
		"dl_type=0x88e7,pbb_isid=0x101/0x1",
	};
	static const char *const acts[] = {
		"output:1", "output:2", "group:1", "group:2",
		"write_actions(output:3)", "write_actions(group:1)",
		"clear_actions", "write_metadata:0x1/0x1",
		"write_metadata:0x2/0x2", "controller:64", "drop",
		"pop_vlan,output:2", "push_vlan:0x8100,output:1",
		"write_actions(pop_vlan,output:3)",
		"pop_pbb,output:2", "push_pbb:0x88e7,output:1",
		"write_actions(push_pbb:0x88e7,output:3)",
	};
	char flow[256];

	for (int i = 0; i < 40; i++) {
		unsigned int table = rnd(3);
		const char *m = matches[rnd(sizeof(matches) /
					    sizeof(matches[0]))];
		const char *a = acts[rnd(sizeof(acts) / sizeof(acts[0]))];
		char go[32] = "";
		char set[64] = "";

		if (table < 2 && rnd(2))
			snprintf(go, sizeof(go), ",goto_table:%u",
				 table + 1 + rnd(2 - table));
		if (!strncmp(m, "ip", 2) && rnd(3) == 0)
			snprintf(set, sizeof(set),
				 "set_field:10.0.0.2->ipv4_dst,");
		snprintf(flow, sizeof(flow), "table=%u,priority=%u%s%s,"
			 "actions=%s%s%s", table, rnd(4), *m ? "," : "", m,
			 set, a, go);
		if (!strcmp(a, "drop") && (*set || *go))
			snprintf(flow, sizeof(flow), "table=%u,priority=%u%s%s,"
				 "actions=%s%s", table, rnd(4), *m ? "," : "",
				 m, *set ? set : "", *go ? go + 1 :
				 "output:4");
		try_add(ofp, flow);	/* Some combinations are refused. */
	}
}

static void
test_mask_property(void **state)
{
	(void)state;
	for (int round = 0; round < 30; round++) {
		struct ofproto *ofp = new_ofp();
		struct ofp_bucket b[2];

		b[0] = bucket(1, OFPP13_ANY, 1);
		b[1] = bucket(1, OFPP13_ANY, 2);
		assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_SELECT, 1, b,
					   2), 0);
		b[0] = bucket(0, OFPP13_ANY, 3);
		b[1] = bucket(0, OFPP13_ANY, 4);
		assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, 2, b, 2),
				 0);
		random_rules(ofp);
		for (int i = 0; i < 200; i++) {
			struct ofproto_lookup_result r1, r2;
			struct flow_key k, k2;

			random_key(&k);
			ofproto_lookup(ofp, &k, &r1);
			for (int j = 0; j < 8; j++) {
				random_key(&k2);
				/* k2 = k under the mask, random elsewhere. */
				flow_word_t *w2 = (flow_word_t *)(void *)&k2;
				const flow_word_t *w = flow_key_words(&k);
				const flow_word_t *m = flow_key_words(&r1.mask);
				for (size_t x = 0; x < FLOW_KEY_WORDS; x++)
					w2[x] = (w[x] & m[x]) | (w2[x] & ~m[x]);
				ofproto_lookup(ofp, &k2, &r2);
				assert_int_equal(r1.n_actions, r2.n_actions);
				assert_memory_equal(r1.actions, r2.actions,
						    r1.n_actions *
						    sizeof(r1.actions[0]));
				assert_int_equal(r1.n_rules, r2.n_rules);
				assert_memory_equal(r1.rule_ids, r2.rule_ids,
						    r1.n_rules * 8);
			}
		}
		ofproto_destroy(ofp);
	}
}

/* Random bytes into the new decoders (run under ASan in CI). */
static void
test_decoder_fuzz(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = 16 + rnd(200);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rnd(256);
		/* Plausible lengths and types, so decoding gets deep. */
		for (size_t k = 16; k + 4 <= len; k += 8 * (1 + rnd(3))) {
			buf[k] = 0;
			buf[k + 1] = (uint8_t)(rnd(2) ? 16 : 8 * (1 + rnd(4)));
			if (rnd(2)) {
				buf[k + 2] = 0;
				buf[k + 3] = (uint8_t)rnd(28);
			}
		}
		buf[0] = 4;
		buf[2] = (uint8_t)(len >> 8);
		buf[3] = (uint8_t)len;
		buf[8] = 0;
		buf[9] = (uint8_t)rnd(3);
		struct ofp_group_mod *gm = malloc(sizeof(*gm));
		if (ofp_group_mod_decode(buf, len, gm) == OFPERR_OK)
			ofp_group_mod_free(gm);
		free(gm);
		struct ofp_meter_mod mm;
		(void)ofp_meter_mod_decode(buf, len, &mm);
		struct ofpact acts[OFPROTO_MAX_ACTIONS];
		size_t n;
		(void)ofp_actions_decode(buf + 16, len - 16, acts,
					 OFPROTO_MAX_ACTIONS, &n, rnd(2));
		struct ofp_insts *in = malloc(sizeof(*in));
		(void)ofp_insts_decode(buf + 16, len - 16, in);
		free(in);
	}
}

/* A GROUP_DESC reply larger than one message is split (REPLY_MORE), each
 * message within the 16-bit length. It is built by chunks
 * (ofp_mp_dump.h): groups deleted between two chunks are skipped if not
 * sent yet, and no group is listed twice. */
static void
test_group_desc_split(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofp_bucket b[OFP_GROUP_MAX_BUCKETS];
	struct ofp_session sess;
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t hello[16], req[16];

	(void)state;
	for (uint32_t g = 1; g <= 300; g++) {
		for (size_t i = 0; i < OFP_GROUP_MAX_BUCKETS; i++)
			b[i] = bucket(0, OFPP13_ANY, (uint32_t)i + 1);
		assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, g, b,
					   OFP_GROUP_MAX_BUCKETS), 0);
	}
	ofp_session_init(&sess, "test");
	size_t hn = hex_to_bytes("04000010000000010001000800000010", hello,
				 sizeof(hello));
	assert_int_equal(ofp_msg_handle(ofp, &sess, hello, hn, &out), 0);
	size_t rn = hex_to_bytes("0412001000000009" "0007000000000000", req,
				 sizeof(req));
	assert_int_equal(ofp_msg_handle(ofp, &sess, req, rn, &out), 0);
	/* ~310 KB: the first chunk only, about OFP_MP_DUMP_CHUNK bytes. */
	assert_true(ofp_mp_dump_pending(&sess));
	assert_true(out.len < OFP_MP_DUMP_CHUNK + 2048);
	assert_int_equal(group_mod(ofp, OFPGC_DELETE, OFPGT_ALL, 1, NULL, 0),
			 0);	/* Sent already. */
	assert_int_equal(group_mod(ofp, OFPGC_DELETE, OFPGT_ALL, 300, NULL,
				   0), 0);	/* Not yet: skipped. */
	while (ofp_mp_dump_pending(&sess))
		ofp_mp_dump_continue(ofp, &sess, &out);
	size_t off = 0, msgs = 0, groups = 0;
	uint32_t last_id = 0;
	while (off < out.len) {
		size_t len = (size_t)(out.data[off + 2] << 8 | out.data[off + 3]);
		assert_int_equal(out.data[off + 1], OFPT_MULTIPART_REPLY);
		bool more = out.data[off + 11] & 1;
		for (size_t p = off + 16; p < off + len;) {
			size_t el = (size_t)(out.data[p] << 8 | out.data[p + 1]);
			assert_int_equal(el, 8 + 32 * OFP_GROUP_MAX_BUCKETS);
			uint32_t id;
			memcpy(&id, out.data + p + 4, 4);
			assert_true(ntohl(id) > last_id);	/* Once each. */
			last_id = ntohl(id);
			groups++;
			p += el;
		}
		off += len;
		msgs++;
		assert_int_equal(more, off < out.len);
	}
	assert_int_equal(groups, 299);
	assert_int_equal(last_id, 299);
	assert_true(msgs >= 5);
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &sess);
	ofproto_destroy(ofp);
}

/* Walks the MULTIPART_REPLY messages of a meter config (id at +4) or
 * meter stats (id at +0, length at +4) reply in out: each meter once, in
 * order, REPLY_MORE on every message but the last; returns the meters. */
static size_t
check_meter_reply(const struct ofp_buf *out, uint16_t mp_type, size_t *msgs)
{
	size_t off = 0, meters = 0;
	uint32_t last_id = 0;

	*msgs = 0;
	while (off < out->len) {
		const uint8_t *m = out->data + off;
		size_t len = (size_t)(m[2] << 8 | m[3]);
		bool stats = mp_type == OFPMP_METER;

		assert_int_equal(m[1], OFPT_MULTIPART_REPLY);
		assert_int_equal(m[8] << 8 | m[9], mp_type);
		for (size_t p = off + 16; p < off + len;) {
			const uint8_t *e = out->data + p;
			size_t el = stats ? (size_t)(e[4] << 8 | e[5]) :
					    (size_t)(e[0] << 8 | e[1]);
			uint32_t id;

			memcpy(&id, e + (stats ? 0 : 4), 4);
			assert_int_equal(el, stats ? 40 + 16 * 4 : 8 + 16 * 4);
			assert_true(ntohl(id) > last_id);	/* Once each. */
			last_id = ntohl(id);
			meters++;
			p += el;
		}
		off += len;
		(*msgs)++;
		assert_int_equal(m[11] & 1, off < out->len);	/* MORE */
	}
	return meters;
}

/* METER_CONFIG and METER stats of a big meter table are built by chunks
 * (ofp_mp_dump.h): the first call queues about one chunk, the rest comes
 * as the connection asks; meters deleted before they are sent are
 * skipped, none is listed twice. */
static void
test_meter_dump_chunks(void **state)
{
	struct ofproto_meter_band bands[4];
	const uint32_t n_meters = 3000;
	struct ofproto *ofp = new_ofp();
	struct ofp_session sess;
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t hello[16], req[24];
	static const char *const reqs[] = {
		"041200180000000a" "000a000000000000" "ffffffff00000000",
		"041200180000000b" "0009000000000000" "ffffffff00000000",
	};

	(void)state;
	ofp_limit_set_max(OFP_LIMIT_METERS, 2 * n_meters);
	ofproto_set_max_meters(ofp, n_meters);
	for (size_t i = 0; i < 4; i++)
		bands[i] = (struct ofproto_meter_band){
			OFPROTO_METER_BAND_DROP, (uint32_t)(100 + i), 0, 0 };
	for (uint32_t id = 1; id <= n_meters; id++)
		assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_KBPS, id,
					   bands, 4), 0);
	ofp_session_init(&sess, "test");
	size_t hn = hex_to_bytes("04000010000000010001000800000010", hello,
				 sizeof(hello));
	assert_int_equal(ofp_msg_handle(ofp, &sess, hello, hn, &out), 0);
	for (size_t k = 0; k < 2; k++) {
		uint16_t mp_type = k == 0 ? OFPMP_METER_CONFIG : OFPMP_METER;
		size_t msgs;

		ofp_buf_clear(&out);
		size_t rn = hex_to_bytes(reqs[k], req, sizeof(req));
		assert_int_equal(ofp_msg_handle(ofp, &sess, req, rn, &out), 0);
		/* 216 / 312 KB in all: the first chunk only. */
		assert_true(ofp_mp_dump_pending(&sess));
		assert_true(out.len < OFP_MP_DUMP_CHUNK + 2048);
		if (k == 1)	/* Not sent yet: skipped. */
			assert_int_equal(meter_mod(ofp, OFPMC_DELETE, 0,
						   n_meters, NULL, 0), 0);
		while (ofp_mp_dump_pending(&sess)) {
			size_t before = out.len;

			ofp_mp_dump_continue(ofp, &sess, &out);
			assert_true(out.len - before < OFP_MP_DUMP_CHUNK + 2048);
		}
		size_t meters = check_meter_reply(&out, mp_type, &msgs);
		assert_int_equal(meters, k == 0 ? n_meters : n_meters - 1);
		assert_true(msgs >= 4);
	}
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &sess);
	ofproto_destroy(ofp);
	ofp_limit_set_max(OFP_LIMIT_METERS, 0);
}

static void
test_table_mod(void **state)
{
	struct ofproto *ofp = new_ofp();

	(void)state;
	assert_int_equal(ofproto_table_mod(ofp, 254, 0),
			 OFPERR_TABLE_MOD_BAD_TABLE);
	assert_int_equal(ofproto_table_mod(ofp, 3, 4),
			 OFPERR_TABLE_MOD_BAD_CONFIG);
	assert_int_equal(ofproto_table_mod(ofp, 3, 2), 0);
	assert_int_equal(ofproto_table_config(ofp, 3), 2);
	assert_int_equal(ofproto_table_mod(ofp, OFPTT_ALL, 1), 0);
	assert_int_equal(ofproto_table_config(ofp, 253), 1);
	assert_int_equal(ofproto_max_meters(ofp), 1024);
	ofproto_set_max_meters(ofp, 2);
	struct ofproto_meter_band band = { OFPROTO_METER_BAND_DROP, 10, 0, 0 };
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_PKTPS, 1, &band, 1),
			 0);
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_PKTPS, 2, &band, 1),
			 0);
	assert_int_equal(meter_mod(ofp, OFPMC_ADD, OFPMF_PKTPS, 3, &band, 1),
			 OFPERR_METER_MOD_OUT_OF_METERS);
	assert_int_equal(meter_mod(ofp, OFPMC_DELETE, 0, OFPM_ALL, NULL, 0),
			 0);
	assert_int_equal(ofp->meters.n, 0);
	ofproto_destroy(ofp);
}

static void
test_api_additions(void **state)
{
	struct ofproto *ofp = new_ofp();
	char err[128];

	(void)state;
	add(ofp, "priority=5,ip,actions=output:1");
	add(ofp, "priority=6,ip,actions=output:2");
	assert_int_equal(ofproto_del_flows_strict_str(ofp, "priority=5,ip",
						      err, sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 1);
	assert_int_equal(ofproto_del_flows_strict_str(ofp, "ip", err,
						      sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 1);	/* 32768: none. */
	assert_false(ofproto_invalid_ttl_to_controller(ofp));
	assert_int_equal(ofproto_add_listener(ofp, "ptcp:0:127.0.0.1", err,
					      sizeof(err)), 0);
	assert_int_equal(ofproto_del_listener(ofp, "ptcp:1:127.0.0.1"),
			 -ENOENT);
	assert_int_equal(ofproto_del_listener(ofp, "ptcp:0:127.0.0.1"), 0);
	assert_int_equal(ofproto_listener_port(ofp, 0), -1);
	ofproto_destroy(ofp);
}

/* ofproto_lookup_probe() (revalidation) leaves no trace: no table
 * counter moves, no rule gets younger, no MAC is learned; a lookup does
 * all three. */
static void
test_probe_has_no_side_effects(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofproto_lookup_result res;
	struct ofproto_stats st0, st1;
	struct flow_key k;
	uint32_t active;
	uint64_t lookups0, matches0, lookups1, matches1;

	(void)state;
	add(ofp, "priority=10,in_port=1,actions=output:2");
	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.eth_type = htons(0x0800);
	memcpy(k.eth_src, "\x02\x00\x00\x00\x00\x07", 6);

	ofproto_table_counters(ofp, 0, &active, &lookups0, &matches0);
	for (int i = 0; i < 5; i++)
		ofproto_lookup_probe(ofp, &k, &res);
	assert_int_equal(res.n_actions, 1);
	ofproto_table_counters(ofp, 0, &active, &lookups1, &matches1);
	assert_int_equal(lookups1, lookups0);
	assert_int_equal(matches1, matches0);
	ofproto_lookup(ofp, &k, &res);
	ofproto_table_counters(ofp, 0, &active, &lookups1, &matches1);
	assert_int_equal(lookups1, lookups0 + 1);
	assert_int_equal(matches1, matches0 + 1);

	/* Standalone without a controller: MAC learning. */
	ofproto_set_fail_mode(ofp, OFPROTO_FAIL_STANDALONE);
	ofproto_get_stats(ofp, &st0);
	ofproto_lookup_probe(ofp, &k, &res);
	assert_true(res.normal);
	ofproto_get_stats(ofp, &st1);
	assert_int_equal(st1.mac_learned, st0.mac_learned);
	ofproto_lookup(ofp, &k, &res);
	ofproto_get_stats(ofp, &st1);
	assert_int_equal(st1.mac_learned, st0.mac_learned + 1);
	ofproto_destroy(ofp);
}

/* ofproto_lookup_trace(): the tables, rules, buckets and action set of
 * the lookup, the same actions as a lookup, and no counter moved. */
static void
test_trace_steps(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofproto_trace *tr = calloc(1, sizeof(*tr));
	struct ofproto_lookup_result res, res2;
	struct ofp_bucket b[2];
	struct flow_key k, m;
	uint32_t active;
	uint64_t l0, m0, l1, m1;
	char err[256];

	(void)state;
	b[0] = bucket(0, OFPP13_ANY, 3);
	b[1] = bucket(0, OFPP13_ANY, 4);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_ALL, 7, b, 2), 0);
	add(ofp, "priority=5,ip,cookie=0x42,actions=write_actions(output:2),"
		 "goto_table:1");
	add(ofp, "table=1,priority=9,udp,actions=group:7,goto_table:2");
	key_ipv4(&k, 1, 17, "10.0.0.7", 53);
	ofproto_table_counters(ofp, 0, &active, &l0, &m0);
	ofproto_lookup_trace(ofp, &k, NULL, &res, tr);
	ofproto_table_counters(ofp, 0, &active, &l1, &m1);
	assert_int_equal(l1, l0);
	assert_int_equal(m1, m0);
	ofproto_lookup_probe(ofp, &k, &res2);
	assert_int_equal(res.n_actions, res2.n_actions);
	assert_memory_equal(res.actions, res2.actions,
			    res.n_actions * sizeof(res.actions[0]));

	assert_int_equal(tr->n_steps, 5);
	assert_int_equal(tr->steps[0].kind, OFPROTO_TRACE_TABLE);
	assert_int_equal(tr->steps[0].table_id, 0);
	assert_true(tr->steps[0].matched);
	assert_int_equal(tr->steps[0].priority, 5);
	assert_true(tr->steps[0].cookie == 0x42);
	assert_string_equal(tr->steps[0].match, "priority=5,ip");
	assert_string_equal(tr->steps[0].actions,
			    "write_actions(output:2),goto_table:1");
	assert_int_equal(tr->steps[1].table_id, 1);
	assert_int_equal(tr->steps[2].kind, OFPROTO_TRACE_BUCKET);
	assert_int_equal(tr->steps[2].group_id, 7);
	assert_int_equal(tr->steps[2].bucket, 0);
	assert_string_equal(tr->steps[2].actions, "output:3");
	assert_int_equal(tr->steps[3].bucket, 1);
	assert_int_equal(tr->steps[4].kind, OFPROTO_TRACE_TABLE);
	assert_int_equal(tr->steps[4].table_id, 2);
	/* A miss: the action set is not executed (no ACTION_SET step). */
	assert_false(tr->steps[4].matched);
	add(ofp, "table=2,priority=1,actions=drop");
	memset(tr, 0, sizeof(*tr));
	ofproto_lookup_trace(ofp, &k, NULL, &res, tr);
	assert_int_equal(tr->n_steps, 6);
	assert_true(tr->steps[4].matched);
	assert_int_equal(tr->steps[5].kind, OFPROTO_TRACE_ACTION_SET);
	assert_string_equal(tr->steps[5].actions, "output:2");
	ofproto_destroy(ofp);

	/* Flow text as a packet key. */
	assert_int_equal(ofproto_trace_parse_flow(
		"in_port=3,udp,nw_dst=10.0.0.0/8,tp_dst=53", &k, &m, err,
		sizeof(err)), 0);
	assert_int_equal(k.in_port, 3);
	assert_int_equal(k.nw_proto, 17);
	assert_int_equal(k.tp_dst, htons(53));
	assert_int_equal(k.nw_dst, htonl(0x0a000000));
	assert_int_equal(ofproto_trace_parse_flow("udp,tp_dst=53", &k, &m, err,
						  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "in_port"));
	assert_int_equal(ofproto_trace_parse_flow("in_port=1,tp_dst=x", &k, &m,
						  err, sizeof(err)), -EINVAL);
	free(tr);
}

/* ---- Packet-in context. ---- */

static bool
sends_up(const struct ofpact *a)
{
	return a->type == OFPACT_CONTROLLER || a->type == OFPACT_DEC_NW_TTL ||
	       (a->type == OFPACT_OUTPUT && a->port == OFPP13_CONTROLLER);
}

static void
expect_pin(const struct ofpact *a, enum ofpact_type type, uint8_t table_id,
	   uint64_t cookie, uint64_t metadata, uint64_t tunnel_id)
{
	if (type == OFPACT_CONTROLLER)
		assert_true(a->type == OFPACT_CONTROLLER ||
			    a->type == OFPACT_OUTPUT);
	else
		assert_int_equal(a->type, type);
	assert_int_equal(a->table_id, table_id);
	assert_true(a->cookie == cookie);
	assert_true(a->metadata == metadata);
	assert_true(a->tunnel_id == tunnel_id);
}

/* Each action that may send a packet-in carries the table, cookie and
 * pipeline fields of where it ran, not those a new lookup of the
 * rewritten packet would give. */
static void
test_packet_in_context(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofpact po = { .type = OFPACT_CONTROLLER, .max_len = 64 };
	struct ofpact out[4];
	const struct ofpact *pin[8];
	struct ofp_bucket b[1];
	struct flow_key k, k2;
	size_t n_pin = 0;

	(void)state;
	b[0] = bucket(0, OFPP13_ANY, OFPP13_CONTROLLER);
	assert_int_equal(group_mod(ofp, OFPGC_ADD, OFPGT_INDIRECT, 9, b, 1),
			 0);
	add(ofp, "cookie=0x11,priority=10,ip,nw_dst=10.0.0.2,"
		 "actions=set_field:10.0.0.3->nw_dst,"
		 "write_metadata:0x7/0xff,goto_table:1");
	/* What the rewritten packet would match in table 0. */
	add(ofp, "cookie=0x22,priority=10,ip,nw_dst=10.0.0.3,"
		 "actions=controller");
	add(ofp, "table=1,cookie=0x33,priority=5,ip,nw_dst=10.0.0.3,"
		 "actions=controller:100,dec_ttl,group:9,"
		 "write_actions(controller),goto_table:2");
	add(ofp, "table=2,cookie=0x44,priority=1,"
		 "actions=set_field:0x9->tunnel_id,"
		 "write_metadata:0x100/0xf00");

	key_ipv4(&k, 1, 17, "10.0.0.2", 1000);
	lookup(ofp, &k);
	for (size_t i = 0; i < res.n_actions; i++)
		if (sends_up(&res.actions[i]) && n_pin < 8)
			pin[n_pin++] = &res.actions[i];
	assert_int_equal(n_pin, 4);
	/* Apply-actions of table 1: its rule, metadata as table 0 wrote. */
	expect_pin(pin[0], OFPACT_CONTROLLER, 1, 0x33, 0x7, 0);
	assert_int_equal(pin[0]->max_len, 100);
	assert_int_equal(pin[0]->reason, OFPR_ACTION);
	expect_pin(pin[1], OFPACT_DEC_NW_TTL, 1, 0x33, 0x7, 0);
	/* In a bucket of the group table 1's rule sent it to: that table,
	 * no cookie. */
	expect_pin(pin[2], OFPACT_CONTROLLER, 1, OFPROTO_PIN_NO_COOKIE, 0x7,
		   0);
	/* The action set runs after the last lookup (table 2), with the
	 * final pipeline fields and no cookie. */
	expect_pin(pin[3], OFPACT_CONTROLLER, 2, OFPROTO_PIN_NO_COOKIE,
		   0x107, 0x9);

	/* Looking the rewritten packet up again would have found another
	 * rule: table 0, cookie 0x22. */
	k2 = k;
	inet_pton(AF_INET, "10.0.0.3", &k2.nw_dst);
	lookup(ofp, &k2);
	assert_int_equal(res.n_actions, 1);
	expect_pin(&res.actions[0], OFPACT_CONTROLLER, 0, 0x22, 0, 0);
	assert_int_equal(res.actions[0].in_phy_port, 0);

	/* A packet popped from a tunnel: its underlay port and tunnel
	 * fields go with the packet-in, and the megaflow's mask has them. */
	k2.in_port = 10;
	k2.in_phy_port = 1;
	k2.tunnel_id = 100;
	k2.tun_src = htonl(0xc0000202);
	k2.tun_dst = htonl(0xc0000201);
	lookup(ofp, &k2);
	assert_int_equal(res.n_actions, 1);
	expect_pin(&res.actions[0], OFPACT_CONTROLLER, 0, 0x22, 0, 100);
	assert_int_equal(res.actions[0].in_phy_port, 1);
	assert_int_equal(res.actions[0].tun_src, htonl(0xc0000202));
	assert_int_equal(res.actions[0].tun_dst, htonl(0xc0000201));
	assert_int_equal(res.mask.in_phy_port, UINT16_MAX);
	assert_int_equal(res.mask.tun_src & res.mask.tun_dst, UINT32_MAX);

	/* A packet-out's own controller action: no table, no rule. */
	assert_int_equal(ofproto_packet_out_resolve(ofp, &k, &po, 1, out, 4,
						    NULL),
			 1);
	expect_pin(&out[0], OFPACT_CONTROLLER, OFPROTO_PIN_NO_TABLE,
		   OFPROTO_PIN_NO_COOKIE, 0, 0);
	ofproto_destroy(ofp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goto_metadata),
		cmocka_unit_test(test_action_set),
		cmocka_unit_test(test_rewrite_seen_later),
		cmocka_unit_test(test_pbb),
		cmocka_unit_test(test_pop_then_match_inside),
		cmocka_unit_test(test_group_all_indirect),
		cmocka_unit_test(test_pipeline_bounds),
		cmocka_unit_test(test_group_select),
		cmocka_unit_test(test_group_ff),
		cmocka_unit_test(test_meters),
		cmocka_unit_test(test_mask_property),
		cmocka_unit_test(test_decoder_fuzz),
		cmocka_unit_test(test_group_desc_split),
		cmocka_unit_test(test_meter_dump_chunks),
		cmocka_unit_test(test_table_mod),
		cmocka_unit_test(test_api_additions),
		cmocka_unit_test(test_probe_has_no_side_effects),
		cmocka_unit_test(test_trace_steps),
		cmocka_unit_test(test_packet_in_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
