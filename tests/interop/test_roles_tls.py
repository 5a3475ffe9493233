#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Interop: OpenFlow 1.3 roles with two controllers, and TLS.

Roles (two connections through the ptcp: listener, os-ken's message
classes): A becomes MASTER (generation 1), B SLAVE; B's flow_mod gets
BAD_REQUEST/IS_SLAVE; a stale generation gets ROLE_REQUEST_FAILED/STALE;
B becomes MASTER (generation 2) and that turns A into a SLAVE: A's
flow_mod is now refused and B's accepted.

TLS (certificates made with openssl req in a temp dir): the switch
connects to controllers: ["ssl:..."] with its key, certificate and CA;
a controller whose certificate is signed by the same CA completes the TLS
handshake and the OpenFlow HELLO / FEATURES exchange (datapath id checked);
a controller whose certificate comes from another CA is refused by the
switch ("peer certificate" in its log).
"""

import os
import socket
import ssl
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from interop_lib import (CtlDaemon, OfClient, check, info, listen_socket,  # noqa: E402
                         need_osken, openssl_certs, wait_for)
from harness import Port, check_eq, run, tempdir  # noqa: E402


def roles(d):
    a = OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=5))
    b = OfClient(socket.create_connection(("127.0.0.1", d.of_port), timeout=5))
    for c in (a, b):
        feats = c.handshake()
        check_eq(feats.datapath_id, 1, "FEATURES_REPLY datapath id")
    ofp = a.ofp
    r = a.role(ofp.OFPCR_ROLE_MASTER, 1)
    check(isinstance(r, a.parser.OFPRoleReply) and r.role == ofp.OFPCR_ROLE_MASTER,
          "A: role request MASTER gen 1 -> MASTER")
    r = b.role(ofp.OFPCR_ROLE_SLAVE, 1)
    check(isinstance(r, b.parser.OFPRoleReply) and r.role == ofp.OFPCR_ROLE_SLAVE,
          "B: role request SLAVE gen 1 -> SLAVE")
    xid = b.flow_mod(priority=7, match={"in_port": 1})
    err = b.recv_type(b.parser.OFPErrorMsg)
    check_eq((err.xid, err.type, err.code), (xid, ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_IS_SLAVE),
             "slave's flow_mod refused with BAD_REQUEST/IS_SLAVE")
    check(len(err.data) == 64 or len(err.data) >= 56,
          "the error echoes the start of the request (%d bytes)" % len(err.data))
    r = b.role(ofp.OFPCR_ROLE_MASTER, 0)
    check(isinstance(r, b.parser.OFPErrorMsg) and
          (r.type, r.code) == (ofp.OFPET_ROLE_REQUEST_FAILED, ofp.OFPRRFC_STALE),
          "stale generation id -> ROLE_REQUEST_FAILED/STALE")
    a.flow_mod(priority=8, match={"in_port": 1})
    a.barrier()
    r = b.role(ofp.OFPCR_ROLE_MASTER, 2)
    check(isinstance(r, b.parser.OFPRoleReply) and r.role == ofp.OFPCR_ROLE_MASTER
          and r.generation_id == 2, "B: MASTER gen 2 -> MASTER")
    r = a.role(ofp.OFPCR_ROLE_NOCHANGE, 0)
    check(r.role == ofp.OFPCR_ROLE_SLAVE and r.generation_id == 2,
          "A was turned into a SLAVE by B's mastership")
    xid = a.flow_mod(priority=9, match={"in_port": 2})
    err = a.recv_type(a.parser.OFPErrorMsg)
    check_eq((err.xid, err.code), (xid, ofp.OFPBRC_IS_SLAVE), "A (now slave) is refused")
    b.flow_mod(priority=10, match={"in_port": 2})
    b.barrier()
    flows = d.ofctl("dump-flows", "@")
    check("priority=8" in flows and "priority=10" in flows and "priority=7" not in flows
          and "priority=9" not in flows, "only the masters' flows are in the table", flows)
    # GET_ASYNC of a slave: no packet-ins by default.
    a.send(a.parser.OFPGetAsyncRequest(a.dp))
    m = a.recv_type(a.parser.OFPGetAsyncReply)
    check_eq((m.packet_in_mask[0], m.packet_in_mask[1]), (3, 0), "GET_ASYNC default masks")
    a.close()
    b.close()


def tls_controller(srv, tls_ctx, result):
    """Accept one switch connection, do TLS and HELLO/FEATURES."""
    try:
        conn, _ = srv.accept()
        conn.settimeout(10)
        s = tls_ctx.wrap_socket(conn, server_side=True)
        c = OfClient(s)
        feats = c.handshake()
        result["dpid"] = feats.datapath_id
        result["peer"] = s.getpeercert()["subject"]
        c.close()
    except Exception as e:      # reported by the main thread
        result["error"] = "%s: %s" % (type(e).__name__, e)


def tls(build, tmp):
    certs = openssl_certs(tmp)
    good, bad = listen_socket(), listen_socket()
    ctx_good = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx_good.load_cert_chain(certs["ca"]["ctl"][1], certs["ca"]["ctl"][0])
    ctx_good.load_verify_locations(certs["ca"]["ca"])
    ctx_good.verify_mode = ssl.CERT_REQUIRED
    ctx_bad = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx_bad.load_cert_chain(certs["ca2"]["ctl"][1], certs["ca2"]["ctl"][0])
    ctx_bad.load_verify_locations(certs["ca"]["ca"])
    res_good, res_bad = {}, {}
    threads = [threading.Thread(target=tls_controller, args=(good, ctx_good, res_good)),
               threading.Thread(target=tls_controller, args=(bad, ctx_bad, res_bad))]
    for t in threads:
        t.daemon = True
        t.start()
    key, cert = certs["ca"]["switch"]
    d = CtlDaemon(build, tmp, ports=[Port("p1", 1, "net_pcap0,tx_pcap=%s/t1.pcap" % tmp)],
                  controllers=["ssl:127.0.0.1:%d" % good.getsockname()[1],
                               "ssl:127.0.0.1:%d" % bad.getsockname()[1]],
                  ssl=(key, cert, certs["ca"]["ca"])).start()
    for t in threads:
        t.join(20)
    check(res_good.get("dpid") == 1, "TLS controller: handshake, HELLO and FEATURES (dpid 1)",
          str(res_good))
    check("ca-switch" in str(res_good.get("peer")), "the switch presented its certificate")
    check("dpid" not in res_bad, "controller with a certificate from another CA is refused",
          str(res_bad))
    wait_for(lambda: "peer certificate" in d.log_text() or "handshake failed" in d.log_text(),
             10, what="the switch logging the refused certificate")
    wait_for(lambda: "connected (OpenFlow 1.3, peer ca-ctl)" in d.log_text(), 10,
             what="the switch logging the TLS connection")
    info([ln for ln in d.log_text().splitlines() if "ssl:" in ln])
    d.stop()


def main(build):
    need_osken()
    tmp = tempdir("roles-tls")
    d = CtlDaemon(build, tmp, ports=[Port("p1", 1, "net_pcap0,tx_pcap=%s/r1.pcap" % tmp),
                                     Port("p2", 2, "net_pcap1,tx_pcap=%s/r2.pcap" % tmp)]).start()
    roles(d)
    d.stop()
    tls(build, tempdir("tls"))


if __name__ == "__main__":
    run(main)
