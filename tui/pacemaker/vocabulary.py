"""The console's words, defined once for every view (`status`, the TUI, `log`, the events).

Node kinds (the pane and section titles, the word in an event), the outcome of a command the
console ran, and the words crm_mon uses for a node's and a resource's state.

Follows Pacemaker's own text output (lib/pengine: pcmk__native_output_string for a primitive,
clone_header / group_header / the bundle replica line for collectives, node_text_status for
a node), so the TUI, `status` and the JSON say what `crm_mon` would say, in its order:

    rsc	(ocf:pacemaker:Dummy):	 ORPHANED FAILED node1 (UNCLEAN, disabled, blocked)
                                 ^ prefix words     ^ flags, in parentheses

Not modelled: the failed-probe word crm_mon puts after a stopped resource ("Stopped (not
installed)"), which crm_mon derives from operation history the XML does not carry whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tui.pacemaker.model import Node, NodeKind, Resource, ResourceKind, Snapshot

_CONTAINER_AGENTS = ("ocf:heartbeat:docker", "ocf:heartbeat:podman", "ocf:heartbeat:rkt")


class Severity(StrEnum):
    """How a state should be coloured; never OK for anything crm_mon flags as dangerous."""

    OK = "ok"
    WARNING = "warning"  # orphaned, unmanaged, maintenance, locked, failure ignored, multi-active
    CRITICAL = "critical"  # failed, blocked, or on an UNCLEAN node
    INACTIVE = "inactive"  # stopped (disabled or not)


_RANK = {Severity.OK: 0, Severity.INACTIVE: 1, Severity.WARNING: 2, Severity.CRITICAL: 3}


def worst(severities) -> Severity:
    return max(severities, key=_RANK.__getitem__, default=Severity.OK)


# --- node kinds -------------------------------------------------------------------------------

# One node of a kind, as an event or a detail names it ("Remote node rn1 is offline").
NODE_KIND_WORDS: dict[NodeKind, str] = {
    NodeKind.CLUSTER: "Node",
    NodeKind.REMOTE: "Remote node",
    NodeKind.GUEST: "Guest node",
    NodeKind.BUNDLE: "Bundle node",
    NodeKind.PING: "Ping node",
}

# The nodes of a kind, as a section (`status`) or a pane (the TUI) is titled; in this order.
NODE_KIND_TITLES: dict[NodeKind, str] = {
    NodeKind.CLUSTER: "Cluster nodes",
    NodeKind.REMOTE: "Remote nodes",
    NodeKind.GUEST: "Guest nodes",
    NodeKind.BUNDLE: "Bundle nodes",
    NodeKind.PING: "Ping nodes",
}


# --- the outcome of a command the console ran ------------------------------------------------


class Outcome(StrEnum):
    """How one command the console ran (or refused to run) ended, as `log` and the TUI say it."""

    OK = "ok"  # exit status 0
    FAILED = "FAILED"  # a non-zero exit status, or no exit status at all (it could not run)
    TIMED_OUT = "TIMED OUT"  # killed at its timeout
    CANCELLED = "CANCELLED"  # killed because the user cancelled it
    REFUSED = "REFUSED (read-only)"  # a change refused by a read-only console
    RUNNING = "running"  # started, not ended yet (while this console runs)
    NO_END = "NO END RECORDED"  # started, no end in the log: still running, or the console died


# What NO_END means, for a reader of the log long after.
NO_END_WHY = "still running, or the console died"


def outcome(state: str, exit_status: object, *, timed_out: bool = False,
            cancelled: bool = False, live: bool = False) -> Outcome:
    """An action-log record's outcome. `state` is the record's ("finished", "running",
    "refused"); `live`: a running record belongs to this console (so it is RUNNING)."""
    if state == "refused":
        return Outcome.REFUSED
    if state == "running":
        return Outcome.RUNNING if live else Outcome.NO_END
    if timed_out:
        return Outcome.TIMED_OUT
    if cancelled:
        return Outcome.CANCELLED
    return Outcome.OK if exit_status == 0 else Outcome.FAILED


def outcome_text(state: str, exit_status: object, *, timed_out: bool = False,
                 cancelled: bool = False, error: object = None, live: bool = False) -> str:
    """The outcome word with what it needs said: "FAILED exit 2 (why)", "FAILED: why",
    "NO END RECORDED (still running, or the console died)". Not made terminal-safe here: the
    caller passes it through tui.plaintext like any text holding a command's error."""
    word = outcome(state, exit_status, timed_out=timed_out, cancelled=cancelled, live=live)
    if word is Outcome.NO_END:
        return f"{word} ({NO_END_WHY})"
    if word is not Outcome.FAILED:
        return word.value
    if exit_status is None:
        return f"{word}: {error or 'no exit status'}"
    return f"{word} exit {exit_status}" + (f" ({error})" if error else "")


# --- nodes ------------------------------------------------------------------------------------


def node_state_words(node: Node) -> tuple[str, ...]:
    """crm_mon's node state: the main word, then the words it prints in parentheses.

    ("UNCLEAN", "offline") is crm_mon's "UNCLEAN (offline)"; ("online",) its "online".
    """
    if node.unclean:
        return ("UNCLEAN", "online" if node.online else "pending" if node.pending else "offline")
    if node.pending:
        return ("pending",)
    if node.standby_onfail and node.online:
        return ("standby", "on-fail")
    if node.standby:
        if not node.online:
            return ("OFFLINE", "standby")
        return ("standby", "with active resources") if node.resources_running else ("standby",)
    if node.maintenance:
        return ("maintenance",) if node.online else ("OFFLINE", "maintenance")
    return ("online",) if node.online else ("OFFLINE",)


def node_state_text(node: Node) -> str:
    """ "UNCLEAN (offline)", "standby", ... exactly as crm_mon prints it."""
    return state_text(node_state_words(node))


def state_text(words: tuple[str, ...]) -> str:
    head, *rest = words
    return f"{head} ({', '.join(rest)})" if rest else head


def node_severity(node: Node) -> Severity:
    if node.unclean:
        return Severity.CRITICAL
    if node.pending or node.maintenance or node.standby:
        return Severity.WARNING
    return Severity.OK if node.online else Severity.INACTIVE


# --- resources --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceState:
    """What crm_mon prints about one resource, split the way it prints it."""

    prefix: tuple[str, ...]  # "ORPHANED", "FAILED": before the role
    role: str | None  # the state word; None where crm_mon prints only FAILED
    node: str | None  # the one node crm_mon names on the line (None: none, or several)
    flags: tuple[str, ...]  # the parenthesised words after the node
    severity: Severity

    @property
    def markers(self) -> tuple[str, ...]:
        return self.prefix + self.flags


def resource_markers(resource: Resource, snapshot: Snapshot | None) -> tuple[str, ...]:
    """The words crm_mon prints for `resource` beyond its role and node, in crm_mon's order.

    Primitives: ORPHANED, FAILED, then the flags UNCLEAN (its node is offline and unclean),
    LOCKED, the pending task (Monitoring), disabled | target-role:<role>,
    blocked | maintenance | unmanaged, failure ignored. A bundle replica: its resource's
    words with the replica's container node (crm_mon's one-line replica). A group or clone:
    its header's disabled and maintenance | unmanaged; a bundle: maintenance | unmanaged.
    """
    return resource_state(resource, snapshot).markers


def resource_severity(resource: Resource, snapshot: Snapshot | None) -> Severity:
    return resource_state(resource, snapshot).severity


def resource_state(resource: Resource, snapshot: Snapshot | None) -> ResourceState:
    facts = _facts(snapshot)
    kind = resource.kind
    if kind is ResourceKind.PRIMITIVE:
        return _primitive(resource, facts, _one_node(resource), id(resource) in facts.promotable)
    if kind is ResourceKind.REPLICA:
        return _replica(resource, facts)
    return _collective(resource, facts)


def _one_node(resource: Resource) -> str | None:
    # crm_mon names a node only when the resource runs on exactly one (or is locked to one)
    if len(resource.nodes) == 1:
        return resource.nodes[0]
    if not resource.nodes:
        return resource.locked_to
    return None


def _primitive(r: Resource, facts: _Facts, node: str | None, promotable: bool) -> ResourceState:
    prefix = ("ORPHANED",) * r.orphaned + ("FAILED",) * r.failed
    role: str | None = r.role
    if r.failed and r.role != "Promoted":
        role = None  # crm_mon: "FAILED", plus the role only when it is above Unpromoted
    flags: list[str] = []
    node_unclean = False
    if node is not None:
        info = facts.nodes.get(node)
        if info is not None and info.unclean:
            node_unclean = True
            if not info.online:
                flags.append("UNCLEAN")
        if r.locked_to is not None and node == r.locked_to:
            flags.append("LOCKED")
    if r.pending:
        flags.append(r.pending)
    target = (r.target_role or "").lower()
    if target == "stopped":
        flags.append("disabled")
    elif promotable and target in ("unpromoted", "slave"):
        flags.append(f"target-role:{r.target_role}")
    if r.blocked:
        flags.append("blocked")
    elif r.maintenance:
        flags.append("maintenance")
    elif not r.managed:
        flags.append("unmanaged")
    if r.failure_ignored:
        flags.append("failure ignored")
    # a node that is unclean but still online gets no flag from crm_mon; still dangerous
    node_unclean = node_unclean or any(
        (info := facts.nodes.get(n)) is not None and info.unclean for n in r.nodes)
    if r.failed or r.blocked or node_unclean:
        severity = Severity.CRITICAL
    elif (r.orphaned or r.maintenance or not r.managed or r.failure_ignored or r.locked_to
          or len(r.nodes) > 1):  # active on several nodes: crm_mon's "rsc-multiple"
        severity = Severity.WARNING
    elif not r.active:
        severity = Severity.INACTIVE
    else:
        severity = Severity.OK
    return ResourceState(prefix, role, node, tuple(flags), severity)


def _replica(replica: Resource, facts: _Facts) -> ResourceState:
    """crm_mon's one-line replica: its resource (else its container) on the container's node."""
    shown = _replica_resource(replica)
    if shown is None:
        return ResourceState((), replica.role, None, (), Severity.INACTIVE)
    node = replica.nodes[0] if len(replica.nodes) == 1 else None
    state = _primitive(shown, facts, node, id(shown) in facts.promotable)
    severity = worst([state.severity] + [
        _primitive(c, facts, _one_node(c), id(c) in facts.promotable).severity
        for c in replica.children if c is not shown])
    return ResourceState(state.prefix, state.role, node, state.flags, severity)


def _replica_resource(replica: Resource) -> Resource | None:
    container = None
    for child in replica.children:
        if child.kind is ResourceKind.PRIMITIVE and not child.implicit:
            return child
        if child.agent and child.agent.startswith(_CONTAINER_AGENTS):
            container = child
    return container


def _collective(r: Resource, facts: _Facts) -> ResourceState:
    flags: list[str] = []
    if r.kind is not ResourceKind.BUNDLE and (
            r.disabled or (r.target_role or "").lower() == "stopped"):
        flags.append("disabled")
    if r.maintenance:  # Pacemaker >= 3.0 says so; 2.1 prints unmanaged (and its XML has none)
        flags.append("maintenance")
    elif not r.managed:
        flags.append("unmanaged")
    severity = worst(resource_state(c, facts.snapshot).severity for c in r.children)
    if r.maintenance or not r.managed:
        severity = worst((severity, Severity.WARNING))
    return ResourceState((), r.role, None, tuple(flags), severity)


# --- per-snapshot facts, computed once ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Facts:
    snapshot: Snapshot | None
    nodes: dict[str, Node]
    promotable: frozenset[int]  # id() of resources inside a promotable clone


_EMPTY = _Facts(None, {}, frozenset())
# The last snapshot's facts (it is held here, so the id()s above stay valid). The views ask
# about one snapshot at a time, so one entry answers all but the first question.
_last: _Facts = _EMPTY


def _facts(snapshot: Snapshot | None) -> _Facts:
    global _last
    if snapshot is None:
        return _EMPTY
    last = _last
    if last.snapshot is snapshot:
        return last
    promotable: set[int] = set()

    def visit(resources, inside: bool) -> None:
        for r in resources:
            if inside:
                promotable.add(id(r))
            if r.children:
                visit(r.children, inside or (r.kind is ResourceKind.CLONE and r.promotable))

    visit(snapshot.resources, False)
    del visit  # it refers to itself: without this, a cycle keeps what it holds until a full collection
    facts = _Facts(snapshot, {n.name: n for n in snapshot.nodes}, frozenset(promotable))
    _last = facts
    return facts
