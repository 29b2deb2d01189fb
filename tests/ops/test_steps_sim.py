"""The file steps and the everyday actions on the demo simulator (tui.sim): the same engine,
the same argv, answered by the simulated hosts."""

from __future__ import annotations

from tui.ops import actions, files
from tui.ops.engine import run_plan, undo_steps
from tui.ops.events import PlanState, StepState
from tui.ops.plan import EnvFileStep, Plan, WriteFileStep
from tui.remote.pool import WorkerPool
from tui.remote.secret import Secret
from tui.sim import DemoCluster, demo_transport_factory
from tui.sim.hosts import SYSCONFIG


def demo():
    state = DemoCluster(seed=7, life=False)
    pool = WorkerPool(demo_transport_factory(state, latency=(0, 0)), None, cluster="demo", transport_kind="demo")
    return state, pool


async def test_write_file_on_a_sim_host_backup_and_undo():
    state, pool = demo()
    fs = state.host("node2").fs
    before = fs.get(SYSCONFIG).content
    step = WriteFileStep("w", SYSCONFIG, Secret(b"PCMK_x=1\n", "conf"), owner="root", group="haclient", mode=0o640,
                         host="node2")
    result = await run_plan(Plan("p", (step,)), pool, default_host="node1", read_only=False)
    assert result.ok, result.summary()
    inode = fs.get(SYSCONFIG)
    assert (inode.content, inode.owner, inode.group, inode.mode) == (b"PCMK_x=1\n", "root", "haclient", 0o640)
    assert fs.get(files.backup_path(SYSCONFIG, result.run_id)).content == before
    assert state.host("node1").fs.get(SYSCONFIG).content == before  # the other host untouched
    again = await run_plan(Plan("p", (step,)), pool, default_host="node1", read_only=False)
    assert again.outcomes[0].state is StepState.SKIPPED
    undone = await undo_steps(result, pool, default_host="node1", read_only=False)
    assert undone.state is PlanState.UNDONE and fs.get(SYSCONFIG).content == before


async def test_a_new_file_on_a_sim_host_is_removed_by_undo():
    state, pool = demo()
    step = WriteFileStep("w", "/etc/pcmk-test/new.conf", b"x\n", host="node1")
    result = await run_plan(Plan("p", (step,)), pool, default_host="node1", read_only=False)
    assert result.ok, result.summary()
    assert state.host("node1").fs.get("/etc/pcmk-test/new.conf").content == b"x\n"
    await undo_steps(result, pool, default_host="node1", read_only=False)
    assert state.host("node1").fs.get("/etc/pcmk-test/new.conf") is None


async def test_env_file_edit_on_a_sim_host_round_trip():
    state, pool = demo()
    fs = state.host("node2").fs
    before = fs.get(SYSCONFIG).content.decode()
    step = EnvFileStep("e", SYSCONFIG, set={"PCMK_remote_port": "3122"}, host="node2", before=before)
    result = await run_plan(Plan("p", (step,)), pool, default_host="node1", read_only=False)
    assert result.ok, result.summary()
    after = fs.get(SYSCONFIG).content.decode()
    assert after == files.edit_env_file(before, {"PCMK_remote_port": "3122"})
    assert files.read_env(after)["PCMK_remote_port"] == "3122"
    await undo_steps(result, pool, default_host="node1", read_only=False)
    assert fs.get(SYSCONFIG).content.decode() == before


async def test_standby_on_the_demo_is_skipped_the_second_time_and_undone():
    state, pool = demo()
    plan = actions.standby("node2")
    first = await run_plan(plan, pool, default_host="node1", read_only=False)
    assert first.outcomes[0].state is StepState.DONE
    second = await run_plan(plan, pool, default_host="node1", read_only=False)
    assert second.outcomes[0].state is StepState.SKIPPED
    await undo_steps(first, pool, default_host="node1", read_only=False)
    third = await run_plan(actions.standby("node2", on=False), pool, default_host="node1", read_only=False)
    assert third.outcomes[0].state is StepState.SKIPPED  # the undo took it out of standby
