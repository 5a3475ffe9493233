/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_TEST_FRAMES_H
#define PMDSWITCH_TNL_TEST_FRAMES_H

/*
 * The inner frame the tunnel unit tests encapsulate (test_tnl_dp.c,
 * ../slowpath/test_tnl_encap.c): Ethernet 02:..:bb -> 02:..:aa, IPv4
 * 10.0.0.1 -> 10.0.0.2, UDP sport -> 53, n bytes in all.
 */

#include <stdint.h>
#include <string.h>

static inline uint32_t
inner_frame(uint8_t *f, uint32_t n, uint16_t sport)
{
	memset(f, 0, n);
	memcpy(f, "\x02\x00\x00\x00\x00\xaa\x02\x00\x00\x00\x00\xbb", 12);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((n - 14) >> 8);
	f[17] = (uint8_t)(n - 14);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[37] = 53;
	return n;
}

#endif
