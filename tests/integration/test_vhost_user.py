#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vhost-user ports with dpdk-testpmd guests (net_virtio_user).

Guest A (txonly) on vm1.sock -> pmdswitch (in_port=1 -> output:2) ->
guest B (rxonly) on vm2.sock. Counters agree end to end: sent by A ==
received by vm1 == sent on vm2 + counted drops == received by B + B's
counted misses. B is killed and started again while A sends: vm2's link
goes down and up (show), and traffic resumes. Then pmdswitch restarts
with client-mode ports and the guests as vhost-user servers: they
reconnect and traffic flows; the switch is killed with SIGKILL while A
sends and started again: the ports reconnect, the config flows are
back, and B receives again. Prints the guest-to-guest Mpps (2 cores:
the switch PMD and both guests' forwarding lcores share them)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ConfigDaemon, Testpmd, TestSkip, check, check_eq, info,  # noqa: E402
                     no_huge, run, tempdir, testpmd_available, wait_for)

QUEUE_ARGS = ["--rxd=1024", "--txd=1024"]

PORTS = """  - name: br0
    listen: ["ptcp:{of_port}:127.0.0.1"]
    flows: ["priority=10,in_port=1,actions=output:2", "priority=0,actions=drop"]
    ports:
      - {{name: vm1, ofport: 1, type: vhost-user, path: "{tmp}/vm1.sock", mode: %s}}
      - {{name: vm2, ofport: 2, type: vhost-user, path: "{tmp}/vm2.sock", mode: %s}}
"""


def link(d, name):
    p = d.port(name)
    return p["link"] if p else None


def burst(d, a, b, seconds):
    """A sends for `seconds`; returns (a_tx, sw vm1 rx, sw vm2 tx, vm2 drops,
    b_rx, b_missed, elapsed) after the switch has drained."""
    a0, b0 = a.port_stats(), b.port_stats()
    s0 = {n: d.port(n) for n in ("vm1", "vm2")}
    t0 = time.monotonic()
    a.cmd("start", seconds)
    a.cmd("stop", 0.5)
    elapsed = time.monotonic() - t0 - 0.5
    time.sleep(1.0)
    a1, b1 = a.port_stats(), b.port_stats()
    s1 = {n: d.port(n) for n in ("vm1", "vm2")}
    return (a1[2] - a0[2], s1["vm1"]["rx_packets"] - s0["vm1"]["rx_packets"],
            s1["vm2"]["tx_packets"] - s0["vm2"]["tx_packets"],
            s1["vm2"]["tx_dropped"] - s0["vm2"]["tx_dropped"],
            b1[0] - b0[0], b1[1] - b0[1], elapsed)


def main(build):
    if not testpmd_available():
        raise TestSkip("dpdk-testpmd is not installed")
    if no_huge(build):
        raise TestSkip("vhost-user needs hugepages (shared guest memory)")
    tmp = tempdir("vhost")
    d = ConfigDaemon(build, tmp, PORTS % ("server", "server")).start()
    check_eq((link(d, "vm1"), link(d, "vm2")), ("down", "down"),
             "vhost-user ports are down before the guests come")
    # Guest forwarding lcores share CPU 0; the switch's PMD has CPU 1.
    b = Testpmd(tmp, "b", os.path.join(tmp, "vm2.sock"), "rxonly", "0@1,1@0", extra=QUEUE_ARGS).start()
    a = Testpmd(tmp, "a", os.path.join(tmp, "vm1.sock"), "txonly", "0@1,1@0", extra=QUEUE_ARGS).start()
    b.cmd("start")
    wait_for(lambda: link(d, "vm1") == "up" and link(d, "vm2") == "up", 20,
             what="both vhost-user links up")
    check(True, "guests connected: show says link up on vm1 and vm2")

    a_tx, sw_rx, sw_tx, sw_drop, b_rx, b_miss, secs = burst(d, a, b, 3)
    info("A sent %d, vm1 rx %d, vm2 tx %d (+%d dropped), B received %d "
         "(+%d missed) in %.1f s" % (a_tx, sw_rx, sw_tx, sw_drop, b_rx, b_miss, secs))
    check(a_tx > 0, "guest A sent packets")
    check_eq(sw_rx, a_tx, "switch vm1 received what guest A sent")
    st = d.pmd_total()
    info("pmd totals: %s" % {k: st[k] for k in ("packets", "tx_packets", "tx_drops",
                                                "upcalls", "parked")})
    # vm2's tx_dropped: what its tx queue refused (freed and counted by the
    # PMD); the rest of the PMD's drops are per reason.
    check_eq(sw_drop, st["tx_drops"], "vm2 tx_dropped == the PMD's tx drops")
    # Every other reason a PMD drops a packet is a counter of its own (a
    # waiting room that overflows while the slowpath waits for a CPU the
    # guests keep busy is one of them).
    drops = sum(st[k] for k in ("lost_upcalls", "action_drops", "park_overflows",
                                "ttl_drops", "meter_drops", "copy_fails"))
    info("pmd drop counters: %s" % {k: st[k] for k in (
        "lost_upcalls", "action_drops", "park_overflows", "ttl_drops",
        "meter_drops", "copy_fails")})
    check_eq(sw_tx + sw_drop + drops, sw_rx,
             "switch vm2 sent + counted drops (tx refused, lost upcalls, drop "
             "actions, waiting room full, ...) == vm1 received")
    check_eq(b_rx + b_miss, sw_tx, "guest B received (+ counted misses) what vm2 sent")
    mpps = b_rx / secs / 1e6 if secs > 0 else 0
    info("guest-to-guest: %.3f Mpps (64-byte frames, 2 shared cores)" % mpps)

    # B goes away mid-traffic and comes back.
    a.cmd("start", 0.5)
    b.kill()
    try:
        wait_for(lambda: link(d, "vm2") == "down", 15, what="vm2 link down after guest B died")
    except Exception:
        info(d.log_tail(60))
        raise
    check(True, "guest B killed: vm2 link down")
    before = d.port("vm2")["tx_dropped"]
    time.sleep(1)
    check(d.port("vm2")["tx_dropped"] > before, "packets to the missing guest are counted drops")
    b = Testpmd(tmp, "b2", os.path.join(tmp, "vm2.sock"), "rxonly", "0@1,1@0", extra=QUEUE_ARGS).start()
    b.cmd("start")
    wait_for(lambda: link(d, "vm2") == "up", 20, what="vm2 link up again")
    check(True, "guest B restarted: vm2 link up")
    wait_for(lambda: b.port_stats()[0] > 0, 20, what="traffic resumes to guest B")
    check(True, "traffic resumes to the restarted guest")
    a.cmd("stop", 0.5)
    d.stop()
    a.kill()
    b.kill()

    # Client mode: the guests are the vhost-user servers.
    for s in ("vm1.sock", "vm2.sock"):
        try:
            os.unlink(os.path.join(tmp, s))
        except OSError:
            pass
    b = Testpmd(tmp, "b3", os.path.join(tmp, "vm2.sock"), "rxonly", "0@1,1@0",
                server=True, extra=QUEUE_ARGS).start(wait=False)
    a = Testpmd(tmp, "a3", os.path.join(tmp, "vm1.sock"), "txonly", "0@1,1@0",
                server=True, extra=QUEUE_ARGS).start(wait=False)
    wait_for(lambda: os.path.exists(os.path.join(tmp, "vm1.sock")) and
             os.path.exists(os.path.join(tmp, "vm2.sock")), 30,
             what="the guests' vhost-user server sockets")
    d = ConfigDaemon(build, tmp, PORTS % ("client", "client")).start()
    b.wait_ready()
    a.wait_ready()
    b.cmd("start")
    wait_for(lambda: link(d, "vm1") == "up" and link(d, "vm2") == "up", 30,
             what="client-mode links up")
    check(True, "pmdswitch in client mode connected to both guests")
    a_tx, sw_rx, sw_tx, sw_drop, b_rx, b_miss, secs = burst(d, a, b, 2)
    info("client mode: A sent %d, B received %d" % (a_tx, b_rx))
    check(b_rx > 0 and sw_rx == a_tx, "traffic flows in client mode")
    # The switch restarts; the guests stay; the switch reconnects.
    d.stop()
    d = ConfigDaemon(build, tmp, PORTS % ("client", "client")).start()
    wait_for(lambda: link(d, "vm1") == "up" and link(d, "vm2") == "up", 30,
             what="links up after the switch restarted")
    a_tx, sw_rx, sw_tx, sw_drop, b_rx, b_miss, secs = burst(d, a, b, 2)
    check(b_rx > 0, "traffic flows after the switch restarted in client mode")

    # kill -9 under traffic: no clean shutdown; the guests keep running
    # (A keeps sending) and the switch comes back with its config flows.
    a.cmd("start", 0.5)
    time.sleep(0.5)
    b0 = b.port_stats()[0]
    check(b0 > 0, "traffic flows before the kill")
    d.kill()
    check(not d.alive(), "pmdswitchd killed with SIGKILL under traffic")
    d = ConfigDaemon(build, tmp, PORTS % ("client", "client")).start()
    wait_for(lambda: link(d, "vm1") == "up" and link(d, "vm2") == "up", 30,
             what="client-mode links up after kill -9 and restart")
    check(True, "vhost-user client ports reconnected to the guests after kill -9")
    flows = d.dump_flows()
    check(len(flows) == 2 and any("in_port=1" in f["match"] and f["priority"] == 10
                                  for f in flows),
          "the config flows are back after kill -9", repr(flows))
    wait_for(lambda: b.port_stats()[0] > b0, 20,
             what="guest B receives again (A kept sending through the kill)")
    check(True, "guests resume: traffic from A reaches B after the restart")
    a.cmd("stop", 0.5)
    d.stop()
    a.quit()
    b.quit()
    info("RESULT guest-to-guest Mpps: %.3f" % mpps)


if __name__ == "__main__":
    run(main)
