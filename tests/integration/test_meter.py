#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A PKTPS meter holds its rate in the datapath.

ofport 1 is net_pcap with infinite_rx=1 (a generator replaying one UDP
frame as fast as the PMD polls); ofport 2 is a net_null sink. With
ovs-ofctl -O OpenFlow13 add-meter "meter=1,pktps,band=type=drop,rate=R"
and the flow in_port=1,actions=meter:1,output:2, the packets that leave
port 2, counted by the PMDs (pmd-stats tx_packets) over at least 3 s,
must come at R within 10%: all of them on one cached megaflow, so this is
the megaflow's meter action at work. Then the meter is modified to R/2
(same slot, the megaflow keeps metering) and the rate checked again.
meter stats must count the packets in and the band's drops.

The same with two PMDs (lcores 1 and 2 sharing CPU 1), each polling one
generator port, both flows through the same meter: the shared bucket
holds the sum at R.

Then the band becomes a DSCP remark band at R: the packets it does not
remark (meter packets in minus the band's count) come at R within 10%,
as the drop band's output did, and every packet leaves.

Skipped (77) when the model does not accept meters yet.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SKIP, Daemon, Port, TestFailure, check, info, pcap_write,  # noqa: E402
                     run, tempdir, udp_frame)

RATE = 100000
WINDOW_S = 3.0


def tx_rate(d, window):
    """Packets per second sent by the PMDs over `window` seconds, and the
    received rate over the same window."""
    t0 = d.pmd_total()
    s0 = time.monotonic()
    time.sleep(window)
    t1 = d.pmd_total()
    dt = time.monotonic() - s0
    return ((t1["tx_packets"] - t0["tx_packets"]) / dt,
            (t1["packets"] - t0["packets"]) / dt)


def check_rate(d, rate, what):
    # Let the bucket settle (the burst of the first 100 ms).
    time.sleep(0.5)
    out, offered = tx_rate(d, WINDOW_S)
    info("%s: offered %.0f pkt/s, out %.0f pkt/s (meter %d pkt/s)"
         % (what, offered, out, rate))
    if offered < rate * 1.2:
        raise TestFailure("%s: the generator offers only %.0f pkt/s, too little "
                          "to test a %d pkt/s meter on this machine" % (what, offered, rate))
    check(abs(out - rate) <= rate * 0.10,
          "%s: output rate %.0f pkt/s within 10%% of %d" % (what, out, rate))


def one_pmd(build):
    tmp = tempdir("meter")
    src = os.path.join(tmp, "in.pcap")
    pcap_write(src, [udp_frame(1000, 2000, size=64, tag=i) for i in range(4)])
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s,infinite_rx=1" % src),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=0,actions=drop"]).start()

    r = d.ofctl_raw("add-meter", "@", "meter=1,pktps,band=type=drop,rate=%d" % RATE)
    if r.returncode != 0:
        info("add-meter refused (%s): the model has no meters yet" % (r.stderr.strip()))
        d.stop()
        sys.exit(SKIP)
    d.ofctl("add-flow", "@", "priority=10,in_port=1,actions=meter:1,output:2")
    check_rate(d, RATE, "meter 1 at %d pkt/s" % RATE)

    mf = d.ctl("dump-megaflows")
    info("megaflows: %s" % mf)
    check(any("meter" in m.get("actions", "") for m in mf),
          "the megaflow carries the meter action")

    d.ofctl("mod-meter", "@", "meter=1,pktps,band=type=drop,rate=%d" % (RATE // 2))
    check_rate(d, RATE // 2, "meter 1 modified to %d pkt/s" % (RATE // 2))

    st = d.ofctl("meter-stats", "@", "meter=1")
    info("meter-stats: %s" % st)
    check("packet_in_count" in st or "packet_in" in st, "meter-stats answers")

    # A DSCP remark band: the same bucket as the drop band, the packets
    # above the rate leave remarked instead of being dropped. Its band
    # count is the remarked packets: what is not remarked must come at R
    # (as the drop band's output did), and nothing is dropped.
    d.ofctl("mod-meter", "@", "meter=1,pktps,band=type=dscp_remark,rate=%d,prec_level=1" % RATE)
    time.sleep(0.5)
    in0, band0, t0 = meter_counts(d)
    out, offered = tx_rate(d, WINDOW_S)
    in1, band1, t1 = meter_counts(d)
    conform = ((in1 - in0) - (band1 - band0)) / (t1 - t0)
    info("dscp_remark at %d pkt/s: offered %.0f pkt/s, out %.0f pkt/s, not remarked "
         "%.0f pkt/s, remarked %.0f pkt/s" % (RATE, offered, out, conform,
                                              (band1 - band0) / (t1 - t0)))
    check(abs(conform - RATE) <= RATE * 0.10,
          "dscp_remark band: the packets it does not remark come at %d pkt/s within 10%% "
          "(%.0f), as the drop band's output" % (RATE, conform))
    check(abs(out - offered) <= offered * 0.05,
          "dscp_remark band: every packet leaves (out %.0f of %.0f pkt/s)" % (out, offered))
    d.stop()


def meter_counts(d):
    """meter 1's packet_in_count, its band's packet_count, and when
    (the middle of the request)."""
    import re
    s0 = time.monotonic()
    st = d.ofctl("meter-stats", "@", "meter=1")
    t = (s0 + time.monotonic()) / 2
    pin = re.search(r"packet_in_count:(\d+)", st)
    band = re.search(r"0:\s*packet_count:(\d+)", st)
    if not pin or not band:
        raise TestFailure("meter-stats: cannot read the counts: %s" % st)
    return int(pin.group(1)), int(band.group(1)), t


def two_pmds(build):
    """Two generator ports (net_null), one per PMD (lcores 1 and 2 share CPU 1), both
    flows through meter 1: the PMDs share its bucket, so the sum holds the
    rate."""
    tmp = tempdir("meter2")
    # net_pcap has one tx queue, two PMDs need two: net_null generators.
    d = Daemon(build, tmp, lcores="0,1,2@1", pmd_cores=(1, 2), ports=[
        Port("p1", 1, "net_null1"),
        Port("p3", 3, "net_null2"),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=0,actions=drop"]).start()
    d.ofctl("add-meter", "@", "meter=1,pktps,band=type=drop,rate=%d" % RATE)
    d.ofctl("add-flow", "@", "priority=10,in_port=1,actions=meter:1,output:2")
    d.ofctl("add-flow", "@", "priority=10,in_port=3,actions=meter:1,output:2")
    time.sleep(0.5)
    pmds = d.ctl("pmd-rxq-show")
    info("pmd-rxq-show: %s" % pmds)
    check_rate(d, RATE, "two PMDs through meter 1 at %d pkt/s" % RATE)
    d.stop()


def main(build):
    one_pmd(build)
    two_pmds(build)


if __name__ == "__main__":
    run(main)
