/* tokenpulse.native._scan: the per-byte work of the scan, compiled.
 *
 * claude_block(data, start, end) and codex_block(data, start, end) walk the complete lines of
 * data[start:end] once. A line without the format's needles is only checked for being a JSON object (torn
 * lines are counted). A line with a needle is validated as JSON and its few fields are read straight from the
 * bytes; the result is a tuple of them (the record the parser's `_record` / `_on_usage` takes), nothing
 * (a line that yields no call, e.g. a progress line), or the line itself as bytes when this code is not sure
 * it would read it exactly as msgspec does: an escape in a field it extracts, a float or huge integer where a
 * field is typed Any, a duplicate field, nesting deeper than MAX_DEPTH, invalid UTF-8 anywhere, an escaped
 * surrogate, anything that is not valid JSON. The parser decodes such a line with msgspec, so the two paths
 * cannot disagree: where this code decides, it follows msgspec's rules (tests/native checks it differentially).
 *
 * The Python twin is tokenpulse/native/pyscan.py (it returns every needle line as a line). The parts:
 * json_lex.h (validating lexer), values.h (values for Python), claude.h and codex.h (the two formats), and
 * below, the walk over a block's lines and the module.
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

/* as pyscan.CLAUDE_NEEDLES and CODEX_NEEDLES: the last of each finds a plan-limit line (issue 11) */
static const char *const CLAUDE_NEEDLES[] = {"\"usage\"", "\"rate_limit\""};
static const size_t CLAUDE_LENS[] = {7, 12};
static const char *const CODEX_NEEDLES[] = {"\"token_count\"", "\"turn_context\"", "\"session_meta\"",
                                            "usage_limit_exceeded"};
static const size_t CODEX_LENS[] = {13, 14, 14, 20};

static PyObject *claude_block(PyObject *self, PyObject *args)
{
    (void)self;
    return scan_block(args, CLAUDE_NEEDLES, CLAUDE_LENS, 2, claude_line);
}

static PyObject *codex_block(PyObject *self, PyObject *args)
{
    (void)self;
    return scan_block(args, CODEX_NEEDLES, CODEX_LENS, 4, codex_line);
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
