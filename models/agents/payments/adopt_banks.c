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

/* Each bank has one pattern (its memberships); group the banks by pattern,
 * summing weights in bank order within a pattern. */
static int banks_patterns(payments *P, int i, uint64_t *pat, double *wt)
{
    int n = 0;
    for (int b = 0; b < P->B; b++) {
        uint64_t u = 0;
        for (int p = 0; p < P->nsys; p++)
            if (P->m[pay_bank(P, i, p, b)] != 0.0)
                u |= (uint64_t)1 << p;
        /* insert in increasing order (patterns are few: B at most) */
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (pat[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && pat[lo] == u) {
            wt[lo] += P->omega[b];
            continue;
        }
        for (int q = n; q > lo; q--) {
            pat[q] = pat[q - 1];
            wt[q] = wt[q - 1];
        }
        pat[lo] = u;
        wt[lo] = P->omega[b];
        n++;
    }
    return n;
}

const pay_rule pay_rule_banks = {"banks", NULL, banks_exits, banks_joins, banks_patterns};
