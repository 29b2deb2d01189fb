"""The console against a real Pacemaker lab over real SSH (host keys verified).

Everything goes through the console's own pipeline: config -> session -> SSH pool ->
refresh script on node1 -> parser -> model; actions through plans and the action log.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest

from tests.lab.crmmon import is_lost_connection
from tests.lab.fixtures import VERSIONS
from tui.config import load_config
from tui.pacemaker.model import Snapshot
from tui.remote.actionlog import ActionLog
from tui.session import build_session

pytestmark = pytest.mark.lab


def console(lab, *args, tmp_path, timeout=120):
    env = dict(os.environ, PCMK_CONSOLE_STATE_DIR=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("CIB_file", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", "--config", str(lab.config_path), *args],
                          capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def test_status_json_over_ssh_shows_each_kind_with_its_connection(anylab, tmp_path, request):
    proc = console(anylab, "status", "--json", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    data = json.loads(proc.stdout)
    nodes = {n["name"]: n for n in data["nodes"]}
    assert data["summary"]["dc"] == "node1"
    assert nodes["node1"]["kind"] == "cluster" and nodes["node1"]["online"] and nodes["node1"]["is_dc"]
    rn1, gn1 = nodes["rn1"], nodes["gn1"]
    assert rn1["kind"] == "remote" and rn1["online"]
    assert (rn1["connection_resource"], rn1["host"]) == ("rn1", "node1")
    assert (rn1["address"], rn1["port"]) == (anylab.nodes["rn1"].address, 3121)
    assert gn1["kind"] == "guest" and gn1["online"]
    assert (gn1["container_resource"], gn1["host"]) == ("gn1-container", "node1")
    assert gn1["address"] == anylab.nodes["gn1"].address
    assert data["pacemaker_version"].startswith(VERSIONS[request.node.callspec.params["anylab"]])
    # the refresh is a read: in the read log (argv, exit, size), not in the action log
    reads = [json.loads(line) for line in (tmp_path / "state" / "reads.jsonl").read_text().splitlines()]
    assert any(r["purpose"] == "status refresh" and r["exit_status"] == 0 and r["stdout_bytes"] > 0 for r in reads)
    actions = tmp_path / "state" / "actions.jsonl"
    assert not actions.exists() or "status refresh" not in actions.read_text()


def _poll(session, predicate, what, timeout=60.0):
    async def go():
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = await session.refresh()
            if isinstance(last.outcome, Snapshot) and predicate(last.outcome):
                return last
            await asyncio.sleep(1)
        raise AssertionError(f"waited {timeout}s for {what}; last refresh: {last}")

    return go


def test_model_follows_a_remote_going_down_and_coming_back(lab, tmp_path):
    lab.ensure_healthy()
    session = build_session(load_config(lab.config_path), log=ActionLog(tmp_path / "a.jsonl"))

    async def scenario():
        try:
            base = await session.refresh()
            assert base.outcome.node("rn1").online
            lab.stop_remoted("rn1")
            down = await _poll(session, lambda s: not s.node("rn1").online, "rn1 offline")()
            failures = [f for f in down.outcome.failures if f.resource == "rn1" or f.op_key.startswith("rn1_")]
            assert any(is_lost_connection(f.exit_reason) for f in failures), down.outcome.failures
            lab.start_remoted("rn1")
            await _poll(session, lambda s: s.node("rn1").online, "rn1 online again", timeout=90)()
        finally:
            await session.close()

    asyncio.run(scenario())
    lab.ensure_healthy()


def test_model_follows_a_guest_whose_container_stops_and_starts(lab, tmp_path):
    lab.ensure_healthy()
    session = build_session(load_config(lab.config_path), log=ActionLog(tmp_path / "a.jsonl"))
    set_role = ["crm_resource", "--resource", "gn1-container", "--meta", "--set-parameter", "target-role", "--parameter-value"]

    async def scenario():
        try:
            assert (await session.refresh()).outcome.node("gn1").online
            assert lab.run_on("node1", [*set_role, "Stopped"]).returncode == 0
            def container(s):
                return next(r for r in s.all_resources() if r.id == "gn1-container")

            # the guest drops as soon as its container starts stopping; wait for both
            down = await _poll(session, lambda s: not s.node("gn1").online and not container(s).active, "gn1 offline, container stopped")()
            assert container(down.outcome).role == "Stopped"
            assert down.outcome.node("gn1").host is None  # no container running: no host
            assert lab.run_on("node1", [*set_role, "Started"]).returncode == 0
            up = await _poll(session, lambda s: s.node("gn1").online, "gn1 online again", timeout=90)()
            assert up.outcome.node("gn1").host == "node1"
        finally:
            await session.close()

    try:
        asyncio.run(scenario())
    finally:
        lab.run_on("node1", [*set_role, "Started"])
        lab.ensure_healthy()


def test_run_fans_out_to_every_node_over_ssh(lab, tmp_path):
    lab.ensure_healthy()
    proc = console(lab, "run", "--nodes", "all", "--", "hostname", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    for name in ("node1", "rn1", "gn1"):
        assert f"[SUCCESS] {name}" in proc.stdout
        assert f"\n{name}\n" in proc.stdout + "\n" or proc.stdout.count(name) >= 2
    only_remote = console(lab, "run", "--nodes", "remote", "--", "hostname", tmp_path=tmp_path)
    assert "rn1" in only_remote.stdout and "gn1" not in only_remote.stdout


def test_standby_of_a_remote_node_through_the_action_path(lab, tmp_path):
    lab.ensure_healthy()
    try:
        proc = console(lab, "apply", "standby", "rn1", "--yes", tmp_path=tmp_path)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert "crm_attribute --node rn1 --name standby --update on" in proc.stdout
        st = lab.wait_until("rn1 standby", lambda s: s.nodes["rn1"].standby, timeout=30)
        assert st.nodes["rn1"].standby
        log = (tmp_path / "state" / "actions.jsonl").read_text()
        assert "Put node rn1 into standby" in log
        refused = console(lab, "--read-only", "apply", "unstandby", "rn1", "--yes", tmp_path=tmp_path)
        assert refused.returncode == 5
        assert lab.status().nodes["rn1"].standby  # read-only really ran nothing
        back = console(lab, "apply", "unstandby", "rn1", "--yes", tmp_path=tmp_path)
        assert back.returncode == 0, back.stderr + back.stdout
        lab.wait_until("rn1 active again", lambda s: not s.nodes["rn1"].standby, timeout=30)
    finally:
        lab.run_on("node1", ["crm_attribute", "--node", "rn1", "--name", "standby", "--delete"])
