#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Readiness for systemd (Type=notify) without systemd: the test binds the
datagram socket a service manager would and passes it as NOTIFY_SOCKET.

- A good configuration: READY=1 arrives, and when it does the ports are
  up and forwarding (pmdswitch-ctl show lists them, packets flow through
  the PMD); SIGTERM sends STOPPING=1 before the daemon exits.
- A port that cannot be opened (net_pcap on a file that does not exist):
  the daemon exits 1 and READY=1 never arrives."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestFailure, check, check_eq, gen_udp_flows,  # noqa: E402
                     info, on_cleanup, pcap_write, run, tempdir)


def notify_socket(tmp):
    path = os.path.join(tmp, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    on_cleanup(s.close)
    os.environ["NOTIFY_SOCKET"] = path
    return s


def recv(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(4096).decode()
    except socket.timeout:
        return None


def main(build):
    tmp = tempdir("sdnotify")
    s = notify_socket(tmp)
    rx = os.path.join(tmp, "in.pcap")
    pcap_write(rx, gen_udp_flows(10))
    d = Daemon(build, tmp, [Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx),
                            Port("p2", 2, "net_null1,no-rx=1")],
               flows=["priority=10,in_port=1,actions=output:2"])
    d.start()
    msg = recv(s, 30)
    check(msg is not None and "READY=1" in msg.split("\n"),
          "READY=1 received on NOTIFY_SOCKET", repr(msg))
    ports = [p["name"] for b in d.ctl("show")["bridges"] for p in b["ports"]]
    check_eq(sorted(ports), ["p1", "p2"], "at READY=1 both ports are there")
    d.wait_packets(1000, key="tx_packets")
    check(True, "and the PMD forwards (1,000 packets out of p2)")
    check(recv(s, 0.2) is None, "READY=1 is sent once")
    d.stop()
    msg = recv(s, 5)
    check(msg is not None and "STOPPING=1" in msg.split("\n"),
          "STOPPING=1 received on SIGTERM", repr(msg))

    # A port that cannot be opened: no READY.
    tmp2 = tempdir("sdnotify-bad")
    bad = Daemon(build, tmp2, [Port("p1", 1, "net_pcap0,rx_pcap=%s/missing.pcap" % tmp2),
                               Port("p2", 2, "net_null1,no-rx=1")])
    try:
        bad.start(timeout=30)
        raise TestFailure("pmdswitchd started with a port on a missing pcap file")
    except TestFailure as e:
        if "during start-up" not in str(e):
            raise
    check_eq(bad.proc.returncode, 1, "a port that cannot be opened: pmdswitchd exits 1")
    msg = recv(s, 0.5)
    check(msg is None, "and sends no READY=1", repr(msg))
    info("ok")


run(main)
