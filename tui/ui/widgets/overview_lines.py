"""The Overview tab's text: crm_mon's one screen, as lines of (text, style token) cells.

Pure (reads only its arguments, no widgets): a big cluster's overview is built in a worker
thread and handed to the widget (tui.ui.widgets.overview), which renders only the lines on
screen. Every cluster string goes through tui.plaintext.one_line here, so a line never holds
a control character, and the widget draws the cells as segments (never markup).

Sections, in crm_mon's order: the summary, the node list (or, grouped by node, each node with
what runs on it), the resources, node attributes (A), the migration summary (fail counts, f),
operations (o, with timing t), failed resource actions (always, when there are any), fencing
history (m, level 0-3), tickets (c) and bans (L). Each section is cut at SECTION_LIMIT lines,
with a last line saying how many more there are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable

from rich.cells import cell_len

from tui.loop_first import pause
from tui.pacemaker.model import Node, NodeKind, Resource, Snapshot
from tui.pacemaker.when import cluster_time
from tui.plaintext import one_line
from tui.ui import present, tables
from tui.ui.present import Cell, Row, ViewOptions

Line = Row  # one screen line: (text, token) cells
SECTION_LIMIT = 5000  # lines of one section; the rest is counted in a "… N more" line
NAMES_PER_LINE = 100  # characters of names on one "Online: [ ... ]" line before it wraps
FIELD = 200  # a cluster string is cut to this many characters on the overview


@dataclass(frozen=True, slots=True)
class Toggles:
    """crm_mon's display toggles, as the Overview's keys set them (crm_mon's defaults)."""

    failcounts: bool = False  # f
    operations: bool = False  # o
    timing: bool = False  # t
    attributes: bool = False  # A
    tickets: bool = False  # c
    bans: bool = False  # L
    fencing: int = 1  # m: 0 off, 1 failed and pending, 2 all, 3 all with details
    by_node: bool = False  # n
    inactive: bool = False  # r


# key -> (Toggles field, legend word); the order is the legend's
KEYS: tuple[tuple[str, str, str], ...] = (
    ("n", "by_node", "by node"),
    ("r", "inactive", "inactive"),
    ("f", "failcounts", "fail counts"),
    ("o", "operations", "operations"),
    ("t", "timing", "timing"),
    ("A", "attributes", "attributes"),
    ("c", "tickets", "tickets"),
    ("L", "bans", "bans"),
    ("m", "fencing", "fencing"),
)
FIELDS = {key: name for key, name, _ in KEYS}


def toggled(toggles: Toggles, key: str) -> Toggles:
    """`toggles` after the key: flips its section; `m` cycles the fencing level 0-3."""
    name = FIELDS[key]
    if name == "fencing":
        return dataclasses.replace(toggles, fencing=(toggles.fencing + 1) % 4)
    return dataclasses.replace(toggles, **{name: not getattr(toggles, name)})


FENCING_WORDS = {0: "off", 1: "failed", 2: "all", 3: "full"}


def legend(toggles: Toggles) -> Line:
    """One line saying which toggles are on: "●f fail counts" on, "○o operations" off; the
    fencing level as "m fencing:failed" (failed and pending), all, full (with details)."""
    cells: list[Cell] = []
    for key, name, word in KEYS:
        value = getattr(toggles, name)
        on = value > 0 if name == "fencing" else bool(value)
        if name == "fencing":
            word = f"fencing:{FENCING_WORDS[value]}"
        cells.append(("●" if on else "○", "node-online" if on else "muted"))
        cells.append((key, "accent"))
        cells.append((f" {word} ", None if on else "muted"))
    return tuple(cells)


def _s(value: object) -> str:
    return one_line(value, FIELD)


def _t(value: str | None) -> str:
    """A cluster time in tui.pacemaker.when's one form (a string it cannot read stays as it
    came: cut and escaped like any other)."""
    return _s(cluster_time(value))


class _Out:
    """The lines of the sections built so far; each section bounded by SECTION_LIMIT."""

    def __init__(self, needle: str) -> None:
        self.lines: list[Line] = []
        self.needle = needle
        self._section_lines = 0
        self._cut = 0

    def heading(self, text: str, note: str = "") -> None:
        self.close()
        if self.lines:
            self.lines.append(())
        cells: list[Cell] = [(text, "title")]
        if note:
            cells.append((f"  {note}", "muted"))
        self.lines.append(tuple(cells))

    def item(self, depth: int, *cells: Cell, always: bool = False) -> None:
        """One line of a section, `depth` levels in; left out when the filter does not match
        it (unless `always`: a node heading of a by-node list)."""
        pause()  # (a big overview is built in a worker thread)
        if self.needle and not always and not any(self.needle in t.lower() for t, _ in cells):
            return
        if self._section_lines >= SECTION_LIMIT:
            self._cut += 1
            return
        self._section_lines += 1
        self.lines.append(((f"{'  ' * depth}* ", "muted"), *cells))

    def close(self) -> None:
        if self._cut:
            self.lines.append((("  … ", "muted"), (f"{self._cut} more", "node-standby"),
                               (f" (the first {SECTION_LIMIT} are shown)", "muted")))
        self._section_lines = self._cut = 0


def width(lines: Iterable[Line]) -> int:
    """The widest line's width in terminal cells."""
    return max((sum(cell_len(text) for text, _ in line) for line in lines), default=0)


def build(snap: Snapshot | None, toggles: Toggles, *, details: bool = False,
          needle: str = "") -> tuple[Line, ...]:
    """The overview of `snap` with `toggles`; `details` (R) shows Pacemaker's implicit
    resources; `needle` (lower case) keeps only the lines that contain it."""
    out = _Out(needle)
    if snap is None:
        out.lines.append((("no cluster status yet", "muted"),))
        return tuple(out.lines)
    _summary(out, snap)
    options = ViewOptions(inactive=toggles.inactive, details=details)
    if toggles.by_node:
        _by_node(out, snap, options, toggles)
    else:
        _nodes(out, snap)
        _resources(out, snap, options, toggles)
    if toggles.attributes:
        _attributes(out, snap)
    if toggles.failcounts or toggles.operations:
        _migration(out, snap, toggles)
    _failed_actions(out, snap)
    if toggles.fencing:
        _fencing(out, snap, toggles.fencing)
    if toggles.tickets:
        _tickets(out, snap)
    if toggles.bans:
        _bans(out, snap)
    out.close()
    return tuple(out.lines)


# --- sections -----------------------------------------------------------------------------


def _summary(out: _Out, snap: Snapshot) -> None:
    s = snap.summary
    out.heading("Cluster Summary:")
    out.item(1, ("Stack: ", None), (_s(s.stack or "?"), None), always=True)
    version = snap.pacemaker_version or (s.dc_version or "").split("-")[0]
    if s.dc:
        quorum: Cell = ({True: (" - partition with quorum", "node-online"),
                         False: (" - partition WITHOUT quorum", "node-offline")}
                        .get(s.with_quorum, (" - quorum unknown", "node-standby")))
        out.item(1, ("Current DC: ", None), (_s(s.dc), "node-name"),
                 (f" (version {_s(version or '?')})", "muted"), quorum, always=True)
    else:
        out.item(1, ("Current DC: ", None), ("NONE", "node-offline"), always=True)
    if s.last_update:
        out.item(1, ("Last updated: ", None), (_t(s.last_update), None), always=True)
    if s.last_change:
        by = "".join((f" by {_s(s.last_change_user)}" if s.last_change_user else "",
                      f" via {_s(s.last_change_client)}" if s.last_change_client else "",
                      f" on {_s(s.last_change_origin)}" if s.last_change_origin else ""))
        out.item(1, ("Last change:  ", None), (_t(s.last_change), None), (by, "muted"),
                 always=True)
    out.item(1, (f"{s.nodes_configured} nodes configured", None), always=True)
    extra = ""
    if s.resources_disabled or s.resources_blocked:
        extra = f" ({s.resources_disabled} DISABLED, {s.resources_blocked} BLOCKED from further action due to failure)"
    out.item(1, (f"{s.resources_configured} resource instances configured", None),
             (extra, "node-standby"), always=True)
    if s.maintenance_mode:
        out.item(1, ("Resource management is DISABLED: maintenance-mode", "node-maintenance"), always=True)
    if s.stop_all_resources:
        out.item(1, ("stop-all-resources is set: every resource is stopped", "node-offline"), always=True)
    if not s.stonith_enabled:
        out.item(1, ("STONITH is disabled (stonith-enabled=false)", "node-standby"), always=True)


_PREFIX = {NodeKind.CLUSTER: "", NodeKind.PING: "", NodeKind.REMOTE: "Remote",
           NodeKind.GUEST: "Guest", NodeKind.BUNDLE: "Guest"}
_NODE_WORD = {NodeKind.CLUSTER: "Node", NodeKind.PING: "Node", NodeKind.REMOTE: "RemoteNode",
              NodeKind.GUEST: "GuestNode", NodeKind.BUNDLE: "GuestNode"}


def _node_name(node: Node) -> str:
    """crm_mon's name of a node in lists: a guest's with its host ("guest1@node1")."""
    name = _s(node.name)
    if node.kind in (NodeKind.GUEST, NodeKind.BUNDLE) and node.host:
        name += f"@{_s(node.host)}"
    return name


def _sorted_nodes(snap: Snapshot) -> list[Node]:
    order = {NodeKind.CLUSTER: 0, NodeKind.PING: 0, NodeKind.REMOTE: 1, NodeKind.GUEST: 2,
             NodeKind.BUNDLE: 2}
    return sorted(snap.nodes, key=lambda n: (order.get(n.kind, 3), n.name))


def _nodes(out: _Out, snap: Snapshot) -> None:
    """crm_mon's node list, kind by kind: a node in any other state than plain online or
    OFFLINE on a line of its own, then the others gathered on "Online: [ ... ]" lines."""
    panes = [(pane, present.pane_nodes(snap, pane)) for pane in present.PANE_KINDS]
    out.heading("Node List:", "  ".join(f"{pane}: {present.count_nodes(nodes)}"
                                          for pane, nodes in panes if nodes))
    for _pane, nodes in panes:
        gathered: dict[str, list[str]] = {}
        for node in sorted(nodes, key=lambda n: n.name):
            state = present.node_state(node)
            if state[0] in ("online", "OFFLINE"):
                label = _PREFIX[node.kind] + ("Online" if node.online else "OFFLINE")
                gathered.setdefault(label, []).append(_node_name(node))
                continue
            out.item(1, (f"{_NODE_WORD[node.kind]} ", None), (_node_name(node), "node-name"),
                     (": ", None), state)
        for label, names in gathered.items():
            token = "node-online" if label.endswith("Online") else "node-offline"
            for chunk in _chunks(names):
                out.item(1, (f"{label}: ", token), ("[ ", None), (" ".join(chunk), "node-name"),
                         (" ]", None))


def _chunks(names: list[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    width = 0
    for name in names:
        if chunk and width + len(name) > NAMES_PER_LINE:
            yield chunk
            chunk, width = [], 0
        chunk.append(name)
        width += len(name) + 1
    if chunk:
        yield chunk


def _resource_line(out: _Out, snap: Snapshot, resource: Resource, depth: int, options: ViewOptions,
                   needle: str) -> None:
    label = tuple((_s(text), token) for text, token in present.resource_label(resource, snap))
    children = present.shown_children(resource, options)
    out.item(depth, *label, always=bool(children))
    for child in children:
        if present.resource_visible(child, needle, options, None):
            _resource_line(out, snap, child, depth + 1, options, needle)


def _resources(out: _Out, snap: Snapshot, options: ViewOptions, toggles: Toggles) -> None:
    shown = [r for r in snap.resources if present.resource_visible(r, out.needle, options, None)]
    title = "Full List of Resources:" if toggles.inactive else "Active Resources:"
    out.heading(title, "" if toggles.inactive else "(r shows the inactive ones)")
    if not snap.resources:
        out.item(1, ("No resources", "muted"), always=True)
    for resource in shown:
        _resource_line(out, snap, resource, 1, options, out.needle)


def _by_node(out: _Out, snap: Snapshot, options: ViewOptions, toggles: Toggles) -> None:
    """crm_mon --group-by-node: each node, then the resources running there."""
    out.heading("Node List:", "(resources grouped by node)")
    needle = out.needle
    on: dict[str, list[Resource]] = {}
    for r in snap.all_resources():
        if r.children:
            continue
        if r.implicit and not options.details:
            continue
        for name in r.nodes:
            on.setdefault(name, []).append(r)
    for node in _sorted_nodes(snap):
        dc = (" (DC)", "accent") if node.is_dc else ("", None)
        state = present.node_state(node)
        here = [r for r in on.get(node.name, ())
                if not needle or present.resource_visible(r, needle, options, None)]
        if needle and not here and needle not in f"{node.name} {state[0]}".lower():
            continue
        out.item(1, (f"{_NODE_WORD[node.kind]} ", None), (_node_name(node), "node-name"), (": ", None),
                 state, dc, always=True)
        for r in here:
            # under its node's line: " on node1" would only repeat it (crm_mon leaves it out)
            label = tuple((_s(text), token) for text, token in present.resource_label(r, snap)
                          if not (token is None and r.nodes == (node.name,) and text.startswith(" on ")))
            out.item(2, *label, always=True)
    if toggles.inactive:
        out.heading("Inactive Resources:")
        found = False
        for top in snap.resources:
            for leaf in top.walk():
                if leaf.children or leaf.active or (leaf.implicit and not options.details):
                    continue
                if needle and not present.resource_visible(leaf, needle, options, None):
                    continue
                found = True
                label = tuple((_s(text), token) for text, token in present.resource_label(leaf, snap))
                inside = (f"  (in {_s(top.id)})", "muted") if leaf is not top else ("", None)
                out.item(1, *label, inside, always=True)
        if not found:
            out.item(1, ("none", "muted"), always=True)


def _attributes(out: _Out, snap: Snapshot) -> None:
    out.heading("Node Attributes:")
    for node in _sorted_nodes(snap):
        if not node.attributes:
            continue
        out.item(1, ("Node: ", None), (_node_name(node), "node-name"), (":", None), always=True)
        for name, value in sorted(node.attributes.items()):
            out.item(2, (f"{_s(name):<28}", None), (": ", "muted"), (_s(value), None))


def _migration(out: _Out, snap: Snapshot, toggles: Toggles) -> None:
    """crm_mon's Migration Summary (fail counts, f) and Operations (o), per node and resource."""
    per_node: dict[str, list] = {}
    for h in snap.history:
        if (toggles.failcounts and h.fail_count) or (toggles.operations and h.operation_rows):
            per_node.setdefault(h.node, []).append(h)
    if toggles.failcounts:
        failing = {node: [h for h in hs if h.fail_count] for node, hs in per_node.items()}
        out.heading("Migration Summary:", "(fail counts)")
        if not any(failing.values()):
            out.item(1, ("no fail counts", "muted"), always=True)
        for node in sorted(failing):
            if not failing[node]:
                continue
            out.item(1, ("Node: ", None), (_s(node), "node-name"), (":", None), always=True)
            for h in sorted(failing[node], key=lambda h: h.resource):
                limit = h.migration_threshold
                token = "node-offline" if limit and h.fail_count >= limit else "node-standby"
                last = f" last-failure='{_t(h.last_failure)}'" if h.last_failure else ""
                out.item(2, (_s(h.resource), "resource-id"), (": ", None),
                         (f"migration-threshold={limit if limit is not None else '-'} ", None),
                         (f"fail-count={h.fail_count}", token), (last, "muted"))
    if toggles.operations:
        out.heading("Operations:", "(t adds timing)" if not toggles.timing else "")
        if not any(h.operation_rows for hs in per_node.values() for h in hs):
            out.item(1, ("no operation history", "muted"), always=True)
        for node in sorted(per_node):
            histories = [h for h in per_node[node] if h.operation_rows]
            if not histories:
                continue
            out.item(1, ("Node: ", None), (_s(node), "node-name"), (":", None), always=True)
            for h in sorted(histories, key=lambda h: h.resource):
                counts = f": migration-threshold={h.migration_threshold}" if h.migration_threshold is not None else ""
                if h.fail_count:
                    counts += f" fail-count={h.fail_count}"
                out.item(2, (_s(h.resource), "resource-id"), (counts, "muted"), always=True)
                for op in h.operations:
                    out.item(3, *_operation(op, toggles.timing))


def _operation(op, timing: bool) -> tuple[Cell, ...]:
    call = f"({op.call}) " if op.call is not None else ""
    cells: list[Cell] = [(f"{call}{_s(op.task)}", None)]
    fields = []
    if op.interval_ms:
        fields.append(f'interval="{op.interval_ms}ms"')
    if timing:
        if op.last_rc_change:
            fields.append(f"last-rc-change='{_t(op.last_rc_change)}'")
        if op.exec_time_ms is not None:
            fields.append(f'exec-time="{op.exec_time_ms}ms"')
        if op.queue_time_ms is not None:
            fields.append(f'queue-time="{op.queue_time_ms}ms"')
    if fields:
        cells.append((": " + " ".join(fields), "muted"))
    if op.rc is not None:
        text = f" rc={op.rc}" + (f" ({_s(op.rc_text)})" if op.rc_text else "")
        cells.append((text, "node-online" if op.rc in (0, 7, 8) else "node-offline"))
    elif op.rc_text:
        cells.append((f" {_s(op.rc_text)}", "node-standby"))
    return tuple(cells)


def _failed_actions(out: _Out, snap: Snapshot) -> None:
    if not snap.failures:
        return
    out.heading("Failed Resource Actions:")
    for f in sorted(snap.failures, key=lambda f: (f.node, f.op_key)):
        code = f" ({f.exit_code})" if f.exit_code is not None else ""
        status = f"'{_s(f.exit_status or f.status or '?')}'{code}"
        fields = []
        if f.call is not None:
            fields.append(f"call={f.call}")
        if f.status:
            fields.append(f"status='{_s(f.status)}'")
        if f.exit_reason:
            fields.append(f"exitreason='{_s(f.exit_reason)}'")
        if f.last_rc_change:
            fields.append(f"last-rc-change='{_t(f.last_rc_change)}'")
        out.item(1, (_s(f.op_key), "resource-id"), (" on ", None), (_s(f.node), "node-name"),
                 (f" {status}", "node-offline"), (": " + ", ".join(fields) if fields else "", "muted"))


def _fencing(out: _Out, snap: Snapshot, level: int) -> None:
    out.heading("Fencing History:", f"(m: {tables.FENCE_LEVELS[level]})")
    events = [e for e in snap.fence_history if level >= 2 or e.status != "success"]
    if not events:
        out.item(1, ("none", "muted"), always=True)
    for e in events:
        word, token = {"success": ("successful", "node-online"),
                       "pending": ("pending", "node-pending")}.get(e.status, ("FAILED", "node-offline"))
        if e.status not in ("success", "pending", "failed"):
            word = _s(e.status)
        fields = []
        if level >= 3:
            fields += [f"{name}={_s(value)}" for name, value in
                       (("delegate", e.delegate), ("client", e.client), ("origin", e.origin)) if value]
        if e.completed:
            fields.append(f"{'last-' if e.status != 'success' else ''}completed='{_t(e.completed)}'")
        if e.exit_reason:
            fields.append(f"exit-reason='{_s(e.exit_reason)}'")
        out.item(1, (f"{_s(e.action)} of ", None), (_s(e.target), "node-name"), (f" {word}", token),
                 (": " + ", ".join(fields) if fields else "", "muted"))


def _tickets(out: _Out, snap: Snapshot) -> None:
    out.heading("Tickets:")
    if not snap.tickets:
        out.item(1, ("none", "muted"), always=True)
    for t in sorted(snap.tickets, key=lambda t: t.id):
        state = ("granted", "node-online") if t.granted else ("revoked", "node-offline")
        extra = " [standby]" if t.standby else ""
        when = f" last-granted='{_t(t.last_granted)}'" if t.last_granted else ""
        out.item(1, (_s(t.id), "resource-id"), (": ", None), state, (extra, "node-standby"),
                 (when, "muted"))


def _bans(out: _Out, snap: Snapshot) -> None:
    out.heading("Negative Location Constraints:", "(bans)")
    if not snap.bans:
        out.item(1, ("none", "muted"), always=True)
    for b in sorted(snap.bans, key=lambda b: (b.id, b.resource, b.node)):
        role = " (promoted role only)" if b.promoted_only else ""
        out.item(1, (_s(b.id), None), ("  prevents ", "muted"), (_s(b.resource), "resource-id"),
                 (" from running on ", "muted"), (_s(b.node), "node-name"), (role, "muted"))
