"""`pcmk-console log` in every format: demo records marked and never live, one cluster per
export, hostile strings harmless on a terminal, and the export replaying the exact bytes."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import subprocess

import pytest

from tests.hostile import ALL as HOSTILE
from tests.hostile import raw_controls, short
from tui.config import Config
from tui.exitcodes import ExitCode
from tui.headless import log as log_verb
from tui.ops import actions
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.session import build_session

DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+  ")
BREAKOUTS = ("x\n rm -rf /", "x\r\nrm -rf /", "x\rrm -rf /", "x\u2028rm -rf /", "x\x85rm -rf /", "x\x0brm -rf /")
NON_UTF8 = os.fsdecode(b"bad \xff\xfe bytes \x1b]0;title\x07 end")


def run_log(log: ActionLog, **options) -> tuple[int, str, str]:
    args = argparse.Namespace(json=False, export_sh=False, limit=None, log_file=str(log.path), cluster=None)
    for key, value in options.items():
        setattr(args, key, value)
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = log_verb.main(args, None, out=out)
    return code, out.getvalue(), err.getvalue()


def record(log: ActionLog, rid: str, **fields) -> None:
    """One finished record written as the pool writes it."""
    started = {"event": "started", "id": rid, "time": 1796155857.5, "cluster": "c1", "transport": "ssh",
               "host": "n1", "address": "192.0.2.1", "username": "root", "argv": ["true"],
               "purpose": "p", "mutates": True, "stdin": None, "env": {}}
    finished = {"event": "finished", "id": rid, "exit_status": 0, "duration": 0.5, "error": None,
                "stdout_excerpt": "", "stderr_excerpt": ""}
    for key, value in fields.items():
        (finished if key in finished or key.endswith("_excerpt") else started)[key] = value
    log.write(started)
    log.write(finished)


def live_lines(script: str) -> list[str]:
    return [line for line in script.splitlines() if line and not line.startswith("#")]


def bash_words(line: str) -> list[bytes]:
    """The argv bash makes of one exported line (bytes, exactly)."""
    script = f"set -- {line}\nprintf '%s\\0' \"$@\"\n".encode("utf-8", "surrogateescape")
    proc = subprocess.run(["bash"], input=script, capture_output=True, timeout=10)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split(b"\0")[:-1]


# -- demo records and clusters ----------------------------------------------------------------

async def mixed_log(tmp_path) -> ActionLog:
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    session = build_session(Config(), demo=True, demo_life=False, log=log)
    try:
        await session.refresh()
        target = next(n.name for n in session.last.nodes if n.kind.value == "remote")
        assert (await session.apply(actions.standby(target))).ok
    finally:
        await session.close()
    pool = WorkerPool(lambda h: LocalTransport(h), log, cluster="c1")
    await pool.run("localhost", ["echo", "c1-local"], purpose="local one", mutates=True)
    record(log, "20260101T000000000001Z-c1", argv=["crm_attribute", "--node", "n1", "--name", "standby"])
    record(log, "20260101T000000000002Z-c2", cluster="c2", host="other", address="198.51.100.7",
           argv=["crm_attribute", "--node", "other-node"])
    return log


async def test_demo_records_are_marked_and_never_exported_live(tmp_path):
    log = await mixed_log(tmp_path)
    demo = [r for r in log.records() if r.get("transport") == "demo"]
    assert demo and all(r.get("cluster") for r in demo)
    code, human, _ = run_log(log)
    assert code == 0
    heads = [line for line in human.splitlines() if DATE.match(line)]
    assert len(heads) == len(log.records())
    assert sum("[DEMO" in line for line in heads) == len(demo)
    for include in (False, True):  # another cluster asked for: no demo record at all
        code, script, _ = run_log(log, export_sh=True, cluster="c1", include_demo=include)
        assert code == 0 and "DEMO" not in script
        assert all("crm_attribute" not in line or "n1" in line for line in live_lines(script))
    name = demo[0].get("cluster")
    code, script, _ = run_log(log, export_sh=True, cluster=name)
    assert code == 0 and live_lines(script) == []
    assert f"# {len(demo)} DEMO record(s) left out (--include-demo" in script
    # listed when asked for, each one commented out: never a live command
    for options in ({"cluster": name, "include_demo": True}, {"demo": True}):
        code, script, _ = run_log(log, export_sh=True, **options)
        assert code == 0 and live_lines(script) == []
        assert script.count("# DEMO record") == len(demo)
        assert script.count("crm_attribute") >= len(demo)


async def test_export_never_emits_a_command_for_another_cluster(tmp_path):
    log = await mixed_log(tmp_path)
    code, script, err = run_log(log, export_sh=True)
    assert code == ExitCode.USAGE and script == ""
    assert "several clusters (c1, c2)" in err and "--cluster NAME" in err
    code, script, _ = run_log(log, export_sh=True, cluster="c1")
    assert code == 0 and subprocess.run(["bash", "-n"], input=script.encode()).returncode == 0
    lines = live_lines(script)
    assert len(lines) == 2
    assert "198.51.100.7" not in script and "other-node" not in script
    assert "record(s) of other clusters left out" in script
    assert [w.decode() for w in bash_words(lines[0])] == ["echo", "c1-local"]
    assert bash_words(lines[1])[:4] == [b"ssh", b"--", b"root@192.0.2.1", b"crm_attribute --node n1 --name standby"]
    code, script, _ = run_log(log, export_sh=True, cluster="c2")
    assert live_lines(script) and all("198.51.100.7" in line for line in live_lines(script))
    # the listing and --json follow --cluster too
    code, text, _ = run_log(log, json=True, cluster="c2")
    assert [json.loads(line)["cluster"] for line in text.splitlines()] == ["c2"]


async def test_one_cluster_needs_no_cluster_option(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    record(log, "20260101T000000000001Z-a")
    code, script, _ = run_log(log, export_sh=True)
    assert code == 0 and len(live_lines(script)) == 1


# -- hostile strings: terminal-safe everywhere, exact in JSON and in the export ----------------

@pytest.mark.parametrize("bad", HOSTILE + BREAKOUTS + (NON_UTF8,), ids=short)
def test_hostile_strings_in_every_field(tmp_path, bad):
    log = ActionLog(tmp_path / "a.jsonl")
    record(log, "20260101T000000000001Z-ssh", host=bad, address=bad, purpose=bad, username="root",
           argv=["printf", "%s", bad], stdout_excerpt=f"out {bad}\n", stderr_excerpt=f"err {bad}",
           error=bad, exit_status=1, cluster=bad, stdin=None, env={"V": bad})
    record(log, "20260101T000000000002Z-loc", transport="local", host="localhost", purpose=bad,
           argv=["printf", "%s", bad], cluster=bad)
    code, human, _ = run_log(log)
    assert code == 0 and raw_controls(human) == []
    assert all(DATE.match(line) or line.startswith("    ") for line in human.splitlines())
    code, text, _ = run_log(log, json=True)
    assert code == 0 and text.isascii() and raw_controls(text) == []
    first = json.loads(text.splitlines()[0])
    assert first["argv"] == ["printf", "%s", bad] and first["host"] == bad and first["purpose"] == bad
    code, script, _ = run_log(log, export_sh=True)
    assert code == 0 and raw_controls(script) == []
    assert script.startswith("#!/bin/bash\n")
    assert subprocess.run(["bash", "-n"], input=script.encode()).returncode == 0
    if "\x00" in bad:  # no argv can hold a NUL: written commented out, never cut short
        assert live_lines(script) == [] and script.count("holds a NUL character") == 2
        return
    # only the two commands are live lines: nothing broke out of a comment
    ssh_line, local_line = live_lines(script)
    expected = [os.fsencode(w) for w in ("printf", "%s", bad)]
    assert bash_words(local_line) == expected
    words = bash_words(ssh_line)
    assert words[:3] == [b"ssh", b"--", os.fsencode(f"root@{bad}")]
    remote = [os.fsencode(w) for w in shlex.split(os.fsdecode(words[3]))]
    assert remote == [b"env", os.fsencode(f"V={bad}"), *expected]


async def test_non_utf8_argument_is_logged_and_replayed_byte_for_byte(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    pool = WorkerPool(lambda h: LocalTransport(h), log, cluster="c1")
    result = await pool.run("localhost", ["printf", "%s", NON_UTF8], purpose=f"p {NON_UTF8}", mutates=True)
    assert result.stdout == os.fsencode(NON_UTF8)
    assert log.path.read_bytes().isascii()
    (rec,) = log.records()
    assert rec.get("argv") == ["printf", "%s", NON_UTF8]
    code, script, _ = run_log(log, export_sh=True)
    assert code == 0 and script.isascii()
    replay = subprocess.run(["bash", "-c", script], capture_output=True, timeout=30)
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout == b"bad \xff\xfe bytes \x1b]0;title\x07 end"
    code, human, _ = run_log(log)
    assert code == 0 and raw_controls(human) == [] and "\\xff\\xfe" in human
