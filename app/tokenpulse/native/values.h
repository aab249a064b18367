/* tokenpulse.native: the values a record hands to Python, exactly as the parsers would compute them from
 * msgspec's decoding (text fields, timestamps to epoch milliseconds, token counts). Included by _scan.c. */
#ifndef TOKENPULSE_VALUES_H
#define TOKENPULSE_VALUES_H

/* A text field as the parsers read it: a non-empty string, else None. *out is a new reference. */
static int text_of(const Scalar *s, PyObject **out)
{
    if (s->kind != S_STR || s->n == 0) {
        Py_INCREF(Py_None);
        *out = Py_None;
        return OK;
    }
    if (s->flags & F_ESCAPED)
        return BAIL;
    *out = PyUnicode_DecodeUTF8((const char *)s->s, s->n, NULL);
    if (*out == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            return PYERR;
        PyErr_Clear();
        return BAIL;
    }
    return OK;
}

static inline int two(const unsigned char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* `YYYY-MM-DDTHH:MM:SS.mmmZ` (what Claude Code and Codex write) to epoch milliseconds exactly as
 * fields.parse_iso_ms computes them (int(datetime.timestamp() * 1000), float rounding included); -1 for any
 * other form, an impossible date or an implausible moment, which Python then reads (or refuses) itself. */
static long long iso_ms_of(const unsigned char *s, Py_ssize_t n)
{
    static const unsigned char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 24)
        return -1;
    for (int i = 0; i < 24; i++) {
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
            return -1;
    }
    long long year = two(s) * 100 + two(s + 2);
    unsigned month = (unsigned)two(s + 5), day = (unsigned)two(s + 8);
    int hour = two(s + 11), minute = two(s + 14), second = two(s + 17);
    int milli = (s[20] - '0') * 100 + two(s + 21);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
        return -1;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > (unsigned)(mdays[month - 1] + (month == 2 && leap)))
        return -1;
    long long seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    long long micros = (seconds * 1000 + milli) * 1000;
    /* Python: (micros / 10**6) * 1000, two correctly rounded double operations, then truncation */
    volatile double ts = (double)micros / 1e6;
    double ms = ts * 1000.0;
    long long out = (long long)ms;
    if (out < EPOCH_MS_MIN || out > EPOCH_MS_MAX)
        return -1;
    return out;
}

/* A timestamp field: its epoch milliseconds when read here, else its text (or None when not a string). */
static int stamp_of(const Scalar *s, PyObject **out)
{
    if (s->kind == S_STR && !(s->flags & F_ESCAPED)) {
        long long ms = iso_ms_of(s->s, s->n);
        if (ms >= 0) {
            *out = PyLong_FromLongLong(ms);
            return *out ? OK : PYERR;
        }
    }
    if (s->kind != S_STR) {
        Py_INCREF(Py_None);
        *out = Py_None;
        return OK;
    }
    if (s->flags & F_ESCAPED)
        return BAIL;
    *out = PyUnicode_DecodeUTF8((const char *)s->s, s->n, NULL);
    if (*out == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            return PYERR;
        PyErr_Clear();
        return BAIL;
    }
    return OK;
}

/* A token count as usage.valid_count reads it: null or missing is 0; -1 when it is not a count. */
static long long count_of(const Scalar *s)
{
    if (s->kind == S_MISSING || s->kind == S_NULL)
        return 0;
    if (s->kind == S_INT && s->v >= 0 && s->v <= MAX_TOKENS)
        return s->v;
    return -1;
}

#endif
