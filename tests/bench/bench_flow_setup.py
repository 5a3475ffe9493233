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

OVS-DPDK columns: when Debian's openvswitch-switch-dpdk is installed
(tools/bench/ovs_dpdk.py: a private instance, PMD on the same CPU, the same
ports and rules; for the storm, other_config:flow-limit=2000 as
megaflow-max); otherwise the column says so.

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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "bench"))
import harness  # noqa: E402
from harness import Daemon, Port, pcap_write, sh, tempdir, udp_frame  # noqa: E402
import ovs_dpdk  # noqa: E402  (the private OVS-DPDK instance)

QUICK = "--quick" in sys.argv
OVS_NOTE = "n/a (OVS-DPDK not installed: %s)" % ovs_dpdk.INSTALL_HINT
OVS_ERRORS = (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError)


def ovs_column():
    return ovs_dpdk.installed()


def ovs_netns(tag, ifaces=()):
    """A network namespace for one OVS-DPDK run (its netdev datapath makes
    an ovs-netdev tap, which must not meet another instance's), with
    these interfaces moved into it and up."""
    ns = ("pmdsw-bfs%d%s" % (os.getpid(), tag))[:30]
    sh("ip", "netns", "del", ns, check_rc=False)
    sh("ip", "netns", "add", ns)
    harness.on_cleanup(lambda: sh("ip", "netns", "del", ns, check_rc=False))
    for i in ifaces:
        sh("ip", "link", "set", i, "netns", ns)
        sh("ip", "-n", ns, "link", "set", i, "up")
    return ns


def ovs_start(tag, ports, flows, late=(), other_config=(), ifaces=()):
    """A private OVS-DPDK with ports [(name, ofport, devargs)] and the rules;
    the `late` ports are added once the rules are in; it runs in a network
    namespace of its own, the `ifaces` moved there. None if it fails."""
    tmp = tempdir("bench-ovs-" + tag)
    ovs = ovs_dpdk.OvsDpdk(os.path.join(tmp, "ovs"), [
        (n, o, ["type=dpdk", "options:dpdk-devargs=" + a]) for n, o, a in ports],
        flows, socket_mem=512, other_config=other_config, netns=ovs_netns(tag, ifaces))
    harness.on_cleanup(ovs.stop)
    try:
        ovs.start()
        for n, o, a in late:
            ovs.add_port(n, o, ["type=dpdk", "options:dpdk-devargs=" + a])
        return ovs
    except OVS_ERRORS as e:
        log("  OVS-DPDK did not run: %s\n%s" % (e, ovs.log_tail(5)))
        ovs.stop()
        return None


def log(msg):
    print(msg, flush=True)


# -- 1. bursts ------------------------------------------------------------

RULES = {
    "one megaflow": ["in_port=1,actions=output:2"],
    "megaflow per flow": ["priority=10,udp,tp_src=1,actions=drop",
                          "priority=0,in_port=1,actions=output:2"],
}


def burst_frames(n):
    flows = max(1, n // 3)
    return [udp_frame(1024 + (i % flows) % 60000, 5000 + (i % flows) // 60000,
                      tag=i) for i in range(n)]


def run_burst(build, n, rules):
    tmp = tempdir("bench-burst")
    rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
    pcap_write(rx, burst_frames(n))
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


def ovs_burst(n, rules):
    """OVS-DPDK on the same capture: packets out of p2, or None."""
    tmp = tempdir("bench-burst-ovs-in")
    rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
    pcap_write(rx, burst_frames(n))
    ovs = ovs_start("burst", [("p2", 2, "net_pcap1,tx_pcap=%s" % tx)], rules,
                    late=[("p1", 1, "net_pcap0,rx_pcap=%s" % rx)])
    if ovs is None:
        return None
    try:
        t0, last, got = time.monotonic(), None, None
        while time.monotonic() - t0 < 30:
            st = ovs.port_stats()
            got = st.get("p2", {}).get("tx")
            if st.get("p1", {}).get("rx", 0) >= n and got == last:
                break
            last = got
            time.sleep(0.5)
        return got
    except OVS_ERRORS as e:
        log("  OVS-DPDK: %s" % e)
        return None
    finally:
        ovs.stop()


def bursts(build):
    sizes = [1000, 3000, 6000] if QUICK else [1000, 3000, 6000, 12000, 30000]
    log("\n== Bursts of new flows (3 packets per flow, net_pcap read once) ==")
    log("%-18s %8s %10s %8s %8s  %s" % ("rules", "burst", "delivered", "dropped",
                                        "secs", "OVS-DPDK delivered"))
    for name, rules in RULES.items():
        for n in sizes:
            got, dropped, secs = run_burst(build, n, rules)
            if ovs_column():
                o = ovs_burst(n, rules)
                ovs = "%d" % o if o is not None else "(did not run)"
            else:
                ovs = OVS_NOTE
            log("%-18s %8d %10d %8d %8.2f  %s" % (name, n, got, dropped, secs, ovs))


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


def latency_runs(vin, vout, n):
    """First-packet and cached latency through whatever switch bridges
    vin.b to vout.b: {(gap label, kind): [us]}, lost."""
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((vin.a, 0))
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    rx.bind((vout.a, 0))
    rx.settimeout(0.5)
    time.sleep(0.5)
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

    out = {}
    for gap_ms, what in ((5.0, "5 ms"), (0.5, "0.5 ms")):
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
        out[(what, "first packet")] = (first, lost)
        out[(what, "cached (2nd packet)")] = (cached, lost)
    tx.close()
    rx.close()
    return out


LAT_RULES = ["priority=10,udp,tp_src=1,actions=drop",
             "priority=0,in_port=1,actions=output:2"]


def latency(build):
    log("\n== First-packet latency through the slowpath (veth + net_af_packet) ==")
    tmp = tempdir("bench-lat")
    vin, vout = Veth("i").setup(), Veth("o").setup()
    n = 100 if QUICK else 300
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s" % vin.b),
        Port("p2", 2, "net_af_packet1,iface=%s" % vout.b)],
        flows=LAT_RULES, log_level="warning").start()
    ours = latency_runs(vin, vout, n)
    st = d.ctl("pmd-stats-show")["slowpath"]
    d.stop()
    theirs = None
    if ovs_column():
        ovs = ovs_start("lat", [("p1", 1, "net_af_packet0,iface=%s" % vin.b),
                                ("p2", 2, "net_af_packet1,iface=%s" % vout.b)], LAT_RULES,
                        ifaces=(vin.b, vout.b))
        if ovs is not None:
            try:
                theirs = latency_runs(vin, vout, n)
            finally:
                ovs.stop()
    log("New flows 5 ms apart (the slowpath has gone to sleep) and 0.5 ms apart (still")
    log("spinning); the cached 2nd packet is the veth + af_packet baseline.")
    log("%-28s %-10s %8s %8s %8s %8s %8s" % ("gap: packet", "switch", "samples", "lost",
                                             "p50 us", "p99 us", "max us"))
    for key in ours:
        for who, res in (("pmdswitch", ours), ("OVS-DPDK", theirs)):
            if res is None:
                if who == "OVS-DPDK":
                    log("%-28s %-10s %s" % ("%s: %s" % key, who,
                                            OVS_NOTE if not ovs_column() else "(did not run)"))
                continue
            v, lost = res[key]
            if v:
                log("%-28s %-10s %8d %8d %8.1f %8.1f %8.1f" % (
                    "%s: %s" % key, who, len(v), lost, statistics.median(v), pct(v, 99),
                    max(v)))
            else:
                log("%-28s %-10s %8d %8d" % ("%s: %s" % key, who, 0, lost))
    log("slowpath: sleeps %d, PMD wake-ups (eventfd writes) %d" % (st["sleeps"], st["wakeups"]))


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


STORM_RULES = ["priority=10,in_port=3,udp,tp_src=1,actions=output:4",
               "priority=5,in_port=3,actions=output:4",
               "priority=5,in_port=1,actions=output:2"]


def storm_ports(build, storm):
    """[(name, ofport, devargs)] of a storm run (the captures written here)."""
    tmp = tempdir("bench-storm-in")
    est = os.path.join(tmp, "est.pcap")
    pcap_write(est, [udp_frame(3000 + i, 5001, tag=i) for i in range(64)])
    ports = [("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % est),
             ("p2", 2, "net_null0,no-rx=1")]
    if storm:
        sp = os.path.join(tmp, "storm.pcap")
        subprocess.run([os.path.join(build, "pmdswitch-gen-pcap"), "-o", sp,
                        "--flows", "16384", "--vary", "src-port", "--src-port", "0",
                        "--dst-port", "6000"], check=True, stderr=subprocess.DEVNULL)
        ports += [("p3", 3, "net_pcap1,rx_pcap=%s,infinite_rx=1" % sp),
                  ("p4", 4, "net_null1,no-rx=1")]
    return ports


def ovs_storm_run(build, storm, secs):
    """The storm run on OVS-DPDK (flow-limit 2000 as megaflow-max 2000):
    established Mpps, upcalls handled and failed (dpif-netdev PMD counters),
    ovs-ofctl dump-flows and ovs-appctl answer times. None if it fails."""
    ovs = ovs_start("storm", storm_ports(build, storm), STORM_RULES,
                    other_config=["flow-limit=2000"])
    if ovs is None:
        return None
    try:
        time.sleep(2)

        def p2_tx():
            return ovs.port_stats()["p2"]["tx"]
        t0, a0, s0 = time.monotonic(), p2_tx(), ovs.pmd_stats()
        ctl_t, ofctl_t = [], []
        while time.monotonic() - t0 < secs:
            for cmd, acc in ((("ovs-appctl", "-t", ovs.ctl, "dpif-netdev/pmd-stats-show"), ctl_t),
                             (("ovs-ofctl", "dump-flows", "br0"), ofctl_t)):
                c = time.monotonic()
                try:
                    ovs.sh(*cmd, timeout=5)
                    acc.append(time.monotonic() - c)
                except OVS_ERRORS:
                    acc.append(float("inf"))
            time.sleep(0.2)
        t1, a1, s1 = time.monotonic(), p2_tx(), ovs.pmd_stats()
    except (KeyError,) + OVS_ERRORS as e:
        log("  OVS-DPDK: %s" % e)
        return None
    finally:
        ovs.stop()
    dt = t1 - t0

    def delta(k):
        return s1.get(k, 0) - s0.get(k, 0)
    return {"est_mpps": (a1 - a0) / dt / 1e6,
            "upcalls_s": delta("miss with success upcall") / dt,
            "lost_upcalls": delta("miss with failed upcall"),
            "ctl_max": max(ctl_t), "ofctl_max": max(ofctl_t)}


def storm_run(build, storm, secs, burn_cpu0=False, cached=False):
    tmp = tempdir("bench-storm")
    ports = [Port(n, o, a) for n, o, a in storm_ports(build, storm)]
    d = BigDaemon(build, tmp, listen=True, ports=ports, flows=STORM_RULES,
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
            "rx_held": delta("rx_held"), "shed_polls": delta("shed_polls"),
            "budget_drops": s1["total"].get("upcall_budget_drops", 0) -
            s0["total"].get("upcall_budget_drops", 0),
            "ctl_max": max(ctl_t), "ofctl_max": max(ofctl_t)}


def upcall_storm(build):
    secs = 3 if QUICK else 8
    log("\n== Upcall storm: established flows on port 1, never-seen flows on port 3 ==")
    base = storm_run(build, False, secs)
    busy = storm_run(build, False, secs, burn_cpu0=True)
    two = storm_run(build, True, secs, cached=True)
    st = storm_run(build, True, secs)
    obase = ovs_storm_run(build, False, secs) if ovs_column() else None
    ost = ovs_storm_run(build, True, secs) if ovs_column() else None
    log("The slowpath runs on CPU 0 beside the PMD on CPU 1; where they share a")
    log("physical core (hyperthreads, or this VM's 2 vCPUs), a busy CPU 0 slows")
    log("the PMD by itself: 'CPU 0 busy' is the same run without the storm while")
    log("a busy loop runs on CPU 0; 'p3 cached' is port 3 at full rate with")
    log("its flows cached (megaflow-max large: no upcalls after the first pass),")
    log("the cost of a second busy port on the same PMD without a storm.")
    log("OVS-DPDK: the same ports and rules, flow-limit 2000; its 'lost upcalls'")
    log("are dpif-netdev's 'miss with failed upcall', its ctl is ovs-appctl. Its")
    log("megaflows match tp_src by prefix (the classifier's ports trie), so a few")
    log("cover port 3's 16,384 flows: little or no storm there, the column shows")
    log("mostly the cost of a second busy port.")
    if not ovs_column():
        log("OVS-DPDK columns: " + OVS_NOTE)
    cols = [base, busy, two, st, obase, ost]
    log("%-40s %12s %12s %12s %12s %12s %12s" % ("", "no storm", "CPU 0 busy", "p3 cached",
                                                 "storm", "OVS no storm", "OVS storm"))

    def row(label, key, fmt):
        cells = []
        for c in cols:
            v = c.get(key) if c is not None else None
            cells.append(fmt % v if v is not None else "-")
        log("%-40s %s" % (label, " ".join("%12s" % x for x in cells)))
    row("established Mpps (port 1 -> 2)", "est_mpps", "%.3f")

    def kept(x, of):
        return "%.1f%%" % (100.0 * x["est_mpps"] / of["est_mpps"]) \
            if x is not None and of is not None and of["est_mpps"] else "-"
    log("%-40s %12s %12s %12s %12s %12s %12s" % (
        "established rate kept (of no storm)", "", kept(busy, base), kept(two, base),
        kept(st, base), "", kept(ost, obase)))
    log("%-40s %12s %12s %12s %12s" % ("established rate kept (of CPU 0 busy)", "", "", "",
                                       kept(st, busy)))
    log("%-40s %12s %12s %12s %12s" % ("established rate kept (of p3 cached)", "", "", "",
                                       kept(st, two)))
    for k, label in (("upcalls_s", "upcalls handled / s"),
                     ("install_full", "upcalls not cached (table full)"),
                     ("lost_upcalls", "lost upcalls (all reasons)"),
                     ("budget_drops", "of which miss budget drops"),
                     ("park_overflows", "park overflows"),
                     ("rx_held", "PMD iterations with rx held"),
                     ("shed_polls", "rx polls shed (storm backoff)")):
        row(label, k, "%.0f")
    row("pmdswitch-ctl show, slowest (s)", "ctl_max", "%.3f")
    row("ovs-ofctl dump-flows, slowest (s)", "ofctl_max", "%.3f")
    share = 100.0 * st["est_mpps"] / base["est_mpps"] if base["est_mpps"] else 0.0
    log("storm: established rate kept %.1f%% of no storm (goal >= 90%%: %s); "
        "slowest answers: pmdswitch-ctl %.3f s, ovs-ofctl %.3f s (goal < 1 s: %s)"
        % (share, "met" if share >= 90 else "missed", st["ctl_max"], st["ofctl_max"],
           "met" if max(st["ctl_max"], st["ofctl_max"]) < 1 else "missed"))


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
