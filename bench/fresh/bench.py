"""Goal 4 (issue 12): event-to-screen latency and cluster-node CPU, watcher vs 5 s polling.

Needs a running lab (`python -m tests.lab up --version 2|3`, as root). One run does both
parts, the two console modes side by side:

latency  Two headless consoles (the real PcmkConsoleApp around the real ClusterSession over
         SSH, refresh_interval 5) run at once against the same lab: "watch" (the status
         watcher on) and "poll" (watcher off: plain polling every 5 s). Each reports every
         applied refresh (apply_result: the snapshot the screen is handed) with its time. The
         bench makes one event at a time on the cluster (standby set on rn1; dummy-node1
         failed by `crm_resource --fail`; rn1 lost by SIGKILLing its pacemaker-remoted),
         notes the time just before the command, and takes for each mode the first applied
         refresh that shows it. A random 0–5 s wait before each event keeps the events out
         of step with the 5 s poll. Then it undoes the event and waits until both show that.
cpu      One console at a time, modes interleaved round by round: "none" (no console: the
         cluster's own baseline), "watch" (idle cluster, watcher live), "poll". Over a
         window, on node1: CPU ticks of the whole sshd process tree (utime+stime+cutime+
         cstime of every process in it: sessions, shells, cibadmin, crm_mon, the watcher;
         ended children are in their parent's cutime) and of each pacemaker daemon.
         Console-caused = sshd tree + daemons - the daemons' baseline (none).

    python bench/fresh/bench.py --version 2 [--events 20] [--window 60] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
DAEMONS = ("pacemakerd", "pacemaker-based", "pacemaker-fenced", "pacemaker-execd", "pacemaker-attrd",
           "pacemaker-schedulerd", "pacemaker-controld")
CLK_TCK = os.sysconf("SC_CLK_TCK")
STANDBY = ["crm_attribute", "--node", "rn1", "--name", "standby", "--update"]


# --- the console side (a child process per mode) ---------------------------------------------

def child(mode: str, config_path: str) -> None:
    from tui.config import load_config
    from tui.session import build_session
    from tui.ui.app import PcmkConsoleApp

    config = dataclasses.replace(load_config(config_path), refresh_interval=5.0)
    session = build_session(config)
    if mode == "poll":
        session.watch = None  # the app then polls, as for a session that cannot watch
    report_to = os.fdopen(os.dup(1), "w", buffering=1)  # Textual takes sys.stdout while it runs

    app = PcmkConsoleApp(session, config, cursor_blink=False)
    applied = app.apply_result

    def apply_result(result):  # the app's own, then one line about what the screen got
        applied(result)
        snap = result.snapshot
        rn1 = snap.node("rn1") if snap else None
        failed = bool(snap) and any(
            f.resource == "dummy-node1" or f.op_key.startswith("dummy-node1_") for f in snap.failures)
        print(json.dumps({"t": time.time(), "ok": result.error is None and rn1 is not None,
                          "standby": bool(rn1 and rn1.standby), "online": bool(rn1 and rn1.online),
                          "failed": failed, "failures": len(snap.failures) if snap else 0,
                          "unchanged": result.unchanged, "watch": app.watch_state}), file=report_to)

    app.apply_result = apply_result

    async def main() -> None:
        try:
            await app.run_async(headless=True, size=(160, 50))
        finally:
            await session.close()

    asyncio.run(main())


class Console:
    """A child console and what it reported."""

    def __init__(self, mode: str, config_path: Path) -> None:
        self.mode = mode
        self.proc = subprocess.Popen([sys.executable, __file__, "--child", mode, "--config", str(config_path)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     text=True, cwd=ROOT)
        self.reports: list[dict] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                report = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                self.reports.append(report)

    def first(self, since: float, predicate) -> dict | None:
        with self._lock:
            return next((r for r in self.reports if r["t"] >= since and r["ok"] and predicate(r)), None)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for(what: str, check, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(interval)
    raise TimeoutError(f"waited {timeout:g}s for {what}")


# --- latency ---------------------------------------------------------------------------------

KINDS = {
    # kind: (make it, what shows it, undo it, what shows it undone)
    "standby set": (lambda lab: lab.run_on("node1", [*STANDBY, "on"]), lambda r: r["standby"],
                    lambda lab: lab.run_on("node1", [*STANDBY, "off"]), lambda r: not r["standby"]),
    "resource failed": (lambda lab: lab.run_on("node1", ["crm_resource", "--fail", "--resource", "dummy-node1",
                                                         "--node", "node1"]),
                        lambda r: r["failed"],
                        lambda lab: lab.run_on("node1", ["crm_resource", "--cleanup", "--resource", "dummy-node1"]),
                        lambda r: not r["failed"]),
    "node lost": (lambda lab: lab.stop_remoted("rn1"), lambda r: not r["online"],
                  lambda lab: (lab.start_remoted("rn1"), wait_for("rn1 online", lambda: lab.status().node_up("rn1"), 90),
                               lab.run_on("node1", ["crm_resource", "--cleanup", "--resource", "rn1"])),
                  lambda r: r["online"] and r["failures"] == 0),
}


def latency(lab, consoles: list[Console], events: int, rng: random.Random) -> list[dict]:
    rows = []
    order = [kind for _ in range(events) for kind in KINDS]
    for n, kind in enumerate(order, 1):
        make, shows, undo, undone = KINDS[kind]
        time.sleep(rng.uniform(0, 5))
        at = time.time()
        make(lab)
        made = time.time()
        seen = {}
        for console in consoles:
            report = wait_for(f"{console.mode} to show {kind}", lambda c=console: c.first(at, shows), 30)
            seen[console.mode] = round(report["t"] - at, 4)
        rows.append({"kind": kind, "at": at, "command_s": round(made - at, 4), **seen})
        print(f"  {n:3d}/{len(order)} {kind:16s} " + "  ".join(f"{m} {s:6.3f}s" for m, s in seen.items()),
              file=sys.stderr)
        back = time.time()
        undo(lab)
        for console in consoles:
            wait_for(f"{console.mode} to show {kind} undone", lambda c=console: c.first(back, undone), 90)
    return rows


# --- cpu -------------------------------------------------------------------------------------

def node_ticks(lab) -> dict[str, int]:
    """CPU ticks on node1: the sshd tree (all of it) and each pacemaker daemon."""
    out = lab.run_on("node1", ["sh", "-c", "for f in /proc/[0-9]*/stat; do cat \"$f\" 2>/dev/null; echo; done"]).stdout
    procs = {}
    for line in out.splitlines():
        if ")" not in line:
            continue
        head, _, rest = line.rpartition(")")
        pid, comm = head.split(" (", 1)
        f = rest.split()
        procs[int(pid)] = (comm, int(f[1]), sum(int(x) for x in f[11:15]))  # ppid; utime..cstime
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    roots = [pid for pid, (comm, ppid, _) in procs.items() if comm == "sshd" and procs.get(ppid, ("",))[0] != "sshd"]
    ticks = {"sshd tree": 0}
    stack = list(roots)
    while stack:
        pid = stack.pop()
        ticks["sshd tree"] += procs[pid][2]
        stack.extend(children.get(pid, ()))
    for pid, (comm, _, t) in procs.items():
        name = next((d for d in DAEMONS if d.startswith(comm) and len(comm) >= 15 or d == comm), None)
        if name:
            ticks[name] = ticks.get(name, 0) + t
    return ticks


def cpu(lab, config_path: Path, window: float, rounds: int, settle: float) -> list[dict]:
    rows = []
    for r in range(rounds):
        for mode in ("none", "watch", "poll"):
            console = Console(mode, config_path) if mode != "none" else None
            if console:
                wait_for(f"{mode} console's first refresh", lambda: console.first(0, lambda x: True), 60)
                if mode == "watch":
                    wait_for("the watcher live", lambda: console.reports and console.reports[-1]["watch"] == "live"
                             or console.first(0, lambda x: x["watch"] == "live"), 30)
            time.sleep(settle)
            before, c0, t0 = node_ticks(lab), console.cpu_seconds() if console else 0.0, time.monotonic()
            refreshes0 = len(console.reports) if console else 0
            time.sleep(window)
            after, c1, t1 = node_ticks(lab), console.cpu_seconds() if console else 0.0, time.monotonic()
            refreshes = (len(console.reports) - refreshes0) if console else 0
            live = console.reports[-1]["watch"] if console and console.reports else None
            if console:
                console.stop()
            per_min = 60.0 / (t1 - t0)
            delta = {k: round((after.get(k, 0) - before.get(k, 0)) / CLK_TCK * per_min, 3) for k in after}
            rows.append({"round": r + 1, "mode": mode, "window_s": round(t1 - t0, 2), "cpu_s_per_min": delta,
                         "console_process_cpu_s_per_min": round((c1 - c0) * per_min, 3),
                         "applied_refreshes": refreshes, "watch_state_at_end": live})
            print(f"  round {r + 1} {mode:5s} " + json.dumps(delta), file=sys.stderr)
            time.sleep(3)  # the console's sessions end; sshd reaps them
    return rows


# --- the run ---------------------------------------------------------------------------------

def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    versions = {}
    for mod in ("textual", "asyncssh", "lxml"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            from importlib.metadata import version
            versions[mod] = version(mod)
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(), "python": platform.python_version(),
            **versions}


def summarize(rows: list[dict], cpu_rows: list[dict]) -> dict:
    out: dict = {"latency": {}, "cpu": {}}
    for kind in KINDS:
        for mode in ("watch", "poll"):
            values = [r[mode] for r in rows if r["kind"] == kind]
            if values:
                out["latency"][f"{kind} / {mode}"] = {"n": len(values), "p50": round(statistics.median(values), 3),
                                                      "max": round(max(values), 3)}
    base = [r for r in cpu_rows if r["mode"] == "none"]
    for mode in ("none", "watch", "poll"):
        mine = [r for r in cpu_rows if r["mode"] == mode]
        if not mine:
            continue
        keys = sorted({k for r in mine for k in r["cpu_s_per_min"]})
        mean = {k: round(statistics.mean(r["cpu_s_per_min"].get(k, 0) for r in mine), 3) for k in keys}
        daemons = sum(v for k, v in mean.items() if k != "sshd tree")
        base_daemons = statistics.mean(sum(v for k, v in r["cpu_s_per_min"].items() if k != "sshd tree")
                                       for r in base) if base else 0.0
        out["cpu"][mode] = {"mean_cpu_s_per_min": mean,
                            "console_caused_cpu_s_per_min": round(mean.get("sshd tree", 0) + daemons - base_daemons, 3),
                            "console_process_cpu_s_per_min": round(statistics.mean(
                                r["console_process_cpu_s_per_min"] for r in mine), 3)}
    return out


def report(paths: list[str]) -> str:
    """Markdown tables from result files (for RESULTS.md)."""
    out = []
    for path in paths:
        d = json.loads(Path(path).read_text())
        m = d["machine"]
        out.append(f"### {d['pacemaker']} ({Path(path).name})\n")
        out.append(f"{d['started_utc']} to {d['ended_utc']}; {m['cores']} cores, {m['cpu']}, kernel {m['kernel']}, "
                   f"Python {m['python']}, textual {m['textual']}, asyncssh {m['asyncssh']}; load average "
                   f"{' '.join(f'{x:.2f}' for x in d['load_start'])} at start, "
                   f"{' '.join(f'{x:.2f}' for x in d['load_end'])} at end.\n")
        lat = d["summary"]["latency"]
        if lat:
            out.append("| event | n | watcher p50 | watcher max | 5 s polling p50 | 5 s polling max |")
            out.append("| --- | --- | --- | --- | --- | --- |")
            for kind in KINDS:
                w, p = lat.get(f"{kind} / watch"), lat.get(f"{kind} / poll")
                if w and p:
                    out.append(f"| {kind} | {w['n']} | {w['p50']:.3f} s | {w['max']:.3f} s | {p['p50']:.3f} s | {p['max']:.3f} s |")
            out.append("")
        cpu_sum = d["summary"]["cpu"]
        if cpu_sum:
            windows = d["cpu_windows"]
            out.append("| mode | windows | sshd tree (sessions, shells, cibadmin, crm_mon) | pacemaker-based | "
                       "all pacemaker daemons | console-caused (tree + daemons - baseline daemons) | "
                       "refreshes applied per window |")
            out.append("| --- | --- | --- | --- | --- | --- | --- |")
            for mode, v in cpu_sum.items():
                mean = v["mean_cpu_s_per_min"]
                daemons = sum(x for k, x in mean.items() if k != "sshd tree")
                mine = [w for w in windows if w["mode"] == mode]
                out.append(f"| {mode} | {len(mine)} | {mean.get('sshd tree', 0):.3f} | {mean.get('pacemaker-based', 0):.3f} | "
                           f"{daemons:.3f} | {v['console_caused_cpu_s_per_min']:.3f} | "
                           f"{', '.join(str(w['applied_refreshes']) for w in mine)} |")
            out.append("\n(CPU seconds per minute on node1, 10 ms ticks.)\n")
    return "\n".join(out)


def main() -> int:
    if sys.argv[1:2] == ["--report"]:
        print(report(sys.argv[2:]))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", choices=("2", "3"), default="2")
    ap.add_argument("--events", type=int, default=20, help="events of each kind")
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--settle", type=float, default=10.0)
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--skip-cpu", action="store_true")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--child", choices=("watch", "poll"))
    ap.add_argument("--config")
    ap.add_argument("--out", help="result file (default results-pacemaker<version>.json beside this file)")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.config)
        return 0

    from tests.lab.lab import SPECS, Lab

    lab = Lab(SPECS[args.version], log=lambda m: None).attach()
    lab.ensure_healthy()
    result = {"started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
              "load_start": os.getloadavg(),
              "pacemaker": lab.run_on("node1", ["crm_mon", "--version"]).stdout.splitlines()[0],
              "args": {k: v for k, v in vars(args).items() if k not in ("child", "config", "out")}}
    rows: list[dict] = []
    if not args.skip_latency:
        print("latency (watch and poll side by side):", file=sys.stderr)
        consoles = [Console("watch", lab.config_path), Console("poll", lab.config_path)]
        try:
            for console in consoles:
                wait_for(f"{console.mode} console's first refresh", lambda c=console: c.first(0, lambda x: True), 60)
            wait_for("the watcher live", lambda: consoles[0].first(0, lambda x: x["watch"] == "live"), 30)
            time.sleep(3)
            rows = latency(lab, consoles, args.events, random.Random(args.seed))
        finally:
            for console in consoles:
                console.stop()
            lab.run_on("node1", [*STANDBY, "off"])
    cpu_rows: list[dict] = []
    if not args.skip_cpu:
        print("cpu (one console at a time, interleaved):", file=sys.stderr)
        lab.ensure_healthy()
        cpu_rows = cpu(lab, lab.config_path, args.window, args.rounds, args.settle)
    result.update({"ended_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_end": os.getloadavg(),
                   "summary": summarize(rows, cpu_rows), "latency_events": rows, "cpu_windows": cpu_rows})
    out = Path(args.out) if args.out else HERE / f"results-pacemaker{args.version}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))
    print(f"raw: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
