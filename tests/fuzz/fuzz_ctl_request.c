/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the control socket's request parser (ctl_request.c),
 * as the socket thread calls it: on a complete request of at most 64 KiB.
 * Every string it returns must lie inside the request and be terminated
 * there.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_request.h"
#include "ctl_socket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const char *s, const char *buf, size_t len)
{
	if (s < buf || s >= buf + len || memchr(s, 0, (size_t)(buf + len - s))
	    == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char *buf;

	if (size > CTL_SOCKET_MAX_REQUEST)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	if (ctl_request_complete(buf, size) &&
	    ctl_request_parse(buf, size, &req) == 0) {
		if (req.argc < 0 || req.argc > CTL_MAX_ARGS)
			abort();
		check_inside(req.cmd, buf, size);
		for (int i = 0; i < req.argc; i++)
			check_inside(req.argv[i], buf, size);
	}
	free(buf);
	return 0;
}
