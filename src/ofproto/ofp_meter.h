/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_METER_H
#define PMDSWITCH_OFP_METER_H

/*
 * OpenFlow 1.3 meters (section 5.7), model side: the meter table of one
 * ofproto (configurations only: the datapath enforces them and counts),
 * the OFPT_METER_MOD codec and the METER / METER_CONFIG / METER_FEATURES
 * multipart bodies.
 *
 * Thread safety: none inside; struct ofproto guards its meter table with
 * its mutex.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp_buf.h"
#include "ofp_err.h"
#include "ofproto.h"

#define OFP_METER_DEFAULT_MAX 1024

/* OFPMF_* */
#define OFPMF_KBPS 0x1u
#define OFPMF_PKTPS 0x2u
#define OFPMF_BURST 0x4u
#define OFPMF_STATS 0x8u

struct ofp_meter {
	struct ofproto_meter_config cfg;
	uint64_t created_ns;
};

struct ofp_meter_table {
	struct ofp_meter *meters;	/* Sorted by id. */
	size_t n, cap;
	uint32_t max_meters;
};

struct ofp_meter_mod {
	uint16_t command;	/* OFPMC_* */
	struct ofproto_meter_config cfg;
};

void ofp_meter_table_init(struct ofp_meter_table *mt);
void ofp_meter_table_destroy(struct ofp_meter_table *mt);
struct ofp_meter *ofp_meter_find(const struct ofp_meter_table *mt,
				 uint32_t id);

/* Decodes and validates a whole OFPT_METER_MOD message. */
enum ofperr ofp_meter_mod_decode(const void *msg, size_t len,
				 struct ofp_meter_mod *mm);
void ofp_meter_mod_encode(const struct ofp_meter_mod *mm, uint32_t xid,
			  struct ofp_buf *b);

/* Checks a meter_mod against the table (exists / unknown / room). */
enum ofperr ofp_meter_table_check(const struct ofp_meter_table *mt,
				  const struct ofp_meter_mod *mm);
/* Stores an ADD/MODIFY (after the host accepted it). */
void ofp_meter_table_set(struct ofp_meter_table *mt,
			 const struct ofproto_meter_config *cfg,
			 uint64_t now_ns);
/* Removes one meter (OFPM_ALL: every meter); returns the removed ids
 * (malloc'ed) in *ids. */
size_t ofp_meter_table_del(struct ofp_meter_table *mt, uint32_t id,
			   uint32_t **ids);

/* Index of the first meter whose id is >= from. */
size_t ofp_meter_first_from(const struct ofp_meter_table *mt, uint32_t from);
/* Multipart bodies. room (may be NULL) is called before each entry.
 * METER_CONFIG for id (OFPM_ALL: all) goes by id from *from on (a cursor:
 * 0 at first, then the id after the last meter put) until b->len reaches
 * limit (one entry may pass it); true when no meter is left. */
bool ofp_meter_put_config(const struct ofp_meter_table *mt, uint32_t id,
			  uint32_t *from, size_t limit,
			  void (*room)(void *arg, size_t need), void *arg,
			  struct ofp_buf *b);
void ofp_meter_put_features(uint32_t max_meters, struct ofp_buf *b);
/* One METER stats entry. */
void ofp_meter_put_stats(const struct ofp_meter *m,
			 const struct ofproto_meter_stats *st,
			 uint32_t flow_count, uint64_t now_ns,
			 struct ofp_buf *b);

#endif /* PMDSWITCH_OFP_METER_H */
