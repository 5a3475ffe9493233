/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model side of groups, meters and table configuration: GROUP_MOD,
 * METER_MOD and TABLE_MOD applied to struct ofproto (flows that use a
 * deleted group or meter go with it), and the multipart bodies that read
 * them.
 */
#include <stdlib.h>
#include <string.h>

#include "ofp_limits.h"
#include "ofp_wire.h"
#include "ofproto_priv.h"

struct id_list {
	const uint32_t *ids;
	size_t n;
};

static bool
uses_group(const struct ofp_rule *r, void *arg)
{
	const struct id_list *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (ofp_insts_uses_group(r->insts, l->ids[i]))
			return true;
	return false;
}

static bool
uses_meter(const struct ofp_rule *r, void *arg)
{
	const struct id_list *l = arg;

	if (!r->insts->has_meter)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (r->insts->meter_id == l->ids[i])
			return true;
	return false;
}

/* With the mutex held. */
static size_t
delete_flows_if(struct ofproto *ofp,
		bool (*pred)(const struct ofp_rule *, void *), void *arg,
		enum ofp_rule_removed_reason reason)
{
	size_t n = 0;

	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		if (ofp->tables[t].n_rules)
			n += ofp_table_delete_if(&ofp->tables[t], pred, arg,
						 reason);
	return n;
}

enum ofperr
ofproto_group_mod(struct ofproto *ofp, struct ofp_group_mod *gm,
		  bool *changed)
{
	uint32_t *deleted = NULL;
	size_t n_deleted = 0;

	*changed = false;
	pthread_mutex_lock(&ofp->mutex);
	enum ofperr err = ofp_group_table_apply(&ofp->groups, gm, ofp_time_ns(),
						&deleted, &n_deleted);
	/* A new group is used by no flow yet: nothing cached can be wrong. */
	if (!err && gm->command == OFPGC_MODIFY)
		*changed = true;
	if (!err && n_deleted) {
		struct id_list l = { deleted, n_deleted };

		if (delete_flows_if(ofp, uses_group, &l,
				    OFP_RULE_REMOVED_GROUP_DELETE) > 0)
			*changed = true;
	}
	pthread_mutex_unlock(&ofp->mutex);
	free(deleted);
	return err;
}

enum ofperr
ofproto_meter_mod(struct ofproto *ofp, const struct ofp_meter_mod *mm,
		  bool *changed)
{
	enum ofperr err;

	*changed = false;
	pthread_mutex_lock(&ofp->mutex);
	err = ofp_meter_table_check(&ofp->meters, mm);
	pthread_mutex_unlock(&ofp->mutex);
	if (err)
		return err;
	if (mm->command == OFPMC_DELETE) {
		uint32_t *ids = NULL;

		pthread_mutex_lock(&ofp->mutex);
		size_t n = ofp_meter_table_del(&ofp->meters, mm->cfg.meter_id,
					       &ids);
		if (n) {
			struct id_list l = { ids, n };
			delete_flows_if(ofp, uses_meter, &l,
					OFP_RULE_REMOVED_DELETE);
		}
		pthread_mutex_unlock(&ofp->mutex);
		if (n) {
			*changed = true;
			/* Flows first: no cached entry may still use them. */
			ofproto_notify_flows_changed(ofp);
			*changed = false;
		}
		for (size_t i = 0; i < n && ofp->ops.meter_del; i++)
			ofp->ops.meter_del(ofp->host, ids[i]);
		free(ids);
		return OFPERR_OK;
	}
	if (ofp->ops.meter_set == NULL)
		return OFPERR_METER_MOD_OUT_OF_METERS;
	/* A new meter takes one of the process-wide budget (ofp_limits.h);
	 * the meter table gives it back when the meter goes. */
	bool add = mm->command == OFPMC_ADD;
	if (add && !ofp_limit_take(OFP_LIMIT_METERS))
		return OFPERR_METER_MOD_OUT_OF_METERS;
	if (ofp->ops.meter_set(ofp->host, &mm->cfg) != 0) {
		if (add)
			ofp_limit_give(OFP_LIMIT_METERS, 1);
		return OFPERR_METER_MOD_OUT_OF_METERS;
	}
	pthread_mutex_lock(&ofp->mutex);
	ofp_meter_table_set(&ofp->meters, &mm->cfg, ofp_time_ns());
	pthread_mutex_unlock(&ofp->mutex);
	/* Cached actions name the meter by id: its new configuration is the
	 * datapath's (meter_set), no flow changes. */
	return OFPERR_OK;
}

enum ofperr
ofproto_table_mod(struct ofproto *ofp, uint8_t table_id, uint32_t config)
{
	/* 1.3 keeps only the deprecated OFPTC_TABLE_MISS_* bits (0..3). */
	if (table_id >= OFPROTO_N_TABLES && table_id != OFPTT_ALL)
		return OFPERR_TABLE_MOD_BAD_TABLE;
	if (config & ~3u)
		return OFPERR_TABLE_MOD_BAD_CONFIG;
	pthread_mutex_lock(&ofp->mutex);
	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		if (table_id == OFPTT_ALL || table_id == t)
			ofp->table_config[t] = config;
	pthread_mutex_unlock(&ofp->mutex);
	return OFPERR_OK;
}

uint32_t
ofproto_table_config(struct ofproto *ofp, uint8_t table_id)
{
	uint32_t c = 0;

	pthread_mutex_lock(&ofp->mutex);
	if (table_id < OFPROTO_N_TABLES)
		c = ofp->table_config[table_id];
	pthread_mutex_unlock(&ofp->mutex);
	return c;
}

/* With the mutex held: flows using group id. */
static uint32_t
group_refs(void *arg, uint32_t id)
{
	struct ofproto *ofp = arg;
	uint32_t n = 0;

	for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
		for (size_t i = 0; i < ofp->tables[t].n_rules; i++)
			n += ofp_insts_uses_group(ofp->tables[t].rules[i]->insts,
						  id);
	return n;
}

bool
ofproto_put_group_stats(struct ofproto *ofp, uint32_t id, uint32_t *from,
			size_t limit, const struct ofp_mp_room *room,
			struct ofp_buf *b)
{
	pthread_mutex_lock(&ofp->mutex);
	bool done = ofp_group_put_stats(&ofp->groups, id, from, limit,
					ofp_time_ns(), group_refs, ofp, room,
					b);
	pthread_mutex_unlock(&ofp->mutex);
	return done;
}

bool
ofproto_put_group_desc(struct ofproto *ofp, uint32_t *from, size_t limit,
		       const struct ofp_mp_room *room, struct ofp_buf *b)
{
	pthread_mutex_lock(&ofp->mutex);
	bool done = ofp_group_put_desc(&ofp->groups, from, limit, room, b);
	pthread_mutex_unlock(&ofp->mutex);
	return done;
}

bool
ofproto_put_meter_config(struct ofproto *ofp, uint32_t id, uint32_t *from,
			 size_t limit, const struct ofp_mp_room *room,
			 struct ofp_buf *b)
{
	pthread_mutex_lock(&ofp->mutex);
	bool done = ofp_meter_put_config(&ofp->meters, id, from, limit,
					 room ? room->fn : NULL,
					 room ? room->arg : NULL, b);
	pthread_mutex_unlock(&ofp->mutex);
	return done;
}

/* The meters (and their flow counts) are copied under the mutex, about
 * as many as fit before limit; the datapath's counters are read and the
 * entries written after it is released. */
bool
ofproto_put_meter_stats(struct ofproto *ofp, uint32_t id, uint32_t *from,
			size_t limit, const struct ofp_mp_room *room,
			struct ofp_buf *b)
{
	size_t budget = limit > b->len ? limit - b->len : 0;
	size_t n = 0, est = 0, i;
	struct ofp_meter *snap;
	uint32_t *flows;

	pthread_mutex_lock(&ofp->mutex);
	size_t first = ofp_meter_first_from(&ofp->meters, *from);
	size_t cap = ofp->meters.n - first;
	snap = malloc((cap ? cap : 1) * sizeof(*snap));
	flows = calloc(cap ? cap : 1, sizeof(*flows));
	if (snap == NULL || flows == NULL)
		abort();	/* Control-path memory, like ofp_buf. */
	for (i = first; i < ofp->meters.n && est < budget; i++) {
		const struct ofp_meter *m = &ofp->meters.meters[i];
		uint32_t mid = m->cfg.meter_id;
		struct id_list l = { &mid, 1 };

		*from = mid + 1;
		if (id != OFPM_ALL && mid != id)
			continue;
		snap[n] = *m;
		for (size_t t = 0; t < OFPROTO_N_TABLES; t++)
			for (size_t k = 0; k < ofp->tables[t].n_rules; k++)
				flows[n] += uses_meter(ofp->tables[t].rules[k],
						       &l);
		est += 40 + 16 * m->cfg.n_bands;
		n++;
	}
	bool done = i >= ofp->meters.n;
	pthread_mutex_unlock(&ofp->mutex);
	uint64_t now = ofp_time_ns();
	for (i = 0; i < n; i++) {
		struct ofproto_meter_stats st;

		memset(&st, 0, sizeof(st));
		if (ofp->ops.meter_stats != NULL)
			ofp->ops.meter_stats(ofp->host, snap[i].cfg.meter_id,
					     &st);
		if (room != NULL && room->fn != NULL)
			room->fn(room->arg, 40 + 16 * snap[i].cfg.n_bands);
		ofp_meter_put_stats(&snap[i], &st, flows[i], now, b);
	}
	free(snap);
	free(flows);
	return done;
}

uint32_t
ofproto_max_meters(struct ofproto *ofp)
{
	pthread_mutex_lock(&ofp->mutex);
	uint32_t n = ofp->meters.max_meters;
	pthread_mutex_unlock(&ofp->mutex);
	return n;
}

void
ofproto_set_max_meters(struct ofproto *ofp, uint32_t max_meters)
{
	pthread_mutex_lock(&ofp->mutex);
	ofp->meters.max_meters = ofp->ops.meter_set ? max_meters : 0;
	pthread_mutex_unlock(&ofp->mutex);
}

void
ofproto_set_invalid_ttl_to_controller(struct ofproto *ofp, bool on)
{
	pthread_mutex_lock(&ofp->mutex);
	ofp->invalid_ttl_to_controller = on;
	pthread_mutex_unlock(&ofp->mutex);
}

bool
ofproto_invalid_ttl_to_controller(struct ofproto *ofp)
{
	pthread_mutex_lock(&ofp->mutex);
	bool on = ofp->invalid_ttl_to_controller;
	pthread_mutex_unlock(&ofp->mutex);
	return on;
}
