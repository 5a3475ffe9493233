#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build pktgen-dpdk (the traffic generator of the pktgen benchmark,
# tools/bench/pvp_bench.py) against the system's DPDK, into a cache folder,
# and print the path of the pktgen binary on stdout (the last line).
#
#   bash tools/bench/pktgen-build.sh                    # PKTGEN_SRC, else git
#   PKTGEN_SRC=../shared/vendor/pktgen-23.03.0.tar.gz bash tools/bench/pktgen-build.sh
#
# Source, in this order:
#   PKTGEN_SRC   a source directory, a .tar.gz, or a folder holding
#                pktgen-$PKTGEN_VERSION.tar.gz
#   git          a shallow clone of tag pktgen-$PKTGEN_VERSION from
#                $PKTGEN_GIT when the machine is online
# Environment:
#   PKTGEN_VERSION  default 23.03.0 (the version the harness is written for)
#   PKTGEN_CACHE    default ${XDG_CACHE_HOME:-$HOME/.cache}/pmdswitch
#   PKTGEN_GIT      default https://github.com/pktgen/Pktgen-DPDK.git
# A build that is there already (same version, binary present) is reused.
# Needs liblua5.3-dev (tools/setup.sh installs it) and Debian's libdpdk-dev.
# Exit status: 0 built (or cached), 1 build failed, 2 no source.
set -euo pipefail

VERSION=${PKTGEN_VERSION:-23.03.0}
CACHE=${PKTGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pmdswitch}
GIT_URL=${PKTGEN_GIT:-https://github.com/pktgen/Pktgen-DPDK.git}
DIR="$CACHE/pktgen-$VERSION"
BIN="$DIR/build/app/pktgen"

log() { printf 'pktgen-build: %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
	log "cached: $BIN"
	echo "$BIN"
	exit 0
fi

for t in meson ninja pkg-config cc; do
	command -v "$t" >/dev/null || { log "$t is missing (bash tools/setup.sh installs the build tools)"; exit 1; }
done
pkg-config --exists libdpdk || { log "libdpdk-dev is not installed (bash tools/setup.sh)"; exit 1; }
pkg-config --exists lua5.3 || { log "liblua5.3-dev is not installed: apt-get install liblua5.3-dev (tools/setup.sh installs it)"; exit 1; }

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.pktgen-src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

src=${PKTGEN_SRC:-}
if [ -n "$src" ] && [ -d "$src" ] && [ -f "$src/pktgen-$VERSION.tar.gz" ]; then
	src="$src/pktgen-$VERSION.tar.gz"
fi
if [ -n "$src" ] && [ -f "$src/meson.build" ]; then
	log "source: directory $src"
	cp -a "$src/." "$tmp/src"
elif [ -n "$src" ] && [ -f "$src" ]; then
	log "source: tarball $src"
	mkdir "$tmp/src"
	tar -xzf "$src" -C "$tmp/src" --strip-components=1 ||
		{ log "cannot unpack $src"; exit 1; }
elif [ -n "$src" ]; then
	log "PKTGEN_SRC=$src is neither a pktgen source directory, a .tar.gz, nor a folder with pktgen-$VERSION.tar.gz"
	exit 2
elif command -v git >/dev/null &&
	git clone -q --depth 1 --branch "pktgen-$VERSION" "$GIT_URL" "$tmp/src" 2>"$tmp/git.log"; then
	log "source: $GIT_URL tag pktgen-$VERSION"
else
	log "no pktgen source: set PKTGEN_SRC to a pktgen-$VERSION source directory or tarball" \
		"(e.g. PKTGEN_SRC=../shared/vendor/pktgen-$VERSION.tar.gz), or go online for" \
		"git clone --branch pktgen-$VERSION $GIT_URL"
	exit 2
fi
[ -f "$tmp/src/meson.build" ] || { log "no meson.build in the pktgen source"; exit 1; }

# pktgen sizes its mbufs for 9 KB jumbo frames, 24,576 per pool and about
# ten pools: 2.4 GB of hugepages for two ports. The benchmark sends frames
# of at most 1518 bytes: 2 KB data rooms and a quarter of the mbufs (the
# descriptors twice over) fit in 384 MB, next to the switch, on a machine
# with 1 GB of hugepages.
consts="$tmp/src/app/pktgen-constants.h"
if [ "${PKTGEN_SMALL_MBUFS:-1}" = 1 ] && [ -f "$consts" ]; then
	sed -i -e 's/^#define DEFAULT_MBUF_SIZE  (10 \* 1024)$/#define DEFAULT_MBUF_SIZE  (2048 + 128)/' \
		-e 's/MAX_MBUFS_PER_PORT = ((DEFAULT_RX_DESC + DEFAULT_TX_DESC) \* 8),/MAX_MBUFS_PER_PORT = ((DEFAULT_RX_DESC + DEFAULT_TX_DESC) * 2),/' \
		"$consts"
	grep -q 'DEFAULT_MBUF_SIZE  (2048 + 128)' "$consts" ||
		log "warning: could not size pktgen's mbufs down (a different pktgen version?): it may need 2.4 GB of hugepages"
	log "mbufs: 2 KB data rooms, (rx + tx descriptors) x 2 per pool (PKTGEN_SMALL_MBUFS=0 keeps pktgen's own)"
fi

# Its Lua library misses DPDK's include path: hand it over in c_args.
log "building into $DIR (meson + ninja, a minute or two)"
rm -rf "$DIR"
mv "$tmp/src" "$DIR"
if ! (cd "$DIR" && meson setup build -Denable_lua=true \
	-Dc_args="$(pkg-config --cflags-only-I libdpdk)" && ninja -C build) >"$CACHE/pktgen-$VERSION-build.log" 2>&1; then
	tail -n 30 "$CACHE/pktgen-$VERSION-build.log" >&2
	log "build failed (log: $CACHE/pktgen-$VERSION-build.log)"
	rm -rf "$DIR/build"
	exit 1
fi
[ -x "$BIN" ] || { log "no $BIN after the build"; exit 1; }
log "built: $BIN"
echo "$BIN"
