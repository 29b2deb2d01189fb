"""Streaming a long-lived command's stdout as lines (the status watcher, tui.pacemaker.watch).

The transports' `stream_lines(argv, *, env=None)` (LocalTransport, SshTransport) yield
decoded stdout lines until the command ends or the caller closes the iterator; closing kills
the command's process group. stdin stays open (and silent) until then, so a command may take
its end as the sign that nobody listens any more. stderr is dropped: a watcher speaks only
in framed stdout lines.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

LINE_MAX = 64 * 1024  # a longer line is cut here (the rest until its newline is dropped)


class StreamUnsupported(Exception):
    """This host's transport cannot stream (the demo, a CIB file): the console polls."""


class LineFeed:
    """Takes chunks as OutputCapture.feed does (name, bytes) and queues stdout lines."""

    def __init__(self, line_max: int = LINE_MAX) -> None:
        self.line_max = line_max
        self._partial = b""
        self._skipping = False  # inside an over-long line: drop until its newline
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.fed = 0  # stdout bytes seen

    def feed(self, name: str, data: bytes) -> None:
        if name != "stdout" or not data:
            return
        self.fed += len(data)
        *complete, rest = (self._partial + data).split(b"\n")
        for raw in complete:
            if self._skipping:
                self._skipping = False
                continue
            self._put(raw)
        if len(rest) > self.line_max:
            if not self._skipping:
                self._put(rest[: self.line_max])
            self._skipping, rest = True, b""
        self._partial = rest

    def end(self) -> None:
        """The command's stdout is closed: hand over a last unterminated line, then stop."""
        if self._partial and not self._skipping:
            self._put(self._partial)
        self._partial = b""
        self._queue.put_nowait(None)

    def _put(self, raw: bytes) -> None:
        self._queue.put_nowait(raw.decode("utf-8", errors="replace").rstrip("\r"))

    async def lines(self) -> AsyncIterator[str]:
        while (line := await self._queue.get()) is not None:
            yield line
