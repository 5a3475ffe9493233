/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the YAML configuration loader: a full valid file, the
 * defaults, and one test per error class with the exact
 * "FILE:LINE:COLUMN: KEY: message" line.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "config/config.h"

static char err[512];

/* Loads text as "bad.yaml" and expects failure with exactly msg. */
static void
expect_error(const char *text, const char *msg)
{
	struct pmdswitch_config cfg;
	int ret;

	memset(err, 'x', sizeof(err));
	ret = config_load_string(text, "bad.yaml", &cfg, err, sizeof(err));
	if (ret != -EINVAL || strcmp(err, msg) != 0)
		print_error("yaml:\n%s\ngot %d: %s\nwant:   %s\n", text, ret,
			    err, msg);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
	/* A failed load leaves nothing to free; config_free is still safe. */
	assert_null(cfg.bridges);
	config_free(&cfg);
}

static void
load_ok(const char *text, struct pmdswitch_config *cfg)
{
	int ret;

	err[0] = '\0';
	ret = config_load_string(text, "ok.yaml", cfg, err, sizeof(err));
	if (ret != 0)
		print_error("unexpected error %d: %s\n", ret, err);
	assert_int_equal(ret, 0);
}

/* bridges[].sflow: defaults, values, collectors resolved. */
static void
test_sflow(void **state)
{
	(void)state;
	struct pmdswitch_config cfg;
	const struct cfg_sflow *sf;
	const struct sockaddr_in *sin;

	load_ok("bridges:\n"
		"  - name: br0\n"
		"    sflow: {agent-ip: 192.0.2.1, collectors: [\"127.0.0.1:9999\","
		" \"[::1]\"], sampling-rate: 1000, header-bytes: 64}\n", &cfg);
	sf = &cfg.bridges[0].sflow;
	assert_true(sf->enabled);
	assert_false(sf->agent_ipv6);
	assert_memory_equal(sf->agent_addr, "\xc0\x00\x02\x01", 4);
	assert_int_equal(sf->n_collectors, 2);
	sin = (const struct sockaddr_in *)&sf->collector_addr[0];
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 9999);
	assert_int_equal(sf->collector_addr[1].ss_family, AF_INET6);
	assert_int_equal(ntohs(((const struct sockaddr_in6 *)
				&sf->collector_addr[1])->sin6_port), 6343);
	assert_int_equal(sf->sampling_rate, 1000);
	assert_int_equal(sf->polling_interval, 30);
	assert_int_equal(sf->header_bytes, 64);
	assert_false(cfg.bridges[0].sflow.agent_ipv6);
	config_free(&cfg);

	load_ok("bridges: [{name: br0}]\n", &cfg);
	assert_false(cfg.bridges[0].sflow.enabled);
	config_free(&cfg);
}

static void
test_err_sflow(void **state)
{
	(void)state;
	expect_error("bridges:\n  - name: br0\n    sflow: {collectors: "
		     "[\"127.0.0.1:6343\"]}\n",
		     "bad.yaml:3:12: bridges[0].sflow.agent-ip: required key "
		     "is missing");
	expect_error("bridges:\n  - name: br0\n    sflow: {agent-ip: 1.2.3.4, "
		     "collectors: [\"127.0.0.1:0\"]}\n",
		     "bad.yaml:3:45: bridges[0].sflow.collectors[0]: bad UDP "
		     "port \"0\" in \"127.0.0.1:0\"");
	expect_error("bridges:\n  - name: br0\n    sflow: {agent-ip: 1.2.3.4, "
		     "collectors: []}\n",
		     "bad.yaml:3:44: bridges[0].sflow.collectors: expected 1 "
		     "to 8 collectors, got 0");
	expect_error("bridges:\n  - name: br0\n    sflow: {agent-ip: 1.2.3.4, "
		     "collectors: [\"127.0.0.1\"], header-bytes: 1000}\n",
		     "bad.yaml:3:73: bridges[0].sflow.header-bytes: expected "
		     "an integer from 14 to 256, got \"1000\"");
	expect_error("bridges:\n  - name: br0\n    sflow: {agent-ip: 1.2.3.4, "
		     "collectors: [\"127.0.0.1\"], rate: 5}\n",
		     "bad.yaml:3:59: bridges[0].sflow.rate: unknown key "
		     "(expected one of: agent-ip, collectors, sampling-rate, "
		     "polling-interval, header-bytes)");
}

static const char full_yaml[] =
	"# every key\n"
	"dpdk:\n"
	"  lcores: \"0-1\"\n"
	"  main-lcore: 0\n"
	"  memory-mb: 512\n"
	"  no-huge: true\n"
	"  extra-args: [\"--no-pci\", \"--log-level=8\"]\n"
	"datapath:\n"
	"  pmd-cores: [1]\n"
	"  emc-entries: 4096\n"
	"  emc-insert-inv-prob: 1\n"
	"  emc-min-hit-pct: 0\n"
	"  megaflow-max: 1000\n"
	"  megaflow-idle-ms: 500\n"
	"  upcall-ring-size: 1024\n"
	"ctl-socket: /tmp/sw.ctl\n"
	"bridges:\n"
	"  - name: br0\n"
	"    datapath-id: \"0x00000000000000ab\"\n"
	"    fail-mode: standalone\n"
	"    controllers: [\"tcp:192.0.2.10:6653\", "
	"\"ssl:[2001:db8::1]:6653\"]\n"
	"    listen: [\"ptcp:6653:127.0.0.1\", \"ptcp:\"]\n"
	"    flows:\n"
	"      - priority=0,actions=drop\n"
	"      - \"priority=10,in_port=1,actions=output:2\"\n"
	"    ports:\n"
	"      - {name: p0, ofport: 1, type: dpdk, devargs: "
	"\"net_pcap0,rx_pcap=in.pcap\", rxq: 2}\n"
	"      - name: p1\n"
	"        ofport: 65279\n"
	"        type: dpdk\n"
	"        devargs: 0000:01:00.0\n"
	"  - name: br1\n"
	"    datapath-id: 255\n"
	"    ports: []\n"
	"  - name: br2\n"
	"    datapath-id: 0x10\n";

static void
test_full(void **state)
{
	struct pmdswitch_config cfg;
	const struct cfg_bridge *br;

	(void)state;
	load_ok(full_yaml, &cfg);
	assert_string_equal(cfg.file, "ok.yaml");

	assert_string_equal(cfg.dpdk.lcores, "0-1");
	assert_int_equal(cfg.dpdk.main_lcore, 0);
	assert_int_equal(cfg.dpdk.memory_mb, 512);
	assert_true(cfg.dpdk.no_huge);
	assert_int_equal(cfg.dpdk.n_extra_args, 2);
	assert_string_equal(cfg.dpdk.extra_args[0], "--no-pci");
	assert_string_equal(cfg.dpdk.extra_args[1], "--log-level=8");

	assert_int_equal(cfg.datapath.n_pmd_cores, 1);
	assert_int_equal(cfg.datapath.pmd_cores[0], 1);
	assert_int_equal(cfg.datapath.pmd_cores_mark.line, 9);
	assert_int_equal(cfg.datapath.pmd_cores_mark.column, 14);
	assert_int_equal(cfg.datapath.emc_entries, 4096);
	assert_int_equal(cfg.datapath.emc_insert_inv_prob, 1);
	assert_int_equal(cfg.datapath.emc_min_hit_pct, 0);
	assert_int_equal(cfg.datapath.megaflow_max, 1000);
	assert_int_equal(cfg.datapath.megaflow_idle_ms, 500);
	assert_int_equal(cfg.datapath.upcall_ring_size, 1024);
	assert_string_equal(cfg.ctl_socket, "/tmp/sw.ctl");

	assert_int_equal(cfg.n_bridges, 3);
	br = &cfg.bridges[0];
	assert_string_equal(br->name, "br0");
	assert_int_equal(br->mark.line, 18);
	assert_int_equal(br->mark.column, 5);
	assert_true(br->datapath_id == 0xab);
	assert_int_equal(br->fail_mode, CFG_FAIL_STANDALONE);
	assert_int_equal(br->n_controllers, 2);
	assert_string_equal(br->controllers[0], "tcp:192.0.2.10:6653");
	assert_string_equal(br->controllers[1], "ssl:[2001:db8::1]:6653");
	assert_int_equal(br->n_listen, 2);
	assert_string_equal(br->listen[0], "ptcp:6653:127.0.0.1");
	assert_string_equal(br->listen[1], "ptcp:");
	assert_int_equal(br->n_flows, 2);
	assert_string_equal(br->flows[0], "priority=0,actions=drop");
	assert_string_equal(br->flows[1],
			    "priority=10,in_port=1,actions=output:2");
	assert_int_equal(br->flow_marks[0].line, 24);
	assert_int_equal(br->flow_marks[0].column, 9);
	assert_int_equal(br->flow_marks[1].line, 25);
	assert_int_equal(br->flow_marks[1].column, 9);

	assert_int_equal(br->n_ports, 2);
	assert_string_equal(br->ports[0].name, "p0");
	assert_int_equal(br->ports[0].ofport, 1);
	assert_string_equal(br->ports[0].type, "dpdk");
	assert_string_equal(br->ports[0].devargs, "net_pcap0,rx_pcap=in.pcap");
	assert_int_equal(br->ports[0].rxq, 2);
	assert_int_equal(br->ports[0].mark.line, 27);
	assert_int_equal(br->ports[0].mark.column, 9);
	assert_int_equal(br->ports[0].devargs_mark.line, 27);
	assert_int_equal(br->ports[0].devargs_mark.column, 52);
	assert_string_equal(br->ports[1].name, "p1");
	assert_int_equal(br->ports[1].ofport, 65279);
	assert_string_equal(br->ports[1].devargs, "0000:01:00.0");
	assert_int_equal(br->ports[1].rxq, 1);
	assert_int_equal(br->ports[1].mark.line, 28);
	assert_int_equal(br->ports[1].mark.column, 9);

	br = &cfg.bridges[1];
	assert_string_equal(br->name, "br1");
	assert_true(br->datapath_id == 255);
	assert_int_equal(br->fail_mode, CFG_FAIL_SECURE);
	assert_int_equal(br->n_ports, 0);
	assert_int_equal(br->n_controllers, 0);
	assert_true(cfg.bridges[2].datapath_id == 0x10);

	config_free(&cfg);
	assert_null(cfg.bridges);
	config_free(&cfg); /* Twice is harmless. */
}

static void
test_defaults(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	load_ok("bridges:\n  - name: br0\n  - name: br1\n    ports:\n", &cfg);
	assert_null(cfg.dpdk.lcores);
	assert_int_equal(cfg.dpdk.main_lcore, -1);
	assert_int_equal(cfg.dpdk.memory_mb, 1024);
	assert_false(cfg.dpdk.no_huge);
	assert_int_equal(cfg.dpdk.n_extra_args, 0);
	assert_int_equal(cfg.datapath.n_pmd_cores, 1);
	assert_int_equal(cfg.datapath.pmd_cores[0], 1);
	assert_int_equal(cfg.datapath.emc_entries, 8192);
	assert_int_equal(cfg.datapath.emc_insert_inv_prob, 100);
	assert_int_equal(cfg.datapath.emc_min_hit_pct, 80);
	assert_int_equal(cfg.datapath.megaflow_max, 200000);
	assert_int_equal(cfg.datapath.megaflow_idle_ms, 10000);
	assert_int_equal(cfg.datapath.upcall_ring_size, 4096);
	assert_int_equal(cfg.datapath.upcall_cycle_share, 10);
	assert_string_equal(cfg.ctl_socket, "/run/pmdswitch/pmdswitchd.ctl");
	assert_int_equal(cfg.n_bridges, 2);
	assert_true(cfg.bridges[0].datapath_id == 1);
	assert_true(cfg.bridges[1].datapath_id == 2);
	assert_int_equal(cfg.bridges[0].fail_mode, CFG_FAIL_SECURE);
	assert_int_equal(cfg.bridges[0].n_ports, 0);
	assert_int_equal(cfg.bridges[1].n_ports, 0);
	assert_int_equal(cfg.bridges[0].n_flows, 0);
	assert_null(cfg.bridges[0].flow_marks);
	config_free(&cfg);

	/* Empty sections and null values mean "default". */
	load_ok("dpdk:\ndatapath: ~\nctl-socket: null\n"
		"bridges: [{name: br0, fail-mode: ~}]\n",
		&cfg);
	assert_int_equal(cfg.dpdk.memory_mb, 1024);
	assert_int_equal(cfg.datapath.upcall_ring_size, 4096);
	assert_string_equal(cfg.ctl_socket, "/run/pmdswitch/pmdswitchd.ctl");
	config_free(&cfg);
}

static void
test_default_pmd_cores(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	/* The only lcore. */
	load_ok("dpdk: {lcores: \"3\"}\nbridges: [{name: b}]\n", &cfg);
	assert_int_equal(cfg.datapath.pmd_cores[0], 3);
	config_free(&cfg);
	/* The first lcore that is not the main one. */
	load_ok("dpdk: {lcores: \"2,4-6\", main-lcore: 4}\n"
		"bridges: [{name: b}]\n",
		&cfg);
	assert_int_equal(cfg.datapath.pmd_cores[0], 2);
	config_free(&cfg);
	load_ok("dpdk: {lcores: \"2,4-6\"}\nbridges: [{name: b}]\n", &cfg);
	assert_int_equal(cfg.datapath.pmd_cores[0], 4);
	config_free(&cfg);
	/* EAL syntax the loader does not interpret is passed on. */
	load_ok("dpdk: {lcores: \"(0-1)@0\"}\nbridges: [{name: b}]\n", &cfg);
	assert_string_equal(cfg.dpdk.lcores, "(0-1)@0");
	assert_int_equal(cfg.datapath.pmd_cores[0], 1);
	config_free(&cfg);
	load_ok("dpdk: {main-lcore: 1}\nbridges: [{name: b}]\n", &cfg);
	assert_int_equal(cfg.datapath.pmd_cores[0], 0);
	config_free(&cfg);
}

static void
test_datapath_id_forms(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	load_ok("bridges:\n"
		"  - {name: a, datapath-id: \"0000000000000abc\"}\n"
		"  - {name: b, datapath-id: \"0xFFFFFFFFFFFFFFFF\"}\n"
		"  - {name: c, datapath-id: 18446744073709551614}\n"
		"  - {name: d, datapath-id: 0x0000000000000100}\n",
		&cfg);
	assert_true(cfg.bridges[0].datapath_id == 0xabc);
	assert_true(cfg.bridges[1].datapath_id == UINT64_MAX);
	assert_true(cfg.bridges[2].datapath_id == UINT64_MAX - 1);
	assert_true(cfg.bridges[3].datapath_id == 0x100);
	config_free(&cfg);
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/pmdswitch-config-test-XXXXXX";
	struct pmdswitch_config cfg;
	char want[256];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(full_yaml, f);
	fclose(f);
	assert_int_equal(config_load_file(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.file, path);
	assert_int_equal(cfg.n_bridges, 3);
	config_free(&cfg);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("bridges:\n  - name: br0\n    ports: 7\n", f);
	fclose(f);
	assert_int_equal(config_load_file(path, &cfg, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:3:12: bridges[0].ports: expected a sequence, got \"7\"",
		 path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(config_load_file(path, &cfg, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
		 strerror(ENOENT));
	assert_string_equal(err, want);
	config_free(&cfg);
}

/* ------------------------------------------------------------- errors */

static void
test_err_syntax(void **state)
{
	(void)state;
	expect_error("bridges:\n  - name: br0\n   ports: []\n",
		     "bad.yaml:3:4: syntax error: did not find expected '-' "
		     "indicator (while parsing a block collection at line 2, "
		     "column 3)");
	expect_error("bridges:\n  - {name: br0\n",
		     "bad.yaml:3:1: syntax error: did not find expected ',' "
		     "or '}' (while parsing a flow mapping at line 2, "
		     "column 5)");
	expect_error("bridges:\n\t- name: br0\n",
		     "bad.yaml:2:1: syntax error: found character that "
		     "cannot start any token (while scanning for the next "
		     "token at line 2, column 1)");
	expect_error("bridges: [{name: *nope}]\n",
		     "bad.yaml:1:18: syntax error: found undefined alias");
	expect_error("bridges: [{name: \"br\xff\"}]\n",
		     "bad.yaml:1:21: syntax error: invalid leading UTF-8 "
		     "octet (byte 0xff)");
}

static void
test_err_unknown_key(void **state)
{
	(void)state;
	expect_error("bridge:\n  - name: br0\n",
		     "bad.yaml:1:1: bridge: unknown key (expected one of: "
		     "dpdk, datapath, ctl-socket, bridges, metrics-listen, "
		     "limits)");
	expect_error("dpdk:\n  memroy-mb: 5\nbridges: [{name: br0}]\n",
		     "bad.yaml:2:3: dpdk.memroy-mb: unknown key (expected one "
		     "of: lcores, main-lcore, memory-mb, no-huge, "
		     "extra-args)");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: x}\n"
		     "      - {name: p1, ofport: 2, typo: dpdk, devargs: y}\n",
		     "bad.yaml:5:31: bridges[0].ports[1].typo: unknown key "
		     "(expected one of: name, ofport, type, devargs, rxq, "
		     "path, mode, peer, queues, rxq-size, txq-size, mtu, "
		     "mac, remote-ip, local-ip, key, dst-port, ttl, tos, "
		     "df)");
	/* Keys of other port types are not keys of a dpdk port. */
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: x,\n"
		     "         path: /tmp/s}\n",
		     "bad.yaml:5:10: bridges[0].ports[0].path: not a key of a "
		     "port of type dpdk");
}

static void
test_err_wrong_type(void **state)
{
	(void)state;
	expect_error("- a\n- b\n",
		     "bad.yaml:1:1: (top level): expected a mapping, got a "
		     "sequence");
	expect_error("bridges: br0\n",
		     "bad.yaml:1:10: bridges: expected a sequence, got "
		     "\"br0\"");
	expect_error("dpdk: [1]\nbridges: [{name: br0}]\n",
		     "bad.yaml:1:7: dpdk: expected a mapping, got a sequence");
	expect_error("bridges:\n  - br0\n",
		     "bad.yaml:2:5: bridges[0]: expected a mapping, got "
		     "\"br0\"");
	expect_error("bridges:\n  - name: [br0]\n",
		     "bad.yaml:2:11: bridges[0].name: expected a string, got "
		     "a sequence");
	expect_error("ctl-socket: {a: b}\nbridges: [{name: br0}]\n",
		     "bad.yaml:1:13: ctl-socket: expected a string, got a "
		     "mapping");
	expect_error("bridges: [{name: br0, controllers: \"tcp:1.2.3.4\"}]\n",
		     "bad.yaml:1:36: bridges[0].controllers: expected a "
		     "sequence, got \"tcp:1.2.3.4\"");
	expect_error("bridges: [{name: br0, flows: [[a]]}]\n",
		     "bad.yaml:1:31: bridges[0].flows[0]: expected a string, "
		     "got a sequence");
	expect_error("dpdk: {extra-args: [\"--no-pci\", \"\"]}\n"
		     "bridges: [{name: br0}]\n",
		     "bad.yaml:1:33: dpdk.extra-args[1]: expected a non-empty "
		     "string");
}

static void
test_err_integer(void **state)
{
	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: a}\n"
		     "      - name: p1\n"
		     "        type: dpdk\n"
		     "        ofport: x\n"
		     "        devargs: b\n",
		     "bad.yaml:7:17: bridges[0].ports[1].ofport: expected an "
		     "integer from 1 to 65279, got \"x\"");
	expect_error("bridges: [{name: b, ports: [{name: p, ofport: 65280, "
		     "type: dpdk, devargs: a}]}]\n",
		     "bad.yaml:1:47: bridges[0].ports[0].ofport: expected an "
		     "integer from 1 to 65279, got \"65280\"");
	expect_error("bridges: [{name: b, ports: [{name: p, ofport: 0, "
		     "type: dpdk, devargs: a}]}]\n",
		     "bad.yaml:1:47: bridges[0].ports[0].ofport: expected an "
		     "integer from 1 to 65279, got \"0\"");
	expect_error("bridges: [{name: b, ports: [{name: p, ofport: 1, "
		     "type: dpdk, devargs: a, rxq: -1}]}]\n",
		     "bad.yaml:1:79: bridges[0].ports[0].rxq: expected an "
		     "integer from 1 to 1024, got \"-1\"");
	expect_error("dpdk:\n  memory-mb: 1.5\nbridges: [{name: b}]\n",
		     "bad.yaml:2:14: dpdk.memory-mb: expected an integer from "
		     "1 to 1048576, got \"1.5\"");
	expect_error("datapath:\n  megaflow-max: 99999999999999999999999\n"
		     "bridges: [{name: b}]\n",
		     "bad.yaml:2:17: datapath.megaflow-max: expected an "
		     "integer from 1 to 16777216, got "
		     "\"99999999999999999999999\"");
	expect_error("datapath:\n  emc-min-hit-pct: 101\nbridges: [{name: b}]\n",
		     "bad.yaml:2:20: datapath.emc-min-hit-pct: expected an "
		     "integer from 0 to 100, got \"101\"");
	expect_error("datapath:\n  upcall-cycle-share: 101\n"
		     "bridges: [{name: b}]\n",
		     "bad.yaml:2:23: datapath.upcall-cycle-share: expected an "
		     "integer from 0 to 100, got \"101\"");
	expect_error("datapath:\n  emc-entries: \"\"\nbridges: [{name: b}]\n",
		     "bad.yaml:2:16: datapath.emc-entries: expected an "
		     "integer from 0 to 1048576, got \"\"");
	expect_error("bridges: [{name: b, ports: [{name: p, ofport: ,"
		     " type: dpdk, devargs: a}]}]\n",
		     "bad.yaml:1:47: bridges[0].ports[0].ofport: expected an "
		     "integer from 1 to 65279, got nothing");
	expect_error("dpdk:\n  main-lcore: 1024\nbridges: [{name: b}]\n",
		     "bad.yaml:2:15: dpdk.main-lcore: expected an integer "
		     "from 0 to 1023, got \"1024\"");
}

static void
test_err_bool(void **state)
{
	(void)state;
	expect_error("dpdk:\n  no-huge: maybe\nbridges: [{name: b}]\n",
		     "bad.yaml:2:12: dpdk.no-huge: expected true or false, "
		     "got \"maybe\"");
	expect_error("dpdk:\n  no-huge: 1\nbridges: [{name: b}]\n",
		     "bad.yaml:2:12: dpdk.no-huge: expected true or false, "
		     "got \"1\"");
}

static void
test_err_duplicate_bridge(void **state)
{
	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "  - name: br1\n"
		     "  - name: br0\n",
		     "bad.yaml:4:11: bridges[2].name: duplicate bridge name "
		     "\"br0\" (first at line 2)");
}

static void
test_err_duplicate_port(void **state)
{
	(void)state;
	/* Within one bridge. */
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: a}\n"
		     "      - {name: p0, ofport: 2, type: dpdk, devargs: b}\n",
		     "bad.yaml:5:16: bridges[0].ports[1].name: duplicate port "
		     "name \"p0\" (also in bridge br0 at line 4)");
	/* Across bridges. */
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: a}\n"
		     "  - name: br1\n"
		     "    ports:\n"
		     "      - name: p0\n"
		     "        ofport: 1\n"
		     "        type: dpdk\n"
		     "        devargs: b\n",
		     "bad.yaml:7:15: bridges[1].ports[0].name: duplicate port "
		     "name \"p0\" (also in bridge br0 at line 4)");
}

static void
test_err_duplicate_ofport(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 7, type: dpdk, devargs: a}\n"
		     "      - {name: p1, ofport: 7, type: dpdk, devargs: b}\n",
		     "bad.yaml:5:28: bridges[0].ports[1].ofport: duplicate "
		     "ofport 7 (also used by port p0 at line 4)");
	/* The same ofport on two bridges is fine. */
	load_ok("bridges:\n"
		"  - name: br0\n"
		"    ports: [{name: p0, ofport: 7, type: dpdk, devargs: a}]\n"
		"  - name: br1\n"
		"    ports: [{name: p1, ofport: 7, type: dpdk, devargs: b}]\n",
		&cfg);
	config_free(&cfg);
}

static void
test_err_missing_key(void **state)
{
	(void)state;
	expect_error("dpdk: {no-huge: true}\n",
		     "bad.yaml:1:1: bridges: required key is missing");
	expect_error("", "bad.yaml:1:1: bridges: required key is missing (the "
			 "file is empty)");
	expect_error("bridges:\n  - fail-mode: secure\n",
		     "bad.yaml:2:5: bridges[0].name: required key is missing");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - name: p0\n"
		     "        type: dpdk\n"
		     "        devargs: a\n",
		     "bad.yaml:4:9: bridges[0].ports[0].ofport: required key "
		     "is missing");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports: [{name: p0, ofport: 1, devargs: a}]\n",
		     "bad.yaml:3:13: bridges[0].ports[0].type: required key "
		     "is missing");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports: [{ofport: 1, type: dpdk, devargs: a}]\n",
		     "bad.yaml:3:13: bridges[0].ports[0].name: required key "
		     "is missing");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk}\n",
		     "bad.yaml:4:9: bridges[0].ports[0].devargs: required key "
		     "is missing (type dpdk takes a PCI address or vdev "
		     "devargs)");
	expect_error("bridges: []\n",
		     "bad.yaml:1:10: bridges: expected a list of at least one "
		     "bridge");
}

static void
test_err_port_type(void **state)
{
	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: tap, devargs: a}\n",
		     "bad.yaml:4:37: bridges[0].ports[0].type: unknown port "
		     "type \"tap\" (supported: dpdk, vhost-user, patch, "
		     "vxlan, geneve)");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: vm1, ofport: 3, type: vhost-user,\n"
		     "         path: /run/pmdswitch/vm1.sock, mode: both}\n",
		     "bad.yaml:5:47: bridges[0].ports[0].mode: expected "
		     "server or client, got \"both\"");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: vm1, ofport: 3, type: vhost-user}\n",
		     "bad.yaml:4:9: bridges[0].ports[0].path: required key is "
		     "missing (type vhost-user takes the socket path)");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: vm1, ofport: 3, type: vhost-user,\n"
		     "         path: /a.sock, devargs: x}\n",
		     "bad.yaml:5:25: bridges[0].ports[0].devargs: not a key of "
		     "a port of type vhost-user");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: x, ofport: 3, type: patch, peer: y}\n",
		     "bad.yaml:4:49: bridges[0].ports[0].peer: no port named "
		     "\"y\"");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: x, ofport: 3, type: patch, peer: y}\n"
		     "      - {name: y, ofport: 4, type: patch, peer: x}\n",
		     "bad.yaml:4:49: bridges[0].ports[0].peer: port y is in "
		     "the same bridge br0; a patch port joins two bridges");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: a,\n"
		     "         mac: \"01:00:00:00:00:01\"}\n",
		     "bad.yaml:5:15: bridges[0].ports[0].mac: expected a "
		     "unicast address, got multicast \"01:00:00:00:00:01\"");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports:\n"
		     "      - {name: p0, ofport: 1, type: dpdk, devargs: a,\n"
		     "         rxq-size: 1000}\n",
		     "bad.yaml:5:20: bridges[0].ports[0].rxq-size: expected a "
		     "power of two from 64 to 16384 descriptors, got \"1000\"");
}

static void
test_port_types(void **state)
{
	struct pmdswitch_config cfg;
	char err[512];
	const struct cfg_port *p;
	size_t b;

	(void)state;
	assert_int_equal(config_load_string(
		"bridges:\n"
		"  - name: a\n"
		"    ports:\n"
		"      - {name: vm1, ofport: 1, type: vhost-user, path: /s.sock,"
		" mode: client, queues: 2, mtu: 9000, mac: \"02:00:00:00:00:0a\"}\n"
		"      - {name: pa, ofport: 2, type: patch, peer: pb}\n"
		"  - name: b\n"
		"    ports:\n"
		"      - {name: pb, ofport: 1, type: patch, peer: pa}\n"
		"      - {name: p0, ofport: 2, type: dpdk, devargs: net_null0,"
		" rxq-size: 512, txq-size: 256}\n", "ok.yaml", &cfg, err,
		sizeof(err)), 0);
	p = config_find_port(&cfg, "vm1", &b);
	assert_non_null(p);
	assert_int_equal(b, 0);
	assert_int_equal(p->kind, CFG_PORT_VHOST_USER);
	assert_int_equal(p->mode, CFG_VHOST_CLIENT);
	assert_int_equal(p->queues, 2);
	assert_int_equal(p->rxq, 2);
	assert_int_equal(p->mtu, 9000);
	assert_true(p->has_mac);
	assert_int_equal(p->mac[5], 0x0a);
	p = config_find_port(&cfg, "pb", &b);
	assert_int_equal(b, 1);
	assert_int_equal(p->kind, CFG_PORT_PATCH);
	assert_string_equal(p->peer, "pa");
	p = config_find_port(&cfg, "p0", &b);
	assert_int_equal(p->rxq_size, 512);
	assert_int_equal(p->txq_size, 256);
	config_free(&cfg);
}

static void
test_limits(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	load_ok("limits:\n  max-rules: 1000\n  max-groups: 10\n"
		"  max-meters: 5\n  max-instruction-sets: 50\n"
		"  max-conn-backlog-kb: 256\n"
		"  max-connections-per-listener: 8\n"
		"  max-accepted-connections: 16\n"
		"bridges: [{name: br0}]\n", &cfg);
	assert_int_equal(cfg.limits.max_rules, 1000);
	assert_int_equal(cfg.limits.max_groups, 10);
	assert_int_equal(cfg.limits.max_meters, 5);
	assert_int_equal(cfg.limits.max_instruction_sets, 50);
	assert_int_equal(cfg.limits.max_conn_backlog_kb, 256);
	assert_int_equal(cfg.limits.max_connections_per_listener, 8);
	assert_int_equal(cfg.limits.max_accepted_connections, 16);
	config_free(&cfg);
	load_ok("bridges: [{name: br0}]\n", &cfg);
	assert_int_equal(cfg.limits.max_rules, 0);	/* The default. */
	config_free(&cfg);
	expect_error("limits:\n  max-rules: 0\nbridges: [{name: br0}]\n",
		     "bad.yaml:2:14: limits.max-rules: expected an integer "
		     "from 1 to 100000000, got \"0\"");
	expect_error("limits:\n  max-conn-backlog-kb: 8\n"
		     "bridges: [{name: br0}]\n",
		     "bad.yaml:2:24: limits.max-conn-backlog-kb: expected an "
		     "integer from 64 to 1048576, got \"8\"");
	expect_error("limits:\n  max-flows: 5\nbridges: [{name: br0}]\n",
		     "bad.yaml:2:3: limits.max-flows: unknown key (expected "
		     "one of: max-rules, max-groups, max-meters, "
		     "max-instruction-sets, max-conn-backlog-kb, "
		     "max-connections-per-listener, max-accepted-connections)");
}

static void
test_err_fail_mode(void **state)
{
	(void)state;
	expect_error("bridges:\n  - name: br0\n    fail-mode: open\n",
		     "bad.yaml:3:16: bridges[0].fail-mode: expected secure or "
		     "standalone, got \"open\"");
}

static void
test_err_pmd_cores(void **state)
{
	(void)state;
	expect_error("datapath:\n  pmd-cores: 1\nbridges: [{name: b}]\n",
		     "bad.yaml:2:14: datapath.pmd-cores: expected a sequence, "
		     "got \"1\"");
	expect_error("datapath:\n  pmd-cores: [1, two]\nbridges: [{name: b}]\n",
		     "bad.yaml:2:18: datapath.pmd-cores[1]: expected an "
		     "integer from 0 to 1023, got \"two\"");
	expect_error("datapath:\n  pmd-cores: []\nbridges: [{name: b}]\n",
		     "bad.yaml:2:14: datapath.pmd-cores: expected a list of "
		     "at least one lcore id");
	expect_error("datapath:\n  pmd-cores: [1, 1]\nbridges: [{name: b}]\n",
		     "bad.yaml:2:18: datapath.pmd-cores[1]: lcore 1 is listed "
		     "twice");
	expect_error("dpdk: {lcores: \"0-1\"}\n"
		     "datapath:\n  pmd-cores: [1, 2]\nbridges: [{name: b}]\n",
		     "bad.yaml:3:18: datapath.pmd-cores[1]: lcore 2 is not in "
		     "dpdk.lcores \"0-1\"");
	expect_error("dpdk: {lcores: \"0-1\", main-lcore: 3}\n"
		     "bridges: [{name: b}]\n",
		     "bad.yaml:1:35: dpdk.main-lcore: lcore 3 is not in "
		     "dpdk.lcores \"0-1\"");
	expect_error(
		"dpdk: {main-lcore: 2}\n"
		"datapath:\n  pmd-cores: [1, 2]\nbridges: [{name: b}]\n",
		"bad.yaml:3:18: datapath.pmd-cores[1]: lcore 2 is the main "
		"lcore (dpdk.main-lcore); a PMD needs an lcore of its own");
	expect_error(
		"dpdk: {lcores: \"1-3\"}\n"
		"datapath:\n  pmd-cores: [1]\nbridges: [{name: b}]\n",
		"bad.yaml:3:15: datapath.pmd-cores[0]: lcore 1 is the main "
		"lcore (the first of dpdk.lcores); a PMD needs an lcore of "
		"its own");
	expect_error("dpdk: {lcores: all}\nbridges: [{name: b}]\n",
		     "bad.yaml:1:16: dpdk.lcores: expected an lcore list such "
		     "as \"0-3\" or \"0,2,4\" (lcore ids below 1024), got "
		     "\"all\"");
}

static void
test_err_ring_size(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	expect_error("datapath:\n  upcall-ring-size: 1000\n"
		     "bridges: [{name: b}]\n",
		     "bad.yaml:2:21: datapath.upcall-ring-size: expected a "
		     "power of two from 16 to 16777216, got \"1000\"");
	expect_error("datapath:\n  upcall-ring-size: 8\n"
		     "bridges: [{name: b}]\n",
		     "bad.yaml:2:21: datapath.upcall-ring-size: expected a "
		     "power of two from 16 to 16777216, got \"8\"");
	load_ok("datapath:\n  upcall-ring-size: 65536\nbridges: [{name: b}]\n",
		&cfg);
	assert_int_equal(cfg.datapath.upcall_ring_size, 65536);
	config_free(&cfg);
}

static void
test_err_duplicate_key(void **state)
{
	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    fail-mode: secure\n"
		     "    name: br1\n",
		     "bad.yaml:4:5: bridges[0].name: duplicate key (first at "
		     "line 2)");
	expect_error("bridges: [{name: b}]\nbridges: [{name: c}]\n",
		     "bad.yaml:2:1: bridges: duplicate key (first at line 1)");
}

static void
test_err_datapath_id(void **state)
{
	(void)state;
	expect_error("bridges:\n  - name: br0\n    datapath-id: \"0xzz\"\n",
		     "bad.yaml:3:18: bridges[0].datapath-id: expected a "
		     "64-bit datapath id, hex (\"0x0000000000000001\") or an "
		     "integer, got \"0xzz\"");
	expect_error("bridges:\n  - name: br0\n"
		     "    datapath-id: \"0x00000000000000001\"\n",
		     "bad.yaml:3:18: bridges[0].datapath-id: expected a "
		     "64-bit datapath id, hex (\"0x0000000000000001\") or an "
		     "integer, got \"0x00000000000000001\"");
	expect_error("bridges:\n  - name: br0\n    datapath-id: -1\n",
		     "bad.yaml:3:18: bridges[0].datapath-id: expected a "
		     "64-bit datapath id, hex (\"0x0000000000000001\") or an "
		     "integer, got \"-1\"");
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "  - name: br1\n"
		     "    datapath-id: 1\n",
		     "bad.yaml:4:18: bridges[1].datapath-id: datapath id "
		     "0x0000000000000001 is also used by bridge br0 (its "
		     "default: index + 1)");
}

static void
test_err_targets(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	expect_error("bridges:\n  - name: br0\n"
		     "    controllers: [\"192.0.2.1:6653\"]\n",
		     "bad.yaml:3:19: bridges[0].controllers[0]: expected "
		     "tcp:HOST[:PORT] or ssl:HOST[:PORT], got "
		     "\"192.0.2.1:6653\"");
	expect_error("bridges:\n  - name: br0\n"
		     "    controllers: [\"tcp:1.2.3.4:70000\"]\n",
		     "bad.yaml:3:19: bridges[0].controllers[0]: expected "
		     "tcp:HOST[:PORT] or ssl:HOST[:PORT], got "
		     "\"tcp:1.2.3.4:70000\"");
	expect_error("bridges:\n  - name: br0\n"
		     "    listen: [\"ptcp:6653:127.0.0.1\", \"tcp:6653\"]\n",
		     "bad.yaml:3:37: bridges[0].listen[1]: expected "
		     "ptcp:[PORT][:IP] or pssl:[PORT][:IP], got \"tcp:6653\"");
	load_ok("bridges:\n  - name: br0\n"
		"    controllers: [\"tcp:ctl.example\", \"tcp:[::1]\"]\n"
		"    listen: [\"ptcp:0\", \"pssl:6654\", \"ptcp::::1\"]\n",
		&cfg);
	config_free(&cfg);
}

static void
test_metrics_listen(void **state)
{
	struct pmdswitch_config cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];

	(void)state;
	load_ok("bridges:\n  - name: br0\nmetrics-listen: \"127.0.0.1:9357\"\n",
		&cfg);
	assert_string_equal(cfg.metrics_listen, "127.0.0.1:9357");
	assert_int_equal(cfg.metrics_listen_mark.line, 3);
	config_free(&cfg);
	load_ok("bridges:\n  - name: br0\n", &cfg);
	assert_null(cfg.metrics_listen);
	config_free(&cfg);
	expect_error("bridges:\n  - name: br0\nmetrics-listen: localhost:9357\n",
		     "bad.yaml:3:17: metrics-listen: \"localhost\" is not an "
		     "IPv4 address (a name is not resolved; IPv6 goes in "
		     "brackets)");
	expect_error("bridges:\n  - name: br0\nmetrics-listen: \"10.0.0.1:0\"\n",
		     "bad.yaml:3:17: metrics-listen: port \"0\" is not a "
		     "number from 1 to 65535");
	expect_error("bridges:\n  - name: br0\nmetrics-listen: \"::1:80\"\n",
		     "bad.yaml:3:17: metrics-listen: expected \"IP:PORT\" "
		     "(e.g. \"127.0.0.1:9357\") or \"[IPv6]:PORT\", got "
		     "\"::1:80\"");
	expect_error("bridges:\n  - name: br0\nmetrics-listen: \"[::1]80\"\n",
		     "bad.yaml:3:17: metrics-listen: expected \"[IPv6]:PORT\", "
		     "got \"[::1]80\"");
	assert_int_equal(config_parse_listen("[::1]:9357", &ss, &len, why,
					     sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(config_parse_listen("0.0.0.0:65535", &ss, &len, why,
					     sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(config_parse_listen("1.2.3.4:x", &ss, &len, why,
					     sizeof(why)), -EINVAL);
}

static void
test_err_names(void **state)
{
	(void)state;
	expect_error("bridges:\n  - name: \"br 0\"\n",
		     "bad.yaml:2:11: bridges[0].name: character ' ' is not "
		     "allowed in a name, got \"br 0\"");
	expect_error("bridges:\n  - name: br0\n"
		     "    ports: [{name: a-very-long-port-name, ofport: 1, "
		     "type: dpdk, devargs: a}]\n",
		     "bad.yaml:3:20: bridges[0].ports[0].name: expected at "
		     "most 15 characters (the OpenFlow limit), got "
		     "\"a-very-long-port-name\"");
}

static void
test_err_documents(void **state)
{
	(void)state;
	expect_error("bridges: [{name: a}]\n---\nbridges: [{name: b}]\n",
		     "bad.yaml:3:1: (document): only one YAML document is "
		     "allowed");
}

static void
test_err_long_value(void **state)
{
	(void)state;
	/* Values are quoted back shortened and escaped, on one line. */
	expect_error("bridges:\n  - name: br0\n    fail-mode: \"secure\\n"
		     "0123456789012345678901234567890123456789\"\n",
		     "bad.yaml:3:16: bridges[0].fail-mode: expected secure or "
		     "standalone, got \"secure\\x0a0123456789012345678901234"
		     "56789012\"...");
}

static void
test_no_err_buffer(void **state)
{
	struct pmdswitch_config cfg;

	(void)state;
	assert_int_equal(
		config_load_string("bridges: 1\n", NULL, &cfg, NULL, 0),
		-EINVAL);
	config_free(&cfg);
	assert_int_equal(
		config_load_string("bridges: 1\n", "short", &cfg, err, 8),
		-EINVAL);
	assert_string_equal(err, "short:1");
	config_free(&cfg);
}

/* Anchors and aliases are refused where they are: an alias repeats its
 * anchor's whole value, so [*a, *a, ...] over a large anchor would stand
 * for an unbounded configuration. */
static void
test_err_yaml_aliases(void **state)
{
	static const char head[] =
		"bridges:\n"
		"  - name: br0\n"
		"    datapath-id: \"0x1\"\n";
	char *big;
	size_t n = 0, cap = 1 << 20;

	(void)state;
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    flows: [&f \"priority=0,actions=drop\", *f]\n",
		     "bad.yaml:3:13: yaml: anchors (&f) are not supported: "
		     "write the value out");
	/* A key with a line break (found by the config fuzz target): the
	 * error stays one line. */
	expect_error("bridges:\n"
		     "  - name: br0\n"
		     "    ports: [{name: p, \"mo\\nde\": 1}]\n",
		     "bad.yaml:3:23: bridges[0].ports[0].mo de: unknown key "
		     "(expected one of: name, ofport, type, devargs, rxq, path, "
		     "mode, peer, queues, rxq-size, txq-size, mtu, mac, "
		     "remote-ip, local-ip, key, dst-port, ttl, tos, df)");
	expect_error("x: &m {a: 1}\nbridges: []\n",
		     "bad.yaml:1:4: yaml: anchors (&m) are not supported: "
		     "write the value out");
	/* A 60 KiB flow anchored once and aliased 10,000 times: ~600 MB if
	 * expanded. */
	big = malloc(cap);
	assert_non_null(big);
	n += (size_t)snprintf(big + n, cap - n, "%s    flows:\n      - &a "
			      "\"priority=1,actions=", head);
	for (int i = 0; i < 6000; i++)
		n += (size_t)snprintf(big + n, cap - n, "output:%d,", i % 9 + 1);
	n += (size_t)snprintf(big + n, cap - n, "drop\"\n");
	for (int i = 0; i < 10000 && n + 16 < cap; i++)
		n += (size_t)snprintf(big + n, cap - n, "      - *a\n");
	expect_error(big, "bad.yaml:5:9: yaml: anchors (&a) are not "
		     "supported: write the value out");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_pmd_cores),
		cmocka_unit_test(test_datapath_id_forms),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_wrong_type),
		cmocka_unit_test(test_err_integer),
		cmocka_unit_test(test_err_bool),
		cmocka_unit_test(test_err_duplicate_bridge),
		cmocka_unit_test(test_err_duplicate_port),
		cmocka_unit_test(test_err_duplicate_ofport),
		cmocka_unit_test(test_err_missing_key),
		cmocka_unit_test(test_err_port_type),
		cmocka_unit_test(test_port_types),
		cmocka_unit_test(test_err_fail_mode),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_err_pmd_cores),
		cmocka_unit_test(test_err_ring_size),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_datapath_id),
		cmocka_unit_test(test_err_targets),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_err_documents),
		cmocka_unit_test(test_err_long_value),
		cmocka_unit_test(test_no_err_buffer),
		cmocka_unit_test(test_err_yaml_aliases),
		cmocka_unit_test(test_sflow),
		cmocka_unit_test(test_err_sflow),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
