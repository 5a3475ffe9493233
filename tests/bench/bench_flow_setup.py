#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow setup benchmark: bursts of new flows, first-packet latency through
the slowpath, and an upcall storm beside established traffic.

1. Burst table: a net_pcap capture (read once, no infinite_rx) of N packets
   of N/3 new UDP flows (3 packets each) into port 1, to a tx_pcap port:
   packets delivered, for one rule (one megaflow covers every flow) and for
   a rule set that needs a megaflow per flow (an upcall per flow).
2. First-packet latency: net_af_packet ports on two root-namespace veth
   pairs; this script sends one frame of a new flow into the first pair
   and times its arrival at the second (raw sockets, kernel receive
   timestamps). Every 5 ms (the slowpath has gone to sleep: the eventfd
   wake-up path) and every 0.5 ms (still spinning); the second packet of
   each flow (a cached hit) is the baseline of the veth + af_packet path.
3. Upcall storm: port 1 carries 64 established flows (net_pcap,
   infinite_rx) to a net_null sink on port 2, port 3 a stream of
   never-seen flows (16,384 UDP source ports against a rule on one exact
   source port, so each needs its own megaflow; megaflow-max 2,000 keeps
   them from ever being cached: every one is an upcall) to port 4. The
   established rate with the storm, as a share of the rate without it;
   upcalls handled and lost; pmdswitch-ctl and ovs-ofctl response times.

OVS-DPDK columns: when Debian's openvswitch-switch-dpdk is installed; it
is not on these machines, and the column then says so.

Prints tables; never fails on a figure. usage: bench_flow_setup.py BUILD [--quick]
"""

import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402
from harness import Daemon, Port, pcap_write, sh, tempdir, udp_frame  # noqa: E402

QUICK = "--quick" in sys.argv
OVS_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_NOTE = "n/a (OVS-DPDK not installed)"


def ovs_column():
    return os.path.exists(OVS_DPDK)


def log(msg):
    print(msg, flush=True)


# -- 1. bursts ------------------------------------------------------------

RULES = {
    "one megaflow": ["in_port=1,actions=output:2"],
    "megaflow per flow": ["priority=10,udp,tp_src=1,actions=drop",
                          "priority=0,in_port=1,actions=output:2"],
}


def run_burst(build, n, rules):
    tmp = tempdir("bench-burst")
    flows = max(1, n // 3)
    frames = [udp_frame(1024 + (i % flows) % 60000, 5000 + (i % flows) // 60000,
                        tag=i) for i in range(n)]
    rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
    pcap_write(rx, frames)
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % tx)], flows=rules,
        log_level="warning").start()
    t0 = time.monotonic()
    last, t = None, None
    while time.monotonic() - t0 < 60:
        t = d.pmd_total()
        done = t["emc_hits"] + t["megaflow_hits"] + t["misses"] + t["park_overflows"]
        if t["packets"] >= n and done >= n:
            break
        if last is not None and t == last and time.monotonic() - t0 > 10:
            break
        last = t
        time.sleep(0.05)
    secs = time.monotonic() - t0
    d.stop()
    return t["tx_packets"], t["park_overflows"] + t["lost_upcalls"], secs


def bursts(build):
    sizes = [1000, 3000, 6000] if QUICK else [1000, 3000, 6000, 12000, 30000]
    log("\n== Bursts of new flows (3 packets per flow, net_pcap read once) ==")
    log("%-18s %8s %10s %8s %8s  %s" % ("rules", "burst", "delivered", "dropped",
                                        "secs", "OVS-DPDK delivered"))
    for name, rules in RULES.items():
        for n in sizes:
            got, dropped, secs = run_burst(build, n, rules)
            log("%-18s %8d %10d %8d %8.2f  %s" % (name, n, got, dropped, secs,
                                                  "(not run)" if ovs_column() else OVS_NOTE))


# -- 2. first-packet latency ------------------------------------------------

class Veth:
    def __init__(self, tag):
        self.a = ("hb%d%s" % (os.getpid(), tag))[:13] + "a"
        self.b = ("hb%d%s" % (os.getpid(), tag))[:13] + "b"

    def setup(self):
        sh("ip", "link", "del", self.a, check_rc=False)
        harness.on_cleanup(lambda: sh("ip", "link", "del", self.a, check_rc=False))
        sh("ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b)
        for i in (self.a, self.b):
            sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % i, check_rc=False)
            sh("ip", "link", "set", i, "up")
        return self


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def latency(build):
    log("\n== First-packet latency through the slowpath (veth + net_af_packet) ==")
    tmp = tempdir("bench-lat")
    vin, vout = Veth("i").setup(), Veth("o").setup()
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s" % vin.b),
        Port("p2", 2, "net_af_packet1,iface=%s" % vout.b)],
        flows=["priority=10,udp,tp_src=1,actions=drop",
               "priority=0,in_port=1,actions=output:2"],
        log_level="warning").start()
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((vin.a, 0))
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    rx.bind((vout.a, 0))
    rx.settimeout(0.5)
    time.sleep(0.5)
    n = 100 if QUICK else 300
    sport = [2000]

    def one(frame):
        t0 = time.perf_counter_ns()
        tx.send(frame)
        while True:
            try:
                data = rx.recv(2048)
            except socket.timeout:
                return None
            if data == frame:
                return (time.perf_counter_ns() - t0) / 1000.0

    log("%-22s %8s %8s %8s %8s %8s  %s" % ("gap between flows", "samples", "lost",
                                           "p50 us", "p99 us", "max us", "OVS-DPDK"))
    for gap_ms, what in ((5.0, "5 ms (slowpath asleep)"), (0.5, "0.5 ms (spinning)")):
        first, cached, lost = [], [], 0
        for _ in range(n):
            sport[0] += 1
            f = udp_frame(sport[0], 5000, tag=sport[0])
            a = one(f)
            b = one(f)
            if a is None or b is None:
                lost += 1
            else:
                first.append(a)
                cached.append(b)
            time.sleep(gap_ms / 1000.0)
        for name, v in (("first packet", first), ("cached (2nd packet)", cached)):
            if v:
                log("%-22s %8d %8d %8.1f %8.1f %8.1f  %s" % (
                    "%s: %s" % (what.split(" ")[0] + " " + what.split(" ")[1], name),
                    len(v), lost, statistics.median(v), pct(v, 99), max(v), OVS_NOTE))
    st = d.ctl("pmd-stats-show")["slowpath"]
    log("slowpath: sleeps %d, PMD wake-ups (eventfd writes) %d" % (st["sleeps"], st["wakeups"]))
    tx.close()
    rx.close()
    d.stop()


# -- 3. upcall storm --------------------------------------------------------

def port_tx(d, ofport):
    doc = d.ctl("dump-ports", d.bridge)
    for p in doc["ports"] if isinstance(doc, dict) else doc:
        if p.get("ofport") == ofport:
            return p["tx_packets"]
    raise harness.TestFailure("no port %d in dump-ports" % ofport)


class BigDaemon(Daemon):
    """A Daemon with room for a 16k-packet infinite_rx capture."""

    def yaml(self):
        return super().yaml().replace("memory-mb: 256", "memory-mb: 768")


def storm_run(build, storm, secs, burn_cpu0=False, cached=False):
    tmp = tempdir("bench-storm")
    est = os.path.join(tmp, "est.pcap")
    pcap_write(est, [udp_frame(3000 + i, 5001, tag=i) for i in range(64)])
    ports = [Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % est),
             Port("p2", 2, "net_null0,no-rx=1")]
    if storm:
        sp = os.path.join(tmp, "storm.pcap")
        subprocess.run([os.path.join(build, "pmdswitch-gen-pcap"), "-o", sp,
                        "--flows", "16384", "--vary", "src-port", "--src-port", "0",
                        "--dst-port", "6000"], check=True, stderr=subprocess.DEVNULL)
        ports += [Port("p3", 3, "net_pcap1,rx_pcap=%s,infinite_rx=1" % sp),
                  Port("p4", 4, "net_null1,no-rx=1")]
    d = BigDaemon(build, tmp, listen=True, ports=ports, flows=[
        "priority=10,in_port=3,udp,tp_src=1,actions=output:4",
        "priority=5,in_port=3,actions=output:4",
        "priority=5,in_port=1,actions=output:2"],
        datapath={"megaflow-max": 200000 if cached else 2000},
        log_level="warning").start(timeout=120)
    burner = None
    if burn_cpu0:
        # The load the storm puts on the slowpath's CPU, without the storm.
        burner = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c",
                                   "while True: pass"])
        harness.on_cleanup(lambda: burner.poll() is None and burner.kill())
    time.sleep(2)
    t0, a0, s0 = time.monotonic(), port_tx(d, 2), d.ctl("pmd-stats-show")
    ctl_t, ofctl_t = [], []
    while time.monotonic() - t0 < secs:
        c = time.monotonic()
        d.ctl("show")
        ctl_t.append(time.monotonic() - c)
        c = time.monotonic()
        r = d.ofctl_raw("dump-flows", "@", timeout=5)
        ofctl_t.append(time.monotonic() - c if r.returncode == 0 else float("inf"))
        time.sleep(0.2)
    t1, a1, s1 = time.monotonic(), port_tx(d, 2), d.ctl("pmd-stats-show")
    if burner is not None:
        burner.kill()
        burner.wait()
    d.stop()
    dt = t1 - t0

    def delta(k, grp="total"):
        return s1[grp][k] - s0[grp][k]
    if "--verbose" in sys.argv:
        log("pmd-stats-show deltas over %.1f s: %s" % (dt, {
            k: v - s0["total"][k] if isinstance(v, int) else v
            for k, v in s1["total"].items()}))
    return {"est_mpps": (a1 - a0) / dt / 1e6, "secs": dt,
            "upcalls_s": delta("upcalls", "slowpath") / dt,
            "installs": delta("installs", "slowpath"),
            "install_full": delta("install_full", "slowpath"),
            "lost_upcalls": delta("lost_upcalls"), "park_overflows": delta("park_overflows"),
            "rx_held": delta("rx_held"),
            "ctl_max": max(ctl_t), "ofctl_max": max(ofctl_t)}


def upcall_storm(build):
    secs = 3 if QUICK else 8
    log("\n== Upcall storm: established flows on port 1, never-seen flows on port 3 ==")
    base = storm_run(build, False, secs)
    busy = storm_run(build, False, secs, burn_cpu0=True)
    two = storm_run(build, True, secs, cached=True)
    st = storm_run(build, True, secs)
    log("The slowpath runs on CPU 0 beside the PMD on CPU 1; where they share a")
    log("physical core (hyperthreads, or this VM's 2 vCPUs), a busy CPU 0 slows")
    log("the PMD by itself: 'CPU 0 busy' is the same run without the storm while")
    log("a busy loop runs on CPU 0; 'p3 cached' is port 3 at full rate with")
    log("its flows cached (megaflow-max large: no upcalls after the first pass),")
    log("the cost of a second busy port on the same PMD without a storm.")
    log("%-40s %12s %12s %12s %12s  %s" % ("", "no storm", "CPU 0 busy",
                                          "p3 cached", "storm", "OVS-DPDK"))
    log("%-40s %12.3f %12.3f %12.3f %12.3f  %s" % ("established Mpps (port 1 -> 2)",
                                                   base["est_mpps"], busy["est_mpps"],
                                                   two["est_mpps"], st["est_mpps"],
                                                   OVS_NOTE))
    def kept(x, of):
        return "%11.1f%%" % (100.0 * x / of) if of else "%12s" % "-"
    log("%-40s %12s %s %s %s" % ("established rate kept (of no storm)", "",
                                 kept(busy["est_mpps"], base["est_mpps"]),
                                 kept(two["est_mpps"], base["est_mpps"]),
                                 kept(st["est_mpps"], base["est_mpps"])))
    log("%-40s %12s %12s %12s %s" % ("established rate kept (of CPU 0 busy)", "", "", "",
                                     kept(st["est_mpps"], busy["est_mpps"])))
    log("%-40s %12s %12s %12s %s" % ("established rate kept (of p3 cached)", "", "",
                                     "", kept(st["est_mpps"], two["est_mpps"])))
    for k, label in (("upcalls_s", "upcalls handled / s"),
                     ("install_full", "upcalls not cached (table full)"),
                     ("lost_upcalls", "lost upcalls (upcall ring full)"),
                     ("park_overflows", "park overflows"),
                     ("rx_held", "PMD iterations with rx held")):
        log("%-40s %12.0f %12.0f %12.0f %12.0f" % (label, base[k], busy[k], two[k], st[k]))
    for k, label in (("ctl_max", "pmdswitch-ctl show, slowest (s)"),
                     ("ofctl_max", "ovs-ofctl dump-flows, slowest (s)")):
        log("%-40s %12.3f %12.3f %12.3f %12.3f" % (label, base[k], busy[k], two[k], st[k]))


def main(build):
    os.environ.setdefault("PMDSWITCH_NO_HUGE", "1")
    if "--only" in sys.argv:
        part = sys.argv[sys.argv.index("--only") + 1]
        {"bursts": bursts, "latency": latency, "storm": upcall_storm}[part](build)
        return
    bursts(build)
    latency(build)
    upcall_storm(build)


if __name__ == "__main__":
    harness.run(main)
