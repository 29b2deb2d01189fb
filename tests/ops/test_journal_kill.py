"""The console SIGKILLed mid-plan, then `apply --resume RUN_ID --yes`: the same end state as a
run that was never interrupted, and no step that changes something ran twice.

The console runs for real (`python -m tests.ops.test_journal_kill ARGS` is `pcmk-console
ARGS`) with two test-only additions, made here and nowhere in the product:

- the demo keeps its state across processes, as a real cluster does: every command that
  changed the simulated cluster is appended to a file (PCMK_TEST_DEMO_STATE) and replayed on
  the fresh simulator of the next process. Its node attributes and cluster options at exit
  are written to PCMK_TEST_FINGERPRINT: the end state compared.
- `apply standby NODE` runs the recipe `test-gated` (PCMK_TEST_GATE set): a change with no
  done probe, a change with one, a local step that waits until the gate file exists (the
  test kills the console there, deterministically: once the journal says that step started),
  and a last change with no done probe.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPE = "test-gated"
STEP_IDS = ("standby-node1", "maintenance-node2", "gate", "standby-node3")


# --- the test-only recipe and the persistent demo (the console side) ------------------------


def gated(gate: str) -> "object":
    from tui.ops import actions
    from tui.ops.plan import LocalStep, Plan, Probe, RunStep
    from tui.pacemaker import commands

    async def wait_for_gate(context: dict) -> bytes:
        while not os.path.exists(gate):
            await asyncio.sleep(0.02)
        return b"open"

    query = ("crm_attribute", "--node", "node2", "--name", "maintenance", "--query", "--quiet")
    return Plan("Gated test plan", (
        RunStep(id="standby-node1", title="standby node1 (no done probe)", argv=commands.node_standby("node1", True)),
        RunStep(id="maintenance-node2", title="maintenance on node2 (done probe)",
                argv=commands.node_maintenance("node2", True), done=Probe(query, actions.is_on, "already on")),
        LocalStep(id="gate", title="wait for the gate file", run=wait_for_gate),
        RunStep(id="standby-node3", title="standby node3 (no done probe)", argv=commands.node_standby("node3", True)),
    ), recipe=(RECIPE, {"gate": gate}))


def register_recipe() -> None:
    from tui.ops import recipes

    recipes.register(RECIPE, gated)


def _fingerprint(state) -> dict:
    return {"nodes": {name: dict(node.attrs) for name, node in sorted(state.nodes.items())},
            "crm_config": dict(state.crm_config)}


def persistent_demo(store: Path, fingerprint: Path) -> None:
    """Replay the recorded changes on each new simulator; record the new ones."""
    import atexit

    import tui.sim.transport as transport

    real = transport.execute
    seen: dict[int, object] = {}

    def execute(state, host, argv, *more):  # more: stdin, when the simulator takes it
        if id(state) not in seen:
            seen[id(state)] = state
            if store.exists():
                for line in store.read_text().splitlines():
                    change = json.loads(line)
                    real(state, change["host"], tuple(change["argv"]), *(bytes.fromhex(m) for m in change["more"]))
        before = _fingerprint(state)
        result = real(state, host, argv, *more)
        if _fingerprint(state) != before:
            with open(store, "a") as f:
                f.write(json.dumps({"host": host, "argv": list(argv), "more": [bytes(m).hex() for m in more]}) + "\n")
                f.flush()
                os.fsync(f.fileno())
        return result

    transport.execute = execute

    def write_fingerprint() -> None:
        for state in seen.values():
            fingerprint.write_text(json.dumps(_fingerprint(state), sort_keys=True))

    atexit.register(write_fingerprint)


def console_main() -> int:
    register_recipe()
    persistent_demo(Path(os.environ["PCMK_TEST_DEMO_STATE"]), Path(os.environ["PCMK_TEST_FINGERPRINT"]))
    import tui.headless.actions as headless_actions

    def plan_from_args(args):
        return gated(os.environ["PCMK_TEST_GATE"])

    headless_actions.plan_from_args = plan_from_args
    from tui.cli import main

    return main(sys.argv[1:])


# --- the test -------------------------------------------------------------------------------


class Console:
    def __init__(self, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        self.state = where / "state"
        self.gate = where / "gate"
        self.fingerprint = where / "fingerprint.json"
        self.env = dict(os.environ, PCMK_CONSOLE_STATE_DIR=str(self.state),
                        XDG_CONFIG_HOME=str(where / "cfg"), PCMK_TEST_GATE=str(self.gate),
                        PCMK_TEST_DEMO_STATE=str(where / "demo-changes.jsonl"),
                        PCMK_TEST_FINGERPRINT=str(self.fingerprint), PYTHONPATH=str(ROOT))

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tests.ops.test_journal_kill", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(*args), env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), env=self.env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)

    def journal_records(self) -> list[dict]:
        runs = list((self.state / "runs").glob("*.jsonl")) if (self.state / "runs").is_dir() else []
        if not runs:
            return []
        assert len(runs) == 1, runs
        from tui.ops.journal import read_records

        return read_records(runs[0])[0]

    def mutations(self) -> list[tuple[str, ...]]:
        from tui.remote.actionlog import ActionLog

        log = ActionLog(self.state / "actions.jsonl")
        return [tuple(r.get("argv")) for r in log.records() if r.get("mutates")]


def wait_until(condition, what: str, bound: float = 60.0):
    # a bound on a hung console, not a timing the test depends on
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}")


APPLY = ("--demo", "apply", "standby", "node1", "--yes")


def test_sigkill_mid_plan_then_resume_reaches_the_same_end_state(tmp_path):
    from tui.ops import journal
    from tui.ops.events import PlanState, StepState

    # the run nobody interrupted
    whole = Console(tmp_path / "whole")
    whole.gate.touch()
    done = whole.run(*APPLY)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = json.loads(whole.fingerprint.read_text())
    assert expected["nodes"]["node1"].get("standby") == "on"
    assert expected["nodes"]["node3"].get("standby") == "on"

    # the same plan, SIGKILLed while its third step runs
    cut = Console(tmp_path / "cut")
    console = cut.start(*APPLY)
    try:
        wait_until(lambda: any(r.get("event") == "StepStarted" and r.get("step_id") == "gate"
                               for r in cut.journal_records()), "the journal to record the gate step starting")
    finally:
        console.send_signal(signal.SIGKILL)
        console.communicate(timeout=30)
    assert console.returncode == -signal.SIGKILL
    run_id = cut.journal_records()[0]["run_id"]
    killed = journal.load(run_id, cut.state)
    assert killed.state_word == "interrupted"
    assert [s.state for s in killed.steps] == [StepState.DONE, StepState.DONE, StepState.RUNNING, StepState.PENDING]
    listing = cut.run("runs")
    assert run_id in listing.stdout and "interrupted" in listing.stdout and "2/4 steps" in listing.stdout

    # resumed: same run id, same journal file, the done change without a probe not run again
    cut.gate.touch()
    resumed = cut.run("--demo", "apply", "--resume", run_id, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(cut.fingerprint.read_text()) == expected

    records = cut.journal_records()
    assert {r["run_id"] for r in records} == {run_id}
    starts = [r for r in records if r.get("event") == "PlanStarted"]
    assert [s["resumed"] for s in starts] == [False, True]
    after = records[records.index(starts[1]):]
    skipped = {r["step_id"]: r["reason"] for r in after if r.get("event") == "StepSkipped"}
    assert "journal" in skipped["standby-node1"]  # the journal is its only witness
    assert skipped["maintenance-node2"] == "already on"  # re-probed: the cluster says done
    assert [r["step_id"] for r in after if r.get("event") == "StepStarted"] == ["gate", "standby-node3"]
    assert after[-1]["event"] == "PlanFinished" and after[-1]["state"] == PlanState.DONE.value

    # every change ran once, across the killed console and the resumed one
    from tui.pacemaker import commands

    changes = cut.mutations()
    assert changes.count(commands.node_standby("node1", True)) == 1
    assert changes.count(commands.node_maintenance("node2", True)) == 1
    assert changes.count(commands.node_standby("node3", True)) == 1
    assert sorted(changes) == sorted(whole.mutations())

    shown = cut.run("runs", run_id)
    assert "state: done" in shown.stdout and "4 of 4 steps done" in shown.stdout


if __name__ == "__main__":
    raise SystemExit(console_main())
