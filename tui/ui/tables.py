"""Rows of the list panes (failures, fail counts, operations, fencing, tickets, bans).

Each function returns (columns, {row key: row}) for KeyedTable.sync; pure data. A row key is
unique per crm_mon element (a rule can ban one resource from several nodes under one
constraint id): `_put` never lets a second element overwrite the first. Times are shown in
tui.pacemaker.when's one form.
"""

from __future__ import annotations

from tui.pacemaker.model import Snapshot
from tui.pacemaker.when import cluster_time
from tui.ui.present import Row, ViewOptions

Columns = tuple[tuple[str, str], ...]
Rows = dict[str, Row]


def _s(value: object) -> tuple[str, None]:
    return ("" if value is None else str(value), None)


def _time(value: str | None) -> tuple[str, None]:
    return (cluster_time(value), None)


def _match(row: Row, needle: str) -> bool:
    return not needle or any(needle in text.lower() for text, _ in row)


def _put(rows: Rows, key: str, row: Row) -> None:
    """Add a row under `key`, or `key` plus a number when an earlier element has it already."""
    unique, n = key, 1
    while unique in rows:
        unique, n = f"{key}\0#{n}", n + 1
    rows[unique] = row


def failures(snap: Snapshot | None, needle: str = "") -> tuple[Columns, Rows]:
    cols = (("node", "Node"), ("resource", "Resource"), ("op", "Operation"),
            ("status", "Status"), ("reason", "Exit reason"), ("when", "Last change"))
    rows: Rows = {}
    for f in snap.failures if snap else ():
        op = f.task or f.op_key
        if f.interval_ms:
            op += f" ({f.interval_ms // 1000}s)"
        row: Row = ((f.node, "node-name"), _s(f.resource), (op, None),
                    (f.exit_status or f.status or "?", "node-offline"), _s(f.exit_reason),
                    _time(f.last_rc_change))
        if _match(row, needle):
            _put(rows, f"{f.node}\0{f.op_key}", row)
    return cols, dict(sorted(rows.items()))


def failcounts(snap: Snapshot | None, needle: str = "") -> tuple[Columns, Rows]:
    cols = (("resource", "Resource"), ("node", "Node"), ("count", "Fail count"),
            ("threshold", "Migration threshold"), ("last", "Last failure"))
    rows: Rows = {}
    for h in snap.history if snap else ():
        if not h.fail_count:
            continue
        limit = h.migration_threshold
        token = "node-offline" if limit and h.fail_count >= limit else "node-standby"
        row: Row = ((h.resource, "resource-id"), _s(h.node), (str(h.fail_count), token),
                    _s(limit if limit is not None else "-"), _time(h.last_failure))
        if _match(row, needle):
            _put(rows, f"{h.resource}\0{h.node}", row)
    return cols, dict(sorted(rows.items()))


def operations(snap: Snapshot | None, options: ViewOptions, needle: str = "") -> tuple[Columns, Rows]:
    cols: Columns = (("node", "Node"), ("resource", "Resource"), ("task", "Operation"),
                     ("call", "Call"), ("rc", "Result"))
    if options.timing:
        cols += (("changed", "Last change"), ("exec", "Exec ms"), ("queue", "Queue ms"))
    rows: Rows = {}
    for h in snap.history if snap else ():
        for op in h.operations:
            task = op.task + (f" ({op.interval_ms // 1000}s)" if op.interval_ms else "")
            rc = op.rc_text or ("" if op.rc is None else str(op.rc))
            row: Row = ((op.node, "node-name"), _s(op.resource), (task, None), _s(op.call),
                        (rc, "node-online" if op.rc in (0, 7, 8) else "node-offline"))
            if options.timing:
                row += (_time(op.last_rc_change), _s(op.exec_time_ms), _s(op.queue_time_ms))
            if _match(row, needle):
                _put(rows, f"{op.node}\0{op.resource}\0{op.task}\0{op.interval_ms}\0{op.call}", row)
    return cols, dict(sorted(rows.items()))


FENCE_LEVELS = {0: "off", 1: "failed and pending", 2: "all", 3: "all, with details"}


def fencing(snap: Snapshot | None, level: int, needle: str = "") -> tuple[Columns, Rows]:
    cols: Columns = (("target", "Target"), ("action", "Action"), ("status", "Status"),
                     ("completed", "Completed"), ("reason", "Exit reason"))
    if level >= 3:
        cols += (("delegate", "Delegate"), ("origin", "Origin"), ("client", "Client"))
    rows: Rows = {}
    if level == 0:
        return cols, rows
    for e in snap.fence_history if snap else ():
        if level == 1 and e.status == "success":
            continue
        token = {"success": "node-online", "pending": "node-pending"}.get(e.status, "node-offline")
        word = e.status if e.status != "failed" else "FAILED"
        row: Row = ((e.target, "node-name"), _s(e.action), (word, token), _time(e.completed),
                    _s(e.exit_reason))
        if level >= 3:
            row += (_s(e.delegate), _s(e.origin), _s(e.client))
        if _match(row, needle):
            _put(rows, f"{e.target}\0{e.action}\0{e.completed or ''}\0{e.status}", row)
    return cols, rows


def tickets(snap: Snapshot | None, needle: str = "") -> tuple[Columns, Rows]:
    cols = (("ticket", "Ticket"), ("granted", "Granted"), ("standby", "Standby"),
            ("last", "Last granted"))
    rows: Rows = {}
    for t in snap.tickets if snap else ():
        row: Row = ((t.id, "resource-id"),
                    ("granted", "node-online") if t.granted else ("REVOKED", "node-offline"),
                    ("standby", "node-standby") if t.standby else ("", None), _time(t.last_granted))
        if _match(row, needle):
            _put(rows, t.id, row)
    return cols, dict(sorted(rows.items()))


def bans(snap: Snapshot | None, needle: str = "") -> tuple[Columns, Rows]:
    cols = (("id", "Constraint"), ("resource", "Resource"), ("node", "Node"),
            ("weight", "Score"), ("promoted", "Promoted only"))
    rows: Rows = {}
    for b in snap.bans if snap else ():
        weight = "-INFINITY" if b.weight is not None and b.weight <= -1000000 else b.weight
        row: Row = ((b.id, None), (b.resource, "resource-id"), (b.node, "node-name"),
                    _s(weight), ("yes" if b.promoted_only else "", None))
        if _match(row, needle):
            _put(rows, f"{b.id}\0{b.resource}\0{b.node}", row)
    return cols, dict(sorted(rows.items()))
