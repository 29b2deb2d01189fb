"""The action log: one JSON line per event, fsynced before the command runs or returns.

Every execution writes a "started" event before it runs and a "finished" event after, so a
crash mid-command leaves a started event with no finished one. A refused (read-only) command
writes a "refused" event. Reading tolerates a torn last line (the writer died mid-write): it
is skipped with a warning.

Async writes go through one background thread with group commit: events that arrive while
an fsync is in flight are written together and share the next fsync, so 20 hosts starting at
once cost a couple of fsyncs, not twenty, and the event loop never blocks on the disk.

Secrets never get here: the pool hands in redacted stdin and output already scrubbed
(secret values replaced, sensitive CIB parameters redacted). Reads (status refreshes) never
get here either: they go to the read log (tui.remote.readlog, `self.reads`).

Events are encoded as ASCII JSON (ensure_ascii): exact for any string, including argv words
holding non-UTF-8 bytes (surrogateescape-decoded, written as \\udcXX escapes that read back
as the same string, so the export replays the same bytes), and safe to cat on a terminal.
The state directory is made private first, or refused (tui.remote.statedir).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from tui.remote import statedir
from tui.remote.readlog import FILE_NAME as READS_FILE_NAME
from tui.remote.readlog import ReadLog
from tui.remote.statedir import STATE_DIR_ENV, StateDirError

__all__ = ["ActionLog", "ActionRecord", "StateDirError", "STATE_DIR_ENV", "TornLogWarning",
           "default_path", "default_state_dir", "fold", "merge", "read_events"]
FILE_NAME = "actions.jsonl"
# rotation: the log is a history, not an archive; ~4 x 32 MiB at most, plus output files
# of the records still kept
MAX_BYTES = 32 << 20
KEEP = 3
WRITER_IDLE_EXIT = 5.0  # seconds an idle writer thread waits before it ends

Event = dict[str, Any]
Listener = Callable[[Event], None]


def default_state_dir() -> Path:
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    import platformdirs

    return Path(platformdirs.user_state_dir("pcmk-console"))


def default_path() -> Path:
    return default_state_dir() / FILE_NAME


class TornLogWarning(UserWarning):
    pass


class ActionLog:
    def __init__(
        self, path: Path | str | None = None, *, max_bytes: int = MAX_BYTES, keep: int = KEEP
    ) -> None:
        self.path = Path(path) if path else default_path()
        self.output_dir = self.path.parent / "output"
        self.reads = ReadLog(self.path.parent / READS_FILE_NAME)
        self.max_bytes = max_bytes
        self.keep = keep
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()  # one writer at a time (thread or sync caller)
        self._file = None
        self._pending: list[tuple[bytes, asyncio.Future, asyncio.AbstractEventLoop]] = []
        self._wakeup = threading.Condition()
        self._writer: threading.Thread | None = None

    # -- writing ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Make (or check and tighten) the state directory; raises StateDirError naming it.
        Writing does this itself; call it early to fail before anything runs."""
        statedir.prepare(self.path.parent)

    def _open(self):
        if self._file is None:
            self.prepare()
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            self._file = os.fdopen(fd, "r+b", buffering=0)
            size = os.fstat(fd).st_size
            if size:  # a torn last line from a crash: start ours on a fresh line
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) != b"\n":
                    os.write(fd, b"\n")
        return self._file

    def _write_lines(self, lines: list[bytes]) -> None:
        with self._lock:
            f = self._open()
            f.write(b"".join(lines))
            os.fsync(f.fileno())
            if f.tell() > self.max_bytes:
                self._rotate()

    def _rotate(self) -> None:
        """actions.jsonl -> .1 -> .2 ... (.keep is dropped), then drop output files older
        than the oldest record still kept. Called with the lock held."""
        self._file.close()
        self._file = None
        for n in range(self.keep, 0, -1):
            older = self.rotated(n)
            if n == self.keep:
                older.unlink(missing_ok=True)
            elif older.exists():
                older.rename(self.rotated(n + 1))
        if self.keep:
            self.path.rename(self.rotated(1))
        else:
            self.path.unlink()
        self._prune_outputs()

    def rotated(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{n}")

    def files(self) -> list[Path]:
        """The log files, oldest first."""
        olds = [self.rotated(n) for n in range(self.keep, 0, -1) if self.rotated(n).exists()]
        return olds + ([self.path] if self.path.exists() else [])

    def _prune_outputs(self) -> None:
        # record ids start with their UTC start time, so they sort by age
        oldest = next((e["id"] for f in self.files() for e in read_events(f)
                       if e.get("event") in ("started", "refused")), None)
        if oldest is None or not self.output_dir.is_dir():
            return
        for output in self.output_dir.iterdir():
            if output.name.split(".", 1)[0] < oldest:
                output.unlink(missing_ok=True)

    def write(self, event: Event) -> None:
        """Write one event durably, from synchronous code; listeners are called here."""
        self._write_lines([_encode(event)])
        self._notify(event)

    async def emit(self, event: Event) -> None:
        """Write one event durably without blocking the loop; returns once it is on disk."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._wakeup:
            self._pending.append((_encode(event), future, loop))
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._writer_loop, daemon=True,
                                                name="pcmk-console-actionlog")
                self._writer.start()
            self._wakeup.notify()
        await asyncio.shield(future)
        self._notify(event)

    def _writer_loop(self) -> None:
        """Group commit: everything queued while the last fsync ran shares the next one."""
        while True:
            with self._wakeup:
                while not self._pending:
                    if not self._wakeup.wait(timeout=WRITER_IDLE_EXIT):
                        if not self._pending:
                            self._writer = None
                            return
                batch, self._pending = self._pending, []
            error: BaseException | None = None
            try:
                self._write_lines([line for line, _, _ in batch])
            except BaseException as exc:  # reported to every waiter
                error = exc
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
            for _, future, loop in batch:
                by_loop.setdefault(loop, []).append(future)
            for loop, futures in by_loop.items():  # one wakeup per loop, not per event
                try:
                    loop.call_soon_threadsafe(_settle, futures, error)
                except RuntimeError:
                    pass  # that event loop is closed: nobody is waiting any more

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for every event after it is written; returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # a broken listener must not break execution
                warnings.warn(f"action log listener failed: {exc!r}", RuntimeWarning)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    # -- reading ------------------------------------------------------------------------

    def events(self) -> list[Event]:
        return [event for f in self.files() for event in read_events(f)]

    def records(self) -> list[ActionRecord]:
        return merge(self.events())


def _settle(futures: list[asyncio.Future], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def _encode(event: Event) -> bytes:
    return json.dumps(event, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def read_events(path: Path | str) -> Iterator[Event]:
    """Events in file order; a line that is not valid JSON is skipped with a warning."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                warnings.warn(
                    f"{path}:{number}: skipping a torn or corrupt action log line "
                    f"({len(raw)} bytes; a crash while writing?)",
                    TornLogWarning,
                    stacklevel=2,
                )
                continue
            if isinstance(event, dict) and "id" in event:
                yield event


@dataclass
class ActionRecord:
    """One command's story, merged from its started/finished (or refused) events."""

    id: str
    state: str  # "finished", "running" (no finished event: still running or crashed), "refused"
    started: Event = field(default_factory=dict)
    finished: Event = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.finished:
            return self.finished[key]
        return self.started.get(key, default)

    def as_dict(self) -> Event:
        merged = {**self.started, **self.finished}
        merged.pop("event", None)
        merged["state"] = self.state
        return merged


def fold(records: dict[str, ActionRecord], event: Event) -> ActionRecord | None:
    """Add one started/finished/refused event to its record (made on first sight)."""
    record_id = event.get("id")
    if record_id is None:
        return None
    record = records.setdefault(str(record_id), ActionRecord(str(record_id), "running"))
    kind = event.get("event")
    if kind == "started":
        record.started = event
    elif kind == "refused":
        record.started, record.state = event, "refused"
    elif kind == "finished":
        record.finished, record.state = event, "finished"
    return record


def merge(events) -> list[ActionRecord]:
    """One command's story, merged from its started/finished (or refused) events."""
    records: dict[str, ActionRecord] = {}
    for event in events:
        fold(records, event)
    # a record whose started event was rotated away is only half there: leave it out
    return [r for r in records.values() if r.started]
