/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_METER_H
#define PMDSWITCH_DP_METER_H

/*
 * Datapath meters: one table of DP_METER_MAX slots shared by every PMD
 * (and every bridge: a slot belongs to a (bridge, meter id) pair). A
 * DP_ACTION_METER carries the slot index.
 *
 * Each band is a token bucket kept as one 64-bit word, its theoretical
 * arrival time in TSC cycles (GCRA): a packet conforms when
 * max(tat, now) - now <= burst tolerance, and then moves tat on by its
 * cost (one packet, or its bits, at the band's rate). The word is updated
 * with a compare-and-swap, so the PMDs share one bucket and together hold
 * the rate, whichever PMD and cache level the packets take. The band that
 * applies to a packet is the highest-rate band it exceeds (OpenFlow 1.3
 * 5.7); every band takes its tokens from the packets that conform to it.
 *
 * Thread safety:
 *  - dp_meter_apply(): PMD threads (any number), lock-free: the band
 *    configuration is an RCU-published pointer per slot; bucket words and
 *    counters are atomics in the slot.
 *  - dp_meter_set() / dp_meter_del() / dp_meter_find() / dp_meter_stats():
 *    any non-PMD thread; serialized by a mutex inside. set and del free
 *    the old configuration after a grace period on the given qsbr variable
 *    (NULL: no PMD is running).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#define DP_METER_MAX 1024
#define DP_METER_MAX_BANDS 4

enum dp_meter_band_type {
	DP_METER_BAND_DROP = 1,
	DP_METER_BAND_DSCP_REMARK = 2,
};

struct dp_meter_band_conf {
	enum dp_meter_band_type type;
	uint32_t rate;		/* kbit/s or packets/s */
	uint32_t burst;		/* kbit or packets; 0 = default (100 ms of
				 * the rate). A bucket that is full lets
				 * burst + one packet through at once. */
	uint8_t prec_level;	/* DSCP_REMARK */
};

struct dp_meter_stats {
	uint64_t packets_in, bytes_in;
	uint64_t band_packets[DP_METER_MAX_BANDS];
	uint64_t band_bytes[DP_METER_MAX_BANDS];
};

enum dp_meter_verdict {
	DP_METER_PASS = 0,
	DP_METER_DROP,
	DP_METER_REMARK,	/* *prec = drop precedence to add */
};

/* Add or replace the meter (bridge, meter_id). tsc_hz: the TSC frequency
 * (rte_get_tsc_hz()). Returns the slot or -errno (-ENOSPC: table full,
 * -EINVAL: bad bands). A replaced meter keeps its counters. */
int dp_meter_set(unsigned bridge, uint32_t meter_id, bool kbps,
		 const struct dp_meter_band_conf *bands, unsigned n_bands,
		 uint64_t tsc_hz, struct rte_rcu_qsbr *qs);
/* Remove; its slot passes packets until it is reused. */
void dp_meter_del(unsigned bridge, uint32_t meter_id, struct rte_rcu_qsbr *qs);
/* Remove every meter of a bridge. */
void dp_meter_del_bridge(unsigned bridge, struct rte_rcu_qsbr *qs);
/* The slot of a meter, or -1. */
int dp_meter_find(unsigned bridge, uint32_t meter_id);
/* Counters of a meter: 0 or -ENOENT. */
int dp_meter_stats(unsigned bridge, uint32_t meter_id,
		   struct dp_meter_stats *st);

/* PMD side: meter a packet of `bytes` bytes at TSC time now. */
enum dp_meter_verdict dp_meter_apply(uint32_t slot, uint32_t bytes,
				     uint64_t now, uint8_t *prec);

#endif /* PMDSWITCH_DP_METER_H */
