/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_LIMITS_H
#define PMDSWITCH_OFP_LIMITS_H

/*
 * The process-wide budget of what OpenFlow peers (and the configuration)
 * can make the model allocate: rules, groups, meters and interned
 * instruction sets, summed over every bridge. Each has a maximum (the
 * YAML `limits:` section; by default sized from the machine's memory,
 * ofp_limit_default()), a count in use and a count of refusals.
 *
 * The model takes one unit before it allocates one (ofp_limit_take(): a
 * refusal is answered with TABLE_FULL, OUT_OF_GROUPS or OUT_OF_METERS and
 * counted) and gives it back when it frees it. Lowering a maximum below
 * what is in use refuses new ones until enough are freed; nothing is
 * removed.
 *
 * Thread safety: lock-free (atomics); any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ofp_limit {
	OFP_LIMIT_RULES,
	OFP_LIMIT_GROUPS,
	OFP_LIMIT_METERS,
	OFP_LIMIT_INSTS,	/* Distinct instruction sets per table. */
	OFP_LIMIT_N
};

struct ofp_limit_stats {
	uint64_t max;
	uint64_t used;
	uint64_t refused;
};

/* Takes one unit; false (and a refusal counted) when none is left. */
bool ofp_limit_take(enum ofp_limit l);
/* Gives n units back. */
void ofp_limit_give(enum ofp_limit l, uint64_t n);
/* Sets the maximum; 0 restores the default. */
void ofp_limit_set_max(enum ofp_limit l, uint64_t max);
void ofp_limit_get(enum ofp_limit l, struct ofp_limit_stats *st);
/* The default maximum, from the machine's physical memory. */
uint64_t ofp_limit_default(enum ofp_limit l);
/* "rules", "groups", "meters", "instruction_sets". */
const char *ofp_limit_name(enum ofp_limit l);

#endif /* PMDSWITCH_OFP_LIMITS_H */
