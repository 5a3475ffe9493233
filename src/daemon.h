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
 * counter baselines of pmd-stats-clear (guarded by stats_lock), what a
 * reload changes (ports, bridges and the PMD array under ports_lock,
 * see below) and the rx queue lists (rxq_lock).
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
#include "slowpath/xlate.h"

struct sflow_agent;
struct capture_session;

#define PMDSWITCH_VERSION "0.1.0"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_ERROR(...) log_msg(LOG_ERR, __VA_ARGS__)
#define LOG_WARNING(...) log_msg(LOG_WARN, __VA_ARGS__)
#define LOG_NOTICE(...) log_msg(LOG_INFO, __VA_ARGS__)
#define LOG_DBG(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#define PMDSWITCH_MAX_BRIDGES XLATE_MAX_BRIDGES

/* A port of a bridge. Device ports (dpdk, vhost-user) and patch ports
 * alike sit at their datapath port index in pmdswitch.ports; only device
 * ports are in_use in the datapath port table the PMDs read. */
struct switch_port {
	bool in_use;
	enum cfg_port_type kind;
	char name[64];
	struct dpdk_port dev;	/* Device ports. */
	uint32_t ofport;
	uint32_t dp_port;	/* Index in the datapath port table. */
	unsigned bridge;	/* Index into pmdswitch.bridges. */
	char peer[64];		/* Patch ports: the peer's name. */
	int tnl_index;		/* Tunnel ports: index in the tunnel
				 * registry (slowpath/tnl.h). */
	char sig[1024];		/* Its configuration, as text: a reload that
				 * changes it removes and adds the port. */
	bool link_up;
	uint64_t link_changes;
	struct rte_mempool *mp;	/* The pool its rx queues take mbufs from. */
	uint32_t mbufs;		/* What it needs of that pool. */
};

struct bridge {
	bool in_use;
	unsigned index;
	char name[64];
	uint64_t datapath_id;
	struct ofproto *ofp;
	struct pmdswitch *sw;
};

/* One mbuf pool per NUMA socket that has ports. */
struct sw_pool {
	struct rte_mempool *mp;
	uint32_t size;		/* mbufs */
	uint32_t committed;	/* What its ports need. */
};

struct metrics_server;
struct ctl_socket;

struct pmdswitch {
	struct pmdswitch_config cfg;	/* The configuration in force. */
	struct rte_mempool *mp;		/* Slowpath / packet-out pool. */
	struct sw_pool pools[RTE_MAX_NUMA_NODES];
	uint32_t mbuf_data_room;
	struct rte_rcu_qsbr *qs;

	struct pmd_port_table port_table;
	struct switch_port ports[PMD_MAX_PORTS];
	unsigned n_ports;		/* Highest index in use + 1. */
	/* Guards ports[] and bridges[] against the reload: taken for
	 * writing by the config thread around each change, for reading by
	 * the main loop and the OpenFlow threads (port stats). The config
	 * thread and the control socket's commands, which hold config_lock,
	 * read without it. */
	pthread_rwlock_t ports_lock;

	struct bridge bridges[PMDSWITCH_MAX_BRIDGES];
	unsigned n_bridges;		/* Highest index in use + 1. */

	/* The running PMDs, in datapath.pmd-cores order. A reload changes
	 * them on the config thread under ports_lock (write); other threads
	 * read them under ports_lock (read). pmds[i]->index (its tx queue on
	 * every port, its RCU thread id) is below max_pmds. */
	struct pmd *pmds[PMD_MAX];
	unsigned n_pmds;
	/* PMDs the EAL lcore set allows (its lcores but the main one, at
	 * most PMD_MAX): the RCU variable and every port's tx queues are
	 * sized for it at start, so a reload can add PMDs up to it. */
	unsigned max_pmds;
	/* Serializes every writer of the PMDs' rx queue lists (port add and
	 * remove, pmd-rxq-rebalance, PMD changes at reload) and the control
	 * socket's readers of them. */
	pthread_mutex_t rxq_lock;
	/* Tx drops per datapath port of the PMDs a reload stopped (under
	 * ports_lock, like pmds). */
	uint64_t gone_tx_drops[PMD_MAX_PORTS];
	struct slowpath *sp;
	struct sflow_agent *sflow;	/* sflow_agent.h; set at start. */
	struct capture_session *capture;	/* capture.h: the running or
						 * last capture, or NULL. */
	unsigned vhost_seq;		/* net_vhost<N> device names. */

	struct metrics_server *metrics;	/* metrics-listen: (metrics.h). */
	char ctl_path[256];
	char ctl_group[64];		/* --ctl-group; "" = "pmdswitch". */
	char config_path[4096];		/* What reload loads again. */
	struct ctl_socket *ctl;		/* The control socket (ctl_socket.h). */
	/* Held by whoever reads or changes the configuration state: the
	 * config thread (reloads, link polling) and the control socket's
	 * commands (ctl_server.c). */
	pthread_mutex_t config_lock;
	pthread_cond_t config_cond;	/* Wakes the config thread to stop. */
	pthread_t config_thread;
	bool config_running;
	bool config_stop;		/* Under config_lock. */
	volatile bool stopping;
	volatile int reload_requested;	/* SIGHUP. */
	uint64_t last_link_poll_ms;

	pthread_mutex_t stats_lock;
	struct pmd_stats stats_base[PMD_MAX];	/* pmd-stats-clear baseline,
						 * by pmd->index. */
	uint64_t start_ms;
};

/* Errors about the configuration: "FILE:LINE:COLUMN: KEY: msg". */
void sw_cfg_error(const struct pmdswitch_config *cfg, const struct cfg_mark *m,
		  const char *key, const char *msg, char *err, size_t errlen);

/* Ports (port_mgr.c). Open a port of the configuration (device or patch)
 * in bridge b: probe, configure, start, add to the datapath port table,
 * give its rx queues to PMDs (when running: RCU publish), add it to the
 * slowpath and the ofproto. -errno and "FILE:LINE:COL: key: msg" in err.
 * Call from the config thread. */
int port_add(struct pmdswitch *sw, unsigned b, const struct cfg_port *cp,
	     const char *key, char *err, size_t errlen);
/* Remove: the reverse, in the order that loses nothing on other ports. */
void port_del(struct pmdswitch *sw, struct switch_port *p);
struct switch_port *port_find(struct pmdswitch *sw, const char *name);
/* Start-up: probe every device port of sw->cfg (their NUMA sockets size
 * the pools), then, after pools_create(), start them all. */
int ports_probe_all(struct pmdswitch *sw, char *err, size_t errlen);
int ports_activate_all(struct pmdswitch *sw, char *err, size_t errlen);
/* The configuration of a port as text (switch_port.sig). */
void port_signature(const struct cfg_port *cp, char *buf, size_t len);
/* Mbuf pools for the ports of the configuration (before port_add). */
int pools_create(struct pmdswitch *sw, char *err, size_t errlen);
void pools_free(struct pmdswitch *sw);
/* Once a second: link state of every device port; changes are logged and
 * sent to the controllers (PORT_STATUS). */
void ports_poll_link(struct pmdswitch *sw);
/* Counters of a port: rte_eth_stats plus the PMDs' tx drops. */
struct sw_port_stats {
	uint64_t rx_packets, rx_bytes, rx_missed, rx_nombuf, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped;
};
void port_stats(struct pmdswitch *sw, const struct switch_port *p,
		struct sw_port_stats *st);

/* Bridges (bridge.c). */
int bridge_add(struct pmdswitch *sw, const struct cfg_bridge *cb,
	       unsigned cfg_index, char *err, size_t errlen);
void bridge_del(struct pmdswitch *sw, struct bridge *br);
struct bridge *bridge_find(struct pmdswitch *sw, const char *name);
/* Flows of the configuration into the bridge (errors name the flow). */
int bridge_add_flows(struct pmdswitch *sw, struct bridge *br,
		     const struct cfg_bridge *cb, unsigned cfg_index,
		     char *err, size_t errlen);
int bridge_add_channels(struct pmdswitch *sw, struct bridge *br,
			const struct cfg_bridge *cb, unsigned cfg_index,
			char *err, size_t errlen);
/* Patch ports: tell the slowpath the peers of every patch port. */
void bridges_link_patches(struct pmdswitch *sw);
/* limits: of sw->cfg: the model's process-wide budget and every bridge's
 * channel bounds (start-up and reload); one bridge's channel bounds. */
void bridges_apply_limits(struct pmdswitch *sw);
void bridge_apply_channel_limits(struct pmdswitch *sw, struct bridge *br);

/* Tunnels (tunnels.c): a tunnel port into / out of the tunnel registry;
 * the bridges' tunnel endpoints from the configuration, published to the
 * PMDs (after the ports are activated, at start and after a reload). */
int tunnel_port_activate(struct pmdswitch *sw, struct switch_port *p,
			 const struct cfg_port *cp);
void tunnel_port_del(struct pmdswitch *sw, struct switch_port *p);
void tunnels_sync(struct pmdswitch *sw);
/* The port in the bridge's OpenFlow model (PORT_STATUS add). */
int bridge_port_add(struct bridge *br, uint32_t ofport, const char *name,
		    const uint8_t mac[6]);
/* OpenFlow notifications, when the ofproto offers them. */
void bridge_port_status_del(struct bridge *br, uint32_t ofport);
void bridge_port_status_link(struct bridge *br, uint32_t ofport, bool up);

/* Checks that need no datapath (preflight.c): socket paths can be
 * created, hugepages suffice. */
int preflight_paths(const struct pmdswitch_config *cfg, const char *ctl_path,
		    char *err, size_t errlen);
int preflight_hugepages(const struct pmdswitch_config *cfg, char *err,
			size_t errlen);
/* PMD cores are CPUs this process may run on (when dpdk.lcores is not
 * given, the EAL takes the CPUs of the affinity mask). */
int preflight_lcores(const struct pmdswitch_config *cfg, char *err,
		     size_t errlen);
/* Every dpdk port's devargs names a device a DPDK bus knows (a PCI
 * address, or a virtual device whose driver is there). */
int preflight_devargs(const struct pmdswitch_config *cfg, char *err,
		      size_t errlen);

/* Live reload (reload.c), under config_lock (the config thread or a
 * control command): load path, check, apply the difference. 0, or -errno with the reason (the
 * file:line:column error) in err and nothing changed. */
int reload_config(struct pmdswitch *sw, const char *path, char *err,
		  size_t errlen);

/* Control socket: listen on sw->ctl_path and serve in a thread; start the
 * config thread (ctl_server.c). */
int ctl_server_start(struct pmdswitch *sw, char *err, size_t errlen);
void ctl_server_stop(struct pmdswitch *sw);

/* PMD threads (pmdswitchd.c), for the reload on the config thread.
 * pmds_check(): the PMD cores `cores` can replace the running ones
 * (lcores of the EAL set, at most max_pmds, and every device port that
 * the configuration cfg keeps as it is has a tx queue for each PMD);
 * -EINVAL with "FILE:LINE:COL: datapath.pmd-cores: why" in err if not.
 * pmds_set(): make the running PMDs those of `cores`: new PMDs are
 * created and started, the rx queues of PMDs that go move to the others
 * (no queue unpolled for more than a grace period, none polled twice),
 * then those PMDs stop and their rings, waiting packets and megaflows go;
 * the rx queues are spread over the new set. PMDs on cores in both sets
 * keep running throughout. 0 or -errno with err. */
int pmds_check(struct pmdswitch *sw, const struct pmdswitch_config *cfg,
	       char *err, size_t errlen);
int pmds_set(struct pmdswitch *sw, const uint32_t *cores, size_t n_cores,
	     char *err, size_t errlen);
/* Lowest tx queue count a port needs: the highest PMD index + 1. */
unsigned pmds_txq_needed(const struct pmdswitch *sw);

/* Counters of a PMD since the last pmd-stats-clear. */
void pmdswitch_pmd_stats(struct pmdswitch *sw, unsigned i,
			 struct pmd_stats *out);

#endif /* PMDSWITCH_DAEMON_H */
