"""The console's everyday actions as one-step Plans, each with a done probe and an undo.

The done probe asks crm_attribute for the attribute's value: when it already is what the
step would set, the step is skipped (a rerun changes nothing). Every plan carries its recipe
(tui.ops.recipes), so a run can be rebuilt to resume it.
"""

from __future__ import annotations

import re

from tui.ops.plan import Plan, Probe, RunStep
from tui.pacemaker import commands
from tui.remote.transport import CommandResult

ON_WORDS = frozenset({"on", "true", "yes", "1", "y"})
OFF_WORDS = frozenset({"off", "false", "no", "0", "n"})
# crm_attribute --query of an attribute that is not set: CRM_EX_NOSUCH (105); older: ENXIO (6)
NOT_SET = frozenset({105, 6})


def _query_node(node: str, name: str) -> tuple[str, ...]:
    return ("crm_attribute", "--node", node, "--name", name, "--query", "--quiet")


def _query_cluster(name: str) -> tuple[str, ...]:
    return ("crm_attribute", "--type", "crm_config", "--name", name, "--query", "--quiet")


def attribute_value(result: CommandResult) -> str | None:
    """The value crm_attribute --query printed (`--quiet`: alone; else `... value=X`)."""
    text = result.stdout.decode("utf-8", "replace").strip()
    match = re.search(r"(?:^|\s)value=(\S*)\s*$", text)
    value = match.group(1) if match else (text.splitlines()[-1].strip() if text else "")
    return value.lower()


def is_on(result: CommandResult) -> bool:
    return result.ok and attribute_value(result) in ON_WORDS


def is_off(result: CommandResult) -> bool:
    """Off, or not set at all (the default is off)."""
    if result.exit_status in NOT_SET:
        return True
    return result.ok and attribute_value(result) in OFF_WORDS


def _node_attribute(title: str, step_title: str, node: str, name: str, on: bool,
                    argv_for, recipe: tuple) -> Plan:
    state = "on" if on else "off"
    step = RunStep(
        step_title,
        argv_for(node, on),
        done=Probe(_query_node(node, name), is_on if on else is_off, f"{node} already has {name}={state}"),
        undo=argv_for(node, not on),
    )
    return Plan(title, (step,), recipe=recipe)


def standby(node: str, on: bool = True) -> Plan:
    verb = "Put" if on else "Take"
    where = "into" if on else "out of"
    return _node_attribute(f"{verb} node {node} {where} standby",
                           f"Set standby={'on' if on else 'off'} on {node}", node, "standby", on,
                           commands.node_standby, ("standby", {"node": node, "on": on}))


def node_maintenance(node: str, on: bool = True) -> Plan:
    state = "on" if on else "off"
    return _node_attribute(f"Maintenance {state} for node {node}", f"Set maintenance={state} on {node}",
                           node, "maintenance", on, commands.node_maintenance,
                           ("node_maintenance", {"node": node, "on": on}))


def cluster_maintenance(on: bool = True) -> Plan:
    state = "on" if on else "off"
    step = RunStep(
        f"Set maintenance-mode={'true' if on else 'false'}",
        commands.cluster_maintenance(on),
        done=Probe(_query_cluster("maintenance-mode"), is_on if on else is_off,
                   f"maintenance-mode is already {'true' if on else 'false'}"),
        undo=commands.cluster_maintenance(not on),
    )
    return Plan(f"Cluster-wide maintenance mode {state}", (step,),
                recipe=("cluster_maintenance", {"on": on}))


def cleanup(resource: str | None = None, node: str | None = None) -> Plan:
    """No done probe (clearing failures is always worth doing) and no undo (history is gone)."""
    what = resource or "all resources"
    where = f" on {node}" if node else ""
    return Plan(
        f"Clean up {what}{where}",
        (RunStep(f"Clear failures of {what}{where}", commands.resource_cleanup(resource, node)),),
        recipe=("cleanup", {"resource": resource, "node": node}),
    )
