"""Screenshots of every page of the node wizards (pytest-textual-snapshot; frozen clock,
fixed size, a fixed run id), with the stand-in for tui.ops.nodes (tests/ui/wizard_fakes.py)
so the pages do not move when the checks or plans change: the inputs page of each wizard,
then add-remote's preflight (a failed check selected), review, run (mid-step) and result
(a failed verification and its diagnosis). tests/ui/test_wizard_demo.py has the demo's.

Regenerate after an intended change with
`pytest tests/ui/test_wizard_snapshots.py --snapshot-update`, turn the SVGs into PNGs
(rsvg-convert) and look at them.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.helpers import first_refresh, make_app, until, without_toasts
from tests.ui.plan_session import ScriptedSession
from tests.ui.test_wizard_screens import fake_diagnosis, without_file_write
from tests.ui.wizard_fakes import FakeNodes
from tui.ops.plan import Verdict
from tui.ui.screens import wizard_flow
from tui.ui.screens.wizard import WizardScreen, open_wizard
from tui.ui.widgets.wizard_checks import CheckTable
from tui.ui.widgets.wizard_diagnosis import DiagnosisView
from tui.ui.widgets.wizard_inputs import FORMS
from tui.ui.widgets.wizard_run import RunProgress

RUN_ID = "20261201T120000000000Z-0badc0de"
SIZE = (120, 36)


@pytest.fixture
def fake(monkeypatch) -> FakeNodes:
    api = FakeNodes(fail_wait=True)
    monkeypatch.setattr(wizard_flow, "_nodes_api", api.modules)

    async def diagnose(pool, snapshot, node, *, default_host, probe=True):
        return fake_diagnosis(node)

    from tui.ops.nodes import diagnose as diagnose_mod
    monkeypatch.setattr(diagnose_mod, "diagnose", diagnose)
    return api


def session() -> ScriptedSession:
    return ScriptedSession(failing={"sh"}, run_id=RUN_ID,
                           output={"systemctl": b"Created symlink /etc/systemd/system/multi-user.target.wants/"
                                                b"pacemaker_remote.service\n"})


async def open_it(pilot, kind="add-remote", **prefill) -> WizardScreen:
    app = pilot.app
    await first_refresh(app, pilot)
    open_wizard(app, kind, **prefill)
    await until(pilot, lambda: isinstance(app.screen, WizardScreen))
    await pilot.pause()
    return app.screen


async def to_review(pilot) -> WizardScreen:
    screen = await open_it(pilot, name="rn3")
    await pilot.press("ctrl+n")
    await until(pilot, lambda: screen.stage == "preflight" and screen.query_one(CheckTable).finished)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: screen.stage == "review")
    without_file_write(screen)
    screen._show_review()
    await pilot.pause()
    return screen


@pytest.mark.parametrize("kind", list(FORMS))
def test_inputs_page(snap_compare, fake, kind):
    prefill = {"add-remote": {"name": "rn3", "port": "0"}, "add-guest": {"name": "gn9"},
               "remove-remote": {"name": "rn1"}, "remove-guest": {"name": "gn1"}}[kind]

    async def run_before(pilot) -> None:
        await open_it(pilot, kind, **prefill)
        await pilot.pause()

    assert snap_compare(make_app(session()), terminal_size=SIZE, run_before=run_before)


def test_preflight_page_with_a_failed_check(snap_compare, fake):
    fake.verdicts["tcp"] = Verdict("fail", "connection refused (from node1 to 10.20.0.23:3121)",
                                   "on rn3: firewall-cmd --permanent --add-service=high-availability; "
                                   "firewall-cmd --reload")
    fake.verdicts["installed"] = Verdict("warn", "pacemaker-remoted already running",
                                         "it is kept running; the key is compared first")

    async def run_before(pilot) -> None:
        screen = await open_it(pilot, name="rn3")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.stage == "preflight" and screen.query_one(CheckTable).finished)
        await pilot.press("down", "down")
        await pilot.pause()

    assert snap_compare(make_app(session()), terminal_size=SIZE, run_before=run_before)


def test_review_page(snap_compare, fake):
    async def run_before(pilot) -> None:
        await to_review(pilot)

    assert snap_compare(make_app(session()), terminal_size=SIZE, run_before=run_before)


def test_run_page_mid_step(snap_compare, fake):
    scripted = session()

    async def run_before(pilot) -> None:
        screen = await to_review(pilot)
        scripted.gates["cibadmin"] = asyncio.Event()
        await pilot.press("y")
        await until(pilot, lambda: screen.stage == "run" and screen.query(RunProgress)
                    and screen.query_one(RunProgress).states.get("create") == "running")
        await without_toasts(pilot.app, pilot)

    assert snap_compare(make_app(scripted), terminal_size=SIZE, run_before=run_before)


def test_result_page_with_the_diagnosis(snap_compare, fake):
    async def run_before(pilot) -> None:
        screen = await to_review(pilot)
        await pilot.press("y")
        await until(pilot, lambda: screen.stage == "result"
                    and screen.query_one("#result-diagnosis", DiagnosisView).diagnosis is not None, timeout=10)
        await without_toasts(pilot.app, pilot)

    assert snap_compare(make_app(session()), terminal_size=SIZE, run_before=run_before)
