#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Forwarding benchmark: pmdswitchd against dpdk-testpmd io forwarding.

Both run on the same single PMD core with the same ports: a net_pcap port
replaying a capture with infinite_rx=1 (the generator) and a net_null sink
with no-rx=1. testpmd does no lookup at all, so its rate is the limit of
this machine and these ports; pmdswitchd's rate is reported as a share of
it, measured in the same run. Prints one table; never fails on a figure
(it is a benchmark, not a test): it fails only when something does not run.

usage: bench_forwarding.py BUILD_DIR [--seconds N] [--quick]
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build"
SECONDS = 8
QUICK = "--quick" in sys.argv
if "--seconds" in sys.argv:
    SECONDS = int(sys.argv[sys.argv.index("--seconds") + 1])

FLOW_COUNTS = [1, 1000] if QUICK else [1, 1000, 16384, 65536]


def rule_sets():
    """(name, flows) pairs; traffic varies the IPv4 source from 10.0.0.1."""
    def host(i):
        i += 1
        return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
    one = ["priority=10,in_port=1,actions=output:2"]
    exact = ["priority=0,ip,nw_src=10.0.0.0/8,actions=output:2"]
    exact += ["priority=100,ip,nw_src=%s,actions=output:2" % host(i)
              for i in range(1000)]
    masks = ["priority=%d,ip,nw_src=10.0.0.0/%d,actions=output:2" % (p, p)
             for p in range(8, 28)]
    return [("1 in_port rule", one), ("1000 /32 + /8", exact),
            ("20 masks", masks)]


def gen_pcap(path, flows):
    subprocess.run([os.path.join(BUILD, "pmdswitch-gen-pcap"), "-o", path,
                    "--flows", str(flows), "--vary", "src-ip",
                    "--src-ip", "10.0.0.1", "--size", "64"],
                   check=True, stderr=subprocess.DEVNULL)


def run_testpmd(pcap):
    cmd = ["dpdk-testpmd", "-l", "0-1", "--no-pci", "--in-memory",
           "-m", "1024", "--log-level=*:warning",
           "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
           "--vdev", "net_null0,no-rx=1", "--",
           "--forward-mode=io", "--stats-period", "1",
           "--total-num-mbufs=131072", "--no-lsc-interrupt"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    rates, port = [], None
    try:
        for line in p.stdout:
            m = re.search(r"NIC statistics for port (\d+)", line)
            if m:
                port = int(m.group(1))
            m = re.search(r"Tx-pps:\s+(\d+)", line)
            if m and port == 1:
                rates.append(int(m.group(1)))
                if len(rates) >= SECONDS:
                    break
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    rates = rates[2:]  # warm-up
    return statistics.median(rates) / 1e6 if rates else None


CONFIG = """dpdk:
  lcores: "0-1"
  main-lcore: 0
  memory-mb: 1024
  extra-args: ["--no-pci"]
datapath:
  pmd-cores: [1]
  emc-entries: 8192
  megaflow-max: 200000
ctl-socket: {ctl}
bridges:
  - name: br0
    flows: {flows}
    ports:
      - {{name: p1, ofport: 1, type: dpdk, devargs: "net_pcap0,rx_pcap={pcap},infinite_rx=1"}}
      - {{name: p2, ofport: 2, type: dpdk, devargs: "net_null0,no-rx=1"}}
"""


def run_pmdswitch(pcap, flows, tmp):
    cfg = os.path.join(tmp, "bench.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(ctl=os.path.join(tmp, "ctl"), pcap=pcap,
                              flows="[" + ", ".join('"%s"' % x for x in flows) + "]"))
    cmd = [os.path.join(BUILD, "pmdswitchd"), "--config", cfg,
           "--duration", str(SECONDS + 1), "--log-level", "warning"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True, timeout=SECONDS + 60)
    rates = []
    for line in out.stdout.splitlines():
        m = re.search(r"p2 rx [\d.]+ tx ([\d.]+) Mpps", line)
        if m:
            rates.append(float(m.group(1)))
    rates = rates[2:]
    if not rates:
        sys.stderr.write(out.stdout[-3000:])
        return None
    return statistics.median(rates)


def main():
    if not os.path.exists(os.path.join(BUILD, "pmdswitchd")):
        print("bench: %s/pmdswitchd not built" % BUILD)
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="pmdsw-bench-") as tmp:
        for n in FLOW_COUNTS:
            pcap = os.path.join(tmp, "flows-%d.pcap" % n)
            gen_pcap(pcap, n)
            limit = run_testpmd(pcap)
            for name, flows in rule_sets():
                mpps = run_pmdswitch(pcap, flows, tmp)
                rows.append((n, name, limit, mpps))
                print("  measured: %6d flows, %-16s testpmd %s Mpps, pmdswitchd %s Mpps"
                      % (n, name, "%.2f" % limit if limit else "-",
                         "%.2f" % mpps if mpps else "-"), flush=True)
    print()
    print("64-byte UDP, net_pcap infinite_rx -> net_null, 1 PMD core, %d s per run"
          % SECONDS)
    print("| flows | rules | testpmd io (Mpps) | pmdswitchd (Mpps) | pmdswitchd / testpmd |")
    print("|---:|---|---:|---:|---:|")
    for n, name, limit, mpps in rows:
        ratio = "%.0f%%" % (100 * mpps / limit) if limit and mpps else "-"
        print("| %d | %s | %s | %s | %s |" % (
            n, name, "%.2f" % limit if limit else "-",
            "%.2f" % mpps if mpps else "failed", ratio))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
