/* SPDX-License-Identifier: BSD-3-Clause */
/* The tunnel neighbour cache (requests, retries, replies, ageing, the
 * limit; unsolicited replies ignored) and underlay routes. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "slowpath/tnl_neigh.h"
#include "slowpath/tnl_route.h"

static struct tnl_neigh_cache c;

static void
test_neigh_resolve(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct tnl_neigh_request req[8];
	uint32_t ip = inet_addr("192.0.2.2");
	uint8_t got[6];
	bool changed;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* A miss creates the entry; the request goes at once, then once a
	 * second, three times, then the entry goes. */
	assert_false(tnl_neigh_lookup(&c, 0, ip, got, 1000));
	assert_false(tnl_neigh_lookup(&c, 0, ip, got, 1000));
	assert_int_equal(tnl_neigh_due(&c, 1000, req, 8, &changed), 1);
	assert_int_equal(req[0].ip, ip);
	assert_int_equal(tnl_neigh_due(&c, 1500, req, 8, &changed), 0);
	assert_int_equal(tnl_neigh_due(&c, 2000, req, 8, &changed), 1);
	assert_int_equal(tnl_neigh_due(&c, 3000, req, 8, &changed), 1);
	assert_int_equal(tnl_neigh_due(&c, 4000, req, 8, &changed), 0);
	assert_int_equal(c.stats.expired, 1);
	assert_false(changed);
	/* A reply for nobody asked: ignored. */
	assert_false(tnl_neigh_update(&c, 0, ip, mac, 4100));
	assert_int_equal(c.stats.unsolicited, 1);
	assert_false(tnl_neigh_lookup(&c, 0, ip, got, 4100));
	/* Asked and answered. */
	assert_int_equal(tnl_neigh_due(&c, 4100, req, 8, &changed), 1);
	assert_true(tnl_neigh_update(&c, 0, ip, mac, 4200));
	assert_false(tnl_neigh_update(&c, 0, ip, mac, 4300));
	assert_true(tnl_neigh_lookup(&c, 0, ip, got, 4300));
	assert_memory_equal(got, mac, 6);
	/* Another endpoint's entry is another entry. */
	assert_false(tnl_neigh_lookup(&c, 1, ip, got, 4300));
	/* Ageing: asked again after the refresh time, gone at the end of
	 * the reachable time when nothing answers. */
	assert_int_equal(tnl_neigh_due(&c, 4300 + TNL_NEIGH_REFRESH_MS, req, 8,
				       &changed), 2);
	assert_true(tnl_neigh_lookup(&c, 0, ip, got, 4300 +
				     TNL_NEIGH_REFRESH_MS));
	tnl_neigh_due(&c, 4300 + TNL_NEIGH_REACHABLE_MS, req, 8, &changed);
	assert_true(changed);
	assert_false(tnl_neigh_lookup(&c, 0, ip, got, 4300 +
				      TNL_NEIGH_REACHABLE_MS));
}

/* A storm of next hops cannot grow the cache past its limit. */
static void
test_neigh_limit(void **state)
{
	uint8_t got[6];
	bool changed;
	struct tnl_neigh_request req[TNL_NEIGH_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; i < 2 * TNL_NEIGH_MAX; i++)
		tnl_neigh_lookup(&c, 0, htonl(0x0a000000u + i), got, 1);
	assert_int_equal(c.stats.full, TNL_NEIGH_MAX);
	assert_int_equal(tnl_neigh_due(&c, 1, req, TNL_NEIGH_MAX, &changed),
			 TNL_NEIGH_MAX);
	tnl_neigh_flush(&c, 0);
	assert_int_equal(tnl_neigh_due(&c, 5000, req, TNL_NEIGH_MAX, &changed),
			 0);
}

/* Static entries: resolved without ARP, never asked or aged, not
 * changed by a reply. */
static void
test_neigh_static(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 };
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 8 };
	struct tnl_neigh_request req[4];
	uint32_t ip = inet_addr("192.0.2.7");
	uint8_t got[6];
	bool changed;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_true(tnl_neigh_set_static(&c, 0, ip, mac));
	assert_true(tnl_neigh_lookup(&c, 0, ip, got, 1));
	assert_memory_equal(got, mac, 6);
	assert_false(tnl_neigh_update(&c, 0, ip, other, 2));
	assert_int_equal(tnl_neigh_due(&c, 10 * TNL_NEIGH_REACHABLE_MS, req, 4,
				       &changed), 0);
	assert_true(tnl_neigh_lookup(&c, 0, ip, got, 10 *
				     TNL_NEIGH_REACHABLE_MS));
	assert_memory_equal(got, mac, 6);
}

static void
test_route(void **state)
{
	struct tnl_routes rt;

	(void)state;
	memset(&rt, 0, sizeof(rt));
	rt.ip = inet_addr("192.0.2.1");
	rt.plen = 24;
	assert_int_equal(tnl_route_next_hop(&rt, inet_addr("192.0.2.9")),
			 inet_addr("192.0.2.9"));
	assert_int_equal(tnl_route_next_hop(&rt, inet_addr("10.1.2.3")), 0);
	assert_int_equal(tnl_route_next_hop(&rt, 0), 0);
	assert_int_equal(tnl_route_next_hop(&rt, rt.ip), 0);
	rt.gateway = inet_addr("192.0.2.254");
	rt.r[0] = (struct tnl_route){ inet_addr("10.0.0.0"), 8,
				      inet_addr("192.0.2.253") };
	rt.r[1] = (struct tnl_route){ inet_addr("10.1.0.0"), 16,
				      inet_addr("192.0.2.252") };
	rt.n = 2;
	assert_int_equal(tnl_route_next_hop(&rt, inet_addr("10.1.2.3")),
			 inet_addr("192.0.2.252"));
	assert_int_equal(tnl_route_next_hop(&rt, inet_addr("10.2.2.3")),
			 inet_addr("192.0.2.253"));
	assert_int_equal(tnl_route_next_hop(&rt, inet_addr("8.8.8.8")),
			 inet_addr("192.0.2.254"));
	assert_int_equal(tnl_route_mask(0), 0);
	assert_int_equal(tnl_route_mask(32), UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neigh_resolve),
		cmocka_unit_test(test_neigh_limit),
		cmocka_unit_test(test_neigh_static),
		cmocka_unit_test(test_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
