#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: an os-ken L2 learning controller drives pmdswitchd.

usage: test_osken_l2.py BUILD_DIR secure|standalone

Two hosts in network namespaces (10.0.0.1, 10.0.0.2) on net_af_packet
ports 1 and 2. The switch connects to os-ken (controllers: tcp:...). The
first ping is learned through packet-ins; the next five pings must not
cause a single packet-in and must show up in the flows' counters. Then the
controller is killed: the switch keeps forwarding by its flows (both
modes). With the flows deleted: secure drops (nothing to forward by),
standalone falls back to MAC learning and the ping works. The controller
is restarted: the switch reconnects (backoff <= 8 s) and control goes back
to the controller (new packet-ins, new flows, pings work).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from interop_lib import CtlDaemon, Hosts, OsKen, check, info, need_osken, wait_for  # noqa: E402
from harness import Port, check_eq, free_tcp_port, parse_ofctl_flows, run, tempdir  # noqa: E402


def flow_packets(d):
    flows = parse_ofctl_flows(d.ofctl("dump-flows", "@"))
    return sum(f["n_packets"] for f in flows if f["priority"] == 1), flows


def main(build):
    mode = sys.argv[2] if len(sys.argv) > 2 else "secure"
    need_osken()
    tmp = tempdir("osken-" + mode)
    hosts = Hosts("k" if mode == "secure" else "s").setup()
    port = free_tcp_port()
    app = os.path.join(HERE, "osken_l2.py")
    ctl = OsKen(tmp, app, port, "1").start()
    d = CtlDaemon(build, tmp, ports=[
        Port("ha", 1, "net_af_packet0,iface=%s" % hosts.a.host_if),
        Port("hb", 2, "net_af_packet1,iface=%s" % hosts.b.host_if),
    ], fail_mode=mode, controllers=["tcp:127.0.0.1:%d" % port]).start()
    ctl.wait_connected()
    info("os-ken connected")

    ok, out = hosts.ping(1)
    check(ok, "first ping through the controller", out)
    n1 = len(ctl.lines("packet_in"))
    check(n1 >= 2, "the first ping went through packet-ins (%d)" % n1)
    check(len(ctl.lines("flow")) >= 2, "the controller installed flows")
    ok, out = hosts.ping(5)
    check(ok, "five more pings", out)
    n2 = len(ctl.lines("packet_in"))
    check_eq(n2 - n1, 0, "pings 2-6 caused no packet-in")
    pk, flows = flow_packets(d)
    check(pk >= 10, "the learned flows forwarded the pings (%d packets)" % pk, str(flows))

    ctl.kill()
    wait_for(lambda: "disconnected" in d.log_text(), 15,
             what="the switch noticing the controller is gone")
    ok, out = hosts.ping(3)
    check(ok, "%s: with the controller gone, the flows still forward" % mode, out)
    pk2, _ = flow_packets(d)
    check(pk2 >= pk + 6 or mode == "standalone",
          "%s: by the flows (%d -> %d packets)" % (mode, pk, pk2))

    d.ofctl("del-flows", "@")
    hosts.flush_arp()
    ok, out = hosts.ping(3, timeout=6)
    if mode == "secure":
        check(not ok, "secure: no flows and no controller: nothing is forwarded")
    else:
        check(ok, "standalone: no controller: MAC learning forwards the ping", out)
        st = d.ctl("show")
        info("ctl show: %s" % st)
    failures = sum(1 for ln in d.log_text().splitlines()
                   if "connection failed" in ln and "WARN" in ln)
    check(failures <= 1, "failed reconnects are logged once (%d lines)" % failures)

    ctl2 = OsKen(tmp, app, port, "2").start()
    try:
        ctl2.wait_connected(25)
    except Exception:
        info(open(os.path.join(tmp, "osken-2.log")).read()[-2000:])
        info(d.log_tail(40))
        raise
    info("os-ken restarted, the switch reconnected")
    ok, out = hosts.ping(2)
    check(ok, "%s: ping after the controller is back" % mode, out)
    check(len(ctl2.lines("packet_in")) >= 1,
          "%s: control is back with the controller (packet-ins)" % mode)
    d.stop()


if __name__ == "__main__":
    run(main)
