"""crm_mon XML -> Snapshot, on outputs rendered by real crm_mon 2.1.5 and Pacemaker 3.x."""

from __future__ import annotations

import json

import pytest

from tests.pacemaker.conftest import CRM_MON, load, snapshot
from tui.pacemaker.crm_mon import parse_status, pacemaker_version
from tui.pacemaker.model import ConditionKind, NodeKind, ResourceKind, Snapshot, Unavailable


def test_summary(full):
    s = full.summary
    assert (s.stack, s.dc, s.dc_version, s.with_quorum) == ("corosync", "node1", "2.1.5-a3f44794f94", True)
    assert s.last_change_user == "root" and s.last_change_client == "cibadmin"
    assert s.last_change_origin == "node1"
    assert (s.nodes_configured, s.resources_configured) == (11, 45)
    assert s.stonith_enabled and s.symmetric_cluster and not s.maintenance_mode
    assert s.no_quorum_policy == "stop"
    assert full.api_version == "2.25" and full.pacemaker_version == "2.1.5"
    assert full.conditions == ()


def test_node_kinds_and_states(full):
    by = {n.name: n for n in full.nodes}
    kinds = {name: str(n.kind) for name, n in by.items()}
    assert kinds == {
        "node1": "cluster", "node2": "cluster", "node3": "cluster", "node4": "cluster",
        "qdevice": "ping", "remote1": "remote", "remote2": "remote", "gn1": "guest",
        "gn2": "guest", "web-bundle-0": "bundle", "web-bundle-1": "bundle",
    }
    assert by["node1"].is_dc and by["node1"].online and by["node1"].resources_running == 14
    assert by["node2"].standby and by["node2"].online
    assert by["node3"].unclean and not by["node3"].online and by["node3"].expected_up
    assert by["node4"].maintenance
    assert by["remote2"].unclean and not by["remote2"].online
    assert by["gn2"].online is False and by["web-bundle-1"].online is False
    assert by["node1"].attributes == {"pingd": "1000"}
    assert by["remote1"].attributes == {"site": "dc-east"}
    assert by["node2"].attributes == {}
    assert by["node1"].health == "green"


def test_remote_guest_bundle_links(full):
    by = {n.name: n for n in full.nodes}
    r1 = by["remote1"]
    assert (r1.connection_resource, r1.host, r1.container_resource) == ("remote1", "node1", None)
    g1 = by["gn1"]
    assert (g1.container_resource, g1.connection_resource, g1.host) == ("vm-gn1", "gn1", "node1")
    # a stopped container: no host
    assert by["gn2"].container_resource == "vm-gn2" and by["gn2"].host is None
    b0 = by["web-bundle-0"]
    assert (b0.bundle, b0.container_resource, b0.connection_resource, b0.host) == (
        "web-bundle", "web-bundle-docker-0", "web-bundle-0", "node1")
    assert by["node1"].connection_resource is None and by["node1"].host is None


def test_resource_tree(full):
    top = {r.id: r for r in full.resources}
    assert top["fence1"].agent == "stonith:fence_xvm" and top["fence1"].nodes == ("node1",)
    assert top["failing"].failed and top["failing"].role == "Started"
    assert top["maint-rsc"].managed is False
    assert top["ticketed"].role == "Stopped" and not top["ticketed"].active

    group = top["app-group"]
    assert group.kind is ResourceKind.GROUP and [c.id for c in group.children] == ["app-ip", "app"]
    assert group.active and group.nodes == ("node1",)

    clone = top["stateful-clone"]
    assert clone.kind is ResourceKind.CLONE and clone.promotable
    roles = sorted((c.role, c.nodes) for c in clone.children if c.active)
    assert roles == [("Promoted", ("node1",)), ("Unpromoted", ("node2",))]
    assert clone.role == "Promoted" and not top["ping-clone"].promotable

    bundle = top["web-bundle"]
    assert (bundle.kind, bundle.container_type, bundle.image) == (ResourceKind.BUNDLE, "docker", "pcmk:web")
    assert [r.kind for r in bundle.children] == [ResourceKind.REPLICA, ResourceKind.REPLICA]
    replica0 = bundle.children[0]
    assert replica0.id == "0" and replica0.active and replica0.nodes == ("node1",)
    assert [c.id for c in replica0.children] == [
        "web-bundle-ip-192.0.2.50", "web", "web-bundle-docker-0", "web-bundle-0"]
    assert not bundle.children[1].active
    assert {r.id for r in full.all_resources()} >= {"web", "app", "gn1", "gn2"}


def test_failures_history_tickets_bans(full):
    failures = {f.resource: f for f in full.failures}
    mon = failures["failing"]
    assert (mon.op_key, mon.node, mon.task, mon.interval_ms) == ("failing_monitor_10000", "node1", "monitor", 10000)
    assert (mon.exit_status, mon.exit_reason, mon.exit_code, mon.call) == ("not running", "process vanished", 7, 17)
    start = failures["remote2"]
    assert start.status == "Timed Out" and start.exit_reason == "Lost connection to remote executor"

    hist = {(h.node, h.resource): h for h in full.history}
    failing = hist[("node1", "failing")]
    assert failing.fail_count == 3 and failing.migration_threshold == 1000000
    monitor = [o for o in failing.operations if o.task == "monitor"][0]
    assert (monitor.rc, monitor.interval_ms, monitor.exec_time_ms) == (7, 10000, 12)
    assert hist[("node1", "remote2")].fail_count == 1000000  # INFINITY

    tickets = {t.id: t for t in full.tickets}
    assert tickets["ticketA"].granted and tickets["ticketA"].last_granted
    assert not tickets["ticketB"].granted and tickets["ticketB"].standby
    assert [(b.id, b.resource, b.node, b.weight, b.promoted_only) for b in full.bans] == [
        ("cli-ban-dummy-on-node2", "dummy", "node2", -1000000, False)]


def test_default_xml_sections_match_the_explicit_include(full):
    # crm_mon's XML output carries tickets and bans without --include (text mode does not)
    s = snapshot("full.default.xml")
    assert s.tickets == full.tickets and s.bans == full.bans and s.nodes == full.nodes


def test_maintenance_mode_cluster_options():
    s = snapshot("maintenance-mode.xml")
    o = s.summary
    assert o.maintenance_mode and o.stop_all_resources and not o.stonith_enabled
    assert not o.symmetric_cluster and o.no_quorum_policy == "ignore"
    assert o.dc is None and o.with_quorum is None and o.stack is None or o.stack == "unknown"
    assert o.resources_disabled == 1
    assert s.pacemaker_version is None


def test_pacemaker_3_basic_output():
    s = snapshot("cts-basic.xml")  # Pacemaker 3.x, api-version sanitised to "X"
    assert s.api_version == "X" and s.summary.stonith_enabled
    kinds = {n.name: n.kind for n in s.nodes}
    assert kinds["httpd-bundle-0"] is NodeKind.BUNDLE and kinds["cluster01"] is NodeKind.CLUSTER
    b1 = s.node("httpd-bundle-1")
    assert b1.host == "cluster02" and b1.bundle == "httpd-bundle"
    clone_group = next(r for r in s.resources if r.id == "mysql-clone-group")
    assert [c.kind for c in clone_group.children] == [ResourceKind.GROUP] * 5
    assert clone_group.nodes == ("cluster02", "cluster01")
    inactive = next(r for r in s.resources if r.id == "inactive-group")
    assert inactive.disabled and inactive.role == "Stopped"
    assert s.bans[0].id == "not-on-cluster1"
    assert s.node("cluster01").attributes["pingd"] == "1000"


def test_stderr_lines_ahead_of_the_document_are_skipped():
    s = snapshot("cts-partial.xml")
    assert len(s.nodes) == 4


def test_pacemaker_3_0_2_fields():
    s = snapshot("handwritten/pacemaker-3.0.2.xml")
    assert s.api_version == "2.42" and s.pacemaker_version == "3.0.2"
    assert s.summary.pacemakerd_state == "running"
    assert s.summary.stonith_enabled is False  # fencing-enabled wins
    svc = next(r for r in s.resources if r.id == "svc")
    assert svc.maintenance and svc.locked_to == "rem1" and not svc.managed
    assert s.node("rem1").health == "yellow" and s.node("rem1").host == "node1"


def test_legacy_crm_mon_root():
    s = snapshot("handwritten/legacy-2.0.xml")
    assert s.api_version is None and s.pacemaker_version == "2.0.1"
    assert s.summary.with_quorum is False
    assert s.node("guest-a").kind is NodeKind.GUEST and s.node("guest-a").host == "alpha"
    assert s.node("rem-a").kind is NodeKind.REMOTE
    db = next(r for r in s.resources if r.id == "msl_db")
    assert db.children[0].role == "Promoted"  # "Master" normalised
    assert {f.resource for f in s.failures} == {"db", "rem-a"}
    assert next(f for f in s.failures if f.resource == "rem-a").task == "migrate_to"
    assert s.fence_history[0].target == "beta" and s.fence_history[0].status == "success"
    assert s.bans[0].promoted_only and not s.tickets[0].granted


def test_fence_history():
    s = snapshot("handwritten/fence-history.xml")
    events = [(e.target, e.action, e.status) for e in s.fence_history]
    assert events == [("node3", "reboot", "failed"), ("remote2", "off", "success"),
                      ("gn2", "reboot", "pending")]
    assert s.fence_history[0].exit_reason == "No fence device configured for target"
    assert s.fence_history[1].delegate == "solo" and s.fence_history[2].completed is None


@pytest.mark.parametrize("name, kind, exit_code, message", [
    ("not-connected.xml", ConditionKind.NOT_CONNECTED, 102, "Not connected"),
    ("missing-cib-file.xml", ConditionKind.ERRORS, 0,
     "Could not connect to the CIB: No such device or address"),
    ("handwritten/insufficient-privileges.xml", ConditionKind.INSUFFICIENT_PRIVILEGES, 4,
     "Insufficient privileges"),
    ("handwritten/pacemakerd-starting.xml", ConditionKind.PACEMAKERD_STARTING, 0, None),
    ("handwritten/pacemakerd-stopping.xml", ConditionKind.PACEMAKERD_STOPPING, 102, None),
    ("handwritten/disconnected-3.0.xml", ConditionKind.DISCONNECTED, 102,
     "Waiting for initial connection"),
    ("handwritten/disconnected-3.0-starting.xml", ConditionKind.PACEMAKERD_STARTING, 102, None),
])
def test_failure_shapes(name, kind, exit_code, message):
    if not (CRM_MON / name).exists():
        pytest.skip(f"{name} not captured (a cluster answered when fixtures were rendered)")
    outcome = parse_status(load(name), exit_code=exit_code)
    assert isinstance(outcome, Unavailable)
    assert outcome.condition.kind is kind and outcome.condition.exit_code == exit_code
    if message:
        assert outcome.condition.message == message


def test_not_connected_keeps_the_clusters_words():
    outcome = parse_status(load("not-connected.xml"), 102)
    assert "Connection to cluster failed: Connection refused" in outcome.condition.details[-1]


def test_exit_code_without_xml():
    outcome = parse_status(b"", 102, "crm_mon: Connection to cluster failed\n")
    assert outcome.condition.kind is ConditionKind.NOT_CONNECTED
    assert outcome.condition.message == "crm_mon: Connection to cluster failed"
    outcome = parse_status("", 4, "")
    assert outcome.condition.kind is ConditionKind.INSUFFICIENT_PRIVILEGES
    outcome = parse_status("", 1, "boom")
    assert outcome.condition.kind is ConditionKind.COMMAND_FAILED and outcome.condition.exit_code == 1
    outcome = parse_status("", 0, "")
    assert outcome.condition.kind is ConditionKind.MALFORMED and "nothing" in outcome.condition.message


def test_errors_next_to_state_become_conditions():
    text = load("maintenance-mode.xml").decode().replace(
        '<status code="0" message="OK"/>',
        '<status code="0" message="OK"><errors><error>partial trouble</error></errors></status>')
    s = parse_status(text)
    assert isinstance(s, Snapshot)
    assert [(c.kind, c.message) for c in s.conditions] == [(ConditionKind.ERRORS, "partial trouble")]


def test_str_and_bytes_agree(full):
    assert parse_status(load("full.xml").decode()) == full


def test_pacemaker_version():
    assert pacemaker_version("2.0.4+20200616.2deceaa3a-3.3.1-2.0.4+20200616.2deceaa3a") == "2.0.4"
    assert pacemaker_version("1.1.16-12.el7-94ff4df") == "1.1.16"
    assert pacemaker_version("") is None and pacemaker_version("garbage") is None


def test_every_fixture_gives_an_outcome():
    for path in sorted(CRM_MON.rglob("*.xml")):
        outcome = parse_status(path.read_bytes())
        assert isinstance(outcome, (Snapshot, Unavailable)), path
    assert json.loads((CRM_MON / "captures.json").read_text())["_crm_mon_version"]


def test_legacy_agent_names_are_normalised_so_remotes_link():
    s = snapshot("handwritten/legacy-2.0.xml")
    rem = s.node("rem-a")
    assert (rem.connection_resource, rem.host) == ("rem-a", "alpha")
    assert next(r for r in s.resources if r.id == "rem-a").agent == "ocf:pacemaker:remote"


def test_failing_exit_that_still_printed_state_keeps_both():
    text = load("maintenance-mode.xml").decode().replace(
        '<status code="0" message="OK"/>', '<status code="1" message="Error occurred"/>')
    s = parse_status(text, 1)
    assert isinstance(s, Snapshot) and s.nodes[0].name == "solo"
    assert [(c.kind, c.message, c.exit_code) for c in s.conditions] == [
        (ConditionKind.COMMAND_FAILED, "Error occurred", 1)]


def test_remote_node_still_starting_is_not_online():
    # crm_mon briefly reports online="true" while the connection resource is still starting
    text = load("full.xml").decode()
    text = text.replace(
        '<resource id="remote1" resource_agent="ocf:pacemaker:remote" role="Started"',
        '<resource id="remote1" resource_agent="ocf:pacemaker:remote" role="Started" pending="Starting"')
    s = parse_status(text)
    assert s.node("remote1").online is False
    assert snapshot("full.xml").node("remote1").online is True


def test_missing_optional_attributes_take_defaults():
    import re

    text = load("full.xml").decode()
    # keep only what every api-version has on <node>: name, id, type, id_as_resource
    def strip(match):
        keep = re.findall(r'\b(?:name|id|type|id_as_resource)="[^"]*"', match.group(0))
        return "<node " + " ".join(keep) + "/>"
    text = re.sub(r"<node name=[^>]*type=[^>]*/>", strip, text)
    s = parse_status(text)
    assert isinstance(s, Snapshot) and len(s.nodes) == 11
    n = s.node("node1")
    assert (n.online, n.standby, n.is_dc, n.resources_running, n.health, n.feature_set) == (
        False, False, False, 0, None, None)
    assert s.node("gn1").kind is NodeKind.GUEST and s.node("web-bundle-0").kind is NodeKind.BUNDLE


def test_unknown_elements_and_attributes_are_ignored():
    text = load("full.xml").decode().replace(
        "<nodes>", '<future-section x="1"><deep/></future-section><nodes future="yes">', 1)
    text = text.replace('<node name="node1" ', '<node name="node1" new-attr="42" ', 1)
    assert parse_status(text).nodes == snapshot("full.xml").nodes


def test_pacemakerd_answering_without_state():
    doc = ('<pacemaker-result api-version="2.25"><pacemakerd sys_from="pacemakerd" '
           'state="query failed" last_updated=""/><status code="0" message="OK"/></pacemaker-result>')
    outcome = parse_status(doc, 0)
    assert outcome.condition.kind is ConditionKind.DISCONNECTED
    assert outcome.condition.message == "pacemakerd state: query failed"


@pytest.mark.parametrize("placeholder", ["none", "None", "", "  ", "(null)"])
def test_no_exit_reason_is_none_wherever_crm_mon_writes_one(placeholder):
    """crm_mon 1.1/2.0 wrote exitreason="none" (others "") for "no reason": it is no reason,
    for failures and for fence events alike, so no view ever shows "none" as a reason."""
    failures = ('<failures><failure op_key="r_monitor_10000" node="n1" exitstatus="error" '
                f'exitreason="{placeholder}" exitcode="1" call="3" status="complete" '
                'task="monitor" interval="10000"/></failures>')
    fencing = ('<fence_history><fence_event target="n2" action="reboot" status="failed" '
               f'exit-reason="{placeholder}" extended-status="{placeholder}"/></fence_history>')
    doc = ('<pacemaker-result api-version="2.25"><summary/><nodes/>'
           f'{failures}{fencing}<status code="0" message="OK"/></pacemaker-result>')
    s = parse_status(doc, 0)
    assert isinstance(s, Snapshot)
    assert s.failures[0].exit_reason is None
    assert s.fence_history[0].exit_reason is None
    # a real reason survives, and an extended-status speaks when exit-reason is a placeholder
    real = doc.replace(f'exitreason="{placeholder}"', 'exitreason="none of the disks"').replace(
        f'extended-status="{placeholder}"', 'extended-status="No route to host"')
    s = parse_status(real, 0)
    assert s.failures[0].exit_reason == "none of the disks"
    assert s.fence_history[0].exit_reason == "No route to host"
