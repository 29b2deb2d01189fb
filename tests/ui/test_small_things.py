"""Smaller things a user noticed (issue 8): themes, the node-detail keys, the filter's trace,
the pinned name column, one date format."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import first_refresh, make_app, until
from tests.ui.sample import FakeSession
from tui.ui import tables, themes
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.main import MainScreen
from tui.ui.screens.node_detail import NodeDetail
from tui.ui.widgets.keyed_table import KeyedTable
from tests.ui.sample import sample_snapshot


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_theme_unknown_keeps_the_current_one_and_lists_them():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("colon", *"theme pcmk-light", "enter")
        assert app.theme == "pcmk-light"
        await pilot.press("colon", *"theme nosuch", "enter")
        await pilot.pause()
        assert app.theme == "pcmk-light"  # kept, not the default
        assert any("nosuch" in m and "keeping pcmk-light" in m and "pcmk-dark" in m
                   for m in messages(app)), messages(app)
        await pilot.press("colon", *"theme", "enter")
        await pilot.pause()
        assert any(m.startswith("theme pcmk-light; themes:") and "pcmk-high-contrast" in m
                   for m in messages(app)), messages(app)


async def test_a_broken_theme_toast_names_the_file_in_its_title(tmp_path: Path):
    (tmp_path / "zz-broken.yaml").write_text("name: x\nprimary: [\n")
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\nprimary: '#fff'\n")
    app = make_app(theme_dirs=(themes.shipped_themes_dir(), tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        titles = [n.title for n in app._notifications]
        assert "theme file skipped: zz-broken.yaml" in titles
        assert "theme file skipped: latin1.yaml" in titles  # not UTF-8: a toast, not a crash
        assert any("latin1.yaml" in m and "not UTF-8" in m for m in messages(app))


async def test_node_detail_keys_it_advertises_work_there():
    session = FakeSession()
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        for key, command in (("s", "--name standby"), ("M", "--name maintenance"),
                             ("C", "--cleanup")):
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, NodeDetail))
            footer_keys = {b.key for _, b, enabled, _ in app.screen.active_bindings.values()
                           if enabled}
            assert {"s", "M", "C"} <= footer_keys
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
            text = str(app.screen.commands_text)
            assert command in text and "node1" in text, text
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_node_detail_in_read_only_offers_no_actions():
    app = make_app(FakeSession(read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        shown = {b.key for _, b, enabled, _ in app.screen.active_bindings.values()
                 if enabled and b.show}
        assert not {"s", "M", "C"} & shown
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmPlan)
        assert any("read-only" in m for m in messages(app))


async def test_a_filter_left_on_shows_itself_and_what_it_left():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("slash", *"node", "enter")
        await pilot.pause()
        main: MainScreen = app._main()
        cluster = main.query_one("#cluster-nodes", KeyedTable)
        assert "filter “node”: 3 of 3" in str(cluster.border_subtitle)
        remote = main.query_one("#remote-nodes", KeyedTable)
        assert "filter “node”: 0 of 2" in str(remote.border_subtitle)
        main.action_show("bans")
        await pilot.press("slash", *"nomatch", "enter")
        await pilot.pause()
        assert "filter “nomatch”: 0 of 1" in str(main.query_one("#ban-table").border_subtitle)
        main.action_show("resources")
        await pilot.press("slash", *"db", "enter")
        await pilot.pause()
        scope = str(main.query_one("#resources-scope").render())
        assert "filter “db”:" in scope and " of " in scope


async def test_the_name_column_stays_when_a_narrow_pane_scrolls_sideways():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_refresh(app, pilot)
        for table in app._main().query(KeyedTable):
            assert table.fixed_columns == (2 if "node-table" in table.classes else 1), table.id
        guests = app._main().query_one("#guest-nodes", KeyedTable)
        guests.focus()
        guests.scroll_to(x=guests.max_scroll_x, animate=False)
        await pilot.pause()
        assert guests.scroll_x > 0  # the pane really is too narrow at 80x24
        shown = guests.render_line(1).text  # the first row under the header
        assert "guest1" in shown and "online" in shown  # name and state stay in view


def test_list_times_are_in_the_one_format():
    _cols, rows = tables.tickets(sample_snapshot())
    assert rows["ticketA"][3][0] == "2025-12-31 10:00:00 UTC"
