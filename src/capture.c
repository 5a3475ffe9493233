/* SPDX-License-Identifier: BSD-3-Clause */
/* Port capture to pcapng (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "capture_pcapng.h"
#include "daemon.h"
#include "dataplane/pmd_observe.h"

#define CAPTURE_BURST 32
#define CAPTURE_IDLE_NS 1000000L
#define CAPTURE_SINK_POLL_MS 1000

struct capture_session {
	uint32_t id;
	struct pmdswitch *sw;
	struct capture_params p;
	struct capture_sink sink;	/* p.sink points here, or NULL. */
	char port[64];
	char path[4096];
	uint32_t dp_port;
	bool has_filter;
	struct bpf_program prog;
	FILE *f;
	struct pmd_capture cap;
	pthread_t thread;
	bool joined;
	volatile bool stop;		/* capture_stop(). */
	bool write_failed;
	bool running;			/* Atomic: the thread runs. */
	const char *reason;		/* Set by the thread before it ends. */
	uint64_t packets, bytes, filtered, write_drops;	/* Atomics. */
	uint64_t drops_told;		/* cap.drops the sink was told of. */
	uint64_t tsc0, ns0, hz;		/* TSC → wall clock. */
	uint8_t buf[CAPTURE_MAX_SNAPLEN];
};

static uint32_t next_id = 1;

static void
count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void
write_copy(struct capture_session *s, struct rte_mbuf *m)
{
	const struct pmd_capture_meta *meta = rte_mbuf_to_priv(m);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *data;
	struct pcap_pkthdr h = {.caplen = len, .len = meta->orig_len};
	uint64_t ns;

	if (s->p.sink != NULL) {
		if (s->p.count && s->packets >= s->p.count)
			return;
		if (!s->sink.take(s->sink.ctx, m, meta->dir, meta->tsc,
				  meta->orig_len))
			return;
		count(&s->packets, 1);
		count(&s->bytes, meta->orig_len);
		return;
	}
	data = rte_pktmbuf_read(m, 0, len, s->buf);
	if (data == NULL) {
		count(&s->write_drops, 1);
		return;
	}
	if (s->has_filter && pcap_offline_filter(&s->prog, &h, data) == 0) {
		count(&s->filtered, 1);
		return;
	}
	if (s->p.count && s->packets >= s->p.count)
		return;
	ns = s->ns0 + (uint64_t)((double)(meta->tsc - s->tsc0) * 1e9 /
				 (double)s->hz);
	if (pcapng_write_packet(s->f, ns, data,
				len < s->p.snaplen ? len : s->p.snaplen,
				meta->orig_len,
				meta->dir == PMD_CAPTURE_RX ?
				PCAPNG_DIR_INBOUND : PCAPNG_DIR_OUTBOUND) < 0) {
		s->write_failed = true;
		return;
	}
	count(&s->packets, 1);
	count(&s->bytes, meta->orig_len);
}

/* The sink hears of the PMDs' drops as it hears of packets. */
static void
tell_drops(struct capture_session *s)
{
	uint64_t d = __atomic_load_n(&s->cap.drops, __ATOMIC_RELAXED);

	if (s->p.sink != NULL && s->sink.dropped != NULL &&
	    d != s->drops_told) {
		s->sink.dropped(s->sink.ctx, d - s->drops_told);
		s->drops_told = d;
	}
}

/* Take up to max copies off the ring. While the PMDs copy, the ring may
 * never run empty (they refill it as fast as this thread frees mbufs):
 * the loop bounds each call so that it gets back to its stop, count,
 * duration and client checks. */
static void
drain(struct capture_session *s, unsigned max)
{
	struct rte_mbuf *m[CAPTURE_BURST];
	unsigned n, done = 0;

	tell_drops(s);
	while (done < max &&
	       (n = rte_ring_sc_dequeue_burst(s->cap.ring, (void **)m,
					      CAPTURE_BURST, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (!s->write_failed)
				write_copy(s, m[i]);
			rte_pktmbuf_free(m[i]);
		}
		done += n;
	}
}

/* The port's bits off, a grace period, the pointer off: no PMD touches the
 * ring or the pool after this. */
static void
unpublish(struct capture_session *s)
{
	struct pmdswitch *sw = s->sw;

	__atomic_store_n(&sw->port_table.ports[s->dp_port].capture, 0,
			 __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
	__atomic_store_n(&sw->port_table.capture, NULL, __ATOMIC_RELEASE);
}

static void *
capture_main(void *arg)
{
	struct capture_session *s = arg;
	struct pmdswitch *sw = s->sw;
	uint64_t end = s->p.duration_ms ?
		       pmd_clock_ms() + s->p.duration_ms : 0;
	struct timespec idle = {0, CAPTURE_IDLE_NS};
	uint64_t next_poll = pmd_clock_ms() + CAPTURE_SINK_POLL_MS;
	bool gone;

	while (!s->stop) {
		if (rte_ring_empty(s->cap.ring))
			nanosleep(&idle, NULL);
		drain(s, CAPTURE_RING_SIZE);
		if (s->write_failed) {
			s->reason = "write error";
			break;
		}
		if (s->p.count && s->packets >= s->p.count) {
			s->reason = "count";
			break;
		}
		if (end && pmd_clock_ms() >= end) {
			s->reason = "duration";
			break;
		}
		pthread_rwlock_rdlock(&sw->ports_lock);
		gone = !sw->ports[s->dp_port].in_use ||
		       strcmp(sw->ports[s->dp_port].name, s->port) != 0;
		pthread_rwlock_unlock(&sw->ports_lock);
		if (gone) {
			s->reason = "port removed";
			break;
		}
		if (s->p.sink != NULL && s->sink.alive != NULL &&
		    pmd_clock_ms() >= next_poll) {
			next_poll = pmd_clock_ms() + CAPTURE_SINK_POLL_MS;
			if (!s->sink.alive(s->sink.ctx)) {
				s->reason = "client gone";
				break;
			}
		}
	}
	if (s->reason == NULL)
		s->reason = "stopped";
	unpublish(s);
	/* What the PMDs copied before they stopped is still written (up to
	 * the count); no PMD adds to the ring any more. */
	drain(s, UINT_MAX);
	if (s->f != NULL && (fclose(s->f) != 0 || s->write_failed))
		s->reason = "write error";
	s->f = NULL;
	__atomic_store_n(&s->running, false, __ATOMIC_RELEASE);
	return NULL;
}

static void
session_free(struct capture_session *s)
{
	if (s == NULL)
		return;
	if (!s->joined)
		pthread_join(s->thread, NULL);
	if (s->has_filter)
		pcap_freecode(&s->prog);
	rte_ring_free(s->cap.ring);
	rte_mempool_free(s->cap.mp);
	free(s);
}

int
capture_start(struct pmdswitch *sw, const struct capture_params *p, char *err,
	      size_t errlen)
{
	struct capture_session *s, *old = sw->capture;
	struct switch_port *port;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct timespec now;
	int rc, fd;

	if (old != NULL && __atomic_load_n(&old->running, __ATOMIC_ACQUIRE)) {
		snprintf(err, errlen, "capture %u on port %s is running (one "
			 "capture at a time)", old->id, old->port);
		return -EBUSY;
	}
	/* The last capture's pool and ring go before new ones are made. */
	session_free(old);
	sw->capture = old = NULL;
	port = port_find(sw, p->port);
	if (port == NULL) {
		snprintf(err, errlen, "no port named \"%s\"", p->port);
		return -ENOENT;
	}
	if (port->kind != CFG_PORT_DPDK && port->kind != CFG_PORT_VHOST_USER) {
		snprintf(err, errlen, "port %s: only dpdk and vhost-user ports "
			 "can be captured", p->port);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->sw = sw;
	s->p = *p;
	snprintf(s->port, sizeof(s->port), "%s", p->port);
	snprintf(s->path, sizeof(s->path), "%s",
		 p->sink != NULL ? p->sink->name : p->path);
	s->p.port = s->port;
	s->p.path = s->path;
	s->p.filter = NULL;
	if (p->sink != NULL) {
		s->sink = *p->sink;
		s->p.sink = &s->sink;
	}
	s->dp_port = port->dp_port;
	s->joined = true;
	if (p->sink == NULL && p->filter != NULL && p->filter[0] != '\0') {
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, (int)p->snaplen);

		if (dead == NULL) {
			snprintf(err, errlen, "libpcap: out of memory");
			free(s);
			return -ENOMEM;
		}
		if (pcap_compile(dead, &s->prog, p->filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "filter \"%s\" does not compile: "
				 "%s", p->filter, pcap_geterr(dead));
			pcap_close(dead);
			free(s);
			return -EINVAL;
		}
		pcap_close(dead);
		s->has_filter = true;
	}
	/* A new file only: the daemon never overwrites or follows a link
	 * on behalf of a client. */
	fd = p->sink != NULL ? -1 :
	     open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	s->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (p->sink == NULL && s->f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", p->path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		session_free(s);
		return rc;
	}
	rc = s->f != NULL ? pcapng_write_header(s->f, s->port, p->snaplen) : 0;
	snprintf(name, sizeof(name), "capture_mp_%u", next_id);
	s->cap.mp = rte_pktmbuf_pool_create(name, CAPTURE_POOL_MBUFS, 0,
					    sizeof(struct pmd_capture_meta),
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "capture_ring_%u", next_id);
	s->cap.ring = rte_ring_create(name, CAPTURE_RING_SIZE,
				      SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (rc < 0 || s->cap.mp == NULL || s->cap.ring == NULL) {
		rc = rc < 0 ? rc : -ENOMEM;
		snprintf(err, errlen, "cannot set up the capture: %s",
			 rc == -ENOMEM ? "no memory for its mbuf pool or ring" :
			 strerror(-rc));
		if (s->f != NULL) {
			fclose(s->f);
			unlink(p->path);
		}
		session_free(s);
		return rc;
	}
	s->cap.copy_len = p->snaplen;
	s->hz = rte_get_tsc_hz();
	s->tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &now);
	s->ns0 = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	s->running = true;
	s->id = next_id++;
	/* No port keeps a bit of an earlier capture (capture_add_dir() may
	 * have raced with its end): only this capture's port is copied. */
	for (unsigned i = 0; i < PMD_MAX_PORTS; i++)
		__atomic_store_n(&sw->port_table.ports[i].capture, 0,
				 __ATOMIC_RELAXED);
	__atomic_store_n(&sw->port_table.capture, &s->cap, __ATOMIC_RELEASE);
	__atomic_store_n(&sw->port_table.ports[s->dp_port].capture, p->dir,
			 __ATOMIC_RELEASE);
	rc = pthread_create(&s->thread, NULL, capture_main, s);
	if (rc != 0) {
		unpublish(s);
		if (s->f != NULL) {
			fclose(s->f);
			unlink(p->path);
		}
		session_free(s);
		snprintf(err, errlen, "cannot start the capture thread: %s",
			 strerror(rc));
		return -rc;
	}
	s->joined = false;
	sw->capture = s;
	return (int)s->id;
}

int
capture_status(struct pmdswitch *sw, uint32_t id, struct capture_status *st)
{
	struct capture_session *s = sw->capture;

	if (s == NULL || s->id != id)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->id = s->id;
	st->running = __atomic_load_n(&s->running, __ATOMIC_ACQUIRE);
	st->packets = __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
	st->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	st->filtered = __atomic_load_n(&s->filtered, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&s->cap.drops, __ATOMIC_RELAXED) +
		      __atomic_load_n(&s->write_drops, __ATOMIC_RELAXED);
	st->reason = st->running || s->reason == NULL ? "" : s->reason;
	snprintf(st->port, sizeof(st->port), "%s", s->port);
	snprintf(st->path, sizeof(st->path), "%s", s->path);
	return 0;
}

int
capture_add_dir(struct pmdswitch *sw, uint32_t id, uint32_t dir)
{
	struct capture_session *s = sw->capture;

	if (s == NULL || s->id != id ||
	    !__atomic_load_n(&s->running, __ATOMIC_ACQUIRE))
		return -ENOENT;
	if (s->p.sink == NULL)
		return -EINVAL;
	s->p.dir |= dir;
	__atomic_store_n(&sw->port_table.ports[s->dp_port].capture, s->p.dir,
			 __ATOMIC_RELEASE);
	return 0;
}

int
capture_stop(struct pmdswitch *sw, uint32_t id)
{
	struct capture_session *s = sw->capture;

	if (s == NULL || s->id != id)
		return -ENOENT;
	s->stop = true;
	if (!s->joined) {
		pthread_join(s->thread, NULL);
		s->joined = true;
	}
	return 0;
}

void
capture_shutdown(struct pmdswitch *sw)
{
	if (sw->capture == NULL)
		return;
	capture_stop(sw, sw->capture->id);
	session_free(sw->capture);
	sw->capture = NULL;
}
