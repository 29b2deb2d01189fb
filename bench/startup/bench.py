"""Demo start: process start to the first frame that shows status, in a real pseudo-terminal.

    .venv/bin/python bench/startup/bench.py [--runs 10] [--old /tmp/old-tree] [--json FILE]

Each run is a fresh `pcmk-console --demo` process on the slave side of a new pty (120x40,
TERM=xterm-256color). The clock starts just before the fork that execs it and stops when
the terminal output (escape sequences stripped) has shown the status: the status line's
"quorum" and the row "node1 … online" — what a user sees once the first refresh is on the
screen. Then the bench types `q` and waits for the process to end.

--old TREE: the same runs of an older tree (`git archive <rev> | tar -x -C TREE`), run by the
same venv with PYTHONPATH=TREE, interleaved run by run with the current tree so both see
the same machine load (--tree NAME=PATH adds more trees the same way). Each contender gets one warm-up run first (it writes the .pyc files;
not counted). --importtime also records `python -X importtime` for one run of each: the
imports done before the first status frame, top 15 by cumulative time.

XDG_CONFIG_HOME/XDG_STATE_HOME point at a private temporary directory (no config file, an
empty action log) so every run starts alike and the user's files are not touched.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import re
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
ENTRY = "import sys; from tui.cli import main; sys.exit(main())"  # what .venv/bin/pcmk-console runs
COLS, ROWS = 120, 40

_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOZc]"
)
_STATUS = (re.compile(rb"quorum"), re.compile(rb"node1\s+online"))
_ANY_FRAME = re.compile(rb"pcmk-console")  # the header: Textual's first frame, status or not
_IMPORT_LINE = re.compile(rb"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def plain(data: bytes) -> bytes:
    return _ESCAPES.sub(b"", data)


def run_once(tree: Path | None, *, importtime: bool = False, timeout: float = 20.0,
             bytecode: bool = True) -> dict:
    """One fresh process in a pty: ms to the first frame, ms to the first status frame.
    bytecode: cache compiled modules (in a private PYTHONPYCACHEPREFIX) as an installed copy
    has them; False: compile every module of the tree from source on each run (what
    PYTHONDONTWRITEBYTECODE=1, set in this sandbox, does to an editable checkout)."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS),
               XDG_CONFIG_HOME=str(PRIVATE / "config"), XDG_STATE_HOME=str(PRIVATE / "state"))
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PRIVATE / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    env.pop("PYTHONPATH", None)
    env.pop("TEXTUAL", None)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    argv = [str(VENV_PYTHON)] + (["-X", "importtime"] if importtime else []) + ["-c", ENTRY, "--demo"]
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of COLS x ROWS, then the console
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.chdir("/")
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    raw = bytearray()
    first_frame = status_frame = None
    status_at_byte = cpu_at_status = None
    quit_sent_at = None
    status = None
    deadline = started + timeout
    while True:
        now = time.perf_counter()
        if now > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([fd], [], [], 0.01)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            raw += chunk
            now = time.perf_counter()
            text = plain(bytes(raw)) if status_frame is None else b""
            if first_frame is None and _ANY_FRAME.search(text):
                first_frame = now
            if status_frame is None and all(p.search(text) for p in _STATUS):
                status_frame, status_at_byte = now, len(raw)
                cpu_at_status = cpu_seconds(pid)
        if status_frame is not None and quit_sent_at is None and time.perf_counter() - status_frame > 0.3:
            os.write(fd, b"q")  # a moment later, so the quit key is not read as part of a query reply
            quit_sent_at = time.perf_counter()
        if quit_sent_at is not None and time.perf_counter() - quit_sent_at > 5:
            os.kill(pid, signal.SIGKILL)
            break
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(wait_status)
            break
    if status is None:
        _, wait_status = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(wait_status)
    os.close(fd)
    out = {
        "first_frame_ms": None if first_frame is None else round((first_frame - started) * 1000, 1),
        "status_frame_ms": None if status_frame is None else round((status_frame - started) * 1000, 1),
        "cpu_ms_at_status": None if cpu_at_status is None else round(cpu_at_status * 1000),
        "exit": status,
    }
    if importtime:
        out["imports"] = top_imports(bytes(raw[:status_at_byte] if status_at_byte else raw))
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process has used so far (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def top_imports(raw: bytes, n: int = 15) -> dict:
    """The `-X importtime` lines printed before the status frame: the total (sum of self
    times) and the top n top-level-ish packages by cumulative microseconds."""
    rows = [(int(self_us), int(cum_us), len(indent) // 2, name.decode())
            for self_us, cum_us, indent, name in _IMPORT_LINE.findall(raw)]
    total_self = sum(r[0] for r in rows)
    top = sorted(rows, key=lambda r: r[1], reverse=True)[:n]
    return {"modules": len(rows), "total_ms": round(total_self / 1000, 1),
            "top": [{"module": name, "cumulative_ms": round(cum / 1000, 1), "self_ms": round(s / 1000, 1),
                     "depth": depth} for s, cum, depth, name in top]}


def machine() -> dict:
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import textual

        textual_version = textual.__version__
    except Exception:  # the bench runs under the venv; without it say so
        textual_version = "?"
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(), "textual": textual_version}


def summary(runs: list[dict]) -> dict:
    ok = [r["status_frame_ms"] for r in runs if r["status_frame_ms"] is not None]
    cpu = [r["cpu_ms_at_status"] for r in runs if r.get("cpu_ms_at_status") is not None]
    return {"runs": len(runs), "cpu_ms_at_status_median": statistics.median(cpu) if cpu else None,
            "status_frame_ms_median": round(statistics.median(ok), 1) if ok else None,
            "status_frame_ms_max": max(ok) if ok else None, "missing": len(runs) - len(ok),
            "over_1000ms": sum(1 for v in ok if v > 1000) + len(runs) - len(ok)}


PRIVATE = Path(tempfile.mkdtemp(prefix="pcmk-startup-bench-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--old", type=Path, help="an exported older tree, run side by side")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH",
                        help="one more tree to run side by side (repeatable)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile from source on every run (PYTHONDONTWRITEBYTECODE=1)")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--json", type=Path, help="write the raw results here too")
    args = parser.parse_args()
    contenders: dict[str, Path | None] = {}
    if args.old is not None:
        contenders["old"] = args.old.resolve()
    contenders["current"] = None
    for named in args.tree:
        name, _, path = named.partition("=")
        contenders[name] = Path(path).resolve()
    bytecode = not args.no_bytecode
    result = {"when_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "machine": machine(),
              "load_start": os.getloadavg(), "terminal": f"pty {COLS}x{ROWS}",
              "bytecode_cached": bytecode, "contenders": {}}
    for name, tree in contenders.items():
        run_once(tree, bytecode=bytecode)  # warm-up: .pyc files written, not counted
    runs: dict[str, list[dict]] = {name: [] for name in contenders}
    for i in range(args.runs):
        for name, tree in contenders.items():  # interleaved: both see the same load
            r = run_once(tree, bytecode=bytecode)
            r["load1"] = os.getloadavg()[0]
            runs[name].append(r)
            print(f"run {i + 1:2d} {name:8s} first frame {r['first_frame_ms']} ms, status {r['status_frame_ms']} ms (cpu {r['cpu_ms_at_status']} ms),"
                  f" exit {r['exit']}", file=sys.stderr)
    for name, tree in contenders.items():
        entry = {"tree": str(tree) if tree else str(ROOT), "runs": runs[name], "summary": summary(runs[name])}
        if args.importtime:
            entry["importtime"] = run_once(tree, importtime=True, bytecode=bytecode)["imports"]
        result["contenders"][name] = entry
    result["load_end"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
