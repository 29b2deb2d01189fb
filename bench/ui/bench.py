"""UI benchmark: does the event loop stall while a big cluster refreshes every 0.25 s?

Sizes: XL = 32 cluster + 2,000 remote nodes + 20,000 resources; M = 8 + 100 + 1,000.
Modes:
  ui        prebuilt snapshots (the model built in-process, each refresh 1% different):
            only the UI's own work (apply into the tables, frames) is on the loop;
  pipeline  the real refresh path: a real ClusterSession whose fake transport returns the
            refresh script's output (crm_mon XML rendered by the real `crm_mon` from a CIB of
            bench/status_model/gen_cib.py, plus that CIB's configuration); each refresh
            toggles 1% of the nodes' standby and of the resources' managed flag in the XML,
            so every refresh is parsed, joined, redacted and diffed.
Contenders: `new` = this working tree, `old` = a git ref (default HEAD) exported with
`git archive` into a temp dir (nothing checked out); each session is one child process
(`--child`), and the contenders alternate round by round, so load changes hit both.

Per session (headless `App.run_test`, 200x50, Nodes tab, refresh_interval 0.25 s): key
latency of down/up presses in the cluster node table (~30 presses a second), and the
event-loop stalls (bench/ui/stallmeter.py) over the whole session (first load included) and
over the key phase alone.

Run: .venv/bin/python bench/ui/bench.py [--sizes XL,M] [--modes ui,pipeline] [--rounds 2]
     [--old HEAD] [--presses 120] [--out bench/ui/results.json]
Needs crm_mon for the pipeline mode (its XL output is rendered once and kept in --workdir:
crm_mon takes about a minute at XL).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SIZE = (200, 50)
SIZES = {"XL": (32, 2000, 20000), "M": (8, 100, 1000)}
CHUNK = 256 << 10  # the fake transport delivers its output in pieces, as a connection does


# --- prebuilt snapshots (mode "ui") --------------------------------------------------------


def generate(cluster_n: int, remote_n: int, resources_n: int):
    from tui.pacemaker.model import Node, NodeKind, Resource, ResourceKind, Snapshot, Summary

    def prim(rid, node, agent="ocf:pacemaker:Dummy", active=True):
        return Resource(rid, ResourceKind.PRIMITIVE, agent=agent, role="Started" if active else "Stopped",
                        active=active, nodes=(node,) if active else ())

    cluster = [f"node{i:02d}" for i in range(1, cluster_n + 1)]
    nodes = [Node(n, str(i), NodeKind.CLUSTER, online=True, is_dc=(i == 0), feature_set="3.16.2",
                  resources_running=0) for i, n in enumerate(cluster)]
    resources: list = []
    for i in range(remote_n):
        name, host = f"rem{i:04d}", cluster[i % cluster_n]
        nodes.append(Node(name, name, NodeKind.REMOTE, online=True, connection_resource=name,
                          host=host, address=f"10.{i // 250}.{i % 250}.1", port=3121,
                          reconnect_interval="60s", resources_running=9))
        resources.append(prim(name, host, "ocf:pacemaker:remote"))
    # the rest: 6% of the resources in groups of 5, the others alone, over the remotes
    groups = resources_n * 6 // 100
    i, count = 0, len(resources)
    while count < resources_n:
        node = f"rem{i % remote_n:04d}"
        if i < groups:
            children = tuple(prim(f"g{i:04d}-r{k}", node) for k in range(5))
            resources.append(Resource(f"grp{i:04d}", ResourceKind.GROUP, children=children))
            count += 5
        else:
            resources.append(prim(f"app{i:05d}", node))
            count += 1
        i += 1
    summary = Summary(stack="corosync", dc=cluster[0], dc_version="2.1.5", with_quorum=True,
                      nodes_configured=len(nodes), resources_configured=resources_n)
    return Snapshot(summary, tuple(nodes), tuple(resources), pacemaker_version="2.1.5")


def change_one_percent(snapshot, salt: int):
    """1% of the nodes go standby/back and 1% of the top-level resources stop/start."""
    nodes = list(snapshot.nodes)
    for k in range(max(1, len(nodes) // 100)):
        j = (k * 101 + salt) % len(nodes)
        nodes[j] = dataclasses.replace(nodes[j], standby=not nodes[j].standby)
    resources = list(snapshot.resources)
    for k in range(max(1, len(resources) // 100)):
        j = (k * 97 + salt) % len(resources)
        r = resources[j]
        target = r.children[0] if r.children else r
        flipped = dataclasses.replace(target, active=not target.active,
                                      role="Stopped" if target.active else "Started",
                                      nodes=() if target.active else (resources[0].nodes or ("rem0000",)))
        resources[j] = dataclasses.replace(r, children=(flipped, *r.children[1:])) if r.children else flipped
    return dataclasses.replace(snapshot, nodes=tuple(nodes), resources=tuple(resources))


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: object
    snapshot: object
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


# --- the real pipeline (mode "pipeline") ---------------------------------------------------


def status_model_module(name: str):
    """A module of bench/status_model, loaded by path: this file is itself called bench.py,
    which hides the bench package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "status_model" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crm_mon_output(size: str, workdir: Path) -> tuple[str, str]:
    """(crm_mon XML, CIB configuration XML) of the size's generated CIB; rendered once."""
    from lxml import etree

    generate_cib = status_model_module("gen_cib").generate

    workdir.mkdir(parents=True, exist_ok=True)
    cib_path, xml_path = workdir / f"cib-{size}.xml", workdir / f"crm_mon-{size}.xml"
    if not xml_path.exists():
        cib_path.write_text(generate_cib(*SIZES[size]))
        out = subprocess.run(["crm_mon", "-1", "--inactive", "--output-as=xml"], capture_output=True,
                             check=True, env=dict(os.environ, CIB_file=str(cib_path))).stdout
        xml_path.write_bytes(out)
    config = etree.tostring(etree.parse(str(cib_path)).getroot().find("configuration")).decode()
    return xml_path.read_text(), config


class FakeTransport:
    """Answers the refresh script with the next prepared output, streamed in chunks."""

    def __init__(self, host: str, bodies: list[tuple[bytes, bytes, bytes]], counter: list[int]) -> None:
        self.host, self.bodies, self.counter = host, bodies, counter

    async def run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None, **_):
        from tui.pacemaker.refresh import nonce_of
        from tui.remote.transport import CommandResult

        nonce = nonce_of(tuple(argv))
        version, crm, config = self.bodies[self.counter[0] % len(self.bodies)]
        self.counter[0] += 1
        head = lambda name: f"\n@@{nonce} {name} rc=0\n".encode()  # noqa: E731 - format_section's frame
        data = b"".join((head("cib-version"), version, b"\n", head("crm_mon"), crm, b"\n",
                         head("cib-configuration"), config, b"\n"))
        started = time.time()
        if on_output is None:
            return CommandResult(self.host, tuple(argv), 0, data, b"", started=started)
        for i in range(0, len(data), CHUNK):
            on_output("stdout", data[i:i + CHUNK])
            await asyncio.sleep(0)
        return CommandResult(self.host, tuple(argv), 0, b"", b"", started=started)

    async def close(self) -> None:
        pass


def pipeline_session(size: str, workdir: Path):
    from tui.config import ClusterConfig, NodeConfig
    from tui.remote.pool import WorkerPool
    from tui.session import ClusterSession

    crm, config = crm_mon_output(size, workdir)
    vary = status_model_module("vary").vary
    bodies = []
    for salt in range(3):
        version = f'<cib epoch="{100 + salt}" num_updates="1" admin_epoch="0"/>'
        bodies.append((version.encode(), vary(crm, salt).encode(), config.encode()))
    counter = [0]
    cluster = ClusterConfig(name="bench", nodes=(NodeConfig(name="node1", host="node1"),))
    pool = WorkerPool(lambda host: FakeTransport(host, bodies, counter), None, read_only=True,
                      cluster="bench", transport_kind="fake")
    session = ClusterSession(cluster, pool, None, read_only=True)
    return session, counter


# --- one session (a child process) ---------------------------------------------------------


class Config:
    refresh_interval = 0.25
    theme = "pcmk-dark"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run_session(size: str, mode: str, presses: int, workdir: Path) -> dict:
    from textual import events

    from stallmeter import StallMeter
    from tui.ui.app import PcmkConsoleApp

    if mode == "ui":
        base = generate(*SIZES[size])
        session = AlternatingSession([base, *(change_one_percent(base, s) for s in (1, 2, 3))])
        counter = None
    else:
        session, counter = pipeline_session(size, workdir)

    def refreshes() -> int:
        return session.count if counter is None else counter[0]

    cluster_rows = SIZES[size][0]
    app = PcmkConsoleApp(session, Config(), cursor_blink=False)
    whole, keys = StallMeter(), StallMeter()
    latencies = []
    gc_pauses: list[tuple[int, float]] = []  # (generation, seconds): where a stall may come from
    gc_started = [0.0]

    def gc_timer(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    gc.callbacks.append(gc_timer)
    async with app.run_test(size=SIZE) as pilot:
        whole.start()
        t0 = time.perf_counter()
        await asyncio.wait_for(app.refreshed.wait(), 300)
        table = app._main().query_one("#cluster-nodes")
        while table.row_count < cluster_rows:  # a sliced apply may still be filling it
            await asyncio.sleep(0.005)
        await pilot.pause()
        first_load = (time.perf_counter() - t0) * 1000
        table.focus()
        await pilot.pause()
        keys.start()
        before_count = refreshes()
        step = 1
        for i in range(presses):
            if not 0 <= table.cursor_row + step < table.row_count:
                step = -step  # bounce between the first and the last row
            key = "down" if step > 0 else "up"
            before = table.cursor_row
            t1 = time.perf_counter()
            app.post_message(events.Key(key, None))
            while table.cursor_row == before:
                await asyncio.sleep(0.0005)
            latencies.append((time.perf_counter() - t1) * 1000)
            await asyncio.sleep(0.03)  # a user pressing ~30 keys a second
        during = refreshes() - before_count
        key_stalls = await keys.stop()
        session_stalls = await whole.stop()
        app.exit()
    return {"size": size, "mode": mode, "presses": presses, "refreshes_during": during,
            "first_load_ms": round(first_load, 1),
            "latency_ms_p50": round(pct(latencies, 50), 1), "latency_ms_p95": round(pct(latencies, 95), 1),
            "latency_ms_max": round(max(latencies), 1),
            "stall_session": session_stalls.as_dict(), "stall_keys": key_stalls.as_dict(),
            "gc_collections": len(gc_pauses), "gc_gen2": sum(1 for g, _ in gc_pauses if g == 2),
            "gc_longest_ms": round(max((d for _, d in gc_pauses), default=0) * 1000, 1),
            "gc_total_ms": round(sum(d for _, d in gc_pauses) * 1000, 1)}


def child(args) -> None:
    sys.path.insert(0, str(HERE))  # stallmeter
    sys.path.insert(0, args.tree)  # the contender's tui package first
    result = asyncio.run(run_session(args.size, args.mode, args.presses, Path(args.workdir)))
    import tui

    result["tui_from"] = str(Path(tui.__file__).parent)
    print("RESULT " + json.dumps(result))


# --- the parent: contenders side by side ---------------------------------------------------


def export_old(ref: str) -> Path:
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    target = Path(tempfile.gettempdir()) / f"pcmk-ui-bench-{sha}"
    if not (target / "tui").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha, "tui", "themes"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def machine() -> dict:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        distro = next(line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release")
                      if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        distro = "?"
    import lxml.etree
    import textual

    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "os": distro,
            "python": platform.python_version(), "textual": textual.__version__,
            "lxml": ".".join(map(str, lxml.etree.LXML_VERSION))}


def run_child(tree: Path, size: str, mode: str, presses: int, workdir: str) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--tree", str(tree),
                          "--size", size, "--mode", mode, "--presses", str(presses), "--workdir", workdir],
                         cwd=ROOT, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return {"size": size, "mode": mode, "error": (out.stderr or out.stdout)[-2000:]}
    return json.loads(line[len("RESULT "):])


def summary_table(runs: list[dict]) -> str:
    lines = ["| size | mode | code | refreshes | key p50 ms | key p95 ms | key max ms | longest stall ms (session) "
             "| stalls > 100 ms | longest stall ms (keys) | first load ms |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        if "error" in r:
            lines.append(f"| {r['size']} | {r['mode']} | {r['contender']} | error | | | | | | | |")
            continue
        s, k = r["stall_session"], r["stall_keys"]
        lines.append(f"| {r['size']} | {r['mode']} | {r['contender']} | {r['refreshes_during']} "
                     f"| {r['latency_ms_p50']} | {r['latency_ms_p95']} | {r['latency_ms_max']} "
                     f"| {s['longest_ms']} | {s['over_threshold']} | {k['longest_ms']} | {r['first_load_ms']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="XL,M")
    parser.add_argument("--modes", default="ui,pipeline")
    parser.add_argument("--contenders", default="old,new")
    parser.add_argument("--old", default="HEAD", help="git ref of the `old` contender")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--presses", type=int, default=120)
    parser.add_argument("--workdir", default="/tmp/pcmk-bench")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    trees = {"new": ROOT}
    contenders = args.contenders.split(",")
    if "old" in contenders:
        trees["old"] = export_old(args.old)
    result = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
              "load_start": os.getloadavg(), "old_ref": args.old, "runs": []}
    for size in args.sizes.split(","):
        for mode in args.modes.split(","):
            for rnd in range(args.rounds):
                order = contenders if rnd % 2 == 0 else contenders[::-1]
                for name in order:
                    run = run_child(trees[name], size, mode, args.presses, args.workdir)
                    run.update(contender=name, round=rnd, load=os.getloadavg()[0])
                    result["runs"].append(run)
                    print(json.dumps(run), file=sys.stderr, flush=True)
    result["ended"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    result["load_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(summary_table(result["runs"]))


if __name__ == "__main__":
    main()
