"""`pcmk-console runs`: the journal's runs, newest first, terminal-safe; --json exact."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.hostile import ALL, raw_controls, short
from tui import cli
from tui.ops import journal
from tui.ops.events import PlanFinished, PlanStarted, PlanState, StepFinished, StepStarted, StepState


@dataclass(frozen=True)
class S:
    id: str
    title: str


@dataclass(frozen=True)
class P:
    title: str
    steps: tuple
    recipe: tuple | None = None


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # no config: the local target
    return tmp_path / "state"


def record(when, *, title="Put node rn1 into standby", cluster="east", demo=False, finish=None,
           steps=("a", "b"), done=1, failed_error=None):
    rid = journal.new_run_id(when)
    plan = P(title, tuple(S(s, f"step {s}") for s in steps), ("standby", {"node": "rn1"}))
    j = journal.Journal(plan, cluster=cluster, demo=demo)
    j(PlanStarted(rid, title, steps))
    for s in steps[:done]:
        j(StepStarted(rid, s, f"step {s}", "node1"))
        j(StepFinished(rid, s, StepState.DONE))
    if failed_error is not None:
        j(StepStarted(rid, steps[done], "x", "node1"))
        j(StepFinished(rid, steps[done], StepState.FAILED, error=failed_error))
    if finish is not None:
        j(PlanFinished(rid, finish, error=failed_error))
    j.close()
    return rid


def run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out


def test_lists_newest_first_with_when_cluster_state_and_steps(capsys):
    old = record(1_700_000_000.0, finish=PlanState.DONE, done=2)
    new = record(1_700_000_500.0, demo=True, cluster="demo-prod")  # interrupted: no end
    mid = record(1_700_000_100.0, finish=PlanState.FAILED, failed_error="exit 1")
    code, out = run(["runs"], capsys)
    assert code == 0, out.err
    lines = out.out.splitlines()
    assert [line.split()[0] for line in lines] == [new, mid, old]
    assert "demo-prod [DEMO]" in lines[0] and "interrupted" in lines[0] and "1/2 steps" in lines[0]
    assert "east" in lines[1] and "failed" in lines[1]
    assert "done" in lines[2] and "2/2 steps" in lines[2]
    from tui.pacemaker.when import at

    assert at(journal.load(old).started) in lines[2]


def test_limit_and_json(capsys):
    ids = [record(1_700_000_000.0 + i, finish=PlanState.DONE) for i in range(3)]
    code, out = run(["runs", "--json", "--limit", "2"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert [r["run_id"] for r in rows] == ids[::-1][:2]
    assert rows[0]["state"] == "done" and rows[0]["steps_total"] == 2
    assert rows[0]["recipe"] == {"name": "standby", "kwargs": {"node": "rn1"}}
    code, out = run(["runs", "--limit", "-1"], capsys)
    assert code == 2


def test_demo_and_cluster_select(capsys, tmp_path):
    demo = record(1_700_000_000.0, demo=True, cluster="demo-prod")
    east = record(1_700_000_001.0, cluster="east")
    code, out = run(["runs", "--demo"], capsys)
    assert code == 0 and demo in out.out and east not in out.out
    code, out = run(["--demo", "runs"], capsys)
    assert code == 0 and demo in out.out and east not in out.out


def test_one_run_shows_its_steps_states_and_errors(capsys):
    rid = record(1_700_000_000.0, steps=("a", "b", "c"), finish=PlanState.FAILED, failed_error="exit 1: no such node")
    code, out = run(["runs", rid], capsys)
    assert code == 0, out.err
    text = out.out
    assert "[done] step a" in text
    assert "[failed] step b" in text and "exit 1: no such node" in text
    assert "[pending] step c" in text
    assert f"pcmk-console apply --resume {rid}" in text
    code, out = run(["runs", rid, "--json"], capsys)
    data = json.loads(out.out)
    assert [s["state"] for s in data["steps"]] == ["done", "failed", "pending"]


def test_an_interrupted_step_is_said_to_maybe_have_run(capsys):
    rid = journal.new_run_id()
    j = journal.Journal(P("t", (S("a", "write the key"),)), cluster="east", demo=False)
    j(PlanStarted(rid, "t", ("a",)))
    j(StepStarted(rid, "a", "write the key", "node1"))
    j.close()
    code, out = run(["runs", rid], capsys)
    assert "[running] write the key" in out.out and "may or may not have taken effect" in out.out


def test_unknown_run_is_exit_2(capsys):
    code, out = run(["runs", "20200101T000000000000Z-00000000"], capsys)
    assert code == 2 and "no run 20200101T000000000000Z-00000000" in out.err
    code, out = run(["runs", "../../etc/passwd"], capsys)
    assert code == 2 and "not a run id" in out.err


def test_no_runs_yet(capsys):
    code, out = run(["runs"], capsys)
    assert code == 0 and "no runs recorded yet" in out.out


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_journal_strings_are_terminal_safe_and_json_exact(capsys, value):
    rid = journal.new_run_id()
    j = journal.Journal(P(value, (S(value, value),), ("standby", {"node": value})), cluster=value, demo=False)
    j(PlanStarted(rid, value, (value,)))
    j(StepStarted(rid, value, value, value))
    j(StepFinished(rid, value, StepState.FAILED, error=value))
    j(PlanFinished(rid, PlanState.FAILED, error=value, statement=value))
    j.close()
    for argv in (["runs"], ["runs", rid]):
        code, out = run(argv, capsys)
        assert code == 0
        assert raw_controls(out.out) == [], argv
    code, out = run(["runs", rid, "--json"], capsys)
    data = json.loads(out.out)
    assert out.out.isascii()
    assert data["title"] == value and data["cluster"] == value and data["steps"][0]["error"] == value
