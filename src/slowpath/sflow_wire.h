/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_SFLOW_WIRE_H
#define PMDSWITCH_SFLOW_WIRE_H

/*
 * sFlow version 5 datagrams (sflow.org/sflow_version_5.txt), the encoder:
 * XDR, big-endian 32-bit words, opaque data padded to 4 bytes.
 *
 *   datagram:  version 5, agent address (type 1 IPv4 / 2 IPv6 + bytes),
 *              sub-agent id, sequence number, uptime (ms), samples
 *   flow sample (format 1): sequence, source id (type 0 << 24 | ifIndex),
 *              sampling rate, sample pool, drops, input, output, records:
 *              raw packet header (format 1): protocol 1 (Ethernet),
 *              frame length, stripped, header bytes
 *   counter sample (format 2): sequence, source id, records:
 *              generic interface counters (format 1, 88 bytes)
 *
 * A datagram is built in a fixed buffer of SFLOW_DGRAM_MAX bytes (it fits
 * an Ethernet MTU with its IP and UDP headers): sflow_dgram_begin(), then
 * samples while they fit (-ENOSPC when one does not: send, begin again),
 * then sflow_dgram_finish() with the datagram's sequence number.
 *
 * Thread safety: a value; one thread builds one datagram.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFLOW_DGRAM_MAX 1400
#define SFLOW_VERSION 5
#define SFLOW_FLOW_SAMPLE 1
#define SFLOW_COUNTER_SAMPLE 2
#define SFLOW_RAW_HEADER 1
#define SFLOW_GENERIC_COUNTERS 1
#define SFLOW_HEADER_ETHERNET 1

/* The input/output interface words of a flow sample. */
#define SFLOW_IF_UNKNOWN 0u
#define SFLOW_IF_INTERNAL 0x3fffffffu	/* To/from the device itself. */
#define SFLOW_IF_DISCARD(reason) (0x40000000u | (reason))
#define SFLOW_DISCARD_ACL 258u
#define SFLOW_IF_MULTIPLE(n) (0x80000000u | ((n) & 0x3fffffffu))

struct sflow_dgram {
	uint8_t buf[SFLOW_DGRAM_MAX];
	size_t len;
	uint32_t n_samples;
	size_t hdr_len;		/* Bytes before the first sample. */
};

struct sflow_flow_sample {
	uint32_t sequence;
	uint32_t source_id;
	uint32_t sampling_rate;
	uint32_t sample_pool;
	uint32_t drops;
	uint32_t input;
	uint32_t output;
	uint32_t frame_length;
	uint32_t stripped;
	const uint8_t *header;
	uint32_t header_len;
};

struct sflow_if_counters {
	uint32_t if_index;
	uint32_t if_type;		/* 6: ethernetCsmacd. */
	uint64_t if_speed;		/* bits/s */
	uint32_t if_direction;		/* 1 full duplex, 2 half, 0 unknown */
	uint32_t if_status;		/* bit 0 admin up, bit 1 oper up */
	uint64_t in_octets;
	uint32_t in_ucast, in_mcast, in_bcast, in_discards, in_errors;
	uint32_t in_unknown_protos;
	uint64_t out_octets;
	uint32_t out_ucast, out_mcast, out_bcast, out_discards, out_errors;
	uint32_t promiscuous;
};

/* Start a datagram from agent (4 or 16 bytes) and sub-agent id. */
void sflow_dgram_begin(struct sflow_dgram *d, const uint8_t *agent_addr,
		       bool ipv6, uint32_t sub_agent_id);
/* 0, or -ENOSPC when the sample does not fit (the datagram unchanged). */
int sflow_dgram_add_flow(struct sflow_dgram *d,
			 const struct sflow_flow_sample *s);
int sflow_dgram_add_counters(struct sflow_dgram *d, uint32_t sequence,
			     uint32_t source_id,
			     const struct sflow_if_counters *c);
/* Write the sequence number, uptime and sample count. */
void sflow_dgram_finish(struct sflow_dgram *d, uint32_t sequence,
			uint32_t uptime_ms);

#endif /* PMDSWITCH_SFLOW_WIRE_H */
