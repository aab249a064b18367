/* tokenpulse.native: a JSON lexer for one log line that accepts only what msgspec surely reads the same way.
 *
 * Every function returns OK, or BAIL when the input is not valid JSON or is outside what this code decides
 * exactly as msgspec does (then the whole line goes to msgspec, in Python). Strings are validated as msgspec
 * and Python's strict UTF-8 decoder read them (escapes, no raw control bytes, no overlong forms, no encoded or
 * escaped surrogates); numbers follow JSON's grammar; nesting deeper than MAX_DEPTH bails. Included by _scan.c
 * only (one compilation unit: everything here is static).
 */
#ifndef TOKENPULSE_JSON_LEX_H
#define TOKENPULSE_JSON_LEX_H

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

/* After the top-level object: only whitespace may follow (msgspec: "trailing characters"). */
static int at_end(Cur *c)
{
    skip_ws(c);
    return c->p == c->end ? OK : BAIL;
}

/* ---------------------------------------------------------------------------------------------------- */
/* What the formats ask of a line they read (claude.h, codex.h)                                          */
/* ---------------------------------------------------------------------------------------------------- */

/* Whether the n bytes of `word` stand anywhere in [p, e). */
static int holds_word(const unsigned char *p, const unsigned char *e, const char *word, size_t n)
{
    for (; e - p >= (ptrdiff_t)n; p++) {
        p = memchr(p, word[0], (size_t)(e - p) - n + 1);
        if (p == NULL)
            return 0;
        if (memcmp(p, word, n) == 0)
            return 1;
    }
    return 0;
}

/* Whether one of the text fields holds an escape: msgspec decodes such a line (values.h text_of and stamp_of
 * give up on it). */
static int any_escaped(const Scalar *const *texts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (texts[i]->kind == S_STR && (texts[i]->flags & F_ESCAPED))
            return 1;
    }
    return 0;
}

#endif
