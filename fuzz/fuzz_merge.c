/* fuzz_merge.c: libFuzzer harness for `gnlab merge`'s reader: the shard texts through
 * val_merge_any (kind, headers, rows, block ranges, report; core/io/shard_merge.c,
 * proofs/prove_merge.c, validate/merge.c), and the same texts through the gnlab-mpi rank's
 * pre-merge (gn_io_merge_shard_text) and back through val_merge_any.
 * The input is up to 4 texts (files) cut at NUL bytes. Oracles: no crash, leak or undefined
 * behaviour; exit status 0, 1 or 2; the same status and the same report bytes (table and
 * --json) when the texts are given in reverse order.
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined; FUZZ_SECONDS each
 * harness). Seeds: fuzz/corpus/merge (made by fuzz/merge_seeds.sh, replayed by
 * tests/test_fuzz_corpus.c under the same oracles, so `make sanitize` runs them too).
 * fuzz_merge_one returns the merge's exit status (the replay checks it against the seed's
 * name: ok_ 0, fail_ 1, bad_ 2). */
#include "gn_io_merge.h"
#include "pf_claims.h"
#include "val_merge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTEXT 4
static const char *const nm[NTEXT] = {"t0", "t1", "t2", "t3"};

/* val_merge_any of texts (reversed when rev) into a malloc'd *out; the exit status */
static int merge(char **out, const char *const *texts, size_t n, int rev, int json)
{
    const char *tx[NTEXT], *names[NTEXT];
    for (size_t i = 0; i < n; i++) {
        tx[i] = texts[rev ? n - 1 - i : i];
        names[i] = nm[rev ? n - 1 - i : i];
    }
    size_t len = 0;
    *out = NULL;
    FILE *f = open_memstream(out, &len);
    if (!f)
        abort();
    int rc = val_merge_any(f, tx, names, n, json);
    fclose(f);
    if (rc < 0 || rc > 2)
        abort();
    return rc;
}

static int fuzz_merge_one(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    int status = -1;
    memcpy(buf, data, size);
    buf[size] = 0;
    const char *texts[NTEXT];
    size_t n = 0;
    for (char *p = buf; n < NTEXT;) {
        texts[n++] = p;
        size_t l = strlen(p);
        if (p + l >= buf + size)
            break;
        p += l + 1;
    }
    for (int json = 0; json < 2; json++) {
        char *a, *b;
        int ra = merge(&a, texts, n, 0, json), rb = merge(&b, texts, n, 1, json);
        if (ra != rb || strcmp(a, b) != 0)
            abort(); /* the report depends on the order of the files */
        if (status >= 0 && ra != status)
            abort(); /* --json changed the verdict */
        status = ra;
        free(a);
        free(b);
    }
    /* a gnlab-mpi rank's pre-merge of the same texts, and its output merged again */
    static const gn_io_merge_kind *const kinds[2] = {&val_merge_kind, &pf_prove_merge_kind};
    for (int k = 0; k < 2; k++) {
        char *pre = NULL, *rep;
        size_t len = 0;
        FILE *f = open_memstream(&pre, &len);
        if (!f)
            abort();
        int rc = gn_io_merge_shard_text(f, kinds[k], texts, nm, n);
        fclose(f);
        if (rc == 0 && len > 0) {
            const char *one[1] = {pre};
            merge(&rep, one, 1, 0, 0);
            free(rep);
        }
        free(pre);
    }
    free(buf);
    return status;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_merge_one(data, size);
    return 0;
}
#endif
