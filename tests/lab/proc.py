"""Running commands and owning processes: every daemon the lab starts is its own process
group, recorded with its start time so a later cleanup never kills a recycled PID."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class LabError(RuntimeError):
    """Something the lab needs failed; the message names the command or resource."""


def run(argv: list[str], *, check: bool = True, timeout: float = 120, input: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input,
                             env=env)
    except FileNotFoundError as exc:
        raise LabError(f"command not found: {argv[0]} (in {shlex.join(argv)})") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout}s: {shlex.join(argv)}") from exc
    if check and res.returncode != 0:
        raise LabError(f"exit {res.returncode}: {shlex.join(argv)}\n{res.stderr.strip()[-2000:]}")
    return res


def start_time(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks), or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'
    return int(stat.rsplit(")", 1)[1].split()[19])


def proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    """Running, not just present: a zombie (Z) or dead (X) process counts as gone."""
    state = proc_state(pid)
    return state is not None and state not in ("Z", "X")


@dataclass(frozen=True)
class Owned:
    """A process group the lab started: pid == pgid (start_new_session)."""

    name: str
    pid: int
    start: int

    def is_ours(self) -> bool:
        return start_time(self.pid) == self.start

    def to_json(self) -> dict:
        return {"name": self.name, "pid": self.pid, "start": self.start}

    @classmethod
    def from_json(cls, d: dict) -> "Owned":
        return cls(str(d["name"]), int(d["pid"]), int(d["start"]))


_children: dict[int, subprocess.Popen] = {}


def spawn(name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> Owned:
    """Start argv as a new session (own process group), output appended to log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                 start_new_session=True, env=env)
        except FileNotFoundError as exc:
            raise LabError(f"command not found: {argv[0]} (starting {name})") from exc
    _children[p.pid] = p
    st = start_time(p.pid)
    if st is None:
        p.wait()
        raise LabError(f"{name} exited at once (exit {p.returncode}); see {log}")
    return Owned(name, p.pid, st)


def _reap(pid: int) -> None:
    p = _children.get(pid)
    if p is not None and p.poll() is not None:
        _children.pop(pid, None)


def group_members(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            out.append(int(entry.name))
    return out


def kill_group(owned: Owned, timeout: float = 10.0) -> None:
    """SIGTERM the whole group, then SIGKILL what is left; only if the leader is still ours
    (or already gone but its group lingers)."""
    leader_ours = owned.is_ours()
    members = group_members(owned.pid)
    if not leader_ours and owned.pid in members:
        return  # PID reused by someone else: not ours to kill
    if not members:
        _reap(owned.pid)
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(owned.pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(owned.pid)
            if not any(alive(m) for m in group_members(owned.pid)):
                _reap(owned.pid)
                return
            time.sleep(0.05)
    _reap(owned.pid)


def wait_for(what: str, predicate, timeout: float, interval: float = 0.2):
    """Poll predicate until it returns something truthy; LabError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except LabError as exc:
            last = None
            err = exc
        else:
            err = None
        if last:
            return last
        if time.monotonic() > deadline:
            detail = f": {err}" if err else ""
            raise LabError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def kill_pids(pids: list[int], timeout: float = 5.0) -> None:
    """For processes found inside the lab's own namespaces (ours by construction)."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 3.0)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for pid in pids:
                _reap(pid)
            if not any(alive(p) for p in pids):
                return
            time.sleep(0.05)
