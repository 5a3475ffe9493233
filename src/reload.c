/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reload (SIGHUP, pmdswitch-ctl reload): load the file again, check
 * it, and apply the difference to the running switch.
 *
 *  1. Load and check everything that can be checked before touching the
 *     switch: the YAML (file:line:column errors), sections that cannot
 *     change while running (dpdk:, datapath: but pmd-cores, ctl-socket:),
 *     the PMD cores (lcores of the EAL set, a tx queue for each PMD on
 *     every port that stays), socket paths, every flow (parsed on a
 *     scratch bridge). A failure changes nothing.
 *  2. Remove what the new file removes or changes: bridges whose identity
 *     or controllers changed (datapath-id, fail-mode, controllers), ports
 *     that are gone, moved or configured differently.
 *  2b. PMD cores (pmds_set()): new PMDs start, those that go hand their
 *     rx queues to the others and stop, the queues are spread again.
 *  3. Add bridges and ports. When a device cannot be probed or started,
 *     everything step 3 added is removed and everything step 2 removed is
 *     added back from the old configuration: the switch is as before, and
 *     the error (file:line:column) is the reply.
 *  4. Flows of kept bridges (removed ones deleted strictly, new ones
 *     added, kept ones untouched), listeners closed and opened in place,
 *     patch peers; revalidate the megaflows (only those the changes made
 *     wrong go).
 *
 * Ports and bridges that the change does not touch are not touched: their
 * rx queues stay on their PMDs, their megaflows stay installed.
 *
 * Thread safety: under sw->config_lock only (the config thread
 * or a control command).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "metrics.h"
#include "sflow_agent.h"

static bool
strlist_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool
strlist_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static const struct cfg_bridge *
cfg_bridge_find(const struct pmdswitch_config *cfg, const char *name,
		unsigned *index)
{
	for (size_t i = 0; i < cfg->n_bridges; i++)
		if (!strcmp(cfg->bridges[i].name, name)) {
			if (index != NULL)
				*index = (unsigned)i;
			return &cfg->bridges[i];
		}
	return NULL;
}

static const struct cfg_port *
cfg_port_in(const struct cfg_bridge *cb, const char *name)
{
	for (size_t i = 0; i < cb->n_ports; i++)
		if (!strcmp(cb->ports[i].name, name))
			return &cb->ports[i];
	return NULL;
}

static int
restart_needed(const struct pmdswitch_config *ncfg, struct cfg_mark m,
	       const char *key, char *err, size_t errlen)
{
	sw_cfg_error(ncfg, &m, key, "changing this needs a restart of "
		     "pmdswitchd; nothing was changed", err, errlen);
	return -EINVAL;
}

/* Sections the running process cannot change. */
static int
check_fixed(const struct pmdswitch_config *o,
	    const struct pmdswitch_config *n, char *err, size_t errlen)
{
	const struct cfg_dpdk *od = &o->dpdk, *nd = &n->dpdk;
	const struct cfg_datapath *op = &o->datapath, *np = &n->datapath;
	struct cfg_mark top = { 1, 1 };

	if ((od->lcores == NULL) != (nd->lcores == NULL) ||
	    (od->lcores && strcmp(od->lcores, nd->lcores)) ||
	    od->main_lcore != nd->main_lcore ||
	    od->memory_mb != nd->memory_mb || od->no_huge != nd->no_huge ||
	    !strlist_eq(od->extra_args, od->n_extra_args, nd->extra_args,
			nd->n_extra_args)) {
		sw_cfg_error(n, nd->memory_mb_mark.line ? &nd->memory_mb_mark :
			     &top, "dpdk", "the EAL reads this section once, "
			     "at start (lcores, main-lcore, memory-mb, no-huge, "
			     "extra-args): changing it needs a restart of "
			     "pmdswitchd; PMDs can move live within the lcores "
			     "it gives (datapath.pmd-cores); nothing was "
			     "changed", err, errlen);
		return -EINVAL;
	}
	if (op->emc_entries != np->emc_entries ||
	    op->emc_insert_inv_prob != np->emc_insert_inv_prob ||
	    op->emc_min_hit_pct != np->emc_min_hit_pct ||
	    op->megaflow_max != np->megaflow_max ||
	    op->megaflow_idle_ms != np->megaflow_idle_ms ||
	    op->upcall_ring_size != np->upcall_ring_size ||
	    op->upcall_cycle_share != np->upcall_cycle_share)
		return restart_needed(n, top, "datapath", err, errlen);
	if (strcmp(o->ctl_socket, n->ctl_socket))
		return restart_needed(n, n->ctl_socket_mark.line ?
				      n->ctl_socket_mark : top, "ctl-socket",
				      err, errlen);
	return 0;
}

static bool
str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && !strcmp(a, b);
}

/* metrics-listen: a new address must be bindable before anything changes
 * (the socket, in *fd, is then used by metrics_listen_apply()). */
static int
metrics_listen_check(const struct pmdswitch_config *o,
		     const struct pmdswitch_config *n, int *fd, char *err,
		     size_t errlen)
{
	char msg[512];
	int rc;

	*fd = -1;
	if (str_eq(o->metrics_listen, n->metrics_listen) ||
	    n->metrics_listen == NULL)
		return 0;
	rc = metrics_listen_open(n->metrics_listen, msg, sizeof(msg));
	if (rc < 0) {
		sw_cfg_error(n, &n->metrics_listen_mark, "metrics-listen", msg,
			     err, errlen);
		return rc;
	}
	*fd = rc;
	return 0;
}

/* The new metrics listener replaces the old one (or none is left). */
static unsigned
metrics_listen_apply(struct pmdswitch *sw, const struct pmdswitch_config *o,
		     const struct pmdswitch_config *n, int fd)
{
	char err[256];

	if (str_eq(o->metrics_listen, n->metrics_listen))
		return 0;
	metrics_server_stop(sw);
	if (fd >= 0 && metrics_server_start(sw, fd, n->metrics_listen, err,
					    sizeof(err)) < 0)
		LOG_ERROR("metrics-listen %s: %s", n->metrics_listen, err);
	return 1;
}

/* Every flow of the new file parses and is accepted by a bridge. */
static int
check_flows(const struct pmdswitch_config *n, char *err, size_t errlen)
{
	char msg[512], key[64];

	for (size_t b = 0; b < n->n_bridges; b++) {
		const struct cfg_bridge *cb = &n->bridges[b];
		struct ofproto *scratch;

		if (cb->n_flows == 0)
			continue;
		scratch = ofproto_create("check", 0, NULL, NULL);
		if (scratch == NULL) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		for (size_t i = 0; i < cb->n_flows; i++) {
			if (ofproto_add_flow_str(scratch, cb->flows[i], msg,
						 sizeof(msg)) == 0)
				continue;
			snprintf(key, sizeof(key), "bridges[%zu].flows[%zu]",
				 b, i);
			sw_cfg_error(n, &cb->flow_marks[i], key, msg, err,
				     errlen);
			ofproto_destroy(scratch);
			return -EINVAL;
		}
		ofproto_destroy(scratch);
	}
	return 0;
}

static bool
pmd_cores_changed(const struct pmdswitch_config *o,
		  const struct pmdswitch_config *n)
{
	return o->datapath.n_pmd_cores != n->datapath.n_pmd_cores ||
	       memcmp(o->datapath.pmd_cores, n->datapath.pmd_cores,
		      o->datapath.n_pmd_cores *
		      sizeof(o->datapath.pmd_cores[0])) != 0;
}

/* A bridge must be made again: its OpenFlow identity or controllers
 * changed in a way ofproto cannot apply in place (listeners come and go
 * in place: apply_listeners()). */
static bool
bridge_replaced(const struct cfg_bridge *o, const struct cfg_bridge *n)
{
	return o->datapath_id != n->datapath_id ||
	       o->fail_mode != n->fail_mode ||
	       !strlist_eq(o->controllers, o->n_controllers, n->controllers,
			   n->n_controllers);
}

/* What a reload did, to undo it. */
struct reload_undo {
	char removed_ports[PMD_MAX_PORTS][64];	/* From the old config. */
	unsigned n_removed_ports;
	char removed_bridges[PMDSWITCH_MAX_BRIDGES][64];
	unsigned n_removed_bridges;
	char added_ports[PMD_MAX_PORTS][64];
	unsigned n_added_ports;
	char added_bridges[PMDSWITCH_MAX_BRIDGES][64];
	unsigned n_added_bridges;
	bool pmds_changed;			/* Old ones: old config. */
};

/* A whole bridge of cfg: the bridge, its ports, flows, channels. */
static int
add_bridge_full(struct pmdswitch *sw, const struct pmdswitch_config *cfg,
		unsigned ci, char *err, size_t errlen)
{
	const struct cfg_bridge *cb = &cfg->bridges[ci];
	struct bridge *br;
	char key[96];
	int rc;

	rc = bridge_add(sw, cb, ci, err, errlen);
	if (rc < 0)
		return rc;
	br = bridge_find(sw, cb->name);
	for (size_t i = 0; i < cb->n_ports; i++) {
		snprintf(key, sizeof(key), "bridges[%u].ports[%zu]", ci, i);
		rc = port_add(sw, br->index, &cb->ports[i], key, err, errlen);
		if (rc < 0)
			goto fail;
	}
	rc = bridge_add_flows(sw, br, cb, ci, err, errlen);
	if (rc == 0)
		rc = bridge_add_channels(sw, br, cb, ci, err, errlen);
	if (rc == 0 && ofproto_start(br->ofp) < 0) {
		snprintf(err, errlen, "bridge %s: cannot start its OpenFlow "
			 "thread", cb->name);
		rc = -EIO;
	}
	if (rc == 0)
		return 0;
fail:
	bridge_del(sw, br);
	return rc;
}

/* Undo: what was added goes, what was removed comes back (old config). */
static void
rollback(struct pmdswitch *sw, const struct pmdswitch_config *old,
	 const struct reload_undo *u)
{
	char err[1024], key[96];

	for (unsigned i = u->n_added_ports; i-- > 0;) {
		struct switch_port *p = port_find(sw, u->added_ports[i]);

		if (p != NULL)
			port_del(sw, p);
	}
	for (unsigned i = u->n_added_bridges; i-- > 0;) {
		struct bridge *br = bridge_find(sw, u->added_bridges[i]);

		if (br != NULL)
			bridge_del(sw, br);
	}
	/* The PMDs before what comes back: its ports get their tx queues. */
	if (u->pmds_changed &&
	    pmds_set(sw, old->datapath.pmd_cores, old->datapath.n_pmd_cores,
		     err, sizeof(err)) < 0)
		LOG_ERROR("reload: cannot restore the PMD cores: %s", err);
	for (unsigned i = 0; i < u->n_removed_bridges; i++) {
		unsigned ci;

		if (cfg_bridge_find(old, u->removed_bridges[i], &ci) == NULL ||
		    add_bridge_full(sw, old, ci, err, sizeof(err)) < 0)
			LOG_ERROR("reload: cannot restore bridge %s: %s",
				  u->removed_bridges[i], err);
	}
	for (unsigned i = 0; i < u->n_removed_ports; i++) {
		const struct cfg_port *cp;
		struct bridge *br;
		size_t b;

		cp = config_find_port(old, u->removed_ports[i], &b);
		if (cp == NULL || port_find(sw, cp->name) != NULL)
			continue;
		br = bridge_find(sw, old->bridges[b].name);
		snprintf(key, sizeof(key), "bridges[%zu].ports[%zu]", b,
			 (size_t)(cp - old->bridges[b].ports));
		if (br == NULL ||
		    port_add(sw, br->index, cp, key, err, sizeof(err)) < 0)
			LOG_ERROR("reload: cannot restore port %s: %s",
				  cp->name, err);
	}
	bridges_link_patches(sw);
	tunnels_sync(sw);
	slowpath_revalidate(sw->sp);
}

/* A config flow as ovs-ofctl --strict del-flows takes it: everything
 * before actions= (match, priority, table), in table 0 unless it names
 * one (where ofproto_add_flow_str() put it):
 * "priority=10,in_port=1,actions=output:2" →
 * "table=0,priority=10,in_port=1". */
static void
flow_strict_part(const char *flow, char *buf, size_t len)
{
	const char *a = strstr(flow, "actions=");
	size_t n = a ? (size_t)(a - flow) : strlen(flow), o = 0;
	char tmp[1024], *tok, *save = NULL;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, flow, n);
	tmp[n] = '\0';
	buf[0] = '\0';
	if (strstr(tmp, "table=") == NULL)
		o += (size_t)snprintf(buf, len, "table=0");
	for (tok = strtok_r(tmp, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save))
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
				      o ? "," : "", tok);
}

/* Config flows of a kept bridge: those the file no longer has are deleted
 * (each by its match, priority and table exactly, like ovs-ofctl --strict
 * del-flows: no other rule goes), then the file's new flows are added.
 * Flows in both files are not touched: their counters go on, and the
 * megaflows of the traffic they carry stay. */
static int
apply_flows(struct pmdswitch *sw, struct bridge *br,
	    const struct cfg_bridge *o, const struct cfg_bridge *n,
	    unsigned ci, char *err, size_t errlen)
{
	char strict[1024], other[1024], msg[512], key[64];

	if (strlist_eq(o->flows, o->n_flows, n->flows, n->n_flows))
		return 0;
	for (size_t i = 0; i < o->n_flows; i++) {
		if (strlist_has(n->flows, n->n_flows, o->flows[i]))
			continue;
		flow_strict_part(o->flows[i], strict, sizeof(strict));
		if (ofproto_del_flows_strict_str(br->ofp, strict, msg,
						 sizeof(msg)) < 0)
			LOG_WARNING("reload: bridge %s: cannot delete flow "
				    "\"%s\": %s", br->name, o->flows[i], msg);
	}
	for (size_t i = 0; i < n->n_flows; i++) {
		bool add = !strlist_has(o->flows, o->n_flows, n->flows[i]);

		/* A kept flow that a removed one with the same match had
		 * replaced at start went with it: it comes back. */
		flow_strict_part(n->flows[i], strict, sizeof(strict));
		for (size_t j = 0; !add && j < o->n_flows; j++) {
			if (strlist_has(n->flows, n->n_flows, o->flows[j]))
				continue;
			flow_strict_part(o->flows[j], other, sizeof(other));
			add = !strcmp(strict, other);
		}
		if (!add)
			continue;
		if (ofproto_add_flow_str(br->ofp, n->flows[i], msg,
					 sizeof(msg)) < 0) {
			snprintf(key, sizeof(key), "bridges[%u].flows[%zu]",
				 ci, i);
			sw_cfg_error(&sw->cfg, &n->flow_marks[i], key, msg,
				     err, errlen);
			return -EINVAL;
		}
	}
	return 0;
}

/* Listeners of a kept bridge: those gone close (connections they
 * accepted stay up), then new ones open; the bridge, its flows and its
 * traffic stay. On an error, the listeners are as before. */
static int
apply_listeners(struct bridge *br, const struct pmdswitch_config *ncfg,
		const struct cfg_bridge *o, const struct cfg_bridge *n,
		unsigned ci, unsigned *n_changes, char *err, size_t errlen)
{
	char msg[512], key[64];

	/* First the closes: a new target may take the same TCP port. */
	for (size_t i = 0; i < o->n_listen; i++) {
		if (strlist_has(n->listen, n->n_listen, o->listen[i]))
			continue;
		if (ofproto_del_listener(br->ofp, o->listen[i]) < 0)
			LOG_WARNING("reload: bridge %s: no listener %s to "
				    "close", br->name, o->listen[i]);
		(*n_changes)++;
	}
	for (size_t i = 0; i < n->n_listen; i++) {
		if (strlist_has(o->listen, o->n_listen, n->listen[i]))
			continue;
		if (ofproto_add_listener(br->ofp, n->listen[i], msg,
					 sizeof(msg)) == 0) {
			(*n_changes)++;
			continue;
		}
		snprintf(key, sizeof(key), "bridges[%u].listen[%zu]", ci, i);
		sw_cfg_error(ncfg, &n->mark, key, msg, err, errlen);
		/* Back as before: the new ones close, the old ones open. */
		for (size_t j = 0; j < i; j++)
			if (!strlist_has(o->listen, o->n_listen, n->listen[j]))
				ofproto_del_listener(br->ofp, n->listen[j]);
		for (size_t j = 0; j < o->n_listen; j++)
			if (!strlist_has(n->listen, n->n_listen, o->listen[j]) &&
			    ofproto_add_listener(br->ofp, o->listen[j], msg,
						 sizeof(msg)) < 0)
				LOG_ERROR("reload: bridge %s: cannot reopen "
					  "listener %s: %s", br->name,
					  o->listen[j], msg);
		return -EINVAL;
	}
	return 0;
}

int
reload_config(struct pmdswitch *sw, const char *path, char *err,
	      size_t errlen)
{
	struct pmdswitch_config ncfg, oldv = sw->cfg, *old = &oldv;
	struct reload_undo *u;
	unsigned n_changes = 0;
	int metrics_fd;
	char key[96];
	int rc;

	rc = config_load_file(path, &ncfg, err, errlen);
	if (rc < 0)
		return rc;
	metrics_fd = -1;
	rc = check_fixed(old, &ncfg, err, errlen);
	if (rc == 0)
		rc = preflight_paths(&ncfg, NULL, err, errlen);
	if (rc == 0)
		rc = check_flows(&ncfg, err, errlen);
	if (rc == 0 && pmd_cores_changed(old, &ncfg))
		rc = pmds_check(sw, &ncfg, err, errlen);
	if (rc == 0)
		rc = metrics_listen_check(old, &ncfg, &metrics_fd, err, errlen);
	if (rc < 0) {
		config_free(&ncfg);
		return rc;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		if (metrics_fd >= 0)
			close(metrics_fd);
		config_free(&ncfg);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	/* 2. Removals. */
	for (unsigned b = 0; b < sw->n_bridges; b++) {
		struct bridge *br = &sw->bridges[b];
		const struct cfg_bridge *ob, *nb;

		if (!br->in_use)
			continue;
		ob = cfg_bridge_find(old, br->name, NULL);
		nb = cfg_bridge_find(&ncfg, br->name, NULL);
		if (nb == NULL || ob == NULL || bridge_replaced(ob, nb)) {
			snprintf(u->removed_bridges[u->n_removed_bridges++],
				 64, "%s", br->name);
			bridge_del(sw, br);
			n_changes++;
		}
	}
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct switch_port *p = &sw->ports[i];
		const struct cfg_bridge *nb;
		const struct cfg_port *np;
		char sig[sizeof(p->sig)];

		if (!p->in_use)
			continue;
		nb = cfg_bridge_find(&ncfg, sw->bridges[p->bridge].name, NULL);
		np = nb ? cfg_port_in(nb, p->name) : NULL;
		if (np != NULL) {
			port_signature(np, sig, sizeof(sig));
			if (!strcmp(sig, p->sig))
				continue;
		}
		snprintf(u->removed_ports[u->n_removed_ports++], 64, "%s",
			 p->name);
		port_del(sw, p);
		n_changes++;
	}

	/* The new configuration's errors name the new file's lines. */
	sw->cfg = ncfg;
	bridges_apply_limits(sw);

	/* 2b. PMD cores, before new ports: they get a tx queue per PMD. */
	if (pmd_cores_changed(old, &ncfg)) {
		rc = pmds_set(sw, ncfg.datapath.pmd_cores,
			      ncfg.datapath.n_pmd_cores, err, errlen);
		if (rc < 0)
			goto undo;
		u->pmds_changed = true;
		n_changes++;
	}

	/* 3. Additions. */
	for (unsigned ci = 0; ci < ncfg.n_bridges; ci++) {
		const struct cfg_bridge *nb = &ncfg.bridges[ci];
		struct bridge *br = bridge_find(sw, nb->name);

		if (br == NULL) {
			rc = add_bridge_full(sw, &ncfg, ci, err, errlen);
			if (rc < 0)
				goto undo;
			snprintf(u->added_bridges[u->n_added_bridges++], 64,
				 "%s", nb->name);
			n_changes++;
			continue;
		}
		for (size_t i = 0; i < nb->n_ports; i++) {
			if (port_find(sw, nb->ports[i].name) != NULL)
				continue;
			snprintf(key, sizeof(key), "bridges[%u].ports[%zu]",
				 ci, i);
			rc = port_add(sw, br->index, &nb->ports[i], key, err,
				      errlen);
			if (rc < 0)
				goto undo;
			snprintf(u->added_ports[u->n_added_ports++], 64, "%s",
				 nb->ports[i].name);
			n_changes++;
		}
	}

	/* 4. Flows and listeners of kept bridges, patch peers, caches. */
	for (unsigned ci = 0; ci < ncfg.n_bridges; ci++) {
		const struct cfg_bridge *nb = &ncfg.bridges[ci];
		const struct cfg_bridge *ob = cfg_bridge_find(old, nb->name,
							      NULL);
		struct bridge *br = bridge_find(sw, nb->name);
		bool added = false;

		for (unsigned j = 0; j < u->n_added_bridges; j++)
			added |= !strcmp(u->added_bridges[j], nb->name);
		if (ob == NULL || br == NULL || added)
			continue;
		if (!strlist_eq(ob->flows, ob->n_flows, nb->flows,
				nb->n_flows))
			n_changes++;
		rc = apply_flows(sw, br, ob, nb, ci, err, errlen);
		if (rc == 0)
			rc = apply_listeners(br, &ncfg, ob, nb, ci, &n_changes,
					     err, errlen);
		if (rc < 0)
			goto undo;
	}
	bridges_link_patches(sw);
	tunnels_sync(sw);
	slowpath_revalidate(sw->sp);
	n_changes += metrics_listen_apply(sw, old, &ncfg, metrics_fd);
	sflow_agent_apply(sw);
	config_free(&oldv);
	free(u);
	LOG_NOTICE("reload: %s applied, %u change(s)", path, n_changes);
	return 0;

undo:
	/* sw->cfg still holds the new file's values; the old ones come
	 * back below. */
	LOG_WARNING("reload: %s", err);
	sw->cfg = oldv;
	bridges_apply_limits(sw);
	rollback(sw, old, u);
	if (metrics_fd >= 0)
		close(metrics_fd);
	sflow_agent_apply(sw);
	config_free(&ncfg);
	free(u);
	return rc;
}
