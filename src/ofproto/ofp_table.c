/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ofp_wire.h"

#define NS_PER_SEC 1000000000ull

uint64_t
ofp_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static size_t
id_hash(uint64_t id, size_t n_buckets)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id & (n_buckets - 1);
}

int
ofp_table_init(struct ofp_table *t)
{
	memset(t, 0, sizeof(*t));
	t->n_buckets = 64;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (t->buckets == NULL)
		return -ENOMEM;
	t->next_id = 1;
	return 0;
}

void
ofp_table_destroy(struct ofp_table *t)
{
	for (size_t i = 0; i < t->n_rules; i++)
		free(t->rules[i]);
	free(t->rules);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static int
id_map_grow(struct ofp_table *t)
{
	size_t n = t->n_buckets * 2;
	struct ofp_rule **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct ofp_rule *r = t->buckets[i], *next;

		for (; r != NULL; r = next) {
			next = r->id_next;
			size_t h = id_hash(r->id, n);
			r->id_next = b[h];
			b[h] = r;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
	return 0;
}

static void
id_map_insert(struct ofp_table *t, struct ofp_rule *r)
{
	size_t h = id_hash(r->id, t->n_buckets);

	r->id_next = t->buckets[h];
	t->buckets[h] = r;
}

static void
id_map_remove(struct ofp_table *t, struct ofp_rule *r)
{
	struct ofp_rule **pp = &t->buckets[id_hash(r->id, t->n_buckets)];

	for (; *pp != NULL; pp = &(*pp)->id_next) {
		if (*pp == r) {
			*pp = r->id_next;
			return;
		}
	}
}

struct ofp_rule *
ofp_table_find_id(const struct ofp_table *t, uint64_t id)
{
	struct ofp_rule *r = t->buckets[id_hash(id, t->n_buckets)];

	while (r != NULL && r->id != id)
		r = r->id_next;
	return r;
}

struct ofp_rule *
ofp_table_lookup(struct ofp_table *t, const struct flow_key *key,
		 struct flow_key *consulted, uint64_t now_ns)
{
	t->lookup_count++;
	for (size_t i = 0; i < t->n_rules; i++) {
		struct ofp_rule *r = t->rules[i];

		flow_key_or(consulted, &r->match.mask);
		if (flow_key_masked_equal(key, &r->match.mask, &r->match.key)) {
			t->matched_count++;
			r->used_ns = now_ns;
			return r;
		}
	}
	return NULL;
}

/* Index where a new rule of this priority goes: after every rule with a
 * priority >= it. */
static size_t
insert_pos(const struct ofp_table *t, uint16_t priority)
{
	size_t lo = 0, hi = t->n_rules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rules[mid]->priority >= priority)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static enum ofperr
table_insert(struct ofp_table *t, struct ofp_rule *r)
{
	if (t->n_rules >= OFP_TABLE_MAX_RULES)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	if (t->n_rules == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct ofp_rule **rs = realloc(t->rules, cap * sizeof(*rs));

		if (rs == NULL)
			return OFPERR_FLOW_MOD_TABLE_FULL;
		t->rules = rs;
		t->cap = cap;
	}
	if (t->n_rules + 1 > t->n_buckets && id_map_grow(t) != 0)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	size_t pos = insert_pos(t, r->priority);
	memmove(&t->rules[pos + 1], &t->rules[pos],
		(t->n_rules - pos) * sizeof(*t->rules));
	t->rules[pos] = r;
	t->n_rules++;
	r->id = t->next_id++;
	id_map_insert(t, r);
	return OFPERR_OK;
}

void
ofp_rule_filter_from_flow_mod(struct ofp_rule_filter *f,
			      const struct ofp_flow_mod *fm, bool strict)
{
	f->match = fm->match;
	f->strict = strict;
	f->priority = fm->priority;
	f->cookie = fm->cookie;
	f->cookie_mask = fm->cookie_mask;
	f->out_port = fm->out_port;
	f->out_group = fm->out_group;
}

bool
ofp_rule_filter_match(const struct ofp_rule_filter *f,
		      const struct ofp_rule *r)
{
	if ((r->cookie ^ f->cookie) & f->cookie_mask)
		return false;
	if (f->strict) {
		if (r->priority != f->priority ||
		    !ofp_match_equal(&r->match, &f->match))
			return false;
	} else if (!ofp_match_covers(&f->match, &r->match)) {
		return false;
	}
	if (f->out_group != OFPG_ANY)
		return false;	/* No rule outputs to a group. */
	return ofp_insts_outputs_to(&r->insts, f->out_port);
}

static struct ofp_rule *
find_identical(const struct ofp_table *t, const struct ofp_flow_match *m,
	       uint16_t priority)
{
	for (size_t i = 0; i < t->n_rules; i++) {
		struct ofp_rule *r = t->rules[i];

		if (r->priority == priority && ofp_match_equal(&r->match, m))
			return r;
	}
	return NULL;
}

static bool
overlaps_any(const struct ofp_table *t, const struct ofp_flow_mod *fm)
{
	for (size_t i = 0; i < t->n_rules; i++) {
		const struct ofp_rule *r = t->rules[i];

		if (r->priority == fm->priority &&
		    ofp_match_overlaps(&r->match, &fm->match))
			return true;
	}
	return false;
}

static void
rule_set_from_fm(struct ofp_rule *r, const struct ofp_flow_mod *fm,
		 uint64_t now_ns)
{
	r->match = fm->match;
	r->cookie = fm->cookie;
	r->priority = fm->priority;
	r->idle_timeout = fm->idle_timeout;
	r->hard_timeout = fm->hard_timeout;
	r->flags = fm->flags;
	r->created_ns = now_ns;
	r->used_ns = now_ns;
	r->insts = fm->insts;
}

static enum ofperr
flow_mod_add(struct ofp_table *t, const struct ofp_flow_mod *fm,
	     uint64_t now_ns)
{
	struct ofp_rule *old = find_identical(t, &fm->match, fm->priority);

	if (old != NULL) {
		/* Replace: keep the id and, without RESET_COUNTS, counters. */
		uint64_t np = old->n_packets, nb = old->n_bytes;

		rule_set_from_fm(old, fm, now_ns);
		if (fm->flags & OFPFF_RESET_COUNTS)
			np = nb = 0;
		old->n_packets = np;
		old->n_bytes = nb;
		return OFPERR_OK;
	}
	if ((fm->flags & OFPFF_CHECK_OVERLAP) && overlaps_any(t, fm))
		return OFPERR_FLOW_MOD_OVERLAP;

	struct ofp_rule *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	rule_set_from_fm(r, fm, now_ns);
	enum ofperr err = table_insert(t, r);
	if (err)
		free(r);
	return err;
}

static size_t
flow_mod_modify(struct ofp_table *t, const struct ofp_flow_mod *fm,
		bool strict)
{
	struct ofp_rule_filter f;
	size_t n = 0;

	ofp_rule_filter_from_flow_mod(&f, fm, strict);
	f.out_port = OFPP13_ANY;	/* Modify ignores out_port/out_group. */
	f.out_group = OFPG_ANY;
	for (size_t i = 0; i < t->n_rules; i++) {
		struct ofp_rule *r = t->rules[i];

		if (!ofp_rule_filter_match(&f, r))
			continue;
		r->insts = fm->insts;
		if (fm->flags & OFPFF_RESET_COUNTS)
			r->n_packets = r->n_bytes = 0;
		n++;
	}
	return n;
}

static size_t
flow_mod_delete(struct ofp_table *t, const struct ofp_flow_mod *fm,
		bool strict)
{
	struct ofp_rule_filter f;
	size_t kept = 0, n = 0;

	ofp_rule_filter_from_flow_mod(&f, fm, strict);
	for (size_t i = 0; i < t->n_rules; i++) {
		struct ofp_rule *r = t->rules[i];

		if (ofp_rule_filter_match(&f, r)) {
			id_map_remove(t, r);
			free(r);
			n++;
		} else {
			t->rules[kept++] = r;
		}
	}
	t->n_rules = kept;
	return n;
}

enum ofperr
ofp_table_flow_mod(struct ofp_table *t, const struct ofp_flow_mod *fm,
		   uint64_t now_ns, bool *changed)
{
	enum ofperr err = OFPERR_OK;

	*changed = false;
	if (fm->flags & ~OFPFF_ALL)
		return OFPERR_FLOW_MOD_BAD_FLAGS;
	switch (fm->command) {
	case OFPFC_ADD:
		err = flow_mod_add(t, fm, now_ns);
		*changed = err == OFPERR_OK;
		break;
	case OFPFC_MODIFY:
	case OFPFC_MODIFY_STRICT:
		*changed = flow_mod_modify(t, fm,
					   fm->command == OFPFC_MODIFY_STRICT) > 0;
		break;
	case OFPFC_DELETE:
	case OFPFC_DELETE_STRICT:
		*changed = flow_mod_delete(t, fm,
					   fm->command == OFPFC_DELETE_STRICT) > 0;
		break;
	default:
		err = OFPERR_FLOW_MOD_BAD_COMMAND;
		break;
	}
	return err;
}

size_t
ofp_table_expire(struct ofp_table *t, uint64_t now_ns)
{
	size_t kept = 0, n = 0;

	for (size_t i = 0; i < t->n_rules; i++) {
		struct ofp_rule *r = t->rules[i];
		bool hard = r->hard_timeout &&
			    now_ns - r->created_ns >=
				    r->hard_timeout * NS_PER_SEC;
		bool idle = r->idle_timeout &&
			    now_ns - r->used_ns >= r->idle_timeout * NS_PER_SEC;

		if (hard || idle) {
			id_map_remove(t, r);
			free(r);
			n++;
		} else {
			t->rules[kept++] = r;
		}
	}
	t->n_rules = kept;
	return n;
}
