/* gn_fit.h: nonlinear least squares on model expressions (included by gn.h).
 *
 * Three parts:
 *  - gn_expr: a model expression in the NIST StRD notation, compiled once to a
 *    post-order program and evaluated with its exact gradient with respect to the
 *    parameters b1..bk by forward-mode differentiation (no finite differences);
 *  - gn_fit_run: Levenberg-Marquardt for min_b S(b) = sum_i r_i(b)^2 with
 *    r_i = g(y_i) - f(x_i; b), using the gain-ratio damping rule of gn_lm.h (MATH.md §9)
 *    in the driver gn_fit_drive that the MPFR twin shares (only the arithmetic differs),
 *    either on the normal equations J^T J or by Householder QR of the scaled augmented
 *    Jacobian [J; sqrt(lambda) D] (J^T J never formed).
 * The MPFR twin (the certifying reference) is core/ref/gn_mp_fit.h. */
#ifndef GN_FIT_H
#define GN_FIT_H

#include "gn.h" /* the status codes and core types; gn.h includes this header in turn */

#include <stddef.h>
#include <stdio.h>

/* ------------------------------------------------------------ expressions */

/* Grammar (Python's precedence, which matches the Fortran the NIST files are written in):
 *   list   := sum (';' sum)* [';']                 (residual lists only, see gn_expr_opts)
 *   sum    := term (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := ('+' | '-') factor | power
 *   power  := atom (('**' | '^') factor)?          (right-associative; -a**2 = -(a**2))
 *   atom   := NUMBER | NAME | FUNC open args close | '(' sum ')' | '[' sum ']'
 *   args   := sum | sum ',' sum                    (two for atan2 and pow, one otherwise)
 * NUMBER: digits with optional '.', fraction and exponent (E, e, D or d: 1.5D-3 is Fortran).
 * NAME: a variable from the caller's list, a named constant from the caller's list, pi, or
 * a parameter: b1, b2, ... (numbered from 1) in the NIST notation; in the named notation
 * (gn_expr_opts.named) ANY other identifier (letters, digits, '_', not starting with a digit).
 * FUNC (domains: outside them the value or derivative is NaN/infinite, GN_ENONFINITE):
 *   exp, log (x > 0), log10 (x > 0), sqrt (x >= 0; derivative x > 0), sin, cos,
 *   tan (x not an odd multiple of pi/2), atan = arctan, tanh, erf, abs (derivative 0 at 0),
 *   atan2(y, x) (the angle of (x, y) in [-pi, pi]; derivative undefined at (0, 0)),
 *   pow(a, c) = a^c (a > 0, or a parameter-free integer c).
 * A function name is a function only before '(' or '['; it may not be a variable's or a
 * constant's name.
 * Nesting: at most GN_EXPR_MAX_DEPTH levels, counting each bracket or function argument, each
 * unary sign and each '^' / '**' of a chain (b1^1^1 is 2 levels): deeper is an error at the
 * first token past the limit, never a stack overflow. */
#define GN_EXPR_MAX_DEPTH 1000
/* Parameters: at most GN_EXPR_MAX_PARAMS (b1 .. b1000; as many names in the named
 * notation); more is an error (the compiled program keeps nodes x parameters derivatives,
 * so the count bounds its memory). */
#define GN_EXPR_MAX_PARAMS 1000

typedef enum {
    GN_XOP_CONST = 0, /* a number literal or named constant (lit holds its text)          */
    GN_XOP_PARAM,     /* parameter idx (0-based)                                          */
    GN_XOP_VAR,       /* variable idx of the caller's list                                */
    GN_XOP_PI,        /* the constant pi                                                  */
    GN_XOP_NEG,
    GN_XOP_ADD,
    GN_XOP_SUB,
    GN_XOP_MUL,
    GN_XOP_DIV,
    GN_XOP_POW,       /* a ^ c, a ** c, pow(a, c)                                         */
    GN_XOP_EXP,
    GN_XOP_LOG,
    GN_XOP_SIN,
    GN_XOP_COS,
    GN_XOP_TAN,
    GN_XOP_ATAN,
    GN_XOP_SQRT,
    GN_XOP_ABS,
    GN_XOP_ATAN2,     /* atan2(a, b): a is y, b is x                                      */
    GN_XOP_LOG10,
    GN_XOP_TANH,
    GN_XOP_ERF,
    GN_NXOP
} gn_xop;

/* One node of the post-order program: node i reads only nodes a, b < i. */
typedef struct {
    gn_xop op;
    int a, b;        /* operand node indices (-1 when unused)                      */
    size_t idx;      /* PARAM: parameter index (0-based); VAR: variable index     */
    double val;      /* CONST: the literal rounded to double (strtod)              */
    const char *lit; /* CONST: the literal's text, for multiprecision evaluation  */
    size_t pos;      /* byte offset of the node's token in the source (for errors) */
    int pconst;      /* 1 when the node does not depend on any parameter           */
} gn_xnode;

/* A compiled expression. Read-only for users except through the functions below; the
 * workspace makes evaluation allocation-free but not re-entrant on one gn_expr. */
typedef struct {
    char *src;         /* a copy of the source text                      */
    gn_xnode *node;    /* nnodes nodes; the value is the last one        */
    size_t nnodes;
    size_t nparams;    /* k: b1..bk: the largest index used; named: the names' count */
    size_t nvars;
    char **pname;      /* nparams parameter names ("b1", "a", ...), in parameter order */
    int list;          /* 1 when compiled as a residual list (gn_expr_opts.list)        */
    size_t nroots;     /* 1, or the number of residuals of a list                      */
    size_t *root;      /* nroots node indices: residual i is nodes root[i-1]+1 .. root[i]
                          (from 0 for i = 0), its value at node root[i]               */
    size_t lo, hi;     /* the node range [lo, hi] of the last evaluation (diagnosis)   */
    int lastgrad;      /* 1 when the last evaluation computed derivatives              */
    unsigned char *dep; /* nnodes x nparams: dep[i*k+p] = 1 when node i depends on b_(p+1) */
    char *litbuf;      /* storage for the literals' text                 */
    double *wval;      /* workspace: nnodes values                       */
    double *wgrad;     /* workspace: nnodes x nparams derivatives        */
} gn_expr;

/* Where the source went wrong: pos is the 0-based byte offset, msg what is wrong there. */
typedef struct {
    size_t pos;
    char msg[200];
} gn_expr_error;

/* How gn_expr_compile_opts reads names (zero-initialise, then set what applies). */
typedef struct {
    const char *const *vars;   /* nvars variable names (e.g. the data columns)           */
    size_t nvars;
    const char *const *cnames; /* nconst named constants and their literal text          */
    const char *const *cvals;
    size_t nconst;
    int named; /* 0: parameters are b1..bk (NIST); 1: every identifier that is not a
                  variable, a constant, pi or a function call is a parameter. Parameter
                  order: of first appearance in the text, except when every name is one
                  prefix followed by a number without leading zeros (b1, b3, x2, ...):
                  then by that number (so b1..bk and x1..xn are positional)            */
    int list;  /* 1: the text is a residual list 'e1; e2; ...' (one root per item)      */
} gn_expr_opts;

/* gn_expr_compile: parse src into *out (format contract: the grammar above; no MATH.md
 * equation, this is the reader of the model f of MATH.md (3.3)), parameters b1..bk:
 * gn_expr_compile_opts with vars, cnames, cvals, nconst as given, named = list = 0.
 * Method:  recursive descent to a post-order program; each node's parameter dependencies
 *          (dep, pconst) computed once, so evaluation skips derivative work.
 * vars[0..nvars) are the variable names (e.g. "x"); cnames/cvals[0..nconst) are named
 * constants with their literal text (e.g. "pi", "3.14159...": a NIST file's own definition
 * replaces the built-in pi).
 * Special: GN_EINPUT with err filled (position and message) on a syntax error, an unknown
 *          name or function, a parameter b0 or past b(GN_EXPR_MAX_PARAMS), a malformed or
 *          non-finite number, nesting deeper than GN_EXPR_MAX_DEPTH, or a variable or
 *          constant named like a parameter (b1) or a function (err->pos 0); GN_ENOMEM.
 *          *out is NULL on error. */
gn_status gn_expr_compile(gn_expr **out, const char *src, const char *const *vars, size_t nvars,
                          const char *const *cnames, const char *const *cvals, size_t nconst,
                          gn_expr_error *err);

/* gn_expr_compile_opts: gn_expr_compile with the naming rule and list mode of *o (format
 * contract. No equation: the grammar above).
 * Special: as gn_expr_compile; in the named notation a variable or constant may be named
 *          b1 (only function names clash), more than GN_EXPR_MAX_PARAMS names is an error
 *          at the first name past the limit, and a list item that is empty (';;') is an
 *          error at its position. */
gn_status gn_expr_compile_opts(gn_expr **out, const char *src, const gn_expr_opts *o,
                               gn_expr_error *err);

/* gn_expr_free: release e and everything it owns; NULL-safe. No equation: deallocation. */
void gn_expr_free(gn_expr *e);

/* gn_expr_uses: 1 when parameter p (0-based) appears in e, else 0 (also for e NULL or
 * p >= e->nparams). No equation: a structural query (gn_fit_check rejects an unused
 * parameter, whose column of J would be zero). */
int gn_expr_uses(const gn_expr *e, size_t p);

/* gn_expr_uses_var: 1 when variable v (0-based) appears in e, else 0 (also for e NULL).
 * No equation: a structural query (gnlab fit refuses a model that reads its response). */
int gn_expr_uses_var(const gn_expr *e, size_t v);

/* gn_expr_param_index: the 0-based index of the parameter called name, or -1.
 * No equation: a lookup (named starting values). */
long gn_expr_param_index(const gn_expr *e, const char *name);

/* gn_expr_start: the starting values b0 (e->nparams) from text, either positional
 * "v1,v2,...,vk" (in parameter order) or named "name=v,name=v,..." (any order, every
 * parameter once); spaces around items are ignored; numbers by strtod (finite).
 * No equation: a reader (the --start option and the MGH files' start line).
 * Special: GN_EINPUT with err->pos (byte offset in text) and err->msg on a malformed or
 *          non-finite number, a mix of the two forms, a name given twice, a parameter
 *          without a value, or a positional count other than k (the message lists the
 *          parameter names); GN_EZERO when a name is not a parameter of e (it never enters
 *          the model: unidentifiable; err names it). b0 is partly written on error. */
gn_status gn_expr_start(double *b0, const gn_expr *e, const char *text, gn_expr_error *err);

/* gn_expr_eval: f = e(b, v) and, when grad != NULL, the sensitivity vector of MATH.md (3.3)
 * with the parameters b in the role of w, grad[p] = d e / d b_(p+1), exactly.
 * b has e->nparams entries, v has e->nvars entries. On a residual list: the whole program,
 * f the last residual (gn_expr_eval_root evaluates one).
 * Method:  forward-mode differentiation of the program: each node's derivative by the chain
 *          rule, so grad carries only the roundings of the derivative formulas, no
 *          truncation error.
 * Derivative rules: (a^c)' = c a^(c-1) a' for a parameter-free exponent c (so a < 0 is
 * allowed with an integer c), a^c log(a) c' + c a^(c-1) a' otherwise; abs' = sign (0 at 0);
 * atan2(a, b)' = (b a' - a b') / (a^2 + b^2); log10' = log10(e) / a; tanh' = 1 / cosh^2
 * (no cancellation in 1 - tanh^2); erf' = 2 exp(-a^2) / sqrt(pi).
 * Accuracy: on every shipped NIST model, every observation, at the certified point, within
 *           2^-30 of the 256-bit gradient relative to each parameter's column maximum
 *           (tests/test_expr.c derives the bound; measured 1.3e-14); each function's
 *           derivative within 2^-40 relative of MPFR's at 256 bits on a grid of its domain
 *           (tests/test_expr.c, test_functions).
 * Special: GN_ENONFINITE when f or a derivative is NaN or infinite (a division by zero,
 *          log of a negative number, overflow); *f and grad are then still written and
 *          gn_expr_diagnose locates the cause. */
gn_status gn_expr_eval(gn_expr *e, double *f, double *grad, const double *b, const double *v);

/* gn_expr_eval_root: gn_expr_eval of residual i (0-based, < e->nroots) only: the nodes of
 * that item. No equation: beyond gn_expr_eval's (the residual r_i of a list).
 * Special: as gn_expr_eval; GN_EINPUT (nothing written) when i >= e->nroots. */
gn_status gn_expr_eval_root(gn_expr *e, size_t i, double *f, double *grad, const double *b,
                            const double *v);

/* gn_expr_diagnose: after an evaluation that returned GN_ENONFINITE, where and why: err->pos
 * the source position of the first node (in program order) whose value is not finite while
 * its operands are, or, when every value is finite, whose derivative is not finite while its
 * operands' are; err->msg names the operation, its argument values and a hint ("log of a
 * negative number", "division by zero", "exp overflows", ...).
 * No equation: a diagnostic. Special: GN_EINPUT and err->msg "" when no value (nor, after
 * an evaluation with derivatives, no derivative) of the last evaluation is non-finite;
 * an inner non-finite value under a finite result (atan(1/0) = pi/2) is still located. */
gn_status gn_expr_diagnose(const gn_expr *e, gn_expr_error *err);

/* Test hook for negative controls only: when gn_expr_inject is a gn_xop value, the local
 * partial derivatives of that operation are deliberately wrong (d -> 1.5 d + 0.75) in both
 * gn_expr_eval and gn_mp_expr_eval, so a test can show its derivative check fails.
 * -1 (the default) is off. */
extern int gn_expr_inject;

/* gn_expr_print_error: print "  SRC\n  ^ column N: MSG\n" to f (format contract: the caret
 * under the byte at err->pos, N = pos + 1; newlines, tabs and carriage returns in src print
 * as spaces; a pos past the end of src points just after it).
 * No equation: a diagnostic writer (tests/test_expr checks the format). */
void gn_expr_print_error(FILE *f, const char *src, const gn_expr_error *err);


/* ------------------------------------------------------------------ fitting */

typedef enum {
    GN_FIT_NORMAL = 0, /* normal equations: Cholesky of J^T J + lambda diag(J^T J)        */
    GN_FIT_QR,         /* Householder QR of [J; sqrt(lambda) D], J^T J never formed       */
    GN_FIT_AUTO        /* normal equations while the scaled J^T J is well conditioned
                          (Cholesky pivot ratio > GN_FIT_AUTO_RCOND), QR otherwise       */
} gn_fit_solver;

/* auto switches to QR when min/max Cholesky pivot of the unit-diagonal scaled J^T J is
 * below this: there J^T J has lost about half of double's 16 digits. */
#define GN_FIT_AUTO_RCOND 1e-8

typedef enum {
    GN_FIT_STOP_XTOL = 0, /* converged: the last accepted step changed no parameter by more
                             than xtol relative                                           */
    GN_FIT_STOP_GTOL,     /* converged: the scaled gradient is below gtol                 */
    GN_FIT_STOP_STALL,    /* converged to working precision: no step decreases S although
                             the damping reached 1e16 times its value at the last accepted
                             step (S is at its rounding floor), and the undamped
                             Gauss-Newton correction from b changes no parameter by more
                             than GN_FIT_STALL_REL relative (b is stationary to that
                             accuracy by the local linear model)                          */
    GN_FIT_STOP_ZERO,     /* converged: S = 0 exactly                                    */
    GN_FIT_STOP_MAXITER,  /* not converged: iteration limit                                */
    GN_FIT_STOP_MAXFEV,   /* not converged: function evaluation limit                      */
    GN_FIT_STOP_NONFINITE,/* failed: NaN or infinity at the start point                    */
    GN_FIT_STOP_STUCK,    /* not converged: as STALL, but the Gauss-Newton correction is
                             larger than GN_FIT_STALL_REL (or J is rank deficient)         */
    GN_FIT_NSTOP
} gn_fit_stop;

/* the largest relative Gauss-Newton correction max_p |h_p| / |b_p| accepted as stationary
 * when the iteration stalls: the double target is 6 correct digits, and a correction below
 * 1e-6 means the local linear model puts the minimiser within the 6th digit of b. */
#define GN_FIT_STALL_REL 1e-6

/* gn_fit_stop_name: "xtol", "gtol", "stall", "zero", "maxiter", "maxfev", "nonfinite",
 * "stuck" ("?" for a value out of range). No equation: names for reports. */
const char *gn_fit_stop_name(gn_fit_stop s);
/* gn_fit_stop_converged: 1 for the first four stop reasons, 0 otherwise.
 * No equation: the pass/fail reading of a stop reason. */
int gn_fit_stop_converged(gn_fit_stop s);
/* gn_fit_solver_name: "lm" (GN_FIT_NORMAL), "qr", "auto" ("?" out of range).
 * No equation: names for reports and options. */
const char *gn_fit_solver_name(gn_fit_solver s);

typedef struct {
    gn_fit_solver solver;
    size_t max_iter; /* iterations (accepted or rejected trial steps)               */
    size_t max_fev;  /* model evaluations over all observations                    */
    double xtol;     /* relative step size counted as converged                    */
    double gtol;     /* scaled gradient max_p |g_p| / (|J_p| |r|) counted as converged */
    double tau;      /* initial lambda relative to the damping matrix (Nielsen's tau) */
    int polish;      /* 1: after convergence, Gauss-Newton refinement at the rounding floor
                        (see gn_fit_run); 0: stop where LM stops                      */
    int accel;       /* 1: geodesic acceleration (gn_fit_backend.accel) with the bound
                        GN_FIT_AVMAX; 0: plain LM steps                               */
} gn_fit_params;

/* gn_fit_params_default: solver NORMAL, max_iter 2000, max_fev 6000 (a trial costs two
 * evaluations with acceleration), xtol 4u = 2^-51, gtol 0 (off: the step test and the
 * stall test end the iteration at working precision), tau 1e-3 (lambda_0 of MATH.md §9;
 * the toolkit's choice, MATH.md §12), polish 1, accel 1. */
gn_fit_params gn_fit_params_default(void);

/* The data: n observations, nx predictor columns (column-major, column c at x + c*n) and
 * the response y. The residual is r_i = sqrt(w_i) (g(y_i) - f(x_i; b)) with g = resp when
 * resp is not NULL (a parameter-free expression of one variable, the response), else
 * g(y) = y, and w_i = 1 when w is NULL (weighted least squares: S = sum w_i (g - f)^2).
 * Residual mode: when model is a residual list (model->list), r_i = e_i(b), the i-th
 * item, with n = model->nroots, and nx, x, y, resp, w unused (0 / NULL). */
typedef struct {
    gn_expr *model; /* variables: the nx predictors, in column order */
    gn_expr *resp;  /* nullable */
    size_t n, nx;
    const double *x;
    const double *y;
    const double *w; /* nullable: n weights, each finite and > 0 (the caller checks) */
} gn_fit_problem;

typedef struct {
    double rss;          /* S(b) at the returned b                                  */
    double gnorm;        /* |J^T r|_2 at the returned b (the gradient of S/2)       */
    double lambda;       /* final damping                                           */
    size_t iters;        /* trial steps                                             */
    size_t accepted;
    size_t nfev;         /* evaluations of S (each over all n observations)         */
    size_t njev;         /* Jacobian evaluations                                    */
    size_t steps_normal; /* trial steps solved by each route (auto may use both)    */
    size_t steps_qr;
    size_t polish;       /* refinement steps taken after LM stopped (gn_fit_run)      */
    size_t rejected_av;  /* trial steps rejected by the acceleration bound (not evaluated) */
    double gn_rel;       /* max_p |h_p| / |b_p| of the undamped Gauss-Newton correction at
                            the returned b (by QR; NAN when J is rank deficient): the
                            linear model's estimate of the remaining relative error       */
    gn_fit_stop stop;
    size_t unident;      /* 1-based index of the first parameter whose Jacobian column is
                            exactly zero at b0 and at the returned b (gn_fit_run returns
                            GN_EZERO: unidentifiable), 0 when there is none              */
} gn_fit_report;

/* gn_fit_run: Levenberg-Marquardt from b0 (length model->nparams) for min S(b): the LM
 * system and gain ratio of MATH.md §9 with squared loss (Q = I, grad = J^T r) and the
 * damping lambda I generalised to lambda D^T D, run by gn_fit_drive in double.
 * Method:   trial step h from (J^T J + lambda D^T D) h = -J^T r, D = diag of the column
 *           norms of J, the largest seen so far (More's scaling, invariant under rescaling
 *           of the parameters); gain ratio rho = (S(b) - S(b+h)) / (2 pred) with the
 *           predicted decrease pred = |Jh|^2/2 + lambda |Dh|^2 (no cancellation), and
 *           Nielsen's update (gn_lm_gain, gn_lm_update). NORMAL solves by Cholesky of the
 *           Jacobi-scaled matrix; QR by Householder on [J; sqrt(lambda) D] of size
 *           (n+k) x k. S and J^T r are summed pairwise. When polish is set and LM
 *           has converged, Gauss-Newton steps h = -J^+ r (QR) follow while S stays within
 *           its rounding noise and the correction keeps shrinking: below the noise of S the
 *           gain ratio is blind, the linear model is not.
 * Output:   b (length k) and *rep; b is the best point found even when not converged.
 * Accuracy: no a-priori bound (it depends on the problem's conditioning); measured on the
 *           NIST StRD suite: every parameter to >= 10.3 digits by QR (table in docs/fit.md).
 * Special:  GN_ESIZE when n < k or k = 0, or in residual mode n != model->nroots; GN_EINPUT
 *           when a parameter does not appear in the model; GN_ENONFINITE when S or J is not finite at b0 (rep->stop = NONFINITE);
 *           GN_EZERO when a parameter's Jacobian column is exactly zero at b0 and at the
 *           returned b (the parameter does not enter the model there: unidentifiable;
 *           rep->unident names it, b and rep are still filled); GN_ENOMEM.
 *           Non-convergence is not an error: read rep->stop. */
gn_status gn_fit_run(double *b, gn_fit_report *rep, const gn_fit_problem *p, const double *b0,
                     const gn_fit_params *par);

/* ------------------------------------------------ statistics at the solution */

/* What the covariance of the estimates rests on (gn_fit_covar). */
typedef struct {
    size_t n, k;     /* observations and parameters                                   */
    size_t dof;      /* n - k degrees of freedom (0 when n <= k)                     */
    double rss;      /* S(b)                                                          */
    double sigma;    /* the residual standard deviation s = sqrt(S / (n - k)); NAN
                        (undetermined) when n <= k                                    */
    double cond;     /* 2-norm condition number of J with unit column norms (the one
                        that bounds the statistics' rounding error), from the singular
                        values of R; INFINITY when a singular value is 0              */
    size_t rank;     /* numerical rank of J: singular values of the column-scaled J
                        above GN_FIT_RANK_TOL(n) times the largest                    */
    double sigma_err;/* first-order bound on the relative error that the rounding of the
                        residuals puts on sigma (and on every se_p): |dr|_2 / |r|_2 with
                        |dr_i| = c u (|g(y_i)| + |f_i|) for a model of c operations; near
                        1 when S is at the residuals' rounding floor (Lanczos1)        */
    int determined;  /* 1 when se, cov and corr are numbers: rank = k, n > k, finite,
                        and sigma_err < 1 (at least the leading digit of s is right)   */
    double gscaled;  /* max_p |(J^T r)_p| / (|J_p| |r|) at b (0 when r = 0): the gradient
                        relative to what its own rounding can reach, n u + sigma_err    */
} gn_fit_stats;

/* a singular value of the unit-column J below n u times the largest is indistinguishable
 * from 0: Householder QR's computed R is the exact R of J + E with |E| <= c n u |J|
 * columnwise (Higham, Accuracy and Stability, Thm 19.4), which moves each singular value
 * of the unit-column J by up to that much */
#define GN_FIT_RANK_TOL(n) ((double)(n) * 0x1p-53)
/* at a point where LM is stuck (S flat to first order, b known to about sqrt(u) relative),
 * a singular value of the unit-column J below sqrt(u) = 2^-26.5 of the largest is within
 * what b's own uncertainty moves it: J counts as rank deficient there (gn_fit_classify) */
#define GN_FIT_NEAR_RANK_TOL 0x1p-26

/* gn_fit_covar: the asymptotic covariance of the least-squares estimates at b,
 * C = s^2 (J^T J)^-1 with s^2 = S(b) / (n - k), the standard errors se_p = sqrt(C_pp), the
 * correlations C_pq / (se_p se_q), and the residual SD s (No equation: MATH.md has no
 * section on the statistics of the fit; the formula is the Gauss-Newton linearisation
 * used by NIST StRD's certified standard deviations, GSL's gsl_multifit_nlinear_covar,
 * R's summary.nls and scipy's curve_fit).
 * Method:   r and J evaluated at b (one evaluation); J's columns scaled to unit norm
 *           (J = Js C), Householder QR Js = Q R (J^T J never formed), the singular values
 *           of R by one-sided Jacobi (condition number and rank); when the rank is full,
 *           (Js^T Js)^-1 = R^-1 R^-T from the triangular inverse, and C = s^2 C^-1 (...)
 *           C^-1. When the rank is deficient, null (nullable, k entries) gets the right
 *           singular vector of the smallest singular value mapped back to the parameters
 *           (delta b = C^-1 z, scaled to max |delta b_p| = 1): the combination of parameters
 *           that does not change the model to first order.
 * Output:   st always; se (k), cov (k x k row-major, nullable), corr (k x k, nullable)
 *           are NAN (undetermined) unless st->determined.
 * Accuracy: relative error of se about cond(Js) u plus the error of b; measured against
 *           the NIST certified standard deviations: LRE >= 6 on all 27 problems
 *           (gnlab fit --nist-all; table in docs/fit.md).
 * Special:  GN_ESIZE when model is NULL or k = 0; GN_ENONFINITE when r or J is not finite
 *           at b; GN_ENOMEM. n <= k, a rank-deficient J or residuals below their own
 *           rounding (sigma_err >= 1) is not an error: the statistics are undetermined
 *           (NAN) and st says why. */
gn_status gn_fit_covar(gn_fit_stats *st, double *se, double *cov, double *corr, double *null,
                       const gn_fit_problem *p, const double *b);

/* What kind of point the fit ended at. */
typedef enum {
    GN_FIT_END_MINIMUM = 0, /* converged (a converging stop reason, gn_fit_stop_converged)
                               with J of full rank there: a local minimum of S           */
    GN_FIT_END_RANKDEF,     /* converged or stuck where J is rank deficient: a stationary
                               point along which some combination of the parameters (the
                               null vector of J) does not change the model to first order;
                               the parameters are not identifiable there                 */
    GN_FIT_END_STUCK,       /* J of full rank but no step decreases S and the Gauss-Newton
                               correction is not small (GN_FIT_STOP_STUCK)                */
    GN_FIT_END_LIMIT,       /* the iteration or evaluation limit was reached             */
    GN_FIT_END_FAILED,      /* not finite at the start, or the statistics could not be
                               evaluated at the end point                                */
    GN_FIT_NEND
} gn_fit_end;

/* gn_fit_classify: the end point's class from the stop reason and the rank of J at the
 * returned b (st from gn_fit_covar there; NULL counts as not evaluated: FAILED unless
 * the stop reason already says LIMIT).
 * No equation: a decision table: stop MAXITER/MAXFEV -> LIMIT; NONFINITE -> FAILED;
 * st->rank < k with a converging or STUCK stop -> RANKDEF; STUCK with cond(J) at or above
 * 1/GN_FIT_NEAR_RANK_TOL -> RANKDEF; STUCK with st->gscaled <= 2 (n u + sigma_err) (the
 * gradient within its own rounding) -> MINIMUM; STUCK -> STUCK; a converging stop with full
 * rank -> MINIMUM. */
gn_fit_end gn_fit_classify(const gn_fit_report *rep, const gn_fit_stats *st);

/* gn_fit_end_name: "minimum", "stationary-rank-deficient", "stuck", "iteration-limit",
 * "failed" ("?" out of range). No equation: names for reports. */
const char *gn_fit_end_name(gn_fit_end e);

/* ------------------------------------------- the driver both routes share */

/* The Levenberg-Marquardt control flow is written once (core/lm_driver.c) and run over an
 * arithmetic backend, as GSL's multifit_nlinear runs trust.c over lm.c: gn_fit_run's
 * backend works in double (core/fit.c), gn_mp_fit_run's in MPFR (core/ref/mp_fit.c). The
 * driver sees only doubles and flags; the backend keeps b, r, J, the scaling D and the
 * trial step h in its own arithmetic behind the opaque ws. */

/* What the driver needs to know about the current point after a refresh. */
typedef struct {
    int zero;       /* S(b) = 0 exactly                                            */
    int gzero;      /* J^T r = 0 exactly                                           */
    double gscaled; /* max_p |g_p| / (|J_p| |r|), compared with gtol when gtol > 0 */
} gn_fit_point;

typedef struct {
    /* at the current point b (r and J evaluated): g = J^T r, D = the running maximum of
     * the column norms of J (1 for a column that has always been zero), what the solve
     * needs (J^T J), and *pt */
    void (*refresh)(void *ws, gn_fit_point *pt);
    /* the trial step h from (J^T J + lambda D^T D) h = -g (any method); count the method
     * in rep->steps_normal or rep->steps_qr; 0 when h is usable, nonzero when the solve
     * failed or h is not finite (the driver then rejects without evaluating) */
    int (*solve)(void *ws, double lambda, gn_fit_report *rep);
    /* bt = b + h, S(bt), and the gain ratio rho of MATH.md §9 for the damping lambda the
     * step was solved with (gn_lm_gain's convention: -INFINITY when S(bt) or the
     * evaluation is not finite or the predicted decrease is not positive) */
    double (*trial)(void *ws, double lambda);
    /* the trial point becomes b: S = S(bt), r and J evaluated there. Returns 1 when the
     * step h is small (the backend's xtol test on |h_p| against |bt_p|), else 0 */
    int (*accept)(void *ws);
    /* after the iteration stopped with rep->stop: rep->rss, gnorm and gn_rel (and any
     * refinement the backend does, counted in rep->polish, nfev, njev) */
    void (*finish)(void *ws, gn_fit_report *rep);
    /* nullable (no acceleration): after solve gave the velocity v = h, the geodesic
     * acceleration a of Transtrum and Sethna (the second-order term of the residual along
     * the geodesic, GSL multifit_nlinear's lmaccel): r_vv = (2/t)((r(b + t v) - r(b))/t - J v)
     * with t = GN_FIT_ACCEL_T (one evaluation of r, counted in rep->nfev), a from the
     * same damped system with r_vv in place of r; the step h becomes v + a/2 (trial then
     * predicts the decrease from v alone) and the return value is 2 |D a| / |D v|
     * (+INFINITY when r(b + t v) or a is not finite). When every |v_p| <=
     * GN_FIT_STALL_REL |b_p| the step is left as v and 0 is returned without evaluating:
     * there r_vv is rounding noise divided by t^2 (r(b + t v) - r(b) is below the residuals'
     * rounding), and the linear model is the one the refinement trusts anyway */
    double (*accel)(void *ws, double lambda, gn_fit_report *rep);
} gn_fit_backend;

/* the finite-difference step of the acceleration's second directional derivative (GSL's
 * h_fvv default): a is a step-shaping estimate, never used for accuracy (the final digits
 * come from the Gauss-Newton refinement), so its O(t) truncation error only moves the
 * trial point by O(t |v|^2) */
#define GN_FIT_ACCEL_T 0.1
/* the largest 2 |D a| / |D v| accepted (GSL's avmax default, Transtrum-Sethna's alpha):
 * beyond it the quadratic term is 3/8 of the linear one along the step and the step is
 * outside the region where the linear model is trusted */
#define GN_FIT_AVMAX 0.75

typedef struct {
    size_t max_iter; /* trial steps                                       */
    size_t max_fev;  /* evaluations of S (rep->nfev)                       */
    double gtol;     /* 0: off                                             */
    double tau;      /* the initial damping lambda_0                       */
    double avmax;    /* geodesic acceleration's acceptance bound; 0: off   */
} gn_fit_control;

/* gn_fit_check: the argument checks both routes share. Zeroes *rep with
 * rep->stop = NONFINITE (what an early error return leaves) and returns GN_ESIZE when
 * model is NULL, k = model->nparams is 0 or n < k, GN_EINPUT when a parameter does not
 * appear in the model, else GN_OK.
 * No equation: argument checks (n >= k so that the least-squares problem can be full rank). */
gn_status gn_fit_check(gn_fit_report *rep, const gn_expr *model, size_t n);

/* gn_fit_drive: the Levenberg-Marquardt iteration on backend be (state ws), from a point
 * the backend has already evaluated (rep->nfev, njev count that evaluation).
 * Method:   lambda starts at ctl->tau with nu = 2. At each new point: refresh; stop ZERO
 *           when S = 0, GTOL when g = 0 or gscaled <= gtol. Then stop MAXITER or MAXFEV
 *           when a limit is reached; else one trial step: solve, then (when ctl->avmax > 0
 *           and be->accel) the geodesic acceleration, rejecting the step unevaluated when
 *           2 |D a| / |D v| > avmax (rep->rejected_av), else trial (gain ratio rho,
 *           MATH.md §9), and Nielsen's update of lambda (gn_lm_update, gn_lm.h). An
 *           accepted step moves to bt (stop XTOL when the backend says the step was
 *           small); a rejected one stops STALL when lambda has grown to 1e16 times its
 *           value at the last accepted step or to GN_LM_LAMBDA_MAX. Then finish, and a
 *           STALL whose Gauss-Newton correction rep->gn_rel is not <= GN_FIT_STALL_REL
 *           (or is NaN) becomes STUCK.
 * Output:   rep->stop, iters, accepted, nfev, njev, lambda; the rest from the backend.
 * Accuracy: the control decisions are made on doubles: rho, lambda and gscaled; the
 *           backend's arithmetic decides how accurate b is.
 * Special:  none; every limit ends in a stop reason. */
void gn_fit_drive(gn_fit_report *rep, const gn_fit_backend *be, void *ws,
                  const gn_fit_control *ctl);

#endif
