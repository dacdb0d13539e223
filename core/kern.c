/* kern.c: the vector kernels under gn_dot, the fused w.x, |x|^2 pass, the finiteness check,
 * the update w += c j and the MLP's forward and backward passes, in several versions of
 * which one is chosen at run time (gn_internal_kern).
 *
 * The portable definition every version computes, bit for bit (u = 2^-53; the bound is
 * rank1.c's header comment):
 *   dot(a, b, n): blocks of 64 entries; in a block of m entries lane k (k = 0..3) adds the
 *     products a_i b_i for i = k (mod 4), i < m - m mod 4, in increasing i, starting from
 *     0.0; the tail (m mod 4 entries) goes into lane 0; the block sum is (s0 + s1) + (s2 +
 *     s3); block sums join pairwise, splitting n at the block boundary pair_split(n).
 *   dot2(a, b, n) = {dot(a, b, n), dot(b, b, n)}.
 *   axpy: w_i = fl(w_i + fl(c j_i)); outer: J = fl(d_o h_i); gemtv: y_i = (...((0 + W_0i
 *     d_0) + W_1i d_1) + ...), every product and sum rounded; gemv: a_o = fl(dot(W_o, h, in)
 *     + b_o).
 * Each product and sum is its own IEEE operation: the library is built with
 * -ffp-contract=off and no version calls fma(), because an FMA rounds once where the
 * definition rounds twice and the versions would then differ in the last bit. On the CPUs
 * measured (AMD Zen 3 and Zen 4) separate multiplies and adds issue on separate pipes, so a
 * pass with one multiply and one add per entry (dot, axpy) loses nothing to FMA; the fused
 * pass dot2, with two of each, does: in cache it takes about 1.25 times dot's time (n =
 * 1000, min of 60 CPU-time repetitions), most of the linear IGND step's excess over SGD's at
 * d = 1e3. The finiteness checks multiply by 0 (the multiply pipes are the less loaded).
 *
 * Versions (x86-64 with GCC or Clang; elsewhere only the baseline):
 *   base    no target attribute: SSE2 on x86-64 (4-lane vectors as two 2-lane halves)
 *   avx2    target avx2,fma: 4-lane vectors in one 256-bit register
 *   avx512  target avx512f,avx512vl (+avx2,fma): the avx2 code compiled for AVX-512 (EVEX
 *           encodings, 32 registers). Two blocks' lanes packed into one 512-bit register
 *           (the version until issue 16's third session) measured 25-30% slower for dot on
 *           Zen 4, which issues a 512-bit operation as two 256-bit halves: the packing
 *           shuffles were pure cost (min-of-60 CPU time, n = 256 and 1000).
 * Every version interleaves two or four blocks at the leaves of the pairwise sum
 * (independent addition chains: the single chain of one block was latency bound), except
 * from GN_KERN_FAR_MIN entries on, where blocks go one after another as one stream for the
 * hardware prefetcher (kern_impl.h, dot_far); the forward pass runs four rows at once; none
 * of this changes an operation or its order. */
#include "gn_internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if !defined(__GNUC__)
#error "core/kern.c needs GNU C vector extensions (gcc or clang)"
#endif

#define GN_BLOCK 64

typedef double gn_v2d __attribute__((vector_size(16)));
typedef double gn_v2du __attribute__((vector_size(16), aligned(8), may_alias));
typedef double gn_v4d __attribute__((vector_size(32)));
typedef long long gn_v4di __attribute__((vector_size(32)));
/* an unaligned, aliasing view for loads and stores (no alignment is assumed anywhere) */
typedef double gn_v4du __attribute__((vector_size(32), aligned(8), may_alias));

/* macros, not functions: a 32-byte vector passed by value between functions of different
 * targets would change the calling convention (-Wpsabi) */
#define kld4(p) (*(const gn_v4du *)(const void *)(p))
#define kld2(p) (*(const gn_v2du *)(const void *)(p))

/* the end of a block: the tail (entries i..m-1) into lane 0, then the join */
static inline double lanes_join(double s0, double s1, double s2, double s3, const double *a,
                                const double *b, size_t i, size_t m)
{
    for (; i < m; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* where pairwise summation splits n entries: a block boundary near the middle */
static inline size_t pair_split(size_t n)
{
    size_t nb = (n + GN_BLOCK - 1) / GN_BLOCK;
    return ((nb + 1) / 2) * GN_BLOCK;
}

#define KFAR_MIN GN_KERN_FAR_MIN
#define KNOINLINE_FAR __attribute__((noinline))

#define KSUF base
#define KATTR
#define KHALF 1
#define KNOINLINE __attribute__((noinline))
#include "kern_impl.h"
#undef KNOINLINE
#define KNOINLINE
#undef KSUF
#undef KATTR
#undef KHALF
#define KHALF 0

#if defined(__x86_64__) || defined(__i386__)
#define GN_KERN_X86 1
#define KSUF avx2
#define KATTR __attribute__((target("avx2,fma")))
#include "kern_impl.h"
#undef KSUF
#undef KATTR

#define KSUF avx512
#define KATTR __attribute__((target("avx2,fma,avx512f,avx512vl")))
#include "kern_impl.h"
#undef KSUF
#undef KATTR
#else
#define GN_KERN_X86 0
#endif

#define KERN_ROW(s)                                                                          \
    {                                                                                        \
        #s, dot_##s, dot2_##s, allfinite_##s, axpy_##s, outer_##s, gemtv_##s, gemv_##s,      \
            relu_##s, relu_bwd_##s                                                           \
    }

static const gn_kern kern_tab[] = {
    KERN_ROW(base),
#if GN_KERN_X86
    KERN_ROW(avx2),
    KERN_ROW(avx512),
#endif
};
#define NKERN (sizeof kern_tab / sizeof kern_tab[0])

const gn_kern *gn_internal_kern_list(size_t *n)
{
    *n = NKERN;
    return kern_tab;
}

int gn_internal_kern_supported(const gn_kern *k)
{
    if (!k)
        return 0;
    if (!strcmp(k->name, "base"))
        return 1;
#if GN_KERN_X86
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(k->name, "avx2"))
        return avx2;
    if (!strcmp(k->name, "avx512"))
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
    return 0;
}

static _Atomic(const gn_kern *) kern_active;

/* the last supported version of the table (they are listed slowest first) */
static const gn_kern *kern_best(void)
{
    const gn_kern *best = &kern_tab[0];
    for (size_t i = 1; i < NKERN; i++)
        if (gn_internal_kern_supported(&kern_tab[i]))
            best = &kern_tab[i];
    return best;
}

const gn_kern *gn_internal_kern(void)
{
    const gn_kern *k = atomic_load_explicit(&kern_active, memory_order_relaxed);
    if (!k) {
        k = kern_best();
        atomic_store_explicit(&kern_active, k, memory_order_relaxed);
    }
    return k;
}

int gn_internal_kern_use(const char *name)
{
    const gn_kern *k = NULL;
    if (!name) {
        k = kern_best();
    } else {
        for (size_t i = 0; i < NKERN; i++)
            if (!strcmp(kern_tab[i].name, name))
                k = &kern_tab[i];
    }
    if (!gn_internal_kern_supported(k))
        return 0;
    atomic_store_explicit(&kern_active, k, memory_order_relaxed);
    return 1;
}
