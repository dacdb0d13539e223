/* nb.c: the page writer of nb.h (HTML + Markdown pages, data files, gnuplot and Graphviz
 * renderings) and the registry of notebooks. */
#include "nb.h"

#include "gn_io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

const nb_notebook nb_notebooks[] = {
    {"rank1", "1. The rank-one GGN, derived on one sample",
     "From the sample gradient (3.5) to the IGND update (3.15) as a graph carrying one "
     "worked instance; Moore-Penrose against damped directions; lambda -> 0; Table 1.",
     "directions.svg"},
    {"scale", "2. Scale robustness on FrozenLake",
     "Tabular one-hot Q-learning on deterministic FrozenLake 4x4: QL against IGNDQ with the "
     "original features and with every coordinate multiplied by a random integer.",
     "curves.svg"},
    {"supervised", "3. Supervised learning at batch size 1",
     "SGD, IGND, Adam and Adam-IGND at batch size 1 on a regression (MAPE) and a "
     "classification task (accuracy), rates chosen on a validation split; the paper's "
     "Table 2 ordering, tested.",
     "curves.svg"},
    {"lqr", "4. LQR policy iteration",
     "Policy iteration on linear-quadratic control: QL against IGNDQ policy evaluation, "
     "the greedy improvement, and the distance to the Riccati-optimal gain.",
     "policy_error.svg"},
    {"egn", "5. EGN: mini-batch Gauss-Newton",
     "EGN (the Duncan-Guttman solve with line search, adaptive damping, momentum) against "
     "SGD, IGND and Adam on a regression MLP, and what the push-through solve saves.",
     "curves.svg"},
    {"overparam", "6. Gauss-Newton in the over-parameterised regime",
     "A two-layer SiLU network with more parameters than samples: GN (Duncan-Guttman solve) "
     "against GD, train and test loss and the kernel's smallest eigenvalue, kernel against "
     "feature-learning regimes.",
     "curves.svg"},
    {NULL, NULL, NULL, NULL}};

const nb_notebook *nb_find(const char *name)
{
    for (const nb_notebook *n = nb_notebooks; n->name; n++)
        if (!strcmp(n->name, name))
            return n;
    return NULL;
}

enum { NB_MAXCLAIM = 4, NB_MAXCMP = 8 };

struct nb_page {
    char dir[4096];
    char cmd[1024];  /* the command that rewrites the page (nb_ctx.cmd) */
    char data_desc[512]; /* nb_page_data */
    struct {
        nb_claim_summary s;
        nb_verdict v[NB_MAXCMP];
        int ncmp;
    } claims[NB_MAXCLAIM];
    int nclaims, claim_open;
    FILE *html, *md;
    int failed_checks;
    int write_error;
    int in_table;
    struct {
        FILE *f;
        char name[256];
    } data[8]; /* the data files open now (nb_data_open), for nb_data_close's message */
};

int nb_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            buf[i] = c;
        }
    }
    struct stat st;
    return (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ? 0 : -1;
}

static FILE *open_in(const char *dir, const char *file, const char *mode)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, mode);
    if (!f)
        fprintf(stderr, "gnlab notebook: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* close f, written as DIR/FILE: 0, or -1 after "cannot write DIR/FILE: why" on stderr when
 * a write, the flush or the close failed (a full disk shows up at any of the three) */
/* the page's own files: checked through gn_io_close_checked, named DIR/FILE */
static int close_checked(FILE *f, const char *dir, const char *file)
{
    size_t len = strlen(dir) + strlen(file) + 2;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, file);
    int rc = gn_io_close_checked(f, "notebook", path ? path : file);
    free(path);
    return rc;
}

/* HTML text: escape <, >, &, and turn `x` into <code>x</code>. */
static void html_text(FILE *f, const char *s)
{
    int code = 0;
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '`':
            fputs(code ? "</code>" : "<code>", f);
            code = !code;
            break;
        default: fputc(*s, f);
        }
    }
    if (code)
        fputs("</code>", f);
}

static void html_attr(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            fputs("&quot;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else
            fputc(*s, f);
    }
}

static const char *css =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "max-width:60em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}"
    "code,pre{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:0.92em}"
    "pre{background:#f5f5f5;padding:0.6em;overflow-x:auto}"
    "table{border-collapse:collapse;margin:0.8em 0}"
    "td,th{border:1px solid #bbb;padding:0.25em 0.6em;text-align:left}"
    "th{background:#eee}"
    /* a figure may be wider than the text column (wide multi-panel plots are drawn at
     * their natural size, centred on the page, so their text keeps its size) */
    "figure{margin:1.2em 0 1.2em 50%;transform:translateX(-50%);width:max-content;"
    "max-width:calc(100vw - 2em)}"
    "figure img{max-width:calc(100vw - 2em);border:1px solid #ddd}"
    "figcaption{max-width:60em;margin:0 auto}"
    "figcaption{font-size:0.92em;color:#444;white-space:normal}"
    ".pass{color:#176317}.fail{color:#b00000;font-weight:bold}"
    ".card{display:flex;gap:1em;margin:1em 0;padding:0.8em;border:1px solid #ddd}"
    ".card img{width:260px;flex:none;border:1px solid #eee}";

static void html_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

nb_page *nb_page_open(const nb_ctx *ctx, const char *name, const char *title)
{
    nb_page *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    int n = snprintf(p->dir, sizeof p->dir, "%s/%s", ctx->root, name);
    if (n < 0 || (size_t)n >= sizeof p->dir || nb_mkdirs(p->dir) != 0) {
        fprintf(stderr, "gnlab notebook: cannot create the directory %s/%s: %s (give --out a "
                        "writable directory)\n",
                ctx->root, name, strerror(errno));
        free(p);
        return NULL;
    }
    p->html = open_in(p->dir, "index.html", "w");
    p->md = open_in(p->dir, "page.md", "w");
    if (!p->html || !p->md) {
        if (p->html)
            fclose(p->html);
        if (p->md)
            fclose(p->md);
        free(p);
        return NULL;
    }
    if (ctx->cmd)
        snprintf(p->cmd, sizeof p->cmd, "%s", ctx->cmd);
    else
        snprintf(p->cmd, sizeof p->cmd, "gnlab notebook %s%s", name, ctx->quick ? " --quick" : "");
    {
        char old[4200];
        snprintf(old, sizeof old, "%s/summary.tsv", p->dir);
        remove(old); /* a page that fails before its close leaves no stale verdicts */
    }
    html_head(p->html, title);
    fputs("<p><a href=\"../index.html\">All notebooks</a></p>\n<h1>", p->html);
    html_text(p->html, title);
    fputs("</h1>\n", p->html);
    fprintf(p->md, "# %s\n\n[All notebooks](../index.md)\n\n", title);
    if (ctx->quick) {
        const char *q = "This page was made with --quick: small sizes and few seeds, for "
                        "testing. Run without --quick for the numbers the text discusses.";
        fputs("<p><em>", p->html);
        html_text(p->html, q);
        fputs("</em></p>\n", p->html);
        fprintf(p->md, "*%s*\n\n", q);
    }
    return p;
}

/* a summary field: tabs and control characters made spaces */
static void tsv_text(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

static int write_summary(nb_page *p)
{
    FILE *f = open_in(p->dir, "summary.tsv", "w");
    if (!f)
        return -1;
    fputs("data\t", f);
    tsv_text(f, p->data_desc);
    fputs("\n", f);
    for (int i = 0; i < p->nclaims; i++) {
        fputs("claim\t", f);
        tsv_text(f, p->claims[i].s.verdict);
        fputs("\t", f);
        tsv_text(f, p->claims[i].s.claim);
        fputs("\t", f);
        tsv_text(f, p->claims[i].s.evidence);
        fputs("\n", f);
    }
    return close_checked(f, p->dir, "summary.tsv");
}

int nb_page_close(nb_page *p)
{
    if (!p)
        return -1;
    if (p->claim_open)
        nb_claim_end(p, NULL);
    if (p->in_table)
        nb_table_end(p);
    fprintf(p->html, "<hr>\n<p><small>Written by <code>gnlab notebook</code>; every number "
                     "on this page was computed by the run that wrote it.</small></p>\n"
                     "</body>\n</html>\n");
    for (size_t i = 0; i < sizeof p->data / sizeof *p->data; i++)
        if (p->data[i].f)
            nb_data_close(p, p->data[i].f);
    int bad = p->write_error;
    if (!bad)
        bad |= write_summary(p) != 0;
    bad |= close_checked(p->html, p->dir, "index.html") != 0;
    bad |= close_checked(p->md, p->dir, "page.md") != 0;
    int fails = p->failed_checks;
    free(p);
    return bad ? -1 : fails;
}

int nb_page_finish(nb_page *p, int failed)
{
    int fails = nb_page_close(p);
    if (fails < 0)
        return GN_EXIT_USAGE;
    return fails == 0 && !failed ? GN_EXIT_PASS : GN_EXIT_FAIL;
}

static char *vfmt(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* the page's text from fmt: malloc'ed, or NULL with the page marked unwritable (out of
 * memory) */
static char *page_vfmt(nb_page *p, const char *fmt, va_list ap)
{
    char *s = vfmt(fmt, ap);
    if (!s)
        p->write_error = 1;
    return s;
}

/* one block of text in both renderings: <open>text</close> in HTML, mdpre text in Markdown */
static void text_block(nb_page *p, const char *open, const char *close, const char *mdpre,
                       const char *fmt, va_list ap)
{
    char *s = vfmt(fmt, ap);
    if (!s) {
        p->write_error = 1;
        return;
    }
    fputs(open, p->html);
    html_text(p->html, s);
    fputs(close, p->html);
    fprintf(p->md, "%s%s\n\n", mdpre, s);
    free(s);
}

void nb_h2(nb_page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_block(p, "<h2>", "</h2>\n", "## ", fmt, ap);
    va_end(ap);
}

void nb_para(nb_page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_block(p, "<p>", "</p>\n", "", fmt, ap);
    va_end(ap);
}

static void table_cells(nb_page *p, const char *s, const char *tag)
{
    fputs("<tr>", p->html);
    fputs("|", p->md);
    const char *c = s;
    for (;;) {
        const char *e = strchr(c, '|');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        char cell[1024];
        if (len >= sizeof cell)
            len = sizeof cell - 1;
        memcpy(cell, c, len);
        cell[len] = '\0';
        fprintf(p->html, "<%s>", tag);
        html_text(p->html, cell);
        fprintf(p->html, "</%s>", tag);
        fprintf(p->md, " %s |", cell);
        if (!e)
            break;
        c = e + 1;
    }
    fputs("</tr>\n", p->html);
    fputs("\n", p->md);
}

void nb_table_begin(nb_page *p, const char *header)
{
    if (p->in_table)
        nb_table_end(p);
    fputs("<table>\n", p->html);
    table_cells(p, header, "th");
    fputs("|", p->md);
    for (const char *c = header;; c = strchr(c, '|') + 1) {
        fputs("---|", p->md);
        if (!strchr(c, '|'))
            break;
    }
    fputs("\n", p->md);
    p->in_table = 1;
}

void nb_table_row(nb_page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = page_vfmt(p, fmt, ap);
    va_end(ap);
    if (!s)
        return;
    table_cells(p, s, "td");
    free(s);
}

void nb_table_end(nb_page *p)
{
    fputs("</table>\n", p->html);
    fputs("\n", p->md);
    p->in_table = 0;
}

void nb_links(nb_page *p, const char *label, const char *files)
{
    fputs("<p>", p->html);
    html_text(p->html, label);
    fputs(label, p->md);
    const char *c = files;
    for (int first = 1;; first = 0) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        char one[256];
        if (len >= sizeof one)
            len = sizeof one - 1;
        memcpy(one, c, len);
        one[len] = '\0';
        fprintf(p->html, "%s<a href=\"", first ? " " : ", ");
        html_attr(p->html, one);
        fputs("\">", p->html);
        html_text(p->html, one);
        fputs("</a>", p->html);
        fprintf(p->md, "%s[%s](%s)", first ? " " : ", ", one, one);
        if (!e)
            break;
        c = e + 1;
    }
    fputs(".</p>\n", p->html);
    fputs(".\n\n", p->md);
}

int nb_check(nb_page *p, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = page_vfmt(p, fmt, ap);
    va_end(ap);
    if (!s)
        return ok;
    if (!ok)
        p->failed_checks++;
    fprintf(p->html, "<p class=\"%s\">check %s: ", ok ? "pass" : "fail", ok ? "passed" : "FAILED");
    html_text(p->html, s);
    fputs("</p>\n", p->html);
    fprintf(p->md, "check %s: %s\n\n", ok ? "passed" : "**FAILED**", s);
    if (!ok)
        fprintf(stderr, "gnlab notebook: %s: check FAILED: %s\n", p->dir, s);
    free(s);
    return ok;
}

double nb_learn_ratio(double start, double end)
{
    if (!(isfinite(start) && isfinite(end) && start > 0 && end >= 0))
        return INFINITY;
    return end / start;
}

int nb_check_learned(nb_page *p, const char *task, const char *const *name,
                     const double *ratio, int nm)
{
    const double factor = NB_LEARN_FACTOR;
    int best = -1;
    for (int k = 0; k < nm; k++)
        if (!isnan(ratio[k]) && (best < 0 || ratio[k] < ratio[best]))
            best = k;
    char all[512];
    size_t n = 0;
    all[0] = '\0';
    for (int k = 0; k < nm && n < sizeof all; k++) {
        int w = isfinite(ratio[k])
                    ? snprintf(all + n, sizeof all - n, "%s%s %.3g", k ? ", " : "", name[k],
                               ratio[k])
                    : snprintf(all + n, sizeof all - n, "%s%s did not learn (diverged or no "
                               "finite error)", k ? ", " : "", name[k]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    int ok = best >= 0 && ratio[best] <= 1.0 / factor;
    return nb_check(p, ok,
                    "learning: %s: %s. The error at the end over the error at the start, "
                    "worst run per method: %s; the check wants the best method at or below "
                    "1/%g = %.3g.",
                    task,
                    ok ? "the error fell by the stated factor"
                       : "no method brought the error down by the stated factor",
                    all, factor, 1.0 / factor);
}

FILE *nb_data_open(nb_page *p, const char *file)
{
    size_t i = 0, n = sizeof p->data / sizeof *p->data;
    while (i < n && p->data[i].f)
        i++;
    FILE *f = i < n ? open_in(p->dir, file, "w") : NULL;
    if (!f) {
        if (i == n)
            fprintf(stderr, "gnlab notebook: %s/%s: more than %zu data files open at once\n",
                    p->dir, file, n);
        p->write_error = 1;
        return NULL;
    }
    p->data[i].f = f;
    snprintf(p->data[i].name, sizeof p->data[i].name, "%s", file);
    return f;
}

int nb_data_close(nb_page *p, FILE *f)
{
    if (!f)
        return 0;
    const char *name = "(a data file)";
    for (size_t i = 0; i < sizeof p->data / sizeof *p->data; i++)
        if (p->data[i].f == f) {
            p->data[i].f = NULL;
            name = p->data[i].name;
        }
    if (close_checked(f, p->dir, name) == 0)
        return 0;
    p->write_error = 1;
    return -1;
}

int nb_tool_available(const char *prog)
{
    static struct {
        char name[32];
        int ok;
    } cache[8];
    static int ncache;
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].name, prog))
            return cache[i].ok;
    int ok = gn_io_have(prog);
    if (ncache < 8) {
        snprintf(cache[ncache].name, sizeof cache[ncache].name, "%s", prog);
        cache[ncache++].ok = ok;
    }
    return ok;
}

/* The one place notebooks run external programs: argv in directory dir, no shell, the
 * tool's own output left on the terminal as before; 0 when it exits 0. */
static int run_in(const char *dir, const char *const argv[])
{
    return gn_io_run(dir, argv, NULL) == 0 ? 0 : -1;
}

static void figure(nb_page *p, const char *svg, int rendered, const char *caption,
                   const char *src, const char *tool, const char *data, const char *redraw)
{
    fputs("<figure>\n", p->html);
    if (rendered > 0) {
        fputs("<img src=\"", p->html);
        html_attr(p->html, svg);
        fputs("\" alt=\"", p->html);
        html_attr(p->html, caption);
        fputs("\">\n", p->html);
        fprintf(p->md, "![%s](%s)\n\n", caption, svg);
    } else if (rendered == -2) {
        fputs("<p><em>The SVG was not rendered: a file of this page could not be written."
              "</em></p>\n", p->html);
        fputs("*The SVG was not rendered: a file of this page could not be written.*\n\n", p->md);
    } else {
        const char *why = rendered == 0 ? "was skipped" : "failed";
        fprintf(p->html, "<p><em>The SVG %s: %s is %s. The script below renders it.</em></p>\n",
                rendered == 0 ? "was skipped" : "could not be rendered", tool,
                rendered == 0 ? "not installed" : "reporting an error");
        fprintf(p->md, "*The SVG %s (%s %s); the script below renders it.*\n\n", why, tool,
                rendered == 0 ? "is not installed" : "failed");
    }
    fputs("<figcaption>", p->html);
    html_text(p->html, caption);
    fputs(" Source: <a href=\"", p->html);
    html_attr(p->html, src);
    fputs("\">", p->html);
    html_text(p->html, src);
    fputs("</a>", p->html);
    fprintf(p->md, "%s Source: [%s](%s)", caption, src, src);
    if (data && *data) {
        fputs("; data:", p->html);
        fputs("; data:", p->md);
        const char *c = data;
        for (;;) {
            const char *e = strchr(c, ',');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            char one[256];
            if (len >= sizeof one)
                len = sizeof one - 1;
            memcpy(one, c, len);
            one[len] = '\0';
            fputs(" <a href=\"", p->html);
            html_attr(p->html, one);
            fputs("\">", p->html);
            html_text(p->html, one);
            fputs("</a>", p->html);
            fprintf(p->md, " [%s](%s)", one, one);
            if (!e)
                break;
            c = e + 1;
        }
    }
    /* how to redraw it (in this page's directory) and how to rewrite the whole page */
    char how[1400];
    snprintf(how, sizeof how, ". Redraw: `%s` in this page's directory; rerun: `%s`", redraw,
             p->cmd);
    html_text(p->html, how);
    fputs(how, p->md);
    fputs(".</figcaption>\n</figure>\n", p->html);
    fputs(".\n\n", p->md);
}

/* text inside a script's comment line: a control character (a newline) would end the
 * comment and start a command, so each becomes a space */
static void comment_text(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

char *nb_gnuplot_str(char *buf, size_t cap, const char *s)
{
    char *lit = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&lit, &len);
    if (f) {
        gn_io_gnuplot_str(f, s);
        if (fclose(f) != 0)
            len = 0;
    }
    if (cap)
        snprintf(buf, cap, "%s", lit && len && len < cap ? lit : "''");
    free(lit);
    return buf;
}

int nb_plot(nb_page *p, const char *base, const char *caption, const char *data,
            const char *body)
{
    return nb_plot_sized(p, base, caption, data, 760, 460, body);
}

/* a plot body with every "font ',N'" smaller than NB_PLOT_FONT raised to it: the shared
 * style's one size holds even where a script asks for less (a key squeezed into a corner
 * is to be moved, not shrunk) */
static void put_body(FILE *f, const char *body)
{
    const char *pat = "font ',";
    size_t lp = strlen(pat);
    for (const char *s = body; *s;) {
        if (!strncmp(s, pat, lp)) {
            char *end;
            long n = strtol(s + lp, &end, 10);
            if (end > s + lp && *end == '\'') {
                fprintf(f, "font ',%ld'", n < NB_PLOT_FONT ? (long)NB_PLOT_FONT : n);
                s = end + 1;
                continue;
            }
        }
        fputc(*s++, f);
    }
}

int nb_plot_sized(nb_page *p, const char *base, const char *caption, const char *data,
                  int width, int height, const char *body)
{
    char gp[300], svg[300];
    snprintf(gp, sizeof gp, "%s.gp", base);
    snprintf(svg, sizeof svg, "%s.svg", base);
    FILE *f = open_in(p->dir, gp, "w");
    if (!f) {
        p->write_error = 1;
        return -2;
    }
    fputs("# ", f);
    comment_text(f, caption);
    fputs("\n# Rendered by gnlab notebook; run `gnuplot ", f);
    comment_text(f, gp);
    fputs("` in this directory to redraw it;\n# the page and its data: ", f);
    comment_text(f, p->cmd);
    /* fixed: the SVG carries its width and height, so the page shows it at its size */
    fprintf(f, "\nset terminal svg size %d,%d fixed enhanced font 'Helvetica,%d' "
               "background rgb 'white'\nset output ",
            width, height, NB_PLOT_FONT);
    gn_io_gnuplot_str(f, svg);
    /* the shared style (nb.h): one font size for everything, an opaque boxed key that a
     * notebook places in a free corner or outside, a light grid */
    fprintf(f, "\nset encoding utf8\n"
               "set key box opaque samplen 2.5 spacing 1.15 font ',%d'\n"
               "set grid lc rgb '#d0d0d0' lw 1\nset border lw 1.2\n"
               "set tics font ',%d'\n",
            NB_PLOT_FONT, NB_PLOT_FONT);
    put_body(f, body);
    fputs("\n", f);
    if (close_checked(f, p->dir, gp) != 0) {
        p->write_error = 1;
        return -2;
    }
    int rendered = 0;
    /* a page whose files could not all be written (exit 2) renders nothing: the data the
     * script reads may be incomplete */
    if (p->write_error)
        rendered = -2;
    else if (nb_tool_available("gnuplot")) {
        const char *av[] = {"gnuplot", gp, NULL};
        rendered = run_in(p->dir, av) == 0 ? 1 : -1;
        if (rendered < 0)
            nb_check(p, 0, "gnuplot failed on %s", gp);
    }
    char redraw[400];
    snprintf(redraw, sizeof redraw, "gnuplot %s", gp);
    figure(p, svg, rendered, caption, gp, "gnuplot", data, redraw);
    return rendered;
}

int nb_graph(nb_page *p, const char *base, const char *caption, const char *dot)
{
    char src[300], svg[300];
    snprintf(src, sizeof src, "%s.dot", base);
    snprintf(svg, sizeof svg, "%s.svg", base);
    FILE *f = open_in(p->dir, src, "w");
    if (!f) {
        p->write_error = 1;
        return -2;
    }
    fputs(dot, f);
    if (close_checked(f, p->dir, src) != 0) {
        p->write_error = 1;
        return -2;
    }
    int rendered = 0;
    if (p->write_error)
        rendered = -2;
    else if (nb_tool_available("dot")) {
        const char *av[] = {"dot", "-Tsvg", src, "-o", svg, NULL};
        rendered = run_in(p->dir, av) == 0 ? 1 : -1;
        if (rendered < 0)
            nb_check(p, 0, "dot failed on %s", src);
    }
    char redraw[700];
    snprintf(redraw, sizeof redraw, "dot -Tsvg %s -o %s", src, svg);
    figure(p, svg, rendered, caption, src, "Graphviz dot", "", redraw);
    return rendered;
}

static int file_exists(const char *dir, const char *a, const char *b)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/%s/%s", dir, a, b);
    struct stat st;
    return stat(path, &st) == 0;
}

/* a card's summary lines (nb_summary_read): what the page ran on and its verdicts, as HTML
 * (md == 0) or Markdown; nothing when the page has no summary (ncl < 0) */
static void index_summary(FILE *f, int md, const char *data, const nb_claim_summary *cl,
                          int ncl)
{
    if (ncl < 0)
        return;
    if (*data) {
        fputs(md ? "Ran on: " : "<p><small>Ran on: ", f);
        if (md)
            fputs(data, f);
        else
            html_text(f, data);
        fputs(md ? "\n\n" : "</small></p>", f);
    }
    for (int i = 0; i < ncl; i++) {
        if (md) {
            fprintf(f, "- **%s**: %s (mean d [95%% interval]: %s)\n", cl[i].verdict,
                    cl[i].claim, cl[i].evidence);
            continue;
        }
        fputs("<p><small><strong>", f);
        html_text(f, cl[i].verdict);
        fputs("</strong>: ", f);
        html_text(f, cl[i].claim);
        fputs("</small></p>", f);
    }
    if (md && ncl > 0)
        fputs("\n", f);
}

int nb_write_index(const char *root)
{
    if (nb_mkdirs(root) != 0)
        return -1;
    FILE *h = open_in(root, "index.html", "w");
    FILE *m = open_in(root, "index.md", "w");
    if (!h || !m) {
        if (h)
            fclose(h);
        if (m)
            fclose(m);
        return -1;
    }
    const char *title = "gnlab notebooks: Gauss-Newton for machine learning, worked";
    const char *intro =
        "Each notebook runs its computation with the gnlab core and explains every step with "
        "the numbers it computed. Every figure comes with its data and its gnuplot or "
        "Graphviz source, so it can be redrawn or changed. Rerun one with "
        "`gnlab notebook NAME [flags]` (`gnlab notebook NAME --help` lists its flags). Each "
        "card gives the data the page ran on and the verdicts on the paper claims it tests "
        "(reproduced, not reproduced at this size, mixed or undetermined, from 95% paired "
        "intervals over seeds; docs/notebook.md).";
    html_head(h, title);
    fputs("<h1>", h);
    html_text(h, title);
    fputs("</h1>\n<p>", h);
    html_text(h, intro);
    fputs("</p>\n", h);
    fprintf(m, "# %s\n\n%s\n\n", title, intro);
    for (const nb_notebook *n = nb_notebooks; n->name; n++) {
        int have = file_exists(root, n->name, "index.html");
        int thumb = have && file_exists(root, n->name, n->thumb);
        fputs("<div class=\"card\">", h);
        if (thumb)
            fprintf(h, "<a href=\"%s/index.html\"><img src=\"%s/%s\" alt=\"%s\"></a>", n->name,
                    n->name, n->thumb, n->name);
        fputs("<div><h2>", h);
        if (have)
            fprintf(h, "<a href=\"%s/index.html\">", n->name);
        html_text(h, n->title);
        fputs(have ? "</a></h2>\n<p>" : "</h2>\n<p>", h);
        html_text(h, n->summary);
        if (!have)
            fprintf(h, " <em>(not generated yet: run <code>gnlab notebook %s</code>)</em>",
                    n->name);
        fputs("</p>", h);
        char data[512];
        nb_claim_summary cl[NB_MAXCLAIM];
        int ncl = have ? nb_summary_read(data, sizeof data, cl, NB_MAXCLAIM, root, n->name) : -1;
        index_summary(h, 0, data, cl, ncl);
        fputs("</div></div>\n", h);
        if (have)
            fprintf(m, "## [%s](%s/page.md)\n\n", n->title, n->name);
        else
            fprintf(m, "## %s\n\n", n->title);
        if (thumb)
            fprintf(m, "![%s](%s/%s)\n\n", n->name, n->name, n->thumb);
        fprintf(m, "%s%s\n\n", n->summary, have ? "" : " (not generated yet)");
        index_summary(m, 1, data, cl, ncl);
    }
    fputs("</body>\n</html>\n", h);
    int bad = close_checked(h, root, "index.html") != 0;
    bad |= close_checked(m, root, "index.md") != 0;
    return bad ? -1 : 0;
}

void nb_mean_std(double *mean, double *sd, const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double mu = n ? s / (double)n : NAN;
    double q = 0.0;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - mu) * (v[i] - mu);
    *mean = mu;
    *sd = n > 1 ? sqrt(q / (double)(n - 1)) : 0.0;
}


/* ------------------------------------------------------------- claims and verdicts */

void nb_page_data(nb_page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = page_vfmt(p, fmt, ap);
    va_end(ap);
    if (!s)
        return;
    snprintf(p->data_desc, sizeof p->data_desc, "%s", s);
    nb_para(p, "Data of this run: %s.", s);
    free(s);
}

void nb_claim_begin(nb_page *p, const char *claim, const char *design)
{
    if (p->claim_open)
        nb_claim_end(p, NULL);
    if (p->nclaims == NB_MAXCLAIM) {
        p->write_error = 1; /* a notebook bug: more claims than the summary holds */
        fprintf(stderr, "gnlab notebook: %s: more than %d claims\n", p->dir, NB_MAXCLAIM);
        return;
    }
    nb_claim_summary *c = &p->claims[p->nclaims].s;
    memset(&p->claims[p->nclaims], 0, sizeof p->claims[p->nclaims]);
    snprintf(c->claim, sizeof c->claim, "%s", claim);
    p->claim_open = 1;
    nb_h2(p, "The claim, tested");
    nb_para(p, "Claim: %s", claim);
    nb_para(p, "%s Each row is a paired comparison: per run the difference d (positive "
               "when the run agrees with the claim), its mean over the runs and the 95%% "
               "paired t interval (Student's t from GSL). A row reproduces the claim when "
               "its interval lies above 0; the claim is reproduced when every row does, "
               "mixed when some do, not reproduced at this size when none does, and "
               "undetermined with fewer than 2 finite pairs. The runs are reported as "
               "they came out: nothing was tuned until the claim held.",
            design);
    nb_table_begin(p, "comparison|d (unit)|pairs|mean d|95% interval|verdict");
}

nb_verdict nb_claim_compare(nb_page *p, const char *what, const char *unit, const double *d,
                            size_t n)
{
    nb_paired s;
    nb_paired_t(&s, d, n);
    nb_verdict v = nb_paired_verdict(&s);
    char drop[64] = "";
    if (s.dropped)
        snprintf(drop, sizeof drop, " (%zu non-finite left out)", s.dropped);
    nb_table_row(p, "%s|%s|%zu%s|%+.3g|[%+.3g, %+.3g]|%s", what, unit, s.n, drop, s.mean,
                 s.lo, s.hi, nb_verdict_name(v));
    if (!p->claim_open)
        return v;
    int k = p->nclaims;
    if (p->claims[k].ncmp < NB_MAXCMP)
        p->claims[k].v[p->claims[k].ncmp++] = v;
    char *ev = p->claims[k].s.evidence;
    size_t used = strlen(ev), cap = sizeof p->claims[k].s.evidence;
    if (used < cap)
        snprintf(ev + used, cap - used, "%s%s: %+.3g [%+.3g, %+.3g] n=%zu", used ? "; " : "",
                 what, s.mean, s.lo, s.hi, s.n);
    return v;
}

nb_verdict nb_claim_end(nb_page *p, const char *caveat)
{
    if (!p->claim_open)
        return NB_V_UNDETERMINED;
    nb_table_end(p);
    int k = p->nclaims;
    nb_verdict v = nb_verdict_combine(p->claims[k].v, p->claims[k].ncmp);
    nb_claim_summary *c = &p->claims[k].s;
    if (caveat)
        snprintf(c->verdict, sizeof c->verdict, "%s (not meaningful: %s)", nb_verdict_name(v),
                 caveat);
    else
        snprintf(c->verdict, sizeof c->verdict, "%s", nb_verdict_name(v));
    fprintf(p->html, "<p><strong>verdict: %s</strong>", nb_verdict_name(v));
    fprintf(p->md, "**verdict: %s**", nb_verdict_name(v));
    if (caveat) {
        fputs(" — not meaningful here: ", p->html);
        html_text(p->html, caveat);
        fprintf(p->md, " — not meaningful here: %s", caveat);
    }
    fputs("</p>\n", p->html);
    fputs("\n\n", p->md);
    p->nclaims++;
    p->claim_open = 0;
    return v;
}

int nb_summary_read(char *data, size_t dcap, nb_claim_summary *c, int max, const char *root,
                    const char *name)
{
    if (dcap)
        data[0] = '\0';
    char path[4400];
    snprintf(path, sizeof path, "%s/%s/summary.tsv", root, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *field[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *t = field[i - 1] ? strchr(field[i - 1], '\t') : NULL;
            if (t) {
                *t = '\0';
                field[i] = t + 1;
            }
        }
        if (!strcmp(field[0], "data") && field[1] && dcap)
            snprintf(data, dcap, "%s", field[1]);
        else if (!strcmp(field[0], "claim") && field[3] && n < max) {
            snprintf(c[n].verdict, sizeof c[n].verdict, "%s", field[1]);
            snprintf(c[n].claim, sizeof c[n].claim, "%s", field[2]);
            snprintf(c[n].evidence, sizeof c[n].evidence, "%s", field[3]);
            n++;
        }
    }
    fclose(f);
    return n;
}

void nb_exercises(nb_page *p, const nb_exercise *ex, int n)
{
    nb_h2(p, "Exercises");
    nb_para(p, "Predict first, then run. Each command rewrites this page (add `--out DIR` "
               "to keep this one).");
    fputs("<ol>\n", p->html);
    for (int i = 0; i < n; i++) {
        fputs("<li>", p->html);
        html_text(p->html, ex[i].task);
        fputs(" Run: <code>", p->html);
        html_text(p->html, ex[i].cmd);
        fputs("</code>. What you should see: ", p->html);
        html_text(p->html, ex[i].expect);
        fputs("</li>\n", p->html);
        fprintf(p->md, "%d. %s Run: `%s`. What you should see: %s\n", i + 1, ex[i].task,
                ex[i].cmd, ex[i].expect);
    }
    fputs("</ol>\n", p->html);
    fputs("\n", p->md);
}

char *nb_axis_range(char *out, size_t cap, const char *axis, const double *v, size_t n,
                    double max_decades)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (cap)
        out[0] = '\0';
    if (!(lo <= hi))
        return out;
    if (lo > 0 && hi / lo >= 100) {
        double a = floor(log10(lo)), b = ceil(log10(hi));
        if (max_decades > 0 && b - a > max_decades)
            a = b - max_decades;
        snprintf(out, cap, "set logscale %s\nset format %s '10^{%%T}'\nset %srange [1e%d:1e%d]\n",
                 axis, axis, axis, (int)a, (int)b);
    } else {
        double m = (hi - lo) * 0.05;
        if (!(m > 0))
            m = lo != 0 ? fabs(lo) * 0.05 : 1;
        snprintf(out, cap, "unset logscale %s\nset format %s '%%g'\nset %srange [%.6g:%.6g]\n",
                 axis, axis, axis, lo - m, hi + m);
    }
    return out;
}
