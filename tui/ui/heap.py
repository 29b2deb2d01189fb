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
"""

from __future__ import annotations

import gc

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
