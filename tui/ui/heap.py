"""Freezing what the console keeps, so the collector's full passes do not walk it.

A full (generation-2) collection walks every tracked object holding the GIL: with the
program, its widgets, the tables and a 20,000-resource tree alive that is ~100 ms of frozen
event loop, whoever allocated (bench/ui). gc.freeze() moves every object that exists into
a generation the collector never walks again.

Only at milestones, each once per process (the first frame; each tab's first full view):
an object frozen alive that later dies in a reference cycle is never reclaimed (Textual's
strips refer to themselves through their caches), so freezing after every refresh leaks,
measured ~800 objects a refresh; once per milestone it keeps a bounded amount (bench/ui/
RESULTS.md). What dies without a cycle (a replaced snapshot: tests/unit/
test_no_reference_cycles.py) is freed by reference counting, frozen or not.

What is not frozen is still walked by each full collection, and the interpreter starts one
inside whatever allocates: a filter key or a tree pass then pays for it too (20-80 ms on top
of its own work, bench/ui/RESULTS-tree.md run H). So while the app runs, FullCollections
keeps the interpreter from starting them and runs them itself, from a timer, when no key or
mouse event came for QUIET_FOR and no work is being applied in slices (a tree being built,
tables being filled): the pause then comes between two pieces of work, not inside one, and
after the milestone that freezes what they made. The young generations are collected as
always (cheap: they do not walk the old one).
"""

from __future__ import annotations

import gc
import time

from tui import gc_hold

_reached: set[str] = set()


def freeze_once(milestone: str) -> bool:
    """Freeze the heap the first time `milestone` is reached; True if it did now."""
    if milestone in _reached:
        return False
    _reached.add(milestone)
    if gc.get_debug() & gc.DEBUG_SAVEALL:
        return False  # a hunt for cyclic garbage is on: it must see every object
    gc.collect(1)  # the young garbage goes first (the old generation is not walked: cheap)
    gc.freeze()
    return True


def reached(milestone: str) -> bool:
    return milestone in _reached


QUIET_FOR = 1.0  # seconds without input before a full collection may run
MAX_DEFER = 30.0  # seconds: a full collection waits no longer than this for quiet input
MIN_GAP = 5.0  # seconds between two full collections at least
GAP_PER_COST = 50  # and at least 50x the last one's pause: at most ~2% of a core


class FullCollections:
    """Full (generation-2) collections run by the app, at quiet moments, not by whoever
    allocates. hold() at start, release() at exit (the interpreter's thresholds come back);
    tick() from a timer every second or so; noticed_input() on every key or mouse event;
    `busy` says whether work is being applied in slices now (then it waits, as for input)."""

    def __init__(self, clock=time.monotonic, busy=lambda: False) -> None:
        self._clock = clock
        self._busy = busy
        self._input_at = float("-inf")
        self._last = clock()
        self._next = self._last + MIN_GAP
        self.pauses: list[float] = []  # seconds each full collection took (bench, tests)
        self._holding = False

    def hold(self) -> None:
        if self._holding:
            return
        self._holding = True
        gc_hold.hold()

    def release(self) -> None:
        if not self._holding:
            return
        self._holding = False
        gc_hold.release()

    def noticed_input(self) -> None:
        self._input_at = self._clock()

    def due(self) -> bool:
        """A full collection would run now: young collections happened since the last one
        (the interpreter's own gate), the gap has passed, and the input is quiet and no
        work is sliced (or the wait has been long)."""
        now = self._clock()
        if now < self._next or gc.get_count()[2] < gc_hold.thresholds()[2]:
            return False
        if now - self._last >= MAX_DEFER:
            return True
        return now - self._input_at >= QUIET_FOR and not self._busy()

    def tick(self) -> bool:
        """Run a full collection if one is due; True if it ran."""
        if not self._holding or not self.due():
            return False
        started = time.perf_counter()
        gc.collect()
        pause = time.perf_counter() - started
        self.pauses.append(pause)
        del self.pauses[:-100]
        self._last = self._clock()
        self._next = self._last + max(MIN_GAP, GAP_PER_COST * pause)
        return True
