/* SPDX-License-Identifier: BSD-3-Clause */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
strbuf_reserve(struct strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (s == NULL)
		abort();	/* Control-path text only; out of memory is fatal. */
	b->s = s;
	b->cap = cap;
}

void
strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char probe[1];

	if (fmt == NULL)	/* Also keeps GCC's sanitizer builds from */
		return;		/* seeing a null-format path. */
	va_copy(ap2, ap);
	int n = vsnprintf(probe, sizeof(probe), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	strbuf_reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
strbuf_append(struct strbuf *b, const char *s, size_t n)
{
	strbuf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_json_string(struct strbuf *b, const char *s)
{
	strbuf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(b, "\\%c", c);
		else if (c < 0x20)
			strbuf_printf(b, "\\u%04x", c);
		else
			strbuf_append(b, (const char *)&c, 1);
	}
	strbuf_append(b, "\"", 1);
}

const char *
strbuf_str(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

void
strbuf_clear(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
