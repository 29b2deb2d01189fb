"""ConfirmPlan with an impact preview and the typed confirmation (issue 13).

The dialog is pushed with a fake impact source (a coroutine the test releases), so what it
shows before and after the preview is known is checked step by step; one case goes through
the app's own path (confirm_and_apply: the session's pool runs the preview script).
"""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Button, Input, Static

from tests.ui.helpers import applied, first_refresh, make_app, until
from tests.ui.sample import FakeCluster, FakeSession
from tui.ops.plan import Plan, RunStep
from tui.ops.preview import PreviewSpec
from tui.pacemaker.impact import Impact, ImpactAction
from tui.ui.screens.confirm import COMPUTING, ConfirmPlan

CLUSTER = "prod-eu"
CHANGE = ("crm_resource", "--move", "--resource", "web", "--node", "node2")
STOPS = Impact(actions=(ImpactAction("stop", "db", node="node1"),
                        ImpactAction("move", "web", source="node1", dest="node2")))
MOVES = Impact(actions=(ImpactAction("move", "web", source="node1", dest="node2"),))


def preview_plan(**kw) -> Plan:
    return Plan("Move web to node2", (RunStep("Move web to node2", CHANGE),),
                preview=PreviewSpec(changes=(CHANGE,)), **kw)


def production_app(production: bool = True):
    return make_app(FakeSession(cluster=FakeCluster(name=CLUSTER, production=production)))


class Gate:
    """An impact source that answers when released."""

    def __init__(self, impact: Impact) -> None:
        self.impact = impact
        self.open = asyncio.Event()
        self.asked: list = []

    async def __call__(self, spec) -> Impact:
        self.asked.append(spec)
        await self.open.wait()
        return self.impact


async def open_dialog(app, pilot, plan, source, *, production=True) -> tuple[ConfirmPlan, list]:
    decided: list = []
    dialog = ConfirmPlan(plan, default_host="node1", cluster=CLUSTER, production=production,
                         impact_source=source)
    app.push_screen(dialog, decided.append)
    await until(pilot, lambda: app.screen is dialog)
    await pilot.pause()
    return dialog, decided


def impact_shown(dialog) -> str:
    return str(dialog.query_one("#impact", Static).render())


def run_disabled(dialog) -> bool:
    return dialog.query_one("#run", Button).disabled


async def test_production_stop_needs_the_cluster_name_typed_exactly():
    app = production_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gate = Gate(STOPS)
        dialog, decided = await open_dialog(app, pilot, preview_plan(), gate)
        assert gate.asked == [PreviewSpec(changes=(CHANGE,))]
        # before the preview is known: typed confirmation may be needed, Run waits
        assert COMPUTING in impact_shown(dialog)
        assert dialog.query_one("#typed", Input).display and run_disabled(dialog)
        gate.open.set()
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        shown = impact_shown(dialog)
        assert "db" in shown and "would end up stopped: db" in shown and COMPUTING not in shown
        # the cancel button has focus (as before): y does nothing, the dialog stays
        assert dialog.query_one("#cancel", Button).has_focus
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog and decided == [] and run_disabled(dialog)
        # a wrong name (also one that only differs in case, or is a prefix) keeps Run disabled
        box = dialog.query_one("#typed", Input)
        box.focus()
        for wrong in ("PROD-EU", "prod-e", "prod-eu2"):
            box.value = ""
            await pilot.press(*wrong)
            await pilot.pause()
            assert run_disabled(dialog), wrong
        await pilot.click("#run")
        await pilot.pause()
        assert decided == []
        # the exact name enables it; y typed in the box is text, not a confirm
        box.value = ""
        await pilot.press(*CLUSTER)
        await pilot.pause()
        assert not run_disabled(dialog) and decided == []
        dialog.query_one("#cancel", Button).focus()
        await pilot.press("y")
        await pilot.pause()
        assert decided == [True]


async def test_the_typed_name_and_enter_runs_it():
    app = production_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gate = Gate(STOPS)
        gate.open.set()
        dialog, decided = await open_dialog(app, pilot, preview_plan(), gate)
        await until(pilot, lambda: dialog.impact is not None)
        dialog.query_one("#typed", Input).focus()
        await pilot.press(*"prod-x", "enter")
        await pilot.pause()
        assert decided == [] and app.screen is dialog  # wrong name: enter does nothing
        dialog.query_one("#typed", Input).value = ""
        await pilot.press(*CLUSTER, "enter")
        await pilot.pause()
        assert decided == [True]


async def test_non_production_keeps_the_one_key_confirm_even_when_something_stops():
    app = production_app(production=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gate = Gate(STOPS)
        dialog, decided = await open_dialog(app, pilot, preview_plan(), gate, production=False)
        assert not dialog.query_one("#typed", Input).display and not run_disabled(dialog)
        gate.open.set()
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        assert "would end up stopped: db" in impact_shown(dialog)
        assert not dialog.query_one("#typed", Input).display
        await pilot.press("y")
        await pilot.pause()
        assert decided == [True]


async def test_production_preview_without_stops_needs_no_typing_once_known():
    app = production_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gate = Gate(MOVES)
        dialog, decided = await open_dialog(app, pilot, preview_plan(), gate)
        await pilot.press("y")  # not known yet: y waits
        await pilot.pause()
        assert decided == [] and run_disabled(dialog)
        gate.open.set()
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        assert "Move web (node1 -> node2)" in impact_shown(dialog) or "web" in impact_shown(dialog)
        assert not dialog.query_one("#typed", Input).display and not run_disabled(dialog)
        await pilot.press("y")
        await pilot.pause()
        assert decided == [True]


async def test_a_preview_that_cannot_be_computed_says_why_and_production_asks_for_the_name():
    app = production_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gate = Gate(Impact(error="crm_simulate failed: exit 1"))
        gate.open.set()
        dialog, decided = await open_dialog(app, pilot, preview_plan(), gate)
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        assert "preview not available: crm_simulate failed: exit 1" in impact_shown(dialog)
        assert dialog.query_one("#typed", Input).display and run_disabled(dialog)
        await pilot.press("y")
        await pilot.pause()
        assert decided == []
        await pilot.press("n")
        await pilot.pause()
        assert decided == [False]


async def test_a_source_that_raises_is_shown_as_not_available():
    async def broken(spec):
        raise RuntimeError("connection reset")

    app = production_app(production=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        dialog, decided = await open_dialog(app, pilot, preview_plan(), broken, production=False)
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        assert "preview not available" in impact_shown(dialog) and "connection reset" in impact_shown(dialog)
        await pilot.press("escape")
        await pilot.pause()
        assert decided == [False]


async def test_cluster_wide_on_production_needs_the_name_without_a_preview():
    app = production_app()
    plan = Plan("Fence node2", (RunStep("Reboot node2", ("stonith_admin", "--reboot", "node2")),),
                cluster_wide=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        dialog, decided = await open_dialog(app, pilot, plan, None)
        assert not dialog.query("#impact")  # no preview, no Impact section
        assert dialog.query_one("#typed", Input).display and run_disabled(dialog)
        assert "stonith_admin --reboot node2" in dialog.commands_text.plain
        await pilot.press("y")
        await pilot.pause()
        assert decided == []


async def test_a_plain_plan_keeps_the_old_dialog():
    app = production_app()
    plan = Plan("Put node node2 into standby",
                (RunStep("Set standby=on", ("crm_attribute", "--node", "node2", "--name", "standby",
                                            "--update", "on")),))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        dialog, decided = await open_dialog(app, pilot, plan, None)
        assert not dialog.query("#impact") and not dialog.query_one("#typed", Input).display
        assert dialog.query_one("#cancel", Button).has_focus and not run_disabled(dialog)
        await pilot.press("y")
        await pilot.pause()
        assert decided == [True]


@pytest.mark.parametrize("production", [False, True])
async def test_through_the_app_the_session_computes_it_and_runs_only_when_confirmed(production):
    """confirm_and_apply: the preview is asked of the session's pool (here a fake transport
    whose answer is no crm_simulate output: not available); the plan runs after confirming."""
    app = production_app(production)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.confirm_and_apply(preview_plan())
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        dialog = app.screen
        await until(pilot, lambda: dialog.impact is not None)
        await pilot.pause()
        assert not dialog.impact.computed and "preview not available" in impact_shown(dialog)
        # the preview ran on the action host, and nothing mutating reached the cluster
        assert any(host == "node1" for host, _ in app.session.calls)
        assert not any(argv == CHANGE for _, argv in app.session.calls)
        if production:
            dialog.query_one("#typed", Input).focus()
            await pilot.press(*CLUSTER)
            dialog.query_one("#cancel", Button).focus()
            await pilot.pause()
        await pilot.press("y")
        await applied(app, pilot)
        assert any(argv == CHANGE for _, argv in app.session.calls)
