"""`pcmk-console run` and `pcmk-console log` (main functions; argparse lives in tui/cli.py)."""

from __future__ import annotations

import argparse
import io
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.remote.sshd_lab import free_port
from tui.config import parse_config
from tui.exitcodes import ExitCode
from tui.headless import log as log_verb
from tui.headless import run as run_verb
from tui.headless.run import TargetError, resolve_targets
from tui.pacemaker.model import Node, NodeKind, Snapshot, Summary
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool

ARGV_ECHO = ["python3", "-c", "import sys,json; print(json.dumps(sys.argv[1:]))"]
TRICKY = ["a b", "it's", '"q"', "$(id)", "x;y", "new\nline", "back\\slash", "é"]

CONFIG = """
clusters:
  - name: lab
    ssh: {{port: {port}, identity_file: {key}, known_hosts: {known}}}
    nodes:
      - {{name: n1, host: 127.0.0.1}}
      - {{name: n2, host: 127.0.0.1}}
      - {{name: rn1, host: 127.0.0.1, kind: remote}}
      - {{name: dead, host: 127.0.0.1, port: {dead_port}, kind: guest}}
"""


def lab_config(sshd, **extra):
    text = CONFIG.format(port=sshd.port, key=sshd.client_key, known=sshd.known_hosts,
                         dead_port=free_port())
    return parse_config(text, "test.yaml")


def run_args(nodes, *command, timeout=20.0, read_only=False):
    return argparse.Namespace(cluster=None, nodes=nodes, timeout=timeout, read_only=read_only,
                              command=list(command))


# -- target selection ---------------------------------------------------------------------

def test_resolve_targets_by_kind_name_and_snapshot(tmp_path):
    config = parse_config(
        "clusters:\n  - name: c\n    ssh: {user: admin, port: 2222}\n    nodes:\n"
        "      - {name: n1, host: 10.0.0.1}\n      - {name: n2, host: 10.0.0.2}\n"
        "      - {name: rn1, host: 10.0.0.5, kind: remote}\n", "t.yaml")
    cluster = config.cluster()
    names = lambda targets: [t.name for t in targets]  # noqa: E731
    assert names(resolve_targets(cluster, "all")) == ["n1", "n2", "rn1"]
    assert names(resolve_targets(cluster, "cluster")) == ["n1", "n2"]
    assert names(resolve_targets(cluster, "rn1,n1")) == ["rn1", "n1"]
    snapshot = Snapshot(summary=Summary(), nodes=(
        Node(name="n1", id="1", kind=NodeKind.CLUSTER),
        Node(name="rn1", id="rn1", kind=NodeKind.REMOTE, address="192.0.2.1"),
        Node(name="rn2", id="rn2", kind=NodeKind.REMOTE, address="10.0.0.6"),
        Node(name="gn1", id="gn1", kind=NodeKind.GUEST, address="10.0.0.7"),
    ))
    remote = resolve_targets(cluster, "remote", snapshot)
    assert names(remote) == ["rn1", "rn2"]
    assert remote[0].host == "10.0.0.5"  # the config entry wins over the CIB address
    assert (remote[1].host, remote[1].user, remote[1].port) == ("10.0.0.6", "admin", 2222)
    assert names(resolve_targets(cluster, "guest", snapshot)) == ["gn1"]
    with pytest.raises(TargetError, match=r"no node named 'nope' in cluster 'c' \(known: n1, n2, rn1"):
        resolve_targets(cluster, "nope")
    with pytest.raises(TargetError, match="no such nodes"):
        resolve_targets(cluster, "guest")


# -- run -----------------------------------------------------------------------------------

@pytest.mark.sshd
async def test_run_prints_each_host_pssh_style_and_fails_if_any_failed(sshd, tmp_path):
    out = io.StringIO()
    log = ActionLog(tmp_path / "actions.jsonl")
    code = await run_verb.main(run_args("n1,n2,dead", *ARGV_ECHO, *TRICKY), lab_config(sshd),
                               out=out, log=log)
    text = out.getvalue()
    assert code == ExitCode.FAILED
    assert "[SUCCESS] n1" in text and "[SUCCESS] n2" in text
    assert "[FAILURE] dead: " in text and "connection refused" in text
    assert text.count(json.dumps(TRICKY)) == 2
    heads = [line for line in text.splitlines() if re.match(r"\[\d+\] \d\d:\d\d:\d\d \[", line)]
    assert sorted(h.split()[0] for h in heads) == ["[1]", "[2]", "[3]"]
    records = log.records()
    assert {r.get("host") for r in records} == {"n1", "n2", "dead"}
    assert all(r.get("mutates") is True and r.state == "finished" for r in records)


@pytest.mark.sshd
async def test_run_exit_status_of_a_failing_command(sshd, tmp_path):
    out = io.StringIO()
    code = await run_verb.main(run_args("rn1", "sh", "-c", "echo oops >&2; exit 2"),
                               lab_config(sshd), out=out, log=ActionLog(tmp_path / "a.jsonl"))
    assert code == ExitCode.FAILED
    assert "[FAILURE] rn1 exit 2" in out.getvalue() and "Stderr: oops" in out.getvalue()
    code = await run_verb.main(run_args("remote", "true"), lab_config(sshd), out=out,
                               log=ActionLog(tmp_path / "a.jsonl"))
    assert code == ExitCode.OK


async def test_run_is_refused_in_read_only_mode(tmp_path):
    config = parse_config("clusters:\n  - name: c\n    read_only: true\n    nodes:\n"
                          "      - {name: me, host: localhost, local: true}\n", "t.yaml")
    marker = tmp_path / "touched"
    log = ActionLog(tmp_path / "a.jsonl")
    code = await run_verb.main(run_args("all", "touch", str(marker)), config,
                               out=io.StringIO(), log=log)
    assert code == ExitCode.READ_ONLY and not marker.exists()
    assert [r.state for r in log.records()] == ["refused"]


async def test_run_usage_errors(tmp_path, capsys):
    config = parse_config("clusters:\n  - name: c\n    nodes:\n"
                          "      - {name: me, host: localhost, local: true}\n", "t.yaml")
    assert await run_verb.main(run_args("ghost", "true"), config, out=io.StringIO()) == ExitCode.USAGE
    assert "no node named 'ghost'" in capsys.readouterr().err
    assert await run_verb.main(run_args("all"), config, out=io.StringIO()) == ExitCode.USAGE


# -- log -----------------------------------------------------------------------------------

async def _local_history(path: Path) -> ActionLog:
    log = ActionLog(path)
    pool = WorkerPool(lambda h: LocalTransport(h), log)
    await pool.run("localhost", [*ARGV_ECHO, *TRICKY], purpose="echo tricky args")
    await pool.run("localhost", ["sh", "-c", "exit 3"], purpose="fail", mutates=True)
    return log


async def test_log_human_and_json(tmp_path):
    log = await _local_history(tmp_path / "a.jsonl")
    out = io.StringIO()
    args = argparse.Namespace(json=False, export_sh=False, limit=None, log_file=str(log.path))
    assert log_verb.main(args, None, out=out) == 0
    text = out.getvalue()
    assert "echo tricky args" in text and "exit 3" in text and "[change]" in text
    whole = shlex.join([*ARGV_ECHO, *TRICKY])  # has a newline: one screen line, escaped
    assert f"$ {whole[:whole.index(chr(10))]}\\n" in text
    assert "$ sh -c 'exit 3'\n" in text
    out = io.StringIO()
    args.json, args.limit = True, 1
    log_verb.main(args, None, out=out)
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["argv"] == ["sh", "-c", "exit 3"]
    assert record["purpose"] == "fail" and record["exit_status"] == 3 and record["state"] == "finished"


def test_log_when_empty(tmp_path):
    out = io.StringIO()
    args = argparse.Namespace(json=False, export_sh=False, limit=None,
                              log_file=str(tmp_path / "none.jsonl"))
    assert log_verb.main(args, None, out=out) == 0
    assert "no actions recorded yet" in out.getvalue()


@pytest.mark.sshd
async def test_export_sh_is_valid_shell_and_replays_the_same_argv_over_ssh(sshd, tmp_path, make_ssh):
    log = ActionLog(tmp_path / "a.jsonl")
    transport = make_ssh()
    pool = WorkerPool(lambda h: transport, log)
    await pool.run("n1", [*ARGV_ECHO, *TRICKY], purpose="echo tricky args\nsecond line")
    await pool.run("n1", ["cat"], purpose="with stdin", stdin=b"data")
    await pool.close()
    out = io.StringIO()
    args = argparse.Namespace(json=False, export_sh=True, limit=None, log_file=str(log.path))
    log_verb.main(args, None, out=out)
    script = tmp_path / "replay.sh"
    script.write_text(out.getvalue())
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "# purpose: echo tricky args\\nsecond line\n" in text
    assert "# took stdin <4 bytes>" in text
    # run it with OpenSSH (only the lab's known_hosts added): same argv arrives remotely
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "ssh").write_text(
        f"#!/bin/sh\nexec /usr/bin/ssh -o BatchMode=yes -o UserKnownHostsFile={sshd.known_hosts} \"$@\"\n")
    (shim / "ssh").chmod(0o755)
    replay = subprocess.run(["bash", str(script)], capture_output=True, text=True,
                            env={"PATH": f"{shim}:/usr/bin:/bin"}, timeout=30)
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout.splitlines() == [json.dumps(TRICKY)]  # the stdin one stays commented
