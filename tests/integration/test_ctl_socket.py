#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The control socket under hostile or broken clients.

- A client that dribbles one byte a second does not delay `pmdswitch-ctl
  show`, a `reload` command nor a SIGHUP reload, and is closed with
  "request timed out" after the request deadline (5 s).
- At most 32 clients at once: one more is told so; a request over 64 KiB
  is refused; both leave the daemon serving.
- Access: the socket file is mode 0660, owner root, group --ctl-group;
  a member of that group is served, anyone else gets a clear refusal (the
  SO_PEERCRED check, even when the file mode would let them in).
- accept() failing with EMFILE costs no CPU (back-off, logged once) and
  the socket serves again once descriptors are free.
- A regular file at the socket path is never removed: start-up fails
  with a clear error and the file is intact.
"""

import grp
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestSkip, check, check_eq, info,  # noqa: E402
                     on_cleanup, run, tempdir, wait_for)

NOBODY = 65534


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def recv_all(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError):
        pass
    return data


class Dribbler(threading.Thread):
    """Sends a request one byte a second and never finishes it."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = connect(path)
        self.t0 = time.monotonic()
        self.closed_after = None
        self.reply = b""

    def run(self):
        msg = b"text\0version-that-never-ends"
        for b in msg:
            try:
                self.sock.send(bytes([b]))
            except OSError:
                break
            self.sock.settimeout(1.0)
            try:
                r = self.sock.recv(4096)
                self.reply += r
                if not r or self.reply:
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        self.reply += recv_all(self.sock, 1.0)
        self.closed_after = time.monotonic() - self.t0
        self.sock.close()


def timed(fn):
    t = time.monotonic()
    r = fn()
    return r, time.monotonic() - t


def thread_ticks(pid, name):
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() != name:
                    continue
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except OSError:
            continue
    raise AssertionError("no thread named %s in pid %d" % (name, pid))


def log_text(d):
    with open(d.log, "rb") as f:
        return f.read().decode(errors="replace")


def as_nobody(d, groups, *args):
    cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY]
    cmd += ["--groups=%s" % ",".join(map(str, groups))] if groups else ["--clear-groups"]
    cmd += [os.path.join(d.build, "pmdswitch-ctl"), "--ctl", d.ctl_path] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=15)


def make_group():
    name = "pmdsw%d" % os.getpid()
    r = subprocess.run(["groupadd", "-f", name], capture_output=True, text=True)
    if r.returncode != 0:
        raise TestSkip("groupadd %s failed: %s" % (name, r.stderr.strip()))
    on_cleanup(lambda: subprocess.run(["groupdel", name], capture_output=True))
    return name, grp.getgrnam(name).gr_gid


def test_not_a_socket(build, tmp):
    path = os.path.join(tmp, "file.ctl")
    with open(path, "w") as f:
        f.write("precious\n")
    d = Daemon(build, tmp, listen=False, ports=[Port("p1", 1, "net_null0,no-rx=1")])
    d.ctl_path = path
    with open(d.config, "w") as f:
        f.write(d.yaml())
    r = subprocess.run([os.path.join(build, "pmdswitchd"), "--config", d.config,
                        "--ctl", path], capture_output=True, text=True, timeout=60)
    check(r.returncode == 1, "pmdswitchd refuses to start on a regular file at the "
          "control socket path", "status %d" % r.returncode)
    check("not a socket" in r.stderr, "the error says the path is not a socket",
          r.stderr[-500:])
    with open(path) as f:
        check_eq(f.read(), "precious\n", "the regular file is left intact")


def main(build):
    if os.geteuid() != 0:
        raise TestSkip("needs root (setpriv, groupadd)")
    tmp = tempdir("ctlsock")
    os.chmod(tmp, 0o755)
    group, gid = make_group()
    test_not_a_socket(build, tmp)

    d = Daemon(build, tmp, listen=False, args=["--ctl-group", group],
               ports=[Port("p1", 1, "net_null0,no-rx=1"), Port("p2", 2, "net_null1,no-rx=1")],
               flows=["priority=0,actions=drop"]).start()

    # Access: mode, owner, group; SO_PEERCRED.
    st = os.lstat(d.ctl_path)
    check(stat.S_ISSOCK(st.st_mode), "the control socket is a socket")
    check_eq(oct(stat.S_IMODE(st.st_mode)), oct(0o660), "socket mode")
    check_eq(st.st_uid, 0, "socket owner is root")
    check_eq(st.st_gid, gid, "socket group is the --ctl-group")
    r = as_nobody(d, [gid], "--json", "version")
    check(r.returncode == 0 and "0.1.0" in r.stdout,
          "a member of the group is served", r.stderr + r.stdout)
    r = as_nobody(d, None, "version")
    check(r.returncode == 2 and "Permission denied" in r.stderr and "group" in r.stderr,
          "a non-member cannot connect (file mode) and is told why", r.stderr)
    os.chmod(d.ctl_path, 0o666)
    r = as_nobody(d, None, "version")
    check(r.returncode == 1 and "permission denied" in r.stderr and "uid 65534" in r.stderr,
          "with the file opened up, SO_PEERCRED still refuses a non-member", r.stderr)
    os.chmod(d.ctl_path, 0o660)

    # A dribbling client delays nobody.
    dr = Dribbler(d.ctl_path)
    dr.start()
    time.sleep(1.5)
    show, t_show = timed(lambda: d.ctl("show"))
    check(t_show < 1.0, "show answers within 1 s while a client dribbles",
          "%.2f s" % t_show)
    d.flows.append("priority=5,in_port=2,actions=output:1")
    with open(d.config, "w") as f:
        f.write(d.yaml())
    _, t_reload = timed(lambda: d.ctl("reload"))
    check(t_reload < 3.0, "reload answers while a client dribbles", "%.2f s" % t_reload)
    check(len(d.ctl("dump-flows", "br0")) == 2, "the reload added the flow")
    d.flows.append("priority=6,in_port=1,actions=output:2")
    with open(d.config, "w") as f:
        f.write(d.yaml())
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: len(d.ctl("dump-flows", "br0")) == 3, 3,
             what="SIGHUP reload while a client dribbles")
    info("SIGHUP reload applied after %.2f s" % (time.monotonic() - t0))
    check(dr.is_alive(), "the dribbler is still connected (its deadline is 5 s)")
    dr.join(15)
    check(dr.closed_after is not None and dr.closed_after < 8,
          "the dribbler is closed after the request deadline",
          "closed after %s s" % dr.closed_after)
    check_eq(dr.reply, b"1request timed out", "the dribbler is told why")

    # Caps: clients and request size.
    held = [connect(d.ctl_path) for _ in range(32)]
    time.sleep(0.3)
    extra = connect(d.ctl_path)
    check(recv_all(extra, 3).startswith(b"1too many control clients"),
          "the 33rd client is told there are too many")
    for s in held:
        s.close()
    wait_for(lambda: d.ctl_raw("version").returncode == 0, 3,
             what="served again once the clients leave")
    big = connect(d.ctl_path)
    big.sendall(b"text\0" + b"x" * 70000)
    check_eq(recv_all(big, 3), b"1request too large", "a request over 64 KiB is refused")

    # EMFILE: no spin, one log line, serves again.
    pid = d.proc.pid
    n_open = len(os.listdir("/proc/%d/fd" % pid))
    old = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (n_open, old[1]))

    def restore():
        if d.alive():
            resource.prlimit(pid, resource.RLIMIT_NOFILE, old)
    on_cleanup(restore)
    waiting = [connect(d.ctl_path) for _ in range(4)]
    wait_for(lambda: "accept: Too many open files" in log_text(d), 3,
             what="the EMFILE log line")
    t0 = thread_ticks(pid, "ctl")
    time.sleep(2.0)
    used = thread_ticks(pid, "ctl") - t0
    hz = os.sysconf("SC_CLK_TCK")
    check(used <= hz // 10, "the control socket thread does not spin on EMFILE",
          "%d ticks of CPU in 2 s (%d per second)" % (used, hz))
    check_eq(log_text(d).count("accept: Too many open files"), 1,
             "EMFILE logged once")
    restore()
    for s in waiting:
        s.close()
    wait_for(lambda: d.ctl_raw("version").returncode == 0, 5,
             what="served again once descriptors are free")
    check("accept works again" in log_text(d), "the recovery is logged")
    cs = d.ctl("ctl-stats")
    for k in ("refused_access", "refused_busy", "timeouts", "too_large", "accept_errors"):
        check(cs.get(k, 0) >= 1, "ctl-stats counts %s" % k, repr(cs))
    d.stop()
    check(not os.path.exists(d.ctl_path), "the daemon removes its socket on exit")


if __name__ == "__main__":
    run(main)
