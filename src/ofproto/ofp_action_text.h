/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_ACTION_TEXT_H
#define PMDSWITCH_OFP_ACTION_TEXT_H

/*
 * ovs-ofctl text of the OpenFlow 1.3 actions and instructions beyond
 * output/controller (which ofp_flow_text.c keeps):
 *   goto_table:N  write_metadata:V[/M]  meter:N  group:N  set_queue:N
 *   set_field:VALUE->FIELD (FIELD: eth_dst, vlan_vid, ipv4_src, tcp_dst,
 *     mpls_label, ipv6_src, nd_target, tun_id, ...; VALUE a number, a MAC,
 *     an IPv4 or IPv6 address as the field takes)
 *   push_vlan:ETHERTYPE  pop_vlan (strip_vlan)  push_mpls:ETHERTYPE
 *   pop_mpls:ETHERTYPE  set_mpls_ttl:N  dec_mpls_ttl  mod_nw_ttl:N
 *   dec_ttl  copy_ttl_out  copy_ttl_in  push_pbb:ETHERTYPE  pop_pbb
 *   mod_dl_src/mod_dl_dst:MAC  mod_nw_src/mod_nw_dst:IP  mod_nw_tos:TOS
 *   mod_vlan_pcp:N (set-fields)
 *
 * Thread safety: pure functions on caller-owned values.
 */

#include <stdbool.h>
#include <stddef.h>

#include "ofp_actions.h"
#include "strbuf.h"

/* Parses one token. Returns 0 with *a filled (an action), 1 when the
 * token was an instruction and has been applied to insts, -ENOENT when
 * the token is none of these, -EINVAL with a message in err. */
int ofp_action_text_parse(const char *tok, struct ofp_insts *insts,
			  struct ofpact *a, char *err, size_t errlen);
/* Formats an action other than OUTPUT/CONTROLLER. */
void ofp_action_text_format(struct strbuf *s, const struct ofpact *a);
/* OXM field name as in set_field ("ipv4_src"), or NULL. */
const char *ofp_action_text_field_name(unsigned int field);

#endif /* PMDSWITCH_OFP_ACTION_TEXT_H */
