"""The operator's resource and node actions, answered as Pacemaker 2.1.5 answers them:
crm_resource --move / --ban / --clear / --restart / --refresh / --get-parameter,
stonith_admin --list / --reboot / --fence, crm_failcount --delete (commands.py dispatches).

Words and exit codes are 2.1.5's: --move/--ban/--clear/--get-parameter as the real tool
prints them in CIB_file mode (tests/sim/test_actions_faithful.py compares); --restart,
--refresh, crm_failcount and stonith_admin need a live cluster, so they follow the tools'
source (crm_failcount --delete is a script running crm_resource --cleanup).
"""

from __future__ import annotations

import re
from typing import Callable

from tui.sim.cib import lifetime_end
from tui.sim.model import CLUSTER, Ban, Bundle, Clone, Group
from tui.sim.state import ClusterState

Result = tuple[int, str, str]
EX_OK, EX_ERROR, EX_USAGE, EX_NOSUCH, EX_EXISTS, EX_MULTIPLE, EX_DISCONNECT = 0, 1, 64, 105, 108, 109, 102
NO_RESOURCE = "crm_resource: Resource '{}' not found\nError performing operation: No such object\n"
NO_NODE = "crm_resource: Node '{}' not found\nError performing operation: No such object\n"
EXISTS = "crm_resource: Error performing operation: Requested item already exists\n"
MULTIPLE = "crm_resource: Error performing operation: Multiple items match request\n"
NO_FENCER = "Could not connect to fencer: Transport endpoint is not connected\n"


def find(state: ClusterState, rsc: str):
    """The configured or implicit resource named rsc (None: crm_resource's "not found")."""
    res = next((r for r in state.resources if r.id == rsc), None)
    if res is not None:
        return res
    for top in state.resources:
        if isinstance(top, Group):
            child = next((c for c in top.children if c.id == rsc), None)
            if child is not None:
                return child
        elif isinstance(top, (Clone, Bundle)) and top.child.id == rsc:
            return top.child
    return state.primitives.get(rsc, (None, None))[0]


def _lrm_ids(state: ClusterState, res) -> list[str]:
    if isinstance(res, Group):
        return [c.id for c in res.children]
    if isinstance(res, Clone):
        return [res.child.id]
    return [res.id]


def places(state: ClusterState, res) -> dict[str, str]:
    """node -> role where the resource (its first member: a group) is active."""
    found: dict[str, str] = {}
    for rid in _lrm_ids(state, res)[:1]:
        for node, role in state.where(rid):
            found.setdefault(node, role)
    return found


def _parse_lifetime(text: str) -> float | None:
    """An ISO 8601 duration (PT1H, P1D, PT30M, P1DT2H) in seconds; None when unreadable."""
    match = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text.strip())
    if not match or not any(match.groups()):
        return None
    w, d, h, m, s = (int(g) if g else 0 for g in match.groups())
    return float(((w * 7 + d) * 24 + h) * 3600 + m * 60 + s)


def _promotable(state: ClusterState, rsc: str) -> bool:
    top = state.top_of(rsc)
    return isinstance(top, Clone) and top.promotable


def _warning(rsc: str, node: str, promoted: bool) -> str:
    doing = "being promoted" if promoted else "running"
    return (f"WARNING: Creating rsc_location constraint 'cli-ban-{rsc}-on-{node}' with a score of -INFINITY "
            f"for resource {rsc} on {node}.\n"
            f"\tThis will prevent {rsc} from {doing} on {node} until the constraint is removed using the clear "
            "option or by editing the CIB with an appropriate tool\n"
            f"\tThis will be the case even if {node} is the last node in the cluster\n")


def move_or_ban(state: ClusterState, action: str, rsc: str, node: str | None, *, promoted: bool,
                lifetime: str | None) -> Result:
    """crm_resource --move / --ban [--node N] [--promoted] [--lifetime L]."""
    res = find(state, rsc)
    if res is None:
        return EX_NOSUCH, "", NO_RESOURCE.format(rsc)
    if node is not None and state.node(node) is None:
        return EX_NOSUCH, "", NO_NODE.format(node)
    if isinstance(res, Bundle):
        return EX_MULTIPLE, "", MULTIPLE
    end, out = None, ""
    if lifetime:
        seconds = _parse_lifetime(lifetime)
        if seconds is None:
            return EX_USAGE, "", f"crm_resource: Invalid duration specified: {lifetime}\n"
        end = float(int(state.now + seconds))
        out = f"Migration will take effect until: {lifetime_end(end)}\n"
    if promoted and not _promotable(state, rsc):  # 2.1.5 and 3.0.0 (lab): said, and done as a plain one
        out += f"Ignoring --promoted option: {rsc} is not promotable\n"
        promoted = False
    role = "Promoted" if promoted else "Started"
    where = places(state, res)
    active = [n for n, r in where.items() if not promoted or r == "Promoted"]
    if action == "move" and node is not None:
        if node in active:
            return EX_EXISTS, "", EXISTS
        state.remove_location(f"cli-ban-{rsc}-on-{node}")  # moving to a banned node lifts that ban
        state.set_location(Ban(f"cli-prefer-{rsc}", rsc, node, role, "INFINITY", end))
        state.follow(rsc)
        return EX_OK, out, ""
    if node is None:  # ban (or move without a node): the node it is active on now
        if len(active) > 1:
            return EX_USAGE, "", (f"crm_resource: Resource '{rsc}' not moved: active in {len(active)} locations"
                                  f"{' (promoted in ' + str(len(active)) + ')' if promoted else ''}.\n"
                                  f"To prevent '{rsc}' from running on a specific location, specify a node.\n")
        if not active:
            return EX_USAGE, "", (f"crm_resource: Resource '{rsc}' not moved: active in 0 locations.\n"
                                  f"To prevent '{rsc}' from running on a specific location, specify a node.\n")
        node = active[0]
    state.set_location(Ban(f"cli-ban-{rsc}-on-{node}", rsc, node, role, "-INFINITY", end))
    state.follow(rsc)
    return EX_OK, out + _warning(rsc, node, promoted), ""


def clear(state: ClusterState, rsc: str, node: str | None) -> Result:
    """crm_resource --clear [--node N]: node by node (in the cluster's order), its cli-ban
    then the cli-prefer when it is for that node; each removal named."""
    res = find(state, rsc)
    if res is None:
        return EX_NOSUCH, "", NO_RESOURCE.format(rsc)
    if node is not None and state.node(node) is None:
        return EX_NOSUCH, "", NO_NODE.format(node)
    removed = []
    for name in [node] if node is not None else list(state.nodes):
        if state.remove_location(f"cli-ban-{rsc}-on-{name}"):
            removed.append(f"cli-ban-{rsc}-on-{name}")
        prefer = state.location(f"cli-prefer-{rsc}")
        if prefer is not None and prefer.node == name and state.remove_location(prefer.id):
            removed.append(prefer.id)
    if removed:
        state.follow(rsc)
    return EX_OK, "".join(f"Removing constraint: {cid}\n" for cid in removed), ""


def get_meta(state: ClusterState, rsc: str, name: str) -> Result:
    """crm_resource --resource R --meta --get-parameter NAME: its own value, else its group's
    or clone's; not set: exit 0, nothing on stdout, the words on stderr (2.1.5)."""
    res = find(state, rsc)
    if res is None:
        return EX_NOSUCH, "", NO_RESOURCE.format(rsc)
    note = ""
    if (isinstance(res, Clone) or state.parent_of(rsc) and isinstance(state.top_of(rsc), Clone)) and \
            len(places(state, res)) > 1:
        note = f"{rsc} is active on more than one node, returning the default value for {name}\n"
    meta = dict(getattr(res, "meta", {}))
    parent = state.top_of(rsc) if not isinstance(res, (Group, Clone, Bundle)) else None
    if parent is not None and parent is not res:
        meta = {**getattr(parent, "meta", {}), **meta}
    meta = {k: v for k, v in meta.items() if not k.startswith("_")}
    if name not in meta:
        return EX_OK, "", note + f"Attribute '{name}' not found for '{rsc}'\n"
    return EX_OK, f"{meta[name]}\n", note


def restart(state: ClusterState, rsc: str, node: str | None) -> Result:
    """crm_resource --restart [--node N]: target-role stopped, wait, back as it was."""
    res = find(state, rsc)
    if res is None:
        return EX_NOSUCH, "", NO_RESOURCE.format(rsc)
    if node is not None and state.node(node) is None:
        return EX_NOSUCH, "", NO_NODE.format(node)
    where = places(state, res)
    if not where or (node is not None and node not in where):
        at = f"on {node}" if node is not None else "anywhere"
        return EX_NOSUCH, "", (f"{rsc} is not running {at} and so cannot be restarted\n"
                               "crm_resource: Error performing operation: No such object\n")
    meta = getattr(res, "meta", {})
    created = "target-role" not in meta
    old = meta.get("target-role")
    nv = f"{rsc}-meta_attributes-target-role"
    state.restart_resource(rsc, node)
    out = (f"Set '{rsc}' option: id={nv}{' set=' + rsc + '-meta_attributes' if created else ''} "
           f"name=target-role value=stopped\n"
           f"Waiting for 1 resources to stop:\n * {rsc}\n")
    out += (f"Deleted '{rsc}' option: id={nv} name=target-role\n" if old is None
            else f"Set '{rsc}' option: id={nv} name=target-role value={old}\n")
    out += f"Waiting for 1 resources to start again:\n * {rsc}\n"
    return EX_OK, out, ""


# ---- stonith_admin ---------------------------------------------------------------------------

def stonith_admin(state: ClusterState, host: str, args: tuple[str, ...], connected: Callable[[str], bool]) -> Result:
    """--list NODE | --reboot NODE | --fence NODE, on a cluster node whose fencer runs."""
    spec = {"--list": "list", "-l": "list", "--reboot": "reboot", "-B": "reboot", "--fence": "off", "-F": "off"}
    if len(args) != 2 or args[0] not in spec:
        return EX_USAGE, "", ("stonith_admin: the demo cluster answers only --list NODE, --reboot NODE "
                              "and --fence NODE\n")
    action, target = spec[args[0]], args[1]
    machine = state.host(host)
    node = state.node(machine.name if machine else host)
    if node is None or node.kind != CLUSTER or not connected(host):
        return EX_DISCONNECT, "", NO_FENCER
    if action == "list":
        devices = state.fence_devices_for(target)
        noun = "fence device" if len(devices) == 1 else "fence devices"
        return EX_OK, "".join(f"{d}\n" for d in devices) + f"{len(devices)} {noun} found\n", ""
    client = f"stonith_admin.{4000 + len(state.fence_history)}"
    if not state.fence(target, off=action == "off", origin=node.name, client=client):
        return EX_NOSUCH, "", f"stonith_admin: Couldn't fence {target}: No such device\n"  # 2.1.5 (lab)
    return EX_OK, "", ""

