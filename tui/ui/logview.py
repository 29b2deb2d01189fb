"""Action-log records -> table rows and full-output text.

The pane follows tui.remote.actionlog: the pool emits a "started" event before a command runs
and a "finished" (or "refused") one after; `tui.remote.actionlog.fold`
folds each into an ActionRecord.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tui.pacemaker.when import at
from tui.pacemaker.vocabulary import Outcome, outcome, outcome_text
from tui.remote.actionlog import ActionRecord
from tui.ui.present import Row

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
MAX_OUTPUT_BYTES = 2 << 20  # the full-output view reads at most this much of a spill file

LOG_COLUMNS = (
    ("when", "Started"),
    ("host", "Host"),
    ("state", "Result"),
    ("duration", "Took"),
    ("command", "Command"),
    ("purpose", "Purpose"),
)
STATE_COLUMN = 2


def is_running(record: ActionRecord) -> bool:
    return record.state == "running"


def command_line(record: ActionRecord, limit: int = 160) -> str:
    argv = record.get("argv") or []
    if len(argv) > 3 and argv[:2] == ["sh", "-c"]:
        # a script (the status refresh): show its name and arguments, not its body
        text = f"sh -c <{argv[3]} script> " + shlex.join(argv[4:])
    else:
        text = shlex.join(argv)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _started_at(record: ActionRecord) -> float | None:
    return record.finished.get("start") or record.started.get("time")


def duration(record: ActionRecord, now: float) -> float | None:
    if record.state == "finished":
        return record.finished.get("duration")
    start = _started_at(record)
    return None if start is None or record.state == "refused" else max(0.0, now - start)


_OUTCOME_TOKENS = {
    Outcome.OK: "node-online",
    Outcome.RUNNING: "node-pending",
    Outcome.REFUSED: "node-standby",
}


def state_cell(record: ActionRecord, now: float) -> tuple[str, str | None]:
    """The outcome in the words `pcmk-console log` uses too (tui.pacemaker.vocabulary)."""
    finished = record.finished
    facts = dict(timed_out=bool(finished.get("timed_out")),
                 cancelled=bool(finished.get("cancelled")), live=True)
    word = outcome(record.state, finished.get("exit_status"), **facts)
    token = _OUTCOME_TOKENS.get(word, "node-offline")
    if word is Outcome.RUNNING:
        return (f"{SPINNER[int(now * 10) % len(SPINNER)]} {word}", token)
    text = outcome_text(record.state, finished.get("exit_status"), error=finished.get("error"),
                        **facts)
    return (text if len(text) <= 48 else text[:47] + "…", token)


def log_row(record: ActionRecord, now: float) -> Row:
    start = _started_at(record)
    when = at(start) if start else ""
    took = duration(record, now)
    return (
        (when, None),
        (str(record.get("host", "")), None),
        state_cell(record, now),
        (f"{took:.2f}s" if took is not None else "", None),
        (command_line(record), None),
        (str(record.get("purpose", "")), "muted"),
    )


def _stream(record: ActionRecord, name: str) -> str:
    path = record.finished.get(f"{name}_file")
    if path:
        try:
            with open(Path(path), "rb") as f:
                data = f.read(MAX_OUTPUT_BYTES + 1)
            text = data[:MAX_OUTPUT_BYTES].decode("utf-8", errors="replace")
            if len(data) > MAX_OUTPUT_BYTES:
                text += f"\n… (cut at {MAX_OUTPUT_BYTES} bytes; whole output in {path})"
            return text
        except OSError as error:
            return f"(output file {path} unreadable: {error.strerror or error})\n" + (
                record.finished.get(f"{name}_excerpt") or "")
    return record.finished.get(f"{name}_excerpt") or ""


def full_text(record: ActionRecord, now: float) -> str:
    lines = [
        f"id:       {record.id}",
        f"host:     {record.get('host', '')}",
        f"purpose:  {record.get('purpose', '')}",
        f"mutates:  {'yes' if record.get('mutates') else 'no'}",
        f"command:  {shlex.join(record.get('argv') or [])}",
        f"result:   {state_cell(record, now)[0]}",
    ]
    took = duration(record, now)
    if took is not None:
        lines.append(f"took:     {took:.3f}s")
    if record.get("error"):
        lines.append(f"error:    {record.get('error')}")
    if record.state == "finished":
        for name in ("stdout", "stderr"):
            text = _stream(record, name)
            size = record.finished.get(f"{name}_bytes")
            lines.append(f"--- {name} ({size if size is not None else len(text)} bytes) ---")
            lines.append(text.rstrip("\n") if text else "(empty)")
    return "\n".join(lines)
