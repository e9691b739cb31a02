/*
 * rng.h - the run's random streams (DESIGN section 6).
 *
 * The generator is fixed (GSL's mt19937); GSL_RNG_TYPE/GSL_RNG_SEED are
 * ignored so that a run is a pure function of its config and seed.  mt19937
 * keeps only 32 bits of a seed, so seeds are mixed down to 32 bits
 * explicitly: each module draws from its own stream seeded by
 * rng_stream_seed(run seed, module number), so that turning one mechanism on
 * never shifts another's draws.
 */
#ifndef SANCSIM_RNG_H
#define SANCSIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

enum rng_module { RNG_PAYMENTS = 1, RNG_NOISE = 2, RNG_SWEEP = 3, RNG_BOOTSTRAP = 4, RNG_GOVERNMENTS = 5 };

/* A 64 -> 32 bit mix (the splitmix64 finaliser, upper half). */
uint32_t rng_mix32(uint64_t x);
/* Seed of a module's stream: rng_mix32(run_seed * 0x9E3779B97F4A7C15 + module). */
uint32_t rng_stream_seed(uint64_t run_seed, int module);
/* A new mt19937 generator for a module's stream (NULL on ENOMEM). */
gsl_rng *rng_stream_new(uint64_t run_seed, int module);

#endif
