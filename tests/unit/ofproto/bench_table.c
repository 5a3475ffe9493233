/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table scale: insert and lookup cost at 10k, 100k and 1M rules in one
 * table (tuple space search, several masks and priorities), and a lookup
 * through the whole pipeline (ofproto_lookup) at each size; then a bundle
 * commit of the same rules with and without CHECK_OVERLAP on every add
 * (the model's lock is held for the whole commit). Prints figures; never
 * fails on them. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_table.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "ofproto_priv.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Rule i: one of four shapes (masks), each with its own priority band. */
static void
make_rule(size_t i, struct ofp_flow_mod *fm)
{
	memset(fm, 0, sizeof(*fm));
	fm->command = OFPFC_ADD;
	fm->buffer_id = OFP_NO_BUFFER;
	fm->out_port = OFPP13_ANY;
	fm->out_group = OFPG_ANY;
	fm->insts.has_apply = true;
	fm->insts.n_apply = 1;
	fm->insts.apply[0].type = OFPACT_OUTPUT;
	fm->insts.apply[0].port = 1 + (uint32_t)(i % 4);
	struct flow_key *k = &fm->match.key, *m = &fm->match.mask;
	k->eth_type = htons(0x0800);
	m->eth_type = 0xffff;
	uint32_t ip = 0x0a000000u + (uint32_t)i;
	switch (i % 4) {
	case 0:		/* /32 destination */
		k->nw_dst = htonl(ip);
		m->nw_dst = 0xffffffffu;
		fm->priority = 400;
		break;
	case 1:		/* /32 source + TCP port */
		k->nw_src = htonl(ip);
		m->nw_src = 0xffffffffu;
		k->nw_proto = 6;
		m->nw_proto = 0xff;
		k->tp_dst = htons((uint16_t)(i >> 2));
		m->tp_dst = 0xffff;
		fm->priority = 300;
		break;
	case 2:		/* in_port + destination /32 */
		k->in_port = (uint32_t)(i % 64) + 1;
		m->in_port = UINT32_MAX;
		k->nw_dst = htonl(ip);
		m->nw_dst = 0xffffffffu;
		fm->priority = 200;
		break;
	default:	/* destination /24 */
		k->nw_dst = htonl(ip & 0xffffff00u);
		m->nw_dst = htonl(0xffffff00u);
		fm->priority = 100 + (uint16_t)(i % 50);
		break;
	}
}

static void
key_for(size_t i, struct flow_key *k)
{
	uint32_t ip = 0x0a000000u + (uint32_t)i;

	memset(k, 0, sizeof(*k));
	k->in_port = (uint32_t)(i % 64) + 1;
	k->eth_type = htons(0x0800);
	k->nw_proto = 6;
	k->nw_src = htonl(ip);
	k->nw_dst = htonl(ip);
	k->tp_dst = htons((uint16_t)(i >> 2));
}

static void
run(size_t n)
{
	struct ofproto *ofp = ofproto_create("bench", 1, NULL, NULL);
	struct ofp_flow_mod *fm = malloc(sizeof(*fm));
	struct ofproto_lookup_result *res = malloc(sizeof(*res));
	bool changed;
	size_t lookups = 200000, hits = 0;

	if (ofp == NULL || fm == NULL || res == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	uint64_t t0 = ofp_time_ns();
	for (size_t i = 0; i < n; i++) {
		make_rule(i, fm);
		if (ofproto_apply_flow_mod(ofp, fm, &changed) != OFPERR_OK) {
			fprintf(stderr, "insert %zu failed\n", i);
			exit(1);
		}
	}
	uint64_t t1 = ofp_time_ns();
	struct flow_key k, mask;
	for (size_t i = 0; i < lookups; i++) {
		key_for((size_t)(rnd() % n), &k);
		memset(&mask, 0, sizeof(mask));
		hits += ofp_table_lookup(&ofp->tables[0], &k, &mask, 0) != NULL;
	}
	uint64_t t2 = ofp_time_ns();
	for (size_t i = 0; i < lookups; i++) {
		key_for((size_t)(rnd() % n), &k);
		ofproto_lookup(ofp, &k, res);
	}
	uint64_t t3 = ofp_time_ns();
	printf("rules %8zu: insert %7.0f ns/rule, table lookup %6.0f ns, "
	       "pipeline lookup %6.0f ns (%zu subtables, %zu%% hits)\n", n,
	       (double)(t1 - t0) / (double)n,
	       (double)(t2 - t1) / (double)lookups,
	       (double)(t3 - t2) / (double)lookups,
	       ofp_table_n_subtables(&ofp->tables[0]), hits * 100 / lookups);
	fflush(stdout);
	free(fm);
	free(res);
	ofproto_destroy(ofp);
}

static bool bundle_overlap;

static enum ofperr
bundle_source(void *arg, size_t i, struct ofp_flow_mod *fm)
{
	(void)arg;
	make_rule(i, fm);
	if (bundle_overlap)
		fm->flags |= OFPFF_CHECK_OVERLAP;
	return OFPERR_OK;
}

/* Milliseconds of one commit of n adds into an empty table. */
static double
commit_ms(size_t n, bool overlap)
{
	struct ofproto *ofp = ofproto_create("bench", 1, NULL, NULL);
	size_t failed;
	bool changed;

	bundle_overlap = overlap;
	uint64_t t0 = ofp_time_ns();
	enum ofperr err = ofproto_commit_flow_mods(ofp, bundle_source, NULL, n,
						   &failed, &changed);
	uint64_t t1 = ofp_time_ns();
	if (err != OFPERR_OK) {
		fprintf(stderr, "commit of %zu failed at %zu: %s\n", n, failed,
			ofperr_name(err));
		exit(1);
	}
	ofproto_destroy(ofp);
	return (double)(t1 - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	size_t max = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;

	for (size_t n = 10000; n <= max; n *= 10)
		run(n);
	printf("\n| bundle adds | commit (ms) | with check_overlap (ms) | ratio |\n"
	       "|---:|---:|---:|---:|\n");
	for (size_t n = 10000; n <= 262144 && n <= max; n *= 4) {
		double plain = commit_ms(n, false), ov = commit_ms(n, true);

		printf("| %zu | %.1f | %.1f | %.2f |\n", n, plain, ov, ov / plain);
		fflush(stdout);
	}
	return 0;
}
