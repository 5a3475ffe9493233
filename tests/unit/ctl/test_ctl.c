/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket without the daemon: the request parser, and the
 * transport (ctl_socket.c) with an echo handler: many clients at once,
 * deadlines, caps, the socket file's mode, a non-socket path, and the
 * EMFILE back-off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_request.h"
#include "ctl_socket.h"

static int
parse(const char *buf, size_t len, struct ctl_request *req)
{
	return ctl_request_parse(buf, len, req);
}

static void
test_request_parse(void **state)
{
	struct ctl_request req;
	static const char ok[] = "json\0dump-flows\0br0\0";	/* + "\0" */
	static const char text[] = "text\0show\0";
	static const char bad_fmt[] = "yaml\0show\0";
	static const char no_cmd[] = "json\0";
	static const char unterm[] = { 't', 'e', 'x', 't', 0, 's', 'h' };

	(void)state;
	assert_true(ctl_request_complete(ok, sizeof(ok)));
	assert_false(ctl_request_complete(ok, sizeof(ok) - 1));
	assert_false(ctl_request_complete("", 0));
	assert_int_equal(parse(ok, sizeof(ok), &req), 0);
	assert_true(req.json);
	assert_string_equal(req.cmd, "dump-flows");
	assert_int_equal(req.argc, 1);
	assert_string_equal(req.argv[0], "br0");
	assert_int_equal(parse(text, sizeof(text), &req), 0);
	assert_false(req.json);
	assert_int_equal(req.argc, 0);
	assert_int_equal(parse(bad_fmt, sizeof(bad_fmt), &req), -EINVAL);
	assert_int_equal(parse(no_cmd, sizeof(no_cmd), &req), -EINVAL);
	assert_int_equal(parse(unterm, sizeof(unterm), &req), -EINVAL);
	assert_int_equal(parse("", 0, &req), -EINVAL);

	/* CTL_MAX_ARGS arguments pass, one more does not. */
	char many[256];
	size_t n = 0;

	n += (size_t)sprintf(many + n, "text") + 1;
	n += (size_t)sprintf(many + n, "cmd") + 1;
	for (int i = 0; i < CTL_MAX_ARGS; i++)
		n += (size_t)sprintf(many + n, "a%d", i) + 1;
	many[n++] = '\0';
	assert_int_equal(parse(many, n, &req), 0);
	assert_int_equal(req.argc, CTL_MAX_ARGS);
	n--;
	n += (size_t)sprintf(many + n, "extra") + 1;
	many[n++] = '\0';
	assert_int_equal(parse(many, n, &req), -EINVAL);
}

/* ------------------------------------------------------------ transport */

static char sock_path[108];
static int n_logged;
static char last_log[512];

static int
echo_handler(void *arg, const struct ctl_request *req, struct strbuf *out)
{
	(void)arg;
	if (!strcmp(req->cmd, "fail")) {
		strbuf_printf(out, "failed");
		return -1;
	}
	strbuf_printf(out, "%s %s/%d", req->json ? "json" : "text", req->cmd,
		      req->argc);
	return 0;
}

static void
test_log(int level, const char *msg)
{
	(void)level;
	n_logged++;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static struct ctl_socket *
open_server(unsigned max_clients, unsigned request_ms)
{
	struct ctl_socket_config cfg = {
		.path = sock_path,
		.max_clients = max_clients,
		.request_ms = request_ms,
		.handler = echo_handler,
		.log = test_log,
	};
	char err[256];
	struct ctl_socket *cs = ctl_socket_open(&cfg, err, sizeof(err));

	if (cs == NULL)
		fail_msg("ctl_socket_open: %s", err);
	return cs;
}

static int
connect_client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Everything until EOF, at most timeout_ms. */
static size_t
read_reply(int fd, char *buf, size_t max, int timeout_ms)
{
	size_t len = 0;

	while (len < max - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		r = read(fd, buf + len, max - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return len;
}

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
send_str(int fd, const char *s, size_t n)
{
	assert_int_equal(write(fd, s, n), (ssize_t)n);
}

static void
test_serves_while_one_dribbles(void **state)
{
	struct ctl_socket *cs = open_server(0, 800);
	struct ctl_socket_stats st;
	struct stat sb;
	char reply[256];
	int slow, fast;
	uint64_t t;

	(void)state;
	assert_int_equal(lstat(sock_path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);

	slow = connect_client();
	send_str(slow, "te", 2);	/* And nothing more for now. */
	t = ms_now();
	fast = connect_client();
	send_str(fast, "json\0show\0a\0", 13);
	read_reply(fast, reply, sizeof(reply), 2000);
	assert_true(ms_now() - t < 500);
	assert_string_equal(reply, "0json show/1");
	close(fast);

	fast = connect_client();
	send_str(fast, "text\0fail\0", 11);
	read_reply(fast, reply, sizeof(reply), 2000);
	assert_string_equal(reply, "1failed");
	close(fast);

	/* The dribbler is cut at its deadline, and told. */
	read_reply(slow, reply, sizeof(reply), 3000);
	assert_string_equal(reply, "1request timed out");
	close(slow);
	ctl_socket_stats(cs, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.served, 2);
	ctl_socket_close(cs);
	assert_int_equal(access(sock_path, F_OK), -1);
}

static void
test_caps(void **state)
{
	struct ctl_socket *cs = open_server(2, 0);
	struct ctl_socket_stats st;
	char reply[256], *big;
	int a, b, c;

	(void)state;
	a = connect_client();
	b = connect_client();
	usleep(100 * 1000);
	c = connect_client();
	read_reply(c, reply, sizeof(reply), 2000);
	assert_non_null(strstr(reply, "1too many control clients"));
	close(c);
	close(a);
	close(b);
	for (int i = 0; i < 100 && ctl_socket_clients(cs) > 0; i++)
		usleep(10 * 1000);
	assert_int_equal(ctl_socket_clients(cs), 0);

	big = malloc(CTL_SOCKET_MAX_REQUEST + 10);
	memset(big, 'x', CTL_SOCKET_MAX_REQUEST + 10);
	c = connect_client();
	send_str(c, big, CTL_SOCKET_MAX_REQUEST + 10);
	read_reply(c, reply, sizeof(reply), 2000);
	assert_string_equal(reply, "1request too large");
	close(c);
	free(big);

	c = connect_client();
	send_str(c, "bogus\0x\0\0", 9);
	read_reply(c, reply, sizeof(reply), 2000);
	assert_string_equal(reply, "1malformed request");
	close(c);
	ctl_socket_stats(cs, &st);
	assert_int_equal(st.refused_busy, 1);
	assert_int_equal(st.too_large, 1);
	assert_int_equal(st.malformed, 1);
	ctl_socket_close(cs);
}

static void
test_not_a_socket(void **state)
{
	struct ctl_socket_config cfg = {
		.path = sock_path, .handler = echo_handler, .log = test_log,
	};
	char err[256], buf[16];
	FILE *f = fopen(sock_path, "w");

	(void)state;
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_null(ctl_socket_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "not a socket"));
	f = fopen(sock_path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "keep");
	unlink(sock_path);
}

/* accept() failing with EMFILE: logged once, polled a few times a
 * second at most, and served again once descriptors are free. */
static void
test_emfile_backs_off(void **state)
{
	struct ctl_socket *cs = open_server(0, 0);
	struct ctl_socket_stats before, after;
	struct rlimit old, low;
	char reply[64];
	int fd, probe;

	(void)state;
	n_logged = 0;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* The lowest free descriptor is the client's; after it none. */
	probe = dup(0);
	assert_true(probe >= 0);
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	fd = connect_client();
	assert_int_equal(fd, probe);
	send_str(fd, "text\0v\0\0", 8);
	usleep(200 * 1000);
	ctl_socket_stats(cs, &before);
	usleep(1000 * 1000);
	ctl_socket_stats(cs, &after);
	assert_true(after.accept_errors >= 1);
	/* Back-off doubling from 50 ms to 1 s: a handful of wake-ups. */
	assert_true(after.wakeups - before.wakeups <= 6);
	assert_int_equal(n_logged, 1);
	assert_non_null(strstr(last_log, "Too many open files"));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	read_reply(fd, reply, sizeof(reply), 3000);
	assert_string_equal(reply, "0text v/0");
	close(fd);
	assert_non_null(strstr(last_log, "accept works again"));
	ctl_socket_close(cs);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/pmdsw-ctl-unit-%d.sock",
		 (int)getpid());
	unlink(sock_path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test_setup(test_serves_while_one_dribbles, setup),
		cmocka_unit_test_setup(test_caps, setup),
		cmocka_unit_test_setup(test_not_a_socket, setup),
		cmocka_unit_test_setup(test_emfile_backs_off, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
