# SPDX-License-Identifier: BSD-3-Clause
"""A private OVS-DPDK instance for the benchmarks (Debian's
openvswitch-switch-dpdk): its own run directory, ovsdb-server and
ovs-vswitchd-dpdk, one netdev bridge br0, the ports and OpenFlow rules
the caller gives, and stop() that ends both daemons. A system
ovs-vswitchd, if any, is never touched: every command is pointed at the
private run directory (OVS_RUNDIR and friends, --db, ovs-appctl -t).

Used by tests/bench/bench_forwarding.py (pcap/null ports),
tests/bench/bench_tunnels.py (a second bridge for the VXLAN underlay,
added with sh()) and tools/bench/pvp_bench.py (dpdkvhostuserclient ports). Not thread-safe:
one instance per caller, started and stopped from one thread.
"""

import os
import re
import shutil
import signal
import subprocess
import time

# OVS_VSWITCHD_DPDK: another ovs-vswitchd built with DPDK (a source build).
OVS_DPDK = os.environ.get("OVS_VSWITCHD_DPDK",
                          "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk")
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
INSTALL_HINT = "apt-get install --no-install-recommends openvswitch-switch-dpdk"


def installed():
    """OVS-DPDK's vswitchd and the OVS tools are there."""
    return (os.access(OVS_DPDK, os.X_OK) and os.path.exists(SCHEMA)
            and all(shutil.which(t) for t in ("ovsdb-server", "ovsdb-tool", "ovs-vsctl",
                                              "ovs-ofctl", "ovs-appctl")))


class OvsDpdk:
    """ports: [(name, ofport, [Interface column settings, e.g. "type=dpdk",
    "options:dpdk-devargs=..."])]; flows: ovs-ofctl flow lines.
    lcore_cpu: CPU of the main lcore; pmd_cpu: CPU of the one PMD thread;
    extra: further EAL arguments (dpdk-extra); netns: a network namespace
    (made by the caller) that ovs-vswitchd runs in, so that the kernel side
    of its bridges' LOCAL ports (taps: addresses, routes) stays private;
    other_config: more Open_vSwitch other_config settings ("flow-limit=2000")."""

    def __init__(self, rundir, ports, flows, lcore_cpu=0, pmd_cpu=1, socket_mem=1024,
                 extra="--no-pci --in-memory", netns=None, other_config=()):
        self.rd = rundir
        self.ports, self.flows = ports, flows
        self.lcore_cpu, self.pmd_cpu = lcore_cpu, pmd_cpu
        self.socket_mem, self.extra = socket_mem, extra
        self.env = dict(os.environ, OVS_RUNDIR=rundir, OVS_LOGDIR=rundir, OVS_DBDIR=rundir,
                        OVS_SYSCONFDIR=rundir)
        self.db = "unix:%s/db.sock" % rundir
        self.pidfiles = [os.path.join(rundir, "vswitchd.pid"), os.path.join(rundir, "ovsdb.pid")]
        self.ctl = None
        self.netns = netns
        self.other_config = list(other_config)

    def sh(self, *cmd, timeout=60):
        """Run one OVS tool against the private instance; its stdout.
        Raises subprocess.CalledProcessError / TimeoutExpired."""
        return subprocess.run(cmd, check=True, env=self.env, capture_output=True,
                              text=True, timeout=timeout).stdout

    def start(self):
        shutil.rmtree(self.rd, ignore_errors=True)
        os.makedirs(self.rd)
        rd, db = self.rd, self.db
        self.sh("ovsdb-tool", "create", os.path.join(rd, "conf.db"), SCHEMA)
        self.sh("ovsdb-server", "--remote=p" + db, "--pidfile=" + self.pidfiles[1],
                "--detach", "--log-file=%s/ovsdb.log" % rd, os.path.join(rd, "conf.db"))
        self.sh("ovs-vsctl", "--db=" + db, "--no-wait", "init")
        self.sh("ovs-vsctl", "--db=" + db, "--no-wait", "set", "Open_vSwitch", ".",
                "other_config:dpdk-init=true",
                "other_config:dpdk-lcore-mask=0x%x" % (1 << self.lcore_cpu),
                "other_config:pmd-cpu-mask=0x%x" % (1 << self.pmd_cpu),
                "other_config:dpdk-socket-mem=%d" % self.socket_mem,
                "other_config:dpdk-extra=" + self.extra,
                *["other_config:" + kv for kv in self.other_config])
        wrap = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.sh(*wrap, OVS_DPDK, db, "--pidfile=" + self.pidfiles[0], "--detach",
                "--log-file=%s/vswitchd.log" % rd)
        cmd = ["ovs-vsctl", "--db=" + db, "--timeout=60", "add-br", "br0", "--",
               "set", "bridge", "br0", "datapath_type=netdev"]
        for name, ofport, settings in self.ports:
            cmd += ["--", "add-port", "br0", name, "--", "set", "Interface", name,
                    "ofport_request=%d" % ofport] + list(settings)
        self.sh(*cmd, timeout=90)
        fpath = os.path.join(rd, "flows.txt")
        with open(fpath, "w") as f:
            f.write("\n".join(self.flows) + "\n")
        self.sh("ovs-ofctl", "del-flows", "br0")
        self.sh("ovs-ofctl", "add-flows", "br0", fpath)
        with open(self.pidfiles[0]) as f:
            self.ctl = os.path.join(rd, "ovs-vswitchd-dpdk.%s.ctl" % f.read().strip())
        return self

    def add_port(self, name, ofport, settings):
        """One more port on br0 once the rules are in (a capture read once
        then meets the rules from its first packet)."""
        self.sh("ovs-vsctl", "--db=" + self.db, "--timeout=60", "add-port", "br0", name,
                "--", "set", "Interface", name, "ofport_request=%d" % ofport,
                *settings, timeout=90)

    def pmd_stats(self):
        """The PMD threads' counters summed (dpif-netdev/pmd-stats-show), by
        the label before the colon ("miss with success upcall", ...)."""
        out = self.sh("ovs-appctl", "-t", self.ctl, "dpif-netdev/pmd-stats-show")
        st = {}
        for m in re.finditer(r"^\s+([a-z][a-z ]+):\s+(\d+)", out, re.M):
            st[m.group(1)] = st.get(m.group(1), 0) + int(m.group(2))
        return st

    def port_stats(self):
        """{port name: {"rx": packets, "tx": packets, "tx_dropped": n}} from
        the datapath (dpctl/show -s: current, not the 5-second database copy)."""
        out = self.sh("ovs-appctl", "-t", self.ctl, "dpctl/show", "-s")
        st = {}
        # A counter a port type does not keep reads "?": 0 here.
        for m in re.finditer(r"port \d+: (\S+)[^\n]*\n\s*RX packets:(\d+)[^\n]*\n"
                             r"(?:[^\n]*\n)*?\s*TX packets:(\d+) errors:\S+ dropped:(\S+)",
                             out):
            st[m.group(1)] = {"rx": int(m.group(2)), "tx": int(m.group(3)),
                              "tx_dropped": int(m.group(4)) if m.group(4).isdigit() else 0}
        return st

    def log_tail(self, n=20):
        try:
            with open(os.path.join(self.rd, "vswitchd.log"), errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self):
        """SIGTERM both daemons, wait (10 s) for them to go, then SIGKILL."""
        pids = []
        for pf in self.pidfiles:
            try:
                with open(pf) as f:
                    pid = int(f.read().strip())
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 10
        for pid in pids:
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.2)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
