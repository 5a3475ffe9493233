# SPDX-License-Identifier: BSD-3-Clause
"""Flow churn against a running daemon, shared by the flow_churn
integration test and the flow-churn bench: ovs-ofctl add-flows of N flows
(cookie 0x5), then del-flows cookie=0x5/-1, again and again, while a
net_pcap port (infinite_rx) sends traffic that some of the flows match.
Each cycle records the daemon's RSS and open descriptors."""

import os
import re
import time

from harness import Daemon, Port, TestFailure, pcap_write, udp_frame

CHURN_COOKIE = "0x5"


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS for pid %d" % pid)


def n_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def asan_no_quarantine():
    """Under ASan (CI's sanitizer build) freed memory waits in a quarantine
    of 256 MiB before reuse, so RSS climbs through any churn: turn it off
    for the daemons this test starts (ASAN_OPTIONS is ignored by a build
    without ASan)."""
    opts = os.environ.get("ASAN_OPTIONS", "")
    extra = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    if extra not in opts:
        os.environ["ASAN_OPTIONS"] = (opts + ":" if opts else "") + extra


def start_daemon(build, tmp):
    """p1: net_pcap replaying 16 UDP flows forever; p2: net_null sink.
    A base rule forwards everything p1 -> p2; the churned flows are more
    specific (some match the traffic, so megaflows are revalidated)."""
    asan_no_quarantine()
    src = os.path.join(tmp, "in.pcap")
    pcap_write(src, [udp_frame(1000 + i, 2000 + i, size=64, tag=i) for i in range(16)])
    return Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % src),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=1,in_port=1,actions=output:2"]).start()


def write_flows(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write("cookie=%s,priority=10,udp,in_port=1,tp_src=%d,tp_dst=%d,"
                    "actions=output:2\n" % (CHURN_COOKIE, 1000 + i % 4096, 2000 + i // 4096))


def flow_count(d):
    """The bridge's rule count from an OpenFlow aggregate-stats request
    (cheap for the daemon, unlike dumping 100k rules as text)."""
    r = d.ofctl_raw("dump-aggregate", "@", timeout=60)
    r.check_returncode()
    m = re.search(r"flow_count=(\d+)", r.stdout)
    if m is None:
        raise TestFailure("dump-aggregate: no flow_count in %r" % r.stdout)
    return int(m.group(1))


def churn(d, tmp, n_flows, cycles=None, seconds=None, report=None):
    """Runs add/delete cycles (a number, or for a time). Returns a list of
    dicts {cycle, t, rss_kb, fds, tx_packets} taken after each cycle."""
    flows = os.path.join(tmp, "churn-flows.txt")
    write_flows(flows, n_flows)
    pid = d.proc.pid
    samples, t0, i = [], time.monotonic(), 0
    while True:
        if cycles is not None and i >= cycles:
            break
        if seconds is not None and time.monotonic() - t0 >= seconds:
            break
        d.ofctl_raw("add-flows", "@", flows, timeout=300).check_returncode()
        n = flow_count(d)
        if n != n_flows + 1:
            raise TestFailure("cycle %d: %d rules after add-flows, expected %d"
                              % (i + 1, n, n_flows + 1))
        d.ofctl_raw("del-flows", "@", "cookie=%s/-1" % CHURN_COOKIE,
                    timeout=300).check_returncode()
        i += 1
        s = {"cycle": i, "t": time.monotonic() - t0, "rss_kb": rss_kb(pid),
             "fds": n_fds(pid), "tx_packets": d.pmd_total()["tx_packets"]}
        samples.append(s)
        if report:
            report(s)
    return samples
