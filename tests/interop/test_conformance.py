#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: an OpenFlow 1.3 conformance sweep against the real daemon.

Table-driven, in the spirit of an external conformance suite: for each
case the tables, groups and meters are emptied, the case's flows (and
groups, meters) are installed with os-ken's message classes, a frame is
injected with PACKET_OUT(in_port=1, actions=output:TABLE), and the
packet-ins that come back are compared with the expected ones: reason,
table, cookie and the frame bit for bit. Frames and their checksums are
built here by hand (struct), independently of the switch's code.

Every match case has a priority-0 table-miss rule sending to the
controller with cookie MISS, so "matched" and "not matched" are both a
packet-in and tell apart by cookie and reason. After each case's frames a
marker frame goes straight to the controller (a packet-out with
output:CONTROLLER, same path through the PMD), so the end of a case's
packet-ins is known without waiting for a timeout.

Each case runs in up to four modes: as above; "port:" the frames enter
through ofport 1 (net_af_packet on a veth, sent by a packet socket here:
upcall, megaflow install, then megaflow hits, as the frames are sent
again); "out:" and "port out:" the same with output:CONTROLLER turned into
output:2 and the frames read from ofport 2's veth. Statistics checks
count every round.

Each case prints `ok: NAME` or `FAIL: NAME: WHAT`; the last line is
`conformance: N cases, P passed, F failed` (plus the known failures,
which never count as passed). Exit status 1 when a case fails that is not
in KNOWN_FAILURES.
"""

import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import interop_lib  # noqa: E402
from harness import Port, TestFailure, csum, info, run, tempdir  # noqa: E402

# Cases that fail today, with the reason; they are reported as known
# failures and never counted as passes.
KNOWN_FAILURES = {
}

MISS = 0xdead
HIT = 0x1
NO_COOKIE = 0xffffffffffffffff
R_NO_MATCH, R_ACTION, R_INVALID_TTL = 0, 1, 2

# ---- frame builders -------------------------------------------------------


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xffffffff
    for b in data:
        c = CRC32C[(c ^ b) & 0xff] ^ (c >> 8)
    return (~c) & 0xffffffff


MAC_A, MAC_B = "00:00:00:00:00:0a", "00:00:00:00:00:0b"
IP_A, IP_B = "10.0.0.1", "10.0.0.2"
IP6_A, IP6_B = "2001:db8::1", "2001:db8::2"
PAYLOAD = bytes(range(0x40, 0x60))

# Default parameters of every frame; a case overrides some.
DEFAULTS = dict(
    dst=MAC_B, src=MAC_A, vlans=(),           # vlans: ((tpid, pcp, vid), ...)
    l3="ipv4", l4="udp",
    ip_src=IP_A, ip_dst=IP_B, dscp=0, ecn=0, ttl=64, proto=None, frag=0,
    ipopts=b"", udp_csum0=False,                # IPv4 options; UDP without a checksum
    sctp_err=0,                               # XORed into the SCTP CRC32c (a wrong one)
    ip6_src=IP6_A, ip6_dst=IP6_B, flabel=0, exthdrs=(),
    sport=1234, dport=80, icmp_type=8, icmp_code=0,
    arp_op=1, arp_sha=MAC_A, arp_spa=IP_A, arp_tha="00:00:00:00:00:00",
    arp_tpa=IP_B,
    nd_target="2001:db8::99", nd_sll=None, nd_tll=None,
    mpls=(),                                  # ((label, tc, ttl), ...), top first
    mpls_inner="ipv4",
    isid=None, i_pcp=0, b_vlan=None,          # PBB: I-SID set = PBB frame
    payload=PAYLOAD,
)


def l4_segment(p, proto, pseudo):
    """The L4 header and payload; pseudo(proto, length) gives the pseudo
    header sum bytes (None for ICMPv4)."""
    pl = p["payload"]
    if proto == 6:
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], 1, 0, 5 << 4, 0x02,
                          8192, 0, 0)
        seg = hdr + pl
        c = csum(pseudo(6, len(seg)) + seg)
        return seg[:16] + struct.pack("!H", c) + seg[18:]
    if proto == 17:
        seg = struct.pack("!HHHH", p["sport"], p["dport"], 8 + len(pl), 0) + pl
        if p["udp_csum0"]:
            return seg
        c = csum(pseudo(17, len(seg)) + seg) or 0xffff
        return seg[:6] + struct.pack("!H", c) + seg[8:]
    if proto == 132:
        chunk = struct.pack("!BBH", 0, 3, 4 + len(pl)) + pl
        seg = struct.pack("!HHII", p["sport"], p["dport"], 0x11223344, 0) + chunk
        c = crc32c(seg) ^ p["sctp_err"]
        return seg[:8] + struct.pack("<I", c) + seg[12:]
    if proto == 1:
        seg = struct.pack("!BBHHH", p["icmp_type"], p["icmp_code"], 0, 0x77, 1) + pl
        return seg[:2] + struct.pack("!H", csum(seg)) + seg[4:]
    if proto == 58:
        t = p["icmp_type"]
        if t in (135, 136):
            body = struct.pack("!I", 0x60000000 if t == 136 else 0) + ip6(p["nd_target"])
            if p["nd_sll"]:
                body += b"\x01\x01" + mac(p["nd_sll"])
            if p["nd_tll"]:
                body += b"\x02\x01" + mac(p["nd_tll"])
        else:
            body = struct.pack("!HH", 0x77, 1) + pl
        seg = struct.pack("!BBH", t, p["icmp_code"], 0) + body
        c = csum(pseudo(58, len(seg)) + seg)
        return seg[:2] + struct.pack("!H", c) + seg[4:]
    return pl


L4_PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmp6": 58, "raw": 253}


def ipv4_packet(p):
    src, dst = ip4(p["ip_src"]), ip4(p["ip_dst"])
    proto = p["proto"] if p["proto"] is not None else L4_PROTO[p["l4"]]

    def pseudo(pr, ln):
        return src + dst + struct.pack("!BBH", 0, proto, ln)
    seg = l4_segment(p, L4_PROTO[p["l4"]], pseudo)
    opts = p["ipopts"]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45 + len(opts) // 4, p["dscp"] << 2 | p["ecn"],
                      20 + len(opts) + len(seg), 0x1234, p["frag"], p["ttl"], proto, 0,
                      src, dst) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return 0x0800, hdr + seg


def ipv6_packet(p):
    src, dst = ip6(p["ip6_src"]), ip6(p["ip6_dst"])
    l4p = L4_PROTO[p["l4"]]

    def pseudo(pr, ln):
        # The receiver's pseudo header names the protocol the IPv6
        # header says (a rewritten next header included).
        return src + dst + struct.pack("!IxxxB", ln, pr if p["proto"] is None else p["proto"])
    seg = l4_segment(p, l4p, pseudo)
    # Extension headers, innermost last: each 8 bytes (fragment: 8).
    # A protocol override names the L4 protocol: in the last next-header
    # field of the chain (the IPv6 header's when there is no extension).
    nh = l4p if p["proto"] is None else p["proto"]
    ext = b""
    for t in reversed(p["exthdrs"]):
        if t == 44:
            ext = struct.pack("!BBHI", nh, 0, 0, 0x1) + ext
        else:
            ext = struct.pack("!BB6s", nh, 0, b"\x01\x04\0\0\0\0") + ext
        nh = t
    tc = p["dscp"] << 2 | p["ecn"]
    first = 6 << 28 | tc << 20 | p["flabel"]
    hdr = struct.pack("!IHBB16s16s", first, len(ext) + len(seg), nh, p["ttl"], src, dst)
    return 0x86dd, hdr + ext + seg


def arp_packet(p):
    return 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, p["arp_op"],
                               mac(p["arp_sha"]), ip4(p["arp_spa"]),
                               mac(p["arp_tha"]), ip4(p["arp_tpa"]))


def l3_packet(p, kind):
    if kind == "ipv4":
        return ipv4_packet(p)
    if kind == "ipv6":
        return ipv6_packet(p)
    if kind == "arp":
        return arp_packet(p)
    return 0x88b5, p["payload"]


def frame(**kw):
    """One Ethernet frame from DEFAULTS overridden by kw."""
    p = dict(DEFAULTS)
    for k in kw:
        if k not in p:
            raise KeyError(k)
    p.update(kw)
    if p["isid"] is not None:
        # PBB: B-DA, B-SA, [B-TAG], I-TAG, then the customer frame.
        inner = frame(**dict(kw, isid=None, b_vlan=None, dst=MAC_A, src=MAC_B))
        itag = struct.pack("!HI", 0x88e7, p["i_pcp"] << 29 | p["isid"])
        btag = b""
        if p["b_vlan"] is not None:
            btag = struct.pack("!HH", 0x88a8, p["b_vlan"])
        return mac(p["dst"]) + mac(p["src"]) + btag + itag + inner
    if p["mpls"]:
        et, body = l3_packet(p, p["mpls_inner"])
        lses = b""
        for i, (label, tc, ttl) in enumerate(p["mpls"]):
            bos = 1 if i == len(p["mpls"]) - 1 else 0
            lses += struct.pack("!I", label << 12 | tc << 9 | bos << 8 | ttl)
        et, body = 0x8847, lses + body
    else:
        et, body = l3_packet(p, p["l3"])
    tags = b""
    for tpid, pcp, vid in p["vlans"]:
        tags += struct.pack("!HH", tpid, pcp << 13 | vid)
    f = mac(p["dst"]) + mac(p["src"]) + tags + struct.pack("!H", et) + body
    return pad60(f)


def pad60(f):
    """f padded with zeros to the shortest Ethernet frame (no FCS)."""
    return f + bytes(max(0, 60 - len(f)))


# ---- cases -----------------------------------------------------------------

class Case:
    """flows: (table, priority, cookie, match dict, instructions) with
    instructions a list of ("apply", [actions]), ("write", [actions]),
    ("clear",), ("goto", t), ("meta", value, mask), ("meter", id).
    Actions are tuples: ("out", port), ("set", field, value), ("push_vlan", tpid),
    ("pop_vlan",), ("push_mpls", et), ("pop_mpls", et), ("set_mpls_ttl", t),
    ("dec_mpls_ttl",), ("set_nw_ttl", t), ("dec_nw_ttl",), ("copy_ttl_out",),
    ("copy_ttl_in",), ("push_pbb", et), ("pop_pbb",), ("group", id).
    frames: list of (in_port, frame); expect: list of packet-ins
    (reason, table_id, cookie, data) in order over all frames.
    check: an extra function(client) -> error string or None."""

    def __init__(self, name, flows, frames, expect, groups=(), meters=(), check=None,
                 miss=True, port=True, pre=None, per_frame=None, out_only=False,
                 error=None):
        self.name, self.flows, self.frames, self.expect = name, flows, frames, expect
        self.groups, self.meters, self.check, self.miss = groups, meters, check, miss
        # pre(client) runs before the frames, check(client, rounds, what
        # pre returned) after them.
        self.pre = pre
        self.per_frame = per_frame  # results of each frame, for port mode
        # expect: the frames that leave ofport 2 (out modes only).
        self.out_only = out_only
        # (type, code) of the OFPT_ERROR the flow mods must get instead.
        self.error = error
        self.port = port        # also run in port mode (see port_plan())


C = "controller"


def out_c():
    return ("out", C)


def hit(data, table=0, cookie=HIT, reason=R_ACTION):
    return (reason, table, cookie, data)


def missed(data):
    return (R_NO_MATCH, 0, MISS, data)


def match_case(name, match, good, bad):
    """A rule on match: frame good hits it, frame bad (one field
    changed) falls to the table-miss rule."""
    return Case(name, [(0, 100, HIT, match, [("apply", [out_c()])])],
                [(1, good), (1, bad)], [hit(good), missed(bad)])


def match_cases():
    cs = []
    add = cs.append
    F = frame
    v4, v6 = {"eth_type": 0x0800}, {"eth_type": 0x86dd}
    # in_port
    f = F()
    add(Case("match in_port", [(0, 100, HIT, {"in_port": 1}, [("apply", [out_c()])])],
             [(1, f), (2, f)], [hit(f), missed(f)]))
    add(Case("match in_phy_port", [(0, 100, HIT, {"in_port": 1, "in_phy_port": 1},
                                   [("apply", [out_c()])])],
             [(1, f), (2, f)], [hit(f), missed(f)]))
    # IN_PHY_PORT: a port of ours is its own physical port.
    add(Case("match in_phy_port other", [(0, 100, HIT, {"in_port": 1, "in_phy_port": 2},
                                         [("apply", [out_c()])])], [(1, f)], [missed(f)]))
    add(Case("match in_port 2 in_phy_port 1", [
        (0, 100, HIT, {"in_port": 2, "in_phy_port": 1}, [("apply", [out_c()])])],
        [(1, f), (2, f)], [missed(f), missed(f)], port=False))
    add(Case("match in_phy_port 2", [
        (0, 100, HIT, {"in_port": 2, "in_phy_port": 2}, [("apply", [out_c()])])],
        [(2, f), (1, f)], [hit(f), missed(f)], port=False))
    # Ethernet
    add(match_case("match eth_dst", {"eth_dst": MAC_B}, F(), F(dst="00:00:00:00:00:0c")))
    add(match_case("match eth_dst masked", {"eth_dst": ("00:00:00:00:00:00", "01:00:00:00:00:00")},
                   F(), F(dst="01:00:5e:00:00:01")))
    add(match_case("match eth_dst masked low byte",
                   {"eth_dst": ("00:00:00:00:00:0b", "00:00:00:00:00:ff")},
                   F(dst="02:11:22:33:44:0b"), F(dst="00:00:00:00:00:0c")))
    add(match_case("match eth_src", {"eth_src": MAC_A}, F(), F(src="00:00:00:00:00:0c")))
    add(match_case("match eth_src masked", {"eth_src": ("00:00:00:00:00:0a", "ff:ff:ff:00:00:ff")},
                   F(src="00:00:00:11:22:0a"), F(src="00:00:01:00:00:0a")))
    add(match_case("match eth_type ipv4", {"eth_type": 0x0800}, F(), F(l3="ipv6")))
    add(match_case("match eth_type arp", {"eth_type": 0x0806}, F(l3="arp"), F()))
    add(match_case("match eth_type ipv6", {"eth_type": 0x86dd}, F(l3="ipv6"), F()))
    add(match_case("match eth_type other", {"eth_type": 0x88b5}, F(l3="raw"), F()))
    add(match_case("match eth_type vlan frame", {"eth_type": 0x0800},
                   F(vlans=((0x8100, 0, 5),)), F(vlans=((0x8100, 0, 5),), l3="arp")))
    # VLAN
    tag = lambda vid, pcp=0, tpid=0x8100: ((tpid, pcp, vid),)  # noqa: E731
    add(match_case("match vlan_vid", {"vlan_vid": 0x1000 | 10}, F(vlans=tag(10)),
                   F(vlans=tag(11))))
    add(match_case("match vlan_vid 0", {"vlan_vid": 0x1000}, F(vlans=tag(0)), F()))
    add(match_case("match vlan_vid none", {"vlan_vid": 0}, F(), F(vlans=tag(10))))
    add(match_case("match vlan_vid present", {"vlan_vid": (0x1000, 0x1000)},
                   F(vlans=tag(77)), F()))
    add(match_case("match vlan_vid masked", {"vlan_vid": (0x1000 | 0x10, 0x1ff0)},
                   F(vlans=tag(0x1f)), F(vlans=tag(0x2f))))
    add(match_case("match vlan_vid 802.1ad", {"vlan_vid": 0x1000 | 10},
                   F(vlans=tag(10, tpid=0x88a8)), F(vlans=tag(11, tpid=0x88a8))))
    add(match_case("match vlan_vid outer of two", {"vlan_vid": 0x1000 | 10},
                   F(vlans=((0x88a8, 0, 10), (0x8100, 0, 20))),
                   F(vlans=((0x88a8, 0, 20), (0x8100, 0, 10)))))
    add(match_case("match vlan_pcp", {"vlan_vid": (0x1000, 0x1000), "vlan_pcp": 5},
                   F(vlans=tag(3, 5)), F(vlans=tag(3, 4))))
    # IP
    for fam, kw6 in (("ipv4", {}), ("ipv6", {"l3": "ipv6"})):
        et = v4 if fam == "ipv4" else v6
        add(match_case("match %s ip_dscp" % fam, dict(et, ip_dscp=46), F(dscp=46, **kw6),
                       F(dscp=45, **kw6)))
        add(match_case("match %s ip_ecn" % fam, dict(et, ip_ecn=3), F(ecn=3, **kw6),
                       F(ecn=1, **kw6)))
        add(match_case("match %s ip_dscp and ip_ecn" % fam, dict(et, ip_dscp=10, ip_ecn=1),
                       F(dscp=10, ecn=1, **kw6), F(dscp=10, ecn=2, **kw6)))
        for l4 in ("tcp", "udp", "sctp"):
            add(match_case("match %s ip_proto %s" % (fam, l4),
                           dict(et, ip_proto=L4_PROTO[l4]), F(l4=l4, **kw6),
                           F(l4="udp" if l4 != "udp" else "tcp", **kw6)))
            for fld in ("src", "dst"):
                key = "%s_%s" % (l4, fld)
                port_kw = "sport" if fld == "src" else "dport"
                add(match_case("match %s %s" % (fam, key),
                               dict(et, ip_proto=L4_PROTO[l4], **{key: 5555}),
                               F(l4=l4, **dict(kw6, **{port_kw: 5555})),
                               F(l4=l4, **dict(kw6, **{port_kw: 5556}))))
        add(match_case("match %s ip_proto raw" % fam, dict(et, ip_proto=253),
                       F(l4="raw", **kw6), F(**kw6)))
    # IPv4 addresses
    for fld, kw in (("ipv4_src", "ip_src"), ("ipv4_dst", "ip_dst")):
        add(match_case("match " + fld, dict(v4, **{fld: "192.168.1.7"}),
                       F(**{kw: "192.168.1.7"}), F(**{kw: "192.168.1.8"})))
        add(match_case("match %s /24" % fld, dict(v4, **{fld: ("192.168.1.0", "255.255.255.0")}),
                       F(**{kw: "192.168.1.200"}), F(**{kw: "192.168.2.200"})))
        add(match_case("match %s /1" % fld, dict(v4, **{fld: ("128.0.0.0", "128.0.0.0")}),
                       F(**{kw: "200.1.1.1"}), F(**{kw: "100.1.1.1"})))
        add(match_case("match %s arbitrary mask" % fld,
                       dict(v4, **{fld: ("0.0.0.1", "0.0.0.255")}),
                       F(**{kw: "9.9.9.1"}), F(**{kw: "9.9.9.2"})))
    # (Not in port mode: net_af_packet's socket asks the kernel to
    # reassemble fragments, so a lone fragment never reaches the switch.)
    c = match_case("match ipv4 fragment first", dict(v4, ip_proto=17, udp_dst=80),
                   F(frag=0x2000), F(frag=0x2000, dport=81))
    c.port = False
    add(c)
    # ICMPv4
    ic = dict(v4, ip_proto=1)
    add(match_case("match icmpv4_type", dict(ic, icmpv4_type=8), F(l4="icmp"),
                   F(l4="icmp", icmp_type=0)))
    add(match_case("match icmpv4_code", dict(ic, icmpv4_code=3),
                   F(l4="icmp", icmp_type=3, icmp_code=3),
                   F(l4="icmp", icmp_type=3, icmp_code=1)))
    # ARP
    ar = {"eth_type": 0x0806}
    A = lambda **k: F(l3="arp", **k)  # noqa: E731
    add(match_case("match arp_op", dict(ar, arp_op=2), A(arp_op=2), A(arp_op=1)))
    add(match_case("match arp_spa", dict(ar, arp_spa="10.1.1.1"), A(arp_spa="10.1.1.1"),
                   A(arp_spa="10.1.1.2")))
    add(match_case("match arp_spa masked", dict(ar, arp_spa=("10.1.0.0", "255.255.0.0")),
                   A(arp_spa="10.1.9.1"), A(arp_spa="10.2.9.1")))
    add(match_case("match arp_tpa", dict(ar, arp_tpa="10.1.1.1"), A(arp_tpa="10.1.1.1"),
                   A(arp_tpa="10.1.1.2")))
    add(match_case("match arp_tpa masked", dict(ar, arp_tpa=("10.1.0.0", "255.255.0.0")),
                   A(arp_tpa="10.1.9.1"), A(arp_tpa="10.2.9.1")))
    add(match_case("match arp_sha", dict(ar, arp_sha="00:11:22:33:44:55"),
                   A(arp_sha="00:11:22:33:44:55"), A(arp_sha="00:11:22:33:44:56")))
    add(match_case("match arp_sha masked",
                   dict(ar, arp_sha=("00:11:22:00:00:00", "ff:ff:ff:00:00:00")),
                   A(arp_sha="00:11:22:33:44:55"), A(arp_sha="00:11:23:33:44:55")))
    add(match_case("match arp_tha", dict(ar, arp_tha="00:11:22:33:44:55"),
                   A(arp_tha="00:11:22:33:44:55"), A(arp_tha="00:11:22:33:44:56")))
    add(match_case("match arp_tha masked",
                   dict(ar, arp_tha=("00:00:00:00:00:55", "00:00:00:00:00:ff")),
                   A(arp_tha="00:11:22:33:44:55"), A(arp_tha="00:11:22:33:44:56")))
    # IPv6
    I6 = lambda **k: F(l3="ipv6", **k)  # noqa: E731
    for fld, kw in (("ipv6_src", "ip6_src"), ("ipv6_dst", "ip6_dst")):
        add(match_case("match " + fld, dict(v6, **{fld: "2001:db8::77"}),
                       I6(**{kw: "2001:db8::77"}), I6(**{kw: "2001:db8::78"})))
        add(match_case("match %s /64" % fld, dict(v6, **{fld: ("2001:db8:1::", "ffff:ffff:ffff:ffff::")}),
                       I6(**{kw: "2001:db8:1::5"}), I6(**{kw: "2001:db8:2::5"})))
        add(match_case("match %s low bits" % fld, dict(v6, **{fld: ("::5", "::ffff")}),
                       I6(**{kw: "2001:db8:1::5"}), I6(**{kw: "2001:db8:1::6"})))
    add(match_case("match ipv6_flabel", dict(v6, ipv6_flabel=0x12345), I6(flabel=0x12345),
                   I6(flabel=0x12346)))
    add(match_case("match ipv6_flabel masked", dict(v6, ipv6_flabel=(0x10000, 0xf0000)),
                   I6(flabel=0x1ffff), I6(flabel=0x2ffff)))
    i6 = dict(v6, ip_proto=58)
    add(match_case("match icmpv6_type", dict(i6, icmpv6_type=128),
                   I6(l4="icmp6", icmp_type=128), I6(l4="icmp6", icmp_type=129)))
    add(match_case("match icmpv6_code", dict(i6, icmpv6_type=1, icmpv6_code=4),
                   I6(l4="icmp6", icmp_type=1, icmp_code=4),
                   I6(l4="icmp6", icmp_type=1, icmp_code=3)))
    ns = dict(l4="icmp6", icmp_type=135, nd_sll="00:aa:bb:cc:dd:ee")
    na = dict(l4="icmp6", icmp_type=136, nd_tll="00:aa:bb:cc:dd:ee")
    add(match_case("match ipv6_nd_target ns", dict(i6, icmpv6_type=135, ipv6_nd_target="2001:db8::99"),
                   I6(**ns), I6(**dict(ns, nd_target="2001:db8::98"))))
    add(match_case("match ipv6_nd_target na", dict(i6, icmpv6_type=136, ipv6_nd_target="2001:db8::99"),
                   I6(**na), I6(**dict(na, nd_target="2001:db8::98"))))
    add(match_case("match ipv6_nd_sll", dict(i6, icmpv6_type=135, ipv6_nd_sll="00:aa:bb:cc:dd:ee"),
                   I6(**ns), I6(**dict(ns, nd_sll="00:aa:bb:cc:dd:ef"))))
    add(match_case("match ipv6_nd_tll", dict(i6, icmpv6_type=136, ipv6_nd_tll="00:aa:bb:cc:dd:ee"),
                   I6(**na), I6(**dict(na, nd_tll="00:aa:bb:cc:dd:ef"))))
    # OFPIEH_*: NONEXT 0x1, ESP 0x2, AUTH 0x4, DEST 0x8, FRAG 0x10,
    # ROUTER 0x20, HOP 0x40, UNREP 0x80, UNSEQ 0x100.
    add(match_case("match ipv6_exthdr hop", dict(v6, ipv6_exthdr=0x40),
                   I6(exthdrs=(0,)), I6()))
    add(match_case("match ipv6_exthdr none", dict(v6, ipv6_exthdr=0),
                   I6(), I6(exthdrs=(60,))))
    add(match_case("match ipv6_exthdr hop dest", dict(v6, ipv6_exthdr=0x48),
                   I6(exthdrs=(0, 60)), I6(exthdrs=(0, 43))))
    add(match_case("match ipv6_exthdr dest masked", dict(v6, ipv6_exthdr=(0x08, 0x08)),
                   I6(exthdrs=(0, 60)), I6(exthdrs=(0,))))
    add(match_case("match ipv6_exthdr frag masked", dict(v6, ipv6_exthdr=(0x10, 0x10)),
                   I6(exthdrs=(44,)), I6(exthdrs=(60,))))
    add(match_case("match ipv6_exthdr router masked", dict(v6, ipv6_exthdr=(0x20, 0x20)),
                   I6(exthdrs=(43,)), I6(exthdrs=(60,))))
    add(match_case("match ipv6_exthdr nonext", dict(v6, ipv6_exthdr=(0x01, 0x01)),
                   I6(l4="raw", proto=59), I6(l4="raw")))
    add(match_case("match ipv6_exthdr unrep", dict(v6, ipv6_exthdr=(0x80, 0x80)),
                   I6(exthdrs=(0, 43, 43)), I6(exthdrs=(0, 43))))
    add(match_case("match ipv6_exthdr dest twice is no repeat", dict(v6, ipv6_exthdr=(0x80, 0x80)),
                   I6(exthdrs=(60, 43, 60, 60)), I6(exthdrs=(60, 43, 60))))
    add(match_case("match ipv6_exthdr unseq", dict(v6, ipv6_exthdr=(0x100, 0x100)),
                   I6(exthdrs=(60, 0)), I6(exthdrs=(0, 60))))
    add(match_case("match ipv6 udp behind exthdrs", dict(v6, ip_proto=17, udp_dst=80),
                   I6(exthdrs=(0, 60)), I6(exthdrs=(0, 60), dport=81)))
    # MPLS
    M = lambda lse, **k: F(mpls=lse, **k)  # noqa: E731
    mp = {"eth_type": 0x8847}
    add(match_case("match mpls_label", dict(mp, mpls_label=100), M(((100, 0, 64),)),
                   M(((101, 0, 64),))))
    add(match_case("match mpls_tc", dict(mp, mpls_tc=5), M(((100, 5, 64),)),
                   M(((100, 4, 64),))))
    add(match_case("match mpls_bos 1", dict(mp, mpls_bos=1), M(((100, 0, 64),)),
                   M(((100, 0, 64), (200, 0, 64)))))
    add(match_case("match mpls_bos 0", dict(mp, mpls_bos=0), M(((100, 0, 64), (200, 0, 64))),
                   M(((100, 0, 64),))))
    add(match_case("match mpls_label top of two", dict(mp, mpls_label=100),
                   M(((100, 0, 64), (200, 0, 64))), M(((200, 0, 64), (100, 0, 64)))))
    add(match_case("match mpls_label vlan", dict(mp, mpls_label=100),
                   M(((100, 0, 64),), vlans=tag(3)), M(((101, 0, 64),), vlans=tag(3))))
    # PBB
    pb = {"eth_type": 0x88e7}
    add(match_case("match pbb_isid", dict(pb, pbb_isid=0x123456), F(isid=0x123456),
                   F(isid=0x123457)))
    add(match_case("match pbb_isid masked", dict(pb, pbb_isid=(0x120000, 0xff0000)),
                   F(isid=0x12ffff), F(isid=0x13ffff)))
    add(match_case("match pbb_isid pcp ignored", dict(pb, pbb_isid=0x123456),
                   F(isid=0x123456, i_pcp=5), F(isid=0x123457, i_pcp=5)))
    add(match_case("match pbb_isid behind b-vlan", dict(pb, pbb_isid=0x123456),
                   F(isid=0x123456, b_vlan=7), F(isid=0x123457, b_vlan=7)))
    add(match_case("match pbb b-vlan vid", dict(pb, vlan_vid=0x1000 | 7),
                   F(isid=0x123456, b_vlan=7), F(isid=0x123456, b_vlan=8)))
    # metadata and tunnel_id: set in table 0, matched in table 1.
    f = F()
    for name, meta_ok, meta_bad, m in (
            ("metadata", 0x1122334455667788, 0x1122334455667789, {"metadata": 0x1122334455667788}),
            ("metadata masked", 0xff00, 0xfe00, {"metadata": (0xff00, 0xff00)})):
        for val, res in ((meta_ok, hit(f, table=1)), (meta_bad, missed(f))):
            add(Case("match %s %s" % (name, "hit" if val == meta_ok else "miss"), [
                (0, 10, 7, {}, [("meta", val, 0xffffffffffffffff), ("goto", 1)]),
                (1, 100, HIT, m, [("apply", [out_c()])]),
                (1, 0, MISS, {}, [("apply", [out_c()])])],
                [(1, f)], [res if res[2] == HIT else (R_NO_MATCH, 1, MISS, f)]))
    for val, ok in ((0x4242, True), (0x4243, False)):
        add(Case("match tunnel_id %s" % ("hit" if ok else "miss"), [
            (0, 10, 7, {}, [("apply", [("set", "tunnel_id", val)]), ("goto", 1)]),
            (1, 100, HIT, {"tunnel_id": 0x4242}, [("apply", [out_c()])]),
            (1, 0, MISS, {}, [("apply", [out_c()])])],
            [(1, f)], [hit(f, table=1) if ok else (R_NO_MATCH, 1, MISS, f)]))
    add(Case("match tunnel_id masked", [
        (0, 10, 7, {}, [("apply", [("set", "tunnel_id", 0xab12)]), ("goto", 1)]),
        (1, 100, HIT, {"tunnel_id": (0x12, 0xff)}, [("apply", [out_c()])]),
        (1, 0, MISS, {}, [("apply", [out_c()])])],
        [(1, f)], [hit(f, table=1)]))
    add(Case("match tunnel_id 0 by default", [
        (0, 100, HIT, {"tunnel_id": 0}, [("apply", [out_c()])])],
        [(1, f)], [hit(f)]))
    # priorities
    add(Case("match higher priority wins", [
        (0, 100, HIT, {"eth_type": 0x0800}, [("apply", [out_c()])]),
        (0, 200, 0x22, {"eth_type": 0x0800, "ip_proto": 17}, [("apply", [out_c()])])],
        [(1, f), (1, F(l4="tcp"))], [hit(f, cookie=0x22), hit(F(l4="tcp"))]))
    return cs


def set_cases():
    """set_field on every settable field: the output frame has exactly the
    change (checksums recomputed by the builder)."""
    cs = []
    F = frame

    def sc(name, field, value, before, after, match=None):
        cs.append(Case("set_field " + name, [
            (0, 100, HIT, match or {}, [("apply", [("set", field, value), out_c()])])],
            [(1, before)], [hit(after)]))
    sc("eth_dst", "eth_dst", "00:00:00:00:00:99", F(), F(dst="00:00:00:00:00:99"))
    sc("eth_src", "eth_src", "00:00:00:00:00:99", F(), F(src="00:00:00:00:00:99"))
    sc("eth_dst vlan", "eth_dst", "00:00:00:00:00:99", F(vlans=((0x8100, 0, 3),)),
       F(vlans=((0x8100, 0, 3),), dst="00:00:00:00:00:99"))
    sc("eth_type", "eth_type", 0x88b6, F(l3="raw"),
       F(l3="raw")[:12] + b"\x88\xb6" + F(l3="raw")[14:])
    tg = {"vlan_vid": (0x1000, 0x1000)}
    sc("vlan_vid", "vlan_vid", 0x1000 | 99, F(vlans=((0x8100, 3, 5),)),
       F(vlans=((0x8100, 3, 99),)), tg)
    sc("vlan_vid without present bit", "vlan_vid", 99, F(vlans=((0x8100, 3, 5),)),
       F(vlans=((0x8100, 3, 99),)), tg)
    sc("vlan_vid outer of two", "vlan_vid", 0x1000 | 99,
       F(vlans=((0x88a8, 3, 5), (0x8100, 1, 6))), F(vlans=((0x88a8, 3, 99), (0x8100, 1, 6))), tg)
    sc("vlan_pcp", "vlan_pcp", 6, F(vlans=((0x8100, 3, 5),)), F(vlans=((0x8100, 6, 5),)), tg)
    for fam, et, kw6 in (("ipv4", 0x0800, {}), ("ipv6", 0x86dd, {"l3": "ipv6"})):
        for l4 in ("udp", "tcp", "icmp" if fam == "ipv4" else "icmp6"):
            b = dict(kw6, l4=l4)
            sc("%s ip_dscp %s" % (fam, l4), "ip_dscp", 46, F(ecn=1, **b),
               F(dscp=46, ecn=1, **b), {"eth_type": et})
            sc("%s ip_ecn %s" % (fam, l4), "ip_ecn", 2, F(dscp=10, **b),
               F(dscp=10, ecn=2, **b), {"eth_type": et})
        for l4 in ("tcp", "udp", "sctp"):
            pr = L4_PROTO[l4]
            b = dict(kw6, l4=l4)
            sc("%s %s_src" % (fam, l4), "%s_src" % l4, 4321, F(**b), F(sport=4321, **b),
               {"eth_type": et, "ip_proto": pr})
            sc("%s %s_dst" % (fam, l4), "%s_dst" % l4, 4321, F(**b), F(dport=4321, **b),
               {"eth_type": et, "ip_proto": pr})
        sc("%s ip_proto" % fam, "ip_proto", 254, F(l4="raw", **kw6),
           F(l4="raw", proto=254, **kw6), {"eth_type": et})
    v4 = {"eth_type": 0x0800}
    for l4 in ("udp", "tcp", "icmp", "sctp"):
        sc("ipv4_src %s" % l4, "ipv4_src", "172.16.0.9", F(l4=l4), F(l4=l4, ip_src="172.16.0.9"), v4)
        sc("ipv4_dst %s" % l4, "ipv4_dst", "172.16.0.9", F(l4=l4), F(l4=l4, ip_dst="172.16.0.9"), v4)
    sc("ipv4_dst vlan", "ipv4_dst", "172.16.0.9", F(vlans=((0x8100, 0, 3),)),
       F(vlans=((0x8100, 0, 3),), ip_dst="172.16.0.9"), v4)
    ic = {"eth_type": 0x0800, "ip_proto": 1}
    sc("icmpv4_type", "icmpv4_type", 0, F(l4="icmp"), F(l4="icmp", icmp_type=0), ic)
    sc("icmpv4_code", "icmpv4_code", 7, F(l4="icmp", icmp_type=3),
       F(l4="icmp", icmp_type=3, icmp_code=7), ic)
    ar = {"eth_type": 0x0806}
    A = lambda **k: F(l3="arp", **k)  # noqa: E731
    sc("arp_op", "arp_op", 2, A(), A(arp_op=2), ar)
    sc("arp_spa", "arp_spa", "10.9.9.9", A(), A(arp_spa="10.9.9.9"), ar)
    sc("arp_tpa", "arp_tpa", "10.9.9.9", A(), A(arp_tpa="10.9.9.9"), ar)
    sc("arp_sha", "arp_sha", "00:99:99:99:99:99", A(), A(arp_sha="00:99:99:99:99:99"), ar)
    sc("arp_tha", "arp_tha", "00:99:99:99:99:99", A(), A(arp_tha="00:99:99:99:99:99"), ar)
    v6 = {"eth_type": 0x86dd}
    I6 = lambda **k: F(l3="ipv6", **k)  # noqa: E731
    for l4 in ("udp", "tcp", "icmp6", "sctp"):
        sc("ipv6_src %s" % l4, "ipv6_src", "2001:db8::abcd", I6(l4=l4),
           I6(l4=l4, ip6_src="2001:db8::abcd"), v6)
        sc("ipv6_dst %s" % l4, "ipv6_dst", "2001:db8::abcd", I6(l4=l4),
           I6(l4=l4, ip6_dst="2001:db8::abcd"), v6)
    sc("ipv6_flabel", "ipv6_flabel", 0xabcde, I6(dscp=10), I6(dscp=10, flabel=0xabcde), v6)
    i6 = {"eth_type": 0x86dd, "ip_proto": 58}
    sc("icmpv6_type", "icmpv6_type", 129, I6(l4="icmp6", icmp_type=128),
       I6(l4="icmp6", icmp_type=129), i6)
    sc("icmpv6_code", "icmpv6_code", 3, I6(l4="icmp6", icmp_type=1),
       I6(l4="icmp6", icmp_type=1, icmp_code=3), i6)
    ns = dict(l4="icmp6", icmp_type=135, nd_sll="00:aa:bb:cc:dd:ee")
    na = dict(l4="icmp6", icmp_type=136, nd_tll="00:aa:bb:cc:dd:ee")
    sc("ipv6_nd_target ns", "ipv6_nd_target", "2001:db8::5", I6(**ns),
       I6(**dict(ns, nd_target="2001:db8::5")), dict(i6, icmpv6_type=135))
    sc("ipv6_nd_target na", "ipv6_nd_target", "2001:db8::5", I6(**na),
       I6(**dict(na, nd_target="2001:db8::5")), dict(i6, icmpv6_type=136))
    sc("ipv6_nd_sll", "ipv6_nd_sll", "00:12:34:56:78:9a", I6(**ns),
       I6(**dict(ns, nd_sll="00:12:34:56:78:9a")), dict(i6, icmpv6_type=135))
    sc("ipv6_nd_tll", "ipv6_nd_tll", "00:12:34:56:78:9a", I6(**na),
       I6(**dict(na, nd_tll="00:12:34:56:78:9a")), dict(i6, icmpv6_type=136))
    mp = {"eth_type": 0x8847}
    M = lambda lse, **k: F(mpls=lse, **k)  # noqa: E731
    sc("mpls_label", "mpls_label", 0xabcde, M(((100, 2, 64),)), M(((0xabcde, 2, 64),)), mp)
    sc("mpls_tc", "mpls_tc", 6, M(((100, 2, 64),)), M(((100, 6, 64),)), mp)
    sc("mpls_label top of two", "mpls_label", 7, M(((100, 2, 64), (200, 1, 9))),
       M(((7, 2, 64), (200, 1, 9))), mp)
    bos_before = M(((100, 2, 64), (200, 1, 9)))
    bos_after = bytearray(bos_before)
    bos_after[16] |= 1
    sc("mpls_bos", "mpls_bos", 1, bos_before, bytes(bos_after), mp)
    pb = {"eth_type": 0x88e7}
    sc("pbb_isid", "pbb_isid", 0xabcdef, F(isid=0x123456, i_pcp=3),
       F(isid=0xabcdef, i_pcp=3), pb)
    sc("pbb_isid behind b-vlan", "pbb_isid", 0xabcdef, F(isid=0x123456, b_vlan=7),
       F(isid=0xabcdef, b_vlan=7), pb)
    # IPv4 options, IPv6 extension headers, UDP without a checksum.
    opts = b"\x94\x04\x00\x00" + b"\x01\x01\x01\x00"      # router alert, NOPs, EOL
    for l4 in ("tcp", "udp"):
        sc("ipv4 options %s_dst" % l4, "%s_dst" % l4, 99, F(l4=l4, ipopts=opts),
           F(l4=l4, ipopts=opts, dport=99), {"eth_type": 0x0800, "ip_proto": L4_PROTO[l4]})
        sc("ipv4 options ipv4_dst %s" % l4, "ipv4_dst", "7.7.7.7", F(l4=l4, ipopts=opts),
           F(l4=l4, ipopts=opts, ip_dst="7.7.7.7"), v4)
        ext = dict(l3="ipv6", l4=l4, exthdrs=(0, 60))
        sc("ipv6 exthdrs %s_dst" % l4, "%s_dst" % l4, 99, F(**ext), F(dport=99, **ext),
           {"eth_type": 0x86dd, "ip_proto": L4_PROTO[l4]})
        sc("ipv6 exthdrs ipv6_dst %s" % l4, "ipv6_dst", "2001:db8::abcd", F(**ext),
           F(ip6_dst="2001:db8::abcd", **ext), v6)
    sc("ipv4 options ip_dscp", "ip_dscp", 1, F(ipopts=opts), F(ipopts=opts, dscp=1), v4)
    sc("udp no checksum ipv4_dst", "ipv4_dst", "7.7.7.7", F(udp_csum0=True),
       F(udp_csum0=True, ip_dst="7.7.7.7"), v4)
    sc("udp no checksum udp_dst", "udp_dst", 7, F(udp_csum0=True),
       F(udp_csum0=True, dport=7), {"eth_type": 0x0800, "ip_proto": 17})
    # Several set_fields in one list, and a masked-looking value.
    cs.append(Case("set_field several", [(0, 100, HIT, {"eth_type": 0x0800, "ip_proto": 6}, [
        ("apply", [("set", "ipv4_src", "1.2.3.4"), ("set", "ipv4_dst", "5.6.7.8"),
                   ("set", "tcp_src", 1), ("set", "tcp_dst", 2),
                   ("set", "eth_src", "00:00:00:00:00:01"), out_c()])])],
        [(1, F(l4="tcp"))],
        [hit(F(l4="tcp", ip_src="1.2.3.4", ip_dst="5.6.7.8", sport=1, dport=2,
               src="00:00:00:00:00:01"))]))
    return cs


def action_cases():
    cs = []
    F = frame
    add = cs.append

    def ac(name, actions, before, after, match=None, expect=None):
        add(Case(name, [(0, 100, HIT, match or {}, [("apply", list(actions))])],
                 [(1, before)], expect if expect is not None else [hit(after)]))
    v4 = {"eth_type": 0x0800}
    M = lambda lse, **k: F(mpls=lse, **k)  # noqa: E731
    # VLAN
    for tpid in (0x8100, 0x88a8):
        ac("push_vlan 0x%x" % tpid, [("push_vlan", tpid), out_c()], F(),
           F(vlans=((tpid, 0, 0),)))
        ac("push_vlan 0x%x set vid" % tpid,
           [("push_vlan", tpid), ("set", "vlan_vid", 0x1000 | 42), out_c()], F(),
           F(vlans=((tpid, 0, 42),)))
        ac("push_vlan 0x%x on tagged" % tpid, [("push_vlan", tpid), out_c()],
           F(vlans=((0x8100, 5, 7),)), F(vlans=((tpid, 5, 7), (0x8100, 5, 7))))
        # (The pad of the 60-byte frame stays: the tag makes it 64.)
        ac("push_vlan 0x%x on arp" % tpid,
           [("push_vlan", tpid), ("set", "vlan_pcp", 3), out_c()], F(l3="arp"),
           F(l3="arp")[:12] + struct.pack("!HH", tpid, 3 << 13) + F(l3="arp")[12:])
    ac("pop_vlan", [("pop_vlan",), out_c()], F(vlans=((0x8100, 5, 7),)), F(),
       {"vlan_vid": (0x1000, 0x1000)})
    ac("pop_vlan outer of two", [("pop_vlan",), out_c()],
       F(vlans=((0x88a8, 5, 7), (0x8100, 1, 9))), F(vlans=((0x8100, 1, 9),)),
       {"vlan_vid": (0x1000, 0x1000)})
    ac("pop_vlan twice", [("pop_vlan",), ("pop_vlan",), out_c()],
       F(vlans=((0x88a8, 5, 7), (0x8100, 1, 9))), F(), {"vlan_vid": (0x1000, 0x1000)})
    ac("push_vlan then pop_vlan", [("push_vlan", 0x8100), ("pop_vlan",), out_c()], F(), F())
    # A tagged ARP is 46 bytes and 14 of pad; untagged, 42 and 18 of pad
    # (IEEE 802.1Q: a bridge that removes a tag pads the frame).
    ac("pop_vlan on arp", [("pop_vlan",), out_c()], F(l3="arp", vlans=((0x8100, 5, 7),)),
       F(l3="arp"), {"vlan_vid": (0x1000, 0x1000)})
    # MPLS
    ac("push_mpls on ipv4", [("push_mpls", 0x8847), out_c()], F(ttl=33),
       M(((0, 0, 33),), ttl=33), v4)
    ac("push_mpls 0x8848 on ipv4", [("push_mpls", 0x8848), out_c()], F(ttl=33),
       M(((0, 0, 33),), ttl=33)[:12] + b"\x88\x48" + M(((0, 0, 33),), ttl=33)[14:], v4)
    ac("push_mpls set label", [("push_mpls", 0x8847), ("set", "mpls_label", 77),
                               ("set", "mpls_tc", 2), out_c()], F(ttl=33),
       M(((77, 2, 33),), ttl=33), v4)
    ac("push_mpls on ipv6", [("push_mpls", 0x8847), out_c()], F(l3="ipv6", ttl=20),
       M(((0, 0, 20),), mpls_inner="ipv6", ttl=20), {"eth_type": 0x86dd})
    ac("push_mpls on mpls", [("push_mpls", 0x8847), out_c()], M(((100, 3, 20),)),
       M(((100, 3, 20), (100, 3, 20))), {"eth_type": 0x8847})
    ac("push_mpls on vlan ipv4", [("push_mpls", 0x8847), out_c()],
       F(vlans=((0x8100, 0, 5),), ttl=9), M(((0, 0, 9),), ttl=9, vlans=((0x8100, 0, 5),)), v4)
    fa = F(l3="arp")
    # No MPLS or IP TTL to copy (1.3.x 5.12.1, Table 7): 0.
    ac("push_mpls on arp", [("push_mpls", 0x8847), out_c()], fa,
       fa[:12] + struct.pack("!HI", 0x8847, 0x100) + fa[14:], {"eth_type": 0x0806})
    add(Case("push_mpls then match label", [
        (0, 100, 7, v4, [("apply", [("push_mpls", 0x8847), ("set", "mpls_label", 77)]),
                         ("goto", 1)]),
        (1, 100, HIT, {"eth_type": 0x8847, "mpls_label": 77, "mpls_bos": 1},
         [("apply", [out_c()])])],
        [(1, F(ttl=9))], [hit(M(((77, 0, 9),), ttl=9), table=1)], miss=False))
    add(Case("pop_vlan then match untagged", [
        (0, 100, 7, {"vlan_vid": (0x1000, 0x1000)}, [("apply", [("pop_vlan",)]), ("goto", 1)]),
        (1, 100, HIT, {"vlan_vid": 0}, [("apply", [out_c()])])],
        [(1, F(vlans=((0x8100, 0, 5),)))], [hit(F(), table=1)], miss=False))
    ac("pop_mpls", [("pop_mpls", 0x0800), out_c()], M(((100, 0, 20),)), F(),
       {"eth_type": 0x8847})
    ac("pop_mpls of two", [("pop_mpls", 0x8847), out_c()], M(((100, 0, 20), (200, 0, 30))),
       M(((200, 0, 30),)), {"eth_type": 0x8847})
    ac("pop_mpls vlan", [("pop_mpls", 0x0800), out_c()],
       M(((100, 0, 20),), vlans=((0x8100, 0, 5),)), F(vlans=((0x8100, 0, 5),)),
       {"eth_type": 0x8847})
    ac("set_mpls_ttl", [("set_mpls_ttl", 7), out_c()], M(((100, 0, 20),)), M(((100, 0, 7),)),
       {"eth_type": 0x8847})
    ac("dec_mpls_ttl", [("dec_mpls_ttl",), out_c()], M(((100, 0, 20),)), M(((100, 0, 19),)),
       {"eth_type": 0x8847})
    ac("dec_mpls_ttl expired drops", [("dec_mpls_ttl",), out_c()], M(((100, 0, 1),)), None,
       {"eth_type": 0x8847}, expect=[])
    ac("dec_mpls_ttl 0 drops", [("dec_mpls_ttl",), out_c()], M(((100, 0, 0),)), None,
       {"eth_type": 0x8847}, expect=[])
    ac("copy_ttl_out", [("copy_ttl_out",), out_c()], M(((100, 0, 20),), ttl=50),
       M(((100, 0, 50),), ttl=50), {"eth_type": 0x8847})
    ac("copy_ttl_out of two", [("copy_ttl_out",), out_c()],
       M(((100, 0, 20), (200, 0, 30))), M(((100, 0, 30), (200, 0, 30))), {"eth_type": 0x8847})
    ac("copy_ttl_in ipv4", [("copy_ttl_in",), out_c()], M(((100, 0, 20),), ttl=50),
       M(((100, 0, 20),), ttl=20), {"eth_type": 0x8847})
    ac("copy_ttl_in ipv6", [("copy_ttl_in",), out_c()],
       M(((100, 0, 20),), ttl=50, mpls_inner="ipv6"),
       M(((100, 0, 20),), ttl=20, mpls_inner="ipv6"), {"eth_type": 0x8847})
    ac("copy_ttl_in of two", [("copy_ttl_in",), out_c()],
       M(((100, 0, 20), (200, 0, 30))), M(((100, 0, 20), (200, 0, 20))), {"eth_type": 0x8847})
    ac("push_mpls dec_mpls_ttl pop_mpls", [("push_mpls", 0x8847), ("dec_mpls_ttl",),
                                           ("copy_ttl_in",), ("pop_mpls", 0x0800), out_c()],
       F(ttl=20), F(ttl=19), v4)
    # IP TTL
    for fam, et, kw in (("ipv4", 0x0800, {}), ("ipv6", 0x86dd, {"l3": "ipv6"})):
        for l4 in ("udp", "tcp"):
            ac("set_nw_ttl %s %s" % (fam, l4), [("set_nw_ttl", 5), out_c()],
               F(l4=l4, **kw), F(l4=l4, ttl=5, **kw), {"eth_type": et})
            ac("dec_nw_ttl %s %s" % (fam, l4), [("dec_nw_ttl",), out_c()],
               F(l4=l4, **kw), F(l4=l4, ttl=63, **kw), {"eth_type": et})
        ac("dec_nw_ttl %s expired drops" % fam, [("dec_nw_ttl",), out_c()],
           F(ttl=1, **kw), None, {"eth_type": et}, expect=[])
        ac("dec_nw_ttl twice %s" % fam, [("dec_nw_ttl",), ("dec_nw_ttl",), out_c()],
           F(ttl=10, **kw), F(ttl=8, **kw), {"eth_type": et})
    ac("dec_nw_ttl vlan", [("dec_nw_ttl",), out_c()], F(vlans=((0x8100, 0, 5),)),
       F(vlans=((0x8100, 0, 5),), ttl=63), v4)
    # PBB
    pf = F()
    pushed = mac(MAC_B) + mac(MAC_A) + struct.pack("!HI", 0x88e7, 0) + pf
    ac("push_pbb", [("push_pbb", 0x88e7), out_c()], pf, pushed)
    ac("push_pbb set isid", [("push_pbb", 0x88e7), ("set", "pbb_isid", 0x1234), out_c()], pf,
       pushed[:15] + b"\x00\x12\x34" + pushed[18:])
    ac("push_pbb set eth_dst", [("push_pbb", 0x88e7), ("set", "eth_dst", "00:00:00:00:00:99"),
                                out_c()], pf, mac("00:00:00:00:00:99") + pushed[6:])
    ac("push_pbb then push_vlan", [("push_pbb", 0x88e7), ("push_vlan", 0x88a8),
                                   ("set", "vlan_vid", 0x1000 | 7), out_c()], pf,
       pushed[:12] + struct.pack("!HH", 0x88a8, 7) + pushed[12:])
    ac("push_pbb on vlan frame", [("push_pbb", 0x88e7), out_c()], F(vlans=((0x8100, 1, 5),)),
       mac(MAC_B) + mac(MAC_A) + struct.pack("!HI", 0x88e7, 0) + F(vlans=((0x8100, 1, 5),)))
    pbbf = F(isid=0x123456)
    inner = pbbf[18:]
    pb = {"eth_type": 0x88e7}
    ac("pop_pbb", [("pop_pbb",), out_c()], pbbf, inner, pb)
    ac("pop_pbb b-vlan", [("pop_vlan",), ("pop_pbb",), out_c()], F(isid=0x123456, b_vlan=7),
       inner, pb)
    pbbv = F(isid=0x123456, vlans=((0x8100, 2, 9),))
    ac("pbb pop_vlan no b-tag", [("pop_vlan",), out_c()], pbbv, pbbv, pb)
    bv = F(isid=0x123456, b_vlan=7, vlans=((0x8100, 2, 9),))
    ac("pbb pop_vlan b-tag", [("pop_vlan",), out_c()], bv,
       bv[:12] + bv[16:], dict(pb, vlan_vid=(0x1000, 0x1000)))
    ac("pbb push_vlan b-tag", [("push_vlan", 0x88a8), ("set", "vlan_vid", 0x1000 | 4), out_c()],
       pbbv, pbbv[:12] + struct.pack("!HH", 0x88a8, 4) + pbbv[12:], pb)
    ac("pbb set vlan_vid b-tag", [("set", "vlan_vid", 0x1000 | 4), out_c()],
       bv, bv[:14] + struct.pack("!H", 4) + bv[16:], dict(pb, vlan_vid=(0x1000, 0x1000)))
    ac("pbb set eth_type", [("set", "eth_type", 0x88e8), out_c()], pbbf,
       pbbf[:12] + b"\x88\xe8" + pbbf[14:], pb)
    # The shim goes where the Ethertype was, as on any frame; no IP TTL
    # to copy: 0.
    ac("pbb push_mpls", [("push_mpls", 0x8847), out_c()], pbbf,
       pbbf[:12] + struct.pack("!HI", 0x8847, 0x100) + pbbf[14:], pb)
    ac("pop_pbb with b-vlan", [("pop_pbb",), out_c()], F(isid=0x123456, b_vlan=7), inner, pb)
    ac("pbb dec_nw_ttl untouched", [("dec_nw_ttl",), out_c()], pbbf, pbbf, pb)
    ac("pbb set ipv4 untouched", [("set", "eth_src", "00:00:00:00:00:99"), out_c()], pbbf,
       pbbf[:6] + mac("00:00:00:00:00:99") + pbbf[12:], pb)
    # Pop, then match what was inside in a later table (the packet's own
    # fields, not a guess).
    for kind, pop, kw, inner_kw in (
            ("mpls", ("pop_mpls", 0x0800), dict(mpls=((100, 0, 20),)), {}),
            ("mpls ipv6", ("pop_mpls", 0x86dd), dict(mpls=((100, 0, 20),), mpls_inner="ipv6"),
             dict(l3="ipv6")),
            ("mpls arp", ("pop_mpls", 0x0806), dict(mpls=((100, 0, 20),), mpls_inner="arp"),
             dict(l3="arp")),
            ("pbb", ("pop_pbb",), dict(isid=0x123456), {}),
            ("pbb ipv6", ("pop_pbb",), dict(isid=0x123456, l3="ipv6"), dict(l3="ipv6")),
            ("pbb arp", ("pop_pbb",), dict(isid=0x123456, l3="arp"), dict(l3="arp"))):
        before = F(**kw)
        if kind.startswith("pbb"):
            inner = before[18:]
            dst, src = MAC_A, MAC_B     # the customer frame's (see frame())
        else:
            # The pad of the MPLS frame stays; a frame the pop leaves
            # shorter than 60 bytes (ARP: 56) gets zeros up to 60.
            inner = pad60(before[:12] + struct.pack("!H", pop[1]) + before[18:])
            dst, src = MAC_B, MAC_A
        l3 = inner_kw.get("l3", "ipv4")
        if l3 == "ipv4":
            m1, acts, after = ({"eth_type": 0x0800, "ipv4_src": IP_A},
                               [("dec_nw_ttl",), ("set", "ipv4_dst", "9.9.9.9")],
                               F(dst=dst, src=src, ttl=63 if kind.startswith("pbb") else 63,
                                 ip_dst="9.9.9.9"))
        elif l3 == "ipv6":
            m1, acts, after = ({"eth_type": 0x86dd, "ipv6_src": IP6_A},
                               [("set_nw_ttl", 5), ("set", "ipv6_dst", "2001:db8::9")],
                               F(dst=dst, src=src, l3="ipv6", ttl=5, ip6_dst="2001:db8::9"))
        else:
            m1, acts, after = ({"eth_type": 0x0806, "arp_op": 1},
                               [("set", "arp_op", 2)], inner[:21] + b"\x02" + inner[22:])
        if kind == "mpls":
            after = F(ip_dst="9.9.9.9", ttl=63)
        m_bad = dict(m1)
        k = [x for x in m1 if x != "eth_type"][0]
        m_bad[k] = {"ipv4_src": "1.1.1.1", "ipv6_src": "::1", "arp_op": 2}[k]
        first = (0, 10, 7, {"eth_type": 0x8847 if "mpls" in kind else 0x88e7},
                 [("apply", [pop]), ("goto", 1)])
        add(Case("%s then match inside" % pop[0].replace("_", " ") + " " + kind, [
            first, (1, 100, HIT, m1, [("apply", acts + [out_c()])]),
            (1, 0, MISS, {}, [("apply", [out_c()])])],
            [(1, before)], [hit(after, table=1)], miss=False))
        add(Case("%s then no match inside" % pop[0].replace("_", " ") + " " + kind, [
            first, (1, 100, HIT, m_bad, [("apply", acts + [out_c()])]),
            (1, 0, 0x99, {}, [("apply", [out_c()])])],
            [(1, before)], [(R_NO_MATCH, 1, 0x99, inner)], miss=False))
    # Several outputs with rewrites between them.
    f = F()
    add(Case("two outputs with a rewrite between", [(0, 100, HIT, v4, [("apply", [
        out_c(), ("set", "ipv4_dst", "9.9.9.9"), ("dec_nw_ttl",), out_c()])])],
        [(1, f)], [hit(f), hit(F(ip_dst="9.9.9.9", ttl=63))]))
    add(Case("three outputs vlan push pop", [(0, 100, HIT, {}, [("apply", [
        ("push_vlan", 0x8100), ("set", "vlan_vid", 0x1000 | 5), out_c(),
        ("set", "vlan_vid", 0x1000 | 6), out_c(), ("pop_vlan",), out_c()])])],
        [(1, f)], [hit(F(vlans=((0x8100, 0, 5),))), hit(F(vlans=((0x8100, 0, 6),))), hit(f)]))
    add(Case("output then drop rest", [(0, 100, HIT, {}, [("apply", [
        ("set", "eth_dst", "00:00:00:00:00:99"), out_c()])])],
        [(1, f)], [hit(F(dst="00:00:00:00:00:99"))]))
    return cs


def pipeline_cases():
    cs = []
    F = frame
    add = cs.append
    f = F()
    v4 = {"eth_type": 0x0800}
    # Action set order (5.10): copy_ttl_in, pop, push_mpls, push_pbb,
    # push_vlan, copy_ttl_out, dec_ttl, set, qos, group, output.
    add(Case("write_actions output", [(0, 100, HIT, {}, [("write", [out_c()])])],
             [(1, f)], [hit(f, cookie=NO_COOKIE)]))
    add(Case("write_actions set before output", [(0, 100, HIT, v4, [
        ("write", [out_c(), ("set", "ipv4_dst", "9.9.9.9")])])],
        [(1, f)], [hit(F(ip_dst="9.9.9.9"), cookie=NO_COOKIE)]))
    add(Case("write_actions push_vlan before set", [(0, 100, HIT, v4, [
        ("write", [("set", "vlan_vid", 0x1000 | 9), ("push_vlan", 0x8100), out_c()])])],
        [(1, f)], [hit(F(vlans=((0x8100, 0, 9),)), cookie=NO_COOKIE)]))
    add(Case("write_actions dec_ttl before set_nw_ttl is a set", [(0, 100, HIT, v4, [
        ("write", [("set_nw_ttl", 9), ("dec_nw_ttl",), out_c()])])],
        [(1, f)], [hit(F(ttl=9), cookie=NO_COOKIE)]))
    add(Case("write_actions pop_vlan before push_mpls", [(0, 100, HIT, v4, [
        ("write", [("push_mpls", 0x8847), ("pop_vlan",), out_c()])])],
        [(1, F(vlans=((0x8100, 0, 5),), ttl=40))],
        [hit(F(mpls=((0, 0, 40),), ttl=40), cookie=NO_COOKIE)]))
    add(Case("write_actions copy_ttl_in before pop_mpls", [(0, 100, HIT, {"eth_type": 0x8847}, [
        ("write", [("pop_mpls", 0x0800), ("copy_ttl_in",), out_c()])])],
        [(1, F(mpls=((5, 0, 7),), ttl=40))], [hit(F(ttl=7), cookie=NO_COOKIE)]))
    add(Case("write_actions push_mpls before copy_ttl_out", [(0, 100, HIT, v4, [
        ("write", [("copy_ttl_out",), ("set_mpls_ttl", 3), ("push_mpls", 0x8847), out_c()])])],
        [(1, F(ttl=40))], [hit(F(mpls=((0, 0, 3),), ttl=40), cookie=NO_COOKIE)]))
    add(Case("write_actions replace same type", [
        (0, 100, HIT, v4, [("write", [("set", "ipv4_dst", "1.1.1.1"), out_c()]), ("goto", 1)]),
        (1, 100, HIT, v4, [("write", [("set", "ipv4_dst", "2.2.2.2")])])],
        [(1, f)], [hit(F(ip_dst="2.2.2.2"), table=1, cookie=NO_COOKIE)]))
    add(Case("write_actions two set fields", [(0, 100, HIT, v4, [
        ("write", [("set", "ipv4_dst", "1.1.1.1"), ("set", "ipv4_src", "2.2.2.2"), out_c()])])],
        [(1, f)], [hit(F(ip_dst="1.1.1.1", ip_src="2.2.2.2"), cookie=NO_COOKIE)]))
    add(Case("apply then write", [(0, 100, HIT, v4, [
        ("apply", [("set", "ipv4_dst", "1.1.1.1")]), ("write", [out_c()])])],
        [(1, f)], [hit(F(ip_dst="1.1.1.1"), cookie=NO_COOKIE)]))
    add(Case("clear_actions", [
        (0, 100, HIT, {}, [("write", [out_c()]), ("goto", 1)]),
        (1, 100, HIT, {}, [("clear",)])], [(1, f)], []))
    add(Case("clear_actions then write", [
        (0, 100, HIT, {}, [("write", [out_c(), ("set", "eth_dst", "00:00:00:00:00:99")]),
                           ("goto", 1)]),
        (1, 100, HIT, {}, [("clear",), ("write", [out_c()])])],
        [(1, f)], [hit(f, table=1, cookie=NO_COOKIE)]))
    add(Case("action set not run on miss", [
        (0, 100, HIT, {}, [("write", [out_c()]), ("goto", 1)]),
        (1, 100, HIT, {"eth_type": 0x86dd}, [("apply", [out_c()])])], [(1, f)], [],
        miss=False))
    # goto_table
    add(Case("goto_table chain", [
        (0, 100, 1, {}, [("goto", 1)]),
        (1, 100, 2, v4, [("apply", [("set", "ipv4_dst", "1.1.1.1")]), ("goto", 3)]),
        (3, 100, 3, {"eth_type": 0x0800, "ipv4_dst": "1.1.1.1"}, [("goto", 200)]),
        (200, 100, 4, {}, [("apply", [out_c()])])],
        [(1, f)], [hit(F(ip_dst="1.1.1.1"), table=200, cookie=4)]))
    add(Case("goto_table miss in later table", [
        (0, 100, 1, {}, [("goto", 5)]),
        (5, 0, 9, {}, [("apply", [out_c()])])],
        [(1, f)], [(R_NO_MATCH, 5, 9, f)], miss=False))
    add(Case("goto_table metadata write masked", [
        (0, 100, 1, {}, [("meta", 0xf0f0, 0xff00), ("goto", 1)]),
        (1, 100, 2, {}, [("meta", 0x000f, 0x00ff), ("goto", 2)]),
        (2, 100, HIT, {"metadata": 0xf00f}, [("apply", [out_c()])])],
        [(1, f)], [hit(f, table=2)]))
    add(Case("table-miss none drops", [(0, 100, HIT, {"eth_type": 0x86dd},
                                        [("apply", [out_c()])])],
             [(1, f)], [], miss=False))
    add(Case("table-miss rule", [(0, 0, 0x77, {}, [("apply", [out_c()])])],
             [(1, f)], [(R_NO_MATCH, 0, 0x77, f)], miss=False))
    add(Case("table-miss rule drop", [(0, 0, 0x77, {}, [])], [(1, f)], [], miss=False))
    add(Case("empty instructions drop", [(0, 100, HIT, {}, [])], [(1, f)], []))
    add(Case("controller max_len", [(0, 100, HIT, {}, [("apply", [("out", C, 20)])])],
             [(1, f)], [hit(f[:20])]))
    # groups
    g_all = (1, "all", [(0, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:01"), out_c()]),
                        (0, 0xffffffff, [("push_vlan", 0x8100), ("set", "vlan_vid", 0x1005),
                                         out_c()])])
    add(Case("group all two buckets", [(0, 100, HIT, {}, [("apply", [("group", 1)])])],
             [(1, f)], [hit(F(dst="00:00:00:00:00:01"), cookie=NO_COOKIE),
                        hit(F(vlans=((0x8100, 0, 5),)), cookie=NO_COOKIE)], groups=[g_all]))
    add(Case("group all buckets do not leak", [(0, 100, HIT, v4, [("apply", [
        ("group", 1), ("set", "ipv4_dst", "7.7.7.7"), out_c()])])],
        [(1, f)], [hit(F(dst="00:00:00:00:00:01"), cookie=NO_COOKIE),
                   hit(F(vlans=((0x8100, 0, 5),)), cookie=NO_COOKIE),
                   hit(F(ip_dst="7.7.7.7"))], groups=[g_all]))
    g_ind = (2, "indirect", [(0, 0xffffffff, [("dec_nw_ttl",), out_c()])])
    add(Case("group indirect", [(0, 100, HIT, v4, [("apply", [("group", 2)])])],
             [(1, f)], [hit(F(ttl=63), cookie=NO_COOKIE)], groups=[g_ind]))
    add(Case("group in write_actions", [(0, 100, HIT, v4, [("write", [("group", 2),
                                                                      ("set", "ipv4_src", "3.3.3.3")])])],
             [(1, f)], [hit(F(ttl=63, ip_src="3.3.3.3"), cookie=NO_COOKIE)], groups=[g_ind]))
    add(Case("group chained", [(0, 100, HIT, v4, [("apply", [("group", 3)])])],
             [(1, f)], [hit(F(ttl=63, dscp=8), cookie=NO_COOKIE)],
             groups=[g_ind, (3, "indirect", [(0, 0xffffffff, [("set", "ip_dscp", 8),
                                                               ("group", 2)])])]))
    sel = (4, "select", [(1, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:01"), out_c()]),
                         (1, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:02"), out_c()]),
                         (1, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:03"), out_c()])])

    def same_bucket(pins):
        ds = set(p[3] for p in pins)
        if len(pins) != 3 or len(ds) != 1:
            return "expected 3 packet-ins from one bucket, got %d (%d distinct)" % (len(pins), len(ds))
        d = pins[0][3]
        if d[6:] != f[6:] or d[:6] not in (mac("00:00:00:00:00:0%d" % i) for i in (1, 2, 3)):
            return "not a bucket's frame"
        return None
    add(Case("group select same flow same bucket", [(0, 100, HIT, {}, [("apply", [("group", 4)])])],
             [(1, f), (1, f), (1, f)], same_bucket, groups=[sel]))

    def spread(pins):
        got = set(p[3][:6] for p in pins)
        if len(pins) != 24:
            return "expected 24 packet-ins, got %d" % len(pins)
        if len(got) < 2:
            return "24 flows all went to one bucket"
        return None
    add(Case("group select flows spread", [(0, 100, HIT, {}, [("apply", [("group", 4)])])],
             [(1, F(sport=1000 + i)) for i in range(24)], spread, groups=[sel]))
    ff = lambda w1, w2: (5, "ff", [  # noqa: E731
        (0, w1, [("set", "eth_dst", "00:00:00:00:00:01"), out_c()]),
        (0, w2, [("set", "eth_dst", "00:00:00:00:00:02"), out_c()])])
    add(Case("group ff first live", [(0, 100, HIT, {}, [("apply", [("group", 5)])])],
             [(1, f)], [hit(F(dst="00:00:00:00:00:01"), cookie=NO_COOKIE)], groups=[ff(1, 2)]))
    add(Case("group ff first down", [(0, 100, HIT, {}, [("apply", [("group", 5)])])],
             [(1, f)], [hit(F(dst="00:00:00:00:00:02"), cookie=NO_COOKIE)], groups=[ff(99, 2)]))
    add(Case("group ff all down", [(0, 100, HIT, {}, [("apply", [("group", 5)])])],
             [(1, f)], [], groups=[ff(99, 98)]))
    return cs


def stats_cases():
    cs = []
    f = frame()

    def flow_stats(cl):
        p = cl.parser
        cl.send(p.OFPFlowStatsRequest(cl.dp, table_id=0xff))
        rows = []
        while True:
            m = cl.recv_type(p.OFPFlowStatsReply)
            rows += m.body
            if not (m.flags & 1):
                break
        return rows

    def want_flow_packets(n):
        def chk(cl, mult, _):
            n_all = n * mult
            for _ in range(30):
                rows = [r for r in flow_stats(cl) if r.cookie == HIT]
                if rows and (rows[0].packet_count, rows[0].byte_count) == (n_all,
                                                                          n_all * len(f)):
                    return None
                time.sleep(0.1)
            return "flow stats: %s, want packet_count %d, byte_count %d" % (
                [(r.cookie, r.packet_count, r.byte_count) for r in rows], n_all,
                n_all * len(f))
        return chk
    add = cs.append
    add(Case("flow stats n_packets", [(0, 100, HIT, {}, [("apply", [out_c()])])],
             [(1, f)] * 5, [hit(f)] * 5, check=want_flow_packets(5)))

    def want_meter(n):
        def chk(cl, mult, _):
            p = cl.parser
            n_all = n * mult
            for _ in range(30):
                cl.send(p.OFPMeterStatsRequest(cl.dp, meter_id=1))
                m = cl.recv_type(p.OFPMeterStatsReply)
                st = [s for s in m.body if s.meter_id == 1]
                if st and st[0].packet_in_count == n_all:
                    return None
                time.sleep(0.1)
            return "meter stats: %s, want packet_in_count %d" % (
                [(s.meter_id, s.packet_in_count, s.byte_in_count) for s in st], n_all)
        return chk
    add(Case("meter forwards and counts", [(0, 100, HIT, {}, [("meter", 1), ("apply", [out_c()])])],
             [(1, f)] * 4, [hit(f)] * 4, meters=[(1, 10000000)], check=want_meter(4)))

    def want_groups(n, n_buckets):
        def chk(cl, mult, _):
            p = cl.parser
            n_all = n * mult
            for _ in range(30):
                cl.send(p.OFPGroupStatsRequest(cl.dp, group_id=cl.ofp.OFPG_ALL))
                m = cl.recv_type(p.OFPGroupStatsReply)
                st = [g for g in m.body if g.group_id == 1]
                got = st and (st[0].packet_count, [b.packet_count for b in st[0].bucket_stats])
                if got == (n_all, [n_all] * n_buckets):
                    return None
                time.sleep(0.1)
            return "group stats (packets, buckets' packets): %s, want %s" % (
                got, (n_all, [n_all] * n_buckets))
        return chk
    g2 = (1, "all", [(0, 0xffffffff, [out_c()]), (0, 0xffffffff, [out_c()])])
    add(Case("group stats", [(0, 100, HIT, {}, [("apply", [("group", 1)])])],
             [(1, f)] * 3, [hit(f, cookie=NO_COOKIE)] * 6, groups=[g2],
             check=want_groups(3, 2), per_frame=[2, 2, 2]))

    def table_counts(cl):
        p = cl.parser
        cl.send(p.OFPTableStatsRequest(cl.dp, 0))
        m = cl.recv_type(p.OFPTableStatsReply)
        t = [t for t in m.body if t.table_id == 0][0]
        return (t.lookup_count, t.matched_count)

    def want_table(lookups, matches):
        def chk(cl, mult, before):
            want = (lookups * mult, matches * mult)
            for _ in range(30):
                now = table_counts(cl)
                got = (now[0] - before[0], now[1] - before[1])
                if got == want:
                    return None
                time.sleep(0.1)
            return "table 0 (lookups, matches) went up by %s, want %s" % (got, want)
        return chk
    # The frame that matches nothing is dropped (no table-miss rule):
    # a lookup without a match.
    add(Case("table stats", [(0, 100, HIT, {"eth_type": 0x0800, "ip_proto": 17},
                              [("apply", [out_c()])])],
             [(1, f), (1, frame(l4="tcp")), (1, f)], [hit(f), hit(f)], miss=False,
             pre=table_counts, check=want_table(3, 2), per_frame=[1, 0, 1]))

    def ttl_to_controller(cl):
        # OFPC_INVALID_TTL_TO_CONTROLLER (1 << 2, of OpenFlow 1.1 and 1.2;
        # kept by switches for 1.3, os-ken's 1.3 module lacks the name).
        cl.send(cl.parser.OFPSetConfig(cl.dp, 1 << 2, 0xffff))
        # The default asynchronous configuration leaves OFPR_INVALID_TTL
        # packet-ins out.
        cl.send(cl.parser.OFPSetAsync(cl.dp, [0x7, 0x7], [0x7, 0x7], [0xf, 0xf]))
        cl.barrier()
    for fam, et, kw in (("ipv4", 0x0800, {}), ("ipv6", 0x86dd, {"l3": "ipv6"})):
        f1 = frame(ttl=1, **kw)
        add(Case("dec_nw_ttl %s expired to controller" % fam,
                 [(0, 100, HIT, {"eth_type": et}, [("apply", [("dec_nw_ttl",), ("out", 3)])])],
                 [(1, f1)], [hit(f1, reason=R_INVALID_TTL)], miss=False, pre=ttl_to_controller))
    m1 = frame(mpls=((5, 0, 1),))
    add(Case("dec_mpls_ttl expired to controller",
             [(0, 100, HIT, {"eth_type": 0x8847}, [("apply", [("dec_mpls_ttl",), ("out", 3)])])],
             [(1, m1)], [hit(m1, reason=R_INVALID_TTL)], miss=False, pre=ttl_to_controller))
    return cs


def error_cases():
    """Flow mods the switch must refuse (OFPET_BAD_MATCH = 4, BAD_PREREQ =
    9; OFPET_BAD_ACTION = 2, MATCH_INCONSISTENT = 10)."""
    cs = []
    f = frame()

    def ec(name, match, actions, err):
        cs.append(Case(name, [(0, 100, HIT, match, [("apply", actions + [out_c()])])],
                       [], [], miss=False, error=err))
    ec("refused in_phy_port without in_port", {"in_phy_port": 1}, [], (4, 9))
    ec("refused ipv4_src without eth_type", {"ipv4_src": IP_A}, [], (4, 9))
    ec("refused tcp_dst without ip_proto", {"eth_type": 0x0800, "tcp_dst": 80}, [], (4, 9))
    ec("refused udp_dst with ip_proto tcp", {"eth_type": 0x0800, "ip_proto": 6,
                                            "udp_dst": 80}, [], (4, 9))
    ec("refused vlan_pcp without vlan_vid", {"vlan_pcp": 3}, [], (4, 9))
    ec("refused arp_op on ipv4", {"eth_type": 0x0800, "arp_op": 1}, [], (4, 9))
    ec("refused icmpv6_type without ip_proto", {"eth_type": 0x86dd, "icmpv6_type": 128},
       [], (4, 9))
    ec("refused nd_target without icmpv6_type", {"eth_type": 0x86dd, "ip_proto": 58,
                                                 "ipv6_nd_target": "::1"}, [], (4, 9))
    ec("refused mpls_label on ipv4", {"eth_type": 0x0800, "mpls_label": 3}, [], (4, 9))
    ec("refused pbb_isid on ipv4", {"eth_type": 0x0800, "pbb_isid": 3}, [], (4, 9))
    ec("refused set_field ipv4_dst without ip", {}, [("set", "ipv4_dst", IP_B)], (2, 10))
    ec("refused set_field tcp_dst on udp", {"eth_type": 0x0800, "ip_proto": 17},
       [("set", "tcp_dst", 1)], (2, 10))
    del f
    return cs


def output_cases():
    """Outputs to ports, seen on ofport 2 (out modes only)."""
    cs = []
    add = cs.append
    f = frame()
    v4 = {"eth_type": 0x0800}

    def oc(name, flows, frames, want, **kw):
        add(Case(name, flows, frames, want, miss=False, out_only=True, **kw))
    def tx_packets(cl):
        p = cl.parser
        cl.send(p.OFPPortStatsRequest(cl.dp, 0, 2))
        m = cl.recv_type(p.OFPPortStatsReply)
        return [(s.tx_packets, s.tx_bytes) for s in m.body if s.port_no == 2][0]

    def want_tx(n, nbytes):
        def chk(cl, mult, before):
            # (The marker frame leaves port 2 too.)
            want = (n * mult + 1, nbytes * mult + len(MARKER))
            for _ in range(30):
                now = tx_packets(cl)
                got = (now[0] - before[0], now[1] - before[1])
                if got == want:
                    return None
                time.sleep(0.1)
            return "port 2 (tx_packets, tx_bytes) went up by %s, want %s" % (got, want)
        return chk
    oc("output port", [(0, 100, HIT, {}, [("apply", [("out", 2)])])], [(1, f)], [f],
       pre=tx_packets, check=want_tx(1, len(f)))
    oc("output all", [(0, 100, HIT, {}, [("apply", [("out", 0xfffffffc)])])], [(1, f)], [f])
    oc("output flood", [(0, 100, HIT, {}, [("apply", [("out", 0xfffffffb)])])], [(1, f)], [f])
    oc("output to in_port is dropped", [(0, 100, HIT, {}, [("apply", [("out", 2)])])],
       [(2, f)], [], port=False)
    oc("output in_port", [(0, 100, HIT, {}, [("apply", [("out", 0xfffffff8)])])],
       [(2, f)], [f], port=False)
    oc("output twice with rewrite", [(0, 100, HIT, v4, [("apply", [
        ("out", 2), ("set", "ipv4_src", "1.2.3.4"), ("push_vlan", 0x8100),
        ("set", "vlan_vid", 0x1000 | 12), ("out", 2)])])],
       [(1, f)], [f, frame(ip_src="1.2.3.4", vlans=((0x8100, 0, 12),))])
    oc("output and packet-in copies independent", [(0, 100, HIT, v4, [("apply", [
        out_c(), ("set", "eth_dst", "00:00:00:00:00:99"), ("out", 2)])])],
       [(1, f)], [frame(dst="00:00:00:00:00:99")])
    oc("write_actions output port", [(0, 100, HIT, v4, [
        ("write", [("out", 2), ("set", "ip_dscp", 12)])])],
       [(1, f)], [frame(dscp=12)])
    oc("group all to port twice", [(0, 100, HIT, {}, [("apply", [("group", 1)])])],
       [(1, f)], [frame(dst="00:00:00:00:00:01"), frame(dst="00:00:00:00:00:02")],
       groups=[(1, "all", [(0, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:01"), ("out", 2)]),
                           (0, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:02"), ("out", 2)])])])
    oc("group ff watch_group", [(0, 100, HIT, {}, [("apply", [("group", 2)])])],
       [(1, f)], [frame(dst="00:00:00:00:00:02")],
       groups=[(1, "ff", [(0, 99, [("out", 2)])]),
               (2, "ff", [(0, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:01"), ("out", 2)], 1),
                          (0, 2, [("set", "eth_dst", "00:00:00:00:00:02"), ("out", 2)])])],
       port=False)
    return cs


def rewrite_cases():
    """Rewrites whose checksum or header bookkeeping reaches past the
    field: SCTP ports (CRC32c), the IPv6 next header (the L4 pseudo
    header), ICMPv4 after pop_mpls, each plain, tagged, after pop_mpls and
    after pop_pbb."""
    cs = []
    F = frame
    add = cs.append
    # Where the frame comes from: (name, frame kwargs, actions before the
    # rewrite, match, kwargs of the frame that leaves).
    outer = (
        ("", {}, [], {}, {}),
        (" vlan", dict(vlans=((0x8100, 0, 5),)), [], {},
         dict(vlans=((0x8100, 0, 5),))),
        (" after pop_mpls", dict(mpls=((100, 0, 20),)), ["pop_mpls"], {"eth_type": 0x8847}, {}),
        (" after pop_pbb", dict(isid=0x123456), [("pop_pbb",)], {"eth_type": 0x88e7},
         dict(dst=MAC_A, src=MAC_B)))

    def flows(fam, kw, pre, m, l4_match, acts):
        """The rules: the rewrite in table 0, or after a pop there and
        goto_table:1 (as a controller must: a set_field needs a match that
        establishes its protocol), in table 1."""
        et = 0x0800 if fam == "ipv4" else 0x86dd
        match = dict({"eth_type": et}, **l4_match)
        if not pre:
            return [(0, 100, HIT, match, [("apply", acts + [out_c()])])], 0
        if pre == ["pop_mpls"]:
            pre = [("pop_mpls", et)]
        return [(0, 10, 7, m, [("apply", pre), ("goto", 1)]),
                (1, 100, HIT, match, [("apply", acts + [out_c()])])], 1

    def fam_kw(fam, kw):
        if "mpls" in kw:
            return {"mpls_inner": fam}
        return {} if fam == "ipv4" else {"l3": "ipv6"}
    for fam in ("ipv4", "ipv6"):
        plain6 = {} if fam == "ipv4" else {"l3": "ipv6"}
        for oname, kw, pre, m, after_kw in outer:
            for fld in ("src", "dst"):
                port_kw = "sport" if fld == "src" else "dport"
                fl, table = flows(fam, kw, pre, m, {"ip_proto": 132},
                                  [("set", "sctp_" + fld, 4321)])
                before = F(l4="sctp", **dict(kw, **fam_kw(fam, kw)))
                after = F(l4="sctp", **dict(after_kw, **{port_kw: 4321}, **plain6))
                add(Case("rewrite %s sctp_%s%s" % (fam, fld, oname), fl,
                         [(1, before)], [hit(after, table=table)], miss=not pre))
            # The IPv6 next header / IPv4 protocol of a TCP segment: the
            # TCP checksum follows the pseudo header's protocol.
            fl, table = flows(fam, kw, pre, m, {}, [("set", "ip_proto", 17)])
            before = F(l4="tcp", **dict(kw, **fam_kw(fam, kw)))
            after = F(l4="tcp", proto=17, **dict(after_kw, **plain6))
            add(Case("rewrite %s ip_proto tcp to 17%s" % (fam, oname), fl,
                     [(1, before)], [hit(after, table=table)], miss=not pre))
    ext = dict(l3="ipv6", l4="tcp", exthdrs=(0, 60))
    add(Case("rewrite ipv6 ip_proto tcp to 17 behind extension headers", [
        (0, 100, HIT, {"eth_type": 0x86dd}, [("apply", [("set", "ip_proto", 17), out_c()])])],
        [(1, F(**ext))], [hit(F(proto=17, **ext))]))
    # OVS keeps a wrong SCTP checksum wrong by the same bits (it folds the
    # change in rather than recomputing): a switch must not make a
    # corrupt packet look good.
    for fam, kw in (("ipv4", {}), ("ipv6", {"l3": "ipv6"})):
        et = 0x0800 if fam == "ipv4" else 0x86dd
        add(Case("rewrite %s sctp_dst wrong checksum stays wrong" % fam, [
            (0, 100, HIT, {"eth_type": et, "ip_proto": 132},
             [("apply", [("set", "sctp_dst", 7), out_c()])])],
            [(1, F(l4="sctp", sctp_err=0x5a5a0001, **kw))],
            [hit(F(l4="sctp", sctp_err=0x5a5a0001, dport=7, **kw))]))
    # ICMPv4 behind MPLS: pop, then match and rewrite type / code in a
    # later table.
    mp = F(mpls=((100, 0, 20),), l4="icmp")
    first = (0, 10, 7, {"eth_type": 0x8847}, [("apply", [("pop_mpls", 0x0800)]), ("goto", 1)])
    ic = {"eth_type": 0x0800, "ip_proto": 1}
    add(Case("pop_mpls then match icmpv4_type", [
        first, (1, 100, HIT, dict(ic, icmpv4_type=8), [("apply", [out_c()])])],
        [(1, mp)], [hit(F(l4="icmp"), table=1)], miss=False))
    add(Case("pop_mpls then match icmpv4_code", [
        first, (1, 100, HIT, dict(ic, icmpv4_code=0), [("apply", [out_c()])])],
        [(1, mp)], [hit(F(l4="icmp"), table=1)], miss=False))
    add(Case("pop_mpls then set icmpv4_type", [
        first, (1, 100, HIT, dict(ic, icmpv4_type=8),
                [("apply", [("set", "icmpv4_type", 0), out_c()])])],
        [(1, mp)], [hit(F(l4="icmp", icmp_type=0), table=1)], miss=False))
    add(Case("pop_mpls then set icmpv4_code", [
        first, (1, 100, HIT, dict(ic, icmpv4_type=8),
                [("apply", [("set", "icmpv4_code", 5), out_c()])])],
        [(1, mp)], [hit(F(l4="icmp", icmp_code=5), table=1)], miss=False))
    return cs


def meter_band_cases():
    """Meter bands by kind, counted: a 1 packet/s band with the default
    burst passes two back-to-back frames and no more (the frames take far
    less than a second); a drop band drops the rest, a DSCP remark band
    lets them through remarked. Both bands count the same frames."""
    cs = []
    F = frame
    inst = [("meter", 1), ("apply", [out_c()])]
    frames = [F(dscp=24), F(dscp=24), F(dscp=24), F(dscp=10), F(dscp=24, l3="ipv6"),
              F(dscp=46), F(dscp=8), F(dscp=14)]
    # prec_level 1 adds one drop precedence: AF11 (10) becomes AF12 (12),
    # AF13 stays (no higher one); a class selector drops one class:
    # CS3 (24) becomes CS2 (16), CS1 (8) CS0; EF (46) has neither.
    remarked = [F(dscp=24), F(dscp=24), F(dscp=16), F(dscp=12), F(dscp=16, l3="ipv6"),
                F(dscp=46), F(dscp=0), F(dscp=14)]

    def band_counts(n_band):
        def chk(cl, mult, _):
            p = cl.parser
            cl.send(p.OFPMeterStatsRequest(cl.dp, meter_id=1))
            m = cl.recv_type(p.OFPMeterStatsReply)
            st = [s for s in m.body if s.meter_id == 1]
            got = st and (st[0].packet_in_count, [b.packet_band_count for b in st[0].band_stats])
            want = (len(frames), [n_band])
            return None if got == want else "meter stats %s, want %s" % (got, want)
        return chk
    cs.append(Case("meter drop band 1 pktps", [(0, 100, HIT, {}, inst)],
                   [(1, f) for f in frames], [hit(f) for f in frames[:2]],
                   meters=[(1, 1, "drop")], port=False, check=band_counts(len(frames) - 2)))
    cs.append(Case("meter dscp_remark band 1 pktps", [(0, 100, HIT, {}, inst)],
                   [(1, f) for f in frames], [hit(f) for f in remarked],
                   meters=[(1, 1, "remark", 1)], port=False,
                   check=band_counts(len(frames) - 2)))
    cs.append(Case("meter dscp_remark band prec 2", [(0, 100, HIT, {}, inst)],
                   [(1, f) for f in frames[:4]],
                   [hit(F(dscp=24)), hit(F(dscp=24)), hit(F(dscp=8)), hit(F(dscp=14))],
                   meters=[(1, 1, "remark", 2)], port=False))
    return cs


def select_spread_cases():
    """A select group spreads flows that differ only in the fields that
    vary (MACs, IPv4 / IPv6 / ARP addresses, ports) by bucket weight,
    and loses none. Fixed inputs: the counts are deterministic; the bounds
    are 4 standard deviations of a fair split."""
    import random
    cs = []
    F = frame
    rnd = random.Random(14)

    def rmac():
        return "02:" + ":".join("%02x" % rnd.randrange(256) for _ in range(5))

    def rip4():
        return ".".join(str(rnd.randrange(1, 255)) for _ in range(4))

    def rip6():
        return "2001:db8:%x::%x" % (rnd.randrange(65536), rnd.randrange(1, 65536))
    n = 160
    kinds = {
        "macs": lambda: F(src=rmac(), dst=rmac()),
        "ipv4 and ports": lambda: F(l4="tcp", ip_src=rip4(), ip_dst=rip4(),
                                    sport=rnd.randrange(1, 65536), dport=rnd.randrange(1, 65536)),
        "ipv6 and ports": lambda: F(l3="ipv6", l4="tcp", ip6_src=rip6(), ip6_dst=rip6(),
                                    sport=rnd.randrange(1, 65536), dport=rnd.randrange(1, 65536)),
        "arp addresses": lambda: F(l3="arp", arp_spa=rip4(), arp_tpa=rip4()),
        "udp ports": lambda: F(sport=rnd.randrange(1, 65536), dport=rnd.randrange(1, 65536)),
    }

    def bucket(mac_last, w):
        return (w, 0xffffffff, [("set", "eth_dst", "00:00:00:00:00:%02x" % mac_last), out_c()])
    for kname, gen in kinds.items():
        for w1, w2 in ((1, 1), (1, 3)):
            frames = [gen() for _ in range(n)]

            def spread(pins, w1=w1, w2=w2):
                if len(pins) != n:
                    return "%d packet-ins of %d frames" % (len(pins), n)
                a = sum(1 for p in pins if p[3][:6] == mac("00:00:00:00:00:01"))
                b = sum(1 for p in pins if p[3][:6] == mac("00:00:00:00:00:02"))
                mean = n * w1 / (w1 + w2)
                sd = (n * w1 * w2) ** 0.5 / (w1 + w2)
                if a + b != n or abs(a - mean) > 4 * sd:
                    return "buckets got %d and %d of %d, want about %.0f and %.0f" % (
                        a, b, n, mean, n - mean)
                return None
            cs.append(Case("group select spread %s %d:%d" % (kname, w1, w2),
                           [(0, 100, HIT, {}, [("apply", [("group", 4)])])],
                           [(1, f) for f in frames], spread,
                           groups=[(4, "select", [bucket(1, w1), bucket(2, w2)])]))
    return cs


def osken_frame(*layers):
    """A frame serialized by os-ken's packet library (the builder external
    suites use), padded to 60 bytes."""
    from os_ken.lib.packet import packet
    pk = packet.Packet()
    for layer in layers:
        pk.add_protocol(layer)
    pk.serialize()
    d = bytes(pk.data)
    return d + bytes(max(0, 60 - len(d)))


def osken_cases():
    """The ICMPv4 behind MPLS / PBB cases with frames as os-ken builds
    them (MPLS TC and TTL, ToS, an echo body; os-ken pads a frame to 60
    bytes, as a wire would). Two echo bodies: 48 bytes, and the 8 bytes
    of today's suites, whose MPLS frame is 54 bytes and 6 of pad: after
    the pop 50 bytes, which must leave padded to 60 again."""
    from os_ken.lib.packet import ethernet, icmp, ipv4, mpls, pbb
    cs = []
    eth = lambda et: ethernet.ethernet(dst="22:22:22:22:22:22",  # noqa: E731
                                       src="12:11:11:11:11:11", ethertype=et)
    ip = lambda: ipv4.ipv4(tos=32, proto=1, src="192.168.10.10",  # noqa: E731
                           dst="192.168.20.20", ttl=64)
    outers = (
        ("mpls", lambda: [eth(0x8847), mpls.mpls(bsb=1, label=100, exp=3, ttl=64)],
         ("pop_mpls", 0x0800), 0x8847),
        ("pbb", lambda: [eth(0x88e7), pbb.itag(sid=100), eth(0x0800)], ("pop_pbb",), 0x88e7))
    for bname, body in (("", b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"),
                        (" short", bytes.fromhex("0123456789abcdef"))):
        ic = lambda t, c=0: icmp.icmp(type_=t, code=c, csum=0,  # noqa: E731
                                      data=icmp.echo(data=body))
        for oname, outer, pop, et in outers:
            before = osken_frame(*(outer() + [ip(), ic(8)]))
            first = (0, 10, 7, {"eth_type": et}, [("apply", [pop]), ("goto", 1)])
            m1 = {"eth_type": 0x0800, "ip_proto": 1, "icmpv4_type": 8}
            for what, acts, after in (
                    ("match icmpv4_type", [], osken_frame(eth(0x0800), ip(), ic(8))),
                    ("set icmpv4_type", [("set", "icmpv4_type", 0)],
                     osken_frame(eth(0x0800), ip(), ic(0))),
                    ("set icmpv4_code", [("set", "icmpv4_code", 3)],
                     osken_frame(eth(0x0800), ip(), ic(8, 3)))):
                cs.append(Case("os-ken%s frame %s then %s" % (bname, pop[0], what), [
                    first, (1, 100, HIT, m1, [("apply", acts + [out_c()])])],
                    [(1, before)], [hit(after, table=1)], miss=False))
            if bname:
                continue
            # An ICMP error that the table-1 rule does not match: a
            # table-miss packet-in from table 1 with the popped frame.
            unreach = icmp.icmp(type_=3, code=1, csum=0, data=icmp.dest_unreach(
                data=bytes(range(0xd0, 0xf4))))
            before = osken_frame(*(outer() + [ip(), unreach]))
            popped = osken_frame(eth(0x0800), ip(), icmp.icmp(
                type_=3, code=1, csum=0,
                data=icmp.dest_unreach(data=bytes(range(0xd0, 0xf4)))))
            cs.append(Case("os-ken frame %s then icmpv4_code table-miss" % pop[0], [
                first, (1, 100, HIT, dict(m1, icmpv4_code=0), [("apply", [out_c()])]),
                (1, 0, MISS, {}, [("apply", [out_c()])])],
                [(1, before)], [(R_NO_MATCH, 1, MISS, popped)], miss=False))
    return cs


def all_cases():
    return (match_cases() + set_cases() + action_cases() + pipeline_cases() + stats_cases()
            + output_cases() + error_cases() + rewrite_cases() + meter_band_cases()
            + select_spread_cases() + osken_cases())


# ---- driving the switch --------------------------------------------------

MARKER = mac("ff:ff:ff:ff:ff:ff") + mac("02:00:00:00:00:ee") + b"\x88\xb5" + b"marker" + bytes(40)


class Runner:
    def __init__(self, cl):
        self.cl = cl
        self.p, self.ofp = cl.parser, cl.ofp
        self.marker_n = 0

    def action(self, a):
        p, ofp = self.p, self.ofp
        k = a[0]
        if k == "out":
            port = ofp.OFPP_CONTROLLER if a[1] == C else a[1]
            return p.OFPActionOutput(port, a[2] if len(a) > 2 else 0xffff)
        if k == "set":
            return p.OFPActionSetField(**{a[1]: a[2]})
        if k == "push_vlan":
            return p.OFPActionPushVlan(a[1])
        if k == "pop_vlan":
            return p.OFPActionPopVlan()
        if k == "push_mpls":
            return p.OFPActionPushMpls(a[1])
        if k == "pop_mpls":
            return p.OFPActionPopMpls(a[1])
        if k == "push_pbb":
            return p.OFPActionPushPbb(a[1])
        if k == "pop_pbb":
            return p.OFPActionPopPbb()
        if k == "set_mpls_ttl":
            return p.OFPActionSetMplsTtl(a[1])
        if k == "dec_mpls_ttl":
            return p.OFPActionDecMplsTtl()
        if k == "set_nw_ttl":
            return p.OFPActionSetNwTtl(a[1])
        if k == "dec_nw_ttl":
            return p.OFPActionDecNwTtl()
        if k == "copy_ttl_out":
            return p.OFPActionCopyTtlOut()
        if k == "copy_ttl_in":
            return p.OFPActionCopyTtlIn()
        if k == "group":
            return p.OFPActionGroup(a[1])
        raise KeyError(k)

    def insts(self, ins):
        p, ofp = self.p, self.ofp
        out = []
        for i in ins:
            if i[0] == "apply":
                out.append(p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS,
                                                   [self.action(a) for a in i[1]]))
            elif i[0] == "write":
                out.append(p.OFPInstructionActions(ofp.OFPIT_WRITE_ACTIONS,
                                                   [self.action(a) for a in i[1]]))
            elif i[0] == "clear":
                out.append(p.OFPInstructionActions(ofp.OFPIT_CLEAR_ACTIONS, []))
            elif i[0] == "goto":
                out.append(p.OFPInstructionGotoTable(i[1]))
            elif i[0] == "meta":
                out.append(p.OFPInstructionWriteMetadata(i[1], i[2]))
            elif i[0] == "meter":
                out.append(p.OFPInstructionMeter(i[1]))
        # Spec order of instructions: meter, apply, clear, write, meta, goto.
        order = {p.OFPInstructionMeter: 0, p.OFPInstructionGotoTable: 5,
                 p.OFPInstructionWriteMetadata: 4}
        return sorted(out, key=lambda x: order.get(type(x), {
            ofp.OFPIT_APPLY_ACTIONS: 1, ofp.OFPIT_CLEAR_ACTIONS: 2,
            ofp.OFPIT_WRITE_ACTIONS: 3}.get(getattr(x, "type", 0), 9)))

    def errors_until_barrier(self):
        """Sends a barrier; returns the OFPT_ERRORs that came before its reply."""
        p = self.p
        self.cl.send(p.OFPBarrierRequest(self.cl.dp))
        errs = []
        while True:
            m = self.cl.recv_type((p.OFPBarrierReply, p.OFPErrorMsg, p.OFPPacketIn))
            if isinstance(m, p.OFPBarrierReply):
                return errs
            if isinstance(m, p.OFPErrorMsg):
                errs.append("error type %d code %d" % (m.type, m.code))

    def clear(self):
        p, ofp, cl = self.p, self.ofp, self.cl
        # Back to the default configuration (a case may have changed it).
        cl.send(p.OFPSetConfig(cl.dp, 0, 0xffff))
        cl.send(p.OFPFlowMod(cl.dp, table_id=ofp.OFPTT_ALL, command=ofp.OFPFC_DELETE,
                             out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
                             match=p.OFPMatch()))
        cl.send(p.OFPGroupMod(cl.dp, command=ofp.OFPGC_DELETE, group_id=ofp.OFPG_ALL))
        cl.send(p.OFPMeterMod(cl.dp, command=ofp.OFPMC_DELETE, meter_id=ofp.OFPM_ALL))

    def install(self, case):
        """Empties the switch and installs the case (one barrier for
        both: the switch handles the messages in order)."""
        p, ofp, cl = self.p, self.ofp, self.cl
        self.clear()
        # A meter: (id, rate in packets/s[, "drop" | "remark"[, prec_level]]).
        for m in case.meters:
            mid, rate = m[0], m[1]
            if len(m) > 2 and m[2] == "remark":
                band = p.OFPMeterBandDscpRemark(rate=rate, burst_size=0, prec_level=m[3])
            else:
                band = p.OFPMeterBandDrop(rate=rate, burst_size=0)
            cl.send(p.OFPMeterMod(cl.dp, command=ofp.OFPMC_ADD, flags=ofp.OFPMF_PKTPS,
                                  meter_id=mid, bands=[band]))
        types = {"all": ofp.OFPGT_ALL, "select": ofp.OFPGT_SELECT,
                 "indirect": ofp.OFPGT_INDIRECT, "ff": ofp.OFPGT_FF}
        for gid, typ, buckets in case.groups:
            # A bucket: (weight, watch_port, actions[, watch_group]).
            bs = [p.OFPBucket(weight=b[0], watch_port=b[1],
                              watch_group=b[3] if len(b) > 3 else ofp.OFPG_ANY,
                              actions=[self.action(a) for a in b[2]])
                  for b in buckets]
            cl.send(p.OFPGroupMod(cl.dp, command=ofp.OFPGC_ADD, type_=types[typ],
                                  group_id=gid, buckets=bs))
        flows = list(case.flows)
        if case.miss:
            flows.append((0, 0, MISS, {}, [("apply", [out_c()])]))
        for table, prio, cookie, match, ins in flows:
            cl.send(p.OFPFlowMod(cl.dp, table_id=table, priority=prio, cookie=cookie,
                                 command=ofp.OFPFC_ADD, buffer_id=ofp.OFP_NO_BUFFER,
                                 match=p.OFPMatch(**match), instructions=self.insts(ins)))
        return self.errors_until_barrier()

    def packet_out(self, in_port, data, port):
        p, ofp, cl = self.p, self.ofp, self.cl
        cl.send(p.OFPPacketOut(cl.dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port,
                               actions=[p.OFPActionOutput(port, 0xffff)], data=data))

    def inject(self, frames):
        """The packet-ins the frames caused: [(reason, table, cookie, data)]."""
        for in_port, data in frames:
            self.packet_out(in_port, data, self.ofp.OFPP_TABLE)
        self.marker_n += 1
        marker = MARKER[:20] + struct.pack("!I", self.marker_n) + MARKER[24:]
        self.packet_out(self.ofp.OFPP_CONTROLLER, marker, self.ofp.OFPP_CONTROLLER)
        pins = []
        while True:
            m = self.cl.recv_type(self.p.OFPPacketIn, timeout=5)
            if bytes(m.data) == marker:
                return pins
            if bytes(m.data).startswith(MARKER[:20]):
                continue        # an older marker
            pins.append((m.reason, m.table_id, m.cookie, bytes(m.data)))


    def inject_port(self, v1, frames, per_frame, out=None):
        """Port mode: each frame sent into ofport 1 (net_af_packet on a
        veth) and its per_frame[i] results awaited: packet-ins, or with
        out (the veth of ofport 2) frames output there. Then a marker
        catches any extra one."""
        got = []
        for (_, data), n in zip(frames, per_frame):
            v1.sock.send(data)
            want = len(got) + n
            deadline = time.monotonic() + (3 if n else 0.3)
            while len(got) < want:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if out is not None:
                    fr = out.recv(left)
                    if fr is None:
                        break
                    got.append(fr)
                    continue
                try:
                    m = self.cl.recv_type(self.p.OFPPacketIn, timeout=left)
                except (TestFailure, OSError):     # a socket timeout
                    break
                got.append((m.reason, m.table_id, m.cookie, bytes(m.data)))
        if out is not None:
            return got + self.inject_out([], out)
        return got + self.inject([])

    def inject_out(self, frames, out):
        """Out mode: frames injected with packet-outs to TABLE, then a
        marker packet-out straight to ofport 2; the frames that came out
        of ofport 2 before the marker."""
        for in_port, data in frames:
            self.packet_out(in_port, data, self.ofp.OFPP_TABLE)
        self.marker_n += 1
        marker = MARKER[:20] + struct.pack("!I", self.marker_n) + MARKER[24:]
        self.packet_out(self.ofp.OFPP_CONTROLLER, marker, 2)
        got = []
        while True:
            fr = out.recv(5)
            if fr is None:
                raise TestFailure("the marker frame did not come out of ofport 2")
            if fr == marker:
                return got
            if fr.startswith(MARKER[:20]):
                continue
            got.append(fr)


def port_plan(c):
    """For port mode: (frames, expected, packet-ins per frame) sending the
    case's frames, then the same backwards, then again (the later rounds
    meet the megaflows the earlier ones installed); None when the case
    does not fit: frames not all from ofport 1, 802.1ad frames (the kernel
    strips the outer tag on its way into a packet socket and af_packet puts
    back a 0x8100 one), expectations not per frame."""
    if not c.port or callable(c.expect) or any(ip != 1 for ip, _ in c.frames):
        return None
    if any(f[12:14] == b"\x88\xa8" for _, f in c.frames):
        return None
    if c.per_frame:
        per, exp, k = c.per_frame, [], 0
        for n in per:
            exp.append(list(c.expect[k:k + n]))
            k += n
    elif len(c.frames) == 1:
        per = [len(c.expect)]
        exp = [list(c.expect)]
    elif len(c.expect) == len(c.frames):
        per = [1] * len(c.frames)
        exp = [[e] for e in c.expect]
    else:
        return None
    idx = list(range(len(c.frames)))
    order = idx + idx[::-1] + idx
    return ([c.frames[i] for i in order], [e for i in order for e in exp[i]],
            [per[i] for i in order], 3)


class Veth:
    """A veth pair in the root namespace: the daemon's af_packet port on
    end a, a packet socket of this test on end b."""

    def __init__(self, tag):
        self.a = "pswc%d%sa" % (os.getpid() % 100000, tag)
        self.b = "pswc%d%sb" % (os.getpid() % 100000, tag)

    def setup(self):
        import socket
        from harness import on_cleanup, sh
        sh("ip", "link", "del", self.a, check_rc=False)
        r = sh("ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b,
               check_rc=False)
        if r.returncode != 0:
            return None
        on_cleanup(lambda: sh("ip", "link", "del", self.a, check_rc=False))
        for i in (self.a, self.b):
            # No IPv6 autoconfiguration traffic on the wires.
            sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % i, check_rc=False)
            sh("ip", "link", "set", i, "up")
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        # The kernel takes the outer VLAN tag out of a received frame;
        # PACKET_AUXDATA hands it back so the frame is seen as sent.
        self.sock.setsockopt(263, 8, 1)        # SOL_PACKET, PACKET_AUXDATA
        self.sock.bind((self.b, 0))
        on_cleanup(self.sock.close)
        return self

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recvmsg(65535, 64)
        except OSError:
            pass
        self.sock.setblocking(True)

    def recv(self, timeout):
        """The next frame that arrived at end b, tag put back; None on
        timeout."""
        import socket
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                return None
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            for lvl, typ, v in anc:
                if lvl == 263 and typ == 8 and len(v) >= 20:
                    status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", v[:20])
                    if status & 0x10:          # TP_STATUS_VLAN_VALID
                        if not status & 0x40:  # TP_STATUS_VLAN_TPID_VALID
                            tpid = 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            return data


def out_variant(c):
    """The case with its packet-ins turned into frames output to ofport 2:
    every output:CONTROLLER becomes output:2 and the expected packet-ins
    their frames. None when the case needs packet-ins (the table-miss
    rule, max_len, a callable expectation)."""
    if c.out_only:
        return c
    if callable(c.expect) or any(e[2] == MISS or e[0] != R_ACTION for e in c.expect):
        return None

    def acts(al):
        out = []
        for a in al:
            if a[0] == "out" and a[1] == C:
                if len(a) > 2:
                    return None
                a = ("out", 2)
            out.append(a)
        return out

    flows = []
    for t, prio, cookie, m, ins in c.flows:
        new = []
        for i in ins:
            if i[0] in ("apply", "write"):
                al = acts(i[1])
                if al is None:
                    return None
                i = (i[0], al)
            new.append(i)
        flows.append((t, prio, cookie, m, new))
    groups = []
    for gid, typ, buckets in c.groups:
        bs = []
        for b in buckets:
            al = acts(b[2])
            if al is None:
                return None
            bs.append((b[0], b[1], al) + tuple(b[3:]))
        groups.append((gid, typ, bs))
    return Case(c.name, flows, c.frames, [e[3] for e in c.expect], groups=groups,
                meters=c.meters, check=c.check, miss=False, port=c.port, pre=c.pre,
                per_frame=c.per_frame)


def hexdiff(a, b):
    if a is None or b is None:
        return "%r vs %r" % (a, b)
    n = min(len(a), len(b))
    first = next((i for i in range(n) if a[i] != b[i]), n)
    return "len %d vs %d, first difference at byte %d: got %s want %s" % (
        len(a), len(b), first, a[first:first + 8].hex(), b[first:first + 8].hex())


def compare(got, want):
    if callable(want):
        return want(got)
    if all(isinstance(w, bytes) for w in want) and all(isinstance(g, bytes) for g in got):
        if len(got) != len(want):
            return "%d frames out of ofport 2, want %d: got %s" % (
                len(got), len(want), [g[:40].hex() for g in got])
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return "frame %d: %s" % (i + 1, hexdiff(g, w))
        return None
    if len(got) != len(want):
        return "%d packet-ins, want %d: got %s" % (
            len(got), len(want), [(r, t, "%#x" % c, d[:40].hex()) for r, t, c, d in got])
    for i, (g, w) in enumerate(zip(got, want)):
        what = []
        if g[0] != w[0]:
            what.append("reason %d want %d" % (g[0], w[0]))
        if g[1] != w[1]:
            what.append("table %d want %d" % (g[1], w[1]))
        if g[2] != w[2]:
            what.append("cookie %#x want %#x" % (g[2], w[2]))
        if g[3] != w[3]:
            what.append("data " + hexdiff(g[3], w[3]))
        if what:
            return "packet-in %d: %s" % (i + 1, "; ".join(what))
    return None


def main(build):
    import socket
    interop_lib.need_osken()
    tmp = tempdir("conformance")
    v1, v2 = Veth("1").setup(), Veth("2").setup()
    if v1 is None or v2 is None:
        info("no veth pairs here: port and out modes are skipped")
        v1 = v2 = None
    d = interop_lib.CtlDaemon(build, tmp, ports=[
        Port("p1", 1, ("net_af_packet0,iface=%s" % v1.a) if v1 else "net_null0,no-rx=1"),
        Port("p2", 2, ("net_af_packet1,iface=%s" % v2.a) if v2 else "net_null1,no-rx=1"),
        Port("p3", 3, "net_null2,no-rx=1"),
    ], extra_yaml="    packet-in-rate: 10000000\n    packet-in-burst: 10000").start()
    cl = interop_lib.OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=10))
    cl.handshake()
    r = Runner(cl)
    cases = all_cases()
    only = os.environ.get("CONFORMANCE_ONLY")
    if only:
        cases = [c for c in cases if only in c.name]
    names = [c.name for c in cases]
    dup = set(n for n in names if names.count(n) > 1)
    if dup:
        raise TestFailure("duplicate case names: %s" % sorted(dup))
    passed, failed, known, fixed = 0, [], [], []
    t0 = time.monotonic()
    # Modes: packet-out in, packet-ins out; port 1 in, packet-ins out;
    # packet-out in, port 2 out; port 1 in, port 2 out.
    runs = [(c.name, c, None, False) for c in cases if not c.out_only]
    cases = [c for c in cases if not c.error]
    if v1 is not None:
        runs += [("port: " + c.name, c, port_plan(c), False) for c in cases
                 if not c.out_only and port_plan(c)]
        outs = [o for o in (out_variant(c) for c in cases) if o is not None]
        runs += [("out: " + o.name, o, None, True) for o in outs]
        runs += [("port out: " + o.name, o, port_plan(o), True) for o in outs if port_plan(o)]
    for name, c, plan, out in runs:
        errs = r.install(c)
        if out:
            v2.drain()
        state = c.pre(cl) if c.pre and not errs else None
        if c.error:
            want = "error type %d code %d" % c.error
            why = None if errs == [want] else "got %s, want [%s]" % (errs, want)
        elif errs:
            why = "flow/group/meter mod refused: " + ", ".join(errs)
        elif plan is None:
            try:
                got = r.inject_out(c.frames, v2) if out else r.inject(c.frames)
            except OSError as e:            # the marker never came back
                print("FAIL: %s: %s" % (name, e))
                for cmd in ("pmd-stats-show", "show"):
                    print(d.ctl_raw(cmd, use_json=False).stdout)
                raise
            why = compare(got, c.expect)
            if why is None and c.check:
                why = c.check(cl, 1, state)
        else:
            frames, expect, per, mult = plan
            why = compare(r.inject_port(v1, frames, per, v2 if out else None), expect)
            if why is None and c.check:
                why = c.check(cl, mult, state)
        if why is None:
            if name in KNOWN_FAILURES:
                print("ok (known failure fixed, drop it from KNOWN_FAILURES): %s" % name)
                fixed.append(name)
            else:
                print("ok: %s" % name)
                passed += 1
        elif name in KNOWN_FAILURES:
            print("known failure: %s: %s (%s)" % (name, why, KNOWN_FAILURES[name]))
            known.append(name)
        else:
            print("FAIL: %s: %s" % (name, why))
            if not failed:
                # The switch's own view of the first failure: its drop
                # counters by reason.
                for cmd in ("pmd-stats-show", "show"):
                    print(d.ctl_raw(cmd, use_json=False).stdout)
            failed.append(name)
        sys.stdout.flush()
    info("%d cases in %.1f s" % (len(runs), time.monotonic() - t0))
    print("conformance: %d cases, %d passed, %d failed (%d known failures%s)" % (
        len(runs), passed, len(failed), len(known),
        ", %d of them fixed" % len(fixed) if fixed else ""))
    cl.close()
    d.stop()
    if failed or fixed:
        raise TestFailure("%d conformance cases failed: %s" % (len(failed), ", ".join(failed))
                          if failed else "known failures now pass: %s" % ", ".join(fixed))


if __name__ == "__main__":
    run(main)
