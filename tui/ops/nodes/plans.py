"""The four change plans, pure: the same kwargs give the same steps (recipes rebuild them).

    add_remote(name=, address=, port=, reconnect_interval=, options=, method="pcs"|"direct",
               facts=facts.to_json(), authkey_source=..., authkey_target=..., key_host=...,
               authkey_sha256=...)

Each ends in a bounded WaitStep on crm_mon: a new node online with its connection resource
Started (crm_mon says "online" during a failing start, LAB-FACTS), a removed node gone.

The direct method does what pcs does, without pcs or pcsd: the authkey is read on a cluster
node into memory (ReadSecretStep) and written on the target (hacluster:haclient 0400 at the
effective key location), after a check that the target holds no other key (pcs overwrites
it silently; we never do); pacemaker_remote is enabled and started; the connection resource
is the primitive pcs creates on that Pacemaker version (REMOTE-FACTS §9), built with lxml.
When no cluster node has a key (new_key_paths), one is made as pcs makes it (256 random
bytes, in memory: a LocalStep) and written to every cluster node and the target; a resume
makes a new one, and the "still has no authkey" checks then stop it rather than mix keys.

Removal is ordered so the cluster records no failed action for the node: its connection is
stopped (target-role=Stopped) or the guest's remote-node unset, and the plan waits until
it is stopped BEFORE pacemaker_remote stops on the target; then the node is forgotten
(crm_node --force --remove) and, optionally, the target's key removed.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from lxml import etree

from tui.ops import files
from tui.ops.nodes.facts import ClusterFacts
from tui.ops.plan import (
    CheckStep,
    LocalStep,
    Plan,
    Probe,
    ReadSecretStep,
    Ref,
    RunStep,
    Verdict,
    WaitStep,
    WriteFileStep,
)
from tui.pacemaker import commands, nodecmds
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.features import parse_version
from tui.pacemaker.model import Snapshot
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult

KEY_OWNER, KEY_GROUP, KEY_MODE = "hacluster", "haclient", 0o400
NOT_FOUND = frozenset({105, 6})  # cibadmin --xpath with no match: CRM_EX_NOSUCH, older ENXIO
WAIT_INTERVAL = 2.0
WAIT_ATTEMPTS = 45  # 90 s: a connection start times out after 60 s by default
SECRET_KEY = "authkey"  # the run-context key the read authkey is stored under


# --- the primitive pcs creates ------------------------------------------------------------

def remote_operations(version: str | None) -> tuple[tuple[str, str, str], ...]:
    """(name, interval, timeout) of the operations pcs gives an ocf:pacemaker:remote
    resource, from that Pacemaker's agent metadata: every action but meta-data, status and
    validate-all, interval 0s, monitor's interval 60s (30s from 3.0.1, whose metadata names
    one); reload-agent since 2.1.0. Sorted by name, as pcs writes them."""
    known = parse_version(version)
    ops = [("start", "0s", "60s"), ("stop", "0s", "60s"), ("migrate_to", "0s", "60s"),
           ("migrate_from", "0s", "60s"), ("reload", "0s", "60s")]
    if known is None or known >= parse_version("2.1.0"):
        ops.append(("reload-agent", "0s", "60s"))
    monitor_interval = "30s" if known is not None and known >= parse_version("3.0.1") else "60s"
    ops.append(("monitor", monitor_interval, "30s"))
    return tuple(sorted(ops, key=lambda op: op[0]))


def remote_primitive_xml(name: str, address: str, *, port: int | None = None,
                         reconnect_interval: str | None = None, meta: Mapping[str, str] | None = None,
                         version: str | None = None) -> str:
    """The <primitive> of `pcs cluster node add-remote NAME ADDRESS [port=] [reconnect_interval=]
    [meta ...]`, ids as pcs makes them (NAME-instance_attributes-server, NAME-monitor-interval-60s)."""
    nodecmds._id(name)
    primitive = etree.Element("primitive", {"id": name, "class": "ocf", "provider": "pacemaker", "type": "remote"})
    params = {"server": address}
    if port is not None:
        params["port"] = str(int(port))
    if reconnect_interval:
        params["reconnect_interval"] = reconnect_interval
    _nvset(primitive, "instance_attributes", name, params)
    if meta:
        _nvset(primitive, "meta_attributes", name, dict(meta))
    operations = etree.SubElement(primitive, "operations")
    for op, interval, timeout in remote_operations(version):
        etree.SubElement(operations, "op", {"id": f"{name}-{op}-interval-{interval}", "interval": interval,
                                            "name": op, "timeout": timeout})
    return etree.tostring(primitive, encoding="unicode")


def _nvset(parent, tag: str, owner: str, values: Mapping[str, str]) -> None:
    nvset = etree.SubElement(parent, tag, {"id": f"{owner}-{tag}"})
    for key, value in sorted(values.items()):
        etree.SubElement(nvset, "nvpair", {"id": f"{owner}-{tag}-{key}", "name": key, "value": value})


# --- waiting on crm_mon -------------------------------------------------------------------

def snapshot_of(result: CommandResult) -> Snapshot | str:
    """crm_mon's answer as a Snapshot, or in words why there is none (every wait reads it)."""
    if result.exit_status is None:
        return result.error or "crm_mon did not answer"
    outcome = parse_status(result.stdout, result.exit_status, result.stderr.decode("utf-8", "replace"))
    if not isinstance(outcome, Snapshot):
        return f"no cluster status: {outcome.condition.message}"
    return outcome


def _connection(snap: Snapshot, rid: str):
    return next((r for r in snap.all_resources() if r.id == rid), None)


def node_online(name: str, connection: str):
    """holds(result) for a WaitStep on crm_mon: NAME online and CONNECTION Started."""
    def holds(result: CommandResult) -> tuple[bool, str]:
        snap = snapshot_of(result)
        if isinstance(snap, str):
            return False, snap
        node = snap.node(name)
        conn = _connection(snap, connection)
        state = (f"connection {connection} {conn.role}" + (f" on {', '.join(conn.nodes)}" if conn.nodes else "")
                 + (" (failed)" if conn.failed else "")) if conn else f"no resource {connection} yet"
        if node is None:
            return False, f"{name} is not in crm_mon yet; {state}"
        failures = [f for f in snap.failures if f.resource == connection]
        failed = f"; failed: {failures[-1].exit_reason or failures[-1].exit_status}" if failures else ""
        ok = node.online and conn is not None and conn.role == "Started" and not conn.failed and conn.active
        return ok, f"{name} {'online' if node.online else 'offline'}; {state}{failed}"
    return holds


def connection_stopped(connection: str):
    def holds(result: CommandResult) -> tuple[bool, str]:
        snap = snapshot_of(result)
        if isinstance(snap, str):
            return False, snap
        conn = _connection(snap, connection)
        if conn is None:
            return True, f"{connection} is gone"
        running = conn.active or conn.role not in ("Stopped",)
        where = f" on {', '.join(conn.nodes)}" if conn.nodes else ""
        return not running, f"{connection} {conn.role}{where}"
    return holds


def node_gone(name: str):
    def holds(result: CommandResult) -> tuple[bool, str]:
        snap = snapshot_of(result)
        if isinstance(snap, str):
            return False, snap
        node = snap.node(name)
        if node is None:
            return True, f"{name} is gone from crm_mon"
        return False, f"{name} is still there ({'online' if node.online else 'offline'})"
    return holds


def _wait(title: str, holds, step_id: str) -> WaitStep:
    return WaitStep(title, commands.crm_mon_status(), holds=holds, interval=WAIT_INTERVAL,
                    attempts=WAIT_ATTEMPTS, id=step_id)


# --- the authkey ----------------------------------------------------------------------------

def target_key_judge(path: str, expected: str | None):
    """A target holds no key, or the cluster's (by sha256): never a different one."""
    def judge(result: CommandResult) -> Verdict:
        found = files.parse_sha256(result.stdout) if result.ok else None
        if not result.ok:
            text = result.stderr.decode("utf-8", "replace")
            if result.exit_status == 1 and "No such file" in text:
                return Verdict("ok", f"no key at {path} yet")
            return Verdict("fail", f"cannot read {path}: exit {result.exit_status}")
        if expected is not None and found == expected:
            return Verdict("ok", f"the cluster's key is at {path} already (sha256 {found[:12]}…)")
        if expected is None:
            return Verdict("fail", f"a key is at {path} (sha256 {(found or '?')[:12]}…) and this plan has no hash "
                                   "of the cluster's to compare it with; nothing was written",
                           fix="run the checks again and build the plan from their outcomes")
        return Verdict("fail", f"a different key is at {path} (sha256 {(found or '?')[:12]}…); nothing was written",
                       fix=f"if nothing else uses it, move it away there (mv {path} {path}.old), then retry")
    return judge


def env_location_judge(path: str):
    """The host's environment file points the key where this plan reads or writes it."""
    def judge(result: CommandResult) -> Verdict:
        values = files.read_env(result.stdout.decode("utf-8", "replace"))
        location = values.get("PCMK_authkey_location") or nodecmds.AUTHKEY
        if location != path:
            return Verdict("fail", f"PCMK_authkey_location is {location} there, this plan uses {path}",
                           fix="run the checks again and rebuild the plan")
        return Verdict("ok", f"the key lives at {path}")
    return judge


def _copy_key(target: str, *, source: str, key_host: str | None, dest: str, expected: str | None) -> tuple:
    return (
        CheckStep(f"The key location on {key_host or 'the cluster node'} is {source}", nodecmds.read_env_files(),
                  judge=env_location_judge(source), host=key_host, id="key-location-source"),
        CheckStep(f"The key location on {target} is {dest}", nodecmds.read_env_files(),
                  judge=env_location_judge(dest), host=target, id="key-location-target"),
        CheckStep(f"{target} holds no other authkey", nodecmds.sha256(dest), judge=target_key_judge(dest, expected),
                  host=target, id="target-key-free"),
        ReadSecretStep(f"Read the cluster's authkey on {key_host or 'the cluster node'}", source, SECRET_KEY,
                       host=key_host, id="read-authkey"),
        WriteFileStep(f"Copy the authkey to {target}", dest, Ref(SECRET_KEY), owner=KEY_OWNER, group=KEY_GROUP,
                      mode=KEY_MODE, host=target, id="write-authkey"),
    )


AUTHKEY_BYTES = 256  # what pcs generates (settings.pacemaker_authkey_bytes)


def generate_authkey_of_256_random_bytes(ctx: dict) -> Secret:
    """A new Pacemaker authkey, in memory only (its name is what the plan shows)."""
    return Secret(os.urandom(AUTHKEY_BYTES), "a new authkey")


def _new_key(target: str, *, dest: str, cluster_paths: Mapping[str, str]) -> tuple:
    """No cluster node has a key (pcs then makes one): make it, write it everywhere."""
    nodes = sorted(cluster_paths)
    steps: list = [CheckStep(f"{node} still has no authkey", nodecmds.sha256(path), judge=target_key_judge(path, None),
                             host=node, id=f"no-key-{node}") for node, path in sorted(cluster_paths.items())]
    steps.append(CheckStep(f"{target} holds no other authkey", nodecmds.sha256(dest),
                           judge=target_key_judge(dest, None), host=target, id="target-key-free"))
    steps.append(LocalStep("Generate a new authkey (256 random bytes, in memory)",
                           generate_authkey_of_256_random_bytes, output=SECRET_KEY, id="generate-authkey"))
    steps += [WriteFileStep(f"Write the new authkey on {node}", cluster_paths[node], Ref(SECRET_KEY), owner=KEY_OWNER,
                            group=KEY_GROUP, mode=KEY_MODE, host=node, id=f"write-authkey-{node}") for node in nodes]
    steps.append(WriteFileStep(f"Copy the authkey to {target}", dest, Ref(SECRET_KEY), owner=KEY_OWNER,
                               group=KEY_GROUP, mode=KEY_MODE, host=target, id="write-authkey"))
    return tuple(steps)


def _key_steps(target: str, *, source: str, key_host: str | None, dest: str, expected: str | None,
               new_key_paths: Mapping[str, str] | None) -> tuple:
    if new_key_paths:
        return _new_key(target, dest=dest, cluster_paths=new_key_paths)
    return _copy_key(target, source=source, key_host=key_host, dest=dest, expected=expected)


def _start_remoted(target: str) -> RunStep:
    return RunStep(f"Enable and start pacemaker_remote on {target}", nodecmds.enable_start(), host=target,
                   undo=nodecmds.disable_stop(), id="start-remoted", idempotent=True)


def _facts(facts: Mapping[str, Any] | ClusterFacts | None) -> ClusterFacts:
    if isinstance(facts, ClusterFacts):
        return facts
    return ClusterFacts.from_json(facts or {})


def _method(method: str) -> str:
    if method not in ("pcs", "direct"):
        raise ValueError(f"a plan's method is pcs or direct (resolved), not {method!r}")
    return method


def _pairs(options: Iterable) -> dict[str, str]:
    return {str(k): str(v) for k, v in (options or ())}


# --- the builders -------------------------------------------------------------------------

def add_remote(*, name: str, address: str | None = None, port: int = nodecmds.REMOTE_PORT,
               reconnect_interval: str | None = None, options=(), method: str, facts=None,
               authkey_source: str = nodecmds.AUTHKEY, authkey_target: str = nodecmds.AUTHKEY,
               key_host: str | None = None, authkey_sha256: str | None = None,
               new_key_paths: Mapping[str, str] | None = None) -> Plan:
    method, known = _method(method), _facts(facts)
    target = address or name
    meta = _pairs(options)
    shown_port = None if port in (None, nodecmds.REMOTE_PORT) else int(port)
    steps: list = []
    if method == "pcs":
        steps.append(RunStep(f"pcs: add remote node {name}",
                             nodecmds.pcs_add_remote(name, target, port=shown_port, reconnect_interval=reconnect_interval),
                             done=Probe(nodecmds.cib_id_taken(name), says=f"the CIB has {name} already"),
                             undo=nodecmds.pcs_remove_remote(name), id="pcs-add-remote"))
        steps += [RunStep(f"Set meta {key}={value} on {name}", nodecmds.set_meta(name, key, value),
                          undo=nodecmds.delete_meta(name, key), id=f"meta-{key}") for key, value in sorted(meta.items())]
    else:
        steps += _key_steps(target, source=authkey_source, key_host=key_host, dest=authkey_target,
                            expected=authkey_sha256, new_key_paths=new_key_paths)
        steps.append(_start_remoted(target))
        xml = remote_primitive_xml(name, target, port=shown_port, reconnect_interval=reconnect_interval,
                                   meta=meta, version=known.version)
        steps.append(RunStep(f"Create the connection resource {name}", nodecmds.create_resource(xml),
                             done=Probe(nodecmds.cib_id_taken(name), says=f"the CIB has {name} already"),
                             undo=nodecmds.delete_resource(name), id="create-connection"))
    steps.append(_wait(f"Wait until {name} is online (connection Started)", node_online(name, name), "wait-online"))
    kwargs = dict(name=name, address=address, port=port, reconnect_interval=reconnect_interval,
                  options=[list(p) for p in sorted(meta.items())], method=method, facts=known.to_json(),
                  authkey_source=authkey_source, authkey_target=authkey_target, key_host=key_host,
                  authkey_sha256=authkey_sha256, new_key_paths=dict(new_key_paths or {}) or None)
    return Plan(f"Add remote node {name} ({method})", tuple(steps), recipe=("add_remote", kwargs))


GUEST_META = (("remote-addr", "address"), ("remote-port", "port"), ("remote-connect-timeout", "connect_timeout"))


def add_guest(*, name: str, resource: str, address: str | None = None, port: int | None = None,
              connect_timeout: str | None = None, method: str, facts=None,
              authkey_source: str = nodecmds.AUTHKEY, authkey_target: str = nodecmds.AUTHKEY,
              key_host: str | None = None, authkey_sha256: str | None = None,
              new_key_paths: Mapping[str, str] | None = None) -> Plan:
    method, known = _method(method), _facts(facts)
    target = address or name
    steps: list = []
    if method == "pcs":
        steps.append(RunStep(f"pcs: add guest node {name} to {resource}",
                             nodecmds.pcs_add_guest(name, resource, address=address, port=port,
                                                    connect_timeout=connect_timeout),
                             done=Probe(nodecmds.cib_meta_present(resource, "remote-node"),
                                        says=f"{resource} has remote-node already"),
                             undo=nodecmds.pcs_remove_guest(name), id="pcs-add-guest"))
    else:
        steps += _key_steps(target, source=authkey_source, key_host=key_host, dest=authkey_target,
                            expected=authkey_sha256, new_key_paths=new_key_paths)
        steps.append(_start_remoted(target))
        # as pcs: remote-addr always (the name by default), port and timeout when given;
        # remote-node last, so the guest appears once, with its address already right
        values = {"remote-addr": target, "remote-port": None if port is None else str(int(port)),
                  "remote-connect-timeout": connect_timeout}
        for key, value in values.items():
            if value is not None:
                steps.append(RunStep(f"Set meta {key}={value} on {resource}", nodecmds.set_meta(resource, key, value),
                                     undo=nodecmds.delete_meta(resource, key), id=f"meta-{key}"))
        steps.append(RunStep(f"Make {resource} run guest node {name} (meta remote-node={name})",
                             nodecmds.set_meta(resource, "remote-node", name),
                             undo=nodecmds.delete_meta(resource, "remote-node"), id="meta-remote-node"))
    steps.append(_wait(f"Wait until {name} is online (connection Started)", node_online(name, name), "wait-online"))
    kwargs = dict(name=name, resource=resource, address=address, port=port, connect_timeout=connect_timeout,
                  method=method, facts=known.to_json(), authkey_source=authkey_source,
                  authkey_target=authkey_target, key_host=key_host, authkey_sha256=authkey_sha256,
                  new_key_paths=dict(new_key_paths or {}) or None)
    return Plan(f"Add guest node {name} in {resource} ({method})", tuple(steps), recipe=("add_guest", kwargs))


def _forget(name: str) -> RunStep:
    # no done probe: a node may be gone from <nodes> and still have a node_state; the
    # command is idempotent (silent and successful for a name already gone)
    return RunStep(f"Forget node {name} (crm_node --force --remove)", nodecmds.remove_node(name), id="forget-node",
                   idempotent=True)


def _target_cleanup(name: str, target: str, remove_authkey: bool, authkey_target: str) -> list:
    steps: list = [
        RunStep(f"Stop and disable pacemaker_remote on {target}", nodecmds.disable_stop(), host=target,
                undo=nodecmds.enable_start(), id="stop-remoted", idempotent=True),
        _forget(name),
    ]
    if remove_authkey:
        steps.append(RunStep(f"Remove the authkey from {target}", nodecmds.remove_file(authkey_target), host=target,
                             done=Probe(nodecmds.path_exists(authkey_target), holds=lambda r: r.exit_status == 1,
                                        says=f"no {authkey_target} there"), id="remove-authkey"))
    return steps


def remove_remote(*, name: str, kind: str = "remote", method: str, remove_authkey: bool = True, facts=None,
                  authkey_target: str = nodecmds.AUTHKEY) -> Plan:
    method, known = _method(method), _facts(facts)
    target = known.node_addresses.get(name) or name
    # the connection stops first, whichever method: pcs 0.11 stops pacemaker_remote before
    # it changes the CIB, and a daemon gone under a running connection is a failed action
    steps: list = [
        RunStep(f"Stop the connection resource {name}", nodecmds.stop_resource(name),
                undo=nodecmds.delete_meta(name, "target-role"), id="stop-connection"),
        _wait(f"Wait until the connection {name} is stopped", connection_stopped(name), "wait-stopped"),
    ]
    if method == "pcs":
        steps.append(RunStep(f"pcs: remove remote node {name} (pcs also stops pacemaker_remote there and deletes its "
                             "authkey)", nodecmds.pcs_remove_remote(name), id="pcs-remove-remote"))
        steps.append(_forget(name))
    else:
        steps += [
            RunStep(f"Delete the connection resource {name}", nodecmds.delete_resource(name),
                    done=Probe(nodecmds.cib_id_taken(name), holds=lambda r: r.exit_status in NOT_FOUND,
                               says=f"the CIB has no {name}"), id="delete-connection"),
        ]
        steps += _target_cleanup(name, target, remove_authkey, authkey_target)
    steps.append(_wait(f"Wait until {name} is gone", node_gone(name), "wait-gone"))
    kwargs = dict(name=name, kind="remote", method=method, remove_authkey=remove_authkey, facts=known.to_json(),
                  authkey_target=authkey_target)
    return Plan(f"Remove remote node {name} ({method})", tuple(steps), recipe=("remove_remote", kwargs),
                cluster_wide=True)  # removing a node: typed confirmation on production


def remove_guest(*, name: str, kind: str = "guest", method: str, remove_authkey: bool = True, facts=None,
                 authkey_target: str = nodecmds.AUTHKEY) -> Plan:
    method, known = _method(method), _facts(facts)
    target = known.node_addresses.get(name) or name
    vm = known.guest_container(name)
    steps: list = []
    if method == "pcs" or vm is None:
        steps.append(RunStep(f"pcs: remove guest node {name} (pcs also stops pacemaker_remote there and deletes its "
                             "authkey)", nodecmds.pcs_remove_guest(name), id="pcs-remove-guest"))
        steps.append(_forget(name))
        method = "pcs"
    else:
        absent = lambda r: r.exit_status in NOT_FOUND  # noqa: E731
        steps.append(RunStep(f"Unset meta remote-node on {vm} (its guest connection stops)",
                             nodecmds.delete_meta(vm, "remote-node"),
                             done=Probe(nodecmds.cib_meta_present(vm, "remote-node"), holds=absent,
                                        says=f"{vm} has no remote-node"),
                             undo=nodecmds.set_meta(vm, "remote-node", name), id="unset-remote-node"))
        steps.append(_wait(f"Wait until the connection {name} is stopped", connection_stopped(name), "wait-stopped"))
        for key, _ in GUEST_META:
            steps.append(RunStep(f"Unset meta {key} on {vm}", nodecmds.delete_meta(vm, key),
                                 done=Probe(nodecmds.cib_meta_present(vm, key), holds=absent, says=f"{vm} has no {key}"),
                                 id=f"unset-{key}"))
        steps += _target_cleanup(name, target, remove_authkey, authkey_target)
    steps.append(_wait(f"Wait until {name} is gone", node_gone(name), "wait-gone"))
    kwargs = dict(name=name, kind="guest", method=method, remove_authkey=remove_authkey, facts=known.to_json(),
                  authkey_target=authkey_target)
    return Plan(f"Remove guest node {name} ({method})", tuple(steps), recipe=("remove_guest", kwargs),
                cluster_wide=True)  # removing a node: typed confirmation on production


BUILDERS = {"add_remote": add_remote, "add_guest": add_guest, "remove_remote": remove_remote,
            "remove_guest": remove_guest}
