# SPDX-License-Identifier: BSD-3-Clause
"""A remote VTEP made of Open vSwitch's userspace datapath, for the tunnel
interop test on kernels without a tunnel device type (no geneve module).

How the pieces fit: a private ovsdb-server + ovs-vswitchd (netdev datapath,
--disable-system, no kernel module, no DPDK) run inside the underlay
namespace with their run directory in the test's temp dir. Bridge br-phy
holds the namespace's veth end (a "system" port, read through AF_PACKET)
and its LOCAL port (a tap) carries the VTEP's underlay IP: OVS's native
tunnelling routes and ARPs through it. Bridge br-int holds one tunnel port
and one internal port (a tap carrying the overlay address) per tunnel, with
flows that cross-connect each pair. So the frames on the underlay are OVS's
own encapsulation, and decapsulation of the switch's frames is OVS's.

Not thread-safe; one instance per test process. stop() runs at cleanup.
"""

import os
import subprocess
import time

from harness import TestFailure, on_cleanup


class OvsVtep:
    def __init__(self, ns, tmp):
        self.ns = ns
        self.dir = os.path.join(tmp, "ovs")
        os.makedirs(self.dir, exist_ok=True)
        d = self.dir
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d,
                        OVS_SYSCONFDIR=d)
        self.db = "unix:%s/db.sock" % d
        self.ctl = "%s/vswitchd.ctl" % d
        self.procs = []

    def sh(self, *cmd, check_rc=True):
        r = subprocess.run(["ip", "netns", "exec", self.ns] + list(cmd),
                           env=self.env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        if check_rc and r.returncode != 0:
            raise TestFailure("%s: %s" % (" ".join(cmd), (r.stderr + r.stdout).strip()))
        return r.stdout

    def vsctl(self, *args):
        return self.sh("ovs-vsctl", "--db=" + self.db, "--timeout=20", *args)

    def appctl(self, *args):
        return self.sh("ovs-appctl", "-t", self.ctl, *args)

    def ofctl(self, bridge, *args):
        return self.sh("ovs-ofctl", "-O", "OpenFlow13", *args[:1], bridge, *args[1:])

    def _spawn(self, cmd):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + cmd, env=self.env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)

    def start(self, phy_if, ip_cidr):
        d = self.dir
        self.sh("ovsdb-tool", "create", d + "/conf.db",
                "/usr/share/openvswitch/vswitch.ovsschema")
        on_cleanup(self.stop)
        self._spawn(["ovsdb-server", d + "/conf.db", "--remote=punix:%s/db.sock" % d,
                     "--unixctl=%s/ovsdb.ctl" % d, "--log-file=%s/ovsdb.log" % d])
        for _ in range(100):
            if os.path.exists(d + "/db.sock"):
                break
            time.sleep(0.05)
        self.vsctl("--no-wait", "init")
        self._spawn(["ovs-vswitchd", self.db, "--disable-system",
                     "--unixctl=" + self.ctl, "--log-file=%s/vswitchd.log" % d,
                     "-vconsole:off"])
        self.vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy",
                   "datapath_type=netdev", "--",
                   "add-port", "br-phy", phy_if, "--",
                   "add-br", "br-int", "--", "set", "bridge", "br-int",
                   "datapath_type=netdev", "fail-mode=secure")
        self.sh("ip", "addr", "add", ip_cidr, "dev", "br-phy")
        self.sh("ip", "link", "set", "br-phy", "up")
        return self

    def add_tunnel(self, kind, name, vni, remote, dst_port, host_if, host_cidr, mtu):
        """Tunnel port `name` (fixed key `vni`) cross-connected with internal
        port `host_if` that carries `host_cidr` in the namespace."""
        self.vsctl("add-port", "br-int", name, "--", "set", "interface", name,
                   "type=" + kind, "options:remote_ip=" + remote,
                   "options:key=%d" % vni, "options:dst_port=%d" % dst_port, "--",
                   "add-port", "br-int", host_if, "--", "set", "interface", host_if,
                   "type=internal", "mtu_request=%d" % mtu)
        for _ in range(100):
            if self.sh("ip", "link", "show", host_if, check_rc=False):
                break
            time.sleep(0.05)
        self.sh("ip", "link", "set", host_if, "up")
        self.sh("ip", "addr", "add", host_cidr, "dev", host_if)
        self.ofctl("br-int", "add-flow", "in_port=%s,actions=output:%s" % (host_if, name))
        self.ofctl("br-int", "add-flow", "in_port=%s,actions=output:%s" % (name, host_if))

    def arp_table(self):
        return self.appctl("tnl/arp/show")

    def log_tail(self, n=30):
        try:
            with open(os.path.join(self.dir, "vswitchd.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.procs = []
