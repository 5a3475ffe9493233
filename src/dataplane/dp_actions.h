/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_ACTIONS_H
#define PMDSWITCH_DP_ACTIONS_H

/*
 * Datapath actions: the flat list a megaflow carries and a PMD executes.
 * The slowpath translates an OpenFlow pipeline result into one of these; the
 * dataplane knows nothing of OpenFlow. An empty list drops the packet.
 * Plain C, no DPDK header.
 *
 * Thread safety: a value type. A megaflow's list is written once before the
 * megaflow is published and never changed after.
 */

#include <stdint.h>

#define DP_ACTIONS_MAX 16

enum dp_action_type {
	DP_ACTION_OUTPUT = 1,	/* arg = datapath port index (see port table). */
	DP_ACTION_UPCALL,	/* Send to the slowpath for a packet-in;
				 * arg = max_len (bytes of the packet). */
};

struct dp_action {
	uint16_t type;		/* enum dp_action_type */
	uint16_t pad;
	uint32_t arg;
};

struct dp_actions {
	uint16_t n;		/* Number of actions in use; 0 = drop. */
	uint16_t pad[3];
	struct dp_action a[DP_ACTIONS_MAX];
};

#endif /* PMDSWITCH_DP_ACTIONS_H */
