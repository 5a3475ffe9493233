/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet figures for the dataplane lookup path, in ns and TSC cycles:
 * parse, EMC hit, megaflow hit with 1 / 10 / 20 subtables (single and
 * burst lookups), misses, and a miss through to install (lookup miss +
 * megaflow_insert + the lookup that then hits). Prints numbers only; never
 * fails on a figure.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_cycles.h>

#include "dataplane/emc.h"
#include "dataplane/flow_parse.h"
#include "dataplane/megaflow.h"

#define N_KEYS 4096
#define ROUNDS 200

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct flow_key keys[N_KEYS];
static volatile uintptr_t sink;
static double tsc_per_ns;

/* TSC ticks per ns, against CLOCK_MONOTONIC (no EAL here). */
static void
calibrate(void)
{
	double t0 = now_ns();
	uint64_t c0 = rte_rdtsc();

	while (now_ns() - t0 < 100e6)
		;
	tsc_per_ns = (double)(rte_rdtsc() - c0) / (now_ns() - t0);
	printf("TSC: %.3f GHz\n", tsc_per_ns);
}

/* Subtable s: in_port + eth_type + nw_dst/(8 + s) + tp_dst. Flow i of
 * subtable s: nw_dst (s + 1).x.y.z, tp_dst i. No overlaps. */
static void
build(struct megaflow_table *t, unsigned n_sub, unsigned per_sub)
{
	struct dp_actions acts = { .n = 1 };

	for (unsigned s = 0; s < n_sub; s++) {
		struct flow_key m;

		memset(&m, 0, sizeof(m));
		m.in_port = UINT32_MAX;
		m.eth_type = 0xffff;
		m.nw_dst = htonl(UINT32_MAX << (24 - s));
		m.tp_dst = 0xffff;
		for (unsigned i = 0; i < per_sub; i++) {
			struct flow_key k;

			memset(&k, 0, sizeof(k));
			k.in_port = 1;
			k.eth_type = htons(0x0800);
			k.nw_dst = htonl((s + 1) << 24);
			k.tp_dst = htons((uint16_t)i);
			if (megaflow_insert(t, &k, &m, &acts, NULL, 0, NULL) ==
			    NULL) {
				perror("megaflow_insert");
				exit(1);
			}
		}
	}
	/* Lookup keys: a hit in a random subtable, other bits random. */
	for (unsigned i = 0; i < N_KEYS; i++) {
		struct flow_key *k = &keys[i];
		unsigned s = (unsigned)rand() % n_sub;

		memset(k, 0, sizeof(*k));
		k->in_port = 1;
		k->eth_type = htons(0x0800);
		k->nw_proto = 17;
		k->nw_src = (uint32_t)rand();
		k->nw_dst = htonl((s + 1) << 24 | ((uint32_t)rand() & 0x1f));
		k->tp_src = (uint16_t)rand();
		k->tp_dst = htons((uint16_t)((unsigned)rand() % per_sub));
	}
}

static void
bench_megaflow(unsigned n_sub, bool miss)
{
	struct megaflow_table *t = megaflow_table_create(20000, NULL);
	const struct flow_key *kp[32];
	struct megaflow *out[32];
	double t0, single, burst;
	unsigned hits = 0;

	build(t, n_sub, 500);
	if (miss)
		for (unsigned i = 0; i < N_KEYS; i++)
			keys[i].in_port = 2;
	megaflow_synchronize(t);

	t0 = now_ns();
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned i = 0; i < N_KEYS; i++) {
			struct megaflow *mf = megaflow_lookup(t, &keys[i]);

			hits += mf != NULL;
			sink = (uintptr_t)mf;
		}
	single = (now_ns() - t0) / ((double)ROUNDS * N_KEYS);

	t0 = now_ns();
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned i = 0; i < N_KEYS; i += 32) {
			for (unsigned j = 0; j < 32; j++)
				kp[j] = &keys[i + j];
			hits += megaflow_lookup_burst(t, kp, 32, out);
			sink = (uintptr_t)out[0];
		}
	burst = (now_ns() - t0) / ((double)ROUNDS * N_KEYS);

	printf("megaflow %-4s %2u subtable(s), %5u flows: %6.1f ns (%4.0f "
	       "cycles)/lookup single, %6.1f ns (%4.0f cycles)/key burst-32 "
	       "(hits %u)\n", miss ? "miss" : "hit", n_sub, megaflow_count(t),
	       single, single * tsc_per_ns, burst, burst * tsc_per_ns, hits);
	megaflow_table_destroy(t);
}

static void
bench_emc(void)
{
	struct megaflow_table *t = megaflow_table_create(20000, NULL);
	struct emc *emc = emc_create(8192, 1);
	double t0, ns;
	unsigned hits = 0;

	build(t, 1, 1000);
	/* IPv4 keys as the parser leaves them: word map 0x1f. */
	for (unsigned i = 0; i < N_KEYS; i++)
		emc_insert_map(emc, &keys[i], emc_hash_map(&keys[i], 0x1f),
			       0x1f, megaflow_lookup(t, &keys[i]));
	t0 = now_ns();
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned i = 0; i < N_KEYS; i++) {
			uint32_t h = emc_hash_map(&keys[i], 0x1f);
			struct megaflow *mf = emc_lookup_map(emc, &keys[i], h,
							     0x1f);

			hits += mf != NULL;
			sink = (uintptr_t)mf;
		}
	ns = (now_ns() - t0) / ((double)ROUNDS * N_KEYS);
	printf("emc hit (hash + lookup), 4096 keys in 8192 entries: "
	       "%6.1f ns (%4.0f cycles)/lookup (hits %u of %u)\n", ns,
	       ns * tsc_per_ns, hits, ROUNDS * N_KEYS);
	emc_destroy(emc);
	megaflow_table_destroy(t);
}

static void
bench_parse(void)
{
	static const uint8_t frame[64] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x13, 0x88, 0x00, 0x35, 0, 26, 0, 0,
	};
	const uint8_t *volatile frame_v = frame;
	struct flow_key k;
	double t0, ns;
	unsigned n = 10000000, ok = 0;

	t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		ok += flow_parse(frame, sizeof(frame), i & 7, &k) ==
		      FLOW_PARSE_OK;
	ns = (now_ns() - t0) / n;
	sink = k.tp_dst;
	printf("flow_parse eth/ipv4/udp 64B: %6.1f ns (%4.0f cycles)/frame "
	       "(ok %u)\n", ns, ns * tsc_per_ns, ok);
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		uint32_t map;

		/* Through a volatile pointer: the compiler must not fold the
		 * constant frame into the loop. */
		ok += flow_parse_fast(frame_v, sizeof(frame), i & 7, &k,
				      &map) == FLOW_PARSE_OK;
		sink = k.tp_dst;
	}
	ns = (now_ns() - t0) / n;
	printf("flow_parse_fast (the PMD's): %6.1f ns (%4.0f cycles)/frame\n",
	       ns, ns * tsc_per_ns);
}

/* A miss through to install: the PMD's lookup misses, the slowpath
 * installs the megaflow (insert only: no OpenFlow pipeline here), the
 * next lookup hits. One new /32 megaflow per key. */
static void
bench_miss_install(void)
{
	enum { N = 100000 };
	struct megaflow_table *t = megaflow_table_create(N, NULL);
	struct dp_actions acts = { .n = 1 };
	struct flow_key m, k;
	double t0, ns;
	unsigned hits = 0;

	memset(&m, 0, sizeof(m));
	m.in_port = UINT32_MAX;
	m.eth_type = 0xffff;
	m.nw_src = UINT32_MAX;
	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.eth_type = htons(0x0800);
	t0 = now_ns();
	for (uint32_t i = 0; i < N; i++) {
		k.nw_src = htonl(0x0a000000 + i);
		hits += megaflow_lookup(t, &k) != NULL;
		megaflow_insert(t, &k, &m, &acts, NULL, 0, NULL);
		hits += megaflow_lookup(t, &k) != NULL;
	}
	ns = (now_ns() - t0) / N;
	printf("miss -> install -> hit, %u new /32 megaflows: %6.1f ns (%4.0f "
	       "cycles) each (hits %u)\n", N, ns, ns * tsc_per_ns, hits);
	megaflow_table_destroy(t);
}

int
main(void)
{
	srand(1);
	calibrate();
	bench_parse();
	bench_emc();
	bench_megaflow(1, false);
	bench_megaflow(10, false);
	bench_megaflow(20, false);
	bench_megaflow(1, true);
	bench_megaflow(10, true);
	bench_megaflow(20, true);
	bench_miss_install();
	return 0;
}
