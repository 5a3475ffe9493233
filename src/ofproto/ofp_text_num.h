/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_TEXT_NUM_H
#define PMDSWITCH_OFP_TEXT_NUM_H

/*
 * The number and MAC address parsers the ovs-ofctl text modules share
 * (flows, match fields, actions).
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stdint.h>

/* A whole string as an unsigned integer (decimal, 0x hex or 0 octal) of
 * at most max: no sign, no leading space, nothing after it. */
bool ofp_text_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* "xx:xx:xx:xx:xx:xx" (one or two hex digits each), nothing after it. */
bool ofp_text_parse_mac(const char *s, uint8_t mac[6]);

#endif /* PMDSWITCH_OFP_TEXT_NUM_H */
