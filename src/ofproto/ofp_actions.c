/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_actions.h"

#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "ofp_wire.h"

enum ofperr
ofp_action_check_port(uint32_t port, bool packet_out)
{
	if (port == 0)
		return OFPERR_BAD_ACTION_BAD_OUT_PORT;
	if (port <= OFPP13_MAX)
		return OFPERR_OK;
	switch (port) {
	case OFPP13_IN_PORT:
	case OFPP13_NORMAL:
	case OFPP13_FLOOD:
	case OFPP13_ALL:
	case OFPP13_CONTROLLER:
	case OFPP13_LOCAL:
		return OFPERR_OK;
	case OFPP13_TABLE:
		return packet_out ? OFPERR_OK : OFPERR_BAD_ACTION_BAD_OUT_PORT;
	default:
		return OFPERR_BAD_ACTION_BAD_OUT_PORT;
	}
}

/* A SET_FIELD action body: one OXM TLV, padded to 8 bytes. */
static enum ofperr
decode_set_field(const uint8_t *p, size_t alen, struct ofpact *a)
{
	if (alen < 8)
		return OFPERR_BAD_ACTION_BAD_LEN;
	uint32_t h = ofp_rd32(p + 4);
	size_t vlen = OXM_LENGTH(h);

	unsigned int field;
	if (!ofp_oxm_to_field(h, &field))
		return OFPERR_BAD_ACTION_BAD_SET_TYPE;
	size_t flen = ofp_match_field_len(field);
	if (flen == 0 || !ofp_set_field_writable(field))
		return OFPERR_BAD_ACTION_BAD_SET_TYPE;
	if (OXM_HASMASK(h))
		return OFPERR_BAD_ACTION_BAD_SET_ARGUMENT;
	if (vlen != flen || 4 + 4 + vlen > alen ||
	    (4 + 4 + vlen + 7) / 8 * 8 != alen)
		return OFPERR_BAD_ACTION_BAD_SET_LEN;
	const uint8_t *v = p + 8;
	static const uint8_t ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct flow_key k, km;

	memset(&k, 0, sizeof(k));
	memset(&km, 0, sizeof(km));
	if (field == OFPXMT_OFB_VLAN_VID) {
		if (ofp_rd16(v) & ~0x1fff)
			return OFPERR_BAD_ACTION_BAD_SET_ARGUMENT;
	} else if (ofp_match_field_to_key(field, v, ones, &k, &km)) {
		return OFPERR_BAD_ACTION_BAD_SET_ARGUMENT;
	}
	a->type = OFPACT_SET_FIELD;
	a->field = (uint16_t)field;
	a->len = (uint8_t)vlen;
	memcpy(a->value, v, vlen);
	memset(a->mask, 0xff, vlen);
	return OFPERR_OK;
}

static enum ofperr
decode_one(uint16_t type, const uint8_t *p, size_t alen, struct ofpact *a,
	   bool packet_out)
{
	uint16_t et;

	memset(a, 0, sizeof(*a));
	if (type == OFPAT_SET_FIELD)
		return decode_set_field(p, alen, a);
	if (type == OFPAT_EXPERIMENTER)
		return OFPERR_BAD_ACTION_BAD_TYPE;
	if (type == OFPAT_OUTPUT) {
		if (alen != sizeof(struct ofp13_action_output))
			return OFPERR_BAD_ACTION_BAD_LEN;
		uint32_t port = ofp_rd32(p + 4);
		enum ofperr err = ofp_action_check_port(port, packet_out);
		if (err)
			return err;
		a->type = port == OFPP13_CONTROLLER ? OFPACT_CONTROLLER :
						      OFPACT_OUTPUT;
		a->port = port;
		a->max_len = ofp_rd16(p + 8);
		a->reason = OFPR_ACTION;
		return OFPERR_OK;
	}
	/* Every other 1.3 action is 8 bytes. */
	switch (type) {
	case OFPAT_COPY_TTL_OUT: a->type = OFPACT_COPY_TTL_OUT; break;
	case OFPAT_COPY_TTL_IN: a->type = OFPACT_COPY_TTL_IN; break;
	case OFPAT_SET_MPLS_TTL: a->type = OFPACT_SET_MPLS_TTL; break;
	case OFPAT_DEC_MPLS_TTL: a->type = OFPACT_DEC_MPLS_TTL; break;
	case OFPAT_PUSH_VLAN: a->type = OFPACT_PUSH_VLAN; break;
	case OFPAT_POP_VLAN: a->type = OFPACT_POP_VLAN; break;
	case OFPAT_PUSH_MPLS: a->type = OFPACT_PUSH_MPLS; break;
	case OFPAT_POP_MPLS: a->type = OFPACT_POP_MPLS; break;
	case OFPAT_SET_QUEUE: a->type = OFPACT_SET_QUEUE; break;
	case OFPAT_GROUP: a->type = OFPACT_GROUP; break;
	case OFPAT_SET_NW_TTL: a->type = OFPACT_SET_NW_TTL; break;
	case OFPAT_DEC_NW_TTL: a->type = OFPACT_DEC_NW_TTL; break;
	case OFPAT_PUSH_PBB: a->type = OFPACT_PUSH_PBB; break;
	case OFPAT_POP_PBB: a->type = OFPACT_POP_PBB; break;
	default:
		return OFPERR_BAD_ACTION_BAD_TYPE;
	}
	if (alen != 8)
		return OFPERR_BAD_ACTION_BAD_LEN;
	switch (a->type) {
	case OFPACT_SET_MPLS_TTL:
	case OFPACT_SET_NW_TTL:
		a->ttl = p[4];
		break;
	case OFPACT_PUSH_VLAN:
		et = ofp_rd16(p + 4);
		if (et != 0x8100 && et != 0x88a8)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		a->ethertype = et;
		break;
	case OFPACT_PUSH_MPLS:
		et = ofp_rd16(p + 4);
		if (et != 0x8847 && et != 0x8848)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		a->ethertype = et;
		break;
	case OFPACT_PUSH_PBB:
		et = ofp_rd16(p + 4);
		if (et != 0x88e7)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		a->ethertype = et;
		break;
	case OFPACT_POP_MPLS:
		a->ethertype = ofp_rd16(p + 4);
		break;
	case OFPACT_SET_QUEUE:
	case OFPACT_GROUP:
		a->id = ofp_rd32(p + 4);
		if (a->type == OFPACT_GROUP && a->id > OFPG_MAX)
			return OFPERR_BAD_ACTION_BAD_OUT_GROUP;
		break;
	default:
		break;
	}
	return OFPERR_OK;
}

enum ofperr
ofp_actions_decode(const void *buf, size_t len, struct ofpact *acts,
		   size_t max, size_t *n, bool packet_out)
{
	const uint8_t *p = buf;

	*n = 0;
	while (len > 0) {
		if (len < 8)
			return OFPERR_BAD_ACTION_BAD_LEN;
		uint16_t type = ofp_rd16(p), alen = ofp_rd16(p + 2);

		if (alen < 8 || alen % 8 || alen > len)
			return OFPERR_BAD_ACTION_BAD_LEN;
		if (*n >= max)
			return OFPERR_BAD_ACTION_TOO_MANY;
		enum ofperr err = decode_one(type, p, alen, &acts[*n],
					     packet_out);
		if (err)
			return err;
		(*n)++;
		p += alen;
		len -= alen;
	}
	return OFPERR_OK;
}

static void
put_small(struct ofp_buf *b, uint16_t type, const void *arg, size_t alen)
{
	uint8_t *p = ofp_buf_put_zeros(b, 8);
	uint16_t be = htons(type), l = htons(8);

	memcpy(p, &be, 2);
	memcpy(p + 2, &l, 2);
	if (alen)
		memcpy(p + 4, arg, alen);
}

static void
encode_one(const struct ofpact *a, struct ofp_buf *b)
{
	static const uint16_t wire[] = {
		[OFPACT_COPY_TTL_OUT] = OFPAT_COPY_TTL_OUT,
		[OFPACT_COPY_TTL_IN] = OFPAT_COPY_TTL_IN,
		[OFPACT_SET_MPLS_TTL] = OFPAT_SET_MPLS_TTL,
		[OFPACT_DEC_MPLS_TTL] = OFPAT_DEC_MPLS_TTL,
		[OFPACT_PUSH_VLAN] = OFPAT_PUSH_VLAN,
		[OFPACT_POP_VLAN] = OFPAT_POP_VLAN,
		[OFPACT_PUSH_MPLS] = OFPAT_PUSH_MPLS,
		[OFPACT_POP_MPLS] = OFPAT_POP_MPLS,
		[OFPACT_SET_QUEUE] = OFPAT_SET_QUEUE,
		[OFPACT_GROUP] = OFPAT_GROUP,
		[OFPACT_SET_NW_TTL] = OFPAT_SET_NW_TTL,
		[OFPACT_DEC_NW_TTL] = OFPAT_DEC_NW_TTL,
		[OFPACT_PUSH_PBB] = OFPAT_PUSH_PBB,
		[OFPACT_POP_PBB] = OFPAT_POP_PBB,
	};
	uint16_t be16;
	uint32_t be32;

	switch (a->type) {
	case OFPACT_OUTPUT:
	case OFPACT_CONTROLLER: {
		struct ofp13_action_output *o = ofp_buf_put_zeros(b, sizeof(*o));

		o->type = htons(OFPAT_OUTPUT);
		o->len = htons(sizeof(*o));
		o->port = htonl(a->type == OFPACT_CONTROLLER ?
				OFPP13_CONTROLLER : a->port);
		o->max_len = htons(a->max_len);
		return;
	}
	case OFPACT_SET_FIELD: {
		size_t start = b->len;

		ofp_buf_put_be16(b, OFPAT_SET_FIELD);
		ofp_buf_put_be16(b, 0);
		ofp_buf_put_be32(b, OFP_FIELD_OXM_HEADER(a->field, 0, a->len));
		ofp_buf_put(b, a->value, a->len);
		ofp_buf_pad8(b, start);
		be16 = htons((uint16_t)(b->len - start));
		memcpy(b->data + start + 2, &be16, 2);
		return;
	}
	case OFPACT_SET_MPLS_TTL:
	case OFPACT_SET_NW_TTL:
		put_small(b, wire[a->type], &a->ttl, 1);
		return;
	case OFPACT_PUSH_VLAN:
	case OFPACT_PUSH_MPLS:
	case OFPACT_PUSH_PBB:
	case OFPACT_POP_MPLS:
		be16 = htons(a->ethertype);
		put_small(b, wire[a->type], &be16, 2);
		return;
	case OFPACT_SET_QUEUE:
	case OFPACT_GROUP:
		be32 = htonl(a->id);
		put_small(b, wire[a->type], &be32, 4);
		return;
	case OFPACT_COPY_TTL_OUT:
	case OFPACT_COPY_TTL_IN:
	case OFPACT_DEC_MPLS_TTL:
	case OFPACT_POP_VLAN:
	case OFPACT_DEC_NW_TTL:
	case OFPACT_POP_PBB:
		put_small(b, wire[a->type], NULL, 0);
		return;
	case OFPACT_METER:
	case OFPACT_CLONE:
		return;		/* Resolved-only vocabulary: not on the wire. */
	}
}

void
ofp_actions_encode(const struct ofpact *acts, size_t n, struct ofp_buf *b)
{
	for (size_t i = 0; i < n; i++)
		encode_one(&acts[i], b);
}

enum ofperr
ofp_insts_decode(const void *buf, size_t len, struct ofp_insts *insts)
{
	const uint8_t *p = buf;
	unsigned int seen = 0;

	memset(insts, 0, sizeof(*insts));
	while (len > 0) {
		if (len < 4)
			return OFPERR_BAD_INST_BAD_LEN;
		uint16_t type = ofp_rd16(p), ilen = ofp_rd16(p + 2);

		if (ilen < 8 || ilen % 8 || ilen > len)
			return OFPERR_BAD_INST_BAD_LEN;
		size_t used = insts->n_apply + insts->n_write;
		size_t room = OFPROTO_MAX_ACTIONS - used;
		enum ofperr err;

		if (type >= OFPIT_GOTO_TABLE && type <= OFPIT_METER) {
			if (seen & (1u << type))
				return OFPERR_BAD_INST_UNSUP_INST;
			seen |= 1u << type;
		}
		switch (type) {
		case OFPIT_APPLY_ACTIONS:
			insts->has_apply = true;
			err = ofp_actions_decode(p + 8, ilen - 8, insts->apply,
						 room, &insts->n_apply, false);
			if (err)
				return err;
			break;
		case OFPIT_WRITE_ACTIONS:
			insts->has_write = true;
			err = ofp_actions_decode(p + 8, ilen - 8, insts->write,
						 room, &insts->n_write, false);
			if (err)
				return err;
			break;
		case OFPIT_CLEAR_ACTIONS:
			if (ilen != 8)
				return OFPERR_BAD_INST_BAD_LEN;
			insts->clear = true;
			break;
		case OFPIT_GOTO_TABLE:
			if (ilen != 8)
				return OFPERR_BAD_INST_BAD_LEN;
			insts->has_goto = true;
			insts->goto_table = p[4];
			break;
		case OFPIT_WRITE_METADATA:
			if (ilen != 24)
				return OFPERR_BAD_INST_BAD_LEN;
			insts->has_meta = true;
			insts->metadata = ofp_rd64(p + 8);
			insts->metadata_mask = ofp_rd64(p + 16);
			break;
		case OFPIT_METER:
			if (ilen != 8)
				return OFPERR_BAD_INST_BAD_LEN;
			insts->has_meter = true;
			insts->meter_id = ofp_rd32(p + 4);
			if (insts->meter_id == 0 ||
			    insts->meter_id > OFPM_MAX)
				return OFPERR_METER_MOD_INVALID_METER;
			break;
		case OFPIT_EXPERIMENTER:
			return OFPERR_BAD_INST_UNSUP_INST;
		default:
			return OFPERR_BAD_INST_UNKNOWN_INST;
		}
		p += ilen;
		len -= ilen;
	}
	return OFPERR_OK;
}

static void
encode_actions_inst(uint16_t type, const struct ofpact *acts, size_t n,
		    struct ofp_buf *b)
{
	size_t start = b->len;
	struct ofp13_instruction_actions *ia = ofp_buf_put_zeros(b, sizeof(*ia));

	ia->type = htons(type);
	ofp_actions_encode(acts, n, b);
	uint16_t len = htons((uint16_t)(b->len - start));
	memcpy(b->data + start + 2, &len, 2);
}

static void
put_inst8(struct ofp_buf *b, uint16_t type, uint32_t arg)
{
	ofp_buf_put_be16(b, type);
	ofp_buf_put_be16(b, 8);
	ofp_buf_put_be32(b, arg);
}

void
ofp_insts_encode(const struct ofp_insts *insts, struct ofp_buf *b)
{
	/* Open vSwitch's order: meter, apply, clear, write, metadata, goto. */
	if (insts->has_meter)
		put_inst8(b, OFPIT_METER, insts->meter_id);
	if (insts->has_apply)
		encode_actions_inst(OFPIT_APPLY_ACTIONS, insts->apply,
				    insts->n_apply, b);
	if (insts->clear)
		put_inst8(b, OFPIT_CLEAR_ACTIONS, 0);
	if (insts->has_write)
		encode_actions_inst(OFPIT_WRITE_ACTIONS, insts->write,
				    insts->n_write, b);
	if (insts->has_meta) {
		ofp_buf_put_be16(b, OFPIT_WRITE_METADATA);
		ofp_buf_put_be16(b, 24);
		ofp_buf_put_be32(b, 0);
		ofp_buf_put_be32(b, (uint32_t)(insts->metadata >> 32));
		ofp_buf_put_be32(b, (uint32_t)insts->metadata);
		ofp_buf_put_be32(b, (uint32_t)(insts->metadata_mask >> 32));
		ofp_buf_put_be32(b, (uint32_t)insts->metadata_mask);
	}
	if (insts->has_goto)
		put_inst8(b, OFPIT_GOTO_TABLE,
			  (uint32_t)insts->goto_table << 24);
}

size_t
ofp_insts_flatten(const struct ofp_insts *insts, struct ofpact *out,
		  size_t max)
{
	struct ofpact set[OFPROTO_MAX_ACTIONS];
	size_t n = 0, n_set = 0;

	for (size_t i = 0; i < insts->n_apply && n < max; i++)
		out[n++] = insts->apply[i];
	ofp_action_set_write(set, &n_set, OFPROTO_MAX_ACTIONS, insts->write,
			     insts->n_write);
	n_set = ofp_action_set_order(set, n_set);
	for (size_t i = 0; i < n_set && n < max; i++)
		out[n++] = set[i];
	return n;
}

static bool
acts_output_to(const struct ofpact *acts, size_t n, uint32_t port)
{
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type != OFPACT_OUTPUT &&
		    acts[i].type != OFPACT_CONTROLLER)
			continue;
		uint32_t p = acts[i].type == OFPACT_CONTROLLER ?
			     OFPP13_CONTROLLER : acts[i].port;
		if (p == port)
			return true;
	}
	return false;
}

bool
ofp_insts_outputs_to(const struct ofp_insts *insts, uint32_t port)
{
	if (port == OFPP13_ANY)
		return true;
	return acts_output_to(insts->apply, insts->n_apply, port) ||
	       acts_output_to(insts->write, insts->n_write, port);
}

static bool
acts_use_group(const struct ofpact *acts, size_t n, uint32_t group)
{
	for (size_t i = 0; i < n; i++)
		if (acts[i].type == OFPACT_GROUP && acts[i].id == group)
			return true;
	return false;
}

bool
ofp_insts_uses_group(const struct ofp_insts *insts, uint32_t group)
{
	if (group == OFPG_ANY)
		return true;
	return acts_use_group(insts->apply, insts->n_apply, group) ||
	       acts_use_group(insts->write, insts->n_write, group);
}

enum ofperr
ofp_insts_check(const struct ofp_insts *insts,
		const struct ofp_flow_match *match, uint8_t table_id,
		unsigned int n_tables)
{
	enum ofperr err;

	if (insts->has_goto && (insts->goto_table <= table_id ||
				insts->goto_table >= n_tables))
		return OFPERR_BAD_INST_BAD_TABLE_ID;
	err = ofp_actions_check(insts->apply, insts->n_apply, match);
	if (err)
		return err;
	/* The action set runs in the spec's order, not as written. */
	struct ofpact set[OFPROTO_MAX_ACTIONS];
	size_t n = 0;
	ofp_action_set_write(set, &n, OFPROTO_MAX_ACTIONS, insts->write,
			     insts->n_write);
	n = ofp_action_set_order(set, n);
	return ofp_actions_check(set, n, match);
}
