#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""One megaflow per mask: 1,000 distinct UDP flows that all hit the rule
`in_port=1,actions=output:2` must be handled by one wildcarded megaflow, not
by one upcall per flow.

ofport 1 is net_af_packet on a veth whose peer sits in a network namespace,
so that the traffic can be sent in two steps: one packet first (the upcall
that installs the megaflow), then 1,000 flows with different source ports.
ofport 2 is a net_pcap tx_pcap output. Later bursts find the megaflow
without a lookup: they match the megaflow the burst before ended on.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, VethNs, check, check_eq, check_frames, gen_udp_flows, info,  # noqa: E402
                     pcap_read, run, tempdir, udp_frame)

N_FLOWS = 1000
MAX_UPCALLS = 10


def main(build):
    tmp = tempdir("mf")
    veth = VethNs("m").setup()
    out = os.path.join(tmp, "out2.pcap")
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % out),
    ], flows=["in_port=1,actions=output:2"]).start()

    first = udp_frame(999, 5000, tag=0xffff)
    info("checking: the first packet goes through an upcall")
    veth.send([first], tmp)
    t = d.wait_packets(1, timeout=10)
    check(t["upcalls"] >= 1 or t["misses"] >= 1, "first packet was a miss/upcall", repr(t))
    time.sleep(0.5)         # let the slowpath install the megaflow

    flows = gen_udp_flows(N_FLOWS, base_sport=1024, dport=5000)
    info("checking: %d distinct flows (source ports 1024..%d)" % (N_FLOWS, 1023 + N_FLOWS))
    veth.send(flows, tmp)
    t = d.wait_packets(1 + N_FLOWS, timeout=20)
    info("pmd-stats total: %s" % t)
    check_eq(t["packets"], 1 + N_FLOWS, "pmd-stats total packets == %d" % (1 + N_FLOWS))
    check(t["upcalls"] <= MAX_UPCALLS, "upcalls <= %d for %d flows of one rule"
          % (MAX_UPCALLS, N_FLOWS), "upcalls=%d misses=%d megaflow_hits=%d emc_hits=%d"
          % (t["upcalls"], t["misses"], t["megaflow_hits"], t["emc_hits"]))
    check_eq(t["emc_hits"] + t["megaflow_hits"], t["packets"] - t["misses"],
             "emc_hits + megaflow_hits == packets - misses")
    check_eq(t["lost_upcalls"], 0, "no lost upcalls")
    # After the first burst every packet matches the megaflow the burst
    # before ended on: found by one masked compare, no hash, no EMC probe.
    check(0 < t["megaflow_reused"] <= t["megaflow_hits"],
          "megaflow hits reuse the previous burst's megaflow",
          "megaflow_reused=%d megaflow_hits=%d" % (t["megaflow_reused"], t["megaflow_hits"]))

    d.stop()
    got = pcap_read(out)
    check_frames(got, [first] + flows, "ofport 2 output")


if __name__ == "__main__":
    run(main)
