#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow-mod throughput: `ovs-ofctl -O OpenFlow13 add-flows` of N flows
(default 100,000) against the real pmdswitchd (one net_pcap sink port),
timed until ovs-ofctl returns (it ends with a barrier, so the flows are in
the table and the datapath caches revalidated); then the daemon's RSS
growth per installed rule; then the same add-flows against Open vSwitch
when ovs-vswitchd is installed (prints "not installed" otherwise).

usage: bench_flow_mod.py [BUILD_DIR] [N_FLOWS]
A benchmark: prints figures, never fails on them.
"""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import Daemon, Port, free_tcp_port, info, run, tempdir  # noqa: E402


def write_flows(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write("priority=%d,ip,in_port=1,nw_src=10.%d.%d.%d,nw_dst=192.168.%d.%d,"
                    "actions=output:2\n" % (100 + i % 7, (i >> 16) & 255, (i >> 8) & 255,
                                            i & 255, (i >> 8) & 255, i & 255))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def add_flows(target, path):
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--timeout=300", "add-flows",
                        target, path], capture_output=True, text=True)
    dt = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    info("ovs-ofctl itself used %.2f s of CPU (user %.2f, system %.2f)"
         % (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime,
            ru1.ru_utime - ru0.ru_utime, ru1.ru_stime - ru0.ru_stime))
    if r.returncode != 0:
        info("ovs-ofctl add-flows failed: %s" % (r.stderr + r.stdout).strip()[:500])
    return dt


def count_flows(target):
    r = subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--timeout=300", "dump-aggregate",
                        target], capture_output=True, text=True)
    for part in r.stdout.split():
        if part.startswith("flow_count="):
            return int(part.split("=")[1])
    return -1


def ovs_figure(tmp, path, n):
    """The same add-flows against Open vSwitch (userspace datapath, no
    kernel module), started in a private run directory and stopped after."""
    need = ("ovs-vswitchd", "ovsdb-server", "ovsdb-tool", "ovs-vsctl")
    schema = "/usr/share/openvswitch/vswitch.ovsschema"
    if not all(shutil.which(x) for x in need) or not os.path.exists(schema):
        print("Open vSwitch (ovs-vswitchd): not installed "
              "(apt-get install openvswitch-switch to compare)")
        return None
    rd = os.path.join(tmp, "ovs")
    os.makedirs(rd, exist_ok=True)
    env = dict(os.environ, OVS_RUNDIR=rd, OVS_LOGDIR=rd, OVS_DBDIR=rd,
               OVS_SYSCONFDIR=rd)
    db = "unix:%s/db.sock" % rd
    port = free_tcp_port()
    pids = []

    def sh(*cmd):
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=60)
    try:
        sh("ovsdb-tool", "create", os.path.join(rd, "conf.db"), schema)
        sh("ovsdb-server", "--remote=p" + db, "--pidfile=%s/ovsdb.pid" % rd,
           "--detach", "--log-file=%s/ovsdb.log" % rd, os.path.join(rd, "conf.db"))
        pids.append(os.path.join(rd, "ovsdb.pid"))
        sh("ovs-vsctl", "--db=" + db, "--no-wait", "init")
        sh("ovs-vswitchd", db, "--pidfile=%s/vswitchd.pid" % rd, "--detach",
           "--log-file=%s/vswitchd.log" % rd)
        pids.append(os.path.join(rd, "vswitchd.pid"))
        sh("ovs-vsctl", "--db=" + db, "--timeout=30", "add-br", "br0", "--",
           "set", "bridge", "br0", "datapath_type=netdev",
           "protocols=OpenFlow10,OpenFlow13", "--",
           "set-controller", "br0", "ptcp:%d:127.0.0.1" % port)
        target = "tcp:127.0.0.1:%d" % port
        for _ in range(100):
            if subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "show", target],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        ver = subprocess.run(["ovs-vswitchd", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
        dt = add_flows(target, path)
        got = count_flows(target)
        print("Open vSwitch (%s, netdev datapath): %d flows with ovs-ofctl -O OpenFlow13 "
              "add-flows in %.2f s (%.0f flow_mods/s); %d flows in the table"
              % (ver, n, dt, n / dt if dt else 0, got))
        return dt
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print("Open vSwitch: could not be started here: %s" % e)
        return None
    finally:
        for pf in reversed(pids):
            try:
                with open(pf) as f:
                    os.kill(int(f.read().strip()), 15)
            except (OSError, ValueError):
                pass


def main(build):
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    tmp = tempdir("bench-flowmod")
    path = os.path.join(tmp, "flows.txt")
    write_flows(path, n)
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,tx_pcap=%s" % os.path.join(tmp, "o1.pcap")),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % os.path.join(tmp, "o2.pcap")),
    ]).start()
    time.sleep(1)
    rss0 = rss_kb(d.proc.pid)
    dt = add_flows(d.of_target, path)
    rss1 = rss_kb(d.proc.pid)
    got = count_flows(d.of_target)
    print("pmdswitch: %d flows with ovs-ofctl -O OpenFlow13 add-flows in %.2f s "
          "(%.0f flow_mods/s); %d flows in the table" % (n, dt, n / dt if dt else 0, got))
    print("pmdswitch: RSS %.1f MiB -> %.1f MiB: %.0f bytes per rule"
          % (rss0 / 1024, rss1 / 1024, (rss1 - rss0) * 1024.0 / max(got, 1)))
    t0 = time.monotonic()
    subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--timeout=300", "dump-flows",
                    d.of_target], stdout=subprocess.DEVNULL)
    print("pmdswitch: dump-flows of %d flows in %.2f s" % (got, time.monotonic() - t0))
    t0 = time.monotonic()
    subprocess.run(["ovs-ofctl", "-O", "OpenFlow13", "--timeout=300", "del-flows",
                    d.of_target], stdout=subprocess.DEVNULL)
    print("pmdswitch: del-flows of %d flows in %.2f s" % (got, time.monotonic() - t0))
    d.stop()
    ovs_dt = ovs_figure(tmp, path, n)
    if ovs_dt:
        print("pmdswitch / Open vSwitch speed-up, same run, same client: %.2fx"
              % (ovs_dt / dt))


if __name__ == "__main__":
    run(main)
