"""Two snapshots -> what happened between them, as events for the live view and a timeline.

`diff(None, new)` is empty: the first look is the baseline, not a burst of news. Everything
is matched by name through dicts, so a diff of two 20,000-resource snapshots stays linear.

Resources are compared at their leaves (primitives), keyed by their path in the tree
("group/member", "bundle/0/container"). Clone instances share one id in crm_mon's output,
so instances under one key are merged: where they run, with which role, failed or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tui.loop_first import pause
from tui.pacemaker.model import Node, NodeKind, ResourceKind, Snapshot
from tui.pacemaker.vocabulary import NODE_KIND_WORDS


class EventKind(StrEnum):
    DC_CHANGED = "dc-changed"
    DC_LOST = "dc-lost"
    QUORUM_LOST = "quorum-lost"
    QUORUM_REGAINED = "quorum-regained"
    CLUSTER_MAINTENANCE = "cluster-maintenance"
    CLUSTER_MAINTENANCE_OFF = "cluster-maintenance-off"
    NODE_ADDED = "node-added"
    NODE_REMOVED = "node-removed"
    NODE_OFFLINE = "node-offline"
    NODE_ONLINE = "node-online"
    NODE_UNCLEAN = "node-unclean"
    NODE_CLEAN = "node-clean"
    NODE_STANDBY = "node-standby"
    NODE_UNSTANDBY = "node-unstandby"
    NODE_MAINTENANCE = "node-maintenance"
    NODE_MAINTENANCE_OFF = "node-maintenance-off"
    RESOURCE_ADDED = "resource-added"
    RESOURCE_REMOVED = "resource-removed"
    RESOURCE_STARTED = "resource-started"
    RESOURCE_STOPPED = "resource-stopped"
    RESOURCE_MOVED = "resource-moved"
    RESOURCE_ROLE_CHANGED = "resource-role-changed"
    RESOURCE_FAILED = "resource-failed"
    RESOURCE_RECOVERED = "resource-recovered"
    FAILURE_RECORDED = "failure-recorded"
    FAILURES_CLEARED = "failures-cleared"
    FENCE_EVENT = "fence-event"
    TICKET_GRANTED = "ticket-granted"
    TICKET_REVOKED = "ticket-revoked"
    BAN_ADDED = "ban-added"
    BAN_REMOVED = "ban-removed"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    severity: Severity
    message: str
    node: str | None = None
    resource: str | None = None


def diff(old: Snapshot | None, new: Snapshot) -> tuple[Event, ...]:
    if old is None:
        return ()
    events: list[Event] = []
    _summary(old, new, events)
    _nodes(old, new, events)
    _resources(old, new, events)
    _failures(old, new, events)
    _fencing(old, new, events)
    _tickets(old, new, events)
    _bans(old, new, events)
    return tuple(events)


# --- summary ---------------------------------------------------------------------------------


def _summary(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    a, b = old.summary, new.summary
    if a.dc != b.dc:
        if b.dc is None:
            out.append(Event(EventKind.DC_LOST, Severity.CRITICAL,
                             f"The cluster has no DC (was {a.dc})", node=a.dc))
        else:
            was = f" (was {a.dc})" if a.dc else ""
            out.append(Event(EventKind.DC_CHANGED, Severity.WARNING,
                             f"{b.dc} is now the DC{was}", node=b.dc))
    if a.with_quorum is True and b.with_quorum is False:
        out.append(Event(EventKind.QUORUM_LOST, Severity.CRITICAL, "The partition lost quorum"))
    elif a.with_quorum is False and b.with_quorum is True:
        out.append(Event(EventKind.QUORUM_REGAINED, Severity.INFO, "The partition has quorum again"))
    if not a.maintenance_mode and b.maintenance_mode:
        out.append(Event(EventKind.CLUSTER_MAINTENANCE, Severity.WARNING,
                         "Cluster maintenance mode is on: resources are not managed"))
    elif a.maintenance_mode and not b.maintenance_mode:
        out.append(Event(EventKind.CLUSTER_MAINTENANCE_OFF, Severity.INFO,
                         "Cluster maintenance mode is off"))


# --- nodes -----------------------------------------------------------------------------------


_KIND_WORD = NODE_KIND_WORDS  # "Remote node rn1 ...": the words every view uses


def _nodes(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    before = {n.name: n for n in old.nodes}
    after = {n.name: n for n in new.nodes}
    for name, b in after.items():
        pause()
        a = before.get(name)
        if a is None:
            out.append(Event(EventKind.NODE_ADDED, Severity.INFO,
                             f"{_KIND_WORD[b.kind]} {name} was added", node=name))
            continue
        _node_changes(a, b, out)
    for name, a in before.items():
        if name not in after:
            out.append(Event(EventKind.NODE_REMOVED, Severity.INFO,
                             f"{_KIND_WORD[a.kind]} {name} was removed", node=name))


def _node_changes(a: Node, b: Node, out: list[Event]) -> None:
    word, name = _KIND_WORD[b.kind], b.name
    if a.online and not b.online:
        severity = Severity.WARNING if b.kind in (NodeKind.GUEST, NodeKind.BUNDLE) \
            else Severity.CRITICAL
        out.append(Event(EventKind.NODE_OFFLINE, severity, f"{word} {name} went offline", node=name))
    elif not a.online and b.online:
        out.append(Event(EventKind.NODE_ONLINE, Severity.INFO, f"{word} {name} is online", node=name))
    if not a.unclean and b.unclean:
        out.append(Event(EventKind.NODE_UNCLEAN, Severity.CRITICAL,
                         f"{word} {name} is UNCLEAN and must be fenced", node=name))
    elif a.unclean and not b.unclean:
        out.append(Event(EventKind.NODE_CLEAN, Severity.INFO, f"{word} {name} is clean again",
                         node=name))
    if not a.standby and b.standby:
        out.append(Event(EventKind.NODE_STANDBY, Severity.WARNING, f"{word} {name} is in standby",
                         node=name))
    elif a.standby and not b.standby:
        out.append(Event(EventKind.NODE_UNSTANDBY, Severity.INFO, f"{word} {name} left standby",
                         node=name))
    if not a.maintenance and b.maintenance:
        out.append(Event(EventKind.NODE_MAINTENANCE, Severity.WARNING,
                         f"{word} {name} is in maintenance", node=name))
    elif a.maintenance and not b.maintenance:
        out.append(Event(EventKind.NODE_MAINTENANCE_OFF, Severity.INFO,
                         f"{word} {name} left maintenance", node=name))


# --- resources -------------------------------------------------------------------------------


class _Leaf:
    """One primitive (or the merged instances of a cloned primitive) at one tree path."""

    __slots__ = ("id", "roles", "failed", "multi")

    def __init__(self, rid: str, multi: bool) -> None:
        self.id = rid
        # node -> role, in the order the nodes were seen; its keys are where the leaf runs
        self.roles: dict[str, str] = {}
        self.failed = False
        self.multi = multi


def _leaves(resources) -> dict[str, _Leaf]:
    leaves: dict[str, _Leaf] = {}
    get, new = leaves.get, object.__new__
    primitive, clone = ResourceKind.PRIMITIVE, ResourceKind.CLONE

    # One call per collective, none per primitive: this runs over every resource twice a diff.
    def visit(children, prefix: str, multi: bool) -> None:
        for resource in children:
            pause()
            key = f"{prefix}{resource.id}"
            if resource.kind is primitive:
                leaf = get(key)
                if leaf is None:  # _Leaf(resource.id, multi) without the __init__ call's cost
                    leaf = leaves[key] = new(_Leaf)
                    leaf.id, leaf.roles, leaf.failed, leaf.multi = resource.id, {}, False, multi
                if resource.active:
                    roles, role = leaf.roles, resource.role
                    for node in resource.nodes:
                        roles[node] = role
                leaf.failed = leaf.failed or resource.failed
            else:
                visit(resource.children, key + "/", multi or resource.kind is clone)

    visit(resources, "", False)
    del visit  # it refers to itself: without this, a cycle keeps what it holds until a full collection
    return leaves


def _names(nodes) -> str:
    return ", ".join(nodes) if nodes else "nowhere"


def _resources(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    before = _leaves(old.resources)
    after = _leaves(new.resources)
    for key, b in after.items():
        pause()
        a = before.get(key)
        rid = b.id
        if a is None:
            out.append(Event(EventKind.RESOURCE_ADDED, Severity.INFO,
                             f"Resource {key} was added", resource=rid))
            continue
        if a.roles == b.roles and (not a.failed) is (not b.failed):
            continue  # the usual case: same nodes, same roles, same failed state
        if not a.failed and b.failed:
            where = _names(b.roles)
            out.append(Event(EventKind.RESOURCE_FAILED, Severity.CRITICAL,
                             f"Resource {key} failed ({where})", resource=rid,
                             node=next(iter(b.roles), None)))
        elif a.failed and not b.failed:
            out.append(Event(EventKind.RESOURCE_RECOVERED, Severity.INFO,
                             f"Resource {key} recovered", resource=rid))
        if a.roles.keys() != b.roles.keys():
            gone = [n for n in a.roles if n not in b.roles]
            came = [n for n in b.roles if n not in a.roles]
            if not b.multi and gone and came:
                out.append(Event(EventKind.RESOURCE_MOVED, Severity.WARNING,
                                 f"Resource {key} moved from {_names(gone)} to {_names(came)}",
                                 resource=rid, node=came[0]))
            else:
                for node in came:
                    out.append(Event(EventKind.RESOURCE_STARTED, Severity.INFO,
                                     f"Resource {key} started on {node}", resource=rid, node=node))
                for node in gone:
                    out.append(Event(EventKind.RESOURCE_STOPPED, Severity.WARNING,
                                     f"Resource {key} stopped on {node}", resource=rid, node=node))
        for node, role in b.roles.items():
            was = a.roles.get(node)
            if was is not None and was != role:
                out.append(Event(EventKind.RESOURCE_ROLE_CHANGED, Severity.INFO,
                                 f"Resource {key} on {node}: {was} -> {role}",
                                 resource=rid, node=node))
    for key, a in before.items():
        if key not in after:
            out.append(Event(EventKind.RESOURCE_REMOVED, Severity.INFO,
                             f"Resource {key} was removed", resource=a.id))


# --- failures, fencing, tickets, bans ---------------------------------------------------------


def _failures(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    seen = {(f.op_key, f.node, f.call, f.last_rc_change) for f in old.failures}
    for f in new.failures:
        if (f.op_key, f.node, f.call, f.last_rc_change) not in seen:
            reason = f": {f.exit_reason}" if f.exit_reason else ""
            out.append(Event(EventKind.FAILURE_RECORDED, Severity.WARNING,
                             f"{f.op_key} on {f.node} {f.exit_status or 'failed'}{reason}",
                             node=f.node, resource=f.resource))
    if old.failures and not new.failures:
        out.append(Event(EventKind.FAILURES_CLEARED, Severity.INFO,
                         "All failed actions were cleaned up"))


_FENCE_SEVERITY = {"failed": Severity.CRITICAL, "success": Severity.WARNING}


def _fencing(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    seen = set(old.fence_history)
    for e in new.fence_history:
        if e in seen:
            continue
        by = f" by {e.delegate}" if e.delegate else ""
        reason = f": {e.exit_reason}" if e.exit_reason else ""
        out.append(Event(EventKind.FENCE_EVENT, _FENCE_SEVERITY.get(e.status, Severity.INFO),
                         f"Fencing {e.action} of {e.target}{by}: {e.status}{reason}",
                         node=e.target))


def _tickets(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    before = {t.id: t for t in old.tickets}
    for t in new.tickets:
        was = before.get(t.id)
        was_granted = was.granted if was else False
        if t.granted and not was_granted:
            out.append(Event(EventKind.TICKET_GRANTED, Severity.INFO, f"Ticket {t.id} was granted"))
        elif was_granted and not t.granted:
            out.append(Event(EventKind.TICKET_REVOKED, Severity.WARNING,
                             f"Ticket {t.id} was revoked"))


def _bans(old: Snapshot, new: Snapshot, out: list[Event]) -> None:
    before = {b.id: b for b in old.bans}
    after = {b.id: b for b in new.bans}
    for bid, b in after.items():
        if bid not in before:
            out.append(Event(EventKind.BAN_ADDED, Severity.INFO,
                             f"{b.resource} is banned from {b.node} ({bid})",
                             node=b.node, resource=b.resource))
    for bid, b in before.items():
        if bid not in after:
            out.append(Event(EventKind.BAN_REMOVED, Severity.INFO,
                             f"Ban {bid} of {b.resource} from {b.node} was removed",
                             node=b.node, resource=b.resource))
