"""One vocabulary for node and resource states: crm_mon's words, in crm_mon's order.

Hand-built cases cover every word; where crm_mon and Pacemaker's CTS data are present, CIBs
changed to produce the words the corpus lacks (blocked, failure ignored, target-role) are
rendered by the real crm_mon, and Pacemaker 3.x's own expected outputs (maintenance) are
read, and compared line by line as the corpus test does.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess

import pytest
from lxml import etree

from tests.pacemaker.test_corpus import CRM_MON, CTS, check_resource_lines
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Node, NodeKind, Resource, ResourceKind, Snapshot, Summary
from tui.pacemaker.vocabulary import (
    Severity,
    node_severity,
    node_state_text,
    node_state_words,
    resource_markers,
    resource_severity,
    resource_state,
)

needs_cts = pytest.mark.skipif(not CTS.is_dir(), reason=f"no Pacemaker CTS data at {CTS}")
needs_crm_mon = pytest.mark.skipif(CRM_MON is None, reason="crm_mon is not installed")


# --- nodes: Pacemaker's node_text_status, case by case ----------------------------------------

@pytest.mark.parametrize("flags, text", [
    ({"online": True}, "online"),
    ({"online": False}, "OFFLINE"),
    ({"online": True, "unclean": True}, "UNCLEAN (online)"),
    ({"online": False, "unclean": True}, "UNCLEAN (offline)"),
    ({"online": False, "unclean": True, "pending": True}, "UNCLEAN (pending)"),
    ({"online": True, "pending": True}, "pending"),
    ({"online": True, "standby": True, "standby_onfail": True}, "standby (on-fail)"),
    ({"online": True, "standby": True}, "standby"),
    ({"online": True, "standby": True, "resources_running": 2}, "standby (with active resources)"),
    ({"online": False, "standby": True}, "OFFLINE (standby)"),
    ({"online": True, "maintenance": True, "standby": True}, "standby"),  # standby wins
    ({"online": True, "maintenance": True}, "maintenance"),
    ({"online": False, "maintenance": True}, "OFFLINE (maintenance)"),
])
def test_node_state_is_crm_mons(flags, text):
    node = Node("n", "1", NodeKind.CLUSTER, **flags)
    assert node_state_text(node) == text
    head, _, rest = text.partition(" (")
    assert node_state_words(node) == (head, *([rest.rstrip(")")] if rest else []))


def test_an_unclean_node_is_critical_whatever_else_it_is():
    for online in (True, False):
        for other in ({}, {"standby": True}, {"maintenance": True}, {"pending": True}):
            node = Node("n", "1", NodeKind.REMOTE, online=online, unclean=True, **other)
            assert node_severity(node) is Severity.CRITICAL
    assert node_severity(Node("n", "1", NodeKind.CLUSTER, online=True)) is Severity.OK


# --- resources: hand-built, every word --------------------------------------------------------

def snap(*resources, nodes=()) -> Snapshot:
    default = (Node("n1", "1", NodeKind.CLUSTER, online=True),
               Node("n2", "2", NodeKind.CLUSTER, online=False, unclean=True),
               Node("n3", "3", NodeKind.CLUSTER, online=True, unclean=True))
    return Snapshot(Summary(), nodes=nodes or default, resources=resources)


def prim(id="r", nodes=("n1",), **kw) -> Resource:
    kw.setdefault("role", "Started" if nodes else "Stopped")
    return Resource(id, ResourceKind.PRIMITIVE, agent="ocf:pacemaker:Dummy",
                    active=bool(nodes), nodes=tuple(nodes), **kw)


@pytest.mark.parametrize("kw, markers, severity", [
    ({}, (), Severity.OK),
    ({"nodes": ()}, (), Severity.INACTIVE),
    ({"nodes": ("n2",)}, ("UNCLEAN",), Severity.CRITICAL),
    # unclean but online: crm_mon prints no flag; still never "ok"
    ({"nodes": ("n3",)}, (), Severity.CRITICAL),
    ({"failed": True}, ("FAILED",), Severity.CRITICAL),
    ({"orphaned": True}, ("ORPHANED",), Severity.WARNING),
    ({"orphaned": True, "failed": True, "nodes": ("n2",)}, ("ORPHANED", "FAILED", "UNCLEAN"),
     Severity.CRITICAL),
    ({"blocked": True, "managed": False}, ("blocked",), Severity.CRITICAL),
    ({"managed": False}, ("unmanaged",), Severity.WARNING),
    ({"maintenance": True, "managed": False}, ("maintenance",), Severity.WARNING),
    ({"failure_ignored": True}, ("failure ignored",), Severity.WARNING),
    ({"target_role": "Stopped", "nodes": ()}, ("disabled",), Severity.INACTIVE),
    ({"target_role": "stopped", "nodes": ()}, ("disabled",), Severity.INACTIVE),  # 3.x spelling
    ({"target_role": "Started"}, (), Severity.OK),
    ({"target_role": "Unpromoted"}, (), Severity.OK),  # only inside a promotable clone
    ({"pending": "Monitoring"}, ("Monitoring",), Severity.OK),
    ({"locked_to": "n1"}, ("LOCKED",), Severity.WARNING),
    ({"locked_to": "n1", "nodes": ()}, ("LOCKED",), Severity.WARNING),  # named by its lock
    ({"locked_to": "n1", "nodes": ("n3",)}, (), Severity.CRITICAL),
    # several nodes: crm_mon names none, so no UNCLEAN flag; the danger still shows
    ({"nodes": ("n1", "n2")}, (), Severity.CRITICAL),
    ({"nodes": ("n1", "n1b")}, (), Severity.WARNING),
    ({"nodes": ("n2",), "locked_to": "n2", "pending": "Monitoring", "target_role": "Stopped",
      "blocked": True, "failure_ignored": True, "orphaned": True, "failed": True},
     ("ORPHANED", "FAILED", "UNCLEAN", "LOCKED", "Monitoring", "disabled", "blocked",
      "failure ignored"), Severity.CRITICAL),
])
def test_primitive_markers_in_crm_mons_order(kw, markers, severity):
    r = prim(**kw)
    s = snap(r)
    assert resource_markers(r, s) == markers
    assert resource_severity(r, s) is severity


def test_failed_shows_the_role_only_when_promoted():
    for role, shown in (("Started", None), ("Unpromoted", None), ("Stopped", None),
                        ("Promoted", "Promoted")):
        r = prim(failed=True, role=role)
        assert resource_state(r, snap(r)).role == shown


def test_target_role_unpromoted_inside_a_promotable_clone():
    inner = prim("p", target_role="Slave")
    clone = Resource("c", ResourceKind.CLONE, promotable=True, disabled=True, children=(inner,))
    s = snap(clone)
    assert resource_markers(inner, s) == ("target-role:Slave",)
    assert resource_markers(clone, s) == ("disabled",)


def test_collectives_carry_their_header_words_and_their_worst_child():
    bad = prim("bad", nodes=("n2",))
    group = Resource("g", ResourceKind.GROUP, managed=False, disabled=True,
                     children=(prim("ok"), bad))
    s = snap(group)
    assert resource_markers(group, s) == ("disabled", "unmanaged")
    assert resource_severity(group, s) is Severity.CRITICAL
    maint = dataclasses.replace(group, maintenance=True, children=(prim("ok"),))
    assert resource_markers(maint, snap(maint)) == ("disabled", "maintenance")
    assert resource_severity(maint, snap(maint)) is Severity.WARNING


def test_a_replica_says_what_its_resource_says_on_its_containers_node():
    """crm_mon's one-line replica: galera-bundle-0 (ocf:heartbeat:galera): FAILED Promoted
    controller-0 (UNCLEAN) — the inner resource's words, the container's (unclean) node."""
    inner = prim("galera", nodes=("galera-bundle-0",), role="Promoted", failed=True)
    docker = prim("galera-bundle-docker-0", nodes=("n2",), implicit=True)
    conn = dataclasses.replace(prim("galera-bundle-0", nodes=("n2",), implicit=True),
                               agent="ocf:pacemaker:remote")
    replica = Resource("0", ResourceKind.REPLICA, role="Promoted", active=True, nodes=("n2",),
                       children=(inner, docker, conn))
    s = snap(Resource("galera-bundle", ResourceKind.BUNDLE, children=(replica,)))
    state = resource_state(replica, s)
    assert (state.markers, state.role, state.node, state.severity) == (
        ("FAILED", "UNCLEAN"), "Promoted", "n2", Severity.CRITICAL)
    # no inner resource: the container speaks for the replica
    only_docker = dataclasses.replace(replica, children=(dataclasses.replace(
        docker, agent="ocf:heartbeat:docker"),))
    assert resource_markers(only_docker, snap(only_docker)) == ("UNCLEAN",)


def test_no_snapshot_means_no_node_facts_but_still_the_resources_own_words():
    r = prim(nodes=("n2",), failed=True)
    assert resource_markers(r, None) == ("FAILED",)
    assert resource_severity(r, None) is Severity.CRITICAL


def test_a_new_snapshot_is_never_answered_from_the_last_ones_facts():
    r = prim(nodes=("n1",))
    first = snap(r)
    assert resource_markers(r, first) == ()
    second = dataclasses.replace(first, nodes=(Node("n1", "1", NodeKind.CLUSTER, unclean=True),))
    assert resource_markers(r, second) == ("UNCLEAN",)
    assert resource_markers(r, first) == ()


# --- the real crm_mon on CIBs changed to show the words the corpus lacks ---------------------

def _variant(source: str, change) -> etree._ElementTree:
    tree = etree.parse(str(CTS / source))
    change(tree)
    return tree


def _on_fail(action: str):
    def change(tree):
        for op in tree.find('.//primitive[@id="FSlun3"]').iter("op"):
            if op.get("name") == "monitor":
                op.set("on-fail", action)
    return change


def _target_roles(role: str):
    def change(tree):
        meta = tree.find('.//clone[@id="promotable-clone"]/meta_attributes')
        etree.SubElement(meta, "nvpair", id="t-c", name="target-role", value=role)
        group = tree.find('.//group[@id="exim-group"]')
        meta = etree.SubElement(group, "meta_attributes", id="t-g-meta")
        etree.SubElement(meta, "nvpair", id="t-g", name="target-role", value="Stopped")
    return change


VARIANTS = {
    "blocked": ("scheduler/bug-rh-1097457.xml", _on_fail("block")),
    "failure ignored": ("scheduler/bug-rh-1097457.xml", _on_fail("ignore")),
    "target-role:Unpromoted": ("cli/crm_mon.xml", _target_roles("Unpromoted")),
    "target-role:Slave": ("cli/crm_mon.xml", _target_roles("Slave")),
}


@needs_cts
@needs_crm_mon
@pytest.mark.parametrize("word", sorted(VARIANTS))
def test_crm_mon_on_changed_cibs_agrees(word, tmp_path):
    source, change = VARIANTS[word]
    path = tmp_path / "cib.xml"
    _variant(source, change).write(str(path))
    env = dict(os.environ, CIB_file=str(path))

    def run(*args):
        return subprocess.run([CRM_MON, "-1", *args], env=env, capture_output=True,
                              timeout=60)

    snapshot = parse_status(run("--inactive", "--output-as=xml").stdout)
    assert isinstance(snapshot, Snapshot)
    seen: dict[str, int] = {}
    problems = []
    for args in ((), ("--inactive", "--show-detail")):
        problems += check_resource_lines(word, run(*args).stdout.decode(), snapshot, seen)
    assert not problems, "\n".join(problems)
    assert seen.get(word), f"crm_mon printed no {word!r}: the CIB change did not take"


# --- Pacemaker 3.x's own expected outputs (regression.crm_mon.exp) --------------------------

def _expected_pairs():
    exp = CTS / "cli" / "regression.crm_mon.exp"
    if not exp.is_file():
        return []
    tests = dict(re.findall(r"=#=#=#= Begin test: (.*?) =#=#=#=\n(.*?)=#=#=#= End test",
                            exp.read_text(), re.S))
    return [(name, tests[name], tests[name + " (XML)"]) for name in tests
            if name + " (XML)" in tests]


@needs_cts
def test_pacemaker3_expected_text_agrees_with_its_xml():
    """Each test of Pacemaker 3.x's crm_mon regression suite run as text and as XML: our
    markers from the XML are the words in the text (3.x says maintenance where 2.1 said
    unmanaged)."""
    pairs = _expected_pairs()
    assert len(pairs) >= 10
    seen: dict[str, int] = {}
    problems = []
    for name, text, xml in pairs:
        snapshot = parse_status(xml.encode())
        assert isinstance(snapshot, Snapshot), name
        problems += check_resource_lines(name, text, snapshot, seen)
    assert not problems, "\n".join(problems[:40])
    assert seen.get("maintenance") and seen.get("disabled") and seen.get("FAILED")


@pytest.mark.parametrize("name", ["full", "after", "maintenance-mode"])
def test_shipped_fixtures_text_agrees_with_their_xml(name):
    """The project's own crm_mon 2.1.5 captures (XML and text of one CIB): runs everywhere."""
    from tests.pacemaker.conftest import CRM_MON as FIXTURES

    text = (FIXTURES / f"{name}.txt").read_text()
    snapshot = parse_status((FIXTURES / f"{name}.xml").read_bytes())
    seen: dict[str, int] = {}
    assert check_resource_lines(name, text, snapshot, seen) == []
    assert seen or name == "after"
