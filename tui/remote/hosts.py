"""From configured nodes to transports.

A NodeConfig already carries its cluster's `ssh` defaults (the config merges them); the
defaults passed here only fill what a hand-built node left as None. Jump hosts are
connections of their own, shared between the nodes behind them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from tui.remote.hostspec import parse_host_spec
from tui.remote.local import LocalTransport
from tui.remote.ssh import SshTransport
from tui.remote.transport import Transport

LOCAL_NAMES = ("localhost",)
__all__ = ["parse_host_spec", "transport_for_node", "transports_for"]


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
    # only the config's own key turns host-key checking off (see SshTransport)
    unverified = bool(field("insecure_skip_host_key_check", False))
    jump = None
    if field("jump_host"):
        jump = _jump(field("jump_host"), user, identity, known_hosts, timeout, jumps, unverified)
    return SshTransport(
        node.host,
        port=int(field("port", 22)),
        username=user,
        identity_files=(identity,) if identity else (),
        known_hosts=known_hosts,
        jump=jump,
        sudo=bool(field("sudo", False)),
        connect_timeout=timeout,
        skip_host_key_check=unverified,
        name=node.name,
    )


def _jump(spec, user, identity, known_hosts, timeout, cache, unverified=False) -> SshTransport:
    """A chain 'a,b' means: reach b through a (like ProxyJump)."""
    previous: SshTransport | None = None
    for hop in [s.strip() for s in spec.split(",") if s.strip()]:
        # checked and unchecked hops are different connections, never shared
        key = f"{previous.name if previous else ''}>{hop}{'!unverified' if unverified else ''}"
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
            skip_host_key_check=unverified,
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
