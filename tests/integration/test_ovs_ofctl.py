#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Debian's ovs-ofctl (OpenFlow 1.3) against the switch's listener.

ofport 1: net_af_packet on a veth whose peer is in a network namespace (the
traffic starts only after the flows are in); ofports 2 and 3: net_pcap
tx_pcap outputs. The switch starts with no flows.
  show, add-flow, add-flows FILE, dump-flows, traffic, dump-flows counters,
  dump-ports counters, del-flows, traffic after del-flows (must be dropped),
  and the exact frames in the output pcaps.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, VethNs, check, check_eq, check_frames, info,  # noqa: E402
                     parse_ofctl_flows, parse_ofctl_ports, pcap_read, run, tcp_frame,
                     tempdir, udp_frame, wait_for)

FLOW_A = "priority=20,in_port=1,udp,tp_dst=6001,actions=output:2"
FLOWS_FILE = ["priority=20,in_port=1,udp,tp_dst=6002,actions=output:3",
              "priority=5,in_port=1,tcp,actions=drop"]


def main(build):
    tmp = tempdir("ofctl")
    veth = VethNs("o").setup()
    out = {2: os.path.join(tmp, "out2.pcap"), 3: os.path.join(tmp, "out3.pcap")}
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % out[2]),
        Port("p3", 3, "net_pcap2,tx_pcap=%s" % out[3]),
    ]).start()

    # show
    text = d.ofctl("show", "@")
    info(text.rstrip())
    ports = dict((int(n), name) for n, name in
                 re.findall(r"^\s*(\d+)\(([^)]+)\):\s*addr:", text, re.M))
    check_eq(ports, {1: "p1", 2: "p2", 3: "p3"}, "ovs-ofctl show lists ports 1(p1) 2(p2) 3(p3)")
    check("dpid:0000000000000001" in text, "ovs-ofctl show reports dpid 0000000000000001")

    # add-flow, add-flows
    check_eq(parse_ofctl_flows(d.ofctl("dump-flows", "@")), [],
             "dump-flows is empty before any flow is added")
    d.ofctl("add-flow", "@", FLOW_A)
    ffile = os.path.join(tmp, "flows.txt")
    with open(ffile, "w") as f:
        f.write("# flows for the test\n" + "\n".join(FLOWS_FILE) + "\n")
    d.ofctl("add-flows", "@", ffile)
    flows = parse_ofctl_flows(d.ofctl("dump-flows", "@"))
    info("dump-flows: %s" % flows)
    check_eq(len(flows), 3, "dump-flows lists 3 flows after add-flow + add-flows")
    by_key = {}
    for fl in flows:
        key = "6001" if "tp_dst=6001" in fl["match"] else \
              "6002" if "tp_dst=6002" in fl["match"] else \
              "tcp" if "tcp" in fl["match"] else fl["match"]
        by_key[key] = fl
    check_eq(sorted(by_key), ["6001", "6002", "tcp"], "the three flows are the ones added")
    check_eq((by_key["6001"]["priority"], by_key["6001"]["actions"]), (20, "output:2"),
             "add-flow flow: priority 20, actions output:2")
    check_eq((by_key["6002"]["priority"], by_key["6002"]["actions"]), (20, "output:3"),
             "add-flows flow: priority 20, actions output:3")
    check_eq((by_key["tcp"]["priority"], by_key["tcp"]["actions"]), (5, "drop"),
             "add-flows flow: priority 5, actions drop")
    check(all(fl["n_packets"] == 0 for fl in flows), "all counters start at 0")

    # traffic
    a = [udp_frame(7000 + i % 4, 6001, size=64 + 4 * i, tag=i) for i in range(20)]
    b = [udp_frame(7100 + i % 3, 6002, size=128, tag=100 + i) for i in range(15)]
    nomatch = [udp_frame(7200, 6003, tag=200 + i) for i in range(5)]
    t_drop = [tcp_frame(7300, 80, tag=300 + i) for i in range(4)]
    sent = []
    for i in range(20):
        sent.append(a[i])
        if i < 15:
            sent.append(b[i])
        if i < 5:
            sent.append(nomatch[i])
        if i < 4:
            sent.append(t_drop[i])
    veth.send(sent, tmp)
    info("sent %d frames into the veth" % len(sent))
    t = d.wait_packets(len(sent), timeout=20)
    check_eq(t["packets"], len(sent), "pmd-stats total packets == %d" % len(sent))

    want = {"6001": (20, sum(map(len, a))), "6002": (15, sum(map(len, b))),
            "tcp": (4, sum(map(len, t_drop)))}

    def counted():
        got = {}
        for fl in parse_ofctl_flows(d.ofctl("dump-flows", "@")):
            for k in want:
                if ("tp_dst=" + k) in fl["match"] or (k == "tcp" and "tcp" in fl["match"]):
                    got[k] = (fl["n_packets"], fl["n_bytes"])
        return got if got == want else None
    try:
        wait_for(counted, 10, what="dump-flows counters")
    except Exception:
        info(d.ofctl("dump-flows", "@"))
        raise
    for k, v in want.items():
        info("ok: flow %s: n_packets=%d n_bytes=%d" % (k, v[0], v[1]))

    def ports_ok():
        p = parse_ofctl_ports(d.ofctl("dump-ports", "@"))
        ok = (p.get("1", {}).get("rx_packets") == len(sent)
              and p.get("2", {}).get("tx_packets") == 20
              and p.get("3", {}).get("tx_packets") == 15)
        return p if ok else None
    try:
        p = wait_for(ports_ok, 10, what="dump-ports counters")
    except Exception:
        info(d.ofctl("dump-ports", "@"))
        raise
    check_eq((p["1"]["rx_packets"], p["1"]["rx_bytes"]), (len(sent), sum(map(len, sent))),
             "dump-ports: port 1 rx packets/bytes")
    check_eq((p["2"]["tx_packets"], p["2"]["tx_bytes"]), (20, sum(map(len, a))),
             "dump-ports: port 2 tx packets/bytes")
    check_eq((p["3"]["tx_packets"], p["3"]["tx_bytes"]), (15, sum(map(len, b))),
             "dump-ports: port 3 tx packets/bytes")

    # del-flows: the table is empty and no cached megaflow forwards any more
    d.ofctl("del-flows", "@")
    check_eq(parse_ofctl_flows(d.ofctl("dump-flows", "@")), [],
             "dump-flows is empty after del-flows")
    after = [udp_frame(7000, 6001, tag=500 + i) for i in range(10)]
    veth.send(after, tmp)
    d.wait_packets(len(sent) + len(after), timeout=20)
    time.sleep(0.3)

    d.stop()
    got2, got3 = pcap_read(out[2]), pcap_read(out[3])
    stale = [f for f in got2 if f in after]
    check(not stale, "no packet is forwarded after del-flows (no stale megaflow/EMC entry)",
          "port 2 sent %d of the %d frames sent after del-flows" % (len(stale), len(after)))
    check_frames(got2, a, "ofport 2 output (the tp_dst=6001 frames)")
    check_frames(got3, b, "ofport 3 output (the tp_dst=6002 frames)")


if __name__ == "__main__":
    run(main)
