/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the PMD's tunnel receive classification (tnl_dp.c) on
 * any frame arriving at an underlay port, as pmd.c runs it (no EAL
 * needed): malformed and truncated outer headers, unknown VNIs, other UDP
 * ports and protocols to the endpoint, ARP storms.
 *
 * Input: the frame. Checks: nothing is read outside it (ASan: the frame
 * is copied into a buffer of exactly its size); a DECAP's inner frame is a
 * whole Ethernet header or more and lies inside the frame; an ARP reply
 * built in place keeps the frame's length; pushing the popped inner frame
 * again with the port's header gives a frame that classifies as the same
 * tunnel and VNI, and the encapsulation fast path (tnl_encap.h) writes
 * the same bytes as tnl_push(). The input's first bytes as a datapath
 * action list: the fast path's check (tnl_encap_fast_offset()) accepts
 * only a whole template, and the header written from it (into a buffer of
 * exactly its size) carries a correct IPv4 checksum.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/tnl_dp.h"
#include "dataplane/tnl_encap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tnl_dp_table t;
static const uint8_t SW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void
table_init(void)
{
	t.ep[0].in_use = true;
	t.ep[0].ip = inet_addr("192.0.2.1");
	memcpy(t.ep[0].mac, SW_MAC, 6);
	t.ep_of_dp_port[0] = 1;
	t.ports[0] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_VXLAN, .udp_dst = htons(4789), .vni = 100,
		.remote_ip = inet_addr("192.0.2.2"), .in_port = 10 };
	t.ports[1] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_VXLAN, .udp_dst = htons(4790), .key_flow = true,
		.remote_flow = true, .in_port = 12 };
	t.ports[2] = (struct tnl_dp_port){ .in_use = true,
		.type = TNL_TYPE_GENEVE, .udp_dst = htons(6081), .vni = 200,
		.remote_ip = inet_addr("192.0.2.2"), .in_port = 11 };
	t.n_ports = 3;
}

/* The input as an action list (zero padded): a list the fast path takes
 * has its template inside the data in use, and the header from it is
 * whole. */
static void
fuzz_fast_offset(const uint8_t *data, size_t size)
{
	struct dp_actions l;
	struct tnl_encap e;
	uint8_t *h, ip[20];
	int off;

	memset(&l, 0, sizeof(l));
	memcpy(&l, data, size < sizeof(l) ? size : sizeof(l));
	off = tnl_encap_fast_offset(&l);
	if (off < 0)
		return;
	if (l.n != 2 || l.data_len > DP_ACTIONS_DATA ||
	    (size_t)off + offsetof(struct tnl_push, hdr) + TNL_OUTER_LEN >
		    l.data_len)
		abort();
	tnl_encap_load(&e, &l, (uint32_t)off);
	if (e.port >= TNL_MAX_PORTS ||
	    e.max_len + TNL_ENCAP_IP_OVERHEAD > 0xffff)
		abort();
	h = malloc(TNL_OUTER_LEN);
	if (h == NULL)
		return;
	memcpy(ip, e.hdr + 14, 20);
	ip[2] = ip[3] = ip[10] = ip[11] = 0;
	tnl_encap_write(h, e.hdr, e.csum_base, e.max_len, (uint32_t)size);
	/* A template whose base matches its header: a valid checksum. */
	if ((e.csum_base == dp_csum_fold(dp_csum_sum16(ip, 20)) &&
	     dp_csum_fold(dp_csum_sum16(h + 14, 20)) != 0xffff) ||
	    dp_rd16(h + 16) != e.max_len + TNL_ENCAP_IP_OVERHEAD ||
	    (h[34] & 0xc0) != 0xc0)
		abort();
	free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[2048 + TNL_OUTER_LEN];
	enum tnl_drop_reason why;
	struct tnl_rx_meta m, m2;
	uint32_t outer = 0, outer2 = 0;
	enum tnl_rx_verdict v;
	uint8_t *f;

	if (size > 2048)
		return 0;
	if (!t.ep[0].in_use)
		table_init();
	f = malloc(size ? size : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	v = tnl_rx_classify(&t, 0, f, (uint32_t)size, &m, &outer, &why);
	if (v == TNL_RX_DROP && (unsigned)why >= TNL_DROP_N)
		abort();
	if (v == TNL_RX_DECAP) {
		const struct tnl_dp_port *p = &t.ports[m.port];
		struct tnl_push push;
		struct dp_buf b;

		if (!m.tunnel || m.inner_len < 14 || outer + m.inner_len > size ||
		    m.port >= t.n_ports)
			abort();
		tnl_push_build(&push, p->type, m.port, SW_MAC, PEER_MAC,
			       m.tun_src, m.tun_dst, 64, 0, true,
			       ntohs(p->udp_dst), (uint32_t)m.tun_id, 9000);
		b.data = again + TNL_OUTER_LEN;
		b.headroom = TNL_OUTER_LEN;
		b.len = m.inner_len;
		memcpy(b.data, f + outer, m.inner_len);
		/* The fast path, from the same template in an action
		 * list, writes the same header. */
		struct dp_actions l;
		struct tnl_encap e;
		uint8_t fast[TNL_OUTER_LEN];
		int off;

		memset(&l, 0, sizeof(l));
		if (!tnl_actions_add_push(&l, &push) ||
		    !dp_actions_add(&l, DP_ACTION_OUTPUT, 0, 0) ||
		    (off = tnl_encap_fast_offset(&l)) < 0)
			abort();
		tnl_encap_load(&e, &l, (uint32_t)off);
		tnl_encap_write(fast, e.hdr, e.csum_base, m.inner_len,
				(uint32_t)size * 2654435761u);
		if (tnl_push(&b, &push, (uint32_t)size * 2654435761u) !=
			    DP_HDR_OK ||
		    memcmp(fast, b.data, TNL_OUTER_LEN) != 0 ||
		    tnl_rx_classify(&t, 0, b.data, b.len, &m2, &outer2, &why) !=
			    TNL_RX_DECAP ||
		    m2.port != m.port || m2.tun_id != m.tun_id ||
		    m2.inner_len != m.inner_len ||
		    memcmp(b.data + outer2, f + outer, m.inner_len) != 0)
			abort();
	}
	free(f);
	fuzz_fast_offset(data, size);
	return 0;
}
