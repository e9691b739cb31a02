#!/usr/bin/python3
"""check_layers.py - the include graph obeys the layers of DESIGN section 4.

Every C file under engine/ and models/ belongs to the layer of its folder;
an #include "x.h" must name a header of the same layer or of a layer it
depends on (the same table as CMakeLists.txt).  A relative include
("../x.h") is refused outright: it would get around the per-layer include
directories that make a back-edge a compile error.  Below the app layer,
process-wide actions are refused too (DESIGN section 4: library code never
prints, exits or sets GSL's error handler; that is main's): printf, puts,
fprintf to stdout/stderr, exit, abort and gsl_set_error_handler* outside
comments.  Exit 1 on a violation, listing each as FILE:LINE.
"""
import os
import re
import sys

# layer -> (folder, direct dependencies); keep in step with CMakeLists.txt
LAYERS = {
    "base": ("engine/base", []),
    "io": ("engine/io", ["base"]),
    "scenario": ("engine/scenario", ["io"]),
    "world": ("engine/world", ["scenario"]),
    "model": ("models/api", ["world"]),
    "econ": ("models/econ", ["model"]),
    "agents": ("models/agents", ["econ"]),
    "metrics": ("models/metrics", ["econ"]),
    "estimate": ("models/estimate", ["econ"]),
    "run": ("engine/run", ["agents", "metrics", "estimate"]),
    "sweep": ("engine/sweep", ["run"]),
    "app": ("engine/app", ["sweep"]),
}


def reach(layer, seen=None):
    seen = set() if seen is None else seen
    if layer not in seen:
        seen.add(layer)
        for d in LAYERS[layer][1]:
            reach(d, seen)
    return seen


def layer_of(path):
    best = None
    for name, (folder, _) in LAYERS.items():
        if path == folder or path.startswith(folder + "/"):
            if best is None or len(folder) > len(LAYERS[best][0]):
                best = name
    return best


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    files = []
    for top in ("engine", "models"):
        for d, _, names in os.walk(top):
            files += [os.path.join(d, n) for n in names if n.endswith((".c", ".h"))]
    header_layer = {}
    for f in files:
        if f.endswith(".h"):
            name = os.path.basename(f)
            if name in header_layer:
                print(f"{f}: header name also used by another layer's header", file=sys.stderr)
                return 1
            header_layer[name] = layer_of(f)
    bad = 0
    inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
    process = re.compile(r'\b(printf|puts|exit|abort|gsl_set_error_handler\w*)\s*\(|\bfprintf\s*\(\s*std(out|err)\b')
    for f in sorted(files):
        mine = layer_of(f)
        if mine is None:
            print(f"{f}: not in any layer folder (add it to CMakeLists.txt and here)", file=sys.stderr)
            bad += 1
            continue
        allowed = reach(mine)
        with open(f, encoding="utf-8") as fh:
            for no, line in enumerate(fh, 1):
                if mine != "app":
                    code = re.sub(r"/\*.*?(\*/|$)", "", line.split("//")[0])
                    if not code.lstrip().startswith("*") and process.search(code):
                        print(f"{f}:{no}: {process.search(code).group(0)}...: library code may not print, "
                              "exit or set GSL's error handler (main does)", file=sys.stderr)
                        bad += 1
                m = inc.match(line)
                if not m:
                    continue
                target = m.group(1)
                if "/" in target:
                    print(f"{f}:{no}: #include \"{target}\": paths in includes defeat the layer include "
                          "directories; include the header by name", file=sys.stderr)
                    bad += 1
                    continue
                tl = header_layer.get(target)
                if tl is None:
                    continue  # a generated or system-like header
                if tl not in allowed:
                    print(f"{f}:{no}: #include \"{target}\": layer '{mine}' may not use layer '{tl}'",
                          file=sys.stderr)
                    bad += 1
    if bad:
        print(f"check_layers: {bad} violation(s)", file=sys.stderr)
        return 1
    print(f"check_layers: {len(files)} files, include graph follows the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
