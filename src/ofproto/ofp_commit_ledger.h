/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_COMMIT_LEDGER_H
#define PMDSWITCH_OFP_COMMIT_LEDGER_H

/*
 * The rule count of a bundle commit, message by message, before any
 * message is applied.
 *
 * ofproto_commit_flow_mods() checks a whole bundle against the tables
 * and only then applies it, one message after the other, each add taking
 * a rule from the table's and the process-wide budgets (ofp_limits.h) and
 * each delete giving its rules back. For the check to refuse exactly what
 * the apply would fail on, the ledger tracks what the bundle's earlier
 * messages did:
 *  - the tables' rules they removed (a set of rule pointers);
 *  - the rules they added (match, priority, cookie; those a later message
 *    removed are marked so).
 * so that an add is known to replace a rule (same table, priority and
 * match: no new rule, OpenFlow 1.3 section 6.4) or to take a new one,
 * and a delete to free the rules it selects. The caller keeps the running
 * counts and compares them with the budgets at each add.
 *
 * Where it cannot see it keeps rules counted, so that the check may
 * refuse a bundle that would fit but never accepts one that does not:
 *  - a delete filtered by out_port or out_group removes none of the
 *    bundle's own adds (their instructions are not kept);
 *  - non-strict deletes stop comparing with the bundle's adds after
 *    OFP_LEDGER_SCAN_MAX comparisons in one commit (a bound on the time
 *    the model's lock is held).
 *
 * The OVERLAP check of an add with CHECK_OVERLAP sees the same state: the
 * table's rules but those removed (ofp_ledger_removed()), and the
 * bundle's adds still there (ofp_ledger_overlaps()).
 *
 * Thread safety: one ledger per commit, used under the ofproto's mutex
 * (table rule pointers are valid only while it is held).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_table.h"

#define OFP_LEDGER_SCAN_MAX 50000000u

struct ofp_ledger;

struct ofp_ledger *ofp_ledger_create(void);
void ofp_ledger_destroy(struct ofp_ledger *l);

/* Records fm, an add, to table t (number table_id). Returns 1 when it
 * takes a new rule, 0 when it replaces one, -ENOMEM. */
int ofp_ledger_add(struct ofp_ledger *l, const struct ofp_table *t,
		   uint8_t table_id, const struct ofp_flow_mod *fm);

/* Records fm, a delete (strict or not), in table t (number table_id).
 * Returns how many rules it removes, -ENOMEM. */
long ofp_ledger_delete(struct ofp_ledger *l, const struct ofp_table *t,
		       uint8_t table_id, const struct ofp_flow_mod *fm);

/* True when an earlier message of the bundle removed (or replaced) r, a
 * rule of the tables. Fits ofp_table_add_overlaps_except()'s skip. */
bool ofp_ledger_removed(const struct ofp_rule *r, const void *ledger);

/* True when a rule the bundle added and still has, in fm's table and of
 * fm's priority, overlaps fm's match without being identical to it (the
 * OVERLAP check of an add with CHECK_OVERLAP). */
bool ofp_ledger_overlaps(const struct ofp_ledger *l,
			 const struct ofp_flow_mod *fm);

#endif /* PMDSWITCH_OFP_COMMIT_LEDGER_H */
