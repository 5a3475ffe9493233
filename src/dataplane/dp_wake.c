/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_wake: the eventfd behind dp_wake.h (see there for the protocol).
 */
#include "dp_wake.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int
dp_wake_init(struct dp_wake *w)
{
	w->sleeping = 0;
	w->kicks = 0;
	w->sleeps = 0;
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return w->fd < 0 ? -errno : 0;
}

void
dp_wake_fini(struct dp_wake *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

void
dp_wake_signal(struct dp_wake *w)
{
	uint64_t one = 1;

	if (w->fd >= 0 && write(w->fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, a wake-up is pending. */
	}
}

int
dp_wake_sleep(struct dp_wake *w, int timeout_ms)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	uint64_t v;
	int rc;

	__atomic_store_n(&w->sleeps, w->sleeps + 1, __ATOMIC_RELAXED);
	rc = poll(&pfd, 1, timeout_ms);
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_RELAXED);
	if (rc > 0 && read(w->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		return 1;
	return 0;
}
