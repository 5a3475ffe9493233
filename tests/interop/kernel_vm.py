# SPDX-License-Identifier: BSD-3-Clause
"""A tiny VM running Debian 12's own kernel, as a peer for interop tests
whose host kernel lacks a device type (e.g. no geneve module).

How the pieces fit:
  - build_image(cache_dir) downloads (apt-get download, not installed) the
    linux-image-6.1.*-amd64 package that linux-image-amd64 depends on,
    extracts vmlinuz and the kernel modules the VM needs from it, resolves
    their dependencies with modinfo (load order: dependencies first), and
    writes an initramfs (newc cpio, gzip) holding busybox-static for the
    userland, the host's iproute2 `ip` with its shared libraries (busybox's
    ip cannot set a geneve device's VNI or remote; commands run with a
    shell function `ip` that calls it, as busybox's sh prefers its own
    applets to files in PATH), the modules
    (decompressed when .ko.xz) and an /init script. vmlinuz + initrd are
    cached in cache_dir (BUILD/interop-vm/) keyed by the package version,
    so only the first run downloads (about 70 MB) and extracts.
  - KernelVm(image, tmp).start(tap) boots it with qemu-system-x86_64
    (KVM when /dev/kvm opens and is hardware virtualisation, else TCG
    with longer timeouts; a KVM boot that fails is tried again with TCG;
    PMDSWITCH_VM_ACCEL=kvm|tcg forces the first try), 1 vCPU,
    small RAM, no display; its virtio-net NIC (offloads off, so frames on
    the wire are plain ones) is the tap device `tap`, created beforehand
    by the caller (e.g. inside a network namespace, bridged there).
    Serial port 0 is the console (a log file); a virtio serial port is
    the control channel, a unix socket: /init reads one command per line,
    runs it with sh and answers with its output and "@@END <id> <rc>".
    (Not a second UART: under TCG on a busy host, a 16550's receive FIFO
    loses characters of a long line now and then; virtio does not.)
  - vm.sh(cmd, timeout) runs one command in the VM and returns
    (rc, output); vm.stop() powers it off and kills qemu if it lingers.
    stop() is registered with harness.on_cleanup, and qemu has
    PR_SET_PDEATHSIG SIGKILL, so qemu never outlives the test, whatever
    the exit path.

Not thread-safe: one caller thread per KernelVm.
"""

import ctypes
import gzip
import io
import os
import re
import shutil
import socket
import stat
import subprocess
import time

from harness import TestFailure, TestSkip, info, on_cleanup

# Modules the VM loads (with their dependencies): the virtio NIC, the
# virtio serial port of the control channel, the GENEVE and VXLAN devices.
VM_MODULES = ("virtio_pci", "virtio_net", "virtio_console", "geneve", "vxlan")
# Folders of the kernel package that hold them and their dependencies.
_MODULE_DIRS = ("kernel/net/ipv4", "kernel/net/ipv6", "kernel/net/core",
                "kernel/drivers/net", "kernel/drivers/virtio", "kernel/drivers/char",
                "kernel/lib")

INIT = r"""#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run
for m in $(cat /modules.order); do
    insmod /modules/$m || echo "insmod $m failed"
done
sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
/usr/lib/iproute2/ip link set lo up
i=0
while [ $i -lt 100 ]; do
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat $p/name 2>/dev/null)" = pmdswitch.ctl ] && [ -c /dev/${p##*/} ] &&
            exec /ctl.sh <>/dev/${p##*/} >&0 2>&0    # A port opens once.
    done
    sleep 0.1
    i=$((i+1))
done
echo "no control port"
poweroff -f
"""

CTL = r"""#!/bin/sh
echo "@@READY"
while IFS= read -r line; do
    id=${line%% *}
    cmd=${line#* }
    sh -c "ip() { /usr/lib/iproute2/ip \"\$@\"; }; $cmd" </dev/null >/tmp/.out 2>&1
    rc=$?
    cat /tmp/.out
    echo "@@END $id $rc"
done
"""


def _run(*cmd, cwd=None, timeout=300):
    r = subprocess.run(list(cmd), cwd=cwd, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise TestSkip("%s failed: %s" % (" ".join(cmd),
                                           r.stderr.decode(errors="replace").strip()[-500:]))
    return r.stdout.decode(errors="replace")


def kernel_package():
    """(name, version) of the linux-image-*-amd64 package linux-image-amd64
    depends on."""
    out = _run("apt-cache", "depends", "linux-image-amd64")
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)\b", out)
    if not m:
        raise TestSkip("apt-cache knows no linux-image-amd64 dependency: %s" % out.strip())
    name = m.group(1)
    pol = _run("apt-cache", "policy", name)
    v = re.search(r"Candidate: (\S+)", pol)
    if not v or v.group(1) == "(none)":
        raise TestSkip("no candidate version for %s" % name)
    return name, v.group(1)


class _Cpio:
    """newc cpio archive writer (what the kernel's initramfs unpacker reads)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def mkdir(self, path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def _modules_in_order(root, wanted):
    """Module files under root (an extracted lib/modules/VERSION) for the
    wanted names and their dependencies, dependencies first."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            m = re.match(r"(.*)\.ko(\.xz)?$", n)
            if m:
                files[m.group(1).replace("-", "_")] = os.path.join(dirpath, n)
    builtin = set()
    try:
        with open(os.path.join(root, "modules.builtin")) as f:
            for ln in f:
                builtin.add(os.path.basename(ln.strip()).split(".ko")[0].replace("-", "_"))
    except OSError:
        pass
    order, seen = [], set()

    def visit(name):
        name = name.replace("-", "_")
        if name in seen or name in builtin:
            return
        seen.add(name)
        if name not in files:
            raise TestSkip("kernel module %s not found in the kernel package" % name)
        deps = _run("modinfo", "-F", "depends", files[name]).strip()
        for d in filter(None, deps.split(",")):
            visit(d)
        order.append((name, files[name]))

    for w in wanted:
        visit(w)
    return order


def _libs_of(binary):
    """Shared libraries (and the loader) a host binary needs, from ldd."""
    out = _run("ldd", binary)
    libs = []
    for ln in out.splitlines():
        m = re.search(r"(/\S+) \(0x", ln)
        if m:
            libs.append(m.group(1))
    return libs


def build_image(cache_dir):
    """(vmlinuz, initrd) paths, built once per kernel package version."""
    for tool, pkg in (("busybox", "busybox-static"), ("apt-get", "apt"),
                      ("dpkg-deb", "dpkg"), ("modinfo", "kmod"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            raise TestSkip("%s is not installed (Debian package %s)" % (tool, pkg))
    busybox = shutil.which("busybox")
    name, version = kernel_package()
    key = "%s_%s" % (name, version)
    kernel = os.path.join(cache_dir, key + ".vmlinuz")
    initrd = os.path.join(cache_dir, key + ".initrd.gz")
    if os.path.exists(kernel) and os.path.exists(initrd):
        return kernel, initrd
    os.makedirs(cache_dir, exist_ok=True)
    for f in os.listdir(cache_dir):     # Images of older kernel packages.
        if f.endswith((".vmlinuz", ".initrd.gz")):
            os.unlink(os.path.join(cache_dir, f))
    work = os.path.join(cache_dir, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t0 = time.monotonic()
    info("kernel VM: downloading %s %s" % (name, version))
    _run("apt-get", "download", "-q", "%s=%s" % (name, version), cwd=work, timeout=600)
    deb = [f for f in os.listdir(work) if f.endswith(".deb")]
    if len(deb) != 1:
        raise TestSkip("apt-get download left %r" % deb)
    wild = ["./boot/vmlinuz-*", "./lib/modules/*/modules.builtin"] + \
           ["./lib/modules/*/%s/*" % d for d in _MODULE_DIRS]
    tar = subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -x --wildcards %s" % (
        deb[0], " ".join("'%s'" % w for w in wild)), shell=True, cwd=work,
        capture_output=True, text=True, timeout=600)
    vmlinuz = [f for f in os.listdir(os.path.join(work, "boot"))] \
        if os.path.isdir(os.path.join(work, "boot")) else []
    if len(vmlinuz) != 1:
        raise TestSkip("no vmlinuz in %s: %s" % (deb[0], tar.stderr.strip()[-300:]))
    kver = os.listdir(os.path.join(work, "lib", "modules"))[0]
    mods = _modules_in_order(os.path.join(work, "lib", "modules", kver), VM_MODULES)

    cpio = _Cpio()
    for d in ("proc", "sys", "dev", "tmp", "run", "sbin", "usr/bin", "usr/sbin"):
        cpio.mkdir(d)
    with open(busybox, "rb") as f:
        cpio.file("bin/busybox", f.read(), 0o755)
    for applet in _run(busybox, "--list").split():
        if applet != "busybox":
            cpio.symlink("bin/" + applet, "busybox")
    ip = os.path.realpath(shutil.which("ip"))
    with open(ip, "rb") as f:
        cpio.file("usr/lib/iproute2/ip", f.read(), 0o755)
    for lib in _libs_of(ip):
        with open(os.path.realpath(lib), "rb") as f:
            cpio.file(lib, f.read(), 0o755)
    order = []
    for mname, path in mods:
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".xz"):
            data = subprocess.run(["xz", "-dc"], input=data, capture_output=True,
                                  check=True).stdout
        cpio.file("modules/%s.ko" % mname, data)
        order.append(mname + ".ko")
    cpio.file("modules.order", ("\n".join(order) + "\n").encode())
    cpio.file("init", INIT.encode(), 0o755)
    cpio.file("ctl.sh", CTL.encode(), 0o755)
    with open(initrd + ".tmp", "wb") as f:
        f.write(gzip.compress(cpio.finish(), 6))
    shutil.copyfile(os.path.join(work, "boot", vmlinuz[0]), kernel + ".tmp")
    os.rename(kernel + ".tmp", kernel)
    os.rename(initrd + ".tmp", initrd)
    shutil.rmtree(work, ignore_errors=True)
    info("kernel VM: built %s (%s), modules %s, in %.0f s" % (
        os.path.basename(initrd), kver, " ".join(order), time.monotonic() - t0))
    return kernel, initrd


def _die_with_parent():
    """preexec_fn: the child (qemu, after ip netns exec's exec) gets
    SIGKILL when the test process dies, even by SIGKILL."""
    ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL


def kvm_usable():
    """True when /dev/kvm opens and is hardware virtualisation (kvm_intel
    or kvm_amd): a PVM host (kvm_pvm, nested KVM without VMX/SVM) runs
    only kernels built as PVM guests, a stock kernel hangs there."""
    if not any(os.path.isdir("/sys/module/" + m) for m in ("kvm_intel", "kvm_amd")):
        return False
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def qemu_available():
    return shutil.which("qemu-system-x86_64") is not None


class KernelVm:
    def __init__(self, image, tmp, netns=None):
        self.kernel, self.initrd = image
        self.tmp = tmp
        self.netns = netns
        accel = os.environ.get("PMDSWITCH_VM_ACCEL", "")
        self.kvm = accel == "kvm" or (accel != "tcg" and kvm_usable())
        # TCG emulates each instruction: boots and commands take longer.
        self.slow = 1 if self.kvm else 2
        self.console = os.path.join(tmp, "vm-console.log")
        self.ctl_path = os.path.join(tmp, "vm-ctl.sock")
        self.proc = None
        self.ready = False
        self.sock = None
        self.buf = b""
        self.seq = 0

    def start(self, tap, mac="52:54:00:12:34:56", mem_mb=256):
        on_cleanup(self.stop)
        try:
            return self._boot(tap, mac, mem_mb)
        except TestFailure as e:
            if not self.kvm:
                raise
            info("kernel VM: no boot with KVM (%s), trying TCG" % str(e)[-300:])
            self.stop()
            self.kvm, self.slow = False, 2
            return self._boot(tap, mac, mem_mb)

    def _boot(self, tap, mac, mem_mb):
        if os.path.exists(self.ctl_path):
            os.unlink(self.ctl_path)
        self.buf = b""
        self.ready = False
        cmd = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
               "-no-reboot", "-m", str(mem_mb), "-smp", "1",
               "-kernel", self.kernel, "-initrd", self.initrd,
               "-append", "console=ttyS0 panic=-1 loglevel=4",
               "-serial", "file:" + self.console,
               "-device", "virtio-serial-pci",
               "-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % self.ctl_path,
               "-device", "virtserialport,chardev=ctl,name=pmdswitch.ctl",
               "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % tap,
               "-device", "virtio-net-pci,netdev=n0,mac=%s,csum=off,guest_csum=off,"
               "gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off,"
               "host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off,mrg_rxbuf=off" % mac]
        cmd += ["-enable-kvm", "-cpu", "host"] if self.kvm else ["-accel", "tcg"]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        info("kernel VM: booting (%s)" % ("KVM" if self.kvm else "TCG, no usable /dev/kvm"))
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 10 * self.slow
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise TestFailure("qemu did not start: %s" % self._qemu_output())
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.ctl_path)
                break
            except OSError:     # Not there or not listening yet.
                s.close()
                time.sleep(0.05)
        self.sock = s
        self._read_until(b"@@READY\n", 45 * self.slow, "the VM's control channel")
        self.ready = True
        info("kernel VM: up in %.1f s" % (time.monotonic() - self.t_start))
        return self

    def _qemu_output(self):
        out = ""
        if self.proc and self.proc.poll() is not None:
            out = self.proc.stdout.read().decode(errors="replace")
        return out + "\nconsole:\n" + self.console_tail()

    def console_tail(self, n=30):
        try:
            with open(self.console, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def _read_until(self, marker, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out = self.buf[:i]
                self.buf = self.buf[i + len(marker):]
                return out
            left = deadline - time.monotonic()
            if left <= 0 or (self.proc.poll() is not None):
                raise TestFailure("timeout waiting for %s (got %r): %s" % (
                    what, self.buf[-500:], self._qemu_output()))
            self.sock.settimeout(min(left, 0.5))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise TestFailure("the VM's control channel: %s: %s" % (e, self._qemu_output()))
            if not data:
                raise TestFailure("the VM closed its control channel: %s"
                                  % self._qemu_output())
            self.buf += data.replace(b"\r", b"")

    def sh(self, cmd, timeout=20):
        """Runs cmd (one line) with sh in the VM; returns (rc, output)."""
        if "\n" in cmd:
            raise ValueError("one line only")
        self.seq += 1
        self.sock.sendall(b"%d %s\n" % (self.seq, cmd.encode()))
        out = self._read_until(b"@@END %d " % self.seq, timeout * self.slow,
                               "VM command %r" % cmd)
        rc = self._read_until(b"\n", 5 * self.slow, "VM command status")
        return int(rc), out.decode(errors="replace")

    def check_sh(self, cmd, timeout=20):
        rc, out = self.sh(cmd, timeout)
        if rc != 0:
            raise TestFailure("in the VM: %s: rc %d: %s" % (cmd, rc, out.strip()))
        return out

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None and self.sock is not None and self.ready:
            try:
                self.sock.sendall(b"0 poweroff -f\n")
                self.proc.wait(5 * self.slow)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.proc = None
