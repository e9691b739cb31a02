/* hash.c - SHA-256 (FIPS 180-4); see hash.h. */
#include "hash.h"

#include <string.h>

static const uint32_t hash__k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define HASH__ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void hash__block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = HASH__ROR(w[i - 15], 7) ^ HASH__ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = HASH__ROR(w[i - 2], 17) ^ HASH__ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (HASH__ROR(e, 6) ^ HASH__ROR(e, 11) ^ HASH__ROR(e, 25)) + ((e & f) ^ (~e & g)) +
                      hash__k256[i] + w[i];
        uint32_t t2 = (HASH__ROR(a, 2) ^ HASH__ROR(a, 13) ^ HASH__ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

/* The x86 SHA extensions (Intel SHA-NI, AMD since Zen) do the rounds about
 * eight times faster: a scenario's data files (megabytes) are hashed for
 * the provenance on every run.  Chosen at init by CPUID; the portable
 * hash__block above is the reference (tests/unit/test_safety.c compares
 * the two). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

static int hash__have_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
        return 0; /* SSE4.1, SSSE3 */
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1; /* SHA */
}

__attribute__((target("sha,sse4.1"))) static void hash__blocks_shani(uint32_t h[8],
                                                                     const unsigned char *p,
                                                                     size_t nblocks)
{
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
    t = _mm_shuffle_epi32(t, 0xB1);          /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);        /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);  /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);       /* CDGH */
    for (; nblocks > 0; nblocks--, p += 64) {
        __m128i save0 = s0, save1 = s1, m[4];
        for (int g = 0; g < 16; g++) {
            if (g < 4)
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
                                        mask);
            else
                m[g & 3] = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]),
                                  _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4)),
                    m[(g + 3) & 3]);
            __m128i w = _mm_add_epi32(m[g & 3],
                                      _mm_loadu_si128((const __m128i *)(const void *)&hash__k256[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, w);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(w, 0x0E));
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);         /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);        /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0);       /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);          /* HGFE */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}
#else
static int hash__have_shani(void)
{
    return 0;
}

static void hash__blocks_shani(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    (void)h;
    (void)p;
    (void)nblocks;
}
#endif

static void hash__blocks(const hash_sha256 *c, uint32_t h[8], const unsigned char *p,
                         size_t nblocks)
{
    if (c->shani) {
        hash__blocks_shani(h, p, nblocks);
        return;
    }
    for (; nblocks > 0; nblocks--, p += 64)
        hash__block(h, p);
}

void hash_sha256_init(hash_sha256 *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->len = 0;
    c->nbuf = 0;
    c->shani = hash__have_shani();
}

void hash_sha256_update(hash_sha256 *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->len += len;
    if (c->nbuf > 0) {
        size_t take = 64 - c->nbuf < len ? 64 - c->nbuf : len;
        memcpy(c->buf + c->nbuf, p, take);
        c->nbuf += take;
        p += take;
        len -= take;
        if (c->nbuf < 64)
            return;
        hash__blocks(c, c->h, c->buf, 1);
        c->nbuf = 0;
    }
    if (len >= 64) {
        hash__blocks(c, c->h, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    if (len > 0) {
        memcpy(c->buf, p, len);
        c->nbuf = len;
    }
}

void hash_sha256_final_hex(hash_sha256 *c, char out[65])
{
    unsigned char tail[128];
    memset(tail, 0, sizeof tail);
    memcpy(tail, c->buf, c->nbuf);
    tail[c->nbuf] = 0x80;
    size_t tlen = c->nbuf + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = c->len * 8u;
    for (int i = 0; i < 8; i++)
        tail[tlen - 1 - (size_t)i] = (unsigned char)(bits >> (8 * i));
    hash__blocks(c, c->h, tail, tlen / 64);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            unsigned char byte = (unsigned char)(c->h[i] >> (24 - 8 * j));
            out[8 * i + 2 * j] = hex[byte >> 4];
            out[8 * i + 2 * j + 1] = hex[byte & 15];
        }
    out[64] = '\0';
}

void hash_sha256_hex(const void *data, size_t len, char out[65])
{
    hash_sha256 c;
    hash_sha256_init(&c);
    hash_sha256_update(&c, data, len);
    hash_sha256_final_hex(&c, out);
}
