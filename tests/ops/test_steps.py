"""Each step kind run for real, through a WorkerPool with an action log: on this machine
(LocalTransport) and through the real sshd on loopback. Paths live in tmp_path; the tests run
as root, so files are root's."""

from __future__ import annotations

import asyncio
import json
import os
import random
import stat
import time
from pathlib import Path

import pytest

from tests.remote.conftest import pgrep
from tui.ops import files
from tui.ops.engine import run_plan, undo_steps
from tui.ops.events import (
    OutputLine,
    PlanFinished,
    PlanState,
    StepFinished,
    StepSkipped,
    StepStarted,
    StepState,
    UndoFinished,
    Waiting,
)
from tui.ops.plan import (
    CheckStep,
    EnvFileStep,
    LocalStep,
    Plan,
    Probe,
    ReadSecretStep,
    Ref,
    RunStep,
    Verdict,
    WaitStep,
    WriteFileStep,
)
from tui.remote.secret import Secret
from tui.remote.transport import ReadOnlyError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="writes files owned by root:root")


async def run(plan, pool, **kwargs):
    events = kwargs.pop("events", [])
    result = await run_plan(plan, pool, default_host="h", read_only=kwargs.pop("read_only", False),
                            listeners=[events.append], **kwargs)
    return result, events


def owner_mode(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def records(pool) -> list[dict]:
    if not pool.log.path.exists():
        return []
    return [json.loads(line) for line in pool.log.path.read_text().splitlines()]


def sleeper() -> tuple[list[str], str]:
    seconds = f"{random.randint(500, 900)}.{random.randint(100000, 999999)}"
    return ["sleep", seconds], f"^sleep {seconds}$"


async def gone(pattern: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not pgrep(pattern):
            return True
        await asyncio.sleep(0.05)
    return not pgrep(pattern)


# --- write a file ---------------------------------------------------------------------------------

async def test_write_file_sets_content_owner_mode_keeps_a_backup_and_undo_restores(pool, tmp_path):
    target = tmp_path / "etc" / "pacemaker" / "authkey"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old key\n")
    target.chmod(0o644)
    step = WriteFileStep("Install the authkey", str(target), Secret(b"NEW-SECRET-KEY", "authkey"),
                         owner="root", group="root", mode=0o400)
    plan = Plan("p", (step,))
    result, events = await run(plan, pool)
    assert result.ok, result.summary()
    assert target.read_bytes() == b"NEW-SECRET-KEY"
    assert owner_mode(target) == (0, 0, 0o400)
    backup = Path(files.backup_path(str(target), result.run_id))
    assert backup.read_bytes() == b"old key\n" and stat.S_IMODE(backup.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([target.name, backup.name])  # no temp file left
    # the secret reached nothing that is kept
    state = tmp_path / "state"
    assert all(b"NEW-SECRET-KEY" not in p.read_bytes() for p in state.rglob("*") if p.is_file())
    assert result.undo_offered == (plan.steps[0].id,)
    undone = await undo_steps(result, pool, default_host="h", read_only=False)
    assert undone.state is PlanState.UNDONE
    assert target.read_bytes() == b"old key\n" and owner_mode(target) == (0, 0, 0o644)


async def test_write_a_new_file_makes_its_directory_and_undo_removes_it(pool, tmp_path):
    target = tmp_path / "new" / "dir" / "file.conf"
    result, _ = await run(Plan("p", (WriteFileStep("w", str(target), b"x=1\n", mode=0o640),)), pool)
    assert result.ok, result.summary()
    assert target.read_bytes() == b"x=1\n" and owner_mode(target) == (0, 0, 0o640)
    await undo_steps(result, pool, default_host="h", read_only=False)
    assert not target.exists()


async def test_write_file_is_skipped_when_content_owner_and_mode_are_there(pool, tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"same")
    target.chmod(0o600)
    plan = Plan("p", (WriteFileStep("w", str(target), b"same", mode=0o600),))
    result, events = await run(plan, pool)
    assert result.outcomes[0].state is StepState.SKIPPED
    assert [type(e) for e in events] == [type(events[0]), StepSkipped, PlanFinished]
    assert not any(r.get("mutates") for r in records(pool) if r.get("event") == "started")
    # another mode is not "done"
    target.chmod(0o644)
    result, _ = await run(plan, pool)
    assert result.outcomes[0].state is StepState.DONE and owner_mode(target)[2] == 0o600


async def test_write_file_takes_its_content_from_a_local_step(pool, tmp_path):
    target = tmp_path / "cert.pem"

    def sign(context):
        return b"-----BEGIN CERTIFICATE-----\nsigned for " + context["who"].encode() + b"\n"

    plan = Plan("p", (LocalStep("Sign the CSR", sign, output="cert"),
                      WriteFileStep("Install it", str(target), Ref("cert"))))
    result = await run_plan(plan, pool, default_host="h", read_only=False, context={"who": "rn1"})
    assert result.ok, result.summary()
    assert target.read_bytes().endswith(b"signed for rn1\n")
    assert result.context["cert"] == target.read_bytes()


async def test_a_secret_read_on_one_host_is_written_on_another_and_never_recorded(pool, tmp_path):
    """ReadSecretStep + WriteFileStep(Ref): the authkey copy. The bytes reach the target file
    exactly, and appear in no action-log record, read record, event or output spill."""
    key = os.urandom(256) + b"UNIQUE-KEY-MARKER"
    source, target = tmp_path / "authkey", tmp_path / "copy" / "authkey"
    source.write_bytes(key)
    events: list = []
    plan = Plan("copy", (ReadSecretStep("Read the key", path=str(source), output="key"),
                         WriteFileStep("Write it", str(target), Ref("key"), mode=0o400)))
    result, events = await run(plan, pool, events=events)
    assert result.ok, result.summary()
    assert target.read_bytes() == key and owner_mode(target)[2] == 0o400
    assert isinstance(result.context["key"], Secret)
    state = pool.log.path.parent
    for path in state.rglob("*"):
        if path.is_file():
            assert b"UNIQUE-KEY-MARKER" not in path.read_bytes(), path
    assert "UNIQUE-KEY-MARKER" not in repr(events)


async def test_a_secret_read_of_a_missing_file_fails_naming_it(pool, tmp_path):
    plan = Plan("copy", (ReadSecretStep("Read the key", path=str(tmp_path / "nope"), output="key"),
                         WriteFileStep("Write it", str(tmp_path / "out"), Ref("key"))))
    result, _ = await run(plan, pool)
    assert not result.ok and not (tmp_path / "out").exists()
    assert "nope" in result.summary()


# --- edit an environment file ----------------------------------------------------------------------

SYSCONFIG = ("# pacemaker sysconfig\r\n"
             "# PCMK_remote_port=3121\r\n"
             "export PCMK_logfacility=daemon\r\n"
             "PCMK_debug=no\r\n"
             "PCMK_OLD=1")


async def test_env_file_edit_round_trip_keeps_everything_else_and_undo_restores(pool, tmp_path):
    target = tmp_path / "pacemaker"
    target.write_bytes(SYSCONFIG.encode())
    target.chmod(0o640)
    step = EnvFileStep("Configure pacemaker_remote", str(target),
                       set={"PCMK_remote_port": "3122", "PCMK_logfacility": "local0 local1"},
                       unset={"PCMK_OLD"}, before=SYSCONFIG)
    result, _ = await run(Plan("p", (step,)), pool)
    assert result.ok, result.summary()
    after = target.read_bytes().decode()
    assert after == ("# pacemaker sysconfig\r\n"
                     "# PCMK_remote_port=3121\r\n"
                     "PCMK_remote_port=3122\r\n"
                     "export PCMK_logfacility='local0 local1'\r\n"
                     "PCMK_debug=no\r\n")
    assert files.read_env(after) == {"PCMK_remote_port": "3122", "PCMK_logfacility": "local0 local1",
                                     "PCMK_debug": "no"}
    assert owner_mode(target) == (0, 0, 0o640)  # an existing file keeps its owner and mode
    # a rerun has nothing to do
    again, _ = await run(Plan("p", (EnvFileStep("c", str(target), set=dict(step.set), unset=step.unset),)), pool)
    assert again.outcomes[0].state is StepState.SKIPPED
    await undo_steps(result, pool, default_host="h", read_only=False)
    assert target.read_bytes() == SYSCONFIG.encode()


async def test_env_file_changed_since_the_review_is_not_written(pool, tmp_path):
    target = tmp_path / "env"
    target.write_text("A=1\n")
    result, _ = await run(Plan("p", (EnvFileStep("e", str(target), set={"A": "2"}, before="A=0\n"),)), pool)
    assert not result.ok and "changed since the review" in result.failed.error
    assert target.read_text() == "A=1\n"


async def test_env_file_with_a_secret_value_never_logs_it(pool, tmp_path):
    target = tmp_path / "env"
    result, _ = await run(Plan("p", (EnvFileStep("e", str(target), set={"TOKEN": Secret("s3cr3t-v4lue", "token")}),)), pool)
    assert result.ok and files.read_env(target.read_text()) == {"TOKEN": "s3cr3t-v4lue"}
    assert all(b"s3cr3t-v4lue" not in p.read_bytes() for p in (tmp_path / "state").rglob("*") if p.is_file())


# --- run, timeout, cancel ---------------------------------------------------------------------------

async def test_output_lines_arrive_as_events_with_run_and_step_ids_in_the_log(pool):
    step = RunStep("talk", ("sh", "-c", "echo one; echo two >&2; printf three"))
    plan = Plan("p", (step,))
    result, events = await run(plan, pool, run_id="RUN-1")
    assert result.ok
    lines = [(e.stream, e.text) for e in events if isinstance(e, OutputLine)]
    assert sorted(lines) == sorted([("stdout", "one"), ("stderr", "two"), ("stdout", "three")])
    started = [r for r in records(pool) if r.get("event") == "started"]
    assert [(r["run_id"], r["step_id"]) for r in started] == [("RUN-1", plan.steps[0].id)]
    kinds = [type(e).__name__ for e in events if not isinstance(e, OutputLine)]
    assert kinds == ["PlanStarted", "StepStarted", "StepFinished", "PlanFinished"]


async def test_a_hung_step_is_killed_by_its_timeout(pool):
    argv, pattern = sleeper()
    plan = Plan("p", (RunStep("hang", ("sh", "-c", f"{argv[0]} {argv[1]}; echo never"), timeout=1),
                      RunStep("after", ("true",))))
    result, events = await run(plan, pool)
    assert result.state is PlanState.FAILED and "timed out after 1s" in result.failed.error
    assert await gone(pattern), "the hung command survived its timeout"
    assert result.not_done_ids == (plan.steps[0].id, plan.steps[1].id)


async def test_cancel_inside_a_step_kills_its_command_and_stops(pool):
    argv, pattern = sleeper()
    cancel = asyncio.Event()
    plan = Plan("p", (RunStep("hang", tuple(argv)), RunStep("after", ("true",))))
    task = asyncio.ensure_future(run(plan, pool, cancel=cancel))
    deadline = time.monotonic() + 10
    while not pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert pgrep(pattern), "the command never started"
    cancel.set()
    result, events = await task
    assert result.state is PlanState.CANCELLED
    assert result.outcomes[0].state is StepState.CANCELLED and len(result.outcomes) == 1
    assert await gone(pattern), "the cancelled command survived"
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [e.state for e in finished] == [StepState.CANCELLED]
    assert events[-1].state is PlanState.CANCELLED


async def test_cancel_between_steps_stops_before_the_next(pool, tmp_path):
    cancel = asyncio.Event()
    marker = tmp_path / "second-ran"
    plan = Plan("p", (LocalStep("first", lambda ctx: cancel.set()), RunStep("second", ("touch", str(marker)))))
    result, _ = await run(plan, pool, cancel=cancel)
    assert result.state is PlanState.CANCELLED and not marker.exists()
    assert result.statement() == "done: 1. first; not run: 2. second"


async def test_read_only_refuses_a_mutating_plan_and_nothing_runs(pool, tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ReadOnlyError):
        await run(Plan("p", (RunStep("look", ("true",), mutates=False), RunStep("touch", ("touch", str(marker))))),
                  pool, read_only=True)
    assert not marker.exists() and not pool.log.path.exists()


# --- wait and check ---------------------------------------------------------------------------------

async def test_wait_polls_with_progress_until_the_probe_holds(pool, tmp_path):
    flag = tmp_path / "online"
    calls = []

    def touch_on_third(result):
        calls.append(result.exit_status)
        if len(calls) == 2:
            flag.write_text("")
        return result.ok, "online" if result.ok else "not yet"

    plan = Plan("p", (WaitStep("node online", ("test", "-e", str(flag)), touch_on_third, interval=0, attempts=5),))
    result, events = await run(plan, pool)
    assert result.ok
    waits = [(e.attempt, e.of, e.observed) for e in events if isinstance(e, Waiting)]
    assert waits == [(1, 5, "not yet"), (2, 5, "not yet"), (3, 5, "online")]


async def test_wait_fails_with_the_last_observation(pool):
    plan = Plan("p", (WaitStep("never", ("sh", "-c", "echo still offline; exit 1"), interval=0, attempts=3),))
    result, events = await run(plan, pool)
    assert not result.ok
    assert "after 3 attempt(s); last seen: still offline" in result.failed.error
    assert len([e for e in events if isinstance(e, Waiting)]) == 3


async def test_a_failing_check_stops_the_plan_before_anything_mutates_and_offers_its_fix(pool, tmp_path):
    marker = tmp_path / "mutated"

    def judge(result):
        version = result.stdout.decode().strip()
        return Verdict("ok" if version >= "3.0.0" else "fail", f"Pacemaker {version}",
                       None if version >= "3.0.0" else "upgrade Pacemaker to 3.0.0 or later")

    plan = Plan("p", (CheckStep("Pacemaker >= 3.0.0", ("echo", "2.1.5"), judge),
                      RunStep("convert", ("touch", str(marker)))))
    result, events = await run(plan, pool)
    assert not result.ok and not marker.exists()
    assert result.failed.fix == "upgrade Pacemaker to 3.0.0 or later"
    assert "Pacemaker 2.1.5" in result.failed.error
    (finished,) = [e for e in events if isinstance(e, StepFinished)]
    assert finished.fix == "upgrade Pacemaker to 3.0.0 or later"
    # a warning passes, and says so
    plan = Plan("p", (CheckStep("clock", lambda ctx: Verdict("warn", "clock off by 2s", "run chrony")),))
    result, events = await run(plan, pool)
    assert result.ok and result.outcomes[0].detail == "warning: clock off by 2s"


# --- done probes and undo order --------------------------------------------------------------------

async def test_a_done_probe_that_holds_skips_the_step(pool, tmp_path):
    marker = tmp_path / "m"
    marker.write_text("")
    plan = Plan("p", (RunStep("make it", ("touch", str(tmp_path / "other")), done=Probe(("test", "-e", str(marker)), says="already there")),))
    result, events = await run(plan, pool)
    assert result.outcomes[0].state is StepState.SKIPPED and not (tmp_path / "other").exists()
    assert [e.reason for e in events if isinstance(e, StepSkipped)] == ["already there"]
    assert not any(isinstance(e, StepStarted) for e in events)


async def test_undo_runs_in_reverse_order(pool, tmp_path):
    log = tmp_path / "order"
    steps = tuple(RunStep(f"step {n}", ("sh", "-c", f"echo do{n} >> {log}"), undo=("sh", "-c", f"echo undo{n} >> {log}"))
                  for n in (1, 2, 3))
    plan = Plan("p", steps + (RunStep("fails", ("false",)),))
    result, _ = await run(plan, pool)
    assert result.state is PlanState.FAILED
    events = []
    await undo_steps(result, pool, default_host="h", read_only=False, listeners=[events.append])
    assert log.read_text().split() == ["do1", "do2", "do3", "undo3", "undo2", "undo1"]
    assert [e.state for e in events if isinstance(e, UndoFinished)] == [StepState.UNDONE] * 3
    undo_records = [r for r in records(pool) if r.get("event") == "started" and "undo" in r["purpose"]]
    assert [r["step_id"] for r in undo_records] == [s.id for s in reversed(plan.steps[:3])]
    assert {r["run_id"] for r in undo_records} == {result.run_id}


async def test_refused_and_read_records_carry_the_run_and_step_ids(pool, tmp_path):
    """The pool itself in read-only mode (a caller that skipped the engine's own refusal):
    the refusal is recorded with the ids; the done probe's read too."""
    pool.read_only = True
    plan = Plan("p", (RunStep("touch", ("touch", str(tmp_path / "x")), done=Probe(("false",))),))
    result, _ = await run(plan, pool, run_id="RUN-2")
    assert not result.ok and "read-only" in result.failed.error and not (tmp_path / "x").exists()
    (refused,) = [r for r in records(pool) if r.get("event") == "refused"]
    assert (refused["run_id"], refused["step_id"]) == ("RUN-2", plan.steps[0].id)
    reads = [json.loads(line) for line in pool.log.reads.path.read_text().splitlines()]
    assert [(r["argv"], r["run_id"], r["step_id"]) for r in reads] == [(["false"], "RUN-2", plan.steps[0].id)]


async def test_cancelling_the_callers_task_ends_the_step_and_plan_cancelled(pool):
    argv, pattern = sleeper()
    events = []
    task = asyncio.ensure_future(run(Plan("p", (RunStep("hang", tuple(argv)),)), pool, events=events))
    deadline = time.monotonic() + 10
    while not pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await gone(pattern), "the command survived its task's cancellation"
    assert [type(e).__name__ for e in events] == ["PlanStarted", "StepStarted", "StepFinished", "PlanFinished"]
    assert events[2].state is StepState.CANCELLED and events[3].state is PlanState.CANCELLED


async def test_a_path_with_odd_characters_is_written_and_recognised_as_done(pool, tmp_path):
    target = tmp_path / "odd name\\with 'quotes'\nand a newline"
    plan = Plan("p", (WriteFileStep("w", str(target), b"x"),))
    first, _ = await run(plan, pool)
    assert first.ok, first.summary()
    assert target.read_bytes() == b"x"
    again, _ = await run(plan, pool)
    assert again.outcomes[0].state is StepState.SKIPPED
