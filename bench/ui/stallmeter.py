"""Event-loop stall meter: how long the asyncio loop (a Textual app's included) was blocked.

A task sleeps `interval` (5 ms) over and over and records how late each wake-up was: a
wake-up 180 ms late means the loop ran something for ~180 ms without yielding (no key,
no frame could be handled meanwhile). Cheap: ~200 wake-ups a second.

    meter = StallMeter()          # interval=0.005, threshold=0.1 (seconds)
    meter.start()                 # inside a running loop (e.g. in an async test / pilot)
    ...                           # drive the app
    report = await meter.stop()   # or meter.report() while it runs; meter.reset() to restart
    report.longest_ms, report.p95_ms, report.over_threshold, report.as_dict()

or `async with StallMeter() as meter: ...` then `meter.report()`.

StallReport fields (milliseconds): samples, longest_ms, p50_ms, p95_ms, max_ms (= longest),
over_threshold (wake-ups later than threshold), threshold_ms, longest_at_s (seconds after
start when the longest stall ended), duration_s. "Lateness" is wake time minus the time the
sleep was due (so a tick's own interval is not counted); lateness under ~1 ms is timer noise.
Not thread-safe: start, stop and report from the loop's thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class StallReport:
    samples: int
    longest_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    over_threshold: int
    threshold_ms: float
    longest_at_s: float
    duration_s: float

    def as_dict(self) -> dict:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in dataclasses.asdict(self).items()}


def _pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class StallMeter:
    def __init__(self, interval: float = 0.005, threshold: float = 0.1) -> None:
        self.interval = interval
        self.threshold = threshold
        self._late: list[float] = []  # seconds late, one per wake-up
        self._longest_at = 0.0
        self._started = 0.0
        self._task: asyncio.Task | None = None

    def start(self) -> "StallMeter":
        if self._task is None:
            self.reset()
            self._task = asyncio.get_running_loop().create_task(self._tick(), name="stallmeter")
        return self

    def reset(self) -> None:
        """Forget what was measured so far (the meter keeps running if it was)."""
        self._late = []
        self._longest_at = 0.0
        self._started = time.perf_counter()

    async def _tick(self) -> None:
        clock, late, interval = time.perf_counter, self._late, self.interval
        longest = 0.0
        while True:
            due = clock() + interval
            await asyncio.sleep(interval)
            now = clock()
            lateness = max(0.0, now - due)
            if late is not self._late:  # reset() swapped the list
                late, longest = self._late, 0.0
            late.append(lateness)
            if lateness > longest:
                longest = lateness
                self._longest_at = now - self._started

    def report(self) -> StallReport:
        ordered = sorted(self._late)
        longest = ordered[-1] if ordered else 0.0
        return StallReport(
            samples=len(ordered),
            longest_ms=longest * 1000,
            p50_ms=_pct(ordered, 50) * 1000,
            p95_ms=_pct(ordered, 95) * 1000,
            max_ms=longest * 1000,
            over_threshold=sum(1 for x in ordered if x > self.threshold),
            threshold_ms=self.threshold * 1000,
            longest_at_s=self._longest_at,
            duration_s=time.perf_counter() - self._started,
        )

    async def stop(self) -> StallReport:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        return self.report()

    async def __aenter__(self) -> "StallMeter":
        return self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()
