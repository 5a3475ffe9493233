/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmdswitch-ctl trace: what the switch would do with a packet, without
 * doing it.
 *
 *   trace BRIDGE FLOW                    ovs-ofctl match syntax, in_port
 *                                        required; the packet is composed
 *                                        from it (flow_compose.h), IP
 *                                        with TTL 64
 *   trace BRIDGE --packet HEX [--in-port PORT | in_port=N]
 *   trace BRIDGE --pcap FILE [--in-port PORT | in_port=N] [--all]
 *                                        without a port: the bridge's
 *                                        lowest ofport
 *
 * For each packet: the frame is parsed as a PMD parses it; the slowpath
 * runs the pipelines with the side-effect-free lookup and records every
 * table, rule, group bucket and action set (slowpath_trace()); the
 * resulting datapath actions are then executed on a copy of the frame
 * here, which gives every output port with the exact frame it would get;
 * the megaflow mask is the one an upcall would install; and every PMD's
 * EMC and megaflows are looked at (not counted) for the packet.
 *
 * Nothing moves: no rule, table, port or PMD counter, no idle timeout, no
 * MAC learning, no packet-in, no megaflow install, no packet sent.
 *
 * Thread safety: runs on the control socket thread with sw->config_lock
 * held, like every command (ctl_server.c): no reload changes the ports,
 * bridges or PMDs meanwhile; the rx queue lists are read under rxq_lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_trace.h"
#include "dataplane/dp_packet.h"
#include "dataplane/flow_compose.h"
#include "dataplane/flow_parse.h"
#include "ofproto/ofproto_trace.h"
#include "slowpath/megaflow_format.h"
#include "slowpath/xlate.h"

#define TRACE_MAX_FRAME 9216		/* Bytes of one packet. */
#define TRACE_MAX_PCAP_PACKETS 64	/* --all: at most this many. */
#define TRACE_HEADROOM 512		/* Room for pushed headers. */
#define TRACE_TAILROOM DP_ETH_MIN_LEN	/* Room for a pop's pad. */
#define TRACE_MAX_OUTPUTS 64

/* What executing the datapath actions on the frame gives. */
struct trace_output {
	enum { OUT_PORT, OUT_CONTROLLER, OUT_TTL_DROP, OUT_METER } kind;
	uint32_t dp_port;	/* OUT_PORT */
	uint32_t arg;		/* OUT_METER: the datapath meter slot. */
	uint32_t len;
	uint8_t *frame;		/* OUT_PORT, OUT_CONTROLLER: malloc'ed. */
};

struct trace_exec {
	struct trace_output out[TRACE_MAX_OUTPUTS];
	unsigned n;
	bool truncated;
};

struct trace_packet {
	uint8_t *data;
	uint32_t len;
};

static struct trace_output *
exec_add(struct trace_exec *x, int kind, const struct dp_buf *b)
{
	struct trace_output *o;

	if (x->n >= TRACE_MAX_OUTPUTS) {
		x->truncated = true;
		return NULL;
	}
	o = &x->out[x->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	if (b != NULL) {
		o->frame = malloc(b->len ? b->len : 1);
		if (o->frame != NULL) {
			memcpy(o->frame, b->data, b->len);
			o->len = b->len;
		}
	}
	return o;
}

/* Actions [start, end) of l on the frame in b (as pmd.c's exec_range(),
 * with a copy for every clone block); b's buffer ends at buf_end. */
static void
exec_range(struct trace_exec *x, struct dp_buf *b, const uint8_t *buf_end,
	   const struct dp_actions *l, unsigned start, unsigned end)
{
	for (unsigned i = start; i < end; i++) {
		const struct dp_action *a = &l->a[i];
		struct trace_output *o;

		switch (a->type) {
		case DP_ACTION_OUTPUT:
			o = exec_add(x, OUT_PORT, b);
			if (o != NULL)
				o->dp_port = a->arg;
			break;
		case DP_ACTION_UPCALL:
			exec_add(x, OUT_CONTROLLER, b);
			break;
		case DP_ACTION_METER:
			o = exec_add(x, OUT_METER, NULL);
			if (o != NULL)
				o->arg = a->arg;
			break;
		case DP_ACTION_CLONE: {
			unsigned next = i + 1 + a->arg;
			uint8_t *mem;
			struct dp_buf c;

			if (next > end)
				return;
			mem = malloc(TRACE_HEADROOM + b->len + TRACE_TAILROOM);
			if (mem == NULL)
				return;
			c.data = mem + TRACE_HEADROOM;
			c.len = b->len;
			c.headroom = TRACE_HEADROOM;
			memcpy(c.data, b->data, b->len);
			exec_range(x, &c, c.data + c.len + TRACE_TAILROOM, l,
				   i + 1, next);
			free(mem);
			i = next - 1;
			break;
		}
		default: {
			uint32_t len = b->len;
			enum dp_hdr_result r = dp_packet_apply(b, l, a);

			if (r == DP_HDR_TTL_EXPIRED) {
				exec_add(x, a->flags & DP_ACT_F_TTL_UPCALL ?
					 OUT_CONTROLLER : OUT_TTL_DROP, b);
				return;
			}
			/* As the PMD: a pop pads a short frame. */
			if (r == DP_HDR_OK && b->len < len)
				dp_packet_pad_short(b, (uint32_t)(buf_end -
						    (b->data + b->len)));
			break;
		}
		}
	}
}

static void
exec_free(struct trace_exec *x)
{
	for (unsigned i = 0; i < x->n; i++)
		free(x->out[i].frame);
}

/* The switch port at datapath port index dp, or NULL. */
static const struct switch_port *
dp_port_find(const struct pmdswitch *sw, uint32_t dp)
{
	for (unsigned i = 0; i < sw->n_ports; i++)
		if (sw->ports[i].in_use && sw->ports[i].kind !=
		    CFG_PORT_PATCH && sw->ports[i].dp_port == dp)
			return &sw->ports[i];
	return NULL;
}

static void
put_hex(struct strbuf *out, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		strbuf_printf(out, "%02x", p[i]);
}

/* The fields of a parsed frame (every field of the words it has). */
static void
put_flow(struct strbuf *out, const struct flow_key *key, uint32_t map)
{
	struct flow_key m;
	flow_word_t *w = (flow_word_t *)(void *)&m;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < FLOW_KEY_WORDS; i++)
		if (map & FLOW_MAP_WORD(i))
			w[i] = ~(flow_word_t)0;
	m.in_port = 0;		/* Shown apart (the datapath encoding). */
	megaflow_format_match(out, key, &m);
}

static const char *
step_kind(enum ofproto_trace_kind k)
{
	switch (k) {
	case OFPROTO_TRACE_TABLE:
		return "table";
	case OFPROTO_TRACE_BUCKET:
		return "group";
	case OFPROTO_TRACE_NO_BUCKET:
		return "group";
	case OFPROTO_TRACE_ACTION_SET:
		return "action_set";
	default:
		return "normal";
	}
}

static void
put_step_json(struct strbuf *out, const struct ofproto_trace_step *s)
{
	strbuf_printf(out, "{\"kind\": \"%s\", \"bridge\": ",
		      step_kind(s->kind));
	strbuf_json_string(out, s->bridge);
	switch (s->kind) {
	case OFPROTO_TRACE_TABLE:
		strbuf_printf(out, ", \"table\": %u, \"matched\": %s",
			      s->table_id, s->matched ? "true" : "false");
		if (s->matched) {
			strbuf_printf(out, ", \"priority\": %u, \"cookie\": "
				      "\"0x%lx\", \"match\": ", s->priority,
				      (unsigned long)s->cookie);
			strbuf_json_string(out, s->match);
			strbuf_printf(out, ", \"actions\": ");
			strbuf_json_string(out, s->actions);
		}
		break;
	case OFPROTO_TRACE_BUCKET:
	case OFPROTO_TRACE_NO_BUCKET:
		strbuf_printf(out, ", \"group_id\": %u, \"type\": \"%s\", "
			      "\"depth\": %u, \"bucket\": ", s->group_id,
			      ofproto_trace_group_type(s->group_type),
			      s->depth);
		if (s->kind == OFPROTO_TRACE_BUCKET) {
			strbuf_printf(out, "%u, \"actions\": ", s->bucket);
			strbuf_json_string(out, s->actions);
		} else {
			strbuf_printf(out, "null");
		}
		break;
	default:
		strbuf_printf(out, ", \"actions\": ");
		strbuf_json_string(out, s->actions);
		break;
	}
	strbuf_printf(out, "}");
}

static void
put_step_text(struct strbuf *out, const struct ofproto_trace_step *s)
{
	switch (s->kind) {
	case OFPROTO_TRACE_TABLE:
		if (!s->matched) {
			strbuf_printf(out, "%s table %u: no rule matched "
				      "(table miss: dropped)\n", s->bridge,
				      s->table_id);
			break;
		}
		strbuf_printf(out, "%s table %u: rule %s, cookie 0x%lx\n"
			      "    instructions: %s\n", s->bridge,
			      s->table_id, s->match[0] ? s->match :
			      "(matches everything)",
			      (unsigned long)s->cookie, s->actions);
		break;
	case OFPROTO_TRACE_BUCKET:
		strbuf_printf(out, "%*s    group %u (%s): bucket %u: %s\n",
			      (int)(2 * s->depth), "", s->group_id,
			      ofproto_trace_group_type(s->group_type),
			      s->bucket, s->actions);
		break;
	case OFPROTO_TRACE_NO_BUCKET:
		strbuf_printf(out, "%*s    group %u (%s): no live bucket\n",
			      (int)(2 * s->depth), "", s->group_id,
			      ofproto_trace_group_type(s->group_type));
		break;
	case OFPROTO_TRACE_ACTION_SET:
		strbuf_printf(out, "%s action set: %s\n", s->bridge,
			      s->actions);
		break;
	default:
		strbuf_printf(out, "%s MAC learning (NORMAL): %s\n",
			      s->bridge, s->actions);
		break;
	}
}

static void
put_output(struct pmdswitch *sw, struct strbuf *out, bool json,
	   const struct trace_output *o)
{
	static const char *const kinds[] = { "port", "controller",
					     "ttl_drop", "meter" };
	const struct switch_port *p = o->kind == OUT_PORT ?
				      dp_port_find(sw, o->dp_port) : NULL;
	struct flow_key k;
	uint32_t map = 0;

	if (o->frame != NULL)
		flow_parse_map(o->frame, o->len, 0, &k, &map);
	if (json) {
		strbuf_printf(out, "{\"kind\": \"%s\"", kinds[o->kind]);
		if (o->kind == OUT_PORT) {
			strbuf_printf(out, ", \"port\": ");
			strbuf_json_string(out, p ? p->name : "?");
			strbuf_printf(out, ", \"ofport\": %u",
				      p ? p->ofport : 0);
		}
		if (o->kind == OUT_METER)
			strbuf_printf(out, ", \"meter_slot\": %u", o->arg);
		if (o->frame != NULL) {
			strbuf_printf(out, ", \"len\": %u, \"frame\": \"",
				      o->len);
			put_hex(out, o->frame, o->len);
			strbuf_printf(out, "\", \"flow\": \"");
			put_flow(out, &k, map);
			strbuf_printf(out, "\"");
		}
		strbuf_printf(out, "}");
		return;
	}
	switch (o->kind) {
	case OUT_PORT:
		strbuf_printf(out, "  output to %s (ofport %u): %u bytes: ",
			      p ? p->name : "?", p ? p->ofport : 0, o->len);
		break;
	case OUT_CONTROLLER:
		strbuf_printf(out, "  packet-in to the controller: %u bytes: ",
			      o->len);
		break;
	case OUT_TTL_DROP:
		strbuf_printf(out, "  dropped: TTL expired: ");
		break;
	default:
		strbuf_printf(out, "  meter (datapath slot %u)\n", o->arg);
		return;
	}
	put_flow(out, &k, map);
	strbuf_printf(out, "\n");
}

/* Which PMDs poll an rx queue of the port at datapath index dp. */
static bool
pmd_polls(struct pmdswitch *sw, unsigned core, uint32_t dp)
{
	bool polls = false;

	pthread_mutex_lock(&sw->rxq_lock);
	for (unsigned i = 0; i < sw->n_pmds; i++) {
		struct pmd *pmd = sw->pmds[i];

		if (pmd->lcore_id != core)
			continue;
		for (uint32_t j = 0; j < pmd_rxq_count(pmd); j++)
			polls |= pmd_rxq_at(pmd, j)->dp_port == dp;
	}
	pthread_mutex_unlock(&sw->rxq_lock);
	return polls;
}

/* Trace one packet and append its report. */
static int
trace_one(struct pmdswitch *sw, const struct bridge *br,
	  const struct switch_port *in, bool defaulted, const uint8_t *data,
	  uint32_t len, bool json, struct strbuf *out)
{
	struct ofproto_trace *tr = calloc(1, sizeof(*tr));
	struct xlate_result *xr = calloc(1, sizeof(*xr));
	struct slowpath_trace_pmd *pmds = calloc(PMD_MAX, sizeof(*pmds));
	struct trace_exec *x = calloc(1, sizeof(*x));
	uint8_t *mem = malloc(TRACE_HEADROOM + (size_t)len + TRACE_TAILROOM);
	enum flow_parse_result pr;
	struct flow_key key, mkey;
	uint32_t dp_in = XLATE_DP_IN_PORT(br->index, in->ofport);
	unsigned n_pmds;
	uint32_t map;
	int rc = 0;

	if (tr == NULL || xr == NULL || pmds == NULL || x == NULL ||
	    mem == NULL) {
		strbuf_printf(out, "out of memory");
		rc = -1;
		goto done;
	}
	pr = flow_parse_map(data, len, dp_in, &key, &map);
	n_pmds = slowpath_trace(sw->sp, &key, map, data, len, tr, xr, pmds);
	struct dp_buf b = { mem + TRACE_HEADROOM, len, TRACE_HEADROOM };

	memcpy(b.data, data, len);
	exec_range(x, &b, b.data + len + TRACE_TAILROOM, &xr->actions, 0,
		   xr->actions.n);
	flow_key_apply_mask(&mkey, &key, &xr->mask);

	if (json) {
		strbuf_printf(out, "{\"bridge\": ");
		strbuf_json_string(out, br->name);
		strbuf_printf(out, ", \"in_port\": %u, \"in_port_given\": %s, "
			      "\"in_port_name\": ", in->ofport,
			      defaulted ? "false" : "true");
		strbuf_json_string(out, in->name);
		strbuf_printf(out, ", \"len\": %u, \"parse\": \"%s\", "
			      "\"flow\": \"", len, pr == FLOW_PARSE_OK ? "ok" :
			      flow_parse_result_name(pr));
		put_flow(out, &key, map);
		strbuf_printf(out, "\", \"steps\": [");
		for (size_t i = 0; i < tr->n_steps; i++) {
			if (i)
				strbuf_printf(out, ", ");
			put_step_json(out, &tr->steps[i]);
		}
		strbuf_printf(out, "], \"steps_truncated\": %s, "
			      "\"datapath_actions\": \"",
			      tr->truncated ? "true" : "false");
		megaflow_format_actions(out, &xr->actions, &sw->port_table);
		strbuf_printf(out, "\", \"outputs\": [");
		for (unsigned i = 0; i < x->n; i++) {
			if (i)
				strbuf_printf(out, ", ");
			put_output(sw, out, true, &x->out[i]);
		}
		strbuf_printf(out, "], \"megaflow\": \"");
		megaflow_format_match(out, &mkey, &xr->mask);
		strbuf_printf(out, "\", \"cacheable\": %s, \"pmds\": [",
			      xr->uncacheable || xr->truncated ||
			      xr->cookies_overflow ? "false" : "true");
		for (unsigned i = 0; i < n_pmds; i++) {
			const struct slowpath_trace_pmd *p = &pmds[i];

			strbuf_printf(out, "%s{\"core\": %u, \"polls_in_port\": "
				      "%s, \"emc_hit\": %s, \"emc_bypassed\": "
				      "%s, \"megaflow_hit\": %s",
				      i ? ", " : "", p->core,
				      pmd_polls(sw, p->core, in->dp_port) ?
				      "true" : "false",
				      p->emc_hit ? "true" : "false",
				      p->emc_bypassed ? "true" : "false",
				      p->megaflow_hit ? "true" : "false");
			if (p->megaflow_hit) {
				strbuf_printf(out, ", \"megaflow\": \"");
				megaflow_format_match(out, &p->mf_key,
						      &p->mf_mask);
				strbuf_printf(out, "\", \"megaflow_packets\": "
					      "%lu",
					      (unsigned long)p->mf_packets);
			}
			strbuf_printf(out, "}");
		}
		strbuf_printf(out, "]}");
		goto done;
	}
	strbuf_printf(out, "bridge %s, in_port %u (%s%s), %u bytes%s%s\n"
		      "flow: ", br->name, in->ofport, in->name,
		      defaulted ? "; none given: the bridge's lowest ofport" :
		      "", len,
		      pr == FLOW_PARSE_OK ? "" : ", parse error: ",
		      pr == FLOW_PARSE_OK ? "" : flow_parse_result_name(pr));
	put_flow(out, &key, map);
	strbuf_printf(out, "\n\n");
	for (size_t i = 0; i < tr->n_steps; i++)
		put_step_text(out, &tr->steps[i]);
	if (tr->truncated)
		strbuf_printf(out, "(more steps than %d: not shown)\n",
			      OFPROTO_TRACE_MAX_STEPS);
	strbuf_printf(out, "\ndatapath actions: ");
	megaflow_format_actions(out, &xr->actions, &sw->port_table);
	strbuf_printf(out, "\n");
	for (unsigned i = 0; i < x->n; i++)
		put_output(sw, out, false, &x->out[i]);
	if (x->n == 0)
		strbuf_printf(out, "  (dropped)\n");
	strbuf_printf(out, "megaflow: ");
	megaflow_format_match(out, &mkey, &xr->mask);
	if (xr->uncacheable || xr->truncated || xr->cookies_overflow)
		strbuf_printf(out, " (not cacheable: each such packet goes to "
			      "the slowpath)");
	strbuf_printf(out, "\n");
	for (unsigned i = 0; i < n_pmds; i++) {
		const struct slowpath_trace_pmd *p = &pmds[i];

		strbuf_printf(out, "pmd core %u%s: %s", p->core,
			      pmd_polls(sw, p->core, in->dp_port) ?
			      " (polls the in_port)" : "",
			      p->emc_hit ? "EMC hit" : p->megaflow_hit ?
			      "megaflow hit" : "miss: an upcall would install "
			      "the megaflow above");
		if (!p->emc_hit && p->megaflow_hit && p->emc_bypassed)
			strbuf_printf(out, " (EMC bypassed)");
		if (p->megaflow_hit) {
			strbuf_printf(out, ", megaflow ");
			megaflow_format_match(out, &p->mf_key, &p->mf_mask);
			strbuf_printf(out, ", %lu packets",
				      (unsigned long)p->mf_packets);
		}
		strbuf_printf(out, "\n");
	}
done:
	if (x != NULL)
		exec_free(x);
	free(x);
	free(mem);
	free(pmds);
	free(xr);
	free(tr);
	return rc;
}

static int
hex_decode(const char *s, struct trace_packet *p, struct strbuf *err)
{
	size_t n = 0, len = strlen(s);

	p->data = malloc(len / 2 + 1);
	if (p->data == NULL) {
		strbuf_printf(err, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < len;) {
		unsigned v;

		if (s[i] == ' ' || s[i] == ':' || s[i] == '\n') {
			i++;
			continue;
		}
		if (i + 1 >= len || sscanf(s + i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[i]) ||
		    !strchr("0123456789abcdefABCDEF", s[i + 1])) {
			strbuf_printf(err, "--packet: not hex at offset %zu "
				      "(\"%.8s\")", i, s + i);
			return -EINVAL;
		}
		p->data[n++] = (uint8_t)v;
		i += 2;
	}
	if (n < 14 || n > TRACE_MAX_FRAME) {
		strbuf_printf(err, "--packet: %zu bytes; a frame has 14 to %d",
			      n, TRACE_MAX_FRAME);
		return -EINVAL;
	}
	p->len = (uint32_t)n;
	return 0;
}

static uint32_t
rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Up to max packets of a classic pcap file (Ethernet link type). */
static int
pcap_load(const char *path, struct trace_packet *pk, unsigned max,
	  unsigned *n, struct strbuf *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	bool swap;
	uint32_t magic;

	*n = 0;
	if (f == NULL) {
		strbuf_printf(err, "--pcap %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fread(gh, 1, 24, f) != 24) {
		strbuf_printf(err, "--pcap %s: not a pcap file (too short)",
			      path);
		fclose(f);
		return -EINVAL;
	}
	memcpy(&magic, gh, 4);
	swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du && !swap) {
		strbuf_printf(err, "--pcap %s: not a pcap file (magic 0x%08x; "
			      "a pcapng file can be converted with editcap -F "
			      "pcap)", path, magic);
		fclose(f);
		return -EINVAL;
	}
	if ((rd32(gh + 20, swap) & 0xffff) != 1) {
		strbuf_printf(err, "--pcap %s: link type %u, not Ethernet",
			      path, rd32(gh + 20, swap));
		fclose(f);
		return -EINVAL;
	}
	while (*n < max && fread(rh, 1, 16, f) == 16) {
		uint32_t caplen = rd32(rh + 8, swap);
		struct trace_packet *p = &pk[*n];

		if (caplen > TRACE_MAX_FRAME) {
			strbuf_printf(err, "--pcap %s: packet %u has %u bytes "
				      "(at most %d)", path, *n + 1, caplen,
				      TRACE_MAX_FRAME);
			fclose(f);
			return -EINVAL;
		}
		p->data = malloc(caplen ? caplen : 1);
		if (p->data == NULL || fread(p->data, 1, caplen, f) != caplen) {
			free(p->data);
			p->data = NULL;
			strbuf_printf(err, "--pcap %s: packet %u is cut short",
				      path, *n + 1);
			fclose(f);
			return -EINVAL;
		}
		p->len = caplen;
		(*n)++;
	}
	fclose(f);
	if (*n == 0) {
		strbuf_printf(err, "--pcap %s: no packet in the file", path);
		return -EINVAL;
	}
	return 0;
}

/* The bridge's port named or numbered s. */
static const struct switch_port *
in_port_find(struct pmdswitch *sw, const struct bridge *br, const char *s,
	     uint32_t ofport)
{
	for (unsigned i = 0; i < sw->n_ports; i++) {
		const struct switch_port *p = &sw->ports[i];

		if (!p->in_use || p->bridge != br->index)
			continue;
		if (s != NULL ? !strcmp(p->name, s) ||
				(strtoul(s, NULL, 10) == p->ofport &&
				 s[0] >= '0' && s[0] <= '9') :
				p->ofport == ofport)
			return p;
	}
	return NULL;
}

/* The in_port of --packet / --pcap: --in-port PORT, or in_port=N as a
 * flow (the only field it may give), or else the bridge's lowest ofport
 * (*defaulted). NULL with a message in out. */
static const struct switch_port *
packet_in_port(struct pmdswitch *sw, const struct bridge *br,
	       const char *port, const char *flow, bool *defaulted,
	       struct strbuf *out)
{
	const struct switch_port *in = NULL;

	*defaulted = false;
	if (port != NULL) {
		in = in_port_find(sw, br, port, 0);
		if (in == NULL)
			strbuf_printf(out, "trace: --in-port %s: no such port "
				      "in bridge %s", port, br->name);
		return in;
	}
	if (flow != NULL) {
		struct flow_key key, mask, only;
		char msg[512];

		if (ofproto_trace_parse_flow(flow, &key, &mask, msg,
					     sizeof(msg)) < 0) {
			strbuf_printf(out, "trace: %s", msg);
			return NULL;
		}
		memset(&only, 0, sizeof(only));
		only.in_port = mask.in_port;
		if (memcmp(&only, &mask, sizeof(mask)) != 0) {
			strbuf_printf(out, "trace: with --packet or --pcap the "
				      "flow may only give in_port=N (the "
				      "packet gives the rest)");
			return NULL;
		}
		in = in_port_find(sw, br, NULL, key.in_port);
		if (in == NULL)
			strbuf_printf(out, "trace: in_port=%u is not a port of "
				      "bridge %s", key.in_port, br->name);
		return in;
	}
	for (unsigned i = 0; i < sw->n_ports; i++) {
		const struct switch_port *p = &sw->ports[i];

		if (p->in_use && p->bridge == br->index &&
		    (in == NULL || p->ofport < in->ofport))
			in = p;
	}
	*defaulted = true;
	if (in == NULL)
		strbuf_printf(out, "trace: bridge %s has no port", br->name);
	return in;
}

int
ctl_trace(struct pmdswitch *sw, bool json, int argc, const char *const *argv,
	  struct strbuf *out)
{
	const char *flow = NULL, *hex = NULL, *pcap = NULL, *port = NULL;
	struct trace_packet pk[TRACE_MAX_PCAP_PACKETS];
	const struct switch_port *in = NULL;
	const struct bridge *br = NULL;
	unsigned n = 0;
	bool all = false, defaulted = false;
	int rc = -1;

	memset(pk, 0, sizeof(pk));
	for (unsigned b = 0; b < sw->n_bridges; b++)
		if (sw->bridges[b].in_use &&
		    !strcmp(sw->bridges[b].name, argv[0]))
			br = &sw->bridges[b];
	if (br == NULL) {
		strbuf_printf(out, "no bridge named \"%s\"", argv[0]);
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (!strcmp(a, "--packet") && has_val)
			hex = argv[++i];
		else if (!strcmp(a, "--pcap") && has_val)
			pcap = argv[++i];
		else if (!strcmp(a, "--in-port") && has_val)
			port = argv[++i];
		else if (!strcmp(a, "--all"))
			all = true;
		else if (a[0] != '-' && flow == NULL)
			flow = a;
		else
			goto usage;
	}
	if ((hex != NULL) + (pcap != NULL) > 1 ||
	    (flow == NULL && hex == NULL && pcap == NULL) ||
	    (flow != NULL && port != NULL) || (all && !pcap))
		goto usage;

	struct strbuf err = STRBUF_INIT;

	if (hex == NULL && pcap == NULL) {
		struct flow_key key, mask, k2, km;
		char msg[512];

		if (ofproto_trace_parse_flow(flow, &key, &mask, msg,
					     sizeof(msg)) < 0) {
			strbuf_printf(out, "trace: %s", msg);
			return -1;
		}
		in = in_port_find(sw, br, NULL, key.in_port);
		if (in == NULL) {
			strbuf_printf(out, "trace: in_port=%u is not a port of "
				      "bridge %s", key.in_port, br->name);
			return -1;
		}
		pk[0].data = malloc(FLOW_COMPOSE_MAX);
		if (pk[0].data == NULL) {
			strbuf_printf(out, "out of memory");
			return -1;
		}
		/* A match has no TTL: the packet gets the usual 64. An IPv6
		 * packet without a protocol says "no next header" (0 would
		 * be a hop-by-hop header). */
		if (key.eth_type == htons(0x0800) ||
		    key.eth_type == htons(0x86dd))
			key.nw_ttl = 64;
		if (key.eth_type == htons(0x86dd) && mask.nw_proto == 0)
			key.nw_proto = 59;
		pk[0].len = (uint32_t)flow_compose(&key, pk[0].data);
		n = 1;
		/* The composed frame must stand for the flow. */
		flow_parse(pk[0].data, pk[0].len, key.in_port, &k2);
		mask.in_port = 0;
		mask.ipv6_exthdr = 0;
		flow_key_apply_mask(&km, &key, &mask);
		if (!flow_key_masked_equal(&k2, &mask, &km) ||
		    (key.ipv6_exthdr & mask.ipv6_exthdr)) {
			strbuf_printf(out, "trace: no frame has these fields "
				      "as given (ipv6_exthdr, or fields the "
				      "frame's protocols cannot carry): use "
				      "--packet HEX");
			goto free;
		}
	} else {
		in = packet_in_port(sw, br, port, flow, &defaulted, out);
		if (in == NULL)
			return -1;
		if ((hex != NULL ? hex_decode(hex, &pk[0], &err) :
		     pcap_load(pcap, pk, all ? TRACE_MAX_PCAP_PACKETS : 1,
			       &n, &err)) < 0) {
			strbuf_printf(out, "trace: %s", strbuf_str(&err));
			strbuf_free(&err);
			n = n ? n : 1;
			goto free;
		}
		if (hex != NULL)
			n = 1;
	}
	if (json && all)
		strbuf_printf(out, "{\"packets\": [");
	rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (i)
			strbuf_printf(out, json ? ", " : "\n");
		rc = trace_one(sw, br, in, defaulted, pk[i].data, pk[i].len,
			       json, out);
	}
	if (json && all)
		strbuf_printf(out, "]}");
free:
	for (unsigned i = 0; i < TRACE_MAX_PCAP_PACKETS; i++)
		free(pk[i].data);
	return rc;
usage:
	strbuf_printf(out, "usage: %s", CTL_TRACE_USAGE);
	return -1;
}
