"""nodecmds.simulate_change: a CIB change tried on a copy of the cluster, previewed as
crm_simulate prints it ("Current cluster status", "Transition Summary", "Revised Cluster
Status"); the live cluster is not touched.

The script runs `cibadmin --query` into a temporary file, the change with CIB_file
pointing at it, then `crm_simulate --xml-file FILE --simulate`: so its output is the
change's own output followed by crm_simulate's. Here the copy is a deep copy of the
ClusterState; the transition is the difference between where things run now and where
they run once the copy has settled after the change.
"""

from __future__ import annotations

import copy
from typing import Sequence

from tui.sim.model import BUNDLE, CLUSTER, GUEST, REMOTE
from tui.sim.render import natural_key
from tui.sim.state import ClusterState

Result = tuple[int, str, str]


def run(state: ClusterState, host: str, change: Sequence[str]) -> Result:
    from tui.sim.commands import execute  # commands dispatches here

    rc, out, err = execute(state, host, ("cibadmin", "--query"))
    if rc != 0:
        return 1, "", err
    baseline, trial = copy.deepcopy(state), copy.deepcopy(state)
    rc, change_out, change_err = execute(trial, host, tuple(change))
    if rc != 0:
        return 1, change_out, change_err
    _settle(baseline)  # what the cluster would do anyway is not the change's doing
    _settle(trial)
    summary = _summary(baseline, trial)
    text = ("Current cluster status:\n" + _node_list(state) + "\n"
            "Transition Summary:\n" + "".join(line for line, _ in summary) + "\n"
            "Executing Cluster Transition:\n" + "".join(_in_order(trial, summary)) + "\n"
            "Revised Cluster Status:\n" + _node_list(trial))
    return 0, change_out + text, change_err


def _settle(trial: ClusterState) -> None:
    """What the scheduler would place at once: the pending placements of new resources."""
    pending = [e for e in trial._events if e.kind == "place"]
    trial._events = [e for e in trial._events if e.kind != "place"]
    for event in pending:
        trial._on_place(event.arg)
    trial._settle()


def _node_list(state: ClusterState) -> str:
    groups: dict[str, list[str]] = {"Online": [], "OFFLINE": [], "RemoteOnline": [], "RemoteOFFLINE": [],
                                    "GuestOnline": []}
    standby = []
    for name in sorted(state.nodes, key=natural_key):
        node = state.nodes[name]
        online = state.node_online(name)
        if node.kind == CLUSTER and online and state.standby(name):
            standby.append(name)
        elif node.kind == CLUSTER:
            groups["Online" if online else "OFFLINE"].append(name)
        elif node.kind == REMOTE:
            groups["RemoteOnline" if online else "RemoteOFFLINE"].append(name)
        elif node.kind in (GUEST, BUNDLE) and online:
            groups["GuestOnline"].append(name)
    lines = ["  * Node List:\n"]
    lines += [f"    * Node {name}: standby\n" for name in standby]
    lines += [f"    * {label}: [ {' '.join(names)} ]\n" for label, names in groups.items() if names]
    return "".join(lines)


def _in_order(trial: ClusterState, summary) -> list[str]:
    """Resource actions in the order the cluster runs them: what runs on a remote or guest
    node stops before its connection, starts come after every stop."""
    actions = [a for _, acts in summary for a in acts]
    def rank(action: str) -> int:
        node = action.rsplit(" on ", 1)[1].strip()
        if " stop on " in action:
            return 0 if node not in trial.nodes or trial.nodes[node].kind != CLUSTER else 1
        return 2
    return sorted(actions, key=rank)


def _placements(state: ClusterState) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for rsc in state.primitives:
        guest = state.remote_of(rsc)
        if guest is not None and state.nodes[guest].kind == GUEST and not state.node_online(guest):
            continue  # a guest's connection goes with its VM
        places = dict(state.where(rsc))
        if places:
            out[rsc] = places
    return out


def _summary(before: ClusterState, after: ClusterState) -> list[tuple[str, list[str]]]:
    """(summary line, resource actions) per change: stop, start, move, promote, demote."""
    old, new = _placements(before), _placements(after)
    out = []
    for rsc in [r for r in before.primitives if r in old or r in new] + [r for r in new if r not in before.primitives]:
        was, will = old.get(rsc, {}), new.get(rsc, {})
        if was == will:
            continue
        gone = [n for n in was if n not in will]
        came = [n for n in will if n not in was]
        if len(gone) == 1 and len(came) == 1 and len(was) == 1:
            out.append((_line("Move", rsc, f"{gone[0]} -> {came[0]}"),
                        [_action(rsc, "stop", gone[0]), _action(rsc, "start", came[0])]))
            continue
        out += [(_line("Stop", rsc, node, "  due to node availability"), [_action(rsc, "stop", node)]) for node in gone]
        out += [(_line("Start", rsc, node), [_action(rsc, "start", node)]) for node in came]
        for node in [n for n in was if n in will and was[n] != will[n]]:
            action = "Promote" if will[node] == "Promoted" else "Demote"
            out.append((_line(action, rsc, f"{was[node]} -> {will[node]} {node}"),
                        [_action(rsc, action.lower(), node)]))
    return out


def _line(action: str, rsc: str, details: str, reason: str = "") -> str:
    return f"  * {action:<10} {rsc:<30} ( {details:>28} ){reason}\n"


def _action(rsc: str, task: str, node: str) -> str:
    return f"  * Resource action: {rsc:<15} {task} on {node}\n"
