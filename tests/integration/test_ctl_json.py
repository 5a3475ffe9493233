#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""pmdswitch-ctl --json: every command prints one JSON document with the
documented keys; a bad command exits with status 1 and a message.

ofport 1: net_pcap rx_pcap with 10 packets (read once); ofport 2: net_null.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check, check_eq, gen_udp_flows, info,  # noqa: E402
                     pcap_write, run, tempdir, wait_for)

PORT_KEYS = ("name", "ofport", "devargs", "dpdk_port_id", "rx_packets", "tx_packets",
             "rx_dropped", "tx_dropped")
PMD_KEYS = ("packets", "emc_hits", "megaflow_hits", "misses", "upcalls", "lost_upcalls",
            "parse_errors", "cycles_per_packet")
FLOW_KEYS = ("table", "priority", "cookie", "duration", "n_packets", "n_bytes", "match",
             "actions")
N = 10


def keys(obj, names, what):
    check(isinstance(obj, dict), "%s is an object" % what, repr(obj))
    missing = [k for k in names if k not in obj]
    check(not missing, "%s has keys %s" % (what, ", ".join(names)),
          "missing %s in %r" % (missing, obj))


def main(build):
    tmp = tempdir("ctl")
    rx = os.path.join(tmp, "in.pcap")
    pcap_write(rx, gen_udp_flows(N))
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=10,in_port=1,udp,actions=output:2", "priority=0,actions=drop"]).start()

    # version
    v = d.ctl("version")
    keys(v, ("version",), "version --json")
    check_eq(v["version"], "0.1.0", "version is the project version")
    text = d.ctl("version", use_json=False)
    check("0.1.0" in text, "version (text) prints 0.1.0", repr(text))

    # pmd-stats-show
    d.wait_packets(N, timeout=20)
    st = d.ctl("pmd-stats-show")
    keys(st, ("pmds", "total"), "pmd-stats-show --json")
    check(isinstance(st["pmds"], list) and len(st["pmds"]) == 1,
          "pmd-stats-show: one PMD", repr(st["pmds"]))
    keys(st["pmds"][0], ("core",) + PMD_KEYS, "pmd-stats-show pmds[0]")
    check_eq(st["pmds"][0]["core"], 1, "the PMD runs on lcore 1")
    keys(st["total"], PMD_KEYS, "pmd-stats-show total")
    for k in PMD_KEYS:
        check(isinstance(st["total"][k], (int, float)) and st["total"][k] >= 0,
              "total %s is a number >= 0" % k, repr(st["total"][k]))
        if k != "cycles_per_packet":
            check_eq(st["total"][k], st["pmds"][0][k], "total %s == the one PMD's" % k)
    check_eq(st["total"]["packets"], N, "%d packets processed" % N)

    # show
    s = d.ctl("show")
    keys(s, ("version", "bridges", "pmds"), "show --json")
    check(len(s["bridges"]) == 1, "show: one bridge", repr(s["bridges"]))
    br = s["bridges"][0]
    keys(br, ("name", "datapath_id", "ports"), "show bridges[0]")
    check_eq(br["name"], "br0", "bridge name")
    check(isinstance(br["datapath_id"], str) and int(br["datapath_id"], 16) == 1,
          "datapath_id is \"0x...\" with value 1", repr(br["datapath_id"]))
    check_eq([p.get("name") for p in br["ports"]], ["p1", "p2"], "ports p1, p2")
    for p in br["ports"]:
        keys(p, PORT_KEYS, "show port %s" % p.get("name"))
    p1, p2 = br["ports"]
    check_eq((p1["ofport"], p2["ofport"]), (1, 2), "ofports 1, 2")
    check(p1["devargs"].startswith("net_pcap0,"), "p1 devargs", repr(p1["devargs"]))
    check(p1["dpdk_port_id"] != p2["dpdk_port_id"], "distinct dpdk port ids")
    wait_for(lambda: d.ctl("show")["bridges"][0]["ports"][1]["tx_packets"] == N, 5,
             what="p2 tx_packets == %d" % N)
    s = d.ctl("show")
    check_eq(s["bridges"][0]["ports"][0]["rx_packets"], N, "p1 rx_packets == %d" % N)
    check(isinstance(s["pmds"], list) and len(s["pmds"]) == 1, "show: one PMD", repr(s["pmds"]))
    keys(s["pmds"][0], ("core", "rxqs"), "show pmds[0]")
    check("p1:0" in s["pmds"][0]["rxqs"], "PMD 1 polls rxq p1:0", repr(s["pmds"][0]))

    # dump-flows
    fl = d.ctl("dump-flows", "br0")
    check(isinstance(fl, list) and len(fl) == 2, "dump-flows br0: 2 flows", repr(fl))
    for f in fl:
        keys(f, FLOW_KEYS, "dump-flows entry")
    fl.sort(key=lambda f: -f["priority"])
    check_eq([f["priority"] for f in fl], [10, 0], "flow priorities 10 and 0")
    check_eq(fl[0]["actions"], "output:2", "flow 1 actions")
    check_eq(fl[1]["actions"], "drop", "flow 2 actions")
    check_eq(fl[0]["cookie"], "0x0", "cookie printed as hex string")

    # add-flow / del-flows
    r = d.ctl_raw("add-flow", "br0", "priority=20,in_port=1,tcp,actions=drop")
    check_eq(r.returncode, 0, "add-flow exits 0")
    fl = d.ctl("dump-flows", "br0")
    check(len(fl) == 3 and any(f["priority"] == 20 for f in fl),
          "the added flow is listed", repr(fl))
    r = d.ctl_raw("del-flows", "br0", "tcp")
    check_eq(r.returncode, 0, "del-flows br0 tcp exits 0")
    fl = d.ctl("dump-flows", "br0")
    check(len(fl) == 2 and not any(f["priority"] == 20 for f in fl),
          "del-flows with a match removed only the tcp flow", repr(fl))
    r = d.ctl_raw("del-flows", "br0")
    check_eq(r.returncode, 0, "del-flows br0 exits 0")
    check_eq(d.ctl("dump-flows", "br0"), [], "del-flows br0 removed all flows")

    # pmd-stats-clear
    check_eq(d.ctl_raw("pmd-stats-clear").returncode, 0, "pmd-stats-clear exits 0")
    check_eq(d.pmd_total()["packets"], 0, "pmd-stats-clear zeroes the counters")

    # errors
    for args, what in ((["no-such-command"], "unknown command"),
                       (["dump-flows", "nosuchbr"], "unknown bridge"),
                       (["add-flow", "br0", "priority=1,actions=frobnicate"], "bad flow")):
        r = d.ctl_raw(*args)
        check_eq(r.returncode, 1, "%s exits 1" % what)
        check((r.stderr + r.stdout).strip() != "", "%s prints a message" % what)
        info("   message: %s" % (r.stderr + r.stdout).strip().splitlines()[0])
    r = subprocess.run([os.path.join(build, "pmdswitch-ctl"), "--ctl",
                        os.path.join(tmp, "nonexistent.ctl"), "version"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    check(r.returncode != 0 and r.stderr.strip() != "",
          "a missing socket is an error with a message",
          "status %d, stderr %r" % (r.returncode, r.stderr))
    d.stop()


if __name__ == "__main__":
    run(main)
