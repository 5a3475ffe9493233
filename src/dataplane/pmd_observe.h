/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_PMD_OBSERVE_H
#define PMDSWITCH_PMD_OBSERVE_H

/*
 * What the PMDs hand to observers of the traffic: sFlow flow samples and
 * packet captures.
 *
 * Sampling (sFlow "1 in N at random"): each rx queue counts down the
 * packets to its next sample; when a burst reaches it, that packet's first
 * bytes, its input port, what the megaflow does with it (output port,
 * several ports, drop, to the controller) and the queue's packet count
 * (the sFlow sample pool) are copied into a struct pmd_sample on the
 * PMD's sample ring, and the countdown is re-armed from the PMD's PRNG
 * with a value uniform in [1, 2N-1] (mean N). The PMD loop calls
 * pmd_observe_rx() only when the port's sample_rate is non-zero, so a port
 * without sFlow costs one load and one predictable branch per burst.
 *
 * Thread safety: pmd_observe_rx() runs on the PMD that polls the queue
 * (it owns the queue's countdown and the PMD's PRNG); the ring is SP/SC,
 * its one consumer is the sFlow agent (sflow_agent.c). A full ring drops
 * the sample and counts it (pmd_stats.sflow_sample_drops). Nothing is
 * allocated, locked or logged.
 *
 * Capture: while a port's capture bits are set, every packet it receives
 * (PMD_CAPTURE_RX, when its burst is processed) or that a PMD hands to its
 * tx queue (PMD_CAPTURE_TX, before rte_eth_tx_burst) is copied, up to
 * copy_len bytes, into an mbuf of the capture's own pool (the PMD's TSC,
 * the direction and the original length in its private area) and put on
 * the capture's MP/SC ring; an empty pool or a full ring drops the copy
 * and counts it in pmd_capture.drops (atomic: every PMD may write it).
 * The consumer (src/capture.c) filters and writes the copies. Its setup:
 * publish pmd_port_table.capture, then set port bits; its teardown: clear
 * the bits, wait an RCU grace period, then clear the pointer and free.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "megaflow.h"
#include "pmd.h"

#define PMD_SAMPLE_HEADER_MAX 256
#define PMD_SAMPLE_RING_SIZE 4096

/* What the datapath does with a sampled packet. */
enum pmd_sample_out {
	PMD_SAMPLE_OUT_UNKNOWN,	/* A miss: not decided yet. */
	PMD_SAMPLE_OUT_PORT,	/* out_arg = datapath port. */
	PMD_SAMPLE_OUT_MULTI,	/* out_arg = number of outputs. */
	PMD_SAMPLE_OUT_DROP,	/* No output: dropped by the rules. */
	PMD_SAMPLE_OUT_LOCAL,	/* Only to the controller (packet-in). */
};

/* One flow sample (a ring element: a multiple of 4 bytes). */
struct pmd_sample {
	uint32_t in_dp_port;	/* Datapath port it came in on. */
	uint32_t queue_id;	/* Rx queue of that port. */
	uint32_t out_kind;	/* enum pmd_sample_out. */
	uint32_t out_arg;
	uint32_t frame_len;	/* Packet length. */
	uint32_t header_len;	/* Bytes in header[]. */
	uint64_t pool;		/* Packets received on the queue so far,
				 * this one included. */
	uint8_t header[PMD_SAMPLE_HEADER_MAX];
};

#define PMD_CAPTURE_RX 1u
#define PMD_CAPTURE_TX 2u

struct pmd_capture {
	struct rte_ring *ring;		/* MP/SC: struct rte_mbuf * copies. */
	struct rte_mempool *mp;		/* priv: struct pmd_capture_meta. */
	uint32_t copy_len;		/* Bytes copied of each packet. */
	uint64_t drops;			/* Copies lost (no mbuf, ring full). */
};

/* In the private area of a capture copy. */
struct pmd_capture_meta {
	uint64_t tsc;			/* When the PMD saw it. */
	uint32_t dir;			/* PMD_CAPTURE_RX or _TX. */
	uint32_t orig_len;		/* Packet length before copy_len. */
};

/* Copy n packets for the capture (dir: PMD_CAPTURE_RX or _TX). */
void pmd_capture_burst(struct pmd *pmd, struct rte_mbuf *const *pkts,
		       uint16_t n, uint32_t dir);

/* Take the samples due in a burst of n packets of queue q (found[i]: the
 * megaflow of packet i, or found NULL when not looked up yet). */
void pmd_observe_rx(struct pmd *pmd, struct pmd_rxq *q,
		    struct rte_mbuf *const *pkts,
		    struct megaflow *const *found, uint16_t n, uint32_t rate);

/* What a megaflow's actions do with a packet (for a sample). */
enum pmd_sample_out pmd_sample_out_of(const struct dp_actions *a,
				      uint32_t *arg);

#endif /* PMDSWITCH_PMD_OBSERVE_H */
