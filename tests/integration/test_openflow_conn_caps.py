#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A listener flood cannot lock the configured controller out.

The bridge has a listener and an active controller (a tiny OpenFlow 1.3
controller in this test: HELLO, ECHO replies). Once the controller is up,
300 TCP connections flood the listener and stay open: the listener keeps
64 (its default cap), closes the others at once and counts them
(show: channel.accept_refused). Then the controller drops its connection:
the switch reconnects (1 s back-off) and is up again, although the
listener is full. With one shared cap of 256 it could not.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, check, free_tcp_port, info, on_cleanup, run,  # noqa: E402
                     tempdir, wait_for)
from of_peer import TinyController  # noqa: E402

N_FLOOD, PER_LISTENER = 300, 64


def ctrl_up(d):
    return d.ctl("show")["bridges"][0]["controllers_up"] == 1


def main(build):
    tmp = tempdir("ofcaps")
    cport = free_tcp_port()
    ctl = TinyController(cport)
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")],
               extra_yaml="    controllers: [\"tcp:127.0.0.1:%d\"]" % cport).start()
    wait_for(lambda: ctrl_up(d), 15, what="the controller connected")

    flood = []
    for _ in range(N_FLOOD):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(("127.0.0.1", d.of_port))
        flood.append(s)
    on_cleanup(lambda: [s.close() for s in flood])
    time.sleep(1.5)
    kept = 0
    for s in flood:
        s.setblocking(False)
        try:
            data = s.recv(64)
            kept += len(data) > 0       # the switch's HELLO
        except BlockingIOError:
            kept += 1
        except OSError:
            pass
    info("%d of %d flood connections kept by the listener" % (kept, N_FLOOD))
    check(kept == PER_LISTENER, "the listener keeps %d connections" % PER_LISTENER,
          "kept %d" % kept)
    ch = d.ctl("show")["bridges"][0]["channel"]
    check(ch["accept_refused"] >= N_FLOOD - PER_LISTENER,
          "show counts the refused connections", repr(ch))

    before = ctl.accepted
    ctl.drop_all()
    wait_for(lambda: ctl.accepted > before, 10, what="the switch reconnecting to its controller")
    wait_for(lambda: ctrl_up(d), 10, what="the controller up again during the flood")
    info("controller reconnected while %d flood connections are open" % kept)
    for s in flood:
        s.close()
    d.ofctl("show", "@")
    d.stop()


if __name__ == "__main__":
    run(main)
