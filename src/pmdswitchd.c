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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "daemon.h"
#include "metrics.h"
#include "dataplane/rxq_sched.h"
#include "sd_notify.h"
#include "capture.h"
#include "capture_pdump.h"
#include "sflow_agent.h"

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

static volatile sig_atomic_t sighup_received;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The config thread (ctl_server.c) does the reload. */
static void
on_sighup(int sig)
{
	(void)sig;
	sighup_received = 1;
}

struct options {
	const char *config;
	const char *ctl;
	const char *ctl_group;
	double duration;	/* 0 = until a signal. */
	bool check_config;	/* Validate and exit. */
	int n_eal_args;
	char **eal_args;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: pmdswitchd --config FILE [--ctl PATH] [--log-level LEVEL]\n"
		"                  [--ctl-group GROUP] [--duration SECONDS]\n"
		"                  [--check-config]\n"
		"                  [-- EAL-ARGS...]\n"
		"       pmdswitchd --check-config FILE\n"
		"  --config FILE      YAML configuration (see README)\n"
		"  --ctl PATH         control socket (default: the config's\n"
		"                     ctl-socket, else " DEFAULT_CTL_PATH ")\n"
		"  --ctl-group GROUP  group that may use the control socket\n"
		"                     besides root (default: pmdswitch)\n"
		"  --log-level LEVEL  error, warning, info (default), debug\n"
		"  --duration SECONDS stop after this long (default: run until\n"
		"                     SIGINT or SIGTERM)\n"
		"  --check-config     validate the configuration (YAML, socket\n"
		"                     paths, lcores, devargs, hugepages) without\n"
		"                     starting the datapath; prints FILE: OK\n"
		"                     (--check-config FILE is the same as\n"
		"                     --config FILE --check-config)\n"
		"  --version          print the version\n"
		"Arguments after -- go to the DPDK EAL as they are.\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ctl", required_argument, NULL, 's' },
		{ "ctl-group", required_argument, NULL, 'g' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check-config", no_argument, NULL, 'C' },
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
		case 'g':
			if (strlen(optarg) == 0 || strlen(optarg) >= 64) {
				fprintf(stderr, "pmdswitchd: --ctl-group: "
					"expected a group name of 1 to 63 "
					"characters\n");
				return -1;
			}
			o->ctl_group = optarg;
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
		case 'C':
			o->check_config = true;
			break;
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
	/* pmdswitchd --check-config FILE: the file is the first operand. */
	if (o->config == NULL && o->check_config && optind < argc)
		o->config = argv[optind++];
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
	if (!has_prefix && !cfg->dpdk.no_huge)
		ADD("--in-memory");
	else if (!has_prefix)	/* --in-memory needs hugepages: a prefix of
				 * our own keeps daemons apart instead. */
		ADDF("--file-prefix=pmdswitchd-%d", (int)getpid());
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
	/* A reload may run a PMD on any lcore of the set but the main one. */
	sw->max_pmds = rte_lcore_count() - 1;
	if (sw->max_pmds > PMD_MAX)
		sw->max_pmds = PMD_MAX;
	if (sw->max_pmds < sw->n_pmds)
		sw->max_pmds = sw->n_pmds;
	return 0;
}

static int
create_pmds(struct pmdswitch *sw)
{
	const struct cfg_datapath *dp = &sw->cfg.datapath;
	size_t sz = rte_rcu_qsbr_get_memsize(sw->max_pmds);

	/* Sized for every PMD a reload may add (RCU thread id = index). */
	sw->qs = rte_zmalloc("rcu", sz, RTE_CACHE_LINE_SIZE);
	if (sw->qs == NULL || rte_rcu_qsbr_init(sw->qs, sw->max_pmds) != 0) {
		LOG_ERROR("cannot set up RCU for %u PMDs", sw->max_pmds);
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
		emc_set_bypass_pct(sw->pmds[i]->emc, dp->emc_min_hit_pct);
		pmd_set_upcall_cycle_share(sw->pmds[i],
					   dp->upcall_cycle_share);
		LOG_NOTICE("pmd %u: %u megaflows (%.1f MiB, pages used on "
			   "demand)", dp->pmd_cores[i], dp->megaflow_max,
			   (double)megaflow_table_mem_size(
				   sw->pmds[i]->megaflows) / (1024.0 * 1024.0));
	}
	return 0;
}

/* ------------------------------------------------------------ PMD changes */

unsigned
pmds_txq_needed(const struct pmdswitch *sw)
{
	unsigned top = 0;

	for (unsigned i = 0; i < sw->n_pmds; i++)
		if (sw->pmds[i]->index + 1 > top)
			top = sw->pmds[i]->index + 1;
	return top;
}

/* The indexes the PMDs of `cores` get: a running PMD keeps its own, a new
 * one takes the lowest that no running PMD has (those that go run beside
 * the new ones while their rx queues move). Returns the highest + 1. */
static unsigned
pmds_plan(const struct pmdswitch *sw, const uint32_t *cores, size_t n,
	  unsigned idx[])
{
	bool used[PMD_MAX] = { false };
	unsigned top = 0;

	for (unsigned j = 0; j < sw->n_pmds; j++)
		used[sw->pmds[j]->index] = true;
	for (size_t i = 0; i < n; i++) {
		idx[i] = PMD_MAX;
		for (unsigned j = 0; j < sw->n_pmds; j++)
			if (sw->pmds[j]->lcore_id == cores[i])
				idx[i] = sw->pmds[j]->index;
	}
	for (size_t i = 0; i < n; i++) {
		if (idx[i] == PMD_MAX) {
			unsigned k = 0;

			while (k < PMD_MAX && used[k])
				k++;
			idx[i] = k;
			if (k < PMD_MAX)
				used[k] = true;
		}
		if (idx[i] + 1 > top)
			top = idx[i] + 1;
	}
	return top;
}

int
pmds_check(struct pmdswitch *sw, const struct pmdswitch_config *cfg,
	   char *err, size_t errlen)
{
	const struct cfg_datapath *dp = &cfg->datapath;
	struct cfg_mark m = dp->pmd_cores_mark;
	const char *key = "datapath.pmd-cores";
	unsigned idx[PMD_MAX], top;
	char msg[512];

	if (m.line == 0)
		m = (struct cfg_mark){ 1, 1 };
	if (dp->n_pmd_cores == 0 || dp->n_pmd_cores > sw->max_pmds) {
		snprintf(msg, sizeof(msg), "%zu PMD cores, expected 1 to %u: "
			 "the EAL lcore set has %u lcores besides the main "
			 "lcore %u, and dpdk.lcores cannot change without a "
			 "restart; nothing was changed", dp->n_pmd_cores,
			 sw->max_pmds, rte_lcore_count() - 1,
			 rte_get_main_lcore());
		sw_cfg_error(cfg, &m, key, msg, err, errlen);
		return -EINVAL;
	}
	for (size_t i = 0; i < dp->n_pmd_cores; i++) {
		unsigned c = dp->pmd_cores[i];

		if (c >= RTE_MAX_LCORE || !rte_lcore_is_enabled(c)) {
			snprintf(msg, sizeof(msg), "lcore %u is not in the EAL "
				 "lcore set (dpdk.lcores, fixed until a "
				 "restart); nothing was changed", c);
			sw_cfg_error(cfg, &m, key, msg, err, errlen);
			return -EINVAL;
		}
		if (c == rte_get_main_lcore()) {
			snprintf(msg, sizeof(msg), "lcore %u is the main lcore; "
				 "a PMD needs a core of its own; nothing was "
				 "changed", c);
			sw_cfg_error(cfg, &m, key, msg, err, errlen);
			return -EINVAL;
		}
	}
	top = pmds_plan(sw, dp->pmd_cores, dp->n_pmd_cores, idx);
	if (top > sw->max_pmds) {
		snprintf(msg, sizeof(msg), "the PMDs that stay, go and come "
			 "would need %u tx queues per port at once, %u at most; "
			 "change fewer cores per reload; nothing was changed",
			 top, sw->max_pmds);
		sw_cfg_error(cfg, &m, key, msg, err, errlen);
		return -EINVAL;
	}
	/* Every port that stays needs a tx queue for each PMD: ports are
	 * not reconfigured (that would drop packets). */
	for (unsigned i = 0; i < sw->n_ports; i++) {
		const struct switch_port *p = &sw->ports[i];
		const struct cfg_port *cp;
		char sig[sizeof(p->sig)];
		size_t b;

		if (!p->in_use || !cfg_port_has_device(p->kind) ||
		    p->dev.n_txq >= top)
			continue;
		cp = config_find_port(cfg, p->name, &b);
		if (cp == NULL)
			continue;
		port_signature(cp, sig, sizeof(sig));
		if (strcmp(sig, p->sig))
			continue;	/* Made again, with the tx queues. */
		snprintf(msg, sizeof(msg), "port %s has %u tx queue(s), the "
			 "most its device offers (\"%s\"), and these PMDs need "
			 "%u (one per PMD); give the device more tx queues and "
			 "restart, or run fewer PMDs; nothing was changed",
			 p->name, p->dev.n_txq, p->dev.dev_name, top);
		sw_cfg_error(cfg, &m, key, msg, err, errlen);
		return -EINVAL;
	}
	return 0;
}

/* Nothing waits in the PMD any more: no upcall in flight, nothing on its
 * rings, nothing parked. */
static bool
pmd_settled(struct pmd *pmd)
{
	return rte_ring_count(pmd->upcall_ring) == 0 &&
	       rte_ring_count(pmd->exec_ring) == 0 &&
	       __atomic_load_n(&pmd->n_parked, __ATOMIC_RELAXED) == 0 &&
	       __atomic_load_n(&pmd->miss_upcalls_sent, __ATOMIC_RELAXED) ==
	       __atomic_load_n(&pmd->miss_upcalls_done, __ATOMIC_ACQUIRE);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The rx queues of the PMDs that go, to the PMDs that stay (fewest queues
 * first): first off the old lists (publish, grace period), then onto the
 * new ones (publish, grace period). Call with rxq_lock held. */
static int
rxqs_evacuate(struct pmdswitch *sw, struct pmd *const gone[], unsigned n_gone,
	      struct pmd *const to[], unsigned n_to)
{
	struct pmd_rxq_list *empty[PMD_MAX] = { NULL }, *fin[PMD_MAX] = { NULL };
	struct pmd_rxq_list *old;
	int rc = 0;

	for (unsigned i = 0; i < n_gone; i++)
		if ((empty[i] = rte_zmalloc("pmd_rxqs", sizeof(*empty[i]),
					    RTE_CACHE_LINE_SIZE)) == NULL)
			rc = -ENOMEM;
	for (unsigned j = 0; j < n_to; j++) {
		fin[j] = rte_malloc("pmd_rxqs", sizeof(*fin[j]),
				    RTE_CACHE_LINE_SIZE);
		if (fin[j] == NULL)
			rc = -ENOMEM;
		else
			*fin[j] = *to[j]->rxqs;
	}
	for (unsigned i = 0; rc == 0 && i < n_gone; i++) {
		const struct pmd_rxq_list *cur = gone[i]->rxqs;

		for (uint32_t k = 0; rc == 0 && k < cur->n; k++) {
			unsigned best = n_to;

			for (unsigned j = 0; j < n_to; j++)
				if (fin[j]->n < PMD_MAX_RXQS &&
				    (best == n_to || fin[j]->n < fin[best]->n))
					best = j;
			if (best == n_to)
				rc = -ENOSPC;
			else
				fin[best]->q[fin[best]->n++] = cur->q[k];
		}
	}
	if (rc < 0) {
		for (unsigned i = 0; i < PMD_MAX; i++) {
			rte_free(empty[i]);
			rte_free(fin[i]);
		}
		return rc;
	}
	for (unsigned i = 0; i < n_gone; i++) {
		old = pmd_rxq_list_publish(gone[i], empty[i]);
		empty[i] = old;		/* Freed after the grace period. */
	}
	rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
	for (unsigned i = 0; i < n_gone; i++)
		rte_free(empty[i]);
	for (unsigned j = 0; j < n_to; j++)
		fin[j] = pmd_rxq_list_publish(to[j], fin[j]);
	rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
	for (unsigned j = 0; j < n_to; j++)
		rte_free(fin[j]);
	return 0;
}

static void
pmds_publish(struct pmdswitch *sw, struct pmd *const pmds[], unsigned n)
{
	pthread_rwlock_wrlock(&sw->ports_lock);
	memcpy(sw->pmds, pmds, n * sizeof(pmds[0]));
	sw->n_pmds = n;
	pthread_rwlock_unlock(&sw->ports_lock);
}

/* Stop a PMD that no one gives work any more and free it with what is
 * still in it. */
static void
pmd_retire(struct pmd *pmd)
{
	unsigned left;

	pmd->stop = true;
	rte_eal_wait_lcore(pmd->lcore_id);	/* Returns at once if stopped. */
	left = rte_ring_count(pmd->upcall_ring) +
	       rte_ring_count(pmd->exec_ring) + pmd->n_parked;
	if (left)
		LOG_WARNING("pmd %u: %u packet(s) still waiting in it when it "
			    "stopped, dropped", pmd->lcore_id, left);
	LOG_NOTICE("pmd %u: stopped (tx queue %u)", pmd->lcore_id,
		   pmd->index);
	pmd_destroy(pmd);
}

int
pmds_set(struct pmdswitch *sw, const uint32_t *cores, size_t n, char *err,
	 size_t errlen)
{
	const struct cfg_datapath *dp = &sw->cfg.datapath;
	struct pmd *next[PMD_MAX], *added[PMD_MAX], *gone[PMD_MAX];
	struct pmd *all[2 * PMD_MAX], *old[PMD_MAX];
	unsigned idx[PMD_MAX], n_added = 0, n_gone = 0, n_old = sw->n_pmds;
	uint64_t deadline;
	int rc;

	if (n == 0 || n > PMD_MAX) {
		snprintf(err, errlen, "datapath.pmd-cores: 1 to %d cores",
			 PMD_MAX);
		return -EINVAL;
	}
	memcpy(old, sw->pmds, n_old * sizeof(old[0]));
	pmds_plan(sw, cores, n, idx);
	for (unsigned j = 0; j < sw->n_pmds; j++) {
		bool kept = false;

		for (size_t i = 0; i < n; i++)
			kept |= sw->pmds[j]->lcore_id == cores[i];
		if (!kept)
			gone[n_gone++] = sw->pmds[j];
	}
	/* 1. New PMDs start, with no rx queue yet. */
	for (size_t i = 0; i < n; i++) {
		struct pmd *pmd = NULL;

		for (unsigned j = 0; j < sw->n_pmds; j++)
			if (sw->pmds[j]->lcore_id == cores[i])
				pmd = sw->pmds[j];
		if (pmd != NULL) {
			next[i] = pmd;
			continue;
		}
		if (idx[i] >= sw->max_pmds) {
			snprintf(err, errlen, "datapath.pmd-cores: no tx queue "
				 "left for a PMD on lcore %u", cores[i]);
			rc = -ENOSPC;
			goto undo;
		}
		pmd = pmd_create(idx[i], cores[i], &sw->port_table, sw->qs,
				 dp->emc_entries, dp->emc_insert_inv_prob,
				 dp->megaflow_max, dp->upcall_ring_size);
		if (pmd == NULL) {
			snprintf(err, errlen, "datapath.pmd-cores: cannot "
				 "create the PMD on lcore %u: %s", cores[i],
				 strerror(errno));
			rc = -ENOMEM;
			goto undo;
		}
		emc_set_bypass_pct(pmd->emc, dp->emc_min_hit_pct);
		pmd_set_upcall_cycle_share(pmd, dp->upcall_cycle_share);
		rc = rte_eal_remote_launch(pmd_main, pmd, cores[i]);
		if (rc < 0) {
			snprintf(err, errlen, "datapath.pmd-cores: cannot "
				 "launch the PMD on lcore %u: %s", cores[i],
				 rte_strerror(-rc));
			pmd_destroy(pmd);
			goto undo;
		}
		added[n_added++] = pmd;
		next[i] = pmd;
	}
	deadline = pmd_clock_ms() + 2000;
	for (unsigned i = 0; i < n_added; i++)
		while (!added[i]->running && pmd_clock_ms() < deadline)
			sleep_ms(1);
	pthread_mutex_lock(&sw->stats_lock);
	for (unsigned i = 0; i < n_added; i++) {
		memset(&sw->stats_base[added[i]->index], 0,
		       sizeof(sw->stats_base[0]));
		LOG_NOTICE("pmd %u: started (tx queue %u)",
			   added[i]->lcore_id, added[i]->index);
	}
	pthread_mutex_unlock(&sw->stats_lock);

	/* 2. While queues move, the slowpath serves old and new PMDs. */
	memcpy(all, next, n * sizeof(next[0]));
	memcpy(all + n, gone, n_gone * sizeof(gone[0]));
	slowpath_set_pmds(sw->sp, all, (unsigned)n + n_gone);
	pmds_publish(sw, all, (unsigned)n + n_gone);

	/* 3. Rx queues: off the PMDs that go, then spread over the new
	 * set (the new PMDs have none yet). */
	pthread_mutex_lock(&sw->rxq_lock);
	rc = n_gone ? rxqs_evacuate(sw, gone, n_gone, next, (unsigned)n) : 0;
	if (rc == 0 && n_added > 0 && n > 1) {
		int moved = pmd_rxq_rebalance(next, (unsigned)n, sw->qs);

		if (moved < 0)
			LOG_WARNING("pmd cores: rx queues not rebalanced: %s",
				    strerror(-moved));
	}
	pthread_mutex_unlock(&sw->rxq_lock);
	if (rc < 0) {
		snprintf(err, errlen, "datapath.pmd-cores: cannot move the rx "
			 "queues of the PMDs that go: %s", strerror(-rc));
		/* Nothing moved: the PMDs as they were. */
		slowpath_set_pmds(sw->sp, old, n_old);
		pmds_publish(sw, old, n_old);
		goto undo;
	}

	/* 4. What the PMDs that go still hold finishes: upcalls in flight
	 * come back and go out, parked packets follow them. */
	deadline = pmd_clock_ms() + 1000;
	for (unsigned i = 0; i < n_gone; i++)
		while (!pmd_settled(gone[i]) && pmd_clock_ms() < deadline)
			sleep_ms(1);
	slowpath_set_pmds(sw->sp, next, (unsigned)n);
	for (unsigned i = 0; i < n_gone; i++) {
		gone[i]->stop = true;
		rte_eal_wait_lcore(gone[i]->lcore_id);
	}
	/* Port counters keep the tx drops of the PMDs that went. */
	pthread_rwlock_wrlock(&sw->ports_lock);
	memcpy(sw->pmds, next, n * sizeof(next[0]));
	sw->n_pmds = (unsigned)n;
	for (unsigned i = 0; i < n_gone; i++)
		for (unsigned p = 0; p < PMD_MAX_PORTS; p++)
			sw->gone_tx_drops[p] += pmd_port_tx_drops(gone[i], p);
	pthread_rwlock_unlock(&sw->ports_lock);
	for (unsigned i = 0; i < n_gone; i++)
		pmd_retire(gone[i]);
	return 0;

undo:
	for (unsigned i = 0; i < n_added; i++)
		pmd_retire(added[i]);
	return rc;
}

/* Bridges, ports (probed first: their NUMA sockets size the pools),
 * flows, listeners and controllers of the configuration. */
static int
build_switch(struct pmdswitch *sw, char *err, size_t errlen)
{
	sw->sp = slowpath_create(NULL, sw->pmds, sw->n_pmds, &sw->port_table,
				 NULL, sw->cfg.datapath.megaflow_idle_ms);
	if (sw->sp == NULL) {
		snprintf(err, errlen, "cannot create the slowpath: %s",
			 strerror(errno));
		return -1;
	}
	bridges_apply_limits(sw);
	for (size_t b = 0; b < sw->cfg.n_bridges; b++)
		if (bridge_add(sw, &sw->cfg.bridges[b], (unsigned)b, err,
			       errlen) < 0)
			return -1;
	if (ports_probe_all(sw, err, errlen) < 0 ||
	    pools_create(sw, err, errlen) < 0)
		return -1;
	slowpath_set_mempool(sw->sp, sw->mp);
	if (ports_activate_all(sw, err, errlen) < 0)
		return -1;
	bridges_link_patches(sw);
	tunnels_sync(sw);
	for (size_t b = 0; b < sw->cfg.n_bridges; b++) {
		const struct cfg_bridge *cb = &sw->cfg.bridges[b];
		struct bridge *br = &sw->bridges[b];

		if (bridge_add_flows(sw, br, cb, (unsigned)b, err, errlen) < 0 ||
		    bridge_add_channels(sw, br, cb, (unsigned)b, err,
					errlen) < 0)
			return -1;
		LOG_NOTICE("bridge %s: datapath id 0x%016lx, %zu ports, %zu "
			   "flows, %zu listeners, %zu controllers", cb->name,
			   (unsigned long)cb->datapath_id, cb->n_ports,
			   ofproto_rule_count(br->ofp), cb->n_listen,
			   cb->n_controllers);
	}
	return 0;
}

void
pmdswitch_pmd_stats(struct pmdswitch *sw, unsigned i, struct pmd_stats *out)
{
	const uint64_t *base;
	uint64_t *cur = (uint64_t *)(void *)out;

	pmd_stats_read(sw->pmds[i], out);
	pthread_mutex_lock(&sw->stats_lock);
	base = (const uint64_t *)(const void *)
	       &sw->stats_base[sw->pmds[i]->index];
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
	pthread_rwlock_rdlock(&sw->ports_lock);
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct rte_eth_stats es;

		if (!sw->ports[i].in_use || !sw->ports[i].dev.started)
			continue;
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
	pthread_rwlock_unlock(&sw->ports_lock);
}

static void
print_status(struct pmdswitch *sw, const struct rates *a,
	     const struct rates *b)
{
	double secs = (double)(b->ms - a->ms) / 1000.0;
	/* A PMD that a reload stopped takes its counts with it. */
	uint64_t emc = b->emc >= a->emc ? b->emc - a->emc : 0;
	uint64_t mf = b->mf >= a->mf ? b->mf - a->mf : 0;
	uint64_t miss = b->miss >= a->miss ? b->miss - a->miss : 0;
	uint64_t all = emc + mf + miss;

	if (secs <= 0)
		secs = 1;
	printf("[%6.1fs]", (double)(b->ms - sw->start_ms) / 1000.0);
	pthread_rwlock_rdlock(&sw->ports_lock);
	for (unsigned i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].in_use && sw->ports[i].dev.started &&
		    b->rx[i] >= a->rx[i] && b->tx[i] >= a->tx[i])
			printf(" %s rx %.3f tx %.3f Mpps |", sw->ports[i].name,
			       (double)(b->rx[i] - a->rx[i]) / secs / 1e6,
			       (double)(b->tx[i] - a->tx[i]) / secs / 1e6);
	pthread_rwlock_unlock(&sw->ports_lock);
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
	/* First the config thread: a reload it runs may be starting or
	 * stopping PMDs. */
	metrics_telemetry_unregister();
	metrics_server_stop(sw);
	ctl_server_stop(sw);
	sflow_agent_destroy(sw->sflow);
	sw->sflow = NULL;
	capture_pdump_stop(sw);
	capture_shutdown(sw);
	sw->stopping = true;
	for (unsigned i = 0; i < sw->n_pmds; i++)
		if (sw->pmds[i])
			sw->pmds[i]->stop = true;
	rte_eal_mp_wait_lcore();
	if (sw->sp)
		slowpath_stop(sw->sp);
	if (report)
		print_totals(sw);
	for (unsigned b = 0; b < sw->n_bridges; b++)
		if (sw->bridges[b].in_use) {
			ofproto_destroy(sw->bridges[b].ofp);
			sw->bridges[b].ofp = NULL;
		}
	/* Ports probed but never started (a failed start) included. */
	for (unsigned i = 0; i < PMD_MAX_PORTS; i++)
		dpdk_port_close(&sw->ports[i].dev);
	slowpath_destroy(sw->sp);
	for (unsigned i = 0; i < sw->n_pmds; i++)
		pmd_destroy(sw->pmds[i]);
	pools_free(sw);
	rte_free(sw->qs);
}

/* --check-config: what start-up checks, up to the datapath. The EAL runs
 * without hugepages and devices, with the configuration's lcores, so the
 * PMD cores and the devargs are checked the way DPDK sees them. */
static int
check_config(struct pmdswitch *sw, const struct options *o)
{
	char *argv[16], lc[64], ml[32], err[1024];
	int n = 0, rc = 0;

	argv[n++] = "pmdswitchd";
	if (sw->cfg.dpdk.lcores) {
		snprintf(lc, sizeof(lc), "--lcores=%s", sw->cfg.dpdk.lcores);
		argv[n++] = lc;
	}
	if (sw->cfg.dpdk.main_lcore >= 0) {
		snprintf(ml, sizeof(ml), "--main-lcore=%d",
			 sw->cfg.dpdk.main_lcore);
		argv[n++] = ml;
	}
	argv[n++] = "--no-huge";
	argv[n++] = "-m64";
	argv[n++] = "--no-shconf";
	argv[n++] = "--no-pci";
	argv[n++] = "--log-level=*:error";
	argv[n] = NULL;
	if (rte_eal_init(n, argv) < 0) {
		fprintf(stderr, "%s: dpdk: the EAL does not start with these "
			"settings: %s\n", sw->cfg.file,
			rte_strerror(rte_errno));
		config_free(&sw->cfg);
		return 1;
	}
	if (check_pmd_cores(sw) < 0) {
		rc = 1;
	} else if (preflight_devargs(&sw->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		rc = 1;
	} else {
		printf("%s: OK\n", o->config);
	}
	config_free(&sw->cfg);
	rte_eal_cleanup();
	return rc;
}

/* metrics-listen and the DPDK telemetry commands. */
static int
start_metrics(struct pmdswitch *sw)
{
	char msg[512], err[1024];
	int fd;

	if (metrics_telemetry_register(sw) < 0)
		LOG_WARNING("cannot register the /pmdswitch/ telemetry "
			    "commands");
	if (sw->cfg.metrics_listen == NULL)
		return 0;
	fd = metrics_listen_open(sw->cfg.metrics_listen, msg, sizeof(msg));
	if (fd < 0 || metrics_server_start(sw, fd, sw->cfg.metrics_listen,
					   msg, sizeof(msg)) < 0) {
		sw_cfg_error(&sw->cfg, &sw->cfg.metrics_listen_mark,
			     "metrics-listen", msg, err, sizeof(err));
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Every OpenFlow connection, listener, port and socket is a descriptor:
 * raise the soft RLIMIT_NOFILE to the hard limit (an accept that still
 * runs out backs off: ofp_conn.h). */
static void
raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		LOG_WARNING("cannot raise the open files limit from %lu to "
			    "%lu: %s", (unsigned long)old,
			    (unsigned long)rl.rlim_max, strerror(errno));
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
	snprintf(sw.ctl_path, sizeof(sw.ctl_path), "%s",
		 opt.ctl ? opt.ctl : sw.cfg.ctl_socket ? sw.cfg.ctl_socket :
		 DEFAULT_CTL_PATH);
	snprintf(sw.config_path, sizeof(sw.config_path), "%s", opt.config);
	snprintf(sw.ctl_group, sizeof(sw.ctl_group), "%s",
		 opt.ctl_group ? opt.ctl_group : "");
	pthread_mutex_init(&sw.stats_lock, NULL);
	pthread_rwlock_init(&sw.ports_lock, NULL);
	pthread_mutex_init(&sw.rxq_lock, NULL);
	pthread_mutex_init(&sw.config_lock, NULL);
	/* What can be checked before the EAL starts: nothing starts
	 * half-configured. */
	if (preflight_paths(&sw.cfg, sw.ctl_path, err, sizeof(err)) < 0 ||
	    preflight_lcores(&sw.cfg, err, sizeof(err)) < 0 ||
	    preflight_hugepages(&sw.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(&sw.cfg);
		return 1;
	}
	if (opt.check_config)
		return check_config(&sw, &opt);

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
	raise_nofile_limit();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, on_sighup);
	sw.start_ms = pmd_clock_ms();

	err[0] = '\0';
	if (check_pmd_cores(&sw) < 0 || create_pmds(&sw) < 0)
		goto fail;
	if (build_switch(&sw, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	sw.sflow = sflow_agent_start(&sw);
	if (sw.sflow == NULL) {
		LOG_ERROR("cannot start the sFlow agent: %s", strerror(errno));
		goto fail;
	}
	sflow_agent_apply(&sw);
	if (ctl_server_start(&sw, err, sizeof(err)) < 0) {
		LOG_ERROR("control socket %s: %s", sw.ctl_path, err);
		goto fail;
	}
	if (start_metrics(&sw) < 0)
		goto fail;
	for (unsigned b = 0; b < sw.n_bridges; b++)
		if (sw.bridges[b].in_use &&
		    ofproto_start(sw.bridges[b].ofp) < 0) {
			LOG_ERROR("cannot start the OpenFlow thread of %s",
				  sw.bridges[b].name);
			goto fail;
		}
	if (slowpath_start(sw.sp) < 0) {
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
	/* dpdk-dumpcap / dpdk-pdump (secondary processes of the same
	 * --file-prefix, with hugepages) may attach to the ports. Without
	 * the server the switch runs on (it logs why). */
	capture_pdump_start(&sw);
	LOG_NOTICE("running: %u PMD thread(s), control socket %s",
		   sw.n_pmds, sw.ctl_path);
	/* Ports are up and PMDs run: tell systemd (Type=notify). */
	rc = sd_notify_send("READY=1\nSTATUS=running");
	if (rc < 0)
		LOG_WARNING("cannot notify the service manager: %s",
			    strerror(-rc));

	struct rates prev, cur;

	read_rates(&sw, &prev);
	while (!stop_requested) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (sighup_received) {
			sighup_received = 0;
			__atomic_store_n(&sw.reload_requested, 1,
					 __ATOMIC_RELEASE);
		}
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
	sd_notify_send("STOPPING=1");
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
