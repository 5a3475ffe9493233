/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_METRICS_H
#define PMDSWITCH_METRICS_H

/*
 * The switch's counters for monitoring systems, in two forms:
 *  - a Prometheus text exposition endpoint (GET /metrics on the HTTP/1.0
 *    listener of `metrics-listen:`), served by its own thread
 *    (metrics_http.c);
 *  - DPDK telemetry commands /pmdswitch/ports, /pmdswitch/pmds,
 *    /pmdswitch/bridges and /pmdswitch/megaflows on the EAL's telemetry
 *    socket, which dpdk-telemetry.py reads (metrics_telemetry.c).
 * Both read one snapshot (metrics_snapshot.c): ports, PMDs, bridges and the
 * slowpath, taken with ports_lock held for reading, so a reload never
 * changes the objects under it. The counters are the raw ones since start
 * (pmd-stats-clear does not reset them): Prometheus counters never go back.
 *
 * Thread safety: metrics_snapshot_take() may be called from any thread
 * but the config thread while it holds ports_lock for writing (the reload)
 * - i.e. from the metrics and telemetry threads. metrics_server_start(),
 * _stop() and _reopen() and the telemetry register/unregister are called
 * by the main thread at start and stop and by the config thread at reload.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "ofproto/strbuf.h"

#define METRICS_MAX_CONTROLLERS 16
#define METRICS_MAX_TABLES 254

struct metrics_port {
	char name[64];
	char bridge[64];
	uint32_t ofport;
	bool is_patch;		/* No device counters. */
	bool link_up;
	struct sw_port_stats st;
};

struct metrics_pmd {
	unsigned core;			/* Its lcore. */
	struct pmd_stats st;		/* Since start. */
	uint32_t megaflows;		/* Installed now. */
};

struct metrics_bridge {
	char name[64];
	size_t n_tables;
	uint32_t rules[METRICS_MAX_TABLES];
	size_t connections;		/* OpenFlow connections up. */
	size_t n_controllers;
	struct ofproto_controller_state controllers[METRICS_MAX_CONTROLLERS];
	struct ofproto_stats os;
};

struct metrics_snapshot {
	unsigned n_ports;
	struct metrics_port ports[PMD_MAX_PORTS];
	unsigned n_pmds;
	struct metrics_pmd pmds[PMD_MAX];
	unsigned n_bridges;
	struct metrics_bridge bridges[PMDSWITCH_MAX_BRIDGES];
	struct slowpath_stats sp;
	uint64_t uptime_ms;
};

/* Fill s (large: allocate it) from the running switch. */
void metrics_snapshot_take(struct pmdswitch *sw, struct metrics_snapshot *s);
/* Prometheus text exposition format 0.0.4 of s. */
void metrics_prom_format(const struct metrics_snapshot *s, struct strbuf *out);

/* The HTTP listener (metrics_http.c). open: parse and bind addr ("IP:PORT",
 * see config_parse_listen()) and listen; returns the socket or -errno with
 * the reason in err. start: serve fd in a new thread (takes fd). stop: end
 * the thread and close its socket (nothing when none runs). */
int metrics_listen_open(const char *addr, char *err, size_t errlen);
int metrics_server_start(struct pmdswitch *sw, int fd, const char *addr,
			 char *err, size_t errlen);
void metrics_server_stop(struct pmdswitch *sw);

/* DPDK telemetry (metrics_telemetry.c): register the /pmdswitch/ commands
 * for sw (after rte_eal_init()); unregister makes them answer that the
 * switch is stopping (DPDK cannot remove commands), before sw goes. */
int metrics_telemetry_register(struct pmdswitch *sw);
void metrics_telemetry_unregister(void);

#endif /* PMDSWITCH_METRICS_H */
