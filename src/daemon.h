/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DAEMON_H
#define PMDSWITCH_DAEMON_H

/*
 * pmdswitchd: the objects one daemon holds, built from the configuration
 * by pmdswitchd.c and read by the control socket (ctl_server.c).
 *
 * Threads: the main lcore runs the start-up, the once-a-second status line
 * and the shutdown; PMD lcores run pmd_main(); plain threads run the
 * slowpath, the OpenFlow control thread and the control socket. All of
 * them stay off the PMD cores (they inherit the main lcore's affinity).
 *
 * Thread safety: everything here is set up before the threads start and
 * torn down after they stop; while running it is read-only, except the
 * counter baselines of pmd-stats-clear (guarded by stats_lock).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "config/config.h"
#include "dataplane/pmd.h"
#include "drivers/dpdk_port.h"
#include "ofproto/ofproto.h"
#include "slowpath/slowpath.h"

#define PMDSWITCH_VERSION "0.1.0"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_ERROR(...) log_msg(LOG_ERR, __VA_ARGS__)
#define LOG_WARNING(...) log_msg(LOG_WARN, __VA_ARGS__)
#define LOG_NOTICE(...) log_msg(LOG_INFO, __VA_ARGS__)
#define LOG_DBG(...) log_msg(LOG_DEBUG, __VA_ARGS__)

struct switch_port {
	struct dpdk_port dev;
	uint32_t ofport;
	uint32_t dp_port;	/* Index in the datapath port table. */
	unsigned bridge;	/* Index into pmdswitch.bridges. */
};

struct bridge {
	char name[64];
	uint64_t datapath_id;
	struct ofproto *ofp;
};

struct pmdswitch {
	struct pmdswitch_config cfg;
	struct rte_mempool *mp;
	struct rte_rcu_qsbr *qs;

	struct pmd_port_table port_table;
	struct switch_port ports[PMD_MAX_PORTS];
	unsigned n_ports;

	struct bridge bridges[1];	/* One bridge in this version. */
	unsigned n_bridges;

	struct pmd *pmds[PMD_MAX];
	unsigned n_pmds;
	struct slowpath *sp;

	char ctl_path[256];
	int ctl_fd;
	pthread_t ctl_thread;
	bool ctl_running;
	volatile bool stopping;

	pthread_mutex_t stats_lock;
	struct pmd_stats stats_base[PMD_MAX];	/* pmd-stats-clear baseline. */
	uint64_t start_ms;
};

/* Control socket: listen on sw->ctl_path and serve in a thread. */
int ctl_server_start(struct pmdswitch *sw, char *err, size_t errlen);
void ctl_server_stop(struct pmdswitch *sw);

/* Counters of a PMD since the last pmd-stats-clear. */
void pmdswitch_pmd_stats(struct pmdswitch *sw, unsigned i,
			 struct pmd_stats *out);

#endif /* PMDSWITCH_DAEMON_H */
