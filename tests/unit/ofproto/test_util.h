/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TEST_OFPROTO_UTIL_H
#define PMDSWITCH_TEST_OFPROTO_UTIL_H

/* Shared utilities of the ofproto unit tests (cmocka must be included
 * first). */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofproto.h"

/* Hex string (spaces allowed) to bytes; returns the length. */
static inline size_t
hex_to_bytes(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*hex) {
		unsigned int v;

		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		if (n >= max || sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static inline void
assert_bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		   size_t blen)
{
	if (alen != blen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "got      ");
		for (size_t i = 0; i < alen; i++)
			fprintf(stderr, "%02x", a[i]);
		fprintf(stderr, "\nexpected ");
		for (size_t i = 0; i < blen; i++)
			fprintf(stderr, "%02x", b[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
}

/* Adds a rule in ovs-ofctl syntax; it must be accepted. */
static inline void
add(struct ofproto *ofp, const char *flow)
{
	char err[256] = "";
	int rc = ofproto_add_flow_str(ofp, flow, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s: %s\n", flow, err);
	assert_int_equal(rc, 0);
}

#endif
