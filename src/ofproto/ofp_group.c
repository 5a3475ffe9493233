/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_group.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_actions.h"
#include "ofp_limits.h"
#include "ofp_wire.h"

#define BUCKET_HDR_LEN 16
#define NS_PER_SEC 1000000000ull

void
ofp_group_table_init(struct ofp_group_table *gt)
{
	memset(gt, 0, sizeof(*gt));
}

static void
buckets_free(struct ofp_bucket *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].actions);
		b[i].actions = NULL;
	}
}

static void
group_free(struct ofp_group *g)
{
	buckets_free(g->buckets, g->n_buckets);
	free(g->buckets);
	free(g);
}

void
ofp_group_table_destroy(struct ofp_group_table *gt)
{
	ofp_limit_give(OFP_LIMIT_GROUPS, gt->n);
	for (size_t i = 0; i < gt->n; i++)
		group_free(gt->groups[i]);
	free(gt->groups);
	memset(gt, 0, sizeof(*gt));
}

/* Index of id, or where it would go. */
static size_t
group_pos(const struct ofp_group_table *gt, uint32_t id)
{
	size_t lo = 0, hi = gt->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (gt->groups[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ofp_group *
ofp_group_find(const struct ofp_group_table *gt, uint32_t id)
{
	size_t i = group_pos(gt, id);

	return i < gt->n && gt->groups[i]->id == id ? gt->groups[i] : NULL;
}

void
ofp_group_mod_free(struct ofp_group_mod *gm)
{
	buckets_free(gm->buckets, gm->n_buckets);
	gm->n_buckets = 0;
}

static enum ofperr
decode_bucket(const uint8_t *p, size_t blen, uint8_t type,
	      struct ofp_bucket *b)
{
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	size_t n;

	memset(b, 0, sizeof(*b));
	b->weight = ofp_rd16(p + 2);
	b->watch_port = ofp_rd32(p + 4);
	b->watch_group = ofp_rd32(p + 8);
	if (type != OFPGT_SELECT && b->weight != 0)
		return OFPERR_GROUP_MOD_BAD_BUCKET;
	if (type == OFPGT_FF) {
		if (b->watch_port == OFPP13_ANY && b->watch_group == OFPG_ANY)
			return OFPERR_GROUP_MOD_BAD_WATCH;
		if (b->watch_port != OFPP13_ANY &&
		    (b->watch_port == 0 || b->watch_port > OFPP13_MAX))
			return OFPERR_GROUP_MOD_BAD_WATCH;
		if (b->watch_group != OFPG_ANY && b->watch_group > OFPG_MAX)
			return OFPERR_GROUP_MOD_BAD_WATCH;
	}
	enum ofperr err = ofp_actions_decode(p + BUCKET_HDR_LEN,
					     blen - BUCKET_HDR_LEN, acts,
					     OFPROTO_MAX_ACTIONS, &n, false);
	if (err)
		return err;
	b->n_actions = n;
	b->actions = malloc((n ? n : 1) * sizeof(*acts));
	if (b->actions == NULL)
		return OFPERR_GROUP_MOD_OUT_OF_BUCKETS;
	memcpy(b->actions, acts, n * sizeof(*acts));
	return OFPERR_OK;
}

enum ofperr
ofp_group_mod_decode(const void *msg, size_t len, struct ofp_group_mod *gm)
{
	const struct ofp13_group_mod *w = msg;
	const uint8_t *p = msg;

	gm->n_buckets = 0;
	if (len < sizeof(*w))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	gm->command = ntohs(w->command);
	gm->type = w->type;
	gm->group_id = ntohl(w->group_id);
	if (gm->command > OFPGC_DELETE)
		return OFPERR_GROUP_MOD_BAD_COMMAND;
	if (gm->command == OFPGC_DELETE) {
		if (gm->group_id > OFPG_MAX && gm->group_id != OFPG_ALL)
			return OFPERR_GROUP_MOD_INVALID_GROUP;
		return OFPERR_OK;
	}
	if (gm->group_id > OFPG_MAX)
		return OFPERR_GROUP_MOD_INVALID_GROUP;
	if (gm->type > OFPGT_FF)
		return OFPERR_GROUP_MOD_BAD_TYPE;
	p += sizeof(*w);
	len -= sizeof(*w);
	while (len > 0) {
		if (len < BUCKET_HDR_LEN) {
			ofp_group_mod_free(gm);
			return OFPERR_GROUP_MOD_BAD_BUCKET;
		}
		size_t blen = ofp_rd16(p);
		if (blen < BUCKET_HDR_LEN || blen > len || blen % 8) {
			ofp_group_mod_free(gm);
			return OFPERR_GROUP_MOD_BAD_BUCKET;
		}
		if (gm->n_buckets == OFP_GROUP_MAX_BUCKETS) {
			ofp_group_mod_free(gm);
			return OFPERR_GROUP_MOD_OUT_OF_BUCKETS;
		}
		enum ofperr err = decode_bucket(p, blen, gm->type,
						&gm->buckets[gm->n_buckets]);
		if (err) {
			ofp_group_mod_free(gm);
			return err;
		}
		gm->n_buckets++;
		p += blen;
		len -= blen;
	}
	if (gm->type == OFPGT_INDIRECT && gm->n_buckets != 1) {
		ofp_group_mod_free(gm);
		return OFPERR_GROUP_MOD_BAD_BUCKET;
	}
	return OFPERR_OK;
}

static void
put_bucket(const struct ofp_bucket *bk, struct ofp_buf *b)
{
	size_t start = b->len;
	uint8_t *h = ofp_buf_put_zeros(b, BUCKET_HDR_LEN);
	uint16_t w = htons(bk->weight);
	uint32_t wp = htonl(bk->watch_port), wg = htonl(bk->watch_group);

	memcpy(h + 2, &w, 2);
	memcpy(h + 4, &wp, 4);
	memcpy(h + 8, &wg, 4);
	ofp_actions_encode(bk->actions, bk->n_actions, b);
	uint16_t len = htons((uint16_t)(b->len - start));
	memcpy(b->data + start, &len, 2);
}

void
ofp_group_mod_encode(const struct ofp_group_mod *gm, uint32_t xid,
		     struct ofp_buf *b)
{
	size_t start = ofp_buf_msg_start(b, OFP13_VERSION, OFPT_GROUP_MOD, xid,
					 sizeof(struct ofp13_group_mod));
	struct ofp13_group_mod *w = (void *)(b->data + start);

	w->command = htons(gm->command);
	w->type = gm->type;
	w->group_id = htonl(gm->group_id);
	for (size_t i = 0; i < gm->n_buckets; i++)
		put_bucket(&gm->buckets[i], b);
	ofp_buf_msg_finish(b, start);
}

/* ---- Chaining checks. ----
 *
 * The groups form a DAG (edges: group actions and FF watch groups) whose
 * chains hold at most OFP_GROUP_MAX_DEPTH groups; group_mod keeps it so.
 * Each check is one walk: a group's result is memoised in memo/memo_walk,
 * so every group and edge is visited once per walk and the recursion is
 * at most OFP_GROUP_MAX_DEPTH deep (the guard only protects the stack). */

uint64_t
ofp_group_walk_begin(struct ofp_group_table *gt)
{
	return ++gt->walk;
}

#define CHAIN_TOO_DEEP (OFP_GROUP_MAX_DEPTH + 1)

/* Iterates over the groups bucket bk chains to: its group actions, then
 * its watch group. Start with *k = 0; false past the last. */
static bool
bucket_chain(const struct ofp_bucket *bk, size_t *k, uint32_t *id)
{
	while (*k < bk->n_actions) {
		const struct ofpact *a = &bk->actions[(*k)++];
		if (a->type == OFPACT_GROUP) {
			*id = a->id;
			return true;
		}
	}
	if (*k == bk->n_actions && bk->watch_group != OFPG_ANY) {
		(*k)++;
		*id = bk->watch_group;
		return true;
	}
	return false;
}

static int group_height(struct ofp_group_table *gt, struct ofp_group *g,
			uint64_t walk, int depth);

/* Largest height of the groups the buckets chain to (0: none). */
static int
buckets_height(struct ofp_group_table *gt, const struct ofp_bucket *bk,
	       size_t n, uint64_t walk, int depth)
{
	int h = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		for (size_t k = 0; bucket_chain(&bk[i], &k, &id);) {
			struct ofp_group *c = ofp_group_find(gt, id);
			int ch = c ? group_height(gt, c, walk, depth + 1) : 0;
			if (ch > h)
				h = ch;
		}
	}
	return h;
}

/* Groups in the longest chain that starts at g. */
static int
group_height(struct ofp_group_table *gt, struct ofp_group *g, uint64_t walk,
	     int depth)
{
	if (g->memo_walk == walk)
		return g->memo;
	int h = depth > OFP_GROUP_MAX_DEPTH ? CHAIN_TOO_DEEP :
		1 + buckets_height(gt, g->buckets, g->n_buckets, walk, depth);
	g->memo_walk = walk;
	g->memo = h > CHAIN_TOO_DEEP ? CHAIN_TOO_DEEP : h;
	return g->memo;
}

/* Groups before target in the longest chain from g to target (0: g does
 * not reach target). */
static int
group_dist(struct ofp_group_table *gt, struct ofp_group *g, uint32_t target,
	   uint64_t walk, int depth)
{
	if (g->memo_walk == walk)
		return g->memo;
	int d = 0;

	for (size_t i = 0; i < g->n_buckets && depth <= OFP_GROUP_MAX_DEPTH;
	     i++) {
		uint32_t id;

		for (size_t k = 0; bucket_chain(&g->buckets[i], &k, &id);) {
			int cd = 1;
			if (id != target) {
				struct ofp_group *c = ofp_group_find(gt, id);
				cd = c ? group_dist(gt, c, target, walk,
						    depth + 1) : 0;
				cd = cd ? cd + 1 : 0;
			}
			if (cd > d)
				d = cd;
		}
	}
	if (depth > OFP_GROUP_MAX_DEPTH)
		d = CHAIN_TOO_DEEP;
	g->memo_walk = walk;
	g->memo = d > CHAIN_TOO_DEEP ? CHAIN_TOO_DEEP : d;
	return g->memo;
}

/* Every group a bucket chains to (action or watch) must exist; the new
 * buckets of gm->group_id must not reach it (a loop) and no chain through
 * it may get longer than OFP_GROUP_MAX_DEPTH groups. */
static enum ofperr
check_chains(struct ofp_group_table *gt, const struct ofp_group_mod *gm)
{
	for (size_t i = 0; i < gm->n_buckets; i++) {
		const struct ofp_bucket *bk = &gm->buckets[i];

		for (size_t k = 0; k < bk->n_actions; k++) {
			const struct ofpact *a = &bk->actions[k];
			if (a->type != OFPACT_GROUP)
				continue;
			if (a->id == gm->group_id)
				return OFPERR_GROUP_MOD_LOOP;
			if (ofp_group_find(gt, a->id) == NULL)
				return OFPERR_BAD_ACTION_BAD_OUT_GROUP;
		}
		if (bk->watch_group != OFPG_ANY) {
			if (bk->watch_group == gm->group_id)
				return OFPERR_GROUP_MOD_LOOP;
			if (ofp_group_find(gt, bk->watch_group) == NULL)
				return OFPERR_GROUP_MOD_BAD_WATCH;
		}
	}
	/* Only an existing group can be chained to (a chain names existing
	 * groups, and a chained group cannot be deleted): above is the
	 * longest chain of groups that ends at it. */
	int above = 0;
	if (ofp_group_find(gt, gm->group_id) != NULL) {
		uint64_t walk = ofp_group_walk_begin(gt);

		for (size_t i = 0; i < gt->n; i++) {
			struct ofp_group *g = gt->groups[i];
			if (g->id == gm->group_id)
				continue;
			int d = group_dist(gt, g, gm->group_id, walk, 0);
			if (d > above)
				above = d;
		}
		/* A loop: a group the new buckets chain to reaches it. */
		for (size_t i = 0; i < gm->n_buckets; i++) {
			const struct ofp_bucket *bk = &gm->buckets[i];

			uint32_t id;

			for (size_t k = 0; bucket_chain(bk, &k, &id);) {
				struct ofp_group *c = ofp_group_find(gt, id);
				if (c != NULL && c->memo_walk == walk &&
				    c->memo > 0)
					return OFPERR_GROUP_MOD_LOOP;
			}
		}
	}
	uint64_t walk = ofp_group_walk_begin(gt);
	int height = 1 + buckets_height(gt, gm->buckets, gm->n_buckets, walk,
					0);
	if (above + height > OFP_GROUP_MAX_DEPTH)
		return OFPERR_GROUP_MOD_CHAINING_UNSUPPORTED;
	return OFPERR_OK;
}

/* True when another group's bucket chains to id. */
static bool
is_chained_to(const struct ofp_group_table *gt, uint32_t id)
{
	for (size_t i = 0; i < gt->n; i++) {
		const struct ofp_group *g = gt->groups[i];

		if (g->id == id)
			continue;
		for (size_t b = 0; b < g->n_buckets; b++) {
			uint32_t c;

			for (size_t k = 0; bucket_chain(&g->buckets[b], &k,
							&c);)
				if (c == id)
					return true;
		}
	}
	return false;
}

static void
take_buckets(struct ofp_group *g, struct ofp_group_mod *gm)
{
	memcpy(g->buckets, gm->buckets, gm->n_buckets * sizeof(*g->buckets));
	for (size_t i = 0; i < gm->n_buckets; i++) {
		g->buckets[i].n_packets = g->buckets[i].n_bytes = 0;
		gm->buckets[i].actions = NULL;
	}
	g->n_buckets = gm->n_buckets;
	gm->n_buckets = 0;
}

static enum ofperr
group_add(struct ofp_group_table *gt, struct ofp_group_mod *gm,
	  uint64_t now_ns)
{
	if (ofp_group_find(gt, gm->group_id) != NULL)
		return OFPERR_GROUP_MOD_GROUP_EXISTS;
	if (gt->n >= OFP_GROUP_MAX_GROUPS)
		return OFPERR_GROUP_MOD_OUT_OF_GROUPS;
	enum ofperr err = check_chains(gt, gm);
	if (err)
		return err;
	if (gt->n == gt->cap) {
		size_t cap = gt->cap ? gt->cap * 2 : 16;
		struct ofp_group **g = realloc(gt->groups, cap * sizeof(*g));
		if (g == NULL)
			return OFPERR_GROUP_MOD_OUT_OF_GROUPS;
		gt->groups = g;
		gt->cap = cap;
	}
	/* The process-wide budget (ofp_limits.h). */
	if (!ofp_limit_take(OFP_LIMIT_GROUPS))
		return OFPERR_GROUP_MOD_OUT_OF_GROUPS;
	struct ofp_group *g = calloc(1, sizeof(*g));
	if (g != NULL)
		g->buckets = calloc(OFP_GROUP_MAX_BUCKETS, sizeof(*g->buckets));
	if (g == NULL || g->buckets == NULL) {
		free(g);
		ofp_limit_give(OFP_LIMIT_GROUPS, 1);
		return OFPERR_GROUP_MOD_OUT_OF_GROUPS;
	}
	g->id = gm->group_id;
	g->type = gm->type;
	g->created_ns = now_ns;
	take_buckets(g, gm);
	size_t pos = group_pos(gt, g->id);
	memmove(&gt->groups[pos + 1], &gt->groups[pos],
		(gt->n - pos) * sizeof(*gt->groups));
	gt->groups[pos] = g;
	gt->n++;
	return OFPERR_OK;
}

static enum ofperr
group_modify(struct ofp_group_table *gt, struct ofp_group_mod *gm)
{
	struct ofp_group *g = ofp_group_find(gt, gm->group_id);

	if (g == NULL)
		return OFPERR_GROUP_MOD_UNKNOWN_GROUP;
	enum ofperr err = check_chains(gt, gm);
	if (err)
		return err;
	buckets_free(g->buckets, g->n_buckets);
	g->type = gm->type;
	take_buckets(g, gm);
	return OFPERR_OK;
}

static void
group_remove_at(struct ofp_group_table *gt, size_t i)
{
	group_free(gt->groups[i]);
	ofp_limit_give(OFP_LIMIT_GROUPS, 1);
	memmove(&gt->groups[i], &gt->groups[i + 1],
		(gt->n - i - 1) * sizeof(*gt->groups));
	gt->n--;
}

static enum ofperr
group_delete(struct ofp_group_table *gt, uint32_t id, uint32_t **deleted,
	     size_t *n_deleted)
{
	*deleted = NULL;
	*n_deleted = 0;
	if (id == OFPG_ALL) {
		*deleted = malloc((gt->n ? gt->n : 1) * sizeof(**deleted));
		for (size_t i = 0; *deleted != NULL && i < gt->n; i++)
			(*deleted)[(*n_deleted)++] = gt->groups[i]->id;
		while (gt->n > 0)
			group_remove_at(gt, gt->n - 1);
		return OFPERR_OK;
	}
	size_t i = group_pos(gt, id);
	if (i >= gt->n || gt->groups[i]->id != id)
		return OFPERR_OK;	/* Not an error (section 6.5). */
	if (is_chained_to(gt, id))
		return OFPERR_GROUP_MOD_CHAINED_GROUP;
	*deleted = malloc(sizeof(**deleted));
	if (*deleted != NULL) {
		(*deleted)[0] = id;
		*n_deleted = 1;
	}
	group_remove_at(gt, i);
	return OFPERR_OK;
}

enum ofperr
ofp_group_table_apply(struct ofp_group_table *gt, struct ofp_group_mod *gm,
		      uint64_t now_ns, uint32_t **deleted, size_t *n_deleted)
{
	*deleted = NULL;
	*n_deleted = 0;
	switch (gm->command) {
	case OFPGC_ADD:
		return group_add(gt, gm, now_ns);
	case OFPGC_MODIFY:
		return group_modify(gt, gm);
	case OFPGC_DELETE:
		return group_delete(gt, gm->group_id, deleted, n_deleted);
	default:
		return OFPERR_GROUP_MOD_BAD_COMMAND;
	}
}

void
ofp_group_credit(struct ofp_group_table *gt, uint64_t credit_id,
		 uint64_t packets, uint64_t bytes)
{
	struct ofp_group *g = ofp_group_find(gt, (uint32_t)(credit_id >> 16));
	uint16_t b = (uint16_t)credit_id;

	if (g == NULL)
		return;
	if (b == 0xffff) {
		g->n_packets += packets;
		g->n_bytes += bytes;
	} else if (b < g->n_buckets) {
		g->buckets[b].n_packets += packets;
		g->buckets[b].n_bytes += bytes;
	}
}

/* ---- Multipart bodies. ---- */

/* Index of the first group whose id is at least id (groups are sorted). */
static size_t
first_from(const struct ofp_group_table *gt, uint32_t id)
{
	size_t lo = 0, hi = gt->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (gt->groups[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
ofp_group_put_stats(const struct ofp_group_table *gt, uint32_t id,
		    uint32_t *from, size_t limit, uint64_t now_ns,
		    uint32_t (*ref_count)(void *, uint32_t), void *arg,
		    const struct ofp_mp_room *room, struct ofp_buf *b)
{
	size_t i;

	for (i = first_from(gt, *from); i < gt->n && b->len < limit; i++) {
		const struct ofp_group *g = gt->groups[i];

		*from = g->id + 1;
		if (id != OFPG_ALL && g->id != id)
			continue;
		uint64_t age = now_ns - g->created_ns;
		size_t len = 40 + 16 * g->n_buckets;
		if (room != NULL && room->fn != NULL)
			room->fn(room->arg, len);
		ofp_buf_put_be16(b, (uint16_t)len);
		ofp_buf_put_be16(b, 0);
		ofp_buf_put_be32(b, g->id);
		ofp_buf_put_be32(b, ref_count ? ref_count(arg, g->id) : 0);
		ofp_buf_put_be32(b, 0);
		ofp_buf_put_be32(b, (uint32_t)(g->n_packets >> 32));
		ofp_buf_put_be32(b, (uint32_t)g->n_packets);
		ofp_buf_put_be32(b, (uint32_t)(g->n_bytes >> 32));
		ofp_buf_put_be32(b, (uint32_t)g->n_bytes);
		ofp_buf_put_be32(b, (uint32_t)(age / NS_PER_SEC));
		ofp_buf_put_be32(b, (uint32_t)(age % NS_PER_SEC));
		for (size_t k = 0; k < g->n_buckets; k++) {
			const struct ofp_bucket *bk = &g->buckets[k];
			ofp_buf_put_be32(b, (uint32_t)(bk->n_packets >> 32));
			ofp_buf_put_be32(b, (uint32_t)bk->n_packets);
			ofp_buf_put_be32(b, (uint32_t)(bk->n_bytes >> 32));
			ofp_buf_put_be32(b, (uint32_t)bk->n_bytes);
		}
	}
	return i >= gt->n;
}

bool
ofp_group_put_desc(const struct ofp_group_table *gt, uint32_t *from,
		   size_t limit, const struct ofp_mp_room *room,
		   struct ofp_buf *b)
{
	size_t i;

	for (i = first_from(gt, *from); i < gt->n && b->len < limit; i++) {
		const struct ofp_group *g = gt->groups[i];
		size_t need = 8;

		*from = g->id + 1;
		for (size_t k = 0; k < g->n_buckets; k++)
			need += 16 + 32 * g->buckets[k].n_actions;
		if (room != NULL && room->fn != NULL)
			room->fn(room->arg, need);
		size_t start = b->len;
		uint8_t *h = ofp_buf_put_zeros(b, 8);
		uint32_t id = htonl(g->id);

		h[2] = g->type;
		memcpy(h + 4, &id, 4);
		for (size_t k = 0; k < g->n_buckets; k++)
			put_bucket(&g->buckets[k], b);
		uint16_t len = htons((uint16_t)(b->len - start));
		memcpy(b->data + start, &len, 2);
	}
	return i >= gt->n;
}

void
ofp_group_put_features(struct ofp_buf *b)
{
	/* Capabilities: SELECT_WEIGHT, SELECT_LIVENESS, CHAINING,
	 * CHAINING_CHECKS. Actions: every 1.3 action. */
	uint32_t actions = (1u << OFPAT_OUTPUT) | (1u << OFPAT_COPY_TTL_OUT) |
			   (1u << OFPAT_COPY_TTL_IN) |
			   (1u << OFPAT_SET_MPLS_TTL) |
			   (1u << OFPAT_DEC_MPLS_TTL) |
			   (1u << OFPAT_PUSH_VLAN) | (1u << OFPAT_POP_VLAN) |
			   (1u << OFPAT_PUSH_MPLS) | (1u << OFPAT_POP_MPLS) |
			   (1u << OFPAT_SET_QUEUE) | (1u << OFPAT_GROUP) |
			   (1u << OFPAT_SET_NW_TTL) | (1u << OFPAT_DEC_NW_TTL) |
			   (1u << OFPAT_SET_FIELD) | (1u << OFPAT_PUSH_PBB) |
			   (1u << OFPAT_POP_PBB);

	ofp_buf_put_be32(b, 0xf);	/* types: ALL SELECT INDIRECT FF */
	ofp_buf_put_be32(b, 0xf);
	for (int i = 0; i < 4; i++)
		ofp_buf_put_be32(b, OFP_GROUP_MAX_GROUPS);
	for (int i = 0; i < 4; i++)
		ofp_buf_put_be32(b, actions);
}
