/* gn_test.h: shared by the TAP test programs (cmocka with TAP output, run by prove).
 * GN_SEED overrides the default seed; GN_TEST_SCALE multiplies iteration counts. Every
 * failure message prints the seed and its inputs with %a. */
#ifndef GN_TEST_H
#define GN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>

#include <cmocka.h>

/* cmocka 1.1.5 (Debian 12) prints a skipped test as "not ok N # SKIP", which prove counts
 * as a failure (TAP wants "ok N # SKIP"). Tests here skip only when an optional client
 * (PyTorch, TensorFlow.js, ...) is absent: print the reason as a TAP comment and end the
 * test, which cmocka then reports as "ok". skip() may only be used in a test function. */
#undef skip
#define skip()                                                                                \
    do {                                                                                      \
        printf("# SKIP %s:%d: optional part not run\n", __FILE__, __LINE__);                  \
        return;                                                                               \
    } while (0)

static inline uint64_t gn_test_seed(void)
{
    const char *s = getenv("GN_SEED");
    return (s && *s) ? strtoull(s, NULL, 0) : 20261122u;
}

/* iterations: n times GN_TEST_SCALE (default 1), at least 1 */
static inline size_t gn_test_iters(size_t n)
{
    const char *s = getenv("GN_TEST_SCALE");
    double k = (s && *s) ? strtod(s, NULL) : 1.0;
    if (!(k > 0.0))
        k = 1.0;
    double v = (double)n * k;
    return v < 1.0 ? 1 : (size_t)v;
}

/* run a shell command line; its standard output (up to cap - 1 bytes, NUL-terminated) goes
 * to out when out != NULL; returns its exit status, or -1 if it did not exit normally */
static inline int gn_test_capture(const char *cmdline, char *out, size_t cap)
{
    FILE *p = popen(cmdline, "r");
    if (!p)
        fail_msg("popen failed for: %s", cmdline);
    size_t k = 0, got;
    char buf[4096];
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        if (out && k + got < cap) {
            memcpy(out + k, buf, got);
            k += got;
        }
    if (out)
        out[k] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* run the group with TAP output */
#define GN_TEST_MAIN(tests)                                                                   \
    int main(void)                                                                            \
    {                                                                                         \
        cmocka_set_message_output(CM_OUTPUT_TAP);                                             \
        return cmocka_run_group_tests(tests, NULL, NULL);                                     \
    }


/* gn_test_read: the whole file at path (any stream: read to its end), NUL-terminated; NULL if
 * it cannot be opened or memory runs out. gn_test_slurp: the same, failing the test instead of
 * returning NULL. */
static inline char *gn_test_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *s = malloc(cap + 1);
    while (s && (k = fread(s + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *t = realloc(s, 2 * cap + 1);
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s)
        s[n] = 0;
    return s;
}

static inline char *gn_test_slurp(const char *path)
{
    char *s = gn_test_read(path);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

/* gn_test_spit: write s to path (the test fails if it cannot) */
static inline void gn_test_spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(s, f);
    if (fclose(f) != 0)
        fail_msg("write error on %s", path);
}

/* gn_test_replace: a new string, s with the first occurrence of a replaced by b (a must occur) */
static inline char *gn_test_replace(const char *s, const char *a, const char *b)
{
    const char *at = strstr(s, a);
    if (!at)
        fail_msg("'%s' not found", a);
    size_t la = strlen(a), lb = strlen(b), l = strlen(s);
    char *r = malloc(l - la + lb + 1);
    assert_non_null(r);
    memcpy(r, s, (size_t)(at - s));
    memcpy(r + (at - s), b, lb);
    strcpy(r + (at - s) + lb, at + la);
    return r;
}

/* gn_test_list: the paths "dir/name" of the files in dir whose name ends in suffix ("" for
 * every file; names starting with '.' are skipped), sorted, into *out; their count. The test
 * fails if dir cannot be opened. Free with gn_test_list_free. */
static inline int gn_test_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline size_t gn_test_list(const char *dir, const char *suffix, char ***out)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    struct dirent *de;
    char **f = NULL;
    size_t n = 0, ls = strlen(suffix);
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < ls || strcmp(de->d_name + l - ls, suffix))
            continue;
        f = realloc(f, (n + 1) * sizeof *f);
        assert_non_null(f);
        f[n] = malloc(strlen(dir) + l + 2);
        assert_non_null(f[n]);
        sprintf(f[n], "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(f, n, sizeof *f, gn_test_strcmp);
    *out = f;
    return n;
}

static inline void gn_test_list_free(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

#endif
