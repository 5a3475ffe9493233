#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live reload without losing a packet on what the change does not touch.

p1 (ofport 1): net_af_packet on a veth whose other end is in a network
namespace; a sender there sends N tagged frames, paced, for several
seconds. p2 (ofport 2): net_pcap tx_pcap. Flow in_port=1 -> 2.
While the frames flow, a reload removes the config flow
"priority=0,actions=drop" and keeps "priority=10,in_port=1,actions=output:2"
(deleted strictly: the kept flow stays, with its counters), one that opens
a second OpenFlow listener, and one that closes the first (the bridge, its
flows and its traffic stay). Then the file is rewritten to add p3
(net_null) and reloaded, then rewritten without it and reloaded: five
times each way. Every frame sent must be in out.pcap, and dump-ports must
agree.
A reload of a broken file is refused with file:line:column, and changes
nothing."""

import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ConfigDaemon, VethNs, check, check_eq, check_frames,  # noqa: E402
                     info, on_cleanup, pcap_read, pcap_write, run, tempdir,
                     udp_frame, wait_for)

N = 6000

BASE = """  - name: br0
    listen: ["ptcp:{of_port}:127.0.0.1"]
    flows: ["priority=10,in_port=1,actions=output:2", "priority=0,actions=drop"]
    ports:
      - {{name: p1, ofport: 1, type: dpdk, devargs: "net_af_packet0,iface=%s"}}
      - {{name: p2, ofport: 2, type: dpdk, devargs: "net_pcap0,tx_pcap={tmp}/out.pcap"}}
"""
EXTRA = """      - {{name: p3, ofport: 3, type: dpdk, devargs: "net_null7,no-rx=1"}}
"""


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def kept_flow(d, step, before):
    """dump-flows holds only the priority=10 flow, its counters and its
    age not reset. before: (n_packets, duration) of an earlier dump."""
    flows = d.dump_flows()
    info("%s: dump-flows %s" % (step, flows))
    check_eq([(f["priority"], f["actions"]) for f in flows], [(10, "output:2")],
             "%s: dump-flows has the kept flow only" % step)
    now = (flows[0]["n_packets"], flows[0]["duration"]) if flows else (-1, -1)
    check(now[0] >= before[0] and now[1] >= before[1],
          "%s: the kept flow was not touched (n_packets, duration %r, before %r)"
          % (step, now, before))
    return now


def main(build):
    tmp = tempdir("reload")
    veth = VethNs("r").setup()
    base = BASE % veth.host_if
    d = ConfigDaemon(build, tmp, base).start()

    frames = [udp_frame(1000 + i % 13, 5000, size=64 + i % 64, tag=i) for i in range(N)]
    path = os.path.join(tmp, "send.pcap")
    pcap_write(path, frames)
    sender = subprocess.Popen(["ip", "netns", "exec", veth.ns, sys.executable,
                               os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "harness.py"),
                               "send", veth.ns_if, path, "16", "5"])
    on_cleanup(lambda: sender.poll() is None and sender.kill())
    wait_for(lambda: d.pmd_total()["packets"] > 0, 20, what="traffic on p1")

    # One of two config flows goes; the other is not touched.
    one_flow = base.replace('"priority=10,in_port=1,actions=output:2", '
                            '"priority=0,actions=drop"',
                            '"priority=10,in_port=1,actions=output:2"')
    wait_for(lambda: d.dump_flows()[0]["n_packets"] > 0, 20, what="packets on the flow")
    before = [(f["n_packets"], f["duration"]) for f in d.dump_flows()
              if f["priority"] == 10][0]
    d.write_config(one_flow)
    ok, msg = d.reload()
    check(ok, "reload without the priority=0 flow", msg)
    before = kept_flow(d, "priority=0 flow removed", before)
    # A second listener opens, then the first closes: the bridge stays.
    two = one_flow.replace('listen: ["ptcp:{of_port}:127.0.0.1"]',
                           'listen: ["ptcp:{of_port}:127.0.0.1", "ptcp:{of_port2}:127.0.0.1"]')
    d.write_config(two)
    ok, msg = d.reload()
    check(ok, "reload with a second listener", msg)
    check(accepts(d.of_port2) and accepts(d.of_port), "both listeners accept")
    base = one_flow.replace('listen: ["ptcp:{of_port}:127.0.0.1"]',
                            'listen: ["ptcp:{of_port2}:127.0.0.1"]')
    d.write_config(base)
    ok, msg = d.reload()
    check(ok, "reload without the first listener", msg)
    check(not accepts(d.of_port), "the first listener is closed")
    check(accepts(d.of_port2), "the second listener still accepts")
    kept_flow(d, "first listener closed", before)

    for i in range(5):
        d.write_config(base + EXTRA)
        ok, msg = d.reload()
        check(ok, "reload %d: p3 added" % (i + 1), msg)
        check(d.port("p3") is not None, "reload %d: show lists p3" % (i + 1))
        d.write_config(base)
        ok, msg = d.reload()
        check(ok, "reload %d: p3 removed" % (i + 1), msg)
        check(d.port("p3") is None, "reload %d: p3 gone from show" % (i + 1))
    running = sender.poll() is None
    info("sender still running after the reloads: %s" % running)
    check(running, "the reloads happened while traffic flowed")

    # A broken file: refused, nothing changes.
    d.write_config(base + "      - {{name: p4, ofport: 2, type: dpdk, devargs: x}}\n")
    ok, msg = d.reload()
    check(not ok and "pmdswitch.yaml:" in msg and "duplicate ofport 2" in msg,
          "a reload with a duplicate ofport is refused with the reason", msg)
    d.write_config(base.replace("net_pcap0", "net_pcap0") +
                   "      - {{name: p5, ofport: 5, type: dpdk, devargs: \"net_nosuch0\"}}\n")
    ok, msg = d.reload()
    check(not ok and "ports[2].devargs: cannot probe" in msg,
          "a reload whose device cannot be probed is refused", msg)
    check(d.port("p5") is None and d.port("p1") is not None, "and changes nothing")
    d.write_config(base)

    sender.wait(120)
    check_eq(sender.returncode, 0, "sender finished")
    wait_for(lambda: d.pmd_total()["packets"] >= N, 20, what="all %d frames received" % N)
    time.sleep(0.5)
    ports = {p["name"]: p for p in d.ctl("dump-ports", "br0")}
    info("dump-ports: %s" % ports)
    check_eq(ports["p1"]["rx_packets"], N, "p1 received every frame sent")
    check_eq(ports["p2"]["tx_packets"], N, "p2 sent every frame")
    d.stop()
    check_frames(pcap_read(os.path.join(tmp, "out.pcap")), frames,
                 "untouched path p1 -> p2 across 10 reloads")


if __name__ == "__main__":
    run(main)
