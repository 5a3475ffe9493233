/* SPDX-License-Identifier: BSD-3-Clause */
/* ovs-ofctl flow syntax: parse -> format round trips and error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ofp_flow_text.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>

static void
roundtrip(const char *in, const char *want)
{
	struct ofp_flow_mod fm, fm2;
	struct strbuf s = STRBUF_INIT;
	char err[256] = "";
	int rc = ofp_flow_text_parse(in, OFP_FLOW_TEXT_ADD, &fm, err,
				     sizeof(err));

	if (rc)
		fprintf(stderr, "%s: %s\n", in, err);
	assert_int_equal(rc, 0);
	ofp_flow_text_format_match(&s, &fm.match, fm.priority);
	strbuf_printf(&s, "%sactions=", s.len ? " " : "");
	ofp_flow_text_format_insts(&s, &fm.insts);
	assert_string_equal(strbuf_str(&s), want);

	/* The formatted text parses back to the same flow. */
	char again[512];
	snprintf(again, sizeof(again), "%s", strbuf_str(&s));
	char *sp = strstr(again, " actions=");
	if (sp != NULL)
		*sp = ',';
	assert_int_equal(ofp_flow_text_parse(again, OFP_FLOW_TEXT_ADD, &fm2,
					     err, sizeof(err)), 0);
	assert_true(ofp_match_equal(&fm.match, &fm2.match));
	assert_int_equal(fm.priority, fm2.priority);
	assert_int_equal(fm.insts.n_apply, fm2.insts.n_apply);
	strbuf_free(&s);
}

static void
test_text_roundtrip(void **state)
{
	(void)state;
	roundtrip("priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2",
		  "priority=10,ip,nw_dst=10.0.0.0/8 actions=output:2");
	roundtrip("priority=10,udp,in_port=1,nw_dst=10.0.0.0/8,actions=2",
		  "priority=10,udp,in_port=1,nw_dst=10.0.0.0/8 actions=output:2");
	roundtrip("in_port=1 dl_src=00:11:22:33:44:55 actions=drop",
		  "in_port=1,dl_src=00:11:22:33:44:55 actions=drop");
	roundtrip("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=",
		  "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=drop");
	roundtrip("tcp6,ipv6_src=2001:db8::1,tcp_dst=443,actions=local",
		  "tcp6,ipv6_src=2001:db8::1,tp_dst=443 actions=LOCAL");
	/* IPv6 masks: a prefix prints as /N, any other mask in full. */
	roundtrip("ipv6,ipv6_src=2001:db8::/32,actions=drop",
		  "ipv6,ipv6_src=2001:db8::/32 actions=drop");
	roundtrip("ipv6,ipv6_dst=2001:db8::1/ffff::ff,actions=drop",
		  "ipv6,ipv6_dst=2001::1/ffff::ff actions=drop");
	roundtrip("arp,nw_src=10.0.0.1,arp_op=2,actions=flood,controller",
		  "arp,arp_spa=10.0.0.1,arp_op=2 actions=FLOOD,CONTROLLER:65535");
	roundtrip("dl_vlan=10,dl_vlan_pcp=5,actions=controller:128",
		  "dl_vlan=10,dl_vlan_pcp=5 actions=CONTROLLER:128");
	roundtrip("dl_type=0x88cc,actions=in_port,all",
		  "dl_type=0x88cc actions=IN_PORT,ALL");
	roundtrip("icmp,icmp_type=3,icmp_code=1,actions=drop",
		  "icmp,icmp_type=3,icmp_code=1 actions=drop");
	roundtrip("ip,nw_src=10.1.0.0/255.255.0.0,nw_proto=47,actions=drop",
		  "ip,nw_src=10.1.0.0/16,nw_proto=47 actions=drop");
	roundtrip("ip,nw_src=10.0.0.1/255.0.0.255,actions=drop",
		  "ip,nw_src=10.0.0.1/255.0.0.255 actions=drop");
	roundtrip("udp,tp_src=0x1000/0xf000,actions=drop",
		  "udp,tp_src=0x1000/0xf000 actions=drop");
	roundtrip("priority=32768,actions=drop", "actions=drop");
	roundtrip("priority=0,actions=drop", "priority=0 actions=drop");
	/* Fragments (ovs-ofctl nw_frag names). */
	roundtrip("ip,nw_frag=no,actions=output:2",
		  "ip,nw_frag=no actions=output:2");
	roundtrip("ipv6,nw_frag=yes,actions=drop",
		  "ipv6,nw_frag=yes actions=drop");
	roundtrip("ip,nw_frag=first,actions=drop",
		  "ip,nw_frag=first actions=drop");
	roundtrip("ip,nw_frag=later,actions=drop",
		  "ip,nw_frag=later actions=drop");
	roundtrip("tcp,tp_dst=22,nw_frag=not_later,actions=drop",
		  "tcp,tp_dst=22,nw_frag=not_later actions=drop");
	/* Tunnel metadata (ovs-ofctl spelling). */
	roundtrip("tun_id=0x64,tun_src=192.0.2.9,tun_dst=192.0.2.0/24,"
		  "in_port=3,actions=output:1",
		  "tun_id=0x64,tun_src=192.0.2.9,tun_dst=192.0.2.0/24,"
		  "in_port=3 actions=output:1");
	roundtrip("in_port=1,actions=set_field:192.0.2.9->tun_dst,"
		  "set_field:5->tun_id,output:3",
		  "in_port=1 actions=set_field:192.0.2.9->tun_dst,"
		  "set_field:0x5->tun_id,output:3");
}

static void
expect_error(const char *in, const char *needle)
{
	struct ofp_flow_mod fm;
	char err[256] = "";

	assert_int_equal(ofp_flow_text_parse(in, OFP_FLOW_TEXT_ADD, &fm, err,
					     sizeof(err)), -EINVAL);
	if (strstr(err, needle) == NULL)
		fprintf(stderr, "'%s' -> '%s'\n", in, err);
	assert_non_null(strstr(err, needle));
}

static void
test_text_errors(void **state)
{
	(void)state;
	expect_error("foo=1,actions=drop", "foo");
	expect_error("nw_src=1.2.3.4,actions=drop", "nw_src");
	expect_error("ip,nw_src=1.2.3.999,actions=drop", "1.2.3.999");
	expect_error("tp_dst=80,actions=drop", "tp_dst");
	expect_error("ip,tp_dst=80,actions=drop", "tp_dst");
	expect_error("in_port=1", "action");
	expect_error("actions=output:0", "output:0");
	expect_error("actions=drop,output:1", "drop");
	expect_error("actions=mod_vlan_vid:3", "mod_vlan_vid:3");
	expect_error("dl_src=00:11:22,actions=drop", "dl_src");
	expect_error("priority=70000,actions=drop", "priority");
	expect_error("table=254,actions=drop", "table");
	expect_error("ip,nw_frag=maybe,actions=drop", "nw_frag");
	expect_error("nw_frag=yes,actions=drop", "nw_frag");
}

/* pbb_isid in match text (it shares a key slot with the MPLS LSE, which
 * must not show up as MPLS fields), and as a set-field target. */
static void
test_text_pbb_isid(void **state)
{
	struct ofp_flow_mod fm;
	char err[256] = "";

	(void)state;
	roundtrip("dl_type=0x88e7,pbb_isid=0x123456,actions=output:2",
		  "dl_type=0x88e7,pbb_isid=0x123456 actions=output:2");
	roundtrip("dl_type=0x88e7,pbb_isid=0x120000/0xff0000,actions=drop",
		  "dl_type=0x88e7,pbb_isid=0x120000/0xff0000 actions=drop");
	roundtrip("pbb_isid=7,dl_type=0x88e7,actions=drop",
		  "dl_type=0x88e7,pbb_isid=0x000007 actions=drop");
	roundtrip("dl_type=0x88e7,actions=set_field:0x654321->pbb_isid,"
		  "output:1",
		  "dl_type=0x88e7 actions=set_field:0x654321->pbb_isid,"
		  "output:1");
	roundtrip("mpls,mpls_label=291,actions=drop",
		  "mpls,mpls_label=291 actions=drop");

	assert_int_equal(ofp_flow_text_parse("dl_type=0x88e7,pbb_isid=0xabcdef,"
					     "actions=drop", OFP_FLOW_TEXT_ADD,
					     &fm, err, sizeof(err)), 0);
	assert_int_equal(fm.match.key.pbb_isid, htonl(0xabcdef));
	assert_int_equal(fm.match.mask.pbb_isid, htonl(0xffffff));

	expect_error("pbb_isid=1,actions=drop", "pbb_isid");
	expect_error("mpls,pbb_isid=1,actions=drop", "prerequisites");
	expect_error("dl_type=0x88e7,pbb_isid=0x1000000,actions=drop",
		     "pbb_isid");
	expect_error("dl_type=0x88e7,pbb_isid=0x123456/0xff0000,actions=drop",
		     "outside the mask");
	expect_error("dl_type=0x88e7,actions=set_field:0x1000000->pbb_isid",
		     "pbb_isid");
}

static void
test_text_match_mode(void **state)
{
	struct ofp_flow_mod fm;
	char err[256];

	(void)state;
	assert_int_equal(ofp_flow_text_parse("", OFP_FLOW_TEXT_MATCH, &fm, err,
					     sizeof(err)), 0);
	assert_int_equal(fm.command, OFPFC_DELETE);
	assert_int_equal(fm.table_id, OFPTT_ALL);
	assert_int_equal(ofp_flow_text_parse("cookie=0x10/0xf0,out_port=2",
					     OFP_FLOW_TEXT_MATCH, &fm, err,
					     sizeof(err)), 0);
	assert_int_equal(fm.cookie, 0x10);
	assert_int_equal(fm.cookie_mask, 0xf0);
	assert_int_equal(fm.out_port, 2);
	assert_int_equal(ofp_flow_text_parse("ip,actions=drop",
					     OFP_FLOW_TEXT_MATCH, &fm, err,
					     sizeof(err)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_roundtrip),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_pbb_isid),
		cmocka_unit_test(test_text_match_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
