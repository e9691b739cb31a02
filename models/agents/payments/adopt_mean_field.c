/*
 * adopt_mean_field.c - `payments.adoption.mode = "mean_field"` (DESIGN
 * section 3a): each bank's membership of each system is a probability m_bp
 * moved deterministically by the same hazards as the `banks` rule: exits
 * (b) m *= exp(-rate), joins (c) m += (1 - m)(1 - exp(-rate)) for banks not
 * barred.  No random draw, so results do not depend on the seed.  A bank's
 * memberships of different systems are independent, so a country's pattern
 * distribution has up to 2^P patterns and the pair shares cost 4^P per
 * pair: the rule allows at most PAY_MEAN_FIELD_MAX systems.
 */
#include <math.h>
#include <string.h>

#include "cfg.h"
#include "payments_impl.h"

static int mf_check(const payments *P, const config_setting_t *where, errbuf *e)
{
    if (P->nsys <= PAY_MEAN_FIELD_MAX)
        return SANC_OK;
    return cfg_fail(where, e, "mean_field allows at most %d payment systems (%d are defined; use mode = \"banks\")",
                    PAY_MEAN_FIELD_MAX, P->nsys);
}

static void mf_exits(payments *P, int i, int p, double rate, double prob)
{
    (void)prob;
    double keep = exp(-rate);
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        if (P->m[x] > 0.0)
            P->m[x] *= keep;
    }
}

static void mf_joins(payments *P, int i, int p, double rate, double prob)
{
    (void)rate;
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        if (P->m[x] < 1.0 && P->bar[x] == 0)
            P->m[x] += (1.0 - P->m[x]) * prob;
    }
}

/* W(u) = sum_b omega_b prod_p (u_p ? m_bp : 1 - m_bp), built system by
 * system for each bank; patterns of weight 0 are left out. */
static int mf_patterns(payments *P, int i, uint64_t *pat, double *wt)
{
    int ns = P->nsys;
    size_t nu = (size_t)1 << ns;
    double *dist = P->scratch; /* 2^ns */
    double *W = wt;            /* accumulate in place: wt has maxpat = 2^ns slots */
    memset(W, 0, nu * sizeof *W);
    for (int b = 0; b < P->B; b++) {
        dist[0] = 1.0;
        for (int p = 0; p < ns; p++) {
            double m = P->m[pay_bank(P, i, p, b)];
            size_t half = (size_t)1 << p;
            for (size_t u = 0; u < half; u++) {
                dist[u | half] = dist[u] * m;
                dist[u] *= 1.0 - m;
            }
        }
        for (size_t u = 0; u < nu; u++)
            W[u] += P->omega[b] * dist[u];
    }
    int n = 0;
    for (size_t u = 0; u < nu; u++)
        if (W[u] > 0.0) {
            pat[n] = (uint64_t)u;
            wt[n] = W[u]; /* n <= u: never overwrites a slot still to be read */
            n++;
        }
    return n;
}

const pay_rule pay_rule_mean_field = {"mean_field", mf_check, mf_exits, mf_joins, mf_patterns};
