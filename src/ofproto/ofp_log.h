/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_LOG_H
#define PMDSWITCH_OFP_LOG_H

/*
 * Logging of the ofproto module: lines on stderr prefixed "ofproto: ".
 * Per-connection problems use a rate limit (struct ofp_ratelimit) so a
 * misbehaving peer cannot flood the log.
 *
 * Thread safety: ofp_log() may be called from any thread; a ratelimit is
 * owned by one thread (the control thread for connection logs) or guarded
 * by its user.
 */

#include <stdbool.h>
#include <stdint.h>

enum ofp_log_level { OFP_LOG_ERR, OFP_LOG_WARN, OFP_LOG_INFO, OFP_LOG_DBG };

/* Messages above this level are dropped (default OFP_LOG_INFO; the
 * environment variable PMDSWITCH_OFPROTO_LOG=dbg|info|warn|err overrides). */
void ofp_log_set_level(enum ofp_log_level level);

void ofp_log(enum ofp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* At most `burst` messages per second. */
struct ofp_ratelimit {
	unsigned int burst;
	uint64_t window_start_sec;
	unsigned int used;
	unsigned int suppressed;
};

#define OFP_RATELIMIT_INIT(burst) { (burst), 0, 0, 0 }

/* True when a message may be logged now. */
bool ofp_ratelimit_allow(struct ofp_ratelimit *rl);

#endif /* PMDSWITCH_OFP_LOG_H */
