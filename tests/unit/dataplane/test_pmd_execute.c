/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD's action executor on real mbufs: copies versus references for
 * outputs and clone blocks, meters, TTL expiry, skipped rewrites. Needs a
 * minimal EAL (--no-huge --no-pci --no-shconf, as root); skipped when it
 * cannot start. Outputs stay in the PMD's tx batches (flushed only at 32
 * packets or by the loop), where the test reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp_meter.h"
#include "dataplane/pmd.h"

static struct rte_mempool *pool;
static struct pmd_port_table ports;
static struct rte_rcu_qsbr *qs;
static bool eal_ok;

static const uint8_t frame[] = {
	/* Ethernet */
	2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	/* IPv4, 20 + 8 + 4 bytes, TTL 2, UDP, 10.0.0.1 → 10.0.0.2 */
	0x45, 0, 0, 32, 0, 0, 0x40, 0, 2, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	/* UDP 1000 → 2000, no checksum */
	0x03, 0xe8, 0x07, 0xd0, 0, 12, 0, 0, 0xde, 0xad, 0xbe, 0xef,
};

static struct rte_mbuf *
make_pkt(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, sizeof(frame));
	memcpy(d, frame, sizeof(frame));
	memset(pmd_mbuf_priv(m), 0, sizeof(struct pmd_mbuf_priv));
	return m;
}

static struct pmd *
new_pmd(void)
{
	struct pmd *pmd = pmd_create(0, rte_lcore_id(), &ports, qs, 64, 1,
				     64, 64);

	assert_non_null(pmd);
	return pmd;
}

static void
drain_tx(struct pmd *pmd)
{
	for (unsigned p = 0; p < PMD_MAX_PORTS; p++) {
		for (unsigned i = 0; i < pmd->tx[p].n; i++)
			rte_pktmbuf_free(pmd->tx[p].pkts[i]);
		pmd->tx[p].n = 0;
	}
}

static int
setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "64",
			 "--no-shconf", "--log-level", "error", "-l", "0",
			 NULL };

	(void)state;
	if (rte_eal_init(10, argv) < 0)
		return 0;
	pool = rte_pktmbuf_pool_create("t", 1024, 0,
		RTE_ALIGN(sizeof(struct pmd_mbuf_priv), RTE_MBUF_PRIV_ALIGN),
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	qs = calloc(1, rte_rcu_qsbr_get_memsize(4));
	if (pool == NULL || qs == NULL || rte_rcu_qsbr_init(qs, 4) != 0)
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		ports.ports[i].in_use = true;
		ports.ports[i].ofport = i + 1;
	}
	ports.n_ports = 3;
	eal_ok = true;
	return 0;
}

#define NEED_EAL() do { if (!eal_ok) skip(); } while (0)

static void
test_outputs_copy_or_share(void **state)
{
	struct pmd *pmd;
	struct dp_actions l;
	static const uint8_t mac[6] = { 0xaa, 0, 0, 0, 0, 0xbb };
	struct rte_mbuf *a, *b;

	(void)state;
	NEED_EAL();
	pmd = new_pmd();
	/* Two plain outputs: one mbuf, two references. */
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	assert_true(dp_actions_finish(&l));
	pmd_execute(pmd, make_pkt(), &l, 0);
	assert_int_equal(pmd->tx[0].n, 1);
	assert_int_equal(pmd->tx[1].n, 1);
	assert_ptr_equal(pmd->tx[0].pkts[0], pmd->tx[1].pkts[0]);
	assert_int_equal(rte_mbuf_refcnt_read(pmd->tx[0].pkts[0]), 2);
	drain_tx(pmd);

	/* A rewrite between the outputs: the first one gets a copy. */
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	dp_actions_add_set_field(&l, DP_FIELD_ETH_DST, mac, NULL, 6);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	assert_true(dp_actions_finish(&l));
	pmd_execute(pmd, make_pkt(), &l, 0);
	a = pmd->tx[0].pkts[0];
	b = pmd->tx[1].pkts[0];
	assert_ptr_not_equal(a, b);
	assert_memory_equal(rte_pktmbuf_mtod(a, uint8_t *), frame,
			    sizeof(frame));
	assert_memory_equal(rte_pktmbuf_mtod(b, uint8_t *), mac, 6);
	assert_int_equal(rte_mbuf_refcnt_read(a), 1);
	drain_tx(pmd);
	pmd_destroy(pmd);
}

static void
test_clone_blocks(void **state)
{
	struct pmd *pmd;
	struct dp_actions l;
	struct rte_mbuf *a, *b, *c;

	(void)state;
	NEED_EAL();
	pmd = new_pmd();
	/* output:0, clone(push_vlan, output:1), clone(output:2) */
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 2);
	dp_actions_add(&l, DP_ACTION_PUSH_VLAN, 0, 0x8100);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 1);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 2);
	assert_true(dp_actions_finish(&l));
	pmd_execute(pmd, make_pkt(), &l, 0);
	a = pmd->tx[0].pkts[0];
	b = pmd->tx[1].pkts[0];
	c = pmd->tx[2].pkts[0];
	assert_int_equal(rte_pktmbuf_pkt_len(a), sizeof(frame));
	assert_int_equal(rte_pktmbuf_pkt_len(b), sizeof(frame) + 4);
	assert_int_equal(rte_pktmbuf_data_len(b), sizeof(frame) + 4);
	assert_int_equal(rte_pktmbuf_mtod(b, uint8_t *)[12], 0x81);
	assert_memory_equal(rte_pktmbuf_mtod(c, uint8_t *), frame,
			    sizeof(frame));
	drain_tx(pmd);

	/* A last clone block that rewrites a packet an earlier output still
	 * holds: it must work on a copy. */
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 1);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	dp_actions_add(&l, DP_ACTION_CLONE, 0, 3);
	dp_actions_add(&l, DP_ACTION_POP_VLAN, 0, 0);	/* skipped */
	dp_actions_add(&l, DP_ACTION_SET_NW_TTL, 0, 9);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 1);
	assert_true(dp_actions_finish(&l));
	pmd_execute(pmd, make_pkt(), &l, 0);
	a = pmd->tx[0].pkts[0];
	b = pmd->tx[1].pkts[0];
	assert_ptr_not_equal(a, b);
	assert_int_equal(rte_pktmbuf_mtod(a, uint8_t *)[22], 2);
	assert_int_equal(rte_pktmbuf_mtod(b, uint8_t *)[22], 9);
	assert_int_equal(pmd->stats.action_skips, 1);
	drain_tx(pmd);
	pmd_destroy(pmd);
}

static void
test_ttl_expiry(void **state)
{
	struct pmd *pmd;
	struct dp_actions l;
	struct rte_mbuf *m;
	void *obj;

	(void)state;
	NEED_EAL();
	pmd = new_pmd();
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_DEC_NW_TTL, 2, 0xffff);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	assert_true(dp_actions_finish(&l));
	/* TTL 2 → 1: forwarded. */
	pmd_execute(pmd, make_pkt(), &l, 0);
	assert_int_equal(pmd->tx[0].n, 1);
	m = pmd->tx[0].pkts[0];
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[22], 1);
	pmd->tx[0].n = 0;
	/* TTL 1: a counted drop ... */
	pmd_execute(pmd, m, &l, 0);
	assert_int_equal(pmd->tx[0].n, 0);
	assert_int_equal(pmd->stats.ttl_drops, 1);
	/* ... or a packet-in with reason OFPR_INVALID_TTL. */
	l.a[0].flags |= DP_ACT_F_TTL_UPCALL;
	m = make_pkt();
	rte_pktmbuf_mtod(m, uint8_t *)[22] = 1;
	pmd_execute(pmd, m, &l, 0);
	assert_int_equal(rte_ring_dequeue(pmd->upcall_ring, &obj), 0);
	assert_ptr_equal(obj, m);
	assert_int_equal(pmd_mbuf_priv(m)->upcall_kind, PMD_UPCALL_ACTION);
	assert_int_equal(pmd_mbuf_priv(m)->upcall_reason, 2);
	rte_pktmbuf_free(m);
	pmd_destroy(pmd);
}

static void
test_meter_drops(void **state)
{
	struct dp_meter_band_conf band = {
		.type = DP_METER_BAND_DROP, .rate = 1, .burst = 1,
	};
	struct pmd *pmd;
	struct dp_actions l;
	int slot;

	(void)state;
	NEED_EAL();
	pmd = new_pmd();
	slot = dp_meter_set(0, 1, false, &band, 1, 1000000, NULL);
	assert_true(slot >= 0);
	memset(&l, 0, sizeof(l));
	dp_actions_add(&l, DP_ACTION_METER, 0, (uint32_t)slot);
	dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0);
	assert_true(dp_actions_finish(&l));
	/* Same TSC instant: the burst of one passes, the rest drop. */
	pmd->now_tsc = 5000000;
	for (int i = 0; i < 5; i++)
		pmd_execute(pmd, make_pkt(), &l, 0);
	assert_int_equal(pmd->tx[0].n, 2);	/* burst 1 + tolerance */
	assert_int_equal(pmd->stats.meter_drops, 3);
	drain_tx(pmd);
	dp_meter_del(0, 1, NULL);
	pmd_destroy(pmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_copy_or_share),
		cmocka_unit_test(test_clone_blocks),
		cmocka_unit_test(test_ttl_expiry),
		cmocka_unit_test(test_meter_drops),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
