/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A frame from a flow key (see flow_compose.h). Each layer is written in
 * the order flow_parse() reads it; the IP payload length fields are filled
 * in at the end, when the frame's length is known.
 */
#include "flow_compose.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_MIN_FRAME 60

static uint8_t *
put16(uint8_t *p, uint16_t host)
{
	p[0] = (uint8_t)(host >> 8);
	p[1] = (uint8_t)host;
	return p + 2;
}

static uint8_t *
put_raw(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

/* The transport header of protocol proto; returns its end. */
static uint8_t *
put_l4(uint8_t *p, const struct flow_key *k, bool ipv6)
{
	switch (k->nw_proto) {
	case 6:		/* TCP */
		p = put_raw(p, &k->tp_src, 2);
		p = put_raw(p, &k->tp_dst, 2);
		memset(p, 0, 16);
		p[8] = 5 << 4;	/* Data offset: 20 bytes. */
		p[8] |= (uint8_t)((ntohs(k->tcp_flags) >> 8) & 0x0f);
		p[9] = (uint8_t)ntohs(k->tcp_flags);
		put16(p + 10, 65535);	/* Window. */
		return p + 16;
	case 17:	/* UDP */
	case 132:	/* SCTP */
		p = put_raw(p, &k->tp_src, 2);
		p = put_raw(p, &k->tp_dst, 2);
		memset(p, 0, k->nw_proto == 17 ? 4 : 8);
		return p + (k->nw_proto == 17 ? 4 : 8);
	case 1:		/* ICMP */
		if (ipv6)
			return p;
		p[0] = (uint8_t)ntohs(k->tp_src);
		p[1] = (uint8_t)ntohs(k->tp_dst);
		memset(p + 2, 0, 6);
		return p + 8;
	case 58:	/* ICMPv6 */
		if (!ipv6)
			return p;
		p[0] = (uint8_t)ntohs(k->tp_src);
		p[1] = (uint8_t)ntohs(k->tp_dst);
		memset(p + 2, 0, 6);
		p += 8;
		/* Neighbour solicitation / advertisement. */
		if ((p[-8] == 135 || p[-8] == 136) && p[-7] == 0) {
			static const uint8_t zero[6];

			p = put_raw(p, k->nd_target, 16);
			if (memcmp(k->arp_sha, zero, 6)) {
				*p++ = 1;	/* Source link-layer address. */
				*p++ = 1;
				p = put_raw(p, k->arp_sha, 6);
			}
			if (memcmp(k->arp_tha, zero, 6)) {
				*p++ = 2;	/* Target link-layer address. */
				*p++ = 1;
				p = put_raw(p, k->arp_tha, 6);
			}
		}
		return p;
	default:
		return p;
	}
}

size_t
flow_compose(const struct flow_key *k, uint8_t *buf)
{
	uint16_t type = ntohs(k->eth_type);
	uint8_t *p = buf, *l3;
	size_t len;

	p = put_raw(p, k->eth_dst, 6);
	p = put_raw(p, k->eth_src, 6);
	if (k->vlan_tci & htons(0x1000)) {
		bool two = k->vlan_tci_inner & htons(0x1000);

		p = put16(p, two ? 0x88a8 : 0x8100);
		p = put16(p, ntohs(k->vlan_tci) & ~0x1000u);
		if (two) {
			p = put16(p, 0x8100);
			p = put16(p, ntohs(k->vlan_tci_inner) & ~0x1000u);
		}
	}
	p = put16(p, type);
	l3 = p;
	switch (type) {
	case 0x0800:
		memset(p, 0, 20);
		p[0] = 0x45;
		p[1] = k->nw_tos;
		if (k->nw_frag & FLOW_NW_FRAG_ANY)
			put16(p + 6, k->nw_frag & FLOW_NW_FRAG_LATER ?
				     0x2000 | 1 : 0x2000);	/* MF, offset */
		p[8] = k->nw_ttl;
		p[9] = k->nw_proto;
		memcpy(p + 12, &k->nw_src, 4);
		memcpy(p + 16, &k->nw_dst, 4);
		p += 20;
		if (!(k->nw_frag & FLOW_NW_FRAG_LATER))
			p = put_l4(p, k, false);
		put16(l3 + 2, (uint16_t)(p - l3));
		break;
	case 0x86dd: {
		uint32_t vtc = 6u << 28 | (uint32_t)k->nw_tos << 20 |
			       (ntohl(k->ipv6_label) & 0xfffff);

		vtc = htonl(vtc);
		memcpy(p, &vtc, 4);
		p[6] = k->nw_proto;
		p[7] = k->nw_ttl;
		memcpy(p + 8, k->ipv6_src, 16);
		memcpy(p + 24, k->ipv6_dst, 16);
		p += 40;
		p = put_l4(p, k, true);
		put16(l3 + 4, (uint16_t)(p - l3 - 40));
		break;
	}
	case 0x0806:
		p = put16(p, 1);
		p = put16(p, 0x0800);
		*p++ = 6;
		*p++ = 4;
		p = put16(p, k->nw_proto);
		p = put_raw(p, k->arp_sha, 6);
		p = put_raw(p, &k->nw_src, 4);
		p = put_raw(p, k->arp_tha, 6);
		p = put_raw(p, &k->nw_dst, 4);
		break;
	case 0x8847:
	case 0x8848: {
		uint32_t lse = k->mpls_lse | htonl(0x100);	/* BoS */

		p = put_raw(p, &lse, 4);
		break;
	}
	case 0x88e7:
		p = put_raw(p, &k->pbb_isid, 4);
		break;
	default:
		break;
	}
	len = (size_t)(p - buf);
	if (len < ETH_MIN_FRAME) {
		memset(p, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}
