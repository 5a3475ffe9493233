/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP10_WIRE_H
#define PMDSWITCH_OFP10_WIRE_H

/*
 * OpenFlow 1.0 wire format: packed structs and constants, exactly as the
 * bytes travel (network byte order). The header and the HELLO/ECHO/
 * SWITCH_CONFIG/DESC layouts are shared with 1.3 (ofp_wire.h).
 *
 * Thread safety: declarations only.
 */

#include <stdint.h>

#include "ofp_wire.h"

enum ofp10_type {
	OFPT10_VENDOR = 4,
	OFPT10_FEATURES_REQUEST = 5,
	OFPT10_FEATURES_REPLY = 6,
	OFPT10_GET_CONFIG_REQUEST = 7,
	OFPT10_GET_CONFIG_REPLY = 8,
	OFPT10_SET_CONFIG = 9,
	OFPT10_PACKET_IN = 10,
	OFPT10_FLOW_REMOVED = 11,
	OFPT10_PORT_STATUS = 12,
	OFPT10_PACKET_OUT = 13,
	OFPT10_FLOW_MOD = 14,
	OFPT10_PORT_MOD = 15,
	OFPT10_STATS_REQUEST = 16,
	OFPT10_STATS_REPLY = 17,
	OFPT10_BARRIER_REQUEST = 18,
	OFPT10_BARRIER_REPLY = 19,
	OFPT10_QUEUE_GET_CONFIG_REQUEST = 20,
	OFPT10_QUEUE_GET_CONFIG_REPLY = 21,
};

/* Port numbers (16 bits). */
#define OFPP10_MAX 0xff00u
#define OFPP10_IN_PORT 0xfff8u
#define OFPP10_TABLE 0xfff9u
#define OFPP10_NORMAL 0xfffau
#define OFPP10_FLOOD 0xfffbu
#define OFPP10_ALL 0xfffcu
#define OFPP10_CONTROLLER 0xfffdu
#define OFPP10_LOCAL 0xfffeu
#define OFPP10_NONE 0xffffu

/* Match wildcards. */
#define OFPFW10_IN_PORT (1u << 0)
#define OFPFW10_DL_VLAN (1u << 1)
#define OFPFW10_DL_SRC (1u << 2)
#define OFPFW10_DL_DST (1u << 3)
#define OFPFW10_DL_TYPE (1u << 4)
#define OFPFW10_NW_PROTO (1u << 5)
#define OFPFW10_TP_SRC (1u << 6)
#define OFPFW10_TP_DST (1u << 7)
#define OFPFW10_NW_SRC_SHIFT 8
#define OFPFW10_NW_SRC_MASK (0x3fu << OFPFW10_NW_SRC_SHIFT)
#define OFPFW10_NW_DST_SHIFT 14
#define OFPFW10_NW_DST_MASK (0x3fu << OFPFW10_NW_DST_SHIFT)
#define OFPFW10_DL_VLAN_PCP (1u << 20)
#define OFPFW10_NW_TOS (1u << 21)
#define OFPFW10_ALL ((1u << 22) - 1)

#define OFP10_VLAN_NONE 0xffffu

struct ofp10_match {
	uint32_t wildcards;
	uint16_t in_port;
	uint8_t dl_src[6];
	uint8_t dl_dst[6];
	uint16_t dl_vlan;
	uint8_t dl_vlan_pcp;
	uint8_t pad1;
	uint16_t dl_type;
	uint8_t nw_tos;
	uint8_t nw_proto;
	uint8_t pad2[2];
	uint32_t nw_src;
	uint32_t nw_dst;
	uint16_t tp_src;
	uint16_t tp_dst;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_match) == 40, "ofp10_match");

struct ofp10_action_output {
	uint16_t type;		/* OFPAT10_OUTPUT = 0 */
	uint16_t len;		/* 8 */
	uint16_t port;
	uint16_t max_len;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_action_output) == 8, "ofp10 output");
#define OFPAT10_OUTPUT 0
#define OFPAT10_VENDOR 0xffff

struct ofp10_phy_port {
	uint16_t port_no;
	uint8_t hw_addr[6];
	char name[OFP_MAX_PORT_NAME_LEN];
	uint32_t config;
	uint32_t state;
	uint32_t curr;
	uint32_t advertised;
	uint32_t supported;
	uint32_t peer;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_phy_port) == 48, "ofp10_phy_port");
#define OFPPF10_10GB_FD (1u << 6)
#define OFPPF10_COPPER (1u << 7)

struct ofp10_switch_features {
	struct ofp13_header header;
	uint64_t datapath_id;
	uint32_t n_buffers;
	uint8_t n_tables;
	uint8_t pad[3];
	uint32_t capabilities;
	uint32_t actions;
	/* struct ofp10_phy_port ports[] */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_switch_features) == 32, "ofp10 features");

struct ofp10_flow_mod {
	struct ofp13_header header;
	struct ofp10_match match;
	uint64_t cookie;
	uint16_t command;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint16_t priority;
	uint32_t buffer_id;
	uint16_t out_port;
	uint16_t flags;
	/* Actions follow. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_flow_mod) == 72, "ofp10_flow_mod");
#define OFPFF10_SEND_FLOW_REM (1u << 0)
#define OFPFF10_CHECK_OVERLAP (1u << 1)
#define OFPFF10_EMERG (1u << 2)

struct ofp10_packet_in {
	struct ofp13_header header;
	uint32_t buffer_id;
	uint16_t total_len;
	uint16_t in_port;
	uint8_t reason;
	uint8_t pad;
	/* Frame follows. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_packet_in) == 18, "ofp10_packet_in");

struct ofp10_packet_out {
	struct ofp13_header header;
	uint32_t buffer_id;
	uint16_t in_port;
	uint16_t actions_len;
	/* Actions, then the frame. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_packet_out) == 16, "ofp10_packet_out");

struct ofp10_flow_removed {
	struct ofp13_header header;
	struct ofp10_match match;
	uint64_t cookie;
	uint16_t priority;
	uint8_t reason;
	uint8_t pad;
	uint32_t duration_sec;
	uint32_t duration_nsec;
	uint16_t idle_timeout;
	uint8_t pad2[2];
	uint64_t packet_count;
	uint64_t byte_count;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_flow_removed) == 88, "ofp10 flow_removed");

struct ofp10_port_status {
	struct ofp13_header header;
	uint8_t reason;
	uint8_t pad[7];
	struct ofp10_phy_port desc;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_port_status) == 64, "ofp10 port_status");

struct ofp10_port_mod {
	struct ofp13_header header;
	uint16_t port_no;
	uint8_t hw_addr[6];
	uint32_t config;
	uint32_t mask;
	uint32_t advertise;
	uint8_t pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_port_mod) == 32, "ofp10_port_mod");

/* Stats. */
enum ofp10_stats_type {
	OFPST10_DESC = 0,
	OFPST10_FLOW = 1,
	OFPST10_AGGREGATE = 2,
	OFPST10_TABLE = 3,
	OFPST10_PORT = 4,
	OFPST10_QUEUE = 5,
	OFPST10_PORT_DESC = 13,	/* Open vSwitch extension to 1.0. */
	OFPST10_VENDOR = 0xffff,
};
#define OFPSF10_REPLY_MORE 1

struct ofp10_stats_header {
	struct ofp13_header header;
	uint16_t type;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_stats_header) == 12, "ofp10 stats");

struct ofp10_flow_stats_request {
	struct ofp10_match match;
	uint8_t table_id;
	uint8_t pad;
	uint16_t out_port;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_flow_stats_request) == 44, "ofp10 fsr");

struct ofp10_flow_stats {
	uint16_t length;
	uint8_t table_id;
	uint8_t pad;
	struct ofp10_match match;
	uint32_t duration_sec;
	uint32_t duration_nsec;
	uint16_t priority;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint8_t pad2[6];
	uint64_t cookie;
	uint64_t packet_count;
	uint64_t byte_count;
	/* Actions follow. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_flow_stats) == 88, "ofp10 flow_stats");

struct ofp10_table_stats {
	uint8_t table_id;
	uint8_t pad[3];
	char name[32];
	uint32_t wildcards;
	uint32_t max_entries;
	uint32_t active_count;
	uint64_t lookup_count;
	uint64_t matched_count;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_table_stats) == 64, "ofp10 table_stats");

struct ofp10_port_stats {
	uint16_t port_no;
	uint8_t pad[6];
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_dropped;
	uint64_t tx_dropped;
	uint64_t rx_errors;
	uint64_t tx_errors;
	uint64_t rx_frame_err;
	uint64_t rx_over_err;
	uint64_t rx_crc_err;
	uint64_t collisions;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp10_port_stats) == 104, "ofp10 port_stats");

/* 1.0 error types and codes that differ from 1.3. */
enum ofp10_error_type {
	OFPET10_HELLO_FAILED = 0,
	OFPET10_BAD_REQUEST = 1,
	OFPET10_BAD_ACTION = 2,
	OFPET10_FLOW_MOD_FAILED = 3,
	OFPET10_PORT_MOD_FAILED = 4,
	OFPET10_QUEUE_OP_FAILED = 5,
};
#define OFPBRC10_BAD_STAT 2
#define OFPBRC10_BAD_VENDOR 3
#define OFPBRC10_EPERM 5
#define OFPFMFC10_ALL_TABLES_FULL 0
#define OFPFMFC10_OVERLAP 1
#define OFPFMFC10_EPERM 2
#define OFPFMFC10_BAD_EMERG_TIMEOUT 3
#define OFPFMFC10_BAD_COMMAND 4
#define OFPFMFC10_UNSUPPORTED 5

#endif /* PMDSWITCH_OFP10_WIRE_H */
