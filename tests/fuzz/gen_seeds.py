#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the fuzz targets into tests/fuzz/<target>/seeds.

The seeds are committed; run this again (python3 tests/fuzz/gen_seeds.py) after
changing it. Inputs that once crashed a target go to tests/fuzz/<target>/regressions
by hand (libFuzzer's crash-* file), never here.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def hexb(s):
    return bytes.fromhex(s.replace(" ", ""))


def of(version, typ, xid, body=b""):
    return struct.pack("!BBHI", version, typ, 8 + len(body), xid) + body


def mp_req(version, mtype, body=b"", xid=1):
    if version == 4:
        return of(4, 18, xid, struct.pack("!HH4x", mtype, 0) + body)
    return of(1, 16, xid, struct.pack("!HH", mtype, 0) + body)


FLOW_MOD_13 = hexb(
    "040e0098000000060000000000000000000000000000000000000000000000"
    "0affffffffffffffffffffffff000000000001003980000004000000018000"
    "080600112233445580000a02080080000c021005800019080a000000ff0000"
    "0080001401118000200200350000000000000000040028000000000000001000"
    "000002000000000000000000000010fffffffdffff000000000000")


def flow_mod_10(cmd=0, in_port=1, out_port=2):
    match = struct.pack("!IH6s6sHBxHBB2xIIHH", 0x3ffffe, in_port, b"\0" * 6, b"\0" * 6,
                        0, 0, 0x0800, 0, 17, 0, 0, 0, 53)
    body = match + struct.pack("!QHHHHIHH", 0, cmd, 0, 0, 100, 0xffffffff, 0xffff, 0)
    body += struct.pack("!HHHH", 0, 8, out_port, 0)     # output
    return of(1, 14, 7, body)


def group_mod_13():
    bucket = struct.pack("!HHII4x", 32, 0, 0xffffffff, 0xffffffff)
    bucket += struct.pack("!HHIH6x", 0, 16, 2, 0xffff)
    return of(4, 15, 8, struct.pack("!HBxI", 0, 0, 1) + bucket)


def meter_mod_13():
    band = struct.pack("!HHII4x", 1, 16, 1000, 100)
    return of(4, 29, 9, struct.pack("!HHI", 0, 0x1, 1) + band)


def packet_out_13():
    frame = bytes(12) + b"\x08\x00" + bytes(50)
    acts = struct.pack("!HHIH6x", 0, 16, 2, 0xffff)
    return of(4, 13, 10, struct.pack("!IIH6x", 0xffffffff, 1, len(acts)) + acts + frame)


def packet_out_10():
    frame = bytes(12) + b"\x08\x00" + bytes(50)
    acts = struct.pack("!HHHH", 0, 8, 2, 0)
    return of(1, 13, 10, struct.pack("!IHH", 0xffffffff, 1, len(acts)) + acts + frame)


def bundle_13():
    """An atomic bundle (ONF extension): open, a flow_mod added, deleted
    strictly and added again with CHECK_OVERLAP, commit."""
    onf = 0x4f4e4600

    def ctrl(xid, typ):
        return of(4, 4, xid, struct.pack("!IIIHH", onf, 2300, 1, typ, 1))

    def add(xid, command, flags):
        fm = bytearray(FLOW_MOD_13)
        fm[4:8] = struct.pack("!I", xid)
        fm[25] = command
        fm[44:46] = struct.pack("!H", flags)
        return of(4, 4, xid, struct.pack("!IIIHH", onf, 2301, 1, 0, 1) + bytes(fm))
    return (ctrl(20, 0) + add(21, 0, 0) + add(22, 4, 0) + add(23, 0, 2)
            + ctrl(24, 4) + of(4, 20, 25))


def openflow13():
    return {
        "features": of(4, 5, 1),
        "echo": of(4, 2, 2, b"\xca\xfe"),
        "barrier": of(4, 20, 3),
        "get-config": of(4, 7, 4) + of(4, 9, 5, struct.pack("!HH", 0, 0x200)),
        "flow-mod": FLOW_MOD_13 + of(4, 20, 6),
        "desc-stats": mp_req(4, 0),
        "flow-stats": mp_req(4, 1, struct.pack("!B3xII4xQQ", 0xff, 0xffffffff, 0xffffffff, 0, 0)
                             + struct.pack("!HH4x", 1, 4)),
        "table-features": mp_req(4, 12),
        "port-desc": mp_req(4, 13),
        "group-mod": group_mod_13() + mp_req(4, 7),
        "meter-mod": meter_mod_13() + mp_req(4, 10, struct.pack("!I4x", 0xffffffff)),
        "packet-out": packet_out_13(),
        "role": of(4, 24, 11, struct.pack("!I4xQ", 2, 1)),
        "bad-len": struct.pack("!BBHI", 4, 5, 4, 1),
        "many": b"".join(of(4, 2, i) for i in range(20)),
        "bundle": bundle_13(),
    }


def openflow10():
    return {
        "features": of(1, 5, 1),
        "echo": of(1, 2, 2, b"\xca\xfe"),
        "barrier": of(1, 18, 3),
        "flow-mod": flow_mod_10() + of(1, 18, 4),
        "flow-mod-delete": flow_mod_10() + flow_mod_10(cmd=3),
        "desc-stats": mp_req(1, 0),
        "flow-stats": mp_req(1, 1, struct.pack("!IH6s6sHBxHBB2xIIHH", 0x3fffff, 0, bytes(6), bytes(6),
                                                0, 0, 0, 0, 0, 0, 0, 0, 0) + struct.pack("!BxH", 0xff, 0xffff)),
        "port-stats": mp_req(1, 4, struct.pack("!H6x", 0xffff)),
        "packet-out": packet_out_10(),
        "get-config": of(1, 7, 5) + of(1, 9, 6, struct.pack("!HH", 0, 128)),
        "vendor": of(1, 4, 7, struct.pack("!I", 0x2320) + bytes(8)),
    }


def eth(ethertype, payload, vlan=None):
    h = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, frag=0):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0,
                       bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + payload


def ipv6(nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, bytes(15) + b"\1",
                       bytes(15) + b"\2") + payload


UDP = struct.pack("!HHHH", 1024, 53, 16, 0) + bytes(8)
TCP = struct.pack("!HHIIBBHHH", 1024, 22, 1, 0, 0x50, 2, 65535, 0, 0) + bytes(6)


def packet():
    frames = {
        "udp": eth(0x0800, ipv4(17, UDP)),
        "tcp": eth(0x0800, ipv4(6, TCP)),
        "icmp": eth(0x0800, ipv4(1, b"\x08\0\0\0\0\1\0\1" + bytes(8))),
        "frag-first": eth(0x0800, ipv4(6, TCP[:8], frag=0x2000)),
        "frag-later": eth(0x0800, ipv4(17, UDP, frag=0x0010)),
        "vlan-udp": eth(0x0800, ipv4(17, UDP), vlan=10),
        "ipv6-udp": eth(0x86dd, ipv6(17, UDP)),
        "ipv6-nd": eth(0x86dd, ipv6(58, bytes([135, 0, 0, 0]) + bytes(4) + bytes(16)
                                      + b"\x01\x01" + bytes(6))),
        "arp": eth(0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes(6),
                                       bytes(4), bytes(6), bytes(4))),
        "mpls": eth(0x8847, struct.pack("!I", (100 << 12) | 0x100 | 64) + ipv4(17, UDP)),
        "sctp": eth(0x0800, ipv4(132, struct.pack("!HHII", 1, 2, 0, 0) + bytes(16))),
    }
    # Action prefixes: count, then (type, arg) pairs; set-field adds value + flag.
    prefixes = {
        "none": bytes([0]),
        "push-vlan-set-vid": bytes([2, 1, 0, 0, 3]) + b"\x10\x0a\x00",
        "dec-ttl-set-ip": bytes([2, 8, 0, 0, 11]) + b"\x0a\x00\x00\x09\x00",
        "push-mpls": bytes([2, 3, 0, 11, 0]),
        "pop-vlan": bytes([1, 2, 0]),
        "set-tp": bytes([2, 0, 16, 0x13, 0x88, 0, 0, 14]) + b"\x00\x50\x01",
        "pbb": bytes([2, 11, 0, 12, 0]),
    }
    out = {}
    for fn, f in frames.items():
        for pn, p in prefixes.items():
            if pn == "none" or fn in ("udp", "tcp", "vlan-udp", "ipv6-udp", "mpls"):
                out["%s-%s" % (fn, pn)] = p + f
    return out


def flow_text():
    flows = [
        "priority=0,actions=drop",
        "priority=10,in_port=1,udp,actions=output:2",
        "priority=20,in_port=1,udp,tp_dst=53,actions=drop",
        "priority=15,in_port=1,udp,nw_src=10.0.0.1,tp_src=1024,actions=output:2",
        "table=0,priority=100,ip,nw_dst=10.0.0.0/8,actions=dec_ttl,goto_table:1",
        "table=1,dl_vlan=10,actions=strip_vlan,mod_dl_dst:02:00:00:00:00:02,output:3",
        "ipv6,ipv6_src=2001:db8::/32,actions=controller:128",
        "arp,arp_tpa=10.0.0.1,actions=NORMAL",
        "tcp,tp_dst=0x0016/0xfff0,actions=set_field:10.0.0.9->ip_dst,output:2",
        "cookie=0x1234/0xffff,in_port=2,actions=group:1",
        "dl_type=0x8847,mpls_label=100,actions=pop_mpls:0x0800,output:1",
        "priority=5,metadata=0x1/0xff,actions=write_metadata:0x2/0xff,meter:1,output:2",
        "icmp,icmp_type=8,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:4",
        "in_port=LOCAL,actions=output:IN_PORT",
        "udp,nw_frag=first,actions=drop",
        "idle_timeout=10,hard_timeout=20,priority=7,actions=clear_actions",
    ]
    return {"flow-%02d" % i: f.encode() for i, f in enumerate(flows)}


def config():
    with open(os.path.join(HERE, "..", "..", "examples", "default.yaml"), "rb") as f:
        default = f.read()
    minimal = b"bridges:\n  - name: br0\n"
    full = (b"dpdk:\n  lcores: \"0-1\"\n  main-lcore: 0\n  memory-mb: 512\n  no-huge: true\n"
            b"  extra-args: [\"--no-pci\"]\ndatapath:\n  pmd-cores: [1]\n  emc-entries: 4096\n"
            b"ctl-socket: /tmp/x.ctl\nbridges:\n  - name: br0\n    datapath-id: \"0x1\"\n"
            b"    fail-mode: standalone\n    controllers: [\"tcp:192.0.2.10:6653\"]\n"
            b"    listen: [\"ptcp:6653:127.0.0.1\"]\n"
            b"    flows: [\"priority=0,actions=drop\"]\n    ports:\n"
            b"      - {name: p0, ofport: 1, type: dpdk, devargs: \"net_null0\", rxq: 2}\n"
            b"      - {name: vm1, ofport: 3, type: vhost-user, path: /tmp/vm1.sock, mode: server}\n")
    return {"default": default, "minimal": minimal, "full": full,
            "anchor": b"bridges:\n  - &b {name: br0}\n",
            "bad-indent": b"bridges:\n - name: br0\n   ports: [\n"}


def ctl_request():
    reqs = [
        [b"json", b"show"], [b"text", b"dump-flows", b"br0"],
        [b"json", b"add-flow", b"br0", b"priority=1,actions=drop"],
        [b"text", b"del-flows", b"br0"], [b"json", b"reload"],
        [b"text", b"x"] + [b"a"] * 16, [b"yaml", b"show"],
    ]
    out = {"req-%d" % i: b"".join(s + b"\0" for s in r) + b"\0" for i, r in enumerate(reqs)}
    out["unterminated"] = b"json\0show"
    out["empty"] = b"\0\0"
    return out


def tunnel():
    """Frames at a tunnel endpoint (192.0.2.1, 02:00:00:00:00:01) from the
    remote VTEP 192.0.2.2, as fuzz_tunnel.c's table expects them."""
    sw, peer = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
    sw_ip, peer_ip = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])

    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff

    def ip4(proto, payload, src=peer_ip):
        h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0,
                                  0x4000, 64, proto, 0, src, sw_ip))
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        return bytes(h) + payload

    def udp(sport, dport, payload):
        return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload

    def frame(etype, payload, dst=sw):
        return dst + peer + struct.pack("!H", etype) + payload

    inner = eth(0x0800, ipv4(17, struct.pack("!HHHH", 1000, 53, 26, 0) + bytes(18)))
    vx = lambda vni: struct.pack("!BBHI", 8, 0, 0, vni << 8)    # noqa: E731
    gn = (struct.pack("!BBHI", 2, 0, 0x6558, 200 << 8) +
          struct.pack("!HBB", 0x0102, 3, 1) + bytes(4))
    arp = lambda op, tha: (struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + peer +  # noqa: E731
                           peer_ip + tha + sw_ip + bytes(18))
    # fuzz_tunnel.c also reads the input as a struct dp_actions (x86-64
    # layout): a tunnel push (DP_ACTION_TNL_PUSH = 18) then an output,
    # with a whole VXLAN template (struct tnl_push: len, port, type, pad,
    # mtu, ip_csum_base, then the header) that the fast path takes.
    oip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, 17, 0,
                                sw_ip, peer_ip))
    base = (~csum(bytes(oip))) & 0xffff
    hdr = (peer + sw + struct.pack("!H", 0x0800) + bytes(oip) +
           udp(0, 4789, b"")[:4] + bytes(4) + vx(100))
    tpl = struct.pack("<BBBBHH", 50, 0, 1, 0, 1500, base) + hdr
    actions = (struct.pack("<HH4x", 2, len(tpl)) + struct.pack("<HBBI", 18, 0, 0, 0) +
               struct.pack("<HBBI", 1, 0, 0, 3) + bytes(38 * 8) + tpl)
    return {
        "encap-action-list": actions,
        "vxlan-100": frame(0x0800, ip4(17, udp(49152, 4789, vx(100) + inner))),
        "vxlan-flow": frame(0x0800, ip4(17, udp(49153, 4790, vx(7) + inner),
                                        src=bytes([198, 51, 100, 7]))),
        "vxlan-unknown-vni": frame(0x0800, ip4(17, udp(49152, 4789, vx(999) + inner))),
        "geneve-options": frame(0x0800, ip4(17, udp(49152, 6081, gn + inner))),
        "udp-other-port": frame(0x0800, ip4(17, udp(1000, 53, bytes(20)))),
        "icmp-to-endpoint": frame(0x0800, ip4(1, bytes([8, 0, 0, 0, 0, 1, 0, 1]) +
                                              bytes(20))),
        "arp-request": frame(0x0806, arp(1, bytes(6)), dst=b"\xff" * 6),
        "arp-reply": frame(0x0806, arp(2, sw)),
    }


def write(target, seeds):
    d = os.path.join(HERE, target, "seeds")
    os.makedirs(d, exist_ok=True)
    os.makedirs(os.path.join(HERE, target, "regressions"), exist_ok=True)
    keep = os.path.join(HERE, target, "regressions", ".keep")
    if not os.path.exists(keep):
        open(keep, "w").close()
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    # The OpenFlow targets: byte 0 picks the read size (0: all at once).
    write("openflow13", {k: b"\0" + v for k, v in openflow13().items()}
          | {"chunked-flow-mod": b"\x05" + FLOW_MOD_13})
    write("openflow10", {k: b"\0" + v for k, v in openflow10().items()}
          | {"chunked-flow-mod": b"\x03" + flow_mod_10()})
    write("packet", packet())
    write("tunnel", tunnel())
    write("flow_text", flow_text())
    write("config", config())
    write("ctl_request", ctl_request())
    return 0


if __name__ == "__main__":
    sys.exit(main())
