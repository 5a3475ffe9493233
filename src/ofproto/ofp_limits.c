/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_limits.h"

#include <stdatomic.h>
#include <unistd.h>

#include "ofp_actions.h"
#include "ofp_group.h"

/* Each object's share of memory and its bytes (a rule with its indexes,
 * an interned instruction set, a group of full buckets, a meter): by
 * default each kind may take memory / share_div. */
static const struct {
	const char *name;
	uint64_t bytes;
	uint64_t share_div;
	uint64_t min, cap;
} kinds[OFP_LIMIT_N] = {
	[OFP_LIMIT_RULES] = { "rules", 1024, 4, 10000, 100000000 },
	[OFP_LIMIT_GROUPS] = { "groups",
		OFP_GROUP_MAX_BUCKETS * 64 * sizeof(struct ofpact), 16,
		256, 1000000 },
	[OFP_LIMIT_METERS] = { "meters", 1024, 64, 256, 1000000 },
	[OFP_LIMIT_INSTS] = { "instruction_sets", sizeof(struct ofp_insts) +
		32, 4, 1000, 100000000 },
};

static struct {
	atomic_uint_fast64_t max;	/* 0: not set yet (the default). */
	atomic_uint_fast64_t used;
	atomic_uint_fast64_t refused;
} budget[OFP_LIMIT_N];

uint64_t
ofp_limit_default(enum ofp_limit l)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t mem = pages > 0 && psize > 0 ?
		       (uint64_t)pages * (uint64_t)psize : 1ull << 30;
	uint64_t n = mem / kinds[l].share_div / kinds[l].bytes;

	if (n < kinds[l].min)
		n = kinds[l].min;
	if (n > kinds[l].cap)
		n = kinds[l].cap;
	return n;
}

static uint64_t
limit_max(enum ofp_limit l)
{
	uint64_t m = atomic_load(&budget[l].max);

	if (m == 0) {
		uint64_t d = ofp_limit_default(l), zero = 0;

		atomic_compare_exchange_strong(&budget[l].max, &zero, d);
		m = atomic_load(&budget[l].max);
	}
	return m;
}

bool
ofp_limit_take(enum ofp_limit l)
{
	uint64_t max = limit_max(l);

	if (atomic_fetch_add(&budget[l].used, 1) >= max) {
		atomic_fetch_sub(&budget[l].used, 1);
		atomic_fetch_add(&budget[l].refused, 1);
		return false;
	}
	return true;
}

void
ofp_limit_give(enum ofp_limit l, uint64_t n)
{
	atomic_fetch_sub(&budget[l].used, n);
}

void
ofp_limit_set_max(enum ofp_limit l, uint64_t max)
{
	atomic_store(&budget[l].max, max ? max : ofp_limit_default(l));
}

void
ofp_limit_get(enum ofp_limit l, struct ofp_limit_stats *st)
{
	st->max = limit_max(l);
	st->used = atomic_load(&budget[l].used);
	st->refused = atomic_load(&budget[l].refused);
}

const char *
ofp_limit_name(enum ofp_limit l)
{
	return l < OFP_LIMIT_N ? kinds[l].name : "?";
}
