/* prove_report.c: the report of `gnlab prove` (table, JSON Lines or TAP), shared by a single
 * run (cmd_prove.c) and `gnlab merge` of its shard files, so both print the same bytes. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "pf_claims.h"
#include "gn_io_shard.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ output */

const char *pf_prove_verdict(const pf_claim *c, const pf_claim_result *r)
{
    if (r->instances == 0)
        return "no instances";
    if (c->illustration)
        return r->pass ? "illustrated" : "NOT illustrated";
    return r->pass ? "pass" : "FAIL";
}

/* the worst instance; pre is "    " for the table, "#   " for TAP diagnostics */
static void print_worst(FILE *f, const char *pre, const pf_claim_result *r,
                        const pf_claim_opts *o)
{
    fprintf(f, "%sworst: instance %zu (%s, seed %llu), check '%s': resid %.17g, tol %.17g\n", pre,
            r->worst, r->worst_adv ? "adversarial" : "random", (unsigned long long)o->seed,
            r->what, r->resid, r->tol);
    fprintf(f, "%sinputs: %s\n", pre, r->desc);
}

static void json_claim(FILE *f, const pf_claim *c, const pf_claim_result *r, const pf_claim_opts *o,
                       int mutant)
{
    gn_io_jl j;
    gn_io_jl_begin(&j, f);
    gn_io_jl_str(&j, "id", c->id);
    if (mutant) {
        gn_io_jl_int(&j, "mutant", mutant);
        gn_io_jl_str(&j, "mutation", c->mutants[mutant - 1]);
        gn_io_jl_str(&j, "verdict", r->failed ? "rejected" : "weak");
    } else {
        gn_io_jl_str(&j, "statement", c->statement);
        gn_io_jl_str(&j, "lhs", c->lhs);
        gn_io_jl_str(&j, "rhs", c->rhs);
        gn_io_jl_str(&j, "verdict", pf_prove_verdict(c, r));
        gn_io_jl_bool(&j, "illustration", c->illustration);
        if (c->illustration)
            gn_io_jl_num(&j, "fraction_left", r->extra);
    }
    gn_io_jl_int(&j, "instances", (long long)r->instances);
    gn_io_jl_int(&j, "skipped", (long long)r->skipped);
    gn_io_jl_int(&j, "failed", (long long)r->failed);
    gn_io_jl_num(&j, "max_resid", r->resid);
    gn_io_jl_num(&j, "tol", r->tol);
    gn_io_jl_num(&j, "ratio", r->ratio);
    gn_io_jl_str(&j, "worst_check", r->what);
    gn_io_jl_int(&j, "worst_instance", (long long)r->worst);
    gn_io_jl_bool(&j, "worst_adversarial", r->worst_adv);
    gn_io_jl_str(&j, "worst_inputs", r->desc);
    gn_io_jl_int(&j, "prec", (long long)o->prec);
    gn_io_jl_int(&j, "seed", (long long)o->seed);
    gn_io_jl_num(&j, "seconds", r->seconds);
    gn_io_jl_end(&j);
}

int pf_prove_report(FILE *f, const pf_claim *const *sel, size_t nsel, const pf_claim_result *res,
                    int stride, const pf_claim_opts *o, int mutants, int json, int tap,
                    double wall, const char *tail)
{
    int bad = 0;
    size_t ntap = 0, total = 0;
    if (tap) {
        size_t nt = 0;
        for (size_t c = 0; c < nsel; c++)
            nt += mutants ? pf_claim_nmutants(sel[c]) : 1;
        fprintf(f, "1..%zu\n", nt);
    } else if (!json) {
        if (mutants)
            fprintf(f, "%-18s %-3s %-52s %9s %10s  %s\n", "id", "#", "mutant", "rejected",
                   "resid/tol", "verdict");
        else
            fprintf(f, "%-18s %6s %11s %11s %10s  %-15s %s\n", "id", "inst", "max resid",
                   "tolerance", "resid/tol", "verdict", "statement");
    }
    for (size_t c = 0; c < nsel; c++) {
        const pf_claim *cl = sel[c];
        if (mutants) {
            for (int m = 1; m <= (int)pf_claim_nmutants(cl); m++) {
                const pf_claim_result *r = &res[c * (size_t)stride + (size_t)m];
                int rejected = r->failed > 0;
                bad |= !rejected;
                total += r->instances;
                if (json)
                    json_claim(f, cl, r, o, m);
                else if (tap)
                    fprintf(f, "%s %zu - %s mutant %d rejected (%zu/%zu instances): %s\n",
                           rejected ? "ok" : "not ok", ++ntap, cl->id, m, r->failed,
                           r->instances, cl->mutants[m - 1]);
                else {
                    char fr[32];
                    snprintf(fr, sizeof fr, "%zu/%zu", r->failed, r->instances);
                    fprintf(f, "%-18s %-3d %-52.52s %9s %10.3g  %s\n", cl->id, m, cl->mutants[m - 1],
                           fr, r->ratio, rejected ? "rejected" : "WEAK (mutant passes)");
                }
            }
            continue;
        }
        const pf_claim_result *r = &res[c * (size_t)stride];
        bad |= !r->pass;
        total += r->instances;
        if (json)
            json_claim(f, cl, r, o, 0);
        else if (tap) {
            fprintf(f, "%s %zu - %s: %s # %zu instances, max resid %.3g, tol %.3g%s\n",
                   r->pass ? "ok" : "not ok", ++ntap, cl->id, cl->statement, r->instances,
                   r->resid, r->tol, cl->illustration ? " (illustration, not a proof)" : "");
            if (!r->pass)
                print_worst(f, "#   ", r, o);
        } else {
            fprintf(f, "%-18s %6zu %11.3g %11.3g %10.3g  %-15s %s\n", cl->id, r->instances, r->resid,
                   r->tol, r->ratio, pf_prove_verdict(cl, r), cl->statement);
            if (!r->pass)
                print_worst(f, "    ", r, o);
            if (cl->illustration)
                fprintf(f, "%-18s %6s (illustration, not a proof: the alpha-weighted mean of |grad F|^2 "
                       "fell to <= %.3g of its start in every instance)\n",
                       "", "", r->extra);
        }
    }
    if (json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, f);
        gn_io_jl_str(&j, "summary", mutants ? "mutants" : "claims");
        gn_io_jl_int(&j, "claims", (long long)nsel);
        gn_io_jl_int(&j, "instances", (long long)total);
        gn_io_jl_int(&j, "prec", (long long)o->prec);
        gn_io_jl_int(&j, "seed", (long long)o->seed);
        gn_io_jl_num(&j, "seconds", wall);
        gn_io_jl_bool(&j, "pass", !bad && !o->partial);
        gn_io_jl_end(&j);
    } else if (!tap)
        fprintf(f, "\n%zu claims, %zu instances at %ld bits, seed %llu, %s: %s\n",
               nsel, total, (long)o->prec, (unsigned long long)o->seed, tail,
               bad ? (mutants ? "SOME MUTANT PASSES (weak check)" : "SOME CLAIM FAILS")
               : o->partial ? "INCOMPLETE (no verdict on the campaign)"
                            : (mutants ? "every mutant rejected" : "every claim holds"));
    return bad || o->partial;
}

void pf_prove_row_write(FILE *f, size_t row, const pf_claim *c, int m, const pf_claim_result *r)
{
    char hx[64];
    gn_io_jl j;
    gn_io_jl_begin(&j, f);
    gn_io_jl_int(&j, "row", (long long)row);
    gn_io_jl_str(&j, "id", c->id);
    gn_io_jl_int(&j, "mutant", m);
    gn_io_jl_int(&j, "instances", (long long)r->instances);
    gn_io_jl_int(&j, "skipped", (long long)r->skipped);
    gn_io_jl_int(&j, "failed", (long long)r->failed);
    gn_io_hexstr(hx, sizeof hx, r->ratio);
    gn_io_jl_str(&j, "ratio", hx);
    gn_io_hexstr(hx, sizeof hx, r->resid);
    gn_io_jl_str(&j, "resid", hx);
    gn_io_hexstr(hx, sizeof hx, r->tol);
    gn_io_jl_str(&j, "tol", hx);
    gn_io_hexstr(hx, sizeof hx, r->extra);
    gn_io_jl_str(&j, "extra", hx);
    gn_io_hexstr(hx, sizeof hx, r->seconds);
    gn_io_jl_str(&j, "seconds", hx);
    gn_io_jl_str(&j, "what", r->what);
    gn_io_jl_int(&j, "worst", (long long)r->worst);
    gn_io_jl_int(&j, "worst_adv", r->worst_adv);
    gn_io_jl_str(&j, "desc", r->desc);
    gn_io_jl_end(&j);
}
