/* SPDX-License-Identifier: BSD-3-Clause */
/* A listener on ptcp:0:127.0.0.1 and a tiny client: hello, features,
 * echo, barrier, packet-in, and a bad length that closes the stream; a
 * removed listener refuses connections as soon as the removal returns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ofp_wire.h"
#include "ofproto.h"
#include "test_util.h"

static int
connect_to(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Reads one message (5 s timeout); returns its length, 0 on EOF. */
static size_t
read_msg(int fd, uint8_t *buf, size_t max)
{
	size_t have = 0, want = 8;

	while (have < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);
		ssize_t n = read(fd, buf + have, want - have);
		if (n == 0)
			return 0;
		assert_true(n > 0);
		have += (size_t)n;
		if (have >= 8)
			want = (size_t)(buf[2] << 8 | buf[3]);
		assert_true(want <= max);
	}
	return have;
}

static void
send_hex(int fd, const char *hex)
{
	uint8_t b[256];
	size_t n = hex_to_bytes(hex, b, sizeof(b));

	assert_int_equal(write(fd, b, n), (ssize_t)n);
}

static void
wait_conns(struct ofproto *ofp, size_t n)
{
	for (int i = 0; i < 500 && ofproto_connection_count(ofp) != n; i++)
		usleep(10000);
	assert_int_equal(ofproto_connection_count(ofp), n);
}

static void
test_socket_session(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 0xabcdef, NULL, NULL);
	uint8_t buf[70000];
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(ofproto_listener_port(ofp, 0), -1);
	assert_int_equal(ofproto_add_listener(ofp, "tcp:1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ofproto_add_listener(ofp, "ptcp:0:127.0.0.1", err,
					      sizeof(err)), 0);
	int port = ofproto_listener_port(ofp, 0);
	assert_true(port > 0);
	assert_int_equal(ofproto_start(ofp), 0);

	int fd = connect_to(port);
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(buf[1], OFPT_HELLO);
	assert_int_equal(buf[0], OFP13_VERSION);
	send_hex(fd, "04000008000000010405000800000002");
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(n, 32);
	assert_int_equal(buf[1], OFPT_FEATURES_REPLY);
	assert_int_equal(buf[15], 0xef);	/* datapath_id low byte */
	wait_conns(ofp, 1);

	send_hex(fd, "0402000c00000003aabbccdd");
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_int_equal(buf[1], OFPT_ECHO_REPLY);
	assert_int_equal(buf[11], 0xdd);

	/* A barrier split over two writes. */
	send_hex(fd, "04140008");
	usleep(20000);
	send_hex(fd, "00000004");
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(n, 8);
	assert_int_equal(buf[1], OFPT_BARRIER_REPLY);
	assert_int_equal(buf[7], 4);

	/* Packet-in from another thread, truncated data. */
	uint8_t pkt[100];
	memset(pkt, 0x5a, sizeof(pkt));
	struct ofproto_packet_in_ctx pin = { .reason = 0, .cookie = 7 };

	ofproto_packet_in(ofp, &pin, 2, pkt, 64, 100);
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(buf[1], OFPT_PACKET_IN);
	assert_int_equal(n, 24 + 16 + 2 + 64);
	assert_int_equal(buf[12] << 8 | buf[13], 100);	/* total_len */

	/* Length < 8: BAD_LEN error, then the switch closes. */
	send_hex(fd, "0402000400000009");
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(buf[1], OFPT_ERROR);
	assert_int_equal(buf[11], 6);
	assert_int_equal(read_msg(fd, buf, sizeof(buf)), 0);
	close(fd);
	wait_conns(ofp, 0);

	/* A second client that speaks OpenFlow 1.1 only. */
	fd = connect_to(port);
	read_msg(fd, buf, sizeof(buf));
	send_hex(fd, "0200000800000001");
	n = read_msg(fd, buf, sizeof(buf));
	assert_int_equal(buf[1], OFPT_ERROR);
	assert_int_equal(read_msg(fd, buf, sizeof(buf)), 0);
	close(fd);
	ofproto_destroy(ofp);
}

/* A reload that drops a listener answers after ofproto_del_listener():
 * from then on the port refuses connections, even while the control
 * thread has not come round to closing the descriptor yet. */
static void
test_socket_del_listener_refuses(void **state)
{
	struct ofproto *ofp = ofproto_create("br0", 1, NULL, NULL);
	char err[128];
	int accepted_after_del = 0;

	(void)state;
	assert_int_equal(ofproto_start(ofp), 0);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(ofproto_add_listener(ofp, "ptcp:0:127.0.0.1",
						      err, sizeof(err)), 0);
		int port = ofproto_listener_port(ofp, 0);
		assert_true(port > 0);
		assert_int_equal(ofproto_del_listener(ofp, "ptcp:0:127.0.0.1"),
				 0);

		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			accepted_after_del++;
		else
			assert_int_equal(errno, ECONNREFUSED);
		close(fd);
	}
	assert_int_equal(accepted_after_del, 0);
	ofproto_destroy(ofp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_session),
		cmocka_unit_test(test_socket_del_listener_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
