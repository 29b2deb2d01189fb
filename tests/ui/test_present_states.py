"""The resource tree says what crm_mon says: every marker in the label, danger never green,
Pacemaker's implicit resources hidden unless details are on (pure: present.py)."""

from __future__ import annotations

import dataclasses
import os
import subprocess

import pytest

from tests.pacemaker.test_corpus import CRM_MON, CTS
from tests.pacemaker.test_vocabulary import prim, snap
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Resource, ResourceKind, Snapshot
from tui.pacemaker.vocabulary import Severity, resource_state
from tui.ui import present
from tui.ui.present import ViewOptions

GREEN = "node-online"


def label_text(resource, snapshot) -> str:
    return "".join(text for text, _ in present.resource_label(resource, snapshot))


def state_tokens(resource, snapshot) -> set[str | None]:
    # every part but the id, kind and agent: the state and the flags
    return {token for _text, token in present.resource_label(resource, snapshot)[1:]
            if token not in ("muted", None)}


def check_labels(snapshot: Snapshot) -> list[str]:
    problems = []
    for resource in snapshot.all_resources():
        state = resource_state(resource, snapshot)
        text = label_text(resource, snapshot)
        for word in state.markers:
            if word not in text:
                problems.append(f"{resource.id}: {word} missing from {text!r}")
        if state.severity is not Severity.OK and GREEN in state_tokens(resource, snapshot):
            problems.append(f"{resource.id}: {state.severity} shown green: {text!r}")
    return problems


@pytest.mark.parametrize("kw", [
    {"nodes": ("n2",)}, {"nodes": ("n3",)}, {"failed": True}, {"blocked": True},
    {"orphaned": True}, {"managed": False}, {"maintenance": True}, {"failure_ignored": True},
    {"target_role": "Stopped", "nodes": ()}, {"pending": "Monitoring"}, {"locked_to": "n1"},
    {"nodes": ("n1", "n2")},
])
def test_every_marker_is_in_the_label_and_danger_is_never_green(kw):
    r = prim(**kw)
    s = snap(r)
    assert check_labels(s) == []
    assert resource_state(r, s).markers or kw.get("nodes") in (("n3",), ("n1", "n2"))


def test_a_resource_on_an_unclean_node_says_so():
    r = prim(nodes=("n2",))
    s = snap(r)
    assert label_text(r, s) == "r (ocf:pacemaker:Dummy)  Started on n2 (UNCLEAN)"
    assert state_tokens(r, s) == {"node-unclean"}
    # the same resource on a clean node is green
    ok = prim(nodes=("n1",))
    assert state_tokens(ok, snap(ok)) == {GREEN}


def test_failed_is_crm_mons_failed():
    r = prim(failed=True, nodes=("n1",))
    assert label_text(r, snap(r)) == "r (ocf:pacemaker:Dummy)  FAILED on n1"
    promoted = prim(failed=True, role="Promoted")
    assert "FAILED Promoted on n1" in label_text(promoted, snap(promoted))


def _bundle() -> tuple[Resource, Snapshot]:
    inner = prim("web", nodes=("web-bundle-0",))
    ip = prim("web-bundle-ip-192.0.2.1", implicit=True)
    docker = dataclasses.replace(prim("web-bundle-docker-0", implicit=True),
                                 agent="ocf:heartbeat:docker")
    conn = dataclasses.replace(prim("web-bundle-0", implicit=True), agent="ocf:pacemaker:remote")
    full = Resource("0", ResourceKind.REPLICA, role="Started", active=True, nodes=("n1",),
                    children=(ip, inner, docker, conn))
    bare = Resource("1", ResourceKind.REPLICA, role="Started", active=True, nodes=("n1",),
                    children=(dataclasses.replace(docker, id="web-bundle-docker-1"),))
    bundle = Resource("web-bundle", ResourceKind.BUNDLE, active=True, children=(full, bare))
    guest_conn = dataclasses.replace(prim("guest1", implicit=True), agent="ocf:pacemaker:remote")
    orphan_conn = dataclasses.replace(prim("guest2", orphaned=True), agent="ocf:pacemaker:remote")
    return bundle, snap(bundle, guest_conn, orphan_conn)


def test_implicit_resources_show_only_with_details():
    bundle, s = _bundle()
    plain, detail = ViewOptions(), ViewOptions(details=True)
    shown = {r.id for r in s.all_resources() if present.resource_visible(r, "", plain, None)}
    assert shown == {"web-bundle", "0", "1", "web", "guest2"}  # guest2: ORPHANED, crm_mon shows it
    everything = {r.id for r in s.all_resources()
                  if present.resource_visible(r, "", detail, None)}
    assert everything == {r.id for r in s.all_resources()}
    # a replica of nothing but Pacemaker's parts is judged by its own state
    bare = bundle.children[1]
    assert present.resource_visible(bare, "", plain, "n1")
    assert not present.resource_visible(bare, "", plain, "elsewhere")
    assert not present.resource_visible(bare, "", ViewOptions(inactive=False), "elsewhere")


@pytest.mark.skipif(not CTS.is_dir() or CRM_MON is None, reason="needs CTS data and crm_mon")
@pytest.mark.parametrize("name", ["bundle-order-fencing.xml", "whitebox-orphaned.xml",
                                  "remote-orphaned2.xml", "guest-host-not-fenceable.xml"])
def test_cts_cibs_from_the_issue(name):
    """The issue's examples, rendered by the real crm_mon: every label carries its markers
    and nothing on the UNCLEAN controller-0 is green."""
    env = dict(os.environ, CIB_file=str(CTS / "scheduler" / name))
    xml = subprocess.run([CRM_MON, "-1", "--inactive", "--output-as=xml"], env=env,
                         capture_output=True, timeout=60).stdout
    s = parse_status(xml)
    assert isinstance(s, Snapshot)
    assert check_labels(s) == []
    unclean = {n.name for n in s.nodes if n.unclean}
    for r in s.all_resources():
        if r.kind is ResourceKind.PRIMITIVE and set(r.nodes) & unclean:
            assert GREEN not in state_tokens(r, s), label_text(r, s)
