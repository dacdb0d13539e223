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

/* gn_io_jl_begin: start an object on f ('{'). Output errors are the stream's (ferror).
 * No equation: JSON Lines writer. */
void gn_io_jl_begin(gn_io_jl *j, FILE *f);
/* gn_io_jl_str: "key":"val" (escaped as gn_io_json_string); val NULL writes null.
 * No equation: JSON Lines writer. */
void gn_io_jl_str(gn_io_jl *j, const char *key, const char *val);
/* gn_io_jl_num: "key":val with %.17g (reads back exactly); NaN and +-inf write null.
 * No equation: JSON Lines writer. */
void gn_io_jl_num(gn_io_jl *j, const char *key, double val);
/* gn_io_jl_int: "key":val in decimal.
 * No equation: JSON Lines writer. */
void gn_io_jl_int(gn_io_jl *j, const char *key, long long val);
/* gn_io_jl_bool: "key":true or false (val != 0).
 * No equation: JSON Lines writer. */
void gn_io_jl_bool(gn_io_jl *j, const char *key, int val);
/* gn_io_jl_end: close the object ("}\n") and flush f, so a reader sees whole lines.
 * No equation: JSON Lines writer. */
void gn_io_jl_end(gn_io_jl *j);
/* gn_io_json_string: s as a JSON string literal: quote and backslash escaped, \n and \t,
 * other control characters as \u00XX; bytes >= 0x80 copied (UTF-8 passes through); NULL s
 * writes "".
 * No equation: JSON string escaping. */
void gn_io_json_string(FILE *f, const char *s);

/* ------------------------------------------------ the shard file's fields */
/* gn_io_jfield: the value of "key" in one JSON object line: a string value unescaped (\" \\
 * \n \t \uXXXX for XXXX < 0x80), any other value as its raw text. Returns 0, or -1 if the
 * key is absent or the value does not fit in cap. The lines are the ones gn_io_jl_* wrote.
 * No equation: JSON Lines field reader (for the lines gn_io_jl_* wrote, not general JSON). */
int gn_io_jfield(char *out, size_t cap, const char *line, const char *key);
/* gn_io_jfield_u64: the field as decimal digits only (gn_io_parse_u64, nothing after).
 * gn_io_jfield_hex: the field as one number token of gn_io_num_scan with GN_IO_NUM_HEX and
 * GN_IO_NUM_WORDS (what gn_io_hexstr writes: hex, inf, -inf, nan; decimal also read),
 * converted exactly by gn_io_num_double.
 * Special: -1 (out untouched) when the key is absent, the value is too long, not such a
 *          token, or overflows double.
 * No equation: JSON Lines field reader. */
int gn_io_jfield_u64(uint64_t *out, const char *line, const char *key);
/* gn_io_jfield_hex: No equation: JSON Lines field reader; exact for what gn_io_hexstr wrote. */
int gn_io_jfield_hex(double *out, const char *line, const char *key);
/* gn_io_parse_u64: decimal digits at *p into *v, advancing *p past them. Returns 0, or -1
 * when *p does not start with a digit or the value exceeds UINT64_MAX (*p untouched).
 * No equation: integer parsing. */
int gn_io_parse_u64(uint64_t *v, const char **p);
/* gn_io_hexstr: a double as a C99 hex string ("%a", exact; "inf", "-inf", "nan"), truncated
 * to cap - 1 characters like snprintf (40 always suffice).
 * No equation: exact double writer (reads back with gn_io_jfield_hex). */
void gn_io_hexstr(char *buf, size_t cap, double v);

#endif
