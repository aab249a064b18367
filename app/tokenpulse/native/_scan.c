/* tokenpulse.native._scan: the per-byte work of the scan, compiled.
 *
 * claude_block(data, start, end) and codex_block(data, start, end) walk the complete lines of
 * data[start:end] once. A line without the format's needles is only checked for being a JSON object (torn
 * lines are counted). A line with a needle is validated as JSON and its few fields are read straight from the
 * bytes; the result is a tuple of them (the record the parser's `_record` / `_on_token_count` takes), nothing
 * (a line that yields no call, e.g. a progress line), or the line itself as bytes when this code is not sure
 * it would read it exactly as msgspec does: an escape in a field it extracts, a float or huge integer where a
 * field is typed Any, a duplicate field, nesting deeper than MAX_DEPTH, invalid UTF-8 anywhere, an escaped
 * surrogate, anything that is not valid JSON. The parser decodes such a line with msgspec, so the two paths
 * cannot disagree: where this code decides, it follows msgspec's rules (tests/native checks it differentially).
 *
 * The Python twin is tokenpulse/native/pyscan.py (it returns every needle line as a line).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifndef TOKENPULSE_SOURCE_HASH
#define TOKENPULSE_SOURCE_HASH "unknown" /* setup.py defines it: the sha256 of this file */
#endif

#define MAX_DEPTH 64
#define MAX_TOKENS 1000000000000LL /* tokenpulse.usage.MAX_TOKENS */
#define EPOCH_MS_MIN 946684800000LL /* tokenpulse.sources.fields: 2000-01-01 */
#define EPOCH_MS_MAX 4102444800000LL /* 2100-01-01 */

enum { OK = 0, BAIL = 1, PYERR = 2, NOTHING = 3 }; /* NOTHING: a needle line that yields no call */
enum { F_ESCAPED = 1, F_NONASCII = 2 };
enum { S_MISSING = 0, S_NULL, S_TRUE, S_FALSE, S_INT, S_STR };
enum { N_INT, N_BIG, N_FLOAT };

#define ONES 0x0101010101010101ULL

static unsigned char SPECIAL[256]; /* bytes that stop the plain run of a string: '"', '\\', controls, non-ASCII */
static signed char HEX[256];

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    int depth;
} Cur;

typedef struct {
    int kind;
    const unsigned char *s; /* S_STR: the raw bytes between the quotes */
    Py_ssize_t n;
    int flags;
    long long v; /* S_INT */
} Scalar;

/* ---------------------------------------------------------------------------------------------------- */
/* JSON lexing                                                                                           */
/* ---------------------------------------------------------------------------------------------------- */

static inline void skip_ws(Cur *c)
{
    const unsigned char *p = c->p, *end = c->end;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    c->p = p;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0: the same rule as Python's strict
 * decoder (no overlong forms, no surrogates, nothing past U+10FFFF). */
static inline int utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char b = p[0];
    if (b < 0xC2)
        return 0;
    if (b < 0xE0)
        return (end - p >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (b < 0xF0) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((b == 0xE0 && p[1] < 0xA0) || (b == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (b < 0xF5) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((b == 0xF0 && p[1] < 0x90) || (b == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* c->p at the opening quote. Validates the string (escapes, no raw control bytes, strict UTF-8, no escaped
 * surrogate) and gives its raw span. */
static int scan_string(Cur *c, const unsigned char **start, Py_ssize_t *len, int *flags)
{
    const unsigned char *p = c->p + 1, *end = c->end;
    int f = 0;
    *start = p;
    for (;;) {
        /* the long plain runs of prompt and tool text: 16 (or 8) bytes at a time up to the next special one */
#if defined(__SSE2__) && defined(__GNUC__)
        {
            const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
            while (end - p >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
                /* signed: bytes >= 0x80 are negative, so one comparison finds controls and non-ASCII */
                __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                               _mm_cmplt_epi8(v, space));
                unsigned mask = (unsigned)_mm_movemask_epi8(special);
                if (mask) {
                    p += __builtin_ctz(mask);
                    break;
                }
                p += 16;
            }
        }
#else
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            uint64_t q = v ^ (ONES * '"'), s = v ^ (ONES * '\\');
            uint64_t hits = ((q - ONES) & ~q) | ((s - ONES) & ~s) | ((v - ONES * 0x20) & ~v) | v;
            if (hits & (ONES * 0x80))
                break;
            p += 8;
        }
#endif
        while (p < end && !SPECIAL[*p])
            p++;
        if (p >= end)
            return BAIL;
        unsigned char b = *p;
        if (b == '"')
            break;
        if (b == '\\') {
            f |= F_ESCAPED;
            if (end - p < 2)
                return BAIL;
            unsigned char e = p[1];
            if (e == 'u') {
                if (end - p < 6)
                    return BAIL;
                unsigned v = 0;
                for (int i = 2; i < 6; i++) {
                    int h = HEX[p[i]];
                    if (h < 0)
                        return BAIL;
                    v = v * 16 + (unsigned)h;
                }
                if (v >= 0xD800 && v <= 0xDFFF)
                    return BAIL;
                p += 6;
            }
            else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                     e == 't') {
                p += 2;
            }
            else {
                return BAIL;
            }
        }
        else if (b < 0x20) {
            return BAIL;
        }
        else {
            int l = utf8_len(p, end);
            if (!l)
                return BAIL;
            f |= F_NONASCII;
            p += l;
        }
    }
    *len = p - *start;
    *flags = f;
    c->p = p + 1;
    return OK;
}

static inline int is_digit(unsigned char b) { return b >= '0' && b <= '9'; }

/* c->p at '-' or a digit: JSON's number grammar exactly. */
static int scan_number(Cur *c, int *kind, long long *value)
{
    const unsigned char *p = c->p, *end = c->end;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end)
        return BAIL;
    const unsigned char *digits = p;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (p < end && is_digit(*p))
            p++;
    else
        return BAIL;
    Py_ssize_t nd = p - digits;
    int whole = 1;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return BAIL;
        while (p < end && is_digit(*p))
            p++;
        whole = 0;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return BAIL;
        while (p < end && is_digit(*p))
            p++;
        whole = 0;
    }
    c->p = p;
    if (!whole) {
        *kind = N_FLOAT;
        return OK;
    }
    if (nd > 18) {
        *kind = N_BIG;
        return OK;
    }
    long long v = 0;
    for (const unsigned char *d = digits; d < digits + nd; d++)
        v = v * 10 + (*d - '0');
    *value = neg ? -v : v;
    *kind = N_INT;
    return OK;
}

static int literal(Cur *c, const char *word, Py_ssize_t n)
{
    if (c->end - c->p < n || memcmp(c->p, word, (size_t)n) != 0)
        return BAIL;
    c->p += n;
    return OK;
}

/* After a value inside a container: ',' (more follows, 1) or the closing byte (done, 0); else BAIL (-1). */
static inline int next_member(Cur *c, unsigned char close)
{
    skip_ws(c);
    if (c->p >= c->end)
        return -1;
    if (*c->p == ',') {
        c->p++;
        skip_ws(c);
        return 1;
    }
    if (*c->p == close) {
        c->p++;
        return 0;
    }
    return -1;
}

static int skip_value(Cur *c, int strict);

/* c->p at '{' or '['. `strict`: the value is decoded by msgspec as Any (floats and big integers are
 * converted there, and may be refused), so only what converts surely is accepted; else it is only skipped,
 * as msgspec skips an undeclared field (any number in JSON's grammar). */
static int skip_container(Cur *c, int strict)
{
    unsigned char close = *c->p == '{' ? '}' : ']';
    if (++c->depth > MAX_DEPTH)
        return BAIL;
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        c->depth--;
        return OK;
    }
    for (;;) {
        if (close == '}') {
            const unsigned char *k;
            Py_ssize_t kn;
            int kf;
            if (c->p >= c->end || *c->p != '"' || scan_string(c, &k, &kn, &kf))
                return BAIL;
            skip_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return BAIL;
            c->p++;
            skip_ws(c);
        }
        if (skip_value(c, strict))
            return BAIL;
        int more = next_member(c, close);
        if (more < 0)
            return BAIL;
        if (!more)
            break;
    }
    c->depth--;
    return OK;
}

static int skip_value(Cur *c, int strict)
{
    if (c->p >= c->end)
        return BAIL;
    switch (*c->p) {
    case '"': {
        const unsigned char *s;
        Py_ssize_t n;
        int f;
        return scan_string(c, &s, &n, &f);
    }
    case '{':
    case '[':
        return skip_container(c, strict);
    case 't':
        return literal(c, "true", 4);
    case 'f':
        return literal(c, "false", 5);
    case 'n':
        return literal(c, "null", 4);
    default: {
        if (*c->p != '-' && !is_digit(*c->p))
            return BAIL;
        int kind;
        long long v;
        if (scan_number(c, &kind, &v))
            return BAIL;
        return (strict && kind != N_INT) ? BAIL : OK;
    }
    }
}

/* A field typed Any whose value we read: null, a boolean, a small integer or a string; anything else BAILs. */
static int scan_scalar(Cur *c, Scalar *out)
{
    if (out->kind != S_MISSING)
        return BAIL; /* a duplicate field: msgspec keeps the last, we do not guess */
    if (c->p >= c->end)
        return BAIL;
    switch (*c->p) {
    case '"':
        out->kind = S_STR;
        return scan_string(c, &out->s, &out->n, &out->flags);
    case 't':
        out->kind = S_TRUE;
        return literal(c, "true", 4);
    case 'f':
        out->kind = S_FALSE;
        return literal(c, "false", 5);
    case 'n':
        out->kind = S_NULL;
        return literal(c, "null", 4);
    default: {
        if (*c->p != '-' && !is_digit(*c->p))
            return BAIL;
        int kind;
        if (scan_number(c, &kind, &out->v) || kind != N_INT)
            return BAIL;
        out->kind = S_INT;
        return OK;
    }
    }
}

/* `"key"` ws ':' ws, with c->p at the key's quote. A key with an escape might spell one of our fields:
 * BAIL (msgspec compares unescaped keys). */
static int read_key(Cur *c, const unsigned char **k, Py_ssize_t *kn)
{
    int f;
    if (c->p >= c->end || *c->p != '"' || scan_string(c, k, kn, &f) || (f & F_ESCAPED))
        return BAIL;
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':')
        return BAIL;
    c->p++;
    skip_ws(c);
    return OK;
}

#define KEY_IS(k, kn, lit) ((kn) == (Py_ssize_t)(sizeof(lit) - 1) && memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* Iterates the members of the object at c->p ('{'); the body sees `key`, `keylen` and parses the value. */
#define FOR_MEMBERS(c, key, keylen, BODY)                                                                   \
    do {                                                                                                    \
        if (++(c)->depth > MAX_DEPTH)                                                                       \
            return BAIL;                                                                                    \
        (c)->p++;                                                                                           \
        skip_ws(c);                                                                                         \
        if ((c)->p < (c)->end && *(c)->p == '}') {                                                          \
            (c)->p++;                                                                                       \
        }                                                                                                   \
        else {                                                                                              \
            for (;;) {                                                                                      \
                const unsigned char *key;                                                                   \
                Py_ssize_t keylen;                                                                          \
                if (read_key((c), &key, &keylen))                                                           \
                    return BAIL;                                                                            \
                BODY;                                                                                       \
                int more_ = next_member((c), '}');                                                          \
                if (more_ < 0)                                                                              \
                    return BAIL;                                                                            \
                if (!more_)                                                                                 \
                    break;                                                                                  \
            }                                                                                               \
        }                                                                                                   \
        (c)->depth--;                                                                                       \
    } while (0)

/* A field typed `Struct | None`: null (0), an object (1, c->p left at '{'), or anything else (BAIL: msgspec's
 * ValidationError). `seen` catches a duplicate field. */
static int struct_or_null(Cur *c, int *seen, int *is_object)
{
    if (*seen)
        return BAIL;
    *seen = 1;
    if (c->p < c->end && *c->p == '{') {
        *is_object = 1;
        return OK;
    }
    *is_object = 0;
    return literal(c, "null", 4);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Values handed to Python                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

/* A text field as the parsers read it: a non-empty string, else None. *out is a new reference. */
static int text_of(const Scalar *s, PyObject **out)
{
    if (s->kind != S_STR || s->n == 0) {
        Py_INCREF(Py_None);
        *out = Py_None;
        return OK;
    }
    if (s->flags & F_ESCAPED)
        return BAIL;
    *out = PyUnicode_DecodeUTF8((const char *)s->s, s->n, NULL);
    if (*out == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            return PYERR;
        PyErr_Clear();
        return BAIL;
    }
    return OK;
}

static inline int two(const unsigned char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* `YYYY-MM-DDTHH:MM:SS.mmmZ` (what Claude Code and Codex write) to epoch milliseconds exactly as
 * fields.parse_iso_ms computes them (int(datetime.timestamp() * 1000), float rounding included); -1 for any
 * other form, an impossible date or an implausible moment, which Python then reads (or refuses) itself. */
static long long iso_ms_of(const unsigned char *s, Py_ssize_t n)
{
    static const unsigned char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 24)
        return -1;
    for (int i = 0; i < 24; i++) {
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
            return -1;
    }
    long long year = two(s) * 100 + two(s + 2);
    unsigned month = (unsigned)two(s + 5), day = (unsigned)two(s + 8);
    int hour = two(s + 11), minute = two(s + 14), second = two(s + 17);
    int milli = (s[20] - '0') * 100 + two(s + 21);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
        return -1;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > (unsigned)(mdays[month - 1] + (month == 2 && leap)))
        return -1;
    long long seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    long long micros = (seconds * 1000 + milli) * 1000;
    /* Python: (micros / 10**6) * 1000, two correctly rounded double operations, then truncation */
    volatile double ts = (double)micros / 1e6;
    double ms = ts * 1000.0;
    long long out = (long long)ms;
    if (out < EPOCH_MS_MIN || out > EPOCH_MS_MAX)
        return -1;
    return out;
}

/* A timestamp field: its epoch milliseconds when read here, else its text (or None when not a string). */
static int stamp_of(const Scalar *s, PyObject **out)
{
    if (s->kind == S_STR && !(s->flags & F_ESCAPED)) {
        long long ms = iso_ms_of(s->s, s->n);
        if (ms >= 0) {
            *out = PyLong_FromLongLong(ms);
            return *out ? OK : PYERR;
        }
    }
    if (s->kind != S_STR) {
        Py_INCREF(Py_None);
        *out = Py_None;
        return OK;
    }
    if (s->flags & F_ESCAPED)
        return BAIL;
    *out = PyUnicode_DecodeUTF8((const char *)s->s, s->n, NULL);
    if (*out == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            return PYERR;
        PyErr_Clear();
        return BAIL;
    }
    return OK;
}

/* A token count as usage.valid_count reads it: null or missing is 0; -1 when it is not a count. */
static long long count_of(const Scalar *s)
{
    if (s->kind == S_MISSING || s->kind == S_NULL)
        return 0;
    if (s->kind == S_INT && s->v >= 0 && s->v <= MAX_TOKENS)
        return s->v;
    return -1;
}

/* Any JSON value as msgspec decodes a field typed Any: dict, list, str, int, bool or None (floats, big
 * integers, escaped strings: BAIL). */
static int build_any(Cur *c, PyObject **out)
{
    *out = NULL;
    if (c->p >= c->end)
        return BAIL;
    unsigned char b = *c->p;
    if (b == '"') {
        Scalar s = {0};
        if (scan_scalar(c, &s))
            return BAIL;
        if (s.flags & F_ESCAPED)
            return BAIL;
        *out = PyUnicode_DecodeUTF8((const char *)s.s, s.n, NULL);
        if (*out == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
                return PYERR;
            PyErr_Clear();
            return BAIL;
        }
        return OK;
    }
    if (b == '{' || b == '[') {
        int is_dict = b == '{';
        PyObject *box = is_dict ? PyDict_New() : PyList_New(0);
        if (box == NULL)
            return PYERR;
        if (++c->depth > MAX_DEPTH) {
            Py_DECREF(box);
            return BAIL;
        }
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == (is_dict ? '}' : ']')) {
            c->p++;
        }
        else {
            for (;;) {
                PyObject *key = NULL, *item = NULL;
                int rc;
                if (is_dict) {
                    const unsigned char *k;
                    Py_ssize_t kn;
                    if (read_key(c, &k, &kn)) {
                        Py_DECREF(box);
                        return BAIL;
                    }
                    key = PyUnicode_DecodeUTF8((const char *)k, kn, NULL);
                    if (key == NULL) {
                        Py_DECREF(box);
                        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
                            return PYERR;
                        PyErr_Clear();
                        return BAIL;
                    }
                }
                rc = build_any(c, &item);
                if (rc != OK) {
                    Py_XDECREF(key);
                    Py_DECREF(box);
                    return rc;
                }
                int failed = is_dict ? PyDict_SetItem(box, key, item) : PyList_Append(box, item);
                Py_XDECREF(key);
                Py_DECREF(item);
                if (failed) {
                    Py_DECREF(box);
                    return PYERR;
                }
                int more = next_member(c, is_dict ? '}' : ']');
                if (more < 0) {
                    Py_DECREF(box);
                    return BAIL;
                }
                if (!more)
                    break;
            }
        }
        c->depth--;
        *out = box;
        return OK;
    }
    Scalar s = {0};
    if (scan_scalar(c, &s))
        return BAIL;
    switch (s.kind) {
    case S_TRUE:
        *out = Py_True;
        break;
    case S_FALSE:
        *out = Py_False;
        break;
    case S_NULL:
        *out = Py_None;
        break;
    default:
        *out = PyLong_FromLongLong(s.v);
        return *out ? OK : PYERR;
    }
    Py_INCREF(*out);
    return OK;
}

/* After the top-level object: only whitespace may follow (msgspec: "trailing characters"). */
static int at_end(Cur *c)
{
    skip_ws(c);
    return c->p == c->end ? OK : BAIL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Claude Code: a usage line                                                                            */
/* ---------------------------------------------------------------------------------------------------- */

typedef struct {
    Scalar type, timestamp, session, request, sidechain, agent, cwd, branch;
    int msg_seen, msg_object;
    Scalar id, model;
    int usage_seen, usage_object;
    Scalar inp, out, cache_write, cache_read;
    int split_seen, split_object;
    Scalar five_min, one_hour;
} ClaudeLine;

static int claude_split(Cur *c, ClaudeLine *r)
{
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "ephemeral_1h_input_tokens"))
            rc = scan_scalar(c, &r->one_hour);
        else if (KEY_IS(k, kn, "ephemeral_5m_input_tokens"))
            rc = scan_scalar(c, &r->five_min);
        else
            rc = skip_value(c, 0);
        if (rc)
            return BAIL;
    });
    return OK;
}

static int claude_usage(Cur *c, ClaudeLine *r)
{
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "input_tokens"))
            rc = scan_scalar(c, &r->inp);
        else if (KEY_IS(k, kn, "output_tokens"))
            rc = scan_scalar(c, &r->out);
        else if (KEY_IS(k, kn, "cache_creation_input_tokens"))
            rc = scan_scalar(c, &r->cache_write);
        else if (KEY_IS(k, kn, "cache_read_input_tokens"))
            rc = scan_scalar(c, &r->cache_read);
        else if (KEY_IS(k, kn, "cache_creation")) {
            rc = struct_or_null(c, &r->split_seen, &r->split_object);
            if (!rc && r->split_object)
                rc = claude_split(c, r);
        }
        else
            rc = skip_value(c, 0);
        if (rc)
            return BAIL;
    });
    return OK;
}

static int claude_message(Cur *c, ClaudeLine *r)
{
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "id"))
            rc = scan_scalar(c, &r->id);
        else if (KEY_IS(k, kn, "model"))
            rc = scan_scalar(c, &r->model);
        else if (KEY_IS(k, kn, "usage")) {
            rc = struct_or_null(c, &r->usage_seen, &r->usage_object);
            if (!rc && r->usage_object)
                rc = claude_usage(c, r);
        }
        else
            rc = skip_value(c, 0);
        if (rc)
            return BAIL;
    });
    return OK;
}

static int claude_top(Cur *c, ClaudeLine *r)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '{')
        return BAIL;
    FOR_MEMBERS(c, k, kn, {
        int rc;
        switch (kn) {
        case 3:
            rc = KEY_IS(k, kn, "cwd") ? scan_scalar(c, &r->cwd) : skip_value(c, 0);
            break;
        case 4:
            rc = KEY_IS(k, kn, "type") ? scan_scalar(c, &r->type) : skip_value(c, 0);
            break;
        case 7:
            if (KEY_IS(k, kn, "message")) {
                rc = struct_or_null(c, &r->msg_seen, &r->msg_object);
                if (!rc && r->msg_object)
                    rc = claude_message(c, r);
            }
            else if (KEY_IS(k, kn, "agentId"))
                rc = scan_scalar(c, &r->agent);
            else
                rc = skip_value(c, 0);
            break;
        case 9:
            if (KEY_IS(k, kn, "timestamp"))
                rc = scan_scalar(c, &r->timestamp);
            else if (KEY_IS(k, kn, "sessionId"))
                rc = scan_scalar(c, &r->session);
            else if (KEY_IS(k, kn, "requestId"))
                rc = scan_scalar(c, &r->request);
            else if (KEY_IS(k, kn, "gitBranch"))
                rc = scan_scalar(c, &r->branch);
            else
                rc = skip_value(c, 0);
            break;
        case 11:
            rc = KEY_IS(k, kn, "isSidechain") ? scan_scalar(c, &r->sidechain) : skip_value(c, 0);
            break;
        default:
            rc = skip_value(c, 0);
        }
        if (rc)
            return BAIL;
    });
    return at_end(c);
}

/* The record tuple (counts, model, message id, request id, session, timestamp, sidechain, agent, cwd, branch);
 * NULL with *rc set to NOTHING, BAIL or PYERR. */
static PyObject *claude_line(const unsigned char *s, const unsigned char *e, int *rc)
{
    ClaudeLine r;
    memset(&r, 0, sizeof r);
    Cur c = {s, e, 0};
    if ((*rc = claude_top(&c, &r)) != OK)
        return NULL;
    /* only a top-level message.usage object counts, on an assistant line (or one without a type) */
    *rc = NOTHING;
    if (!r.msg_object || !r.usage_object)
        return NULL;
    if (r.type.kind == S_STR) {
        if (r.type.flags & F_ESCAPED) {
            *rc = BAIL;
            return NULL;
        }
        if (!(r.type.n == 9 && memcmp(r.type.s, "assistant", 9) == 0))
            return NULL;
    }
    else if (r.type.kind != S_MISSING && r.type.kind != S_NULL) {
        return NULL;
    }
    *rc = OK;
    PyObject *counts;
    long long inp = count_of(&r.inp), cw = count_of(&r.cache_write), cr = count_of(&r.cache_read),
              out = count_of(&r.out);
    if (inp < 0 || cw < 0 || cr < 0 || out < 0) {
        Py_INCREF(Py_None);
        counts = Py_None;
    }
    else {
        long long hour = 0;
        if (r.split_object && r.one_hour.kind == S_INT && r.one_hour.v >= 0 && r.one_hour.v <= MAX_TOKENS)
            hour = r.one_hour.v < cw ? r.one_hour.v : cw;
        counts = Py_BuildValue("(LLLLL)", inp, cw - hour, hour, cr, out);
        if (counts == NULL) {
            *rc = PYERR;
            return NULL;
        }
    }
    PyObject *f[8] = {NULL};
    const Scalar *texts[] = {&r.model, &r.id, &r.request, &r.session};
    const Scalar *tail[] = {&r.agent, &r.cwd, &r.branch};
    int i;
    for (i = 0; i < 4; i++)
        if ((*rc = text_of(texts[i], &f[i])) != OK)
            goto fail;
    if ((*rc = stamp_of(&r.timestamp, &f[4])) != OK)
        goto fail;
    for (i = 0; i < 3; i++)
        if ((*rc = text_of(tail[i], &f[5 + i])) != OK)
            goto fail;
    {
        PyObject *side = r.sidechain.kind == S_TRUE ? Py_True : Py_False;
        Py_INCREF(side);
        PyObject *tuple = PyTuple_Pack(10, counts, f[0], f[1], f[2], f[3], f[4], side, f[5], f[6], f[7]);
        Py_DECREF(side);
        Py_DECREF(counts);
        for (i = 0; i < 8; i++)
            Py_DECREF(f[i]);
        if (tuple == NULL)
            *rc = PYERR;
        return tuple;
    }
fail:
    Py_DECREF(counts);
    for (i = 0; i < 8; i++)
        Py_XDECREF(f[i]);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Codex: a token_count event (other needle lines are decoded in Python)                                 */
/* ---------------------------------------------------------------------------------------------------- */

enum { U_NONE, U_FALSE, U_OBJECT }; /* parser._usage: None (absent, null or {}), False (not a usage), a tuple */

typedef struct {
    int kind, members;
    Scalar input, cached, cache_read, output, reasoning, cache_write;
} Usage;

typedef struct {
    Scalar timestamp, type;
    int payload_seen, payload_object;
    Scalar ptype, model;
    int info_seen, info_object;
    Usage total, last;
    Scalar info_model;
} CodexLine;

/* A usage object of `info` (typed Any there: everything in it is checked as msgspec converts it). */
static int codex_usage(Cur *c, Usage *u)
{
    if (u->kind != U_NONE || u->members)
        return BAIL; /* a duplicate */
    if (c->p < c->end && *c->p == 'n')
        return literal(c, "null", 4);
    if (c->p >= c->end || *c->p != '{') {
        u->kind = U_FALSE; /* a string, number, list...: present but not a usage */
        return skip_value(c, 1);
    }
    FOR_MEMBERS(c, k, kn, {
        int rc;
        u->members++;
        if (KEY_IS(k, kn, "input_tokens"))
            rc = scan_scalar(c, &u->input);
        else if (KEY_IS(k, kn, "cached_input_tokens"))
            rc = scan_scalar(c, &u->cached);
        else if (KEY_IS(k, kn, "cache_read_input_tokens"))
            rc = scan_scalar(c, &u->cache_read);
        else if (KEY_IS(k, kn, "output_tokens"))
            rc = scan_scalar(c, &u->output);
        else if (KEY_IS(k, kn, "reasoning_output_tokens"))
            rc = scan_scalar(c, &u->reasoning);
        else if (KEY_IS(k, kn, "cache_write_input_tokens"))
            rc = scan_scalar(c, &u->cache_write);
        else
            rc = skip_value(c, 1);
        if (rc)
            return BAIL;
    });
    if (u->members)
        u->kind = U_OBJECT;
    return OK;
}

/* What parser._usage returns: a new reference to a 5-tuple, None or False. */
static PyObject *usage_value(const Usage *u)
{
    if (u->kind == U_NONE) {
        Py_INCREF(Py_None);
        return Py_None;
    }
    if (u->kind == U_FALSE) {
        Py_INCREF(Py_False);
        return Py_False;
    }
    const Scalar *cached = (u->cached.kind == S_MISSING || u->cached.kind == S_NULL) ? &u->cache_read : &u->cached;
    long long v[5] = {count_of(&u->input), count_of(cached), count_of(&u->output), count_of(&u->reasoning),
                      count_of(&u->cache_write)};
    for (int i = 0; i < 5; i++) {
        if (v[i] < 0) {
            Py_INCREF(Py_False);
            return Py_False;
        }
    }
    return Py_BuildValue("(LLLLL)", v[0], v[1], v[2], v[3], v[4]);
}

static int codex_info(Cur *c, CodexLine *r)
{
    if (r->info_seen)
        return BAIL;
    r->info_seen = 1;
    if (c->p < c->end && *c->p == 'n')
        return literal(c, "null", 4);
    if (c->p >= c->end || *c->p != '{')
        return BAIL; /* not an object: "record of an unexpected shape", said by the Python path */
    r->info_object = 1;
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "total_token_usage"))
            rc = codex_usage(c, &r->total);
        else if (KEY_IS(k, kn, "last_token_usage"))
            rc = codex_usage(c, &r->last);
        else if (KEY_IS(k, kn, "model"))
            rc = scan_scalar(c, &r->info_model);
        else
            rc = skip_value(c, 1);
        if (rc)
            return BAIL;
    });
    return OK;
}

static int codex_payload(Cur *c, CodexLine *r)
{
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "type"))
            rc = scan_scalar(c, &r->ptype);
        else if (KEY_IS(k, kn, "model"))
            rc = scan_scalar(c, &r->model);
        else if (KEY_IS(k, kn, "info"))
            rc = codex_info(c, r);
        else if (KEY_IS(k, kn, "cwd") || KEY_IS(k, kn, "id") || KEY_IS(k, kn, "forked_from_id") ||
                 KEY_IS(k, kn, "parent_thread_id") || KEY_IS(k, kn, "source") || KEY_IS(k, kn, "timestamp"))
            rc = skip_value(c, 1); /* typed Any in the parser: converted by msgspec, so checked strictly */
        else
            rc = skip_value(c, 0);
        if (rc)
            return BAIL;
    });
    return OK;
}

static int codex_top(Cur *c, CodexLine *r)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '{')
        return BAIL;
    FOR_MEMBERS(c, k, kn, {
        int rc;
        if (KEY_IS(k, kn, "timestamp"))
            rc = scan_scalar(c, &r->timestamp);
        else if (KEY_IS(k, kn, "type"))
            rc = scan_scalar(c, &r->type);
        else if (KEY_IS(k, kn, "payload")) {
            rc = struct_or_null(c, &r->payload_seen, &r->payload_object);
            if (!rc && r->payload_object)
                rc = codex_payload(c, r);
        }
        else
            rc = skip_value(c, 0);
        if (rc)
            return BAIL;
    });
    return at_end(c);
}

static int str_is(const Scalar *s, const char *lit, Py_ssize_t n)
{
    return s->kind == S_STR && !(s->flags & F_ESCAPED) && s->n == n && memcmp(s->s, lit, (size_t)n) == 0;
}

/* (total usage, last usage, info model, payload model, timestamp) of a token_count event: what the parser's
 * `_on_usage` takes. NULL with *rc = NOTHING for a line that yields nothing (another event, no info), BAIL for a
 * turn context, a session meta or anything unsure (decoded in Python), PYERR on error. */
static PyObject *codex_line(const unsigned char *s, const unsigned char *e, int *rc)
{
    CodexLine r;
    memset(&r, 0, sizeof r);
    Cur c = {s, e, 0};
    if ((*rc = codex_top(&c, &r)) != OK)
        return NULL;
    *rc = NOTHING;
    if (!r.payload_object)
        return NULL;
    if ((r.type.kind == S_STR && (r.type.flags & F_ESCAPED)) || str_is(&r.type, "turn_context", 12) ||
        str_is(&r.type, "session_meta", 12)) {
        *rc = BAIL;
        return NULL;
    }
    if (!str_is(&r.type, "event_msg", 9))
        return NULL;
    if (r.ptype.kind == S_STR && (r.ptype.flags & F_ESCAPED)) {
        *rc = BAIL;
        return NULL;
    }
    if (!str_is(&r.ptype, "token_count", 11) || !r.info_object)
        return NULL; /* another event, or a token_count with no info (rate limits only) */
    PyObject *f[5] = {usage_value(&r.total), usage_value(&r.last), NULL, NULL, NULL};
    PyObject *result = NULL;
    if (f[0] == NULL || f[1] == NULL) {
        *rc = PYERR;
    }
    else if ((*rc = text_of(&r.info_model, &f[2])) == OK && (*rc = text_of(&r.model, &f[3])) == OK &&
             (*rc = stamp_of(&r.timestamp, &f[4])) == OK) {
        result = PyTuple_Pack(5, f[0], f[1], f[2], f[3], f[4]);
        if (result == NULL)
            *rc = PYERR;
    }
    for (int i = 0; i < 5; i++)
        Py_XDECREF(f[i]);
    return result;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Blocks of lines                                                                                       */
/* ---------------------------------------------------------------------------------------------------- */

typedef PyObject *(*LineFn)(const unsigned char *, const unsigned char *, int *);

/* The first `needle` (n bytes, a quoted word: '"' + at least two letters + '"') in [from, end), or end.
 * glibc's memmem is a generic two-way search and took a quarter of the time; this is the SIMD filter of
 * W. Mula's "SIMD-friendly substring search": compare 16 positions at once on two inner bytes of the needle
 * (its first letter and its last, rarer together than the quotes JSON is full of), then confirm with memcmp. */
static const unsigned char *find(const unsigned char *from, const unsigned char *end, const char *needle,
                                 size_t n)
{
    const unsigned char *p = from;
    const size_t i1 = 1, i2 = n - 2;
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i first = _mm_set1_epi8(needle[i1]), last = _mm_set1_epi8(needle[i2]);
    while (end - p >= (ptrdiff_t)(n + 15)) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i1));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + i2));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, first), _mm_cmpeq_epi8(y, last)));
        while (mask) {
            int k = __builtin_ctz(mask);
            if (memcmp(p + k, needle, n) == 0)
                return p + k;
            mask &= mask - 1;
        }
        p += 16;
    }
#endif
    for (; end - p >= (ptrdiff_t)n; p++) {
        p = memchr(p + i1, needle[i1], (size_t)(end - p - (ptrdiff_t)i1));
        if (p == NULL)
            return end;
        p -= i1;
        if (end - p >= (ptrdiff_t)n && memcmp(p, needle, n) == 0)
            return p;
    }
    return end;
}

static inline int is_space(unsigned char b) /* bytes.strip()'s set */
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\x0b' || b == '\x0c';
}

static PyObject *scan_block(PyObject *args, const char *const *needles, const size_t *lens, int count,
                            LineFn line_fn)
{
    Py_buffer view;
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &stop))
        return NULL;
    if (start < 0 || stop > view.len || start > stop) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "block out of the buffer");
        return NULL;
    }
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    const unsigned char *base = view.buf, *p = base + start, *end = base + stop;
    const unsigned char *hits[4];
    Py_ssize_t torn = 0;
    for (int i = 0; i < count; i++)
        hits[i] = find(p, end, needles[i], lens[i]);
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        int hit = 0;
        for (int i = 0; i < count; i++) {
            if (hits[i] < nl) {
                hit = 1;
                hits[i] = find(nl + 1, end, needles[i], lens[i]);
            }
        }
        if (hit) {
            int rc = OK;
            PyObject *item = line_fn(p, nl, &rc);
            if (rc == BAIL)
                item = PyBytes_FromStringAndSize((const char *)p, nl - p);
            if (rc != NOTHING) {
                if (item == NULL || PyList_Append(found, item)) {
                    Py_XDECREF(item);
                    Py_DECREF(found);
                    PyBuffer_Release(&view);
                    return NULL;
                }
                Py_DECREF(item);
            }
        }
        else {
            const unsigned char *a = p, *b = nl;
            while (a < b && is_space(*a))
                a++;
            while (b > a && is_space(b[-1]))
                b--;
            if (a < b && !(*a == '{' && b[-1] == '}'))
                torn++;
        }
        p = nl + 1;
    }
    PyBuffer_Release(&view);
    PyObject *result = Py_BuildValue("(Nn)", found, torn);
    return result;
}

static const char *const CLAUDE_NEEDLES[] = {"\"usage\""};
static const size_t CLAUDE_LENS[] = {7};
static const char *const CODEX_NEEDLES[] = {"\"token_count\"", "\"turn_context\"", "\"session_meta\""};
static const size_t CODEX_LENS[] = {13, 14, 14};

static PyObject *claude_block(PyObject *self, PyObject *args)
{
    (void)self;
    return scan_block(args, CLAUDE_NEEDLES, CLAUDE_LENS, 1, claude_line);
}

static PyObject *codex_block(PyObject *self, PyObject *args)
{
    (void)self;
    return scan_block(args, CODEX_NEEDLES, CODEX_LENS, 3, codex_line);
}

static PyObject *iso_ms(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &n);
    if (s == NULL)
        return NULL;
    long long ms = iso_ms_of((const unsigned char *)s, n);
    if (ms < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(ms);
}

static PyMethodDef METHODS[] = {
    {"claude_block", claude_block, METH_VARARGS,
     "claude_block(data, start, end) -> (records, torn): usage lines of a block of Claude Code lines."},
    {"codex_block", codex_block, METH_VARARGS,
     "codex_block(data, start, end) -> (records, torn): needle lines of a block of Codex lines."},
    {"iso_ms", iso_ms, METH_O, "iso_ms(text) -> int | None: the fast timestamp reading, for tests."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_scan", "tokenpulse's compiled scan (see _scan.c).",
                                    -1, METHODS, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scan(void)
{
    for (int b = 0; b < 256; b++) {
        SPECIAL[b] = (unsigned char)(b == '"' || b == '\\' || b < 0x20 || b >= 0x80);
        HEX[b] = (signed char)(b >= '0' && b <= '9' ? b - '0'
                               : b >= 'a' && b <= 'f' ? b - 'a' + 10
                               : b >= 'A' && b <= 'F' ? b - 'A' + 10
                                                      : -1);
    }
    PyObject *m = PyModule_Create(&MODULE);
    if (m == NULL)
        return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE_HASH", TOKENPULSE_SOURCE_HASH) < 0 ||
        PyModule_AddObject(m, "MAX_TOKENS", PyLong_FromLongLong(MAX_TOKENS)) < 0 ||
        PyModule_AddObject(m, "EPOCH_MS_MIN", PyLong_FromLongLong(EPOCH_MS_MIN)) < 0 ||
        PyModule_AddObject(m, "EPOCH_MS_MAX", PyLong_FromLongLong(EPOCH_MS_MAX)) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
