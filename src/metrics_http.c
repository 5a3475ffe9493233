/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint: a small HTTP/1.0 server on `metrics-listen:`,
 * one thread that polls the listening socket and its clients.
 *
 * It answers GET (and HEAD) /metrics with the text exposition of a fresh
 * snapshot (metrics_snapshot.c); any other path is 404, any other method
 * 405, a request that is not HTTP 400, and every response closes the
 * connection. A peer cannot make it hold more than METRICS_MAX_CLIENTS
 * connections (further ones are accepted and closed at once), more than
 * METRICS_MAX_REQUEST bytes of request each (431 beyond), or a connection
 * for longer than METRICS_CLIENT_TIMEOUT_MS (closed, counted in the log
 * at debug level). The response is written with a send timeout.
 *
 * Thread safety: the server thread owns its clients; it reads the switch
 * through metrics_snapshot_take() (ports_lock, read). Start and stop come
 * from the main thread or the config thread (reload), never both at once.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"

#define METRICS_MAX_CLIENTS 8
#define METRICS_MAX_REQUEST 4096
#define METRICS_CLIENT_TIMEOUT_MS 5000
#define METRICS_POLL_MS 200

struct metrics_client {
	int fd;			/* -1: free slot. */
	uint64_t deadline_ms;
	size_t len;
	char buf[METRICS_MAX_REQUEST + 1];
};

struct metrics_server {
	struct pmdswitch *sw;
	int fd;
	char addr[128];
	pthread_t thread;
	volatile bool stop;
	struct metrics_client clients[METRICS_MAX_CLIENTS];
};

int
metrics_listen_open(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char why[256];
	socklen_t len;
	int fd, one = 1, rc;

	rc = config_parse_listen(addr, &ss, &len, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, METRICS_MAX_CLIENTS) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
			 strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
respond(int fd, const char *status, const char *extra, const char *body,
	size_t body_len, bool head)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.0 %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n", status,
		     body_len && !strncmp(status, "200", 3) ?
		     "text/plain; version=0.0.4; charset=utf-8" :
		     "text/plain; charset=utf-8", body_len, extra);
	send_all(fd, hdr, (size_t)n);
	if (!head)
		send_all(fd, body, body_len);
}

static void
simple(int fd, const char *status, const char *extra, const char *text,
       bool head)
{
	respond(fd, status, extra, text, strlen(text), head);
}

/* The request line of a complete request head: answer it. */
static void
serve(struct metrics_server *srv, struct metrics_client *c)
{
	char method[16], target[256], version[16];
	bool head;

	if (sscanf(c->buf, "%15s %255s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/", 5) != 0) {
		simple(c->fd, "400 Bad Request", "", "bad request\n", false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		simple(c->fd, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
		       "only GET /metrics\n", false);
		return;
	}
	/* /metrics, with or without a query string. */
	if (strncmp(target, "/metrics", 8) ||
	    (target[8] != '\0' && target[8] != '?')) {
		simple(c->fd, "404 Not Found", "", "not found: try /metrics\n",
		       head);
		return;
	}
	struct metrics_snapshot *s = malloc(sizeof(*s));
	struct strbuf out = STRBUF_INIT;

	if (s == NULL) {
		simple(c->fd, "503 Service Unavailable", "", "out of memory\n",
		       head);
		return;
	}
	metrics_snapshot_take(srv->sw, s);
	metrics_prom_format(s, &out);
	free(s);
	respond(c->fd, "200 OK", "", strbuf_str(&out), out.len, head);
	strbuf_free(&out);
}

static void
client_close(struct metrics_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Read what the client sent; answer once the head is complete. */
static void
client_read(struct metrics_server *srv, struct metrics_client *c)
{
	ssize_t r = recv(c->fd, c->buf + c->len, METRICS_MAX_REQUEST - c->len,
			 0);

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL ||
	    strstr(c->buf, "\n\n") != NULL) {
		struct timeval tv = { METRICS_CLIENT_TIMEOUT_MS / 1000, 0 };

		/* Accepted sockets block: writes are bounded by a send
		 * timeout (reads only follow a poll that saw data). */
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(srv, c);
		client_close(c);
	} else if (c->len >= METRICS_MAX_REQUEST) {
		simple(c->fd, "431 Request Header Fields Too Large", "",
		       "request too large\n", false);
		client_close(c);
	}
}

static void
client_accept(struct metrics_server *srv, uint64_t now)
{
	int fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		struct metrics_client *c = &srv->clients[i];

		if (c->fd >= 0)
			continue;
		c->fd = fd;
		c->len = 0;
		c->deadline_ms = now + METRICS_CLIENT_TIMEOUT_MS;
		return;
	}
	simple(fd, "503 Service Unavailable", "", "too many clients\n", false);
	close(fd);
}

static void *
metrics_main(void *arg)
{
	struct metrics_server *srv = arg;

	pthread_setname_np(pthread_self(), "metrics");
	while (!srv->stop) {
		struct pollfd pfd[METRICS_MAX_CLIENTS + 1];
		int map[METRICS_MAX_CLIENTS + 1];
		nfds_t n = 0;
		uint64_t now = pmd_clock_ms();

		pfd[n] = (struct pollfd){ .fd = srv->fd, .events = POLLIN };
		map[n++] = -1;
		for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
			struct metrics_client *c = &srv->clients[i];

			if (c->fd < 0)
				continue;
			if (now >= c->deadline_ms) {
				LOG_DBG("metrics: client timed out");
				client_close(c);
				continue;
			}
			pfd[n] = (struct pollfd){ .fd = c->fd,
						  .events = POLLIN };
			map[n++] = i;
		}
		if (poll(pfd, n, METRICS_POLL_MS) <= 0)
			continue;
		for (nfds_t k = 1; k < n; k++)
			if (pfd[k].revents)
				client_read(srv, &srv->clients[map[k]]);
		if (pfd[0].revents & POLLIN)
			client_accept(srv, pmd_clock_ms());
	}
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			client_close(&srv->clients[i]);
	return NULL;
}

int
metrics_server_start(struct pmdswitch *sw, int fd, const char *addr,
		     char *err, size_t errlen)
{
	struct metrics_server *srv = calloc(1, sizeof(*srv));
	int rc;

	if (srv == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	srv->sw = sw;
	srv->fd = fd;
	snprintf(srv->addr, sizeof(srv->addr), "%s", addr);
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	rc = pthread_create(&srv->thread, NULL, metrics_main, srv);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start its thread: %s",
			 strerror(rc));
		close(fd);
		free(srv);
		return -rc;
	}
	sw->metrics = srv;
	LOG_NOTICE("metrics: Prometheus text on http://%s/metrics", addr);
	return 0;
}

void
metrics_server_stop(struct pmdswitch *sw)
{
	struct metrics_server *srv = sw->metrics;

	if (srv == NULL)
		return;
	srv->stop = true;
	pthread_join(srv->thread, NULL);
	close(srv->fd);
	sw->metrics = NULL;
	free(srv);
}
