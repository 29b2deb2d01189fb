"""Why is this remote or guest node offline? A verdict first, then the evidence, then the fix.

    d = await diagnose(pool, snapshot, "rn1", default_host=session.action_host)
    print(render_diagnosis(d))

What it looks at: the node and its connection (and, for a guest, container) resource in the
snapshot, their failures (ENOKEY / EKEYREJECTED, "Required key not available" / "Key was
rejected by service", mean the key, and Pacemaker does not retry them), which cluster node
hosts the connection; then, live and read-only (pool.run(..., read=True)): the TCP port
reached from that cluster node, SSH to the target, pacemaker-remoted running there, the
authkey (at PCMK_authkey_location when an environment file sets it) present and identical on
every cluster node and the target, compared by sha256 (hashes only, never the key), and the
Pacemaker log lines about the node on both sides (the strings REMOTE-FACTS lists).

A probe that cannot run (SSH refused, a command missing) is evidence ("cannot tell"), never
an error: the diagnosis is still reached from what could be seen. The causes are judged in
the order a repair goes (the container before the daemon, the daemon before the port, the
port before the key), and the fix lists every repair in that order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Iterable

from tui.ops import files
from tui.pacemaker import nodecmds
from tui.pacemaker.model import DEFAULT_REMOTE_PORT, Failure, Node, NodeKind, Resource, Snapshot
from tui.pacemaker.sensitive import redact_text
from tui.plaintext import one_line
from tui.remote.pool import OutputTooLarge
from tui.remote.transport import CommandResult, TransportError

PROBE_TIMEOUT = 20.0  # seconds per probe (tcp_connect bounds itself at nodecmds.PROBE_SECONDS)
LOG_LINES = 5000  # how far back in each log to look
TARGET_LOG_LINES = 2000  # a remote's log is nearly all pacemaker-remoted's: all of it matches
SHOWN_LOG_LINES = 8  # the newest matching lines shown per side
INFINITY = 1_000_000  # Pacemaker's fail-count infinity

# the exit reasons of a connection start that failed on the key (ENOKEY, EKEYREJECTED):
# a hard error, not retried by Pacemaker
KEY_REASONS = ("Key was rejected by service", "Required key not available")

# (a string Pacemaker logs, what it means, which cause it points at)
CLUSTER_SIGNS = (
    ("Could not read Pacemaker Remote key", "the cluster node cannot read its authkey", "key"),
    ("Disconnecting after TLS handshake with Pacemaker Remote server", "the TLS handshake failed (the keys differ?)", "key"),
    ("Could not connect to Pacemaker Remote node", "the connection could not be made", None),
    ("Pacemaker Remote connection to", "the TCP connection failed", "port"),
    ("Lost connection to Pacemaker Remote node", "the connection was lost", None),
    ("unexpectedly dropped during monitor", "the connection dropped", None),
    ("Lost connection to remote executor", "the connection was lost", None),
    ("Timed out waiting for remote poke response", "the remote stopped answering", None),
    ("Executor protocol version mismatch", "Pacemaker versions do not match", "version"),
    ("Peer certificate invalid", "the remote's certificate is not trusted", "tls"),
    ("Failed to set X509", "a certificate file cannot be used", "tls"),
    ("Certificate verification failed", "a certificate was refused", "tls"),
)
TARGET_SIGNS = (
    ("A cluster connection will not be possible until the key is available", "the target has no usable authkey", "key"),
    ("TLS handshake with remote client failed", "the TLS handshake failed (the keys differ?)", "key"),
    ("Remote client authentication timed out", "a cluster node did not authenticate", "key"),
    ("Cannot bind to", "pacemaker-remoted cannot listen on its port", "bind"),
    ("Failed to create TLS listener", "pacemaker-remoted cannot listen with TLS", "tls"),
    ("Failed to set X509", "a certificate file cannot be used", "tls"),
    ("Certificate verification failed", "a certificate was refused", "tls"),
)
TLS_VARIABLES = ("PCMK_ca_file", "PCMK_cert_file", "PCMK_key_file")


class NotDiagnosable(ValueError):
    """The node cannot be diagnosed here (a cluster node, a name the cluster lacks)."""


class UnknownNode(NotDiagnosable):
    pass


@dataclass(frozen=True, slots=True)
class Evidence:
    title: str
    observed: str  # may hold several lines (log lines): each is made safe where shown
    ok: bool | None  # None: neither good nor bad (or could not tell)
    host: str | None = None  # where it was seen; None: the cluster's status

    def to_json(self) -> dict:
        return {"title": self.title, "observed": self.observed, "ok": self.ok, "host": self.host}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    node: str
    verdict: str
    level: str  # "ok" | "warn" | "fail"
    evidence: tuple[Evidence, ...]
    fix: str | None = None
    cause: str = "unknown"  # a stable word for the verdict: online, remoted-not-running, ...
    kind: str | None = None  # remote | guest | bundle

    @property
    def online(self) -> bool:
        return self.cause == "online"

    def to_json(self) -> dict:
        return {"node": self.node, "kind": self.kind, "verdict": self.verdict, "level": self.level,
                "cause": self.cause, "fix": self.fix, "evidence": [e.to_json() for e in self.evidence]}


# --- probes -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Seen:
    """One probe's result, or why it could not run."""

    result: CommandResult | None
    error: str | None = None

    @property
    def status(self) -> int | None:
        return self.result.exit_status if self.result is not None else None

    @property
    def missing(self) -> bool:  # the command is not there (exit 127)
        return self.status == 127

    @property
    def stdout(self) -> str:
        return self.result.stdout.decode("utf-8", "replace") if self.result is not None else ""

    def why(self) -> str:
        if self.error:
            return self.error
        if self.result is None:
            return "did not run"
        if self.result.exit_status is None:
            return self.result.error or "did not finish"
        if self.missing:
            return f"{self.result.argv[0]} is not there (exit 127)"
        text = (self.result.stderr or self.result.stdout).decode("utf-8", "replace").strip().splitlines()
        return f"exit {self.result.exit_status}" + (f": {text[-1]}" if text else "")


async def _probe(pool, host: str, argv, what: str) -> _Seen:
    try:
        result = await pool.run(host, tuple(argv), purpose=f"diagnose: {what}", read=True,
                                timeout=PROBE_TIMEOUT)
    except TransportError as exc:
        return _Seen(None, exc.message + (f" ({exc.hint})" if exc.hint else ""))
    except OutputTooLarge as exc:
        return _Seen(None, exc.reason)
    return _Seen(result)


@dataclass(frozen=True, slots=True)
class _Key:
    host: str
    location: str
    digest: str | None  # sha256 hex; None: missing or unknown
    missing: bool = False
    why: str | None = None  # unknown: why
    tls: bool = False  # X.509 configured (PCMK_ca_file, PCMK_cert_file, PCMK_key_file)


def _env(text: str) -> dict[str, str]:
    try:
        return files.read_env(text)
    except ValueError:  # an unbalanced quote: read what the lines give one by one
        values: dict[str, str] = {}
        for line in text.splitlines():
            try:
                values.update(files.read_env(line))
            except ValueError:
                continue
        return values


async def _key_on(pool, host: str) -> _Key:
    env = await _probe(pool, host, nodecmds.read_env_files(), "environment files")
    values = _env(env.stdout) if env.result is not None and not env.missing else {}
    location = values.get("PCMK_authkey_location") or nodecmds.AUTHKEY
    tls = all(values.get(name) for name in TLS_VARIABLES)
    seen = await _probe(pool, host, nodecmds.sha256(location), "authkey hash")
    if seen.status == 0:
        digest = files.parse_sha256(seen.result.stdout)
        if digest:
            return _Key(host, location, digest, tls=tls)
    if seen.status == 1 and "no such file" in seen.why().lower():
        return _Key(host, location, None, missing=True, tls=tls)
    return _Key(host, location, None, why=seen.why(), tls=tls)


def _signs(lines: Iterable[str], signs) -> tuple[list[str], set[str], list[str]]:
    """(the lines that carry a known sign, the causes they point at, what they mean)."""
    matched, causes, meanings = [], set(), []
    for line in lines:
        for text, meaning, cause in signs:
            if text in line:
                matched.append(line)
                if cause:
                    causes.add(cause)
                if meaning not in meanings:
                    meanings.append(meaning)
                break
    return matched, causes, meanings


async def _log(pool, host: str, needles: Iterable[str], *, lines: int = LOG_LINES) -> tuple[list[str], str | None]:
    """The log lines on host that contain any needle (newest last), or why they are unknown."""
    found: list[str] = []
    why = None
    for needle in dict.fromkeys(needles):
        seen = await _probe(pool, host, nodecmds.log_lines(needle, lines=lines), "log lines")
        if seen.status == 0:
            found.extend(l for l in seen.stdout.splitlines() if l.strip() and l not in found)
        elif seen.status != 1:  # 1: no line matched
            why = seen.why()
    return [redact_text(line.replace("\t", " ")) for line in found], (why if not found else None)


# --- the snapshot ---------------------------------------------------------------------------

def _resource(snapshot: Snapshot, rid: str | None) -> Resource | None:
    if not rid:
        return None
    return next((r for r in snapshot.all_resources() if r.id == rid), None)


def _where(res: Resource) -> str:
    return f" on {', '.join(res.nodes)}" if res.nodes else ""


def _disabled(res: Resource | None) -> bool:
    return res is not None and ((res.target_role or "").lower() == "stopped" or res.disabled)


def _failure_text(f: Failure) -> str:
    text = f.exit_status or (f"exit {f.exit_code}" if f.exit_code is not None else "failed")
    if f.exit_reason:
        text += f": {f.exit_reason}"
    if f.status and f.status != "complete":
        text += f" ({f.status})"
    if f.last_rc_change:
        text += f", at {f.last_rc_change}"
    return text


def _key_reason(f: Failure) -> str | None:
    return next((r for r in KEY_REASONS if r.lower() in (f.exit_reason or "").lower()), None)


@dataclass
class _Case:
    """What diagnose gathers: evidence in order, problems with their priority and fix."""

    evidence: list
    problems: list  # (priority, cause, verdict, fix)

    def see(self, title: str, observed: str, ok: bool | None, host: str | None = None) -> None:
        self.evidence.append(Evidence(title, observed, ok, host))

    def problem(self, priority: int, cause: str, verdict: str, fix: str | None) -> None:
        if all(p[1] != cause for p in self.problems):
            self.problems.append((priority, cause, verdict, fix))


def _node_state(node: Node) -> str:
    flags = [word for word, on in (("standby", node.standby), ("maintenance", node.maintenance),
                                   ("unclean", node.unclean), ("pending", node.pending),
                                   ("shutting down", node.shutdown)) if on]
    return ("online" if node.online else "offline") + (f" ({', '.join(flags)})" if flags else "")


def _connection_host(snapshot: Snapshot, node: Node, conn: Resource | None, failures, default_host: str) -> tuple[str, str]:
    """(the cluster node the probes run from, why that one)."""
    cluster = {n.name for n in snapshot.nodes if n.kind is NodeKind.CLUSTER}
    if conn is not None and conn.active and conn.nodes:
        return conn.nodes[0], f"{conn.nodes[0]} runs the connection {conn.id}"
    if node.host and node.host in cluster:
        return node.host, f"{node.host} hosts the connection"
    failed = [f.node for f in failures if f.node in cluster]
    if failed:
        return failed[-1], f"no cluster node runs the connection; {failed[-1]} is where it last failed"
    return default_host, f"no cluster node runs the connection; probing from {default_host}"


# --- the diagnosis ----------------------------------------------------------------------------

async def diagnose(pool, snapshot: Snapshot, node: str, *, default_host: str, probe: bool = True) -> Diagnosis:
    """Why `node` (a remote, guest or bundle node) is offline, or that it is online, with the
    evidence. probe=False: from the snapshot only (a saved CIB has no hosts to ask).
    Raises NotDiagnosable (UnknownNode) for a name that is not such a node."""
    found = snapshot.node(node)
    if found is None:
        known = sorted(n.name for n in snapshot.nodes if n.kind in (NodeKind.REMOTE, NodeKind.GUEST, NodeKind.BUNDLE))
        raise UnknownNode(f"no node named '{one_line(node)}' in the cluster "
                          f"(remote and guest nodes: {', '.join(known) or 'none'})")
    if found.kind not in (NodeKind.REMOTE, NodeKind.GUEST, NodeKind.BUNDLE):
        raise NotDiagnosable(f"'{one_line(node)}' is a {found.kind.value} node: diagnose explains remote and guest nodes")
    case = _Case([], [])
    name = found.name
    conn = _resource(snapshot, found.connection_resource or (name if found.kind is NodeKind.REMOTE else None))
    container = _resource(snapshot, found.container_resource)
    ids = {r.id for r in (conn, container) if r is not None} | {found.connection_resource, found.container_resource} - {None}
    failures = [f for f in snapshot.failures if f.resource and f.resource.split(":", 1)[0] in ids]
    conn_started = conn is not None and conn.active and conn.role == "Started"
    online = found.online and (conn is None or conn_started) and (container is None or container.active)

    case.see("node in crm_mon", f"{name} ({found.kind.value}) {_node_state(found)}", online)
    conn_id = conn.id if conn is not None else found.connection_resource or name
    _look_at_resources(case, found, conn, container, conn_id)
    key_failure = _look_at_failures(case, snapshot, found, failures, conn_id)

    host, why_host = _connection_host(snapshot, found, conn, failures, default_host)
    case.see("connection host", why_host, None if not conn_started else True, host)
    if probe:
        await _probe_live(case, pool, snapshot, found, host, key_failure)
    else:
        case.see("live checks", "not run: a saved CIB has no hosts to ask", None)
    if not probe and key_failure is not None:
        case.problem(65, "authkey-rejected", f"the connection start failed with \"{key_failure}\": the authkey is "
                     f"missing or differs (Pacemaker does not retry this)", _key_fix(found, nodecmds.AUTHKEY, host))
    if failures and not case.problems:  # the failure itself, when nothing explains it
        case.problem(90, "connection-failed", f"the connection failed: {_failure_text(failures[-1])}", None)
    return _judge(case, found, conn, failures, online, conn_id)


def _look_at_resources(case: _Case, node: Node, conn: Resource | None, container: Resource | None, conn_id: str) -> None:
    if conn is None:
        case.see(f"connection resource {conn_id}", "not in the status", False)
        if node.kind is NodeKind.REMOTE:
            case.problem(10, "no-connection-resource", f"the CIB has no connection resource {conn_id} for it",
                         f"add it again (pcmk-console plan add-remote {conn_id}), or forget the node: "
                         f"crm_node --force --remove {conn_id}")
    else:
        role = conn.role + (f" (target-role {conn.target_role})" if conn.target_role else "")
        flags = "".join(f", {w}" for w, on in (("unmanaged", not conn.managed), ("blocked", conn.blocked),
                                               ("failed", conn.failed)) if on)
        case.see(f"connection resource {conn.id}", f"{role}{_where(conn)}{flags}",
                 conn.active and conn.role == "Started" and not conn.failed)
        if _disabled(conn):
            case.problem(15, "connection-disabled", f"its connection resource {conn.id} is disabled (target-role=Stopped)",
                         f"crm_resource --resource {conn.id} --meta --delete-parameter target-role")
    if node.kind is NodeKind.REMOTE:
        return
    if container is None:
        if node.container_resource:
            case.see(f"container resource {node.container_resource}", "not in the status", False)
        return
    role = container.role + (f" (target-role {container.target_role})" if container.target_role else "")
    case.see(f"container resource {container.id}" + (f" ({container.agent})" if container.agent else ""),
             f"{role}{_where(container)}", container.active)
    if _disabled(container):
        case.problem(20, "container-disabled", f"its container resource {container.id} is disabled (target-role=Stopped)",
                     f"crm_resource --resource {container.id} --meta --delete-parameter target-role")
    elif not container.active:
        case.problem(21, "container-stopped", f"its container resource {container.id} is not running",
                     f"look at {container.id}'s failures and constraints (crm_simulate --live-check --show-scores); "
                     f"after fixing them: crm_resource --cleanup --resource {container.id}")


def _look_at_failures(case: _Case, snapshot: Snapshot, node: Node, failures, conn_id: str) -> str | None:
    """Evidence of each failed action; the key exit reason when one names the key."""
    key_failure = None
    for f in failures:
        reason = _key_reason(f)
        note = " (a key error: Pacemaker does not retry it)" if reason else ""
        case.see(f"failed {f.task or 'action'} of {f.resource}", _failure_text(f) + note, False, f.node)
        key_failure = key_failure or reason
    for h in snapshot.history:
        if h.resource.split(":", 1)[0] != conn_id or not h.fail_count:
            continue
        limit = h.migration_threshold or INFINITY
        stuck = h.fail_count >= limit
        count = "INFINITY" if h.fail_count >= INFINITY else str(h.fail_count)
        case.see(f"fail count of {conn_id}", f"{count} (migration-threshold {'INFINITY' if limit >= INFINITY else limit})"
                 + (": it will not run there until the failure expires or is cleaned up" if stuck else ""),
                 not stuck, h.node)
    if node.reconnect_interval and failures:
        case.see("reconnect_interval", f"{node.reconnect_interval}: the cluster tries again once the failure "
                 f"expires (failure-timeout follows it)", None)
    return key_failure


async def _probe_live(case: _Case, pool, snapshot: Snapshot, node: Node, host: str, key_failure: str | None) -> None:
    name = node.name
    address = node.address or name
    port = node.port or DEFAULT_REMOTE_PORT
    cluster_nodes = [n.name for n in snapshot.nodes if n.kind is NodeKind.CLUSTER and n.online]
    if host not in cluster_nodes:
        cluster_nodes.insert(0, host)

    async def target_side():
        ssh = await _probe(pool, name, nodecmds.reachable(), "SSH to the target")
        if ssh.status != 0:
            return ssh, None, None, ([], None)
        remoted, key, logs = await asyncio.gather(
            _probe(pool, name, nodecmds.process_running(nodecmds.DAEMONS["pacemaker_remote"]), "pacemaker-remoted running"),
            _key_on(pool, name),
            _log(pool, name, ["pacemaker-remoted"], lines=TARGET_LOG_LINES),
        )
        return ssh, remoted, key, logs

    tcp, target, cluster_keys, cluster_logs = await asyncio.gather(
        _probe(pool, host, nodecmds.tcp_connect(address, port), f"TCP {address}:{port}"),
        target_side(),
        asyncio.gather(*(_key_on(pool, n) for n in cluster_nodes)),
        _log(pool, host, [name, address]),
    )
    ssh, remoted, target_key, target_logs = target

    # the port, from the cluster node that hosts (or would host) the connection
    where = f"TCP {address}:{port}"
    if tcp.status == 0:
        case.see(where, "connected", True, host)
        tcp_ok = True
    elif tcp.status == 124:
        case.see(where, f"timed out after {nodecmds.PROBE_SECONDS}s (a firewall dropping packets, or no route)", False, host)
        tcp_ok = False
    elif tcp.result is None or tcp.missing:
        case.see(where, f"cannot tell: {tcp.why()}", None, host)
        tcp_ok = None
    else:
        case.see(where, f"refused or unreachable: {tcp.why()}", False, host)
        tcp_ok = False

    # the target itself
    ssh_ok = ssh.status == 0
    case.see("SSH to the target", "works" if ssh_ok else f"cannot run a command there: {ssh.why()}",
             True if ssh_ok else None, name)
    remoted_ok = None
    if remoted is not None:
        if remoted.status == 0:
            remoted_ok = True
            case.see("pacemaker-remoted", f"running (pid {' '.join(remoted.stdout.split()) or '?'})", True, name)
        elif remoted.status == 1:
            remoted_ok = False
            case.see("pacemaker-remoted", "not running", False, name)
        else:
            case.see("pacemaker-remoted", f"cannot tell: {remoted.why()}", None, name)

    if not ssh_ok and tcp_ok is False:
        case.problem(30, "target-unreachable", f"{name} cannot be reached: no SSH, and {address}:{port} is not "
                     f"reachable from {host}",
                     f"check that {name} is up and that {address} is its address (ping {address} from {host})")
    if remoted_ok is False:
        case.problem(40, "remoted-not-running", f"pacemaker-remoted is not running on {name}",
                     f"on {name}: systemctl enable --now {nodecmds.REMOTE_UNIT}")
    if tcp_ok is False and (remoted_ok is not False) and ssh_ok:
        case.problem(50, "port-unreachable", f"TCP port {port} on {address} is not reachable from {host}",
                     f"open it on {name} (firewall-cmd --permanent --add-service=high-availability; "
                     f"firewall-cmd --reload), and check that pacemaker-remoted listens on {address}:{port} "
                     f"(PCMK_remote_address, PCMK_remote_port)")

    _judge_keys(case, node, host, cluster_keys, target_key, key_failure)

    # the logs, both sides
    lines, why = cluster_logs
    _see_logs(case, "log lines about the node", host, lines, why, CLUSTER_SIGNS)
    if ssh_ok:
        lines, why = target_logs
        causes = _see_logs(case, "pacemaker-remoted log lines", name, lines, why, TARGET_SIGNS, TARGET_LOG_LINES)
        if "bind" in causes and remoted_ok is not True:
            case.problem(45, "cannot-bind", f"pacemaker-remoted on {name} cannot listen on its port",
                         f"on {name}: find what holds port {port} (ss -ltnp), or set PCMK_remote_port; then "
                         f"systemctl restart {nodecmds.REMOTE_UNIT}")


def _see_logs(case: _Case, title: str, host: str, lines: list[str], why: str | None, signs,
              looked: int = LOG_LINES) -> set[str]:
    if why is not None:
        case.see(title, f"cannot tell: {why}", None, host)
        return set()
    matched, causes, meanings = _signs(lines, signs)
    shown = (matched or lines)[-SHOWN_LOG_LINES:]
    if not shown:
        case.see(title, f"none in the last {looked} lines of {nodecmds.LOG_FILE}", None, host)
        return set()
    head = ("; ".join(meanings) if matched else "no known failure message") + \
        f" (newest {len(shown)} of {len(matched or lines)} line(s); they may predate the problem)"
    case.see(title, "\n".join([head, *shown]), False if matched else None, host)
    return causes


def _key_fix(node: Node, location: str, source: str) -> str:
    return (f"copy the cluster's authkey from {source}:{location} to {node.name}:{location} "
            f"(hacluster:haclient 0400), then on {node.name}: systemctl restart {nodecmds.REMOTE_UNIT}")


def _short(digest: str | None) -> str:
    return f"sha256 {digest[:16]}…" if digest else "?"


def _judge_keys(case: _Case, node: Node, host: str, cluster_keys, target_key: _Key | None, key_failure: str | None) -> None:
    name = node.name
    tls = any(k.tls for k in cluster_keys if k.host == host)
    for key in cluster_keys:
        if key.digest:
            case.see(f"authkey {key.location}", _short(key.digest), True, key.host)
        elif key.missing:
            case.see(f"authkey {key.location}", "missing", False, key.host)
        else:
            case.see(f"authkey {key.location}", f"cannot tell: {key.why}", None, key.host)
    if target_key is not None:
        if target_key.digest:
            case.see(f"authkey {target_key.location}", _short(target_key.digest), None, name)
        elif target_key.missing:
            case.see(f"authkey {target_key.location}", "missing", False, name)
        else:
            case.see(f"authkey {target_key.location}", f"cannot tell: {target_key.why}", None, name)
    if tls:
        case.see("X.509", f"{', '.join(TLS_VARIABLES)} are set on {host}: the connection uses certificates, "
                 "the authkey is not used", None, host)
        return
    ours = next((k for k in cluster_keys if k.host == host), None)
    reference = ours if ours is not None and ours.digest else next((k for k in cluster_keys if k.digest), None)
    known = [k for k in cluster_keys if k.digest]
    if len({k.digest for k in known}) > 1:
        differ = sorted(k.host for k in known if k.digest != (reference.digest if reference else None))
        case.problem(62, "authkey-differs-in-cluster",
                     f"the cluster nodes do not share one authkey ({', '.join(differ)} differ from {reference.host})",
                     f"copy {reference.host}:{reference.location} to {', '.join(differ)} (hacluster:haclient 0400)")
    for key in cluster_keys:
        if key.missing:
            source = reference.host if reference else "another cluster node"
            case.problem(61, f"authkey-missing-on-{key.host}", f"the authkey {key.location} is missing on cluster node {key.host}",
                         f"copy it from {source} to {key.host}:{key.location} (hacluster:haclient 0400)")
    location = target_key.location if target_key is not None else nodecmds.AUTHKEY
    source = reference.host if reference else host
    if target_key is not None and target_key.missing:
        case.problem(60, "authkey-missing", f"there is no authkey at {location} on {name}",
                     _key_fix(node, reference.location if reference else location, source))
    elif target_key is not None and target_key.digest and reference is not None:
        if target_key.digest == reference.digest:
            case.see("authkey identical", f"{name} and the cluster have the same key ({_short(reference.digest)})", True, None)
            if key_failure is not None:
                case.problem(80, "stale-key-failure", f"the connection failed earlier with \"{key_failure}\", and Pacemaker "
                             "does not retry that; the keys are identical now", None)
        else:
            case.see("authkey identical", f"no: {name} has {_short(target_key.digest)}, {reference.host} has "
                     f"{_short(reference.digest)}", False, None)
            case.problem(60, "authkey-mismatch", f"the authkey on {name} differs from the cluster's",
                         _key_fix(node, reference.location, reference.host))
    elif key_failure is not None:
        case.problem(65, "authkey-rejected", f"the connection start failed with \"{key_failure}\": the authkey is "
                     "missing or differs (Pacemaker does not retry this)", _key_fix(node, location, source))


def _judge(case: _Case, node: Node, conn: Resource | None, failures, online: bool, conn_id: str) -> Diagnosis:
    problems = sorted(case.problems)
    evidence = tuple(case.evidence)
    kind = node.kind.value
    cleanup = (f"crm_resource --cleanup --resource {conn_id} (the failure stays until cleared)"
               if failures and conn is not None else None)
    fixes = [fix for _, _, _, fix in problems if fix]
    if cleanup:
        fixes.append(cleanup)
    fix = "; then ".join(dict.fromkeys(fixes)) or None
    if online:
        if problems:
            _, cause, verdict, _ = problems[0]
            return Diagnosis(node.name, f"{node.name} is online, but {verdict}", "warn", evidence, fix, cause, kind)
        return Diagnosis(node.name, f"{node.name} is online (connection {conn_id} Started{_where(conn) if conn else ''})",
                         "ok", evidence, None, "online", kind)
    if problems:
        _, cause, verdict, _ = problems[0]
        more = f" ({len(problems) - 1} more problem(s) below)" if len(problems) > 1 else ""
        return Diagnosis(node.name, f"{node.name} is offline: {verdict}{more}", "fail", evidence, fix, cause, kind)
    if conn is not None and (conn.pending or conn.role in ("Starting", "Migrating")):
        return Diagnosis(node.name, f"{node.name} is connecting: {conn.id} is {conn.pending or conn.role}{_where(conn)}",
                         "warn", evidence, "wait a little; if it does not come online, diagnose it again",
                         "connecting", kind)
    return Diagnosis(node.name, f"{node.name} is offline; these checks found no cause", "fail", evidence,
                     f"read the log lines above, and the cluster's view: crm_mon -1 --show-detail; "
                     f"crm_resource --resource {conn_id} --why", "unknown", kind)


# --- drawing ----------------------------------------------------------------------------------

_MARK = {True: "ok", False: "FAIL", None: "--"}


def render_diagnosis(d: Diagnosis) -> str:
    """Verdict first, then each piece of evidence (where it was seen), then the fix; every
    string terminal-safe (tui.plaintext.one_line), log lines one per row."""
    out = [f"{one_line(d.node)}: {d.level.upper()}: {one_line(d.verdict)}", "evidence:"]
    for e in d.evidence:
        first, *rest = (e.observed or "").split("\n") or [""]
        where = f"{one_line(e.host)}: " if e.host else ""
        out.append(f"  [{_MARK[e.ok]:>4}] {where}{one_line(e.title)}: {one_line(first)}")
        out.extend(f"         | {one_line(line)}" for line in rest)
    if d.fix:
        out.append(f"fix: {one_line(d.fix, None)}")
    return "\n".join(out)
