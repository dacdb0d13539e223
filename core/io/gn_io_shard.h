/* gn_io_shard.h: deterministic sharding of campaigns (`gnlab validate`, `gnlab prove`) and the
 * mergeable shard files `gnlab merge` reads (issue 9).
 *
 * Blocks. A campaign's index range is cut into U blocks (--blocks, default GN_IO_SHARD_BLOCKS).
 * Instance i of a loop of N instances lies in block floor(i U / N), so every block carries
 * 1/U of every quantity's work and block b of that loop is the contiguous index range
 * [ceil(b N / U), ceil((b + 1) N / U)). Instance i draws from its own counter-based stream
 * gn_rng_seed(r, seed, i) (core/gn.h), so which process runs a block never changes what it
 * computes. A set of blocks is a sorted list of disjoint half-open ranges [lo, hi).
 *
 * Shard files are JSON Lines: one header object {"shard": "validate"|"prove", parameters,
 * "blocks": U, "ranges": "a-b,..."} (ranges inclusive, block numbers), then one object per
 * row. Doubles are written as C99 hex strings ("0x1.8p-3", "inf"), so they read back
 * exactly; counts and histograms are integers. Rows merge by max (exact), integer sums and
 * "the worst instance is the one with the largest ratio, ties to the lowest index", which
 * is associative and commutative, so any grouping of shards gives the same report. */
#ifndef GN_IO_SHARD_H
#define GN_IO_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GN_IO_SHARD_BLOCKS 64u
#define GN_IO_SHARD_MAXBLOCKS (1u << 20)
#define GN_IO_SHARD_MAXR 256

typedef struct {
    uint64_t lo, hi; /* blocks [lo, hi) */
} gn_io_brange;

typedef struct gn_io_shard {
    uint64_t nblocks; /* U */
    size_t n;         /* ranges in use, sorted, disjoint, non-adjacent */
    gn_io_brange r[GN_IO_SHARD_MAXR];
} gn_io_shard;

/* gn_io_shard_all: every block of U.
 * No equation: block-set arithmetic of sharded campaigns (tests/test_shard). */
void gn_io_shard_all(gn_io_shard *s, uint64_t nblocks);
/* gn_io_shard_parse_kn: "k/n" (0 <= k < n <= U): blocks [floor(k U / n), floor((k+1) U / n)).
 * Returns 0, or -1 on a malformed or out-of-range text (s untouched).
 * No equation: option parsing (--shard k/n). */
int gn_io_shard_parse_kn(gn_io_shard *s, const char *text, uint64_t nblocks);
/* gn_io_shard_parse_ranges: "a-b,c,d-e" (inclusive block numbers < U, any order, no
 * overlaps). Returns 0, or -1 on malformed, out-of-range or overlapping ranges.
 * No equation: option parsing (--ranges). */
int gn_io_shard_parse_ranges(gn_io_shard *s, const char *text, uint64_t nblocks);
/* gn_io_shard_format: "a-b,c" (inclusive; "" for the empty set) into buf, the syntax
 * gn_io_shard_parse_ranges reads; truncated (NUL-terminated) when cap is too small: a whole
 * set of GN_IO_SHARD_MAXR ranges of U <= GN_IO_SHARD_MAXBLOCKS needs at most 256 * 16 bytes.
 * No equation: block-set writer. */
void gn_io_shard_format(const gn_io_shard *s, char *buf, size_t cap);
/* gn_io_shard_has: is block b in s?
 * No equation: block-set membership (1 yes, 0 no). */
int gn_io_shard_has(const gn_io_shard *s, uint64_t b);
/* gn_io_shard_block: the block of instance i of n (i < n): floor(i U / n) without overflow
 * for n, U < 2^32.
 * No equation: the instance-to-block map of the header comment. */
uint64_t gn_io_shard_block(uint64_t i, uint64_t n, uint64_t nblocks);
/* gn_io_shard_first: the first instance of n in block b: ceil(b n / U).
 * No equation: the block-to-instance map of the header comment. */
uint64_t gn_io_shard_first(uint64_t b, uint64_t n, uint64_t nblocks);
/* gn_io_shard_mine: NULL s means every instance; otherwise is instance i of n in s?
 * No equation: shard membership of an instance (1 yes, 0 no). */
int gn_io_shard_mine(const gn_io_shard *s, uint64_t i, uint64_t n);
/* gn_io_shard_next: the smallest instance j >= i of n in s (every j when s is NULL), or n if
 * none: loops visit only their own instances in O(ranges) per step, never the whole range.
 * No equation: iteration over a shard's instances. */
uint64_t gn_io_shard_next(const gn_io_shard *s, uint64_t i, uint64_t n);
/* gn_io_shard_add: s |= t (same U). Returns 0, or -1 if they overlap or exceed GN_IO_SHARD_MAXR
 * ranges (s is then unspecified).
 * No equation: block-set union. */
int gn_io_shard_add(gn_io_shard *s, const gn_io_shard *t);
/* gn_io_shard_missing: the complement of s in [0, U) into out.
 * No equation: block-set complement. */
void gn_io_shard_missing(gn_io_shard *out, const gn_io_shard *s);

#endif
