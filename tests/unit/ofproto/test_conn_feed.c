/* SPDX-License-Identifier: BSD-3-Clause */
/* ofp_conn_mgr_feed(): the connection's framing and dispatch without a
 * socket (the fuzz targets' entry): the same replies whether the peer's
 * bytes come at once or one by one; a bad length ends the stream. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ofp_conn.h"
#include "ofproto.h"
#include "ofproto_priv.h"
#include "test_util.h"

/* HELLO 1.3, FEATURES_REQUEST, ECHO_REQUEST with 4 bytes, BARRIER. */
static const char stream_hex[] =
	"0400000800000001" "0405000800000002" "0402000c00000003cafef00d"
	"0414000800000004";

static size_t
feed(const uint8_t *b, size_t n, size_t chunk)
{
	struct ofproto *ofp = ofproto_create("br0", 1, NULL, NULL);
	size_t replied = 0;

	assert_non_null(ofp);
	assert_int_equal(ofp_conn_mgr_feed(ofp->mgr, b, n, chunk, &replied),
			 0);
	assert_int_equal(ofproto_connection_count(ofp), 0);
	ofproto_destroy(ofp);
	return replied;
}

static void
test_feed_chunks(void **state)
{
	uint8_t b[64];
	size_t n = hex_to_bytes(stream_hex, b, sizeof(b));
	size_t all = feed(b, n, 0);

	(void)state;
	/* Our HELLO (with its version bitmap), FEATURES_REPLY (32 bytes),
	 * ECHO_REPLY (12), BARRIER_REPLY (8). */
	assert_int_equal(all, 16 + 32 + 12 + 8);
	for (size_t chunk = 1; chunk < 9; chunk++)
		assert_int_equal(feed(b, n, chunk), all);
	/* A length below the header's: an error, then nothing more. */
	b[8 + 3] = 4;
	assert_int_equal(feed(b, n, 0), 16 + 12 + 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
