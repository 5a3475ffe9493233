/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libyaml document access for the configuration loader: typed readers
 * that turn a node into a C value or into one precise error line.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"

/* How much of a bad value is quoted back in a message. */
#define CFG_DESCRIBE_MAX 40

struct cfg_mark
cfg_mark_of(const yaml_node_t *node)
{
	struct cfg_mark m = {1, 1};

	if (node != NULL) {
		m.line = (int)node->start_mark.line + 1;
		m.column = (int)node->start_mark.column + 1;
	}
	return m;
}

static int
cfg_verror(struct cfg_ctx *ctx, struct cfg_mark mark, const char *path,
	   const char *fmt, va_list ap)
{
	char msg[512];
	size_t i;

	if (ctx->failed)
		return -EINVAL;
	ctx->failed = true;
	if (ctx->err == NULL || ctx->errlen == 0)
		return -EINVAL;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One line, whatever ended up in the text. */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	snprintf(ctx->err, ctx->errlen, "%s:%d:%d: %s: %s", ctx->file,
		 mark.line, mark.column,
		 path != NULL && path[0] != '\0' ? path : "(top level)", msg);
	/* The key path quotes the file's keys, which may hold line breaks. */
	for (i = 0; ctx->err[i] != '\0'; i++)
		if (ctx->err[i] == '\n' || ctx->err[i] == '\r')
			ctx->err[i] = ' ';
	return -EINVAL;
}

int
cfg_error(struct cfg_ctx *ctx, struct cfg_mark mark, const char *path,
	  const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_verror(ctx, mark, path, fmt, ap);
	va_end(ap);
	return ret;
}

int
cfg_error_at(struct cfg_ctx *ctx, const yaml_node_t *node, const char *path,
	     const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_verror(ctx, cfg_mark_of(node), path, fmt, ap);
	va_end(ap);
	return ret;
}

void
cfg_path_key(char *buf, size_t len, const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s.%s", path, key);
}

void
cfg_path_index(char *buf, size_t len, const char *path, size_t index)
{
	snprintf(buf, len, "%s[%zu]", path, index);
}

yaml_node_t *
cfg_node(struct cfg_ctx *ctx, yaml_node_item_t id)
{
	return yaml_document_get_node(ctx->doc, id);
}

static const char *
cfg_scalar(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

bool
cfg_is_null(const yaml_node_t *node)
{
	const char *s;

	if (node == NULL)
		return true;
	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = cfg_scalar(node);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

void
cfg_describe(const yaml_node_t *node, char *buf, size_t len)
{
	const unsigned char *s;
	size_t i, o = 0, n;

	if (node == NULL ||
	    (node->type == YAML_SCALAR_NODE &&
	     node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	     node->data.scalar.length == 0)) {
		snprintf(buf, len, "nothing");
		return;
	}
	if (node->type == YAML_SEQUENCE_NODE) {
		snprintf(buf, len, "a sequence");
		return;
	}
	if (node->type == YAML_MAPPING_NODE) {
		snprintf(buf, len, "a mapping");
		return;
	}
	if (cfg_is_null(node)) {
		snprintf(buf, len, "null");
		return;
	}

	s = node->data.scalar.value;
	n = node->data.scalar.length;
	if (len < 8) {
		snprintf(buf, len, "?");
		return;
	}
	buf[o++] = '"';
	for (i = 0; i < n && i < CFG_DESCRIBE_MAX && o + 6 < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	if (i < n && o + 4 < len)
		memcpy(buf + o, "...", 4);
}

int
cfg_expect_mapping(struct cfg_ctx *ctx, yaml_node_t *node, const char *path)
{
	char got[64];

	if (node != NULL && node->type == YAML_MAPPING_NODE)
		return 0;
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path, "expected a mapping, got %s", got);
}

int
cfg_expect_sequence(struct cfg_ctx *ctx, yaml_node_t *node, const char *path)
{
	char got[64];

	if (node != NULL && node->type == YAML_SEQUENCE_NODE)
		return 0;
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path, "expected a sequence, got %s",
			    got);
}

static void
cfg_join_keys(const char *const *known, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; known[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      i > 0 ? ", " : "", known[i]);
}

int
cfg_map_fields(struct cfg_ctx *ctx, yaml_node_t *map, const char *path,
	       const char *const *known, yaml_node_t **keys,
	       yaml_node_t **values)
{
	char sub[CFG_PATH_MAX], got[64], list[256];
	yaml_node_pair_t *pair;
	size_t n_known = 0, i;
	int ret;

	ret = cfg_expect_mapping(ctx, map, path);
	if (ret < 0)
		return ret;
	while (known[n_known] != NULL)
		n_known++;
	for (i = 0; i < n_known; i++) {
		keys[i] = NULL;
		values[i] = NULL;
	}

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = cfg_node(ctx, pair->key);
		yaml_node_t *v = cfg_node(ctx, pair->value);
		const char *name;

		if (k == NULL || k->type != YAML_SCALAR_NODE) {
			cfg_describe(k, got, sizeof(got));
			return cfg_error_at(ctx, k, path,
					    "expected a key name, got %s", got);
		}
		name = cfg_scalar(k);
		cfg_path_key(sub, sizeof(sub), path, name);
		for (i = 0; i < n_known; i++)
			if (strcmp(known[i], name) == 0)
				break;
		if (i == n_known) {
			cfg_join_keys(known, list, sizeof(list));
			return cfg_error_at(ctx, k, sub,
					    "unknown key (expected one of: %s)",
					    list);
		}
		if (keys[i] != NULL)
			return cfg_error_at(ctx, k, sub,
					    "duplicate key (first at line %d)",
					    cfg_mark_of(keys[i]).line);
		keys[i] = k;
		values[i] = v;
	}
	return 0;
}

int
cfg_read_string(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		char **out)
{
	char got[64];
	char *s;

	if (node == NULL || node->type != YAML_SCALAR_NODE ||
	    cfg_is_null(node)) {
		cfg_describe(node, got, sizeof(got));
		return cfg_error_at(ctx, node, path,
				    "expected a string, got %s", got);
	}
	if (node->data.scalar.length == 0)
		return cfg_error_at(ctx, node, path,
				    "expected a non-empty string");
	if (strlen(cfg_scalar(node)) != node->data.scalar.length)
		return cfg_error_at(ctx, node, path,
				    "a NUL character is not allowed");
	s = strdup(cfg_scalar(node));
	if (s == NULL)
		return cfg_error_at(ctx, node, path, "out of memory");
	*out = s;
	return 0;
}

bool
cfg_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (s[0] == '+')
		i++;
	if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (s[i] == '\0')
		return false;
	for (; s[i] != '\0'; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

int
cfg_read_uint(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	      uint64_t min, uint64_t max, uint64_t *out)
{
	char got[64];
	uint64_t v;

	if (node != NULL && node->type == YAML_SCALAR_NODE &&
	    !cfg_is_null(node) &&
	    strlen(cfg_scalar(node)) == node->data.scalar.length &&
	    cfg_parse_u64(cfg_scalar(node), &v) && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path,
			    "expected an integer from %" PRIu64 " to %" PRIu64
			    ", got %s",
			    min, max, got);
}

int
cfg_read_bool(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
	      bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO",	  "off",   "Off",   "OFF"};
	char got[64];
	size_t i;

	if (node != NULL && node->type == YAML_SCALAR_NODE) {
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcmp(cfg_scalar(node), yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcmp(cfg_scalar(node), no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	cfg_describe(node, got, sizeof(got));
	return cfg_error_at(ctx, node, path, "expected true or false, got %s",
			    got);
}

void
cfg_free_strings(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
cfg_read_string_list(struct cfg_ctx *ctx, yaml_node_t *node, const char *path,
		     char ***out, size_t *n, struct cfg_mark **marks)
{
	char sub[CFG_PATH_MAX];
	struct cfg_mark *m = NULL;
	yaml_node_item_t *item;
	char **v;
	size_t count, i = 0;
	int ret;

	ret = cfg_expect_sequence(ctx, node, path);
	if (ret < 0)
		return ret;
	count = (size_t)(node->data.sequence.items.top -
			 node->data.sequence.items.start);
	v = calloc(count + 1, sizeof(*v));
	if (marks != NULL)
		m = calloc(count + 1, sizeof(*m));
	if (v == NULL || (marks != NULL && m == NULL)) {
		free(v);
		free(m);
		return cfg_error_at(ctx, node, path, "out of memory");
	}
	for (item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++, i++) {
		yaml_node_t *e = cfg_node(ctx, *item);

		cfg_path_index(sub, sizeof(sub), path, i);
		ret = cfg_read_string(ctx, e, sub, &v[i]);
		if (ret < 0) {
			cfg_free_strings(v, i);
			free(m);
			return ret;
		}
		if (m != NULL)
			m[i] = cfg_mark_of(e);
	}
	*out = v;
	*n = count;
	if (marks != NULL)
		*marks = m;
	return 0;
}

static const yaml_char_t *
cfg_event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

int
cfg_reject_aliases(struct cfg_ctx *ctx, const char *text, size_t len)
{
	yaml_parser_t parser;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		return cfg_error(ctx, (struct cfg_mark){1, 1}, "yaml",
				 "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	for (;;) {
		const yaml_char_t *anchor;
		yaml_event_t ev;
		struct cfg_mark m;

		if (!yaml_parser_parse(&parser, &ev))
			break;		/* The loader reports it. */
		m.line = (int)ev.start_mark.line + 1;
		m.column = (int)ev.start_mark.column + 1;
		anchor = cfg_event_anchor(&ev);
		/* Every alias follows its anchor; an undefined one is the
		 * loader's syntax error. */
		if (anchor != NULL)
			ret = cfg_error(ctx, m, "yaml", "anchors (&%s) are not "
					"supported: write the value out",
					(const char *)anchor);
		if (ev.type == YAML_STREAM_END_EVENT)
			ret = ret < 0 ? ret : 1;
		yaml_event_delete(&ev);
		if (ret != 0)
			break;
	}
	yaml_parser_delete(&parser);
	return ret < 0 ? ret : 0;
}
