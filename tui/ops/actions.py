"""The console's everyday actions as one-step Plans."""

from __future__ import annotations

from tui.ops.plan import Plan, Step
from tui.pacemaker import commands


def standby(node: str, on: bool = True) -> Plan:
    verb = "Put" if on else "Take"
    where = "into" if on else "out of"
    return Plan(
        f"{verb} node {node} {where} standby",
        (Step(f"Set standby={'on' if on else 'off'} on {node}", commands.node_standby(node, on)),),
    )


def node_maintenance(node: str, on: bool = True) -> Plan:
    state = "on" if on else "off"
    return Plan(
        f"Maintenance {state} for node {node}",
        (Step(f"Set maintenance={state} on {node}", commands.node_maintenance(node, on)),),
    )


def cluster_maintenance(on: bool = True) -> Plan:
    state = "on" if on else "off"
    return Plan(
        f"Cluster-wide maintenance mode {state}",
        (Step(f"Set maintenance-mode={'true' if on else 'false'}", commands.cluster_maintenance(on)),),
    )


def cleanup(resource: str | None = None, node: str | None = None) -> Plan:
    what = resource or "all resources"
    where = f" on {node}" if node else ""
    return Plan(
        f"Clean up {what}{where}",
        (Step(f"Clear failures of {what}{where}", commands.resource_cleanup(resource, node)),),
    )
