/* tokenpulse.native: the table of the calls a ClaudeReader made, by (message id, request id) as the parser
 * keys its own (`_seen`): open addressing over the ids' bytes, each entry holding its call and what the merge of a
 * later streaming copy compares. Included by claude_reader.h. */
#ifndef TOKENPULSE_SEEN_TABLE_H
#define TOKENPULSE_SEEN_TABLE_H

static uint64_t fnv1a(const char *s, Py_ssize_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* The key of (message id, request id): both are needed as given (a request id of None is not one of ""). */
static char *seen_key(const Rec *rec, Py_ssize_t *len)
{
    Py_ssize_t n = 8 + rec->mid.n + 1 + (rec->rid.s ? rec->rid.n : 0);
    char *k = PyMem_RawMalloc((size_t)n);
    if (k == NULL)
        return NULL;
    uint64_t mn = (uint64_t)rec->mid.n;
    memcpy(k, &mn, 8);
    memcpy(k + 8, rec->mid.s, (size_t)rec->mid.n);
    k[8 + rec->mid.n] = rec->rid.s != NULL;
    if (rec->rid.s)
        memcpy(k + 9 + rec->mid.n, rec->rid.s, (size_t)rec->rid.n);
    *len = n;
    return k;
}

static Seen *seen_find(ClaudeReader *r, const char *key, Py_ssize_t len, uint64_t hash)
{
    if (r->cap == 0)
        return NULL;
    for (size_t i = hash & (r->cap - 1);; i = (i + 1) & (r->cap - 1)) {
        Seen *e = &r->table[i];
        if (e->key == NULL)
            return e;
        if (e->hash == hash && e->keylen == len && memcmp(e->key, key, (size_t)len) == 0)
            return e;
    }
}

static int seen_grow(ClaudeReader *r)
{
    size_t cap = r->cap ? r->cap * 2 : 64;
    Seen *table = PyMem_RawCalloc(cap, sizeof(Seen));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Seen *old = r->table;
    size_t old_cap = r->cap;
    r->table = table;
    r->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key != NULL)
            *seen_find(r, old[i].key, old[i].keylen, old[i].hash) = old[i];
    }
    PyMem_RawFree(old);
    return 0;
}

/* Remember `call` under the record's ids (replacing a call of the other kind, sidechain or not). Steals key. */
static int seen_put(ClaudeReader *r, char *key, Py_ssize_t len, uint64_t hash, PyObject *call, const Rec *rec)
{
    if ((r->used + 1) * 2 > r->cap && seen_grow(r) < 0) {
        PyMem_RawFree(key);
        return -1;
    }
    Seen *e = seen_find(r, key, len, hash);
    if (e->key != NULL) {
        PyMem_RawFree(e->key);
        Py_DECREF(e->call);
    }
    else {
        r->used++;
    }
    e->key = key;
    e->keylen = len;
    e->hash = hash;
    Py_INCREF(call);
    e->call = call;
    e->sidechain = rec->sidechain;
    e->out = rec->c[4];
    e->ctx = rec->c[0] + rec->c[1] + rec->c[2] + rec->c[3];
    return 0;
}

#endif
