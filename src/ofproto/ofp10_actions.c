/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenFlow 1.0 actions <-> the model (struct ofpact). */
#include <arpa/inet.h>
#include <string.h>

#include "ofp10_match.h"
#include "ofp10_wire.h"
#include "ofp_wire.h"

enum {
	OFPAT10_SET_VLAN_VID = 1,
	OFPAT10_SET_VLAN_PCP = 2,
	OFPAT10_STRIP_VLAN = 3,
	OFPAT10_SET_DL_SRC = 4,
	OFPAT10_SET_DL_DST = 5,
	OFPAT10_SET_NW_SRC = 6,
	OFPAT10_SET_NW_DST = 7,
	OFPAT10_SET_NW_TOS = 8,
	OFPAT10_SET_TP_SRC = 9,
	OFPAT10_SET_TP_DST = 10,
	OFPAT10_ENQUEUE = 11,
};

static void
set_field(struct ofpact *a, unsigned int field, const void *v, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->type = OFPACT_SET_FIELD;
	a->field = (uint16_t)field;
	a->len = (uint8_t)len;
	memcpy(a->value, v, len);
	memset(a->mask, 0xff, len);
}

static enum ofperr
push(struct ofpact *acts, size_t max, size_t *n, const struct ofpact *a)
{
	if (*n >= max)
		return OFPERR_BAD_ACTION_TOO_MANY;
	acts[(*n)++] = *a;
	return OFPERR_OK;
}

static enum ofperr
decode_one(const uint8_t *p, uint16_t type, uint16_t alen,
	   struct ofpact *acts, size_t max, size_t *n, bool packet_out)
{
	struct ofpact a;
	uint8_t v[6];
	uint16_t be;
	uint32_t port;
	enum ofperr err;
	size_t want = (type == OFPAT10_SET_DL_SRC ||
		       type == OFPAT10_SET_DL_DST ||
		       type == OFPAT10_ENQUEUE) ? 16 : 8;

	if (type > OFPAT10_ENQUEUE)
		return OFPERR_BAD_ACTION_BAD_TYPE;
	if (alen != want)
		return OFPERR_BAD_ACTION_BAD_LEN;
	memset(&a, 0, sizeof(a));
	switch (type) {
	case OFPAT10_OUTPUT:
	case OFPAT10_ENQUEUE:
		port = ofp10_port_to_13(ofp_rd16(p + 4));
		err = ofp_action_check_port(port, packet_out);
		if (err)
			return err;
		if (type == OFPAT10_ENQUEUE) {
			struct ofpact q = { .type = OFPACT_SET_QUEUE };
			memcpy(&q.id, p + 12, 4);
			q.id = ntohl(q.id);
			if ((err = push(acts, max, n, &q)))
				return err;
		}
		a.type = port == OFPP13_CONTROLLER ? OFPACT_CONTROLLER :
						     OFPACT_OUTPUT;
		a.port = port;
		a.max_len = type == OFPAT10_OUTPUT ? ofp_rd16(p + 6) : 0;
		a.reason = OFPR_ACTION;
		break;
	case OFPAT10_SET_VLAN_VID:
		if (ofp_rd16(p + 4) > 0xfff)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		be = htons(ofp_rd16(p + 4) | OFPVID_PRESENT);
		set_field(&a, OFPXMT_OFB_VLAN_VID, &be, 2);
		break;
	case OFPAT10_SET_VLAN_PCP:
		if (p[4] > 7)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		set_field(&a, OFPXMT_OFB_VLAN_PCP, p + 4, 1);
		break;
	case OFPAT10_STRIP_VLAN:
		a.type = OFPACT_POP_VLAN;
		break;
	case OFPAT10_SET_DL_SRC:
	case OFPAT10_SET_DL_DST:
		set_field(&a, type == OFPAT10_SET_DL_SRC ? OFPXMT_OFB_ETH_SRC :
			  OFPXMT_OFB_ETH_DST, p + 4, 6);
		break;
	case OFPAT10_SET_NW_SRC:
	case OFPAT10_SET_NW_DST:
		set_field(&a, type == OFPAT10_SET_NW_SRC ? OFPXMT_OFB_IPV4_SRC :
			  OFPXMT_OFB_IPV4_DST, p + 4, 4);
		break;
	case OFPAT10_SET_NW_TOS:
		if (p[4] & 3)
			return OFPERR_BAD_ACTION_BAD_ARGUMENT;
		v[0] = p[4] >> 2;
		set_field(&a, OFPXMT_OFB_IP_DSCP, v, 1);
		break;
	case OFPAT10_SET_TP_SRC:
	case OFPAT10_SET_TP_DST:
		set_field(&a, type == OFPAT10_SET_TP_SRC ? OFPXMT_OFB_TCP_SRC :
			  OFPXMT_OFB_TCP_DST, p + 4, 2);
		break;
	default:
		return OFPERR_BAD_ACTION_BAD_TYPE;
	}
	return push(acts, max, n, &a);
}

enum ofperr
ofp10_actions_decode(const void *buf, size_t len, struct ofpact *acts,
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
		enum ofperr err = decode_one(p, type, alen, acts, max, n,
					     packet_out);
		if (err)
			return err;
		p += alen;
		len -= alen;
	}
	return OFPERR_OK;
}

size_t
ofp10_actions_fixup(struct ofpact *acts, size_t n, size_t max,
		    const struct ofp_flow_match *m)
{
	unsigned int off = 0;
	bool tagged = (m->mask.vlan_tci & htons(FLOW_VLAN_TCI_PRESENT)) &&
		      (m->key.vlan_tci & htons(FLOW_VLAN_TCI_PRESENT));
	bool pushed = false;

	if (m->mask.nw_proto == 0xff && m->key.nw_proto == 17)
		off = OFPXMT_OFB_UDP_SRC - OFPXMT_OFB_TCP_SRC;
	else if (m->mask.nw_proto == 0xff && m->key.nw_proto == 132)
		off = OFPXMT_OFB_SCTP_SRC - OFPXMT_OFB_TCP_SRC;
	for (size_t i = 0; i < n; i++) {
		struct ofpact *a = &acts[i];

		if (a->type == OFPACT_POP_VLAN) {
			tagged = false;
			pushed = false;
		}
		if (a->type != OFPACT_SET_FIELD)
			continue;
		if (off && (a->field == OFPXMT_OFB_TCP_SRC ||
			    a->field == OFPXMT_OFB_TCP_DST))
			a->field = (uint16_t)(a->field + off);
		if ((a->field == OFPXMT_OFB_VLAN_VID ||
		     a->field == OFPXMT_OFB_VLAN_PCP) && !tagged && !pushed &&
		    n < max) {
			/* 1.0: setting the VID or PCP of an untagged frame
			 * adds a tag. */
			memmove(&acts[i + 1], &acts[i], (n - i) * sizeof(*acts));
			memset(&acts[i], 0, sizeof(*acts));
			acts[i].type = OFPACT_PUSH_VLAN;
			acts[i].ethertype = 0x8100;
			n++;
			i++;
			pushed = true;
		}
	}
	return n;
}

static void
put8(struct ofp_buf *b, uint16_t type, const void *arg, size_t alen)
{
	uint8_t *p = ofp_buf_put_zeros(b, 8);
	uint16_t t = htons(type), l = htons(8);

	memcpy(p, &t, 2);
	memcpy(p + 2, &l, 2);
	memcpy(p + 4, arg, alen);
}

static void
encode_set_field(const struct ofpact *a, struct ofp_buf *b)
{
	uint8_t v[4];
	uint16_t vid;

	switch (a->field) {
	case OFPXMT_OFB_VLAN_VID:
		vid = htons((uint16_t)((a->value[0] << 8 | a->value[1]) &
				       0xfff));
		put8(b, OFPAT10_SET_VLAN_VID, &vid, 2);
		return;
	case OFPXMT_OFB_VLAN_PCP:
		put8(b, OFPAT10_SET_VLAN_PCP, a->value, 1);
		return;
	case OFPXMT_OFB_ETH_SRC:
	case OFPXMT_OFB_ETH_DST: {
		uint8_t *p = ofp_buf_put_zeros(b, 16);
		uint16_t t = htons(a->field == OFPXMT_OFB_ETH_SRC ?
				   OFPAT10_SET_DL_SRC : OFPAT10_SET_DL_DST);
		uint16_t l = htons(16);
		memcpy(p, &t, 2);
		memcpy(p + 2, &l, 2);
		memcpy(p + 4, a->value, 6);
		return;
	}
	case OFPXMT_OFB_IPV4_SRC:
		put8(b, OFPAT10_SET_NW_SRC, a->value, 4);
		return;
	case OFPXMT_OFB_IPV4_DST:
		put8(b, OFPAT10_SET_NW_DST, a->value, 4);
		return;
	case OFPXMT_OFB_IP_DSCP:
		v[0] = (uint8_t)(a->value[0] << 2);
		put8(b, OFPAT10_SET_NW_TOS, v, 1);
		return;
	case OFPXMT_OFB_TCP_SRC:
	case OFPXMT_OFB_UDP_SRC:
	case OFPXMT_OFB_SCTP_SRC:
		put8(b, OFPAT10_SET_TP_SRC, a->value, 2);
		return;
	case OFPXMT_OFB_TCP_DST:
	case OFPXMT_OFB_UDP_DST:
	case OFPXMT_OFB_SCTP_DST:
		put8(b, OFPAT10_SET_TP_DST, a->value, 2);
		return;
	default:
		return;		/* Not expressible in 1.0. */
	}
}

void
ofp10_actions_encode(const struct ofpact *acts, size_t n, struct ofp_buf *b)
{
	for (size_t i = 0; i < n; i++) {
		const struct ofpact *a = &acts[i];

		if (a->type == OFPACT_SET_QUEUE && i + 1 < n &&
		    acts[i + 1].type == OFPACT_OUTPUT) {
			uint8_t *p = ofp_buf_put_zeros(b, 16);
			uint16_t t = htons(OFPAT10_ENQUEUE), l = htons(16);
			uint16_t port = htons(ofp10_port_from_13(acts[i + 1].port));
			uint32_t q = htonl(a->id);
			memcpy(p, &t, 2);
			memcpy(p + 2, &l, 2);
			memcpy(p + 4, &port, 2);
			memcpy(p + 12, &q, 4);
			i++;
			continue;
		}
		switch (a->type) {
		case OFPACT_OUTPUT:
		case OFPACT_CONTROLLER: {
			struct ofp10_action_output *o =
				ofp_buf_put_zeros(b, sizeof(*o));
			o->type = htons(OFPAT10_OUTPUT);
			o->len = htons(sizeof(*o));
			o->port = htons(ofp10_port_from_13(
				a->type == OFPACT_CONTROLLER ?
				OFPP13_CONTROLLER : a->port));
			o->max_len = htons(a->max_len);
			break;
		}
		case OFPACT_POP_VLAN:
			put8(b, OFPAT10_STRIP_VLAN, "", 0);
			break;
		case OFPACT_SET_FIELD:
			encode_set_field(a, b);
			break;
		default:
			break;	/* 1.3 only. */
		}
	}
}

uint32_t
ofp10_actions_supported(void)
{
	return (1u << (OFPAT10_ENQUEUE + 1)) - 1;	/* Types 0..11. */
}
