"""nodecmds.simulate_changes: CIB changes tried on a copy of the cluster, previewed as
crm_simulate 2.1.5 prints it; the live cluster is not touched.

The script (nodecmds.SIMULATE_SCRIPT) runs `cibadmin --query` into a temporary file, each
change (shlex-quoted, eval'd) with CIB_file pointing at it, then `crm_simulate --xml-file FILE`
with its own options: `--run` (plan only: "Current cluster status", "Transition Summary") or
`--simulate` (also "Executing Cluster Transition", "Revised Cluster Status"), `--output-as=xml`
(the <pacemaker-result> document: <cluster_status>, <modifications>, <actions>, <status>) and
`--node-down=NODE` ("Performing Requested Modifications: * Taking node NODE offline"). In text
mode the changes' own output comes first on stdout; in XML mode it goes to stderr.

Here the copy is a deep copy of the ClusterState; the transition is the difference between
where things run now and where they run once the copy has settled after the change.
"""

from __future__ import annotations

import copy
import shlex
from typing import Sequence

from lxml import etree

from tui.sim.model import BUNDLE, CLUSTER, GUEST, REMOTE
from tui.sim.render import natural_key
from tui.sim.state import ClusterState

Result = tuple[int, str, str]
API_VERSION = "2.25"  # crm_simulate 2.1.5's pacemaker-result api-version
COPY = "/tmp/tmp.pcmkcib"  # what the request attribute names as the copy (mktemp's form)
ABORT_INJECT = ("(log_assertion_as) \terror: pcmk__inject_node: Triggered fatal assertion at "
                "pcmk_injections.c:267 : rc == pcmk_ok\n")
EX_USAGE = 64
EX_ABORT = 134
OWN_PREFIX = "impact preview: "


def run(state: ClusterState, host: str, change: Sequence[str]) -> Result:
    """The text preview of one change argv, executed (simulate_change's former script)."""
    return run_script(state, host, ("text", "1", shlex.join(change), "--simulate"))


def run_script(state: ClusterState, host: str, words: Sequence[str]) -> Result:
    """`sh -c SIMULATE_SCRIPT simulate-changes WORDS...`: the script's positional parameters."""
    from tui.sim.commands import execute  # commands dispatches here

    rc, _, err = execute(state, host, ("cibadmin", "--query"))
    if rc != 0:
        return 1, "", err
    if len(words) < 2:
        return 2, "", "sh: 1: shift: can't shift that many\n"
    fmt, count, rest = words[0], words[1], tuple(words[2:])
    if not count.isdigit() or int(count) > len(rest):
        return 1, "", "impact preview: bad change count\n"
    changes, options = rest[:int(count)], rest[int(count):]
    xml = fmt == "xml"
    baseline, trial = copy.deepcopy(state), copy.deepcopy(state)
    out = err = ""
    for change in changes:
        try:
            argv = shlex.split(change)
        except ValueError:
            return 1, out, err + "sh: 1: Syntax error: Unterminated quoted string\n"
        rc, change_out, change_err = execute(trial, host, tuple(argv)) if argv else (0, "", "")
        if xml:
            err += change_out + change_err
        else:
            out, err = out + change_out, err + change_err
        if rc != 0:
            return 1, out, err + f"{OWN_PREFIX}the change failed on the copy of the CIB (exit {rc}): {change}\n"
    rc, sim_out, sim_err = crm_simulate(baseline, trial, options)
    return rc, out + sim_out, err + sim_err


def crm_simulate(before: ClusterState, trial: ClusterState, options: Sequence[str]) -> Result:
    """crm_simulate --xml-file COPY OPTIONS on the changed copy `trial` (`before`: the copy
    before the changes)."""
    execute_it = xml = False
    downs: list[str] = []
    request = ["crm_simulate", "--xml-file", COPY]
    words = list(options)
    while words:
        word = words.pop(0)
        request.append(word)
        if word in ("--run", "-R"):
            continue
        if word in ("--simulate", "-S"):
            execute_it = True
        elif word == "--output-as=xml":
            xml = True
        elif word.startswith("--node-down="):
            downs.append(word.split("=", 1)[1])
        elif word in ("--node-down", "-d") and words:
            downs.append(words.pop(0))
            request.append(downs[-1])
        else:
            return EX_USAGE, "", f"crm_simulate: Unknown option {word}\n"
    status = _node_list(before)
    mods = "".join(f"  * Taking node {node} offline\n" for node in downs)
    mods_text = f"Performing Requested Modifications:\n{mods}\n" if downs else ""
    unknown = [node for node in downs if node not in trial.nodes]
    if unknown:  # 2.1.5 aborts injecting a node the CIB does not have
        text = "" if xml else "Current cluster status:\n" + status + "\n" + mods_text.rstrip("\n") + "\n"
        return EX_ABORT, text, ABORT_INJECT + ABORT_INJECT
    for node in downs:
        _take_down(trial, node)
    _settle(before)  # what the cluster would do anyway is not the change's doing
    _settle(trial)
    summary = _summary(before, trial)
    if xml:
        return 0, _xml(before, trial, summary, downs, request, execute_it), ""
    text = "Current cluster status:\n" + status + "\n" + mods_text + "Transition Summary:\n" + _lines(summary)
    if execute_it:
        text += ("\nExecuting Cluster Transition:\n" + "".join(_in_order(trial, summary)) + "\n"
                 "Revised Cluster Status:\n" + _node_list(trial))
    return 0, text, ""


def _take_down(trial: ClusterState, node: str) -> None:
    """--node-down: the node leaves cleanly. A cluster node: what ran there stops, what may
    move moves. A remote, guest or bundle node: what ran on it stops (the demo's scheduler
    places nothing of theirs elsewhere)."""
    if trial.nodes[node].kind == CLUSTER:
        trial.down.add(node)
        trial.evacuate(node)
        return
    for rid in reversed(trial._resources_on(node)):
        trial.stop(rid, node)
        trial.desired[rid] = [(n, r) for n, r in trial.desired.get(rid, []) if n != node]


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


def _in_order(trial: ClusterState, summary: list[dict]) -> list[str]:
    """Resource actions in the order the cluster runs them: what runs on a remote or guest
    node stops before its connection, starts come after every stop."""
    actions = [(rsc, task, node) for change in summary for rsc, task, node in change["ops"]]

    def rank(action: tuple[str, str, str]) -> int:
        _, task, node = action
        if task == "stop":
            return 0 if node not in trial.nodes or trial.nodes[node].kind != CLUSTER else 1
        return 2
    return [f"  * Resource action: {rsc:<15} {task} on {node}\n"
            for rsc, task, node in sorted(actions, key=rank)]


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


def _needs_role(role: str | None, next_role: str | None) -> bool:
    """Pacemaker names the roles when the role is above Started or the next above Unpromoted."""
    return role in ("Unpromoted", "Promoted") or next_role == "Promoted"


def _change(kind: str, rsc: str, ops, **fields) -> dict:
    return {"kind": kind, "rsc": rsc, "ops": ops, **{k: v for k, v in fields.items() if v is not None}}


def _summary(before: ClusterState, after: ClusterState) -> list[dict]:
    """One dict per summary line (kind, rsc, node | source+dest, role, next_role, reason, and
    the resource actions it takes): stop, start, move, promote, demote."""
    old, new = _placements(before), _placements(after)
    out: list[dict] = []
    for rsc in [r for r in before.primitives if r in old or r in new] + [r for r in new if r not in before.primitives]:
        was, will = old.get(rsc, {}), new.get(rsc, {})
        if was == will:
            continue
        gone = [n for n in was if n not in will]
        came = [n for n in will if n not in was]
        if len(gone) == 1 and len(came) == 1 and len(was) == 1:
            role = was[gone[0]]
            out.append(_change("move", rsc, [(rsc, "stop", gone[0]), (rsc, "start", came[0])],
                               source=gone[0], dest=came[0], role=role if _needs_role(role, role) else None))
            continue
        for node in gone:
            role = was[node]
            out.append(_change("stop", rsc, [(rsc, "stop", node)], node=node, reason="node availability",
                               role=role if _needs_role(role, None) else None))
        for node in came:
            role = will[node]
            promoted = _needs_role(None, role)
            out.append(_change("start", rsc, [(rsc, "start", node)], node=node,
                               role="Stopped" if promoted else None, next_role=role if promoted else None))
        for node in [n for n in was if n in will and was[n] != will[n]]:
            kind = "promote" if will[node] == "Promoted" else "demote"
            out.append(_change(kind, rsc, [(rsc, kind, node)], node=node, role=was[node], next_role=will[node]))
    return out


def _details(change: dict) -> str:
    role, next_role = change.get("role"), change.get("next_role")
    if "source" in change:
        return f"{change['source']} -> {change['dest']}" + (f" {role}" if role else "")
    node = change["node"]
    if role and next_role:
        return f"{role} -> {next_role} {node}"
    return f"{role} {node}" if role else node


def _lines(summary: list[dict]) -> str:
    """`  * %-8s   %-*s   ( %*s )  due to REASON`, the widths from the widest of the list."""
    if not summary:
        return ""
    rsc_width = max(len(c["rsc"]) for c in summary) + 2
    detail_width = max(len(_details(c)) for c in summary)
    out = []
    for c in summary:
        reason = f"  due to {c['reason']}" if c.get("reason") else ""
        out.append(f"  * {c['kind'].capitalize():<8}   {c['rsc']:<{rsc_width}}   ( {_details(c):>{detail_width}} ){reason}\n")
    return "".join(out)


def _status_element(tag: str, state: ClusterState):
    from tui.sim.render import crm_mon_xml

    mon = etree.fromstring(crm_mon_xml(state, fence_history=False).encode())
    element = etree.Element(tag)
    for name in ("nodes", "resources"):
        found = mon.find(name)
        if found is not None:
            element.append(found)
    return element


def _xml(before: ClusterState, trial: ClusterState, summary: list[dict], downs: list[str],
         request: list[str], execute_it: bool) -> str:
    root = etree.Element("pacemaker-result", {"api-version": API_VERSION, "request": " ".join(request)})
    root.append(_status_element("cluster_status", before))
    if downs:
        mods = etree.SubElement(root, "modifications")
        for node in downs:
            etree.SubElement(mods, "modify_node", {"action": "Offline", "node": node})
    actions = etree.SubElement(root, "actions")
    for c in summary:
        attrs = {"action": c["kind"], "resource": c["rsc"]}
        role, next_role = c.get("role"), c.get("next_role")
        if c["kind"] == "start" and next_role:
            attrs.update({"role": role, "next-role": next_role, "dest": c["node"]})
        elif "source" in c:
            attrs.update({"source": c["source"], "dest": c["dest"]})
            if role:
                attrs["role"] = role
        elif c["kind"] in ("promote", "demote"):
            attrs.update({"role": role, "next-role": next_role, "source": c["node"]})
        else:
            if role:
                attrs["role"] = role
            attrs["node"] = c["node"]
        if c.get("reason"):
            attrs["reason"] = c["reason"]
        etree.SubElement(actions, "rsc_action", attrs)
    if execute_it:
        transition = etree.SubElement(root, "transition")
        for line in _in_order(trial, summary):
            rsc, _, rest = line.removeprefix("  * Resource action: ").partition(" ")
            task, _, node = rest.strip().partition(" on ")
            etree.SubElement(transition, "rsc_action", {"resource": rsc, "op": task, "node": node.strip()})
        root.append(_status_element("revised_cluster_status", trial))
    etree.SubElement(root, "status", {"code": "0", "message": "OK"})
    return etree.tostring(root, pretty_print=True, encoding="unicode")
