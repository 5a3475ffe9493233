/* SPDX-License-Identifier: BSD-3-Clause */
/* The rule count of a bundle commit (see ofp_commit_ledger.h). */
#include "ofp_commit_ledger.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_wire.h"
#include "ofproto.h"

/* A rule the bundle added (gone: a later message of it removed it). */
struct ledger_add {
	struct ofp_flow_match match;
	uint64_t cookie;
	uint32_t hash;
	int32_t next;		/* Next add of the same bucket, or -1. */
	int32_t group_next;	/* Next add of the same group, or -1. */
	uint16_t priority;
	uint8_t table_id;
	bool gone;
};

/* The adds of one table, priority and mask (for the OVERLAP check: see
 * ofp_ledger_overlaps()). */
struct ledger_group {
	struct flow_key mask;
	uint32_t tp_hash;	/* Of (table, priority). */
	int32_t first;		/* Its latest add, chained by group_next. */
	int32_t tp_next;	/* Next group of the same bucket, or -1. */
	uint16_t priority;
	uint8_t table_id;
};

struct ofp_ledger {
	struct ledger_add *adds;
	size_t n_adds;
	size_t cap_adds;
	int32_t *heads;		/* Bucket -> first add, -1 = none. */
	size_t n_heads;		/* Power of two, at least 2 x n_adds. */
	const struct ofp_rule **gone;	/* Open addressing, NULL = free. */
	size_t n_gone;
	size_t cap_gone;	/* Power of two, at least 2 x n_gone. */
	uint64_t scans;		/* Non-strict delete comparisons so far. */
	struct ledger_group *groups;
	size_t n_groups;
	size_t cap_groups;
	int32_t *tp_heads;	/* hash(table, priority) -> group, -1. */
	size_t n_tp_heads;	/* Power of two, at least 2 x n_groups. */
};

struct ofp_ledger *
ofp_ledger_create(void)
{
	return calloc(1, sizeof(struct ofp_ledger));
}

void
ofp_ledger_destroy(struct ofp_ledger *l)
{
	if (l == NULL)
		return;
	free(l->adds);
	free(l->heads);
	free(l->gone);
	free(l->groups);
	free(l->tp_heads);
	free(l);
}

/* ---- The tables' rules the bundle removed. ---- */

static size_t
gone_slot(const struct ofp_rule *r, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)r * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static bool
gone_has(const struct ofp_ledger *l, const struct ofp_rule *r)
{
	if (l->cap_gone == 0)
		return false;
	for (size_t i = gone_slot(r, l->cap_gone);; i = (i + 1) &
	     (l->cap_gone - 1)) {
		if (l->gone[i] == NULL)
			return false;
		if (l->gone[i] == r)
			return true;
	}
}

static void
gone_insert(const struct ofp_rule **set, size_t cap, const struct ofp_rule *r)
{
	size_t i = gone_slot(r, cap);

	while (set[i] != NULL)
		i = (i + 1) & (cap - 1);
	set[i] = r;
}

/* Adds r (not in the set yet). */
static int
gone_add(struct ofp_ledger *l, const struct ofp_rule *r)
{
	if (2 * (l->n_gone + 1) > l->cap_gone) {
		size_t cap = l->cap_gone ? 2 * l->cap_gone : 64;
		const struct ofp_rule **set = calloc(cap, sizeof(*set));

		if (set == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < l->cap_gone; i++)
			if (l->gone[i] != NULL)
				gone_insert(set, cap, l->gone[i]);
		free(l->gone);
		l->gone = set;
		l->cap_gone = cap;
	}
	gone_insert(l->gone, l->cap_gone, r);
	l->n_gone++;
	return 0;
}

bool
ofp_ledger_removed(const struct ofp_rule *r, const void *ledger)
{
	return gone_has(ledger, r);
}

/* ---- The bundle's own adds. ---- */

/* An add's hash: the table's hash of (match, priority), mh, and the
 * table. */
static uint32_t
add_hash(uint8_t table_id, uint32_t mh)
{
	return mh ^ ((uint32_t)table_id * 0x9e3779b9u);
}

/* Doubles a chained index (*heads, *n_heads buckets, a power of two;
 * first size first_n) over n items of stride bytes, each with a uint32_t
 * hash at hash_off and an int32_t "next" (-1 = none) at next_off: the
 * chains are rebuilt. */
static int
chains_grow(int32_t **heads, size_t *n_heads, size_t first_n, void *items,
	    size_t n, size_t stride, size_t hash_off, size_t next_off)
{
	size_t nb = *n_heads ? 2 * *n_heads : first_n;
	int32_t *h = malloc(nb * sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nb; i++)
		h[i] = -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t *it = (uint8_t *)items + i * stride;
		uint32_t hash;
		int32_t next;

		memcpy(&hash, it + hash_off, sizeof(hash));
		next = h[hash & (nb - 1)];
		memcpy(it + next_off, &next, sizeof(next));
		h[hash & (nb - 1)] = (int32_t)i;
	}
	free(*heads);
	*heads = h;
	*n_heads = nb;
	return 0;
}

static int
heads_grow(struct ofp_ledger *l)
{
	return chains_grow(&l->heads, &l->n_heads, 64, l->adds, l->n_adds,
			   sizeof(*l->adds), offsetof(struct ledger_add, hash),
			   offsetof(struct ledger_add, next));
}

/* The add of the bundle still there with this table, match and priority
 * (there is at most one: a later identical add replaces it). */
static struct ledger_add *
add_find(const struct ofp_ledger *l, uint8_t table_id,
	 const struct ofp_flow_match *m, uint16_t priority, uint32_t mh)
{
	uint32_t h = add_hash(table_id, mh);

	if (l->n_heads == 0)
		return NULL;
	for (int32_t i = l->heads[h & (l->n_heads - 1)]; i >= 0;
	     i = l->adds[i].next) {
		struct ledger_add *a = &l->adds[i];

		if (!a->gone && a->hash == h && a->table_id == table_id &&
		    a->priority == priority && ofp_match_equal(&a->match, m))
			return a;
	}
	return NULL;
}

/* ---- Groups of adds by table, priority and mask. ---- */

static uint32_t
tp_hash(uint8_t table_id, uint16_t priority)
{
	uint32_t x = ((uint32_t)table_id << 16 | priority) * 0x9e3779b1u;

	return x ^ (x >> 15);
}

static int
tp_heads_grow(struct ofp_ledger *l)
{
	return chains_grow(&l->tp_heads, &l->n_tp_heads, 16, l->groups,
			   l->n_groups, sizeof(*l->groups),
			   offsetof(struct ledger_group, tp_hash),
			   offsetof(struct ledger_group, tp_next));
}

/* The first group of (table, priority)'s bucket (follow tp_next and
 * compare table and priority), or -1. */
static int32_t
tp_first(const struct ofp_ledger *l, uint32_t h)
{
	return l->n_tp_heads ? l->tp_heads[h & (l->n_tp_heads - 1)] : -1;
}

/* The group of fm's table, priority and mask, made if new; -1: out of
 * memory. */
static int32_t
group_of(struct ofp_ledger *l, uint8_t table_id,
	 const struct ofp_flow_mod *fm)
{
	uint32_t h = tp_hash(table_id, fm->priority);
	struct ledger_group *g;

	for (int32_t i = tp_first(l, h); i >= 0; i = l->groups[i].tp_next)
		if (l->groups[i].table_id == table_id &&
		    l->groups[i].priority == fm->priority &&
		    flow_key_equal(&l->groups[i].mask, &fm->match.mask))
			return i;
	if (l->n_groups == l->cap_groups) {
		size_t c = l->cap_groups ? 2 * l->cap_groups : 16;
		struct ledger_group *p = realloc(l->groups, c * sizeof(*p));

		if (p == NULL)
			return -1;
		l->groups = p;
		l->cap_groups = c;
	}
	if (2 * (l->n_groups + 1) > l->n_tp_heads && tp_heads_grow(l) != 0)
		return -1;
	g = &l->groups[l->n_groups];
	g->mask = fm->match.mask;
	g->tp_hash = h;
	g->first = -1;
	g->priority = fm->priority;
	g->table_id = table_id;
	g->tp_next = l->tp_heads[h & (l->n_tp_heads - 1)];
	l->tp_heads[h & (l->n_tp_heads - 1)] = (int32_t)l->n_groups;
	return (int32_t)l->n_groups++;
}

static int
add_append(struct ofp_ledger *l, uint8_t table_id,
	   const struct ofp_flow_mod *fm, uint32_t mh)
{
	int32_t g = group_of(l, table_id, fm);

	struct ledger_add *a;

	if (g < 0)
		return -ENOMEM;
	if (l->n_adds == l->cap_adds) {
		size_t c = l->cap_adds ? 2 * l->cap_adds : 64;
		struct ledger_add *p = realloc(l->adds, c * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		l->adds = p;
		l->cap_adds = c;
	}
	if (2 * (l->n_adds + 1) > l->n_heads && heads_grow(l) != 0)
		return -ENOMEM;
	a = &l->adds[l->n_adds];
	a->match = fm->match;
	a->cookie = fm->cookie;
	a->priority = fm->priority;
	a->table_id = table_id;
	a->gone = false;
	a->hash = add_hash(table_id, mh);
	a->next = l->heads[a->hash & (l->n_heads - 1)];
	l->heads[a->hash & (l->n_heads - 1)] = (int32_t)l->n_adds;
	a->group_next = l->groups[g].first;
	l->groups[g].first = (int32_t)l->n_adds;
	l->n_adds++;
	return 0;
}

int
ofp_ledger_add(struct ofp_ledger *l, const struct ofp_table *t,
	       uint8_t table_id, const struct ofp_flow_mod *fm)
{
	uint32_t mh = ofp_table_match_hash(&fm->match, fm->priority);
	const struct ofp_rule *old =
		ofp_table_find_identical_hashed(t, &fm->match, fm->priority,
						mh);
	struct ledger_add *prev;
	int taken = 1;

	if (old != NULL && !gone_has(l, old)) {
		/* It replaces a rule of the table: the rule's new cookie and
		 * instructions are the add's from now on. */
		if (gone_add(l, old) != 0)
			return -ENOMEM;
		taken = 0;
	} else if ((prev = add_find(l, table_id, &fm->match, fm->priority,
				    mh)) != NULL) {
		prev->gone = true;
		taken = 0;
	}
	if (add_append(l, table_id, fm, mh) != 0)
		return -ENOMEM;
	return taken;
}

long
ofp_ledger_delete(struct ofp_ledger *l, const struct ofp_table *t,
		  uint8_t table_id, const struct ofp_flow_mod *fm)
{
	bool strict = fm->command == OFPFC_DELETE_STRICT;
	struct ofp_rule_filter f;
	struct ofp_rule **sel;
	long freed = 0;
	size_t n;

	ofp_rule_filter_from_flow_mod(&f, fm, strict);
	n = ofp_table_select(t, &f, &sel);
	if (n > 0 && sel == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (gone_has(l, sel[i]))
			continue;
		if (gone_add(l, sel[i]) != 0) {
			free(sel);
			return -ENOMEM;
		}
		freed++;
	}
	free(sel);
	/* The bundle's adds: their instructions are not kept, so an
	 * out_port / out_group filter keeps them. */
	if (f.out_port != OFPP13_ANY || f.out_group != OFPG_ANY)
		return freed;
	if (strict) {
		struct ledger_add *a =
			add_find(l, table_id, &f.match, f.priority,
				 ofp_table_match_hash(&f.match, f.priority));

		if (a != NULL && !((a->cookie ^ f.cookie) & f.cookie_mask)) {
			a->gone = true;
			freed++;
		}
		return freed;
	}
	for (size_t i = 0; i < l->n_adds; i++) {
		struct ledger_add *a = &l->adds[i];

		if (a->gone || a->table_id != table_id)
			continue;
		if (++l->scans > OFP_LEDGER_SCAN_MAX)
			break;
		if (!((a->cookie ^ f.cookie) & f.cookie_mask) &&
		    ofp_match_covers(&f.match, &a->match)) {
			a->gone = true;
			freed++;
		}
	}
	return freed;
}

/* By group of fm's table and priority: where the group's mask is within
 * fm's, an add overlaps exactly when its key equals fm's under that mask,
 * which is the add add_find() gives for that match (one probe); other
 * groups are walked. A bundle of adds of one mask thus costs a probe per
 * add, not a look at every earlier one. */
bool
ofp_ledger_overlaps(const struct ofp_ledger *l, const struct ofp_flow_mod *fm)
{
	uint32_t h = tp_hash(fm->table_id, fm->priority);

	for (int32_t gi = tp_first(l, h); gi >= 0;
	     gi = l->groups[gi].tp_next) {
		const struct ledger_group *g = &l->groups[gi];

		if (g->table_id != fm->table_id || g->priority != fm->priority)
			continue;
		if (flow_key_mask_within(&g->mask, &fm->match.mask)) {
			struct ofp_flow_match m = { .mask = g->mask };
			const struct ledger_add *a;

			flow_key_apply_mask(&m.key, &fm->match.key, &g->mask);
			a = add_find(l, g->table_id, &m, g->priority,
				     ofp_table_match_hash(&m, g->priority));
			if (a != NULL && !ofp_match_equal(&a->match, &fm->match))
				return true;
			continue;
		}
		for (int32_t i = g->first; i >= 0; i = l->adds[i].group_next)
			if (!l->adds[i].gone &&
			    ofp_match_overlaps(&l->adds[i].match, &fm->match))
				return true;
	}
	return false;
}
