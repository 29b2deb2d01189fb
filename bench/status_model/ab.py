"""Before/after on a shared machine: an older commit's status model vs the working tree.

    .venv/bin/python bench/status_model/ab.py REF [--sizes S,M,L] [--rounds 20]

Load on the shared machine moves single timings by 10-30%, so the two versions are timed
interleaved in one process (round by round, best of `rounds` each), on the same crm_mon
output and CIB configuration as run.py (both generated into /tmp/pcmk-bench). REF's
tui/pacemaker is exported with `git show` into a temporary directory; nothing is checked out.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.status_model.gen_cib import generate  # noqa: E402
from bench.status_model.run import ARGV, SIZES  # noqa: E402

MODULES = ("model", "xmlsafe", "crm_mon", "cib", "diff", "vocabulary")


def export(ref: str, into: Path) -> Path:
    package = into / "tui" / "pacemaker"
    package.mkdir(parents=True)
    (into / "tui" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    for name in MODULES:
        shown = subprocess.run(["git", "show", f"{ref}:tui/pacemaker/{name}.py"], cwd=ROOT,
                               capture_output=True)
        if shown.returncode == 0:  # an older REF may not have every module yet
            (package / f"{name}.py").write_bytes(shown.stdout)
    for name in ("loop_first", "gc_hold"):  # what the domain imports from below it, where REF has it
        shown = subprocess.run(["git", "show", f"{ref}:tui/{name}.py"], cwd=ROOT, capture_output=True)
        if shown.returncode == 0:
            (into / "tui" / f"{name}.py").write_bytes(shown.stdout)
    return into


def load(root: Path) -> dict:
    """tui.pacemaker imported from `root`, then forgotten so the other version can load too."""
    for name in [m for m in sys.modules if m == "tui" or m.startswith("tui.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return {n: importlib.import_module(f"tui.pacemaker.{n}") for n in ("crm_mon", "cib", "diff")}
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "tui" or m.startswith("tui.")]:
            del sys.modules[name]


def inputs(size: str, workdir: Path) -> tuple[bytes, bytes]:
    cib_path = workdir / f"cib-{size}.xml"
    cib_path.write_text(generate(*SIZES[size]))
    output = subprocess.run(ARGV, env=dict(os.environ, CIB_file=str(cib_path)),
                            capture_output=True, check=True).stdout
    config = etree.tostring(etree.parse(str(cib_path)).getroot().find("configuration"))
    return output, config


def steps(mods: dict, output: bytes, config: bytes) -> dict:
    parse, join = mods["crm_mon"].parse_status, mods["cib"].join
    parse_configuration, diff = mods["cib"].parse_configuration, mods["diff"].diff
    snap = parse(output)
    joined = join(snap, parse_configuration(config))
    other = join(parse(output), parse_configuration(config))
    assert diff(joined, other) == ()
    return {
        "parse": lambda: parse(output),
        "join": lambda: join(snap, parse_configuration(config)),
        "diff": lambda: diff(joined, other),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ref")
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workdir", default="/tmp/pcmk-bench")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        versions = {args.ref: load(export(args.ref, Path(tmp))), "working tree": load(ROOT)}
        print(f"load average {os.getloadavg()[0]:.2f}; best of {args.rounds} interleaved rounds")
        for size in args.sizes.split(","):
            output, config = inputs(size, workdir)
            timed = {label: steps(mods, output, config) for label, mods in versions.items()}
            best = {(label, step): float("inf") for label in timed for step in timed[label]}
            kept = {}
            for _ in range(args.rounds):
                for label, fns in timed.items():
                    for step, fn in fns.items():
                        gc.collect()  # each step starts from the same collector state
                        start = time.perf_counter()
                        # the previous result stays alive meanwhile, as in run.py (and the app)
                        kept[label, step] = fn()
                        best[label, step] = min(best[label, step], time.perf_counter() - start)
            for label, fns in timed.items():
                parts = " ".join(f"{step} {best[label, step] * 1000:.1f}" for step in fns)
                total = sum(best[label, step] for step in fns) * 1000
                print(f"{size}: {label:>12}: {parts} ms, total {total:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
