#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Forwarding benchmark: pmdswitchd against dpdk-testpmd io forwarding
and, when installed, OVS-DPDK.

All run on the same single PMD core with the same ports: a net_pcap port
replaying a capture with infinite_rx=1 (the generator) and a net_null sink
with no-rx=1. testpmd does no lookup at all, so its rate is the limit of
this machine and these ports; pmdswitchd's rate is reported as a share of
it, measured in the same run. The matrix is {1, 1k, 16k, 64k flows} x
{one in_port rule, 1,000 /32 nw_src rules + a /8 fallback, 20 masks}.

OVS-DPDK (Debian's openvswitch-switch-dpdk) is run on the same ports when
its ovs-vswitchd-dpdk binary is there; otherwise the table shows the
figures of issue #3 (taken on this kind of machine) as the reference for
the goal ratios (>= 60% of testpmd on the in_port rows, >= 2x OVS-DPDK on
the others, 64k flows >= half of 1k flows).

Also measures flow setups per second: new megaflows installed per second
while a 65,536-flow capture (one megaflow per UDP source port) starts.

Prints tables; never fails on a figure (it is a benchmark, not a test):
it fails only when something does not run.

With --observe it measures, in the same run, the cached rows (1 and 1k
flows, 1 with --quick; the in_port rule and the 1,000 /32 rules) with sFlow and capture
off, with sFlow sampling 1 in 1000 on both ports (to a UDP socket on
loopback), and with a capture running on the generator port (every packet
copied; a filter that rejects them all keeps the file empty), and prints
the cost of each against the first.

usage: bench_forwarding.py BUILD_DIR [--seconds N] [--quick] [--repeat N]
                           [--observe] [--baseline OTHER_BUILD_DIR]
"""
import json
import os
import re
import time
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
REPEAT = 1
if "--repeat" in sys.argv:
    REPEAT = int(sys.argv[sys.argv.index("--repeat") + 1])

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "bench"))
import ovs_dpdk  # noqa: E402  (the private OVS-DPDK instance)

OVS_DPDK = ovs_dpdk.OVS_DPDK
# Issue #3's OVS-DPDK 3.1 figures on this kind of machine (Mpps), by
# (flows, rule set); the in_port row holds for any flow count.
OVS_REF = {(1, "1000 /32 + /8"): 29.0, (1000, "1000 /32 + /8"): 19.0,
           (16384, "1000 /32 + /8"): 12.0}
OVS_REF_INPORT = 33.0

FLOW_COUNTS = [1, 1000] if QUICK else [1, 1000, 16384, 65536]
OBSERVE = "--observe" in sys.argv
# --baseline OTHER_BUILD: every pmdswitchd row is also run with that build's
# binaries, alternating with this build's in the same run (before / after).
BASELINE = None
if "--baseline" in sys.argv:
    BASELINE = os.path.abspath(sys.argv[sys.argv.index("--baseline") + 1])


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
{sflow}    ports:
      - {{name: p1, ofport: 1, type: dpdk, devargs: "net_pcap0,rx_pcap={pcap},infinite_rx=1"}}
      - {{name: p2, ofport: 2, type: dpdk, devargs: "net_null0,no-rx=1"}}
"""


def write_config(tmp, pcap, flows, sflow_port=None):
    cfg = os.path.join(tmp, "bench.yaml")
    sflow = ""
    if sflow_port:
        sflow = ("    sflow: {agent-ip: 127.0.0.1, collectors: [\"127.0.0.1:%d\"], "
                 "sampling-rate: 1000, polling-interval: 1}\n" % sflow_port)
    text = CONFIG.format(ctl=os.path.join(tmp, "ctl"), pcap=pcap, sflow=sflow,
                         flows="[" + ", ".join('"%s"' % x for x in flows) + "]")
    if os.environ.get("PMDSWITCH_NO_HUGE", "0") not in ("", "0"):
        # A smoke run without hugepages (figures not comparable).
        text = text.replace("  memory-mb: 1024\n", "  memory-mb: 512\n  no-huge: true\n")
    with open(cfg, "w") as f:
        f.write(text)
    return cfg


def ctl_json(tmp, *args, build=None):
    out = subprocess.run([os.path.join(build or BUILD, "pmdswitch-ctl"), "--ctl",
                          os.path.join(tmp, "ctl"), "--json"] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, timeout=10)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None


def run_pmdswitch(pcap, flows, tmp, sflow_port=None, capture=False, build=None):
    """Median Mpps after warm-up, and cycles/packet from pmd-stats-show.
    sflow_port: sFlow 1 in 1000 to that UDP port; capture: a capture of
    every packet p1 receives (filtered out, so nothing is written) from
    the first status line on. build: the build whose binaries run
    (default BUILD)."""
    build = build or BUILD
    cfg = write_config(tmp, pcap, flows, sflow_port)
    cmd = [os.path.join(build, "pmdswitchd"), "--config", cfg,
           "--duration", str(SECONDS + 1), "--log-level", "warning"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    rates, cpp, cleared, cap = [], None, False, None
    try:
        for line in p.stdout:
            m = re.search(r"p2 rx [\d.]+ tx ([\d.]+) Mpps", line)
            if not m:
                continue
            rates.append(float(m.group(1)))
            if capture and cap is None:
                out = os.path.join(tmp, "bench-%d.pcapng" % time.monotonic_ns())
                cap = subprocess.Popen(
                    [os.path.join(build, "pmdswitch-ctl"), "--ctl",
                     os.path.join(tmp, "ctl"), "capture", "p1", "--dir", "rx",
                     "--filter", "ether proto 0x1234", "-w", out],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if len(rates) == 2 and not cleared:
                ctl_json(tmp, "pmd-stats-clear", build=build)   # after the warm-up
                cleared = True
            if len(rates) == SECONDS - 1:
                st = ctl_json(tmp, "pmd-stats-show", build=build)
                if st and st.get("total"):
                    cpp = st["total"].get("cycles_per_packet")
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        if cap is not None:
            if cap.poll() is None:
                cap.send_signal(signal.SIGINT)
            try:
                cap.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cap.kill()
    rates = rates[2:]
    if not rates:
        return None, None
    return statistics.median(rates), cpp


# Flow setups: 65,536 UDP source ports against a rule on one exact source
# port, so that every flow needs its own megaflow (all 16 bits of tp_src
# are consulted; address prefixes would let flows share megaflows).
SETUP_RULES = ["priority=10,udp,tp_src=1,actions=output:2",
               "priority=0,actions=output:2"]


def run_setup_rate(tmp):
    """New megaflows installed per second while 65,536 new flows start."""
    pcap = os.path.join(tmp, "setup.pcap")
    subprocess.run([os.path.join(BUILD, "pmdswitch-gen-pcap"), "-o", pcap,
                    "--flows", "65536", "--vary", "src-port",
                    "--src-port", "0", "--size", "64"],
                   check=True, stderr=subprocess.DEVNULL)
    cfg = write_config(tmp, pcap, SETUP_RULES)
    cmd = [os.path.join(BUILD, "pmdswitchd"), "--config", cfg,
           "--duration", "30", "--log-level", "warning"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    samples = []
    try:
        t_end = time.time() + 25
        while time.time() < t_end:
            st = ctl_json(tmp, "pmd-stats-show")
            if st and "slowpath" in st:
                samples.append((time.time(), st["slowpath"]["installs"]))
                if samples[-1][1] >= 65536:
                    break
            time.sleep(0.01)
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    moving = [s for s in samples if 0 < s[1] < 65536]
    if len(moving) < 2:
        return None, samples[-1][1] if samples else 0
    (t0, n0), (t1, n1) = moving[0], moving[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 else None, samples[-1][1]


def ovs_installed():
    return ovs_dpdk.installed()


def run_ovs(pcap, flows, tmp):
    """OVS-DPDK (userspace datapath) on the same ports, rules and PMD core:
    median Mpps out of p2 after the warm-up, or None if it does not run.
    Started in a private run directory, stopped after."""
    ovs = ovs_dpdk.OvsDpdk(os.path.join(tmp, "ovs"), [
        ("p1", 1, ["type=dpdk", "options:dpdk-devargs=net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap]),
        ("p2", 2, ["type=dpdk", "options:dpdk-devargs=net_null0,no-rx=1"])], flows)
    try:
        ovs.start()

        def tx_p2():
            p2 = ovs.port_stats().get("p2")
            return p2["tx"] if p2 else None
        samples = []
        for _ in range(SECONDS + 1):
            samples.append((time.monotonic(), tx_p2()))
            time.sleep(1)
        rates = [(b[1] - a[1]) / (b[0] - a[0]) / 1e6
                 for a, b in zip(samples, samples[1:])
                 if a[1] is not None and b[1] is not None]
        rates = rates[2:]
        return statistics.median(rates) if rates else None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        print("  OVS-DPDK did not run: %s" % e, flush=True)
        return None
    finally:
        ovs.stop()


def ovs_ref(n, name):
    if name == "1 in_port rule":
        return OVS_REF_INPORT
    return OVS_REF.get((n, name))


def fmt(x, spec="%.2f"):
    return spec % x if x is not None else "-"


def main_observe():
    """The cached rows with sFlow and capture off, sFlow 1 in 1000, and a
    capture on p1, each run in turn in the same run."""
    import socket
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))      # the collector: datagrams pile up unread
    variants = [("off", {}), ("sFlow 1/1000", {"sflow_port": sink.getsockname()[1]}),
                ("capture on p1", {"capture": True})]
    rows = []
    with tempfile.TemporaryDirectory(prefix="pmdsw-bench-") as tmp:
        for n in [1] if QUICK else [1, 1000]:
            pcap = os.path.join(tmp, "flows-%d.pcap" % n)
            gen_pcap(pcap, n)
            for name, flows in rule_sets()[:2]:
                for vname, kw in variants:
                    runs = [run_pmdswitch(pcap, flows, tmp, **kw) for _ in range(REPEAT)]
                    rates = [r[0] for r in runs if r[0]]
                    cpps = [r[1] for r in runs if r[1]]
                    mpps = statistics.median(rates) if rates else None
                    cpp = statistics.median(cpps) if cpps else None
                    rows.append((n, name, vname, mpps, cpp))
                    print("  measured: %6d flows, %-16s %-14s %s Mpps (%s cycles/packet)"
                          % (n, name, vname, fmt(mpps), fmt(cpp, "%.0f")), flush=True)
    sink.close()
    print()
    print("64-byte UDP, net_pcap infinite_rx -> net_null, 1 PMD core, %d s per "
          "run, median of %d run(s)" % (SECONDS, REPEAT))
    print("| flows | rules | observers | pmdswitchd (Mpps) | cycles/pkt | cost vs off |")
    print("|---:|---|---|---:|---:|---:|")
    base = {}
    for n, name, vname, mpps, cpp in rows:
        if vname == "off":
            base[(n, name)] = mpps
        b = base.get((n, name))
        cost = 100 * (1 - mpps / b) if b and mpps else None
        print("| %d | %s | %s | %s | %s | %s |" % (
            n, name, vname, fmt(mpps) if mpps else "failed", fmt(cpp, "%.0f"),
            fmt(cost, "%.1f%%") if vname != "off" else "-"))
    return 0 if all(r[3] for r in rows) else 1


def main():
    if OBSERVE:
        if not os.path.exists(os.path.join(BUILD, "pmdswitchd")):
            print("bench: %s/pmdswitchd not built" % BUILD)
            return 1
        return main_observe()
    if not os.path.exists(os.path.join(BUILD, "pmdswitchd")):
        print("bench: %s/pmdswitchd not built" % BUILD)
        return 1
    if ovs_installed():
        ovs_note = ("OVS-DPDK (%s) measured in this run on the same ports, "
                    "rules and PMD core" % OVS_DPDK)
    else:
        ovs_note = ("OVS-DPDK: not installed (apt-get install "
                    "openvswitch-switch-dpdk; update-alternatives --set "
                    "ovs-vswitchd %s); the OVS column shows issue #3's "
                    "figures for this kind of machine" % OVS_DPDK)
    rows, before = [], []
    with tempfile.TemporaryDirectory(prefix="pmdsw-bench-") as tmp:
        for n in FLOW_COUNTS:
            pcap = os.path.join(tmp, "flows-%d.pcap" % n)
            gen_pcap(pcap, n)
            limits = [run_testpmd(pcap) for _ in range(REPEAT)]
            limits = [x for x in limits if x]
            limit = statistics.median(limits) if limits else None
            for name, flows in rule_sets():
                runs, base_runs = [], []
                for _ in range(REPEAT):
                    runs.append(run_pmdswitch(pcap, flows, tmp))
                    if BASELINE:
                        base_runs.append(run_pmdswitch(pcap, flows, tmp,
                                                       build=BASELINE))
                base_rates = [r[0] for r in base_runs if r[0]]
                before.append((n, name, statistics.median(base_rates)
                               if base_rates else None))
                rates = [r[0] for r in runs if r[0]]
                cpps = [r[1] for r in runs if r[1]]
                mpps = statistics.median(rates) if rates else None
                cpp = statistics.median(cpps) if cpps else None
                ovs = run_ovs(pcap, flows, tmp) if ovs_installed() else None
                rows.append((n, name, limit, mpps, cpp, ovs))
                print("  measured: %6d flows, %-16s testpmd %s Mpps, "
                      "pmdswitchd %s Mpps (%s cycles/packet), OVS-DPDK %s Mpps"
                      % (n, name, fmt(limit), fmt(mpps), fmt(cpp, "%.0f"),
                         fmt(ovs)), flush=True)
        setup_rate, installed = (None, 0) if QUICK else run_setup_rate(tmp)
    print()
    print("64-byte UDP, net_pcap infinite_rx -> net_null, 1 PMD core, %d s per "
          "run, median of %d run(s)" % (SECONDS, REPEAT))
    print(ovs_note)
    print("| flows | rules | testpmd io (Mpps) | OVS-DPDK (Mpps) | pmdswitchd "
          "(Mpps) | cycles/pkt | / testpmd | / OVS | goal |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    by = {}
    measured_ovs = any(r[5] for r in rows)
    for n, name, limit, mpps, cpp, ovs_run in rows:
        by[(n, name)] = mpps
        ovs = ovs_run if measured_ovs else ovs_ref(n, name)
        r_tp = 100 * mpps / limit if limit and mpps else None
        r_ovs = mpps / ovs if ovs and mpps else None
        if name == "1 in_port rule":
            goal = ">=60%% testpmd: %s" % ("met" if r_tp and r_tp >= 60 else "missed")
        elif ovs:
            goal = ">=2x OVS: %s" % ("met" if r_ovs and r_ovs >= 2 else "missed")
        else:
            goal = ""
        print("| %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, name, fmt(limit),
            fmt(ovs, "%.2f") if measured_ovs else fmt(ovs, "%.0f") + ("*" if ovs else ""),
            fmt(mpps) if mpps else "failed", fmt(cpp, "%.0f"),
            fmt(r_tp, "%.0f%%"), fmt(r_ovs, "%.2fx"), goal))
    if not measured_ovs:
        print("* OVS-DPDK figures from issue #3, not measured in this run")
    for name, _ in rule_sets():
        a, b = by.get((1000, name)), by.get((65536, name))
        if a and b:
            print("64k flows / 1k flows, %s: %.0f%% (goal >= 50%%)"
                  % (name, 100 * b / a))
    if not QUICK:
        print("flow setups: %s new megaflows/s (%d installed of 65536 flows, "
              "a rule on one exact UDP source port)"
              % (fmt(setup_rate, "%.0f"), installed))
    if BASELINE:
        print()
        print("Before / after, alternating runs in this run: before = %s, "
              "after = %s" % (BASELINE, BUILD))
        print("| flows | rules | before (Mpps) | after (Mpps) | change |")
        print("|---:|---|---:|---:|---:|")
        for (n, name, b), row in zip(before, rows):
            a = row[3]
            ch = 100 * (a / b - 1) if a and b else None
            print("| %d | %s | %s | %s | %s |" % (n, name, fmt(b), fmt(a),
                                                  fmt(ch, "%+.1f%%")))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
