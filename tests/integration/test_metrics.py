#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Metrics: the Prometheus endpoint (metrics-listen) scraped with curl and
validated with Debian's promtool, and the DPDK telemetry commands read with
dpdk-telemetry.py; the figures of both equal what pmdswitch-ctl shows and
what was sent. Also: 404/405/431 answers, a reload that moves the listener,
and a reload to an address that cannot be bound (refused, file:line:column,
the old listener still serves).

ofport 1: net_pcap rx_pcap with 10 packets (read once); ofport 2: net_null.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Daemon, Port, TestSkip, check, check_eq, free_tcp_port,  # noqa: E402
                     gen_udp_flows, info, pcap_write, run, tempdir, wait_for)

N = 10
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def curl(url, *extra):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w",
                        "\n%{http_code}"] + list(extra) + [url],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=20)
    body, _, code = r.stdout.rpartition("\n")
    return r.returncode, int(code or 0), body


def parse_prom(text):
    """{(name, frozenset(labels)): value}, and the families' HELP/TYPE."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split()
            types[name] = typ
            continue
        m = SAMPLE.match(line)
        check(m is not None, "exposition line parses", repr(line))
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types, helps


def value(samples, name, **labels):
    key = (name, frozenset((k, str(v)) for k, v in labels.items()))
    check(key in samples, "sample %s%s present" % (name, labels),
          "names: %s" % sorted({n for n, _ in samples})[:60])
    return samples[key]


def telemetry(prefix, *cmds):
    r = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=20)
    check_eq(r.returncode, 0, "dpdk-telemetry.py -f %s exits 0" % prefix)
    docs = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    check_eq(len(docs), len(cmds), "dpdk-telemetry.py answers every command (%r)" % r.stdout[:300])
    return docs


def main(build):
    for tool, pkg in (("curl", "curl"), ("promtool", "prometheus"),
                      ("dpdk-telemetry.py", "dpdk")):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (Debian package %s; tools/setup.sh "
                           "installs it)" % (tool, pkg))
    tmp = tempdir("metrics")
    rx = os.path.join(tmp, "in.pcap")
    pcap_write(rx, gen_udp_flows(N))
    port = free_tcp_port()
    # A controller that answers HELLO, and one where nothing listens.
    ctl_srv = socket.socket()
    ctl_srv.bind(("127.0.0.1", 0))
    ctl_srv.listen(1)
    live = "tcp:127.0.0.1:%d" % ctl_srv.getsockname()[1]
    dead = "tcp:127.0.0.1:%d" % free_tcp_port()
    d = Daemon(build, tmp, listen=False, ports=[
        Port("p1", 1, "net_pcap0,rx_pcap=%s" % rx),
        Port("p2", 2, "net_null0,no-rx=1"),
    ], flows=["priority=10,in_port=1,udp,actions=output:2", "priority=0,actions=drop",
              "table=3,priority=5,ip,actions=drop"],
        extra_yaml='    controllers: ["%s", "%s"]\nmetrics-listen: "127.0.0.1:%d"'
        % (live, dead, port),
        datapath={"megaflow-idle-ms": 600000})
    d.start()
    ctl_srv.settimeout(20)
    conn, _ = ctl_srv.accept()
    conn.sendall(bytes([4, 0, 0, 8, 0, 0, 0, 1]))    # OpenFlow 1.3 HELLO
    d.wait_packets(N, timeout=20)
    wait_for(lambda: [p for p in d.ctl("dump-ports", "br0") if p["ofport"] == 2][0]
             ["tx_packets"] == N, 10, what="p2 tx_packets == %d" % N)

    # -- Prometheus: scrape, validate, compare ---------------------------
    url = "http://127.0.0.1:%d/metrics" % port
    wait_for(lambda: d.ctl("show")["bridges"][0]["controllers_up"] == 1, 10,
             what="the controller connection is up")
    rc, code, text = curl(url)
    check_eq((rc, code), (0, 200), "curl %s: status 200" % url)
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    check_eq(r.returncode, 0, "promtool check metrics accepts the exposition (%s)"
             % (r.stdout + r.stderr).strip())
    check_eq((r.stdout + r.stderr).strip(), "", "promtool has no lint remark")
    samples, types, helps = parse_prom(text)
    names = {n for n, _ in samples}
    check(all(n.startswith("pmdswitch_") for n in names), "every metric is pmdswitch_*",
          repr(sorted(names)))
    for n in names:
        check(n in types and n in helps, "%s has HELP and TYPE" % n)
        check((types.get(n) == "counter") == n.endswith("_total"),
              "%s: counters and only counters end in _total" % n, types.get(n))
    ports = {p["name"]: p for p in d.ctl("dump-ports", "br0")}
    for pname, p in ports.items():
        lab = dict(bridge="br0", port=pname, ofport=p["ofport"])
        for f in ("rx_packets", "rx_bytes", "rx_dropped", "rx_errors", "tx_packets",
                  "tx_bytes", "tx_dropped", "tx_errors"):
            check_eq(value(samples, "pmdswitch_port_%s_total" % f, **lab), p[f],
                     "%s %s equals dump-ports" % (pname, f))
        check_eq(value(samples, "pmdswitch_port_link_up", **lab), 1, "%s link up" % pname)
    check_eq(value(samples, "pmdswitch_port_rx_packets_total", bridge="br0", port="p1",
                   ofport=1), N, "p1 received the %d packets sent" % N)
    check_eq(value(samples, "pmdswitch_port_tx_packets_total", bridge="br0", port="p2",
                   ofport=2), N, "p2 sent %d packets" % N)
    st = d.ctl("pmd-stats-show")["pmds"][0]
    for f in ("packets", "emc_hits", "megaflow_hits", "upcalls", "lost_upcalls", "misses"):
        check_eq(value(samples, "pmdswitch_pmd_%s_total" % f, pmd=1), st[f],
                 "PMD %s equals pmd-stats-show" % f)
    check_eq(value(samples, "pmdswitch_pmd_packets_total", pmd=1), N, "PMD saw %d packets" % N)
    check(value(samples, "pmdswitch_pmd_busy_cycles_total", pmd=1) > 0, "busy cycles counted")
    check_eq(value(samples, "pmdswitch_pmd_parse_errors_total", pmd=1, reason="trunc_l4"), 0,
             "no parse error")
    check_eq(value(samples, "pmdswitch_pmd_drops_total", pmd=1, reason="lost_upcall"), 0,
             "no lost upcall")
    mfs = d.ctl("dump-megaflows")
    n_mf = len([m for m in mfs if m["pmd"] == 1])
    check(n_mf >= 1, "the traffic installed a megaflow", repr(mfs))
    check_eq(value(samples, "pmdswitch_megaflows", pmd=1), n_mf,
             "megaflow count equals dump-megaflows")
    check_eq(value(samples, "pmdswitch_bridge_rules", bridge="br0", table=0), 2,
             "table 0 has 2 rules")
    check_eq(value(samples, "pmdswitch_bridge_rules", bridge="br0", table=3), 1,
             "table 3 has 1 rule")
    check(("pmdswitch_bridge_rules", frozenset({("bridge", "br0"), ("table", "1")}))
          not in samples, "empty tables are not listed")
    check_eq(value(samples, "pmdswitch_bridge_openflow_connections", bridge="br0"), 1,
             "one OpenFlow connection")
    check_eq(value(samples, "pmdswitch_bridge_controller_up", bridge="br0", target=live), 1,
             "the controller that answered is up")
    check_eq(value(samples, "pmdswitch_bridge_controller_up", bridge="br0", target=dead), 0,
             "the controller where nothing listens is down")

    # -- HTTP answers other than 200 -------------------------------------
    check_eq(curl("http://127.0.0.1:%d/other" % port)[1], 404, "GET /other: 404")
    check_eq(curl(url, "-X", "POST", "-d", "x")[1], 405, "POST /metrics: 405")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /metrics HTTP/1.0\r\nX-Pad: " + b"a" * 8000 + b"\r\n\r\n")
    reply = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            reply += b
    except OSError:
        pass
    s.close()
    check(reply.startswith(b"HTTP/1.0 431"), "an oversized request gets 431",
          repr(reply[:80]))
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"hello\r\n\r\n")
    check(s.recv(100).startswith(b"HTTP/1.0 400"), "a request that is not HTTP gets 400")
    s.close()

    # At most 8 clients at once: a 9th is answered 503 and closed; once
    # they go, /metrics answers again.
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(8)]
    wait_for(lambda: curl(url)[1] == 503, 5, what="a 9th client gets 503")
    for c in idle:
        c.close()
    wait_for(lambda: curl(url)[1] == 200, 5, what="/metrics answers again")

    # -- DPDK telemetry --------------------------------------------------
    tp, tm, tb, tmf, t1 = telemetry(d.prefix, "/pmdswitch/ports", "/pmdswitch/pmds",
                                    "/pmdswitch/bridges", "/pmdswitch/megaflows",
                                    "/pmdswitch/ports,p2")
    tp = tp["/pmdswitch/ports"]
    check_eq(sorted(tp), ["p1", "p2"], "telemetry: ports p1, p2")
    for pname, p in ports.items():
        for f in ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped",
                  "tx_dropped"):
            check_eq(tp[pname][f], p[f], "telemetry %s %s equals dump-ports" % (pname, f))
    check_eq(t1["/pmdswitch/ports"]["tx_packets"], N, "telemetry /pmdswitch/ports,p2")
    tm = tm["/pmdswitch/pmds"]
    check_eq(list(tm), ["pmd1"], "telemetry: one PMD, pmd1")
    for f in ("packets", "emc_hits", "megaflow_hits", "upcalls", "lost_upcalls"):
        check_eq(tm["pmd1"][f], st[f], "telemetry PMD %s equals pmd-stats-show" % f)
    tb = tb["/pmdswitch/bridges"]
    check_eq((tb["br0"]["rules"], tb["br0"]["table0_rules"], tb["br0"]["table3_rules"]),
             (3, 2, 1), "telemetry: rules per table")
    check_eq(tmf["/pmdswitch/megaflows"]["total"], n_mf, "telemetry: megaflow total")
    info("   /pmdswitch/bridges: %r" % tb)
    check_eq((tb["br0"]["controllers"], tb["br0"]["controllers_up"], tb["br0"]["controller0"],
              tb["br0"]["controller1"]), (2, 1, live + " up", dead + " down"),
             "telemetry: controllers")

    # -- reload: move the listener; an address in use is refused ---------
    port2 = free_tcp_port()
    with open(d.config) as f:
        cfg = f.read()
    with open(d.config, "w") as f:
        f.write(cfg.replace("127.0.0.1:%d" % port, "127.0.0.1:%d" % port2))
    d.ctl("reload")
    check_eq(curl("http://127.0.0.1:%d/metrics" % port2)[1], 200,
             "after reload the new address serves /metrics")
    check(curl(url)[0] != 0, "after reload the old address is closed")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    with open(d.config, "w") as f:
        f.write(cfg.replace("127.0.0.1:%d" % port, "127.0.0.1:%d" % busy.getsockname()[1]))
    r = d.ctl_raw("reload", use_json=False)
    busy.close()
    msg = (r.stdout + r.stderr).strip()
    check_eq(r.returncode, 1, "reload to an address in use is refused")
    check(re.search(r"pmdswitch\.yaml:\d+:\d+: metrics-listen: cannot listen on "
                    r"127\.0\.0\.1:\d+: Address already in use", msg),
          "the refusal names file:line:column and the reason", msg)
    info("   message: %s" % msg)
    check_eq(curl("http://127.0.0.1:%d/metrics" % port2)[1], 200,
             "after the refused reload the listener still serves")
    d.stop()
    conn.close()
    ctl_srv.close()


if __name__ == "__main__":
    run(main)
