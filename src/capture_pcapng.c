/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapng blocks (see capture_pcapng.h). */
#include "capture_pcapng.h"

#include <errno.h>
#include <string.h>

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_MAGIC 0x1a2b3c4du
#define PCAPNG_LINKTYPE_ETHERNET 1u
#define OPT_END 0u
#define IF_NAME 2u
#define IF_TSRESOL 9u
#define EPB_FLAGS 2u

static uint32_t
pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

static int
put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -(errno ? errno : EIO);
}

static int
put32(FILE *f, uint32_t v)
{
	return put(f, &v, 4);
}

static int
put_option(FILE *f, uint16_t code, const void *val, uint16_t len)
{
	static const uint8_t zero[4];
	uint16_t h[2] = {code, len};
	int rc = put(f, h, 4);

	if (rc == 0 && len)
		rc = put(f, val, len);
	if (rc == 0 && pad4(len) != len)
		rc = put(f, zero, pad4(len) - len);
	return rc;
}

int
pcapng_write_header(FILE *f, const char *if_name, uint32_t snaplen)
{
	size_t name_len = strnlen(if_name, 64);
	uint32_t shb_len = 28;
	uint32_t idb_len = 20 + 4 + pad4((uint32_t)name_len) + 4 + 4 + 4;
	uint16_t major = 1, minor = 0;
	int64_t section_len = -1;
	uint16_t link[2] = {PCAPNG_LINKTYPE_ETHERNET, 0};
	uint8_t tsresol = 9;	/* 10^-9 s */
	int rc;

	rc = put32(f, PCAPNG_SHB);
	rc = rc ? rc : put32(f, shb_len);
	rc = rc ? rc : put32(f, PCAPNG_MAGIC);
	rc = rc ? rc : put(f, &major, 2);
	rc = rc ? rc : put(f, &minor, 2);
	rc = rc ? rc : put(f, &section_len, 8);
	rc = rc ? rc : put32(f, shb_len);

	rc = rc ? rc : put32(f, PCAPNG_IDB);
	rc = rc ? rc : put32(f, idb_len);
	rc = rc ? rc : put(f, link, 4);
	rc = rc ? rc : put32(f, snaplen);
	rc = rc ? rc : put_option(f, IF_NAME, if_name, (uint16_t)name_len);
	rc = rc ? rc : put_option(f, IF_TSRESOL, &tsresol, 1);
	rc = rc ? rc : put_option(f, OPT_END, NULL, 0);
	rc = rc ? rc : put32(f, idb_len);
	return rc;
}

int
pcapng_write_packet(FILE *f, uint64_t ts_ns, const void *data, uint32_t caplen,
		    uint32_t orig_len, uint32_t dir)
{
	static const uint8_t zero[4];
	uint32_t len = 28 + pad4(caplen) + 8 + 4 + 4;
	uint32_t hdr[7] = {PCAPNG_EPB, len, 0, (uint32_t)(ts_ns >> 32),
			   (uint32_t)ts_ns, caplen, orig_len};
	int rc;

	rc = put(f, hdr, sizeof(hdr));
	rc = rc ? rc : put(f, data, caplen);
	if (rc == 0 && pad4(caplen) != caplen)
		rc = put(f, zero, pad4(caplen) - caplen);
	rc = rc ? rc : put_option(f, EPB_FLAGS, &dir, 4);
	rc = rc ? rc : put_option(f, OPT_END, NULL, 0);
	rc = rc ? rc : put32(f, len);
	return rc;
}
