/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the ovs-ofctl flow syntax (ofp_flow_text.c), as in the
 * YAML flows:, pmdswitch-ctl add-flow / del-flows and dump-flows.
 *
 * The input is one flow string. Parsed as a full flow and as a match; a
 * flow that parses is formatted back, and the text formatted must parse
 * again and format the same (dump-flows output is valid input). It is
 * also added to a bridge and deleted again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofproto/ofp_flow_text.h"
#include "ofproto/ofp_log.h"
#include "ofproto/ofproto.h"
#include "ofproto/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
format(struct strbuf *s, const struct ofp_flow_mod *fm)
{
	strbuf_clear(s);
	ofp_flow_text_format_match(s, &fm->match, fm->priority);
	strbuf_printf(s, "%sactions=", s->len ? "," : "");
	ofp_flow_text_format_insts(s, &fm->insts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ofproto *ofp;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct ofp_flow_mod fm, fm2;
	char err[256], *text;

	if (size > 4096)
		return 0;
	ofp_log_set_level(OFP_LOG_ERR);
	if (ofp == NULL)
		ofp = ofproto_create("br0", 1, NULL, NULL);
	text = malloc(size + 1);
	if (text == NULL || ofp == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	ofp_flow_text_parse(text, OFP_FLOW_TEXT_MATCH, &fm, err, sizeof(err));
	if (ofp_flow_text_parse(text, OFP_FLOW_TEXT_ADD, &fm, err,
				sizeof(err)) == 0) {
		format(&a, &fm);
		if (ofp_flow_text_parse(strbuf_str(&a), OFP_FLOW_TEXT_ADD, &fm2,
					err, sizeof(err)) != 0) {
			fprintf(stderr, "\"%s\" formats as \"%s\", which does "
				"not parse: %s\n", text, strbuf_str(&a), err);
			abort();
		}
		format(&b, &fm2);
		if (strcmp(strbuf_str(&a), strbuf_str(&b))) {
			fprintf(stderr, "\"%s\" formats as \"%s\", then as "
				"\"%s\"\n", text, strbuf_str(&a),
				strbuf_str(&b));
			abort();
		}
		if (ofproto_add_flow_str(ofp, text, err, sizeof(err)) == 0 &&
		    ofproto_del_flows_str(ofp, "", err, sizeof(err)) != 0)
			abort();
	}
	strbuf_free(&a);
	strbuf_free(&b);
	free(text);
	return 0;
}
