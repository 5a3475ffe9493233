/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_PMD_H
#define PMDSWITCH_PMD_H

/*
 * PMD threads: one per core of datapath.pmd-cores, each polling its rx
 * queues in bursts: parse → EMC → megaflow classifier → execute datapath
 * actions → per-port tx batches flushed at the end of every iteration.
 * Misses go to the slowpath over the PMD's upcall ring; the slowpath hands
 * packets back to execute over the PMD's exec ring (so every tx queue has
 * one writer: tx queue i of every port belongs to PMD i).
 *
 * Every mbuf carries a struct pmd_mbuf_priv in its private area (the mbuf
 * pool is created with priv_size = sizeof(struct pmd_mbuf_priv)): the
 * reason it went up, or the actions to execute when it comes back.
 *
 * Thread safety:
 *  - struct pmd fields are set up before the PMD starts and not changed
 *    while it runs, except `stop` (set by the main thread) and the rx
 *    queue list: the PMD reads it through an RCU-published pointer, once
 *    per iteration; pmd_add_rxq() and pmd_rxq_rebalance() (rxq_sched.h)
 *    build a new list, publish it and free the old one after a grace
 *    period. Those writers run on one control thread at a time; readers
 *    of pmd_rxq_count() / pmd_rxq_at() run on that thread too.
 *  - A struct pmd_rxq moves between PMDs whole (its counters with it),
 *    and is never polled by two PMDs at once: a move first removes it
 *    from its PMD, waits a grace period, then gives it to the new one.
 *  - Counters in struct pmd_stats are written by the PMD only, with
 *    relaxed atomic stores; readers sum them when they read.
 *  - The megaflow table is read by the PMD under RCU (the PMD reports a
 *    quiescent state once per loop) and written by the slowpath.
 *  - Datapath actions (pmd_execute()): header rewrites work on the mbuf's
 *    first segment in place (dp_packet.h); an output or clone block that
 *    a later rewrite would change gets a copy (rte_pktmbuf_copy from the
 *    packet's pool, DP_ACT_F_COPY), else a reference; meters are the
 *    shared dp_meter table (atomics, RCU-published configuration). No
 *    lock, no system call, no allocation beyond those mbuf copies; what
 *    cannot be done is counted (action_skips, ttl_drops, meter_drops,
 *    copy_fails).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp_actions.h"
#include "dp_wake.h"
#include "emc.h"
#include "flow_key.h"
#include "megaflow.h"
#include "pmd_budget.h"
#include "pmd_shed.h"
#include "tnl_dp.h"

#define PMD_BURST 32
#define PMD_MAX_PORTS 64
#define PMD_MAX_RXQS 64
#define PMD_MAX 16
/* While a miss upcall is in flight, the packets behind it from the same rx
 * queue wait in the PMD (parked) and are looked up again once it is
 * installed and its packet is back: a burst of new flows that one
 * megaflow covers costs one upcall, not one per flow, and no packet
 * overtakes an earlier one of its flow. Ordering is kept per rx queue
 * (per stall slot, PMD_STALL_SLOTS, a hash of port and queue): packets of
 * another queue do not wait, so established flows on one port keep their
 * rate while another port receives a storm of new flows.
 * The waiting room is a FIFO ring of PMD_PARK_MAX packets. A queue whose
 * packets would have to wait is not polled while the room has fewer than
 * PMD_BURST + PMD_PARK_RESERVE free places (the reserve is for queues
 * that are not waiting), any queue not while it has fewer than PMD_BURST
 * (rx_held): packets wait in the devices' rx rings instead of being
 * dropped. A burst of new flows on one queue is therefore loss-free up to
 * PMD_PARK_MAX - PMD_PARK_RESERVE plus that queue's rx ring size (rxq-size,
 * 1024 by default), whatever the rate. */
#define PMD_PARK_MAX 4096	/* A power of two. */
#define PMD_PARK_RESERVE 256
#define PMD_STALL_SLOTS 64	/* Bits of a uint64_t. */
/* Distinct waiting flows process_parked() sends up at once. */
#define PMD_PARKED_UPCALLS 8

/* Why a packet went up to the slowpath. */
enum pmd_upcall_kind {
	PMD_UPCALL_MISS = 1,	/* No cache entry: run the pipeline. */
	PMD_UPCALL_ACTION,	/* A DP_ACTION_UPCALL (packet-in) action. */
	PMD_UPCALL_TNL_ARP,	/* An ARP reply to a tunnel endpoint (the
				 * endpoint index in upcall_arg). */
};

/* The upcall fields (up to `actions`) travel with a packet's copies. For
 * PMD_UPCALL_ACTION they are the action's struct dp_upcall_info, copied by
 * the PMD only when a packet goes up (nothing on the forwarding path). */
struct pmd_mbuf_priv {
	uint32_t upcall_kind;	/* enum pmd_upcall_kind, on the way up. */
	uint32_t upcall_arg;	/* PMD_UPCALL_ACTION: dp_upcall_info.arg
				 * (max_len and context, see xlate.h). */
	uint8_t upcall_reason;	/* PMD_UPCALL_ACTION: packet-in reason. */
	uint8_t upcall_table_id;	/* PMD_UPCALL_ACTION: the rule's */
	uint16_t upcall_in_phy_port;	/* table, cookie, and the pipeline */
	uint32_t in_port;	/* ofport the packet came in on. */
	uint32_t in_dp_port;	/* Datapath port index it came in on. */
	uint32_t pad2;
	uint64_t upcall_cookie;		/* fields then (dp_upcall_info). */
	uint64_t upcall_metadata;
	uint64_t upcall_tunnel_id;
	uint32_t upcall_tun_src;
	uint32_t upcall_tun_dst;
	/* A miss from a tunnel port: the tunnel metadata of its key (the
	 * mbuf holds the inner frame only). */
	uint16_t in_phy_port;
	uint16_t pad3[3];
	uint64_t tun_id;
	uint32_t tun_src;
	uint32_t tun_dst;
	struct dp_actions actions;	/* On the way back: what to do. */
};

static inline struct pmd_mbuf_priv *
pmd_mbuf_priv(struct rte_mbuf *m)
{
	return (struct pmd_mbuf_priv *)rte_mbuf_to_priv(m);
}

/* A datapath port as the PMDs see it: index = datapath port number, the
 * "arg" of DP_ACTION_OUTPUT. */
struct pmd_port {
	bool in_use;
	uint16_t dpdk_port_id;
	uint32_t ofport;
	/* sFlow: sample 1 in sample_rate received packets (0: off). Written
	 * by the control thread (relaxed atomic), read once per burst. */
	uint32_t sample_rate;
	/* Capture: PMD_CAPTURE_RX / _TX bits (0: off), written like
	 * sample_rate; the copies go to pmd_port_table.capture. */
	uint32_t capture;
};

/* The datapath port table, shared read-only by all PMDs while they run. */
struct pmd_port_table {
	uint32_t n_ports;		/* Highest index in use + 1. */
	struct pmd_port ports[PMD_MAX_PORTS];
	/* The running capture (pmd_observe.h), published before any port's
	 * capture bits are set, cleared a grace period after they are. */
	struct pmd_capture *capture;
};

struct pmd_rxq {
	uint32_t dp_port;	/* Index into the port table. */
	uint16_t dpdk_port_id;
	uint16_t queue_id;
	uint32_t ofport;
	struct pmd_shed shed;	/* Upcall storm backoff (pmd_shed.h), in
				 * the padding before `packets`. */
	bool miss_burst;	/* Its last burst had misses: the next one
				 * is measured from before the rx call (the
				 * miss budget, pmd_budget.h). */
	uint64_t packets;	/* Received on this queue by its PMD. */
	uint64_t cycles;	/* Cycles spent on this queue's bursts. */
	uint64_t cycles_base;	/* Control thread: cycles at the last
				 * rebalance. */
	uint32_t sample_left;	/* sFlow: packets to the next sample
				 * (0: not armed), pmd_observe.c. */
	uint32_t sample_rate;	/* The rate sample_left was armed for. */
	/* Written by the PMD that polls the queue: */
	struct megaflow *last_mf;	/* The last burst's last megaflow ... */
	uint64_t last_mf_pmd;		/* ... in the table of this PMD (uid:
					 * the queue may have moved), */
	uint32_t last_mf_serial;	/* ... its serial then, */
	bool last_mf_off;		/* ... whether checking it pays, */
	uint32_t last_mf_tries;		/* ... bursts since it did not. */
	uint64_t shed_polls;	/* Poll rounds this queue was skipped
				 * because its bursts lost upcalls. */
};

/* The rx queues one PMD polls (RCU-published). */
struct pmd_rxq_list {
	uint32_t n;
	struct pmd_rxq *q[PMD_MAX_RXQS];
};

struct pmd_stats {
	uint64_t packets;	/* Received from rx queues. */
	uint64_t bytes;
	uint64_t emc_hits;
	uint64_t megaflow_hits;
	uint64_t misses;	/* Neither cache had it. */
	uint64_t upcalls;	/* Sent to the slowpath (miss or action). */
	uint64_t lost_upcalls;	/* Upcall ring full: dropped. */
	uint64_t exec_packets;	/* Handed back by the slowpath. */
	uint64_t parse_errors[FLOW_PARSE_N_RESULTS];
	uint64_t tx_packets;
	uint64_t tx_drops;	/* The device did not take them. */
	uint64_t action_drops;	/* Dropped by an empty action list. */
	uint64_t busy_cycles;	/* Iterations that handled packets. */
	uint64_t idle_cycles;	/* Iterations that found nothing. */
	uint64_t parked;	/* Misses that waited for an in-flight upcall. */
	uint64_t park_overflows;	/* Waiting room full: dropped. */
	uint64_t rx_held;	/* Iterations that did not poll rx: the
				 * waiting room had no room for a burst. */
	uint64_t subtable_lookups;	/* Subtables probed for the megaflow
					 * hits (average = this / hits). */
	uint64_t action_skips;	/* Header action on a packet without
				 * that header: skipped. */
	uint64_t ttl_drops;	/* DEC_*_TTL on TTL <= 1, not sent up. */
	uint64_t meter_drops;	/* Dropped by a meter band. */
	uint64_t copy_fails;	/* No mbuf for a copy (output/clone). */
	uint64_t emc_bypassed;	/* Looked up with the EMC bypassed. */
	uint64_t megaflow_reused;	/* Megaflow hits found by matching the
					 * previous burst's last megaflow, with
					 * no classifier lookup. */
	uint64_t sflow_samples;		/* Flow samples put on sample_ring. */
	uint64_t sflow_sample_drops;	/* sample_ring full: sample lost. */
	uint64_t shed_polls;	/* Rx queue poll rounds skipped: the queue's
				 * bursts lost upcalls (pmd_shed.h). */
	uint64_t upcall_budget_drops;	/* Misses dropped (also counted in
					 * lost_upcalls): the miss budget
					 * was spent while cached traffic
					 * waited (pmd_budget.h). */
};

/* A miss waiting for the in-flight upcalls to be installed. */
struct pmd_parked {
	struct rte_mbuf *m;	/* NULL: released (during a pass). */
	uint32_t hash;
	uint32_t map;		/* The parser's word map of key. */
	uint16_t slot;		/* Its rx queue's stall slot. */
	struct flow_key key;
};

/* Ordering state of the rx queues that hash to one slot. The slot is
 * stalled (new packets wait) while it has parked packets or its miss
 * upcalls up to number `seq` (miss_upcalls_sent) are not all done. */
struct pmd_stall {
	uint64_t seq;
	uint32_t n_parked;
};

struct pmd_tx_batch {
	uint16_t n;
	struct rte_mbuf *pkts[PMD_BURST];
};

struct pmd {
	unsigned lcore_id;
	unsigned index;			/* 0..n_pmds-1 = its tx queue id. */
	unsigned rcu_thread_id;
	const struct pmd_port_table *ports;
	struct rte_rcu_qsbr *qs;
	struct megaflow_table *megaflows;
	struct emc *emc;
	struct rte_ring *upcall_ring;	/* PMD → slowpath, SP/SC. */
	struct rte_ring *exec_ring;	/* slowpath, packet-out → PMD, MP/SC. */
	struct rte_ring *sample_ring;	/* PMD → sFlow agent, SP/SC, elements
					 * struct pmd_sample (pmd_observe.h). */
	uint32_t rng;			/* xorshift32 state (sampling). */
	struct pmd_rxq_list *rxqs;	/* RCU-published, never NULL. */
	struct pmd_stats stats;
	struct tnl_pmd_stats tnl_stats;	/* Tunnels (tnl_dp.h). */
	struct pmd_tx_batch tx[PMD_MAX_PORTS];
	/* Packets a port's tx queue refused (freed here), per datapath port:
	 * written by the PMD (relaxed), summed by pmd_port_tx_drops(). */
	uint64_t port_tx_drops[PMD_MAX_PORTS];
	uint64_t now_ms;		/* Refreshed once per iteration. */
	uint64_t now_tsc;		/* TSC, refreshed once per iteration. */
	uint64_t miss_upcalls_sent;	/* Written by the PMD. */
	uint64_t miss_upcalls_done;	/* Written by the slowpath, after it
					 * installed and handed the packet
					 * back (atomic release). */
	uint64_t done_snapshot;		/* miss_upcalls_done as read at the
					 * start of this iteration, before
					 * the exec ring was drained. */
	uint64_t uid;			/* Unique among the PMDs ever created. */
	struct dp_wake *wake;		/* The slowpath's (atomic pointer,
					 * NULL: none); kicked once per
					 * iteration that sent upcalls. */
	bool upcalls_sent;		/* In this iteration. */
	uint32_t n_parked;		/* Waiting packets, from ... */
	uint32_t park_head;		/* ... this index of parked[]. */
	uint64_t parked_slots;		/* Slots with n_parked > 0. */
	uint64_t release_seq;		/* Look at the waiting room again
					 * once this upcall is done. */
	struct pmd_stall stall[PMD_STALL_SLOTS];
	uint64_t shed_lost;		/* Stall slots that lost upcalls since
					 * their queue's last poll round. */
	uint64_t shed_slot_bit;		/* The slot of the packets being
					 * handled (0: the exec ring's). */
	uint64_t rx_hits;		/* Rx packets that hit the caches
					 * (the budget's "cached traffic"). */
	struct pmd_budget budget;	/* Miss budget (pmd_budget.h). */
	struct pmd_parked parked[PMD_PARK_MAX];
	volatile bool stop;
	volatile bool running;
};

/* Set up a PMD (rings, EMC, megaflow table). NULL + errno on failure. */
struct pmd *pmd_create(unsigned index, unsigned lcore_id,
		       const struct pmd_port_table *ports,
		       struct rte_rcu_qsbr *qs, uint32_t emc_entries,
		       uint32_t emc_insert_inv_prob, uint32_t megaflow_max,
		       uint32_t upcall_ring_size);
void pmd_destroy(struct pmd *pmd);
/* The miss budget: `share` percent of the PMD's cycles (0: none), see
 * pmd_budget.h. Before the PMD starts. */
void pmd_set_upcall_cycle_share(struct pmd *pmd, unsigned share);
/* Give the PMD an rx queue (allocated here, freed by pmd_destroy() of the
 * PMD that has it last). Safe while the PMD runs (waits a grace period). */
int pmd_add_rxq(struct pmd *pmd, uint32_t dp_port, uint16_t dpdk_port_id,
		uint16_t queue_id, uint32_t ofport);

/* The rx queues of a PMD, for the control thread. */
static inline uint32_t
pmd_rxq_count(const struct pmd *pmd)
{
	return __atomic_load_n(&pmd->rxqs, __ATOMIC_ACQUIRE)->n;
}

static inline struct pmd_rxq *
pmd_rxq_at(const struct pmd *pmd, uint32_t i)
{
	return __atomic_load_n(&pmd->rxqs, __ATOMIC_ACQUIRE)->q[i];
}

/* Publish a new rx queue list for a PMD; returns the old one, which the
 * caller frees after a grace period. */
struct pmd_rxq_list *pmd_rxq_list_publish(struct pmd *pmd,
					  struct pmd_rxq_list *list);

/* The lcore entry point (rte_eal_remote_launch); arg is a struct pmd. */
int pmd_main(void *arg);

/* Execute a datapath action list on one packet (consumes the mbuf). Used
 * by the PMD loop; exposed for tests. */
void pmd_execute(struct pmd *pmd, struct rte_mbuf *m,
		 const struct dp_actions *actions, uint32_t in_dp_port);

/* The slowpath is done with a miss upcall of this PMD (its megaflow, if
 * any, is installed and the packet is on the exec ring). */
static inline void
pmd_miss_upcall_done(struct pmd *pmd)
{
	__atomic_fetch_add(&pmd->miss_upcalls_done, 1, __ATOMIC_RELEASE);
}

/* Who sleeps on the PMD's upcall ring (the slowpath): kicked after the
 * PMD sends upcalls while it sleeps (dp_wake.h). Any thread. */
static inline void
pmd_set_wake(struct pmd *pmd, struct dp_wake *w)
{
	__atomic_store_n(&pmd->wake, w, __ATOMIC_RELEASE);
}

/* Packets the PMD dropped because the port's tx queue refused them. */
static inline uint64_t
pmd_port_tx_drops(const struct pmd *pmd, uint32_t dp_port)
{
	return dp_port < PMD_MAX_PORTS ?
	       __atomic_load_n(&pmd->port_tx_drops[dp_port], __ATOMIC_RELAXED) :
	       0;
}

/* Read a consistent-enough copy of the counters (any thread). */
void pmd_stats_read(const struct pmd *pmd, struct pmd_stats *out);

/* Monotonic milliseconds, the clock of megaflow last_used_ms. */
uint64_t pmd_clock_ms(void);

#endif /* PMDSWITCH_PMD_H */
