#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Connection churn leaves the daemon's descriptors and memory flat.

- 100 controller sessions through the listener: connect, HELLO,
  FEATURES_REQUEST (reply awaited), ROLE_REQUEST master, a flow_mod and a
  barrier (reply awaited), then close;
- 10 disconnect/reconnect cycles of the configured active controller (a
  tiny controller in this test drops the connection, the switch comes back
  after its 1 s back-off);
- 10,000 listener connections accepted and dropped at once (connect,
  close), 50 at a time.

After a warm-up of each kind, the daemon's open descriptors
(/proc/PID/fd) must come back to the count before, and its RSS must grow
by less than RSS_BOUND_KB.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestFailure, check, free_tcp_port, info, run,  # noqa: E402
                     tempdir, wait_for)
from of_peer import TinyController, hello_client, ofp_msg  # noqa: E402
from flow_churn import asan_no_quarantine  # noqa: E402

N_SESSIONS, N_ACTIVE, N_DROPPED, BATCH = 100, 10, 10000, 50
WARM_DROPPED = 2000
RSS_BOUND_KB = 4096


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS")


def n_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def recv_type(s, want, timeout=5):
    buf, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        while len(buf) >= 8:
            v, t, n, x = struct.unpack("!BBHI", buf[:8])
            if len(buf) < n:
                break
            if t == 1:
                raise TestFailure("OFPT_ERROR %r" % buf[8:n])
            if t == want:
                return
            buf = buf[n:]
        chunk = s.recv(65536)
        if not chunk:
            raise TestFailure("closed while waiting for message type %d" % want)
        buf += chunk
    raise TestFailure("no message of type %d" % want)


FLOW_MOD = bytes.fromhex(
    # cookie, cookie_mask, table 0, ADD, idle/hard 0, priority 7, buffer NONE,
    # out_port/out_group ANY, flags 0, empty OXM match, no instructions.
    "0000000000000000" "0000000000000000" "00" "00" "0000" "0000" "0007"
    "ffffffff" "ffffffff" "ffffffff" "0000" "0000" "0001000400000000")


def session(port, i):
    s = hello_client(port)
    s.sendall(ofp_msg(5, xid=i))                                     # FEATURES_REQUEST
    recv_type(s, 6)
    s.sendall(ofp_msg(24, struct.pack("!I4xQ", 2, i + 1), xid=i))    # ROLE_REQUEST master
    recv_type(s, 25)
    s.sendall(ofp_msg(14, FLOW_MOD, xid=i) + ofp_msg(20, xid=i))     # FLOW_MOD, BARRIER
    recv_type(s, 21)
    s.close()


def settle(d, pid, fds0, what):
    wait_for(lambda: n_fds(pid) <= fds0, 15, what="descriptors back to %d after %s"
             % (fds0, what))


def drop_connections(port, n):
    """n listener connections accepted and dropped, BATCH at a time."""
    for _ in range(n // BATCH):
        socks = [socket.create_connection(("127.0.0.1", port), timeout=5)
                 for _ in range(BATCH)]
        for s in socks:
            s.close()


def main(build):
    tmp = tempdir("ofchurn")
    asan_no_quarantine()
    cport = free_tcp_port()
    ctl = TinyController(cport)
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")],
               extra_yaml="    controllers: [\"tcp:127.0.0.1:%d\"]" % cport).start()
    pid = d.proc.pid
    up = lambda: d.ctl("show")["bridges"][0]["controllers_up"] == 1   # noqa: E731
    wait_for(up, 15, what="the controller connected")

    # Warm-up: a few of each kind, then the baseline. Dropped connections
    # by the thousand: under ASan the first 2,000 raise RSS by 1-5 MiB to a
    # plateau (49.5 MiB in every run, whatever the baseline was), and 50
    # did not reach it.
    for i in range(10):
        session(d.of_port, i)
    time.sleep(0.5)
    fds_warm = n_fds(pid)
    drop_connections(d.of_port, WARM_DROPPED)
    settle(d, pid, fds_warm, "the warm-up")
    time.sleep(1.0)
    fds0, rss0 = n_fds(pid), rss_kb(pid)
    info("baseline: %d descriptors, RSS %d KiB" % (fds0, rss0))

    t0 = time.monotonic()
    for i in range(N_SESSIONS):
        session(d.of_port, 1000 + i)
    info("%d controller sessions in %.1f s" % (N_SESSIONS, time.monotonic() - t0))
    settle(d, pid, fds0, "the sessions")

    t0 = time.monotonic()
    for i in range(N_ACTIVE):
        before = ctl.accepted
        ctl.drop_all()
        wait_for(lambda: ctl.accepted > before, 10, interval=0.05,
                 what="reconnection %d of the active controller" % (i + 1))
    wait_for(up, 10, what="the controller up after the cycles")
    info("%d active controller reconnections in %.1f s" % (N_ACTIVE, time.monotonic() - t0))

    t0 = time.monotonic()
    drop_connections(d.of_port, N_DROPPED)
    info("%d connections accepted and dropped in %.1f s" % (N_DROPPED, time.monotonic() - t0))
    settle(d, pid, fds0, "the dropped connections")
    time.sleep(0.5)
    fds1, rss1 = n_fds(pid), rss_kb(pid)
    info("after: %d descriptors, RSS %d KiB (%+d KiB)" % (fds1, rss1, rss1 - rss0))
    check(fds1 == fds0, "descriptors flat (%d before, %d after)" % (fds0, fds1))
    check(rss1 - rss0 < RSS_BOUND_KB, "RSS grows by less than %d KiB" % RSS_BOUND_KB,
          "%+d KiB" % (rss1 - rss0))
    d.ofctl("show", "@")
    d.stop()


if __name__ == "__main__":
    run(main)
