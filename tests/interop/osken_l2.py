# SPDX-License-Identifier: BSD-3-Clause
"""An os-ken L2 learning switch (OpenFlow 1.3) for the interop tests.

Table-miss to the controller; every packet-in teaches src MAC -> in_port;
a known destination gets a flow (in_port, eth_src, eth_dst -> output) and
the packet is sent on with a packet-out. Events go to the file named by the
environment variable OSKEN_L2_EVENTS, one line each: "connected DPID",
"packet_in IN_PORT SRC DST", "flow IN_PORT SRC DST OUT".
"""

import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


def _event(line):
    with open(os.environ["OSKEN_L2_EVENTS"], "a") as f:
        f.write(line + "\n")


class L2Switch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [
            parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=0, match=parser.OFPMatch(),
                                      instructions=inst))
        dp.send_msg(parser.OFPBarrierRequest(dp))
        _event("connected %x" % dp.id)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        _event("packet_in %d %s %s" % (in_port, eth.src, eth.dst))
        self.macs[eth.src] = in_port
        out = self.macs.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=in_port, eth_dst=eth.dst, eth_src=eth.src)
            inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
            dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=1, match=match,
                                          instructions=inst))
            _event("flow %d %s %s %d" % (in_port, eth.src, eth.dst, out))
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER,
                                        in_port=in_port, actions=actions, data=msg.data))
