"""The actions for one resource (Resources pane: `x`, or enter on a resource without children).

A menu (OptionList) of what applies to the resource's kind, then, where the action needs
one, a node picker (the snapshot's nodes, where it runs now marked) or a small form (meta
attribute name and value). The choice becomes a Plan from tui.ops.actions, handed to the
caller, which sends it through the app's confirm-then-run path (read-only refuses it there
too). Which actions apply and the plans they build are plain functions (menu_entries,
build_plan), tested without a screen.

A clone's or a bundle's instance is acted on through the clone or bundle (as pcs does): its
menu names the clone. A group's member is its own target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.ops import actions
from tui.ops.plan import Plan
from tui.pacemaker.model import NodeKind, Resource, ResourceKind, Snapshot
from tui.plaintext import is_safe
from tui.ui import literal

PROMOTED_ROLES = frozenset({"promoted", "master"})
HOSTING_KINDS = (NodeKind.CLUSTER, NodeKind.REMOTE, NodeKind.GUEST)  # nodes a resource is placed on


@dataclass(frozen=True)
class Target:
    """The resource the actions name, and what the menu says about it."""

    resource: Resource
    selected: str  # the id under the cursor (an instance's, when the target is its clone)
    parent_kind: ResourceKind | None = None  # the group it is a member of, if any
    parent_id: str | None = None
    running_on: tuple[str, ...] = ()  # nodes where (an instance of) it is active
    promoted_on: tuple[str, ...] = ()  # promotable clones: nodes with a promoted instance

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def kind(self) -> ResourceKind:
        return self.resource.kind

    @property
    def promotable(self) -> bool:
        return self.resource.kind is ResourceKind.CLONE and self.resource.promotable

    @property
    def disabled(self) -> bool:
        role = (self.resource.target_role or "").lower()
        return role == "stopped" or self.resource.disabled

    def describe(self) -> str:
        words = f"{self.kind.value} {self.id}"
        if self.promotable:
            words = f"promotable clone {self.id}"
        if self.selected != self.id:
            words += f" (selected: {self.selected}, one of its instances or members)"
        elif self.parent_id:
            words += f" (member of {self.parent_kind.value if self.parent_kind else 'group'} {self.parent_id})"
        return words


def _placement(resource: Resource) -> tuple[tuple[str, ...], tuple[str, ...]]:
    running: list[str] = []
    promoted: list[str] = []
    for r in resource.walk():
        if r.children:
            continue
        for node in r.nodes:
            if r.active and node not in running:
                running.append(node)
            if r.role.lower() in PROMOTED_ROLES and node not in promoted:
                promoted.append(node)
    return tuple(running), tuple(promoted)


def target_for(snapshot: Snapshot | None, path: Sequence[str]) -> Target | None:
    """The Target for the tree path of ids (top level first), or None when it is gone.

    Clone instances share their id: the first with that id at each level is taken, which
    names the same clone (its placement is the clone's, from all instances)."""
    if snapshot is None or not path:
        return None
    chain: list[Resource] = []
    level: Sequence[Resource] = snapshot.resources
    for rid in path:
        found = next((r for r in level if r.id == rid), None)
        if found is None:
            return None
        chain.append(found)
        level = found.children
    selected = chain[-1]
    # an instance inside a clone or bundle: the outermost clone/bundle is the target
    outer = next((r for r in chain if r.kind in (ResourceKind.CLONE, ResourceKind.BUNDLE)), None)
    resource = outer or selected
    parent = None
    if outer is None and len(chain) > 1 and chain[-2].kind is ResourceKind.GROUP:
        parent = chain[-2]
    running, promoted = _placement(resource)
    return Target(resource, selected.id, parent.kind if parent else None, parent.id if parent else None,
                  running, promoted)


# --- what the menu offers -----------------------------------------------------------------

NODE, META_SET, META_DELETE = "node", "meta-set", "meta-delete"


@dataclass(frozen=True)
class Entry:
    id: str  # the action (build_plan's key)
    label: str
    needs: str | None = None  # NODE, META_SET, META_DELETE: asked for before the plan is built
    constraint_ids: tuple[str, ...] = field(default=())


def ban_ids(snapshot: Snapshot | None, rsc: str) -> tuple[str, ...]:
    """Location constraints the snapshot lists as bans of this resource (crm_mon shows the
    negative ones: a move's cli-prefer constraint is not among them, --clear removes it too)."""
    if snapshot is None:
        return ()
    return tuple(dict.fromkeys(b.id for b in snapshot.bans if b.resource == rsc))


def menu_entries(target: Target, snapshot: Snapshot | None) -> list[Entry]:
    rid = target.id
    kind = target.kind
    entries: list[Entry] = []
    if kind in (ResourceKind.PRIMITIVE, ResourceKind.GROUP):
        entries.append(Entry("move", f"Move {rid} to node…", NODE))
    entries.append(Entry("ban", f"Ban {rid} from node…", NODE))
    if target.promotable:
        entries.append(Entry("promote", f"Promote {rid} on node…", NODE))
        entries.append(Entry("demote", f"Demote {rid} on node…", NODE))
    ids = ban_ids(snapshot, rid)
    listed = ", ".join(ids) if ids else "no bans listed; removes a move's too"
    entries.append(Entry("clear", f"Clear move/ban constraints of {rid} ({listed})", constraint_ids=ids))
    entries.append(Entry("restart", f"Restart {rid}"))
    if kind is ResourceKind.CLONE and target.running_on:
        entries.append(Entry("restart-on", f"Restart {rid} on one node…", NODE))
    if target.disabled:
        entries.append(Entry("enable", f"Enable {rid} (delete target-role)"))
    else:
        entries.append(Entry("disable", f"Disable {rid} (target-role=Stopped)"))
    if target.resource.managed:
        entries.append(Entry("unmanage", f"Unmanage {rid} (is-managed=false)"))
    else:
        entries.append(Entry("manage", f"Manage {rid} (delete is-managed)"))
    entries.append(Entry("cleanup", f"Clean up {rid} (clear its failures)"))
    entries.append(Entry("refresh", f"Refresh {rid} (re-detect its state)"))
    entries.append(Entry("meta-set", f"Set a meta attribute of {rid}…", META_SET))
    entries.append(Entry("meta-delete", f"Delete a meta attribute of {rid}…", META_DELETE))
    return entries


def build_plan(entry: Entry, target: Target, *, node: str | None = None, name: str | None = None,
               value: str | None = None, version: str | None = None) -> Plan:
    """The plan for a menu entry (node, name, value: what the picker or the form gave)."""
    rid = target.id
    action = entry.id
    if action == "move":
        return actions.move(rid, _given(node, "node"), version=version)
    if action == "ban":
        return actions.ban(rid, _given(node, "node"), version=version)
    if action == "promote":
        return actions.promote(rid, _given(node, "node"), version=version)
    if action == "demote":
        return actions.demote(rid, _given(node, "node"), version=version)
    if action == "clear":
        return actions.clear(rid, constraint_ids=entry.constraint_ids, version=version)
    if action == "restart":
        return actions.restart(rid)
    if action == "restart-on":
        return actions.restart(rid, _given(node, "node"))
    if action in ("enable", "disable", "manage", "unmanage"):
        return getattr(actions, action)(rid)
    if action == "cleanup":
        return actions.cleanup(rid)
    if action == "refresh":
        return actions.refresh(resource=rid)
    if action == "meta-set":
        return actions.meta_set(rid, _given(name, "name"), value if value is not None else "")
    if action == "meta-delete":
        return actions.meta_delete(rid, _given(name, "name"))
    raise ValueError(f"no resource action {action!r}")


def _given(value: str | None, what: str) -> str:
    if not value:
        raise ValueError(f"the action needs a {what}")
    return value


# --- the node picker ---------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    node: str
    label: str
    selectable: bool


def cluster_nodes_only(target: Target, snapshot: Snapshot | None) -> str | None:
    """Why the resource can run on cluster nodes only (None: anywhere). pacemaker_remote runs
    no fence device, no remote connection, and no guest's VM or container (the guest would
    be hosted by itself); a bundle's replicas are placed on cluster nodes too."""
    guests = {n.container_resource for n in snapshot.nodes if n.container_resource} if snapshot else set()
    for r in target.resource.walk():
        agent = r.agent or ""
        if agent.startswith("stonith:"):
            return "a fence device"
        if agent == "ocf:pacemaker:remote":
            return "a remote node's connection"
        if r.id in guests:
            return "a guest node's VM or container"
    if target.kind is ResourceKind.BUNDLE:
        return "a bundle"
    return None


def node_choices(entry: Entry, target: Target, snapshot: Snapshot | None) -> list[Choice]:
    """The nodes to pick from, where it runs (and is promoted) marked; a choice that cannot
    apply (move to where it runs, promote where it is promoted, demote where it is not,
    restart an instance where none runs) is listed but not selectable."""
    if snapshot is None:
        return []
    choices: list[Choice] = []
    placing = entry.id in ("move", "promote")  # where it is to run: a node that can run it
    only_cluster = cluster_nodes_only(target, snapshot) if placing else None
    for node in snapshot.nodes:
        if node.kind not in HOSTING_KINDS:
            continue
        here = node.name in target.running_on
        promoted = node.name in target.promoted_on
        mark = "●" if here else "○"
        notes = []
        if promoted:
            notes.append("promoted here")
        elif here:
            notes.append("unpromoted here" if target.promotable else "runs here")
        if not node.online:
            notes.append("offline")
        if node.standby:
            notes.append("standby")
        if node.maintenance:
            notes.append("maintenance")
        if node.kind is not NodeKind.CLUSTER:
            notes.append(node.kind.value)
            if only_cluster:
                notes.append(f"cannot run {only_cluster}")
        selectable = (node.kind is NodeKind.CLUSTER or not only_cluster) and {
            "move": not here,
            "promote": not promoted,
            "demote": promoted,
            "restart-on": here,
        }.get(entry.id, True)
        label = f"{mark} {node.name}" + (f"   ({', '.join(notes)})" if notes else "")
        choices.append(Choice(node.name, label, selectable))
    return choices


class _Modal(ModalScreen):
    DEFAULT_CSS = """
    _Modal { align: center middle; }
    _Modal > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 85%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    _Modal #what { text-style: bold; margin-bottom: 1; }
    _Modal #hint { color: $text-muted; margin-top: 1; }
    _Modal OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def action_close(self) -> None:
        self.dismiss(None)


class ResourceActions(_Modal):
    """The menu: dismisses with the chosen Entry, or None."""

    DEFAULT_CSS = _Modal.DEFAULT_CSS.replace("_Modal", "ResourceActions")

    def __init__(self, target: Target, entries: Sequence[Entry]) -> None:
        super().__init__()
        self.target = target
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = literal.content(f"Actions: {self.target.id}")
            yield Label(literal.content(self.target.describe()), id="what")
            yield OptionList(*(Option(literal.content(e.label), id=e.id) for e in self.entries),
                             id="actions")
            yield Label("enter: choose · escape: cancel · every action is confirmed first", id="hint")

    def on_mount(self) -> None:
        self.query_one("#actions", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(next(e for e in self.entries if e.id == event.option_id))


class NodePicker(_Modal):
    """Dismisses with the chosen node's name, or None."""

    DEFAULT_CSS = _Modal.DEFAULT_CSS.replace("_Modal", "NodePicker")

    def __init__(self, title: str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Node"
            yield Label(literal.content(self.title_text), id="what")
            options = [Option(literal.content(c.label), id=f"n{i}", disabled=not c.selectable)
                       for i, c in enumerate(self.choices)]
            yield OptionList(*options, id="nodes")
            note = "● where it runs now, ○ elsewhere" if self.choices else "no node to choose"
            yield Label(literal.content(f"{note} · enter: choose · escape: cancel"), id="hint")

    def on_mount(self) -> None:
        nodes = self.query_one("#nodes", OptionList)
        first = next((i for i, c in enumerate(self.choices) if c.selectable), None)
        if first is not None:
            nodes.highlighted = first
        nodes.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int((event.option_id or "n-1")[1:])
        if 0 <= index < len(self.choices) and self.choices[index].selectable:
            self.dismiss(self.choices[index].node)


def check_meta(name: str, value: str | None) -> str | None:
    """Why the form's input cannot be used, or None."""
    if not name:
        return "a name is needed"
    if not is_safe(name) or any(c.isspace() for c in name):
        return "the name must have no spaces or control characters"
    if value is not None and not is_safe(value):
        return "the value must have no control characters"
    return None


class MetaForm(_Modal):
    """Name (and value, to set): dismisses with (name, value or None), or None."""

    DEFAULT_CSS = _Modal.DEFAULT_CSS.replace("_Modal", "MetaForm") + """
    MetaForm Input { margin-bottom: 1; }
    MetaForm #error { color: $error; }
    MetaForm Horizontal { height: auto; align-horizontal: right; }
    MetaForm Button { margin-left: 2; }
    """

    def __init__(self, title: str, *, with_value: bool) -> None:
        super().__init__()
        self.title_text = title
        self.with_value = with_value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Meta attribute"
            yield Label(literal.content(self.title_text), id="what")
            yield Input(id="name", placeholder="name (e.g. resource-stickiness)")
            if self.with_value:
                yield Input(id="value", placeholder="value")
            yield Label("", id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        self.query_one("#name", Input).focus()

    def _values(self) -> tuple[str, str | None]:
        name = self.query_one("#name", Input).value.strip()
        value = self.query_one("#value", Input).value if self.with_value else None
        return name, value

    def _submit(self) -> None:
        name, value = self._values()
        why = check_meta(name, value)
        if why:
            self.query_one("#error", Label).update(literal.content(why))
            return
        self.dismiss((name, value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "name" and self.with_value:
            self.query_one("#value", Input).focus()
            return
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)


# --- the whole flow ------------------------------------------------------------------------


def open_resource_actions(app, target: Target, snapshot: Snapshot | None,
                          on_plan: Callable[[Plan], None]) -> None:
    """Menu, then the node picker or the form where needed; the plan goes to on_plan."""
    version = snapshot.pacemaker_version if snapshot is not None else None

    def make(entry: Entry, **given) -> None:
        try:
            plan = build_plan(entry, target, version=version, **given)
        except ValueError as error:  # a builder refusing its input (app.notify is literal)
            app.notify(str(error), title="not run", severity="error")
            return
        on_plan(plan)

    def chosen(entry: Entry | None) -> None:
        if entry is None:
            return
        if entry.needs == NODE:
            choices = node_choices(entry, target, snapshot)
            what = entry.label.rstrip("…")

            def picked(node: str | None) -> None:
                if node:
                    make(entry, node=node)

            app.push_screen(NodePicker(what, choices), picked)
        elif entry.needs in (META_SET, META_DELETE):
            with_value = entry.needs == META_SET

            def filled(answer: tuple[str, str | None] | None) -> None:
                if answer:
                    name, value = answer
                    make(entry, name=name, **({"value": value} if with_value else {}))

            app.push_screen(MetaForm(entry.label.rstrip("…"), with_value=with_value), filled)
        else:
            make(entry)

    app.push_screen(ResourceActions(target, menu_entries(target, snapshot)), chosen)
