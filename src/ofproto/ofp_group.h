/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_GROUP_H
#define PMDSWITCH_OFP_GROUP_H

/*
 * OpenFlow 1.3 groups (section 5.6): the group table of one ofproto, the
 * OFPT_GROUP_MOD codec and the GROUP / GROUP_DESC / GROUP_FEATURES
 * multipart bodies.
 *
 * Types ALL, SELECT, INDIRECT and FAST_FAILOVER. Buckets may chain to
 * other groups (group actions and FF watch groups) at most
 * OFP_GROUP_MAX_DEPTH groups deep and without loops: a group_mod that would
 * make a chain deeper is refused with OFPGMFC_CHAINING_UNSUPPORTED, one that
 * would close a loop with OFPGMFC_LOOP. The checks are memoised walks
 * (each group is visited once per check, whatever the fan-out), so a
 * group_mod costs time linear in the size of the group table. Each bucket
 * has a credit id (ofp_group_bucket_id()) that the pipeline puts in a
 * lookup result so that datapath counters reach the bucket and its group.
 *
 * Thread safety: none inside; struct ofproto guards its group table with
 * its mutex.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofproto.h"

#define OFP_GROUP_MAX_GROUPS 4096
#define OFP_GROUP_MAX_BUCKETS 32
#define OFP_GROUP_MAX_DEPTH 8

/* OFPGT_* */
enum { OFPGT_ALL = 0, OFPGT_SELECT = 1, OFPGT_INDIRECT = 2,
       OFPGT_FF = 3 };

struct ofp_bucket {
	uint16_t weight;
	uint32_t watch_port;	/* OFPP13_ANY = none. */
	uint32_t watch_group;	/* OFPG_ANY = none. */
	size_t n_actions;
	struct ofpact *actions;	/* malloc'ed. */
	uint64_t n_packets, n_bytes;
};

struct ofp_group {
	uint32_t id;
	uint8_t type;		/* OFPGT_* */
	size_t n_buckets;
	struct ofp_bucket *buckets;	/* malloc'ed. */
	uint64_t n_packets, n_bytes;
	uint64_t created_ns;
	/* Memo of one walk (ofp_group_walk_begin()): the walk's serial and
	 * its value for this group. Written under the ofproto mutex. */
	uint64_t memo_walk;
	int memo;
};

struct ofp_group_table {
	struct ofp_group **groups;	/* Sorted by id. */
	size_t n;
	size_t cap;
	uint64_t walk;		/* Serial of the last memoised walk. */
};

/* A decoded group_mod. */
struct ofp_group_mod {
	uint16_t command;	/* OFPGC_* */
	uint8_t type;
	uint32_t group_id;
	size_t n_buckets;
	struct ofp_bucket buckets[OFP_GROUP_MAX_BUCKETS];	/* actions
								 * malloc'ed */
};

void ofp_group_table_init(struct ofp_group_table *gt);
void ofp_group_table_destroy(struct ofp_group_table *gt);
struct ofp_group *ofp_group_find(const struct ofp_group_table *gt,
				 uint32_t id);

/* Decodes a whole OFPT_GROUP_MOD message. On success the caller owns the
 * bucket action arrays (ofp_group_mod_free()). */
enum ofperr ofp_group_mod_decode(const void *msg, size_t len,
				 struct ofp_group_mod *gm);
void ofp_group_mod_free(struct ofp_group_mod *gm);
/* Encodes a group_mod (tests and tools). */
void ofp_group_mod_encode(const struct ofp_group_mod *gm, uint32_t xid,
			  struct ofp_buf *b);

/* Applies a decoded ADD or MODIFY (takes the buckets' action arrays on
 * success) or DELETE. *deleted receives the ids of deleted groups (for
 * removing the flows that use them; malloc'ed, may be NULL). */
enum ofperr ofp_group_table_apply(struct ofp_group_table *gt,
				  struct ofp_group_mod *gm, uint64_t now_ns,
				  uint32_t **deleted, size_t *n_deleted);

/* Starts a memoised walk over the groups: returns a serial that no group's
 * memo_walk holds yet (a group's memo is valid for the walk when its
 * memo_walk equals it). The pipeline uses it to compute each group's
 * liveness once per lookup. */
uint64_t ofp_group_walk_begin(struct ofp_group_table *gt);

/* Credit ids: bit 63 set, the group id and the bucket index (0xffff:
 * the group itself). */
#define OFP_GROUP_CREDIT_BIT (1ull << 63)
static inline uint64_t
ofp_group_bucket_id(uint32_t group_id, uint16_t bucket)
{
	return OFP_GROUP_CREDIT_BIT | (uint64_t)group_id << 16 | bucket;
}
void ofp_group_credit(struct ofp_group_table *gt, uint64_t credit_id,
		      uint64_t packets, uint64_t bytes);

/* Before each multipart entry of about `need` bytes (a reply may then be
 * split); may be NULL. */
struct ofp_mp_room {
	void (*fn)(void *arg, size_t need);
	void *arg;
};

/* Multipart bodies: GROUP stats for id (OFPG_ALL: all), GROUP_DESC, and
 * GROUP_FEATURES. ref_count(group) gives the flows using a group. Stats
 * and desc go by id from *from on (a cursor: 0 at first, then the id
 * after the last group put) until b->len reaches limit (one entry may
 * pass it); true when no group is left. */
bool ofp_group_put_stats(const struct ofp_group_table *gt, uint32_t id,
			 uint32_t *from, size_t limit, uint64_t now_ns,
			 uint32_t (*ref_count)(void *, uint32_t), void *arg,
			 const struct ofp_mp_room *room, struct ofp_buf *b);
bool ofp_group_put_desc(const struct ofp_group_table *gt, uint32_t *from,
			size_t limit, const struct ofp_mp_room *room,
			struct ofp_buf *b);
void ofp_group_put_features(struct ofp_buf *b);

#endif /* PMDSWITCH_OFP_GROUP_H */
