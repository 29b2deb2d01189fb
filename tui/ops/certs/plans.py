"""The certificate plans, pure: the same JSON-able kwargs give the same steps (recipes rebuild
them after a lost console).

    certs_convert(ca="create", ca_dir=..., nodes=[{"name", "kind", "host"}, ...], env={...})
    certs_rollback(**rollback_kwargs(convert_kwargs, run_id))
    certs_renew(ca="create", ca_dir=..., nodes=[{..., "cert", "key", "ca", "renew"}], ...)

The conversion's order (contract §4, step ids in brackets): the CA [ca]; per node the TLS
directory, a key made ON the node (never read), its access, its CSR read back [csr-N], signed
here [sign-N], certificate and CA written [cert-N, ca-N]; every file read back and validated
BEFORE anything restarts [validate] (a certificate the other side rejects hangs the cluster
80 s and then its shutdown); maintenance mode; the environment files (diff in the review);
the DC seen to mark every remote/guest node in maintenance [maintenance-seen] (a
pacemaker_remote restart sooner hangs: findings-11); the disconnect watch; remote and guest
daemons restarted back to back, then each cluster node, one at a time, waiting for it to
rejoin; maintenance off (no remote reconnects while it is on: measured); every remote/guest
node online; the watch's windows; the daemons' own environment as evidence [environ-N];
cleanup; optionally the authkeys removed, only after the evidence.

`nodes` entries: {"name": "rn1", "kind": "cluster"|"remote"|"guest", "host": "10.0.0.5"}.
`env` entries (what the preflight read): {"path": ..., "before": text or None, "existed": bool,
"owner": ..., "group": ..., "mode": int}. Nothing secret is in the kwargs: the CA key stays in
its file and is loaded by the steps that sign, each node's key stays on its node.
"""

from __future__ import annotations

import asyncio
import posixpath
from typing import Any, Iterable, Mapping, Sequence

from tui.ops import engine, files
from tui.ops.certs import ca as calib
from tui.ops.certs import pki, readback
from tui.ops.certs import watch as watch_mod
from tui.ops.certs.watch import DisconnectWatch, describe
from tui.ops.nodes import plans as node_plans
from tui.ops.plan import (
    CheckStep,
    Described,
    EnvFileStep,
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
from tui.remote.transport import CommandResult

TLS_DIR = nodecmds.TLS_DIR
INSTALLED = {"ca": posixpath.join(TLS_DIR, "ca.crt"), "cert": posixpath.join(TLS_DIR, "node.crt"),
             "key": posixpath.join(TLS_DIR, "node.key"), "crl": posixpath.join(TLS_DIR, "crl.pem")}
FILE_OWNER, FILE_GROUP = "root", "haclient"
CERT_MODE, KEY_MODE = 0o644, 0o640
CLUSTER_RESTART_TIMEOUT = 180.0
WAIT_INTERVAL = 2.0
WAIT_ATTEMPTS = 45  # 90 s: a connection start times out after 60 s by default
CA_CERT_KEY = "ca-cert"  # run-context key of the CA certificate (public)
WATCH_KEY = "disconnect-watch"
WINDOWS_KEY = "disconnect_windows"


def node_paths(ca: str, name: str, *, ca_file: str | None = None, cert_file: str | None = None,
               key_file: str | None = None, crl_file: str | None = None) -> dict[str, str | None]:
    """Where a node's files are: TLS_DIR for a CA we sign with, the operator's templates else."""
    if ca != "files":
        return dict(INSTALLED, crl=None)
    fill = lambda t: t.replace("{node}", name) if t else None  # noqa: E731
    return {"ca": fill(ca_file), "cert": fill(cert_file), "key": fill(key_file), "crl": fill(crl_file)}


def tls_settings(paths: Mapping[str, str | None]) -> dict[str, str]:
    """The environment variables that turn X.509 on with these files."""
    values = {"PCMK_ca_file": paths["ca"], "PCMK_cert_file": paths["cert"], "PCMK_key_file": paths["key"]}
    if paths.get("crl"):
        values["PCMK_crl_file"] = paths["crl"]
    return values


def _nodes(nodes: Iterable[Mapping[str, Any]]) -> list[dict]:
    out = []
    for n in nodes:
        if n["kind"] not in nodecmds.VERSION_PROGRAMS:
            raise ValueError(f"node {n['name']!r}: kind must be cluster, remote or guest, not {n['kind']!r}")
        out.append({"name": n["name"], "kind": n["kind"], "host": n.get("host") or n["name"]})
    return out


def _remotes(nodes) -> list[dict]:
    return [n for n in nodes if n["kind"] in ("remote", "guest")]


def _cluster(nodes) -> list[dict]:
    return [n for n in nodes if n["kind"] == "cluster"]


# --- crm_mon --------------------------------------------------------------------------------

_snapshot = node_plans.snapshot_of  # one reading of crm_mon's answer for every wait


def all_online(names: Sequence[str]):
    """holds(result) on crm_mon: every one of `names` online with its connection Started."""
    def holds(result: CommandResult) -> tuple[bool, str]:
        snap = _snapshot(result)
        if isinstance(snap, str):
            return False, snap
        waiting = []
        for name in names:
            node = snap.node(name)
            conn = next((r for r in snap.all_resources() if r.id == name), None)
            if node is None or not node.online:
                waiting.append(f"{name} offline")
            elif conn is not None and (conn.role != "Started" or conn.failed):
                waiting.append(f"{name} connection {conn.role}" + (" (failed)" if conn.failed else ""))
        if waiting:
            return False, "; ".join(waiting)
        return True, f"{', '.join(names)} online" if names else "no remote or guest node"
    return holds


def cluster_node_online(name: str):
    def holds(result: CommandResult) -> tuple[bool, str]:
        snap = _snapshot(result)
        if isinstance(snap, str):
            return False, snap
        node = snap.node(name)
        if node is None:
            return False, f"{name} is not in crm_mon"
        return bool(node.online), f"{name} {'online' if node.online else 'offline'}"
    return holds


def _wait(title: str, holds, step_id: str, host: str | None = None) -> WaitStep:
    return WaitStep(title, commands.crm_mon_status(), holds=holds, interval=WAIT_INTERVAL,
                    attempts=WAIT_ATTEMPTS, id=step_id, host=host)


# --- the CA and signing (in this console) ------------------------------------------------------

def _named(fn, name: str):
    fn.__name__ = name  # the review shows a LocalStep by its function's name
    return fn


def _load_ca(ca: str, ca_dir: str | None, ca_cert: str | None, ca_key: str | None) -> calib.CA:
    if ca == "given":
        return calib.load_given(ca_cert, ca_key)
    return calib.load(ca_dir)


def ca_step(ca: str, *, ca_dir: str | None, ca_cert: str | None, ca_key: str | None, cluster: str,
            create: bool = True) -> LocalStep:
    if ca == "given":
        def given(ctx: dict) -> Described:
            loaded = calib.load_given(ca_cert, ca_key)
            return Described(loaded.cert_pem, f"loaded the CA {loaded.describe()} from {loaded.where}")
        return LocalStep("Load the given CA", _named(given, f"load the CA from {ca_cert} (key {ca_key})"),
                         output=CA_CERT_KEY, id="ca")

    def console_ca(ctx: dict) -> Described:
        if create:
            loaded, created = calib.load_or_create(ca_dir, name=cluster)
        else:
            loaded, created = calib.load(ca_dir), False
        verb = "created a new CA" if created else "loaded the CA"
        return Described(loaded.cert_pem, f"{verb} {loaded.describe()} in {loaded.where}")
    what = "load the CA in" if not create else "load the CA in, or create it there (ca.crt 0644, ca.key 0600):"
    return LocalStep("Load or create the console's CA" if create else "Load the console's CA",
                     _named(console_ca, f"{what} {ca_dir}"), output=CA_CERT_KEY, id="ca")


def sign_step(name: str, *, ca: str, ca_dir, ca_cert, ca_key, days: int) -> LocalStep:
    def sign(ctx: dict) -> Described:
        csr = ctx.get(f"csr:{name}")
        if not csr:
            raise calib.CAError(f"{name}: no certificate request was read from the node")
        cert = calib.sign(_load_ca(ca, ca_dir, ca_cert, ca_key), csr, name, days=days)
        facts = pki.cert_facts(cert)
        return Described(cert, f"signed {name}'s certificate: serial {facts.serial_hex[:16]}, "
                               f"valid until {facts.not_after:%Y-%m-%d}")
    return LocalStep(f"Sign {name}'s certificate request",
                     _named(sign, f"check that the request is for {name}, sign it with the CA ({days} days)"),
                     output=f"cert:{name}", id=f"sign-{name}")


def _issue_steps(node: dict, *, key_path: str, cert_path: str, ca_path: str | None, sign: LocalStep) -> list:
    """Key on the node, CSR read back, signed here, certificate (and CA) written."""
    name, host = node["name"], node["host"]
    chown, chmod = nodecmds.key_access(key_path, FILE_OWNER, FILE_GROUP, KEY_MODE)
    steps = [
        RunStep(f"Make {TLS_DIR} on {name}", nodecmds.make_tls_dir(), host=host, idempotent=True,
                id=f"tls-dir-{name}"),
        RunStep(f"Make {name}'s private key on {name} (it never leaves the node)", nodecmds.generate_key(key_path),
                host=host, id=f"key-{name}",
                done=Probe(nodecmds.path_exists(key_path), says=f"{key_path} exists (made on the node, never read)")),
        RunStep(f"Let the daemons read the key on {name} ({FILE_OWNER}:{FILE_GROUP})", chown, host=host,
                idempotent=True, id=f"key-access-{name}"),
        RunStep(f"Key mode {KEY_MODE:04o} on {name}", chmod, host=host, idempotent=True, id=f"key-mode-{name}"),
        RunStep(f"Read {name}'s certificate request", nodecmds.make_csr(key_path, name), host=host,
                mutates=False, output=f"csr:{name}", id=f"csr-{name}"),
        sign,
        WriteFileStep(f"Write {name}'s certificate", cert_path, Ref(f"cert:{name}"), owner=FILE_OWNER,
                      group=FILE_GROUP, mode=CERT_MODE, host=host, id=f"cert-{name}"),
    ]
    if ca_path:
        steps.append(WriteFileStep(f"Write the CA certificate on {name}", ca_path, Ref(CA_CERT_KEY),
                                   owner=FILE_OWNER, group=FILE_GROUP, mode=CERT_MODE, host=host, id=f"ca-{name}"))
    return steps


# --- restarts, evidence -------------------------------------------------------------------------

def _other_cluster_host(cluster: Sequence[dict], name: str) -> str | None:
    other = next((n["host"] for n in cluster if n["name"] != name), None)
    return other


def restart_steps(nodes: Sequence[dict], every: Sequence[dict] | None = None) -> list:
    """Remote and guest daemons back to back, then each cluster node, waiting for it to rejoin
    (asked on another cluster node of `every`, the whole cluster). Not idempotent on purpose:
    a resume skips a restart the journal says is done (another restart is another disconnect)
    and asks the operator about one that was interrupted."""
    steps: list = []
    others = _cluster(every if every is not None else nodes)
    for node in _remotes(nodes):
        steps.append(RunStep(f"Restart pacemaker_remote on {node['name']}", nodecmds.restart(nodecmds.REMOTE_UNIT),
                             host=node["host"], id=f"restart-{node['name']}"))
    cluster = _cluster(nodes)
    for node in cluster:
        name = node["name"]
        steps.append(RunStep(f"Restart pacemaker on {name}", nodecmds.restart(nodecmds.CLUSTER_UNIT),
                             host=node["host"], timeout=CLUSTER_RESTART_TIMEOUT, id=f"restart-{name}"))
        steps.append(_wait(f"Wait until {name} has rejoined", cluster_node_online(name), f"rejoin-{name}",
                           host=_other_cluster_host(others, name) or node["host"]))
    return steps


def environ_judge(name: str, process: str, cert_path: str | None):
    """PCMK_cert_file in the running daemon's environment, equal to what was written."""
    def judge(result: CommandResult) -> Verdict:
        if result.exit_status == 3:
            return Verdict("fail", f"{process} does not run on {name}")
        if not result.ok:
            text = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            return Verdict("fail", f"cannot read {process}'s environment on {name}: "
                                   f"{text.splitlines()[-1] if text else f'exit {result.exit_status}'}")
        values = files.read_env(result.stdout.decode("utf-8", "replace"))
        got = values.get("PCMK_cert_file")
        if not got:
            return Verdict("fail", f"{process} on {name} started without PCMK_cert_file: it still uses PSK",
                           fix="roll back (certs-rollback RUN_ID) or fix the environment file and restart")
        if cert_path and got != cert_path:
            return Verdict("fail", f"{process} on {name} uses PCMK_cert_file={got}, not {cert_path}")
        missing = [v for v in ("PCMK_ca_file", "PCMK_key_file") if not values.get(v)]
        if missing:
            return Verdict("fail", f"{process} on {name} lacks {', '.join(missing)}: it stays on PSK")
        return Verdict("ok", f"{process} on {name} runs with PCMK_cert_file={got}")
    return judge


def environ_steps(nodes: Sequence[dict], cert_paths: Mapping[str, str | None]) -> list:
    steps = []
    for node in nodes:
        process = nodecmds.TLS_DAEMONS[node["kind"]]
        steps.append(CheckStep(f"{process} on {node['name']} uses the certificate",
                               nodecmds.daemon_tls_environ(process), host=node["host"],
                               judge=environ_judge(node["name"], process, cert_paths.get(node["name"])),
                               id=f"environ-{node['name']}"))
    return steps


def watch_steps(nodes: Sequence[dict]) -> tuple[LocalStep, LocalStep]:
    remotes = [n["name"] for n in _remotes(nodes)]
    hosts = tuple(n["host"] for n in _cluster(nodes)) or (None,)

    def start(ctx: dict) -> Described:
        old = ctx.get(WATCH_KEY)
        if old is not None and old.task is not None:
            old.task.cancel()
        watch = DisconnectWatch(ctx[engine.READ], remotes, hosts=(None, *hosts), interval=watch_mod.INTERVAL)
        ctx[WATCH_KEY] = watch
        ctx.setdefault(engine.TASKS, []).append(watch.start())
        return Described(None, f"watching {', '.join(remotes) or 'no node'} through crm_mon every second")

    async def stop(ctx: dict) -> Described:
        watch = ctx.get(WATCH_KEY)
        if watch is None:
            return Described({n: None for n in remotes}, "the watch did not run (resumed after it started)")
        windows = await watch.stop()
        return Described(windows, describe(windows))
    return (LocalStep("Start the disconnect watch", _named(start, "poll crm_mon every second: who is offline"),
                      id="watch-start"),
            LocalStep("Stop the disconnect watch", _named(stop, "how long each remote/guest node was offline"),
                      output=WINDOWS_KEY, id="watch-stop"))


def _maintenance(on: bool) -> RunStep:
    if on:
        return RunStep("Cluster maintenance mode on (no recovery, no fencing while connections drop)",
                       commands.cluster_maintenance(True), undo=commands.cluster_maintenance(False),
                       idempotent=True, id="maintenance-on")
    return RunStep("Cluster maintenance mode off", commands.cluster_maintenance(False), idempotent=True,
                   id="maintenance-off")


MAINTENANCE_SEEN_ATTEMPTS = 30
MAINTENANCE_SEEN_INTERVAL = 0.5


def maintenance_seen(nodes: Sequence[dict]) -> WaitStep:
    """After maintenance-on, until the DC marked every remote/guest node_state in maintenance
    (findings-11: a pacemaker_remote restart sooner gets its shutdown ACKed and then waits for
    resources maintenance never stops: 60 s in the lab, up to 30 min on a host)."""
    names = [n["name"] for n in _remotes(nodes)]

    async def every_node_state_in_maintenance(ctx: dict) -> tuple[bool, str]:
        read = ctx[engine.READ]
        # only a connected node has a node_state to mark and a shutdown the cluster could ACK
        # (findings-11: after a cluster restart an unconnected remote has no node_state at all)
        snap = _snapshot(await read(None, commands.crm_mon_status(), 20.0))
        if isinstance(snap, str):
            return False, snap
        connected = [n for n in names if (node := snap.node(n)) is not None and node.online]
        results = await asyncio.gather(*(read(None, nodecmds.node_in_maintenance(n), 20.0) for n in connected))
        waiting = [n for n, r in zip(connected, results) if not r.ok]
        if waiting:
            return False, f"not yet marked in maintenance: {', '.join(waiting)}"
        offline = [n for n in names if n not in connected]
        return True, (f"{', '.join(connected) or 'no connected remote or guest node'} marked in maintenance by the DC"
                      + (f"; not connected (nothing to mark): {', '.join(offline)}" if offline else ""))
    _named(every_node_state_in_maintenance,
           f"$ {' '.join(nodecmds.node_in_maintenance('N'))} for each N of {', '.join(names) or 'none'} "
           "that crm_mon shows connected")
    return WaitStep("Wait until the cluster has put every remote and guest node in maintenance",
                    every_node_state_in_maintenance, interval=MAINTENANCE_SEEN_INTERVAL,
                    attempts=MAINTENANCE_SEEN_ATTEMPTS, id="maintenance-seen")


def _env_record(env: Mapping[str, Any], name: str) -> dict:
    record = dict(env.get(name) or {})
    record.setdefault("path", nodecmds.ENV_FILES[0])
    return record


# --- the conversion -----------------------------------------------------------------------------

def certs_convert(*, ca: str = "create", ca_dir: str | None = None, ca_cert: str | None = None,
                  ca_key: str | None = None, ca_file: str | None = None, cert_file: str | None = None,
                  key_file: str | None = None, crl_file: str | None = None, days: int = 825,
                  remove_authkey: bool = False, force: bool = False, nodes: Sequence[Mapping] = (),
                  env: Mapping[str, Mapping] | None = None, authkeys: Mapping[str, str] | None = None,
                  cluster: str = "cluster") -> Plan:
    nodes, env, authkeys = _nodes(nodes), dict(env or {}), dict(authkeys or {})
    if not nodes:
        raise ValueError("certs_convert needs the cluster's nodes")
    if ca == "create" and not ca_dir:
        raise ValueError("certs_convert with ca=create needs ca_dir")
    paths = {n["name"]: node_paths(ca, n["name"], ca_file=ca_file, cert_file=cert_file, key_file=key_file,
                                   crl_file=crl_file) for n in nodes}
    steps: list = []
    if ca != "files":
        steps.append(ca_step(ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, cluster=cluster))
        for node in nodes:
            p = paths[node["name"]]
            sign = sign_step(node["name"], ca=ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, days=days)
            steps += _issue_steps(node, key_path=p["key"], cert_path=p["cert"], ca_path=p["ca"], sign=sign)
    steps.append(readback.validate_step(nodes, paths, force=force))
    steps += [_maintenance(True), maintenance_seen(nodes)]
    for node in nodes:
        record = _env_record(env, node["name"])
        steps.append(EnvFileStep(f"Turn X.509 on in {node['name']}'s environment file", record["path"],
                                 set=tls_settings(paths[node["name"]]), before=record.get("before"),
                                 host=node["host"], id=f"env-{node['name']}"))
    start, stop = watch_steps(nodes)
    steps.append(start)
    steps += restart_steps(nodes)
    remotes = [n["name"] for n in _remotes(nodes)]
    # measured on 3.0.0 (findings-11 (a), (b)): no remote reconnects while maintenance-mode is on
    steps.append(_maintenance(False))
    steps.append(_wait("Wait until every remote and guest node is online", all_online(remotes), "wait-online"))
    steps.append(stop)
    steps += environ_steps(nodes, {n: p["cert"] for n, p in paths.items()})
    for name in remotes:
        steps.append(RunStep(f"Forget {name}'s connection failures from the switch",
                             nodecmds.cleanup_resource(name), idempotent=True, id=f"cleanup-{name}"))
    if remove_authkey:
        for node in nodes:
            location = authkeys.get(node["name"], nodecmds.AUTHKEY)
            steps.append(RunStep(f"Remove the authkey on {node['name']} (X.509 is proven)",
                                 nodecmds.remove_file(location), host=node["host"], id=f"remove-authkey-{node['name']}",
                                 done=Probe(nodecmds.path_exists(location), holds=lambda r: r.exit_status == 1,
                                            says=f"no {location} there")))
    kwargs = dict(ca=ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, ca_file=ca_file, cert_file=cert_file,
                  key_file=key_file, crl_file=crl_file, days=days, remove_authkey=remove_authkey, force=force,
                  nodes=nodes, env={k: dict(v) for k, v in env.items()}, authkeys=authkeys, cluster=cluster)
    title = "Switch Pacemaker Remote to X.509 certificates" + (" (FORCED: validation errors ignored)" if force else "")
    # every node's daemons restart with the new credentials: typed confirmation on production
    return Plan(title, tuple(steps), recipe=("certs_convert", kwargs), cluster_wide=True)


# --- rollback -------------------------------------------------------------------------------------

def rollback_kwargs(convert: Mapping[str, Any], run_id: str, written: Iterable[str] | None = None) -> dict:
    """The rollback of a conversion from its recipe's kwargs and its run id. written: the nodes
    whose env-N ran (from the journal); None: all of them."""
    nodes = _nodes(convert.get("nodes") or ())
    names = [n["name"] for n in nodes] if written is None else [n for n in written]
    return {"run_id": run_id, "nodes": nodes, "env": {k: dict(v) for k, v in (convert.get("env") or {}).items()},
            "authkeys": dict(convert.get("authkeys") or {}), "written": sorted(set(names))}


def authkey_judge(name: str, location: str):
    def judge(result: CommandResult) -> Verdict:
        if result.ok and files.parse_sha256(result.stdout):
            return Verdict("ok", f"{name} still has its authkey at {location}")
        if result.exit_status == 1:
            return Verdict("fail", f"{name} has no authkey at {location} (removed by --remove-authkey?): "
                                   "going back to PSK would leave it offline",
                           fix=f"copy the cluster's authkey to {name}:{location} (hacluster:haclient 0400) first")
        return Verdict("fail", f"cannot tell whether {name} has its authkey at {location}")
    return judge


def certs_rollback(*, run_id: str, nodes: Sequence[Mapping] = (), env: Mapping[str, Mapping] | None = None,
                   authkeys: Mapping[str, str] | None = None, written: Sequence[str] | None = None) -> Plan:
    nodes, env, authkeys = _nodes(nodes), dict(env or {}), dict(authkeys or {})
    written_set = set(n["name"] for n in nodes) if written is None else set(written)
    steps: list = []
    for node in nodes:
        location = authkeys.get(node["name"], nodecmds.AUTHKEY)
        steps.append(CheckStep(f"{node['name']} still has its authkey", nodecmds.sha256(location), host=node["host"],
                               judge=authkey_judge(node["name"], location), id=f"authkey-{node['name']}"))
    steps += [_maintenance(True), maintenance_seen(nodes)]
    for node in nodes:
        name = node["name"]
        if name not in written_set:
            continue
        record = _env_record(env, name)
        path = record["path"]
        if record.get("existed"):
            steps.append(ReadSecretStep(f"Read the backup of {name}'s environment file",
                                        files.backup_path(path, run_id), output=f"backup:{name}",
                                        host=node["host"], id=f"read-backup-{name}"))
            steps.append(WriteFileStep(f"Restore {name}'s environment file from the backup", path, Ref(f"backup:{name}"),
                                       owner=record.get("owner") or "root", group=record.get("group") or "root",
                                       mode=int(record.get("mode") or 0o644), host=node["host"], id=f"env-{name}"))
        else:
            steps.append(EnvFileStep(f"Take X.509 out of {name}'s environment file", path,
                                     unset=frozenset(nodecmds.TLS_VARIABLES), host=node["host"], id=f"env-{name}"))
    start, stop = watch_steps(nodes)
    steps.append(start)
    steps += restart_steps(nodes)
    remotes = [n["name"] for n in _remotes(nodes)]
    steps.append(_maintenance(False))  # the cluster reconnects no remote while it is on
    steps.append(_wait("Wait until every remote and guest node is online", all_online(remotes), "wait-online"))
    steps.append(stop)
    kwargs = dict(run_id=run_id, nodes=nodes, env={k: dict(v) for k, v in env.items()}, authkeys=authkeys,
                  written=sorted(written_set))
    return Plan(f"Roll back the X.509 switch of run {run_id} (back to PSK)", tuple(steps),
                recipe=("certs_rollback", kwargs))


# --- renewal --------------------------------------------------------------------------------------

def certs_renew(*, ca: str = "create", ca_dir: str | None = None, ca_cert: str | None = None,
                ca_key: str | None = None, validity: int = 825, days: int = 30,
                nodes: Sequence[Mapping] = (), cluster: str = "cluster") -> Plan:
    """nodes: every node with its configured files {"name", "kind", "host", "ca", "cert", "key",
    "crl", "renew": bool}; those with renew get a new key and certificate (".new" first, then
    moved into place), the others are read for the cluster-wide validation."""
    records = [dict(n) for n in nodes]
    base = _nodes(records)
    for b, r in zip(base, records):
        b.update(ca=r.get("ca"), cert=r.get("cert"), key=r.get("key"), crl=r.get("crl"), renew=bool(r.get("renew")))
    renew = [n for n in base if n["renew"]]
    kwargs = dict(ca=ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, validity=validity, days=days,
                  nodes=base, cluster=cluster)
    if not renew:
        def nothing(ctx: dict) -> Verdict:
            return Verdict("ok", f"no certificate expires within {days} days: nothing to renew")
        return Plan(f"Renew certificates expiring within {days} days: nothing to do",
                    (CheckStep("Nothing to renew", nothing, id="nothing-to-renew"),), recipe=("certs_renew", kwargs))
    steps: list = [ca_step(ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, cluster=cluster, create=False)]
    new_paths: dict[str, dict] = {}
    for node in base:
        paths = {"ca": node["ca"], "cert": node["cert"], "key": node["key"], "crl": node["crl"]}
        if node["renew"]:
            paths = dict(paths, cert=f"{node['cert']}.new", key=f"{node['key']}.new")
            sign = sign_step(node["name"], ca=ca, ca_dir=ca_dir, ca_cert=ca_cert, ca_key=ca_key, days=validity)
            steps += _issue_steps(node, key_path=paths["key"], cert_path=paths["cert"], ca_path=None, sign=sign)
        new_paths[node["name"]] = paths
    steps.append(readback.validate_step(base, new_paths, force=False))
    for node in renew:
        for what in ("key", "cert"):
            new = new_paths[node["name"]][what]
            steps.append(RunStep(f"Put {node['name']}'s new {'key' if what == 'key' else 'certificate'} in place",
                                 nodecmds.move_file(new, node[what]), host=node["host"],
                                 id=f"install-{what}-{node['name']}",
                                 done=Probe(nodecmds.path_exists(new), holds=lambda r: r.exit_status == 1,
                                            says=f"no {new}: moved already")))
    # maintenance mode for every renewal, not only when a cluster node restarts: a restarted
    # pacemaker_remote asks for an ordered shutdown, and outside maintenance the cluster then
    # stops its resources (findings-11 (c): resources restarted without maintenance mode)
    steps += [_maintenance(True), maintenance_seen(base)]
    start, stop = watch_steps([n for n in base if n["kind"] == "cluster" or n["renew"]])
    steps.append(start)
    steps += restart_steps(renew, base)
    remotes = [n["name"] for n in _remotes(base)]
    steps.append(_maintenance(False))
    steps.append(_wait("Wait until every remote and guest node is online", all_online(remotes), "wait-online"))
    steps.append(stop)
    steps += environ_steps(renew, {n["name"]: n["cert"] for n in renew})
    names = ", ".join(n["name"] for n in renew)
    return Plan(f"Renew the certificates of {names}", tuple(steps), recipe=("certs_renew", kwargs))


BUILDERS = {"certs_convert": certs_convert, "certs_rollback": certs_rollback, "certs_renew": certs_renew}
