/* kern_impl.h: internal; the body of one kernel version, included by kern.c once per
 * version with KSUF (the name suffix), KATTR (the target attribute, empty for the baseline)
 * and KHALF (1:
 * the baseline's dot, fused pass, update and check hold each 4-lane group as two 2-lane
 * SSE2 vectors, because gcc keeps a 4-lane vector of a target without AVX in memory and
 * every accumulation then waits on a store and a load) defined.
 *
 * Every function here performs, for every output, the same IEEE operations in the same
 * order as the portable definition in kern.c's header comment: products and sums rounded
 * one at a time (no FMA: -ffp-contract=off, and no fma() below), four lanes per block of 64
 * entries, the tail into lane 0, the join (s0 + s1) + (s2 + s3), pairwise over blocks.
 * Vector lanes are independent, so holding the lanes of a block in one 4-lane vector (or
 * two 2-lane ones) and running several blocks at once changes the speed, never a bit of
 * the result (tests/test_kernels compares every version bit for bit). The finiteness
 * checks are exact whatever their order (sums of +-0 or NaN). */

#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2(a, b)
#define KFN(name) KCAT(name, KSUF)

/* the sum a.b over one block of m <= 64 entries.
 * No equation: kern.c's block order. */
/* (not inlined into the baseline's pair2_dot: gcc 12 then warns, wrongly, of undefined
 * behaviour in the empty tail loop of a constant 64-entry block) */
KATTR KNOINLINE static double KFN(block_dot)(const double *a, const double *b, size_t m)
{
    size_t i = 0;
#if KHALF
    gn_v2d s01 = {0.0, 0.0}, s23 = s01;
    for (; i + 4 <= m; i += 4) {
        s01 += kld2(a + i) * kld2(b + i);
        s23 += kld2(a + i + 2) * kld2(b + i + 2);
    }
    return lanes_join(s01[0], s01[1], s23[0], s23[1], a, b, i, m);
#else
    gn_v4d s = {0.0, 0.0, 0.0, 0.0};
    for (; i + 4 <= m; i += 4)
        s += kld4(a + i) * kld4(b + i);
    return lanes_join(s[0], s[1], s[2], s[3], a, b, i, m);
#endif
}

/* blocks [0, 64) and [64, n) for 64 < n <= 128, interleaved (two independent chains), then
 * their sum: pairwise summation's split of such an n is at 64, so this is its result.
 * No equation: kern.c's block order. */
KATTR static double KFN(pair2_dot)(const double *a, const double *b, size_t n)
{
#if KHALF /* two SSE2 halves per 4-lane group: the accumulators stay in registers */
    return KFN(block_dot)(a, b, GN_BLOCK) + KFN(block_dot)(a + GN_BLOCK, b + GN_BLOCK,
                                                           n - GN_BLOCK);
#else
    const double *a2 = a + GN_BLOCK, *b2 = b + GN_BLOCK;
    size_t m2 = n - GN_BLOCK, i = 0;
    gn_v4d s1 = {0.0, 0.0, 0.0, 0.0}, s2 = s1;
    for (; i + 4 <= m2; i += 4) {
        s1 += kld4(a + i) * kld4(b + i);
        s2 += kld4(a2 + i) * kld4(b2 + i);
    }
    size_t i2 = i;
    for (; i < GN_BLOCK; i += 4)
        s1 += kld4(a + i) * kld4(b + i);
    double r1 = lanes_join(s1[0], s1[1], s1[2], s1[3], a, b, GN_BLOCK, GN_BLOCK);
    return r1 + lanes_join(s2[0], s2[1], s2[2], s2[3], a2, b2, i2, m2);
#endif
}

#if !KHALF
/* lane 0 of *s plus a_i b_i for i = i0..m-1 in increasing i: the tail of a block, as in
 * lanes_join. No equation: kern.c's block order. */
KATTR static inline __attribute__((always_inline)) void
KFN(lane0_tail)(gn_v4d *s, const double *a, const double *b, size_t i0, size_t m)
{
    double t = (*s)[0];
    for (size_t i = i0; i < m; i++)
        t += a[i] * b[i];
    (*s)[0] = t;
}

/* {join(s0), join(s1), join(s2), join(s3)} with join(s) = (s[0] + s[1]) + (s[2] + s[3]):
 * the join of lanes_join for four blocks at once, each sum the same IEEE addition of the
 * same two numbers, in vectors (12 extracts and 12 scalar adds become 6 shuffles and 3
 * vector adds). Used by dot2's four-block leaves, whose eight joins it halves (2-4% there);
 * dot keeps lanes_join (join4 made it slower by ~5% in a min-of-60 CPU-time comparison).
 * No equation: kern.c's block order. */
KATTR static inline __attribute__((always_inline)) gn_v4d KFN(join4)(gn_v4d s0, gn_v4d s1,
                                                                    gn_v4d s2, gn_v4d s3)
{
    gn_v4d e = __builtin_shufflevector(s0, s1, 0, 4, 2, 6) +
               __builtin_shufflevector(s0, s1, 1, 5, 3, 7); /* s0_01 s1_01 s0_23 s1_23 */
    gn_v4d f = __builtin_shufflevector(s2, s3, 0, 4, 2, 6) +
               __builtin_shufflevector(s2, s3, 1, 5, 3, 7); /* s2_01 s3_01 s2_23 s3_23 */
    return __builtin_shufflevector(e, f, 0, 1, 4, 5) + __builtin_shufflevector(e, f, 2, 3, 6, 7);
}
#endif

#if !KHALF
/* blocks 0..3 of 128 < n <= 256 entries (the last one or two partial, block 3 absent when
 * n <= 192) in four independent chains, joined as pairwise summation joins them: (r0 + r1)
 * + r2 for three blocks, (r0 + r1) + (r2 + r3) for four. No equation: kern.c's order. */
KATTR static inline __attribute__((always_inline)) double
KFN(pair4_dot_body)(const double *a, const double *b, size_t n)
{
    const size_t B = GN_BLOCK;
    size_t m2 = n - 2 * B < B ? n - 2 * B : B, m3 = n > 3 * B ? n - 3 * B : 0, i = 0;
    gn_v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0;
    for (; i + 4 <= m3; i += 4) {
        s0 += kld4(a + i) * kld4(b + i);
        s1 += kld4(a + B + i) * kld4(b + B + i);
        s2 += kld4(a + 2 * B + i) * kld4(b + 2 * B + i);
        s3 += kld4(a + 3 * B + i) * kld4(b + 3 * B + i);
    }
    size_t i3 = i;
    for (; i + 4 <= m2; i += 4) {
        s0 += kld4(a + i) * kld4(b + i);
        s1 += kld4(a + B + i) * kld4(b + B + i);
        s2 += kld4(a + 2 * B + i) * kld4(b + 2 * B + i);
    }
    size_t i2 = i;
    for (; i < B; i += 4) {
        s0 += kld4(a + i) * kld4(b + i);
        s1 += kld4(a + B + i) * kld4(b + B + i);
    }
    double r01 = lanes_join(s0[0], s0[1], s0[2], s0[3], a, b, B, B) +
                 lanes_join(s1[0], s1[1], s1[2], s1[3], a + B, b + B, B, B);
    double r2 = lanes_join(s2[0], s2[1], s2[2], s2[3], a + 2 * B, b + 2 * B, i2, m2);
    if (n <= 3 * B)
        return r01 + r2;
    return r01 + (r2 + lanes_join(s3[0], s3[1], s3[2], s3[3], a + 3 * B, b + 3 * B, i3, m3));
}

/* pair4_dot_body, with a copy for a == b (|a|^2: gn_dot(j, j) of the step rules and the
 * MLP) in which each entry is loaded once, not twice; the same products a_i a_i in the
 * same order. No equation: kern.c's block order. */
KATTR static double KFN(pair4_dot)(const double *a, const double *b, size_t n)
{
    if (a == b)
        return KFN(pair4_dot_body)(a, a, n);
    return KFN(pair4_dot_body)(a, b, n);
}
#endif

#if !KHALF
/* block_dot, not inlined: with m constant gcc 12 warns, wrongly, of the empty tail loop.
 * No equation: kern.c's block order. */
KATTR KNOINLINE_FAR static double KFN(block_dot_far)(const double *a, const double *b, size_t m)
{
    return KFN(block_dot)(a, b, m);
}

/* gn_dot's pairwise sum for long vectors (KFAR_MIN entries or more): the same blocks and
 * joins, with the blocks taken one after another (one chain each), not interleaved. Read
 * from beyond the L2 cache, the interleaved leaves' four streams 512 bytes apart defeat
 * the hardware prefetcher (dot at d = 1e7 ran at half the speed of the update pass);
 * the single chain of one block outruns memory there. No equation: kern.c's order. */
KATTR static double KFN(dot_far)(const double *a, const double *b, size_t n)
{
    if (n <= GN_BLOCK)
        return KFN(block_dot_far)(a, b, n);
    size_t h = pair_split(n);
    return KFN(dot_far)(a, b, h) + KFN(dot_far)(a + h, b + h, n - h);
}
#endif

/* gn_dot's pairwise sum, leaves of one, two or (with AVX) four blocks.
 * No equation: kern.c's block order. */
KATTR static double KFN(dot)(const double *a, const double *b, size_t n)
{
    if (n <= GN_BLOCK)
        return KFN(block_dot)(a, b, n);
    if (n <= 2 * GN_BLOCK)
        return KFN(pair2_dot)(a, b, n);
#if !KHALF
    if (n <= 4 * GN_BLOCK)
        return KFN(pair4_dot)(a, b, n);
    if (n >= KFAR_MIN)
        return KFN(dot_far)(a, b, n);
#endif
    size_t h = pair_split(n);
    return KFN(dot)(a, b, h) + KFN(dot)(a + h, b + h, n - h);
}

/* {a.b, b.b} over one block.
 * No equation: kern.c's block order, two sums at once. */
KATTR KNOINLINE static gn_v2d KFN(block_dot2)(const double *a, const double *b, size_t m)
{
    size_t i = 0;
#if KHALF
    gn_v2d s01 = {0.0, 0.0}, s23 = s01, q01 = s01, q23 = s01;
    for (; i + 4 <= m; i += 4) {
        gn_v2d b01 = kld2(b + i), b23 = kld2(b + i + 2);
        s01 += kld2(a + i) * b01;
        s23 += kld2(a + i + 2) * b23;
        q01 += b01 * b01;
        q23 += b23 * b23;
    }
    gn_v2d r = {lanes_join(s01[0], s01[1], s23[0], s23[1], a, b, i, m),
                  lanes_join(q01[0], q01[1], q23[0], q23[1], b, b, i, m)};
#else
    gn_v4d s = {0.0, 0.0, 0.0, 0.0}, q = s;
    for (; i + 4 <= m; i += 4) {
        gn_v4d bv = kld4(b + i);
        s += kld4(a + i) * bv;
        q += bv * bv;
    }
    gn_v2d r = {lanes_join(s[0], s[1], s[2], s[3], a, b, i, m),
                  lanes_join(q[0], q[1], q[2], q[3], b, b, i, m)};
#endif
    return r;
}

/* {a.b, b.b} over two blocks (64 < n <= 128), as pair2_dot.
 * No equation: kern.c's block order, two sums at once. */
KATTR static gn_v2d KFN(pair2_dot2)(const double *a, const double *b, size_t n)
{
#if KHALF
    gn_v2d r = KFN(block_dot2)(a, b, GN_BLOCK),
             r2 = KFN(block_dot2)(a + GN_BLOCK, b + GN_BLOCK, n - GN_BLOCK);
    return r + r2;
#else
    const double *a2 = a + GN_BLOCK, *b2 = b + GN_BLOCK;
    size_t m2 = n - GN_BLOCK, i = 0;
    gn_v4d s1 = {0.0, 0.0, 0.0, 0.0}, s2 = s1, q1 = s1, q2 = s1;
    for (; i + 4 <= m2; i += 4) {
        gn_v4d bv1 = kld4(b + i), bv2 = kld4(b2 + i);
        s1 += kld4(a + i) * bv1;
        q1 += bv1 * bv1;
        s2 += kld4(a2 + i) * bv2;
        q2 += bv2 * bv2;
    }
    size_t i2 = i;
    for (; i < GN_BLOCK; i += 4) {
        gn_v4d bv = kld4(b + i);
        s1 += kld4(a + i) * bv;
        q1 += bv * bv;
    }
    gn_v2d r = {lanes_join(s1[0], s1[1], s1[2], s1[3], a, b, GN_BLOCK, GN_BLOCK) +
                      lanes_join(s2[0], s2[1], s2[2], s2[3], a2, b2, i2, m2),
                  lanes_join(q1[0], q1[1], q1[2], q1[3], b, b, GN_BLOCK, GN_BLOCK) +
                      lanes_join(q2[0], q2[1], q2[2], q2[3], b2, b2, i2, m2)};
    return r;
#endif
}

#if !KHALF
#define P4_ACC4(s, q, off)                                                                   \
    do {                                                                                     \
        gn_v4d bv_ = kld4(b + (off) + i);                                                    \
        s += kld4(a + (off) + i) * bv_;                                                      \
        q += bv_ * bv_;                                                                      \
    } while (0)
/* {a.b, b.b} over blocks 0..3 of 128 < n <= 256 entries, as pair4_dot (eight chains).
 * No equation: kern.c's block order, two sums at once. */
KATTR static gn_v2d KFN(pair4_dot2)(const double *a, const double *b, size_t n)
{
    const size_t B = GN_BLOCK;
    size_t m2 = n - 2 * B < B ? n - 2 * B : B, m3 = n > 3 * B ? n - 3 * B : 0, i = 0;
    gn_v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0,
           q3 = s0;
    for (; i + 4 <= m3; i += 4) {
        P4_ACC4(s0, q0, 0);
        P4_ACC4(s1, q1, B);
        P4_ACC4(s2, q2, 2 * B);
        P4_ACC4(s3, q3, 3 * B);
    }
    size_t i3 = i;
    for (; i + 4 <= m2; i += 4) {
        P4_ACC4(s0, q0, 0);
        P4_ACC4(s1, q1, B);
        P4_ACC4(s2, q2, 2 * B);
    }
    size_t i2 = i;
    for (; i < B; i += 4) {
        P4_ACC4(s0, q0, 0);
        P4_ACC4(s1, q1, B);
    }
    const double *a2 = a + 2 * B, *b2 = b + 2 * B, *a3 = a + 3 * B, *b3 = b + 3 * B;
    KFN(lane0_tail)(&s2, a2, b2, i2, m2);
    KFN(lane0_tail)(&q2, b2, b2, i2, m2);
    KFN(lane0_tail)(&s3, a3, b3, i3, m3);
    KFN(lane0_tail)(&q3, b3, b3, i3, m3);
    gn_v4d rs = KFN(join4)(s0, s1, s2, s3), rq = KFN(join4)(q0, q1, q2, q3);
    /* lane 0 the a.b tree, lane 1 the b.b tree: (r0 + r1) + r2 or (r0 + r1) + (r2 + r3) */
    gn_v2d r01 = __builtin_shufflevector(rs, rq, 0, 4) + __builtin_shufflevector(rs, rq, 1, 5);
    gn_v2d r2 = __builtin_shufflevector(rs, rq, 2, 6);
    if (n > 3 * B)
        r2 += __builtin_shufflevector(rs, rq, 3, 7);
    return r01 + r2;
}
#undef P4_ACC4
#endif

#if !KHALF
/* block_dot2, not inlined (as block_dot_far). No equation: kern.c's block order. */
KATTR KNOINLINE_FAR static gn_v2d KFN(block_dot2_far)(const double *a, const double *b,
                                                        size_t m)
{
    return KFN(block_dot2)(a, b, m);
}

/* {a.b, b.b} for long vectors, blocks one after another as dot_far.
 * No equation: kern.c's block order, two sums at once. */
KATTR static gn_v2d KFN(dot2v_far)(const double *a, const double *b, size_t n)
{
    if (n <= GN_BLOCK)
        return KFN(block_dot2_far)(a, b, n);
    size_t h = pair_split(n);
    gn_v2d r1 = KFN(dot2v_far)(a, b, h), r2 = KFN(dot2v_far)(a + h, b + h, n - h);
    return r1 + r2;
}
#endif

/* {a.b, b.b} pairwise, each sum in gn_dot's order.
 * No equation: kern.c's block order, two sums at once. */
KATTR static gn_v2d KFN(dot2v)(const double *a, const double *b, size_t n)
{
    if (n <= GN_BLOCK)
        return KFN(block_dot2)(a, b, n);
    if (n <= 2 * GN_BLOCK)
        return KFN(pair2_dot2)(a, b, n);
#if !KHALF
    if (n <= 4 * GN_BLOCK)
        return KFN(pair4_dot2)(a, b, n);
    if (n >= KFAR_MIN)
        return KFN(dot2v_far)(a, b, n);
#endif
    size_t h = pair_split(n);
    gn_v2d r1 = KFN(dot2v)(a, b, h), r2 = KFN(dot2v)(a + h, b + h, n - h);
    return r1 + r2;
}

/* the table's dot2: {a.b, b.b} in gn_dot's order. Inside, the pair travels as one 2-lane
 * vector (lane 0 a.b, lane 1 b.b; lanes add independently, so the roundings are those of
 * two scalar sums): a struct of two doubles was returned in two registers and joined
 * through the stack, a store-forwarding stall at every node of the pairwise tree.
 * No equation: kern.c's block order, two sums at once. */
KATTR static gn_pair2 KFN(dot2)(const double *a, const double *b, size_t n)
{
    gn_v2d v = KFN(dot2v)(a, b, n);
    gn_pair2 r = {v[0], v[1]};
    return r;
}

/* 1 iff every a_i is finite: a sum of a_i * 0 (+-0 for finite a_i, NaN otherwise; every
 * partial sum is then +-0 or NaN, exactly, in any order). The check is a multiply and an
 * add, not a_i - a_i and an add: the multiply goes to the multiply pipes, which the passes
 * it rides along (dot, axpy) leave half idle, where a subtract competes with their adds.
 * Four partial sums, so that the adds' latency does not bind. No equation: the
 * GN_ENONFINITE check. */
KATTR static int KFN(allfinite)(const double *a, size_t n)
{
    size_t i = 0;
#if KHALF
    gn_v2d z = {0.0, 0.0}, acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    for (; i + 8 <= n; i += 8) {
        acc0 += kld2(a + i) * z;
        acc1 += kld2(a + i + 2) * z;
        acc2 += kld2(a + i + 4) * z;
        acc3 += kld2(a + i + 6) * z;
    }
    acc0 += acc1 + (acc2 + acc3);
    double t = acc0[0] + acc0[1];
#else
    gn_v4d z = {0.0, 0.0, 0.0, 0.0}, acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    for (; i + 16 <= n; i += 16) {
        acc0 += kld4(a + i) * z;
        acc1 += kld4(a + i + 4) * z;
        acc2 += kld4(a + i + 8) * z;
        acc3 += kld4(a + i + 12) * z;
    }
    for (; i + 4 <= n; i += 4)
        acc0 += kld4(a + i) * z;
    acc0 += acc1 + (acc2 + acc3);
    double t = (acc0[0] + acc0[1]) + (acc0[2] + acc0[3]);
#endif
    for (; i < n; i++)
        t += a[i] * 0.0;
    return t == 0.0;
}

/* w_i = w_i + c j_i (a rounded product, then a rounded sum), 1 iff every result is finite
 * (the check of allfinite on the new w_i: a multiply by 0 and an add, four partial sums).
 * No equation: the update of (3.14) and Table 1. */
KATTR static int KFN(axpy)(double *w, double c, const double *j, size_t n)
{
    size_t i = 0;
#if KHALF
    gn_v2d cv = {c, c}, z = {0.0, 0.0}, chk0 = z, chk1 = z;
    for (; i + 4 <= n; i += 4) {
        gn_v2d w0 = kld2(w + i) + cv * kld2(j + i);
        gn_v2d w1 = kld2(w + i + 2) + cv * kld2(j + i + 2);
        chk0 += w0 * z;
        chk1 += w1 * z;
        memcpy(w + i, &w0, sizeof w0);
        memcpy(w + i + 2, &w1, sizeof w1);
    }
    chk0 += chk1;
    double t = chk0[0] + chk0[1];
#else
    gn_v4d cv = {c, c, c, c}, z = {0.0, 0.0, 0.0, 0.0}, chk0 = z, chk1 = z, chk2 = z, chk3 = z;
    /* the first entries one by one until w + i is 32-byte aligned: malloc's 16-byte
     * alignment otherwise makes every other 32-byte store straddle two cache lines */
    double t0 = 0.0;
    for (; i < n && ((uintptr_t)(w + i) & 31) != 0; i++) {
        double v = w[i] + c * j[i];
        t0 += v * 0.0;
        w[i] = v;
    }
    chk0[0] = t0;
    for (; i + 16 <= n; i += 16) {
        gn_v4d w0 = kld4(w + i) + cv * kld4(j + i);
        gn_v4d w1 = kld4(w + i + 4) + cv * kld4(j + i + 4);
        gn_v4d w2 = kld4(w + i + 8) + cv * kld4(j + i + 8);
        gn_v4d w3 = kld4(w + i + 12) + cv * kld4(j + i + 12);
        chk0 += w0 * z;
        chk1 += w1 * z;
        chk2 += w2 * z;
        chk3 += w3 * z;
        memcpy(w + i, &w0, sizeof w0);
        memcpy(w + i + 4, &w1, sizeof w1);
        memcpy(w + i + 8, &w2, sizeof w2);
        memcpy(w + i + 12, &w3, sizeof w3);
    }
    for (; i + 4 <= n; i += 4) {
        gn_v4d w0 = kld4(w + i) + cv * kld4(j + i);
        chk0 += w0 * z;
        memcpy(w + i, &w0, sizeof w0);
    }
    chk0 += chk1 + (chk2 + chk3);
    double t = (chk0[0] + chk0[1]) + (chk0[2] + chk0[3]);
#endif
    for (; i < n; i++) {
        double v = w[i] + c * j[i];
        t += v * 0.0;
        w[i] = v;
    }
    return t == 0.0;
}

/* J[o in + i] = d[o] h[i]: one product per entry.
 * No equation: the weight part of j in back-propagation (MATH.md §11). */
KATTR static void KFN(outer)(double *restrict J, const double *restrict d, size_t out,
                             const double *restrict h, size_t in)
{
    for (size_t o = 0; o < out; o++) {
        gn_v4d dv = {d[o], d[o], d[o], d[o]};
        double *row = J + o * in;
        size_t i = 0;
        for (; i + 4 <= in; i += 4) {
            gn_v4d hv = dv * kld4(h + i);
            memcpy(row + i, &hv, sizeof hv);
        }
        for (; i < in; i++)
            row[i] = d[o] * h[i];
    }
}

/* y[i] = sum over o = 0..out-1 (increasing, from 0.0) of W[o in + i] d[o]. Columns go in
 * tiles of 16 (then 4, then 1) whose sums stay in registers over all rows: each y[i] sees
 * the same additions in the same order as the column loop.
 * No equation: W^T delta of back-propagation (MATH.md §11). */
KATTR static void KFN(gemtv)(double *restrict y, const double *restrict W, size_t out,
                             size_t in, const double *restrict d)
{
    size_t i = 0;
#if KHALF /* without AVX the tiles would live in memory: rows into y, the column order kept */
    for (; i < in; i++)
        y[i] = 0.0;
    for (size_t o = 0; o < out; o++) {
        gn_v2d dv = {d[o], d[o]};
        const double *row = W + o * in;
        size_t q = 0;
        for (; q + 2 <= in; q += 2) {
            gn_v2d yv = kld2(y + q) + kld2(row + q) * dv;
            memcpy(y + q, &yv, sizeof yv);
        }
        for (; q < in; q++)
            y[q] += row[q] * d[o];
    }
    return;
#endif
    for (; i + 16 <= in; i += 16) {
        gn_v4d y0 = {0.0, 0.0, 0.0, 0.0}, y1 = y0, y2 = y0, y3 = y0;
        for (size_t o = 0; o < out; o++) {
            gn_v4d dv = {d[o], d[o], d[o], d[o]};
            const double *row = W + o * in + i;
            y0 += kld4(row) * dv;
            y1 += kld4(row + 4) * dv;
            y2 += kld4(row + 8) * dv;
            y3 += kld4(row + 12) * dv;
        }
        memcpy(y + i, &y0, sizeof y0);
        memcpy(y + i + 4, &y1, sizeof y1);
        memcpy(y + i + 8, &y2, sizeof y2);
        memcpy(y + i + 12, &y3, sizeof y3);
    }
    for (; i + 4 <= in; i += 4) {
        gn_v4d y0 = {0.0, 0.0, 0.0, 0.0};
        for (size_t o = 0; o < out; o++) {
            gn_v4d dv = {d[o], d[o], d[o], d[o]};
            y0 += kld4(W + o * in + i) * dv;
        }
        memcpy(y + i, &y0, sizeof y0);
    }
    for (; i < in; i++) {
        double t = 0.0;
        for (size_t o = 0; o < out; o++)
            t += W[o * in + i] * d[o];
        y[i] = t;
    }
}

/* a[o] = gn_dot(W + o in, h, in) + b[o] for o < out. Rows of one block (in <= 64) go four
 * at a time, each row in its own accumulator (four independent chains); longer rows one by
 * one through dot. No equation: the forward layer a = W h + b of MATH.md §11. */
KATTR static void KFN(gemv)(double *restrict a, const double *restrict W, size_t out,
                            size_t in, const double *restrict h, const double *restrict b)
{
    size_t o = 0;
    if (in <= GN_BLOCK) {
        size_t i4 = in & ~(size_t)3;
        for (; o + 4 <= out; o += 4) {
            const double *r0 = W + o * in, *r1 = r0 + in, *r2 = r1 + in, *r3 = r2 + in;
            gn_v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0;
            for (size_t i = 0; i < i4; i += 4) {
                gn_v4d hv = kld4(h + i);
                s0 += kld4(r0 + i) * hv;
                s1 += kld4(r1 + i) * hv;
                s2 += kld4(r2 + i) * hv;
                s3 += kld4(r3 + i) * hv;
            }
            a[o] = lanes_join(s0[0], s0[1], s0[2], s0[3], r0, h, i4, in) + b[o];
            a[o + 1] = lanes_join(s1[0], s1[1], s1[2], s1[3], r1, h, i4, in) + b[o + 1];
            a[o + 2] = lanes_join(s2[0], s2[1], s2[2], s2[3], r2, h, i4, in) + b[o + 2];
            a[o + 3] = lanes_join(s3[0], s3[1], s3[2], s3[3], r3, h, i4, in) + b[o + 3];
        }
    }
    for (; o < out; o++)
        a[o] = KFN(dot)(W + o * in, h, in) + b[o];
}

/* h_i = a_i > 0 ? a_i : +0.0 (ReLU as gn_act_eval: NaN and -0 give +0), by a mask.
 * No equation: the ReLU activation of MATH.md §11. */
KATTR static void KFN(relu)(double *restrict h, const double *restrict a, size_t n)
{
    const gn_v4d zero = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gn_v4d av = kld4(a + i);
        gn_v4di keep = av > zero;
        gn_v4d hv = (gn_v4d)((gn_v4di)av & keep);
        memcpy(h + i, &hv, sizeof hv);
    }
    for (; i < n; i++)
        h[i] = a[i] > 0.0 ? a[i] : 0.0;
}

/* d_i = d_i * (a_i > 0 ? 1.0 : 0.0): the product with ReLU's derivative, a real multiply
 * (so -0, inf and NaN in d behave as in the scalar product). No equation: MATH.md §11. */
KATTR static void KFN(relu_bwd)(double *restrict d, const double *restrict a, size_t n)
{
    const gn_v4d zero = {0.0, 0.0, 0.0, 0.0}, one = {1.0, 1.0, 1.0, 1.0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gn_v4di keep = kld4(a + i) > zero;
        gn_v4d dv = kld4(d + i) * (gn_v4d)((gn_v4di)one & keep);
        memcpy(d + i, &dv, sizeof dv);
    }
    for (; i < n; i++)
        d[i] = d[i] * (a[i] > 0.0 ? 1.0 : 0.0);
}

#undef KFN
#undef KCAT
#undef KCAT2
