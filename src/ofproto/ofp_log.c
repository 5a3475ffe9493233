/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int log_level = -1;

void
ofp_log_set_level(enum ofp_log_level level)
{
	atomic_store(&log_level, (int)level);
}

static int
current_level(void)
{
	int lvl = atomic_load(&log_level);

	if (lvl >= 0)
		return lvl;
	const char *env = getenv("PMDSWITCH_OFPROTO_LOG");
	lvl = OFP_LOG_INFO;
	if (env != NULL) {
		if (!strcmp(env, "dbg"))
			lvl = OFP_LOG_DBG;
		else if (!strcmp(env, "warn"))
			lvl = OFP_LOG_WARN;
		else if (!strcmp(env, "err"))
			lvl = OFP_LOG_ERR;
	}
	atomic_store(&log_level, lvl);
	return lvl;
}

void
ofp_log(enum ofp_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ERR", "WARN", "INFO", "DBG" };
	char line[512];
	va_list ap;

	if ((int)level > current_level())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ofproto: %s: %s\n", names[level], line);
}

bool
ofp_ratelimit_allow(struct ofp_ratelimit *rl)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec != rl->window_start_sec) {
		if (rl->suppressed)
			ofp_log(OFP_LOG_WARN, "%u messages suppressed",
				rl->suppressed);
		rl->window_start_sec = (uint64_t)ts.tv_sec;
		rl->used = 0;
		rl->suppressed = 0;
	}
	if (rl->used < rl->burst) {
		rl->used++;
		return true;
	}
	rl->suppressed++;
	return false;
}
