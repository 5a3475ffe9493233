#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A bare ptcp:PORT listens on every address, and says so.

listen: ["ptcp:PORT"] (no address): the log warns that it listens on every
address (0.0.0.0) and names the ptcp:PORT:IP form; the listener answers
on 127.0.0.1 (ovs-ofctl show). ptcp:PORT:127.0.0.1 gets no such warning.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, check, free_tcp_port, run, tempdir  # noqa: E402


def main(build):
    tmp = tempdir("oflisten")
    port = free_tcp_port()
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")], listen=False,
               extra_yaml="    listen: [\"ptcp:%d\"]" % port).start()
    r = d.ofctl_raw("show", "tcp:127.0.0.1:%d" % port)
    check(r.returncode == 0, "the bare ptcp:%d listener answers on 127.0.0.1" % port, r.stderr)
    with open(d.log, errors="replace") as f:
        log = f.read()
    want = "ptcp:%d listens on every address (0.0.0.0:%d)" % (port, port)
    check(want in log and "ptcp:%d:IP" % port in log,
          "the log warns that ptcp:%d listens on every address" % port, d.log_tail(10))
    d.stop()

    tmp = tempdir("oflisten2")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")]).start()
    with open(d.log, errors="replace") as f:
        check("listens on every address" not in f.read(),
              "ptcp:PORT:127.0.0.1 gets no such warning")
    d.stop()


if __name__ == "__main__":
    run(main)
