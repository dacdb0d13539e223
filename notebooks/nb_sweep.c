/* nb_sweep.c: the sharded sweep engine of nb.h (nb_sweep_*), used by notebook 3's
 * learning-rate and seed sweeps. Record format: one JSON line per run,
 *   {"sweep":"supervised","sig":S,"task":T,"phase":P,"opt":O,"run":I,"val":HEX,"curve":"HEX ..."}
 * with every double as a C99 hex float, so a merged page equals the single process's. */
#include "nb.h"

#include "gn_io.h"
#include "gn_jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nb_sweep_key k;
    double val;
    double curve[NB_SWEEP_NCURVE];
} rec;

struct nb_sweep {
    int on;
    gn_io_shard own;
    int have_own;
    FILE *out;
    char out_path[1024];
    rec *rec;
    size_t n, cap;
    char sig[512];
    int missing;
    gn_io_shard miss[NB_SWEEP_NTASK][2];
};

nb_sweep_opts nb_sweep_opts_default(void)
{
    nb_sweep_opts o;
    memset(&o, 0, sizeof o);
    o.blocks = GN_IO_SHARD_BLOCKS;
    return o;
}

static const rec *find(const nb_sweep *s, const nb_sweep_key *k)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rec[i].k.task == k->task && s->rec[i].k.phase == k->phase &&
            s->rec[i].k.opt == k->opt && s->rec[i].k.idx == k->idx)
            return &s->rec[i];
    return NULL;
}

/* one record line into r; 0, or -1 when a field is missing or out of range */
static int parse_record(rec *r, char *sig, size_t sigcap, const char *line)
{
    char cv[4096], hx[64];
    uint64_t u[4];
    memset(r, 0, sizeof *r);
    if (gn_io_jfield(sig, sigcap, line, "sig") < 0 || gn_io_jfield_u64(&u[0], line, "task") < 0 ||
        gn_io_jfield_u64(&u[1], line, "phase") < 0 || gn_io_jfield_u64(&u[2], line, "opt") < 0 ||
        gn_io_jfield_u64(&u[3], line, "run") < 0 || gn_io_jfield_hex(&r->val, line, "val") < 0 ||
        gn_io_jfield(cv, sizeof cv, line, "curve") < 0 || u[0] >= NB_SWEEP_NTASK || u[1] > 1 ||
        u[2] >= NB_SWEEP_NOPT)
        return -1;
    r->k = (nb_sweep_key){(int)u[0], (int)u[1], (int)u[2], (size_t)u[3]};
    const char *c = cv;
    for (size_t k = 0; k < NB_SWEEP_NCURVE; k++) {
        r->curve[k] = NAN;
        size_t m = strcspn(c, " ");
        if (m > 0 && m < sizeof hx) {
            memcpy(hx, c, m);
            hx[m] = 0;
            r->curve[k] = strtod(hx, NULL);
        }
        c += m + (c[m] == ' ');
    }
    return 0;
}

static int push(nb_sweep *s, const rec *r)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        rec *nr = realloc(s->rec, nc * sizeof *nr);
        if (!nr)
            return -1;
        s->rec = nr;
        s->cap = nc;
    }
    s->rec[s->n++] = *r;
    return 0;
}

/* the records of one file; -1 with a message on a foreign, malformed or duplicated one */
static int load_file(nb_sweep *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gnlab notebook supervised: --sweep-in: cannot open %s\n", path);
        return -1;
    }
    char line[8192], sig[512];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        rec r;
        if (parse_record(&r, sig, sizeof sig, line) < 0) {
            fprintf(stderr, "gnlab notebook supervised: %s: malformed record: %s", path, line);
            rc = -1;
        } else if (strcmp(sig, s->sig)) {
            fprintf(stderr,
                    "gnlab notebook supervised: %s: a record of another sweep (%s; this "
                    "one is %s)\n",
                    path, sig, s->sig);
            rc = -1;
        } else if (find(s, &r.k)) {
            fprintf(stderr,
                    "gnlab notebook supervised: %s: run %zu of task %d phase %d optimizer %d "
                    "given twice (overlapping shards)\n",
                    path, r.k.idx, r.k.task, r.k.phase, r.k.opt);
            rc = -1;
        } else if (push(s, &r) != 0) {
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

nb_sweep *nb_sweep_open(const nb_sweep_opts *o, const char *sig)
{
    nb_sweep *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->on = o->on;
    if (!s->on)
        return s;
    s->own = o->own;
    s->have_own = o->have_own;
    snprintf(s->sig, sizeof s->sig, "%s", sig);
    for (int a = 0; a < NB_SWEEP_NTASK; a++)
        for (int b = 0; b < 2; b++)
            s->miss[a][b].nblocks = o->blocks;
    char path[1024];
    for (const char *list = o->in; list && *list;) {
        size_t l = strcspn(list, ",");
        snprintf(path, sizeof path, "%.*s", (int)l, list);
        list += l + (list[l] == ',');
        if (load_file(s, path) < 0) {
            nb_sweep_close(s);
            return NULL;
        }
    }
    if (o->out && !(s->out = fopen(o->out, "w"))) {
        fprintf(stderr, "gnlab notebook supervised: --sweep-out: cannot write %s: %s\n", o->out,
                strerror(errno));
        nb_sweep_close(s);
        return NULL;
    }
    if (o->out)
        snprintf(s->out_path, sizeof s->out_path, "%s", o->out);
    return s;
}

int nb_sweep_close(nb_sweep *s)
{
    if (!s)
        return 0;
    int bad = 0;
    if (s->out) {
        bad = ferror(s->out) != 0;
        errno = 0;
        int e = fclose(s->out) != 0 ? errno : 0;
        if (bad || e) {
            bad = 1;
            fprintf(stderr, "gnlab notebook supervised: --sweep-out: cannot write %s: %s\n",
                    s->out_path, e ? strerror(e) : "write error");
        }
    }
    free(s->rec);
    free(s);
    return bad ? -1 : 0;
}

int nb_sweep_on(const nb_sweep *s) { return s->on; }
int nb_sweep_writing(const nb_sweep *s) { return s->out != NULL; }
int nb_sweep_missing(const nb_sweep *s) { return s->missing; }

static void write_record(nb_sweep *s, const nb_sweep_key *k, double v, const double *curve)
{
    char hx[64];
    fprintf(s->out, "{\"sweep\":\"supervised\",\"sig\":");
    gn_io_json_string(s->out, s->sig);
    gn_io_hexstr(hx, sizeof hx, v);
    fprintf(s->out,
            ",\"task\":%d,\"phase\":%d,\"opt\":%d,\"run\":%zu,\"val\":\"%s\","
            "\"curve\":\"",
            k->task, k->phase, k->opt, k->idx, hx);
    for (size_t i = 0; curve && i < NB_SWEEP_NCURVE; i++) {
        gn_io_hexstr(hx, sizeof hx, curve[i]);
        fprintf(s->out, "%s%s", i ? " " : "", hx);
    }
    fprintf(s->out, "\"}\n");
}

double nb_sweep_run(nb_sweep *s, const nb_sweep_key *k, size_t run, size_t total, int may_train,
                    nb_sweep_train_fn *train, void *arg, double *curve)
{
    if (!s->on)
        return train(arg, curve);
    const rec *r = find(s, k);
    if (r) {
        if (curve)
            memcpy(curve, r->curve, sizeof r->curve);
        return r->val;
    }
    if (may_train && s->have_own && gn_io_shard_mine(&s->own, run, total)) {
        double cv[NB_SWEEP_NCURVE];
        for (size_t i = 0; i < NB_SWEEP_NCURVE; i++)
            cv[i] = NAN;
        double v = train(arg, curve ? cv : NULL);
        if (curve)
            memcpy(curve, cv, sizeof cv);
        if (s->out)
            write_record(s, k, v, curve ? cv : NULL);
        return v;
    }
    s->missing++;
    gn_io_shard *m = &s->miss[k->task][k->phase], one;
    one.nblocks = m->nblocks;
    one.n = 1;
    one.r[0].lo = gn_io_shard_block(run, total, one.nblocks);
    one.r[0].hi = one.r[0].lo + 1;
    if (!gn_io_shard_has(m, one.r[0].lo))
        gn_io_shard_add(m, &one);
    if (curve)
        for (size_t i = 0; i < NB_SWEEP_NCURVE; i++)
            curve[i] = NAN;
    return NAN;
}

void nb_sweep_print_missing(const nb_sweep *s, FILE *f, int ntask)
{
    char rg[2048];
    fprintf(f, "INCOMPLETE sweep: %d runs missing, no page. Rerun these blocks "
               "(--sweep-blocks %llu) and merge again:\n",
            s->missing, (unsigned long long)s->miss[0][0].nblocks);
    for (int a = 0; a < ntask && a < NB_SWEEP_NTASK; a++)
        for (int b = 0; b < 2; b++)
            if (s->miss[a][b].n) {
                gn_io_shard_format(&s->miss[a][b], rg, sizeof rg);
                fprintf(f, "  task %d %s runs: --sweep-ranges %s\n", a + 1, b ? "final" : "grid",
                        rg);
            }
}
