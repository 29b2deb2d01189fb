"""The demo cluster lives (remote nodes drop, resources fail, banners come and go): 30 simulated
minutes of it under the pilot, every tab visited and every dialog opened, and the app is still
running at the end (it used to exit with DuplicateIds when the set of banners changed)."""

from __future__ import annotations

import asyncio

from tests.ui.helpers import make_app, until
from tests.ui.sample import FROZEN, FakeConfig
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import TABS, MainScreen
from tui.ui.screens.node_detail import NodeDetail
from tui.ui.screens.text_view import TextView
from tui.ui.widgets.status import BannerBar

STEP_SECONDS = 60
MINUTES = 30


class Clock:
    def __init__(self) -> None:
        self.now = FROZEN

    def __call__(self) -> float:
        return self.now


async def refreshed(app, pilot) -> None:
    app.refreshed.clear()
    app.action_refresh_now()
    await asyncio.wait_for(app.refreshed.wait(), 10)
    await pilot.pause()


async def on_main(app, pilot) -> MainScreen:
    await until(pilot, lambda: isinstance(app.screen, MainScreen))
    return app.screen


async def open_and_close(app, pilot, keys, kind, close=("escape",)) -> None:
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(app.screen, kind))
    await pilot.press(*close)
    await on_main(app, pilot)


async def dialogs(app, pilot, round_: int) -> None:
    """One dialog (or prompt) per round, each in turn."""
    screen = await on_main(app, pilot)
    which = round_ % 9
    if which in (0, 1, 2, 3, 4):  # node detail, and each action's confirm (cancelled)
        screen.action_show("cluster")
        await pilot.pause()
        if which == 0:
            await open_and_close(app, pilot, ["enter"], NodeDetail)
        else:
            key = "sMCW"[which - 1]
            await open_and_close(app, pilot, [key], ConfirmPlan, close=("n",))
    elif which == 5:
        await open_and_close(app, pilot, ["question_mark"], HelpScreen)
    elif which == 6:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await on_main(app, pilot)
    elif which == 7:  # the filter, kept on, then cleared; the command prompt
        await pilot.press("slash", *"node", "enter")
        await pilot.press("colon", *"resources", "enter")
        await pilot.press("colon", *"cluster", "enter", "escape")
        await pilot.press("slash", "escape")
    else:  # a log record's full text (the log holds the refreshes' commands)
        screen.action_show("log")
        await pilot.pause()
        if screen.query_one("#action-log").row_count:
            await open_and_close(app, pilot, ["enter"], TextView)


async def test_thirty_demo_minutes_every_tab_and_dialog(tmp_path):
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session

    clock = Clock()
    session = build_session(Config(), demo=True, clock=clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    app = make_app(session, FakeConfig())
    app.clock = clock
    banner_sets = set()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.refresh_count > 0, timeout=10)
        for round_ in range(MINUTES * 60 // STEP_SECONDS):
            clock.now += STEP_SECONDS
            await refreshed(app, pilot)
            screen = await on_main(app, pilot)
            screen.action_show(TABS[round_ % len(TABS)])
            await pilot.pause()
            banner_sets.add(screen.query_one("#banners", BannerBar).current)
            await dialogs(app, pilot, round_)
            assert app.is_running and app.return_code is None
        assert app.is_running
    assert app.return_code in (None, 0)
    assert len(banner_sets) > 2, "the demo's banners never changed: the soak proves nothing"


async def test_banners_changing_faster_than_widgets_are_removed():
    """The same banner key with new text, many times within one frame: no DuplicateIds, and the
    bar shows the last set."""
    from tui.ui.present import Banner

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.refresh_count > 0)
        app.action_pause(True)  # a live refresh in between would show the sample's own banners
        app.ticker.pause()  # and so would the once-a-second status render (it redraws the bar)
        await pilot.pause(0.5)  # one already under way lands now
        refreshes = app.refresh_count
        bar = app._main().query_one("#banners", BannerBar)
        for i in range(20):
            bar.show([Banner("unclean", "critical", f"UNCLEAN node(s) need fencing: n{i}")]
                     + [Banner("fencing", "warning", "Fencing is DISABLED")] * (i % 2))
        bar.show([Banner("unclean", "critical", "UNCLEAN node(s) need fencing: last")])
        await pilot.pause()
        assert app.is_running
        assert app.refresh_count == refreshes
        assert bar.texts() == ["!! UNCLEAN node(s) need fencing: last"]
