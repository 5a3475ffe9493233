# SPDX-License-Identifier: BSD-3-Clause
"""Shared pieces of the interop tests: a Daemon with controllers, fail
mode and TLS files; two hosts in network namespaces; an os-ken controller
process; a raw OpenFlow 1.3 client (os-ken's message classes over a plain
or TLS socket)."""

import os
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import (Daemon, TestFailure, TestSkip, VethNs, check, info,  # noqa: E402,F401
                     on_cleanup, sh, wait_for)

OSKEN_PY = "/usr/bin/python3"


class CtlDaemon(Daemon):
    """harness.Daemon plus fail mode, controllers and ssl files."""

    def __init__(self, *a, fail_mode="secure", controllers=(), ssl=None, listen=True, **kw):
        super().__init__(*a, listen=listen, **kw)
        self.fail_mode = fail_mode
        self.controllers = list(controllers)
        self.ssl = ssl

    def yaml(self):
        y = super().yaml().replace("    fail-mode: secure",
                                   "    fail-mode: %s" % self.fail_mode)
        extra = []
        if self.controllers:
            extra.append("    controllers: %s" % harness.ylist(self.controllers))
        if self.ssl:
            extra.append("    ssl: {private-key: %s, certificate: %s, ca-cert: %s}"
                         % tuple(harness.yq(x) for x in self.ssl))
        return y.replace("    ports:\n", "\n".join(extra + ["    ports:\n"]), 1)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")


def need_osken():
    r = subprocess.run([OSKEN_PY, "-c", "import os_ken"], capture_output=True)
    if r.returncode != 0 or not os.path.exists("/usr/bin/osken-manager"):
        raise TestSkip("python3-os-ken is not installed")


class Hosts:
    """Two hosts, 10.0.0.1 and 10.0.0.2, each in a netns behind a veth."""

    def __init__(self, tag):
        self.a = VethNs(tag + "a")
        self.b = VethNs(tag + "b")

    def setup(self):
        for i, v in enumerate((self.a, self.b)):
            v.setup()
            sh("ip", "netns", "exec", v.ns, "ip", "addr", "add",
               "10.0.0.%d/24" % (i + 1), "dev", v.ns_if)
        return self

    def ping(self, count=1, timeout=10):
        """ICMP echo from A to B (a stdlib ping run inside A's netns);
        true when every echo got its reply."""
        r = subprocess.run(["ip", "netns", "exec", self.a.ns, sys.executable,
                            os.path.abspath(__file__), "ping", "10.0.0.2", str(count),
                            str(timeout)], capture_output=True, text=True)
        return r.returncode == 0, r.stdout + r.stderr

    def flush_arp(self):
        for v in (self.a, self.b):
            sh("ip", "netns", "exec", v.ns, "ip", "neigh", "flush", "all", check_rc=False)


class OsKen:
    """osken-manager running one app, listening on a port (maybe TLS)."""

    def __init__(self, tmp, app, port, tag, tls=None):
        self.tmp, self.app, self.port, self.tag, self.tls = tmp, app, port, tag, tls
        self.events = os.path.join(tmp, "events-%s.txt" % tag)
        self.proc = None

    def start(self):
        open(self.events, "w").close()
        cmd = ["/usr/bin/osken-manager", "--ofp-tcp-listen-port", str(self.port),
               "--ofp-listen-host", "127.0.0.1"]
        if self.tls:
            key, cert, ca = self.tls
            cmd += ["--ofp-ssl-listen-port", str(self.port), "--ctl-privkey", key,
                    "--ctl-cert", cert, "--ca-certs", ca]
        cmd.append(self.app)
        env = dict(os.environ, OSKEN_L2_EVENTS=self.events, PYTHONPATH=HERE)
        log = open(os.path.join(self.tmp, "osken-%s.log" % self.tag), "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        log.close()
        on_cleanup(self.kill)
        return self

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def lines(self, prefix):
        with open(self.events) as f:
            return [ln.split() for ln in f if ln.startswith(prefix)]

    def wait_connected(self, timeout=30):
        return wait_for(lambda: self.lines("connected"), timeout,
                        what="the switch connecting to os-ken (%s)" % self.tag)


# ---- raw OpenFlow 1.3 client with os-ken's codecs -------------------------

class OfClient:
    """A bare OpenFlow 1.3 connection: os-ken message classes, no app."""

    def __init__(self, sock):
        from os_ken.ofproto import ofproto_v1_3 as ofp, ofproto_v1_3_parser as parser
        self.ofp, self.parser = ofp, parser
        self.sock = sock
        self.buf = b""
        self.xid = 100

        class _Dp:
            ofproto = ofp
            ofproto_parser = parser
        self.dp = _Dp()

    def send(self, msg):
        self.xid += 1
        msg.set_xid(self.xid)
        msg.serialize()
        self.sock.sendall(bytes(msg.buf))
        return self.xid

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=5):
        from os_ken.ofproto import ofproto_parser
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 8:
                ln = struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= ln:
                    data, self.buf = self.buf[:ln], self.buf[ln:]
                    v, t, ln, xid = struct.unpack("!BBHI", data[:8])
                    if t == 0:      # HELLO: no parser needed
                        return ("hello", v, data)
                    return ofproto_parser.msg(self.dp, v, t, ln, xid, data)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("no OpenFlow message within %d s" % timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TestFailure("connection closed by the switch")
            self.buf += chunk

    def recv_type(self, cls, timeout=5):
        """Next message of class cls (echo requests answered, others skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.recv(max(0.1, deadline - time.monotonic()))
            if isinstance(m, self.parser.OFPEchoRequest):
                self.send(self.parser.OFPEchoReply(self.dp, data=m.data))
                continue
            if isinstance(m, cls):
                return m

    def handshake(self):
        hello = self.recv()
        check(isinstance(hello, tuple) and hello[0] == "hello", "switch sends HELLO first")
        self.send(self.parser.OFPHello(self.dp))
        self.send(self.parser.OFPFeaturesRequest(self.dp))
        return self.recv_type(self.parser.OFPSwitchFeatures)

    def barrier(self):
        self.send(self.parser.OFPBarrierRequest(self.dp))
        return self.recv_type(self.parser.OFPBarrierReply)

    def role(self, role, gen):
        self.send(self.parser.OFPRoleRequest(self.dp, role, gen))
        m = self.recv_type((self.parser.OFPRoleReply, self.parser.OFPErrorMsg))
        return m

    def flow_mod(self, **kw):
        p = self.parser
        inst = [p.OFPInstructionActions(self.ofp.OFPIT_APPLY_ACTIONS,
                                        [p.OFPActionOutput(kw.pop("out", 2))])]
        return self.send(p.OFPFlowMod(self.dp, instructions=inst,
                                      match=p.OFPMatch(**kw.pop("match", {})), **kw))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def listen_socket():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    on_cleanup(s.close)
    return s


def openssl_certs(tmp, names=("ca", "ca2")):
    """A CA per name, each signing a 'switch' and a 'ctl' certificate.
    Returns {ca: {"ca": path, "switch": (key, cert), "ctl": (key, cert)}}."""
    out = {}
    for ca in names:
        d = os.path.join(tmp, ca)
        os.makedirs(d)
        cakey, cacert = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
           "-subj", "/CN=%s" % ca, "-keyout", cakey, "-out", cacert)
        out[ca] = {"ca": cacert}
        for who in ("switch", "ctl"):
            key, csr = os.path.join(d, who + ".key"), os.path.join(d, who + ".csr")
            cert = os.path.join(d, who + ".pem")
            sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj",
               "/CN=%s-%s" % (ca, who), "-keyout", key, "-out", csr)
            sh("openssl", "x509", "-req", "-in", csr, "-CA", cacert, "-CAkey", cakey,
               "-CAcreateserial", "-days", "2", "-out", cert)
            out[ca][who] = (key, cert)
    return out


def _ping(dst, count, timeout):
    """Sends count echo requests (0.2 s apart, each waiting up to 2 s for
    its reply); exit 0 when all were answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xffff
    got = 0
    deadline = time.monotonic() + timeout
    for seq in range(1, count + 1):
        payload = b"pmdswitch-ping-%04d" % seq + bytes(36)
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, harness.csum(hdr + payload), ident, seq) + payload
        s.sendto(pkt, (dst, 0))
        end = min(time.monotonic() + 2, deadline)
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = s.recv(2048)
            except socket.timeout:
                break
            ihl = (data[0] & 0xf) * 4
            t, _, _, i, q = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq:
                got += 1
                break
        print("seq %d: %s" % (seq, "reply" if got == seq else "no reply"), flush=True)
        if got != seq:
            break
        time.sleep(0.2)
    sys.exit(0 if got == count else 1)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "ping":
    _ping(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
