/* fuzz_audit.c: libFuzzer harness for the trace reader and the per-step recomputation.
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined; FUZZ_SECONDS,
 * default 600). Seeds: validate/fuzz/corpus (replayed by tests/test_audit.c, so the
 * sanitizer build runs them in `make sanitize`). Any input must end in GN_OK or GN_EINPUT,
 * never a crash, a leak or undefined behaviour. */
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
    val_audit_opts o = val_audit_opts_default();
    o.prec = 64;
    val_audit_summary s;
    char err[512];
    gn_status st = val_audit_stream(&s, f, "fuzz", &o, NULL, NULL, err, sizeof err);
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st == GN_EINPUT && strncmp(err, "fuzz", 4) != 0)
        abort(); /* every input error names the trace (and its line) */
    fclose(f);
    free(buf);
    return 0;
}
