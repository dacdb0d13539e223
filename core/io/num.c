/* num.c: the one number tokenizer of core/io (gn_io.h). Every reader recognises a number
 * here and converts the same canonical text, to double by strtod or to MPFR by
 * mpfr_set_str, so the double and the MPFR routes read the same number. */
#include "gn_io.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* digits of base 10 or 16 from s[*i]; returns how many */
static size_t digits(const char *s, size_t len, size_t *i, int hex)
{
    size_t n = 0;
    while (*i < len && (hex ? isxdigit((unsigned char)s[*i]) : isdigit((unsigned char)s[*i]))) {
        (*i)++;
        n++;
    }
    return n;
}

/* the words strtod reads as non-finite values: inf, infinity, nan (any case) */
static const char *word(const char *s, size_t len)
{
    static const char *const w[] = {"inf", "infinity", "nan"};
    for (size_t k = 0; k < sizeof w / sizeof *w; k++)
        if (len == strlen(w[k]) && !strncasecmp(s, w[k], len))
            return w[k][0] == 'n' ? "nan" : "inf";
    return NULL;
}

gn_status gn_io_num_scan(gn_io_num *t, const char *s, size_t len, unsigned flags)
{
    size_t i = 0;
    int neg = 0;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    const char *w = word(s + i, len - i);
    if (w) {
        if (!(flags & GN_IO_NUM_WORDS))
            return GN_ENONFINITE;
        t->base = 10;
        t->word = 1;
        snprintf(t->text, sizeof t->text, "%s%s", neg && w[0] == 'i' ? "-" : "", w);
        return GN_OK;
    }
    if (len >= sizeof t->text)
        return GN_EINPUT;
    int hex = (flags & GN_IO_NUM_HEX) && len - i > 2 && s[i] == '0' &&
              (s[i + 1] == 'x' || s[i + 1] == 'X');
    if (hex)
        i += 2;
    size_t nd = digits(s, len, &i, hex);
    if (i < len && s[i] == '.') {
        i++;
        nd += digits(s, len, &i, hex);
    }
    if (nd == 0)
        return GN_EINPUT;
    size_t expo = len;
    if (i < len) {
        char c = s[i];
        int ok = hex ? (c == 'p' || c == 'P')
                     : (c == 'e' || c == 'E' ||
                        ((flags & GN_IO_NUM_DEXP) && (c == 'd' || c == 'D')));
        if (!ok)
            return GN_EINPUT;
        expo = i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (digits(s, len, &i, 0) == 0)
            return GN_EINPUT;
    }
    if (i != len)
        return GN_EINPUT;
    memcpy(t->text, s, len);
    t->text[len] = 0;
    if (expo < len && (s[expo] == 'd' || s[expo] == 'D'))
        t->text[expo] = 'e';
    t->base = hex ? 16 : 10;
    t->word = 0;
    return GN_OK;
}

gn_status gn_io_num_double(double *v, const gn_io_num *t)
{
    char *end;
    errno = 0;
    double x = strtod(t->text, &end);
    if (*end || end == t->text)
        return GN_EINPUT;
    /* ERANGE with a finite result is underflow: x is then the correctly rounded subnormal
     * or zero, which is the number as written rounded to double, so it is not an error */
    if (!t->word && !isfinite(x))
        return GN_ERANGE;
    *v = x;
    return GN_OK;
}

gn_status gn_io_num_mpfr(mpfr_ptr x, const gn_io_num *t, mpfr_rnd_t rnd)
{
    mpfr_t y;
    mpfr_init2(y, mpfr_get_prec(x));
    gn_status st = GN_OK;
    if (mpfr_set_str(y, t->text, t->base, rnd) != 0)
        st = GN_EINPUT;
    else if (!t->word && !mpfr_number_p(y))
        st = GN_ERANGE;
    else
        mpfr_set(x, y, rnd);
    mpfr_clear(y);
    return st;
}

/* 1 when the 8 bytes of v (little-endian load) are all ASCII digits */
static inline int eight_digits(uint64_t v)
{
    return ((v & 0xF0F0F0F0F0F0F0F0u) | (((v + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) ==
           0x3333333333333333u;
}

/* the value of 8 ASCII digits, the first in the lowest byte: pairs, then quads, then all */
static inline uint64_t eight_value(uint64_t v)
{
    v = ((v & 0x0F0F0F0F0F0F0F0Fu) * 2561u) >> 8;
    v = ((v & 0x00FF00FF00FF00FFu) * 6553601u) >> 16;
    return ((v & 0x0000FFFF0000FFFFu) * 42949672960001u) >> 32;
}

/* 10^q = P 2^E, P = hi 2^64 + lo in [2^127, 2^128), for q in [P10_QMIN, P10_QMAX]: exact for
 * q >= 0 (P = 5^q 2^z), truncated for q < 0 (P = floor(2^-E 10^q), so 0 <= 2^-E 10^q - P < 1).
 * Each entry is the definition evaluated in exact integer arithmetic; tests/test_io checks
 * every q by comparing conversions with strtod. */
#define P10_QMIN (-64)
#define P10_QMAX 55
static const struct {
    uint64_t hi, lo;
    int e;
} p10[P10_QMAX - P10_QMIN + 1] = {
    {0xa87fea27a539e9a5u, 0x3f2398d747b36224u, -340}, /* 1e-64 */
    {0xd29fe4b18e88640eu, 0x8eec7f0d19a03aadu, -337}, /* 1e-63 */
    {0x83a3eeeef9153e89u, 0x1953cf68300424acu, -333}, /* 1e-62 */
    {0xa48ceaaab75a8e2bu, 0x5fa8c3423c052dd7u, -330}, /* 1e-61 */
    {0xcdb02555653131b6u, 0x3792f412cb06794du, -327}, /* 1e-60 */
    {0x808e17555f3ebf11u, 0xe2bbd88bbee40bd0u, -323}, /* 1e-59 */
    {0xa0b19d2ab70e6ed6u, 0x5b6aceaeae9d0ec4u, -320}, /* 1e-58 */
    {0xc8de047564d20a8bu, 0xf245825a5a445275u, -317}, /* 1e-57 */
    {0xfb158592be068d2eu, 0xeed6e2f0f0d56712u, -314}, /* 1e-56 */
    {0x9ced737bb6c4183du, 0x55464dd69685606bu, -310}, /* 1e-55 */
    {0xc428d05aa4751e4cu, 0xaa97e14c3c26b886u, -307}, /* 1e-54 */
    {0xf53304714d9265dfu, 0xd53dd99f4b3066a8u, -304}, /* 1e-53 */
    {0x993fe2c6d07b7fabu, 0xe546a8038efe4029u, -300}, /* 1e-52 */
    {0xbf8fdb78849a5f96u, 0xde98520472bdd033u, -297}, /* 1e-51 */
    {0xef73d256a5c0f77cu, 0x963e66858f6d4440u, -294}, /* 1e-50 */
    {0x95a8637627989aadu, 0xdde7001379a44aa8u, -290}, /* 1e-49 */
    {0xbb127c53b17ec159u, 0x5560c018580d5d52u, -287}, /* 1e-48 */
    {0xe9d71b689dde71afu, 0xaab8f01e6e10b4a6u, -284}, /* 1e-47 */
    {0x9226712162ab070du, 0xcab3961304ca70e8u, -280}, /* 1e-46 */
    {0xb6b00d69bb55c8d1u, 0x3d607b97c5fd0d22u, -277}, /* 1e-45 */
    {0xe45c10c42a2b3b05u, 0x8cb89a7db77c506au, -274}, /* 1e-44 */
    {0x8eb98a7a9a5b04e3u, 0x77f3608e92adb242u, -270}, /* 1e-43 */
    {0xb267ed1940f1c61cu, 0x55f038b237591ed3u, -267}, /* 1e-42 */
    {0xdf01e85f912e37a3u, 0x6b6c46dec52f6688u, -264}, /* 1e-41 */
    {0x8b61313bbabce2c6u, 0x2323ac4b3b3da015u, -260}, /* 1e-40 */
    {0xae397d8aa96c1b77u, 0xabec975e0a0d081au, -257}, /* 1e-39 */
    {0xd9c7dced53c72255u, 0x96e7bd358c904a21u, -254}, /* 1e-38 */
    {0x881cea14545c7575u, 0x7e50d64177da2e54u, -250}, /* 1e-37 */
    {0xaa242499697392d2u, 0xdde50bd1d5d0b9e9u, -247}, /* 1e-36 */
    {0xd4ad2dbfc3d07787u, 0x955e4ec64b44e864u, -244}, /* 1e-35 */
    {0x84ec3c97da624ab4u, 0xbd5af13bef0b113eu, -240}, /* 1e-34 */
    {0xa6274bbdd0fadd61u, 0xecb1ad8aeacdd58eu, -237}, /* 1e-33 */
    {0xcfb11ead453994bau, 0x67de18eda5814af2u, -234}, /* 1e-32 */
    {0x81ceb32c4b43fcf4u, 0x80eacf948770ced7u, -230}, /* 1e-31 */
    {0xa2425ff75e14fc31u, 0xa1258379a94d028du, -227}, /* 1e-30 */
    {0xcad2f7f5359a3b3eu, 0x096ee45813a04330u, -224}, /* 1e-29 */
    {0xfd87b5f28300ca0du, 0x8bca9d6e188853fcu, -221}, /* 1e-28 */
    {0x9e74d1b791e07e48u, 0x775ea264cf55347du, -217}, /* 1e-27 */
    {0xc612062576589ddau, 0x95364afe032a819du, -214}, /* 1e-26 */
    {0xf79687aed3eec551u, 0x3a83ddbd83f52204u, -211}, /* 1e-25 */
    {0x9abe14cd44753b52u, 0xc4926a9672793542u, -207}, /* 1e-24 */
    {0xc16d9a0095928a27u, 0x75b7053c0f178293u, -204}, /* 1e-23 */
    {0xf1c90080baf72cb1u, 0x5324c68b12dd6338u, -201}, /* 1e-22 */
    {0x971da05074da7beeu, 0xd3f6fc16ebca5e03u, -197}, /* 1e-21 */
    {0xbce5086492111aeau, 0x88f4bb1ca6bcf584u, -194}, /* 1e-20 */
    {0xec1e4a7db69561a5u, 0x2b31e9e3d06c32e5u, -191}, /* 1e-19 */
    {0x9392ee8e921d5d07u, 0x3aff322e62439fcfu, -187}, /* 1e-18 */
    {0xb877aa3236a4b449u, 0x09befeb9fad487c2u, -184}, /* 1e-17 */
    {0xe69594bec44de15bu, 0x4c2ebe687989a9b3u, -181}, /* 1e-16 */
    {0x901d7cf73ab0acd9u, 0x0f9d37014bf60a10u, -177}, /* 1e-15 */
    {0xb424dc35095cd80fu, 0x538484c19ef38c94u, -174}, /* 1e-14 */
    {0xe12e13424bb40e13u, 0x2865a5f206b06fb9u, -171}, /* 1e-13 */
    {0x8cbccc096f5088cbu, 0xf93f87b7442e45d3u, -167}, /* 1e-12 */
    {0xafebff0bcb24aafeu, 0xf78f69a51539d748u, -164}, /* 1e-11 */
    {0xdbe6fecebdedd5beu, 0xb573440e5a884d1bu, -161}, /* 1e-10 */
    {0x89705f4136b4a597u, 0x31680a88f8953030u, -157}, /* 1e-9 */
    {0xabcc77118461cefcu, 0xfdc20d2b36ba7c3du, -154}, /* 1e-8 */
    {0xd6bf94d5e57a42bcu, 0x3d32907604691b4cu, -151}, /* 1e-7 */
    {0x8637bd05af6c69b5u, 0xa63f9a49c2c1b10fu, -147}, /* 1e-6 */
    {0xa7c5ac471b478423u, 0x0fcf80dc33721d53u, -144}, /* 1e-5 */
    {0xd1b71758e219652bu, 0xd3c36113404ea4a8u, -141}, /* 1e-4 */
    {0x83126e978d4fdf3bu, 0x645a1cac083126e9u, -137}, /* 1e-3 */
    {0xa3d70a3d70a3d70au, 0x3d70a3d70a3d70a3u, -134}, /* 1e-2 */
    {0xccccccccccccccccu, 0xccccccccccccccccu, -131}, /* 1e-1 */
    {0x8000000000000000u, 0x0000000000000000u, -127}, /* 1e0 */
    {0xa000000000000000u, 0x0000000000000000u, -124}, /* 1e1 */
    {0xc800000000000000u, 0x0000000000000000u, -121}, /* 1e2 */
    {0xfa00000000000000u, 0x0000000000000000u, -118}, /* 1e3 */
    {0x9c40000000000000u, 0x0000000000000000u, -114}, /* 1e4 */
    {0xc350000000000000u, 0x0000000000000000u, -111}, /* 1e5 */
    {0xf424000000000000u, 0x0000000000000000u, -108}, /* 1e6 */
    {0x9896800000000000u, 0x0000000000000000u, -104}, /* 1e7 */
    {0xbebc200000000000u, 0x0000000000000000u, -101}, /* 1e8 */
    {0xee6b280000000000u, 0x0000000000000000u, -98}, /* 1e9 */
    {0x9502f90000000000u, 0x0000000000000000u, -94}, /* 1e10 */
    {0xba43b74000000000u, 0x0000000000000000u, -91}, /* 1e11 */
    {0xe8d4a51000000000u, 0x0000000000000000u, -88}, /* 1e12 */
    {0x9184e72a00000000u, 0x0000000000000000u, -84}, /* 1e13 */
    {0xb5e620f480000000u, 0x0000000000000000u, -81}, /* 1e14 */
    {0xe35fa931a0000000u, 0x0000000000000000u, -78}, /* 1e15 */
    {0x8e1bc9bf04000000u, 0x0000000000000000u, -74}, /* 1e16 */
    {0xb1a2bc2ec5000000u, 0x0000000000000000u, -71}, /* 1e17 */
    {0xde0b6b3a76400000u, 0x0000000000000000u, -68}, /* 1e18 */
    {0x8ac7230489e80000u, 0x0000000000000000u, -64}, /* 1e19 */
    {0xad78ebc5ac620000u, 0x0000000000000000u, -61}, /* 1e20 */
    {0xd8d726b7177a8000u, 0x0000000000000000u, -58}, /* 1e21 */
    {0x878678326eac9000u, 0x0000000000000000u, -54}, /* 1e22 */
    {0xa968163f0a57b400u, 0x0000000000000000u, -51}, /* 1e23 */
    {0xd3c21bcecceda100u, 0x0000000000000000u, -48}, /* 1e24 */
    {0x84595161401484a0u, 0x0000000000000000u, -44}, /* 1e25 */
    {0xa56fa5b99019a5c8u, 0x0000000000000000u, -41}, /* 1e26 */
    {0xcecb8f27f4200f3au, 0x0000000000000000u, -38}, /* 1e27 */
    {0x813f3978f8940984u, 0x4000000000000000u, -34}, /* 1e28 */
    {0xa18f07d736b90be5u, 0x5000000000000000u, -31}, /* 1e29 */
    {0xc9f2c9cd04674edeu, 0xa400000000000000u, -28}, /* 1e30 */
    {0xfc6f7c4045812296u, 0x4d00000000000000u, -25}, /* 1e31 */
    {0x9dc5ada82b70b59du, 0xf020000000000000u, -21}, /* 1e32 */
    {0xc5371912364ce305u, 0x6c28000000000000u, -18}, /* 1e33 */
    {0xf684df56c3e01bc6u, 0xc732000000000000u, -15}, /* 1e34 */
    {0x9a130b963a6c115cu, 0x3c7f400000000000u, -11}, /* 1e35 */
    {0xc097ce7bc90715b3u, 0x4b9f100000000000u, -8}, /* 1e36 */
    {0xf0bdc21abb48db20u, 0x1e86d40000000000u, -5}, /* 1e37 */
    {0x96769950b50d88f4u, 0x1314448000000000u, -1}, /* 1e38 */
    {0xbc143fa4e250eb31u, 0x17d955a000000000u, 2}, /* 1e39 */
    {0xeb194f8e1ae525fdu, 0x5dcfab0800000000u, 5}, /* 1e40 */
    {0x92efd1b8d0cf37beu, 0x5aa1cae500000000u, 9}, /* 1e41 */
    {0xb7abc627050305adu, 0xf14a3d9e40000000u, 12}, /* 1e42 */
    {0xe596b7b0c643c719u, 0x6d9ccd05d0000000u, 15}, /* 1e43 */
    {0x8f7e32ce7bea5c6fu, 0xe4820023a2000000u, 19}, /* 1e44 */
    {0xb35dbf821ae4f38bu, 0xdda2802c8a800000u, 22}, /* 1e45 */
    {0xe0352f62a19e306eu, 0xd50b2037ad200000u, 25}, /* 1e46 */
    {0x8c213d9da502de45u, 0x4526f422cc340000u, 29}, /* 1e47 */
    {0xaf298d050e4395d6u, 0x9670b12b7f410000u, 32}, /* 1e48 */
    {0xdaf3f04651d47b4cu, 0x3c0cdd765f114000u, 35}, /* 1e49 */
    {0x88d8762bf324cd0fu, 0xa5880a69fb6ac800u, 39}, /* 1e50 */
    {0xab0e93b6efee0053u, 0x8eea0d047a457a00u, 42}, /* 1e51 */
    {0xd5d238a4abe98068u, 0x72a4904598d6d880u, 45}, /* 1e52 */
    {0x85a36366eb71f041u, 0x47a6da2b7f864750u, 49}, /* 1e53 */
    {0xa70c3c40a64e6c51u, 0x999090b65f67d924u, 52}, /* 1e54 */
    {0xd0cf4b50cfe20765u, 0xfff4b4e3f741cf6du, 55}, /* 1e55 */
};

/* a b = *hi 2^64 + *lo exactly */
static inline void mul64(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    u128 p = (u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    *lo = (mid << 32) | (ll & 0xFFFFFFFFu);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* leading zero bits of x != 0 */
static inline int clz64(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    for (; !(x >> 63); x <<= 1)
        n++;
    return n;
#endif
}

/* The double nearest M 10^q (M != 0, q in the table's range), or -1 when undecided.
 * With m = M 2^lz in [2^63, 2^64), Q = m P (192 bits, exact) and T = m 2^-E 10^q the exact
 * value scaled by 2^(lz - E): T = Q for q >= 0 and Q <= T < Q + m < Q + 2^64 for q < 0.
 * Round to nearest is constant between consecutive midpoints of doubles, so when no midpoint
 * lies in [Q, Q + 2^64], T rounds as Q does, and Q's rounding is read off its bits (an exact
 * tie is such a midpoint, so ties never reach the rounding). Q >= 2^190: the 53 bits of the
 * result and the bit below them are in Q's top word q2. */
static int to_double(double *out, uint64_t M, int q)
{
    int lz = clz64(M);
    uint64_t m = M << lz, ah, al, bh, bl;
    const int k = q - P10_QMIN;
    mul64(&bh, &bl, m, p10[k].hi);
    mul64(&ah, &al, m, p10[k].lo);
    uint64_t q1 = bl + ah;
    uint64_t q2 = bh + (q1 < bl); /* Q = q2 2^128 + q1 2^64 + al */
    int sh = 11 - clz64(q2);      /* the bits of q2 below the result's 53: 10 or 11 */
    uint64_t r2 = q2 & ((UINT64_C(1) << sh) - 1), half = UINT64_C(1) << (sh - 1);
    /* a midpoint in [Q, Q + 2^64]: rem = r2 2^128 + q1 2^64 + al in [half 2^128 - 2^64,
     * half 2^128] (tested a little wider: al is not looked at) */
    if ((r2 == half && q1 == 0) || (r2 == half - 1 && q1 == UINT64_MAX))
        return -1;
    uint64_t mant = (q2 >> sh) + (r2 >= half);
    int e2 = sh + 128 + p10[k].e - lz; /* value = mant 2^e2 */
    if (mant >> 53) {
        mant >>= 1;
        e2++;
    }
    int be = e2 + 52 + 1023; /* the biased exponent of a normal double */
    if (be < 1 || be > 2046)
        return -1;
    uint64_t bits = (uint64_t)be << 52 | (mant & ((UINT64_C(1) << 52) - 1));
    memcpy(out, &bits, sizeof bits);
    return 0;
}

/* the fast grammar's longest prefix of s[0 .. end - s) converted: where it stops, or NULL
 * when declined (no digits, more than 19 significant digits, 'e' without digits, a power
 * of ten outside the table, an undecided rounding) */
static inline const char *fast_scan(double *out, const char *s, const char *end)
{
    const char *p = s;
    int neg = 0, e10 = 0, digit = 0, point = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t M = 0; /* < 10^19 < 2^64: at most 19 significant digits */
    for (;;) {
        uint64_t v;
        if (end - p >= 8 && (memcpy(&v, p, 8), eight_digits(v))) {
            if (M >= 100000000000u) /* M 10^8 + 99999999 would pass 10^19 */
                return NULL;
            M = M * 100000000u + eight_value(v);
            e10 -= 8 * point;
            p += 8;
            digit = 1;
        } else if (p < end && *p >= '0' && *p <= '9') {
            if (M >= 1000000000000000000u)
                return NULL;
            M = 10 * M + (uint64_t)(*p++ - '0');
            e10 -= point;
            digit = 1;
        } else if (p < end && *p == '.' && !point) {
            point = 1;
            p++;
        } else {
            break;
        }
    }
    if (!digit)
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ev = 0, ed = 0;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        for (; p < end && *p >= '0' && *p <= '9'; p++, ed++)
            if (ev < 100000)
                ev = 10 * ev + (*p - '0');
        if (!ed)
            return NULL;
        e10 += eneg ? -ev : ev;
    }
    if (M == 0) {
        *out = neg ? -0.0 : 0.0;
        return p;
    }
    double d;
    if (e10 < P10_QMIN || e10 > P10_QMAX || to_double(&d, M, e10))
        return NULL;
    *out = neg ? -d : d;
    return p;
}

int gn_io_num_fast(double *out, const char *s, size_t len)
{
    double x;
    if (fast_scan(&x, s, s + len) != s + len)
        return -1;
    *out = x;
    return 0;
}

size_t gn_io_num_fast_prefix(double *out, const char *s, size_t len)
{
    double x;
    const char *p = fast_scan(&x, s, s + len);
    if (!p)
        return 0;
    *out = x;
    return (size_t)(p - s);
}

gn_status gn_io_num_read(double *v, const char *s, size_t len, unsigned flags)
{
    if (len < GN_IO_NUM_MAX && gn_io_num_fast(v, s, len) == 0)
        return GN_OK; /* a token of the grammar, converted to strtod's double */
    gn_io_num t;
    gn_status st = gn_io_num_scan(&t, s, len, flags);
    return st != GN_OK ? st : gn_io_num_double(v, &t);
}

int gn_io_sigdigits(const char *s)
{
    int n = 0, started = 0;
    for (; *s && *s != 'e' && *s != 'E' && *s != 'd' && *s != 'D'; s++) {
        if (!isdigit((unsigned char)*s))
            continue;
        if (*s != '0')
            started = 1;
        if (started)
            n++;
    }
    return n;
}

void gn_io_errf(char *err, size_t len, const char *fmt, ...)
{
    if (!err || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

FILE *gn_io_open_input(const char *path, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        gn_io_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        gn_io_errf(err, errlen, "%s: is a directory: give %s", path, what);
        return NULL;
    }
    return f;
}
