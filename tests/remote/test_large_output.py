"""Item 9: a refresh reads what the cluster prints. Tens of MB pass whole through the real pool
(and a real sshd); only past the read cap (512 MiB) does a read fail, and then it says
"output exceeded N MB", never "malformed"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import parse_config
from tui.pacemaker.model import ConditionKind, Snapshot, Unavailable
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import READ_CAP, OutputTooLarge, WorkerPool
from tui.session import build_session

ROOT = Path(__file__).resolve().parents[2]
CRM_MON = ROOT / "tests" / "fixtures" / "crm_mon" / "full.default.xml"
CIB = ROOT / "tests" / "fixtures" / "cib" / "full.xml"
MB = 1 << 20


def printing(size: int) -> list[str]:
    """A command printing `size` bytes of x, then a last line to prove nothing was cut."""
    return ["sh", "-c", f"head -c {size} /dev/zero | tr '\\0' x; echo; echo END"]


async def _read_whole(pool: WorkerPool, host: str, log: ActionLog) -> None:
    size = 30 * MB
    result = await pool.run(host, printing(size), purpose="big read", read=True, timeout=120)
    assert result.exit_status == 0
    assert len(result.stdout) == size + 5 and result.stdout.endswith(b"x\nEND\n")
    assert result.stdout_spill is None
    (read,) = log.reads.records()
    assert read["stdout_bytes"] == size + 5 and read["error"] is None
    assert log.records() == []  # a read is not an action
    assert not log.output_dir.exists()  # and its output is stored nowhere


async def test_a_read_keeps_tens_of_mb_whole_local(tmp_path):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    pool = WorkerPool(lambda h: LocalTransport(h), log)
    await _read_whole(pool, "localhost", log)


@pytest.mark.sshd
async def test_a_read_keeps_tens_of_mb_whole_over_ssh(tmp_path, make_ssh):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    transport = make_ssh()
    pool = WorkerPool(lambda h: transport, log)
    try:
        await _read_whole(pool, "n1", log)
    finally:
        await pool.close()


@pytest.mark.sshd
async def test_a_read_past_its_cap_says_output_exceeded_over_ssh(tmp_path, make_ssh):
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    transport = make_ssh()
    pool = WorkerPool(lambda h: transport, log, read_cap=2 * MB)
    try:
        with pytest.raises(OutputTooLarge, match=r"output exceeded 2 MB \(stdout: 3,145,733 bytes\)"):
            await pool.run("n1", printing(3 * MB), purpose="too big", read=True, timeout=60)
    finally:
        await pool.close()
    (read,) = log.reads.records()
    assert read["error"] == "output exceeded 2 MB" and read["stdout_bytes"] == 3 * MB + 5


def test_the_read_cap_is_large():
    assert READ_CAP >= 512 * MB


# -- the session: a big crm_mon parses -----------------------------------------------------------

def big_crm_mon(path: Path, at_least: int) -> int:
    """The fixture crm_mon XML with primitives added until it is `at_least` bytes."""
    text = CRM_MON.read_text()
    one = ('    <resource id="big-{n}" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" '
           'orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" '
           'nodes_running_on="1" description="a resource that makes this output large, number {n}">\n'
           '      <node name="node1" id="1" cached="true"/>\n    </resource>\n')
    count = at_least // len(one.format(n=0)) + 1
    extra = "".join(one.format(n=n) for n in range(count))
    text = text.replace("  </resources>", extra + "  </resources>", 1)
    path.write_text(text)
    assert path.stat().st_size >= at_least
    return count


def shims(tmp_path: Path, crm_mon_xml: Path) -> Path:
    """crm_mon and cibadmin that print saved outputs: the real refresh script runs them."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "crm_mon").write_text(f"#!/bin/sh\ncat {crm_mon_xml}\n")
    (bin_dir / "cibadmin").write_text(
        "#!/bin/sh\ncase \"$*\" in *--no-children*) "
        "echo '<cib admin_epoch=\"0\" epoch=\"7\" num_updates=\"1\"/>';; "
        f"*) cat {CIB};; esac\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return bin_dir


def local_session(tmp_path: Path, monkeypatch, size: int):
    xml = tmp_path / "crm_mon.xml"
    count = big_crm_mon(xml, size)
    monkeypatch.setenv("PATH", f"{shims(tmp_path, xml)}:/usr/bin:/bin")
    monkeypatch.delenv("CIB_file", raising=False)
    config = parse_config("clusters:\n  - name: big\n    nodes: [{name: here, host: localhost, local: true}]\n")
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    return build_session(config, log=log), log, count


async def test_a_22_mb_crm_mon_parses_through_the_session(tmp_path, monkeypatch):
    session, log, count = local_session(tmp_path, monkeypatch, 22 * MB)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    assert isinstance(result.outcome, Snapshot), result.error
    ids = {r.id for r in result.outcome.resources}
    assert f"big-{count - 1}" in ids and "fence1" in ids
    (read,) = log.reads.records()
    assert read["stdout_bytes"] > 22 * MB and read["cluster"] == "big" and read["transport"] == "local"


async def test_past_the_read_cap_the_session_says_output_exceeded_not_malformed(tmp_path, monkeypatch):
    session, _, _ = local_session(tmp_path, monkeypatch, 3 * MB)
    session.pool.read_cap = 2 * MB
    try:
        result = await session.refresh()
    finally:
        await session.close()
    assert isinstance(result.outcome, Unavailable)
    condition = result.outcome.condition
    assert condition.kind is not ConditionKind.MALFORMED
    assert "output exceeded 2 MB" in condition.message
