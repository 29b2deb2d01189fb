"""The app and the status watcher: a watcher line wakes the normal refresh long before the
interval (3600 s here), a dead watcher is restarted and the console polls meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.helpers import first_refresh, make_app, until
from tests.ui.sample import FakeSession
from tui.pacemaker.watch import CHANGED, EXIT, READY, WatchLine
from tui.remote.stream import StreamUnsupported
from tui.ui import app as app_module


class WatchingSession(FakeSession):
    """A FakeSession whose watcher says "changed" each time the test asks it to."""

    def __init__(self, *, fail_first: int = 0, **kw) -> None:
        super().__init__(**kw)
        self.changes: asyncio.Queue[str] = asyncio.Queue()
        self.watch_starts = 0
        self.fail_first = fail_first

    async def watch(self):
        self.watch_starts += 1
        if self.watch_starts <= self.fail_first:
            raise ConnectionError("watcher could not start")
        yield WatchLine(READY)
        while True:
            kind = await self.changes.get()
            if kind == "end":
                yield WatchLine(EXIT, 1)
                return
            yield WatchLine(CHANGED)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(app_module, "WATCH_BACKOFF", (0.01,))


async def test_a_watcher_change_wakes_a_refresh_long_before_the_interval():
    session = WatchingSession()
    app = make_app(session)
    assert app.interval == 3600
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "live")
        assert "live" in app.freshness()[0]
        before = session.refreshes
        for _ in range(3):  # one redraw is several lines: one refresh (and its follow-up)
            session.changes.put_nowait("changed")
        await until(pilot, lambda: session.refreshes > before)
        assert app.watch_changes == 3 and app.watch_wakes == 1
        assert app.poll_interval() == 3600  # live: never more often than the config says


async def test_a_change_while_paused_waits_for_resume():
    session = WatchingSession()
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "live")
        app.action_pause(True)
        await pilot.pause()
        before = session.refreshes
        session.changes.put_nowait("changed")
        await until(pilot, lambda: app.watch_wakes == 1)
        await pilot.pause(0.1)
        assert session.refreshes == before
        app.action_pause(False)
        await until(pilot, lambda: session.refreshes > before)


async def test_a_dead_watcher_is_restarted_and_the_console_polls_meanwhile():
    session = WatchingSession(fail_first=2)
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "live")
        assert session.watch_starts == 3
        session.changes.put_nowait("end")  # crm_mon exited
        await until(pilot, lambda: session.watch_starts == 4)
        await until(pilot, lambda: app.watch_state == "live")
        before = session.refreshes
        session.changes.put_nowait("changed")
        await until(pilot, lambda: session.refreshes > before)


async def test_polling_is_said_when_the_watcher_fails():
    session = WatchingSession(fail_first=10**6)
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "polling")
        assert "watcher could not start" in (app.watch_error or "")
        assert "polling" in app.freshness()[0]


async def test_a_session_that_cannot_stream_just_polls_and_says_nothing():
    class NoStream(FakeSession):
        async def watch(self):
            raise StreamUnsupported("demo")
            yield  # pragma: no cover

    app = make_app(NoStream())
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "off")
        text = app.freshness()[0]
        assert "live" not in text and "polling" not in text


def test_the_follow_ups_cover_crm_mons_hold_every_half_second():
    """crm_mon holds a change up to 2 s after its last redraw (bench/fresh/RESULTS.md): no
    stretch of that window goes more than half a second without a refresh."""
    delays = (0.0, *app_module.WATCH_FOLLOW_UPS)
    assert delays[-1] >= 2.0
    assert max(b - a for a, b in zip(delays, delays[1:])) <= 0.5


async def test_each_redraw_is_followed_by_the_follow_up_refreshes_and_no_more(monkeypatch):
    """crm_mon may hold a change made up to 2 s after a redraw: the console refreshes again
    at each WATCH_FOLLOW_UPS delay after a redraw, then waits (no chain of them)."""
    monkeypatch.setattr(app_module, "WATCH_FOLLOW_UPS", (0.05, 0.1))
    session = WatchingSession()
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.watch_state == "live")
        await pilot.pause(0.3)  # the watcher's own first draw and its follow-ups pass
        before = session.refreshes
        session.changes.put_nowait("changed")
        await until(pilot, lambda: session.refreshes >= before + 3)
        await pilot.pause(0.4)
        assert session.refreshes == before + 3  # the wake and its two follow-ups
