"""pcs 0.11.5 (Debian 12) on a simulated cluster node: the commands the node wizards run.

    pcs --version
    pcs pcsd status NAME...
    pcs cluster node add-remote NAME [ADDR] [OPTION=VALUE...]
    pcs cluster node add-guest NAME RESOURCE [remote-addr=|remote-port=|remote-connect-timeout=...]
    pcs cluster node remove-remote NAME
    pcs cluster node remove-guest NAME

What 0.11.5 checks and does, read in its source (pcs/lib/commands/remote_node.py): every
existing node and the new one known to pcsd (`pcs host auth`); name and address collisions;
the new host reachable through pcsd, pacemaker_remote installed there, pacemaker_remote,
pacemaker and corosync not running, no corosync.conf or cib.xml; then the local
/etc/pacemaker/authkey sent to the new host (a different key there silently overwritten;
no local key: 256 random bytes sent to every node), pacemaker_remote started and enabled,
the CIB pushed. Its reports go to stderr worded as pcs words them ("Error: " for errors,
then "Error: Errors have occurred, therefore pcs is unable to continue", exit 1).
Removal in 0.11.5 stops and disables pacemaker_remote and deletes the key on the node
*before* the CIB changes, then removes the resource (or the guest meta) and runs
`crm_node --force --remove`.
"""

from __future__ import annotations

import random
import re

from tui.sim import probes, systemd
from tui.sim.hosts import AUTHKEY, CIB_XML, COROSYNC_CONF, SimHost
from tui.sim.model import CLUSTER, OpSpec, Primitive
from tui.sim.state import ClusterState

Result = tuple[int, str, str]
VERSION = "0.11.5"
PCSD_PORT = 2224
GIVE_UP = "Error: Errors have occurred, therefore pcs is unable to continue\n"
GUEST_OPTIONS = ("remote-port", "remote-addr", "remote-connect-timeout")
REMOTE_PARAMS = ("port", "reconnect_interval", "server")
AUTHKEY_BYTES = 256  # settings.pacemaker_authkey_bytes
# the operations pcs gives an ocf:pacemaker:remote resource from the agent's metadata of
# 2.1.5 and 3.0.0 alike (every action but meta-data, status and validate-all; monitor's
# default interval is 60s until 3.0.1: tui.ops.nodes.plans.remote_operations)
DEFAULT_OPS = (OpSpec("start", "0s", "60s"), OpSpec("stop", "0s", "60s"), OpSpec("monitor", "60s", "30s"),
               OpSpec("migrate_to", "0s", "60s"), OpSpec("migrate_from", "0s", "60s"),
               OpSpec("reload", "0s", "60s"), OpSpec("reload-agent", "0s", "60s"))
_TIME = re.compile(r"^\d+(s|sec|m|min|h|hr|ms|msec|us|usec)?$")
_ID_FIRST = re.compile(r"[A-Za-z_]")
_ID_NEXT = re.compile(r"[A-Za-z0-9_.-]")


def _q(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _usage(text: str) -> Result:
    return 1, "", f"\nUsage: pcs cluster node {text}\n"


def run(state: ClusterState, host: str, args: tuple[str, ...]) -> Result:
    if args == ("--version",):
        return 0, f"{VERSION}\n", ""
    if args[:2] == ("pcsd", "status") and len(args) > 2:
        return _pcsd_status(state, args[2:])
    flags = [a for a in args if a.startswith("--")]
    words = tuple(a for a in args if not a.startswith("--"))
    if flags and any(f != "--force" for f in flags):
        return 1, "", f"Error: the simulator's pcs supports only --force here, not {_q(f for f in flags if f != '--force')}\n"
    verb = words[2] if len(words) > 2 and words[:2] == ("cluster", "node") else None
    if verb not in _NODE_VERBS:
        return 1, "", ("Error: the simulator's pcs answers only --version, pcsd status NAME and "
                       "cluster node add-remote|add-guest|remove-remote|remove-guest\n")
    machine = state.host(host)
    if machine is None or machine.fs.get(COROSYNC_CONF) is None:
        return 1, "", f"Error: Unable to read {COROSYNC_CONF}: No such file or directory\n"
    return _NODE_VERBS[verb](_Pcs(state, host, "--force" in flags), words[3:])


# ---- pcsd status ---------------------------------------------------------------------------


def _pcsd_status(state: ClusterState, names: tuple[str, ...]) -> Result:
    """`  NAME: Online` when pcsd there answers with a token we hold; exit 2 if any is not."""
    lines, bad = [], False
    for name in names:
        machine = state.host(state.pcs_known.get(name, name))
        up = machine is not None and machine.running("pcsd") and probes.machine_up(state, machine)
        status = ("Online" if name in state.pcs_known else "Unable to authenticate") if up else "Offline"
        bad = bad or status != "Online"
        lines.append(f"  {name}: {status}\n")
    return (2 if bad else 0), "".join(lines), ""


# ---- the cluster node commands ------------------------------------------------------------


class _Pcs:
    """One run: the reports it has printed so far, and the cluster it works on."""

    def __init__(self, state: ClusterState, host: str, force: bool) -> None:
        self.s = state
        self.host = host
        self.force = force
        self.err: list[str] = []
        self.errors = 0

    def info(self, text: str) -> None:
        self.err.append(text + "\n")

    def error(self, text: str, forceable: bool = False) -> None:
        self.err.append(f"Error: {text}{', use --force to override' if forceable else ''}\n")
        self.errors += 1

    def fail(self) -> Result:
        return 1, "", "".join(self.err) + GIVE_UP

    def done(self) -> Result:
        return 0, "", "".join(self.err)

    # -- what pcs reads from the CIB and corosync.conf -----------------------------------

    def existing_names(self) -> list[str]:
        """corosync node names, remote resource ids, guest remote-node values."""
        s = self.s
        names = [n.name for n in s.nodes.values() if n.kind == CLUSTER]
        names += [p.id for p, _ in s.primitives.values() if p.agent == "ocf:pacemaker:remote" and p.id in _top_ids(s)]
        names += [p.meta["remote-node"] for p in _top_primitives(s) if p.meta.get("remote-node")]
        return names

    def existing_addrs(self) -> list[str]:
        s = self.s
        addrs = [n.address for n in s.nodes.values() if n.kind == CLUSTER]
        for p in _top_primitives(s):
            if p.agent == "ocf:pacemaker:remote":
                addrs.append(p.params.get("server") or p.id)
            elif p.meta.get("remote-node"):
                addrs.append(p.meta.get("remote-addr") or p.meta["remote-node"])
        return addrs

    def target(self, name: str) -> SimHost | None:
        return self.s.host(self.s.pcs_known.get(name, name))

    def check_known(self, names: list[str]) -> None:
        unknown = [n for n in names if n not in self.s.pcs_known]
        if unknown:
            self.error(f"Host{'s' if len(unknown) > 1 else ''} {_q(sorted(unknown))} "
                       f"{'are' if len(unknown) > 1 else 'is'} not known to pcs, try to authenticate the "
                       f"host{'s' if len(unknown) > 1 else ''} using 'pcs host auth {' '.join(sorted(unknown))}' command")

    def reachable(self, name: str) -> bool:
        machine = self.target(name)
        if machine is not None and machine.running("pcsd") and probes.machine_up(self.s, machine):
            return True
        addr = self.s.pcs_known.get(name, name)
        if machine is None:
            why = f"Could not resolve host: {addr}"
        elif not probes.machine_up(self.s, machine):
            why = f"Failed to connect to {addr} port {PCSD_PORT} after 3071 ms: No route to host"
        else:
            why = f"Failed to connect to {addr} port {PCSD_PORT} after 0 ms: Connection refused"
        self.error(f"Unable to connect to {name} ({why})")
        return False

    def check_new_host(self, name: str) -> None:
        """GetHostInfo's checks (not forceable)."""
        machine = self.target(name)
        if machine.service("pacemaker_remote") is None:
            self.error(f"{name}: Required cluster services not installed: 'pacemaker_remote'")
        running = sorted(u for u in ("pacemaker_remote", "pacemaker", "corosync") if machine.running(u))
        if running:
            noun = "service is" if len(running) == 1 else "services are"
            self.error(f"{name}: The host seems to be in a cluster already as the following {noun} found to be "
                       f"running: {_q(running)}. If the host is not part of a cluster, stop the "
                       f"{'service' if len(running) == 1 else 'services'} and retry")
        if machine.fs.get(COROSYNC_CONF) is not None or machine.fs.get(CIB_XML) is not None:
            self.error(f"{name}: The host seems to be in a cluster already as cluster configuration files have "
                       f"been found on the host. If the host is not part of a cluster, run 'pcs cluster destroy' "
                       f"on host '{name}' to remove those configuration files")

    def prepare_environment(self, name: str, existing: list[str]) -> bool:
        """Key, then pacemaker_remote started and enabled (pcs 0.11's order)."""
        s = self.s
        if not self.reachable(name):
            return False
        self.check_new_host(name)
        if self.errors:
            return False
        local = s.hosts[self.host].fs.get(AUTHKEY)
        if local is not None:
            key, targets = local.content, [name]
        else:
            key = random.Random(f"pcs-authkey-{s.epoch}").randbytes(AUTHKEY_BYTES)
            targets = [*existing, name]
            s.authkey = key
        self.info(f"Sending 'pacemaker authkey' to {_q(targets)}")
        for target in targets:
            machine = self.target(target)
            if machine is None:
                continue
            machine.fs.makedirs("/etc/pacemaker")
            machine.fs.write(AUTHKEY, key, owner="hacluster", group="haclient", mode=0o400)
            self.info(f"{target}: successful distribution of the file 'pacemaker authkey'")
        self.info(f"Requesting 'pacemaker_remote enable', 'pacemaker_remote start' on '{name}'")
        machine = self.target(name)
        for action in ("start", "enable"):
            rc, _, words = systemd.run(s, machine, ("systemctl", action, "pacemaker_remote"))
            if rc != 0:
                self.error(f"{name}: service command failed: pacemaker_remote {action}: {words.strip()}",
                           forceable=True)
                if not self.force:
                    return False
            else:
                self.info(f"{name}: successful run of 'pacemaker_remote {action}'")
        return True

    def destroy_environment(self, name: str) -> bool:
        """Stop and disable pacemaker_remote, delete the key (before the CIB changes)."""
        self.check_known([name])
        if self.errors or not self.reachable(name):
            return False
        machine = self.target(name)
        self.info(f"Requesting 'pacemaker_remote disable', 'pacemaker_remote stop' on '{name}'")
        for action in ("stop", "disable"):
            rc, _, words = systemd.run(self.s, machine, ("systemctl", action, "pacemaker_remote"))
            if rc != 0 and not self.force:
                self.error(f"{name}: service command failed: pacemaker_remote {action}: {words.strip()}",
                           forceable=True)
                return False
            if rc == 0:
                self.info(f"{name}: successful run of 'pacemaker_remote {action}'")
        self.info(f"Requesting remove 'pacemaker_remote authkey' from '{name}'")
        machine.fs.remove(AUTHKEY)
        self.info(f"{name}: successful removal of the file 'pacemaker_remote authkey'")
        return True


def _top_primitives(state: ClusterState) -> list[Primitive]:
    return [r for r in state.resources if isinstance(r, Primitive)]


def _top_ids(state: ClusterState) -> set[str]:
    return {p.id for p in _top_primitives(state)}


def _all_cib_ids(state: ClusterState) -> set[str]:
    from tui.sim import cib

    return {el.get("id") for el in cib.full_cib(state).iter() if el.get("id")}


def _id_problem(value: str, what: str) -> str | None:
    if not value:
        return f"{what} cannot be empty"
    if not _ID_FIRST.match(value[0]):
        return f"invalid {what} '{value}', '{value[0]}' is not a valid first character for a {what}"
    for char in value[1:]:
        if not _ID_NEXT.match(char):
            return f"invalid {what} '{value}', '{char}' is not a valid character for a {what}"
    return None


def _invalid_options(kind: str, names: list[str], allowed) -> str:
    """pcs's InvalidOptions wording: singular and plural differ."""
    what = f"option {_q(names)}" if len(names) == 1 else f"options: {_q(names)}"
    return f"invalid {kind} {what}, allowed options are: {_q(allowed)}"


def _pairs(words: tuple[str, ...]) -> dict[str, str] | None:
    out = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not key:
            return None
        out[key] = value
    return out


def _default_address(p: _Pcs, name: str, given: str | None) -> str:
    if given is not None:
        return given
    addr = p.s.pcs_known.get(name, name)
    p.info(f"No addresses specified for host '{name}', using '{addr}'")
    return addr


def _add_remote(p: _Pcs, words: tuple[str, ...]) -> Result:
    if not words:
        return _usage("add-remote <node name> [<node address>] [options] [op <operation action> "
                      "<operation options>...] [meta <meta options>...] [--wait[=<n>]]")
    name, rest = words[0], words[1:]
    addr = None
    if rest and "=" not in rest[0]:
        addr, rest = rest[0], rest[1:]
    options = _pairs(rest)
    if options is None:
        return 1, "", "Error: the simulator's pcs takes only OPTION=VALUE after the address\n"
    s = p.s
    existing = p.existing_names()
    p.check_known(existing)
    p.check_known([name])
    addr = _default_address(p, name, addr)
    if "server" in options:
        p.error(_invalid_options("resource", ["server"], [k for k in REMOTE_PARAMS if k != "server"]))
    already = []
    if addr in p.existing_addrs():
        already.append(addr)
    if (addr not in already or addr != name) and name in existing:
        already.append(name)
    problem = _id_problem(name, "resource name")
    if problem:
        p.error(problem)
    elif name in _all_cib_ids(s):
        already.append(name)
    for value in dict.fromkeys(already):
        p.error(f"'{value}' already exists")
    unknown = sorted(k for k in options if k not in REMOTE_PARAMS)
    if unknown:
        p.error(_invalid_options("resource", unknown, REMOTE_PARAMS), forceable=True)
    if p.errors or not p.prepare_environment(name, existing):
        return p.fail()
    params = {k: v for k, v in options.items() if k != "server"}
    params["server"] = addr
    s.add_primitive(Primitive(name, "ocf", "remote", "pacemaker", params=params, ops=DEFAULT_OPS))
    return p.done()


def _add_guest(p: _Pcs, words: tuple[str, ...]) -> Result:
    if len(words) < 2:
        return _usage("add-guest <node name> <resource id> [options] [--wait[=<n>]]")
    name, rsc = words[0], words[1]
    options = _pairs(words[2:])
    if options is None:
        return 1, "", "Error: the simulator's pcs takes only OPTION=VALUE after the resource\n"
    s = p.s
    existing = p.existing_names()
    p.check_known(existing)
    p.check_known([name])
    options["remote-addr"] = _default_address(p, name, options.get("remote-addr"))
    unknown = sorted(k for k in options if k not in GUEST_OPTIONS)
    if unknown:
        p.error(_invalid_options("guest", unknown, sorted(GUEST_OPTIONS)))
    timeout = options.get("remote-connect-timeout")
    if timeout is not None and not _TIME.match(timeout):
        p.error(f"'{timeout}' is not a valid remote-connect-timeout value, use time interval (e.g. 1, 2s, 3m, 4h, ...)")
    port = options.get("remote-port")
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        p.error(f"'{port}' is not a valid remote-port value, use a port number (1..65535)")
    if not name.strip():
        p.error("node name cannot be empty")
    if name in _all_cib_ids(s) or name in existing:
        p.error(f"'{name}' already exists")
    if options["remote-addr"] in p.existing_addrs():
        p.error(f"'{options['remote-addr']}' already exists")
    vm = next((r for r in _top_primitives(s) if r.id == rsc), None)
    if vm is None:
        if rsc in _all_cib_ids(s):
            p.error(f"'{rsc}' is not a resource")
        else:
            p.error(f"resource '{rsc}' does not exist")
    elif vm.meta.get("remote-node"):
        p.error(f"the resource '{rsc}' is already a guest node")
    if p.errors or not p.prepare_environment(name, existing):
        return p.fail()
    for key in ("remote-addr", "remote-port", "remote-connect-timeout"):
        if options.get(key):
            s.set_meta(rsc, key, options[key], client="cibadmin")
    s.set_meta(rsc, "remote-node", name, client="cibadmin")
    return p.done()


def _remove_remote(p: _Pcs, words: tuple[str, ...]) -> Result:
    if len(words) != 1:
        return _usage("remove-remote <node identifier>")
    s, ident = p.s, words[0]
    found = [r for r in _top_primitives(s) if r.agent == "ocf:pacemaker:remote"
             and (r.id == ident or r.params.get("server") == ident)]
    if not found:
        return 1, "", f"Error: remote node '{ident}' does not appear to exist in configuration\n"
    if len(found) > 1:
        p.error(f"more than one resource for '{ident}' found: {_q(r.id for r in found)}", forceable=True)
        return p.fail()
    rsc = found[0].id
    if not p.destroy_environment(rsc):
        return p.fail()
    if s.where(rsc):
        s.set_meta(rsc, "target-role", "Stopped", client="crm_resource")
        p.err.append(f"Attempting to stop: {rsc}... Stopped\n")
    p.info(f"Deleting Resource - {rsc}")
    s.delete_resource(rsc)
    s.remove_node(rsc)
    return p.done()


def _remove_guest(p: _Pcs, words: tuple[str, ...]) -> Result:
    if len(words) != 1:
        return _usage("remove-guest <node identifier>")
    s, ident = p.s, words[0]
    found = [r for r in _top_primitives(s) if r.meta.get("remote-node")
             and ident in (r.id, r.meta["remote-node"], r.meta.get("remote-addr"))]
    if not found:
        return 1, "", f"Error: guest node '{ident}' does not appear to exist in configuration\n"
    if len(found) > 1:
        p.error(f"more than one resource for '{ident}' found: {_q(r.id for r in found)}", forceable=True)
        return p.fail()
    vm = found[0]
    name = vm.meta["remote-node"]
    if not p.destroy_environment(name):
        return p.fail()
    for key in ("remote-addr", "remote-port", "remote-connect-timeout"):
        if key in vm.meta:
            s.set_meta(vm.id, key, None, client="cibadmin")
    s.set_meta(vm.id, "remote-node", None, client="cibadmin")
    s.remove_node(name)
    return p.done()


_NODE_VERBS = {"add-remote": _add_remote, "add-guest": _add_guest, "remove-remote": _remove_remote,
               "remove-guest": _remove_guest}
