/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Set-field on flow keys (the pipeline's working key and the flow_mod
 * prerequisite checks), and the OpenFlow 1.3 action set (section 5.10):
 * one action per type, one set-field per field, executed in the spec's
 * order at the end of the pipeline.
 */
#include <arpa/inet.h>
#include <string.h>

#include "ofp_actions.h"
#include "ofp_wire.h"

bool
ofp_set_field_writable(unsigned int field)
{
	switch (field) {
	case OFPXMT_OFB_IN_PORT:
	case OFPXMT_OFB_IN_PHY_PORT:
	case OFPXMT_OFB_METADATA:
	case OFPXMT_OFB_IPV6_EXTHDR:
	case OFP_FIELD_IP_FRAG:
		return false;
	default:
		return ofp_match_field_len(field) != 0;
	}
}

/* The field's bits in k and km (all zero on a bad action). */
static void
set_field_bits(const struct ofpact *a, struct flow_key *k,
	       struct flow_key *km)
{
	static const uint8_t ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	memset(k, 0, sizeof(*k));
	memset(km, 0, sizeof(*km));
	if (a->field == OFPXMT_OFB_VLAN_VID) {
		/* The VID only: the tag (PRESENT) stays as it is. */
		uint16_t vid = (uint16_t)(a->value[0] << 8 | a->value[1]);
		k->vlan_tci = htons(vid & FLOW_VLAN_VID_MASK);
		km->vlan_tci = htons(FLOW_VLAN_VID_MASK);
		return;
	}
	if (ofp_match_field_to_key(a->field, a->value, ones, k, km)) {
		memset(k, 0, sizeof(*k));
		memset(km, 0, sizeof(*km));
	}
}

void
ofp_set_field_apply(const struct ofpact *a, struct flow_key *key)
{
	struct flow_key k, km;
	flow_word_t *kw = (flow_word_t *)(void *)key;

	set_field_bits(a, &k, &km);
	const flow_word_t *v = flow_key_words(&k), *m = flow_key_words(&km);
	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		kw[i] = (kw[i] & ~m[i]) | (v[i] & m[i]);
}

void
ofp_set_field_mask(const struct ofpact *a, struct flow_key *mask)
{
	struct flow_key k, km;

	set_field_bits(a, &k, &km);
	flow_key_or(mask, &km);
}

/* The packet as a match after action a (what later set-fields may
 * assume). */
static void
match_after(struct ofp_flow_match *m, const struct ofpact *a)
{
	struct flow_key k, km;

	switch (a->type) {
	case OFPACT_SET_FIELD:
		set_field_bits(a, &k, &km);
		ofp_set_field_apply(a, &m->key);
		flow_key_or(&m->mask, &km);
		break;
	case OFPACT_PUSH_VLAN:
		m->key.vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT);
		m->mask.vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT);
		break;
	case OFPACT_POP_VLAN:
		m->key.vlan_tci = 0;
		m->mask.vlan_tci = 0xffff;
		break;
	case OFPACT_PUSH_MPLS:
	case OFPACT_POP_MPLS:
		m->key.eth_type = htons(a->ethertype);
		m->mask.eth_type = 0xffff;
		if (a->type == OFPACT_POP_MPLS)
			m->key.mpls_lse = 0;
		break;
	case OFPACT_PUSH_PBB:
		/* The outer frame is the new PBB one: its I-SID is 0 and the
		 * old tags went into the customer frame (dp_packet.c). */
		m->key.eth_type = htons(0x88e7);
		m->mask.eth_type = 0xffff;
		m->key.pbb_isid = 0;
		m->key.vlan_tci = 0;
		m->mask.vlan_tci = 0xffff;
		break;
	case OFPACT_POP_PBB:
		/* The customer frame's Ethertype and tags are not known:
		 * later set-fields may assume neither. */
		m->key.eth_type = 0;
		m->mask.eth_type = 0;
		m->key.pbb_isid = 0;
		m->mask.pbb_isid = 0;
		m->key.vlan_tci = 0;
		m->mask.vlan_tci = 0;
		break;
	default:
		break;
	}
}

enum ofperr
ofp_actions_check(const struct ofpact *acts, size_t n,
		  const struct ofp_flow_match *match)
{
	struct ofp_flow_match m = *match;

	for (size_t i = 0; i < n; i++) {
		const struct ofpact *a = &acts[i];

		if (a->type == OFPACT_SET_FIELD) {
			if (a->field == OFPXMT_OFB_VLAN_VID ||
			    a->field == OFPXMT_OFB_VLAN_PCP) {
				/* Needs a tag, pushed or matched. */
				if (!(m.mask.vlan_tci &
				      htons(FLOW_VLAN_TCI_PRESENT)) ||
				    !(m.key.vlan_tci &
				      htons(FLOW_VLAN_TCI_PRESENT)))
					return OFPERR_BAD_ACTION_MATCH_INCONSISTENT;
			} else if (ofp_match_check_prereqs(&m, 1ull << a->field)) {
				return OFPERR_BAD_ACTION_MATCH_INCONSISTENT;
			}
		}
		match_after(&m, a);
	}
	return OFPERR_OK;
}

int
ofpact_set_rank(enum ofpact_type type)
{
	switch (type) {
	case OFPACT_COPY_TTL_IN: return 1;
	case OFPACT_POP_VLAN:
	case OFPACT_POP_MPLS:
	case OFPACT_POP_PBB: return 2;
	case OFPACT_PUSH_MPLS: return 3;
	case OFPACT_PUSH_PBB: return 4;
	case OFPACT_PUSH_VLAN: return 5;
	case OFPACT_COPY_TTL_OUT: return 6;
	case OFPACT_DEC_MPLS_TTL:
	case OFPACT_DEC_NW_TTL: return 7;
	case OFPACT_SET_FIELD:
	case OFPACT_SET_MPLS_TTL:
	case OFPACT_SET_NW_TTL: return 8;
	case OFPACT_SET_QUEUE: return 9;
	case OFPACT_GROUP: return 10;
	case OFPACT_OUTPUT:
	case OFPACT_CONTROLLER: return 11;
	case OFPACT_METER:
	case OFPACT_CLONE: return 0;
	}
	return 0;
}

/* Two actions of the set that replace each other. */
static bool
same_slot(const struct ofpact *a, const struct ofpact *b)
{
	bool ao = a->type == OFPACT_OUTPUT || a->type == OFPACT_CONTROLLER;
	bool bo = b->type == OFPACT_OUTPUT || b->type == OFPACT_CONTROLLER;

	if (ao || bo)
		return ao && bo;
	if (a->type != b->type)
		return false;
	return a->type != OFPACT_SET_FIELD || a->field == b->field;
}

void
ofp_action_set_write(struct ofpact *set, size_t *n, size_t max,
		     const struct ofpact *acts, size_t n_acts)
{
	for (size_t i = 0; i < n_acts; i++) {
		size_t k;

		for (k = 0; k < *n; k++)
			if (same_slot(&set[k], &acts[i]))
				break;
		if (k < *n) {
			/* Replace, and move to the end: set-fields keep the
			 * order in which they were last written. */
			memmove(&set[k], &set[k + 1],
				(*n - k - 1) * sizeof(*set));
			(*n)--;
		}
		if (*n < max)
			set[(*n)++] = acts[i];
	}
}

size_t
ofp_action_set_order(struct ofpact *set, size_t n)
{
	bool group = false;
	size_t m = 0;

	/* Stable insertion sort by rank. */
	for (size_t i = 1; i < n; i++) {
		struct ofpact a = set[i];
		int r = ofpact_set_rank(a.type);
		size_t j = i;

		while (j > 0 && ofpact_set_rank(set[j - 1].type) > r) {
			set[j] = set[j - 1];
			j--;
		}
		set[j] = a;
	}
	for (size_t i = 0; i < n; i++)
		group |= set[i].type == OFPACT_GROUP;
	for (size_t i = 0; i < n; i++) {
		bool out = set[i].type == OFPACT_OUTPUT ||
			   set[i].type == OFPACT_CONTROLLER;
		if (group && out)
			continue;
		set[m++] = set[i];
	}
	return m;
}
