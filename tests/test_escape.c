/* test_escape.c: user text in a gnuplot script or a Graphviz file stays one literal (issue 13
 * finding 13). gn_io_gnuplot_str and gn_io_dot_str are fed hostile strings (quotes,
 * backslashes, newlines, gnuplot's system("touch X"), backticks, a trailing backslash); the
 * real gnuplot and dot (when installed) are run on the result through gn_io_run, and the
 * marker file the hostile text asks for must NOT exist afterwards, while the text shows up
 * in the SVG as the title or label. Then the program itself: `gnlab fit --plot` with a NIST
 * dataset name, a --plot path and a CSV file name that carry the same payloads. Negative
 * control: the same payload written unescaped does create the marker, so the check can see
 * an injection. */
#include "gn_test.h"

#include "gn_io.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *bin(void)
{
    const char *b = getenv("GN_BIN");
    return (b && *b) ? b : "build/gnlab";
}

static char *tmpdir(void)
{
    char *t = malloc(64);
    snprintf(t, 64, "/tmp/gnlab-esctest-XXXXXX");
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

static void rmrf(const char *d)
{
    const char *argv[] = {"rm", "-rf", d, NULL};
    if (gn_io_run(NULL, argv, NULL) != 0)
        fprintf(stderr, "# could not remove %s\n", d);
}

/* argv run in dir with its standard output in dir/log (kept for a failing test to show) */
static int run_logged(const char *dir, const char *const argv[], const char *log)
{
    char out[600];
    snprintf(out, sizeof out, "%s/%s", dir, log);
    return gn_io_run(dir, argv, out);
}

/* ends the test (as "ok", with a TAP comment) when the program is not installed */
#define NEED(prog)                                                                           \
    do {                                                                                     \
        if (!gn_io_have(prog)) {                                                             \
            printf("# skip: %s not installed\n", prog);                                      \
            return;                                                                          \
        }                                                                                    \
    } while (0)

static int exists_in(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

/* an SVG's text with the XML entities &quot; &apos; &amp; &lt; &gt; and &#NN; decoded */
static void xml_decode(char *s)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&quot;", '"'}, {"&apos;", '\''}, {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
    char *w = s;
    for (const char *r = s; *r;) {
        int done = 0;
        for (size_t i = 0; i < sizeof ents / sizeof *ents && !done; i++)
            if (!strncmp(r, ents[i].ent, strlen(ents[i].ent))) {
                *w++ = ents[i].c;
                r += strlen(ents[i].ent);
                done = 1;
            }
        if (!done && r[0] == '&' && r[1] == '#') {
            char *e;
            long v = strtol(r + 2, &e, 10);
            if (*e == ';' && v > 0 && v < 128) {
                *w++ = (char)v;
                r = e + 1;
                done = 1;
            }
        }
        if (!done)
            *w++ = *r++;
    }
    *w = '\0';
}

/* the hostile strings; MARK is replaced by the marker's file name. Each asks gnuplot (or a
 * shell) to create the marker in whatever way could escape a literal. */
static const char *const hostile[] = {
    "a' . system('touch MARK') . 'b",
    "x\"; system(\"touch MARK\"); \"",
    "`touch MARK`",
    "ends in a backslash \\",
    "\\' . system('touch MARK') . '\\",
    "line one\nsystem('touch MARK')\nline three",
    "x'\nsystem(\"touch MARK\")\n'",
    "$(touch MARK) and @MARK and \\n and \\\" and ''",
    "''' . system('touch MARK') . '''",
};
enum { NHOSTILE = sizeof hostile / sizeof *hostile };

static void with_marker(char *out, size_t cap, const char *s, const char *mark)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        if (!strncmp(s, "MARK", 4)) {
            n += (size_t)snprintf(out + n, cap - n, "%s", mark);
            s += 3;
        } else {
            out[n++] = *s;
        }
        if (n >= cap)
            n = cap - 1;
    }
    out[n] = '\0';
}

/* the literal of s written by fn, as a string (malloc'ed) */
static char *literal(void (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* a gnuplot literal as gn_io_gnuplot_str writes it: single-quoted runs without a quote
 * inside, and "'" for each quote, joined by '.'; no doubled quote anywhere (gnuplot 5.4
 * mis-reads some). Returns the string it denotes (malloc'ed), or NULL when malformed. */
static char *gnuplot_value(const char *g)
{
    char *v = malloc(strlen(g) + 1), *w = v;
    for (int first = 1;; first = 0) {
        if (!first) {
            if (*g == '\0')
                break;
            if (*g++ != '.')
                goto bad;
        }
        if (!strncmp(g, "\"'\"", 3)) {
            *w++ = '\'';
            g += 3;
        } else if (*g == '\'') {
            const char *e = strchr(g + 1, '\'');
            if (!e || (e == g + 1 && !(first && e[1] == '\0')))
                goto bad; /* '' only as the whole of an empty string */
            memcpy(w, g + 1, (size_t)(e - g - 1));
            w += e - g - 1;
            g = e + 1;
        } else {
            goto bad;
        }
    }
    *w = '\0';
    return v;
bad:
    free(v);
    return NULL;
}

/* the text as the SVG should show it: control characters become spaces */
static void shown(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        out[n++] = (unsigned char)*s < 0x20 ? ' ' : *s;
    out[n] = '\0';
}

/* the literals themselves: they denote the text (control characters made spaces), no control
 * character survives, and for dot the quotes balance (every inner one escaped) */
static void test_literal_shape(void **state)
{
    (void)state;
    const char *extra[] = {"", "'", "''", "'''a'", "x''''y", "a'", "\\'"};
    for (int i = 0; i < NHOSTILE + (int)(sizeof extra / sizeof *extra); i++) {
        const char *s = i < NHOSTILE ? hostile[i] : extra[i - NHOSTILE];
        char want[512];
        shown(want, sizeof want, s);
        char *g = literal(gn_io_gnuplot_str, s);
        for (const char *c = g; *c; c++)
            assert_true((unsigned char)*c >= 0x20);
        char *v = gnuplot_value(g);
        if (!v || strcmp(v, want))
            fail_msg("gnuplot literal of '%s' is %s, denoting '%s'", s, g, v ? v : "(malformed)");
        free(v);
        free(g);
        char *d = literal(gn_io_dot_str, s);
        size_t n = strlen(d);
        assert_true(n >= 2 && d[0] == '"' && d[n - 1] == '"');
        for (size_t k = 1; k + 1 < n; k++) {
            assert_true((unsigned char)d[k] >= 0x20);
            if (d[k] == '\\') { /* an escape: a backslash or a quote follows */
                assert_true(k + 2 < n && (d[k + 1] == '\\' || d[k + 1] == '"'));
                k++;
            } else {
                assert_true(d[k] != '"');
            }
        }
        free(d);
    }
}

/* gnuplot on a script whose title and a label are the hostile text; returns its status and
 * leaves DIR/out.svg. raw: paste the text between single quotes unescaped (the control). */
static int gnuplot_with(const char *dir, const char *text, int raw)
{
    char path[600];
    snprintf(path, sizeof path, "%s/t.gp", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("set terminal svg noenhanced size 400,300\nset output 'out.svg'\nset title ", f);
    if (raw)
        fprintf(f, "'%s'", text);
    else
        gn_io_gnuplot_str(f, text);
    fputs("\nplot x title ", f);
    if (raw)
        fprintf(f, "'%s'", text);
    else
        gn_io_gnuplot_str(f, text);
    fputs("\n", f);
    assert_int_equal(fclose(f), 0);
    const char *argv[] = {"gnuplot", "t.gp", NULL};
    return run_logged(dir, argv, "gnuplot.out");
}

static void test_gnuplot_hostile_title(void **state)
{
    (void)state;
    NEED("gnuplot");
    char *t = tmpdir();
    assert_non_null(t);
    for (int i = 0; i < NHOSTILE; i++) {
        char mark[32], text[512], want[512], svgp[600];
        snprintf(mark, sizeof mark, "MARKER_G%d", i);
        with_marker(text, sizeof text, hostile[i], mark);
        snprintf(svgp, sizeof svgp, "%s/out.svg", t);
        unlink(svgp);
        int rc = gnuplot_with(t, text, 0);
        if (exists_in(t, mark))
            fail_msg("gnuplot ran the command in hostile title %d: %s", i, text);
        if (rc != 0)
            fail_msg("gnuplot failed (%d) on the escaped title %d: %s", rc, i, text);
        char *svg = gn_test_read(svgp);
        assert_non_null(svg);
        xml_decode(svg);
        shown(want, sizeof want, text);
        if (!strstr(svg, want))
            fail_msg("title %d not in the SVG as one literal: '%s'", i, want);
        free(svg);
    }
    /* negative control: pasted raw, the first payload runs (the check can see it) */
    char mark[] = "MARKER_RAW", text[512];
    with_marker(text, sizeof text, hostile[0], mark);
    gnuplot_with(t, text, 1);
    if (!exists_in(t, mark))
        fail_msg("control: the unescaped payload did not create the marker; the check is blind");
    rmrf(t);
    free(t);
}

static void test_dot_hostile_label(void **state)
{
    (void)state;
    NEED("dot");
    char *t = tmpdir();
    assert_non_null(t);
    char path[600], svgp[600];
    snprintf(path, sizeof path, "%s/g.dot", t);
    snprintf(svgp, sizeof svgp, "%s/g.svg", t);
    for (int i = 0; i < NHOSTILE; i++) {
        char mark[32], text[512], want[512];
        snprintf(mark, sizeof mark, "MARKER_D%d", i);
        with_marker(text, sizeof text, hostile[i], mark);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        /* the hostile text as a node's name and label, then a second node: a string that
         * escaped its literal would swallow or rename it */
        fputs("digraph g {\n  ", f);
        gn_io_dot_str(f, text);
        fputs(" [label=", f);
        gn_io_dot_str(f, text);
        fputs("];\n  sentinel [label=\"SENTINEL\"];\n}\n", f);
        assert_int_equal(fclose(f), 0);
        unlink(svgp);
        const char *argv[] = {"dot", "-Tsvg", "g.dot", "-o", "g.svg", NULL};
        int rc = gn_io_run(t, argv, NULL);
        if (rc != 0)
            fail_msg("dot failed (%d) on the escaped label %d: %s", rc, i, text);
        assert_false(exists_in(t, mark));
        char *svg = gn_test_read(svgp);
        assert_non_null(svg);
        xml_decode(svg);
        shown(want, sizeof want, text);
        if (!strstr(svg, want) || !strstr(svg, "SENTINEL") || strstr(svg, "sentinel</title>") == NULL)
            fail_msg("label %d not in the SVG as one literal (or the next node was lost): '%s'",
                     i, want);
        free(svg);
    }
    rmrf(t);
    free(t);
}

/* gnlab fit --plot: the hostile text as a NIST dataset name, inside the --plot path and as
 * the CSV file's name; no marker may appear and the fit's exit status stays 0 */
static void test_fit_plot_hostile(void **state)
{
    (void)state;
    NEED("gnuplot");
    char *t = tmpdir();
    assert_non_null(t);
    char gnlab[4200];
    if (bin()[0] == '/')
        snprintf(gnlab, sizeof gnlab, "%s", bin());
    else if (!getcwd(gnlab, 4000) || strlen(gnlab) + strlen(bin()) + 2 > sizeof gnlab)
        fail_msg("cwd too long");
    else
        snprintf(gnlab + strlen(gnlab), sizeof gnlab - strlen(gnlab), "/%s", bin());
    /* 1: a NIST file (Misra1a, one predictor) whose Dataset Name is hostile */
    char *src = gn_test_read("validate/data/nist/Misra1a.dat");
    assert_non_null(src);
    for (int i = 0; i < NHOSTILE; i++) {
        if (strchr(hostile[i], '\n'))
            continue; /* the dataset name is one line of the file */
        char mark[32], text[512], nist[600];
        snprintf(mark, sizeof mark, "MARKER_N%d", i);
        with_marker(text, sizeof text, hostile[i], mark);
        snprintf(nist, sizeof nist, "%s/hostile.dat", t);
        FILE *f = fopen(nist, "w");
        assert_non_null(f);
        const char *name = strstr(src, "Dataset Name:");
        assert_non_null(name);
        const char *eol = strchr(name, '\n');
        fprintf(f, "%.*sDataset Name:  %s\n%s", (int)(name - src), src, text, eol + 1);
        assert_int_equal(fclose(f), 0);
        const char *argv[] = {gnlab, "fit", "--nist", "hostile.dat", "--no-mp", "--plot",
                              "out.svg", NULL};
        int rc = run_logged(t, argv, "fit.out");
        if (exists_in(t, mark))
            fail_msg("gnlab fit --plot ran the command in the dataset name: %s", text);
        if (rc != 0 || !exists_in(t, "out.svg"))
            fail_msg("gnlab fit --nist with dataset name %d exited %d, svg %d", i, rc,
                     exists_in(t, "out.svg"));
        unlink(nist);
    }
    free(src);
    /* 2: a CSV whose file name, and a --plot path, carry the payload */
    const char *payload = "x' . system('touch MARKER_C') . '";
    char csv[1200], csvname[600], plot[600];
    snprintf(csvname, sizeof csvname, "%s.csv", payload);
    snprintf(csv, sizeof csv, "%s/%s", t, csvname);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("x,y\n", f);
    for (int i = 0; i < 12; i++)
        fprintf(f, "%d,%.6g\n", i, 2.0 + 0.5 * i + 0.01 * ((i * 7) % 3));
    assert_int_equal(fclose(f), 0);
    snprintf(plot, sizeof plot, "%s.svg", payload);
    const char *argv[] = {gnlab, "fit", "--model", "b1+b2*x", "--data", csvname, "--start",
                          "1,1", "--plot", plot, NULL};
    int rc = run_logged(t, argv, "fit.out");
    if (exists_in(t, "MARKER_C"))
        fail_msg("gnlab fit --plot ran the command in the CSV name or the --plot path");
    if (rc != 0 || !exists_in(t, plot))
        fail_msg("gnlab fit --data '%s' --plot '%s' exited %d, svg %d", csvname, plot, rc,
                 exists_in(t, plot));
    rmrf(t);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_shape),
        cmocka_unit_test(test_gnuplot_hostile_title),
        cmocka_unit_test(test_dot_hostile_label),
        cmocka_unit_test(test_fit_plot_hostile),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
