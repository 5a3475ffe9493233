#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The OpenFlow 1.3 pipeline over the wire, checked bit for bit.

ovs-ofctl -O OpenFlow13 programs two tables and a group:
  table 0: ip,in_port=1 → write_metadata:0x5/0xff, goto_table:1
  table 1 (metadata=0x5/0xff):
    prio 30 ip,nw_dst=10.0.0.2 → mod_nw_dst:10.1.1.1, dec_ttl,
                                push_vlan:0x8100, set_field:4196->vlan_vid
                                (VID 100), output:2
    prio 20 udp,tp_dst=7000   → group:1 (ALL: output:3;
                                set_field:00:00:00:00:00:99->eth_dst,
                                output:4)
    prio 10 tcp               → set_field:8080->tcp_dst, mod_nw_tos:32,
                                output:3
Two config flows (ovs-ofctl has no pbb_isid) take PBB frames (I-TAG
right after the backbone addresses):
  pbb_isid=0x123456 → set_field:0x654321->pbb_isid, output:2
  pbb_isid=0x222222 → pop_pbb, output:3 (the customer frame)
  any other I-SID   → table miss (dropped)
ofport 1 is net_af_packet on a veth; 2, 3, 4 are net_pcap tx_pcap files.
Each flow sends 20 packets (the first goes through the slowpath, the
others through the megaflow it installs). Every frame that comes out
must equal, byte for byte, the frame built here with the rewrites done
and the IPv4 / UDP / TCP checksums computed from scratch.

Skipped (77) when the model refuses a table, goto_table or group (the
OpenFlow 1.3 pipeline has not landed yet).
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SKIP, Daemon, Port, VethNs, check_frames, eth, info, ipv4,  # noqa: E402
                     mac, pcap_read, run, tcp, tempdir, udp, _payload)

SRC_MAC = "02:00:00:00:00:01"
DST_MAC = "02:00:00:00:00:02"
N = 20


def udp_pkt(dst_ip, dport, tag, ttl=64, vlan=None, dst_mac=DST_MAC):
    pl = _payload(30, tag)
    return eth(dst_mac, SRC_MAC, 0x0800,
               ipv4("10.0.0.1", dst_ip, 17, udp("10.0.0.1", dst_ip, 1000, dport, pl),
                    ttl=ttl), vlan)


def pbb_pkt(isid, inner, pcp=3):
    """B-DA, B-SA, I-TAG (PCP, DEI/UCA 0, I-SID), then the customer frame."""
    return (mac("02:00:00:00:0b:02") + mac("02:00:00:00:0b:01")
            + struct.pack("!HI", 0x88e7, pcp << 29 | isid) + inner)


def tcp_pkt(dst_ip, dport, tag, tos=0):
    pl = _payload(30, tag)
    f = eth(DST_MAC, SRC_MAC, 0x0800,
            ipv4("10.0.0.1", dst_ip, 6, tcp("10.0.0.1", dst_ip, 1000, dport, pl)))
    if tos:
        # TOS byte, then the IPv4 header checksum again.
        ip = bytearray(f[14:34])
        ip[1] = tos
        ip[10:12] = b"\0\0"
        from harness import csum
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        f = f[:14] + bytes(ip) + f[34:]
    return f


def main(build):
    tmp = tempdir("pipeline")
    veth = VethNs("p").setup()
    outs = {p: os.path.join(tmp, "out%d.pcap" % p) for p in (2, 3, 4)}
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % outs[2]),
        Port("p3", 3, "net_pcap2,tx_pcap=%s" % outs[3]),
        Port("p4", 4, "net_pcap3,tx_pcap=%s" % outs[4]),
    ], flows=[
        "table=0,priority=50,in_port=1,dl_type=0x88e7,pbb_isid=0x123456,"
        "actions=set_field:0x654321->pbb_isid,output:2",
        "table=0,priority=50,in_port=1,dl_type=0x88e7,pbb_isid=0x222222,"
        "actions=pop_pbb,output:3",
    ]).start()

    r = d.ofctl_raw("add-group", "@",
                    "group_id=1,type=all,bucket=output:3,"
                    "bucket=set_field:00:00:00:00:00:99->eth_dst,output:4")
    flows = [
        "table=0,priority=10,ip,in_port=1,actions=write_metadata:0x5/0xff,goto_table:1",
        "table=1,priority=30,metadata=0x5/0xff,ip,nw_dst=10.0.0.2,"
        "actions=mod_nw_dst:10.1.1.1,dec_ttl,push_vlan:0x8100,"
        "set_field:4196->vlan_vid,output:2",
        "table=1,priority=20,metadata=0x5/0xff,udp,tp_dst=7000,actions=group:1",
        "table=1,priority=10,metadata=0x5/0xff,tcp,"
        "actions=set_field:8080->tcp_dst,mod_nw_tos:32,output:3",
    ]
    if r.returncode != 0:
        info("add-group refused (%s): no OpenFlow 1.3 pipeline yet" % r.stderr.strip())
        d.stop()
        sys.exit(SKIP)
    for fl in flows:
        r = d.ofctl_raw("add-flow", "@", fl)
        if r.returncode != 0:
            info("add-flow %s refused (%s): no OpenFlow 1.3 pipeline yet"
                 % (fl, r.stderr.strip()))
            d.stop()
            sys.exit(SKIP)

    sent, want = [], {2: [], 3: [], 4: []}
    for i in range(N):
        sent.append(udp_pkt("10.0.0.2", 5000, 100 + i))
        want[2].append(udp_pkt("10.1.1.1", 5000, 100 + i, ttl=63, vlan=100))
        sent.append(udp_pkt("10.0.0.3", 7000, 200 + i))
        want[3].append(udp_pkt("10.0.0.3", 7000, 200 + i))
        want[4].append(udp_pkt("10.0.0.3", 7000, 200 + i, dst_mac="00:00:00:00:00:99"))
        sent.append(tcp_pkt("10.0.0.3", 80, 300 + i))
        want[3].append(tcp_pkt("10.0.0.3", 8080, 300 + i, tos=32))
        inner = udp_pkt("10.0.0.9", 6000, 400 + i)
        sent.append(pbb_pkt(0x123456, inner))
        want[2].append(pbb_pkt(0x654321, inner))
        inner = udp_pkt("10.0.0.9", 6001, 500 + i)
        sent.append(pbb_pkt(0x222222, inner))
        want[3].append(inner)
        sent.append(pbb_pkt(0x333333, udp_pkt("10.0.0.9", 6002, 600 + i)))
    veth.send(sent, tmp, batch=1, pause_ms=2.0)
    d.wait_packets(len(sent), timeout=20)
    info("megaflows: %s" % d.ctl("dump-megaflows"))
    info("flows: %s" % d.dump_flows())
    d.stop()
    for p in (2, 3, 4):
        check_frames(pcap_read(outs[p]), want[p], "ofport %d output" % p)


if __name__ == "__main__":
    run(main)
