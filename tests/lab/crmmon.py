"""A small reading of `crm_mon -1 --output-as=xml` for the lab's own waits and checks
(the console has its own full parser; this one only answers "is it up yet?")."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .proc import LabError


@dataclass(frozen=True)
class NodeState:
    name: str
    type: str  # member | remote
    online: bool
    standby: bool
    id_as_resource: str | None


@dataclass(frozen=True)
class ResourceState:
    id: str
    agent: str
    role: str
    active: bool
    failed: bool
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Status:
    nodes: dict[str, NodeState]
    resources: dict[str, ResourceState]
    failures: tuple[dict, ...]
    raw: str

    def running_on(self, rid: str) -> tuple[str, ...]:
        r = self.resources.get(rid)
        return r.nodes if r and r.role == "Started" else ()

    def node_up(self, name: str) -> bool:
        """Online AND (for remote/guest) its connection resource Started: crm_mon shows a
        remote online while the connection is still starting."""
        node = self.nodes.get(name)
        if node is None or not node.online:
            return False
        if node.type == "remote":
            return bool(self.running_on(name))
        return True


def parse(xml: str) -> Status:
    try:
        root = etree.fromstring(xml.encode())
    except etree.XMLSyntaxError as exc:
        raise LabError(f"crm_mon output is not XML: {exc}") from exc
    errors = root.find("errors")
    status = root.find("status")
    if errors is not None or (status is not None and status.get("code") not in (None, "0")):
        msg = status.get("message") if status is not None else ""
        raise LabError(f"crm_mon reported an error: {msg} "
                       f"{' '.join(e.text or '' for e in (errors if errors is not None else []))}")
    nodes = {}
    for n in root.iterfind("nodes/node"):
        nodes[n.get("name")] = NodeState(n.get("name"), n.get("type"), n.get("online") == "true",
                                         n.get("standby") == "true", n.get("id_as_resource"))
    resources = {}
    for r in root.iter("resource"):
        resources[r.get("id")] = ResourceState(
            r.get("id"), r.get("resource_agent", ""), r.get("role", ""),
            r.get("active") == "true", r.get("failed") == "true",
            tuple(n.get("name") for n in r.iterfind("node")))
    failures = tuple(dict(f.attrib) for f in root.iterfind("failures/failure"))
    return Status(nodes, resources, failures, xml)


# What pacemaker-controld records when a remote's connection goes away: the first when no
# operation was in flight, the second when the recurring monitor was (it depends on timing).
LOST_CONNECTION_REASONS = ("Lost connection to remote executor", "unexpectedly dropped during monitor")


def is_lost_connection(exit_reason: str | None) -> bool:
    return bool(exit_reason) and any(reason in exit_reason for reason in LOST_CONNECTION_REASONS)
