/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Listen addresses of the configuration ("IP:PORT", "[IPv6]:PORT"), for
 * metrics-listen: the parser the loader validates with and the metrics
 * server binds with, so both read the same text the same way.
 *
 * Thread safety: plain functions on their arguments.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"

int
config_parse_listen(const char *s, struct sockaddr_storage *ss,
		    socklen_t *len, char *why, size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_s;
	uint64_t port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':') {
			snprintf(why, whylen, "expected \"[IPv6]:PORT\", got "
				 "\"%s\"", s);
			return -EINVAL;
		}
		hlen = (size_t)(end - s - 1);
		if (hlen >= sizeof(host))
			hlen = sizeof(host) - 1;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port_s = end + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon) {
			snprintf(why, whylen, "expected \"IP:PORT\" (e.g. "
				 "\"127.0.0.1:9357\") or \"[IPv6]:PORT\", "
				 "got \"%s\"", s);
			return -EINVAL;
		}
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			hlen = sizeof(host) - 1;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	}
	if (!cfg_parse_u64(port_s, &port) || port == 0 || port > 65535) {
		snprintf(why, whylen, "port \"%s\" is not a number from 1 to "
			 "65535", port_s);
		return -EINVAL;
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			snprintf(why, whylen, "\"%s\" is not an IPv6 address",
				 host);
			return -EINVAL;
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			snprintf(why, whylen, "\"%s\" is not an IPv4 address "
				 "(a name is not resolved; IPv6 goes in "
				 "brackets)", host);
			return -EINVAL;
		}
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

int
cfg_load_metrics_listen(struct cfg_ctx *ctx, yaml_node_t *node,
			struct pmdswitch_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];
	int ret;

	ret = cfg_read_string(ctx, node, "metrics-listen",
			      &cfg->metrics_listen);
	if (ret < 0)
		return ret;
	cfg->metrics_listen_mark = cfg_mark_of(node);
	if (config_parse_listen(cfg->metrics_listen, &ss, &len, why,
				sizeof(why)) < 0)
		return cfg_error_at(ctx, node, "metrics-listen", "%s", why);
	return 0;
}
