/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp_normal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_SEC 1000000000ull

int
ofp_mac_table_init(struct ofp_mac_table *t)
{
	memset(t, 0, sizeof(*t));
	t->entries = calloc(OFP_MAC_SETS * OFP_MAC_WAYS, sizeof(*t->entries));
	if (t->entries == NULL)
		return -ENOMEM;
	t->aging_ns = OFP_MAC_AGING_SEC * NS_PER_SEC;
	return 0;
}

void
ofp_mac_table_destroy(struct ofp_mac_table *t)
{
	free(t->entries);
	t->entries = NULL;
}

void
ofp_mac_table_flush(struct ofp_mac_table *t)
{
	memset(t->entries, 0,
	       OFP_MAC_SETS * OFP_MAC_WAYS * sizeof(*t->entries));
	t->count = 0;
}

void
ofp_mac_table_flush_port(struct ofp_mac_table *t, uint32_t port)
{
	for (size_t i = 0; i < OFP_MAC_SETS * OFP_MAC_WAYS; i++) {
		if (t->entries[i].port == port) {
			memset(&t->entries[i], 0, sizeof(t->entries[i]));
			t->count--;
		}
	}
}

static struct ofp_mac_entry *
mac_set(const struct ofp_mac_table *t, const uint8_t mac[6], uint16_t vlan)
{
	uint64_t h = vlan;

	for (int i = 0; i < 6; i++)
		h = (h << 8) | mac[i];
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return &t->entries[(h % OFP_MAC_SETS) * OFP_MAC_WAYS];
}

static bool
expired(const struct ofp_mac_table *t, const struct ofp_mac_entry *e,
	uint64_t now_ns)
{
	return now_ns - e->used_ns > t->aging_ns;
}

bool
ofp_mac_learn(struct ofp_mac_table *t, const uint8_t mac[6], uint16_t vlan,
	      uint32_t port, uint64_t now_ns)
{
	struct ofp_mac_entry *set = mac_set(t, mac, vlan), *victim = NULL;

	for (int i = 0; i < OFP_MAC_WAYS; i++) {
		struct ofp_mac_entry *e = &set[i];

		if (e->port != 0 && e->vlan == vlan &&
		    !memcmp(e->mac, mac, 6)) {
			bool moved = e->port != port || expired(t, e, now_ns);

			e->port = port;
			e->used_ns = now_ns;
			if (moved)
				t->learned++;
			return moved;
		}
		/* A free slot, else the least recently seen entry. */
		if (victim == NULL ||
		    (victim->port != 0 &&
		     (e->port == 0 || e->used_ns < victim->used_ns)))
			victim = e;
	}
	if (victim->port == 0)
		t->count++;
	memcpy(victim->mac, mac, 6);
	victim->vlan = vlan;
	victim->port = port;
	victim->used_ns = now_ns;
	t->learned++;
	return true;
}

uint32_t
ofp_mac_lookup(const struct ofp_mac_table *t, const uint8_t mac[6],
	       uint16_t vlan, uint64_t now_ns)
{
	const struct ofp_mac_entry *set = mac_set(t, mac, vlan);

	for (int i = 0; i < OFP_MAC_WAYS; i++) {
		const struct ofp_mac_entry *e = &set[i];

		if (e->port != 0 && e->vlan == vlan &&
		    !memcmp(e->mac, mac, 6) && !expired(t, e, now_ns))
			return e->port;
	}
	return 0;
}

size_t
ofp_normal_decide(struct ofp_mac_table *t, const struct flow_key *key,
		  struct flow_key *mask, struct ofpact *acts,
		  uint64_t now_ns, bool *changed)
{
	uint16_t tci = ntohs(key->vlan_tci);
	uint16_t vlan = (tci & FLOW_VLAN_TCI_PRESENT) ?
			(uint16_t)(tci & FLOW_VLAN_VID_MASK) : 0;
	uint32_t port;

	mask->in_port = UINT32_MAX;
	memset(mask->eth_src, 0xff, 6);
	memset(mask->eth_dst, 0xff, 6);
	mask->vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT | FLOW_VLAN_VID_MASK);

	/* Learn unicast sources only; a probe (changed == NULL) learns
	 * nothing. */
	if (changed != NULL && !(key->eth_src[0] & 1) &&
	    ofp_mac_learn(t, key->eth_src, vlan, key->in_port, now_ns))
		*changed = true;

	acts[0].type = OFPACT_OUTPUT;
	acts[0].max_len = 0;
	if (key->eth_dst[0] & 1) {
		acts[0].port = OFPP13_FLOOD;
		return 1;
	}
	port = ofp_mac_lookup(t, key->eth_dst, vlan, now_ns);
	if (port == key->in_port)
		return 0;
	acts[0].port = port ? port : OFPP13_FLOOD;
	return 1;
}
