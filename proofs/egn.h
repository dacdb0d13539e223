/* egn.h: mini-batch instances for the Duncan-Guttman claims (MATH.md §9; internal to proofs/):
 * b samples with c outputs each, J (bc x d), block-diagonal Q (c x c blocks), r (bc), lambda.
 * Kinds: 0 diagonal Q > 0; 1 diagonal Q with zeros; 2 softmax blocks diag(p) - p p^T
 * (c = 1: the logistic p(1-p)), r = p - y with y one-hot. Everything in MPFR at precision q. */
#ifndef PF_CLAIM_EGN_H
#define PF_CLAIM_EGN_H

#include "claims_common.h"

#define GN_EGN_BMAX 16
#define GN_EGN_CMAX 3
#define GN_EGN_DMAX 6
#define GN_EGN_NADV 7

typedef struct {
    size_t b, c, d, bc;
    int kind;
    double lambda;
    mpfr_ptr J;   /* bc x d */
    mpfr_ptr Q;   /* bc x bc, block diagonal */
    mpfr_ptr r;   /* bc */
    mpfr_ptr lam; /* lambda */
} pf_claim_batch;

/* pf_claim_egn_draw: instance ws->index (adversarial set of GN_EGN_NADV, or random with b in
 * [1, 16], c in [1, 3], d in [1, 6], kind = index mod 3, or force_kind >= 0), values at
 * precision q; writes ws->desc. The batch of MATH.md §9: Q diagonal (l''_i, kind 0 > 0,
 * kind 1 with zeros) or softmax blocks diag(p) - p p^T (kind 2, singular by construction). */
void pf_claim_egn_draw(pf_claim_ws *ws, pf_claim_batch *e, mpfr_prec_t q, int force_kind);

/* pf_claim_egn_lm: the LM system matrix of MATH.md §9, A = lambda I_d + (1/b) J^T Q J, formed into a (d x d), with the formation
 * bound of its entries: returns form_units (units of 2^-q relative to ||A||_inf):
 * (bc + 2c + 4) || |J|^T |Q| |J| / b + lambda I ||_inf / ||A||_inf
 * (Q J: c-term dots, J^T (Q J): bc-term dots, 1/b and + lambda: gamma_(bc + c + 3)). */
double pf_claim_egn_lm(pf_claim_ws *ws, mpfr_ptr a, const pf_claim_batch *e, int qright);

/* pf_claim_egn_dg: the push-through (Duncan-Guttman) matrix of MATH.md §9,
 * B = lambda I_bc + (1/b) Q J J^T (qleft = 1) or lambda I + (1/b) J J^T Q
 * (qleft = 0, a mutant), scaled by kscale (1: the claim; other values: mutants), formed into
 * a (bc x bc); returns form_units = (d + c + 4) || |Q| |J| |J|^T / b + lambda I || / ||B||. */
double pf_claim_egn_dg(pf_claim_ws *ws, mpfr_ptr a, const pf_claim_batch *e, int qleft,
                       double kscale);

#endif
