/* SPDX-License-Identifier: BSD-3-Clause */
#include "xlate.h"

#include <string.h>

int
xlate_dp_port(const struct pmd_port_table *ports, uint32_t ofport)
{
	for (uint32_t i = 0; i < ports->n_ports; i++)
		if (ports->ports[i].in_use && ports->ports[i].ofport == ofport)
			return (int)i;
	return -1;
}

static unsigned
add(struct dp_actions *out, uint16_t type, uint32_t arg)
{
	if (out->n >= DP_ACTIONS_MAX)
		return 1;
	out->a[out->n].type = type;
	out->a[out->n].arg = arg;
	out->n++;
	return 0;
}

static unsigned
output_all(const struct pmd_port_table *ports, uint32_t in_port,
	   struct dp_actions *out)
{
	unsigned skipped = 0;

	for (uint32_t i = 0; i < ports->n_ports; i++)
		if (ports->ports[i].in_use && ports->ports[i].ofport != in_port)
			skipped += add(out, DP_ACTION_OUTPUT, i);
	return skipped;
}

unsigned
xlate_actions(const struct ofpact *acts, size_t n_acts, uint32_t in_port,
	      const struct pmd_port_table *ports, struct dp_actions *out)
{
	unsigned skipped = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_acts; i++) {
		const struct ofpact *a = &acts[i];
		int dp;

		if (a->type == OFPACT_CONTROLLER) {
			skipped += add(out, DP_ACTION_UPCALL, a->max_len);
			continue;
		}
		if (a->type != OFPACT_OUTPUT) {
			skipped++;
			continue;
		}
		switch (a->port) {
		case OFPP13_IN_PORT:
			dp = xlate_dp_port(ports, in_port);
			if (dp < 0)
				skipped++;
			else
				skipped += add(out, DP_ACTION_OUTPUT,
					       (uint32_t)dp);
			break;
		case OFPP13_ALL:
		case OFPP13_FLOOD:
			skipped += output_all(ports, in_port, out);
			break;
		case OFPP13_CONTROLLER:
			skipped += add(out, DP_ACTION_UPCALL, a->max_len);
			break;
		default:
			/* OpenFlow: output to the ingress port needs IN_PORT. */
			dp = xlate_dp_port(ports, a->port);
			if (dp < 0 || a->port == in_port)
				skipped++;
			else
				skipped += add(out, DP_ACTION_OUTPUT,
					       (uint32_t)dp);
			break;
		}
	}
	return skipped;
}
