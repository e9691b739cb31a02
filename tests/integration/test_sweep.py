#!/usr/bin/python3
"""test_sweep.py - `sancsim sweep` and `sancsim merge` on the tiny scenario.

- bit-identical data with -j 1, -j 2 and --shard 1/3..3/3 + merge;
- each row equals an independent `sancsim run` with the point's --set values
  and --seed run_seed; run_seed = mix32(seed) ^ r (DESIGN section 6, in
  Python); run_param follows the grid (last parameter fastest);
- the file passes check_h5.py (xarray sees run, time, country ...);
- failing design points: exactly the runs whose sampled sigma <= 1 fail
  (status 2, message), every other run is done, exit 1 with a summary;
- summaries: welfare_mean/_p05/_p50/_p95 equal numpy's mean and (linear)
  percentiles over each point's replicates;
- exit 2 before any run: bad path, wrong type, an invalid fixed value, an
  unknown kept variable, mixing grid and distributions, an existing output;
- kept metrics variables (computed only when kept) equal `sancsim run`'s.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as U  # noqa: E402

GRID = """
sweep = { design = "grid"; replicates = 2;
  parameters = ( { path = "trade.sigma"; min = 3.0; max = 7.0; steps = 3; },
                 { path = "events.[0].factor"; values = [1.5, 2.5]; },
                 { path = "trade.noise.sd"; values = [0.0, 0.05]; } );
  keep = ["welfare", "exports", "solver_iterations"]; };
"""

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def test_identity_and_rows(d):
    import h5py
    cfg = U.tiny_cfg(d, GRID, seed=11)
    f1, f2, m = (os.path.join(d, x) for x in ("j1.h5", "j2.h5", "merged.h5"))
    U.run(["sweep", cfg, "-o", f1, "-j", "1", "-q"], check=0)
    U.run(["sweep", cfg, "-o", f2, "-j", "2", "-q"], check=0)
    parts = []
    for k in (1, 2, 3):
        p = os.path.join(d, "part%d.h5" % k)
        U.run(["sweep", cfg, "-o", p, "--shard", "%d/3" % k, "-q"], check=0)
        parts.append(p)
    U.run(["merge", "-o", m, "-q"] + parts, check=0)
    check(U.same_data(f1, f2) == [], "-j 1 vs -j 2: %s" % U.same_data(f1, f2))
    check(U.same_data(f1, m) == [], "-j 1 vs shards+merge: %s" % U.same_data(f1, m))
    # a part alone holds only its runs
    with h5py.File(parts[1], "r") as f:
        st = f["run_status"][()]
        check(all((st[r] != 0) == (r % 3 == 1) for r in range(len(st))), "part 2/3 holds runs r%3==1 only")
    # merging twice into an existing file needs --force
    check(U.run(["merge", "-o", m] + parts).returncode == 2, "merge onto an existing file without --force")

    import subprocess
    chk = subprocess.run(["/usr/bin/python3", os.path.join(U.SRC, "tests/integration/check_h5.py"), f1,
                          "--expect-var", "welfare"], capture_output=True, text=True)
    check(chk.returncode == 0, "check_h5: " + chk.stdout + chk.stderr)

    with h5py.File(f1, "r") as f:
        n = f["run"].shape[0]
        check(n == 24, "24 runs (3 x 2 x 2 points x 2 replicates), got %d" % n)
        rp, seeds = f["run_param"][()], f["run_seed"][()]
        pts, reps = f["run_point"][()], f["run_replicate"][()]
        check([x.decode() if isinstance(x, bytes) else x for x in f["parameter"][()]] ==
              ["trade.sigma", "events.[0].factor", "trade.noise.sd"], "parameter labels")
        want = [(s, fa, sd) for s in (3.0, 5.0, 7.0) for fa in (1.5, 2.5) for sd in (0.0, 0.05)]
        for r in range(n):
            check(tuple(rp[r]) == want[r // 2], "run %d parameters %s, want %s" % (r, rp[r], want[r // 2]))
            check(pts[r] == r // 2 and reps[r] == r % 2, "run %d point/replicate" % r)
            check(int(seeds[r]) == U.mix32(11) ^ r, "run %d seed" % r)
        check(len(set(int(s) for s in seeds)) == n, "seeds distinct")
        check(np.all(f["run_status"][()] == 1), "every run done")
        wel = f["welfare"][()]
        check(wel.shape == (24, 6, 3), "welfare (run, time, country) shape %s" % (wel.shape,))
        # replicates differ only through noise: equal rows when sd = 0
        check(np.array_equal(wel[0], wel[1]), "sd = 0: replicates identical")
        check(not np.array_equal(wel[2], wel[3]), "sd > 0: replicates differ (distinct seeds)")
        # rows are real runs: compare with `sancsim run`
        for r in (0, 3, 13, 22):
            s, fa, sd = rp[r]
            out = os.path.join(d, "single%d.h5" % r)
            U.run(["run", cfg, "-o", out, "-q", "--seed", str(int(seeds[r])),
                   "--set", "trade.sigma=%r" % float(s), "--set", "events.[0].factor=%r" % float(fa),
                   "--set", "trade.noise.sd=%r" % float(sd)], check=0)
            with h5py.File(out, "r") as g:
                for v in ("welfare", "exports", "solver_iterations"):
                    check(np.array_equal(f[v][r], g[v][()]), "run %d: %s differs from sancsim run" % (r, v))


def test_failures(d):
    import h5py
    block = """
sweep = { design = "random"; samples = 40;
  parameters = ( { path = "trade.sigma"; distribution = "normal"; mean = 2.0; sd = 1.0; } );
  keep = ["welfare"]; };
"""
    cfg = U.tiny_cfg(d, block, name="fail.cfg")
    out = os.path.join(d, "fail.h5")
    p = U.run(["sweep", cfg, "-o", out, "-j", "2"])
    check(p.returncode == 1, "failing runs: exit 1, got %d (%s)" % (p.returncode, p.stderr))
    check("failed" in p.stderr, "summary names the failures: " + p.stderr)
    with h5py.File(out, "r") as f:
        sig, st, err = f["run_param"][:, 0], f["run_status"][()], f["run_error"][()]
        wel = f["welfare"][()]
        check(int(f.attrs["complete"]) == 1, "complete = 1 when every run is done or failed")
    bad = sig <= 1.0
    check(bad.any() and (~bad).any(), "the draws straddle sigma = 1 (%d bad)" % bad.sum())
    check(np.array_equal(st == 2, bad), "status 2 exactly where sigma <= 1")
    check(np.all(st[~bad] == 1), "every other run done")
    for r in np.nonzero(bad)[0]:
        check(b"sigma" in err[r], "run %d message: %r" % (r, err[r]))
        check(np.all(np.isnan(wel[r])), "failed run %d has NaN data" % r)
    check(np.all(np.isfinite(wel[~bad])), "done runs have data")
    check(all(e == b"" for e in err[~bad]), "no message for done runs")


def test_summaries(d):
    import h5py
    block = """
sweep = { design = "grid"; replicates = 7; summaries = true;
  parameters = ( { path = "trade.noise.sd"; values = [0.02, 0.1]; } );
  keep = ["welfare"]; };
"""
    cfg = U.tiny_cfg(d, block, name="sum.cfg")
    out = os.path.join(d, "sum.h5")
    U.run(["sweep", cfg, "-o", out, "-q"], check=0)
    with h5py.File(out, "r") as f:
        w = f["welfare"][()].reshape(2, 7, 6, 3)
        check(np.allclose(f["welfare_mean"][()], w.mean(axis=1), rtol=1e-14, atol=0), "mean")
        for name, q in (("p05", 5), ("p50", 50), ("p95", 95)):
            check(np.allclose(f["welfare_" + name][()], np.percentile(w, q, axis=1), rtol=1e-14, atol=0), name)
        check(np.array_equal(f["point_param"][()][:, 0], [0.02, 0.1]), "point_param")


def test_usage_errors(d):
    cases = {
        "bad path": '{ path = "trade.sigmaa"; values = [2.0]; }',
        "wrong type": '{ path = "trade.sigma"; values = ["high"]; }',
        "invalid fixed value": '{ path = "trade.sigma"; values = [4.0, 0.5]; }',
        "bad index": '{ path = "events.[3].factor"; values = [2.0]; }',
        "mixed kinds": '{ path = "trade.sigma"; distribution = "uniform"; min = 2.0; max = 3.0; }',
    }
    for what, par in cases.items():
        cfg = U.tiny_cfg(d, 'sweep = { keep = ["welfare"]; parameters = ( %s ); };' % par, name="bad.cfg")
        out = os.path.join(d, "bad.h5")
        p = U.run(["sweep", cfg, "-o", out, "-q"])
        check(p.returncode == 2, "%s: exit %d, want 2 (%s)" % (what, p.returncode, p.stderr.strip()))
        check(not os.path.exists(out) and not os.path.exists(os.path.join(d, ".bad.h5.journal")),
              "%s: nothing written" % what)
    cfg = U.tiny_cfg(d, 'sweep = { keep = ["welfare", "happiness"]; parameters = ( '
                     '{ path = "trade.sigma"; values = [4.0]; } ); };', name="bad.cfg")
    p = U.run(["sweep", cfg, "-o", os.path.join(d, "bad.h5"), "-q"])
    check(p.returncode == 2 and "happiness" in p.stderr and "welfare" in p.stderr,
          "unknown keep: exit 2 listing the valid names (%s)" % p.stderr.strip())
    cfg = U.tiny_cfg(d, GRID, name="ok.cfg")
    out = os.path.join(d, "exists.h5")
    open(out, "w").close()
    check(U.run(["sweep", cfg, "-o", out, "-q"]).returncode == 2, "existing output without --force: exit 2")
    check(U.run(["sweep", cfg, "-o", out, "-q", "--force"]).returncode == 0, "--force overwrites")
    check(U.run(["sweep", cfg, "-o", out, "-q", "--shard", "4/3"]).returncode == 2, "--shard 4/3: exit 2")
    check(U.run(["run", cfg, "-o", out, "-j", "2"]).returncode == 2, "-j is a sweep option")


def test_kept_metrics(d):
    """A sweep computes the metrics module only when it keeps one of its
    variables (issue 8): kept ones must still equal `sancsim run`'s (which
    records everything), and keeping them must not change the others."""
    import h5py
    block = """
sweep = { design = "grid";
  parameters = ( { path = "events.[0].factor"; values = [1.5, 2.5]; } );
  keep = [%s]; };
"""
    with_m = U.tiny_cfg(d, block % '"welfare", "dependence", "customs_flows"', seed=5, name="with.cfg")
    without = U.tiny_cfg(d, block % '"welfare"', seed=5, name="without.cfg")
    a, b = os.path.join(d, "with.h5"), os.path.join(d, "without.h5")
    U.run(["sweep", with_m, "-o", a, "-q"], check=0)
    U.run(["sweep", without, "-o", b, "-q"], check=0)
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        check(np.array_equal(f["welfare"][()], g["welfare"][()]), "welfare depends on keeping metrics")
        for r, fa in enumerate((1.5, 2.5)):
            out = os.path.join(d, "single%d.h5" % r)
            U.run(["run", with_m, "-o", out, "-q", "--seed", str(int(f["run_seed"][r])),
                   "--set", "events.[0].factor=%r" % fa], check=0)
            with h5py.File(out, "r") as h:
                for v in ("dependence", "customs_flows"):
                    check(np.any(h[v][()] != 0), "run %d: %s all zero in sancsim run" % (r, v))
                    check(np.array_equal(f[v][r], h[v][()]), "run %d: kept %s differs from sancsim run" % (r, v))


def main():
    U.need_binary()
    with U.tempdir() as d:
        for t in (test_identity_and_rows, test_failures, test_summaries, test_usage_errors, test_kept_metrics):
            sub = os.path.join(d, t.__name__)
            os.mkdir(sub)
            t(sub)
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("test_sweep: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
