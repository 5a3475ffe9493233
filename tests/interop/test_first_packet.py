#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: the first packet after a flow_mod and its barrier reply is never lost.

The controller's loop, thousands of times: add a rule (udp,tp_dst=N ->
output to the other port), barrier, send ONE frame of that flow, wait for
it at the output, delete the rule, barrier. Half the rounds first send the
same frame with no rule (it is dropped and leaves a drop megaflow that the
add must make wrong before the barrier reply); half use a flow the switch
has never seen. One run with nothing else changing, one while a second
OpenFlow connection adds and deletes unrelated rules (other tables and
priorities) as fast as it gets barrier replies.

Two port kinds, as the external suites use them: net_af_packet and
net_pcap with iface= (libpcap on the interface), each on veth pairs in the
root namespace whose far ends are packet sockets of this test.

Counts: a frame that does not arrive within 2 s is lost; the test fails
on any loss and prints the switch's counters (drops by reason).
"""

import os
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import interop_lib  # noqa: E402
from harness import Port, TestFailure, check, info, run, tempdir, udp_frame, frame_tag  # noqa: E402
from test_conformance import Veth  # noqa: E402

# Rounds per run (two runs); CI keeps it short, FIRST_PACKET_ROUNDS=2000
# for a long stress.
ROUNDS = int(os.environ.get("FIRST_PACKET_ROUNDS", "150"))


def recv_tag(veth, tag, timeout):
    """True when the frame with tag arrives at veth end b in time."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        fr = veth.recv(left)
        if fr is None:
            return False
        if len(fr) >= 42 and fr[12:14] == b"\x08\x00" and frame_tag(fr) == tag:
            return True


def churn(port, stop, counts):
    """A second controller changing unrelated rules until stop is set."""
    cl = interop_lib.OfClient(socket.create_connection(("127.0.0.1", port), timeout=10))
    cl.handshake()
    p, ofp = cl.parser, cl.ofp
    i = 0
    while not stop.is_set():
        t = 1 + i % 3
        m = p.OFPMatch(eth_type=0x0800, ip_proto=6, tcp_dst=1 + i % 500)
        inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [p.OFPActionOutput(3)])]
        cl.send(p.OFPFlowMod(cl.dp, table_id=t, priority=50 + i % 7, match=m,
                             instructions=inst, command=ofp.OFPFC_ADD))
        if i % 2:
            cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=5,
                                 match=p.OFPMatch(eth_type=0x0806, arp_op=1 + i % 2),
                                 instructions=inst, command=ofp.OFPFC_ADD))
        if i >= 50:
            cl.send(p.OFPFlowMod(cl.dp, table_id=t, priority=50 + (i - 50) % 7,
                                 match=p.OFPMatch(eth_type=0x0800, ip_proto=6,
                                                  tcp_dst=1 + (i - 50) % 500),
                                 command=ofp.OFPFC_DELETE_STRICT, out_port=ofp.OFPP_ANY,
                                 out_group=ofp.OFPG_ANY))
        cl.barrier()
        i += 1
    counts.append(i)
    cl.close()


def rounds(cl, pairs, n, base, lost, label):
    p, ofp = cl.parser, cl.ofp
    inst = lambda port: [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS,  # noqa: E731
                                                 [p.OFPActionOutput(port)])]
    t0 = time.monotonic()
    for i in range(n):
        kind, vin, vout, out_port = pairs[i % len(pairs)]
        dport = base + i
        tag = base + i
        fr = udp_frame(4000, dport, tag=tag)
        stale = i % 4 >= 2
        if stale:
            # The same flow once without a rule: dropped, a drop megaflow.
            vin.sock.send(udp_frame(4000, dport, tag=tag + 1000000))
            time.sleep(0.002)
        match = p.OFPMatch(eth_type=0x0800, ip_proto=17, udp_dst=dport)
        cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=100, match=match,
                             instructions=inst(out_port), command=ofp.OFPFC_ADD))
        cl.barrier()
        vin.sock.send(fr)
        if not recv_tag(vout, tag, 2.0):
            lost.append((label, kind, "stale megaflow" if stale else "new flow", dport))
        cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=100, match=match,
                             command=ofp.OFPFC_DELETE_STRICT, out_port=ofp.OFPP_ANY,
                             out_group=ofp.OFPG_ANY))
        cl.barrier()
    info("%s: %d rounds in %.1f s, %d lost" % (label, n, time.monotonic() - t0,
                                               sum(1 for x in lost if x[0] == label)))


def main(build):
    interop_lib.need_osken()
    tmp = tempdir("firstpkt")
    veths = [Veth(str(i)).setup() for i in range(1, 5)]
    if any(v is None for v in veths):
        raise TestFailure("cannot create veth pairs here")
    v1, v2, v3, v4 = veths
    d = interop_lib.CtlDaemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s" % v1.a),
        Port("p2", 2, "net_af_packet1,iface=%s" % v2.a),
        Port("p3", 3, "net_pcap0,iface=%s" % v3.a),
        Port("p4", 4, "net_pcap1,iface=%s" % v4.a),
        Port("p5", 5, "net_null0,no-rx=1"),
    ]).start()
    cl = interop_lib.OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=10))
    cl.handshake()
    pairs = [("net_af_packet", v1, v2, 2), ("net_pcap iface=", v3, v4, 4)]
    time.sleep(0.5)
    for v in veths:
        v.drain()
    lost = []
    rounds(cl, pairs, ROUNDS, 1000, lost, "quiet")
    stop, counts = threading.Event(), []
    th = threading.Thread(target=churn, args=(d.of_port, stop, counts))
    th.start()
    try:
        rounds(cl, pairs, ROUNDS, 1000 + ROUNDS, lost, "churn")
    finally:
        stop.set()
        th.join(30)
    info("the other controller made %d rule changes meanwhile" % (counts[0] if counts else 0))
    stats = d.ctl_raw("pmd-stats-show", use_json=False).stdout
    if lost:
        print(stats)
        print(d.ctl_raw("show", use_json=False).stdout)
    check(counts and counts[0] > 0, "the other controller changed rules during the second run")
    check(not lost, "no first packet lost in %d rounds (%d with rules changing), "
          "%d by net_af_packet, %d by net_pcap iface="
          % (2 * ROUNDS, ROUNDS, ROUNDS, ROUNDS), str(lost[:20]))
    cl.close()
    d.stop()


if __name__ == "__main__":
    run(main)
