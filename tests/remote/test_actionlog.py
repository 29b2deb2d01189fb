"""The action log: durable per event, readable after a crash, never holding a secret."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.remote.conftest import pgrep
from tests.remote.test_local import sleeper
from tui.remote.actionlog import ActionLog, TornLogWarning, default_path, read_events
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.remote.secret import Secret

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Tr0ub4dor&3-pcmk-secret"

WRITER = f"""
import asyncio, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.remote.conftest import pgrep
from tests.remote.test_local import sleeper
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
async def main():
    pool = WorkerPool(lambda h: LocalTransport(h), ActionLog(sys.argv[1]), per_host=8)
    n = 0
    while True:
        await asyncio.gather(*(pool.run("localhost", ["echo", str(n + i)], purpose="crash test")
                               for i in range(8)))
        n += 8
        print(n, flush=True)
        if n >= 40:
            # a command that is running when the process dies
            await pool.run("localhost", ["sleep", sys.argv[2]], purpose="in flight")
asyncio.run(main())
"""


def test_default_path_follows_the_state_dir_env(state_dir):
    assert default_path() == state_dir / "actions.jsonl"
    assert ActionLog().path == state_dir / "actions.jsonl"


def test_sigkilled_writer_leaves_a_readable_log(tmp_path):
    path = tmp_path / "actions.jsonl"
    seconds, pattern = sleeper()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), seconds], stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        for line in proc.stdout:
            if int(line) >= 40:
                break
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait for the in-flight command's started event
            if any(e.get("purpose") == "in flight" for e in read_events(path)):
                break
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        for pid in pgrep(pattern):  # the in-flight command ran in its own process group
            os.kill(pid, signal.SIGKILL)
    records = ActionLog(path).records()
    done = [r for r in records if r.state == "finished"]
    assert len(done) >= 40 and all(r.get("exit_status") == 0 for r in done)
    in_flight = [r for r in records if r.get("purpose") == "in flight"]
    assert [r.state for r in in_flight] == ["running"]  # a crash mid-command shows as such


def test_torn_last_line_is_skipped_with_a_warning_and_writing_resumes(tmp_path):
    path = tmp_path / "actions.jsonl"
    log = ActionLog(path)
    log.write({"event": "started", "id": "a", "argv": ["true"]})
    log.close()
    with open(path, "ab") as f:
        f.write(b'{"event":"finished","id":"a","exit_st')  # the writer died here
    with pytest.warns(TornLogWarning, match=r"actions.jsonl:2: skipping a torn"):
        records = ActionLog(path).records()
    assert [r.state for r in records] == ["running"]
    log = ActionLog(path)
    log.write({"event": "finished", "id": "a", "exit_status": 0})
    with pytest.warns(TornLogWarning):
        (record,) = ActionLog(path).records()
    assert record.state == "finished" and record.get("exit_status") == 0


def test_listeners_and_unsubscribe(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    got = []
    unsubscribe = log.subscribe(got.append)
    log.write({"event": "started", "id": "1"})
    unsubscribe()
    log.write({"event": "finished", "id": "1"})
    assert [e["event"] for e in got] == ["started"]


def test_log_file_is_private(tmp_path):
    log = ActionLog(tmp_path / "state" / "a.jsonl")
    log.write({"event": "started", "id": "1"})
    assert (log.path.stat().st_mode & 0o777) == 0o600


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())


async def _secret_commands(pool: WorkerPool, host: str) -> None:
    secret = Secret(SECRET, "authkey")
    # echoed to stdout and stderr, and buried in output long enough to go to a file
    await pool.run(host, ["sh", "-c", "cat; echo; cat >&2"], purpose="echo", stdin=secret,
                   mutates=True)
    await pool.run(host, ["sh", "-c", 'read s; yes "line $s" | head -n 3000; exit 2'],
                   purpose="bury", stdin=secret)


async def test_no_secret_reaches_the_log_local(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    pool = WorkerPool(lambda h: LocalTransport(h), log)
    await _secret_commands(pool, "localhost")
    data = _all_bytes(tmp_path / "state")
    assert SECRET.encode() not in data
    assert b"<authkey: redacted>" in data
    records = log.records()
    assert records[0].get("stdin") == "<authkey: redacted>"
    assert records[1].get("stdout_file")  # the long one has its whole output on disk
    whole = Path(records[1].get("stdout_file")).read_bytes()
    assert whole.count(b"line <authkey: redacted>") == 3000


@pytest.mark.sshd
async def test_no_secret_reaches_the_log_ssh(tmp_path, make_ssh):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    transport = make_ssh()
    pool = WorkerPool(lambda h: transport, log)
    await _secret_commands(pool, "node1")
    await pool.close()
    data = _all_bytes(tmp_path / "state")
    assert SECRET.encode() not in data and b"<authkey: redacted>" in data
    lines = [json.loads(line) for line in (tmp_path / "state" / "actions.jsonl").read_bytes().splitlines()]
    assert {e["event"] for e in lines} == {"started", "finished"}
    assert lines[0]["transport"] == "ssh" and lines[0]["username"] == "root"


async def test_rotation_bounds_the_log_and_prunes_old_output_files(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl", max_bytes=20000, keep=2)
    pool = WorkerPool(lambda h: LocalTransport(h), log)
    for n in range(30):  # each command's output is long enough to get an output file
        await pool.run("localhost", ["sh", "-c", f"yes {n} | head -c 6000"], purpose=f"run {n}")
    files = log.files()
    # the current file may have just been rotated away by the last write
    assert [f.name for f in files if f != log.path] == ["actions.jsonl.2", "actions.jsonl.1"]
    # a file ends with the batch that crossed the limit (one command's events here, ~5 KB)
    assert all(f.stat().st_size <= 20000 + 12000 for f in files)
    records = log.records()
    assert 0 < len(records) < 30
    purposes = [r.get("purpose") for r in records]
    assert purposes == [f"run {n}" for n in range(30 - len(records), 30)]  # the newest, in order
    kept_outputs = {r.get("stdout_file") for r in records if r.get("stdout_file")}
    on_disk = {str(p) for p in (tmp_path / "state" / "output").iterdir()}
    assert on_disk == kept_outputs  # older output files went with their records


def test_any_string_round_trips_and_the_file_stays_ascii(tmp_path):
    """Non-UTF-8 bytes of an argument (surrogate-escaped), controls, bidi: written exactly,
    read back the same, and the file holds no raw control byte."""
    from tests.hostile import ALL

    words = [os.fsdecode(b"\xff\xfe\x80"), "\x1b]52;c;x\x07", "\u202eevil", "é", *ALL]
    log = ActionLog(tmp_path / "a.jsonl")
    log.write({"event": "started", "id": "1", "argv": words, "purpose": words[0], "host": words[1]})
    data = log.path.read_bytes()
    assert data.isascii() and not any(b < 0x20 for b in data.rstrip(b"\n"))
    (record,) = ActionLog(log.path).records()
    assert record.get("argv") == words and record.get("purpose") == words[0]
    assert [os.fsencode(w) for w in record.get("argv")[:1]] == [b"\xff\xfe\x80"]


async def test_a_non_utf8_argument_through_the_pool_is_recorded_exactly(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    pool = WorkerPool(lambda h: LocalTransport(h), log)
    word = os.fsdecode(b"caf\xe9 \xff")
    result = await pool.run("localhost", ["printf", "%s", word], purpose=f"print {word}", mutates=True)
    assert result.stdout == b"caf\xe9 \xff"
    (record,) = log.records()
    assert record.state == "finished" and record.get("argv")[2] == word
