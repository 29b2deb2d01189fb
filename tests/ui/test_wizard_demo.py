"""The real node wizards (tui.ops.nodes) on the demo cluster, walked with keys only: add-remote
rn3 (a spare machine with pacemaker-remote installed) from the form to the node online, each
page's screenshot, and escape at every stage leaving the cluster as it was.

The wizard is opened with open_wizard (the app's palette entry and `:add-remote` are the
lead's wiring); from there on only keys are pressed. Skipped, saying so, while
tui.ops.nodes' wizard modules are not in the tree.
"""

from __future__ import annotations

import importlib.util
import time

import pytest

from tests.ui.helpers import first_refresh, make_app, without_toasts
from tests.ui.helpers import until as _until
from tests.ui.helpers import screen_text
from tests.ui.sample import FakeConfig, frozen_clock
from tui.ui.screens.main import MainScreen
from tui.ui.screens.typed_name import TypeClusterName
from tui.ui.screens.wizard import WizardScreen, open_wizard
from tui.ui.widgets.wizard_checks import CheckTable
from tui.ui.widgets.wizard_inputs import FORMS, WizardInputs
from tui.ui.widgets.wizard_run import RunProgress


async def until(pilot, condition, timeout: float = 30.0) -> None:
    # a bound, not a timing: the demo runs on the real clock, and CI shares two cores
    await _until(pilot, condition, timeout)


MISSING = [name for name in ("facts", "inputs", "preflight", "plans", "validate", "wizards")
           if importlib.util.find_spec(f"tui.ops.nodes.{name}") is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"tui.ops.nodes.{{{','.join(MISSING)}}} (helper A's wizard modules) not in the tree yet")

SPARE, SPARE_ADDR = "rn3", "10.20.0.23"
SIZE = (130, 40)


def demo_app(tmp_path, *, clock=frozen_clock):
    """The demo, still (no life); its clock frozen for screenshots, running for a run (the
    simulated cluster starts a connection as its time goes by)."""
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session

    session = build_session(Config(), demo=True, demo_life=False, clock=clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    return make_app(session, FakeConfig())


async def opened(app, pilot, kind="add-remote") -> WizardScreen:
    await first_refresh(app, pilot)
    open_wizard(app, kind)
    await until(pilot, lambda: isinstance(app.screen, WizardScreen))
    await pilot.pause()
    return app.screen


async def type_inputs(pilot, screen, method: str = "direct") -> None:
    """Name, tab to the address, tab on to the method and pick it: keys only."""
    await pilot.press(*SPARE)
    await pilot.press("tab", *SPARE_ADDR)
    await pilot.press("tab", "tab", "tab", "tab")  # port, reconnect interval, options, method
    await pilot.press(*["down"] * ("auto", "pcs", "direct").index(method), "enter")
    await pilot.pause()
    values = screen.query_one(WizardInputs).values()
    assert (values["address"], values["method"]) == (SPARE_ADDR, method)


async def checked(pilot, screen) -> CheckTable:
    await pilot.press("ctrl+n")
    table = screen.query_one(CheckTable)
    await until(pilot, lambda: screen.stage == "preflight" and not screen.checking and table.finished,
                timeout=30)
    await pilot.pause()
    return table


def key_forms() -> list[str]:
    """The demo cluster's authkey (seed 7, as build_session makes it) as a screen could show
    it: hex, base64, and its first bytes decoded."""
    import base64
    import random

    from tui.sim.state import AUTHKEY_BYTES

    key = random.Random("authkey-7").randbytes(AUTHKEY_BYTES)
    return [key[:16].hex(), base64.b64encode(key[:15]).decode(), key[:12].decode("utf-8", "replace")]


def failed_checks(table: CheckTable) -> str:
    return "; ".join(f"{table.outcomes[i].title}: {table.outcomes[i].observed}" for i, s in table.state.items()
                     if s == "fail" and i in table.outcomes) or ", ".join(table.failed_titles())


@pytest.mark.parametrize("method", ["direct", "pcs"])
async def test_add_remote_on_the_demo_with_keys_only(tmp_path, method):
    app = demo_app(tmp_path, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await type_inputs(pilot, screen, method)
        table = await checked(pilot, screen)
        assert table.passed, f"preflight failed on the demo: {failed_checks(table)}"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.stage == "review")
        assert screen.plan.mutates
        await pilot.press("y")
        await until(pilot, lambda: screen.stage == "result", timeout=120)
        assert screen.result is not None and screen.result.ok, screen.outcome_line
        # the key was copied: never its bytes on any page (hashes only)
        shown = "\n".join([*screen.query_one(RunProgress).output_lines, screen_text(app)[0],
                           str(screen.query_one("#review-plan").render())])
        assert not any(form in shown for form in key_forms())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        app.refreshed.clear()
        app.action_refresh_now()
        await until(pilot, lambda: app.refreshed.is_set(), timeout=10)
        node = app.snapshot.node(SPARE)
        assert node is not None and node.online, f"{SPARE} not online after the wizard"
        assert app.worker_errors == []


@pytest.mark.parametrize("stage", ["inputs", "preflight", "review"])
async def test_escape_at_each_stage_leaves_the_demo_as_it_was(tmp_path, stage):
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await type_inputs(pilot, screen)
        if stage != "inputs":
            table = await checked(pilot, screen)
            if stage == "review":
                assert table.passed, failed_checks(table)
                await pilot.press("ctrl+n")
                await until(pilot, lambda: screen.stage == "review")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        app.refreshed.clear()
        app.action_refresh_now()
        await until(pilot, lambda: app.refreshed.is_set(), timeout=10)
        assert app.snapshot.node(SPARE) is None
        mutating = [r for r in app.log_records().values() if r.get("mutates")]
        assert mutating == []


async def test_escape_during_the_run_on_the_demo_cancels(tmp_path):
    app = demo_app(tmp_path, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await type_inputs(pilot, screen)
        table = await checked(pilot, screen)
        assert table.passed, failed_checks(table)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.stage == "review")
        await pilot.press("y", "escape")
        await until(pilot, lambda: screen.stage == "result", timeout=120)
        assert screen.cancel.is_set()
        # it stopped between steps or inside one: either way the result says what was done
        assert str(screen.result.state) in ("cancelled", "done"), screen.outcome_line


# --- screenshots of each page on the demo ------------------------------------------------------

@pytest.mark.parametrize("kind", list(FORMS))
def test_demo_inputs_page(snap_compare, tmp_path, kind):
    async def run_before(pilot) -> None:
        await opened(pilot.app, pilot, kind)

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_demo_add_remote_preflight_page(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        screen = await opened(pilot.app, pilot)
        await type_inputs(pilot, screen)
        await checked(pilot, screen)

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_demo_add_remote_review_page(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        screen = await opened(pilot.app, pilot)
        await type_inputs(pilot, screen)
        await checked(pilot, screen)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.stage == "review")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)


# --- every wizard end to end on the demo ---------------------------------------------------------

async def walk(app, pilot, kind: str, keys: list[str], expect: dict) -> WizardScreen:
    """Open `kind`, press `keys` on its form (the values must then be `expect`), then the
    checks, the review and the run: keys only."""
    screen = await opened(app, pilot, kind)
    await pilot.press(*keys)
    await pilot.pause()
    values = screen.query_one(WizardInputs).values()
    assert {k: values.get(k) for k in expect} == expect
    table = await checked(pilot, screen)
    assert table.passed, f"{kind}: preflight failed on the demo: {failed_checks(table)}"
    await pilot.press("ctrl+n")
    await until(pilot, lambda: screen.stage == "review")
    await pilot.press("y")
    await pilot.pause()
    if isinstance(app.screen, TypeClusterName):  # a cluster-wide plan on the PRODUCTION demo
        assert screen.plan.cluster_wide and screen.stage == "review"
        await pilot.press(*"demo-prod", "enter")
    await until(pilot, lambda: screen.stage == "result", timeout=120)
    assert screen.result is not None and screen.result.ok, screen.outcome_line
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, MainScreen))
    app.refreshed.clear()
    app.action_refresh_now()
    await until(pilot, lambda: app.refreshed.is_set(), timeout=10)
    assert app.worker_errors == []
    return screen


def direct(fields_before_method: int) -> list[str]:
    return ["tab"] * fields_before_method + ["down", "down", "enter"]


async def test_add_guest_on_the_demo(tmp_path):
    app = demo_app(tmp_path, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(app, pilot)

        def vm_running() -> bool:
            vm = next((r for r in app.snapshot.all_resources() if r.id == "vm-gn3"), None)
            return vm is not None and vm.active

        for _ in range(20):  # the demo starts the spare VM a couple of seconds after it opens
            if vm_running():
                break
            await pilot.pause(0.5)
            app.refreshed.clear()
            app.action_refresh_now()
            await until(pilot, lambda: app.refreshed.is_set(), timeout=10)
        assert vm_running(), "the demo's spare VM vm-gn3 never started"
        # gn3 on vm-gn3 (the Select: enter opens it, the first offer is the VirtualDomain)
        await walk(app, pilot, "add-guest", [*"gn3", "tab", "enter", "down", "enter", "tab", *"10.20.0.43",
                                             *direct(3)],
                   {"name": "gn3", "resource": "vm-gn3", "address": "10.20.0.43", "method": "direct"})
        node = app.snapshot.node("gn3")
        assert node is not None and node.online


@pytest.mark.parametrize("kind, name", [("remove-remote", "rn2"), ("remove-guest", "gn2")])
async def test_remove_on_the_demo(tmp_path, kind, name):
    app = demo_app(tmp_path, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        # the node Select: enter opens it (on its prompt), down twice to the second node
        await walk(app, pilot, kind, ["enter", "down", "down", "enter", *direct(1)],
                   {"name": name, "method": "direct"})
        assert app.snapshot.node(name) is None


async def test_a_removal_on_production_runs_only_once_the_name_is_typed(tmp_path):
    app = demo_app(tmp_path, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot, "remove-remote")
        await pilot.press("enter", "down", "down", "enter", *direct(1))
        await checked(pilot, screen)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.stage == "review")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, TypeClusterName))
        await pilot.press(*"demo-pro", "enter")  # one letter short: refused, still asking
        await pilot.pause()
        assert isinstance(app.screen, TypeClusterName) and screen.stage == "review"
        await pilot.press("escape")  # given up: nothing ran
        await until(pilot, lambda: app.screen is screen)
        assert screen.stage == "review" and screen.result is None and not screen.running
        assert app.snapshot.node("rn2") is not None


def test_demo_diagnosis_screen(snap_compare, tmp_path):
    from tui.ui.screens.wizard import open_diagnosis
    from tui.ui.widgets.wizard_diagnosis import DiagnosisView

    async def run_before(pilot) -> None:
        app = pilot.app
        await first_refresh(app, pilot)
        open_diagnosis(app, "rn1")
        await until(pilot, lambda: app.screen.query(DiagnosisView)
                    and app.screen.query_one(DiagnosisView).diagnosis is not None, timeout=20)
        await without_toasts(app, pilot)

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)
