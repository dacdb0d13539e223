/* val_mgh.h: the More-Garbow-Hillstrom test problems (validate/data/mgh), written in the
 * residual mode of gnlab fit (a residual list, gn_expr_opts.list) and run from their
 * standard starts by the double solver (gn_fit_run) and the MPFR reference
 * (gn_mp_fit_run): is the published minimum value f* = sum f_i^2 reached?
 * Source of the facts (residuals, starts, minima): J. J. More, B. S. Garbow and
 * K. E. Hillstrom, "Testing unconstrained optimization software", ACM TOMS 7(1), 1981.
 *
 * File format (one problem per file, '#' starts a comment):
 *   name      Rosenbrock
 *   start     x1 = -1.2, x2 = 1          (the --start syntax of gn_expr_start)
 *   minimum   0                          (f* as published: its digits set the tolerance)
 *   residuals                            (then one residual per non-empty line)
 *   10*(x2 - x1^2)
 *   1 - x1
 * Parameters are named by the rule of gn_expr_opts.named (x1..xn: positional). */
#ifndef VAL_MGH_H
#define VAL_MGH_H

#include <stdio.h>

#include <mpfr.h>

#include "gn.h"

typedef struct {
    char *path, *name, *start, *fmin_str;
    double fmin;      /* f* as published                                         */
    int fmin_digits;  /* its significant digits (0 for f* = 0)                   */
    char *res;        /* the residuals as one list 'e1; e2; ...'                */
    gn_expr *e;       /* compiled (named, list)                                  */
    double *b0;       /* the standard start, e->nparams values                   */
    size_t m, k;      /* residuals, parameters                                   */
} val_mgh;

/* val_mgh_load: read and compile one problem file. No equation: a reader.
 * Special: GN_EINPUT with err = "FILE:LINE[:COLUMN]: why" (a missing or repeated key, no
 *          residuals, a residual that does not compile, a bad start line or minimum, fewer
 *          residuals than parameters); GN_ENOMEM. *p is zeroed on error. */
gn_status val_mgh_load(val_mgh *p, const char *path, char *err, size_t errlen);

/* val_mgh_free: release p (NULL-safe members); p zeroed. No equation: deallocation. */
void val_mgh_free(val_mgh *p);

/* The result of one problem from its standard start. */
typedef struct {
    gn_status st;          /* gn_fit_run's status (GN_OK, GN_EZERO unidentifiable, ...) */
    gn_fit_report rep;
    double *b;             /* k estimates                                              */
    double S, tol;         /* S = sum r_i^2 reached; the tolerance on |S - f*|          */
    double lre;            /* digits of S against f* (capped at fmin_digits); NAN at f* = 0 */
    int reached;           /* |S - f*| <= tol                                           */
    double secs;
    int mp;                /* the MPFR reference ran                                   */
    gn_status mst;
    gn_fit_report mrep;
    double mS;             /* its S rounded to double                                  */
    double agree;          /* digits the double S shares with the MPFR S (up to 17; NAN
                              without MPFR or when f* = 0, where S is rounding noise)     */
    double agree_b;        /* the fewest digits a parameter shares with MPFR's (up to 17;
                              NAN without MPFR): S is flat at a minimum, so S agreeing
                              to 15 digits says little about the parameters             */
    int mreached;          /* the MPFR S within tol of f*                               */
    gn_fit_stats stats;    /* gn_fit_covar at the double estimate (rank, cond(J))       */
    gn_fit_end end;        /* the double end point's class (gn_fit_classify)            */
} val_mgh_result;

/* val_mgh_run: fit p from its start in double (and in MPFR at prec bits when mp != 0).
 * Tolerance (from the problem): f* > 0 is published with d significant digits, truncated
 * ("8.21487...E-3"): the true value lies within one unit of the last digit, tol =
 * 10^(floor(log10 f*) - d + 1). f* = 0: the residual norm must fall to 2^-26 (half of
 * double's digits) of its value at the start, tol = 2^-52 S(b0).
 * Method: gn_fit_run (QR solver, defaults otherwise) and gn_mp_fit_run (defaults).
 * No equation: a measurement (the LM fit of MATH.md §9 scored against the published value).
 * Accuracy: what it measures. Special: GN_ENOMEM (r zeroed); a failed or unidentifiable fit
 * is reported in r->st with GN_OK returned. */
gn_status val_mgh_run(val_mgh_result *r, const val_mgh *p, int mp, mpfr_prec_t prec);

/* val_mgh_result_free: No equation: deallocation. */
void val_mgh_result_free(val_mgh_result *r);

/* val_mgh_files: the *.mgh files of dir, sorted (free with val_mgh_files_free).
 * No equation: a directory listing. Special: GN_EINPUT with err on an unreadable dir or
 * no files; GN_ENOMEM. */
gn_status val_mgh_files(char ***files, size_t *n, const char *dir, char *err, size_t errlen);
/* val_mgh_files_free: No equation: deallocation (NULL-safe). */
void val_mgh_files_free(char **files, size_t n);

#endif
