"""Enter on a node: its state, connection, authentication, attributes, resources, failures
and recent events."""

from __future__ import annotations

from typing import Sequence

from rich import box
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.ops import actions
from tui.pacemaker import commands
from tui.pacemaker.model import Node, NodeKind, Snapshot
from tui.pacemaker.when import at, cluster_time
from tui.ui import literal
from tui.ui.authcells import AuthView
from tui.ui.palette import Palette
from tui.ui.present import node_state, resource_label, resources_on


AUTH_KINDS = (NodeKind.CLUSTER, NodeKind.REMOTE, NodeKind.GUEST)  # the nodes the auth view reads
NODE_ACTIONS = ("standby", "node_maintenance", "cleanup", "fence", "clear_failcounts")
FENCE_LIST_TIMEOUT = 30.0


def failcount_resources(snapshot: Snapshot | None, node: str) -> tuple[str, ...]:
    """The resources with a fail count on `node` (the snapshot's history), in its order."""
    if snapshot is None:
        return ()
    return tuple(dict.fromkeys(h.resource for h in snapshot.history if h.node == node and h.fail_count))


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


class _Table(Table):
    """A rich Table whose str cells are literal text (rich would parse them as markup)."""

    def add_row(self, *cells, **kw) -> None:
        super().add_row(*(literal.text(c) if isinstance(c, str) else c for c in cells), **kw)


def _table(title: str, *columns: str, header: bool = True) -> Table:
    table = _Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
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
    # the node's own actions work here too (the footer shows them; read-only refuses them)
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("s", "standby", "Standby±"),
        Binding("M", "node_maintenance", "Maint±"),
        Binding("C", "cleanup", "Cleanup"),
        Binding("F", "fence", "Fence"),
        Binding("Z", "clear_failcounts", "Clear fail counts"),
        *(Binding(key, f"blocked('{name}')", show=False)
          for key, name in (("s", "standby"), ("M", "node_maintenance"), ("C", "cleanup"),
                            ("F", "fence"), ("Z", "clear_failcounts"))),
    ]

    def __init__(self, node: Node, snapshot: Snapshot, events: Sequence[tuple[float, object]],
                 *, auth: AuthView | None = None) -> None:
        super().__init__()
        self.node = node
        self.snapshot = snapshot
        self.events = events
        self.auth = auth  # None: this console does not read the auth view

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = literal.content(f"Node {self.node.name}")
            yield Static(id="state")
            yield Static(id="facts")
            yield Static(id="auth")
            yield Static(id="attributes")
            yield Static(id="resources")
            yield Static(id="failures")
            yield Static(id="events")
        yield Footer()

    def on_mount(self) -> None:
        palette = Palette(self.app.theme_variables)
        node, snap = self.node, self.snapshot
        word, token = node_state(node)
        state = literal.text(f"{node.name}  ", "bold")
        state.append(word, palette.style(token))
        self.query_one("#state", Static).update(state)

        facts = _table("Connection and state", "", "", header=False)
        for key, value in _facts(node):
            facts.add_row(key, value)
        self.query_one("#facts", Static).update(facts)

        auth = self.query_one("#auth", Static)
        auth.display = self.auth is not None and node.kind in AUTH_KINDS
        if auth.display:
            table = _table("Authentication", "", header=False)
            table.add_column("", overflow="fold")  # a fingerprint or a path: wrapped, never cut
            for label, value, token in self.auth.detail(node.name):
                table.add_row(label, literal.text(value, palette.style(token)))
            auth.update(table)

        attrs = _table("Attributes", "name", "value")
        for key, value in sorted(node.attributes.items()):
            attrs.add_row(key, value)
        if not node.attributes:
            attrs.add_row("(none)", "")
        self.query_one("#attributes", Static).update(attrs)

        res = _table("Resources on this node", "resource")
        for resource in resources_on(snap, node.name):
            res.add_row(palette.line(resource_label(resource, snap)))
        if not res.row_count:
            res.add_row("(none)")
        self.query_one("#resources", Static).update(res)

        fails = _table("Failures", "resource", "operation", "status", "reason", "when")
        for f in snap.failures:
            if f.node == node.name:
                fails.add_row(f.resource or "", f.task or f.op_key, f.exit_status or f.status or "",
                              f.exit_reason or "", cluster_time(f.last_rc_change))
        for h in snap.history:
            if h.node == node.name and h.fail_count:
                limit = h.migration_threshold if h.migration_threshold is not None else "-"
                fails.add_row(h.resource, "fail-count", f"{h.fail_count} (threshold {limit})",
                              "", cluster_time(h.last_failure))
        if not fails.row_count:
            fails.add_row("(none)", "", "", "", "")
        self.query_one("#failures", Static).update(fails)

        events = _table("Recent events", "when", "severity", "what")
        for seen, event in self.events:
            events.add_row(at(seen), str(getattr(event, "severity", "")),
                           str(getattr(event, "message", event)))
        if not events.row_count:
            events.add_row("", "", "(no changes seen this session)")
        self.query_one("#events", Static).update(events)

    def action_close(self) -> None:
        self.dismiss(None)

    # the actions go through the app's confirm-then-apply path, like the main screen's keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        read_only = bool(getattr(self.app, "read_only", False))
        if action in NODE_ACTIONS:
            return not read_only  # read-only: not offered
        if action == "blocked":
            return read_only
        return True

    def action_blocked(self, name: str) -> None:
        self.notify(f"read-only: {name.replace('_', ' ')} is disabled; nothing was run",
                    title="read-only", severity="warning")

    def _apply(self, plan) -> None:
        self.dismiss(None)
        self.app.confirm_and_apply(plan)

    def action_standby(self) -> None:
        self._apply(actions.standby(self.node.name, not self.node.standby))

    def action_node_maintenance(self) -> None:
        self._apply(actions.node_maintenance(self.node.name, not self.node.maintenance))

    def action_cleanup(self) -> None:
        self._apply(actions.cleanup(None, self.node.name))

    # --- issue 13: fence (the devices that can act asked first) and clear fail counts -------

    def action_fence(self) -> None:
        self.notify(f"asking which fence devices can fence {self.node.name}…", timeout=2)
        self.run_worker(self._fence(), group="fence", exclusive=True, exit_on_error=False,
                        description="fence devices")

    async def _fence(self) -> None:
        devices = await self.read_fence_devices()
        self._apply(actions.fence(self.node.name, devices=devices))

    async def read_fence_devices(self) -> tuple[str, ...]:
        """Which devices can fence this node (stonith_admin --list, a read); () when that
        cannot be known (no session, a failed read): the plan then says it is not known."""
        session = getattr(self.app, "session", None)
        pool = getattr(session, "pool", None)
        if pool is None:
            return ()
        try:
            result = await pool.run(getattr(session, "action_host", None) or self.node.name,
                                    commands.fence_devices_for(self.node.name),
                                    purpose=f"fence devices for {self.node.name}", read=True,
                                    timeout=FENCE_LIST_TIMEOUT)
        except Exception:  # noqa: BLE001 - an unknown device list is said in the plan, not raised
            return ()
        return tuple(actions.fence_devices(result)) if result.ok else ()

    def action_clear_failcounts(self) -> None:
        resources = failcount_resources(self.snapshot, self.node.name)
        if not resources:
            self.notify(f"no fail counts on {self.node.name}", severity="warning")
            return
        self._apply(actions.clear_failcounts(self.node.name, resources))
