/* tokenpulse.native: ClaudeReader, the compiled twin of ClaudeLineParser._record and _merge (counting rules:
 * sources/claude_code/README.md). One per parser, i.e. per read of a file. It turns usage records into ApiCall
 * objects, folds later streaming copies of a call into the call already made, and keeps the parser's counts,
 * exactly as the Python methods do; the usage lines the lexer read need no Python object but the calls they
 * make. The lines the lexer gives up on are decoded by the parser in Python, which hands their records to
 * `record` here, so that one table of calls seen serves both, in the order of the lines. Included by _scan.c.
 */
#ifndef TOKENPULSE_CLAUDE_READER_H
#define TOKENPULSE_CLAUDE_READER_H

/* A record as ClaudeLineParser._record takes it. */
typedef struct {
    int counts_ok;
    long long c[5]; /* input, cache_write_5m, cache_write_1h, cache_read, output */
    Text model, mid, rid, session, agent, cwd;
    long long ts_ms;  /* when ts_obj is NULL: the epoch milliseconds already read */
    PyObject *ts_obj; /* else the timestamp as given (text, None or an int), borrowed */
    int sidechain;
} Rec;

typedef struct {
    char *key; /* NULL: a free slot */
    Py_ssize_t keylen;
    uint64_t hash;
    PyObject *call;
    int sidechain;
    long long out, ctx; /* the call's output and context, as this reader last set them */
} Seen;

typedef struct {
    PyObject_HEAD
    PyObject *fallback;   /* the session id implied by the file's path (str) */
    PyObject *fallback_b; /* its bytes for keys (surrogatepass) */
    PyObject *file_agent; /* the sub-agent id implied by the path, or None */
    PyObject *skipped;    /* the parser's Counter of skipped lines */
    PyObject *api_call;   /* tokenpulse.usage.ApiCall */
    PyObject *parse_iso_ms;
    Seen *table;
    size_t cap, used;
    long long usage_records, duplicates;
    StrCache model, session, project, agent;
} ClaudeReader;

static PyObject *S_SOURCE, *S_UNKNOWN, *S_SIDECHAIN, *S_SYNTHETIC_REASON, *S_COUNTS_REASON, *S_TS_REASON;
static PyObject *A_INPUT, *A_CW5, *A_CW1, *A_CR, *A_OUTPUT, *A_TS, *A_MODEL;
static int skip(ClaudeReader *r, PyObject *reason) { return count_skip(r->skipped, reason); }

#include "seen_table.h"

/* --- one record ---------------------------------------------------------------------------------------- */

/* The record's timestamp as _record reads it: a new reference to its epoch milliseconds, or None. */
static PyObject *record_ms(ClaudeReader *r, const Rec *rec)
{
    if (rec->ts_obj == NULL)
        return PyLong_FromLongLong(rec->ts_ms);
    if (PyLong_CheckExact(rec->ts_obj)) {
        Py_INCREF(rec->ts_obj);
        return rec->ts_obj;
    }
    return PyObject_CallOneArg(r->parse_iso_ms, rec->ts_obj);
}

/* Fold a later copy of a call into the call made first (ClaudeLineParser._merge). 0, or -1 on error. */
static int reader_merge(ClaudeReader *r, Seen *e, const Rec *rec)
{
    r->duplicates++;
    long long out = rec->c[4], ctx = rec->c[0] + rec->c[1] + rec->c[2] + rec->c[3];
    if (out < e->out || (out == e->out && ctx <= e->ctx))
        return 0;
    PyObject *ms = record_ms(r, rec);
    if (ms == NULL)
        return -1;
    if (ms == Py_None) {
        Py_DECREF(ms);
        return skip(r, S_TS_REASON);
    }
    PyObject *model = truthy(&rec->model) ? text_str(&r->model, &rec->model) : (Py_INCREF(S_UNKNOWN), S_UNKNOWN);
    PyObject *const names[5] = {A_INPUT, A_CW5, A_CW1, A_CR, A_OUTPUT};
    int rc = model == NULL ? -1 : 0;
    for (int i = 0; i < 5 && rc == 0; i++) {
        PyObject *v = PyLong_FromLongLong(rec->c[i]);
        rc = v == NULL ? -1 : PyObject_SetAttr(e->call, names[i], v);
        Py_XDECREF(v);
    }
    if (rc == 0)
        rc = PyObject_SetAttr(e->call, A_TS, ms);
    if (rc == 0)
        rc = PyObject_SetAttr(e->call, A_MODEL, model);
    Py_DECREF(ms);
    Py_XDECREF(model);
    if (rc == 0) {
        e->out = out;
        e->ctx = ctx;
    }
    return rc;
}

/* ClaudeLineParser._record: *call is the new ApiCall, or NULL when the record makes none. 0, or -1 on error. */
static int reader_record(ClaudeReader *r, const Rec *rec, PyObject **call)
{
    *call = NULL;
    if (rec->model.s != NULL && rec->model.n == 11 && memcmp(rec->model.s, "<synthetic>", 11) == 0)
        return skip(r, S_SYNTHETIC_REASON);
    r->usage_records++;
    if (!rec->counts_ok)
        return skip(r, S_COUNTS_REASON);
    char *skey = NULL;
    Py_ssize_t skeylen = 0;
    uint64_t shash = 0;
    if (rec->mid.s != NULL) {
        skey = seen_key(rec, &skeylen);
        if (skey == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        shash = fnv1a(skey, skeylen);
        Seen *e = seen_find(r, skey, skeylen, shash);
        if (e != NULL && e->key != NULL && e->sidechain == rec->sidechain) {
            PyMem_RawFree(skey);
            return reader_merge(r, e, rec);
        }
    }
    PyObject *ms = record_ms(r, rec);
    if (ms == NULL || ms == Py_None) {
        PyMem_RawFree(skey);
        Py_XDECREF(ms);
        return ms == NULL ? -1 : skip(r, S_TS_REASON);
    }
    PyObject *model = NULL, *session = NULL, *key = NULL, *parent = NULL, *project = NULL, *mhash = NULL;
    PyObject *agent = NULL, *result = NULL;
    int rc = -1;
    Text session_t = rec->session;
    if (!truthy(&session_t)) {
        session_t.str = r->fallback;
        session_t.s = PyBytes_AS_STRING(r->fallback_b);
        session_t.n = PyBytes_GET_SIZE(r->fallback_b);
    }
    model = truthy(&rec->model) ? text_str(&r->model, &rec->model) : (Py_INCREF(S_UNKNOWN), S_UNKNOWN);
    session = text_str(&r->session, &session_t);
    if (model == NULL || session == NULL)
        goto done;
    { /* the dedupe key: fields.call_key(SOURCE, ...) */
        Blake2b st;
        unsigned char digest[16];
        b2_init(&st, 16);
        b2_update(&st, "claude-code", 11);
        if (truthy(&rec->mid) && truthy(&rec->rid)) {
            key_part(&st, rec->mid.s, rec->mid.n);
            key_part(&st, rec->rid.s, rec->rid.n);
        }
        else if (truthy(&rec->mid)) {
            key_part(&st, rec->mid.s, rec->mid.n);
        }
        else { /* cannot be deduped by id: identified by content, which a replayed copy repeats exactly */
            Py_ssize_t mn;
            const char *m = truthy(&rec->model) ? rec->model.s : "unknown";
            mn = truthy(&rec->model) ? rec->model.n : 7;
            key_part(&st, "noid", 4);
            key_part(&st, session_t.s, session_t.n);
            if (key_int(&st, ms) < 0)
                goto done;
            key_part(&st, m, mn);
            for (int i = 0; i < 5; i++) {
                char buf[32];
                int n = snprintf(buf, sizeof buf, "%lld", rec->c[i]);
                key_part(&st, buf, n);
            }
        }
        b2_final(&st, digest);
        key = PyBytes_FromStringAndSize((const char *)digest, 16);
        if (key == NULL)
            goto done;
    }
    if (rec->sidechain) {
        parent = session;
        if (truthy(&rec->agent))
            agent = text_str(&r->agent, &rec->agent);
        else if (r->file_agent != Py_None && PyObject_IsTrue(r->file_agent)) {
            Py_INCREF(r->file_agent);
            agent = r->file_agent;
        }
        else {
            Py_INCREF(S_SIDECHAIN);
            agent = S_SIDECHAIN;
        }
        if (agent == NULL)
            goto done;
        session = PyUnicode_FromFormat("%U:%U", parent, agent);
        if (session == NULL)
            goto done;
    }
    if (truthy(&rec->cwd)) { /* claude_code.parser.project_of: sub-agent worktrees fold into their project */
        static const char mark[] = "/.claude/worktrees/";
        const char *cut = NULL;
        for (const char *p = rec->cwd.s; rec->cwd.s + rec->cwd.n - p >= (Py_ssize_t)(sizeof mark - 1); p++) {
            if (memcmp(p, mark, sizeof mark - 1) == 0) {
                cut = p;
                break;
            }
        }
        Text folder = rec->cwd;
        if (cut != NULL && cut > rec->cwd.s) {
            folder.n = cut - rec->cwd.s;
            folder.str = NULL;
        }
        project = text_str(&r->project, &folder);
        if (project == NULL)
            goto done;
    }
    if (truthy(&rec->mid)) { /* fields.short_hash: the first 8 bytes of an 8-byte digest, big-endian, >> 1 */
        Blake2b st;
        unsigned char d[8];
        b2_init(&st, 8);
        b2_update(&st, rec->mid.s, (size_t)rec->mid.n);
        b2_final(&st, d);
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = (v << 8) | d[i];
        mhash = PyLong_FromUnsignedLongLong(v >> 1);
        if (mhash == NULL)
            goto done;
    }
    {
        PyObject *counts[5] = {NULL};
        int ok = 1;
        for (int i = 0; i < 5; i++)
            ok &= (counts[i] = PyLong_FromLongLong(rec->c[i])) != NULL;
        PyObject *zero = PyLong_FromLong(0);
        if (ok && zero != NULL) {
            PyObject *args[16] = {S_SOURCE, key, session, ms, model, counts[0], counts[1], counts[2], counts[3],
                                  counts[4], zero, project ? project : Py_None, parent ? parent : Py_None,
                                  rec->sidechain ? Py_True : Py_False, mhash ? mhash : Py_None, Py_None};
            result = PyObject_Vectorcall(r->api_call, args, 16, NULL);
        }
        for (int i = 0; i < 5; i++)
            Py_XDECREF(counts[i]);
        Py_XDECREF(zero);
    }
    if (result == NULL)
        goto done;
    if (skey != NULL) {
        rc = seen_put(r, skey, skeylen, shash, result, rec);
        skey = NULL;
        if (rc < 0)
            Py_CLEAR(result);
    }
    rc = result == NULL ? -1 : 0;
done:
    PyMem_RawFree(skey);
    Py_XDECREF(ms);
    Py_XDECREF(model);
    Py_XDECREF(session);
    Py_XDECREF(key);
    Py_XDECREF(parent);
    Py_XDECREF(agent);
    Py_XDECREF(project);
    Py_XDECREF(mhash);
    *call = result;
    return rc;
}

/* --- a record from the lexer, and one from Python ----------------------------------------------------- */

static void text_of_scalar(const Scalar *s, Text *t) /* values.h text_of, without making the str */
{
    t->str = NULL;
    if (s->kind != S_STR || s->n == 0) {
        t->s = NULL;
        t->n = 0;
        return;
    }
    t->s = (const char *)s->s;
    t->n = s->n;
}

/* The record of a usage line claude_lex read as OK (its text fields carry no escape: claude_lex saw to it).
 * *ts_hold receives a reference to free after the record is made. 0, or -1 on error. */
static int rec_of_line(const ClaudeLine *l, Rec *rec, PyObject **ts_hold)
{
    memset(rec, 0, sizeof *rec);
    long long inp = count_of(&l->inp), cw = count_of(&l->cache_write), cr = count_of(&l->cache_read),
              out = count_of(&l->out);
    rec->counts_ok = !(inp < 0 || cw < 0 || cr < 0 || out < 0);
    if (rec->counts_ok) {
        long long hour = 0;
        if (l->split_object && l->one_hour.kind == S_INT && l->one_hour.v >= 0 && l->one_hour.v <= MAX_TOKENS)
            hour = l->one_hour.v < cw ? l->one_hour.v : cw;
        rec->c[0] = inp;
        rec->c[1] = cw - hour;
        rec->c[2] = hour;
        rec->c[3] = cr;
        rec->c[4] = out;
    }
    text_of_scalar(&l->model, &rec->model);
    text_of_scalar(&l->id, &rec->mid);
    text_of_scalar(&l->request, &rec->rid);
    text_of_scalar(&l->session, &rec->session);
    text_of_scalar(&l->agent, &rec->agent);
    text_of_scalar(&l->cwd, &rec->cwd);
    rec->sidechain = l->sidechain.kind == S_TRUE;
    *ts_hold = NULL;
    if (l->timestamp.kind == S_STR) {
        long long ms = iso_ms_of(l->timestamp.s, l->timestamp.n);
        if (ms >= 0) {
            rec->ts_ms = ms;
            return 0;
        }
        /* another form: parse_iso_ms reads (or refuses) it */
        *ts_hold = PyUnicode_DecodeUTF8((const char *)l->timestamp.s, l->timestamp.n, NULL);
        rec->ts_obj = *ts_hold;
        return *ts_hold == NULL ? -1 : 0;
    }
    rec->ts_obj = Py_None; /* not text: the parsers read no time from it */
    return 0;
}

#endif
