"""tui.ui.heap: each milestone freezes the heap once, and never during a hunt for cyclic
garbage (DEBUG_SAVEALL must see every object)."""

from __future__ import annotations

import gc

import pytest

from tui.ui import heap


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(heap, "_reached", set())
    yield
    gc.unfreeze()  # the rest of the test session collects as before


def _walked(obj) -> bool:
    """Is obj in a generation the collector walks (gc.get_objects leaves the frozen out)?"""
    return any(o is obj for o in gc.get_objects())


def test_a_milestone_freezes_what_exists_once(fresh):
    gc.unfreeze()
    kept = []
    assert _walked(kept)
    assert heap.freeze_once("first frame") is True
    assert not _walked(kept)
    frozen = gc.get_freeze_count()
    later = []
    assert heap.freeze_once("first frame") is False  # once: what came after stays walked
    # No second freeze: the frozen count does not grow (it may shrink: a frozen object
    # still dies when its last reference goes, e.g. in another test's leftover thread).
    assert _walked(later) and gc.get_freeze_count() <= frozen
    assert heap.freeze_once("nodes tab") is True and not _walked(later)
    assert heap.reached("first frame") and heap.reached("nodes tab")
    assert not heap.reached("resources tab")


def test_garbage_of_the_young_generation_is_collected_not_frozen(fresh):
    gc.unfreeze()

    class Cyclic:
        pass

    for _ in range(100):
        a, b = Cyclic(), Cyclic()
        a.other, b.other = b, a
    del a, b
    heap.freeze_once("first frame")
    assert not [o for o in gc.get_objects() if type(o) is Cyclic]  # collected: none frozen
    gc.unfreeze()
    assert not [o for o in gc.get_objects() if type(o) is Cyclic]


def test_no_freeze_while_cyclic_garbage_is_hunted(fresh):
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert heap.freeze_once("first frame") is False
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_debug(0)
