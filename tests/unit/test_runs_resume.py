"""`pcmk-console apply --resume RUN_ID`: continues a recorded run, or refuses (exit 2, nothing
runs) when the run is unknown, the target is another cluster (or demo vs real), the plan
changed, or a change without a done probe was interrupted mid-step."""

from __future__ import annotations

import json

import pytest

from tui import cli
from tui.ops import actions, journal, recipes
from tui.ops.events import PlanFinished, PlanStarted, PlanState, StepFinished, StepStarted, StepState
from tui.ops.plan import Plan, RunStep
from tui.pacemaker import commands

CONFIG_YAML = """
clusters:
  - name: east
    nodes:
      - {name: node1, host: 192.0.2.1}
  - name: west
    nodes:
      - {name: node1, host: 198.51.100.1}
"""


def blind(nodes: list) -> Plan:
    """Changes without done probes: only the journal can say they ran."""
    return Plan("Blind standby", tuple(
        RunStep(id=f"standby-{n}", title=f"standby {n}", argv=commands.node_standby(n, True)) for n in nodes
    ), recipe=("test-blind", {"nodes": list(nodes)}))


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setitem(recipes.BUILDERS, "test-blind", blind)
    config = tmp_path / "pcmk.yaml"
    config.write_text(CONFIG_YAML)
    return config


@pytest.fixture
def no_network(monkeypatch):
    """Any SSH or local command is a failure here: refusals happen before anything runs."""
    async def refuse(self, *args, **kwargs):
        raise AssertionError("a command ran")

    monkeypatch.setattr("tui.remote.ssh.SshTransport.run", refuse)
    monkeypatch.setattr("tui.remote.local.LocalTransport.run", refuse)


def record(plan, events, *, cluster="demo-prod", demo=True):
    rid = journal.new_run_id()
    j = journal.Journal(plan, cluster=cluster, demo=demo)
    j(PlanStarted(rid, plan.title, tuple(s.id for s in plan.steps)))
    for make in events:
        j(make(rid))
    j.close()
    return rid


def ran(step_id):
    return [lambda rid: StepStarted(rid, step_id, step_id, "node1"),
            lambda rid: StepFinished(rid, step_id, StepState.DONE)]


def started(step_id):
    return [lambda rid: StepStarted(rid, step_id, step_id, "node1")]


def run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out


def events_after_resume(rid):
    path = journal.runs_dir() / f"{rid}.jsonl"
    records = journal.read_records(path)[0]
    resumed = next(i for i, r in enumerate(records) if r.get("event") == "PlanStarted" and r.get("resumed"))
    return records[resumed:]


def test_done_steps_without_a_probe_are_skipped_the_rest_run_same_run_id(capsys):
    plan = blind(["node1", "node2", "node3"])
    rid = record(plan, ran("standby-node1") + [lambda rid: StepStarted(rid, "standby-node2", "x", "node1"),
                                                lambda rid: StepFinished(rid, "standby-node2", StepState.FAILED, "lost")]
                 + [lambda rid: PlanFinished(rid, PlanState.FAILED, error="lost")])
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 0, out.err
    after = events_after_resume(rid)
    assert {r["run_id"] for r in after} == {rid}
    assert [(r["event"], r.get("step_id")) for r in after if r["event"] in ("StepSkipped", "StepStarted")] == [
        ("StepSkipped", "standby-node1"), ("StepStarted", "standby-node2"), ("StepStarted", "standby-node3")]
    assert after[-1]["event"] == "PlanFinished" and after[-1]["state"] == "done"
    assert list(journal.runs_dir().iterdir()) == [journal.runs_dir() / f"{rid}.jsonl"]  # the same file
    loaded = journal.load(rid)
    assert loaded.state is PlanState.DONE and loaded.resumes == 1
    assert loaded.step("standby-node1").state is StepState.DONE  # it ran, before the resume
    assert "state: done" in out.out


def test_an_interrupted_change_without_a_probe_is_refused_then_force_rerun(capsys):
    rid = record(blind(["node1", "node2"]), ran("standby-node1") + started("standby-node2"))
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 2
    assert "step standby-node2" in out.err and "may or may not have run" in out.err
    assert "--force-rerun standby-node2" in out.err and "nothing ran" in out.err
    assert len(events_after_resume_or_none(rid)) == 0  # nothing was appended

    code, out = run(["--demo", "apply", "--resume", rid, "--yes", "--force-rerun", "standby-node2"], capsys)
    assert code == 0, out.err
    after = events_after_resume(rid)
    assert [r.get("step_id") for r in after if r["event"] == "StepStarted"] == ["standby-node2"]


def test_assume_done_skips_the_interrupted_step(capsys):
    rid = record(blind(["node1", "node2"]), started("standby-node1"))
    code, out = run(["--demo", "apply", "--resume", rid, "--yes", "--assume-done", "standby-node1"], capsys)
    assert code == 0, out.err
    after = events_after_resume(rid)
    assert [r.get("step_id") for r in after if r["event"] == "StepStarted"] == ["standby-node2"]


def events_after_resume_or_none(rid):
    records = journal.read_records(journal.runs_dir() / f"{rid}.jsonl")[0]
    return [r for r in records if r.get("event") == "PlanStarted" and r.get("resumed")]


def test_a_changed_plan_is_refused(capsys):
    real = actions.standby("node1")
    changed = Plan(real.title, (RunStep(id="something-else", title="x", argv=("true",)),), recipe=real.recipe)
    rid = record(changed, [])
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 2 and "the plan changed" in out.err and "nothing ran" in out.err


def test_an_unknown_recipe_is_refused(capsys):
    rid = record(Plan("t", (RunStep(id="a", title="a", argv=("true",)),), recipe=("no-such-recipe", {})), [])
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 2 and "no-such-recipe" in out.err


@pytest.mark.parametrize("argv", [["apply", "--resume", "20200101T000000000000Z-00000000", "--yes"],
                                  ["apply", "--resume", "../x", "--yes"]])
def test_an_unknown_run_is_exit_2(capsys, argv):
    code, out = run(["--demo", *argv], capsys)
    assert code == 2 and "no run" in out.err and "nothing ran" in out.err


def test_a_demo_run_is_not_resumed_against_a_real_cluster(capsys, env, no_network):
    rid = record(blind(["node1"]), [])
    code, out = run(["--config", str(env), "apply", "--resume", rid, "--yes"], capsys)
    assert code == 2 and "built-in demo cluster" in out.err and "--demo" in out.err


def test_a_real_run_is_not_resumed_on_the_demo_nor_another_cluster(capsys, env, no_network):
    rid = record(blind(["node1"]), [], cluster="east", demo=False)
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 2 and "cluster 'east'" in out.err
    code, out = run(["apply", "--resume", rid, "--yes", "--config", str(env), "--cluster", "west"], capsys)
    assert code == 2 and "cluster 'east'" in out.err and "--cluster east" in out.err


def test_read_only_refuses(capsys):
    rid = record(blind(["node1"]), [])
    code, out = run(["--demo", "--read-only", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 5 and "read-only" in out.err
    assert events_after_resume_or_none(rid) == []


def test_a_done_run_has_nothing_to_resume(capsys):
    rid = record(blind(["node1"]), ran("standby-node1") + [lambda rid: PlanFinished(rid, PlanState.DONE)])
    code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    assert code == 0 and "nothing to resume" in out.out


def test_a_run_another_console_is_running_is_refused(capsys):
    plan = blind(["node1"])
    rid = record(plan, [])
    holder = journal.Journal.reopen(plan, rid, cluster="demo-prod", demo=True)
    try:
        code, out = run(["--demo", "apply", "--resume", rid, "--yes"], capsys)
    finally:
        holder.close()
    assert code == 2 and "another console" in out.err


@pytest.mark.parametrize("argv,said", [
    (["--demo", "apply", "--resume", "x", "standby", "node1", "--yes"], "it takes no ACTION"),
    (["--demo", "apply"], "or --resume RUN_ID"),
    (["--demo", "apply", "--force-rerun", "a"], "go with --resume"),
    (["--demo", "apply", "--assume-done", "a", "standby", "node1", "--yes"], "go with --resume"),
])
def test_resume_and_an_action_exclude_each_other(capsys, argv, said):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(argv)
    assert exited.value.code == 2 and said in capsys.readouterr().err


def test_a_plain_apply_is_journalled(capsys):
    code, out = run(["--demo", "apply", "standby", "node1", "--yes", "--confirm-name", "demo-prod"], capsys)
    assert code == 0, out.err
    found = journal.runs()
    assert len(found) == 1
    run_record = found[0]
    assert run_record.demo and run_record.cluster == "demo-prod" and run_record.state is PlanState.DONE
    assert run_record.recipe == ("standby", json.loads(json.dumps(dict(actions.standby("node1").recipe[1]))))


@pytest.mark.parametrize("argv", [["--demo", "apply", "--yes", "standby", "node1", "--confirm-name", "demo-prod"],
                                  ["--demo", "apply", "standby", "node1", "--confirm-name", "demo-prod", "--yes"]])
def test_yes_before_or_after_the_action(capsys, argv):
    code, out = run(argv, capsys)
    assert code == 0, out.err
    assert journal.runs()[0].state is PlanState.DONE


def test_yes_before_resume_too(capsys):
    rid = record(blind(["node1"]), [])
    code, out = run(["--demo", "apply", "--yes", "--resume", rid], capsys)
    assert code == 0, out.err
