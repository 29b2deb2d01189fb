"""A refresh leaves no reference cycles behind.

Garbage in a cycle is freed only by the collector's passes, and for a big cluster that means
whole snapshots (and a read's output buffers) kept alive until a full collection, which then
walks all of them with the GIL held: the UI stalls (bench/ui). Everything a refresh makes
must go by reference counting alone. Found this way: self-recursive closures (the function
refers to itself through its cell), a capture and its streams referring to each other, a
finished Textual Worker holding the snapshot it was handed.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from tui.config import Config
from tui.ops import actions
from tui.pacemaker import vocabulary
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.diff import diff
from tui.remote.actionlog import ActionLog
from tui.remote.capture import OutputCapture
from tui.session import build_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crm_mon"


@contextmanager
def cyclic_garbage():
    """Yields a list that, after the block, holds the cyclic garbage the block made that
    belongs to this project (its objects, or functions and cells of its code)."""
    found: list = []
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
    finally:
        gc.set_debug(0)
        garbage, gc.garbage[:] = list(gc.garbage), []
        gc.enable()
    for obj in garbage:
        module = getattr(type(obj), "__module__", "") or ""
        code = getattr(obj, "__code__", None)
        if module.startswith("tui.") or (code is not None and "/tui/" in code.co_filename):
            found.append(obj)


def test_parse_diff_and_the_vocabulary_make_no_cycles():
    before_xml = (FIXTURES / "cts-basic.xml").read_text()
    after_xml = (FIXTURES / "cts-unmanaged-offline.xml").read_text()
    with cyclic_garbage() as found:
        before, after = parse_status(before_xml, 0), parse_status(after_xml, 0)
        events = list(diff(before, after))
        assert [vocabulary.resource_state(r, after) for r in after.resources]
        del before, after, events
    assert found == [], sorted({type(o).__qualname__ for o in found})


def test_an_output_capture_and_its_streams_make_no_cycle():
    with cyclic_garbage() as found:
        capture = OutputCapture(cap=1 << 20, record=False)
        capture.feed("stdout", b"x" * 100_000)
        captured = capture.close()
        assert captured.stdout_size == 100_000
        del capture, captured
    assert found == [], sorted({type(o).__qualname__ for o in found})


async def test_a_changed_refresh_of_the_demo_leaves_no_cycles(tmp_path):
    session = build_session(Config(), demo=True, demo_life=False, log=ActionLog(tmp_path / "actions.jsonl"))
    try:
        first = await session.refresh()
        node = next(n.name for n in first.snapshot.nodes if not n.standby)
        assert (await session.apply(actions.standby(node))).ok
        with cyclic_garbage() as found:
            changed = await session.refresh()  # parsed, joined, redacted and diffed again
            assert not changed.unchanged and changed.snapshot.node(node).standby
            del changed
        assert found == [], sorted({type(o).__qualname__ for o in found})
    finally:
        await session.close()
