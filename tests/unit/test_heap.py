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


# --- full collections paced by the app ------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def full_passes():
    """The generation-2 collections that start while the test runs, whoever starts them."""
    started: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(1)

    gc.callbacks.append(seen)
    yield started
    gc.callbacks.remove(seen)


class _Cyclic:
    pass


def _cyclic_garbage(pairs: int) -> None:
    for _ in range(pairs):
        a, b = _Cyclic(), _Cyclic()
        a.other, b.other = b, a


def _pile_up(young_collections: int) -> None:
    """Enough allocation (kept alive meanwhile) for the young generations to be collected
    `young_collections` times over: the interpreter would start full collections on the way."""
    kept = []
    threshold0 = gc.get_threshold()[0]
    for _ in range(young_collections * threshold0 * 11):
        kept.append([])
    del kept
    for _ in range(young_collections):  # counted for sure, whatever the process did before
        gc.collect(1)


def test_held_the_interpreter_starts_no_full_collection_and_release_gives_its_thresholds_back(full_passes):
    before = gc.get_threshold()
    collections = heap.FullCollections()
    collections.hold()
    try:
        _pile_up(30)
        assert full_passes == []
        assert gc.get_threshold()[:2] == before[:2]  # the young generations as always
    finally:
        collections.release()
    assert gc.get_threshold() == before
    _pile_up(30)
    assert full_passes  # the interpreter's own again


def test_the_thresholds_come_back_when_the_last_holder_releases():
    before = gc.get_threshold()
    first, second = heap.FullCollections(), heap.FullCollections()
    first.hold()
    second.hold()
    first.release()
    first.release()  # a second release of the same holder changes nothing
    assert gc.get_threshold() != before
    second.release()
    assert gc.get_threshold() == before


@pytest.fixture
def held():
    """FullCollections on a fake clock, held for the test (`busy` as given), released after."""
    made = []

    def make(busy=lambda: False):
        clock = _Clock()
        collections = heap.FullCollections(clock=clock, busy=busy)
        collections.hold()
        made.append(collections)
        return collections, clock

    yield make
    for collections in made:
        collections.release()


def test_a_tick_collects_when_due_and_not_before(full_passes, held):
    collections, clock = held()
    _pile_up(15)
    assert collections.tick() is False and full_passes == []  # started just now
    clock.now += heap.MIN_GAP
    _cyclic_garbage(100)
    _pile_up(15)  # the garbage grows old: only a full collection frees it
    assert collections.tick() is True and len(full_passes) == 1
    assert not [o for o in gc.get_objects() if type(o) is _Cyclic]
    assert len(collections.pauses) == 1
    gap = max(heap.MIN_GAP, heap.GAP_PER_COST * collections.pauses[0])
    _pile_up(15)
    clock.now += gap - 0.01
    assert collections.tick() is False  # the gap since the last one
    clock.now += 0.02
    assert collections.tick() is True and len(full_passes) == 2


def test_a_tick_waits_for_quiet_input_but_not_forever(full_passes, held):
    collections, clock = held()
    _pile_up(15)
    clock.now += heap.MIN_GAP
    collections.noticed_input()
    assert collections.tick() is False  # a key just came: its handling goes first
    clock.now += heap.QUIET_FOR
    assert collections.tick() is True
    _pile_up(15)
    # the gap after the last one counts too: in a big test process under load a full
    # collection can take over MAX_DEFER / GAP_PER_COST (0.6 s), and the gap is then longer
    while clock.now - collections._last < heap.MAX_DEFER or clock.now < collections._next:
        collections.noticed_input()  # someone holds a key down
        assert collections.tick() is False
        clock.now += 1.0
    collections.noticed_input()
    assert collections.tick() is True and len(full_passes) == 2


def test_no_young_collection_since_the_last_full_one_nothing_to_collect(full_passes, held):
    collections, clock = held()
    gc.collect()  # the counts start from nothing
    full_passes.clear()
    clock.now += heap.MAX_DEFER
    assert collections.tick() is False and full_passes == []


def test_not_held_a_tick_does_nothing(full_passes):
    clock = _Clock()
    collections = heap.FullCollections(clock=clock)
    _pile_up(15)
    clock.now += heap.MAX_DEFER
    full_passes.clear()
    assert collections.tick() is False and full_passes == []


def test_a_tick_waits_while_work_is_sliced_but_not_forever(full_passes, held):
    sliced = [True]
    collections, clock = held(busy=lambda: sliced[0])
    _pile_up(15)
    clock.now += heap.MIN_GAP + heap.QUIET_FOR
    assert collections.tick() is False and full_passes == []  # a tree is being built
    sliced[0] = False
    assert collections.tick() is True
    sliced[0] = True
    _pile_up(15)
    clock.now += heap.MAX_DEFER
    assert collections.tick() is True and len(full_passes) == 2
