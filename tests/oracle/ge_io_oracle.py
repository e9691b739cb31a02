#!/usr/bin/python3
"""Independent reference solver for the production-network core (DESIGN.md section 2b).

Caliendo and Parro (2015) with input-output links, revenue wedges (tariff, export tax,
hub fee), mobile or sector-specific factors and the world-value-added numeraire.
Written from the design text only -- never from models/econ/ge_io.c -- so the tests
compare two derivations of one equilibrium, not one code with itself.  It differs from
the engine on purpose in every place where that is possible:

  * arrays are importer-major, [n (importer), i (exporter), k], as in the paper;
  * the price block (E1-E2) is solved by full Newton on log unit costs with the
    Jacobian I - G' Pi' applied matrix-free (GMRES), the expenditure block (E4-E6) as
    one linear system, also by GMRES, and the factor prices by MINPACK's hybrid Powell method (scipy.optimize.root,
    "hybr") followed by Newton polishing with a finite-difference Jacobian;
  * counterfactuals are computed the way CP's code and the R package cp2015 do it: both
    the baseline and the counterfactual are solved relative to the *data* and the results
    are ratios of the two (the engine re-bases on the re-solved baseline instead).

Entry points:
  load_cp2015(folder)            -> dict of arrays (the CSVs as they are)
  Problem(M, t, IC, VA, FC, theta, D, factors)    derived shares
  Problem.solve(kappa_ice, t1, x1=None, f1=None, hub=None, D1=None) -> dict
  cp2015_nafta(folder)           -> per-region decomposition, real wage, exact welfare
Run `/usr/bin/python3 tests/oracle/ge_io_oracle.py [folder] [--csv]` for the NAFTA numbers
(--csv: every region at full precision, as test_ge_io_cp2015 reads them).
"""
import csv
import os
import sys

import numpy as np
from scipy.optimize import root
from scipy.sparse.linalg import LinearOperator, gmres


class OracleError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------
# Data
def _read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def load_cp2015(folder):
    regions = [l.strip() for l in open(os.path.join(folder, "regions.txt")) if l.strip()]
    sectors = [l.strip() for l in open(os.path.join(folder, "sectors.txt")) if l.strip()]
    N, K = len(regions), len(sectors)
    ri = {r: a for a, r in enumerate(regions)}
    si = {s: a for a, s in enumerate(sectors)}
    M = np.zeros((N, N, K))
    t0 = np.zeros((N, N, K))
    t1 = np.zeros((N, N, K))
    for r in _read(os.path.join(folder, "trade.csv")):
        n, i, k = ri[r["importer"]], ri[r["exporter"]], si[r["sector"]]
        M[n, i, k] = float(r["value"])
        t0[n, i, k] = float(r["tariff_bln"])
        t1[n, i, k] = float(r["tariff_cfl"])
        if float(r["tariff"]) != float(r["tariff_bln"]):
            raise OracleError("tariff != tariff_bln")
    IC = np.zeros((N, K, K))          # [n, input s, sector k]
    for r in _read(os.path.join(folder, "intermediate_consumption.csv")):
        IC[ri[r["region"]], si[r["input"]], si[r["sector"]]] = float(r["value"])
    FC = np.zeros((N, K))
    for r in _read(os.path.join(folder, "final_consumption.csv")):
        FC[ri[r["region"]], si[r["sector"]]] = float(r["value"])
    VA = np.zeros((N, K))
    for r in _read(os.path.join(folder, "value_added.csv")):
        VA[ri[r["region"]], si[r["sector"]]] = float(r["value"])
    D = np.zeros(N)
    for r in _read(os.path.join(folder, "deficit.csv")):
        D[ri[r["region"]]] = float(r["D"])
    theta = np.zeros(K)
    for r in _read(os.path.join(folder, "theta.csv")):
        theta[si[r["sector"]]] = float(r["value"])
    return dict(regions=regions, sectors=sectors, M=M, t0=t0, t1=t1, IC=IC, FC=FC, VA=VA,
                D=D, theta=theta)


# ----------------------------------------------------------------------------------
# The model
class Problem:
    """Baseline shares of DESIGN 2b.  Arrays are importer-major: M[n, i, k] is n's
    imports from i in sector k net of tariffs; IC[n, s, k] input s bought by sector k.
    Baseline export taxes x0 and fees f0 (per cell, levels) are optional: M then is
    the seller value times (1 + x0)(1 + f0)."""

    def __init__(self, M, t0, IC, VA, FC, theta, D=None, factors="mobile", x0=None,
                 f0=None):
        self.M = np.asarray(M, float)
        N, _, K = self.M.shape
        self.N, self.K = N, K
        self.t0 = np.asarray(t0, float)
        self.x0 = np.zeros_like(self.M) if x0 is None else np.asarray(x0, float)
        self.f0 = np.zeros_like(self.M) if f0 is None else np.asarray(f0, float)
        self.theta = np.asarray(theta, float)
        self.factors = factors
        B = (1 + self.t0) * self.M                       # buyer value
        self.X = B.sum(axis=1)                           # (n, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.pi = np.where(self.X[:, None, :] > 0, B / self.X[:, None, :], 0.0)
        GO = np.asarray(IC).sum(axis=1) + np.asarray(VA)  # (n, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.gamma = np.where(GO > 0, np.asarray(VA) / GO, 1.0)
            self.G = np.where(GO[:, None, :] > 0, np.asarray(IC) / GO[:, None, :], 0.0)
        self.alpha = np.asarray(FC) / np.asarray(FC).sum(axis=1, keepdims=True)
        self.VA = np.asarray(VA, float)
        self.wL = self.VA.sum(axis=1)
        if D is None:   # imports - exports net of tariffs, foreign cells only
            Mf = self.M.copy()
            Mf[np.arange(N), np.arange(N), :] = 0
            D = Mf.sum(axis=(1, 2)) - Mf.sum(axis=(0, 2))
        self.D = np.asarray(D, float)

    # E1-E2 for given log factor prices lv (n, k): Newton in log unit costs, each
    # Newton system (I - G' Pi') d = F solved matrix-free by GMRES
    def prices(self, lv, B):
        """B = pi * kappa^-theta.  Returns log c, log P, new shares pi'."""
        N, K, th = self.N, self.K, self.theta
        lc = lv * self.gamma
        for it in range(100):
            a = B * np.exp(-th[None, None, :] * lc[None, :, :])   # (n, i, k)
            s = a.sum(axis=1)
            if np.any(s[self.X > 0] <= 0):
                raise OracleError("a buyer lost every supplier")
            s = np.where(s > 0, s, 1.0)
            lP = -np.log(s) / th[None, :]
            pip = a / s[:, None, :]
            F = lc - self.gamma * lv - np.einsum("nsk,ns->nk", self.G, lP)
            if np.max(np.abs(F)) < 1e-15 and it > 0:
                break

            def jv(d, pip=pip):
                d = d.reshape(N, K)
                dP = np.einsum("nis,is->ns", pip, d)          # d log P
                return (d - np.einsum("nsk,ns->nk", self.G, dP)).ravel()
            op = LinearOperator((N * K, N * K), matvec=jv)
            step, info = gmres(op, F.ravel(), tol=1e-14, atol=0, restart=400, maxiter=50)
            lc = lc - step.reshape(N, K)
        else:
            raise OracleError("price block did not converge")
        return lc, lP, pip

    # E4-E6 for given prices: a linear system in X, solved matrix-free by GMRES
    def expenditure(self, vfac, pip, T1, t1, x1, f1, hub, D1):
        """vfac: factor income (n,) (w wL or sum_k r VA).  Returns X, S, Y, R."""
        N, K = self.N, self.K
        q = pip / T1                                     # seller value per unit of X[n,k]
        tar = (pip * t1 / (1 + t1)).sum(axis=1)          # importer's tariff per unit X[n,k]
        xq = x1 * q                                      # exporter's tax per unit X[m,j]
        fq = f1 * (1 + x1) * q                           # hub's fee per unit X[m,j]

        def revenue(X):
            S = q * X[:, None, :]
            R = (tar * X).sum(axis=1) + np.einsum("mij,mj->i", xq, X)
            if hub is not None and np.any(fq != 0):
                np.add.at(R, hub.ravel(), (fq * X[:, None, :]).ravel())
            return S, R

        def apply(X):
            X = X.reshape(N, K)
            S, R = revenue(X)
            Y = S.sum(axis=0)
            out = X - np.einsum("nkj,nj->nk", self.G, Y) - self.alpha * R[:, None]
            return out.ravel()
        b = (self.alpha * (vfac + D1)[:, None]).ravel()
        op = LinearOperator((N * K, N * K), matvec=apply)
        X, info = gmres(op, b, x0=b, tol=1e-15, atol=0, restart=400, maxiter=50)
        X = X.reshape(N, K)
        # two steps of iterative refinement
        for _ in range(2):
            r = b - apply(X)
            dX, info = gmres(op, r, tol=1e-15, atol=0, restart=400, maxiter=50)
            X = X + dX.reshape(N, K)
        S, R = revenue(X)
        Y = S.sum(axis=0)                                # (i, k)
        return X, S, Y, R

    def evaluate(self, lv, ctx):
        lc, lP, pip = self.prices(lv, ctx["B"])
        v = np.exp(lv)
        vfac = (v * self.VA).sum(axis=1) if self.factors == "sector_specific" \
            else v[:, 0] * self.wL
        X, S, Y, R = self.expenditure(vfac, pip, ctx["T1"], ctx["t1"], ctx["x1"], ctx["f1"],
                                      ctx["hub"], ctx["D1"])
        return dict(lc=lc, lP=lP, pip=pip, X=X, S=S, Y=Y, R=R, vfac=vfac, v=v)

    def solve(self, kappa_ice=None, t1=None, x1=None, f1=None, hub=None, D1=None, tol=1e-13):
        """kappa_ice: iceberg change d-hat (n, i, k) (= phi^(-1/theta)); t1, x1, f1: new
        wedge levels (default: baseline); hub[n, i, k]: recipient of the cell's fee."""
        N, K, th = self.N, self.K, self.theta
        t1 = self.t0 if t1 is None else np.asarray(t1, float)
        x1 = self.x0 if x1 is None else np.asarray(x1, float)
        f1 = self.f0 if f1 is None else np.asarray(f1, float)
        T0 = (1 + self.t0) * (1 + self.x0) * (1 + self.f0)
        T1 = (1 + t1) * (1 + x1) * (1 + f1)
        kap = T1 / T0 * (1.0 if kappa_ice is None else np.asarray(kappa_ice, float))
        with np.errstate(divide="ignore"):
            B = np.where(self.pi > 0, self.pi * kap ** (-th[None, None, :]), 0.0)
        D1 = self.D if D1 is None else np.asarray(D1, float)
        ctx = dict(B=B, T1=T1, t1=t1, x1=x1, f1=f1, hub=hub, D1=D1)

        if self.factors == "mobile":
            def unpack(z):
                return np.repeat(z[:, None], K, axis=1)
            weight = self.wL

            def resid(z):
                st = self.evaluate(unpack(z), ctx)
                ld = (self.gamma * st["Y"]).sum(axis=1)
                F = (ld - st["v"][:, 0] * self.wL) / self.wL
                F[-1] = (st["v"][:, 0] * self.wL).sum() / self.wL.sum() - 1
                return F
            z0 = np.zeros(N)
        else:
            cells = np.flatnonzero(self.VA.ravel() > 0)

            def unpack(z):
                lv = np.zeros(N * K)
                lv[cells] = z
                return lv.reshape(N, K)

            def resid(z):
                st = self.evaluate(unpack(z), ctx)
                va = (self.VA * st["v"]).ravel()[cells]
                F = ((self.gamma * st["Y"]).ravel()[cells] - va) / self.VA.ravel()[cells]
                F[-1] = va.sum() / self.VA.sum() - 1
                return F
            z0 = np.zeros(cells.size)

        sol = root(resid, z0, method="hybr", options=dict(xtol=1e-13, maxfev=100000))
        z = sol.x
        # Newton polish with a forward-difference Jacobian
        F = resid(z)
        for _ in range(8):
            if np.max(np.abs(F)) < tol:
                break
            h = 1e-7
            J = np.empty((z.size, z.size))
            for a in range(z.size):
                zz = z.copy()
                zz[a] += h
                J[:, a] = (resid(zz) - F) / h
            z = z - np.linalg.solve(J, F)
            F = resid(z)
        if np.max(np.abs(F)) > 1e-10:
            raise OracleError(f"no convergence: residual {np.max(np.abs(F)):.3g}")
        st = self.evaluate(unpack(z), ctx)
        st["residual"] = np.max(np.abs(F))
        st["c"] = np.exp(st["lc"])
        st["P"] = np.exp(st["lP"])
        st["Pagg"] = np.exp((self.alpha * st["lP"]).sum(axis=1))
        st["I"] = st["vfac"] + st["R"] + D1
        st["M1"] = st["pip"] * st["X"][:, None, :] / (1 + t1)   # imports net of tariffs
        st["t1"] = t1
        st["w"] = st["v"][:, 0] if self.factors == "mobile" else None
        return st


# ----------------------------------------------------------------------------------
# The NAFTA counterfactual, as CP's code and the R package compute it
def cp2015_nafta(folder):
    d = load_cp2015(folder)
    P = Problem(d["M"], d["t0"], d["IC"], d["VA"], d["FC"], d["theta"], D=d["D"],
                factors="mobile")
    zero = np.zeros(P.N)
    b = P.solve(t1=d["t0"], D1=zero)
    c = P.solve(t1=d["t1"], D1=zero)
    chat = c["c"] / b["c"]                     # (n, k)
    Mb, Mc = b["M1"], c["M1"]                  # imports net of tariffs (n, i, k)
    Ib = b["I"]
    # tot_n = sum_{i,k} [exports n->i (c_n - 1) - imports n<-i (c_i - 1)] / I_n
    exports = Mb.transpose(1, 0, 2)            # [n, i, k] = i's imports from n
    tot = ((exports * (chat[:, None, :] - 1)).sum(axis=(1, 2))
           - (Mb * (chat[None, :, :] - 1)).sum(axis=(1, 2))) / Ib
    vot = (d["t0"] * (Mc - Mb * chat[None, :, :])).sum(axis=(1, 2)) / Ib
    what = c["w"] / b["w"]
    Phat = c["Pagg"] / b["Pagg"]
    welfare = (c["I"] / Ib) / Phat
    out = dict(regions=d["regions"], tot=tot, vot=vot, cp=tot + vot,
               real_wage=what / Phat, welfare=welfare,
               max_wage_change=np.max(np.abs(b["w"] - 1)), baseline=b, counterfactual=c,
               problem=P, data=d)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = args[0] if args else os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "data", "cp2015")
    r = cp2015_nafta(folder)
    if "--csv" in sys.argv:
        # machine-readable: every region, full precision (read by test_ge_io_cp2015)
        print("max_wage_change,%.17g" % r["max_wage_change"])
        print("region,tot,vot,real_wage,welfare")
        for a, name in enumerate(r["regions"]):
            print("%s,%.17g,%.17g,%.17g,%.17g" % (name, r["tot"][a], r["vot"][a],
                                                  r["real_wage"][a], r["welfare"][a]))
        return
    print("baseline re-solve: max |w - 1| = %.6f %%" % (100 * r["max_wage_change"]))
    print("%-8s %10s %10s %10s %12s %12s" % ("region", "tot%", "vot%", "cp%", "realwage%",
                                             "welfare%"))
    for name in ("Mexico", "Canada", "USA"):
        a = r["regions"].index(name)
        print("%-8s %10.5f %10.5f %10.5f %12.6f %12.6f" % (
            name, 100 * r["tot"][a], 100 * r["vot"][a], 100 * r["cp"][a],
            100 * (r["real_wage"][a] - 1), 100 * (r["welfare"][a] - 1)))


if __name__ == "__main__":
    main()
