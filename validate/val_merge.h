/* val_merge.h: merging the shard files of a validate campaign into its report (issue 9; the
 * file format is in gn_io_shard.h, the file checks in gn_io_merge.h). Used by `gnlab merge`
 * and by the MPI front end's rank 0 through val_merge_any, which picks it by the shard
 * header's "shard" value; prove shards merge in proofs (pf_prove_merge_text). */
#ifndef VAL_MERGE_H
#define VAL_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "gn_io_merge.h"

/* val_merge_kind: how a validate shard row is read (val_row_read), merged (val_row_merge:
 * counts and histograms summed, maxima kept, worst by largest ratio then lowest index) and
 * written (val_row_write), for gn_io_merge_load and gn_io_merge_shard_text. */
extern const gn_io_merge_kind val_merge_kind;

/* val_merge_text: merge the validate shard groups (header line, then its row lines) found
 * in the NUL-terminated texts (each text may hold several groups), names[i] naming text i
 * in messages, and print the report to out with val_report (table, or JSON Lines when
 * json), so a merged campaign prints what one run prints. Returns the exit status: 0
 * complete and passing, 1 a check fails or blocks are missing (listed, with the --ranges to
 * rerun), 2 shards that do not belong together (different campaign parameters or rows,
 * overlapping blocks) or malformed text, with the reason on stderr.
 * No equation: `gnlab merge` for validate shards (tests/test_shard). */
int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                   int json);

/* val_merge_any: `gnlab merge` of shard texts of either kind: the kind is the "shard" value
 * of the first header (gn_io_merge_kind_of), then val_merge_text or pf_prove_merge_text.
 * The one entry point of cli_merge_texts (gnlab merge, gnlab-mpi's rank 0), the fuzz
 * harness fuzz/fuzz_merge.c and its corpus replay (tests/test_fuzz_corpus). Returns the
 * exit status as val_merge_text; 2 for a text that is no shard file or an unknown kind.
 * No equation: `gnlab merge`. */
int val_merge_any(FILE *out, const char *const *texts, const char *const *names, size_t n,
                  int json);

#endif
