/* SPDX-License-Identifier: BSD-3-Clause */
/* Bundles (ONF extension on OpenFlow 1.3) through the protocol engine:
 * commit applies all, a bad message applies nothing, control errors,
 * limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "ofp_bundle.h"
#include "ofp_flow_msg.h"
#include "ofp_flow_text.h"
#include "ofp_limits.h"
#include "ofp_msg.h"
#include "ofp_wire.h"
#include "ofproto.h"
#include "test_util.h"

static int n_changed;

static void
count_changes(void *host)
{
	(void)host;
	n_changed++;
}

static const struct ofproto_host_ops ops = { .flows_changed = count_changes };

static void
established(struct ofproto *ofp, struct ofp_session *s)
{
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t hello[16];
	size_t n = hex_to_bytes("04000010000000010001000800000012", hello, 16);

	ofp_session_init(s, "test");
	assert_int_equal(ofp_msg_handle(ofp, s, hello, n, &out), 0);
	ofp_buf_free(&out);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t
exp_header(uint8_t *m, uint32_t xid, uint32_t exp_type, uint32_t id,
	   uint16_t type_or_pad, uint16_t flags)
{
	m[0] = OFP13_VERSION;
	m[1] = OFPT_EXPERIMENTER;
	put32(m + 4, xid);
	put32(m + 8, ONF_EXPERIMENTER_ID);
	put32(m + 12, exp_type);
	put32(m + 16, id);
	put16(m + 20, type_or_pad);
	put16(m + 22, flags);
	put16(m + 2, 24);
	return 24;
}

/* Sends a BUNDLE_CONTROL; out gets the replies. */
static void
control(struct ofproto *ofp, struct ofp_session *s, uint32_t id,
	uint16_t type, uint16_t flags, struct ofp_buf *out)
{
	uint8_t m[24];

	ofp_buf_clear(out);
	exp_header(m, 100 + type, ONF_ET_BUNDLE_CONTROL, id, type, flags);
	ofp_msg_handle(ofp, s, m, sizeof(m), out);
}

/* Sends a BUNDLE_ADD_MESSAGE with a flow_mod of command cmd: an add of
 * the flow text, or a delete (strict: of its priority too) in table 0 of
 * the match text. */
static void
bundle_flow_mod(struct ofproto *ofp, struct ofp_session *s, uint32_t id,
		uint16_t flags, const char *text, uint8_t cmd, uint32_t xid,
		struct ofp_buf *out)
{
	struct ofp_flow_mod *fm = malloc(sizeof(*fm));
	struct ofp_buf inner = OFP_BUF_INIT, msg = OFP_BUF_INIT;
	bool del = cmd == OFPFC_DELETE || cmd == OFPFC_DELETE_STRICT;
	char err[128];
	uint8_t hdr[24];

	assert_int_equal(ofp_flow_text_parse(text, del ? OFP_FLOW_TEXT_MATCH :
					     OFP_FLOW_TEXT_ADD, fm, err,
					     sizeof(err)), 0);
	fm->command = cmd;
	if (del)
		fm->table_id = 0;
	ofp_flow_mod_encode(fm, xid, &inner);
	free(fm);
	exp_header(hdr, xid, ONF_ET_BUNDLE_ADD_MESSAGE, id, 0, flags);
	ofp_buf_put(&msg, hdr, sizeof(hdr));
	ofp_buf_put(&msg, inner.data, inner.len);
	put16(msg.data + 2, (uint16_t)msg.len);
	ofp_buf_clear(out);
	ofp_msg_handle(ofp, s, msg.data, msg.len, out);
	ofp_buf_free(&inner);
	ofp_buf_free(&msg);
}

/* Sends a BUNDLE_ADD_MESSAGE with the add of the flow text. */
static void
add_flow(struct ofproto *ofp, struct ofp_session *s, uint32_t id,
	 uint16_t flags, const char *text, uint32_t xid, struct ofp_buf *out)
{
	bundle_flow_mod(ofp, s, id, flags, text, OFPFC_ADD, xid, out);
}

/* out holds one control reply of type. */
static void
assert_reply(const struct ofp_buf *out, uint32_t id, uint16_t type)
{
	assert_int_equal(out->len, 24);
	assert_int_equal(out->data[1], OFPT_EXPERIMENTER);
	assert_int_equal(ofp_rd32(out->data + 12), ONF_ET_BUNDLE_CONTROL);
	assert_int_equal(ofp_rd32(out->data + 16), id);
	assert_int_equal(ofp_rd16(out->data + 20), type);
}

/* The last message in out is a bundle error with 1.4 code. */
static void
assert_bundle_error(const struct ofp_buf *out, uint16_t code)
{
	size_t off = 0, last = 0;

	assert_true(out->len >= 16);
	while (off < out->len) {
		last = off;
		off += ofp_rd16(out->data + off + 2);
	}
	assert_int_equal(out->data[last + 1], OFPT_ERROR);
	assert_int_equal(ofp_rd16(out->data + last + 8), 0xffff);
	assert_int_equal(ofp_rd16(out->data + last + 10), 2300 + code);
	assert_int_equal(ofp_rd32(out->data + last + 12), ONF_EXPERIMENTER_ID);
}

static void
test_commit_and_rollback(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	ofproto_port_add(ofp, 1, "p1", NULL);
	ofproto_port_add(ofp, 2, "p2", NULL);
	established(ofp, &s);
	add(ofp, "priority=1,actions=drop");
	control(ofp, &s, 7, 0, 3, &out);
	assert_reply(&out, 7, 1);
	add_flow(ofp, &s, 7, 3, "priority=5,udp,tp_dst=1,actions=output:2", 1,
		 &out);
	assert_int_equal(out.len, 0);
	add_flow(ofp, &s, 7, 3, "priority=5,udp,tp_dst=2,actions=output:1", 2,
		 &out);
	assert_int_equal(out.len, 0);
	/* Nothing applied before the commit. */
	assert_int_equal(ofproto_rule_count(ofp), 1);
	n_changed = 0;
	control(ofp, &s, 7, 2, 3, &out);
	assert_reply(&out, 7, 3);
	control(ofp, &s, 7, 4, 3, &out);
	assert_reply(&out, 7, 5);
	assert_int_equal(ofproto_rule_count(ofp), 3);
	assert_true(n_changed > 0);	/* Revalidated before the reply. */
	/* Gone after the commit. */
	control(ofp, &s, 7, 4, 3, &out);
	assert_bundle_error(&out, 2);	/* BAD_ID */

	/* A bad message (a group that does not exist) at commit: the
	 * flow_mod's error, then MSG_FAILED; nothing applied. */
	add_flow(ofp, &s, 8, 1, "priority=6,udp,tp_dst=3,actions=output:2", 3,
		 &out);
	add_flow(ofp, &s, 8, 1, "priority=6,udp,tp_dst=4,actions=group:9", 4,
		 &out);
	assert_int_equal(out.len, 0);
	control(ofp, &s, 8, 4, 1, &out);
	assert_int_equal(out.data[1], OFPT_ERROR);
	assert_int_equal(ofp_rd32(out.data + 4), 4);	/* The flow_mod's xid */
	assert_int_equal(ofp_rd16(out.data + 8), OFPET_BAD_ACTION);
	assert_int_equal(ofp_rd16(out.data + 10), 9);	/* BAD_OUT_GROUP */
	assert_bundle_error(&out, 13);			/* MSG_FAILED */
	assert_int_equal(ofproto_rule_count(ofp), 3);

	/* OVERLAP against an earlier add of the same bundle. */
	add_flow(ofp, &s, 9, 1, "priority=7,udp,actions=output:2", 5, &out);
	add_flow(ofp, &s, 9, 1,
		 "check_overlap,priority=7,udp,tp_dst=5,actions=output:1", 6,
		 &out);
	control(ofp, &s, 9, 4, 1, &out);
	assert_int_equal(ofp_rd16(out.data + 8), OFPET_FLOW_MOD_FAILED);
	assert_int_equal(ofp_rd16(out.data + 10), 3);	/* OVERLAP */
	assert_int_equal(ofproto_rule_count(ofp), 3);

	/* The process-wide rule budget: room for 2 more rules, a bundle of 3
	 * adds gets TABLE_FULL for its third and changes nothing. */
	{
		struct ofp_limit_stats st;

		ofp_limit_get(OFP_LIMIT_RULES, &st);
		ofp_limit_set_max(OFP_LIMIT_RULES, st.used + 2);
		for (uint32_t i = 0; i < 3; i++) {
			char f[64];

			snprintf(f, sizeof(f), "priority=8,udp,tp_dst=%u,"
				 "actions=output:2", 100 + i);
			add_flow(ofp, &s, 11, 1, f, 20 + i, &out);
		}
		control(ofp, &s, 11, 4, 1, &out);
		assert_int_equal(ofp_rd32(out.data + 4), 22);
		assert_int_equal(ofp_rd16(out.data + 8), OFPET_FLOW_MOD_FAILED);
		assert_int_equal(ofp_rd16(out.data + 10), 1);	/* TABLE_FULL */
		assert_bundle_error(&out, 13);
		assert_int_equal(ofproto_rule_count(ofp), 3);
		ofp_limit_set_max(OFP_LIMIT_RULES, 0);
	}

	/* An add whose inner message is not a FLOW_MOD: MSG_UNSUP, and the
	 * bundle's commit fails. */
	{
		uint8_t m[32];

		exp_header(m, 11, ONF_ET_BUNDLE_ADD_MESSAGE, 10, 0, 1);
		m[24] = OFP13_VERSION;
		m[25] = OFPT_BARRIER_REQUEST;
		put16(m + 26, 8);
		put32(m + 28, 11);
		put16(m + 2, 32);
		ofp_buf_clear(&out);
		ofp_msg_handle(ofp, &s, m, sizeof(m), &out);
		assert_bundle_error(&out, 10);	/* MSG_UNSUP */
		/* The inner xid must be the outer one. */
		put32(m + 28, 12);
		ofp_buf_clear(&out);
		ofp_msg_handle(ofp, &s, m, sizeof(m), &out);
		assert_bundle_error(&out, 9);	/* MSG_BAD_XID */
		control(ofp, &s, 10, 4, 1, &out);
		assert_bundle_error(&out, 13);	/* MSG_FAILED */
	}
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &s);
	ofproto_destroy(ofp);
}

/* Commits a bundle of the flow_mods (cmd, text) and returns the reply:
 * the commit reply or the errors. */
struct bundle_step {
	uint8_t cmd;
	const char *text;
};

static void
commit_steps(struct ofproto *ofp, struct ofp_session *s, uint32_t id,
	     const struct bundle_step *steps, size_t n, struct ofp_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		bundle_flow_mod(ofp, s, id, 1, steps[i].text, steps[i].cmd,
				(uint32_t)(1000 + i), out);
		assert_int_equal(out->len, 0);
	}
	control(ofp, s, id, 4, 1, out);
}

/* The same, for a commit that must succeed and leave n_rules rules. */
static void
commit_ok(struct ofproto *ofp, struct ofp_session *s, uint32_t id,
	  const struct bundle_step *steps, size_t n, size_t n_rules,
	  struct ofp_buf *out)
{
	commit_steps(ofp, s, id, steps, n, out);
	assert_reply(out, id, 5);
	assert_int_equal(ofproto_rule_count(ofp), n_rules);
}

/* True when the flow dump has the text. */
static bool
dump_has(struct ofproto *ofp, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	bool has;

	ofproto_dump_flows(ofp, false, &sb);
	has = strstr(strbuf_str(&sb), text) != NULL;
	strbuf_free(&sb);
	return has;
}

/* At the rule budget, a bundle changes the table as its messages do one
 * after the other: a delete makes room for the adds after it, an add that
 * replaces a rule (same match and priority) takes no new one, and only a
 * commit that would need more rules than the budget at some step fails
 * (TABLE_FULL, nothing changed). As ovs-ofctl --bundle replace-flows
 * sends it: strict deletes of the rules that go, adds of the new or
 * changed ones. */
static void
test_commit_at_the_budget(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofp_limit_stats st;
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	ofproto_port_add(ofp, 1, "p1", NULL);
	ofproto_port_add(ofp, 2, "p2", NULL);
	established(ofp, &s);
	add(ofp, "priority=5,udp,tp_dst=1,actions=output:2");
	add(ofp, "priority=5,udp,tp_dst=2,actions=output:2");
	add(ofp, "priority=5,udp,tp_dst=3,actions=output:2");
	ofp_limit_get(OFP_LIMIT_RULES, &st);
	ofp_limit_set_max(OFP_LIMIT_RULES, st.used);	/* No room. */

	/* Replace-flows: one rule goes, one is changed, one is new. */
	const struct bundle_step replace[] = {
		{ OFPFC_DELETE_STRICT, "priority=5,udp,tp_dst=1" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=2,actions=output:1" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=4,actions=output:1" },
	};
	commit_ok(ofp, &s, 20, replace, 3, 3, &out);
	assert_false(dump_has(ofp, "tp_dst=1 "));
	assert_true(dump_has(ofp, "tp_dst=2 actions=output:1"));
	assert_true(dump_has(ofp, "tp_dst=4 actions=output:1"));

	/* Every rule changed in place: no new rule. */
	const struct bundle_step change[] = {
		{ OFPFC_ADD, "priority=5,udp,tp_dst=2,actions=output:2" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=3,actions=output:1" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=4,actions=output:2" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=4,actions=output:1" },
	};
	commit_ok(ofp, &s, 21, change, 4, 3, &out);
	assert_true(dump_has(ofp, "tp_dst=3 actions=output:1"));

	/* Delete everything, then a new table of the same size; a rule the
	 * bundle deleted and adds again is a new rule. */
	const struct bundle_step renew[] = {
		{ OFPFC_DELETE, "" },
		{ OFPFC_ADD, "priority=6,tcp,tp_dst=1,actions=output:2" },
		{ OFPFC_ADD, "priority=5,udp,tp_dst=2,actions=output:2" },
		{ OFPFC_ADD, "priority=6,tcp,tp_dst=3,actions=output:2" },
	};
	commit_ok(ofp, &s, 22, renew, 4, 3, &out);
	assert_true(dump_has(ofp, "priority=6,tcp,tp_dst=1 "));

	/* A delete of a rule the same bundle added frees its room too. */
	const struct bundle_step churn[] = {
		{ OFPFC_DELETE_STRICT, "priority=6,tcp,tp_dst=1" },
		{ OFPFC_ADD, "priority=7,tcp,tp_dst=7,actions=output:2" },
		{ OFPFC_DELETE, "tcp,tp_dst=7" },
		{ OFPFC_ADD, "priority=7,tcp,tp_dst=8,actions=output:2" },
	};
	commit_ok(ofp, &s, 23, churn, 4, 3, &out);
	assert_false(dump_has(ofp, "tp_dst=7"));
	assert_true(dump_has(ofp, "tp_dst=8 "));

	/* Needing one rule more than the budget at any step fails at that
	 * add, and nothing changes: here the add comes before the delete
	 * that would make room for it. */
	const struct bundle_step over[] = {
		{ OFPFC_ADD, "priority=8,tcp,tp_dst=9,actions=output:2" },
		{ OFPFC_DELETE_STRICT, "priority=7,tcp,tp_dst=8" },
	};
	commit_steps(ofp, &s, 24, over, 2, &out);
	assert_int_equal(out.data[1], OFPT_ERROR);
	assert_int_equal(ofp_rd32(out.data + 4), 1000);
	assert_int_equal(ofp_rd16(out.data + 8), OFPET_FLOW_MOD_FAILED);
	assert_int_equal(ofp_rd16(out.data + 10), 1);	/* TABLE_FULL */
	assert_bundle_error(&out, 13);
	assert_int_equal(ofproto_rule_count(ofp), 3);
	assert_true(dump_has(ofp, "tp_dst=8 "));
	assert_false(dump_has(ofp, "tp_dst=9"));

	ofp_limit_set_max(OFP_LIMIT_RULES, 0);
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &s);
	ofproto_destroy(ofp);
}

/* The commit's OVERLAP error, at message index i of the last commit. */
static void
assert_overlap_at(const struct ofp_buf *out, uint32_t i)
{
	assert_int_equal(out->data[1], OFPT_ERROR);
	assert_int_equal(ofp_rd32(out->data + 4), 1000 + i);
	assert_int_equal(ofp_rd16(out->data + 8), OFPET_FLOW_MOD_FAILED);
	assert_int_equal(ofp_rd16(out->data + 10), 3);	/* OVERLAP */
	assert_bundle_error(out, 13);
}

/* CHECK_OVERLAP against the bundle's own earlier adds, as against the
 * table's rules: more or less specific or crossing, same priority, and
 * not what a later message of the bundle removed or replaced. */
static void
test_commit_overlap(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	ofproto_port_add(ofp, 1, "p1", NULL);
	established(ofp, &s);
	const struct bundle_step more[] = {
		{ OFPFC_ADD, "priority=9,udp,tp_dst=1,actions=output:1" },
		{ OFPFC_ADD, "priority=9,udp,tp_dst=2,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,tp_dst=1,"
			     "nw_src=1.1.1.1,actions=output:1" },
	};
	commit_steps(ofp, &s, 30, more, 3, &out);
	assert_overlap_at(&out, 2);
	const struct bundle_step less[] = {
		{ OFPFC_ADD, "priority=9,udp,tp_dst=1,nw_src=1.1.1.1,"
			     "actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,actions=output:1" },
	};
	commit_steps(ofp, &s, 31, less, 2, &out);
	assert_overlap_at(&out, 1);
	const struct bundle_step cross[] = {
		{ OFPFC_ADD, "priority=9,udp,tp_dst=1,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,nw_dst=2.2.2.2,"
			     "actions=output:1" },
	};
	commit_steps(ofp, &s, 32, cross, 2, &out);
	assert_overlap_at(&out, 1);
	assert_int_equal(ofproto_rule_count(ofp), 0);
	/* An add that replaces a rule (of the table, or an earlier add of
	 * the bundle) is not checked for overlaps, as on its own. */
	add(ofp, "priority=9,udp,tp_dst=6,actions=output:1");
	const struct bundle_step again[] = {
		{ OFPFC_ADD, "priority=9,udp,nw_src=1.1.1.1,actions=output:1" },
		{ OFPFC_ADD, "priority=9,udp,tp_dst=5,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,tp_dst=5,"
			     "actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,tp_dst=6,"
			     "actions=output:1" },
		{ OFPFC_DELETE, "" },
	};
	commit_ok(ofp, &s, 35, again, 5, 0, &out);
	/* A rule of the table overlaps too, unless the bundle deleted it. */
	add(ofp, "priority=9,icmp,actions=output:1");
	const struct bundle_step table[] = {
		{ OFPFC_ADD, "check_overlap,priority=9,icmp,icmp_type=8,"
			     "actions=output:1" },
	};
	commit_steps(ofp, &s, 34, table, 1, &out);
	assert_overlap_at(&out, 0);
	/* Disjoint, another priority, identical (replaced), deleted before:
	 * no overlap. */
	const struct bundle_step fine[] = {
		{ OFPFC_ADD, "priority=9,udp,tp_dst=1,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,tp_dst=2,"
			     "nw_src=1.1.1.1,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=8,udp,actions=output:1" },
		{ OFPFC_ADD, "check_overlap,priority=9,udp,tp_dst=1,"
			     "actions=output:1" },
		{ OFPFC_ADD, "priority=9,tcp,actions=output:1" },
		{ OFPFC_DELETE_STRICT, "priority=9,tcp" },
		{ OFPFC_ADD, "check_overlap,priority=9,tcp,tp_dst=7,"
			     "actions=output:1" },
		{ OFPFC_DELETE_STRICT, "priority=9,icmp" },
		{ OFPFC_ADD, "check_overlap,priority=9,icmp,icmp_type=8,"
			     "actions=output:1" },
	};
	commit_ok(ofp, &s, 33, fine, 9, 5, &out);
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &s);
	ofproto_destroy(ofp);
}

static void
test_control_errors_and_limits(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	established(ofp, &s);
	control(ofp, &s, 1, 0, 0, &out);
	assert_reply(&out, 1, 1);
	control(ofp, &s, 1, 0, 0, &out);
	assert_bundle_error(&out, 3);		/* BUNDLE_EXIST */
	control(ofp, &s, 1, 2, 1, &out);
	assert_bundle_error(&out, 7);		/* BAD_FLAGS (differ) */
	control(ofp, &s, 1, 0, 4, &out);
	assert_bundle_error(&out, 7);		/* BAD_FLAGS (unknown) */
	control(ofp, &s, 1, 2, 0, &out);
	assert_reply(&out, 1, 3);
	control(ofp, &s, 1, 2, 0, &out);
	assert_bundle_error(&out, 4);		/* BUNDLE_CLOSED */
	add_flow(ofp, &s, 1, 0, "actions=drop", 5, &out);
	assert_bundle_error(&out, 4);
	control(ofp, &s, 1, 6, 0, &out);
	assert_reply(&out, 1, 7);
	control(ofp, &s, 1, 6, 0, &out);
	assert_bundle_error(&out, 2);		/* BAD_ID */
	control(ofp, &s, 1, 9, 0, &out);
	assert_bundle_error(&out, 6);		/* BAD_TYPE */
	/* An empty bundle commits (nothing to do). */
	control(ofp, &s, 50, 0, 0, &out);
	assert_reply(&out, 50, 1);
	control(ofp, &s, 50, 4, 0, &out);
	assert_reply(&out, 50, 5);
	/* Open bundles per connection. */
	for (uint32_t i = 0; i < OFP_BUNDLE_MAX_OPEN; i++) {
		control(ofp, &s, 100 + i, 0, 0, &out);
		assert_reply(&out, 100 + i, 1);
	}
	control(ofp, &s, 999, 0, 0, &out);
	assert_bundle_error(&out, 5);		/* OUT_OF_BUNDLES */
	/* The session's end frees them (ASan checks). */
	ofp_buf_free(&out);
	ofp_session_destroy(ofp, &s);
	ofproto_destroy(ofp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_and_rollback),
		cmocka_unit_test(test_control_errors_and_limits),
		cmocka_unit_test(test_commit_at_the_budget),
		cmocka_unit_test(test_commit_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
