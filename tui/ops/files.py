"""Files on a host, pure: the argv that write one atomically, and environment-file edits.

Only these commands touch a file, so the simulator (tui.sim) can answer each of them:
`test -e`, `cat`, `stat -c %U:%G:%a`, `sha256sum`, `cp -p`, `install -m -o -g /dev/stdin`,
`mv -f`, `rm -f`, `mkdir -p`. The content always goes by stdin, never on a command line.
"""

from __future__ import annotations

import difflib
import hashlib
import posixpath
import re
import shlex
from typing import Iterable, Mapping

Argv = tuple[str, ...]


# --- writing a file atomically ------------------------------------------------------------------

def temp_path(path: str, run_id: str) -> str:
    """Beside the file (same file system: the rename is atomic), hidden, named by the run."""
    directory, name = posixpath.split(path)
    return posixpath.join(directory, f".{name}.pcmk-tmp-{run_id}")


def backup_path(path: str, run_id: str) -> str:
    """Named by the run, so a resume (or a person) finds what the run replaced."""
    return f"{path}.pcmk-backup-{run_id}"


def exists(path: str) -> Argv:
    return ("test", "-e", path)


def cat(path: str) -> Argv:
    return ("cat", path)


def stat_owner_mode(path: str) -> Argv:
    return ("stat", "-c", "%U:%G:%a", path)


def sha256(path: str) -> Argv:
    return ("sha256sum", path)


def copy(source: str, target: str) -> Argv:
    return ("cp", "-p", source, target)


def install_stdin(target: str, owner: str, group: str, mode: int) -> Argv:
    return ("install", "-m", f"{mode:04o}", "-o", owner, "-g", group, "/dev/stdin", target)


def move(source: str, target: str) -> Argv:
    return ("mv", "-f", source, target)


def remove(path: str) -> Argv:
    return ("rm", "-f", path)


def make_dir(path: str) -> Argv:
    return ("mkdir", "-p", posixpath.dirname(path) or "/")


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse_sha256(stdout: bytes) -> str | None:
    # a name with a backslash or newline in it: sha256sum starts the line with a backslash
    words = stdout.decode("ascii", "replace").lstrip("\\").split()
    return words[0].lower() if words and re.fullmatch(r"[0-9a-fA-F]{64}", words[0]) else None


def parse_stat(stdout: bytes) -> tuple[str, str, int] | None:
    """`stat -c %U:%G:%a` -> (owner, group, mode), None when it is not that."""
    match = re.fullmatch(r"([^:\s]+):([^:\s]+):([0-7]{1,4})", stdout.decode("utf-8", "replace").strip())
    return (match.group(1), match.group(2), int(match.group(3), 8)) if match else None


# --- environment files ---------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# an assignment: indentation, an optional `export `, NAME=, the rest of the line
_ASSIGNMENT = re.compile(r"^([ \t]*)(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_COMMENTED = re.compile(r"^[ \t]*#[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=")


def _lines(text: str) -> list[tuple[str, str]]:
    """(body, line ending) pairs; the last line may have no ending. CRLF stays CRLF."""
    out = []
    for match in re.finditer(r"([^\n]*?)(\r\n|\n)|([^\n]+)$", text):
        if match.group(3) is not None:
            out.append((match.group(3), ""))
        else:
            out.append((match.group(1), match.group(2)))
    return out


def quote_value(value: str) -> str:
    """shlex quoting (what a shell and systemd's EnvironmentFile both read back)."""
    if "\n" in value or "\r" in value or "\x00" in value:
        raise ValueError("an environment value cannot hold a line break or NUL")
    return shlex.quote(value)


def edit_env_file(text: str, set: Mapping[str, str], unset: Iterable[str] = ()) -> str:
    """`text` with each NAME in `set` given its value and each NAME in `unset` removed; every
    other byte (comments, order, blank lines, CRLF, a missing last newline) kept.

    A set NAME that is assigned already gets the new value on its last assignment (the one
    that wins), keeping its indentation and `export`; one that is only there commented out
    (`# NAME=default`) gets its line right after that comment; any other is appended.
    Unset removes every active assignment of NAME and keeps the comments."""
    unset = frozenset(unset)
    for name in (*set, *unset):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
    if frozenset(set) & unset:
        raise ValueError("a variable cannot be set and unset at once")
    lines = _lines(text)
    newline = next((end for _, end in lines if end), "\n")
    last_active: dict[str, int] = {}
    last_comment: dict[str, int] = {}
    for index, (body, _) in enumerate(lines):
        match = _ASSIGNMENT.match(body)
        if match:
            last_active[match.group(3)] = index
            continue
        commented = _COMMENTED.match(body)
        if commented:
            last_comment[commented.group(1)] = index
    after: dict[int, list[str]] = {}  # new lines to put after line i (-1: at the end)
    for name, value in set.items():
        assignment = f"{name}={quote_value(value)}"
        if name in last_active:
            index = last_active[name]
            match = _ASSIGNMENT.match(lines[index][0])
            lines[index] = (f"{match.group(1)}{match.group(2) or ''}{assignment}", lines[index][1])
        else:
            after.setdefault(last_comment.get(name, -1), []).append(assignment)
    out: list[str] = []
    for index, (body, end) in enumerate(lines):
        match = _ASSIGNMENT.match(body)
        if not (match and match.group(3) in unset):
            out.append(body + end)
        for added in after.get(index, ()):
            if not out[-1].endswith("\n"):  # the file's last line had no newline
                out[-1] += newline
            out.append(added + (end or ""))
    if -1 in after:
        if out and not out[-1].endswith("\n"):
            out[-1] += newline
        out.extend(added + newline for added in after[-1])
    return "".join(out)


def read_env(text: str) -> dict[str, str]:
    """The variables an env file assigns (the last assignment wins), values unquoted."""
    values: dict[str, str] = {}
    for body, _ in _lines(text):
        match = _ASSIGNMENT.match(body)
        if match:
            words = shlex.split(match.group(4), comments=True) if match.group(4).strip() else [""]
            values[match.group(3)] = words[0] if words else ""
    return values


def diff(before: str, after: str, path: str = "file") -> str:
    """A unified diff of an edit: what the review shows."""
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (after)",
    ))
