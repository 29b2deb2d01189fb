"""One async interface for running a command on a host: local, SSH or demo.

Callers hand over an argv list, never a command string; a transport that needs a command
line (SSH) builds it with shlex.join.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol, Sequence, runtime_checkable

from tui.remote.secret import Secret

# Called with ("stdout" | "stderr", chunk) as output arrives.
OutputCallback = Callable[[str, bytes], None]


class TransportError(Exception):
    """The command could not be run at all (connect, auth, host key, missing binary).

    Distinct from a command that ran and failed: that is a CommandResult with a non-zero exit.
    """

    def __init__(self, host: str, message: str, *, hint: str | None = None) -> None:
        self.host = host
        self.message = message
        self.hint = hint
        super().__init__(f"{host}: {message}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True, slots=True)
class CommandResult:
    host: str
    argv: tuple[str, ...]
    exit_status: int | None  # None when killed (timeout, cancel, dropped connection)
    stdout: bytes = b""
    stderr: bytes = b""
    started: float = field(default_factory=time.time)
    ended: float = field(default_factory=time.time)
    timed_out: bool = False
    cancelled: bool = False
    # the captured stdout/stderr stop at a cap; the rest went to these files
    stdout_spill: str | None = None
    stderr_spill: str | None = None
    error: str | None = None  # why exit_status is None, in words

    @property
    def duration(self) -> float:
        return self.ended - self.started

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


@runtime_checkable
class Transport(Protocol):
    """Optional extension (LocalTransport, SshTransport): a class attribute
    `accepts_capture = True` and a `capture: tui.remote.capture.OutputCapture` keyword on
    run(). WorkerPool then hands over its own capture (output cap, spill file next to the
    action log, secret scrubbing) and the transport feeds chunks to it as they arrive.
    Transports without it (the demo) are wrapped by the pool the same way via on_output."""

    host: str

    async def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | Secret | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
    ) -> CommandResult: ...

    async def close(self) -> None: ...


class ReadOnlyError(Exception):
    """A mutating command was asked for while read-only mode is on; nothing ran."""
