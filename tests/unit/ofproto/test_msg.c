/* SPDX-License-Identifier: BSD-3-Clause */
/* The protocol engine without sockets: negotiation, replies, error codes,
 * and thousands of random or garbled messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ofp_match.h"
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

static const char flow_mod_hex[] =
	"040e0098000000060000000000000000000000000000000000000000000000"
	"0affffffffffffffffffffffff000000000001003980000004000000018000"
	"080600112233445580000a02080080000c021005800019080a000000ff0000"
	"0080001401118000200200350000000000000000040028000000000000001000"
	"000002000000000000000000000010fffffffdffff000000000000";

static int
send_hex(struct ofproto *ofp, struct ofp_session *s, const char *hex,
	 struct ofp_buf *out)
{
	uint8_t b[1024];
	size_t n = hex_to_bytes(hex, b, sizeof(b));

	return ofp_msg_handle(ofp, s, b, n, out);
}

static void
established(struct ofproto *ofp, struct ofp_session *s)
{
	struct ofp_buf out = OFP_BUF_INIT;

	ofp_session_init(s, "test");
	assert_int_equal(send_hex(ofp, s, "04000010000000010001000800000012",
				  &out), 0);
	assert_int_equal(s->version, OFP13_VERSION);
	ofp_buf_free(&out);
}

static void
assert_error(const struct ofp_buf *out, uint16_t type, uint16_t code)
{
	assert_true(out->len >= 12);
	assert_int_equal(out->data[1], OFPT_ERROR);
	assert_int_equal((out->data[8] << 8) | out->data[9], type);
	assert_int_equal((out->data[10] << 8) | out->data[11], code);
}

static void
test_negotiation(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, NULL, NULL);
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;

	(void)state;
	/* OpenFlow 1.0 only (ovs-ofctl without -O): 1.0. */
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "0100000800000001", &out), 0);
	assert_int_equal(s.version, OFP10_VERSION);
	assert_int_equal(out.len, 0);
	ofp_session_destroy(ofp, &s);
	/* Bitmap with 1.0 and 1.4 but not 1.3: 1.0. */
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "05000010000000010001000800000022",
				  &out), 0);
	assert_int_equal(s.version, OFP10_VERSION);
	ofp_session_destroy(ofp, &s);
	/* Bitmap with 1.4 and 1.5 only: incompatible, close. */
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "06000010000000010001000800000060",
				  &out), -EPROTO);
	assert_error(&out, OFPET_HELLO_FAILED, 0);
	/* Version 1.1 or 1.2 without bitmap: nothing in common. */
	ofp_buf_clear(&out);
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "0300000800000001", &out), -EPROTO);
	/* Version 1.5 without bitmap: we answer with 1.3. */
	ofp_buf_clear(&out);
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "0600000800000001", &out), 0);
	assert_int_equal(s.version, OFP13_VERSION);
	/* A message before HELLO. */
	ofp_buf_clear(&out);
	ofp_session_init(&s, "t");
	assert_int_equal(send_hex(ofp, &s, "0405000800000001", &out), -EPROTO);
	/* Our own HELLO. */
	ofp_buf_clear(&out);
	ofp_msg_put_hello(&out);
	uint8_t exp[16];
	size_t en = hex_to_bytes("04000010000000000001000800000012", exp, 16);
	assert_bytes_equal(out.data, out.len, exp, en);
	ofp_buf_free(&out);
	ofproto_destroy(ofp);
}

static void
test_requests(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	struct ofp_session s;
	struct ofp_buf out = OFP_BUF_INIT;
	uint8_t exp[256];
	size_t en;

	(void)state;
	established(ofp, &s);
	/* Echo with payload. */
	assert_int_equal(send_hex(ofp, &s, "0402000c00000009cafef00d", &out), 0);
	en = hex_to_bytes("0403000c00000009cafef00d", exp, sizeof(exp));
	assert_bytes_equal(out.data, out.len, exp, en);
	/* Unknown type, with the message as data. */
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "04c8000c0000000a01020304", &out), 0);
	en = hex_to_bytes("04010018" "0000000a" "00010001"
			  "04c8000c0000000a01020304", exp, sizeof(exp));
	assert_bytes_equal(out.data, out.len, exp, en);
	/* Wrong version after negotiation. */
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "0102000800000001", &out), 0);
	assert_error(&out, OFPET_BAD_REQUEST, 0);
	/* Unknown multipart, bad length features request. */
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "04120010000000020063000000000000",
				  &out), 0);
	assert_error(&out, OFPET_BAD_REQUEST, 2);
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "040500090000000200", &out), 0);
	assert_error(&out, OFPET_BAD_REQUEST, 6);
	/* GET_CONFIG after SET_CONFIG. */
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "0409000c0000000300000200", &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(send_hex(ofp, &s, "0407000800000004", &out), 0);
	en = hex_to_bytes("0408000c0000000400000200", exp, sizeof(exp));
	assert_bytes_equal(out.data, out.len, exp, en);

	/* Flow mod, then barrier: flows_changed before the reply. */
	ofp_buf_clear(&out);
	n_changed = 0;
	assert_int_equal(send_hex(ofp, &s, flow_mod_hex, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(ofproto_rule_count(ofp), 1);
	assert_int_equal(send_hex(ofp, &s, "0414000800000005", &out), 0);
	assert_int_equal(n_changed, 1);
	en = hex_to_bytes("0415000800000005", exp, sizeof(exp));
	assert_bytes_equal(out.data, out.len, exp, en);
	/* The same flow_mod into table 254 (tables are 0..253). */
	ofp_buf_clear(&out);
	uint8_t fm[256];
	size_t fn = hex_to_bytes(flow_mod_hex, fm, sizeof(fm));
	fm[24] = 254;
	assert_int_equal(ofp_msg_handle(ofp, &s, fm, fn, &out), 0);
	assert_error(&out, OFPET_FLOW_MOD_FAILED, 2);
	assert_int_equal(out.len, 12 + 64);
	/* Unknown command. */
	ofp_buf_clear(&out);
	fm[24] = 0;
	fm[25] = 7;
	assert_int_equal(ofp_msg_handle(ofp, &s, fm, fn, &out), 0);
	assert_error(&out, OFPET_FLOW_MOD_FAILED, 6);
	/* Flow stats request: one entry back. */
	ofp_buf_clear(&out);
	assert_int_equal(send_hex(ofp, &s, "04120038000000020001000000000000"
				  "ff000000ffffffffffffffff00000000"
				  "00000000000000000000000000000000"
				  "0001000400000000", &out), 0);
	assert_int_equal(out.data[1], OFPT_MULTIPART_REPLY);
	assert_int_equal((out.data[2] << 8) | out.data[3], out.len);
	assert_int_equal(out.len, 16 + 48 + 64 + 40);
	ofp_buf_free(&out);
	ofproto_destroy(ofp);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every reply in out is a well-formed message. */
static void
check_framing(const struct ofp_buf *out)
{
	size_t off = 0;

	while (off < out->len) {
		assert_true(out->len - off >= 8);
		size_t len = (size_t)(out->data[off + 2] << 8 | out->data[off + 3]);
		assert_true(len >= 8);
		assert_true(off + len <= out->len);
		assert_int_equal(out->data[off], OFP13_VERSION);
		off += len;
	}
}

static void
test_fuzz(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, &ops, NULL);
	uint8_t valid[256], msg[512];
	size_t vn = hex_to_bytes(flow_mod_hex, valid, sizeof(valid));
	struct ofp_session s;
	size_t n_errors = 0;

	(void)state;
	established(ofp, &s);
	for (int i = 0; i < 20000; i++) {
		struct ofp_buf out = OFP_BUF_INIT;
		size_t len;

		if (i % 2) {
			/* Garbled flow_mod / multipart / packet-out. */
			memcpy(msg, valid, vn);
			len = vn;
			if (i % 6 == 1)
				msg[1] = OFPT_MULTIPART_REQUEST;
			else if (i % 6 == 3)
				msg[1] = OFPT_PACKET_OUT;
			int flips = 1 + (int)(rnd() % 6);
			for (int f = 0; f < flips; f++)
				msg[8 + rnd() % (vn - 8)] = (uint8_t)rnd();
			if (rnd() % 3 == 0)
				len = 8 + rnd() % (vn - 8);
		} else {
			len = 8 + rnd() % 200;
			for (size_t b = 0; b < len; b++)
				msg[b] = (uint8_t)rnd();
			msg[0] = OFP13_VERSION;
			msg[1] = (uint8_t)(rnd() % 40);
			if (msg[1] == OFPT_ECHO_REQUEST || msg[1] == OFPT_HELLO)
				msg[1] = 99;
		}
		msg[2] = (uint8_t)(len >> 8);
		msg[3] = (uint8_t)len;
		int rc = ofp_msg_handle(ofp, &s, msg, len, &out);
		assert_int_equal(rc, 0);
		check_framing(&out);
		if (i % 2 == 0 && msg[1] != OFPT_ERROR &&
		    msg[1] != OFPT_ECHO_REPLY) {
			/* Random bytes: an error reply is expected, except
			 * for the rare request that happens to be valid. */
			if (out.len && out.data[1] == OFPT_ERROR)
				n_errors++;
		}
		ofp_buf_free(&out);
	}
	/* Nearly all random messages are rejected with an error. */
	assert_true(n_errors > 8000);
	ofp_session_flush_changes(ofp, &s);
	ofp_session_destroy(ofp, &s);
	ofproto_destroy(ofp);
}

/* An OpenFlow 1.3 packet-in's match (A.4.1): IN_PORT always; IN_PHY_PORT
 * only when it differs (a packet popped from a tunnel: the underlay
 * port); TUNNEL_ID and the Nicira tun_src / tun_dst when not 0. */
static void
test_packet_in_tunnel(void **state)
{
	struct ofproto_packet_in_ctx ctx = {
		.reason = 1, .table_id = 0, .cookie = 7, .tunnel_id = 100,
		.tun_src = htonl(0xc0000202), .tun_dst = htonl(0xc0000201),
		.in_phy_port = 1,
	};
	static const uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ofp_buf out = OFP_BUF_INIT;
	struct ofp_flow_match m;
	size_t used;

	(void)state;
	ofp_msg_put_packet_in(&out, &ctx, 10, frame, sizeof(frame),
			      sizeof(frame));
	assert_int_equal(out.data[1], OFPT_PACKET_IN);
	assert_int_equal(ofp_match_decode(out.data + 24, out.len - 24, &m,
					  &used), OFPERR_OK);
	assert_int_equal(m.key.in_port, 10);
	assert_int_equal(m.key.in_phy_port, 1);
	assert_int_equal(m.mask.in_phy_port, UINT16_MAX);
	assert_true(m.key.tunnel_id == 100);
	assert_int_equal(m.key.tun_src, htonl(0xc0000202));
	assert_int_equal(m.key.tun_dst, htonl(0xc0000201));
	/* Match header, IN_PORT, IN_PHY_PORT, TUNNEL_ID, 2 NXM fields. */
	assert_int_equal(used, 4 + 8 + 8 + 12 + 8 + 8);
	ofp_buf_free(&out);

	/* A packet from a physical port: IN_PORT alone. */
	memset(&ctx, 0, sizeof(ctx));
	ofp_msg_put_packet_in(&out, &ctx, 3, frame, sizeof(frame),
			      sizeof(frame));
	assert_int_equal(ofp_match_decode(out.data + 24, out.len - 24, &m,
					  &used), OFPERR_OK);
	assert_int_equal(m.key.in_port, 3);
	assert_int_equal(m.mask.in_phy_port, 0);
	assert_true(m.mask.tunnel_id == 0);
	assert_int_equal(m.mask.tun_src | m.mask.tun_dst, 0);
	assert_int_equal(used, 16);	/* 4 + 8, padded to 8. */
	ofp_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_packet_in_tunnel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
