/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_TNL_DP_H
#define PMDSWITCH_TNL_DP_H

/*
 * Native tunnelling in the PMD: VXLAN and GENEVE over an IPv4 underlay.
 *
 * Receive: a frame that arrives on an underlay port (the port of a
 * bridge's tunnel-endpoint) is classified before any lookup
 * (tnl_rx_classify()): a VXLAN / GENEVE packet for the endpoint's address
 * is popped in place and continues in the same burst as the inner frame,
 * with in_port = the tunnel port and tunnel_id / tun_src / tun_dst in its
 * flow key; an ARP request for the endpoint's address is turned into the
 * reply in place and sent back out; an ARP reply to it goes to the
 * slowpath's neighbour cache; anything else addressed to the endpoint is
 * counted and dropped; frames for other hosts are switched as usual.
 *
 * Transmit: a megaflow's DP_ACTION_TNL_PUSH carries a prebuilt outer
 * header (struct tnl_push, built by the slowpath from the route and the
 * neighbour cache). A megaflow that is just the push and one output runs
 * on the PMD's encapsulation fast path (tnl_encap.h); in any other list
 * the interpreter's tnl_push() prepends it. Both fill the same per-packet
 * fields: IPv4 total length and checksum (from a precomputed partial
 * sum), UDP length, and a UDP source port from a hash of the inner
 * flow's parsed key (tnl_encap_flow_hash(): so ECMP on the underlay keeps
 * a flow on one path, whichever of the two pushes it). The outer UDP checksum
 * is 0 (allowed over IPv4 by RFC 7348 and RFC 8926). A frame whose outer
 * packet would exceed the underlay MTU is dropped and counted
 * (TNL_DROP_MTU): no fragmentation. DP_ACTION_TNL_DROP is what a
 * translation without a route or a resolved next hop gives: a counted
 * drop.
 *
 * The tunnel table (struct tnl_dp_table) is built by the slowpath's
 * tunnel registry and published with an atomic store; PMDs load it once
 * per burst; the old one is freed after an RCU grace period.
 *
 * Thread safety: tnl_rx_classify(), tnl_push() and the inner hash are pure
 * functions of their arguments (no DPDK header: unit tests use plain
 * arrays). Counters (struct tnl_pmd_stats) belong to one PMD each and are
 * written with relaxed atomic stores; readers sum them.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dp_actions.h"
#include "dp_packet.h"

#define TNL_MAX_PORTS 64	/* Tunnel ports of all bridges. */
#define TNL_MAX_ENDPOINTS 16	/* One per bridge at most. */
#define TNL_MAX_DP_PORTS 64	/* == PMD_MAX_PORTS (checked in pmd.c). */
#define TNL_HDR_MAX 64
#define TNL_VXLAN_PORT 4789
#define TNL_GENEVE_PORT 6081
/* Outer Ethernet + IPv4 + UDP + VXLAN / GENEVE (no options) header. */
#define TNL_OUTER_LEN 50

enum tnl_type { TNL_TYPE_VXLAN = 1, TNL_TYPE_GENEVE = 2 };

/* Why a tunnel packet was dropped (counters per endpoint / tunnel port). */
enum tnl_drop_reason {
	TNL_DROP_TRUNC,		/* Outer headers (or the inner frame) cut
				 * short. */
	TNL_DROP_BAD_OUTER,	/* Bad IPv4 header: version, length,
				 * checksum, or a fragment. */
	TNL_DROP_BAD_TUNNEL,	/* VXLAN without the I flag, GENEVE of
				 * another version / protocol / with a
				 * critical option. */
	TNL_DROP_UNKNOWN_VNI,	/* No tunnel port takes this VNI from this
				 * remote. */
	TNL_DROP_OTHER_UDP,	/* UDP to the endpoint on another port. */
	TNL_DROP_OTHER_PROTO,	/* Other IP traffic to the endpoint. */
	TNL_DROP_BAD_ARP,	/* Malformed ARP for the endpoint. */
	TNL_DROP_MTU,		/* Encapsulated frame over the underlay MTU. */
	TNL_DROP_NO_ROUTE,	/* No route to the remote (or no remote). */
	TNL_DROP_NO_ARP,	/* Next hop not resolved (yet). */
	TNL_DROP_NO_ROOM,	/* No headroom for the outer header. */
	TNL_DROP_N
};

/* "trunc", "bad_outer", ... for counters. */
const char *tnl_drop_reason_name(enum tnl_drop_reason r);

struct tnl_dp_port {
	bool in_use;
	uint8_t type;		/* enum tnl_type */
	uint8_t endpoint;	/* Index in tnl_dp_table.ep. */
	bool key_flow;		/* Any VNI (the flow's tun_id). */
	bool remote_flow;	/* Any remote (the flow's tun_src). */
	uint16_t udp_dst;	/* Network order. */
	uint32_t vni;		/* Fixed key: the VNI, host order. */
	uint32_t remote_ip;	/* Fixed remote, network order. */
	uint32_t in_port;	/* Datapath in_port of the tunnel port. */
};

struct tnl_dp_endpoint {
	bool in_use;
	uint32_t dp_port;	/* The underlay port. */
	uint32_t ip;		/* Network order. */
	uint8_t mac[6];		/* The underlay port's. */
};

struct tnl_dp_table {
	/* 0: the datapath port is no underlay; else endpoint index + 1. */
	uint8_t ep_of_dp_port[TNL_MAX_DP_PORTS];
	struct tnl_dp_endpoint ep[TNL_MAX_ENDPOINTS];
	uint32_t n_ports;	/* Highest port index in use + 1. */
	struct tnl_dp_port ports[TNL_MAX_PORTS];
};

/* The published table (NULL: no tunnels); PMDs load it per burst. */
extern struct tnl_dp_table *tnl_dp_table_current;

static inline const struct tnl_dp_table *
tnl_dp_table_get(void)
{
	return __atomic_load_n(&tnl_dp_table_current, __ATOMIC_ACQUIRE);
}

/* What tnl_rx_classify() found. */
enum tnl_rx_verdict {
	TNL_RX_PASS,		/* Not for the endpoint: switch it. */
	TNL_RX_DECAP,		/* Pop outer_len bytes; *meta is filled. */
	TNL_RX_ARP_REPLIED,	/* An ARP request for the endpoint, now the
				 * reply (in place): send it back out. */
	TNL_RX_ARP_UP,		/* An ARP reply to the endpoint: to the
				 * slowpath's neighbour cache. */
	TNL_RX_DROP,		/* *why says why. */
};

struct tnl_rx_meta {
	uint32_t in_port;	/* The tunnel port's datapath in_port. */
	uint32_t inner_len;	/* Bytes of the inner frame. */
	uint64_t tun_id;	/* VNI. */
	uint32_t tun_src;	/* Outer addresses, network order. */
	uint32_t tun_dst;
	uint8_t port;		/* Tunnel port index. */
	bool tunnel;		/* DECAP: this packet came from a tunnel. */
};

/* Classify a frame received on the underlay port of endpoint ep (see
 * the top). May rewrite data (ARP reply); never reads past len. */
enum tnl_rx_verdict tnl_rx_classify(const struct tnl_dp_table *t, unsigned ep,
				    uint8_t *data, uint32_t len,
				    struct tnl_rx_meta *meta, uint32_t *outer_len,
				    enum tnl_drop_reason *why);

/* DP_ACTION_TNL_PUSH's data: the outer header to prepend. */
struct tnl_push {
	uint8_t len;		/* Header bytes (TNL_OUTER_LEN). */
	uint8_t port;		/* Tunnel port index (counters). */
	uint8_t type;		/* enum tnl_type */
	uint8_t pad;
	uint16_t mtu;		/* Underlay MTU (outer IPv4 packet). */
	uint16_t ip_csum_base;	/* One's complement sum of the outer IPv4
				 * header with total length and checksum
				 * 0, host order, folded. */
	uint8_t hdr[TNL_HDR_MAX];
};

/* Prebuilt header: Ethernet (dst, src), IPv4 (src, dst, ttl, tos, df),
 * UDP (dst port), VXLAN / GENEVE with the VNI. Fills *p. */
void tnl_push_build(struct tnl_push *p, enum tnl_type type, uint8_t port,
		    const uint8_t eth_dst[6], const uint8_t eth_src[6],
		    uint32_t ip_src, uint32_t ip_dst, uint8_t ttl, uint8_t tos,
		    bool df, uint16_t udp_dst, uint32_t vni, uint16_t mtu);

/* Prepend p's header to the frame in b, the UDP source port from hash
 * (the flow's: tnl_encap_sport()). DP_HDR_NO_ROOM: not enough headroom;
 * DP_HDR_SKIPPED: over the MTU, or not a TNL_OUTER_LEN header (nothing
 * changed). */
enum dp_hdr_result tnl_push(struct dp_buf *b, const struct tnl_push *p,
			    uint32_t hash);

/* Append TNL_PUSH (p copied into the data area) / TNL_DROP. false when
 * the list or its data area is full. */
bool tnl_actions_add_push(struct dp_actions *l, const struct tnl_push *p);
bool tnl_actions_add_drop(struct dp_actions *l, enum tnl_drop_reason why,
			  uint8_t port);
/* Copy the struct tnl_push of a TNL_PUSH action into *out; false when
 * its arg does not point at one. */
bool tnl_actions_get_push(const struct dp_actions *l,
			  const struct dp_action *a, struct tnl_push *out);

/* Per-PMD counters. */
struct tnl_pmd_port_stats {
	uint64_t rx_packets;	/* Decapsulated. */
	uint64_t rx_bytes;	/* Inner frames. */
	uint64_t tx_packets;	/* Encapsulated. */
	uint64_t tx_bytes;
	uint64_t drops[TNL_DROP_N];
};

struct tnl_pmd_ep_stats {
	uint64_t drops[TNL_DROP_N];
	uint64_t arp_replied;	/* ARP requests answered. */
	uint64_t arp_up;	/* ARP replies sent to the slowpath. */
};

struct tnl_pmd_stats {
	struct tnl_pmd_port_stats port[TNL_MAX_PORTS];
	struct tnl_pmd_ep_stats ep[TNL_MAX_ENDPOINTS];
};

/* Single writer (the owning PMD), readers on other threads. */
#define TNL_COUNT(field, n) \
	__atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)

#endif /* PMDSWITCH_TNL_DP_H */
