/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PMDSWITCH_OFP_PREFIX_TRIE_H
#define PMDSWITCH_OFP_PREFIX_TRIE_H

/*
 * Prefix tries of address fields, so that a table lookup unwildcards only
 * the address bits it needs.
 *
 * Without them, a lookup that probes a subtable whose mask has nw_src/32
 * unwildcards all 32 bits, even when no /32 rule can match: 1,000 /32
 * rules and a /8 fallback give every source address its own megaflow. A
 * trie holds the prefixes of a field of every rule of a table whose mask
 * on that field is a prefix (CIDR-shaped). One walk with the packet's
 * address tells, for every prefix length, whether a rule prefix of that
 * length matches, and how many leading address bits the walk had to look
 * at to know it ("checked"). A subtable of prefix length L whose length
 * did not match is skipped, and only min(checked, L) bits are
 * unwildcarded: any address equal on those bits walks the same way.
 *
 * The trie is path-compressed (a node per distinct prefix and per
 * branching point, so at most two nodes per distinct prefix); a node
 * counts the rules whose prefix it is.
 *
 * Thread safety: none; the owning table's lock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFP_TRIE_MAX_BITS 128

struct ofp_trie_node {
	struct ofp_trie_node *child[2];	/* By the bit after the prefix. */
	uint8_t prefix[OFP_TRIE_MAX_BITS / 8];	/* Zero past plen. */
	uint8_t plen;
	uint32_t n_rules;	/* Rules whose prefix is exactly this one. */
};

struct ofp_trie {
	struct ofp_trie_node *root;	/* NULL when empty. */
	unsigned width;			/* Bits of the field: 32 or 128. */
	size_t n_nodes;
};

/* What a walk found: bit L of plens is set when a rule prefix of length L
 * matches the address; checked is the number of leading bits the walk
 * looked at. */
struct ofp_trie_match {
	uint64_t plens[3];	/* Lengths 0..128. */
	unsigned checked;
};

void ofp_trie_init(struct ofp_trie *t, unsigned width);
void ofp_trie_destroy(struct ofp_trie *t);

/* Count one more rule with prefix addr/plen (1 <= plen <= width); addr is
 * the field in network byte order. -ENOMEM leaves the trie unchanged. */
int ofp_trie_insert(struct ofp_trie *t, const uint8_t *addr, unsigned plen);
/* One rule fewer with that prefix (which must have been inserted). */
void ofp_trie_remove(struct ofp_trie *t, const uint8_t *addr, unsigned plen);

void ofp_trie_lookup(const struct ofp_trie *t, const uint8_t *addr,
		     struct ofp_trie_match *m);

static inline bool
ofp_trie_match_has(const struct ofp_trie_match *m, unsigned plen)
{
	return (m->plens[plen / 64] >> (plen % 64)) & 1;
}

/* The prefix length of a field mask (its bytes in network order), or -1
 * when the mask is not a run of leading ones (0 for an all-zero mask). */
int ofp_trie_mask_plen(const uint8_t *mask, unsigned width);

/* Set the first n bits of a mask field. */
void ofp_trie_mask_set(uint8_t *mask, unsigned n);

#endif /* PMDSWITCH_OFP_PREFIX_TRIE_H */
