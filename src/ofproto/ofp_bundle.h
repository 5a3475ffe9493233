/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_BUNDLE_H
#define PMDSWITCH_OFP_BUNDLE_H

/*
 * Bundles: a controller opens a bundle, adds messages to it, and commits
 * it; the switch applies all of them as one change or none (OpenFlow 1.4
 * section 6.8). OpenFlow 1.3 channels carry them as the ONF extension
 * that `ovs-ofctl -O OpenFlow13 --bundle` speaks: OFPT_EXPERIMENTER with
 * experimenter ONF (0x4f4e4600), exp_type 2300 (BUNDLE_CONTROL) or 2301
 * (BUNDLE_ADD_MESSAGE), and then the 1.4 bodies; bundle errors are
 * experimenter errors (type 0xffff, exp_code 2300 + the 1.4 OFPBFC_ code,
 * experimenter ONF), as Open vSwitch sends them.
 *
 * What a bundle may hold: FLOW_MOD (others: OFPBFC_MSG_UNSUP). An added
 * message is decoded and checked at once (an invalid one gets its own
 * error, the add message as data, and marks the bundle failed); the
 * bundle keeps the raw messages. COMMIT decodes them again and hands them
 * to ofproto_commit_flow_mods(), which checks the whole list against the
 * model and then applies it under the model's lock: a pipeline lookup
 * (hence every megaflow the slowpath installs) sees the tables before or
 * after the bundle, never between. The megaflows are revalidated once
 * (the host's flows_changed) before COMMIT_REPLY, as for a barrier. A
 * failed commit applies nothing: the failing message's own error (its
 * xid, the message as data), then OFPBFC_MSG_FAILED for the commit; the
 * bundle is gone after a commit either way.
 *
 * Flags: ATOMIC and ORDERED are what every commit does; any other bit is
 * OFPBFC_BAD_FLAGS, as is an add whose flags differ from the bundle's.
 * Properties are ignored. No timeout: a bundle lives until committed,
 * discarded or the connection closes.
 *
 * Limits (a peer makes us hold its messages): OFP_BUNDLE_MAX_OPEN bundles
 * per connection (OFPBFC_OUT_OF_BUNDLES), OFP_BUNDLE_MAX_MSGS messages and
 * OFP_BUNDLE_MAX_BYTES bytes per bundle (OFPBFC_MSG_TOO_MANY).
 *
 * Thread safety: the bundles belong to their session (the control
 * thread); commit takes the ofproto's mutex through ofproto.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"

struct ofproto;
struct ofp_session;
struct ofp_bundle;

#define OFP_BUNDLE_MAX_OPEN 16
#define OFP_BUNDLE_MAX_MSGS 262144
#define OFP_BUNDLE_MAX_BYTES (64u << 20)

#define ONF_EXPERIMENTER_ID 0x4f4e4600u
#define ONF_ET_BUNDLE_CONTROL 2300
#define ONF_ET_BUNDLE_ADD_MESSAGE 2301

/* True for an OFPT_EXPERIMENTER message of the ONF bundle extension. */
bool ofp_bundle_is_onf(const uint8_t *msg, size_t len);

/* Handles an ONF bundle message of an OpenFlow 1.3 session; replies and
 * errors (with their own encoding) go to out. */
void ofp_bundle_handle(struct ofproto *ofp, struct ofp_session *s,
		       const uint8_t *msg, size_t len, struct ofp_buf *out);

/* Frees the session's bundles (connection closed). */
void ofp_bundle_discard_all(struct ofp_session *s);

#endif /* PMDSWITCH_OFP_BUNDLE_H */
