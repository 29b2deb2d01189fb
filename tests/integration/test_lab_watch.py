"""The status watcher against real Pacemaker (2.1.5 and 3.0.0) over real SSH: crm_mon's live
mode on node1 reports a change, and the refresh it wakes sees it; closing the watcher leaves
nothing running on the node."""

from __future__ import annotations

import asyncio
import time

import pytest

from tui.config import load_config
from tui.pacemaker.model import Snapshot
from tui.pacemaker.watch import CHANGED, READY
from tui.remote.actionlog import ActionLog
from tui.session import build_session

pytestmark = pytest.mark.lab


async def _quiet(lines: asyncio.Queue, seconds: float = 1.5) -> None:
    """Let the watcher's start (its first draw) and any follow-up pass, then forget them."""
    await asyncio.sleep(seconds)
    while not lines.empty():
        lines.get_nowait()


async def _changed(lines: asyncio.Queue, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        line = await asyncio.wait_for(lines.get(), max(0.1, deadline - time.monotonic()))
        if line.kind == CHANGED:
            return


def _watchers_left(lab) -> str:
    res = lab.run_on("node1", ["pgrep", "-a", "-x", "crm_mon|tr|stdbuf"])  # exit 1: none
    return res.stdout.strip()


def test_the_watcher_reports_standby_and_a_lost_node_and_leaves_nothing_behind(anylab, tmp_path):
    lab = anylab
    lab.ensure_healthy()
    session = build_session(load_config(lab.config_path), log=ActionLog(tmp_path / "a.jsonl"))
    standby = ["crm_attribute", "--node", "rn1", "--name", "standby", "--update"]

    async def scenario():
        lines: asyncio.Queue = asyncio.Queue()

        async def pump():
            async for line in session.watch():
                await lines.put(line)

        base = await session.refresh()
        assert isinstance(base.outcome, Snapshot) and not base.outcome.node("rn1").standby
        task = asyncio.ensure_future(pump())
        try:
            assert (await asyncio.wait_for(lines.get(), 30)).kind == READY
            await _quiet(lines)

            assert (await asyncio.to_thread(lab.run_on, "node1", [*standby, "on"])).returncode == 0
            await _changed(lines, 10)
            seen = await session.refresh()  # crm_mon redraws after the CIB took the change
            assert seen.outcome.node("rn1").standby, seen
            await _quiet(lines)

            await asyncio.to_thread(lab.stop_remoted, "rn1")
            deadline = time.monotonic() + 30
            while True:  # the loss is several CIB updates; each redraw wakes a refresh
                await _changed(lines, max(0.1, deadline - time.monotonic()))
                seen = await session.refresh()
                if not seen.outcome.node("rn1").online:
                    break
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await session.close()

    try:
        asyncio.run(scenario())
        deadline = time.monotonic() + 10
        while (left := _watchers_left(lab)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"still running on node1 after the watcher was closed:\n{left}"
    finally:
        lab.run_on("node1", [*standby, "off"])
        lab.ensure_healthy()
