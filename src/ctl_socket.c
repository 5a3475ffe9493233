/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's transport: see ctl_socket.h for the design. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_socket.h"

#define CTL_BACKOFF_MIN_MS 50
#define CTL_BACKOFF_MAX_MS 1000
#define CTL_IDLE_POLL_MS 1000
#define CTL_MAX_PEER_GROUPS 256

enum ctl_client_state { CTL_CLIENT_FREE, CTL_CLIENT_READ, CTL_CLIENT_WRITE };

struct ctl_client {
	enum ctl_client_state state;
	int fd;
	char *buf;		/* The request so far (READ). */
	size_t len, cap;
	struct strbuf out;	/* Status byte and body (WRITE). */
	size_t off;		/* Bytes of out already sent. */
	uint64_t deadline_ms;	/* Of the current state. */
};

struct ctl_socket {
	struct ctl_socket_config cfg;
	char *path;
	dev_t dev;		/* Of the socket file we created. */
	ino_t ino;
	int listen_fd;
	int wake_fd;		/* eventfd: ctl_socket_close() wakes poll. */
	gid_t gid;		/* The access group; (gid_t)-1 if none. */
	pthread_t thread;
	bool stop;
	bool accept_failing;	/* Logged once until accept works again. */
	unsigned backoff_ms;
	uint64_t backoff_until_ms;
	unsigned n_clients;
	struct ctl_client *clients;	/* max_clients slots. */
	struct pollfd *pfds;		/* max_clients + 2. */
	struct ctl_client **map;	/* pfds[k] is map[k]'s. */
	struct ctl_socket_stats stats;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
cs_log(const struct ctl_socket *cs, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
cs_log(const struct ctl_socket *cs, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cs->cfg.log)
		cs->cfg.log(level, msg);
	else
		fprintf(stderr, "ctl: %s\n", msg);
}

static void
stat_inc(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

/* Whether the peer of fd may use the socket. */
static bool
peer_allowed(const struct ctl_socket *cs, int fd, struct ucred *cred)
{
	gid_t groups[CTL_MAX_PEER_GROUPS];
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return false;
	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (cs->gid == (gid_t)-1)
		return false;
	if (cred->gid == cs->gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == cs->gid)
			return true;
	return false;
}

/* A short answer to a client we do not serve; best effort (a fresh
 * socket's buffer takes it whole). */
static void
send_short(int fd, const char *msg)
{
	ssize_t r = send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)r;
}

/* Answers msg and closes. What the client sent already is read first:
 * closing a Unix socket with unread data makes the client's next read
 * fail with ECONNRESET (after the answer, still). */
static void
refuse(int fd, const char *msg)
{
	char buf[4096];

	send_short(fd, msg);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

static void
client_close(struct ctl_socket *cs, struct ctl_client *c)
{
	close(c->fd);
	free(c->buf);
	strbuf_free(&c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->state = CTL_CLIENT_FREE;
	__atomic_fetch_sub(&cs->n_clients, 1, __ATOMIC_RELAXED);
}

/* Switch c to WRITE with status and body. */
static void
client_reply(struct ctl_socket *cs, struct ctl_client *c, int rc,
	     const struct strbuf *body)
{
	strbuf_clear(&c->out);
	strbuf_append(&c->out, rc == 0 ? "0" : "1", 1);
	if (body && body->len)
		strbuf_append(&c->out, body->s, body->len);
	c->off = 0;
	c->state = CTL_CLIENT_WRITE;
	c->deadline_ms = now_ms() + cs->cfg.reply_ms;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

static void
client_error(struct ctl_socket *cs, struct ctl_client *c, const char *msg)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_printf(&b, "%s", msg);
	client_reply(cs, c, -1, &b);
	strbuf_free(&b);
}

static void
client_run(struct ctl_socket *cs, struct ctl_client *c)
{
	struct strbuf body = STRBUF_INIT;
	struct ctl_request req;
	int rc;

	if (ctl_request_parse(c->buf, c->len, &req) < 0) {
		stat_inc(&cs->stats.malformed);
		client_error(cs, c, "malformed request");
		return;
	}
	rc = cs->cfg.handler(cs->cfg.handler_arg, &req, &body);
	client_reply(cs, c, rc == 0 ? 0 : -1, &body);
	strbuf_free(&body);
}

static void
client_read(struct ctl_socket *cs, struct ctl_client *c)
{
	for (;;) {
		ssize_t r;

		if (c->len == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 512;
			char *b;

			if (cap > cs->cfg.max_request)
				cap = cs->cfg.max_request;
			if (cap == c->cap) {
				stat_inc(&cs->stats.too_large);
				client_error(cs, c, "request too large");
				return;
			}
			b = realloc(c->buf, cap);
			if (b == NULL) {
				client_error(cs, c, "out of memory");
				return;
			}
			c->buf = b;
			c->cap = cap;
		}
		r = recv(c->fd, c->buf + c->len, c->cap - c->len,
			 MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			stat_inc(&cs->stats.hangups);
			client_close(cs, c);
			return;
		}
		c->len += (size_t)r;
		if (ctl_request_complete(c->buf, c->len)) {
			client_run(cs, c);
			return;
		}
	}
}

static void
client_write(struct ctl_socket *cs, struct ctl_client *c)
{
	while (c->off < c->out.len) {
		ssize_t w = send(c->fd, c->out.s + c->off, c->out.len - c->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			stat_inc(&cs->stats.hangups);
			client_close(cs, c);
			return;
		}
		c->off += (size_t)w;
	}
	stat_inc(&cs->stats.served);
	client_close(cs, c);
}

static bool
peer_gone(int fd, char *b)
{
	ssize_t r = recv(fd, b, 1, MSG_PEEK | MSG_DONTWAIT);

	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			  errno != EINTR);
}

/* A free client slot; when all are taken, clients that hung up (not
 * seen yet by poll) are closed first. */
static struct ctl_client *
free_slot(struct ctl_socket *cs)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < cs->cfg.max_clients; i++) {
			struct ctl_client *c = &cs->clients[i];
			char b;

			if (c->state == CTL_CLIENT_FREE)
				return c;
			if (pass == 1 && c->state == CTL_CLIENT_READ &&
			    peer_gone(c->fd, &b)) {
				stat_inc(&cs->stats.hangups);
				client_close(cs, c);
				return c;
			}
		}
	}
	return NULL;
}

static bool
accept_error_is_resource(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static void
accept_clients(struct ctl_socket *cs, uint64_t now)
{
	for (;;) {
		struct ucred cred;
		struct ctl_client *c = NULL;
		int fd = accept4(cs->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int e = errno;

			if (e == EINTR || e == ECONNABORTED || e == EPROTO)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK)
				return;
			stat_inc(&cs->stats.accept_errors);
			if (!cs->accept_failing) {
				cs_log(cs, 1, "accept: %s (%u clients open); "
				       "backing off until it works again",
				       strerror(e), cs->n_clients);
				cs->accept_failing = true;
			}
			if (accept_error_is_resource(e)) {
				cs->backoff_ms = cs->backoff_ms ?
					cs->backoff_ms * 2 : CTL_BACKOFF_MIN_MS;
				if (cs->backoff_ms > CTL_BACKOFF_MAX_MS)
					cs->backoff_ms = CTL_BACKOFF_MAX_MS;
			} else {
				cs->backoff_ms = CTL_BACKOFF_MIN_MS;
			}
			cs->backoff_until_ms = now + cs->backoff_ms;
			return;
		}
		if (cs->accept_failing) {
			cs_log(cs, 2, "accept works again");
			cs->accept_failing = false;
		}
		cs->backoff_ms = 0;
		stat_inc(&cs->stats.accepted);
		if (!peer_allowed(cs, fd, &cred)) {
			char msg[200];

			stat_inc(&cs->stats.refused_access);
			cs_log(cs, 1, "refused a client: pid %d uid %u is not "
			       "root nor in group %s", (int)cred.pid,
			       (unsigned)cred.uid, cs->cfg.group);
			snprintf(msg, sizeof(msg), "1permission denied: the "
				 "control socket serves root and members of "
				 "group %s (uid %u is neither)",
				 cs->cfg.group, (unsigned)cred.uid);
			refuse(fd, msg);
			continue;
		}
		c = free_slot(cs);
		if (c == NULL) {
			char msg[100];

			stat_inc(&cs->stats.refused_busy);
			snprintf(msg, sizeof(msg), "1too many control clients "
				 "(%u); try again", cs->cfg.max_clients);
			refuse(fd, msg);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->state = CTL_CLIENT_READ;
		c->deadline_ms = now + cs->cfg.request_ms;
		__atomic_fetch_add(&cs->n_clients, 1, __ATOMIC_RELAXED);
	}
}

static void *
ctl_socket_main(void *arg)
{
	struct ctl_socket *cs = arg;

	pthread_setname_np(pthread_self(), "ctl");
	while (!__atomic_load_n(&cs->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_ms(), next = now + CTL_IDLE_POLL_MS;
		nfds_t n = 0;
		int timeout, r;
		bool listening = now >= cs->backoff_until_ms;

		cs->pfds[n++] = (struct pollfd){ .fd = cs->wake_fd,
						 .events = POLLIN };
		if (listening)
			cs->pfds[n++] = (struct pollfd){ .fd = cs->listen_fd,
							 .events = POLLIN };
		else if (cs->backoff_until_ms < next)
			next = cs->backoff_until_ms;
		for (unsigned i = 0; i < cs->cfg.max_clients; i++) {
			struct ctl_client *c = &cs->clients[i];

			if (c->state == CTL_CLIENT_FREE)
				continue;
			if (c->deadline_ms < next)
				next = c->deadline_ms;
			cs->map[n] = c;
			cs->pfds[n++] = (struct pollfd){
				.fd = c->fd,
				.events = c->state == CTL_CLIENT_READ ?
					  POLLIN : POLLOUT };
		}
		timeout = next > now ? (int)(next - now) : 0;
		r = poll(cs->pfds, n, timeout);
		stat_inc(&cs->stats.wakeups);
		if (r < 0 && errno != EINTR) {
			cs_log(cs, 0, "poll: %s", strerror(errno));
			break;
		}
		now = now_ms();
		for (nfds_t k = listening ? 2 : 1; r > 0 && k < n; k++) {
			struct ctl_client *c = cs->map[k];

			if (!cs->pfds[k].revents)
				continue;
			if (c->state == CTL_CLIENT_READ)
				client_read(cs, c);
			else if (c->state == CTL_CLIENT_WRITE)
				client_write(cs, c);
		}
		now = now_ms();
		for (unsigned i = 0; i < cs->cfg.max_clients; i++) {
			struct ctl_client *c = &cs->clients[i];

			if (c->state == CTL_CLIENT_FREE || c->deadline_ms > now)
				continue;
			stat_inc(&cs->stats.timeouts);
			cs_log(cs, 3, "closing a client that did not %s in "
			       "time", c->state == CTL_CLIENT_READ ?
			       "send its request" : "take its reply");
			if (c->state == CTL_CLIENT_READ)
				send_short(c->fd, "1request timed out");
			client_close(cs, c);
		}
		if (listening && r > 0 && (cs->pfds[1].revents & POLLIN))
			accept_clients(cs, now);
	}
	return NULL;
}

/* Remove a stale socket left at the path; refuse anything else. */
static int
clear_path(const char *path, const struct sockaddr_un *sun, char *err,
	   size_t errlen)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "the path exists and is not a socket "
			 "(not removing it; remove it or choose another "
			 "ctl-socket)");
		return -EEXIST;
	}
	/* A socket left by a daemon that died is removed; one that a running
	 * daemon answers on is not. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sun,
			       sizeof(*sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "another pmdswitchd is listening there");
		return -EADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale socket: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static gid_t
lookup_group(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return (gid_t)-1;
	return gr.gr_gid;
}

/* Mode 0660, owner root, group cs->gid (or the daemon's). */
static int
set_access(struct ctl_socket *cs, char *err, size_t errlen)
{
	uid_t uid = geteuid() == 0 ? 0 : (uid_t)-1;
	struct stat st;

	if (chmod(cs->path, 0660) < 0) {
		snprintf(err, errlen, "chmod 0660: %s", strerror(errno));
		return -errno;
	}
	if (cs->gid != (gid_t)-1 && chown(cs->path, uid, cs->gid) < 0) {
		snprintf(err, errlen, "chown to group %s: %s", cs->cfg.group,
			 strerror(errno));
		return -errno;
	}
	if (lstat(cs->path, &st) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	return 0;
}

struct ctl_socket *
ctl_socket_open(const struct ctl_socket_config *cfg, char *err,
		size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_socket *cs;
	int rc;

	if (strlen(cfg->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "path longer than %zu bytes",
			 sizeof(sun.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, cfg->path, strlen(cfg->path) + 1);
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL)
		goto nomem;
	cs->cfg = *cfg;
	if (cs->cfg.group == NULL)
		cs->cfg.group = CTL_SOCKET_GROUP;
	if (cs->cfg.max_clients == 0)
		cs->cfg.max_clients = CTL_SOCKET_MAX_CLIENTS;
	if (cs->cfg.max_request < 16)
		cs->cfg.max_request = CTL_SOCKET_MAX_REQUEST;
	if (cs->cfg.request_ms == 0)
		cs->cfg.request_ms = CTL_SOCKET_REQUEST_MS;
	if (cs->cfg.reply_ms == 0)
		cs->cfg.reply_ms = CTL_SOCKET_REPLY_MS;
	cs->listen_fd = cs->wake_fd = -1;
	cs->path = strdup(cfg->path);
	cs->clients = calloc(cs->cfg.max_clients, sizeof(*cs->clients));
	cs->pfds = calloc(cs->cfg.max_clients + 2, sizeof(*cs->pfds));
	cs->map = calloc(cs->cfg.max_clients + 2, sizeof(*cs->map));
	if (cs->path == NULL || cs->clients == NULL || cs->pfds == NULL ||
	    cs->map == NULL)
		goto nomem;
	cs->gid = lookup_group(cs->cfg.group);
	rc = clear_path(cs->path, &sun, err, errlen);
	if (rc < 0)
		goto fail;
	cs->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cs->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
			       SOCK_NONBLOCK, 0);
	if (cs->wake_fd < 0 || cs->listen_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(cs->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	rc = set_access(cs, err, errlen);
	if (rc < 0) {
		unlink(cs->path);
		goto fail;
	}
	if (listen(cs->listen_fd, 64) < 0) {
		rc = -errno;
		snprintf(err, errlen, "listen: %s", strerror(errno));
		unlink(cs->path);
		goto fail;
	}
	rc = pthread_create(&cs->thread, NULL, ctl_socket_main, cs);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start its thread: %s",
			 strerror(rc));
		rc = -rc;
		unlink(cs->path);
		goto fail;
	}
	if (cs->gid == (gid_t)-1)
		cs_log(cs, 2, "%s: mode 0660; group %s does not exist, so only "
		       "root%s may use it", cs->path, cs->cfg.group,
		       geteuid() ? " and the daemon's user" : "");
	return cs;

nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
fail:
	if (cs) {
		if (cs->listen_fd >= 0)
			close(cs->listen_fd);
		if (cs->wake_fd >= 0)
			close(cs->wake_fd);
		free(cs->path);
		free(cs->clients);
		free(cs->pfds);
		free(cs->map);
		free(cs);
	}
	errno = -rc;
	return NULL;
}

void
ctl_socket_close(struct ctl_socket *cs)
{
	uint64_t one = 1;
	struct stat st;

	if (cs == NULL)
		return;
	__atomic_store_n(&cs->stop, true, __ATOMIC_RELEASE);
	if (write(cs->wake_fd, &one, sizeof(one)) < 0)
		cs_log(cs, 1, "waking the control socket thread: %s",
		       strerror(errno));
	pthread_join(cs->thread, NULL);
	for (unsigned i = 0; i < cs->cfg.max_clients; i++)
		if (cs->clients[i].state != CTL_CLIENT_FREE)
			client_close(cs, &cs->clients[i]);
	close(cs->listen_fd);
	close(cs->wake_fd);
	/* Only our own socket: not a file someone put there since. */
	if (lstat(cs->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == cs->dev && st.st_ino == cs->ino)
		unlink(cs->path);
	free(cs->path);
	free(cs->clients);
	free(cs->pfds);
	free(cs->map);
	free(cs);
}

void
ctl_socket_stats(const struct ctl_socket *cs, struct ctl_socket_stats *st)
{
	const uint64_t *s = (const uint64_t *)(const void *)&cs->stats;
	uint64_t *d = (uint64_t *)(void *)st;

	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

unsigned
ctl_socket_clients(const struct ctl_socket *cs)
{
	return __atomic_load_n(&cs->n_clients, __ATOMIC_RELAXED);
}
