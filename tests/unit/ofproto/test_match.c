/* SPDX-License-Identifier: BSD-3-Clause */
/* OXM decoding: prerequisites and BAD_MATCH codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "ofp_match.h"
#include "test_util.h"

static enum ofperr
decode_hex(const char *hex, struct ofp_flow_match *m)
{
	uint8_t b[256];
	size_t n = hex_to_bytes(hex, b, sizeof(b));

	return ofp_match_decode_oxms(b, n, m);
}

static void
test_match_errors(void **state)
{
	static const struct {
		const char *oxms;
		enum ofperr err;
	} cases[] = {
		/* IPV4_SRC without eth_type. */
		{ "800016040a000001", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* IPV4_SRC with eth_type ARP. */
		{ "80000a020806" "800016040a000001", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* TCP_DST with IP but no ip_proto. */
		{ "80000a020800" "80001c020050", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* TCP_DST with ip_proto UDP. */
		{ "80000a020800" "80001401" "11" "80001c020050",
		  OFPERR_BAD_MATCH_BAD_PREREQ },
		/* VLAN_PCP without VLAN_VID present. */
		{ "80000e0103", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* Unknown field 60, experimenter class. */
		{ "8000780400000000", OFPERR_BAD_MATCH_BAD_FIELD },
		{ "ffff00080000232000000000", OFPERR_BAD_MATCH_BAD_FIELD },
		/* MPLS_LABEL without an MPLS eth_type. */
		{ "8000440400000001", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* Duplicate IN_PORT. */
		{ "8000000400000001" "8000000400000002",
		  OFPERR_BAD_MATCH_DUP_FIELD },
		/* Masked IN_PORT (not maskable). */
		{ "800001080000000100000001", OFPERR_BAD_MATCH_BAD_MASK },
		/* Value bits outside the mask. */
		{ "80000a020800" "800017080a0000ffffffff00",
		  OFPERR_BAD_MATCH_BAD_WILDCARDS },
		/* Bad length for ETH_TYPE, and truncated TLV. */
		{ "80000a03080000", OFPERR_BAD_MATCH_BAD_LEN },
		{ "8000000400", OFPERR_BAD_MATCH_BAD_LEN },
		{ "800000", OFPERR_BAD_MATCH_BAD_LEN },
		/* VLAN_PCP 8, DSCP 64, VID without PRESENT. */
		{ "80000c021005" "80000e0108", OFPERR_BAD_MATCH_BAD_VALUE },
		{ "80000a020800" "80001001" "40", OFPERR_BAD_MATCH_BAD_VALUE },
		{ "80000c020005", OFPERR_BAD_MATCH_BAD_VALUE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ofp_flow_match m;
		enum ofperr e = decode_hex(cases[i].oxms, &m);

		if (e != cases[i].err)
			fprintf(stderr, "case %zu: got %s\n", i, ofperr_name(e));
		assert_int_equal(e, cases[i].err);
	}
}

static void
test_match_ok(void **state)
{
	struct ofp_flow_match m;

	(void)state;
	/* VLAN_VID present-only 0x1000/0x1000. */
	assert_int_equal(decode_hex("80000d0410001000", &m), OFPERR_OK);
	assert_int_equal(m.key.vlan_tci, htons(0x1000));
	assert_int_equal(m.mask.vlan_tci, htons(0x1000));
	/* OFPVID_NONE: untagged. */
	assert_int_equal(decode_hex("80000c020000", &m), OFPERR_OK);
	assert_int_equal(m.key.vlan_tci, 0);
	assert_int_equal(m.mask.vlan_tci, htons(0x1fff));
	/* VID + PCP share vlan_tci. */
	assert_int_equal(decode_hex("80000c021005" "80000e0103", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.vlan_tci, htons(0x1005 | (3 << 13)));
	assert_int_equal(m.mask.vlan_tci, 0xffff);
	/* ICMP type/code in tp_src/tp_dst. */
	assert_int_equal(decode_hex("80000a020800" "80001401" "01"
				    "80002601" "08" "80002801" "00", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.tp_src, htons(8));
	assert_int_equal(m.mask.tp_src, 0xffff);
	assert_int_equal(m.mask.tp_dst, 0xffff);
	/* ARP op into nw_proto. */
	assert_int_equal(decode_hex("80000a020806" "80002a020002", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.nw_proto, 2);
	/* IPv6 src masked. */
	assert_int_equal(decode_hex("80000a0286dd" "80003520"
		"20010db8000000000000000000000000"
		"ffffffff000000000000000000000000", &m), OFPERR_OK);
	assert_int_equal(m.mask.ipv6_src[3], 0xff);
	assert_int_equal(m.mask.ipv6_src[4], 0);

	/* Whole ofp_match with padding, and a bad type. */
	uint8_t b[64];
	size_t used, n = hex_to_bytes("0001000c8000000400000007" "00000000", b,
				      sizeof(b));
	assert_int_equal(ofp_match_decode(b, n, &m, &used), OFPERR_OK);
	assert_int_equal(used, 16);
	assert_int_equal(m.key.in_port, 7);
	n = hex_to_bytes("0000000c8000000400000007" "00000000", b, sizeof(b));
	assert_int_equal(ofp_match_decode(b, n, &m, &used),
			 OFPERR_BAD_MATCH_BAD_TYPE);
	n = hex_to_bytes("0001002c8000000400000007" "00000000", b, sizeof(b));
	assert_int_equal(ofp_match_decode(b, n, &m, &used),
			 OFPERR_BAD_MATCH_BAD_LEN);
}

/* Appends ofp_match_encode() of m and compares it with hex. */
static void
expect_encoding(const struct ofp_flow_match *m, const char *hex)
{
	struct ofp_buf b = OFP_BUF_INIT;
	uint8_t want[128];
	size_t n = hex_to_bytes(hex, want, sizeof(want));

	ofp_match_encode(m, &b);
	assert_bytes_equal(b.data, b.len, want, n);
	ofp_buf_free(&b);
}

/* NXM_NX_IP_FRAG (class 0x0001, field 26, 1 byte, maskable) inside an
 * OpenFlow 1.3 match, as ovs-ofctl -O OpenFlow13 writes nw_frag: needs
 * eth_type IPv4 or IPv6; matched against the parser's nw_frag bits. */
static void
test_match_ip_frag(void **state)
{
	struct ofp_flow_match m;
	struct flow_key pkt;

	(void)state;
	/* nw_frag=first: value 1, mask 3; encoded back exact. */
	assert_int_equal(decode_hex("80000a020800" "000135020103", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.nw_frag, FLOW_NW_FRAG_ANY);
	assert_int_equal(m.mask.nw_frag, FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
	expect_encoding(&m, "0001000f" "80000a020800" "0001340101" "00");
	memset(&pkt, 0, sizeof(pkt));
	pkt.eth_type = htons(0x0800);
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	pkt.nw_frag = FLOW_NW_FRAG_ANY;
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	pkt.nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));

	/* nw_frag=yes (1/1) on IPv6: every fragment; masked encoding. */
	assert_int_equal(decode_hex("80000a0286dd" "000135020101", &m),
			 OFPERR_OK);
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key) == false);
	pkt.eth_type = htons(0x86dd);
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	expect_encoding(&m, "00010010" "80000a0286dd" "000135020101");

	/* Undefined bits are dropped; no IP eth_type: BAD_PREREQ. */
	assert_int_equal(decode_hex("80000a020800" "00013401ff", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.nw_frag, 3);
	assert_int_equal(m.mask.nw_frag, 3);
	assert_int_equal(decode_hex("0001340101", &m),
			 OFPERR_BAD_MATCH_BAD_PREREQ);
	assert_int_equal(decode_hex("80000a020806" "0001340101", &m),
			 OFPERR_BAD_MATCH_BAD_PREREQ);
}

/* PBB_ISID (OXM field 37, 3 bytes, maskable) shares word 5 with the MPLS
 * LSE; eth_type 0x88e7 is its prerequisite. */
static void
test_match_pbb_isid(void **state)
{
	struct ofp_flow_match m, mpls;
	struct flow_key pkt;

	(void)state;
	/* Exact. */
	assert_int_equal(decode_hex("80000a0288e7" "80004a03123456", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.pbb_isid, htonl(0x123456));
	assert_int_equal(m.mask.pbb_isid, htonl(0xffffff));
	assert_int_equal(m.mask.eth_type, 0xffff);
	expect_encoding(&m, "00010011" "80000a0288e7" "80004a03123456"
			    "00000000000000");

	/* A PBB packet with that I-SID matches; another I-SID does not. */
	memset(&pkt, 0, sizeof(pkt));
	pkt.eth_type = htons(0x88e7);
	pkt.pbb_isid = htonl(0x123456);
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	pkt.pbb_isid = htonl(0x123457);
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	/* Nor an MPLS packet whose LSE has the same bits. */
	pkt.eth_type = htons(0x8847);
	pkt.mpls_lse = htonl(0x123456);
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	assert_int_equal(decode_hex("80000a028847" "8000440400000123", &mpls),
			 OFPERR_OK);
	assert_false(ofp_match_overlaps(&m, &mpls));

	/* Masked: only the top byte. */
	assert_int_equal(decode_hex("80000a0288e7" "80004b06120000ff0000",
				    &m), OFPERR_OK);
	assert_int_equal(m.key.pbb_isid, htonl(0x120000));
	assert_int_equal(m.mask.pbb_isid, htonl(0xff0000));
	expect_encoding(&m, "00010014" "80000a0288e7" "80004b06120000ff0000"
			    "00000000");
	pkt.eth_type = htons(0x88e7);
	pkt.pbb_isid = htonl(0x12abcd);
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	pkt.pbb_isid = htonl(0x13abcd);
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));

	/* A value bit outside the mask. */
	assert_int_equal(decode_hex("80000a0288e7" "80004b06123456ff0000",
				    &m), OFPERR_BAD_MATCH_BAD_WILDCARDS);
	/* No eth_type, or an MPLS one. */
	assert_int_equal(decode_hex("80004a03123456", &m),
			 OFPERR_BAD_MATCH_BAD_PREREQ);
	assert_int_equal(decode_hex("80000a028847" "80004a03123456", &m),
			 OFPERR_BAD_MATCH_BAD_PREREQ);
	/* Four value bytes. */
	assert_int_equal(decode_hex("80000a0288e7" "80004a0400123456", &m),
			 OFPERR_BAD_MATCH_BAD_LEN);
}

/* IN_PHY_PORT (OpenFlow 1.3 7.2.3.7): the same port as IN_PORT is a
 * packet from that port (key in_phy_port 0, in either order); another
 * port is the underlay of a tunnel port's packet. A packet's key has
 * in_phy_port 0 unless it was decapsulated; the match encodes back. */
static void
test_match_in_phy_port(void **state)
{
	struct ofp_flow_match m;
	struct flow_key pkt;

	(void)state;
	assert_int_equal(decode_hex("8000000400000002" "8000020400000002", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.in_port, 2);
	assert_int_equal(m.mask.in_port, UINT32_MAX);
	assert_int_equal(m.key.in_phy_port, 0);
	assert_int_equal(m.mask.in_phy_port, UINT16_MAX);
	memset(&pkt, 0, sizeof(pkt));
	pkt.in_port = 2;
	assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
	pkt.in_phy_port = 1;	/* Tunnel port 2 over underlay 1: no. */
	assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));

	/* Tunnel port 2 over underlay port 1, in either order. */
	for (int order = 0; order < 2; order++) {
		assert_int_equal(decode_hex(order ?
					    "8000020400000001"
					    "8000000400000002" :
					    "8000000400000002"
					    "8000020400000001", &m), OFPERR_OK);
		assert_int_equal(m.key.in_port, 2);
		assert_int_equal(m.key.in_phy_port, 1);
		assert_true(flow_key_masked_equal(&pkt, &m.mask, &m.key));
		pkt.in_phy_port = 0;	/* From port 2 itself: no. */
		assert_false(flow_key_masked_equal(&pkt, &m.mask, &m.key));
		pkt.in_phy_port = 1;
	}
	/* Encoded back as both fields (padded to 8 bytes). */
	expect_encoding(&m, "00010014" "8000000400000002" "8000020400000001"
			"00000000");
	/* LOCAL as the underlay keeps its low 16 bits; numbers no port can
	 * have are refused. */
	assert_int_equal(decode_hex("8000000400000002" "80000204fffffffe", &m),
			 OFPERR_OK);
	assert_int_equal(m.key.in_phy_port, 0xfffe);
	assert_int_equal(decode_hex("8000000400000002" "8000020400010000", &m),
			 OFPERR_BAD_MATCH_BAD_VALUE);
	assert_int_equal(decode_hex("8000020400000001", &m),
			 OFPERR_BAD_MATCH_BAD_PREREQ);
}

static void
test_match_relations(void **state)
{
	struct ofp_flow_match all, ip, ipsrc, arp;

	(void)state;
	ofp_match_init_catchall(&all);
	assert_int_equal(decode_hex("80000a020800", &ip), OFPERR_OK);
	assert_int_equal(decode_hex("80000a020800" "800016040a000001", &ipsrc),
			 OFPERR_OK);
	assert_int_equal(decode_hex("80000a020806", &arp), OFPERR_OK);
	assert_true(ofp_match_covers(&all, &ip));
	assert_true(ofp_match_covers(&ip, &ipsrc));
	assert_false(ofp_match_covers(&ipsrc, &ip));
	assert_false(ofp_match_covers(&arp, &ip));
	assert_true(ofp_match_overlaps(&ip, &ipsrc));
	assert_false(ofp_match_overlaps(&ip, &arp));
	assert_true(ofp_match_equal(&ip, &ip));
}

/* tun_src / tun_dst: Nicira fields (class 0x0001, fields 31 and 32) inside
 * an OpenFlow 1.3 match, as ovs-ofctl -O OpenFlow13 writes them; decoded
 * into the key's tunnel word and encoded back with the same headers. */
static void
test_match_tunnel_fields(void **state)
{
	struct ofp_flow_match m;
	struct ofp_buf b = OFP_BUF_INIT;
	/* TUNNEL_ID 100, tun_src 192.0.2.9, tun_dst 192.0.2.0/24. */
	static const char *oxms = "80004c080000000000000064"
				  "00013e04c0000209"
				  "00014108c0000200ffffff00";

	(void)state;
	assert_int_equal(decode_hex(oxms, &m), OFPERR_OK);
	assert_int_equal(m.key.tunnel_id, 100);
	assert_int_equal(m.key.tun_src, htonl(0xc0000209));
	assert_int_equal(m.mask.tun_src, UINT32_MAX);
	assert_int_equal(m.key.tun_dst, htonl(0xc0000200));
	assert_int_equal(m.mask.tun_dst, htonl(0xffffff00));
	ofp_match_encode(&m, &b);
	assert_true(b.len >= 4 + 12 + 8 + 12);
	assert_memory_equal(b.data + 4,
			    "\x80\x00\x4c\x08\0\0\0\0\0\0\0\x64"
			    "\x00\x01\x3e\x04\xc0\x00\x02\x09"
			    "\x00\x01\x41\x08\xc0\x00\x02\x00"
			    "\xff\xff\xff\x00", 32);
	ofp_buf_free(&b);
	/* Another NXM field is still unknown; a bad length is refused. */
	assert_int_equal(decode_hex("00010204c0000209", &m),
			 OFPERR_BAD_MATCH_BAD_FIELD);
	assert_int_equal(decode_hex("00013e03c00002", &m),
			 OFPERR_BAD_MATCH_BAD_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_errors),
		cmocka_unit_test(test_match_ok),
		cmocka_unit_test(test_match_pbb_isid),
		cmocka_unit_test(test_match_ip_frag),
		cmocka_unit_test(test_match_relations),
		cmocka_unit_test(test_match_in_phy_port),
		cmocka_unit_test(test_match_tunnel_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
