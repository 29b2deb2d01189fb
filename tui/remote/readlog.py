"""The read log: one small JSON line per read (a status refresh), beside the action log.

Reads are not actions: they do not go into actions.jsonl (a refresh every few seconds would
bury the changes there) and their output — crm_mon XML and the CIB configuration, fence
passwords included — is stored nowhere. What is kept, per read:

    {"time": start (epoch s), "cluster": name, "transport": "demo"|"local"|"ssh",
     "host": node, "argv": [...], "purpose": "status refresh", "exit_status": int|null,
     "timed_out": bool, "duration": s, "stdout_bytes": n, "stderr_bytes": n, "error": str|null}

Bounded: reads.jsonl is rotated to reads.jsonl.1 at MAX_BYTES, so at most twice that is kept.
Best effort: a read log that cannot be written (no state directory) never fails a refresh;
the first error is kept in `error`.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator

from tui.remote import statedir

FILE_NAME = "reads.jsonl"
MAX_BYTES = 1 << 20


class ReadLog:
    def __init__(self, path: Path | str, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.error: str | None = None
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        # no fsync: a read lost in a crash costs nothing; a few hundred bytes, append-only
        line = json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"
        try:
            with self._lock:
                statedir.prepare(self.path.parent)
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                try:
                    os.write(fd, line)
                    size = os.fstat(fd).st_size
                finally:
                    os.close(fd)
                if size > self.max_bytes:
                    os.replace(self.path, self.rotated())
        except (OSError, statedir.StateDirError) as exc:
            self.error = self.error or str(exc)

    def rotated(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    def records(self) -> list[dict[str, Any]]:
        """Oldest first; lines that are not JSON objects (a torn write) are skipped."""
        return [r for p in (self.rotated(), self.path) for r in _read(p)]


def _read(path: Path) -> Iterator[dict[str, Any]]:
    try:
        data = path.read_bytes()
    except OSError:
        return
    for raw in data.splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record
