#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A peer that pipelines requests without reading cannot grow the daemon.

One raw OpenFlow 1.3 connection (a 4 KiB receive buffer, never read)
sends 4,000 TABLE_FEATURES requests (16 bytes each, ~255 KB of reply
each: ~1 GB if every request were answered at once), 1,000 flow-stats
requests over a 500-flow table and 2,000 each of METER_CONFIG and METER
stats requests over a full meter table (1,024 meters of 4 bands: ~75 and
~105 KB of reply each, built by chunks), as fast as the socket takes
them. Then:

- the daemon's RSS has grown by less than RSS_BOUND_MB (its tx backlog
  stops at the cap, the rest of the requests wait unread);
- another client (ovs-ofctl dump-flows) is still served, with all flows;
- a reader of one METER_CONFIG and one METER stats request gets every
  meter exactly once, REPLY_MORE on every message of a reply but its last,
  and ovs-ofctl dump-meters / meter-stats list all 1,024 meters;
- the pipelining peer is closed as a slow reader within 25 s (nothing sent
  for 10 s), `show` counts it (channel.slow_readers_closed) and the log
  says why.
"""

import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, TestFailure, check, info, run, tempdir, wait_for  # noqa: E402

OFP13 = 4
OFPT_HELLO, OFPT_MULTIPART_REQUEST = 0, 18
OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY, OFPT_METER_MOD = 20, 21, 29
OFPT_ERROR, OFPT_MULTIPART_REPLY = 1, 19
OFPMP_FLOW, OFPMP_TABLE_FEATURES = 1, 12
OFPMP_METER, OFPMP_METER_CONFIG = 9, 10
N_FEATURES, N_DUMPS, N_FLOWS = 4000, 1000, 500
N_METERS, N_BANDS = 1024, 4     # the datapath's meter table is 1,024
RSS_BOUND_MB = 48


def ofp(mtype, body=b"", xid=1):
    return struct.pack("!BBHI", OFP13, mtype, 8 + len(body), xid) + body


def table_features_req(xid):
    return ofp(OFPT_MULTIPART_REQUEST, struct.pack("!HH4x", OFPMP_TABLE_FEATURES, 0), xid)


def flow_stats_req(xid):
    # table 0xff (all), out_port/out_group ANY, no cookie, empty OXM match.
    body = struct.pack("!HH4x", OFPMP_FLOW, 0)
    body += struct.pack("!B3xII4xQQ", 0xff, 0xffffffff, 0xffffffff, 0, 0)
    body += struct.pack("!HH4x", 1, 4)
    return ofp(OFPT_MULTIPART_REQUEST, body, xid)


def meter_req(mp_type, xid):
    return ofp(OFPT_MULTIPART_REQUEST,
               struct.pack("!HH4xI4x", mp_type, 0, 0xffffffff), xid)


def meter_mod_add(meter_id):
    bands = b"".join(struct.pack("!HHII4x", 1, 16, 1000 + 10 * b, 0)
                     for b in range(N_BANDS))       # drop bands, kbps
    return ofp(OFPT_METER_MOD, struct.pack("!HHI", 0, 1, meter_id) + bands,
               meter_id)


def of_session(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(ofp(OFPT_HELLO))
    return s


def read_msg(s, buf):
    """One OpenFlow message from s (buf: bytes already read)."""
    while len(buf) < 8 or len(buf) < struct.unpack("!H", buf[2:4])[0]:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise TestFailure("no more messages (a reply ended with REPLY_MORE?)")
        if not chunk:
            raise TestFailure("the switch closed the connection")
        buf += chunk
    n = struct.unpack("!H", buf[2:4])[0]
    return buf[:n], buf[n:]


def add_meters(port):
    s = of_session(port)
    s.sendall(b"".join(meter_mod_add(i) for i in range(1, N_METERS + 1))
              + ofp(OFPT_BARRIER_REQUEST, xid=0x7fffffff))
    buf, errors = b"", 0
    while True:
        m, buf = read_msg(s, buf)
        errors += m[1] == OFPT_ERROR
        if m[1] == OFPT_BARRIER_REPLY:
            break
    s.close()
    check(errors == 0, "%d meters of %d bands added" % (N_METERS, N_BANDS),
          "%d errors" % errors)


def read_meter_reply(port, mp_type):
    """Sends one request and reads its whole reply: the meter ids in order,
    the messages, and whether REPLY_MORE was right on each."""
    s = of_session(port)
    s.sendall(meter_req(mp_type, 77))
    buf, ids, msgs = b"", [], 0
    while True:
        m, buf = read_msg(s, buf)
        if m[1] != OFPT_MULTIPART_REPLY or struct.unpack("!I", m[4:8])[0] != 77:
            continue                            # the HELLO
        mtype, flags = struct.unpack("!HH", m[8:12])
        if mtype != mp_type:
            raise TestFailure("reply of type %d to a request of type %d" % (mtype, mp_type))
        msgs += 1
        off = 16
        while off < len(m):
            if mp_type == OFPMP_METER_CONFIG:
                elen, _, mid = struct.unpack("!HHI", m[off:off + 8])
            else:
                mid, elen = struct.unpack("!IH", m[off:off + 6])
            if elen < 8:
                raise TestFailure("entry of length %d" % elen)
            ids.append(mid)
            off += elen
        if not flags & 1:
            break
    # The last message has no REPLY_MORE; no other message follows it.
    s.settimeout(0.5)
    try:
        extra = s.recv(65536)
    except socket.timeout:
        extra = b""
    s.close()
    return ids, msgs, extra == b"" and len(buf) == 0


def check_meter_replies(d):
    for mp_type, name in ((OFPMP_METER_CONFIG, "METER_CONFIG"), (OFPMP_METER, "METER stats")):
        ids, msgs, clean_end = read_meter_reply(d.of_port, mp_type)
        check(ids == list(range(1, N_METERS + 1)),
              "%s: every meter exactly once, in order, in %d messages "
              "(REPLY_MORE on all but the last)" % (name, msgs),
              "got %d ids (%d distinct)" % (len(ids), len(set(ids))))
        check(msgs >= 2, "%s: the reply spans several messages" % name)
        check(clean_end, "%s: nothing follows the message without REPLY_MORE" % name)
    out = d.ofctl("dump-meters", "@")
    n = len(re.findall(r"^meter=\d+", out, re.M))
    check(n == N_METERS, "ovs-ofctl dump-meters lists the %d meters" % N_METERS,
          "got %d" % n)
    out = d.ofctl("meter-stats", "@")
    n = len(re.findall(r"^meter:\d+", out, re.M))
    check(n == N_METERS, "ovs-ofctl meter-stats lists the %d meters" % N_METERS,
          "got %d" % n)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS for pid %d" % pid)


def flood(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(ofp(OFPT_HELLO))
    data = b""
    s.settimeout(5)
    while len(data) < 8:
        data += s.recv(8 - len(data))      # the switch's HELLO only
    reqs = []
    for i in range(N_FEATURES):
        reqs.append(table_features_req(i + 1))
        if i % 4 == 0 and len(reqs) < N_FEATURES + N_DUMPS:
            reqs.append(flow_stats_req(0x100000 + i))
        if i % 2 == 0:
            reqs.append(meter_req(OFPMP_METER_CONFIG, 0x200000 + i))
            reqs.append(meter_req(OFPMP_METER, 0x300000 + i))
    blob = b"".join(reqs)
    s.setblocking(False)
    sent, last = 0, time.monotonic()
    while sent < len(blob) and time.monotonic() - last < 2.0:
        try:
            n = s.send(blob[sent:sent + 65536])
            sent += n
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    info("pipelined %d of %d request bytes (%d requests) without reading"
         % (sent, len(blob), len(reqs)))
    return s


def main(build):
    tmp = tempdir("ofbacklog")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")]).start()
    flows = os.path.join(tmp, "flows.txt")
    with open(flows, "w") as f:
        for i in range(N_FLOWS):
            f.write("priority=10,udp,tp_dst=%d,actions=output:1\n" % (1000 + i))
    d.ofctl("add-flows", "@", flows)
    add_meters(d.of_port)
    time.sleep(0.5)
    base = rss_kb(d.proc.pid)
    info("RSS before: %d KiB" % base)

    s = flood(d.of_port)
    time.sleep(3)
    grown = (rss_kb(d.proc.pid) - base) / 1024.0
    info("RSS growth with the flood pending: %.1f MiB" % grown)
    check(grown < RSS_BOUND_MB, "RSS grows by less than %d MiB under the flood"
          % RSS_BOUND_MB, "grew by %.1f MiB" % grown)

    t0 = time.monotonic()
    out = d.ofctl("dump-flows", "@")
    n = sum(1 for line in out.splitlines() if "actions=" in line)
    check(n == N_FLOWS, "another client is served: dump-flows lists the %d flows "
          "(%.2f s)" % (N_FLOWS, time.monotonic() - t0), "got %d" % n)
    check_meter_replies(d)

    def closed():
        br = d.ctl("show")["bridges"][0]
        return br["channel"]["slow_readers_closed"] >= 1
    wait_for(closed, 25, interval=0.5, what="the pipelining peer closed as a slow reader")
    with open(d.log, errors="replace") as f:
        log = f.read()
    check("reads too slowly" in log, "the log says the peer read too slowly")
    grown = (rss_kb(d.proc.pid) - base) / 1024.0
    info("RSS growth after the close: %.1f MiB" % grown)
    check(grown < RSS_BOUND_MB, "RSS still within %d MiB of the start" % RSS_BOUND_MB)
    s.close()
    d.ofctl("show", "@")
    d.stop()


if __name__ == "__main__":
    run(main)
