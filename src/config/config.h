/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CONFIG_H
#define PMDSWITCH_CONFIG_H

/*
 * The YAML configuration (see README "Configuration"), loaded with libyaml
 * into plain structs. Every error names file:line:column and the key.
 * Keys are lower-case with dashes; unknown keys are errors.
 *
 * Thread safety: a value; load, use, free from one thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum cfg_fail_mode { CFG_FAIL_SECURE, CFG_FAIL_STANDALONE };

#define CFG_DEFAULT_PACKET_IN_RATE 1000
#define CFG_DEFAULT_PACKET_IN_BURST 100

/* Where a value stood in the file, for errors found after loading. */
struct cfg_mark {
	int line, column;	/* 1-based. */
};

enum cfg_port_type {
	CFG_PORT_DPDK,		/* A DPDK ethdev: PCI address or vdev devargs. */
	CFG_PORT_VHOST_USER,	/* A vhost-user socket (DPDK net_vhost). */
	CFG_PORT_PATCH,		/* Joins two bridges; no device. */
	CFG_PORT_VXLAN,		/* A VXLAN tunnel over the bridge's */
	CFG_PORT_GENEVE,	/* tunnel-endpoint; no device. */
	CFG_PORT_N_TYPES
};

/* Tunnel ports (type vxlan / geneve, config_tunnel.c). Addresses are
 * IPv4, network order. */
struct cfg_tunnel {
	bool remote_flow;	/* remote-ip: flow (from the flow's tun_dst) */
	uint32_t remote_ip;	/* else the remote VTEP. */
	uint32_t local_ip;	/* 0: the endpoint's address. */
	bool key_flow;		/* key: flow (from the flow's tun_id) */
	uint32_t key;		/* else the VNI (24 bits). */
	uint16_t dst_port;	/* UDP, host order; 4789 / 6081. */
	uint8_t ttl;		/* Outer TTL; default 64. */
	uint8_t tos;		/* Outer TOS; default 0. */
	bool df;		/* Outer don't-fragment bit; default true. */
	struct cfg_mark key_mark;
};

/* A static route of the underlay: prefix/plen via a gateway. */
struct cfg_tunnel_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;		/* 0: on link. */
	struct cfg_mark mark;
};

/* A static neighbour of the underlay (no ARP for it). */
struct cfg_tunnel_neighbour {
	uint32_t ip;
	uint8_t mac[6];
};

/* bridges[].tunnel-endpoint: the switch's underlay address, owned on one
 * dpdk port of the bridge (see README "Tunnels"). */
struct cfg_tunnel_endpoint {
	char *port;		/* NULL: the bridge has none. */
	uint32_t ip;
	uint8_t plen;
	uint32_t gateway;	/* 0: none (default route). */
	struct cfg_tunnel_route *routes;
	size_t n_routes;
	struct cfg_tunnel_neighbour *neighbours;
	size_t n_neighbours;
	struct cfg_mark mark;
	struct cfg_mark port_mark;
};

enum cfg_vhost_mode { CFG_VHOST_SERVER, CFG_VHOST_CLIENT };

/* Ports backed by a DPDK device (the others: patch and tunnel ports). */
static inline bool
cfg_port_has_device(enum cfg_port_type kind)
{
	return kind == CFG_PORT_DPDK || kind == CFG_PORT_VHOST_USER;
}

static inline bool
cfg_port_is_tunnel(enum cfg_port_type kind)
{
	return kind == CFG_PORT_VXLAN || kind == CFG_PORT_GENEVE;
}

struct cfg_port {
	char *name;
	uint32_t ofport;
	char *type;		/* "dpdk", "vhost-user", "patch", "vxlan" or
				 * "geneve". */
	enum cfg_port_type kind;
	char *devargs;		/* type dpdk: PCI address or vdev devargs. */
	char *path;		/* type vhost-user: the socket path. */
	enum cfg_vhost_mode mode;	/* type vhost-user; default server. */
	char *peer;		/* type patch: the peer port's name. */
	struct cfg_tunnel tunnel;	/* type vxlan / geneve. */
	uint16_t rxq;		/* Default 1 (vhost-user: queues). */
	uint16_t queues;	/* type vhost-user: queue pairs; default 1. */
	uint16_t rxq_size;	/* Descriptors; 0 = driver default (1024). */
	uint16_t txq_size;
	uint16_t mtu;		/* 0 = leave the device's. */
	bool has_mac;
	uint8_t mac[6];
	struct cfg_mark mark;	/* Of the port's mapping. */
	struct cfg_mark devargs_mark;	/* devargs, path or peer value. */
	struct cfg_mark mtu_mark;
	struct cfg_mark mac_mark;
};

/* bridges[].sflow: the sFlow v5 agent of a bridge (config_sflow.c). The
 * collectors are resolved when the file is loaded: a name that does not
 * resolve is a configuration error. */
#define CFG_SFLOW_MAX_COLLECTORS 8
#define CFG_SFLOW_DEFAULT_SAMPLING_RATE 400
#define CFG_SFLOW_DEFAULT_POLLING_INTERVAL 30
#define CFG_SFLOW_DEFAULT_HEADER_BYTES 128
#define CFG_SFLOW_MAX_HEADER_BYTES 256

struct cfg_sflow {
	bool enabled;		/* The key is present. */
	char *agent_ip;		/* As written. */
	bool agent_ipv6;
	uint8_t agent_addr[16];	/* 4 bytes (IPv4) or 16, network order. */
	char **collectors;	/* "IP:PORT" / "[IPv6]:PORT" / "HOST:PORT". */
	size_t n_collectors;
	struct sockaddr_storage collector_addr[CFG_SFLOW_MAX_COLLECTORS];
	socklen_t collector_len[CFG_SFLOW_MAX_COLLECTORS];
	uint32_t sampling_rate;		/* 1 in N packets; 0 = no sampling. */
	uint32_t polling_interval;	/* Seconds; 0 = no counter samples. */
	uint32_t header_bytes;		/* Bytes of header per flow sample. */
	struct cfg_mark mark;
};

struct cfg_bridge {
	char *name;
	uint64_t datapath_id;	/* Default: derived from the bridge index+1. */
	enum cfg_fail_mode fail_mode;	/* Default secure. */
	/* Packet-ins per second and burst, per OpenFlow connection; over the
	 * rate they are dropped and counted (pmdswitch-ctl show). */
	uint32_t packet_in_rate;	/* Default 1000. */
	uint32_t packet_in_burst;	/* Default 100. */
	char **controllers;
	size_t n_controllers;
	char **listen;
	size_t n_listen;
	/* ssl: {private-key, certificate, ca-cert} for ssl: and pssl:
	 * targets (PEM files, checked to be readable at load). */
	char *ssl_private_key;
	char *ssl_certificate;
	char *ssl_ca_cert;
	struct cfg_mark ssl_mark;
	char **flows;
	size_t n_flows;
	struct cfg_mark *flow_marks;	/* One per flow, for errors. */
	struct cfg_port *ports;
	size_t n_ports;
	struct cfg_tunnel_endpoint tunnel_endpoint;
	struct cfg_sflow sflow;
	struct cfg_mark mark;
};

struct cfg_dpdk {
	char *lcores;		/* NULL = all. */
	int main_lcore;		/* -1 = EAL default. */
	uint32_t memory_mb;	/* Default 1024. */
	struct cfg_mark memory_mb_mark;	/* {0,0} when not in the file. */
	bool no_huge;
	char **extra_args;
	size_t n_extra_args;
};

struct cfg_datapath {
	uint32_t *pmd_cores;	/* Default [1] (or the only lcore). */
	size_t n_pmd_cores;
	struct cfg_mark pmd_cores_mark;
	uint32_t emc_entries;		/* Default 8192. */
	uint32_t emc_insert_inv_prob;	/* Default 100. */
	uint32_t emc_min_hit_pct;	/* Default 80; 0: never bypassed. */
	uint32_t megaflow_max;		/* Default 200000. */
	uint32_t megaflow_idle_ms;	/* Default 10000. */
	uint32_t upcall_ring_size;	/* Default 4096 (power of two). */
	uint32_t upcall_cycle_share;	/* Percent of a PMD's cycles misses
					 * may take while cached traffic
					 * waits; default 10, 0: no limit. */
};

/* limits: (config_limits.c); 0 = the default. */
#define CFG_MAX_ACCEPTED_CONNS 4096
struct cfg_limits {
	uint64_t max_rules;		/* Over all bridges and tables. */
	uint64_t max_groups;		/* Over all bridges. */
	uint64_t max_meters;		/* Over all bridges. */
	uint64_t max_instruction_sets;	/* Distinct, per table, summed. */
	uint64_t max_conn_backlog_kb;	/* Per connection; default 1024. */
	uint64_t max_connections_per_listener;	/* Default 64. */
	uint64_t max_accepted_connections;	/* Per bridge; default 256. */
};

struct pmdswitch_config {
	char *file;		/* The path it was loaded from. */
	struct cfg_dpdk dpdk;
	struct cfg_datapath datapath;
	char *ctl_socket;	/* Default /run/pmdswitch/pmdswitchd.ctl */
	struct cfg_mark ctl_socket_mark;	/* {0,0} when not in the file. */
	/* Prometheus text endpoint "IP:PORT" or "[IPv6]:PORT"; NULL = none.
	 * Validated at load (config_parse_listen()); reload applies it. */
	char *metrics_listen;
	struct cfg_mark metrics_listen_mark;
	struct cfg_limits limits;
	struct cfg_bridge *bridges;
	size_t n_bridges;
};

/* Load and validate. On error returns -EINVAL (or -errno for I/O) and
 * writes one line "FILE:LINE:COLUMN: KEY: what is wrong" into err. On
 * success *cfg is filled with defaults applied; free with config_free(). */
int config_load_file(const char *path, struct pmdswitch_config *cfg,
		     char *err, size_t errlen);
/* The same from a string; name stands for the file name in errors. */
int config_load_string(const char *yaml, const char *name,
		       struct pmdswitch_config *cfg, char *err, size_t errlen);
void config_free(struct pmdswitch_config *cfg);

/* The port named name in any bridge (bridge index in *bridge), or NULL. */
const struct cfg_port *config_find_port(const struct pmdswitch_config *cfg,
					const char *name, size_t *bridge);

/* "IP:PORT" (IPv4) or "[IPv6]:PORT" into a socket address; names are not
 * resolved. 0, or -EINVAL with the reason in why. */
int config_parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *len, char *why, size_t whylen);

#endif /* PMDSWITCH_CONFIG_H */
