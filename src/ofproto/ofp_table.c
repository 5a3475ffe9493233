/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ofp_limits.h"
#include "ofp_wire.h"

#define NS_PER_SEC 1000000000ull

/* Interned instructions: rules with equal instructions share one copy. */
struct ofp_insts_ref {
	struct ofp_insts_ref *next;
	uint32_t hash;
	uint32_t refs;
	struct ofp_insts insts;
};

/* A distinct priority within a subtable and how many rules have it. */
struct prio_count {
	uint16_t priority;
	uint32_t count;
};

/* The address fields with a prefix trie, by OFP_TABLE_TRIES index. */
static const struct {
	size_t off;
	unsigned width;
} trie_fields[OFP_TABLE_TRIES] = {
	{ offsetof(struct flow_key, nw_src), 32 },
	{ offsetof(struct flow_key, nw_dst), 32 },
	{ offsetof(struct flow_key, ipv6_src), 128 },
	{ offsetof(struct flow_key, ipv6_dst), 128 },
};

static inline const uint8_t *
trie_field(const struct flow_key *k, unsigned f)
{
	return (const uint8_t *)k + trie_fields[f].off;
}

struct ofp_subtable {
	struct flow_key mask;
	uint8_t words[FLOW_KEY_WORDS];	/* Indices of the non-zero words. */
	uint8_t n_words;
	bool has_prefix;		/* Some plen[] > 0. */
	uint8_t plen[OFP_TABLE_TRIES];	/* Prefix length of the mask on a
					 * trie field; 0: none or not a
					 * prefix. */
	size_t n_rules;
	struct ofp_rule **buckets;	/* By st_hash; power of two. */
	size_t n_buckets;
	struct prio_count *prios;	/* Ascending priority. */
	size_t n_prios, prios_cap;
};

uint64_t
ofp_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
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

static size_t
id_hash(uint64_t id, size_t n_buckets)
{
	return (size_t)mix64(id) & (n_buckets - 1);
}

uint32_t
ofp_table_match_hash(const struct ofp_flow_match *m, uint16_t priority)
{
	const flow_word_t *k = flow_key_words(&m->key);
	const flow_word_t *mk = flow_key_words(&m->mask);
	uint64_t h = priority;

	for (size_t i = 0; i < FLOW_KEY_WORDS; i++) {
		h = mix64(h ^ k[i]) + i;
		h = mix64(h ^ mk[i]);
	}
	return (uint32_t)h;
}

/* Hash of key & st->mask, over the mask's non-zero words only. */
static uint32_t
masked_hash(const struct ofp_subtable *st, const struct flow_key *key)
{
	const flow_word_t *k = flow_key_words(key);
	const flow_word_t *m = flow_key_words(&st->mask);
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (uint8_t i = 0; i < st->n_words; i++) {
		uint8_t w = st->words[i];
		h = mix64(h ^ (k[w] & m[w])) + w;
	}
	return (uint32_t)h;
}

int
ofp_table_init(struct ofp_table *t)
{
	memset(t, 0, sizeof(*t));
	t->n_buckets = 64;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	t->n_dup_buckets = 64;
	t->dup_buckets = calloc(t->n_dup_buckets, sizeof(*t->dup_buckets));
	if (t->buckets == NULL || t->dup_buckets == NULL) {
		free(t->buckets);
		free(t->dup_buckets);
		return -ENOMEM;
	}
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++)
		ofp_trie_init(&t->tries[f], trie_fields[f].width);
	t->next_id = 1;
	return 0;
}

/* The bytes of insts that matter: the header and the used actions. */
static uint32_t
insts_hash(const struct ofp_insts *in)
{
	const uint8_t *p = (const uint8_t *)in;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t hdr = offsetof(struct ofp_insts, apply);

	for (size_t i = 0; i < hdr; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	const uint8_t *a = (const uint8_t *)in->apply;
	for (size_t i = 0; i < in->n_apply * sizeof(struct ofpact); i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	const uint8_t *w = (const uint8_t *)in->write;
	for (size_t i = 0; i < in->n_write * sizeof(struct ofpact); i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32);
}

static bool
insts_equal(const struct ofp_insts *a, const struct ofp_insts *b)
{
	return !memcmp(a, b, offsetof(struct ofp_insts, apply)) &&
	       !memcmp(a->apply, b->apply, a->n_apply * sizeof(*a->apply)) &&
	       !memcmp(a->write, b->write, a->n_write * sizeof(*a->write));
}

static int
insts_map_grow(struct ofp_table *t)
{
	size_t n = t->n_ibuckets ? t->n_ibuckets * 2 : 64;
	struct ofp_insts_ref **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ibuckets; i++) {
		struct ofp_insts_ref *r = t->ibuckets[i], *next;

		for (; r != NULL; r = next) {
			next = r->next;
			r->next = b[r->hash & (n - 1)];
			b[r->hash & (n - 1)] = r;
		}
	}
	free(t->ibuckets);
	t->ibuckets = b;
	t->n_ibuckets = n;
	return 0;
}

/* A shared copy of in (NULL when out of memory). */
static const struct ofp_insts *
insts_intern(struct ofp_table *t, const struct ofp_insts *in)
{
	struct ofp_insts norm;

	/* Unused action slots do not count: normalize before comparing. */
	memcpy(&norm, in, offsetof(struct ofp_insts, apply));
	memset(norm.apply, 0, sizeof(norm.apply));
	memset(norm.write, 0, sizeof(norm.write));
	memcpy(norm.apply, in->apply, in->n_apply * sizeof(*in->apply));
	memcpy(norm.write, in->write, in->n_write * sizeof(*in->write));
	uint32_t h = insts_hash(&norm);
	if (t->n_irefs + 1 > t->n_ibuckets && insts_map_grow(t) != 0)
		return NULL;
	for (struct ofp_insts_ref *r = t->ibuckets[h & (t->n_ibuckets - 1)];
	     r != NULL; r = r->next) {
		if (r->hash == h && insts_equal(&r->insts, &norm)) {
			r->refs++;
			return &r->insts;
		}
	}
	if (!ofp_limit_take(OFP_LIMIT_INSTS))
		return NULL;
	struct ofp_insts_ref *r = malloc(sizeof(*r));
	if (r == NULL) {
		ofp_limit_give(OFP_LIMIT_INSTS, 1);
		return NULL;
	}
	r->hash = h;
	r->refs = 1;
	r->insts = norm;
	r->next = t->ibuckets[h & (t->n_ibuckets - 1)];
	t->ibuckets[h & (t->n_ibuckets - 1)] = r;
	t->n_irefs++;
	return &r->insts;
}

static void
insts_release(struct ofp_table *t, const struct ofp_insts *in)
{
	if (in == NULL)
		return;
	struct ofp_insts_ref *ref = (struct ofp_insts_ref *)(void *)
		((char *)(uintptr_t)in - offsetof(struct ofp_insts_ref, insts));
	if (--ref->refs > 0)
		return;
	for (struct ofp_insts_ref **pp =
		     &t->ibuckets[ref->hash & (t->n_ibuckets - 1)];
	     *pp != NULL; pp = &(*pp)->next) {
		if (*pp == ref) {
			*pp = ref->next;
			break;
		}
	}
	t->n_irefs--;
	free(ref);
	ofp_limit_give(OFP_LIMIT_INSTS, 1);
}

static void
subtable_free(struct ofp_subtable *st)
{
	free(st->buckets);
	free(st->prios);
	free(st);
}

void
ofp_table_destroy(struct ofp_table *t)
{
	ofp_limit_give(OFP_LIMIT_RULES, t->n_rules);
	ofp_limit_give(OFP_LIMIT_INSTS, t->n_irefs);
	for (size_t i = 0; i < t->n_rules; i++)
		free(t->rules[i]);
	for (size_t i = 0; i < t->n_ibuckets; i++) {
		struct ofp_insts_ref *r = t->ibuckets[i], *next;

		for (; r != NULL; r = next) {
			next = r->next;
			free(r);
		}
	}
	free(t->ibuckets);
	for (size_t i = 0; i < t->n_subtables; i++)
		subtable_free(t->subtables[i]);
	free(t->subtables);
	free(t->rules);
	free(t->buckets);
	free(t->dup_buckets);
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++)
		ofp_trie_destroy(&t->tries[f]);
	memset(t, 0, sizeof(*t));
}

/* ---- Hash maps (chains through the rules). ---- */

/* A rule's bucket in a map of n buckets (n a power of two). */
typedef size_t rule_bucket_fn(const struct ofp_rule *r, size_t n);

static size_t
id_bucket(const struct ofp_rule *r, size_t n)
{
	return id_hash(r->id, n);
}

static size_t
dup_bucket(const struct ofp_rule *r, size_t n)
{
	return r->dup_hash & (n - 1);
}

static size_t
st_bucket(const struct ofp_rule *r, size_t n)
{
	return r->st_hash & (n - 1);
}

/* Doubles a map whose chains run through the rules' link at next_off
 * (id_next, dup_next or st_next): 0 or -ENOMEM (the map is unchanged). */
static int
chain_map_grow(struct ofp_rule ***buckets, size_t *n_buckets, size_t next_off,
	       rule_bucket_fn *bucket)
{
	size_t n = *n_buckets * 2;
	struct ofp_rule **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < *n_buckets; i++) {
		struct ofp_rule *r = (*buckets)[i], *next;

		for (; r != NULL; r = next) {
			struct ofp_rule **link =
				(struct ofp_rule **)((char *)r + next_off);
			size_t h = bucket(r, n);

			next = *link;
			*link = b[h];
			b[h] = r;
		}
	}
	free(*buckets);
	*buckets = b;
	*n_buckets = n;
	return 0;
}

static void
chain_remove(struct ofp_rule **pp, struct ofp_rule *r, size_t next_off)
{
	while (*pp != NULL) {
		if (*pp == r) {
			*pp = *(struct ofp_rule **)((char *)r + next_off);
			return;
		}
		pp = (struct ofp_rule **)((char *)*pp + next_off);
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
ofp_table_find_identical(const struct ofp_table *t,
			 const struct ofp_flow_match *m, uint16_t priority)
{
	return ofp_table_find_identical_hashed(t, m, priority,
					       ofp_table_match_hash(m,
								    priority));
}

struct ofp_rule *
ofp_table_find_identical_hashed(const struct ofp_table *t,
				const struct ofp_flow_match *m,
				uint16_t priority, uint32_t h)
{
	struct ofp_rule *r = t->dup_buckets[h & (t->n_dup_buckets - 1)];

	for (; r != NULL; r = r->dup_next)
		if (r->dup_hash == h && r->priority == priority &&
		    ofp_match_equal(&r->match, m))
			return r;
	return NULL;
}

/* ---- Subtables. ---- */

static void
subtables_sort(struct ofp_table *t)
{
	/* Insertion sort: few subtables, and usually nearly sorted. */
	for (size_t i = 1; i < t->n_subtables; i++) {
		struct ofp_subtable *st = t->subtables[i];
		uint16_t p = st->prios[st->n_prios - 1].priority;
		size_t j = i;

		while (j > 0) {
			struct ofp_subtable *o = t->subtables[j - 1];
			if (o->prios[o->n_prios - 1].priority >= p)
				break;
			t->subtables[j] = o;
			j--;
		}
		t->subtables[j] = st;
	}
}

static struct ofp_subtable *
subtable_find(struct ofp_table *t, const struct flow_key *mask)
{
	for (size_t i = 0; i < t->n_subtables; i++)
		if (flow_key_equal(&t->subtables[i]->mask, mask))
			return t->subtables[i];
	return NULL;
}

static struct ofp_subtable *
subtable_create(struct ofp_table *t, const struct flow_key *mask)
{
	struct ofp_subtable *st = calloc(1, sizeof(*st));
	const flow_word_t *m = flow_key_words(mask);

	if (st == NULL)
		return NULL;
	if (t->n_subtables == t->subtables_cap) {
		size_t cap = t->subtables_cap ? t->subtables_cap * 2 : 16;
		struct ofp_subtable **s = realloc(t->subtables,
						  cap * sizeof(*s));
		if (s == NULL) {
			free(st);
			return NULL;
		}
		t->subtables = s;
		t->subtables_cap = cap;
	}
	st->mask = *mask;
	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if (m[i])
			st->words[st->n_words++] = (uint8_t)i;
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++) {
		int plen = ofp_trie_mask_plen(trie_field(mask, f),
					      trie_fields[f].width);

		st->plen[f] = plen > 0 ? (uint8_t)plen : 0;
		st->has_prefix |= plen > 0;
	}
	st->n_buckets = 16;
	st->buckets = calloc(st->n_buckets, sizeof(*st->buckets));
	if (st->buckets == NULL) {
		free(st);
		return NULL;
	}
	t->subtables[t->n_subtables++] = st;
	return st;
}

/* The index of the first of st's priorities not below priority. */
static size_t
prio_lower_bound(const struct ofp_subtable *st, uint16_t priority)
{
	size_t lo = 0, hi = st->n_prios;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (st->prios[mid].priority < priority)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
subtable_prio_add(struct ofp_subtable *st, uint16_t priority)
{
	size_t lo = prio_lower_bound(st, priority);

	if (lo < st->n_prios && st->prios[lo].priority == priority) {
		st->prios[lo].count++;
		return 0;
	}
	if (st->n_prios == st->prios_cap) {
		size_t cap = st->prios_cap ? st->prios_cap * 2 : 4;
		struct prio_count *p = realloc(st->prios, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		st->prios = p;
		st->prios_cap = cap;
	}
	memmove(&st->prios[lo + 1], &st->prios[lo],
		(st->n_prios - lo) * sizeof(*st->prios));
	st->prios[lo].priority = priority;
	st->prios[lo].count = 1;
	st->n_prios++;
	return 0;
}

/* Returns true when the maximum priority changed. */
static bool
subtable_prio_remove(struct ofp_subtable *st, uint16_t priority)
{
	size_t lo = prio_lower_bound(st, priority);

	if (lo >= st->n_prios || st->prios[lo].priority != priority)
		return false;
	if (--st->prios[lo].count > 0)
		return false;
	memmove(&st->prios[lo], &st->prios[lo + 1],
		(st->n_prios - lo - 1) * sizeof(*st->prios));
	st->n_prios--;
	return lo == st->n_prios;
}

static void
subtable_destroy_at(struct ofp_table *t, struct ofp_subtable *st)
{
	for (size_t i = 0; i < t->n_subtables; i++) {
		if (t->subtables[i] == st) {
			memmove(&t->subtables[i], &t->subtables[i + 1],
				(t->n_subtables - i - 1) * sizeof(st));
			t->n_subtables--;
			break;
		}
	}
	subtable_free(st);
}

/* ---- Insertion and removal. ---- */

/* Count r's address prefixes in the tries (all or nothing). */
static int
tries_insert(struct ofp_table *t, const struct ofp_subtable *st,
	     const struct ofp_rule *r)
{
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++) {
		if (st->plen[f] == 0)
			continue;
		if (ofp_trie_insert(&t->tries[f], trie_field(&r->match.key, f),
				    st->plen[f]) != 0) {
			while (f-- > 0)
				if (st->plen[f] != 0)
					ofp_trie_remove(&t->tries[f],
						trie_field(&r->match.key, f),
						st->plen[f]);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
tries_remove(struct ofp_table *t, const struct ofp_subtable *st,
	     const struct ofp_rule *r)
{
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++)
		if (st->plen[f] != 0)
			ofp_trie_remove(&t->tries[f],
					trie_field(&r->match.key, f),
					st->plen[f]);
}

static bool
has_timeout(const struct ofp_rule *r)
{
	return r->idle_timeout != 0 || r->hard_timeout != 0;
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
	if (t->n_rules + 1 > t->n_buckets &&
	    chain_map_grow(&t->buckets, &t->n_buckets,
			   offsetof(struct ofp_rule, id_next), id_bucket) != 0)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	if (t->n_rules + 1 > t->n_dup_buckets &&
	    chain_map_grow(&t->dup_buckets, &t->n_dup_buckets,
			   offsetof(struct ofp_rule, dup_next), dup_bucket) != 0)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	struct ofp_subtable *st = subtable_find(t, &r->match.mask);
	if (st == NULL && (st = subtable_create(t, &r->match.mask)) == NULL)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	if ((st->n_rules + 1 > st->n_buckets &&
	     chain_map_grow(&st->buckets, &st->n_buckets,
			    offsetof(struct ofp_rule, st_next), st_bucket) != 0) ||
	    subtable_prio_add(st, r->priority) != 0) {
		if (st->n_rules == 0)
			subtable_destroy_at(t, st);
		return OFPERR_FLOW_MOD_TABLE_FULL;
	}
	if (st->has_prefix && tries_insert(t, st, r) != 0) {
		subtable_prio_remove(st, r->priority);
		if (st->n_rules == 0)
			subtable_destroy_at(t, st);
		return OFPERR_FLOW_MOD_TABLE_FULL;
	}

	r->id = t->next_id++;
	r->index = t->n_rules;
	t->rules[t->n_rules++] = r;
	size_t h = id_hash(r->id, t->n_buckets);
	r->id_next = t->buckets[h];
	t->buckets[h] = r;
	r->dup_hash = ofp_table_match_hash(&r->match, r->priority);
	r->dup_next = t->dup_buckets[r->dup_hash & (t->n_dup_buckets - 1)];
	t->dup_buckets[r->dup_hash & (t->n_dup_buckets - 1)] = r;
	r->st = st;
	r->st_hash = masked_hash(st, &r->match.key);
	r->st_next = st->buckets[r->st_hash & (st->n_buckets - 1)];
	st->buckets[r->st_hash & (st->n_buckets - 1)] = r;
	st->n_rules++;
	subtables_sort(t);
	if (has_timeout(r))
		t->n_timeouts++;
	return OFPERR_OK;
}

/* Unlinks r from every index and frees it. *resort is set when the
 * subtable order may have changed. */
static void
table_remove(struct ofp_table *t, struct ofp_rule *r,
	     enum ofp_rule_removed_reason reason, bool *resort)
{
	struct ofp_subtable *st = r->st;

	if (t->on_remove != NULL)
		t->on_remove(t->on_remove_arg, r, reason);
	chain_remove(&t->buckets[id_hash(r->id, t->n_buckets)], r,
		     offsetof(struct ofp_rule, id_next));
	chain_remove(&t->dup_buckets[r->dup_hash & (t->n_dup_buckets - 1)], r,
		     offsetof(struct ofp_rule, dup_next));
	chain_remove(&st->buckets[r->st_hash & (st->n_buckets - 1)], r,
		     offsetof(struct ofp_rule, st_next));
	if (st->has_prefix)
		tries_remove(t, st, r);
	st->n_rules--;
	if (st->n_rules == 0) {
		subtable_destroy_at(t, st);
	} else if (subtable_prio_remove(st, r->priority)) {
		*resort = true;
	}
	struct ofp_rule *last = t->rules[--t->n_rules];
	t->rules[r->index] = last;
	last->index = r->index;
	if (has_timeout(r))
		t->n_timeouts--;
	insts_release(t, r->insts);
	free(r);
	ofp_limit_give(OFP_LIMIT_RULES, 1);
}

/* ---- Lookup. ---- */

/* True when a prefix trie shows that no rule of st can match key; then
 * only the address bits that show it are added to *consulted. Each trie
 * is walked at most once per lookup (walked, tm). */
static bool
trie_rules_out(const struct ofp_table *t, const struct ofp_subtable *st,
	       const struct flow_key *key, struct ofp_trie_match *tm,
	       unsigned *walked, struct flow_key *consulted)
{
	for (unsigned f = 0; f < OFP_TABLE_TRIES; f++) {
		unsigned plen = st->plen[f], need;

		if (plen == 0)
			continue;
		if (!(*walked & (1u << f))) {
			ofp_trie_lookup(&t->tries[f], trie_field(key, f),
					&tm[f]);
			*walked |= 1u << f;
		}
		if (ofp_trie_match_has(&tm[f], plen))
			continue;
		need = tm[f].checked < plen ? tm[f].checked : plen;
		ofp_trie_mask_set((uint8_t *)consulted + trie_fields[f].off,
				  need);
		return true;
	}
	return false;
}

struct ofp_rule *
ofp_table_lookup(struct ofp_table *t, const struct flow_key *key,
		 struct flow_key *consulted, uint64_t now_ns)
{
	struct ofp_trie_match tm[OFP_TABLE_TRIES];
	unsigned walked = 0;
	struct ofp_rule *best = NULL;

	if (now_ns != 0)	/* 0: a probe, no side effects. */
		t->lookup_count++;
	for (size_t i = 0; i < t->n_subtables; i++) {
		struct ofp_subtable *st = t->subtables[i];
		uint16_t max = st->prios[st->n_prios - 1].priority;

		if (best != NULL && max < best->priority)
			break;
		uint32_t h = masked_hash(st, key);
		bool hit = false;

		for (struct ofp_rule *r = st->buckets[h & (st->n_buckets - 1)];
		     r != NULL; r = r->st_next) {
			if (r->st_hash != h ||
			    !flow_key_masked_equal(key, &st->mask,
						   &r->match.key))
				continue;
			hit = true;
			if (best == NULL || r->priority > best->priority ||
			    (r->priority == best->priority && r->id < best->id))
				best = r;
		}
		/* A miss may need fewer bits than the whole mask: ask the
		 * tries (after the probe, so hits never pay for a walk). */
		if (!hit && st->has_prefix &&
		    trie_rules_out(t, st, key, tm, &walked, consulted))
			continue;
		flow_key_or(consulted, &st->mask);
	}
	if (best != NULL && now_ns != 0) {
		t->matched_count++;
		best->used_ns = now_ns;
	}
	return best;
}

/* ---- Filters. ---- */

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
	if (!ofp_insts_uses_group(r->insts, f->out_group))
		return false;
	return ofp_insts_outputs_to(r->insts, f->out_port);
}

size_t
ofp_table_select(const struct ofp_table *t, const struct ofp_rule_filter *f,
		 struct ofp_rule ***out)
{
	size_t n = 0;

	*out = NULL;
	if (f->strict) {
		struct ofp_rule *r = ofp_table_find_identical(t, &f->match,
							      f->priority);
		if (r == NULL || !ofp_rule_filter_match(f, r))
			return 0;
		*out = malloc(sizeof(**out));
		if (*out == NULL)
			return 0;
		(*out)[0] = r;
		return 1;
	}
	*out = malloc((t->n_rules ? t->n_rules : 1) * sizeof(**out));
	if (*out == NULL)
		return 0;
	for (size_t i = 0; i < t->n_rules; i++)
		if (ofp_rule_filter_match(f, t->rules[i]))
			(*out)[n++] = t->rules[i];
	return n;
}

/* True when the subtable has rules of this priority. */
static bool
subtable_has_priority(const struct ofp_subtable *st, uint16_t priority)
{
	size_t lo = prio_lower_bound(st, priority);

	return lo < st->n_prios && st->prios[lo].priority == priority;
}

/* A rule of fm's priority whose match overlaps fm's, by subtable: where
 * the subtable's mask is within fm's (fm is as or more specific), a rule
 * overlaps exactly when its key equals fm's under the subtable's mask,
 * one hash probe; other subtables are walked. So that an add of many
 * rules of one mask (a bundle of them with CHECK_OVERLAP) costs a probe
 * per subtable, not a look at every rule. */
static bool
overlaps_any(const struct ofp_table *t, const struct ofp_flow_mod *fm,
	     bool (*skip)(const struct ofp_rule *r, const void *arg),
	     const void *arg)
{
	for (size_t i = 0; i < t->n_subtables; i++) {
		const struct ofp_subtable *st = t->subtables[i];

		if (!subtable_has_priority(st, fm->priority))
			continue;
		if (flow_key_mask_within(&st->mask, &fm->match.mask)) {
			uint32_t h = masked_hash(st, &fm->match.key);

			for (const struct ofp_rule *r =
			     st->buckets[h & (st->n_buckets - 1)];
			     r != NULL; r = r->st_next)
				if (r->priority == fm->priority &&
				    r->st_hash == h &&
				    flow_key_masked_equal(&fm->match.key,
							  &st->mask,
							  &r->match.key) &&
				    (skip == NULL || !skip(r, arg)))
					return true;
			continue;
		}
		for (size_t b = 0; b < st->n_buckets; b++)
			for (const struct ofp_rule *r = st->buckets[b];
			     r != NULL; r = r->st_next)
				if (r->priority == fm->priority &&
				    ofp_match_overlaps(&r->match,
						       &fm->match) &&
				    (skip == NULL || !skip(r, arg)))
					return true;
	}
	return false;
}

bool
ofp_table_add_overlaps(const struct ofp_table *t,
		       const struct ofp_flow_mod *fm)
{
	return ofp_table_add_overlaps_except(t, fm, NULL, NULL);
}

bool
ofp_table_add_overlaps_except(const struct ofp_table *t,
			      const struct ofp_flow_mod *fm,
			      bool (*skip)(const struct ofp_rule *r,
					   const void *arg),
			      const void *arg)
{
	const struct ofp_rule *same;

	if (!(fm->flags & OFPFF_CHECK_OVERLAP))
		return false;
	same = ofp_table_find_identical(t, &fm->match, fm->priority);
	if (same != NULL && (skip == NULL || !skip(same, arg)))
		return false;	/* It replaces that rule. */
	return overlaps_any(t, fm, skip, arg);
}

/* Fails only when out of memory (the rule is then unchanged). */
static int
rule_set_from_fm(struct ofp_table *t, struct ofp_rule *r,
		 const struct ofp_flow_mod *fm, uint64_t now_ns)
{
	const struct ofp_insts *in = insts_intern(t, &fm->insts);

	if (in == NULL)
		return -ENOMEM;
	insts_release(t, r->insts);
	r->insts = in;
	r->match = fm->match;
	r->cookie = fm->cookie;
	r->priority = fm->priority;
	r->idle_timeout = fm->idle_timeout;
	r->hard_timeout = fm->hard_timeout;
	r->flags = fm->flags;
	r->created_ns = now_ns;
	r->used_ns = now_ns;
	return 0;
}

static enum ofperr
flow_mod_add(struct ofp_table *t, const struct ofp_flow_mod *fm,
	     uint64_t now_ns)
{
	struct ofp_rule *old = ofp_table_find_identical(t, &fm->match,
							fm->priority);

	if (old != NULL) {
		/* Replace: keep the id and, without RESET_COUNTS, counters. */
		uint64_t np = old->n_packets, nb = old->n_bytes;
		bool had = has_timeout(old);

		if (rule_set_from_fm(t, old, fm, now_ns) != 0)
			return OFPERR_FLOW_MOD_TABLE_FULL;
		if (fm->flags & OFPFF_RESET_COUNTS)
			np = nb = 0;
		old->n_packets = np;
		old->n_bytes = nb;
		t->n_timeouts += (size_t)has_timeout(old) - (size_t)had;
		return OFPERR_OK;
	}
	if ((fm->flags & OFPFF_CHECK_OVERLAP) && overlaps_any(t, fm, NULL, NULL))
		return OFPERR_FLOW_MOD_OVERLAP;

	struct ofp_rule *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return OFPERR_FLOW_MOD_TABLE_FULL;
	if (rule_set_from_fm(t, r, fm, now_ns) != 0) {
		free(r);
		return OFPERR_FLOW_MOD_TABLE_FULL;
	}
	/* The process-wide budget (ofp_limits.h), then this table's. */
	bool taken = ofp_limit_take(OFP_LIMIT_RULES);
	enum ofperr err = taken ? table_insert(t, r) :
				  OFPERR_FLOW_MOD_TABLE_FULL;
	if (err) {
		if (taken)
			ofp_limit_give(OFP_LIMIT_RULES, 1);
		insts_release(t, r->insts);
		free(r);
	}
	return err;
}

static size_t
flow_mod_modify(struct ofp_table *t, const struct ofp_flow_mod *fm,
		bool strict)
{
	struct ofp_rule_filter f;
	struct ofp_rule **sel;

	ofp_rule_filter_from_flow_mod(&f, fm, strict);
	f.out_port = OFPP13_ANY;	/* Modify ignores out_port/out_group. */
	f.out_group = OFPG_ANY;
	size_t n = ofp_table_select(t, &f, &sel);
	for (size_t i = 0; i < n; i++) {
		const struct ofp_insts *in = insts_intern(t, &fm->insts);
		if (in == NULL)
			continue;
		insts_release(t, sel[i]->insts);
		sel[i]->insts = in;
		if (fm->flags & OFPFF_RESET_COUNTS)
			sel[i]->n_packets = sel[i]->n_bytes = 0;
	}
	free(sel);
	return n;
}

static size_t
flow_mod_delete(struct ofp_table *t, const struct ofp_flow_mod *fm,
		bool strict)
{
	struct ofp_rule_filter f;
	struct ofp_rule **sel;
	bool resort = false;

	ofp_rule_filter_from_flow_mod(&f, fm, strict);
	size_t n = ofp_table_select(t, &f, &sel);
	for (size_t i = 0; i < n; i++)
		table_remove(t, sel[i], OFP_RULE_REMOVED_DELETE, &resort);
	free(sel);
	if (resort)
		subtables_sort(t);
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
		if (!*changed && fm->modify_may_add) {
			err = flow_mod_add(t, fm, now_ns);
			*changed = err == OFPERR_OK;
		}
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
ofp_table_delete_if(struct ofp_table *t,
		    bool (*pred)(const struct ofp_rule *r, void *arg),
		    void *arg, enum ofp_rule_removed_reason reason)
{
	size_t n = 0;
	bool resort = false;

	for (size_t i = 0; i < t->n_rules;) {
		if (pred(t->rules[i], arg)) {
			table_remove(t, t->rules[i], reason, &resort);
			n++;
		} else {
			i++;
		}
	}
	if (resort)
		subtables_sort(t);
	return n;
}

size_t
ofp_table_expire(struct ofp_table *t, uint64_t now_ns)
{
	size_t n = 0;
	bool resort = false;

	if (t->n_timeouts == 0)
		return 0;
	for (size_t i = 0; i < t->n_rules;) {
		struct ofp_rule *r = t->rules[i];
		bool hard = r->hard_timeout &&
			    now_ns - r->created_ns >=
				    r->hard_timeout * NS_PER_SEC;
		bool idle = r->idle_timeout &&
			    now_ns - r->used_ns >= r->idle_timeout * NS_PER_SEC;

		if (hard || idle) {
			/* The last rule moves into slot i: look at it next. */
			table_remove(t, r, hard ? OFP_RULE_REMOVED_HARD :
					   OFP_RULE_REMOVED_IDLE, &resort);
			n++;
		} else {
			i++;
		}
	}
	if (resort)
		subtables_sort(t);
	return n;
}

static int
rule_order(const void *a, const void *b)
{
	const struct ofp_rule *x = *(struct ofp_rule *const *)a;
	const struct ofp_rule *y = *(struct ofp_rule *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t
ofp_table_sorted(const struct ofp_table *t, struct ofp_rule ***out)
{
	*out = malloc((t->n_rules ? t->n_rules : 1) * sizeof(**out));
	if (*out == NULL)
		return 0;
	if (t->n_rules == 0)	/* t->rules may be NULL: no memcpy. */
		return 0;
	memcpy(*out, t->rules, t->n_rules * sizeof(**out));
	qsort(*out, t->n_rules, sizeof(**out), rule_order);
	return t->n_rules;
}

size_t
ofp_table_n_subtables(const struct ofp_table *t)
{
	return t->n_subtables;
}
