/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `limits:` section: the process-wide budget of the OpenFlow model
 * (rules, groups, meters, instruction sets) and the per-bridge bounds of
 * the OpenFlow channel (tx backlog per connection, accepted connections per
 * listener and in all). Every key is optional; 0 in struct cfg_limits means
 * "the default" (the model's are sized from the machine's memory by
 * ofp_limit_default(); see README "OpenFlow peers and limits").
 *
 * Thread safety: plain functions on a load context (one thread).
 */

#include <string.h>

#include "config/config_priv.h"

enum {
	LIM_MAX_RULES,
	LIM_MAX_GROUPS,
	LIM_MAX_METERS,
	LIM_MAX_INSTS,
	LIM_MAX_BACKLOG_KB,
	LIM_MAX_CONNS_PER_LISTENER,
	LIM_MAX_ACCEPTED,
	LIM_N
};

static const char *const limit_keys[] = {
	"max-rules", "max-groups", "max-meters", "max-instruction-sets",
	"max-conn-backlog-kb", "max-connections-per-listener",
	"max-accepted-connections", NULL
};

int
cfg_load_limits(struct cfg_ctx *ctx, yaml_node_t *node,
		struct cfg_limits *lim)
{
	static const uint64_t max[LIM_N] = {
		[LIM_MAX_RULES] = 100000000,
		[LIM_MAX_GROUPS] = 1000000,
		[LIM_MAX_METERS] = 1000000,
		[LIM_MAX_INSTS] = 100000000,
		[LIM_MAX_BACKLOG_KB] = 1024 * 1024,
		[LIM_MAX_CONNS_PER_LISTENER] = CFG_MAX_ACCEPTED_CONNS,
		[LIM_MAX_ACCEPTED] = CFG_MAX_ACCEPTED_CONNS,
	};
	uint64_t *fields[LIM_N] = {
		[LIM_MAX_RULES] = &lim->max_rules,
		[LIM_MAX_GROUPS] = &lim->max_groups,
		[LIM_MAX_METERS] = &lim->max_meters,
		[LIM_MAX_INSTS] = &lim->max_instruction_sets,
		[LIM_MAX_BACKLOG_KB] = &lim->max_conn_backlog_kb,
		[LIM_MAX_CONNS_PER_LISTENER] =
			&lim->max_connections_per_listener,
		[LIM_MAX_ACCEPTED] = &lim->max_accepted_connections,
	};
	yaml_node_t *k[LIM_N], *v[LIM_N];
	char path[CFG_PATH_MAX];
	int ret;

	ret = cfg_map_fields(ctx, node, "limits", limit_keys, k, v);
	if (ret < 0)
		return ret;
	for (int i = 0; i < LIM_N; i++) {
		if (v[i] == NULL)
			continue;
		cfg_path_key(path, sizeof(path), "limits", limit_keys[i]);
		ret = cfg_read_uint(ctx, v[i], path, i == LIM_MAX_BACKLOG_KB ?
				    64 : 1, max[i], fields[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}
