#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tunnel benchmark: VXLAN encapsulation and decapsulation on one PMD core.

encap: a net_pcap port replays 64-byte inner UDP frames (infinite_rx=1)
into a rule that outputs to a vxlan port; the outer frames leave the
underlay port, a net_null sink. decap: the underlay port is the net_pcap
generator, replaying the same frames VXLAN-encapsulated to the endpoint;
the inner frames go to a net_null sink. The remote VTEP is a static
neighbour of the endpoint (no ARP on net_null). Both with 1 and 1,000
inner flows. Prints Mpps (median of the per-second rates after a warm-up)
and cycles per packet (pmd-stats-show), and the plain forwarding of the
same inner frames (one in_port rule) as the reference row.

OVS-DPDK (Debian's openvswitch-switch-dpdk), when installed, runs the same
encap and decap on the same ports, frames and PMD core in the same run
(tools/bench/ovs_dpdk.py: a private instance), with userspace native
tunnelling: bridge br0 holds p1 (the inner side) and a vxlan port (same
remote IP and key), bridge br-phy holds the underlay port u0 and has the
endpoint IP on its LOCAL port (kernel side in a private network namespace),
the remote VTEP is a static tnl/arp entry. encap: p1 -> vxlan port ->
tnl_push -> u0; decap: u0 -> br-phy LOCAL -> tnl_pop -> vxlan port -> p1.
Its Mpps is the tx rate of the sink port in dpctl/show -s; the script checks
with dpctl/dump-flows that the datapath flow really pushes / pops the
tunnel (an OVS row that does not is reported as failed, not as a rate).
The table gives the ratio pmdswitchd / OVS-DPDK (goal: at least 2x).
With --repeat N every row runs N times, pmdswitchd and OVS-DPDK taking
turns (a slow minute on a shared machine hits both), and the table gives
the medians, their ratio and the lowest and highest ratio of one
pmdswitchd run to the OVS-DPDK run next to it.
Prints tables; never fails on a figure; fails only when something does
not run.

usage: bench_tunnels.py BUILD_DIR [--seconds N] [--quick] [--repeat N]
"""
import json
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "bench"))
import ovs_dpdk  # noqa: E402  (the private OVS-DPDK instance)

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build"
SECONDS = 8
if "--seconds" in sys.argv:
    SECONDS = int(sys.argv[sys.argv.index("--seconds") + 1])
QUICK = "--quick" in sys.argv
REPEAT = 1
if "--repeat" in sys.argv:
    REPEAT = int(sys.argv[sys.argv.index("--repeat") + 1])
FLOWS = [1] if QUICK else [1, 1000]
OVS_DPDK = ovs_dpdk.OVS_DPDK

SW_MAC = bytes.fromhex("020000000001")
PEER_MAC = bytes.fromhex("020000000002")
SW_IP = bytes([192, 0, 2, 1])
PEER_IP = bytes([192, 0, 2, 2])

CONFIG = """dpdk:
  lcores: "0-1"
  main-lcore: 0
  memory-mb: 1024
  extra-args: ["--no-pci"]
datapath:
  pmd-cores: [1]
ctl-socket: {ctl}
bridges:
  - name: br0
    flows: {flows}
    tunnel-endpoint:
      port: u0
      ip: 192.0.2.1/24
      neighbours: [{{ip: 192.0.2.2, mac: "02:00:00:00:00:02"}}]
    ports:
      - {{name: u0, ofport: 1, type: dpdk, mac: "02:00:00:00:00:01", devargs: "{u0}"}}
      - {{name: h0, ofport: 2, type: dpdk, devargs: "{h0}"}}
      - {{name: vx0, ofport: 10, type: vxlan, remote-ip: 192.0.2.2, key: 100}}
"""


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def inner_frames(n):
    out = []
    for i in range(n):
        payload = bytes(18)
        udp = struct.pack("!HHHH", 1024 + i, 5000, 8 + len(payload), 0) + payload
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0,
                                   64, 17, 0, bytes([10, 0, 0, 1]),
                                   bytes([10, 0, 0, 2])))
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        out.append(bytes.fromhex("02000000000a02000000000b0800") + bytes(ip) + udp)
    return out


def vxlan(inner, sport):
    vx = struct.pack("!BBHI", 0x08, 0, 0, 100 << 8)
    udp = struct.pack("!HHHH", sport, 4789, 8 + len(vx) + len(inner), 0)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0,
                               20 + len(udp) + len(vx) + len(inner), 0, 0x4000,
                               64, 17, 0, PEER_IP, SW_IP))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return SW_MAC + PEER_MAC + b"\x08\x00" + bytes(ip) + udp + vx + inner


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000, i, len(fr), len(fr)))
            f.write(fr)


def ctl_json(tmp, *args):
    out = subprocess.run([os.path.join(BUILD, "pmdswitch-ctl"), "--ctl",
                          os.path.join(tmp, "ctl"), "--json"] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, timeout=10)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None


def run(tmp, u0, h0, flows, sink):
    """Median Mpps of port `sink`'s tx after a 2 s warm-up, cycles/packet,
    and the tunnel-show document at the end."""
    cfg = os.path.join(tmp, "bench.yaml")
    text = CONFIG.format(ctl=os.path.join(tmp, "ctl"), u0=u0, h0=h0,
                         flows="[" + ", ".join('"%s"' % x for x in flows) + "]")
    if os.environ.get("PMDSWITCH_NO_HUGE", "0") not in ("", "0"):
        text = text.replace("  memory-mb: 1024\n", "  memory-mb: 512\n  no-huge: true\n")
    with open(cfg, "w") as f:
        f.write(text)
    p = subprocess.Popen([os.path.join(BUILD, "pmdswitchd"), "--config", cfg,
                          "--duration", str(max(SECONDS + 1, 5)),
                          "--log-level", "warning"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    rates, cpp, ts, log = [], None, None, []
    try:
        for line in p.stdout:
            log.append(line)
            m = re.search(r"%s rx [\d.]+ tx ([\d.]+) Mpps" % sink, line)
            if not m:
                continue
            rates.append(float(m.group(1)))
            if len(rates) == 2:
                ctl_json(tmp, "pmd-stats-clear")
            if len(rates) == max(SECONDS - 1, 3):
                st = ctl_json(tmp, "pmd-stats-show")
                if st and st.get("total"):
                    cpp = st["total"].get("cycles_per_packet")
                ts = ctl_json(tmp, "tunnel-show")
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    if p.returncode != 0 or not rates:
        sys.stderr.write("".join(log[-30:]))
        raise SystemExit("pmdswitchd failed (status %s)" % p.returncode)
    rates = rates[2:] or rates
    return statistics.median(rates), cpp, ts


def run_ovs(tmp, mode, pcap):
    """OVS-DPDK VXLAN encap or decap (module doc): (median Mpps out of the
    sink port after a 2 s warm-up, None) or (None, reason)."""
    gen = "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap
    null = "net_null0,no-rx=1"
    inner_dev, under_dev = (gen, null) if mode == "encap" else (null, gen)
    sink = "u0" if mode == "encap" else "p1"
    want = "tnl_push(" if mode == "encap" else "tnl_pop("
    flows = (["in_port=1,actions=output:10"] if mode == "encap"
             else ["in_port=10,actions=output:1"])
    ns = "pmdsw-tnl-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    ovs = ovs_dpdk.OvsDpdk(os.path.join(tmp, "ovs"), [
        ("p1", 1, ["type=dpdk", "options:dpdk-devargs=" + inner_dev]),
        ("vx0", 10, ["type=vxlan", "options:remote_ip=192.0.2.2",
                     "options:key=100"])], flows, socket_mem=512,
        extra="--no-pci --in-memory --log-level=*:warning", netns=ns)
    try:
        ovs.start()
        ovs.sh("ovs-vsctl", "--db=" + ovs.db, "--timeout=60", "add-br", "br-phy",
               "--", "set", "bridge", "br-phy", "datapath_type=netdev",
               "other_config:hwaddr=02:00:00:00:00:01",
               "--", "add-port", "br-phy", "u0", "--", "set", "Interface", "u0",
               "type=dpdk", "options:dpdk-devargs=" + under_dev, "ofport_request=1",
               timeout=90)
        ovs.sh("ovs-ofctl", "del-flows", "br-phy")
        ovs.sh("ovs-ofctl", "add-flow", "br-phy", "in_port=1,actions=LOCAL")
        ovs.sh("ovs-ofctl", "add-flow", "br-phy", "in_port=LOCAL,actions=output:1")
        ovs.sh("ip", "netns", "exec", ns, "ip", "addr", "add", "192.0.2.1/24",
               "dev", "br-phy")
        ovs.sh("ip", "netns", "exec", ns, "ip", "link", "set", "br-phy", "up")
        ovs.sh("ovs-appctl", "-t", ovs.ctl, "ovs/route/add", "192.0.2.2/32", "br-phy")
        ovs.sh("ovs-appctl", "-t", ovs.ctl, "tnl/arp/set", "br-phy", "192.0.2.2",
               "02:00:00:00:00:02")
        samples = []
        for _ in range(SECONDS + 1):
            st = ovs.port_stats().get(sink)
            samples.append((time.monotonic(), st["tx"] if st else None))
            time.sleep(1)
        dump = ovs.sh("ovs-appctl", "-t", ovs.ctl, "dpctl/dump-flows")
        rates = [(b[1] - a[1]) / (b[0] - a[0]) / 1e6
                 for a, b in zip(samples, samples[1:])
                 if a[1] is not None and b[1] is not None]
        rates = rates[2:] or rates
        if want not in dump:
            sys.stderr.write("OVS-DPDK %s datapath flows:\n%s\n" % (mode, dump))
            return None, "no %s) in its datapath flows" % want.rstrip("(")
        if not rates or not statistics.median(rates):
            return None, "no packets out of %s" % sink
        print("OVS-DPDK %s datapath flow: %s" % (
            mode, next(ln.strip() for ln in dump.splitlines() if want in ln)), flush=True)
        return statistics.median(rates), None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        err = (getattr(e, "stderr", None) or "").strip()
        sys.stderr.write("OVS-DPDK did not run: %s %s\n%s\n" % (e, err, ovs.log_tail()))
        cmd = getattr(e, "cmd", None)
        return None, "did not run (%s%s)" % (
            " ".join(cmd[:3]) if cmd else e, ": " + err.splitlines()[-1] if err else "")
    finally:
        ovs.stop()
        subprocess.run(["ip", "netns", "del", ns])


def repeated(ours, theirs):
    """Runs ours() and theirs() REPEAT times in turn: (median Mpps, median
    cycles/packet, last counters document, median OVS Mpps or None, why
    OVS has no figure, (lowest, highest) ratio of a run pair or None)."""
    mine, cpps, docs, ovs, why, ratios = [], [], [], [], "", []
    for _ in range(REPEAT):
        r = ours()
        mine.append(r[0])
        if r[1]:
            cpps.append(r[1])
        docs.append(r[2])
        if theirs is None:
            continue
        o = theirs()
        if o[0]:
            ovs.append(o[0])
            ratios.append(r[0] / o[0])
        else:
            why = o[1]
    return (statistics.median(mine), statistics.median(cpps) if cpps else None,
            docs[-1], statistics.median(ovs) if ovs else None, why,
            (min(ratios), max(ratios)) if ratios else None)


def main():
    tmp = tempfile.mkdtemp(prefix="pmdsw-bench-tnl-")
    with_ovs = ovs_dpdk.installed()
    rows = []
    for n in FLOWS:
        inner = inner_frames(n)
        pin = os.path.join(tmp, "inner-%d.pcap" % n)
        pvx = os.path.join(tmp, "vxlan-%d.pcap" % n)
        write_pcap(pin, inner)
        write_pcap(pvx, [vxlan(f, 49152 + i % 16384) for i, f in enumerate(inner)])
        gen = "net_pcap0,rx_pcap=%s,infinite_rx=1"
        null = "net_null0,no-rx=1"
        # Plain forwarding of the inner frames (reference).
        r = repeated(lambda: run(tmp, null.replace("0,", "1,"), gen % pin,
                                 ["in_port=2,actions=output:1"], "u0"), None)
        rows.append(("plain forward", n, r[0], r[1], None, "", "", None))
        # Encapsulation: h0 generates, u0 sinks the VXLAN frames.
        r = repeated(lambda: run(tmp, null.replace("0,", "1,"), gen % pin,
                                 ["in_port=2,actions=output:10"], "u0"),
                     (lambda: run_ovs(tmp, "encap", pin)) if with_ovs else None)
        tx = r[2]["ports"][0]["tx_packets"] if r[2] else "?"
        rows.append(("vxlan encap", n, r[0], r[1], r[3],
                     r[4] if with_ovs else "not installed", "vx0 tx %s" % tx, r[5]))
        # Decapsulation: u0 generates VXLAN, h0 sinks the inner frames.
        r = repeated(lambda: run(tmp, gen % pvx, null.replace("0,", "1,"),
                                 ["in_port=10,actions=output:2"], "h0"),
                     (lambda: run_ovs(tmp, "decap", pvx)) if with_ovs else None)
        rx = r[2]["ports"][0]["rx_packets"] if r[2] else "?"
        rows.append(("vxlan decap", n, r[0], r[1], r[3],
                     r[4] if with_ovs else "not installed", "vx0 rx %s" % rx, r[5]))
    print("\ntunnels: one PMD core, 64-byte inner frames, %d s per row%s" % (
        SECONDS, ", median of %d runs taking turns with OVS-DPDK" % REPEAT
        if REPEAT > 1 else ""))
    if with_ovs:
        print("OVS-DPDK (%s) measured in this run on the same ports, frames "
              "and PMD core (native tunnelling)" % OVS_DPDK)
    else:
        print("OVS-DPDK: not installed (%s); no ratio" % ovs_dpdk.INSTALL_HINT)
    print("| mode | flows | pmdswitchd (Mpps) | cycles/pkt | OVS-DPDK (Mpps) "
          "| ratio | run pairs | goal | counters |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for name, n, mpps, cpp, ovs, why, note, span in rows:
        ratio = mpps / ovs if ovs and mpps else None
        goal = ""
        if name != "plain forward" and ratio:
            goal = ">=2x OVS: %s" % ("met" if ratio >= 2 else "missed")
        print("| %s | %d | %.2f | %s | %s | %s | %s | %s | %s |" % (
            name, n, mpps, "%.1f" % cpp if cpp else "-",
            "%.2f" % ovs if ovs else ("-" if name == "plain forward" else
                                      "failed: " + why if with_ovs else "-"),
            "%.2fx" % ratio if ratio else "-",
            "%.2fx-%.2fx" % span if span else "-", goal, note))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
