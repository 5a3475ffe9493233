/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel configuration: the keys of vxlan / geneve ports and a bridge's
 * tunnel-endpoint (the underlay address, its port, gateway and static
 * routes). config.c reads the common port keys and calls in here for the
 * rest; cfg_check_tunnels() runs once every bridge is loaded.
 *
 * Thread safety: part of a configuration load, one thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define CFG_VXLAN_PORT 4789
#define CFG_GENEVE_PORT 6081
#define CFG_TNL_MAX_VNI 0xffffffu
#define CFG_TNL_MAX_ROUTES 64

static const char *
node_str(const yaml_node_t *node)
{
	return node != NULL && node->type == YAML_SCALAR_NODE ?
	       (const char *)node->data.scalar.value : NULL;
}

/* "A.B.C.D" (plen NULL) or "A.B.C.D/N" (plen given: the /N is
 * optional when plen_required is false, then 32). */
static int
read_ipv4(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	  uint32_t *ip, uint8_t *plen, bool plen_required)
{
	const char *s = node_str(node);
	char buf[32], got[64];
	char *slash;
	uint64_t n = 32;
	struct in_addr a;

	if (s == NULL || strlen(s) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (plen == NULL || !cfg_parse_u64(slash + 1, &n) || n > 32)
			goto bad;
		*slash = '\0';
	} else if (plen != NULL && plen_required) {
		goto bad;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	*ip = a.s_addr;
	if (plen != NULL)
		*plen = (uint8_t)n;
	return 0;
bad:
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path, "expected an IPv4 address%s, "
			    "got %s", plen == NULL ? " such as \"192.0.2.1\"" :
			    plen_required ? " with a prefix length such as "
			    "\"192.0.2.1/24\"" : " or prefix such as "
			    "\"10.0.0.0/8\"", got);
}

static bool
is_flow(const yaml_node_t *node)
{
	const char *s = node_str(node);

	return s != NULL && strcmp(s, "flow") == 0;
}

static uint32_t
plen_mask(uint8_t plen)
{
	return plen == 0 ? 0 : htonl(~0u << (32 - plen));
}

int
cfg_load_tunnel_port(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		     struct cfg_port *port, yaml_node_t *const *k,
		     yaml_node_t *const *v)
{
	struct cfg_tunnel *t = &port->tunnel;
	char sub[CFG_PATH_MAX];
	uint64_t u;
	int ret;

	memset(t, 0, sizeof(*t));
	t->dst_port = port->kind == CFG_PORT_VXLAN ? CFG_VXLAN_PORT :
						     CFG_GENEVE_PORT;
	t->ttl = 64;
	t->df = true;

	cfg_path_key(sub, sizeof(sub), path, "remote-ip");
	if (k[CFG_TNL_REMOTE_IP] == NULL || v[CFG_TNL_REMOTE_IP] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing "
				    "(type %s takes the remote VTEP's IPv4 "
				    "address, or flow)", port->type);
	if (is_flow(v[CFG_TNL_REMOTE_IP])) {
		t->remote_flow = true;
	} else {
		ret = read_ipv4(ctx, v[CFG_TNL_REMOTE_IP], sub, &t->remote_ip,
				NULL, false);
		if (ret < 0)
			return ret;
	}
	if (v[CFG_TNL_LOCAL_IP] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "local-ip");
		ret = read_ipv4(ctx, v[CFG_TNL_LOCAL_IP], sub, &t->local_ip,
				NULL, false);
		if (ret < 0)
			return ret;
	}
	if (v[CFG_TNL_KEY] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "key");
		t->key_mark = cfg_mark_of(v[CFG_TNL_KEY]);
		if (is_flow(v[CFG_TNL_KEY])) {
			t->key_flow = true;
		} else {
			ret = cfg_read_uint(ctx, v[CFG_TNL_KEY], sub, 0,
					    CFG_TNL_MAX_VNI, &u);
			if (ret < 0)
				return ret;
			t->key = (uint32_t)u;
		}
	}
	if (v[CFG_TNL_DST_PORT] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "dst-port");
		ret = cfg_read_uint(ctx, v[CFG_TNL_DST_PORT], sub, 1, 65535,
				    &u);
		if (ret < 0)
			return ret;
		t->dst_port = (uint16_t)u;
	}
	if (v[CFG_TNL_TTL] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "ttl");
		ret = cfg_read_uint(ctx, v[CFG_TNL_TTL], sub, 1, 255, &u);
		if (ret < 0)
			return ret;
		t->ttl = (uint8_t)u;
	}
	if (v[CFG_TNL_TOS] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "tos");
		ret = cfg_read_uint(ctx, v[CFG_TNL_TOS], sub, 0, 255, &u);
		if (ret < 0)
			return ret;
		t->tos = (uint8_t)u;
	}
	if (v[CFG_TNL_DF] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "df");
		ret = cfg_read_bool(ctx, v[CFG_TNL_DF], sub, &t->df);
		if (ret < 0)
			return ret;
	}
	return 0;
}

enum { EP_PORT, EP_IP, EP_GATEWAY, EP_ROUTES, EP_NEIGHBOURS, EP_N };
static const char *const endpoint_keys[] = {"port", "ip", "gateway",
					    "routes", "neighbours", NULL};
enum { NB_IP, NB_MAC, NB_N };
static const char *const neighbour_keys[] = {"ip", "mac", NULL};
#define CFG_TNL_MAX_NEIGHBOURS 64
enum { RT_PREFIX, RT_VIA, RT_N };
static const char *const route_keys[] = {"prefix", "via", NULL};

static int
load_route(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	   struct cfg_tunnel_route *r)
{
	yaml_node_t *k[RT_N], *v[RT_N];
	char sub[CFG_PATH_MAX];
	int ret;

	ret = cfg_map_fields(ctx, node, path, route_keys, k, v);
	if (ret < 0)
		return ret;
	r->mark = cfg_mark_of(node);
	cfg_path_key(sub, sizeof(sub), path, "prefix");
	if (v[RT_PREFIX] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	ret = read_ipv4(ctx, v[RT_PREFIX], sub, &r->prefix, &r->plen, false);
	if (ret < 0)
		return ret;
	if (r->prefix & ~plen_mask(r->plen))
		return cfg_error_at(ctx, v[RT_PREFIX], sub, "host bits are "
				    "set beyond the prefix length /%u",
				    r->plen);
	cfg_path_key(sub, sizeof(sub), path, "via");
	if (v[RT_VIA] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing "
				    "(the gateway's IPv4 address)");
	return read_ipv4(ctx, v[RT_VIA], sub, &r->via, NULL, false);
}

/* {ip: A.B.C.D, mac: "02:00:00:00:00:01"} */
static int
load_neighbour(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	       struct cfg_tunnel_neighbour *nb)
{
	yaml_node_t *k[NB_N], *v[NB_N];
	char sub[CFG_PATH_MAX], got[64], tail;
	const char *s;
	unsigned x[6];
	int ret;

	ret = cfg_map_fields(ctx, node, path, neighbour_keys, k, v);
	if (ret < 0)
		return ret;
	cfg_path_key(sub, sizeof(sub), path, "ip");
	if (v[NB_IP] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	ret = read_ipv4(ctx, v[NB_IP], sub, &nb->ip, NULL, false);
	if (ret < 0)
		return ret;
	cfg_path_key(sub, sizeof(sub), path, "mac");
	if (v[NB_MAC] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	s = node_str(v[NB_MAC]);
	if (s != NULL && strlen(s) == 17 &&
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &x[0], &x[1], &x[2], &x[3],
		   &x[4], &x[5], &tail) == 6 && !(x[0] & 1)) {
		for (int i = 0; i < 6; i++)
			nb->mac[i] = (uint8_t)x[i];
		return 0;
	}
	cfg_describe(v[NB_MAC], got, sizeof(got));
	return cfg_error_at(ctx, v[NB_MAC], sub, "expected a unicast MAC "
			    "address such as \"02:00:00:00:00:01\", got %s",
			    got);
}

int
cfg_load_tunnel_endpoint(struct cfg_ctx *ctx, yaml_node_t *node,
			 const char *path, struct cfg_bridge *br)
{
	struct cfg_tunnel_endpoint *ep = &br->tunnel_endpoint;
	yaml_node_t *k[EP_N], *v[EP_N];
	char sub[CFG_PATH_MAX], sub2[CFG_PATH_MAX];
	yaml_node_item_t *item;
	size_t n, i = 0;
	int ret;

	ret = cfg_map_fields(ctx, node, path, endpoint_keys, k, v);
	if (ret < 0)
		return ret;
	ep->mark = cfg_mark_of(node);
	cfg_path_key(sub, sizeof(sub), path, "port");
	if (v[EP_PORT] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing "
				    "(the dpdk port of the bridge that owns "
				    "the address)");
	ret = cfg_read_string(ctx, v[EP_PORT], sub, &ep->port);
	if (ret < 0)
		return ret;
	ep->port_mark = cfg_mark_of(v[EP_PORT]);
	cfg_path_key(sub, sizeof(sub), path, "ip");
	if (v[EP_IP] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing "
				    "(the endpoint's address and prefix, "
				    "\"192.0.2.1/24\")");
	ret = read_ipv4(ctx, v[EP_IP], sub, &ep->ip, &ep->plen, true);
	if (ret < 0)
		return ret;
	if (ep->plen == 0 || ep->plen > 30 || ep->ip == 0)
		return cfg_error_at(ctx, v[EP_IP], sub, "expected a host "
				    "address with a prefix length from 1 to "
				    "30");
	if (v[EP_GATEWAY] != NULL) {
		cfg_path_key(sub, sizeof(sub), path, "gateway");
		ret = read_ipv4(ctx, v[EP_GATEWAY], sub, &ep->gateway, NULL,
				false);
		if (ret < 0)
			return ret;
		if ((ep->gateway ^ ep->ip) & plen_mask(ep->plen))
			return cfg_error_at(ctx, v[EP_GATEWAY], sub,
					    "the gateway is not in the "
					    "endpoint's subnet");
	}
	if (v[EP_NEIGHBOURS] != NULL) {
		yaml_node_t *seq = v[EP_NEIGHBOURS];

		cfg_path_key(sub, sizeof(sub), path, "neighbours");
		ret = cfg_expect_sequence(ctx, seq, sub);
		if (ret < 0)
			return ret;
		n = (size_t)(seq->data.sequence.items.top -
			     seq->data.sequence.items.start);
		if (n > CFG_TNL_MAX_NEIGHBOURS)
			return cfg_error_at(ctx, seq, sub, "at most %d "
					    "neighbours",
					    CFG_TNL_MAX_NEIGHBOURS);
		ep->neighbours = calloc(n + 1, sizeof(*ep->neighbours));
		if (ep->neighbours == NULL)
			return cfg_error_at(ctx, seq, sub, "out of memory");
		for (item = seq->data.sequence.items.start;
		     item < seq->data.sequence.items.top; item++, i++) {
			ep->n_neighbours = i + 1;
			cfg_path_index(sub2, sizeof(sub2), sub, i);
			ret = load_neighbour(ctx, cfg_node(ctx, *item), sub2,
					     &ep->neighbours[i]);
			if (ret < 0)
				return ret;
		}
		i = 0;
	}
	if (v[EP_ROUTES] == NULL)
		return 0;
	cfg_path_key(sub, sizeof(sub), path, "routes");
	ret = cfg_expect_sequence(ctx, v[EP_ROUTES], sub);
	if (ret < 0)
		return ret;
	n = (size_t)(v[EP_ROUTES]->data.sequence.items.top -
		     v[EP_ROUTES]->data.sequence.items.start);
	if (n > CFG_TNL_MAX_ROUTES)
		return cfg_error_at(ctx, v[EP_ROUTES], sub, "at most %d routes",
				    CFG_TNL_MAX_ROUTES);
	ep->routes = calloc(n + 1, sizeof(*ep->routes));
	if (ep->routes == NULL)
		return cfg_error_at(ctx, v[EP_ROUTES], sub, "out of memory");
	for (item = v[EP_ROUTES]->data.sequence.items.start;
	     item < v[EP_ROUTES]->data.sequence.items.top; item++, i++) {
		struct cfg_tunnel_route *r = &ep->routes[i];

		ep->n_routes = i + 1;
		cfg_path_index(sub2, sizeof(sub2), sub, i);
		ret = load_route(ctx, cfg_node(ctx, *item), sub2, r);
		if (ret < 0)
			return ret;
		if ((r->via ^ ep->ip) & plen_mask(ep->plen)) {
			char via[CFG_PATH_MAX];

			cfg_path_key(via, sizeof(via), sub2, "via");
			return cfg_error(ctx, r->mark, via, "the gateway is "
					 "not in the endpoint's subnet");
		}
	}
	return 0;
}

static bool
is_tunnel(const struct cfg_port *p)
{
	return p->kind == CFG_PORT_VXLAN || p->kind == CFG_PORT_GENEVE;
}

/* Two tunnel ports that would both take a received packet. */
static bool
tunnels_clash(const struct cfg_port *a, const struct cfg_port *b)
{
	const struct cfg_tunnel *x = &a->tunnel, *y = &b->tunnel;

	return a->kind == b->kind && x->dst_port == y->dst_port &&
	       x->key_flow == y->key_flow &&
	       (x->key_flow || x->key == y->key) &&
	       x->remote_flow == y->remote_flow &&
	       (x->remote_flow || x->remote_ip == y->remote_ip);
}

int
cfg_check_tunnels(struct cfg_ctx *ctx, struct pmdswitch_config *cfg)
{
	char sub[CFG_PATH_MAX], path[32];

	for (size_t b = 0; b < cfg->n_bridges; b++) {
		const struct cfg_bridge *br = &cfg->bridges[b];
		const struct cfg_tunnel_endpoint *ep = &br->tunnel_endpoint;
		bool found = ep->port == NULL;

		snprintf(path, sizeof(path), "bridges[%zu]", b);
		for (size_t p = 0; p < br->n_ports && ep->port != NULL; p++) {
			const struct cfg_port *port = &br->ports[p];

			if (strcmp(port->name, ep->port) != 0)
				continue;
			if (port->kind != CFG_PORT_DPDK) {
				cfg_path_key(sub, sizeof(sub), path,
					     "tunnel-endpoint.port");
				return cfg_error(ctx, ep->port_mark, sub,
						 "port %s is of type %s; the "
						 "endpoint needs a dpdk port",
						 port->name, port->type);
			}
			found = true;
		}
		if (!found) {
			cfg_path_key(sub, sizeof(sub), path,
				     "tunnel-endpoint.port");
			return cfg_error(ctx, ep->port_mark, sub, "no port "
					 "\"%s\" in bridge %s", ep->port,
					 br->name);
		}
		for (size_t p = 0; p < br->n_ports; p++) {
			const struct cfg_port *port = &br->ports[p];

			if (!is_tunnel(port))
				continue;
			snprintf(sub, sizeof(sub), "bridges[%zu].ports[%zu]",
				 b, p);
			if (ep->port == NULL)
				return cfg_error(ctx, port->mark, sub,
						 "tunnel port %s needs a "
						 "tunnel-endpoint in bridge "
						 "%s", port->name, br->name);
			for (size_t q = 0; q < p; q++)
				if (is_tunnel(&br->ports[q]) &&
				    tunnels_clash(port, &br->ports[q]))
					return cfg_error(ctx, port->mark, sub,
							 "tunnel port %s "
							 "receives the same "
							 "packets as %s (line "
							 "%d): type, dst-port, "
							 "key and remote-ip "
							 "are equal",
							 port->name,
							 br->ports[q].name,
							 br->ports[q].mark.line);
		}
	}
	return 0;
}

void
cfg_free_tunnel_endpoint(struct cfg_tunnel_endpoint *ep)
{
	free(ep->port);
	free(ep->routes);
	free(ep->neighbours);
	memset(ep, 0, sizeof(*ep));
}
