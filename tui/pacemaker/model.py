"""The immutable status model: what one look at a cluster saw.

Built by `tui.pacemaker.crm_mon` from crm_mon XML (plus facts joined from the CIB
configuration by `tui.pacemaker.cib`). Everything here is a frozen value so a snapshot can
be shared between the refresh worker and the UI, diffed, and serialised without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Mapping

EMPTY: Mapping[str, str] = MappingProxyType({})

# Pacemaker's defaults for connection facts the CIB may leave unset.
DEFAULT_REMOTE_PORT = 3121
DEFAULT_CONNECT_TIMEOUT = "60s"


class NodeKind(StrEnum):
    CLUSTER = "cluster"  # corosync member (crm_mon type="member")
    REMOTE = "remote"  # pacemaker_remote reached through an ocf:pacemaker:remote resource
    GUEST = "guest"  # a VM/container primitive with meta remote-node
    BUNDLE = "bundle"  # the implicit guest inside a bundle replica
    PING = "ping"  # quorum-only node (Pacemaker 2.x)


class ResourceKind(StrEnum):
    PRIMITIVE = "primitive"
    GROUP = "group"
    CLONE = "clone"
    BUNDLE = "bundle"
    REPLICA = "replica"  # one replica of a bundle


class ConditionKind(StrEnum):
    """Why a status look produced no (or only partial) cluster state."""

    NOT_CONNECTED = "not-connected"  # exit 102: the cluster stack is not running here
    INSUFFICIENT_PRIVILEGES = "insufficient-privileges"  # exit 4
    ERRORS = "errors"  # <errors> in the output, even with code 0
    PACEMAKERD_STARTING = "pacemakerd-starting"
    PACEMAKERD_STOPPING = "pacemakerd-stopping"
    DISCONNECTED = "disconnected"  # crm-mon-disconnected
    MALFORMED = "malformed"  # truncated, non-XML or wrong-root output
    COMMAND_FAILED = "command-failed"  # any other non-zero exit


@dataclass(frozen=True, slots=True)
class Condition:
    kind: ConditionKind
    message: str  # the cluster's own words where it gave any
    exit_code: int | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    stack: str | None = None
    dc: str | None = None  # node name of the DC, None when there is none
    dc_version: str | None = None
    with_quorum: bool | None = None
    cluster_name: str | None = None
    last_update: str | None = None
    last_change: str | None = None
    last_change_user: str | None = None
    last_change_client: str | None = None
    last_change_origin: str | None = None
    nodes_configured: int = 0
    resources_configured: int = 0
    resources_disabled: int = 0
    resources_blocked: int = 0
    stonith_enabled: bool = True
    symmetric_cluster: bool = True
    no_quorum_policy: str | None = None
    maintenance_mode: bool = False
    stop_all_resources: bool = False
    pacemakerd_state: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    id: str
    kind: NodeKind
    online: bool = False
    standby: bool = False
    standby_onfail: bool = False
    maintenance: bool = False
    pending: bool = False
    unclean: bool = False
    shutdown: bool = False
    expected_up: bool = False
    is_dc: bool = False
    resources_running: int = 0
    feature_set: str | None = None
    # remote: the ocf:pacemaker:remote resource; guest/bundle: the implicit one named like the node
    connection_resource: str | None = None
    # guest/bundle: the VM/container primitive (crm_mon id_as_resource)
    container_resource: str | None = None
    # remote: the cluster node running the connection; guest: where the container runs
    host: str | None = None
    address: str | None = None  # remote: server=; guest: remote-addr (default: node name)
    port: int | None = None
    reconnect_interval: str | None = None  # remote only
    connect_timeout: str | None = None  # guest: remote-connect-timeout
    bundle: str | None = None  # bundle nodes: the bundle id
    attributes: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    health: str | None = None  # red / yellow / green (crm_mon >= 2.0.5)


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    kind: ResourceKind
    agent: str | None = None  # "ocf:pacemaker:Dummy" for primitives
    role: str = "Stopped"  # Started, Stopped, Promoted, Unpromoted, Starting, ...
    target_role: str | None = None
    active: bool = False
    orphaned: bool = False
    blocked: bool = False
    managed: bool = True
    failed: bool = False
    failure_ignored: bool = False
    maintenance: bool = False
    pending: str | None = None  # pending task, e.g. "Starting"
    nodes: tuple[str, ...] = ()
    children: tuple[Resource, ...] = ()
    description: str | None = None
    # clone
    promotable: bool = False
    unique: bool = False
    # bundle
    container_type: str | None = None  # docker, podman, rkt
    image: str | None = None
    disabled: bool = False  # groups/clones: target-role Stopped
    locked_to: str | None = None  # shutdown lock (crm_mon >= 2.0.4)
    # made by Pacemaker, not configured: a guest node's connection and a bundle replica's
    # IP, container and connection. crm_mon's text hides them unless asked (--show-detail).
    implicit: bool = False

    def walk(self):
        """This resource and every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Operation:
    node: str
    resource: str
    task: str
    call: int | None = None
    rc: int | None = None
    rc_text: str | None = None
    interval_ms: int = 0
    last_rc_change: str | None = None
    exec_time_ms: int | None = None
    queue_time_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceHistory:
    node: str
    resource: str
    fail_count: int = 0
    migration_threshold: int | None = None
    last_failure: str | None = None
    # Each Operation as a plain tuple of its fields (`operation_row`): the bulk of a big
    # cluster's output (two or more per resource per node) kept out of the cyclic GC, which
    # stops tracking a tuple of plain values; a full collection walks every tracked object
    # on the UI's thread (bench/ui/RESULTS.md). `operations` builds the objects when read.
    operation_rows: tuple[tuple, ...] = ()

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(operation_of(row) for row in self.operation_rows)


@dataclass(frozen=True, slots=True)
class Failure:
    op_key: str
    node: str
    resource: str | None = None
    task: str | None = None
    exit_status: str | None = None  # "not running", "error", ...
    exit_reason: str | None = None
    exit_code: int | None = None
    call: int | None = None
    status: str | None = None  # "complete", "Timed Out", ...
    last_rc_change: str | None = None
    interval_ms: int = 0


@dataclass(frozen=True, slots=True)
class FenceEvent:
    target: str
    action: str
    status: str  # success, failed, pending
    delegate: str | None = None
    client: str | None = None
    origin: str | None = None
    completed: str | None = None
    exit_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    granted: bool
    standby: bool = False
    last_granted: str | None = None


@dataclass(frozen=True, slots=True)
class Ban:
    id: str
    resource: str
    node: str
    weight: int | None = None
    promoted_only: bool = False


@dataclass(frozen=True, slots=True)
class CibVersion:
    """Enough of the CIB's version to skip a refresh when nothing changed."""

    admin_epoch: int = 0
    epoch: int = 0
    num_updates: int = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    summary: Summary
    nodes: tuple[Node, ...] = ()
    resources: tuple[Resource, ...] = ()
    history: tuple[ResourceHistory, ...] = ()
    failures: tuple[Failure, ...] = ()
    fence_history: tuple[FenceEvent, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    bans: tuple[Ban, ...] = ()
    api_version: str | None = None
    pacemaker_version: str | None = None
    cib_version: CibVersion | None = None
    # set when the output carried <errors> but also usable state
    conditions: tuple[Condition, ...] = ()

    def nodes_of(self, kind: NodeKind) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind is kind)

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def all_resources(self):
        for resource in self.resources:
            yield from resource.walk()


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A status look that produced no cluster state, and why."""

    condition: Condition


StatusOutcome = Snapshot | Unavailable


# --- fast construction for the parsers' hot loops ------------------------------------------


def keyword_constructor(cls, *, row: bool = False):
    """A faster `cls(**fields)`: keyword-only, the same frozen object of exactly type `cls`.

    With row=True it returns that object's fields as a plain tuple in field order instead
    (see ResourceHistory.operation_rows), built by the same keyword rules.

    Why: a frozen dataclass's __init__ stores each field through object.__setattr__ (about
    100 ns a field: ~1.4 us for an Operation, ~3 us for a Resource), and a big cluster's
    crm_mon output makes thousands of them per refresh. Here the fields are stored on a plain
    class with the same __slots__ layout and the instance's __class__ is then set to `cls`
    (CPython allows that between layout-compatible classes), about 5x faster.

    Keyword-only, with the dataclass's own defaults: a caller names every value it passes, a
    field it leaves out takes its default, an unknown name or a missing required field is a
    TypeError, so adding a field to a model class cannot shift values into the wrong ones.
    The function is checked once against the real constructor; where it does not behave
    identically (another interpreter, a class with __post_init__ or non-init fields), `cls`
    itself is returned, so callers always get correct objects.
    """
    import dataclasses  # local: only needed once per class

    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    slots = getattr(cls, "__slots__", None)

    def slow_row(**values) -> tuple:
        made = cls(**values)
        return tuple(getattr(made, name) for name in names)

    if (
        tuple(slots or ()) != names
        or hasattr(cls, "__post_init__")
        or any(not f.init for f in fields)
        or not all(name.isidentifier() and not name.startswith("_") for name in names)
    ):
        return slow_row if row else cls
    namespace: dict = {"make": object.__new__, "cls": cls, "_missing": object()}
    params, stores = [], []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_missing")
            stores.append(f"    if {f.name} is _missing:\n        {f.name} = _factory_{f.name}()\n")
        else:
            params.append(f.name)
        stores.append(f"    o.{f.name} = {f.name}\n")
    namespace["twin"] = type(f"_{cls.__name__}Fields", (), {"__slots__": slots})
    # required (no default) parameters may follow defaulted ones: all are keyword-only
    if row:
        stores = [line for line in stores if not line.startswith("    o.")]
        source = (f"def new(*, {', '.join(params)}):\n{''.join(stores)}"
                  f"    return ({''.join(name + ', ' for name in names)})\n")
    else:
        source = (f"def new(*, {', '.join(params)}):\n    o = make(twin)\n{''.join(stores)}"
                  f"    o.__class__ = cls\n    return o\n")
    try:
        exec(source, namespace)  # noqa: S102 - field names only, checked to be identifiers
        new = namespace["new"]
        probe = {name: object() for name in names}
        made, real = new(**probe), cls(**probe)
        required = {f.name: probe[f.name] for f in fields
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING}
        made_defaults, real_defaults = new(**required), cls(**required)
        if row:
            same = (type(made) is tuple and type(made_defaults) is tuple
                    and all(a is getattr(real, name) for a, name in zip(made, names, strict=True))
                    and made_defaults == tuple(getattr(real_defaults, name) for name in names))
        else:
            same = (type(made) is cls and type(made_defaults) is cls
                    and all(getattr(made, name) is getattr(real, name) for name in names)
                    and made_defaults == real_defaults)
    except (TypeError, AttributeError, ValueError):
        return slow_row if row else cls
    if not same:
        return slow_row if row else cls
    return new


operation_row = keyword_constructor(Operation, row=True)
_OPERATION_FIELDS = tuple(Operation.__slots__)


def operation_of(row: tuple) -> Operation:
    """The Operation a row of `operation_row` stands for."""
    return Operation(**dict(zip(_OPERATION_FIELDS, row, strict=True)))


def operation_rows(operations) -> tuple[tuple, ...]:
    """Operations as ResourceHistory.operation_rows keeps them."""
    return tuple(tuple(getattr(o, name) for name in _OPERATION_FIELDS) for o in operations)
