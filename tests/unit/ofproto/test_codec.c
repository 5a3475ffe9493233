/* SPDX-License-Identifier: BSD-3-Clause */
/* Golden codec tests: real OpenFlow 1.3 bytes (captured from ovs-ofctl 3.1
 * or written from the spec) -> decode -> encode -> same bytes, and
 * decode -> text -> the string ovs-ofctl ofp-print shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "ofp_flow_msg.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "test_util.h"

/* ovs-ofctl -O OpenFlow13 add-flow ... "priority=10,udp,in_port=1,
 * nw_dst=10.0.0.0/8,dl_src=00:11:22:33:44:55,dl_vlan=5,tp_dst=53,
 * actions=output:2,controller" as sent on the wire. */
static const char flow_mod_hex[] =
	"040e0098000000060000000000000000000000000000000000000000000000"
	"0affffffffffffffffffffffff000000000001003980000004000000018000"
	"080600112233445580000a02080080000c021005800019080a000000ff0000"
	"0080001401118000200200350000000000000000040028000000000000001000"
	"000002000000000000000000000010fffffffdffff000000000000";

static void
test_flow_mod_golden(void **state)
{
	uint8_t in[512];
	size_t n = hex_to_bytes(flow_mod_hex, in, sizeof(in));
	struct ofp_flow_mod fm;
	struct ofp_buf out = OFP_BUF_INIT;
	struct strbuf s = STRBUF_INIT;

	(void)state;
	assert_int_equal(ofp_flow_mod_decode(in, n, &fm), OFPERR_OK);
	assert_int_equal(fm.priority, 10);
	assert_int_equal(fm.match.key.in_port, 1);
	assert_int_equal(fm.match.key.vlan_tci, htons(0x1005));
	assert_int_equal(fm.match.mask.nw_dst, htonl(0xff000000));
	assert_int_equal(fm.insts.n_apply, 2);
	assert_int_equal(fm.insts.apply[1].type, OFPACT_CONTROLLER);
	assert_int_equal(fm.insts.apply[1].max_len, 0xffff);

	ofp_flow_mod_encode(&fm, 6, &out);
	assert_bytes_equal(out.data, out.len, in, n);

	ofp_flow_mod_format(&s, &fm);
	/* Same text as "ovs-ofctl ofp-print" of these bytes. */
	assert_string_equal(strbuf_str(&s),
		"ADD priority=10,udp,in_port=1,dl_vlan=5,"
		"dl_src=00:11:22:33:44:55,nw_dst=10.0.0.0/8,tp_dst=53 "
		"actions=output:2,CONTROLLER:65535");
	ofp_buf_free(&out);
	strbuf_free(&s);
}

/* A flow_mod with ARP, IPv6 and ICMP fields written by the encoder, checked
 * against ovs-ofctl ofp-print's reading of the same bytes. */
static void
test_flow_mod_text_encode_decode(void **state)
{
	static const struct {
		const char *flow;
		const char *text;
	} cases[] = {
		{ "priority=5,arp,arp_tpa=10.0.0.1,arp_op=1,actions=flood",
		  "ADD priority=5,arp,arp_tpa=10.0.0.1,arp_op=1 actions=FLOOD" },
		{ "ipv6,ipv6_dst=2001:db8::/32,actions=in_port",
		  "ADD ipv6,ipv6_dst=2001:db8::/32 actions=IN_PORT" },
		{ "icmp,icmp_type=8,icmp_code=0,cookie=0x42,actions=all",
		  "ADD icmp,icmp_type=8,icmp_code=0 cookie:0x42 actions=ALL" },
		{ "dl_vlan=0xffff,actions=drop",
		  "ADD vlan_tci=0x0000/0x1fff actions=drop" },
		{ "tcp,tp_src=0x400/0xff00,nw_tos=32,nw_ecn=1,actions=local",
		  "ADD tcp,nw_tos=32,nw_ecn=1,tp_src=0x400/0xff00 "
		  "actions=LOCAL" },
		{ "priority=1,in_port=3,actions=write_actions(output:2)",
		  "ADD priority=1,in_port=3 actions=write_actions(output:2)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ofp_flow_mod fm, fm2;
		struct ofp_buf out = OFP_BUF_INIT, out2 = OFP_BUF_INIT;
		struct strbuf s = STRBUF_INIT;
		char err[128] = "";

		assert_int_equal(ofp_flow_text_parse(cases[i].flow,
			OFP_FLOW_TEXT_ADD, &fm, err, sizeof(err)), 0);
		ofp_flow_mod_encode(&fm, 1, &out);
		assert_int_equal(ofp_flow_mod_decode(out.data, out.len, &fm2),
				 OFPERR_OK);
		ofp_flow_mod_encode(&fm2, 1, &out2);
		assert_bytes_equal(out2.data, out2.len, out.data, out.len);
		ofp_flow_mod_format(&s, &fm2);
		assert_string_equal(strbuf_str(&s), cases[i].text);
		ofp_buf_free(&out);
		ofp_buf_free(&out2);
		strbuf_free(&s);
	}
}

/* ovs-ofctl -O OpenFlow13 dump-flows: OFPMP_FLOW request, all tables. */
static void
test_flow_stats_request_golden(void **state)
{
	uint8_t in[128];
	size_t n = hex_to_bytes(
		"04120038000000020001000000000000"
		"ff000000ffffffffffffffff00000000"
		"0000000000000000"
		"0000000000000000"
		"0001000400000000", in, sizeof(in));
	struct ofp_flow_stats_req req;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	assert_int_equal(ofp_flow_stats_request_decode(in + 16, n - 16, &req),
			 OFPERR_OK);
	assert_int_equal(req.table_id, 0xff);
	assert_int_equal(req.filter.out_port, OFPP13_ANY);
	ofp_buf_put(&out, in, 16);
	ofp_flow_stats_request_encode(&req, &out);
	assert_bytes_equal(out.data, out.len, in, n);
	ofp_buf_free(&out);
}

/* One OFPMP_FLOW reply entry: encode, decode, identical bytes, and the
 * dump-flows line. */
static void
test_flow_stats_entry(void **state)
{
	uint8_t in[256];
	size_t n = hex_to_bytes(
		"0068" "00" "00" "00000001" "0bebc200" "000a" "0000" "0000"
		"0000" "00000000" "0000000000000000" "0000000000000005"
		"000000000000012c"
		"0001001e" "8000000400000001" "80000a020800"
		"800019080a000000ff000000" "0000"
		"0004001800000000" "00000010000000020000000000000000",
		in, sizeof(in));
	struct ofp_flow_stats_entry fs;
	struct ofp_buf out = OFP_BUF_INIT;
	struct strbuf s = STRBUF_INIT;
	size_t used;

	(void)state;
	assert_int_equal(ofp_flow_stats_entry_decode(in, n, &fs, &used),
			 OFPERR_OK);
	assert_int_equal(used, n);
	ofp_flow_stats_entry_encode(&fs, &out);
	assert_bytes_equal(out.data, out.len, in, n);
	ofp_flow_text_format_stats(&s, &fs);
	assert_string_equal(strbuf_str(&s),
		" cookie=0x0, duration=1.200s, table=0, n_packets=5, "
		"n_bytes=300, priority=10,ip,in_port=1,nw_dst=10.0.0.0/8 "
		"actions=output:2");
	ofp_buf_free(&out);
	strbuf_free(&s);
}

static void
test_features_reply_golden(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 0x0000000000000001ull,
					     NULL, NULL);
	struct ofp_session sess;
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t hello[16], req[8], exp[64];
	size_t hn = hex_to_bytes("04000010000000010001000800000010", hello,
				 sizeof(hello));
	size_t rn = hex_to_bytes("0405000800000007", req, sizeof(req));
	size_t en = hex_to_bytes(
		"0406002000000007000000000000000100000000fe0000000000004f"
		"00000000", exp, sizeof(exp));

	(void)state;
	assert_non_null(ofp);
	ofp_session_init(&sess, "test");
	assert_int_equal(ofp_msg_handle(ofp, &sess, hello, hn, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(sess.version, OFP13_VERSION);
	assert_int_equal(ofp_msg_handle(ofp, &sess, req, rn, &out), 0);
	assert_bytes_equal(out.data, out.len, exp, en);
	ofp_buf_free(&out);
	ofproto_destroy(ofp);
}

static void
test_packet_in_encode(void **state)
{
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t exp[128], pkt[4] = { 0xde, 0xad, 0xbe, 0xef };
	size_t en = hex_to_bytes(
		"040a002e00000000ffffffff003c0101000000000000002a"
		"0001000c800000040000000300000000" "0000" "deadbeef",
		exp, sizeof(exp));

	struct ofproto_packet_in_ctx pin = {
		.reason = 1, .table_id = 1, .cookie = 42,
	};

	(void)state;
	ofp_msg_put_packet_in(&out, &pin, 3, pkt, 4, 60);
	/* table_id 1 above is just a value to check placement. */
	assert_bytes_equal(out.data, out.len, exp, en);
	ofp_buf_free(&out);

	/* Nonzero metadata is a context field of the match. */
	en = hex_to_bytes(
		"040a003600000000ffffffff003c0103ffffffffffffffff"
		"00010018800000040000000380000408000000000000abcd"
		"0000" "deadbeef", exp, sizeof(exp));
	pin = (struct ofproto_packet_in_ctx){
		.reason = 1, .table_id = 3, .cookie = UINT64_MAX,
		.metadata = 0xabcd,
	};
	ofp_msg_put_packet_in(&out, &pin, 3, pkt, 4, 60);
	assert_bytes_equal(out.data, out.len, exp, en);
	ofp_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_mod_golden),
		cmocka_unit_test(test_flow_mod_text_encode_decode),
		cmocka_unit_test(test_flow_stats_request_golden),
		cmocka_unit_test(test_flow_stats_entry),
		cmocka_unit_test(test_features_reply_golden),
		cmocka_unit_test(test_packet_in_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
