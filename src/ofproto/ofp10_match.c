/* SPDX-License-Identifier: BSD-3-Clause */
#include "ofp10_match.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806

uint32_t
ofp10_port_to_13(uint16_t port)
{
	if (port == OFPP10_NONE)
		return OFPP13_ANY;
	if (port >= OFPP10_MAX)
		return 0xffff0000u | port;
	return port;
}

uint16_t
ofp10_port_from_13(uint32_t port)
{
	if (port == OFPP13_ANY)
		return OFPP10_NONE;
	if (port >= OFPP13_MAX)
		return (uint16_t)(port & 0xffff);
	return port < OFPP10_MAX ? (uint16_t)port : OFPP10_NONE;
}

static uint32_t
prefix_mask(unsigned int wild_bits)
{
	if (wild_bits >= 32)
		return 0;
	return htonl(~0u << wild_bits);
}

void
ofp10_match_decode(const struct ofp10_match *w, struct ofp_flow_match *m)
{
	uint32_t wc = ntohl(w->wildcards);
	struct flow_key *k = &m->key, *mk = &m->mask;

	ofp_match_init_catchall(m);
	if (!(wc & OFPFW10_IN_PORT)) {
		k->in_port = ofp10_port_to_13(ntohs(w->in_port));
		mk->in_port = UINT32_MAX;
	}
	if (!(wc & OFPFW10_DL_SRC)) {
		memcpy(k->eth_src, w->dl_src, 6);
		memset(mk->eth_src, 0xff, 6);
	}
	if (!(wc & OFPFW10_DL_DST)) {
		memcpy(k->eth_dst, w->dl_dst, 6);
		memset(mk->eth_dst, 0xff, 6);
	}
	bool no_vlan = false;
	if (!(wc & OFPFW10_DL_VLAN)) {
		uint16_t vid = ntohs(w->dl_vlan);

		if (vid == OFP10_VLAN_NONE) {
			no_vlan = true;
			k->vlan_tci = 0;
			mk->vlan_tci = htons(FLOW_VLAN_TCI_PRESENT |
					     FLOW_VLAN_VID_MASK);
		} else {
			k->vlan_tci = htons(FLOW_VLAN_TCI_PRESENT |
					    (vid & FLOW_VLAN_VID_MASK));
			mk->vlan_tci = htons(FLOW_VLAN_TCI_PRESENT |
					     FLOW_VLAN_VID_MASK);
		}
	}
	if (!(wc & OFPFW10_DL_VLAN_PCP) && !no_vlan) {
		k->vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT |
				     (uint16_t)((w->dl_vlan_pcp & 7)
						<< FLOW_VLAN_PCP_SHIFT));
		mk->vlan_tci |= htons(FLOW_VLAN_TCI_PRESENT |
				      FLOW_VLAN_PCP_MASK);
	}
	if (wc & OFPFW10_DL_TYPE)
		return;
	k->eth_type = w->dl_type;
	mk->eth_type = 0xffff;
	uint16_t type = ntohs(w->dl_type);
	if (type != ETH_TYPE_IP && type != ETH_TYPE_ARP)
		return;
	if (type == ETH_TYPE_IP && !(wc & OFPFW10_NW_TOS)) {
		k->nw_tos = w->nw_tos & 0xfc;
		mk->nw_tos = 0xfc;
	}
	if (!(wc & OFPFW10_NW_PROTO)) {
		k->nw_proto = w->nw_proto;
		mk->nw_proto = 0xff;
	}
	mk->nw_src = prefix_mask((wc & OFPFW10_NW_SRC_MASK) >>
				 OFPFW10_NW_SRC_SHIFT);
	k->nw_src = w->nw_src & mk->nw_src;
	mk->nw_dst = prefix_mask((wc & OFPFW10_NW_DST_MASK) >>
				 OFPFW10_NW_DST_SHIFT);
	k->nw_dst = w->nw_dst & mk->nw_dst;
	if (type != ETH_TYPE_IP || (wc & OFPFW10_NW_PROTO))
		return;
	if (w->nw_proto != 6 && w->nw_proto != 17 && w->nw_proto != 1 &&
	    w->nw_proto != 132)
		return;
	if (!(wc & OFPFW10_TP_SRC)) {
		k->tp_src = w->tp_src;
		mk->tp_src = 0xffff;
	}
	if (!(wc & OFPFW10_TP_DST)) {
		k->tp_dst = w->tp_dst;
		mk->tp_dst = 0xffff;
	}
}

static unsigned int
wild_bits(uint32_t be_mask)
{
	uint32_t mk = ntohl(be_mask);
	unsigned int n = 0;

	while (n < 32 && !(mk & (1u << n)))
		n++;
	return n;
}

static bool
all_ones(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

void
ofp10_match_encode(const struct ofp_flow_match *m, struct ofp10_match *w)
{
	const struct flow_key *k = &m->key, *mk = &m->mask;
	uint32_t wc = OFPFW10_ALL;

	memset(w, 0, sizeof(*w));
	if (mk->in_port) {
		wc &= ~OFPFW10_IN_PORT;
		w->in_port = htons(ofp10_port_from_13(k->in_port));
	}
	if (all_ones(mk->eth_src, 6)) {
		wc &= ~OFPFW10_DL_SRC;
		memcpy(w->dl_src, k->eth_src, 6);
	}
	if (all_ones(mk->eth_dst, 6)) {
		wc &= ~OFPFW10_DL_DST;
		memcpy(w->dl_dst, k->eth_dst, 6);
	}
	uint16_t tci = ntohs(k->vlan_tci), tmask = ntohs(mk->vlan_tci);
	if ((tmask & FLOW_VLAN_TCI_PRESENT) && !(tci & FLOW_VLAN_TCI_PRESENT)) {
		wc &= ~OFPFW10_DL_VLAN;
		w->dl_vlan = htons(OFP10_VLAN_NONE);
	} else {
		if ((tmask & FLOW_VLAN_VID_MASK) == FLOW_VLAN_VID_MASK) {
			wc &= ~OFPFW10_DL_VLAN;
			w->dl_vlan = htons(tci & FLOW_VLAN_VID_MASK);
		}
		if ((tmask & FLOW_VLAN_PCP_MASK) == FLOW_VLAN_PCP_MASK) {
			wc &= ~OFPFW10_DL_VLAN_PCP;
			w->dl_vlan_pcp = (uint8_t)(tci >> FLOW_VLAN_PCP_SHIFT);
		}
	}
	if (mk->eth_type) {
		wc &= ~OFPFW10_DL_TYPE;
		w->dl_type = k->eth_type;
	}
	if (mk->nw_tos & 0xfc) {
		wc &= ~OFPFW10_NW_TOS;
		w->nw_tos = k->nw_tos & 0xfc;
	}
	if (mk->nw_proto) {
		wc &= ~OFPFW10_NW_PROTO;
		w->nw_proto = k->nw_proto;
	}
	wc = (wc & ~OFPFW10_NW_SRC_MASK) |
	     (wild_bits(mk->nw_src) << OFPFW10_NW_SRC_SHIFT);
	w->nw_src = k->nw_src;
	wc = (wc & ~OFPFW10_NW_DST_MASK) |
	     (wild_bits(mk->nw_dst) << OFPFW10_NW_DST_SHIFT);
	w->nw_dst = k->nw_dst;
	if (mk->tp_src) {
		wc &= ~OFPFW10_TP_SRC;
		w->tp_src = k->tp_src;
	}
	if (mk->tp_dst) {
		wc &= ~OFPFW10_TP_DST;
		w->tp_dst = k->tp_dst;
	}
	w->wildcards = htonl(wc);
}
