#!/usr/bin/python3
"""test_file_safety.py - never lose a user's file (issue 14; README "Crash
safety" and "Limits").  Each check fails on the code before the fix:

outputs       an existing output that is a FIFO, a device (root: mknod) or a
              symbolic link is refused with exit 2 even with --force, for
              run, sweep and merge, and is left as it was;
side files    links planted at the old fixed side names (.NAME.sweep.tmp,
              NAME.merge.tmp) are not followed; a link at the journal's
              name is refused; the victim files are untouched;
lock          a second sweep (or merge) on an output a sweep is writing is
              refused (exit 2) with HDF5_USE_FILE_LOCKING=FALSE, and the
              first one's file holds its own runs;
merge         SIGTERM/SIGINT: exit 143/130, no temporary file, no output;
              a damaged part and parts built on other data are refused;
data          /provenance/data_sha256 lists every data file with its SHA-256;
              --resume after a data edit exits 2 naming the file; an empty
              journal is reported as such;
SIGXFSZ       a sweep past `ulimit -f` exits 1 with a message (not 153) and
              leaves no temporary file;
inputs        a scenario from a pipe, <(...) or /dev/stdin runs; /dev/zero
              as scenario or design file is refused at once;
routing       hub_markup stays finite (dispersion 1000, capacity 1,
              congestion 100);
cli           -j as the last argument, help per command, sancsim-mpi's forms;
limits        a >64 KiB scenario.name or data.units fails `check`; a >32 KiB
              command line fails before the run.
"""
import hashlib
import os
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as su  # noqa: E402

su.need_binary()
try:
    import h5py
except ImportError:
    print("SKIP: h5py missing")
    sys.exit(77)

passes = fails = 0


def check(ok, what, detail=""):
    global passes, fails
    if ok:
        passes += 1
    else:
        fails += 1
        print("FAIL %s%s" % (what, ("\n    " + detail.strip().replace("\n", "\n    ")) if detail else ""))


TRADE = open(os.path.join(su.SRC, "tests", "data", "tiny_trade.csv")).read()

CFG = """scenario = {{ name = "fs"; start = "2022-01"; step = "month"; periods = {periods}; seed = 1; }};
data = {{ trade = "{trade}"; units = "USD million"; }};
groups = {{ NORTH = ["AAA", "BBB"]; }};
trade = {{ sigma = 5.0; adjustment = 0.5;
          sectors = ( {{ name = "energy"; sigma = 8.0; adjustment = 0.25; }} ); }};
events = ( {{ name = "embargo"; start = "2022-03"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; }} );
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def scenario(d, name="s.cfg", periods=6, sweep=None, trade="trade.csv", extra=""):
    if not os.path.exists(os.path.join(d, "trade.csv")):
        write(os.path.join(d, "trade.csv"), TRADE)
    text = CFG.format(periods=periods, trade=trade) + extra
    if sweep:  # random: validation tries one value, not every grid value
        text += ("sweep = { design = \"random\"; samples = %d; parameters = ( { path = \"trade.sigma\"; "
                 "distribution = \"uniform\"; min = 4.0; max = 6.0; } ); keep = [\"welfare\"]; };\n" % sweep)
    return write(os.path.join(d, name), text)


def intact(victim):
    with open(victim, "rb") as f:
        return f.read() == b"precious\n"


def leftovers(d):
    return [f for f in os.listdir(d) if ".tmp" in f or f.endswith(".lock")]


def run(args, **kw):
    kw.setdefault("timeout", 300)
    return su.run(args, **kw)


# ---------------------------------------------------------------- outputs
def section_0():
    with su.tempdir() as d:
        cfg = scenario(d, sweep=2)
        fifo = os.path.join(d, "fifo.h5")
        os.mkfifo(fifo)
        for cmd in (["run", cfg], ["sweep", cfg, "-j", "1"]):
            p = run(cmd + ["-o", fifo, "--force", "-q"])
            check(p.returncode == 2 and "not a regular file" in p.stderr and stat.S_ISFIFO(os.stat(fifo).st_mode),
                  "%s -o FIFO --force: exit 2, FIFO kept" % cmd[0], p.stderr)
        victim = write(os.path.join(d, "victim.txt"), "precious\n")
        link = os.path.join(d, "link.h5")
        os.symlink(victim, link)
        for cmd in (["run", cfg], ["sweep", cfg, "-j", "1"]):
            p = run(cmd + ["-o", link, "--force", "-q"])
            check(p.returncode == 2 and "symbolic link" in p.stderr and os.path.islink(link)
                  and intact(victim),
                  "%s -o LINK --force: exit 2, link and target kept" % cmd[0], p.stderr)
        # parts for merge
        parts = []
        for k in (1, 2):
            part = os.path.join(d, "p%d.h5" % k)
            run(["sweep", cfg, "-o", part, "--shard", "%d/2" % k, "-q", "-j", "1"], check=0)
            parts.append(part)
        for target in (fifo, link):
            p = run(["merge", "-o", target, "--force", "-q"] + parts)
            kept = stat.S_ISFIFO(os.stat(target).st_mode) if target == fifo else os.path.islink(target)
            check(p.returncode == 2 and kept, "merge -o %s --force: exit 2, left as it was" % os.path.basename(target),
                  p.stderr)
        check(intact(victim), "merge through a link: target untouched")
        if os.geteuid() == 0:
            dev = os.path.join(d, "null")
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            for cmd in (["run", cfg], ["sweep", cfg, "-j", "1"], ["merge"] + parts):
                p = run(cmd[:1] + ["-o", dev, "--force", "-q"] + cmd[1:])
                check(p.returncode == 2 and stat.S_ISCHR(os.stat(dev).st_mode),
                      "%s -o DEVICE --force: exit 2, device node kept" % cmd[0], p.stderr)
        else:
            print("skip: device-node checks need root (mknod)")
        check(not leftovers(d), "outputs: no temporary or lock file left", str(leftovers(d)))


# ---------------------------------------------------------------- side files
def section_1():
    with su.tempdir() as d:
        cfg = scenario(d, sweep=2)
        victim = write(os.path.join(d, "victim.txt"), "precious\n")
        out = os.path.join(d, "out.h5")
        os.symlink(victim, os.path.join(d, ".out.h5.sweep.tmp"))
        os.symlink(victim, os.path.join(d, "m.h5.merge.tmp"))
        p = run(["sweep", cfg, "-o", out, "-q", "-j", "1"])
        check(p.returncode == 0 and intact(victim),
              "a link at .NAME.sweep.tmp is not followed", p.stderr)
        parts = []
        for k in (1, 2):
            part = os.path.join(d, "p%d.h5" % k)
            run(["sweep", cfg, "-o", part, "--shard", "%d/2" % k, "-q", "-j", "1"], check=0)
            parts.append(part)
        p = run(["merge", "-o", os.path.join(d, "m.h5"), "-q"] + parts)
        check(p.returncode == 0 and intact(victim),
              "a link at NAME.merge.tmp is not followed", p.stderr)
        jl = os.path.join(d, ".j.h5.journal")
        os.symlink(victim, jl)
        p = run(["sweep", cfg, "-o", os.path.join(d, "j.h5"), "-q", "-j", "1", "--force"])
        check(p.returncode == 2 and "symbolic link" in p.stderr and intact(victim),
              "a link at the journal's name is refused, its target untouched", p.stderr)


# ---------------------------------------------------------------- the lock
def section_2():
    with su.tempdir() as d:
        cfg = scenario(d, "a.cfg", periods=400, sweep=200)
        cfg_b = scenario(d, "b.cfg", periods=6, sweep=3)
        out = os.path.join(d, "out.h5")
        env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
        a = subprocess.Popen([su.SANCSIM, "sweep", cfg, "-o", out, "-j", "1", "-q"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not any(".sweep.tmp" in f for f in os.listdir(d)):
            time.sleep(0.02)
        if a.poll() is not None:
            a.communicate()
            print("skip: the first sweep finished before the second started (machine too fast?)")
            return
        b = run(["sweep", cfg_b, "-o", out, "-j", "1", "-q", "--force"], env=env)
        check(b.returncode == 2 and "another sancsim" in b.stderr, "second sweep --force refused (exit 2)", b.stderr)
        if a.poll() is None:
            b2 = run(["sweep", cfg, "-o", out, "-j", "1", "-q", "--resume"], env=env)
            check(b2.returncode == 2 and "another sancsim" in b2.stderr, "second sweep --resume refused", b2.stderr)
        if a.poll() is None:
            m = run(["merge", "-o", out, "--force", "-q", os.path.join(d, "nothing.h5")], env=env)
            check(m.returncode == 2 and "another sancsim" in m.stderr, "merge onto a sweep's output refused",
                  m.stderr)
        _, err_a = a.communicate(timeout=600)
        check(a.returncode == 0, "first sweep finishes", err_a)
        with h5py.File(out, "r") as f:
            check(f["run_status"].shape[0] == 200 and (f["run_status"][:] == 1).all() and f.attrs["complete"] == 1,
                  "the first sweep's file holds its own 200 runs")
        check(not leftovers(d), "lock: nothing left behind", str(leftovers(d)))


# ---------------------------------------------------------------- merge
def section_3():
    with su.tempdir() as d:
        cfg = scenario(d, periods=6, sweep=2000)
        parts = []
        for k in (1, 2):
            part = os.path.join(d, "p%d.h5" % k)
            run(["sweep", cfg, "-o", part, "--shard", "%d/2" % k, "-q"], check=0)
            parts.append(part)
        for sig, want in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
            out = os.path.join(d, "m.h5")
            pr = subprocess.Popen([su.SANCSIM, "merge", "-o", out, "-q"] + parts, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                                                        signal.SIG_DFL))
            seen = False
            deadline = time.time() + 60
            while time.time() < deadline and pr.poll() is None:
                if any(".merge.tmp" in f for f in os.listdir(d)):
                    seen = True
                    break
                time.sleep(0.002)
            if not seen:
                pr.communicate()
                print("skip: merge finished before a temporary file was seen")
                if os.path.exists(out):
                    os.unlink(out)
                continue
            time.sleep(0.05)
            pr.send_signal(sig)
            pr.communicate(timeout=120)
            if pr.returncode == 0:
                print("skip: merge finished before the signal")
                os.unlink(out)
                continue
            check(pr.returncode == want, "merge on %s: exit %d (want %d)" % (sig.name, pr.returncode, want))
            check(not os.path.exists(out), "merge on %s: no output" % sig.name)
            check(not leftovers(d), "merge on %s: temporary file removed" % sig.name, str(leftovers(d)))
        out = os.path.join(d, "m.h5")
        p = run(["merge", "-o", out, "-q"] + parts)
        check(p.returncode == 0, "merge of intact parts", p.stderr)
        with h5py.File(out, "r") as f:
            check(f.attrs["complete"] == 1 and (f["run_status"][:] == 1).all(), "merged file complete")
            check("sha256" not in f["welfare"].attrs, "merged file carries no stale part checksum")
        with h5py.File(parts[1], "r+") as f:
            check("sha256" in f["welfare"].attrs and "sha256" in f["run_status"].attrs,
                  "part files carry per-dataset checksums")
            w = f["welfare"]
            w[1, 1, 0] = w[1, 1, 0] + 1.0  # damage: a value changes, its checksum does not
        p = run(["merge", "-o", os.path.join(d, "m2.h5"), "-q"] + parts)
        check(p.returncode == 2 and "p2.h5" in p.stderr and "welfare" in p.stderr and "damaged" in p.stderr
              and not os.path.exists(os.path.join(d, "m2.h5")), "a damaged part is refused, naming it", p.stderr)

    with su.tempdir() as d:
        cfg = scenario(d, periods=6, sweep=4)
        p1 = os.path.join(d, "p1.h5")
        p2 = os.path.join(d, "p2.h5")
        run(["sweep", cfg, "-o", p1, "--shard", "1/2", "-q"], check=0)
        write(os.path.join(d, "trade.csv"), TRADE.replace("AAA,AAA,energy,", "AAA,AAA,energy,1"))
        run(["sweep", cfg, "-o", p2, "--shard", "2/2", "-q"], check=0)
        p = run(["merge", "-o", os.path.join(d, "m.h5"), "-q", p1, p2])
        check(p.returncode == 2 and "trade.csv" in p.stderr and "other data" in p.stderr,
              "parts built on other data are refused, naming the file", p.stderr)


# ---------------------------------------------------------------- data hashes, --resume
def section_4():
    with su.tempdir() as d:
        cfg = scenario(d, periods=6, sweep=2)
        sha = hashlib.sha256(TRADE.encode()).hexdigest()
        out = os.path.join(d, "r.h5")
        run(["run", cfg, "-o", out, "-q"], check=0)
        with h5py.File(out, "r") as f:
            text = f["provenance/data_sha256"][()].decode()
        check(text == "%s  %s\n" % (sha, os.path.join(d, "trade.csv")), "run: /provenance/data_sha256", text)
        out = os.path.join(d, "s.h5")
        run(["sweep", cfg, "-o", out, "-q"], check=0)
        with h5py.File(out, "r") as f:
            text = f["provenance/data_sha256"][()].decode()
        check(text.startswith(sha + "  "), "sweep: /provenance/data_sha256", text)



# ---------------------------------------------------------------- --resume on changed data
def section_4b():
    with su.tempdir() as d:
        cfg = scenario(d, periods=200, sweep=400)
        out = os.path.join(d, "r.h5")
        trace = os.path.join(d, "trace")
        env = dict(os.environ, SANCSIM_SWEEP_TRACE=trace)
        pr = subprocess.Popen([su.SANCSIM, "sweep", cfg, "-o", out, "-j", "1", "-q"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and pr.poll() is None:
            if os.path.exists(trace) and len(open(trace).read().splitlines()) >= 3:
                break
            time.sleep(0.01)
        pr.send_signal(signal.SIGTERM)
        pr.communicate(timeout=120)
        journal = os.path.join(d, ".r.h5.journal")
        if pr.returncode != 143 or not os.path.exists(journal):
            check(False, "interrupted sweep keeps its journal (exit %d)" % pr.returncode)
        else:
            write(os.path.join(d, "trade.csv"), TRADE.replace("AAA,AAA,energy,", "AAA,AAA,energy,1"))
            p = run(["sweep", cfg, "-o", out, "-j", "1", "-q", "--resume"])
            check(p.returncode == 2 and "trade.csv" in p.stderr and "changed" in p.stderr,
                  "--resume after a data edit: exit 2 naming the file", p.stderr)
            write(os.path.join(d, "trade.csv"), TRADE)
            open(journal, "w").close()
            p = run(["sweep", cfg, "-o", out, "-j", "1", "-q", "--resume"])
            check(p.returncode == 2 and "empty" in p.stderr and "No such file" not in p.stderr,
                  "--resume with an empty journal says so", p.stderr)


# ---------------------------------------------------------------- SIGXFSZ
def section_5():
    with su.tempdir() as d:
        cfg = scenario(d, periods=50, sweep=300)
        out = os.path.join(d, "x.h5")
        p = subprocess.run(["bash", "-c", 'ulimit -f 64; exec "$0" sweep "$1" -o "$2" -q -j 1', su.SANCSIM, cfg, out],
                           capture_output=True, text=True, timeout=300)
        check(p.returncode == 1 and "x.h5" in p.stderr and not os.path.exists(out)
              and not [f for f in os.listdir(d) if ".tmp" in f],
              "sweep past ulimit -f: exit 1 with a message, no temporary file (exit %d)" % p.returncode, p.stderr)


# ---------------------------------------------------------------- inputs
def section_6():
    with su.tempdir() as d:
        trade = write(os.path.join(d, "trade.csv"), TRADE)
        text = CFG.format(periods=4, trade=trade)
        out = os.path.join(d, "o.h5")
        p = subprocess.run([su.SANCSIM, "run", "/dev/stdin", "-o", out, "-q"], input=text, capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 0 and os.path.exists(out), "scenario from /dev/stdin (a pipe)", p.stderr)
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.run(["bash", "-c", 'exec "$0" run <(printf "%s" "$1") -o "$2" -q', su.SANCSIM, text, out],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 0 and os.path.exists(out), "scenario from <(...) (read once)", p.stderr)
        fifo = os.path.join(d, "s.fifo")
        os.mkfifo(fifo)
        writer = subprocess.Popen(["bash", "-c", 'printf "%s" "$1" > "$0"', fifo, text])
        try:
            p = run(["check", fifo, "-q"], timeout=60)
        finally:
            writer.kill()
            writer.wait()
        check(p.returncode == 0, "scenario from a FIFO: read once, no hang", p.stderr)
        t0 = time.time()
        p = run(["check", "/dev/zero"], timeout=60)
        check(p.returncode == 2 and "device" in p.stderr and time.time() - t0 < 10, "/dev/zero as scenario refused",
              p.stderr)
        cfg = write(os.path.join(d, "dz.cfg"), text + 'sweep = { design = "file"; file = "/dev/zero"; keep = ["welfare"]; };\n')
        t0 = time.time()
        p = run(["sweep", cfg, "-o", os.path.join(d, "dz.h5")], timeout=60)
        check(p.returncode == 2 and "device" in p.stderr and time.time() - t0 < 10,
              "/dev/zero as design file refused", p.stderr)


# ---------------------------------------------------------------- routing: no Inf
def section_7():
    with su.tempdir() as d:
        write(os.path.join(d, "trade.csv"), "exporter,importer,sector,value\n"
              "AAA,AAA,goods,100\nAAA,BBB,goods,20\nAAA,CCC,goods,10\nBBB,AAA,goods,15\nBBB,BBB,goods,200\n"
              "BBB,CCC,goods,30\nCCC,AAA,goods,12\nCCC,BBB,goods,25\nCCC,CCC,goods,150\nAAA,AAA,energy,50\n"
              "AAA,BBB,energy,5\nBBB,BBB,energy,40\nCCC,AAA,energy,3000\nCCC,BBB,energy,20\nCCC,CCC,energy,80\n")
        cfg = write(os.path.join(d, "r.cfg"), """
    scenario = { name = "hub"; start = "2022-01"; step = "month"; periods = 4; seed = 3; };
    data = { trade = "trade.csv"; units = "USD million"; };
    trade = { sigma = 5.0; adjustment = 0.5; };
    sanctions = ( { name = "ban"; senders = ["AAA"]; targets = ["CCC"]; type = "trade"; direction = "import";
                    sectors = ["energy"]; ban = true; enforcement = 1.0; start = 1; ramp = 2; } );
    routing = { dispersion = 1000.0; detection = 0.3;
      hubs = ( { name = "via_b"; via = "BBB"; markup = 0.9; origins = ["CCC"]; destinations = ["AAA"];
                 capacity = 1.0; congestion = 100.0; start = 1; } ); };
    """)
        out = os.path.join(d, "r.h5")
        p = run(["run", cfg, "-o", out, "-q"])
        ok = p.returncode == 0
        if ok:
            import numpy as np
            with h5py.File(out, "r") as f:
                bad = [k for k in f if isinstance(f[k], h5py.Dataset) and f[k].dtype.kind == "f"
                       and np.isinf(f[k][()]).any()]
                mk = f["hub_markup"][()]
            ok = not bad and mk.max() <= 0.9 * 1e6 * (1 + 1e-12)
        check(ok, "congested hub: no Inf anywhere, hub_markup capped", p.stderr + (" inf in %s" % bad if p.returncode == 0
                                                                                   and bad else ""))


# ---------------------------------------------------------------- cli
def section_8():
    with su.tempdir() as d:
        cfg = scenario(d, sweep=2)
        p = run(["sweep", cfg, "-j"], env={"LC_ALL": "C"})
        check(p.returncode == 2 and "needs a value" in p.stderr, "-j as the last argument: exit 2", p.stderr)
        p = run(["help", "sweep"])
        check(p.returncode == 0 and "--resume" in p.stdout and "--shard" in p.stdout, "sancsim help sweep", p.stderr)
        p = run(["run", "--help"])
        check(p.returncode == 0 and "--set" in p.stdout and "--resume" not in p.stdout, "sancsim run --help", p.stderr)
        p = run(["run", cfg, "--resume"])
        check(p.returncode == 2 and "not an option of run" in p.stderr, "--resume with run: exit 2", p.stderr)
        mpi = os.path.join(su.BUILD, "sancsim-mpi") if su.BUILD else ""
        if mpi and os.access(mpi, os.X_OK):
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            p = subprocess.run([mpi, "sweep", cfg, "--set=trade.sigma=6.0", "-j2", "--jobs=2", "--seed=3", "--output=x.h5",
                                "--help"], capture_output=True, text=True, env=env, timeout=60)
            check(p.returncode == 0 and "--jobs" in p.stdout, "sancsim-mpi accepts sancsim's option forms", p.stderr)
        else:
            print("skip: no sancsim-mpi in SANCSIM_BUILD")


# ---------------------------------------------------------------- limits
def section_9():
    with su.tempdir() as d:
        big = "x" * 70000
        cfg = write(os.path.join(d, "n.cfg"), CFG.format(periods=4, trade="trade.csv").replace('name = "fs"',
                                                                                               'name = "%s"' % big))
        write(os.path.join(d, "trade.csv"), TRADE)
        p = run(["check", cfg, "-q"])
        check(p.returncode == 2 and "scenario.name" in p.stderr, "check: >64 KiB scenario.name refused", p.stderr[:300])
        cfg = write(os.path.join(d, "u.cfg"), CFG.format(periods=4, trade="trade.csv").replace(
            'units = "USD million"', 'units = "%s"' % big))
        p = run(["check", cfg, "-q"])
        check(p.returncode == 2 and "data.units" in p.stderr, "check: >64 KiB data.units refused", p.stderr[:300])
        cfg = scenario(d)
        out = os.path.join(d, "c.h5")
        p = run(["run", cfg, "-o", out, "-q", "--set", "scenario.name=" + "y" * 40000])
        check(p.returncode == 2 and "command line" in p.stderr and not os.path.exists(out),
              ">32 KiB command line refused before the run", p.stderr[:300])


# ---------------------------------------------------------------- messages
def section_10():
    with su.tempdir() as d:
        cfg = scenario(d)
        write(os.path.join(d, "a.inc"), '@include "b.inc"\n')
        write(os.path.join(d, "b.inc"), '@include "a.inc"\n')
        cyc = write(os.path.join(d, "cyc.cfg"), open(cfg).read() + '@include "a.inc"\n')
        p = run(["check", cyc, "-q"])
        check(p.returncode == 2 and "include cycle" in p.stderr, "an include cycle is named as one", p.stderr)
        p = run(["run", cfg, "-o", os.path.join(d, "st.h5"), "-q", "--set", "events.[0].start=2"])
        check(p.returncode == 0, "--set events.[0].start=2: a period index", p.stderr)
        mu = write(os.path.join(d, "mu.cfg"), open(cfg).read() + (
            'payments = { mu = 5e-324; fallback = { name = "fallback"; cost = 0.06; };\n'
            '  systems = ( { name = "SWIFT"; cost = 0.004; members = ["ALL"]; } ); };\n'))
        p = run(["check", mu, "-q"])
        check(p.returncode == 2 and "mu.cfg:" in p.stderr and "payments.mu" in p.stderr and "nan" not in p.stderr,
              "payments.mu = 5e-324: named, no NaN", p.stderr)
        write(os.path.join(d, "big.csv"), TRADE.replace(",100\n", ",1.5e308\n").replace(",20\n", ",1.5e308\n"))
        big = write(os.path.join(d, "big.cfg"), open(cfg).read().replace('"trade.csv"', '"big.csv"'))
        p = run(["check", big, "-q"])
        check(p.returncode == 2 and "big.csv" in p.stderr and "add up" in p.stderr,
              "a trade table whose total overflows is refused at load", p.stderr)
        ov = write(os.path.join(d, "ov.cfg"), CFG.format(periods=4, trade="trade.csv").replace(
            'sectors = ["energy"]; factor = 2.0; }',
            'sectors = ["energy"]; partial_effect = 400.0; },\n'
            '  { name = "more"; start = 2; exporters = ["CCC"]; importers = ["AAA"]; partial_effect = 400.0; }'))
        p = run(["run", ov, "-o", os.path.join(d, "ov.h5"), "-q"])
        check(p.returncode == 2 and "'embargo'" in p.stderr and "'more'" in p.stderr and "ov.cfg:" in p.stderr,
              "overflowing openness names the events and their lines", p.stderr)
        name = os.path.join(d, "n" * 250 + ".h5")
        for cmd in (["run", cfg], ["sweep", scenario(d, "sw.cfg", sweep=2), "-j", "1"]):
            p = run(cmd + ["-o", name, "-q"])
            check(p.returncode == 0 and os.path.exists(name), "%s: a 254-byte output name works" % cmd[0], p.stderr)
            if os.path.exists(name):
                os.unlink(name)


for fn, title in [(section_0, "outputs"), (section_1, "side files"), (section_2, "the lock"), (section_3, "merge"), (section_4, "data hashes"), (section_4b, "--resume on changed data"), (section_5, "SIGXFSZ"), (section_6, "inputs"), (section_7, "routing: no Inf"), (section_8, "cli"), (section_9, "limits"), (section_10, "messages")]:
    try:
        fn()
    except Exception as ex:  # a crash of the checks is a failure, the rest still runs
        check(False, "%s: %s: %s" % (title, type(ex).__name__, ex))

print("file safety: %d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
