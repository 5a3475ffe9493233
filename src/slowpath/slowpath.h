/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_SLOWPATH_H
#define PMDSWITCH_SLOWPATH_H

/*
 * The slowpath: a thread that drains the PMDs' upcall rings, runs each
 * missed packet through the OpenFlow pipeline (ofproto_lookup), translates
 * the result into datapath actions, installs a megaflow (mask = every bit
 * the pipeline consulted) into the PMD that missed, and hands the packet
 * back to that PMD to execute. Packets sent up by a controller action
 * become OpenFlow packet-ins.
 *
 * It also keeps caches honest: slowpath_flows_changed() revalidates every
 * megaflow (re-runs the pipeline on its key; keeps it only when the
 * actions are the same and the mask covers what the pipeline consulted;
 * flushes instead above a size bound) and waits for an RCU grace period,
 * so once it returns no PMD forwards by a result made before the change; slowpath_sync_stats()
 * credits megaflow counters to the OpenFlow rules that produced them; idle
 * megaflows expire after megaflow-idle-ms.
 *
 * Several bridges: the datapath in_port carries the bridge (xlate.h), so
 * one slowpath serves every bridge; patch ports are resolved here.
 *
 * Thread safety: one internal mutex serializes every megaflow writer (the
 * slowpath thread, the OpenFlow control thread through the ofproto host
 * callbacks, the control socket). A generation number, bumped by
 * slowpath_flows_changed() before it flushes, keeps a lookup that raced
 * with a rule change from installing a stale megaflow.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "dataplane/pmd.h"
#include "ofproto/ofproto.h"
#include "ofproto/strbuf.h"
#include "slowpath/xlate.h"

struct slowpath;

struct slowpath_stats {
	uint64_t upcalls;		/* Upcalls handled. */
	uint64_t installs;		/* Megaflows installed. */
	uint64_t install_exists;	/* Already there (a race of misses). */
	uint64_t install_full;		/* Megaflow table full. */
	uint64_t install_stale;		/* Rules changed during the lookup. */
	uint64_t exec_drops;		/* Exec ring full. */
	uint64_t packet_ins;
	uint64_t expired;		/* Idle megaflows removed. */
	uint64_t flushes;		/* slowpath_flows_changed() calls. */
	uint64_t packet_outs;
	uint64_t packet_out_drops;
	uint64_t install_uncacheable;	/* More rules than a megaflow credits,
					 * or too many actions: not cached. */
	uint64_t revalidations;		/* Rule changes revalidated. */
	uint64_t reval_kept;		/* Megaflows a revalidation kept. */
	uint64_t reval_removed;		/* ... and removed. */
	uint64_t reval_out_of_time;	/* Revalidations cut by the budget. */
	uint64_t sleeps;		/* Idle: slept on the eventfd. */
	uint64_t wakeups;		/* PMDs woke it (one write each). */
};

struct slowpath *slowpath_create(struct ofproto *ofp, struct pmd **pmds,
				 unsigned n_pmds,
				 const struct pmd_port_table *ports,
				 struct rte_mempool *mp, uint32_t idle_ms);
void slowpath_destroy(struct slowpath *sp);
/* The PMDs changed (live reload of datapath.pmd-cores): the slowpath
 * serves these from now on. When it returns, the slowpath thread and
 * packet-outs no longer touch a PMD that is not in the list (its upcall
 * ring is not drained, nothing is put on its exec ring), and what its
 * megaflows forwarded is credited to their rules: it may be stopped and
 * destroyed. Config thread. */
int slowpath_set_pmds(struct slowpath *sp, struct pmd *const pmds[],
		      unsigned n_pmds);
/* The slowpath's ofproto, when created before the ofproto (host ops need
 * the slowpath as their argument): bridge 0. */
void slowpath_set_ofproto(struct slowpath *sp, struct ofproto *ofp);
/* The pool packet-outs take mbufs from, when created after the slowpath
 * (before slowpath_start()). */
void slowpath_set_mempool(struct slowpath *sp, struct rte_mempool *mp);

/* Several bridges (see xlate.h): the config thread tells the slowpath
 * which ofproto is bridge number `bridge` (NULL: the bridge is gone, with
 * its ports) and which ports each bridge has: a device port with its
 * datapath port index, or a patch port (dp_port -1) with its peer. Changes
 * apply to the next upcall; call slowpath_revalidate() after a batch of
 * changes to drop the megaflows they made wrong. */
int slowpath_bridge_set(struct slowpath *sp, unsigned bridge,
			struct ofproto *ofp);
int slowpath_port_set(struct slowpath *sp, unsigned bridge, uint32_t ofport,
		      int dp_port, unsigned peer_bridge, uint32_t peer_ofport);
void slowpath_port_del(struct slowpath *sp, unsigned bridge, uint32_t ofport);
/* Make a port (set with dp_port -1) a tunnel port: output to it is
 * translated by tnl_xlate_output(). */
int slowpath_port_set_tunnel(struct slowpath *sp, unsigned bridge,
			     uint32_t ofport, int tnl_index);
/* Re-translate every megaflow; remove those whose mask or actions are not
 * what the pipelines and ports give now; wait for a grace period. Returns
 * how many were removed. */
unsigned slowpath_revalidate(struct slowpath *sp);
/* Packet-out on a given bridge (in_port: an ofport of that bridge or a
 * reserved port). */
int slowpath_packet_out_bridge(struct slowpath *sp, unsigned bridge,
			       uint32_t in_port, const struct ofpact *actions,
			       size_t n_actions, const void *packet,
			       size_t len);

int slowpath_start(struct slowpath *sp);
void slowpath_stop(struct slowpath *sp);

/* ofproto host callbacks (arg: the slowpath). */
void slowpath_flows_changed(void *sp);
void slowpath_sync_stats(void *sp);
int slowpath_packet_out(void *sp, uint32_t in_port,
			const struct ofpact *actions, size_t n_actions,
			const void *packet, size_t len);

/* Meters of a bridge, enforced by the PMDs (ofproto host ops meter_set,
 * meter_del, meter_stats; see dp_meter.h). set: 0 or -errno (-ENOSPC:
 * the datapath table is full). meters_clear: every meter of a bridge
 * (the bridge goes). */
int slowpath_meter_set(struct slowpath *sp, unsigned bridge,
		       const struct ofproto_meter_config *mc);
void slowpath_meter_del(struct slowpath *sp, unsigned bridge,
			uint32_t meter_id);
void slowpath_meters_clear(struct slowpath *sp, unsigned bridge);
int slowpath_meter_stats(struct slowpath *sp, unsigned bridge,
			 uint32_t meter_id, struct ofproto_meter_stats *st);

void slowpath_stats_read(struct slowpath *sp, struct slowpath_stats *out);
/* dump-megaflows: every PMD's megaflows, text or JSON. */
void slowpath_dump_megaflows(struct slowpath *sp, bool json,
			     struct strbuf *out);

/* pmdswitch-ctl trace: what the caches of a PMD hold for a key now. */
struct slowpath_trace_pmd {
	unsigned core;			/* The PMD's lcore ... */
	unsigned index;			/* ... and index. */
	bool emc_hit;			/* Its EMC has the exact key. */
	bool emc_bypassed;		/* Its EMC is bypassed (low hit rate). */
	bool megaflow_hit;		/* A megaflow of it covers the key: */
	struct flow_key mf_key, mf_mask;	/* that one, */
	uint64_t mf_packets;		/* and its packets. */
};

/* Trace a packet (key: its datapath key, parsed from data[0..len) with
 * the word map `map`; data may be NULL) through the pipelines of every
 * bridge it crosses, without side effects (xlate_trace()): the steps go to
 * tr, the datapath actions and megaflow mask to xr; and look the key up,
 * without counting, in the EMC and megaflows of every PMD (pmds: room for
 * PMD_MAX). Returns the number of PMDs. A control command (config_lock
 * held: the PMDs cannot change meanwhile). */
struct ofproto_trace;
unsigned slowpath_trace(struct slowpath *sp, const struct flow_key *key,
			uint32_t map, const void *data, uint32_t len,
			struct ofproto_trace *tr, struct xlate_result *xr,
			struct slowpath_trace_pmd *pmds);

#endif /* PMDSWITCH_SLOWPATH_H */
