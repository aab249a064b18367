/* tokenpulse.native: a Codex token_count event to the record CodexLineParser._on_usage takes; every other
 * needle line (turn contexts, session metas) is handed back to be decoded in Python. Included by _scan.c. */
#ifndef TOKENPULSE_CODEX_H
#define TOKENPULSE_CODEX_H

enum { U_NONE, U_FALSE, U_OBJECT }; /* parser._usage: None (absent, null or {}), False (not a usage), a tuple */

typedef struct {
    int kind, members;
    Scalar input, cached, cache_read, output, reasoning, cache_write;
} Usage;

enum { W_MISSING, W_INT, W_OTHER }; /* info.model_context_window: an integer, or anything else */

typedef struct {
    Scalar timestamp, type;
    int payload_seen, payload_object;
    Scalar ptype, model;
    int info_seen, info_object;
    Usage total, last;
    Scalar info_model;
    int window_kind;
    long long window;
    const unsigned char *limits_start, *limits_end; /* payload.rate_limits as written (NULL: absent) */
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
        else if (KEY_IS(k, kn, "model_context_window")) { /* for the plan-limit reader (limits.py) */
            if (r->window_kind != W_MISSING)
                return BAIL; /* a duplicate */
            if (c->p < c->end && (*c->p == '-' || is_digit(*c->p))) {
                int kind;
                rc = scan_number(c, &kind, &r->window);
                if (!rc && kind != N_INT)
                    rc = BAIL; /* a float or a huge integer: msgspec converts it (or refuses it) */
                r->window_kind = W_INT;
            }
            else {
                rc = skip_value(c, 1);
                r->window_kind = W_OTHER;
            }
        }
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
                 KEY_IS(k, kn, "parent_thread_id") || KEY_IS(k, kn, "source") || KEY_IS(k, kn, "timestamp") ||
                 KEY_IS(k, kn, "codex_error_info"))
            rc = skip_value(c, 1); /* typed Any in a parser: converted by msgspec, so checked strictly */
        else if (KEY_IS(k, kn, "rate_limits")) {
            /* the plan-limit reader's (limits.py): handed over as written and decoded there by msgspec */
            if (r->limits_start != NULL)
                return BAIL; /* a duplicate */
            r->limits_start = c->p;
            rc = skip_value(c, 0);
            r->limits_end = c->p;
        }
        else if (KEY_IS(k, kn, "error")) {
            /* typed `_Error | None` by the plan-limit reader: anything else makes it read the line loosely,
             * which the reader's handling of rate_limits alone would not mirror */
            if (c->p < c->end && *c->p == '{')
                rc = skip_value(c, 1);
            else
                rc = literal(c, "null", 4);
        }
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

/* A turn stopped by the plan's limit (sources/codex/limits.py): a short line naming the error, read in Python. */
#define CODEX_LIMIT_LINE_MAX (16 * 1024)
static int names_limit_hit(const unsigned char *s, const unsigned char *e)
{
    static const char word[] = "usage_limit_exceeded";
    return e - s <= CODEX_LIMIT_LINE_MAX && holds_word(s, e, word, sizeof word - 1);
}

/* codex_lex reads a line without touching Python objects (the GIL may be released): OK for a token_count event,
 * NOTHING for a line that yields nothing (another event), BAIL for a turn context, a session meta, a limit hit or
 * anything unsure (decoded in Python). codex_build then makes its tuple:
 * (total usage, last usage, info model, payload model, timestamp, rate limits, context window) of a token_count
 * event: the first five are what the parser's `_on_usage` takes, the last two are for the plan-limit reader
 * (limits.py: `payload.rate_limits` as written, None when absent or null; `info.model_context_window` when an
 * integer, else None). A token_count without info (limits only) gives None for both usages. NULL with *rc BAIL or
 * PYERR. */
static int codex_lex(const unsigned char *s, const unsigned char *e, CodexLine *r)
{
    memset(r, 0, sizeof *r);
    Cur c = {s, e, 0};
    int rc = codex_top(&c, r);
    if (rc != OK)
        return rc;
    if (!r->payload_object)
        return NOTHING;
    if ((r->type.kind == S_STR && (r->type.flags & F_ESCAPED)) || str_is(&r->type, "turn_context", 12) ||
        str_is(&r->type, "session_meta", 12))
        return BAIL;
    if (r->ptype.kind == S_STR && (r->ptype.flags & F_ESCAPED))
        return BAIL;
    if (!str_is(&r->type, "event_msg", 9) || !str_is(&r->ptype, "token_count", 11))
        return names_limit_hit(s, e) ? BAIL : NOTHING; /* another event */
    const Scalar *const texts[] = {&r->info_model, &r->model, &r->timestamp};
    return any_escaped(texts, sizeof texts / sizeof texts[0]) ? BAIL : OK;
}

static PyObject *codex_build(const CodexLine *rp, int *rc)
{
    const CodexLine r = *rp;
    PyObject *f[7] = {usage_value(&r.total), usage_value(&r.last), NULL, NULL, NULL, NULL, NULL};
    PyObject *result = NULL;
    if (f[0] == NULL || f[1] == NULL) {
        *rc = PYERR;
    }
    else if ((*rc = text_of(&r.info_model, &f[2])) == OK && (*rc = text_of(&r.model, &f[3])) == OK &&
             (*rc = stamp_of(&r.timestamp, &f[4])) == OK) {
        if (r.limits_start == NULL || (r.limits_end - r.limits_start == 4 && *r.limits_start == 'n')) {
            Py_INCREF(Py_None);
            f[5] = Py_None;
        }
        else {
            f[5] = PyBytes_FromStringAndSize((const char *)r.limits_start, r.limits_end - r.limits_start);
        }
        if (r.window_kind == W_INT) {
            f[6] = PyLong_FromLongLong(r.window);
        }
        else {
            Py_INCREF(Py_None);
            f[6] = Py_None;
        }
        result = f[5] == NULL || f[6] == NULL ? NULL : PyTuple_Pack(7, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
        if (result == NULL)
            *rc = PYERR;
    }
    for (int i = 0; i < 7; i++)
        Py_XDECREF(f[i]);
    return result;
}

#endif
