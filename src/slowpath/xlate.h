/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_XLATE_H
#define PMDSWITCH_XLATE_H

/*
 * Translation of an OpenFlow action list (the pipeline's result) into the
 * datapath action list a megaflow carries. Reserved ports are resolved
 * here against the datapath port table, so the result depends only on the
 * in_port, which every megaflow mask includes.
 *
 * Thread safety: pure function of its arguments.
 */

#include <stdint.h>

#include "dataplane/dp_actions.h"
#include "dataplane/pmd.h"
#include "ofproto/ofproto.h"

/* Datapath port index of an ofport, or -1. */
int xlate_dp_port(const struct pmd_port_table *ports, uint32_t ofport);

/* Fill *out. Outputs that cannot be done (unknown port, output to the
 * in_port without OFPP_IN_PORT, LOCAL and NORMAL, which the skeleton does
 * not have) are left out; returns how many were left out. */
unsigned xlate_actions(const struct ofpact *acts, size_t n_acts,
		       uint32_t in_port, const struct pmd_port_table *ports,
		       struct dp_actions *out);

#endif /* PMDSWITCH_XLATE_H */
