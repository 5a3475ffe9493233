/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_WIRE_H
#define PMDSWITCH_OFP_WIRE_H

/*
 * OpenFlow 1.3 wire format: packed structs and constants, exactly as the
 * bytes travel (all multi-byte fields in network byte order). Nothing here
 * knows the switch model; the codecs (ofp_match, ofp_actions, ofp_flow_msg,
 * ofp_msg) translate between these structs and the model.
 *
 * Thread safety: declarations only.
 */

#include <stdbool.h>
#include <stdint.h>

/* Big-endian fields at any alignment, as the decoders read them. */
static inline uint16_t
ofp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ofp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
ofp_rd64(const uint8_t *p)
{
	return (uint64_t)ofp_rd32(p) << 32 | ofp_rd32(p + 4);
}

#define OFP10_VERSION 0x01
#define OFP13_VERSION 0x04

#define OFP_HEADER_LEN 8
#define OFP_MAX_MSG_LEN 65535
#define OFP_NO_BUFFER 0xffffffffu
#define OFPG_ANY 0xffffffffu
#define OFPTT_ALL 0xff
#define OFP_DEFAULT_MISS_SEND_LEN 128
#define OFPCML_NO_BUFFER 0xffff
#define OFP_FLOW_PERMANENT 0
#define OFP_DEFAULT_PRIORITY 0x8000

enum ofp_type {
	OFPT_HELLO = 0,
	OFPT_ERROR = 1,
	OFPT_ECHO_REQUEST = 2,
	OFPT_ECHO_REPLY = 3,
	OFPT_EXPERIMENTER = 4,
	OFPT_FEATURES_REQUEST = 5,
	OFPT_FEATURES_REPLY = 6,
	OFPT_GET_CONFIG_REQUEST = 7,
	OFPT_GET_CONFIG_REPLY = 8,
	OFPT_SET_CONFIG = 9,
	OFPT_PACKET_IN = 10,
	OFPT_FLOW_REMOVED = 11,
	OFPT_PORT_STATUS = 12,
	OFPT_PACKET_OUT = 13,
	OFPT_FLOW_MOD = 14,
	OFPT_GROUP_MOD = 15,
	OFPT_PORT_MOD = 16,
	OFPT_TABLE_MOD = 17,
	OFPT_MULTIPART_REQUEST = 18,
	OFPT_MULTIPART_REPLY = 19,
	OFPT_BARRIER_REQUEST = 20,
	OFPT_BARRIER_REPLY = 21,
	OFPT_QUEUE_GET_CONFIG_REQUEST = 22,
	OFPT_QUEUE_GET_CONFIG_REPLY = 23,
	OFPT_ROLE_REQUEST = 24,
	OFPT_ROLE_REPLY = 25,
	OFPT_GET_ASYNC_REQUEST = 26,
	OFPT_GET_ASYNC_REPLY = 27,
	OFPT_SET_ASYNC = 28,
	OFPT_METER_MOD = 29,
};

struct ofp13_header {
	uint8_t version;
	uint8_t type;
	uint16_t length;	/* Including this header. */
	uint32_t xid;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_header) == 8, "ofp_header");

/* Hello elements. */
#define OFPHET_VERSIONBITMAP 1
struct ofp13_hello_elem_header {
	uint16_t type;
	uint16_t length;
} __attribute__((packed));

/* Error message. */
struct ofp13_error_msg {
	struct ofp13_header header;
	uint16_t type;
	uint16_t code;
	/* uint8_t data[]: at least 64 bytes of the failed request. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_error_msg) == 12, "ofp_error_msg");

/* Features. */
#define OFPC_FLOW_STATS (1u << 0)
#define OFPC_TABLE_STATS (1u << 1)
#define OFPC_PORT_STATS (1u << 2)
#define OFPC_GROUP_STATS (1u << 3)
#define OFPC_IP_REASM (1u << 5)
#define OFPC_QUEUE_STATS (1u << 6)
#define OFPC_PORT_BLOCKED (1u << 8)

struct ofp13_switch_features {
	struct ofp13_header header;
	uint64_t datapath_id;
	uint32_t n_buffers;
	uint8_t n_tables;
	uint8_t auxiliary_id;
	uint8_t pad[2];
	uint32_t capabilities;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_switch_features) == 32, "features");

/* Switch configuration. */
#define OFPC_FRAG_MASK 3
struct ofp13_switch_config {
	struct ofp13_header header;
	uint16_t flags;
	uint16_t miss_send_len;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_switch_config) == 12, "switch_config");

/* Match. */
#define OFPMT_STANDARD 0
#define OFPMT_OXM 1
struct ofp13_match {
	uint16_t type;
	uint16_t length;	/* Without padding. */
	/* OXM TLVs, then padding to a multiple of 8. */
} __attribute__((packed));
#define OFP_MATCH_HDR_LEN 4

#define OFPXMC_NXM_0 0x0000
#define OFPXMC_NXM_1 0x0001
#define OFPXMC_OPENFLOW_BASIC 0x8000
#define OFPXMC_EXPERIMENTER 0xffff

enum oxm_ofb_match_fields {
	OFPXMT_OFB_IN_PORT = 0,
	OFPXMT_OFB_IN_PHY_PORT = 1,
	OFPXMT_OFB_METADATA = 2,
	OFPXMT_OFB_ETH_DST = 3,
	OFPXMT_OFB_ETH_SRC = 4,
	OFPXMT_OFB_ETH_TYPE = 5,
	OFPXMT_OFB_VLAN_VID = 6,
	OFPXMT_OFB_VLAN_PCP = 7,
	OFPXMT_OFB_IP_DSCP = 8,
	OFPXMT_OFB_IP_ECN = 9,
	OFPXMT_OFB_IP_PROTO = 10,
	OFPXMT_OFB_IPV4_SRC = 11,
	OFPXMT_OFB_IPV4_DST = 12,
	OFPXMT_OFB_TCP_SRC = 13,
	OFPXMT_OFB_TCP_DST = 14,
	OFPXMT_OFB_UDP_SRC = 15,
	OFPXMT_OFB_UDP_DST = 16,
	OFPXMT_OFB_SCTP_SRC = 17,
	OFPXMT_OFB_SCTP_DST = 18,
	OFPXMT_OFB_ICMPV4_TYPE = 19,
	OFPXMT_OFB_ICMPV4_CODE = 20,
	OFPXMT_OFB_ARP_OP = 21,
	OFPXMT_OFB_ARP_SPA = 22,
	OFPXMT_OFB_ARP_TPA = 23,
	OFPXMT_OFB_ARP_SHA = 24,
	OFPXMT_OFB_ARP_THA = 25,
	OFPXMT_OFB_IPV6_SRC = 26,
	OFPXMT_OFB_IPV6_DST = 27,
	OFPXMT_OFB_IPV6_FLABEL = 28,
	OFPXMT_OFB_ICMPV6_TYPE = 29,
	OFPXMT_OFB_ICMPV6_CODE = 30,
	OFPXMT_OFB_IPV6_ND_TARGET = 31,
	OFPXMT_OFB_IPV6_ND_SLL = 32,
	OFPXMT_OFB_IPV6_ND_TLL = 33,
	OFPXMT_OFB_MPLS_LABEL = 34,
	OFPXMT_OFB_MPLS_TC = 35,
	OFPXMT_OFB_MPLS_BOS = 36,
	OFPXMT_OFB_PBB_ISID = 37,
	OFPXMT_OFB_TUNNEL_ID = 38,
	OFPXMT_OFB_IPV6_EXTHDR = 39,
	OFPXMT_OFB_N_FIELDS = 40,
};

/*
 * Fields outside OpenFlow basic that the switch model knows, numbered
 * after the basic ones (the internal numbering of a struct ofpact's
 * field and of the match decoder's "seen" bits). On the wire they are
 * Nicira extensible match fields (class OFPXMC_NXM_1), as Open vSwitch
 * writes them inside OpenFlow 1.3 matches and set-field actions
 * (ovs-ofctl tun_src / tun_dst). ofp_oxm_to_field() and
 * OFP_FIELD_OXM_HEADER() convert.
 */
#define NXM_NX_IP_FRAG 26
#define NXM_NX_TUN_IPV4_SRC 31
#define NXM_NX_TUN_IPV4_DST 32
enum ofp_ext_field {
	OFP_FIELD_TUN_IPV4_SRC = OFPXMT_OFB_N_FIELDS,	/* NXM_1 31 */
	OFP_FIELD_TUN_IPV4_DST,				/* NXM_1 32 */
	OFP_FIELD_IP_FRAG,	/* NXM_1 26: ovs-ofctl nw_frag, 1 byte,
				 * FLOW_NW_FRAG_ANY / _LATER bits. */
	OFP_FIELD_N
};

/* The NXM_1 field number of an ofp_ext_field. */
#define OFP_FIELD_NXM(field) \
	((field) == OFP_FIELD_TUN_IPV4_SRC ? NXM_NX_TUN_IPV4_SRC : \
	 (field) == OFP_FIELD_TUN_IPV4_DST ? NXM_NX_TUN_IPV4_DST : \
	 NXM_NX_IP_FRAG)

/* OXM header: class (16) | field (7) | hasmask (1) | length (8). */
#define OXM_HEADER(field, hasmask, len) \
	(((uint32_t)OFPXMC_OPENFLOW_BASIC << 16) | ((uint32_t)(field) << 9) | \
	 ((uint32_t)(hasmask) << 8) | (uint32_t)(len))
#define OXM_CLASS(h) ((h) >> 16)
#define OXM_FIELD(h) (((h) >> 9) & 0x7f)
#define OXM_HASMASK(h) (((h) >> 8) & 1)
#define OXM_LENGTH(h) ((h) & 0xff)

/* The wire header of an internal field number (basic or ofp_ext_field). */
#define OFP_FIELD_OXM_HEADER(field, hasmask, len) \
	((field) >= OFPXMT_OFB_N_FIELDS ? \
	 (((uint32_t)OFPXMC_NXM_1 << 16) | \
	  ((uint32_t)OFP_FIELD_NXM(field) << 9) | \
	  ((uint32_t)(hasmask) << 8) | (uint32_t)(len)) : \
	 OXM_HEADER(field, hasmask, len))

/* The internal field number of an OXM / NXM header; false when the
 * switch does not know the class and field. */
static inline bool
ofp_oxm_to_field(uint32_t h, unsigned int *field)
{
	if (OXM_CLASS(h) == OFPXMC_OPENFLOW_BASIC &&
	    OXM_FIELD(h) < OFPXMT_OFB_N_FIELDS) {
		*field = OXM_FIELD(h);
		return true;
	}
	if (OXM_CLASS(h) == OFPXMC_NXM_1 &&
	    OXM_FIELD(h) == NXM_NX_TUN_IPV4_SRC) {
		*field = OFP_FIELD_TUN_IPV4_SRC;
		return true;
	}
	if (OXM_CLASS(h) == OFPXMC_NXM_1 &&
	    OXM_FIELD(h) == NXM_NX_TUN_IPV4_DST) {
		*field = OFP_FIELD_TUN_IPV4_DST;
		return true;
	}
	if (OXM_CLASS(h) == OFPXMC_NXM_1 && OXM_FIELD(h) == NXM_NX_IP_FRAG) {
		*field = OFP_FIELD_IP_FRAG;
		return true;
	}
	return false;
}

#define OFPVID_PRESENT 0x1000
#define OFPVID_NONE 0x0000

/* Instructions. */
enum ofp_instruction_type {
	OFPIT_GOTO_TABLE = 1,
	OFPIT_WRITE_METADATA = 2,
	OFPIT_WRITE_ACTIONS = 3,
	OFPIT_APPLY_ACTIONS = 4,
	OFPIT_CLEAR_ACTIONS = 5,
	OFPIT_METER = 6,
	OFPIT_EXPERIMENTER = 0xffff,
};

struct ofp13_instruction_actions {
	uint16_t type;
	uint16_t len;
	uint8_t pad[4];
	/* Actions follow. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_instruction_actions) == 8, "inst_actions");

/* Actions. */
enum ofp_action_type {
	OFPAT_OUTPUT = 0,
	OFPAT_COPY_TTL_OUT = 11,
	OFPAT_COPY_TTL_IN = 12,
	OFPAT_SET_MPLS_TTL = 15,
	OFPAT_DEC_MPLS_TTL = 16,
	OFPAT_PUSH_VLAN = 17,
	OFPAT_POP_VLAN = 18,
	OFPAT_PUSH_MPLS = 19,
	OFPAT_POP_MPLS = 20,
	OFPAT_SET_QUEUE = 21,
	OFPAT_GROUP = 22,
	OFPAT_SET_NW_TTL = 23,
	OFPAT_DEC_NW_TTL = 24,
	OFPAT_SET_FIELD = 25,
	OFPAT_PUSH_PBB = 26,
	OFPAT_POP_PBB = 27,
	OFPAT_EXPERIMENTER = 0xffff,
};

struct ofp13_action_header {
	uint16_t type;
	uint16_t len;
} __attribute__((packed));

struct ofp13_action_output {
	uint16_t type;
	uint16_t len;		/* 16 */
	uint32_t port;
	uint16_t max_len;
	uint8_t pad[6];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_action_output) == 16, "action_output");

/* Flow mod. */
enum ofp_flow_mod_command {
	OFPFC_ADD = 0,
	OFPFC_MODIFY = 1,
	OFPFC_MODIFY_STRICT = 2,
	OFPFC_DELETE = 3,
	OFPFC_DELETE_STRICT = 4,
};

#define OFPFF_SEND_FLOW_REM (1u << 0)
#define OFPFF_CHECK_OVERLAP (1u << 1)
#define OFPFF_RESET_COUNTS (1u << 2)
#define OFPFF_NO_PKT_COUNTS (1u << 3)
#define OFPFF_NO_BYT_COUNTS (1u << 4)
#define OFPFF_ALL 0x1fu

struct ofp13_flow_mod {
	struct ofp13_header header;
	uint64_t cookie;
	uint64_t cookie_mask;
	uint8_t table_id;
	uint8_t command;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint16_t priority;
	uint32_t buffer_id;
	uint32_t out_port;
	uint32_t out_group;
	uint16_t flags;
	uint8_t pad[2];
	/* struct ofp13_match, then instructions. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_flow_mod) == 48, "flow_mod");

/* Packet-in / packet-out. */
enum ofp_packet_in_reason {
	OFPR_NO_MATCH = 0,
	OFPR_ACTION = 1,
	OFPR_INVALID_TTL = 2,
};

struct ofp13_packet_in {
	struct ofp13_header header;
	uint32_t buffer_id;
	uint16_t total_len;
	uint8_t reason;
	uint8_t table_id;
	uint64_t cookie;
	/* struct ofp13_match, 2 bytes of padding, then the frame. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_packet_in) == 24, "packet_in");

struct ofp13_packet_out {
	struct ofp13_header header;
	uint32_t buffer_id;
	uint32_t in_port;
	uint16_t actions_len;
	uint8_t pad[6];
	/* Actions, then the frame. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_packet_out) == 24, "packet_out");

/* Role. */
enum ofp_controller_role {
	OFPCR_ROLE_NOCHANGE = 0,
	OFPCR_ROLE_EQUAL = 1,
	OFPCR_ROLE_MASTER = 2,
	OFPCR_ROLE_SLAVE = 3,
};

struct ofp13_role_request {
	struct ofp13_header header;
	uint32_t role;
	uint8_t pad[4];
	uint64_t generation_id;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_role_request) == 24, "role_request");

/* Multipart. */
enum ofp_multipart_type {
	OFPMP_DESC = 0,
	OFPMP_FLOW = 1,
	OFPMP_AGGREGATE = 2,
	OFPMP_TABLE = 3,
	OFPMP_PORT_STATS = 4,
	OFPMP_QUEUE = 5,
	OFPMP_GROUP = 6,
	OFPMP_GROUP_DESC = 7,
	OFPMP_GROUP_FEATURES = 8,
	OFPMP_METER = 9,
	OFPMP_METER_CONFIG = 10,
	OFPMP_METER_FEATURES = 11,
	OFPMP_TABLE_FEATURES = 12,
	OFPMP_PORT_DESC = 13,
	OFPMP_EXPERIMENTER = 0xffff,
};

#define OFPMPF_REQ_MORE 1
#define OFPMPF_REPLY_MORE 1

struct ofp13_multipart_header {
	struct ofp13_header header;
	uint16_t type;
	uint16_t flags;
	uint8_t pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_multipart_header) == 16, "multipart");

#define DESC_STR_LEN 256
#define SERIAL_NUM_LEN 32
struct ofp13_desc {
	char mfr_desc[DESC_STR_LEN];
	char hw_desc[DESC_STR_LEN];
	char sw_desc[DESC_STR_LEN];
	char serial_num[SERIAL_NUM_LEN];
	char dp_desc[DESC_STR_LEN];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_desc) == 1056, "desc");

/* Body of OFPMP_FLOW and OFPMP_AGGREGATE requests. */
struct ofp13_flow_stats_request {
	uint8_t table_id;
	uint8_t pad[3];
	uint32_t out_port;
	uint32_t out_group;
	uint8_t pad2[4];
	uint64_t cookie;
	uint64_t cookie_mask;
	/* struct ofp13_match follows. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_flow_stats_request) == 32, "fsr");

struct ofp13_flow_stats {
	uint16_t length;
	uint8_t table_id;
	uint8_t pad;
	uint32_t duration_sec;
	uint32_t duration_nsec;
	uint16_t priority;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint16_t flags;
	uint8_t pad2[4];
	uint64_t cookie;
	uint64_t packet_count;
	uint64_t byte_count;
	/* struct ofp13_match, then instructions. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_flow_stats) == 48, "flow_stats");

struct ofp13_aggregate_stats_reply {
	uint64_t packet_count;
	uint64_t byte_count;
	uint32_t flow_count;
	uint8_t pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_aggregate_stats_reply) == 24, "aggr");

struct ofp13_table_stats {
	uint8_t table_id;
	uint8_t pad[3];
	uint32_t active_count;
	uint64_t lookup_count;
	uint64_t matched_count;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_table_stats) == 24, "table_stats");

struct ofp13_port_stats_request {
	uint32_t port_no;
	uint8_t pad[4];
} __attribute__((packed));

struct ofp13_port_stats {
	uint32_t port_no;
	uint8_t pad[4];
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
	uint32_t duration_sec;
	uint32_t duration_nsec;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_port_stats) == 112, "port_stats");

#define OFP_MAX_PORT_NAME_LEN 16
#define OFPPS_LIVE (1u << 2)
#define OFPPF_10GB_FD (1u << 6)
#define OFPPF_COPPER (1u << 11)
struct ofp13_port {
	uint32_t port_no;
	uint8_t pad[4];
	uint8_t hw_addr[6];
	uint8_t pad2[2];
	char name[OFP_MAX_PORT_NAME_LEN];
	uint32_t config;
	uint32_t state;
	uint32_t curr;
	uint32_t advertised;
	uint32_t supported;
	uint32_t peer;
	uint32_t curr_speed;	/* kbps */
	uint32_t max_speed;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_port) == 64, "ofp_port");

/* Flow removed. */
enum ofp_flow_removed_reason {
	OFPRR_IDLE_TIMEOUT = 0,
	OFPRR_HARD_TIMEOUT = 1,
	OFPRR_DELETE = 2,
	OFPRR_GROUP_DELETE = 3,
};

struct ofp13_flow_removed {
	struct ofp13_header header;
	uint64_t cookie;
	uint16_t priority;
	uint8_t reason;
	uint8_t table_id;
	uint32_t duration_sec;
	uint32_t duration_nsec;
	uint16_t idle_timeout;
	uint16_t hard_timeout;
	uint64_t packet_count;
	uint64_t byte_count;
	/* struct ofp13_match follows. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_flow_removed) == 48, "flow_removed");

/* Port status and port mod. */
enum ofp_port_reason {
	OFPPR_ADD = 0,
	OFPPR_DELETE = 1,
	OFPPR_MODIFY = 2,
};

#define OFPPC_PORT_DOWN (1u << 0)
#define OFPPC_NO_STP (1u << 1)		/* OpenFlow 1.0 only. */
#define OFPPC_NO_RECV (1u << 2)
#define OFPPC_NO_RECV_STP (1u << 3)	/* OpenFlow 1.0 only. */
#define OFPPC_NO_FLOOD (1u << 4)	/* OpenFlow 1.0 only. */
#define OFPPC_NO_FWD (1u << 5)
#define OFPPC_NO_PACKET_IN (1u << 6)
#define OFPPC13_ALL (OFPPC_PORT_DOWN | OFPPC_NO_RECV | OFPPC_NO_FWD | \
		     OFPPC_NO_PACKET_IN)
#define OFPPC10_ALL 0x7fu

#define OFPPS_LINK_DOWN (1u << 0)
#define OFPPS_BLOCKED (1u << 1)

struct ofp13_port_status {
	struct ofp13_header header;
	uint8_t reason;
	uint8_t pad[7];
	/* struct ofp13_port desc follows (64 bytes). */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_port_status) == 16, "port_status");

struct ofp13_port_mod {
	struct ofp13_header header;
	uint32_t port_no;
	uint8_t pad[4];
	uint8_t hw_addr[6];
	uint8_t pad2[2];
	uint32_t config;
	uint32_t mask;
	uint32_t advertise;
	uint8_t pad3[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_port_mod) == 40, "port_mod");

/* Async configuration (SET_ASYNC / GET_ASYNC_REPLY). Index 0: master or
 * equal role, 1: slave. */
struct ofp13_async_config {
	struct ofp13_header header;
	uint32_t packet_in_mask[2];
	uint32_t port_status_mask[2];
	uint32_t flow_removed_mask[2];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_async_config) == 32, "async_config");

/* Queue get config. */
struct ofp13_queue_get_config_request {
	struct ofp13_header header;
	uint32_t port;
	uint8_t pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_queue_get_config_request) == 16, "qgc");

/* Group and meter mods (only their headers: they are refused). */
#define OFPG_MAX 0xffffff00u
#define OFPG_ALL 0xfffffffcu
#define OFPM_MAX 0xffff0000u
#define OFPM_ALL 0xffffffffu

enum ofp_group_mod_command { OFPGC_ADD = 0, OFPGC_MODIFY = 1, OFPGC_DELETE = 2 };
enum ofp_meter_mod_command { OFPMC_ADD = 0, OFPMC_MODIFY = 1, OFPMC_DELETE = 2 };

struct ofp13_group_mod {
	struct ofp13_header header;
	uint16_t command;
	uint8_t type;
	uint8_t pad;
	uint32_t group_id;
	/* Buckets follow. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_group_mod) == 16, "group_mod");

struct ofp13_meter_mod {
	struct ofp13_header header;
	uint16_t command;
	uint16_t flags;
	uint32_t meter_id;
	/* Bands follow. */
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_meter_mod) == 16, "meter_mod");

struct ofp13_table_mod {
	struct ofp13_header header;
	uint8_t table_id;
	uint8_t pad[3];
	uint32_t config;
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_table_mod) == 16, "table_mod");

struct ofp13_group_features {
	uint32_t types;
	uint32_t capabilities;
	uint32_t max_groups[4];
	uint32_t actions[4];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_group_features) == 40, "group_features");

struct ofp13_meter_features {
	uint32_t max_meter;
	uint32_t band_types;
	uint32_t capabilities;
	uint8_t max_bands;
	uint8_t max_color;
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct ofp13_meter_features) == 16, "meter_features");

/* Error types and codes. */
enum ofp_error_type {
	OFPET_HELLO_FAILED = 0,
	OFPET_BAD_REQUEST = 1,
	OFPET_BAD_ACTION = 2,
	OFPET_BAD_INSTRUCTION = 3,
	OFPET_BAD_MATCH = 4,
	OFPET_FLOW_MOD_FAILED = 5,
	OFPET_GROUP_MOD_FAILED = 6,
	OFPET_PORT_MOD_FAILED = 7,
	OFPET_TABLE_MOD_FAILED = 8,
	OFPET_QUEUE_OP_FAILED = 9,
	OFPET_SWITCH_CONFIG_FAILED = 10,
	OFPET_ROLE_REQUEST_FAILED = 11,
	OFPET_METER_MOD_FAILED = 12,
	OFPET_TABLE_FEATURES_FAILED = 13,
};

#endif /* PMDSWITCH_OFP_WIRE_H */
