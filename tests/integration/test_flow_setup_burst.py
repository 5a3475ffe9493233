#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow setup without loss: a burst of new flows behind an upcall in flight.

ofport 1: net_pcap rx_pcap (read once, no infinite_rx) with 3,000 packets of
1,000 new UDP flows (3 packets each, round-robin: flow i % 1000), replayed
as fast as the PMD polls; ofport 2: net_pcap tx_pcap. One flow,
`in_port=1,actions=output:2`. The first packet goes up to the slowpath;
everything behind it waits (parked) until its megaflow is installed. The
waiting room holds PMD_PARK_MAX packets: once it is full the PMD stops
polling rx (the device ring holds the rest) instead of dropping.

Asserts: all 3,000 frames leave port 2 exactly, each flow's in order; no
park_overflows, no lost upcalls, nothing dropped anywhere, and the queue
was never skipped by the upcall storm backoff (shed_polls 0).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check_eq, check_frames, info,  # noqa: E402
                     pcap_read, pcap_write, run, tempdir, udp_frame, wait_for)

FLOWS = 1000
PER_FLOW = 3


def main(build):
    # The case: one megaflow covers every new flow.
    run_once(build, ["in_port=1,actions=output:2"], "one-megaflow")
    # Every flow needs its own megaflow (the pipeline looks at tp_src):
    # 1,000 upcalls, PMD_PARKED_UPCALLS at a time, while the whole capture
    # arrives at once.
    run_once(build, ["priority=10,udp,tp_src=1,actions=drop",
                     "priority=0,in_port=1,actions=output:2"], "megaflow-per-flow")


def run_once(build, flows, name):
    info("--- %s: %s" % (name, flows))
    tmp = tempdir("flow-setup-" + name)
    frames = [udp_frame(1024 + (i % FLOWS), 5000, tag=i)
              for i in range(FLOWS * PER_FLOW)]
    total = len(frames)
    rx = os.path.join(tmp, "in.pcap")
    tx = os.path.join(tmp, "out2.pcap")
    pcap_write(rx, frames)

    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % tx),
    ], flows=flows).start()

    info("checking: all %d packets are processed (pmd-stats-show, 30 s)" % total)
    def settled():
        t = d.pmd_total()
        done = t["emc_hits"] + t["megaflow_hits"] + t["misses"] + t["park_overflows"]
        return t if t["packets"] >= total and done >= t["packets"] else None
    t = wait_for(settled, 30, what="every packet received and looked up or dropped")
    info("pmd-stats total: %s" % t)
    check_eq(t["packets"], total, "pmd-stats total packets == %d" % total)
    check_eq(t["park_overflows"], 0, "no packet dropped for a full waiting room")
    check_eq(t["lost_upcalls"], 0, "no lost upcalls")
    check_eq(t["shed_polls"], 0, "the queue was never skipped (no upcall storm backoff)")
    check_eq(t["tx_drops"], 0, "no tx drops")
    check_eq(t["tx_packets"], total, "tx_packets == %d" % total)
    if name == "megaflow-per-flow":
        check_eq(t["misses"], FLOWS, "one miss (and megaflow) per flow")
    d.stop()
    check_frames(pcap_read(tx), frames, "ofport 2 output")


if __name__ == "__main__":
    run(main)
