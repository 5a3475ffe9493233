/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands of pmdswitchd, for dpdk-telemetry.py (or any
 * client of the EAL's telemetry socket, <runtime dir>/dpdk_telemetry.v2):
 *
 *   /pmdswitch/ports [NAME]   counters of every port (or of one)
 *   /pmdswitch/pmds           counters of every PMD
 *   /pmdswitch/bridges        rules per table, OpenFlow connections,
 *                             controllers, packet-ins of every bridge
 *   /pmdswitch/megaflows      megaflows installed, per PMD and in total
 *
 * Each answer is a dictionary of dictionaries (one level of nesting, as
 * DPDK 22.11 allows), from one metrics snapshot. Port and bridge names are
 * keys, with characters DPDK refuses in keys (all but letters, digits, '_'
 * and '/') replaced by '_'; controllers are "controllerN": "TARGET up".
 *
 * Thread safety: the callbacks run on the EAL's telemetry thread. They use
 * the switch only while holding tel_lock and while tel_sw is set;
 * metrics_telemetry_unregister() clears it under the lock before the
 * switch is torn down (DPDK cannot unregister a command).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "metrics.h"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmdswitch *tel_sw;

/* A snapshot for a callback, or NULL when the switch is not (or no
 * longer) there. */
static struct metrics_snapshot *
tel_snapshot(void)
{
	struct metrics_snapshot *s = malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&tel_lock);
	if (tel_sw == NULL) {
		free(s);
		s = NULL;
	} else {
		metrics_snapshot_take(tel_sw, s);
	}
	pthread_mutex_unlock(&tel_lock);
	return s;
}

/* Dictionary keys: DPDK drops entries whose name has characters other
 * than letters, digits, '_' and '/'; others become '_'. */
static const char *
tel_key(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++) {
		char c = name[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '/' ?
			 c : '_';
	}
	buf[i] = '\0';
	return buf;
}

static void
port_dict(struct rte_tel_data *d, const struct metrics_port *p)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "bridge", p->bridge);
	rte_tel_data_add_dict_u64(d, "ofport", p->ofport);
	rte_tel_data_add_dict_string(d, "link", p->link_up ? "up" : "down");
	if (p->is_patch)
		return;
	rte_tel_data_add_dict_u64(d, "rx_packets", p->st.rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", p->st.rx_bytes);
	rte_tel_data_add_dict_u64(d, "rx_dropped",
				  p->st.rx_missed + p->st.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "rx_errors", p->st.rx_errors);
	rte_tel_data_add_dict_u64(d, "tx_packets", p->st.tx_packets);
	rte_tel_data_add_dict_u64(d, "tx_bytes", p->st.tx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_dropped", p->st.tx_dropped);
	rte_tel_data_add_dict_u64(d, "tx_errors", p->st.tx_errors);
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct metrics_snapshot *s = tel_snapshot();
	int rc = 0;

	(void)cmd;
	if (s == NULL)
		return -EAGAIN;
	if (params != NULL && params[0] != '\0') {
		rc = -ENOENT;
		for (unsigned i = 0; i < s->n_ports; i++)
			if (!strcmp(s->ports[i].name, params)) {
				port_dict(d, &s->ports[i]);
				rc = 0;
			}
		free(s);
		return rc;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < s->n_ports; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL) {
			rc = -ENOMEM;
			break;
		}
		char key[64];

		port_dict(c, &s->ports[i]);
		rte_tel_data_add_dict_container(
			d, tel_key(s->ports[i].name, key, sizeof(key)), c, 0);
	}
	free(s);
	return rc;
}

static int
tel_pmds(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct metrics_snapshot *s = tel_snapshot();
	int rc = 0;

	(void)cmd;
	(void)params;
	if (s == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < s->n_pmds; i++) {
		const struct pmd_stats *st = &s->pmds[i].st;
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[32];

		if (c == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "core", s->pmds[i].core);
#define X(f) rte_tel_data_add_dict_u64(c, #f, st->f);
		X(packets) X(bytes) X(emc_hits) X(megaflow_hits) X(misses)
		X(upcalls) X(lost_upcalls) X(exec_packets) X(tx_packets)
		X(tx_drops) X(action_drops) X(park_overflows) X(ttl_drops)
		X(meter_drops) X(copy_fails) X(busy_cycles) X(idle_cycles)
		X(shed_polls) X(upcall_budget_drops)
#undef X
		rte_tel_data_add_dict_u64(c, "megaflows", s->pmds[i].megaflows);
		snprintf(name, sizeof(name), "pmd%u", s->pmds[i].core);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	free(s);
	return rc;
}

static int
tel_bridges(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct metrics_snapshot *s = tel_snapshot();
	int rc = 0;

	(void)cmd;
	(void)params;
	if (s == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (unsigned b = 0; b < s->n_bridges; b++) {
		const struct metrics_bridge *mb = &s->bridges[b];
		struct rte_tel_data *c = rte_tel_data_alloc();
		uint64_t rules = 0, up = 0;
		char key[64];

		if (c == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(c);
		for (size_t t = 0; t < mb->n_tables; t++)
			rules += mb->rules[t];
		for (size_t k = 0; k < mb->n_controllers; k++)
			up += mb->controllers[k].up;
		rte_tel_data_add_dict_u64(c, "rules", rules);
		for (size_t t = 0; t < mb->n_tables; t++) {
			if (mb->rules[t] == 0)
				continue;
			snprintf(key, sizeof(key), "table%zu_rules", t);
			rte_tel_data_add_dict_u64(c, key, mb->rules[t]);
		}
		rte_tel_data_add_dict_u64(c, "openflow_connections",
					  mb->connections);
		rte_tel_data_add_dict_u64(c, "controllers", mb->n_controllers);
		rte_tel_data_add_dict_u64(c, "controllers_up", up);
		for (size_t k = 0; k < mb->n_controllers; k++) {
			char val[160];

			snprintf(key, sizeof(key), "controller%zu", k);
			snprintf(val, sizeof(val), "%s %s",
				 mb->controllers[k].target,
				 mb->controllers[k].up ? "up" : "down");
			rte_tel_data_add_dict_string(c, key, val);
		}
		rte_tel_data_add_dict_u64(c, "packet_ins",
					  mb->os.packet_ins_sent);
		rte_tel_data_add_dict_u64(c, "packet_in_drops",
					  mb->os.packet_ins_rate_dropped +
					  mb->os.packet_ins_backlog_dropped +
					  mb->os.packet_ins_queue_dropped +
					  mb->os.packet_ins_port_suppressed);
		rte_tel_data_add_dict_container(
			d, tel_key(mb->name, key, sizeof(key)), c, 0);
	}
	free(s);
	return rc;
}

static int
tel_megaflows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct metrics_snapshot *s = tel_snapshot();
	uint64_t total = 0;

	(void)cmd;
	(void)params;
	if (s == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < s->n_pmds; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pmd%u", s->pmds[i].core);
		rte_tel_data_add_dict_u64(d, name, s->pmds[i].megaflows);
		total += s->pmds[i].megaflows;
	}
	rte_tel_data_add_dict_u64(d, "total", total);
	rte_tel_data_add_dict_u64(d, "installs", s->sp.installs);
	rte_tel_data_add_dict_u64(d, "expired", s->sp.expired);
	free(s);
	return 0;
}

int
metrics_telemetry_register(struct pmdswitch *sw)
{
	static bool registered;
	int rc = 0;

	pthread_mutex_lock(&tel_lock);
	tel_sw = sw;
	pthread_mutex_unlock(&tel_lock);
	if (registered)
		return 0;
	registered = true;
	rc |= rte_telemetry_register_cmd("/pmdswitch/ports", tel_ports,
		"Counters of every port, or of one. Parameter: port name "
		"(optional)");
	rc |= rte_telemetry_register_cmd("/pmdswitch/pmds", tel_pmds,
		"Counters of every PMD thread. No parameters");
	rc |= rte_telemetry_register_cmd("/pmdswitch/bridges", tel_bridges,
		"Rules per table, OpenFlow connections and controllers of "
		"every bridge. No parameters");
	rc |= rte_telemetry_register_cmd("/pmdswitch/megaflows",
		tel_megaflows, "Megaflows installed per PMD and in total. "
		"No parameters");
	return rc ? -EINVAL : 0;
}

void
metrics_telemetry_unregister(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_sw = NULL;
	pthread_mutex_unlock(&tel_lock);
}
