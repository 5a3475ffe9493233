/* SPDX-License-Identifier: BSD-3-Clause */
/* dpdk-dumpcap / dpdk-pdump requests, served by the daemon's capture (see
 * capture_pdump.h). */
/* rte_pcapng_copy() and rte_bpf are experimental in DPDK 22.11 (the
 * release this file speaks to); dpdk-dumpcap uses the same. */
#define ALLOW_EXPERIMENTAL_API

#include "capture_pdump.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bpf.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "capture.h"
#include "daemon.h"
#include "dataplane/pmd_observe.h"

/* The multi-process action name and messages of DPDK 22.11's rte_pdump
 * (lib/pdump/rte_pdump.c): the clients of that release send exactly
 * these. A request of another length is refused. */
#define PDUMP_MP_NAME "mp_pdump"
#define PDUMP_STATS_MZ "rte_pdump_stats"

enum { PDUMP_OP_DISABLE = 1, PDUMP_OP_ENABLE = 2 };
enum { PDUMP_VER_COPY = 1, PDUMP_VER_PCAPNG = 2 };

struct pdump_wire_request {
	uint16_t ver;
	uint16_t op;
	uint32_t flags;			/* RTE_PDUMP_FLAG_RX | _TX */
	char device[RTE_DEV_NAME_MAX_LEN];
	uint16_t queue;			/* RTE_PDUMP_ALL_QUEUES or one. */
	struct rte_ring *ring;
	struct rte_mempool *mp;
	const struct rte_bpf_prm *prm;	/* NULL: no filter. */
	uint32_t snaplen;
};

struct pdump_wire_response {
	uint16_t ver;
	uint16_t res_op;
	int32_t err_value;		/* 0 or -errno. */
};

/* The statistics memzone as rte_pdump_stats() reads it: it adds up the
 * entries of a port's queues, so this module counts in queue 0's. */
struct pdump_wire_stats {
	struct rte_pdump_stats rx[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];
	struct rte_pdump_stats tx[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];
	const struct rte_memzone *mz;
};

#define PDUMP_QUEUE_MAX 8	/* Requests waiting for the server thread. */

struct pdump_job {
	struct pdump_wire_request req;
	char peer[256];			/* The client's socket, to reply. */
};

/* Where one direction's copies go: dpdk-dumpcap asks for both in one
 * request, dpdk-pdump sends one request per direction (each with its own
 * ring, or the same one). */
struct pdump_leg {
	bool on;			/* Atomic: set last, read first. */
	uint16_t ver;			/* PDUMP_VER_COPY or _PCAPNG. */
	struct rte_ring *ring;
	struct rte_mempool *mp;
	struct rte_bpf *filter;		/* NULL: every packet. */
	uint32_t snaplen;
};

/* The one client being served. */
struct pdump_client {
	struct pdump_leg legs[2];	/* [0] received, [1] sent. */
	uint16_t port_id;
	pid_t pid;			/* 0: unknown (never "gone"). */
	int capture_id;
	bool capturing;			/* Its capture not stopped yet. */
	struct rte_pdump_stats *stats;	/* rx[port_id][0] of the memzone. */
	char name[64];
	struct capture_sink sink;
};

static struct {
	const struct rte_memzone *mz;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;		/* jobs, n_jobs, stop */
	pthread_cond_t cond;
	struct pdump_job jobs[PDUMP_QUEUE_MAX];
	unsigned n_jobs;
	bool stop;
	struct pdump_client *client;	/* Server thread, under config_lock. */
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void
reply(const struct pdump_wire_request *req, const char *peer, int err)
{
	struct rte_mp_msg msg;
	struct pdump_wire_response *r = (void *)msg.param;

	memset(&msg, 0, sizeof(msg));
	snprintf(msg.name, sizeof(msg.name), "%s", PDUMP_MP_NAME);
	msg.len_param = sizeof(*r);
	r->ver = req != NULL ? req->ver : 0;
	r->res_op = req != NULL ? req->op : 0;
	r->err_value = err;
	if (rte_mp_reply(&msg, peer) < 0)
		LOG_WARNING("dpdk-dumpcap: cannot reply to %s: %s", peer,
			    rte_strerror(rte_errno));
}

/* ------------------------------------------------------------ the sink */

static void
stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static bool
client_take(void *ctx, const struct rte_mbuf *m, uint32_t dir, uint64_t tsc,
	    uint32_t orig_len)
{
	struct pdump_client *c = ctx;
	struct pdump_leg *leg = &c->legs[dir == PMD_CAPTURE_RX ? 0 : 1];
	struct rte_mbuf *out;

	if (!__atomic_load_n(&leg->on, __ATOMIC_ACQUIRE))
		return false;
	/* A full ring is seen before a copy is made: a copy that could not
	 * be queued would go back into the client's pool, and a put into
	 * the pool of a client killed in the middle of one of its own puts
	 * spins for ever (multi-producer ring). This thread is the ring's
	 * only producer and the pool's only consumer, so the room it sees
	 * stays, and taking from the pool never waits on the client. */
	if (rte_ring_free_count(leg->ring) == 0) {
		stat_add(&c->stats->ringfull, 1);
		return false;
	}
	if (leg->filter != NULL &&
	    rte_bpf_exec(leg->filter, (void *)(uintptr_t)m) == 0) {
		stat_add(&c->stats->filtered, 1);
		return false;
	}
	if (leg->ver == PDUMP_VER_PCAPNG) {
		out = rte_pcapng_copy(c->port_id, 0, m, leg->mp, leg->snaplen,
				      tsc, dir == PMD_CAPTURE_RX ?
				      RTE_PCAPNG_DIRECTION_IN :
				      RTE_PCAPNG_DIRECTION_OUT);
		/* The copy it was made from may have been cut: the enhanced
		 * packet block's original length (bytes 24-27) is the
		 * packet's. */
		if (out != NULL && rte_pktmbuf_data_len(out) >= 28)
			*rte_pktmbuf_mtod_offset(out, uint32_t *, 24) =
				orig_len;
	} else {
		out = rte_pktmbuf_copy(m, leg->mp, 0, leg->snaplen);
	}
	if (out == NULL) {
		stat_add(&c->stats->nombuf, 1);
		return false;
	}
	if (rte_ring_enqueue(leg->ring, out) != 0) {
		stat_add(&c->stats->ringfull, 1);
		rte_pktmbuf_free(out);
		return false;
	}
	stat_add(&c->stats->accepted, 1);
	return true;
}

/* Copies the PMDs could not hand over are the client's drops too. */
static void
client_dropped(void *ctx, uint64_t n)
{
	struct pdump_client *c = ctx;

	stat_add(&c->stats->ringfull, n);
}

static bool
client_alive(void *ctx)
{
	struct pdump_client *c = ctx;

	return c->pid == 0 || kill(c->pid, 0) == 0 || errno != ESRCH;
}

/* A secondary process's socket is <runtime dir>/mp_socket_<pid>_<tsc>. */
static pid_t
peer_pid(const char *peer)
{
	const char *p = strrchr(peer, '/');
	int pid;

	p = p != NULL ? p + 1 : peer;
	if (sscanf(p, "mp_socket_%d_", &pid) != 1 || pid <= 0)
		return 0;
	return (pid_t)pid;
}

/* ------------------------------------------------------------ requests */

static void
clear_port_stats(uint16_t port_id)
{
	struct pdump_wire_stats *all = srv.mz->addr;

	memset(all->rx[port_id], 0, sizeof(all->rx[port_id]));
	memset(all->tx[port_id], 0, sizeof(all->tx[port_id]));
}

static bool
in_shared_memory(const void *p)
{
	return p != NULL && rte_mem_virt2memseg_list(p) != NULL;
}

static void
client_free(struct pdump_client *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (c->legs[i].filter != NULL)
			rte_bpf_destroy(c->legs[i].filter);
	free(c);
}

static struct switch_port *
device_port(struct pmdswitch *sw, uint16_t port_id)
{
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct switch_port *p = &sw->ports[i];

		if (p->in_use && (p->kind == CFG_PORT_DPDK ||
				  p->kind == CFG_PORT_VHOST_USER) &&
		    p->dev.started && p->dev.port_id == port_id)
			return p;
	}
	return NULL;
}

static uint32_t
req_dir(const struct pdump_wire_request *req)
{
	return ((req->flags & RTE_PDUMP_FLAG_RX) ? PMD_CAPTURE_RX : 0) |
	       ((req->flags & RTE_PDUMP_FLAG_TX) ? PMD_CAPTURE_TX : 0);
}

/* Fill the legs a request names (its filter loaded once per leg); they are
 * switched on last. */
static int
set_legs(struct pdump_client *c, const struct pdump_wire_request *req,
	 const struct switch_port *port)
{
	uint32_t dir = req_dir(req);

	if (req->prm != NULL && !in_shared_memory(req->prm->ins)) {
		LOG_WARNING("dpdk-dumpcap: port %s: filter program not in the "
			    "shared memory", port->name);
		return -EINVAL;
	}
	if (req->prm != NULL &&
	    req->prm->prog_arg.type != RTE_BPF_ARG_PTR_MBUF) {
		LOG_WARNING("dpdk-dumpcap: port %s: filter program argument "
			    "type %u, not an mbuf", port->name,
			    req->prm->prog_arg.type);
		return -EINVAL;
	}
	for (int i = 0; i < 2; i++) {
		struct pdump_leg *leg = &c->legs[i];

		if (!(dir & (i == 0 ? PMD_CAPTURE_RX : PMD_CAPTURE_TX)))
			continue;
		leg->ver = req->ver;
		leg->ring = req->ring;
		leg->mp = req->mp;
		leg->snaplen = req->snaplen == 0 ||
			       req->snaplen > CAPTURE_MAX_SNAPLEN ?
			       CAPTURE_MAX_SNAPLEN : req->snaplen;
		if (req->prm != NULL) {
			leg->filter = rte_bpf_load(req->prm);
			if (leg->filter == NULL) {
				LOG_WARNING("dpdk-dumpcap: port %s: filter "
					    "does not load: %s", port->name,
					    rte_strerror(rte_errno));
				return -EINVAL;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (dir & (i == 0 ? PMD_CAPTURE_RX : PMD_CAPTURE_TX))
			__atomic_store_n(&c->legs[i].on, true,
					 __ATOMIC_RELEASE);
	return 0;
}

/* dpdk-pdump's second request: the other direction of the same port, from
 * the same client, while its capture runs. */
static int
add_leg(struct pmdswitch *sw, struct pdump_client *c,
	const struct pdump_wire_request *req, const struct switch_port *port,
	const char *peer)
{
	uint32_t dir = req_dir(req);
	int rc;

	if (c->pid != peer_pid(peer) || c->port_id != port->dev.port_id ||
	    !c->capturing || (dir & PMD_CAPTURE_RX && c->legs[0].on) ||
	    (dir & PMD_CAPTURE_TX && c->legs[1].on)) {
		LOG_WARNING("dpdk-dumpcap: port %s: %s is attached already "
			    "(one client, one port at a time)", port->name,
			    c->name);
		return -EBUSY;
	}
	rc = set_legs(c, req, port);
	if (rc < 0) {
		/* Nothing of it was switched on: drop what was loaded. */
		for (int i = 0; i < 2; i++)
			if (!c->legs[i].on && c->legs[i].filter != NULL) {
				rte_bpf_destroy(c->legs[i].filter);
				c->legs[i].filter = NULL;
			}
		return rc;
	}
	rc = capture_add_dir(sw, (uint32_t)c->capture_id, dir);
	if (rc < 0)
		return rc;
	LOG_NOTICE("capture %d: %s adds the %s direction", c->capture_id,
		   c->name, dir == PMD_CAPTURE_RX ? "received" :
		   dir == PMD_CAPTURE_TX ? "sent" : "both");
	return 0;
}

static int
enable(struct pmdswitch *sw, const struct pdump_wire_request *req,
       const char *peer)
{
	struct capture_params cp = {0};
	struct pdump_client *c;
	struct switch_port *port;
	uint16_t port_id;
	char err[256];
	int id, rc;

	if (req->ver != PDUMP_VER_COPY && req->ver != PDUMP_VER_PCAPNG) {
		LOG_WARNING("dpdk-dumpcap: request version %u (this daemon "
			    "takes 1 and 2: DPDK 22.11's)", req->ver);
		return -EINVAL;
	}
	if ((req->flags & RTE_PDUMP_FLAG_RXTX) == 0 ||
	    (req->flags & ~(uint32_t)RTE_PDUMP_FLAG_RXTX) != 0) {
		LOG_WARNING("dpdk-dumpcap: flags %#x", req->flags);
		return -EINVAL;
	}
	if (rte_eth_dev_get_port_by_name(req->device, &port_id) != 0 ||
	    (port = device_port(sw, port_id)) == NULL) {
		LOG_WARNING("dpdk-dumpcap: device \"%.*s\" is not a port of "
			    "the switch", RTE_DEV_NAME_MAX_LEN, req->device);
		return -EINVAL;
	}
	if (req->queue != RTE_PDUMP_ALL_QUEUES) {
		LOG_WARNING("dpdk-dumpcap: port %s: one queue (%u) asked; "
			    "the switch captures a port's every queue "
			    "(queue=*)", port->name, req->queue);
		return -ENOTSUP;
	}
	if (!in_shared_memory(req->ring) || !in_shared_memory(req->mp) ||
	    (req->prm != NULL && !in_shared_memory(req->prm))) {
		LOG_WARNING("dpdk-dumpcap: port %s: ring, pool or filter not "
			    "in the shared memory", port->name);
		return -EINVAL;
	}
	if (srv.client != NULL)
		return add_leg(sw, srv.client, req, port, peer);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->port_id = port_id;
	c->pid = peer_pid(peer);
	c->stats = &((struct pdump_wire_stats *)srv.mz->addr)->rx[port_id][0];
	/* What the client reports at its end is its own session's. */
	clear_port_stats(port_id);
	snprintf(c->name, sizeof(c->name), "%s (pid %d)",
		 req->ver == PDUMP_VER_PCAPNG ? "dpdk-dumpcap" : "dpdk-pdump",
		 (int)c->pid);
	rc = set_legs(c, req, port);
	if (rc < 0) {
		client_free(c);
		return rc;
	}
	c->sink = (struct capture_sink){
		.take = client_take, .dropped = client_dropped,
		.alive = client_alive, .ctx = c, .name = c->name,
	};
	cp.port = port->name;
	cp.dir = req_dir(req);
	/* The PMDs copy no more than the client keeps (dpdk-pdump's second
	 * request, if any, keeps whole packets as its first does). */
	cp.snaplen = c->legs[cp.dir & PMD_CAPTURE_RX ? 0 : 1].snaplen;
	cp.sink = &c->sink;
	id = capture_start(sw, &cp, err, sizeof(err));
	if (id < 0) {
		LOG_WARNING("dpdk-dumpcap: port %s: %s", port->name, err);
		client_free(c);
		return id;
	}
	c->capture_id = id;
	c->capturing = true;
	srv.client = c;
	LOG_NOTICE("capture %d: %s attached to port %s", id, c->name,
		   port->name);
	return 0;
}

/* Stop the client's capture: when this returns, no thread of the daemon
 * touches its rings or pools again. */
static void
stop_capture(struct pmdswitch *sw, struct pdump_client *c, const char *why)
{
	struct capture_status st;

	if (!c->capturing)
		return;
	capture_stop(sw, (uint32_t)c->capture_id);
	c->capturing = false;
	if (capture_status(sw, (uint32_t)c->capture_id, &st) == 0)
		LOG_NOTICE("capture %d: %s %s: %lu packets, %lu filtered, "
			   "%lu dropped", c->capture_id, c->name, why,
			   (unsigned long)st.packets,
			   (unsigned long)st.filtered,
			   (unsigned long)st.dropped);
}

static void
forget_client(struct pmdswitch *sw, const char *why)
{
	stop_capture(sw, srv.client, why);
	client_free(srv.client);
	srv.client = NULL;
}

/* A stop names one direction or both. The first stop ends the whole
 * capture (dpdk-pdump stops both directions, one request each, before it
 * frees its rings); the client is forgotten when it has stopped every
 * direction it started. */
static int
disable(struct pmdswitch *sw, const struct pdump_wire_request *req)
{
	struct pdump_client *c = srv.client;
	uint32_t dir = req_dir(req);
	uint16_t port_id;

	if (c == NULL ||
	    rte_eth_dev_get_port_by_name(req->device, &port_id) != 0 ||
	    port_id != c->port_id ||
	    !((dir & PMD_CAPTURE_RX && c->legs[0].on) ||
	      (dir & PMD_CAPTURE_TX && c->legs[1].on))) {
		LOG_WARNING("dpdk-dumpcap: stop asked for \"%.*s\", which no "
			    "client captures", RTE_DEV_NAME_MAX_LEN,
			    req->device);
		return -EINVAL;
	}
	stop_capture(sw, c, "detached");
	if (dir & PMD_CAPTURE_RX)
		c->legs[0].on = false;
	if (dir & PMD_CAPTURE_TX)
		c->legs[1].on = false;
	if (!c->legs[0].on && !c->legs[1].on)
		forget_client(sw, "detached");
	return 0;
}

static void
serve(struct pmdswitch *sw, const struct pdump_job *j)
{
	int rc;

	pthread_mutex_lock(&sw->config_lock);
	/* A client that went away without a word ended its capture on its
	 * own: forget it before a new one comes. */
	if (srv.client != NULL && !client_alive(srv.client))
		forget_client(sw, "gone");
	if (j->req.op == PDUMP_OP_ENABLE)
		rc = enable(sw, &j->req, j->peer);
	else if (j->req.op == PDUMP_OP_DISABLE)
		rc = disable(sw, &j->req);
	else
		rc = -EINVAL;
	pthread_mutex_unlock(&sw->config_lock);
	reply(&j->req, j->peer, rc);
}

static void *
server_main(void *arg)
{
	struct pmdswitch *sw = arg;
	struct pdump_job j;

	pthread_mutex_lock(&srv.lock);
	for (;;) {
		while (srv.n_jobs == 0 && !srv.stop)
			pthread_cond_wait(&srv.cond, &srv.lock);
		if (srv.stop)
			break;
		j = srv.jobs[0];
		memmove(&srv.jobs[0], &srv.jobs[1],
			--srv.n_jobs * sizeof(srv.jobs[0]));
		pthread_mutex_unlock(&srv.lock);
		serve(sw, &j);
		pthread_mutex_lock(&srv.lock);
	}
	pthread_mutex_unlock(&srv.lock);
	return NULL;
}

/* DPDK's multi-process thread: queue the request, never wait. */
static int
on_request(const struct rte_mp_msg *msg, const void *peer)
{
	struct pdump_wire_request req;
	int err = 0;

	if (msg->len_param != (int)sizeof(req)) {
		LOG_WARNING("dpdk-dumpcap: request of %d bytes (DPDK 22.11's "
			    "has %zu): a client of another DPDK release?",
			    msg->len_param, sizeof(req));
		reply(NULL, peer, -EINVAL);
		return 0;
	}
	/* EAL's receive buffer puts param at a 4-byte boundary: copied, not
	 * read in place (its pointers need 8). */
	memcpy(&req, msg->param, sizeof(req));
	/* The device name is the client's: it may fill the field. */
	req.device[RTE_DEV_NAME_MAX_LEN - 1] = '\0';
	pthread_mutex_lock(&srv.lock);
	if (srv.stop || srv.n_jobs == PDUMP_QUEUE_MAX ||
	    strlen(peer) >= sizeof(srv.jobs[0].peer)) {
		err = -EBUSY;
	} else {
		srv.jobs[srv.n_jobs].req = req;
		snprintf(srv.jobs[srv.n_jobs].peer,
			 sizeof(srv.jobs[0].peer), "%s", (const char *)peer);
		srv.n_jobs++;
		pthread_cond_signal(&srv.cond);
	}
	pthread_mutex_unlock(&srv.lock);
	if (err != 0)
		reply(&req, peer, err);
	return 0;
}

int
capture_pdump_start(struct pmdswitch *sw)
{
	int rc;

	srv.mz = rte_memzone_reserve(PDUMP_STATS_MZ,
				     sizeof(struct pdump_wire_stats),
				     rte_socket_id(), 0);
	if (srv.mz == NULL) {
		LOG_WARNING("dpdk-dumpcap cannot attach: no memory for its "
			    "statistics: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memset(srv.mz->addr, 0, sizeof(struct pdump_wire_stats));
	((struct pdump_wire_stats *)srv.mz->addr)->mz = srv.mz;
	rc = pthread_create(&srv.thread, NULL, server_main, sw);
	if (rc != 0) {
		LOG_WARNING("dpdk-dumpcap cannot attach: no server thread: %s",
			    strerror(rc));
		rte_memzone_free(srv.mz);
		srv.mz = NULL;
		return -rc;
	}
	srv.started = true;
	if (rte_mp_action_register(PDUMP_MP_NAME, on_request) < 0 &&
	    rte_errno != ENOTSUP) {
		LOG_WARNING("dpdk-dumpcap cannot attach: %s",
			    rte_strerror(rte_errno));
		capture_pdump_stop(sw);
		return -rte_errno;
	}
	return 0;
}

void
capture_pdump_stop(struct pmdswitch *sw)
{
	if (!srv.started)
		return;
	rte_mp_action_unregister(PDUMP_MP_NAME);
	pthread_mutex_lock(&srv.lock);
	srv.stop = true;
	pthread_cond_signal(&srv.cond);
	pthread_mutex_unlock(&srv.lock);
	pthread_join(srv.thread, NULL);
	srv.started = false;
	/* Requests that came too late are told, not left to time out. */
	for (unsigned i = 0; i < srv.n_jobs; i++)
		reply(&srv.jobs[i].req, srv.jobs[i].peer, -ESHUTDOWN);
	srv.n_jobs = 0;
	pthread_mutex_lock(&sw->config_lock);
	if (srv.client != NULL)
		forget_client(sw, "detached at shutdown");
	pthread_mutex_unlock(&sw->config_lock);
	rte_memzone_free(srv.mz);
	srv.mz = NULL;
}
