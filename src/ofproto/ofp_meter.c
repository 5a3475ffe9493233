/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_meter.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_limits.h"
#include "ofp_wire.h"

#define BAND_LEN 16
#define NS_PER_SEC 1000000000ull
#define OFPMBT_EXPERIMENTER 0xffff
/* Virtual meters of section 5.7 (1.3): not configurable here. */
#define OFPM_SLOWPATH 0xfffffffdu
#define OFPM_CONTROLLER 0xfffffffeu

void
ofp_meter_table_init(struct ofp_meter_table *mt)
{
	memset(mt, 0, sizeof(*mt));
	mt->max_meters = OFP_METER_DEFAULT_MAX;
}

void
ofp_meter_table_destroy(struct ofp_meter_table *mt)
{
	ofp_limit_give(OFP_LIMIT_METERS, mt->n);
	free(mt->meters);
	memset(mt, 0, sizeof(*mt));
}

static size_t
meter_pos(const struct ofp_meter_table *mt, uint32_t id)
{
	size_t lo = 0, hi = mt->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (mt->meters[mid].cfg.meter_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ofp_meter *
ofp_meter_find(const struct ofp_meter_table *mt, uint32_t id)
{
	size_t i = meter_pos(mt, id);

	return i < mt->n && mt->meters[i].cfg.meter_id == id ?
	       &mt->meters[i] : NULL;
}

enum ofperr
ofp_meter_mod_decode(const void *msg, size_t len, struct ofp_meter_mod *mm)
{
	const struct ofp13_meter_mod *w = msg;
	const uint8_t *p = msg;

	memset(mm, 0, sizeof(*mm));
	if (len < sizeof(*w))
		return OFPERR_BAD_REQUEST_BAD_LEN;
	mm->command = ntohs(w->command);
	mm->cfg.flags = ntohs(w->flags);
	mm->cfg.meter_id = ntohl(w->meter_id);
	if (mm->command > OFPMC_DELETE)
		return OFPERR_METER_MOD_BAD_COMMAND;
	uint32_t id = mm->cfg.meter_id;
	if (mm->command == OFPMC_DELETE) {
		if (id == 0 || (id > OFPM_MAX && id != OFPM_ALL))
			return OFPERR_METER_MOD_INVALID_METER;
		return OFPERR_OK;
	}
	if (id == 0 || id > OFPM_MAX)
		return OFPERR_METER_MOD_INVALID_METER;
	uint16_t f = mm->cfg.flags;
	if ((f & ~(OFPMF_KBPS | OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS)) ||
	    (f & OFPMF_KBPS && f & OFPMF_PKTPS))
		return OFPERR_METER_MOD_BAD_FLAGS;
	p += sizeof(*w);
	len -= sizeof(*w);
	while (len > 0) {
		if (len < 4)
			return OFPERR_METER_MOD_BAD_BAND;
		uint16_t type = ofp_rd16(p), blen = ofp_rd16(p + 2);
		if (blen < BAND_LEN || blen > len || blen % 8)
			return OFPERR_METER_MOD_BAD_BAND;
		if (type != OFPROTO_METER_BAND_DROP &&
		    type != OFPROTO_METER_BAND_DSCP_REMARK)
			return OFPERR_METER_MOD_BAD_BAND;
		if (blen != BAND_LEN)
			return OFPERR_METER_MOD_BAD_BAND;
		if (mm->cfg.n_bands == OFPROTO_METER_MAX_BANDS)
			return OFPERR_METER_MOD_OUT_OF_BANDS;
		struct ofproto_meter_band *b = &mm->cfg.bands[mm->cfg.n_bands++];
		b->type = type;
		b->rate = ofp_rd32(p + 4);
		b->burst_size = ofp_rd32(p + 8);
		if (b->rate == 0)
			return OFPERR_METER_MOD_BAD_RATE;
		if (!(f & OFPMF_BURST))
			b->burst_size = 0;
		if (type == OFPROTO_METER_BAND_DSCP_REMARK) {
			b->prec_level = p[12];
			if (b->prec_level == 0 || b->prec_level > 63)
				return OFPERR_METER_MOD_BAD_BAND_VALUE;
		}
		p += blen;
		len -= blen;
	}
	/* Two bands of the same rate would be ambiguous. */
	for (size_t i = 0; i < mm->cfg.n_bands; i++)
		for (size_t k = i + 1; k < mm->cfg.n_bands; k++)
			if (mm->cfg.bands[i].rate == mm->cfg.bands[k].rate)
				return OFPERR_METER_MOD_BAD_BAND;
	return OFPERR_OK;
}

static void
put_band(const struct ofproto_meter_band *bd, struct ofp_buf *b)
{
	uint8_t *p = ofp_buf_put_zeros(b, BAND_LEN);
	uint16_t t = htons((uint16_t)bd->type), l = htons(BAND_LEN);
	uint32_t r = htonl(bd->rate), bs = htonl(bd->burst_size);

	memcpy(p, &t, 2);
	memcpy(p + 2, &l, 2);
	memcpy(p + 4, &r, 4);
	memcpy(p + 8, &bs, 4);
	if (bd->type == OFPROTO_METER_BAND_DSCP_REMARK)
		p[12] = bd->prec_level;
}

void
ofp_meter_mod_encode(const struct ofp_meter_mod *mm, uint32_t xid,
		     struct ofp_buf *b)
{
	size_t start = ofp_buf_msg_start(b, OFP13_VERSION, OFPT_METER_MOD, xid,
					 sizeof(struct ofp13_meter_mod));
	struct ofp13_meter_mod *w = (void *)(b->data + start);

	w->command = htons(mm->command);
	w->flags = htons(mm->cfg.flags);
	w->meter_id = htonl(mm->cfg.meter_id);
	for (size_t i = 0; i < mm->cfg.n_bands; i++)
		put_band(&mm->cfg.bands[i], b);
	ofp_buf_msg_finish(b, start);
}

enum ofperr
ofp_meter_table_check(const struct ofp_meter_table *mt,
		      const struct ofp_meter_mod *mm)
{
	bool exists = ofp_meter_find(mt, mm->cfg.meter_id) != NULL;

	switch (mm->command) {
	case OFPMC_ADD:
		if (exists)
			return OFPERR_METER_MOD_METER_EXISTS;
		if (mt->n >= mt->max_meters)
			return OFPERR_METER_MOD_OUT_OF_METERS;
		return OFPERR_OK;
	case OFPMC_MODIFY:
		return exists ? OFPERR_OK : OFPERR_METER_MOD_UNKNOWN_METER;
	case OFPMC_DELETE:
		return OFPERR_OK;
	default:
		return OFPERR_METER_MOD_BAD_COMMAND;
	}
}

void
ofp_meter_table_set(struct ofp_meter_table *mt,
		    const struct ofproto_meter_config *cfg, uint64_t now_ns)
{
	struct ofp_meter *m = ofp_meter_find(mt, cfg->meter_id);

	if (m != NULL) {
		m->cfg = *cfg;
		return;
	}
	if (mt->n == mt->cap) {
		size_t cap = mt->cap ? mt->cap * 2 : 16;
		struct ofp_meter *ms = realloc(mt->meters, cap * sizeof(*ms));
		if (ms == NULL) {
			ofp_limit_give(OFP_LIMIT_METERS, 1);
			return;
		}
		mt->meters = ms;
		mt->cap = cap;
	}
	size_t pos = meter_pos(mt, cfg->meter_id);
	memmove(&mt->meters[pos + 1], &mt->meters[pos],
		(mt->n - pos) * sizeof(*mt->meters));
	mt->meters[pos].cfg = *cfg;
	mt->meters[pos].created_ns = now_ns;
	mt->n++;
}

size_t
ofp_meter_table_del(struct ofp_meter_table *mt, uint32_t id, uint32_t **ids)
{
	size_t n = 0;

	*ids = malloc((mt->n ? mt->n : 1) * sizeof(**ids));
	if (*ids == NULL)
		return 0;
	if (id == OFPM_ALL) {
		for (size_t i = 0; i < mt->n; i++)
			(*ids)[n++] = mt->meters[i].cfg.meter_id;
		mt->n = 0;
		ofp_limit_give(OFP_LIMIT_METERS, n);
		return n;
	}
	size_t pos = meter_pos(mt, id);
	if (pos < mt->n && mt->meters[pos].cfg.meter_id == id) {
		(*ids)[n++] = id;
		memmove(&mt->meters[pos], &mt->meters[pos + 1],
			(mt->n - pos - 1) * sizeof(*mt->meters));
		mt->n--;
		ofp_limit_give(OFP_LIMIT_METERS, 1);
	}
	return n;
}

size_t
ofp_meter_first_from(const struct ofp_meter_table *mt, uint32_t from)
{
	return meter_pos(mt, from);
}

bool
ofp_meter_put_config(const struct ofp_meter_table *mt, uint32_t id,
		     uint32_t *from, size_t limit,
		     void (*room)(void *arg, size_t need), void *arg,
		     struct ofp_buf *b)
{
	size_t i;

	for (i = meter_pos(mt, *from); i < mt->n && b->len < limit; i++) {
		const struct ofproto_meter_config *c = &mt->meters[i].cfg;

		*from = c->meter_id + 1;
		if (id != OFPM_ALL && c->meter_id != id)
			continue;
		if (room != NULL)
			room(arg, 8 + BAND_LEN * c->n_bands);
		ofp_buf_put_be16(b, (uint16_t)(8 + BAND_LEN * c->n_bands));
		ofp_buf_put_be16(b, c->flags);
		ofp_buf_put_be32(b, c->meter_id);
		for (size_t k = 0; k < c->n_bands; k++)
			put_band(&c->bands[k], b);
	}
	return i >= mt->n;
}

void
ofp_meter_put_features(uint32_t max_meters, struct ofp_buf *b)
{
	ofp_buf_put_be32(b, max_meters);
	ofp_buf_put_be32(b, (1u << OFPROTO_METER_BAND_DROP) |
			    (1u << OFPROTO_METER_BAND_DSCP_REMARK));
	ofp_buf_put_be32(b, max_meters ? (OFPMF_KBPS | OFPMF_PKTPS |
					  OFPMF_BURST | OFPMF_STATS) : 0);
	uint8_t *p = ofp_buf_put_zeros(b, 4);
	p[0] = max_meters ? OFPROTO_METER_MAX_BANDS : 0;
	p[1] = 0;	/* max_color */
}

static void
put_be64(struct ofp_buf *b, uint64_t v)
{
	ofp_buf_put_be32(b, (uint32_t)(v >> 32));
	ofp_buf_put_be32(b, (uint32_t)v);
}

void
ofp_meter_put_stats(const struct ofp_meter *m,
		    const struct ofproto_meter_stats *st, uint32_t flow_count,
		    uint64_t now_ns, struct ofp_buf *b)
{
	uint64_t age = now_ns - m->created_ns;

	ofp_buf_put_be32(b, m->cfg.meter_id);
	ofp_buf_put_be16(b, (uint16_t)(40 + 16 * m->cfg.n_bands));
	ofp_buf_put_zeros(b, 6);
	ofp_buf_put_be32(b, flow_count);
	put_be64(b, st->packet_in_count);
	put_be64(b, st->byte_in_count);
	ofp_buf_put_be32(b, (uint32_t)(age / NS_PER_SEC));
	ofp_buf_put_be32(b, (uint32_t)(age % NS_PER_SEC));
	for (size_t k = 0; k < m->cfg.n_bands; k++) {
		put_be64(b, st->band_packets[k]);
		put_be64(b, st->band_bytes[k]);
	}
}
