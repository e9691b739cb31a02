#!/usr/bin/python3
"""test_sweep_mpi.py - `mpirun -np 3 sancsim-mpi sweep` gives the same data as
`sancsim sweep -j 2` (and as -j 1), and validation errors still exit 2.

Skips (77) unless the build has sancsim-mpi (-DSANCSIM_MPI=ON, see
scripts/test_mpi.sh) and mpirun is on PATH.  As root, OpenMPI needs
OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM), set here.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as U  # noqa: E402

BLOCK = """
sweep = { design = "lhs"; samples = 60; replicates = 3;
  parameters = ( { path = "trade.sigma"; distribution = "uniform"; min = 0.5; max = 7.0; },
                 { path = "trade.noise.sd"; distribution = "uniform"; min = 0.0; max = 0.1; } );
  keep = ["welfare", "exports"]; };
"""


def main():
    U.need_binary()
    mpi = os.environ.get("SANCSIM_MPI_BIN") or os.path.join(U.BUILD, "sancsim-mpi")
    mpirun = shutil.which("mpirun")
    if not U.BUILD or not os.access(mpi, os.X_OK) or mpirun is None:
        print("SKIP: no sancsim-mpi in %r or no mpirun (build with scripts/test_mpi.sh)" % U.BUILD)
        return 77
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    fails = []
    with U.tempdir() as d:
        cfg = U.tiny_cfg(d, BLOCK, seed=3)
        ref = os.path.join(d, "ref.h5")
        # some sigma draws are <= 1: failed runs must travel through the parts too
        p = U.run(["sweep", cfg, "-o", ref, "-j", "2", "-q"])
        if p.returncode != 1:
            fails.append("reference sweep: exit %d, want 1 (some runs fail)" % p.returncode)
        out = os.path.join(d, "mpi.h5")
        cmd = [mpirun, "-np", "3", "--oversubscribe", mpi, "sweep", cfg, "-o", out, "-q"]
        q = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if q.returncode != 1:
            fails.append("mpirun: exit %d, want 1\n%s%s" % (q.returncode, q.stdout, q.stderr))
        elif U.same_data(ref, out):
            fails.append("mpi vs -j 2: %s" % U.same_data(ref, out))
        leftovers = [f for f in os.listdir(d) if ".part" in f]
        if leftovers:
            fails.append("part files left behind: %s" % leftovers)
        bad = U.tiny_cfg(d, 'sweep = { keep = ["welfare"]; parameters = ( { path = "trade.sigmaa"; values = [2.0]; } ); };',
                         name="bad.cfg")
        q = subprocess.run([mpirun, "-np", "3", "--oversubscribe", mpi, "sweep", bad, "-o",
                            os.path.join(d, "bad.h5"), "-q"], env=env, capture_output=True, text=True, timeout=300)
        if q.returncode != 2:
            fails.append("mpi bad path: exit %d, want 2 (%s)" % (q.returncode, q.stderr))
    for f in fails:
        print("FAIL:", f)
    if fails:
        return 1
    print("test_sweep_mpi: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
