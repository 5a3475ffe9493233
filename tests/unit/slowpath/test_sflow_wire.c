/* SPDX-License-Identifier: BSD-3-Clause */
/* sFlow v5 encoder: the words of a datagram with one flow sample and one
 * counter sample, laid out as the spec (sflow_version_5.txt) says. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "slowpath/sflow_wire.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
test_datagram(void **state)
{
	static const uint8_t agent[4] = {192, 0, 2, 1};
	static const uint8_t hdr[5] = {1, 2, 3, 4, 5};
	struct sflow_flow_sample fs = {
		.sequence = 7, .source_id = 3, .sampling_rate = 1000,
		.sample_pool = 123456, .drops = 2, .input = 3,
		.output = SFLOW_IF_MULTIPLE(2), .frame_length = 64,
		.header = hdr, .header_len = sizeof(hdr),
	};
	struct sflow_if_counters c = {
		.if_index = 3, .if_type = 6, .if_speed = 10000000000ull,
		.if_direction = 1, .if_status = 3, .in_octets = 1ull << 40,
		.in_ucast = 11, .out_octets = 5, .out_ucast = 12,
	};
	struct sflow_dgram d;
	const uint8_t *p;

	(void)state;
	sflow_dgram_begin(&d, agent, false, 4);
	assert_int_equal(d.len, 28);
	assert_int_equal(sflow_dgram_add_flow(&d, &fs), 0);
	assert_int_equal(sflow_dgram_add_counters(&d, 9, 3, &c), 0);
	sflow_dgram_finish(&d, 42, 5000);

	p = d.buf;
	assert_int_equal(rd32(p), 5);		/* version */
	assert_int_equal(rd32(p + 4), 1);	/* IPv4 */
	assert_memory_equal(p + 8, agent, 4);
	assert_int_equal(rd32(p + 12), 4);	/* sub-agent */
	assert_int_equal(rd32(p + 16), 42);	/* sequence */
	assert_int_equal(rd32(p + 20), 5000);	/* uptime */
	assert_int_equal(rd32(p + 24), 2);	/* samples */
	p += 28;
	/* Flow sample: 8 words, a raw header record of 4 words + 8 bytes. */
	assert_int_equal(rd32(p), 1);
	assert_int_equal(rd32(p + 4), 32 + 8 + 16 + 8);
	assert_int_equal(rd32(p + 8), 7);
	assert_int_equal(rd32(p + 12), 3);
	assert_int_equal(rd32(p + 16), 1000);
	assert_int_equal(rd32(p + 20), 123456);
	assert_int_equal(rd32(p + 24), 2);
	assert_int_equal(rd32(p + 28), 3);
	assert_int_equal(rd32(p + 32), 0x80000002u);
	assert_int_equal(rd32(p + 36), 1);	/* records */
	assert_int_equal(rd32(p + 40), 1);	/* raw packet header */
	assert_int_equal(rd32(p + 44), 16 + 8);
	assert_int_equal(rd32(p + 48), 1);	/* Ethernet */
	assert_int_equal(rd32(p + 52), 64);
	assert_int_equal(rd32(p + 56), 0);
	assert_int_equal(rd32(p + 60), 5);
	assert_memory_equal(p + 64, hdr, 5);
	assert_memory_equal(p + 69, "\0\0\0", 3);	/* XDR padding */
	p += 72;
	/* Counter sample: 3 words, the 88-byte generic interface record. */
	assert_int_equal(rd32(p), 2);
	assert_int_equal(rd32(p + 4), 12 + 8 + 88);
	assert_int_equal(rd32(p + 8), 9);
	assert_int_equal(rd32(p + 12), 3);
	assert_int_equal(rd32(p + 16), 1);
	assert_int_equal(rd32(p + 20), 1);
	assert_int_equal(rd32(p + 24), 88);
	assert_int_equal(rd32(p + 28), 3);	/* ifIndex */
	assert_int_equal(rd32(p + 32), 6);	/* ifType */
	assert_int_equal(rd32(p + 36), 2);	/* ifSpeed, high word */
	assert_int_equal(rd32(p + 40), 1410065408u);
	assert_int_equal(rd32(p + 44), 1);
	assert_int_equal(rd32(p + 48), 3);
	assert_int_equal(rd32(p + 52), 256);	/* ifInOctets high */
	assert_int_equal(rd32(p + 56), 0);
	assert_int_equal(rd32(p + 60), 11);
	assert_int_equal(rd32(p + 84), 0);	/* ifOutOctets high */
	assert_int_equal(rd32(p + 88), 5);
	assert_int_equal(rd32(p + 92), 12);
	p += 28 + 88;
	assert_int_equal((size_t)(p - d.buf), d.len);
}

static void
test_full(void **state)
{
	static const uint8_t agent[16] = {0x20, 0x01, 0x0d, 0xb8};
	uint8_t hdr[256] = {0};
	struct sflow_flow_sample fs = {.header = hdr, .header_len = 256};
	struct sflow_dgram d;
	int n = 0;

	(void)state;
	sflow_dgram_begin(&d, agent, true, 0);
	assert_int_equal(d.len, 40);
	while (sflow_dgram_add_flow(&d, &fs) == 0)
		n++;
	/* 40 + k * (8 + 32 + 8 + 16 + 256) <= 1400: k = 4. */
	assert_int_equal(n, 4);
	assert_int_equal(d.n_samples, 4);
	assert_true(d.len <= SFLOW_DGRAM_MAX);
	assert_int_equal(sflow_dgram_add_flow(&d, &fs), -ENOSPC);
	assert_int_equal(d.n_samples, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
