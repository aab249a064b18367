/* tokenpulse.native: BLAKE2b (RFC 7693), unkeyed, for the dedupe keys and message hashes the accelerator makes
 * (sources/fields.py: call_key is a 16-byte digest, short_hash the first 8 bytes of an 8-byte digest). Written
 * from the RFC's description; tests/native compares it with hashlib.blake2b. Included by _scan.c. */
#ifndef TOKENPULSE_BLAKE2B_H
#define TOKENPULSE_BLAKE2B_H

static const uint64_t B2_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* the message word schedule of each of the 12 rounds (rounds 10 and 11 repeat 0 and 1) */
static const uint8_t B2_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

typedef struct {
    uint64_t h[8];
    uint64_t t; /* bytes compressed so far (the counter's high word stays 0: keys are short) */
    unsigned char buf[128];
    size_t fill;
    size_t outlen;
} Blake2b;

static inline uint64_t b2_rotr(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static inline uint64_t b2_load(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define B2_G(a, b, c, d, x, y)                                                                               \
    do {                                                                                                      \
        v[a] = v[a] + v[b] + (x);                                                                             \
        v[d] = b2_rotr(v[d] ^ v[a], 32);                                                                      \
        v[c] = v[c] + v[d];                                                                                   \
        v[b] = b2_rotr(v[b] ^ v[c], 24);                                                                      \
        v[a] = v[a] + v[b] + (y);                                                                             \
        v[d] = b2_rotr(v[d] ^ v[a], 16);                                                                      \
        v[c] = v[c] + v[d];                                                                                   \
        v[b] = b2_rotr(v[b] ^ v[c], 63);                                                                      \
    } while (0)

static void b2_compress(Blake2b *st, const unsigned char *block, int last)
{
    uint64_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = st->h[i];
        v[i + 8] = B2_IV[i];
    }
    v[12] ^= st->t;
    if (last)
        v[14] = ~v[14];
    for (int i = 0; i < 16; i++)
        m[i] = b2_load(block + 8 * i);
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = B2_SIGMA[r];
        B2_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++)
        st->h[i] ^= v[i] ^ v[i + 8];
}

static void b2_init(Blake2b *st, size_t outlen)
{
    for (int i = 0; i < 8; i++)
        st->h[i] = B2_IV[i];
    st->h[0] ^= 0x01010000ULL ^ (uint64_t)outlen; /* digest length, no key, fanout 1, depth 1 */
    st->t = 0;
    st->fill = 0;
    st->outlen = outlen;
}

static void b2_update(Blake2b *st, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        if (st->fill == 128) { /* a full block is compressed only once more input follows: the last is final */
            st->t += 128;
            b2_compress(st, st->buf, 0);
            st->fill = 0;
        }
        size_t take = 128 - st->fill < n ? 128 - st->fill : n;
        memcpy(st->buf + st->fill, p, take);
        st->fill += take;
        p += take;
        n -= take;
    }
}

static void b2_final(Blake2b *st, unsigned char *out)
{
    st->t += st->fill;
    memset(st->buf + st->fill, 0, 128 - st->fill);
    b2_compress(st, st->buf, 1);
    for (size_t i = 0; i < st->outlen; i++)
        out[i] = (unsigned char)(st->h[i / 8] >> (8 * (i % 8)));
}

#endif
