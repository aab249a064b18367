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
    if (e - s > 16 * 1024)
        return 0;
    return holds_word(e - s > 4 * 1024 ? e - 4 * 1024 : s, e, word, sizeof word - 1);
}

/* Reads a line without touching Python objects (the GIL may be released): OK when it is a usage record (then
 * claude_reader.h makes its call), NOTHING for a line that yields no call, BAIL for one Python must decode. */
static int claude_lex(const unsigned char *s, const unsigned char *e, ClaudeLine *r)
{
    memset(r, 0, sizeof *r);
    Cur c = {s, e, 0};
    int rc = claude_top(&c, r);
    if (rc != OK)
        return rc;
    /* only a top-level message.usage object counts, on an assistant line (or one without a type) */
    if (!r->msg_object || !r->usage_object) {
        /* a plan-limit notice (issue 11): read in Python, sources/claude_code/limits.py */
        return limit_notice(s, e) ? BAIL : NOTHING;
    }
    if (r->type.kind == S_STR) {
        if (r->type.flags & F_ESCAPED)
            return BAIL;
        if (!(r->type.n == 9 && memcmp(r->type.s, "assistant", 9) == 0))
            return NOTHING;
    }
    else if (r->type.kind != S_MISSING && r->type.kind != S_NULL) {
        return NOTHING;
    }
    if (r->model.kind == S_STR && r->model.n == 11 && memcmp(r->model.s, "<synthetic>", 11) == 0)
        return BAIL; /* no API call; an older limit notice is one of these (read in Python) */
    const Scalar *const texts[] = {&r->model, &r->id, &r->request, &r->session, &r->agent, &r->cwd, &r->timestamp};
    return any_escaped(texts, sizeof texts / sizeof texts[0]) ? BAIL : OK;
}

#endif
