"""The main screen: header, banners, node panes by kind, resources, lists, action log.

It only renders what the app hands it (snapshot, refresh state, log records) and turns keys
into app requests; the refresh loop and the session live on the app.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections import deque
from typing import Any, Iterable, Mapping

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    TabbedContent,
    TabPane,
)

from tui import loop_first
from tui.ops import actions
from tui.plaintext import one_line
from tui.ui import heap, literal, present, tabrows
from tui.ui.authcells import AuthView
from tui.ui.commands import CommandError, parse
from tui.ui.logview import LOG_COLUMNS, full_text, is_running, log_row
from tui.ui.present import ViewOptions
from tui.ui.tabrows import PANE_IDS, TAB_TABLES, auth_cell, filter_note, filtered  # noqa: F401 - re-exported
from tui.ui.widgets.keyed_table import KeyedTable
from tui.ui.widgets.overview import Overview  # overview (issue 13)
from tui.ui.widgets.resource_tree import ResourceTree
from tui.ui.widgets.status import BannerBar, StatusLine
from tui.ui.messages import (
    AuthChanged,
    LogChanged,
    PlanEvent,
    PlanRequested,
    Repaint,
    ScreenFacts,
    StateChanged,
    StatusChanged,
)
from tui.ui.palette_commands import ConsoleCommands, Entry
from tui.ui.progress import ProgressLine

MAX_EVENTS = 500

TABS = ("nodes", "resources", "failures", "fencing", "tickets", "bans", "log")
TAB_TITLES = {
    "nodes": "1 Nodes", "resources": "2 Resources", "failures": "3 Failures",
    "fencing": "4 Fencing", "tickets": "5 Tickets", "bans": "6 Bans", "log": "7 Action log",
}
# --- overview (issue 13) ---
# crm_mon's one screen (tui.ui.widgets.overview): key 0, first in the tab strip; the number
# keys 1-7 stay those of the panes. On it f L c m o t A n r toggle its sections.
OVERVIEW = "overview"
NUMBERED_TABS = TABS
TABS = (OVERVIEW, *NUMBERED_TABS)
TAB_TITLES[OVERVIEW] = "0 Overview"
# --- end overview ---
# a cluster with this many nodes + top-level resources has its tables prepared in a worker
# thread and applied in slices (tui.ui.tabrows); a smaller one is rendered there and then
BIG_CLUSTER = 500
SHOW_TARGETS = {"cluster": ("nodes", "cluster-nodes"), "remote": ("nodes", "remote-nodes"),
                "guest": ("nodes", "guest-nodes")}
NODE_ACTIONS = {"standby", "node_maintenance"}
MUTATING = NODE_ACTIONS | {"cleanup", "cluster_maintenance", "wizard", "remove_node", "resource_actions"}
REMOTE_KINDS = ("remote", "guest")  # the kinds the wizards add, remove and diagnose


def _datetime(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


class MainScreen(Screen):
    COMMANDS = Screen.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        *(Binding(str(i + 1), f"show('{tab}')", TAB_TITLES[tab][2:], show=False)
          for i, tab in enumerate(NUMBERED_TABS)),
        Binding("0", f"show('{OVERVIEW}')", "Overview", show=False),  # overview (issue 13)
        # priority: the prompt opens before the App forwards the keys typed right after it
        # (a paste, a fast typist) to the table that still has focus
        Binding("slash", "start_filter", "Filter", priority=True),
        Binding("colon", "start_command", "Command", key_display=":", priority=True),
        Binding("f", "show('failures')", "Failures", show=False),
        Binding("c", "show('tickets')", "Tickets", show=False),
        Binding("L", "show('bans')", "Bans", show=False),
        Binding("m", "fence_level", "Fencing", show=False),
        Binding("o", "toggle('operations')", "Operations", show=False),
        Binding("t", "toggle('timing')", "Timing", show=False),
        Binding("r", "toggle('inactive')", "Inactive", show=False),
        Binding("A", "toggle('attributes')", "Attributes", show=False),
        Binding("R", "toggle('details')", "Details", show=False),
        Binding("n", "on_node", "On node"),
        Binding("s", "standby", "Standby±"),
        Binding("M", "node_maintenance", "Maint±"),
        Binding("C", "cleanup", "Cleanup"),
        Binding("W", "cluster_maintenance", "Cluster maint±", show=False),
        Binding("D", "diagnose", "Diagnose", show=False),
        Binding("a", "wizard('add-remote')", "Add remote", show=False),
        Binding("g", "wizard('add-guest')", "Add guest", show=False),
        Binding("X", "remove_node", "Remove node", show=False),
        # C is Cleanup's: the certificates wizard is K (keys)
        Binding("K", "wizard('certs-convert')", "Certs"),
        Binding("x", "resource_actions", "Actions"),  # issue 13: the selected resource's menu
        # the same keys in read-only mode: say so instead of doing nothing
        *(Binding(key, f"blocked('{name}')", show=False)
          for key, name in (("s", "standby"), ("M", "node_maintenance"), ("C", "cleanup"),
                            ("W", "cluster_maintenance"), ("a", "add_remote"), ("g", "add_guest"),
                            ("X", "remove_node"), ("K", "certs_convert"),
                            ("x", "resource_actions"))),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, facts: ScreenFacts) -> None:
        super().__init__()
        self.facts = facts
        # what the app told it last (tui.ui.messages): the screen renders only these
        self.snapshot = None
        self.outcome = None
        self.last_error: str | None = None
        self.status_host: str | None = None
        self.events: deque[tuple[float, Any]] = deque(maxlen=MAX_EVENTS)
        self.records: Mapping[str, Any] = {}
        self.freshness: tuple[str, bool] = ("", False)
        self.labels: tuple[str, ...] = ()
        self._behind: set[str] = set()  # what to render when the screen is shown again
        self.options = ViewOptions(auth=facts.auth)
        self.auth = AuthView()  # the auth view as last read (AuthChanged)
        self.filters: dict[str, str] = {}
        self.on_node_only = False
        self._dirty: set[str] = set(TABS)
        self._last_node_table: str = "cluster-nodes"
        self.ready = False  # composed and mounted: safe to render into
        self._subtitles: dict[str | None, str] = {}
        self._prompt_boxes: tuple[Input, ...] = ()  # the filter and command inputs (on_mount)
        self._bindings_shown: tuple | None = None  # what the footer was last told (bindings)

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◉")
        yield StatusLine(id="status")
        yield ProgressLine(id="plan-progress")  # shown only while a plan runs
        yield BannerBar(id="banners")
        with TabbedContent(id="tabs", initial="nodes"):
            with TabPane(TAB_TITLES[OVERVIEW], id=OVERVIEW):  # overview (issue 13)
                yield Overview(id="overview-pane")
            with TabPane(TAB_TITLES["nodes"], id="nodes"):
                with VerticalScroll(id="node-panes"):
                    for pane, table_id in PANE_IDS.items():
                        table = KeyedTable(id=table_id, classes="node-table", pinned=2)  # Node, State
                        table.border_title = pane
                        yield table
            with TabPane(TAB_TITLES["resources"], id="resources"):
                yield Label("", id="resources-scope")
                yield ResourceTree(id="resource-tree")
            with TabPane(TAB_TITLES["failures"], id="failures"):
                with VerticalScroll():
                    yield self._titled(KeyedTable(id="failed-actions"), "Failed resource actions")
                    yield self._titled(KeyedTable(id="failcounts"), "Fail counts")
                    yield self._titled(KeyedTable(id="operations"), "Operations")
            with TabPane(TAB_TITLES["fencing"], id="fencing"):
                yield self._titled(KeyedTable(id="fence-history"), "Fence history")
            with TabPane(TAB_TITLES["tickets"], id="tickets"):
                yield self._titled(KeyedTable(id="ticket-table"), "Tickets")
            with TabPane(TAB_TITLES["bans"], id="bans"):
                yield self._titled(KeyedTable(id="ban-table"), "Bans")
            with TabPane(TAB_TITLES["log"], id="log"):
                yield self._titled(KeyedTable(id="action-log"), "Action log")
        with Vertical(id="prompt"):
            yield Input(id="filter", placeholder="filter (enter keeps, esc clears)")
            yield Input(id="command", placeholder=":command  (:help lists them)")
        yield Footer()

    @staticmethod
    def _titled(table: KeyedTable, title: str) -> KeyedTable:
        table.border_title = title
        return table

    def on_mount(self) -> None:
        facts = self.facts
        self.title = one_line(f"pcmk-console — {facts.cluster_name}")
        self.sub_title = one_line(facts.source_label or "")
        for input_ in self.query(Input):
            input_.cursor_blink = facts.cursor_blink
        self._prompt_boxes = tuple(self.query("#prompt Input").results(Input))
        self.query_one("#operations").display = False
        production, colour = facts.production, facts.frame_colour
        if production or colour:
            self.add_class("-production" if production else "-framed")
            if colour:
                self.styles.border = ("thick", colour)
            self.border_title = literal.content(
                f" PRODUCTION — {facts.cluster_name} " if production else f" {facts.cluster_name} ")
        self.ready = True
        self.query_one("#cluster-nodes").focus()
        self.render_state()
        self.render_log()

    def on_unmount(self) -> None:
        self.ready = False

    # --- what the app tells it (tui.ui.messages) --------------------------------------------

    def _showing(self, what: str) -> bool:
        """Render now only when the user sees this screen: under a modal (a confirm dialog, a
        node's details) the work waits until the screen is back on top."""
        if self.ready and self.app.screen is self:  # (is_current also holds behind a modal)
            return True
        self._behind.add(what)
        return False

    @on(StateChanged)
    def _state_changed(self, message: StateChanged) -> None:
        self.snapshot, self.outcome = message.snapshot, message.outcome
        self.last_error, self.status_host = message.error, message.host or self.status_host
        self.events.extend(message.events)
        if message.changed and self._showing("state"):
            self.render_state()
        elif not message.changed and self._showing("status"):
            self.render_status()

    @on(StatusChanged)
    def _status_changed(self, message: StatusChanged) -> None:
        self.freshness, self.labels = message.freshness, message.labels
        if self._showing("status"):
            self.render_status()

    @on(LogChanged)
    def _log_changed(self, message: LogChanged) -> None:
        self.records = message.records
        if self._showing("log"):
            self.render_log()

    @on(AuthChanged)
    def _auth_changed(self, message: AuthChanged) -> None:
        first = not self.auth.collected  # the first read fills the column: no flash for it
        self.auth = AuthView.of(message.nodes, error=message.error, now=None)
        self._dirty.add("nodes")
        if self._showing("auth"):
            self.render_tab(self.active_tab, flash=not first)

    def auth_view(self) -> AuthView:
        """The auth view with the days counted from the console's clock now."""
        return dataclasses.replace(self.auth, now=_datetime(self.facts.clock()))

    @on(Repaint)
    def _repaint(self, message: Repaint) -> None:
        if self._showing("repaint"):
            self.repaint()

    @on(PlanEvent)
    def _plan_event(self, message: PlanEvent) -> None:
        # always shown: the line is on this screen, and a plan's progress must not lag
        self.query_one("#plan-progress", ProgressLine).show_event(message.event, undo=message.undo)

    def on_screen_resume(self) -> None:
        behind, self._behind = self._behind, set()
        if not self.ready:
            return
        if "repaint" in behind:
            self.repaint()
        if "state" in behind:
            self.render_state()
        elif "status" in behind:
            self.render_status()
        if "log" in behind:
            self.render_log()
        if "auth" in behind and "state" not in behind:
            self.render_tab(self.active_tab)

    def request_plan(self, plan) -> None:
        self.post_message(PlanRequested(plan))

    # --- rendering ------------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active or "nodes"

    def render_state(self) -> None:
        """Called after each refresh (and on the 1 s tick for the freshness text)."""
        self.render_status()
        self._dirty.update(TABS)
        self._dirty.discard("log")
        self.render_tab(self.active_tab)

    def render_status(self) -> None:
        snap = self.snapshot
        self.query_one("#status", StatusLine).show(
            present.header_parts(snap, self.facts.cluster_name, self.status_host),
            *self.freshness, self.labels)
        self.query_one("#banners", BannerBar).show(
            present.banners(self.outcome, snap, self.last_error))

    def render_tab(self, tab: str, *, force: bool = False, flash: bool = True) -> None:
        if tab not in self._dirty and not force:
            return
        self._dirty.discard(tab)
        snap = self.snapshot
        needle = self.filters.get(tab, "").lower()
        if tab in TAB_TABLES:
            self._render_tables(tab, needle, flash)
        elif tab == "resources":
            on_node = self.selected_node if self.on_node_only else None
            tree = self.query_one("#resource-tree", ResourceTree)
            tree.sync(snap, text_filter=needle, options=self.options, on_node=on_node, force=force)
            if snap is not None and not heap.reached("resources tab"):
                self.run_worker(self._freeze_when_settled(tree), group="heap", exclusive=True,
                                exit_on_error=False)
            self._show_resources_scope()
        elif tab == "log":
            self.render_log()
        elif tab == OVERVIEW:  # overview (issue 13)
            self.render_overview(needle)

    def _show_resources_scope(self) -> None:
        """The line above the tree: whose resources, and what the filter left of them
        ("…" until the tree's background passes have judged them all)."""
        on_node = self.selected_node if self.on_node_only else None
        scope = "all resources" if on_node is None else f"resources on {on_node}"
        needle = self.filters.get("resources", "").lower()
        tree = self.query_one("#resource-tree", ResourceTree)
        if needle:
            shown = tree.leaf_count() if tree.counted else None
            scope += f"  {filter_note(shown, tree.leaf_count(everything=True), needle)}"
        if not self.options.inactive:
            scope += "  (inactive hidden)"
        self.query_one("#resources-scope", Label).update(literal.content(scope))

    @on(ResourceTree.Counted, "#resource-tree")
    def _resources_counted(self) -> None:
        self._show_resources_scope()

    def render_log(self, only_running: bool = False) -> None:
        now = self.facts.clock()
        table = self.query_one("#action-log", KeyedTable)
        records = self.records
        needle = self.filters.get("log", "").lower()
        rows = {}
        for key, record in records.items():
            row = log_row(record, now)
            if not needle or any(needle in text.lower() for text, _ in row):
                rows[key] = row
        table.sync(LOG_COLUMNS, rows, flash=False)
        running = sum(1 for r in records.values() if is_running(r))
        subtitle = f"{len(records)} commands, {running} running"
        self._subtitle(table, filtered(subtitle, len(rows), len(records), needle))

    def _render_tables(self, tab: str, needle: str, flash: bool) -> None:
        """The tab's tables (tui.ui.tabrows): there and then for a small cluster; for a big one
        the rows and change sets are made in a worker thread and applied in slices. Either
        way a newer render of the tab supersedes one still under way."""
        self.workers.cancel_group(self, f"tables-{tab}")
        if tab == "failures":
            self.query_one("#operations", KeyedTable).display = self.options.operations
        snap = self.snapshot
        auth = self.auth_view() if tab == "nodes" else None
        if snap is None or len(snap.nodes) + len(snap.resources) < BIG_CLUSTER:
            for wanted in tabrows.tab_tables(tab, snap, self.options, needle, auth):
                table = self.query_one(f"#{wanted.table_id}", KeyedTable)
                table.sync(wanted.columns, wanted.rows, flash=flash)
                self._subtitle(table, wanted.subtitle)
            self._first_view_done(tab)
            return
        # a callable, not a coroutine: a worker superseded before it starts makes none. The
        # snapshot goes in a box the worker empties: a finished Worker lingers in a reference
        # cycle, and must not keep a whole snapshot alive with it until a full collection
        self.run_worker(functools.partial(self._render_tables_sliced, tab, [snap], self.options, needle, auth, flash),
                        group=f"tables-{tab}", name=f"render {tab}", exclusive=True, exit_on_error=False,
                        description=f"render {tab}")  # (else repr(work): the whole snapshot)

    async def _render_tables_sliced(self, tab: str, box: list, options: ViewOptions, needle: str, auth,
                                    flash: bool) -> None:
        snap = box.pop()
        states = {table_id: self.query_one(f"#{table_id}", KeyedTable).state() for table_id in TAB_TABLES[tab]}
        prepared = await loop_first.run(tabrows.prepare, tab, snap, options, needle, auth, states)
        for wanted, change in prepared:
            table = self.query_one(f"#{wanted.table_id}", KeyedTable)
            await table.apply_sliced(change, flash=flash)
            self._subtitle(table, wanted.subtitle)
        self._first_view_done(tab)

    def slicing(self) -> bool:
        """Work is being applied in slices: a tab's tables being filled, the tree being built."""
        if any(w.group.startswith("tables-") and not w.is_finished for w in self.workers):
            return True
        trees = self.query(ResourceTree)
        return any(tree.settling for tree in trees)

    def _first_view_done(self, tab: str) -> None:
        """A tab's tables show a status whole for the first time: what they hold stays for
        the session, out of the collector's full passes (tui.ui.heap)."""
        if self.snapshot is not None and not heap.reached(f"{tab} tab"):
            self.call_after_refresh(heap.freeze_once, f"{tab} tab")

    async def _freeze_when_settled(self, tree: ResourceTree) -> None:
        await tree.settled()  # every node made and labelled: the tree as the session keeps it
        self.call_after_refresh(heap.freeze_once, "resources tab")

    def _subtitle(self, widget, text: str) -> None:
        # literal (a filter is keyboard text) and set only on change: a border change costs
        # a layout pass
        if self._subtitles.get(widget.id) != text:
            self._subtitles[widget.id] = text
            widget.border_subtitle = literal.content(text) if text else None

    def repaint(self) -> None:
        """Theme changed: re-render every cell with the new colours."""
        for table in self.query(KeyedTable):
            table.repaint()
        self.render_status()
        self.render_tab("resources", force=True) if self.active_tab == "resources" else None
        self._dirty.add("resources")

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.render_tab(self.active_tab)
        self.refresh_bindings()

    # --- selection ------------------------------------------------------------------------

    @property
    def selected_node(self) -> str | None:
        """The node under the cursor of the node table used last.

        Read from the table at the moment an action asks (not from RowHighlighted messages,
        which can arrive after a fast typist's next key)."""
        if not self.ready:
            return None
        return self.query_one(f"#{self._last_node_table}", KeyedTable).selected_key()

    @on(DataTable.RowHighlighted, ".node-table")
    def _node_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._refresh_bindings_if_changed()

    def refresh_bindings(self) -> None:
        self._bindings_shown = None  # published unconditionally: the next check compares anew
        super().refresh_bindings()

    def _refresh_bindings_if_changed(self) -> None:
        """refresh_bindings, only when what the footer shows changes: each publish makes the
        Footer recompose (new widgets, CSS, a layout pass), too much for every cursor move."""
        shown = self._bindings_signature()
        if shown != self._bindings_shown:
            super().refresh_bindings()
            self._bindings_shown = shown

    def _bindings_signature(self) -> tuple:
        return (self.app.app_focus, tuple(
            (key, b.binding.action, b.binding.description, b.binding.key_display, b.binding.show, b.enabled,
             b.tooltip) for key, b in self.active_bindings.items()))

    def on_descendant_focus(self, event) -> None:
        widget = event.widget
        # focus events can arrive out of date (two focus() calls in one handler): only the
        # widget that holds focus now may become the action target
        if isinstance(widget, KeyedTable) and widget.has_class("node-table") and widget.has_focus:
            self._last_node_table = widget.id or self._last_node_table
        self.refresh_bindings()

    @on(DataTable.RowSelected, ".node-table")
    def _node_selected(self, event: DataTable.RowSelected) -> None:
        self._last_node_table = event.data_table.id or self._last_node_table
        self.action_node_detail()

    @on(DataTable.RowSelected, "#action-log")
    def _log_selected(self, event: DataTable.RowSelected) -> None:
        record = self.records.get(event.row_key.value)
        if record is not None:
            from tui.ui.screens.text_view import TextView

            self.app.push_screen(TextView(f"Command {event.row_key.value}",
                                          full_text(record, self.facts.clock())))

    def selected_node_obj(self):
        snap = self.snapshot
        if snap is None or self.selected_node is None:
            return None
        return snap.node(self.selected_node)

    def remote_target(self):
        """The selected remote or guest node (not a bundle's), on the Nodes tab, or None."""
        node = self.selected_node_obj() if self.active_tab == "nodes" else None
        if node is None or str(node.kind) not in REMOTE_KINDS or node.bundle:
            return None
        return node

    def cleanup_target(self) -> tuple[str | None, str | None] | None:
        """(resource, node) the cleanup key would act on here, or None."""
        tab = self.active_tab
        if tab == "resources":
            resource = self.query_one("#resource-tree", ResourceTree).selected_resource()
            return (resource, None) if resource else None
        if tab == "failures":
            for table_id in ("failed-actions", "failcounts"):
                table = self.query_one(f"#{table_id}", KeyedTable)
                key = table.selected_key() if table.has_focus else None
                row = table.row_data(key) if key else None
                if row:  # from the row, not the key: a key may carry a "#n" to stay unique
                    if table_id == "failed-actions":  # Node, Resource, ...
                        return (row[1][0] or None, row[0][0])
                    return (row[0][0], row[1][0] or None)  # Resource, Node, ...
            return None
        if tab == "nodes" and self.selected_node_obj() is not None:
            return (None, self.selected_node)
        return None

    # --- bindings that apply now ------------------------------------------------------------

    def _open_prompt(self) -> Input | None:
        if not self.ready:
            return None
        # every binding's check_action asks this: no DOM query here (the footer asks ~35)
        return next((box for box in self._prompt_boxes if box.display), None)

    def on_key(self, event) -> None:
        # Keys typed in a burst right after "/" or ":" were routed to the widget focused
        # before the prompt opened; they belong in the prompt.
        # (The Input stops the printable keys it gets, so one arriving here came from elsewhere.)
        box = self._open_prompt()
        if box is None:
            return
        if event.key == "enter" and not box.has_focus:
            event.stop()
            box.action_submit()
        elif event.is_printable and event.character:
            event.stop()
            box.insert_text_at_cursor(event.character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._open_prompt() is not None:  # typing into the prompt: no single-key actions
            return action in ("start_filter", "start_command") and False
        read_only = self.facts.read_only
        if action == "blocked":
            return read_only
        if action in MUTATING:
            if read_only:
                return False
            if action in NODE_ACTIONS:
                return self.active_tab == "nodes" and self.selected_node_obj() is not None
            if action == "cleanup":
                return self.cleanup_target() is not None
            if action == "remove_node":
                return self.remote_target() is not None
            if action == "resource_actions":  # cheap: the footer asks often (the menu checks more)
                return self.active_tab == "resources" and self._tree_cursor() is not None
            return True
        if action == "diagnose":
            return self.remote_target() is not None
        if action == "on_node":
            return self.active_tab == "resources"
        if action == "clear_filter":
            return bool(self.filters.get(self.active_tab))
        return True

    # --- actions: navigation and view -------------------------------------------------------

    def action_show(self, target: str) -> None:
        tab, focus = SHOW_TARGETS.get(target, (target, None))
        if tab not in TABS:
            self.notify(f"no pane called {target}", severity="warning")
            return
        self.query_one("#tabs", TabbedContent).active = tab
        self.render_tab(tab)
        widget_id = focus or {
            OVERVIEW: "overview-view",  # overview (issue 13)
            "nodes": self._last_node_table, "resources": "resource-tree",
            "failures": "failed-actions", "fencing": "fence-history", "tickets": "ticket-table",
            "bans": "ban-table", "log": "action-log",
        }[tab]
        widget = self.query_one(f"#{widget_id}")
        if widget.has_class("node-table"):
            # the action target changes now, not when the focus event arrives: a key typed
            # right after `:remote` must act on the remote pane the user sees highlighted
            self._last_node_table = widget_id
        widget.focus()
        self.refresh_bindings()

    def action_toggle(self, name: str) -> None:
        value = not getattr(self.options, name)
        self.options = dataclasses.replace(self.options, **{name: value})
        if name in ("operations", "timing") and self.active_tab != "failures":
            self.action_show("failures")
        self._dirty.update(TABS)
        self.render_tab(self.active_tab)
        self.notify(f"{name}: {'shown' if value else 'hidden'}", timeout=2)

    def action_fence_level(self) -> None:
        if self.active_tab != "fencing":
            self.action_show("fencing")
            return
        level = (self.options.fence_level + 1) % 4
        self.options = dataclasses.replace(self.options, fence_level=level)
        self.render_tab("fencing", force=True)

    def action_on_node(self) -> None:
        if self.selected_node is None:
            self.notify("select a node in the Nodes pane first", severity="warning")
            return
        self.on_node_only = not self.on_node_only
        self.render_tab("resources", force=True)

    # --- overview (issue 13) ---
    # The toggle keys are bindings of the Overview widget (tui.ui.widgets.overview): they
    # win while the focus is in it, so on every other tab the screen's bindings above still
    # jump to their panes. Here: what it shows, and the focus moved into it when it is shown.

    def render_overview(self, needle: str = "") -> None:
        snap = self.snapshot
        big = snap is not None and len(snap.nodes) + len(snap.resources) >= BIG_CLUSTER
        self.query_one("#overview-pane", Overview).update_from(
            snap, details=self.options.details, needle=needle, big=big)

    @on(TabbedContent.TabActivated)
    def _overview_focus(self, event: TabbedContent.TabActivated) -> None:
        # a click on the tab or tab-switching keys: the keys must reach the overview
        if self.active_tab == OVERVIEW and self._open_prompt() is None:
            self.query_one("#overview-view").focus()

    # --- end overview ---

    def action_node_detail(self) -> None:
        node = self.selected_node_obj()
        if node is None:
            self.notify("no node selected", severity="warning")
            return
        from tui.ui.screens.node_detail import NodeDetail

        events = [(at, e) for at, e in self.events if getattr(e, "node", None) == node.name]
        auth = self.auth_view() if self.facts.auth else None
        self.app.push_screen(NodeDetail(node, self.snapshot, events[-20:], auth=auth))

    # --- filter and command mode ------------------------------------------------------------

    def action_start_filter(self) -> None:
        box = self.query_one("#filter", Input)
        self.query_one("#command", Input).display = False
        box.display = True
        box.value = self.filters.get(self.active_tab, "")
        self.set_focus(box)  # now, not deferred: keys typed right after "/" belong to it

    def action_start_command(self) -> None:
        box = self.query_one("#command", Input)
        self.query_one("#filter", Input).display = False
        box.display = True
        box.value = ""
        self.set_focus(box)

    def action_clear_filter(self) -> None:
        self.filters.pop(self.active_tab, None)
        self.render_tab(self.active_tab, force=True)
        self.refresh_bindings()

    def set_filter(self, tab: str, text: str) -> None:
        if text:
            self.filters[tab] = text
        else:
            self.filters.pop(tab, None)
        self._dirty.add(tab)
        self.render_tab(tab, force=(tab == "resources"))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(self.active_tab, event.value.strip())

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self._close_prompt()

    @on(Input.Submitted, "#command")
    async def _command_done(self, event: Input.Submitted) -> None:
        line = event.value
        self._close_prompt()
        if not line.strip():
            return
        try:
            command, argument = parse(line)
        except CommandError as error:
            self.notify(str(error), severity="error")
            return
        action = command.action
        if argument is not None:
            action = f"{action}({argument!r})"
        if command.mutates:
            base = action.split("(")[0]
            if self.facts.read_only:
                self.action_blocked(base)
                return
            if not self.check_action(base, ()):
                self.notify(f":{command.name} needs a selection it can act on here",
                            severity="warning")
                return
        await self.run_action(action)

    def key_escape(self) -> None:
        if self.query_one("#prompt").has_focus_within:
            if self.query_one("#filter", Input).display:
                self.set_filter(self.active_tab, "")
            self._close_prompt()

    def _close_prompt(self) -> None:
        for box in self.query("#prompt Input"):
            box.display = False
        self.action_show(self.active_tab)

    # --- actions that change the cluster ----------------------------------------------------

    def action_blocked(self, name: str) -> None:
        self.notify(f"read-only: {name.replace('_', ' ')} is disabled; nothing was run",
                    title="read-only", severity="warning")

    def action_standby(self, on: bool | None = None) -> None:
        node = self.selected_node_obj()
        if node is None:
            return
        self.request_plan(actions.standby(node.name, not node.standby if on is None else on))

    def action_node_maintenance(self, on: bool | None = None) -> None:
        node = self.selected_node_obj()
        if node is None:
            return
        self.request_plan(
            actions.node_maintenance(node.name, not node.maintenance if on is None else on))

    def action_cleanup(self) -> None:
        target = self.cleanup_target()
        if target is None:
            self.notify("select a resource, a failure or a node to clean up", severity="warning")
            return
        resource, node = target
        self.request_plan(actions.cleanup(resource, node))

    def action_wizard(self, kind: str, **prefill) -> None:
        """A wizard screen (tui.ui.screens.wizard): it builds and runs its plan itself."""
        from tui.ui.screens.wizard import open_wizard

        open_wizard(self.app, kind, **prefill)

    def action_remove_node(self) -> None:
        node = self.remote_target()
        if node is None:
            self.notify("select a remote or guest node in the Nodes pane first", severity="warning")
            return
        self.action_wizard(f"remove-{node.kind}", name=node.name)

    def action_diagnose(self) -> None:
        node = self.remote_target()
        if node is None:
            self.notify("select a remote or guest node in the Nodes pane first", severity="warning")
            return
        from tui.ui.screens.wizard import open_diagnosis

        open_diagnosis(self.app, node.name)

    def action_cluster_maintenance(self, on: bool | None = None) -> None:
        snap = self.snapshot
        current = snap.summary.maintenance_mode if snap else False
        self.request_plan(actions.cluster_maintenance(not current if on is None else on))

    # --- resource actions (issue 13) ---------------------------------------------------------
    # x (or enter on a resource without children: enter on a group, clone or bundle keeps
    # expanding it) opens the menu of tui.ui.screens.resource_actions; its plan goes through
    # the app's confirm-then-run path like standby's

    def _tree_cursor(self):
        tree = getattr(self, "_actions_tree", None)  # found once: check_action asks often
        if tree is None:
            tree = self._actions_tree = self.query_one("#resource-tree", ResourceTree)
        node = tree.cursor_node
        return node if node is not None and node.data is not None else None

    def resource_actions_target(self):
        """The Target (resource_actions) for the resource under the tree's cursor, or None."""
        if not self.ready or self.active_tab != "resources":
            return None
        from tui.ui.screens.resource_actions import target_for

        node = self._tree_cursor()
        path: list[str] = []
        while node is not None and node.data is not None:
            path.append(node.data)
            node = node.parent
        return target_for(self.snapshot, path[::-1])

    def action_resource_actions(self) -> None:
        if self.facts.read_only:
            self.action_blocked("resource_actions")
            return
        target = self.resource_actions_target()
        if target is None:
            self.notify("select a resource in the Resources pane first", severity="warning")
            return
        from tui.ui.screens.resource_actions import open_resource_actions

        open_resource_actions(self.app, target, self.snapshot, self.request_plan)

    @on(ResourceTree.NodeSelected, "#resource-tree")
    def _resource_selected(self, event: ResourceTree.NodeSelected) -> None:
        if event.node.allow_expand or self._open_prompt() is not None:
            return  # enter on a group, clone or bundle expands or collapses it
        self.action_resource_actions()

    # --- the command palette (ctrl+p): what applies here, now ----------------------------

    def console_commands(self) -> Iterable[Entry]:
        """The console's palette entries (tui.ui.palette_commands shows them literally)."""
        if not self.ready:
            return
        app = self.app
        yield Entry("Refresh now", "Fetch cluster status now", app.action_refresh_now)
        yield Entry("Pause / resume live refresh", "Toggle live refresh", app.action_pause)
        for name in (OVERVIEW, "cluster", "remote", "guest", "resources", "failures", "fencing",
                     "tickets", "bans", "log"):  # overview (issue 13)
            yield Entry(f"Show {name}", f"Go to the {name} pane", lambda n=name: self.action_show(n))
        remote = self.remote_target()
        if remote is not None:  # a read: offered in read-only mode too
            yield Entry(f"Diagnose {remote.name}", "Why is it offline? (connection, port, daemon, key, logs)",
                        self.action_diagnose)
        if self.facts.read_only:
            return
        node = self.selected_node_obj() if self.active_tab == "nodes" else None
        if node is not None:
            name = node.name
            if node.standby:
                yield Entry(f"Unstandby {name}", "Take the node out of standby",
                            lambda: self.action_standby(False))
            else:
                yield Entry(f"Standby {name}", "Put the node into standby",
                            lambda: self.action_standby(True))
            if node.maintenance:
                yield Entry(f"Maintenance off for {name}", "Manage its resources again",
                            lambda: self.action_node_maintenance(False))
            else:
                yield Entry(f"Maintenance on for {name}", "Stop managing its resources",
                            lambda: self.action_node_maintenance(True))
        yield Entry("Convert to X.509 certificates…", "Wizard: Pacemaker Remote from the PSK authkey to certificates",
                    lambda: self.action_wizard("certs-convert"))
        yield Entry("Renew certificates…", "Wizard: reissue the certificates that expire soon",
                    lambda: self.action_wizard("certs-renew"))
        yield Entry("Add a remote node…", "Wizard: pacemaker_remote on a new machine",
                    lambda: self.action_wizard("add-remote"))
        yield Entry("Add a guest node…", "Wizard: a VM or container resource becomes a node",
                    lambda: self.action_wizard("add-guest"))
        remote = self.remote_target()
        if remote is not None:
            yield Entry(f"Remove {remote.kind} node {remote.name}…", "Wizard: take it out of the cluster",
                        self.action_remove_node)
        target = self.cleanup_target()
        if target is not None:
            resource, node_name = target
            yield Entry(f"Clean up {resource or 'all'}" + (f" on {node_name}" if node_name else ""),
                        "Clear failures (crm_resource --cleanup)", self.action_cleanup)
        snap = self.snapshot
        on = not (snap.summary.maintenance_mode if snap else False)
        yield Entry(f"Cluster maintenance mode {'on' if on else 'off'}",
                    "Set maintenance-mode for the whole cluster",
                    lambda: self.action_cluster_maintenance(on))
