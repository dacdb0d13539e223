/* fuzz_audit.c: libFuzzer harness for the trace reader (core/io/trace.c, gn_io_trace_next)
 * and then, on the same bytes, the per-step recomputation (val_audit_stream).
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined; FUZZ_SECONDS,
 * default 600). Seeds: validate/fuzz/corpus (replayed by tests/test_audit.c, so the
 * sanitizer build runs them in `make sanitize`). Any input must end in GN_OK or GN_EINPUT,
 * never a crash, a leak or undefined behaviour. */
#include "gn_io_trace.h"
#include "val_audit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
    while ((st = gn_io_trace_next(rd, &rec, err, sizeof err)) == GN_OK && rec)
        ;
    gn_io_trace_reader_free(rd);
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st == GN_EINPUT && strncmp(err, "fuzz", 4) != 0)
        abort();
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
    return 0;
}
