#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IP fragments: nw_frag matching and tiny first fragments, end to end.

ofport 1: net_pcap rx_pcap (read once) with whole packets, first, later
and tiny first fragments (RFC 1858: a first fragment too short for the
whole TCP header); ofport 2: net_pcap tx_pcap.

1. `ip,nw_frag=yes,actions=drop` over `actions=output:2`: only the
   whole packets leave port 2 (IPv4 and IPv6 fragments alike).
2. `tcp,tp_dst=22,actions=drop` over `actions=output:2`: a tiny first
   fragment that carries destination port 22 in its 8 TCP bytes is
   dropped like the whole packet (before, its ports read as 0 and it went
   through); `ip,nw_frag=later` counts it (it has no whole L4 header).
3. ovs-ofctl -O OpenFlow13 (NXM_NX_IP_FRAG inside the OXM match) adds
   nw_frag=first / not_later flows and dumps them back by name; the same
   names in pmdswitch-ctl dump-flows.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DST_MAC, SRC_MAC, Daemon, Port, check, check_eq,  # noqa: E402
                     check_frames, csum, eth, info, ip4, pcap_read, pcap_write,
                     run, tcp, tempdir, tcp_frame, udp_frame, wait_for)
import shutil  # noqa: E402

SRC, DST = "10.0.0.1", "10.0.0.2"


def ipv4_frag(proto, payload, mf, offset8, ident=7):
    flags = (0x2000 if mf else 0) | offset8
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags,
                      64, proto, 0, ip4(SRC), ip4(DST))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    f = eth(DST_MAC, SRC_MAC, 0x0800, hdr + payload)
    return f + b"\0" * max(0, 60 - len(f))


def ipv6_frag(payload, offset8, mf, nh=17, ident=9):
    fh = struct.pack("!BBHI", nh, 0, (offset8 << 3) | (1 if mf else 0), ident)
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(fh) + len(payload), 44, 64,
                      bytes(15) + b"\1", bytes(15) + b"\2")
    return eth(DST_MAC, SRC_MAC, 0x86dd, hdr + fh + payload)


def frames():
    """(name, frame, is_fragment)."""
    t22 = tcp(SRC, DST, 40000, 22, b"x" * 40)
    t80 = tcp(SRC, DST, 40001, 80, b"y" * 40)
    u = struct.pack("!HHHH", 5000, 5001, 48, 0) + b"z" * 40
    return [
        ("whole tcp 22", tcp_frame(40000, 22, tag=1), False),
        ("whole tcp 80", tcp_frame(40001, 80, tag=2), False),
        ("whole udp", udp_frame(5000, 5001, tag=3), False),
        ("first frag tcp 80", ipv4_frag(6, t80[:32], True, 0, ident=11), True),
        ("later frag tcp 80", ipv4_frag(6, t80[32:], False, 4, ident=11), True),
        ("tiny first frag tcp 22", ipv4_frag(6, t22[:8], True, 0, ident=12), True),
        ("later frag tcp 22", ipv4_frag(6, t22[8:], False, 1, ident=12), True),
        ("tiny first frag 2 bytes", ipv4_frag(6, t22[:2], True, 0, ident=13), True),
        ("ipv6 first frag udp", ipv6_frag(u[:24], 0, True), True),
        ("ipv6 later frag udp", ipv6_frag(u[24:], 3, False), True),
    ]


def start(build, tmp, flows, listen=False):
    fs = frames()
    rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
    pcap_write(rx, [f for _, f, _ in fs])
    d = Daemon(build, tmp, listen=listen, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % tx)], flows=flows).start()
    d.wait_packets(len(fs), timeout=20)
    return d, fs, tx


def rule_packets(d, needle):
    for fl in d.dump_flows():
        if needle in fl["match"]:
            return fl["n_packets"]
    raise AssertionError("no rule with %r in dump-flows: %s" % (needle, d.dump_flows()))


def main(build):
    info("--- 1. ip,nw_frag=yes,actions=drop")
    tmp = tempdir("frag-yes")
    d, fs, tx = start(build, tmp, ["priority=100,ip,nw_frag=yes,actions=drop",
                                   "priority=100,ipv6,nw_frag=yes,actions=drop",
                                   "priority=0,actions=output:2"])
    wait_for(lambda: rule_packets(d, "ip,nw_frag=yes") == 5, 10,
             what="the IPv4 nw_frag=yes rule counts the 5 IPv4 fragments")
    check_eq(rule_packets(d, "ipv6,nw_frag=yes"), 2, "the IPv6 rule counts 2 fragments")
    d.stop()
    check_frames(pcap_read(tx), [f for _, f, frag in fs if not frag],
                 "port 2: only the whole packets")

    info("--- 2. tcp,tp_dst=22,actions=drop and a tiny first fragment")
    tmp = tempdir("frag-tiny")
    d, fs, tx = start(build, tmp, ["priority=100,tcp,tp_dst=22,actions=drop",
                                   "priority=50,ip,nw_frag=later,actions=output:2",
                                   "priority=0,actions=output:2"], listen=True)
    names = {n: f for n, f, _ in fs}
    # Dropped by the port rule: the whole packet and the tiny first
    # fragment that carries port 22.
    wait_for(lambda: rule_packets(d, "tp_dst=22") == 2, 10,
             what="tp_dst=22 rule counts the whole packet and the tiny first fragment")
    # The later fragments and the 2-byte first fragment (no ports to see)
    # match nw_frag=later.
    check_eq(rule_packets(d, "nw_frag=later"), 3,
             "nw_frag=later counts 2 later fragments and the 2-byte first fragment")

    info("--- 3. nw_frag through ovs-ofctl -O OpenFlow13 (NXM_NX_IP_FRAG)")
    if shutil.which("ovs-ofctl") is None:
        info("ovs-ofctl not installed: skipping part 3")
    else:
        for fl in ("priority=7,tcp,nw_frag=first,actions=drop",
                   "priority=8,udp,nw_frag=not_later,tp_dst=53,actions=drop",
                   "priority=9,ipv6,nw_frag=no,actions=drop"):
            r = d.ofctl_raw("add-flow", "@", fl)
            check(r.returncode == 0, "ovs-ofctl add-flow %s" % fl, r.stderr)
        r = d.ofctl_raw("dump-flows", "@")
        check(r.returncode == 0, "ovs-ofctl dump-flows", r.stderr)
        out = r.stdout
        info(out)
        for want in ("nw_frag=first", "nw_frag=not_later", "nw_frag=no",
                     "nw_frag=later"):
            check(want in out, "ovs-ofctl dump-flows shows %s" % want, out)
        text = d.ctl("dump-flows", d.bridge, use_json=False)
        check("tcp,nw_frag=first" in text, "pmdswitch-ctl dump-flows shows nw_frag=first",
              text)
        r = d.ofctl_raw("add-flow", "@", "nw_frag=yes,actions=drop")
        check(r.returncode != 0, "nw_frag without ip is refused",
              r.stdout + r.stderr)
    d.stop()
    out = pcap_read(tx)
    for n in ("whole tcp 22", "tiny first frag tcp 22"):
        check(names[n] not in out, "%s did not leave port 2" % n)
    want = [f for n, f, _ in fs if n not in ("whole tcp 22", "tiny first frag tcp 22")]
    check_frames(out, want, "port 2: everything else")


if __name__ == "__main__":
    run(main)
