#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""sFlow v5 export to real collectors on loopback.

ofport 1 replays a pcap of PACKETS frames once (net_pcap rx_pcap), flows
send them to ofport 2 (a net_null sink). br0 has
sflow: {sampling-rate: RATE, polling-interval: 1, header-bytes: 64} and two
collectors: a UDP socket of this test (every datagram is kept, written
into a pcap and decoded by tshark) and Debian's sfcapd (decoded again by
nfdump). Checks:
  - tshark decodes every datagram as sFlow v5 with no malformed field or
    expert warning; agent address, sub-agent id, datagram sequence numbers
    1..n in order;
  - flow samples x RATE (lost samples included, reported) is within 10% of
    the packets the port received (pmdswitch-ctl show), and the last flow
    sample's sample pool is the port's packet count;
  - the flow samples carry the frames' first 64 bytes, input ifIndex 1,
    output ifIndex 2, sampling rate RATE;
  - counter samples for both ports every second, with the port's octets;
  - sfcapd receives them as flows, nfdump reads them;
  - a reload that changes agent-ip takes effect without a restart;
  - a collector name that does not resolve and a bad agent-ip are config
    errors naming file:line:column.
"""

import os
import shutil
import socket
import subprocess
import threading
import time

from harness import (ConfigDaemon, TestSkip, check, check_eq, daemon_check,
                     eth, info, ipv4, on_cleanup, pcap_read, pcap_write,
                     run, tempdir, udp, wait_for)

PACKETS = 100000
RATE = 100
AGENT = "192.0.2.1"
AGENT2 = "192.0.2.77"


class Collector:
    """A UDP collector on 127.0.0.1 that keeps every datagram."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        on_cleanup(self.close)

    def _run(self):
        while not self.stop:
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.datagrams.append(data)

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bridges_yaml(tmp, rx, collectors, agent):
    return """  - name: br0
    datapath-id: "0x0000000000000001"
    flows: ["priority=10,in_port=1,actions=output:2", "priority=0,actions=drop"]
    sflow:
      agent-ip: %s
      collectors: [%s]
      sampling-rate: %d
      polling-interval: 1
      header-bytes: 64
    ports:
      - {{name: p1, ofport: 1, type: dpdk, devargs: "net_pcap0,rx_pcap=%s"}}
      - {{name: p2, ofport: 2, type: dpdk, devargs: "net_null0,no-rx=1"}}
""" % (agent, ", ".join('"%s"' % c for c in collectors), RATE, rx)


def tshark_fields(pcap, fields):
    """One list of values per datagram and field (tshark -T fields)."""
    cmd = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "tshark reads the datagrams", r.stderr[-500:])
    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        rows.append([c.split(",") if c else [] for c in cols])
    return rows


def to_pcap(path, datagrams):
    """The datagrams as UDP to port 6343 (tshark decodes it as sFlow)."""
    frames = []
    for i, d in enumerate(datagrams):
        frames.append(eth("02:00:00:00:00:02", "02:00:00:00:00:01",
                          0x0800, ipv4("127.0.0.1", "127.0.0.1", 17,
                                       udp("127.0.0.1", "127.0.0.1",
                                           40000, 6343, d), ident=i & 0xffff)))
    pcap_write(path, frames)


def main(build):
    for tool in ("tshark", "sfcapd", "nfdump"):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (apt-get install tshark "
                           "nfdump-sflow)" % tool)
    tmp = tempdir("sflow")
    rx = os.path.join(tmp, "in.pcap")
    subprocess.run([os.path.join(build, "pmdswitch-gen-pcap"), "-o", rx,
                    "--flows", "64", "--packets", str(PACKETS)], check=True)
    sent = pcap_read(rx)
    check_eq(len(sent), PACKETS, "traffic file has %d frames" % PACKETS)

    col = Collector()
    sf_port = free_udp_port()
    sf_dir = os.path.join(tmp, "sfcapd")
    os.mkdir(sf_dir)
    sfcapd = subprocess.Popen(["sfcapd", "-b", "127.0.0.1", "-p", str(sf_port),
                               "-w", sf_dir, "-t", "3600"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def stop_sfcapd():
        if sfcapd.poll() is None:
            sfcapd.terminate()
            sfcapd.wait(10)
    on_cleanup(stop_sfcapd)

    collectors = ["127.0.0.1:%d" % col.port, "127.0.0.1:%d" % sf_port]
    d = ConfigDaemon(build, tmp, bridges_yaml(tmp, rx, collectors, AGENT),
                     listen=False)
    d.start()

    info("waiting for the %d packets to be forwarded" % PACKETS)
    d.wait_packets(PACKETS, timeout=60)

    def p1_rx():
        return d.port("p1")["rx_packets"]
    check_eq(p1_rx(), PACKETS, "port p1 received %d packets" % PACKETS)

    # Every sample taken is sent: wait until the agent has sent them and
    # two more counter polls went out.
    def settled():
        t = d.pmd_total()
        s = d.ctl("show")["bridges"][0]["sflow"]
        if s is None or s["flow_samples"] < t["sflow_samples"]:
            return None
        return (t, s)
    t, s = wait_for(settled, 20, what="sFlow agent sent every sample")
    time.sleep(2.5)
    info("pmd totals: sflow_samples %d, sflow_sample_drops %d; agent: %s"
         % (t["sflow_samples"], t["sflow_sample_drops"], s))
    n_dgrams = len(col.datagrams)
    check(n_dgrams > 0, "the collector received datagrams", "none")

    pcap = os.path.join(tmp, "sflow.pcap")
    to_pcap(pcap, list(col.datagrams))

    # Nothing malformed, no expert warning.
    r = subprocess.run(["tshark", "-r", pcap, "-Y",
                        "_ws.malformed || _ws.expert.severity >= 6291456",
                        "-V"], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and r.stdout.strip() == "",
          "tshark: no malformed datagram and no expert warning in %d" % n_dgrams,
          r.stdout[-3000:] + r.stderr[-500:])

    rows = tshark_fields(pcap, [
        "sflow_245.version", "sflow_245.agent", "sflow_245.sub_agent_id",
        "sflow_245.sequence_number", "sflow_245.numsamples",
        "sflow_245.sampletype", "sflow.flow_sample.sampling_rate", "sflow.flow_sample.sample_pool",
        "sflow_245.header.frame_length", "sflow_245.header",
        "sflow_245.ifindex", "sflow_245.ifinoct",
        "sflow.flow_sample.input_interface",
        "sflow.flow_sample.output_interface_value"])
    check_eq(len(rows), n_dgrams, "tshark decodes every datagram")
    check(all(r[0] == ["5"] for r in rows), "every datagram is sFlow version 5",
          repr([r[0] for r in rows[:5]]))
    check(all(r[1] == [AGENT] for r in rows), "agent address %s" % AGENT)
    check(all(r[2] == ["0"] for r in rows), "sub-agent id 0 (bridge 0)")
    seqs = [int(r[3][0]) for r in rows]
    check_eq(seqs, list(range(1, n_dgrams + 1)),
             "datagram sequence numbers 1..%d in order" % n_dgrams)
    types = [x for r in rows for x in r[5]]
    n_flow = sum(1 for x in types if int(x) & 0xfff == 1)
    n_counter = sum(1 for x in types if int(x) & 0xfff == 2)
    check_eq(sum(int(r[4][0]) for r in rows), len(types),
             "numsamples agrees with the samples decoded")
    info("decoded: %d datagrams, %d flow samples, %d counter samples"
         % (n_dgrams, n_flow, n_counter))
    check_eq(n_flow, t["sflow_samples"],
             "every flow sample the PMD took reached the collector")
    drops = t["sflow_sample_drops"]
    est = (n_flow + drops) * RATE
    info("flow samples %d (+%d lost) x %d = %d; the port received %d"
         % (n_flow, drops, RATE, est, PACKETS))
    check(abs(est - PACKETS) <= PACKETS * 0.10,
          "sampled rate x N within 10%% of the port's count (%d vs %d)"
          % (est, PACKETS))
    rates = {x for r in rows for x in r[6]}
    check_eq(rates, {str(RATE)}, "sampling rate in every flow sample")
    pools = [int(x) for r in rows for x in r[7]]
    check(pools == sorted(pools), "sample pool grows", repr(pools[:10]))
    check(PACKETS - 2 * RATE * 10 <= pools[-1] <= PACKETS,
          "last sample pool %d ~ packets received %d" % (pools[-1], PACKETS))
    lens = {x for r in rows for x in r[8]}
    check_eq(lens, {"60"}, "frame length 60 (64-byte frames without FCS)")
    hdrs = [bytes.fromhex(x.replace(":", "")) for r in rows for x in r[9]]
    check(len(hdrs) == n_flow and all(len(h) == 60 for h in hdrs),
          "every flow sample carries the frame's first bytes (60 of 64 "
          "header-bytes)", repr({len(h) for h in hdrs}))
    known = set(f[:60] for f in sent)
    check(all(h in known for h in hdrs), "the sampled headers are frames sent")

    ins = [x for r in rows for x in r[12]]
    outs = [x for r in rows for x in r[13]]
    check(set(ins) == {"1"}, "flow samples: input ifIndex 1", repr(set(ins)))
    # Packets that waited behind the first upcall were sampled before
    # their megaflow existed: output 0 (unknown), as the spec says.
    check(set(outs) <= {"2", "0"} and outs.count("2") >= 0.9 * len(outs),
          "flow samples: output ifIndex 2 (0 = not known yet: %d)"
          % outs.count("0"), repr(set(outs)))

    # Counter samples: both ports, every polling interval (1 s).
    ifs = [x for r in rows for x in r[10]]
    check(ifs.count("1") >= 2 and ifs.count("2") >= 2,
          "counter samples for ifIndex 1 and 2, repeatedly",
          "ifindex values %r" % ifs[-10:])
    octs = [int(x) for r in rows for x in r[11]]
    p1 = d.port("p1")
    in_oct_p1 = [int(r[11][i]) for r in rows for i in range(len(r[11]))
                 if r[10][i] == "1"]
    check(in_oct_p1 and in_oct_p1[-1] == PACKETS * 60,
          "ifInOctets of port 1 = bytes received (%d)" % (PACKETS * 60),
          repr(in_oct_p1[-3:]))
    del octs, p1

    # sfcapd got the same datagrams; nfdump reads what it stored.
    stop_sfcapd()
    files = [os.path.join(sf_dir, f) for f in os.listdir(sf_dir)
             if f.startswith("nfcapd.")]
    check(len(files) >= 1, "sfcapd wrote a flow file", repr(os.listdir(sf_dir)))
    r = subprocess.run(["nfdump", "-R", sf_dir, "-q", "-o", "csv"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "nfdump reads sfcapd's files", r.stderr[-500:])
    r2 = subprocess.run(["nfdump", "-R", sf_dir, "-I"],
                        capture_output=True, text=True, timeout=60)
    info("nfdump -I:\n" + r2.stdout.strip())
    stat = {}
    for line in r2.stdout.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            stat[k.strip()] = v.strip()
    nf_pkts = int(stat.get("Packets", "0"))
    nf_flows = int(stat.get("Flows", "0"))
    check(nf_flows > 0, "nfdump: flows from the sFlow samples (%d)" % nf_flows)
    check(abs(nf_pkts - PACKETS) <= PACKETS * 0.10,
          "nfdump: packets scaled by the sampling rate within 10%% of the "
          "port's count (%d vs %d)" % (nf_pkts, PACKETS))

    # Reload: a new agent address, no restart.
    d.write_config(bridges_yaml(tmp, rx, collectors, AGENT2))
    ok, msg = d.reload()
    check(ok, "reload with a new agent-ip", msg)
    before = len(col.datagrams)
    wait_for(lambda: len(col.datagrams) >= before + 2, 10,
             what="datagrams after the reload")
    time.sleep(0.2)
    pcap2 = os.path.join(tmp, "sflow2.pcap")
    to_pcap(pcap2, list(col.datagrams)[before + 1:])
    rows2 = tshark_fields(pcap2, ["sflow_245.agent"])
    check(rows2 and all(r[0] == [AGENT2] for r in rows2),
          "after the reload the datagrams carry agent %s" % AGENT2,
          repr(rows2[:3]))
    d.stop()

    # Bad input.
    for what, sflow, want in [
        ("a collector that does not resolve",
         '{agent-ip: 192.0.2.1, collectors: ["no-such-host.invalid:6343"]}',
         "does not resolve"),
        ("a bad agent-ip",
         '{agent-ip: "not-an-ip", collectors: ["127.0.0.1:6343"]}',
         "expected an IPv4 or IPv6 address"),
        ("a bad collector port",
         '{agent-ip: 192.0.2.1, collectors: ["127.0.0.1:99999"]}',
         "bad UDP port"),
    ]:
        path = os.path.join(tmp, "bad.yaml")
        y = d.yaml().replace("    sflow:\n", "    sflow: %s\n    x-sflow:\n" % sflow)
        # Drop the old block: keep the file valid but for the one error.
        lines, skip = [], False
        for line in y.splitlines():
            if line.startswith("    x-sflow:"):
                skip = True
                continue
            if skip and line.startswith("      "):
                continue
            skip = False
            lines.append(line)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        rc, out = daemon_check(build, path)
        line_no = next(i + 1 for i, l in enumerate(lines) if "sflow:" in l)
        check(rc != 0 and want in out and ("bad.yaml:%d:" % line_no) in out
              and "bridges[0].sflow" in out,
              "%s: a config error naming file:line:column and the key" % what,
              "status %d: %s" % (rc, out.strip()))
        info("  " + out.strip().splitlines()[-1])


if __name__ == "__main__":
    run(main)
