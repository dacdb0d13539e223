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

int gn_io_num_fast(double *out, const char *s, size_t len)
{
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__))
    static const long double p10[28] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    const char *p = s, *end = s + len;
    int neg = 0, e10 = 0, digit = 0, point = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t M = 0; /* < 10^19 < 2^64: at most 19 significant digits */
    for (;;) {
        uint64_t v;
        if (end - p >= 8 && (memcpy(&v, p, 8), eight_digits(v))) {
            if (M >= 100000000000u) /* M 10^8 + 99999999 would pass 10^19 */
                return -1;
            M = M * 100000000u + eight_value(v);
            e10 -= 8 * point;
            p += 8;
            digit = 1;
        } else if (p < end && *p >= '0' && *p <= '9') {
            if (M >= 1000000000000000000u)
                return -1;
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
        return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ev = 0, ed = 0;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        for (; p < end && *p >= '0' && *p <= '9'; p++, ed++)
            if (ev < 100000)
                ev = 10 * ev + (*p - '0');
        if (!ed)
            return -1;
        e10 += eneg ? -ev : ev;
    }
    if (p != end)
        return -1;
    if (M == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (e10 < -27 || e10 > 27)
        return -1;
    long double r = (long double)M;
    r = e10 < 0 ? r / p10[-e10] : r * p10[e10];
    if (!(r >= 0x1p-1000L && r <= 0x1p1000L))
        return -1;
    uint64_t bits;
    memcpy(&bits, &r, sizeof bits); /* x87's format stores its 64-bit significand first */
    unsigned low = (unsigned)(bits & 0x7FF);
    if (low >= 0x3FF && low <= 0x401)
        return -1;
    double d = (double)r;
    *out = neg ? -d : d;
    return 0;
#else
    (void)out;
    (void)s;
    (void)len;
    return -1;
#endif
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
