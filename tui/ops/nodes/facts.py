"""What the wizards need to know about a cluster, taken once from a Snapshot.

A frozen, JSON-able value: the plans are rebuilt from it on `apply --resume` (it travels in
their recipe), so it holds names and addresses only, never anything secret.

    facts = facts_from_snapshot(snapshot)
    facts.to_json() == ClusterFacts.from_json(facts.to_json()).to_json()
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from tui.pacemaker.model import NodeKind, ResourceKind, Snapshot

REMOTE_AGENT = "ocf:pacemaker:remote"


@dataclass(frozen=True, slots=True)
class Primitive:
    id: str
    agent: str | None
    running_on: tuple[str, ...] = ()
    guest_of: str | None = None  # the guest node this primitive is the container of

    @property
    def is_remote_connection(self) -> bool:
        return self.agent == REMOTE_AGENT


@dataclass(frozen=True)
class ClusterFacts:
    version: str | None = None  # Pacemaker's, "2.1.5"
    cluster_nodes: tuple[str, ...] = ()
    cluster_online: tuple[str, ...] = ()  # the cluster nodes that are online (may host a connection)
    cluster_addresses: tuple[str, ...] = ()  # ring addresses, when the caller knows them
    remote_nodes: tuple[str, ...] = ()
    guest_nodes: tuple[str, ...] = ()
    node_addresses: Mapping[str, str] = field(default_factory=dict)  # remote/guest/bundle: name -> address
    resource_ids: tuple[str, ...] = ()
    guest_resources: Mapping[str, str] = field(default_factory=dict)  # container id -> guest name
    primitives: tuple[Primitive, ...] = ()
    bundle_replicas: tuple[str, ...] = ()
    has_pcs: bool | None = None  # None: not known
    bans: tuple[tuple[str, str, str], ...] = ()  # (constraint id, resource, node)
    # every active resource instance, clone and group members included: (resource id, node)
    placements: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # JSON gives lists and dicts back: keep the value hashable-ish and immutable in spirit
        for name in ("cluster_nodes", "cluster_online", "cluster_addresses", "remote_nodes", "guest_nodes",
                     "resource_ids", "bundle_replicas"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "node_addresses", dict(self.node_addresses))
        object.__setattr__(self, "guest_resources", dict(self.guest_resources))
        object.__setattr__(self, "bans", tuple(tuple(b) for b in self.bans))
        object.__setattr__(self, "placements", tuple(tuple(p) for p in self.placements))
        object.__setattr__(self, "primitives", tuple(
            p if isinstance(p, Primitive) else Primitive(p[0], p[1], tuple(p[2]), p[3]) for p in self.primitives))

    # --- lookups ---------------------------------------------------------------------------

    @property
    def node_names(self) -> frozenset[str]:
        return frozenset(self.cluster_nodes + self.remote_nodes + self.guest_nodes + self.bundle_replicas)

    @property
    def addresses(self) -> frozenset[str]:
        """Every address an existing node is reached at (a cluster node also by its name)."""
        return frozenset(self.cluster_addresses + self.cluster_nodes) | frozenset(self.node_addresses.values())

    def primitive(self, rid: str) -> Primitive | None:
        return next((p for p in self.primitives if p.id == rid), None)

    def running_on(self, node: str) -> tuple[str, ...]:
        """What is active on `node`: top-level primitives, and instances of clones, groups
        and bundles too (a clone instance on a remote node stops when the node goes)."""
        placed = [rid for rid, where in self.placements if where == node]
        return _unique([*(p.id for p in self.primitives if node in p.running_on), *placed])

    def guest_container(self, guest: str) -> str | None:
        return next((vm for vm, name in self.guest_resources.items() if name == guest), None)

    def may_host(self) -> tuple[str, ...]:
        """The cluster nodes that may run a connection resource (online ones; all if none known)."""
        return self.cluster_online or self.cluster_nodes

    # --- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["primitives"] = [[p.id, p.agent, list(p.running_on), p.guest_of] for p in self.primitives]
        data["bans"] = [list(b) for b in self.bans]
        data["placements"] = [list(p) for p in self.placements]
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClusterFacts:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dict(data).items() if k in known})

    def replace(self, **changes) -> ClusterFacts:
        return dataclasses.replace(self, **changes)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def facts_from_snapshot(snapshot: Snapshot, *, cluster_addresses: Iterable[str] = (),
                        has_pcs: bool | None = None) -> ClusterFacts:
    """The facts a snapshot shows. cluster_addresses: the cluster nodes' ring addresses when
    the caller knows them (the console's config); has_pcs: whether pcs is there, if known."""
    nodes = snapshot.nodes
    of = lambda kind: _unique(n.name for n in nodes if n.kind is kind)  # noqa: E731
    guest_of = {n.container_resource: n.name for n in nodes
                if n.kind is NodeKind.GUEST and n.container_resource}
    primitives: dict[str, Primitive] = {}
    ids: list[str] = []
    placements: list[tuple[str, str]] = []
    for top in snapshot.resources:
        queue = deque([(top, False)])  # breadth first; a list's pop(0) made a big clone O(n^2)
        while queue:
            res, inside_collective = queue.popleft()
            ids.append(res.id)
            collective = res.kind in (ResourceKind.CLONE, ResourceKind.BUNDLE, ResourceKind.REPLICA)
            queue.extend((child, inside_collective or collective) for child in res.children)
            if res.kind is ResourceKind.PRIMITIVE and not res.implicit and res.active:
                placements.extend((res.id, node) for node in res.nodes)
            if res.kind is ResourceKind.PRIMITIVE and not res.implicit and not inside_collective:
                if res.id not in primitives:
                    primitives[res.id] = Primitive(res.id, res.agent, tuple(res.nodes), guest_of.get(res.id))
    return ClusterFacts(
        version=snapshot.pacemaker_version,
        cluster_nodes=of(NodeKind.CLUSTER),
        cluster_online=_unique(n.name for n in nodes if n.kind is NodeKind.CLUSTER and n.online),
        cluster_addresses=_unique(cluster_addresses),
        remote_nodes=of(NodeKind.REMOTE),
        guest_nodes=of(NodeKind.GUEST),
        node_addresses={n.name: n.address or n.name for n in nodes
                        if n.kind in (NodeKind.REMOTE, NodeKind.GUEST, NodeKind.BUNDLE)},
        resource_ids=_unique(ids),
        guest_resources=dict(guest_of),
        primitives=tuple(primitives.values()),
        bundle_replicas=of(NodeKind.BUNDLE),
        has_pcs=has_pcs,
        bans=tuple((b.id, b.resource, b.node) for b in snapshot.bans),
        placements=_unique_pairs(placements),
    )


def _unique_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(pairs))
