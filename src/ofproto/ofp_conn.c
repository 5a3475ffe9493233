/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ofp_buf.h"
#include "ofp_log.h"
#include "ofp_msg.h"
#include "ofp_table.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

#define MAX_LISTENERS 16
#define MAX_CONNS 256
#define RX_CHUNK 65536
#define RX_MAX_PER_RUN (256 * 1024)
#define TX_PAUSE_LEN (1024 * 1024)
#define TX_MAX_LEN (4 * 1024 * 1024)
#define TX_STALL_NS (10ull * 1000000000ull)
#define PIN_QUEUE_MAX 1024
#define PIN_QUEUE_BYTES (8 * 1024 * 1024)

struct ofp_listener {
	int fd;
	int port;		/* Bound TCP port. */
};

struct ofp_conn {
	int fd;
	struct ofp_session sess;
	struct ofp_buf rx;
	struct ofp_buf tx;
	bool closing;		/* Close once tx is flushed. */
	bool dead;		/* Close now. */
	uint64_t tx_progress_ns;	/* Last time tx shrank (or was empty). */
	uint64_t pins_dropped;
	struct ofp_conn *next;
};

struct pin_msg {
	struct pin_msg *next;
	size_t len;
	uint8_t data[];
};

struct ofp_conn_mgr {
	struct ofproto *ofp;
	pthread_mutex_t lock;	/* Listeners and the packet-in queue. */
	struct ofp_listener listeners[MAX_LISTENERS];
	size_t n_listeners;
	struct pin_msg *pin_head, *pin_tail;
	size_t pin_count, pin_bytes;
	uint64_t pin_dropped;

	int wake_fd;		/* eventfd */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_size_t n_conns;	/* Established (HELLO done). */
	struct ofp_conn *conns;	/* Control thread only. */
	struct ofp_ratelimit rl;
};

static void
wake(struct ofp_conn_mgr *mgr)
{
	uint64_t one = 1;

	if (write(mgr->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ofp_log(OFP_LOG_WARN, "wakeup write failed: %s",
			strerror(errno));
}

struct ofp_conn_mgr *
ofp_conn_mgr_create(struct ofproto *ofp)
{
	struct ofp_conn_mgr *mgr = calloc(1, sizeof(*mgr));

	if (mgr == NULL)
		return NULL;
	mgr->ofp = ofp;
	mgr->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mgr->wake_fd < 0) {
		int e = errno;
		free(mgr);
		errno = e;
		return NULL;
	}
	pthread_mutex_init(&mgr->lock, NULL);
	atomic_init(&mgr->stop, false);
	atomic_init(&mgr->n_conns, 0);
	mgr->rl = (struct ofp_ratelimit)OFP_RATELIMIT_INIT(10);
	return mgr;
}

static void
conn_free(struct ofp_conn *c)
{
	close(c->fd);
	ofp_buf_free(&c->rx);
	ofp_buf_free(&c->tx);
	free(c);
}

void
ofp_conn_mgr_destroy(struct ofp_conn_mgr *mgr)
{
	if (mgr == NULL)
		return;
	if (mgr->started) {
		atomic_store(&mgr->stop, true);
		wake(mgr);
		pthread_join(mgr->thread, NULL);
	}
	while (mgr->conns != NULL) {
		struct ofp_conn *c = mgr->conns;
		mgr->conns = c->next;
		conn_free(c);
	}
	for (size_t i = 0; i < mgr->n_listeners; i++)
		close(mgr->listeners[i].fd);
	while (mgr->pin_head != NULL) {
		struct pin_msg *p = mgr->pin_head;
		mgr->pin_head = p->next;
		free(p);
	}
	close(mgr->wake_fd);
	pthread_mutex_destroy(&mgr->lock);
	free(mgr);
}

static int
fail(char *err, size_t errlen, int rc, const char *fmt, const char *arg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, arg);
	return rc;
}

int
ofp_conn_mgr_add_listener(struct ofp_conn_mgr *mgr, const char *target,
			  char *err, size_t errlen)
{
	char ip[64] = "0.0.0.0";
	unsigned long port;
	char *end;
	struct sockaddr_in sin;

	if (target == NULL || strncmp(target, "ptcp:", 5) != 0)
		return fail(err, errlen, -EINVAL,
			    "unsupported target '%s' (expected ptcp:PORT[:IP])",
			    target ? target : "");
	errno = 0;
	port = strtoul(target + 5, &end, 10);
	if (end == target + 5 || errno || port > 65535 ||
	    (*end != '\0' && *end != ':'))
		return fail(err, errlen, -EINVAL, "bad port in '%s'", target);
	if (*end == ':') {
		if (strlen(end + 1) >= sizeof(ip))
			return fail(err, errlen, -EINVAL, "bad IP in '%s'",
				    target);
		snprintf(ip, sizeof(ip), "%s", end + 1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return fail(err, errlen, -EINVAL, "bad IPv4 address in '%s'",
			    target);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", target, strerror(e));
		return -e;
	}
	socklen_t slen = sizeof(sin);
	getsockname(fd, (struct sockaddr *)&sin, &slen);

	pthread_mutex_lock(&mgr->lock);
	if (mgr->n_listeners >= MAX_LISTENERS) {
		pthread_mutex_unlock(&mgr->lock);
		close(fd);
		return fail(err, errlen, -ENOSPC, "too many listeners (%s)",
			    target);
	}
	mgr->listeners[mgr->n_listeners].fd = fd;
	mgr->listeners[mgr->n_listeners].port = ntohs(sin.sin_port);
	mgr->n_listeners++;
	pthread_mutex_unlock(&mgr->lock);
	ofp_log(OFP_LOG_INFO, "%s: listening on %s:%u", mgr->ofp->name, ip,
		ntohs(sin.sin_port));
	wake(mgr);
	return 0;
}

int
ofp_conn_mgr_listener_port(struct ofp_conn_mgr *mgr, size_t index)
{
	int port = -1;

	pthread_mutex_lock(&mgr->lock);
	if (index < mgr->n_listeners)
		port = mgr->listeners[index].port;
	pthread_mutex_unlock(&mgr->lock);
	return port;
}

size_t
ofp_conn_mgr_count(struct ofp_conn_mgr *mgr)
{
	return atomic_load(&mgr->n_conns);
}

void
ofp_conn_mgr_broadcast(struct ofp_conn_mgr *mgr, const void *msg, size_t len)
{
	struct pin_msg *p;

	pthread_mutex_lock(&mgr->lock);
	if (mgr->pin_count >= PIN_QUEUE_MAX ||
	    mgr->pin_bytes + len > PIN_QUEUE_BYTES ||
	    (p = malloc(sizeof(*p) + len)) == NULL) {
		mgr->pin_dropped++;
		pthread_mutex_unlock(&mgr->lock);
		return;
	}
	p->next = NULL;
	p->len = len;
	memcpy(p->data, msg, len);
	if (mgr->pin_tail != NULL)
		mgr->pin_tail->next = p;
	else
		mgr->pin_head = p;
	mgr->pin_tail = p;
	mgr->pin_count++;
	mgr->pin_bytes += len;
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
}

/* ---- Control thread. ---- */

static void
conn_accept(struct ofp_conn_mgr *mgr, int lfd)
{
	for (;;) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		int fd = accept4(lfd, (struct sockaddr *)&sin, &slen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    ofp_ratelimit_allow(&mgr->rl))
				ofp_log(OFP_LOG_WARN, "accept: %s",
					strerror(errno));
			return;
		}
		size_t n = 0;
		for (struct ofp_conn *c = mgr->conns; c; c = c->next)
			n++;
		if (n >= MAX_CONNS) {
			if (ofp_ratelimit_allow(&mgr->rl))
				ofp_log(OFP_LOG_WARN, "too many connections");
			close(fd);
			continue;
		}
		struct ofp_conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		char peer[64], ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
		snprintf(peer, sizeof(peer), "%s:%u", ip, ntohs(sin.sin_port));
		c->fd = fd;
		ofp_session_init(&c->sess, peer);
		c->tx_progress_ns = ofp_time_ns();
		ofp_msg_put_hello(&c->tx);
		c->next = mgr->conns;
		mgr->conns = c;
		ofp_log(OFP_LOG_DBG, "%s: connection from %s", mgr->ofp->name,
			peer);
	}
}

static void
conn_write(struct ofp_conn *c)
{
	while (c->tx.len > 0) {
		ssize_t n = send(c->fd, c->tx.data, c->tx.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				c->dead = true;
			break;
		}
		ofp_buf_pull(&c->tx, (size_t)n);
		c->tx_progress_ns = ofp_time_ns();
	}
	if (c->tx.len == 0)
		c->tx_progress_ns = ofp_time_ns();
}

/* Frames and handles every complete message in rx. */
static void
conn_process(struct ofp_conn_mgr *mgr, struct ofp_conn *c)
{
	size_t off = 0;
	bool was_established = c->sess.version != 0;

	while (!c->closing && c->rx.len - off >= OFP_HEADER_LEN) {
		const uint8_t *msg = c->rx.data + off;
		uint16_t len;

		memcpy(&len, msg + 2, 2);
		len = ntohs(len);
		if (len < OFP_HEADER_LEN) {
			if (ofp_ratelimit_allow(&c->sess.rl))
				ofp_log(OFP_LOG_WARN, "%s: message length %u, "
					"closing", c->sess.peer, len);
			ofp_msg_put_error(&c->tx, c->sess.version ?
					  c->sess.version : OFP13_VERSION,
					  OFPERR_BAD_REQUEST_BAD_LEN, msg,
					  OFP_HEADER_LEN);
			c->closing = true;
			break;
		}
		if (c->sess.version != 0 && msg[0] != c->sess.version) {
			/* Not our version once negotiated: the stream is not
			 * OpenFlow any more (a length taken from it may never
			 * arrive), so answer and close instead of waiting. */
			if (ofp_ratelimit_allow(&c->sess.rl))
				ofp_log(OFP_LOG_WARN, "%s: version 0x%02x after "
					"negotiating 0x%02x, closing",
					c->sess.peer, msg[0], c->sess.version);
			ofp_msg_put_error(&c->tx, c->sess.version,
					  OFPERR_BAD_REQUEST_BAD_VERSION, msg,
					  c->rx.len - off < 64 ?
					  c->rx.len - off : 64);
			c->closing = true;
			break;
		}
		if (c->rx.len - off < len)
			break;
		if (ofp_msg_handle(mgr->ofp, &c->sess, msg, len, &c->tx) < 0)
			c->closing = true;
		off += len;
	}
	ofp_buf_pull(&c->rx, off);
	ofp_session_flush_changes(mgr->ofp, &c->sess);
	if (!was_established && c->sess.version != 0)
		atomic_fetch_add(&mgr->n_conns, 1);
}

static void
conn_read(struct ofp_conn_mgr *mgr, struct ofp_conn *c)
{
	size_t total = 0;

	while (total < RX_MAX_PER_RUN && !c->closing) {
		size_t before = c->rx.len;
		ofp_buf_put_zeros(&c->rx, RX_CHUNK);
		ssize_t n = recv(c->fd, c->rx.data + before, RX_CHUNK, 0);

		c->rx.len = before + (n > 0 ? (size_t)n : 0);
		if (n == 0) {
			c->dead = true;
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				c->dead = true;
			break;
		}
		total += (size_t)n;
		if ((size_t)n < RX_CHUNK)
			break;
	}
	if (total > 0)
		conn_process(mgr, c);
}

static void
deliver_packet_ins(struct ofp_conn_mgr *mgr)
{
	struct pin_msg *list;

	pthread_mutex_lock(&mgr->lock);
	list = mgr->pin_head;
	mgr->pin_head = mgr->pin_tail = NULL;
	mgr->pin_count = mgr->pin_bytes = 0;
	pthread_mutex_unlock(&mgr->lock);

	while (list != NULL) {
		struct pin_msg *p = list;

		list = p->next;
		for (struct ofp_conn *c = mgr->conns; c; c = c->next) {
			if (c->sess.version == 0 || c->closing ||
			    c->sess.role == OFPCR_ROLE_SLAVE)
				continue;
			if (c->tx.len >= TX_PAUSE_LEN) {
				c->pins_dropped++;
				continue;
			}
			ofp_buf_put(&c->tx, p->data, p->len);
		}
		free(p);
	}
}

static void
reap(struct ofp_conn_mgr *mgr)
{
	struct ofp_conn **pp = &mgr->conns;
	uint64_t now = ofp_time_ns();

	while (*pp != NULL) {
		struct ofp_conn *c = *pp;

		if (!c->dead && c->tx.len > TX_MAX_LEN &&
		    now - c->tx_progress_ns > TX_STALL_NS) {
			ofp_log(OFP_LOG_WARN, "%s: %zu bytes unsent for 10 s, "
				"closing", c->sess.peer, c->tx.len);
			c->dead = true;
		}
		if (c->closing && c->tx.len == 0)
			c->dead = true;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		if (c->sess.version != 0)
			atomic_fetch_sub(&mgr->n_conns, 1);
		ofp_log(OFP_LOG_DBG, "%s: connection closed", c->sess.peer);
		conn_free(c);
	}
}

static void *
control_main(void *arg)
{
	struct ofp_conn_mgr *mgr = arg;
	struct pollfd pfds[1 + MAX_LISTENERS + MAX_CONNS];
	struct ofp_conn *pconns[MAX_CONNS];
	uint64_t next_expiry = ofp_time_ns();

	while (!atomic_load(&mgr->stop)) {
		size_t n = 0, n_l, n_c = 0;

		pfds[n++] = (struct pollfd){ .fd = mgr->wake_fd,
					     .events = POLLIN };
		pthread_mutex_lock(&mgr->lock);
		n_l = mgr->n_listeners;
		for (size_t i = 0; i < n_l; i++)
			pfds[n++] = (struct pollfd){
				.fd = mgr->listeners[i].fd, .events = POLLIN };
		pthread_mutex_unlock(&mgr->lock);
		for (struct ofp_conn *c = mgr->conns; c && n_c < MAX_CONNS;
		     c = c->next) {
			short ev = 0;
			if (!c->closing && c->tx.len < TX_PAUSE_LEN)
				ev |= POLLIN;
			if (c->tx.len > 0)
				ev |= POLLOUT;
			pconns[n_c++] = c;
			pfds[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}

		int rc = poll(pfds, n, 1000);
		if (rc < 0 && errno != EINTR) {
			ofp_log(OFP_LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (rc > 0 && (pfds[0].revents & POLLIN)) {
			uint64_t v;
			if (read(mgr->wake_fd, &v, sizeof(v)) < 0 &&
			    errno != EAGAIN)
				ofp_log(OFP_LOG_WARN, "wakeup read: %s",
					strerror(errno));
		}
		for (size_t i = 0; rc > 0 && i < n_l; i++)
			if (pfds[1 + i].revents & POLLIN)
				conn_accept(mgr, pfds[1 + i].fd);
		for (size_t i = 0; rc > 0 && i < n_c; i++) {
			struct ofp_conn *c = pconns[i];
			short re = pfds[1 + n_l + i].revents;

			if (re & POLLIN)
				conn_read(mgr, c);
			else if (re & (POLLERR | POLLHUP | POLLNVAL))
				c->dead = true;
		}
		deliver_packet_ins(mgr);
		for (struct ofp_conn *c = mgr->conns; c; c = c->next)
			if (!c->dead && c->tx.len > 0)
				conn_write(c);
		reap(mgr);

		uint64_t now = ofp_time_ns();
		if (now >= next_expiry) {
			ofproto_run_expiry(mgr->ofp);
			next_expiry = now + 1000000000ull;
		}
	}
	return NULL;
}

int
ofp_conn_mgr_start(struct ofp_conn_mgr *mgr)
{
	if (mgr->started)
		return -EALREADY;
	int rc = pthread_create(&mgr->thread, NULL, control_main, mgr);
	if (rc != 0)
		return -rc;
	mgr->started = true;
	return 0;
}
