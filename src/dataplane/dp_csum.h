/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_CSUM_H
#define PMDSWITCH_DP_CSUM_H

/*
 * Big-endian 16-bit field access and the Internet checksum's one's
 * complement sum (RFC 1071), shared by the header rewrites (dp_packet.c)
 * and the tunnel encapsulation (tnl_dp.c). Plain C, no DPDK header.
 *
 * Thread safety: pure functions of their arguments.
 */

#include <stdint.h>

static inline uint16_t
dp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
dp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum (not folded) of the 16-bit words of p[0..n); an
 * odd last byte counts as the high byte of a word. */
static inline uint32_t
dp_csum_sum16(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += dp_rd16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* A sum folded to 16 bits (end-around carry). */
static inline uint16_t
dp_csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif /* PMDSWITCH_DP_CSUM_H */
