"""Regressions found by driving the console in a real terminal (tests/e2e, tests/integration)."""

from __future__ import annotations

import dataclasses

from tests.ui.helpers import first_refresh, make_app, next_refresh
from tests.ui.sample import FakeSession, sample_snapshot
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.widgets.keyed_table import KeyedTable


def with_node(snapshot, name, **changes):
    nodes = tuple(dataclasses.replace(n, **changes) if n.name == name else n for n in snapshot.nodes)
    return dataclasses.replace(snapshot, nodes=nodes)


async def test_command_mode_pane_switch_moves_the_action_target():
    """`:remote` then `s` acts on the remote node the user sees highlighted, not node1."""
    session = FakeSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("colon", *"remote", "enter")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmPlan)
        assert "crm_attribute --node remote1 --name standby" in app.screen.commands_text.plain
        await pilot.press("n")
        await pilot.press("colon", *"guest", "enter")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "--node guest1 " in app.screen.commands_text.plain


async def test_a_longer_state_word_widens_its_column_in_place():
    all_online = with_node(sample_snapshot(), "remote2", online=True)
    session = FakeSession([all_online, sample_snapshot()])  # then remote2 goes OFFLINE
    app = make_app(session)
    async with app.run_test(size=(160, 40)) as pilot:
        await first_refresh(app, pilot)
        remote = app.screen.query_one("#remote-nodes", KeyedTable)
        state = next(c for c in remote.ordered_columns if str(c.label) == "State")
        assert state.content_width < len("OFFLINE")  # only "online" so far
        await next_refresh(app, pilot)
        await pilot.pause()
        assert state.content_width >= len("OFFLINE")


async def test_slash_and_colon_typed_inside_the_prompt_are_text():
    app = make_app(FakeSession())
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("slash", *"a/b:c")
        await pilot.pause()
        assert app.screen.query_one("#filter").value == "a/b:c"
