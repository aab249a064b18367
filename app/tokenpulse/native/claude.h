/* tokenpulse.native: a Claude Code usage line to the record ClaudeLineParser._record takes (see its README:
 * only a top-level message.usage object on an assistant line, or one without a type, counts). Included by
 * _scan.c. */
#ifndef TOKENPULSE_CLAUDE_H
#define TOKENPULSE_CLAUDE_H

typedef struct {
    Scalar type, timestamp, session, request, sidechain, agent, cwd;  /* never a branch name: not read */
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

/* A plan-limit notice: a short line ending with its "error": "rate_limit" (as limits.py's LIMIT_LINE_MAX and
 * LIMIT_TAIL: at most 16 KiB, the word in its last 4 KiB). */
static int limit_notice(const unsigned char *s, const unsigned char *e)
{
    static const char word[] = "\"rate_limit\"";
    const size_t n = sizeof word - 1;
    if (e - s > 16 * 1024)
        return 0;
    const unsigned char *p = e - s > 4 * 1024 ? e - 4 * 1024 : s;
    for (; e - p >= (ptrdiff_t)n; p++) {
        p = memchr(p, word[0], (size_t)(e - p) - n + 1);
        if (p == NULL)
            return 0;
        if (memcmp(p, word, n) == 0)
            return 1;
    }
    return 0;
}

/* The record tuple (counts, model, message id, request id, session, timestamp, sidechain, agent, cwd);
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
    if (!r.msg_object || !r.usage_object) {
        if (limit_notice(s, e))
            *rc = BAIL; /* a plan-limit notice (issue 11): read in Python, sources/claude_code/limits.py */
        return NULL;
    }
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
    if (r.model.kind == S_STR && r.model.n == 11 && memcmp(r.model.s, "<synthetic>", 11) == 0) {
        *rc = BAIL; /* no API call; an older limit notice is one of these (read in Python) */
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
    PyObject *f[7] = {NULL};
    const Scalar *texts[] = {&r.model, &r.id, &r.request, &r.session};
    const Scalar *tail[] = {&r.agent, &r.cwd};
    int i;
    for (i = 0; i < 4; i++)
        if ((*rc = text_of(texts[i], &f[i])) != OK)
            goto fail;
    if ((*rc = stamp_of(&r.timestamp, &f[4])) != OK)
        goto fail;
    for (i = 0; i < 2; i++)
        if ((*rc = text_of(tail[i], &f[5 + i])) != OK)
            goto fail;
    {
        PyObject *side = r.sidechain.kind == S_TRUE ? Py_True : Py_False;
        Py_INCREF(side);
        PyObject *tuple = PyTuple_Pack(9, counts, f[0], f[1], f[2], f[3], f[4], side, f[5], f[6]);
        Py_DECREF(side);
        Py_DECREF(counts);
        for (i = 0; i < 7; i++)
            Py_DECREF(f[i]);
        if (tuple == NULL)
            *rc = PYERR;
        return tuple;
    }
fail:
    Py_DECREF(counts);
    for (i = 0; i < 7; i++)
        Py_XDECREF(f[i]);
    return NULL;
}

#endif
