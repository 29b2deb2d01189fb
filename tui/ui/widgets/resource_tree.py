"""Resources as a tree (groups, clones, bundles), updated in place and filterable."""

from __future__ import annotations

from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.pacemaker.model import Resource, Snapshot
from tui.ui.palette import Palette
from tui.ui.present import Row, ViewOptions, resource_label, resource_visible, shown_children


class ResourceTree(Tree[str]):
    """Tree nodes keyed by resource path ("grp/dummy"); data is the resource id."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Resources", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._by_path: dict[str, TreeNode[str]] = {}
        self._labels: dict[str, Row] = {}
        self.sync_count = 0
        self._all_leaves = 0

    def selected_resource(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node is not self.root else None

    def sync(
        self,
        snapshot: Snapshot | None,
        *,
        text_filter: str = "",
        options: ViewOptions = ViewOptions(),
        on_node: str | None = None,
        force: bool = False,
    ) -> None:
        palette = Palette(self.app.theme_variables)
        if force:
            self._labels.clear()
        wanted: set[str] = set()
        touched = 0
        resources = snapshot.resources if snapshot is not None else ()

        def visit(parent: TreeNode[str], resource: Resource, path: str) -> None:
            nonlocal touched
            if not resource_visible(resource, text_filter, options, on_node):
                return
            wanted.add(path)
            label = resource_label(resource, snapshot)
            children = shown_children(resource, options)
            node = self._by_path.get(path)
            if node is not None and bool(children) != node.allow_expand:
                self._forget(path)  # leaf <-> parent (details on/off): made anew below
                node.remove()
                node = None
            if node is None:
                if children:
                    node = parent.add(palette.line(label), data=resource.id,
                                      expand=True)
                else:
                    node = parent.add_leaf(palette.line(label), data=resource.id)
                self._by_path[path] = node
                self._labels[path] = label
                touched += 1
            elif self._labels.get(path) != label:
                node.set_label(palette.line(label))
                self._labels[path] = label
                touched += 1
            for child, child_path in _paths(children, path + "/"):
                visit(node, child, child_path)

        for resource, path in _paths(resources, ""):
            visit(self.root, resource, path)
        # remove deepest first so a parent's removal does not orphan our index
        for path in sorted((p for p in self._by_path if p not in wanted), key=len, reverse=True):
            node = self._by_path.pop(path)
            self._labels.pop(path, None)
            if node.tree is self and node.parent is not None and _attached(node):
                node.remove()
            touched += 1
        self.sync_count = touched
        self._all_leaves = sum(1 for _ in _leaves(resources, options))

    def _forget(self, path: str) -> None:
        for known in [p for p in self._by_path if p == path or p.startswith(path + "/")]:
            self._by_path.pop(known)
            self._labels.pop(known, None)

    def leaf_count(self, *, everything: bool = False) -> int:
        """Resources without children shown now (everything: in the last snapshot, implicit
        ones counted only with details, as the tree shows them)."""
        if everything:
            return self._all_leaves
        return sum(1 for node in self._by_path.values() if not node.allow_expand)


def _leaves(resources, options: ViewOptions):
    for resource in resources:
        if resource.implicit and not options.details:
            continue
        children = shown_children(resource, options)
        if children:
            yield from _leaves(children, options)
        else:
            yield resource


def _paths(resources, prefix: str):
    """Each resource with a unique path; clone instances share an id, so number repeats."""
    seen: dict[str, int] = {}
    for resource in resources:
        n = seen.get(resource.id, 0)
        seen[resource.id] = n + 1
        yield resource, f"{prefix}{resource.id}" + (f"#{n}" if n else "")


def _attached(node: TreeNode) -> bool:
    parent = node.parent
    return parent is not None and node in parent.children
