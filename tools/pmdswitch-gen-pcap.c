/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmdswitch-gen-pcap: writes a pcap file of IPv4 UDP or TCP packets for
 * net_pcap rx_pcap= ports and benchmarks. Packet j belongs to flow
 * j % flows; flow i differs from flow 0 by +i in one field (--vary).
 * Checksums (IPv4, UDP, TCP) are correct. The output is deterministic:
 * packet j is stamped j microseconds after the epoch.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define ETH_HDR_LEN  14
#define VLAN_HDR_LEN 4
#define IPV4_HDR_LEN 20
#define UDP_HDR_LEN  8
#define TCP_HDR_LEN  20
#define FCS_LEN	     4
#define MIN_FRAME    64 /* Ethernet minimum, FCS included. */
#define MAX_FRAME    65535
#define MAX_FLOWS    (1u << 24)
#define EXIT_USAGE   2

enum vary { VARY_SRC_IP, VARY_DST_IP, VARY_SRC_PORT, VARY_DST_PORT };
static const char *const vary_names[] = {"src-ip", "dst-ip", "src-port",
					 "dst-port"};

struct gen_opts {
	const char *output;
	uint64_t flows;
	uint64_t packets; /* 0: as many as flows. */
	uint64_t size;	  /* Frame size with FCS. */
	bool tcp;
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip; /* Host order. */
	uint16_t src_port, dst_port;
	enum vary vary;
	int vlan; /* -1: untagged. */
};

static const char *prog = "pmdswitch-gen-pcap";

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: %s -o FILE [OPTIONS]\n"
		"\n"
		"Writes IPv4 UDP/TCP packets to a pcap file (\"-\" for "
		"stdout).\n"
		"\n"
		"  -o, --output FILE   the pcap file to write (required)\n"
		"  --flows N           distinct flows, 1 to %u (default 1)\n"
		"  --packets N         packets to write (default: one per "
		"flow);\n"
		"                      packet j belongs to flow j %% N\n"
		"  --size BYTES        frame size including the 4-byte FCS, "
		"which\n"
		"                      is not written: %d to %d (default 64)\n"
		"  --proto udp|tcp     transport (default udp)\n"
		"  --src-mac MAC       default 02:00:00:00:00:01\n"
		"  --dst-mac MAC       default 02:00:00:00:00:02\n"
		"  --src-ip A.B.C.D    default 10.0.0.1\n"
		"  --dst-ip A.B.C.D    default 10.0.0.2\n"
		"  --src-port N        default 1024\n"
		"  --dst-port N        default 5000\n"
		"  --vary FIELD        what flow i adds i to: src-ip, dst-ip,\n"
		"                      src-port or dst-port (default "
		"src-port)\n"
		"  --vlan VID          add an 802.1Q tag with VLAN id 0 to "
		"4095\n"
		"  -h, --help          this help\n",
		prog, MAX_FLOWS, MIN_FRAME, MAX_FRAME);
}

static int
bad_arg(const char *opt, const char *want, const char *got)
{
	fprintf(stderr, "%s: %s: expected %s, got \"%s\"\n", prog, opt, want,
		got);
	return -EINVAL;
}

static int
parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max,
	   uint64_t *out)
{
	char want[96];
	char *end;
	unsigned long long v;

	snprintf(want, sizeof(want), "an integer from %" PRIu64 " to %" PRIu64,
		 min, max);
	if (s[0] < '0' || s[0] > '9')
		return bad_arg(opt, want, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return bad_arg(opt, want, s);
	*out = v;
	return 0;
}

static int
parse_mac(const char *opt, const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return bad_arg(opt, "a MAC address such as 02:00:00:00:00:01",
			       s);
	for (i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3 + 1] == ' ')
			return bad_arg(opt,
				       "a MAC address such as "
				       "02:00:00:00:00:01",
				       s);
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int
parse_ip(const char *opt, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return bad_arg(opt, "an IPv4 address A.B.C.D", s);
	*out = ntohl(a.s_addr);
	return 0;
}

/* Internet checksum over buf, added to a running 32-bit sum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
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

/* Builds packet j (flow j % flows) into pkt (len bytes, zeroed). */
static void
build_packet(const struct gen_opts *o, uint64_t j, uint8_t *pkt, size_t len)
{
	uint32_t flow = (uint32_t)(j % o->flows);
	uint32_t src_ip = o->src_ip, dst_ip = o->dst_ip;
	uint16_t src_port = o->src_port, dst_port = o->dst_port;
	size_t l3 = ETH_HDR_LEN + (o->vlan >= 0 ? VLAN_HDR_LEN : 0);
	size_t l4 = l3 + IPV4_HDR_LEN;
	uint16_t ip_len = (uint16_t)(len - l3);
	uint16_t l4_len = (uint16_t)(ip_len - IPV4_HDR_LEN);
	uint8_t *ip = pkt + l3, *th = pkt + l4;
	uint16_t sum;
	uint32_t acc;

	switch (o->vary) {
	case VARY_SRC_IP:
		src_ip += flow;
		break;
	case VARY_DST_IP:
		dst_ip += flow;
		break;
	case VARY_SRC_PORT:
		src_port = (uint16_t)(src_port + flow);
		break;
	case VARY_DST_PORT:
		dst_port = (uint16_t)(dst_port + flow);
		break;
	}

	memset(pkt, 0, len);
	memcpy(pkt, o->dst_mac, 6);
	memcpy(pkt + 6, o->src_mac, 6);
	if (o->vlan >= 0) {
		put16(pkt + 12, 0x8100);
		put16(pkt + 14, (uint16_t)o->vlan);
		put16(pkt + 16, 0x0800);
	} else {
		put16(pkt + 12, 0x0800);
	}

	ip[0] = 0x45; /* IPv4, 20-byte header. */
	put16(ip + 2, ip_len);
	put16(ip + 4, (uint16_t)j); /* Identification. */
	ip[8] = 64;		    /* TTL. */
	ip[9] = o->tcp ? 6 : 17;
	put32(ip + 12, src_ip);
	put32(ip + 16, dst_ip);
	put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HDR_LEN)));

	put16(th, src_port);
	put16(th + 2, dst_port);
	if (o->tcp) {
		put32(th + 4, (uint32_t)j); /* Sequence number. */
		th[12] = 5 << 4;	    /* Data offset: 20 bytes. */
		th[13] = 0x18;		    /* PSH, ACK. */
		put16(th + 14, 65535);	    /* Window. */
	} else {
		put16(th + 4, l4_len);
	}
	/* Pseudo-header, then the transport header and payload. */
	acc = csum_add(0, ip + 12, 8);
	acc += ip[9];
	acc += l4_len;
	sum = csum_fold(csum_add(acc, th, l4_len));
	if (!o->tcp && sum == 0)
		sum = 0xffff; /* UDP: 0 would mean "no checksum". */
	put16(th + (o->tcp ? 16 : 6), sum);
}

static int
parse_args(int argc, char **argv, struct gen_opts *o)
{
	enum {
		OPT_FLOWS = 256,
		OPT_PACKETS,
		OPT_SIZE,
		OPT_PROTO,
		OPT_SRC_MAC,
		OPT_DST_MAC,
		OPT_SRC_IP,
		OPT_DST_IP,
		OPT_SRC_PORT,
		OPT_DST_PORT,
		OPT_VARY,
		OPT_VLAN
	};
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"flows", required_argument, NULL, OPT_FLOWS},
		{"packets", required_argument, NULL, OPT_PACKETS},
		{"size", required_argument, NULL, OPT_SIZE},
		{"proto", required_argument, NULL, OPT_PROTO},
		{"src-mac", required_argument, NULL, OPT_SRC_MAC},
		{"dst-mac", required_argument, NULL, OPT_DST_MAC},
		{"src-ip", required_argument, NULL, OPT_SRC_IP},
		{"dst-ip", required_argument, NULL, OPT_DST_IP},
		{"src-port", required_argument, NULL, OPT_SRC_PORT},
		{"dst-port", required_argument, NULL, OPT_DST_PORT},
		{"vary", required_argument, NULL, OPT_VARY},
		{"vlan", required_argument, NULL, OPT_VLAN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t u;
	int opt, ret = 0;
	size_t i;

	while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o->output = optarg;
			break;
		case OPT_FLOWS:
			ret = parse_uint("--flows", optarg, 1, MAX_FLOWS,
					 &o->flows);
			break;
		case OPT_PACKETS:
			ret = parse_uint("--packets", optarg, 1, UINT64_MAX,
					 &o->packets);
			break;
		case OPT_SIZE:
			ret = parse_uint("--size", optarg, MIN_FRAME, MAX_FRAME,
					 &o->size);
			break;
		case OPT_PROTO:
			if (strcmp(optarg, "udp") == 0)
				o->tcp = false;
			else if (strcmp(optarg, "tcp") == 0)
				o->tcp = true;
			else
				ret = bad_arg("--proto", "udp or tcp", optarg);
			break;
		case OPT_SRC_MAC:
			ret = parse_mac("--src-mac", optarg, o->src_mac);
			break;
		case OPT_DST_MAC:
			ret = parse_mac("--dst-mac", optarg, o->dst_mac);
			break;
		case OPT_SRC_IP:
			ret = parse_ip("--src-ip", optarg, &o->src_ip);
			break;
		case OPT_DST_IP:
			ret = parse_ip("--dst-ip", optarg, &o->dst_ip);
			break;
		case OPT_SRC_PORT:
			ret = parse_uint("--src-port", optarg, 0, 65535, &u);
			o->src_port = (uint16_t)u;
			break;
		case OPT_DST_PORT:
			ret = parse_uint("--dst-port", optarg, 0, 65535, &u);
			o->dst_port = (uint16_t)u;
			break;
		case OPT_VARY:
			for (i = 0; i < 4; i++)
				if (strcmp(optarg, vary_names[i]) == 0)
					break;
			if (i == 4)
				ret = bad_arg("--vary",
					      "src-ip, dst-ip, "
					      "src-port or dst-port",
					      optarg);
			else
				o->vary = (enum vary)i;
			break;
		case OPT_VLAN:
			ret = parse_uint("--vlan", optarg, 0, 4095, &u);
			o->vlan = (int)u;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return -EINVAL;
		}
		if (ret < 0)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog,
			argv[optind]);
		return -EINVAL;
	}
	if (o->output == NULL) {
		fprintf(stderr, "%s: missing -o FILE\n", prog);
		usage(stderr);
		return -EINVAL;
	}

	/* The varied field must not wrap around. */
	switch (o->vary) {
	case VARY_SRC_PORT:
	case VARY_DST_PORT:
		u = o->vary == VARY_SRC_PORT ? o->src_port : o->dst_port;
		if (u + o->flows - 1 > 65535) {
			fprintf(stderr,
				"%s: --flows %" PRIu64 " from %s %" PRIu64
				" goes past port 65535\n",
				prog, o->flows, vary_names[o->vary], u);
			return -EINVAL;
		}
		break;
	case VARY_SRC_IP:
	case VARY_DST_IP:
		u = o->vary == VARY_SRC_IP ? o->src_ip : o->dst_ip;
		if (u + o->flows - 1 > UINT32_MAX) {
			fprintf(stderr,
				"%s: --flows %" PRIu64 " from %s goes "
				"past 255.255.255.255\n",
				prog, o->flows, vary_names[o->vary]);
			return -EINVAL;
		}
		break;
	}
	if (o->packets == 0)
		o->packets = o->flows;
	return 0;
}

int
main(int argc, char **argv)
{
	struct gen_opts o = {
		.flows = 1,
		.size = MIN_FRAME,
		.src_mac = {0x02, 0, 0, 0, 0, 0x01},
		.dst_mac = {0x02, 0, 0, 0, 0, 0x02},
		.src_ip = 0x0a000001,
		.dst_ip = 0x0a000002,
		.src_port = 1024,
		.dst_port = 5000,
		.vary = VARY_SRC_PORT,
		.vlan = -1,
	};
	struct pcap_pkthdr hdr;
	pcap_dumper_t *dumper;
	size_t len;
	uint8_t *pkt;
	pcap_t *pcap;
	uint64_t j;
	int status = EXIT_SUCCESS;

	if (parse_args(argc, argv, &o) < 0)
		return EXIT_USAGE;

	len = (size_t)o.size - FCS_LEN;
	pkt = malloc(len);
	if (pkt == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAILURE;
	}
	pcap = pcap_open_dead(DLT_EN10MB, 65535);
	if (pcap == NULL) {
		fprintf(stderr, "%s: pcap_open_dead failed\n", prog);
		free(pkt);
		return EXIT_FAILURE;
	}
	dumper = pcap_dump_open(pcap, o.output);
	if (dumper == NULL) {
		fprintf(stderr, "%s: %s\n", prog, pcap_geterr(pcap));
		pcap_close(pcap);
		free(pkt);
		return EXIT_FAILURE;
	}

	memset(&hdr, 0, sizeof(hdr));
	hdr.caplen = hdr.len = (bpf_u_int32)len;
	for (j = 0; j < o.packets; j++) {
		hdr.ts.tv_sec = (time_t)(j / 1000000);
		hdr.ts.tv_usec = (suseconds_t)(j % 1000000);
		build_packet(&o, j, pkt, len);
		pcap_dump((u_char *)dumper, &hdr, pkt);
	}
	if (pcap_dump_flush(dumper) != 0 || ferror(pcap_dump_file(dumper))) {
		fprintf(stderr, "%s: %s: write error: %s\n", prog, o.output,
			strerror(errno));
		status = EXIT_FAILURE;
	}
	pcap_dump_close(dumper);
	pcap_close(pcap);
	free(pkt);
	if (status != EXIT_SUCCESS)
		return status;

	fprintf(stderr,
		"%s: wrote %" PRIu64 " %s packets of %" PRIu64
		" bytes (%zu without FCS) in %" PRIu64 " flows varying %s",
		prog, o.packets, o.tcp ? "tcp" : "udp", o.size, len, o.flows,
		vary_names[o.vary]);
	if (o.vlan >= 0)
		fprintf(stderr, " on vlan %d", o.vlan);
	fprintf(stderr, " to %s\n", o.output);
	return EXIT_SUCCESS;
}
