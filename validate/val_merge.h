/* val_merge.h: merging the shard files of a campaign into its report (issue 9; the file
 * format is in gn_io_shard.h). Used by `gnlab merge` and by the MPI front end's rank 0. */
#ifndef VAL_MERGE_H
#define VAL_MERGE_H

#include <stddef.h>
#include <stdio.h>

/* val_merge_text: merge the shard groups (header line, then its row lines) found in the
 * NUL-terminated texts (each text may hold several groups), name[i] naming text i in
 * messages, and print the report to out (table, or JSON Lines when json). Returns the exit
 * status: 0 complete and passing, 1 a check fails or blocks are missing (listed, with the
 * --ranges to rerun), 2 shards that do not belong together (different campaign parameters
 * or rows, overlapping blocks) or malformed text, with the reason on stderr. */
int val_merge_text(FILE *out, const char *const *texts, const char *const *names, size_t n,
                  int json);
/* val_merge_shard_text: the same checks and merge, written as ONE shard group (header with
 * the union of the blocks, then the merged rows) instead of a report: a gnlab-mpi rank
 * pre-merges its blocks so that rank 0 merges P groups, not U. Empty texts are allowed and
 * nothing is written when there is no group. Returns 0 or the exit status of a refusal. */
int val_merge_shard_text(FILE *out, const char *const *texts, const char *const *names, size_t n);
/* val_merge_files: val_merge_text on the contents of files; 2 if one cannot be read. */
int val_merge_files(FILE *out, const char *const *files, size_t n, int json);

#endif
