#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""pmdswitch-ctl capture: pcapng files of a port's packets.

ofport 1: net_af_packet on a veth whose peer is in a network namespace
(the test sends known frames from there); ofport 2: net_pcap tx_pcap.
Flows: udp to 5001/5002 from port 1 to port 2. Checks:
  - capture p1 --dir rx --count 200: the client stops by itself; the file
    (read by this test's pcapng reader and by tshark) holds exactly the 200
    frames sent, in order, byte for byte, marked inbound; count and bytes
    in the client's --json summary;
  - capture p2 --dir tx --filter 'udp dst port 5001' --duration: only the
    100 frames to 5001 of the 200 sent, marked outbound; 100 filtered;
  - capture p2 with no limit, stopped by SIGINT to the client after 50
    frames: the file has them; other ctl clients are served meanwhile;
  - bad input: an unwritable path, a BPF filter that does not compile, a
    file that exists, an unknown port: exit 1 with the reason, no file
    written, and the switch forwards on and answers as before.
"""

import json
import os
import signal
import struct
import subprocess
import time

from harness import (Daemon, Port, TestFailure, VethNs, check, check_eq, info, pcap_read,
                     run, tempdir, udp_frame, wait_for)


def read_pcapng(path):
    """[(direction, orig_len, data)] of every enhanced packet block; checks
    the block structure (lengths repeated, one section, one interface)."""
    with open(path, "rb") as f:
        b = f.read()
    out, off, idbs = [], 0, 0
    check(b[:4] == b"\x0a\x0d\x0d\x0a", "pcapng: starts with a section header")
    while off < len(b):
        btype, blen = struct.unpack_from("<II", b, off)
        if not (blen >= 12 and blen % 4 == 0 and off + blen <= len(b)):
            check(False, "pcapng block at %d has a sane length" % off, "%d" % blen)
        check_eq_q(struct.unpack_from("<I", b, off + blen - 4)[0], blen)
        if btype == 1:
            idbs += 1
        elif btype == 6:
            _, _, _, caplen, orig = struct.unpack_from("<IIIII", b, off + 8)
            data = b[off + 28: off + 28 + caplen]
            o = off + 28 + ((caplen + 3) & ~3)
            flags = None
            while o < off + blen - 4:
                code, olen = struct.unpack_from("<HH", b, o)
                if code == 0:
                    break
                if code == 2:
                    flags = struct.unpack_from("<I", b, o + 4)[0]
                o += 4 + ((olen + 3) & ~3)
            out.append((flags & 3 if flags is not None else None, orig, data))
        off += blen
    check(idbs == 1, "pcapng: one interface description block", "%d" % idbs)
    return out


def check_eq_q(got, want):
    if got != want:
        check(False, "pcapng block length repeated at its end",
              "%r != %r" % (got, want))


def tshark_count(path):
    r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.len",
                        "-e", "frame.interface_name"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "tshark reads %s" % os.path.basename(path),
          r.stderr[-500:])
    return [ln.split("\t") for ln in r.stdout.splitlines()]


def start_capture(d, *args, use_json=True):
    """pmdswitch-ctl capture ARGS in the background, once it says the
    capture runs (its first line on stderr)."""
    p = subprocess.Popen(ctl_cmd(d, "capture", *args, use_json=use_json),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    check(line.startswith("capturing on"), "capture %s started" % " ".join(args),
          line + (p.stderr.read() if p.poll() is not None else ""))
    return p


def ctl_cmd(d, *args, use_json=True):
    cmd = [os.path.join(d.build, "pmdswitch-ctl"), "--ctl", d.ctl_path]
    if use_json:
        cmd.append("--json")
    return cmd + list(args)


def main(build):
    have_tshark = subprocess.run(["which", "tshark"], capture_output=True).returncode == 0
    tmp = tempdir("capture")
    veth = VethNs("c").setup()
    out2 = os.path.join(tmp, "out2.pcap")
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % out2),
    ], flows=[
        "priority=10,in_port=1,udp,tp_dst=5001,actions=output:2",
        "priority=10,in_port=1,udp,tp_dst=5002,actions=output:2",
        "priority=0,actions=drop",
    ]).start()

    # 1. rx, stopped by --count.
    frames = [udp_frame(4000 + i % 7, 5001 + i % 2, size=64 + (i % 5) * 100, tag=i)
              for i in range(200)]
    f1 = os.path.join(tmp, "rx.pcapng")
    cap = start_capture(d, "p1", "--dir", "rx", "--count", "200", "-w", f1)
    veth.send(frames, tmp)
    try:
        so, se = cap.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        cap.kill()
        raise TestFailure("capture --count 200 did not end: %s; pmd %s"
                          % (d.ctl("capture-status", "1"), d.pmd_total()))
    check(cap.returncode == 0, "capture --count 200 ends by itself with status 0",
          "status %s: %s" % (cap.returncode, se))
    summary = json.loads(so)
    info("summary: %s" % summary)
    check_eq((summary["packets"], summary["bytes"], summary["stopped_by"]),
             (200, sum(len(f) for f in frames), "count"),
             "summary: 200 packets, their bytes, stopped by count")
    got = read_pcapng(f1)
    check_eq(len(got), 200, "the file has 200 packets")
    check([g[2] for g in got] == frames, "the packets are the frames sent, "
          "in order, byte for byte")
    check(all(g[0] == 1 and g[1] == len(g[2]) for g in got),
          "every packet is marked inbound with its original length")
    if have_tshark:
        rows = tshark_count(f1)
        check(len(rows) == 200 and all(r[1] == "p1" for r in rows) and
              sum(int(r[0]) for r in rows) == summary["bytes"],
              "tshark: 200 frames on interface p1, the same bytes")

    # 2. tx with a filter, stopped by --duration.
    f2 = os.path.join(tmp, "tx.pcapng")
    cap = start_capture(d, "p2", "--dir", "tx", "--filter", "udp dst port 5001",
                        "--duration", "4", "-w", f2)
    veth.send(frames, tmp)
    so, se = cap.communicate(timeout=30)
    check(cap.returncode == 0, "capture --duration 4 ends by itself", se)
    summary = json.loads(so)
    info("summary: %s" % summary)
    want = [f for f in frames if struct.unpack_from("!H", f, 36)[0] == 5001]
    got = read_pcapng(f2)
    check_eq((summary["packets"], summary["filtered"], summary["stopped_by"]),
             (100, 100, "duration"), "100 packets pass the filter, 100 filtered out")
    check([g[2] for g in got] == want and all(g[0] == 2 for g in got),
          "the file has the 100 frames to port 5001, marked outbound")

    # 3. no limit, Ctrl-C; other clients are served while it runs.
    f3 = os.path.join(tmp, "ctrlc.pcapng")
    cap = start_capture(d, "p2", "-w", f3, use_json=False)
    veth.send(frames[:50], tmp)
    t0 = time.monotonic()
    check_eq(d.ctl("version")["version"], d.ctl("version")["version"],
             "another client is served while the capture runs")
    info("pmdswitch-ctl version answered in %.3f s" % (time.monotonic() - t0))
    # The third capture of this daemon: id 3.
    wait_for(lambda: d.ctl("capture-status", "3")["packets"] >= 50, 10,
             what="capture-status 3: 50 packets written")
    cap.send_signal(signal.SIGINT)
    so, se = cap.communicate(timeout=20)
    check(cap.returncode == 0, "Ctrl-C stops the capture; status 0", se)
    info("client: %s" % so.strip())
    check("stopped_by=stopped" in so and "packets=50 " in so,
          "summary: 50 packets, stopped by the client", so)
    got = read_pcapng(f3)
    check([g[2] for g in got] == frames[:50], "the file has the 50 frames")

    # 4. bad input: clear errors, nothing written, the switch unaffected.
    before = d.pmd_total()["packets"]
    for what, args, want in [
        ("an unwritable path", ["p1", "-w", "/nonexistent-dir/x.pcapng"],
         "cannot create /nonexistent-dir/x.pcapng: No such file or directory"),
        ("a filter that does not compile",
         ["p1", "--filter", "udp port nosuchport", "-w", os.path.join(tmp, "bad.pcapng")],
         "does not compile"),
        ("a file that exists", ["p1", "-w", f1], "File exists"),
        ("an unknown port", ["nope", "-w", os.path.join(tmp, "bad2.pcapng")],
         "no port named"),
    ]:
        r = subprocess.run(ctl_cmd(d, "capture", *args, use_json=False),
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 1 and want in r.stderr,
              "%s: exit 1, \"%s\"" % (what, want),
              "status %d: %s" % (r.returncode, r.stderr.strip()))
        info("  " + r.stderr.strip())
    check(not os.path.exists(os.path.join(tmp, "bad.pcapng")) and
          not os.path.exists(os.path.join(tmp, "bad2.pcapng")),
          "no file left by a refused capture")
    veth.send(frames, tmp)
    d.wait_packets(before + 200)
    check(d.alive(), "the switch runs on")
    d.stop()
    sent2 = pcap_read(out2)
    check_eq(len(sent2), 200 + 200 + 50 + 200, "port 2 forwarded every frame "
             "throughout (captures and refused captures alike)")


if __name__ == "__main__":
    run(main)
