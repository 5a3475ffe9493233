/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path-compressed binary tries of address prefixes (see ofp_prefix_trie.h).
 * Bit 0 is the most significant bit of the field's first byte, as in a
 * CIDR prefix.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_prefix_trie.h"

static inline unsigned
bit_at(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1u;
}

/* The first bit in [from, to) where a and b differ, or to. */
static unsigned
first_diff(const uint8_t *a, const uint8_t *b, unsigned from, unsigned to)
{
	unsigned i = from;

	while (i < to) {
		unsigned byte = i / 8;
		uint8_t x = (uint8_t)(a[byte] ^ b[byte]);

		/* Only bits i.. of this byte count. */
		x = (uint8_t)(x & (0xffu >> (i % 8)));
		if (x != 0) {
			unsigned d = byte * 8 +
				     (unsigned)__builtin_clz((unsigned)x) - 24;

			return d < to ? d : to;
		}
		i = (byte + 1) * 8;
	}
	return to;
}

static void
prefix_copy(uint8_t *dst, const uint8_t *addr, unsigned plen)
{
	memset(dst, 0, OFP_TRIE_MAX_BITS / 8);
	memcpy(dst, addr, plen / 8);
	if (plen % 8)
		dst[plen / 8] = (uint8_t)(addr[plen / 8] &
					  (0xff00u >> (plen % 8)));
}

static void
node_set(struct ofp_trie_node *n, const uint8_t *addr, unsigned plen,
	 uint32_t n_rules)
{
	n->child[0] = n->child[1] = NULL;
	prefix_copy(n->prefix, addr, plen);
	n->plen = (uint8_t)plen;
	n->n_rules = n_rules;
}

void
ofp_trie_init(struct ofp_trie *t, unsigned width)
{
	t->root = NULL;
	t->width = width;
	t->n_nodes = 0;
}

static void
free_subtree(struct ofp_trie_node *n)
{
	if (n == NULL)
		return;
	free_subtree(n->child[0]);
	free_subtree(n->child[1]);
	free(n);
}

void
ofp_trie_destroy(struct ofp_trie *t)
{
	free_subtree(t->root);
	t->root = NULL;
	t->n_nodes = 0;
}

int
ofp_trie_insert(struct ofp_trie *t, const uint8_t *addr, unsigned plen)
{
	struct ofp_trie_node **slot = &t->root;
	struct ofp_trie_node *node, *x, *leaf;
	unsigned prev = 0, end, d;

	/* Walk down while a node's prefix is a prefix of ours; the trie
	 * changes only in the one place the walk stops, after every node
	 * that place needs is allocated, so a failure changes nothing. */
	for (;;) {
		node = *slot;
		if (node == NULL) {
			x = malloc(sizeof(*x));
			if (x == NULL)
				return -ENOMEM;
			node_set(x, addr, plen, 1);
			*slot = x;
			t->n_nodes++;
			return 0;
		}
		end = node->plen < plen ? node->plen : plen;
		d = first_diff(addr, node->prefix, prev, end);
		if (d != node->plen)
			break;
		if (node->plen == plen) {
			node->n_rules++;
			return 0;
		}
		prev = node->plen;
		slot = &node->child[bit_at(addr, node->plen)];
	}
	if (d == plen) {
		/* Ours is a prefix of node's: it goes above it. */
		x = malloc(sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
		node_set(x, addr, plen, 1);
		x->child[bit_at(node->prefix, plen)] = node;
		*slot = x;
		t->n_nodes++;
		return 0;
	}
	/* They part at bit d: a branching node with both below. */
	x = malloc(sizeof(*x));
	leaf = malloc(sizeof(*leaf));
	if (x == NULL || leaf == NULL) {
		free(x);
		free(leaf);
		return -ENOMEM;
	}
	node_set(x, addr, d, 0);
	node_set(leaf, addr, plen, 1);
	x->child[bit_at(addr, d)] = leaf;
	x->child[bit_at(node->prefix, d)] = node;
	*slot = x;
	t->n_nodes += 2;
	return 0;
}

void
ofp_trie_remove(struct ofp_trie *t, const uint8_t *addr, unsigned plen)
{
	struct ofp_trie_node **slot = &t->root, **parent_slot = NULL;
	struct ofp_trie_node *node;

	for (;;) {
		node = *slot;
		if (node == NULL || node->plen > plen)
			return;		/* Not there: nothing to undo. */
		if (node->plen == plen)
			break;
		parent_slot = slot;
		slot = &node->child[bit_at(addr, node->plen)];
	}
	if (node->n_rules == 0 ||
	    first_diff(addr, node->prefix, 0, plen) != plen)
		return;
	if (--node->n_rules > 0)
		return;
	if (node->child[0] != NULL && node->child[1] != NULL)
		return;		/* Still a branching point. */
	*slot = node->child[0] != NULL ? node->child[0] : node->child[1];
	free(node);
	t->n_nodes--;
	if (*slot != NULL || parent_slot == NULL)
		return;
	/* A leaf went: its parent may be a branching node with one child
	 * left and no rule of its own, which compression does not keep. */
	struct ofp_trie_node *p = *parent_slot;

	if (p->n_rules == 0 && (p->child[0] == NULL) != (p->child[1] == NULL)) {
		*parent_slot = p->child[0] != NULL ? p->child[0] :
						     p->child[1];
		free(p);
		t->n_nodes--;
	}
}

void
ofp_trie_lookup(const struct ofp_trie *t, const uint8_t *addr,
		struct ofp_trie_match *m)
{
	const struct ofp_trie_node *node = t->root;
	unsigned prev = 0;

	memset(m->plens, 0, sizeof(m->plens));
	m->checked = 0;
	while (node != NULL) {
		unsigned d = first_diff(addr, node->prefix, prev, node->plen);

		if (d < node->plen) {
			m->checked = d + 1;
			return;
		}
		if (node->n_rules)
			m->plens[node->plen / 64] |= 1ull << (node->plen % 64);
		if (node->plen >= t->width) {
			m->checked = t->width;
			return;
		}
		prev = node->plen;
		m->checked = prev + 1;
		node = node->child[bit_at(addr, prev)];
	}
}

int
ofp_trie_mask_plen(const uint8_t *mask, unsigned width)
{
	unsigned n = 0, i;

	while (n < width && bit_at(mask, n))
		n++;
	for (i = n; i < width; i++)
		if (bit_at(mask, i))
			return -1;
	return (int)n;
}

void
ofp_trie_mask_set(uint8_t *mask, unsigned n)
{
	for (unsigned i = 0; i < n / 8; i++)
		mask[i] = 0xff;
	if (n % 8)
		mask[n / 8] |= (uint8_t)(0xff00u >> (n % 8));
}
