#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package, end to end:
#   1. dpkg-buildpackage -b -us -uc in a copy of the source tree builds
#      pmdswitch_VERSION_ARCH.deb;
#   2. lintian reports no error on it;
#   3. apt-get installs it (its dependencies resolve), and then:
#      - the group pmdswitch exists (postinst),
#      - /etc/pmdswitch/pmdswitch.yaml is a conffile and
#        `pmdswitchd --check-config /etc/pmdswitch/pmdswitch.yaml` says OK,
#      - `systemd-analyze verify` passes on the installed pmdswitchd.service
#        (its binaries and man pages exist at the paths it names),
#      - the installed man pages are well-formed and name every option of
#        `pmdswitchd --help` and every command of `pmdswitch-ctl --help`;
#   4. apt-get purge removes it again.
# Needs root (apt-get). Exit 77 (skipped) with the reason when a tool is
# missing (tools/setup.sh installs them), when not root, or when a
# pmdswitch package is already installed (it is not ours to remove).
#
#   bash tests/package/test_deb.sh SOURCE_DIR
set -euo pipefail

src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
SKIP=77

info() { printf '%s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: test_deb: %s\n' "$*"; exit 1; }
skip() { printf 'SKIP: test_deb: %s\n' "$*"; exit "$SKIP"; }

for t in dpkg-buildpackage dh lintian systemd-analyze apt-get man; do
	command -v "$t" >/dev/null || skip "$t is not installed (tools/setup.sh installs the package tools)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install of the built package)"
if dpkg-query -W -f='${Status}' pmdswitch 2>/dev/null | grep -q 'ok installed'; then
	skip "a pmdswitch package is already installed on this machine; not replacing it"
fi

work=$(mktemp -d /tmp/pmdsw-deb.XXXXXX)
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		apt-get purge -y -qq -o DPkg::Lock::Timeout=600 pmdswitch >/dev/null 2>&1 ||
			dpkg --purge pmdswitch >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# 1. build from a copy: the tree's own files, not its build directories.
mkdir "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard | grep -vE '^build[^/]*/' |
		tar -cf - -T -) | tar -xf - -C "$work/src"
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -xf - -C "$work/src"
fi
info "building: dpkg-buildpackage -b -us -uc (in $work/src)"
if ! (cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log"
	fail "dpkg-buildpackage failed"
fi
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb="$work/pmdswitch_${version}_${arch}.deb"
[ -s "$deb" ] || fail "no $deb after dpkg-buildpackage: $(ls "$work")"
ok "dpkg-buildpackage built $(basename "$deb")"

# 2. lintian: no errors (warnings are printed).
if ! lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log"
	fail "lintian reports errors"
fi
grep -E '^[EWI]:' "$work/lintian.log" || true
ok "lintian: no errors"

# 3. install with its dependencies.
info "installing: apt-get install ./$(basename "$deb")"
installed=1
if ! apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
	"$deb" >"$work/install.log" 2>&1; then
	tail -n 30 "$work/install.log"
	fail "apt-get install of the package failed"
fi
ok "package installed"

getent group pmdswitch >/dev/null || fail "postinst did not create the group pmdswitch"
ok "group pmdswitch exists"

conffiles=$(dpkg-query -W -f='${Conffiles}' pmdswitch)
grep -q '/etc/pmdswitch/pmdswitch.yaml' <<<"$conffiles" ||
	fail "/etc/pmdswitch/pmdswitch.yaml is not a conffile: $conffiles"
ok "/etc/pmdswitch/pmdswitch.yaml is a conffile"

for f in /usr/bin/pmdswitchd /usr/bin/pmdswitch-ctl /usr/bin/pmdswitch-gen-pcap; do
	[ -x "$f" ] || fail "$f is not installed"
done
/usr/bin/pmdswitchd --version | grep -q "pmdswitchd $version" ||
	fail "installed pmdswitchd --version: $(/usr/bin/pmdswitchd --version)"
ok "binaries installed, pmdswitchd --version is $version"

# The installed example asks for hugepages (dpdk.memory-mb: 512), which
# pmdswitchd.service reserves before it starts. When this machine has them
# free, the file must check OK as it is; when it has not, the check must
# fail on exactly that, naming the key, and the same file with no-huge: true
# must check OK.
conf=/etc/pmdswitch/pmdswitch.yaml
want_mb=$(awk '/memory-mb:/ {print $2; exit}' "$conf")
free_mb=0
for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
	[ -d "$d" ] || continue
	kb=${d##*hugepages-}
	kb=${kb%kB}
	free_mb=$((free_mb + $(cat "$d/free_hugepages") * kb / 1024))
done
set +e
out=$(/usr/bin/pmdswitchd --check-config "$conf" 2>&1)
rc=$?
set -e
info "pmdswitchd --check-config $conf: status $rc: $out"
if [ "$free_mb" -ge "$want_mb" ]; then
	[ "$rc" -eq 0 ] && [ "$out" = "$conf: OK" ] ||
		fail "--check-config on the installed example (hugepages: $free_mb MB free)"
	ok "pmdswitchd --check-config $conf: OK"
else
	[ "$rc" -eq 1 ] && grep -q "dpdk.memory-mb" <<<"$out" ||
		fail "--check-config without free hugepages should name dpdk.memory-mb"
	sed 's/^\(\s*no-huge:\s*\)false/\1true/' "$conf" >"$work/nohuge.yaml"
	out=$(/usr/bin/pmdswitchd --check-config "$work/nohuge.yaml" 2>&1) ||
		fail "--check-config on the installed example with no-huge: $out"
	ok "only $free_mb MB hugepages free: --check-config names dpdk.memory-mb; with no-huge: true it is OK"
fi
# A broken copy is refused (what ExecStartPre relies on).
sed 's/^datapath:/datapath:\n  no-such-key: 1/' "$conf" >"$work/bad.yaml"
set +e
out=$(/usr/bin/pmdswitchd --check-config "$work/bad.yaml" 2>&1)
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -qE 'bad.yaml:[0-9]+:[0-9]+' <<<"$out" ||
	fail "--check-config on a bad file: status $rc: $out"
ok "--check-config refuses a bad file with file:line:column"

unit=$(dpkg -L pmdswitch | grep '/systemd/system/pmdswitchd.service$' | head -n 1)
[ -n "$unit" ] || fail "pmdswitchd.service is not in the package"
if ! systemd-analyze verify "$unit" >"$work/verify.log" 2>&1; then
	cat "$work/verify.log"
	fail "systemd-analyze verify $unit"
fi
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify printed warnings"; }
ok "systemd-analyze verify $unit"
for k in Type=notify 'ExecStartPre=.*--check-config' 'ExecReload=.*reload' \
	Restart=on-failure RestartSec= StartLimitBurst= dpdk-hugepages.py CapabilityBoundingSet=; do
	grep -qE "^[^#]*$k" "$unit" || fail "$unit has no $k"
done
ok "the unit checks the config, reloads, restarts with back-off, reserves hugepages, bounds capabilities"

# Man pages: installed, well-formed, truthful to --help.
for m in pmdswitchd.8 pmdswitch-ctl.8 pmdswitch.yaml.5 pmdswitch-gen-pcap.1; do
	path=$(dpkg -L pmdswitch | grep "/man/man.*/$m.gz$" | head -n 1)
	[ -n "$path" ] || fail "man page $m is not installed"
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$path" 2>&1 >/dev/null || true)
	[ -z "$warn" ] || fail "man $m: $warn"
	LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$path" 2>/dev/null | col -b >"$work/$m.txt"
done
for o in $(/usr/bin/pmdswitchd --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	grep -qF -- "$o" "$work/pmdswitchd.8.txt" || fail "pmdswitchd(8) does not document $o"
done
cmds=$(/usr/bin/pmdswitch-ctl --help | awk '/^Commands/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || fail "no commands found in pmdswitch-ctl --help"
for c in $cmds; do
	grep -qE "^ +$c( |$)" "$work/pmdswitch-ctl.8.txt" || fail "pmdswitch-ctl(8) does not document $c"
done
ok "man pages: every pmdswitchd option and pmdswitch-ctl command documented ($(echo $cmds | wc -w) commands)"

# 4. remove.
apt-get purge -y -qq -o DPkg::Lock::Timeout=600 pmdswitch >"$work/purge.log" 2>&1 ||
	{ cat "$work/purge.log"; fail "apt-get purge pmdswitch"; }
installed=0
[ ! -e /usr/bin/pmdswitchd ] && [ ! -e "$conf" ] || fail "purge left files behind"
ok "package purged, no files left"
info "PASS: test_deb"
