/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow 1.3 pipeline (section 5): ofproto_lookup() walks the flow
 * tables from table 0 with a working copy of the key (apply-actions
 * rewrite it, WRITE_METADATA sets its metadata, which starts at 0), keeps
 * the action set, follows GOTO_TABLE and executes the action set in the
 * spec's order at the end. Groups are expanded into CLONE blocks, METER
 * instructions become METER actions where they run, and the result's mask
 * holds every bit of the original key that any table or group consulted
 * (conservatively: fields that actions derive from other fields are
 * unwildcarded as a whole).
 *
 * Then, as before the pipeline grew: the MAC-learning decision replaces
 * OUTPUT:NORMAL and port configuration (no-fwd, admin down, no-recv,
 * no-flood) filters outputs.
 *
 * Bounds: at most OFPROTO_N_TABLES table visits, groups chained at most
 * OFP_GROUP_MAX_DEPTH deep and OFPROTO_MAX_ACTIONS resolved actions; past
 * them the packet is dropped and a rate-limited warning logged.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_log.h"
#include "ofproto_priv.h"
#include "ofproto_trace.h"

#define ETH_TYPE_MPLS 0x8847
#define ETH_TYPE_MPLS_MC 0x8848
#define ETH_TYPE_PBB 0x88e7

struct pipe {
	struct ofproto *ofp;
	struct ofproto_lookup_result *res;
	size_t n;		/* Actions emitted. */
	bool overflow;
	uint8_t reason;		/* Packet-in reason of the current rule. */
	/* Packet-in context (ofproto.h): the current rule's table and
	 * cookie, and whether the action set is running. */
	uint8_t table_id;
	bool in_set;
	uint64_t cookie;
	/* The packet, if the caller gave it, and whether a pop made the
	 * working key's packet fields unknown since the last lookup. */
	const struct ofproto_packet *pkt;
	bool stale;
	bool probe;		/* Revalidation of a megaflow's key. */
	uint64_t walk;		/* Group liveness memo (0: none yet). */
	struct ofproto_trace *tr;	/* pmdswitch-ctl trace, or NULL. */
};

/* Trace steps (ofproto_trace.h): text of an action list. */
static void
trace_text(char *dst, size_t len, const struct ofpact *acts, size_t n)
{
	struct strbuf b = STRBUF_INIT;

	ofp_flow_text_format_actions(&b, acts, n);
	snprintf(dst, len, "%s", strbuf_str(&b));
	strbuf_free(&b);
}

static void
trace_table(struct pipe *p, unsigned int t, const struct ofp_rule *r)
{
	struct ofproto_trace_step *s =
		ofproto_trace_add(p->tr, OFPROTO_TRACE_TABLE, p->ofp->name);
	struct strbuf b = STRBUF_INIT;

	if (s == NULL)
		return;
	s->table_id = (uint8_t)t;
	if (r == NULL)
		return;
	s->matched = true;
	s->priority = r->priority;
	s->cookie = r->cookie;
	ofp_flow_text_format_match(&b, &r->match, r->priority);
	snprintf(s->match, sizeof(s->match), "%s", strbuf_str(&b));
	strbuf_clear(&b);
	ofp_flow_text_format_insts(&b, r->insts);
	snprintf(s->actions, sizeof(s->actions), "%s", strbuf_str(&b));
	strbuf_free(&b);
}

static void
trace_group(struct pipe *p, const struct ofp_group *g, uint32_t id, int idx,
	    int depth)
{
	struct ofproto_trace_step *s = ofproto_trace_add(
		p->tr, idx < 0 ? OFPROTO_TRACE_NO_BUCKET : OFPROTO_TRACE_BUCKET,
		p->ofp->name);

	if (s == NULL)
		return;
	s->group_id = id;
	s->group_type = g != NULL ? g->type : 0xff;
	s->depth = (unsigned)depth;
	if (idx >= 0) {
		s->bucket = (uint16_t)idx;
		trace_text(s->actions, sizeof(s->actions),
			   g->buckets[idx].actions, g->buckets[idx].n_actions);
	}
}

static void
emit(struct pipe *p, const struct ofpact *a)
{
	if (p->n >= OFPROTO_MAX_ACTIONS) {
		p->overflow = true;
		return;
	}
	p->res->actions[p->n++] = *a;
}

static void
add_credit(struct pipe *p, uint64_t id)
{
	struct ofproto_lookup_result *res = p->res;

	if (res->n_rules < OFPROTO_MAX_RULE_REFS)
		res->rule_ids[res->n_rules++] = id;
}

static inline uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The fields a SELECT group hashes: L2 addresses and type, VID, L3
 * addresses and protocol, L4 ports. */
static void
select_hash_mask(struct flow_key *m)
{
	memset(m, 0, sizeof(*m));
	memset(m->eth_dst, 0xff, 6);
	memset(m->eth_src, 0xff, 6);
	m->eth_type = 0xffff;
	m->vlan_tci = htons(FLOW_VLAN_VID_MASK | FLOW_VLAN_TCI_PRESENT);
	m->nw_proto = 0xff;
	m->nw_src = m->nw_dst = 0xffffffffu;
	memset(m->ipv6_src, 0xff, 16);
	memset(m->ipv6_dst, 0xff, 16);
	m->tp_src = m->tp_dst = 0xffff;
}

static bool group_live(struct pipe *p, uint32_t id, int depth);

static bool
bucket_live(struct pipe *p, const struct ofp_bucket *b, int depth)
{
	if (b->watch_port != OFPP13_ANY &&
	    !ofproto_port_live_locked(p->ofp, b->watch_port))
		return false;
	if (b->watch_group != OFPG_ANY && !group_live(p, b->watch_group,
						      depth + 1))
		return false;
	return true;
}

/* A group is live when one of its buckets is. Memoised per lookup (the
 * pipe's walk), so that a fan-out of watch groups costs one visit per
 * group. */
static bool
group_live(struct pipe *p, uint32_t id, int depth)
{
	struct ofp_group *g = ofp_group_find(&p->ofp->groups, id);

	if (g == NULL || depth > OFP_GROUP_MAX_DEPTH)
		return false;
	if (p->walk == 0)
		p->walk = ofp_group_walk_begin(&p->ofp->groups);
	if (g->memo_walk == p->walk)
		return g->memo != 0;
	bool live = false;
	for (size_t i = 0; i < g->n_buckets && !live; i++)
		live = bucket_live(p, &g->buckets[i], depth);
	g->memo_walk = p->walk;
	g->memo = live;
	return live;
}

static int
select_bucket(struct pipe *p, const struct ofp_group *g,
	      const struct flow_key *wk, int depth)
{
	struct flow_key hm;
	uint64_t total = 0;

	select_hash_mask(&hm);
	flow_key_or(&p->res->mask, &hm);
	const flow_word_t *k = flow_key_words(wk), *m = flow_key_words(&hm);
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if (m[i])
			h = mix64(h ^ (k[i] & m[i])) + i;
	for (size_t i = 0; i < g->n_buckets; i++)
		if (g->buckets[i].weight &&
		    bucket_live(p, &g->buckets[i], depth))
			total += g->buckets[i].weight;
	if (total == 0)
		return -1;
	uint64_t r = h % total;
	for (size_t i = 0; i < g->n_buckets; i++) {
		const struct ofp_bucket *b = &g->buckets[i];

		if (!b->weight || !bucket_live(p, b, depth))
			continue;
		if (r < b->weight)
			return (int)i;
		r -= b->weight;
	}
	return -1;
}

static void exec_action(struct pipe *p, const struct ofpact *a,
			struct flow_key *wk, int depth);

/* True for the actions that may send the packet to the controller. */
static bool
sends_packet_in(const struct ofpact *a)
{
	return a->type == OFPACT_CONTROLLER ||
	       (a->type == OFPACT_OUTPUT && a->port == OFPP13_CONTROLLER) ||
	       a->type == OFPACT_DEC_NW_TTL || a->type == OFPACT_DEC_MPLS_TTL;
}

/* Stamp the packet-in context on c, an action executed here (see
 * ofproto.h). depth > 0: in a group bucket. The metadata comes from the
 * rules alone (it starts at 0); tunnel_id, tun_src, tun_dst and
 * in_phy_port may come from the packet (a tunnel port's), so a packet-in
 * makes the mask include them. */
static void
pin_stamp(const struct pipe *p, struct ofpact *c, const struct flow_key *wk,
	  int depth)
{
	c->table_id = p->table_id;
	c->cookie = depth == 0 && !p->in_set ? p->cookie :
		    OFPROTO_PIN_NO_COOKIE;
	c->metadata = wk->metadata;
	c->tunnel_id = wk->tunnel_id;
	c->tun_src = wk->tun_src;
	c->tun_dst = wk->tun_dst;
	c->in_phy_port = wk->in_phy_port;
	p->res->mask.tunnel_id = UINT64_MAX;
	p->res->mask.tun_src = UINT32_MAX;
	p->res->mask.tun_dst = UINT32_MAX;
	p->res->mask.in_phy_port = UINT16_MAX;
}

static void
exec_bucket(struct pipe *p, const struct ofp_group *g, size_t idx,
	    const struct flow_key *wk, int depth)
{
	const struct ofp_bucket *b = &g->buckets[idx];
	struct ofpact clone = { .type = OFPACT_CLONE };
	struct flow_key copy = *wk;
	size_t pos = p->n;

	add_credit(p, ofp_group_bucket_id(g->id, (uint16_t)idx));
	if (p->tr != NULL)
		trace_group(p, g, g->id, (int)idx, depth);
	emit(p, &clone);
	for (size_t i = 0; i < b->n_actions && !p->overflow; i++)
		exec_action(p, &b->actions[i], &copy, depth + 1);
	if (!p->overflow)
		p->res->actions[pos].n_nested = (uint16_t)(p->n - pos - 1);
}

static void
exec_group(struct pipe *p, uint32_t id, const struct flow_key *wk, int depth)
{
	const struct ofp_group *g = ofp_group_find(&p->ofp->groups, id);

	size_t taken = p->tr != NULL ? p->tr->n_steps : 0;

	if (depth >= OFP_GROUP_MAX_DEPTH) {
		p->overflow = true;
		return;
	}
	if (g == NULL) {
		if (p->tr != NULL)
			trace_group(p, NULL, id, -1, depth);
		return;
	}
	add_credit(p, ofp_group_bucket_id(g->id, 0xffff));
	switch (g->type) {
	case OFPGT_ALL:
		for (size_t i = 0; i < g->n_buckets && !p->overflow; i++)
			exec_bucket(p, g, i, wk, depth);
		break;
	case OFPGT_INDIRECT:
		if (g->n_buckets > 0)
			exec_bucket(p, g, 0, wk, depth);
		break;
	case OFPGT_SELECT: {
		int i = select_bucket(p, g, wk, depth);
		if (i >= 0)
			exec_bucket(p, g, (size_t)i, wk, depth);
		break;
	}
	case OFPGT_FF:
		for (size_t i = 0; i < g->n_buckets; i++) {
			if (bucket_live(p, &g->buckets[i], depth)) {
				exec_bucket(p, g, i, wk, depth);
				break;
			}
		}
		break;
	default:
		break;
	}
	if (p->tr != NULL && p->tr->n_steps == taken && !p->tr->truncated)
		trace_group(p, g, id, -1, depth);
}

/* For PUSH_PBB / POP_PBB: zeroes every packet field of the working key
 * but the Ethernet addresses (kept when keep_macs); in_port, metadata and
 * tunnel_id are not packet fields and stay. */
static void
pbb_outer_key(struct flow_key *wk, bool keep_macs)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = wk->in_port;
	k.metadata = wk->metadata;
	k.tunnel_id = wk->tunnel_id;
	k.tun_src = wk->tun_src;
	k.tun_dst = wk->tun_dst;
	k.in_phy_port = wk->in_phy_port;
	if (keep_macs) {
		memcpy(k.eth_dst, wk->eth_dst, sizeof(k.eth_dst));
		memcpy(k.eth_src, wk->eth_src, sizeof(k.eth_src));
	}
	*wk = k;
}

/* Executes one action: emits it and updates the working key. */
static void
exec_action(struct pipe *p, const struct ofpact *a, struct flow_key *wk,
	    int depth)
{
	struct flow_key *mask = &p->res->mask;
	struct ofpact c;

	switch (a->type) {
	case OFPACT_GROUP:
		exec_group(p, a->id, wk, depth);
		return;
	case OFPACT_CONTROLLER:
		c = *a;
		c.reason = depth == 0 ? p->reason : OFPR_ACTION;
		pin_stamp(p, &c, wk, depth);
		emit(p, &c);
		return;
	case OFPACT_SET_FIELD:
		ofp_set_field_apply(a, wk);
		break;
	case OFPACT_PUSH_VLAN:
		/* The new tag copies the old outer tag, if any. */
		mask->vlan_tci = 0xffff;
		wk->vlan_tci_inner = wk->vlan_tci;
		if (!(wk->vlan_tci & htons(FLOW_VLAN_TCI_PRESENT)))
			wk->vlan_tci = htons(FLOW_VLAN_TCI_PRESENT);
		break;
	case OFPACT_POP_VLAN:
		mask->vlan_tci = 0xffff;
		mask->vlan_tci_inner = 0xffff;
		wk->vlan_tci = wk->vlan_tci_inner;
		wk->vlan_tci_inner = 0;
		break;
	case OFPACT_PUSH_MPLS:
		mask->eth_type = 0xffff;
		mask->mpls_lse = 0xffffffffu;
		mask->nw_ttl = 0xff;
		/* As dp_packet.c writes it: the IP TTL, 64 without IP. */
		if (wk->eth_type != htons(ETH_TYPE_MPLS) &&
		    wk->eth_type != htons(ETH_TYPE_MPLS_MC))
			wk->mpls_lse = htonl(0x100u |
				(wk->eth_type == htons(0x0800) ||
				 wk->eth_type == htons(0x86dd) ?
				 wk->nw_ttl : 64u));
		else
			wk->mpls_lse &= ~htonl(0x100u);
		wk->eth_type = htons(a->ethertype);
		break;
	case OFPACT_POP_MPLS:
		wk->eth_type = htons(a->ethertype);
		wk->mpls_lse = 0;
		p->stale = true;
		break;
	case OFPACT_SET_MPLS_TTL:
		mask->mpls_lse |= htonl(0xffffff00u);
		wk->mpls_lse = (wk->mpls_lse & ~htonl(0xffu)) | htonl(a->ttl);
		break;
	case OFPACT_PUSH_PBB:
		/* As dp_packet.c writes it: the I-TAG, with I-SID 0, right
		 * after the addresses, which the outer frame keeps; the old
		 * tags and Ethertype move into the customer frame, which
		 * OpenFlow 1.3 does not match. The key becomes what
		 * flow_parse() gives for the new frame; nothing of the old
		 * key is consulted. */
		pbb_outer_key(wk, true);
		wk->eth_type = htons(a->ethertype);
		break;
	case OFPACT_POP_PBB:
		/* dp_packet.c pops the whole backbone header, B-VLAN tags
		 * included. */
		mask->eth_type = 0xffff;
		if (wk->eth_type != htons(ETH_TYPE_PBB))
			break;
		/* flow_parse() stops at the I-TAG, so nothing of the
		 * customer frame is known: as the inner fields after
		 * POP_MPLS, later tables see it all as zero (eth_type and
		 * the addresses too), which the megaflow may rely on since
		 * none of it came from the packet; unless the packet is at
		 * hand (see reparse()). */
		pbb_outer_key(wk, false);
		p->stale = true;
		break;
	default:
		break;
	}
	if (sends_packet_in(a)) {
		c = *a;
		pin_stamp(p, &c, wk, depth);
		emit(p, &c);
		return;
	}
	emit(p, a);
}

/* Before a table looks at a key a pop left partly unknown: the key of the
 * packet itself, with the actions so far applied. The result is then for
 * this packet alone (its mask cannot say which packets share it). */
static void
reparse(struct pipe *p, struct flow_key *wk)
{
	const struct ofproto_packet *pkt = p->pkt;
	struct flow_key k;

	p->stale = false;
	/* A megaflow's key has no packet behind it: whatever this lookup
	 * finds on the zeros, the megaflow cannot stand for the packets. */
	if (p->probe)
		p->res->uncacheable = true;
	if (pkt == NULL || pkt->reparse == NULL ||
	    pkt->reparse(pkt->arg, pkt->data, pkt->len, p->res->actions, p->n,
			 &k) != 0)
		return;
	k.in_port = wk->in_port;
	k.metadata = wk->metadata;
	k.tunnel_id = wk->tunnel_id;
	k.tun_src = wk->tun_src;
	k.tun_dst = wk->tun_dst;
	k.in_phy_port = wk->in_phy_port;
	*wk = k;
	p->res->uncacheable = true;
}

static bool
is_table_miss_rule(const struct ofp_rule *r)
{
	static const struct flow_key zero;

	return r->priority == 0 && flow_key_equal(&r->match.mask, &zero);
}

static void
pipeline_run(struct ofproto *ofp, const struct flow_key *key,
	     const struct ofproto_packet *pkt,
	     struct ofproto_lookup_result *res, uint64_t now,
	     struct ofproto_trace *tr)
{
	struct pipe p = { .ofp = ofp, .res = res, .reason = OFPR_ACTION,
			  .table_id = OFPROTO_PIN_NO_TABLE,
			  .cookie = OFPROTO_PIN_NO_COOKIE, .pkt = pkt,
			  .probe = now == 0, .tr = tr };
	struct ofpact set[OFPROTO_MAX_ACTIONS];
	struct flow_key wk = *key;
	size_t n_set = 0;
	unsigned int t = 0;
	bool miss = false;

	wk.metadata = 0;
	for (unsigned int steps = 0; steps < OFPROTO_N_TABLES; steps++) {
		struct flow_key consulted;

		memset(&consulted, 0, sizeof(consulted));
		if (p.stale)
			reparse(&p, &wk);
		struct ofp_rule *r = ofp_table_lookup(&ofp->tables[t], &wk,
						      &consulted, now);
		flow_key_or(&res->mask, &consulted);
		if (tr != NULL)
			trace_table(&p, t, r);
		if (r == NULL) {
			miss = true;	/* The action set is not executed. */
			add_credit(&p, OFPROTO_TABLE_MISS_ID(t));
			break;
		}
		const struct ofp_insts *in = r->insts;

		add_credit(&p, r->id);
		res->table_id = (uint8_t)t;
		res->cookie = r->cookie;
		p.table_id = (uint8_t)t;
		p.cookie = r->cookie;
		p.reason = is_table_miss_rule(r) ? OFPR_NO_MATCH : OFPR_ACTION;
		res->pin_reason = p.reason;
		if (in->has_meter) {
			struct ofpact m = { .type = OFPACT_METER,
					    .id = in->meter_id };
			emit(&p, &m);
		}
		for (size_t i = 0; i < in->n_apply && !p.overflow; i++)
			exec_action(&p, &in->apply[i], &wk, 0);
		if (in->clear)
			n_set = 0;
		if (in->n_write) {
			struct ofpact w[OFPROTO_MAX_ACTIONS];

			memcpy(w, in->write, in->n_write * sizeof(*w));
			for (size_t i = 0; i < in->n_write; i++)
				if (w[i].type == OFPACT_CONTROLLER)
					w[i].reason = p.reason;
			ofp_action_set_write(set, &n_set, OFPROTO_MAX_ACTIONS,
					     w, in->n_write);
		}
		if (in->has_meta)
			wk.metadata = (wk.metadata & ~in->metadata_mask) |
				      (in->metadata & in->metadata_mask);
		if (!in->has_goto || in->goto_table <= t ||
		    in->goto_table >= OFPROTO_N_TABLES)
			break;
		t = in->goto_table;
	}
	if (!miss) {
		/* Executed after the last table's lookup, by no one rule. */
		p.in_set = true;
		n_set = ofp_action_set_order(set, n_set);
		if (tr != NULL && n_set > 0) {
			struct ofproto_trace_step *s = ofproto_trace_add(
				tr, OFPROTO_TRACE_ACTION_SET, ofp->name);

			if (s != NULL)
				trace_text(s->actions, sizeof(s->actions), set,
					   n_set);
		}
		for (size_t i = 0; i < n_set && !p.overflow; i++) {
			p.reason = set[i].type == OFPACT_CONTROLLER ?
				   set[i].reason : p.reason;
			exec_action(&p, &set[i], &wk, 0);
		}
	}
	if (p.overflow) {
		if (ofp_ratelimit_allow(&ofp->pipe_rl))
			ofp_log(OFP_LOG_WARN, "%s: pipeline over its bounds "
				"(%d actions, group depth %d): packet dropped",
				ofp->name, OFPROTO_MAX_ACTIONS,
				OFP_GROUP_MAX_DEPTH);
		p.n = 0;
	}
	res->n_actions = p.n;
	res->mask.metadata = 0;
	res->mask.in_port = UINT32_MAX;
}

void
ofproto_pipeline_run(struct ofproto *ofp, const struct flow_key *key,
		     const struct ofproto_packet *pkt,
		     struct ofproto_lookup_result *res, uint64_t now)
{
	pipeline_run(ofp, key, pkt, res, now, NULL);
}

size_t
ofproto_pipeline_resolve_actions(struct ofproto *ofp,
				 const struct flow_key *key,
				 const struct ofpact *in, size_t n_in,
				 struct ofpact *out, size_t max)
{
	struct ofproto_lookup_result *res = calloc(1, sizeof(*res));
	struct flow_key wk = *key;
	size_t n = 0;

	if (res == NULL)
		return 0;
	/* A packet-out's own actions: no table, no rule. */
	struct pipe p = { .ofp = ofp, .res = res, .reason = OFPR_ACTION,
			  .table_id = OFPROTO_PIN_NO_TABLE,
			  .cookie = OFPROTO_PIN_NO_COOKIE };
	for (size_t i = 0; i < n_in && !p.overflow; i++)
		exec_action(&p, &in[i], &wk, 0);
	if (!p.overflow) {
		n = p.n < max ? p.n : max;
		memcpy(out, res->actions, n * sizeof(*out));
	}
	free(res);
	return n;
}

/* ---- Rewriting resolved action lists. ---- */

static size_t
map_range(const struct ofpact *in, size_t n, struct ofpact *out, size_t max,
	  size_t *m,
	  size_t (*fn)(const struct ofpact *, struct ofpact *, size_t, void *),
	  void *arg)
{
	size_t i = 0;

	while (i < n) {
		if (in[i].type == OFPACT_CLONE) {
			size_t nested = in[i].n_nested;
			if (nested > n - i - 1)
				nested = n - i - 1;
			if (*m >= max)
				return n;
			size_t pos = (*m)++;
			out[pos] = in[i];
			map_range(in + i + 1, nested, out, max, m, fn, arg);
			out[pos].n_nested = (uint16_t)(*m - pos - 1);
			i += 1 + nested;
			continue;
		}
		*m += fn(&in[i], out + *m, max - *m, arg);
		i++;
	}
	return i;
}

size_t
ofpact_list_map(const struct ofpact *in, size_t n, struct ofpact *out,
		size_t max,
		size_t (*fn)(const struct ofpact *a, struct ofpact *out,
			     size_t room, void *arg),
		void *arg)
{
	size_t m = 0;

	map_range(in, n, out, max, &m, fn, arg);
	return m;
}

/* ---- Port configuration and NORMAL. ---- */

/* Link state does not filter outputs: a port whose link is down refuses
 * packets at the device, and they are counted as that port's tx drops, so
 * the operator sees where they went. Only the port's configuration
 * (admin down, no-fwd) keeps packets from it. */
static bool
port_can_output(const struct ofproto_port *p)
{
	return !(p->config & (OFPPC_PORT_DOWN | OFPPC_NO_FWD));
}

struct port_cfg_arg {
	struct ofproto *ofp;
	uint32_t in_port;
};

static size_t
port_cfg_one(const struct ofpact *a, struct ofpact *out, size_t room,
	     void *arg_)
{
	struct port_cfg_arg *arg = arg_;
	struct ofproto *ofp = arg->ofp;
	size_t m = 0;

	if (room == 0)
		return 0;
	if (a->type != OFPACT_OUTPUT) {
		out[0] = *a;
		return 1;
	}
	if (a->port == OFPP13_FLOOD || a->port == OFPP13_ALL) {
		for (size_t k = 0; k < ofp->n_ports && m < room; k++) {
			const struct ofproto_port *p = &ofp->ports[k];

			if (p->ofport == arg->in_port || !port_can_output(p) ||
			    (a->port == OFPP13_FLOOD &&
			     (p->config & OFPPC_NO_FLOOD)))
				continue;
			out[m] = *a;
			out[m++].port = p->ofport;
		}
		return m;
	}
	uint32_t port = a->port == OFPP13_IN_PORT ? arg->in_port : a->port;
	struct ofproto_port *p = ofproto_port_find_locked(ofp, port);
	if (p != NULL && !port_can_output(p))
		return 0;
	out[0] = *a;
	return 1;
}

/* With the mutex held: applies port configuration to the actions
 * (no-fwd, admin down, no-recv, no-flood). FLOOD and ALL become explicit
 * outputs when some port is restricted. */
static size_t
apply_port_config(struct ofproto *ofp, uint32_t in_port, struct ofpact *acts,
		  size_t n)
{
	struct ofpact out[OFPROTO_MAX_ACTIONS];
	struct port_cfg_arg arg = { ofp, in_port };

	if (!ofp->ports_restricted)
		return n;
	struct ofproto_port *ip = ofproto_port_find_locked(ofp, in_port);
	if (ip != NULL && (ip->config & (OFPPC_PORT_DOWN | OFPPC_NO_RECV)))
		return 0;
	size_t m = ofpact_list_map(acts, n, out, OFPROTO_MAX_ACTIONS,
				   port_cfg_one, &arg);
	memcpy(acts, out, m * sizeof(*out));
	return m;
}

struct normal_arg {
	struct ofproto *ofp;
	const struct flow_key *key;
	struct flow_key *mask;
	uint64_t now;
	bool *mac_changed;
	bool done;
};

static size_t
normal_one(const struct ofpact *a, struct ofpact *out, size_t room,
	   void *arg_)
{
	struct normal_arg *arg = arg_;
	struct ofpact tmp[8];

	if (room == 0)
		return 0;
	if (a->type != OFPACT_OUTPUT || a->port != OFPP13_NORMAL) {
		out[0] = *a;
		return 1;
	}
	if (arg->done)
		return 0;	/* One NORMAL decision per packet. */
	arg->done = true;
	size_t k = ofp_normal_decide(&arg->ofp->macs, arg->key, arg->mask, tmp,
				     arg->now, arg->mac_changed);
	if (k > room)
		k = room;
	memcpy(out, tmp, k * sizeof(*tmp));
	return k;
}

/* With the mutex held: replaces output:NORMAL by the learning decision. */
static size_t
resolve_normal(struct ofproto *ofp, const struct flow_key *key,
	       struct flow_key *mask, struct ofpact *acts, size_t n,
	       uint64_t now, bool *mac_changed)
{
	struct ofpact out[OFPROTO_MAX_ACTIONS];
	struct normal_arg arg = { ofp, key, mask, now, mac_changed, false };

	size_t m = ofpact_list_map(acts, n, out, OFPROTO_MAX_ACTIONS,
				   normal_one, &arg);
	memcpy(acts, out, m * sizeof(*out));
	return m;
}

static bool
has_normal(const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (acts[i].type == OFPACT_OUTPUT &&
		    acts[i].port == OFPP13_NORMAL)
			return true;
	return false;
}

static void
lookup(struct ofproto *ofp, const struct flow_key *key,
       const struct ofproto_packet *pkt, struct ofproto_lookup_result *res,
       bool probe, struct ofproto_trace *tr)
{
	bool mac_changed = false;
	bool *learn = probe ? NULL : &mac_changed;
	uint64_t now = ofp_time_ns();

	memset(&res->mask, 0, sizeof(res->mask));
	res->mask.in_port = UINT32_MAX;
	res->n_actions = 0;
	res->n_rules = 0;
	res->table_id = 0;
	res->cookie = 0;
	res->pin_reason = OFPR_ACTION;
	res->normal = false;
	res->uncacheable = false;

	pthread_mutex_lock(&ofp->mutex);
	if (ofp->fail_mode == OFPROTO_FAIL_STANDALONE &&
	    ofp->n_controllers_up == 0) {
		res->normal = true;
		res->n_actions = ofp_normal_decide(&ofp->macs, key, &res->mask,
						   res->actions, now, learn);
	} else {
		/* Table lookups take 0 as "no side effects". */
		pipeline_run(ofp, key, pkt, res, probe ? 0 : now, tr);
		if (has_normal(res->actions, res->n_actions)) {
			res->normal = true;
			res->n_actions = resolve_normal(ofp, key, &res->mask,
							res->actions,
							res->n_actions, now,
							learn);
		}
	}
	if (tr != NULL && res->normal) {
		struct ofproto_trace_step *s =
			ofproto_trace_add(tr, OFPROTO_TRACE_NORMAL, ofp->name);

		if (s != NULL)
			trace_text(s->actions, sizeof(s->actions),
				   res->actions, res->n_actions);
	}
	res->n_actions = apply_port_config(ofp, key->in_port, res->actions,
					   res->n_actions);
	pthread_mutex_unlock(&ofp->mutex);
	if (mac_changed)
		ofproto_notify_flows_changed(ofp);
}

void
ofproto_lookup(struct ofproto *ofp, const struct flow_key *key,
	       struct ofproto_lookup_result *res)
{
	lookup(ofp, key, NULL, res, false, NULL);
}

void
ofproto_lookup_packet(struct ofproto *ofp, const struct flow_key *key,
		      const struct ofproto_packet *pkt,
		      struct ofproto_lookup_result *res)
{
	lookup(ofp, key, pkt, res, false, NULL);
}

void
ofproto_lookup_probe(struct ofproto *ofp, const struct flow_key *key,
		     struct ofproto_lookup_result *res)
{
	lookup(ofp, key, NULL, res, true, NULL);
}

void
ofproto_lookup_trace(struct ofproto *ofp, const struct flow_key *key,
		     const struct ofproto_packet *pkt,
		     struct ofproto_lookup_result *res,
		     struct ofproto_trace *tr)
{
	lookup(ofp, key, pkt, res, true, tr);
}

size_t
ofproto_packet_out_resolve(struct ofproto *ofp, const struct flow_key *key,
			   const struct ofpact *in, size_t n_in,
			   struct ofpact *out, size_t max,
			   const struct ofproto_packet *pkt)
{
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	struct flow_key mask;
	size_t m = 0;
	bool mac_changed = false;

	/* Groups first (under the lock), then TABLE and NORMAL. */
	pthread_mutex_lock(&ofp->mutex);
	size_t n = ofproto_pipeline_resolve_actions(ofp, key, in, n_in, acts,
						    OFPROTO_MAX_ACTIONS);
	pthread_mutex_unlock(&ofp->mutex);
	for (size_t i = 0; i < n && m < max; i++) {
		if (acts[i].type == OFPACT_OUTPUT &&
		    acts[i].port == OFPP13_TABLE) {
			struct ofproto_lookup_result *res = malloc(sizeof(*res));

			if (res == NULL)
				continue;
			ofproto_lookup_packet(ofp, key, pkt, res);
			for (size_t k = 0; k < res->n_actions && m < max; k++)
				out[m++] = res->actions[k];
			/* No megaflow counts this packet: the rules do now. */
			for (size_t k = 0; k < res->n_rules; k++)
				ofproto_credit_rule(ofp, res->rule_ids[k], 1,
						    pkt != NULL ? pkt->len : 0);
			free(res);
			continue;
		}
		if (acts[i].type == OFPACT_OUTPUT &&
		    acts[i].port == OFPP13_NORMAL) {
			struct ofpact tmp[OFPROTO_MAX_ACTIONS];

			memset(&mask, 0, sizeof(mask));
			pthread_mutex_lock(&ofp->mutex);
			size_t k = ofp_normal_decide(&ofp->macs, key, &mask, tmp,
						     ofp_time_ns(),
						     &mac_changed);
			k = apply_port_config(ofp, key->in_port, tmp, k);
			pthread_mutex_unlock(&ofp->mutex);
			for (size_t j = 0; j < k && m < max; j++)
				out[m++] = tmp[j];
			continue;
		}
		out[m++] = acts[i];
	}
	if (mac_changed)
		ofproto_notify_flows_changed(ofp);
	return m;
}
