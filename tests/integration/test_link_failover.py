#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A port's link goes down and up: port-status to the controller side and
a fast-failover group switching buckets.

Ports 1, 2, 3: net_af_packet on veths whose peers sit in network
namespaces a, b, c. Group 1 (fast failover): bucket 1 watches port 2 and
outputs there, bucket 2 watches port 3. Flow in_port=1 -> group:1.
`ovs-ofctl -O OpenFlow13 monitor` stays connected to the listener.

1. Frames from a arrive at b only.
2. `ip link set <port 2's veth> down`: show reports the link down, the
   monitor receives OFPT_PORT_STATUS (MOD, LINK_DOWN) for port 2, and the
   next frames from a arrive at c only.
3. Link up again: OFPT_PORT_STATUS without LINK_DOWN, frames back at b.
"""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestSkip, VethNs, check, info, on_cleanup,  # noqa: E402
                     run, sh, tempdir, udp_frame, wait_for)


def link_of(d, name):
    for br in d.ctl("show")["bridges"]:
        for p in br["ports"]:
            if p["name"] == name:
                return p.get("link")
    return None


def main(build):
    if shutil.which("ovs-ofctl") is None:
        raise TestSkip("ovs-ofctl (openvswitch-common) is not installed")
    tmp = tempdir("linkff")
    va, vb, vc = VethNs("a").setup(), VethNs("b").setup(), VethNs("c").setup()
    d = Daemon(build, tmp, listen=True, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s" % va.host_if),
        Port("p2", 2, "net_af_packet1,iface=%s" % vb.host_if),
        Port("p3", 3, "net_af_packet2,iface=%s" % vc.host_if)]).start()
    for args in (("add-group", "@", "group_id=1,type=ff,bucket=watch_port:2,output:2,"
                  "bucket=watch_port:3,output:3"),
                 ("add-flow", "@", "priority=10,in_port=1,udp,actions=group:1")):
        r = d.ofctl_raw(*args)
        check(r.returncode == 0, "ovs-ofctl %s" % args[0], r.stderr)
    mon_out = open(os.path.join(tmp, "monitor.txt"), "w")
    mon = subprocess.Popen(["ovs-ofctl", "-O", "OpenFlow13",
                            "--unixctl=%s" % os.path.join(tmp, "ofctl.ctl"),
                            "monitor", d.of_target], stdout=mon_out, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    on_cleanup(lambda: mon.poll() is None and mon.kill())
    wait_for(lambda: link_of(d, "p2") == "up" and link_of(d, "p3") == "up", 10,
             what="links of p2 and p3 up")
    time.sleep(0.5)     # the monitor is connected

    def send_and_see(tag, want_at, not_at):
        caps = {v.ns: v.capture_start(tmp) for v in (vb, vc)}
        frames = [udp_frame(7000 + i, 7001, tag=tag + i) for i in range(20)]
        va.send(frames, tmp)
        time.sleep(1.0)
        got = {ns: VethNs.capture_stop(h) for ns, h in caps.items()}
        n_want = sum(1 for f in got[want_at.ns] if f in frames)
        n_not = sum(1 for f in got[not_at.ns] if f in frames)
        return n_want, n_not, len(frames)

    info("--- 1. both links up: bucket 1 (port 2)")
    n, m, total = send_and_see(0x100, vb, vc)
    check(n == total and m == 0, "all frames at port 2's peer, none at port 3's",
          "b got %d, c got %d of %d" % (n, m, total))

    info("--- 2. port 2's link down")
    sh("ip", "link", "set", vb.host_if, "down")
    wait_for(lambda: link_of(d, "p2") == "down", 10, what="show: p2 link down")
    check(True, "show reports p2's link down")
    n, m, total = send_and_see(0x200, vc, vb)
    check(n == total and m == 0, "fast failover: all frames at port 3's peer, none at 2's",
          "c got %d, b got %d of %d" % (n, m, total))

    info("--- 3. port 2's link up again")
    sh("ip", "link", "set", vb.host_if, "up")
    wait_for(lambda: link_of(d, "p2") == "up", 10, what="show: p2 link up")
    # net_af_packet (DPDK 22.11): the first send on the socket after its
    # interface went down returns the ENETDOWN the kernel left pending;
    # the frames stay in the tx ring (counted as tx_errors) and leave with
    # the next send. One frame takes that first send.
    va.send([udp_frame(7999, 7001, tag=0x2ff)], tmp)
    time.sleep(0.5)
    n, m, total = send_and_see(0x300, vb, vc)
    if n != total:
        info("dump-ports: %s" % d.ctl("dump-ports", d.bridge))
        info("pmd: %s" % d.pmd_total())
        info(d.ctl("dump-megaflows", use_json=False))
        info(d.log_tail(20))
    check(n == total and m == 0, "back on bucket 1: all frames at port 2's peer",
          "b got %d, c got %d of %d" % (n, m, total))

    time.sleep(0.5)
    mon.terminate()
    mon.wait(5)
    mon_out.close()
    with open(os.path.join(tmp, "monitor.txt")) as f:
        text = f.read()
    info("ovs-ofctl monitor:\n" + text)
    status = [b for b in text.split("OFPT_") if b.startswith("PORT_STATUS")]
    p2 = [b for b in status if "MOD: 2(p2)" in b]
    check(any("LINK_DOWN" in b for b in p2),
          "OFPT_PORT_STATUS MOD for port 2 with state LINK_DOWN", text)
    check(len(p2) >= 2 and "LINK_DOWN" not in p2[-1],
          "a later OFPT_PORT_STATUS MOD for port 2 with the link up", text)
    d.stop()


if __name__ == "__main__":
    run(main)
