/* fuzz_audit.c: libFuzzer harness for the trace reader (core/io/trace.c, gn_io_trace_next)
 * and then, on the same bytes, the per-step recomputation (val_audit_stream).
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined; FUZZ_SECONDS,
 * default 600). Seeds: fuzz/corpus/audit (replayed by tests/test_fuzz_corpus.c, so the
 * sanitizer build runs them in `make sanitize`). Any input must end in GN_OK or GN_EINPUT
 * naming the input, and a reader stopped at an error stays there: never a crash, a leak or
 * undefined behaviour. Returns the number of records read (for the replay's counts). */
#include "gn_io_trace.h"
#include "val_audit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_audit_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* a private copy: fmemopen takes a non-const buffer */
    char *buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    FILE *f = fmemopen(buf, size, "r");
    if (!f) {
        free(buf);
        return 0;
    }
    /* the reader alone: every record until the end or the first error */
    gn_io_trace_reader *rd = gn_io_trace_reader_open(f, "fuzz");
    if (!rd) {
        fclose(f);
        free(buf);
        return 0;
    }
    char err[512];
    const gn_io_trace_rec *rec;
    gn_status st;
    int nrec = 0;
    while ((st = gn_io_trace_next(rd, &rec, err, sizeof err)) == GN_OK && rec)
        nrec++;
    if (st == GN_EINPUT && gn_io_trace_next(rd, &rec, err, sizeof err) != GN_EINPUT)
        abort(); /* the reader stays at its error */
    gn_io_trace_reader_free(rd);
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st == GN_EINPUT && strncmp(err, "fuzz", 4) != 0)
        abort();
    int read_ok = st == GN_OK;
    rewind(f);
    /* the whole audit on the same bytes */
    val_audit_opts o = val_audit_opts_default();
    o.prec = 64;
    val_audit_summary s;
    st = val_audit_stream(&s, f, "fuzz", &o, NULL, NULL, err, sizeof err);
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st == GN_EINPUT && strncmp(err, "fuzz", 4) != 0)
        abort(); /* every input error names the trace (and its line) */
    fclose(f);
    free(buf);
    return read_ok ? nrec : 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_audit_one(data, size);
    return 0;
}
#endif
