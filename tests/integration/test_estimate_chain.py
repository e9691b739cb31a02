#!/usr/bin/python3
"""test_estimate_chain.py - the estimate -> sweep -> plot chain of README
"Estimation" (DESIGN sections 9 and 10), run as the three commands the README
gives, from a copy of the repository layout (configs/estimate/wiod_eu.cfg and
wiod_eu_ge.cfg, ../shared beside it), with a 20-replicate bootstrap:

  sancsim estimate configs/estimate/wiod_eu.cfg -o results/wiod_eu.h5
  sancsim sweep configs/estimate/wiod_eu_ge.cfg -o results/wiod_eu_bands.h5 -j 2
  /usr/bin/python3 scripts/plot_fan.py results/wiod_eu_bands.h5 --var welfare --final -o results/wiod_eu_bands.png

Checks: the design file holds the done replicates' eu_enlargement
coefficients; the sweep reads it directly (header
events.[name="EFFECT"].coefficient, one run per replicate, parameter named by
that path); every run's welfare is that of the eu2000 scenario with the
groups' event at partial effect = the replicate's coefficient (independent of
the file event: the 572 new-EU pairs given by NEW/OLD groups, the flows from
eu2000.csv rather than the WIOD panel), to 1e-12; the fan chart is drawn.
Skips (77) without ../shared.
"""
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as U  # noqa: E402

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL", msg)


def main():
    U.need_binary()
    panel = os.path.join(U.SHARED, "data", "gravity", "wiod_panel_0014.csv")
    eu2000 = os.path.abspath(os.path.join(U.SHARED, "data", "gravity", "eu2000.csv"))
    if not os.path.exists(panel) or not os.path.exists(eu2000):
        print("SKIP: %s absent" % panel)
        return 77
    import h5py
    with U.tempdir() as d:
        # the layout of a checkout: repo/configs/estimate, repo/scripts, shared beside repo
        repo = os.path.join(d, "repo")
        os.makedirs(os.path.join(repo, "configs", "estimate"))
        os.makedirs(os.path.join(repo, "results"))
        for c in ("wiod_eu.cfg", "wiod_eu_ge.cfg"):
            shutil.copy(os.path.join(U.SRC, "configs", "estimate", c), os.path.join(repo, "configs", "estimate"))
        os.symlink(os.path.join(U.SRC, "scripts"), os.path.join(repo, "scripts"))
        os.symlink(os.path.abspath(U.SHARED), os.path.join(d, "shared"))

        def step(argv):
            p = subprocess.run(argv, cwd=repo, capture_output=True, text=True)
            check(p.returncode == 0, "%s: exit %d: %s" % (" ".join(argv[:3]), p.returncode, p.stderr))
            return p.returncode == 0

        ok = (step([U.SANCSIM, "estimate", "configs/estimate/wiod_eu.cfg", "-o", "results/wiod_eu.h5",
                    "--set", "estimate.bootstrap.replicates=20", "-q"]) and
              step([U.SANCSIM, "sweep", "configs/estimate/wiod_eu_ge.cfg", "-o", "results/wiod_eu_bands.h5",
                    "-j", "2", "-q"]) and
              step(["/usr/bin/python3", "scripts/plot_fan.py", "results/wiod_eu_bands.h5", "--var", "welfare",
                    "--final", "-o", "results/wiod_eu_bands.png"]))
        if not ok:
            print("%d failures" % len(fails))
            return 1
        res = os.path.join(repo, "results")
        with h5py.File(os.path.join(res, "wiod_eu.h5"), "r") as f:
            regs = [s.decode() if isinstance(s, bytes) else s for s in f["regressor"][()]]
            st = f["bootstrap_status"][()]
            boot = f["bootstrap_coefficient"][()][st == 1, regs.index("eu_enlargement")]
        check(len(boot) >= 18, "bootstrap: %d of 20 replicates done" % len(boot))
        with open(os.path.join(res, "eu_delta_design.csv")) as f:
            lines = f.read().splitlines()
        check(lines[0] == '"events.[name=""EFFECT""].coefficient"', "design header %r" % lines[0])
        design = np.array([float(x) for x in lines[1:]])
        check(np.array_equal(design, boot), "design rows != the done replicates' coefficients")
        with h5py.File(os.path.join(res, "wiod_eu_bands.h5"), "r") as f:
            names = [s.decode() if isinstance(s, bytes) else s for s in f["parameter"][()]]
            used = f["run_param"][:, 0]
            status = f["run_status"][()]
            w = f["welfare"][:, -1, :]
            countries = [s.decode() if isinstance(s, bytes) else s for s in f["country"][()]]
        check(names == ['events.[name="EFFECT"].coefficient'], "sweep parameter %r" % names)
        check(np.array_equal(used, boot), "the sweep's runs do not use the bootstrap coefficients")
        check(bool(np.all(status == 1)), "sweep runs not all done: %r" % status)
        check(os.path.getsize(os.path.join(res, "wiod_eu_bands.png")) > 10000, "fan chart not drawn")

        # each run = the eu2000 scenario with the groups' event at that partial effect
        ref_cfg = os.path.join(U.SRC, "configs", "sweeps", "eu2000_bootstrap.cfg")
        worst = 0.0
        for r in (0, int(np.argmin(used)), int(np.argmax(used))):
            out = os.path.join(d, "ref%d.h5" % r)
            p = U.run(["run", ref_cfg, "-o", out, "-q", "--force", "--set", 'data.trade="%s"' % eu2000,
                       "--set", 'events.[name="EU enlargement"].partial_effect=%.17g' % used[r]])
            check(p.returncode == 0, "reference run: %s" % p.stderr)
            if p.returncode != 0:
                continue
            with h5py.File(out, "r") as f:
                ref = f["welfare"][-1, :]
                rc = [s.decode() if isinstance(s, bytes) else s for s in f["country"][()]]
            check(rc == countries, "country order differs")
            worst = max(worst, float(np.max(np.abs(w[r] / ref - 1))))
        check(worst <= 1e-12, "sweep welfare vs the groups' event: %.3g" % worst)
        check(np.ptp(w[:, countries.index("POL")]) > 1e-4, "welfare does not move with the coefficient")
        print("chain: %d bootstrap coefficients -> %d sweep runs; welfare within %.2g of the reference runs"
              % (len(boot), len(used), worst))
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
