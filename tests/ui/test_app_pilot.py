"""Pilot tests: keys, filter, command mode, refresh pause, in-place updates, read-only."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.ui.helpers import applied, first_refresh, make_app, next_refresh
from tests.ui.sample import FakeConfig, FakeSession, sample_snapshot
from tui.pacemaker.model import Node, NodeKind
from tui.remote.transport import ReadOnlyError
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import MainScreen
from tui.ui.screens.node_detail import NodeDetail
from tui.ui.screens.text_view import TextView
from tui.ui.widgets.keyed_table import KeyedTable
from tui.ui.widgets.resource_tree import ResourceTree


def main(app) -> MainScreen:
    return app._main()


def table(app, id_) -> KeyedTable:
    return main(app).query_one(f"#{id_}", KeyedTable)


async def test_node_panes_split_by_kind_with_exact_titles():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        titles = {t.id: str(t.border_title) for t in main(app).query(".node-table")}
        assert titles == {"cluster-nodes": "Cluster nodes", "remote-nodes": "Remote nodes",
                          "guest-nodes": "Guest nodes"}
        assert table(app, "cluster-nodes").row_keys == ["node1", "node2", "node3"]
        assert table(app, "remote-nodes").row_keys == ["remote1", "remote2"]
        assert table(app, "guest-nodes").row_keys == ["guest1", "web-bundle-0"]
        remote2 = dict(zip([k for k, _ in table(app, "remote-nodes")._keyed_columns],
                           table(app, "remote-nodes").row_data("remote2")))
        assert remote2["state"] == ("OFFLINE", "node-offline")
        assert remote2["address"][0] == "10.99.0.12:3121"
        assert remote2["reconnect"][0] == "30s"
        guest = dict(zip([k for k, _ in table(app, "guest-nodes")._keyed_columns],
                         table(app, "guest-nodes").row_data("web-bundle-0")))
        assert guest["via"][0] == "bundle web-bundle"
        assert guest["container"][0] == "web-bundle-podman-0"


async def test_refresh_updates_changed_rows_in_place():
    first = sample_snapshot()
    nodes = list(first.nodes)
    nodes[1] = dataclasses.replace(nodes[1], standby=True)  # node2 goes standby
    nodes.append(Node("remote3", "remote3", NodeKind.REMOTE, online=True,
                      connection_resource="remote3", host="node2", address="10.99.0.13",
                      port=3121))
    nodes = [n for n in nodes if n.name != "guest1"]
    second = dataclasses.replace(first, nodes=tuple(nodes))
    app = make_app(FakeSession([first, second]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        cluster = table(app, "cluster-nodes")
        await pilot.press("down", "down")  # cursor on node3
        row_before = cluster.cursor_row
        await next_refresh(app, pilot)
        assert cluster.sync_count == 1  # only node2's row touched
        # crm_mon's words: node2 still runs 3 resources
        assert cluster.row_data("node2")[1] == ("standby (with active resources)", "node-standby")
        assert cluster.cursor_row == row_before  # the cursor did not jump
        assert ("node2", "state") in cluster._flashing
        assert table(app, "remote-nodes").row_keys == ["remote1", "remote2", "remote3"]
        assert table(app, "guest-nodes").row_keys == ["web-bundle-0"]


async def test_crm_mon_keys_reach_each_list_in_one_key():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        screen = main(app)
        for key, tab in (("f", "failures"), ("c", "tickets"), ("L", "bans"), ("m", "fencing"),
                         ("7", "log"), ("2", "resources"), ("1", "nodes")):
            await pilot.press(key)
            assert screen.active_tab == tab, key
        await pilot.press("f")
        assert table(app, "failcounts").row_keys == ["broken\0node2"]
        assert len(table(app, "failed-actions").row_keys) == 2
        await pilot.press("m")  # on the fencing tab now
        await pilot.press("m")  # level 2 -> 3: details columns
        assert screen.options.fence_level == 3
        assert "delegate" in [k for k, _ in table(app, "fence-history")._keyed_columns]
        await pilot.press("m")  # -> 0: off
        assert table(app, "fence-history").row_keys == []
        await pilot.press("m")  # -> 1: failed and pending only
        assert [k.split("\0")[0] for k in table(app, "fence-history").row_keys] == ["remote2"]


async def test_view_toggles_change_columns_and_rows():
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await first_refresh(app, pilot)
        cols = lambda: [k for k, _ in table(app, "cluster-nodes")._keyed_columns]  # noqa: E731
        assert "attrs" not in cols() and "id" not in cols()
        await pilot.press("A", "R")
        assert cols()[-2:] == ["id", "attrs"]
        assert table(app, "cluster-nodes").row_data("node2")[-1][0] == "site=b"
        await pilot.press("o")  # operations: shows the failures tab with operations
        ops = table(app, "operations")
        assert main(app).active_tab == "failures" and ops.display
        assert "exec" not in [k for k, _ in ops._keyed_columns]
        await pilot.press("t")
        assert "exec" in [k for k, _ in ops._keyed_columns]
        await pilot.press("2")
        tree = main(app).query_one(ResourceTree)
        assert "batch" in tree._by_path
        await pilot.press("r")  # hide inactive
        assert "batch" not in tree._by_path and "db" not in tree._by_path
        assert "grp-db/db" in tree._by_path


async def test_filter_narrows_the_current_pane_and_escape_clears():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("slash", *"node2")
        assert table(app, "cluster-nodes").row_keys == ["node2"]
        assert table(app, "remote-nodes").row_keys == []
        await pilot.press("enter")
        assert table(app, "cluster-nodes").row_keys == ["node2"]
        assert isinstance(app.focused, KeyedTable)
        await pilot.press("escape")
        assert table(app, "cluster-nodes").row_keys == ["node1", "node2", "node3"]
        # the filter matches state words too; the resource tree filters by id/agent/node
        await pilot.press("slash", *"offline", "enter")
        assert table(app, "remote-nodes").row_keys == ["remote2"]
        await pilot.press("2", "slash", *"pgsql", "enter")
        tree = main(app).query_one(ResourceTree)
        assert set(tree._by_path) == {"grp-db", "grp-db/db"}


async def test_resources_on_the_selected_node():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("4")  # anything but nodes, then back, selecting remote1
        await pilot.press("1")
        await pilot.press("tab")
        app.set_focus(table(app, "remote-nodes"))
        await pilot.pause()
        assert main(app).selected_node == "remote1"
        await pilot.press("2", "n")
        tree = main(app).query_one(ResourceTree)
        assert set(tree._by_path) == {"app-remote"}
        await pilot.press("n")
        assert "app-remote" in tree._by_path and "grp-db" in tree._by_path


async def test_command_mode():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("colon", *"remote", "enter")
        assert app.focused is table(app, "remote-nodes")
        await pilot.press("colon", *"fail", "enter")
        assert main(app).active_tab == "failures"
        await pilot.press("colon", *"bogus", "enter")
        await pilot.pause()
        assert any("unknown command :bogus" in n.message for n in app._notifications)
        await pilot.press("colon", *"theme pcmk-light", "enter")
        assert app.theme == "pcmk-light"
        await pilot.press("colon", *"help", "enter")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert app.return_code == 0


async def test_pause_stops_refreshes_and_refresh_now_still_works():
    session = FakeSession()
    app = make_app(session, FakeConfig(refresh_interval=0.05))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await pilot.pause(0.3)
        assert session.refreshes >= 3  # live
        await pilot.press("p")
        assert app.paused and "PAUSED" in app.labels()
        await pilot.pause(0.1)
        paused_at = session.refreshes
        await pilot.pause(0.3)
        assert session.refreshes == paused_at
        await pilot.press("f5")
        await pilot.pause(0.1)
        assert session.refreshes == paused_at + 1  # one, on request
        await pilot.pause(0.2)
        assert session.refreshes == paused_at + 1
        await pilot.press("p")
        await pilot.pause(0.3)
        assert session.refreshes > paused_at + 2


async def test_a_refresh_that_raises_keeps_the_ui_and_says_why():
    class Broken(FakeSession):
        async def refresh(self):
            self.refreshes += 1
            if self.refreshes > 1:
                raise OSError("network is unreachable")
            return await super().refresh()

    app = make_app(Broken())
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await next_refresh(app, pilot)
        text, stale = app.freshness()
        assert stale and "network is unreachable" in text
        assert table(app, "cluster-nodes").row_keys == ["node1", "node2", "node3"]
        banners = main(app).query_one("#banners").current
        assert [b.key for b in banners] == ["unreachable"]


async def test_node_detail_and_help_screens():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        app.set_focus(table(app, "remote-nodes"))
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, NodeDetail) and app.screen.node.name == "remote1"
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_confirmed_action_runs_the_plans_command_and_logs_it(tmp_path):
    session = FakeSession(log_path=tmp_path / "actions.jsonl")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("down", "s")  # node2
        assert isinstance(app.screen, ConfirmPlan)
        shown = app.screen.commands_text.plain
        assert "crm_attribute --node node2 --name standby --update on" in shown
        await pilot.press("n")  # cancelled: nothing runs but the impact preview (a read, on a copy)
        await pilot.pause()
        previews = [argv for _, argv in session.calls if argv[:2] == ("sh", "-c")]
        assert all("simulate-changes" in argv for argv in previews)
        changes = lambda: [c for c in session.calls if c[1][:2] != ("sh", "-c")]  # noqa: E731
        assert changes() == []
        await pilot.press("s", "y")
        await applied(app, pilot)
        assert changes() == [  # the done probe (a read: not in the log), then the change
            ("node1", ("crm_attribute", "--node", "node2", "--name", "standby", "--query", "--quiet")),
            ("node1", ("crm_attribute", "--node", "node2", "--name", "standby", "--update", "on"))]
        log = table(app, "action-log")
        assert len(log.row_keys) == 1
        assert log.row_data(log.row_keys[0])[2] == ("ok", "node-online")
        await pilot.press("7", "enter")
        assert isinstance(app.screen, TextView)
        assert "crm_attribute --node node2" in app.screen.text and "done" in app.screen.text


async def test_failed_action_shows_failed_in_the_log(tmp_path):
    session = FakeSession(log_path=tmp_path / "actions.jsonl")
    session.exit_status = 1
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("M", "y")
        await applied(app, pilot)
        log = table(app, "action-log")
        assert log.row_data(log.row_keys[0])[2] == ("FAILED exit 1", "node-offline")
        assert any("failed" in n.message for n in app._notifications)


async def test_running_command_shows_spinner_then_result(tmp_path):
    session = FakeSession(log_path=tmp_path / "actions.jsonl")
    session.gate = asyncio.Event()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("C", "y")  # cleanup of node1
        await pilot.pause(0.2)
        log = table(app, "action-log")
        state = log.row_data(log.row_keys[0])[2]
        assert state[0].endswith("running") and state[0][0] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        session.gate.set()
        await applied(app, pilot)
        assert log.row_data(log.row_keys[0])[2] == ("ok", "node-online")
        assert session.calls[0][1] == ("crm_resource", "--cleanup", "--node", "node1")


MUTATING_KEYS = ("s", "M", "C", "W")


async def test_read_only_blocks_every_action_and_nothing_reaches_the_pool(tmp_path):
    session = FakeSession(read_only=True, log_path=tmp_path / "actions.jsonl")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        screen = main(app)
        # the footer offers none of them
        shown = {b.binding.action for b in screen.active_bindings.values()
                 if b.enabled and b.binding.show}
        assert not shown & {"standby", "node_maintenance", "cleanup", "cluster_maintenance"}
        # keys in every context that would otherwise act
        contexts = [("1",), ("2", "down"), ("3",)]
        for context in contexts:
            await pilot.press(*context)
            for key in MUTATING_KEYS:
                app._notifications.clear()
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.screen, ConfirmPlan)
                if key != "C" or context != ("3",):
                    assert any("read-only" in n.message for n in app._notifications), (context, key)
        # command mode
        for word in ("standby", "unstandby", "maint", "unmaint", "cleanup", "cluster-maint"):
            await pilot.press("1", "colon", *word, "enter")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmPlan), word
        # the palette offers no mutating command
        titles = [c.title for c in main(app).console_commands()]
        assert not [t for t in titles if t.lower().startswith(("standby", "unstandby",
                                                                "maintenance", "clean",
                                                                "cluster maintenance"))]
        # and even a direct call is refused before the pool
        from tui.ops import actions

        with pytest.raises(ReadOnlyError):
            await session.apply(actions.standby("node2"))
        app.confirm_and_apply(actions.cleanup())
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmPlan)
    assert session.calls == []


async def test_palette_commands_follow_the_selection():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        titles = [c.title for c in main(app).console_commands()]
        assert "Standby node1" in titles and "Maintenance on for node1" in titles
        await pilot.press("down", "down")
        titles = [c.title for c in main(app).console_commands()]
        assert "Unstandby node3" in titles
        await pilot.press("5")  # tickets: no node selection applies
        titles = [c.title for c in main(app).console_commands()]
        assert not any(t.startswith(("Standby", "Unstandby")) for t in titles)


async def test_keys_typed_into_an_open_prompt_trigger_no_actions(tmp_path):
    session = FakeSession(log_path=tmp_path / "actions.jsonl")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        screen = main(app)
        await pilot.press("slash")
        # while the prompt is open no single-key action applies, mutating or not
        for action in ("standby", "cleanup", "show", "toggle", "on_node", "fence_level"):
            assert not screen.check_action(action, ())
        await pilot.press(*"sMCfoW")
        assert screen.active_tab == "nodes" and not isinstance(app.screen, ConfirmPlan)
        assert screen.filters["nodes"] == "sMCfoW"
        assert session.calls == []
