/* fuzz_nist.c: libFuzzer harness for the NIST StRD reader (core/io/nist.c) from a memory
 * buffer (gn_io_nist_read_buf), then, on what reads, the problem setup
 * (gn_io_nist_problem: the model and response compiled) and the model evaluated at each
 * start on every row. Build and run: `make fuzz`. Seeds: fuzz/corpus/nist
 * (replayed by tests/test_fuzz_corpus.c). Any input must end in GN_OK or GN_EINPUT with a
 * message that names the input: never a crash, a leak or undefined behaviour. */
#include "gn_io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_nist_one(const uint8_t *data, size_t size)
{
    gn_io_nist p;
    char err[512] = "";
    gn_status st = gn_io_nist_read_buf(&p, (const char *)data, size, "fuzz.dat", err, sizeof err);
    if (st == GN_EINPUT && strncmp(err, "fuzz.dat", 8))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st != GN_OK)
        return 0;
    gn_io_nist_setup s;
    gn_expr_error ee;
    int inresp;
    if (gn_io_nist_problem(&s, &p, &ee, &inresp) == GN_OK) {
        const size_t n = p.n, nx = s.fp.nx, k = p.k;
        double *xv = malloc((nx + 1) * sizeof(double)), *g = malloc(k * sizeof(double)), f;
        for (size_t t = 0; xv && g && t < p.nstart; t++)
            for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < nx; c++)
                    xv[c] = s.x[c * n + i];
                gn_expr_eval(s.model, &f, g, p.start + t * k, xv);
            }
        free(xv);
        free(g);
        gn_io_nist_problem_free(&s);
    }
    gn_io_nist_free(&p);
    return 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_nist_one(data, size); }
#endif
