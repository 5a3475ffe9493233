/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenFlow 1.3 actions and instructions: wire codec round trips, BAD_ACTION
 * and BAD_INSTRUCTION codes, the ovs-ofctl text of every action, the new
 * OXM match fields, and the action set's order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "ofp10_match.h"
#include "ofp_action_text.h"
#include "ofp_actions.h"
#include "ofp_flow_text.h"
#include "ofp_match.h"
#include "ofp_wire.h"
#include "test_util.h"

static enum ofperr
decode_actions_hex(const char *hex, struct ofpact *acts, size_t *n)
{
	uint8_t b[512];
	size_t len = hex_to_bytes(hex, b, sizeof(b));

	return ofp_actions_decode(b, len, acts, OFPROTO_MAX_ACTIONS, n, false);
}

static void
test_action_codec_roundtrip(void **state)
{
	const char *text =
		"output:1,CONTROLLER:128,set_field:00:11:22:33:44:55->eth_dst,"
		"set_field:10.1.2.3->ipv4_src,set_field:80->tcp_dst,"
		"set_field:2001:db8::1->ipv6_dst,set_field:5->vlan_vid,"
		"set_field:0x3->vlan_pcp,set_field:100->mpls_label,"
		"set_field:0x2e->ip_dscp,push_vlan:0x8100,pop_vlan,"
		"push_mpls:0x8847,pop_mpls:0x0800,set_mpls_ttl(9),"
		"dec_mpls_ttl,mod_nw_ttl:7,dec_ttl,copy_ttl_out,copy_ttl_in,"
		"push_pbb:0x88e7,pop_pbb,set_queue:3,group:4";
	struct ofp_insts insts, back;
	struct ofp_buf b = OFP_BUF_INIT;
	struct strbuf s = STRBUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(ofp_flow_text_parse_actions(text, &insts, err,
						     sizeof(err)), 0);
	assert_int_equal(insts.n_apply, 24);
	ofp_insts_encode(&insts, &b);
	assert_int_equal(ofp_insts_decode(b.data, b.len, &back), 0);
	assert_int_equal(back.n_apply, insts.n_apply);
	for (size_t i = 0; i < insts.n_apply; i++) {
		const struct ofpact *x = &insts.apply[i], *y = &back.apply[i];
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->ethertype, y->ethertype);
		assert_int_equal(x->ttl, y->ttl);
		assert_int_equal(x->field, y->field);
		assert_int_equal(x->len, y->len);
		assert_memory_equal(x->value, y->value, x->len);
	}
	/* Text round trip. */
	ofp_flow_text_format_insts(&s, &back);
	assert_string_equal(strbuf_str(&s),
		"output:1,CONTROLLER:128,"
		"set_field:00:11:22:33:44:55->eth_dst,"
		"set_field:10.1.2.3->ipv4_src,set_field:80->tcp_dst,"
		"set_field:2001:db8::1->ipv6_dst,set_field:4101->vlan_vid,"
		"set_field:3->vlan_pcp,set_field:100->mpls_label,"
		"set_field:46->ip_dscp,push_vlan:0x8100,pop_vlan,"
		"push_mpls:0x8847,pop_mpls:0x0800,set_mpls_ttl(9),"
		"dec_mpls_ttl,mod_nw_ttl:7,dec_ttl,copy_ttl_out,copy_ttl_in,"
		"push_pbb:0x88e7,pop_pbb,set_queue:3,group:4");
	strbuf_free(&s);
	ofp_buf_free(&b);
}

static void
test_action_errors(void **state)
{
	static const struct {
		const char *hex;
		enum ofperr err;
	} cases[] = {
		/* Experimenter and unknown types. */
		{ "ffff000800002320", OFPERR_BAD_ACTION_BAD_TYPE },
		{ "0063000800000000", OFPERR_BAD_ACTION_BAD_TYPE },
		/* Bad lengths. */
		{ "0000000800000001", OFPERR_BAD_ACTION_BAD_LEN },
		{ "0012001000000000" "0000000000000000",
		  OFPERR_BAD_ACTION_BAD_LEN },
		{ "00120007000000", OFPERR_BAD_ACTION_BAD_LEN },
		/* Output to port 0, to TABLE outside packet-out. */
		{ "0000001000000000ffff000000000000",
		  OFPERR_BAD_ACTION_BAD_OUT_PORT },
		{ "00000010fffffff9ffff000000000000",
		  OFPERR_BAD_ACTION_BAD_OUT_PORT },
		/* push_vlan 0x0800, push_mpls 0x8100. */
		{ "0011000808000000", OFPERR_BAD_ACTION_BAD_ARGUMENT },
		{ "0013000881000000", OFPERR_BAD_ACTION_BAD_ARGUMENT },
		/* Group id above OFPG_MAX. */
		{ "00160008fffffffc", OFPERR_BAD_ACTION_BAD_OUT_GROUP },
		/* set_field IN_PORT (read-only), unknown field. */
		{ "0019001080000004" "0000000100000000",
		  OFPERR_BAD_ACTION_BAD_SET_TYPE },
		{ "0019001080007804" "0000000100000000",
		  OFPERR_BAD_ACTION_BAD_SET_TYPE },
		/* set_field with a mask, with a bad OXM length. */
		{ "0019001080001708" "0a000001ffffffff" "",
		  OFPERR_BAD_ACTION_BAD_SET_ARGUMENT },
		{ "0019001080001605" "0a00000100000000",
		  OFPERR_BAD_ACTION_BAD_SET_LEN },
		/* VLAN_PCP 8, VLAN_VID above 0x1fff. */
		{ "0019001080000e01" "0800000000000000",
		  OFPERR_BAD_ACTION_BAD_SET_ARGUMENT },
		{ "0019001080000c02" "2000000000000000",
		  OFPERR_BAD_ACTION_BAD_SET_ARGUMENT },
	};
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ofperr e = decode_actions_hex(cases[i].hex, acts, &n);
		if (e != cases[i].err)
			fprintf(stderr, "case %zu: got %s\n", i,
				ofperr_name(e));
		assert_int_equal(e, cases[i].err);
	}
}

static void
test_instructions(void **state)
{
	struct ofp_insts insts, back;
	struct ofp_buf b = OFP_BUF_INIT;
	uint8_t raw[64];
	size_t n;
	char err[128];

	(void)state;
	assert_int_equal(ofp_flow_text_parse_actions(
		"meter:3,output:1,clear_actions,write_actions(output:2),"
		"write_metadata:0x10/0xf0,goto_table:7", &insts, err,
		sizeof(err)), 0);
	ofp_insts_encode(&insts, &b);
	assert_int_equal(ofp_insts_decode(b.data, b.len, &back), 0);
	assert_true(back.has_meter && back.meter_id == 3);
	assert_true(back.has_goto && back.goto_table == 7);
	assert_true(back.has_meta);
	assert_int_equal(back.metadata, 0x10);
	assert_int_equal(back.metadata_mask, 0xf0);
	assert_true(back.clear);
	assert_int_equal(back.n_write, 1);
	struct strbuf s = STRBUF_INIT;
	ofp_flow_text_format_insts(&s, &back);
	assert_string_equal(strbuf_str(&s),
			    "meter:3,output:1,clear_actions,"
			    "write_actions(output:2),"
			    "write_metadata:0x10/0xf0,goto_table:7");
	strbuf_free(&s);
	ofp_buf_free(&b);

	/* Two GOTO_TABLEs, a bad GOTO length, unknown type, experimenter. */
	n = hex_to_bytes("0001000801000000" "0001000802000000", raw,
			 sizeof(raw));
	assert_int_equal(ofp_insts_decode(raw, n, &back),
			 OFPERR_BAD_INST_UNSUP_INST);
	n = hex_to_bytes("0001001001000000" "0000000000000000", raw,
			 sizeof(raw));
	assert_int_equal(ofp_insts_decode(raw, n, &back),
			 OFPERR_BAD_INST_BAD_LEN);
	n = hex_to_bytes("0009000800000000", raw, sizeof(raw));
	assert_int_equal(ofp_insts_decode(raw, n, &back),
			 OFPERR_BAD_INST_UNKNOWN_INST);
	n = hex_to_bytes("ffff000800002320", raw, sizeof(raw));
	assert_int_equal(ofp_insts_decode(raw, n, &back),
			 OFPERR_BAD_INST_UNSUP_INST);
	/* Goto to its own table. */
	struct ofp_flow_match m;
	ofp_match_init_catchall(&m);
	memset(&insts, 0, sizeof(insts));
	insts.has_goto = true;
	insts.goto_table = 3;
	assert_int_equal(ofp_insts_check(&insts, &m, 3, 254),
			 OFPERR_BAD_INST_BAD_TABLE_ID);
	assert_int_equal(ofp_insts_check(&insts, &m, 2, 254), 0);
}

static void
test_action_set_order(void **state)
{
	struct ofpact set[OFPROTO_MAX_ACTIONS];
	struct ofp_insts in;
	size_t n = 0;
	char err[128];

	(void)state;
	assert_int_equal(ofp_flow_text_parse_actions(
		"output:1,group:2,set_queue:1,set_field:1->tcp_dst,dec_ttl,"
		"copy_ttl_out,push_vlan:0x8100,push_pbb:0x88e7,"
		"push_mpls:0x8847,pop_vlan,copy_ttl_in,output:5,"
		"set_field:2->tcp_dst", &in, err, sizeof(err)), 0);
	ofp_action_set_write(set, &n, OFPROTO_MAX_ACTIONS, in.apply,
			     in.n_apply);
	n = ofp_action_set_order(set, n);
	const enum ofpact_type order[] = {
		OFPACT_COPY_TTL_IN, OFPACT_POP_VLAN, OFPACT_PUSH_MPLS,
		OFPACT_PUSH_PBB, OFPACT_PUSH_VLAN, OFPACT_COPY_TTL_OUT,
		OFPACT_DEC_NW_TTL, OFPACT_SET_FIELD, OFPACT_SET_QUEUE,
		OFPACT_GROUP,	/* output ignored with a group */
	};
	assert_int_equal(n, sizeof(order) / sizeof(order[0]));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(set[i].type, order[i]);
	assert_int_equal(set[7].value[1], 2);	/* Last set_field won. */
}

static void
test_action_text_errors(void **state)
{
	static const char *const bad[] = {
		"push_vlan:0x0800", "set_field:5->in_port",
		"set_field:64->ip_dscp", "set_field:1->nosuchfield",
		"set_field:1", "goto_table:254", "meter:0",
		"write_actions(goto_table:1)", "set_mpls_ttl:300",
		"group:0xfffffffc",
	};
	struct ofp_insts in;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(ofp_flow_text_parse_actions(bad[i], &in,
								 err,
								 sizeof(err)),
				     0);
		assert_true(err[0] != '\0');
	}
}

static enum ofperr
decode_hex(const char *hex, struct ofp_flow_match *m)
{
	uint8_t b[256];
	size_t n = hex_to_bytes(hex, b, sizeof(b));

	return ofp_match_decode_oxms(b, n, m);
}

static void
test_new_match_fields(void **state)
{
	static const struct {
		const char *oxms;
		enum ofperr err;
	} cases[] = {
		/* MPLS label/tc/bos with eth_type 0x8847. */
		{ "80000a028847" "8000440400000064" "8000460103" "8000480101",
		  OFPERR_OK },
		{ "80000a028847" "8000440400100000",
		  OFPERR_BAD_MATCH_BAD_VALUE },
		{ "80000a028847" "8000460108", OFPERR_BAD_MATCH_BAD_VALUE },
		{ "8000460101", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* IN_PHY_PORT needs IN_PORT. */
		{ "8000020400000001", OFPERR_BAD_MATCH_BAD_PREREQ },
		{ "8000000400000001" "8000020400000001", OFPERR_OK },
		/* ND target with ICMPv6 type 135; SLL needs 135, TLL 136. */
		{ "80000a0286dd" "800014013a" "80003a0187"
		  "80003e1020010db8000000000000000000000001"
		  "800040060a0b0c0d0e0f", OFPERR_OK },
		{ "80000a0286dd" "800014013a" "80003a0187"
		  "800042060a0b0c0d0e0f", OFPERR_BAD_MATCH_BAD_PREREQ },
		{ "80000a0286dd" "800014013a"
		  "80003e1020010db8000000000000000000000001",
		  OFPERR_BAD_MATCH_BAD_PREREQ },
		/* IPV6_EXTHDR, masked; too big. */
		{ "80000a0286dd" "80004f0400010001", OFPERR_OK },
		{ "80000a0286dd" "80004e020200", OFPERR_BAD_MATCH_BAD_VALUE },
		/* PBB_ISID, any 24-bit value. */
		{ "80000a0288e7" "80004a03000000", OFPERR_OK },
		{ "80000a0288e7" "80004a03000001", OFPERR_OK },
		{ "80004a03000000", OFPERR_BAD_MATCH_BAD_PREREQ },
		/* Duplicate field. */
		{ "80000a028847" "8000460101" "8000460101",
		  OFPERR_BAD_MATCH_DUP_FIELD },
	};
	struct ofp_flow_match m, back;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ofperr e = decode_hex(cases[i].oxms, &m);
		if (e != cases[i].err)
			fprintf(stderr, "case %zu: got %s\n", i,
				ofperr_name(e));
		assert_int_equal(e, cases[i].err);
		if (e || i == 5)
			continue;	/* IN_PHY_PORT: not kept. */
		struct ofp_buf b = OFP_BUF_INIT;
		size_t used;
		ofp_match_encode(&m, &b);
		assert_int_equal(ofp_match_decode(b.data, b.len, &back, &used),
				 0);
		assert_true(ofp_match_equal(&m, &back));
		ofp_buf_free(&b);
	}
	/* MPLS label 100 lands in the top LSE. */
	assert_int_equal(decode_hex("80000a028847" "8000440400000064", &m), 0);
	assert_int_equal(ntohl(m.key.mpls_lse), 100u << 12);
	assert_int_equal(ntohl(m.mask.mpls_lse), 0xfffff000u);
}

static void
test_new_match_text(void **state)
{
	static const char *const flows[] = {
		"mpls,mpls_label=100,mpls_tc=3,mpls_bos=1 actions=drop",
		"icmp6,icmp_type=135,nd_target=2001:db8::1,"
		"nd_sll=00:11:22:33:44:55 actions=drop",
		"priority=5,ip actions=goto_table:3",
	};
	struct ofp_flow_mod fm;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		char in[256];
		struct strbuf s = STRBUF_INIT;

		snprintf(in, sizeof(in), "%s", flows[i]);
		char *sp = strchr(in, ' ');
		*sp = ',';
		err[0] = '\0';
		int rc = ofp_flow_text_parse(in, OFP_FLOW_TEXT_ADD, &fm, err,
					     sizeof(err));
		if (rc)
			fprintf(stderr, "%s: %s\n", in, err);
		assert_int_equal(rc, 0);
		ofp_flow_text_format_match(&s, &fm.match, fm.priority);
		strbuf_append(&s, " actions=", 9);
		ofp_flow_text_format_insts(&s, &fm.insts);
		const char *want = flows[i];
		assert_string_equal(strbuf_str(&s), want);
		strbuf_free(&s);
	}
	/* Prerequisites of the text parser too. */
	assert_int_not_equal(ofp_flow_text_parse("mpls_label=5,actions=drop",
						 OFP_FLOW_TEXT_ADD, &fm, err,
						 sizeof(err)), 0);
	assert_int_not_equal(ofp_flow_text_parse("icmp6,icmp_type=136,"
						 "nd_sll=00:11:22:33:44:55,"
						 "actions=drop",
						 OFP_FLOW_TEXT_ADD, &fm, err,
						 sizeof(err)), 0);
}

static void
test_ofp10_actions(void **state)
{
	/* SET_VLAN_VID 5, SET_NW_DST, SET_TP_DST 80, STRIP_VLAN,
	 * ENQUEUE port 1 queue 3, SET_NW_TOS 0x13 (bad). */
	uint8_t b[128];
	size_t len = hex_to_bytes("0001000800050000" "000700080a000001"
				  "000a000800500000" "0003000800000000"
				  "000b001000010000" "0000000000000003", b,
				  sizeof(b));
	struct ofpact acts[OFPROTO_MAX_ACTIONS];
	struct ofp_flow_match m;
	struct ofp_buf out = OFP_BUF_INIT;
	size_t n;

	(void)state;
	assert_int_equal(ofp10_actions_decode(b, len, acts, OFPROTO_MAX_ACTIONS,
					      &n, false), 0);
	assert_int_equal(n, 6);	/* enqueue = set_queue + output */
	/* A UDP flow without a tag: tp_dst is UDP_DST, the VID pushes. */
	assert_int_equal(decode_hex("80000a020800" "8000140111", &m), 0);
	n = ofp10_actions_fixup(acts, n, OFPROTO_MAX_ACTIONS, &m);
	assert_int_equal(n, 7);
	assert_int_equal(acts[0].type, OFPACT_PUSH_VLAN);
	assert_int_equal(acts[3].field, OFPXMT_OFB_UDP_DST);
	ofp10_actions_encode(acts, n, &out);
	assert_bytes_equal(out.data, out.len, b, len);
	ofp_buf_free(&out);
	len = hex_to_bytes("0008000813000000", b, sizeof(b));
	assert_int_equal(ofp10_actions_decode(b, len, acts, OFPROTO_MAX_ACTIONS,
					      &n, false),
			 OFPERR_BAD_ACTION_BAD_ARGUMENT);
	len = hex_to_bytes("000c000800000000", b, sizeof(b));
	assert_int_equal(ofp10_actions_decode(b, len, acts, OFPROTO_MAX_ACTIONS,
					      &n, false),
			 OFPERR_BAD_ACTION_BAD_TYPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_codec_roundtrip),
		cmocka_unit_test(test_action_errors),
		cmocka_unit_test(test_instructions),
		cmocka_unit_test(test_action_set_order),
		cmocka_unit_test(test_action_text_errors),
		cmocka_unit_test(test_new_match_fields),
		cmocka_unit_test(test_new_match_text),
		cmocka_unit_test(test_ofp10_actions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
