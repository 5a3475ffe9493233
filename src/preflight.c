/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks of a configuration that need no datapath: the control socket and
 * the vhost-user server sockets can be created, and the hugepages the EAL
 * will ask for are there. Used by --check-config, at start-up before the
 * EAL, and by reload before anything changes.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_devargs.h>

#include "daemon.h"

/* The directory of path exists (or can be made: its parent is there and
 * writable) and a socket can be created in it. */
static int
check_socket_dir(const char *path, char *msg, size_t len)
{
	char tmp[512], *dir;
	struct stat st;

	if (strlen(path) > 107) {
		snprintf(msg, len, "\"%s\" is longer than the 107 bytes a "
			 "Unix socket path may have", path);
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(msg, len, "cannot create socket \"%s\": %s is "
				 "not a directory", path, dir);
			return -ENOTDIR;
		}
		if (access(dir, W_OK | X_OK) != 0) {
			snprintf(msg, len, "cannot create socket \"%s\": "
				 "directory %s: %s", path, dir,
				 strerror(errno));
			return -EACCES;
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(msg, len, "cannot create socket \"%s\": it is "
				 "a directory", path);
			return -EISDIR;
		}
		return 0;
	}
	/* Only the last directory is created (as the ctl socket does): try
	 * it, and leave no trace. */
	if (mkdir(dir, 0755) != 0) {
		snprintf(msg, len, "cannot create socket \"%s\": directory %s "
			 "does not exist and cannot be created: %s", path, dir,
			 strerror(errno));
		return -ENOENT;
	}
	rmdir(dir);
	return 0;
}

/* The control socket never replaces a file that is not a socket. */
static int
check_not_other_file(const char *path, char *msg, size_t len)
{
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(msg, len, "\"%s\" exists and is not a socket (not "
			 "removing it; remove it or choose another path)",
			 path);
		return -EEXIST;
	}
	return 0;
}

int
preflight_paths(const struct pmdswitch_config *cfg, const char *ctl_path,
		char *err, size_t errlen)
{
	char msg[700], key[96];

	if (ctl_path != NULL && (check_socket_dir(ctl_path, msg,
						  sizeof(msg)) < 0 ||
				 check_not_other_file(ctl_path, msg,
						      sizeof(msg)) < 0)) {
		struct cfg_mark m = cfg->ctl_socket_mark;

		if (cfg->ctl_socket != NULL && !strcmp(ctl_path,
						       cfg->ctl_socket)) {
			sw_cfg_error(cfg, &m, "ctl-socket", msg, err, errlen);
		} else {
			snprintf(err, errlen, "--ctl: %s", msg);
		}
		return -EINVAL;
	}
	for (size_t b = 0; b < cfg->n_bridges; b++) {
		const struct cfg_bridge *br = &cfg->bridges[b];

		for (size_t i = 0; i < br->n_ports; i++) {
			const struct cfg_port *p = &br->ports[i];

			if (p->kind != CFG_PORT_VHOST_USER ||
			    p->mode != CFG_VHOST_SERVER)
				continue;
			if (check_socket_dir(p->path, msg, sizeof(msg)) < 0) {
				snprintf(key, sizeof(key),
					 "bridges[%zu].ports[%zu].path", b, i);
				sw_cfg_error(cfg, &p->devargs_mark, key, msg,
					     err, errlen);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Free hugepage memory of every page size, in MB. */
static long
free_hugepage_mb(long *total_mb)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	long free_mb = 0;

	*total_mb = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		long kb, n_free = 0, n_total = 0;
		char path[512];
		FILE *f;

		if (sscanf(e->d_name, "hugepages-%ldkB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/%s/free_hugepages",
			 e->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%ld", &n_free) != 1)
				n_free = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/%s/nr_hugepages",
			 e->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%ld", &n_total) != 1)
				n_total = 0;
			fclose(f);
		}
		free_mb += n_free * kb / 1024;
		*total_mb += n_total * kb / 1024;
	}
	closedir(d);
	return free_mb;
}

int
preflight_hugepages(const struct pmdswitch_config *cfg, char *err,
		    size_t errlen)
{
	struct cfg_mark m = cfg->dpdk.memory_mb_mark;
	long total, free_mb;
	char msg[700];

	if (cfg->dpdk.no_huge)
		return 0;
	free_mb = free_hugepage_mb(&total);
	if (free_mb < 0 || free_mb >= (long)cfg->dpdk.memory_mb)
		return 0;
	snprintf(msg, sizeof(msg), "%u MB of hugepage memory asked, %ld MB "
		 "free (%ld MB reserved in all); reserve more (e.g. echo %ld > "
		 "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; "
		 "mount -t hugetlbfs nodev /dev/hugepages), lower "
		 "dpdk.memory-mb, or set dpdk.no-huge: true",
		 cfg->dpdk.memory_mb, free_mb, total,
		 (total + (long)cfg->dpdk.memory_mb - free_mb) / 2 + 1);
	sw_cfg_error(cfg, &m, "dpdk.memory-mb", msg, err, errlen);
	return -ENOMEM;
}

int
preflight_lcores(const struct pmdswitch_config *cfg, char *err, size_t errlen)
{
	const struct cfg_datapath *dp = &cfg->datapath;
	cpu_set_t set;
	char msg[256], key[64];

	/* With dpdk.lcores the loader checked the PMD cores against it. */
	if (cfg->dpdk.lcores != NULL)
		return 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (size_t i = 0; i < dp->n_pmd_cores; i++) {
		if (dp->pmd_cores[i] < CPU_SETSIZE &&
		    CPU_ISSET(dp->pmd_cores[i], &set))
			continue;
		snprintf(msg, sizeof(msg), "lcore %u is not in the EAL lcore "
			 "set: dpdk.lcores is not given, so the EAL takes the "
			 "%d CPUs this process may run on", dp->pmd_cores[i],
			 CPU_COUNT(&set));
		snprintf(key, sizeof(key), "datapath.pmd-cores[%zu]", i);
		sw_cfg_error(cfg, &dp->pmd_cores_mark, key, msg, err, errlen);
		return -EINVAL;
	}
	return 0;
}

int
preflight_devargs(const struct pmdswitch_config *cfg, char *err,
		  size_t errlen)
{
	char msg[700], key[96];

	for (size_t b = 0; b < cfg->n_bridges; b++) {
		const struct cfg_bridge *br = &cfg->bridges[b];

		for (size_t i = 0; i < br->n_ports; i++) {
			const struct cfg_port *p = &br->ports[i];
			struct rte_devargs da;
			int rc;

			if (p->kind != CFG_PORT_DPDK)
				continue;
			memset(&da, 0, sizeof(da));
			rc = rte_devargs_parse(&da, p->devargs);
			free((void *)(uintptr_t)da.args);	/* Not stable: reset. */
			if (rc == 0)
				continue;
			snprintf(msg, sizeof(msg), "no DPDK bus or driver knows "
				 "the device \"%s\" (a PCI address such as "
				 "0000:01:00.0, or a virtual device such as "
				 "net_pcap0,... net_null0 net_ring0 "
				 "net_af_packet0,iface=IF net_vhost0,iface=PATH "
				 "net_tap0)", p->devargs);
			snprintf(key, sizeof(key),
				 "bridges[%zu].ports[%zu].devargs", b, i);
			sw_cfg_error(cfg, &p->devargs_mark, key, msg, err,
				     errlen);
			return -EINVAL;
		}
	}
	return 0;
}
