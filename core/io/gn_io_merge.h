/* gn_io_merge.h: the kind-independent half of merging shard files (format: gn_io_shard.h).
 * A campaign kind (validate's rows, prove's claim results) supplies how one row is read,
 * merged and written; this layer splits the texts into groups, checks that the groups
 * belong to one campaign (same "shard" kind, same header parameters, same row count, no
 * block in two groups), merges the rows in file order and finds the blocks no group covers.
 * The report itself is the kind's business (validate/merge.c, proofs/prove_merge.c). */
#ifndef GN_IO_MERGE_H
#define GN_IO_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gn_io_shard.h"

/* the rows a group may hold */
#define GN_IO_MERGE_MAXROWS 512

struct gn_io_merge;

typedef struct {
    const char *kind;        /* the header's "shard" value, e.g. "validate" */
    /* keys: header fields every group must hold and repeat verbatim, NULL-ended */
    const char *const *keys;
    size_t row_size;         /* bytes of one row */
    /* head_check: the kind's header fields (every key present) typed and in range; -1 with
     * the reason in why (cap bytes) */
    int (*head_check)(const char *head, char *why, size_t cap);
    /* row_read: row r of a group whose header head passed head_check, from line into row,
     * its numbers checked to be what a run writes (no NaN, a verdict flag or count that
     * agrees with the numbers beside it); -1 with the reason in why */
    int (*row_read)(void *row, const char *head, size_t r, const char *line, char *why,
                    size_t cap);
    /* row_merge: acc += part for the same row of two disjoint groups; exact, associative
     * and commutative; -1 with the reason in why when the two are not the same row
     * (another campaign) or a count overflows */
    int (*row_merge)(void *acc, const void *part, char *why, size_t cap);
    /* row_write: row i as a shard row line (what row_read reads back exactly) */
    void (*row_write)(FILE *f, size_t i, const void *row);
    /* report: the report of the merged campaign m (table, or JSON Lines when json), the
     * bytes a single run prints: 0 every check holds, 1 some fails, -1 no memory */
    int (*report)(FILE *out, const struct gn_io_merge *m, int json);
} gn_io_merge_kind;

typedef struct gn_io_merge {
    const gn_io_merge_kind *k;
    char *head;           /* the header line of the group holding the lowest block (malloc'd) */
    uint64_t nblocks;     /* U */
    size_t nrows, groups; /* rows per group; groups read */
    void *rows;           /* nrows merged rows, k->row_size bytes each */
    gn_io_brange *cov;    /* every group's block ranges, [lo, hi) */
    size_t ncov, capcov;
    int incomplete;       /* blocks are missing: the report must not give a verdict */
} gn_io_merge;

/* gn_io_merge_refuse: print "gnlab merge: NAME: WHY[: DETAIL]" on stderr; returns
 * GN_EXIT_USAGE (files that do not belong together or are malformed).
 * No equation: the refusal message of `gnlab merge`. */
int gn_io_merge_refuse(const char *name, const char *why, const char *detail);
/* gn_io_merge_refuse_at: the same at line LINE of file NAME ("NAME:LINE: WHY[: DETAIL]"),
 * DETAIL cut to 200 bytes (a shard line may be kilobytes long); returns GN_EXIT_USAGE.
 * No equation: the located refusal message of `gnlab merge`. */
int gn_io_merge_refuse_at(const char *name, size_t line, const char *why, const char *detail);

/* gn_io_merge_kind_of: the "shard" value of the first group header in texts (the first
 * non-empty line of the first non-empty text) into out. Returns 0, or -1 (with the refusal
 * printed, names[i] naming text i) when there is none or it is not a shard header.
 * No equation: picks the merge kind (validate or prove) from the header. */
int gn_io_merge_kind_of(char *out, size_t cap, const char *const *texts,
                        const char *const *names, size_t n);

/* gn_io_merge_load: every group of the n NUL-terminated texts (a text may hold several
 * groups, one after the other) checked and merged into m, which is zeroed first.
 * Method: first every header is checked (the "shard" kind; "blocks", "ranges" naming at
 * least one block, "rows"; every k->keys field present and, after the first group, equal
 * to the first's; k->head_check) and every group's row lines counted; then the groups are
 * merged in the order of their lowest block (not of the files), each row read by
 * k->row_read and folded by k->row_merge, so every order of the texts gives the same m.
 * A refusal names the file and line (gn_io_merge_refuse_at).
 * allow_empty: an empty text is no group (a rank with no block) instead of a refusal.
 * Returns 0 (m->groups may then be 0 only with allow_empty), GN_EXIT_FAIL on no memory or
 * the refusal's GN_EXIT_USAGE. Free m with gn_io_merge_free in every case.
 * No equation: shard-file loader (tests/test_shard). */
int gn_io_merge_load(gn_io_merge *m, const gn_io_merge_kind *k, const char *const *texts,
                     const char *const *names, size_t n, int allow_empty);

/* gn_io_merge_gaps: sorts m's block ranges, refuses a block in two groups (GN_EXIT_USAGE),
 * and sets *missing to a malloc'd "a-b,c" list of the blocks no group covers ("" when the
 * campaign is complete). Returns 0, GN_EXIT_USAGE or GN_EXIT_FAIL (no memory).
 * No equation: block bookkeeping of a sharded campaign. */
int gn_io_merge_gaps(gn_io_merge *m, char **missing);

/* gn_io_merge_note: the INCOMPLETE note for the missing blocks: a JSON Lines object
 * {"incomplete": true, "missing_blocks", "blocks"} when json, else the text with the
 * --blocks/--ranges to rerun them.
 * No equation: report writer. */
void gn_io_merge_note(FILE *out, const gn_io_merge *m, const char *missing, int json);

/* gn_io_merge_text: `gnlab merge` of one kind: load the texts (gn_io_merge_load), list the
 * missing blocks (gn_io_merge_note, before the report), print k->report, and end a table
 * with an INCOMPLETE line when blocks are missing. Returns 0 complete and passing, 1 a
 * check fails or blocks are missing, 2 a refusal (reason on stderr), 1 on no memory.
 * No equation: the kind-independent `gnlab merge` (tests/test_shard). */
int gn_io_merge_text(FILE *out, const gn_io_merge_kind *k, const char *const *texts,
                     const char *const *names, size_t n, int json);

/* gn_io_merge_shard_text: load the texts (empty ones allowed) and write them back as ONE
 * group: the first header with "ranges" the union of every group's blocks, then the merged
 * rows (a gnlab-mpi rank pre-merges its blocks so that rank 0 merges P groups, not U).
 * Nothing is written when there is no group. Returns 0 or the exit status of a refusal.
 * No equation: shard-file writer for the MPI front end. */
int gn_io_merge_shard_text(FILE *out, const gn_io_merge_kind *k, const char *const *texts,
                           const char *const *names, size_t n);

/* gn_io_merge_free: NULL-safe; leaves *m zeroed.
 * No equation: deallocation. */
void gn_io_merge_free(gn_io_merge *m);

/* gn_io_append_stream: the rest of stream f appended to *buf (length *len, capacity *cap,
 * kept NUL-terminated; *buf may start NULL). Returns 0, or -1 on a read error or no memory
 * (what was read stays in *buf).
 * No equation: stream reader. */
int gn_io_append_stream(char **buf, size_t *len, size_t *cap, FILE *f);

#endif
