#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: Debian's ovs-ofctl against pmdswitchd, OpenFlow 1.3 (-O) and
the OpenFlow 1.0 default, every command of issue 5's list, output parsed.

Ports: 1 and 2 are net_pcap tx_pcap outputs (packet-out lands in 2's file).
OpenFlow 1.3 has 254 tables, groups and meters (meters when the datapath
enforces them, else METER_MOD_FAILED/OUT_OF_METERS); tests/interop/
test_pipeline_model.py covers them in depth. 1.0 has no groups or meters:
ovs-ofctl's Nicira requests get BAD_VENDOR, and the meter commands refuse
to run.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import (Daemon, Port, check, check_eq, info, parse_ofctl_flows,  # noqa: E402
                     pcap_read, run, tempdir, udp_frame)


def ofctl(d, version, *args, ok=True):
    cmd = ["-O", "OpenFlow13"] if version == 13 else []
    import subprocess
    r = subprocess.run(["ovs-ofctl"] + cmd + ["--timeout=10"] +
                       [a if a != "@" else d.of_target for a in args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    out = r.stdout + r.stderr
    if ok:
        check(r.returncode == 0, "OF1.%d ovs-ofctl %s succeeds" % (version % 10, args[0]),
              "status %d: %s" % (r.returncode, out.strip()))
    return r.returncode, out


def ports_of_show(text):
    return dict((int(n), name) for n, name in
                re.findall(r"^\s*(\d+)\(([^)]+)\):\s*addr:", text, re.M))


def one_version(d, v, tmp):
    tag = "OF1.%d" % (v % 10)
    # show / desc / tables / ports / ports-desc
    _, out = ofctl(d, v, "show", "@")
    check_eq(ports_of_show(out), {1: "p1", 2: "p2"}, "%s show lists ports 1(p1) 2(p2)" % tag)
    check("dpid:0000000000000001" in out, "%s show: dpid" % tag)
    n_tables = 254 if v == 13 else 1
    check("n_tables:%d" % n_tables in out, "%s show: n_tables:%d" % (tag, n_tables))
    _, out = ofctl(d, v, "dump-desc", "@")
    check("Manufacturer: pmdswitch" in out and "DP Description: br0" in out,
          "%s dump-desc: manufacturer and dp description" % tag)
    _, out = ofctl(d, v, "dump-tables", "@")
    check(re.search(r"table 0", out) is not None and "active=" in out,
          "%s dump-tables: table 0 with counters" % tag)
    if v == 13:
        _, out = ofctl(d, v, "dump-table-features", "@")
        check("max_entries=1000000" in out and "apply_actions" in out,
              "OF1.3 dump-table-features: max_entries and instructions")
    else:
        rc, out = ofctl(d, v, "dump-table-features", "@", ok=False)
        check(rc != 0 and "OpenFlow 1.3" in out,
              "OF1.0 dump-table-features: ovs-ofctl needs 1.3 (refused locally)")
    _, out = ofctl(d, v, "dump-ports", "@")
    check(re.search(r"port\s+1: rx pkts=\d+", out) and re.search(r"port\s+2: rx pkts=\d+", out),
          "%s dump-ports: counters of ports 1 and 2" % tag)
    _, out = ofctl(d, v, "dump-ports-desc", "@")
    check_eq(ports_of_show(out), {1: "p1", 2: "p2"}, "%s dump-ports-desc" % tag)

    # mod-port: no-flood (1.0) / no-packet-in (1.3), then back
    flag = "no-packet-in" if v == 13 else "no-flood"
    ofctl(d, v, "mod-port", "@", "p1", flag)
    _, out = ofctl(d, v, "dump-ports-desc", "@")
    block = out.split(" 2(p2)")[0]
    check(flag.upper().replace("-", "_") in block.upper().replace("-", "_"),
          "%s mod-port p1 %s shows in the port's config" % (tag, flag), out)
    ofctl(d, v, "mod-port", "@", "p1", flag.replace("no-", ""))
    _, out = ofctl(d, v, "dump-ports-desc", "@")
    check("config:     0" in out.split(" 2(p2)")[0], "%s mod-port p1 back to config 0" % tag)
    rc, out = ofctl(d, v, "mod-port", "@", "9", "up", ok=False)
    check(rc != 0, "%s mod-port on a missing port fails" % tag)

    # flows
    ofctl(d, v, "del-flows", "@")
    ofctl(d, v, "add-flow", "@", "priority=20,in_port=1,udp,tp_dst=6001,actions=output:2")
    ffile = os.path.join(tmp, "flows%d.txt" % v)
    with open(ffile, "w") as f:
        for i in range(200):
            f.write("priority=10,ip,nw_dst=10.1.%d.%d,actions=output:2\n" % (i // 250, i % 250))
        f.write("priority=5,tcp,actions=drop\n")
    ofctl(d, v, "add-flows", "@", ffile)
    _, out = ofctl(d, v, "dump-flows", "@")
    flows = parse_ofctl_flows(out)
    check_eq(len(flows), 202, "%s dump-flows lists 202 flows" % tag)
    first = flows[0]
    check_eq((first["priority"], first["actions"]), (20, "output:2"),
             "%s dump-flows: highest priority first" % tag)
    _, out = ofctl(d, v, "dump-aggregate", "@")
    check("flow_count=202" in out, "%s dump-aggregate flow_count=202" % tag, out)
    _, out = ofctl(d, v, "dump-aggregate", "@", "ip,nw_dst=10.1.0.0/24")
    check("flow_count=200" in out, "%s dump-aggregate with a match: 200" % tag, out)
    ofctl(d, v, "mod-flows", "@", "ip,nw_dst=10.1.0.7,actions=output:1")
    _, out = ofctl(d, v, "dump-flows", "@", "ip,nw_dst=10.1.0.7")
    got = parse_ofctl_flows(out)
    check(len(got) == 1 and got[0]["actions"] == "output:1",
          "%s mod-flows changed the actions of one flow" % tag, out)
    ofctl(d, v, "del-flows", "@", "ip,nw_dst=10.1.0.0/24")
    _, out = ofctl(d, v, "dump-flows", "@")
    check_eq(len(parse_ofctl_flows(out)), 2, "%s del-flows with a match leaves 2 flows" % tag)
    ofctl(d, v, "del-flows", "@", "--strict", "priority=5,tcp")
    _, out = ofctl(d, v, "dump-flows", "@")
    check_eq(len(parse_ofctl_flows(out)), 1, "%s del-flows --strict removes one" % tag)
    # ~100 KB of flow stats: the reply comes in several messages flagged
    # "more", and ovs-ofctl must see every flow of every part.
    big = os.path.join(tmp, "big%d.txt" % v)
    with open(big, "w") as f:
        for i in range(1000):
            f.write("priority=7,ip,nw_src=10.2.%d.%d,actions=output:2\n" % (i // 250, i % 250))
    ofctl(d, v, "add-flows", "@", big)
    _, out = ofctl(d, v, "dump-flows", "@")
    check_eq(len(parse_ofctl_flows(out)), 1001, "%s dump-flows of 1001 flows (a split reply)" % tag)
    ofctl(d, v, "del-flows", "@", "ip,nw_src=10.2.0.0/16")
    if v == 13:
        # 254 tables: 0..253.
        rc, out = ofctl(d, v, "add-flow", "@", "table=3,actions=drop", ok=False)
        check(rc == 0, "OF1.3 add-flow to table 3 is accepted", out)
        ofctl(d, v, "del-flows", "@", "table=3")
        rc, out = ofctl(d, v, "add-flow", "@", "table=254,actions=drop", ok=False)
        check(rc != 0, "OF1.3 add-flow to table 254 is refused", out)
    else:
        rc, out = ofctl(d, v, "add-flow", "@", "table=3,actions=drop", ok=False)
        check(rc != 0 and ("BAD_TABLE_ID" in out or "table" in out.lower()),
              "%s add-flow to table 3 is refused" % tag, out)

    # groups and meters
    rc, out = ofctl(d, v, "add-group", "@", "group_id=1,type=all,bucket=output:1", ok=False)
    if v == 13:
        check(rc == 0, "OF1.3 add-group type=all succeeds", out)
        rc, out = ofctl(d, v, "add-group", "@", "group_id=1,type=all,bucket=output:1", ok=False)
        check(rc != 0 and "OFPGMFC_GROUP_EXISTS" in out,
              "OF1.3 add-group again: GROUP_MOD_FAILED/GROUP_EXISTS", out)
        rc, out = ofctl(d, v, "mod-group", "@", "group_id=9,type=all,bucket=output:2", ok=False)
        check(rc != 0 and "OFPGMFC_UNKNOWN_GROUP" in out,
              "OF1.3 mod-group: GROUP_MOD_FAILED/UNKNOWN_GROUP", out)
        _, out = ofctl(d, v, "dump-groups", "@")
        check_eq(len([ln for ln in out.splitlines() if "group_id=1" in ln]), 1,
                 "OF1.3 dump-groups lists the group")
        _, out = ofctl(d, v, "del-groups", "@")
        check("ERROR" not in out, "OF1.3 del-groups is not an error", out)
        _, out = ofctl(d, v, "dump-groups", "@")
        check_eq([ln for ln in out.splitlines() if "group_id" in ln], [], "OF1.3 dump-groups is empty")
        _, out = ofctl(d, v, "dump-group-stats", "@")
        check("OFPST_GROUP reply" in out and "group_id" not in out, "OF1.3 dump-group-stats is empty")
        rc, out = ofctl(d, v, "add-meter", "@", "meter=1,kbps,band=type=drop,rate=1000", ok=False)
        # The datapath enforces meters (the daemon gives ofproto meter_set).
        check(rc == 0, "OF1.3 add-meter accepted", out)
        have_meter = True
        _, out = ofctl(d, v, "dump-meters", "@")
        check("OFPST_METER_CONFIG reply" in out and ("meter=1" in out) == have_meter,
              "OF1.3 dump-meters shows what was added", out)
        ofctl(d, v, "del-meters", "@", ok=False)
        _, out = ofctl(d, v, "meter-stats", "@")
        check("OFPST_METER reply" in out and "meter:" not in out, "OF1.3 meter-stats is empty")
    else:
        check(rc != 0 and "OFPBRC_BAD_VENDOR" in out,
              "OF1.0 add-group (Nicira extension): BAD_REQUEST/BAD_VENDOR", out)
        for cmd in (("mod-group", "@", "group_id=1,type=all,bucket=output:2"),
                    ("del-groups", "@"), ("dump-groups", "@"), ("dump-group-stats", "@")):
            rc, out = ofctl(d, v, *cmd, ok=False)
            check("OFPBRC_BAD_VENDOR" in out, "OF1.0 %s: BAD_VENDOR" % cmd[0], out)
        for cmd in (("add-meter", "@", "meter=1,kbps,band=type=drop,rate=1000"),
                    ("dump-meters", "@"), ("meter-stats", "@")):
            rc, out = ofctl(d, v, *cmd, ok=False)
            check(rc != 0 and "OpenFlow13" in out,
                  "OF1.0 %s: ovs-ofctl needs 1.3 (refused locally)" % cmd[0], out)

    # queue-get-config
    _, out = ofctl(d, v, "queue-get-config", "@", "1")
    check("QUEUE_GET_CONFIG_REPLY" in out and "queue" not in out.split("REPLY")[1].lower(),
          "%s queue-get-config: no queues" % tag, out)

    # packet-out: one UDP frame to port 2
    frame = udp_frame(1111, 2222, tag=0x5000 + v).hex()
    ofctl(d, v, "packet-out", "@", "in_port=controller,packet=%s,actions=output:2" % frame)


def main(build):
    tmp = tempdir("interop-ofctl")
    out2 = os.path.join(tmp, "out2.pcap")
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,tx_pcap=%s" % os.path.join(tmp, "out1.pcap")),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % out2),
    ]).start()
    for v in (13, 10):
        info("---- OpenFlow 1.%d ----" % (v % 10))
        one_version(d, v, tmp)
    d.stop()
    frames = pcap_read(out2)
    want = [udp_frame(1111, 2222, tag=0x5000 + v) for v in (13, 10)]
    check_eq([f for f in frames if f in want], want,
             "packet-out (1.3 then 1.0) put exactly the two frames on port 2")


if __name__ == "__main__":
    run(main)
