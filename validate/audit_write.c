/* audit_write.c: a trace record written back as CSV or JSON Lines (the format
 * core/io/gn_io_trace.h reads), for the tests' and the benchmark's generated traces. */
#include "val_audit.h"

#include <math.h>
#include <stdio.h>

#define HAS(r, f) ((r)->has_s >> (f) & 1u)
#define HASV(r, v) ((r)->has_v >> (v) & 1u)

static void put_num(FILE *f, double x, int json)
{
    if (x != x)
        fputs(json ? "NaN" : "nan", f);
    else if (x == INFINITY)
        fputs(json ? "Infinity" : "inf", f);
    else if (x == -INFINITY)
        fputs(json ? "-Infinity" : "-inf", f);
    else
        fprintf(f, "%.17g", x);
}

void val_audit_write_header(FILE *f, const gn_io_trace_rec *r)
{
    fputs("method,dtype", f);
    if (r->has_loss)
        fputs(",loss", f);
    for (int k = 0; k < GN_IO_TRACE_NS; k++)
        if (HAS(r, k))
            fprintf(f, ",%s", gn_io_trace_field_name((gn_io_trace_field)k));
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if (HASV(r, v))
            for (size_t i = 0; i < r->n; i++)
                fprintf(f, ",%s_%zu", gn_io_trace_vec_name((gn_io_trace_vec)v), i);
    fputc('\n', f);
}

void val_audit_write(FILE *f, const gn_io_trace_rec *r, int json)
{
    const char *dt = r->dtype == GN_IO_TRACE_F32 ? "float32" : "float64";
    if (json)
        fprintf(f, "{\"method\":\"%s\",\"dtype\":\"%s\"", gn_io_trace_method_name(r->method), dt);
    else
        fprintf(f, "%s,%s", gn_io_trace_method_name(r->method), dt);
    if (r->has_loss)
        fprintf(f, json ? ",\"loss\":\"%s\"" : ",%s", gn_loss_name(r->loss));
    for (int k = 0; k < GN_IO_TRACE_NS; k++)
        if (HAS(r, k)) {
            if (json)
                fprintf(f, ",\"%s\":", gn_io_trace_field_name((gn_io_trace_field)k));
            else
                fputc(',', f);
            put_num(f, r->s[k], json);
        }
    for (int v = 0; v < GN_IO_TRACE_NV; v++)
        if (HASV(r, v)) {
            if (json)
                fprintf(f, ",\"%s\":[", gn_io_trace_vec_name((gn_io_trace_vec)v));
            for (size_t i = 0; i < r->n; i++) {
                if (!json || i)
                    fputc(',', f);
                put_num(f, r->v[v][i], json);
            }
            if (json)
                fputc(']', f);
        }
    fputs(json ? "}\n" : "\n", f);
}
