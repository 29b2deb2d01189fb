"""Holding off the interpreter's full (generation-2) collections, counted.

Two holders: the app for its whole run (tui.ui.heap runs full collections itself, at quiet
moments) and a crm_mon parse for its duration (tens of thousands of new objects would start
full collections over the whole heap). The young generations are collected as usual: their
collections stay small (a few ms at most) whichever thread they land in. The interpreter's
thresholds come back when the last holder lets go.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

_NEVER = 1 << 30  # a threshold the count of young collections never reaches
_lock = threading.Lock()  # a parse holds from a worker thread, the app from the loop's
_held = 0
_saved: tuple[int, int, int] | None = None


def hold() -> None:
    global _held, _saved
    with _lock:
        if _held == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], _NEVER)
        _held += 1


def release() -> None:
    global _held, _saved
    with _lock:
        if _held == 0:
            return
        _held -= 1
        if _held == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None


def thresholds() -> tuple[int, int, int]:
    """The interpreter's own thresholds (as they were before the first holder)."""
    with _lock:
        return _saved or gc.get_threshold()


@contextlib.contextmanager
def held() -> Iterator[None]:
    hold()
    try:
        yield
    finally:
        release()
