"""The journal (tui.ops.journal): one fsynced JSONL file per run, folded back into step states.

These drive the Journal with the engine's events directly (the contract of tui.ops.events),
so they hold whatever engine emits them.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass

import pytest

from tests.hostile import ALL, short
from tui.ops import journal
from tui.ops.events import (
    OutputLine,
    PlanFinished,
    PlanStarted,
    PlanState,
    StepFinished,
    StepSkipped,
    StepStarted,
    StepState,
    UndoFinished,
    UndoStarted,
    Waiting,
)
from tui.remote.secret import Secret


@dataclass(frozen=True)
class FakeStep:
    id: str
    title: str
    stdin: object = None


@dataclass(frozen=True)
class FakePlan:
    title: str
    steps: tuple
    recipe: tuple | None = None


PLAN = FakePlan("Put node rn1 into standby", (FakeStep("a", "first"), FakeStep("b", "second"), FakeStep("c", "third")),
                recipe=("standby", {"node": "rn1", "on": True}))


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def started(run_id, resumed=False):
    return PlanStarted(run_id, PLAN.title, ("a", "b", "c"), resumed=resumed)


def write_run(run_id, events, *, plan=PLAN, cluster="east", demo=False):
    j = journal.Journal(plan, cluster=cluster, demo=demo)
    for event in events:
        j(event)
    j.close()
    return j


def test_run_ids_sort_by_time_and_are_file_names():
    ids = [journal.new_run_id(t) for t in (1_700_000_000.5, 1_700_000_001.25, 1_800_000_000.0)]
    assert ids == sorted(ids)
    assert all(journal.valid_run_id(i) for i in ids)
    for bad in ("", "../x", ".hidden", "a/b", "x" * 101, "run id", "ü"):
        assert not journal.valid_run_id(bad)


def test_round_trip_header_events_and_states(state):
    rid = journal.new_run_id()
    write_run(rid, [
        started(rid),
        StepSkipped(rid, "a", "standby already on"),
        StepStarted(rid, "b", "second", "rn1"),
        OutputLine(rid, "b", "stdout", "hello"),
        Waiting(rid, "b", 1, 5, "not yet"),
        StepFinished(rid, "b", StepState.DONE, duration=0.1),
        StepStarted(rid, "c", "third", None),
        StepFinished(rid, "c", StepState.FAILED, error="exit 1: boom"),
        PlanFinished(rid, PlanState.FAILED, done=("a", "b"), not_done=("c",), error="step c failed",
                     statement="a, b done; c failed"),
    ])
    path = state / "runs" / f"{rid}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    head = lines[0]
    assert head["record"] == "run" and head["run_id"] == rid
    assert head["title"] == PLAN.title
    assert head["recipe"] == {"name": "standby", "kwargs": {"node": "rn1", "on": True}}
    assert head["cluster"] == "east" and head["demo"] is False
    assert head["steps"] == [{"id": "a", "title": "first"}, {"id": "b", "title": "second"}, {"id": "c", "title": "third"}]
    assert head["version"]
    # one record per event, each naming the run and (step events) the step
    assert [r["event"] for r in lines[1:]] == ["PlanStarted", "StepSkipped", "StepStarted", "OutputLine",
                                                "Waiting", "StepFinished", "StepStarted", "StepFinished",
                                                "PlanFinished"]
    assert all(r["run_id"] == rid for r in lines)
    assert all("step_id" in r for r in lines[2:-1])

    run = journal.load(rid)
    assert run.title == PLAN.title and run.recipe == ("standby", {"node": "rn1", "on": True})
    assert run.cluster == "east" and not run.demo
    assert [(s.id, s.state) for s in run.steps] == [("a", StepState.SKIPPED), ("b", StepState.DONE), ("c", StepState.FAILED)]
    assert run.step("c").error == "exit 1: boom"
    assert run.step("b").host == "rn1"
    assert run.step("a").skipped_because == "standby already on"
    assert run.state is PlanState.FAILED and run.state_word == "failed"
    assert run.steps_done == 2 and run.error == "step c failed"


def test_directory_and_files_are_private(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid)])
    assert stat.S_IMODE((state / "runs").stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "runs" / f"{rid}.jsonl").stat().st_mode) == 0o600


def test_a_group_readable_runs_directory_is_closed(state):
    (state / "runs").mkdir(parents=True, mode=0o755)
    os.chmod(state / "runs", 0o755)
    rid = journal.new_run_id()
    write_run(rid, [started(rid)])
    assert stat.S_IMODE((state / "runs").stat().st_mode) == 0o700


def test_every_event_is_fsynced_before_the_engine_goes_on(state, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(journal.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    rid = journal.new_run_id()
    j = journal.Journal(PLAN, cluster="east", demo=False)
    j(started(rid))
    before = len(synced)
    j(StepStarted(rid, "a", "first", None))
    assert len(synced) == before + 1
    # and it is on disk: a reader sees it now, while the run is in progress
    assert journal.load(rid).step("a").state is StepState.RUNNING
    every_state_event = [StepSkipped(rid, "b", "x"), Waiting(rid, "a", 1, 2, "no"),
                         StepFinished(rid, "a", StepState.DONE), UndoStarted(rid, "a", "first"),
                         UndoFinished(rid, "a", StepState.UNDONE), PlanFinished(rid, PlanState.UNDONE)]
    for event in every_state_event:
        before = len(synced)
        j(event)
        assert len(synced) == before + 1, event
    j.close()


def test_output_lines_share_the_next_fsync_but_are_written_at_once(state, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(journal.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    rid = journal.new_run_id()
    j = journal.Journal(PLAN, cluster="east", demo=False)
    j(started(rid))
    j(StepStarted(rid, "a", "first", None))
    before = len(synced)
    for n in range(100):
        j(OutputLine(rid, "a", "stdout", f"line {n}"))
    assert len(synced) == before  # a chatty command costs no fsync per line
    text = (state / "runs" / f"{rid}.jsonl").read_text()
    assert "line 99" in text  # in the file already: a killed console loses none of it
    j(StepFinished(rid, "a", StepState.DONE))
    assert len(synced) == before + 1
    j.close()


def test_no_plan_finished_is_interrupted_and_a_live_run_is_running(state):
    rid = journal.new_run_id()
    j = journal.Journal(PLAN, cluster="east", demo=False)
    j(started(rid))
    j(StepStarted(rid, "a", "first", None))
    live = journal.load(rid)
    assert live.state is PlanState.RUNNING and live.busy and live.state_word == "running"
    j.close()  # the console died: its lock went with it
    dead = journal.load(rid)
    assert dead.state is PlanState.RUNNING and dead.interrupted and dead.state_word == "interrupted"
    assert dead.step("a").state is StepState.RUNNING


def test_a_torn_last_line_is_skipped_and_a_resume_starts_on_a_fresh_line(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid), StepStarted(rid, "a", "first", None), StepFinished(rid, "a", StepState.DONE)])
    path = state / "runs" / f"{rid}.jsonl"
    with open(path, "ab") as f:
        f.write(b'{"record":"event","event":"StepStarted","run_id":"' + rid.encode() + b'","step_id":"b","ti')
    run = journal.load(rid)
    assert run.torn == 1
    assert run.step("a").state is StepState.DONE and run.step("b").state is StepState.PENDING
    assert run.interrupted

    j = journal.Journal.reopen(PLAN, rid, cluster="east", demo=False)
    j(started(rid, resumed=True))
    j(StepStarted(rid, "b", "second", None))
    j(StepFinished(rid, "b", StepState.DONE))
    j.close()
    run = journal.load(rid)
    assert run.torn == 1  # the torn line only; ours are whole
    assert run.resumes == 1
    assert run.step("b").state is StepState.DONE


def test_resumed_run_is_finished_by_its_second_plan_finished(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid), StepStarted(rid, "a", "first", None), StepFinished(rid, "a", StepState.FAILED, "x"),
                    PlanFinished(rid, PlanState.FAILED, error="x")])
    j = journal.Journal.reopen(PLAN, rid, cluster="east", demo=False)
    j(started(rid, resumed=True))
    assert journal.load(rid).state is PlanState.RUNNING  # resumed: in progress again
    for step in ("a", "b", "c"):
        j(StepStarted(rid, step, step, None))
        j(StepFinished(rid, step, StepState.DONE))
    j(PlanFinished(rid, PlanState.DONE, done=("a", "b", "c")))
    run = journal.load(rid)
    assert run.state is PlanState.DONE and run.steps_done == 3 and run.step("a").error is None


def test_undo_states(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid), StepStarted(rid, "a", "first", None), StepFinished(rid, "a", StepState.DONE),
                    StepStarted(rid, "b", "second", None), StepFinished(rid, "b", StepState.FAILED, "no"),
                    UndoStarted(rid, "a", "undo first"), UndoFinished(rid, "a", StepState.UNDONE),
                    PlanFinished(rid, PlanState.UNDONE)])
    run = journal.load(rid)
    assert run.step("a").state is StepState.UNDONE and run.state_word == "undone"


def test_a_plan_refused_before_it_started_leaves_no_run(state):
    journal.Journal(PLAN, cluster="east", demo=False).close()
    assert journal.runs() == []


def test_runs_newest_first_and_foreign_files_left_out(state):
    ids = [journal.new_run_id(t) for t in (1_700_000_000.0, 1_700_000_100.0, 1_700_000_050.0)]
    for rid in ids:
        write_run(rid, [started(rid)])
    (state / "runs" / "notes.txt").write_text("hi")
    (state / "runs" / "20200101T000000000000Z-deadbeef.jsonl").write_text("not json\n")
    assert [r.run_id for r in journal.runs()] == sorted(ids, reverse=True)


def test_unknown_or_malformed_run_id_is_a_clear_error(state):
    with pytest.raises(journal.JournalError, match="no run 20200101T000000000000Z-00000000"):
        journal.load("20200101T000000000000Z-00000000")
    with pytest.raises(journal.JournalError, match="not a run id"):
        journal.load("../../etc/passwd")


def test_two_consoles_cannot_resume_the_same_run(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid)])
    first = journal.Journal.reopen(PLAN, rid, cluster="east", demo=False)
    with pytest.raises(journal.RunBusy):
        journal.Journal.reopen(PLAN, rid, cluster="east", demo=False)
    first.close()
    journal.Journal.reopen(PLAN, rid, cluster="east", demo=False).close()


def test_a_run_id_is_never_reused(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid)])
    with pytest.raises(journal.JournalError, match="already has a journal"):
        write_run(rid, [started(rid)])


def test_output_is_kept_redacted(state):
    secret = Secret("s3cr3t-psk-value", "PSK")
    plan = FakePlan("p", (FakeStep("a", "write key", stdin=secret),))
    rid = journal.new_run_id()
    j = journal.Journal(plan, cluster="east", demo=False)
    j(PlanStarted(rid, "p", ("a",)))
    j(OutputLine(rid, "a", "stdout", "key is s3cr3t-psk-value"))
    j(OutputLine(rid, "a", "stdout", '<nvpair name="password" value="hunter2"/>'))
    j.close()
    text = (state / "runs" / f"{rid}.jsonl").read_text()
    assert "s3cr3t-psk-value" not in text and "hunter2" not in text
    assert "<PSK: redacted>" in text


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_strings_round_trip_exactly_and_the_file_is_ascii(state, value):
    plan = FakePlan(value, (FakeStep("a", value),), recipe=("standby", {"node": value}))
    rid = journal.new_run_id()
    j = journal.Journal(plan, cluster=value, demo=False)
    j(PlanStarted(rid, value, ("a",)))
    j(StepStarted(rid, "a", value, value))
    j(StepFinished(rid, "a", StepState.FAILED, error=value))
    j.close()
    raw = (state / "runs" / f"{rid}.jsonl").read_bytes()
    assert raw.isascii() and b"\x1b" not in raw
    run = journal.load(rid)
    assert run.title == value and run.cluster == value and run.recipe == ("standby", {"node": value})
    assert run.step("a").error == value and run.step("a").host == value


def test_an_undo_after_the_plan_finished_is_journalled_too(state):
    rid = journal.new_run_id()
    j = journal.Journal(PLAN, cluster="east", demo=False)
    for event in (started(rid), StepStarted(rid, "a", "first", None), StepFinished(rid, "a", StepState.DONE),
                  StepStarted(rid, "b", "second", None), StepFinished(rid, "b", StepState.FAILED, "no"),
                  PlanFinished(rid, PlanState.FAILED, error="no")):
        j(event)
    j.close()
    assert journal.load(rid).state is PlanState.FAILED
    j(UndoStarted(rid, "a", "first"))  # the user chose the undo afterwards
    j(UndoFinished(rid, "a", StepState.UNDONE))
    j(PlanFinished(rid, PlanState.UNDONE))
    j.close()
    run = journal.load(rid)
    assert run.state is PlanState.UNDONE and run.step("a").state is StepState.UNDONE


def test_a_continuing_journal_appends_to_its_run_or_makes_one(state):
    rid = journal.new_run_id()
    write_run(rid, [started(rid), StepStarted(rid, "a", "first", None), StepFinished(rid, "a", StepState.DONE),
                    PlanFinished(rid, PlanState.FAILED)])
    j = journal.Journal.continuing(PLAN, rid, cluster="east", demo=False)
    j(UndoStarted(rid, "a", "first"))
    j(UndoFinished(rid, "a", StepState.UNDONE))
    j(PlanFinished(rid, PlanState.UNDONE))
    j.close()
    assert journal.load(rid).state is PlanState.UNDONE
    other = journal.new_run_id()  # a run whose journal is gone: made afresh, header first
    j = journal.Journal.continuing(PLAN, other, cluster="east", demo=False)
    j(UndoStarted(other, "a", "first"))
    j.close()
    assert journal.load(other).title == PLAN.title


def test_the_run_keeps_the_plan_as_it_was_confirmed_without_its_secrets(state):
    """The header holds the one renderer's text (tui.ops.render) with the host named; a
    secret input is named there, never its bytes; `runs RUN_ID` shows it."""
    from tui.headless.runs import render_one
    from tui.ops.plan import Plan, RunStep, WriteFileStep
    from tui.ops.render import render_plan

    key = Secret(b"k3y-bytes-\x00\x01", "the authkey")
    plan = Plan("Copy the key", (
        RunStep("Put rn1 into standby", ("crm_attribute", "--node", "rn1", "--name", "standby", "--update", "on")),
        WriteFileStep("Write the key", path="/etc/pacemaker/authkey", content=key, owner="hacluster",
                      group="haclient", mode=0o400, host="rn3"),
    ))
    rid = journal.new_run_id()
    j = journal.Journal(plan, cluster="east", demo=False, default_host="node2")
    j(PlanStarted(rid, plan.title, tuple(s.id for s in plan.steps)))
    j(PlanFinished(rid, PlanState.DONE, done=tuple(s.id for s in plan.steps)))
    j.close()
    raw = (state / "runs" / f"{rid}.jsonl").read_bytes()
    assert b"k3y-bytes" not in raw
    run = journal.load(rid)
    assert run.plan_text == render_plan(plan, "node2")
    assert "[node2] $ crm_attribute --node rn1" in run.plan_text
    assert "[rn3] write /etc/pacemaker/authkey (hacluster:haclient 0400)" in run.plan_text
    assert run.as_dict()["plan"] == run.plan_text
    shown = render_one(run)
    assert "the plan as it was confirmed:" in shown and "[rn3] write /etc/pacemaker/authkey" in shown
    assert "k3y-bytes" not in shown


def test_a_plan_whose_title_is_hostile_is_journalled_terminal_safe(state):
    from tui.headless.runs import render_one
    from tui.ops.plan import Plan, RunStep
    from tui.plaintext import is_safe

    for value in ALL:
        plan = Plan(f"t {short(value)}", (RunStep(f"s {short(value)}", ("echo", value)),))
        rid = journal.new_run_id()
        j = journal.Journal(plan, cluster="east", demo=False, default_host=value)
        j(PlanStarted(rid, plan.title, tuple(s.id for s in plan.steps)))
        j.close()
        shown = render_one(journal.load(rid))
        assert all(is_safe(line) for line in shown.splitlines()), repr(value)


def test_what_a_step_saw_when_it_ended_is_kept_and_shown_by_runs(state):
    from tui.headless.runs import render_one

    rid = journal.new_run_id()
    write_run(rid, [
        started(rid),
        StepStarted(rid, "a", "first", None),
        StepFinished(rid, "a", StepState.DONE, detail="rn1 offline 7.8 s, gn1 offline 6.1 s"),
        StepStarted(rid, "b", "second", None),
        StepFinished(rid, "b", StepState.FAILED, error="exit 1: boom", detail="not shown: it failed"),
        PlanFinished(rid, PlanState.FAILED, done=("a",), not_done=("b", "c"), error="b failed", statement=""),
    ])
    run = journal.load(rid)
    assert run.step("a").detail == "rn1 offline 7.8 s, gn1 offline 6.1 s"
    text = render_one(run)
    assert "       saw: rn1 offline 7.8 s, gn1 offline 6.1 s" in text
    assert "not shown" not in text and "error: exit 1: boom" in text
