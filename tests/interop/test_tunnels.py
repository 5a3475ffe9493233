#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: VXLAN and GENEVE tunnel ports against independent VTEPs: the
Linux kernel's tunnel devices (the host's, or those of Debian's kernel in
a small VM where the host kernel has no device of the mode's type: many
kernels have no geneve module), or Open vSwitch's userspace datapath
(native tunnelling).

usage: test_tunnels.py BUILD_DIR vxlan|geneve
environment: PMDSWITCH_TUNNEL_PEER=kernel|vm|ovs forces the peer (default:
the host kernel when it can make the device, else the VM when
qemu-system-x86_64 is installed, else OVS).

Underlay: netns U (192.0.2.2/24) behind a veth whose root end is the
switch's net_af_packet port p0 (ofport 1), the switch's tunnel endpoint
192.0.2.1/24. In U the kernel's tunnel devices of the mode's type, all
with remote 192.0.2.1:
  t0  VNI 100                           10.0.0.2/24
  t1  VNI 300, on the UDP port + 1       10.2.0.2/24
  t9  VNI 999 (no tunnel port takes it) 10.9.0.2/24
Overlay host: netns H behind p1 (ofport 2) with 10.0.0.1 and 10.2.0.1
(/24). Switch tunnel ports: t0 (ofport 10, fixed key 100 and remote) and
tf (ofport 12, key and remote from the flow: set_field tun_id / tun_dst on
output, matched on tun_id / tun_src on input). In vxlan mode a geneve port
gx (ofport 11, VNI 200, no kernel peer) carries 10.1.0.0/24 too, so that
tshark sees the switch's GENEVE encapsulation even on a kernel without
geneve.
With the VM peer (kernel_vm.py), U holds a bridge of its veth end and a
tap device, the NIC of a VM booting Debian's linux-image-amd64 (KVM, or
TCG where /dev/kvm is not hardware virtualisation); the VM's eth0 carries
192.0.2.2/24 and the tunnel devices above are the VM kernel's.
With the OVS peer (ovs_vtep.py), U runs ovs-vswitchd (netdev datapath):
br-phy holds U's veth end and carries 192.0.2.2 on its LOCAL port;
br-int's tunnel ports of the same VNIs / UDP ports are cross-connected
with internal ports t0, t1, t9 that carry the addresses above.

Checks: the switch answers the kernel's ARP for 192.0.2.1 and resolves
192.0.2.2 by ARP (tunnel-show); ping and a TCP transfer both ways over
the fixed and the flow-based tunnel; VNI 999 is dropped and counted as
unknown_vni; inner frames too big for the underlay MTU once encapsulated
are counted as mtu drops of their tunnel port; each inner TCP flow has one
outer UDP source port (first packets included); every captured underlay frame is decoded by tshark with no
"Malformed"; dump-megaflows shows the pushes; the per-port counters
agree; a packet-in of a packet from t0, read by os-ken and by ovs-ofctl
monitor, has in_port 10, in_phy_port 1 (the underlay port), tun_id,
tun_src and tun_dst; rules on in_phy_port (os-ken flow mods) take the
decapsulated echo requests only where in_phy_port is the underlay port,
and local packets where it is their in_port; a reload that changes a port's key
applies it. Exit 77 only
when neither the kernel nor OVS can be the peer.
"""

import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from interop_lib import CtlDaemon, OfClient  # noqa: E402  (puts harness on the path)
import kernel_vm  # noqa: E402
from ovs_vtep import OvsVtep  # noqa: E402
from harness import (Port, TestFailure, TestSkip, VethNs, check, info,  # noqa: E402
                     on_cleanup, run, sh, tempdir, wait_for)

SW_IP = "192.0.2.1"
VTEP_IP = "192.0.2.2"
MTU = 1450      # Inner MTU: 1500 on the underlay minus 50 bytes of VXLAN.
TCP_BYTES = 300_000

MODE = sys.argv[2] if len(sys.argv) > 2 else "vxlan"
KIND = "vxlan" if MODE == "vxlan" else "geneve"
# The flow-based port takes every VNI: it listens on a UDP port of its own,
# so that the fixed port's UDP port has VNIs no tunnel port takes.
FIXED_PORT = 4789 if MODE == "vxlan" else 6081
FLOW_PORT = FIXED_PORT + 1

FLOWS = [
    # Fixed key and remote: 10.0.0.0/24 over VNI 100.
    "priority=10,in_port=2,ip,nw_dst=10.0.0.2,actions=output:10",
    "priority=10,in_port=2,arp,arp_tpa=10.0.0.2,actions=output:10",
    "priority=10,in_port=10,actions=output:2",
    # Flow-based key and remote: 10.2.0.0/24 over VNI 300.
    "priority=10,in_port=2,ip,nw_dst=10.2.0.2,"
    "actions=set_field:300->tun_id,set_field:%s->tun_dst,output:12" % VTEP_IP,
    "priority=10,in_port=2,arp,arp_tpa=10.2.0.2,"
    "actions=set_field:300->tun_id,set_field:%s->tun_dst,output:12" % VTEP_IP,
    "priority=10,in_port=12,tun_id=300,tun_src=%s,actions=output:2" % VTEP_IP,
    # vxlan mode: GENEVE toward a VTEP without geneve (tshark only).
    "priority=10,in_port=2,arp,arp_tpa=10.1.0.2,actions=output:11",
    "priority=0,actions=drop",
]

TUNNEL_YAML = """\
      - {name: t0, ofport: 10, type: %s, remote-ip: %s, key: 100}
      - {name: tf, ofport: 12, type: %s, remote-ip: flow, key: flow, dst-port: %d}
%s    tunnel-endpoint: {port: p0, ip: %s/24}""" % (
    KIND, VTEP_IP, KIND, FLOW_PORT,
    "      - {name: gx, ofport: 11, type: geneve, remote-ip: %s, key: 200}\n"
    % VTEP_IP if MODE == "vxlan" else "", SW_IP)


def nsx(ns, *cmd, check_rc=True):
    return sh("ip", "netns", "exec", ns, *cmd, check_rc=check_rc)


class NsSide:
    """One side of the overlay in a network namespace: H, or U with the
    host kernel's or OVS's VTEP. The checks use a side only through these
    methods, so that the VM side (VmSide) runs the same checks."""

    def __init__(self, ns, ifname):
        self.ns, self.ifname, self.name = ns, ifname, ns

    def sh(self, *cmd, check_rc=True):
        """(rc, output) of a command on this side."""
        r = nsx(self.ns, *cmd, check_rc=check_rc)
        return r.returncode, r.stdout + r.stderr

    def ping(self, dst, count, timeout):
        r = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable,
                            os.path.join(HERE, "interop_lib.py"), "ping", dst,
                            str(count), str(timeout)],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stdout + r.stderr

    def tcp_server(self, ip, port):
        """Starts a server that takes one connection; returns a function
        that waits for its end and gives "bytes:sha256" ("" on failure)."""
        srv = subprocess.Popen(["ip", "netns", "exec", self.ns, sys.executable,
                                os.path.abspath(__file__), "tcp-server", ip,
                                str(port)], stdout=subprocess.PIPE, text=True)
        on_cleanup(lambda: srv.poll() is None and srv.kill())
        check(srv.stdout.readline().strip() == "ready", "TCP server ready")

        def result():
            try:
                return srv.communicate(timeout=40)[0].strip()
            except subprocess.TimeoutExpired:
                srv.kill()
                return ""
        return result

    def tcp_client(self, ip, port):
        """Sends TCP_BYTES to ip:port; "bytes:sha256" of what it sent, ""
        on failure."""
        cli = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable,
                              os.path.abspath(__file__), "tcp-client", ip,
                              str(port)], capture_output=True, text=True, timeout=40)
        return cli.stdout.strip() if cli.returncode == 0 else ""


class VmSide:
    """U's side played by the kernel of a VM (kernel_vm.py): commands run
    with the VM's busybox and iproute2."""

    def __init__(self, vm, ifname):
        self.vm, self.ifname, self.name = vm, ifname, "the VM"

    def sh(self, *cmd, check_rc=True, timeout=20):
        line = " ".join(shlex.quote(c) for c in cmd)
        rc, out = self.vm.sh(line, timeout)
        if check_rc and rc != 0:
            raise TestFailure("in the VM: %s: status %d: %s" % (line, rc, out.strip()))
        return rc, out

    def ping(self, dst, count, timeout):
        # Busybox ping with a deadline (-w) exits 0 only when all came back.
        rc, out = self.vm.sh("ping -c %d -i 0.2 -w %d %s" % (count, max(1, int(timeout)), dst),
                             timeout + 10)
        return rc == 0, out

    _SUM = "echo $(wc -c < {f}):$(sha256sum < {f} | cut -d' ' -f1)"

    def tcp_server(self, ip, port):
        f = "/tmp/rx%d" % port
        # Busybox nc listens on every address; the client's connect waits
        # for it to listen (the loops are bounded in time, not in turns:
        # a turn is slow in a VM under TCG on a busy host).
        self.vm.check_sh("rm -f {f} {f}.rc; (timeout 40 nc -l -p {p} > {f}; echo $? > {f}.rc)"
                         " < /dev/null > /dev/null 2>&1 &".format(f=f, p=port))
        self.vm.check_sh("timeout 15 sh -c 'until netstat -ltn | grep -q \":{p} \"; do "
                         "sleep 0.1; done'".format(p=port), 20)

        def result():
            rc, _ = self.vm.sh("timeout 45 sh -c 'until [ -s {f}.rc ]; do sleep 0.1; done' && "
                               "[ \"$(cat {f}.rc)\" = 0 ]".format(f=f), 50)
            return self.vm.check_sh(self._SUM.format(f=f)).strip() if rc == 0 else ""
        return result

    def tcp_client(self, ip, port):
        f = "/tmp/tx%d" % port
        rc, out = self.vm.sh("dd if=/dev/urandom of={f} bs=1000 count={n} 2>/dev/null && "
                             "timeout 40 nc {ip} {p} < {f} > /dev/null".format(
                                 f=f, n=TCP_BYTES // 1000, ip=ip, p=port), 60)
        return self.vm.check_sh(self._SUM.format(f=f)).strip() if rc == 0 else ""


def tcp_transfer(server, server_ip, client, port):
    """TCP_BYTES from the client side to the server side; true when the
    server got them all, byte for byte (SHA-256 compared)."""
    result = server.tcp_server(server_ip, port)
    want = client.tcp_client(server_ip, port)
    got = result()
    info("tcp %s -> %s: sent %s, received %s" % (client.name, server_ip, want, got))
    return want != "" and got == want


def _tcp_server(ip, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(1)
    s.settimeout(30)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(30)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    print("%d:%s" % (n, h.hexdigest()), flush=True)


def _tcp_client(ip, port):
    data = bytes((i * 7 + i // 251) & 0xff for i in range(TCP_BYTES))
    for _ in range(50):
        try:
            s = socket.create_connection((ip, port), timeout=5)
            break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit(1)
    s.settimeout(30)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    print("%d:%s" % (len(data), hashlib.sha256(data).hexdigest()), flush=True)


VTEPS = (("t0", 100, "10.0.0.2", FIXED_PORT),
         ("t1", 300, "10.2.0.2", FLOW_PORT),
         ("t9", 999, "10.9.0.2", FIXED_PORT))


def kernel_can(u):
    """True when the kernel in U can make a device of the mode's type."""
    r = nsx(u.ns, "ip", "link", "add", "tprobe", "type", KIND, "id", "1",
            "remote", SW_IP, "dstport", "1", check_rc=False)
    nsx(u.ns, "ip", "link", "del", "tprobe", check_rc=False)
    if r.returncode != 0:
        info("the kernel cannot make a %s device: %s" % (KIND, r.stderr.strip()))
    return r.returncode == 0


def choose_peer(u):
    want = os.environ.get("PMDSWITCH_TUNNEL_PEER", "")
    if want not in ("", "kernel", "vm", "ovs"):
        raise TestSkip("PMDSWITCH_TUNNEL_PEER must be kernel, vm or ovs, not %r" % want)
    if want == "kernel" or (want == "" and kernel_can(u)):
        return "kernel"
    if want == "vm" or (want == "" and kernel_vm.qemu_available()):
        if not kernel_vm.qemu_available():
            raise TestSkip("no VM peer: qemu-system-x86_64 is not installed "
                           "(Debian package qemu-system-x86)")
        return "vm"
    missing = [t for t in ("ovs-vswitchd", "ovsdb-server", "ovsdb-tool", "ovs-vsctl",
                           "ovs-appctl", "ovs-ofctl") if shutil.which(t) is None]
    if missing:
        raise TestSkip("no %s peer: the kernel has no %s device type and Open vSwitch "
                       "is not installed (Debian package openvswitch-switch; missing %s)"
                       % (KIND, KIND, " ".join(missing)))
    return "ovs"


def setup_ovs_vteps(u, tmp):
    # The veth end is OVS's port, not an interface of U's IP stack: the
    # kernel must not answer ARP for br-phy's address on it too.
    nsx(u.ns, "sysctl", "-q", "-w", "net.ipv4.conf.%s.arp_ignore=1" % u.ns_if)
    ovs = OvsVtep(u.ns, tmp).start(u.ns_if, VTEP_IP + "/24")
    for dev, vni, addr, dport in VTEPS:
        ovs.add_tunnel(KIND, "tun" + dev[1:], vni, SW_IP, dport, dev,
                       addr + "/24", MTU)
    for dev in ("br-phy",) + tuple(v[0] for v in VTEPS):
        nsx(u.ns, "sysctl", "-q", "-w",
            "net.ipv6.conf.%s.disable_ipv6=1" % dev, check_rc=False)
    info("OVS %s VTEP in %s: br-int ports %s" % (
        KIND, u.ns, " ".join(ovs.vsctl("list-ports", "br-int").split())))
    return ovs


def setup_kernel_vteps(side):
    """The kernel's tunnel devices on a side (U's kernel or the VM's)."""
    side.sh("ip", "link", "set", side.ifname, "up")
    side.sh("ip", "addr", "add", VTEP_IP + "/24", "dev", side.ifname)
    for dev, vni, addr, dport in VTEPS:
        kind = KIND
        args = ["ip", "link", "add", dev, "type", kind, "id", str(vni),
                "remote", SW_IP, "dstport", str(dport)]
        if kind == "vxlan":
            args += ["local", VTEP_IP, "dev", side.ifname]
        rc, out = side.sh(*args, check_rc=False)
        if rc != 0:
            raise TestSkip("the kernel cannot make a %s device here: %s"
                           % (kind, out.strip()))
        side.sh("ip", "link", "set", dev, "mtu", str(MTU), "up")
        side.sh("ip", "addr", "add", addr + "/24", "dev", dev)
        side.sh("sysctl", "-q", "-w",
                "net.ipv6.conf.%s.disable_ipv6=1" % dev, check_rc=False)


def setup_vm(u, tmp, build):
    """The VM whose NIC is a tap bridged with U's veth end in U."""
    image = kernel_vm.build_image(os.path.join(build, "interop-vm"))
    for cmd in (("ip", "tuntap", "add", "vmtap", "mode", "tap"),
                ("ip", "link", "add", "vmbr", "type", "bridge"),
                ("ip", "link", "set", u.ns_if, "master", "vmbr"),
                ("ip", "link", "set", "vmtap", "master", "vmbr")):
        nsx(u.ns, *cmd)
    for dev in ("vmbr", "vmtap"):
        nsx(u.ns, "sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % dev,
            check_rc=False)
        nsx(u.ns, "ip", "link", "set", dev, "up")
        offloads_off(u.ns, dev)
    vm = kernel_vm.KernelVm(image, tmp, netns=u.ns).start("vmtap")
    return VmSide(vm, "eth0")


def offloads_off(ns, ifname):
    """Frames on a veth must be what the wire would carry: no GSO / TSO
    super-frames, no checksums left for an offload to fill (a packet
    socket, net_af_packet's, takes them as they are)."""
    pre = ["ip", "netns", "exec", ns] if ns else []
    sh(*pre, "ethtool", "-K", ifname, "tx", "off", "tso", "off", "gso", "off",
       "gro", "off", check_rc=False)


def tunnel_show(d):
    return d.ctl("tunnel-show")


def port_of(ts, name):
    return [p for p in ts["ports"] if p["name"] == name][0]


def warm_up(side, dst):
    """The first packets wait for ARP on both sides: ping until one echo
    comes back (each try is one echo)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ok, out = side.ping(dst, 1, 2)
        if ok:
            return True
    return False


def tunnel_packet_in(d, us, tmp):
    """Step 6: IN_PHY_PORT and the tunnel fields of packets from t0 (os-ken
    flow mods and flow stats, cookies 0x77..). Echo requests from the
    VTEP's side to H: in_port=10 with in_phy_port 1 (the underlay p0)
    takes them, in_phy_port 2 and 10 (the tunnel port itself) none; H's
    replies: in_port=2 with in_phy_port 2 (a packet from p1 itself). An
    ARP request for 10.0.0.3 from the VTEP's side goes to the controller."""
    from os_ken.ofproto import ofproto_v1_3 as ofp
    mon_out = os.path.join(tmp, "monitor.txt")
    # stdbuf: ovs-ofctl's stdout is a file, each packet-in is to be seen
    # when it comes.
    mon = subprocess.Popen(["stdbuf", "-oL", "ovs-ofctl", "-O", "OpenFlow13",
                            "--unixctl=%s" % os.path.join(tmp, "ofctl-monitor.ctl"),
                            "monitor", d.of_target],
                           stdout=open(mon_out, "w"), stderr=subprocess.STDOUT)
    on_cleanup(lambda: mon.poll() is None and mon.kill())
    c = OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=10))
    c.handshake()
    p = c.parser
    icmp = {"eth_type": 0x0800, "ip_proto": 1}
    rules = [  # cookie, priority, match, output port (None: drop)
        (0x7701, 40, dict(in_port=10, in_phy_port=1, icmpv4_type=8, **icmp), 2),
        (0x7702, 41, dict(in_port=10, in_phy_port=2, icmpv4_type=8, **icmp), None),
        (0x7703, 42, dict(in_port=10, in_phy_port=10, icmpv4_type=8, **icmp), None),
        (0x7704, 40, dict(in_port=2, in_phy_port=2, icmpv4_type=0, ipv4_dst="10.0.0.2",
                          **icmp), 10),
        (0x7705, 40, dict(in_port=10, eth_type=0x0806, arp_tpa="10.0.0.3"),
         ofp.OFPP_CONTROLLER),
    ]
    for cookie, prio, match, out in rules:
        acts = [] if out is None else [p.OFPActionOutput(out, ofp.OFPCML_NO_BUFFER)]
        c.send(p.OFPFlowMod(c.dp, cookie=cookie, priority=prio, match=p.OFPMatch(**match),
                            instructions=[p.OFPInstructionActions(
                                ofp.OFPIT_APPLY_ACTIONS, acts)]))
    c.barrier()
    time.sleep(1)
    check(mon.poll() is None, "ovs-ofctl monitor runs", open(mon_out).read())

    ok, out = us.ping("10.0.0.1", 3, 10)
    check(ok, "3 pings from %s to 10.0.0.1 through the in_phy_port rules" % us.name, out)
    us.ping("10.0.0.3", 1, 1)       # its ARP request: a packet-in

    pin = c.recv_type(p.OFPPacketIn, timeout=10)
    m = dict(pin.match.items())
    info("os-ken packet-in match: %s" % m)
    check(m.get("in_port") == 10 and m.get("in_phy_port") == 1,
          "os-ken: the packet-in from t0 has in_port 10 (the tunnel port) and "
          "in_phy_port 1 (the underlay port)", str(m))
    check(m.get("tunnel_id") == 100, "os-ken: the packet-in carries tunnel_id 100", str(m))
    check(m.get("tun_ipv4_src") == VTEP_IP and m.get("tun_ipv4_dst") == SW_IP,
          "os-ken: the packet-in carries tun_src %s and tun_dst %s" % (VTEP_IP, SW_IP),
          str(m))

    def monitor_pin():
        with open(mon_out) as f:
            return [ln for ln in f.read().splitlines() if "PACKET_IN" in ln]
    try:
        lines = wait_for(monitor_pin, 10, what="ovs-ofctl monitor printing the packet-in")
    except Exception:
        with open(mon_out) as f:
            info("ovs-ofctl monitor (status %s) wrote:\n%s" % (mon.poll(), f.read()))
        raise
    line = lines[0]
    info("ovs-ofctl monitor: %s" % line.strip())
    for want in ("in_port=10", "tun_id=0x64", "tun_src=%s" % VTEP_IP,
                 "tun_dst=%s" % SW_IP):
        check(want in line, "ovs-ofctl monitor: the packet-in shows %s" % want, line)
    mon.kill()
    mon.wait(5)

    c.send(p.OFPFlowStatsRequest(c.dp, cookie=0x7700, cookie_mask=0xff00))
    got = {}
    while True:
        r = c.recv_type(p.OFPFlowStatsReply)
        for st in r.body:
            got[st.cookie] = (st.packet_count, dict(st.match.items()))
        if not r.flags & ofp.OFPMPF_REPLY_MORE:
            break
    info("in_phy_port rules (cookie: packets): %s"
         % {hex(k): v[0] for k, v in sorted(got.items())})
    check(got[0x7701][0] == 3, "in_port=10,in_phy_port=1 took the 3 decapsulated echo "
          "requests", str(got[0x7701]))
    check(got[0x7702][0] == 0 and got[0x7703][0] == 0,
          "in_phy_port=2 and in_phy_port=10 (the tunnel port itself) took none of them",
          str(got))
    check(got[0x7704][0] == 3, "in_port=2,in_phy_port=2 took H's 3 echo replies",
          str(got[0x7704]))
    check(got[0x7701][1].get("in_phy_port") == 1 and got[0x7703][1].get("in_phy_port") == 10,
          "flow stats give the rules' in_phy_port back", str(got))
    c.send(p.OFPFlowMod(c.dp, cookie=0x7700, cookie_mask=0xff00, table_id=ofp.OFPTT_ALL,
                        command=ofp.OFPFC_DELETE, out_port=ofp.OFPP_ANY,
                        out_group=ofp.OFPG_ANY))
    c.barrier()
    c.close()



def tunnel_decode_as(cap_file):
    """tshark's -d options for the underlay capture: the flow's tunnel
    port, and the other port of every datagram to or from a tunnel port
    that is lower than it. UDP is dissected by its lower port first, and
    an endpoint may send from any port (the kernel's GENEVE picks 1-65535
    by flow hash): a GENEVE frame from port 4551 would otherwise be read as
    MIH and reported malformed."""
    kinds = {4789: "vxlan", 6081: "geneve", FLOW_PORT: KIND}
    r = subprocess.run(["tshark", "-n", "-r", cap_file, "-Y", "udp",
                        "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport"],
                       capture_output=True, text=True)
    extra = {}
    for ln in r.stdout.splitlines():
        cols = [c.split(",")[0] for c in ln.split("\t")]   # the outer UDP header
        if len(cols) != 2 or not all(c.isdigit() for c in cols):
            continue
        sport, dport = int(cols[0]), int(cols[1])
        for tun, other in ((dport, sport), (sport, dport)):
            if tun in kinds and other not in kinds and other < tun:
                extra[other] = kinds[tun]
    args = ["-d", "udp.port==%d,%s" % (FLOW_PORT, KIND)]
    for port, kind in sorted(extra.items()):
        args += ["-d", "udp.port==%d,%s" % (port, kind)]
    if extra:
        info("tshark: tunnel frames from or to lower ports %s decoded as tunnels"
             % sorted(extra))
    return args

def main(build):
    for tool, pkg in (("tshark", "tshark"), ("ethtool", "ethtool")):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (Debian package %s)" % (tool, pkg))
    tmp = tempdir("tunnels")
    u = VethNs("tu").setup()
    h = VethNs("th").setup()
    peer = choose_peer(u)
    ovs = None
    hs = NsSide(h.ns, h.ns_if)
    if peer == "ovs":
        ovs = setup_ovs_vteps(u, tmp)
        us = NsSide(u.ns, u.ns_if)
    elif peer == "vm":
        us = setup_vm(u, tmp, build)
        setup_kernel_vteps(us)
    else:
        us = NsSide(u.ns, u.ns_if)
        setup_kernel_vteps(us)
    info("peer VTEP: %s %s" % (peer, KIND))
    for v in (u, h):
        offloads_off(None, v.host_if)
        offloads_off(v.ns, v.ns_if)
    # (The VM's NIC has its offloads off in qemu: the VM's kernel sends
    # its tunnel devices' frames segmented and checksummed.)
    if peer != "vm":
        for dev in ("t0", "t1", "t9") + (("br-phy",) if ovs else ()):
            offloads_off(u.ns, dev)
    nsx(h.ns, "ip", "link", "set", h.ns_if, "mtu", str(MTU))
    for a in ("10.0.0.1/24", "10.1.0.1/24", "10.2.0.1/24"):
        nsx(h.ns, "ip", "addr", "add", a, "dev", h.ns_if)

    cap_file = os.path.join(tmp, "underlay.pcap")
    # On the VTEP's end of the underlay veth: both directions (the
    # switch's own af_packet transmissions skip a capture on its end).
    cap = subprocess.Popen(["ip", "netns", "exec", u.ns, "tshark", "-q", "-i", u.ns_if,
                            "-w", cap_file],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    on_cleanup(lambda: cap.poll() is None and cap.kill())
    wait_for(lambda: os.path.exists(cap_file), 15, what="tshark capturing")

    d = CtlDaemon(build, tmp, ports=[
        Port("p0", 1, "net_af_packet0,iface=%s" % u.host_if),
        Port("p1", 2, "net_af_packet1,iface=%s" % h.host_if),
    ], flows=FLOWS, extra_yaml=TUNNEL_YAML,
        # Step 5 reads the pushes of megaflows from steps 1-3: they must
        # not idle out while a slow peer (the VM under TCG) takes its time.
        datapath={"megaflow-idle-ms": 300000}).start()

    names = ["t0", "tf"] + (["gx"] if MODE == "vxlan" else [])
    ts = tunnel_show(d)
    check(len(ts["endpoints"]) == 1 and ts["endpoints"][0]["ip"] == SW_IP + "/24",
          "tunnel-show lists the endpoint", str(ts))
    check(sorted(p["name"] for p in ts["ports"]) == sorted(names),
          "tunnel-show lists the tunnel ports", str(ts))

    # 0. OVS also learns the switch's MAC from the tunnel packets it
    # receives: make it ask by ARP first, before any reaches it (the echo
    # itself is lost, OVS drops the packet that missed its cache).
    if ovs:
        us.ping("10.0.0.1", 1, 2)
        wait_for(lambda: tunnel_show(d)["endpoints"][0]["arp_replied"] >= 1, 10,
                 what="the switch's ARP reply to OVS")

    # 1. Ping over each tunnel (ARP on the underlay resolved first).
    for dst, name in (("10.0.0.2", "%s VNI 100" % KIND),
                      ("10.2.0.2", "%s VNI 300 from the flow" % KIND)):
        check(warm_up(hs, dst), "first echo over %s" % name,
              d.log_tail() + (ovs.log_tail() if ovs else ""))
        ok, out = hs.ping(dst, 5, 10)
        check(ok, "5 pings over %s" % name, out)
    ts = tunnel_show(d)
    neigh = [n for n in ts["neighbours"] if n["ip"] == VTEP_IP]
    check(neigh and neigh[0]["state"] == "reachable",
          "the switch resolved the remote VTEP %s by ARP" % VTEP_IP, str(ts))

    # 2. Pings the other way, from behind the peer VTEPs. The kernel
    # first forgets the switch's MAC (it may have learnt it from the
    # switch's own ARP request): the switch's endpoint must answer its ARP.
    # OVS is not flushed: it learns a neighbour by snooping ARP replies as
    # it translates them, and a reply that hits a cached datapath flow is
    # not snooped; its request for 192.0.2.1 was answered in step 0
    # (checked below). And OVS drops the packet that misses its neighbour
    # cache where the kernel queues it: the first echo may go unanswered.
    if not ovs:
        us.sh("ip", "neigh", "flush", "dev", us.ifname)
    for dst in ("10.0.0.1", "10.2.0.1"):
        if ovs:
            check(warm_up(us, dst), "first echo from the OVS side to %s" % dst,
                  ovs.log_tail())
        ok, out = us.ping(dst, 3, 10)
        check(ok, "3 pings from the %s VTEP's side to %s" % (peer, dst), out)
    ts = tunnel_show(d)
    check(ts["endpoints"][0]["arp_replied"] >= 1,
          "the switch answered the %s's ARP for %s" % (peer, SW_IP), str(ts))
    neigh = ovs.arp_table() if ovs else us.sh("ip", "neigh", "show", SW_IP)[1]
    check(ts["endpoints"][0]["mac"] in neigh and SW_IP in neigh,
          "the %s VTEP has the switch's MAC for %s" % (peer, SW_IP), neigh)

    # 3. TCP both ways over each tunnel.
    port = 7000
    for near, far in (("10.0.0.1", "10.0.0.2"), ("10.2.0.1", "10.2.0.2")):
        check(tcp_transfer(us, far, hs, port), "TCP %s -> %s" % (near, far))
        check(tcp_transfer(hs, near, us, port + 1), "TCP %s -> %s" % (far, near))
        port += 2

    # 4. A VNI no tunnel port takes: dropped and counted.
    before = tunnel_show(d)["endpoints"][0]["drops"]["unknown_vni"]
    us.ping("10.9.0.1", 2, 2)           # ARP requests over VNI 999.
    wait_for(lambda: tunnel_show(d)["endpoints"][0]["drops"]["unknown_vni"] > before,
             10, what="unknown_vni drops")
    if MODE == "vxlan":
        hs.ping("10.1.0.2", 2, 2)       # ARP into gx: GENEVE on the wire.
    ts = tunnel_show(d)
    for name in ("t0", "tf"):
        p = port_of(ts, name)
        check(p["rx_packets"] > 100 and p["tx_packets"] > 100,
              "%s counted traffic both ways" % name, str(p))
        check(p["drops"]["mtu"] == 0, "%s: no frame over the MTU" % name, str(p))
    if MODE == "vxlan":
        check(port_of(ts, "gx")["tx_packets"] >= 1, "gx sent GENEVE frames", str(ts))

    # 4b. Inner frames that no longer fit the underlay MTU once
    # encapsulated: dropped and counted per tunnel port (the encapsulation
    # fast path once the flow's megaflow is in place), none on the wire.
    nsx(h.ns, "ip", "link", "set", h.ns_if, "mtu", "1500")
    big = ("import socket,time\n"
           "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
           "for i in range(10):\n"
           "    s.sendto(bytes(1460),('%s',9))\n"
           "    time.sleep(0.05)\n")
    for dst, name in (("10.0.0.2", "t0"), ("10.2.0.2", "tf")):
        nsx(h.ns, sys.executable, "-c", big % dst)
        wait_for(lambda: port_of(tunnel_show(d), name)["drops"]["mtu"] >= 10, 10,
                 what="%s mtu drops" % name)
    nsx(h.ns, "ip", "link", "set", h.ns_if, "mtu", str(MTU))
    ts = tunnel_show(d)
    for name in ("t0", "tf"):
        check(port_of(ts, name)["drops"]["mtu"] == 10,
              "%s: 10 frames over the underlay MTU counted and dropped" % name,
              str(port_of(ts, name)))

    # 5. dump-megaflows shows the pushes readably.
    mf = d.ctl("dump-megaflows", use_json=False)
    check("tnl_push(%s,vni=100,src=%s,dst=%s" % (KIND, SW_IP, VTEP_IP) in mf and
          "tnl_push(%s,vni=300" % KIND in mf,
          "dump-megaflows shows the tunnel pushes", mf[:3000])

    # 6. Packet-ins and in_phy_port for tunnel input.
    tunnel_packet_in(d, us, tmp)

    # 7. A reload that changes a tunnel port's key makes the port again:
    # VNI 100 is then unknown, the new key is shown.
    d.extra_yaml = TUNNEL_YAML.replace("key: 100", "key: 101")
    with open(d.config, "w") as f:
        f.write(d.yaml())
    d.ctl("reload")
    ts = tunnel_show(d)
    check(port_of(ts, "t0")["key"] == "101", "reload changed t0's key", str(ts))
    before = ts["endpoints"][0]["drops"]["unknown_vni"]
    ok, out = us.ping("10.0.0.1", 1, 2)
    check(not ok, "no echo over VNI 100 after the reload", out)
    wait_for(lambda: tunnel_show(d)["endpoints"][0]["drops"]["unknown_vni"] > before,
             10, what="unknown_vni drops after the reload")

    # 8. tshark decodes every underlay frame, none malformed.
    time.sleep(0.5)
    cap.terminate()
    cap.wait(10)
    decode_as = tunnel_decode_as(cap_file)
    r = subprocess.run(["tshark", "-n", "-r", cap_file] + decode_as +
                       ["-T", "fields", "-e", "frame.protocols",
                        "-e", "_ws.expert.message", "-e", "_ws.malformed"],
                       capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    bad = [ln for ln in lines if "malformed" in ln.lower()]
    # Every UDP frame on the underlay is a tunnel frame and decodes as one.
    undecoded = [ln for ln in lines if ":udp" in ln and ":vxlan:" not in ln and
                 ":geneve:" not in ln and ":icmp:" not in ln]
    check(not undecoded, "every UDP frame on the underlay decodes as a tunnel",
          "\n".join(undecoded[:5]))
    vx = sum(":vxlan:" in ln for ln in lines)
    gn = sum(":geneve:" in ln for ln in lines)
    info("tshark: %d frames, %d VXLAN, %d GENEVE, %d malformed"
         % (len(lines), vx, gn, len(bad)))
    check(not bad, "no malformed frame on the underlay", "\n".join(bad[:5]))
    check((vx if MODE == "vxlan" else gn) > 200,
          "tshark decoded the %s frames" % KIND.upper())
    if MODE == "vxlan":
        check(gn >= 1, "tshark decoded the switch's GENEVE frames")
    # The switch's outer UDP source port follows the inner flow: one per
    # TCP connection, its first packets (which the slowpath hands back)
    # included, and the connections do not all share one.
    r = subprocess.run(["tshark", "-n", "-r", cap_file] + decode_as +
                       ["-Y", "%s && tcp && ip.src==%s" % (KIND, SW_IP),
                        "-T", "fields", "-e", "udp.srcport", "-e", "ip.src",
                        "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport"],
                       capture_output=True, text=True)
    sports = {}
    for ln in r.stdout.splitlines():
        f = ln.split("\t")
        if len(f) == 5 and f[0]:
            sports.setdefault(tuple(f[1:]), set()).add(int(f[0].split(",")[0]))
    info("outer source ports of %d inner TCP flows: %s"
         % (len(sports), sorted(min(v) for v in sports.values())))
    check(len(sports) >= 4 and all(len(v) == 1 for v in sports.values()),
          "one outer UDP source port per inner TCP flow",
          str({k: sorted(v) for k, v in sports.items() if len(v) != 1}))
    check(all(49152 <= min(v) for v in sports.values()) and
          len({min(v) for v in sports.values()}) > 1,
          "outer UDP source ports in 49152-65535, spread over flows", str(sports))
    d.stop()
    info("tunnels (%s against the %s): all checks passed" % (KIND, peer))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "tcp-server":
        _tcp_server(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "tcp-client":
        _tcp_client(sys.argv[2], int(sys.argv[3]))
    else:
        run(main)
