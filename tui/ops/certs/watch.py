"""The disconnect watch: how long each remote and guest node was offline while the
conversion restarted the daemons.

    watch = DisconnectWatch(read, ("rn1", "gn1"), hosts=("n1", "n2"))
    task = watch.start()                  # polls crm_mon every second
    ...                                   # the restarts
    windows = await watch.stop()          # {"rn1": 7.8, "gn1": 6.1}
    describe(windows)                     # "rn1 offline 7.8 s, gn1 offline 6.1 s"

`read` is the engine's READ function (host, argv, timeout) -> CommandResult. crm_mon is asked
on the first of `hosts` that answers (a cluster node being restarted does not). A node
absent from crm_mon's answer counts as offline; an answer that cannot be read changes
nothing (no evidence either way). The window of a node is its total offline time, on the
real clock (time.monotonic), rounded to 0.1 s; a node never seen offline has 0.0.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, Mapping, Sequence

from tui.pacemaker import commands
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Snapshot
from tui.remote.transport import CommandResult

INTERVAL = 1.0
READ_TIMEOUT = 10.0

Read = Callable[..., Awaitable[CommandResult]]


class DisconnectWatch:
    def __init__(self, read: Read, nodes: Sequence[str], *, hosts: Sequence[str | None] = (None,),
                 interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable] = asyncio.sleep) -> None:
        self.read, self.nodes, self.hosts = read, tuple(nodes), tuple(hosts) or (None,)
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self.offline_since: dict[str, float] = {}
        self.total: dict[str, float] = {n: 0.0 for n in self.nodes}
        self.polls = 0  # answers read (evidence: the watch saw the cluster)
        self.task: asyncio.Task | None = None

    async def snapshot(self) -> Snapshot | None:
        for host in self.hosts:
            try:
                result = await self.read(host, commands.crm_mon_status(), READ_TIMEOUT)
            except Exception:  # noqa: BLE001 - no answer is no evidence; the watch must go on
                continue
            if result.exit_status is None:
                continue
            snap = parse_status(result.stdout, result.exit_status, result.stderr.decode("utf-8", "replace"))
            if isinstance(snap, Snapshot):
                return snap
        return None

    def observe(self, online: Mapping[str, bool], now: float) -> None:
        """One look at the nodes: open or close their offline intervals."""
        self.polls += 1
        for node in self.nodes:
            up = online.get(node, False)
            since = self.offline_since.get(node)
            if not up and since is None:
                self.offline_since[node] = now
            elif up and since is not None:
                self.total[node] += now - since
                del self.offline_since[node]

    async def poll_once(self) -> None:
        snap = await self.snapshot()
        if snap is None:
            return
        online = {n.name: bool(n.online) for n in snap.nodes if n.name in self.nodes}
        self.observe(online, self.clock())

    async def run(self) -> None:
        while True:
            await self.poll_once()
            await self.sleep(self.interval)

    def start(self) -> asyncio.Task:
        if self.task is None:
            self.task = asyncio.ensure_future(self.run())
        return self.task

    async def stop(self) -> dict[str, float]:
        """Stop polling; a node offline now counts until now. The windows, rounded."""
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the windows are what matter
                pass
        now = self.clock()
        for node, since in list(self.offline_since.items()):
            self.total[node] += now - since
            del self.offline_since[node]
        return self.windows()

    def windows(self) -> dict[str, float]:
        return {node: round(self.total[node], 1) for node in self.nodes}


def describe(windows: Mapping[str, float]) -> str:
    """In words: "rn1 offline 7.8 s, gn1 never offline"."""
    if not windows:
        return "no remote or guest node to watch"
    return ", ".join(f"{node} offline {seconds:.1f} s" if seconds > 0 else f"{node} never offline"
                     for node, seconds in windows.items())
