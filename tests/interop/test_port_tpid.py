#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: outer VLAN tag TPIDs through kernel-interface ports.

Frames with an 802.1ad S-tag (0x88a8), an 802.1Q tag (0x8100), and an
S-tag over a C-tag enter and leave by veth pairs (packet sockets of this
test at the far ends, PACKET_AUXDATA restoring the tag the kernel takes
out), with a rule matching the VID that sends them to the other port of
the same kind.

- net_pcap iface= ports keep every TPID (libpcap restores it);
- net_af_packet ports (DPDK 22.11's driver re-inserts the tag the kernel
  took out as 0x8100): 802.1Q frames are kept; an S-tag arrives as 0x8100.
  That is the documented limit (README, "802.1ad outer tags"); the test
  checks it stays exactly that, so a DPDK that fixes it shows up here.
- push_vlan:0x88a8 leaves with its TPID on both kinds.
"""

import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import interop_lib  # noqa: E402
from harness import Port, TestFailure, check_eq, info, run, tempdir, udp_frame  # noqa: E402
from test_conformance import Veth  # noqa: E402


def tagged(frame, tags):
    return frame[:12] + b"".join(struct.pack("!HH", t, vid) for t, vid in tags) + frame[12:]


def tpids(frame):
    out, off = [], 12
    while struct.unpack("!H", frame[off:off + 2])[0] in (0x8100, 0x88a8):
        out.append(struct.unpack("!H", frame[off:off + 2])[0])
        off += 4
    return out


def main(build):
    interop_lib.need_osken()
    tmp = tempdir("tpid")
    veths = [Veth("t%d" % i).setup() for i in range(1, 5)]
    if any(v is None for v in veths):
        raise TestFailure("cannot create veth pairs here")
    v1, v2, v3, v4 = veths
    d = interop_lib.CtlDaemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s" % v1.a),
        Port("p2", 2, "net_af_packet1,iface=%s" % v2.a),
        Port("p3", 3, "net_pcap0,iface=%s" % v3.a),
        Port("p4", 4, "net_pcap1,iface=%s" % v4.a),
    ], flows=["priority=10,in_port=1,dl_vlan=10,actions=output:2",
              "priority=10,in_port=3,dl_vlan=10,actions=output:4",
              "priority=10,in_port=1,dl_vlan=20,actions=push_vlan:0x88a8,set_field:4126->vlan_vid,output:2",
              "priority=10,in_port=3,dl_vlan=20,actions=push_vlan:0x88a8,set_field:4126->vlan_vid,output:4"]
    ).start()
    for v in veths:
        v.drain()
    cases = [
        ("802.1Q", [(0x8100, 10)], [0x8100], [0x8100]),
        ("802.1ad S-tag", [(0x88a8, 10)], [0x8100], [0x88a8]),
        ("S-tag over C-tag", [(0x88a8, 10), (0x8100, 5)], [0x8100, 0x8100], [0x88a8, 0x8100]),
        ("push_vlan 0x88a8", [(0x8100, 20)], [0x88a8, 0x8100], [0x88a8, 0x8100]),
    ]
    for i, (name, tags, want_af, want_pcap) in enumerate(cases):
        for kind, vin, vout, want in (("net_af_packet", v1, v2, want_af),
                                      ("net_pcap iface=", v3, v4, want_pcap)):
            f = tagged(udp_frame(5000, 6000 + i, tag=i), tags)
            vin.sock.send(f)
            got = vout.recv(3)
            check_eq(got is not None and tpids(got), want,
                     "%s on %s: TPIDs out %s" % (name, kind, " ".join("%#x" % t for t in want)))
    info(d.ctl_raw("pmd-stats-show", use_json=False).stdout)
    d.stop()


if __name__ == "__main__":
    run(main)
