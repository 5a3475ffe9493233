/* SPDX-License-Identifier: BSD-3-Clause */
/* The table: priority lookup, the consulted mask (property check), and
 * flow_mod add/modify/delete semantics, through the public API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

#include "ofp_flow_text.h"
#include "ofproto.h"
#include "ofproto_priv.h"
#include "test_util.h"

static int n_changed;

static void
count_changes(void *host)
{
	(void)host;
	n_changed++;
}

static const struct ofproto_host_ops ops = { .flows_changed = count_changes };

static struct ofproto *
new_ofp(void)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);

	assert_non_null(ofp);
	return ofp;
}

static void
key_ipv4(struct flow_key *k, uint32_t in_port, uint8_t proto,
	 const char *src, const char *dst, uint16_t tp_dst)
{
	memset(k, 0, sizeof(*k));
	k->in_port = in_port;
	k->eth_type = htons(0x0800);
	k->nw_proto = proto;
	inet_pton(AF_INET, src, &k->nw_src);
	inet_pton(AF_INET, dst, &k->nw_dst);
	k->tp_dst = htons(tp_dst);
}

static void
test_lookup_priority(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofproto_lookup_result res;
	struct flow_key k;

	(void)state;
	key_ipv4(&k, 1, 17, "10.1.2.3", "10.0.0.1", 53);
	ofproto_lookup(ofp, &k, &res);
	/* A miss in table 0: its miss id, for the table's lookup counter. */
	assert_int_equal(res.n_rules, 1);
	assert_int_equal(res.rule_ids[0], OFPROTO_TABLE_MISS_ID(0));
	assert_int_equal(res.n_actions, 0);
	assert_int_equal(res.mask.in_port, UINT32_MAX);
	assert_int_equal(res.mask.eth_type, 0);

	add(ofp, "priority=0,actions=drop");
	add(ofp, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2");
	add(ofp, "priority=20,udp,tp_dst=53,actions=controller:64");
	add(ofp, "priority=30,tcp,actions=output:3");
	ofproto_lookup(ofp, &k, &res);
	assert_int_equal(res.n_rules, 1);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, OFPACT_CONTROLLER);
	assert_int_equal(res.actions[0].max_len, 64);
	/* The tcp rule was checked: nw_proto and eth_type are in the mask;
	 * the lower-priority nw_dst rule was not. */
	assert_int_equal(res.mask.nw_proto, 0xff);
	assert_int_equal(res.mask.tp_dst, 0xffff);
	assert_int_equal(res.mask.nw_dst, 0);

	k.tp_dst = htons(54);
	ofproto_lookup(ofp, &k, &res);
	assert_int_equal(res.actions[0].port, 2);
	assert_int_equal(res.mask.nw_dst, htonl(0xff000000));

	key_ipv4(&k, 1, 6, "1.1.1.1", "2.2.2.2", 80);
	k.eth_type = htons(0x0806);
	ofproto_lookup(ofp, &k, &res);
	assert_int_equal(res.n_rules, 1);
	assert_int_equal(res.n_actions, 0);	/* priority=0 drop rule */
	ofproto_destroy(ofp);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
random_flow(char *buf, size_t len)
{
	static const char *const l3[] = { "", "ip,", "tcp,", "udp,", "arp," };
	static const char *const nets[] = {
		"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
		"192.168.0.0/16", "0.0.0.0/1",
	};
	size_t n = 0;
	const char *t = l3[rnd() % 5];

	n += (size_t)snprintf(buf + n, len - n, "priority=%u,%s",
			      (unsigned)(rnd() % 6), t);
	if (rnd() % 3 == 0)
		n += (size_t)snprintf(buf + n, len - n, "in_port=%u,",
				      (unsigned)(1 + rnd() % 3));
	if (*t && strcmp(t, "arp,") && rnd() % 2)
		n += (size_t)snprintf(buf + n, len - n, "nw_src=%s,",
				      nets[rnd() % 6]);
	if (*t && strcmp(t, "arp,") && rnd() % 2)
		n += (size_t)snprintf(buf + n, len - n, "nw_dst=%s,",
				      nets[rnd() % 6]);
	if ((!strcmp(t, "tcp,") || !strcmp(t, "udp,")) && rnd() % 2)
		n += (size_t)snprintf(buf + n, len - n, "tp_dst=%u,",
				      rnd() % 2 ? 80u : 443u);
	if (rnd() % 4 == 0)
		n += (size_t)snprintf(buf + n, len - n, "dl_dst=%s,",
				      rnd() % 2 ? "01:00:00:00:00:00/01:00:00:00:00:00"
						: "00:00:00:00:00:01");
	snprintf(buf + n, len - n, "actions=output:%u",
		 (unsigned)(1 + rnd() % 100));
}

static void
random_key(struct flow_key *k)
{
	static const char *const ips[] = {
		"10.1.2.3", "10.1.9.9", "10.200.0.1", "192.168.1.1", "8.8.8.8",
		"200.0.0.1",
	};
	static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd };
	static const uint8_t protos[] = { 6, 17, 1 };

	memset(k, 0, sizeof(*k));
	k->in_port = (uint32_t)(1 + rnd() % 3);
	k->eth_type = htons(types[rnd() % 3]);
	k->nw_proto = protos[rnd() % 3];
	inet_pton(AF_INET, ips[rnd() % 6], &k->nw_src);
	inet_pton(AF_INET, ips[rnd() % 6], &k->nw_dst);
	k->tp_dst = htons(rnd() % 2 ? 80 : 443);
	k->eth_dst[0] = (uint8_t)(rnd() % 2);
	k->eth_dst[5] = (uint8_t)(rnd() % 2);
}

/* Any key equal to the looked-up key under the returned mask gets the same
 * rule. */
static void
test_lookup_mask_property(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		struct ofproto *ofp = new_ofp();
		char flow[256];

		for (int i = 0; i < 40; i++) {
			random_flow(flow, sizeof(flow));
			add(ofp, flow);
		}
		for (int i = 0; i < 500; i++) {
			struct ofproto_lookup_result r1, r2;
			struct flow_key k, k2;
			uint8_t *p2 = (uint8_t *)&k2;
			const uint8_t *pk = (const uint8_t *)&k;
			const uint8_t *pm = (const uint8_t *)&r1.mask;

			random_key(&k);
			ofproto_lookup(ofp, &k, &r1);
			assert_int_equal(r1.mask.in_port, UINT32_MAX);
			for (int v = 0; v < 8; v++) {
				random_key(&k2);
				/* Random noise outside the mask, too. */
				for (size_t b = 0; b < sizeof(k2); b++) {
					if (rnd() % 4 == 0)
						p2[b] ^= (uint8_t)rnd();
					p2[b] = (uint8_t)((pk[b] & pm[b]) |
							  (p2[b] & ~pm[b]));
				}
				ofproto_lookup(ofp, &k2, &r2);
				assert_int_equal(r1.n_rules, r2.n_rules);
				if (r1.n_rules)
					assert_int_equal(r1.rule_ids[0],
							 r2.rule_ids[0]);
			}
		}
		ofproto_destroy(ofp);
	}
}

static uint64_t
rule_packets(struct ofproto *ofp, const char *match_text)
{
	struct ofp_flow_stats_entry *fs;
	struct ofp_flow_mod fm;
	struct ofp_rule_filter f;
	char err[128];
	uint64_t n = UINT64_MAX;

	assert_int_equal(ofp_flow_text_parse(match_text, OFP_FLOW_TEXT_MATCH,
					     &fm, err, sizeof(err)), 0);
	ofp_rule_filter_from_flow_mod(&f, &fm, true);
	size_t cnt = ofproto_collect_flows(ofp, 0xff, &f, &fs);
	if (cnt == 1)
		n = fs[0].n_packets;
	free(fs);
	return n;
}

/* Packets a megaflow forwarded count in the table statistics like the
 * looked-up ones: a rule's id is a lookup and a match, a miss id a lookup
 * alone, a group's id nothing. */
static void
test_credit_lookups(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofproto_lookup_result hit, miss;
	uint64_t lookups, matches;
	uint32_t active;
	struct flow_key k;

	(void)state;
	add(ofp, "priority=10,udp,actions=output:2");
	key_ipv4(&k, 1, 17, "1.1.1.1", "10.0.0.1", 80);
	ofproto_lookup(ofp, &k, &hit);
	key_ipv4(&k, 1, 6, "1.1.1.1", "10.0.0.1", 80);
	ofproto_lookup(ofp, &k, &miss);
	assert_int_equal(hit.n_rules, 1);
	assert_int_equal(miss.n_rules, 1);
	ofproto_table_counters(ofp, 0, &active, &lookups, &matches);
	assert_int_equal(lookups, 2);
	assert_int_equal(matches, 1);

	ofproto_credit_lookups(ofp, hit.rule_ids[0], 4);
	ofproto_credit_lookups(ofp, miss.rule_ids[0], 3);
	ofproto_credit_lookups(ofp, OFP_GROUP_CREDIT_BIT | 7u << 16, 9);
	/* Crediting a miss id touches no rule. */
	ofproto_credit_rule(ofp, miss.rule_ids[0], 3, 100);
	ofproto_table_counters(ofp, 0, &active, &lookups, &matches);
	assert_int_equal(lookups, 2 + 4 + 3);
	assert_int_equal(matches, 1 + 4);
	assert_int_equal(rule_packets(ofp, "priority=10,udp"), 0);
	ofproto_destroy(ofp);
}

static void
test_flow_mod_semantics(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct ofproto_lookup_result res;
	struct flow_key k;
	char err[256];

	(void)state;
	n_changed = 0;
	add(ofp, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2");
	assert_int_equal(n_changed, 1);
	key_ipv4(&k, 1, 6, "1.1.1.1", "10.0.0.1", 80);
	ofproto_lookup(ofp, &k, &res);
	ofproto_credit_rule(ofp, res.rule_ids[0], 5, 300);
	ofproto_credit_rule(ofp, 999999, 5, 300);	/* Unknown: ignored. */
	assert_int_equal(rule_packets(ofp, "priority=10,ip,nw_dst=10.0.0.0/8"),
			 5);

	/* Same match and priority: replace, keep counters. */
	add(ofp, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:3");
	assert_int_equal(ofproto_rule_count(ofp), 1);
	assert_int_equal(rule_packets(ofp, "priority=10,ip,nw_dst=10.0.0.0/8"),
			 5);
	ofproto_lookup(ofp, &k, &res);
	assert_int_equal(res.actions[0].port, 3);
	add(ofp, "priority=10,ip,nw_dst=10.0.0.0/8,reset_counts,actions=3");
	assert_int_equal(rule_packets(ofp, "priority=10,ip,nw_dst=10.0.0.0/8"),
			 0);

	/* Overlap check. */
	assert_int_equal(ofproto_add_flow_str(ofp,
		"priority=10,ip,nw_src=1.0.0.0/8,check_overlap,actions=1",
		err, sizeof(err)), -EEXIST);
	add(ofp, "priority=11,ip,nw_src=1.0.0.0/8,check_overlap,actions=1");
	add(ofp, "priority=10,arp,check_overlap,actions=1");
	assert_int_equal(ofproto_rule_count(ofp), 3);

	/* Modify (non-strict): every ip rule gets new actions. */
	struct ofp_flow_mod fm;
	bool changed;
	assert_int_equal(ofp_flow_text_parse("ip,actions=output:7",
					     OFP_FLOW_TEXT_ADD, &fm, err,
					     sizeof(err)), 0);
	fm.command = OFPFC_MODIFY;
	assert_int_equal(ofproto_apply_flow_mod(ofp, &fm, &changed), 0);
	assert_true(changed);
	ofproto_lookup(ofp, &k, &res);
	assert_int_equal(res.actions[0].port, 7);
	/* Modify strict with a priority nobody has: nothing. */
	fm.command = OFPFC_MODIFY_STRICT;
	fm.priority = 99;
	assert_int_equal(ofproto_apply_flow_mod(ofp, &fm, &changed), 0);
	assert_false(changed);

	/* Bad table and command. */
	fm.command = OFPFC_ADD;
	fm.table_id = 254;
	assert_int_equal(ofproto_apply_flow_mod(ofp, &fm, &changed),
			 OFPERR_FLOW_MOD_BAD_TABLE_ID);
	fm.table_id = 0;
	fm.command = 9;
	assert_int_equal(ofproto_apply_flow_mod(ofp, &fm, &changed),
			 OFPERR_FLOW_MOD_BAD_COMMAND);

	/* Delete with out_port filter, then strict, then cookies. */
	assert_int_equal(ofproto_del_flows_str(ofp, "out_port=5", err,
					       sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 3);
	assert_int_equal(ofproto_del_flows_str(ofp, "out_port=1", err,
					       sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 2);	/* arp rule gone */
	add(ofp, "cookie=0x17,priority=1,actions=drop");
	assert_int_equal(ofproto_del_flows_str(ofp, "cookie=0x20/0xf0", err,
					       sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 3);
	assert_int_equal(ofproto_del_flows_str(ofp, "cookie=0x17/-1", err,
					       sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 2);
	assert_int_equal(ofp_flow_text_parse("priority=11,ip",
					     OFP_FLOW_TEXT_MATCH, &fm, err,
					     sizeof(err)), 0);
	fm.command = OFPFC_DELETE_STRICT;
	assert_int_equal(ofproto_apply_flow_mod(ofp, &fm, &changed), 0);
	assert_false(changed);	/* nw_src differs: not identical */
	assert_int_equal(ofproto_del_flows_str(ofp, "", err, sizeof(err)), 0);
	assert_int_equal(ofproto_rule_count(ofp), 0);
	ofproto_destroy(ofp);
}

/* CHECK_OVERLAP against the rules of a table: a rule of the same
 * priority overlaps when some packet could match both. Covers both ways
 * the table looks (a rule as or less specific than the add: one probe of
 * its subtable; any other: a walk of the subtable). */
static void
test_check_overlap(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	char err[128];

	(void)state;
	add(ofp, "priority=20,udp,tp_dst=80,actions=output:1");
	add(ofp, "priority=20,tcp,nw_dst=10.0.0.0/8,actions=output:1");
	/* More specific than a rule, same packets: overlap. */
	assert_int_equal(ofproto_add_flow_str(ofp,
		"priority=20,udp,tp_dst=80,nw_src=1.1.1.1,check_overlap,"
		"actions=output:2", err, sizeof(err)), -EEXIST);
	assert_int_equal(ofproto_add_flow_str(ofp,
		"priority=20,tcp,nw_dst=10.1.2.3,check_overlap,actions=output:2",
		err, sizeof(err)), -EEXIST);
	/* Less specific than a rule: overlap. */
	assert_int_equal(ofproto_add_flow_str(ofp,
		"priority=20,udp,check_overlap,actions=output:2", err,
		sizeof(err)), -EEXIST);
	/* Crossing masks (udp port / IP source): overlap. */
	assert_int_equal(ofproto_add_flow_str(ofp,
		"priority=20,udp,nw_src=2.2.2.2,check_overlap,actions=output:2",
		err, sizeof(err)), -EEXIST);
	assert_int_equal(ofproto_rule_count(ofp), 2);
	/* Disjoint: another port, another protocol, another network, or
	 * another priority; and the identical rule is replaced. */
	add(ofp, "priority=20,udp,tp_dst=81,nw_src=1.1.1.1,check_overlap,"
	    "actions=output:2");
	add(ofp, "priority=20,tcp,tp_dst=80,nw_dst=11.0.0.0/8,check_overlap,"
	    "actions=output:2");
	add(ofp, "priority=20,arp,check_overlap,actions=output:2");
	add(ofp, "priority=21,udp,check_overlap,actions=output:2");
	add(ofp, "priority=20,udp,tp_dst=80,check_overlap,actions=output:3");
	assert_int_equal(ofproto_rule_count(ofp), 6);
	ofproto_destroy(ofp);
}

static void
test_dump_flows(void **state)
{
	struct ofproto *ofp = new_ofp();
	struct strbuf s = STRBUF_INIT;

	(void)state;
	add(ofp, "priority=10,udp,in_port=1,nw_dst=10.0.0.0/8,actions=output:2");
	add(ofp, "cookie=0x5,idle_timeout=30,actions=drop");
	ofproto_dump_flows(ofp, false, &s);
	/* Durations vary: compare around them. */
	const char *t = strbuf_str(&s);
	assert_non_null(strstr(t, " cookie=0x0, duration="));
	assert_non_null(strstr(t, "s, table=0, n_packets=0, n_bytes=0, "
			       "priority=10,udp,in_port=1,nw_dst=10.0.0.0/8 "
			       "actions=output:2\n"));
	assert_non_null(strstr(t, "n_bytes=0, idle_timeout=30, "
			       "actions=drop\n"));
	strbuf_clear(&s);
	ofproto_dump_flows(ofp, true, &s);
	t = strbuf_str(&s);
	assert_int_equal(t[0], '[');
	assert_non_null(strstr(t, "{\"table\":0,\"priority\":10,"
			       "\"cookie\":\"0x0\",\"duration\":"));
	assert_non_null(strstr(t, "\"n_packets\":0,\"n_bytes\":0,"
			       "\"match\":\"udp,in_port=1,nw_dst=10.0.0.0/8\","
			       "\"actions\":\"output:2\"}"));
	assert_non_null(strstr(t, "\"match\":\"\",\"actions\":\"drop\"}"));
	strbuf_free(&s);
	ofproto_destroy(ofp);
}

static void
test_ports(void **state)
{
	struct ofproto *ofp = new_ofp();
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint32_t list[4];

	(void)state;
	assert_int_equal(ofproto_port_add(ofp, 2, "p1", mac), 0);
	assert_int_equal(ofproto_port_add(ofp, 1, "p0", mac), 0);
	assert_int_equal(ofproto_port_add(ofp, 1, "x", mac), -EEXIST);
	assert_int_equal(ofproto_port_add(ofp, 3, "p0", mac), -EEXIST);
	assert_int_equal(ofproto_port_list(ofp, list, 4), 2);
	assert_int_equal(list[0], 1);
	assert_int_equal(list[1], 2);
	ofproto_destroy(ofp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_priority),
		cmocka_unit_test(test_lookup_mask_property),
		cmocka_unit_test(test_flow_mod_semantics),
		cmocka_unit_test(test_check_overlap),
		cmocka_unit_test(test_credit_lookups),
		cmocka_unit_test(test_dump_flows),
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
