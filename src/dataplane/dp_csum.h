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

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

/* True when the ihl bytes (a multiple of 4) of an IPv4 header at p sum
 * to 0xffff, i.e. its checksum is right: what
 * dp_csum_fold(dp_csum_sum16(p, ihl)) == 0xffff says, with 32-bit loads
 * (a one's complement sum is the same in either byte order) for the
 * receive path's check of every outer header. */
static inline bool
dp_csum_ipv4_ok(const uint8_t *p, uint32_t ihl)
{
	uint64_t s = 0;
	uint32_t w;

	for (uint32_t i = 0; i + 4 <= ihl; i += 4) {
		memcpy(&w, p + i, 4);
		s += w;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return dp_csum_fold((uint32_t)(s & 0xffff) + (uint32_t)(s >> 16)) ==
	       0xffff;
}

#endif /* PMDSWITCH_DP_CSUM_H */
