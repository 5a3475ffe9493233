/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_actions.h"

#include <arpa/inet.h>
#include <string.h>

#include "ofp_wire.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

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

enum ofperr
ofp_actions_decode(const void *buf, size_t len, struct ofpact *acts,
		   size_t max, size_t *n, bool packet_out)
{
	const uint8_t *p = buf;

	*n = 0;
	while (len > 0) {
		if (len < 8)
			return OFPERR_BAD_ACTION_BAD_LEN;
		uint16_t type = rd16(p), alen = rd16(p + 2);

		if (alen < 8 || alen % 8 || alen > len)
			return OFPERR_BAD_ACTION_BAD_LEN;
		if (type != OFPAT_OUTPUT)
			return OFPERR_BAD_ACTION_BAD_TYPE;
		if (alen != sizeof(struct ofp13_action_output))
			return OFPERR_BAD_ACTION_BAD_LEN;
		uint32_t port = rd32(p + 4);
		enum ofperr err = ofp_action_check_port(port, packet_out);
		if (err)
			return err;
		if (*n >= max)
			return OFPERR_BAD_ACTION_TOO_MANY;
		struct ofpact *a = &acts[(*n)++];
		a->type = port == OFPP13_CONTROLLER ? OFPACT_CONTROLLER :
						      OFPACT_OUTPUT;
		a->port = port;
		a->max_len = rd16(p + 8);
		p += alen;
		len -= alen;
	}
	return OFPERR_OK;
}

void
ofp_actions_encode(const struct ofpact *acts, size_t n, struct ofp_buf *b)
{
	for (size_t i = 0; i < n; i++) {
		struct ofp13_action_output *o = ofp_buf_put_zeros(b, sizeof(*o));

		o->type = htons(OFPAT_OUTPUT);
		o->len = htons(sizeof(*o));
		o->port = htonl(acts[i].type == OFPACT_CONTROLLER ?
				OFPP13_CONTROLLER : acts[i].port);
		o->max_len = htons(acts[i].max_len);
	}
}

enum ofperr
ofp_insts_decode(const void *buf, size_t len, struct ofp_insts *insts)
{
	const uint8_t *p = buf;
	bool seen_apply = false, seen_write = false, seen_clear = false;

	memset(insts, 0, sizeof(*insts));
	while (len > 0) {
		if (len < 4)
			return OFPERR_BAD_INST_BAD_LEN;
		uint16_t type = rd16(p), ilen = rd16(p + 2);

		if (ilen < 8 || ilen % 8 || ilen > len)
			return OFPERR_BAD_INST_BAD_LEN;
		size_t used = insts->n_apply + insts->n_write;
		size_t room = OFPROTO_MAX_ACTIONS - used;
		enum ofperr err;

		switch (type) {
		case OFPIT_APPLY_ACTIONS:
			if (seen_apply)
				return OFPERR_BAD_INST_UNSUP_INST;
			seen_apply = insts->has_apply = true;
			err = ofp_actions_decode(p + 8, ilen - 8, insts->apply,
						 room, &insts->n_apply, false);
			if (err)
				return err;
			break;
		case OFPIT_WRITE_ACTIONS:
			if (seen_write)
				return OFPERR_BAD_INST_UNSUP_INST;
			seen_write = insts->has_write = true;
			err = ofp_actions_decode(p + 8, ilen - 8, insts->write,
						 room, &insts->n_write, false);
			if (err)
				return err;
			break;
		case OFPIT_CLEAR_ACTIONS:
			if (seen_clear)
				return OFPERR_BAD_INST_UNSUP_INST;
			if (ilen != 8)
				return OFPERR_BAD_INST_BAD_LEN;
			seen_clear = insts->clear = true;
			break;
		case OFPIT_GOTO_TABLE:
		case OFPIT_WRITE_METADATA:
		case OFPIT_METER:
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

void
ofp_insts_encode(const struct ofp_insts *insts, struct ofp_buf *b)
{
	/* Open vSwitch's order: apply, clear, write. */
	if (insts->has_apply)
		encode_actions_inst(OFPIT_APPLY_ACTIONS, insts->apply,
				    insts->n_apply, b);
	if (insts->clear) {
		struct ofp13_instruction_actions *ia =
			ofp_buf_put_zeros(b, sizeof(*ia));
		ia->type = htons(OFPIT_CLEAR_ACTIONS);
		ia->len = htons(sizeof(*ia));
	}
	if (insts->has_write)
		encode_actions_inst(OFPIT_WRITE_ACTIONS, insts->write,
				    insts->n_write, b);
}

size_t
ofp_insts_flatten(const struct ofp_insts *insts, struct ofpact *out,
		  size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < insts->n_apply && n < max; i++)
		out[n++] = insts->apply[i];
	/* The action set holds at most one output: the last one written. */
	if (insts->n_write && n < max)
		out[n++] = insts->write[insts->n_write - 1];
	return n;
}

static bool
acts_output_to(const struct ofpact *acts, size_t n, uint32_t port)
{
	for (size_t i = 0; i < n; i++) {
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
