#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The daemon's own configuration checks, one per error class: each names
file:line:column and the key, exits 1, and starts nothing (no control
socket is left behind); --check-config says "FILE: OK" for a good file.

Classes: bad devargs, PMD core not in the EAL lcore set (explicit lcores,
and the default set of the CPUs this process may use), a control socket
or vhost-user socket path that cannot be created, more hugepage memory
than reserved, and a loader error (unknown key) for completeness."""

import os
import re

from harness import (check, check_eq, info, run, tempdir, no_huge, yq)

HEAD = """dpdk:
{lcores}  main-lcore: 0
  memory-mb: {mem}
  no-huge: {nohuge}
  extra-args: ["--no-pci"]
datapath:
  pmd-cores: [{pmd}]
ctl-socket: {ctl}
bridges:
  - name: br0
    ports:
"""


def write(tmp, name, ports, pmd=1, lcores='"0-1"', ctl=None, mem=256,
          nohuge=None, build=None):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(HEAD.format(lcores=("  lcores: %s\n" % lcores) if lcores else "",
                            pmd=pmd, mem=mem,
                            nohuge="true" if nohuge else "false",
                            ctl=yq(ctl or os.path.join(tmp, name + ".ctl"))))
        for p in ports:
            f.write("      - %s\n" % p)
    return path


def expect_both(build, tmp, path, pattern, what, start=True):
    """--check-config and a normal start both fail with the message."""
    ctl = os.path.join(tmp, "start.ctl")
    rc, out = daemon_check_(build, path)
    check_eq(rc, 1, "%s: --check-config exit status" % what)
    check(re.search(pattern, out, re.M), "%s: --check-config message" % what,
          "no match for %r in:\n%s" % (pattern, out))
    info("   " + out.strip().splitlines()[-1])
    if not start:
        return
    rc, out = daemon_start_fails(build, path, ctl)
    check_eq(rc, 1, "%s: start exit status" % what)
    check(re.search(pattern, out, re.M), "%s: start message" % what,
          "no match for %r in:\n%s" % (pattern, out))
    check(not os.path.exists(ctl), "%s: nothing started (no control socket)" % what)


def main(build):
    global daemon_check_, daemon_start_fails
    from harness import daemon_check as daemon_check_, daemon_start_fails
    tmp = tempdir("cfgerr")
    nh = no_huge(build)
    null = '{name: p0, ofport: 1, type: dpdk, devargs: "net_null0,no-rx=1"}'

    good = write(tmp, "good.yaml", [null], nohuge=nh)
    rc, out = daemon_check_(build, good)
    check_eq((rc, out.strip().splitlines()[-1] if out.strip() else ""),
             (0, "%s: OK" % good), "--check-config on a good file")

    # Bad devargs: the driver does not exist.
    path = write(tmp, "devargs.yaml",
                 [null, '{name: p1, ofport: 2, type: dpdk, devargs: "net_nosuchdev0,x=1"}'],
                 nohuge=nh)
    expect_both(build, tmp, path,
                r"^%s:14:52: bridges\[0\]\.ports\[1\]\.devargs: .*net_nosuchdev0"
                % re.escape(path), "bad devargs")

    # Bad devargs the driver refuses at probe time (start only).
    path = write(tmp, "devargs2.yaml",
                 [null, '{name: p1, ofport: 2, type: dpdk, '
                  'devargs: "net_pcap1,rx_pcap=/nonexistent/in.pcap"}'], nohuge=nh)
    rc, out = daemon_start_fails(build, path, os.path.join(tmp, "s2.ctl"))
    check_eq(rc, 1, "devargs refused by the driver: start exit status")
    check(re.search(r"^%s:14:52: bridges\[0\]\.ports\[1\]\.devargs: cannot probe device"
                    % re.escape(path), out, re.M),
          "devargs refused by the driver: start message", out)

    # PMD core not in dpdk.lcores (the loader's check).
    path = write(tmp, "lcores.yaml", [null], pmd=5, nohuge=nh)
    expect_both(build, tmp, path,
                r"^%s:8:15: datapath\.pmd-cores\[0\]: lcore 5 is not in dpdk\.lcores"
                % re.escape(path), "pmd core not in dpdk.lcores")

    # PMD core not among the CPUs when lcores is not given.
    path = write(tmp, "lcores2.yaml", [null], pmd=os.cpu_count() + 3, lcores=None,
                 nohuge=nh)
    expect_both(build, tmp, path,
                r"^%s:7:14: datapath\.pmd-cores\[0\]: lcore %d is not in the EAL lcore set"
                % (re.escape(path), os.cpu_count() + 3), "pmd core not an EAL lcore")

    # Control socket that cannot be created.
    path = write(tmp, "ctl.yaml", [null], ctl="/proc/pmdswitch/x/sw.ctl", nohuge=nh)
    rc, out = daemon_check_(build, path)
    check_eq(rc, 1, "ctl socket: --check-config exit status")
    check(re.search(r"^%s:9:13: ctl-socket: cannot create socket" % re.escape(path),
                    out, re.M), "ctl socket: --check-config message", out)
    rc, out = daemon_start_fails(build, path, "/proc/pmdswitch/x/sw.ctl")
    check_eq(rc, 1, "ctl socket: start exit status")
    check(re.search(r"^%s:9:13: ctl-socket: cannot create socket" % re.escape(path),
                    out, re.M), "ctl socket: start message", out)

    # vhost-user server socket that cannot be created.
    path = write(tmp, "vhost.yaml",
                 [null, '{name: vm1, ofport: 2, type: vhost-user, '
                  'path: /proc/none/vm1.sock, mode: server}'], nohuge=nh)
    expect_both(build, tmp, path,
                r"^%s:14:56: bridges\[0\]\.ports\[1\]\.path: cannot create socket"
                % re.escape(path), "vhost-user socket path")

    # metrics-listen that does not parse, and one that cannot be bound.
    for addr, why in (("localhost:9357", r'"localhost" is not an IPv4 address'),
                      ("127.0.0.1:99999", r'port "99999" is not a number from 1 to 65535'),
                      ("127.0.0.1", r'expected "IP:PORT"')):
        path = write(tmp, "metrics.yaml", [null], nohuge=nh)
        with open(path, "a") as f:
            f.write('metrics-listen: "%s"\n' % addr)
        expect_both(build, tmp, path, r"^%s:14:17: metrics-listen: %s"
                    % (re.escape(path), why), "metrics-listen %s" % addr)
    path = write(tmp, "metrics2.yaml", [null], nohuge=nh)
    with open(path, "a") as f:
        f.write('metrics-listen: "192.0.2.1:9357"\n')
    rc, out = daemon_start_fails(build, path, os.path.join(tmp, "m2.ctl"))
    check_eq(rc, 1, "metrics-listen on an address not of this host: start exit status")
    check(re.search(r"^%s:14:17: metrics-listen: cannot listen on 192\.0\.2\.1:9357: "
                    r"Cannot assign requested address" % re.escape(path), out, re.M),
          "metrics-listen that cannot be bound: start message", out)

    # More hugepage memory than reserved.
    if not nh:
        path = write(tmp, "huge.yaml", [null], mem=900000)
        expect_both(build, tmp, path,
                    r"^%s:4:14: dpdk\.memory-mb: 900000 MB of hugepage memory asked.*"
                    r"nr_hugepages.*no-huge: true" % re.escape(path),
                    "too few hugepages")

    # A loader error, through the daemon.
    path = write(tmp, "key.yaml", ['{name: p0, ofport: 1, type: dpdk, devargs: x, rxqs: 2}'],
                 nohuge=nh)
    expect_both(build, tmp, path,
                r"^%s:13:55: bridges\[0\]\.ports\[0\]\.rxqs: unknown key" % re.escape(path),
                "unknown key")


if __name__ == "__main__":
    run(main)
