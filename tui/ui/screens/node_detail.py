"""Enter on a node: its state, connection, attributes, resources, failures and recent events."""

from __future__ import annotations

import time
from typing import Sequence

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.pacemaker.model import Node, NodeKind, Snapshot
from tui.ui.palette import Palette
from tui.ui.present import node_state, resource_label, resources_on


def _facts(node: Node) -> list[tuple[str, str]]:
    facts = [("kind", node.kind.value), ("id", node.id)]
    if node.is_dc:
        facts.append(("role", "DC (designated controller)"))
    if node.kind is NodeKind.REMOTE:
        facts += [
            ("connection resource", node.connection_resource or "?"),
            ("connection hosted by", node.host or "(not running)"),
            ("server", f"{node.address or node.name}:{node.port or 3121}"),
            ("reconnect interval", node.reconnect_interval or "(none)"),
        ]
    elif node.kind in (NodeKind.GUEST, NodeKind.BUNDLE):
        facts += [
            ("container resource", node.container_resource or "?"),
            ("container runs on", node.host or "(not running)"),
            ("remote-addr", f"{node.address or node.name}:{node.port or 3121}"),
            ("connect timeout", node.connect_timeout or "60s (default)"),
            ("bundle" if node.bundle else "type", node.bundle or "VM / container"),
        ]
        if node.connection_resource:
            facts.append(("connection resource", node.connection_resource))
    if node.feature_set:
        facts.append(("feature set", node.feature_set))
    facts.append(("resources running", str(node.resources_running)))
    flags = [name for name, on in (
        ("standby", node.standby), ("standby on-fail", node.standby_onfail),
        ("maintenance", node.maintenance), ("pending", node.pending),
        ("unclean", node.unclean), ("shutting down", node.shutdown),
        ("expected up", node.expected_up)) if on]
    facts.append(("flags", ", ".join(flags) or "none"))
    return facts


def _table(title: str, *columns: str, header: bool = True) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, title_style="bold", show_header=header)
    for column in columns:
        table.add_column(column, no_wrap=True)
    return table


class NodeDetail(ModalScreen[None]):
    DEFAULT_CSS = """
    NodeDetail { align: center middle; }
    NodeDetail VerticalScroll { width: 95%; height: 92%; border: round $primary;
        background: $surface; padding: 0 1; }
    NodeDetail Static { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, node: Node, snapshot: Snapshot, events: Sequence[tuple[float, object]]) -> None:
        super().__init__()
        self.node = node
        self.snapshot = snapshot
        self.events = events

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"Node {self.node.name}"
            yield Static(id="state")
            yield Static(id="facts")
            yield Static(id="attributes")
            yield Static(id="resources")
            yield Static(id="failures")
            yield Static(id="events")
        yield Footer()

    def on_mount(self) -> None:
        palette = Palette(self.app.theme_variables)
        node, snap = self.node, self.snapshot
        word, token = node_state(node)
        state = Text(f"{node.name}  ", "bold")
        state.append(word, palette.style(token))
        self.query_one("#state", Static).update(state)

        facts = _table("Connection and state", "", "", header=False)
        for key, value in _facts(node):
            facts.add_row(key, value)
        self.query_one("#facts", Static).update(facts)

        attrs = _table("Attributes", "name", "value")
        for key, value in sorted(node.attributes.items()):
            attrs.add_row(key, value)
        if not node.attributes:
            attrs.add_row("(none)", "")
        self.query_one("#attributes", Static).update(attrs)

        res = _table("Resources on this node", "resource")
        for resource in resources_on(snap, node.name):
            res.add_row(palette.line(resource_label(resource)))
        if not res.row_count:
            res.add_row("(none)")
        self.query_one("#resources", Static).update(res)

        fails = _table("Failures", "resource", "operation", "status", "reason", "when")
        for f in snap.failures:
            if f.node == node.name:
                fails.add_row(f.resource or "", f.task or f.op_key, f.exit_status or f.status or "",
                              f.exit_reason or "", f.last_rc_change or "")
        for h in snap.history:
            if h.node == node.name and h.fail_count:
                limit = h.migration_threshold if h.migration_threshold is not None else "-"
                fails.add_row(h.resource, "fail-count", f"{h.fail_count} (threshold {limit})",
                              "", h.last_failure or "")
        if not fails.row_count:
            fails.add_row("(none)", "", "", "", "")
        self.query_one("#failures", Static).update(fails)

        events = _table("Recent events", "when", "severity", "what")
        for at, event in self.events:
            when = time.strftime("%H:%M:%S", time.localtime(at))
            events.add_row(when, str(getattr(event, "severity", "")),
                           str(getattr(event, "message", event)))
        if not events.row_count:
            events.add_row("", "", "(no changes seen this session)")
        self.query_one("#events", Static).update(events)

    def action_close(self) -> None:
        self.dismiss(None)
