/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's notification protocol (see sd_notify.h): one
 * datagram to $NOTIFY_SOCKET. Written here rather than linked from
 * libsystemd: it is a dozen lines and keeps the daemon's dependencies to
 * DPDK and the libraries it already has.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_notify.h"

int
sd_notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t plen, slen;
	socklen_t salen;
	ssize_t n;
	int fd, rc = 1;

	if (path == NULL || path[0] == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path))
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* Abstract namespace. */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
			    (path[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	slen = strlen(state);
	n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   salen);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != slen)
		rc = -EMSGSIZE;
	close(fd);
	return rc;
}
