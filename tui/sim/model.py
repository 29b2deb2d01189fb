"""The demo cluster's configuration vocabulary: nodes and resources as plain mutable data.

Kept apart from the evolving state (state.py) so the CIB writer and the crm_mon renderer
can walk the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLUSTER, REMOTE, GUEST, BUNDLE = "cluster", "remote", "guest", "bundle"


@dataclass
class OpSpec:
    """A configured operation (<op>)."""

    name: str
    interval: str = "0s"
    timeout: str | None = None
    role: str | None = None


@dataclass
class Primitive:
    """meta keys starting with "_" are demo-only hints (_pinned: never moves; _promotable:
    an instance of a promotable clone); the CIB writer leaves them out."""

    id: str
    cls: str  # ocf, stonith, systemd, ...
    type: str
    provider: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    ops: tuple[OpSpec, ...] = ()

    @property
    def agent(self) -> str:
        if self.provider:
            return f"{self.cls}:{self.provider}:{self.type}"
        return f"{self.cls}:{self.type}"

    def monitor_ms(self, role: str | None = None) -> int | None:
        """The recurring monitor's interval for a role (None: the plain monitor)."""
        for op in self.ops:
            if op.name == "monitor" and op.role == role and interval_ms(op.interval):
                return interval_ms(op.interval)
        return None


@dataclass
class Group:
    id: str
    children: list[Primitive]
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Clone:
    id: str
    child: Primitive
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def promotable(self) -> bool:
        return self.meta.get("promotable", "false") == "true"

    @property
    def clone_max(self) -> int:
        return int(self.meta["clone-max"])


@dataclass
class Bundle:
    id: str
    runtime: str  # podman, docker
    image: str
    replicas: int
    child: Primitive
    ip_range_start: str | None = None
    control_port: int = 3121
    port: int | None = None

    def container_id(self, i: int) -> str:
        return f"{self.id}-{self.runtime}-{i}"

    def remote_id(self, i: int) -> str:
        return f"{self.id}-{i}"

    def ip(self, i: int) -> str | None:
        if not self.ip_range_start:
            return None
        head, _, last = self.ip_range_start.rpartition(".")
        return f"{head}.{int(last) + i}"

    def ip_id(self, i: int) -> str | None:
        ip = self.ip(i)
        return f"{self.id}-ip-{ip}" if ip else None


Resource = Primitive | Group | Clone | Bundle


@dataclass
class DemoNode:
    name: str
    id: str
    kind: str  # cluster, remote, guest, bundle
    address: str
    attrs: dict[str, str] = field(default_factory=dict)  # permanent (configuration <nodes>)
    transient: dict[str, str] = field(default_factory=dict)  # status transient_attributes
    connection: str | None = None  # remote: its primitive; guest/bundle: the implicit one
    container: str | None = None  # guest: the VM primitive; bundle: the container


@dataclass
class Ban:
    """A location constraint for one node: a ban (-INFINITY, crm_resource --ban: cli-ban-R-on-N)
    or, with score INFINITY, a preference (crm_resource --move: cli-prefer-R). end: --lifetime's
    end (epoch seconds), written as a rule with a date_expression. (issue 13 (A): score, end)"""

    id: str
    rsc: str
    node: str
    role: str | None = "Started"
    score: str = "-INFINITY"
    end: float | None = None

    @property
    def negative(self) -> bool:
        return self.score.startswith("-")


@dataclass
class LocationRule:
    """A location constraint with one rule (how the demo keeps clones where they belong)."""

    id: str
    rsc: str
    score: str
    attribute: str
    operation: str
    value: str


@dataclass
class Ticket:
    id: str
    granted: bool
    last_granted: float | None = None
    standby: bool = False


@dataclass
class FenceEvent:
    action: str
    target: str
    state: str  # success, failed, pending
    client: str
    origin: str
    delegate: str | None
    completed: float
    exit_reason: str | None = None


def interval_ms(text: str) -> int:
    """'30s' / '1m' / '2000ms' / '60' -> milliseconds (the subset Pacemaker users write)."""
    text = text.strip()
    for suffix, factor in (("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * factor
    if text.isdigit():
        return int(text) * 1000
    raise ValueError(f"demo: bad interval {text!r}")
