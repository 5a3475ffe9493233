#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dpdk-dumpcap attaches to pmdswitchd (rte_pdump, a DPDK secondary
process of the daemon's --file-prefix): 20 packets of the generator port
are written to a pcapng file that tshark reads, and they are frames of
the port's traffic. Needs hugepages (a secondary process shares the
primary's hugepage memory): skipped without them, and skipped for an
AddressSanitizer build of the daemon (its memory layout differs from the
secondary's)."""

import os
import shutil
import subprocess

from harness import (Daemon, Port, TestSkip, build_has_asan, check, info,
                     run, tempdir, udp_frame, pcap_write)


def main(build):
    for tool in ("dpdk-dumpcap", "tshark"):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (packages dpdk, tshark)" % tool)
    if build_has_asan(build):
        # AddressSanitizer's shadow memory moves the primary's mappings, so
        # the secondary cannot reserve the same virtual area ("Cannot get a
        # virtual area at requested address"): DPDK multi-process needs the
        # same layout in both processes.
        raise TestSkip("dpdk-dumpcap (a DPDK secondary process) cannot map "
                       "the memory of an AddressSanitizer build of the daemon")
    tmp = tempdir("dumpcap")
    rx = os.path.join(tmp, "in.pcap")
    frames = [udp_frame(4000 + i, 5001, tag=i) for i in range(64)]
    pcap_write(rx, frames)
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=0,actions=output:2"])
    if d.no_huge:
        raise TestSkip("dpdk-dumpcap needs hugepages (the daemon runs with "
                       "no-huge here)")
    d.start()
    out = os.path.join(tmp, "dump.pcapng")
    r = subprocess.run(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                        "-i", "net_pcap0", "-c", "20", "-w", out],
                       capture_output=True, text=True, timeout=60)
    info(r.stdout.strip() + "\n" + r.stderr.strip())
    check(r.returncode == 0, "dpdk-dumpcap attaches and exits 0",
          "status %d" % r.returncode)
    t = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "frame.len",
                        "-e", "udp.srcport"], capture_output=True, text=True,
                       timeout=60)
    rows = [ln.split("\t") for ln in t.stdout.splitlines()]
    check(t.returncode == 0 and len(rows) >= 20,
          "tshark reads at least 20 packets from dpdk-dumpcap's file",
          "%d: %s" % (len(rows), t.stderr[-300:]))
    ports = {int(r[1]) for r in rows}
    check(ports <= set(range(4000, 4064)) and all(r[0] == "64" for r in rows),
          "they are frames of the port's traffic", repr(rows[:3]))
    check(d.alive(), "the switch runs on")
    d.stop()


if __name__ == "__main__":
    run(main)
