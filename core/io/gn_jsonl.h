/* gn_jsonl.h: JSON Lines, the machine-readable output of every gnlab command and the
 * format of shard files: a writer (one object per line), a field reader for the lines it
 * wrote, and doubles as exact C99 hex strings. */
#ifndef GN_JSONL_H
#define GN_JSONL_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* ----------------------------------------------------------- JSON Lines */
/* One object per line: gn_io_jl_begin, then fields, then gn_io_jl_end. Numbers print with
 * %.17g; NaN and infinities print as null (JSON has no such numbers). */
typedef struct {
    FILE *f;
    int nfields;
} gn_io_jl;

void gn_io_jl_begin(gn_io_jl *j, FILE *f);
void gn_io_jl_str(gn_io_jl *j, const char *key, const char *val);
void gn_io_jl_num(gn_io_jl *j, const char *key, double val);
void gn_io_jl_int(gn_io_jl *j, const char *key, long long val);
void gn_io_jl_bool(gn_io_jl *j, const char *key, int val);
void gn_io_jl_end(gn_io_jl *j);
/* a JSON string literal with escapes */
void gn_io_json_string(FILE *f, const char *s);

/* ------------------------------------------------ the shard file's fields */
/* gn_io_jfield: the value of "key" in one JSON object line: a string value unescaped (\" \\
 * \n \t \uXXXX for XXXX < 0x80), any other value as its raw text. Returns 0, or -1 if the
 * key is absent or the value does not fit in cap. The lines are the ones gn_io_jl_* wrote. */
int gn_io_jfield(char *out, size_t cap, const char *line, const char *key);
/* gn_io_jfield_u64 / gn_io_jfield_hex: an unsigned integer, a hex double string; -1 on absence or
 * bad syntax. */
int gn_io_jfield_u64(uint64_t *out, const char *line, const char *key);
int gn_io_jfield_hex(double *out, const char *line, const char *key);
/* gn_io_parse_u64: decimal digits at *p into *v, advancing *p past them. Returns 0, or -1
 * when *p does not start with a digit or the value exceeds UINT64_MAX (*p untouched). */
int gn_io_parse_u64(uint64_t *v, const char **p);
/* gn_io_hexstr: a double as a C99 hex string ("%a"; "inf", "-inf", "nan"). */
void gn_io_hexstr(char *buf, size_t cap, double v);

#endif
