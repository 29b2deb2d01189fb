"""The status watcher: its argv, its lines, and the real script run locally against a fake
crm_mon (tests/integration/test_lab_watch.py runs it against real Pacemaker)."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import stat
from pathlib import Path

import pytest

from tui.pacemaker.watch import (
    CHANGED,
    EXIT,
    READY,
    WATCH_SCRIPT,
    WatchLine,
    format_line,
    is_watch,
    nonce_of,
    parse_line,
    watch_argv,
)
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.remote.stream import LineFeed, StreamUnsupported


def test_argv_is_a_fixed_script_with_the_nonce_as_positional_parameter():
    argv = watch_argv("0123abcd")
    assert argv == ("sh", "-c", WATCH_SCRIPT, "pcmk-console-watch", "0123abcd")
    assert is_watch(argv) and nonce_of(argv) == "0123abcd"
    # a remote command line quotes the script as one word: nothing of it is interpreted twice
    assert shlex.split(shlex.join(argv)) == list(argv)
    assert "0123abcd" not in WATCH_SCRIPT


def test_each_call_has_its_own_nonce():
    one, two = nonce_of(watch_argv()), nonce_of(watch_argv())
    assert one != two and len(one) == 16 and all(c in "0123456789abcdef" for c in one)


def test_lines_are_parsed_only_with_the_right_nonce():
    n = "feedbeef00112233"
    assert parse_line(f"@@{n} ready", n) == WatchLine(READY)
    assert parse_line(f"@@{n} changed\r\n", n) == WatchLine(CHANGED)
    assert parse_line(f"@@{n} exit 102", n) == WatchLine(EXIT, 102)
    assert parse_line(f"@@{n} exit x", n) == WatchLine(EXIT, None)
    assert parse_line(format_line(n, EXIT, 0), n) == WatchLine(EXIT, 0)
    # forged or foreign lines are not ours
    for line in (f"@@0000000000000000 changed", f"@@{n}", f"@@{n} changed now", f"@@{n} exit",
                 f"x@@{n} changed", f" @@{n} changed", f"@@{n}  changed", "Cluster Summary:", "",
                 f"@@{n} ready extra", f"@@{n} other"):
        assert parse_line(line, n) is None, line


def test_line_feed_splits_and_bounds_lines():
    async def go():
        feed = LineFeed(line_max=8)
        feed.feed("stdout", b"one\ntw")
        feed.feed("stderr", b"ignored\n")
        feed.feed("stdout", b"o\r\n" + b"x" * 20)
        feed.feed("stdout", b"yyy\nlast")
        feed.end()
        return [line async for line in feed.lines()]

    assert asyncio.run(go()) == ["one", "two", "xxxxxxxx", "last"]


# --- the real script, locally, against a fake crm_mon ----------------------------------------

FAKE_CRM_MON = """#!/bin/sh
# draws like curses (escape sequences, no newline), once at start and once per line on stdin
echo "$$" > "$PIDFILE"
printf '\\033[HCluster Summary:\\033[1B  * Last updated: now\\r'
printf '@@0000000000000000 changed\\n@@%s exit 0\\n' "nonce-guess"
while IFS= read -r cmd; do
  case $cmd in
    draw) printf '\\033[3;1H  * Last updated: later\\r' ;;
    quit) exit 3 ;;
  esac
done
"""


@pytest.fixture()
def fake_path(tmp_path: Path) -> Path:
    if shutil.which("stdbuf") is None:
        pytest.skip("needs stdbuf (coreutils)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    crm_mon = bin_dir / "crm_mon"
    crm_mon.write_text(FAKE_CRM_MON)
    crm_mon.chmod(crm_mon.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


async def _wait_dead(pid: int) -> bool:
    for _ in range(200):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_the_script_frames_crm_mon_redraws_and_dies_with_its_stdin(fake_path: Path, tmp_path: Path):
    pidfile = tmp_path / "crm_mon.pid"
    env = {"PATH": f"{fake_path}:{os.environ['PATH']}", "PIDFILE": str(pidfile)}
    argv = watch_argv()
    nonce = nonce_of(argv)
    # the fake reads its commands from the watcher's stdin, as curses reads keys; the test
    # cannot write there, so it draws once: the stream is read, then closed
    stream = LocalTransport().stream_lines(argv, env=env)
    lines = []
    async for text in stream:
        line = parse_line(text, nonce)
        assert line is not None or not text.startswith(f"@@{nonce}")
        if line is not None:
            lines.append(line)
        if len([x for x in lines if x.kind == CHANGED]) >= 2:
            break
    await stream.aclose()
    assert lines[0] == WatchLine(READY)
    assert {x.kind for x in lines[1:]} == {CHANGED}  # the forged lines were not taken
    pid = int(pidfile.read_text())
    assert await _wait_dead(pid), "crm_mon outlived the closed stream"


async def test_the_script_reports_crm_mon_missing(tmp_path: Path):
    if shutil.which("stdbuf") is None:
        pytest.skip("needs stdbuf (coreutils)")
    empty = tmp_path / "empty"
    empty.mkdir()
    for tool in ("sh", "stdbuf", "tr", "kill", "cat"):
        found = shutil.which(tool)
        if found:
            (empty / tool).symlink_to(found)
    argv = watch_argv()
    got = [parse_line(t, nonce_of(argv)) async for t in
           LocalTransport().stream_lines(argv, env={"PATH": str(empty)})]
    assert WatchLine(EXIT, 127) in got and WatchLine(READY) not in got


# --- stream_lines ------------------------------------------------------------------------------

async def test_local_stream_lines_yields_lines_and_closing_kills_the_process_group():
    script = 'sleep 1000 & echo "$!"; echo started; wait'
    stream = LocalTransport().stream_lines(["sh", "-c", script])
    child = int(await stream.__anext__())
    assert await stream.__anext__() == "started"
    assert _alive(child)
    await stream.aclose()
    assert await _wait_dead(child), "the group's background child survived the close"


async def test_local_stream_lines_ends_with_the_command():
    got = [line async for line in LocalTransport().stream_lines(["printf", "a\\nb\\nc"])]
    assert got == ["a", "b", "c"]


async def test_pool_stream_lines_is_a_read_and_refuses_transports_that_cannot_stream(tmp_path: Path):
    from tui.remote.actionlog import ActionLog

    log = ActionLog(tmp_path / "actions.jsonl")
    pool = WorkerPool(lambda host: LocalTransport(host), log, read_only=True, cluster="c")
    got = [line async for line in pool.stream_lines("n1", ["printf", "x\\n"], purpose="status watch")]
    assert got == ["x"]
    assert not (tmp_path / "actions.jsonl").exists() or "printf" not in (tmp_path / "actions.jsonl").read_text()
    reads = (tmp_path / "reads.jsonl").read_text()
    assert '"purpose":"status watch"' in reads and '"stdout_lines":1' in reads

    class NoStream:
        host = "n2"

        async def run(self, argv, **kw):  # pragma: no cover - never called
            raise AssertionError

        async def close(self):
            pass

    pool2 = WorkerPool(lambda host: NoStream(), None)
    with pytest.raises(StreamUnsupported):
        async for _ in pool2.stream_lines("n2", ["true"], purpose="status watch"):
            pass
