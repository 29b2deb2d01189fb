"""The conversion, rollback and renewal plans: order and ids (contract §4, §5, §7), the review's
diff, a full run on the fake world (tests/ops/test_certs_world.py), validation before any
restart, no key bytes anywhere, resume from the journal's recipe."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.ops.test_certs_world import ENV_TEXT, World, world_pool
from tui.ops import journal, recipes
from tui.ops.certs import pki, plans
from tui.ops.certs.inputs import CertsConvert, CertsRenew, CertsRollback
from tui.ops.certs.wizard import WIZARDS, CertsContext, env_records
from tui.ops.engine import run_plan
from tui.ops.events import PlanState, StepFinished, StepStarted, StepState
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.preflight import run_checks
from tui.ops.plan import EnvFileStep, WriteFileStep
from tui.pacemaker import nodecmds

FACTS = ClusterFacts(version="3.0.0", cluster_nodes=("n1", "n2"), cluster_online=("n1", "n2"),
                     remote_nodes=("rn1",), guest_nodes=("gn1",), node_addresses={"rn1": "10.0.0.5", "gn1": "gn1"})


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch):
    monkeypatch.setattr(plans, "WAIT_INTERVAL", 0.001)
    monkeypatch.setattr(plans.watch_mod, "INTERVAL", 0.01)


@pytest.fixture
def context(state_dir):
    return CertsContext(state_dir=state_dir, cluster="fake")


async def checks(world, wizard, inp, context, tmp_path):
    pool = world_pool(world, tmp_path / "checks.jsonl")
    try:
        return await run_checks(WIZARDS[wizard].preflight(inp, FACTS, context), pool, default_host="n1")
    finally:
        await pool.close()


async def run(world, plan, tmp_path, *, run_id=None, skip=None, resumed=False, cancel=None, journal_=None,
              listeners=()):
    pool = world_pool(world, tmp_path / "actions.jsonl")
    events = []
    j = journal_ or journal.Journal(plan, cluster="fake", demo=False)
    try:
        result = await run_plan(plan, pool, default_host="n1", read_only=False, listeners=[events.append, j, *listeners],
                                run_id=run_id, skip=skip, resumed=resumed, cancel=cancel)
    finally:
        j.close()
        await pool.close()
    return result, events


def ids(plan):
    return [s.id for s in plan.steps]


# --- order and ids --------------------------------------------------------------------------

def test_convert_order_and_ids_follow_the_contract(context):
    plan = WIZARDS["certs-convert"].plan(CertsConvert(remove_authkey=True), FACTS, context, ())
    got = ids(plan)
    per_node = ["tls-dir-{}", "key-{}", "key-access-{}", "key-mode-{}", "csr-{}", "sign-{}", "cert-{}", "ca-{}"]
    expected = ["ca"] + [p.format(n) for n in ("n1", "n2", "rn1", "gn1") for p in per_node]
    expected += ["validate", "maintenance-on", "maintenance-seen", "env-n1", "env-n2", "env-rn1", "env-gn1",
                 "watch-start", "restart-rn1", "restart-gn1", "restart-n1", "rejoin-n1", "restart-n2", "rejoin-n2",
                 "maintenance-off", "wait-online", "watch-stop", "environ-n1", "environ-n2", "environ-rn1",
                 "environ-gn1", "cleanup-rn1", "cleanup-gn1",
                 "remove-authkey-n1", "remove-authkey-n2", "remove-authkey-rn1", "remove-authkey-gn1"]
    assert got == expected
    # nothing restarts and no env file changes before the validation
    assert got.index("validate") < min(got.index(i) for i in got if i.startswith(("env-", "restart-")))
    assert plan.step("csr-rn1").mutates is False and plan.step("csr-rn1").output == "csr:rn1"
    assert plan.step("restart-rn1").host == "10.0.0.5"
    assert plan.step("restart-n1").timeout == 180
    assert plan.step("watch-stop").output == "disconnect_windows"


def test_files_mode_generates_nothing_and_writes_the_templates(context):
    inp = CertsConvert(ca="files", ca_file="/etc/pki/ca.pem", cert_file="/etc/pki/{node}.crt",
                       key_file="/etc/pki/{node}.key", crl_file="/etc/pki/crl.pem")
    plan = WIZARDS["certs-convert"].plan(inp, FACTS, context, ())
    assert ids(plan)[0] == "validate"
    assert not any(i.startswith(("key-", "csr-", "sign-", "cert-", "ca")) for i in ids(plan))
    env = plan.step("env-rn1")
    assert dict(env.set) == {"PCMK_ca_file": "/etc/pki/ca.pem", "PCMK_cert_file": "/etc/pki/rn1.crt",
                             "PCMK_key_file": "/etc/pki/rn1.key", "PCMK_crl_file": "/etc/pki/crl.pem"}


def test_the_recipe_is_json_and_rebuilds_the_same_plan(context):
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, ())
    line = recipes.encode(plan)
    json.loads(line)
    again = recipes.decode(line)
    assert ids(again) == ids(plan)
    assert [getattr(s, "argv", None) for s in again.steps] == [getattr(s, "argv", None) for s in plan.steps]


def test_rollback_kwargs_come_from_the_convert_recipe(context):
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, ())
    kwargs = plans.rollback_kwargs(plan.recipe[1], "20261201T210326123456Z-1a2b3c4d")
    json.dumps(kwargs)
    back = plans.certs_rollback(**kwargs)
    assert ids(back)[:6] == ["authkey-n1", "authkey-n2", "authkey-rn1", "authkey-gn1", "maintenance-on",
                             "maintenance-seen"]
    assert ids(back)[-3:] == ["maintenance-off", "wait-online", "watch-stop"]
    assert ids(back).index("restart-rn1") < ids(back).index("restart-n1") < ids(back).index("rejoin-n1")
    assert back.recipe[0] == "certs_rollback" and recipes.decode(recipes.encode(back)).recipe == back.recipe


def test_rollback_restores_the_backup_or_unsets_where_there_was_no_file():
    rid = "20261201T210326123456Z-1a2b3c4d"
    env = {"n1": {"path": "/etc/sysconfig/pacemaker", "before": ENV_TEXT, "existed": True, "owner": "root",
                  "group": "root", "mode": 0o644},
           "rn1": {"path": "/etc/default/pacemaker", "before": "", "existed": False}}
    nodes = [{"name": "n1", "kind": "cluster", "host": "n1"}, {"name": "rn1", "kind": "remote", "host": "rn1"}]
    back = plans.certs_rollback(run_id=rid, nodes=nodes, env=env)
    assert back.step("read-backup-n1").path == f"/etc/sysconfig/pacemaker.pcmk-backup-{rid}"
    assert isinstance(back.step("env-n1"), WriteFileStep)
    unset = back.step("env-rn1")
    assert isinstance(unset, EnvFileStep) and unset.unset == frozenset(nodecmds.TLS_VARIABLES)
    only_n1 = plans.certs_rollback(run_id=rid, nodes=nodes, env=env, written=["n1"])
    assert "env-rn1" not in ids(only_n1) and "restart-rn1" in ids(only_n1)


# --- a run on the fake world -------------------------------------------------------------------

async def test_preflight_then_plan_show_the_exact_env_diff(context, tmp_path):
    world = World()
    outcomes = await checks(world, "certs-convert", CertsConvert(), context, tmp_path)
    assert {o.step_id: o.level for o in outcomes} == {
        "inputs": "ok", "ca-source": "ok", "versions": "ok", "openssl": "ok", "env-files": "ok", "online": "ok",
        "auth-mode": "ok", "bundles": "ok"}
    assert env_records(outcomes)["rn1"]["before"] == ENV_TEXT
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, outcomes)
    assert plan.step("env-gn1").before == ENV_TEXT
    text = plan.describe("n1")
    assert "+PCMK_cert_file=/etc/pacemaker/tls/node.crt" in text
    assert "--- /etc/sysconfig/pacemaker (now)" in text
    assert " PCMK_logfacility=daemon" in text  # the context lines of the diff


async def test_convert_runs_end_to_end_and_leaves_no_key_anywhere(context, tmp_path, state_dir):
    world = World()
    world.restart_delay = 0.1
    outcomes = await checks(world, "certs-convert", CertsConvert(), context, tmp_path)
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, outcomes)
    result, events = await run(world, plan, tmp_path)
    assert result.ok, result.summary()
    # every daemon restarted with the certificate; remotes first, then each cluster node
    assert world.restarts() == ["10.0.0.5", "gn1", "n1", "n2"]
    for name in ("n1", "n2", "rn1", "gn1"):
        assert world.node(name).env["PCMK_cert_file"] == "/etc/pacemaker/tls/node.crt"
        assert world.node(name).fs["/etc/pacemaker/tls/node.key"].mode == 0o640
        assert world.node(name).fs["/etc/pacemaker/tls/node.key"].group == "haclient"
    windows = result.context["disconnect_windows"]
    # offline from their restart until maintenance-off (after both cluster nodes' 0.05 s restarts)
    assert set(windows) == {"rn1", "gn1"} and all(0.0 < v < 5.0 for v in windows.values()), windows
    stop = next(e for e in events if isinstance(e, StepFinished) and e.step_id == "watch-stop")
    assert "rn1" in stop.detail and "gn1" in stop.detail
    assert not world.maintenance
    # the CA: created in the state directory, 0700 / 0600
    ca_dir = Path(state_dir) / "certs" / "fake"
    assert ca_dir.stat().st_mode & 0o777 == 0o700 and (ca_dir / "ca.key").stat().st_mode & 0o777 == 0o600
    # no private key and no CA key byte in the plan, the events, the journal, the action log
    secrets = [k for k in world.private_keys()] + [(ca_dir / "ca.key").read_bytes()]
    assert len(secrets) == 5
    shown = [plan.describe("n1"), "\n".join(repr(e) for e in events),
             journal.load(result.run_id).path.read_text(), (tmp_path / "actions.jsonl").read_text(),
             repr(result.context)]
    for key in secrets:
        body = key.decode().split("-----")[2].strip().splitlines()[0]  # a base64 line of the key
        for text in shown:
            assert body not in text
            assert "PRIVATE KEY-----" not in text


async def test_a_certificate_from_another_ca_stops_the_plan_before_any_change(context, tmp_path):
    world = World()
    other_ca, other_key = pki.create_ca("someone else's CA")
    original = world.file_command

    foreign = pki.sign_csr(pki.make_csr(pki.make_key(), "n2"), other_ca, other_key, node_name="n2")

    def tamper(host, argv, stdin):  # what n2 holds is signed by another CA (as read back)
        if host.name == "n2" and argv == ("cat", "/etc/pacemaker/tls/node.crt"):
            return 0, foreign, b""
        return original(host, argv, stdin)
    world.file_command = tamper
    outcomes = await checks(world, "certs-convert", CertsConvert(), context, tmp_path)
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, outcomes)
    result, events = await run(world, plan, tmp_path)
    assert not result.ok and result.failed.step.id == "validate"
    assert "n2: certificate /etc/pacemaker/tls/node.crt:" in result.failed.error
    assert world.restarts() == [] and not world.maintenance
    assert all(h.fs[nodecmds.ENV_FILES[0]].data == ENV_TEXT.encode() for h in world.hosts.values())


async def test_forced_validation_says_forced_and_goes_on(context, tmp_path):
    world = World()
    other_ca, other_key = pki.create_ca("someone else's CA")
    original = world.file_command

    def tamper(host, argv, stdin):
        if host.name == "rn1" and argv == ("cat", "/etc/pacemaker/tls/ca.crt"):
            return 0, other_ca, b""
        return original(host, argv, stdin)
    world.file_command = tamper
    inp = CertsConvert(force=True)
    plan = WIZARDS["certs-convert"].plan(inp, FACTS, context, ())
    assert "FORCED" in plan.describe("n1")
    result, events = await run(world, plan, tmp_path)
    finished = next(e for e in events if isinstance(e, StepFinished) and e.step_id == "validate")
    assert finished.state is StepState.DONE and "FORCED" in finished.detail and "rn1: CA file" in finished.detail


async def test_the_ca_is_created_once_and_loaded_after(context, tmp_path, state_dir):
    world = World()
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, ())
    first, events = await run(world, plan, tmp_path)
    key = (Path(state_dir) / "certs" / "fake" / "ca.key").read_bytes()
    second, events2 = await run(World(), plan, tmp_path)
    assert (Path(state_dir) / "certs" / "fake" / "ca.key").read_bytes() == key
    detail = lambda evs: next(e.detail for e in evs if isinstance(e, StepFinished) and e.step_id == "ca")  # noqa: E731
    assert detail(events).startswith("created a new CA") and detail(events2).startswith("loaded the CA")


async def test_a_killed_convert_resumes_from_its_recipe(context, tmp_path):
    world = World()
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, ())
    cancel = asyncio.Event()

    def kill_at_restart(event):
        if isinstance(event, StepStarted) and event.step_id == "restart-gn1":
            cancel.set()
    first, _ = await run(world, plan, tmp_path, cancel=cancel, listeners=[kill_at_restart])
    assert first.state is PlanState.CANCELLED
    record = journal.load(first.run_id)
    again = recipes.build(*record.recipe)
    assert ids(again) == ids(plan)
    resume = journal.plan_resume(again, record, force_rerun={"restart-gn1"})
    assert "csr-rn1" in resume.rerun and "sign-rn1" in resume.rerun  # reads and local work run again
    assert "key-rn1" in resume.reprobe  # the key exists: not made twice
    assert "restart-rn1" in resume.skip  # done: no second disconnect
    with pytest.raises(journal.ResumeRefused, match="restart-gn1"):
        journal.plan_resume(again, record)  # interrupted while it ran: the operator decides
    keys_before = {n: world.node(n).fs["/etc/pacemaker/tls/node.key"].data for n in ("n1", "rn1")}
    j = journal.Journal.reopen(again, first.run_id, cluster="fake", demo=False)
    second, events = await run(world, again, tmp_path, run_id=first.run_id, skip=resume.skip, resumed=True,
                               journal_=j)
    assert second.ok, second.summary()
    assert {n: world.node(n).fs["/etc/pacemaker/tls/node.key"].data for n in ("n1", "rn1")} == keys_before
    assert world.node("gn1").env["PCMK_cert_file"] == "/etc/pacemaker/tls/node.crt"


async def test_rollback_after_a_convert_restores_the_env_files(context, tmp_path, state_dir):
    world = World()
    outcomes = await checks(world, "certs-convert", CertsConvert(), context, tmp_path)
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, outcomes)
    done, _ = await run(world, plan, tmp_path)
    assert done.ok
    inp = CertsRollback(run_id=done.run_id)
    pre = await checks(world, "certs-rollback", inp, context, tmp_path)
    assert all(o.level == "ok" for o in pre), pre
    back = WIZARDS["certs-rollback"].plan(inp, FACTS, context, pre)
    result, _ = await run(world, back, tmp_path)
    assert result.ok, result.summary()
    for name in ("n1", "n2", "rn1", "gn1"):
        assert world.node(name).fs[nodecmds.ENV_FILES[0]].data == ENV_TEXT.encode()
        assert "PCMK_cert_file" not in world.node(name).env


async def test_rollback_refuses_when_an_authkey_is_gone(context, tmp_path):
    world = World()
    plan = WIZARDS["certs-convert"].plan(CertsConvert(remove_authkey=True), FACTS, context, ())
    done, _ = await run(world, plan, tmp_path)
    assert done.ok and nodecmds.AUTHKEY not in world.node("rn1").fs
    pre = await checks(world, "certs-rollback", CertsRollback(run_id=done.run_id), context, tmp_path)
    failed = [o for o in pre if o.level == "fail"]
    assert failed and "rn1" in failed[0].observed and "authkey" in failed[0].observed


async def test_rollback_of_an_unknown_run_is_a_failed_check(context, tmp_path):
    pre = await checks(World(), "certs-rollback", CertsRollback(run_id="20261201T210326123456Z-00000000"),
                       context, tmp_path)
    assert [o.level for o in pre] == ["fail"]


# --- renewal ----------------------------------------------------------------------------------

class _Auth:
    def __init__(self, node, days_left, now):
        from tui.ops.certs.authview import AuthSettings
        self.node, self.mode = node, "x509"
        self.settings = AuthSettings("/etc/pacemaker/tls/ca.crt", "/etc/pacemaker/tls/node.crt",
                                     "/etc/pacemaker/tls/node.key", None, None, "x509")
        self.cert = pki.CertFacts("CN=" + node, "CN=ca", now, now + dt.timedelta(days=days_left, hours=1), 1, "AA",
                                  False)


def test_renew_picks_the_nodes_expiring_within_days(context):
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    auth = (_Auth("n1", 200, now), _Auth("n2", 10, now), _Auth("rn1", 29, now), _Auth("gn1", 31, now))
    ctx = CertsContext(state_dir=context.state_dir, cluster="fake", now=now, auth=auth)
    plan = WIZARDS["certs-renew"].plan(CertsRenew(days=30), FACTS, ctx, ())
    got = ids(plan)
    assert "key-n2" in got and "key-rn1" in got and "key-n1" not in got and "key-gn1" not in got
    assert plan.step("key-rn1").argv[-1] == "/etc/pacemaker/tls/node.key.new"
    assert got.index("validate") < got.index("install-key-rn1") < got.index("restart-rn1") < got.index("restart-n2")
    # maintenance mode around every restart (a restarted remote outside it gets its resources stopped)
    assert got.index("maintenance-on") < got.index("maintenance-seen") < got.index("restart-rn1")
    assert got.index("restart-n2") < got.index("maintenance-off") < got.index("wait-online")
    assert not any(isinstance(s, EnvFileStep) for s in plan.steps)
    nothing = WIZARDS["certs-renew"].plan(CertsRenew(days=5), FACTS, ctx, ())
    assert not nothing.mutates and ids(nothing) == ["nothing-to-renew"]


async def test_renew_runs_on_the_fake_world(context, tmp_path):
    world = World()
    first = WIZARDS["certs-convert"].plan(CertsConvert(days=20), FACTS, context, ())
    assert (await run(world, first, tmp_path))[0].ok
    from tui.ops.certs.authview import auth_settings
    now = dt.datetime.now(dt.timezone.utc)
    auth = (_Auth("rn1", 19, now),)
    auth[0].settings = auth_settings(world.node("rn1").fs[nodecmds.ENV_FILES[0]].data.decode())
    ctx = CertsContext(state_dir=context.state_dir, cluster="fake", auth=auth)
    old = world.node("rn1").fs["/etc/pacemaker/tls/node.crt"].data
    plan = WIZARDS["certs-renew"].plan(CertsRenew(days=30), FACTS, ctx, ())
    result, _ = await run(world, plan, tmp_path)
    assert result.ok, result.summary()
    new = world.node("rn1").fs["/etc/pacemaker/tls/node.crt"].data
    assert new != old and pki.cert_facts(new).days_left() > 800
    assert "/etc/pacemaker/tls/node.key.new" not in world.node("rn1").fs


async def test_rollback_restores_only_what_the_run_wrote(context, tmp_path):
    world = World()
    plan = WIZARDS["certs-convert"].plan(CertsConvert(), FACTS, context, ())
    cancel = asyncio.Event()

    def stop_after_two(event):
        if isinstance(event, StepFinished) and event.step_id == "env-n2":
            cancel.set()
    first, _ = await run(world, plan, tmp_path, cancel=cancel, listeners=[stop_after_two])
    assert first.state is PlanState.CANCELLED
    back = WIZARDS["certs-rollback"].plan(CertsRollback(run_id=first.run_id), FACTS, context, ())
    assert [i for i in ids(back) if i.startswith("env-")] == ["env-n1", "env-n2"]
    result, _ = await run(world, back, tmp_path)
    assert result.ok, result.summary()
    assert all(h.fs[nodecmds.ENV_FILES[0]].data == ENV_TEXT.encode() for h in world.hosts.values())
