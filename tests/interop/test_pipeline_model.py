#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: the OpenFlow 1.3 pipeline model through Debian's ovs-ofctl
(-O OpenFlow13): flows in several tables with goto_table, write_metadata,
meter, set_field, push_vlan and group actions, groups of every type, and
the error codes of bad ones, all read back with ovs-ofctl's own decoder
(dump-flows, dump-groups, dump-group-stats, dump-tables)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import (Daemon, Port, check, check_eq, info,  # noqa: E402
                     parse_ofctl_flows, run, tempdir)


def ofctl(d, *args, ok=True):
    import subprocess
    r = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--timeout=10"] +
                       [a if a != "@" else d.of_target for a in args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    out = r.stdout + r.stderr
    if ok:
        check(r.returncode == 0, "ovs-ofctl %s %s succeeds" % (args[0], " ".join(args[2:])),
              "status %d: %s" % (r.returncode, out.strip()))
    return r.returncode, out


def flows_by_table(d):
    _, out = ofctl(d, "dump-flows", "@")
    got = {}
    for f in parse_ofctl_flows(out):
        got.setdefault(int(f.get("table", 0)), []).append(f)
    return got, out


def main(build):
    tmp = tempdir("interop-pipeline-model")
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,tx_pcap=%s" % os.path.join(tmp, "out1.pcap")),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % os.path.join(tmp, "out2.pcap")),
    ]).start()

    info("---- groups ----")
    ofctl(d, "add-group", "@", "group_id=5,type=select,"
          "bucket=weight:1,actions=output:1,bucket=weight:3,actions=output:2")
    ofctl(d, "add-group", "@", "group_id=6,type=indirect,bucket=actions=group:5")
    ofctl(d, "add-group", "@", "group_id=7,type=ff,"
          "bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2")
    ofctl(d, "add-group", "@", "group_id=8,type=all,"
          "bucket=actions=output:1,bucket=actions=push_vlan:0x8100,set_field:4101->vlan_vid,output:2")
    _, out = ofctl(d, "dump-groups", "@")
    # (ovs-ofctl leaves out the default weight 1.)
    for needle in ("group_id=5,type=select,bucket=actions=output:1,"
                   "bucket=weight:3,actions=output:2",
                   "group_id=6,type=indirect,bucket=actions=group:5",
                   "group_id=7,type=ff,bucket=watch_port:1,actions=output:1,"
                   "bucket=watch_port:2,actions=output:2",
                   "group_id=8,type=all,bucket=actions=output:1,"
                   "bucket=actions=push_vlan:0x8100,set_field:4101->vlan_vid,output:2"):
        check(needle in out, "dump-groups: %s" % needle, out)
    rc, out = ofctl(d, "add-group", "@", "group_id=5,type=all,bucket=actions=output:1", ok=False)
    check(rc != 0 and "OFPGMFC_GROUP_EXISTS" in out, "add-group twice: GROUP_EXISTS", out)
    rc, out = ofctl(d, "mod-group", "@", "group_id=5,type=all,bucket=actions=group:6", ok=False)
    check(rc != 0 and "OFPGMFC_LOOP" in out, "mod-group making a loop: LOOP", out)
    rc, out = ofctl(d, "add-group", "@", "group_id=9,type=ff,bucket=watch_group:99,actions=output:1",
                    ok=False)
    check(rc != 0 and "OFPGMFC_BAD_WATCH" in out, "watching an unknown group: BAD_WATCH", out)
    rc, out = ofctl(d, "del-groups", "@", "group_id=5", ok=False)
    check(rc != 0 and "OFPGMFC_CHAINED_GROUP" in out, "delete a chained group: CHAINED_GROUP", out)
    _, out = ofctl(d, "dump-group-features", "@")
    check("all" in out and "select" in out and "indirect" in out and "fast failover" in out,
          "dump-group-features: four group types", out)

    info("---- flows in several tables ----")
    flows = [
        "table=0,priority=10,ip,actions=write_metadata:0x5/0xff,goto_table:1",
        "table=1,priority=20,ip,metadata=0x5/0xff,"
        "actions=set_field:10.0.0.9->ip_dst,write_actions(output:2),goto_table:2",
        "table=2,priority=5,actions=group:6",
        "table=3,priority=7,ip,in_port=1,actions=push_vlan:0x8100,set_field:4101->vlan_vid,"
        "dec_ttl,output:2",
        "table=4,priority=1,tcp,actions=set_field:8080->tcp_dst,output:1,clear_actions",
        "table=5,priority=0,actions=CONTROLLER:128",
    ]
    for f in flows:
        ofctl(d, "add-flow", "@", f)
    got, out = flows_by_table(d)
    want = {
        0: "write_metadata:0x5/0xff,goto_table:1",
        1: "set_field:10.0.0.9->ip_dst,write_actions(output:2),goto_table:2",
        2: "group:6",
        3: "push_vlan:0x8100,set_field:4101->vlan_vid,dec_ttl,output:2",
        4: "set_field:8080->tcp_dst,output:1,clear_actions",
        5: "CONTROLLER:128",
    }
    for t, acts in want.items():
        check(t in got and got[t][0]["actions"] == acts,
              "dump-flows table=%d: actions=%s" % (t, acts), out)

    info("---- errors ----")
    rc, out = ofctl(d, "add-flow", "@", "table=2,actions=goto_table:1", ok=False)
    check(rc != 0 and "OFPBIC_BAD_TABLE_ID" in out, "goto_table backwards: BAD_TABLE_ID", out)
    rc, out = ofctl(d, "add-flow", "@", "table=0,actions=group:77", ok=False)
    check(rc != 0 and "OFPBAC_BAD_OUT_GROUP" in out, "flow to an unknown group: BAD_OUT_GROUP", out)
    rc, out = ofctl(d, "add-flow", "@", "table=0,actions=meter:9,output:1", ok=False)
    check(rc != 0 and "OFPMMFC_UNKNOWN_METER" in out, "flow with an unknown meter: UNKNOWN_METER", out)

    info("---- tables ----")
    _, out = ofctl(d, "dump-tables", "@")
    check("table 253" in out or "253:" in out, "dump-tables lists table 253", out[-400:])

    info("---- deleting a group removes its flows ----")
    ofctl(d, "del-groups", "@", "group_id=6")
    got, out = flows_by_table(d)
    check(2 not in got, "the flow of table 2 went with group 6", out)
    ofctl(d, "del-flows", "@", "--strict", "table=3,priority=7,ip,in_port=1")
    got, out = flows_by_table(d)
    check(3 not in got, "del-flows --strict in table 3", out)
    check_eq(sorted(got), [0, 1, 4, 5], "the other tables keep their flows")

    info("---- OpenFlow 1.0 actions ----")
    import subprocess
    flow10 = "priority=9,tcp,actions=mod_nw_dst:10.0.0.1,mod_vlan_vid:5,mod_tp_dst:8080,enqueue:1:3"
    r = subprocess.run(["ovs-ofctl", "--timeout=10", "add-flow", d.of_target, flow10],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    check(r.returncode == 0, "OF1.0 add-flow with set actions and enqueue", r.stdout + r.stderr)
    r = subprocess.run(["ovs-ofctl", "--timeout=10", "dump-flows", d.of_target],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    got10 = [f for f in parse_ofctl_flows(r.stdout) if f.get("priority") == 9]
    check(len(got10) == 1 and got10[0]["actions"] ==
          "mod_nw_dst:10.0.0.1,mod_vlan_vid:5,mod_tp_dst:8080,enqueue:1:3",
          "OF1.0 dump-flows gives the actions back", r.stdout + r.stderr)
    d.stop()


if __name__ == "__main__":
    run(main)
