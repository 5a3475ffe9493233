/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_ACTIONS_H
#define PMDSWITCH_OFP_ACTIONS_H

/*
 * OpenFlow 1.3 instructions and actions <-> the model (struct ofpact).
 *
 * Instructions: GOTO_TABLE, WRITE_METADATA, WRITE_ACTIONS, APPLY_ACTIONS,
 * CLEAR_ACTIONS, METER (each at most once: a repeat is
 * BAD_INSTRUCTION/UNSUP_INST; experimenter instructions UNSUP_INST,
 * unknown types UNKNOWN_INST). GOTO_TABLE's table is checked against the
 * rule's own table by the caller (ofp_insts_check()).
 *
 * Actions: every OpenFlow 1.3 action: OUTPUT (ports 1..OFPP_MAX and
 * IN_PORT, NORMAL, FLOOD, ALL, LOCAL, CONTROLLER; TABLE in packet-out
 * only), COPY_TTL_OUT/IN, SET_MPLS_TTL, DEC_MPLS_TTL, PUSH/POP_VLAN,
 * PUSH/POP_MPLS, SET_QUEUE, GROUP, SET_NW_TTL, DEC_NW_TTL, SET_FIELD,
 * PUSH/POP_PBB. Experimenter and unknown actions are BAD_ACTION/BAD_TYPE,
 * a bad length BAD_LEN, other ports BAD_OUT_PORT, a bad push ethertype
 * BAD_ARGUMENT, a set-field of a read-only or unknown field BAD_SET_TYPE,
 * with a mask or a wrong length BAD_SET_LEN / BAD_SET_ARGUMENT, an
 * out-of-range value BAD_SET_ARGUMENT.
 *
 * Output to CONTROLLER becomes OFPACT_CONTROLLER (port OFPP13_CONTROLLER,
 * max_len from the action); every other output is OFPACT_OUTPUT. max_len
 * of a plain output is kept as received so encodings round-trip.
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofp_match.h"
#include "ofproto.h"

struct ofp_insts {
	bool has_apply;		/* An APPLY_ACTIONS instruction (maybe empty). */
	bool has_write;		/* A WRITE_ACTIONS instruction. */
	bool clear;		/* A CLEAR_ACTIONS instruction. */
	bool has_goto;		/* GOTO_TABLE goto_table. */
	bool has_meta;		/* WRITE_METADATA metadata/metadata_mask. */
	bool has_meter;		/* METER meter_id. */
	uint8_t goto_table;
	uint32_t meter_id;
	uint64_t metadata;	/* Host order. */
	uint64_t metadata_mask;
	size_t n_apply;
	size_t n_write;
	struct ofpact apply[OFPROTO_MAX_ACTIONS];
	struct ofpact write[OFPROTO_MAX_ACTIONS];
};

/* Decodes an action list. packet_out allows output to TABLE. */
enum ofperr ofp_actions_decode(const void *buf, size_t len,
			       struct ofpact *acts, size_t max, size_t *n,
			       bool packet_out);
void ofp_actions_encode(const struct ofpact *acts, size_t n,
			struct ofp_buf *b);

/* Decodes an instruction list (the rest of a flow_mod). Total actions over
 * all instructions are bounded by OFPROTO_MAX_ACTIONS (TOO_MANY). */
enum ofperr ofp_insts_decode(const void *buf, size_t len,
			     struct ofp_insts *insts);
void ofp_insts_encode(const struct ofp_insts *insts, struct ofp_buf *b);

/* The actions of a single-table pipeline for this rule: the apply
 * actions, then the written action set in spec order. Returns their
 * number. */
size_t ofp_insts_flatten(const struct ofp_insts *insts, struct ofpact *out,
			 size_t max);
/* True when some action outputs to port (OFPP13_ANY: always true). */
bool ofp_insts_outputs_to(const struct ofp_insts *insts, uint32_t port);
/* True when some action is GROUP group (OFPG_ANY: always true). */
bool ofp_insts_uses_group(const struct ofp_insts *insts, uint32_t group);

/* Checks instructions against the rule they belong to: GOTO_TABLE only to
 * a higher table below n_tables (BAD_INSTRUCTION/BAD_TABLE_ID), and the
 * set-field prerequisites of each action list as the packet is when the
 * action runs (BAD_ACTION/MATCH_INCONSISTENT), following push/pop and
 * set-field of ETH_TYPE. */
enum ofperr ofp_insts_check(const struct ofp_insts *insts,
			    const struct ofp_flow_match *match,
			    uint8_t table_id, unsigned int n_tables);
enum ofperr ofp_actions_check(const struct ofpact *acts, size_t n,
			      const struct ofp_flow_match *match);

/* A set-field's value applied to a key (the pipeline's working key):
 * only the field's bits change. */
void ofp_set_field_apply(const struct ofpact *a, struct flow_key *key);
/* The key bits a set-field writes (for the lookup's mask bookkeeping). */
void ofp_set_field_mask(const struct ofpact *a, struct flow_key *mask);
/* True when field may be the target of a set-field. */
bool ofp_set_field_writable(unsigned int field);

/* The action-set order of OpenFlow 1.3 section 5.10 (lower first);
 * 0 for actions that are never in an action set. */
int ofpact_set_rank(enum ofpact_type type);
/* Merges acts into an action set (one action per type, one set-field per
 * field; a later action replaces the earlier one). */
void ofp_action_set_write(struct ofpact *set, size_t *n, size_t max,
			  const struct ofpact *acts, size_t n_acts);
/* Sorts an action set into execution order; an OUTPUT is dropped when a
 * GROUP is present. */
size_t ofp_action_set_order(struct ofpact *set, size_t n);

/* Validates a port of an output action (see above). */
enum ofperr ofp_action_check_port(uint32_t port, bool packet_out);

#endif /* PMDSWITCH_OFP_ACTIONS_H */
