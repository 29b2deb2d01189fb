"""Starting the app in tests: frozen clock, no cursor blink, first refresh awaited."""

from __future__ import annotations

import asyncio

from tests.ui.sample import FakeConfig, FakeSession, frozen_clock
from tui.ui.app import PcmkConsoleApp


def make_app(session=None, config=None, **kw) -> PcmkConsoleApp:
    return PcmkConsoleApp(session or FakeSession(), config or FakeConfig(),
                          clock=frozen_clock, cursor_blink=False, **kw)


async def first_refresh(app: PcmkConsoleApp, pilot) -> None:
    await asyncio.wait_for(app.refreshed.wait(), 10)
    await pilot.pause()


async def next_refresh(app: PcmkConsoleApp, pilot) -> None:
    app.refreshed.clear()
    app.action_refresh_now()
    await asyncio.wait_for(app.refreshed.wait(), 10)
    await pilot.pause()


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Let the app run until condition() holds (or fail after timeout seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def applied(app: PcmkConsoleApp, pilot, count: int = 1) -> None:
    """Wait until `count` plans have finished (run or refused) since the app started."""
    await until(pilot, lambda: app.plans_finished >= count)
    await pilot.pause()


async def without_toasts(app: PcmkConsoleApp, pilot) -> None:
    """Clear the notifications and wait until no toast is left on the screen: the toast rack
    redraws through its own queue, later than one pause under load (a snapshot taken
    before would show them). A notification is a message to the app too: the ones already
    posted are let through the app's queue first, or one handled after the clearing shows
    up in the picture (CI: the undo dialog's "step 3 failed" and "refreshing…")."""
    drained = []
    app.call_later(drained.append, True)  # behind the Notify messages already in the queue
    await until(pilot, lambda: drained)
    app.clear_notifications()
    # Textual refreshes only the current screen's rack: a modal's picture also shows the
    # screen behind it, whose rack may hold toasts posted just before the modal opened
    for screen in app.screen_stack:
        for rack in screen.query("ToastRack"):
            rack.show(app._notifications)
    await until(pilot, lambda: not any(screen.query("Toast") for screen in app.screen_stack))
    await pilot.pause()


def screen_text(app) -> tuple[str, list]:
    """What the terminal would show: the text of every rendered line, and its styles."""
    update = app.screen._compositor.render_update(full=True)
    text, styles = [], []
    for line in update.strips:  # each line: the strips of its widgets
        for strip in line:
            for segment in strip:
                text.append(segment.text)
                if segment.style is not None:
                    styles.append(segment.style)
        text.append("\n")
    return "".join(text), styles
