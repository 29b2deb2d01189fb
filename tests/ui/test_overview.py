"""The Overview tab (issue 13): crm_mon's one screen, with crm_mon's keys toggling its sections.

Under the pilot on the demo cluster: `0` shows it, each of f o t A c L m n r shows and hides
its section (and the legend says so), while on every other tab the same keys still jump to
their panes. On the sample snapshot: a refresh with nothing new builds nothing, a big cluster
is built off the event loop, a section is cut with a "… N more" line, and hostile node and
resource names render literally. Snapshots: the overview as it opens, and with toggles on.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests import hostile
from tests.ui.helpers import first_refresh, make_app, next_refresh, screen_text, until
from tests.ui.sample import FROZEN, FakeConfig, FakeSession, sample_snapshot
from tui.pacemaker.model import Node, NodeKind, Resource, ResourceKind
from tui.ui.screens.main import OVERVIEW, MainScreen
from tui.ui.widgets import overview_lines
from tui.ui.widgets.overview import Overview, OverviewView


class Clock:
    def __init__(self) -> None:
        self.now = FROZEN

    def __call__(self) -> float:
        return self.now


def demo_app(tmp_path):
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session

    clock = Clock()
    session = build_session(Config(), demo=True, clock=clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    app = make_app(session, FakeConfig())
    app.clock = clock
    return app


def overview(app) -> Overview:
    return app._main().query_one("#overview-pane", Overview)


def shown(app) -> str:
    return overview(app).view.text()


def legend(app) -> str:
    return str(app._main().query_one("#overview-legend").render())


async def on_overview(app, pilot) -> MainScreen:
    await until(pilot, lambda: app.refresh_count > 0, timeout=10)
    await pilot.pause()
    await pilot.press("0")
    await until(pilot, lambda: "Cluster Summary:" in shown(app))
    return app._main()


# (key, a text only its section shows); the defaults are crm_mon's: all of them off
SECTIONS = [
    ("f", "Migration Summary:"),
    ("o", "Operations:"),
    ("A", "Node Attributes:"),
    ("c", "Tickets:"),
    ("L", "Negative Location Constraints:"),
    ("n", "(resources grouped by node)"),
    ("r", "Full List of Resources:"),
]


async def test_zero_opens_the_overview_with_crm_mons_sections(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_overview(app, pilot)
        assert main.active_tab == OVERVIEW
        assert isinstance(app.focused, OverviewView)
        text = shown(app)
        for heading in ("Cluster Summary:", "Current DC: node1", "Node List:", "Active Resources:"):
            assert heading in text
        for _key, only_then in SECTIONS:
            assert only_then not in text
        # the demo's nodes of every kind, with their states
        assert "Node node3: standby" in text
        assert "Online: [ node1 node2 ]" in text
        assert "RemoteOnline: [ rn1 rn2 ]" in text
        assert "GuestOnline: [ gn1@node1" in text
        assert "○f fail counts" in legend(app) and "●m fencing:failed" in legend(app)


@pytest.mark.parametrize(("key", "only_then"), SECTIONS, ids=[k for k, _ in SECTIONS])
async def test_each_key_shows_and_hides_its_section(tmp_path, key, only_then):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_overview(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        assert only_then in shown(app)
        assert f"●{key}" in legend(app)
        assert main.active_tab == OVERVIEW  # toggled here: no jump to a pane
        await pilot.press(key)
        await pilot.pause()
        assert only_then not in shown(app)
        assert f"○{key}" in legend(app)


async def test_t_adds_timing_to_the_operations(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_overview(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert "Operations:" in shown(app) and "exec-time=" not in shown(app)
        await pilot.press("t")
        await pilot.pause()
        assert "exec-time=" in shown(app) and "last-rc-change=" in shown(app)
        assert "●t timing" in legend(app)
        await pilot.press("t")
        await pilot.pause()
        assert "exec-time=" not in shown(app)


async def test_m_cycles_the_fencing_history_level(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_overview(app, pilot)
        text = shown(app)  # level 1 (crm_mon's default): failed and pending only
        assert "Fencing History:  (m: failed and pending)" in text
        assert "reboot of node3 FAILED" in text and "successful" not in text
        await pilot.press("m")  # 2: all
        await pilot.pause()
        assert "reboot of node3 successful" in shown(app) and "delegate=" not in shown(app)
        assert "●m fencing:all" in legend(app)
        await pilot.press("m")  # 3: with details
        await pilot.pause()
        assert "delegate=" in shown(app)
        await pilot.press("m")  # 0: off
        await pilot.pause()
        assert "Fencing History:" not in shown(app)
        assert "○m fencing:off" in legend(app)


@pytest.mark.parametrize(("key", "tab"), [("f", "failures"), ("L", "bans"), ("c", "tickets"),
                                          ("m", "fencing"), ("o", "failures"), ("t", "failures")])
async def test_on_another_tab_the_keys_still_jump_to_their_panes(tmp_path, key, tab):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_overview(app, pilot)
        before = overview(app).toggles
        await pilot.press("2")  # the resource tree
        await pilot.pause()
        await pilot.press(key)
        await until(pilot, lambda: main.active_tab == tab)
        assert overview(app).toggles == before  # the overview's toggles are its own


async def test_on_another_tab_a_r_n_keep_their_pane_meaning(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_overview(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("A", "r")
        await pilot.pause()
        assert main.options.attributes and not main.options.inactive
        assert overview(app).toggles == overview_lines.Toggles()
        await pilot.press("0", "A")
        await pilot.pause()
        assert overview(app).toggles.attributes
        assert main.options.attributes  # untouched by the overview's A


async def test_a_click_on_the_tab_moves_the_focus_so_the_keys_toggle(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_overview(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        await pilot.click("#tabs Tab#--content-tab-overview")
        await until(pilot, lambda: main.active_tab == OVERVIEW and isinstance(app.focused, OverviewView))
        await pilot.press("c")
        await pilot.pause()
        assert main.active_tab == OVERVIEW and "Tickets:" in shown(app)


async def test_a_refresh_with_nothing_new_builds_nothing_and_a_change_shows():
    snap = sample_snapshot()
    node3 = snap.node("node3")
    changed = dataclasses.replace(snap, nodes=tuple(
        dataclasses.replace(n, standby=False, online=False) if n is node3 else n for n in snap.nodes))
    session = FakeSession([snap, snap, dataclasses.replace(snap), changed])
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("0")
        await pilot.pause()
        view = overview(app).view
        builds, shown_ = overview(app).builds, view.builds_shown
        assert "Node node3: standby" in view.text()
        await next_refresh(app, pilot)  # the same snapshot object
        assert overview(app).builds == builds and view.builds_shown == shown_
        await next_refresh(app, pilot)  # an equal copy: built, and nothing on screen touched
        assert view.builds_shown == shown_
        await next_refresh(app, pilot)
        assert view.builds_shown == shown_ + 1
        assert "OFFLINE: [ node3 ]" in view.text() and "standby" not in view.text()


def big_snapshot(nodes: int = 700):
    base = sample_snapshot()
    many = tuple(Node(name=f"n{i:04d}", id=str(i), kind=NodeKind.CLUSTER, online=bool(i % 5))
                 for i in range(nodes))
    resources = tuple(Resource(id=f"r{i:04d}", kind=ResourceKind.PRIMITIVE, agent="ocf:pacemaker:Dummy",
                               role="Started", active=True, nodes=(f"n{i % nodes:04d}",))
                      for i in range(nodes))
    return dataclasses.replace(base, nodes=many, resources=resources)


async def test_a_big_cluster_is_built_off_the_loop_and_drawn_a_screenful_at_a_time(monkeypatch):
    import threading

    threads = set()
    real = overview_lines.build

    def spy(*args, **kw):
        threads.add(threading.current_thread() is threading.main_thread())
        return real(*args, **kw)

    monkeypatch.setattr(overview_lines, "build", spy)
    app = make_app(FakeSession([big_snapshot()]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("0")
        await until(pilot, lambda: "r0699" in shown(app))
        assert threads == {False}  # never on the event loop's thread
        view = overview(app).view
        assert view.virtual_size.height == len(view.lines) > 700
        await pilot.press("n")  # a toggle on a big cluster: off the loop too
        await until(pilot, lambda: "(resources grouped by node)" in shown(app))
        assert threads == {False}


def test_a_long_section_is_cut_with_the_count_of_what_is_left(monkeypatch):
    monkeypatch.setattr(overview_lines, "SECTION_LIMIT", 50)
    lines = overview_lines.build(big_snapshot(120), overview_lines.Toggles())
    text = ["".join(t for t, _ in line) for line in lines]
    assert "  … 70 more (the first 50 are shown)" in text  # 120 resources, 50 shown
    assert not any("r0050" in line for line in text)
    assert "Failed Resource Actions:" in text  # the sections after it are all there


def test_filter_keeps_the_matching_lines():
    lines = overview_lines.build(sample_snapshot(), overview_lines.Toggles(), needle="pgsql")
    text = "\n".join("".join(t for t, _ in line) for line in lines)
    assert "db (ocf:heartbeat:pgsql)" in text and "fence-ipmi" not in text
    assert "Cluster Summary:" in text  # the summary stays


@pytest.mark.parametrize("value", hostile.MARKUP + hostile.ESCAPES + hostile.LAYOUT,
                         ids=[hostile.short(v) for v in hostile.MARKUP + hostile.ESCAPES + hostile.LAYOUT])
def test_hostile_strings_are_escaped_in_every_line(value):
    snap = hostile.poison(sample_snapshot(), value)
    everything = overview_lines.Toggles(failcounts=True, operations=True, timing=True, attributes=True,
                                        tickets=True, bans=True, fencing=3, inactive=True)
    for toggles in (everything, dataclasses.replace(everything, by_node=True)):
        for line in overview_lines.build(snap, toggles, details=True):
            for text, _token in line:
                assert hostile.raw_controls(text) == []
                assert "\n" not in text


def assert_literal(app) -> str:
    """What the terminal shows (tests/ui/test_hostile_ui.py's check): no raw control character,
    no click action or link made of a cluster string."""
    joined, styles = screen_text(app)
    assert hostile.raw_controls(joined) == []
    for style in styles:
        assert "screen.confirm" not in str((style.meta or {}).get("@click", ""))
        assert not style.link
    return joined


async def test_hostile_names_render_literally_on_screen():
    markup, escape = "[bold red]not bold[/bold red]", "\x1b]0;PWNED\x07[@click=screen.confirm]x[/]"
    snap = sample_snapshot()
    nodes = tuple(dataclasses.replace(n, name=markup) if n.name == "node3" else n for n in snap.nodes)
    resources = tuple(dataclasses.replace(r, id=escape) if r.id == "broken" else r for r in snap.resources)
    app = make_app(FakeSession([dataclasses.replace(snap, nodes=nodes, resources=resources)]))
    async with app.run_test(size=(160, 60)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("0", "n")
        await pilot.pause()
        text = assert_literal(app)
        assert f"Node {markup}: standby" in text  # the brackets are there, as typed
        assert "\\e]0;PWNED\\x07[@click=screen.confirm]x[/]" in text


# --- snapshots -------------------------------------------------------------------------------


def ready(*keys):
    async def run_before(pilot) -> None:
        await first_refresh(pilot.app, pilot)
        await pilot.press("0", *keys)
        await pilot.pause()
    return run_before


def test_overview_snapshot(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=ready())


def test_overview_by_node_with_fail_counts_and_operations_snapshot(snap_compare):
    assert snap_compare(make_app(), terminal_size=(140, 50), run_before=ready("n", "r", "f", "o", "t", "A"))
