#!/usr/bin/env bash
# Prepare a Debian 12 machine to build and run pmdswitch, then build it.
#
#   bash tools/setup.sh      (as root)
#
# Idempotent: installs only missing packages, reserves hugepages only if
# there are too few, and reconfigures the build only when needed.
#
# Steps:
#   1. Debian packages (apt-get, only the missing ones).
#   2. Hugepages: 1024 x 2 MB and hugetlbfs on /dev/hugepages. When that is
#      not possible (not root, no hugepage support, the kernel gives too few
#      pages), the switch runs with EAL --no-huge instead: this script then
#      writes the marker file build/no-huge, which tools/demo.sh and the
#      integration tests read (PMDSWITCH_NO_HUGE=1 in the environment has
#      the same effect).
#   3. meson setup build -Dtests=enabled && ninja -C build
#
# Environment:
#   BUILD_DIR        build directory (default: build)
#   SETUP_SKIP_APT=1 do not install packages
#   PMDSWITCH_NO_HUGE=1  skip the hugepage step and use --no-huge
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

log() { printf 'setup: %s\n' "$*"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# --- 1. packages ------------------------------------------------------------
PACKAGES=(build-essential gcc meson ninja-build pkg-config dpdk dpdk-dev
	libdpdk-dev libnuma-dev libpcap-dev libyaml-dev libcmocka-dev libssl-dev
	openssl openvswitch-common python3 python3-os-ken iproute2 tcpdump
	curl prometheus tshark nfdump-sflow ethtool
	# interop-ovs-differential: Open vSwitch's userspace datapath as the reference;
	# interop-tunnels-*: OVS as the remote VTEP where the kernel has no geneve
	openvswitch-switch
	# interop-tunnels-geneve: a small VM with Debian's kernel (its geneve module) as
	# the remote VTEP where the host kernel has none (tests/interop/kernel_vm.py
	# downloads linux-image-amd64's kernel package itself, without installing it)
	qemu-system-x86 busybox-static
	# the package test (tests/package): build, lint, verify the unit, man pages
	debhelper lintian systemd man-db
	# the fuzz suite (build-fuzz): clang with libFuzzer and the sanitizers
	clang libclang-rt-14-dev
	# the pktgen benchmark (tools/bench): pktgen's Lua, the plot
	liblua5.3-dev gnuplot-nox)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	log "packages: all ${#PACKAGES[@]} installed"
elif [ "${SETUP_SKIP_APT:-0}" = 1 ]; then
	log "packages: missing ${missing[*]} (SETUP_SKIP_APT=1, not installing)"
elif ! is_root; then
	log "packages: missing ${missing[*]}; run as root to install them" >&2
	exit 1
else
	log "packages: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	log "packages: installed"
fi

# --- 2. hugepages -----------------------------------------------------------
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB
HP_WANT=1024
HP_MIN=512	# 1 GB: room for the demo (512 MB) and one test daemon (256 MB)
no_huge=0
no_huge_reason=""

if [ "${PMDSWITCH_NO_HUGE:-0}" = 1 ]; then
	no_huge=1
	no_huge_reason="PMDSWITCH_NO_HUGE=1 is set"
elif [ ! -d "$HP_DIR" ]; then
	no_huge=1
	no_huge_reason="the kernel has no 2 MB hugepage support ($HP_DIR missing)"
elif ! is_root; then
	no_huge=1
	no_huge_reason="not running as root, cannot reserve hugepages"
else
	have=$(cat "$HP_DIR/nr_hugepages")
	if [ "$have" -lt "$HP_WANT" ]; then
		echo "$HP_WANT" >"$HP_DIR/nr_hugepages" 2>/dev/null || true
		have=$(cat "$HP_DIR/nr_hugepages")
	fi
	if [ "$have" -lt "$HP_MIN" ]; then
		no_huge=1
		no_huge_reason="the kernel reserved only $have of $HP_WANT 2 MB hugepages"
	else
		if ! mountpoint -q /dev/hugepages; then
			mkdir -p /dev/hugepages
			if ! mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null; then
				no_huge=1
				no_huge_reason="cannot mount hugetlbfs on /dev/hugepages"
			fi
		fi
		if [ "$no_huge" = 0 ]; then
			log "hugepages: $have x 2 MB reserved ($(cat "$HP_DIR/free_hugepages") free), hugetlbfs on /dev/hugepages"
		fi
	fi
fi

# --- 3. build ---------------------------------------------------------------
if [ -f "$BUILD_DIR/build.ninja" ] && [ -f "$BUILD_DIR/meson-private/coredata.dat" ]; then
	if meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
		python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; sys.exit(0 if o.get("tests")=="enabled" else 1)'; then
		log "build: $BUILD_DIR already configured"
	else
		log "build: enabling tests in $BUILD_DIR"
		meson configure "$BUILD_DIR" -Dtests=enabled >/dev/null
	fi
else
	log "build: meson setup $BUILD_DIR -Dtests=enabled"
	meson setup "$BUILD_DIR" -Dtests=enabled >"${TMPDIR:-/tmp}/pmdswitch-meson-setup.log" 2>&1 || {
		cat "${TMPDIR:-/tmp}/pmdswitch-meson-setup.log" >&2
		log "build: meson setup failed" >&2
		exit 1
	}
fi
log "build: ninja -C $BUILD_DIR"
ninja_log="$BUILD_DIR/setup-ninja.log"
if ! ninja -C "$BUILD_DIR" >"$ninja_log" 2>&1; then
	tail -n 60 "$ninja_log" >&2
	log "build: ninja failed (full log: $ninja_log)" >&2
	exit 1
fi
log "build: $(tail -n 1 "$ninja_log")"

# The hugepage verdict is recorded only once the build dir exists.
if [ "$no_huge" = 1 ]; then
	touch "$BUILD_DIR/no-huge"
	log "hugepages: unavailable: $no_huge_reason; the switch will run with no-huge (EAL --no-huge); wrote $BUILD_DIR/no-huge"
	echo "PMDSWITCH_NO_HUGE=1"
else
	rm -f "$BUILD_DIR/no-huge"
fi
log "done"
