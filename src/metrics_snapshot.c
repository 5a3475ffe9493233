/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One snapshot of the switch's counters and its Prometheus text form
 * (see metrics.h). The snapshot is taken under ports_lock (read), so the
 * ports, bridges and PMDs it walks cannot go during the walk; the
 * formatting then works on the copy, family by family as the exposition
 * format wants (HELP and TYPE once, then every sample of the family).
 */
#include <stdio.h>
#include <string.h>

#include "dataplane/flow_parse.h"
#include "dataplane/megaflow.h"
#include "metrics.h"

void
metrics_snapshot_take(struct pmdswitch *sw, struct metrics_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	pthread_rwlock_rdlock(&sw->ports_lock);
	for (unsigned i = 0; i < sw->n_ports && s->n_ports < PMD_MAX_PORTS;
	     i++) {
		const struct switch_port *p = &sw->ports[i];
		struct metrics_port *mp = &s->ports[s->n_ports];

		if (!p->in_use)
			continue;
		s->n_ports++;
		snprintf(mp->name, sizeof(mp->name), "%s", p->name);
		if (p->bridge < sw->n_bridges)
			snprintf(mp->bridge, sizeof(mp->bridge), "%s",
				 sw->bridges[p->bridge].name);
		mp->ofport = p->ofport;
		mp->is_patch = p->kind == CFG_PORT_PATCH;
		mp->link_up = p->link_up;
		port_stats(sw, p, &mp->st);
	}
	for (unsigned i = 0; i < sw->n_pmds && i < PMD_MAX; i++) {
		struct metrics_pmd *mp = &s->pmds[s->n_pmds++];

		mp->core = sw->pmds[i]->lcore_id;
		pmd_stats_read(sw->pmds[i], &mp->st);
		mp->megaflows = megaflow_count(sw->pmds[i]->megaflows);
	}
	for (unsigned b = 0; b < sw->n_bridges; b++) {
		const struct bridge *br = &sw->bridges[b];
		struct metrics_bridge *mb;

		if (!br->in_use || s->n_bridges >= PMDSWITCH_MAX_BRIDGES)
			continue;
		mb = &s->bridges[s->n_bridges++];
		snprintf(mb->name, sizeof(mb->name), "%s", br->name);
		mb->n_tables = ofproto_table_rule_counts(br->ofp, mb->rules,
							 METRICS_MAX_TABLES);
		mb->connections = ofproto_connection_count(br->ofp);
		mb->n_controllers = ofproto_controller_states(
			br->ofp, mb->controllers, METRICS_MAX_CONTROLLERS);
		ofproto_get_stats(br->ofp, &mb->os);
	}
	if (sw->sp != NULL)
		slowpath_stats_read(sw->sp, &s->sp);
	pthread_rwlock_unlock(&sw->ports_lock);
	s->uptime_ms = pmd_clock_ms() - sw->start_ms;
}

/* A label value with \, " and newline escaped, as the format asks. */
static void
label_value(struct strbuf *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_printf(out, "\\%c", *v);
		else if (*v == '\n')
			strbuf_printf(out, "\\n");
		else
			strbuf_append(out, v, 1);
	}
}

static void
family(struct strbuf *out, const char *name, const char *type,
       const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

static void
port_sample(struct strbuf *out, const char *name,
	    const struct metrics_port *p, uint64_t v)
{
	strbuf_printf(out, "%s{bridge=\"", name);
	label_value(out, p->bridge);
	strbuf_printf(out, "\",port=\"");
	label_value(out, p->name);
	strbuf_printf(out, "\",ofport=\"%u\"} %lu\n", p->ofport,
		      (unsigned long)v);
}

/* Per-port counter families: metric name, help, field. */
#define PORT_COUNTERS(X) \
	X(rx_packets, "Packets received by the port's device", \
	  st.rx_packets) \
	X(rx_bytes, "Bytes received by the port's device", st.rx_bytes) \
	X(rx_dropped, "Packets the device dropped on receive (no room in " \
	  "the rx ring, no mbuf)", st.rx_missed + p->st.rx_nombuf) \
	X(rx_errors, "Erroneous packets received", st.rx_errors) \
	X(tx_packets, "Packets sent by the port's device", st.tx_packets) \
	X(tx_bytes, "Bytes sent by the port's device", st.tx_bytes) \
	X(tx_dropped, "Packets the port's tx queues did not take (freed " \
	  "and counted by the PMDs)", st.tx_dropped) \
	X(tx_errors, "Packets the device failed to send", st.tx_errors)

/* Per-PMD counter families. */
#define PMD_COUNTERS(X) \
	X(packets, "Packets received from the PMD's rx queues", packets) \
	X(bytes, "Bytes received from the PMD's rx queues", bytes) \
	X(emc_hits, "Packets found in the exact-match cache", emc_hits) \
	X(megaflow_hits, "Packets found in the megaflow classifier", \
	  megaflow_hits) \
	X(misses, "Packets neither cache had", misses) \
	X(upcalls, "Packets sent to the slowpath", upcalls) \
	X(lost_upcalls, "Upcalls dropped because the upcall ring was full", \
	  lost_upcalls) \
	X(tx_packets, "Packets the PMD transmitted", tx_packets) \
	X(shed_polls, "Rx queue poll rounds skipped because the queue's " \
	  "bursts lost upcalls (upcall storm backoff)", shed_polls) \
	X(upcall_budget_drops, "Misses dropped (part of lost_upcalls): " \
	  "misses had taken datapath.upcall-cycle-share of the PMD's " \
	  "cycles while cached traffic waited", upcall_budget_drops) \
	X(busy_cycles, "TSC cycles of loop iterations that handled packets", \
	  busy_cycles) \
	X(idle_cycles, "TSC cycles of loop iterations that found nothing", \
	  idle_cycles)

/* Drops of a PMD by reason (pmd-stats-show names the same counters). */
#define PMD_DROPS(X) \
	X(tx_refused, tx_drops) X(action_drop, action_drops) \
	X(park_overflow, park_overflows) X(ttl, ttl_drops) \
	X(meter, meter_drops) X(copy_failed, copy_fails) \
	X(lost_upcall, lost_upcalls)

#define SLOWPATH_COUNTERS(X) \
	X(upcalls, "Upcalls the slowpath handled") \
	X(installs, "Megaflows installed") \
	X(install_full, "Megaflows not installed: the table was full") \
	X(exec_drops, "Packets dropped: a PMD's exec ring was full") \
	X(packet_ins, "Packet-ins generated") \
	X(packet_outs, "Packet-outs executed") \
	X(packet_out_drops, "Packet-outs dropped") \
	X(expired, "Idle megaflows removed") \
	X(revalidations, "Rule changes revalidated") \
	X(reval_removed, "Megaflows a revalidation removed")

void
metrics_prom_format(const struct metrics_snapshot *s, struct strbuf *out)
{
	family(out, "pmdswitch_uptime_seconds", "gauge",
	       "Seconds since pmdswitchd started");
	strbuf_printf(out, "pmdswitch_uptime_seconds %.3f\n",
		      (double)s->uptime_ms / 1000.0);

	family(out, "pmdswitch_port_link_up", "gauge",
	       "1 when the port's link is up");
	for (unsigned i = 0; i < s->n_ports; i++)
		port_sample(out, "pmdswitch_port_link_up", &s->ports[i],
			    s->ports[i].link_up);
#define X(m, help, f) \
	family(out, "pmdswitch_port_" #m "_total", "counter", help); \
	for (unsigned i = 0; i < s->n_ports; i++) { \
		const struct metrics_port *p = &s->ports[i]; \
		if (!p->is_patch) \
			port_sample(out, "pmdswitch_port_" #m "_total", p, \
				    p->f); \
	}
	PORT_COUNTERS(X)
#undef X

#define X(m, help, f) \
	family(out, "pmdswitch_pmd_" #m "_total", "counter", help); \
	for (unsigned i = 0; i < s->n_pmds; i++) \
		strbuf_printf(out, "pmdswitch_pmd_" #m "_total{pmd=\"%u\"} " \
			      "%lu\n", s->pmds[i].core, \
			      (unsigned long)s->pmds[i].st.f);
	PMD_COUNTERS(X)
#undef X
	family(out, "pmdswitch_pmd_drops_total", "counter",
	       "Packets a PMD dropped, by reason");
	for (unsigned i = 0; i < s->n_pmds; i++) {
		const struct pmd_stats *st = &s->pmds[i].st;

#define X(reason, f) \
		strbuf_printf(out, "pmdswitch_pmd_drops_total{pmd=\"%u\"," \
			      "reason=\"" #reason "\"} %lu\n", \
			      s->pmds[i].core, (unsigned long)st->f);
		PMD_DROPS(X)
#undef X
	}
	family(out, "pmdswitch_pmd_parse_errors_total", "counter",
	       "Frames a PMD could not parse to the end, by reason (looked "
	       "up on the fields parsed, not dropped)");
	for (unsigned i = 0; i < s->n_pmds; i++)
		for (int r = 1; r < FLOW_PARSE_N_RESULTS; r++)
			strbuf_printf(out, "pmdswitch_pmd_parse_errors_total"
				      "{pmd=\"%u\",reason=\"%s\"} %lu\n",
				      s->pmds[i].core,
				      flow_parse_result_name(r),
				      (unsigned long)s->pmds[i].st.parse_errors[r]);
	family(out, "pmdswitch_megaflows", "gauge",
	       "Megaflows installed in a PMD's classifier");
	for (unsigned i = 0; i < s->n_pmds; i++)
		strbuf_printf(out, "pmdswitch_megaflows{pmd=\"%u\"} %u\n",
			      s->pmds[i].core, s->pmds[i].megaflows);

#define X(f, help) \
	family(out, "pmdswitch_slowpath_" #f "_total", "counter", help); \
	strbuf_printf(out, "pmdswitch_slowpath_" #f "_total %lu\n", \
		      (unsigned long)s->sp.f);
	SLOWPATH_COUNTERS(X)
#undef X

	family(out, "pmdswitch_bridge_rules", "gauge",
	       "OpenFlow rules in a table of a bridge (tables with rules, "
	       "and table 0)");
	for (unsigned b = 0; b < s->n_bridges; b++) {
		const struct metrics_bridge *mb = &s->bridges[b];

		for (size_t t = 0; t < mb->n_tables; t++) {
			if (t > 0 && mb->rules[t] == 0)
				continue;
			strbuf_printf(out, "pmdswitch_bridge_rules{bridge=\"");
			label_value(out, mb->name);
			strbuf_printf(out, "\",table=\"%zu\"} %u\n", t,
				      mb->rules[t]);
		}
	}
	family(out, "pmdswitch_bridge_openflow_connections", "gauge",
	       "Established OpenFlow connections of a bridge (controllers "
	       "and clients of its listeners)");
	for (unsigned b = 0; b < s->n_bridges; b++) {
		strbuf_printf(out, "pmdswitch_bridge_openflow_connections"
			      "{bridge=\"");
		label_value(out, s->bridges[b].name);
		strbuf_printf(out, "\"} %zu\n", s->bridges[b].connections);
	}
	family(out, "pmdswitch_bridge_controller_up", "gauge",
	       "1 when the connection to a configured controller is up");
	for (unsigned b = 0; b < s->n_bridges; b++) {
		const struct metrics_bridge *mb = &s->bridges[b];

		for (size_t c = 0; c < mb->n_controllers; c++) {
			strbuf_printf(out, "pmdswitch_bridge_controller_up"
				      "{bridge=\"");
			label_value(out, mb->name);
			strbuf_printf(out, "\",target=\"");
			label_value(out, mb->controllers[c].target);
			strbuf_printf(out, "\"} %d\n",
				      mb->controllers[c].up ? 1 : 0);
		}
	}
	family(out, "pmdswitch_bridge_packet_ins_total", "counter",
	       "Packet-ins queued to OpenFlow connections");
	for (unsigned b = 0; b < s->n_bridges; b++) {
		strbuf_printf(out, "pmdswitch_bridge_packet_ins_total"
			      "{bridge=\"");
		label_value(out, s->bridges[b].name);
		strbuf_printf(out, "\"} %lu\n",
			      (unsigned long)s->bridges[b].os.packet_ins_sent);
	}
	family(out, "pmdswitch_bridge_packet_in_drops_total", "counter",
	       "Packet-ins dropped, by reason");
	for (unsigned b = 0; b < s->n_bridges; b++) {
		const struct ofproto_stats *os = &s->bridges[b].os;
		const struct {
			const char *reason;
			uint64_t v;
		} drops[] = {
			{ "rate", os->packet_ins_rate_dropped },
			{ "backlog", os->packet_ins_backlog_dropped },
			{ "queue", os->packet_ins_queue_dropped },
			{ "port_no_packet_in", os->packet_ins_port_suppressed },
		};

		for (size_t d = 0; d < sizeof(drops) / sizeof(drops[0]); d++) {
			strbuf_printf(out, "pmdswitch_bridge_packet_in_drops_"
				      "total{bridge=\"");
			label_value(out, s->bridges[b].name);
			strbuf_printf(out, "\",reason=\"%s\"} %lu\n",
				      drops[d].reason,
				      (unsigned long)drops[d].v);
		}
	}
}
