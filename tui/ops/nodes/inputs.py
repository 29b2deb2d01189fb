"""What a wizard is asked: frozen, built by keyword, JSON-able through dataclasses.asdict.

`errors(facts)` gives every problem as a FieldError: the syntax of each field first, then
the collisions the facts show (the same ones pcs checks: a node name against every node name,
resource id, guest `remote-node` and bundle replica; an address against every node's address).
The live CIB is asked again by the preflight (any CIB id, any <node> uname).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.ops.nodes.facts import ClusterFacts
from tui.ops.nodes.validate import FieldError, check_address, check_duration, check_name, check_option, check_port
from tui.pacemaker.nodecmds import REMOTE_PORT

METHODS = ("auto", "pcs", "direct")


def _method(method) -> list[FieldError]:
    return [] if method in METHODS else [FieldError("method", f"must be one of {', '.join(METHODS)}")]


def _name_taken(name: str, facts: ClusterFacts) -> str | None:
    if name in facts.cluster_nodes:
        return "is a cluster node's name already"
    if name in facts.remote_nodes or name in facts.guest_nodes or name in facts.bundle_replicas:
        return "is an existing node's name already"
    if name in facts.resource_ids:
        return "is a resource id already"
    return None


def _address_taken(address: str, facts: ClusterFacts) -> str | None:
    if address in facts.addresses:
        owner = next((n for n, a in facts.node_addresses.items() if a == address), None)
        return f"is the address of node {owner} already" if owner else "is an existing cluster node's address"
    return None


@dataclass(frozen=True, kw_only=True)
class AddRemote:
    name: str
    address: str | None = None  # default: the name
    port: int = REMOTE_PORT
    reconnect_interval: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # meta attributes of the connection resource
    method: str = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(tuple(pair) for pair in self.options))

    @property
    def target(self) -> str:
        """Where the daemon runs: the address, or the name."""
        return self.address or self.name

    def syntax_errors(self) -> list[FieldError]:
        errors = []
        for fld, message in (("name", check_name(self.name)),
                             ("address", check_address(self.address) if self.address is not None else None),
                             ("port", check_port(self.port)),
                             ("reconnect_interval", check_duration(self.reconnect_interval)
                              if self.reconnect_interval is not None else None)):
            if message:
                errors.append(FieldError(fld, message))
        seen = set()
        for pair in self.options:
            if len(pair) != 2:
                errors.append(FieldError("options", "each option is a name and a value"))
                continue
            name, value = pair
            message = check_option(name, value) or (f"{name} is given twice" if name in seen else None)
            seen.add(name)
            if message:
                errors.append(FieldError("options", message))
        if self.address is None and check_name(self.name) is None and check_address(self.name):
            errors.append(FieldError("address", "is needed: the name is not a host name"))
        return errors + _method(self.method)

    def errors(self, facts: ClusterFacts | None = None) -> list[FieldError]:
        errors = self.syntax_errors()
        if facts is None or any(e.field in ("name", "address") for e in errors):
            return errors
        taken = _name_taken(self.name, facts)
        if taken:
            errors.append(FieldError("name", taken))
        taken = _address_taken(self.target, facts)
        if taken and not (self.address is None and errors):  # pcs: one report when address == name
            errors.append(FieldError("address", taken))
        return errors


@dataclass(frozen=True, kw_only=True)
class AddGuest:
    name: str
    resource: str  # the primitive that runs the guest (a VM)
    address: str | None = None  # remote-addr; default: the name
    port: int | None = None  # remote-port
    connect_timeout: str | None = None  # remote-connect-timeout
    method: str = "auto"

    @property
    def target(self) -> str:
        return self.address or self.name

    def syntax_errors(self) -> list[FieldError]:
        errors = []
        for fld, message in (("name", check_name(self.name)),
                             ("resource", check_name(self.resource)),
                             ("address", check_address(self.address) if self.address is not None else None),
                             ("port", check_port(self.port) if self.port is not None else None),
                             ("connect_timeout", check_duration(self.connect_timeout)
                              if self.connect_timeout is not None else None)):
            if message:
                errors.append(FieldError(fld, message))
        if self.address is None and check_name(self.name) is None and check_address(self.name):
            errors.append(FieldError("address", "is needed: the name is not a host name"))
        return errors + _method(self.method)

    def errors(self, facts: ClusterFacts | None = None) -> list[FieldError]:
        errors = self.syntax_errors()
        if facts is None:
            return errors
        fields = {e.field for e in errors}
        if "name" not in fields:
            taken = _name_taken(self.name, facts)
            if taken:
                errors.append(FieldError("name", taken))
            elif self.name == self.resource:
                errors.append(FieldError("name", "must differ from the resource's id"))
        if "resource" not in fields:
            prim = facts.primitive(self.resource)
            if prim is None:
                what = "is not a primitive" if self.resource in facts.resource_ids else "is no resource of this cluster"
                errors.append(FieldError("resource", what))
            elif prim.guest_of or self.resource in facts.guest_resources:
                errors.append(FieldError("resource", f"runs guest node {prim.guest_of or facts.guest_resources[self.resource]} already"))
            elif prim.is_remote_connection:
                errors.append(FieldError("resource", "is a remote node's connection, not a VM"))
            elif (prim.agent or "").startswith("stonith:"):
                errors.append(FieldError("resource", "is a fence device, not a VM"))
        if "address" not in fields and "name" not in fields:
            taken = _address_taken(self.target, facts)
            if taken:
                errors.append(FieldError("address", taken))
        return errors


@dataclass(frozen=True, kw_only=True)
class RemoveNode:
    name: str
    kind: str  # "remote" | "guest"
    method: str = "auto"
    remove_authkey: bool = True  # delete the key on the node once it is out

    def syntax_errors(self) -> list[FieldError]:
        errors = []
        message = check_name(self.name)
        if message:
            errors.append(FieldError("name", message))
        if self.kind not in ("remote", "guest"):
            errors.append(FieldError("kind", "must be remote or guest"))
        if not isinstance(self.remove_authkey, bool):
            errors.append(FieldError("remove_authkey", "must be true or false"))
        return errors + _method(self.method)

    def errors(self, facts: ClusterFacts | None = None) -> list[FieldError]:
        errors = self.syntax_errors()
        if facts is None or errors:
            return errors
        known = facts.remote_nodes if self.kind == "remote" else facts.guest_nodes
        if self.name not in known:
            other = "guest" if self.kind == "remote" else "remote"
            elsewhere = self.name in (facts.guest_nodes if self.kind == "remote" else facts.remote_nodes)
            errors.append(FieldError("name", f"is a {other} node: use remove-{other}" if elsewhere
                                     else f"is no {self.kind} node of this cluster"))
        return errors

    def target_of(self, facts: ClusterFacts) -> str:
        return facts.node_addresses.get(self.name) or self.name


Input = AddRemote | AddGuest | RemoveNode
