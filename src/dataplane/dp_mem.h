/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_DP_MEM_H
#define PMDSWITCH_DP_MEM_H

/*
 * Zeroed memory for the tables PMDs probe at random (EMC entries, megaflow
 * buckets and nodes), backed by transparent huge pages when the kernel
 * allows it: a probe of a multi-megabyte table in 4 KiB pages misses the
 * TLB as often as the cache. Pages are still taken on first touch, so a
 * large table costs only what is used. Falls back to normal pages.
 *
 * Thread safety: plain allocation; call from control threads.
 */

#include <stddef.h>

/* NULL + errno on failure. */
void *dp_mem_alloc(size_t size);
void dp_mem_free(void *p, size_t size);

#endif /* PMDSWITCH_DP_MEM_H */
