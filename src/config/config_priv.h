/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CONFIG_PRIV_H
#define PMDSWITCH_CONFIG_PRIV_H

/*
 * Internals of the configuration loader: access to a libyaml document
 * (yaml_parser_load), typed scalar readers and the one-line error report.
 *
 * Every reader takes the dotted key path of the value ("bridges[0].name")
 * for its error message. The first error is kept, later ones are ignored:
 * the loader stops at the first problem and reports exactly one line
 * "FILE:LINE:COLUMN: KEY: message".
 *
 * Thread safety: a load context lives on one thread's stack.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "config/config.h"

/* Longest key path kept in messages; deeper paths are cut. */
#define CFG_PATH_MAX 128

/* One load: the document, where errors go, and whether one happened. */
struct cfg_ctx {
	yaml_document_t *doc;
	const char *file; /* Name used in messages. */
	char *err;	  /* Caller's buffer, may be NULL. */
	size_t errlen;
	bool failed; /* An error has been written. */
};

/* A libyaml mark (0-based) as a 1-based cfg_mark. */
struct cfg_mark cfg_mark_of(const yaml_node_t *node);

/* Writes "FILE:LINE:COLUMN: PATH: message" once; returns -EINVAL. */
int cfg_error(struct cfg_ctx *ctx, struct cfg_mark mark, const char *path,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Same at a node's start. */
int cfg_error_at(struct cfg_ctx *ctx, const yaml_node_t *node, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "path.key" or "path[index]" into buf (cut to fit). */
void cfg_path_key(char *buf, size_t len, const char *path, const char *key);
void cfg_path_index(char *buf, size_t len, const char *path, size_t index);

yaml_node_t *cfg_node(struct cfg_ctx *ctx, yaml_node_item_t id);

/* A plain "", "~", "null", "Null" or "NULL": the key is as good as absent. */
bool cfg_is_null(const yaml_node_t *node);

/* Describes a value for "got ...": a quoted, shortened scalar or its kind. */
void cfg_describe(const yaml_node_t *node, char *buf, size_t len);

/* Checks a mapping: every key a scalar from known[] (NULL-terminated),
 * no key twice. On success values[i] is the value node of known[i]
 * (NULL when absent or null) and keys[i] its key node (NULL when absent). */
int cfg_map_fields(struct cfg_ctx *ctx, yaml_node_t *map, const char *path,
		   const char *const *known, yaml_node_t **keys,
		   yaml_node_t **values);

/* Typed readers. They fail with a message naming path when the node has
 * the wrong kind or value. */
/* The configuration takes no YAML anchors (&name) nor aliases (*name): an
 * alias repeats its anchor's whole value, so a small file could stand for
 * an unbounded configuration. Scans the events of text; 0, or -EINVAL with
 * the file:line:column of the first anchor (every alias follows one).
 * Syntax errors, undefined aliases included, are left to the loader (0). */
int cfg_reject_aliases(struct cfg_ctx *ctx, const char *text, size_t len);

int cfg_expect_mapping(struct cfg_ctx *ctx, yaml_node_t *node,
		       const char *path);
int cfg_expect_sequence(struct cfg_ctx *ctx, yaml_node_t *node,
			const char *path);
/* A non-empty string, duplicated into *out (freed by the caller). */
int cfg_read_string(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		    char **out);
/* A decimal integer (or 0x hex) within [min, max]. */
int cfg_read_uint(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		  uint64_t min, uint64_t max, uint64_t *out);
int cfg_read_bool(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		  bool *out);
/* A sequence of non-empty strings; *out is NULL-free, *n its length. */
int cfg_read_string_list(struct cfg_ctx *ctx, yaml_node_t *node,
			 const char *path, char ***out, size_t *n,
			 struct cfg_mark **marks);

/* Parses an unsigned integer: decimal, or hex after "0x". false if the
 * text is not one or does not fit in 64 bits. */
bool cfg_parse_u64(const char *s, uint64_t *out);

void cfg_free_strings(char **v, size_t n);

/* metrics-listen (config_listen.c). */
int cfg_load_metrics_listen(struct cfg_ctx *ctx, yaml_node_t *node,
			    struct pmdswitch_config *cfg);

/* limits: (config_limits.c). */
int cfg_load_limits(struct cfg_ctx *ctx, yaml_node_t *node,
		    struct cfg_limits *lim);

/* Tunnels (config_tunnel.c). The port keys of types vxlan and geneve, in
 * this order, after the other port keys. */
enum {
	CFG_TNL_REMOTE_IP,
	CFG_TNL_LOCAL_IP,
	CFG_TNL_KEY,
	CFG_TNL_DST_PORT,
	CFG_TNL_TTL,
	CFG_TNL_TOS,
	CFG_TNL_DF,
	CFG_TNL_N_KEYS
};
#define CFG_TNL_PORT_KEYS \
	"remote-ip", "local-ip", "key", "dst-port", "ttl", "tos", "df"
/* The tunnel keys of a port mapping (k / v: CFG_TNL_N_KEYS key and value
 * nodes, NULL when absent) into port->tunnel. */
int cfg_load_tunnel_port(struct cfg_ctx *ctx, yaml_node_t *node,
			 const char *path, struct cfg_port *port,
			 yaml_node_t *const *k, yaml_node_t *const *v);
/* bridges[].tunnel-endpoint. */
int cfg_load_tunnel_endpoint(struct cfg_ctx *ctx, yaml_node_t *node,
			     const char *path, struct cfg_bridge *br);
/* After every bridge is loaded: endpoints name a dpdk port of their
 * bridge, tunnel ports have an endpoint, no two tunnel ports of a bridge
 * receive the same packets. */
int cfg_check_tunnels(struct cfg_ctx *ctx, struct pmdswitch_config *cfg);
void cfg_free_tunnel_endpoint(struct cfg_tunnel_endpoint *ep);

/* bridges[].sflow (config_sflow.c): read and check the mapping, resolve
 * the collectors. */
int cfg_load_sflow(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		   struct cfg_sflow *sf);
void cfg_free_sflow(struct cfg_sflow *sf);

#endif /* PMDSWITCH_CONFIG_PRIV_H */
