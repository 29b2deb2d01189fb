"""The demo cluster: a mutable, evolving Pacemaker cluster held in memory.

Status is kept the way Pacemaker keeps it, as each node's operation history (the CIB's
<lrm> section: last op, recurring monitor, last failure per resource) plus transient node
attributes (fail counts). Roles are read back from that history, so the CIB written from
this state and crm_mon's view of it cannot disagree. Time comes from an injectable clock and
every random choice from one seeded random.Random: the same seed and clock give the same
cluster, which is what tests and UI snapshots need.
"""

from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from tui.sim import logs, tls
from tui.sim.daemons import (  # noqa: F401 (the timings, re-exported for tests and callers)
    HANG_SECONDS,
    MARK_SECONDS,
    RECONNECT_SECONDS,
    RESTART_SECONDS,
    STUCK_STOP_SECONDS,
    Daemons,
)
from tui.sim.hosts import SimHost, pacemaker_host
from tui.sim.placement import Placement
from tui.sim.model import (
    BUNDLE,
    CLUSTER,
    GUEST,
    REMOTE,
    Ban,
    Bundle,
    Clone,
    DemoNode,
    FenceEvent,
    Group,
    LocationRule,
    Primitive,
    Resource,
    Ticket,
)

# Debian 13 (trixie) ships Pacemaker 3.0.0; the build hash after the dash is a plausible one
# picked for the demo, not read from a real build
DROP_EVERY = (150.0, 300.0)  # seconds between a remote's drops in the demo's life, after the first
PACEMAKER_VERSION = "3.0.0-d8340737c4"
# what crm_mon and the CIB look like: "3.0" (api-version 2.38) or "2.1" (2.1.5's 2.25, which
# tests/demo compares with the local crm_mon 2.1.5)
DIALECT = "3.0"
AUTHKEY_BYTES = 4096  # what `dd if=/dev/urandom bs=4096 count=1` makes, as the docs advise
AUTHKEY_PATH = "/etc/pacemaker/authkey"
FEATURE_SET = "3.20.0"  # CRM_FEATURE_SET of 3.0.0 (2.1.5: 3.16.2)
LOST_REMOTE = "Lost connection to remote executor"

INFINITY = 1_000_000  # Pacemaker's score and fail-count infinity
CONNECT_DELAY = 2.0  # seconds from a new resource in the CIB to its start
# op-status values (enum pcmk_exec_status)
EXEC_DONE, EXEC_ERROR = 0, 4
# OCF exit codes the demo produces
OCF_OK, OCF_ERR_GENERIC, OCF_ERR_ARGS, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED = 0, 1, 2, 7, 8
# why a remote connection cannot be made, and the words (strerror) Pacemaker reports for it
REFUSED, NO_KEY, KEY_REJECTED = "refused", "nokey", "keyrejected"
CONNECT_WORDS = {REFUSED: "Connection refused", NO_KEY: "Required key not available",
                 KEY_REJECTED: "Key was rejected by service", tls.REJECTED: "Key was rejected by service",
                 tls.HANGS: "Timer expired"}
EXEC_TIMEOUT = 2  # op-status "Timed Out"


@dataclass
class OpRecord:
    """One <lrm_rsc_op>."""

    task: str
    interval_ms: int
    call: int
    rc: int
    when: float
    status: int = EXEC_DONE
    exec_ms: int = 0
    exit_reason: str = ""
    expected: int | None = None  # the rc the cluster asked for (transition key); default: rc on success

    @property
    def target_rc(self) -> int:
        if self.expected is not None:
            return self.expected
        return self.rc if self.rc in (OCF_OK, OCF_RUNNING_PROMOTED) else OCF_OK

    @property
    def key(self) -> str:
        return f"{self.task}_{self.interval_ms}"

    @property
    def succeeded(self) -> bool:
        return self.status == EXEC_DONE and self.rc == self.target_rc


@dataclass
class LrmEntry:
    """One <lrm_resource>: what one node knows about one resource."""

    rsc: str
    primitive: Primitive
    container: str | None = None
    last: OpRecord | None = None  # <id>_last_0
    monitor: OpRecord | None = None  # <id>_monitor_<interval>
    failure: OpRecord | None = None  # <id>_last_failure_0

    @property
    def role(self) -> str:
        """The role this history says the resource has here: failed ops do not change it."""
        ops = sorted((op for op in (self.last, self.monitor) if op and op.succeeded), key=lambda o: o.call)
        role = "Stopped"
        for op in ops:
            if op.task == "stop":
                role = "Stopped"
            elif op.task == "start":
                role = "Unpromoted" if self.promotable else "Started"
            elif op.task == "promote":
                role = "Promoted"
            elif op.task == "demote":
                role = "Unpromoted"
        return role

    @property
    def failed(self) -> bool:
        """Pacemaker's failed flag: a later start/stop/promote clears a failure, except for a
        remote connection with reconnect_interval, whose failure holds until it is cleared."""
        if self.failure is None:
            return False
        if (self.primitive.agent == "ocf:pacemaker:remote" and "reconnect_interval" in self.primitive.params
                and self.failure.task != "start"):  # a failed start, then stopped: not failed (crm_mon 2.1.5)
            return True
        return self.last is None or self.failure.call > self.last.call

    @property
    def promotable(self) -> bool:
        return self.primitive.meta.get("_promotable") == "true"


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    kind: str = field(compare=False)
    arg: str = field(compare=False, default="")


class ClusterState(Placement, Daemons):
    """A whole cluster: configuration, status, CIB version, and its scripted life."""

    def __init__(
        self,
        name: str,
        nodes: list[DemoNode],
        resources: list[Resource],
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.nodes: dict[str, DemoNode] = {n.name: n for n in nodes}
        self.resources = resources
        self.crm_config: dict[str, str] = {}
        self.bans: list[Ban] = []
        self.rules: list[LocationRule] = []
        self.tickets: list[Ticket] = []
        self.fence_history: list[FenceEvent] = []
        self.dc = next(n.name for n in nodes if n.kind == CLUSTER)
        self.clock = clock
        self.dialect = DIALECT
        self.rng = random.Random(seed)
        self.now = clock()
        self.started = self.now
        self.admin_epoch, self.epoch, self.num_updates = 0, 1, 0
        self.last_written = self.now
        self.last_change_user, self.last_change_client, self.last_change_origin = "root", "cibadmin", self.dc
        self.lrm: dict[str, dict[str, LrmEntry]] = {n.name: {} for n in nodes}
        self.desired: dict[str, list[tuple[str, str]]] = {}  # lrm id -> [(node, role)]
        self._calls: dict[str, int] = {}
        self._events: list[_Event] = []
        self._seq = 0
        self.primitives: dict[str, tuple[Primitive, str | None]] = dict(self._expand_primitives())
        self.never_connected: set[str] = set()  # remote nodes added and not yet online once
        self.down: set[str] = set()  # cluster nodes whose pacemaker is stopped (or restarting)
        self._marked: tuple[bool, float] = (False, 0.0)  # node_in_maintenance: (value, from when)
        self._tls_failure: dict[str, tls.Failure] = {}  # the last TLS failure per remote node
        self._hanging: set[tuple[str, str]] = set()  # (connection, cluster node) starts waiting in vain
        # the machines: one per node, plus spares; their own Random so the cluster's life
        # (self.rng) draws the same numbers as before hosts existed
        self.authkey = random.Random(f"authkey-{seed}").randbytes(AUTHKEY_BYTES)
        self.hosts: dict[str, SimHost] = {n.name: self._machine(n) for n in nodes}
        # pcs host auth was done for these (pcsd's known-hosts on every cluster node): name -> address
        self.pcs_known: dict[str, str] = {n.name: n.address for n in nodes if n.kind != BUNDLE}

    def _machine(self, node: DemoNode) -> SimHost:
        """The machine behind a node: its units as the node's kind has them running."""
        units = {
            CLUSTER: {"pacemaker": (True, True), "corosync": (True, True), "pcsd": (True, True),
                      "pacemaker_remote": (False, False)},
            REMOTE: {"pacemaker_remote": (True, True), "pcsd": (True, True)},
            GUEST: {"pacemaker_remote": (True, True), "pcsd": (True, True)},
            BUNDLE: {"pacemaker_remote": (True, False)},
        }[node.kind]
        return pacemaker_host(node.name, node.address, units=units, authkey=self.authkey, since=self.now)

    def add_spare(self, name: str, address: str) -> SimHost:
        """A machine outside the cluster: pacemaker-remote and pcs installed, pcsd running,
        pacemaker_remote neither running nor enabled, no authkey yet."""
        host = pacemaker_host(name, address, authkey=b"", since=self.now,
                              units={"pacemaker_remote": (False, False), "pcsd": (True, True)})
        host.fs.remove(AUTHKEY_PATH)
        self.hosts[name] = host
        return host

    def host(self, name: str) -> SimHost | None:
        """The machine reachable under this name (a node's name, a spare's name or address)."""
        return self.hosts.get(name) or next((h for h in self.hosts.values() if h.address == name), None)

    # ---- lookups ---------------------------------------------------------------------------

    def _expand_primitives(self) -> Iterator[tuple[str, tuple[Primitive, str | None]]]:
        """lrm id -> (primitive, container): every concrete resource, implicit ones included."""
        for res in self.resources:
            if isinstance(res, Primitive):
                yield res.id, (res, None)
            elif isinstance(res, Group):
                for child in res.children:
                    yield child.id, (child, None)
            elif isinstance(res, Clone):
                if res.promotable:
                    res.child.meta.setdefault("_promotable", "true")
                yield res.child.id, (res.child, None)
            elif isinstance(res, Bundle):
                for i in range(res.replicas):
                    for rid, prim, container in bundle_parts(res, i):
                        yield rid, (prim, container)
        for node in self.nodes.values():
            if node.kind == GUEST and node.connection:
                yield node.connection, (implicit_remote(node), node.container)

    def node(self, name: str) -> DemoNode | None:
        return self.nodes.get(name)

    def entry(self, node: str, rsc: str) -> LrmEntry | None:
        return self.lrm.get(node, {}).get(rsc)

    def active(self, rsc: str) -> list[tuple[str, LrmEntry]]:
        """[(node, history)] where this lrm resource is active, online nodes only, in node order."""
        found = []
        for node in self.nodes:
            entry = self.lrm[node].get(rsc)
            if entry is not None and entry.role != "Stopped" and self.node_online(node):
                found.append((node, entry))
        return found

    def where(self, rsc: str) -> list[tuple[str, str]]:
        """[(node, role)] where this lrm resource is active."""
        return [(node, entry.role) for node, entry in self.active(rsc)]

    def node_online(self, name: str) -> bool:
        """Cluster nodes always are; the others while their connection (and container) runs."""
        node = self.nodes[name]
        if node.kind == CLUSTER:
            return name not in self.down
        if node.connection is None or (node.container and not self.hosts_of(node.container)):
            return False
        return any(not self.lrm[h][node.connection].failed for h in self.hosts_of(node.connection))

    def unclean(self, name: str) -> bool:
        """A remote whose connection failed and is not cleared yet must be fenced before reuse."""
        node = self.nodes[name]
        if node.kind != REMOTE or node.connection is None or name in self.never_connected:
            return False
        if self.maintenance_mode:
            return False  # maintenance-mode: no recovery, no fencing of a lost remote
        return any(e.failed for n in self.nodes if (e := self.lrm[n].get(node.connection)))

    def standby(self, name: str) -> bool:
        return self.nodes[name].attrs.get("standby", "off") in ("on", "true", "yes", "1")

    def maintenance(self, name: str) -> bool:
        """Node maintenance; a remote/guest/bundle node is also in maintenance when its
        connection is unmanaged (cluster maintenance-mode, or its host in maintenance)."""
        if self.nodes[name].attrs.get("maintenance", "off") in ("on", "true", "yes", "1"):
            return True
        conn = self.nodes[name].connection
        if self.nodes[name].kind == CLUSTER or conn is None:
            return False
        return self.maintenance_mode or any(self.maintenance(h) for h in self.hosts_of(conn))

    def hosts_of(self, rsc: str) -> list[str]:
        """Cluster nodes whose history says the resource is active there (connections, containers)."""
        return [n for n, d in self.nodes.items() if d.kind == CLUSTER
                and (e := self.lrm[n].get(rsc)) is not None and e.role != "Stopped"]

    def hosted(self, node: str) -> list[str]:
        """Guest and bundle nodes whose connection runs on this cluster node."""
        return [n for n, d in self.nodes.items() if d.kind in (GUEST, BUNDLE) and d.connection
                and node in self.hosts_of(d.connection)]

    @property
    def maintenance_mode(self) -> bool:
        return self.crm_config.get("maintenance-mode", "false") == "true"

    # ---- version bookkeeping -----------------------------------------------------------------

    def _status_changed(self) -> None:
        self.num_updates += 1

    def _config_changed(self, client: str, user: str = "root", origin: str | None = None) -> None:
        self.epoch += 1
        self.num_updates = 0
        self.last_written = self.now
        self.last_change_client, self.last_change_user = client, user
        self.last_change_origin = origin or self.dc

    # ---- operation history -------------------------------------------------------------------

    def _call(self, node: str) -> int:
        self._calls[node] = self._calls.get(node, 0) + 1
        return self._calls[node]

    def _entry(self, node: str, rsc: str) -> LrmEntry:
        entries = self.lrm[node]
        if rsc not in entries:
            prim, container = self.primitives[rsc]
            entries[rsc] = LrmEntry(rsc, prim, container)
        return entries[rsc]

    def run_op(self, node: str, rsc: str, task: str, when: float, *, rc: int = OCF_OK) -> OpRecord:
        entry = self._entry(node, rsc)
        op = OpRecord(task, 0, self._call(node), rc, when, exec_ms=self.rng.randint(5, 900))
        entry.last = op
        if task == "stop":
            entry.monitor = None
        else:
            role = "Promoted" if task == "promote" else None
            interval = entry.primitive.monitor_ms(role) or entry.primitive.monitor_ms()
            if interval:
                mon_rc = OCF_RUNNING_PROMOTED if task == "promote" else OCF_OK
                entry.monitor = OpRecord("monitor", interval, self._call(node), mon_rc, when, exec_ms=self.rng.randint(5, 60))
        return op

    def start(self, rsc: str, node: str, role: str = "Started", when: float | None = None) -> None:
        when = self.now if when is None else when
        remote = self.remote_of(rsc)
        error = self.connect_error(remote, node) if remote is not None else None
        if error == tls.HANGS:
            self._hang(rsc, node, remote, when)
            return
        if error is not None:
            self._fail_start(node, rsc, when, error)
            return
        if remote is not None:
            self.never_connected.discard(remote)
        self.run_op(node, rsc, "start", when)
        if role == "Promoted":
            self.run_op(node, rsc, "promote", when + 1)

    def stop(self, rsc: str, node: str, when: float | None = None) -> None:
        if self.entry(node, rsc) is not None:
            self.run_op(node, rsc, "stop", self.now if when is None else when)

    def fail(self, rsc: str, node: str, *, rc: int, reason: str = "", status: int = EXEC_DONE, when: float | None = None) -> None:
        """A recurring monitor reports failure: recorded as last failure plus a fail count."""
        when = self.now if when is None else when
        entry = self._entry(node, rsc)
        interval = entry.monitor.interval_ms if entry.monitor else (entry.primitive.monitor_ms() or 10_000)
        expected = OCF_RUNNING_PROMOTED if entry.role == "Promoted" else OCF_OK
        op = OpRecord("monitor", interval, self._call(node), rc, when, status=status, exit_reason=reason,
                      expected=expected)
        entry.monitor = op
        entry.failure = op
        key = f"{rsc}#{op.key}"
        attrs = self.nodes[node].transient
        attrs[f"fail-count-{key}"] = str(int(attrs.get(f"fail-count-{key}", "0")) + 1)
        attrs[f"last-failure-{key}"] = str(int(when))

    def fail_count(self, node: str, rsc: str) -> tuple[int, float | None]:
        total, last = 0, None
        for name, value in self.nodes[node].transient.items():
            if name.startswith(f"fail-count-{rsc}#"):
                total += INFINITY if value == "INFINITY" else int(value)
            elif name.startswith(f"last-failure-{rsc}#"):
                last = max(last or 0, float(value))
        return total, last

    def clear_failures(self, rsc: str | None = None, node: str | None = None) -> list[tuple[str, str]]:
        """What `crm_resource --cleanup` forgets; returns the (resource, node) pairs cleaned."""
        cleaned = []
        for name in [node] if node else list(self.nodes):
            attrs = self.nodes[name].transient
            for rid, entry in self.lrm[name].items():
                if rsc is not None and rid != rsc:
                    continue
                count, _ = self.fail_count(name, rid)
                if entry.failure is None and not count:
                    continue
                if entry.failure is not None and entry.monitor is entry.failure:
                    entry.monitor = None
                entry.failure = None
                for key in [k for k in attrs if k.startswith((f"fail-count-{rid}#", f"last-failure-{rid}#"))]:
                    del attrs[key]
                cleaned.append((rid, name))
        return cleaned

    # ---- placement ---------------------------------------------------------------------------

    def place(self, rsc: str, node: str, role: str = "Started", when: float | None = None) -> None:
        """Desire and start: the demo's scheduler is this explicit list."""
        self.desired.setdefault(rsc, [])
        self.desired[rsc] = [(n, r) for n, r in self.desired[rsc] if n != node] + [(node, role)]
        self.start(rsc, node, role, when)

    def can_run(self, node: str) -> bool:
        return self.node_online(node) and not self.standby(node)

    def _resources_on(self, node: str) -> list[str]:
        return [rid for rid, entry in self.lrm[node].items() if entry.role != "Stopped"]

    def _movable(self, rsc: str) -> list[str]:
        """Where a resource may go instead (cluster nodes, for single-instance resources)."""
        if any(isinstance(r, Clone) and r.child.id == rsc for r in self.resources):
            return []
        if any(isinstance(r, Bundle) and rsc.startswith(r.id) for r in self.resources):
            return []
        prim, container = self.primitives[rsc]
        if prim.meta.get("_pinned") or container:
            return []
        banned = self.banned_nodes(rsc)
        wanted = self.preferred_node(rsc)
        found = [n for n, d in self.nodes.items() if d.kind == CLUSTER and n not in banned and self.can_run(n)]
        return sorted(found, key=lambda n: n != wanted)  # a cli-prefer node first

    def parent_of(self, rsc: str) -> str | None:
        for res in self.resources:
            if isinstance(res, Group) and any(c.id == rsc for c in res.children):
                return res.id
            if isinstance(res, Clone) and res.child.id == rsc:
                return res.id
        return None

    def evacuate(self, node: str) -> None:
        """Standby: stop everything on the node, move what may move to another node.

        Guests and bundle replicas hosted there go down with it, their own resources first."""
        for guest in self.hosted(node):
            for rid in reversed(self._resources_on(guest)):
                self.stop(rid, guest)
        moved: dict[str, str] = {}
        for rid in reversed(self._resources_on(node)):
            self.stop(rid, node)
            targets = self._movable(rid)
            if not targets:
                continue
            group = self.parent_of(rid)
            target = moved.get(group) if group else None
            target = target or targets[0]
            if group:
                moved[group] = target
            role = next((r for n, r in self.desired.get(rid, []) if n == node), "Started")
            self.desired[rid] = [(n, r) for n, r in self.desired.get(rid, []) if n != node]
            self.place(rid, target, role)
        self._promote_elsewhere(node)
        self._settle()

    def _promote_elsewhere(self, node: str) -> None:
        """A promotable clone promoted on `node` (now standby or gone) is promoted on another
        running instance, as the scheduler does; `node` takes it back unpromoted."""
        for clone in [r for r in self.resources if isinstance(r, Clone) and r.promotable]:
            child = clone.child.id
            self.desired[child] = [(n, "Unpromoted" if n == node and r == "Promoted" else r)
                                   for n, r in self.desired.get(child, [])]
            self._follow_promoted(clone, child, dict(self.where(child)))

    def _settle(self) -> None:
        """Start what is desired on nodes that can run it (and stop it where they cannot)."""
        for rid, places in self.desired.items():
            if self.stopped_by_config(rid):
                continue
            for node, role in places:
                if node not in self.nodes:
                    continue  # a guest or remote node that left the cluster
                entry = self.entry(node, rid)
                running = entry is not None and entry.role != "Stopped"
                if self.can_run(node) and not running and not (entry and entry.failed):
                    if self.maintenance_mode and self.remote_of(rid) is not None:
                        continue  # maintenance-mode: no connection starts (findings-11 (a), (b))
                    self.start(rid, node, role)
                elif not self.can_run(node) and running and self.node_online(node):
                    self.stop(rid, node)

    # ---- the actions the console can take --------------------------------------------------

    def set_node_attr(self, node: str, name: str, value: str | None, client: str = "crm_attribute") -> bool:
        """Permanent node attribute; returns whether anything changed."""
        attrs = self.nodes[node].attrs
        if value is None:
            if name not in attrs:
                return False
            del attrs[name]
        else:
            if attrs.get(name) == value:
                return False
            attrs[name] = value
        self._config_changed(client)
        if name == "standby":
            if self.standby(node):
                self.evacuate(node)
            else:
                self._settle()
            self._status_changed()
        return True

    def set_cluster_option(self, name: str, value: str | None, client: str = "crm_attribute") -> bool:
        if value is None:
            if name not in self.crm_config:
                return False
            del self.crm_config[name]
        else:
            if self.crm_config.get(name) == value:
                return False
            self.crm_config[name] = value
        self._config_changed(client)
        if name == "maintenance-mode":
            self._marked = (self.maintenance_mode, self.now + MARK_SECONDS)
            if not self.maintenance_mode:
                self._reconnect_after_maintenance()
        return True

    def cleanup(self, rsc: str | None = None, node: str | None = None) -> list[tuple[str, str]]:
        cleaned = self.clear_failures(rsc, node)
        if cleaned:
            self._settle()
            self._status_changed()
        return cleaned

    # ---- the machines and the wizards' actions ---------------------------------------------

    def remote_of(self, rsc: str) -> str | None:
        """The remote or guest node whose connection resource this is (bundles: None)."""
        return next((n.name for n in self.nodes.values() if n.kind in (REMOTE, GUEST) and n.connection == rsc), None)

    def machine_of(self, node: str) -> SimHost | None:
        """The machine a node's connection reaches: by its server address, else its name."""
        found = self.nodes[node]
        return self.host(found.address) or self.host(found.name)

    def can_connect(self, node: str) -> bool:
        """A remote connection succeeds when pacemaker_remote runs there with the cluster's key."""
        return self.connect_error(node) is None

    def connect_error(self, node: str, host: str | None = None) -> str | None:
        """Why a connection from cluster node `host` to this remote or guest would fail:
        None (it works), REFUSED (nothing listens), NO_KEY (the cluster node has no key:
        ENOKEY) or KEY_REJECTED (the keys differ, or the remote has none: EKEYREJECTED).
        Each side reads its key where its PCMK_authkey_location says."""
        machine = self.machine_of(node)
        if machine is None or not machine.listens(self.remote_port(node)):
            return REFUSED
        local = self.hosts.get(host) if host else None
        cluster = local or self.hosts.get(self.dc)
        if cluster is not None:
            failure = tls.connection_failure(cluster, machine, self.utc_now(), self.nodes[node].address,
                                             self.remote_port(node))
            if failure is not None:
                self._tls_failure[node] = failure
                return failure.code
            if tls.mode(tls.environ_of(cluster, "pacemaker")) == tls.X509:
                return None  # both sides on certificates: the authkey is not used at all
        if local is not None and local.fs.get(local.authkey_path) is None:
            return NO_KEY
        key = machine.fs.get(machine.authkey_path)
        mine = local.fs.get(local.authkey_path).content if local is not None else self.authkey
        if key is None or key.content != mine:
            return KEY_REJECTED
        return None

    def _fail_start(self, node: str, rsc: str, when: float, error: str = REFUSED) -> None:
        """The connection's start failed: the failure kept, the stop the cluster then runs as
        the last op, fail count INFINITY on that node. A key error is Pacemaker's hard error
        (OCF invalid parameter, exit reason strerror(ENOKEY/EKEYREJECTED)): never retried."""
        entry = self._entry(node, rsc)
        key_error = error in (NO_KEY, KEY_REJECTED, tls.REJECTED)
        op = OpRecord("start", 0, self._call(node), OCF_ERR_ARGS if key_error else OCF_ERR_GENERIC, when,
                      status=EXEC_TIMEOUT if error == tls.HANGS else EXEC_ERROR, expected=OCF_OK,
                      exit_reason=CONNECT_WORDS[error] if key_error else "")
        entry.failure, entry.monitor = op, None
        entry.last = OpRecord("stop", 0, self._call(node), OCF_OK, when + 1)
        attrs = self.nodes[node].transient
        attrs[f"fail-count-{rsc}#start_0"] = "INFINITY"
        attrs[f"last-failure-{rsc}#start_0"] = str(int(when))
        remote = self.remote_of(rsc)
        prim, _ = self.primitives[rsc]
        if remote is not None:
            self._log_connect_failure(node, remote, error, when)
        if remote is not None and "reconnect_interval" in prim.params and not key_error:
            delay = int(prim.params["reconnect_interval"].rstrip("s"))
            self.schedule(self.now + delay, "remote_reconnect", remote)

    def remote_port(self, node: str) -> int:
        """The port the cluster connects to: the connection's port (remote-port of a guest)."""
        found = self.nodes[node]
        prim = self.primitives.get(found.connection or "", (None, None))[0]
        port = prim.params.get("port") if prim is not None else None
        if found.container and found.container in self.primitives:
            port = self.primitives[found.container][0].meta.get("remote-port", port)
        return int(port or 3121)

    def _log_connect_failure(self, host: str, remote: str, error: str, when: float) -> None:
        """The lines both sides write when a connection cannot be made."""
        cluster, target = self.hosts.get(host), self.machine_of(remote)
        addr, port = self.nodes[remote].address, self.remote_port(remote)
        if error in (tls.REJECTED, tls.HANGS):
            failure = self._tls_failure.get(remote, tls.Failure(error))
            for function, level, message in failure.cluster:
                logs.append(cluster, when, logs.CONTROLD, function, level, message)
            for function, level, message in failure.remote if error == tls.REJECTED else ():
                logs.append(target, when, logs.REMOTED, function, level, message)
            if error == tls.REJECTED:
                logs.append(cluster, when, logs.CONTROLD, "lrmd_tls_connect_cb", "warning",
                            logs.HANDSHAKE_FAILED.format(addr=addr, port=port, reason=CONNECT_WORDS[error]))
        elif error == NO_KEY:
            logs.append(cluster, when, logs.CONTROLD, "lrmd__init_remote_key", "error", logs.NO_LOCAL_KEY)
        elif error == KEY_REJECTED:
            logs.append(cluster, when, logs.CONTROLD, "lrmd_tls_connect_cb", "warning",
                        logs.HANDSHAKE_FAILED.format(addr=addr, port=port, reason=CONNECT_WORDS[error]))
            logs.append(target, when, logs.REMOTED, "lrmd_remote_client_msg", "error",
                        logs.REMOTE_HANDSHAKE.format(reason="Decryption has failed."))
        else:
            logs.append(cluster, when, logs.CONTROLD, "lrmd_tcp_connect_cb", "error",
                        logs.CONNECT_FAILED.format(addr=addr, port=port))
        logs.append(cluster, when, logs.CONTROLD, "remote_lrm_op_callback", "error",
                    logs.COULD_NOT_CONNECT.format(node=remote, reason=CONNECT_WORDS[error]))

    def stopped_by_config(self, rsc: str) -> bool:
        entry = self.primitives.get(rsc)
        if entry is None:
            return False
        meta = dict(entry[0].meta)
        parent = self.parent_of(rsc)
        res = next((r for r in self.resources if r.id == parent), None)
        if res is not None:
            meta = {**res.meta, **meta}
        return meta.get("target-role", "Started").lower() == "stopped"

    def add_primitive(self, prim: Primitive, client: str = "cibadmin") -> None:
        """A top-level primitive appears in the CIB; an ocf:pacemaker:remote one brings its
        remote node, which comes online once the connection starts (CONNECT_DELAY later)."""
        self.resources.append(prim)
        self.primitives[prim.id] = (prim, None)
        if prim.agent == "ocf:pacemaker:remote":
            node = self.nodes.get(prim.id)
            if node is None:
                node = DemoNode(prim.id, prim.id, REMOTE, prim.params.get("server", prim.id))
                self.nodes[prim.id] = node
                self.lrm[prim.id] = {}
            node.connection = prim.id
            node.address = prim.params.get("server", prim.id)
            self.never_connected.add(prim.id)
        self._config_changed(client)
        self.schedule(self.now + CONNECT_DELAY, "place", prim.id)

    def _on_place(self, rsc: str) -> None:
        if rsc not in self.primitives or self.stopped_by_config(rsc):
            return
        banned = self.banned_nodes(rsc)
        targets = [n for n, d in self.nodes.items() if d.kind == CLUSTER and n not in banned and self.can_run(n)]
        if not targets:
            return
        wanted = self.preferred_node(rsc)  # a cli-prefer (crm_resource --move) wins
        target = wanted if wanted in targets else min(targets, key=lambda n: len(self._resources_on(n)))
        self.place(rsc, target)
        prim, _ = self.primitives[rsc]
        if "remote-node" in prim.meta:
            self._guest_changed(prim)
        self._status_changed()

    def delete_resource(self, rsc: str, client: str = "cibadmin") -> bool:
        """A top-level primitive leaves the CIB: stopped where it runs, its history dropped."""
        res = next((r for r in self.resources if r.id == rsc and isinstance(r, Primitive)), None)
        if res is None:
            return False
        self._stop_everywhere(rsc)
        for node in self.nodes:
            self.lrm[node].pop(rsc, None)
            for key in [k for k in self.nodes[node].transient if k.startswith((f"fail-count-{rsc}#", f"last-failure-{rsc}#"))]:
                del self.nodes[node].transient[key]
        self.resources.remove(res)
        del self.primitives[rsc]
        self.desired.pop(rsc, None)
        for node in self.nodes.values():
            if node.connection == rsc and node.kind == REMOTE:
                node.connection = None  # the node stays in <nodes> until crm_node --remove
                self.lrm[node.name].clear()
        self._config_changed(client)
        self._status_changed()
        return True

    def set_meta(self, rsc: str, name: str, value: str | None, client: str = "crm_resource") -> None:
        """A resource meta attribute; target-role=Stopped stops it, anything else lets it run."""
        res = next((r for r in self.resources if r.id == rsc), None)
        prim = self.primitives.get(rsc, (None, None))[0]
        meta = (res or prim).meta
        if value is None:
            meta.pop(name, None)
        else:
            meta[name] = value
        self._config_changed(client)
        if name == "remote-node" and prim is not None and res is not None and isinstance(res, Primitive):
            self._guest_changed(prim)
        guest = self.nodes.get(meta.get("remote-node", ""))
        if name == "remote-addr" and guest is not None and guest.container == rsc:
            guest.address = value or guest.name  # the connection follows the VM's remote-addr
            self.primitives[guest.name][0].params["addr"] = guest.address
        if name == "target-role":
            lrm_ids = [rsc] if rsc in self.primitives else [c.id for c in getattr(res, "children", [])] or (
                [res.child.id] if hasattr(res, "child") and not isinstance(res, Bundle) else [])
            for rid in lrm_ids:
                if self.stopped_by_config(rid):
                    self._stop_everywhere(rid)
                    self.desired.setdefault(rid, [])
                elif not self.desired.get(rid):
                    self._on_place(rid)
            self._settle()
            self._status_changed()
        if name in ("is-managed", "target-role"):  # managed / enabled again: the constraints hold now
            self._follow_constrained()

    def _follow_constrained(self) -> None:
        for rsc in dict.fromkeys(b.rsc for b in self.bans if b.id.startswith("cli-")):
            self.follow(rsc)

    def _guest_changed(self, vm: Primitive) -> None:
        """A VM's remote-node meta was set or removed: its guest node appears (connected
        where the VM runs, once the machine inside answers) or goes, connection stopped first."""
        wanted = vm.meta.get("remote-node")
        for old in [n for n in self.nodes.values() if n.kind == GUEST and n.container == vm.id and n.name != wanted]:
            if old.connection in self.primitives:
                self._stop_everywhere(old.connection)
                del self.primitives[old.connection]
                self.desired.pop(old.connection, None)
            del self.nodes[old.name]
            self.lrm.pop(old.name, None)
            for rid, places in self.desired.items():  # what ran there is no longer wanted there
                self.desired[rid] = [(n, r) for n, r in places if n != old.name]
            for entries in self.lrm.values():
                entries.pop(old.connection, None)
        if wanted is None or (wanted in self.nodes and self.nodes[wanted].container != vm.id):
            return
        if wanted not in self.nodes:
            node = DemoNode(wanted, wanted, GUEST, vm.meta.get("remote-addr", wanted), connection=wanted,
                            container=vm.id)
            self.nodes[wanted] = node
            self.lrm[wanted] = {}
            self.primitives[wanted] = (implicit_remote(node), vm.id)
        if not self.desired.get(wanted):
            for host in self.hosts_of(vm.id):  # the connection runs where the VM runs
                self.place(wanted, host)
        self._status_changed()

    def _stop_everywhere(self, rsc: str) -> None:
        """Stop a resource where it runs; for a remote connection, what runs on that node first."""
        remote = self.remote_of(rsc)
        if remote is not None and self.node_online(remote):
            for rid in reversed(self._resources_on(remote)):
                self.stop(rid, remote)
        for node, _ in self.where(rsc):
            self.stop(rsc, node)

    def set_param(self, rsc: str, name: str, value: str | None, client: str = "cibadmin") -> None:
        """A primitive's instance attribute; a remote connection's server is its node's address."""
        prim = self.primitives[rsc][0]
        if value is None:
            prim.params.pop(name, None)
        else:
            prim.params[name] = value
        if name == "server" and self.remote_of(rsc) is not None:
            self.nodes[self.remote_of(rsc)].address = value or rsc
        self._config_changed(client)

    def remove_node(self, name: str) -> None:
        """crm_node --force --remove: a remote node whose connection is gone leaves the CIB."""
        node = self.nodes.get(name)
        if node is None or node.kind != REMOTE or node.connection is not None:
            return  # a guest goes with its VM's remote-node meta; a cluster node is not ours to remove
        del self.nodes[name]
        self.lrm.pop(name, None)
        self.never_connected.discard(name)
        for rid, places in self.desired.items():
            self.desired[rid] = [(n, r) for n, r in places if n != name]
        self._config_changed("crm_node")

    # ---- life ----------------------------------------------------------------------------------

    def schedule(self, at: float, kind: str, arg: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._events, _Event(at, self._seq, kind, arg))

    def tick(self, now: float | None = None) -> int:
        """Advance to `now` (default: the clock), running every event due; returns how many."""
        now = self.clock() if now is None else now
        done = 0
        while self._events and self._events[0].at <= now:
            event = heapq.heappop(self._events)
            self.now = max(self.now, event.at)
            getattr(self, f"_on_{event.kind}")(event.arg)
            done += 1
        self.now = max(self.now, now)
        return done

    def _on_remote_drop(self, _: str) -> None:
        # the first drop comes early (start_life), later ones rarely: a remote is back only
        # after its reconnect_interval (60 s), and one dropping every 30-60 s kept the demo's
        # remotes offline half the time, failing every wizard's "all nodes online" check
        self.schedule(self.now + self.rng.uniform(*DROP_EVERY), "remote_drop")
        candidates = [n for n, d in self.nodes.items() if d.kind == REMOTE and self.node_online(n)]
        if not candidates or self.maintenance_mode:
            return
        self.drop_remote(self.rng.choice(candidates))

    def drop_remote(self, name: str) -> None:
        """pacemaker-remoted went away: failed connection, node offline, retry after reconnect_interval."""
        node = self.nodes[name]
        conn = node.connection
        host = next((h for h, _ in self.where(conn)), None)
        if host is None:
            return
        logs.append(self.hosts.get(host), self.now, logs.CONTROLD, "lrm_remote_connection_destroy", "error",
                    logs.DROPPED.format(node=name))
        logs.append(self.hosts.get(host), self.now, logs.CONTROLD, "remote_lost", "error", logs.LOST.format(node=name))
        self.fail(conn, host, rc=OCF_ERR_GENERIC, reason=LOST_REMOTE, status=EXEC_ERROR)
        self.stop(conn, host, when=self.now + 1)
        self.lrm[name].clear()  # the controller erases a lost remote node's history
        prim, _ = self.primitives[conn]
        delay = int(prim.params.get("reconnect_interval", "60s").rstrip("s"))
        self.schedule(self.now + delay, "remote_reconnect", name)
        self._status_changed()

    def _on_remote_reconnect(self, name: str) -> None:
        if name not in self.nodes:
            return  # removed from the cluster meanwhile (crm_node --remove, guest meta unset)
        if self.maintenance_mode:  # nothing reconnects in maintenance-mode: try again later
            self.schedule(self.now + 10, "remote_reconnect", name)
            return
        conn = self.nodes[name].connection
        host = next((n for n, r in self.desired.get(conn, []) if self.can_run(n)), None)
        if host is None:
            self.schedule(self.now + 10, "remote_reconnect", name)
            return
        if conn is None or conn not in self.primitives:
            return  # the connection was deleted meanwhile
        # the failure has expired (reconnect_interval passed): Pacemaker clears it and retries
        self.clear_failures(conn, None)
        self.start(conn, host)
        self._settle()
        self._status_changed()

    FLAKY = ("web-server", "memcached", "redis", "worker", "httpd")

    def _on_resource_fail(self, _: str) -> None:
        self.schedule(self.now + self.rng.uniform(40, 90), "resource_fail")
        if self.maintenance_mode:
            return
        running = [(rid, n) for rid in self.FLAKY for n, _ in self.where(rid) if not self.maintenance(n)]
        if not running:
            return
        rid, node = self.rng.choice(running)
        self.fail(rid, node, rc=OCF_NOT_RUNNING)
        self.schedule(self.now + self.rng.uniform(3, 8), "resource_recover", f"{rid}@{node}")
        self._status_changed()

    def _on_resource_recover(self, arg: str) -> None:
        rid, _, node = arg.partition("@")
        entry = self.entry(node, rid)
        if entry is None or not self.node_online(node):
            return
        role = next((r for n, r in self.desired.get(rid, []) if n == node), "Started")
        self.stop(rid, node)
        if self.can_run(node):
            self.start(rid, node, role, when=self.now + 1)
        self._status_changed()

    def start_life(self, first_drop: float | None = None, first_failure: float | None = None) -> None:
        """Schedule the first remote drop and resource failure (each reschedules itself)."""
        self.schedule(first_drop if first_drop is not None else self.now + self.rng.uniform(30, 60), "remote_drop")
        self.schedule(first_failure if first_failure is not None else self.now + self.rng.uniform(40, 90), "resource_fail")


def bundle_parts(bundle: Bundle, i: int) -> list[tuple[str, Primitive, str | None]]:
    """The concrete resources of one bundle replica, in crm_mon's order: ip, child, container, remote."""
    parts: list[tuple[str, Primitive, str | None]] = []
    ip_id = bundle.ip_id(i)
    if ip_id:
        ip = Primitive(ip_id, "ocf", "IPaddr2", "heartbeat", {"ip": bundle.ip(i) or "", "cidr_netmask": "32"},
                       ops=())
        parts.append((ip_id, ip, None))
    parts.append((bundle.child.id, bundle.child, None))
    cid = bundle.container_id(i)
    parts.append((cid, Primitive(cid, "ocf", bundle.runtime, "heartbeat", {"image": bundle.image}), None))
    rid = bundle.remote_id(i)
    remote = Primitive(rid, "ocf", "remote", "pacemaker", {"addr": bundle.ip(i) or cid, "port": str(bundle.control_port)})
    parts.append((rid, remote, cid))
    return parts


def implicit_remote(node: DemoNode) -> Primitive:
    """The ocf:pacemaker:remote resource Pacemaker creates for a guest node."""
    return Primitive(node.connection or node.name, "ocf", "remote", "pacemaker", {"addr": node.address})
