"""The bulk of a big cluster's status stays out of the cyclic collector.

A full collection walks every tracked object on the UI's thread with the GIL held, so its
pause grows with what the live model keeps tracked (bench/ui/RESULTS.md). Operations are
the bulk of crm_mon's output (two or more per resource per node): the model keeps them as
plain tuples, which the collector stops tracking, so more operations must not mean more
tracked objects.
"""

from __future__ import annotations

import gc
from pathlib import Path

from lxml import etree

from tui.pacemaker.crm_mon import parse_status

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "crm_mon" / "cts-basic.xml"


def _tracked_reachable(root) -> int:
    """Tracked objects the snapshot holds (not walking on into classes and modules)."""
    seen, todo, count = set(), [root], 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen or not gc.is_tracked(obj) or isinstance(obj, type):
            continue
        seen.add(id(obj))
        count += 1
        todo.extend(gc.get_referents(obj))
    return count


def _with_operations_tripled(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for n, op in enumerate(root.iter("operation_history")):
        for k in (1, 2):
            twin = etree.fromstring(etree.tostring(op))
            twin.set("call", str(10_000 * k + n))
            op.addnext(twin)
    return etree.tostring(root)


def test_more_operations_are_not_more_tracked_objects():
    xml = FIXTURE.read_bytes()
    plain, tripled = parse_status(xml, 0), parse_status(_with_operations_tripled(xml), 0)
    count = lambda snap: sum(len(h.operation_rows) for h in snap.history)  # noqa: E731
    assert count(tripled) == 3 * count(plain) > 0
    # A pass untracks a tuple whose items are untracked by then: the rows, then theirs.
    gc.collect()
    gc.collect()
    assert _tracked_reachable(tripled) == _tracked_reachable(plain)


def test_operations_read_back_as_objects():
    snap = parse_status(FIXTURE.read_bytes(), 0)
    history = next(h for h in snap.history if h.operation_rows)
    ops = history.operations
    assert len(ops) == len(history.operation_rows)
    assert all(op.node == history.node and op.resource == history.resource for op in ops)
    assert {op.task for op in ops} <= {"start", "stop", "monitor", "probe", "promote", "demote",
                                      "migrate_to", "migrate_from", "notify"}
