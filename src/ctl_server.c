/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's commands, and the config thread.
 *
 * The transport (ctl_socket.c) serves many clients at once on its own
 * thread and calls ctl_handle() for each complete request (format in
 * ctl_request.h). The commands are the table at the end of this file.
 *
 * The config thread runs SIGHUP reloads and polls link state once a
 * second, so neither waits behind a control client. Who changes or reads
 * the daemon's configuration state (ports, bridges: see daemon.h) holds
 * sw->config_lock: the config thread while it reloads or polls, the
 * control socket thread while a command runs (the `reload` command
 * included). A command thus sees the switch between two reloads.
 */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "ctl_request.h"
#include "ctl_socket.h"
#include "ctl_trace.h"
#include "daemon.h"
#include "dataplane/flow_parse.h"
#include "dataplane/rxq_sched.h"
#include "ofproto/ofp_limits.h"
#include "ofproto/strbuf.h"
#include "capture.h"
#include "dataplane/pmd_observe.h"
#include "sflow_agent.h"
#include "slowpath/tnl.h"

/* A command writes its reply into out and returns 0, or -1 with an error
 * message in out. */
typedef int ctl_handler(struct pmdswitch *sw, const struct ctl_request *req,
			struct strbuf *out);

static struct bridge *
find_bridge(struct pmdswitch *sw, const char *name, struct strbuf *out)
{
	for (unsigned i = 0; i < sw->n_bridges; i++)
		if (!strcmp(sw->bridges[i].name, name))
			return &sw->bridges[i];
	strbuf_printf(out, "no bridge named \"%s\"", name);
	return NULL;
}

static int
cmd_version(struct pmdswitch *sw, const struct ctl_request *req,
	    struct strbuf *out)
{
	(void)sw;
	if (req->json)
		strbuf_printf(out, "{\"version\": \"%s\"}", PMDSWITCH_VERSION);
	else
		strbuf_printf(out, "pmdswitchd %s", PMDSWITCH_VERSION);
	return 0;
}

static const char *
port_type_name(const struct switch_port *p)
{
	return p->kind == CFG_PORT_VHOST_USER ? "vhost-user" :
	       p->kind == CFG_PORT_PATCH ? "patch" :
	       p->kind == CFG_PORT_VXLAN ? "vxlan" :
	       p->kind == CFG_PORT_GENEVE ? "geneve" : "dpdk";
}

/* One port of show: text line or JSON object. */
static void
format_show_port(struct pmdswitch *sw, const struct switch_port *p, bool json,
		 bool first, struct strbuf *out)
{
	struct sw_port_stats st;

	port_stats(sw, p, &st);
	if (json) {
		strbuf_printf(out, "%s{\"name\": ", first ? "" : ", ");
		strbuf_json_string(out, p->name);
		strbuf_printf(out, ", \"ofport\": %u, \"type\": \"%s\", "
			      "\"link\": \"%s\", \"link_changes\": %lu, ",
			      p->ofport, port_type_name(p),
			      p->link_up ? "up" : "down",
			      (unsigned long)p->link_changes);
		if (p->kind == CFG_PORT_PATCH) {
			strbuf_printf(out, "\"peer\": ");
			strbuf_json_string(out, p->peer);
			strbuf_printf(out, "}");
			return;
		}
		if (cfg_port_is_tunnel(p->kind)) {
			/* Counters: pmdswitch-ctl tunnel-show. */
			strbuf_printf(out, "\"tunnel\": true}");
			return;
		}
		strbuf_printf(out, "\"devargs\": ");
		strbuf_json_string(out, p->dev.devargs);
		strbuf_printf(out, ", \"dpdk_port_id\": %u, \"socket\": %d, "
			"\"mtu\": %u, \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", "
			"\"rxq\": %u, \"txq\": %u, \"rxq_size\": %u, "
			"\"txq_size\": %u, \"rx_packets\": %lu, "
			"\"tx_packets\": %lu, \"rx_missed\": %lu, "
			"\"rx_dropped\": %lu, \"tx_dropped\": %lu}",
			p->dev.port_id, p->dev.socket_id, p->dev.mtu,
			p->dev.mac[0], p->dev.mac[1], p->dev.mac[2],
			p->dev.mac[3], p->dev.mac[4], p->dev.mac[5],
			p->dev.n_rxq, p->dev.n_txq, p->dev.rxq_size,
			p->dev.txq_size, (unsigned long)st.rx_packets,
			(unsigned long)st.tx_packets,
			(unsigned long)st.rx_missed,
			(unsigned long)(st.rx_missed + st.rx_nombuf),
			(unsigned long)st.tx_dropped);
		return;
	}
	if (p->kind == CFG_PORT_PATCH) {
		strbuf_printf(out, "  port %s: ofport %u, patch, peer %s, link "
			      "%s\n", p->name, p->ofport, p->peer,
			      p->link_up ? "up" : "down");
		return;
	}
	if (cfg_port_is_tunnel(p->kind)) {
		strbuf_printf(out, "  port %s: ofport %u, %s tunnel (see "
			      "tunnel-show)\n", p->name, p->ofport,
			      port_type_name(p));
		return;
	}
	strbuf_printf(out, "  port %s: ofport %u, %s, link %s, dpdk port %u, "
		      "rxq %u, txq %u, rx %lu, tx %lu, rx dropped %lu, tx "
		      "dropped %lu (%s)\n", p->name, p->ofport,
		      port_type_name(p), p->link_up ? "up" : "down",
		      p->dev.port_id, p->dev.n_rxq, p->dev.n_txq,
		      (unsigned long)st.rx_packets,
		      (unsigned long)st.tx_packets,
		      (unsigned long)(st.rx_missed + st.rx_nombuf),
		      (unsigned long)st.tx_dropped, p->dev.devargs);
}

/* The sFlow agent of bridge b in show: "sflow": {...} or null, or a line
 * when it has one. */
static void
format_show_sflow(struct pmdswitch *sw, unsigned b, bool json,
		  struct strbuf *out)
{
	struct sflow_agent_stats st;
	bool on = sflow_agent_bridge_stats(sw, b, &st);

	if (json && !on) {
		strbuf_printf(out, "\"sflow\": null, \"ports\": [");
		return;
	}
	if (json) {
		strbuf_printf(out, "\"sflow\": {\"datagrams\": %lu, "
			      "\"flow_samples\": %lu, \"counter_samples\": "
			      "%lu, \"send_errors\": %lu}, \"ports\": [",
			      (unsigned long)st.datagrams,
			      (unsigned long)st.flow_samples,
			      (unsigned long)st.counter_samples,
			      (unsigned long)st.send_errors);
		return;
	}
	if (on)
		strbuf_printf(out, "  sflow: %lu datagrams, %lu flow samples, "
			      "%lu counter samples, %lu send errors\n",
			      (unsigned long)st.datagrams,
			      (unsigned long)st.flow_samples,
			      (unsigned long)st.counter_samples,
			      (unsigned long)st.send_errors);
}

/* The model's process-wide budget (limits:, ofp_limits.h). */
static void
format_show_limits(bool json, struct strbuf *out)
{
	if (json)
		strbuf_printf(out, "\"limits\": {");
	else
		strbuf_printf(out, "limits:");
	for (int l = 0; l < OFP_LIMIT_N; l++) {
		struct ofp_limit_stats st;

		ofp_limit_get((enum ofp_limit)l, &st);
		if (json)
			strbuf_printf(out, "%s\"%s\": {\"max\": %lu, "
				      "\"used\": %lu, \"refused\": %lu}",
				      l ? ", " : "",
				      ofp_limit_name((enum ofp_limit)l),
				      (unsigned long)st.max,
				      (unsigned long)st.used,
				      (unsigned long)st.refused);
		else
			strbuf_printf(out, "%s %s %lu/%lu (%lu refused)",
				      l ? "," : "",
				      ofp_limit_name((enum ofp_limit)l),
				      (unsigned long)st.used,
				      (unsigned long)st.max,
				      (unsigned long)st.refused);
	}
	strbuf_printf(out, json ? "}, " : "\n");
}

static int
cmd_show(struct pmdswitch *sw, const struct ctl_request *req,
	 struct strbuf *out)
{
	if (req->json)
		strbuf_printf(out, "{\"version\": \"%s\", \"bridges\": [",
			      PMDSWITCH_VERSION);
	for (unsigned b = 0, nb = 0; b < sw->n_bridges; b++) {
		struct bridge *br = &sw->bridges[b];
		bool first = true;

		if (!br->in_use)
			continue;
		if (req->json && nb++)
			strbuf_printf(out, ", ");
		struct ofproto_stats os;

		ofproto_get_stats(br->ofp, &os);
		if (req->json) {
			strbuf_printf(out, "{\"name\": ");
			strbuf_json_string(out, br->name);
			strbuf_printf(out, ", \"datapath_id\": \"0x%016lx\", "
				      "\"flows\": %zu, \"connections\": %zu, "
				      "\"controllers\": %zu, "
				      "\"controllers_up\": %zu, "
				      "\"standalone_learning\": %s, "
				      "\"packet_ins\": {\"sent\": %lu, "
				      "\"rate_dropped\": %lu, "
				      "\"backlog_dropped\": %lu, "
				      "\"queue_dropped\": %lu, "
				      "\"port_suppressed\": %lu}, "
				      "\"channel\": {\"slow_readers_closed\": "
				      "%lu, \"accept_refused\": %lu, "
				      "\"accept_backoffs\": %lu}, ",
				      (unsigned long)br->datapath_id,
				      ofproto_rule_count(br->ofp),
				      ofproto_connection_count(br->ofp),
				      os.n_controllers, os.n_controllers_up,
				      os.normal_mode ? "true" : "false",
				      (unsigned long)os.packet_ins_sent,
				      (unsigned long)os.packet_ins_rate_dropped,
				      (unsigned long)os.packet_ins_backlog_dropped,
				      (unsigned long)os.packet_ins_queue_dropped,
				      (unsigned long)os.packet_ins_port_suppressed,
				      (unsigned long)os.conns_slow_closed,
				      (unsigned long)os.conns_accept_refused,
				      (unsigned long)os.accept_backoffs);
		} else {
			strbuf_printf(out, "bridge %s: datapath_id 0x%016lx, "
				      "%zu flows, %zu OpenFlow connections, "
				      "controllers %zu/%zu up%s\n"
				      "  packet-ins: %lu sent, dropped: %lu over "
				      "the rate, %lu backlog, %lu queue, %lu "
				      "no-packet-in ports\n"
				      "  channel: %lu slow readers closed, %lu "
				      "connections refused (over the caps), "
				      "%lu accept back-offs\n",
				      br->name, (unsigned long)br->datapath_id,
				      ofproto_rule_count(br->ofp),
				      ofproto_connection_count(br->ofp),
				      os.n_controllers_up, os.n_controllers,
				      os.normal_mode ?
				      ", standalone MAC learning" : "",
				      (unsigned long)os.packet_ins_sent,
				      (unsigned long)os.packet_ins_rate_dropped,
				      (unsigned long)os.packet_ins_backlog_dropped,
				      (unsigned long)os.packet_ins_queue_dropped,
				      (unsigned long)os.packet_ins_port_suppressed,
				      (unsigned long)os.conns_slow_closed,
				      (unsigned long)os.conns_accept_refused,
				      (unsigned long)os.accept_backoffs);
		}
		format_show_sflow(sw, b, req->json, out);
		for (unsigned i = 0; i < sw->n_ports; i++) {
			struct switch_port *p = &sw->ports[i];

			if (!p->in_use || p->bridge != b)
				continue;
			format_show_port(sw, p, req->json, first, out);
			first = false;
		}
		if (req->json)
			strbuf_printf(out, "]}");
	}
	if (req->json)
		strbuf_printf(out, "], ");
	format_show_limits(req->json, out);
	if (req->json)
		strbuf_printf(out, "\"pmds\": [");
	pthread_mutex_lock(&sw->rxq_lock);
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd *pmd = sw->pmds[i];

		if (req->json)
			strbuf_printf(out, "%s{\"core\": %u, \"rxqs\": [",
				      i ? ", " : "", pmd->lcore_id);
		else
			strbuf_printf(out, "pmd core %u: rxqs", pmd->lcore_id);
		for (uint32_t j = 0; j < pmd_rxq_count(pmd); j++) {
			const struct pmd_rxq *q = pmd_rxq_at(pmd, j);
			const char *name = sw->ports[q->dp_port].dev.name;

			if (req->json)
				strbuf_printf(out, "%s\"%s:%u\"", j ? ", " : "",
					      name, q->queue_id);
			else
				strbuf_printf(out, " %s:%u", name, q->queue_id);
		}
		strbuf_printf(out, req->json ? "]}" : "\n");
	}
	pthread_mutex_unlock(&sw->rxq_lock);
	if (req->json)
		strbuf_printf(out, "]}");
	return 0;
}

/* The counters of pmd-stats-show, one list for the PMDs and the total. */
#define PMD_STAT_FIELDS(X) \
	X(packets) X(emc_hits) X(megaflow_hits) X(misses) X(upcalls) \
	X(lost_upcalls) X(exec_packets) X(tx_packets) X(tx_drops) \
	X(action_drops) X(parked) X(park_overflows) X(rx_held) X(action_skips) \
	X(ttl_drops) X(meter_drops) X(copy_fails) X(emc_bypassed) \
	X(megaflow_reused) X(sflow_samples) X(sflow_sample_drops) \
	X(shed_polls) X(upcall_budget_drops)

/* The slowpath's counters, shown after the PMDs'. */
#define SLOWPATH_STAT_FIELDS(X) \
	X(upcalls) X(installs) X(install_exists) X(install_full) \
	X(install_stale) X(install_uncacheable) X(exec_drops) X(packet_ins) \
	X(packet_outs) X(packet_out_drops) X(expired) X(flushes) \
	X(revalidations) X(reval_kept) X(reval_removed) X(reval_out_of_time) \
	X(sleeps) X(wakeups)

static uint64_t
parse_errors(const struct pmd_stats *st)
{
	uint64_t n = 0;

	for (int r = 1; r < FLOW_PARSE_N_RESULTS; r++)
		n += st->parse_errors[r];
	return n;
}

static void
format_pmd_stats(struct strbuf *out, bool json, const char *label,
		 const struct pmd_stats *st)
{
	uint64_t cycles = st->busy_cycles + st->idle_cycles;
	double cpp = st->packets ? (double)st->busy_cycles /
		     (double)st->packets : 0.0;
	double busy = cycles ? 100.0 * (double)st->busy_cycles /
		      (double)cycles : 0.0;
	uint64_t looked_up = st->megaflow_hits - st->megaflow_reused;
	double avg_st = looked_up ? (double)st->subtable_lookups /
			(double)looked_up : 0.0;

	if (json) {
#define X(f) strbuf_printf(out, "\"" #f "\": %lu, ", (unsigned long)st->f);
		PMD_STAT_FIELDS(X)
#undef X
		strbuf_printf(out, "\"parse_errors\": %lu, ",
			      (unsigned long)parse_errors(st));
		strbuf_printf(out, "\"parse_error_reasons\": {");
		for (int r = 1; r < FLOW_PARSE_N_RESULTS; r++)
			strbuf_printf(out, "%s\"%s\": %lu", r > 1 ? ", " : "",
				      flow_parse_result_name(r),
				      (unsigned long)st->parse_errors[r]);
		strbuf_printf(out, "}, \"avg_subtable_lookups_per_hit\": %.2f, "
			      "\"cycles_per_packet\": %.1f, "
			      "\"busy_percent\": %.1f", avg_st, cpp, busy);
		return;
	}
	strbuf_printf(out, "%s:\n", label);
#define X(f) strbuf_printf(out, "  %-16s %lu\n", #f ":", (unsigned long)st->f);
	PMD_STAT_FIELDS(X)
#undef X
	strbuf_printf(out, "  %-16s %lu", "parse errors:",
		      (unsigned long)parse_errors(st));
	for (int r = 1; r < FLOW_PARSE_N_RESULTS; r++)
		if (st->parse_errors[r])
			strbuf_printf(out, " %s=%lu", flow_parse_result_name(r),
				      (unsigned long)st->parse_errors[r]);
	strbuf_printf(out, "\n  %-16s %.2f (subtable lookups per megaflow "
		      "hit)\n", "avg subtables:", avg_st);
	strbuf_printf(out, "  %-16s %.1f\n  %-16s %.1f%%\n",
		      "cycles/packet:", cpp, "busy:", busy);
}

static int
cmd_pmd_stats_show(struct pmdswitch *sw, const struct ctl_request *req,
		   struct strbuf *out)
{
	struct pmd_stats total;
	uint64_t *t = (uint64_t *)(void *)&total;

	memset(&total, 0, sizeof(total));
	if (req->json)
		strbuf_printf(out, "{\"pmds\": [");
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd_stats st;
		const uint64_t *s = (const uint64_t *)(const void *)&st;
		char label[32];

		pmdswitch_pmd_stats(sw, i, &st);
		for (size_t k = 0; k < sizeof(st) / sizeof(uint64_t); k++)
			t[k] += s[k];
		snprintf(label, sizeof(label), "pmd core %u",
			 sw->pmds[i]->lcore_id);
		if (req->json)
			strbuf_printf(out, "%s{\"core\": %u, ", i ? ", " : "",
				      sw->pmds[i]->lcore_id);
		format_pmd_stats(out, req->json, label, &st);
		if (req->json)
			strbuf_printf(out, "}");
	}
	struct slowpath_stats sp;
	const char *sep = "";

	slowpath_stats_read(sw->sp, &sp);
	if (req->json) {
		strbuf_printf(out, "], \"total\": {");
		format_pmd_stats(out, true, "total", &total);
		strbuf_printf(out, "}, \"slowpath\": {");
#define X(f) strbuf_printf(out, "%s\"" #f "\": %lu", sep, \
			   (unsigned long)sp.f), sep = ", ";
		SLOWPATH_STAT_FIELDS(X)
#undef X
		strbuf_printf(out, "}}");
	} else {
		strbuf_printf(out, "slowpath:\n");
#define X(f) strbuf_printf(out, "  %-20s %lu\n", #f ":", (unsigned long)sp.f);
		SLOWPATH_STAT_FIELDS(X)
#undef X
	}
	return 0;
}

static int
cmd_pmd_stats_clear(struct pmdswitch *sw, const struct ctl_request *req,
		    struct strbuf *out)
{
	pthread_mutex_lock(&sw->stats_lock);
	for (unsigned i = 0; i < sw->n_pmds; i++)
		pmd_stats_read(sw->pmds[i],
			       &sw->stats_base[sw->pmds[i]->index]);
	pthread_mutex_unlock(&sw->stats_lock);
	strbuf_printf(out, req->json ? "{}" : "");
	return 0;
}

static int
cmd_pmd_rxq_show(struct pmdswitch *sw, const struct ctl_request *req,
		 struct strbuf *out)
{
	pthread_mutex_lock(&sw->rxq_lock);
	if (req->json)
		strbuf_printf(out, "{\"pmds\": [");
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd *pmd = sw->pmds[i];
		uint64_t total = 0;

		for (uint32_t j = 0; j < pmd_rxq_count(pmd); j++)
			total += __atomic_load_n(&pmd_rxq_at(pmd, j)->cycles,
						 __ATOMIC_RELAXED);
		if (req->json)
			strbuf_printf(out, "%s{\"core\": %u, \"rxqs\": [",
				      i ? ", " : "", pmd->lcore_id);
		else
			strbuf_printf(out, "pmd core %u:\n", pmd->lcore_id);
		for (uint32_t j = 0; j < pmd_rxq_count(pmd); j++) {
			const struct pmd_rxq *q = pmd_rxq_at(pmd, j);
			uint64_t c = __atomic_load_n(&q->cycles,
						     __ATOMIC_RELAXED);
			double share = total ? 100.0 * (double)c /
				       (double)total : 0.0;

			uint64_t shed = __atomic_load_n(&q->shed_polls,
							__ATOMIC_RELAXED);

			if (req->json)
				strbuf_printf(out, "%s{\"port\": \"%s\", "
					"\"queue\": %u, \"packets\": %lu, "
					"\"usage_percent\": %.1f, "
					"\"shed_polls\": %lu}",
					j ? ", " : "",
					sw->ports[q->dp_port].dev.name,
					q->queue_id, (unsigned long)
					__atomic_load_n(&q->packets,
							__ATOMIC_RELAXED),
					share, (unsigned long)shed);
			else
				strbuf_printf(out, "  port: %-12s queue-id: %2u"
					"  pmd usage: %5.1f %%"
					"  shed polls: %lu\n",
					sw->ports[q->dp_port].dev.name,
					q->queue_id, share,
					(unsigned long)shed);
		}
		if (req->json)
			strbuf_printf(out, "]}");
	}
	if (req->json)
		strbuf_printf(out, "]}");
	pthread_mutex_unlock(&sw->rxq_lock);
	return 0;
}

static int
cmd_pmd_rxq_rebalance(struct pmdswitch *sw, const struct ctl_request *req,
		      struct strbuf *out)
{
	int moved;

	/* The reload (port_mgr.c, PMD changes) writes the lists too. */
	pthread_mutex_lock(&sw->rxq_lock);
	moved = pmd_rxq_rebalance(sw->pmds, sw->n_pmds, sw->qs);
	pthread_mutex_unlock(&sw->rxq_lock);
	if (moved < 0) {
		strbuf_printf(out, "rebalance failed: %s", strerror(-moved));
		return -1;
	}
	strbuf_printf(out, req->json ? "{\"moved\": %d}" :
		      "moved %d rx queue(s)\n", moved);
	return 0;
}

static int
cmd_dump_megaflows(struct pmdswitch *sw, const struct ctl_request *req,
		   struct strbuf *out)
{
	slowpath_dump_megaflows(sw->sp, req->json, out);
	return 0;
}

/* Tunnel endpoints, ports and neighbours (slowpath/tnl.h). */
static int
cmd_tunnel_show(struct pmdswitch *sw, const struct ctl_request *req,
		struct strbuf *out)
{
	tnl_show(out, req->json, sw->pmds, sw->n_pmds);
	return 0;
}

static int
cmd_dump_flows(struct pmdswitch *sw, const struct ctl_request *req,
	       struct strbuf *out)
{
	struct bridge *br = find_bridge(sw, req->argv[0], out);

	if (br == NULL)
		return -1;
	ofproto_dump_flows(br->ofp, req->json, out);
	return 0;
}

/* add-flow and del-flows: one ofproto text call on the named bridge. */
static int
edit_flows(struct pmdswitch *sw, const struct ctl_request *req,
	   struct strbuf *out,
	   int (*edit)(struct ofproto *, const char *, char *, size_t),
	   const char *arg)
{
	struct bridge *br = find_bridge(sw, req->argv[0], out);
	char err[512];

	if (br == NULL)
		return -1;
	if (edit(br->ofp, arg, err, sizeof(err)) < 0) {
		strbuf_printf(out, "%s", err);
		return -1;
	}
	strbuf_printf(out, req->json ? "{}" : "");
	return 0;
}

static int
cmd_add_flow(struct pmdswitch *sw, const struct ctl_request *req,
	     struct strbuf *out)
{
	return edit_flows(sw, req, out, ofproto_add_flow_str, req->argv[1]);
}

static int
cmd_del_flows(struct pmdswitch *sw, const struct ctl_request *req,
	      struct strbuf *out)
{
	return edit_flows(sw, req, out, ofproto_del_flows_str,
			  req->argc > 1 ? req->argv[1] : "");
}

static int
cmd_dump_ports(struct pmdswitch *sw, const struct ctl_request *req,
	       struct strbuf *out)
{
	struct bridge *br = find_bridge(sw, req->argv[0], out);
	bool first = true;

	if (br == NULL)
		return -1;
	if (req->json)
		strbuf_printf(out, "[");
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct switch_port *p = &sw->ports[i];
		struct sw_port_stats st;

		if (!p->in_use || &sw->bridges[p->bridge] != br)
			continue;
		port_stats(sw, p, &st);
		if (req->json) {
			strbuf_printf(out, "%s{\"name\": ", first ? "" : ", ");
			strbuf_json_string(out, p->name);
			strbuf_printf(out, ", \"ofport\": %u, \"link\": \"%s\", "
				"\"rx_packets\": %lu, \"rx_bytes\": %lu, "
				"\"rx_dropped\": %lu, \"rx_missed\": %lu, "
				"\"rx_nombuf\": %lu, \"rx_errors\": %lu, "
				"\"tx_packets\": %lu, \"tx_bytes\": %lu, "
				"\"tx_dropped\": %lu, \"tx_errors\": %lu}",
				p->ofport, p->link_up ? "up" : "down",
				(unsigned long)st.rx_packets,
				(unsigned long)st.rx_bytes,
				(unsigned long)(st.rx_missed + st.rx_nombuf),
				(unsigned long)st.rx_missed,
				(unsigned long)st.rx_nombuf,
				(unsigned long)st.rx_errors,
				(unsigned long)st.tx_packets,
				(unsigned long)st.tx_bytes,
				(unsigned long)st.tx_dropped,
				(unsigned long)st.tx_errors);
		} else {
			strbuf_printf(out, "  port %3u (%s): rx pkts=%lu, "
				"bytes=%lu, drop=%lu, errs=%lu, missed=%lu\n"
				"           tx pkts=%lu, bytes=%lu, drop=%lu, "
				"errs=%lu\n",
				p->ofport, p->name,
				(unsigned long)st.rx_packets,
				(unsigned long)st.rx_bytes,
				(unsigned long)(st.rx_missed + st.rx_nombuf),
				(unsigned long)st.rx_errors,
				(unsigned long)st.rx_missed,
				(unsigned long)st.tx_packets,
				(unsigned long)st.tx_bytes,
				(unsigned long)st.tx_dropped,
				(unsigned long)st.tx_errors);
		}
		first = false;
	}
	if (req->json)
		strbuf_printf(out, "]");
	return 0;
}

static int
cmd_reload(struct pmdswitch *sw, const struct ctl_request *req,
	   struct strbuf *out)
{
	char err[1024];

	if (reload_config(sw, sw->config_path, err, sizeof(err)) < 0) {
		strbuf_printf(out, "%s", err);
		return -1;
	}
	if (req->json) {
		strbuf_printf(out, "{\"reloaded\": ");
		strbuf_json_string(out, sw->config_path);
		strbuf_printf(out, "}");
	} else {
		strbuf_printf(out, "reloaded %s\n", sw->config_path);
	}
	return 0;
}

static int
cmd_ctl_stats(struct pmdswitch *sw, const struct ctl_request *req,
	      struct strbuf *out)
{
	struct ctl_socket_stats st;
	const char *sep = "";

	ctl_socket_stats(sw->ctl, &st);
#define CTL_STAT_FIELDS(X) X(accepted) X(served) X(refused_access) \
	X(refused_busy) X(timeouts) X(too_large) X(malformed) X(hangups) \
	X(accept_errors)
	if (req->json) {
		strbuf_printf(out, "{\"clients\": %u, ", ctl_socket_clients(sw->ctl));
#define X(f) strbuf_printf(out, "%s\"" #f "\": %lu", sep, \
			   (unsigned long)st.f), sep = ", ";
		CTL_STAT_FIELDS(X)
#undef X
		strbuf_printf(out, "}");
	} else {
		strbuf_printf(out, "control socket %s: %u client(s) open\n",
			      sw->ctl_path, ctl_socket_clients(sw->ctl));
#define X(f) strbuf_printf(out, "  %-16s %lu\n", #f ":", (unsigned long)st.f);
		CTL_STAT_FIELDS(X)
#undef X
	}
#undef CTL_STAT_FIELDS
	return 0;
}

static int
cmd_trace(struct pmdswitch *sw, const struct ctl_request *req,
	  struct strbuf *out)
{
	return ctl_trace(sw, req->json, req->argc, req->argv, out);
}

/* capture-start PORT DIR COUNT SNAPLEN DURATION_MS FILE [FILTER]: the
 * daemon side of `pmdswitch-ctl capture` (the client turns its options
 * into these and then polls capture-status, see capture.h). */
static bool
parse_u64_arg(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static void
format_capture_status(const struct capture_status *st, bool json,
		      struct strbuf *out)
{
	if (json) {
		strbuf_printf(out, "{\"id\": %u, \"running\": %s, \"port\": ",
			      st->id, st->running ? "true" : "false");
		strbuf_json_string(out, st->port);
		strbuf_printf(out, ", \"file\": ");
		strbuf_json_string(out, st->path);
		strbuf_printf(out, ", \"packets\": %lu, \"bytes\": %lu, "
			      "\"filtered\": %lu, \"dropped\": %lu, "
			      "\"stopped_by\": \"%s\"}",
			      (unsigned long)st->packets,
			      (unsigned long)st->bytes,
			      (unsigned long)st->filtered,
			      (unsigned long)st->dropped, st->reason);
		return;
	}
	strbuf_printf(out, "capture %u %s packets=%lu bytes=%lu filtered=%lu "
		      "dropped=%lu stopped_by=%s\n", st->id,
		      st->running ? "running" : "done",
		      (unsigned long)st->packets, (unsigned long)st->bytes,
		      (unsigned long)st->filtered, (unsigned long)st->dropped,
		      st->reason[0] ? st->reason : "-");
}

static int
cmd_capture_start(struct pmdswitch *sw, const struct ctl_request *req,
		  struct strbuf *out)
{
	struct capture_params p = {.port = req->argv[0]};
	const char *dir = req->argv[1];
	uint64_t snaplen;
	char err[512];
	int id;

	if (!strcmp(dir, "rx"))
		p.dir = PMD_CAPTURE_RX;
	else if (!strcmp(dir, "tx"))
		p.dir = PMD_CAPTURE_TX;
	else if (!strcmp(dir, "both"))
		p.dir = PMD_CAPTURE_RX | PMD_CAPTURE_TX;
	if (p.dir == 0) {
		strbuf_printf(out, "bad direction \"%s\" (rx, tx or both)", dir);
		return -1;
	}
	if (!parse_u64_arg(req->argv[2], UINT64_MAX / 2, &p.count) ||
	    !parse_u64_arg(req->argv[3], CAPTURE_MAX_SNAPLEN, &snaplen) ||
	    snaplen == 0 ||
	    !parse_u64_arg(req->argv[4], UINT64_MAX / 2, &p.duration_ms)) {
		strbuf_printf(out, "bad count, snaplen (1..%u) or duration",
			      CAPTURE_MAX_SNAPLEN);
		return -1;
	}
	p.snaplen = (uint32_t)snaplen;
	p.path = req->argv[5];
	if (p.path[0] != '/') {
		strbuf_printf(out, "the capture file must be an absolute path, "
			      "got \"%s\"", p.path);
		return -1;
	}
	p.filter = req->argc > 6 ? req->argv[6] : NULL;
	id = capture_start(sw, &p, err, sizeof(err));
	if (id < 0) {
		strbuf_printf(out, "%s", err);
		return -1;
	}
	if (req->json)
		strbuf_printf(out, "{\"id\": %d}", id);
	else
		strbuf_printf(out, "%d\n", id);
	return 0;
}

static int
capture_id_cmd(struct pmdswitch *sw, const struct ctl_request *req,
	       struct strbuf *out, bool stop)
{
	struct capture_status st;
	uint64_t id;

	if (!parse_u64_arg(req->argv[0], UINT32_MAX, &id) ||
	    (stop && capture_stop(sw, (uint32_t)id) < 0) ||
	    capture_status(sw, (uint32_t)id, &st) < 0) {
		strbuf_printf(out, "no capture %s", req->argv[0]);
		return -1;
	}
	format_capture_status(&st, req->json, out);
	return 0;
}

static int
cmd_capture_status(struct pmdswitch *sw, const struct ctl_request *req,
		   struct strbuf *out)
{
	return capture_id_cmd(sw, req, out, false);
}

static int
cmd_capture_stop(struct pmdswitch *sw, const struct ctl_request *req,
		 struct strbuf *out)
{
	return capture_id_cmd(sw, req, out, true);
}

struct ctl_command {
	const char *name;
	int min_args, max_args;
	const char *usage;
	ctl_handler *handler;
};

static const struct ctl_command commands[] = {
	{ "show", 0, 0, "show", cmd_show },
	{ "dump-flows", 1, 1, "dump-flows BRIDGE", cmd_dump_flows },
	{ "add-flow", 2, 2, "add-flow BRIDGE FLOW", cmd_add_flow },
	{ "del-flows", 1, 2, "del-flows BRIDGE [MATCH]", cmd_del_flows },
	{ "dump-ports", 1, 1, "dump-ports BRIDGE", cmd_dump_ports },
	{ "dump-megaflows", 0, 0, "dump-megaflows", cmd_dump_megaflows },
	{ "tunnel-show", 0, 0, "tunnel-show", cmd_tunnel_show },
	{ "pmd-stats-show", 0, 0, "pmd-stats-show", cmd_pmd_stats_show },
	{ "pmd-stats-clear", 0, 0, "pmd-stats-clear", cmd_pmd_stats_clear },
	{ "pmd-rxq-show", 0, 0, "pmd-rxq-show", cmd_pmd_rxq_show },
	{ "pmd-rxq-rebalance", 0, 0, "pmd-rxq-rebalance",
	  cmd_pmd_rxq_rebalance },
	{ "reload", 0, 0, "reload", cmd_reload },
	{ "trace", 2, 6, CTL_TRACE_USAGE, cmd_trace },
	{ "version", 0, 0, "version", cmd_version },
	{ "ctl-stats", 0, 0, "ctl-stats", cmd_ctl_stats },
	{ "capture-start", 6, 7,
	  "capture-start PORT rx|tx|both COUNT SNAPLEN DURATION_MS FILE [BPF]",
	  cmd_capture_start },
	{ "capture-status", 1, 1, "capture-status ID", cmd_capture_status },
	{ "capture-stop", 1, 1, "capture-stop ID", cmd_capture_stop },
};

static int
dispatch(struct pmdswitch *sw, const struct ctl_request *req,
	 struct strbuf *out)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct ctl_command *c = &commands[i];

		if (strcmp(c->name, req->cmd))
			continue;
		if (req->argc < c->min_args || req->argc > c->max_args) {
			strbuf_printf(out, "usage: %s", c->usage);
			return -1;
		}
		return c->handler(sw, req, out);
	}
	strbuf_printf(out, "unknown command \"%s\" (try pmdswitch-ctl --help)",
		      req->cmd);
	return -1;
}

/* The transport's handler: one request, under config_lock. */
static int
ctl_handle(void *arg, const struct ctl_request *req, struct strbuf *out)
{
	struct pmdswitch *sw = arg;
	int rc;

	LOG_DBG("ctl: %s", req->cmd);
	pthread_mutex_lock(&sw->config_lock);
	rc = dispatch(sw, req, out);
	pthread_mutex_unlock(&sw->config_lock);
	return rc;
}

static void
ctl_log(int level, const char *msg)
{
	log_msg(level == 0 ? LOG_ERR : level == 1 ? LOG_WARN :
		level == 2 ? LOG_INFO : LOG_DEBUG, "control socket: %s", msg);
}

/* The config thread: SIGHUP reloads, link state once a second. */
static void *
config_main(void *arg)
{
	struct pmdswitch *sw = arg;

	pthread_setname_np(pthread_self(), "config");
	pthread_mutex_lock(&sw->config_lock);
	while (!sw->config_stop) {
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&sw->config_cond, &sw->config_lock,
				       &ts);
		if (sw->config_stop)
			break;
		if (__atomic_exchange_n(&sw->reload_requested, 0,
					__ATOMIC_ACQ_REL)) {
			char err[1024];

			if (reload_config(sw, sw->config_path, err,
					  sizeof(err)) < 0)
				LOG_ERROR("reload (SIGHUP) refused: %s", err);
		}
		now = pmd_clock_ms();
		if (now - sw->last_link_poll_ms >= 1000) {
			sw->last_link_poll_ms = now;
			ports_poll_link(sw);
		}
	}
	pthread_mutex_unlock(&sw->config_lock);
	return NULL;
}

static int
mkdir_parent(const char *path)
{
	char tmp[256], *dir;

	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

int
ctl_server_start(struct pmdswitch *sw, char *err, size_t errlen)
{
	struct ctl_socket_config cfg = {
		.path = sw->ctl_path,
		.group = sw->ctl_group[0] ? sw->ctl_group : NULL,
		.handler = ctl_handle,
		.handler_arg = sw,
		.log = ctl_log,
	};
	pthread_condattr_t ca;
	int rc;

	rc = mkdir_parent(sw->ctl_path);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create its directory: %s",
			 strerror(-rc));
		return rc;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sw->config_cond, &ca);
	pthread_condattr_destroy(&ca);
	sw->config_stop = false;
	rc = pthread_create(&sw->config_thread, NULL, config_main, sw);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the config thread: %s",
			 strerror(rc));
		return -rc;
	}
	sw->config_running = true;
	sw->ctl = ctl_socket_open(&cfg, err, errlen);
	if (sw->ctl == NULL) {
		rc = -errno;
		ctl_server_stop(sw);
		return rc;
	}
	return 0;
}

void
ctl_server_stop(struct pmdswitch *sw)
{
	/* The socket first: a command may be running a reload. */
	ctl_socket_close(sw->ctl);
	sw->ctl = NULL;
	if (sw->config_running) {
		pthread_mutex_lock(&sw->config_lock);
		sw->config_stop = true;
		pthread_cond_signal(&sw->config_cond);
		pthread_mutex_unlock(&sw->config_lock);
		pthread_join(sw->config_thread, NULL);
		sw->config_running = false;
	}
}
