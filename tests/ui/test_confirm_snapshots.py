"""Pictures of the confirm dialog with an impact preview (issue 13), compared with the accepted
SVGs in __snapshots__ (pytest-textual-snapshot): computing, computed with a stop on a
production cluster (the typed-confirmation box), computed on a plain cluster, not available.
Regenerate only these with `--snapshot-update` and look at the pictures first."""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.helpers import first_refresh, make_app, until, without_toasts
from tests.ui.sample import FakeCluster, FakeSession
from tui.ops.plan import Plan, RunStep
from tui.ops.preview import PreviewSpec
from tui.pacemaker.impact import Impact, ImpactAction
from tui.ui.screens.confirm import ConfirmPlan

CHANGE = ("crm_attribute", "--node", "node1", "--name", "standby", "--update", "on")
PLAN = Plan("Put node node1 into standby", (RunStep("Set standby=on on node1", CHANGE),),
            preview=PreviewSpec(changes=(CHANGE,)))
IMPACTS = {
    "stops": Impact(actions=(
        ImpactAction("move", "web-ip", source="node1", dest="node2"),
        ImpactAction("move", "web-server", source="node1", dest="node2"),
        ImpactAction("demote", "db", node="node1", role="Promoted", next_role="Unpromoted"),
        ImpactAction("promote", "db", node="node2", role="Unpromoted", next_role="Promoted"),
        ImpactAction("stop", "memcached", node="node1", reason="node availability"),
    )),
    "moves": Impact(actions=(ImpactAction("move", "web-ip", source="node1", dest="node2"),)),
    "error": Impact(error="crm_simulate failed (exit 1): Could not connect to the CIB"),
}


def dialog_with(impact_key: str | None, production: bool):
    async def run_before(pilot) -> None:
        app = pilot.app
        await first_refresh(app, pilot)
        release = asyncio.Event()

        async def source(spec):
            await release.wait()
            return IMPACTS[impact_key]

        dialog = ConfirmPlan(PLAN, default_host="node1", cluster=app.cluster_name,
                             production=production, impact_source=source)
        app.push_screen(dialog)
        await until(pilot, lambda: app.screen is dialog)
        if impact_key is not None:
            release.set()
            await until(pilot, lambda: dialog.impact is not None)
        await without_toasts(app, pilot)
    return run_before


def app_for(production: bool):
    return make_app(FakeSession(cluster=FakeCluster(name="prod-eu", production=production)))


@pytest.mark.parametrize("case,production", [
    ("computing", True),
    ("stops", True),
    ("stops", False),
    ("moves", True),
    ("error", True),
])
def test_preview_dialog(snap_compare, case, production):
    key = None if case == "computing" else case
    assert snap_compare(app_for(production), terminal_size=(120, 40),
                        run_before=dialog_with(key, production))


def test_preview_dialog_with_the_name_typed(snap_compare):
    """Production, something stops, the name typed exactly: Run is enabled."""
    base = dialog_with("stops", True)

    async def run_before(pilot) -> None:
        await base(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#typed").focus()
        await pilot.press(*"prod-eu")
        await pilot.pause()
        assert dialog.run_allowed

    assert snap_compare(app_for(True), terminal_size=(120, 40), run_before=run_before)
