/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmdswitchd: loads the configuration, starts the EAL, opens the ports,
 * installs the configured flows, starts the slowpath, the OpenFlow control
 * thread, the control socket and the PMD threads, prints one status line a
 * second, and tears everything down on SIGINT / SIGTERM or --duration.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "daemon.h"

#define DEFAULT_CTL_PATH "/run/pmdswitch/pmdswitchd.ctl"
#define MAX_EAL_ARGS 128

enum log_level log_level = LOG_INFO;
static volatile sig_atomic_t stop_requested;

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };
	va_list ap;

	if (level > log_level)
		return;
	fprintf(stderr, "pmdswitchd: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct options {
	const char *config;
	const char *ctl;
	double duration;	/* 0 = until a signal. */
	int n_eal_args;
	char **eal_args;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: pmdswitchd --config FILE [--ctl PATH] [--log-level LEVEL]\n"
		"                  [--duration SECONDS] [-- EAL-ARGS...]\n"
		"  --config FILE      YAML configuration (see README)\n"
		"  --ctl PATH         control socket (default: the config's\n"
		"                     ctl-socket, else " DEFAULT_CTL_PATH ")\n"
		"  --log-level LEVEL  error, warning, info (default), debug\n"
		"  --duration SECONDS stop after this long (default: run until\n"
		"                     SIGINT or SIGTERM)\n"
		"  --version          print the version\n"
		"Arguments after -- go to the DPDK EAL as they are.\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ctl", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->ctl = optarg;
			break;
		case 'l':
			if (!strcmp(optarg, "error"))
				log_level = LOG_ERR;
			else if (!strcmp(optarg, "warning"))
				log_level = LOG_WARN;
			else if (!strcmp(optarg, "info"))
				log_level = LOG_INFO;
			else if (!strcmp(optarg, "debug"))
				log_level = LOG_DEBUG;
			else {
				fprintf(stderr, "pmdswitchd: --log-level: "
					"expected error, warning, info or "
					"debug, got \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'd': {
			char *end;

			o->duration = strtod(optarg, &end);
			if (*end != '\0' || o->duration <= 0) {
				fprintf(stderr, "pmdswitchd: --duration: "
					"expected a positive number of "
					"seconds, got \"%s\"\n", optarg);
				return -1;
			}
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("pmdswitchd %s\n", PMDSWITCH_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->config == NULL) {
		fprintf(stderr, "pmdswitchd: --config FILE is required\n");
		usage(stderr);
		return -1;
	}
	o->n_eal_args = argc - optind;
	o->eal_args = argv + optind;
	return 0;
}

/* EAL arguments from the config's dpdk: section, then the command line's. */
static int
build_eal_args(const struct pmdswitch_config *cfg, const struct options *o,
	       char **argv, char *bufs, size_t buflen)
{
	int n = 0;
	bool has_prefix = false;

#define ADD(s) do { if (n < MAX_EAL_ARGS - 1) argv[n++] = (s); } while (0)
#define ADDF(...) do { \
		int w_ = snprintf(bufs, buflen, __VA_ARGS__); \
		ADD(bufs); bufs += w_ + 1; buflen -= (size_t)w_ + 1; \
	} while (0)

	ADD("pmdswitchd");
	if (cfg->dpdk.lcores)
		ADDF("--lcores=%s", cfg->dpdk.lcores);
	if (cfg->dpdk.main_lcore >= 0)
		ADDF("--main-lcore=%d", cfg->dpdk.main_lcore);
	if (cfg->dpdk.no_huge)
		ADD("--no-huge");
	ADDF("-m%u", cfg->dpdk.memory_mb);
	if (log_level < LOG_DEBUG)
		ADD("--log-level=*:warning");
	for (size_t i = 0; i < cfg->dpdk.n_extra_args; i++) {
		if (!strncmp(cfg->dpdk.extra_args[i], "--file-prefix", 13))
			has_prefix = true;
		ADD(cfg->dpdk.extra_args[i]);
	}
	for (int i = 0; i < o->n_eal_args; i++) {
		if (!strncmp(o->eal_args[i], "--file-prefix", 13))
			has_prefix = true;
		ADD(o->eal_args[i]);
	}
	/* Several daemons (tests) may run at once: keep no shared files
	 * unless the operator names a prefix. */
	if (!has_prefix)
		ADD("--in-memory");
	argv[n] = NULL;
	return n;
#undef ADD
#undef ADDF
}

static void
cfg_error(const struct pmdswitch_config *cfg, const struct cfg_mark *m,
	  const char *key, const char *msg)
{
	fprintf(stderr, "%s:%d:%d: %s: %s\n", cfg->file, m->line, m->column,
		key, msg);
}

static int
create_mempool(struct pmdswitch *sw)
{
	const struct cfg_bridge *br = &sw->cfg.bridges[0];
	unsigned n_rxq = 0, n_txq = 0, n_mbufs;

	for (size_t i = 0; i < br->n_ports; i++) {
		n_rxq += br->ports[i].rxq;
		n_txq += sw->n_pmds;
	}
	/* Every descriptor may hold an mbuf, plus the upcall and exec rings,
	 * the per-lcore caches and the tx batches; net_pcap with infinite_rx
	 * also keeps its whole capture in mbufs. */
	n_mbufs = (n_rxq + n_txq) * 1024 +
		  sw->n_pmds * 2 * sw->cfg.datapath.upcall_ring_size +
		  RTE_MAX_LCORE * 256 / 8 + 16384;
	sw->mp = rte_pktmbuf_pool_create("mbufs", n_mbufs, 256,
		RTE_ALIGN(sizeof(struct pmd_mbuf_priv), RTE_MBUF_PRIV_ALIGN),
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (sw->mp == NULL) {
		LOG_ERROR("cannot create a pool of %u mbufs: %s", n_mbufs,
			  rte_strerror(rte_errno));
		return -1;
	}
	LOG_NOTICE("mbuf pool: %u mbufs of %u bytes (%.1f MiB) for %u rx and "
		   "%u tx queues", n_mbufs, RTE_MBUF_DEFAULT_BUF_SIZE,
		   (double)n_mbufs * (RTE_MBUF_DEFAULT_BUF_SIZE + 192) /
		   (1024.0 * 1024.0), n_rxq, n_txq);
	return 0;
}

static int
check_pmd_cores(struct pmdswitch *sw)
{
	const struct cfg_datapath *dp = &sw->cfg.datapath;

	if (dp->n_pmd_cores == 0 || dp->n_pmd_cores > PMD_MAX) {
		cfg_error(&sw->cfg, &dp->pmd_cores_mark, "datapath.pmd-cores",
			  "expected 1 to 16 cores");
		return -1;
	}
	for (size_t i = 0; i < dp->n_pmd_cores; i++) {
		unsigned c = dp->pmd_cores[i];
		char msg[160];

		if (c >= RTE_MAX_LCORE || !rte_lcore_is_enabled(c)) {
			snprintf(msg, sizeof(msg), "lcore %u is not in the EAL "
				 "lcore set (dpdk.lcores)", c);
			cfg_error(&sw->cfg, &dp->pmd_cores_mark,
				  "datapath.pmd-cores", msg);
			return -1;
		}
		if (c == rte_get_main_lcore()) {
			snprintf(msg, sizeof(msg), "lcore %u is the main lcore; "
				 "a PMD needs a core of its own", c);
			cfg_error(&sw->cfg, &dp->pmd_cores_mark,
				  "datapath.pmd-cores", msg);
			return -1;
		}
	}
	sw->n_pmds = (unsigned)dp->n_pmd_cores;
	return 0;
}

static int
open_ports(struct pmdswitch *sw)
{
	const struct cfg_bridge *br = &sw->cfg.bridges[0];

	for (size_t i = 0; i < br->n_ports; i++) {
		const struct cfg_port *cp = &br->ports[i];
		struct switch_port *p = &sw->ports[sw->n_ports];
		char err[512], key[96];

		if (sw->n_ports >= PMD_MAX_PORTS) {
			cfg_error(&sw->cfg, &cp->mark, "ports",
				  "too many ports (64 at most)");
			return -1;
		}
		if (dpdk_port_open(&p->dev, cp->name, cp->devargs, cp->rxq,
				   (uint16_t)sw->n_pmds, sw->mp, err,
				   sizeof(err)) < 0) {
			snprintf(key, sizeof(key), "bridges[0].ports[%zu]."
				 "devargs", i);
			cfg_error(&sw->cfg, &cp->devargs_mark, key, err);
			return -1;
		}
		p->ofport = cp->ofport;
		p->dp_port = sw->n_ports;
		p->bridge = 0;
		sw->port_table.ports[p->dp_port].in_use = true;
		sw->port_table.ports[p->dp_port].dpdk_port_id = p->dev.port_id;
		sw->port_table.ports[p->dp_port].ofport = cp->ofport;
		sw->n_ports++;
		sw->port_table.n_ports = sw->n_ports;
		LOG_NOTICE("port %s: ofport %u, dpdk port %u, %u rxq, %u txq "
			   "(%s)", cp->name, cp->ofport, p->dev.port_id,
			   p->dev.n_rxq, p->dev.n_txq, cp->devargs);
	}
	return 0;
}

static int
create_pmds(struct pmdswitch *sw)
{
	const struct cfg_datapath *dp = &sw->cfg.datapath;
	size_t sz = rte_rcu_qsbr_get_memsize(sw->n_pmds);
	unsigned next = 0;

	sw->qs = rte_zmalloc("rcu", sz, RTE_CACHE_LINE_SIZE);
	if (sw->qs == NULL || rte_rcu_qsbr_init(sw->qs, sw->n_pmds) != 0) {
		LOG_ERROR("cannot set up RCU for %u PMDs", sw->n_pmds);
		return -1;
	}
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		sw->pmds[i] = pmd_create(i, dp->pmd_cores[i], &sw->port_table,
					 sw->qs, dp->emc_entries,
					 dp->emc_insert_inv_prob,
					 dp->megaflow_max,
					 dp->upcall_ring_size);
		if (sw->pmds[i] == NULL) {
			LOG_ERROR("cannot create the PMD on lcore %u: %s",
				  dp->pmd_cores[i], strerror(errno));
			return -1;
		}
	}
	/* Round-robin rx queues over the PMDs. */
	for (unsigned p = 0; p < sw->n_ports; p++) {
		struct switch_port *sp = &sw->ports[p];

		for (uint16_t q = 0; q < sp->dev.n_rxq; q++) {
			struct pmd *pmd = sw->pmds[next++ % sw->n_pmds];

			if (pmd_add_rxq(pmd, sp->dp_port, sp->dev.port_id, q,
					sp->ofport) < 0) {
				LOG_ERROR("too many rx queues for PMD %u",
					  pmd->lcore_id);
				return -1;
			}
		}
	}
	return 0;
}

static int
port_stats_cb(void *host, uint32_t ofport, struct ofproto_port_stats *st)
{
	struct pmdswitch *sw = host;

	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct rte_eth_stats es;

		if (sw->ports[i].ofport != ofport)
			continue;
		memset(st, 0, sizeof(*st));
		if (rte_eth_stats_get(sw->ports[i].dev.port_id, &es) == 0) {
			st->rx_packets = es.ipackets;
			st->tx_packets = es.opackets;
			st->rx_bytes = es.ibytes;
			st->tx_bytes = es.obytes;
			st->rx_dropped = es.imissed + es.rx_nombuf;
			st->rx_errors = es.ierrors;
			st->tx_errors = es.oerrors;
		}
		st->duration_sec = (pmd_clock_ms() - sw->start_ms) / 1000;
		return 0;
	}
	return -ENOENT;
}

static void
flows_changed_cb(void *host)
{
	slowpath_flows_changed(((struct pmdswitch *)host)->sp);
}

static void
sync_stats_cb(void *host)
{
	slowpath_sync_stats(((struct pmdswitch *)host)->sp);
}

static int
packet_out_cb(void *host, uint32_t in_port, const struct ofpact *actions,
	      size_t n_actions, const void *packet, size_t len)
{
	return slowpath_packet_out(((struct pmdswitch *)host)->sp, in_port,
				   actions, n_actions, packet, len);
}

static const struct ofproto_host_ops host_ops = {
	.port_stats = port_stats_cb,
	.flows_changed = flows_changed_cb,
	.sync_stats = sync_stats_cb,
	.packet_out = packet_out_cb,
};

static int
create_bridge(struct pmdswitch *sw)
{
	const struct cfg_bridge *cb = &sw->cfg.bridges[0];
	struct bridge *br = &sw->bridges[0];
	char err[512], key[64];

	snprintf(br->name, sizeof(br->name), "%s", cb->name);
	br->datapath_id = cb->datapath_id;
	sw->sp = slowpath_create(NULL, sw->pmds, sw->n_pmds, &sw->port_table,
				 sw->mp, sw->cfg.datapath.megaflow_idle_ms);
	if (sw->sp == NULL) {
		LOG_ERROR("cannot create the slowpath: %s", strerror(errno));
		return -1;
	}
	br->ofp = ofproto_create(cb->name, cb->datapath_id, &host_ops, sw);
	if (br->ofp == NULL) {
		LOG_ERROR("cannot create bridge %s: %s", cb->name,
			  strerror(errno));
		return -1;
	}
	slowpath_set_ofproto(sw->sp, br->ofp);
	sw->n_bridges = 1;
	for (unsigned i = 0; i < sw->n_ports; i++) {
		if (ofproto_port_add(br->ofp, sw->ports[i].ofport,
				     sw->ports[i].dev.name,
				     sw->ports[i].dev.mac) < 0) {
			LOG_ERROR("bridge %s: cannot add port %s", cb->name,
				  sw->ports[i].dev.name);
			return -1;
		}
	}
	for (size_t i = 0; i < cb->n_flows; i++) {
		if (ofproto_add_flow_str(br->ofp, cb->flows[i], err,
					 sizeof(err)) < 0) {
			snprintf(key, sizeof(key), "bridges[0].flows[%zu]", i);
			cfg_error(&sw->cfg, &cb->flow_marks[i], key, err);
			return -1;
		}
	}
	for (size_t i = 0; i < cb->n_listen; i++) {
		if (ofproto_add_listener(br->ofp, cb->listen[i], err,
					 sizeof(err)) < 0) {
			snprintf(key, sizeof(key), "bridges[0].listen[%zu]", i);
			cfg_error(&sw->cfg, &cb->mark, key, err);
			return -1;
		}
	}
	if (cb->n_controllers > 0)
		LOG_WARNING("bridge %s: active controller connections "
			    "(controllers:) are not supported yet; use "
			    "listen:", cb->name);
	LOG_NOTICE("bridge %s: datapath id 0x%016lx, %zu ports, %zu flows, "
		   "%zu listeners", cb->name, (unsigned long)cb->datapath_id,
		   cb->n_ports, ofproto_rule_count(br->ofp), cb->n_listen);
	return 0;
}

void
pmdswitch_pmd_stats(struct pmdswitch *sw, unsigned i, struct pmd_stats *out)
{
	const uint64_t *base;
	uint64_t *cur = (uint64_t *)(void *)out;

	pmd_stats_read(sw->pmds[i], out);
	pthread_mutex_lock(&sw->stats_lock);
	base = (const uint64_t *)(const void *)&sw->stats_base[i];
	for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
		cur[k] -= base[k];
	pthread_mutex_unlock(&sw->stats_lock);
}

struct rates {
	uint64_t rx[PMD_MAX_PORTS], tx[PMD_MAX_PORTS];
	uint64_t emc, mf, miss;
	uint64_t ms;
};

static void
read_rates(struct pmdswitch *sw, struct rates *r)
{
	memset(r, 0, sizeof(*r));
	r->ms = pmd_clock_ms();
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(sw->ports[i].dev.port_id, &es) == 0) {
			r->rx[i] = es.ipackets;
			r->tx[i] = es.opackets;
		}
	}
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd_stats st;

		pmd_stats_read(sw->pmds[i], &st);
		r->emc += st.emc_hits;
		r->mf += st.megaflow_hits;
		r->miss += st.misses;
	}
}

static void
print_status(struct pmdswitch *sw, const struct rates *a,
	     const struct rates *b)
{
	double secs = (double)(b->ms - a->ms) / 1000.0;
	uint64_t emc = b->emc - a->emc, mf = b->mf - a->mf;
	uint64_t miss = b->miss - a->miss, all = emc + mf + miss;

	if (secs <= 0)
		secs = 1;
	printf("[%6.1fs]", (double)(b->ms - sw->start_ms) / 1000.0);
	for (unsigned i = 0; i < sw->n_ports; i++)
		printf(" %s rx %.3f tx %.3f Mpps |", sw->ports[i].dev.name,
		       (double)(b->rx[i] - a->rx[i]) / secs / 1e6,
		       (double)(b->tx[i] - a->tx[i]) / secs / 1e6);
	printf(" emc %.1f%% megaflow %.1f%% upcall %.1f%%\n",
	       all ? 100.0 * (double)emc / (double)all : 0.0,
	       all ? 100.0 * (double)mf / (double)all : 0.0,
	       all ? 100.0 * (double)miss / (double)all : 0.0);
	fflush(stdout);
}

static void
print_totals(struct pmdswitch *sw)
{
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd_stats st;

		pmd_stats_read(sw->pmds[i], &st);
		printf("pmd %u: packets %lu, emc hits %lu, megaflow hits %lu, "
		       "misses %lu, upcalls %lu, lost upcalls %lu\n",
		       sw->pmds[i]->lcore_id, (unsigned long)st.packets,
		       (unsigned long)st.emc_hits,
		       (unsigned long)st.megaflow_hits,
		       (unsigned long)st.misses, (unsigned long)st.upcalls,
		       (unsigned long)st.lost_upcalls);
	}
	fflush(stdout);
}

static void
shutdown_switch(struct pmdswitch *sw, bool report)
{
	sw->stopping = true;
	for (unsigned i = 0; i < sw->n_pmds; i++)
		if (sw->pmds[i])
			sw->pmds[i]->stop = true;
	rte_eal_mp_wait_lcore();
	if (sw->sp)
		slowpath_stop(sw->sp);
	if (report)
		print_totals(sw);
	ctl_server_stop(sw);
	if (sw->n_bridges && sw->bridges[0].ofp)
		ofproto_destroy(sw->bridges[0].ofp);
	for (unsigned i = 0; i < sw->n_ports; i++)
		dpdk_port_close(&sw->ports[i].dev);
	slowpath_destroy(sw->sp);
	for (unsigned i = 0; i < sw->n_pmds; i++)
		pmd_destroy(sw->pmds[i]);
	rte_free(sw->qs);
}

int
main(int argc, char **argv)
{
	static struct pmdswitch sw;	/* Large: keep it off the stack. */
	char *eal_argv[MAX_EAL_ARGS];
	static char eal_bufs[4096];
	struct options opt;
	char err[1024];
	int eal_argc, rc;

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	if (config_load_file(opt.config, &sw.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (sw.cfg.n_bridges > 1) {
		cfg_error(&sw.cfg, &sw.cfg.bridges[1].mark, "bridges[1]",
			  "one bridge per daemon in this version");
		return 1;
	}
	snprintf(sw.ctl_path, sizeof(sw.ctl_path), "%s",
		 opt.ctl ? opt.ctl : sw.cfg.ctl_socket ? sw.cfg.ctl_socket :
		 DEFAULT_CTL_PATH);
	pthread_mutex_init(&sw.stats_lock, NULL);
	sw.ctl_fd = -1;

	eal_argc = build_eal_args(&sw.cfg, &opt, eal_argv, eal_bufs,
				  sizeof(eal_bufs));
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		LOG_ERROR("DPDK EAL start failed: %s", rte_strerror(rte_errno));
		if (!sw.cfg.dpdk.no_huge)
			LOG_ERROR("if hugepages are missing, reserve them ("
				  "echo 1024 > /sys/kernel/mm/hugepages/"
				  "hugepages-2048kB/nr_hugepages; mount -t "
				  "hugetlbfs nodev /dev/hugepages) or set "
				  "dpdk.no-huge: true");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	sw.start_ms = pmd_clock_ms();

	if (check_pmd_cores(&sw) < 0 || create_mempool(&sw) < 0 ||
	    open_ports(&sw) < 0 || create_pmds(&sw) < 0 ||
	    create_bridge(&sw) < 0)
		goto fail;
	if (ctl_server_start(&sw, err, sizeof(err)) < 0) {
		LOG_ERROR("control socket %s: %s", sw.ctl_path, err);
		goto fail;
	}
	if (ofproto_start(sw.bridges[0].ofp) < 0 ||
	    slowpath_start(sw.sp) < 0) {
		LOG_ERROR("cannot start the control threads");
		goto fail;
	}
	for (unsigned i = 0; i < sw.n_pmds; i++) {
		rc = rte_eal_remote_launch(pmd_main, sw.pmds[i],
					   sw.pmds[i]->lcore_id);
		if (rc < 0) {
			LOG_ERROR("cannot launch the PMD on lcore %u: %s",
				  sw.pmds[i]->lcore_id, rte_strerror(-rc));
			goto fail;
		}
	}
	LOG_NOTICE("running: %u PMD thread(s), control socket %s",
		   sw.n_pmds, sw.ctl_path);

	struct rates prev, cur;

	read_rates(&sw, &prev);
	while (!stop_requested) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (opt.duration > 0 &&
		    (double)(pmd_clock_ms() - sw.start_ms) >= opt.duration * 1000)
			break;
		read_rates(&sw, &cur);
		if (cur.ms - prev.ms >= 1000) {
			print_status(&sw, &prev, &cur);
			prev = cur;
		}
	}
	LOG_NOTICE("stopping");
	shutdown_switch(&sw, true);
	config_free(&sw.cfg);
	rte_eal_cleanup();
	return 0;

fail:
	shutdown_switch(&sw, false);
	config_free(&sw.cfg);
	rte_eal_cleanup();
	return 1;
}
