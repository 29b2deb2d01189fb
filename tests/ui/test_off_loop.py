"""The UI never stalls: a refresh's parse/join/diff and a big cluster's row preparation run in a
worker thread, and big change sets reach the DataTables in slices (behaviour, no timings)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.cache import LRUCache
from textual.geometry import Region

import tui.session
from tui import loop_first
from tests.ui.helpers import first_refresh, make_app, until
from tests.ui.sample import FakeSession
from tui.config import Config
from tui.pacemaker.model import Node, NodeKind, Snapshot, Summary
from tui.session import build_session
from tui.ui import changeset, tabrows
from tui.ui.changeset import plan
from tui.ui.screens import main as main_screen
from tui.ui.widgets.keyed_table import KeyedTable

COLUMNS = (("name", "Node"), ("state", "State"), ("note", "Note"))


def rows(n: int, salt: str = "", every: int = 7) -> dict:
    return {f"n{i:04d}": ((f"n{i:04d}", "node-name"),
                          ("OFFLINE" if i % every == 0 else "online", None),
                          (salt * (i % 3), None)) for i in range(n)}


class Tables(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable(id="a")
        yield KeyedTable(id="b")


def picture(table: KeyedTable) -> tuple:
    """What the table holds: keys in order, every cell's text, the column widths."""
    cells = tuple(tuple(cell.plain for cell in table.get_row(key)) for key in table.row_keys)
    return (tuple(table.row_keys), cells, tuple(c.content_width for c in table.ordered_columns))


async def settled(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


# --- the session: parse, join, redact and diff in a worker thread ---------------------------


async def test_refresh_parses_and_diffs_outside_the_event_loop_thread(monkeypatch, tmp_path):
    seen: dict[str, int] = {}
    parse, diff = tui.session.parse_status, tui.session.diff

    def parse_status(*args, **kwargs):
        seen["parse"] = threading.get_ident()
        seen["gated"] = loop_first._gate.get() is not None  # the loop goes first (tui.loop_first)
        return parse(*args, **kwargs)

    def diffed(*args, **kwargs):
        seen["diff"] = threading.get_ident()
        return diff(*args, **kwargs)

    monkeypatch.setattr(tui.session, "parse_status", parse_status)
    monkeypatch.setattr(tui.session, "diff", diffed)
    session = build_session(Config(), demo=True, demo_life=False)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    loop_thread = threading.get_ident()
    assert isinstance(result.outcome, Snapshot) and session.last is result.outcome
    assert seen["parse"] != loop_thread and seen["diff"] != loop_thread
    assert seen["gated"]


async def test_a_refresh_landing_while_another_parsed_is_diffed_against_it():
    """Two refreshes at once: each result's events are against the snapshot before it."""
    session = build_session(Config(), demo=True, demo_life=False)
    try:
        first, second = await asyncio.gather(session.refresh(), session.refresh())
    finally:
        await session.close()
    assert isinstance(first.outcome, Snapshot) and isinstance(second.outcome, Snapshot)
    # whichever was accepted second saw the first as "last": nothing changed in between
    later = second if session.last is second.outcome else first
    assert later.events == ()


# --- KeyedTable: change sets in slices -------------------------------------------------------


async def test_a_big_change_set_is_applied_in_several_slices_and_ends_as_one_shot():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a, b = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
        start, wanted = rows(1000, "x"), {**rows(1200, "yy", every=5)}
        del wanted["n0003"]
        for table in (a, b):
            table.sync(COLUMNS, start, flash=False)
        await settled(pilot)
        change = a.plan(COLUMNS, wanted)
        assert change.steps > 300
        slices: list[int] = []
        apply = a.apply

        def counted(*args, **kwargs):
            slices.append(kwargs.get("stop"))
            return apply(*args, **kwargs)

        a.apply = counted
        await a.apply_sliced(change, flash=False, rows_per_slice=100)
        b.sync(COLUMNS, wanted, flash=False)
        await settled(pilot)
        assert len(slices) > 1
        assert picture(a) == picture(b)
        assert a.sync_count == b.sync_count == change.steps


async def test_a_sliced_rebuild_keeps_the_selected_row_and_matches_one_shot():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a, b = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
        for table in (a, b):
            table.sync(COLUMNS, rows(600), flash=False)
            table.move_cursor(row=table.get_row_index("n0420"), animate=False)
        columns = (*COLUMNS, ("extra", "Extra"))
        wanted = {k: (*r, ("e", None)) for k, r in rows(600).items()}
        await a.apply_sliced(a.plan(columns, wanted), rows_per_slice=64)
        b.sync(columns, wanted)
        await settled(pilot)
        assert picture(a) == picture(b)
        assert a.selected_key() == b.selected_key() == "n0420"


async def test_a_superseded_slice_run_leaves_no_stale_rows():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a, b = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
        a.sync(COLUMNS, rows(800), flash=False)
        older = {k: r for k, r in rows(1500, "old").items() if k != "n0001"}
        newer = {k: r for k, r in rows(900, "new", every=3).items() if k != "n0002"}
        task = asyncio.create_task(a.apply_sliced(a.plan(COLUMNS, older), flash=False, rows_per_slice=50,
                                                  pause=0.01))
        await until(pilot, lambda: a.version >= 3)  # a few slices in, far from done
        assert not task.done()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await a.apply_sliced(a.plan(COLUMNS, newer), flash=False, rows_per_slice=50)
        b.sync(COLUMNS, newer, flash=False)
        await settled(pilot)
        assert picture(a) == picture(b)
        assert set(a.row_keys) == set(newer)


async def test_a_slice_run_overtaken_by_a_one_shot_sync_plans_again():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a, b = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
        a.sync(COLUMNS, rows(400), flash=False)
        wanted = rows(700, "w")
        task = asyncio.create_task(a.apply_sliced(a.plan(COLUMNS, wanted), flash=False, rows_per_slice=40,
                                                  pause=0.01))
        await until(pilot, lambda: a.version >= 2)
        a.sync(COLUMNS, rows(300, "z"), flash=False)  # someone else changed the table
        await task
        b.sync(COLUMNS, wanted, flash=False)
        await settled(pilot)
        assert picture(a) == picture(b)


async def test_a_narrower_cell_shrinks_its_column_as_update_width_would():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a = app.query_one("#a", KeyedTable)
        start = rows(50)
        start["n0010"] = (("n0010", None), ("UNCLEAN (offline) and more", None), ("", None))
        a.sync(COLUMNS, start, flash=False)
        await settled(pilot)
        assert a.ordered_columns[1].content_width == len("UNCLEAN (offline) and more")
        a.sync(COLUMNS, rows(50), flash=False)
        await settled(pilot)
        assert a.ordered_columns[1].content_width == len("OFFLINE")


class TableAndReference(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable(id="a")
        yield DataTable(id="ref")


async def test_column_widths_follow_rows_that_come_and_go_as_datatable_measures_them():
    app = TableAndReference()
    async with app.run_test(size=(120, 40)) as pilot:
        a, ref = app.query_one("#a", KeyedTable), app.query_one("#ref", DataTable)
        wide = {**rows(300, "y"), "n0250": (("n0250-a-much-longer-name", None), ("UNCLEAN (offline)", None), ("", None))}
        for wanted in (rows(200), wide, rows(120, "some notes"), rows(40)):
            await a.apply_sliced(a.plan(COLUMNS, wanted), flash=False, rows_per_slice=70)
            ref.clear(columns=True)  # DataTable measures each cell (and never narrows a column)
            ref.add_columns(*(label for _, label in COLUMNS))
            ref.add_rows([a.palette.cell(cell) for cell in row] for row in wanted.values())
            await settled(pilot)
            assert [c.content_width for c in a.ordered_columns] == [c.content_width for c in ref.ordered_columns]
            assert a._new_rows == set()


def rendered(table: KeyedTable) -> list:
    """Every line of the table as its segments, rendered now (not from the widget's line cache)."""
    table.refresh()
    return [list(strip) for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))]


class CountedCache(LRUCache):
    """DataTable's cell cache, counting the cells rendered into it."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.rendered = 0

    def __setitem__(self, key, value) -> None:
        self.rendered += 1
        super().__setitem__(key, value)


async def test_a_resized_column_renders_again_only_its_own_cells_and_the_changed_rows():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a = app.query_one("#a", KeyedTable)
        a.sync(COLUMNS, rows(50), flash=False)
        await settled(pilot)
        a._cell_render_cache = cells = CountedCache(a._cell_render_cache.maxsize)
        wide = rows(50)
        wide["n0003"] = (("n0003", None), ("UNCLEAN (offline) and more", None), ("x", None))
        for wanted, width in ((wide, len("UNCLEAN (offline) and more")), (rows(50), len("OFFLINE"))):
            await settled(pilot)  # the table's resize (after its first rows) drops every cell once
            rendered(a)
            cells.rendered = 0
            a.sync(COLUMNS, wanted, flash=False)
            await settled(pilot)
            picture_from_cache = rendered(a)
            assert a.ordered_columns[1].content_width == width
            shown = a.size.height - 1  # rows under the header
            # the resized column's cells (header included) and the changed row's (its pinned
            # name twice), not all of them
            assert shown <= cells.rendered <= shown + 1 + len(COLUMNS) + 1, cells.rendered
            a._update_count += 1  # what DataTable would do: render every cell afresh
            assert picture_from_cache == rendered(a)


async def test_rows_filled_in_under_the_shown_ones_render_no_shown_cell_again():
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a = app.query_one("#a", KeyedTable)
        wanted = rows(600)
        change = a.plan(COLUMNS, wanted)
        step = a.apply(change, flash=False, stop=100)  # the columns and 99 rows: the table is full
        await settled(pilot)
        rendered(a)
        a._cell_render_cache = cells = CountedCache(a._cell_render_cache.maxsize)
        while step < change.steps:
            change = dataclasses.replace(change, since=a.version)
            step = a.apply(change, flash=False, start=step, stop=step + 80)
            await settled(pilot)
            picture_from_cache = rendered(a)
            assert cells.rendered == 0
            a._update_count += 1  # what DataTable would do: render every cell afresh
            assert picture_from_cache == rendered(a)
            cells.rendered = 0
        assert a.row_keys == sorted(wanted)
        a.scroll_end(animate=False)  # the rows filled in are there, and drawn
        await settled(pilot)
        assert "n0599" in "".join(segment.text for line in rendered(a) for segment in line)


async def test_rows_going_are_removed_a_few_per_slice_or_the_table_is_filled_anew():
    # DataTable.remove_row renumbers every row of the table: 80 removals at 2,000 rows took
    # 135 ms of one slice (a filter key on the remote nodes)
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        a, b = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
        full = rows(2000)
        cases = {"most go": {k: r for i, (k, r) in enumerate(full.items()) if i % 20 == 0},
                 "all go": {},
                 "some go": {k: r for i, (k, r) in enumerate(full.items()) if i % 100 != 7},
                 "one goes": {k: r for k, r in full.items() if k != "n1234"}}
        for name, wanted in cases.items():
            for table in (a, b):
                table.sync(COLUMNS, full, flash=False)
            await settled(pilot)
            change = a.plan(COLUMNS, wanted)
            moved: list[int] = []  # rows renumbered by the removals of each slice
            apply = a.apply

            def counted(change, *, start=0, stop=None, **kwargs):
                gone = max(0, min(stop, len(change.gone)) - start) if not change.rebuild else 0
                moved.append(gone * a.row_count)
                return apply(change, start=start, stop=stop, **kwargs)

            a.apply = counted
            await a.apply_sliced(change, flash=False)
            del a.apply
            b.sync(COLUMNS, wanted, flash=False)
            await settled(pilot)
            assert picture(a) == picture(b), name
            assert max(moved) <= changeset.REMOVAL_MOVES, (name, max(moved))
            if name == "most go":
                assert change.rebuild  # 1,900 removals cost more than 100 rows added
            if name == "one goes":
                assert not change.rebuild and change.gone == ("n1234",)


def test_plan_is_pure_data():
    change = plan(COLUMNS, rows(3), COLUMNS, {**rows(2), "n0009": rows(10)["n0009"]})
    assert change.gone == ("n0002",) and change.added == ("n0009",) and change.changed == ()
    assert plan((), {}, COLUMNS, rows(2)).rebuild


# --- the main screen: a big cluster's rows are made off the loop -----------------------------


def big_snapshot(remotes: int, standby_every: int = 0) -> Snapshot:
    nodes = [Node(f"node{i}", str(i), NodeKind.CLUSTER, online=True) for i in range(1, 4)]
    nodes += [Node(f"rem{i:04d}", f"rem{i:04d}", NodeKind.REMOTE, online=True,
                   standby=bool(standby_every) and i % standby_every == 0, connection_resource=f"rem{i:04d}")
              for i in range(remotes)]
    summary = Summary(stack="corosync", dc="node1", with_quorum=True, nodes_configured=len(nodes))
    return Snapshot(summary, tuple(nodes), ())


async def test_a_big_cluster_s_rows_are_prepared_in_a_worker_thread(monkeypatch):
    threads: list[int] = []
    prepare = tabrows.prepare

    def recorded(*args, **kwargs):
        threads.append(threading.get_ident() if loop_first._gate.get() is not None else "no gate")
        return prepare(*args, **kwargs)

    monkeypatch.setattr(tabrows, "prepare", recorded)
    first, second = big_snapshot(main_screen.BIG_CLUSTER + 100), big_snapshot(main_screen.BIG_CLUSTER + 50, 7)
    app = make_app(FakeSession([first, second]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        table = app._main().query_one("#remote-nodes", KeyedTable)
        await until(pilot, lambda: table.row_count == main_screen.BIG_CLUSTER + 100)
        app.action_refresh_now()
        await until(pilot, lambda: table.row_count == main_screen.BIG_CLUSTER + 50)
        await until(pilot, lambda: table.row_data("rem0007") is not None
                    and table.row_data("rem0007")[1][0] == "standby")
        await until(pilot, lambda: not app._main().slicing())  # the last slices applied
        assert threads and threading.get_ident() not in threads and "no gate" not in threads
        wanted = tabrows.tab_tables("nodes", second, app._main().options, "", app._main().auth_view())[1]
        assert {k: table.row_data(k) for k in table.row_keys} == dict(wanted.rows)
        assert table.row_keys == sorted(wanted.rows)


async def test_a_small_cluster_is_rendered_at_once(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(tabrows, "prepare", lambda *a, **k: calls.append("prepare") or [])
    app = make_app(FakeSession())
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        assert app._main().query_one("#cluster-nodes", KeyedTable).row_count > 0
        assert calls == []


async def test_moving_the_cursor_does_not_rebuild_the_footer():
    snap = big_snapshot(40)
    app = make_app(FakeSession([snap]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        screen = app._main()
        table = screen.query_one("#remote-nodes", KeyedTable)
        table.focus()
        await pilot.pause()
        published: list[object] = []
        screen.bindings_updated_signal.subscribe(screen, lambda s: published.append(s))
        for _ in range(5):
            await pilot.press("down")
        await pilot.pause()
        assert table.cursor_row == 5
        assert published == []


def test_tabrows_prepare_plans_against_the_given_state():
    snap = big_snapshot(5)
    options = main_screen.ViewOptions()
    states = {t: ((), {}, 4) for t in tabrows.TAB_TABLES["nodes"]}
    prepared = tabrows.prepare("nodes", snap, options, "", None, states)
    assert [w.table_id for w, _ in prepared] == list(tabrows.TAB_TABLES["nodes"])
    assert all(c.rebuild and c.since == 4 for _, c in prepared)
    assert dataclasses.is_dataclass(prepared[0][0])
