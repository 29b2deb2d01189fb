"""The console freezes its heap at its milestones only (tui.ui.heap): the first frame and
each tab's first full view, once each, never on an ordinary refresh (that would leak what
Textual frees through reference cycles)."""

from __future__ import annotations

import gc

from tests.ui.helpers import first_refresh, make_app, next_refresh, until
from tui.ui import heap


async def test_the_first_frame_and_each_tabs_first_view_freeze_once(monkeypatch):
    monkeypatch.setattr(heap, "_reached", set())
    freezes: list[set[str]] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(set(heap._reached)))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: heap.reached("nodes tab"))
        assert heap.reached("first frame") and len(freezes) == 2
        await pilot.press("2")  # the Resources tab: frozen once its tree has settled
        await until(pilot, lambda: heap.reached("resources tab"))
        assert len(freezes) == 3
        for _ in range(3):
            await next_refresh(app, pilot)
        await pilot.press("1")
        await pilot.press("2")
        await next_refresh(app, pilot)
        await pilot.pause(0.1)
        assert len(freezes) == 3  # refreshes and tabs seen before freeze nothing more


async def test_while_the_app_runs_it_runs_the_full_collections_itself(monkeypatch):
    """Not the interpreter inside whatever allocates (a filter key, a tree pass): the app's
    timer, at a quiet moment; its thresholds come back when the app exits."""
    monkeypatch.setattr(heap, "MIN_GAP", 0.0)
    before = gc.get_threshold()
    started: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(1)

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        gc.callbacks.append(seen)
        try:
            ran = len(app.full_collections.pauses)
            kept = [[] for _ in range(gc.get_threshold()[0] * 11 * 30)]  # would start some
            assert started == []
            del kept
            await until(pilot, lambda: len(app.full_collections.pauses) > ran, timeout=10)
            assert started
        finally:
            gc.callbacks.remove(seen)
    assert gc.get_threshold() == before


async def test_the_main_screen_says_when_it_applies_work_in_slices(monkeypatch):
    """While the tree is being built (or tables filled) a full collection waits."""
    from tests.ui.sample import FakeSession
    from tests.ui.test_tree_lazy import many, with_resources
    from tui.ui.widgets import resource_tree

    monkeypatch.setattr(resource_tree, "MAKE_NODES", 5)
    monkeypatch.setattr(resource_tree, "SLICE_GAP", 0.05)  # slow enough to be seen
    app = make_app(FakeSession([with_resources(*many(60))]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        main = app._main()
        await until(pilot, lambda: not main.slicing())
        await pilot.press("2")
        tree = main.query_one(resource_tree.ResourceTree)
        assert tree.settling and main.slicing() and app._slicing()
        await tree.settled()
        await until(pilot, lambda: not main.slicing())
