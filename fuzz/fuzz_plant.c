/* fuzz_plant.c: libFuzzer harness for the plant-matrix reader (core/io/matrix.c,
 * gn_io_matrix_read_buf), the reader of `gnlab notebook lqr --plant A B`. Build and run:
 * `make fuzz`. Seeds: fuzz/corpus/plant (replayed by tests/test_fuzz_corpus.c). Any
 * input must end in GN_OK (a rows x cols matrix of finite numbers, both within
 * GN_IO_MATRIX_MAXDIM) or GN_EINPUT with a message naming the input: never a crash, a leak
 * or undefined behaviour. */
#include "gn_io_matrix.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_plant_one(const uint8_t *data, size_t size)
{
    gn_io_matrix m;
    char err[512] = "";
    gn_status st = gn_io_matrix_read_buf(&m, (const char *)data, size, "fuzz.csv", err,
                                         sizeof err);
    if (st == GN_EINPUT && strncmp(err, "fuzz.csv", 8))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st != GN_OK)
        return 0;
    if (!m.rows || !m.cols || m.rows > GN_IO_MATRIX_MAXDIM || m.cols > GN_IO_MATRIX_MAXDIM ||
        (m.sep != ',' && m.sep != ' '))
        abort();
    for (size_t i = 0; i < m.rows * m.cols; i++)
        if (!isfinite(m.a[i]))
            abort();
    gn_io_matrix_free(&m);
    return 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_plant_one(data, size); }
#endif
