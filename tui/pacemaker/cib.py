"""Facts only the CIB configuration knows, joined onto a crm_mon snapshot.

crm_mon says which nodes are remote or guest nodes and where they run, but not how the
cluster reaches them: a remote's server/port/reconnect_interval live in the instance
attributes of its ocf:pacemaker:remote primitive, a guest's remote-addr/remote-port/
remote-connect-timeout in the meta attributes of its container primitive (also inside groups
and clones), a bundle's control-port/ip-range-start in its <network>. `join` fills those into
the nodes, with Pacemaker's defaults where the CIB leaves them unset.

Malformed input raises `CibParseError` naming what was wrong; the caller turns it into a
condition.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import operator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from lxml import etree

from tui.loop_first import pause
from tui.pacemaker.model import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_REMOTE_PORT,
    CibVersion,
    Node,
    NodeKind,
    Snapshot,
    keyword_constructor,
)
from tui.pacemaker.xmlsafe import UnsafeXml, clip, parse_int, parse_xml


class CibParseError(ValueError):
    """The CIB XML could not be read; the message says what and where."""


@dataclass(frozen=True, slots=True)
class RemoteFacts:
    """An ocf:pacemaker:remote primitive (its id is the remote node's name)."""

    resource: str
    server: str | None = None
    port: int | None = None
    reconnect_interval: str | None = None


@dataclass(frozen=True, slots=True)
class GuestFacts:
    """A primitive with meta remote-node: the container of a guest node."""

    node: str
    container: str
    remote_addr: str | None = None
    remote_port: int | None = None
    connect_timeout: str | None = None


@dataclass(frozen=True, slots=True)
class BundleFacts:
    id: str
    control_port: int | None = None
    ip_range_start: str | None = None
    replicas: int | None = None


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


@dataclass(frozen=True, slots=True)
class CibFacts:
    remotes: Mapping[str, RemoteFacts] = field(default_factory=lambda: _frozen({}))
    guests: Mapping[str, GuestFacts] = field(default_factory=lambda: _frozen({}))
    bundles: Mapping[str, BundleFacts] = field(default_factory=lambda: _frozen({}))
    cluster_name: str | None = None


# --- parsing ---------------------------------------------------------------------------------


def _root(xml: bytes | str, what: str):
    try:
        return parse_xml(xml)
    except UnsafeXml as exc:
        raise CibParseError(f"{what}: {exc}") from None
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CibParseError(f"{what} is not well-formed XML: {clip(str(exc), 300)}") from None


def parse_cib_version(xml: bytes | str) -> CibVersion:
    """`cibadmin --query --no-children` -> CibVersion."""
    root = _root(xml, "CIB version")
    if root.tag != "cib":
        raise CibParseError(f"CIB version: expected a <cib> element, got <{clip(str(root.tag), 80)}>")
    values = {}
    for name in ("admin_epoch", "epoch", "num_updates"):
        raw = root.get(name)
        value = parse_int(raw) if raw is not None else 0 if name == "num_updates" else None
        if value is None or value < 0:
            shown = "missing" if raw is None else repr(clip(raw, 40))
            raise CibParseError(f"CIB version: <cib> attribute {name} is {shown}, "
                                "expected a non-negative integer")
        values[name] = value
    return CibVersion(**values)


def _nvpairs(el, set_tag: str) -> dict[str, str]:
    """name -> value over an element's <set_tag> children (first value wins; rules ignored)."""
    values: dict[str, str] = {}
    for attr_set in el.iterchildren(set_tag):
        for nv in attr_set.iterchildren("nvpair"):
            name, value = nv.get("name"), nv.get("value")
            if name is not None and value is not None and name not in values:
                values[name] = value
    return values


def _port(value: str | None) -> int | None:
    port = parse_int(value)
    return port if port is not None and 0 < port < 65536 else None


def parse_configuration(xml: bytes | str) -> CibFacts:
    """`cibadmin --query --scope=configuration` (or a whole <cib>) -> CibFacts."""
    root = _root(xml, "CIB configuration")
    if root.tag == "cib":
        config = root.find("configuration")
        if config is None:
            raise CibParseError("CIB configuration: <cib> has no <configuration> child")
    elif root.tag == "configuration":
        config = root
    else:
        raise CibParseError(
            f"CIB configuration: expected <configuration> or <cib>, got <{clip(str(root.tag), 80)}>")

    remotes: dict[str, RemoteFacts] = {}
    guests: dict[str, GuestFacts] = {}
    bundles: dict[str, BundleFacts] = {}
    resources = config.find("resources")
    if resources is not None:
        for el in resources.iter("primitive", "bundle"):
            pause()
            if el.tag == "bundle":
                _bundle(el, bundles)
            else:
                _primitive(el, remotes, guests)

    cluster_name = None
    crm_config = config.find("crm_config")
    if crm_config is not None:
        for nv in crm_config.iter("nvpair"):
            if nv.get("name") == "cluster-name" and nv.get("value"):
                cluster_name = nv.get("value")
                break
    return CibFacts(_frozen(remotes), _frozen(guests), _frozen(bundles), cluster_name)


def _primitive(el, remotes: dict, guests: dict) -> None:
    rid = el.get("id")
    if not rid:
        return
    # primitives inside a bundle are the bundled service, not a remote/guest definition
    parent = el.getparent()
    if parent is not None and parent.tag == "bundle":
        return
    # type first: it rules out almost every primitive with one attribute read
    if el.get("type") == "remote" and el.get("provider") == "pacemaker" and el.get("class") == "ocf":
        attrs = _nvpairs(el, "instance_attributes")
        remotes[rid] = RemoteFacts(
            resource=rid,
            server=attrs.get("server") or None,
            port=_port(attrs.get("port")),
            reconnect_interval=attrs.get("reconnect_interval") or None,
        )
        return
    meta = _nvpairs(el, "meta_attributes")
    node = meta.get("remote-node")
    if node:
        guests[node] = GuestFacts(
            node=node,
            container=rid,
            remote_addr=meta.get("remote-addr") or None,
            remote_port=_port(meta.get("remote-port")),
            connect_timeout=meta.get("remote-connect-timeout") or None,
        )


def _bundle(el, bundles: dict) -> None:
    bid = el.get("id")
    if not bid:
        return
    network = el.find("network")
    replicas = None
    for engine in ("docker", "podman", "rkt"):
        container = el.find(engine)
        if container is not None:
            replicas = parse_int(container.get("replicas"))
            break
    bundles[bid] = BundleFacts(
        id=bid,
        control_port=_port(network.get("control-port")) if network is not None else None,
        ip_range_start=(network.get("ip-range-start") or None) if network is not None else None,
        replicas=replicas,
    )


# --- the join --------------------------------------------------------------------------------


def _bundle_address(facts: BundleFacts | None, node: str) -> str:
    """Replica N of a bundle with ip-range-start gets start+N; otherwise its name."""
    if facts is None or not facts.ip_range_start:
        return node
    prefix = f"{facts.id}-"
    index = parse_int(node[len(prefix):]) if node.startswith(prefix) else None
    if index is None or index < 0:
        return node
    try:
        return str(ipaddress.ip_address(facts.ip_range_start) + index)
    except ValueError:
        return node


# dataclasses.replace costs ~10 µs a node (frozen __init__ plus field introspection); a
# cluster with hundreds of remote nodes replaces every one of them on each refresh.
_NODE_FIELDS = tuple(f.name for f in dataclasses.fields(Node))
_node_values = operator.attrgetter(*_NODE_FIELDS)
_new_node = keyword_constructor(Node)


def _replace_node(node: Node, update: dict) -> Node:
    """dataclasses.replace(node, **update), faster (a misspelt name is still a TypeError)."""
    return _new_node(**{**dict(zip(_NODE_FIELDS, _node_values(node))), **update})


def join(snapshot: Snapshot, facts: CibFacts) -> Snapshot:
    """The snapshot with connection facts (and Pacemaker's defaults) filled into its nodes."""
    nodes = []
    changed = False
    for node in snapshot.nodes:
        pause()
        update: dict = {}
        if node.kind is NodeKind.REMOTE:
            remote = facts.remotes.get(node.connection_resource or node.name)
            update = {
                "address": (remote.server if remote else None) or node.name,
                "port": (remote.port if remote else None) or DEFAULT_REMOTE_PORT,
                "reconnect_interval": remote.reconnect_interval if remote else None,
            }
        elif node.kind is NodeKind.GUEST:
            guest = facts.guests.get(node.name)
            update = {
                "address": (guest.remote_addr if guest else None) or node.name,
                "port": (guest.remote_port if guest else None) or DEFAULT_REMOTE_PORT,
                "connect_timeout": (guest.connect_timeout if guest else None)
                or DEFAULT_CONNECT_TIMEOUT,
            }
            if guest and not node.container_resource:
                update["container_resource"] = guest.container
        elif node.kind is NodeKind.BUNDLE:
            bundle = facts.bundles.get(node.bundle or "")
            update = {
                "address": _bundle_address(bundle, node.name),
                "port": (bundle.control_port if bundle else None) or DEFAULT_REMOTE_PORT,
            }
        if update:
            node = _replace_node(node, update)
            changed = True
        nodes.append(node)
    summary = snapshot.summary
    if facts.cluster_name and summary.cluster_name is None:
        summary = dataclasses.replace(summary, cluster_name=facts.cluster_name)
        changed = True
    if not changed:
        return snapshot
    return dataclasses.replace(snapshot, nodes=tuple(nodes), summary=summary)
