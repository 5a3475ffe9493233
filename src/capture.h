/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CAPTURE_H
#define PMDSWITCH_CAPTURE_H

/*
 * Port capture to a pcapng file (pmdswitch-ctl capture).
 *
 * capture_start() checks everything a capture needs before it changes
 * anything (the port is a device port, the BPF filter compiles with
 * libpcap, the file can be created), then creates the copy pool and ring
 * (dataplane/pmd_observe.h), publishes them and sets the port's capture
 * bits: from then on the PMDs copy the port's packets. A thread of its own
 * takes the copies off the ring, runs the filter (here, not on the PMDs:
 * a BPF program per packet would cost the PMD far more than a copy, and a
 * rejected copy costs only this thread), writes the packets that pass
 * (cut to snaplen) and stops on its own at --count packets, after
 * --duration, or when the port goes; capture_stop() stops it at once. Its
 * counters are read with capture_status(); the client polls them, so a
 * long capture never holds the control socket.
 *
 * A capture can also hand its copies to a sink instead of a file: that is
 * how dpdk-dumpcap gets them (capture_pdump.h). The sink's take() runs on
 * the capture thread, so whatever the sink touches (a client process's
 * ring and pool) is touched by that thread only, and capture_stop()
 * returning means it is touched no more.
 *
 * One capture runs at a time (the limit of what a client can make the
 * daemon allocate: one pool of CAPTURE_POOL_MBUFS mbufs and one ring).
 *
 * Thread safety: start, status and stop run on the control socket thread
 * (under config_lock, like every command); the session's counters are
 * atomics the capture thread writes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pmdswitch;
struct rte_mbuf;

#define CAPTURE_POOL_MBUFS 8191
#define CAPTURE_RING_SIZE 4096
#define CAPTURE_MAX_SNAPLEN 65535u

/* Where copies go when not to a file. */
struct capture_sink {
	/* One copy (the capture thread; the copy stays the caller's): dir
	 * PMD_CAPTURE_RX or _TX, tsc when the PMD saw it, orig_len its
	 * length before the copy was cut. True if it was delivered (counted
	 * in the capture's packets); a sink counts what it filters or
	 * drops itself. */
	bool (*take)(void *ctx, const struct rte_mbuf *copy, uint32_t dir,
		     uint64_t tsc, uint32_t orig_len);
	/* n more copies the PMDs could not hand over (the capture's pool or
	 * ring full), told as they are seen. NULL: not told. */
	void (*dropped)(void *ctx, uint64_t n);
	/* Asked about once a second; false ends the capture ("client
	 * gone"). NULL: always there. */
	bool (*alive)(void *ctx);
	void *ctx;
	const char *name;	/* Shown where a file's path would be. */
};

struct capture_params {
	const char *port;
	uint32_t dir;		/* PMD_CAPTURE_RX | PMD_CAPTURE_TX */
	uint64_t count;		/* 0: no limit. */
	uint32_t snaplen;	/* 1..CAPTURE_MAX_SNAPLEN */
	uint64_t duration_ms;	/* 0: no limit. */
	const char *path;	/* Absolute path of the pcapng file. */
	const char *filter;	/* BPF, or NULL. */
	const struct capture_sink *sink; /* Instead of path and filter, or
					  * NULL. Must outlive the capture. */
};

struct capture_status {
	uint32_t id;
	bool running;
	uint64_t packets;	/* Written. */
	uint64_t bytes;		/* Their lengths on the wire. */
	uint64_t filtered;	/* Rejected by the filter. */
	uint64_t dropped;	/* Copies lost (PMD side) or not written. */
	const char *reason;	/* Why it stopped: count, duration, stopped,
				 * port removed, write error, client gone,
				 * or "". */
	char port[64];
	char path[4096];
};

/* Start a capture: its id, or -errno with the reason in err. */
int capture_start(struct pmdswitch *sw, const struct capture_params *p,
		  char *err, size_t errlen);
/* The capture with this id (the running one, or the last one). -ENOENT. */
int capture_status(struct pmdswitch *sw, uint32_t id,
		   struct capture_status *st);
/* A running capture to a sink also takes dir (PMD_CAPTURE_RX/_TX) from
 * now on. -ENOENT if it is not running, -EINVAL if it writes a file. */
int capture_add_dir(struct pmdswitch *sw, uint32_t id, uint32_t dir);
/* Stop it (returns when the file is complete). -ENOENT if unknown. */
int capture_stop(struct pmdswitch *sw, uint32_t id);
/* Daemon shutdown: stop whatever runs. */
void capture_shutdown(struct pmdswitch *sw);

#endif /* PMDSWITCH_CAPTURE_H */
