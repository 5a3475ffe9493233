#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A flow dump of a big table is generated chunk by chunk.

100,000 flows (~10 MB of OpenFlow 1.3 flow stats): 50,000 with cookie 1 at
priority 20, then 50,000 with cookie 2 at priority 10 (dumped last).

- A raw OpenFlow 1.3 peer (4 KiB receive buffer) sends one flow-stats
  request, a table features request and a barrier and does not read: the daemon's RSS grows by less
  than RSS_BOUND_MB (the tx backlog cap plus one chunk, not the reply).
- While it waits (after the dump-flows below), ovs-ofctl deletes the cookie-2 flows; then the peer
  reads everything: every reply part has its xid, the last has no "more"
  flag, it lists exactly the 50,000 cookie-1 flows, each once (the deleted
  ones were not reached yet); a table features request sent after it is
  answered next (254 tables, by chunks too), and the barrier reply last.
- Meanwhile (before the delete) ovs-ofctl dump-flows, OpenFlow 1.3 and
  1.0, lists all 100,000 flows, each once.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow_churn import asan_no_quarantine, rss_kb  # noqa: E402
from harness import Daemon, Port, check, info, run, tempdir  # noqa: E402

OFP13 = 4
OFPT_HELLO, OFPT_ECHO_REQUEST = 0, 2
OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY = 20, 21
OFPT_MULTIPART_REQUEST, OFPT_MULTIPART_REPLY = 18, 19
OFPMP_FLOW, OFPMP_TABLE_FEATURES = 1, 12
N_TABLES = 254
HALF = 50000
RSS_BOUND_MB = 5      # the whole reply is ~10 MB


def ofp(mtype, body=b"", xid=1):
    return struct.pack("!BBHI", OFP13, mtype, 8 + len(body), xid) + body


def flow_stats_req(xid):
    body = struct.pack("!HH4x", OFPMP_FLOW, 0)
    body += struct.pack("!B3xII4xQQ", 0xff, 0xffffffff, 0xffffffff, 0, 0)
    body += struct.pack("!HH4x", 1, 4)
    return ofp(OFPT_MULTIPART_REQUEST, body, xid)


def recv_msgs(s):
    """Every message until the barrier reply: [(type, xid, body)]."""
    s.settimeout(30)
    buf, msgs = b"", []
    while not msgs or msgs[-1][0] != OFPT_BARRIER_REPLY:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, mtype, mlen, xid = struct.unpack("!BBHI", buf[:8])
            if len(buf) < mlen:
                break
            if mtype != OFPT_ECHO_REQUEST:     # the inactivity probe
                msgs.append((mtype, xid, buf[8:mlen]))
            buf = buf[mlen:]
    return msgs


def count_ofctl(d, version, want):
    r = d.ofctl_raw("-O", version, "dump-flows", "@", timeout=60)
    check(r.returncode == 0, "ovs-ofctl -O %s dump-flows succeeds" % version,
          r.stderr.strip())
    lines = [ln for ln in r.stdout.splitlines() if "actions=" in ln]
    ports = {ln.split("nw_dst=")[1].split(",")[0] for ln in lines}
    check(len(lines) == want and len(ports) == want,
          "-O %s dump-flows lists the %d flows, each once" % (version, want),
          "%d lines, %d distinct" % (len(lines), len(ports)))


def main(build):
    asan_no_quarantine()
    tmp = tempdir("ofdump")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")]).start()
    flows = os.path.join(tmp, "flows.txt")
    with open(flows, "w") as f:
        for i in range(2 * HALF):
            f.write("cookie=%d,priority=%d,udp,nw_dst=10.%d.%d.%d,tp_dst=%d,"
                    "actions=output:1\n" % (1 if i < HALF else 2,
                                            20 if i < HALF else 10,
                                            i >> 16, (i >> 8) & 255, i & 255,
                                            i % 65536))
    t0 = time.monotonic()
    d.ofctl("add-flows", "@", flows)
    info("added %d flows in %.1f s" % (2 * HALF, time.monotonic() - t0))
    time.sleep(0.5)
    base = rss_kb(d.proc.pid)

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", d.of_port))
    s.sendall(ofp(OFPT_HELLO) + flow_stats_req(7)
              + ofp(OFPT_MULTIPART_REQUEST, struct.pack("!HH4x", OFPMP_TABLE_FEATURES, 0), 9)
              + ofp(OFPT_BARRIER_REQUEST, xid=8))
    time.sleep(2)
    grown = (rss_kb(d.proc.pid) - base) / 1024.0
    info("RSS growth with the dump pending: %.1f MiB" % grown)
    check(grown < RSS_BOUND_MB, "RSS grows by less than %d MiB while the peer "
          "does not read" % RSS_BOUND_MB, "grew by %.1f MiB" % grown)

    # Another client is served meanwhile, with every flow once.
    count_ofctl(d, "OpenFlow13", 2 * HALF)
    count_ofctl(d, "OpenFlow10", 2 * HALF)

    d.ofctl("del-flows", "@", "cookie=2/-1")
    msgs = recv_msgs(s)
    s.close()
    check(msgs and msgs[0][0] == OFPT_HELLO, "the switch's HELLO first")
    parts = [m for m in msgs[1:] if m[0] == OFPT_MULTIPART_REPLY]
    check(len(parts) == len(msgs) - 2 and msgs[-1][0] == OFPT_BARRIER_REPLY
          and msgs[-1][1] == 8, "multipart replies, then the barrier reply last",
          "types %s" % sorted({m[0] for m in msgs}))
    xids = [m[1] for m in parts]
    k = xids.index(9) if 9 in xids else len(xids)
    check(set(xids[:k]) == {7} and set(xids[k:]) == {9},
          "the flow dump's parts, then the table features' parts", "xids %s" % sorted(set(xids)))
    features, parts = parts[k:], parts[:k]
    for name, ps in (("flow dump", parts), ("table features", features)):
        flags = [struct.unpack("!HH", m[2][:4])[1] & 1 for m in ps]
        check(flags and flags[-1] == 0 and all(flags[:-1]),
              "%s: every part but the last is flagged more (%d parts)" % (name, len(ps)))
    tables = []
    for _, _, body in features:
        off = 8
        while off < len(body):
            (elen,) = struct.unpack("!H", body[off:off + 2])
            tables.append(body[off + 2])
            off += elen
    check(tables == list(range(N_TABLES)), "table features: tables 0..%d, each once"
          % (N_TABLES - 1), "%d entries" % len(tables))
    ports, cookies, n = set(), set(), 0
    for _, _, body in parts:
        off = 8
        while off < len(body):
            (elen,) = struct.unpack("!H", body[off:off + 2])
            cookies.add(struct.unpack("!Q", body[off + 24:off + 32])[0])
            ports.add(body[off + 48:off + elen])
            n += 1
            off += elen
    check(cookies == {1}, "only cookie-1 flows (the deleted ones were skipped)",
          "cookies %s" % sorted(cookies))
    check(n == HALF and len(ports) == HALF, "the stalled dump lists the %d "
          "remaining flows, each once" % HALF, "%d entries, %d distinct" % (n, len(ports)))

    d.stop()


if __name__ == "__main__":
    run(main)
