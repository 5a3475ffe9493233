#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Forwarding by flows from the config file, end to end.

ofport 1: net_pcap rx_pcap with 300 known packets (3 UDP flows x 100,
interleaved, read once); ofports 2 and 3: net_pcap tx_pcap outputs.
Flows: udp dst 5001 -> 2, udp dst 5002 -> 3, everything else dropped.
Checks the exact frames on each output, the PMD counters and the
per-rule counters of dump-flows. Run twice: with the EMC, and with
emc-entries: 0, where every burst takes the PMD's no-EMC path (the one a
bypassed EMC takes): no hash, straight to the megaflows.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check, check_eq, check_frames, expect, info,  # noqa: E402
                     pcap_read, pcap_write, run, tempdir, udp_frame, wait_for)

PER_FLOW = 100
DPORTS = {5001: 2, 5002: 3, 5003: None}     # udp dst port -> ofport (None: drop)


def main(build):
    run_once(build, {}, "fwd")
    run_once(build, {"emc-entries": 0}, "fwd-noemc")


def run_once(build, datapath, name):
    info("--- datapath: %s" % (datapath or "defaults"))
    tmp = tempdir(name)
    frames = []             # (dport, frame)
    for i in range(PER_FLOW):
        for j, dport in enumerate(DPORTS):
            tag = i * len(DPORTS) + j
            frames.append((dport, udp_frame(4000 + j, dport, size=64 + 16 * j, tag=tag)))
    total = len(frames)
    rx = os.path.join(tmp, "in.pcap")
    pcap_write(rx, [f for _, f in frames])
    tx = {2: os.path.join(tmp, "out2.pcap"), 3: os.path.join(tmp, "out3.pcap")}

    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % tx[2]),
        Port("p3", 3, "net_pcap2,tx_pcap=%s" % tx[3]),
    ], flows=[
        "priority=10,in_port=1,udp,tp_dst=5001,actions=output:2",
        "priority=10,in_port=1,udp,tp_dst=5002,actions=output:3",
        "priority=0,actions=drop",
    ], datapath=datapath).start()

    info("checking: all %d packets are processed (pmd-stats-show, 20 s)" % total)
    t = d.wait_packets(total, timeout=20)
    check_eq(t["packets"], total, "pmd-stats total packets == %d" % total)
    info("pmd-stats total: %s" % t)
    for k in ("emc_hits", "megaflow_hits", "misses", "upcalls", "lost_upcalls",
              "parse_errors"):
        check(isinstance(t.get(k), int), "pmd-stats total has integer %r" % k, repr(t))
    check_eq(t["emc_hits"] + t["megaflow_hits"], t["packets"] - t["misses"],
             "emc_hits + megaflow_hits == packets - misses")
    if datapath.get("emc-entries") == 0:
        check_eq(t["emc_hits"], 0, "no EMC: no EMC hits")
        check_eq(t["emc_bypassed"], t["packets"],
                 "no EMC: every packet counted as emc_bypassed")
    check_eq(t["lost_upcalls"], 0, "no lost upcalls")
    check_eq(t["parse_errors"], 0, "no parse errors")
    # Each new flow costs one upcall; packets of the same flow that arrive
    # while its megaflow is being installed should not cost more than a few.
    expect(1 <= t["upcalls"] <= 3 * len(DPORTS),
           "upcalls between 1 and %d (3 per flow)" % (3 * len(DPORTS)),
           "upcalls=%d misses=%d megaflow_hits=%d emc_hits=%d"
           % (t["upcalls"], t["misses"], t["megaflow_hits"], t["emc_hits"]))

    # The per-rule counters are attributed by the slowpath; allow it a moment.
    want = {5001: PER_FLOW, 5002: PER_FLOW, None: PER_FLOW}
    want_bytes = {k: sum(len(f) for dp, f in frames if dp == k) for k in (5001, 5002)}
    want_bytes[None] = sum(len(f) for dp, f in frames if dp == 5003)

    def rule_counts():
        flows = d.dump_flows()
        got = {}
        for fl in flows:
            m = fl["match"]
            key = 5001 if "5001" in m else 5002 if "5002" in m else None
            got[key] = (fl["n_packets"], fl["n_bytes"])
        return got if all(got.get(k, (0,))[0] == v for k, v in want.items()) else None
    try:
        wait_for(rule_counts, 10, what="dump-flows n_packets per rule")
    except Exception:
        info("dump-flows --json: %s" % d.dump_flows())
        raise
    flows = d.dump_flows()
    info("dump-flows --json: %s" % flows)
    check_eq(len(flows), 3, "dump-flows lists the 3 config flows")
    for fl in flows:
        for k in ("table", "priority", "cookie", "duration", "n_packets", "n_bytes",
                  "match", "actions"):
            check(k in fl, "dump-flows entry has key %r" % k, repr(fl))
    for fl in flows:
        m = fl["match"]
        key = 5001 if "5001" in m else 5002 if "5002" in m else None
        check_eq((fl["n_packets"], fl["n_bytes"]), (want[key], want_bytes[key]),
                 "rule %r: n_packets, n_bytes" % m)

    d.stop()
    for ofport in (2, 3):
        want_frames = [f for dp, f in frames if DPORTS[dp] == ofport]
        check_frames(pcap_read(tx[ofport]), want_frames, "ofport %d output" % ofport)


if __name__ == "__main__":
    run(main)
