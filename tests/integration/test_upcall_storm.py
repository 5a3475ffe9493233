#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Upcall storm backoff: an rx queue whose bursts lose upcalls is polled
less often (shed polls); a queue whose new flows lose nothing never is.

ofport 3: net_pcap infinite_rx (64 UDP flows, replayed at full rate) to
ofport 4 (net_null sink); ofport 1: net_pcap read once, 3,000 packets of
1,000 new UDP flows, each flow its own megaflow (the pipeline looks at
tp_src), to ofport 2 (tx_pcap).

1. Port 3's packets are cached (dropped by a megaflow) while port 1's
   burst of new flows is set up: every port-1 packet leaves port 2, no
   upcall is lost and no queue is ever skipped (shed_polls 0 everywhere).
2. A rule sends port 3's packets to the controller (a packet-in upcall
   per packet, far more than the slowpath takes): the upcall ring fills,
   lost_upcalls grows, and port 3's queue is skipped (its shed_polls in
   pmd-rxq-show, text and --json, the total in pmd-stats-show and in
   /metrics) while port 1's stays 0.
3. The rule is removed: nothing is lost any more and port 3's shed_polls
   stop growing (back to every round).
4. Miss budget (datapath.upcall-cycle-share, default 10): a new daemon,
   ofport 1: one flow at full rate (infinite_rx, cached) to ofport 2;
   ofport 3: 2,048 never-seen flows at full rate (infinite_rx), each its
   own megaflow, megaflow-max 256 so that most never get one (every such
   packet is a miss). Misses beyond the share are dropped: upcall_budget_drops
   > 0 (also in lost_upcalls, pmd-stats-show text and /metrics), port 3's
   queue is shed (shed_polls > 0), port 1's never.
5. The same with upcall-cycle-share: 0: over 20,000 misses,
   upcall_budget_drops stays 0.
Counts only; nothing timed.
"""

import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check, check_eq, check_frames, free_tcp_port,  # noqa: E402
                     info, pcap_read, pcap_write, run, tempdir, udp_frame, wait_for)

FLOWS = 1000
PER_FLOW = 3
STORM_FLOWS = 2048
STORM_RULES = ["priority=10,in_port=3,udp,tp_src=1,actions=output:4",
               "priority=5,in_port=3,actions=output:4",
               "priority=5,in_port=1,actions=output:2"]


def rxq(d, port):
    for p in d.ctl("pmd-rxq-show")["pmds"]:
        for q in p["rxqs"]:
            if q["port"] == port:
                return q
    raise AssertionError("no rx queue of %s in pmd-rxq-show" % port)


def main(build):
    tmp = tempdir("upcall-storm")
    burst = [udp_frame(1024 + (i % FLOWS), 5000, tag=i) for i in range(FLOWS * PER_FLOW)]
    storm = [udp_frame(3000 + i, 6000, tag=i) for i in range(64)]
    rx1, tx2 = os.path.join(tmp, "in1.pcap"), os.path.join(tmp, "out2.pcap")
    rx3 = os.path.join(tmp, "in3.pcap")
    pcap_write(rx1, burst)
    pcap_write(rx3, storm)
    metrics_port = free_tcp_port()
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx1),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % tx2),
        Port("p3", 3, "net_pcap2,rx_pcap=%s,infinite_rx=1" % rx3),
        Port("p4", 4, "net_null0,no-rx=1"),
    ], flows=["priority=10,udp,tp_src=1,actions=drop",
              "priority=5,in_port=1,actions=output:2",
              "priority=5,in_port=3,actions=drop"],
        extra_yaml="metrics-listen: \"127.0.0.1:%d\"" % metrics_port).start()

    info("1. new flows on port 1 beside cached traffic on port 3")
    total = len(burst)

    def settled():
        t = d.pmd_total()
        return t if t["tx_packets"] >= total else None
    t = wait_for(settled, 30, what="the %d packets of port 1 leave port 2" % total)
    check_eq(t["lost_upcalls"], 0, "no lost upcalls")
    check_eq(t["park_overflows"], 0, "no park overflows")
    check_eq(t["shed_polls"], 0, "no poll round skipped (pmd-stats-show total)")
    check_eq(rxq(d, "p1")["shed_polls"], 0, "port 1's queue never skipped")
    check_eq(rxq(d, "p3")["shed_polls"], 0, "port 3's queue never skipped")
    check_eq(t["misses"], FLOWS + len(storm), "one upcall per new flow (port 1's and port 3's)")

    info("2. port 3's packets go to the controller: an upcall each")
    d.ctl("add-flow", d.bridge, "priority=20,in_port=3,actions=CONTROLLER:64")

    def shedding():
        q = rxq(d, "p3")
        return q if q["shed_polls"] > 0 else None
    q3 = wait_for(shedding, 20, what="port 3's queue skipped (shed_polls > 0)")
    t = d.pmd_total()
    info("p3: %s; total: lost_upcalls %d shed_polls %d"
         % (q3, t["lost_upcalls"], t["shed_polls"]))
    check(t["lost_upcalls"] > 0, "upcalls are lost (the upcall ring is full)")
    check(t["shed_polls"] >= q3["shed_polls"], "pmd-stats-show counts the skipped rounds",
          "total %d < port 3's %d" % (t["shed_polls"], q3["shed_polls"]))
    check_eq(rxq(d, "p1")["shed_polls"], 0, "port 1's queue is not skipped")
    text = d.ctl("pmd-rxq-show", use_json=False)
    check("shed polls:" in text, "pmd-rxq-show shows shed polls", text)
    text = d.ctl("pmd-stats-show", use_json=False)
    check("shed_polls:" in text, "pmd-stats-show shows shed_polls", text)
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port,
                                  timeout=10).read().decode()
    lines = [ln for ln in body.splitlines() if ln.startswith("pmdswitch_pmd_shed_polls")]
    check(lines and float(lines[0].split()[-1]) > 0, "/metrics has the shed polls", "\n".join(lines))

    info("3. the rule goes: nothing lost, no more skipping")
    d.ofctl("--strict", "del-flows", "@", "priority=20,in_port=3")
    prev = [None]

    def quiet():
        t = d.pmd_total()
        s = (t["lost_upcalls"], t["shed_polls"], t["upcalls"])
        same = s == prev[0]
        prev[0] = s
        return t if same else None
    t = wait_for(quiet, 20, interval=0.5, what="lost_upcalls and shed_polls stop growing")
    before = t["shed_polls"]
    t = d.wait_packets(d.pmd_total()["packets"] + 1_000_000, timeout=20)
    check_eq(t["shed_polls"], before, "no round skipped over a million more port-3 packets")
    d.stop()
    check_frames(pcap_read(tx2), burst, "ofport 2 output")
    budget(build, tmp)


def metric(port, name):
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                  timeout=10).read().decode()
    lines = [ln for ln in body.splitlines() if ln.startswith(name)]
    check(lines, "/metrics has %s" % name, body[-2000:])
    return sum(float(ln.split()[-1]) for ln in lines)


def storm_daemon(build, tmp, share, metrics_port):
    est = os.path.join(tmp, "est-%d.pcap" % share)
    sp = os.path.join(tmp, "storm-%d.pcap" % share)
    pcap_write(est, [udp_frame(7000, 5001, tag=0)])
    pcap_write(sp, [udp_frame(10000 + i, 6000, tag=i) for i in range(STORM_FLOWS)])
    return Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap3,rx_pcap=%s,infinite_rx=1" % est),
        Port("p2", 2, "net_null1,no-rx=1"),
        Port("p3", 3, "net_pcap4,rx_pcap=%s,infinite_rx=1" % sp),
        Port("p4", 4, "net_null2,no-rx=1"),
    ], flows=STORM_RULES, datapath={"megaflow-max": 256, "upcall-cycle-share": share},
        extra_yaml="metrics-listen: \"127.0.0.1:%d\"" % metrics_port).start()


def budget(build, tmp):
    info("4. a storm of never-cached flows on port 3 beside cached traffic on port 1")
    metrics_port = free_tcp_port()
    d = storm_daemon(build, tmp, 10, metrics_port)

    def dropping():
        t = d.pmd_total()
        return t if t["upcall_budget_drops"] > 0 and rxq(d, "p3")["shed_polls"] > 0 else None
    t = wait_for(dropping, 30, what="budget drops and port 3's queue shed")
    info("total: misses %d upcall_budget_drops %d lost_upcalls %d shed_polls %d"
         % (t["misses"], t["upcall_budget_drops"], t["lost_upcalls"], t["shed_polls"]))
    check(t["lost_upcalls"] >= t["upcall_budget_drops"], "budget drops are lost upcalls",
          "lost %d < budget %d" % (t["lost_upcalls"], t["upcall_budget_drops"]))
    check(t["emc_hits"] + t["megaflow_hits"] > 0, "port 1's traffic is cached")
    check_eq(rxq(d, "p1")["shed_polls"], 0, "port 1's queue (cached) is never skipped")
    text = d.ctl("pmd-stats-show", use_json=False)
    check("upcall_budget_drops:" in text, "pmd-stats-show shows upcall_budget_drops", text)
    check(metric(metrics_port, "pmdswitch_pmd_upcall_budget_drops") > 0,
          "/metrics counts the budget drops")
    d.stop()

    info("5. the same with upcall-cycle-share: 0: no budget")
    d = storm_daemon(build, tmp, 0, free_tcp_port())

    def misses():
        t = d.pmd_total()
        return t if t["misses"] >= 20000 else None
    t = wait_for(misses, 60, what="20,000 misses")
    info("total: misses %d upcall_budget_drops %d lost_upcalls %d"
         % (t["misses"], t["upcall_budget_drops"], t["lost_upcalls"]))
    check_eq(t["upcall_budget_drops"], 0, "no budget drops without a budget")
    d.stop()


if __name__ == "__main__":
    run(main)
