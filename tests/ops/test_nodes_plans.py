"""The node wizards' plans, built without a cluster: the primitive pcs creates per version, the
step order of each plan, recipes that rebuild the same plan, and the rendering (exact
commands, file writes with owner/mode, never key bytes)."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from tui.ops import recipes
from tui.ops.nodes import plans
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.inputs import AddGuest, AddRemote, RemoveNode
from tui.ops.nodes.preflight import CheckOutcome
from tui.ops.nodes.wizards import WIZARDS, resolve_method
from tui.ops.plan import CheckStep, ReadSecretStep, RunStep, WaitStep, WriteFileStep
from tui.ops.render import render_plan

FACTS = ClusterFacts(version="2.1.5", cluster_nodes=("node1", "node2"), cluster_online=("node1", "node2"),
                     remote_nodes=("rn1",), guest_nodes=("gn1",),
                     node_addresses={"rn1": "10.0.0.21", "gn1": "10.0.0.41"},
                     resource_ids=("rn1", "vm-gn1", "vm-new"), guest_resources={"vm-gn1": "gn1"})


def ops_of(xml: str) -> list[tuple[str, str, str, str]]:
    root = etree.fromstring(xml)
    return [(op.get("id"), op.get("name"), op.get("interval"), op.get("timeout")) for op in root.iter("op")]


@pytest.mark.parametrize("version,monitor,reload_agent", [
    ("2.0.5", "60s", False), ("2.1.5", "60s", True), ("3.0.0", "60s", True), ("3.0.1", "30s", True),
    ("3.0.2", "30s", True), (None, "60s", True)])
def test_remote_operations_follow_the_agent_metadata_of_that_version(version, monitor, reload_agent):
    ops = plans.remote_operations(version)
    names = [name for name, _, _ in ops]
    assert names == sorted(names)  # pcs writes them sorted by name
    assert ("monitor", monitor, "30s") in ops
    assert ("reload-agent" in names) is reload_agent
    assert {"start", "stop", "migrate_to", "migrate_from", "reload"} <= set(names)
    assert not {"meta-data", "status", "validate-all"} & set(names)
    assert all(timeout == "60s" for name, _, timeout in ops if name != "monitor")


def test_the_primitive_is_the_one_pcs_0_11_writes_on_2_1_5():
    xml = plans.remote_primitive_xml("rn3", "10.0.0.23", port=3122, reconnect_interval="60s",
                                     meta={"resource-stickiness": "100"}, version="2.1.5")
    root = etree.fromstring(xml)
    assert (root.get("id"), root.get("class"), root.get("provider"), root.get("type")) == \
        ("rn3", "ocf", "pacemaker", "remote")
    assert [child.tag for child in root] == ["instance_attributes", "meta_attributes", "operations"]
    nv = [(n.get("id"), n.get("name"), n.get("value")) for n in root.find("instance_attributes")]
    assert nv == [("rn3-instance_attributes-port", "port", "3122"),
                  ("rn3-instance_attributes-reconnect_interval", "reconnect_interval", "60s"),
                  ("rn3-instance_attributes-server", "server", "10.0.0.23")]
    assert root.find("instance_attributes").get("id") == "rn3-instance_attributes"
    assert ("rn3-monitor-interval-60s", "monitor", "60s", "30s") in ops_of(xml)
    assert ("rn3-start-interval-0s", "start", "0s", "60s") in ops_of(xml)


def test_the_primitive_matches_the_simulated_pcs():
    """tui.sim's pcs writes the 2.1.5 metadata's operations: the direct method writes the same."""
    from tui.sim.pcs import DEFAULT_OPS
    wanted = sorted((op.name, op.interval, op.timeout) for op in DEFAULT_OPS)
    assert sorted(plans.remote_operations("2.1.5")) == wanted


def test_hostile_names_never_reach_the_xml():
    with pytest.raises(ValueError):
        plans.remote_primitive_xml("x'] | //*[@id='", "10.0.0.1")


def kinds(plan):
    return [type(s).__name__ for s in plan.steps]


def ids(plan):
    return [s.id for s in plan.steps]


def test_direct_add_remote_order_and_hosts():
    plan = plans.add_remote(name="rn3", address="10.0.0.23", method="direct", facts=FACTS.to_json(),
                            key_host="node1", authkey_sha256="ab" * 32)
    assert ids(plan) == ["key-location-source", "key-location-target", "target-key-free", "read-authkey",
                         "write-authkey", "start-remoted", "create-connection", "wait-online"]
    assert plan.mutates and isinstance(plan.steps[-1], WaitStep)
    write = plan.step("write-authkey")
    assert isinstance(write, WriteFileStep) and (write.owner, write.group, write.mode) == ("hacluster", "haclient", 0o400)
    assert write.host == "10.0.0.23" and plan.step("start-remoted").host == "10.0.0.23"
    assert isinstance(plan.step("read-authkey"), ReadSecretStep) and plan.step("read-authkey").host == "node1"
    assert plan.step("create-connection").host is None  # the cluster node the console uses
    assert plan.step("wait-online").attempts * plan.step("wait-online").interval <= 120


def test_the_key_goes_where_PCMK_authkey_location_says():
    plan = plans.add_remote(name="rn3", address="10.0.0.23", method="direct", facts=FACTS.to_json(),
                            authkey_source="/etc/pacemaker/cluster.key", authkey_target="/srv/key")
    assert plan.step("read-authkey").path == "/etc/pacemaker/cluster.key"
    assert plan.step("write-authkey").path == "/srv/key"
    assert plan.step("target-key-free").probe == ("sha256sum", "/srv/key")


def test_pcs_add_remote_with_options_sets_them_as_meta_after():
    plan = plans.add_remote(name="rn3", address="10.0.0.23", port=3122, reconnect_interval="1m",
                            options=[("resource-stickiness", "10")], method="pcs", facts=FACTS.to_json())
    assert plan.steps[0].argv == ("pcs", "cluster", "node", "add-remote", "rn3", "10.0.0.23", "port=3122",
                                  "reconnect_interval=1m")
    assert plan.steps[1].argv[-3:] == ("resource-stickiness", "--parameter-value", "10")
    assert not any(isinstance(s, (ReadSecretStep, WriteFileStep)) for s in plan.steps)


def test_direct_add_guest_sets_remote_node_last():
    plan = plans.add_guest(name="gn3", resource="vm-new", port=3122, method="direct", facts=FACTS.to_json())
    metas = [s.argv for s in plan.steps if isinstance(s, RunStep) and s.argv[0] == "crm_resource"]
    assert [a[5] for a in metas] == ["remote-addr", "remote-port", "remote-node"]
    assert metas[0][-1] == "gn3"  # remote-addr always, the name by default (as pcs)


def test_remove_remote_stops_and_waits_before_the_daemon_stops():
    plan = plans.remove_remote(name="rn1", method="direct", facts=FACTS.to_json())
    order = ids(plan)
    assert order == ["stop-connection", "wait-stopped", "delete-connection", "stop-remoted", "forget-node",
                     "remove-authkey", "wait-gone"]
    assert plan.step("stop-remoted").host == "10.0.0.21" and plan.step("remove-authkey").host == "10.0.0.21"
    assert plan.step("forget-node").argv == ("crm_node", "--force", "--remove", "rn1")
    keep = plans.remove_remote(name="rn1", method="direct", remove_authkey=False, facts=FACTS.to_json())
    assert "remove-authkey" not in ids(keep)


def test_remove_guest_unsets_remote_node_and_waits_first():
    plan = plans.remove_guest(name="gn1", method="direct", facts=FACTS.to_json())
    order = ids(plan)
    assert order[:2] == ["unset-remote-node", "wait-stopped"]
    assert order.index("wait-stopped") < order.index("stop-remoted") < order.index("forget-node")
    assert isinstance(plan.steps[-1], WaitStep)


ALL_PLANS = [
    ("add_remote", dict(name="rn3", address="10.0.0.23", port=3121, reconnect_interval="60s", options=[],
                        authkey_sha256="ab" * 32)),
    ("add_guest", dict(name="gn3", resource="vm-new", address=None, port=None, connect_timeout="30s")),
    ("remove_remote", dict(name="rn1", kind="remote", remove_authkey=True)),
    ("remove_guest", dict(name="gn1", kind="guest", remove_authkey=False)),
]


@pytest.mark.parametrize("method", ["pcs", "direct"])
@pytest.mark.parametrize("name,kwargs", ALL_PLANS)
def test_recipes_rebuild_the_same_plan(name, kwargs, method):
    plan = plans.BUILDERS[name](**kwargs, method=method, facts=FACTS.to_json())
    again = recipes.decode(recipes.encode(plan))
    assert plan.recipe[0] == name and json.loads(recipes.encode(plan))
    assert ids(again) == ids(plan)
    assert [getattr(s, "argv", None) for s in again.steps] == [getattr(s, "argv", None) for s in plan.steps]
    assert render_plan(again, "node1") == render_plan(plan, "node1")
    assert isinstance(plan.steps[-1], WaitStep) and plan.mutates


@pytest.mark.parametrize("name,kwargs", ALL_PLANS)
def test_rendering_shows_every_command_and_no_key(name, kwargs):
    plan = plans.BUILDERS[name](**kwargs, method="direct", facts=FACTS.to_json())
    text = render_plan(plan, "node1")
    for step in plan.steps:
        if isinstance(step, RunStep):
            import shlex
            assert shlex.join(step.argv) in text
        if isinstance(step, WriteFileStep):
            assert "(hacluster:haclient 0400)" in text
    assert "never shown, logged or journalled" in text or name.startswith("remove")


def test_builders_refuse_an_unresolved_method():
    with pytest.raises(ValueError):
        plans.add_remote(name="rn3", method="auto", facts=FACTS.to_json())


def outcome(step_id, level="ok", found=()):
    return CheckOutcome(step_id, step_id, "node1", level, "seen", None, tuple(found))


def test_resolve_method():
    inp = AddRemote(name="rn3")
    good = [outcome("pcs-present"), outcome("pcs-host-known"), outcome("remoted-not-running")]
    assert resolve_method(inp, FACTS, good) == "pcs"
    assert resolve_method(inp, FACTS, good[:2] + [outcome("remoted-not-running", "warn")]) == "direct"
    assert resolve_method(inp, FACTS, [outcome("pcs-present", "warn")] + good[1:]) == "direct"
    assert resolve_method(AddRemote(name="rn3", method="pcs"), FACTS, ()) == "pcs"
    assert resolve_method(RemoveNode(name="gn1", kind="guest"), FACTS, good) == "direct"
    assert resolve_method(AddGuest(name="g", resource="vm-new", connect_timeout="PT1M"), FACTS,
                          good + [outcome("pcs-duration", "warn")]) == "direct"


def test_wizard_plans_take_key_facts_from_the_outcomes():
    found = [("key_host", "node2"), ("location:node2", "/k/cluster"), ("sha256", "cd" * 32)]
    outs = [outcome("authkey-cluster", found=found), outcome("authkey-target", found=[("target_location", "/k/t")])]
    plan = WIZARDS["add-remote"].plan(AddRemote(name="rn3", address="10.0.0.23"), FACTS, "direct", outs)
    assert plan.step("read-authkey").host == "node2" and plan.step("read-authkey").path == "/k/cluster"
    assert plan.step("write-authkey").path == "/k/t"
    assert plan.recipe[1]["authkey_sha256"] == "cd" * 32
    bare = WIZARDS["add-remote"].plan(AddRemote(name="rn3"), FACTS, "direct")
    assert bare.step("write-authkey").path == "/etc/pacemaker/authkey"
    with pytest.raises(TypeError):
        WIZARDS["add-remote"].plan(RemoveNode(name="rn1", kind="remote"), FACTS, "direct")


def test_every_wizard_has_the_same_shape():
    assert set(WIZARDS) == {"add-remote", "add-guest", "remove-remote", "remove-guest"}
    for kind, wizard in WIZARDS.items():
        assert wizard.kind == kind and wizard.title and callable(wizard.preflight) and callable(wizard.plan)


def test_preflight_plans_only_read():
    for kind, inp in (("add-remote", AddRemote(name="rn3", address="10.0.0.23")),
                      ("add-guest", AddGuest(name="gn3", resource="vm-new")),
                      ("remove-remote", RemoveNode(name="rn1", kind="remote")),
                      ("remove-guest", RemoveNode(name="gn1", kind="guest"))):
        plan = WIZARDS[kind].preflight(inp, FACTS)
        assert not plan.mutates and plan.steps and all(isinstance(s, CheckStep) for s in plan.steps)
        assert plan.steps[0].id == "inputs"


@pytest.mark.parametrize("method", ["pcs", "direct"])
def test_remove_remote_stops_the_connection_before_anything_touches_the_daemon(method):
    """Measured in the lab: pacemaker_remote stopped under a running connection is a failed
    action and ~75 s of settling; pcs 0.11 stops the daemon first, so the plan stops and
    waits for the connection itself, whichever method."""
    plan = plans.remove_remote(name="rn1", method=method, facts=None)
    ids = [s.id for s in plan.steps]
    assert ids[:2] == ["stop-connection", "wait-stopped"]
    daemon = next(i for i, s in enumerate(plan.steps) if s.id in ("stop-remoted", "pcs-remove-remote"))
    assert daemon > ids.index("wait-stopped")
