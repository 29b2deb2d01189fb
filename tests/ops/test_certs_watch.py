"""The disconnect watch (tui.ops.certs.watch): offline windows per remote/guest node from
crm_mon answers, with a fake read function and a fake clock."""

from __future__ import annotations

import asyncio

from tests.ops.test_certs_world import World
from tui.ops.certs.watch import DisconnectWatch, describe
from tui.remote.transport import CommandResult, TransportError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reader(world: World, *, down_hosts=()):
    async def read(host, argv, timeout):
        if host in down_hosts:
            raise TransportError(host, "connection refused")
        status, out, err = await world.run(host or "n1", tuple(argv), b"")
        return CommandResult(host or "n1", tuple(argv), status, out, err)
    return read


async def test_windows_add_up_each_offline_interval():
    world, clock = World(), Clock()
    watch = DisconnectWatch(reader(world), ("rn1", "gn1"), clock=clock)
    await watch.poll_once()                      # t=100 both online
    world.online -= {"rn1"}
    clock.now = 101.0
    await watch.poll_once()                      # rn1 offline from 101
    world.online -= {"gn1"}
    clock.now = 103.5
    await watch.poll_once()                      # gn1 offline from 103.5
    world.online |= {"rn1"}
    clock.now = 108.84
    await watch.poll_once()                      # rn1 back: 7.84 s
    world.online -= {"rn1"}
    clock.now = 110.0
    await watch.poll_once()                      # rn1 down again
    world.online |= {"rn1", "gn1"}
    clock.now = 111.0
    await watch.poll_once()                      # both back: rn1 +1.0, gn1 7.5
    assert await watch.stop() == {"rn1": 8.8, "gn1": 7.5}


async def test_a_node_never_offline_has_zero_and_one_still_offline_counts_until_stop():
    world, clock = World(), Clock()
    watch = DisconnectWatch(reader(world), ("rn1", "gn1"), clock=clock)
    world.online -= {"gn1"}
    await watch.poll_once()
    clock.now = 104.25
    windows = await watch.stop()
    assert windows == {"rn1": 0.0, "gn1": 4.2}
    assert describe(windows) == "rn1 never offline, gn1 offline 4.2 s"


async def test_an_unreadable_answer_changes_nothing_and_the_next_host_is_asked():
    world, clock = World(), Clock()
    watch = DisconnectWatch(reader(world, down_hosts=("n1",)), ("rn1",), hosts=("n1", "n2"), clock=clock)
    world.online -= {"rn1"}
    await watch.poll_once()  # n1 is being restarted: n2 answers
    assert watch.offline_since == {"rn1": 100.0}
    blind = DisconnectWatch(reader(world, down_hosts=("n1", "n2")), ("rn1",), hosts=("n1", "n2"), clock=clock)
    await blind.poll_once()
    assert blind.polls == 0 and blind.offline_since == {}


async def test_a_node_absent_from_crm_mon_counts_as_offline():
    world, clock = World(), Clock()
    watch = DisconnectWatch(reader(world), ("rn1", "ghost"), clock=clock)
    await watch.poll_once()
    clock.now = 102.0
    assert await watch.stop() == {"rn1": 0.0, "ghost": 2.0}


async def test_the_watch_polls_on_its_own_until_stopped():
    world = World()
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        await asyncio.sleep(0)
    watch = DisconnectWatch(reader(world), ("rn1",), sleep=sleep)
    watch.start()
    while watch.polls < 3:
        await asyncio.sleep(0)
    await watch.stop()
    assert watch.task.done() and set(slept) == {1.0}
