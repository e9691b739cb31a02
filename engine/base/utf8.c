/* utf8.c - UTF-8 validation (see utf8.h). */
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence at s (n bytes left), or 0 if it is bad. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

long utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return (long)i;
        i += k;
    }
    return -1;
}

long utf8_check_str(const char *s)
{
    return s ? utf8_check(s, strlen(s)) : -1;
}

char *utf8_sanitize(const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
        if (k == 0) {
            d[i++] = '?';
            continue;
        }
        memcpy(d + i, s + i, k);
        i += k;
    }
    d[n] = '\0';
    return d;
}

const char *utf8_describe(const char *s, long off, char *buf, size_t n)
{
    /* the column counts characters, as an editor shows them */
    long col = 1;
    const unsigned char *p = (const unsigned char *)s;
    for (long i = 0; i < off; col++) {
        size_t k = p[i] < 0x80 ? 1 : utf8_seq(p + i, (size_t)(off - i));
        i += k ? (long)k : 1;
    }
    snprintf(buf, n, "byte 0x%02X at character %ld", (unsigned)p[off], col);
    return buf;
}
