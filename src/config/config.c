/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration schema: libyaml's document API builds the node tree,
 * then one function per section reads it into struct pmdswitch_config.
 * Sections are read in schema order (dpdk, datapath, ctl-socket, bridges)
 * whatever their order in the file, so cross-checks (pmd-cores against
 * dpdk.lcores) see what they need. The first problem stops the load.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_priv.h"

#define CFG_DEFAULT_CTL_SOCKET		"/run/pmdswitch/pmdswitchd.ctl"
#define CFG_DEFAULT_MEMORY_MB		1024
#define CFG_DEFAULT_PMD_CORE		1
#define CFG_DEFAULT_EMC_ENTRIES		8192
#define CFG_DEFAULT_EMC_INSERT_INV_PROB 100
#define CFG_DEFAULT_EMC_MIN_HIT_PCT	80
#define CFG_DEFAULT_MEGAFLOW_MAX	200000
#define CFG_DEFAULT_MEGAFLOW_IDLE_MS	10000
#define CFG_DEFAULT_UPCALL_RING_SIZE	4096
#define CFG_DEFAULT_UPCALL_CYCLE_SHARE	10

/* Limits of the schema. lcore ids stop where DPDK's RTE_MAX_LCORE can. */
#define CFG_MAX_LCORE		1024
#define CFG_MAX_MEMORY_MB	(1024u * 1024u)
#define CFG_MAX_EMC_ENTRIES	(1u << 20)
#define CFG_MAX_INSERT_INV_PROB 1000000u
#define CFG_MAX_MEGAFLOWS	(1u << 24)
#define CFG_MAX_IDLE_MS		86400000u
#define CFG_MIN_RING_SIZE	16u
#define CFG_MAX_RING_SIZE	(1u << 24)
#define CFG_MAX_OFPORT		0xff00u /* OFPP_MAX: 65280 */
#define CFG_MAX_RXQ		1024
/* sockaddr_un.sun_path holds 108 bytes, NUL included. */
#define CFG_MAX_SOCKET_PATH 107
/* OpenFlow carries port names in 16 bytes, NUL included. */
#define CFG_MAX_NAME_LEN 15

/* A set of lcores parsed from dpdk.lcores, when it is a plain list. */
struct cfg_lcore_set {
	bool known; /* lcores was given and parsed. */
	uint8_t bits[CFG_MAX_LCORE / 8];
};

static bool
cfg_lcore_isset(const struct cfg_lcore_set *set, uint64_t lcore)
{
	return lcore < CFG_MAX_LCORE &&
	       (set->bits[lcore / 8] >> (lcore % 8)) & 1;
}

/*
 * Parses "0-3", "0,2,4-5". The EAL's richer forms ("(0-3)@1", "1@2")
 * return 1: allowed, but not understood here. -1: not an lcore list.
 */
static int
cfg_parse_lcores(const char *s, struct cfg_lcore_set *set)
{
	const char *p = s;

	memset(set, 0, sizeof(*set));
	if (strspn(s, "0123456789,-()@ ") != strlen(s))
		return -1;
	if (strpbrk(s, "()@") != NULL)
		return 1;
	for (;;) {
		char *end;
		unsigned long a, b, i;

		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		a = strtoul(p, &end, 10);
		p = end;
		b = a;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= CFG_MAX_LCORE)
			return -1;
		for (i = a; i <= b; i++)
			set->bits[i / 8] |= (uint8_t)(1u << (i % 8));
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	set->known = true;
	return 0;
}

static bool
cfg_present(const yaml_node_t *node)
{
	return node != NULL && !cfg_is_null(node);
}

/* ------------------------------------------------------------------ dpdk */

enum {
	DPDK_LCORES,
	DPDK_MAIN_LCORE,
	DPDK_MEMORY_MB,
	DPDK_NO_HUGE,
	DPDK_EXTRA_ARGS,
	DPDK_N
};
static const char *const dpdk_keys[] = {"lcores",  "main-lcore", "memory-mb",
					"no-huge", "extra-args", NULL};

static int
cfg_load_dpdk(struct cfg_ctx *ctx, yaml_node_t *node, struct cfg_dpdk *dpdk,
	      struct cfg_lcore_set *lcores)
{
	yaml_node_t *k[DPDK_N], *v[DPDK_N];
	char path[CFG_PATH_MAX];
	uint64_t u;
	int ret;

	ret = cfg_map_fields(ctx, node, "dpdk", dpdk_keys, k, v);
	if (ret < 0)
		return ret;

	if (cfg_present(v[DPDK_LCORES])) {
		ret = cfg_read_string(ctx, v[DPDK_LCORES], "dpdk.lcores",
				      &dpdk->lcores);
		if (ret < 0)
			return ret;
		if (cfg_parse_lcores(dpdk->lcores, lcores) < 0)
			return cfg_error_at(ctx, v[DPDK_LCORES], "dpdk.lcores",
					    "expected an lcore list such as "
					    "\"0-3\" or \"0,2,4\" (lcore ids "
					    "below %d), got \"%s\"",
					    CFG_MAX_LCORE, dpdk->lcores);
	}
	if (cfg_present(v[DPDK_MAIN_LCORE])) {
		ret = cfg_read_uint(ctx, v[DPDK_MAIN_LCORE], "dpdk.main-lcore",
				    0, CFG_MAX_LCORE - 1, &u);
		if (ret < 0)
			return ret;
		if (lcores->known && !cfg_lcore_isset(lcores, u))
			return cfg_error_at(ctx, v[DPDK_MAIN_LCORE],
					    "dpdk.main-lcore",
					    "lcore %" PRIu64 " is not in "
					    "dpdk.lcores \"%s\"",
					    u, dpdk->lcores);
		dpdk->main_lcore = (int)u;
	}
	if (cfg_present(v[DPDK_MEMORY_MB])) {
		ret = cfg_read_uint(ctx, v[DPDK_MEMORY_MB], "dpdk.memory-mb", 1,
				    CFG_MAX_MEMORY_MB, &u);
		if (ret < 0)
			return ret;
		dpdk->memory_mb = (uint32_t)u;
		dpdk->memory_mb_mark = cfg_mark_of(v[DPDK_MEMORY_MB]);
	}
	if (cfg_present(v[DPDK_NO_HUGE])) {
		ret = cfg_read_bool(ctx, v[DPDK_NO_HUGE], "dpdk.no-huge",
				    &dpdk->no_huge);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[DPDK_EXTRA_ARGS])) {
		snprintf(path, sizeof(path), "dpdk.extra-args");
		ret = cfg_read_string_list(ctx, v[DPDK_EXTRA_ARGS], path,
					   &dpdk->extra_args,
					   &dpdk->n_extra_args, NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* -------------------------------------------------------------- datapath */

enum {
	DP_PMD_CORES,
	DP_EMC_ENTRIES,
	DP_EMC_INSERT_INV_PROB,
	DP_EMC_MIN_HIT_PCT,
	DP_MEGAFLOW_MAX,
	DP_MEGAFLOW_IDLE_MS,
	DP_UPCALL_RING_SIZE,
	DP_UPCALL_CYCLE_SHARE,
	DP_N
};
static const char *const datapath_keys[] = {"pmd-cores",
					    "emc-entries",
					    "emc-insert-inv-prob",
					    "emc-min-hit-pct",
					    "megaflow-max",
					    "megaflow-idle-ms",
					    "upcall-ring-size",
					    "upcall-cycle-share",
					    NULL};

static int
cfg_load_pmd_cores(struct cfg_ctx *ctx, yaml_node_t *node,
		   struct cfg_datapath *dp, const struct cfg_dpdk *dpdk,
		   const struct cfg_lcore_set *lcores)
{
	const char *path = "datapath.pmd-cores";
	char sub[CFG_PATH_MAX];
	yaml_node_item_t *item;
	size_t n, i = 0, j;
	int64_t main_lcore = -1;
	int ret;

	/* The EAL's main lcore, when the file says which it is. */
	if (dpdk->main_lcore >= 0) {
		main_lcore = dpdk->main_lcore;
	} else if (lcores->known) {
		for (j = 0; j < CFG_MAX_LCORE; j++) {
			if (cfg_lcore_isset(lcores, j)) {
				main_lcore = (int64_t)j;
				break;
			}
		}
	}

	ret = cfg_expect_sequence(ctx, node, path);
	if (ret < 0)
		return ret;
	dp->pmd_cores_mark = cfg_mark_of(node);
	n = (size_t)(node->data.sequence.items.top -
		     node->data.sequence.items.start);
	if (n == 0)
		return cfg_error_at(ctx, node, path,
				    "expected a list of at least one lcore id");
	dp->pmd_cores = calloc(n, sizeof(*dp->pmd_cores));
	if (dp->pmd_cores == NULL)
		return cfg_error_at(ctx, node, path, "out of memory");
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++, i++) {
		yaml_node_t *e = cfg_node(ctx, *item);
		uint64_t u;

		cfg_path_index(sub, sizeof(sub), path, i);
		ret = cfg_read_uint(ctx, e, sub, 0, CFG_MAX_LCORE - 1, &u);
		if (ret < 0)
			return ret;
		for (j = 0; j < i; j++)
			if (dp->pmd_cores[j] == u)
				return cfg_error_at(
					ctx, e, sub,
					"lcore %" PRIu64 " is listed twice", u);
		if (lcores->known && !cfg_lcore_isset(lcores, u))
			return cfg_error_at(ctx, e, sub,
					    "lcore %" PRIu64 " is not in "
					    "dpdk.lcores \"%s\"",
					    u, dpdk->lcores);
		if ((int64_t)u == main_lcore)
			return cfg_error_at(
				ctx, e, sub,
				"lcore %" PRIu64 " is the main "
				"lcore (%s); a PMD needs an lcore "
				"of its own",
				u,
				dpdk->main_lcore >= 0
					? "dpdk.main-lcore"
					: "the first of dpdk.lcores");
		dp->pmd_cores[i] = (uint32_t)u;
		dp->n_pmd_cores = i + 1;
	}
	return 0;
}

/* Default PMD core: lcore 1, or the first lcore of dpdk.lcores that is not
 * the main lcore, or the only lcore there is. */
static int
cfg_default_pmd_cores(struct cfg_ctx *ctx, struct cfg_datapath *dp,
		      const struct cfg_dpdk *dpdk,
		      const struct cfg_lcore_set *lcores)
{
	uint32_t core = CFG_DEFAULT_PMD_CORE;
	int main_lcore = dpdk->main_lcore;
	uint32_t i;

	if (lcores->known) {
		int first = -1, other = -1;

		for (i = 0; i < CFG_MAX_LCORE; i++) {
			if (!cfg_lcore_isset(lcores, i))
				continue;
			if (first < 0)
				first = (int)i;
			if (main_lcore < 0 && (int)i == first)
				continue; /* EAL's main: the lowest. */
			if ((int)i != main_lcore) {
				other = (int)i;
				break;
			}
		}
		core = (uint32_t)(other >= 0 ? other : first);
	} else if (main_lcore == CFG_DEFAULT_PMD_CORE) {
		core = 0;
	}
	dp->pmd_cores = calloc(1, sizeof(*dp->pmd_cores));
	if (dp->pmd_cores == NULL)
		return cfg_error(ctx, (struct cfg_mark){1, 1},
				 "datapath.pmd-cores", "out of memory");
	dp->pmd_cores[0] = core;
	dp->n_pmd_cores = 1;
	return 0;
}

static int
cfg_load_datapath(struct cfg_ctx *ctx, yaml_node_t *node,
		  struct cfg_datapath *dp, const struct cfg_dpdk *dpdk,
		  const struct cfg_lcore_set *lcores)
{
	static const struct {
		const char *path;
		uint64_t min, max;
	} limits[DP_N] = {
		[DP_EMC_ENTRIES] = {"datapath.emc-entries", 0,
				    CFG_MAX_EMC_ENTRIES},
		[DP_EMC_INSERT_INV_PROB] = {"datapath.emc-insert-inv-prob", 0,
					    CFG_MAX_INSERT_INV_PROB},
		[DP_EMC_MIN_HIT_PCT] = {"datapath.emc-min-hit-pct", 0, 100},
		[DP_MEGAFLOW_MAX] = {"datapath.megaflow-max", 1,
				     CFG_MAX_MEGAFLOWS},
		[DP_MEGAFLOW_IDLE_MS] = {"datapath.megaflow-idle-ms", 1,
					 CFG_MAX_IDLE_MS},
		[DP_UPCALL_RING_SIZE] = {"datapath.upcall-ring-size",
					 CFG_MIN_RING_SIZE, CFG_MAX_RING_SIZE},
		[DP_UPCALL_CYCLE_SHARE] = {"datapath.upcall-cycle-share", 0,
					   100},
	};
	uint32_t *fields[DP_N] = {
		[DP_EMC_ENTRIES] = &dp->emc_entries,
		[DP_EMC_INSERT_INV_PROB] = &dp->emc_insert_inv_prob,
		[DP_EMC_MIN_HIT_PCT] = &dp->emc_min_hit_pct,
		[DP_MEGAFLOW_MAX] = &dp->megaflow_max,
		[DP_MEGAFLOW_IDLE_MS] = &dp->megaflow_idle_ms,
		[DP_UPCALL_RING_SIZE] = &dp->upcall_ring_size,
		[DP_UPCALL_CYCLE_SHARE] = &dp->upcall_cycle_share,
	};
	yaml_node_t *k[DP_N], *v[DP_N] = {NULL};
	int ret, i;

	if (node != NULL) {
		ret = cfg_map_fields(ctx, node, "datapath", datapath_keys, k,
				     v);
		if (ret < 0)
			return ret;
	}
	for (i = DP_EMC_ENTRIES; i < DP_N; i++) {
		uint64_t u;

		if (!cfg_present(v[i]))
			continue;
		if (i == DP_UPCALL_RING_SIZE) {
			char got[64];

			if (v[i]->type == YAML_SCALAR_NODE &&
			    cfg_parse_u64((const char *)v[i]->data.scalar.value,
					  &u) &&
			    u >= limits[i].min && u <= limits[i].max &&
			    (u & (u - 1)) == 0) {
				*fields[i] = (uint32_t)u;
				continue;
			}
			cfg_describe(v[i], got, sizeof(got));
			return cfg_error_at(
				ctx, v[i], limits[i].path,
				"expected a power of two from %" PRIu64
				" to %" PRIu64 ", got %s",
				limits[i].min, limits[i].max, got);
		}
		ret = cfg_read_uint(ctx, v[i], limits[i].path, limits[i].min,
				    limits[i].max, &u);
		if (ret < 0)
			return ret;
		*fields[i] = (uint32_t)u;
	}
	if (cfg_present(v[DP_PMD_CORES]))
		return cfg_load_pmd_cores(ctx, v[DP_PMD_CORES], dp, dpdk,
					  lcores);
	return cfg_default_pmd_cores(ctx, dp, dpdk, lcores);
}

/* --------------------------------------------------------------- bridges */

enum {
	BR_NAME,
	BR_DATAPATH_ID,
	BR_FAIL_MODE,
	BR_CONTROLLERS,
	BR_LISTEN,
	BR_FLOWS,
	BR_PORTS,
	BR_SSL,
	BR_PACKET_IN_RATE,
	BR_PACKET_IN_BURST,
	BR_TUNNEL_ENDPOINT,
	BR_SFLOW,
	BR_N
};
static const char *const bridge_keys[] = {
	"name",	  "datapath-id", "fail-mode", "controllers",
	"listen", "flows",	 "ports",     "ssl",
	"packet-in-rate", "packet-in-burst", "tunnel-endpoint", "sflow",
	NULL};

enum { SSL_PRIVATE_KEY, SSL_CERTIFICATE, SSL_CA_CERT, SSL_N };
static const char *const ssl_keys[] = {"private-key", "certificate",
				       "ca-cert", NULL};

/* bridges[].ssl: the three PEM files, each required and readable. */
static int
cfg_load_ssl(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	     struct cfg_bridge *br)
{
	yaml_node_t *k[SSL_N], *v[SSL_N];
	char **out[SSL_N] = {&br->ssl_private_key, &br->ssl_certificate,
			     &br->ssl_ca_cert};
	char sub[CFG_PATH_MAX];
	int ret;

	ret = cfg_map_fields(ctx, node, path, ssl_keys, k, v);
	if (ret < 0)
		return ret;
	br->ssl_mark = cfg_mark_of(node);
	for (int i = 0; i < SSL_N; i++) {
		cfg_path_key(sub, sizeof(sub), path, ssl_keys[i]);
		if (!cfg_present(v[i]))
			return cfg_error_at(ctx, node, sub,
					    "required key is missing");
		ret = cfg_read_string(ctx, v[i], sub, out[i]);
		if (ret < 0)
			return ret;
		if (access(*out[i], R_OK) != 0)
			return cfg_error_at(ctx, v[i], sub, "%s: %s", *out[i],
					    strerror(errno));
	}
	return 0;
}

enum {
	PORT_NAME,
	PORT_OFPORT,
	PORT_TYPE,
	PORT_DEVARGS,
	PORT_RXQ,
	PORT_PATH,
	PORT_MODE,
	PORT_PEER,
	PORT_QUEUES,
	PORT_RXQ_SIZE,
	PORT_TXQ_SIZE,
	PORT_MTU,
	PORT_MAC,
	PORT_TNL,	/* CFG_TNL_N_KEYS tunnel keys (config_tunnel.c). */
	PORT_N = PORT_TNL + CFG_TNL_N_KEYS
};
static const char *const port_keys[] = {
	"name", "ofport", "type",     "devargs",  "rxq", "path", "mode",
	"peer", "queues", "rxq-size", "txq-size", "mtu", "mac",
	CFG_TNL_PORT_KEYS, NULL};

#define PORT_TNL_KEYS_ALLOWED \
	[PORT_TNL + CFG_TNL_REMOTE_IP] = true, \
	[PORT_TNL + CFG_TNL_LOCAL_IP] = true, \
	[PORT_TNL + CFG_TNL_KEY] = true, [PORT_TNL + CFG_TNL_DST_PORT] = true, \
	[PORT_TNL + CFG_TNL_TTL] = true, [PORT_TNL + CFG_TNL_TOS] = true, \
	[PORT_TNL + CFG_TNL_DF] = true

/* Which keys each port type takes (beyond name, ofport, type). */
static const bool port_key_allowed[CFG_PORT_N_TYPES][PORT_N] = {
	[CFG_PORT_DPDK] = {[PORT_DEVARGS] = true, [PORT_RXQ] = true,
			   [PORT_RXQ_SIZE] = true, [PORT_TXQ_SIZE] = true,
			   [PORT_MTU] = true, [PORT_MAC] = true},
	[CFG_PORT_VHOST_USER] = {[PORT_PATH] = true, [PORT_MODE] = true,
				 [PORT_QUEUES] = true, [PORT_RXQ_SIZE] = true,
				 [PORT_TXQ_SIZE] = true, [PORT_MTU] = true,
				 [PORT_MAC] = true},
	[CFG_PORT_PATCH] = {[PORT_PEER] = true},
	[CFG_PORT_VXLAN] = {PORT_TNL_KEYS_ALLOWED},
	[CFG_PORT_GENEVE] = {PORT_TNL_KEYS_ALLOWED},
};
static const char *const port_type_names[] = {"dpdk", "vhost-user", "patch",
					      "vxlan", "geneve", NULL};

#define CFG_MIN_QSIZE 64u
#define CFG_MAX_QSIZE 16384u
#define CFG_MIN_MTU 68u
#define CFG_MAX_MTU 9600u
#define CFG_MAX_VHOST_QUEUES 16u

/* Bridge and port names: 1..15 printable characters, no space, no quote,
 * nothing the flow syntax or a shell would split on. */
static int
cfg_read_name(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	      char **out)
{
	const char *s;
	int ret;

	ret = cfg_read_string(ctx, node, path, out);
	if (ret < 0)
		return ret;
	for (s = *out; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return cfg_error_at(ctx, node, path,
					    "control character \\x%02x is "
					    "not allowed in a name",
					    (unsigned char)*s);
		else if (*s == ' ' || strchr(",=:\"'()[]{}/\\", *s))
			return cfg_error_at(ctx, node, path,
					    "character '%c' is not allowed "
					    "in a name, got \"%s\"",
					    *s, *out);
	if (strlen(*out) > CFG_MAX_NAME_LEN)
		return cfg_error_at(ctx, node, path,
				    "expected at most %d characters (the "
				    "OpenFlow limit), got \"%s\"",
				    CFG_MAX_NAME_LEN, *out);
	return 0;
}

static int
cfg_read_datapath_id(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		     uint64_t *out)
{
	char got[64];

	if (node->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)node->data.scalar.value;
		size_t len = strlen(s);

		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (cfg_parse_u64(s, out))
				return 0;
		} else if (len == node->data.scalar.length) {
			/* A string is hex, "0x" optional, as OVS writes it. */
			if (len > 2 && s[0] == '0' &&
			    (s[1] == 'x' || s[1] == 'X'))
				s += 2;
			if (s[0] != '\0' && strlen(s) <= 16 &&
			    strspn(s, "0123456789abcdefABCDEF") == strlen(s)) {
				*out = strtoull(s, NULL, 16);
				return 0;
			}
		}
	}
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path,
			    "expected a 64-bit datapath id, hex "
			    "(\"0x0000000000000001\") or an integer, got %s",
			    got);
}

/* "tcp:HOST[:PORT]" / "ssl:HOST[:PORT]" with active = true;
 * "ptcp:[PORT][:IP]" / "pssl:[PORT][:IP]" otherwise. */
static bool
cfg_valid_target(const char *s, bool active)
{
	const char *rest, *colon;
	uint64_t port;
	char buf[8];
	size_t n;

	if (active) {
		if (strncmp(s, "tcp:", 4) != 0 && strncmp(s, "ssl:", 4) != 0)
			return false;
		rest = s + 4;
		if (rest[0] == '[') { /* [IPv6]:PORT */
			rest = strchr(rest, ']');
			if (rest == NULL || rest == s + 5)
				return false;
			rest++;
			if (*rest == '\0')
				return true;
			if (*rest != ':')
				return false;
			colon = rest;
		} else {
			colon = strchr(rest, ':');
			if (colon == rest || rest[0] == '\0')
				return false;
			if (colon == NULL)
				return true;
		}
		rest = colon + 1;
		n = strlen(rest);
	} else {
		if (strncmp(s, "ptcp:", 5) != 0 && strncmp(s, "pssl:", 5) != 0)
			return false;
		rest = s + 5;
		colon = strchr(rest, ':');
		n = colon != NULL ? (size_t)(colon - rest) : strlen(rest);
		if (colon != NULL && colon[1] == '\0')
			return false;
		if (n == 0)
			return true;
	}
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, rest, n);
	buf[n] = '\0';
	return strspn(buf, "0123456789") == n && cfg_parse_u64(buf, &port) &&
	       port >= (active ? 1 : 0) && port <= 65535;
}

static int
cfg_read_targets(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		 bool active, char ***out, size_t *n)
{
	struct cfg_mark *marks = NULL;
	char sub[CFG_PATH_MAX];
	size_t i;
	int ret;

	ret = cfg_read_string_list(ctx, node, path, out, n, &marks);
	if (ret < 0)
		return ret;
	for (i = 0; i < *n; i++) {
		if (cfg_valid_target((*out)[i], active))
			continue;
		cfg_path_index(sub, sizeof(sub), path, i);
		ret = cfg_error(ctx, marks[i], sub,
				active ? "expected tcp:HOST[:PORT] or "
					 "ssl:HOST[:PORT], got \"%s\""
				       : "expected ptcp:[PORT][:IP] or "
					 "pssl:[PORT][:IP], got \"%s\"",
				(*out)[i]);
		break;
	}
	free(marks);
	return ret;
}

/* "02:00:00:00:00:01": six hex bytes, unicast. */
static int
cfg_read_mac(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	     uint8_t mac[6])
{
	const char *s = node->type == YAML_SCALAR_NODE
		? (const char *)node->data.scalar.value : NULL;
	unsigned x[6];
	char got[64], tail;

	if (s != NULL && sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &x[0], &x[1],
				&x[2], &x[3], &x[4], &x[5], &tail) == 6 &&
	    strlen(s) == 17) {
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)x[i];
		if (mac[0] & 1)
			return cfg_error_at(ctx, node, path,
					    "expected a unicast address, got "
					    "multicast \"%s\"", s);
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			return cfg_error_at(ctx, node, path,
					    "00:00:00:00:00:00 is not a "
					    "valid address");
		return 0;
	}
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path,
			    "expected a MAC address such as "
			    "\"02:00:00:00:00:01\", got %s", got);
}

static int
cfg_load_port(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	      struct pmdswitch_config *cfg, size_t b, size_t p)
{
	struct cfg_bridge *br = &cfg->bridges[b];
	struct cfg_port *port = &br->ports[p];
	yaml_node_t *k[PORT_N], *v[PORT_N];
	char sub[CFG_PATH_MAX];
	size_t i, j;
	uint64_t u;
	int ret;

	ret = cfg_map_fields(ctx, node, path, port_keys, k, v);
	if (ret < 0)
		return ret;
	port->mark = cfg_mark_of(node);
	port->rxq = 1;

	for (i = PORT_NAME; i <= PORT_TYPE; i++) {
		if (k[i] == NULL) {
			cfg_path_key(sub, sizeof(sub), path, port_keys[i]);
			return cfg_error_at(ctx, node, sub,
					    "required key is missing");
		}
	}

	cfg_path_key(sub, sizeof(sub), path, "name");
	ret = cfg_read_name(ctx, v[PORT_NAME], sub, &port->name);
	if (ret < 0)
		return ret;
	for (i = 0; i <= b; i++) {
		const struct cfg_bridge *other = &cfg->bridges[i];
		size_t n = i == b ? p : other->n_ports;

		for (j = 0; j < n; j++)
			if (strcmp(other->ports[j].name, port->name) == 0)
				return cfg_error_at(ctx, v[PORT_NAME], sub,
						    "duplicate port name "
						    "\"%s\" (also in bridge "
						    "%s at line %d)",
						    port->name, other->name,
						    other->ports[j].mark.line);
	}

	cfg_path_key(sub, sizeof(sub), path, "ofport");
	ret = cfg_read_uint(ctx, v[PORT_OFPORT], sub, 1, CFG_MAX_OFPORT - 1,
			    &u);
	if (ret < 0)
		return ret;
	port->ofport = (uint32_t)u;
	for (j = 0; j < p; j++)
		if (br->ports[j].ofport == port->ofport)
			return cfg_error_at(ctx, v[PORT_OFPORT], sub,
					    "duplicate ofport %" PRIu32
					    " (also used by port %s at line "
					    "%d)",
					    port->ofport, br->ports[j].name,
					    br->ports[j].mark.line);

	cfg_path_key(sub, sizeof(sub), path, "type");
	ret = cfg_read_string(ctx, v[PORT_TYPE], sub, &port->type);
	if (ret < 0)
		return ret;
	for (i = 0; port_type_names[i] != NULL; i++)
		if (strcmp(port->type, port_type_names[i]) == 0)
			break;
	if (port_type_names[i] == NULL)
		return cfg_error_at(ctx, v[PORT_TYPE], sub,
				    "unknown port type \"%s\" (supported: "
				    "dpdk, vhost-user, patch, vxlan, geneve)",
				    port->type);
	port->kind = (enum cfg_port_type)i;
	for (i = PORT_DEVARGS; i < PORT_N; i++) {
		if (k[i] == NULL || port_key_allowed[port->kind][i])
			continue;
		cfg_path_key(sub, sizeof(sub), path, port_keys[i]);
		return cfg_error_at(ctx, k[i], sub,
				    "not a key of a port of type %s",
				    port->type);
	}

	switch (port->kind) {
	case CFG_PORT_DPDK:
		cfg_path_key(sub, sizeof(sub), path, "devargs");
		if (k[PORT_DEVARGS] == NULL)
			return cfg_error_at(ctx, node, sub,
					    "required key is missing (type "
					    "dpdk takes a PCI address or vdev "
					    "devargs)");
		ret = cfg_read_string(ctx, v[PORT_DEVARGS], sub,
				      &port->devargs);
		if (ret < 0)
			return ret;
		port->devargs_mark = cfg_mark_of(v[PORT_DEVARGS]);
		break;
	case CFG_PORT_VHOST_USER:
		cfg_path_key(sub, sizeof(sub), path, "path");
		if (k[PORT_PATH] == NULL)
			return cfg_error_at(ctx, node, sub,
					    "required key is missing (type "
					    "vhost-user takes the socket "
					    "path)");
		ret = cfg_read_string(ctx, v[PORT_PATH], sub, &port->path);
		if (ret < 0)
			return ret;
		port->devargs_mark = cfg_mark_of(v[PORT_PATH]);
		if (port->path[0] != '/')
			return cfg_error_at(ctx, v[PORT_PATH], sub,
					    "expected an absolute path, got "
					    "\"%s\"", port->path);
		if (strlen(port->path) > CFG_MAX_SOCKET_PATH ||
		    strchr(port->path, ',') != NULL)
			return cfg_error_at(ctx, v[PORT_PATH], sub,
					    "expected a path of at most %d "
					    "characters without ',', got "
					    "\"%s\"", CFG_MAX_SOCKET_PATH,
					    port->path);
		for (i = 0; i <= b; i++) {
			const struct cfg_bridge *other = &cfg->bridges[i];
			size_t n = i == b ? p : other->n_ports;

			for (j = 0; j < n; j++)
				if (other->ports[j].path != NULL &&
				    !strcmp(other->ports[j].path, port->path))
					return cfg_error_at(
						ctx, v[PORT_PATH], sub,
						"socket \"%s\" is also used "
						"by port %s at line %d",
						port->path,
						other->ports[j].name,
						other->ports[j].mark.line);
		}
		if (cfg_present(v[PORT_MODE])) {
			yaml_node_t *m = v[PORT_MODE];
			const char *ms = m->type == YAML_SCALAR_NODE
				? (const char *)m->data.scalar.value : NULL;
			char got[64];

			if (ms != NULL && !strcmp(ms, "server")) {
				port->mode = CFG_VHOST_SERVER;
			} else if (ms != NULL && !strcmp(ms, "client")) {
				port->mode = CFG_VHOST_CLIENT;
			} else {
				cfg_path_key(sub, sizeof(sub), path, "mode");
				cfg_describe(m, got, sizeof(got));
				return cfg_error_at(ctx, m, sub,
						    "expected server or "
						    "client, got %s", got);
			}
		}
		port->queues = 1;
		if (cfg_present(v[PORT_QUEUES])) {
			cfg_path_key(sub, sizeof(sub), path, "queues");
			ret = cfg_read_uint(ctx, v[PORT_QUEUES], sub, 1,
					    CFG_MAX_VHOST_QUEUES, &u);
			if (ret < 0)
				return ret;
			port->queues = (uint16_t)u;
		}
		port->rxq = port->queues;
		break;
	case CFG_PORT_PATCH:
		cfg_path_key(sub, sizeof(sub), path, "peer");
		if (k[PORT_PEER] == NULL)
			return cfg_error_at(ctx, node, sub,
					    "required key is missing (type "
					    "patch takes the name of its peer "
					    "patch port)");
		ret = cfg_read_string(ctx, v[PORT_PEER], sub, &port->peer);
		if (ret < 0)
			return ret;
		port->devargs_mark = cfg_mark_of(v[PORT_PEER]);
		if (!strcmp(port->peer, port->name))
			return cfg_error_at(ctx, v[PORT_PEER], sub,
					    "a patch port cannot be its own "
					    "peer");
		break;
	case CFG_PORT_VXLAN:
	case CFG_PORT_GENEVE:
		ret = cfg_load_tunnel_port(ctx, node, path, port, &k[PORT_TNL],
					   &v[PORT_TNL]);
		if (ret < 0)
			return ret;
		break;
	case CFG_PORT_N_TYPES:
		break;
	}

	if (cfg_present(v[PORT_RXQ])) {
		cfg_path_key(sub, sizeof(sub), path, "rxq");
		ret = cfg_read_uint(ctx, v[PORT_RXQ], sub, 1, CFG_MAX_RXQ, &u);
		if (ret < 0)
			return ret;
		port->rxq = (uint16_t)u;
	}
	for (i = PORT_RXQ_SIZE; i <= PORT_TXQ_SIZE; i++) {
		char got[64];

		if (!cfg_present(v[i]))
			continue;
		cfg_path_key(sub, sizeof(sub), path, port_keys[i]);
		if (v[i]->type == YAML_SCALAR_NODE &&
		    cfg_parse_u64((const char *)v[i]->data.scalar.value, &u) &&
		    u >= CFG_MIN_QSIZE && u <= CFG_MAX_QSIZE &&
		    (u & (u - 1)) == 0) {
			if (i == PORT_RXQ_SIZE)
				port->rxq_size = (uint16_t)u;
			else
				port->txq_size = (uint16_t)u;
			continue;
		}
		cfg_describe(v[i], got, sizeof(got));
		return cfg_error_at(ctx, v[i], sub,
				    "expected a power of two from %u to %u "
				    "descriptors, got %s", CFG_MIN_QSIZE,
				    CFG_MAX_QSIZE, got);
	}
	if (cfg_present(v[PORT_MTU])) {
		cfg_path_key(sub, sizeof(sub), path, "mtu");
		ret = cfg_read_uint(ctx, v[PORT_MTU], sub, CFG_MIN_MTU,
				    CFG_MAX_MTU, &u);
		if (ret < 0)
			return ret;
		port->mtu = (uint16_t)u;
		port->mtu_mark = cfg_mark_of(v[PORT_MTU]);
	}
	if (cfg_present(v[PORT_MAC])) {
		cfg_path_key(sub, sizeof(sub), path, "mac");
		ret = cfg_read_mac(ctx, v[PORT_MAC], sub, port->mac);
		if (ret < 0)
			return ret;
		port->has_mac = true;
		port->mac_mark = cfg_mark_of(v[PORT_MAC]);
	}
	return 0;
}

/* Every patch port's peer is a patch port of another bridge that names
 * it back. */
static int
cfg_check_patch_peers(struct cfg_ctx *ctx, struct pmdswitch_config *cfg)
{
	char sub[CFG_PATH_MAX];

	for (size_t b = 0; b < cfg->n_bridges; b++) {
		const struct cfg_bridge *br = &cfg->bridges[b];

		for (size_t p = 0; p < br->n_ports; p++) {
			const struct cfg_port *port = &br->ports[p];
			const struct cfg_port *peer;
			size_t pb;

			if (port->kind != CFG_PORT_PATCH)
				continue;
			snprintf(sub, sizeof(sub), "bridges[%zu].ports[%zu].peer",
				 b, p);
			peer = config_find_port(cfg, port->peer, &pb);
			if (peer == NULL)
				return cfg_error(ctx, port->devargs_mark, sub,
						 "no port named \"%s\"",
						 port->peer);
			if (peer->kind != CFG_PORT_PATCH)
				return cfg_error(ctx, port->devargs_mark, sub,
						 "port %s is of type %s, not "
						 "patch", peer->name,
						 peer->type);
			if (pb == b)
				return cfg_error(ctx, port->devargs_mark, sub,
						 "port %s is in the same "
						 "bridge %s; a patch port "
						 "joins two bridges",
						 peer->name, br->name);
			if (strcmp(peer->peer, port->name) != 0)
				return cfg_error(ctx, port->devargs_mark, sub,
						 "its peer %s names \"%s\" as "
						 "its peer, not %s", peer->name,
						 peer->peer, port->name);
		}
	}
	return 0;
}

const struct cfg_port *
config_find_port(const struct pmdswitch_config *cfg, const char *name,
		 size_t *bridge)
{
	for (size_t b = 0; b < cfg->n_bridges; b++)
		for (size_t p = 0; p < cfg->bridges[b].n_ports; p++)
			if (cfg->bridges[b].ports[p].name != NULL &&
			    !strcmp(cfg->bridges[b].ports[p].name, name)) {
				if (bridge != NULL)
					*bridge = b;
				return &cfg->bridges[b].ports[p];
			}
	return NULL;
}

static int
cfg_load_bridge(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		struct pmdswitch_config *cfg, size_t b,
		yaml_node_t **dpid_nodes)
{
	struct cfg_bridge *br = &cfg->bridges[b];
	yaml_node_t *k[BR_N], *v[BR_N];
	char sub[CFG_PATH_MAX], sub2[CFG_PATH_MAX];
	yaml_node_item_t *item;
	size_t i;
	int ret;

	ret = cfg_map_fields(ctx, node, path, bridge_keys, k, v);
	if (ret < 0)
		return ret;
	br->mark = cfg_mark_of(node);
	br->datapath_id = b + 1;
	br->fail_mode = CFG_FAIL_SECURE;

	cfg_path_key(sub, sizeof(sub), path, "name");
	if (k[BR_NAME] == NULL)
		return cfg_error_at(ctx, node, sub, "required key is missing");
	ret = cfg_read_name(ctx, v[BR_NAME], sub, &br->name);
	if (ret < 0)
		return ret;
	for (i = 0; i < b; i++)
		if (strcmp(cfg->bridges[i].name, br->name) == 0)
			return cfg_error_at(ctx, v[BR_NAME], sub,
					    "duplicate bridge name \"%s\" "
					    "(first at line %d)",
					    br->name,
					    cfg->bridges[i].mark.line);

	if (cfg_present(v[BR_DATAPATH_ID])) {
		cfg_path_key(sub, sizeof(sub), path, "datapath-id");
		ret = cfg_read_datapath_id(ctx, v[BR_DATAPATH_ID], sub,
					   &br->datapath_id);
		if (ret < 0)
			return ret;
		dpid_nodes[b] = v[BR_DATAPATH_ID];
	}

	if (cfg_present(v[BR_FAIL_MODE])) {
		yaml_node_t *fm = v[BR_FAIL_MODE];
		const char *s = fm->type == YAML_SCALAR_NODE
					? (const char *)fm->data.scalar.value
					: NULL;
		char got[64];

		if (s != NULL && strcmp(s, "secure") == 0) {
			br->fail_mode = CFG_FAIL_SECURE;
		} else if (s != NULL && strcmp(s, "standalone") == 0) {
			br->fail_mode = CFG_FAIL_STANDALONE;
		} else {
			cfg_path_key(sub, sizeof(sub), path, "fail-mode");
			cfg_describe(fm, got, sizeof(got));
			return cfg_error_at(ctx, fm, sub,
					    "expected secure or standalone, "
					    "got %s",
					    got);
		}
	}

	if (cfg_present(v[BR_CONTROLLERS])) {
		cfg_path_key(sub, sizeof(sub), path, "controllers");
		ret = cfg_read_targets(ctx, v[BR_CONTROLLERS], sub, true,
				       &br->controllers, &br->n_controllers);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[BR_LISTEN])) {
		cfg_path_key(sub, sizeof(sub), path, "listen");
		ret = cfg_read_targets(ctx, v[BR_LISTEN], sub, false,
				       &br->listen, &br->n_listen);
		if (ret < 0)
			return ret;
	}
	br->packet_in_rate = CFG_DEFAULT_PACKET_IN_RATE;
	br->packet_in_burst = CFG_DEFAULT_PACKET_IN_BURST;
	if (cfg_present(v[BR_PACKET_IN_RATE])) {
		uint64_t u;

		cfg_path_key(sub, sizeof(sub), path, "packet-in-rate");
		ret = cfg_read_uint(ctx, v[BR_PACKET_IN_RATE], sub, 1, 10000000,
				    &u);
		if (ret < 0)
			return ret;
		br->packet_in_rate = (uint32_t)u;
	}
	if (cfg_present(v[BR_PACKET_IN_BURST])) {
		uint64_t u;

		cfg_path_key(sub, sizeof(sub), path, "packet-in-burst");
		ret = cfg_read_uint(ctx, v[BR_PACKET_IN_BURST], sub, 1, 10000000,
				    &u);
		if (ret < 0)
			return ret;
		br->packet_in_burst = (uint32_t)u;
	}
	if (cfg_present(v[BR_SSL])) {
		cfg_path_key(sub, sizeof(sub), path, "ssl");
		ret = cfg_load_ssl(ctx, v[BR_SSL], sub, br);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[BR_TUNNEL_ENDPOINT])) {
		cfg_path_key(sub, sizeof(sub), path, "tunnel-endpoint");
		ret = cfg_load_tunnel_endpoint(ctx, v[BR_TUNNEL_ENDPOINT], sub,
					       br);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[BR_SFLOW])) {
		cfg_path_key(sub, sizeof(sub), path, "sflow");
		ret = cfg_load_sflow(ctx, v[BR_SFLOW], sub, &br->sflow);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[BR_FLOWS])) {
		cfg_path_key(sub, sizeof(sub), path, "flows");
		ret = cfg_read_string_list(ctx, v[BR_FLOWS], sub, &br->flows,
					   &br->n_flows, &br->flow_marks);
		if (ret < 0)
			return ret;
	}

	if (cfg_present(v[BR_PORTS])) {
		yaml_node_t *ports = v[BR_PORTS];
		size_t n;

		cfg_path_key(sub, sizeof(sub), path, "ports");
		ret = cfg_expect_sequence(ctx, ports, sub);
		if (ret < 0)
			return ret;
		n = (size_t)(ports->data.sequence.items.top -
			     ports->data.sequence.items.start);
		br->ports = calloc(n + 1, sizeof(*br->ports));
		if (br->ports == NULL)
			return cfg_error_at(ctx, ports, sub, "out of memory");
		i = 0;
		for (item = ports->data.sequence.items.start;
		     item < ports->data.sequence.items.top; item++, i++) {
			/* Counted first: a failed port is freed with the rest.
			 */
			br->n_ports = i + 1;
			cfg_path_index(sub2, sizeof(sub2), sub, i);
			ret = cfg_load_port(ctx, cfg_node(ctx, *item), sub2,
					    cfg, b, i);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int
cfg_load_bridges(struct cfg_ctx *ctx, yaml_node_t *node,
		 struct pmdswitch_config *cfg)
{
	const char *path = "bridges";
	char sub[CFG_PATH_MAX];
	yaml_node_item_t *item;
	yaml_node_t **dpid_nodes;
	size_t n, i = 0, j;
	int ret;

	ret = cfg_expect_sequence(ctx, node, path);
	if (ret < 0)
		return ret;
	n = (size_t)(node->data.sequence.items.top -
		     node->data.sequence.items.start);
	if (n == 0)
		return cfg_error_at(ctx, node, path,
				    "expected a list of at least one bridge");
	cfg->bridges = calloc(n, sizeof(*cfg->bridges));
	dpid_nodes = calloc(n, sizeof(*dpid_nodes));
	if (cfg->bridges == NULL || dpid_nodes == NULL) {
		free(dpid_nodes);
		return cfg_error_at(ctx, node, path, "out of memory");
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++, i++) {
		cfg->n_bridges = i + 1;
		cfg_path_index(sub, sizeof(sub), path, i);
		ret = cfg_load_bridge(ctx, cfg_node(ctx, *item), sub, cfg, i,
				      dpid_nodes);
		if (ret < 0)
			goto out;
	}

	ret = cfg_check_patch_peers(ctx, cfg);
	if (ret < 0)
		goto out;
	ret = cfg_check_tunnels(ctx, cfg);
	if (ret < 0)
		goto out;
	/* Controllers tell switches apart by datapath id. */
	for (i = 1; i < n; i++) {
		for (j = 0; j < i; j++) {
			const struct cfg_bridge *a = &cfg->bridges[j];
			const struct cfg_bridge *b = &cfg->bridges[i];
			char p[CFG_PATH_MAX];

			if (a->datapath_id != b->datapath_id)
				continue;
			cfg_path_index(sub, sizeof(sub), path, i);
			cfg_path_key(p, sizeof(p), sub, "datapath-id");
			ret = cfg_error(ctx,
					dpid_nodes[i] != NULL
						? cfg_mark_of(dpid_nodes[i])
						: b->mark,
					p,
					"datapath id 0x%016" PRIx64
					" is also used by bridge %s%s",
					b->datapath_id, a->name,
					dpid_nodes[j] == NULL
						? " (its default: index + 1)"
						: "");
			goto out;
		}
	}
out:
	free(dpid_nodes);
	return ret;
}

/* ------------------------------------------------------------ top level */

enum { TOP_DPDK, TOP_DATAPATH, TOP_CTL_SOCKET, TOP_BRIDGES,
       TOP_METRICS_LISTEN, TOP_LIMITS, TOP_N };
static const char *const top_keys[] = {"dpdk", "datapath", "ctl-socket",
				       "bridges", "metrics-listen", "limits",
				       NULL};

static void
cfg_set_defaults(struct pmdswitch_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dpdk.main_lcore = -1;
	cfg->dpdk.memory_mb = CFG_DEFAULT_MEMORY_MB;
	cfg->datapath.emc_entries = CFG_DEFAULT_EMC_ENTRIES;
	cfg->datapath.emc_insert_inv_prob = CFG_DEFAULT_EMC_INSERT_INV_PROB;
	cfg->datapath.emc_min_hit_pct = CFG_DEFAULT_EMC_MIN_HIT_PCT;
	cfg->datapath.megaflow_max = CFG_DEFAULT_MEGAFLOW_MAX;
	cfg->datapath.megaflow_idle_ms = CFG_DEFAULT_MEGAFLOW_IDLE_MS;
	cfg->datapath.upcall_ring_size = CFG_DEFAULT_UPCALL_RING_SIZE;
	cfg->datapath.upcall_cycle_share = CFG_DEFAULT_UPCALL_CYCLE_SHARE;
}

static int
cfg_load_root(struct cfg_ctx *ctx, yaml_node_t *root,
	      struct pmdswitch_config *cfg)
{
	yaml_node_t *k[TOP_N], *v[TOP_N];
	struct cfg_lcore_set lcores;
	int ret;

	memset(&lcores, 0, sizeof(lcores));
	if (root == NULL)
		return cfg_error(ctx, (struct cfg_mark){1, 1}, "bridges",
				 "required key is missing (the file is empty)");
	ret = cfg_map_fields(ctx, root, "", top_keys, k, v);
	if (ret < 0)
		return ret;

	if (cfg_present(v[TOP_DPDK])) {
		ret = cfg_load_dpdk(ctx, v[TOP_DPDK], &cfg->dpdk, &lcores);
		if (ret < 0)
			return ret;
	}
	ret = cfg_load_datapath(
		ctx, cfg_present(v[TOP_DATAPATH]) ? v[TOP_DATAPATH] : NULL,
		&cfg->datapath, &cfg->dpdk, &lcores);
	if (ret < 0)
		return ret;
	if (cfg_present(v[TOP_CTL_SOCKET])) {
		ret = cfg_read_string(ctx, v[TOP_CTL_SOCKET], "ctl-socket",
				      &cfg->ctl_socket);
		if (ret < 0)
			return ret;
		cfg->ctl_socket_mark = cfg_mark_of(v[TOP_CTL_SOCKET]);
		if (strlen(cfg->ctl_socket) > CFG_MAX_SOCKET_PATH)
			return cfg_error_at(ctx, v[TOP_CTL_SOCKET],
					    "ctl-socket",
					    "expected a path of at most %d "
					    "characters, got \"%s\"",
					    CFG_MAX_SOCKET_PATH,
					    cfg->ctl_socket);
	} else {
		cfg->ctl_socket = strdup(CFG_DEFAULT_CTL_SOCKET);
		if (cfg->ctl_socket == NULL)
			return cfg_error(ctx, (struct cfg_mark){1, 1},
					 "ctl-socket", "out of memory");
	}
	if (cfg_present(v[TOP_METRICS_LISTEN])) {
		ret = cfg_load_metrics_listen(ctx, v[TOP_METRICS_LISTEN], cfg);
		if (ret < 0)
			return ret;
	}
	if (cfg_present(v[TOP_LIMITS])) {
		ret = cfg_load_limits(ctx, v[TOP_LIMITS], &cfg->limits);
		if (ret < 0)
			return ret;
	}
	if (k[TOP_BRIDGES] == NULL)
		return cfg_error_at(ctx, root, "bridges",
				    "required key is missing");
	return cfg_load_bridges(ctx, v[TOP_BRIDGES], cfg);
}

/* Line and column (1-based) of a byte offset, for reader errors that
 * carry only an offset. */
static struct cfg_mark
cfg_mark_of_offset(const char *text, size_t len, size_t offset)
{
	struct cfg_mark m = {1, 1};
	size_t i;

	for (i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 1;
		} else {
			m.column++;
		}
	}
	return m;
}

static int
cfg_syntax_error(struct cfg_ctx *ctx, const yaml_parser_t *parser,
		 const char *text, size_t len)
{
	struct cfg_mark mark = {
		(int)parser->problem_mark.line + 1,
		(int)parser->problem_mark.column + 1,
	};
	const char *problem =
		parser->problem != NULL ? parser->problem : "cannot parse";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		return cfg_error(ctx, mark, "yaml", "out of memory");
	case YAML_READER_ERROR:
		mark = cfg_mark_of_offset(text, len, parser->problem_offset);
		if (parser->problem_value != -1)
			return cfg_error(ctx, mark, "syntax error",
					 "%s (byte 0x%02x)", problem,
					 parser->problem_value & 0xff);
		return cfg_error(ctx, mark, "syntax error", "%s", problem);
	default:
		break;
	}
	if (parser->context != NULL)
		return cfg_error(ctx, mark, "syntax error",
				 "%s (%s at line %d, column %d)", problem,
				 parser->context,
				 (int)parser->context_mark.line + 1,
				 (int)parser->context_mark.column + 1);
	return cfg_error(ctx, mark, "syntax error", "%s", problem);
}

static int
cfg_load_buffer(const char *text, size_t len, const char *name,
		struct pmdswitch_config *cfg, char *err, size_t errlen)
{
	struct cfg_ctx ctx = {.file = name, .err = err, .errlen = errlen};
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	int ret;

	cfg_set_defaults(cfg);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	cfg->file = strdup(name);
	if (cfg->file == NULL) {
		cfg_error(&ctx, (struct cfg_mark){1, 1}, "", "out of memory");
		return -ENOMEM;
	}
	if (!yaml_parser_initialize(&parser)) {
		cfg_error(&ctx, (struct cfg_mark){1, 1}, "", "out of memory");
		config_free(cfg);
		return -ENOMEM;
	}
	ret = cfg_reject_aliases(&ctx, text, len);
	if (ret < 0) {
		yaml_parser_delete(&parser);
		config_free(cfg);
		return ret;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = cfg_syntax_error(&ctx, &parser, text, len);
		yaml_parser_delete(&parser);
		config_free(cfg);
		return ret;
	}
	ctx.doc = &doc;
	ret = cfg_load_root(&ctx, yaml_document_get_root_node(&doc), cfg);
	if (ret == 0) {
		/* One document per file; a second would be ignored silently. */
		if (!yaml_parser_load(&parser, &extra)) {
			ret = cfg_syntax_error(&ctx, &parser, text, len);
		} else {
			yaml_node_t *root = yaml_document_get_root_node(&extra);

			if (root != NULL)
				ret = cfg_error_at(&ctx, root, "(document)",
						   "only one YAML document "
						   "is allowed");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret < 0)
		config_free(cfg);
	return ret;
}

int
config_load_string(const char *yaml, const char *name,
		   struct pmdswitch_config *cfg, char *err, size_t errlen)
{
	return cfg_load_buffer(yaml, strlen(yaml),
			       name != NULL ? name : "<string>", cfg, err,
			       errlen);
}

int
config_load_file(const char *path, struct pmdswitch_config *cfg, char *err,
		 size_t errlen)
{
	char *text = NULL, *grown;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int ret;

	cfg_set_defaults(cfg);
	f = fopen(path, "rb");
	if (f == NULL) {
		ret = -errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot open: %s", path,
				 strerror(-ret));
		return ret;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			grown = realloc(text, cap + 1);
			if (grown == NULL) {
				free(text);
				fclose(f);
				if (err != NULL && errlen > 0)
					snprintf(err, errlen,
						 "%s: out of memory", path);
				return -ENOMEM;
			}
			text = grown;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		ret = errno != 0 ? -errno : -EIO;
		free(text);
		fclose(f);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(-ret));
		return ret;
	}
	fclose(f);
	text[len] = '\0';
	ret = cfg_load_buffer(text, len, path, cfg, err, errlen);
	free(text);
	return ret;
}

void
config_free(struct pmdswitch_config *cfg)
{
	size_t b, p;

	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->dpdk.lcores);
	cfg_free_strings(cfg->dpdk.extra_args, cfg->dpdk.n_extra_args);
	free(cfg->datapath.pmd_cores);
	free(cfg->ctl_socket);
	free(cfg->metrics_listen);
	for (b = 0; cfg->bridges != NULL && b < cfg->n_bridges; b++) {
		struct cfg_bridge *br = &cfg->bridges[b];

		free(br->name);
		cfg_free_strings(br->controllers, br->n_controllers);
		cfg_free_strings(br->listen, br->n_listen);
		free(br->ssl_private_key);
		free(br->ssl_certificate);
		free(br->ssl_ca_cert);
		cfg_free_sflow(&br->sflow);
		cfg_free_strings(br->flows, br->n_flows);
		free(br->flow_marks);
		for (p = 0; br->ports != NULL && p < br->n_ports; p++) {
			free(br->ports[p].name);
			free(br->ports[p].type);
			free(br->ports[p].devargs);
			free(br->ports[p].path);
			free(br->ports[p].peer);
		}
		free(br->ports);
		cfg_free_tunnel_endpoint(&br->tunnel_endpoint);
	}
	free(cfg->bridges);
	memset(cfg, 0, sizeof(*cfg));
}
