#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow churn soak: ovs-ofctl add-flows of N flows (default 100,000) and
del-flows of them, again and again for M minutes (default 10), while a
net_pcap port (infinite_rx) sends 16 UDP flows through the bridge to a
net_null sink. Prints, per cycle, the time, the daemon's RSS and open
descriptors and the packets forwarded; then RSS growth over the second
half of the run (from the middle cycle to the last: the first cycles raise
the allocator's high-water mark and touch the mbuf pool's pages), in KiB
and %, and descriptor growth. The short version with a bound
is the integration test flow_churn.

usage: bench_flow_churn.py [BUILD_DIR] [--flows N] [--minutes M]
A benchmark: prints figures, never fails on them.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import info, run, tempdir  # noqa: E402
from flow_churn import churn, start_daemon  # noqa: E402


def main(build):
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?")
    ap.add_argument("--flows", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    tmp = tempdir("bench-churn")
    d = start_daemon(build, tmp)
    d.wait_packets(1000)
    print("%6s %9s %12s %5s %14s" % ("cycle", "t (s)", "RSS (KiB)", "fds", "tx packets"))
    s = churn(d, tmp, args.flows, seconds=args.minutes * 60,
              report=lambda x: print("%(cycle)6d %(t)9.1f %(rss_kb)12d %(fds)5d %(tx_packets)14d"
                                     % x, flush=True))
    if len(s) >= 3:
        a, b = s[len(s) // 2], s[-1]
        grown = b["rss_kb"] - a["rss_kb"]
        print("flow churn: %d flows x %d cycles in %.0f s; RSS %d -> %d KiB (%+d KiB, %+.2f%%) "
              "from cycle %d to %d; descriptors %d -> %d"
              % (args.flows, len(s), s[-1]["t"], a["rss_kb"], b["rss_kb"], grown,
                 100.0 * grown / a["rss_kb"], a["cycle"], b["cycle"], a["fds"], b["fds"]))
        a = s[0]
        grown = b["rss_kb"] - a["rss_kb"]
        print("flow churn: RSS from the first cycle's end to the last: %d -> %d KiB "
              "(%+d KiB, %+.2f%%)" % (a["rss_kb"], b["rss_kb"], grown,
                                      100.0 * grown / a["rss_kb"]))
    else:
        info("fewer than 3 cycles: no growth figure (raise --minutes)")
    d.stop()


if __name__ == "__main__":
    run(main)
