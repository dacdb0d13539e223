/* expr.c: model expressions compiled to a post-order program and evaluated with their
 * exact parameter gradient by forward-mode differentiation (gn_fit.h). */
#include "gn.h"
#include "gn_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *src;
    size_t p;
    const char *const *vars;
    size_t nvars;
    const char *const *cnames, *const *cvals;
    size_t nconst;
    gn_xnode *node;
    size_t nnodes, cap;
    char *lit;       /* literal text storage, offsets held in lit_off until the end */
    size_t litlen, litcap;
    size_t *lit_off; /* per node, (size_t)-1 when no literal */
    size_t maxparam;
    int named;       /* gn_expr_opts.named                                        */
    char **pn;       /* named notation: the parameter names in order of appearance */
    size_t npn, pncap;
    gn_expr_error *err;
    int failed, nomem;
    int depth;
} parser;

static void perr(parser *ps, size_t pos, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    if (ps->err) {
        ps->err->pos = pos;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err->msg, sizeof ps->err->msg, fmt, ap);
        va_end(ap);
    }
}

static void skipws(parser *ps)
{
    while (ps->src[ps->p] && isspace((unsigned char)ps->src[ps->p]))
        ps->p++;
}

static int push(parser *ps, gn_xop op, int a, int b, size_t pos)
{
    if (ps->failed)
        return -1;
    if (ps->nnodes == ps->cap) {
        size_t nc = ps->cap ? 2 * ps->cap : 32;
        gn_xnode *nn = realloc(ps->node, nc * sizeof *nn);
        size_t *no = realloc(ps->lit_off, nc * sizeof *no);
        if (nn)
            ps->node = nn;
        if (no)
            ps->lit_off = no;
        if (!nn || !no) {
            ps->nomem = 1;
            perr(ps, pos, "out of memory");
            return -1;
        }
        ps->cap = nc;
    }
    gn_xnode *n = &ps->node[ps->nnodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->a = a;
    n->b = b;
    n->pos = pos;
    ps->lit_off[ps->nnodes] = (size_t)-1;
    return (int)ps->nnodes++;
}

static int push_lit(parser *ps, const char *txt, size_t len, double val, size_t pos)
{
    int i = push(ps, GN_XOP_CONST, -1, -1, pos);
    if (i < 0)
        return -1;
    if (ps->litlen + len + 1 > ps->litcap) {
        size_t nc = 2 * (ps->litcap + len + 1);
        char *nl = realloc(ps->lit, nc);
        if (!nl) {
            ps->nomem = 1;
            perr(ps, pos, "out of memory");
            return -1;
        }
        ps->lit = nl;
        ps->litcap = nc;
    }
    ps->lit_off[i] = ps->litlen;
    /* Fortran's D exponent becomes E so that strtod and mpfr_set_str both read it */
    for (size_t q = 0; q < len; q++)
        ps->lit[ps->litlen + q] = (txt[q] == 'd' || txt[q] == 'D') ? 'E' : txt[q];
    ps->lit[ps->litlen + len] = 0;
    ps->litlen += len + 1;
    ps->node[i].val = val;
    return i;
}

static int parse_sum(parser *ps);
static int parse_factor(parser *ps);

/* one more level of recursion at pos: a bracket or function argument (parse_sum), a unary
 * sign or the right operand of '^' / '**' (each recurses into parse_factor); every such
 * level counts, so no input can exhaust the stack. 0, or -1 with a located error. */
static int enter(parser *ps, size_t pos)
{
    if (++ps->depth > GN_EXPR_MAX_DEPTH) {
        perr(ps, pos, "expression nested too deeply (more than %d levels of brackets, "
                      "signs and powers)", GN_EXPR_MAX_DEPTH);
        return -1;
    }
    return 0;
}

/* a factor one level deeper (a sign's operand, a power's exponent): its node, or -1 */
static int nested_factor(parser *ps, size_t pos)
{
    if (enter(ps, pos))
        return -1;
    int a = parse_factor(ps);
    ps->depth--;
    return a;
}

static const struct {
    const char *name;
    gn_xop op;
    int nargs;
} funcs[] = {{"exp", GN_XOP_EXP, 1},     {"log", GN_XOP_LOG, 1},       {"sin", GN_XOP_SIN, 1},
             {"cos", GN_XOP_COS, 1},     {"tan", GN_XOP_TAN, 1},       {"atan", GN_XOP_ATAN, 1},
             {"arctan", GN_XOP_ATAN, 1}, {"sqrt", GN_XOP_SQRT, 1},     {"abs", GN_XOP_ABS, 1},
             {"atan2", GN_XOP_ATAN2, 2}, {"log10", GN_XOP_LOG10, 1},   {"pow", GN_XOP_POW, 2},
             {"tanh", GN_XOP_TANH, 1},   {"erf", GN_XOP_ERF, 1}};
#define NFUNCS (sizeof funcs / sizeof funcs[0])
#define FUNC_LIST "exp log log10 sqrt sin cos tan atan arctan atan2 tanh erf abs pow"

/* a number: digits [. digits] [(E|e|D|d) [+-] digits], or . digits ... */
static size_t scan_number(const char *s)
{
    size_t q = 0, nd = 0;
    while (isdigit((unsigned char)s[q]))
        q++, nd++;
    if (s[q] == '.') {
        q++;
        while (isdigit((unsigned char)s[q]))
            q++, nd++;
    }
    if (nd == 0)
        return 0;
    if (s[q] == 'e' || s[q] == 'E' || s[q] == 'd' || s[q] == 'D') {
        size_t r = q + 1;
        if (s[r] == '+' || s[r] == '-')
            r++;
        if (isdigit((unsigned char)s[r])) {
            while (isdigit((unsigned char)s[r]))
                r++;
            q = r;
        }
    }
    return q;
}

static int parse_number_text(parser *ps, const char *txt, size_t len, size_t pos)
{
    char buf[128];
    if (len >= sizeof buf) {
        perr(ps, pos, "number too long");
        return -1;
    }
    for (size_t q = 0; q < len; q++)
        buf[q] = (txt[q] == 'd' || txt[q] == 'D') ? 'E' : txt[q];
    buf[len] = 0;
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    if (*end || end == buf) {
        perr(ps, pos, "malformed number '%s'", buf);
        return -1;
    }
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) {
        perr(ps, pos, "number '%s' overflows double", buf);
        return -1;
    }
    return push_lit(ps, txt, len, v, pos);
}

/* '(' sum ')' or '[' sum ']' with the opening bracket at ps->p; returns the sum's node.
 * A missing close at the end of the text says "missing" when at_end_missing is set, else
 * (as after a function name) "expected". */
static int parse_group(parser *ps, int at_end_missing)
{
    size_t opos = ps->p;
    char open = ps->src[opos], close = open == '(' ? ')' : ']';
    ps->p++;
    int r = parse_sum(ps);
    if (r < 0)
        return -1;
    skipws(ps);
    if (ps->src[ps->p] != close) {
        if (ps->src[ps->p] || !at_end_missing)
            perr(ps, ps->p, "expected '%c' to close the '%c' at column %zu", close, open,
                 opos + 1);
        else
            perr(ps, ps->p, "missing '%c' for the '%c' at column %zu", close, open, opos + 1);
        return -1;
    }
    ps->p++;
    return r;
}

/* a parameter b1, b2, ... spelled s[0..len) at pos; -2 when s is not of that form */
static int parse_param(parser *ps, const char *s, size_t len, size_t pos)
{
    if (s[0] != 'b' || len < 2)
        return -2;
    size_t q = 1;
    while (q < len && isdigit((unsigned char)s[q]))
        q++;
    if (q != len)
        return -2;
    if (s[1] == '0') {
        perr(ps, pos, "parameters are numbered b1, b2, ... without leading zeros");
        return -1;
    }
    size_t idx = len > 6 ? (size_t)-1 : (size_t)strtoul(s + 1, NULL, 10);
    if (idx > GN_EXPR_MAX_PARAMS) {
        perr(ps, pos, "parameter index too large (at most b%d)", GN_EXPR_MAX_PARAMS);
        return -1;
    }
    int i = push(ps, GN_XOP_PARAM, -1, -1, pos);
    if (i >= 0)
        ps->node[i].idx = idx - 1;
    if (idx > ps->maxparam)
        ps->maxparam = idx;
    return i;
}

/* a function call with its bracket at ps->p: nargs sums separated by ',' in ( ) or [ ] */
static int parse_call(parser *ps, size_t f, size_t pos)
{
    size_t opos = ps->p;
    char open = ps->src[opos], close = open == '(' ? ')' : ']';
    ps->p++;
    int arg[2] = {-1, -1};
    for (int q = 0; q < funcs[f].nargs; q++) {
        if (q) {
            skipws(ps);
            if (ps->src[ps->p] != ',') {
                perr(ps, ps->p, "'%s' takes %d arguments separated by ','", funcs[f].name,
                     funcs[f].nargs);
                return -1;
            }
            ps->p++;
        }
        arg[q] = parse_sum(ps);
        if (arg[q] < 0)
            return -1;
    }
    skipws(ps);
    if (ps->src[ps->p] == ',') {
        perr(ps, ps->p, "'%s' takes %d argument%s", funcs[f].name, funcs[f].nargs,
             funcs[f].nargs > 1 ? "s" : "");
        return -1;
    }
    if (ps->src[ps->p] != close) {
        perr(ps, ps->p, "expected '%c' to close the '%c' at column %zu", close, open, opos + 1);
        return -1;
    }
    ps->p++;
    return push(ps, funcs[f].op, arg[0], arg[1], pos);
}

/* the named notation: parameter s[0..len), added to the table at its first appearance */
static int named_param(parser *ps, const char *s, size_t len, size_t pos)
{
    size_t q = 0;
    while (q < ps->npn && (strlen(ps->pn[q]) != len || strncmp(ps->pn[q], s, len)))
        q++;
    if (q == ps->npn) {
        if (ps->npn == GN_EXPR_MAX_PARAMS) {
            perr(ps, pos, "too many parameters (at most %d names)", GN_EXPR_MAX_PARAMS);
            return -1;
        }
        if (ps->npn == ps->pncap) {
            size_t nc = ps->pncap ? 2 * ps->pncap : 8;
            char **np = realloc(ps->pn, nc * sizeof *np);
            if (!np) {
                ps->nomem = 1;
                perr(ps, pos, "out of memory");
                return -1;
            }
            ps->pn = np;
            ps->pncap = nc;
        }
        char *nm = malloc(len + 1);
        if (!nm) {
            ps->nomem = 1;
            perr(ps, pos, "out of memory");
            return -1;
        }
        memcpy(nm, s, len);
        nm[len] = 0;
        ps->pn[ps->npn++] = nm;
    }
    int i = push(ps, GN_XOP_PARAM, -1, -1, pos);
    if (i >= 0)
        ps->node[i].idx = q;
    return i;
}

/* the name s[0..len) at pos (ps->p is past it): a function applied to a group, a variable,
 * a named constant, pi or a parameter */
static int parse_name(parser *ps, const char *s, size_t len, size_t pos)
{
    skipws(ps);
    char nx = ps->src[ps->p];
    for (size_t f = 0; f < NFUNCS; f++) {
        if (strlen(funcs[f].name) != len || strncmp(funcs[f].name, s, len))
            continue;
        if (nx != '(' && nx != '[') {
            perr(ps, ps->p, "function '%s' needs an argument in ( ) or [ ]", funcs[f].name);
            return -1;
        }
        return parse_call(ps, f, pos);
    }
    if (nx == '(' || nx == '[') {
        perr(ps, pos, "unknown function '%.*s' (known: " FUNC_LIST ")", (int)len, s);
        return -1;
    }
    for (size_t v = 0; v < ps->nvars; v++)
        if (strlen(ps->vars[v]) == len && !strncmp(ps->vars[v], s, len)) {
            int i = push(ps, GN_XOP_VAR, -1, -1, pos);
            if (i >= 0)
                ps->node[i].idx = v;
            return i;
        }
    /* named constant (a file's own definition wins over the built-in pi) */
    for (size_t k = 0; k < ps->nconst; k++)
        if (strlen(ps->cnames[k]) == len && !strncmp(ps->cnames[k], s, len)) {
            const char *t = ps->cvals[k];
            size_t tl = strlen(t);
            if (scan_number(t) != tl) {
                perr(ps, pos, "constant '%s' is defined as '%s', not a number", ps->cnames[k],
                     t);
                return -1;
            }
            return parse_number_text(ps, t, tl, pos);
        }
    if (len == 2 && !strncmp(s, "pi", 2))
        return push(ps, GN_XOP_PI, -1, -1, pos);
    if (ps->named)
        return named_param(ps, s, len, pos);
    int i = parse_param(ps, s, len, pos);
    if (i != -2)
        return i;
    char vl[128] = "";
    for (size_t v = 0; v < ps->nvars; v++) {
        size_t L = strlen(vl);
        snprintf(vl + L, sizeof vl - L, "%s%s", v ? ", " : "", ps->vars[v]);
    }
    perr(ps, pos, "unknown name '%.*s' (parameters are b1, b2, ...; variables: %s)", (int)len,
         s, ps->nvars ? vl : "none");
    return -1;
}

static int parse_atom(parser *ps)
{
    skipws(ps);
    size_t pos = ps->p;
    const char *s = ps->src + pos;
    char c = *s;
    if (c == '(' || c == '[')
        return parse_group(ps, 1);
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[1]))) {
        size_t len = scan_number(s);
        if (isalpha((unsigned char)s[len]) || s[len] == '_' || s[len] == '.') {
            perr(ps, pos + len, "unexpected '%c' after the number", s[len]);
            return -1;
        }
        ps->p += len;
        return parse_number_text(ps, s, len, pos);
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t len = 0;
        while (isalnum((unsigned char)s[len]) || s[len] == '_')
            len++;
        ps->p += len;
        return parse_name(ps, s, len, pos);
    }
    if (!c)
        perr(ps, pos, "unexpected end of expression");
    else
        perr(ps, pos, "unexpected '%c'", c);
    return -1;
}

static int parse_power(parser *ps)
{
    int a = parse_atom(ps);
    if (a < 0)
        return -1;
    skipws(ps);
    const char *s = ps->src + ps->p;
    size_t pos = ps->p;
    if (s[0] == '^' || (s[0] == '*' && s[1] == '*')) {
        ps->p += s[0] == '^' ? 1 : 2;
        int b = nested_factor(ps, pos);
        return b < 0 ? -1 : push(ps, GN_XOP_POW, a, b, pos);
    }
    return a;
}

static int parse_factor(parser *ps)
{
    skipws(ps);
    char c = ps->src[ps->p];
    if (c == '-' || c == '+') {
        size_t pos = ps->p++;
        int a = nested_factor(ps, pos);
        return a < 0 ? -1 : c == '-' ? push(ps, GN_XOP_NEG, a, -1, pos) : a;
    }
    return parse_power(ps);
}

static int parse_term(parser *ps)
{
    int a = parse_factor(ps);
    while (a >= 0) {
        skipws(ps);
        const char *s = ps->src + ps->p;
        if (s[0] == '/' || (s[0] == '*' && s[1] != '*')) {
            size_t pos = ps->p++;
            int b = parse_factor(ps);
            if (b < 0)
                return -1;
            a = push(ps, s[0] == '*' ? GN_XOP_MUL : GN_XOP_DIV, a, b, pos);
        } else
            break;
    }
    return a;
}

static int parse_sum(parser *ps)
{
    if (enter(ps, ps->p))
        return -1;
    int a = parse_term(ps);
    while (a >= 0) {
        skipws(ps);
        char c = ps->src[ps->p];
        if (c != '+' && c != '-')
            break;
        size_t pos = ps->p++;
        int b = parse_term(ps);
        if (b < 0)
            return -1;
        a = push(ps, c == '+' ? GN_XOP_ADD : GN_XOP_SUB, a, b, pos);
    }
    ps->depth--;
    return a;
}

void gn_expr_free(gn_expr *e)
{
    if (!e)
        return;
    if (e->pname)
        for (size_t q = 0; q < e->nparams; q++)
            free(e->pname[q]);
    void *own[] = {e->src, e->node, e->dep, e->litbuf, e->wval, e->wgrad, e->pname, e->root, e};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        free(own[i]);
}

/* the number after the letter prefix of nm (no leading zero), with the prefix's length in
 * *pl; -1 when nm is not prefix + number */
static long name_number(const char *nm, size_t *pl)
{
    size_t L = strlen(nm), q = L;
    while (q > 0 && isdigit((unsigned char)nm[q - 1]))
        q--;
    if (q == 0 || q == L || nm[q] == '0' || L - q > 6)
        return -1;
    *pl = q;
    return strtol(nm + q, NULL, 10);
}

/* the named notation's order: when every name is one prefix + a number, sort by the
 * number (x1..xn, b1..bk positional); else keep the order of first appearance */
static void order_names(parser *ps)
{
    size_t n = ps->npn, pl0 = 0;
    if (n < 2)
        return;
    long *num = malloc(n * sizeof *num);
    size_t *perm = malloc(n * sizeof *perm);
    char **nn = malloc(n * sizeof *nn);
    int ok = num && perm && nn;
    for (size_t q = 0; ok && q < n; q++) {
        size_t pl;
        num[q] = name_number(ps->pn[q], &pl);
        if (num[q] < 0 || (q && (pl != pl0 || strncmp(ps->pn[q], ps->pn[0], pl))))
            ok = 0;
        pl0 = pl;
    }
    if (ok) {
        /* perm[q] = the new position of name q: the count of smaller numbers */
        for (size_t q = 0; q < n; q++) {
            perm[q] = 0;
            for (size_t r = 0; r < n; r++)
                perm[q] += num[r] < num[q];
        }
        for (size_t q = 0; q < n; q++)
            nn[perm[q]] = ps->pn[q];
        memcpy(ps->pn, nn, n * sizeof *nn);
        for (size_t i = 0; i < ps->nnodes; i++)
            if (ps->node[i].op == GN_XOP_PARAM)
                ps->node[i].idx = perm[ps->node[i].idx];
    }
    GN_FREE_ALL(num, perm, nn);
}

/* a variable or constant may not be named like a function (nor, in the b1..bk notation,
 * like a parameter) */
static void check_names(parser *ps, const gn_expr_opts *o)
{
    for (size_t v = 0; v < o->nvars + o->nconst && !ps->failed; v++) {
        const char *nm = v < o->nvars ? o->vars[v] : o->cnames[v - o->nvars];
        size_t L = strlen(nm), q = 1;
        while (q < L && isdigit((unsigned char)nm[q]))
            q++;
        int clash = !o->named && nm[0] == 'b' && L >= 2 && q == L;
        for (size_t f = 0; f < NFUNCS; f++)
            clash |= !strcmp(nm, funcs[f].name);
        if (clash)
            perr(ps, 0, "the %s name '%s' clashes with a %s name",
                 v < o->nvars ? "variable" : "constant", nm, o->named ? "function" :
                 "parameter or function");
    }
}

/* the list (or the single sum): roots in *roots (malloc'd), their count in *nroots */
static int parse_top(parser *ps, int list, size_t **roots, size_t *nroots)
{
    size_t cap = 0;
    *roots = NULL;
    *nroots = 0;
    for (;;) {
        skipws(ps);
        if (!ps->src[ps->p]) {
            perr(ps, ps->p, *nroots ? "unexpected end of expression" : "empty expression");
            return -1;
        }
        if (list && ps->src[ps->p] == ';') {
            perr(ps, ps->p, "empty residual (nothing before this ';')");
            return -1;
        }
        int r = parse_sum(ps);
        if (r < 0)
            return -1;
        if (*nroots == cap) {
            cap = cap ? 2 * cap : 8;
            size_t *nr = realloc(*roots, cap * sizeof *nr);
            if (!nr) {
                ps->nomem = 1;
                perr(ps, ps->p, "out of memory");
                return -1;
            }
            *roots = nr;
        }
        (*roots)[(*nroots)++] = (size_t)r;
        skipws(ps);
        char c = ps->src[ps->p];
        if (list && c == ';') {
            ps->p++;
            skipws(ps);
            if (!ps->src[ps->p])
                return 0; /* a trailing ';' ends the list */
            continue;
        }
        if (c) {
            if (c == ')' || c == ']')
                perr(ps, ps->p, "unmatched '%c'", c);
            else
                perr(ps, ps->p, "expected an operator (+ - * / ** ^) before '%c'%s", c,
                     list ? " (residuals are separated by ';')" : "");
            return -1;
        }
        return 0;
    }
}

/* each node's parameter dependencies (dep, pconst) and literal pointers */
static void set_deps(gn_expr *e, const size_t *lit_off)
{
    size_t k = e->nparams ? e->nparams : 1;
    for (size_t i = 0; i < e->nnodes; i++) {
        gn_xnode *n = &e->node[i];
        if (lit_off[i] != (size_t)-1)
            n->lit = e->litbuf + lit_off[i];
        unsigned char *d = e->dep + i * k;
        if (n->op == GN_XOP_PARAM)
            d[n->idx] = 1;
        for (size_t p = 0; p < e->nparams; p++) {
            if (n->a >= 0 && e->dep[(size_t)n->a * k + p])
                d[p] = 1;
            if (n->b >= 0 && e->dep[(size_t)n->b * k + p])
                d[p] = 1;
        }
        n->pconst = 1;
        for (size_t p = 0; p < e->nparams; p++)
            if (d[p])
                n->pconst = 0;
    }
}

/* the parameter names: the table of the named notation (taken over), else b1..bk */
static int set_names(gn_expr *e, parser *ps)
{
    e->pname = calloc(e->nparams ? e->nparams : 1, sizeof(char *));
    if (!e->pname)
        return -1;
    for (size_t q = 0; q < e->nparams; q++) {
        if (ps->named) {
            e->pname[q] = ps->pn[q];
            ps->pn[q] = NULL;
        } else {
            char buf[32];
            snprintf(buf, sizeof buf, "b%zu", q + 1);
            e->pname[q] = malloc(strlen(buf) + 1);
            if (!e->pname[q])
                return -1;
            strcpy(e->pname[q], buf);
        }
    }
    return 0;
}

gn_status gn_expr_compile(gn_expr **out, const char *src, const char *const *vars, size_t nvars,
                          const char *const *cnames, const char *const *cvals, size_t nconst,
                          gn_expr_error *err)
{
    gn_expr_opts o = {vars, nvars, cnames, cvals, nconst, 0, 0};
    return gn_expr_compile_opts(out, src, &o, err);
}

gn_status gn_expr_compile_opts(gn_expr **out, const char *src, const gn_expr_opts *o,
                               gn_expr_error *err)
{
    *out = NULL;
    if (err) {
        err->pos = 0;
        err->msg[0] = 0;
    }
    parser ps = {0};
    ps.src = src;
    ps.vars = o->vars;
    ps.nvars = o->nvars;
    ps.cnames = o->cnames;
    ps.cvals = o->cvals;
    ps.nconst = o->nconst;
    ps.named = o->named;
    ps.err = err;
    check_names(&ps, o);
    size_t *roots = NULL, nroots = 0;
    if (!ps.failed)
        parse_top(&ps, o->list, &roots, &nroots);
    if (!ps.failed && ps.named)
        order_names(&ps);
    gn_expr *e = NULL;
    if (!ps.failed) {
        e = calloc(1, sizeof *e);
        if (!e)
            ps.nomem = 1, ps.failed = 1;
    }
    if (!ps.failed) {
        e->nnodes = ps.nnodes;
        e->nparams = ps.named ? ps.npn : ps.maxparam;
        e->nvars = o->nvars;
        e->node = ps.node;
        e->litbuf = ps.lit;
        e->root = roots;
        e->nroots = nroots;
        e->list = o->list;
        roots = NULL;
        ps.node = NULL;
        ps.lit = NULL;
        size_t k = e->nparams ? e->nparams : 1;
        e->src = malloc(strlen(src) + 1);
        e->dep = calloc(e->nnodes * k, 1);
        e->wval = calloc(e->nnodes, sizeof(double));
        e->wgrad = calloc(e->nnodes * k, sizeof(double));
        if (!e->src || !e->dep || !e->wval || !e->wgrad || set_names(e, &ps)) {
            ps.nomem = 1;
            ps.failed = 1;
        } else {
            strcpy(e->src, src);
            set_deps(e, ps.lit_off);
        }
    }
    for (size_t q = 0; q < ps.npn; q++)
        free(ps.pn[q]);
    GN_FREE_ALL(ps.node, ps.lit, ps.lit_off, ps.pn, roots);
    if (ps.failed) {
        gn_expr_free(e);
        return ps.nomem ? GN_ENOMEM : GN_EINPUT;
    }
    *out = e;
    return GN_OK;
}

int gn_expr_uses(const gn_expr *e, size_t p)
{
    if (!e || p >= e->nparams)
        return 0;
    for (size_t i = 0; i < e->nnodes; i++)
        if (e->node[i].op == GN_XOP_PARAM && e->node[i].idx == p)
            return 1;
    return 0;
}

int gn_expr_uses_var(const gn_expr *e, size_t v)
{
    if (!e)
        return 0;
    for (size_t i = 0; i < e->nnodes; i++)
        if (e->node[i].op == GN_XOP_VAR && e->node[i].idx == v)
            return 1;
    return 0;
}

long gn_expr_param_index(const gn_expr *e, const char *name)
{
    for (size_t q = 0; e && name && q < e->nparams; q++)
        if (!strcmp(e->pname[q], name))
            return (long)q;
    return -1;
}

/* the parameter list "a, k, c" (at most len bytes) into buf */
static void param_list(char *buf, size_t len, const gn_expr *e)
{
    buf[0] = 0;
    for (size_t q = 0, L = 0; q < e->nparams && L + 1 < len; q++) {
        int w = snprintf(buf + L, len - L, "%s%s", q ? ", " : "", e->pname[q]);
        if (w < 0)
            break;
        L += (size_t)w;
    }
}

/* one start item text[lo..hi) (trimmed), positional (*named 0) or "name=value" */
static gn_status start_item(double *b0, const gn_expr *e, const char *text, size_t lo,
                            size_t hi, size_t cnt, int *form, unsigned char *seen,
                            gn_expr_error *err)
{
    while (lo < hi && isspace((unsigned char)text[lo]))
        lo++;
    while (hi > lo && isspace((unsigned char)text[hi - 1]))
        hi--;
    const char *eq = memchr(text + lo, '=', hi - lo);
    int named = eq != NULL;
    err->pos = lo;
    if (*form >= 0 && named != *form) {
        snprintf(err->msg, sizeof err->msg, "give every starting value by name (a=1,k=0.5) "
                                            "or none (1,0.5), not a mix");
        return GN_EINPUT;
    }
    *form = named;
    size_t vlo = named ? (size_t)(eq - text) + 1 : lo, q = cnt;
    if (named) {
        size_t nhi = (size_t)(eq - text);
        while (nhi > lo && isspace((unsigned char)text[nhi - 1]))
            nhi--;
        char nm[128];
        size_t nl = nhi - lo < sizeof nm - 1 ? nhi - lo : sizeof nm - 1;
        if (nl == 0) {
            snprintf(err->msg, sizeof err->msg, "a name is missing before '='");
            return GN_EINPUT;
        }
        memcpy(nm, text + lo, nl);
        nm[nl] = 0;
        long qi = gn_expr_param_index(e, nm);
        if (qi < 0) {
            char pl[120];
            param_list(pl, sizeof pl, e);
            snprintf(err->msg, sizeof err->msg, "'%.40s' is not a parameter of the model: "
                     "it never enters it (unidentifiable; the parameters are %.60s)", nm, pl);
            return GN_EZERO;
        }
        q = (size_t)qi;
        if (seen[q]) {
            snprintf(err->msg, sizeof err->msg, "'%.60s' is given twice", nm);
            return GN_EINPUT;
        }
    }
    while (vlo < hi && isspace((unsigned char)text[vlo]))
        vlo++;
    char buf[64];
    size_t vl = hi - vlo;
    if (vl == 0 || vl >= sizeof buf) {
        err->pos = vlo;
        snprintf(err->msg, sizeof err->msg, vl ? "value too long" : "a value is missing");
        return GN_EINPUT;
    }
    memcpy(buf, text + vlo, vl);
    buf[vl] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v)) {
        err->pos = vlo;
        snprintf(err->msg, sizeof err->msg, "'%s' is not a finite number", buf);
        return GN_EINPUT;
    }
    if (q < e->nparams) {
        b0[q] = v;
        seen[q] = 1;
    }
    return GN_OK;
}

gn_status gn_expr_start(double *b0, const gn_expr *e, const char *text, gn_expr_error *err)
{
    err->pos = 0;
    err->msg[0] = 0;
    unsigned char *seen = calloc(e->nparams ? e->nparams : 1, 1);
    if (!seen)
        return GN_ENOMEM;
    size_t cnt = 0, lo = 0, len = strlen(text);
    int form = -1;
    gn_status st = GN_OK;
    for (;;) {
        size_t hi = lo;
        while (hi < len && text[hi] != ',')
            hi++;
        st = start_item(b0, e, text, lo, hi, cnt, &form, seen, err);
        if (st != GN_OK)
            break;
        cnt++;
        if (hi >= len)
            break;
        lo = hi + 1;
    }
    char pl[120];
    param_list(pl, sizeof pl, e);
    if (st == GN_OK && form == 0 && cnt != e->nparams) {
        err->pos = 0;
        snprintf(err->msg, sizeof err->msg, "%zu starting values for %zu parameters (%.100s)", cnt,
                 e->nparams, pl);
        st = GN_EINPUT;
    }
    for (size_t q = 0; st == GN_OK && q < e->nparams; q++)
        if (!seen[q]) {
            err->pos = len;
            snprintf(err->msg, sizeof err->msg, "no starting value for parameter '%.40s' "
                     "(the parameters are %.80s)", e->pname[q], pl);
            st = GN_EINPUT;
        }
    free(seen);
    return st;
}

/* pow with a parameter-free exponent c: integer c goes through pow, which glibc rounds
 * correctly for every argument; a < 0 with non-integer c is NaN (reported). */
int gn_expr_inject = -1;

/* node n's value from its operands A, B; *cu, *cv the local partials d r / d A, d r / d B
 * (the chain rule's factors) when wantg */
static double node_value(const gn_expr *e, const gn_xnode *n, double A, double B,
                         const double *b, const double *v, int wantg, double *cu, double *cv)
{
    double r;
    switch (n->op) {
    case GN_XOP_CONST: return n->val;
    case GN_XOP_PI: return 3.14159265358979323846264338327950288;
    case GN_XOP_VAR: return v[n->idx];
    case GN_XOP_PARAM: return b[n->idx];
    case GN_XOP_NEG: *cu = -1.0; return -A;
    case GN_XOP_ADD: *cu = 1.0; *cv = 1.0; return A + B;
    case GN_XOP_SUB: *cu = 1.0; *cv = -1.0; return A - B;
    case GN_XOP_MUL: *cu = B; *cv = A; return A * B;
    case GN_XOP_DIV: r = A / B; *cu = 1.0 / B; *cv = -r / B; return r;
    case GN_XOP_POW:
        r = pow(A, B);
        if (wantg) {
            if (!e->node[n->a].pconst)
                *cu = B * pow(A, B - 1.0);
            if (!n->pconst && !e->node[n->b].pconst)
                *cv = r * log(A);
        }
        return r;
    case GN_XOP_EXP: r = exp(A); *cu = r; return r;
    case GN_XOP_LOG: *cu = 1.0 / A; return log(A);
    case GN_XOP_SIN: *cu = cos(A); return sin(A);
    case GN_XOP_COS: *cu = -sin(A); return cos(A);
    case GN_XOP_TAN: r = tan(A); *cu = 1.0 + r * r; return r;
    case GN_XOP_ATAN: *cu = 1.0 / (1.0 + A * A); return atan(A);
    case GN_XOP_SQRT: r = sqrt(A); *cu = 0.5 / r; return r;
    case GN_XOP_ABS: *cu = A > 0.0 ? 1.0 : A < 0.0 ? -1.0 : A == 0.0 ? 0.0 : NAN; return fabs(A);
    case GN_XOP_ATAN2: {
        /* d/dA = B / (A^2 + B^2), d/dB = -A / (A^2 + B^2); scaled by the larger magnitude
         * so the squares cannot overflow or underflow; (0, 0) gives NaN (undefined) */
        double m = fmax(fabs(A), fabs(B)), a = A / m, c = B / m, h = m * (a * a + c * c);
        *cu = c / h;
        *cv = -a / h;
        return atan2(A, B);
    }
    case GN_XOP_LOG10: *cu = 0.43429448190325182765112891891660508 / A; return log10(A);
    case GN_XOP_TANH: {
        double c = cosh(A);
        *cu = 1.0 / (c * c);
        return tanh(A);
    }
    case GN_XOP_ERF: *cu = 1.12837916709551257389615890312154517 * exp(-A * A); return erf(A);
    default: return NAN;
    }
}

/* nodes lo..hi of the program (one residual, or the whole program); *f = node hi */
static gn_status eval_range(gn_expr *e, size_t lo, size_t hi, double *f, double *grad,
                            const double *b, const double *v)
{
    const size_t k = e->nparams, kk = k ? k : 1;
    double *val = e->wval, *g = e->wgrad;
    const int wantg = grad != NULL && k > 0;
    e->lo = lo;
    e->hi = hi;
    e->lastgrad = wantg;
    for (size_t i = lo; i <= hi; i++) {
        const gn_xnode *n = &e->node[i];
        double A = n->a >= 0 ? val[n->a] : 0.0, B = n->b >= 0 ? val[n->b] : 0.0;
        const double *ga = n->a >= 0 ? g + (size_t)n->a * kk : NULL;
        const double *gb = n->b >= 0 ? g + (size_t)n->b * kk : NULL;
        const unsigned char *da = n->a >= 0 ? e->dep + (size_t)n->a * kk : NULL;
        const unsigned char *db = n->b >= 0 ? e->dep + (size_t)n->b * kk : NULL;
        double *gi = g + i * kk;
        const unsigned char *di = e->dep + i * kk;
        double cu = 0.0, cv = 0.0;
        val[i] = node_value(e, n, A, B, b, v, wantg, &cu, &cv);
        if (!wantg || n->pconst)
            continue;
        if ((int)n->op == gn_expr_inject) {
            cu = 1.5 * cu + 0.75;
            cv = 1.5 * cv + 0.75;
        }
        if (n->op == GN_XOP_PARAM) {
            for (size_t p = 0; p < k; p++)
                gi[p] = 0.0;
            gi[n->idx] = 1.0;
            continue;
        }
        for (size_t p = 0; p < k; p++) {
            if (!di[p]) {
                gi[p] = 0.0;
                continue;
            }
            double s = 0.0;
            int have = 0;
            if (da && da[p]) {
                s = cu * ga[p];
                have = 1;
            }
            if (db && db[p])
                s = have ? s + cv * gb[p] : cv * gb[p];
            gi[p] = s;
        }
    }
    *f = val[hi];
    int ok = isfinite(*f);
    if (grad) {
        const unsigned char *dr = e->dep + hi * kk;
        for (size_t p = 0; p < k; p++) {
            grad[p] = dr[p] ? g[hi * kk + p] : 0.0;
            if (!isfinite(grad[p]))
                ok = 0;
        }
    }
    return ok ? GN_OK : GN_ENONFINITE;
}

gn_status gn_expr_eval(gn_expr *e, double *f, double *grad, const double *b, const double *v)
{
    return eval_range(e, 0, e->nnodes - 1, f, grad, b, v);
}

gn_status gn_expr_eval_root(gn_expr *e, size_t i, double *f, double *grad, const double *b,
                            const double *v)
{
    if (i >= e->nroots)
        return GN_EINPUT;
    return eval_range(e, i ? e->root[i - 1] + 1 : 0, e->root[i], f, grad, b, v);
}

static const char *const op_name[GN_NXOP] = {
    "number", "parameter", "variable", "pi",   "unary minus", "+",    "-",     "*",
    "/",      "power",     "exp",      "log",  "sin",         "cos",  "tan",   "atan",
    "sqrt",   "abs",       "atan2",    "log10", "tanh",       "erf"};

/* why node n (operands A, B) is not finite: the hint for gn_expr_diagnose */
static const char *hint(const gn_xnode *n, double A, double B, int deriv)
{
    switch (n->op) {
    case GN_XOP_DIV: return B == 0.0 ? "division by zero" : "the quotient overflows";
    case GN_XOP_LOG:
    case GN_XOP_LOG10:
        return A < 0.0 ? "log of a negative number" : A == 0.0 ? "log of zero" : "";
    case GN_XOP_SQRT:
        return A < 0.0 ? "square root of a negative number"
                       : deriv ? "the derivative of sqrt is infinite at 0" : "";
    case GN_XOP_POW:
        return A < 0.0 && B != floor(B) ? "a negative number to a non-integer power"
               : A == 0.0 && (B < 0.0 || deriv) ? "zero to a negative power (or its derivative)"
                                                : "the power overflows";
    case GN_XOP_EXP: return "exp overflows (argument above 709.78)";
    case GN_XOP_ATAN2: return A == 0.0 && B == 0.0 ? "atan2(0, 0): the angle is undefined" : "";
    case GN_XOP_TAN: return "tan at a pole (an odd multiple of pi/2)";
    case GN_XOP_VAR: return "a data value is not finite";
    case GN_XOP_PARAM: return "a parameter value is not finite";
    default: return "overflow";
    }
}

gn_status gn_expr_diagnose(const gn_expr *e, gn_expr_error *err)
{
    err->pos = 0;
    err->msg[0] = 0;
    const size_t kk = e->nparams ? e->nparams : 1;
    for (int pass = 0; pass < 1 + e->lastgrad; pass++)
        for (size_t i = e->lo; i <= e->hi && i < e->nnodes; i++) {
            const gn_xnode *n = &e->node[i];
            int bad = 0;
            if (pass == 0)
                bad = !isfinite(e->wval[i]) && (n->a < 0 || isfinite(e->wval[n->a])) &&
                      (n->b < 0 || isfinite(e->wval[n->b]));
            else if (!n->pconst) {
                const double *gi = e->wgrad + i * kk;
                int opfin = 1, fin = 1;
                for (size_t p = 0; p < e->nparams; p++) {
                    if (!e->dep[i * kk + p])
                        continue;
                    fin &= isfinite(gi[p]);
                    if (n->a >= 0 && e->dep[(size_t)n->a * kk + p])
                        opfin &= isfinite(e->wgrad[(size_t)n->a * kk + p]);
                    if (n->b >= 0 && e->dep[(size_t)n->b * kk + p])
                        opfin &= isfinite(e->wgrad[(size_t)n->b * kk + p]);
                }
                bad = !fin && opfin;
            }
            if (!bad)
                continue;
            double A = n->a >= 0 ? e->wval[n->a] : 0.0, B = n->b >= 0 ? e->wval[n->b] : 0.0;
            const char *h = hint(n, A, B, pass);
            err->pos = n->pos;
            int len = snprintf(err->msg, sizeof err->msg, "%s of %s is not finite",
                               pass ? "the derivative" : "the value",
                               (unsigned)n->op < GN_NXOP ? op_name[n->op] : "?");
            if (n->a >= 0 && len > 0 && (size_t)len < sizeof err->msg)
                len += snprintf(err->msg + len, sizeof err->msg - (size_t)len,
                                n->b >= 0 ? " (arguments %.17g, %.17g)" : " (argument %.17g)",
                                A, B);
            if (*h && len > 0 && (size_t)len < sizeof err->msg)
                snprintf(err->msg + len, sizeof err->msg - (size_t)len, ": %s", h);
            return GN_OK;
        }
    return GN_EINPUT;
}

void gn_expr_print_error(FILE *f, const char *src, const gn_expr_error *err)
{
    fputs("  ", f);
    for (const char *s = src; *s; s++)
        fputc((*s == '\n' || *s == '\t' || *s == '\r') ? ' ' : *s, f);
    fputs("\n  ", f);
    size_t len = strlen(src), pos = err->pos > len ? len : err->pos;
    for (size_t i = 0; i < pos; i++)
        fputc(' ', f);
    fprintf(f, "^ column %zu: %s\n", pos + 1, err->msg);
}
