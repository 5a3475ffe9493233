#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""RFC 2544 zero-loss throughput and latency of pmdswitchd, measured with
pktgen-dpdk the way NFV operators do, in a PVP-like set-up on one machine.

    pktgen port 0 (net_virtio_user) -> vm1.sock -> pmdswitchd vhost-user
    ofport 1 -> in_port=1,actions=output:2 -> ofport 2 -> vm2.sock ->
    pktgen port 1 (net_virtio_user)

Per frame size and flow count, a binary search over pktgen's offered rate
finds the highest rate whose trial loses at most --loss-tol percent of
the frames (default 0: RFC 2544 zero loss); each trial sends for
--trial seconds (default 10, 60 with --final), waits for the queues to
drain, and compares pktgen's port 0 tx with its port 1 rx. Latency:
pktgen's latency mode at --latency-fraction (default 0.5) of the found
rate, min/avg/max. Flows: pktgen's range mode walks source ports and
source addresses (cycle lengths chosen coprime, so N flows really are
N distinct 5-tuples). Rule sets: "port" (in_port=1->2 and back) and
"many" (1,000 exact UDP rules ahead of the port rule).

References on the same plot and table: the generator's own limit
(--loopback: pktgen -> dpdk-testpmd io forwarding on two vhost-user
ports -> pktgen, the same way) and OVS-DPDK (Debian's
openvswitch-switch-dpdk; measured whenever it is installed, --ovs
insists, --no-ovs leaves it out): a private ovs-vswitchd-dpdk with two
dpdkvhostuserclient ports on the same sockets (pktgen's virtio-user is
then the vhost-user server), the same rules (ovs-ofctl add-flows), its
PMD on the same CPU, the same frame sizes and flows; the pmdswitch rows
get its zero-loss Mpps and the ratio beside them. With --pci A,B pktgen
drives two PCI ports instead (a real testbed: the switch under test is on
the other side of the cables).

Outputs in --out DIR: results.md (Markdown table), results.csv, and
results.png (gnuplot, or matplotlib when installed): zero-loss Mpps and
Gbit/s against frame size, one line per flow count, with the references.
On a machine with fewer than 6 CPUs the set-up is oversubscribed (pktgen,
the switch's PMD and the main threads share the cores): every figure is
marked so. The figures are repeatable relative to each other (same run,
same cores, pinned as far as the cores allow).

The full run (frame sizes 64..1518 and IMIX, 1/1k/64k/1M flows, final
60 s trials, loopback):
    python3 tools/bench/pvp_bench.py --full --out bench-results
A quick look (two sizes, 1-second trials):
    python3 tools/bench/pvp_bench.py --sizes 64,512 --flows 1 --trial 1

Exit status: 0 done, 1 a run failed, 2 bad input or a missing tool (one
line on stderr, nothing left running).
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402  (the daemon, testpmd and pcap helpers)
import ovs_dpdk  # noqa: E402  (the private OVS-DPDK instance)

ALL_SIZES = ["64", "128", "256", "512", "1024", "1518", "imix"]
ALL_FLOWS = ["1", "1k", "64k", "1M"]
# Flow counts as cycles of pktgen's range mode: (source ports, source
# addresses); both step by one per packet, so the 5-tuples repeat after
# lcm(ports, addresses) packets: the two are coprime.
FLOW_RANGES = {"1": (1, 1), "1k": (1000, 1), "64k": (256, 257), "1M": (1000, 1049)}
IMIX = [(64, 7), (594, 4), (1518, 1)]        # simple IMIX, 7:4:1
MTU_FRAME = 1518                             # MTU 1500 + Ethernet header + FCS
OVERSUB_CPUS = 6
SKIP_ERR = 2


class BenchError(Exception):
    """A bad input or a missing tool: one line, exit 2."""


def log(msg):
    print("pvp-bench: " + msg, flush=True)


def flows_value(f):
    lo, hi = FLOW_RANGES[f]
    return lo * hi


def imix_avg():
    n = sum(c for _, c in IMIX)
    return sum(s * c for s, c in IMIX) / n


def frame_bits(size):
    """Bits on the wire per frame: frame + preamble/SFD + inter-frame gap."""
    return (size + 20) * 8


# --------------------------------------------------------------------------
# pktgen

class Pktgen:
    """pktgen-dpdk with two ports, driven over its Lua socket (-g): each
    call opens a connection, sends Lua lines, reads what they io.write()
    (print() goes to pktgen's own stdout)."""

    def __init__(self, binary, tmp, lcores, ports_args, memory_mb, imix_pcap=None):
        self.binary, self.tmp = binary, tmp
        self.lua_port = harness.free_tcp_port()
        self.prefix = "pmdsw-pktgen-%d" % os.getpid()
        self.log = os.path.join(tmp, "pktgen.log")
        self.proc = None
        main_lcore, worker = lcores
        self.cmd = [binary, "--lcores", "0@%d,1@%d" % (main_lcore, worker),
                    "--main-lcore", "0", "--in-memory", "--single-file-segments",
                    "-m", str(memory_mb), "--file-prefix", self.prefix,
                    "--log-level=*:warning"] + ports_args + [
                    "--", "-P", "-g", "127.0.0.1:%d" % self.lua_port, "-m", "1.[0-1]"]
        if imix_pcap:
            self.cmd += ["-s", "0:" + imix_pcap]

    def start(self):
        log("pktgen: " + " ".join(self.cmd))
        self._logf = open(self.log, "wb")
        # pktgen's CLI wants a terminal; a pipe that stays open does.
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=self._logf,
                                     stderr=subprocess.STDOUT, cwd=self.tmp,
                                     start_new_session=True)
        harness.on_cleanup(self.kill)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise harness.TestFailure("pktgen exited (status %s) at start:\n%s"
                                          % (self.proc.returncode, self.tail()))
            try:
                if "ok" in self.lua('io.write("ok\\n")', timeout=2):
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        raise harness.TestFailure("pktgen: no Lua socket after 60 s:\n" + self.tail())

    def tail(self, n=30):
        try:
            with open(self.log, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def lua(self, code, timeout=30):
        s = socket.create_connection(("127.0.0.1", self.lua_port), timeout=timeout)
        try:
            s.sendall((code.strip() + "\nio.flush()\n").encode())
            s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        finally:
            s.close()
        return out.decode(errors="replace")

    def stats(self):
        """{port: (opackets, ipackets, imissed, ierrors)} for ports 0 and 1."""
        out = self.lua('local s = pktgen.portStats("0-1", "port") '
                       'for p = 0, 1 do io.write(string.format("STAT %d %d %d %d %d\\n", p, '
                       's[p].opackets, s[p].ipackets, s[p].imissed, s[p].ierrors)) end')
        st = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 6 and f[0] == "STAT":
                st[int(f[1])] = tuple(int(x) for x in f[2:])
        if len(st) != 2:
            raise harness.TestFailure("pktgen portStats: unexpected reply %r" % out[-500:])
        return st

    def latency(self):
        out = self.lua('local s = pktgen.pktStats("1")[1].latency '
                       'io.write(string.format("LAT %d %.3f %.3f %.3f\\n", s.num_pkts, '
                       's.min_us, s.avg_us, s.max_us))')
        for line in out.splitlines():
            f = line.split()
            if len(f) == 5 and f[0] == "LAT":
                return int(f[1]), float(f[2]), float(f[3]), float(f[4])
        raise harness.TestFailure("pktgen pktStats latency: unexpected reply %r" % out[-500:])

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)


def setup_stream(pg, size, flows):
    """Port 0 sends UDP from 10.0.0.x to 10.1.0.1 at `size` bytes (or the
    IMIX pcap), over `flows` flows; port 1 only receives."""
    sports, sips = FLOW_RANGES[flows]
    lua = ['pktgen.stop("all")', 'pktgen.set_range("all", "off")', 'pktgen.pcap("0", "off")',
           'pktgen.set_type("0", "ipv4")', 'pktgen.set_proto("0", "udp")',
           'pktgen.set_ipaddr("0", "src", "10.0.0.1/8")', 'pktgen.set_ipaddr("0", "dst", "10.1.0.1")',
           'pktgen.set("0", "sport", 1024)', 'pktgen.set("0", "dport", 5000)',
           'pktgen.set("0", "burst", 32)']
    if size == "imix":
        lua.append('pktgen.pcap("0", "on")')
    elif flows == "1":
        lua.append('pktgen.set("0", "size", %d)' % int(size))
    else:
        lua += ['pktgen.range.ip_proto("0", "udp")',
                'pktgen.range.dst_ip("0", "start", "10.1.0.1")',
                'pktgen.range.dst_ip("0", "inc", "0.0.0.0")',
                'pktgen.range.dst_ip("0", "min", "10.1.0.1")',
                'pktgen.range.dst_ip("0", "max", "10.1.0.1")',
                'pktgen.range.src_ip("0", "start", "10.0.0.1")',
                'pktgen.range.src_ip("0", "inc", "0.0.0.%d")' % (1 if sips > 1 else 0),
                'pktgen.range.src_ip("0", "min", "10.0.0.1")',
                'pktgen.range.src_ip("0", "max", "%s")' % ip_add("10.0.0.1", sips - 1),
                'pktgen.range.src_port("0", "start", 1024)',
                'pktgen.range.src_port("0", "inc", %d)' % (1 if sports > 1 else 0),
                'pktgen.range.src_port("0", "min", 1024)',
                'pktgen.range.src_port("0", "max", %d)' % (1024 + sports - 1),
                'pktgen.range.dst_port("0", "start", 5000)',
                'pktgen.range.dst_port("0", "inc", 0)',
                'pktgen.range.dst_port("0", "min", 5000)',
                'pktgen.range.dst_port("0", "max", 5000)',
                'pktgen.range.pkt_size("0", "start", %d)' % int(size),
                'pktgen.range.pkt_size("0", "inc", 0)',
                'pktgen.range.pkt_size("0", "min", %d)' % int(size),
                'pktgen.range.pkt_size("0", "max", %d)' % int(size),
                'pktgen.set_range("0", "on")']
    pg.lua("\n".join(lua))


def ip_add(ip, n):
    a = [int(x) for x in ip.split(".")]
    v = (a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) + n
    return "%d.%d.%d.%d" % (v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255)


# --------------------------------------------------------------------------
# RFC 2544 search

def trial(pg, rate, seconds, latency=False, dut=None):
    """Send at `rate` percent of the port speed for `seconds`; returns
    dict(tx, rx, lost, pps, lat, and the DUT's own counters when it has
    them: dut_rx on its ingress port, dut_tx and dut_drop on its egress).

    pktgen refreshes its port counters once a second (its display timer):
    a reading is taken only when two readings a refresh apart agree."""
    # pktgen works out the average latency only while its latency page is
    # on the screen (its log file, here).
    pg.lua('pktgen.stop("all")\npktgen.clr()\n'
           'pktgen.latency("0-1", "%s")\npktgen.page("%s")\npktgen.screen("%s")\n'
           'pktgen.set("0", "rate", %g)'
           % ("enable" if latency else "disable", "latency" if latency else "main",
              "on" if latency else "off", rate))
    s0 = settled(pg)
    c0 = dut.counters() if dut is not None else None
    t0 = time.monotonic()
    pg.lua('pktgen.start("0")')
    time.sleep(seconds)
    pg.lua('pktgen.stop("0")')
    elapsed = time.monotonic() - t0
    s1 = settled(pg)     # also lets the switch and the vhost queues drain
    tx = s1[0][0] - s0[0][0]
    rx = s1[1][1] - s0[1][1]
    r = {"rate": rate, "tx": tx, "rx": rx, "lost": tx - rx,
         "pps": tx / elapsed if elapsed > 0 else 0.0, "seconds": elapsed,
         "imissed": s1[1][2] - s0[1][2]}
    if c0 is not None:
        c1 = dut.counters()
        r.update(dut_rx=c1[0] - c0[0], dut_tx=c1[1] - c0[1], dut_drop=c1[2] - c0[2])
    if latency:
        r["lat"] = pg.latency()
        pg.lua('pktgen.latency("0-1", "disable")\npktgen.screen("off")\npktgen.page("main")')
    return r


def settled(pg, interval=1.1, tries=10):
    """pktgen's counters once two readings `interval` apart agree."""
    prev = pg.stats()
    for _ in range(tries):
        time.sleep(interval)
        cur = pg.stats()
        if cur == prev:
            return cur
        prev = cur
    raise harness.TestFailure("pktgen's counters do not settle: %r" % (prev,))


def search(pg, seconds, loss_tol, precision, max_iter, say, dut=None):
    """Binary search of the offered rate (percent of the port speed) for
    the highest with loss <= loss_tol percent. Returns (best trial or None,
    converged, trials)."""
    lo, hi = 0.0, 100.0
    best, trials = None, []
    rate = 100.0
    for _ in range(max_iter):
        r = trial(pg, rate, seconds, dut=dut)
        trials.append(r)
        loss_pct = 100.0 * r["lost"] / r["tx"] if r["tx"] else 100.0
        ok = r["tx"] > 0 and loss_pct <= loss_tol
        where = ""
        if "dut_rx" in r:
            where = " [switch: in %d, out %d, dropped %d; pktgen rx missed %d]" % (
                r["dut_rx"], r["dut_tx"], r["dut_drop"], r["imissed"])
        say("  rate %8.4f%%: tx %d rx %d lost %d (%.4f%%) %.3f Mpps -> %s%s"
            % (rate, r["tx"], r["rx"], r["lost"], loss_pct, r["pps"] / 1e6,
               "pass" if ok else "fail", where))
        if ok:
            lo, best = rate, r
            if rate >= 100.0:
                return best, True, trials
        else:
            hi = rate
        if hi - lo <= precision * max(hi, 1e-9):
            return best, best is not None, trials
        # Down fast while nothing passed (a shared machine may pass only
        # a small share of the port speed), then halve the interval.
        rate = hi / 4 if best is None else (lo + hi) / 2
    return best, False, trials


# --------------------------------------------------------------------------
# devices under test

def rule_lines(rules):
    """The OpenFlow rules of a rule set, as ovs-ofctl flow lines."""
    flows = ["priority=10,in_port=1,actions=output:2", "priority=10,in_port=2,actions=output:1"]
    if rules == "many":
        # 1,000 exact UDP rules the traffic walks through (source port).
        flows = ["priority=20,udp,in_port=1,tp_src=%d,actions=output:2" % (1024 + i)
                 for i in range(1000)] + flows
    return flows


def bridges_yaml(rules, sockdir):
    """The bridges: section (ConfigDaemon formats it: braces doubled)."""
    flows = ['"%s"' % f for f in rule_lines(rules)]
    sock = sockdir.replace("{", "{{").replace("}", "}}")
    return ("  - name: br0\n"
            "    listen: [\"ptcp:{of_port}:127.0.0.1\"]\n"
            "    flows: [%s]\n"
            "    ports:\n"
            "      - {{name: vm1, ofport: 1, type: vhost-user, path: \"%s/vm1.sock\", mode: server}}\n"
            "      - {{name: vm2, ofport: 2, type: vhost-user, path: \"%s/vm2.sock\", mode: server}}\n"
            % (", ".join(flows), sock, sock))


class SwitchDut:
    name = "pmdswitch"

    def __init__(self, build, tmp, sockdir, rules, pmd_cpu):
        self.d = harness.ConfigDaemon(build, tmp, bridges_yaml(rules, sockdir),
                                      lcores="0@0,1@%d" % pmd_cpu, pmd_cores=(1,))

    def start(self):
        self.d.start()

    def counters(self):
        """(vm1 rx_packets, vm2 tx_packets, vm2 tx_dropped)."""
        p1, p2 = self.d.port("vm1"), self.d.port("vm2")
        return p1["rx_packets"], p2["tx_packets"], p2["tx_dropped"]

    def stop(self):
        if self.d.alive():
            self.d.proc.send_signal(signal.SIGTERM)
            try:
                self.d.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.d.kill()


class OvsDut:
    """OVS-DPDK with two dpdkvhostuserclient ports on vm1.sock and vm2.sock
    (pktgen's virtio-user ports are the servers: server=1), the rule set's
    rules, its PMD thread on pmd_cpu and its main lcore on CPU 0."""
    name = "OVS-DPDK"
    vhost_server = True

    def __init__(self, tmp, sockdir, rules, pmd_cpu):
        self.ovs = ovs_dpdk.OvsDpdk(
            os.path.join(tmp, "ovs"),
            [("vm%d" % i, i, ["type=dpdkvhostuserclient",
                              "options:vhost-server-path=%s/vm%d.sock" % (sockdir, i)])
             for i in (1, 2)],
            rule_lines(rules), lcore_cpu=0, pmd_cpu=pmd_cpu, socket_mem=512,
            extra="--no-pci --in-memory --single-file-segments --log-level=*:warning")
        self.started = False

    def start(self):
        log("OVS-DPDK: %s, private run directory %s" % (ovs_dpdk.OVS_DPDK, self.ovs.rd))
        harness.on_cleanup(self.stop)
        self.started = True
        try:
            self.ovs.start()
        except subprocess.CalledProcessError as e:
            raise harness.TestFailure("OVS-DPDK did not start: %s: %s\n%s" % (
                " ".join(e.cmd[:3]), (e.stderr or "").strip()[-300:], self.ovs.log_tail()))
        except subprocess.TimeoutExpired as e:
            raise harness.TestFailure("OVS-DPDK did not start: %s timed out\n%s"
                                      % (" ".join(e.cmd[:3]), self.ovs.log_tail()))

    def connected(self):
        """Both vhost-user ports are up (the client connected to pktgen's
        servers and the queues are enabled)."""
        out = self.ovs.sh("ovs-vsctl", "--db=" + self.ovs.db, "--columns=name,link_state",
                          "--format=csv", "--data=bare", "--no-headings", "list", "Interface")
        up = {l.split(",")[0] for l in out.splitlines() if l.endswith(",up")}
        return {"vm1", "vm2"} <= up

    def counters(self):
        """(vm1 rx packets, vm2 tx packets, vm2 tx dropped)."""
        st = self.ovs.port_stats()
        if "vm1" not in st or "vm2" not in st:
            return None
        return st["vm1"]["rx"], st["vm2"]["tx"], st["vm2"]["tx_dropped"]

    def stop(self):
        if self.started:
            self.started = False
            self.ovs.stop()


class TestpmdDut:
    """The loopback reference: dpdk-testpmd io forwarding between two
    vhost-user server ports (the switch's place, no lookup)."""
    name = "testpmd-io (loopback limit)"

    def __init__(self, tmp, sockdir, cpu):
        self.tmp, self.sockdir, self.cpu = tmp, sockdir, cpu
        self.prefix = "pmdsw-tpio-%d" % os.getpid()
        self.proc = None

    def counters(self):
        return None

    def start(self):
        cmd = ["dpdk-testpmd", "--lcores", "0@0,1@%d" % self.cpu, "--no-pci", "--in-memory",
               "--single-file-segments", "-m", "256", "--file-prefix", self.prefix,
               "--log-level=*:warning",
               "--vdev", "net_vhost0,iface=%s/vm1.sock,queues=1" % self.sockdir,
               "--vdev", "net_vhost1,iface=%s/vm2.sock,queues=1" % self.sockdir,
               "--", "-i", "--forward-mode=io", "--nb-cores=1", "--rxq=1", "--txq=1",
               "--auto-start", "--total-num-mbufs=16384"]
        log("loopback: " + " ".join(cmd))
        self.log = open(os.path.join(self.tmp, "testpmd-io.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        harness.on_cleanup(self.stop)
        harness.wait_for(lambda: os.path.exists(os.path.join(self.sockdir, "vm2.sock"))
                         or self.proc.poll() is not None, 30, what="testpmd vhost sockets")
        if self.proc.poll() is not None:
            raise harness.TestFailure("dpdk-testpmd exited at start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(10)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)


def remove_stale_socket(path):
    """Unlinks path when it is a Unix socket nobody listens on."""
    if not os.path.exists(path):
        return
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
    except OSError:
        pass
    finally:
        s.close()


# --------------------------------------------------------------------------
# outputs

def write_outputs(rows, outdir, oversub):
    os.makedirs(outdir, exist_ok=True)
    note = "2-core machine: oversubscribed" if oversub else ""
    ovs_vs(rows)
    keys = ["dut", "rules", "size", "flows", "zero_loss_mpps", "gbps", "rate_pct",
            "tx", "rx", "lost", "dut_rx", "dut_tx", "trial_s", "converged", "lat_min_us", "lat_avg_us",
            "lat_max_us", "ovs_zero_loss_mpps", "ratio_vs_ovs", "note"]
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in keys})
    md = ["| DUT | rules | frame | flows | zero-loss Mpps | Gbit/s | latency min/avg/max µs "
          "| OVS-DPDK zero-loss Mpps | pmdswitch / OVS | trial | note |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lat = ("%.1f / %.1f / %.1f" % (r["lat_min_us"], r["lat_avg_us"], r["lat_max_us"])
               if r.get("lat_avg_us") not in (None, "") else "-")
        ovs = "%.3f" % r["ovs_zero_loss_mpps"] if r.get("ovs_zero_loss_mpps", "") != "" else "-"
        ratio = "%.2fx" % r["ratio_vs_ovs"] if r.get("ratio_vs_ovs", "") != "" else "-"
        md.append("| %s | %s | %s | %s | %.3f | %.3f | %s | %s | %s | %.0f s | %s |" % (
            r["dut"], r["rules"], r["size"], r["flows"], r["zero_loss_mpps"], r["gbps"], lat,
            ovs, ratio, r["trial_s"],
            (note + ("" if r["converged"] else "; not converged")).strip("; ")))
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    plot(rows, outdir, note)
    return "\n".join(md)


def ovs_vs(rows):
    """Put OVS-DPDK's zero-loss Mpps (same rules, frame size and flows) and
    the ratio beside each pmdswitch row."""
    ovs = {(r["rules"], r["size"], r["flows"]): r["zero_loss_mpps"]
           for r in rows if r["dut"] == OvsDut.name}
    for r in rows:
        o = ovs.get((r["rules"], r["size"], r["flows"]))
        if r["dut"] == SwitchDut.name and o is not None:
            r["ovs_zero_loss_mpps"] = o
            r["ratio_vs_ovs"] = r["zero_loss_mpps"] / o if o > 0 else ""


def plot(rows, outdir, note):
    """results.png: Mpps and Gbit/s against frame size, one line per DUT
    and flow count (gnuplot)."""
    if shutil.which("gnuplot") is None:
        log("no gnuplot: no plot (apt-get install gnuplot-nox)")
        return
    series = {}
    rule_sets = {r["rules"] for r in rows if r["rules"] != "-"}
    for r in rows:
        if r["size"] == "imix":
            continue
        rules = " (%s rules)" % r["rules"] if len(rule_sets) > 1 and r["rules"] != "-" else ""
        series.setdefault("%s%s, %s flows" % (r["dut"], rules, r["flows"]), []).append(
            (int(r["size"]), r["zero_loss_mpps"], r["gbps"]))
    if not series:
        return
    data = os.path.join(outdir, "results.dat")
    with open(data, "w") as f:
        for name, pts in series.items():
            f.write('"%s"\n' % name)
            for s, m, g in sorted(pts):
                f.write("%d %.4f %.4f\n" % (s, m, g))
            f.write("\n\n")
    n = len(series)
    title = "RFC 2544 zero-loss throughput, pktgen-dpdk PVP" + (" (%s)" % note if note else "")
    gp = """set terminal pngcairo size 1100,480 font ",10"
set output "{out}"
set multiplot layout 1,2 title "{title}"
set xlabel "frame size (bytes)"
set logscale x 2
set xrange [48:2048]
set yrange [0:*]
set xtics (64,128,256,512,1024,1518)
set key top left font ",8"
set grid
set ylabel "Mpps"
plot for [i=0:{last}] "{data}" index i using 1:2 with linespoints title columnheader(1)
set ylabel "Gbit/s (frames + 20 B overhead)"
set key top left font ",8"
plot for [i=0:{last}] "{data}" index i using 1:3 with linespoints title columnheader(1)
unset multiplot
""".format(out=os.path.join(outdir, "results.png"), title=title, last=n - 1, data=data)
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode != 0:
        log("gnuplot failed: " + r.stderr.strip()[-300:])


# --------------------------------------------------------------------------
# main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="pmdswitch build dir")
    p.add_argument("--pktgen", help="pktgen binary (default: build it with "
                   "tools/bench/pktgen-build.sh from PKTGEN_SRC, or the cached one)")
    p.add_argument("--sizes", default="64,128,256,512,1024,1518,imix")
    p.add_argument("--flows", default="1,1k,64k,1M")
    p.add_argument("--rules", default="port", help="port, many, or port,many")
    p.add_argument("--trial", type=float, default=10.0, help="trial seconds (default 10)")
    p.add_argument("--final", action="store_true", help="60-second trials")
    p.add_argument("--loss-tol", type=float, default=0.0, help="loss tolerance in percent (default 0)")
    p.add_argument("--precision", type=float, default=0.05,
                   help="stop when the search interval is below this share of the rate (default 0.05)")
    p.add_argument("--max-iter", type=int, default=16)
    p.add_argument("--latency-fraction", type=float, default=0.5,
                   help="latency at this fraction of the zero-loss rate (0: no latency)")
    p.add_argument("--loopback", action="store_true",
                   help="also measure pktgen -> testpmd io -> pktgen (the set-up's limit)")
    p.add_argument("--ovs", action="store_true", default=None,
                   help="OVS-DPDK as a second DUT (default: when %s is installed)"
                   % ovs_dpdk.OVS_DPDK)
    p.add_argument("--no-ovs", dest="ovs", action="store_false", help="leave OVS-DPDK out")
    p.add_argument("--pci", help="A,B: pktgen drives these two PCI ports (a real testbed)")
    p.add_argument("--sock-dir", help="directory of the vhost-user sockets (default: a temp dir)")
    p.add_argument("--out", default="pvp-results", help="output directory")
    p.add_argument("--full", action="store_true",
                   help="everything: all sizes and flows, port and many rules, --final, "
                   "--loopback, --ovs")
    p.add_argument("--pktgen-cpu", type=int, default=0, help="CPU of pktgen's worker")
    p.add_argument("--pktgen-mem", type=int, default=384,
                   help="pktgen's hugepage memory in MB (default 384; pktgen-build.sh sizes its "
                   "mbuf pools for frames up to 1518 bytes)")
    p.add_argument("--dut-cpu", type=int, default=1, help="CPU of the switch's PMD")
    a = p.parse_args(argv)
    if a.full:
        a.sizes, a.flows, a.rules = ",".join(ALL_SIZES), ",".join(ALL_FLOWS), "port,many"
        a.final = a.loopback = True
    if a.final:
        a.trial = 60.0
    return a


def check_inputs(a):
    """Every bad input in one clear line before anything starts."""
    sizes = []
    for s in a.sizes.split(","):
        s = s.strip().lower()
        if s == "imix":
            sizes.append(s)
            continue
        try:
            v = int(s)
        except ValueError:
            raise BenchError("frame size %r: expected a number of bytes or imix" % s)
        if v < 64 or v > MTU_FRAME:
            raise BenchError("frame size %d: must be 64 to %d bytes (Ethernet minimum to the "
                             "1500-byte MTU's frame)" % (v, MTU_FRAME))
        sizes.append(str(v))
    flows = [f.strip() for f in a.flows.split(",")]
    for f in flows:
        if f not in FLOW_RANGES:
            raise BenchError("flow count %r: expected one of %s" % (f, ", ".join(FLOW_RANGES)))
    rules = [r.strip() for r in a.rules.split(",")]
    for r in rules:
        if r not in ("port", "many"):
            raise BenchError("rule set %r: expected port or many" % r)
    if a.trial <= 0 or a.loss_tol < 0 or a.loss_tol >= 100:
        raise BenchError("--trial must be > 0 and --loss-tol in [0, 100)")
    pci = None
    if a.pci:
        pci = [x.strip() for x in a.pci.split(",")]
        if len(pci) != 2:
            raise BenchError("--pci wants two addresses, A,B")
        for addr in pci:
            full = addr if addr.count(":") == 2 else "0000:" + addr
            if not os.path.exists("/sys/bus/pci/devices/" + full):
                raise BenchError("PCI address %s does not exist (/sys/bus/pci/devices/%s)"
                                 % (addr, full))
    if a.pktgen:
        if not os.access(a.pktgen, os.X_OK):
            raise BenchError("pktgen %s is not an executable" % a.pktgen)
    if not pci:
        for b in ("pmdswitchd", "pmdswitch-ctl"):
            if not os.access(os.path.join(a.build, b), os.X_OK):
                raise BenchError("%s/%s is not built (meson setup build && ninja -C build)"
                                 % (a.build, b))
        if a.sock_dir:
            for n in ("vm1.sock", "vm2.sock"):
                path = os.path.join(a.sock_dir, n)
                if os.path.exists(path):
                    raise BenchError("vhost socket path %s is taken (another switch or guest "
                                     "uses it; remove it or pick another --sock-dir)" % path)
        if a.loopback and shutil.which("dpdk-testpmd") is None:
            raise BenchError("--loopback needs dpdk-testpmd (package dpdk-dev)")
        if a.ovs and not ovs_dpdk.installed():
            raise BenchError("--ovs needs OVS-DPDK (%s): %s" % (ovs_dpdk.OVS_DPDK,
                                                              ovs_dpdk.INSTALL_HINT))
        if a.ovs is None:
            a.ovs = ovs_dpdk.installed()
    else:
        a.ovs = False
    if os.geteuid() != 0:
        raise BenchError("needs root (DPDK, hugepages)")
    return sizes, flows, rules, pci


def find_pktgen(a):
    if a.pktgen:
        return a.pktgen
    r = subprocess.run(["bash", os.path.join(HERE, "pktgen-build.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        last = [l for l in r.stderr.strip().splitlines() if l.strip()]
        raise BenchError("pktgen missing: " + (last[-1] if last else "pktgen-build.sh failed"))
    return r.stdout.strip().splitlines()[-1]


def write_imix_pcap(path):
    frames = []
    seq = []
    for size, count in IMIX:
        seq += [size] * count
    for i, size in enumerate(seq):
        frames.append(harness.udp_frame(1024 + i, 5000, size=size, tag=i))
    harness.pcap_write(path, frames)


def run_dut(a, dut, pg_binary, sizes, flows, rules_name, tmp, sockdir, pci, oversub, rows):
    note = " [2-core machine: oversubscribed]" if oversub else ""
    if dut is not None:
        dut.start()
    if pci:
        ports = ["-a", pci[0], "-a", pci[1]]
    else:
        # With a vhost-user client DUT (OVS-DPDK) pktgen's side is the server.
        srv = ",server=1" if getattr(dut, "vhost_server", False) else ""
        if srv:
            # A DUT killed before (testpmd) may have left its sockets.
            for n in ("vm1.sock", "vm2.sock"):
                remove_stale_socket(os.path.join(sockdir, n))
        ports = ["--no-pci",
                 "--vdev", "net_virtio_user0,path=%s/vm1.sock,queues=1,queue_size=1024%s"
                 % (sockdir, srv),
                 "--vdev", "net_virtio_user1,path=%s/vm2.sock,queues=1,queue_size=1024%s"
                 % (sockdir, srv)]
    imix = None
    if "imix" in sizes:
        imix = os.path.join(tmp, "imix.pcap")
        write_imix_pcap(imix)
    pg = Pktgen(pg_binary, tmp, (0, a.pktgen_cpu), ports, a.pktgen_mem, imix).start()
    dut_name = dut.name if dut is not None else "PCI testbed"
    try:
        if hasattr(dut, "connected"):
            harness.wait_for(dut.connected, 30, what="%s's vhost-user ports up" % dut_name)
        for flows_name in flows:
            for size in sizes:
                if size == "imix" and flows_name != "1":
                    continue    # the IMIX capture is one flow per size
                setup_stream(pg, size, flows_name)
                log("%s, rules %s, %s bytes, %s flows: search (trials of %g s, loss <= %g%%)%s"
                    % (dut_name, rules_name, size, flows_name, a.trial, a.loss_tol, note))
                best, conv, _ = search(pg, a.trial, a.loss_tol, a.precision, a.max_iter, log,
                                       dut if dut is not None and dut.counters() else None)
                avg = imix_avg() if size == "imix" else int(size)
                mpps = best["rx"] / best["seconds"] / 1e6 if best else 0.0
                row = {"dut": dut_name, "rules": rules_name, "size": size, "flows": flows_name,
                       "zero_loss_mpps": mpps, "gbps": mpps * 1e6 * frame_bits(avg) / 1e9,
                       "rate_pct": best["rate"] if best else 0.0,
                       "tx": best["tx"] if best else 0, "rx": best["rx"] if best else 0,
                       "lost": best["lost"] if best else 0, "trial_s": a.trial,
                       "converged": conv, "note": "2-core machine: oversubscribed" if oversub else "",
                       "dut_rx": best.get("dut_rx", "") if best else "",
                       "dut_tx": best.get("dut_tx", "") if best else ""}
                if best and a.latency_fraction > 0:
                    lt = trial(pg, best["rate"] * a.latency_fraction, min(a.trial, 10), latency=True)
                    n, lmin, lavg, lmax = lt["lat"]
                    if n > 0:
                        row.update(lat_min_us=lmin, lat_avg_us=lavg, lat_max_us=lmax)
                        log("  latency at %.0f%% of that rate: min %.1f avg %.1f max %.1f us "
                            "(%d samples)%s" % (a.latency_fraction * 100, lmin, lavg, lmax, n, note))
                log("=> %s %s B %s flows: %.3f Mpps, %.3f Gbit/s zero loss (rate %.3f%%, %s)%s"
                    % (dut_name, size, flows_name, mpps, row["gbps"], row["rate_pct"],
                       "converged" if conv else "NOT converged", note))
                rows.append(row)
    finally:
        pg.kill()
        if dut is not None:
            dut.stop()


def main(argv):
    a = parse_args(argv)
    try:
        sizes, flows, rules, pci = check_inputs(a)
        pg_binary = find_pktgen(a)
    except BenchError as e:
        print("pvp-bench: error: %s" % e, file=sys.stderr)
        return SKIP_ERR
    oversub = (os.cpu_count() or 1) < OVERSUB_CPUS
    if not pci and harness.no_huge(a.build):
        print("pvp-bench: error: vhost-user needs hugepages (shared guest memory): "
              "reserve them (bash tools/setup.sh)", file=sys.stderr)
        return SKIP_ERR
    rows = []
    rc = 0
    tmp = tempfile.mkdtemp(prefix="pmdsw-pvp-")
    harness.on_cleanup(lambda: shutil.rmtree(tmp, ignore_errors=True))
    old = signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        if pci:
            run_dut(a, None, pg_binary, sizes, flows, "external", tmp, None, pci, oversub, rows)
        else:
            sockdir = a.sock_dir or tmp
            for r in rules:
                run_dut(a, SwitchDut(a.build, tmp, sockdir, r, a.dut_cpu), pg_binary, sizes,
                        flows, r, tmp, sockdir, None, oversub, rows)
            if a.loopback:
                run_dut(a, TestpmdDut(tmp, sockdir, a.dut_cpu), pg_binary, sizes, flows, "-",
                        tmp, sockdir, None, oversub, rows)
            if a.ovs:
                for r in rules:
                    run_dut(a, OvsDut(tmp, sockdir, r, a.dut_cpu), pg_binary, sizes, flows, r,
                            tmp, sockdir, None, oversub, rows)
        table = write_outputs(rows, a.out, oversub)
        print(table)
        if oversub:
            print("(2-core machine: oversubscribed: pktgen, the switch's PMD and the main "
                  "threads share %d CPUs)" % (os.cpu_count() or 1))
        log("wrote %s/results.md, results.csv, results.png" % a.out)
    except (harness.TestFailure, OSError, subprocess.SubprocessError) as e:
        print("pvp-bench: error: %s" % e, file=sys.stderr)
        rc = 1
        if rows:
            # What was measured before the failure is kept.
            write_outputs(rows, a.out, oversub)
            log("wrote the %d rows measured before the error to %s/results.md, results.csv, "
                "results.png" % (len(rows), a.out))
    except KeyboardInterrupt:
        print("pvp-bench: interrupted", file=sys.stderr)
        rc = 1
    finally:
        signal.signal(signal.SIGTERM, old)
        harness._run_cleanups()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
