#!/usr/bin/python3
"""test_sweep_resume.py - a sweep killed with SIGKILL (and one stopped with
SIGTERM) and resumed gives the same file as an uninterrupted sweep, and
recomputes no finished run.

Which runs each session computed comes from SANCSIM_SWEEP_TRACE (one line
"run R" per run recorded).  A torn record at the journal's end (a kill in
the middle of a write) is simulated by appending garbage before resuming.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as U  # noqa: E402

BLOCK = """
sweep = { design = "grid"; replicates = 400;
  parameters = ( { path = "trade.sigma"; values = [4.0, 6.0]; },
                 { path = "events.[0].factor"; values = [1.5, 2.5]; } );
  keep = ["welfare", "exports"]; };
"""
NRUNS = 1600
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def traced(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [int(line.split()[1]) for line in f if line.startswith("run ")]


def interrupted(d, cfg, out, sig, trace):
    """Start a sweep, stop it with sig once >= 100 runs are recorded."""
    env = dict(os.environ, SANCSIM_SWEEP_TRACE=trace)
    p = subprocess.Popen([U.SANCSIM, "sweep", cfg, "-o", out, "-j", "2", "-q"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while len(traced(trace)) < 100 and p.poll() is None and time.time() - t0 < 120:
        time.sleep(0.01)
    p.send_signal(sig)
    _, err = p.communicate()
    return p.returncode, err


def main():
    U.need_binary()
    with U.tempdir() as d:
        cfg = U.tiny_cfg(d, BLOCK, periods=60, seed=5)
        # noise makes every run depend on its seed
        cfg_text = open(cfg).read().replace("noise = { sd = 0.0;", "noise = { sd = 0.05;")
        open(cfg, "w").write(cfg_text)
        ref = os.path.join(d, "ref.h5")
        U.run(["sweep", cfg, "-o", ref, "-j", "2", "-q"], check=0)

        for sig, want in ((signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 128 + signal.SIGTERM)):
            name = signal.Signals(sig).name
            out = os.path.join(d, "r_%s.h5" % name)
            journal = os.path.join(d, ".r_%s.h5.journal" % name)
            t1, t2 = os.path.join(d, "t1_" + name), os.path.join(d, "t2_" + name)
            rc, err = interrupted(d, cfg, out, sig, t1)
            first = traced(t1)
            if rc == 0:
                print("SKIP-ish: the sweep finished before %s; machine too fast for this size" % name)
                check(False, "%s: sweep finished before the signal" % name)
                continue
            check(rc == want, "%s: exit %d, want %d (%s)" % (name, rc, want, err.strip()))
            check(not os.path.exists(out), "%s: no final file after the kill" % name)
            check(os.path.exists(journal), "%s: journal kept" % name)
            check(0 < len(first) < NRUNS, "%s: %d runs before the signal" % (name, len(first)))
            p = U.run(["sweep", cfg, "-o", out, "-q"])
            check(p.returncode == 2 and "--resume" in p.stderr, "%s: a second sweep without --resume is refused" % name)
            if sig == signal.SIGKILL:
                with open(journal, "ab") as f:
                    f.write(b"\x07" * 37)  # a torn record
            p = U.run(["sweep", cfg, "-o", out, "--resume", "-j", "2"], env={"SANCSIM_SWEEP_TRACE": t2})
            check(p.returncode == 0, "%s: resume exit %d (%s)" % (name, p.returncode, p.stderr.strip()))
            second = traced(t2)
            check(not set(first) & set(second), "%s: %d finished runs recomputed" % (name, len(set(first) & set(second))))
            check(len(second) == len(set(second)), "%s: a run computed twice on resume" % name)
            check(len(first) + len(second) <= NRUNS and len(second) < NRUNS,
                  "%s: %d + %d runs computed" % (name, len(first), len(second)))
            check("%d computed, %d recovered" % (len(second), NRUNS - len(second)) in p.stderr,
                  "%s: summary counts: %s" % (name, p.stderr.strip()))
            check(not os.path.exists(journal), "%s: journal removed after the finish" % name)
            diffs = U.same_data(ref, out)
            check(diffs == [], "%s: resumed file differs: %s" % (name, diffs))
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("test_sweep_resume: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
