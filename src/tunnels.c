/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's side of tunnels: the configuration's tunnel-endpoints and
 * tunnel ports into the tunnel registry (src/slowpath/tnl.h), and the
 * registry's table published to the PMDs.
 *
 * - A tunnel port (type vxlan / geneve) is a port without a device: it
 *   has an ofport on its bridge and a slot in the registry;
 *   tunnel_port_activate() / tunnel_port_del() add and remove it.
 * - tunnels_sync() (after the ports are activated, at start and after a
 *   reload) sets each bridge's endpoint from its configuration and the
 *   underlay port's device (datapath index, MAC, MTU), drops endpoints no
 *   longer configured, publishes the table and revalidates the megaflows.
 *
 * Thread safety: the config thread (start-up, reload, control socket).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "slowpath/tnl.h"

int
tunnel_port_activate(struct pmdswitch *sw, struct switch_port *p,
		     const struct cfg_port *cp)
{
	const struct cfg_tunnel *t = &cp->tunnel;
	struct tnl_port_conf c;
	int idx;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%.15s", cp->name);
	c.ofport = cp->ofport;
	c.type = cp->kind == CFG_PORT_VXLAN ? TNL_TYPE_VXLAN : TNL_TYPE_GENEVE;
	c.remote_flow = t->remote_flow;
	c.remote_ip = t->remote_ip;
	c.local_ip = t->local_ip;
	c.key_flow = t->key_flow;
	c.key = t->key;
	c.dst_port = t->dst_port;
	c.ttl = t->ttl;
	c.tos = t->tos;
	c.df = t->df;
	idx = tnl_port_add(p->bridge, &c);
	if (idx < 0)
		return idx;
	p->tnl_index = idx;
	slowpath_port_set_tunnel(sw->sp, p->bridge, p->ofport, idx);
	return tnl_publish(sw->qs);
}

void
tunnel_port_del(struct pmdswitch *sw, struct switch_port *p)
{
	tnl_port_del(p->tnl_index);
	tnl_publish(sw->qs);
}

static int
endpoint_conf(struct pmdswitch *sw, const struct cfg_tunnel_endpoint *ce,
	      unsigned b, struct tnl_endpoint_conf *c)
{
	const struct switch_port *up = port_find(sw, ce->port);

	if (up == NULL || up->bridge != b || !cfg_port_has_device(up->kind))
		return -ENOENT;
	memset(c, 0, sizeof(*c));
	c->dp_port = up->dp_port;
	snprintf(c->port_name, sizeof(c->port_name), "%.15s", up->name);
	memcpy(c->mac, up->dev.mac, 6);
	c->mtu = up->dev.mtu ? up->dev.mtu : 1500;
	c->routes.ip = ce->ip;
	c->routes.plen = ce->plen;
	c->routes.gateway = ce->gateway;
	for (size_t i = 0; i < ce->n_neighbours && i < 64; i++) {
		c->statics[i].ip = ce->neighbours[i].ip;
		memcpy(c->statics[i].mac, ce->neighbours[i].mac, 6);
		c->n_static = (unsigned)i + 1;
	}
	for (size_t i = 0; i < ce->n_routes && i < TNL_ROUTES_MAX; i++) {
		c->routes.r[i].prefix = ce->routes[i].prefix;
		c->routes.r[i].plen = ce->routes[i].plen;
		c->routes.r[i].via = ce->routes[i].via;
		c->routes.n = (unsigned)i + 1;
	}
	return 0;
}

void
tunnels_sync(struct pmdswitch *sw)
{
	for (unsigned b = 0; b < PMDSWITCH_MAX_BRIDGES; b++) {
		const struct cfg_tunnel_endpoint *ce =
			b < sw->cfg.n_bridges &&
			sw->bridges[b].in_use ?
			&sw->cfg.bridges[b].tunnel_endpoint : NULL;
		struct tnl_endpoint_conf c;
		char ip[INET_ADDRSTRLEN];

		if (ce == NULL || ce->port == NULL ||
		    endpoint_conf(sw, ce, b, &c) < 0) {
			tnl_endpoint_del(b);
			continue;
		}
		if (tnl_endpoint_set(b, &c) < 0) {
			LOG_WARNING("bridge %s: no room for its tunnel endpoint",
				    sw->bridges[b].name);
			continue;
		}
		inet_ntop(AF_INET, &c.routes.ip, ip, sizeof(ip));
		LOG_NOTICE("bridge %s: tunnel endpoint %s/%u on port %s",
			   sw->bridges[b].name, ip, c.routes.plen,
			   c.port_name);
	}
	tnl_publish(sw->qs);
	slowpath_revalidate(sw->sp);
}
