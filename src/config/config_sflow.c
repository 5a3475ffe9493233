/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bridges[].sflow: the sFlow v5 agent of a bridge.
 *
 *   sflow: {agent-ip: 192.0.2.1, collectors: ["127.0.0.1:6343"],
 *           sampling-rate: 400, polling-interval: 30, header-bytes: 128}
 *
 * agent-ip is an IPv4 or IPv6 address (the agent address every datagram
 * carries); collectors are "IP:PORT", "[IPv6]:PORT" or "HOST:PORT" (PORT
 * defaults to 6343), resolved here with getaddrinfo() so a name that does
 * not resolve is an error naming file:line:column, not a silent loss.
 *
 * Thread safety: part of the configuration load, on one thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"

#define CFG_SFLOW_DEFAULT_PORT "6343"
#define CFG_SFLOW_MAX_RATE (1u << 24)
#define CFG_SFLOW_MAX_POLLING 3600u

enum {
	SF_AGENT_IP,
	SF_COLLECTORS,
	SF_SAMPLING_RATE,
	SF_POLLING_INTERVAL,
	SF_HEADER_BYTES,
	SF_N
};
static const char *const sflow_keys[] = {"agent-ip", "collectors",
					 "sampling-rate", "polling-interval",
					 "header-bytes", NULL};

/* "HOST:PORT", "[V6]:PORT", "HOST" into host and port (both cut to fit).
 * false when the text has no host. */
static bool
split_host_port(const char *s, char *host, size_t hlen, char *port,
		size_t plen)
{
	const char *colon;

	snprintf(port, plen, "%s", CFG_SFLOW_DEFAULT_PORT);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end == s + 1)
			return false;
		snprintf(host, hlen, "%.*s", (int)(end - s - 1), s + 1);
		if (end[1] == ':')
			snprintf(port, plen, "%s", end + 2);
		else if (end[1] != '\0')
			return false;
		return true;
	}
	colon = strrchr(s, ':');
	if (colon != NULL && strchr(s, ':') != colon)
		colon = NULL;	/* A bare IPv6 address: no port. */
	if (colon == NULL) {
		snprintf(host, hlen, "%s", s);
	} else {
		snprintf(host, hlen, "%.*s", (int)(colon - s), s);
		snprintf(port, plen, "%s", colon + 1);
	}
	return host[0] != '\0';
}

static int
resolve_collector(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		  const char *text, struct sockaddr_storage *ss,
		  socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char host[256], port[16];
	uint64_t pnum;
	int rc;

	if (!split_host_port(text, host, sizeof(host), port, sizeof(port)))
		return cfg_error_at(ctx, node, path,
				    "expected IP:PORT, [IPv6]:PORT or "
				    "HOST:PORT, got \"%s\"", text);
	if (!cfg_parse_u64(port, &pnum) || pnum == 0 || pnum > 65535)
		return cfg_error_at(ctx, node, path,
				    "bad UDP port \"%s\" in \"%s\"", port,
				    text);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL)
		return cfg_error_at(ctx, node, path,
				    "collector \"%s\" does not resolve: %s",
				    host, rc ? gai_strerror(rc) : "no address");
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
read_u32(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	 const char *key, uint64_t min, uint64_t max, uint32_t *out)
{
	char sub[CFG_PATH_MAX];
	uint64_t u;
	int ret;

	if (node == NULL)
		return 0;
	cfg_path_key(sub, sizeof(sub), path, key);
	ret = cfg_read_uint(ctx, node, sub, min, max, &u);
	if (ret == 0)
		*out = (uint32_t)u;
	return ret;
}

int
cfg_load_sflow(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	       struct cfg_sflow *sf)
{
	yaml_node_t *k[SF_N], *v[SF_N];
	char sub[CFG_PATH_MAX], sub2[CFG_PATH_MAX];
	struct cfg_mark *marks = NULL;
	int ret;

	ret = cfg_map_fields(ctx, node, path, sflow_keys, k, v);
	if (ret < 0)
		return ret;
	sf->enabled = true;
	sf->mark = cfg_mark_of(node);
	sf->sampling_rate = CFG_SFLOW_DEFAULT_SAMPLING_RATE;
	sf->polling_interval = CFG_SFLOW_DEFAULT_POLLING_INTERVAL;
	sf->header_bytes = CFG_SFLOW_DEFAULT_HEADER_BYTES;

	cfg_path_key(sub, sizeof(sub), path, "agent-ip");
	if (v[SF_AGENT_IP] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	ret = cfg_read_string(ctx, v[SF_AGENT_IP], sub, &sf->agent_ip);
	if (ret < 0)
		return ret;
	if (inet_pton(AF_INET, sf->agent_ip, sf->agent_addr) == 1) {
		sf->agent_ipv6 = false;
	} else if (inet_pton(AF_INET6, sf->agent_ip, sf->agent_addr) == 1) {
		sf->agent_ipv6 = true;
	} else {
		return cfg_error_at(ctx, v[SF_AGENT_IP], sub,
				    "expected an IPv4 or IPv6 address, got "
				    "\"%s\"", sf->agent_ip);
	}

	cfg_path_key(sub, sizeof(sub), path, "collectors");
	if (v[SF_COLLECTORS] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	ret = cfg_read_string_list(ctx, v[SF_COLLECTORS], sub,
				   &sf->collectors, &sf->n_collectors, &marks);
	if (ret < 0)
		return ret;
	if (sf->n_collectors == 0 ||
	    sf->n_collectors > CFG_SFLOW_MAX_COLLECTORS) {
		free(marks);
		return cfg_error_at(ctx, v[SF_COLLECTORS], sub,
				    "expected 1 to %d collectors, got %zu",
				    CFG_SFLOW_MAX_COLLECTORS,
				    sf->n_collectors);
	}
	for (size_t i = 0; i < sf->n_collectors; i++) {
		yaml_node_t *e = cfg_node(ctx, v[SF_COLLECTORS]->data.sequence
						    .items.start[i]);

		cfg_path_index(sub2, sizeof(sub2), sub, i);
		ret = resolve_collector(ctx, e, sub2, sf->collectors[i],
					&sf->collector_addr[i],
					&sf->collector_len[i]);
		if (ret < 0)
			break;
	}
	free(marks);
	if (ret < 0)
		return ret;

	ret = read_u32(ctx, v[SF_SAMPLING_RATE], path, "sampling-rate", 0,
		       CFG_SFLOW_MAX_RATE, &sf->sampling_rate);
	if (ret == 0)
		ret = read_u32(ctx, v[SF_POLLING_INTERVAL], path,
			       "polling-interval", 0, CFG_SFLOW_MAX_POLLING,
			       &sf->polling_interval);
	if (ret == 0)
		ret = read_u32(ctx, v[SF_HEADER_BYTES], path, "header-bytes",
			       14, CFG_SFLOW_MAX_HEADER_BYTES,
			       &sf->header_bytes);
	return ret;
}

void
cfg_free_sflow(struct cfg_sflow *sf)
{
	free(sf->agent_ip);
	cfg_free_strings(sf->collectors, sf->n_collectors);
	memset(sf, 0, sizeof(*sf));
}
