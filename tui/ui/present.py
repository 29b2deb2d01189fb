"""Snapshot -> what the screen shows, as plain data (no widgets).

Cells are (text, style token) pairs; a token names a theme variable (e.g. "node-online") so
the widgets can colour them from the active theme. Keeping this pure makes the per-refresh
diff cheap: compare tuples, touch only the cells that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tui.pacemaker.model import (
    ConditionKind,
    Node,
    NodeKind,
    Resource,
    Snapshot,
    StatusOutcome,
    Unavailable,
)
from tui.pacemaker.vocabulary import (
    NODE_KIND_TITLES,
    Severity,
    node_state_words,
    resource_state,
    state_text,
)

Cell = tuple[str, str | None]
Row = tuple[Cell, ...]

# the titles `status` uses too; the guest pane holds bundle nodes as well
CLUSTER_PANE = NODE_KIND_TITLES[NodeKind.CLUSTER]
REMOTE_PANE = NODE_KIND_TITLES[NodeKind.REMOTE]
GUEST_PANE = NODE_KIND_TITLES[NodeKind.GUEST]

PANE_KINDS: dict[str, tuple[NodeKind, ...]] = {
    CLUSTER_PANE: (NodeKind.CLUSTER, NodeKind.PING),
    REMOTE_PANE: (NodeKind.REMOTE,),
    GUEST_PANE: (NodeKind.GUEST, NodeKind.BUNDLE),
}


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """crm_mon-style display toggles."""

    attributes: bool = False  # A
    details: bool = False  # R
    inactive: bool = True  # r
    operations: bool = False  # o
    timing: bool = False  # t
    fence_level: int = 2  # m: 0 off, 1 failed+pending, 2 all, 3 all with details
    auth: bool = False  # the Auth column (the app reads the auth view)


def node_state(node: Node) -> Cell:
    """crm_mon's state words (colour-blind safe), e.g. "UNCLEAN (offline)", plus a colour token."""
    words = node_state_words(node)
    return (state_text(words), _NODE_TOKENS.get(words[0], "node-offline"))


_NODE_TOKENS = {
    "UNCLEAN": "node-unclean",
    "pending": "node-pending",
    "OFFLINE": "node-offline",
    "maintenance": "node-maintenance",
    "standby": "node-standby",
    "online": "node-online",
}


def _plain(value: object) -> Cell:
    return ("" if value is None else str(value), None)


def _address(node: Node) -> str:
    if not node.address and node.port is None:
        return ""
    return f"{node.address or node.name}:{node.port}" if node.port is not None else node.address or ""


def _attrs(node: Node) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(node.attributes.items()))


def node_columns(pane: str, options: ViewOptions) -> tuple[tuple[str, str], ...]:
    """(key, label) of each column of a node pane."""
    cols: list[tuple[str, str]] = [("name", "Node"), ("state", "State")]
    if options.auth:  # next to the state: still on screen when 80 columns scroll the rest
        cols.append(("auth", "Auth"))
    if pane == CLUSTER_PANE:
        cols += [("dc", "DC"), ("resources", "Resources"), ("feature", "Feature set")]
    elif pane == REMOTE_PANE:
        cols += [
            ("connection", "Connection"),
            ("host", "Hosted by"),
            ("address", "Server:port"),
            ("reconnect", "Reconnect"),
            ("resources", "Resources"),
        ]
    else:
        cols += [
            ("container", "Container"),
            ("host", "Container on"),
            ("address", "Remote-addr:port"),
            ("via", "Bundle/VM"),
            ("resources", "Resources"),
        ]
    if options.details:
        cols.append(("id", "ID"))
    if options.attributes:
        cols.append(("attrs", "Attributes"))
    return tuple(cols)


def node_row(node: Node, pane: str, options: ViewOptions, auth: Cell = ("?", "muted")) -> Row:
    """One node's cells; `auth` is its Auth cell (tui.ui.authcells.AuthView.cell)."""
    cells: dict[str, Cell] = {
        "auth": auth,
        "name": (node.name, "node-name"),
        "state": node_state(node),
        "resources": _plain(node.resources_running),
        "id": _plain(node.id),
        "attrs": (_attrs(node), None),
    }
    if pane == CLUSTER_PANE:
        cells["dc"] = ("DC", "accent") if node.is_dc else ("", None)
        cells["feature"] = _plain(node.feature_set)
    elif pane == REMOTE_PANE:
        cells["connection"] = _plain(node.connection_resource)
        cells["host"] = _plain(node.host)
        cells["address"] = (_address(node), None)
        cells["reconnect"] = _plain(node.reconnect_interval)
    else:
        cells["container"] = _plain(node.container_resource)
        cells["host"] = _plain(node.host)
        cells["address"] = (_address(node), None)
        if node.bundle:
            via = f"bundle {node.bundle}"
        else:
            via = "VM/container"
        cells["via"] = (via, None)
    return tuple(cells[key] for key, _ in node_columns(pane, options))


def pane_nodes(snapshot: Snapshot | None, pane: str, text_filter: str = "") -> list[Node]:
    if snapshot is None:
        return []
    kinds = PANE_KINDS[pane]
    needle = text_filter.lower()
    return [
        n for n in snapshot.nodes
        if n.kind in kinds and (not needle or needle in n.name.lower()
                                or needle in node_state(n)[0].lower())
    ]


# --- resources ----------------------------------------------------------------------------


def resource_label(resource: Resource, snapshot: Snapshot | None = None) -> Row:
    """(text, token) parts of a tree label; the state in crm_mon's words, coloured by severity.

    Pass the snapshot: without it a resource's node is unknown, so "(UNCLEAN)" is missing.
    """
    parts: list[Cell] = [(resource.id, "resource-id")]
    if resource.kind.value != "primitive":
        kind = resource.kind.value
        if resource.promotable:
            kind = "promotable clone"
        parts.append((f" [{kind}]", "muted"))
    if resource.agent:
        parts.append((f" ({resource.agent})", "muted"))
    state = resource_state(resource, snapshot)
    token = _SEVERITY_TOKENS[state.severity]
    if resource.kind.value in ("primitive", "replica") or not resource.children:
        words = " ".join((*state.prefix, state.role or ""))
        parts.append((f"  {words.strip()}", token))
        if resource.nodes:
            parts.append((" on " + ", ".join(resource.nodes), None))
    if state.flags:
        parts.append((f" ({', '.join(state.flags)})", token))
    return tuple(parts)


_SEVERITY_TOKENS = {
    Severity.OK: "node-online",
    Severity.WARNING: "node-standby",
    Severity.CRITICAL: "node-unclean",
    Severity.INACTIVE: "node-offline",
}


def resource_visible(
    resource: Resource, text_filter: str, options: ViewOptions, on_node: str | None
) -> bool:
    """A resource shows when it (or a descendant) passes every filter.

    Pacemaker's implicit resources (a guest's connection, a bundle replica's IP, container
    and connection) show only with details (R), as in crm_mon; a replica of nothing else is
    then judged by its own state.
    """
    return Visibility(text_filter, options, on_node)(resource)


def shown_children(resource: Resource, options: ViewOptions) -> tuple[Resource, ...]:
    """The children the tree shows: implicit ones only with details (R), as in crm_mon."""
    children = resource.children
    if options.details or not children or not any(c.implicit for c in children):
        return children
    return tuple(c for c in children if not c.implicit)


class Visibility:
    """resource_visible for one view, called for every resource of a 20,000-resource tree at
    each filter keystroke: the lowered text a filter searches is made once per leaf and kept
    in `texts` (id -> (resource, text); the resource is kept so an id is never reused while
    its entry lives), which a caller may share between views and snapshots."""

    __slots__ = ("needle", "options", "on_node", "texts")

    def __init__(self, text_filter: str, options: ViewOptions, on_node: str | None,
                 texts: dict[int, tuple[Resource, str]] | None = None) -> None:
        self.needle = text_filter.lower()
        self.options = options
        self.on_node = on_node
        self.texts = {} if texts is None else texts

    def __call__(self, resource: Resource) -> bool:
        if resource.implicit and not self.options.details:
            return False
        if resource.children:
            children = shown_children(resource, self.options)
            if children:
                return any(self(c) for c in children)
        if not resource.active and not self.options.inactive:
            return False
        if self.on_node is not None and self.on_node not in resource.nodes:
            return False
        return not self.needle or self.needle in self._text(resource)

    def _text(self, resource: Resource) -> str:
        kept = self.texts.get(id(resource))
        if kept is not None and kept[0] is resource:
            return kept[1]
        text = " ".join((resource.id, resource.agent or "", resource.role, *resource.nodes)).lower()
        self.texts[id(resource)] = (resource, text)
        return text


def resources_on(snapshot: Snapshot, node: str) -> list[Resource]:
    """What runs on a node, as crm_mon lists it (implicit resources left out)."""
    return [r for r in snapshot.all_resources() if not r.children and not r.implicit and node in r.nodes]


# --- banners and header -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Banner:
    key: str
    level: str  # "critical" | "warning"
    text: str


def pacemaker_versions(snapshot: Snapshot) -> list[str]:
    return sorted({n.feature_set for n in snapshot.nodes if n.feature_set})


def banners(
    outcome: StatusOutcome | None, snapshot: Snapshot | None, error: str | None = None
) -> list[Banner]:
    out: list[Banner] = []
    if isinstance(outcome, Unavailable):
        cond = outcome.condition
        if cond.kind is ConditionKind.INSUFFICIENT_PRIVILEGES:
            out.append(Banner("privileges", "critical",
                              f"Insufficient privileges: {cond.message}"))
        else:
            out.append(Banner("unreachable", "critical",
                              f"Cluster not reachable: {cond.message}"))
    elif error:
        out.append(Banner("unreachable", "critical", f"Cluster not reachable: {error}"))
    if snapshot is None:
        return out
    for cond in snapshot.conditions:
        key = "privileges" if cond.kind is ConditionKind.INSUFFICIENT_PRIVILEGES else "condition"
        if not any(b.key == key for b in out):
            prefix = "Insufficient privileges" if key == "privileges" else "Cluster reported"
            out.append(Banner(key, "critical" if key == "privileges" else "warning",
                              f"{prefix}: {cond.message}"))
    summary = snapshot.summary
    if summary.with_quorum is False:
        out.append(Banner("quorum", "critical",
                          f"NO QUORUM (no-quorum-policy={summary.no_quorum_policy or 'stop'})"))
    unclean = [n.name for n in snapshot.nodes if n.unclean]
    if unclean:
        out.append(Banner("unclean", "critical",
                          f"UNCLEAN node(s) need fencing: {', '.join(unclean)}"))
    if not summary.stonith_enabled:
        out.append(Banner("fencing", "warning",
                          "Fencing is DISABLED (stonith-enabled=false): data at risk on split-brain"))
    if summary.maintenance_mode:
        out.append(Banner("maintenance", "warning",
                          "Cluster in MAINTENANCE MODE: resources are not managed"))
    if summary.stop_all_resources:
        out.append(Banner("stop-all", "warning", "stop-all-resources is set"))
    versions = pacemaker_versions(snapshot)
    if len(versions) > 1:
        out.append(Banner("versions", "warning",
                          f"Mixed Pacemaker versions (feature sets {', '.join(versions)})"))
    return out


def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def header_parts(
    snapshot: Snapshot | None, cluster_name: str, host: str | None
) -> list[Cell]:
    """Cluster facts for the status line (the cluster's name is in the header above)."""
    parts: list[Cell] = []
    if snapshot is None:
        parts.append(("no status yet", "muted"))
        return parts
    s = snapshot.summary
    if s.cluster_name and s.cluster_name != cluster_name:
        parts.append((f"corosync name {s.cluster_name}  ", "muted"))
    parts.append((f"stack {s.stack or '?'}", None))
    parts.append((f"  DC {s.dc or 'NONE'}", None if s.dc else "node-offline"))
    if s.with_quorum is True:
        parts.append(("  quorum ok", "node-online"))
    elif s.with_quorum is False:
        parts.append(("  NO QUORUM", "node-offline"))
    version = snapshot.pacemaker_version or (s.dc_version or "?").split("-")[0]
    parts.append((f"  Pacemaker {version}", None))
    versions = pacemaker_versions(snapshot)
    if len(versions) > 1:
        parts.append((f" (feature sets {'/'.join(versions)})", "node-standby"))
    if host:
        parts.append((f"  via {host}", "muted"))
    return parts


def count_nodes(nodes: Iterable[Node]) -> str:
    nodes = list(nodes)
    online = sum(1 for n in nodes if n.online)
    return f"{online}/{len(nodes)} online"
