#!/usr/bin/env bash
# Set up, build and run pmdswitchd on the embedded default configuration
# (examples/default.yaml: a pcap replay port and a sink port, no NIC needed).
#
#   bash tools/demo.sh                 # runs for 10 s
#   DURATION=60 bash tools/demo.sh
#
# Ctrl-C stops the switch cleanly. Without usable hugepages (see
# tools/setup.sh) the switch runs with no-huge: true.
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf 'demo: %s\n' "$*"; }

DURATION=${DURATION:-10}
CONFIG=examples/default.yaml
PCAP=examples/traffic-udp-1k.pcap
CTL=/run/pmdswitch/pmdswitchd.ctl

bash tools/setup.sh

if [ ! -s "$PCAP" ]; then
	if [ -x build/pmdswitch-gen-pcap ]; then
		build/pmdswitch-gen-pcap -o "$PCAP" --flows 1000
	else
		python3 tests/integration/gen_pcap.py -o "$PCAP" --flows 1000
	fi
fi

tmpconf=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { [ -z "$tmpconf" ] || rm -f "$tmpconf"; }
trap cleanup EXIT

if [ "${PMDSWITCH_NO_HUGE:-0}" = 1 ] || [ -e build/no-huge ]; then
	tmpconf=$(mktemp /tmp/pmdswitch-demo.XXXXXX.yaml)
	# DPDK 22.11 refuses --no-huge together with --in-memory, which the
	# daemon uses when no --file-prefix is given: name one.
	sed -e 's/^\(\s*no-huge:\s*\)false/\1true/' \
		-e 's/^\(\s*extra-args:\s*\)\["--no-pci"\]/\1["--no-pci", "--file-prefix", "pmdswitch-demo"]/' \
		"$CONFIG" >"$tmpconf"
	CONFIG=$tmpconf
	log "no hugepages: running with no-huge: true ($CONFIG)"
fi

mkdir -p "$(dirname "$CTL")"
log "build/pmdswitchd --config $CONFIG --duration $DURATION   (Ctrl-C stops it)"
build/pmdswitchd --config "$CONFIG" --duration "$DURATION" &
pid=$!
# Background jobs of a script ignore SIGINT: pass Ctrl-C on as SIGTERM.
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM

# Half-way through, show what the switch is doing.
peek=$((DURATION / 2))
[ "$peek" -ge 1 ] || peek=1
for ((i = 0; i < peek * 10; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null && [ -S "$CTL" ]; then
	for cmd in show "dump-flows br0" pmd-stats-show; do
		log "pmdswitch-ctl $cmd"
		# shellcheck disable=SC2086
		build/pmdswitch-ctl --ctl "$CTL" $cmd || true
	done
fi

rc=0
wait "$pid" || rc=$?
while kill -0 "$pid" 2>/dev/null; do
	rc=0
	wait "$pid" || rc=$?
done
log "pmdswitchd exited with status $rc"
exit "$rc"
