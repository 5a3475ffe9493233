#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: sustained traffic on net_pcap iface= ports through a DSCP
remark meter, a drop meter and a select group; every frame offered is
accounted for.

Why: rate-based conformance suites check a remark band by the share that
arrives remarked (offered minus band rate) and a select group by the rate
of each bucket. Those shares carry ANY loss or shortfall of the offered
traffic in full, where a drop band's delivered rate hides it. So this test
pins the switch's part down by counting, never by timing: if the switch
loses nothing between the wire and the meter or group, and the meter's
own counters agree with the frames that arrive, a share that is short in
such a suite is the offered rate's (the traffic generator's) and not ours.

How: veth pairs in the root namespace, the daemon's net_pcap iface= port
on end a, a packet socket of this test on end b (as test_first_packet.py).
First the failure mode itself, made deterministic: the daemon is stopped
(SIGSTOP: its PMD is not scheduled, as on a busy machine) while STALL
frames arrive on port 1, then continued: all of them must come out of
port 2 (the kernel ring in front of the port holds them; libpcap's
default ring held 8).
N frames are sent from port 1's far end at a steady pace well above the
band rate (10 packet/s), then counted at ports 2 and 3 after the switch
went quiet:
- remark band: arrivals with the original DSCP + remarked ones == N, the
  band's packet count == remarked, the meter's input count == N, and both
  shares are non-empty;
- drop band: arrivals + the band's count == N, both non-empty;
- select group (buckets to ports 2 and 3, weights 1:1), N frames with
  seeded random IPv4 addresses and TCP ports: arrivals at 2 + 3 == N,
  each within 4 standard deviations of N/2;
- port counters per phase: port 1 received N, ports 2 and 3 transmitted
  what arrived and received nothing (a port's own transmitted frames must
  not come back in through libpcap), no port counted a drop.
"""

import os
import random
import signal
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import interop_lib  # noqa: E402
from harness import (Port, TestFailure, check, csum, info, run, tempdir,  # noqa: E402
                     tcp_frame, udp_frame, frame_tag)
from test_conformance import Veth  # noqa: E402

N = int(os.environ.get("RATE_CONSERVATION_FRAMES", "600"))
STALL = 300
BAND_PPS = 10
DSCP_IN, DSCP_REMARKED = 24, 16      # CS3 one drop precedence up: CS2


def with_dscp(fr, dscp):
    """fr (Ethernet/IPv4) with the DSCP set and the header checksum redone."""
    ip = bytearray(fr[14:34])
    ip[1] = (dscp << 2) | (ip[1] & 3)
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return fr[:14] + bytes(ip) + fr[34:]


class Collector:
    """Reads end b of a veth in a thread; keeps the tagged IPv4 frames."""

    def __init__(self, veth):
        self.veth = veth
        self.frames = []
        self.stop = threading.Event()
        # Room for a whole phase even if the thread is slow to run.
        veth.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)   # SO_RCVBUFFORCE
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop.is_set():
            fr = self.veth.recv(0.1)
            if fr is not None and len(fr) >= 42 and fr[12:14] == b"\x08\x00":
                self.frames.append(fr)

    def take(self):
        fr, self.frames = self.frames, []
        return fr

    def close(self):
        self.stop.set()
        self.th.join(5)


def port_stats(cl):
    p, ofp = cl.parser, cl.ofp
    cl.send(p.OFPPortStatsRequest(cl.dp, 0, ofp.OFPP_ANY))
    out = {}
    while True:
        m = cl.recv_type(p.OFPPortStatsReply)
        for s in m.body:
            out[s.port_no] = (s.rx_packets, s.tx_packets, s.rx_dropped, s.tx_dropped)
        if not m.flags & ofp.OFPMPF_REPLY_MORE:
            return out


def meter_stats(cl, meter_id):
    p = cl.parser
    cl.send(p.OFPMeterStatsRequest(cl.dp, 0, meter_id))
    m = cl.recv_type(p.OFPMeterStatsReply)
    st = [s for s in m.body if s.meter_id == meter_id]
    check(len(st) == 1, "meter %d has stats" % meter_id)
    return st[0].packet_in_count, st[0].band_stats[0].packet_band_count


def send_paced(veth, frames, pps=1000):
    """The frames at about pps (a steady stream, not one burst)."""
    t0 = time.monotonic()
    for i, fr in enumerate(frames):
        veth.sock.send(fr)
        ahead = t0 + (i + 1) / pps - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    return time.monotonic() - t0


def quiet(collectors, want):
    """Wait until `want` frames arrived in all, or nothing more comes."""
    last, still = -1, 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        n = sum(len(c.frames) for c in collectors)
        if n >= want:
            time.sleep(0.3)        # and nothing beyond
            return
        still = still + 1 if n == last else 0
        if still >= 10:            # 1 s without a new frame
            return
        last = n
        time.sleep(0.1)


class Phase:
    def __init__(self, cl, d, collectors):
        self.cl, self.d, self.cols = cl, d, collectors
        self.before = port_stats(cl)

    def ports(self, n_in, out):
        """Port counters moved by exactly this phase's frames."""
        after = port_stats(self.cl)
        delta = {pn: tuple(a - b for a, b in zip(after[pn], self.before.get(pn, (0,) * 4)))
                 for pn in after}
        why = []
        if delta[1][0] != n_in:
            why.append("port 1 received %d, want %d" % (delta[1][0], n_in))
        for pn, n in out.items():
            if delta[pn][1] != n:
                why.append("port %d transmitted %d, %d arrived" % (pn, delta[pn][1], n))
            if delta[pn][0] != 0:
                why.append("port %d received %d (its own frames back?)" % (pn, delta[pn][0]))
        for pn, dl in delta.items():
            if dl[2] or dl[3]:
                why.append("port %d dropped rx %d tx %d" % (pn, dl[2], dl[3]))
        return why


def flows_clear(cl):
    p, ofp = cl.parser, cl.ofp
    cl.send(p.OFPFlowMod(cl.dp, table_id=ofp.OFPTT_ALL, command=ofp.OFPFC_DELETE,
                         out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY, match=p.OFPMatch()))
    cl.barrier()


def meter_phase(cl, d, v1, cols, meter_id, band, label):
    p, ofp = cl.parser, cl.ofp
    flows_clear(cl)
    cl.send(p.OFPMeterMod(cl.dp, ofp.OFPMC_ADD, ofp.OFPMF_PKTPS, meter_id, [band]))
    inst = [p.OFPInstructionMeter(meter_id),
            p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [p.OFPActionOutput(2)])]
    cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=10, match=p.OFPMatch(in_port=1),
                         instructions=inst, command=ofp.OFPFC_ADD))
    cl.barrier()
    for c in cols:
        c.take()
    ph = Phase(cl, d, cols)
    frames = [with_dscp(udp_frame(4000, 5000 + i % 8, size=200, tag=i + 1), DSCP_IN)
              for i in range(N)]
    secs = send_paced(v1, frames)
    quiet(cols, N)
    got = cols[0].take()
    stray = cols[1].take()
    by_dscp = {}
    for fr in got:
        by_dscp.setdefault(fr[15] >> 2, []).append(frame_tag(fr))
    n_in, n_band = meter_stats(cl, meter_id)
    kept, remarked = len(by_dscp.get(DSCP_IN, [])), len(by_dscp.get(DSCP_REMARKED, []))
    info("%s: %d frames in %.1f s (%.0f/s, band %d/s): %d kept, %d remarked, "
         "meter saw %d, band counted %d" % (label, N, secs, N / secs, BAND_PPS, kept,
                                             remarked, n_in, n_band))
    why = ph.ports(N, {2: len(got), 3: len(stray)})
    tags = sorted(t for ts in by_dscp.values() for t in ts)
    if len(set(tags)) != len(tags):
        why.append("a frame arrived twice")
    if stray:
        why.append("%d frames at port 3" % len(stray))
    if n_in != N:
        why.append("the meter saw %d of %d frames" % (n_in, N))
    if set(by_dscp) - {DSCP_IN, DSCP_REMARKED}:
        why.append("DSCPs %s arrived" % sorted(by_dscp))
    return why, kept, remarked, n_band


def main(build):
    interop_lib.need_osken()
    tmp = tempdir("rateconserv")
    veths = [Veth("r%d" % i).setup() for i in range(1, 4)]
    if any(v is None for v in veths):
        raise TestFailure("cannot create veth pairs here")
    v1, v2, v3 = veths
    d = interop_lib.CtlDaemon(build, tmp, ports=[
        Port("p1", 1, "net_pcap0,iface=%s" % v1.a),
        Port("p2", 2, "net_pcap1,iface=%s" % v2.a),
        Port("p3", 3, "net_pcap2,iface=%s" % v3.a),
    ]).start()
    cl = interop_lib.OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=10))
    cl.handshake()
    p, ofp = cl.parser, cl.ofp
    time.sleep(0.5)
    for v in veths:
        v.drain()
    cols = [Collector(v2), Collector(v3)]
    failures = []
    try:
        # The PMD not scheduled for a while: nothing may be lost.
        inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [p.OFPActionOutput(2)])]
        cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=10, match=p.OFPMatch(in_port=1),
                             instructions=inst, command=ofp.OFPFC_ADD))
        cl.barrier()
        ph = Phase(cl, d, cols)
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            secs = send_paced(v1, [udp_frame(4000, 5000, size=200, tag=i + 1)
                                   for i in range(STALL)])
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        quiet(cols, STALL)
        got = cols[0].take()
        info("stalled PMD: %d frames in %.1f s while the daemon was stopped, %d came out"
             % (STALL, secs, len(got)))
        why = ph.ports(STALL, {2: len(got), 3: len(cols[1].take())})
        if sorted(frame_tag(f) for f in got) != list(range(1, STALL + 1)):
            why.append("%d of %d frames came out" % (len(got), STALL))
        failures += ["stall: " + w for w in why]

        # Remark band: everything arrives, the excess remarked.
        why, kept, remarked, n_band = meter_phase(
            cl, d, v1, cols, 1, p.OFPMeterBandDscpRemark(rate=BAND_PPS, burst_size=0,
                                                         prec_level=1), "remark band")
        if kept + remarked != N:
            why.append("%d kept + %d remarked arrived of %d sent" % (kept, remarked, N))
        if n_band != remarked:
            why.append("the band counted %d, %d arrived remarked" % (n_band, remarked))
        if not kept or not remarked:
            why.append("want both shares non-empty (kept %d, remarked %d)" % (kept, remarked))
        failures += ["remark: " + w for w in why]

        # Drop band: what does not arrive is the band's count, nothing else.
        why, kept, remarked, n_band = meter_phase(
            cl, d, v1, cols, 2, p.OFPMeterBandDrop(rate=BAND_PPS, burst_size=0), "drop band")
        if remarked:
            why.append("%d frames remarked by a drop band" % remarked)
        if kept + n_band != N:
            why.append("%d arrived + %d dropped by the band of %d sent" % (kept, n_band, N))
        if not kept or not n_band:
            why.append("want both shares non-empty (kept %d, dropped %d)" % (kept, n_band))
        failures += ["drop: " + w for w in why]

        # Select group: the two buckets share all of it.
        flows_clear(cl)
        buckets = [p.OFPBucket(weight=1, watch_port=ofp.OFPP_ANY, watch_group=ofp.OFPG_ANY,
                               actions=[p.OFPActionOutput(port)]) for port in (2, 3)]
        cl.send(p.OFPGroupMod(cl.dp, ofp.OFPGC_ADD, ofp.OFPGT_SELECT, 1, buckets))
        inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [p.OFPActionGroup(1)])]
        cl.send(p.OFPFlowMod(cl.dp, table_id=0, priority=10, match=p.OFPMatch(in_port=1),
                             instructions=inst, command=ofp.OFPFC_ADD))
        cl.barrier()
        for c in cols:
            c.take()
        ph = Phase(cl, d, cols)
        rnd = random.Random(14)

        def rip4():
            return ".".join(str(rnd.randrange(1, 255)) for _ in range(4))
        frames = [tcp_frame(rnd.randrange(1, 65536), rnd.randrange(1, 65536), size=200,
                            src_ip=rip4(), dst_ip=rip4(), tag=i + 1) for i in range(N)]
        secs = send_paced(v1, frames)
        quiet(cols, N)
        a, b = len(cols[0].take()), len(cols[1].take())
        info("select group: %d frames in %.1f s: buckets got %d and %d" % (N, secs, a, b))
        why = ph.ports(N, {2: a, 3: b})
        if a + b != N:
            why.append("%d + %d arrived of %d sent" % (a, b, N))
        sd = (N ** 0.5) / 2
        if abs(a - N / 2) > 4 * sd:
            why.append("buckets got %d and %d, want about %d each" % (a, b, N // 2))
        failures += ["select: " + w for w in why]
    finally:
        for c in cols:
            c.close()
    if failures:
        print(d.ctl_raw("pmd-stats-show", use_json=False).stdout)
        print(d.ctl_raw("dump-ports", "br0", use_json=False).stdout)
    check(not failures, "every offered frame accounted for (remark, drop, select; %d frames each)"
          % N, "; ".join(failures))
    cl.close()
    d.stop()


if __name__ == "__main__":
    run(main)
