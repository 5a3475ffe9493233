#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packet-ins are rate-limited per OpenFlow connection and every one over
the rate is counted, never queued without bound.

bridges[].packet-in-rate: 20 and packet-in-burst: 10; a table-miss rule
sends everything to the controller; a raw OpenFlow 1.3 client connects
and reads; N frames arrive at once on a veth port. The client gets at
most burst + rate x elapsed packet-ins, and `pmdswitch-ctl show` counts
sent + rate_dropped == N.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, VethNs, check, check_eq, info, run,  # noqa: E402
                     tempdir, udp_frame, wait_for)

N = 300
RATE, BURST = 20, 10
OFPT_HELLO, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY, OFPT_PACKET_IN = 0, 2, 3, 10


class Client:
    """A minimal OpenFlow 1.3 peer: hello, answers echoes, counts
    packet-ins."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.s.sendall(struct.pack("!BBHI", 4, OFPT_HELLO, 8, 1))
        self.buf = b""
        self.packet_ins = 0
        self.first = None

    def poll(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise RuntimeError("the switch closed the connection")
            self.buf += data
            while len(self.buf) >= 8:
                ver, typ, length, xid = struct.unpack("!BBHI", self.buf[:8])
                if len(self.buf) < length:
                    break
                msg, self.buf = self.buf[:length], self.buf[length:]
                if typ == OFPT_PACKET_IN:
                    self.packet_ins += 1
                    self.first = self.first or time.monotonic()
                elif typ == OFPT_ECHO_REQUEST:
                    self.s.sendall(struct.pack("!BBHI", 4, OFPT_ECHO_REPLY, 8, xid)
                                   + msg[8:])


def main(build):
    tmp = tempdir("pinrate")
    veth = VethNs("r").setup()
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=0,actions=controller:128"],
        extra_yaml="    packet-in-rate: %d\n    packet-in-burst: %d" % (RATE, BURST)).start()
    c = Client(d.of_port)
    c.poll(0.5)
    wait_for(lambda: d.ctl("show")["bridges"][0]["connections"] == 1, 10,
             what="the client's connection is established")

    # Distinct source ports: each frame is a packet-in of its own.
    frames = [udp_frame(1000 + i, 5000, tag=i) for i in range(N)]
    t0 = time.monotonic()
    veth.send(frames, tmp, batch=64, pause_ms=0.0)
    wait_for(lambda: d.pmd_total()["packets"] >= N, 20, what="all frames received")

    def counted():
        pin = d.ctl("show")["bridges"][0]["packet_ins"]
        return pin if pin["sent"] + pin["rate_dropped"] >= N else None
    pin = wait_for(counted, 20, what="every packet-in sent or counted as dropped")
    c.poll(1.0)
    elapsed = time.monotonic() - t0
    info("packet-ins: %s; the client received %d in %.1f s" % (pin, c.packet_ins, elapsed))
    check_eq(pin["sent"] + pin["rate_dropped"], N,
             "show: packet_ins sent + rate_dropped == frames sent up")
    check(pin["rate_dropped"] > 0, "packet-ins over the rate were dropped and counted",
          repr(pin))
    check(c.packet_ins <= BURST + RATE * elapsed + 1,
          "the client got at most burst + rate x time packet-ins",
          "%d > %d + %d x %.1f" % (c.packet_ins, BURST, RATE, elapsed))
    check_eq(c.packet_ins, pin["sent"], "the client received every packet-in sent")
    check(d.alive(), "pmdswitchd still running")
    d.stop()


if __name__ == "__main__":
    run(main)
