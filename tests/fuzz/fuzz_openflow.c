/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: bytes from an OpenFlow peer, through the connection's
 * framing and dispatch (ofp_conn_mgr_feed: the control thread's path
 * without the socket), into the message handlers of one version.
 *
 * FUZZ_OF_VERSION (4: OpenFlow 1.3, 1: OpenFlow 1.0) picks the HELLO that
 * opens the stream, so the input is the message stream after negotiation.
 * The first input byte picks the read size (0: all at once, else 1..255
 * bytes per read), so framing across reads is fuzzed too. Each input gets
 * a fresh bridge with three ports and two rules, destroyed after it; its
 * host accepts packet-outs and meters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ofproto/ofp_conn.h"
#include "ofproto/ofp_log.h"
#include "ofproto/ofproto.h"
#include "ofproto/ofproto_priv.h"

#ifndef FUZZ_OF_VERSION
#define FUZZ_OF_VERSION 4
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A host that accepts everything, so that meters and packet-outs are
 * handled as in the daemon (without meter_set, meters are refused). */
static int
port_stats(void *host, uint32_t ofport, struct ofproto_port_stats *st)
{
	(void)host;
	memset(st, 0, sizeof(*st));
	st->rx_packets = ofport;
	return 0;
}

static void
flows_changed(void *host)
{
	(void)host;
}

static int
packet_out(void *host, uint32_t in_port, const struct ofpact *actions,
	   size_t n_actions, const void *packet, size_t len)
{
	(void)host, (void)in_port, (void)actions, (void)n_actions;
	(void)packet, (void)len;
	return 0;
}

static int
meter_set(void *host, const struct ofproto_meter_config *mc)
{
	(void)host, (void)mc;
	return 0;
}

static void
meter_del(void *host, uint32_t meter_id)
{
	(void)host, (void)meter_id;
}

static int
meter_stats(void *host, uint32_t meter_id, struct ofproto_meter_stats *st)
{
	(void)host, (void)meter_id;
	memset(st, 0, sizeof(*st));
	return 0;
}

static const struct ofproto_host_ops host_ops = {
	.port_stats = port_stats,
	.flows_changed = flows_changed,
	.packet_out = packet_out,
	.meter_set = meter_set,
	.meter_del = meter_del,
	.meter_stats = meter_stats,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	uint8_t hello[8] = { FUZZ_OF_VERSION, 0, 0, 8, 0, 0, 0, 1 };
	struct ofproto *ofp;
	uint8_t *stream;
	size_t chunk, replied = 0;

	if (size < 1 || size > 1 << 20)
		return 0;
	ofp_log_set_level(OFP_LOG_ERR);
	chunk = data[0];
	ofp = ofproto_create("br0", 1, &host_ops, NULL);
	if (ofp == NULL)
		abort();
	for (uint32_t p = 1; p <= 3; p++) {
		char name[8] = "p0";

		name[1] = (char)('0' + p);
		ofproto_port_add(ofp, p, name, mac);
	}
	ofproto_add_flow_str(ofp, "priority=10,in_port=1,udp,actions=output:2",
			     NULL, 0);
	ofproto_add_flow_str(ofp, "priority=0,actions=drop", NULL, 0);
	stream = malloc(sizeof(hello) + size - 1);
	if (stream == NULL)
		abort();
	memcpy(stream, hello, sizeof(hello));
	memcpy(stream + sizeof(hello), data + 1, size - 1);
	ofp_conn_mgr_feed(ofp->mgr, stream, sizeof(hello) + size - 1, chunk,
			  &replied);
	free(stream);
	ofproto_destroy(ofp);
	return 0;
}
