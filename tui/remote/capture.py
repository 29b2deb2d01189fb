"""Bounded capture of a command's output: memory up to a cap, the rest to a file.

Every transport feeds chunks here as they arrive. The chunk is first scrubbed of the
command's secret values (a secret split across two chunks is caught: the scrubber holds back
the last len(secret)-1 bytes until the next chunk), then handed to the live `on_output`
callback and kept in memory up to `cap` bytes for the caller. The recorded copy — the
excerpt for the action log and, once the stream grows past `file_after` bytes, the whole
stream in a file — has the values of sensitive parameters (a CIB's fence passwords)
redacted as well. Memory stays bounded however much a command prints.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from tui.pacemaker.sensitive import may_hold_secrets, redact_text
from tui.remote.secret import Secret
from tui.remote.transport import OutputCallback

DEFAULT_CAP = 1 << 20  # 1 MiB per stream kept in memory
EXCERPT_HEAD = 2048
EXCERPT_TAIL = 2048
STREAMS = ("stdout", "stderr")


class Scrubber:
    """Replaces secret values in a byte stream, even when one straddles two chunks."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self._pairs = [(s.reveal(), repr(s).encode()) for s in secrets if s.reveal()]
        self._hold = max((len(v) for v, _ in self._pairs), default=1) - 1
        self._carry = b""

    def push(self, chunk: bytes) -> bytes:
        if not self._pairs:
            return chunk
        data = self._replace(self._carry + chunk)
        if self._hold and len(data) > self._hold:
            self._carry, data = data[-self._hold :], data[: -self._hold]
        elif self._hold:
            self._carry, data = data, b""
        return data

    def flush(self) -> bytes:
        data, self._carry = self._replace(self._carry), b""
        return data

    def _replace(self, data: bytes) -> bytes:
        for value, marker in self._pairs:
            data = data.replace(value, marker)
        return data


class LineRedactor:
    """Redacts sensitive parameter values (CIB nvpairs, `passwd=...`) in a byte stream.

    Works on whole lines (a CIB puts one nvpair on a line): the last, unfinished line is held
    back until its newline arrives; a line longer than MAX_HOLD is cut after its last tag."""

    MAX_HOLD = 1 << 20

    def __init__(self) -> None:
        self._carry = b""

    def push(self, chunk: bytes) -> bytes:
        data = self._carry + chunk if self._carry else chunk
        cut = data.rfind(b"\n") + 1
        if not cut and len(data) > self.MAX_HOLD:
            cut = data.rfind(b">") + 1 or len(data)
        self._carry = data[cut:]
        return redact_bytes(data[:cut])

    def flush(self) -> bytes:
        data, self._carry = self._carry, b""
        return redact_bytes(data)


def redact_bytes(data: bytes) -> bytes:
    """`data` with sensitive values redacted; every other byte kept exactly."""
    if b"=" not in data:
        return data
    text = data.decode("utf-8", "surrogateescape")
    if not may_hold_secrets(text):
        return data
    return redact_text(text).encode("utf-8", "surrogateescape")


class _Stream:
    """One stream twice: the caller's copy (exact, the first `cap` bytes) and the recorded
    copy (sensitive values redacted) that the excerpt and the output file are made of."""

    def __init__(self, name: str, capture: OutputCapture) -> None:
        self.name = name
        # a proxy, not a reference: the capture owns its streams, and a cycle between them
        # would keep a big read's buffers alive until the next full garbage collection
        self.capture = weakref.proxy(capture)
        self.head = bytearray()  # the caller's copy: first `cap` bytes
        self.size = 0
        self.redactor = LineRedactor() if capture.record else None
        self.rec_head = bytearray()  # the recorded copy's start (all of it until a file holds it)
        self.rec_tail = bytearray()  # its last EXCERPT_TAIL bytes
        self.rec_size = 0
        self.file = None
        self.path: Path | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        cap = self.capture.cap
        if len(self.head) < cap:
            self.head += data[: cap - len(self.head)]
        self.size += len(data)
        if self.redactor is not None:
            self._record(self.redactor.push(data))

    def _record(self, data: bytes) -> None:
        if not data:
            return
        keep = max(EXCERPT_HEAD, self.capture.file_after)
        if len(self.rec_head) < keep:
            self.rec_head += data[: keep - len(self.rec_head)]
        self.rec_tail += data
        if len(self.rec_tail) > EXCERPT_TAIL:
            del self.rec_tail[: len(self.rec_tail) - EXCERPT_TAIL]
        self.rec_size += len(data)
        if self.file is None and self.rec_size > self.capture.file_after:
            # from here on the whole (redacted) stream goes to disk: what memory has, then the rest
            self.path = self.capture.file_path(self.name)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self.file = os.fdopen(fd, "wb")
            # everything before this chunk is still in memory: it was at most file_after <= keep
            self.file.write(self.rec_head[: self.rec_size - len(data)])
            self.file.write(data)
        elif self.file is not None:
            self.file.write(data)

    def close(self) -> None:
        if self.redactor is not None:
            self._record(self.redactor.flush())
            self.redactor = None
        if self.file is not None:
            self.file.close()

    def excerpt(self) -> str:
        if self.rec_size <= EXCERPT_HEAD + EXCERPT_TAIL:
            return bytes(self.rec_head[: self.rec_size]).decode("utf-8", "replace")
        omitted = self.rec_size - EXCERPT_HEAD - EXCERPT_TAIL
        head = bytes(self.rec_head[:EXCERPT_HEAD]).decode("utf-8", "replace")
        tail = bytes(self.rec_tail).decode("utf-8", "replace")
        return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"


@dataclass(frozen=True, slots=True)
class Captured:
    stdout: bytes
    stderr: bytes
    stdout_size: int
    stderr_size: int
    # set only when the in-memory copy was cut at the cap
    stdout_spill: str | None
    stderr_spill: str | None
    # the full output file of each stream, whenever one was written
    stdout_file: str | None
    stderr_file: str | None
    stdout_excerpt: str
    stderr_excerpt: str
    # the streams whose caller's copy was cut at the cap (what was cut went to no file
    # when the capture keeps no record)
    truncated: tuple[str, ...] = ()


class OutputCapture:
    """Sink for one command's stdout/stderr. Not thread-safe: fed from the event loop."""

    def __init__(
        self,
        *,
        cap: int = DEFAULT_CAP,
        file_after: int | None = None,
        spill_dir: Path | str | None = None,
        name: str | None = None,
        secrets: Iterable[Secret] = (),
        on_output: OutputCallback | None = None,
        record: bool = True,
    ) -> None:
        """record=False (reads): no excerpt, no file, no redaction work; only the caller's
        copy (cut at `cap`, the rest counted) and the sizes."""
        self.cap = cap
        self.record = record
        self.file_after = cap if file_after is None else min(file_after, cap)
        self._spill_dir = Path(spill_dir) if spill_dir else None
        self._name = name
        self._on_output = on_output
        secrets = tuple(secrets)
        self._scrubbers = {s: Scrubber(secrets) for s in STREAMS}
        self._streams = {s: _Stream(s, self) for s in STREAMS}
        self._closed: Captured | None = None
        self.fed = False  # did any chunk arrive at all

    def feed(self, stream: str, chunk: bytes) -> None:
        self.fed = True
        self._deliver(stream, self._scrubbers[stream].push(chunk))

    def _deliver(self, stream: str, data: bytes) -> None:
        if not data:
            return
        if self._on_output is not None:
            self._on_output(stream, data)
        self._streams[stream].write(data)

    def file_path(self, stream: str) -> Path:
        directory = self._spill_dir or Path(tempfile.gettempdir()) / f"pcmk-console-{os.getuid()}"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._name:
            return directory / f"{self._name}.{stream}"
        fd, path = tempfile.mkstemp(prefix="output-", suffix=f".{stream}", dir=directory)
        os.close(fd)
        return Path(path)

    def close(self) -> Captured:
        """Flush held-back bytes and close files; idempotent."""
        if self._closed is None:
            for stream in STREAMS:
                self._deliver(stream, self._scrubbers[stream].flush())
                self._streams[stream].close()
            out, err = self._streams["stdout"], self._streams["stderr"]

            def spill(s: _Stream) -> str | None:
                return str(s.path) if s.path and s.size > self.cap else None

            self._closed = Captured(
                stdout=bytes(out.head),
                stderr=bytes(err.head),
                stdout_size=out.size,
                stderr_size=err.size,
                stdout_spill=spill(out),
                stderr_spill=spill(err),
                stdout_file=str(out.path) if out.path else None,
                stderr_file=str(err.path) if err.path else None,
                stdout_excerpt=out.excerpt(),
                stderr_excerpt=err.excerpt(),
                truncated=tuple(s.name for s in (out, err) if s.size > len(s.head)),
            )
        return self._closed


def secrets_of(stdin: object, env: object = None) -> tuple[Secret, ...]:
    """The Secret values handed to one command (its stdin and any Secret env value)."""
    found = [stdin] if isinstance(stdin, Secret) else []
    if env:
        found += [v for v in env.values() if isinstance(v, Secret)]
    return tuple(found)
