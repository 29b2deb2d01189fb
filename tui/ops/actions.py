"""The console's everyday actions as Plans, each with a done probe and an undo where one exists.

The done probe asks crm_attribute (node and cluster attributes), crm_resource --get-parameter
(resource meta attributes) or crm_resource --locate (placement) for what holds now: when it
already is what the step would set, the step is skipped (a rerun changes nothing). Every plan
carries its recipe (tui.ops.recipes), so a run can be rebuilt to resume it; a plan that may
change where resources run carries a PreviewSpec (what crm_simulate tries on a copy of the
CIB), and the ones that touch the whole cluster (maintenance-mode, fencing) say so
(cluster_wide), which is what the risk rules (tui.ops.risk) ask for a typed confirmation on.

Undo, honestly: move/ban/promote/demote -> clear what they created; disable <-> enable;
unmanage <-> manage; meta_set/meta_delete, restart, refresh, cleanup, fence and clearing fail
counts have none (the previous value or the history is not known to a pure builder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from tui.ops.plan import CheckStep, Plan, Probe, RunStep, Verdict
from tui.ops.preview import PreviewSpec
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
                    argv_for, recipe: tuple, *, preview: bool) -> Plan:
    state = "on" if on else "off"
    change = argv_for(node, on)
    step = RunStep(
        step_title,
        change,
        done=Probe(_query_node(node, name), is_on if on else is_off, f"{node} already has {name}={state}"),
        undo=argv_for(node, not on),
    )
    return _plan(title, (step,), recipe, change if preview else None)


def _plan(title: str, steps: Sequence, recipe: tuple, change: tuple[str, ...] | None = None, *,
          nodes_down: tuple[str, ...] = (), cluster_wide: bool = False) -> Plan:
    """A plan; with change (or nodes_down): placement may change, crm_simulate previews it."""
    preview = None
    if change is not None or nodes_down:
        preview = PreviewSpec(changes=(change,) if change is not None else (), nodes_down=nodes_down)
    return Plan(title, tuple(steps), recipe=recipe, preview=preview, cluster_wide=cluster_wide)


def standby(node: str, on: bool = True) -> Plan:
    verb = "Put" if on else "Take"
    where = "into" if on else "out of"
    return _node_attribute(f"{verb} node {node} {where} standby",
                           f"Set standby={'on' if on else 'off'} on {node}", node, "standby", on,
                           commands.node_standby, ("standby", {"node": node, "on": on}), preview=True)


def node_maintenance(node: str, on: bool = True) -> Plan:
    state = "on" if on else "off"
    return _node_attribute(f"Maintenance {state} for node {node}", f"Set maintenance={state} on {node}",
                           node, "maintenance", on, commands.node_maintenance,
                           ("node_maintenance", {"node": node, "on": on}), preview=not on)


def cluster_maintenance(on: bool = True) -> Plan:
    state = "on" if on else "off"
    step = RunStep(
        f"Set maintenance-mode={'true' if on else 'false'}",
        commands.cluster_maintenance(on),
        done=Probe(_query_cluster("maintenance-mode"), is_on if on else is_off,
                   f"maintenance-mode is already {'true' if on else 'false'}"),
        undo=commands.cluster_maintenance(not on),
    )
    # off: the cluster takes its resources back (and may move or restart them): previewed
    return _plan(f"Cluster-wide maintenance mode {state}", (step,), ("cluster_maintenance", {"on": on}),
                 None if on else step.argv, cluster_wide=True)


def cleanup(resource: str | None = None, node: str | None = None) -> Plan:
    """No done probe (clearing failures is always worth doing) and no undo (history is gone)."""
    what = resource or "all resources"
    where = f" on {node}" if node else ""
    return Plan(
        f"Clean up {what}{where}",
        (RunStep(f"Clear failures of {what}{where}", commands.resource_cleanup(resource, node)),),
        recipe=("cleanup", {"resource": resource, "node": node}),
    )


# ---- resource actions (issue 13) -------------------------------------------------------------

def meta_value(result: CommandResult) -> str | None:
    """What `crm_resource --meta --get-parameter NAME` printed: the value (its last stdout
    line), "" when the attribute is not set (2.1.5: exit 0, nothing on stdout, "Attribute
    'NAME' not found for 'RSC'" on stderr; an exit 105 with that line counts the same), None
    when the read failed otherwise (no such resource, no cluster)."""
    text = result.stdout.decode("utf-8", "replace").strip()
    if result.ok:
        return text.splitlines()[-1].strip() if text else ""
    if result.exit_status in NOT_SET and b"not found for" in result.stderr:
        return ""
    return None


@dataclass(frozen=True)
class MetaIs:
    """A probe's verdict over `--get-parameter`: the value is one of `values` ("" : unset),
    compared without case. A value (not a closure), so a rebuilt plan equals the original."""

    values: tuple[str, ...]

    def __call__(self, result: CommandResult) -> bool:
        value = meta_value(result)
        return value is not None and value.lower() in self.values


def _meta_probe(rsc: str, name: str, values: Iterable[str], says: str) -> Probe:
    return Probe(commands.resource_meta_get(rsc, name), MetaIs(tuple(v.lower() for v in values)), says)


_UNSET = ("",)


def _locate(rsc: str) -> tuple[str, ...]:
    return ("crm_resource", "--locate", "--resource", rsc)


@dataclass(frozen=True)
class RunsOn:
    """A probe's verdict over `crm_resource --locate`: it runs (promoted) on node."""

    node: str
    promoted: bool = False

    def __call__(self, result: CommandResult) -> bool:
        return runs_on(result, self.node, promoted=self.promoted)


def runs_on(result: CommandResult, node: str, *, promoted: bool = False) -> bool:
    """crm_resource --locate says the resource (promoted: its promoted instance) runs on node:
    a line "resource R is running on: NODE[ Promoted]" (2.1.5; "Master" before 2.1)."""
    if not result.ok:
        return False
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        _, sep, where = line.partition(" is running on: ")
        if not sep:
            continue
        words = where.split()
        if words and words[0] == node:
            if not promoted or (len(words) > 1 and words[1] in ("Promoted", "Master")):
                return True
    return False


def _role(promoted: bool) -> str:
    return "promoted " if promoted else ""


def move(rsc: str, node: str, promoted: bool = False, lifetime: str | None = None,
         version: str | None = None) -> Plan:
    """crm_resource --move: a cli-prefer-RSC constraint for node. Skipped when it already runs
    there (crm_resource would refuse: "Requested item already exists"); undo: clear it."""
    change = commands.resource_move(rsc, node, promoted=promoted, lifetime=lifetime, version=version)
    until = f" for {lifetime}" if lifetime else ""
    step = RunStep(
        f"Prefer {node} for {_role(promoted)}{rsc}{until} (constraint cli-prefer-{rsc})",
        change,
        done=Probe(_locate(rsc), RunsOn(node, promoted),
                   f"{rsc} already runs {'promoted ' if promoted else ''}on {node}"),
        undo=commands.resource_clear(rsc, node, promoted=promoted, version=version),
    )
    return _plan(f"Move {_role(promoted)}{rsc} to {node}{until}", (step,),
                 ("move", {"rsc": rsc, "node": node, "promoted": promoted, "lifetime": lifetime,
                           "version": version}), change)


def ban(rsc: str, node: str, promoted: bool = False, lifetime: str | None = None,
        version: str | None = None) -> Plan:
    """crm_resource --ban: a cli-ban-RSC-on-NODE constraint (score -INFINITY); running it
    again replaces the same constraint. Undo: clear it."""
    change = commands.resource_ban(rsc, node, promoted=promoted, lifetime=lifetime, version=version)
    until = f" for {lifetime}" if lifetime else ""
    what = "promotion of " if promoted else ""
    step = RunStep(
        f"Ban {what}{rsc} from {node}{until} (constraint cli-ban-{rsc}-on-{node})",
        change,
        undo=commands.resource_clear(rsc, node, promoted=promoted, version=version),
        idempotent=True,
    )
    return _plan(f"Ban {what}{rsc} from {node}{until}", (step,),
                 ("ban", {"rsc": rsc, "node": node, "promoted": promoted, "lifetime": lifetime,
                          "version": version}), change)


def clear(rsc: str, node: str | None = None, promoted: bool = False, constraint_ids: Iterable[str] = (),
          version: str | None = None) -> Plan:
    """crm_resource --clear: the move and ban constraints of rsc go (only node's, when given).
    constraint_ids: the ones the caller found in the CIB, named in the title and the step. No
    undo: a removed constraint's lifetime and role are not kept."""
    ids = list(dict.fromkeys(constraint_ids))
    change = commands.resource_clear(rsc, node, promoted=promoted, version=version)
    where = f" on {node}" if node else ""
    named = ", ".join(ids) if ids else "none found"
    step = RunStep(f"Remove the move/ban constraints of {_role(promoted)}{rsc}{where}: {named}", change,
                   idempotent=True)
    return _plan(f"Clear {_role(promoted)}{rsc}{where} ({named})", (step,),
                 ("clear", {"rsc": rsc, "node": node, "promoted": promoted, "constraint_ids": ids,
                            "version": version}), change)


def restart(rsc: str, node: str | None = None) -> Plan:
    """crm_resource --restart (stops it, waits, starts it again). No probe, no undo."""
    where = f" on {node}" if node else ""
    return _plan(f"Restart {rsc}{where}",
                 (RunStep(f"Restart {rsc}{where} and wait for it", commands.resource_restart(rsc, node),
                          timeout=300.0),),
                 ("restart", {"rsc": rsc, "node": node}))


@dataclass(frozen=True)
class MetaEquals:
    """The value is exactly this one (meta_set: case kept)."""

    value: str

    def __call__(self, result: CommandResult) -> bool:
        return meta_value(result) == self.value


def enable(rsc: str) -> Plan:
    """pcs resource enable: target-role removed (the default, Started). Skipped when it is not
    set; undo sets it to Stopped again (which is what a set target-role almost always is)."""
    change = commands.resource_enable(rsc)
    step = RunStep(f"Remove target-role of {rsc}", change,
                   done=_meta_probe(rsc, "target-role", _UNSET, f"{rsc} has no target-role"),
                   undo=commands.resource_disable(rsc))
    # previewed as target-role=Started, which the scheduler reads the same as no target-role:
    # 3.0's delete of an unset attribute fails (exit 105) and would leave no preview at all
    return _plan(f"Enable {rsc}", (step,), ("enable", {"rsc": rsc}),
                 commands.resource_meta_set(rsc, "target-role", "Started"))


def disable(rsc: str) -> Plan:
    """pcs resource disable: target-role=Stopped. Skipped when it is already; undo: enable."""
    change = commands.resource_disable(rsc)
    step = RunStep(f"Set target-role=Stopped on {rsc}", change,
                   done=_meta_probe(rsc, "target-role", ("stopped",), f"{rsc} already has target-role=Stopped"),
                   undo=commands.resource_enable(rsc))
    return _plan(f"Disable (stop) {rsc}", (step,), ("disable", {"rsc": rsc}), change)


def manage(rsc: str) -> Plan:
    """pcs resource manage: is-managed removed. Skipped when unset or true; undo: unmanage."""
    step = RunStep(f"Remove is-managed of {rsc}", commands.resource_manage(rsc),
                   done=_meta_probe(rsc, "is-managed", ("", *sorted(ON_WORDS)), f"{rsc} is managed already"),
                   undo=commands.resource_unmanage(rsc))
    # managed again, the cluster acts on what it finds (a stop where it must not run, a start):
    # previewed as is-managed=true, the default, for the same reason as enable's
    return _plan(f"Manage {rsc}", (step,), ("manage", {"rsc": rsc}),
                 commands.resource_meta_set(rsc, "is-managed", "true"))


def unmanage(rsc: str) -> Plan:
    """pcs resource unmanage: is-managed=false. Skipped when it is already; undo: manage."""
    step = RunStep(f"Set is-managed=false on {rsc}", commands.resource_unmanage(rsc),
                   done=_meta_probe(rsc, "is-managed", sorted(OFF_WORDS), f"{rsc} is unmanaged already"),
                   undo=commands.resource_manage(rsc))
    return _plan(f"Unmanage {rsc}", (step,), ("unmanage", {"rsc": rsc}))


def refresh(resource: str | None = None, node: str | None = None) -> Plan:
    """crm_resource --refresh: the history is forgotten and probed again. No probe, no undo."""
    what = resource or "all resources"
    where = f" on {node}" if node else ""
    return _plan(f"Refresh {what}{where}",
                 (RunStep(f"Forget and re-detect the state of {what}{where}",
                          commands.resource_refresh(resource, node)),),
                 ("refresh", {"resource": resource, "node": node}))


# meta attributes whose value decides where (or whether) a resource runs: previewed
PLACEMENT_META = frozenset({"target-role", "is-managed", "resource-stickiness", "migration-threshold",
                            "priority", "requires", "maintenance"})


def meta_set(rsc: str, name: str, value: str) -> Plan:
    """Skipped when it already has that value. No undo: the previous value is not known here."""
    change = commands.resource_meta_set(rsc, name, value)
    step = RunStep(f"Set meta attribute {name}={value} on {rsc}", change,
                   done=Probe(commands.resource_meta_get(rsc, name), MetaEquals(value),
                              f"{rsc} already has {name}={value}"))
    return _plan(f"Set {name}={value} on {rsc}", (step,), ("meta_set", {"rsc": rsc, "name": name, "value": value}),
                 change if name in PLACEMENT_META else None)


def meta_delete(rsc: str, name: str) -> Plan:
    """Skipped when it is not set. No undo: the value it had is not known here."""
    change = commands.resource_meta_delete(rsc, name)
    step = RunStep(f"Delete meta attribute {name} of {rsc}", change,
                   done=_meta_probe(rsc, name, _UNSET, f"{rsc} has no {name}"))
    return _plan(f"Delete {name} of {rsc}", (step,), ("meta_delete", {"rsc": rsc, "name": name}),
                 change if name in PLACEMENT_META else None)


def fence_devices(result: CommandResult) -> list[str]:
    """The device ids `stonith_admin --list NODE` printed (its "N fence devices found" line left out)."""
    lines = [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines()]
    return [line for line in lines if line and not re.fullmatch(r"\d+ fence devices? found", line)]


@dataclass(frozen=True)
class DevicesFor:
    """The verdict over `stonith_admin --list NODE`: some device can fence it."""

    node: str

    def __call__(self, result: CommandResult) -> Verdict:
        node = self.node
        if not result.ok:
            text = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            return Verdict("fail", f"cannot ask the fencer which devices can fence {node}: "
                           f"{text.splitlines()[-1] if text else f'exit {result.exit_status}'}",
                           "check that the cluster runs on the node the command runs on")
        found = fence_devices(result)
        if not found:
            return Verdict("fail", f"no fence device can fence {node}",
                           f"configure a fence device for {node} (pcmk_host_list or pcmk_host_map)")
        return Verdict("ok", f"{node} can be fenced by {', '.join(found)}")


def fence(node: str, devices: Iterable[str] = (), off: bool = False, via: str | None = None) -> Plan:
    """Reboot (off: power off) node through the fencer. A read first lists the devices that
    can act (a node nothing can fence fails there: nothing runs); devices: the ones the caller
    expects (from the CIB), named in the title. via: the cluster node both steps run on (not
    the victim: a node asked to fence itself may never answer); None: the default host.
    Cluster-wide; no undo."""
    names = list(dict.fromkeys(devices))
    how = "power off" if off else "reboot"
    by = f" by {', '.join(names)}" if names else ""
    steps = (
        CheckStep(f"Fence devices that can fence {node}", commands.fence_devices_for(node),
                  judge=DevicesFor(node), host=via),
        RunStep(f"Fence {node} ({how}){by}", commands.node_fence(node, off=off), timeout=300.0, host=via),
    )
    return _plan(f"Fence node {node} ({how}){by}", steps,
                 ("fence", {"node": node, "devices": names, "off": off, "via": via}),
                 nodes_down=(node,), cluster_wide=True)


def clear_failcounts(node: str, resources: Iterable[str]) -> Plan:
    """crm_failcount --delete for each resource with a fail count on node. No probe, no undo."""
    names = list(dict.fromkeys(resources))
    steps = tuple(RunStep(f"Delete the fail count of {rsc} on {node}", commands.failcount_delete(rsc, node),
                          idempotent=True)
                  for rsc in names)
    shown = ", ".join(names) if names else "none"
    return _plan(f"Clear fail counts on {node} ({shown})", steps,
                 ("clear_failcounts", {"node": node, "resources": names}))


def promote(rsc: str, node: str, version: str | None = None) -> Plan:
    """pcs resource move --promoted: the promoted role preferred on node. Undo: clear it."""
    change = commands.resource_move(rsc, node, promoted=True, version=version)
    step = RunStep(f"Prefer {node} for the promoted role of {rsc} (constraint cli-prefer-{rsc})", change,
                   done=Probe(_locate(rsc), RunsOn(node, True),
                              f"{rsc} is promoted on {node} already"),
                   undo=commands.resource_clear(rsc, node, promoted=True, version=version))
    return _plan(f"Promote {rsc} on {node}", (step,), ("promote", {"rsc": rsc, "node": node, "version": version}),
                 change)


def demote(rsc: str, node: str, version: str | None = None) -> Plan:
    """pcs resource ban --promoted: no promoted instance on node. Undo: clear it."""
    change = commands.resource_ban(rsc, node, promoted=True, version=version)
    step = RunStep(f"Ban the promoted role of {rsc} from {node} (constraint cli-ban-{rsc}-on-{node})", change,
                   undo=commands.resource_clear(rsc, node, promoted=True, version=version), idempotent=True)
    return _plan(f"Demote {rsc} on {node}", (step,), ("demote", {"rsc": rsc, "node": node, "version": version}),
                 change)


# ---- what the CIB says an action will touch (pure: over `cibadmin --query --scope=configuration`) ----

def cli_constraints(configuration: bytes | str, rsc: str, node: str | None = None,
                    promoted: bool = False) -> list[str]:
    """The ids of the constraints `crm_resource --clear` would remove: cli-ban-RSC-on-NODE
    (each node, or node's only) then cli-prefer-RSC (when it is for node, or node is None);
    promoted: only the ones for the promoted role. Unreadable XML: none known."""
    from lxml import etree

    from tui.pacemaker.xmlsafe import UnsafeXml, parse_xml

    try:
        root = parse_xml(configuration)
    except (etree.XMLSyntaxError, UnsafeXml, ValueError):
        return []
    bans, prefer = [], []
    for el in root.iter("rsc_location"):
        cid = el.get("id") or ""
        if el.get("rsc") != rsc or (promoted and el.get("role") not in ("Promoted", "Master")):
            continue
        where = el.get("node")
        if where is None:  # --lifetime: the node is in the rule's #uname expression
            where = next((e.get("value") for e in el.iter("expression") if e.get("attribute") == "#uname"), None)
        if cid.startswith(f"cli-ban-{rsc}-on-") and (node is None or where == node):
            bans.append(cid)
        elif cid == f"cli-prefer-{rsc}" and (node is None or where == node):
            prefer.append(cid)
    return bans + prefer


def fence_devices_in(configuration: bytes | str, node: str) -> list[str]:
    """The stonith primitives whose pcmk_host_list / pcmk_host_map names node (a device with
    neither may fence any node: it asks its agent, and is listed too)."""
    from lxml import etree

    from tui.pacemaker.xmlsafe import UnsafeXml, parse_xml

    try:
        root = parse_xml(configuration)
    except (etree.XMLSyntaxError, UnsafeXml, ValueError):
        return []
    found = []
    for el in root.iter("primitive"):
        if el.get("class") != "stonith":
            continue
        params = {nv.get("name"): nv.get("value") or "" for s in el.findall("instance_attributes")
                  for nv in s.iter("nvpair")}
        hosts = re.split(r"[\s,;]+", params.get("pcmk_host_list", "").strip())
        mapped = [pair.split(":", 1)[0] for pair in re.split(r"[\s,;]+", params.get("pcmk_host_map", "").strip())]
        listed = [h for h in hosts + mapped if h]
        if not listed or node in listed:
            found.append(el.get("id") or "")
    return [f for f in found if f]


# ---- what the status says (pure: over a Snapshot; for the TUI, which has no CIB text at hand) ----

def bans_of(snapshot, rsc: str, node: str | None = None, promoted: bool = False) -> list[str]:
    """The cli-ban ids crm_mon shows for rsc (node's only, when given). crm_mon lists bans,
    not preferences: cli-prefer-RSC is known only from the CIB (cli_constraints)."""
    return list(dict.fromkeys(
        b.id.removesuffix("-rule") for b in snapshot.bans
        if b.resource == rsc and b.id.startswith(f"cli-ban-{rsc}-on-") and (node is None or b.node == node)
        and (not promoted or b.promoted_only)))


def failed_resources(snapshot, node: str) -> list[str]:
    """The resources with a fail count on node, by primitive id (clone instance "ping:1" -> ping)."""
    names = [h.resource.split(":", 1)[0] for h in snapshot.history if h.node == node and h.fail_count]
    return sorted(dict.fromkeys(names))


def fence_devices_of(snapshot, node: str) -> list[str]:
    """Without the CIB: the configured fence devices (stonith: primitives) crm_mon shows; the
    plan's check step still asks the fencer which of them can act."""
    del node  # which ones may fence it is in their parameters (fence_devices_in)
    return sorted({r.id for r in snapshot.all_resources() if (r.agent or "").startswith("stonith:")})
