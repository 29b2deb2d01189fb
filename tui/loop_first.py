"""Work in a worker thread that lets the event loop go first.

A worker thread doing pure-Python work (parse, join, diff, rows of a table) shares the GIL
with the event loop. While both want it they take turns every 5 ms (sys.getswitchinterval),
so a screen update of 80 ms CPU took 110-160 ms of wall time, keys waiting meanwhile. A
function run with `run` reaches `pause()` often (once a row, once a resource): every SLICE of
its own time, it waits there until the loop has run the callbacks it was busy with, for at
most WAIT. With the loop idle that wait is one wake-up of the loop (~0.1 ms).

`pause()` outside `run` (a test, a headless verb) does nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from typing import Callable, TypeVar

SLICE = 0.004  # seconds of the worker's work between two waits
WAIT = 0.1  # the longest a worker waits for the loop at one pause

T = TypeVar("T")


class _Gate:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.due = time.perf_counter() + SLICE

    def wait(self) -> None:
        passed = threading.Event()
        try:
            # runs in the loop's next round: after everything it is running or has queued now
            self._loop.call_soon_threadsafe(passed.set)
        except RuntimeError:  # the loop is closed: nothing to let go first
            pass
        else:
            passed.wait(WAIT)
        self.due = time.perf_counter() + SLICE


_gate: contextvars.ContextVar[_Gate | None] = contextvars.ContextVar("loop_first_gate", default=None)


def pause() -> None:
    """A point where work in a worker thread started by `run` may wait for the event loop."""
    gate = _gate.get()
    if gate is not None and time.perf_counter() >= gate.due:
        gate.wait()


async def run(fn: Callable[..., T], /, *args) -> T:
    """asyncio.to_thread(fn, *args), with `pause()` in `fn` letting this loop go first."""
    loop = asyncio.get_running_loop()

    def gated() -> T:
        _gate.set(_Gate(loop))  # in the thread's copy of the context: nothing leaks out
        return fn(*args)

    return await asyncio.to_thread(gated)
