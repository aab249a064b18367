/* tokenpulse.native._scan: the per-byte work of the scan, compiled.
 *
 * claude_block(data, start, end, reader, decode) and codex_block(data, start, end, reader, decode, limits) walk
 * the complete lines of data[start:end] once and return the calls they make. A line without the format's
 * needles is only checked for being a JSON object (torn lines are counted). A line with a needle is validated
 * as JSON and its few fields are read straight from the bytes: a record (made into a call by the reader, or
 * folded into one), nothing (a line that yields no call, e.g. a progress line), or the line handed to `decode`
 * when this code is not sure it would read it exactly as msgspec does: an escape in a field it extracts, a float or huge integer where a
 * field is typed Any, a duplicate field, nesting deeper than MAX_DEPTH, invalid UTF-8 anywhere, an escaped
 * surrogate, anything that is not valid JSON. The parser decodes such a line with msgspec, so the two paths
 * cannot disagree: where this code decides, it follows msgspec's rules (tests/native checks it differentially).
 *
 * The lines are lexed in batches with the GIL released; then, with it, the format's reader (claude_reader.h,
 * codex_reader.h: the parsers' record keeping in C) makes the calls, and a line the lexer gave up on is handed
 * to the parser's `decode` in its place (its record reaches the same reader), so the lines keep their order.
 *
 * The Python twin is tokenpulse/native/pyscan.py (it returns every needle line as a line). The parts:
 * json_lex.h (validating lexer), values.h (values for Python), claude.h and codex.h (the two formats),
 * blake2b.h (the keys' hash), claude_reader.h and codex_reader.h (records to calls), and below, the walk over a
 * block's lines and the module.
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
#define TOKENPULSE_SOURCE_HASH "unknown" /* setup.py defines it: the sha256 of the native sources */
#endif

#define MAX_DEPTH 64 /* deeper nesting bails (msgspec raises RecursionError somewhere above it) */
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

#include "json_lex.h"
#include "values.h"
#include "claude.h"
#include "codex.h"
#include "blake2b.h"
#include "records.h"
#include "claude_reader.h"
#include "claude_reader_type.h"
#include "codex_reader.h"

/* ---------------------------------------------------------------------------------------------------- */
/* Blocks of lines                                                                                       */
/* ---------------------------------------------------------------------------------------------------- */

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

/* One needle line as the first pass left it: where it is, and what the lexer made of it. */
typedef struct {
    const unsigned char *s, *e;
    int rc;
    union {
        ClaudeLine claude;
        CodexLine codex;
    } u;
} Item;

enum { FMT_CLAUDE, FMT_CODEX };
#define BATCH 256 /* needle lines read per pass without the GIL: bounded memory, few GIL round trips */

/* Where the walk over a block's lines stands between two passes. */
typedef struct {
    const unsigned char *p, *end;
    const unsigned char *hits[4];
    const char *const *needles;
    const size_t *lens;
    int count, format;
    Py_ssize_t torn;
} Walk;

/* The first pass, pure C (run without the GIL): up to BATCH needle lines lexed into `items` (those that yield
 * nothing are not kept); lines without a needle are only checked for being JSON objects. How many it kept. */
static int lex_some(Walk *w, Item *items)
{
    int n = 0;
    const unsigned char *p = w->p, *end = w->end;
    while (p < end && n < BATCH) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        int hit = 0;
        for (int i = 0; i < w->count; i++) {
            if (w->hits[i] < nl) {
                hit = 1;
                w->hits[i] = find(nl + 1, end, w->needles[i], w->lens[i]);
            }
        }
        if (hit) {
            Item *it = &items[n];
            it->s = p;
            it->e = nl;
            it->rc = w->format == FMT_CLAUDE ? claude_lex(p, nl, &it->u.claude) : codex_lex(p, nl, &it->u.codex);
            if (it->rc != NOTHING)
                n++;
        }
        else {
            const unsigned char *a = p, *b = nl;
            while (a < b && is_space(*a))
                a++;
            while (b > a && is_space(b[-1]))
                b--;
            if (a < b && !(*a == '{' && b[-1] == '}'))
                w->torn++;
        }
        p = nl + 1;
    }
    w->p = p;
    return n;
}

/* A line the lexer gave up on, decoded by the parser's `decode`: 0 with *item its call, or NULL when it makes
 * none (decode returned None); -1 on an error. */
static int decode_given_up(PyObject *decode, const Item *it, PyObject **item)
{
    PyObject *line = PyBytes_FromStringAndSize((const char *)it->s, it->e - it->s);
    *item = line == NULL ? NULL : PyObject_CallOneArg(decode, line);
    Py_XDECREF(line);
    if (*item == NULL)
        return -1;
    if (*item == Py_None)
        Py_CLEAR(*item);
    return 0;
}

/* The second pass, with the GIL: the calls the reader makes of the items, in order, a line the lexer gave up on
 * decoded by the parser's `decode` where it stands (its records go to the same reader: the order of lines is
 * kept). A Codex token_count is read for plan limits first, by `limits` (the reader's feed_token_count). */
static int build_some(int format, const Item *items, int n, PyObject *found, ClaudeReader *reader,
                      CodexReader *codex, PyObject *decode, PyObject *limits)
{
    for (int k = 0; k < n; k++) {
        const Item *it = &items[k];
        PyObject *item = NULL;
        if (it->rc != OK) {
            if (decode_given_up(decode, it, &item) < 0)
                return -1;
        }
        else if (format == FMT_CLAUDE) {
            Rec rec;
            PyObject *ts_hold;
            if (rec_of_line(&it->u.claude, &rec, &ts_hold) < 0)
                return -1;
            int rc = reader_record(reader, &rec, &item);
            Py_XDECREF(ts_hold);
            if (rc < 0)
                return -1;
        }
        else {
            /* a token_count: its limit reading (in Python: `limits`), then its call (the reader's on_usage) */
            int rc;
            PyObject *t = codex_build(&it->u.codex, &rc); /* no BAIL: codex_lex gave up on what it would */
            if (t == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_SystemError, "codex_build gave up on a line codex_lex accepted");
                return -1;
            }
            PyObject *args[6] = {PyTuple_GET_ITEM(t, 4), PyTuple_GET_ITEM(t, 5), PyTuple_GET_ITEM(t, 6),
                                 PyTuple_GET_ITEM(t, 2), codex->session, codex->model};
            PyObject *done = PyObject_Vectorcall(limits, args, 6, NULL);
            if (done != NULL) {
                Py_DECREF(done);
                item = codex_on_usage(codex, PyTuple_GET_ITEM(t, 0), PyTuple_GET_ITEM(t, 1), PyTuple_GET_ITEM(t, 2),
                                      PyTuple_GET_ITEM(t, 3), PyTuple_GET_ITEM(t, 4));
            }
            Py_DECREF(t);
            if (item == NULL)
                return -1;
            if (item == Py_None)
                Py_CLEAR(item);
        }
        if (item == NULL)
            continue; /* no call: a streaming copy folded in, a progress line, a record that makes none */
        if (PyList_Append(found, item)) {
            Py_DECREF(item);
            return -1;
        }
        Py_DECREF(item);
    }
    return 0;
}

static PyObject *scan_block(Py_buffer *view, Py_ssize_t start, Py_ssize_t stop, const char *const *needles,
                            const size_t *lens, int count, int format, ClaudeReader *reader, CodexReader *codex,
                            PyObject *decode, PyObject *limits)
{
    if (start < 0 || stop > view->len || start > stop) {
        PyErr_SetString(PyExc_ValueError, "block out of the buffer");
        return NULL;
    }
    PyObject *found = PyList_New(0);
    Item *items = PyMem_RawMalloc(BATCH * sizeof(Item));
    if (found == NULL || items == NULL) {
        Py_XDECREF(found);
        PyMem_RawFree(items);
        return found == NULL ? NULL : PyErr_NoMemory();
    }
    const unsigned char *base = view->buf;
    Walk w = {base + start, base + stop, {NULL}, needles, lens, count, format, 0};
    int failed = 0;
    /* The buffer is a bytes object's (immutable; `view` holds it): other threads run while the lexer reads it,
     * and the GIL is taken back only to make the Python objects of each batch. */
    Py_BEGIN_ALLOW_THREADS
    for (int i = 0; i < count; i++)
        w.hits[i] = find(w.p, w.end, needles[i], lens[i]);
    Py_END_ALLOW_THREADS
    while (w.p < w.end && !failed) {
        int n;
        Py_BEGIN_ALLOW_THREADS
        n = lex_some(&w, items);
        Py_END_ALLOW_THREADS
        failed = build_some(format, items, n, found, reader, codex, decode, limits);
    }
    PyMem_RawFree(items);
    if (failed) {
        Py_DECREF(found);
        return NULL;
    }
    return Py_BuildValue("(Nn)", found, w.torn);
}

/* as pyscan.CLAUDE_NEEDLES and CODEX_NEEDLES: the last of each finds a plan-limit line (issue 11) */
static const char *const CLAUDE_NEEDLES[] = {"\"usage\"", "\"rate_limit\""};
static const size_t CLAUDE_LENS[] = {7, 12};
static const char *const CODEX_NEEDLES[] = {"\"token_count\"", "\"turn_context\"", "\"session_meta\"",
                                            "usage_limit_exceeded"};
static const size_t CODEX_LENS[] = {13, 14, 14, 20};

static PyObject *claude_block(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer view;
    Py_ssize_t start, stop;
    PyObject *reader, *decode;
    if (!PyArg_ParseTuple(args, "y*nnO!O", &view, &start, &stop, &ClaudeReaderType, &reader, &decode))
        return NULL;
    PyObject *out = scan_block(&view, start, stop, CLAUDE_NEEDLES, CLAUDE_LENS, 2, FMT_CLAUDE,
                               (ClaudeReader *)reader, NULL, decode, NULL);
    PyBuffer_Release(&view);
    return out;
}

static PyObject *codex_block(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer view;
    Py_ssize_t start, stop;
    PyObject *reader, *decode, *limits;
    if (!PyArg_ParseTuple(args, "y*nnO!OO", &view, &start, &stop, &CodexReaderType, &reader, &decode, &limits))
        return NULL;
    PyObject *out = scan_block(&view, start, stop, CODEX_NEEDLES, CODEX_LENS, 4, FMT_CODEX, NULL,
                               (CodexReader *)reader, decode, limits);
    PyBuffer_Release(&view);
    return out;
}

/* blake2b(data, digest_size): the digest, for tests (hashlib.blake2b's) */
static PyObject *blake2b_digest(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer view;
    int size;
    if (!PyArg_ParseTuple(args, "y*i", &view, &size))
        return NULL;
    if (size < 1 || size > 64) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "digest size 1 to 64");
        return NULL;
    }
    Blake2b st;
    unsigned char out[64];
    b2_init(&st, (size_t)size);
    b2_update(&st, view.buf, (size_t)view.len);
    b2_final(&st, out);
    PyBuffer_Release(&view);
    return PyBytes_FromStringAndSize((const char *)out, size);
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
     "claude_block(data, start, end, reader, decode) -> (calls, torn): the calls of a block of Claude Code lines."},
    {"codex_block", codex_block, METH_VARARGS,
     "codex_block(data, start, end, reader, decode, limits) -> (calls, torn): the calls of a block of Codex lines."},
    {"iso_ms", iso_ms, METH_O, "iso_ms(text) -> int | None: the fast timestamp reading, for tests."},
    {"blake2b", blake2b_digest, METH_VARARGS, "blake2b(data, digest_size) -> bytes: the hash keys use, for tests."},
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
    if (reader_names_init() < 0 || codex_names_init() < 0 || PyType_Ready(&ClaudeReaderType) < 0 ||
        PyType_Ready(&CodexReaderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&MODULE);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "ClaudeReader", (PyObject *)&ClaudeReaderType) < 0 ||
        PyModule_AddObjectRef(m, "CodexReader", (PyObject *)&CodexReaderType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddStringConstant(m, "SOURCE_HASH", TOKENPULSE_SOURCE_HASH) < 0 ||
        PyModule_AddObject(m, "MAX_TOKENS", PyLong_FromLongLong(MAX_TOKENS)) < 0 ||
        PyModule_AddObject(m, "EPOCH_MS_MIN", PyLong_FromLongLong(EPOCH_MS_MIN)) < 0 ||
        PyModule_AddObject(m, "EPOCH_MS_MAX", PyLong_FromLongLong(EPOCH_MS_MAX)) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
