"""`pcmk-console log [--json | --export-sh] [--limit N]`: what the console ran.

--export-sh writes a shell script that replays the recorded commands on the same hosts with
OpenSSH (`ssh [-p P] [-J JUMP] user@host -- 'COMMAND LINE'`), each preceded by comments with
its purpose, time and exit status. Commands that took stdin are written commented out: the
input (often a secret) is not in the log, and running them without it could do harm.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tui.exitcodes import ExitCode
from tui.remote.actionlog import ActionLog, ActionRecord


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "?"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _outcome(record: ActionRecord) -> str:
    if record.state == "refused":
        return "REFUSED (read-only)"
    if record.state == "running":
        return "NO END RECORDED (still running, or the console died)"
    status = record.get("exit_status")
    if record.get("timed_out"):
        return "TIMED OUT"
    if record.get("cancelled"):
        return "CANCELLED"
    if status is None:
        return f"ERROR: {record.get('error')}"
    text = f"exit {status}"
    if record.get("error"):
        text += f" ({record.get('error')})"
    return text


SHORT = 160


def _short(text: str) -> str:
    """One screen line: long scripts (the status refresh) are cut, --json has them whole."""
    first = text.split("\n", 1)[0]
    if first == text and len(text) <= SHORT:
        return text
    return f"{first[:SHORT]} … [{len(text)} chars]"


def render_human(records: list[ActionRecord]) -> str:
    lines = []
    for record in records:
        duration = record.get("duration")
        took = f"  {duration:.2f}s" if isinstance(duration, (int, float)) else ""
        change = "  [change]" if record.get("mutates") else ""
        lines.append(
            f"{_when(record.get('time'))}  {record.get('host')}  {_outcome(record)}{took}"
            f"{change}  {record.get('purpose', '')}"
        )
        lines.append(f"    $ {_short(shlex.join(record.get('argv') or []))}")
        if record.get("stdin"):
            lines.append(f"    stdin: {record.get('stdin')}")
        for stream in ("stdout", "stderr"):
            text = [line for line in (record.get(f"{stream}_excerpt") or "").splitlines() if line.strip()]
            if text:
                lines += [f"    {stream}: {_short(line)}" for line in text[:5]]
                if len(text) > 5 or record.get(f"{stream}_file"):
                    more = record.get(f"{stream}_file")
                    lines.append(f"    {stream}: ..." + (f" (all of it: {more})" if more else ""))
    return "\n".join(lines) + ("\n" if lines else "")


def remote_command_line(record: ActionRecord) -> str:
    """The command line the remote shell ran (sudo and env prefix included)."""
    words: list[str] = []
    if record.get("sudo"):
        words += ["sudo", "-n", "--"]
    env = record.get("env") or {}
    if env:
        words += ["env", *(f"{k}={v}" for k, v in env.items())]
    return shlex.join([*words, *(record.get("argv") or [])])


def replay_line(record: ActionRecord) -> str:
    line = remote_command_line(record)
    if record.get("transport") == "local":
        return line
    ssh = ["ssh"]
    if record.get("port") and int(record.get("port")) != 22:
        ssh += ["-p", str(record.get("port"))]
    for identity in record.get("identity_files") or []:
        ssh += ["-i", identity]
    if record.get("jump_spec"):
        ssh += ["-J", record.get("jump_spec")]
    address = record.get("address") or record.get("host")
    user = record.get("username")
    ssh += [f"{user}@{address}" if user else address, "--", line]
    return shlex.join(ssh)


def _comment(text: str) -> str:
    return "\n".join("# " + part for part in str(text).splitlines() or [""])


def render_export_sh(records: list[ActionRecord]) -> str:
    out = [
        "#!/bin/sh",
        "# Commands recorded by pcmk-console, oldest first, replayed with OpenSSH.",
        f"# Exported {time.strftime('%Y-%m-%d %H:%M:%S %Z')}. Read it before running it:",
        "# it repeats every recorded command, changes included.",
        "",
    ]
    for record in records:
        out.append(_comment(f"{_when(record.get('time'))}  {record.get('host')}  {record.id}"))
        out.append(_comment(f"purpose: {record.get('purpose', '')}"))
        out.append(_comment(f"result: {_outcome(record)}"))
        line = replay_line(record)
        if record.state == "refused":
            out.append(_comment(f"not run (read-only mode): {line}"))
        elif record.get("stdin"):
            out.append(_comment(f"took stdin {record.get('stdin')}, not recorded; supply it yourself:"))
            out.append(_comment(line))
        else:
            out.append(line)
        out.append("")
    return "\n".join(out)


def main(args: argparse.Namespace, config: Any = None, *, out: TextIO | None = None) -> int:
    """args: json (bool), export_sh (bool), limit (int|None: the last N), log_file (path|None)."""
    out = out or sys.stdout
    path = getattr(args, "log_file", None)
    log = ActionLog(Path(path) if path else None)
    records = log.records()
    limit = getattr(args, "limit", None)
    if limit is not None:
        if limit < 0:
            print("pcmk-console log: --limit must be 0 or more", file=sys.stderr)
            return ExitCode.USAGE
        records = records[-limit:] if limit else []
    if getattr(args, "json", False):
        for record in records:
            out.write(json.dumps(record.as_dict(), ensure_ascii=False) + "\n")
    elif getattr(args, "export_sh", False):
        out.write(render_export_sh(records))
    else:
        if not records:
            out.write(f"no actions recorded yet ({log.path})\n")
        out.write(render_human(records))
    return ExitCode.OK
