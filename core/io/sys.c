/* sys.c: the clock, progress reporting and running external programs (see gn_io.h). */
#include "gn_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double gn_io_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static gn_io_progress_fn *progress_fn;
static void *progress_ctx;

void gn_io_progress_set(gn_io_progress_fn *fn, void *ctx)
{
    progress_fn = fn;
    progress_ctx = ctx;
}

void gn_io_progress(const char *what, size_t i, size_t n)
{
    if (progress_fn)
        progress_fn(progress_ctx, what, i, n);
}

void gn_io_progress_done(void)
{
    if (progress_fn)
        progress_fn(progress_ctx, NULL, 0, 0);
}

int gn_io_close_checked(FILE *f, const char *who, const char *path)
{
    if (!f)
        return -1;
    int bad = ferror(f) != 0;
    errno = 0;
    int std = f == stdout || f == stderr;
    int e = (std ? fflush(f) : fclose(f)) != 0 ? errno : 0;
    if (!bad && !e)
        return 0;
    fprintf(stderr, "gnlab %s: cannot write %s: %s\n", who, path ? path : "standard output",
            e ? strerror(e) : "write error");
    return -1;
}

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int gn_io_have(const char *prog)
{
    if (!prog || !*prog)
        return 0;
    if (strchr(prog, '/'))
        return executable(prog);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t pl = strlen(prog);
    while (*path) {
        size_t n = strcspn(path, ":");
        char *full = malloc(n + pl + 2);
        if (!full)
            return 0;
        if (n) {
            memcpy(full, path, n);
            full[n] = '/';
            memcpy(full + n + 1, prog, pl + 1);
        } else {
            memcpy(full, prog, pl + 1);
        }
        int ok = executable(full);
        free(full);
        if (ok)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

int gn_io_run(const char *dir, const char *const argv[], const char *stdout_path)
{
    if (!argv || !argv[0])
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) {
            dup2(in, 0);
            close(in);
        }
        if (stdout_path) {
            int out = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out < 0)
                _exit(127);
            dup2(out, 1);
            close(out);
        }
        if (dir && chdir(dir) != 0)
            _exit(127);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* gnuplot 5.4's scanner mis-reads a doubled quote at the start of a single-quoted string or
 * right after another doubled quote (the scripts 'x''''y' and a string opening with three
 * quotes are errors), so a quote is never doubled here: each one is the double-quoted
 * string "'" (nothing else inside, so no backslash escape and no backquote substitution
 * applies) joined by gnuplot's concatenation operator to the single-quoted runs around it:
 * a'b becomes 'a'."'".'b'. */
void gn_io_gnuplot_str(FILE *f, const char *s)
{
    if (!s || !*s) {
        fputs("''", f);
        return;
    }
    int open = 0; /* inside a single-quoted run */
    for (int first = 1; *s; s++, first = 0) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'') {
            fputs(open ? "'.\"'\"" : first ? "\"'\"" : ".\"'\"", f);
            open = 0;
            continue;
        }
        if (!open) {
            fputs(first ? "'" : ".'", f);
            open = 1;
        }
        fputc(c < 0x20 || c == 0x7f ? ' ' : (int)c, f);
    }
    if (open)
        fputc('\'', f);
}

/* DOT's lexer knows one escape in a quoted string, \" ; label processing then reads \\ as
 * one backslash, so a backslash is doubled and a quote escaped */
void gn_io_dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else if (c == '"')
            fputs("\\\"", f);
        else if (c == '\\')
            fputs("\\\\", f);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void gn_io_dir_list_free(char **files, size_t n)
{
    for (size_t f = 0; files && f < n; f++)
        free(files[f]);
    free(files);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

gn_status gn_io_dir_list(char ***files, size_t *nf, const char *dir, const char *suffix,
                         char *err, size_t errlen)
{
    *files = NULL;
    *nf = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        gn_io_errf(err, errlen, "cannot open directory %s", dir);
        return GN_EINPUT;
    }
    const size_t sl = strlen(suffix);
    char **fl = NULL;
    size_t n = 0;
    gn_status st = GN_OK;
    struct dirent *de;
    while (st == GN_OK && (de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l <= sl || strcmp(de->d_name + l - sl, suffix))
            continue;
        char **nfl = realloc(fl, (n + 1) * sizeof *nfl);
        size_t pl = strlen(dir) + l + 2;
        char *name = nfl ? malloc(pl) : NULL;
        if (nfl)
            fl = nfl;
        if (!name) {
            st = GN_ENOMEM;
            break;
        }
        snprintf(name, pl, "%s/%s", dir, de->d_name);
        fl[n++] = name;
    }
    closedir(dp);
    if (st == GN_OK && !n) {
        gn_io_errf(err, errlen, "no *%s files in %s", suffix, dir);
        st = GN_EINPUT;
    }
    if (st != GN_OK) {
        if (st == GN_ENOMEM)
            gn_io_errf(err, errlen, "out of memory");
        gn_io_dir_list_free(fl, n);
        return st;
    }
    qsort(fl, n, sizeof *fl, cmp_names);
    *files = fl;
    *nf = n;
    return GN_OK;
}
