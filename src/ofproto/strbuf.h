/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_STRBUF_H
#define PMDSWITCH_STRBUF_H

/*
 * A growable, always NUL-terminated string buffer for building text and JSON
 * replies off the fast path. Not for PMD threads (it allocates).
 * Thread safety: none; one owner at a time.
 */

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *s;	/* NUL-terminated contents; NULL until first write. */
	size_t len;	/* Bytes in use, without the NUL. */
	size_t cap;	/* Bytes allocated. */
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap);
void strbuf_append(struct strbuf *b, const char *s, size_t n);
/* Append s as a JSON string literal, quotes included. */
void strbuf_json_string(struct strbuf *b, const char *s);
/* Contents as a C string ("" when empty); valid until the next write. */
const char *strbuf_str(const struct strbuf *b);
void strbuf_clear(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif /* PMDSWITCH_STRBUF_H */
