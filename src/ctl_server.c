/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket of pmdswitchd, served by one thread.
 *
 * Protocol (Unix stream socket, one request per connection): the client
 * sends NUL-terminated strings — "json" or "text", the command, its
 * arguments — and then one empty string. The reply is one status byte,
 * '0' for success or '1' for an error, then the body (text, or one JSON
 * document), then the server closes the connection.
 */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "daemon.h"
#include "dataplane/flow_parse.h"
#include "dataplane/rxq_sched.h"
#include "ofproto/strbuf.h"

#define CTL_MAX_REQUEST 65536
#define CTL_MAX_ARGS 16

struct ctl_request {
	bool json;
	int argc;		/* Arguments after the command. */
	const char *cmd;
	const char *argv[CTL_MAX_ARGS];
};

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
				      "%lu}, "
				      "\"ports\": [",
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
				      (unsigned long)os.conns_slow_closed);
		} else {
			strbuf_printf(out, "bridge %s: datapath_id 0x%016lx, "
				      "%zu flows, %zu OpenFlow connections, "
				      "controllers %zu/%zu up%s\n"
				      "  packet-ins: %lu sent, dropped: %lu over "
				      "the rate, %lu backlog, %lu queue, %lu "
				      "no-packet-in ports\n"
				      "  channel: %lu slow readers closed\n",
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
				      (unsigned long)os.conns_slow_closed);
		}
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
		strbuf_printf(out, "], \"pmds\": [");
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
	X(megaflow_reused)

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

			if (req->json)
				strbuf_printf(out, "%s{\"port\": \"%s\", "
					"\"queue\": %u, \"packets\": %lu, "
					"\"usage_percent\": %.1f}",
					j ? ", " : "",
					sw->ports[q->dp_port].dev.name,
					q->queue_id, (unsigned long)
					__atomic_load_n(&q->packets,
							__ATOMIC_RELAXED),
					share);
			else
				strbuf_printf(out, "  port: %-12s queue-id: %2u"
					"  pmd usage: %5.1f %%\n",
					sw->ports[q->dp_port].dev.name,
					q->queue_id, share);
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
	{ "pmd-stats-show", 0, 0, "pmd-stats-show", cmd_pmd_stats_show },
	{ "pmd-stats-clear", 0, 0, "pmd-stats-clear", cmd_pmd_stats_clear },
	{ "pmd-rxq-show", 0, 0, "pmd-rxq-show", cmd_pmd_rxq_show },
	{ "pmd-rxq-rebalance", 0, 0, "pmd-rxq-rebalance",
	  cmd_pmd_rxq_rebalance },
	{ "reload", 0, 0, "reload", cmd_reload },
	{ "version", 0, 0, "version", cmd_version },
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

/* Split the request into strings; -1 when it is not well formed. */
static int
parse_request(char *buf, size_t len, struct ctl_request *req)
{
	const char *strs[CTL_MAX_ARGS + 2];
	size_t n = 0, pos = 0;

	while (pos < len) {
		size_t l = strnlen(buf + pos, len - pos);

		if (pos + l >= len)
			return -1;	/* Unterminated. */
		if (l == 0)
			break;		/* The empty string ends it. */
		if (n == CTL_MAX_ARGS + 2)
			return -1;
		strs[n++] = buf + pos;
		pos += l + 1;
	}
	if (n < 2)
		return -1;
	memset(req, 0, sizeof(*req));
	req->json = !strcmp(strs[0], "json");
	req->cmd = strs[1];
	req->argc = (int)n - 2;
	for (size_t i = 2; i < n; i++)
		req->argv[i - 2] = strs[i];
	return 0;
}

static bool
request_complete(const char *buf, size_t len)
{
	/* Ends with an empty string: the last two bytes are NUL. */
	return len >= 2 && buf[len - 1] == '\0' && buf[len - 2] == '\0';
}

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
serve_client(struct pmdswitch *sw, int fd)
{
	static char buf[CTL_MAX_REQUEST];
	struct timeval tv = { 5, 0 };
	struct strbuf out = STRBUF_INIT;
	struct ctl_request req;
	size_t len = 0;
	int rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(buf) && !request_complete(buf, len)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (!request_complete(buf, len) || parse_request(buf, len, &req) < 0) {
		strbuf_printf(&out, "malformed request");
		rc = -1;
	} else {
		LOG_DBG("ctl: %s", req.cmd);
		rc = dispatch(sw, &req, &out);
	}
	write_all(fd, rc == 0 ? "0" : "1", 1);
	write_all(fd, strbuf_str(&out), out.len);
	strbuf_free(&out);
}

static void *
ctl_main(void *arg)
{
	struct pmdswitch *sw = arg;

	pthread_setname_np(pthread_self(), "ctl");
	while (!sw->stopping) {
		struct pollfd pfd = { .fd = sw->ctl_fd, .events = POLLIN };
		int fd;

		int n = poll(&pfd, 1, 200);
		uint64_t now = pmd_clock_ms();

		/* This thread is the config thread: SIGHUP reloads here,
		 * and link state is polled here once a second. */
		if (__atomic_exchange_n(&sw->reload_requested, 0,
					__ATOMIC_ACQ_REL)) {
			char err[1024];

			if (reload_config(sw, sw->config_path, err,
					  sizeof(err)) < 0)
				LOG_ERROR("reload (SIGHUP) refused: %s", err);
		}
		if (now - sw->last_link_poll_ms >= 1000) {
			sw->last_link_poll_ms = now;
			ports_poll_link(sw);
		}
		if (n <= 0)
			continue;
		fd = accept(sw->ctl_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_client(sw, fd);
		close(fd);
	}
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
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(sw->ctl_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "path longer than %zu bytes",
			 sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, sw->ctl_path);
	rc = mkdir_parent(sw->ctl_path);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create its directory: %s",
			 strerror(-rc));
		return rc;
	}
	/* A socket file left by a daemon that died is removed; one that a
	 * running daemon answers on is not. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "another pmdswitchd is listening there");
		return -EADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	unlink(sw->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 16) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return rc;
	}
	sw->ctl_fd = fd;
	rc = pthread_create(&sw->ctl_thread, NULL, ctl_main, sw);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start its thread: %s",
			 strerror(rc));
		close(fd);
		sw->ctl_fd = -1;
		return -rc;
	}
	sw->ctl_running = true;
	return 0;
}

void
ctl_server_stop(struct pmdswitch *sw)
{
	if (sw->ctl_running) {
		sw->stopping = true;
		pthread_join(sw->ctl_thread, NULL);
		sw->ctl_running = false;
	}
	if (sw->ctl_fd >= 0) {
		close(sw->ctl_fd);
		unlink(sw->ctl_path);
		sw->ctl_fd = -1;
	}
}
