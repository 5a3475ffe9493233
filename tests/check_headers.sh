#!/bin/sh
# Two structural rules, checked on every header of the tree:
#  1. src/ofproto/ includes no DPDK header (it must build without DPDK);
#  2. every header compiles on its own (it includes what it uses).
set -u
top=$1
cc=${CC:-cc}
fail=0

dpdk_in_ofproto=$(grep -rlE '#include[[:space:]]*[<"]rte_' "$top/src/ofproto" || true)
if [ -n "$dpdk_in_ofproto" ]; then
	echo "FAIL: src/ofproto must not include DPDK headers:" $dpdk_in_ofproto
	fail=1
fi

cflags="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I$top -I$top/src $(pkg-config --cflags libdpdk)"
n=0
for h in $(cd "$top" && find src drivers -name '*.h' | sort); do
	n=$((n + 1))
	if ! echo "#include \"$h\"" | $cc $cflags -include rte_config.h -x c -fsyntax-only - 2>/tmp/check_headers.$$; then
		echo "FAIL: $h does not compile on its own:"
		head -5 /tmp/check_headers.$$
		fail=1
	fi
done
rm -f /tmp/check_headers.$$
echo "checked $n headers, src/ofproto DPDK-free: $([ -z "$dpdk_in_ofproto" ] && echo yes || echo no)"
exit $fail
