"""Plan progress as typed Textual messages, the undo offer, and worker errors as a modal."""

from __future__ import annotations

import asyncio

import pytest

from tests.hostile import ALL, MARKUP, raw_controls
from tests.ui.helpers import applied, first_refresh, make_app, until
from tests.ui.plan_session import ScriptedSession, three_steps
from tests.ui.sample import FakeSession
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
from tui.plaintext import one_line
from tui.ui.progress import PlanProgress, ProgressLine, ProgressWords
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.error import InternalError
from tui.ui.screens.undo import UndoOffer


def progress_line(app) -> ProgressLine:
    return app._main().query_one("#plan-progress", ProgressLine)


def hook(into: list):
    def message_hook(message) -> None:
        if isinstance(message, PlanProgress):
            into.append(message)
    return message_hook


async def test_a_standby_posts_its_events_in_order_as_plan_progress_messages():
    seen: list[PlanProgress] = []
    session = FakeSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40), message_hook=hook(seen)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("down", "s", "y")  # standby node2: one step
        await applied(app, pilot)
        await until(pilot, lambda: seen and isinstance(seen[-1].event, PlanFinished))
        await pilot.pause()
        assert not progress_line(app).display  # gone once the plan finished
    kinds = [type(m.event) for m in seen]
    assert [k for k in kinds if k is not OutputLine] == [PlanStarted, StepStarted, StepFinished, PlanFinished]
    started, finished = kinds.index(StepStarted), kinds.index(StepFinished)
    assert OutputLine in kinds[started:finished]  # the command's "done" line, while it ran
    assert seen[1].event.title and seen[1].event.host == "node1"
    assert seen[2 + kinds.count(OutputLine)].event.state is StepState.DONE
    assert seen[-1].event.state is PlanState.DONE
    assert len({m.event.run_id for m in seen}) == 1 and not any(m.undo for m in seen)


async def test_a_running_plan_shows_step_n_of_m_title_host_and_last_output():
    session = ScriptedSession(output={"step-two": b"half way\n"})
    gate = session.gates["step-two"] = asyncio.Event()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps())
        line = progress_line(app)
        await until(pilot, lambda: "half way" in line.shown)
        assert line.display
        assert line.shown == "step 2/3 second @ node2: half way"
        gate.set()
        await applied(app, pilot)
        assert not line.display


def test_progress_words_for_every_event_kind():
    words = ProgressWords()
    run = "R"
    assert words.words(PlanStarted(run, "Plan", ("a", "b"))) == "running Plan"
    assert words.words(StepSkipped(run, "a", "standby is already on")) == "step 1/2 skipped: standby is already on"
    assert words.words(StepStarted(run, "b", "Wait online", "node3")) == "step 2/2 Wait online @ node3"
    assert words.words(Waiting(run, "b", 3, 30, "node3 is OFFLINE")) == \
        "step 2/2 Wait online @ node3: waiting 3/30: node3 is OFFLINE"
    assert words.words(OutputLine(run, "b", "stdout", "hello")) == "step 2/2 Wait online @ node3: hello"
    assert words.words(StepFinished(run, "b", StepState.FAILED, "timed out")) == "step 2/2 failed: timed out"
    assert words.words(UndoStarted(run, "a", "Set standby")) == "undo step 1/2 Set standby"
    assert words.words(UndoFinished(run, "a", StepState.UNDONE)) == "undo step 1/2 undone"
    assert words.words(PlanFinished(run, PlanState.FAILED)) is None


async def test_a_failed_plan_offers_exactly_the_undo_commands_and_y_runs_them_newest_first():
    seen: list[PlanProgress] = []
    session = ScriptedSession(failing={"step-three"})
    app = make_app(session)
    async with app.run_test(size=(120, 40), message_hook=hook(seen)) as pilot:
        await first_refresh(app, pilot)
        app.confirm_and_apply(three_steps())
        await pilot.pause()
        assert isinstance(app.screen, ConfirmPlan)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, UndoOffer))
        offer = app.screen
        assert offer.commands_text.plain.splitlines() == [  # newest first, exact commands
            "2. second", "   [node2] $ undo-two --flag", "1. first", "   [node1] $ undo-one"]
        assert session.calls == [("node1", ("step-one",)), ("node2", ("step-two", "--flag")),
                                 ("node1", ("step-three",))]
        await pilot.press("y")
        await applied(app, pilot, 2)
        assert session.calls[3:] == [("node2", ("undo-two", "--flag")), ("node1", ("undo-one",))]
        assert not isinstance(app.screen, UndoOffer)
        assert any("undone" in n.title for n in app._notifications)
    undo_events = [m.event for m in seen if m.undo]
    assert [type(e) for e in undo_events] == [UndoStarted, UndoFinished, UndoStarted, UndoFinished, PlanFinished]
    assert [e.step_id for e in undo_events[:4]] == ["two", "two", "one", "one"]
    assert undo_events[-1].state is PlanState.UNDONE


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_declining_the_undo_leaves_things_and_says_how_to_undo_later(key):
    session = ScriptedSession(failing={"step-three"}, run_id="20261201T000000000000Z-abcd1234")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps())
        await until(pilot, lambda: isinstance(app.screen, UndoOffer))
        await pilot.press(key)
        await applied(app, pilot)
        await pilot.pause()
        assert not isinstance(app.screen, UndoOffer)
        assert len(session.calls) == 3  # no undo ran
        assert any("pcmk-console runs 20261201T000000000000Z-abcd1234" in n.message
                   for n in app._notifications)


async def test_read_only_never_offers_the_undo():
    # the app is read-only; the engine (a stand-in) still ran the plan, as an older session would
    session = ScriptedSession(failing={"step-three"}, read_only=True, run_read_only=False, run_id="RUN-1")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps())
        await applied(app, pilot)
        await pilot.pause()
        assert not isinstance(app.screen, UndoOffer)
        assert len(session.calls) == 3 and session.undone == []
        assert any("read-only" in n.message and "RUN-1" in n.message for n in app._notifications)


async def test_a_plan_that_succeeds_offers_no_undo():
    session = ScriptedSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps())
        await applied(app, pilot)
        await pilot.pause()
        assert not isinstance(app.screen, UndoOffer)


@pytest.mark.parametrize("hostile", MARKUP + ALL[len(MARKUP):len(MARKUP) + 10])
async def test_hostile_titles_and_output_are_shown_literally(hostile):
    session = ScriptedSession(failing={"step-three"}, output={"step-two": hostile.encode() + b"\n"})
    gate = session.gates["step-two"] = asyncio.Event()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps(titles=(f"one {hostile}", f"two {hostile}", "three")))
        line = progress_line(app)
        # the output line came (it is printed before the command waits on the gate)
        await until(pilot, lambda: line.shown.startswith(f"step 2/3 {one_line(f'two {hostile}')} @ node2: "))
        shown = str(line.render())
        assert one_line(f"two {hostile}") in shown  # the title, escaped, not parsed as markup
        assert not raw_controls(shown)
        gate.set()
        await until(pilot, lambda: isinstance(app.screen, UndoOffer))
        offer = app.screen
        plain = offer.commands_text.plain
        assert f"1. {one_line(f'one {hostile}')}" in plain and f"2. {one_line(f'two {hostile}')}" in plain
        assert not raw_controls(plain)
        for label in offer.query("Label"):
            assert not raw_controls(str(label.render()))
        await pilot.press("n")


async def test_an_unexpected_worker_error_becomes_a_modal_with_one_line_and_the_crash_file(tmp_path, monkeypatch):
    from tui.remote.actionlog import STATE_DIR_ENV

    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))

    class Weird:
        @property
        def ok(self):
            raise RuntimeError("boom [bold]x[/bold]")

    class Breaks(FakeSession):
        async def apply(self, plan, **kwargs):
            return Weird()

    app = make_app(Breaks())
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("down", "s", "y")
        await until(pilot, lambda: isinstance(app.screen, InternalError))
        modal = app.screen
        assert "RuntimeError: boom [bold]x[/bold]" in modal.line and "\n" not in modal.line
        crash_files = list(tmp_path.glob("crash-*.txt"))
        assert len(crash_files) == 1 and str(crash_files[0]) in modal.where
        assert "Traceback" in crash_files[0].read_text()
        assert str(modal.query_one("#line").render()) == one_line(modal.line)  # literal
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, InternalError)
        assert app.is_running and app.return_code is None  # the app lives on
