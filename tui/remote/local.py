"""Run commands on this machine as asyncio subprocesses.

Each command gets its own process group (start_new_session) so a timeout or a cancel kills
the command and everything it started, not just the first process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import AsyncIterator, Mapping, Sequence

from tui.remote.capture import DEFAULT_CAP, OutputCapture, secrets_of
from tui.remote.secret import Secret
from tui.remote.stream import LineFeed
from tui.remote.transport import CommandResult, OutputCallback, TransportError

CHUNK = 64 * 1024
# after the process is gone, how long to wait for pipes held open by stray descendants
DRAIN_GRACE = 1.0


class LocalTransport:
    kind = "local"
    accepts_capture = True  # WorkerPool hands its own OutputCapture to run()

    def __init__(self, host: str = "localhost", *, output_cap: int = DEFAULT_CAP) -> None:
        self.host = host
        self.output_cap = output_cap

    async def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | Secret | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
        capture: OutputCapture | None = None,
    ) -> CommandResult:
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        if capture is None:
            capture = OutputCapture(
                cap=self.output_cap, secrets=secrets_of(stdin, env), on_output=on_output
            )
        started = time.time()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=_environment(env),
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise TransportError(self.host, f"cannot run {argv[0]!r}: {exc.strerror}") from None

        readers = [
            asyncio.ensure_future(_pump(proc.stdout, "stdout", capture)),
            asyncio.ensure_future(_pump(proc.stderr, "stderr", capture)),
        ]
        feeder = asyncio.ensure_future(_feed(proc, stdin)) if stdin is not None else None
        timed_out = False
        try:
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except TimeoutError:
                timed_out = True
                _kill_group(proc)
                await proc.wait()
        except asyncio.CancelledError:
            _kill_group(proc)
            await asyncio.shield(_reap(proc, readers, feeder))
            capture.close()
            raise
        await _reap(proc, readers, feeder)
        captured = capture.close()
        status = proc.returncode
        error = None
        if timed_out:
            status, error = None, f"timed out after {timeout:g}s; process group killed"
        elif status is not None and status < 0:
            error = f"killed by signal {signal.Signals(-status).name}"
            status = None
        return CommandResult(
            host=self.host,
            argv=argv,
            exit_status=status,
            stdout=captured.stdout,
            stderr=captured.stderr,
            started=started,
            ended=time.time(),
            timed_out=timed_out,
            stdout_spill=captured.stdout_spill,
            stderr_spill=captured.stderr_spill,
            error=error,
        )

    async def close(self) -> None:
        return None

    async def stream_lines(self, argv: Sequence[str], *,
                           env: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        """argv's stdout lines as they come (tui.remote.stream); leaving the loop kills the
        process group. stdin is a pipe left open until then."""
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL, env=_environment(env), start_new_session=True)
        except (FileNotFoundError, PermissionError) as exc:
            raise TransportError(self.host, f"cannot run {argv[0]!r}: {exc.strerror}") from None
        feed = LineFeed()

        async def pump() -> None:
            try:
                while chunk := await proc.stdout.read(CHUNK):
                    feed.feed("stdout", chunk)
            finally:
                feed.end()

        pumping = asyncio.ensure_future(pump())
        try:
            async for line in feed.lines():
                yield line
        finally:
            _kill_group(proc)
            proc.stdin.close()
            pumping.cancel()
            await asyncio.shield(proc.wait())


def _environment(env: Mapping[str, str | Secret] | None) -> dict[str, str] | None:
    """os.environ plus env; a Secret value is revealed only into the child's environment
    (readable by the same user and root only, unlike a command line)."""
    if not env:
        return None
    extra = {k: (v.reveal().decode() if isinstance(v, Secret) else v) for k, v in env.items()}
    return {**os.environ, **extra}


async def _pump(reader: asyncio.StreamReader, name: str, capture: OutputCapture) -> None:
    while chunk := await reader.read(CHUNK):
        capture.feed(name, chunk)


async def _feed(proc: asyncio.subprocess.Process, stdin: bytes | Secret) -> None:
    data = stdin.reveal() if isinstance(stdin, Secret) else stdin
    try:
        proc.stdin.write(data)
        await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the command exited without reading all of its input


async def _reap(proc, readers, feeder) -> None:
    await proc.wait()
    tasks = [*readers, *([feeder] if feeder else [])]
    _done, pending = await asyncio.wait(tasks, timeout=DRAIN_GRACE)
    for task in pending:  # a descendant that left the group still holds a pipe
        task.cancel()


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
