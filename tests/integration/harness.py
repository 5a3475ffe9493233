# SPDX-License-Identifier: BSD-3-Clause
"""Integration test harness: runs the real pmdswitchd on DPDK virtual ports.

Python 3 standard library only. Pieces:
  - pcap files: pcap_write(), pcap_read()
  - frames: eth(), ipv4(), udp(), tcp(), udp_frame(), tcp_frame()
  - Daemon: writes a YAML config into a temp dir (unique ctl socket, unique
    OpenFlow listener port, unique EAL --file-prefix), starts pmdswitchd,
    waits for the ctl socket, runs pmdswitch-ctl --json and ovs-ofctl,
    stops it with SIGTERM (net_pcap writes tx_pcap files on close)
  - VethNs: a network namespace with one end of a veth pair; the other end
    stays in the root namespace for net_af_packet; send() injects frames
    from inside the namespace with an AF_PACKET socket
  - run(main): prints each check, cleans up on any exit, exit status 0 on
    success, 1 on failure, 77 (meson: skipped) when the binaries are missing
    or the test is not run as root

Used as a script inside a namespace:
  python3 harness.py send IFACE FILE.pcap [BATCH PAUSE_MS]
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77


class TestFailure(Exception):
    pass


class TestSkip(Exception):
    pass


# --------------------------------------------------------------------------
# output

def info(msg):
    print(msg, flush=True)


def check(cond, what, detail=""):
    """Assert one property; prints 'ok: what' or raises with the detail."""
    if not cond:
        raise TestFailure(what + (": " + detail if detail else ""))
    info("ok: " + what)


_soft_failures = []


def expect(cond, what, detail=""):
    """Like check(), but a failure is recorded and the test goes on; it
    still fails at the end."""
    if cond:
        info("ok: " + what)
        return True
    msg = what + (": " + detail if detail else "")
    info("FAILED (continuing): " + msg)
    _soft_failures.append(msg)
    return False


def check_eq(got, want, what):
    check(got == want, what, "got %r, expected %r" % (got, want))


def wait_for(pred, timeout, interval=0.1, what="condition"):
    """Poll pred() until it returns a true value; returns that value.
    Raises TestFailure after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
        except (TestFailure, OSError, ValueError, subprocess.SubprocessError) as e:
            last = None
            err = e
        else:
            err = None
            if last:
                return last
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.0f s waiting for %s%s"
                              % (timeout, what, (" (last error: %s)" % err) if err else ""))
        time.sleep(interval)


def frame_tag(f):
    """The tag udp_frame()/tcp_frame() put at the start of the payload."""
    off = 14 + (4 if f[12:14] == b"\x81\x00" else 0)
    ihl = (f[off] & 0x0f) * 4
    l4 = 8 if f[off + 9] == 17 else (f[off + ihl + 12] >> 4) * 4
    return int.from_bytes(f[off + ihl + l4:off + ihl + l4 + 4], "big")


def microflow(f):
    """The 5-tuple (with MACs and VLAN) a frame belongs to: the unit whose
    packet order a switch must keep."""
    off = 14 + (4 if f[12:14] == b"\x81\x00" else 0)
    if f[off - 2:off] != b"\x08\x00" or len(f) < off + 20:
        return f[:off]
    ihl = (f[off] & 0x0f) * 4
    proto = f[off + 9]
    ports = f[off + ihl:off + ihl + 4] if proto in (6, 17) else b""
    return f[:off] + f[off + 12:off + 20] + bytes([proto]) + ports


def check_frames(got, want, what):
    """got must hold exactly the frames of want (hard check), and the frames
    of each microflow in the order sent (recorded with expect(): the test
    goes on). Frames of different microflows may be reordered."""
    check_eq(len(got), len(want), "%s: number of frames" % what)
    extra = [g for g in got if g not in want]
    missing = [w for w in want if w not in got]
    check(not extra and not missing and sorted(got) == sorted(want),
          "%s: exactly the expected frames" % what,
          "%d unexpected (tags %s), %d missing (tags %s)"
          % (len(extra), [frame_tag(f) for f in extra[:10]],
             len(missing), [frame_tag(f) for f in missing[:10]]))
    bad = None
    for key in dict.fromkeys(microflow(f) for f in want):
        g = [f for f in got if microflow(f) == key]
        w = [f for f in want if microflow(f) == key]
        if g != w:
            bad = (w, g)
            break
    expect(bad is None, "%s: each microflow's frames in the order sent" % what,
           "tags sent %s..., tags out %s..."
           % ([frame_tag(f) for f in bad[0][:16]], [frame_tag(f) for f in bad[1][:16]])
           if bad else "")


# --------------------------------------------------------------------------
# pcap files (libpcap format, microsecond timestamps, LINKTYPE_ETHERNET)

PCAP_MAGIC = 0xa1b2c3d4
PCAP_MAGIC_NS = 0xa1b23c4d


def pcap_write(path, frames, start=1_700_000_000.0, gap_us=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 65535, 1))
        t_us = int(start * 1_000_000)
        for fr in frames:
            f.write(struct.pack("<IIII", t_us // 1_000_000, t_us % 1_000_000,
                                len(fr), len(fr)))
            f.write(fr)
            t_us += gap_us


def pcap_read(path):
    """Return the list of frames (bytes) of a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise TestFailure("%s: not a pcap file (%d bytes)" % (path, len(data)))
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (PCAP_MAGIC, PCAP_MAGIC_NS):
            break
    else:
        raise TestFailure("%s: bad pcap magic %s" % (path, data[:4].hex()))
    frames = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise TestFailure("%s: truncated record at offset %d" % (path, off - 16))
        frames.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise TestFailure("%s: %d trailing bytes" % (path, len(data) - off))
    return frames


# --------------------------------------------------------------------------
# frames

def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return socket.inet_aton(s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(dst, src, ethertype, payload, vlan=None):
    hdr = mac(dst) + mac(src)
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan & 0xfff)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000,
                      ttl, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def _pseudo(src, dst, proto, length):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)


def udp(src, dst, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(_pseudo(src, dst, 17, 8 + len(payload)) + hdr + payload) or 0xffff
    return hdr[:6] + struct.pack("!H", c) + payload


def tcp(src, dst, sport, dport, payload, seq=1, ack=0, flags=0x02, window=65535):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, window, 0, 0)
    c = csum(_pseudo(src, dst, 6, 20 + len(payload)) + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


SRC_MAC = "02:00:00:00:00:01"
DST_MAC = "02:00:00:00:00:02"


def _payload(n, tag):
    """n bytes of payload that start with a 4-byte tag (unique packets)."""
    n = max(n, 0)
    body = struct.pack("!I", tag & 0xffffffff) + bytes((tag + i) & 0xff for i in range(64))
    body = (body * (n // len(body) + 1))[:n]
    return body


def udp_frame(sport, dport, size=64, src_ip="10.0.0.1", dst_ip="10.0.0.2",
              src_mac=SRC_MAC, dst_mac=DST_MAC, tag=0, vlan=None):
    """An Ethernet/IPv4/UDP frame of `size` bytes (without FCS); the payload
    starts with `tag` so that every packet can be told apart."""
    hl = 14 + (4 if vlan is not None else 0) + 20 + 8
    pl = _payload(size - hl, tag)
    return eth(dst_mac, src_mac, 0x0800,
               ipv4(src_ip, dst_ip, 17, udp(src_ip, dst_ip, sport, dport, pl)), vlan)


def tcp_frame(sport, dport, size=64, src_ip="10.0.0.1", dst_ip="10.0.0.2",
              src_mac=SRC_MAC, dst_mac=DST_MAC, tag=0, vlan=None):
    hl = 14 + (4 if vlan is not None else 0) + 20 + 20
    pl = _payload(size - hl, tag)
    return eth(dst_mac, src_mac, 0x0800,
               ipv4(src_ip, dst_ip, 6, tcp(src_ip, dst_ip, sport, dport, pl)), vlan)


def gen_udp_flows(n_flows, size=64, base_sport=1024, dport=5000):
    """n distinct UDP flows, one packet each, differing in the source port."""
    return [udp_frame(base_sport + i, dport, size=size, tag=i) for i in range(n_flows)]


# --------------------------------------------------------------------------
# environment

def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_dir_from_argv():
    if len(sys.argv) > 1:
        return os.path.abspath(sys.argv[1])
    return os.path.join(repo_root(), "build")


def no_huge(build):
    """True when the switch must run without hugepages: PMDSWITCH_NO_HUGE=1,
    the marker written by tools/setup.sh, or too few free 2 MB pages."""
    env = os.environ.get("PMDSWITCH_NO_HUGE")
    if env is not None and env not in ("", "0"):
        return True
    for b in (build, os.path.join(repo_root(), "build")):
        if os.path.exists(os.path.join(b, "no-huge")):
            return True
    try:
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
            free = int(f.read())
    except OSError:
        return True
    if free < 160:      # 256 MB for the daemon plus EAL overhead
        return True
    return not os.path.ismount("/dev/hugepages")


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def yq(v):
    """A YAML scalar (JSON-quoted strings are valid YAML)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))


def ylist(vs):
    return "[" + ", ".join(yq(v) for v in vs) + "]"


_cleanups = []


def on_cleanup(fn):
    _cleanups.append(fn)


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:    # cleanup must go on
            print("cleanup: %s" % e, file=sys.stderr)


def run(main):
    """Run main(build_dir) with cleanup and meson exit codes."""
    def on_signal(signum, frame):
        raise TestFailure("interrupted by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    build = build_dir_from_argv()
    name = os.path.basename(sys.argv[0])
    rc = 0
    try:
        for b in ("pmdswitchd", "pmdswitch-ctl"):
            if not os.access(os.path.join(build, b), os.X_OK):
                raise TestSkip("%s/%s is not built" % (build, b))
        if os.geteuid() != 0:
            raise TestSkip("needs root (DPDK, network namespaces)")
        main(build)
        if _soft_failures:
            raise TestFailure("%d check(s) failed: %s" % (len(_soft_failures),
                                                          "; ".join(_soft_failures)))
        info("PASS: %s" % name)
    except TestSkip as e:
        info("SKIP: %s: %s" % (name, e))
        rc = SKIP
    except TestFailure as e:
        for f in _soft_failures:
            if f not in str(e):
                info("FAILED earlier: %s" % f)
        info("FAIL: %s: %s" % (name, e))
        rc = 1
    except Exception as e:
        import traceback
        traceback.print_exc()
        info("FAIL: %s: unexpected %s: %s" % (name, type(e).__name__, e))
        rc = 1
    finally:
        _run_cleanups()
    sys.exit(rc)


def tempdir(tag):
    d = tempfile.mkdtemp(prefix="pmdsw-%s-" % tag)
    on_cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


# --------------------------------------------------------------------------
# the daemon

class Port:
    def __init__(self, name, ofport, devargs, rxq=None):
        self.name, self.ofport, self.devargs, self.rxq = name, ofport, devargs, rxq


class Daemon:
    """One pmdswitchd with one bridge br0 in its own temp dir.

    ports: list of Port; flows: list of ovs-ofctl flow strings."""

    def __init__(self, build, tmp, ports, flows=(), listen=True, bridge="br0",
                 extra_yaml="", pmd_cores=(1,), log_level=None, lcores="0-1",
                 datapath=None, args=()):
        self.build = build
        self.tmp = tmp
        self.ports = ports
        self.flows = list(flows)
        self.bridge = bridge
        self.ctl_path = os.path.join(tmp, "pmdswitchd.ctl")
        self.of_port = free_tcp_port() if listen else None
        self.prefix = "pmdsw-%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
        self.no_huge = no_huge(build)
        self.config = os.path.join(tmp, "pmdswitch.yaml")
        self.log = os.path.join(tmp, "pmdswitchd.log")
        self.proc = None
        self.log_level = log_level
        self.extra_yaml = extra_yaml
        self.pmd_cores = list(pmd_cores)
        self.lcores = lcores
        self.datapath = dict(datapath or {})   # more datapath: keys
        self.args = list(args)                  # more pmdswitchd options

    @property
    def of_target(self):
        return "tcp:127.0.0.1:%d" % self.of_port

    def yaml(self):
        y = []
        y.append("dpdk:")
        y.append("  lcores: %s" % yq(self.lcores))
        y.append("  main-lcore: 0")
        y.append("  memory-mb: 256")
        y.append("  no-huge: %s" % yq(self.no_huge))
        y.append("  extra-args: %s" % ylist(["--no-pci", "--file-prefix", self.prefix]))
        y.append("datapath:")
        y.append("  pmd-cores: %s" % ylist(self.pmd_cores))
        for k, v in self.datapath.items():
            y.append("  %s: %s" % (k, v))
        y.append("ctl-socket: %s" % yq(self.ctl_path))
        y.append("bridges:")
        y.append("  - name: %s" % yq(self.bridge))
        y.append("    datapath-id: \"0x0000000000000001\"")
        y.append("    fail-mode: secure")
        if self.of_port:
            y.append("    listen: %s" % ylist(["ptcp:%d:127.0.0.1" % self.of_port]))
        if self.flows:
            y.append("    flows:")
            for fl in self.flows:
                y.append("      - %s" % yq(fl))
        y.append("    ports:")
        for p in self.ports:
            line = "      - {name: %s, ofport: %d, type: dpdk, devargs: %s" % (
                yq(p.name), p.ofport, yq(p.devargs))
            if p.rxq:
                line += ", rxq: %d" % p.rxq
            y.append(line + "}")
        if self.extra_yaml:
            y.append(self.extra_yaml)
        return "\n".join(y) + "\n"

    def start(self, timeout=30):
        with open(self.config, "w") as f:
            f.write(self.yaml())
        cmd = [os.path.join(self.build, "pmdswitchd"), "--config", self.config,
               "--ctl", self.ctl_path]
        if self.log_level:
            cmd += ["--log-level", self.log_level]
        cmd += self.args
        info("starting: %s (no-huge: %s, OpenFlow listener: %s)"
             % (" ".join(cmd), self.no_huge, self.of_target if self.of_port else "none"))
        logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, cwd=self.tmp,
                                     start_new_session=True)
        logf.close()
        on_cleanup(self.kill)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise TestFailure("pmdswitchd exited with status %s during start-up\n%s"
                                  % (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.ctl_path):
                try:
                    self.ctl("version")
                    break
                except TestFailure:
                    pass
            if time.monotonic() > deadline:
                raise TestFailure("pmdswitchd: no control socket %s after %d s\n%s"
                                  % (self.ctl_path, timeout, self.log_tail()))
            time.sleep(0.1)
        if self.of_port:
            wait_for(self._listening, 10, what="OpenFlow listener on port %d" % self.of_port)
        info("pmdswitchd is up (pid %d)" % self.proc.pid)
        return self

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.of_port), timeout=1).close()
            return True
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.log, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "--- pmdswitchd log (last %d lines) ---\n%s\n---" % (
            n, "\n".join(lines[-n:]))

    def stop(self, timeout=20):
        """SIGTERM and wait; a clean exit is part of the contract (tx_pcap
        files are completed on close)."""
        if not self.alive():
            raise TestFailure("pmdswitchd died (status %s)\n%s"
                              % (self.proc.returncode, self.log_tail()))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("pmdswitchd did not exit within %d s of SIGTERM\n%s"
                              % (timeout, self.log_tail()))
        check(rc == 0, "pmdswitchd exits with status 0 on SIGTERM",
              "status %s\n%s" % (rc, self.log_tail()))

    def kill(self):
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            self.proc.wait(10)
            info("killed pmdswitchd\n" + self.log_tail())
        # A killed EAL process leaves its runtime and hugepage files behind.
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        for f in glob.glob("/dev/hugepages/%smap_*" % self.prefix):
            try:
                os.unlink(f)
            except OSError:
                pass

    # -- pmdswitch-ctl ----------------------------------------------------

    def ctl_raw(self, *args, use_json=True, timeout=10):
        cmd = [os.path.join(self.build, "pmdswitch-ctl"), "--ctl", self.ctl_path]
        if use_json:
            cmd.append("--json")
        cmd += list(args)
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)

    def ctl(self, *args, use_json=True):
        r = self.ctl_raw(*args, use_json=use_json)
        if r.returncode != 0:
            raise TestFailure("pmdswitch-ctl %s: status %d: %s"
                              % (" ".join(args), r.returncode, (r.stderr + r.stdout).strip()))
        if not use_json:
            return r.stdout
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            raise TestFailure("pmdswitch-ctl --json %s: not one JSON document (%s): %r"
                              % (" ".join(args), e, r.stdout[:500]))

    def pmd_total(self):
        st = self.ctl("pmd-stats-show")
        if not isinstance(st, dict) or "total" not in st:
            raise TestFailure("pmd-stats-show --json: no 'total' key: %r" % (st,))
        return st["total"]

    def wait_packets(self, n, timeout=20, key="packets"):
        """Wait until the PMDs have processed at least n packets: received,
        and each looked up (a packet parked behind an upcall in flight is
        counted as a hit or a miss only once that upcall is done; a miss
        dropped by the miss budget, upcall_budget_drops, counts as looked
        up)."""
        def got():
            t = self.pmd_total()
            if t.get(key, 0) < n:
                return None
            if key == "packets" and \
                    t["emc_hits"] + t["megaflow_hits"] + t["misses"] + \
                    t.get("upcall_budget_drops", 0) < t["packets"]:
                return None
            return t
        t = wait_for(got, timeout, what="pmd-stats total %s >= %d" % (key, n))
        return t

    def dump_flows(self):
        return self.ctl("dump-flows", self.bridge)

    # -- ovs-ofctl ---------------------------------------------------------

    def ofctl_raw(self, *args, timeout=20):
        cmd = ["ovs-ofctl", "-O", "OpenFlow13", "--timeout=%d" % timeout]
        cmd += [a if a != "@" else self.of_target for a in args]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout + 5)

    def ofctl(self, *args):
        """ovs-ofctl -O OpenFlow13 ARGS; '@' stands for the listener target."""
        r = self.ofctl_raw(*args)
        if r.returncode != 0:
            raise TestFailure("ovs-ofctl %s: status %d: %s"
                              % (" ".join(args), r.returncode, (r.stderr + r.stdout).strip()))
        return r.stdout


def parse_ofctl_flows(text):
    """ovs-ofctl dump-flows output -> list of dicts (n_packets, n_bytes,
    priority, table, cookie, match, actions)."""
    flows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("cookie=") and "actions=" not in line:
            continue
        m = re.match(r"(.*?)\s*actions=(.*)$", line)
        head, actions = m.group(1), m.group(2)
        fl = {"actions": actions, "priority": 32768, "table": 0}
        match = []
        for part in [p for p in re.split(r"[,\s]+", head) if p]:
            if "=" in part:
                k, v = part.split("=", 1)
            else:
                k, v = part, None
            if k in ("cookie", "duration", "idle_age", "hard_age", "idle_timeout",
                     "hard_timeout"):
                fl[k] = v
            elif k in ("n_packets", "n_bytes", "priority", "table"):
                fl[k] = int(v)
            elif k in ("reset_counts", "send_flow_rem", "check_overlap", "no_packet_counts",
                       "no_byte_counts"):
                pass
            else:
                match.append(part)
        fl["match"] = ",".join(match)
        flows.append(fl)
    return flows


def parse_ofctl_ports(text):
    """ovs-ofctl dump-ports output -> {port: {'rx_packets':…, 'tx_packets':…,
    'rx_bytes':…, 'tx_bytes':…, 'rx_dropped':…, 'tx_dropped':…}}"""
    ports = {}
    cur = None

    def num(v):
        return None if v == "?" else int(v)
    for line in text.splitlines():
        m = re.match(r"\s*port\s+\"?([^:\"]+)\"?:\s*rx pkts=(\S+?), bytes=(\S+?), drop=(\S+?),", line)
        if m:
            cur = {"rx_packets": num(m.group(2)), "rx_bytes": num(m.group(3)),
                   "rx_dropped": num(m.group(4))}
            ports[m.group(1).strip()] = cur
            continue
        m = re.match(r"\s*tx pkts=(\S+?), bytes=(\S+?), drop=(\S+?),", line)
        if m and cur is not None:
            cur.update({"tx_packets": num(m.group(1)), "tx_bytes": num(m.group(2)),
                        "tx_dropped": num(m.group(3))})
    return ports


# --------------------------------------------------------------------------
# veth pair with one end in a network namespace

def sh(*cmd, check_rc=True):
    r = subprocess.run(list(cmd), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise TestFailure("%s: status %d: %s" % (" ".join(cmd), r.returncode,
                                                 (r.stderr + r.stdout).strip()))
    return r


def _disable_ipv6(ns, ifname):
    """Keep the kernel from sending IPv6 (router solicitations, MLD
    reports, DAD) on a test interface: a test counts every frame. Read
    back, and tried again while the interface's setting is not there yet."""
    if not os.path.exists("/proc/sys/net/ipv6"):
        return                  # no IPv6 in this kernel: nothing to send
    pre = ["ip", "netns", "exec", ns] if ns else []
    key = "net.ipv6.conf.%s.disable_ipv6" % ifname
    for _ in range(50):
        sh(*pre, "sysctl", "-q", "-w", key + "=1", check_rc=False)
        r = sh(*pre, "sysctl", "-n", key, check_rc=False)
        if r.stdout.strip() == "1":
            return
        time.sleep(0.05)
    raise TestFailure("cannot disable IPv6 on %s%s: %s"
                      % (ifname, " (netns %s)" % ns if ns else "", r.stderr.strip()))


def build_has_asan(build):
    """True when the build's daemon is instrumented with AddressSanitizer."""
    try:
        with open(os.path.join(build, "pmdswitchd"), "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


class VethNs:
    """netns `pmdsw-<pid>-<tag>` holding veth end `ns_if`; `host_if` stays in
    the root namespace (for net_af_packet,iface=host_if)."""

    def __init__(self, tag="a"):
        pid = os.getpid()
        self.ns = "pmdsw-%d-%s" % (pid, tag)
        self.host_if = ("psw%d%s" % (pid, tag))[:13] + "h"
        self.ns_if = ("psw%d%s" % (pid, tag))[:13] + "n"

    def setup(self):
        if not shutil.which("ip"):
            raise TestSkip("iproute2 (ip) is not installed")
        self.teardown()
        on_cleanup(self.teardown)
        r = sh("ip", "netns", "add", self.ns, check_rc=False)
        if r.returncode != 0:
            raise TestSkip("cannot create a network namespace here: %s" % r.stderr.strip())
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        sh("ip", "link", "set", self.ns_if, "netns", self.ns)
        _disable_ipv6(None, self.host_if)
        _disable_ipv6(self.ns, self.ns_if)
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")
        info("veth %s <-> %s (netns %s) is up" % (self.host_if, self.ns_if, self.ns))
        return self

    def teardown(self):
        sh("ip", "netns", "del", self.ns, check_rc=False)
        sh("ip", "link", "del", self.host_if, check_rc=False)

    def send(self, frames, tmp, batch=32, pause_ms=1.0):
        """Send frames into the veth from inside the namespace."""
        path = os.path.join(tmp, "send-%d.pcap" % int(time.time() * 1e6))
        pcap_write(path, frames)
        sh("ip", "netns", "exec", self.ns, sys.executable, os.path.abspath(__file__),
           "send", self.ns_if, path, str(batch), str(pause_ms))

    def capture_start(self, tmp):
        """Start collecting frames that arrive at the namespace end."""
        path = os.path.join(tmp, "recv-%d.pcap" % int(time.time() * 1e6))
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, sys.executable,
                              os.path.abspath(__file__), "recv", self.ns_if, path],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        on_cleanup(lambda: p.poll() is None and p.kill())
        p.stdout.readline()     # "ready"
        return p, path

    @staticmethod
    def capture_stop(handle):
        p, path = handle
        p.send_signal(signal.SIGINT)
        p.wait(10)
        return pcap_read(path)


# --------------------------------------------------------------------------
# script mode (runs inside the namespace)

def _cmd_send(iface, path, batch=32, pause_ms=1.0):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i, fr in enumerate(pcap_read(path)):
        s.send(fr)
        if batch and (i + 1) % batch == 0 and pause_ms > 0:
            time.sleep(pause_ms / 1000.0)
    s.close()


def _cmd_recv(iface, path):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    frames = []
    stop = []
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    print("ready", flush=True)
    while not stop:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        frames.append(data)
    pcap_write(path, frames)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "send":
        _cmd_send(sys.argv[2], sys.argv[3],
                  int(sys.argv[4]) if len(sys.argv) > 4 else 32,
                  float(sys.argv[5]) if len(sys.argv) > 5 else 1.0)
    elif len(sys.argv) == 4 and sys.argv[1] == "recv":
        _cmd_recv(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: harness.py send IFACE FILE.pcap [BATCH PAUSE_MS] | recv IFACE FILE.pcap")


# --------------------------------------------------------------------------
# Ports and configuration tests: several bridges, any port type, the
# daemon's own checks, dpdk-testpmd guests on vhost-user sockets.

class ConfigDaemon(Daemon):
    """A Daemon whose bridges: section is given as YAML text (several
    bridges, vhost-user and patch ports). `bridges_yaml` may use {tmp}
    and {of_port} ({of_port2} for a second listener)."""

    def __init__(self, build, tmp, bridges_yaml, **kw):
        super().__init__(build, tmp, [], **kw)
        self.of_port2 = free_tcp_port()
        self.bridges_yaml = bridges_yaml

    def yaml(self):
        head = super().yaml()
        head = head[:head.index("bridges:\n")]
        return head + "bridges:\n" + self.bridges_yaml.format(
            tmp=self.tmp, of_port=self.of_port, of_port2=self.of_port2)

    def write_config(self, bridges_yaml=None):
        if bridges_yaml is not None:
            self.bridges_yaml = bridges_yaml
        with open(self.config, "w") as f:
            f.write(self.yaml())

    def reload(self):
        """pmdswitch-ctl reload: (ok, reply text)."""
        r = self.ctl_raw("reload", use_json=False, timeout=60)
        return r.returncode == 0, (r.stdout + r.stderr).strip()

    def port(self, name):
        for br in self.ctl("show")["bridges"]:
            for p in br["ports"]:
                if p["name"] == name:
                    return p
        return None


def daemon_check(build, config, ctl=None, timeout=60):
    """pmdswitchd --check-config CONFIG: (status, output)."""
    cmd = [os.path.join(build, "pmdswitchd"), "--config", config, "--check-config"]
    if ctl:
        cmd += ["--ctl", ctl]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr)


def daemon_start_fails(build, config, ctl, timeout=60):
    """Start pmdswitchd normally and expect it to exit: (status, output)."""
    cmd = [os.path.join(build, "pmdswitchd"), "--config", config, "--ctl", ctl]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TestFailure("pmdswitchd kept running with %s" % config)
    return r.returncode, (r.stdout + r.stderr)


def testpmd_available():
    return shutil.which("dpdk-testpmd") is not None


class Testpmd:
    """dpdk-testpmd as a guest: a virtio-user port on a vhost-user socket,
    driven interactively (start, stop, show port stats)."""

    def __init__(self, tmp, name, sock, mode, lcores, server=False,
                 memory_mb=128, extra=()):
        self.tmp, self.name, self.sock, self.mode = tmp, name, sock, mode
        self.lcores, self.server, self.memory_mb = lcores, server, memory_mb
        self.extra = list(extra)
        self.prefix = "pmdsw-tp-%d-%s" % (os.getpid(), name)
        self.log = os.path.join(tmp, "testpmd-%s.log" % name)
        self.proc = None

    def start(self, wait=True):
        """Start it. A vhost-user server (server=True) finishes probing its
        port only once the switch connects: start those with wait=False
        and call wait_ready() after the switch is up."""
        vdev = "net_virtio_user0,path=%s,queues=1,queue_size=1024%s" % (
            self.sock, ",server=1" if self.server else "")
        # Line-buffered: the stats replies reach the log at once.
        cmd = ["stdbuf", "-oL", "dpdk-testpmd", "--lcores", self.lcores, "--no-pci",
               "--in-memory", "--single-file-segments", "-m", str(self.memory_mb),
               "--file-prefix", self.prefix, "--log-level=*:warning",
               "--vdev", vdev, "--", "-i", "--forward-mode=%s" % self.mode,
               "--rxq=1", "--txq=1", "--nb-cores=1", "--total-num-mbufs=16384"]
        cmd += self.extra
        info("starting testpmd %s: %s" % (self.name, " ".join(cmd)))
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self._logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        on_cleanup(self.kill)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        wait_for(lambda: b"testpmd>" in self._read() or self.proc.poll() is not None,
                 60, what="testpmd %s prompt" % self.name)
        if self.proc.poll() is not None:
            raise TestFailure("testpmd %s exited: %s" % (self.name, self.tail()))
        return self

    def _read(self):
        with open(self.log, "rb") as f:
            return f.read()

    def tail(self, n=30):
        return "\n".join(self._read().decode(errors="replace").splitlines()[-n:])

    def cmd(self, line, wait=0.5):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        time.sleep(wait)

    def port_stats(self):
        """(rx_packets, rx_missed, tx_packets, tx_errors) of port 0."""
        mark = len(self._read())
        self.cmd("show port stats 0", 0.3)

        def parse():
            text = self._read()[mark:].decode(errors="replace")
            m1 = re.search(r"RX-packets:\s*(\d+)\s+RX-missed:\s*(\d+)", text)
            m2 = re.search(r"TX-packets:\s*(\d+)\s+TX-errors:\s*(\d+)", text)
            if m1 and m2:
                return (int(m1.group(1)), int(m1.group(2)),
                        int(m2.group(1)), int(m2.group(2)))
            return None
        return wait_for(parse, 10, what="testpmd %s port stats" % self.name)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)

    def quit(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.cmd("stop", 0.5)
                self.cmd("quit", 0.1)
                self.proc.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
