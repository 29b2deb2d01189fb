"""The status model as plain JSON-ready dicts, with a stable documented schema.

Schema: docs/status-json.md. Bump SCHEMA_VERSION on any change that removes or renames a
key or changes a value's type; adding keys is compatible and keeps the version.
"""

from __future__ import annotations

from tui.pacemaker.model import (
    Ban,
    Condition,
    Failure,
    FenceEvent,
    Node,
    Operation,
    Resource,
    ResourceHistory,
    Snapshot,
    StatusOutcome,
    Summary,
    Ticket,
    Unavailable,
)
from tui.pacemaker.sensitive import redact_mapping
from tui.pacemaker.vocabulary import node_state_words, resource_state

SCHEMA_VERSION = 1


def outcome_to_dict(outcome: StatusOutcome) -> dict:
    if isinstance(outcome, Unavailable):
        return {
            "schema_version": SCHEMA_VERSION,
            "available": False,
            "condition": condition_to_dict(outcome.condition),
        }
    return snapshot_to_dict(outcome)


def snapshot_to_dict(snapshot: Snapshot) -> dict:
    cib = snapshot.cib_version
    return {
        "schema_version": SCHEMA_VERSION,
        "available": True,
        "api_version": snapshot.api_version,
        "pacemaker_version": snapshot.pacemaker_version,
        "cib_version": None if cib is None else {
            "admin_epoch": cib.admin_epoch, "epoch": cib.epoch, "num_updates": cib.num_updates},
        "summary": _summary(snapshot.summary),
        "nodes": [_node(n) for n in snapshot.nodes],
        "resources": [_resource(r, snapshot) for r in snapshot.resources],
        "history": [_history(h) for h in snapshot.history],
        "failures": [_failure(f) for f in snapshot.failures],
        "fence_history": [_fence(e) for e in snapshot.fence_history],
        "tickets": [_ticket(t) for t in snapshot.tickets],
        "bans": [_ban(b) for b in snapshot.bans],
        "conditions": [condition_to_dict(c) for c in snapshot.conditions],
    }


def condition_to_dict(condition: Condition) -> dict:
    return {
        "kind": str(condition.kind),
        "message": condition.message,
        "exit_code": condition.exit_code,
        "details": list(condition.details),
    }


def _summary(s: Summary) -> dict:
    return {
        "cluster_name": s.cluster_name,
        "stack": s.stack,
        "dc": s.dc,
        "dc_version": s.dc_version,
        "with_quorum": s.with_quorum,
        "last_update": s.last_update,
        "last_change": s.last_change,
        "last_change_user": s.last_change_user,
        "last_change_client": s.last_change_client,
        "last_change_origin": s.last_change_origin,
        "nodes_configured": s.nodes_configured,
        "resources_configured": s.resources_configured,
        "resources_disabled": s.resources_disabled,
        "resources_blocked": s.resources_blocked,
        "stonith_enabled": s.stonith_enabled,
        "symmetric_cluster": s.symmetric_cluster,
        "no_quorum_policy": s.no_quorum_policy,
        "maintenance_mode": s.maintenance_mode,
        "stop_all_resources": s.stop_all_resources,
        "pacemakerd_state": s.pacemakerd_state,
    }


def _node(n: Node) -> dict:
    return {
        "name": n.name,
        "id": n.id,
        "kind": str(n.kind),
        "online": n.online,
        "standby": n.standby,
        "standby_onfail": n.standby_onfail,
        "maintenance": n.maintenance,
        "pending": n.pending,
        "unclean": n.unclean,
        "shutdown": n.shutdown,
        "expected_up": n.expected_up,
        "is_dc": n.is_dc,
        "state": list(node_state_words(n)),  # crm_mon's words: ["UNCLEAN", "offline"]
        "health": n.health,
        "feature_set": n.feature_set,
        "resources_running": n.resources_running,
        "connection_resource": n.connection_resource,
        "container_resource": n.container_resource,
        "bundle": n.bundle,
        "host": n.host,
        "address": n.address,
        "port": n.port,
        "reconnect_interval": n.reconnect_interval,
        "connect_timeout": n.connect_timeout,
        "attributes": redact_mapping(n.attributes),  # secrets never leave as JSON
    }


def _resource(r: Resource, snapshot: Snapshot) -> dict:
    state = resource_state(r, snapshot)
    return {
        "id": r.id,
        "kind": str(r.kind),
        "agent": r.agent,
        "role": r.role,
        "target_role": r.target_role,
        "active": r.active,
        "orphaned": r.orphaned,
        "blocked": r.blocked,
        "managed": r.managed,
        "failed": r.failed,
        "failure_ignored": r.failure_ignored,
        "maintenance": r.maintenance,
        "disabled": r.disabled,
        "pending": r.pending,
        "locked_to": r.locked_to,
        "nodes": list(r.nodes),
        "description": r.description,
        "promotable": r.promotable,
        "unique": r.unique,
        "container_type": r.container_type,
        "image": r.image,
        "implicit": r.implicit,
        "markers": list(state.markers),  # crm_mon's words about it and its node, in its order
        "severity": str(state.severity),
        "children": [_resource(c, snapshot) for c in r.children],
    }


def _operation(o: Operation) -> dict:
    return {
        "task": o.task,
        "call": o.call,
        "rc": o.rc,
        "rc_text": o.rc_text,
        "interval_ms": o.interval_ms,
        "last_rc_change": o.last_rc_change,
        "exec_time_ms": o.exec_time_ms,
        "queue_time_ms": o.queue_time_ms,
    }


def _history(h: ResourceHistory) -> dict:
    return {
        "node": h.node,
        "resource": h.resource,
        "fail_count": h.fail_count,
        "migration_threshold": h.migration_threshold,
        "last_failure": h.last_failure,
        "operations": [_operation(o) for o in h.operations],
    }


def _failure(f: Failure) -> dict:
    return {
        "op_key": f.op_key,
        "node": f.node,
        "resource": f.resource,
        "task": f.task,
        "interval_ms": f.interval_ms,
        "exit_status": f.exit_status,
        "exit_reason": f.exit_reason,
        "exit_code": f.exit_code,
        "call": f.call,
        "status": f.status,
        "last_rc_change": f.last_rc_change,
    }


def _fence(e: FenceEvent) -> dict:
    return {
        "target": e.target,
        "action": e.action,
        "status": e.status,
        "delegate": e.delegate,
        "client": e.client,
        "origin": e.origin,
        "completed": e.completed,
        "exit_reason": e.exit_reason,
    }


def _ticket(t: Ticket) -> dict:
    return {"id": t.id, "granted": t.granted, "standby": t.standby,
            "last_granted": t.last_granted}


def _ban(b: Ban) -> dict:
    return {"id": b.id, "resource": b.resource, "node": b.node, "weight": b.weight,
            "promoted_only": b.promoted_only}
