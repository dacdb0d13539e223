/* dataset.h: finite datasets for the Appendix B claims (internal to proofs/): m samples,
 * linear model f = w^T x (so j = x), squared loss or BCE; every expectation over the uniform
 * distribution on the samples is an exact finite sum, evaluated in MPFR. */
#ifndef PF_CLAIM_DATASET_H
#define PF_CLAIM_DATASET_H

#include "claims_common.h"

#define PF_DS_M 8
#define PF_DS_N 4

typedef struct {
    size_t m, n;
    int bce;
    double x[PF_DS_M][PF_DS_N], y[PF_DS_M], w[PF_DS_N];
    double lambda, mu;
} pf_claim_ds;

/* per-sample MPFR quantities */
typedef struct {
    mpfr_ptr g;   /* m x n: g_i = l'_i x_i */
    mpfr_ptr xi;  /* m: (3.13) */
    mpfr_ptr lpp; /* m */
    mpfr_ptr xx;  /* m: |x_i|^2 */
    mpfr_ptr gF;  /* n: grad F = mean g_i */
    mpfr_ptr Eg2; /* E |g|^2 */
    mpfr_ptr F;   /* F(w) */
    mpfr_ptr xmin, xmax; /* B.1 constants S = max |x_i|, H = max l''_i, then Lemma B.2 */
} pf_claim_dsmp;

/* pf_claim_ds_random: a random dataset (m in [2, 8], n in [1, 4], per-sample scales
 * 2^U(-3, 2), squared loss on even instances and BCE on odd ones), written to ws->desc.
 * No equation: random instances for the MATH.md §8 claims. */
void pf_claim_ds_random(pf_claim_ws *ws, pf_claim_ds *d);
/* pf_claim_ds_desc: the dataset's samples, weights, lambda and mu (%a) into ws->desc
 * No equation: the report's instance description. */
void pf_claim_ds_desc(pf_claim_ws *ws, const pf_claim_ds *d);
/* pf_claim_ds_eval: at d->w, the objective F (4.12) as the exact mean over the samples, the
 * per-sample g = l' x and xi (3.13), (4.13), grad F = E g, E|g|^2 (Assumption B.2's rho =
 * E|g|^2 / |grad F|^2), and Lemma B.2's xi_min = 1/((H + mu) S^2 + lambda), xi_max =
 * 1/lambda with S = max |x_i|, H = max l''_i (Assumption B.1), MATH.md §8. Every value in
 * MPFR at the working precision (a few roundings each); no error return. */
void pf_claim_ds_eval(pf_claim_ws *ws, pf_claim_dsmp *q, const pf_claim_ds *d);

#endif
