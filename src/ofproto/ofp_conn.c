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
#include "ofp_mp_dump.h"
#include "ofp_msg.h"
#include "ofp_stream.h"
#include "ofp_table.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

#define MAX_LISTENERS 16
#define MAX_CONTROLLERS 16
#define MAX_CONNS (OFP_CONN_MAX_ACCEPTED + MAX_CONTROLLERS)
#define DEFAULT_PER_LISTENER 64
#define DEFAULT_ACCEPTED 256
#define ACCEPT_BACKOFF_NS (1000 * NS_PER_MS)	/* After EMFILE & co. */
#define LISTEN_BACKLOG 1024	/* Bursts of connects wait in the kernel. */
#define RX_CHUNK 65536
#define RX_MAX_PER_RUN (256 * 1024)
#define TX_PAUSE_LEN (1024 * 1024)	/* Default backlog cap. */
#define TX_COMPACT_LEN (64 * 1024)
#define NS_PER_MS 1000000ull
#define TX_STALL_NS (10000 * NS_PER_MS)	/* Paused, nothing sent. */
#define TX_PAUSED_MAX_NS (60000 * NS_PER_MS)	/* Paused in all. */
#define OPEN_TIMEOUT_NS (10000 * NS_PER_MS)	/* Connect + TLS + HELLO. */
#define ASYNC_PIN_MAX 1024
#define ASYNC_MAX 65536
#define ASYNC_BYTES_MAX (16 * 1024 * 1024)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 8000
#define DEFAULT_PROBE_MS 5000
#define DEFAULT_PIN_RATE 1000
#define DEFAULT_PIN_BURST 100
#define ECHO_PROBE_XID 0x70726f62u

struct ofp_listener {
	int fd;
	uint32_t id;		/* Never reused; connections name it. */
	int port;		/* Bound TCP port. */
	bool ssl;
	char target[96];	/* As given to ofp_conn_mgr_add_listener(). */
};

struct ofp_conn;

struct ofp_controller {
	char target[128];
	char host[96];
	uint16_t port;
	bool ssl;
	struct ofp_conn *conn;	/* Current attempt or connection. */
	uint64_t next_attempt_ns;
	uint32_t backoff_ms;
	bool up;		/* HELLO done on the current connection. */
	bool quiet;		/* Failures already logged for this state. */
};

struct ofp_conn {
	struct ofp_stream st;
	struct ofp_session sess;
	struct ofp_buf rx;
	struct ofp_buf tx;
	size_t tx_off;		/* Bytes of tx already sent (compacted
				 * rarely: conn_write()). */
	bool rx_held;		/* Complete messages wait in rx: the
				 * backlog was over its cap. */
	uint64_t paused_ns;	/* Since when the backlog is over its cap
				 * (0: it is not). */
	bool open;		/* Connect and TLS handshake done. */
	bool closing;		/* Close once tx is flushed. */
	bool dead;		/* Close now. */
	struct ofp_controller *ctrl;	/* NULL: accepted by a listener. */
	uint32_t listener_id;	/* Accepted: its listener's id (else 0). */
	uint64_t created_ns;
	uint64_t tx_progress_ns;	/* Last time tx shrank (or was empty). */
	uint64_t last_rx_ns;
	uint64_t echo_sent_ns;
	bool echo_pending;
	double tokens;		/* Packet-in token bucket. */
	uint64_t tokens_ns;
	char why[256];		/* Why it died, for the log. */
	bool got_rx;		/* Received something this loop iteration. */
	uint64_t dirty_ns;	/* When flows changed first since the last
				 * flows_changed call (0: clean). */
	struct ofp_conn *next;
};

struct ofp_conn_mgr {
	struct ofproto *ofp;
	pthread_mutex_t lock;	/* Everything up to the thread members. */
	struct ofp_listener listeners[MAX_LISTENERS];
	size_t n_listeners;
	int closing_fds[MAX_LISTENERS];	/* Removed listeners: the control
					 * thread closes them. */
	size_t n_closing;
	struct ofp_controller controllers[MAX_CONTROLLERS];
	size_t n_controllers;
	struct ofp_tls *tls;
	struct ofp_async *q_head, *q_tail;
	size_t q_count, q_pins, q_bytes;
	uint32_t pin_rate, pin_burst, probe_ms;
	size_t tx_cap;		/* Backlog cap (max-conn-backlog-kb). */
	size_t per_listener;	/* Accepted connections per listener. */
	size_t max_accepted;	/* Accepted connections in all. */
	uint32_t next_listener_id;
	uint64_t slow_closed;	/* Slow readers closed. */
	uint64_t accept_refused;	/* Over per_listener / max_accepted. */
	uint64_t accept_backoffs;	/* accept4 out of fds or memory. */
	uint64_t pins_sent, pins_rate_dropped, pins_backlog_dropped;
	uint64_t pins_queue_dropped, async_dropped;
	atomic_bool q_ready;

	int wake_fd;		/* eventfd */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_size_t n_conns;	/* Established (HELLO done). */
	atomic_size_t n_ctrl_up;
	struct ofp_conn *conns;	/* Control thread only. */
	size_t n_accepted;	/* Control thread only: accepted conns. */
	uint64_t accept_paused_until;	/* Control thread only. */
	bool accept_paused_logged;	/* Control thread only. */
	struct ofp_ratelimit rl;
};

/* Bytes queued on c and not sent yet. */
static size_t
tx_backlog(const struct ofp_conn *c)
{
	return c->tx.len - c->tx_off;
}

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
	atomic_init(&mgr->q_ready, false);
	atomic_init(&mgr->n_conns, 0);
	atomic_init(&mgr->n_ctrl_up, 0);
	mgr->pin_rate = DEFAULT_PIN_RATE;
	mgr->pin_burst = DEFAULT_PIN_BURST;
	mgr->probe_ms = DEFAULT_PROBE_MS;
	mgr->tx_cap = TX_PAUSE_LEN;
	mgr->per_listener = DEFAULT_PER_LISTENER;
	mgr->max_accepted = DEFAULT_ACCEPTED;
	mgr->rl = (struct ofp_ratelimit)OFP_RATELIMIT_INIT(10);
	return mgr;
}

static void
conn_free(struct ofp_conn_mgr *mgr, struct ofp_conn *c)
{
	ofp_session_destroy(mgr->ofp, &c->sess);
	ofp_stream_close(&c->st);
	ofp_buf_free(&c->rx);
	ofp_buf_free(&c->tx);
	free(c);
}

static void
free_async_list(struct ofp_async *a)
{
	while (a != NULL) {
		struct ofp_async *next = a->next;
		free(a);
		a = next;
	}
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
		conn_free(mgr, c);
	}
	for (size_t i = 0; i < mgr->n_listeners; i++)
		close(mgr->listeners[i].fd);
	for (size_t i = 0; i < mgr->n_closing; i++)
		close(mgr->closing_fds[i]);
	free_async_list(mgr->q_head);
	ofp_tls_destroy(mgr->tls);
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

/* ---- Configuration (any thread). ---- */

int
ofp_conn_mgr_set_ssl(struct ofp_conn_mgr *mgr, const char *key,
		     const char *cert, const char *ca, char *err,
		     size_t errlen)
{
	char buf[512];
	struct ofp_tls *tls = ofp_tls_create(key, cert, ca, buf, sizeof(buf));

	if (tls == NULL) {
		int e = errno ? errno : EINVAL;
		return fail(err, errlen, -e, "%s", buf);
	}
	pthread_mutex_lock(&mgr->lock);
	struct ofp_tls *old = mgr->tls;
	mgr->tls = tls;
	pthread_mutex_unlock(&mgr->lock);
	/* Connections in use keep their SSL objects; the old contexts are
	 * reference-counted by OpenSSL. */
	ofp_tls_destroy(old);
	return 0;
}

void
ofp_conn_mgr_set_pin_rate(struct ofp_conn_mgr *mgr, uint32_t rate,
			  uint32_t burst)
{
	pthread_mutex_lock(&mgr->lock);
	mgr->pin_rate = rate;
	mgr->pin_burst = burst ? burst : 1;
	pthread_mutex_unlock(&mgr->lock);
}

void
ofp_conn_mgr_set_backlog(struct ofp_conn_mgr *mgr, size_t bytes)
{
	pthread_mutex_lock(&mgr->lock);
	mgr->tx_cap = bytes ? bytes : TX_PAUSE_LEN;
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
}

void
ofp_conn_mgr_set_accept_limits(struct ofp_conn_mgr *mgr, size_t per_listener,
			       size_t total)
{
	if (per_listener > OFP_CONN_MAX_ACCEPTED)
		per_listener = OFP_CONN_MAX_ACCEPTED;
	if (total > OFP_CONN_MAX_ACCEPTED)
		total = OFP_CONN_MAX_ACCEPTED;
	pthread_mutex_lock(&mgr->lock);
	mgr->per_listener = per_listener ? per_listener : DEFAULT_PER_LISTENER;
	mgr->max_accepted = total ? total : DEFAULT_ACCEPTED;
	pthread_mutex_unlock(&mgr->lock);
}

void
ofp_conn_mgr_set_probe(struct ofp_conn_mgr *mgr, uint32_t ms)
{
	pthread_mutex_lock(&mgr->lock);
	mgr->probe_ms = ms;
	pthread_mutex_unlock(&mgr->lock);
}

int
ofp_conn_mgr_add_listener(struct ofp_conn_mgr *mgr, const char *target,
			  char *err, size_t errlen)
{
	char ip[64] = "0.0.0.0";
	unsigned long port;
	char *end;
	struct sockaddr_in sin;
	bool ssl;

	if (target != NULL && !strncmp(target, "ptcp:", 5))
		ssl = false;
	else if (target != NULL && !strncmp(target, "pssl:", 5))
		ssl = true;
	else
		return fail(err, errlen, -EINVAL,
			    "unsupported target '%s' (expected ptcp:PORT[:IP] "
			    "or pssl:PORT[:IP])", target ? target : "");
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
	pthread_mutex_lock(&mgr->lock);
	bool have_tls = mgr->tls != NULL;
	pthread_mutex_unlock(&mgr->lock);
	if (ssl && !have_tls)
		return fail(err, errlen, -EINVAL, "%s: TLS needs a private "
			    "key, a certificate and a CA certificate (ssl: "
			    "private-key, certificate, ca-cert)", target);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
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
	mgr->listeners[mgr->n_listeners].id = ++mgr->next_listener_id;
	mgr->listeners[mgr->n_listeners].port = ntohs(sin.sin_port);
	mgr->listeners[mgr->n_listeners].ssl = ssl;
	snprintf(mgr->listeners[mgr->n_listeners].target,
		 sizeof(mgr->listeners[0].target), "%s", target);
	mgr->n_listeners++;
	pthread_mutex_unlock(&mgr->lock);
	ofp_log(OFP_LOG_INFO, "%s: listening on %s %s:%u", mgr->ofp->name,
		ssl ? "TLS" : "TCP", ip, ntohs(sin.sin_port));
	if (*end == '\0')
		ofp_log(OFP_LOG_WARN, "%s: %s listens on every address "
			"(%s:%u): any host that reaches this one can %s; "
			"give %.4s:%u:IP to listen on one address",
			mgr->ofp->name, target, ip, ntohs(sin.sin_port),
			ssl ? "try to connect (it needs a certificate of "
			"the CA)" : "connect and control the switch",
			target, ntohs(sin.sin_port));
	wake(mgr);
	return 0;
}

int
ofp_conn_mgr_add_controller(struct ofp_conn_mgr *mgr, const char *target,
			    char *err, size_t errlen)
{
	struct ofp_controller c;
	const char *rest, *colon;
	unsigned long port = 6653;

	memset(&c, 0, sizeof(c));
	if (target != NULL && !strncmp(target, "tcp:", 4))
		c.ssl = false;
	else if (target != NULL && !strncmp(target, "ssl:", 4))
		c.ssl = true;
	else
		return fail(err, errlen, -EINVAL, "unsupported controller '%s' "
			    "(expected tcp:HOST[:PORT] or ssl:HOST[:PORT])",
			    target ? target : "");
	if (strlen(target) >= sizeof(c.target))
		return fail(err, errlen, -EINVAL, "target too long: '%s'",
			    target);
	snprintf(c.target, sizeof(c.target), "%s", target);
	rest = target + 4;
	if (rest[0] == '[') {		/* [IPv6]:PORT */
		const char *close = strchr(rest, ']');
		if (close == NULL || (size_t)(close - rest - 1) >= sizeof(c.host))
			return fail(err, errlen, -EINVAL, "bad host in '%s'",
				    target);
		memcpy(c.host, rest + 1, (size_t)(close - rest - 1));
		colon = close[1] == ':' ? close + 1 :
			close[1] == '\0' ? NULL : close;
		if (colon == close)
			return fail(err, errlen, -EINVAL, "bad host in '%s'",
				    target);
	} else {
		colon = strrchr(rest, ':');
		size_t hl = colon ? (size_t)(colon - rest) : strlen(rest);
		if (hl == 0 || hl >= sizeof(c.host))
			return fail(err, errlen, -EINVAL, "bad host in '%s'",
				    target);
		memcpy(c.host, rest, hl);
	}
	if (colon != NULL) {
		char *end;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (end == colon + 1 || *end != '\0' || errno || port == 0 ||
		    port > 65535)
			return fail(err, errlen, -EINVAL, "bad port in '%s'",
				    target);
	}
	c.port = (uint16_t)port;
	c.backoff_ms = BACKOFF_MIN_MS;

	pthread_mutex_lock(&mgr->lock);
	if (c.ssl && mgr->tls == NULL) {
		pthread_mutex_unlock(&mgr->lock);
		return fail(err, errlen, -EINVAL, "%s: TLS needs a private "
			    "key, a certificate and a CA certificate (ssl: "
			    "private-key, certificate, ca-cert)", target);
	}
	if (mgr->n_controllers >= MAX_CONTROLLERS) {
		pthread_mutex_unlock(&mgr->lock);
		return fail(err, errlen, -ENOSPC, "too many controllers (%s)",
			    target);
	}
	mgr->controllers[mgr->n_controllers++] = c;
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
	return 0;
}

int
ofp_conn_mgr_del_listener(struct ofp_conn_mgr *mgr, const char *target)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&mgr->lock);
	for (size_t i = 0; target != NULL && i < mgr->n_listeners; i++) {
		if (strcmp(mgr->listeners[i].target, target) != 0)
			continue;
		int fd = mgr->listeners[i].fd;
		memmove(&mgr->listeners[i], &mgr->listeners[i + 1],
			(mgr->n_listeners - i - 1) * sizeof(mgr->listeners[0]));
		mgr->n_listeners--;
		/* The control thread may be polling fd, so it closes it; the
		 * shutdown stops the listen now, before the reload that removed
		 * it answers: new connections are refused from here on. */
		shutdown(fd, SHUT_RDWR);
		if (mgr->started && mgr->n_closing < MAX_LISTENERS)
			mgr->closing_fds[mgr->n_closing++] = fd;
		else
			close(fd);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&mgr->lock);
	if (rc == 0) {
		ofp_log(OFP_LOG_INFO, "%s: stopped listening on %s",
			mgr->ofp->name, target);
		wake(mgr);
	}
	return rc;
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
ofp_conn_mgr_stats(struct ofp_conn_mgr *mgr, struct ofproto_stats *st)
{
	pthread_mutex_lock(&mgr->lock);
	st->packet_ins_sent = mgr->pins_sent;
	st->packet_ins_rate_dropped = mgr->pins_rate_dropped;
	st->packet_ins_backlog_dropped = mgr->pins_backlog_dropped;
	st->packet_ins_queue_dropped = mgr->pins_queue_dropped;
	st->async_dropped = mgr->async_dropped;
	st->conns_slow_closed = mgr->slow_closed;
	st->conns_accept_refused = mgr->accept_refused;
	st->accept_backoffs = mgr->accept_backoffs;
	st->n_controllers = mgr->n_controllers;
	pthread_mutex_unlock(&mgr->lock);
	st->n_connections = atomic_load(&mgr->n_conns);
}

size_t
ofp_conn_mgr_controller_states(struct ofp_conn_mgr *mgr,
			       struct ofproto_controller_state *out,
			       size_t max)
{
	size_t n;

	pthread_mutex_lock(&mgr->lock);
	n = mgr->n_controllers < max ? mgr->n_controllers : max;
	for (size_t i = 0; i < n; i++) {
		snprintf(out[i].target, sizeof(out[i].target), "%s",
			 mgr->controllers[i].target);
		/* Written by the control thread (atomically). */
		out[i].up = __atomic_load_n(&mgr->controllers[i].up,
					    __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&mgr->lock);
	return n;
}

void
ofp_conn_mgr_post(struct ofp_conn_mgr *mgr, struct ofp_async *a)
{
	bool pin = a->kind == OFP_ASYNC_PACKET_IN;

	pthread_mutex_lock(&mgr->lock);
	if ((pin && mgr->q_pins >= ASYNC_PIN_MAX) ||
	    mgr->q_count >= ASYNC_MAX ||
	    mgr->q_bytes + a->len > ASYNC_BYTES_MAX) {
		if (pin)
			mgr->pins_queue_dropped++;
		else
			mgr->async_dropped++;
		pthread_mutex_unlock(&mgr->lock);
		free(a);
		return;
	}
	a->next = NULL;
	if (mgr->q_tail != NULL)
		mgr->q_tail->next = a;
	else
		mgr->q_head = a;
	mgr->q_tail = a;
	mgr->q_count++;
	mgr->q_pins += pin;
	mgr->q_bytes += a->len;
	atomic_store(&mgr->q_ready, true);
	pthread_mutex_unlock(&mgr->lock);
	wake(mgr);
}

/* ---- Control thread: async delivery. ---- */

/* Token bucket: true when the connection may get one more packet-in. */
static bool
pin_allowed(struct ofp_conn *c, uint32_t rate, uint32_t burst, uint64_t now)
{
	if (rate == 0)
		return true;
	if (c->tokens_ns == 0) {
		c->tokens = burst;
	} else {
		c->tokens += (double)(now - c->tokens_ns) * rate / 1e9;
		if (c->tokens > burst)
			c->tokens = burst;
	}
	c->tokens_ns = now;
	if (c->tokens < 1.0)
		return false;
	c->tokens -= 1.0;
	return true;
}

static void
deliver_async(struct ofp_conn_mgr *mgr)
{
	struct ofp_async *list;
	uint32_t rate, burst;
	uint64_t sent = 0, rate_drop = 0, backlog_drop = 0, other_drop = 0;
	uint64_t now = ofp_time_ns();

	if (!atomic_load(&mgr->q_ready))
		return;
	pthread_mutex_lock(&mgr->lock);
	list = mgr->q_head;
	mgr->q_head = mgr->q_tail = NULL;
	mgr->q_count = mgr->q_pins = mgr->q_bytes = 0;
	atomic_store(&mgr->q_ready, false);
	rate = mgr->pin_rate;
	burst = mgr->pin_burst;
	size_t tx_cap = mgr->tx_cap;
	pthread_mutex_unlock(&mgr->lock);

	for (struct ofp_async *a = list; a != NULL; a = a->next) {
		bool pin = a->kind == OFP_ASYNC_PACKET_IN;

		for (struct ofp_conn *c = mgr->conns; c; c = c->next) {
			if (c->dead || c->closing ||
			    !ofp_session_wants(&c->sess, a))
				continue;
			if (pin && tx_backlog(c) >= tx_cap) {
				backlog_drop++;
				continue;
			}
			if (!pin && tx_backlog(c) >= 4 * tx_cap) {
				other_drop++;
				continue;
			}
			if (pin && !pin_allowed(c, rate, burst, now)) {
				rate_drop++;
				continue;
			}
			ofp_msg_put_async(&c->sess, a, &c->tx);
			sent += pin;
		}
	}
	free_async_list(list);
	pthread_mutex_lock(&mgr->lock);
	mgr->pins_sent += sent;
	mgr->pins_rate_dropped += rate_drop;
	mgr->pins_backlog_dropped += backlog_drop;
	mgr->async_dropped += other_drop;
	pthread_mutex_unlock(&mgr->lock);
}

/* ---- Control thread: connections. ---- */

/* A new connection. Accepted ones (listener_id != 0) are capped by the
 * caller (accept_allowed()); controllers have their own slots (at most
 * MAX_CONTROLLERS, one connection each), so a listener flood never takes
 * theirs. */
static struct ofp_conn *
conn_new(struct ofp_conn_mgr *mgr, const char *peer, uint32_t listener_id)
{
	struct ofp_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->st.fd = -1;
	c->listener_id = listener_id;
	if (listener_id != 0)
		mgr->n_accepted++;
	ofp_session_init(&c->sess, peer);
	c->created_ns = c->tx_progress_ns = c->last_rx_ns = ofp_time_ns();
	c->next = mgr->conns;
	mgr->conns = c;
	return c;
}

/* Room for one more connection on listener l: under the per-listener
 * and the total caps of accepted connections. */
static bool
accept_allowed(struct ofp_conn_mgr *mgr, const struct ofp_listener *l,
	       size_t per_listener, size_t total)
{
	size_t n = 0;

	if (mgr->n_accepted >= total)
		return false;
	if (mgr->n_accepted < per_listener)
		return true;
	for (const struct ofp_conn *c = mgr->conns; c; c = c->next)
		n += c->listener_id == l->id;
	return n < per_listener;
}

/* accept4 ran out of descriptors or memory: the connection stays queued
 * in the kernel, so the listeners are not polled for ACCEPT_BACKOFF_NS
 * (no busy loop); logged once per episode. */
static void
accept_backoff(struct ofp_conn_mgr *mgr, int err)
{
	mgr->accept_paused_until = ofp_time_ns() + ACCEPT_BACKOFF_NS;
	if (!mgr->accept_paused_logged)
		ofp_log(OFP_LOG_WARN, "%s: accept: %s; not accepting "
			"connections for %u ms at a time until it succeeds "
			"again", mgr->ofp->name, strerror(err),
			(unsigned int)(ACCEPT_BACKOFF_NS / NS_PER_MS));
	mgr->accept_paused_logged = true;
	pthread_mutex_lock(&mgr->lock);
	mgr->accept_backoffs++;
	pthread_mutex_unlock(&mgr->lock);
}

static void
conn_accept(struct ofp_conn_mgr *mgr, const struct ofp_listener *l,
	    size_t per_listener, size_t total)
{
	for (;;) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		int fd = accept4(l->fd, (struct sockaddr *)&sin, &slen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			if (e == EMFILE || e == ENFILE || e == ENOBUFS ||
			    e == ENOMEM)
				accept_backoff(mgr, e);
			else if (e != EAGAIN && e != EWOULDBLOCK &&
				 e != EINTR && e != ECONNABORTED &&
				 e != EINVAL /* removed, shut down */ &&
				 ofp_ratelimit_allow(&mgr->rl))
				ofp_log(OFP_LOG_WARN, "accept: %s",
					strerror(e));
			return;
		}
		if (mgr->accept_paused_logged) {
			ofp_log(OFP_LOG_INFO, "%s: accepting connections "
				"again", mgr->ofp->name);
			mgr->accept_paused_logged = false;
		}
		if (!accept_allowed(mgr, l, per_listener, total)) {
			close(fd);
			if (ofp_ratelimit_allow(&mgr->rl))
				ofp_log(OFP_LOG_WARN, "%s: %s: too many "
					"connections (%zu per listener, %zu in "
					"all): refused", mgr->ofp->name,
					l->target, per_listener, total);
			pthread_mutex_lock(&mgr->lock);
			mgr->accept_refused++;
			pthread_mutex_unlock(&mgr->lock);
			continue;
		}
		char peer[64], ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
		snprintf(peer, sizeof(peer), "%s:%u", ip, ntohs(sin.sin_port));
		struct ofp_conn *c = conn_new(mgr, peer, l->id);
		if (c == NULL) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ofp_stream_attach(&c->st, fd);
		if (!l->ssl) {
			c->open = true;
			ofp_msg_put_hello(&c->tx);
		} else {
			pthread_mutex_lock(&mgr->lock);
			int rc = mgr->tls ? ofp_stream_start_tls(&c->st,
								 mgr->tls,
								 true) :
					    -EINVAL;
			pthread_mutex_unlock(&mgr->lock);
			if (rc < 0) {
				snprintf(c->why, sizeof(c->why),
					 "cannot start TLS");
				c->dead = true;
			}
		}
		ofp_log(OFP_LOG_DBG, "%s: connection from %s", mgr->ofp->name,
			peer);
	}
}

/* The controller's connection failed or ended: schedule the next try. */
static void
ctrl_lost(struct ofp_conn_mgr *mgr, struct ofp_controller *ctl,
	  const char *why)
{
	uint64_t now = ofp_time_ns();

	if (ctl->up) {
		ofp_log(OFP_LOG_WARN, "%s: controller %s: disconnected (%s); "
			"reconnecting", mgr->ofp->name, ctl->target, why);
		ctl->quiet = true;
		ctl->backoff_ms = BACKOFF_MIN_MS;
	} else if (!ctl->quiet) {
		ofp_log(OFP_LOG_WARN, "%s: controller %s: connection failed "
			"(%s); retrying every %u-%u s, further failures are "
			"not logged", mgr->ofp->name, ctl->target, why,
			BACKOFF_MIN_MS / 1000, BACKOFF_MAX_MS / 1000);
		ctl->quiet = true;
	} else {
		ofp_log(OFP_LOG_DBG, "%s: controller %s: connection failed "
			"(%s)", mgr->ofp->name, ctl->target, why);
	}
	__atomic_store_n(&ctl->up, false, __ATOMIC_RELAXED);
	ctl->conn = NULL;
	ctl->next_attempt_ns = now + ctl->backoff_ms * NS_PER_MS;
	ctl->backoff_ms = ctl->backoff_ms * 2 > BACKOFF_MAX_MS ?
			  BACKOFF_MAX_MS : ctl->backoff_ms * 2;
}

static void
controllers_run(struct ofp_conn_mgr *mgr, uint64_t now)
{
	size_t n;

	pthread_mutex_lock(&mgr->lock);
	n = mgr->n_controllers;
	pthread_mutex_unlock(&mgr->lock);
	for (size_t i = 0; i < n; i++) {
		struct ofp_controller *ctl = &mgr->controllers[i];
		char err[256];

		if (ctl->conn != NULL || now < ctl->next_attempt_ns)
			continue;
		struct ofp_conn *c = conn_new(mgr, ctl->target, 0);
		if (c == NULL) {
			ctrl_lost(mgr, ctl, "out of memory");
			continue;
		}
		c->ctrl = ctl;
		c->sess.is_controller = true;
		ctl->conn = c;
		int rc = ofp_stream_connect(&c->st, ctl->host, ctl->port, err,
					    sizeof(err));
		if (rc == 0 && ctl->ssl) {
			pthread_mutex_lock(&mgr->lock);
			rc = ofp_stream_start_tls(&c->st, mgr->tls, false);
			pthread_mutex_unlock(&mgr->lock);
			if (rc < 0)
				snprintf(err, sizeof(err), "cannot start TLS");
		}
		if (rc < 0) {
			snprintf(c->why, sizeof(c->why), "%s", err);
			c->dead = true;
		}
	}
}

/* Sends what the socket takes. The sent bytes are only skipped
 * (tx_off) and compacted away when they are the larger part of the
 * buffer, so that a slow reader costs O(backlog) copies, not O(n^2). */
static void
conn_write(struct ofp_conn *c)
{
	while (tx_backlog(c) > 0) {
		ssize_t n = ofp_stream_send(&c->st, c->tx.data + c->tx_off,
					    tx_backlog(c));

		if (n < 0) {
			if (n != -EAGAIN) {
				snprintf(c->why, sizeof(c->why), "send: %s",
					 strerror((int)-n));
				c->dead = true;
			}
			break;
		}
		c->tx_off += (size_t)n;
		c->tx_progress_ns = ofp_time_ns();
	}
	if (tx_backlog(c) == 0) {
		c->tx.len = c->tx_off = 0;
		c->tx_progress_ns = ofp_time_ns();
	} else if (c->tx_off >= TX_COMPACT_LEN && c->tx_off >= c->tx.len / 2) {
		ofp_buf_pull(&c->tx, c->tx_off);
		c->tx_off = 0;
	}
}

static void
session_established(struct ofp_conn_mgr *mgr, struct ofp_conn *c)
{
	atomic_fetch_add(&mgr->n_conns, 1);
	if (c->ctrl != NULL) {
		struct ofp_controller *ctl = c->ctrl;

		__atomic_store_n(&ctl->up, true, __ATOMIC_RELAXED);
		ctl->quiet = false;
		ctl->backoff_ms = BACKOFF_MIN_MS;
		atomic_fetch_add(&mgr->n_ctrl_up, 1);
		ofp_log(OFP_LOG_INFO, "%s: controller %s: connected "
			"(OpenFlow 1.%u%s%s)", mgr->ofp->name, ctl->target,
			c->sess.version == OFP13_VERSION ? 3 : 0,
			c->st.peer_cn[0] ? ", peer " : "", c->st.peer_cn);
	}
}

/* Frames and handles the complete messages in rx, until the tx backlog
 * reaches its cap (the rest waits in rx, rx_held, and reading stops):
 * the replies a peer can make us queue are bounded by the cap plus one
 * reply, or one chunk of a flow dump (ofp_mp_dump.h): a pending dump goes
 * on first, and the messages after it wait until it has ended. */
static void
conn_process(struct ofp_conn_mgr *mgr, struct ofp_conn *c, size_t tx_cap)
{
	size_t off = 0;
	bool was_established = c->sess.version != 0;

	c->rx_held = false;
	for (;;) {
		if (!c->closing && ofp_mp_dump_pending(&c->sess)) {
			if (tx_backlog(c) >= tx_cap) {
				c->rx_held = true;
				break;
			}
			ofp_mp_dump_continue(mgr->ofp, &c->sess, &c->tx);
			continue;
		}
		if (c->closing || c->rx.len - off < OFP_HEADER_LEN)
			break;
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
			snprintf(c->why, sizeof(c->why), "bad message length");
			c->closing = true;
			break;
		}
		if (c->sess.version != 0 && msg[0] != c->sess.version) {
			/* Not our version once negotiated: the stream is not
			 * OpenFlow any more (a length taken from it may never
			 * arrive), so answer and close instead of waiting. */
			ofp_msg_put_error(&c->tx, c->sess.version,
					  OFPERR_BAD_REQUEST_BAD_VERSION, msg,
					  c->rx.len - off < 64 ?
					  c->rx.len - off : 64);
			snprintf(c->why, sizeof(c->why),
				 "version 0x%02x after negotiating 0x%02x",
				 msg[0], c->sess.version);
			c->closing = true;
			break;
		}
		if (c->rx.len - off < len)
			break;
		if (tx_backlog(c) >= tx_cap) {
			c->rx_held = true;
			break;
		}
		if (ofp_msg_handle(mgr->ofp, &c->sess, msg, len, &c->tx) < 0) {
			snprintf(c->why, sizeof(c->why),
				 "OpenFlow version negotiation failed");
			c->closing = true;
		}
		off += len;
		/* Async messages this one caused go out before the reply to
		 * the next one (e.g. FLOW_REMOVED before a BARRIER reply). */
		if (atomic_load(&mgr->q_ready))
			deliver_async(mgr);
	}
	ofp_buf_pull(&c->rx, off);
	/* flows_changed (a datapath cache flush) is folded over consecutive
	 * reads: see flush_changes(). Replies that follow a change (barrier,
	 * stats) flush before they are built. */
	if (c->sess.flows_dirty && c->dirty_ns == 0)
		c->dirty_ns = ofp_time_ns();
	if (!was_established && c->sess.version != 0)
		session_established(mgr, c);
}

static void
conn_read(struct ofp_conn_mgr *mgr, struct ofp_conn *c, size_t tx_cap)
{
	size_t total = 0;

	while (total < RX_MAX_PER_RUN && !c->closing) {
		size_t before = c->rx.len;
		ofp_buf_put_zeros(&c->rx, RX_CHUNK);
		ssize_t n = ofp_stream_recv(&c->st, c->rx.data + before,
					    RX_CHUNK);

		c->rx.len = before + (n > 0 ? (size_t)n : 0);
		if (n == 0) {
			snprintf(c->why, sizeof(c->why), "closed by peer");
			c->dead = true;
			break;
		}
		if (n < 0) {
			if (n != -EAGAIN) {
				snprintf(c->why, sizeof(c->why), "recv: %s",
					 strerror((int)-n));
				c->dead = true;
			}
			break;
		}
		total += (size_t)n;
		if (c->st.ssl == NULL && (size_t)n < RX_CHUNK)
			break;
	}
	if (total > 0) {
		c->got_rx = true;
		c->last_rx_ns = ofp_time_ns();
		c->echo_pending = false;
		conn_process(mgr, c, tx_cap);
	}
}

/* Connect / TLS progress of a connection that is not open yet. */
static void
conn_progress(struct ofp_conn *c)
{
	char err[256];
	int rc = ofp_stream_progress(&c->st, err, sizeof(err));

	if (rc == -EAGAIN)
		return;
	if (rc < 0) {
		snprintf(c->why, sizeof(c->why), "%s", err);
		c->dead = true;
		return;
	}
	c->open = true;
	c->last_rx_ns = ofp_time_ns();
	ofp_msg_put_hello(&c->tx);
}

static void
conn_timers(struct ofp_conn_mgr *mgr, struct ofp_conn *c, uint64_t now,
	    uint32_t probe_ms)
{
	(void)mgr;
	if (c->dead)
		return;
	if (c->sess.version == 0) {
		if (now - c->created_ns > OPEN_TIMEOUT_NS) {
			snprintf(c->why, sizeof(c->why), "%s timed out",
				 !c->open ? "connect" : "HELLO exchange");
			c->dead = true;
		}
		return;
	}
	if (probe_ms == 0 || c->closing)
		return;
	uint64_t probe_ns = probe_ms * NS_PER_MS;
	if (c->echo_pending) {
		if (now - c->echo_sent_ns >= 2 * probe_ns) {
			snprintf(c->why, sizeof(c->why), "no reply to the "
				 "inactivity probe for %u s",
				 2 * probe_ms / 1000);
			c->dead = true;
		}
	} else if (now - c->last_rx_ns >= probe_ns) {
		ofp_msg_put_echo_request(&c->tx, c->sess.version,
					 ECHO_PROBE_XID);
		c->echo_pending = true;
		c->echo_sent_ns = now;
	}
}

/* Reports a connection's flow changes to the host once its burst of
 * messages pauses (nothing received in this loop iteration) or after
 * FLUSH_DELAY_NS, whichever comes first: a 100k-flow add-flows then costs
 * a handful of cache flushes, not one per TCP segment. */
#define FLUSH_DELAY_NS (20 * NS_PER_MS)

static void
flush_changes(struct ofp_conn_mgr *mgr, struct ofp_conn *c, uint64_t now)
{
	if (!c->sess.flows_dirty) {
		c->dirty_ns = 0;
	} else if (!c->got_rx || c->dead || c->closing ||
		   now - c->dirty_ns >= FLUSH_DELAY_NS) {
		ofp_session_flush_changes(mgr->ofp, &c->sess);
		c->dirty_ns = 0;
	}
	c->got_rx = false;
}

/* A connection whose backlog stays over its cap (so that we stopped
 * reading it) without any progress for TX_STALL_NS, or for
 * TX_PAUSED_MAX_NS in all, is a slow reader: closed with a log line. */
static void
check_slow_reader(struct ofp_conn_mgr *mgr, struct ofp_conn *c,
		  uint64_t now, size_t tx_cap)
{
	if (c->dead || tx_backlog(c) < tx_cap) {
		c->paused_ns = 0;
		return;
	}
	if (c->paused_ns == 0)
		c->paused_ns = now;
	bool stalled = now - c->tx_progress_ns > TX_STALL_NS;
	if (!stalled && now - c->paused_ns <= TX_PAUSED_MAX_NS)
		return;
	if (ofp_ratelimit_allow(&mgr->rl))
		ofp_log(OFP_LOG_WARN, "%s: reads too slowly (%zu bytes "
			"unsent, %s for %u s), closing", c->sess.peer,
			tx_backlog(c), stalled ? "none sent" :
			"over the backlog cap",
			(unsigned int)((stalled ? TX_STALL_NS :
					TX_PAUSED_MAX_NS) / 1000000000ull));
	snprintf(c->why, sizeof(c->why), "slow reader");
	c->dead = true;
	pthread_mutex_lock(&mgr->lock);
	mgr->slow_closed++;
	pthread_mutex_unlock(&mgr->lock);
}

static void
reap(struct ofp_conn_mgr *mgr, size_t tx_cap)
{
	struct ofp_conn **pp = &mgr->conns;
	uint64_t now = ofp_time_ns();

	while (*pp != NULL) {
		struct ofp_conn *c = *pp;

		check_slow_reader(mgr, c, now, tx_cap);
		if (c->closing && tx_backlog(c) == 0)
			c->dead = true;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		if (c->listener_id != 0)
			mgr->n_accepted--;
		if (c->sess.version != 0)
			atomic_fetch_sub(&mgr->n_conns, 1);
		if (c->ctrl != NULL) {
			if (c->ctrl->up)
				atomic_fetch_sub(&mgr->n_ctrl_up, 1);
			ctrl_lost(mgr, c->ctrl, c->why[0] ? c->why : "closed");
		} else {
			ofp_log(OFP_LOG_DBG, "%s: connection closed (%s)",
				c->sess.peer, c->why[0] ? c->why : "done");
		}
		conn_free(mgr, c);
	}
}

static void *
control_main(void *arg)
{
	struct ofp_conn_mgr *mgr = arg;
	struct pollfd pfds[1 + MAX_LISTENERS + MAX_CONNS];
	struct ofp_conn *pconns[MAX_CONNS];
	struct ofp_listener ls[MAX_LISTENERS];
	uint64_t next_expiry = ofp_time_ns();
	size_t ctrl_up_reported = 0;

	pthread_setname_np(pthread_self(), "ofproto");
	while (!atomic_load(&mgr->stop)) {
		size_t n = 0, n_l, n_c = 0;
		uint64_t now = ofp_time_ns();
		int timeout = 100;

		for (struct ofp_conn *c = mgr->conns; c; c = c->next)
			if (c->sess.flows_dirty)
				timeout = 1;	/* Flush soon after a pause. */

		controllers_run(mgr, now);
		pfds[n++] = (struct pollfd){ .fd = mgr->wake_fd,
					     .events = POLLIN };
		pthread_mutex_lock(&mgr->lock);
		for (size_t i = 0; i < mgr->n_closing; i++)
			close(mgr->closing_fds[i]);
		mgr->n_closing = 0;
		n_l = mgr->n_listeners;
		memcpy(ls, mgr->listeners, n_l * sizeof(ls[0]));
		uint32_t probe_ms = mgr->probe_ms;
		size_t tx_cap = mgr->tx_cap;
		size_t per_listener = mgr->per_listener;
		size_t max_accepted = mgr->max_accepted;
		pthread_mutex_unlock(&mgr->lock);
		if (now < mgr->accept_paused_until) {
			/* Out of fds: the listeners wait (accept_backoff()). */
			uint64_t ms = (mgr->accept_paused_until - now) /
				      NS_PER_MS + 1;
			n_l = 0;
			if ((uint64_t)timeout > ms)
				timeout = (int)ms;
		}
		for (size_t i = 0; i < n_l; i++)
			pfds[n++] = (struct pollfd){ .fd = ls[i].fd,
						     .events = POLLIN };
		for (struct ofp_conn *c = mgr->conns; c && n_c < MAX_CONNS;
		     c = c->next) {
			bool room = !c->closing && tx_backlog(c) < tx_cap;
			bool rx = room && !c->rx_held;

			if (c->dead)
				continue;
			if ((rx && ofp_stream_pending(&c->st)) ||
			    (room && c->rx_held))
				timeout = 0;
			pconns[n_c++] = c;
			pfds[n++] = (struct pollfd){
				.fd = c->st.fd,
				.events = c->open ? ofp_stream_events(
					&c->st, rx, tx_backlog(c) > 0) :
					ofp_stream_events(&c->st, false,
							  false) };
		}

		int rc = poll(pfds, n, timeout);
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
				conn_accept(mgr, &ls[i], per_listener,
					    max_accepted);
		for (size_t i = 0; i < n_c; i++) {
			struct ofp_conn *c = pconns[i];
			short re = rc > 0 ? pfds[1 + n_l + i].revents : 0;

			if (!c->open) {
				if (re || c->st.connecting)
					conn_progress(c);
				continue;
			}
			if (re & POLLNVAL)
				c->dead = true;
			if (c->rx_held && !c->closing &&
			    tx_backlog(c) < tx_cap)
				conn_process(mgr, c, tx_cap);
			if (c->rx_held)
				continue;	/* Not read until it drains. */
			if ((re & (POLLIN | POLLERR | POLLHUP)) ||
			    (!c->closing && ofp_stream_pending(&c->st)) ||
			    (c->st.want_write && (re & POLLOUT)))
				conn_read(mgr, c, tx_cap);
		}
		deliver_async(mgr);
		now = ofp_time_ns();
		for (struct ofp_conn *c = mgr->conns; c; c = c->next) {
			flush_changes(mgr, c, now);
			conn_timers(mgr, c, now, probe_ms);
			if (!c->dead && c->open && tx_backlog(c) > 0)
				conn_write(c);
		}
		reap(mgr, tx_cap);

		size_t up = atomic_load(&mgr->n_ctrl_up);
		if (up != ctrl_up_reported) {
			ctrl_up_reported = up;
			ofproto_controllers_up(mgr->ofp, up);
		}
		if (now >= next_expiry) {
			ofproto_run_expiry(mgr->ofp);
			next_expiry = now + 1000 * NS_PER_MS;
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

/* ---- Tests and fuzzing (see ofp_conn.h). ---- */

static size_t
feed_drain(struct ofp_conn *c)
{
	size_t n = tx_backlog(c);

	c->tx.len = c->tx_off = 0;
	return n;
}

int
ofp_conn_mgr_feed(struct ofp_conn_mgr *mgr, const uint8_t *data, size_t len,
		  size_t chunk, size_t *replied)
{
	struct ofp_conn *c = conn_new(mgr, "feed", 0);
	struct ofp_conn **pp;
	size_t off = 0, out = 0;

	if (c == NULL)
		return -ENOMEM;
	c->open = true;
	ofp_msg_put_hello(&c->tx);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len && !c->closing) {
		size_t n = len - off < chunk ? len - off : chunk;

		ofp_buf_put(&c->rx, data + off, n);
		off += n;
		do {
			conn_process(mgr, c, mgr->tx_cap);
			out += feed_drain(c);
		} while (c->rx_held && !c->closing);
		if (c->sess.flows_dirty)
			ofp_session_flush_changes(mgr->ofp, &c->sess);
	}
	out += feed_drain(c);
	for (pp = &mgr->conns; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	if (c->sess.version != 0)
		atomic_fetch_sub(&mgr->n_conns, 1);
	conn_free(mgr, c);
	if (replied)
		*replied += out;
	return 0;
}
