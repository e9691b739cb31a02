/* rng.c - seed mixing and module streams (see rng.h). */
#include "rng.h"

uint32_t rng_mix32(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return (uint32_t)(x >> 32);
}

uint32_t rng_stream_seed(uint64_t run_seed, int module)
{
    return rng_mix32(run_seed * 0x9E3779B97F4A7C15ULL + (uint64_t)module);
}

gsl_rng *rng_stream_new(uint64_t run_seed, int module)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r != NULL)
        gsl_rng_set(r, rng_stream_seed(run_seed, module));
    return r;
}
