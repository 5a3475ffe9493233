#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow churn with traffic flowing leaves memory and descriptors flat.

A short version of the flow-churn bench (tests/bench/bench_flow_churn.py):
6 cycles of ovs-ofctl add-flows of 3,000 flows and del-flows of them, while
a net_pcap port sends 16 UDP flows through the bridge. After two warm-up
cycles (the allocator's high-water mark, and the mbuf pool's pages that
the traffic touches for the first time) RSS must grow by less than 2% and
by less than 8 MiB, the open descriptors must not grow, and the traffic
must keep flowing (tx_packets grows every cycle).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, info, run, tempdir, wait_for  # noqa: E402
from flow_churn import churn, n_fds, start_daemon  # noqa: E402

N_FLOWS, CYCLES, WARMUP = 3000, 6, 2


def main(build):
    tmp = tempdir("flowchurn")
    d = start_daemon(build, tmp)
    d.wait_packets(1000)
    s = churn(d, tmp, N_FLOWS, cycles=CYCLES,
              report=lambda x: info("cycle %(cycle)d: %(t).1f s, RSS %(rss_kb)d KiB, "
                                    "%(fds)d descriptors, tx %(tx_packets)d" % x))
    first, last = s[WARMUP - 1], s[-1]
    grown = last["rss_kb"] - first["rss_kb"]
    check(grown < first["rss_kb"] * 0.02 and grown < 8192,
          "RSS after cycle %d within 2%% and 8 MiB of cycle %d" % (CYCLES, WARMUP),
          "%d -> %d KiB" % (first["rss_kb"], last["rss_kb"]))
    # A connection of the last ovs-ofctl may still be closing: let it go.
    fds = wait_for(lambda: n_fds(d.proc.pid) <= first["fds"] and n_fds(d.proc.pid), 5,
                   what="descriptors back to %d" % first["fds"])
    check(fds <= first["fds"], "no descriptor growth (%d -> %d)" % (first["fds"], fds))
    check(all(b["tx_packets"] > a["tx_packets"] for a, b in zip(s, s[1:])),
          "traffic keeps flowing through every cycle")
    d.stop()


if __name__ == "__main__":
    run(main)
