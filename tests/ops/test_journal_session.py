"""The session journals every run it applies (tui.session.ClusterSession.apply), and an undo
chosen afterwards is appended to the same run."""

from __future__ import annotations

import asyncio

from tui.config import Config
from tui.ops import journal
from tui.ops.events import PlanState, StepState
from tui.ops.plan import Plan, RunStep
from tui.pacemaker import commands
from tui.remote.actionlog import ActionLog
from tui.session import build_session


def test_apply_is_journalled_beside_the_action_log_and_undo_appends(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    session = build_session(Config(), demo=True, log=log, demo_life=False)
    plan = Plan("two steps", (
        RunStep(id="standby", title="standby node1", argv=commands.node_standby("node1", True),
                undo=commands.node_standby("node1", False)),
        RunStep(id="broken", title="a command the demo refuses", argv=("crm_resource", "--no-such-option")),
    ))
    seen = []

    async def go():
        try:
            await session.refresh()
            result = await session.apply(plan, listeners=(seen.append,))
            # the journal heard each event before the caller's listener did
            run = journal.load(result.run_id, tmp_path / "state")
            assert run.state is PlanState.FAILED
            assert run.step("standby").state is StepState.DONE and run.step("broken").state is StepState.FAILED
            await session.undo(result)
            return result
        finally:
            await session.close()

    result = asyncio.run(go())
    assert seen and all(e.run_id == result.run_id for e in seen)
    run = journal.load(result.run_id, tmp_path / "state")
    assert run.cluster == "demo-prod" and run.demo
    assert run.step("standby").state is StepState.UNDONE and run.state is PlanState.UNDONE
    assert [p.name for p in (tmp_path / "state" / "runs").iterdir()] == [f"{result.run_id}.jsonl"]


def test_a_session_without_an_action_log_keeps_no_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    session = build_session(Config(), demo=True, demo_life=False)
    session.log = None
    assert session._journal(Plan("p", (RunStep(id="a", title="a", argv=("true",)),))) is None
