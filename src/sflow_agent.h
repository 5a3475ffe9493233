/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_SFLOW_AGENT_H
#define PMDSWITCH_SFLOW_AGENT_H

/*
 * The sFlow v5 agent of pmdswitchd: one thread for every bridge with an
 * `sflow:` section.
 *
 * Pieces: the PMDs sample 1 in N received packets of each port of such a
 * bridge onto their sample rings (dataplane/pmd_observe.h); this thread
 * drains the rings every SFLOW_AGENT_TICK_MS, turns each sample into a
 * flow sample (sampling rate, sample pool, drops, input/output ifIndex,
 * the first header-bytes of the packet), adds generic interface counter
 * samples of every port of the bridge every polling-interval seconds, and
 * sends the datagrams (slowpath/sflow_wire.h) over UDP to every collector.
 * Each bridge is a sub-agent (sub-agent id = its index in `bridges:`),
 * with its own datagram sequence numbers; each port is a data source
 * (ifIndex = its ofport) with its own flow and counter sample sequences.
 *
 * Thread safety: sflow_agent_apply() runs on the config thread (start-up
 * and reload) and changes the settings under the agent's mutex; the
 * agent thread takes that mutex and ports_lock (read) while it works, so
 * ports, bridges and PMDs stay put. The ports' sample rates are stored
 * with relaxed atomics the PMDs read once per burst.
 */

#include <stdbool.h>
#include <stdint.h>

struct pmdswitch;
struct sflow_agent;

/* Counters for `pmdswitch-ctl show`. */
struct sflow_agent_stats {
	uint64_t datagrams;	/* Sent (to each collector: counted once). */
	uint64_t flow_samples;
	uint64_t counter_samples;
	uint64_t send_errors;	/* sendto() failures. */
};

/* Create (NULL + errno) and start the thread; destroy stops it. */
struct sflow_agent *sflow_agent_start(struct pmdswitch *sw);
void sflow_agent_destroy(struct sflow_agent *ag);
/* Take the `sflow:` settings of every bridge of sw->cfg: the agent's
 * destinations and the ports' sampling rates (config thread). */
void sflow_agent_apply(struct pmdswitch *sw);
/* The counters of one bridge (index in sw->bridges); false when it has
 * no sFlow. */
bool sflow_agent_bridge_stats(struct pmdswitch *sw, unsigned bridge,
			      struct sflow_agent_stats *st);

#endif /* PMDSWITCH_SFLOW_AGENT_H */
