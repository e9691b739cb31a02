#!/usr/bin/python3
"""Independent reference solver for sancsim's economic core (DESIGN.md section 2).

Written only from the design text, never from models/ge.c, so that the integration
tests compare two derivations of the same equilibrium rather than one code with itself.
The engine iterates on prices; this oracle instead hands the whole excess-demand system
in log prices, with its analytic Jacobian, to MINPACK's hybrid Powell method
(scipy.optimize.root, "hybr") and then polishes with full Newton steps.  A
ge_gravity-style damped tatonnement (`solve_fixed_point`) is kept as a second,
slow algorithm for the self-check.

Conventions (all arrays float64):
  X0   (n, n, K)  baseline flows, [exporter, importer, sector], domestic cells included
  sigma (K,)      CES elasticity per sector, > 1
  phi  (n, n, K)  openness that^(1-sigma); domestic cells must be 1; phi < 1e-12 is closed
"""
import sys

import numpy as np

CLOSED_PHI = 1e-12


class OracleError(RuntimeError):
    pass


class _Problem:
    """Everything about a counterfactual that does not depend on the prices."""

    def __init__(self, X0, sigma, phi, imbalance, D):
        X0 = np.asarray(X0, dtype=float)
        if X0.ndim != 3 or X0.shape[0] != X0.shape[1]:
            raise ValueError("X0 must have shape (n, n, K)")
        n, _, K = X0.shape
        sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (K,)).copy()
        if np.any(sigma <= 1.0):
            raise ValueError("sigma must exceed 1")
        phi = np.array(np.broadcast_to(np.asarray(phi, dtype=float), X0.shape))
        if np.any(phi < 0) or not np.all(np.isfinite(phi)):
            raise ValueError("phi must be finite and >= 0")
        if np.any(X0 < 0) or not np.all(np.isfinite(X0)):
            raise ValueError("X0 must be finite and >= 0")
        if imbalance not in ("additive", "multiplicative"):
            raise ValueError("imbalance must be 'additive' or 'multiplicative'")
        phi[phi < CLOSED_PHI] = 0.0
        idx = np.arange(n)
        phi[idx, idx, :] = 1.0  # domestic cells are never shocked

        self.n, self.K = n, K
        self.X0, self.sigma, self.phi = X0, sigma, phi
        self.imbalance = imbalance
        self.s = 1.0 - sigma                       # exponent on prices, (K,)
        self.Yik = X0.sum(axis=1)                  # (n, K)
        self.Ejk = X0.sum(axis=0)                  # (n, K) importer-major
        self.Y = self.Yik.sum(axis=1)
        self.E = self.Ejk.sum(axis=1)
        if np.any(self.E <= 0) or np.any(self.Y <= 0):
            raise OracleError("every country needs positive output and expenditure")
        self.D = self.E - self.Y if D is None else np.asarray(D, dtype=float)
        self.alpha = self.Ejk / self.E[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.pi = np.where(self.Ejk[None, :, :] > 0,
                               X0 / np.where(self.Ejk > 0, self.Ejk, 1.0)[None, :, :], 0.0)
        self.w = self.pi * phi                     # pi * phi, (n, n, K)
        self.active = self.Yik > 0                 # cells with a price to find
        self.buying = self.Ejk > 0
        # E'_j = g_j Y'_j + h_j
        if imbalance == "additive":
            self.g = np.ones(n)
            self.h = self.D.copy()
        else:
            self.g = self.E / self.Y
            self.h = np.zeros(n)
        # Every buying sector needs an open supplier with a price.
        reach = (self.w * self.active[:, None, :]).sum(axis=0)
        bad = np.argwhere(self.buying & (reach <= 0))
        if bad.size:
            j, k = bad[0]
            raise OracleError(f"importer {j} sector {k}: every supplier is closed")

    # -- the model, given log prices x (n, K); inactive cells are ignored -------------
    def evaluate(self, x):
        x = np.where(self.active, x, 0.0)
        ph = np.exp(x)
        Yp_ik = self.Yik * ph
        Yp = Yp_ik.sum(axis=1)
        Ep = self.g * Yp + self.h
        if np.any(Ep <= 0):
            raise OracleError("non-positive counterfactual expenditure")
        Ep_jk = self.alpha * Ep[:, None]
        # a_ijk = pi phi phat_ik^(1-sigma_k); work in logs relative to the column max
        a = self.w * np.exp(self.s[None, :] * x)[:, None, :]
        P = a.sum(axis=0)                          # Phat^(1-sigma), (j, k)
        Psafe = np.where(self.buying, P, 1.0)
        m = np.where(self.buying[None, :, :], a / Psafe[None, :, :], 0.0)
        Xp = m * Ep_jk[None, :, :]
        S = Xp.sum(axis=1)                         # sales (i, k)
        c = Ep.sum() / Yp.sum() if self.imbalance == "multiplicative" else 1.0
        return dict(ph=ph, Yp_ik=Yp_ik, Yp=Yp, Ep=Ep, Ep_jk=Ep_jk, P=Psafe, m=m,
                    Xp=Xp, S=S, c=c)

    def unknowns(self):
        return np.flatnonzero(self.active.ravel())

    def residual(self, z, drop):
        """Log clearing gaps for every active cell but `drop`, then the numeraire."""
        x = self._embed(z)
        st = self.evaluate(x)
        act = self.unknowns()
        S = st["S"].ravel()[act]
        Yp = st["Yp_ik"].ravel()[act]
        if np.any(S <= 0):
            raise OracleError("a producer lost every market")
        F = np.log(S) - np.log(st["c"] * Yp)
        F[drop] = np.log(st["Yp"].sum()) - np.log(self.Y.sum())
        return F

    def jacobian(self, z, drop):
        x = self._embed(z)
        st = self.evaluate(x)
        n, K = self.n, self.K
        m, Ep_jk, Yp_ik, S = st["m"], st["Ep_jk"], st["Yp_ik"], st["S"]
        # dS_ik/dx_lq = d_kq s_k [d_il S_ik - sum_j m_ijk m_ljk E'_jk]
        #             + m_ilk alpha_lk g_l Y'_lq
        J = np.zeros((n, K, n, K))
        for k in range(K):
            cross = np.einsum("ij,lj,j->il", m[:, :, k], m[:, :, k], Ep_jk[:, k])
            J[:, k, :, k] += self.s[k] * (np.diag(S[:, k]) - cross)
        J += np.einsum("ilk,lk,l,lq->iklq", m, self.alpha, self.g, Yp_ik)
        Ssafe = np.where(S > 0, S, 1.0)
        J /= Ssafe[:, :, None, None]
        # minus d log Y'_ik (identity) and d log c
        J -= np.eye(n * K).reshape(n, K, n, K)
        if self.imbalance == "multiplicative":
            dlogc = (self.g[:, None] * Yp_ik / st["Ep"].sum()
                     - Yp_ik / st["Yp"].sum())
            J -= dlogc[None, None, :, :]
        act = self.unknowns()
        J = J.reshape(n * K, n * K)[np.ix_(act, act)]
        J[drop, :] = (Yp_ik.ravel()[act]) / st["Yp"].sum()
        return J

    def _embed(self, z):
        x = np.zeros(self.n * self.K)
        x[self.unknowns()] = z
        return x.reshape(self.n, self.K)


def _pack(prob, x, iterations, residual):
    st = prob.evaluate(x)
    ph = np.where(prob.active, st["ph"], 1.0)
    with np.errstate(divide="ignore"):
        logPhat = np.where(prob.buying, np.log(st["P"]) / prob.s[None, :], 0.0)
    Phat = np.exp(logPhat)
    welfare = (st["Ep"] / prob.E) / np.exp((prob.alpha * logPhat).sum(axis=1))
    return dict(phat=ph, Phat=Phat, X=st["Xp"], Y=st["Yp"], E=st["Ep"],
                welfare=welfare, iterations=iterations, residual=residual)


def clearing_error(prob, x):
    """Largest relative market-clearing and numeraire gap, over ALL active cells."""
    st = prob.evaluate(x)
    act = prob.active
    gap = np.abs(st["S"][act] - st["c"] * st["Yp_ik"][act]) / (st["c"] * st["Yp_ik"][act])
    num = abs(st["Yp"].sum() - prob.Y.sum()) / prob.Y.sum()
    return max(gap.max(initial=0.0), num)


def solve(X0, sigma, phi, imbalance="additive", D=None, tol=1e-14):
    """Counterfactual equilibrium of DESIGN section 2 (see module docstring)."""
    from scipy.optimize import root

    prob = _Problem(X0, sigma, phi, imbalance, D)
    act = prob.unknowns()
    if act.size == 0:
        raise OracleError("no output")
    # Walras' law makes one clearing equation redundant; replace the largest producer's
    # with the numeraire.
    drop = int(np.argmax(prob.Yik.ravel()[act]))
    z0 = np.zeros(act.size)
    sol = root(prob.residual, z0, args=(drop,), jac=prob.jacobian, method="hybr",
               options=dict(xtol=1e-15, maxfev=20000))
    z = sol.x
    it = int(sol.nfev)
    # Newton polish: hybr's stopping rule is on the step, ours on the gaps.
    for _ in range(50):
        x = prob._embed(z)
        err = clearing_error(prob, x)
        if err < tol:
            break
        F = prob.residual(z, drop)
        z = z - np.linalg.solve(prob.jacobian(z, drop), F)
        it += 1
    x = prob._embed(z)
    err = clearing_error(prob, x)
    if not err < max(tol, 1e-13):
        raise OracleError(f"no convergence: clearing error {err:.3g}")
    return _pack(prob, x, it, err)


def solve_fixed_point(X0, sigma, phi, imbalance="additive", D=None, tol=1e-14,
                      damping=1.0, max_iter=200000):
    """ge_gravity-style tatonnement: each producer's price moves toward clearing its
    own market, phat *= (sales / (c Y'))^(1/sigma), then the numeraire is restored.
    Slow but obviously right; used only to cross-check `solve`."""
    prob = _Problem(X0, sigma, phi, imbalance, D)
    x = np.zeros((prob.n, prob.K))
    for it in range(1, max_iter + 1):
        st = prob.evaluate(x)
        ratio = np.where(prob.active,
                         st["S"] / np.where(prob.active, st["c"] * st["Yp_ik"], 1.0), 1.0)
        step = damping * np.log(ratio) / prob.sigma[None, :]
        x = x + np.where(prob.active, step, 0.0)
        # numeraire: sum_i Y'_i = sum_i Y_i (exact for multiplicative, a rescaling
        # toward it for additive that the next sweep corrects)
        x = x - np.log((prob.Yik * np.exp(x)).sum() / prob.Y.sum())
        if np.abs(step).max() < tol:
            break
    return _pack(prob, x, it, clearing_error(prob, x))


# -- self-check -------------------------------------------------------------------------
def _self_check():
    # (1) Two symmetric countries, one sector, cross-border openness phi both ways.
    # Symmetry and the numeraire give phat = 1, so Phat^(1-s) = pi_dd + pi_x phi,
    # X'_12 = pi_x phi / (pi_dd + pi_x phi) E and welfare = (pi_dd + pi_x phi)^(1/(s-1)).
    a, b, sig, ph = 80.0, 20.0, 5.0, 0.6
    X0 = np.array([[a, b], [b, a]], dtype=float)[:, :, None]
    phi = np.array([[1.0, ph], [ph, 1.0]])[:, :, None]
    pdd, px = a / (a + b), b / (a + b)
    P = pdd + px * ph
    for conv in ("additive", "multiplicative"):
        r = solve(X0, [sig], phi, conv)
        assert np.allclose(r["phat"], 1.0, rtol=0, atol=1e-14), r["phat"]
        assert np.allclose(r["welfare"], P ** (1.0 / (sig - 1.0)), rtol=1e-14, atol=0)
        assert np.isclose(r["X"][0, 1, 0], px * ph / P * (a + b), rtol=1e-14, atol=0)
        assert np.isclose(r["X"][0, 0, 0], pdd / P * (a + b), rtol=1e-14, atol=0)
        assert np.allclose(r["Phat"], P ** (1.0 / (1.0 - sig)), rtol=1e-14, atol=0)

    # (2) Balanced one-sector world: ACR, What_j = (pi'_jj / pi_jj)^(1/(1-sigma)).
    rng = np.random.default_rng(7)
    n = 6
    M = rng.lognormal(size=(n, n))
    M = M + M.T + np.diag(rng.uniform(5, 10, n))   # symmetric => balanced
    phi = np.exp(rng.uniform(-1, 0.5, size=(n, n)))
    r = solve(M[:, :, None], [4.0], phi[:, :, None], "additive")
    piN = np.diag(r["X"][:, :, 0]) / r["E"]
    pi0 = np.diag(M) / M.sum(axis=0)
    assert np.allclose(r["welfare"], (piN / pi0) ** (1.0 / (1.0 - 4.0)), rtol=1e-12)

    # (3) Unbalanced multi-sector world with holes: Newton/hybr agrees with tatonnement.
    n, K = 5, 3
    X0 = rng.lognormal(size=(n, n, K))
    X0[rng.uniform(size=X0.shape) < 0.2] = 0.0
    X0[np.arange(n), np.arange(n), :] += 3.0
    X0[:, 4, 2] = 0.0        # country 4 buys nothing in sector 2
    X0[3, :, 1] = 0.0        # country 3 makes nothing in sector 1
    sigma = np.array([3.0, 8.0, 5.0])
    phi = np.exp(rng.uniform(-1.5, 0.7, size=X0.shape))
    for conv in ("additive", "multiplicative"):
        r1 = solve(X0, sigma, phi, conv)
        r2 = solve_fixed_point(X0, sigma, phi, conv, tol=1e-15)
        assert r1["residual"] < 1e-13 and r2["residual"] < 1e-12, (r1["residual"], r2["residual"])
        assert np.allclose(r1["X"], r2["X"], rtol=1e-11, atol=1e-13 * X0.max())
        assert np.allclose(r1["welfare"], r2["welfare"], rtol=1e-11, atol=0)
        assert np.isclose(r1["Y"].sum(), X0.sum(), rtol=1e-14)
        assert np.all(r1["Phat"][4, 2] == 1.0) and np.all(r1["phat"][3, 1] == 1.0)
        assert np.all(r1["X"][X0 == 0] == 0.0)
        if conv == "additive":
            assert np.allclose(r1["E"] - r1["Y"], X0.sum(axis=(0, 2)) - X0.sum(axis=(1, 2)),
                               rtol=0, atol=1e-12 * X0.sum())
        else:
            ratio0 = X0.sum(axis=(0, 2)) / X0.sum(axis=(1, 2))
            assert np.allclose(r1["E"] / r1["Y"], ratio0, rtol=1e-13)

    # (4) No shock reproduces the baseline.
    r = solve(X0, sigma, np.ones_like(X0), "additive")
    assert np.allclose(r["X"], X0, rtol=1e-13, atol=1e-15) and np.allclose(r["welfare"], 1.0)
    print("ge_oracle self-check: OK")


if __name__ == "__main__":
    _self_check()
    sys.exit(0)
