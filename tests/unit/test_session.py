"""The session: refresh through the real pipeline (demo and local transports), fallback, actions."""

import shutil
import socket
from pathlib import Path

import pytest

from tui.config import parse_config
from tui.ops import actions
from tui.pacemaker.model import ConditionKind, NodeKind, Snapshot, Unavailable
from tui.remote.actionlog import ActionLog
from tui.remote.transport import ReadOnlyError
from tui.session import build_session
from tui.config import Config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cib"
needs_crm_mon = pytest.mark.skipif(not shutil.which("crm_mon"), reason="pacemaker-cli-utils not installed")


@pytest.fixture
def log(tmp_path):
    return ActionLog(tmp_path / "actions.jsonl")


async def test_demo_refresh_then_unchanged_then_action_shows_up(log):
    session = build_session(Config(), demo=True, demo_life=False, log=log)
    try:
        first = await session.refresh()
        assert isinstance(first.outcome, Snapshot) and not first.unchanged
        snap = first.outcome
        assert len(snap.nodes_of(NodeKind.CLUSTER)) == 3
        assert len(snap.nodes_of(NodeKind.REMOTE)) == 2
        assert len(snap.nodes_of(NodeKind.GUEST)) == 2
        rn = snap.nodes_of(NodeKind.REMOTE)[0]
        assert rn.address and rn.port == 3121 and rn.host  # joined from the CIB
        second = await session.refresh()
        assert second.unchanged and second.outcome is snap and second.events == ()
        target = next(n.name for n in snap.nodes_of(NodeKind.REMOTE) if not n.standby)
        result = await session.apply(actions.standby(target))
        assert result.ok, result.summary()
        third = await session.refresh()
        assert not third.unchanged and third.outcome.node(target).standby
        assert any(e.node == target and "standby" in e.kind for e in third.events)
    finally:
        await session.close()
    records = log.records()
    assert any(list(r.get("argv"))[:1] == ["crm_attribute"] for r in records)


async def test_read_only_demo_refuses_actions_and_runs_nothing(log):
    session = build_session(Config(read_only=True), demo=True, demo_life=False, log=log)
    try:
        await session.refresh()
        before = len(log.records())
        with pytest.raises(ReadOnlyError):
            await session.apply(actions.cleanup())
        assert len(log.records()) == before
    finally:
        await session.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_crm_mon
async def test_falls_back_to_the_next_cluster_node(log, tmp_path, monkeypatch):
    monkeypatch.setenv("CIB_file", str(FIXTURES / "full.xml"))
    config = parse_config(
        "clusters:\n  - name: c\n    nodes:\n"
        f"      - {{name: dead, host: 127.0.0.1, port: {closed_port()}, known_hosts: {tmp_path}/kh}}\n"
        "      - {name: live, host: localhost, local: true}\n"
    )
    session = build_session(config, log=log)
    try:
        result = await session.refresh()
        assert isinstance(result.outcome, Snapshot)
        assert result.host == "live"
        assert result.tried and result.tried[0].startswith("dead:")
        # the node that answered is asked first next time
        again = await session.refresh()
        assert again.host == "live" and again.tried == ()
    finally:
        await session.close()


@needs_crm_mon
async def test_cluster_down_is_a_condition_with_crm_mons_words(log, tmp_path, monkeypatch):
    monkeypatch.setenv("CIB_file", str(tmp_path / "no-such-cib.xml"))
    config = parse_config("clusters:\n  - name: c\n    nodes: [{name: here, host: localhost, local: true}]\n")
    session = build_session(config, log=log)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    assert isinstance(result.outcome, Unavailable)
    assert result.outcome.condition.kind is ConditionKind.ERRORS
    assert "Could not connect" in result.outcome.condition.message
    assert result.snapshot is None


async def test_no_node_answers_is_a_condition_naming_each(log, tmp_path):
    config = parse_config(
        "clusters:\n  - name: c\n    nodes:\n"
        f"      - {{name: a, host: 127.0.0.1, port: {closed_port()}, known_hosts: {tmp_path}/kh, connect_timeout: 2}}\n"
        f"      - {{name: b, host: 127.0.0.1, port: {closed_port()}, known_hosts: {tmp_path}/kh, connect_timeout: 2}}\n"
    )
    session = build_session(config, log=log)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    assert isinstance(result.outcome, Unavailable)
    assert [t.split(":")[0] for t in result.tried] == ["a", "b"]
    assert "a:" in result.error and "b:" in result.error


async def test_a_refresh_takes_what_the_last_parse_made_of_unchanged_resources(log):
    """The session keeps its parse's Reuse: after a change, the resources and histories the
    change did not touch are the previous snapshot's own objects (no second reading)."""
    session = build_session(Config(), demo=True, demo_life=False, log=log)
    try:
        before = (await session.refresh()).outcome
        target = next(n.name for n in before.nodes_of(NodeKind.REMOTE) if not n.standby)
        assert (await session.apply(actions.standby(target))).ok
        after = (await session.refresh()).outcome
        assert isinstance(before, Snapshot) and isinstance(after, Snapshot)
        assert after.node(target).standby and not before.node(target).standby
        kept = [r for r in after.resources if any(r is b for b in before.resources)]
        assert len(kept) >= len(after.resources) // 2
        assert any(h is b for h in after.history for b in before.history)
    finally:
        await session.close()
