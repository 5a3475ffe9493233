#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two bridges in one daemon joined by patch ports.

br0 (datapath id 1): a0 (ofport 1) net_pcap rx in0.pcap / tx out0.pcap,
                     patch pa (ofport 2) -- peer pb
br1 (datapath id 2): pb (ofport 1) -- peer pa,
                     b1 (ofport 2) net_pcap rx in1.pcap / tx out1.pcap
Both bridges have an ofport 1, so megaflows must tell them apart.
Flows: br0 in_port=1 -> pa, in_port=2 -> 1; br1 in_port=1 -> 2, in_port=2 -> 1.
Frames of in0 leave on out1 and frames of in1 on out0, byte for byte;
each bridge's rules count what they forwarded; each bridge has its own
OpenFlow listener and datapath id."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ConfigDaemon, check, check_eq, check_frames, info,  # noqa: E402
                     pcap_read, pcap_write, run, tempdir, udp_frame, wait_for)

N = 200

BRIDGES = """  - name: br0
    datapath-id: "0x0000000000000001"
    listen: ["ptcp:{of_port}:127.0.0.1"]
    flows: ["priority=10,in_port=1,actions=output:2",
            "priority=10,in_port=2,actions=output:1",
            "priority=0,actions=drop"]
    ports:
      - {{name: a0, ofport: 1, type: dpdk, devargs: "net_pcap0,rx_pcap={tmp}/in0.pcap,tx_pcap={tmp}/out0.pcap"}}
      - {{name: pa, ofport: 2, type: patch, peer: pb}}
  - name: br1
    datapath-id: "0x0000000000000002"
    listen: ["ptcp:{of_port2}:127.0.0.1"]
    flows: ["priority=10,in_port=1,actions=output:2",
            "priority=10,in_port=2,actions=output:1",
            "priority=0,actions=drop"]
    ports:
      - {{name: pb, ofport: 1, type: patch, peer: pa}}
      - {{name: b1, ofport: 2, type: dpdk, devargs: "net_pcap1,rx_pcap={tmp}/in1.pcap,tx_pcap={tmp}/out1.pcap"}}
"""


def main(build):
    tmp = tempdir("patch")
    in0 = [udp_frame(1000 + i % 7, 5000, size=64 + i % 50, tag=i) for i in range(N)]
    in1 = [udp_frame(2000 + i % 5, 6000, size=80 + i % 30, tag=10000 + i,
                     src_ip="10.1.0.1", dst_ip="10.1.0.2") for i in range(N // 2)]
    pcap_write(os.path.join(tmp, "in0.pcap"), in0)
    pcap_write(os.path.join(tmp, "in1.pcap"), in1)

    d = ConfigDaemon(build, tmp, BRIDGES).start()
    d.wait_packets(len(in0) + len(in1), timeout=20)

    show = d.ctl("show")
    names = [b["name"] for b in show["bridges"]]
    check_eq(names, ["br0", "br1"], "show lists both bridges")
    check_eq([b["datapath_id"] for b in show["bridges"]],
             ["0x0000000000000001", "0x0000000000000002"], "each has its datapath id")
    pa = d.port("pa")
    check_eq((pa["type"], pa["peer"], pa["link"]), ("patch", "pb", "up"),
             "show: pa is a patch port to pb")

    def counted():
        f0 = {f["match"]: f["n_packets"] for f in d.ctl("dump-flows", "br0")}
        f1 = {f["match"]: f["n_packets"] for f in d.ctl("dump-flows", "br1")}
        want0 = {"in_port=1": N, "in_port=2": N // 2}
        want1 = {"in_port=1": N, "in_port=2": N // 2}
        ok = all(f0.get(k) == v for k, v in want0.items()) and \
            all(f1.get(k) == v for k, v in want1.items())
        if not ok:
            info("rules so far: %s %s" % (f0, f1))
        return (f0, f1) if ok else None
    f0, f1 = wait_for(counted, 15, interval=2, what="rule counters of both bridges")
    info("br0 rules: %s; br1 rules: %s" % (f0, f1))
    check(True, "each bridge's rules count the packets that crossed it")

    for port in (d.of_port, d.of_port2):
        out = d.ofctl_raw("show", "tcp:127.0.0.1:%d" % port)
        check(out.returncode == 0 and "dpid:" in out.stdout,
              "ovs-ofctl show on the listener of port %d" % port, out.stderr)
    out0 = d.ofctl("show", "tcp:127.0.0.1:%d" % d.of_port)
    out1 = d.ofctl("show", "tcp:127.0.0.1:%d" % d.of_port2)
    check("dpid:0000000000000001" in out0 and "dpid:0000000000000002" in out1,
          "the listeners speak for their own bridge (datapath ids)")

    megaflows = d.ctl("dump-megaflows")
    info("megaflows: %s" % [(m["match"], m["actions"]) for m in megaflows])
    # pmdswitch-ctl trace follows the packet through both pipelines.
    t = d.ctl("trace", "br0", "--packet", in0[0].hex(), "--in-port", "a0")
    check_eq([(s["bridge"], s["table"], s["matched"]) for s in t["steps"]],
             [("br0", 0, True), ("br1", 0, True)], "trace: br0 table 0, then br1 table 0")
    check_eq([(o["port"], bytes.fromhex(o["frame"])) for o in t["outputs"]], [("b1", in0[0])],
             "trace: out on b1, unchanged")
    t = d.ctl("trace", "br1", "in_port=2,udp")
    check_eq([(s["bridge"], s["table"]) for s in t["steps"]], [("br1", 0), ("br0", 0)],
             "trace from br1: br1, then br0")
    check_eq([o["port"] for o in t["outputs"]], ["a0"], "trace from br1: out on a0")
    d.stop()
    check_frames(pcap_read(os.path.join(tmp, "out1.pcap")), in0,
                 "br0 a0 -> patch -> br1 b1")
    check_frames(pcap_read(os.path.join(tmp, "out0.pcap")), in1,
                 "br1 b1 -> patch -> br0 a0")


if __name__ == "__main__":
    run(main)
