/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Megaflow classifier under concurrency: one reader thread (registered with
 * an rte_rcu_qsbr variable, reporting a quiescent state once per loop, as a
 * PMD does) looks up a fixed set of keys, through an EMC and through the
 * classifier, while the writer inserts, removes and synchronizes thousands
 * of times. Runs without rte_eal_init().
 *
 * Every megaflow carries a generation number (unique per insert) in its
 * actions and cookies. Checks on the reader side:
 *  - a hit's rule and key agree (the megaflow really matches the key);
 *  - a hit's actions and cookies agree (no torn or reused slot);
 *  - a hit's generation was not yet declared dead. The writer declares a
 *    generation dead only after megaflow_remove() + megaflow_synchronize()
 *    have returned, so a reader that finds it afterwards has found a
 *    megaflow whose grace period is over.
 * Errors are counted on the reader and asserted on the main thread.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/emc.h"
#include "dataplane/megaflow.h"

#define N_RULES 48
#define N_WRITER_OPS 50000	/* With two or more CPUs. */
#define N_WRITER_OPS_1CPU 1000	/* Each grace period costs a time slice. */
#define SYNC_EVERY 7
#define READER_ID 0

struct shared {
	struct megaflow_table *t;
	struct rte_rcu_qsbr *qs;
	struct flow_key keys[N_RULES];
	uint8_t *dead;			/* dead[gen]: atomic. */
	int stop;			/* atomic */
	int reader_ready;		/* atomic */
	/* Reader results. */
	uint64_t loops, hits, emc_hits, misses;
	uint64_t err_key, err_torn, err_dead, err_rule;
};

/* Rule r matches keys[r] only. Three masks, so subtables come and go. */
static struct flow_key
rule_mask(unsigned r)
{
	struct flow_key m;

	memset(&m, 0, sizeof(m));
	m.in_port = UINT32_MAX;
	m.nw_dst = UINT32_MAX;
	if (r % 3 >= 1)
		m.tp_dst = 0xffff;
	if (r % 3 == 2)
		m.eth_type = 0xffff;
	return m;
}

static struct flow_key
rule_key(unsigned r)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.eth_type = htons(0x0800);
	k.nw_proto = 17;
	k.nw_src = htonl(0x0a000000 + r);
	k.nw_dst = htonl(0xc0a80000 + r);
	k.tp_src = htons(1000);
	k.tp_dst = htons(53);
	return k;
}

static void
check_hit(struct shared *sh, unsigned r, const struct megaflow *mf)
{
	uint32_t rule = mf->actions.a[0].arg;
	uint32_t gen = mf->actions.a[1].arg;

	if (rule != r)
		sh->err_rule++;
	if (!flow_key_masked_equal(&sh->keys[r], mf->mask, &mf->key))
		sh->err_key++;
	if (mf->actions.n != 2 || mf->n_cookies != 1 ||
	    mf->cookies[0] != gen)
		sh->err_torn++;
	if (gen > N_WRITER_OPS ||
	    __atomic_load_n(&sh->dead[gen], __ATOMIC_ACQUIRE))
		sh->err_dead++;
}

static void *
reader_main(void *arg)
{
	struct shared *sh = arg;
	struct emc *emc = emc_create(64, 2);
	const struct flow_key *kp[N_RULES < 32 ? N_RULES : 32];
	struct megaflow *out[32];

	if (emc == NULL)
		return NULL;
	rte_rcu_qsbr_thread_register(sh->qs, READER_ID);
	rte_rcu_qsbr_thread_online(sh->qs, READER_ID);
	__atomic_store_n(&sh->reader_ready, 1, __ATOMIC_RELEASE);

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned r = 0; r < N_RULES; r++) {
			const struct flow_key *k = &sh->keys[r];
			uint32_t h = emc_hash(k);
			struct megaflow *mf = emc_lookup(emc, k, h);

			if (mf != NULL) {
				sh->emc_hits++;
				check_hit(sh, r, mf);
				continue;
			}
			mf = megaflow_lookup(sh->t, k);
			if (mf == NULL) {
				sh->misses++;
				continue;
			}
			sh->hits++;
			check_hit(sh, r, mf);
			emc_insert(emc, k, h, mf);
		}
		/* A burst over the first 32 keys. */
		for (unsigned i = 0; i < RTE_DIM(kp); i++)
			kp[i] = &sh->keys[i];
		megaflow_lookup_burst(sh->t, kp, RTE_DIM(kp), out);
		for (unsigned i = 0; i < RTE_DIM(kp); i++)
			if (out[i] != NULL)
				check_hit(sh, i, out[i]);

		sh->loops++;
		rte_rcu_qsbr_quiescent(sh->qs, READER_ID);
	}

	rte_rcu_qsbr_thread_offline(sh->qs, READER_ID);
	rte_rcu_qsbr_thread_unregister(sh->qs, READER_ID);
	emc_destroy(emc);
	return NULL;
}

static void
test_reader_writer(void **state)
{
	struct shared sh;
	struct megaflow *installed[N_RULES] = { 0 };
	static uint32_t pending_gens[N_WRITER_OPS];
	unsigned n_pending = 0, n_syncs = 0, n_inserts = 0, n_removes = 0;
	uint32_t n_ops = N_WRITER_OPS;
	cpu_set_t cpus;
	uint64_t x = 88172645463325252ull;
	size_t qs_size;
	pthread_t reader;

	(void)state;
	/* On one CPU the reader runs only when the writer's time slice
	 * ends: keep the run short there. */
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 &&
	    CPU_COUNT(&cpus) < 2)
		n_ops = N_WRITER_OPS_1CPU;
	memset(&sh, 0, sizeof(sh));
	qs_size = rte_rcu_qsbr_get_memsize(2);
	sh.qs = aligned_alloc(RTE_CACHE_LINE_SIZE,
			      RTE_ALIGN_CEIL(qs_size, RTE_CACHE_LINE_SIZE));
	assert_non_null(sh.qs);
	assert_int_equal(rte_rcu_qsbr_init(sh.qs, 2), 0);
	/* Fewer slots than rules: inserts hit the pool limit and reuse
	 * slots through megaflow_synchronize(). */
	sh.t = megaflow_table_create(N_RULES / 2, sh.qs);
	assert_non_null(sh.t);
	sh.dead = calloc(N_WRITER_OPS + 1, 1);
	assert_non_null(sh.dead);
	for (unsigned r = 0; r < N_RULES; r++)
		sh.keys[r] = rule_key(r);

	assert_int_equal(pthread_create(&reader, NULL, reader_main, &sh), 0);
	while (!__atomic_load_n(&sh.reader_ready, __ATOMIC_ACQUIRE))
		;

	for (uint32_t gen = 1; gen <= n_ops; gen++) {
		unsigned r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (unsigned)(x % N_RULES);
		if (installed[r] != NULL) {
			pending_gens[n_pending++] =
				installed[r]->actions.a[1].arg;
			megaflow_remove(sh.t, installed[r]);
			installed[r] = NULL;
			n_removes++;
		} else {
			struct flow_key k = sh.keys[r], m = rule_mask(r);
			struct dp_actions acts = { .n = 2 };
			uint64_t cookie = gen;
			struct megaflow *mf;

			acts.a[0].type = DP_ACTION_OUTPUT;
			acts.a[0].arg = r;
			acts.a[1].type = DP_ACTION_UPCALL;
			acts.a[1].arg = gen;
			/* A full pool with pending slots makes the insert
			 * synchronize by itself; the gens are declared dead
			 * only after our own megaflow_synchronize() calls. */
			mf = megaflow_insert(sh.t, &k, &m, &acts, &cookie, 1,
					     NULL);
			if (mf == NULL) {
				assert_int_equal(errno, ENOSPC);
				continue;
			}
			installed[r] = mf;
			n_inserts++;
		}
		if (gen % SYNC_EVERY == 0) {
			megaflow_synchronize(sh.t);
			for (unsigned i = 0; i < n_pending; i++)
				__atomic_store_n(&sh.dead[pending_gens[i]], 1,
						 __ATOMIC_RELEASE);
			n_pending = 0;
			n_syncs++;
		}
	}

	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(reader, NULL), 0);

	print_message("writer: %u inserts, %u removes, %u synchronizes; "
		      "reader: %llu loops, %llu hits, %llu EMC hits, "
		      "%llu misses\n", n_inserts, n_removes, n_syncs,
		      (unsigned long long)sh.loops,
		      (unsigned long long)sh.hits,
		      (unsigned long long)sh.emc_hits,
		      (unsigned long long)sh.misses);
	assert_int_equal(sh.err_rule, 0);
	assert_int_equal(sh.err_key, 0);
	assert_int_equal(sh.err_torn, 0);
	assert_int_equal(sh.err_dead, 0);
	assert_true(sh.loops > 0);
	assert_true(n_inserts > n_ops / 4);
	assert_true(n_syncs >= n_ops / SYNC_EVERY / 2);

	megaflow_flush(sh.t);
	megaflow_synchronize(sh.t);
	assert_int_equal(megaflow_count(sh.t), 0);
	megaflow_table_destroy(sh.t);
	free(sh.dead);
	free(sh.qs);
}

/* After remove + synchronize, a lookup on the same thread never finds
 * the megaflow, even with an EMC entry still pointing at its slot. */
static void
test_remove_synchronize_same_thread(void **state)
{
	size_t qs_size = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *qs = aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(qs_size, RTE_CACHE_LINE_SIZE));
	struct megaflow_table *t;
	struct emc *emc = emc_create(16, 1);
	struct flow_key k = rule_key(1), m = rule_mask(1);
	struct megaflow *mf;

	(void)state;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 1), 0);
	t = megaflow_table_create(4, qs);
	mf = megaflow_insert(t, &k, &m, NULL, NULL, 0, NULL);
	assert_non_null(mf);
	emc_insert(emc, &k, emc_hash(&k), mf);
	assert_ptr_equal(emc_lookup(emc, &k, emc_hash(&k)), mf);
	megaflow_remove(t, mf);
	megaflow_synchronize(t);
	assert_null(emc_lookup(emc, &k, emc_hash(&k)));
	assert_null(megaflow_lookup(t, &k));
	megaflow_table_destroy(t);
	emc_destroy(emc);
	free(qs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_synchronize_same_thread),
		cmocka_unit_test(test_reader_writer),
	};

	return cmocka_run_group_tests_name("megaflow_rcu", tests, NULL, NULL);
}
