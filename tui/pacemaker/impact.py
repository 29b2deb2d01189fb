"""What the cluster would do: crm_simulate's transition summary, as data.

An impact preview runs crm_simulate on a copy of the CIB with a change applied
(nodecmds.simulate_changes) and reads back the list crm_simulate calls the "Transition
Summary": which resources start, stop, move, are promoted or demoted, on which nodes, and
which nodes are fenced. Two spellings of the same list:

    parse_simulate_xml   `crm_simulate --output-as=xml` (Pacemaker >= 2.1.0): the <actions>
                         element, one <rsc_action> / <node_action> per summary line
    parse_simulate_text  the "Transition Summary:" lines of the text output (2.0.x has no
                         formatted output)

Both give the same ImpactAction for the same line (tests/pacemaker/test_impact_cts.py
checks it on Pacemaker's own scheduler CIBs). Where an action happens in place (start, stop,
recover, restart, re-promote, a promote on the same node) the node is `node`; an action that
goes from one node to another (move, migrate, a move with a role change) has `source` and
`dest`. XML says "source" for an in-place restart and "dest" for a start that also promotes:
both become `node` here, so the two spellings compare equal.

Fields keep the cluster's exact strings (for `plan --json`); line() and Impact.lines() are
what is shown, passed through tui.plaintext.one_line. Pure: lxml and stdlib. Bad input is an
Impact with `error` saying what was wrong, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.pacemaker.xmlsafe import parse_xml
from tui.plaintext import one_line

KINDS = ("start", "stop", "move", "promote", "demote", "restart", "recover", "migrate", "reload",
         "re-promote", "fence", "shutdown")
# the role names crm_simulate prints (Master/Slave before 2.1.0)
ROLES = frozenset({"Stopped", "Started", "Promoted", "Unpromoted", "Master", "Slave", "Unknown"})
_GUEST = re.compile(r"^(?P<node>.*) \(resource: (?P<container>[^()]*)\)$")
_FENCE = re.compile(r"^Fence \((?P<op>[^()]*)\)$")


@dataclass(frozen=True, slots=True)
class ImpactAction:
    kind: str  # one of KINDS (a release's new word is kept as it is, lowercased)
    resource: str  # the resource; for fence and shutdown the node
    node: str | None = None  # where an in-place action happens
    source: str | None = None  # from where a move/migrate goes
    dest: str | None = None  # to where
    role: str | None = None  # the role it has now (promotable clones)
    next_role: str | None = None  # the role it will have
    reason: str | None = None  # crm_simulate's "due to ..." / a fence's reason
    blocked: bool = False  # crm_simulate cannot run it (the resource stays as it is)
    fence: str | None = None  # reboot | off | on (kind fence)
    container: str | None = None  # a fenced guest node's resource (kind fence)

    def details(self) -> str:
        """The part crm_simulate prints in parentheses: "node1 -> node2", "Unpromoted ->
        Promoted node1", "Promoted node1"."""
        if self.source is not None or self.dest is not None:
            src, dst = self.source or "?", self.dest or "?"
            if self.role and self.next_role:
                return f"{self.role} {src} -> {self.next_role} {dst}"
            if self.role:
                return f"{src} -> {dst} {self.role}"
            return f"{src} -> {dst}"
        node = self.node or "?"
        if self.role and self.next_role:
            return f"{self.role} -> {self.next_role} {node}"
        if self.role:
            return f"{self.role} {node}"
        return node

    def line(self) -> str:
        """One plain-text line: "Move web (node1 -> node2)", "Stop db (node1) due to node
        availability", "Fence (reboot) node1: peer is no longer part of the cluster"."""
        if self.kind == "fence":
            who = self.resource + (f" (resource: {self.container})" if self.container else "")
            text = f"Fence ({self.fence or 'reboot'}) {who}"
            text += f": {self.reason}" if self.reason else ""
        elif self.kind == "shutdown":
            text = f"Shutdown {self.resource}" + (f": {self.reason}" if self.reason else "")
        else:
            text = f"{self.kind.capitalize()} {self.resource} ({self.details()})"
            text += f" due to {self.reason}" if self.reason else ""
            text += " (blocked)" if self.blocked else ""
        return one_line(text)

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "resource": self.resource}
        for name in ("node", "source", "dest", "role", "next_role", "reason", "fence", "container"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["blocked"] = self.blocked
        return out


@dataclass(frozen=True, slots=True)
class Impact:
    actions: tuple[ImpactAction, ...] = ()
    error: str | None = None  # why there is no preview (then actions is empty)

    @property
    def computed(self) -> bool:
        return self.error is None

    @property
    def stops(self) -> tuple[str, ...]:
        """The resources that end up stopped (an unblocked Stop), each once, in order."""
        seen: dict[str, None] = {}
        for action in self.actions:
            if action.kind == "stop" and not action.blocked:
                seen.setdefault(action.resource, None)
        return tuple(seen)

    @property
    def fences(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.resource for a in self.actions if a.kind == "fence"))

    def lines(self) -> list[str]:
        """The preview as shown, one plain-text line each."""
        if self.error is not None:
            return [one_line(f"preview not available: {self.error}")]
        if not self.actions:
            return ["no resource changes"]
        out = [action.line() for action in self.actions]
        if self.stops:
            out.append(one_line("would end up stopped: " + ", ".join(self.stops)))
        return out

    def to_json(self) -> dict:
        return {
            "computed": self.computed,
            "error": self.error,
            "actions": [action.to_json() for action in self.actions],
            "stops": list(self.stops),
        }


def failed(why: str) -> Impact:
    return Impact(error=one_line(why, limit=500))


# --- XML (crm_simulate --output-as=xml) -----------------------------------------------------

def _node_action(el) -> ImpactAction | str:
    task, node = el.get("task"), el.get("node")
    if not task or not node:
        return "a <node_action> without task or node"
    container = None
    guest = _GUEST.match(node)
    if guest:
        node, container = guest.group("node"), guest.group("container")
    fence = _FENCE.match(task)
    if fence:
        return ImpactAction("fence", node, node=node, reason=el.get("reason") or None,
                            fence=fence.group("op"), container=container)
    if task == "Shutdown":
        return ImpactAction("shutdown", node, node=node, reason=el.get("reason") or None)
    return ImpactAction(task.lower(), node, node=node, reason=el.get("reason") or None)


def _rsc_action(el) -> ImpactAction | str:
    kind, resource = el.get("action"), el.get("resource")
    if not kind or not resource:
        return "an <rsc_action> without action or resource"
    node, source, dest = el.get("node"), el.get("source"), el.get("dest")
    if node is None and (source is None) != (dest is None):
        node, source, dest = source or dest, None, None  # in place: see the module doc
    return ImpactAction(kind.lower(), resource, node=node, source=source, dest=dest,
                        role=el.get("role"), next_role=el.get("next-role"),
                        reason=el.get("reason") or None, blocked=el.get("blocked") == "true")


def parse_simulate_xml(data: bytes | str) -> Impact:
    """The <actions> of `crm_simulate ... --output-as=xml` (the <pacemaker-result> envelope)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if not text.strip():
        return failed("crm_simulate printed nothing")
    if "<pacemaker-result" not in text:
        first = next(line for line in text.splitlines() if line.strip())
        return failed(f"crm_simulate's output is not XML: {one_line(first, 120)}")
    try:
        root = parse_xml(data)
    except Exception as exc:  # noqa: BLE001 - lxml's syntax error, UnsafeXml: all say why
        return failed(f"crm_simulate's XML output could not be read: {exc}")
    if root.tag != "pacemaker-result":
        return failed(f"not crm_simulate's XML output (its root is <{root.tag}>, not <pacemaker-result>)")
    status = root.find("status")
    if status is not None and status.get("code", "0") != "0":
        errors = [e.text.strip() for e in status.iter("error") if e.text and e.text.strip()]
        why = status.get("message") or f"code {status.get('code')}"
        return failed(f"crm_simulate failed: {why}" + (f": {'; '.join(errors)}" if errors else ""))
    actions = root.find("actions")
    if actions is None:
        return failed("crm_simulate's XML output has no <actions> element")
    out: list[ImpactAction] = []
    for el in actions:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "rsc_action":
            action = _rsc_action(el)
        elif el.tag == "node_action":
            action = _node_action(el)
        else:
            continue  # a later release's element: not an action we know how to show
        if isinstance(action, str):
            return failed(f"crm_simulate's XML output has {action}")
        out.append(action)
    return Impact(tuple(out))


# --- text (the "Transition Summary:" of crm_simulate's text output) -------------------------

# "* Move       web     (   node1 -> node2 )  due to ... (blocked)"
_RSC_LINE = re.compile(r"^\* (?P<change>\S+)\s+(?P<rsc>\S+)\s+\( (?P<details>.*?) \)(?P<rest>(?:\s.*)?)$")
# "* Fence (reboot) node1 'peer is no longer part of the cluster'", "* Shutdown node2"
_NODE_LINE = re.compile(r"^\* (?P<task>Fence \([^()]*\)|Shutdown) (?P<node>.+?)(?: '(?P<reason>.*)')?$")


def _details(text: str) -> dict | None:
    """The parenthesised part back into node/source/dest/role/next_role (see details())."""
    if " -> " not in text:
        words = text.split()
        if len(words) == 1:
            return {"node": words[0]}
        if len(words) == 2 and words[0] in ROLES:
            return {"role": words[0], "node": words[1]}
        return None
    left, right = text.split(" -> ", 1)
    lw, rw = left.split(), right.split()
    if len(lw) == 1 and len(rw) == 2 and lw[0] in ROLES and rw[0] in ROLES:
        return {"role": lw[0], "next_role": rw[0], "node": rw[1]}
    if len(lw) == 1 and len(rw) == 1:
        return {"source": lw[0], "dest": rw[0]}
    if len(lw) == 1 and len(rw) == 2 and rw[1] in ROLES:
        return {"source": lw[0], "dest": rw[0], "role": rw[1]}
    if len(lw) == 2 and len(rw) == 2 and lw[0] in ROLES and rw[0] in ROLES:
        return {"role": lw[0], "source": lw[1], "next_role": rw[0], "dest": rw[1]}
    return None


def _text_line(line: str) -> ImpactAction | None:
    node_line = _NODE_LINE.match(line)
    if node_line:
        node, container = node_line.group("node"), None
        guest = _GUEST.match(node)
        if guest:
            node, container = guest.group("node"), guest.group("container")
        task, reason = node_line.group("task"), node_line.group("reason")
        fence = _FENCE.match(task)
        if fence:
            return ImpactAction("fence", node, node=node, reason=reason or None, fence=fence.group("op"),
                                container=container)
        return ImpactAction("shutdown", node, node=node, reason=reason or None)
    match = _RSC_LINE.match(line)
    if not match:
        return None
    details = _details(match.group("details").strip())
    if details is None:
        return None
    rest, reason, blocked = match.group("rest").strip(), None, False
    if rest == "blocked":
        blocked, rest = True, ""
    elif rest.endswith(" (blocked)"):
        blocked, rest = True, rest[: -len(" (blocked)")]
    if rest.startswith("due to "):
        reason, rest = rest[len("due to "):], ""
    if rest:
        return None
    return ImpactAction(match.group("change").lower(), match.group("rsc"), reason=reason, blocked=blocked,
                        **details)


def parse_simulate_text(data: bytes | str) -> Impact:
    """The lines under "Transition Summary:" (Pacemaker 2.0.x and later), up to the first
    line that is not an item (a blank line, "Executing Cluster Transition:")."""
    text = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else str(data)
    lines = text.splitlines()
    # the last header: a change's own output (text mode prints it first) cannot pose as the summary
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip() == "Transition Summary:"), None)
    if start is None:
        return failed("crm_simulate's output has no Transition Summary")
    out: list[ImpactAction] = []
    for raw in lines[start + 1:]:
        item = raw.strip()
        if not item.startswith("* "):
            break
        action = _text_line(item)
        if action is None:
            return failed(f"unreadable Transition Summary line: {item}")
        out.append(action)
    return Impact(tuple(out))
