/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's request parser: see ctl_request.h. */
#include <errno.h>
#include <string.h>

#include "ctl_request.h"

bool
ctl_request_complete(const char *buf, size_t len)
{
	return len >= 2 && buf[len - 1] == '\0' && buf[len - 2] == '\0';
}

int
ctl_request_parse(const char *buf, size_t len, struct ctl_request *req)
{
	const char *strs[CTL_MAX_ARGS + 2];
	size_t n = 0, pos = 0;
	bool ended = false;

	while (pos < len) {
		size_t l = strnlen(buf + pos, len - pos);

		if (pos + l >= len)
			return -EINVAL;		/* Unterminated. */
		if (l == 0) {
			ended = true;		/* The empty string ends it. */
			break;
		}
		if (n == CTL_MAX_ARGS + 2)
			return -EINVAL;
		strs[n++] = buf + pos;
		pos += l + 1;
	}
	if (!ended || n < 2)
		return -EINVAL;
	if (strcmp(strs[0], "json") && strcmp(strs[0], "text"))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->json = !strcmp(strs[0], "json");
	req->cmd = strs[1];
	req->argc = (int)n - 2;
	for (size_t i = 2; i < n; i++)
		req->argv[i - 2] = strs[i];
	return 0;
}
