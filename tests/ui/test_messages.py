"""The app and its main screen talk in typed messages (tui.ui.messages), never by method
names: what the pilot's message hook sees, and what the screen does with it under a modal."""

from __future__ import annotations

import dataclasses

from tests.ui.helpers import first_refresh, make_app, next_refresh, until
from tests.ui.sample import FakeSession, sample_snapshot
from tui.ui.messages import LogChanged, PlanRequested, StateChanged, StatusChanged
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.keyed_table import KeyedTable


def _standby_on_node2():
    first = sample_snapshot()
    nodes = [dataclasses.replace(n, standby=True) if n.name == "node2" else n for n in first.nodes]
    return first, dataclasses.replace(first, nodes=tuple(nodes))


def _hook(seen: list):
    def message_hook(message) -> None:
        if isinstance(message, (StateChanged, StatusChanged, LogChanged, PlanRequested)):
            seen.append(message)
    return message_hook


async def test_a_refresh_reaches_the_screen_as_a_state_message_with_the_snapshot():
    first, second = _standby_on_node2()
    seen: list = []
    app = make_app(FakeSession([first, second]))
    async with app.run_test(size=(120, 40), message_hook=_hook(seen)) as pilot:
        await first_refresh(app, pilot)
        states = [m for m in seen if isinstance(m, StateChanged)]
        assert states and states[-1].snapshot is first
        assert isinstance(app.screen, MainScreen) and app.screen.snapshot is first
        await next_refresh(app, pilot)
        assert [m for m in seen if isinstance(m, StateChanged)][-1].snapshot is second
        assert app.screen.snapshot is second
        assert any(isinstance(m, StatusChanged) for m in seen)


async def test_a_key_asks_the_app_for_a_plan_by_message():
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=_hook(seen)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("s")  # standby on node1 (the cursor's node)
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        # one message, seen where it was posted (the screen) and where it bubbled (the app)
        requests = {id(m): m for m in seen if isinstance(m, PlanRequested)}
        assert len(requests) == 1 and "node1" in next(iter(requests.values())).plan.title


async def test_under_a_modal_the_panes_wait_and_catch_up_when_it_closes():
    first, second = _standby_on_node2()
    app = make_app(FakeSession([first, second]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        main = app.screen
        cluster = main.query_one("#cluster-nodes", KeyedTable)
        before = cluster.row_data("node2")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await next_refresh(app, pilot)
        assert main.snapshot is second  # the screen knows ...
        assert cluster.row_data("node2") == before  # ... but drew nothing under the modal
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)
        await pilot.pause()
        assert cluster.row_data("node2") != before
        assert "standby" in cluster.row_data("node2")[1][0]


async def test_the_palette_entries_come_from_the_screen_it_was_opened_on():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        assert not hasattr(app, "console_commands")
        main = app.screen
        titles = [entry.title for entry in main.console_commands()]
        assert "Standby node1" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"standby node1")
        await until(pilot, lambda: "Standby node1" in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt)
                    if app.screen.query("CommandList") and app.screen.query("CommandList").first().option_count else False)
