#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A peer that pipelines requests without reading cannot grow the daemon.

One raw OpenFlow 1.3 connection (a 4 KiB receive buffer, never read)
sends 4,000 TABLE_FEATURES requests (16 bytes each, ~255 KB of reply
each: ~1 GB if every request were answered at once) and 1,000 flow-stats
requests over a 500-flow table, as fast as the socket takes them. Then:

- the daemon's RSS has grown by less than RSS_BOUND_MB (its tx backlog
  stops at the cap, the rest of the requests wait unread);
- another client (ovs-ofctl dump-flows) is still served, with all flows;
- the pipelining peer is closed as a slow reader within 25 s (nothing sent
  for 10 s), `show` counts it (channel.slow_readers_closed) and the log
  says why.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, TestFailure, check, info, run, tempdir, wait_for  # noqa: E402

OFP13 = 4
OFPT_HELLO, OFPT_MULTIPART_REQUEST = 0, 18
OFPMP_FLOW, OFPMP_TABLE_FEATURES = 1, 12
N_FEATURES, N_DUMPS, N_FLOWS = 4000, 1000, 500
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
