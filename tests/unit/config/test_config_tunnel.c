/* SPDX-License-Identifier: BSD-3-Clause */
/* Tunnel configuration: vxlan / geneve ports and tunnel-endpoint. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static char err[512];

static void
expect_error(const char *text, const char *msg)
{
	struct pmdswitch_config cfg;
	int ret;

	ret = config_load_string(text, "bad.yaml", &cfg, err, sizeof(err));
	if (ret != -EINVAL || strcmp(err, msg) != 0)
		print_error("yaml:\n%s\ngot %d: %s\nwant:   %s\n", text, ret,
			    err, msg);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, msg);
	config_free(&cfg);
}

#define BRIDGE \
	"bridges:\n" \
	"  - name: br0\n"
#define EP \
	"    tunnel-endpoint: {port: p0, ip: 192.0.2.1/24}\n"
#define P0 \
	"    ports:\n" \
	"      - {name: p0, ofport: 1, type: dpdk, devargs: net_null0}\n"

static void
test_tunnel_ok(void **state)
{
	struct pmdswitch_config cfg;
	const struct cfg_bridge *br;
	const struct cfg_port *vx, *gn;

	(void)state;
	assert_int_equal(config_load_string(BRIDGE
		"    tunnel-endpoint:\n"
		"      port: p0\n"
		"      ip: 192.0.2.1/24\n"
		"      gateway: 192.0.2.254\n"
		"      routes: [{prefix: 10.0.0.0/8, via: 192.0.2.253}]\n"
		"      neighbours: [{ip: 192.0.2.2, mac: \"02:00:00:00:00:02\"}]\n"
		P0
		"      - {name: vx0, ofport: 10, type: vxlan, remote-ip: "
		"192.0.2.2, key: 100}\n"
		"      - {name: vx1, ofport: 11, type: vxlan, remote-ip: flow, "
		"key: flow, dst-port: 4790, ttl: 9, tos: 4, df: false, "
		"local-ip: 192.0.2.1}\n"
		"      - {name: gn0, ofport: 12, type: geneve, remote-ip: "
		"192.0.2.2}\n",
		"ok.yaml", &cfg, err, sizeof(err)), 0);
	br = &cfg.bridges[0];
	assert_string_equal(br->tunnel_endpoint.port, "p0");
	assert_int_equal(br->tunnel_endpoint.ip, inet_addr("192.0.2.1"));
	assert_int_equal(br->tunnel_endpoint.plen, 24);
	assert_int_equal(br->tunnel_endpoint.gateway,
			 inet_addr("192.0.2.254"));
	assert_int_equal(br->tunnel_endpoint.n_routes, 1);
	assert_int_equal(br->tunnel_endpoint.routes[0].prefix,
			 inet_addr("10.0.0.0"));
	assert_int_equal(br->tunnel_endpoint.routes[0].plen, 8);
	assert_int_equal(br->tunnel_endpoint.n_neighbours, 1);
	assert_int_equal(br->tunnel_endpoint.neighbours[0].ip,
			 inet_addr("192.0.2.2"));
	assert_int_equal(br->tunnel_endpoint.neighbours[0].mac[5], 2);
	vx = &br->ports[1];
	assert_int_equal(vx->kind, CFG_PORT_VXLAN);
	assert_false(vx->tunnel.remote_flow);
	assert_int_equal(vx->tunnel.remote_ip, inet_addr("192.0.2.2"));
	assert_int_equal(vx->tunnel.key, 100);
	assert_int_equal(vx->tunnel.dst_port, 4789);
	assert_int_equal(vx->tunnel.ttl, 64);
	assert_true(vx->tunnel.df);
	assert_true(br->ports[2].tunnel.remote_flow);
	assert_true(br->ports[2].tunnel.key_flow);
	assert_int_equal(br->ports[2].tunnel.dst_port, 4790);
	assert_int_equal(br->ports[2].tunnel.ttl, 9);
	assert_int_equal(br->ports[2].tunnel.tos, 4);
	assert_false(br->ports[2].tunnel.df);
	gn = &br->ports[3];
	assert_int_equal(gn->kind, CFG_PORT_GENEVE);
	assert_int_equal(gn->tunnel.dst_port, 6081);
	assert_int_equal(gn->tunnel.key, 0);
	assert_false(cfg_port_has_device(gn->kind));
	config_free(&cfg);
}

static void
test_tunnel_errors(void **state)
{
	(void)state;
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, key: 1}\n",
		"bad.yaml:6:9: bridges[0].ports[1].remote-ip: required key is "
		"missing (type vxlan takes the remote VTEP's IPv4 address, "
		"or flow)");
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3,"
		" key: 1}\n",
		"bad.yaml:6:56: bridges[0].ports[1].remote-ip: expected an IPv4 "
		"address such as \"192.0.2.1\", got \"1.2.3\"");
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3.4,"
		" key: 16777216}\n",
		"bad.yaml:6:70: bridges[0].ports[1].key: expected an integer "
		"from 0 to 16777215, got \"16777216\"");
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3.4,"
		" devargs: x}\n",
		"bad.yaml:6:65: bridges[0].ports[1].devargs: not a key of a port "
		"of type vxlan");
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3.4,"
		" colour: red}\n",
		"bad.yaml:6:65: bridges[0].ports[1].colour: unknown key (expected "
		"one of: name, ofport, type, devargs, rxq, path, mode, peer, "
		"queues, rxq-size, txq-size, mtu, mac, remote-ip, local-ip, key, "
		"dst-port, ttl, tos, df)");
	expect_error(BRIDGE P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3.4}"
		"\n",
		"bad.yaml:5:9: bridges[0].ports[1]: tunnel port vx0 needs a "
		"tunnel-endpoint in bridge br0");
	expect_error(BRIDGE
		"    tunnel-endpoint: {port: p9, ip: 192.0.2.1/24}\n" P0,
		"bad.yaml:3:29: bridges[0].tunnel-endpoint.port: no port \"p9\" "
		"in bridge br0");
	expect_error(BRIDGE
		"    tunnel-endpoint: {port: p0, ip: 192.0.2.1}\n" P0,
		"bad.yaml:3:37: bridges[0].tunnel-endpoint.ip: expected an IPv4 "
		"address with a prefix length such as \"192.0.2.1/24\", got "
		"\"192.0.2.1\"");
	expect_error(BRIDGE
		"    tunnel-endpoint: {port: p0, ip: 192.0.2.1/24, mtu: 5}\n" P0,
		"bad.yaml:3:51: bridges[0].tunnel-endpoint.mtu: unknown key "
		"(expected one of: port, ip, gateway, routes, neighbours)");
	expect_error(BRIDGE
		"    tunnel-endpoint: {port: p0, ip: 192.0.2.1/24, gateway: "
		"10.0.0.1}\n" P0,
		"bad.yaml:3:60: bridges[0].tunnel-endpoint.gateway: the gateway "
		"is not in the endpoint's subnet");
	expect_error(BRIDGE EP P0
		"      - {name: vx0, ofport: 2, type: vxlan, remote-ip: 1.2.3.4}"
		"\n"
		"      - {name: vx1, ofport: 3, type: vxlan, remote-ip: 1.2.3.4}"
		"\n",
		"bad.yaml:7:9: bridges[0].ports[2]: tunnel port vx1 receives the "
		"same packets as vx0 (line 6): type, dst-port, key and "
		"remote-ip are equal");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tunnel_ok),
		cmocka_unit_test(test_tunnel_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
