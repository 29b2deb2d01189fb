"""What each table of a tab shows: (table id, columns, rows, subtitle), as plain data.

Pure (no widgets, reads only its arguments): for a big cluster the main screen runs it in a
worker thread, with each table's change set (tui.ui.changeset), and applies the result on
the event loop in slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from tui.loop_first import pause
from tui.pacemaker.model import Snapshot
from tui.plaintext import one_line
from tui.ui import present, tables
from tui.ui.authcells import AuthView
from tui.ui.changeset import Columns, TableChange, plan
from tui.ui.present import CLUSTER_PANE, GUEST_PANE, REMOTE_PANE, Row, ViewOptions

PANE_IDS = {CLUSTER_PANE: "cluster-nodes", REMOTE_PANE: "remote-nodes", GUEST_PANE: "guest-nodes"}
# the tables of each tab rendered through here (resources is a tree, the log its own)
TAB_TABLES = {
    "nodes": tuple(PANE_IDS.values()),
    "failures": ("failed-actions", "failcounts", "operations"),
    "fencing": ("fence-history",),
    "tickets": ("ticket-table",),
    "bans": ("ban-table",),
}


@dataclass(frozen=True, slots=True)
class TableRows:
    table_id: str
    columns: Columns
    rows: Mapping[str, Row]
    subtitle: str


def auth_cell(auth: AuthView, node) -> tuple[str, str | None]:
    """A node's Auth cell; empty for the nodes the auth view does not read (bundle replicas,
    ping nodes: their connections are not configured by an environment file of theirs)."""
    if str(node.kind) not in ("cluster", "remote", "guest"):
        return ("", None)
    return auth.cell(node.name)


def filter_note(shown: int | None, total: int, needle: str) -> str:
    """ "filter “x”: 2 of 5"; shown None: not counted yet ("…")."""
    return f"filter “{one_line(needle, 40)}”: {'…' if shown is None else shown} of {total}"


def filtered(subtitle: str, shown: int, total: int, needle: str) -> str:
    """A pane's subtitle, with the filter that is on and what it left: "filter “x”: 2 of 5"."""
    if not needle:
        return subtitle
    note = filter_note(shown, total, needle)
    return f"{note} — {subtitle}" if subtitle else note


def tab_tables(tab: str, snap: Snapshot | None, options: ViewOptions, needle: str,
               auth: AuthView | None = None) -> list[TableRows]:
    """The tables of `tab` (TAB_TABLES) as they should be; `needle` is lower case."""
    if tab == "nodes":
        out = []
        for pane, table_id in PANE_IDS.items():
            nodes = sorted(present.pane_nodes(snap, pane, needle), key=lambda n: n.name)
            rows = {}
            for n in nodes:
                pause()
                rows[n.name] = present.node_row(n, pane, options, auth_cell(auth or AuthView(), n))
            all_of_kind = present.pane_nodes(snap, pane)
            subtitle = present.count_nodes(all_of_kind) if all_of_kind else "none"
            out.append(TableRows(table_id, present.node_columns(pane, options), rows,
                                 filtered(subtitle, len(nodes), len(all_of_kind), needle)))
        return out
    if tab == "failures":
        out = [_listed("failed-actions", tables.failures, snap, needle),
               _listed("failcounts", tables.failcounts, snap, needle)]
        if options.operations:
            out.append(_listed("operations", lambda s, n="": tables.operations(s, options, n), snap, needle))
        return out
    if tab == "fencing":
        level = options.fence_level
        return [_listed("fence-history", lambda s, n="": tables.fencing(s, level, n), snap, needle,
                        f"level {level}: {tables.FENCE_LEVELS[level]}")]
    if tab == "tickets":
        return [_listed("ticket-table", tables.tickets, snap, needle)]
    if tab == "bans":
        return [_listed("ban-table", tables.bans, snap, needle)]
    raise ValueError(f"no tables for tab {tab!r}")


def _listed(table_id: str, build, snap, needle: str, subtitle: str = "") -> TableRows:
    """One list pane: its rows, and under it what a filter left of them."""
    columns, rows = build(snap, needle)
    total = len(build(snap)[1]) if needle else len(rows)
    return TableRows(table_id, columns, rows, filtered(subtitle, len(rows), total, needle))


def prepare(tab: str, snap: Snapshot | None, options: ViewOptions, needle: str, auth: AuthView | None,
            states: Mapping[str, tuple[Columns, Mapping[str, Row], int]]) -> list[tuple[TableRows, TableChange]]:
    """tab_tables, each with its change set against `states` (KeyedTable.state() of each
    table): the whole of a refresh's table work that needs no widget."""
    out = []
    for wanted in tab_tables(tab, snap, options, needle, auth):
        columns, rows, version = states[wanted.table_id]
        out.append((wanted, plan(columns, rows, wanted.columns, wanted.rows, version)))
    return out
