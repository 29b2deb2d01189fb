"""Item 10: refreshes are reads (kept out of the action log, in a bounded read log), fence
passwords and other sensitive values reach no file and no output, the state directory is private."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import Config
from tui.headless import log as log_verb
from tui.ops import actions
from tui.pacemaker.model import Snapshot
from tui.remote.actionlog import ActionLog, StateDirError
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.remote.readlog import ReadLog
from tui.session import build_session

ROOT = Path(__file__).resolve().parents[2]
FULL_CIB = ROOT / "tests" / "fixtures" / "cib" / "full.xml"
PASSWORD = "PW-hunter2-fence-PW"
TOKEN = "TOK-vault-s3cr3t-TOK"
needs_crm_mon = pytest.mark.skipif(not shutil.which("crm_mon"), reason="pacemaker-cli-utils not installed")


def cib_with_secrets(path: Path) -> Path:
    """full.xml with a fence device password and a sensitive transient node attribute."""
    text = FULL_CIB.read_text()
    fence = '<primitive id="fence1" class="stonith" type="fence_xvm"/>'
    assert fence in text
    text = text.replace(fence, (
        '<primitive id="fence1" class="stonith" type="fence_ipmilan"><instance_attributes id="fence1-ia">'
        f'<nvpair id="fence1-pw" name="passwd" value="{PASSWORD}"/>'
        f'<nvpair id="fence1-pw2" name="password" value="{PASSWORD}"/>'
        '<nvpair id="fence1-ip" name="ip" value="192.0.2.99"/></instance_attributes></primitive>'))
    attr = '<nvpair id="status-1-pingd" name="pingd" value="1000"/>'
    assert attr in text
    text = text.replace(attr, attr + f'<nvpair id="status-1-tok" name="vault_token" value="{TOKEN}"/>')
    path.write_text(text)
    return path


def files_under(directory: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def log_outputs(log: ActionLog, **extra) -> dict[str, str]:
    outs = {}
    for name, flags in (("human", {}), ("json", {"json": True}), ("export", {"export_sh": True, "include_demo": True})):
        args = argparse.Namespace(json=False, export_sh=False, limit=None, log_file=str(log.path), cluster=None)
        for key, value in {**flags, **extra}.items():
            setattr(args, key, value)
        out = io.StringIO()
        assert log_verb.main(args, None, out=out) == 0, name
        outs[name] = out.getvalue()
    return outs


# -- refreshes are reads ----------------------------------------------------------------------

async def test_demo_refreshes_go_to_the_read_log_and_actions_name_cluster_and_transport(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    session = build_session(Config(), demo=True, demo_life=False, log=log)
    try:
        for _ in range(3):
            assert isinstance((await session.refresh()).outcome, Snapshot)
        target = next(n.name for n in session.last.nodes if n.kind.value == "remote")
        assert (await session.apply(actions.standby(target))).ok
        await session.refresh()
    finally:
        await session.close()
    records = log.records()
    assert records and all(r.get("argv")[0] != "sh" for r in records)  # no refresh among them
    assert all(r.get("purpose") != "status refresh" for r in records)
    assert {(r.get("cluster"), r.get("transport")) for r in records} == {(session.cluster.name, "demo")}
    reads = [r for r in log.reads.records() if r["purpose"] == "status refresh"]
    assert len(reads) == 4
    # the plan's done probe is a read too, carrying its run and step ids
    (probe,) = [r for r in log.reads.records() if r["purpose"] != "status refresh"]
    assert probe["argv"][-2:] == ["--query", "--quiet"] and probe["step_id"] and probe["run_id"]
    for read in reads:
        assert read["cluster"] == session.cluster.name and read["transport"] == "demo"
        assert read["purpose"] == "status refresh" and read["argv"][:2] == ["sh", "-c"]
        assert read["exit_status"] == 0 and read["stdout_bytes"] > 0 and read["duration"] >= 0
        assert set(read) == {"time", "cluster", "transport", "host", "argv", "purpose", "exit_status",
                             "timed_out", "duration", "stdout_bytes", "stderr_bytes", "error"}
    # the outputs themselves are stored nowhere
    assert not (tmp_path / "state" / "output").exists() or not any((tmp_path / "state" / "output").iterdir())


def test_read_log_is_bounded(tmp_path):
    reads = ReadLog(tmp_path / "reads.jsonl", max_bytes=4000)
    for n in range(500):
        reads.write({"n": n, "argv": ["sh", "-c", "x" * 100]})
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["reads.jsonl", "reads.jsonl.1"]
    assert all(p.stat().st_size <= 4000 + 200 for p in tmp_path.iterdir())
    assert reads.records()[-1]["n"] == 499


# -- secrets ----------------------------------------------------------------------------------

@needs_crm_mon
async def test_fence_password_reaches_no_file_and_no_output_local(tmp_path):
    cib = cib_with_secrets(tmp_path / "cib.xml")
    state = tmp_path / "state"
    log = ActionLog(state / "actions.jsonl")
    session = build_session(Config(), cib_file=cib, log=log)
    try:
        result = await session.refresh()
        assert isinstance(result.outcome, Snapshot), result.error
        node1 = result.outcome.node("node1")
        assert node1.attributes["vault_token"] == "REDACTED" and node1.attributes["pingd"] == "1000"
        # an action that prints the whole CIB: long enough for an output file, plus a short one
        pool = WorkerPool(lambda h: LocalTransport(h), log, cluster="c1")
        env = {"CIB_file": str(cib)}
        await pool.run("localhost", ["cibadmin", "--query"], purpose="dump", env=env)
        await pool.run("localhost", ["sh", "-c", "cibadmin --query | grep passwd"], purpose="grep", env=env)
        await pool.run("localhost", ["crm_resource", "--resource", "fence1", "--query-xml"], purpose="q", env=env)
        await pool.close()
    finally:
        await session.close()
    assert any(r.get("stdout_file") for r in log.records())  # the dump went to output/
    for path, data in files_under(state).items():
        assert PASSWORD.encode() not in data and TOKEN.encode() not in data, path
    assert b"REDACTED" in b"".join(files_under(state).values())
    for name, text in log_outputs(log).items():
        assert PASSWORD not in text and TOKEN not in text, name
    # status --json as a user runs it
    env = dict(os.environ, PCMK_CONSOLE_STATE_DIR=str(state), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("CIB_file", None)
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "--cib-file", str(cib), "status", "--json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout and TOKEN not in proc.stdout
    data = json.loads(proc.stdout)
    node1 = next(n for n in data["nodes"] if n["name"] == "node1")
    assert node1["attributes"]["vault_token"] == "REDACTED"
    for path, data in files_under(state).items():
        assert PASSWORD.encode() not in data and TOKEN.encode() not in data, path


def test_json_view_redacts_node_attributes_of_any_snapshot():
    from types import MappingProxyType

    from tui.pacemaker.json_view import snapshot_to_dict
    from tui.pacemaker.model import Node, NodeKind, Summary

    node = Node("n1", "1", NodeKind.CLUSTER, attributes=MappingProxyType({"api_key": TOKEN, "ip": "1"}))
    data = snapshot_to_dict(Snapshot(Summary(), nodes=(node,)))
    assert data["nodes"][0]["attributes"] == {"api_key": "REDACTED", "ip": "1"}


def test_old_records_with_secrets_in_excerpts_are_redacted_when_shown(tmp_path):
    log = ActionLog(tmp_path / "a.jsonl")
    log.write({"event": "started", "id": "1", "cluster": "c", "transport": "local", "host": "h",
               "argv": ["cibadmin", "--query"], "purpose": "old"})
    log.write({"event": "finished", "id": "1", "exit_status": 0,
               "stdout_excerpt": f'<nvpair id="x" name="passwd" value="{PASSWORD}"/>\n'})
    for name, text in log_outputs(log).items():
        assert PASSWORD not in text, name


# -- the state directory ------------------------------------------------------------------------

def test_loose_state_dir_we_own_is_tightened(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    ActionLog(state / "actions.jsonl").write({"event": "started", "id": "1"})
    assert state.stat().st_mode & 0o777 == 0o700
    state.chmod(0o770)
    ReadLog(state / "reads.jsonl").write({"n": 1})
    assert state.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory away")
def test_state_dir_owned_by_someone_else_is_refused_naming_it(tmp_path):
    state = tmp_path / "theirs"
    state.mkdir(mode=0o755)
    os.chown(state, 12345, 12345)
    with pytest.raises(StateDirError, match=f"state directory {state} belongs to uid 12345"):
        ActionLog(state / "actions.jsonl").write({"event": "started", "id": "1"})
    assert list(state.iterdir()) == []


async def test_a_state_dir_that_cannot_be_created_is_named_and_is_not_cluster_unreachable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    state = blocker / "state"
    log = ActionLog(state / "actions.jsonl")
    with pytest.raises(StateDirError, match=f"cannot create the state directory {state}: "):
        log.prepare()
    session = build_session(Config(), demo=True, demo_life=False, log=log)
    try:
        # the refresh (a read) still shows the cluster; the read log says why it is not kept
        result = await session.refresh()
        assert isinstance(result.outcome, Snapshot) and result.error is None
        assert str(state) in log.reads.error
        # an action is refused with the state directory's own message, nothing ran
        target = next(n.name for n in result.outcome.nodes if n.kind.value == "remote")
        with pytest.raises(StateDirError, match="cannot create the state directory"):
            await session.apply(actions.standby(target))
        again = await session.refresh()
        assert not again.outcome.node(target).standby
    finally:
        await session.close()
