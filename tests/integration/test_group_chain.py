#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Group chains with a big fan-out are checked in linear time.

Five levels of ALL groups, each of 32 buckets with 64 group actions to the
level below (the add of each level walks 2048^level chains without a memo:
it never ends), added with ovs-ofctl add-group (which waits for a barrier
reply). Each add must complete within 10 s, a flow through the top group is
accepted, a modify that closes a loop is refused with GROUP_MOD_FAILED/LOOP
and a chain longer than 8 groups with GROUP_MOD_FAILED/
CHAINING_UNSUPPORTED, and ovs-ofctl and pmdswitch-ctl still answer.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Port, check, info, run, tempdir  # noqa: E402

BUCKETS, ACTIONS, LEVELS = 32, 64, 5


def fanout_group(gid, to):
    bucket = "bucket=" + ",".join(["group:%d" % to] * ACTIONS)
    return "group_id=%d,type=all,%s" % (gid, ",".join([bucket] * BUCKETS))


def main(build):
    tmp = tempdir("groupchain")
    d = Daemon(build, tmp, ports=[Port("p1", 1, "net_null0,no-rx=1")]).start()

    d.ofctl("add-group", "@", "group_id=1,type=all,bucket=output:1")
    for gid in range(2, LEVELS + 1):
        t0 = time.monotonic()
        r = d.ofctl_raw("add-group", "@", fanout_group(gid, gid - 1), timeout=10)
        dt = time.monotonic() - t0
        check(r.returncode == 0, "level %d: add-group of %dx%d group actions completes "
              "(barrier answered) within 10 s" % (gid, BUCKETS, ACTIONS),
              "status %d after %.1f s: %s" % (r.returncode, dt, r.stderr.strip()))
        info("level %d added in %.3f s" % (gid, dt))
    d.ofctl("add-flow", "@", "priority=1,actions=group:%d" % LEVELS)

    # 1 -> 5 closes a loop through the fan-out.
    r = d.ofctl_raw("mod-group", "@", fanout_group(1, LEVELS), timeout=10)
    check(r.returncode != 0 and "LOOP" in r.stderr.upper(),
          "mod-group closing a loop is refused with GROUP_MOD_FAILED/LOOP",
          "status %d: %s" % (r.returncode, r.stderr.strip()))

    # A plain chain of 8 indirect groups is the limit; a 9th is refused.
    d.ofctl("add-group", "@", "group_id=100,type=indirect,bucket=output:1")
    for gid in range(101, 108):
        d.ofctl("add-group", "@", "group_id=%d,type=indirect,bucket=group:%d" % (gid, gid - 1))
    r = d.ofctl_raw("add-group", "@", "group_id=108,type=indirect,bucket=group:107")
    check(r.returncode != 0 and "CHAINING_UNSUPPORTED" in r.stderr.upper(),
          "a chain of 9 groups is refused with GROUP_MOD_FAILED/CHAINING_UNSUPPORTED",
          "status %d: %s" % (r.returncode, r.stderr.strip()))

    out = d.ofctl("dump-groups", "@")
    check(out.count("group_id=") == LEVELS + 8, "dump-groups lists the %d groups" % (LEVELS + 8),
          out[:300])
    d.ctl("version")
    d.stop()


if __name__ == "__main__":
    run(main)
