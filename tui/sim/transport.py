"""DemoTransport: the Transport the console uses for `--demo`; it runs nothing.

Each call advances the shared ClusterState to the clock (so the cluster lives while the
console watches), answers the argv with commands.execute, and behaves like a real transport
around it: a few milliseconds of latency, the timeout honoured (exit_status None,
timed_out), output streamed to on_output in chunks, stdin handed to the command (install
/dev/stdin reads it). A guest or bundle node
whose container is stopped cannot be reached, as over SSH.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Callable, Mapping, Sequence

from tui.sim.commands import execute
from tui.sim.model import BUNDLE, GUEST
from tui.sim.state import ClusterState
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, OutputCallback, Transport, TransportError

CHUNK = 4096


class DemoTransport:
    kind = "demo"

    def __init__(
        self,
        state: ClusterState,
        host: str = "node1",
        *,
        latency: tuple[float, float] = (0.003, 0.012),
        seed: int | None = None,
    ) -> None:
        """latency: (min, max) seconds per command; (0, 0) for tests."""
        self.state = state
        self.host = host
        self.latency = latency
        self._rng = random.Random(host if seed is None else seed)
        self.closed = False

    async def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | Secret | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
    ) -> CommandResult:
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        if self.closed:
            raise TransportError(self.host, "transport is closed")
        started = time.time()
        delay = self._rng.uniform(*self.latency) if self.latency[1] > 0 else 0.0
        if timeout is not None and delay > timeout:
            await asyncio.sleep(timeout)
            return CommandResult(self.host, argv, None, started=started, ended=time.time(), timed_out=True,
                                 error=f"timed out after {timeout:g}s")
        if delay:
            await asyncio.sleep(delay)
        self._check_reachable()
        self.state.tick()
        data = stdin.reveal() if isinstance(stdin, Secret) else (stdin or b"")
        status, out, err = execute(self.state, self.host, argv, data)
        # a binary file (the authkey) travels as surrogate escapes in the simulated output
        stdout, stderr = out.encode("utf-8", "surrogateescape"), err.encode("utf-8", "surrogateescape")
        if on_output is not None:
            for name, data in (("stdout", stdout), ("stderr", stderr)):
                for i in range(0, len(data), CHUNK):
                    on_output(name, data[i:i + CHUNK])
        return CommandResult(self.host, argv, status, stdout, stderr, started=started, ended=time.time())

    def _check_reachable(self) -> None:
        machine = self.state.host(self.host)
        node = self.state.node(machine.name if machine else self.host)
        if node is None:
            if machine is not None and machine.container and not self.state.hosts_of(machine.container):
                raise TransportError(self.host, f"connect to {machine.address} port 22: No route to host",
                                     hint=f"it runs inside {machine.container}, which is stopped")
            if machine is not None:
                return  # a spare machine: reachable, not in the cluster
            raise TransportError(self.host, "no such host in the demo cluster",
                                 hint=f"demo hosts: {', '.join(self.state.hosts)}")
        if node.kind in (GUEST, BUNDLE) and node.container and not self.state.hosts_of(node.container):
            raise TransportError(self.host, f"connect to {node.address} port 22: No route to host",
                                 hint=f"its container {node.container} is stopped")

    async def close(self) -> None:
        self.closed = True


def demo_transport_factory(state: ClusterState, **kwargs) -> Callable[[str], Transport]:
    """transport_for(host): one DemoTransport per demo host, all sharing `state`."""
    made: dict[str, DemoTransport] = {}

    def transport_for(host: str) -> Transport:
        if state.node(host) is None and state.host(host) is None:
            known = ", ".join(state.hosts)
            raise KeyError(f"no node named {host!r} in the demo cluster (known: {known})")
        if host not in made or made[host].closed:
            made[host] = DemoTransport(state, host, **kwargs)
        return made[host]

    return transport_for
