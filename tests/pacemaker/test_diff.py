"""Snapshot diffs -> events, on two real crm_mon renders and on hand-made changes."""

from __future__ import annotations

import dataclasses

from tests.pacemaker.conftest import snapshot
from tui.pacemaker.diff import EventKind, Severity, diff
from tui.pacemaker.model import FenceEvent, Ticket


def kinds(events):
    return [(str(e.kind), e.node or e.resource) for e in events]


def test_first_snapshot_is_a_baseline(full):
    assert diff(None, full) == ()
    assert diff(full, full) == ()


def test_failover_between_two_real_renders(full):
    events = diff(full, snapshot("after.xml"))
    got = kinds(events)
    assert ("dc-changed", "node2") in got
    assert ("quorum-lost", None) in got
    assert ("node-unstandby", "node2") in got
    assert ("node-online", "node3") in got and ("node-clean", "node3") in got
    assert ("node-maintenance-off", "node4") in got
    assert ("node-offline", "remote1") in got and ("node-unclean", "remote1") in got
    assert ("resource-recovered", "failing") in got
    assert ("resource-moved", "node2") in got
    assert ("ban-added", "node1") in got and ("ban-removed", "node2") in got
    moved = next(e for e in events if e.kind is EventKind.RESOURCE_MOVED)
    assert moved.resource == "dummy" and moved.message == "Resource dummy moved from node1 to node2"
    assert next(e for e in events if e.kind is EventKind.QUORUM_LOST).severity is Severity.CRITICAL


def test_reverse_direction(full):
    got = kinds(diff(snapshot("after.xml"), full))
    assert ("quorum-regained", None) in got and ("node-standby", "node2") in got
    assert ("node-maintenance", "node4") in got and ("node-offline", "node3") in got
    assert ("node-unclean", "node3") in got
    failed = [e for e in diff(snapshot("after.xml"), full) if e.kind is EventKind.RESOURCE_FAILED]
    assert [(e.resource, e.node, e.severity) for e in failed] == [("failing", "node1", Severity.CRITICAL)]
    assert ("node-online", "remote1") in got


def test_clone_instances_start_and_stop_per_node(full):
    b = snapshot("after.xml")
    # ping-clone runs on node1 and node2 in both: no events for it
    assert not [e for e in diff(full, b) if e.resource == "ping"]
    clone = next(r for r in full.resources if r.id == "ping-clone")
    stopped = dataclasses.replace(clone.children[1], active=False, nodes=(), role="Stopped")
    changed = dataclasses.replace(clone, children=(clone.children[0], stopped) + clone.children[2:])
    new = dataclasses.replace(full, resources=tuple(changed if r is clone else r for r in full.resources))
    events = diff(full, new)
    assert kinds(events) == [("resource-stopped", "node2")]
    assert events[0].message == "Resource ping-clone/ping stopped on node2"


def test_role_change_in_promotable_clone(full):
    clone = next(r for r in full.resources if r.id == "stateful-clone")
    a, b = clone.children[0], clone.children[1]
    swapped = (dataclasses.replace(a, role="Unpromoted"), dataclasses.replace(b, role="Promoted"))
    changed = dataclasses.replace(clone, children=swapped + clone.children[2:])
    new = dataclasses.replace(full, resources=tuple(changed if r is clone else r for r in full.resources))
    got = [(str(e.kind), e.node, e.message) for e in diff(full, new)]
    assert ("resource-role-changed", "node1", "Resource stateful-clone/stateful on node1: Promoted -> Unpromoted") in got
    assert ("resource-role-changed", "node2", "Resource stateful-clone/stateful on node2: Unpromoted -> Promoted") in got


def test_fence_events_tickets_and_dc_loss(full):
    fenced = FenceEvent(target="node3", action="reboot", status="failed", delegate="node1")
    new = dataclasses.replace(
        full,
        fence_history=(fenced,),
        tickets=(Ticket("ticketA", granted=False), Ticket("ticketB", granted=True)),
        summary=dataclasses.replace(full.summary, dc=None, with_quorum=None, maintenance_mode=True),
    )
    events = diff(full, new)
    got = kinds(events)
    assert ("fence-event", "node3") in got and ("dc-lost", "node1") in got
    assert ("ticket-revoked", None) in got and ("ticket-granted", None) in got
    assert ("cluster-maintenance", None) in got
    fence = next(e for e in events if e.kind is EventKind.FENCE_EVENT)
    assert fence.severity is Severity.CRITICAL and fence.message == "Fencing reboot of node3 by node1: failed"
    # the same fence event seen again is not news
    assert not [e for e in diff(new, new) if e.kind is EventKind.FENCE_EVENT]


def test_nodes_and_resources_added_and_removed(full):
    fewer = dataclasses.replace(full, nodes=full.nodes[1:], resources=full.resources[1:], failures=())
    got = kinds(diff(full, fewer))
    assert ("node-removed", full.nodes[0].name) in got
    assert ("resource-removed", "fence1") in got and ("failures-cleared", None) in got
    got = kinds(diff(fewer, full))
    assert ("node-added", full.nodes[0].name) in got and ("resource-added", "fence1") in got
    assert ("failure-recorded", "node1") in got
