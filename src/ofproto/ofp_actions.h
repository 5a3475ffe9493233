/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_ACTIONS_H
#define PMDSWITCH_OFP_ACTIONS_H

/*
 * OpenFlow 1.3 instructions and actions <-> the model (struct ofpact).
 *
 * Supported instructions: APPLY_ACTIONS, WRITE_ACTIONS and CLEAR_ACTIONS
 * (GOTO_TABLE, WRITE_METADATA, METER and experimenter instructions are
 * BAD_INSTRUCTION/UNSUP_INST, unknown types UNKNOWN_INST). Supported
 * actions: OUTPUT to an ofport (1..OFPP_MAX) or to IN_PORT, NORMAL, FLOOD,
 * ALL, LOCAL, CONTROLLER (and TABLE in packet-out only). Other actions are
 * BAD_ACTION/BAD_TYPE; other ports BAD_ACTION/BAD_OUT_PORT.
 *
 * Output to CONTROLLER becomes OFPACT_CONTROLLER (port OFPP13_CONTROLLER,
 * max_len from the action); every other output is OFPACT_OUTPUT. max_len
 * of a plain output is kept as received so encodings round-trip.
 *
 * With a single table, the action set of WRITE_ACTIONS is executed at the
 * end of the pipeline, after the apply-actions (ofp_insts_flatten()).
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofproto.h"

struct ofp_insts {
	bool has_apply;		/* An APPLY_ACTIONS instruction (maybe empty). */
	bool has_write;		/* A WRITE_ACTIONS instruction. */
	bool clear;		/* A CLEAR_ACTIONS instruction. */
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

/* The actions the pipeline executes, in order; returns their number. */
size_t ofp_insts_flatten(const struct ofp_insts *insts, struct ofpact *out,
			 size_t max);
/* True when some action outputs to port (OFPP13_ANY: always true). */
bool ofp_insts_outputs_to(const struct ofp_insts *insts, uint32_t port);

/* Validates a port of an output action (see above). */
enum ofperr ofp_action_check_port(uint32_t port, bool packet_out);

#endif /* PMDSWITCH_OFP_ACTIONS_H */
