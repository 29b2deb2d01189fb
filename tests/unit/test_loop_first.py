"""tui.loop_first: a worker thread's pause() waits while the event loop is busy, never for
ever, and does nothing outside loop_first.run."""

from __future__ import annotations

import asyncio
import threading
import time

from tui import loop_first


def counting_work(counter: list[int], stop: threading.Event) -> int:
    while not stop.is_set():
        loop_first.pause()
        counter[0] += 1
    return counter[0]


async def block_the_loop_meanwhile(seconds: float, counter: list[int], stop: threading.Event) -> tuple[int, int]:
    """Run counting_work through loop_first.run; once it counts, hold the loop for `seconds`
    in one callback: (counted while the loop was held, counted in all)."""
    work = asyncio.create_task(loop_first.run(counting_work, counter, stop))
    while counter[0] < 100:
        await asyncio.sleep(0.001)
    held = asyncio.get_running_loop().create_future()

    def busy() -> None:  # time.sleep lets go of the GIL: only pause() holds the worker back
        before = counter[0]
        time.sleep(seconds)
        held.set_result(counter[0] - before)

    asyncio.get_running_loop().call_soon(busy)
    during = await held
    stop.set()
    return during, await work


async def test_the_worker_waits_while_the_loop_runs_a_callback(monkeypatch):
    monkeypatch.setattr(loop_first, "SLICE", 0.0)  # a wait at every pause
    monkeypatch.setattr(loop_first, "WAIT", 30.0)
    during, total = await block_the_loop_meanwhile(0.3, [0], threading.Event())
    assert during <= 1  # it may finish the round it was in
    assert total >= 100


async def test_a_plain_thread_would_have_run_meanwhile(monkeypatch):
    """The same measurement with asyncio.to_thread: the test above can fail."""
    monkeypatch.setattr(loop_first, "run", asyncio.to_thread)
    during, _ = await block_the_loop_meanwhile(0.3, [0], threading.Event())
    assert during > 100


async def test_a_worker_waits_no_longer_than_wait(monkeypatch):
    monkeypatch.setattr(loop_first, "SLICE", 0.0)
    monkeypatch.setattr(loop_first, "WAIT", 0.02)
    during, _ = await block_the_loop_meanwhile(0.6, [0], threading.Event())
    assert during >= 3  # about 0.6 / 0.02 rounds, each let through after WAIT


def test_pause_outside_run_does_nothing(monkeypatch):
    monkeypatch.setattr(loop_first, "SLICE", 0.0)
    started = time.perf_counter()
    for _ in range(10_000):
        loop_first.pause()
    assert time.perf_counter() - started < 5  # (no loop to wait for: a hang would time out)


def test_a_closed_loop_is_not_waited_for(monkeypatch):
    monkeypatch.setattr(loop_first, "WAIT", 30.0)
    loop = asyncio.new_event_loop()
    loop.close()
    done = threading.Event()
    threading.Thread(target=lambda: (loop_first._Gate(loop).wait(), done.set()), daemon=True).start()
    assert done.wait(10)


async def test_run_returns_the_result_and_raises_the_error():
    assert await loop_first.run(lambda a, b: a + b, 2, 3) == 5

    def broken() -> None:
        loop_first.pause()
        raise ValueError("bad input")

    try:
        await loop_first.run(broken)
    except ValueError as exc:
        assert str(exc) == "bad input"
    else:
        raise AssertionError("no error")
