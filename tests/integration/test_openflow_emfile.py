#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Out of file descriptors, the OpenFlow listener backs off, not spins.

The daemon's soft RLIMIT_NOFILE is lowered (prlimit) to 4 above the
descriptors it has open; 30 connections to its listener then leave most of
them queued in the kernel with accept4 failing with EMFILE. Over 2 s the
OpenFlow control thread ("ofproto") must use less than 0.3 s of CPU (a
loop that retries accept4 at once uses all of it), the log says so once,
and once the connections close and the limit is back, the switch accepts
again: ovs-ofctl show works and show counts the back-offs.
"""

import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, TestFailure, check, info, run, tempdir, wait_for  # noqa: E402

N_CONNS = 30


def thread_cpu_s(pid, tid):
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ofproto_tid(pid):
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
            if f.read().strip() == "ofproto":
                return int(t)
    raise TestFailure("no thread named ofproto in pmdswitchd")


def prlimit(pid, soft, hard):
    """Sets the soft limit only: raising it back needs no privilege."""
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=%d:%s" % (soft, hard)], check=True)


def main(build):
    tmp = tempdir("ofemfile")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")]).start()
    pid = d.proc.pid
    tid = ofproto_tid(pid)
    with open("/proc/%d/limits" % pid) as f:
        soft, hard = [line.split()[3:5] for line in f if line.startswith("Max open files")][0]
    check(soft == hard, "at start the daemon raised its open files limit to the hard limit",
          "soft %s, hard %s" % (soft, hard))
    nfd = len(os.listdir("/proc/%d/fd" % pid))
    info("pmdswitchd: %d descriptors open, open files hard limit %s" % (nfd, hard))
    prlimit(pid, nfd + 4, hard)

    conns = []
    for _ in range(N_CONNS):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(("127.0.0.1", d.of_port))
        conns.append(s)
    time.sleep(0.5)
    c0 = thread_cpu_s(pid, tid)
    time.sleep(2.0)
    used = thread_cpu_s(pid, tid) - c0
    info("ofproto thread CPU over 2 s with accept4 failing: %.2f s" % used)
    check(used < 0.3, "the OpenFlow thread does not spin on EMFILE (< 0.3 s CPU in 2 s)",
          "%.2f s" % used)
    with open(d.log, errors="replace") as f:
        n_logged = f.read().count("not accepting connections")
    check(n_logged == 1, "the back-off is logged once", "%d times" % n_logged)

    for s in conns:
        s.close()
    prlimit(pid, int(hard) if hard.isdigit() else 1048576, hard)
    wait_for(lambda: d.ofctl_raw("show", "@", timeout=3).returncode == 0, 20,
             what="ovs-ofctl show answered after the connections closed")
    ch = d.ctl("show")["bridges"][0]["channel"]
    check(ch["accept_backoffs"] >= 1, "show counts the accept back-offs", repr(ch))
    with open(d.log, errors="replace") as f:
        check("accepting connections again" in f.read(), "the log says it accepts again")
    d.stop()


if __name__ == "__main__":
    run(main)
