#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two PMD threads: rx queues spread over them, per-PMD statistics,
pmd-rxq-show, dump-megaflows and pmd-rxq-rebalance.

This machine has 2 CPUs: lcore 0 (main) runs on CPU 0, and the two PMD
lcores 1 and 2 SHARE CPU 1 (EAL lcore map "0,1,2@1"). The test counts
packets; it never times them.

Ports: p1 and p2 replay captures (read once) of known sizes; p3 is a
net_null sink. Flows: everything from 1 or 2 goes to 3.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check, check_eq, info, pcap_write,  # noqa: E402
                     run, tempdir, udp_frame, wait_for)

N1, N2 = 400, 600  # packets in p1's and p2's captures, 4 flows each


def main(build):
    tmp = tempdir("2pmd")
    caps = {}
    for name, n, base in (("p1", N1, 1000), ("p2", N2, 2000)):
        frames = [udp_frame(base + i % 4, 5000, tag=i) for i in range(n)]
        caps[name] = os.path.join(tmp, name + ".pcap")
        pcap_write(caps[name], frames)

    # Every port needs one tx queue per PMD; net_pcap has one per tx_pcap.
    def txqs(name):
        return ",".join("tx_pcap=%s" % os.path.join(tmp, "%s-tx%d.pcap" % (name, q))
                        for q in range(2))
    d = Daemon(build, tmp, listen=False, lcores="0,1,2@1", pmd_cores=(1, 2), ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,%s" % (caps["p1"], txqs("p1"))),
        Port("p2", 2, "net_pcap1,rx_pcap=%s,%s" % (caps["p2"], txqs("p2"))),
        Port("p3", 3, "net_null0,no-rx=1"),
    ], flows=["priority=10,in_port=1,actions=output:3",
              "priority=10,in_port=2,actions=output:3"]).start()

    info("checking: %d packets processed by two PMDs (lcores 1 and 2 share CPU 1)"
         % (N1 + N2))
    total = d.wait_packets(N1 + N2, timeout=30)
    check_eq(total["packets"], N1 + N2, "pmd-stats total packets")

    # Packets are counted when received; a miss and the packets parked
    # behind it are counted as hits or misses once the upcall is done.
    def settled():
        st = d.ctl("pmd-stats-show")
        done = sum(p["emc_hits"] + p["megaflow_hits"] + p["misses"] for p in st["pmds"])
        return st if done == N1 + N2 else None
    stats = wait_for(settled, 20, what="every packet looked up (hits + misses)")
    pmds = stats["pmds"]
    check_eq(sorted(p["core"] for p in pmds), [1, 2], "pmd-stats-show lists PMDs on cores 1 and 2")
    per_pmd = sorted(p["packets"] for p in pmds)
    check_eq(per_pmd, sorted([N1, N2]),
             "each PMD counted the packets of the queue it polls")
    check_eq(sum(p["emc_hits"] + p["megaflow_hits"] + p["misses"] for p in pmds),
             N1 + N2, "hits + misses == packets, summed over the PMDs")
    for p in pmds:
        check(p["upcalls"] >= 1, "PMD %d sent its misses up" % p["core"],
              "upcalls=%d" % p["upcalls"])

    rxq = d.ctl("pmd-rxq-show")
    owner = {}
    for p in rxq["pmds"]:
        for q in p["rxqs"]:
            owner["%s:%d" % (q["port"], q["queue"])] = p["core"]
    info("pmd-rxq-show: %s" % owner)
    check(set(owner) >= {"p1:0", "p2:0"}, "pmd-rxq-show lists the rx queues of p1 and p2")
    check(owner["p1:0"] != owner["p2:0"],
          "round-robin put p1 and p2 on different PMDs", repr(owner))

    mf = d.ctl("dump-megaflows")
    cores = sorted({m["pmd"] for m in mf})
    check_eq(cores, [1, 2], "dump-megaflows has megaflows on both PMDs")
    per_core = {c: sum(m["packets"] for m in mf if m["pmd"] == c) for c in cores}
    info("megaflow packets per PMD: %s" % per_core)
    for m in mf:
        check(m["actions"] == "output:3", "megaflow actions output:3", repr(m))

    reb = d.ctl("pmd-rxq-rebalance")
    check(isinstance(reb.get("moved"), int), "pmd-rxq-rebalance answers with moved",
          repr(reb))
    after = d.ctl("pmd-rxq-show")
    n_after = sum(len(p["rxqs"]) for p in after["pmds"])
    check_eq(n_after, len(owner), "every rx queue still has exactly one PMD after rebalance")

    d.ctl("pmd-stats-clear")
    cleared = d.ctl("pmd-stats-show")["total"]
    check_eq(cleared["packets"], 0, "pmd-stats-clear resets the counters")
    check(d.alive(), "pmdswitchd still running")
    d.stop()


if __name__ == "__main__":
    run(main)
