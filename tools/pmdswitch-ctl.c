/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmdswitch-ctl: the operator tool. It forwards one command to pmdswitchd
 * over the control socket and prints the answer.
 *
 * Wire protocol (Unix stream socket):
 *   request: NUL-terminated strings: "json" or "text", the command, each
 *            argument, then one empty string (so the request ends "\0\0").
 *   reply:   read until EOF; the first byte is '0' (success) or '1' (error),
 *            the rest is the body.
 *
 * Exit status: 0 success, 1 the daemon reported an error, 2 no answer
 * (cannot connect, timeout, malformed reply) or bad usage.
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"

#define CTL_DEFAULT_PATH   "/run/pmdswitch/pmdswitchd.ctl"
#define CTL_TIMEOUT_MS	   10000
#define CTL_EXIT_OK	   0
#define CTL_EXIT_FAILED	   1
#define CTL_EXIT_NO_ANSWER 2

static const char *prog = "pmdswitch-ctl";

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--ctl PATH] [--config FILE] [--json] COMMAND "
		"[ARGS...]\n"
		"\n"
		"Sends COMMAND to pmdswitchd over its control socket and "
		"prints the reply.\n"
		"\n"
		"Commands (the daemon decides which it supports):\n"
		"  show                     bridges, ports and datapath "
		"summary,\n"
		"                           OpenFlow channel counters and "
		"limits\n"
		"  dump-flows BR            OpenFlow rules of bridge BR\n"
		"  add-flow BR FLOW         add a rule (ovs-ofctl flow "
		"syntax)\n"
		"  del-flows BR [MATCH]     delete rules (all, or those "
		"matching)\n"
		"  dump-megaflows           datapath megaflow cache entries\n"
		"  tunnel-show              tunnel endpoints, tunnel ports "
		"and counters,\n"
		"                           ARP neighbour cache and routes\n"
		"  pmd-stats-show           per-PMD packet and cache counters\n"
		"  pmd-stats-clear          reset the per-PMD counters\n"
		"  pmd-rxq-show             receive queue to PMD assignment, with\n"
		"                           each queue's shed polls (upcall storm)\n"
		"  pmd-rxq-rebalance        move receive queues between PMDs by "
		"their cycles\n"
		"  dump-ports BR            port counters of bridge BR\n"
		"  reload                   re-read the configuration file\n"
		"  trace BR FLOW            what the switch does with a packet "
		"of this\n"
		"                           flow (ovs-ofctl match syntax, "
		"in_port=N\n"
		"                           required): tables, rules, groups, "
		"datapath\n"
		"                           actions, output frames, megaflow, "
		"caches;\n"
		"                           nothing is sent or counted\n"
		"  trace BR --packet HEX [--in-port PORT]\n"
		"  trace BR --pcap FILE [--in-port PORT] [--all]\n"
		"                           the same for a frame in hex, or the "
		"first\n"
		"                           (--all: each) packet of a pcap "
		"file; PORT\n"
		"                           (or in_port=N) defaults to the "
		"bridge's\n"
		"                           lowest ofport\n"
		"  version                  daemon version\n"
		"  ctl-stats                control socket clients and why "
		"some were refused\n"
		"  capture PORT [--dir rx|tx|both] [--count N] [--snaplen B]\n"
		"          [--filter BPF] [--duration S] -w FILE\n"
		"                           write PORT's packets to a new "
		"pcapng\n"
		"                           FILE (written by the daemon); "
		"stops at\n"
		"                           N packets, after S seconds or on "
		"Ctrl-C\n"
		"\n"
		"Options:\n"
		"  --ctl PATH      control socket (default: the ctl-socket of\n"
		"                  --config FILE, else $PMDSWITCH_CTL, else\n"
		"                  " CTL_DEFAULT_PATH ")\n"
		"  --config FILE   take the control socket path from this\n"
		"                  pmdswitchd configuration file\n"
		"  --json          ask for one JSON document instead of text\n"
		"  -h, --help      this help\n"
		"\n"
		"Exit status: 0 success, 1 the command failed, 2 no answer "
		"from the\n"
		"daemon (not running, timeout, bad reply) or bad usage.\n",
		prog);
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Waits for events on fd until the deadline; 0, -ETIMEDOUT or -errno. */
static int
wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int ret;

	for (;;) {
		int left = ms_left(deadline);

		if (left == 0)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, left);
		if (ret > 0)
			return 0;
		if (ret == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int
send_all(int fd, const char *buf, size_t len, const struct timespec *deadline)
{
	while (len > 0) {
		ssize_t n;
		int ret = wait_fd(fd, POLLOUT, deadline);

		if (ret < 0)
			return ret;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until EOF into a malloc'd buffer. */
static int
recv_all(int fd, char **out, size_t *out_len, const struct timespec *deadline)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *grown;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n;
		int ret;

		if (len == cap) {
			cap *= 2;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret < 0) {
			free(buf);
			return ret;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n == 0)
			break;
		/* A daemon that refused us closed with our request unread:
		 * its answer came before the reset. */
		if (n < 0 && errno == ECONNRESET && len > 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			free(buf);
			return ret;
		}
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* The request: format, command, arguments, each NUL-terminated, then "". */
static char *
build_request(bool json, int argc, char **argv, size_t *len)
{
	const char *format = json ? "json" : "text";
	size_t total = strlen(format) + 2, o = 0;
	char *req;
	int i;

	for (i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	req = malloc(total);
	if (req == NULL)
		return NULL;
	memcpy(req, format, strlen(format) + 1);
	o = strlen(format) + 1;
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(req + o, argv[i], n);
		o += n;
	}
	req[o++] = '\0';
	*len = o;
	return req;
}

static void
print_body(FILE *out, const char *prefix, const char *body, size_t len)
{
	if (prefix != NULL)
		fputs(prefix, out);
	fwrite(body, 1, len, out);
	if (len > 0 && body[len - 1] != '\n')
		fputc('\n', out);
}

static int
ctl_path_from_config(const char *file, char **path)
{
	struct pmdswitch_config cfg;
	char err[512];

	if (config_load_file(file, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	*path = strdup(cfg.ctl_socket);
	config_free(&cfg);
	if (*path == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

/* One request to the daemon. CTL_EXIT_OK with the body in *body (NUL
 * terminated, to free), CTL_EXIT_FAILED with the daemon's message in
 * *body, or CTL_EXIT_NO_ANSWER (said on stderr). */
static int
call(const char *path, bool json, int argc, char **argv, char **body,
     size_t *body_len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_MS / 1000};
	struct timespec deadline;
	char *req = NULL, *reply = NULL;
	size_t req_len = 0, reply_len = 0;
	int fd = -1, ret, status = CTL_EXIT_NO_ANSWER;

	*body = NULL;
	*body_len = 0;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	req = build_request(json, argc, argv, &req_len);
	if (req == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CTL_TIMEOUT_MS / 1000;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EACCES || errno == EPERM)
			fprintf(stderr,
				"%s: cannot connect to %s: %s (the control "
				"socket serves root and members of group "
				"pmdswitch)\n", prog, path, strerror(errno));
		else
			fprintf(stderr,
				"%s: cannot connect to %s: %s (is pmdswitchd "
				"running?)\n", prog, path, strerror(errno));
		goto out;
	}

	ret = send_all(fd, req, req_len, &deadline);
	/* A daemon that refuses us (access, too many clients) answers and
	 * closes before reading: its answer is still there to read. */
	if (ret == 0 || ret == -EPIPE || ret == -ECONNRESET)
		ret = recv_all(fd, &reply, &reply_len, &deadline);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr,
			"%s: %s: no reply from pmdswitchd within %d s\n", prog,
			path, CTL_TIMEOUT_MS / 1000);
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-ret));
		goto out;
	}
	if (reply_len == 0) {
		fprintf(stderr, "%s: %s: connection closed without a reply\n",
			prog, path);
		goto out;
	}
	if (reply[0] != '0' && reply[0] != '1') {
		fprintf(stderr,
			"%s: %s: malformed reply (status byte 0x%02x)\n", prog,
			path, (unsigned char)reply[0]);
		goto out;
	}
	status = reply[0] == '0' ? CTL_EXIT_OK : CTL_EXIT_FAILED;
	*body = malloc(reply_len);
	if (*body == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = CTL_EXIT_NO_ANSWER;
		goto out;
	}
	memcpy(*body, reply + 1, reply_len - 1);
	(*body)[reply_len - 1] = '\0';
	*body_len = reply_len - 1;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(reply);
	return status;
}

/* Print a reply: the body on stdout, or the daemon's error on stderr. */
static int
print_reply(int status, const char *body, size_t len)
{
	if (status == CTL_EXIT_OK) {
		print_body(stdout, NULL, body, len);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "%s: writing the output: %s\n", prog,
				strerror(errno));
			return CTL_EXIT_FAILED;
		}
	} else if (status == CTL_EXIT_FAILED) {
		if (len > 0)
			print_body(stderr, "pmdswitch-ctl: ", body, len);
		else
			fprintf(stderr, "%s: command failed\n", prog);
	}
	return status;
}

static int
run_command(const char *path, bool json, int argc, char **argv)
{
	char *body;
	size_t len;
	int status = call(path, json, argc, argv, &body, &len);

	status = print_reply(status, body, len);
	free(body);
	return status;
}

static volatile sig_atomic_t capture_interrupted;

static void
capture_on_signal(int sig)
{
	(void)sig;
	capture_interrupted = 1;
}

static void
capture_usage(void)
{
	fprintf(stderr, "usage: %s capture PORT [--dir rx|tx|both] "
		"[--count N] [--snaplen BYTES] [--filter BPF] "
		"[--duration SECONDS] -w FILE\n", prog);
}

/* capture: capture-start, then capture-status every 100 ms until it is
 * done; Ctrl-C (SIGINT, SIGTERM) sends capture-stop. The daemon writes
 * FILE (a new file, given to it as an absolute path). */
static int
run_capture(const char *path, bool json, int argc, char **argv)
{
	const char *port = NULL, *dir = "both", *file = NULL, *filter = NULL;
	const char *count = "0", *snaplen = "262144";
	char duration_ms[32] = "0", abs_path[8192], id[32];
	char *args[9], *body = NULL;
	struct sigaction sa = {.sa_handler = capture_on_signal};
	size_t len;
	int status, n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (port != NULL) {
				capture_usage();
				return CTL_EXIT_NO_ANSWER;
			}
			port = a;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "%s: capture: %s needs a value\n", prog,
				a);
			capture_usage();
			return CTL_EXIT_NO_ANSWER;
		}
		i++;
		if (!strcmp(a, "--dir")) {
			dir = v;
		} else if (!strcmp(a, "--count")) {
			count = v;
		} else if (!strcmp(a, "--snaplen")) {
			snaplen = v;
		} else if (!strcmp(a, "--filter")) {
			filter = v;
		} else if (!strcmp(a, "-w")) {
			file = v;
		} else if (!strcmp(a, "--duration")) {
			char *end;
			double d = strtod(v, &end);

			if (*end != '\0' || !(d >= 0) || d > 1e9) {
				fprintf(stderr, "%s: capture: bad duration "
					"\"%s\"\n", prog, v);
				return CTL_EXIT_NO_ANSWER;
			}
			snprintf(duration_ms, sizeof(duration_ms), "%llu",
				 (unsigned long long)(d * 1000.0));
		} else {
			fprintf(stderr, "%s: capture: unknown option %s\n",
				prog, a);
			capture_usage();
			return CTL_EXIT_NO_ANSWER;
		}
	}
	if (port == NULL || file == NULL) {
		capture_usage();
		return CTL_EXIT_NO_ANSWER;
	}
	/* libpcap's default snapshot length; the daemon keeps 65535 at
	 * most. */
	if (!strcmp(snaplen, "262144"))
		snaplen = "65535";
	if (file[0] == '/') {
		snprintf(abs_path, sizeof(abs_path), "%s", file);
	} else {
		char cwd[4096];

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			fprintf(stderr, "%s: capture: getcwd: %s\n", prog,
				strerror(errno));
			return CTL_EXIT_NO_ANSWER;
		}
		snprintf(abs_path, sizeof(abs_path), "%s/%s", cwd, file);
	}
	args[n++] = (char *)"capture-start";
	args[n++] = (char *)port;
	args[n++] = (char *)dir;
	args[n++] = (char *)count;
	args[n++] = (char *)snaplen;
	args[n++] = duration_ms;
	args[n++] = abs_path;
	if (filter != NULL && filter[0] != '\0')
		args[n++] = (char *)filter;
	status = call(path, false, n, args, &body, &len);
	if (status != CTL_EXIT_OK) {
		status = print_reply(status, body, len);
		free(body);
		return status;
	}
	snprintf(id, sizeof(id), "%ld", strtol(body, NULL, 10));
	free(body);
	body = NULL;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* On stderr even with --json: the capture has started. */
	fprintf(stderr, "capturing on %s (%s) to %s; Ctrl-C stops\n", port,
		dir, abs_path);
	for (;;) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		char *st_args[2] = {
			(char *)(capture_interrupted ? "capture-stop" :
						       "capture-status"),
			id};
		bool stop = capture_interrupted;

		free(body);
		status = call(path, json, 2, st_args, &body, &len);
		if (status != CTL_EXIT_OK)
			break;
		if (stop || (json ? strstr(body, "\"running\": false") != NULL :
				    strstr(body, " done ") != NULL))
			break;
		nanosleep(&ts, NULL);
	}
	status = print_reply(status, body, len);
	free(body);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{"ctl", required_argument, NULL, 'c'},
		{"config", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *config_file = NULL;
	char *config_path = NULL, *abs_pcap = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	bool json = false;
	int opt, status = CTL_EXIT_NO_ANSWER, i;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			config_file = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return CTL_EXIT_NO_ANSWER;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: missing COMMAND\n", prog);
		usage(stderr);
		return CTL_EXIT_NO_ANSWER;
	}
	for (i = optind; i < argc; i++) {
		if (argv[i][0] == '\0') {
			fprintf(stderr, "%s: argument %d is empty\n", prog,
				i - optind);
			return CTL_EXIT_NO_ANSWER;
		}
	}

	/* trace --pcap FILE: the daemon opens it, from its own directory. */
	for (i = optind + 1; i + 1 < argc; i++) {
		if (strcmp(argv[optind], "trace") != 0 ||
		    strcmp(argv[i], "--pcap") != 0 || argv[i + 1][0] == '/')
			continue;
		abs_pcap = realpath(argv[i + 1], NULL);
		if (abs_pcap == NULL) {
			fprintf(stderr, "%s: trace --pcap %s: %s\n", prog,
				argv[i + 1], strerror(errno));
			return CTL_EXIT_FAILED;
		}
		argv[i + 1] = abs_pcap;
	}

	/* --ctl, then --config, then $PMDSWITCH_CTL, then the default. */
	if (path == NULL && config_file != NULL) {
		if (ctl_path_from_config(config_file, &config_path) < 0)
			return CTL_EXIT_NO_ANSWER;
		path = config_path;
	}
	if (path == NULL && getenv("PMDSWITCH_CTL") != NULL &&
	    getenv("PMDSWITCH_CTL")[0] != '\0')
		path = getenv("PMDSWITCH_CTL");
	if (path == NULL)
		path = CTL_DEFAULT_PATH;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path,
			strerror(ENAMETOOLONG));
		goto out;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);

	if (!strcmp(argv[optind], "capture"))
		status = run_capture(path, json, argc - optind, argv + optind);
	else
		status = run_command(path, json, argc - optind, argv + optind);
out:
	free(config_path);
	free(abs_pcap);
	return status;
}
