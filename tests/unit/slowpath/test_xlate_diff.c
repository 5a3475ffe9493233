/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test of pipeline translation and megaflow caching: for
 * random rule sets (several tables, goto_table, write_metadata, set_field,
 * outputs) and random packets, the datapath actions that the full
 * pipeline gives a packet's own key (ofproto_lookup + xlate) equal those
 * of the megaflow the packet finds in a classifier filled by the installs
 * of the packets before it. Then random rule changes, each followed by the
 * revalidation the slowpath runs (xlate_megaflow_valid()): the surviving
 * megaflows must still give every packet the pipeline's actions.
 *
 * Rules also send packets to groups of every type (ALL with a rewrite in
 * one bucket, SELECT with weights, INDIRECT chained to ALL, FAST_FAILOVER
 * watching ports), and the changes include group modifications and port
 * links going down and up, which change the fast-failover choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "dataplane/megaflow.h"
#include "ofproto/ofp_action_text.h"
#include "ofproto/ofp_group.h"
#include "ofproto/ofproto_priv.h"
#include "slowpath/xlate.h"

#define N_ROUNDS 20
#define N_RULES 40
#define N_PKTS 400
#define N_CHANGES 10
#define N_GROUPS 4

static uint32_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* One random rule in ovs-ofctl syntax. */
static void
random_rule(char *buf, size_t len)
{
	unsigned table = rnd(3), prio = 1 + rnd(50);
	int n = snprintf(buf, len, "table=%u,priority=%u", table, prio);
	static const char *const protos[] = { "ip", "udp", "tcp" };
	const char *proto = protos[rnd(3)];

	n += snprintf(buf + n, len - (size_t)n, ",%s", proto);
	if (rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n, ",in_port=%u",
			      1 + rnd(3));
	if (rnd(2))
		n += snprintf(buf + n, len - (size_t)n, ",nw_dst=10.0.%u.0/%u",
			      rnd(4), 22 + rnd(11) % 11);
	if (rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n, ",nw_src=10.1.0.%u",
			      rnd(4));
	if (strcmp(proto, "ip") != 0 && rnd(2))
		n += snprintf(buf + n, len - (size_t)n, ",tp_dst=%u",
			      80 + rnd(4));
	if (table > 0 && rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n, ",metadata=0x%x/0xf",
			      rnd(4));
	n += snprintf(buf + n, len - (size_t)n, ",actions=");
	if (rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n,
			      "set_field:10.9.9.%u->ip_dst,", rnd(255));
	if (strcmp(proto, "udp") == 0 && rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n,
			      "set_field:%u->udp_dst,", 1000 + rnd(9));
	if (rnd(4) == 0)
		n += snprintf(buf + n, len - (size_t)n, "dec_ttl,");
	if (rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n, "output:%u,",
			      1 + rnd(4));
	if (rnd(3) == 0)
		n += snprintf(buf + n, len - (size_t)n, "group:%u,",
			      1 + rnd(N_GROUPS));
	if (table < 2 && rnd(2)) {
		if (rnd(2))
			n += snprintf(buf + n, len - (size_t)n,
				      "write_metadata:0x%x/0xf,", rnd(4));
		n += snprintf(buf + n, len - (size_t)n, "goto_table:%u",
			      table + 1 + rnd(2 - table));
	} else {
		n += snprintf(buf + n, len - (size_t)n, "output:%u",
			      1 + rnd(4));
	}
}

static void
random_key(struct flow_key *k)
{
	static const uint8_t protos[] = { 6, 17, 1 };

	memset(k, 0, sizeof(*k));
	k->in_port = 1 + rnd(3);
	k->eth_type = htons(0x0800);
	k->eth_dst[5] = (uint8_t)rnd(3);
	k->eth_src[5] = 0x10;
	k->nw_proto = protos[rnd(3)];
	k->nw_ttl = (uint8_t)(1 + rnd(64));
	k->nw_src = htonl(0x0a010000u | rnd(6));
	k->nw_dst = htonl(0x0a000000u | rnd(5) << 8 | rnd(4));
	if (k->nw_proto != 1) {
		k->tp_src = htons((uint16_t)(1000 + rnd(3)));
		k->tp_dst = htons((uint16_t)(79 + rnd(6)));
	}
}

/* A bucket from comma-separated actions in flow syntax ("output:N" and
 * "group:N" by hand, the rest by the action text parser). */
static struct ofp_bucket
bucket(const char *actions, uint16_t weight, uint32_t watch_port)
{
	struct ofp_bucket b;
	char buf[256], *save = NULL;

	memset(&b, 0, sizeof(b));
	b.weight = weight;
	b.watch_port = watch_port;
	b.watch_group = OFPG_ANY;
	b.actions = calloc(8, sizeof(*b.actions));
	assert_non_null(b.actions);
	snprintf(buf, sizeof(buf), "%s", actions);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct ofpact *a = &b.actions[b.n_actions++];
		struct ofp_insts in;
		char err[128];
		unsigned v;

		memset(&in, 0, sizeof(in));
		if (sscanf(tok, "output:%u", &v) == 1) {
			a->type = OFPACT_OUTPUT;
			a->port = v;
		} else if (sscanf(tok, "group:%u", &v) == 1) {
			a->type = OFPACT_GROUP;
			a->id = v;
		} else {
			int rc = ofp_action_text_parse(tok, &in, a, err,
						       sizeof(err));

			if (rc != 0)
				fprintf(stderr, "%s: %d %s\n", tok, rc, err);
			assert_int_equal(rc, 0);
		}
	}
	return b;
}

/* Encodes, decodes and applies a group_mod (takes the buckets). */
static void
group_mod(struct ofproto *ofp, uint16_t cmd, uint8_t type, uint32_t id,
	  struct ofp_bucket *b, size_t n)
{
	struct ofp_group_mod *gm = calloc(1, sizeof(*gm));
	struct ofp_buf buf = OFP_BUF_INIT;
	bool changed;

	assert_non_null(gm);
	gm->command = cmd;
	gm->type = type;
	gm->group_id = id;
	gm->n_buckets = n;
	memcpy(gm->buckets, b, n * sizeof(*b));
	ofp_group_mod_encode(gm, 1, &buf);
	ofp_group_mod_free(gm);
	assert_int_equal(ofp_group_mod_decode(buf.data, buf.len, gm), 0);
	assert_int_equal(ofproto_group_mod(ofp, gm, &changed), 0);
	ofp_group_mod_free(gm);
	free(gm);
	ofp_buf_free(&buf);
}

/* Group 1 ALL (a rewrite in one bucket), 2 SELECT (weights 1:2:1), 3
 * INDIRECT chained to group 1, 4 FAST_FAILOVER over ports 2, 3, then 4. */
static void
add_groups(struct ofproto *ofp, uint16_t cmd)
{
	struct ofp_bucket b[3];

	b[0] = bucket("set_field:10.7.7.7->ipv4_dst,output:2", 0, OFPP13_ANY);
	b[1] = bucket("output:3", 0, OFPP13_ANY);
	group_mod(ofp, cmd, OFPGT_ALL, 1, b, 2);
	b[0] = bucket("output:1", 1, OFPP13_ANY);
	b[1] = bucket(rnd(2) ? "dec_ttl,output:2" : "output:4", 2,
		      OFPP13_ANY);
	b[2] = bucket("output:4", 1, OFPP13_ANY);
	group_mod(ofp, cmd, OFPGT_SELECT, 2, b, 3);
	b[0] = bucket("group:1", 0, OFPP13_ANY);
	group_mod(ofp, cmd, OFPGT_INDIRECT, 3, b, 1);
	b[0] = bucket("output:2", 0, 2);
	b[1] = bucket("set_field:10.6.6.6->ipv4_src,output:3", 0, 3);
	b[2] = bucket("output:4", 0, 4);
	group_mod(ofp, cmd, OFPGT_FF, 4, b, 3);
}

static void
setup_map(struct xlate_map *map, struct ofproto *ofp)
{
	memset(map, 0, sizeof(*map));
	map->bridges[0].ofp = ofp;
	for (uint32_t p = 0; p < 4; p++) {
		map->bridges[0].ports[p].ofport = p + 1;
		map->bridges[0].ports[p].dp_port = (int32_t)p;
	}
	map->bridges[0].n_ports = 4;
}

/* Every packet: megaflow hit → its actions must be the pipeline's; miss →
 * translate and install. Returns the number of hits. */
static unsigned
run_packets(const struct xlate_map *map, struct megaflow_table *t,
	    const struct flow_key *keys, unsigned n, unsigned *installs)
{
	unsigned hits = 0;

	for (unsigned i = 0; i < n; i++) {
		struct xlate_result xr;
		struct megaflow *mf = megaflow_lookup(t, &keys[i]);

		xlate_packet(map, &keys[i], &xr);
		if (mf != NULL) {
			hits++;
			if (!dp_actions_equal(&mf->actions, &xr.actions)) {
				fprintf(stderr, "packet %u: megaflow actions "
					"(%u) differ from the pipeline's "
					"(%u)\n", i, mf->actions.n,
					xr.actions.n);
				fail();
			}
			continue;
		}
		/* The mask must cover what the lookup consulted: the key
		 * must match its own megaflow. */
		mf = megaflow_insert(t, &keys[i], &xr.mask, &xr.actions,
				     xr.cookies, xr.n_cookies, NULL);
		assert_non_null(mf);
		assert_ptr_equal(megaflow_lookup(t, &keys[i]), mf);
		(*installs)++;
	}
	return hits;
}

struct reval_arg {
	const struct xlate_map *map;
	struct megaflow_table *t;
	unsigned kept, removed;
};

static void
reval_cb(struct megaflow *mf, void *arg)
{
	struct reval_arg *r = arg;

	if (xlate_megaflow_valid(r->map, &mf->key, mf->mask, &mf->actions,
				 mf->cookies, mf->n_cookies)) {
		r->kept++;
	} else {
		megaflow_remove(r->t, mf);
		r->removed++;
	}
}

static void
test_differential(void **state)
{
	unsigned total_hits = 0, total_installs = 0, rules_ok = 0;
	unsigned kept = 0, removed = 0, link_changes = 0, group_changes = 0;

	(void)state;
	for (unsigned round = 0; round < N_ROUNDS; round++) {
		struct ofproto *ofp = ofproto_create("diff", 1, NULL, NULL);
		struct megaflow_table *t = megaflow_table_create(4096, NULL);
		struct flow_key keys[N_PKTS];
		struct xlate_map *map = calloc(1, sizeof(*map));
		char rule[512], err[256];

		assert_non_null(ofp);
		assert_non_null(t);
		assert_non_null(map);
		for (uint32_t p = 1; p <= 4; p++) {
			uint8_t hw[6] = { 2, 0, 0, 0, 0, (uint8_t)p };
			char name[8];

			snprintf(name, sizeof(name), "p%u", p);
			assert_int_equal(ofproto_port_add(ofp, p, name, hw), 0);
		}
		setup_map(map, ofp);
		add_groups(ofp, OFPGC_ADD);
		for (unsigned r = 0; r < N_RULES; r++) {
			random_rule(rule, sizeof(rule));
			if (ofproto_add_flow_str(ofp, rule, err, sizeof(err))
			    == 0)
				rules_ok++;
		}
		for (unsigned i = 0; i < N_PKTS; i++)
			random_key(&keys[i]);
		total_hits += run_packets(map, t, keys, N_PKTS,
					  &total_installs);
		for (unsigned c = 0; c < N_CHANGES; c++) {
			struct reval_arg ra = { .map = map, .t = t };

			random_rule(rule, sizeof(rule));
			if (rnd(4) == 0) {
				/* Fast failover follows the links. */
				uint32_t port = 2 + rnd(2);

				ofproto_port_set_link(ofp, port, rnd(2));
				link_changes++;
			} else if (rnd(6) == 0) {
				add_groups(ofp, OFPGC_MODIFY);
				group_changes++;
			} else if (rnd(3) == 0) {
				char *a = strstr(rule, ",actions=");

				*a = '\0';
				ofproto_del_flows_str(ofp, rule, err,
						      sizeof(err));
			} else {
				ofproto_add_flow_str(ofp, rule, err,
						     sizeof(err));
			}
			megaflow_foreach(t, reval_cb, &ra);
			megaflow_synchronize(t);
			kept += ra.kept;
			removed += ra.removed;
			total_hits += run_packets(map, t, keys, N_PKTS,
						  &total_installs);
		}
		megaflow_table_destroy(t);
		ofproto_destroy(ofp);
		free(map);
	}
	printf("differential: %u rules accepted of %u, %u megaflow hits "
	       "checked, %u installs; revalidation kept %u, removed %u; "
	       "%u link changes, %u group changes\n",
	       rules_ok, N_ROUNDS * N_RULES, total_hits, total_installs, kept,
	       removed, link_changes, group_changes);
	assert_true(rules_ok > 0);
	assert_true(total_hits > 1000);
	assert_true(kept > 0);
	assert_true(link_changes > 0 && group_changes > 0);
}

/* xlate_reparse(): the key of the packet with the header actions so far
 * applied (a group's CLONE block left out), here an MPLS frame whose
 * label is pushed, then both labels popped: the IPv4 packet inside. */
static void
test_reparse(void **state)
{
	uint8_t f[14 + 4 + 20 + 8] = {
		0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x88, 0x47,
		0x00, 0x06, 0x41, 0x40,			/* label 100, BOS */
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 7,
		0x04, 0xd2, 0x00, 0x35, 0, 8, 0, 0,
	};
	struct ofpact acts[5];
	struct flow_key k;

	(void)state;
	memset(acts, 0, sizeof(acts));
	acts[0].type = OFPACT_PUSH_MPLS;
	acts[0].ethertype = 0x8847;
	acts[1].type = OFPACT_CLONE;	/* A bucket: not this packet. */
	acts[1].n_nested = 1;
	acts[2].type = OFPACT_POP_MPLS;
	acts[2].ethertype = 0x8847;
	acts[3].type = OFPACT_POP_MPLS;
	acts[3].ethertype = 0x8847;
	acts[4].type = OFPACT_POP_MPLS;
	acts[4].ethertype = 0x0800;
	assert_int_equal(xlate_reparse(NULL, f, sizeof(f), acts, 5, &k), 0);
	assert_int_equal(ntohs(k.eth_type), 0x0800);
	assert_int_equal(k.nw_proto, 17);
	assert_int_equal(ntohl(k.nw_dst), 0x0a000007);
	assert_int_equal(ntohs(k.tp_dst), 53);
	/* Before the last pop: still MPLS, the label of the frame. */
	assert_int_equal(xlate_reparse(NULL, f, sizeof(f), acts, 4, &k), 0);
	assert_int_equal(ntohs(k.eth_type), 0x8847);
	assert_int_equal(ntohl(k.mpls_lse) >> 12, 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_reparse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
