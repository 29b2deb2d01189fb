"""Resource and node actions (issue 13) on real Pacemaker 2.1.5 and 3.0.0: the argv of
tui.pacemaker.commands run inside the lab's cluster node, and crm_mon (raw, and parsed into
the console's own Snapshot) agreeing with what each should have done: move (cli-prefer),
ban (cli-ban-R-on-N, it leaves the node), clear (constraints gone), disable/enable through
meta target-role, manage/unmanage, restart, refresh, fail counts, the fencer's device list,
promote/demote on a promotable clone, and the impact preview (nodecmds.simulate_changes +
tui.pacemaker.impact) listing the moves that then really happen.

The outputs asserted here are the ones recorded in tests/lab/FINDINGS-actions.md, which the
demo simulator (tui/sim) copies: when Pacemaker's wording changes, both need updating.
Each test gets its own Dummy `act-web` (no constraints: the scheduler picks its node) and
the lab is made healthy again first (anylab), which removes it and every cli-* constraint."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lxml import etree

from tests.lab.fixtures import VERSIONS
from tests.lab.lab import Lab
from tests.lab.proc import LabError
from tui.pacemaker import commands, nodecmds
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.impact import Impact, ImpactAction, parse_simulate_text, parse_simulate_xml
from tui.pacemaker.model import Snapshot

pytestmark = pytest.mark.lab

RSC = "act-web"
PRIMITIVE = (f'<primitive id="{RSC}" class="ocf" provider="pacemaker" type="Dummy"><operations>'
             f'<op id="{RSC}-monitor-10s" name="monitor" interval="10s"/></operations></primitive>')
CLONE, INSTANCE = "act-ms-clone", "act-ms"
PROMOTABLE = (
    f'<clone id="{CLONE}"><meta_attributes id="{CLONE}-meta">'
    f'<nvpair id="{CLONE}-meta-promotable" name="promotable" value="true"/>'
    f'<nvpair id="{CLONE}-meta-promoted-max" name="promoted-max" value="1"/></meta_attributes>'
    f'<primitive id="{INSTANCE}" class="ocf" provider="pacemaker" type="Stateful"><operations>'
    f'<op id="{INSTANCE}-monitor-p" name="monitor" interval="10s" role="{{promoted}}"/>'
    f'<op id="{INSTANCE}-monitor-u" name="monitor" interval="11s" role="{{unpromoted}}"/>'
    '</operations></primitive></clone>')
NODES = ("node1", "rn1", "gn1")


# --- helpers ----------------------------------------------------------------------------------
def run(lab: Lab, argv, *, timeout: float = 120) -> subprocess.CompletedProcess:
    """argv (a tuple from tui.pacemaker.commands) on the cluster node, as the console would."""
    return lab.run_on("node1", list(argv), timeout=timeout)


def ok(lab: Lab, argv, **kw) -> subprocess.CompletedProcess:
    res = run(lab, argv, **kw)
    assert res.returncode == 0, (argv, res.returncode, res.stdout, res.stderr)
    return res


def snapshot(lab: Lab) -> Snapshot:
    """The console's own reading of the live crm_mon (the same argv it polls with)."""
    res = ok(lab, commands.crm_mon_status(), timeout=30)
    snap = parse_status(res.stdout, res.returncode, res.stderr)
    assert isinstance(snap, Snapshot), snap
    return snap


def resource(snap: Snapshot, rid: str):
    found = [r for r in snap.all_resources() if r.id == rid]
    assert found, f"{rid} not in the snapshot"
    return found[0]


def cli_constraints(lab: Lab) -> dict[str, dict]:
    """Every cli-* location constraint in the live CIB: id -> attributes (+ rule nodes)."""
    res = ok(lab, ("cibadmin", "--query", "--scope=constraints"))
    out = {}
    for el in etree.fromstring(res.stdout.encode()).iter("rsc_location"):
        if el.get("id", "").startswith("cli-"):
            attrs = dict(el.attrib)
            expr = el.find("rule/expression")
            if expr is not None:
                attrs["rule_node"] = expr.get("value")
            out[el.get("id")] = attrs
    return out


def no_leftovers(lab: Lab) -> None:
    """ensure_healthy() removes an earlier test's act-* resources from the configuration;
    wait until the cluster has also stopped them (orphans), or a preview sees their stops."""
    lab.wait_until("no act-* resource active",
                   lambda st: not [r for r in st.resources.values() if r.id.startswith("act-") and r.active],
                   timeout=60)


def add_dummy(lab: Lab) -> str:
    """act-web created with no constraint; the node the scheduler started it on."""
    no_leftovers(lab)
    ok(lab, ("cibadmin", "--create", "--scope=resources", "--xml-text", PRIMITIVE))
    st = lab.wait_until(f"{RSC} started", lambda st: len(st.running_on(RSC)) == 1, timeout=30)
    return st.running_on(RSC)[0]


def add_promotable(lab: Lab) -> str:
    """The promotable clone created (its role names as the lab's version writes them); the
    node its one promoted instance runs on."""
    roles = ("Promoted", "Unpromoted") if lab.spec.version == "3" else ("Master", "Slave")
    no_leftovers(lab)
    ok(lab, ("cibadmin", "--create", "--scope=resources", "--xml-text",
             PROMOTABLE.format(promoted=roles[0], unpromoted=roles[1])))
    lab.wait_until("one promoted instance", lambda st: len(promoted_on(lab)) == 1, timeout=60)
    return promoted_on(lab)[0]


def another(node: str, *avoid: str) -> str:
    return next(n for n in NODES if n != node and n not in avoid)


def promoted_on(lab: Lab) -> list[str]:
    root = etree.fromstring(lab.crm_mon_xml().encode())
    return sorted(n.get("name") for r in root.iter("resource")
                  if r.get("id") == INSTANCE and r.get("role") in ("Promoted", "Master")
                  for n in r.iterfind("node"))


def ban_warning(rsc: str, node: str, version: str, *, promoted: bool = False) -> str:
    """crm_resource --ban's warning (stdout): 3.0.0 ends the second line with a full stop."""
    what = f"from being promoted on {node}" if promoted else f"from running on {node}"
    stop = "." if version == "3" else ""
    return (f"WARNING: Creating rsc_location constraint 'cli-ban-{rsc}-on-{node}' with a score of "
            f"-INFINITY for resource {rsc} on {node}.\n"
            f"\tThis will prevent {rsc} {what} until the constraint is removed using the clear option "
            f"or by editing the CIB with an appropriate tool{stop}\n"
            f"\tThis will be the case even if {node} is the last node in the cluster\n")


def settled(lab: Lab, impact) -> str | None:
    """None when crm_mon shows every previewed action done, else what still differs."""
    st = lab.status()
    for a in impact.actions:
        rid = a.resource.split(":")[0]  # a clone instance "act-ms:1" is act-ms in crm_mon
        on = st.running_on(rid)
        if a.kind == "move" and on != (a.dest,):
            return f"{a.line()}: crm_mon shows {rid} on {on}"
        if a.kind == "start" and a.node not in on:
            return f"{a.line()}: crm_mon shows {rid} on {on}"
        if a.kind == "stop" and ":" not in a.resource and on:
            return f"{a.line()}: crm_mon shows {rid} still on {on}"
    return None


def wait_settled(lab: Lab, impact, timeout: float = 40) -> None:
    try:
        lab.wait_until("the previewed actions done", lambda st: settled(lab, impact) is None,
                       timeout=timeout)
    except LabError:
        pytest.fail(f"the cluster did not do what the preview said: {settled(lab, impact)}; "
                    f"preview: {impact.lines()}")


# --- move, ban, clear -------------------------------------------------------------------------
def test_move_ban_clear_as_crm_mon_and_the_snapshot_show(anylab):
    lab = anylab
    start = add_dummy(lab)
    version = snapshot(lab).pacemaker_version
    assert version == VERSIONS["lab3" if lab.spec.version == "3" else "lab"]
    target = another(start)

    res = ok(lab, commands.resource_move(RSC, target, version=version))
    assert (res.stdout, res.stderr) == ("", "")
    lab.wait_until(f"{RSC} on {target}", lambda st: st.running_on(RSC) == (target,), timeout=30)
    assert cli_constraints(lab) == {f"cli-prefer-{RSC}": {
        "id": f"cli-prefer-{RSC}", "rsc": RSC, "role": "Started", "node": target, "score": "INFINITY"}}
    snap = snapshot(lab)
    assert resource(snap, RSC).nodes == (target,) and resource(snap, RSC).role == "Started"
    assert not [b for b in snap.bans if b.resource == RSC]  # a preference is not a ban

    again = run(lab, commands.resource_move(RSC, target, version=version))
    assert (again.returncode, again.stdout, again.stderr) == (
        108, "", "crm_resource: Error performing operation: Requested item already exists\n")

    res = ok(lab, commands.resource_move(RSC, start, lifetime="PT1H", version=version))
    assert res.stdout.startswith("Migration will take effect until: ") and res.stdout.endswith("Z\n")
    lab.wait_until(f"{RSC} back on {start}", lambda st: st.running_on(RSC) == (start,), timeout=30)
    prefer = cli_constraints(lab)[f"cli-prefer-{RSC}"]
    assert (prefer.get("node"), prefer["rule_node"], prefer["role"]) == (None, start, "Started")
    ok(lab, commands.resource_move(RSC, target, version=version))  # replaces it (same id)
    lab.wait_until(f"{RSC} on {target}", lambda st: st.running_on(RSC) == (target,), timeout=30)

    res = ok(lab, commands.resource_ban(RSC, target, version=version))
    assert (res.stdout, res.stderr) == (ban_warning(RSC, target, lab.spec.version), "")
    st = lab.wait_until(f"{RSC} off {target}",
                        lambda st: len(st.running_on(RSC)) == 1 and target not in st.running_on(RSC),
                        timeout=30)
    ban_id = f"cli-ban-{RSC}-on-{target}"
    assert cli_constraints(lab)[ban_id] == {"id": ban_id, "rsc": RSC, "role": "Started",
                                            "node": target, "score": "-INFINITY"}
    snap = snapshot(lab)
    assert [(b.id, b.node, b.weight, b.promoted_only) for b in snap.bans if b.resource == RSC] == [
        (ban_id, target, -1000000, False)]
    assert resource(snap, RSC).nodes == st.running_on(RSC)

    res = ok(lab, commands.resource_clear(RSC, version=version))
    assert res.stdout == (f"Removing constraint: {ban_id}\n"
                          f"Removing constraint: cli-prefer-{RSC}\n"), res.stdout
    assert cli_constraints(lab) == {}
    snap = snapshot(lab)
    assert not [b for b in snap.bans if b.resource == RSC]
    assert len(resource(snap, RSC).nodes) == 1  # still running, wherever it is now
    res = ok(lab, commands.resource_clear(RSC, version=version))
    assert (res.stdout, res.stderr) == ("", "")  # nothing left to clear: still exit 0


def test_clear_on_one_node_keeps_the_other_ban(anylab):
    lab = anylab
    start = add_dummy(lab)
    version = snapshot(lab).pacemaker_version
    other = another(start)
    for node in (start, other):
        ok(lab, commands.resource_ban(RSC, node, version=version))
    third = another(start, other)
    lab.wait_until(f"{RSC} on {third}", lambda st: st.running_on(RSC) == (third,), timeout=30)
    res = ok(lab, commands.resource_clear(RSC, start, version=version))
    assert res.stdout == f"Removing constraint: cli-ban-{RSC}-on-{start}\n"
    assert set(cli_constraints(lab)) == {f"cli-ban-{RSC}-on-{other}"}
    assert [b.node for b in snapshot(lab).bans if b.resource == RSC] == [other]


# --- meta attributes: disable/enable, unmanage/manage ---------------------------------------
def test_disable_enable_and_manage_through_meta(anylab):
    lab = anylab
    add_dummy(lab)
    get = commands.resource_meta_get(RSC, "target-role")
    res = run(lab, get)
    # unset: exit 0 with nothing on stdout (not an error code), on both versions
    assert (res.returncode, res.stdout, res.stderr) == (
        0, "", f"Attribute 'target-role' not found for '{RSC}'\n")

    res = ok(lab, commands.resource_disable(RSC))
    assert res.stdout == (f"Set '{RSC}' option: id={RSC}-meta_attributes-target-role "
                          f"set={RSC}-meta_attributes name=target-role value=Stopped\n")
    lab.wait_until(f"{RSC} stopped", lambda st: not st.resources[RSC].active, timeout=30)
    r = resource(snapshot(lab), RSC)
    assert (r.role, r.target_role, r.nodes) == ("Stopped", "Stopped", ())
    assert ok(lab, get).stdout == "Stopped\n"

    res = ok(lab, commands.resource_enable(RSC))
    assert res.stdout == f"Deleted '{RSC}' option: id={RSC}-meta_attributes-target-role name=target-role\n"
    lab.wait_until(f"{RSC} started", lambda st: len(st.running_on(RSC)) == 1, timeout=30)
    r = resource(snapshot(lab), RSC)
    assert (r.role, r.target_role) == ("Started", None)
    assert ok(lab, get).stdout == ""

    # enabling what is enabled: 2.1.5 says nothing, 3.0.0 fails (the done probe must decide)
    again = run(lab, commands.resource_enable(RSC))
    if lab.spec.version == "3":
        assert (again.returncode, again.stdout, again.stderr) == (
            105, "", "crm_resource: Error performing operation: No such object\n")
    else:
        assert (again.returncode, again.stdout, again.stderr) == (0, "", "")

    res = ok(lab, commands.resource_unmanage(RSC))
    assert res.stdout.endswith("name=is-managed value=false\n")
    assert resource(snapshot(lab), RSC).managed is False
    ok(lab, commands.resource_manage(RSC))
    assert resource(snapshot(lab), RSC).managed is True
    assert lab.status().running_on(RSC)  # neither stopped it


# --- restart, refresh, fail counts, fence devices ------------------------------------------
def _start_calls(snap: Snapshot, node: str) -> list[int]:
    return [op.call for h in snap.history if h.resource == RSC and h.node == node
            for op in h.operations if op.task == "start" and op.call is not None]


def test_restart_refresh_failcount_and_fence_devices(anylab):
    lab = anylab
    node = add_dummy(lab)
    before = _start_calls(snapshot(lab), node)
    res = ok(lab, commands.resource_restart(RSC, node))
    assert res.stdout == (
        f"Set '{RSC}' option: id={RSC}-meta_attributes-target-role set={RSC}-meta_attributes "
        "name=target-role value=stopped\n"
        f"Waiting for 1 resources to stop:\n * {RSC}\n"
        f"Deleted '{RSC}' option: id={RSC}-meta_attributes-target-role name=target-role\n"
        f"Waiting for 1 resources to start again:\n * {RSC}\n")
    snap = snapshot(lab)
    assert resource(snap, RSC).nodes == (node,)
    assert max(_start_calls(snap, node)) > max(before)  # it really started again
    wrong = another(node)
    res = run(lab, commands.resource_restart(RSC, wrong))
    assert (res.returncode, res.stderr) == (
        105, f"{RSC} is not running on {wrong} and so cannot be restarted\n"
             "crm_resource: Error performing operation: No such object\n")

    ok(lab, ("crm_resource", "--fail", "--resource", RSC, "--node", node))
    lab.wait_until(f"{RSC} failure recorded",
                   lambda st: any(f["op_key"].startswith(f"{RSC}_") for f in st.failures), timeout=30)
    query = ("crm_failcount", "--query", "--resource", RSC, "--node", node)
    assert ok(lab, query).stdout != f"scope=status  name=fail-count-{RSC} value=0\n"
    res = ok(lab, commands.failcount_delete(RSC, node))
    assert res.stdout.startswith(f"Cleaned up {RSC} on {node}\n"), res.stdout
    assert ok(lab, query).stdout == f"scope=status  name=fail-count-{RSC} value=0\n"
    snap = snapshot(lab)
    assert not [f for f in snap.failures if f.resource == RSC or f.op_key.startswith(f"{RSC}_")]

    # one line per node that has a history of it (right after the fail-count clean-up the
    # node it runs on may have none yet), then one "... got reply" per line
    res = ok(lab, commands.resource_refresh(RSC))
    cleaned = [line for line in res.stdout.splitlines() if line.startswith("Cleaned up ")]
    assert cleaned and set(cleaned) <= {f"Cleaned up {RSC} on {n}" for n in NODES}, res.stdout
    assert res.stdout.endswith("... got reply (done)\n"), res.stdout

    for name in NODES:  # the lab has no fence device (stonith-enabled=false)
        res = run(lab, commands.fence_devices_for(name))
        assert (res.returncode, res.stdout, res.stderr) == (0, "0 fence devices found\n", "")


# --- impact preview vs what then happens ----------------------------------------------------
def _preview(lab: Lab, changes, *, nodes_down=(), xml: bool = True):
    res = run(lab, nodecmds.simulate_changes(tuple(changes), nodes_down=tuple(nodes_down), xml=xml))
    assert res.returncode == 0, res.stderr
    return (parse_simulate_xml if xml else parse_simulate_text)(res.stdout)


def test_preview_of_a_move_lists_the_move_that_happens(anylab):
    lab = anylab
    start = add_dummy(lab)
    target = another(start)
    change = commands.resource_move(RSC, target, version=snapshot(lab).pacemaker_version)
    impact = _preview(lab, [change])
    assert impact.computed, impact.error
    assert [(a.kind, a.resource, a.source, a.dest) for a in impact.actions] == [
        ("move", RSC, start, target)], impact.lines()
    assert _preview(lab, [change], xml=False).actions == impact.actions  # text says the same
    assert cli_constraints(lab) == {} and lab.status().running_on(RSC) == (start,)  # a copy only

    ok(lab, change)
    wait_settled(lab, impact)
    assert resource(snapshot(lab), RSC).nodes == (target,)


def test_preview_of_standby_lists_the_moves_that_happen(anylab):
    lab = anylab
    start = add_dummy(lab)
    # node1 is the only cluster node: in standby, the remotes' connections would stop too
    node = start if start != "node1" else "rn1"
    change = commands.node_standby(node, True)
    impact = _preview(lab, [change])
    assert impact.computed, impact.error
    moved = {a.resource: (a.source, a.dest) for a in impact.actions if a.kind == "move"}
    assert moved.get(f"dummy-{node}", (None,))[0] == node, impact.lines()  # pinned, yet it goes
    if start == node:
        assert moved.get(RSC, (None,))[0] == node, impact.lines()
    assert not impact.stops, impact.lines()
    assert _preview(lab, [change], xml=False).actions == impact.actions
    try:
        ok(lab, change)
        wait_settled(lab, impact)
        st = lab.status()
        for rid, (_, dest) in moved.items():
            assert st.running_on(rid) == (dest,)
    finally:
        run(lab, commands.node_standby(node, False))


def test_preview_with_a_node_down(anylab):
    """3.0.0's crm_simulate cuts its XML short after <modifications> whenever a node is taken
    down (exit 0, no <actions>): the XML reading must say "not computed", never "no resource
    changes"; the text output is complete on both versions."""
    lab = anylab
    add_dummy(lab)
    text = _preview(lab, [], nodes_down=("node1",), xml=False)
    assert text.computed, text.error
    assert text.actions, "taking the only cluster node down changes something"
    xml = _preview(lab, [], nodes_down=("node1",), xml=True)
    if lab.spec.version == "3":
        assert not xml.computed and "no <actions>" in (xml.error or ""), xml.lines()
        assert "no resource changes" not in " ".join(xml.lines())
    else:
        assert xml.computed and xml.actions == text.actions


# --- promote / demote (a promotable clone, as pcs does it) ---------------------------------
def test_promote_and_demote_through_move_and_ban_with_role(anylab):
    lab = anylab
    version = snapshot(lab).pacemaker_version
    was = add_promotable(lab)
    target = another(was)

    change = commands.resource_move(CLONE, target, promoted=True, version=version)
    impact = _preview(lab, [change])
    assert impact.computed, impact.error
    kinds = {(a.kind, a.node or a.dest) for a in impact.actions}
    assert ("promote", target) in kinds and ("demote", was) in kinds, impact.lines()
    res = ok(lab, change)
    assert (res.stdout, res.stderr) == ("", "")
    lab.wait_until(f"promoted on {target}", lambda st: promoted_on(lab) == [target], timeout=60)
    assert cli_constraints(lab)[f"cli-prefer-{CLONE}"]["role"] == "Promoted"  # 2.1.5 too

    res = ok(lab, commands.resource_ban(CLONE, target, promoted=True, version=version))
    assert res.stdout == ban_warning(CLONE, target, lab.spec.version, promoted=True)
    lab.wait_until(f"demoted on {target}",
                   lambda st: len(promoted_on(lab)) == 1 and promoted_on(lab) != [target], timeout=60)
    bans = [(b.id, b.promoted_only) for b in snapshot(lab).bans if b.resource == CLONE]
    assert bans == [(f"cli-ban-{CLONE}-on-{target}", True)]

    res = ok(lab, commands.resource_clear(CLONE, promoted=True, version=version))
    assert sorted(res.stdout.splitlines()) == [f"Removing constraint: cli-ban-{CLONE}-on-{target}",
                                               f"Removing constraint: cli-prefer-{CLONE}"]
    assert cli_constraints(lab) == {}


# --- through the console's own CLI (once helper A's verbs exist) ---------------------------
def _cli_ready() -> str | None:
    res = subprocess.run([sys.executable, "-m", "tui.cli", "plan", "--help"],
                         capture_output=True, text=True, timeout=60)
    if res.returncode != 0 or "move" not in res.stdout or "clear" not in res.stdout:
        return "`pcmk-console plan --help` offers no move/clear yet"
    return None


def console(lab: Lab, *args: str, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PCMK_CONSOLE_STATE_DIR=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("CIB_file", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", "--config", str(lab.config_path), *args],
                          capture_output=True, text=True, env=env, timeout=240,
                          stdin=subprocess.DEVNULL)


def plan_json(lab: Lab, *args: str, tmp_path) -> dict:
    res = console(lab, "plan", *args, "--json", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    doc = json.loads(res.stdout)
    assert {"plan", "impact"} <= set(doc), doc
    return doc


def impact_of(doc: dict) -> Impact:
    """`plan --json`'s impact back into the Impact it was made from."""
    j = doc["impact"]
    return Impact(tuple(ImpactAction(**a) for a in j["actions"]), error=j["error"])


@pytest.fixture
def cli(anylab):
    reason = _cli_ready()
    if reason:
        pytest.skip(reason)
    return anylab


def test_cli_plan_previews_and_apply_moves_bans_clears_disables(cli, tmp_path):
    lab = cli
    start = add_dummy(lab)
    target = another(start)

    doc = plan_json(lab, "move", RSC, target, tmp_path=tmp_path)
    assert [s["argv"] for s in doc["plan"]["steps"]] == [
        list(commands.resource_move(RSC, target, version=snapshot(lab).pacemaker_version))]
    assert doc["impact"]["computed"], doc["impact"]
    assert [(a["kind"], a["resource"], a.get("source"), a.get("dest"))
            for a in doc["impact"]["actions"]] == [("move", RSC, start, target)]
    assert cli_constraints(lab) == {} and lab.status().running_on(RSC) == (start,)  # plan only

    res = console(lab, "apply", "move", RSC, target, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"{RSC} on {target}", lambda st: st.running_on(RSC) == (target,), timeout=30)
    assert set(cli_constraints(lab)) == {f"cli-prefer-{RSC}"}

    res = console(lab, "apply", "ban", RSC, target, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"{RSC} off {target}",
                   lambda st: st.running_on(RSC) and target not in st.running_on(RSC), timeout=30)

    res = console(lab, "apply", "clear", RSC, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    assert cli_constraints(lab) == {}

    res = console(lab, "apply", "disable", RSC, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"{RSC} stopped", lambda st: not st.resources[RSC].active, timeout=30)
    res = console(lab, "apply", "enable", RSC, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"{RSC} started", lambda st: len(st.running_on(RSC)) == 1, timeout=30)


def test_cli_standby_preview_is_what_the_cluster_then_does(cli, tmp_path):
    lab = cli
    start = add_dummy(lab)
    node = start if start != "node1" else "rn1"
    impact = impact_of(plan_json(lab, "standby", node, tmp_path=tmp_path))
    assert impact.computed, impact.error
    assert f"dummy-{node}" in {a.resource for a in impact.actions if a.kind == "move"}, impact.lines()
    assert not lab.status().nodes[node].standby  # plan only
    try:
        res = console(lab, "apply", "standby", node, "--yes", tmp_path=tmp_path)
        assert res.returncode == 0, res.stderr + res.stdout
        assert "preview" in res.stdout and impact.lines()[0] in res.stdout  # shown before it ran
        assert lab.status().nodes[node].standby
        wait_settled(lab, impact)
    finally:
        res = console(lab, "apply", "unstandby", node, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    assert not lab.status().nodes[node].standby


def test_cli_fence_without_a_device_is_refused_before_stonith_admin(cli, tmp_path):
    lab = cli
    doc = plan_json(lab, "fence", "rn1", tmp_path=tmp_path)
    assert doc["plan"]["steps"][-1].get("argv") == list(commands.node_fence("rn1"))
    impact = impact_of(doc)
    # 3.0.0's XML with --node-down has no <actions>: the preview is read from the text
    # summary whenever a node is taken down, on both versions
    assert impact.computed, doc["impact"]
    res = console(lab, "apply", "fence", "rn1", "--yes", tmp_path=tmp_path)
    assert res.returncode != 0, res.stdout
    assert "0 fence devices found" in res.stdout and "no fence device can fence rn1" in res.stdout
    assert "not run: 2." in res.stdout
    hist = ok(lab, ("stonith_admin", "--history", "*"))
    assert hist.stdout == "0 events found\n"  # stonith_admin --reboot never ran
    assert lab.status().node_up("rn1")


def _failures_of(snap: Snapshot) -> list:
    return [f for f in snap.failures if f.resource == RSC or f.op_key.startswith(f"{RSC}_")]


def test_cli_clear_failcounts_restart_and_enable_when_enabled(cli, tmp_path):
    lab = cli
    node = add_dummy(lab)
    ok(lab, ("crm_resource", "--fail", "--resource", RSC, "--node", node))
    lab.wait_until(f"{RSC} failure recorded", lambda st: any(
        f["op_key"].startswith(f"{RSC}_") for f in st.failures), timeout=30)
    res = console(lab, "apply", "clear-failcounts", node, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    assert " ".join(commands.failcount_delete(RSC, node)) in res.stdout
    assert not _failures_of(snapshot(lab))
    assert ok(lab, ("crm_failcount", "--query", "--resource", RSC, "--node", node)).stdout == (
        f"scope=status  name=fail-count-{RSC} value=0\n")

    node = lab.wait_until(f"{RSC} running", lambda st: len(st.running_on(RSC)) == 1).running_on(RSC)[0]
    # after the clean-up its history there may be just the re-probe (no start): any call
    before = max((op.call or 0 for h in snapshot(lab).history if h.resource == RSC and h.node == node
                  for op in h.operations), default=0)
    res = console(lab, "apply", "restart", RSC, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    assert max(_start_calls(snapshot(lab), node)) > before

    # target-role unset: the delete would fail on 3.0.0 (exit 105), so the plan must skip it
    cib_before = ok(lab, ("cibadmin", "--query", "--scope=resources")).stdout
    for verb in ("enable", "manage"):
        res = console(lab, "apply", verb, RSC, "--yes", tmp_path=tmp_path)
        assert res.returncode == 0, res.stderr + res.stdout
        assert "nothing ran" in res.stdout + res.stderr, res.stdout
    assert ok(lab, ("cibadmin", "--query", "--scope=resources")).stdout == cib_before


def test_cli_promote_and_demote(cli, tmp_path):
    lab = cli
    was = add_promotable(lab)
    target = another(was)
    doc = plan_json(lab, "promote", CLONE, target, tmp_path=tmp_path)
    impact = impact_of(doc)
    assert impact.computed, impact.error
    assert ("promote", target) in {(a.kind, a.node or a.dest) for a in impact.actions}, impact.lines()
    res = console(lab, "apply", "promote", CLONE, target, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"promoted on {target}", lambda st: promoted_on(lab) == [target], timeout=60)
    res = console(lab, "apply", "demote", CLONE, target, "--yes", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    lab.wait_until(f"not promoted on {target}",
                   lambda st: len(promoted_on(lab)) == 1 and promoted_on(lab) != [target], timeout=60)
    assert [b.promoted_only for b in snapshot(lab).bans if b.resource == CLONE] == [True]


def _host_major() -> str | None:
    res = subprocess.run(["crm_mon", "--version"], capture_output=True, text=True)
    words = res.stdout.split()
    return words[1].split(".")[0] if res.returncode == 0 and len(words) > 1 else None


def test_cib_file_preview_of_a_saved_lab_cib(cli, tmp_path):
    """`pcmk-console --cib-file FILE plan standby NODE` with no cluster: this machine's own
    Pacemaker tools on a CIB saved from the lab. Same major release: the preview equals the
    live one and the file is not touched; a 3.0 CIB (pacemaker-4.0 schema) with 2.1.5 tools
    here: refused, saying why."""
    lab = cli
    start = add_dummy(lab)
    node = start if start != "node1" else "rn1"
    saved = tmp_path / "cib.xml"
    saved.write_text(ok(lab, ("cibadmin", "--query")).stdout)
    before = saved.read_bytes()
    env = dict(os.environ, PCMK_CONSOLE_STATE_DIR=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("CIB_file", None)
    res = subprocess.run([sys.executable, "-m", "tui.cli", "--cib-file", str(saved), "plan", "standby",
                          node, "--json"], capture_output=True, text=True, env=env, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert saved.read_bytes() == before
    if _host_major() != lab.spec.version:
        assert res.returncode != 0 and "nothing ran" in res.stderr, res.stdout + res.stderr
        assert str(saved) in res.stderr
        return
    assert res.returncode == 0, res.stderr + res.stdout
    offline = impact_of(json.loads(res.stdout))
    assert offline.computed, offline.error
    live = impact_of(plan_json(lab, "standby", node, tmp_path=tmp_path))
    assert offline.actions == live.actions, (offline.lines(), live.lines())


def test_cli_enable_of_an_enabled_resource_still_has_a_preview(cli, tmp_path):
    """3.0.0 refuses to delete an unset target-role (exit 105); the preview sets the default
    (Started) instead, so a no-op is previewed as one rather than "not available"."""
    lab = cli
    add_dummy(lab)
    assert run(lab, commands.resource_meta_get(RSC, "target-role")).stdout == ""  # not set
    impact = impact_of(plan_json(lab, "enable", RSC, tmp_path=tmp_path))
    assert impact.computed and impact.stops == (), impact.lines()
