/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap_iface: the kernel receive buffer behind `net_pcap ... iface=` ports.
 *
 * Why: DPDK 22.11's net_pcap opens a live interface with
 * pcap_open_live(iface, snaplen, promisc, -1). libpcap 1.10 then maps a
 * TPACKET_V3 ring of 2 MiB in 256 KiB blocks (8 blocks), and the kernel
 * hands a block to the reader when it is full or when its retire timer
 * fires (about 1 ms on a 10 Gbit/s link such as a veth), however few
 * frames it holds. At a few hundred packets per second every frame gets a
 * block of its own: the ring holds 8 frames. A PMD thread that is not
 * scheduled for longer than 8 frame intervals (40 ms at 200 packet/s, a
 * common hiccup on a shared machine) makes the kernel drop the rest
 * (the port's rx "missed" counter, libpcap's ps_drop). External rate tests
 * then see 6-12% of the offered traffic missing.
 *
 * How: the daemon defines pcap_open_live itself and exports it (see the
 * --export-dynamic-symbol link argument in meson.build), so the net_pcap
 * driver, which EAL loads as a plugin, binds to this one instead of
 * libpcap's. Same arguments and results, two settings more: immediate mode
 * (TPACKET_V2, one slot per frame, no block retire delay) and a ring of
 * PCAP_IFACE_BUFFER_BYTES (about a thousand frames of DPDK's 16 KiB snap
 * length, whatever the packet rate). Nothing else in the daemon calls
 * pcap_open_live (capture files use pcap_open_dead); file ports
 * (rx_pcap=/tx_pcap=) use pcap_open_offline / pcap_dump_open, untouched.
 *
 * Thread-safety: called by EAL's device probe on the thread that opens
 * ports (start-up and reload); no state of its own.
 */

#include <stdio.h>

#include <pcap/pcap.h>

/* Ring of one live interface handle: 16 MiB, about 1,000 frame slots at
 * DPDK's snap length (pinned kernel memory, once per iface port). */
#define PCAP_IFACE_BUFFER_BYTES (16 << 20)

pcap_t *pcap_open_live(const char *device, int snaplen, int promisc,
		       int to_ms, char *errbuf);

pcap_t *
pcap_open_live(const char *device, int snaplen, int promisc, int to_ms,
	       char *errbuf)
{
	pcap_t *p = pcap_create(device, errbuf);
	int rc;

	if (p == NULL)
		return NULL;
	if (pcap_set_snaplen(p, snaplen) != 0 ||
	    pcap_set_promisc(p, promisc) != 0 ||
	    pcap_set_timeout(p, to_ms) != 0 ||
	    pcap_set_immediate_mode(p, 1) != 0 ||
	    pcap_set_buffer_size(p, PCAP_IFACE_BUFFER_BYTES) != 0) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: cannot set capture "
			 "options", device);
		pcap_close(p);
		return NULL;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		/* As libpcap's own: the reason, with the device name. */
		const char *why = pcap_geterr(p);

		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", device,
			 why != NULL && why[0] != '\0' ? why :
			 pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	/* rc > 0 is a warning (e.g. promiscuous mode not supported): the
	 * handle works and errbuf holds the warning, as with libpcap's. */
	snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", rc > 0 ? pcap_geterr(p) : "");
	return p;
}
