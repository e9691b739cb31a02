#!/usr/bin/python3
"""ppml_oracle.py - an independent PPML with fixed effects, for the tests of
models/estimate/ppml.c (DESIGN section 9).

Written from the design text, not from the C code, and by another method:
every fixed effect becomes explicit dummy columns, the redundant columns are
removed once by a rank-revealing (pivoted) QR of Z'Z, and Poisson IRLS is
run on the full design with dense Cholesky solves (Newton's method on the
Poisson likelihood, since the log link is canonical), until the coefficients
stop changing in floating point.  The C code partials the effects out by
alternating projections instead and never forms the dummies.

Definitions shared with the contract:
  - drops before fitting, in rounds until a round drops nothing: first every
    observation alone in a group of some fixed effect (singleton), then every
    observation in a group of some fixed effect whose outcomes sum to zero
    (separated); each observation counted in the round that drops it;
  - no fixed effects: a constant;
  - variance: sandwich with scores x_i (y_i - mu_i), clustered with G/(G-1),
    or robust with N/(N-1); the coefficient block of the full sandwich equals
    the partialled-out one (Frisch-Waugh-Lovell).

Usage:
  ppml_oracle.py                 self-check on closed forms (exit 0/1)
  ppml_oracle.py --cases         expected values of the panels in tests/unit/test_ppml.c
  ppml_oracle.py CSV --outcome Y --regressors A,B [--fe a#b,c] [--cluster a#b]
                 [--sample international|all] [--weights-from-bootstrap ...]
      prints one JSON object: beta, se, vcov, observations, dropped_separated,
      dropped_singletons, nclusters, deviance, seconds.
"""
import csv
import json
import math
import sys
import time

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp


class OracleError(Exception):
    pass


def group_ids(cols):
    """Integer ids (0..G-1, order of first appearance) of the tuples of cols."""
    seen = {}
    out = np.empty(len(cols[0]), dtype=np.int64)
    for i, key in enumerate(zip(*cols)):
        out[i] = seen.setdefault(key, len(seen))
    return out


def drops(y, fes, keep):
    """Apply the drop rounds to the boolean mask keep (in place); return
    (singletons, separated)."""
    nsing = nsep = 0
    while True:
        dropped = 0
        hit = np.zeros(len(y), dtype=bool)
        for g in fes:
            cnt = np.bincount(g[keep], minlength=g.max() + 1)
            hit |= keep & (cnt[g] == 1)
        nsing += int(hit.sum())
        dropped += int(hit.sum())
        keep &= ~hit
        hit = np.zeros(len(y), dtype=bool)
        for g in fes:
            s = np.bincount(g[keep], weights=y[keep], minlength=g.max() + 1)
            hit |= keep & (s[g] == 0)
        nsep += int(hit.sum())
        dropped += int(hit.sum())
        keep &= ~hit
        if dropped == 0:
            return nsing, nsep


def deviance(y, mu):
    yl = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0)
    return float(2 * np.sum(yl - (y - mu)))


def design(X, fes):
    """Sparse [X | dummies of every fixed effect], or [X | 1] without any."""
    n = X.shape[0]
    blocks = [sp.csr_matrix(X)]
    if not fes:
        fes = [np.zeros(n, dtype=np.int64)]
    for g in fes:
        _, inv = np.unique(g, return_inverse=True)
        blocks.append(sp.csr_matrix((np.ones(n), (np.arange(n), inv)), shape=(n, inv.max() + 1)))
    return sp.hstack(blocks).tocsc()


def ppml(y, X, fes, cluster=None, names=None):
    """PPML of y (n) on X (n x k) with fixed effects fes (list of id arrays)."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    k = X.shape[1]
    names = names or ["x%d" % j for j in range(k)]
    if np.any(y < 0):
        raise OracleError("negative outcome")
    keep = np.ones(len(y), dtype=bool)
    fes = [np.asarray(g) for g in fes]
    nsing, nsep = drops(y, fes if fes else [np.zeros(len(y), dtype=np.int64)], keep)
    if not keep.any():
        raise OracleError("no observations left")
    y, X = y[keep], X[keep]
    fes = [g[keep] for g in fes]
    cl = np.asarray(cluster)[keep] if cluster is not None else None
    n = len(y)
    Z = design(X, fes)

    # independent columns, once (the rank of Z'WZ does not depend on W > 0)
    G0 = (Z.T @ Z).toarray()
    scale = np.sqrt(np.diag(G0))
    _, R, piv = sla.qr(G0 / np.outer(scale, scale), pivoting=True, mode="economic")
    d = np.abs(np.diag(R))
    rank = int(np.sum(d > 1e-10 * d[0]))
    cols = np.sort(piv[:rank])
    for j in range(k):
        if j not in cols:
            raise OracleError("regressor '%s' is collinear" % names[j])
    Zk = Z[:, cols]

    ybar = y.mean()
    mu = 0.5 * (y + ybar)
    eta = np.log(mu)
    b = None
    dev_old = np.inf
    for it in range(1, 100):
        z = eta + (y - mu) / mu
        W = sp.diags(mu)
        A = (Zk.T @ W @ Zk).toarray()
        rhs = Zk.T @ (mu * z)
        # equilibrate: flows span ten orders of magnitude, and so do the
        # weights; unscaled, the Cholesky solve loses the small effects
        sc = 1.0 / np.sqrt(np.diag(A))
        cf = sla.cho_factor(A * np.outer(sc, sc))
        b_new = sc * sla.cho_solve(cf, sc * rhs)
        eta = Zk @ b_new
        mu = np.exp(eta)
        dev = deviance(y, mu)
        # Newton converges quadratically, the coefficients long before the
        # small effects: stop when both have settled to rounding (the
        # deviance to 1e-12, or to 1e-14 of the flows for a perfect fit,
        # where further steps only wander)
        if (b is not None and np.max(np.abs(b_new[:k] - b[:k])) <= 1e-10 * max(1.0, np.max(np.abs(b_new[:k])))
                and abs(dev - dev_old) <= 1e-12 * dev + 1e-14 * y.sum()):
            b = b_new
            break
        b = b_new
        dev_old = dev
    else:
        raise OracleError("IRLS did not converge")
    # one more Newton step at the converged mu, for the sandwich
    W = sp.diags(mu)
    A = (Zk.T @ W @ Zk).toarray()
    sc = 1.0 / np.sqrt(np.diag(A))
    cf = sla.cho_factor(A * np.outer(sc, sc))
    Ainv_b = sc[:, None] * sla.cho_solve(cf, (sc[:, None] * np.eye(A.shape[0])[:, :k]))  # columns of A^-1 for beta
    U = Zk.multiply((y - mu)[:, None]).tocsr()               # scores, n x rank
    if cl is not None:
        ids = group_ids([cl])
        G = int(ids.max()) + 1
        S = sp.csr_matrix((np.ones(n), (ids, np.arange(n))), shape=(G, n)) @ U
        Q = S @ Ainv_b
        V = Q.T @ Q * (G / (G - 1))
    else:
        G = 0
        Q = U @ Ainv_b
        V = Q.T @ Q * (n / (n - 1))
    dev = deviance(y, mu)
    return {
        "beta": [float(v) for v in b[:k]],
        "se": [float(math.sqrt(V[j, j])) for j in range(k)],
        "vcov": [[float(V[a, c]) for c in range(k)] for a in range(k)],
        "observations": int(n), "dropped_singletons": nsing, "dropped_separated": nsep,
        "nclusters": G, "deviance": dev, "iterations": it,
    }


# ---------------------------------------------------------------------------
# reading a panel as `sancsim estimate` does

def load(path, outcome, regressors, fe, cluster, sample):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if sample == "international":
        rows = [r for r in rows if r["exporter"] != r["importer"]]
    y = np.array([float(r[outcome]) for r in rows])
    X = np.array([[float(r[c]) for c in regressors] for r in rows]).reshape(len(rows), len(regressors))
    fes = [group_ids([[r[c] for r in rows] for c in spec.split("#")]) for spec in fe]
    cl = group_ids([[r[c] for r in rows] for c in cluster.split("#")]) if cluster else None
    return y, X, fes, cl


def main_csv(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--outcome", required=True)
    ap.add_argument("--regressors", required=True)
    ap.add_argument("--fe", default="")
    ap.add_argument("--cluster", default="")
    ap.add_argument("--sample", default="international")
    a = ap.parse_args(argv)
    regs = a.regressors.split(",")
    fe = [s for s in a.fe.split(",") if s]
    y, X, fes, cl = load(a.csv, a.outcome, regs, fe, a.cluster, a.sample)
    t0 = time.perf_counter()
    try:
        res = ppml(y, X, fes, cl, regs)
    except OracleError as ex:
        res = {"error": str(ex)}
    res["seconds"] = time.perf_counter() - t0
    print(json.dumps(res))
    return 0


# ---------------------------------------------------------------------------
# the hand-built panels of tests/unit/test_ppml.c (keep them in step)

def case_panels():
    """name -> (y, X, fes, cluster) exactly as the C test builds them."""
    cases = {}
    # A: 3 exporters x 3 importers x 2 years, exporter#year, importer#year,
    # pair effects; x switches on for two pairs in year 2; cluster = pair
    ys, xs, ex, im, yr = [], [], [], [], []
    for i in range(3):
        for j in range(3):
            for t in range(2):
                ex.append(i)
                im.append(j)
                yr.append(t)
                x = 1.0 if (t == 1 and (i, j) in ((0, 1), (1, 2))) else 0.0
                xs.append([x, float((i + 2 * j + 3 * t) % 4) / 3.0])
                ys.append(float(1 + ((7 * i + 3 * j + 5 * t + i * j * t) % 11)) * (1.3 if x else 1.0))
    ex, im, yr = np.array(ex), np.array(im), np.array(yr)
    pair = group_ids([ex, im])
    cases["A"] = (np.array(ys), np.array(xs), [group_ids([ex, yr]), group_ids([im, yr]), pair], pair)
    # B: panel with zeros: a pair with y = 0 in both years (separated by the
    # pair effect), a pair observed once (singleton), and a zero row elsewhere
    ys, xs, ex, im, yr = [], [], [], [], []
    for i in range(4):
        for j in range(4):
            if i == j:
                continue
            for t in range(3):
                if (i, j) == (3, 2) and t > 0:
                    continue  # pair (3,2) observed once: singleton
                ex.append(i)
                im.append(j)
                yr.append(t)
                x = 1.0 if (t == 2 and i < 2 and j < 2) else 0.0
                v = float(2 + ((5 * i + 7 * j + 3 * t) % 9))
                if (i, j) == (0, 3):
                    v = 0.0  # separated pair
                if (i, j, t) == (2, 1, 0):
                    v = 0.0  # a zero that stays
                ys.append(v * (1.5 if x else 1.0))
                xs.append([x, 0.25 * ((i * j + t) % 3)])
    ex, im, yr = np.array(ex), np.array(im), np.array(yr)
    pair = group_ids([ex, im])
    cases["B"] = (np.array(ys), np.array(xs), [group_ids([ex, yr]), group_ids([im, yr]), pair], pair)
    # C: the same panel as B, robust variance, exporter and importer effects only
    y, X, fes, _ = cases["B"]
    cases["C"] = (y, X, [group_ids([ex]), group_ids([im])], None)
    return cases


def main_cases():
    for name, (y, X, fes, cl) in case_panels().items():
        r = ppml(y, X, fes, cl)
        print("/* case %s: observations %d, singletons %d, separated %d, clusters %d */"
              % (name, r["observations"], r["dropped_singletons"], r["dropped_separated"], r["nclusters"]))
        print("static const double case%s_beta[] = { %s };" % (name, ", ".join("%.17g" % v for v in r["beta"])))
        print("static const double case%s_se[] = { %s };" % (name, ", ".join("%.17g" % v for v in r["se"])))
        print("static const double case%s_deviance = %.17g;" % (name, r["deviance"]))
    return 0


# ---------------------------------------------------------------------------
# self-check on closed forms

def self_check():
    fails = []
    rng = np.random.default_rng(3)
    # constant + dummy: beta = log(mean y | x=1) - log(mean y | x=0)
    x = np.array([0, 0, 0, 1, 1, 1, 1], dtype=float)
    y = np.array([1.0, 2.0, 4.0, 3.0, 0.0, 5.0, 9.0])
    r = ppml(y, x, [])
    want = math.log(y[x == 1].mean()) - math.log(y[x == 0].mean())
    if abs(r["beta"][0] - want) > 1e-12:
        fails.append("dummy: %r vs %r" % (r["beta"][0], want))
    # robust variance of that case, closed form: the dummy's coefficient is a
    # difference of two log means; its sandwich variance is
    # sum_(x=1)(y-m1)^2/S1^2 + sum_(x=0)(y-m0)^2/S0^2 times N/(N-1)
    m1, m0 = y[x == 1].mean(), y[x == 0].mean()
    v = (np.sum((y[x == 1] - m1) ** 2) / y[x == 1].sum() ** 2 +
         np.sum((y[x == 0] - m0) ** 2) / y[x == 0].sum() ** 2) * 7 / 6
    if abs(r["se"][0] - math.sqrt(v)) > 1e-12:
        fails.append("dummy se: %r vs %r" % (r["se"][0], math.sqrt(v)))
    # saturated 2x2 with exporter and importer effects: the log odds ratio
    y = np.array([3.0, 5.0, 7.0, 2.0])
    ex, im = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    x = np.array([1.0, 0, 0, 0])
    r = ppml(y, x, [ex, im])
    want = math.log(y[0] * y[3] / (y[1] * y[2]))
    if abs(r["beta"][0] - want) > 1e-12:
        fails.append("2x2: %r vs %r" % (r["beta"][0], want))
    # no zeros, gravity data simulated from the model: close to the truth
    n_c, T = 12, 3
    ex, im, yr = np.meshgrid(np.arange(n_c), np.arange(n_c), np.arange(T), indexing="ij")
    ex, im, yr = ex.ravel(), im.ravel(), yr.ravel()
    m = ex != im
    ex, im, yr = ex[m], im[m], yr[m]
    x = ((ex + im + yr) % 3 == 0).astype(float)
    fe1 = rng.normal(size=(n_c, T))[ex, yr]
    fe2 = rng.normal(size=(n_c, T))[im, yr]
    fe3 = rng.normal(size=(n_c, n_c))[ex, im]
    y = np.exp(0.3 * x + fe1 + fe2 + fe3) * 100
    r = ppml(y, x, [group_ids([ex, yr]), group_ids([im, yr]), group_ids([ex, im])])
    if abs(r["beta"][0] - 0.3) > 1e-10:
        fails.append("exact gravity: %r" % r["beta"][0])
    # drops: a pair of zeros is separated, a lone observation a singleton
    y = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 5.0, 4.0])
    g = np.array([0, 0, 1, 1, 2, 2, 3])
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    keep = np.ones(7, dtype=bool)
    ns, nsep = drops(y, [g], keep)
    if (ns, nsep) != (1, 2) or list(keep) != [False, False, True, True, True, True, False]:
        fails.append("drops: %r %r %r" % (ns, nsep, keep))
    for f in fails:
        print("FAIL", f)
    print("ppml_oracle self-check: %d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.exit(self_check())
    if sys.argv[1] == "--cases":
        sys.exit(main_cases())
    sys.exit(main_csv(sys.argv[1:]))
