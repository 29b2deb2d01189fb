"""Resources tab benchmark: the old eager tree (HEAD's widget) against the lazy one, side by side.

At 20,000 primitives (bench.py's cluster, its last 2,000 single primitives made one clone
of 2,000 instances so there is a big group to expand), headless 200x50, each contender in
its own app, interleaved (old/new, new/old, ...) in one run. Measured with the event-loop
stall meter (bench/ui/stallmeter.py: longest time the loop did not get to run):
  first view   the first switch to the Resources tab: longest stall, time to the first
               drawn tree row, time until settled (frame done, the background slices done);
  update 1%    a refresh where 1% changed applied with the tab in front (5 per round);
  expand       expanding the 2,000-instance clone (collapsed before, off the clock);
  filter       typing "g0042" into the filter, then deleting it (10 keystrokes).

Run: .venv/bin/python bench/ui/tree.py [--rounds N] [--json PATH] [--old-interpreter-gc]
(~1.5 min for 3 rounds). Full garbage collections (generation 2) are timed beside the stalls:
each one walks every tracked object the console has not frozen (tui/ui/heap.py); the app
runs them itself at quiet moments (heap.FullCollections), and --old-interpreter-gc lets the
interpreter start them in the old contender (inside whatever allocates), as before that.
"whole_run" is one stall meter from the first view to the end, never reset: the windows'
stalls plus whatever ran between them (the app's own full collections included). Each app
starts as in a new process (as_in_a_new_process).
The old widget is `git show HEAD:tui/ui/widgets/resource_tree.py` loaded as a temp module:
once the lazy tree is committed, pass --old REV for the commit before it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import textual  # noqa: E402

import bench  # noqa: E402  (the generator and the fake session: reused, not copied)
import tui.ui.screens.main as main_screen  # noqa: E402
from tui.ui import heap  # noqa: E402
from stallmeter import StallMeter  # noqa: E402
from tui.pacemaker.model import Resource, ResourceKind  # noqa: E402
from tui.ui.app import PcmkConsoleApp  # noqa: E402
from tui.ui.widgets.resource_tree import ResourceTree as NewTree  # noqa: E402

BIG = 2000
FILTER = "g0042"


class Quiet(bench.Config):
    refresh_interval = 3600.0  # refreshes only when the benchmark applies one


def leaves(snapshot) -> int:
    return sum(1 for r in snapshot.all_resources() if not r.children)


def cluster():
    """bench.generate() at XL, its last BIG single primitives made one clone of BIG instances."""
    base = bench.generate(*bench.SIZES["XL"])
    singles = [i for i, r in enumerate(base.resources) if r.id.startswith("app")][-BIG:]
    drop = set(singles)
    clone = Resource("big-clone", ResourceKind.CLONE, children=tuple(
        Resource("big", ResourceKind.PRIMITIVE, agent="ocf:pacemaker:Dummy", role="Started",
                 active=True, nodes=(f"rem{k:04d}",)) for k in range(BIG)))
    resources = tuple(r for i, r in enumerate(base.resources) if i not in drop) + (clone,)
    return dataclasses.replace(base, resources=resources)


def old_widget(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:tui/ui/widgets/resource_tree.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="tree-bench-")) / "old_resource_tree.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_resource_tree", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    tree = module.ResourceTree
    if not hasattr(tree, "counted"):  # before the sliced filter: its count was always known
        tree.counted = property(lambda self: True)
    return tree


class GcPauses:
    """Full (generation 2) garbage collections: the heap of a 20,000-resource snapshot makes
    each one long, and they stall the loop whoever allocated; reported beside the stalls."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []  # (ended at, seconds)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif info.get("generation") == 2:
            now = time.perf_counter()
            self.pauses.append((now, now - self._started))

    def longest_since(self, since: float) -> float:
        return round(max((d for t, d in self.pauses if t >= since), default=0.0) * 1000, 1)


GC = GcPauses()


class CallbackCpu:
    """The CPU time of each event-loop callback (thread time, so GC in it counts): on a
    loaded machine a stall is this plus the time the loop waited for a core; on an idle one
    the two meet. Reported beside the wall-clock stalls, as the load-independent figure."""

    def __init__(self) -> None:
        self.longest = 0.0
        original = asyncio.events.Handle._run
        meter = self

        def _run(handle):
            started = time.thread_time()
            try:
                return original(handle)
            finally:
                spent = time.thread_time() - started
                if spent > meter.longest:
                    meter.longest = spent

        asyncio.events.Handle._run = _run

    def reset(self) -> None:
        self.longest = 0.0

    def longest_ms(self) -> float:
        return round(self.longest * 1000, 1)


CPU = CallbackCpu()


def watch_first_row(tree, clock: dict) -> None:
    """Note when the tree first draws a real row (not a blank line)."""
    original = tree.render_line

    def render_line(y):
        strip = original(y)
        if "first_row" not in clock and clock.get("armed") and strip.text.strip():
            clock["first_row"] = time.perf_counter()
        return strip

    tree.render_line = render_line


async def settle(tree, pilot, linger: float) -> None:
    await pilot.pause()
    if hasattr(tree, "settled"):
        await tree.settled()
    await pilot.pause()
    await asyncio.sleep(linger)


def as_in_a_new_process() -> None:
    """Each app as the console runs it, alone in its process: the apps before it collected,
    and the heap milestones (tui/ui/heap.py) not reached yet, so this app freezes at its own.
    Without it only the first app of a run froze and the later ones' full collections walked
    everything (gc2 115-148 ms instead of 14-77 ms in the first view)."""
    gc.unfreeze()
    gc.collect()
    heap._reached.clear()


async def run_one(widget, base, variants, interpreter_gc: bool = False) -> dict:
    main_screen.ResourceTree = widget  # compose and query_one look the class up here
    as_in_a_new_process()
    hold = heap.FullCollections.hold
    if interpreter_gc:
        heap.FullCollections.hold = lambda self: None  # the interpreter starts them, as before
    try:
        app = PcmkConsoleApp(bench.AlternatingSession([base]), Quiet(), cursor_blink=False)
        out: dict = {}
        async with app.run_test(size=bench.SIZE) as pilot:
            await asyncio.wait_for(app.refreshed.wait(), 300)
            await pilot.pause()
            await asyncio.sleep(0.3)
            screen = app._main()
            tree = screen.query_one("#resource-tree")
            clock: dict = {}
            watch_first_row(tree, clock)
            meter = StallMeter().start()
            whole = StallMeter().start()
            await asyncio.sleep(0.05)
            whole.reset()
            run_started = time.perf_counter()

            # first view
            meter.reset()
            CPU.reset()
            clock["armed"] = True
            t0 = time.perf_counter()
            await pilot.press("2")
            await pilot.pause()
            t_pause = time.perf_counter()
            await settle(tree, pilot, 0.3)
            t_settled = time.perf_counter() - 0.3
            report = meter.report()
            out["first_view"] = {
                "longest_stall_ms": round(report.longest_ms, 1),
                "first_row_ms": round((clock.get("first_row", t_pause) - t0) * 1000, 1),
                "settled_ms": round((t_settled - t0) * 1000, 1),
                "stalls_over_100ms": report.over_threshold,
                "longest_gc2_ms": GC.longest_since(t0),
                "longest_callback_cpu_ms": CPU.longest_ms(),
                "leaves_shown": tree.leaf_count(),
                "leaves_all": tree.leaf_count(everything=True),
            }

            # 1% in-place updates with the tab in front
            stalls, applies, touched, gcs, cpus = [], [], [], [], []
            for i in range(5):
                snap = variants[i % len(variants)]
                meter.reset()
                CPU.reset()
                t0 = time.perf_counter()
                app.apply_result(bench.Result(snap, snap, at=time.time()))
                applies.append((time.perf_counter() - t0) * 1000)
                await settle(tree, pilot, 0.15)
                stalls.append(meter.report().longest_ms)
                touched.append(tree.sync_count)
                gcs.append(GC.longest_since(t0))
                cpus.append(CPU.longest_ms())
            out["update_1pct"] = {
                "longest_stall_ms_max": round(max(stalls), 1),
                "longest_stall_ms_median": round(statistics.median(stalls), 1),
                "sync_ms_median": round(statistics.median(applies), 1),
                "labels_touched": touched,
                "longest_gc2_ms": max(gcs),
                "longest_callback_cpu_ms": max(cpus),
            }

            # expanding the big clone (collapsed before, off the clock)
            node = tree._by_path["big-clone"]
            node.collapse()
            await settle(tree, pilot, 0.2)
            meter.reset()
            CPU.reset()
            t0 = time.perf_counter()
            node.expand()
            await pilot.pause()
            t1 = time.perf_counter()
            await settle(tree, pilot, 0.2)
            out["expand_big"] = {"longest_stall_ms": round(meter.report().longest_ms, 1),
                                 "longest_gc2_ms": GC.longest_since(t0),
                                 "longest_callback_cpu_ms": CPU.longest_ms(),
                                 "until_frame_ms": round((t1 - t0) * 1000, 1),
                                 "children": len(node.children)}

            # typing a filter and deleting it again, one key at a time
            tree.focus()
            await pilot.press("slash")
            await settle(tree, pilot, 0.1)
            keys, shown = [], []
            for key in [*FILTER, *["backspace"] * len(FILTER)]:
                meter.reset()
                CPU.reset()
                t0 = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                t1 = time.perf_counter()
                await settle(tree, pilot, 0.1)
                keys.append({"key": key, "longest_stall_ms": round(meter.report().longest_ms, 1),
                             "longest_gc2_ms": GC.longest_since(t0),
                             "longest_callback_cpu_ms": CPU.longest_ms(),
                             "until_frame_ms": round((t1 - t0) * 1000, 1)})
                shown.append(tree.leaf_count())
            out["filter"] = {"longest_stall_ms_max": max(k["longest_stall_ms"] for k in keys),
                             "longest_gc2_ms": max(k["longest_gc2_ms"] for k in keys),
                             "longest_callback_cpu_ms": max(k["longest_callback_cpu_ms"] for k in keys),
                             "keys": keys, "leaves_shown": shown}
            whole_report = whole.report()
            out["whole_run"] = {"longest_stall_ms": round(whole_report.longest_ms, 1),
                                "stalls_over_100ms": whole_report.over_threshold,
                                "longest_gc2_ms": GC.longest_since(run_started),
                                "seconds": round(time.perf_counter() - run_started, 1)}
            await whole.stop()
            await meter.stop()
        return out
    finally:
        main_screen.ResourceTree = NewTree
        heap.FullCollections.hold = hold


def machine() -> dict:
    model = "?"
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(), "textual": textual.__version__}


def summary(runs: list[dict]) -> dict:
    def worst(path):
        values = []
        for run in runs:
            value = run
            for key in path:
                value = value[key]
            values.append(value)
        return _spread(values)
    return {
        "first_view_longest_stall_ms": worst(["first_view", "longest_stall_ms"]),
        "first_view_first_row_ms": worst(["first_view", "first_row_ms"]),
        "first_view_settled_ms": worst(["first_view", "settled_ms"]),
        "update_1pct_longest_stall_ms": worst(["update_1pct", "longest_stall_ms_max"]),
        "update_1pct_sync_ms": worst(["update_1pct", "sync_ms_median"]),
        "expand_big_longest_stall_ms": worst(["expand_big", "longest_stall_ms"]),
        "expand_big_until_frame_ms": worst(["expand_big", "until_frame_ms"]),
        "filter_key_longest_stall_ms": worst(["filter", "longest_stall_ms_max"]),
        "whole_run_longest_stall_ms": worst(["whole_run", "longest_stall_ms"]),
        "whole_run_stalls_over_100ms": worst(["whole_run", "stalls_over_100ms"]),
        "whole_run_gc2_longest_ms": worst(["whole_run", "longest_gc2_ms"]),
        "first_view_callback_cpu_ms": worst(["first_view", "longest_callback_cpu_ms"]),
        "update_1pct_callback_cpu_ms": worst(["update_1pct", "longest_callback_cpu_ms"]),
        "expand_big_callback_cpu_ms": worst(["expand_big", "longest_callback_cpu_ms"]),
        "filter_key_callback_cpu_ms": worst(["filter", "longest_callback_cpu_ms"]),
        "gc2_longest_ms_any_window": _spread([max(run[k]["longest_gc2_ms"] for k in (
            "first_view", "update_1pct", "expand_big", "filter")) for run in runs]),
    }


def _spread(values: list[float]) -> dict:
    return {"max": max(values), "median": statistics.median(values)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", default="HEAD", help="git revision of the eager widget")
    parser.add_argument("--json", default=str(HERE / "results-tree.json"))
    parser.add_argument("--old-interpreter-gc", action="store_true",
                        help="the old contender without the app's paced full collections")
    args = parser.parse_args()
    contenders = {"old": old_widget(args.old), "new": NewTree}
    base = cluster()
    variants = [bench.change_one_percent(base, s) for s in (1, 2, 3)]
    result = {"when_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "machine": machine(),
              "load_start": os.getloadavg(), "primitives": leaves(base),
              "top_level": len(base.resources), "old_rev": args.old,
              "old_interpreter_gc": args.old_interpreter_gc, "runs": {"old": [], "new": []}}
    for r in range(args.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for name in order:
            print(f"round {r + 1}: {name}", file=sys.stderr)
            result["runs"][name].append(asyncio.run(run_one(
                contenders[name], base, variants, interpreter_gc=name == "old" and args.old_interpreter_gc)))
    result["load_end"] = os.getloadavg()
    result["summary"] = {name: summary(runs) for name, runs in result["runs"].items()}
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
    for key in result["summary"]["old"]:
        old, new = result["summary"]["old"][key], result["summary"]["new"][key]
        print(f"{key:34} old max {old['max']:8.1f} med {old['median']:8.1f}   "
              f"new max {new['max']:8.1f} med {new['median']:8.1f}")


if __name__ == "__main__":
    main()
