#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packet-ins are rate-limited per OpenFlow connection and every one over
the rate is counted, never queued without bound.

bridges[].packet-in-rate: 20 and packet-in-burst: 10; a table-miss rule
sends everything to the controller; a raw OpenFlow 1.3 client connects
and reads; N frames arrive at once on a veth port. The client gets at
most burst + rate x elapsed packet-ins, and `pmdswitch-ctl show` counts
sent + rate_dropped == N.

Then where a packet-in comes from: a rule of table 0 rewrites the packet
(set_field), writes metadata and goes to table 3, whose rule sends it to
the controller. The packet-in names table 3 and that rule's cookie (not
those of the rule a new lookup of the rewritten packet would find), and
its match carries the metadata; an action of the action set has cookie
0xffffffffffffffff.
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
        self.msgs = []          # The packet-in messages, whole.

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
                    self.msgs.append(msg)
                    self.first = self.first or time.monotonic()
                elif typ == OFPT_ECHO_REQUEST:
                    self.s.sendall(struct.pack("!BBHI", 4, OFPT_ECHO_REPLY, 8, xid)
                                   + msg[8:])


def parse_packet_in(msg):
    """OpenFlow 1.3 packet-in -> dict: reason, table_id, cookie, oxm
    ({field number: int value}), data."""
    _, _, reason, table_id, cookie = struct.unpack("!IHBBQ", msg[8:24])
    mtype, mlen = struct.unpack("!HH", msg[24:28])
    oxm, off = {}, 28
    while off + 4 <= 24 + mlen:
        cls, fh, ln = struct.unpack("!HBB", msg[off:off + 4])
        if cls == 0x8000:
            oxm[fh >> 1] = int.from_bytes(msg[off + 4:off + 4 + ln], "big")
        off += 4 + ln
    data = msg[24 + (mlen + 7) // 8 * 8 + 2:]
    return {"reason": reason, "table_id": table_id, "cookie": cookie,
            "match_type": mtype, "oxm": oxm, "data": data}


def check_context(d, c, veth, tmp):
    """Packet-ins name the table, cookie and metadata of the rule whose
    action sent them."""
    OXM_IN_PORT, OXM_METADATA = 0, 2
    for f in ("table=0,cookie=0x11,priority=100,udp,nw_dst=10.0.0.2,tp_dst=6000,"
              "actions=set_field:10.0.0.3->ip_dst,write_metadata:0x5/0xff,goto_table:3",
              # What a new lookup of the rewritten packet would find.
              "table=0,cookie=0x22,priority=100,udp,nw_dst=10.0.0.3,actions=controller",
              "table=3,cookie=0x33,priority=10,udp,nw_dst=10.0.0.3,actions=controller:128",
              "table=0,cookie=0x12,priority=100,udp,nw_dst=10.0.0.2,tp_dst=6001,"
              "actions=goto_table:4",
              "table=4,cookie=0x44,priority=10,udp,"
              "actions=write_actions(controller:128),write_metadata:0x9"):
        d.ofctl("add-flow", "@", f)
    time.sleep(1.0)             # The rate limiter's tokens refill.
    c.poll(0.2)
    for dport, want in ((6000, {"table_id": 3, "cookie": 0x33, "metadata": 5,
                                "dst": "10.0.0.3"}),
                        (6001, {"table_id": 4, "cookie": 0xffffffffffffffff,
                                "metadata": 9, "dst": "10.0.0.2"})):
        c.msgs = []
        veth.send([udp_frame(2000, dport, tag=dport)], tmp, batch=1, pause_ms=0.0)
        end = time.monotonic() + 10
        while not c.msgs and time.monotonic() < end:
            c.poll(0.2)
        check(len(c.msgs) == 1, "one packet-in for the frame to port %d" % dport,
              "got %d" % len(c.msgs))
        pi = parse_packet_in(c.msgs[0])
        info("packet-in for port %d: reason %d table %d cookie %#x oxm %r"
             % (dport, pi["reason"], pi["table_id"], pi["cookie"], pi["oxm"]))
        check_eq(pi["reason"], 1, "reason OFPR_ACTION")
        check_eq(pi["table_id"], want["table_id"], "table_id of the sending rule")
        check_eq(pi["cookie"], want["cookie"], "cookie of the sending rule")
        check_eq(pi["oxm"].get(OXM_IN_PORT), 1, "match: in_port 1")
        check_eq(pi["oxm"].get(OXM_METADATA), want["metadata"], "match: metadata")
        check_eq(socket.inet_ntoa(pi["data"][30:34]), want["dst"],
                 "the frame as rewritten before the controller action")
    # The megaflow keeps the context in its packet-in action.
    acts = [m.get("actions", "") for m in d.ctl("dump-megaflows")]
    check(any("table=3,cookie=0x33,metadata=0x5" in a for a in acts),
          "dump-megaflows shows the packet-in's table, cookie and metadata",
          repr(acts))


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

    info("---- packet-in context ----")
    check_context(d, c, veth, tmp)
    check(d.alive(), "pmdswitchd still running")
    d.stop()


if __name__ == "__main__":
    run(main)
