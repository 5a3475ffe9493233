/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/mman.h>

#include "dp_mem.h"

#define DP_MEM_HUGE (2u << 20)

static size_t
round_huge(size_t size)
{
	return (size + DP_MEM_HUGE - 1) & ~(size_t)(DP_MEM_HUGE - 1);
}

void *
dp_mem_alloc(size_t size)
{
	size_t len = round_huge(size);
	void *p;

	if (size == 0) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Advice only: without THP the pages are normal ones. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void
dp_mem_free(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, round_huge(size));
}
