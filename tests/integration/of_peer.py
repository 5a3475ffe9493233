# SPDX-License-Identifier: BSD-3-Clause
"""OpenFlow peers for the integration tests, Python standard library only.

TinyController: an active-mode target (the switch connects to it) that
says HELLO and answers ECHO requests, and can drop its connections.
hello_client(): a raw OpenFlow 1.3 client connection to a listener, HELLO
exchanged.
"""

import select
import socket
import struct
import threading
import time

from harness import TestFailure, on_cleanup

OFP13 = 4


def ofp_msg(mtype, body=b"", xid=1, version=OFP13):
    return struct.pack("!BBHI", version, mtype, 8 + len(body), xid) + body


def hello_client(port, timeout=5):
    """A connected socket to 127.0.0.1:port after the HELLO exchange."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(ofp_msg(0))
    data, deadline = b"", time.monotonic() + timeout
    need = 8
    while len(data) < need:
        if time.monotonic() > deadline:
            raise TestFailure("no HELLO from the switch")
        chunk = s.recv(need - len(data))
        if not chunk:
            raise TestFailure("the switch closed before its HELLO")
        data += chunk
        if len(data) >= 8:
            need = struct.unpack("!H", data[2:4])[0]   # the whole HELLO
    if data[1] != 0:
        raise TestFailure("expected HELLO, got message type %d" % data[1])
    return s


class TinyController:
    """Accepts switch connections, says HELLO, answers ECHO requests."""

    def __init__(self, port):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        self.conns = []
        self.accepted = 0
        self.stop = False
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()
        on_cleanup(self.close)

    def loop(self):
        bufs = {}
        while not self.stop:
            with self.lock:
                socks = [self.ls] + self.conns
            r, _, _ = select.select(socks, [], [], 0.1)
            for s in r:
                if s is self.ls:
                    c, _ = self.ls.accept()
                    c.sendall(struct.pack("!BBHI", 4, 0, 8, 1))
                    with self.lock:
                        self.conns.append(c)
                        self.accepted += 1
                    bufs[c] = b""
                    continue
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    with self.lock:
                        if s in self.conns:
                            self.conns.remove(s)
                    s.close()
                    continue
                bufs[s] = bufs.get(s, b"") + data
                while len(bufs[s]) >= 8:
                    v, t, n, x = struct.unpack("!BBHI", bufs[s][:8])
                    if len(bufs[s]) < n:
                        break
                    body, bufs[s] = bufs[s][8:n], bufs[s][n:]
                    if t == 2:          # ECHO_REQUEST
                        s.sendall(struct.pack("!BBHI", v, 3, 8 + len(body), x) + body)

    def drop_all(self):
        with self.lock:
            for c in self.conns:
                c.close()
            self.conns = []

    def close(self):
        self.stop = True
        self.t.join(2)
        self.drop_all()
        self.ls.close()
