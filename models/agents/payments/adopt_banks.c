/*
 * adopt_banks.c - `payments.adoption.mode = "banks"` (the default): each
 * bank is or is not a member (m = 0 or 1); in steps (b) and (c) every
 * eligible bank draws once from the run's payments stream, in (country,
 * system, bank) order, and moves with the hazard's probability.
 */
#include <gsl/gsl_rng.h>

#include "payments_impl.h"

static void banks_exits(payments *P, int i, int p, double rate, double prob)
{
    (void)rate;
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        if (P->m[x] == 1.0 && gsl_rng_uniform(P->rng) < prob)
            P->m[x] = 0.0;
    }
}

static void banks_joins(payments *P, int i, int p, double rate, double prob)
{
    (void)rate;
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        if (P->m[x] == 0.0 && P->bar[x] == 0 && gsl_rng_uniform(P->rng) < prob)
            P->m[x] = 1.0;
    }
}

const pay_rule pay_rule_banks = {"banks", NULL, banks_exits, banks_joins};
