/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel registry (see tnl.h): endpoints, tunnel ports, neighbour
 * cache; translation of output to a tunnel port; the datapath table.
 */
#include "tnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include "dataplane/pmd.h"
#include "tnl_neigh.h"

#define ARP_FRAME_LEN 60	/* 42 bytes of ARP, padded. */
#define TNL_RUN_REQUESTS 16

struct tnl_ep {
	bool in_use;
	unsigned bridge;
	struct tnl_endpoint_conf c;
};

struct tnl_port {
	bool in_use;
	unsigned bridge;	/* Its endpoint is the bridge's. */
	struct tnl_port_conf c;
};

static struct {
	pthread_mutex_t lock;
	struct tnl_ep ep[TNL_MAX_ENDPOINTS];
	struct tnl_port ports[TNL_MAX_PORTS];
	struct tnl_neigh_cache neigh;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Monotonic ms (the PMDs' clock, now_ms()). */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *
tnl_type_name(enum tnl_type t)
{
	return t == TNL_TYPE_VXLAN ? "vxlan" :
	       t == TNL_TYPE_GENEVE ? "geneve" : "?";
}

static int
ep_of_bridge(unsigned bridge)
{
	for (int i = 0; i < TNL_MAX_ENDPOINTS; i++)
		if (reg.ep[i].in_use && reg.ep[i].bridge == bridge)
			return i;
	return -1;
}

int
tnl_endpoint_set(unsigned bridge, const struct tnl_endpoint_conf *c)
{
	int i, rc = 0;

	if (c->dp_port >= TNL_MAX_DP_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&reg.lock);
	i = ep_of_bridge(bridge);
	for (int j = 0; i < 0 && j < TNL_MAX_ENDPOINTS; j++)
		if (!reg.ep[j].in_use)
			i = j;
	if (i < 0) {
		rc = -ENOSPC;
	} else {
		if (reg.ep[i].in_use && (reg.ep[i].c.routes.ip !=
					 c->routes.ip ||
					 reg.ep[i].c.dp_port != c->dp_port))
			tnl_neigh_flush(&reg.neigh, (uint8_t)i);
		reg.ep[i].in_use = true;
		reg.ep[i].bridge = bridge;
		reg.ep[i].c = *c;
		/* The configuration's static neighbours, as they are now. */
		for (unsigned k = 0; k < TNL_NEIGH_MAX; k++)
			if (reg.neigh.e[k].ep == i &&
			    reg.neigh.e[k].state == TNL_NEIGH_STATIC)
				reg.neigh.e[k].state = TNL_NEIGH_FREE;
		for (unsigned k = 0; k < c->n_static && k < 64; k++)
			tnl_neigh_set_static(&reg.neigh, (uint8_t)i,
					     c->statics[k].ip,
					     c->statics[k].mac);
	}
	pthread_mutex_unlock(&reg.lock);
	return rc;
}

void
tnl_endpoint_del(unsigned bridge)
{
	int i;

	pthread_mutex_lock(&reg.lock);
	i = ep_of_bridge(bridge);
	if (i >= 0) {
		tnl_neigh_flush(&reg.neigh, (uint8_t)i);
		memset(&reg.ep[i], 0, sizeof(reg.ep[i]));
	}
	pthread_mutex_unlock(&reg.lock);
}

int
tnl_port_add(unsigned bridge, const struct tnl_port_conf *c)
{
	int rc = -ENOSPC;

	pthread_mutex_lock(&reg.lock);
	for (int i = 0; i < TNL_MAX_PORTS; i++) {
		if (reg.ports[i].in_use)
			continue;
		reg.ports[i].in_use = true;
		reg.ports[i].bridge = bridge;
		reg.ports[i].c = *c;
		rc = i;
		break;
	}
	pthread_mutex_unlock(&reg.lock);
	return rc;
}

void
tnl_port_del(int index)
{
	if (index < 0 || index >= TNL_MAX_PORTS)
		return;
	pthread_mutex_lock(&reg.lock);
	memset(&reg.ports[index], 0, sizeof(reg.ports[index]));
	pthread_mutex_unlock(&reg.lock);
}

int
tnl_publish(struct rte_rcu_qsbr *qs)
{
	struct tnl_dp_table *t, *old;
	bool any = false;

	t = rte_zmalloc("tnl_dp_table", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&reg.lock);
	for (unsigned i = 0; i < TNL_MAX_ENDPOINTS; i++) {
		const struct tnl_ep *e = &reg.ep[i];

		if (!e->in_use)
			continue;
		t->ep[i].in_use = true;
		t->ep[i].dp_port = e->c.dp_port;
		t->ep[i].ip = e->c.routes.ip;
		memcpy(t->ep[i].mac, e->c.mac, 6);
		t->ep_of_dp_port[e->c.dp_port] = (uint8_t)(i + 1);
		any = true;
	}
	for (unsigned i = 0; i < TNL_MAX_PORTS; i++) {
		const struct tnl_port *p = &reg.ports[i];
		struct tnl_dp_port *d = &t->ports[i];
		int ep = ep_of_bridge(p->bridge);

		if (!p->in_use || ep < 0)
			continue;
		d->in_use = true;
		d->type = (uint8_t)p->c.type;
		d->endpoint = (uint8_t)ep;
		d->key_flow = p->c.key_flow;
		d->remote_flow = p->c.remote_flow;
		d->udp_dst = htons(p->c.dst_port);
		d->vni = p->c.key;
		d->remote_ip = p->c.remote_ip;
		/* The datapath in_port encoding (xlate.h). */
		d->in_port = (uint32_t)p->bridge << 16 | (p->c.ofport & 0xffff);
		t->n_ports = i + 1;
	}
	pthread_mutex_unlock(&reg.lock);
	if (!any) {
		rte_free(t);
		t = NULL;
	}
	old = __atomic_exchange_n(&tnl_dp_table_current, t, __ATOMIC_ACQ_REL);
	if (old != NULL) {
		if (qs != NULL)
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

bool
tnl_xlate_output(int index, const struct flow_key *key, struct flow_key *mask,
		 struct dp_actions *out)
{
	const struct tnl_port *p;
	const struct tnl_ep *e;
	struct tnl_push push;
	uint32_t remote, vni, next_hop, local;
	uint8_t mac[6];
	int ep;
	bool ok;

	if (index < 0 || index >= TNL_MAX_PORTS)
		return true;
	pthread_mutex_lock(&reg.lock);
	p = &reg.ports[index];
	ep = p->in_use ? ep_of_bridge(p->bridge) : -1;
	if (ep < 0) {
		pthread_mutex_unlock(&reg.lock);
		/* Gone, or no endpoint: no route. */
		return tnl_actions_add_drop(out, TNL_DROP_NO_ROUTE,
					    (uint8_t)index);
	}
	e = &reg.ep[ep];
	if (p->c.remote_flow) {
		remote = key->tun_dst;
		mask->tun_dst = UINT32_MAX;
	} else {
		remote = p->c.remote_ip;
	}
	if (p->c.key_flow) {
		vni = (uint32_t)key->tunnel_id & 0xffffffu;
		mask->tunnel_id = UINT64_MAX;
	} else {
		vni = p->c.key;
	}
	next_hop = tnl_route_next_hop(&e->c.routes, remote);
	if (next_hop == 0) {
		ok = tnl_actions_add_drop(out, TNL_DROP_NO_ROUTE,
					  (uint8_t)index);
	} else if (!tnl_neigh_lookup(&reg.neigh, (uint8_t)ep, next_hop, mac,
				     now_ms())) {
		ok = tnl_actions_add_drop(out, TNL_DROP_NO_ARP,
					  (uint8_t)index);
	} else {
		local = p->c.local_ip ? p->c.local_ip : e->c.routes.ip;
		tnl_push_build(&push, p->c.type, (uint8_t)index, mac, e->c.mac,
			       local, remote, p->c.ttl, p->c.tos, p->c.df,
			       p->c.dst_port, vni, e->c.mtu);
		ok = tnl_actions_add_push(out, &push) &&
		     dp_actions_add(out, DP_ACTION_OUTPUT, 0, e->c.dp_port);
	}
	pthread_mutex_unlock(&reg.lock);
	return ok;
}

bool
tnl_arp_input(unsigned ep, const uint8_t *f, uint32_t len)
{
	uint32_t spa;
	bool changed;

	if (ep >= TNL_MAX_ENDPOINTS || len < 42)
		return false;
	memcpy(&spa, f + 28, 4);
	pthread_mutex_lock(&reg.lock);
	changed = reg.ep[ep].in_use &&
		  tnl_neigh_update(&reg.neigh, (uint8_t)ep, spa, f + 22,
				   now_ms());
	pthread_mutex_unlock(&reg.lock);
	return changed;
}

static void
build_request(uint8_t *f, const struct tnl_ep *e, uint32_t ip)
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0, ARP_FRAME_LEN);
	memset(f, 0xff, 6);
	memcpy(f + 6, e->c.mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, sizeof(hdr));
	memcpy(f + 22, e->c.mac, 6);
	memcpy(f + 28, &e->c.routes.ip, 4);
	memcpy(f + 38, &ip, 4);
}

bool
tnl_run(uint64_t now_ms,
	void (*send)(void *arg, uint32_t dp_port, const uint8_t *frame,
		     uint32_t len),
	void *arg)
{
	struct tnl_neigh_request req[TNL_RUN_REQUESTS];
	uint8_t frames[TNL_RUN_REQUESTS][ARP_FRAME_LEN];
	uint32_t dp_ports[TNL_RUN_REQUESTS];
	unsigned n, k = 0;
	bool changed;

	pthread_mutex_lock(&reg.lock);
	n = tnl_neigh_due(&reg.neigh, now_ms, req, TNL_RUN_REQUESTS,
			  &changed);
	for (unsigned i = 0; i < n; i++) {
		const struct tnl_ep *e = &reg.ep[req[i].ep];

		if (!e->in_use)
			continue;
		build_request(frames[k], e, req[i].ip);
		dp_ports[k++] = e->c.dp_port;
	}
	pthread_mutex_unlock(&reg.lock);
	for (unsigned i = 0; i < k; i++)
		send(arg, dp_ports[i], frames[i], ARP_FRAME_LEN);
	return changed;
}

/* ------------------------------------------------------------ tunnel-show */

static void
ip_str(uint32_t ip, char *buf, size_t len)
{
	inet_ntop(AF_INET, &ip, buf, (socklen_t)len);
}

/* dst = the sum over the PMDs of one block of n_words 64-bit counters,
 * at byte offset off of each PMD's struct pmd. */
static void
sum_pmd_words(struct pmd *const *pmds, unsigned n, size_t off, void *dst,
	      size_t n_words)
{
	uint64_t *d = dst;

	memset(d, 0, n_words * 8);
	for (unsigned k = 0; k < n; k++) {
		const uint64_t *src = (const uint64_t *)(const void *)
				      ((const char *)pmds[k] + off);

		for (size_t w = 0; w < n_words; w++)
			d[w] += __atomic_load_n(&src[w], __ATOMIC_RELAXED);
	}
}

static void
sum_port(struct pmd *const *pmds, unsigned n, unsigned i,
	 struct tnl_pmd_port_stats *s)
{
	sum_pmd_words(pmds, n, offsetof(struct pmd, tnl_stats.port[i]), s,
		      sizeof(*s) / 8);
}

static void
sum_ep(struct pmd *const *pmds, unsigned n, unsigned i,
       struct tnl_pmd_ep_stats *s)
{
	sum_pmd_words(pmds, n, offsetof(struct pmd, tnl_stats.ep[i]), s,
		      sizeof(*s) / 8);
}

static void
show_drops(struct strbuf *out, bool json, const uint64_t *drops)
{
	bool first = true;

	if (json)
		strbuf_printf(out, "\"drops\": {");
	for (unsigned r = 0; r < TNL_DROP_N; r++) {
		if (json)
			strbuf_printf(out, "%s\"%s\": %" PRIu64,
				      first ? "" : ", ",
				      tnl_drop_reason_name(r), drops[r]);
		else if (drops[r])
			strbuf_printf(out, " %s %" PRIu64,
				      tnl_drop_reason_name(r), drops[r]);
		first = false;
	}
	if (json)
		strbuf_printf(out, "}");
}

static void
show_endpoints(struct strbuf *out, bool json, struct pmd *const *pmds,
	       unsigned n_pmds)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	bool first = true;

	if (json)
		strbuf_printf(out, "\"endpoints\": [");
	for (unsigned i = 0; i < TNL_MAX_ENDPOINTS; i++) {
		const struct tnl_ep *e = &reg.ep[i];
		const struct tnl_routes *rt = &e->c.routes;
		struct tnl_pmd_ep_stats st;

		if (!e->in_use)
			continue;
		sum_ep(pmds, n_pmds, i, &st);
		ip_str(rt->ip, a, sizeof(a));
		ip_str(rt->gateway, b, sizeof(b));
		if (json) {
			strbuf_printf(out, "%s{\"bridge\": %u, \"port\": ",
				      first ? "" : ", ", e->bridge);
			strbuf_json_string(out, e->c.port_name);
			strbuf_printf(out, ", \"ip\": \"%s/%u\", \"mac\": "
				      "\"%02x:%02x:%02x:%02x:%02x:%02x\", "
				      "\"mtu\": %u, \"gateway\": %s%s%s, "
				      "\"routes\": [", a, rt->plen,
				      e->c.mac[0], e->c.mac[1], e->c.mac[2],
				      e->c.mac[3], e->c.mac[4], e->c.mac[5],
				      e->c.mtu, rt->gateway ? "\"" : "",
				      rt->gateway ? b : "null",
				      rt->gateway ? "\"" : "");
		} else {
			strbuf_printf(out, "endpoint %s/%u on %s (%02x:%02x:"
				      "%02x:%02x:%02x:%02x, mtu %u), gateway "
				      "%s\n", a, rt->plen, e->c.port_name,
				      e->c.mac[0], e->c.mac[1], e->c.mac[2],
				      e->c.mac[3], e->c.mac[4], e->c.mac[5],
				      e->c.mtu, rt->gateway ? b : "none");
		}
		for (unsigned r = 0; r < rt->n; r++) {
			ip_str(rt->r[r].prefix, a, sizeof(a));
			ip_str(rt->r[r].via, b, sizeof(b));
			if (json)
				strbuf_printf(out, "%s{\"prefix\": \"%s/%u\", "
					      "\"via\": \"%s\"}",
					      r ? ", " : "", a, rt->r[r].plen,
					      b);
			else
				strbuf_printf(out, "  route %s/%u via %s\n",
					      a, rt->r[r].plen, b);
		}
		if (json) {
			strbuf_printf(out, "], \"arp_replied\": %" PRIu64
				      ", \"arp_received\": %" PRIu64 ", ",
				      st.arp_replied, st.arp_up);
			show_drops(out, true, st.drops);
			strbuf_printf(out, "}");
		} else {
			strbuf_printf(out, "  arp requests answered %" PRIu64
				      ", arp replies received %" PRIu64
				      ", drops:", st.arp_replied, st.arp_up);
			show_drops(out, false, st.drops);
			strbuf_printf(out, "\n");
		}
		first = false;
	}
	if (json)
		strbuf_printf(out, "]");
}

static void
show_ports(struct strbuf *out, bool json, struct pmd *const *pmds,
	   unsigned n_pmds)
{
	char a[INET_ADDRSTRLEN], key[16];
	bool first = true;

	if (json)
		strbuf_printf(out, ", \"ports\": [");
	for (unsigned i = 0; i < TNL_MAX_PORTS; i++) {
		const struct tnl_port *p = &reg.ports[i];
		struct tnl_pmd_port_stats st;

		if (!p->in_use)
			continue;
		sum_port(pmds, n_pmds, i, &st);
		if (p->c.remote_flow)
			snprintf(a, sizeof(a), "flow");
		else
			ip_str(p->c.remote_ip, a, sizeof(a));
		if (p->c.key_flow)
			snprintf(key, sizeof(key), "flow");
		else
			snprintf(key, sizeof(key), "%u", p->c.key);
		if (json) {
			strbuf_printf(out, "%s{\"name\": ", first ? "" : ", ");
			strbuf_json_string(out, p->c.name);
			strbuf_printf(out, ", \"bridge\": %u, \"ofport\": %u, "
				      "\"type\": \"%s\", \"remote_ip\": \"%s\", "
				      "\"key\": \"%s\", \"dst_port\": %u, "
				      "\"rx_packets\": %" PRIu64 ", "
				      "\"rx_bytes\": %" PRIu64 ", "
				      "\"tx_packets\": %" PRIu64 ", "
				      "\"tx_bytes\": %" PRIu64 ", ",
				      p->bridge, p->c.ofport,
				      tnl_type_name(p->c.type), a, key,
				      p->c.dst_port, st.rx_packets,
				      st.rx_bytes, st.tx_packets, st.tx_bytes);
			show_drops(out, true, st.drops);
			strbuf_printf(out, "}");
		} else {
			strbuf_printf(out, "port %s: ofport %u, %s, remote %s, "
				      "key %s, dst-port %u, rx %" PRIu64
				      ", tx %" PRIu64 ", drops:", p->c.name,
				      p->c.ofport, tnl_type_name(p->c.type),
				      a, key, p->c.dst_port, st.rx_packets,
				      st.tx_packets);
			show_drops(out, false, st.drops);
			strbuf_printf(out, "\n");
		}
		first = false;
	}
	if (json)
		strbuf_printf(out, "]");
}

static void
show_neigh(struct strbuf *out, bool json)
{
	const struct tnl_neigh_stats *s = &reg.neigh.stats;
	uint64_t now = now_ms();
	char a[INET_ADDRSTRLEN];
	bool first = true;

	if (json)
		strbuf_printf(out, ", \"neighbours\": [");
	for (unsigned i = 0; i < TNL_NEIGH_MAX; i++) {
		const struct tnl_neigh *n = &reg.neigh.e[i];

		if (n->state == TNL_NEIGH_FREE)
			continue;
		ip_str(n->ip, a, sizeof(a));
		if (json)
			strbuf_printf(out, "%s{\"ip\": \"%s\", \"mac\": "
				      "\"%02x:%02x:%02x:%02x:%02x:%02x\", "
				      "\"state\": \"%s\", \"age_ms\": %" PRIu64
				      ", \"endpoint_bridge\": %u}",
				      first ? "" : ", ", a, n->mac[0],
				      n->mac[1], n->mac[2], n->mac[3],
				      n->mac[4], n->mac[5],
				      tnl_neigh_state_name(n->state),
				      now - n->updated_ms,
				      reg.ep[n->ep].bridge);
		else
			strbuf_printf(out, "neighbour %s %02x:%02x:%02x:%02x:"
				      "%02x:%02x %s, age %" PRIu64 " ms\n", a,
				      n->mac[0], n->mac[1], n->mac[2],
				      n->mac[3], n->mac[4], n->mac[5],
				      tnl_neigh_state_name(n->state),
				      now - n->updated_ms);
		first = false;
	}
	if (json)
		strbuf_printf(out, "], \"arp\": {\"requests\": %" PRIu64
			      ", \"replies\": %" PRIu64 ", \"unsolicited\": %"
			      PRIu64 ", \"cache_full\": %" PRIu64
			      ", \"expired\": %" PRIu64 "}", s->requests,
			      s->replies, s->unsolicited, s->full, s->expired);
	else
		strbuf_printf(out, "arp: requests %" PRIu64 ", replies %"
			      PRIu64 ", unsolicited %" PRIu64 ", cache full %"
			      PRIu64 ", expired %" PRIu64 "\n", s->requests,
			      s->replies, s->unsolicited, s->full, s->expired);
}

void
tnl_show(struct strbuf *out, bool json, struct pmd *const *pmds,
	 unsigned n_pmds)
{
	pthread_mutex_lock(&reg.lock);
	if (json)
		strbuf_printf(out, "{");
	show_endpoints(out, json, pmds, n_pmds);
	show_ports(out, json, pmds, n_pmds);
	show_neigh(out, json);
	if (json)
		strbuf_printf(out, "}");
	pthread_mutex_unlock(&reg.lock);
}
