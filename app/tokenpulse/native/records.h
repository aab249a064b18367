/* tokenpulse.native: what the compiled readers share (claude_reader.h, codex_reader.h): text fields as UTF-8
 * bytes made into Python strs once per distinct value, skip counts kept in the parser's Counter, the ApiCall
 * fields they pass by position, and the parts of a dedupe key (sources/fields.py call_key). Included by _scan.c.
 */
#ifndef TOKENPULSE_RECORDS_H
#define TOKENPULSE_RECORDS_H

/* A text field: absent (s == NULL, the parsers' None), or its UTF-8 bytes (for text that came from Python,
 * encoded with surrogatepass as fields.call_key encodes it) and, once made, its str. */
typedef struct {
    const char *s;
    Py_ssize_t n;
    PyObject *str; /* borrowed */
} Text;

static inline int truthy(const Text *t) { return t->s != NULL && t->n > 0; }

typedef struct { /* the str of the last bytes asked for: one str per model, session or folder, not per call */
    char *s;
    Py_ssize_t n;
    PyObject *str;
} StrCache;

static const char *const API_CALL_FIELDS[] = {
    "source", "dedupe_key", "session_key", "ts_ms", "model", "input", "cache_write_5m", "cache_write_1h",
    "cache_read", "output", "reasoning", "project", "parent_session_key", "is_sidechain", "message_hash", "cost_usd"};

static void cache_clear(StrCache *c)
{
    PyMem_RawFree(c->s);
    Py_CLEAR(c->str);
    c->s = NULL;
    c->n = 0;
}

/* A new reference to the str of `t` (from the cache when the same bytes were asked for last). */
static PyObject *text_str(StrCache *c, const Text *t)
{
    if (t->str != NULL) {
        Py_INCREF(t->str);
        return t->str;
    }
    if (c != NULL && c->str != NULL && c->n == t->n && memcmp(c->s, t->s, (size_t)t->n) == 0) {
        Py_INCREF(c->str);
        return c->str;
    }
    PyObject *str = PyUnicode_DecodeUTF8(t->s, t->n, "surrogatepass");
    if (str == NULL || c == NULL)
        return str;
    char *copy = PyMem_RawMalloc((size_t)t->n + 1);
    if (copy != NULL) {
        memcpy(copy, t->s, (size_t)t->n);
        cache_clear(c);
        c->s = copy;
        c->n = t->n;
        Py_INCREF(str);
        c->str = str;
    }
    return str;
}

static int count_skip(PyObject *skipped, PyObject *reason) /* skipped[reason] += 1, as the parsers count */
{
    PyObject *was = PyObject_GetItem(skipped, reason);
    if (was == NULL)
        return -1;
    PyObject *one = PyLong_FromLong(1);
    PyObject *now = one == NULL ? NULL : PyNumber_Add(was, one);
    Py_DECREF(was);
    Py_XDECREF(one);
    if (now == NULL)
        return -1;
    int rc = PyObject_SetItem(skipped, reason, now);
    Py_DECREF(now);
    return rc;
}

/* The ApiCall fields are passed by position: 0 when they are the ones this code knows, else -1 (TypeError). */
static int api_call_fields_check(PyObject *api_call)
{
    PyObject *names = PyObject_GetAttrString(api_call, "__match_args__");
    if (names == NULL)
        return -1;
    int same = PyTuple_Check(names) && PyTuple_GET_SIZE(names) == 16;
    for (Py_ssize_t i = 0; same && i < 16; i++)
        same = PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(names, i), API_CALL_FIELDS[i]) == 0;
    Py_DECREF(names);
    if (!same) {
        PyErr_SetString(PyExc_TypeError, "ApiCall's fields are not the ones the accelerator knows");
        return -1;
    }
    return 0;
}

static void key_part(Blake2b *st, const char *s, Py_ssize_t n)
{
    b2_update(st, "\x1f", 1);
    b2_update(st, s, (size_t)n);
}

static int key_int(Blake2b *st, PyObject *value) /* str(value) of an int, as call_key writes it */
{
    long long v = PyLong_AsLongLong(value);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyObject *text = PyObject_Str(value);
        Py_ssize_t n;
        const char *s = text == NULL ? NULL : PyUnicode_AsUTF8AndSize(text, &n);
        if (s != NULL)
            key_part(st, s, n);
        Py_XDECREF(text);
        return s == NULL ? -1 : 0;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    key_part(st, buf, n);
    return 0;
}

#endif
