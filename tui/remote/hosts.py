"""From configured nodes to transports.

A NodeConfig already carries its cluster's `ssh` defaults (the config merges them); the
defaults passed here only fill what a hand-built node left as None. Jump hosts are
connections of their own, shared between the nodes behind them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from tui.remote.local import LocalTransport
from tui.remote.ssh import SshTransport
from tui.remote.transport import Transport

LOCAL_NAMES = ("localhost",)


def parse_host_spec(spec: str, *, default_user: str, default_port: int = 22) -> tuple[str, str, int]:
    """'[user@]host[:port]' (or '[user@][v6addr]:port') -> (user, host, port)."""
    user, _, rest = spec.rpartition("@")
    user = user or default_user
    host, port = rest, default_port
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = _port(tail[1:], spec)
    elif rest.count(":") == 1:
        host, raw = rest.split(":")
        port = _port(raw, spec)
    if not host:
        raise ValueError(f"jump host {spec!r}: no host name")
    return user, host, port


def _port(raw: str, spec: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"jump host {spec!r}: port {raw!r} is not a number 1-65535")
    return int(raw)


def transport_for_node(
    node: Any,
    defaults: Any = None,
    *,
    jumps: dict[str, SshTransport] | None = None,
) -> Transport:
    """A transport for one configured node (tui.config.NodeConfig or anything alike)."""

    def field(name: str, fallback: Any = None) -> Any:
        value = getattr(node, name, None)
        if value is None and defaults is not None:
            value = getattr(defaults, name, None)
        return fallback if value is None else value

    if field("local", False):
        return LocalTransport(node.name)
    identity = field("identity_file")
    known_hosts = field("known_hosts")
    user = field("user", "root")
    timeout = float(field("connect_timeout", 10.0))
    jump = None
    if field("jump_host"):
        jump = _jump(field("jump_host"), user, identity, known_hosts, timeout, jumps)
    return SshTransport(
        node.host,
        port=int(field("port", 22)),
        username=user,
        identity_files=(identity,) if identity else (),
        known_hosts=known_hosts,
        jump=jump,
        sudo=bool(field("sudo", False)),
        connect_timeout=timeout,
        name=node.name,
    )


def _jump(spec, user, identity, known_hosts, timeout, cache) -> SshTransport:
    """A chain 'a,b' means: reach b through a (like ProxyJump)."""
    previous: SshTransport | None = None
    for hop in [s.strip() for s in spec.split(",") if s.strip()]:
        key = f"{previous.name if previous else ''}>{hop}"
        if cache is not None and key in cache:
            previous = cache[key]
            continue
        hop_user, host, port = parse_host_spec(hop, default_user=user)
        previous_hop = SshTransport(
            host,
            port=port,
            username=hop_user,
            identity_files=(identity,) if identity else (),
            known_hosts=known_hosts,
            jump=previous,
            connect_timeout=timeout,
            name=hop,
        )
        if cache is not None:
            cache[key] = previous_hop
        previous = previous_hop
    return previous


def transports_for(nodes: Iterable[Any], defaults: Any = None) -> Callable[[str], Transport]:
    """A `transport_for(name)` for WorkerPool over these nodes (jump hosts shared)."""
    by_name = {n.name: n for n in nodes}
    jumps: dict[str, SshTransport] = {}

    def transport_for(name: str) -> Transport:
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise KeyError(f"no node named {name!r} (known: {known})")
        return transport_for_node(by_name[name], defaults, jumps=jumps)

    return transport_for
