/* tokenpulse.native: ClaudeReader as Python sees it (claude_reader.h is what it does): `record` for the records
 * the parser decoded itself (their text fields as str, encoded as call_key encodes them), the counts, the type.
 * Included by _scan.c after claude_reader.h. */
#ifndef TOKENPULSE_CLAUDE_READER_TYPE_H
#define TOKENPULSE_CLAUDE_READER_TYPE_H

/* A text argument of `record`: None or a str (encoded as call_key encodes it; `hold` keeps the bytes). */
static int text_arg(PyObject *o, Text *t, PyObject **hold)
{
    *hold = NULL;
    t->str = NULL;
    if (o == Py_None) {
        t->s = NULL;
        t->n = 0;
        return 0;
    }
    if (!PyUnicode_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "ClaudeReader.record: text fields are str or None");
        return -1;
    }
    t->str = o;
    t->s = PyUnicode_AsUTF8AndSize(o, &t->n);
    if (t->s != NULL)
        return 0;
    PyErr_Clear(); /* lone surrogates (a file name that is not UTF-8): call_key's surrogatepass bytes */
    *hold = PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass");
    if (*hold == NULL)
        return -1;
    t->s = PyBytes_AS_STRING(*hold);
    t->n = PyBytes_GET_SIZE(*hold);
    return 0;
}

/* record(counts, model, message_id, request_id, session, ts, sidechain, agent, cwd): ClaudeLineParser._record's
 * arguments and result, for the records the parser decoded itself. */
static PyObject *reader_record_py(ClaudeReader *r, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "ClaudeReader.record takes 9 arguments");
        return NULL;
    }
    Rec rec;
    memset(&rec, 0, sizeof rec);
    PyObject *counts = args[0];
    if (counts != Py_None) {
        if (!PyTuple_Check(counts) || PyTuple_GET_SIZE(counts) != 5) {
            PyErr_SetString(PyExc_TypeError, "ClaudeReader.record: counts are a 5-tuple or None");
            return NULL;
        }
        for (int i = 0; i < 5; i++) {
            rec.c[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(counts, i));
            if (rec.c[i] == -1 && PyErr_Occurred())
                return NULL;
        }
        rec.counts_ok = 1;
    }
    PyObject *hold[6] = {NULL};
    Text *texts[6] = {&rec.model, &rec.mid, &rec.rid, &rec.session, &rec.agent, &rec.cwd};
    PyObject *objs[6] = {args[1], args[2], args[3], args[4], args[7], args[8]};
    PyObject *call = NULL;
    int rc = 0;
    for (int i = 0; i < 6 && rc == 0; i++)
        rc = text_arg(objs[i], texts[i], &hold[i]);
    if (rc == 0) {
        rec.ts_obj = args[5];
        rec.sidechain = PyObject_IsTrue(args[6]);
        rc = rec.sidechain < 0 ? -1 : reader_record(r, &rec, &call);
    }
    for (int i = 0; i < 6; i++)
        Py_XDECREF(hold[i]);
    if (rc < 0)
        return NULL;
    if (call == NULL)
        Py_RETURN_NONE;
    return call;
}

/* --- the type ------------------------------------------------------------------------------------------ */

static int reader_init(ClaudeReader *r, PyObject *args, PyObject *kwds)
{
    PyObject *fallback, *file_agent, *skipped, *api_call, *parse_iso_ms;
    (void)kwds;
    if (!PyArg_ParseTuple(args, "UOOOO", &fallback, &file_agent, &skipped, &api_call, &parse_iso_ms))
        return -1;
    if (api_call_fields_check(api_call) < 0)
        return -1;
    PyObject *fallback_b = PyUnicode_AsEncodedString(fallback, "utf-8", "surrogatepass");
    if (fallback_b == NULL)
        return -1;
    Py_INCREF(fallback);
    Py_INCREF(file_agent);
    Py_INCREF(skipped);
    Py_INCREF(api_call);
    Py_INCREF(parse_iso_ms);
    Py_XSETREF(r->fallback, fallback);
    Py_XSETREF(r->fallback_b, fallback_b);
    Py_XSETREF(r->file_agent, file_agent);
    Py_XSETREF(r->skipped, skipped);
    Py_XSETREF(r->api_call, api_call);
    Py_XSETREF(r->parse_iso_ms, parse_iso_ms);
    return 0;
}

static void reader_dealloc(ClaudeReader *r)
{
    for (size_t i = 0; i < r->cap; i++) {
        if (r->table[i].key != NULL) {
            PyMem_RawFree(r->table[i].key);
            Py_DECREF(r->table[i].call);
        }
    }
    PyMem_RawFree(r->table);
    cache_clear(&r->model);
    cache_clear(&r->session);
    cache_clear(&r->project);
    cache_clear(&r->agent);
    Py_XDECREF(r->fallback);
    Py_XDECREF(r->fallback_b);
    Py_XDECREF(r->file_agent);
    Py_XDECREF(r->skipped);
    Py_XDECREF(r->api_call);
    Py_XDECREF(r->parse_iso_ms);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

static PyObject *reader_usage_records(ClaudeReader *r, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(r->usage_records);
}

static PyObject *reader_duplicates(ClaudeReader *r, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(r->duplicates);
}

static PyMethodDef READER_METHODS[] = {
    {"record", (PyCFunction)(void (*)(void))reader_record_py, METH_FASTCALL,
     "record(counts, model, message_id, request_id, session, ts, sidechain, agent, cwd) -> ApiCall | None"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef READER_GETSET[] = {
    {"usage_records", (getter)reader_usage_records, NULL, "usage records read (ClaudeLineParser's count)", NULL},
    {"duplicates", (getter)reader_duplicates, NULL, "streaming copies folded into a call", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ClaudeReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tokenpulse.native._scan.ClaudeReader",
    .tp_basicsize = sizeof(ClaudeReader),
    .tp_dealloc = (destructor)reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ClaudeReader(fallback_session, file_agent, skipped, ApiCall, parse_iso_ms): a file's usage records"
              " to calls (see claude_reader.h).",
    .tp_methods = READER_METHODS,
    .tp_getset = READER_GETSET,
    .tp_init = (initproc)reader_init,
    .tp_new = PyType_GenericNew,
};

static int reader_names_init(void)
{
    struct {
        PyObject **slot;
        const char *text;
    } names[] = {
        {&S_SOURCE, "claude-code"},
        {&S_UNKNOWN, "unknown"},
        {&S_SIDECHAIN, "sidechain"},
        {&S_SYNTHETIC_REASON, "synthetic message (no API call)"},
        {&S_COUNTS_REASON, "invalid token counts"},
        {&S_TS_REASON, "missing or invalid timestamp"},
        {&A_INPUT, "input"},
        {&A_CW5, "cache_write_5m"},
        {&A_CW1, "cache_write_1h"},
        {&A_CR, "cache_read"},
        {&A_OUTPUT, "output"},
        {&A_TS, "ts_ms"},
        {&A_MODEL, "model"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        *names[i].slot = PyUnicode_InternFromString(names[i].text);
        if (*names[i].slot == NULL)
            return -1;
    }
    return 0;
}

#endif
