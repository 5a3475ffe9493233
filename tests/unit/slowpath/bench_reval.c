/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Figures: the cost of revalidating one megaflow (xlate_megaflow_valid():
 * one pipeline lookup and translation of its masked key), with 100,000
 * megaflows over a two-table rule set of 1,000 rules. The slowpath's
 * SLOWPATH_REVAL_MAX / SLOWPATH_REVAL_BUDGET_MS come from these figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "dataplane/megaflow.h"
#include "slowpath/xlate.h"

#define N_MF 100000
#define N_RULES 1000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ctx {
	const struct xlate_map *map;
	unsigned valid;
};

static void
cb(struct megaflow *mf, void *arg)
{
	struct ctx *c = arg;

	c->valid += xlate_megaflow_valid(c->map, &mf->key, mf->mask,
					 &mf->actions, mf->cookies,
					 mf->n_cookies);
}

int
main(void)
{
	struct ofproto *ofp = ofproto_create("bench", 1, NULL, NULL);
	struct megaflow_table *t = megaflow_table_create(N_MF, NULL);
	struct xlate_map *map = calloc(1, sizeof(*map));
	struct ctx c = { .map = map };
	char rule[256], err[256];
	double t0, t1;

	if (ofp == NULL || t == NULL || map == NULL)
		return 1;
	map->bridges[0].ofp = ofp;
	for (uint32_t p = 0; p < 4; p++) {
		uint8_t hw[6] = { 2, 0, 0, 0, 0, (uint8_t)(p + 1) };
		char name[8];

		snprintf(name, sizeof(name), "p%u", p + 1);
		ofproto_port_add(ofp, p + 1, name, hw);
		map->bridges[0].ports[p].ofport = p + 1;
		map->bridges[0].ports[p].dp_port = (int32_t)p;
	}
	map->bridges[0].n_ports = 4;
	snprintf(rule, sizeof(rule), "table=0,priority=1,ip,actions=goto_table:1");
	ofproto_add_flow_str(ofp, rule, err, sizeof(err));
	for (unsigned r = 0; r < N_RULES; r++) {
		snprintf(rule, sizeof(rule),
			 "table=1,priority=10,udp,nw_dst=10.%u.%u.0/24,"
			 "actions=output:%u", r / 256, r % 256, 2 + r % 3);
		ofproto_add_flow_str(ofp, rule, err, sizeof(err));
	}
	/* 100,000 megaflows over the 1,000 /24 rules (nw_src made exact in
	 * each mask so that they are distinct). */
	for (unsigned i = 0; i < N_MF; i++) {
		struct flow_key k;
		struct xlate_result xr;

		memset(&k, 0, sizeof(k));
		k.in_port = 1;
		k.eth_type = htons(0x0800);
		k.nw_proto = 17;
		k.nw_dst = htonl(0x0a000000u | (i % N_RULES) << 8);
		k.nw_src = htonl(i);
		xlate_packet(map, &k, &xr);
		xr.mask.nw_src = UINT32_MAX;
		megaflow_insert(t, &k, &xr.mask, &xr.actions, xr.cookies,
				xr.n_cookies, NULL);
	}
	t0 = now_s();
	megaflow_foreach(t, cb, &c);
	t1 = now_s();
	printf("revalidation: %u megaflows (%u still valid), %u rules: "
	       "%.3f s, %.2f us per megaflow\n", megaflow_count(t), c.valid,
	       N_RULES + 1, t1 - t0, (t1 - t0) * 1e6 / megaflow_count(t));
	megaflow_table_destroy(t);
	ofproto_destroy(ofp);
	free(map);
	return 0;
}
