#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bundles: `ovs-ofctl -O OpenFlow13 --bundle` (the ONF bundle extension).

ofport 1: net_af_packet on a veth whose peer is in a network namespace;
ofports 2 and 3: net_pcap tx_pcap outputs.

1. replace-flows of 10,000 flows while traffic flows. Old table: table 0
   has udp,tp_dst=N (N = 1..10000) -> write_metadata:2, goto_table:1, and
   table 1 has metadata=2 -> output:2. The new table writes metadata 3 and
   table 1 sends metadata=3 to output:3. A packet that saw half of the
   change (a table-0 rule of one side, the table-1 rules of the other)
   meets no table-1 rule and is dropped. Every frame sent must leave
   exactly once, by port 2 or port 3, and both ports must see some (the
   commit happened while the traffic flowed); after the commit's reply
   nothing leaves by port 2. Half the frames are each a new flow, so that
   pipeline lookups (upcalls) run while the bundle is applied.
2. add-flows and replace-flows bundles with one bad flow (a group that
   does not exist) fail, with OFPBFC_MSG_FAILED, and change nothing.
3. A bundle with a flow_mod the switch cannot decode: its own error at
   add time (ovs-ofctl stops there), the commit fails, nothing changes.
4. At the rule budget (limits: max-rules 100, the table full): a
   replace-flows bundle that deletes 50 flows, adds 50 and changes 10
   commits (its deletes make room for its adds; a changed flow replaces
   its rule), and one that would need 101 rules fails with TABLE_FULL
   and changes nothing.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestSkip, VethNs, check, check_eq, frame_tag, info,  # noqa: E402
                     parse_ofctl_flows, pcap_read, run, tempdir, udp_frame)

N_FLOWS = 10000
N_FRAMES = 6000
DPORTS = [1 + (i * 157) % N_FLOWS for i in range(64)]   # 64 flows spread over the table


def table_file(tmp, name, meta, port, extra=()):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for n in range(1, N_FLOWS + 1):
            f.write("table=0,priority=10,udp,tp_dst=%d,actions=write_metadata:%d,goto_table:1\n"
                    % (n, meta))
        f.write("table=1,priority=10,metadata=%d,actions=output:%d\n" % (meta, port))
        for line in extra:
            f.write(line + "\n")
    return path


def flow_set(d):
    return sorted((fl["table"], fl["priority"], fl["match"], fl["actions"])
                  for fl in parse_ofctl_flows(d.ofctl("dump-flows", "@")))


def main(build):
    tmp = tempdir("bundle")
    veth = VethNs("b").setup()
    out = {2: os.path.join(tmp, "out2.pcap"), 3: os.path.join(tmp, "out3.pcap")}
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % out[2]),
        Port("p3", 3, "net_pcap2,tx_pcap=%s" % out[3]),
    # No miss budget: a miss waiting behind the commit's lock on a busy
    # machine must not be dropped by it (a loss here must mean a packet
    # that met half of the change).
    ], datapath={"upcall-cycle-share": 0}).start()
    r = d.ofctl_raw("--bundle", "add-flows", "@", "/dev/null")
    if "bundle" in r.stderr.lower() and "not supported" in r.stderr.lower():
        raise TestSkip("this ovs-ofctl has no --bundle: %s" % r.stderr.strip())

    # 1. The old table, in one bundle too.
    old = table_file(tmp, "old.txt", 2, 2)
    new = table_file(tmp, "new.txt", 3, 3)
    t0 = time.monotonic()
    d.ofctl("--bundle", "add-flows", "@", old)
    info("add-flows --bundle of %d flows: %.2f s" % (N_FLOWS + 1, time.monotonic() - t0))
    check_eq(len(flow_set(d)), N_FLOWS + 1, "the old table is in")

    # Half the frames reuse 64 flows (megaflows, revalidated by the commit),
    # half are each a new flow (an upcall: a pipeline lookup while the
    # bundle is applied).
    frames = [udp_frame(4000, DPORTS[i % len(DPORTS)] if i % 2 == 0 or i < len(DPORTS)
                        else 1 + (i * 7919) % N_FLOWS, tag=i) for i in range(N_FRAMES)]
    # The first frames install the megaflows; then the sender runs while
    # replace-flows commits (about 3 s of traffic, 8 frames a millisecond
    # or so, far below what a PMD takes).
    veth.send(frames[:len(DPORTS)], tmp, batch=8, pause_ms=2)
    time.sleep(0.5)
    sender = threading.Thread(target=veth.send, args=(frames[len(DPORTS):], tmp),
                              kwargs=dict(batch=8, pause_ms=4))
    sender.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    r = d.ofctl_raw("--bundle", "replace-flows", "@", new, timeout=60)
    t_commit = time.monotonic() - t0
    check(r.returncode == 0, "replace-flows --bundle of %d flows succeeds (%.2f s)"
          % (N_FLOWS + 1, t_commit), r.stderr)
    sender.join(60)
    check(not sender.is_alive(), "the sender finished")
    after = [udp_frame(4001, p, tag=100000 + i) for i, p in enumerate(DPORTS)]
    veth.send(after, tmp, batch=8, pause_ms=2)
    time.sleep(1.0)
    flows = flow_set(d)
    check_eq(len(flows), N_FLOWS + 1, "the new table has %d flows" % (N_FLOWS + 1))
    check(all("output:3" in a or "goto_table:1" in a and "0x3" in a for _, _, _, a in flows),
          "every flow is the new table's", str(flows[:3]))
    stats = d.ctl("pmd-stats-show")
    ports = d.ctl("show")
    d.stop()
    info("pmd-stats-show: %s" % stats)
    info("show: %s" % ports)

    got2, got3 = pcap_read(out[2]), pcap_read(out[3])
    tags2 = [frame_tag(f) for f in got2]
    tags3 = [frame_tag(f) for f in got3]
    info("port 2 (old table): %d frames, port 3 (new table): %d frames; commit took %.2f s"
         % (len(tags2), len(tags3), t_commit))
    sent = set(range(N_FRAMES))
    both = set(tags2) & set(tags3)
    check_eq(len(both), 0, "no frame left by both ports")
    check_eq(len(tags2) + len(tags3), N_FRAMES + len(after),
             "every frame left once (none dropped: no packet met half of the change)")
    check_eq(set(tags2) | set(tags3), sent | set(100000 + i for i in range(len(after))),
             "the frames that left are the frames sent")
    check(len(tags2) > 0 and len(tags3) > len(after),
          "traffic crossed the commit: %d frames by the old table, %d by the new"
          % (len(tags2), len(tags3) - len(after)))
    check(all(t < 100000 for t in tags2), "after the commit reply nothing uses the old table")

    # 2. and 3. Bad bundles change nothing.
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1"),
                                  Port("p2", 2, "net_null1,no-rx=1")]).start()
    good = os.path.join(tmp, "good.txt")
    with open(good, "w") as f:
        for n in range(1, 101):
            f.write("priority=5,udp,tp_dst=%d,actions=output:2\n" % n)
    d.ofctl("--bundle", "add-flows", "@", good)
    before = flow_set(d)
    check_eq(len(before), 100, "100 flows in")
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w") as f:
        for n in range(101, 201):
            f.write("priority=5,udp,tp_dst=%d,actions=output:1\n" % n)
        f.write("priority=5,udp,tp_dst=7777,actions=group:99\n")
    for cmd in ("add-flows", "replace-flows"):
        r = d.ofctl_raw("--bundle", cmd, "@", bad)
        text = r.stdout + r.stderr
        check(r.returncode != 0, "%s --bundle with a bad flow fails" % cmd, text)
        check("OFPBAC_BAD_OUT_GROUP" in text and "OFPBFC_MSG_FAILED" in text,
              "%s --bundle: the flow's error, then OFPBFC_MSG_FAILED for the commit" % cmd,
              text)
        check_eq(flow_set(d), before, "%s --bundle with a bad flow changed nothing" % cmd)
    # A flow_mod the switch refuses when it is added (a Nicira action).
    with open(bad, "w") as f:
        f.write("priority=5,udp,tp_dst=8888,actions=output:1\n")
        f.write("priority=5,udp,tp_dst=9999,actions=resubmit(,2)\n")
    r = d.ofctl_raw("--bundle", "add-flows", "@", bad)
    text = r.stdout + r.stderr
    check(r.returncode != 0 and "OFPBAC_BAD_TYPE" in text,
          "a bundle with a flow_mod refused when it is added fails with its error", text)
    check_eq(flow_set(d), before, "and changes nothing")
    d.stop()

    # 4. At the rule budget.
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1"),
                                  Port("p2", 2, "net_null1,no-rx=1")],
               extra_yaml="limits:\n  max-rules: 100\n").start()
    d.ofctl("--bundle", "add-flows", "@", good)
    check_eq(len(flow_set(d)), 100, "the table is full: 100 flows of max-rules 100")
    swap = os.path.join(tmp, "swap.txt")
    with open(swap, "w") as f:
        for n in range(51, 151):
            f.write("priority=5,udp,tp_dst=%d,actions=output:%d\n" % (n, 1 if n <= 60 else 2))
    r = d.ofctl_raw("--bundle", "replace-flows", "@", swap)
    check(r.returncode == 0, "replace-flows --bundle at the budget (50 out, 50 in, 10 changed)"
          " commits", r.stdout + r.stderr)
    after = flow_set(d)
    check_eq(len(after), 100, "still 100 flows")
    check_eq(sorted(int(m.split("tp_dst=")[1]) for _, _, m, _ in after), list(range(51, 151)),
             "the flows are the file's")
    check_eq(sum(1 for _, _, _, a in after if a == "output:1"), 10, "10 flows changed in place")
    with open(swap, "a") as f:
        f.write("priority=5,udp,tp_dst=151,actions=output:2\n")
    r = d.ofctl_raw("--bundle", "replace-flows", "@", swap)
    text = r.stdout + r.stderr
    check(r.returncode != 0 and "OFPFMFC_TABLE_FULL" in text and "OFPBFC_MSG_FAILED" in text,
          "a replace-flows bundle that needs 101 rules fails with TABLE_FULL", text)
    check_eq(flow_set(d), after, "and changes nothing")
    d.stop()


if __name__ == "__main__":
    run(main)
