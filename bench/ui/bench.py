"""UI benchmark: a generated cluster of 32 cluster + 2,000 remote nodes + 20,000 resources.

Measures, headless (Textual's run_test, 200x50):
  1. applying a refresh where 1% of the rows changed (20 nodes, 200 resources), with the
     Nodes tab and with the Resources tab in front: the synchronous apply (the diff into
     DataTable/Tree) and apply + the next rendered frame;
  2. key-press latency (down arrow in the cluster node table) while refreshes run every
     0.25 s, each one changing 1%;
  3. start to first frame of the demo (`--demo`) in a fresh process, imports included.

Run: .venv/bin/python bench/ui/bench.py   (about a minute; prints JSON and a table)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from tui.pacemaker.model import (  # noqa: E402
    Node,
    NodeKind,
    Resource,
    ResourceKind,
    Snapshot,
    Summary,
)
from tui.ui.app import PcmkConsoleApp  # noqa: E402

CLUSTER, REMOTE, RESOURCES = 32, 2000, 20000
SIZE = (200, 50)


def prim(rid, node, agent="ocf:pacemaker:Dummy", active=True):
    return Resource(rid, ResourceKind.PRIMITIVE, agent=agent, role="Started" if active else "Stopped",
                    active=active, nodes=(node,) if active else ())


def generate() -> Snapshot:
    cluster = [f"node{i:02d}" for i in range(1, CLUSTER + 1)]
    nodes = [Node(n, str(i), NodeKind.CLUSTER, online=True, is_dc=(i == 0), feature_set="3.16.2",
                  resources_running=0) for i, n in enumerate(cluster)]
    resources: list[Resource] = []
    for i in range(REMOTE):
        name, host = f"rem{i:04d}", cluster[i % CLUSTER]
        nodes.append(Node(name, name, NodeKind.REMOTE, online=True, connection_resource=name,
                          host=host, address=f"10.{i // 250}.{i % 250}.1", port=3121,
                          reconnect_interval="60s", resources_running=9))
        resources.append(prim(name, host, "ocf:pacemaker:remote"))
    # the other 18,000 primitives: 1,200 groups of 5 and 12,000 alone, over the remotes
    i, count = 0, len(resources)
    while count < RESOURCES:
        node = f"rem{i % REMOTE:04d}"
        if i < 1200:
            children = tuple(prim(f"g{i:04d}-r{k}", node) for k in range(5))
            resources.append(Resource(f"grp{i:04d}", ResourceKind.GROUP, children=children))
            count += 5
        else:
            resources.append(prim(f"app{i:05d}", node))
            count += 1
        i += 1
    summary = Summary(stack="corosync", dc=cluster[0], dc_version="2.1.5", with_quorum=True,
                      nodes_configured=len(nodes), resources_configured=RESOURCES)
    return Snapshot(summary, tuple(nodes), tuple(resources), pacemaker_version="2.1.5")


def leaves(snapshot: Snapshot) -> int:
    return sum(1 for r in snapshot.all_resources() if not r.children)


def change_one_percent(snapshot: Snapshot, salt: int) -> Snapshot:
    """20 nodes go standby/back and 200 primitives stop/start (alternating with salt)."""
    nodes = list(snapshot.nodes)
    for k in range(20):
        j = (k * 101 + salt) % len(nodes)
        nodes[j] = dataclasses.replace(nodes[j], standby=not nodes[j].standby)
    resources = list(snapshot.resources)
    for k in range(200):
        j = (k * 97 + salt) % len(resources)
        r = resources[j]
        if r.children:
            c = list(r.children)
            c[0] = dataclasses.replace(c[0], active=not c[0].active,
                                       role="Stopped" if c[0].active else "Started",
                                       nodes=() if c[0].active else ("rem0000",))
            resources[j] = dataclasses.replace(r, children=tuple(c))
        else:
            resources[j] = dataclasses.replace(r, active=not r.active,
                                               role="Stopped" if r.active else "Started",
                                               nodes=() if r.active else ("rem0000",))
    return dataclasses.replace(snapshot, nodes=tuple(nodes), resources=tuple(resources))


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: Snapshot
    snapshot: Snapshot
    events: tuple = ()
    host: str = "node01"
    unchanged: bool = False
    error: str | None = None
    at: float = 0.0


class AlternatingSession:
    """Each refresh hands out the next snapshot of a cycle (each differs by 1%)."""

    def __init__(self, snapshots):
        self.snapshots = snapshots
        self.count = 0
        self.cluster = type("C", (), {"name": "bench", "production": False, "color": None})()
        self.read_only = False
        self.demo = False
        self.log = None

    async def refresh(self):
        snap = self.snapshots[self.count % len(self.snapshots)]
        self.count += 1
        return Result(snap, snap, at=time.time())


class Config:
    refresh_interval = 3600.0
    theme = "pcmk-dark"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def bench_apply(base, variants, tab_key: str, rounds: int) -> dict:
    session = AlternatingSession([base])
    app = PcmkConsoleApp(session, Config(), cursor_blink=False)
    sync_ms, frame_ms = [], []
    async with app.run_test(size=SIZE) as pilot:
        t0 = time.perf_counter()
        await asyncio.wait_for(app.refreshed.wait(), 120)
        await pilot.pause()
        first_load = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        await pilot.press(tab_key)
        await pilot.pause()
        tab_switch = (time.perf_counter() - t0) * 1000
        screen = app._main()
        for i in range(rounds):
            snap = variants[i % len(variants)]
            t0 = time.perf_counter()
            app.apply_result(Result(snap, snap, at=time.time()))
            t1 = time.perf_counter()
            await pilot.pause()
            t2 = time.perf_counter()
            sync_ms.append((t1 - t0) * 1000)
            frame_ms.append((t2 - t0) * 1000)
        tree = screen.query_one("#resource-tree")
        touched = ({"resource-tree": tree.sync_count} if tab_key == "2" else
                   {t: screen.query_one(f"#{t}").sync_count for t in ("cluster-nodes", "remote-nodes")})
    return {
        "tab": tab_key, "first_load_ms": round(first_load, 1), "tab_switch_ms": round(tab_switch, 1),
        "apply_ms_median": round(statistics.median(sync_ms), 1), "apply_ms_max": round(max(sync_ms), 1),
        "apply_plus_frame_ms_median": round(statistics.median(frame_ms), 1),
        "apply_plus_frame_ms_max": round(max(frame_ms), 1),
        "rows_touched_last": touched,
    }


async def bench_keys(base, variants, presses: int, interval: float) -> dict:
    session = AlternatingSession([base, *variants])
    config = Config()
    config.refresh_interval = interval
    app = PcmkConsoleApp(session, config, cursor_blink=False)
    latencies = []
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.refreshed.wait(), 120)
        await pilot.pause()
        table = app._main().query_one("#cluster-nodes")
        table.focus()
        await pilot.pause()
        refreshes_before = session.count
        for i in range(presses):
            key = "down" if (i // 20) % 2 == 0 else "up"
            before = table.cursor_row
            t0 = time.perf_counter()
            app.post_message(events.Key(key, None))
            while table.cursor_row == before:
                await asyncio.sleep(0.0005)
            latencies.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.03)  # a user pressing ~30 keys a second
        refreshes = session.count - refreshes_before
    return {"presses": presses, "refreshes_during": refreshes, "refresh_interval_s": interval,
            "latency_ms_p50": round(pct(latencies, 50), 1),
            "latency_ms_p95": round(pct(latencies, 95), 1),
            "latency_ms_max": round(max(latencies), 1)}


FIRST_FRAME = r"""
import sys, time, asyncio
t_start = float(sys.argv[1])
from tui.config import Config
from tui.remote.actionlog import ActionLog
from tui.session import build_session
from tui.ui.app import PcmkConsoleApp
session = build_session(Config(), demo=True, log=ActionLog(sys.argv[2]))
app = PcmkConsoleApp(session, Config())
async def pilot(p):
    await app.refreshed.wait()
    await p.pause()
    print(time.time() - t_start)
    app.exit()
app.run(headless=True, size=(120, 40), auto_pilot=pilot)
"""


def bench_first_frame(runs: int) -> dict:
    times = []
    for i in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME, repr(time.time()), f"/tmp/pcmk-ui-bench-{os.getpid()}.jsonl"],
            cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]) * 1000)
    return {"runs": runs, "first_frame_ms_median": round(statistics.median(times), 1),
            "first_frame_ms_max": round(max(times), 1)}


def machine() -> str:
    try:
        distro = next(line.split("=", 1)[1].strip().strip('"') for line in
                      open("/etc/os-release") if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        distro = "?"
    return (f"{os.cpu_count()} cores ({platform.machine()}), {distro}, Python {platform.python_version()}, "
            f"load average at start {os.getloadavg()[0]:.2f} (shared machine)")


def main() -> None:
    base = generate()
    variants = [change_one_percent(base, s) for s in (1, 2, 3)]
    print(f"generated: {len(base.nodes)} nodes, {len(base.resources)} top-level resources, "
          f"{leaves(base)} primitives", file=sys.stderr)
    result = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "nodes": len(base.nodes), "resources": leaves(base)}
    result["apply_nodes_tab"] = asyncio.run(bench_apply(base, variants, "1", 10))
    result["apply_resources_tab"] = asyncio.run(bench_apply(base, variants, "2", 10))
    result["keys"] = asyncio.run(bench_keys(base, variants, 100, 0.25))
    result["demo"] = bench_first_frame(5)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
