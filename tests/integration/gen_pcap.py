#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of N distinct UDP or TCP flows (Python stdlib only).

A stand-in for build/pmdswitch-gen-pcap with a subset of its options:
  gen_pcap.py -o FILE [--flows N] [--packets N] [--size BYTES] [--proto udp|tcp]
              [--src-mac MAC] [--dst-mac MAC] [--src-ip IP] [--dst-ip IP]
              [--vary src-ip|dst-ip|src-port|dst-port] [--vlan VID]
Packet i belongs to flow i % flows. --size is the frame size with the 4-byte
FCS, as for pmdswitch-gen-pcap (default 64: 60 bytes in the file).
"""

import argparse
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", dest="out", required=True)
    ap.add_argument("--flows", type=int, default=1000)
    ap.add_argument("--packets", type=int, default=None, help="default: one per flow")
    ap.add_argument("--size", type=int, default=64, help="frame size with FCS")
    ap.add_argument("--proto", choices=("udp", "tcp"), default="udp")
    ap.add_argument("--src-mac", default=harness.SRC_MAC)
    ap.add_argument("--dst-mac", default=harness.DST_MAC)
    ap.add_argument("--src-ip", default="10.0.0.1")
    ap.add_argument("--dst-ip", default="10.0.0.2")
    ap.add_argument("--src-port", type=int, default=1024)
    ap.add_argument("--dst-port", type=int, default=5000)
    ap.add_argument("--vary", choices=("src-ip", "dst-ip", "src-port", "dst-port"),
                    default="src-port")
    ap.add_argument("--vlan", type=int, default=None)
    a = ap.parse_args()
    if a.size < 64:
        ap.error("--size must be >= 64")
    if a.flows < 1 or a.flows > 65535 - 1024:
        ap.error("--flows must be 1..64511")
    n = a.packets if a.packets is not None else a.flows
    build = harness.udp_frame if a.proto == "udp" else harness.tcp_frame
    frames = []
    for i in range(n):
        f = i % a.flows
        sip, dip = ipaddress.ip_address(a.src_ip), ipaddress.ip_address(a.dst_ip)
        sp, dp = a.src_port, a.dst_port
        if a.vary == "src-ip":
            sip += f
        elif a.vary == "dst-ip":
            dip += f
        elif a.vary == "src-port":
            sp += f
        else:
            dp += f
        frames.append(build(sp, dp, size=a.size - 4, src_ip=str(sip), dst_ip=str(dip),
                            src_mac=a.src_mac, dst_mac=a.dst_mac, tag=i, vlan=a.vlan))
    harness.pcap_write(a.out, frames)
    print("wrote %s: %d packets, %d flows, %d-byte frames (with FCS)" % (a.out, n, a.flows, a.size))


if __name__ == "__main__":
    main()
