#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: os-ken's own OpenFlow switch tester against the daemon.

os-ken ships the switch tester that independent OpenFlow 1.3 conformance
runs are made with (os_ken/tests/switch/tester.py): a "target" switch
under test and a "tester" switch wired port to port; for each case it
installs the case's rules on the target, sends the ingress frame out of
the tester, and compares what comes back (the frame the tester receives,
or the target's packet-in) byte for byte with the frame its packet
library builds from the case's text. That library pads every frame to
60 bytes, as a wire does; a frame that differs only after the IP
datagram is reported as "it is malformed".

Here both switches are bridges of one pmdswitchd (datapath ids 1 and 2),
their ports net_pcap iface= on the two ends of three veth pairs, and
osken-manager runs the tester on cases written in its JSON format by this
file: ICMPv4 behind MPLS and PBB (matched and rewritten after the pop,
out of a port and in a packet-in), pop_vlan on a tagged ARP, and a plain
match as a control. The MPLS and VLAN frames are short: the pop leaves
56 bytes, which must leave padded to 60.

Passes when the tester reports every case OK.
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import interop_lib  # noqa: E402
from harness import (Port, TestFailure, check, free_tcp_port, info, on_cleanup,  # noqa: E402
                     run, sh, tempdir)

TESTER_APP = "/usr/lib/python3/dist-packages/os_ken/tests/switch/tester.py"
CONTROLLER = 4294967293

ETH = "ethernet(dst='22:22:22:22:22:22', src='12:11:11:11:11:11', ethertype=%d)"
IP4 = "ipv4(tos=32, proto=1, src='192.168.10.10', dst='192.168.20.20', ttl=64)"
ECHO = "icmp(code=%d,csum=0,data=echo(data=b'\\x01\\x23\\x45\\x67\\x89\\xab\\xcd\\xef'),type_=%d)"
MPLS = "mpls(bsb=1, label=100, exp=3, ttl=64)"
ITAG = "itag(sid=100)"
VLAN = "vlan(pcp=3, cfi=0, vid=100, ethertype=2054)"
ARP = ("arp(dst_ip='192.168.20.20', dst_mac='22:22:22:22:22:22', opcode=1, "
       "src_ip='192.168.10.10', src_mac='12:11:11:11:11:11')")


def oxm(**fields):
    return {"OFPMatch": {"oxm_fields": [{"OXMTlv": {"field": k, "value": v}}
                                        for k, v in fields.items()]}}


def flow(table, match, actions=(), goto=None):
    ins = [{"OFPInstructionActions": {"actions": list(actions), "type": 4}}]
    if goto is not None:
        ins.append({"OFPInstructionGotoTable": {"table_id": goto}})
    return {"OFPFlowMod": {"table_id": table, "match": match, "instructions": ins}}


def output(port):
    a = {"port": port}
    if port == CONTROLLER:
        a["max_len"] = 65535
    return {"OFPActionOutput": a}


def set_field(field, value):
    return {"OFPActionSetField": {"field": {"OXMTlv": {"field": field, "value": value}}}}


def cases():
    """(description, prerequisite flows, test) in the tester's format."""
    icmp8 = dict(eth_type=0x0800, ip_proto=1, icmpv4_type=8)
    out = []
    plain = [ETH % 0x0800, IP4, ECHO % (0, 8)]
    out.append(("plain icmpv4_type, output:2", [flow(0, oxm(**icmp8), [output(2)])],
                {"ingress": plain, "egress": plain}))
    for name, outer, pop in (
            ("pop_mpls", [ETH % 0x8847, MPLS], {"OFPActionPopMpls": {"ethertype": 0x0800}}),
            ("pop_pbb", [ETH % 0x88e7, ITAG, ETH % 0x0800], {"OFPActionPopPbb": {}})):
        first = flow(0, oxm(eth_type=0x8847 if name == "pop_mpls" else 0x88e7), [pop], goto=1)
        ingress = outer + [IP4, ECHO % (0, 8)]
        out.append(("%s, table 1 icmpv4_type, output:2" % name,
                    [first, flow(1, oxm(**icmp8), [output(2)])],
                    {"ingress": ingress, "egress": plain}))
        out.append(("%s, table 1 icmpv4_type, output:CONTROLLER" % name,
                    [first, flow(1, oxm(**icmp8), [output(CONTROLLER)])],
                    {"ingress": ingress, "PACKET_IN": plain}))
        out.append(("%s, table 1 set_field:3->icmpv4_code, output:2" % name,
                    [first, flow(1, oxm(**icmp8), [set_field("icmpv4_code", 3), output(2)])],
                    {"ingress": ingress, "egress": [ETH % 0x0800, IP4, ECHO % (3, 8)]}))
    out.append(("pop_vlan on a tagged arp, output:2",
                [flow(0, oxm(eth_type=0x0806), [{"OFPActionPopVlan": {}}, output(2)])],
                {"ingress": [ETH % 0x8100, VLAN, ARP], "egress": [ETH % 0x0806, ARP]}))
    return out


def write_cases(d):
    os.makedirs(os.path.join(d, "pmdswitch"), exist_ok=True)
    body = ["pmdswitch: pops, short frames, ICMPv4 behind MPLS / PBB"]
    for desc, pre, test in cases():
        body.append({"description": desc, "prerequisite": pre, "tests": [test]})
    with open(os.path.join(d, "pmdswitch", "00_POPS.json"), "w") as f:
        json.dump(body, f, indent=1)
    return len(body) - 1


def veth_pairs(n):
    tag = os.getpid() % 100000
    pairs = []
    for i in range(1, n + 1):
        a, b = "psot%d%da" % (tag, i), "psot%d%db" % (tag, i)
        sh("ip", "link", "del", a, check_rc=False)
        r = sh("ip", "link", "add", a, "type", "veth", "peer", "name", b, check_rc=False)
        if r.returncode != 0:
            raise TestFailure("cannot create veth pairs here: %s" % r.stderr.strip())
        on_cleanup(lambda a=a: sh("ip", "link", "del", a, check_rc=False))
        for x in (a, b):
            # Nothing of the kernel's own (IPv6 autoconfiguration) on the wires.
            sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % x, check_rc=False)
            sh("ip", "link", "set", x, "up")
        pairs.append((a, b))
    return pairs


def main(build):
    interop_lib.need_osken()
    if not os.path.exists(TESTER_APP):
        raise TestFailure("python3-os-ken has no %s" % TESTER_APP)
    tmp = tempdir("osken-tester")
    n_cases = write_cases(os.path.join(tmp, "cases"))
    port = free_tcp_port()
    pairs = veth_pairs(3)
    target = "tcp:127.0.0.1:%d" % port
    tester_ports = "\n".join(
        "      - {name: s%d, ofport: %d, type: dpdk, devargs: \"net_pcap_s%d,iface=%s\"}"
        % (i, i, i, b) for i, (_, b) in enumerate(pairs, 1))
    d = interop_lib.CtlDaemon(
        build, tmp, listen=False, controllers=[target],
        ports=[Port("t%d" % i, i, "net_pcap_t%d,iface=%s" % (i, a))
               for i, (a, _) in enumerate(pairs, 1)],
        extra_yaml="\n".join([
            "  - name: tester",
            "    datapath-id: \"0x0000000000000002\"",
            "    fail-mode: secure",
            "    controllers: [\"%s\"]" % target,
            "    ports:",
            tester_ports])).start()
    log = os.path.join(tmp, "tester.log")
    cmd = ["/usr/bin/osken-manager", "--ofp-tcp-listen-port", str(port),
           "--ofp-listen-host", "127.0.0.1",
           "--test-switch-dir", os.path.join(tmp, "cases"),
           "--test-switch-target", "0000000000000001",
           "--test-switch-tester", "0000000000000002", TESTER_APP]
    info("running: %s" % " ".join(cmd))
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True)
    on_cleanup(lambda: p.poll() is None and os.killpg(p.pid, 9))
    deadline = time.monotonic() + 100
    text = ""
    while time.monotonic() < deadline:
        with open(log, errors="replace") as f:
            text = f.read()
        if re.search(r"OK\(\d+\) / ERROR\(\d+\)", text) or p.poll() is not None:
            break
        time.sleep(0.5)
    # The tester ends itself (SIGTERM to its own process) after the report.
    if p.poll() is None:
        os.killpg(p.pid, 9)
    info("os-ken tester output:\n%s" % "\n".join(
        ln for ln in text.splitlines() if "OK" in ln or "ERROR" in ln or "Received" in ln
        or "timeout" in ln.lower() or "malformed" in ln))
    m = re.search(r"OK\((\d+)\) / ERROR\((\d+)\)", text)
    check(m is not None, "the tester printed its report",
          "\n".join(text.splitlines()[-30:]) + "\n" + d.log_tail())
    ok, err = int(m.group(1)), int(m.group(2))
    check(err == 0 and ok == n_cases,
          "os-ken's switch tester: %d cases OK (got OK %d, ERROR %d)" % (n_cases, ok, err))
    d.stop()


if __name__ == "__main__":
    run(main)
