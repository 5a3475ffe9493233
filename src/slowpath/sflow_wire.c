/* SPDX-License-Identifier: BSD-3-Clause */
/* sFlow v5 datagram encoder (see sflow_wire.h). */
#include "sflow_wire.h"

#include <errno.h>
#include <string.h>

/* Offsets in the datagram header of what sflow_dgram_finish() writes:
 * version, address type, address, sub-agent, then these. */
#define SEQ_OFF(d) ((d)->hdr_len - 12)

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint8_t *
w32(uint8_t *p, uint32_t v)
{
	put32(p, v);
	return p + 4;
}

static uint8_t *
w64(uint8_t *p, uint64_t v)
{
	p = w32(p, (uint32_t)(v >> 32));
	return w32(p, (uint32_t)v);
}

void
sflow_dgram_begin(struct sflow_dgram *d, const uint8_t *agent_addr,
		  bool ipv6, uint32_t sub_agent_id)
{
	uint8_t *p = d->buf;
	size_t alen = ipv6 ? 16 : 4;

	p = w32(p, SFLOW_VERSION);
	p = w32(p, ipv6 ? 2 : 1);
	memcpy(p, agent_addr, alen);
	p += alen;
	p = w32(p, sub_agent_id);
	p = w32(p, 0);		/* sequence number */
	p = w32(p, 0);		/* uptime */
	p = w32(p, 0);		/* number of samples */
	d->len = d->hdr_len = (size_t)(p - d->buf);
	d->n_samples = 0;
}

int
sflow_dgram_add_flow(struct sflow_dgram *d, const struct sflow_flow_sample *s)
{
	uint32_t hpad = (s->header_len + 3u) & ~3u;
	/* raw header record: format, length, protocol, frame length,
	 * stripped, header length, header */
	uint32_t rec_len = 16 + hpad;
	/* sample: 8 words, then the record with its format and length */
	uint32_t smp_len = 32 + 8 + rec_len;
	uint8_t *p;

	if (d->len + 8 + smp_len > SFLOW_DGRAM_MAX)
		return -ENOSPC;
	p = d->buf + d->len;
	p = w32(p, SFLOW_FLOW_SAMPLE);
	p = w32(p, smp_len);
	p = w32(p, s->sequence);
	p = w32(p, s->source_id);
	p = w32(p, s->sampling_rate);
	p = w32(p, s->sample_pool);
	p = w32(p, s->drops);
	p = w32(p, s->input);
	p = w32(p, s->output);
	p = w32(p, 1);		/* flow records */
	p = w32(p, SFLOW_RAW_HEADER);
	p = w32(p, rec_len);
	p = w32(p, SFLOW_HEADER_ETHERNET);
	p = w32(p, s->frame_length);
	p = w32(p, s->stripped);
	p = w32(p, s->header_len);
	memcpy(p, s->header, s->header_len);
	memset(p + s->header_len, 0, hpad - s->header_len);
	p += hpad;
	d->len = (size_t)(p - d->buf);
	d->n_samples++;
	return 0;
}

int
sflow_dgram_add_counters(struct sflow_dgram *d, uint32_t sequence,
			 uint32_t source_id, const struct sflow_if_counters *c)
{
	const uint32_t rec_len = 88;
	const uint32_t smp_len = 12 + 8 + rec_len;
	uint8_t *p;

	if (d->len + 8 + smp_len > SFLOW_DGRAM_MAX)
		return -ENOSPC;
	p = d->buf + d->len;
	p = w32(p, SFLOW_COUNTER_SAMPLE);
	p = w32(p, smp_len);
	p = w32(p, sequence);
	p = w32(p, source_id);
	p = w32(p, 1);		/* counter records */
	p = w32(p, SFLOW_GENERIC_COUNTERS);
	p = w32(p, rec_len);
	p = w32(p, c->if_index);
	p = w32(p, c->if_type);
	p = w64(p, c->if_speed);
	p = w32(p, c->if_direction);
	p = w32(p, c->if_status);
	p = w64(p, c->in_octets);
	p = w32(p, c->in_ucast);
	p = w32(p, c->in_mcast);
	p = w32(p, c->in_bcast);
	p = w32(p, c->in_discards);
	p = w32(p, c->in_errors);
	p = w32(p, c->in_unknown_protos);
	p = w64(p, c->out_octets);
	p = w32(p, c->out_ucast);
	p = w32(p, c->out_mcast);
	p = w32(p, c->out_bcast);
	p = w32(p, c->out_discards);
	p = w32(p, c->out_errors);
	p = w32(p, c->promiscuous);
	d->len = (size_t)(p - d->buf);
	d->n_samples++;
	return 0;
}

void
sflow_dgram_finish(struct sflow_dgram *d, uint32_t sequence,
		   uint32_t uptime_ms)
{
	put32(d->buf + SEQ_OFF(d), sequence);
	put32(d->buf + SEQ_OFF(d) + 4, uptime_ms);
	put32(d->buf + SEQ_OFF(d) + 8, d->n_samples);
}
