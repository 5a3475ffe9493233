#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dpdk-dumpcap attaches to pmdswitchd (capture_pdump.c serves it, a DPDK
secondary process of the daemon's --file-prefix): 20 packets of the
generator port are written to a pcapng file that tshark reads, and they are
frames of the port's traffic; its filter holds; a client killed without a
word frees the port for the next; and detaching never crashes the switch,
even with the PMD preempted in the middle of a copy. Needs hugepages (a
secondary process shares the primary's hugepage memory): skipped without
them, and skipped for an AddressSanitizer build of the daemon (its memory
layout differs from the secondary's)."""

import errno
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

from harness import (Daemon, Port, TestFailure, TestSkip, build_has_asan, check, info,
                     run, tempdir, udp_frame, pcap_write, wait_for)


def main(build):
    for tool in ("dpdk-dumpcap", "tshark"):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (packages dpdk, tshark)" % tool)
    tmp = tempdir("dumpcap")
    bad_requests(build, tmp)
    if build_has_asan(build):
        # AddressSanitizer's shadow memory moves the primary's mappings, so
        # the secondary cannot reserve the same virtual area ("Cannot get a
        # virtual area at requested address"): DPDK multi-process needs the
        # same layout in both processes.
        raise TestSkip("dpdk-dumpcap (a DPDK secondary process) cannot map "
                       "the memory of an AddressSanitizer build of the daemon")
    rx = os.path.join(tmp, "in.pcap")
    frames = [udp_frame(4000 + i, 5001, tag=i) for i in range(64)]
    pcap_write(rx, frames)
    big = os.path.join(tmp, "big.pcap")
    pcap_write(big, [udp_frame(7000 + i, 5001, size=1400, tag=i)
                     for i in range(64)])
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
        Port("p3", 3, "net_pcap1,rx_pcap=%s,infinite_rx=1" % big),
    ], flows=["priority=1,in_port=3,actions=drop",
              "priority=0,actions=output:2"])
    if d.no_huge:
        raise TestSkip("dpdk-dumpcap needs hugepages (the daemon runs with "
                       "no-huge here)")
    d.start()
    out = os.path.join(tmp, "dump.pcapng")
    r = subprocess.run(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                        "-i", "net_pcap0", "-c", "20", "-w", out],
                       capture_output=True, text=True, timeout=60)
    info(r.stdout.strip() + "\n" + r.stderr.strip())
    check(r.returncode == 0, "dpdk-dumpcap attaches and exits 0",
          "status %d" % r.returncode)
    t = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "frame.len",
                        "-e", "udp.srcport"], capture_output=True, text=True,
                       timeout=60)
    rows = [ln.split("\t") for ln in t.stdout.splitlines()]
    check(t.returncode == 0 and len(rows) >= 20,
          "tshark reads at least 20 packets from dpdk-dumpcap's file",
          "%d: %s" % (len(rows), t.stderr[-300:]))
    ports = {int(r[1]) for r in rows}
    check(ports <= set(range(4000, 4064)) and all(r[0] == "64" for r in rows),
          "they are frames of the port's traffic", repr(rows[:3]))
    check(d.alive(), "the switch runs on")
    filtered(d, tmp)
    pdump_two_directions(d, tmp)
    killed_client(d, tmp)
    detach_under_contention(d, tmp)
    d.stop()


# DPDK 22.11's multi-process message (struct mp_msg_internal: type, then
# struct rte_mp_msg without its fds, which travel as SCM_RIGHTS) and
# rte_pdump's request, as a client process sends them.
MP_REQ, MP_REP = 1, 2
MP_MSG = struct.Struct("=i64sii256s")
PDUMP_REQ = struct.Struct("=HHI64sH6xQQQI4x")
PDUMP_ENABLE, PDUMP_DISABLE, PDUMP_RX, ALL_QUEUES = 2, 1, 1, 0xffff


def mp_request(d, sock, param, length=None):
    """Send a "mp_pdump" request to the daemon; the reply's error value."""
    msg = MP_MSG.pack(MP_REQ, b"mp_pdump", len(param) if length is None else length,
                      0, param.ljust(256, b"\0"))
    sock.sendto(msg, "/var/run/dpdk/%s/mp_socket" % d.prefix)
    sock.settimeout(10)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        raise TestFailure("no reply to a mp_pdump request in 10 s\n%s" % d.log_tail())
    typ, name, _, _, rparam = MP_MSG.unpack(data[:MP_MSG.size])
    check(typ == MP_REP and name.rstrip(b"\0") == b"mp_pdump",
          "the daemon replies to a mp_pdump request", repr(data[:80]))
    return struct.unpack("=HHi", rparam[:8])[2]


def bad_requests(build, tmp):
    """Requests no DPDK client sends, on the daemon's multi-process socket
    (a process of the same --file-prefix can send anything): each gets an
    error reply, no capture starts, the switch runs on. A ring and pool
    outside the shared memory would have the capture write to any address."""
    rx = os.path.join(tmp, "bad.pcap")
    pcap_write(rx, [udp_frame(4000 + i, 5001, tag=i) for i in range(8)])
    d = Daemon(build, os.path.join(tmp), listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=0,actions=output:2"])
    d.start()
    # Not named mp_socket_*: the daemon would take it for a secondary
    # process and send it the requests it sends those (memory hotplug).
    path = "/var/run/dpdk/%s/test_client_%d" % (d.prefix, os.getpid())
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    try:
        def req(op=PDUMP_ENABLE, ver=2, device=b"net_pcap0", queue=ALL_QUEUES,
                ring=0xdead0000, mp=0xdead0000, prm=0, flags=PDUMP_RX):
            return PDUMP_REQ.pack(ver, op, flags, device, queue, ring, mp, prm, 0)
        cases = [
            ("a request of 8 bytes", req()[:8], 8, -errno.EINVAL),
            ("version 7", req(ver=7), None, -errno.EINVAL),
            ("operation 9", req(op=9), None, -errno.EINVAL),
            ("no direction", req(flags=0), None, -errno.EINVAL),
            ("a device that is not a port", req(device=b"net_null9"), None,
             -errno.EINVAL),
            ("a device name that fills its field", req(device=b"n" * 64), None,
             -errno.EINVAL),
            ("one queue", req(queue=0), None, -errno.ENOTSUP),
            ("a ring and pool outside the shared memory", req(), None,
             -errno.EINVAL),
            ("a filter outside the shared memory", req(prm=0xdead0000), None,
             -errno.EINVAL),
            ("a stop with no client", req(op=PDUMP_DISABLE), None, -errno.EINVAL),
        ]
        for what, param, length, want in cases:
            got = mp_request(d, sock, param, length)
            check(got == want, "%s: error %d" % (what, want), "got %d" % got)
        time.sleep(0.5)
        check(d.alive(), "the switch runs on after bad requests", d.log_tail())
        check("attached" not in open(d.log, errors="replace").read(),
              "no capture started")
    finally:
        sock.close()
        os.unlink(path)
    d.stop()


def filtered(d, tmp):
    """dpdk-dumpcap's filter (BPF, run by the switch) holds."""
    out = os.path.join(tmp, "filtered.pcapng")
    r = subprocess.run(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                        "-i", "net_pcap0", "-c", "2", "-f",
                        "udp src port 4007 or udp src port 4011", "-w", out],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "dpdk-dumpcap with a filter exits 0",
          r.stderr[-300:])
    t = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e",
                        "udp.srcport"], capture_output=True, text=True,
                       timeout=60)
    got = t.stdout.split()
    check(len(got) >= 2 and set(got) <= {"4007", "4011"},
          "only the frames the filter takes are written", repr(got[:5]))
    check(d.alive(), "the switch runs on")


def log_count(d, text):
    with open(d.log, errors="replace") as f:
        return f.read().count(text)


def pdump_two_directions(d, tmp):
    """dpdk-pdump asks for each direction on its own (a request each, one
    ring each): what p2 sends lands in the tx file, what it receives (nothing:
    a sink) in the rx file."""
    if shutil.which("dpdk-pdump") is None:
        info("dpdk-pdump is not installed: its part is not run")
        return
    rxf, txf = os.path.join(tmp, "pd-rx.pcap"), os.path.join(tmp, "pd-tx.pcap")
    p = subprocess.Popen(["dpdk-pdump", "--file-prefix=%s" % d.prefix, "--",
                          "--pdump", "device_id=net_null0,queue=*,rx-dev=%s,"
                          "tx-dev=%s" % (rxf, txf)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: log_count(d, "adds the sent direction") >= 1 or
             p.poll() is not None, 30, what="dpdk-pdump attached")
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "dpdk-pdump with an rx and a tx file exits 0",
          (out + err)[-400:])
    t = subprocess.run(["tshark", "-r", txf, "-c", "200", "-T", "fields", "-e",
                        "udp.srcport"], capture_output=True, text=True, timeout=60)
    ports = t.stdout.split()
    check(len(ports) > 0 and {int(x) for x in ports} <= set(range(4000, 4064)),
          "its tx file has p2's frames (p1's: p3's are dropped)",
          "%d: %r" % (len(ports), ports[:3]))
    r = subprocess.run(["tshark", "-r", rxf], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0 and r.stdout.strip() == "",
          "its rx file is empty (p2 receives nothing)", r.stdout[:200])
    check(d.alive(), "the switch runs on")
    info("dpdk-pdump's files: %d and %d bytes" % (os.path.getsize(rxf),
                                                   os.path.getsize(txf)))
    os.unlink(rxf)
    os.unlink(txf)


def killed_client(d, tmp):
    """While dpdk-dumpcap is attached, pmdswitch-ctl capture is refused with
    a reason (one capture at a time). A client killed without a word ends
    its capture, and the next dpdk-dumpcap attaches to the same port."""
    out = os.path.join(tmp, "killed.pcapng")
    attached = log_count(d, "attached to port p1")
    p = subprocess.Popen(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                          "-i", "net_pcap0", "-a", "duration:60", "-w", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: log_count(d, "attached to port p1") > attached, 30,
                 what="dpdk-dumpcap attached")
        r = d.ctl_raw("capture", "p1", "--count", "1", "-w",
                      os.path.join(tmp, "ctl.pcapng"), use_json=False)
        check(r.returncode != 0 and "is running" in r.stderr + r.stdout,
              "pmdswitch-ctl capture is refused while dpdk-dumpcap is "
              "attached", (r.stderr + r.stdout)[-300:])
    finally:
        p.kill()
        p.wait()
    cid = re.findall(r"capture (\d+): dpdk-dumpcap \(pid %d\) attached" % p.pid,
                     open(d.log, errors="replace").read())
    check(len(cid) == 1, "the log names the client's capture", repr(cid))
    wait_for(lambda: d.ctl("capture-status", cid[0])["stopped_by"] ==
             "client gone", 10, what="the killed client's capture ended")
    again = os.path.join(tmp, "again.pcapng")
    r = subprocess.run(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                        "-i", "net_pcap0", "-c", "20", "-w", again],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and os.path.getsize(again) > 0,
          "the next dpdk-dumpcap attaches to that port and captures",
          r.stderr[-300:])


def detach_under_contention(d, tmp):
    """dpdk-dumpcap frees its ring and pool right after the switch says the
    capture has stopped; nothing of the switch may touch them after that,
    however late a PMD gets its CPU back. Two busy loops share the PMD's
    CPU, so the PMD is often preempted in the middle of copying a burst of
    1,400-byte frames for the client (which reads all the time: it stops on
    a duration, not a count) when the client detaches. The switch must live
    through every detach."""
    pmd_cpu = str(d.pmd_cores[0])
    hogs = [subprocess.Popen(["taskset", "-c", pmd_cpu,
                              "sh", "-c", "while :; do :; done"])
            for _ in range(2)]
    try:
        for i in range(ROUNDS):
            out = os.path.join(tmp, "round%d.pcapng" % i)
            r = subprocess.run(["dpdk-dumpcap", "--file-prefix=%s" % d.prefix,
                                "-i", "net_pcap1", "-a", "duration:1", "-w", out],
                               capture_output=True, text=True, timeout=120)
            check(r.returncode == 0, "round %d: dpdk-dumpcap exits 0" % i,
                  r.stderr[-300:])
            check(d.alive(), "round %d: the switch runs on after the client "
                  "detached" % i, d.log_tail())
    finally:
        for h in hogs:
            h.kill()
            h.wait()


ROUNDS = 16


if __name__ == "__main__":
    run(main)
