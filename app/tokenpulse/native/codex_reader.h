/* tokenpulse.native: CodexReader, the compiled twin of CodexLineParser._on_usage and _increment (counting rules:
 * sources/codex/README.md), and the holder of the parser's state (the cumulative total before, the model,
 * session, parent, folder, whether the session meta was seen, where a fork's own calls start). The parser keeps
 * that state in a plain object on its Python path and in this one when the accelerator runs, so that its
 * metadata and turn-context handling (in Python) and the token counting (here) see one state, in line order.
 * Included by _scan.c, after records.h and claude_reader.h (the names of the reasons it shares).
 */
#ifndef TOKENPULSE_CODEX_READER_H
#define TOKENPULSE_CODEX_READER_H

typedef struct {
    PyObject_HEAD
    int have_prev;
    long long prev[5]; /* input incl. cached, cached, output incl. reasoning, reasoning, cache_write */
    int have_fork;
    long long fork_start_ms;
    int meta_seen;
    PyObject *model, *session, *parent, *cwd; /* str or None (session: str) */
    long long usage_records, duplicates;
    PyObject *skipped, *api_call, *parse_iso_ms;
} CodexReader;

static PyObject *S_CODEX, *S_STALE_REASON, *S_FORK_REASON;
#define STALE_SHARE 0.02 /* codex.parser._STALE_SHARE */

enum { U5_NONE, U5_FALSE, U5_COUNTS };

/* A usage as parser._usage gives it: None, False or a 5-tuple of counts. */
static int usage_arg(PyObject *o, long long out[5])
{
    if (o == Py_None)
        return U5_NONE;
    if (o == Py_False)
        return U5_FALSE;
    if (!PyTuple_Check(o) || PyTuple_GET_SIZE(o) != 5) {
        PyErr_SetString(PyExc_TypeError, "CodexReader.on_usage: a usage is a 5-tuple, False or None");
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        out[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(o, i));
        if (out[i] == -1 && PyErr_Occurred())
            return -1;
    }
    return U5_COUNTS;
}

static int codex_skip(CodexReader *r, PyObject *reason) { return count_skip(r->skipped, reason); }

/* _increment: 1 with the increment in `inc`, 0 when the snapshot adds nothing, -1 on error. */
static int codex_increment(CodexReader *r, int tk, const long long *total, int lk, const long long *last,
                           long long inc[5])
{
    const long long *from;
    if (tk == U5_NONE) {
        from = last;
    }
    else if (!r->have_prev) {
        from = lk == U5_COUNTS ? last : total; /* a resumed or forked file can start with an inherited total */
    }
    else if (memcmp(total, r->prev, sizeof r->prev) == 0) {
        r->duplicates++;
        return 0;
    }
    else {
        int up = 1;
        for (int i = 0; i < 5; i++)
            up &= total[i] >= r->prev[i];
        if (up) {
            for (int i = 0; i < 5; i++)
                inc[i] = total[i] - r->prev[i];
            from = inc;
        }
        else {
            /* counts are at most 10**12: these sums and products are exact in doubles, as Python compares them */
            long long drop = (r->prev[0] + r->prev[2]) - (total[0] + total[2]);
            long long last_size = lk == U5_COUNTS ? last[0] + last[2] : 0;
            double share = STALE_SHARE * (double)(r->prev[0] + r->prev[2]);
            double limit = share >= (double)(2 * last_size) ? share : (double)(2 * last_size);
            if (drop > 0 && (double)drop <= limit) {
                return codex_skip(r, S_STALE_REASON) < 0 ? -1 : 0;
            }
            from = lk == U5_COUNTS ? last : total; /* a reset: compaction or a new process */
        }
    }
    if (from != inc)
        memcpy(inc, from, 5 * sizeof(long long));
    int any = 0;
    for (int i = 0; i < 5; i++)
        any |= inc[i] != 0;
    if (!any)
        return 0; /* zero totals after compaction: keep the old baseline */
    if (tk == U5_COUNTS) {
        memcpy(r->prev, total, sizeof r->prev);
        r->have_prev = 1;
    }
    return 1;
}

static int nonempty_str(PyObject *o) { return PyUnicode_Check(o) && PyUnicode_GET_LENGTH(o) > 0; }

/* _on_usage: a new reference to the call, None (no call), or NULL on error. */
static PyObject *codex_on_usage(CodexReader *r, PyObject *total_o, PyObject *last_o, PyObject *info_model,
                                PyObject *payload_model, PyObject *ts)
{
    long long total[5] = {0}, last[5] = {0}, inc[5];
    int tk = usage_arg(total_o, total), lk = tk < 0 ? -1 : usage_arg(last_o, last);
    if (tk < 0 || lk < 0)
        return NULL;
    if (tk == U5_FALSE || lk == U5_FALSE)
        return codex_skip(r, S_COUNTS_REASON) < 0 ? NULL : Py_NewRef(Py_None);
    if (tk == U5_NONE && lk == U5_NONE)
        Py_RETURN_NONE;
    r->usage_records++;
    int got = codex_increment(r, tk, total, lk, last, inc);
    if (got <= 0)
        return got < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *ms = PyLong_CheckExact(ts) ? Py_NewRef(ts) : PyObject_CallOneArg(r->parse_iso_ms, ts);
    if (ms == NULL)
        return NULL;
    if (ms == Py_None) {
        Py_DECREF(ms);
        return codex_skip(r, S_TS_REASON) < 0 ? NULL : Py_NewRef(Py_None);
    }
    long long ts_ms = PyLong_AsLongLong(ms);
    if (ts_ms == -1 && PyErr_Occurred()) {
        Py_DECREF(ms);
        return NULL;
    }
    if (r->have_fork) {
        if (ts_ms < r->fork_start_ms) {
            Py_DECREF(ms);
            return codex_skip(r, S_FORK_REASON) < 0 ? NULL : Py_NewRef(Py_None);
        }
        /* the replayed history is a prefix: once the fork's own calls begin, a later one stamped before the
         * fork's start (the clock was set back) is still its own */
        r->have_fork = 0;
    }
    PyObject *model = nonempty_str(info_model) ? info_model
                      : nonempty_str(payload_model) ? payload_model
                      : nonempty_str(r->model) ? r->model
                                               : S_UNKNOWN;
    long long inp = inc[0], cached = inc[1], out = inc[2], reasoning = inc[3], cache_write = inc[4];
    cached = cached < inp ? cached : inp;
    cache_write = cache_write < inp - cached ? cache_write : inp - cached;
    /* the dedupe key: fields.call_key(SOURCE, ts_ms, *total), or (..., "last", *increment) without a total */
    Blake2b st;
    unsigned char digest[16];
    char buf[32];
    b2_init(&st, 16);
    b2_update(&st, "codex", 5);
    key_part(&st, buf, snprintf(buf, sizeof buf, "%lld", ts_ms));
    const long long *identity = tk == U5_COUNTS ? total : inc;
    if (tk != U5_COUNTS)
        key_part(&st, "last", 4);
    for (int i = 0; i < 5; i++)
        key_part(&st, buf, snprintf(buf, sizeof buf, "%lld", identity[i]));
    b2_final(&st, digest);
    PyObject *key = PyBytes_FromStringAndSize((const char *)digest, 16);
    long long values[6] = {inp - cached - cache_write, cache_write, 0, cached, out, reasoning < out ? reasoning : out};
    PyObject *nums[6] = {NULL};
    int ok = key != NULL;
    for (int i = 0; i < 6; i++)
        ok &= (nums[i] = PyLong_FromLongLong(values[i])) != NULL;
    PyObject *call = NULL;
    if (ok) {
        PyObject *args[16] = {S_CODEX, key, r->session, ms, model, nums[0], nums[1], nums[2], nums[3], nums[4],
                              nums[5], r->cwd, r->parent, Py_False, Py_None, Py_None};
        call = PyObject_Vectorcall(r->api_call, args, 16, NULL);
    }
    for (int i = 0; i < 6; i++)
        Py_XDECREF(nums[i]);
    Py_XDECREF(key);
    Py_DECREF(ms);
    return call;
}

static PyObject *codex_on_usage_py(CodexReader *r, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "CodexReader.on_usage takes 5 arguments");
        return NULL;
    }
    return codex_on_usage(r, args[0], args[1], args[2], args[3], args[4]);
}

/* --- the state, as attributes ---------------------------------------------------------------------------- */

static PyObject *codex_get_prev(CodexReader *r, void *closure)
{
    (void)closure;
    if (!r->have_prev)
        Py_RETURN_NONE;
    return Py_BuildValue("(LLLLL)", r->prev[0], r->prev[1], r->prev[2], r->prev[3], r->prev[4]);
}

static int codex_set_prev(CodexReader *r, PyObject *value, void *closure)
{
    (void)closure;
    long long v[5];
    int kind = value == NULL ? -1 : usage_arg(value, v);
    if (kind == U5_NONE) {
        r->have_prev = 0;
        return 0;
    }
    if (kind != U5_COUNTS) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "prev is a 5-tuple of counts or None");
        return -1;
    }
    memcpy(r->prev, v, sizeof v);
    r->have_prev = 1;
    return 0;
}

static PyObject *codex_get_fork(CodexReader *r, void *closure)
{
    (void)closure;
    if (!r->have_fork)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(r->fork_start_ms);
}

static int codex_set_fork(CodexReader *r, PyObject *value, void *closure)
{
    (void)closure;
    if (value == Py_None) {
        r->have_fork = 0;
        return 0;
    }
    if (value == NULL || !PyLong_CheckExact(value)) {
        PyErr_SetString(PyExc_TypeError, "fork_start_ms is an int or None");
        return -1;
    }
    long long v = PyLong_AsLongLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    r->fork_start_ms = v;
    r->have_fork = 1;
    return 0;
}

static PyObject *codex_get_meta(CodexReader *r, void *closure)
{
    (void)closure;
    return PyBool_FromLong(r->meta_seen);
}

static int codex_set_meta(CodexReader *r, PyObject *value, void *closure)
{
    (void)closure;
    int v = value == NULL ? -1 : PyObject_IsTrue(value);
    if (v < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "meta_seen cannot be deleted");
        return -1;
    }
    r->meta_seen = v;
    return 0;
}

/* model, session, parent, cwd: str or None (session: str) */
static PyObject **codex_text_slot(CodexReader *r, const char *which)
{
    return which[0] == 'm' ? &r->model : which[0] == 's' ? &r->session : which[0] == 'p' ? &r->parent : &r->cwd;
}

static PyObject *codex_get_text(CodexReader *r, void *closure)
{
    return Py_NewRef(*codex_text_slot(r, closure));
}

static int codex_set_text(CodexReader *r, PyObject *value, void *closure)
{
    const char *which = closure;
    if (value == NULL || !(PyUnicode_Check(value) || (value == Py_None && which[0] != 's'))) {
        PyErr_Format(PyExc_TypeError, "%s is a str%s", which, which[0] == 's' ? "" : " or None");
        return -1;
    }
    Py_XSETREF(*codex_text_slot(r, which), Py_NewRef(value));
    return 0;
}

static PyObject *codex_get_count(CodexReader *r, void *closure)
{
    return PyLong_FromLongLong(((const char *)closure)[0] == 'u' ? r->usage_records : r->duplicates);
}

static int codex_reader_init(CodexReader *r, PyObject *args, PyObject *kwds)
{
    PyObject *skipped, *api_call, *parse_iso_ms, *session;
    (void)kwds;
    if (!PyArg_ParseTuple(args, "UOOO", &session, &skipped, &api_call, &parse_iso_ms))
        return -1;
    if (api_call_fields_check(api_call) < 0)
        return -1;
    Py_XSETREF(r->session, Py_NewRef(session));
    Py_XSETREF(r->skipped, Py_NewRef(skipped));
    Py_XSETREF(r->api_call, Py_NewRef(api_call));
    Py_XSETREF(r->parse_iso_ms, Py_NewRef(parse_iso_ms));
    Py_XSETREF(r->model, Py_NewRef(Py_None));
    Py_XSETREF(r->parent, Py_NewRef(Py_None));
    Py_XSETREF(r->cwd, Py_NewRef(Py_None));
    return 0;
}

static void codex_reader_dealloc(CodexReader *r)
{
    Py_XDECREF(r->model);
    Py_XDECREF(r->session);
    Py_XDECREF(r->parent);
    Py_XDECREF(r->cwd);
    Py_XDECREF(r->skipped);
    Py_XDECREF(r->api_call);
    Py_XDECREF(r->parse_iso_ms);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

static PyMethodDef CODEX_READER_METHODS[] = {
    {"on_usage", (PyCFunction)(void (*)(void))codex_on_usage_py, METH_FASTCALL,
     "on_usage(total, last, info_model, payload_model, ts) -> ApiCall | None (CodexLineParser._on_usage)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef CODEX_READER_GETSET[] = {
    {"prev", (getter)codex_get_prev, (setter)codex_set_prev, "the cumulative total before (5 counts) or None", NULL},
    {"fork_start_ms", (getter)codex_get_fork, (setter)codex_set_fork, "where a fork's own calls start", NULL},
    {"meta_seen", (getter)codex_get_meta, (setter)codex_set_meta, "whether the session meta was read", NULL},
    {"model", (getter)codex_get_text, (setter)codex_set_text, "the turn's model", "model"},
    {"session", (getter)codex_get_text, (setter)codex_set_text, "the session id", "session"},
    {"parent", (getter)codex_get_text, (setter)codex_set_text, "the parent session id", "parent"},
    {"cwd", (getter)codex_get_text, (setter)codex_set_text, "the working folder", "cwd"},
    {"usage_records", (getter)codex_get_count, NULL, "usage records read", "u"},
    {"duplicates", (getter)codex_get_count, NULL, "re-emitted snapshots", "d"},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CodexReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tokenpulse.native._scan.CodexReader",
    .tp_basicsize = sizeof(CodexReader),
    .tp_dealloc = (destructor)codex_reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "CodexReader(session, skipped, ApiCall, parse_iso_ms): a rollout's state and token counting (see"
              " codex_reader.h).",
    .tp_methods = CODEX_READER_METHODS,
    .tp_getset = CODEX_READER_GETSET,
    .tp_init = (initproc)codex_reader_init,
    .tp_new = PyType_GenericNew,
};

static int codex_names_init(void)
{
    struct {
        PyObject **slot;
        const char *text;
    } names[] = {
        {&S_CODEX, "codex"},
        {&S_STALE_REASON, "stale out-of-order snapshot"},
        {&S_FORK_REASON, "replayed parent history (fork or sub-agent)"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        *names[i].slot = PyUnicode_InternFromString(names[i].text);
        if (*names[i].slot == NULL)
            return -1;
    }
    return 0;
}

#endif
