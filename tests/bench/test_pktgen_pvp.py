#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The pktgen benchmark, short: builds pktgen-dpdk from its source
(PKTGEN_SRC, else ../shared/vendor next to the source tree; skipped with
the reason when there is none), runs tools/bench/pvp_bench.py over
vhost-user for two frame sizes with 1-second trials, and checks that each
search converged and that the trial at the reported rate lost nothing:
pktgen's port 1 received every frame port 0 sent, and the switch's own
counters agree (vhost-user port vm1 received them all, vm2 sent them all).
Then the harness's bad inputs: a frame size below 64 and above the MTU,
a PCI address that does not exist, a vhost socket path that is taken, no
pktgen at all: each exits 2 with one line on stderr, and nothing of it is
left running.

    test_pktgen_pvp.py SOURCE_ROOT BUILD_DIR
"""

import csv
import glob
import os
import subprocess
import sys
import tempfile

SKIP = 77
src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), "..", ".."))
build = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(src, "build"))
bench = os.path.join(src, "tools", "bench", "pvp_bench.py")
sys.path.insert(0, os.path.join(src, "tests", "integration"))
import harness  # noqa: E402


def ok(what):
    print("ok: " + what, flush=True)


def fail(what):
    print("FAIL: test_pktgen_pvp: " + what, flush=True)
    sys.exit(1)


def skip(why):
    print("SKIP: test_pktgen_pvp: " + why, flush=True)
    sys.exit(SKIP)


def left_running(mark):
    r = subprocess.run(["pgrep", "-f", mark], capture_output=True, text=True)
    return [p for p in r.stdout.split() if int(p) != os.getpid()]


def bad_input(args, want, env=None):
    r = subprocess.run([sys.executable, bench] + args, capture_output=True, text=True,
                       env=env, timeout=120)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    if r.returncode != 2 or len(lines) != 1 or want not in lines[0]:
        fail("%s: expected exit 2 and one line with %r, got %d: %r"
             % (" ".join(args), want, r.returncode, r.stderr))
    ok("%s -> exit 2: %s" % (" ".join(args), lines[0]))


def main():
    if os.geteuid() != 0:
        skip("needs root (DPDK, hugepages)")
    for b in ("pmdswitchd", "pmdswitch-ctl"):
        if not os.access(os.path.join(build, b), os.X_OK):
            skip("%s/%s is not built" % (build, b))
    pktgen_src = os.environ.get("PKTGEN_SRC") or os.path.join(src, "..", "shared", "vendor")
    if not glob.glob(os.path.join(pktgen_src, "pktgen-*.tar.gz")) and \
            not os.path.exists(os.path.join(pktgen_src, "meson.build")) and \
            not os.path.isfile(pktgen_src):
        skip("no pktgen source at %s (set PKTGEN_SRC to a pktgen-23.03.0 source "
             "directory or tarball)" % os.path.abspath(pktgen_src))
    if subprocess.run(["pkg-config", "--exists", "lua5.3"]).returncode != 0:
        skip("liblua5.3-dev is not installed (bash tools/setup.sh installs it)")
    if harness.no_huge(build):
        skip("vhost-user needs hugepages (shared guest memory); none free or PMDSWITCH_NO_HUGE=1")

    env = dict(os.environ, PKTGEN_SRC=os.path.abspath(pktgen_src))
    r = subprocess.run(["bash", os.path.join(src, "tools", "bench", "pktgen-build.sh")],
                       capture_output=True, text=True, env=env, timeout=900)
    sys.stdout.write(r.stderr)
    if r.returncode != 0:
        fail("pktgen-build.sh failed (status %d)" % r.returncode)
    pktgen = r.stdout.strip().splitlines()[-1]
    ok("pktgen built: %s" % pktgen)

    tmp = tempfile.mkdtemp(prefix="pmdsw-pktgen-test-")
    sock = os.path.join(tmp, "sock")
    os.mkdir(sock)
    out = os.path.join(tmp, "out")
    cmd = [sys.executable, bench, "--build", build, "--pktgen", pktgen, "--sizes", "64,512",
           "--flows", "1", "--trial", "1", "--precision", "0.1", "--max-iter", "14",
           "--latency-fraction", "0", "--no-ovs", "--sock-dir", sock, "--out", out]
    print("running: " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print("\n".join(line for line in r.stdout.splitlines() if line.startswith(("pvp-bench", "|", "("))))
    sys.stdout.write(r.stderr[-3000:])
    if r.returncode != 0:
        fail("pvp_bench.py exited %d" % r.returncode)
    if left_running(sock):
        fail("processes left running after the benchmark: %s" % left_running(sock))
    ok("pvp_bench.py exited 0 and left nothing running")
    with open(os.path.join(out, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    if sorted(r["size"] for r in rows) != ["512", "64"]:
        fail("results.csv rows: %r" % rows)
    for row in rows:
        what = "%s bytes" % row["size"]
        tx, rx = int(row["tx"]), int(row["rx"])
        if row["converged"] != "True":
            fail("%s: the search did not converge: %r" % (what, row))
        if tx <= 0 or float(row["zero_loss_mpps"]) <= 0:
            fail("%s: no zero-loss rate found: %r" % (what, row))
        if rx != tx or int(row["lost"]) != 0:
            fail("%s: at the reported rate pktgen sent %d and received %d" % (what, tx, rx))
        if int(row["dut_rx"]) != tx or int(row["dut_tx"]) != rx:
            fail("%s: the switch counted %s in and %s out, pktgen %d out and %d in"
                 % (what, row["dut_rx"], row["dut_tx"], tx, rx))
        ok("%s: converged at %.4f Mpps (rate %s%%); all %d frames of that trial received, "
           "the switch counted them in and out" % (what, float(row["zero_loss_mpps"]),
                                                   row["rate_pct"], tx))
    for f in ("results.md", "results.png"):
        if not os.path.getsize(os.path.join(out, f)):
            fail("%s is empty" % f)
    ok("results.md, results.csv and results.png written")

    # Bad input: one line, exit 2, nothing started.
    bad_input(["--pktgen", pktgen, "--sizes", "63"], "frame size 63")
    bad_input(["--pktgen", pktgen, "--sizes", "64,1519"], "frame size 1519")
    bad_input(["--pktgen", pktgen, "--pci", "0000:ff:1f.7,0000:ff:1f.6"], "PCI address 0000:ff:1f.7 does not exist")
    bad_input(["--pktgen", pktgen, "--build", build, "--sock-dir", sock, "--ovs"],
              "--ovs needs OVS-DPDK (%s/none): apt-get install" % tmp,
              env=dict(os.environ, OVS_VSWITCHD_DPDK=os.path.join(tmp, "none")))
    open(os.path.join(sock, "vm1.sock"), "w").close()
    bad_input(["--pktgen", pktgen, "--build", build, "--sock-dir", sock], "is taken")
    os.unlink(os.path.join(sock, "vm1.sock"))
    nocache = os.path.join(tmp, "nocache")
    env = {k: v for k, v in os.environ.items() if k != "PKTGEN_SRC"}
    env.update(PKTGEN_CACHE=nocache, PKTGEN_GIT=os.path.join(tmp, "no-such-repo"))
    bad_input(["--build", build, "--sock-dir", sock], "pktgen missing", env=env)
    if left_running(sock):
        fail("processes left running after the bad inputs: %s" % left_running(sock))
    ok("bad inputs left nothing running")
    subprocess.run(["rm", "-rf", tmp])
    print("PASS: test_pktgen_pvp", flush=True)


main()
