/*
 * hash.h - SHA-256 (FIPS 180-4), small and dependency-free.
 *
 * Fingerprints of what a result depends on: the resolved configuration
 * (`config_sha256`), every data file a scenario reads (`data_sha256`), a
 * sweep's manifest and the data of sweep part files (checked by `merge`).
 * Incremental (init / update / final) for data read in blocks, and one call
 * for a buffer.  These functions cannot fail.
 */
#ifndef SANCSIM_HASH_H
#define SANCSIM_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct hash_sha256 {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    unsigned char buf[64]; /* a partial block */
    size_t nbuf;
    int shani;             /* 1: the CPU's SHA instructions (set by init; 0 forces
                              the portable code) */
} hash_sha256;

void hash_sha256_init(hash_sha256 *c);
void hash_sha256_update(hash_sha256 *c, const void *data, size_t len);
/* 64 lowercase hex digits + NUL; c must be initialised again before reuse. */
void hash_sha256_final_hex(hash_sha256 *c, char out[65]);

/* The SHA-256 of one buffer as hex. */
void hash_sha256_hex(const void *data, size_t len, char out[65]);

#endif
