"""Screenshot of the undo offer (tests/ui/test_snapshots.py style: frozen clock, fixed size).

Regenerate after an intended change with
`pytest tests/ui/test_snapshots_undo.py --snapshot-update` and look at the new SVG.
"""

from __future__ import annotations

from tests.ui.helpers import first_refresh, make_app, until, without_toasts
from tests.ui.plan_session import ScriptedSession, three_steps
from tui.ui.screens.undo import UndoOffer


def test_undo_offer_dialog(snap_compare):
    session = ScriptedSession(failing={"step-three"}, run_id="20261201T120000000000Z-0badc0de")
    app = make_app(session)

    async def run_before(pilot) -> None:
        await first_refresh(app, pilot)
        app.apply_plan(three_steps("Move the widget"))
        await until(pilot, lambda: isinstance(app.screen, UndoOffer))
        # the progress line behind the dialog hears of the plan's end through the main
        # screen's own queue (tui.ui.messages.PlanEvent): under load that can come after the
        # dialog opened; the picture is of the settled screen
        progress = app._main().query_one("#plan-progress")
        await until(pilot, lambda: not progress.display)
        await without_toasts(app, pilot)  # the failed run's, "refreshing…" too

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
