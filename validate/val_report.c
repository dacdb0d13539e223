/* val_report.c: the report of `gnlab validate` (table or JSON Lines), its shard files and
 * the exact merge of shard rows (core/io/gn_io_shard.h). One printer serves a single run and
 * `gnlab merge`, so the two reports are the same bytes. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "val_common.h"
#include "gn_io_shard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *val_row_verdict(const val_row *r)
{
    return r->informational ? "info" : r->pass ? "pass" : "FAIL";
}

void val_row_json(FILE *f, const val_row *r)
{
    gn_io_jl j;
    gn_io_jl_begin(&j, f);
    gn_io_jl_str(&j, "section", r->section);
    gn_io_jl_str(&j, "quantity", r->quantity);
    gn_io_jl_str(&j, "measure", r->measure);
    gn_io_jl_int(&j, "instances", (long long)r->instances);
    gn_io_jl_num(&j, "max_err", r->max_err);
    gn_io_jl_num(&j, "bound", r->bound);
    gn_io_jl_str(&j, "verdict", val_row_verdict(r));
    gn_io_jl_str(&j, "worst", r->worst);
    gn_io_jl_end(&j);
}

size_t val_report(FILE *f, const val_row *rows, size_t nrows_all, const val_opts *o, int json)
{
    /* rows with no instance (a sharded run's empty rows) are not part of the report */
    size_t failed = 0, nrows = 0;
    for (size_t i = 0; i < nrows_all; i++) {
        nrows += rows[i].instances > 0;
        failed += rows[i].instances > 0 && !rows[i].pass && !rows[i].informational;
    }
    int ok = failed == 0 && nrows > 0 && !o->partial;
    if (json) {
        for (size_t i = 0; i < nrows_all; i++) {
            if (rows[i].instances > 0)
                val_row_json(f, &rows[i]);
        }
        gn_io_jl j;
        gn_io_jl_begin(&j, f);
        gn_io_jl_str(&j, "summary", "validate");
        gn_io_jl_int(&j, "seed", (long long)o->seed);
        gn_io_jl_num(&j, "scale", o->scale);
        gn_io_jl_int(&j, "prec", (long long)o->prec);
        gn_io_jl_str(&j, "inject", o->inject);
        gn_io_jl_int(&j, "rows", (long long)nrows);
        gn_io_jl_int(&j, "failed", (long long)failed);
        gn_io_jl_bool(&j, "pass", ok);
        gn_io_jl_end(&j);
    } else {
        fprintf(f, "gnlab validate: seed %llu, scale %g, MPFR %u bits%s%s\n\n",
                (unsigned long long)o->seed, o->scale, o->prec, o->inject ? ", INJECTED " : "",
                o->inject ? o->inject : "");
        fprintf(f, "%-7s %-26s %-10s %9s %12s %10s  %s\n", "section", "quantity", "measure",
                "instances", "max_err", "bound", "verdict");
        for (size_t i = 0; i < nrows_all; i++) {
            const val_row *r = &rows[i];
            if (r->instances == 0)
                continue;
            const char *verdict = val_row_verdict(r);
            if (r->informational)
                fprintf(f, "%-7s %-26s %-10s %9zu %12.4g %10s  %s\n", r->section, r->quantity,
                        r->measure, r->instances, r->max_err, "-", verdict);
            else
                fprintf(f, "%-7s %-26s %-10s %9zu %12.4g %10.4g  %s\n", r->section, r->quantity,
                        r->measure, r->instances, r->max_err, r->bound, verdict);
            if (!r->pass && !r->informational)
                fprintf(f, "        worst: %s\n", r->worst);
        }
        fprintf(f, "\n%zu rows, %zu failed: %s\n", nrows, failed,
                ok ? "PASS" : failed || nrows == 0 ? "FAIL" : "INCOMPLETE");
    }
    return ok ? 0 : failed + (nrows == 0) + (size_t)(o->partial != 0);
}

void val_shard_write(FILE *f, const val_row *rows, size_t nrows, const val_opts *o,
                     const char *only)
{
    char hx[64], rg[4096];
    gn_io_jl j;
    gn_io_jl_begin(&j, f);
    gn_io_jl_str(&j, "shard", "validate");
    gn_io_jl_int(&j, "seed", (long long)o->seed);
    gn_io_hexstr(hx, sizeof hx, o->scale);
    gn_io_jl_str(&j, "scale", hx);
    gn_io_jl_int(&j, "prec", (long long)o->prec);
    gn_io_jl_str(&j, "inject", o->inject ? o->inject : "");
    gn_io_jl_str(&j, "only", only ? only : "");
    gn_io_jl_int(&j, "blocks", (long long)o->shard->nblocks);
    gn_io_shard_format(o->shard, rg, sizeof rg);
    gn_io_jl_str(&j, "ranges", rg);
    gn_io_jl_int(&j, "rows", (long long)nrows);
    gn_io_jl_end(&j);
    for (size_t i = 0; i < nrows; i++)
        val_row_write(f, i, &rows[i]);
}

void val_row_write(FILE *f, size_t i, const val_row *r)
{
    char hx[64];
    gn_io_jl j;
    {
        gn_io_jl_begin(&j, f);
        gn_io_jl_int(&j, "row", (long long)i);
        gn_io_jl_str(&j, "section", r->section);
        gn_io_jl_str(&j, "quantity", r->quantity);
        gn_io_jl_str(&j, "measure", r->measure);
        gn_io_jl_int(&j, "informational", r->informational);
        gn_io_jl_int(&j, "instances", (long long)r->instances);
        gn_io_hexstr(hx, sizeof hx, r->max_err);
        gn_io_jl_str(&j, "max_err", hx);
        gn_io_hexstr(hx, sizeof hx, r->bound);
        gn_io_jl_str(&j, "bound", hx);
        gn_io_hexstr(hx, sizeof hx, r->ratio);
        gn_io_jl_str(&j, "ratio", hx);
        gn_io_jl_int(&j, "pass", r->pass);
        gn_io_jl_int(&j, "worst_index", (long long)r->worst_index);
        gn_io_jl_str(&j, "worst", r->worst);
        /* the histogram as "bin:count" pairs, non-zero bins only */
        char h[VAL_HIST * 24];
        size_t len = 0;
        h[0] = 0;
        for (int b = 0; b < VAL_HIST; b++)
            if (r->hist[b])
                len += (size_t)snprintf(h + len, sizeof h - len, "%s%d:%llu", len ? "," : "", b,
                                        (unsigned long long)r->hist[b]);
        gn_io_jl_str(&j, "hist", h);
        gn_io_jl_end(&j);
    }
}


int val_row_read(val_row *r, const char *line)
{
    memset(r, 0, sizeof *r);
    uint64_t u;
    char h[VAL_HIST * 24];
    if (gn_io_jfield(r->section, sizeof r->section, line, "section") < 0 ||
        gn_io_jfield(r->quantity, sizeof r->quantity, line, "quantity") < 0 ||
        gn_io_jfield(r->measure, sizeof r->measure, line, "measure") < 0 ||
        gn_io_jfield(r->worst, sizeof r->worst, line, "worst") < 0 ||
        gn_io_jfield(h, sizeof h, line, "hist") < 0 || gn_io_jfield_hex(&r->max_err, line, "max_err") < 0 ||
        gn_io_jfield_hex(&r->bound, line, "bound") < 0 || gn_io_jfield_hex(&r->ratio, line, "ratio") < 0 ||
        gn_io_jfield_u64(&r->worst_index, line, "worst_index") < 0)
        return -1;
    if (gn_io_jfield_u64(&u, line, "instances") < 0)
        return -1;
    r->instances = (size_t)u;
    if (gn_io_jfield_u64(&u, line, "informational") < 0 || u > 1)
        return -1;
    r->informational = (int)u;
    if (gn_io_jfield_u64(&u, line, "pass") < 0 || u > 1)
        return -1;
    r->pass = (int)u;
    const char *p = h;
    while (*p) {
        int b, n;
        unsigned long long c;
        if (sscanf(p, "%d:%llu%n", &b, &c, &n) != 2 || b < 0 || b >= VAL_HIST)
            return -1;
        r->hist[b] += c;
        p += n;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return 0;
}

int val_row_merge(val_row *acc, const val_row *part)
{
    if (strcmp(acc->section, part->section) || strcmp(acc->quantity, part->quantity) ||
        strcmp(acc->measure, part->measure) || acc->informational != part->informational)
        return -1;
    if (part->instances == 0)
        return 0;
    if (acc->instances == 0) {
        *acc = *part;
        return 0;
    }
    acc->instances += part->instances;
    /* "count" rows hold an integer count in max_err (val_dense.c): a sum, exact below 2^53 */
    if (!strcmp(acc->measure, "count"))
        acc->max_err += part->max_err;
    else if (part->max_err > acc->max_err)
        acc->max_err = part->max_err;
    if (part->bound > acc->bound)
        acc->bound = part->bound;
    acc->pass = acc->pass && part->pass;
    for (int b = 0; b < VAL_HIST; b++)
        acc->hist[b] += part->hist[b];
    if (part->ratio > acc->ratio ||
        (part->ratio == acc->ratio && part->worst_index < acc->worst_index)) {
        acc->ratio = part->ratio;
        acc->worst_index = part->worst_index;
        memcpy(acc->worst, part->worst, sizeof acc->worst);
    }
    return 0;
}
