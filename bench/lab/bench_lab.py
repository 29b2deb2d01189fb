"""Time the lab: up and down for Pacemaker 2.1.5 and 3.0.0, and building the Debian 13 root
(cold, into a throw-away cache; and cached). Prints JSON; results go in RESULTS.md.

    sudo .venv/bin/python bench/lab/bench_lab.py [--runs 3] [--cold]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def lab_cycle(version: str) -> dict:
    from tests.lab.lab import SPECS, Lab

    lab = Lab(SPECS[version], log=lambda m: None)
    t0 = time.monotonic()
    lab.up()
    up = time.monotonic() - t0
    try:
        steps = dict(lab.timings.steps)
        built = lab.timings.rootfs_build
    finally:
        lab.down()
    return {"up": round(up, 2), "down": round(lab.timings.down, 2),
            "rootfs_build": round(built, 2), "steps": steps}


def cold_rootfs() -> dict:
    """Build the trixie root into an empty cache (child process: CACHE is read at import)."""
    tmp = Path(tempfile.mkdtemp(prefix="pcl-bench-cache-", dir="/var/tmp"))
    code = ("import json,time; from tests.lab.rootfs import ensure_rootfs; t=time.monotonic();"
            " p, b = ensure_rootfs(log=lambda m: None);"
            " t2=time.monotonic(); ensure_rootfs(log=lambda m: None);"
            " print(json.dumps({'cold': round(b, 1), 'cached': round(time.monotonic()-t2, 3)}))")
    try:
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, text=True,
                             capture_output=True, env=dict(os.environ, PCMK_LAB_CACHE=str(tmp)))
        return json.loads(out.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also time a cold debootstrap")
    args = ap.parse_args()
    result = {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                          "os": Path("/etc/debian_version").read_text().strip()}}
    for version in ("2", "3"):
        runs = [lab_cycle(version) for _ in range(args.runs)]
        result[f"pacemaker-{version}"] = {
            "up_median": statistics.median(r["up"] for r in runs),
            "down_median": statistics.median(r["down"] for r in runs),
            "runs": runs,
        }
    if args.cold:
        result["rootfs"] = cold_rootfs()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
