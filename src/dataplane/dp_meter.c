/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datapath meters (see dp_meter.h): GCRA token buckets in shared slots.
 */
#include "dp_meter.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Costs are TSC cycles per unit in 48.16 fixed point. */
#define COST_SHIFT 16
/* Burst tolerance when the meter gives none: 100 ms of the rate. */
#define DEFAULT_BURST_DIV 10

struct band_cfg {
	uint8_t type;		/* enum dp_meter_band_type */
	uint8_t prec_level;
	uint8_t index;		/* Position in the meter's configuration. */
	uint32_t rate;
	uint64_t cost_fp;	/* TSC cycles per packet or per byte, fixed. */
	uint64_t tau;		/* Burst tolerance in TSC cycles. */
};

struct meter_cfg {
	bool kbps;
	unsigned n_bands;
	struct band_cfg bands[DP_METER_MAX_BANDS];
};

struct meter_slot {
	alignas(64) struct meter_cfg *cfg;	/* RCU-published; NULL = off. */
	uint64_t tat[DP_METER_MAX_BANDS];	/* Bucket words (CAS). */
	uint64_t packets_in, bytes_in;		/* Atomic adds. */
	uint64_t band_packets[DP_METER_MAX_BANDS];
	uint64_t band_bytes[DP_METER_MAX_BANDS];
	/* Writer side (under meter_lock). */
	bool used;
	unsigned bridge;
	uint32_t meter_id;
};

static struct meter_slot slots[DP_METER_MAX];
static pthread_mutex_t meter_lock = PTHREAD_MUTEX_INITIALIZER;

static int
find_locked(unsigned bridge, uint32_t meter_id)
{
	for (int i = 0; i < DP_METER_MAX; i++)
		if (slots[i].used && slots[i].bridge == bridge &&
		    slots[i].meter_id == meter_id)
			return i;
	return -1;
}

static void
publish(struct meter_slot *s, struct meter_cfg *cfg, struct rte_rcu_qsbr *qs)
{
	struct meter_cfg *old = s->cfg;

	__atomic_store_n(&s->cfg, cfg, __ATOMIC_RELEASE);
	if (old != NULL) {
		if (qs != NULL)
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
		free(old);
	}
}

int
dp_meter_set(unsigned bridge, uint32_t meter_id, bool kbps,
	     const struct dp_meter_band_conf *bands, unsigned n_bands,
	     uint64_t tsc_hz, struct rte_rcu_qsbr *qs)
{
	struct meter_cfg *cfg;
	struct meter_slot *s;
	int slot;

	if (n_bands > DP_METER_MAX_BANDS || tsc_hz == 0)
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	cfg->kbps = kbps;
	for (unsigned i = 0; i < n_bands; i++) {
		struct band_cfg *b = &cfg->bands[cfg->n_bands];
		uint64_t burst = bands[i].burst;

		if (bands[i].rate == 0 ||
		    (bands[i].type != DP_METER_BAND_DROP &&
		     bands[i].type != DP_METER_BAND_DSCP_REMARK)) {
			free(cfg);
			return -EINVAL;
		}
		b->type = (uint8_t)bands[i].type;
		b->prec_level = bands[i].prec_level;
		b->index = (uint8_t)i;
		b->rate = bands[i].rate;
		if (kbps) {
			/* Cycles per byte: 8 bits at rate * 1000 bit/s. */
			b->cost_fp = (uint64_t)(((unsigned __int128)tsc_hz * 8
						 << COST_SHIFT) /
						((uint64_t)b->rate * 1000));
			if (burst == 0)
				burst = b->rate / DEFAULT_BURST_DIV + 12;
			/* burst kbit = burst * 125 bytes. */
			b->tau = (uint64_t)(((unsigned __int128)burst * 125 *
					     b->cost_fp) >> COST_SHIFT);
		} else {
			b->cost_fp = (uint64_t)(((unsigned __int128)tsc_hz
						 << COST_SHIFT) / b->rate);
			if (burst == 0)
				burst = b->rate / DEFAULT_BURST_DIV + 1;
			b->tau = (uint64_t)(((unsigned __int128)burst *
					     b->cost_fp) >> COST_SHIFT);
		}
		cfg->n_bands++;
	}

	pthread_mutex_lock(&meter_lock);
	slot = find_locked(bridge, meter_id);
	if (slot < 0) {
		for (int i = 0; i < DP_METER_MAX; i++)
			if (!slots[i].used) {
				slot = i;
				break;
			}
		if (slot < 0) {
			pthread_mutex_unlock(&meter_lock);
			free(cfg);
			return -ENOSPC;
		}
		s = &slots[slot];
		/* A fresh meter: counters and buckets from zero (no PMD
		 * touches them while cfg is NULL... except one that loaded
		 * the old cfg before the last grace period: gone by now). */
		memset(s->tat, 0, sizeof(s->tat));
		__atomic_store_n(&s->packets_in, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->bytes_in, 0, __ATOMIC_RELAXED);
		for (int i = 0; i < DP_METER_MAX_BANDS; i++) {
			__atomic_store_n(&s->band_packets[i], 0,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&s->band_bytes[i], 0,
					 __ATOMIC_RELAXED);
		}
		s->used = true;
		s->bridge = bridge;
		s->meter_id = meter_id;
	}
	s = &slots[slot];
	publish(s, cfg, qs);
	pthread_mutex_unlock(&meter_lock);
	return slot;
}

void
dp_meter_del(unsigned bridge, uint32_t meter_id, struct rte_rcu_qsbr *qs)
{
	int slot;

	pthread_mutex_lock(&meter_lock);
	slot = find_locked(bridge, meter_id);
	if (slot >= 0) {
		publish(&slots[slot], NULL, qs);
		slots[slot].used = false;
	}
	pthread_mutex_unlock(&meter_lock);
}

void
dp_meter_del_bridge(unsigned bridge, struct rte_rcu_qsbr *qs)
{
	pthread_mutex_lock(&meter_lock);
	for (int i = 0; i < DP_METER_MAX; i++)
		if (slots[i].used && slots[i].bridge == bridge) {
			publish(&slots[i], NULL, qs);
			slots[i].used = false;
		}
	pthread_mutex_unlock(&meter_lock);
}

int
dp_meter_find(unsigned bridge, uint32_t meter_id)
{
	int slot;

	pthread_mutex_lock(&meter_lock);
	slot = find_locked(bridge, meter_id);
	pthread_mutex_unlock(&meter_lock);
	return slot;
}

int
dp_meter_stats(unsigned bridge, uint32_t meter_id, struct dp_meter_stats *st)
{
	struct meter_slot *s;
	int slot;

	pthread_mutex_lock(&meter_lock);
	slot = find_locked(bridge, meter_id);
	if (slot < 0) {
		pthread_mutex_unlock(&meter_lock);
		return -ENOENT;
	}
	s = &slots[slot];
	st->packets_in = __atomic_load_n(&s->packets_in, __ATOMIC_RELAXED);
	st->bytes_in = __atomic_load_n(&s->bytes_in, __ATOMIC_RELAXED);
	for (int i = 0; i < DP_METER_MAX_BANDS; i++) {
		st->band_packets[i] = __atomic_load_n(&s->band_packets[i],
						      __ATOMIC_RELAXED);
		st->band_bytes[i] = __atomic_load_n(&s->band_bytes[i],
						    __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&meter_lock);
	return 0;
}

/* Take a packet of `cost` cycles from a bucket; false: it exceeds. */
static inline bool
bucket_take(uint64_t *tat_word, uint64_t cost, uint64_t tau, uint64_t now)
{
	uint64_t tat = __atomic_load_n(tat_word, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t t = tat > now ? tat : now;

		if (t - now > tau)
			return false;
		if (__atomic_compare_exchange_n(tat_word, &tat, t + cost, true,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	}
}

enum dp_meter_verdict
dp_meter_apply(uint32_t slot, uint32_t bytes, uint64_t now, uint8_t *prec)
{
	struct meter_slot *s;
	const struct meter_cfg *cfg;
	const struct band_cfg *hit = NULL;

	if (slot >= DP_METER_MAX)
		return DP_METER_PASS;
	s = &slots[slot];
	cfg = __atomic_load_n(&s->cfg, __ATOMIC_ACQUIRE);
	if (cfg == NULL)
		return DP_METER_PASS;
	__atomic_fetch_add(&s->packets_in, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->bytes_in, bytes, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < cfg->n_bands; i++) {
		const struct band_cfg *b = &cfg->bands[i];
		uint64_t units = cfg->kbps ? bytes : 1;
		uint64_t cost = (units * b->cost_fp) >> COST_SHIFT;

		if (!bucket_take(&s->tat[i], cost, b->tau, now) &&
		    (hit == NULL || b->rate > hit->rate))
			hit = b;
	}
	if (hit == NULL)
		return DP_METER_PASS;
	__atomic_fetch_add(&s->band_packets[hit->index], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->band_bytes[hit->index], bytes,
			   __ATOMIC_RELAXED);
	if (hit->type == DP_METER_BAND_DROP)
		return DP_METER_DROP;
	*prec = hit->prec_level;
	return DP_METER_REMARK;
}
