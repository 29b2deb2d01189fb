"""`pcmk-console log [--json | --export-sh] [--limit N] [--cluster NAME] [--include-demo]`.

What the console ran (the action log; status refreshes are reads and live in reads.jsonl).
Every record names its cluster and its transport (demo, local, ssh); demo records are marked
DEMO: they ran against the built-in simulator, never on a machine.

--export-sh writes a bash script that replays the recorded commands of ONE cluster on the
same hosts with OpenSSH (`ssh [-p P] [-J JUMP] -- user@host 'COMMAND LINE'`), each preceded by
comments with its purpose, time and result:
- `--cluster NAME` picks the cluster; without it the log must hold commands of one cluster
  only (else: usage error naming them). Records of other clusters are left out.
- demo records are left out; `--include-demo` (or `--demo`) lists them, commented out: they
  are never live commands.
- commands that took stdin (often a secret, not in the log), refused ones and ones whose
  transport is unknown are written commented out.
- exact and terminal-safe: a word holding a control character (or bytes that are not UTF-8)
  is written in bash's $'...' quoting with \\xHH escapes, so the script replays the very bytes
  and shows no raw control byte; comments are one line each, with controls escaped, so no
  purpose or host can break out of its comment.

The human listing passes every recorded string through tui.plaintext; --json is exact
(ensure_ascii). Sensitive parameter values in output excerpts are redacted in every format.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Iterable, TextIO

from tui.exitcodes import ExitCode
from tui.pacemaker.sensitive import redact_text
from tui.pacemaker.vocabulary import outcome_text
from tui.pacemaker.when import at
from tui.plaintext import is_safe, one_line
from tui.remote.actionlog import ActionLog, ActionRecord

DEMO = "demo"
REPLAYABLE = ("local", "ssh")
SHORT = 160
EXCERPT_LINES = 5
_REDACTED_ENV = re.compile(r"^<[^<>]*: redacted>$")


class _Usage(Exception):
    pass


# --- strings on a terminal ------------------------------------------------------------------


def _field(value: object) -> str:
    return one_line(value)  # lone surrogates (undecodable bytes) too: plaintext escapes them


def _short(text: str) -> str:
    """One screen line: long ones (scripts) are cut, --json has them whole."""
    shown = one_line(text, limit=None)
    return shown if len(shown) <= SHORT else f"{shown[:SHORT]}… [{len(text)} chars]"


def _when(stamp: Any) -> str:
    return at(stamp) if isinstance(stamp, (int, float)) else "?"


def is_demo(record: ActionRecord) -> bool:
    return record.get("transport") == DEMO


def _where(record: ActionRecord) -> str:
    cluster = record.get("cluster")
    host = _field(record.get("host"))
    return f"{_field(cluster)}/{host}" if cluster else host


def _outcome(record: ActionRecord) -> str:
    """The outcome in the words the TUI's log pane uses too (tui.pacemaker.vocabulary)."""
    return _field(outcome_text(
        record.state, record.get("exit_status"), timed_out=bool(record.get("timed_out")),
        cancelled=bool(record.get("cancelled")), error=record.get("error")))


def render_human(records: list[ActionRecord]) -> str:
    lines = []
    for record in records:
        duration = record.get("duration")
        took = f"  {duration:.2f}s" if isinstance(duration, (int, float)) else ""
        change = "  [change]" if record.get("mutates") else ""
        demo = "  [DEMO: simulated, ran nowhere]" if is_demo(record) else ""
        lines.append(
            f"{_when(record.get('time'))}  {_where(record)}{demo}  {_outcome(record)}{took}"
            f"{change}  {_field(record.get('purpose', ''))}"
        )
        lines.append(f"    $ {_short(_join(record.get('argv') or []))}")
        if record.get("stdin"):
            lines.append(f"    stdin: {_field(record.get('stdin'))}")
        for stream in ("stdout", "stderr"):
            excerpt = redact_text(str(record.get(f"{stream}_excerpt") or ""))
            text = [line for line in excerpt.replace("\r\n", "\n").split("\n") if line.strip()]
            if text:
                lines += [f"    {stream}: {_short(line)}" for line in text[:EXCERPT_LINES]]
                more = record.get(f"{stream}_file")
                if len(text) > EXCERPT_LINES or more:
                    lines.append(f"    {stream}: ..." + (f" (all of it: {_field(more)})" if more else ""))
    return "\n".join(lines) + ("\n" if lines else "")


def _join(argv: Iterable[Any]) -> str:
    return shlex.join(str(word) for word in argv)


# --- the shell export -------------------------------------------------------------------------


def bash_word(word: str) -> str:
    """`word` quoted for bash, exactly and terminal-safe: shlex quoting when it holds only
    characters safe to show, else $'...' with every other character as its UTF-8 bytes
    (\\xHH; undecodable bytes of an argument come back as the same bytes)."""
    if is_safe(word):  # is_safe: no control, bidi or lone surrogate
        return shlex.quote(word)
    out = []
    for char in word:
        if char in "\\'":
            out.append("\\" + char)
        elif is_safe(char):
            out.append(char)
        else:
            try:
                raw = char.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = char.encode("utf-8", "surrogatepass")
            out.append("".join(f"\\x{b:02x}" for b in raw))
    return "$'" + "".join(out) + "'"


def bash_join(words: Iterable[str]) -> str:
    return " ".join(bash_word(str(w)) for w in words)


def _remote_words(record: ActionRecord) -> list[str]:
    words: list[str] = []
    if record.get("sudo"):
        words += ["sudo", "-n", "--"]
    env = record.get("env") or {}
    if env:
        words += ["env", *(f"{k}={v}" for k, v in env.items())]
    return [*words, *(str(w) for w in record.get("argv") or [])]


def remote_command_line(record: ActionRecord) -> str:
    """The command line the remote shell ran (sudo and env prefix included), POSIX-quoted."""
    return shlex.join(_remote_words(record))


def replay_words(record: ActionRecord) -> list[str]:
    """The argv that replays the record here: the command itself (local), or ssh running
    its command line on the same host (ssh)."""
    if record.get("transport") == "local":
        return _remote_words(record)
    ssh = ["ssh"]
    if record.get("port") and str(record.get("port")) != "22":
        ssh += ["-p", str(record.get("port"))]
    for identity in record.get("identity_files") or []:
        ssh += ["-i", str(identity)]
    if record.get("jump_spec"):
        ssh += ["-J", str(record.get("jump_spec"))]
    address = str(record.get("address") or record.get("host"))
    user = record.get("username")
    # "--" first: a host that starts with "-" is a host, not an option
    return [*ssh, "--", f"{user}@{address}" if user else address, remote_command_line(record)]


def replay_line(record: ActionRecord) -> str:
    return bash_join(replay_words(record))


def _comment(text: str) -> str:
    return "# " + _field(text)


def _why_not_live(record: ActionRecord) -> str | None:
    if is_demo(record):
        return "DEMO record (the built-in simulator, not a real cluster): never a live command"
    if record.state == "refused":
        return "not run (read-only mode)"
    if record.get("transport") not in REPLAYABLE:
        return f"transport {_field(record.get('transport') or 'unknown')}: cannot be replayed"
    if any("\x00" in w for w in replay_words(record)):
        return "holds a NUL character, which no command line can carry: not replayable"
    if record.get("stdin"):
        return f"took stdin {_field(record.get('stdin'))}, not recorded; supply it yourself"
    if any(_REDACTED_ENV.match(str(v)) for v in (record.get("env") or {}).values()):
        return "had a secret in its environment, not recorded; supply it yourself"
    return None


def choose_cluster(records: list[ActionRecord], cluster: str | None) -> str | None:
    """The one cluster an export is for: `cluster`, or the only one the live (not demo)
    records name; several and none named is a usage error."""
    if cluster is not None:
        return cluster
    names = {r.get("cluster") for r in records if not is_demo(r)}
    if len(names) > 1:
        named = sorted(_field(n) for n in names if n)
        unnamed = " and records without a cluster name" if None in names else ""
        raise _Usage(f"the log holds commands for several clusters ({', '.join(named)}{unnamed}); "
                     "choose one with --cluster NAME")
    return next(iter(names), None)


def render_export_sh(records: list[ActionRecord], *, cluster: str | None = None,
                     include_demo: bool = False, left_out: int = 0) -> str:
    """The replay script for one cluster (see the module doc). Raises _Usage when the
    records span several clusters and none was named. left_out: records of other clusters
    the caller already dropped (said in the header)."""
    chosen = choose_cluster(records, cluster)
    live = [r for r in records if not is_demo(r) and r.get("cluster") == chosen]
    demo = [r for r in records if is_demo(r) and (cluster is None or r.get("cluster") == cluster)]
    others = left_out + sum(1 for r in records if not is_demo(r)) - len(live)
    keep = {id(r) for r in live + (demo if include_demo else [])}
    out = [
        "#!/bin/bash",
        "# Commands recorded by pcmk-console, oldest first, replayed with OpenSSH.",
        f"# Exported {at(time.time())}. Read it before running it:",
        "# it repeats every recorded command, changes included.",
        _comment(f"cluster: {chosen}" if chosen is not None else
                 "cluster: (not recorded)" if live else "cluster: none (no live commands)"),
    ]
    if others:
        out.append(f"# {others} record(s) of other clusters left out (--cluster NAME picks one).")
    if demo and not include_demo:
        out.append(f"# {len(demo)} DEMO record(s) left out (--include-demo lists them, commented out).")
    out.append("")
    for record in (r for r in records if id(r) in keep):
        out.append(_comment(f"{_when(record.get('time'))}  {_where(record)}  {record.id}"))
        out.append(_comment(f"purpose: {record.get('purpose', '')}"))
        out.append(_comment(f"result: {_outcome(record)}"))
        why = _why_not_live(record)
        if why is None:
            out.append(replay_line(record))
        else:
            out.append(_comment(why + ":"))
            out.append(_comment(replay_line(record)))
        out.append("")
    return "\n".join(out) + "\n"


# --- the verb ---------------------------------------------------------------------------------


def _json(record: ActionRecord) -> str:
    data = record.as_dict()
    for stream in ("stdout", "stderr"):
        if isinstance(data.get(f"{stream}_excerpt"), str):
            data[f"{stream}_excerpt"] = redact_text(data[f"{stream}_excerpt"])
    return json.dumps(data, ensure_ascii=True)


def main(args: argparse.Namespace, config: Any = None, *, out: TextIO | None = None) -> int:
    """args: json, export_sh (bool), limit (int|None: the last N), log_file (path|None),
    cluster (str|None: only that cluster's records), include_demo (bool), target (the
    resolved tui.target.Target: a demo target means the demo's records)."""
    out = out or sys.stdout
    path = getattr(args, "log_file", None)
    log = ActionLog(Path(path) if path else None)
    records = log.records()
    target = getattr(args, "target", None)
    demo_target = getattr(target, "kind", None) == DEMO or bool(getattr(args, "demo", False))
    cluster = getattr(args, "cluster", None)
    include_demo = bool(getattr(args, "include_demo", False)) or demo_target
    if demo_target:
        records = [r for r in records if is_demo(r)]
    others = 0
    if cluster is not None:
        others = sum(1 for r in records if r.get("cluster") != cluster and not is_demo(r))
        records = [r for r in records if r.get("cluster") == cluster]
    limit = getattr(args, "limit", None)
    if limit is not None:
        if limit < 0:
            print("pcmk-console log: --limit must be 0 or more", file=sys.stderr)
            return ExitCode.USAGE
        records = records[-limit:] if limit else []
    if getattr(args, "json", False):
        for record in records:
            out.write(_json(record) + "\n")
    elif getattr(args, "export_sh", False):
        try:
            out.write(render_export_sh(records, cluster=cluster, include_demo=include_demo,
                                       left_out=others))
        except _Usage as exc:
            print(f"pcmk-console log --export-sh: {exc}", file=sys.stderr)
            return ExitCode.USAGE
    else:
        if not records:
            out.write(f"no actions recorded yet ({_field(log.path)})\n")
        out.write(render_human(records))
    return ExitCode.OK
