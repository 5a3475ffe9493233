/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bridges of pmdswitchd: one ofproto each (datapath id, listeners,
 * controllers, pipeline), registered with the one slowpath under its
 * bridge index; the ofproto host callbacks get the bridge as their host.
 *
 * Thread safety: bridge_add() / bridge_del() on the config thread; the
 * host callbacks run on the bridge's OpenFlow thread and the control
 * socket thread and take sw->ports_lock for reading.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "ofproto/ofp_limits.h"

static int
port_stats_cb(void *host, uint32_t ofport, struct ofproto_port_stats *st)
{
	struct bridge *br = host;
	struct pmdswitch *sw = br->sw;
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&sw->ports_lock);
	for (unsigned i = 0; i < sw->n_ports; i++) {
		const struct switch_port *p = &sw->ports[i];
		struct sw_port_stats ps;

		if (!p->in_use || p->bridge != br->index || p->ofport != ofport)
			continue;
		port_stats(sw, p, &ps);
		memset(st, 0, sizeof(*st));
		st->rx_packets = ps.rx_packets;
		st->tx_packets = ps.tx_packets;
		st->rx_bytes = ps.rx_bytes;
		st->tx_bytes = ps.tx_bytes;
		st->rx_dropped = ps.rx_missed + ps.rx_nombuf;
		st->tx_dropped = ps.tx_dropped;
		st->rx_errors = ps.rx_errors;
		st->tx_errors = ps.tx_errors;
		st->duration_sec = (pmd_clock_ms() - sw->start_ms) / 1000;
		rc = 0;
		break;
	}
	pthread_rwlock_unlock(&sw->ports_lock);
	return rc;
}

static void
flows_changed_cb(void *host)
{
	slowpath_flows_changed(((struct bridge *)host)->sw->sp);
}

static void
sync_stats_cb(void *host)
{
	slowpath_sync_stats(((struct bridge *)host)->sw->sp);
}

static int
packet_out_cb(void *host, uint32_t in_port, const struct ofpact *actions,
	      size_t n_actions, const void *packet, size_t len)
{
	struct bridge *br = host;

	return slowpath_packet_out_bridge(br->sw->sp, br->index, in_port,
					  actions, n_actions, packet, len);
}

static int
meter_set_cb(void *host, const struct ofproto_meter_config *mc)
{
	struct bridge *br = host;

	return slowpath_meter_set(br->sw->sp, br->index, mc);
}

static void
meter_del_cb(void *host, uint32_t meter_id)
{
	struct bridge *br = host;

	slowpath_meter_del(br->sw->sp, br->index, meter_id);
}

static int
meter_stats_cb(void *host, uint32_t meter_id, struct ofproto_meter_stats *st)
{
	struct bridge *br = host;

	return slowpath_meter_stats(br->sw->sp, br->index, meter_id, st);
}

static const struct ofproto_host_ops host_ops = {
	.port_stats = port_stats_cb,
	.flows_changed = flows_changed_cb,
	.sync_stats = sync_stats_cb,
	.packet_out = packet_out_cb,
	.meter_set = meter_set_cb,
	.meter_del = meter_del_cb,
	.meter_stats = meter_stats_cb,
};

struct bridge *
bridge_find(struct pmdswitch *sw, const char *name)
{
	for (unsigned i = 0; i < sw->n_bridges; i++)
		if (sw->bridges[i].in_use && !strcmp(sw->bridges[i].name, name))
			return &sw->bridges[i];
	return NULL;
}

int
bridge_add(struct pmdswitch *sw, const struct cfg_bridge *cb,
	   unsigned cfg_index, char *err, size_t errlen)
{
	struct bridge *br = NULL;
	char key[64], msg[256];
	unsigned i;

	for (i = 0; i < PMDSWITCH_MAX_BRIDGES; i++)
		if (!sw->bridges[i].in_use) {
			br = &sw->bridges[i];
			break;
		}
	snprintf(key, sizeof(key), "bridges[%u]", cfg_index);
	if (br == NULL) {
		snprintf(msg, sizeof(msg), "too many bridges (%d at most)",
			 PMDSWITCH_MAX_BRIDGES);
		sw_cfg_error(&sw->cfg, &cb->mark, key, msg, err, errlen);
		return -ENOSPC;
	}
	memset(br, 0, sizeof(*br));
	br->index = i;
	br->sw = sw;
	snprintf(br->name, sizeof(br->name), "%s", cb->name);
	br->datapath_id = cb->datapath_id;
	br->ofp = ofproto_create(cb->name, cb->datapath_id, &host_ops, br);
	if (br->ofp == NULL) {
		snprintf(msg, sizeof(msg), "cannot create the bridge: %s",
			 strerror(errno));
		sw_cfg_error(&sw->cfg, &cb->mark, key, msg, err, errlen);
		return -ENOMEM;
	}
	ofproto_set_packet_in_rate(br->ofp, cb->packet_in_rate,
				   cb->packet_in_burst);
	bridge_apply_channel_limits(sw, br);
	ofproto_set_fail_mode(br->ofp, cb->fail_mode == CFG_FAIL_STANDALONE ?
			      OFPROTO_FAIL_STANDALONE : OFPROTO_FAIL_SECURE);
	slowpath_bridge_set(sw->sp, i, br->ofp);
	pthread_rwlock_wrlock(&sw->ports_lock);
	br->in_use = true;
	if (i + 1 > sw->n_bridges)
		sw->n_bridges = i + 1;
	pthread_rwlock_unlock(&sw->ports_lock);
	return 0;
}

void
bridge_apply_channel_limits(struct pmdswitch *sw, struct bridge *br)
{
	const struct cfg_limits *l = &sw->cfg.limits;

	ofproto_set_channel_limits(br->ofp, l->max_conn_backlog_kb * 1024,
				   l->max_connections_per_listener,
				   l->max_accepted_connections);
}

void
bridges_apply_limits(struct pmdswitch *sw)
{
	const struct cfg_limits *l = &sw->cfg.limits;

	ofp_limit_set_max(OFP_LIMIT_RULES, l->max_rules);
	ofp_limit_set_max(OFP_LIMIT_GROUPS, l->max_groups);
	ofp_limit_set_max(OFP_LIMIT_METERS, l->max_meters);
	ofp_limit_set_max(OFP_LIMIT_INSTS, l->max_instruction_sets);
	for (unsigned b = 0; b < sw->n_bridges; b++)
		if (sw->bridges[b].in_use)
			bridge_apply_channel_limits(sw, &sw->bridges[b]);
}

int
bridge_add_flows(struct pmdswitch *sw, struct bridge *br,
		 const struct cfg_bridge *cb, unsigned cfg_index, char *err,
		 size_t errlen)
{
	char msg[512], key[64];

	for (size_t i = 0; i < cb->n_flows; i++) {
		if (ofproto_add_flow_str(br->ofp, cb->flows[i], msg,
					 sizeof(msg)) < 0) {
			snprintf(key, sizeof(key), "bridges[%u].flows[%zu]",
				 cfg_index, i);
			sw_cfg_error(&sw->cfg, &cb->flow_marks[i], key, msg,
				     err, errlen);
			return -EINVAL;
		}
	}
	return 0;
}

int
bridge_add_channels(struct pmdswitch *sw, struct bridge *br,
		    const struct cfg_bridge *cb, unsigned cfg_index,
		    char *err, size_t errlen)
{
	char msg[512], key[64];

	if (cb->ssl_private_key != NULL &&
	    ofproto_set_ssl(br->ofp, cb->ssl_private_key, cb->ssl_certificate,
			    cb->ssl_ca_cert, msg, sizeof(msg)) < 0) {
		snprintf(key, sizeof(key), "bridges[%u].ssl", cfg_index);
		sw_cfg_error(&sw->cfg, &cb->ssl_mark, key, msg, err, errlen);
		return -EINVAL;
	}
	for (size_t i = 0; i < cb->n_listen; i++) {
		if (ofproto_add_listener(br->ofp, cb->listen[i], msg,
					 sizeof(msg)) < 0) {
			snprintf(key, sizeof(key), "bridges[%u].listen[%zu]",
				 cfg_index, i);
			sw_cfg_error(&sw->cfg, &cb->mark, key, msg, err,
				     errlen);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < cb->n_controllers; i++) {
		if (ofproto_add_controller(br->ofp, cb->controllers[i], msg,
					   sizeof(msg)) < 0) {
			snprintf(key, sizeof(key),
				 "bridges[%u].controllers[%zu]", cfg_index, i);
			sw_cfg_error(&sw->cfg, &cb->mark, key, msg, err,
				     errlen);
			return -EINVAL;
		}
	}
	return 0;
}

void
bridge_del(struct pmdswitch *sw, struct bridge *br)
{
	struct ofproto *ofp = br->ofp;

	for (unsigned i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].in_use && sw->ports[i].bridge == br->index)
			port_del(sw, &sw->ports[i]);
	/* The slowpath lets go of the ofproto, and of every megaflow that
	 * credits its rules, before it goes. */
	slowpath_bridge_set(sw->sp, br->index, NULL);
	slowpath_flows_changed(sw->sp);
	slowpath_meters_clear(sw->sp, br->index);
	LOG_NOTICE("bridge %s: removed", br->name);
	pthread_rwlock_wrlock(&sw->ports_lock);
	br->in_use = false;
	br->ofp = NULL;
	while (sw->n_bridges > 0 && !sw->bridges[sw->n_bridges - 1].in_use)
		sw->n_bridges--;
	pthread_rwlock_unlock(&sw->ports_lock);
	ofproto_destroy(ofp);
}

void
bridges_link_patches(struct pmdswitch *sw)
{
	for (unsigned i = 0; i < sw->n_ports; i++) {
		struct switch_port *p = &sw->ports[i], *peer;

		if (!p->in_use || p->kind != CFG_PORT_PATCH)
			continue;
		peer = port_find(sw, p->peer);
		if (peer != NULL && peer->kind == CFG_PORT_PATCH)
			slowpath_port_set(sw->sp, p->bridge, p->ofport, -1,
					  peer->bridge, peer->ofport);
		else
			slowpath_port_set(sw->sp, p->bridge, p->ofport, -1, 0,
					  0);
	}
}

int
bridge_port_add(struct bridge *br, uint32_t ofport, const char *name,
		const uint8_t mac[6])
{
	return ofproto_port_add(br->ofp, ofport, name, mac);
}

void
bridge_port_status_del(struct bridge *br, uint32_t ofport)
{
	ofproto_port_del(br->ofp, ofport);
}

void
bridge_port_status_link(struct bridge *br, uint32_t ofport, bool up)
{
	if (br->ofp != NULL)
		ofproto_port_set_link(br->ofp, ofport, up);
}
