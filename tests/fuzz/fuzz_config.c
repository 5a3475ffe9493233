/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the YAML configuration loader (src/config). The input
 * is a configuration file; a load either succeeds (and is freed) or fails
 * with one file:line:column line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmdswitch_config cfg;
	char err[512], *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string(text, "fuzz.yaml", &cfg, err, sizeof(err)) == 0) {
		config_free(&cfg);
	} else if (strncmp(err, "fuzz.yaml:", 10) || strchr(err, '\n')) {
		fprintf(stderr, "error without file:line:column: %s\n", err);
		abort();
	}
	free(text);
	return 0;
}
