/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_CAPTURE_PCAPNG_H
#define PMDSWITCH_CAPTURE_PCAPNG_H

/*
 * A pcapng file writer (IETF draft-ietf-opsawg-pcapng): one section
 * header block, one interface description block (Ethernet, the port's
 * name, nanosecond timestamps), then one enhanced packet block per packet
 * with its direction in epb_flags. Host byte order, as the byte-order
 * magic says. Debian 12's libpcap (1.10) writes only pcap, hence this.
 *
 * Thread safety: a value; one thread writes one file.
 */

#include <stdint.h>
#include <stdio.h>

#define PCAPNG_DIR_INBOUND 1u
#define PCAPNG_DIR_OUTBOUND 2u

/* Section header and interface description. 0 or -errno. */
int pcapng_write_header(FILE *f, const char *if_name, uint32_t snaplen);
/* One packet: ts in ns since the epoch, caplen bytes of data, orig_len
 * the length on the wire, dir PCAPNG_DIR_*. 0 or -errno. */
int pcapng_write_packet(FILE *f, uint64_t ts_ns, const void *data,
			uint32_t caplen, uint32_t orig_len, uint32_t dir);

#endif /* PMDSWITCH_CAPTURE_PCAPNG_H */
