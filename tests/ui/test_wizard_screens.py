"""The node wizard screens (tui.ui.screens.wizard) with a stand-in for tui.ops.nodes
(tests/ui/wizard_fakes.py): every page, its keys, retry, cancel at every stage, read-only,
the diagnosis after a failed verification, and the hostile corpus on every page.
tests/ui/test_wizard_demo.py walks the real wizards on the demo."""

from __future__ import annotations

import asyncio

import pytest

from tests import hostile
from tests.ui.helpers import first_refresh, make_app, until
from tests.ui.plan_session import ScriptedSession
from tests.ui.sample import FakeSession
from tests.ui.test_hostile_ui import assert_literal
from tests.ui.wizard_fakes import FakeNodes, with_facts
from tui.ops import render
from tui.ops.plan import Verdict
from tui.ui.screens import wizard_flow
from tui.ui.screens.main import MainScreen
from tui.ui.screens.wizard import WizardScreen, open_diagnosis, open_wizard
from tui.ui.screens.wizard_diagnosis import DiagnosisScreen
from tui.ui.widgets.wizard_checks import CheckTable
from tui.ui.widgets.wizard_diagnosis import DiagnosisView
from tui.ui.widgets.wizard_inputs import FORMS, WizardInputs
from tui.ui.widgets.wizard_run import RunProgress

KINDS = tuple(FORMS)


@pytest.fixture
def fake(monkeypatch) -> FakeNodes:
    api = FakeNodes()
    monkeypatch.setattr(wizard_flow, "_nodes_api", api.modules)
    return api


async def opened(app, pilot, kind="add-remote", **prefill) -> WizardScreen:
    await first_refresh(app, pilot)
    open_wizard(app, kind, **prefill)
    await until(pilot, lambda: isinstance(app.screen, WizardScreen))
    await pilot.pause()
    return app.screen


async def to_stage(pilot, screen, stage: str) -> None:
    await until(pilot, lambda: screen.stage == stage, timeout=10)
    await pilot.pause()


async def checks_done(pilot, screen) -> None:
    await until(pilot, lambda: not screen.checking and screen.query_one(CheckTable).finished)
    await pilot.pause()


def plan_calls(session) -> list:
    """Commands that reached a host other than the refresh's own reads."""
    return [argv for _, argv in session.calls if argv and argv[0] in ("systemctl", "cibadmin", "sh", "true",
                                                                      "install", "cp", "mv", "mkdir")]


# --- opening ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
async def test_read_only_refuses_every_wizard(fake, kind):
    app = make_app(FakeSession(read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        open_wizard(app, kind)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("read-only" in str(n.message) for n in app._notifications)


async def test_missing_modules_or_unknown_kind_say_why(monkeypatch):
    def missing():
        raise wizard_flow.WizardUnavailable("the node wizards are not installed in this build (x)")

    monkeypatch.setattr(wizard_flow, "_nodes_api", missing)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        open_wizard(app, "add-remote")
        open_wizard(app, "add-nonsense")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("not installed" in m for m in messages)
        assert any("no wizard named" in m for m in messages)


@pytest.mark.parametrize("kind", KINDS)
async def test_each_wizard_opens_on_its_form_and_escape_closes_it(fake, kind):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await opened(app, pilot, kind)
        form = screen.query_one(WizardInputs)
        assert [f.name for f in form.fields] == [f.name for f in FORMS[kind]]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert any("nothing was changed" in str(n.message) for n in app._notifications)


# --- inputs -------------------------------------------------------------------------------------

BAD = {"name": "1bad name", "port": "70000", "reconnect_interval": "soon", "connect_timeout": "later",
       "address": "a b"}


@pytest.mark.parametrize("kind", ["add-remote", "add-guest"])
async def test_every_text_field_is_validated_inline_naming_the_field(fake, kind):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot, kind)
        form = screen.query_one(WizardInputs)
        text_fields = [f for f in form.fields if f.kind == "text" and f.check]
        assert text_fields
        for field in text_fields:
            form.rows[field.name].widget.focus()
            await pilot.press(*BAD[field.name])
            await pilot.pause()
            shown = form.errors_shown()
            assert field.name in shown, f"no inline error for {field.name}"
            assert shown[field.name].startswith(f"{field.label}:"), shown[field.name]
        # the checks do not run while the inputs are wrong
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.stage == "inputs"
        assert fake.check_runs == []


async def test_collision_from_the_facts_shows_under_the_name(fake):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await opened(app, pilot, name="rn1")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.stage == "inputs"
        assert screen.query_one(WizardInputs).errors_shown()["name"].startswith("Node name: ")
        assert "already a node" in screen.query_one(WizardInputs).errors_shown()["name"]


async def test_guest_resources_offered_are_not_guests_virtualdomain_first(fake):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await opened(app, pilot, "add-guest", name="gn9")
        select = screen.query_one(WizardInputs).rows["resource"].widget
        values = [value for _, value in select._options if value is not select.NULL]
        assert values == ["vm-free", "dummy-a"]  # vm-gn1 is gn1's already


# --- preflight ----------------------------------------------------------------------------------

async def test_failed_check_blocks_and_retry_reruns_only_that_one(fake):
    fake.verdicts["tcp"] = Verdict("fail", "connection refused", "open port 3121")
    fake.verdicts["installed"] = Verdict("warn", "pacemaker-remoted already running", "it will be kept")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await opened(app, pilot, name="rn3")
        await pilot.press("ctrl+n")
        await to_stage(pilot, screen, "preflight")
        await checks_done(pilot, screen)
        table = screen.query_one(CheckTable)
        assert table.state == {"ssh": "ok", "installed": "warn", "tcp": "fail", "authkey": "ok"}
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.stage == "preflight"  # a failed check blocks the plan
        # r on the failed row retries that check only
        fake.verdicts.pop("tcp")
        while table.selected != "tcp":
            await pilot.press("down")
        await pilot.press("r")
        await checks_done(pilot, screen)
        assert fake.check_runs[-1] == ("tcp",)
        assert table.state["tcp"] == "ok" and table.passed  # a warning does not block
        await pilot.press("R")
        await checks_done(pilot, screen)
        assert fake.check_runs[-1] == ("ssh", "installed", "tcp", "authkey")
        await pilot.press("ctrl+n")
        await to_stage(pilot, screen, "review")


async def test_back_keeps_the_inputs(fake):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await opened(app, pilot, name="rn3")
        await pilot.press("ctrl+n")
        await to_stage(pilot, screen, "preflight")
        await checks_done(pilot, screen)
        await pilot.press("b")
        await to_stage(pilot, screen, "inputs")
        assert screen.query_one(WizardInputs).values()["name"] == "rn3"


# --- review and run -----------------------------------------------------------------------------

async def walk_to_review(app, pilot, **prefill) -> WizardScreen:
    screen = await opened(app, pilot, **prefill)
    await pilot.press("ctrl+n")
    await to_stage(pilot, screen, "preflight")
    await checks_done(pilot, screen)
    await pilot.press("ctrl+n")
    await to_stage(pilot, screen, "review")
    return screen


def without_file_write(screen) -> None:
    """The fake plan's file write cannot verify on a ScriptedSession (no sha256): drop it."""
    from tui.ops.plan import Plan

    screen.plan = Plan(screen.plan.title, tuple(s for s in screen.plan.steps if s.id != "key"))


async def test_review_shows_every_row_of_the_one_renderer(fake):
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await walk_to_review(app, pilot, name="rn3")
        shown = str(screen.query_one("#review-plan").render())
        for role, line in render.plan_rows(screen.plan, app.session.action_host):
            if role != render.TITLE:
                assert line in shown, line
        assert "(hacluster:haclient 0400)" in shown  # a file write names owner and mode
        assert fake.methods == ["direct"]  # the method was resolved from the checks


async def test_run_shows_each_step_and_its_output_then_the_result(fake):
    session = ScriptedSession(output={"systemctl": b"Created symlink\n"})
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await walk_to_review(app, pilot, name="rn3")
        without_file_write(screen)
        gate = session.gates["cibadmin"] = asyncio.Event()
        await pilot.press("y")
        await to_stage(pilot, screen, "run")
        run = screen.query_one(RunProgress)
        await until(pilot, lambda: run.states.get("create") == "running")
        assert run.states["start"] == "done"
        assert "Created symlink" in run.output_lines
        gate.set()
        await to_stage(pilot, screen, "result")
        assert screen.result is not None and screen.result.ok
        assert "done" in screen.outcome_line
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_escape_during_the_run_cancels_and_says_so(fake):
    session = ScriptedSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await walk_to_review(app, pilot, name="rn3")
        without_file_write(screen)
        gate = session.gates["systemctl"] = asyncio.Event()
        await pilot.press("y")
        await to_stage(pilot, screen, "run")
        run = screen.query_one(RunProgress)
        await until(pilot, lambda: run.states.get("start") == "running")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.cancel.is_set()
        assert any("cancelling" in str(n.message) for n in app._notifications)
        await to_stage(pilot, screen, "result")
        assert str(screen.result.state) == "cancelled"
        assert "cancelled" in screen.outcome_line
        assert app.worker_errors == []
        # nothing after the cancelled step ran
        assert not any(argv[0] == "cibadmin" for argv in plan_calls(session))


@pytest.mark.parametrize("stage", ["inputs", "preflight", "review"])
async def test_escape_before_the_run_changes_nothing(fake, stage):
    session = ScriptedSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot, name="rn3")
        if stage != "inputs":
            await pilot.press("ctrl+n")
            await to_stage(pilot, screen, "preflight")
            await checks_done(pilot, screen)
        if stage == "review":
            await pilot.press("ctrl+n")
            await to_stage(pilot, screen, "review")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert session.applied == [] and plan_calls(session) == []
        assert app.worker_errors == []
        assert any("nothing was changed" in str(n.message) for n in app._notifications)


# --- the diagnosis --------------------------------------------------------------------------------

def fake_diagnosis(node, text="pacemaker-remoted is not running"):
    from tui.ops.nodes.diagnose import Diagnosis, Evidence

    return Diagnosis(node, f"{node} is offline: {text}", "fail", (
        Evidence("pacemaker-remoted", "not running", False, node),
        Evidence("log lines about the node", f"one sign\n{text}", None, "node1"),
    ), f"on {node}: systemctl enable --now pacemaker_remote", "remoted-not-running", "remote")


async def test_failed_verification_shows_the_diagnosis(fake, monkeypatch):
    from tui.ops.nodes import diagnose as diagnose_mod

    asked = []

    async def diagnose(pool, snapshot, node, *, default_host, probe=True):
        asked.append(node)
        return fake_diagnosis(node)

    monkeypatch.setattr(diagnose_mod, "diagnose", diagnose)
    fake.fail_wait = True
    session = ScriptedSession(failing={"sh"})
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await walk_to_review(app, pilot, name="rn3")
        without_file_write(screen)
        await pilot.press("y")
        await to_stage(pilot, screen, "result")
        view = screen.query_one("#result-diagnosis", DiagnosisView)
        await until(pilot, lambda: view.diagnosis is not None)
        assert asked == ["rn3"]
        assert view.shown.startswith("FAIL: rn3 is offline: pacemaker-remoted is not running")
        assert "fix: on rn3: systemctl enable --now pacemaker_remote" in view.shown


async def test_open_diagnosis_works_read_only_and_names_unknown_nodes():
    app = make_app(FakeSession(read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        open_diagnosis(app, "remote2")
        await until(pilot, lambda: isinstance(app.screen, DiagnosisScreen) and app.screen.query(DiagnosisView))
        view = app.screen.query_one(DiagnosisView)
        await until(pilot, lambda: view.diagnosis is not None, timeout=10)
        assert view.shown.split("\n")[0].startswith(("FAIL: remote2", "WARN: remote2"))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        open_diagnosis(app, "no-such-node")
        await until(pilot, lambda: isinstance(app.screen, DiagnosisScreen) and app.screen.query(DiagnosisView))
        view = app.screen.query_one(DiagnosisView)
        await until(pilot, lambda: "no diagnosis" in view.shown)
        assert "no node named 'no-such-node'" in view.shown


# --- hostile text on every page -----------------------------------------------------------------

GROUPS = {"markup": hostile.MARKUP, "escapes": hostile.ESCAPES, "layout": hostile.LAYOUT, "shell": hostile.SHELL,
          "huge": hostile.HUGE + hostile.MARKUP[3:4]}


@pytest.mark.parametrize("group", GROUPS)
async def test_hostile_strings_on_every_page_stay_literal(fake, monkeypatch, group):
    """Each of the group's strings somewhere a cluster or a keyboard puts text: prefilled
    fields, resource and node choices, check titles, observations and fixes, plan titles,
    command output, the diagnosis. Every page is literal; markup shows as typed."""
    from tui.ops.nodes import diagnose as diagnose_mod
    from tui.plaintext import one_line

    values = GROUPS[group]

    def v(i: int) -> str:
        return values[i % len(values)]

    async def diagnose(pool, snapshot, node, *, default_host, probe=True):
        return fake_diagnosis(node, v(6))

    monkeypatch.setattr(diagnose_mod, "diagnose", diagnose)
    with_facts(fake, primitives=((v(2), v(3), v(4), None),), guest_nodes=(v(5),))
    fake.verdicts["tcp"] = Verdict("fail", v(0), v(1))
    fake.title_extra = v(3)  # markup: the click action
    fake.fail_wait = True
    output = b"".join(value.encode("utf-8", "replace") + b"\n" for value in values)
    session = ScriptedSession(failing={"sh"}, output={"systemctl": output})
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        for kind in ("add-guest", "remove-guest"):
            open_wizard(app, kind, name=v(3), address=v(4))
            await until(pilot, lambda: isinstance(app.screen, WizardScreen))
            await pilot.pause()
            assert_literal(app, f"{kind} inputs")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = await opened(app, pilot, name="rn3", options=v(5))
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert_literal(app, "the inputs submitted (their errors, or the checks)")
        form = screen.query_one(WizardInputs)
        form.rows["options"].widget.value = ""
        await pilot.press("ctrl+n")
        await to_stage(pilot, screen, "preflight")
        await checks_done(pilot, screen)
        table = screen.query_one(CheckTable)
        while table.selected != "tcp":
            await pilot.press("down")
        await pilot.pause()
        text = assert_literal(app, "preflight")
        assert one_line(v(0))[:60] in text  # shown as it is, markup and all
        fake.verdicts.pop("tcp")
        await pilot.press("R")
        await checks_done(pilot, screen)
        await pilot.press("ctrl+n")
        await to_stage(pilot, screen, "review")
        assert_literal(app, "review")
        without_file_write(screen)
        await pilot.press("y")
        await to_stage(pilot, screen, "result")
        view = screen.query_one("#result-diagnosis", DiagnosisView)
        await until(pilot, lambda: view.diagnosis is not None)
        await pilot.pause()
        assert_literal(app, "result")
        assert one_line(v(6))[:60] in view.shown


async def test_a_failed_run_offers_the_undo_of_what_was_done(fake):
    from tui.ui.screens.undo import UndoOffer

    fake.fail_wait = True
    session = ScriptedSession(failing={"sh"})
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await walk_to_review(app, pilot, name="rn3")
        without_file_write(screen)
        await pilot.press("y")
        await to_stage(pilot, screen, "result")
        assert screen.result.undo_offered == ("start",)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UndoOffer))


async def test_the_main_screen_keys_open_the_wizards(fake):
    """The lead's wiring (a, g on the main screen) reaches open_wizard."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        for key, kind in (("a", "add-remote"), ("g", "add-guest")):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, WizardScreen))
            assert app.screen.flow.kind == kind
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
