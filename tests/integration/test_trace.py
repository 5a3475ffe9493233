#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""pmdswitch-ctl trace against what the switch really does.

ovs-ofctl -O OpenFlow13 programs a 3-table pipeline and a select group:
  table 0  ip,in_port=1          → set eth_src, write_metadata:0x5/0xff,
                                   goto_table:1
  table 1  udp,metadata=0x5,tp_dst=53 → dec_ttl, mod_nw_dst:10.9.9.9,
                                   goto_table:2 (tp_dst=54: no rule: miss)
  table 2  udp,nw_dst=10.9.9.9   → group:1
  group 1  select: bucket 0 set udp_dst 8053, output:3;
                   bucket 1 set eth_dst 00:00:00:00:00:99, output:4
ofport 1 is net_af_packet on a veth (packets are sent when the test
chooses); 2, 3, 4 are net_pcap tx_pcap files.

Each packet is first traced (--packet HEX, JSON): every table, rule,
bucket and the predicted output frames are recorded, and no counter of
the switch moves (rules, tables, groups, ports, PMDs, megaflows). Then the
same packets are sent for real; the frames in the tx_pcap files must be
the trace's, port by port and field by field. A trace after the traffic
finds the megaflow the traffic installed, and the EMC entry of the packet
sent twice. Also: the FLOW form, --pcap
--all, the text form, and bad input (a flow that does not parse, bad hex,
unknown bridge or port) answered with a clear error and nothing changed.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SKIP, Daemon, Port, TestFailure, VethNs, _payload, check,  # noqa: E402
                     check_eq, eth, info, wait_for, ipv4, pcap_read, pcap_write, run, tempdir,
                     udp)

SRC_MAC = "02:00:00:00:00:01"
DST_MAC = "02:00:00:00:00:02"


def pkt(sport, dport, tag):
    return eth(DST_MAC, SRC_MAC, 0x0800,
               ipv4("10.0.0.1", "10.0.0.2", 17,
                    udp("10.0.0.1", "10.0.0.2", sport, dport, _payload(30, tag))))


def fields(f):
    """The fields the pipeline reads or rewrites, from a frame."""
    ip = f[14:34]
    ihl = (ip[0] & 0x0f) * 4
    l4 = f[14 + ihl:14 + ihl + 8]
    return {
        "eth_dst": f[0:6].hex(":"), "eth_src": f[6:12].hex(":"),
        "eth_type": f[12:14].hex(), "ip_ttl": ip[8], "ip_proto": ip[9],
        "ip_src": ".".join(map(str, ip[12:16])), "ip_dst": ".".join(map(str, ip[16:20])),
        "ip_csum": ip[10:12].hex(), "udp_src": int.from_bytes(l4[0:2], "big"),
        "udp_dst": int.from_bytes(l4[2:4], "big"), "udp_csum": l4[6:8].hex(),
        "len": len(f), "payload": f[14 + ihl + 8:].hex(),
    }


def counters(d):
    """Everything a trace must leave as it is."""
    flows = sorted((f["table"], f["priority"], f["match"], f["n_packets"], f["n_bytes"])
                   for f in d.ctl("dump-flows", "br0"))
    pmd = d.ctl("pmd-stats-show")
    ports = [(p["name"], p["rx_packets"], p["tx_packets"]) for p in d.ctl("dump-ports", "br0")]
    mf = sorted((m["match"], m["packets"]) for m in d.ctl("dump-megaflows"))
    groups = re.sub(r"duration=[0-9.]+s,", "", d.ofctl("dump-group-stats", "@"))
    tables = [line for line in d.ofctl("dump-tables", "@").splitlines()
              if "lookup" in line or "active" in line]
    for k in ("cycles_per_packet", "busy_percent"):    # time, not packets
        pmd["total"].pop(k, None)
    for k in ("sleeps", "wakeups"):     # the idle slowpath's own
        pmd["slowpath"].pop(k, None)
    return {"flows": flows, "pmd": pmd["total"], "slowpath": pmd["slowpath"], "ports": ports,
            "megaflows": mf, "groups": groups, "tables": tables}


def trace(d, *args, use_json=True):
    return d.ctl("trace", "br0", *args, use_json=use_json)


def main(build):
    tmp = tempdir("trace")
    veth = VethNs("t").setup()
    outs = {p: os.path.join(tmp, "out%d.pcap" % p) for p in (2, 3, 4)}
    d = Daemon(build, tmp, ports=[
        Port("p1", 1, "net_af_packet0,iface=%s,framecnt=4096" % veth.host_if),
        Port("p2", 2, "net_pcap1,tx_pcap=%s" % outs[2]),
        Port("p3", 3, "net_pcap2,tx_pcap=%s" % outs[3]),
        Port("p4", 4, "net_pcap3,tx_pcap=%s" % outs[4]),
    ], datapath={"megaflow-idle-ms": 600000, "emc-insert-inv-prob": 1}).start()
    r = d.ofctl_raw("add-group", "@", "group_id=1,type=select,"
                    "bucket=set_field:8053->udp_dst,output:3,"
                    "bucket=set_field:00:00:00:00:00:99->eth_dst,output:4")
    if r.returncode != 0:
        info("add-group refused (%s)" % r.stderr.strip())
        d.stop()
        sys.exit(SKIP)
    for fl in ("table=0,priority=10,ip,in_port=1,actions=set_field:02:00:00:00:00:aa->eth_src,"
               "write_metadata:0x5/0xff,goto_table:1",
               "table=1,priority=20,udp,metadata=0x5/0xff,tp_dst=53,"
               "actions=dec_ttl,mod_nw_dst:10.9.9.9,goto_table:2",
               "table=2,priority=30,udp,nw_dst=10.9.9.9,actions=group:1"):
        d.ofctl("add-flow", "@", fl)

    # Packets of 8 flows to port 53 (the group spreads them), one to 54.
    sent = [pkt(1000 + i, 53, 100 + i) for i in range(8)] + [pkt(2000, 54, 200)]
    # Whatever the kernel sent on the new veth is through.
    quiet = []
    wait_for(lambda: quiet.append(d.pmd_total()["packets"]) or
             (len(quiet) > 3 and quiet[-1] == quiet[-4]), 10, interval=0.3,
             what="no packet arriving")
    before = counters(d)
    traces = []
    for f in sent:
        t = trace(d, "--packet", f.hex(), "--in-port", "p1")
        traces.append(t)
    after = counters(d)
    for k in before:
        check_eq(after[k], before[k], "trace changed no counter: %s" % k)

    # The trace of the first packet, step by step.
    t = traces[0]
    info("trace: %s" % json.dumps(t)[:1500])
    steps = t["steps"]
    tables = [s for s in steps if s["kind"] == "table"]
    check_eq([(s["table"], s["matched"], s["priority"]) for s in tables],
             [(0, True, 10), (1, True, 20), (2, True, 30)], "tables 0, 1, 2 visited, rules matched")
    check("goto_table:1" in tables[0]["actions"] and "write_metadata" in tables[0]["actions"],
          "table 0's instructions are shown", tables[0]["actions"])
    check("nw_dst=10.9.9.9" in tables[2]["match"], "table 2's rule match is shown", tables[2]["match"])
    groups = [s for s in steps if s["kind"] == "group"]
    check(len(groups) == 1 and groups[0]["group_id"] == 1 and groups[0]["type"] == "select"
          and groups[0]["bucket"] in (0, 1), "one select bucket of group 1 chosen", repr(groups))
    check(t["cacheable"], "the result is cacheable")
    check("tp_dst=0x0035" in t["megaflow"] and "in_port=1" in t["megaflow"],
          "the megaflow mask covers tp_dst (consulted by table 1)", t["megaflow"])
    check_eq([(p["core"], p["polls_in_port"], p["emc_hit"], p["megaflow_hit"]) for p in t["pmds"]],
             [(1, True, False, False)], "before any traffic: PMD 1 polls p1, nothing cached")
    miss = traces[-1]
    check_eq([(s["table"], s["matched"]) for s in miss["steps"] if s["kind"] == "table"],
             [(0, True), (1, False)], "tp_dst=54: table 1 misses")
    check_eq(miss["outputs"], [], "tp_dst=54: no output")
    buckets = {tt["steps"][-1]["bucket"] for tt in traces[:-1]}
    info("buckets chosen by the 8 flows: %s" % sorted(buckets))

    # The same packets for real, the first one twice: its second copy hits
    # the megaflow and goes into the EMC (inserts always, in this test).
    veth.send(sent + [sent[0]], tmp, batch=1, pause_ms=2.0)
    d.wait_packets(len(sent) + 1, timeout=20)
    t2 = trace(d, "--packet", sent[0].hex(), "--in-port", "1")
    check(t2["pmds"][0]["megaflow_hit"], "after the traffic the trace finds the megaflow",
          repr(t2["pmds"]))
    check(t2["pmds"][0]["emc_hit"], "... and the EMC entry of the packet sent twice",
          repr(t2["pmds"]))
    t3 = trace(d, "--packet", sent[1].hex(), "--in-port", "1")
    check(t3["pmds"][0]["megaflow_hit"] and not t3["pmds"][0]["emc_hit"],
          "a packet sent once: megaflow, not EMC", repr(t3["pmds"]))
    installed = [m["match"] for m in d.ctl("dump-megaflows")]
    check(t2["pmds"][0]["megaflow"] in installed, "it is one dump-megaflows lists",
          "%r not in %r" % (t2["pmds"][0]["megaflow"], installed))
    check_eq(t2["megaflow"], t["megaflow"], "the megaflow trace predicted is the one installed")

    # The FLOW form: the same tables for the flow of the first packet.
    tf = trace(d, "in_port=1,udp,dl_src=%s,dl_dst=%s,nw_src=10.0.0.1,nw_dst=10.0.0.2,"
               "tp_src=1000,tp_dst=53" % (SRC_MAC, DST_MAC))
    check_eq([(s["kind"], s.get("table"), s.get("bucket")) for s in tf["steps"]],
             [(s["kind"], s.get("table"), s.get("bucket")) for s in steps],
             "trace BR FLOW takes the same tables and bucket as the packet")
    check_eq([o["ofport"] for o in tf["outputs"]], [o["ofport"] for o in t["outputs"]],
             "trace BR FLOW: same output port")

    # --pcap --all, and the text form.
    inp = os.path.join(tmp, "sent.pcap")
    pcap_write(inp, sent)
    tp = trace(d, "--pcap", inp, "--in-port", "p1", "--all")
    check_eq(len(tp["packets"]), len(sent), "--pcap --all traces every packet")
    check_eq([[o.get("frame") for o in x["outputs"]] for x in tp["packets"]],
             [[o.get("frame") for o in x["outputs"]] for x in traces],
             "--pcap --all gives the --packet outputs")
    text = trace(d, "--packet", sent[0].hex(), "--in-port", "p1", use_json=False)
    info("text:\n" + text)
    for want in ("br0 table 0: rule", "br0 table 2: rule", "group 1 (select): bucket",
                 "datapath actions:", "megaflow:", "pmd core 1 (polls the in_port): "):
        check(want in text, "text form shows %r" % want)

    # The in_port of a packet: --in-port, in_port=N, or the lowest ofport.
    for args in ((), ("in_port=1",)):
        tt = trace(d, "--packet", sent[0].hex(), *args)
        check_eq((tt["in_port"], tt["in_port_given"], tt["outputs"]),
                 (1, bool(args), traces[0]["outputs"]),
                 "trace --packet %s: in_port 1, same outputs" % " ".join(args))

    # A pop that leaves a frame short pads it back to 60 bytes, in the
    # trace as in the PMD: a tagged ARP (46 bytes and 14 of pad) leaves as
    # 42 bytes and 18 of zeros.
    d.ofctl("add-flow", "@", "table=0,priority=40,in_port=1,dl_vlan=7,arp,actions=pop_vlan,output:2")
    arp = bytes.fromhex("000108000604000102000000000110000001000000000000" "0a000002")
    eth = bytes.fromhex(DST_MAC.replace(":", "") + SRC_MAC.replace(":", ""))
    tagged = eth + bytes.fromhex("81000007" "0806") + arp + bytes(14)
    ta = trace(d, "--packet", tagged.hex(), "--in-port", "1")
    check_eq([(o["ofport"], o["frame"]) for o in ta["outputs"]],
             [(2, (eth + bytes.fromhex("0806") + arp + bytes(18)).hex())],
             "pop_vlan of a 60-byte tagged ARP: 60 bytes out, the pad zeros")

    # Bad input: clear errors, nothing changed.
    before = counters(d)
    for args, msg in ((["in_port=1,udp,tp_dst=foo"], "tp_dst"),
                      (["in_port=1,frobnicate=3"], "unknown field 'frobnicate'"),
                      (["udp,tp_dst=53"], "in_port=N"),
                      (["in_port=77,udp"], "in_port=77 is not a port of bridge br0"),
                      (["--packet", "00zz", "--in-port", "1"], "not hex"),
                      (["in_port=1,udp", "--packet", sent[0].hex()], "only give in_port=N"),
                      (["--pcap", "/nonexistent.pcap", "--in-port", "1"], "No such file"),
                      (["--packet", sent[0].hex(), "--in-port", "nope"], "no such port")):
        r = d.ctl_raw("trace", "br0", *args, use_json=False)
        out = (r.stdout + r.stderr).strip()
        check(r.returncode == 1 and msg in out, "trace %s: exit 1 with %r" % (args, msg),
              "status %d: %s" % (r.returncode, out))
        info("   %s" % out)
    r = d.ctl_raw("trace", "nobr", "in_port=1", use_json=False)
    check(r.returncode == 1 and 'no bridge named "nobr"' in r.stdout + r.stderr,
          "unknown bridge: exit 1 with a message")
    after = counters(d)
    for k in before:
        check_eq(after[k], before[k], "bad traces changed nothing: %s" % k)
    d.stop()

    # The real output frames are the traced ones, port by port.
    real = {p: pcap_read(outs[p]) for p in (2, 3, 4)}
    info("real outputs per port: %s" % {p: len(v) for p, v in real.items()})
    want = {2: [], 3: [], 4: []}
    for tt in traces + [traces[0]]:
        for o in tt["outputs"]:
            check_eq(o["kind"], "port", "every traced output is a port")
            want[o["ofport"]].append(bytes.fromhex(o["frame"]))
    for p in (2, 3, 4):
        check_eq(len(real[p]), len(want[p]), "ofport %d: as many frames as traced" % p)
        # Flows are not ordered among themselves (a first packet waits for
        # its upcall): pair the frames by their content, i.e. by flow.
        for i, (g, w) in enumerate(zip(sorted(real[p]), sorted(want[p]))):
            fg, fw = fields(g), fields(w)
            for k in fw:
                check_eq(fg[k], fw[k], "ofport %d frame %d: %s as traced" % (p, i, k))
            check(g == w, "ofport %d frame %d: byte for byte as traced" % (p, i))
    check_eq(sum(len(v) for v in real.values()), 9, "9 frames out (tp_dst=54 dropped)")
    f0 = fields(real[3][0] if real[3] else real[4][0])
    check_eq((f0["eth_src"], f0["ip_dst"], f0["ip_ttl"]), ("02:00:00:00:00:aa", "10.9.9.9", 63),
             "tables 0 and 1 rewrote eth_src, nw_dst and the TTL")
    if not real[3] or not real[4]:
        raise TestFailure("the 8 flows all took one bucket: the select group is not spread")


if __name__ == "__main__":
    run(main)
