/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the PMD's packet parser (flow_parse.c) and the
 * datapath's header actions (dp_packet.c) on a plain buffer, as pmd.c runs
 * them on an mbuf's first segment (no EAL needed).
 *
 * Input: byte 0 = number of actions (mod 9); per action 2 bytes (type,
 * field or argument) and, for a set-field, the value and a mask flag;
 * the rest is the frame. The action lists are well formed, as the
 * slowpath builds them (the field lengths of dp_actions.h); the frame is
 * anything. Checks: the fast parser (flow_parse_fast) gives the same
 * result, word map and key words as flow_parse_map, before and after the
 * actions; the actions stay inside the buffer and its headroom.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_actions.h"
#include "dataplane/dp_packet.h"
#include "dataplane/flow_parse.h"

#define HEADROOM 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes of each settable field (0: not a field). */
static const uint8_t field_len[DP_FIELD_MAX] = {
	[DP_FIELD_ETH_DST] = 6, [DP_FIELD_ETH_SRC] = 6,
	[DP_FIELD_ETH_TYPE] = 2, [DP_FIELD_VLAN_VID] = 2,
	[DP_FIELD_VLAN_PCP] = 1, [DP_FIELD_IP_DSCP] = 1,
	[DP_FIELD_IP_ECN] = 1, [DP_FIELD_IP_PROTO] = 1,
	[DP_FIELD_IPV4_SRC] = 4, [DP_FIELD_IPV4_DST] = 4,
	[DP_FIELD_TCP_SRC] = 2, [DP_FIELD_TCP_DST] = 2,
	[DP_FIELD_UDP_SRC] = 2, [DP_FIELD_UDP_DST] = 2,
	[DP_FIELD_SCTP_SRC] = 2, [DP_FIELD_SCTP_DST] = 2,
	[DP_FIELD_ICMPV4_TYPE] = 1, [DP_FIELD_ICMPV4_CODE] = 1,
	[DP_FIELD_ARP_OP] = 2, [DP_FIELD_ARP_SPA] = 4,
	[DP_FIELD_ARP_TPA] = 4, [DP_FIELD_ARP_SHA] = 6,
	[DP_FIELD_ARP_THA] = 6, [DP_FIELD_IPV6_SRC] = 16,
	[DP_FIELD_IPV6_DST] = 16, [DP_FIELD_IPV6_FLABEL] = 4,
	[DP_FIELD_ICMPV6_TYPE] = 1, [DP_FIELD_ICMPV6_CODE] = 1,
	[DP_FIELD_IPV6_ND_TARGET] = 16, [DP_FIELD_IPV6_ND_SLL] = 6,
	[DP_FIELD_IPV6_ND_TLL] = 6, [DP_FIELD_MPLS_LABEL] = 4,
	[DP_FIELD_MPLS_TC] = 1, [DP_FIELD_MPLS_BOS] = 1,
	[DP_FIELD_PBB_ISID] = 3,
};

static const uint16_t header_types[] = {
	DP_ACTION_SET_FIELD, DP_ACTION_PUSH_VLAN, DP_ACTION_POP_VLAN,
	DP_ACTION_PUSH_MPLS, DP_ACTION_POP_MPLS, DP_ACTION_SET_MPLS_TTL,
	DP_ACTION_DEC_MPLS_TTL, DP_ACTION_SET_NW_TTL, DP_ACTION_DEC_NW_TTL,
	DP_ACTION_COPY_TTL_OUT, DP_ACTION_COPY_TTL_IN, DP_ACTION_PUSH_PBB,
	DP_ACTION_POP_PBB,
};

static const uint16_t ethertypes[] = { 0x0800, 0x86dd, 0x0806, 0x8847,
				       0x8848, 0x8100, 0x88a8, 0x88e7 };

/* Parses with both parsers; aborts when they differ. */
static void
parse_both(const uint8_t *p, uint32_t len)
{
	struct flow_key ks, kf;
	uint32_t ms = 0, mf = 0;
	enum flow_parse_result rs, rf;

	memset(&kf, 0x5a, sizeof(kf));
	rs = flow_parse_map(p, len, 7, &ks, &ms);
	rf = flow_parse_fast(p, len, 7, &kf, &mf);
	if (rs != rf || ms != mf) {
		fprintf(stderr, "flow_parse_fast: result %d map %#x, "
			"flow_parse_map: result %d map %#x\n", rf, mf, rs, ms);
		abort();
	}
	for (unsigned i = 0; i < FLOW_KEY_WORDS; i++)
		if ((ms & FLOW_MAP_WORD(i)) &&
		    flow_key_words(&ks)[i] != flow_key_words(&kf)[i]) {
			fprintf(stderr, "key word %u differs\n", i);
			abort();
		}
	if (flow_parse_result_name(rs) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_actions l;
	struct dp_buf b;
	size_t pos = 1, n;
	uint8_t *buf, *end;

	if (size < 1 || size > 16384)
		return 0;
	memset(&l, 0, sizeof(l));
	n = data[0] % 9;
	for (size_t i = 0; i < n && pos + 2 <= size; i++) {
		uint16_t type = header_types[data[pos] % (sizeof(header_types) /
						sizeof(header_types[0]))];
		uint8_t x = data[pos + 1];

		pos += 2;
		switch (type) {
		case DP_ACTION_SET_FIELD: {
			uint8_t f = x % DP_FIELD_MAX, len = field_len[f];

			if (len == 0 || pos + len + 1 > size)
				break;
			dp_actions_add_set_field(&l, f, data + pos,
						 data[pos + len] & 1 ?
						 data + pos : NULL, len);
			pos += len + 1u;
			break;
		}
		case DP_ACTION_PUSH_VLAN:
			dp_actions_add(&l, type, 0, x & 1 ? 0x88a8 : 0x8100);
			break;
		case DP_ACTION_PUSH_MPLS:
			dp_actions_add(&l, type, 0, x & 1 ? 0x8848 : 0x8847);
			break;
		case DP_ACTION_POP_MPLS:
			dp_actions_add(&l, type, 0, ethertypes[x % 8]);
			break;
		case DP_ACTION_PUSH_PBB:
			dp_actions_add(&l, type, 0, 0x88e7);
			break;
		default:
			dp_actions_add(&l, type, 0, x);
			break;
		}
	}
	n = size - pos;
	/* Room after the frame for the pad of a pop, as the PMD's mbuf. */
	buf = malloc(HEADROOM + n + DP_ETH_MIN_LEN);
	if (buf == NULL)
		abort();
	end = buf + HEADROOM + n + DP_ETH_MIN_LEN;
	memcpy(buf + HEADROOM, data + pos, n);
	parse_both(buf + HEADROOM, (uint32_t)n);
	b.data = buf + HEADROOM;
	b.len = (uint32_t)n;
	b.headroom = HEADROOM;
	for (unsigned i = 0; i < l.n; i++) {
		uint32_t len = b.len;

		/* As pmd.c's mbuf_apply(): a frame that got shorter is
		 * padded, within the room left after it. */
		if (dp_packet_apply(&b, &l, &l.a[i]) == DP_HDR_OK &&
		    b.len < len &&
		    dp_packet_pad_short(&b, (uint32_t)(end - (b.data + b.len))) &&
		    b.len != DP_ETH_MIN_LEN)
			abort();
		if (b.data < buf || b.data - buf != (ptrdiff_t)b.headroom ||
		    b.data + b.len > end)
			abort();
	}
	dp_packet_dscp_remark(&b, data[0] >> 6);
	parse_both(b.data, b.len);
	free(buf);
	return 0;
}
