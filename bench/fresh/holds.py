"""When does crm_mon's live mode redraw? The hold that the console's follow-ups cover.

Needs a running lab (`python -m tests.lab up --version 2|3`, as root). On node1 it runs
crm_mon as the watcher does (tui/pacemaker/watch.py: TERM=vt100, --interval=500ms, summary
only, stdin an open pipe) and reads its raw output. Each trial waits for a redraw, waits a
chosen gap, makes one CIB change (a node attribute on node1: one cib_modify, nothing else
follows from it) and times the next redraw. Gaps sweep 0.1-3.0 s, shuffled. Per trial it
also notes how many wall-clock seconds lie between the two (int(change) - int(redraw)).

    python bench/fresh/holds.py --version 3 [--trials 60]

Writes results-holds-pacemaker<version>.json beside this file; prints a table by that
seconds difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench import machine, wait_for  # noqa: E402  (bench/fresh/bench.py)

PROBE = "pcmk-console-hold-probe"
CRM_MON = "TERM=vt100 exec crm_mon --interval=500ms --exclude=all --include=summary"


class Redraws:
    """crm_mon's output on node1, as the times its chunks arrived."""

    def __init__(self, lab) -> None:
        self._stdin_r, self._stdin_w = os.pipe()  # open and silent, as the watcher keeps it
        self.proc = subprocess.Popen(lab.node("node1").argv(["sh", "-c", CRM_MON]), stdin=self._stdin_r,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.times: list[float] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            if b"\033[H" in chunk:  # crm_mon clears and redraws the whole screen each time
                with self._lock:
                    self.times.append(time.time())

    def after(self, t: float) -> float | None:
        with self._lock:
            return next((x for x in self.times if x > t), None)

    def last(self) -> float | None:
        with self._lock:
            return self.times[-1] if self.times else None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        os.close(self._stdin_w)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", choices=("2", "3"), default="3")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from tests.lab.lab import SPECS, Lab

    lab = Lab(SPECS[args.version], log=lambda m: None).attach()
    lab.ensure_healthy()
    rng = random.Random(args.seed)
    gaps = [round(0.1 + 2.9 * k / max(1, args.trials - 1), 3) for k in range(args.trials)]
    rng.shuffle(gaps)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_start = os.getloadavg()
    redraws = Redraws(lab)
    trials = []
    try:
        wait_for("crm_mon's first draw", redraws.last, 30)
        time.sleep(3)
        for n, gap in enumerate(gaps):
            # a redraw to measure from: the previous trial's change made one; settle past it
            time.sleep(3.5)
            kick = time.time()
            lab.run_on("node1", ["crm_attribute", "--node", "node1", "--name", PROBE, "--update", f"k{n}"])
            drawn = wait_for("a redraw", lambda: redraws.after(kick), 10)
            time.sleep(max(0.0, drawn + gap - time.time()))
            change = time.time()
            lab.run_on("node1", ["crm_attribute", "--node", "node1", "--name", PROBE, "--update", f"c{n}"])
            shown = wait_for("the change's redraw", lambda: redraws.after(change), 10)
            trials.append({"gap_s": round(change - drawn, 3), "seconds_apart": int(change) - int(drawn),
                           "redraw_after_s": round(shown - change, 3)})
            print(f"  {n + 1:3d}/{len(gaps)} gap {change - drawn:5.2f}s  apart {int(change) - int(drawn)}  "
                  f"redraw after {shown - change:5.2f}s", file=sys.stderr)
    finally:
        redraws.stop()
        lab.run_on("node1", ["crm_attribute", "--node", "node1", "--name", PROBE, "--delete"])
    summary = {}
    for apart in sorted({t["seconds_apart"] for t in trials}):
        mine = [t for t in trials if t["seconds_apart"] == apart]
        waits = [t["redraw_after_s"] for t in mine]
        summary[str(apart)] = {"n": len(mine), "gap_min_s": min(t["gap_s"] for t in mine),
                               "gap_max_s": max(t["gap_s"] for t in mine),
                               "redraw_after_p50_s": round(statistics.median(waits), 3),
                               "redraw_after_max_s": round(max(waits), 3)}
    result = {"started_utc": started, "ended_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": machine(), "load_start": load_start, "load_end": os.getloadavg(),
              "pacemaker": lab.run_on("node1", ["crm_mon", "--version"]).stdout.splitlines()[0],
              "summary_by_seconds_apart": summary, "trials": trials}
    out = HERE / f"results-holds-pacemaker{args.version}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print("| seconds apart | n | gap s | redraw after p50 s | max s |\n| --- | --- | --- | --- | --- |")
    for apart, v in summary.items():
        print(f"| {apart} | {v['n']} | {v['gap_min_s']:.2f}-{v['gap_max_s']:.2f} | "
              f"{v['redraw_after_p50_s']:.3f} | {v['redraw_after_max_s']:.3f} |")
    print(f"raw: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
