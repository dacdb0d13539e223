/* test_readme.c: the README's core example is real. The first ```c block of README.md is
 * compiled with nothing but -Icore and the library (as a user would: gn.h must not need
 * any other folder), run, and its output compared with the output the README shows.
 * Negative control: the same extraction from a README whose example calls an undeclared
 * function must fail to compile. */
#include "gn_test.h"

#include <string.h>
#include <sys/wait.h>

/* the text between the first line "```c" and the next "```", and the first line after the
 * following "```sh" block's "# " comment (the shown output) */
static int extract(const char *readme, char *code, size_t cap, char *shown, size_t scap)
{
    FILE *f = fopen(readme, "r");
    if (!f)
        return -1;
    char line[1024];
    int state = 0;
    size_t len = 0;
    shown[0] = 0;
    while (fgets(line, sizeof line, f)) {
        if (state == 0 && !strcmp(line, "```c\n")) {
            state = 1;
        } else if (state == 1) {
            if (!strcmp(line, "```\n")) {
                state = 2;
                continue;
            }
            size_t l = strlen(line);
            if (len + l + 1 > cap)
                break;
            memcpy(code + len, line, l);
            len += l;
        } else if (state == 2 && !strncmp(line, "# ", 2)) {
            size_t l = strlen(line + 2);
            if (l >= scap)
                l = scap - 1;
            memcpy(shown, line + 2, l);
            shown[l] = 0;
            break;
        }
    }
    fclose(f);
    code[len] = 0;
    return state >= 2 && len > 0 && shown[0] ? 0 : -1;
}

static int compile_and_run(const char *code, char *out, size_t cap)
{
    const char *bin = getenv("GN_BIN");
    char lib[512];
    snprintf(lib, sizeof lib, "%s", bin ? bin : "build/gnlab");
    char *slash = strrchr(lib, '/');
    if (slash)
        strcpy(slash + 1, "libgnlab.a");
    const char *extra = getenv("GN_EXTRA");
    char dir[] = "/tmp/gn_readme_XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char src[600], exe[600], cmd[2048];
    snprintf(src, sizeof src, "%s/example.c", dir);
    snprintf(exe, sizeof exe, "%s/example", dir);
    FILE *f = fopen(src, "w");
    fputs(code, f);
    fclose(f);
    int need = snprintf(cmd, sizeof cmd,
             "cc -std=c17 -Wall -Wextra -Wpedantic -Werror %s -Icore %s %s -lm -o %s 2>/dev/null"
             " && %s > %s/out.txt",
             extra ? extra : "", src, lib, exe, exe, dir);
    if (need < 0 || (size_t)need >= sizeof cmd)
        return -1;
    int s = system(cmd);
    int rc = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
    out[0] = 0;
    if (rc == 0) {
        char p[600];
        if (snprintf(p, sizeof p, "%s/out.txt", dir) >= (int)sizeof p)
            return -1;
        FILE *o = fopen(p, "r");
        if (o) {
            if (!fgets(out, (int)cap, o))
                out[0] = 0;
            fclose(o);
        }
    }
    if (snprintf(cmd, sizeof cmd, "rm -rf %s", dir) >= (int)sizeof cmd || system(cmd) != 0)
        return -1;
    return rc;
}

static void test_readme_example(void **state)
{
    (void)state;
    static char code[16384];
    char shown[256], got[256];
    assert_int_equal(extract("README.md", code, sizeof code, shown, sizeof shown), 0);
    int rc = compile_and_run(code, got, sizeof got);
    if (rc != 0)
        fail_msg("the README example does not compile with -Icore alone or exits %d", rc);
    if (strcmp(got, shown))
        fail_msg("README shows '%s' but the example prints '%s'", shown, got);
    /* negative control: an example calling an undeclared function must not compile */
    char *p = strstr(code, "gn_linear_eval(");
    assert_non_null(p);
    memcpy(p, "gn_linear_evil(", 15);
    assert_true(compile_and_run(code, got, sizeof got) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_readme_example)};
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
