#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed OpenFlow on the listener must not hurt the switch.

Raw TCP to the listener: hello (OpenFlow 1.3), then one bad message per
connection. Each must be answered with an OFPT_ERROR of a sensible
type/code, or the connection closed. Afterwards the daemon still runs,
still forwards (net_pcap infinite_rx -> net_null) and ovs-ofctl still works.
"""

import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestFailure, check, expect, gen_udp_flows, info,  # noqa: E402
                     pcap_write, run, tempdir)

OFP13 = 0x04
OFPT_HELLO, OFPT_ERROR, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 1, 2, 3
OFPT_FEATURES_REQUEST, OFPT_FLOW_MOD = 5, 14
OFPT_BARRIER_REQUEST = 20

OFPET = {0: "HELLO_FAILED", 1: "BAD_REQUEST", 2: "BAD_ACTION", 3: "BAD_INSTRUCTION",
         4: "BAD_MATCH", 5: "FLOW_MOD_FAILED"}
OFPBRC_BAD_VERSION, OFPBRC_BAD_TYPE, OFPBRC_BAD_LEN = 0, 1, 6


def ofp(mtype, body=b"", xid=1, version=OFP13, length=None):
    n = 8 + len(body) if length is None else length
    return struct.pack("!BBHI", version, mtype, n, xid) + body


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.s.sendall(ofp(OFPT_HELLO, xid=0xfeed))
        m = self.recv_msg(5)
        if m is None or m[1] != OFPT_HELLO:
            raise TestFailure("expected the switch's OFPT_HELLO, got %r" % (m,))

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            pass            # the switch may already have closed

    def recv_msg(self, timeout):
        """Next message as (version, type, xid, body); None on close;
        'timeout' when nothing came."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 8:
                v, t, n, x = struct.unpack("!BBHI", self.buf[:8])
                if n < 8:
                    raise TestFailure("switch sent a message with length %d" % n)
                if len(self.buf) >= n:
                    body, self.buf = self.buf[8:n], self.buf[n:]
                    return (v, t, x, body)
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return "timeout"
            except ConnectionError:
                return None
            if not data:
                return None
            self.buf += data

    def expect_error_or_close(self, what, allowed, timeout=5):
        """allowed: set of (type, code) or (type, None) for any code."""
        while True:
            m = self.recv_msg(timeout)
            if m is None:
                info("ok: %s: connection closed" % what)
                return "closed"
            if m == "timeout":
                expect(False, "%s: OFPT_ERROR or close" % what,
                       "neither within %d s (the switch still waits for the rest "
                       "of the message?)" % timeout)
                return "timeout"
            v, t, x, body = m
            if t == OFPT_ECHO_REQUEST:
                self.send(ofp(OFPT_ECHO_REPLY, body, xid=x, version=v))
                continue
            if t == OFPT_HELLO:
                continue
            if t != OFPT_ERROR:
                raise TestFailure("%s: expected OFPT_ERROR or close, got message type %d" % (what, t))
            check(len(body) >= 4, "%s: OFPT_ERROR has type and code" % what)
            etype, ecode = struct.unpack("!HH", body[:4])
            name = "%s(%d)/%d" % (OFPET.get(etype, "?"), etype, ecode)
            expect((etype, ecode) in allowed or (etype, None) in allowed,
                   "%s: OFPT_ERROR %s is one of %s" % (what, name, sorted(allowed, key=str)))
            return "error"

    def close(self):
        self.s.close()


GARBAGE = random.Random(1234).randbytes(1024)


def truncated_flow_mod():
    # ofp_flow_mod (OF1.3): cookie, cookie_mask, table_id, command, idle, hard,
    # priority, buffer_id, out_port, out_group, flags, pad[2], then ofp_match
    # (type OXM=1, length) whose length runs past the end of the message.
    fm = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, 100, 0xffffffff,
                     0xffffffff, 0xffffffff, 0)
    match = struct.pack("!HH", 1, 40) + struct.pack("!I", 0x80000004)   # OXM in_port, no value
    return ofp(OFPT_FLOW_MOD, fm + match)


def main(build):
    tmp = tempdir("ofbad")
    rx = os.path.join(tmp, "in.pcap")
    pcap_write(rx, gen_udp_flows(16))
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["in_port=1,actions=output:2"]).start()

    bad_req = 1
    cases = [
        ("header with length 4", ofp(OFPT_ECHO_REQUEST, length=4),
         {(bad_req, OFPBRC_BAD_LEN)}),
        ("features_request with length 16 (must be 8)",
         ofp(OFPT_FEATURES_REQUEST, b"\0" * 8),
         {(bad_req, OFPBRC_BAD_LEN)}),
        ("barrier_request whose length is longer than the data sent, then close",
         ofp(OFPT_BARRIER_REQUEST, length=64), None),
        ("unknown message type 99", ofp(99, b"\0" * 8),
         {(bad_req, OFPBRC_BAD_TYPE)}),
        ("1 KB of random bytes (seeded; starts with version 0x%02x)" % GARBAGE[0], GARBAGE,
         {(0, None), (bad_req, None)}),
        ("flow_mod with a truncated match", truncated_flow_mod(),
         {(bad_req, OFPBRC_BAD_LEN), (4, None), (bad_req, None)}),
    ]
    for what, data, allowed in cases:
        info("checking: %s" % what)
        c = Conn(d.of_port)
        c.send(data)
        if allowed is None:
            # An incomplete message: the switch waits for the rest; closing
            # our side must not upset it.
            time.sleep(0.3)
            c.close()
            check(d.alive(), "%s: daemon alive" % what)
            continue
        c.expect_error_or_close(what, allowed)
        c.close()
        check(d.alive(), "%s: daemon alive" % what)

    info("checking: a well-formed exchange on a new connection still works")
    c = Conn(d.of_port)
    c.send(ofp(OFPT_ECHO_REQUEST, b"ping", xid=77))
    while True:
        m = c.recv_msg(5)
        if m in (None, "timeout"):
            raise TestFailure("no OFPT_ECHO_REPLY to an echo request: %r" % (m,))
        if m[1] == OFPT_ECHO_REPLY:
            check(m[2] == 77 and m[3] == b"ping", "echo reply has the xid and the data")
            break
    c.close()

    t1 = d.pmd_total()["packets"]
    time.sleep(1.0)
    t2 = d.pmd_total()["packets"]
    check(t2 > t1, "the switch still forwards (pmd packets %d -> %d)" % (t1, t2))
    text = d.ofctl("show", "@")
    check("1(p1)" in text and "2(p2)" in text, "ovs-ofctl show still works", text)
    d.stop()


if __name__ == "__main__":
    run(main)
