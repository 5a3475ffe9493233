#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The limits: section bounds what OpenFlow peers can make the model hold.

limits: max-rules 20, max-groups 3, max-meters 2. With ovs-ofctl:
20 flows are accepted (add-flows), the 21st is refused with
FLOW_MOD_FAILED/TABLE_FULL; a 4th group with GROUP_MOD_FAILED/
OUT_OF_GROUPS; a 3rd meter with METER_MOD_FAILED/OUT_OF_METERS. `show
--json` reports max, used and refused of each. Then `reload` with
max-rules 30: the 21st flow goes in, `show` says 30. Deleting flows gives
their budget back.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, check, info, run, tempdir  # noqa: E402


def limits_yaml(rules):
    return "limits:\n  max-rules: %d\n  max-groups: 3\n  max-meters: 2\n" % rules


def refused(d, args, what, code):
    r = d.ofctl_raw(*args)
    check(r.returncode != 0 and code in r.stderr.upper(),
          "%s is refused with %s" % (what, code),
          "status %d: %s" % (r.returncode, (r.stderr + r.stdout).strip()[:300]))


def main(build):
    tmp = tempdir("oflimits")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")],
               extra_yaml=limits_yaml(20)).start()
    flows = os.path.join(tmp, "flows.txt")
    with open(flows, "w") as f:
        for i in range(20):
            f.write("priority=10,udp,tp_dst=%d,actions=output:1\n" % (1000 + i))
    d.ofctl("add-flows", "@", flows)
    refused(d, ("add-flow", "@", "priority=10,udp,tp_dst=99,actions=drop"),
            "a 21st flow", "TABLE_FULL")
    for g in (1, 2, 3):
        d.ofctl("add-group", "@", "group_id=%d,type=all,bucket=output:1" % g)
    refused(d, ("add-group", "@", "group_id=4,type=all,bucket=output:1"),
            "a 4th group", "OUT_OF_GROUPS")
    for m in (1, 2):
        d.ofctl("add-meter", "@", "meter=%d,pktps,band=type=drop,rate=1000" % m)
    refused(d, ("add-meter", "@", "meter=3,pktps,band=type=drop,rate=1000"),
            "a 3rd meter", "OUT_OF_METERS")

    lim = d.ctl("show")["limits"]
    info("show limits: %s" % lim)
    check(lim["rules"] == {"max": 20, "used": 20, "refused": 1}, "show: rules 20/20, 1 refused",
          repr(lim["rules"]))
    check(lim["groups"]["used"] == 3 and lim["groups"]["refused"] == 1, "show: groups 3, 1 refused")
    check(lim["meters"]["used"] == 2 and lim["meters"]["refused"] == 1, "show: meters 2, 1 refused")
    check(lim["instruction_sets"]["used"] >= 1, "show: instruction sets counted")
    text = d.ctl("show", use_json=False)
    check("rules 20/20 (1 refused)" in text, "show (text) prints the rules budget", text[:400])

    d.extra_yaml = limits_yaml(30)
    with open(d.config, "w") as f:
        f.write(d.yaml())
    r = d.ctl_raw("reload", use_json=False, timeout=60)
    check(r.returncode == 0, "reload with max-rules 30", (r.stdout + r.stderr).strip())
    d.ofctl("add-flow", "@", "priority=10,udp,tp_dst=99,actions=drop")
    lim = d.ctl("show")["limits"]["rules"]
    check(lim["max"] == 30 and lim["used"] == 21, "after reload: rules 21/30", repr(lim))
    d.ofctl("del-flows", "@", "udp,tp_dst=1000")
    check(d.ctl("show")["limits"]["rules"]["used"] == 20, "a deleted flow gives its budget back")
    d.stop()


if __name__ == "__main__":
    run(main)
