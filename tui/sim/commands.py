"""The command lines a demo host answers, emulated against the ClusterState.

`execute(state, host, argv, stdin)` returns (exit status, stdout, stderr) as the real tools
would: the refresh batch script, crm_mon, cibadmin, the crm_attribute / crm_resource /
crm_node actions the console's Plans run (the operator's placement actions, crm_failcount and
stonith_admin in rsccmds.py, the placement that follows in placement.py), systemctl and service (systemd.py), the file
commands (coreutils.py) on the host's own machine, the node wizards' probes (probes.py),
pcs (pcs.py), the crm_simulate preview (simulate.py), and a few harmless shell commands.
Anything else is exit 127. crm_mon prints what Pacemaker 3.0.0 prints (render.py); the other
tools' messages and exit codes follow Pacemaker 2.1.5, the release installed here (the CIB
writes are compared with the real tools in CIB_file mode by tests/sim/test_cib_faithful.py).
"""

from __future__ import annotations

import copy
import time
from typing import Callable, Sequence

from lxml import etree

from tui.pacemaker import commands, refresh
from tui.sim import cib, cibedit, coreutils, probes, render, systemd, tlscmds
from tui.sim.model import CLUSTER, Bundle, Clone, Group
from tui.sim.state import PACEMAKER_VERSION, ClusterState, bundle_parts

Result = tuple[int, str, str]

# Pacemaker exit codes (crm_exit_t)
EX_OK, EX_USAGE, EX_NOSUCH, EX_DISCONNECT, EX_NOT_FOUND = 0, 64, 105, 102, 127
SUPPORTED = ("crm_mon, cibadmin, crm_attribute, crm_resource, crm_node, crm_failcount, stonith_admin, pcs, "
             "systemctl, service, "
             "test, cat, stat, sha256sum, cp, install, mv, rm, mkdir, chown, chmod, openssl, pacemakerd/pacemaker-remoted "
             "--version, pgrep, pidof, timeout, hostname, uptime, echo, "
             "true and nodecmds' bash/sh probes")
NOT_CONNECTED = (
    "Could not connect to the CIB: Transport endpoint is not connected\n"
    "Init failed, could not perform requested operations\n"
)


def execute(state: ClusterState, host: str, argv: Sequence[str], stdin: bytes = b"") -> Result:
    """stdin: what the command reads from its standard input (install /dev/stdin)."""
    argv = tuple(argv)
    if not argv:
        return EX_USAGE, "", "demo: empty command\n"
    if refresh.is_refresh(argv):
        return _refresh(state, host, argv)
    machine = state.host(host)
    if argv[0] in coreutils.HANDLERS and machine is not None:
        return coreutils.run(machine, argv, stdin)
    if argv[0] in systemd.HANDLERS and machine is not None:
        return systemd.run(state, machine, argv)
    if argv[0] == "openssl" and machine is not None:
        return tlscmds.openssl(machine, argv[1:])
    if argv[0] in tlscmds.PROGRAMS and machine is not None:
        return tlscmds.version(machine, argv[0], argv[1:], PACEMAKER_VERSION)
    handler = _HANDLERS.get(argv[0])
    if handler is None:
        return EX_NOT_FOUND, "", f"sh: 1: {argv[0]}: not found (the demo cluster answers {SUPPORTED})\n"
    return handler(state, host, argv[1:])


# ---- cluster tools ----------------------------------------------------------------------


def _connected(state: ClusterState, host: str) -> bool:
    """Cluster tools work on cluster nodes, and on remote/guest nodes while they are connected."""
    machine = state.host(host)
    node = state.node(machine.name if machine else host)
    if node is None:
        return machine is None  # a spare machine is not in the cluster
    return state.node_online(node.name)  # a cluster node: while its pacemaker runs


def _crm_mon(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    wanted = {"--output-as=xml", "-1", "--one-shot", "-r", "--inactive"}
    if "--output-as=xml" not in args or any(a not in wanted for a in args):
        return EX_USAGE, "", "crm_mon: the demo cluster answers only `crm_mon --one-shot --inactive --output-as=xml`\n"
    machine = state.host(host)
    if machine is not None and machine.name in state.down and state.dialect != "2.1":
        # 3.0 on a cluster node whose pacemaker is (re)starting: pacemakerd's state only
        request = " ".join(("crm_mon",) + args)
        return EX_DISCONNECT, (f'<pacemaker-result api-version="{render.API_VERSIONS["3.0"]}" request="{request}">\n'
                               '  <crm-mon-disconnected description="Pacemaker daemons starting ..." '
                               'pacemakerd-state="starting_daemons"/>\n'
                               f'  <status code="{EX_DISCONNECT}" message="Not connected"/>\n</pacemaker-result>\n'), ""
    if not _connected(state, host):
        request = " ".join(("crm_mon",) + args)
        xml = (f'<pacemaker-result api-version="{render.API_VERSIONS.get(state.dialect, render.API_VERSION)}" '
               f'request="{request}">\n'
               f'  <status code="{EX_DISCONNECT}" message="Not connected">\n'
               "    <errors>\n      <error>crm_mon: Error: cluster is not available on this node</error>\n"
               "    </errors>\n  </status>\n</pacemaker-result>\n")
        return EX_DISCONNECT, xml, ""
    return EX_OK, render.crm_mon_xml(state, origin=machine.name if machine else host) + "\n", ""


_CIB_WRITES = {"--create": cibedit.create, "-C": cibedit.create, "--modify": cibedit.modify,
               "-M": cibedit.modify, "--delete": cibedit.delete, "-D": cibedit.delete}
_CIB_WRITE_SPEC = {"-o": "scope", "--scope": "scope", "-X": "xml", "--xml-text": "xml"}


def _cibadmin(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    writes = [a for a in args if a in _CIB_WRITES]
    if writes:
        return _cibadmin_write(state, host, args, _CIB_WRITES[writes[0]])
    query = {"--query", "-Q"} & set(args)
    rest = [a for a in args if a not in ("--query", "-Q")]
    if query and len(rest) == 2 and rest[0] in ("--xpath", "-A"):
        if not _connected(state, host):
            return EX_DISCONNECT, "", NOT_CONNECTED
        return _cib_xpath(state, rest[1])
    if not query or rest not in (["--no-children"], ["--scope=configuration"], ["-o", "configuration"],
                                 ["--scope", "configuration"], []):
        return EX_USAGE, "", "cibadmin: the demo cluster answers only --query [--no-children | --scope=configuration]\n"
    if not _connected(state, host):
        return EX_DISCONNECT, "", NOT_CONNECTED
    if rest == ["--no-children"]:
        return EX_OK, cib.version_text(state) + "\n", ""
    if rest:
        return EX_OK, cib.configuration_text(state) + "\n", ""
    return EX_OK, cib.to_text(cib.full_cib(state)) + "\n", ""


def _cib_xpath(state: ClusterState, expression: str) -> Result:
    """cibadmin --query --xpath: the one matching element, or every match inside
    <xpath-query>; none: ENXIO (105), as 2.1.5."""
    try:
        found = cib.full_cib(state).xpath(expression)
    except etree.XPathError:
        return EX_USAGE, "", f"cibadmin: the simulator could not evaluate the XPath {expression!r}\n"
    elements = [el for el in found if isinstance(el, etree._Element)] if isinstance(found, list) else []
    if not elements:
        return EX_NOSUCH, "", "Call failed: No such device or address\n"
    if len(elements) == 1:
        return EX_OK, cib.to_text(elements[0]) + "\n", ""
    wrapper = etree.Element("xpath-query")
    wrapper.extend(copy.deepcopy(el) for el in elements)
    return EX_OK, cib.to_text(wrapper) + "\n", ""


def _cibadmin_write(state: ClusterState, host: str, args: tuple[str, ...], write) -> Result:
    opts = _options(args, _CIB_WRITE_SPEC, {k: "write" for k in _CIB_WRITES})
    if isinstance(opts, str) or opts.get("scope") != "resources" or "xml" not in opts:
        return EX_USAGE, "", ("cibadmin: the simulator writes only with "
                              "`cibadmin --create|--modify|--delete -o resources -X XML`\n")
    if not _connected(state, host):
        return EX_DISCONNECT, "", NOT_CONNECTED
    return write(state, opts["xml"])


def _options(args: tuple[str, ...], spec: dict[str, str], flags: dict[str, str]) -> dict[str, str] | str:
    """Tiny getopt: spec maps option spellings to names taking a value, flags to bare names."""
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in spec:
            if not eq:
                if i + 1 >= len(args):
                    return f"option {arg} needs a value"
                i += 1
                value = args[i]
            out[spec[name]] = value
        elif arg in flags:
            out[flags[arg]] = ""
        else:
            return f"unknown option {arg!r}"
        i += 1
    return out


_ATTR_SPEC = {"--node": "node", "-N": "node", "--name": "name", "-n": "name", "--update": "update",
              "-v": "update", "--type": "type", "-t": "type", "--lifetime": "lifetime", "-l": "lifetime"}
_ATTR_FLAGS = {"--delete": "delete", "-D": "delete", "--query": "query", "-G": "query", "--quiet": "quiet",
               "-q": "quiet"}


_NO_SUCH_ATTRIBUTE = "crm_attribute: Error performing operation: No such device or address\n"


def _queried(scope: str, name: str, value: str, opts: dict[str, str]) -> str:
    """crm_attribute --query's answer: the value alone with --quiet, as the real tool."""
    if "quiet" in opts:
        return f"{value}\n"
    return f"scope={scope}  name={name} value={value}\n"


def _crm_attribute(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    opts = _options(args, _ATTR_SPEC, _ATTR_FLAGS)
    if isinstance(opts, str):
        return EX_USAGE, "", f"crm_attribute: {opts}\n"
    if "name" not in opts:
        return EX_USAGE, "", "crm_attribute: Error: must specify attribute name (--name)\n"
    if not _connected(state, host):
        return EX_DISCONNECT, "", NOT_CONNECTED
    name = opts["name"]
    scope = opts.get("type", "nodes" if "node" in opts else "crm_config")
    if scope == "crm_config":
        return _cluster_option(state, name, opts)
    if scope not in ("nodes", "status"):
        return EX_USAGE, "", f"crm_attribute: the demo cluster supports --type nodes or crm_config, not {scope!r}\n"
    node_name = opts.get("node", host)
    node = state.node(node_name)
    if node is None:
        return EX_NOSUCH, "", f"crm_attribute: Could not map name={node_name} to a UUID\n"
    if "query" in opts:
        if name not in node.attrs:
            return EX_NOSUCH, "", _NO_SUCH_ATTRIBUTE
        return EX_OK, _queried("nodes", name, node.attrs[name], opts), ""
    if "delete" in opts:
        if state.set_node_attr(node_name, name, None):
            return EX_OK, f"Deleted nodes attribute: id=nodes-{node.id}-{name} name={name}\n", ""
        return EX_OK, "", ""
    if "update" in opts:
        state.set_node_attr(node_name, name, opts["update"])
        return EX_OK, "", ""
    return EX_USAGE, "", "crm_attribute: nothing to do (use --update, --delete or --query)\n"


def _cluster_option(state: ClusterState, name: str, opts: dict[str, str]) -> Result:
    if "query" in opts:
        if name not in state.crm_config:
            return EX_NOSUCH, "", _NO_SUCH_ATTRIBUTE
        return EX_OK, _queried("crm_config", name, state.crm_config[name], opts), ""
    if "delete" in opts:
        if state.set_cluster_option(name, None):
            return EX_OK, f"Deleted crm_config option: id=cib-bootstrap-options-{name} name={name}\n", ""
        return EX_OK, "", ""
    if "update" in opts:
        state.set_cluster_option(name, opts["update"])
        return EX_OK, "", ""
    return EX_USAGE, "", "crm_attribute: nothing to do (use --update, --delete or --query)\n"


_RSC_SPEC = {"--resource": "resource", "-r": "resource", "--node": "node", "-N": "node",
             "--set-parameter": "set", "-p": "set", "--parameter-value": "value", "-v": "value",
             "--delete-parameter": "delete", "-d": "delete", "--get-parameter": "get", "-g": "get",
             "--lifetime": "lifetime", "-u": "lifetime"}
_RSC_FLAGS = {"--cleanup": "cleanup", "-C": "cleanup", "--meta": "meta", "-m": "meta", "--locate": "locate",
              "-W": "locate", "--move": "move", "-M": "move", "--ban": "ban", "-B": "ban", "--clear": "clear",
              "-U": "clear", "--restart": "restart", "--refresh": "refresh", "-R": "refresh",
              "--promoted": "promoted", "--master": "promoted", "--quiet": "quiet", "-Q": "quiet"}
# the operator's actions (issue 13): tui/sim/rsccmds.py
_PLACEMENT = ("move", "ban", "clear", "restart")
_NO_SUCH_RESOURCE = "crm_resource: Resource '{}' not found\nError performing operation: No such object\n"


def _crm_resource(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    opts = _options(args, _RSC_SPEC, _RSC_FLAGS)
    if isinstance(opts, str):
        return EX_USAGE, "", f"crm_resource: {opts}\n"
    action = next((a for a in _PLACEMENT if a in opts), None)
    if action is not None or "get" in opts:
        return _crm_resource_action(state, host, action, opts)
    refresh = "refresh" in opts
    if refresh:  # answered as a cleanup that forgets everything and always asks the controllers
        opts = {**{k: v for k, v in opts.items() if k != "refresh"}, "cleanup": ""}
    if "locate" in opts and set(opts) == {"locate", "resource"}:
        if not _connected(state, host):
            return EX_DISCONNECT, "", NOT_CONNECTED
        return _locate(state, opts["resource"])
    if ("set" in opts or "delete" in opts) and "resource" in opts and "cleanup" not in opts and "node" not in opts:
        if "set" in opts and "value" not in opts:
            return EX_USAGE, "", "crm_resource: --set-parameter needs --parameter-value\n"
        if not _connected(state, host):
            return EX_DISCONNECT, "", NOT_CONNECTED
        name = opts.get("set", opts.get("delete"))
        return cibedit.resource_parameter(state, opts["resource"], name, opts.get("value") if "set" in opts else None,
                                          meta="meta" in opts)
    if "cleanup" not in opts:
        return EX_USAGE, "", ("crm_resource: the demo cluster supports only --cleanup [--resource R] [--node N] "
                              "and --resource R [--meta] --set-parameter P --parameter-value V | --delete-parameter P\n")
    if not _connected(state, host):
        return EX_DISCONNECT, "", NOT_CONNECTED
    rsc, node = opts.get("resource"), opts.get("node")
    if rsc is not None and rsc not in state.primitives and not _is_collective(state, rsc):
        return EX_NOSUCH, "", f"crm_resource: Resource '{rsc}' not found\nError performing operation: No such object\n"
    if node is not None and state.node(node) is None:
        return EX_NOSUCH, "", f"crm_resource: Node '{node}' not found\nError performing operation: No such object\n"
    members = _members(state, rsc)
    cleaned = []
    for rid in members:
        cleaned += state.cleanup(rid, node)
    if rsc is None:
        if refresh:  # 2.1.5 (lab): only the controllers' replies
            replies = 1 if node else sum(1 for n in state.nodes if state.node_online(n))
            return EX_OK, _waiting(replies), ""
        where = f"on {node}" if node else "on all nodes"
        return EX_OK, f"Cleaned up all resources {where}\n" + (_waiting(1) if cleaned else ""), ""
    nodes = [node] if node else [n for n in state.nodes if any(rid in state.lrm[n] for rid in members)]
    out = "".join(f"Cleaned up {rsc} on {n}\n" for n in nodes)
    # a cleanup asks only the controllers that had something to forget (none: no wait); a
    # refresh asks every one it named (2.1.5 as the lab prints it)
    replies = len(nodes) if refresh else len({n for _, n in cleaned})
    return EX_OK, out + (_waiting(replies) if replies else ""), ""


def _waiting(replies: int) -> str:
    """The controller round-trip lines of 2.1.5's cleanup/refresh (lab-findings-13)."""
    noun = "reply" if replies == 1 else "replies"
    return (f"Waiting for {replies} {noun} from the controller\n" + "... got reply\n" * (replies - 1)
            + "... got reply (done)\n")


def _crm_resource_action(state: ClusterState, host: str, action: str | None, opts: dict[str, str]) -> Result:
    from tui.sim import rsccmds

    if "resource" not in opts:
        return EX_USAGE, "", f"crm_resource: --{action or 'get-parameter'} requires --resource\n"
    if not _connected(state, host):
        return EX_DISCONNECT, "", NOT_CONNECTED
    rsc, node = opts["resource"], opts.get("node")
    if action is None:
        if "meta" not in opts:
            return EX_USAGE, "", "crm_resource: the demo cluster answers --get-parameter with --meta only\n"
        return rsccmds.get_meta(state, rsc, opts["get"])
    if action in ("move", "ban"):
        return rsccmds.move_or_ban(state, action, rsc, node, promoted="promoted" in opts, lifetime=opts.get("lifetime"))
    if action == "clear":
        return rsccmds.clear(state, rsc, node)
    return rsccmds.restart(state, rsc, node)


def _stonith_admin(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    from tui.sim import rsccmds

    return rsccmds.stonith_admin(state, host, args, lambda h: _connected(state, h))


_FAILCOUNT_SPEC = {"--resource": "resource", "-r": "resource", "--node": "node", "-N": "node"}


def _crm_failcount(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    """crm_failcount --delete --resource R --node N: the script runs crm_resource --cleanup."""
    opts = _options(args, _FAILCOUNT_SPEC, {"--delete": "delete", "-D": "delete"})
    if isinstance(opts, str) or "delete" not in opts or "resource" not in opts:
        return EX_USAGE, "", "crm_failcount: the demo cluster answers only --delete --resource R [--node N]\n"
    argv = ["--cleanup", "-r", opts["resource"]] + (["-N", opts["node"]] if "node" in opts else [])
    return _crm_resource(state, host, tuple(argv))


def _locate(state: ClusterState, rsc: str) -> Result:
    """crm_resource --locate: one line per node it is active on (promoted first, with its
    role); not active: the NOT running line, on stderr and still exit 0, as 2.1.5."""
    if rsc not in state.primitives and not _is_collective(state, rsc):
        return EX_NOSUCH, "", _NO_SUCH_RESOURCE.format(rsc)
    places: dict[str, str] = {}
    for member in _members(state, rsc):
        for node, role in state.where(member):
            places.setdefault(node, role)
    if not places:
        return EX_OK, "", f"resource {rsc} is NOT running\n"
    ordered = sorted(places.items(), key=lambda item: item[1] != "Promoted")
    out = "".join(f"resource {rsc} is running on: {node}{' Promoted' if role == 'Promoted' else ''}\n"
                  for node, role in ordered)
    return EX_OK, out, ""


def _is_collective(state: ClusterState, rsc: str) -> bool:
    return any(r.id == rsc for r in state.resources)


def _members(state: ClusterState, rsc: str | None) -> list[str | None]:
    """The lrm ids a cleanup of `rsc` touches (None: everything)."""
    if rsc is None:
        return [None]
    if rsc in state.primitives:
        return [rsc]
    for res in state.resources:
        if res.id != rsc:
            continue
        if isinstance(res, Group):
            return [c.id for c in res.children]
        if isinstance(res, Clone):
            return [res.child.id]
        if isinstance(res, Bundle):
            return list(dict.fromkeys(rid for i in range(res.replicas) for rid, _, _ in bundle_parts(res, i)))
    return []


_NODE_SPEC = {"--remove": "remove", "-R": "remove"}
_NODE_FLAGS = {"--force": "force"}


def _crm_node(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    """crm_node --force --remove NAME: silent and successful, like 2.1.5 with a live controller
    (also for a name that is already gone)."""
    opts = _options(args, _NODE_SPEC, _NODE_FLAGS)
    if isinstance(opts, str) or "remove" not in opts or "force" not in opts:
        return EX_USAGE, "", "crm_node: the simulator supports only `crm_node --force --remove NAME`\n"
    if not _connected(state, host):
        return EX_DISCONNECT, "", "error: Could not connect to controller: Transport endpoint is not connected\n"
    state.remove_node(opts["remove"])
    return EX_OK, "", ""


# ---- the refresh batch --------------------------------------------------------------------


def _refresh(state: ClusterState, host: str, argv: tuple[str, ...]) -> Result:
    """Exactly what REFRESH_SCRIPT prints, section by section, run against the demo."""
    nonce, known = refresh.nonce_of(argv), argv[5:]
    rc, out, _ = execute(state, host, refresh.SCRIPT_COMMANDS["cib-version"])
    text = refresh.format_section(nonce, "cib-version", rc, out.rstrip("\n"))
    if rc == 0 and known and all(f" {want}" in out for want in known):
        return EX_OK, text + f"\n@@{nonce} unchanged rc=0\n", ""
    for name in ("crm_mon", "cib-configuration"):
        rc, out, _ = execute(state, host, refresh.SCRIPT_COMMANDS[name])
        text += refresh.format_section(nonce, name, rc, out.rstrip("\n"))
    return EX_OK, text, ""


# ---- harmless shell commands ----------------------------------------------------------------


def _hostname(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    return EX_OK, f"{host}\n", ""


def _uptime(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    up = int(state.now - state.started) + 3 * 86400 + 7260
    days, rest = divmod(up, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    clock = time.strftime("%H:%M:%S", time.gmtime(state.now))
    load = 0.05 + (sum(map(ord, host)) % 40) / 100
    return EX_OK, (f" {clock} up {days} days, {hours:2d}:{minutes:02d},  1 user,  "
                   f"load average: {load:.2f}, {load * 0.9:.2f}, {load * 0.8:.2f}\n"), ""


def _echo(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    return EX_OK, " ".join(args) + "\n", ""


def _true(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    return EX_OK, "", ""


# pcs and the crm_simulate preview serve the wizards: imported when one first runs, not at the
# demo's start
def _pcs(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    from tui.sim import pcs

    return pcs.run(state, host, args)


def _simulate(*args, **kwargs):
    from tui.sim import simulate

    return simulate.run(*args, **kwargs)


_HANDLERS: dict[str, Callable[[ClusterState, str, tuple[str, ...]], Result]] = {
    commands.crm_mon_status()[0]: _crm_mon,
    "cibadmin": _cibadmin,
    "crm_attribute": _crm_attribute,
    "crm_resource": _crm_resource,
    "crm_node": _crm_node,
    "crm_failcount": _crm_failcount,
    "stonith_admin": _stonith_admin,
    "hostname": _hostname,
    "uptime": _uptime,
    "echo": _echo,
    "true": _true,
    "pgrep": probes.pgrep,
    "pidof": probes.pidof,
    "bash": probes.bash,
    "timeout": lambda state, host, args: probes.timeout(state, host, args, execute),
    "sh": lambda state, host, args: probes.sh(state, host, args, _simulate),
    "firewall-cmd": lambda state, host, args: probes.not_installed("firewall-cmd"),
    "pcs": lambda state, host, args: _pcs(state, host, args),
}
