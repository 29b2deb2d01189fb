"""Resources as a tree (groups, clones, bundles), updated in place and filterable.

Lazy, so no tab holds the loop hostage at 20,000 resources:
- a node's label (the present.Row and its rich Text) is made when the line is drawn or read,
  not when the node is created; the first rows are labelled at once, the rest measured in
  slices by a task that yields between them (only for the exact width, i.e. the horizontal
  scrollbar; their rows are not kept);
- a big tree's nodes are made in passes, the first (SYNC_NODES) inside sync, the rest
  (MAKE_NODES each) by that task; counts (leaf_count) are exact meanwhile;
- the children of a collapsed group/clone/bundle become nodes when it is expanded;
- nodes are attached without Textual's per-add invalidation: one rebuild per sync (the
  background task's passes: at most one every REBUILD_EVERY, and one after the last), and the
  rebuild lists the shown nodes only (Textual's makes a line object with its path and a
  rendered label width per row: ~200 ms at 20,000 rows); line objects are made when asked.
  That overrides Tree._build, a private method: Textual is pinned (STYLE.md), the snapshot
  tests would show a change of its line model;
- an in-place update re-labels only resources whose object changed (or whose node's
  UNCLEAN state did), so a 1% refresh labels ~1% of the rows (of those labelled: a row never
  drawn is labelled from the current resource when it is); an unchanged object in an
  unchanged view keeps its subtree untouched, not even judged again;
- nodes a filter hides are kept aside and revived when it is deleted (same node, label,
  expand state);
- a pass judges at most JUDGE_RESOURCES resources (a filter keystroke judges them all): the
  rest are judged by the task's next passes, their nodes shown as they were meanwhile, and
  what a pass judged hidden is not judged again in the same view; the count of what a filter
  left comes with the last pass (Counted);
- the task's next pass over the same snapshot in the same view starts at the top-level
  resource where the last one stopped (_Resume), not at the first, and a pass over the
  snapshot the last one placed stops walking where its budget runs out (the rest of the top
  level is the last pass's list from there, in order): 13,000 top-level resources walked
  again by each of 20 passes were most of a first view's work.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Tree
from textual.widgets._tree import _TreeLine
from textual.widgets.tree import TreeNode

from tui.pacemaker.model import Resource, Snapshot
from tui.plaintext import one_line
from tui.ui.palette import Palette
from tui.ui.present import Row, ViewOptions, Visibility, resource_label, shown_children

# rows labelled inside sync (20-100 µs each: a group's row judges its members): the first
# screens, and all of a small tree, so small trees (and the snapshot pictures) are exact
# without waiting for the task; the rest are measured by it
SYNC_ROWS = 120
SLICE_ROWS = 1000  # rows measured per slice of the background task at most
SLICE_SECONDS = 0.010  # and for no longer than this (a group's row costs ~10x a primitive's)
MAKE_NODES = 1000  # nodes one pass makes (~10 ms); the rest in the next passes, by the task
# nodes a sync's own pass makes (a few screens): it runs in the key or refresh that asked,
# with that round's frame still to come (the rest are the task's)
SYNC_NODES = 250
# resources one pass judges (shown or not: a filter keystroke judges all 20,000, ~60 ms in one
# callback); the rest in the next passes, shown as they were until then
JUDGE_RESOURCES = 4000
# while the task makes nodes, the lines are rebuilt (Tree._build, ~20 ms at 20,000 nodes) at
# most this often and after its last pass, not after every pass: a pass and a rebuild ready
# together held the loop 110 ms in the first view (bench/ui/RESULTS-tree.md, run F)
REBUILD_EVERY = 0.25  # seconds
SLICE_GAP = 0.001  # seconds between two slices of the task


class _Node(TreeNode[str]):
    """A node whose label text is made when first drawn or read; children made on expand."""

    _text: Text | None = None
    _row: Row | None = None
    _width = 0
    _measured = False  # _width is known though the row was not kept
    _filled = False  # its children are nodes (it was expanded once)
    _leaves = 0  # leaves shown below it (or 1 for a leaf) at the last pass
    _whole = True  # every shown descendant is a node (no budget ran out below it)
    # the UNCLEAN nodes when it was retired (None: its labels were older: relabel on revival)
    _unclean_at: frozenset | None = frozenset()
    _judged = -1  # the view (ResourceTree._view_number) its subtree was last judged in
    _recheck = False  # left unjudged by a pass that would have compared its label
    _path = ""
    _top = -1  # its index in the top level of the snapshot that placed it (a top-level node)
    _resource: Resource

    @property  # type: ignore[override]
    def _label(self) -> Text:
        if self._text is None:
            self._text = self._tree._text_for(self)
        return self._text

    @_label.setter
    def _label(self, value: Text | None) -> None:
        self._text = value

    def _expand(self, expand_all: bool) -> None:
        self._tree._materialise(self)
        self._tree._collapsed.discard(self._path)
        super()._expand(expand_all)

    def _collapse(self, collapse_all: bool) -> None:
        self._tree._collapsed.add(self._path)
        super()._collapse(collapse_all)


@dataclass
class _Pass:
    """One walk of the model: the view it shows and what it found."""

    snapshot: Snapshot | None
    text_filter: str
    options: ViewOptions
    on_node: str | None
    budget: int = 0  # nodes it may make; set from MAKE_NODES
    judge: int = 0  # resources it may judge; set from JUDGE_RESOURCES
    texts: dict | None = None  # Visibility's texts, kept by the tree
    unclean_changed: frozenset[str] = frozenset()
    same_view: bool = False
    touched: int = 0
    gone: int = 0
    structure: bool = False
    more: int = 0  # nodes left to make: the budget ran out
    unlabelled: list[_Node] = field(default_factory=list)
    # (top-level index, shown nodes before it, their leaves) of the first top-level resource
    # this pass did not settle: where the next pass may start (_Resume)
    stop: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        self.budget = self.budget or MAKE_NODES
        self.judge = self.judge or JUDGE_RESOURCES
        self.visible = Visibility(self.text_filter, self.options, self.on_node, self.texts)


@dataclass(frozen=True)
class _Resume:
    """Where a pass stopped in the top level. Before `index` everything is settled for its
    snapshot and view, so the next pass over them starts there, with the root's first
    `shown` children and their `leaves` as they are."""

    view: int
    index: int
    shown: int
    leaves: int
    repeats: Counter  # top-level ids before `index`: how many times each came (paths)


class ResourceTree(Tree[str]):
    """Tree nodes keyed by resource path ("grp/dummy"); data is the resource id."""

    class Counted(Message):
        """The background passes are done: the leaves shown are counted (`counted`)."""

        def __init__(self, tree: ResourceTree) -> None:
            super().__init__()
            self.tree = tree

        @property
        def control(self) -> ResourceTree:
            return self.tree

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Resources", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._by_path: dict[str, _Node] = {}
        self.sync_count = 0
        self._shown_leaves = 0
        self._snapshot: Snapshot | None = None
        self._view: _Pass | None = None
        self._more = False
        self._counted = True
        self._retired: dict[str, _Node] = {}  # dropped by a filter, kept to be revived
        self._palette: Palette | None = None
        self._unclean: frozenset[tuple[str, bool]] = frozenset()
        self._collapsed: set[str] = set()
        self._queue: list[_Node] = []
        self._filler: asyncio.Task | None = None
        self._rebuilt_at = 0.0  # time.monotonic() of the last rebuild a pass asked for
        self._view_number = 0  # counts the views (filter, options, node, UNCLEAN) passes showed
        self._hidden: dict[str, Resource] = {}  # path -> resource judged hidden in this view
        self._texts: dict = {}  # what a filter searches, per resource (present.Visibility)
        self._all_of: tuple = (None, None, 0)  # (snapshot, details, leaves) of _all_leaves
        self._resume: _Resume | None = None  # where the last pass stopped, if it did
        # (snapshot, the root's children list, its length) the last pass left: each of those
        # nodes knows its index in that snapshot's top level (_top). A pass replaces the list
        # when it changes it; Textual's own add/remove would change its length.
        self._placed: tuple = (None, None, 0)

    def selected_resource(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node is not self.root else None

    @property
    def counted(self) -> bool:
        """The last pass judged every resource: leaf_count() is known without a walk."""
        return self._counted

    @property
    def settling(self) -> bool:
        """Nodes still to be made, or rows still to be labelled, by the background task."""
        return self._more or bool(self._queue)

    async def settled(self) -> None:
        """Wait until the background task is done (tests, benchmarks)."""
        while self._filler is not None and not self._filler.done():
            await asyncio.shield(self._filler)

    def sync(
        self,
        snapshot: Snapshot | None,
        *,
        text_filter: str = "",
        options: ViewOptions = ViewOptions(),
        on_node: str | None = None,
        force: bool = False,
    ) -> None:
        self._palette = Palette(self.app.theme_variables)
        if force:  # theme or view change: every text is made again from its row
            for node in self._by_path.values():
                node._text = None
                node._updates += 1
        self._pass(snapshot, _Pass(snapshot, text_filter, options, on_node,
                                   budget=min(SYNC_NODES, MAKE_NODES), texts=self._texts),
                   restyled=force)

    def _pass(self, snapshot: Snapshot | None, work: _Pass, restyled: bool = False,
              rebuild: bool = True) -> None:
        """One walk: nodes made (up to a budget), re-labelled, re-ordered, removed. With
        rebuild=False (a background pass: it only adds nodes) the lines stay as they were
        until the next rebuild lists the new nodes."""
        unclean = _unclean(snapshot)
        work.unclean_changed = frozenset(name for name, _ in unclean ^ self._unclean)
        work.same_view = (not work.unclean_changed and self._view is not None
                          and _view_key(work) == _view_key(self._view))
        if not work.same_view:
            self._view_number += 1
            self._hidden.clear()
        self._unclean, self._snapshot, self._view = unclean, snapshot, work
        resources = snapshot.resources if snapshot is not None else ()
        root = self.root
        placed = (snapshot is not None and self._placed[0] is snapshot
                  and self._placed[1] is root._children and self._placed[2] == len(root._children)
                  ) or (not root._children and not self._retired)  # nothing shown, nothing kept
        resume, self._resume = self._resume, None
        if (not placed or rebuild or restyled or not work.same_view or resume is None
                or resume.view != self._view_number):
            resume = None  # a sync walks from the top: what it shows may have changed anywhere
        self._shown_leaves = self._place(root, resources, "", work, check=False,
                                         resume=resume, cut=placed)
        self._placed = (snapshot, root._children, len(root._children))
        if work.more and work.stop is not None:
            index, shown, leaves = work.stop
            self._resume = _Resume(self._view_number, index, shown, leaves,
                                   Counter(r.id for r in islice(resources, index)))
        self._counted = not work.more
        self.sync_count = work.touched + work.gone
        bound = 4 * max(len(self._by_path), 10000)
        for kept in (self._retired, self._hidden):
            if len(kept) > bound:
                kept.clear()  # resources gone for good: do not keep them forever
        if self._all_of[0] is not snapshot or self._all_of[1] != work.options.details:
            self._all_of = (snapshot, work.options.details,
                            _all_leaves(resources, work.options.details))
        if len(self._texts) > 2 * max(self._all_of[2], 1000):
            self._texts.clear()  # texts of resources replaced by refreshes
        self._more = bool(work.more)
        # a sync labels the first screens at once; a background pass's nodes are further
        # down (labelled when drawn, measured by the task)
        first = SYNC_ROWS if rebuild else 0
        for node in work.unlabelled[:first]:
            self._row_of(node)
        self._queue.extend(work.unlabelled[first:])
        if (self._more or self._queue) and (self._filler is None or self._filler.done()):
            self._filler = asyncio.get_running_loop().create_task(self._background())
        if work.structure:
            if rebuild:
                self._rebuild()
        elif work.touched or restyled:
            self.refresh()

    async def _drawn(self) -> None:
        """Until the next frame has been drawn (lines rebuilt, visible rows rendered)."""
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        await drawn.wait()

    def _rebuild(self) -> None:
        """The lines made again (lazily, at the next draw: _build)."""
        self._rebuilt_at = time.monotonic()
        self._invalidate()

    def _place(self, parent: TreeNode[str], resources, prefix: str, work: _Pass,
               check: bool, resume: _Resume | None = None, cut: bool = False) -> int:
        """Make `parent`'s children match the visible `resources`, in their order; return
        how many leaves they show (made into nodes or not). The top level only: from
        `resume` (where the last pass stopped), and with `cut` (its list is of the same
        snapshot) the rest from that list once the budget runs out."""
        children: list[_Node] = []
        leaves = start = 0
        by_path, hidden, view = self._by_path, self._hidden, self._view_number
        repeats: dict[str, int] = {}
        if resume is not None:
            start, leaves, repeats = resume.index, resume.leaves, dict(resume.repeats)
            children = parent._children[:resume.shown]  # type: ignore[assignment]
        top = parent is self.root
        for index, resource in enumerate(islice(resources, start, None), start):
            if top and not work.more:
                work.stop = (index, len(children), leaves)  # settled before this one
            # a unique path; clone instances share an id, so repeats are numbered
            rid = resource.id
            n = repeats.get(rid, 0)
            repeats[rid] = n + 1
            path = f"{prefix}{rid}#{n}" if n else prefix + rid
            node = by_path.get(path)
            if (node is not None and node._judged == view and not check
                    and node._resource is resource and node._whole):
                # the same object in the same view: its subtree stands as it was
                leaves += node._leaves
                children.append(node)
                if top:
                    node._top = index
                continue
            if node is None and hidden.get(path) is resource:
                continue  # judged hidden in this view by an earlier pass
            if work.judge <= 0 or (node is None and work.budget <= 0
                                   and path not in self._retired):
                # the next pass (a slice of the background task) judges or makes it; until
                # then a node shown before stays as it was, and this pass's leaf count is
                # partial (leaf_count counts if asked)
                if cut:
                    # the last pass placed this snapshot: the rest of its list is the rest as
                    # it was (in order), so it is not walked
                    last, lo = parent._children, resume.shown if resume is not None else 0
                    children.extend(last[bisect_left(last, index, lo, key=_top_of):])
                    work.more += len(resources) - index
                    break
                work.more += 1
                owed = check or bool(work.unclean_changed)
                if node is not None:
                    node._recheck = node._recheck or owed
                    leaves += node._leaves
                    children.append(node)
                    if top:
                        node._top = index
                elif owed and path in self._retired:
                    self._retired[path]._recheck = True  # revived later, it still owes it
                continue
            work.judge -= 1  # its children are charged as they are judged, below
            if not work.visible(resource):
                hidden[path] = resource
                continue
            kids = shown_children(resource, work.options) if resource.children else ()
            stale = False
            if node is None and path in self._retired:
                node, stale = self._revive(parent, path)
                work.structure = True
                work.touched += 1
            if node is not None and bool(kids) != node._allow_expand:
                # leaf <-> parent (details on/off): made anew, its old subtree goes
                work.gone += self._drop(node, retire=False)
                node = None
            changed = check
            if node is None:
                work.budget -= 1
                node = self._new_node(parent, resource, path, bool(kids))
                work.unlabelled.append(node)
                work.structure = True
                work.touched += 1
            else:
                old, node._resource = node._resource, resource
                changed = (check or stale or node._recheck or (old is not resource and old != resource)
                           or bool(work.unclean_changed and _touches(resource, work.unclean_changed)))
                node._recheck = False
                if changed and node._row is not None and self._relabel(node):
                    work.touched += 1
            if not kids:
                count = 1
            elif node._expanded or node._filled:
                before = work.more
                count = self._place(node, kids, path + "/", work, changed)
                node._filled, node._whole = True, work.more == before
            else:
                work.judge -= len(kids)
                count = _visible_leaves(kids, work)
            node._leaves, node._judged = count, view
            leaves += count
            children.append(node)
            if top:
                node._top = index
        if children != parent._children:
            kept = set(children)
            for old_child in parent._children:
                if old_child not in kept:
                    # in a pass that changes labels (check, UNCLEAN), what it drops was
                    # not relabelled: its labels are older than this pass
                    work.gone += self._drop(old_child, owed=check or bool(work.unclean_changed))
            parent._children = children  # type: ignore[assignment]
            parent._updates += 1
            work.structure = True
        return leaves

    def _drop(self, node: TreeNode[str], retire: bool = True, owed: bool = False) -> int:
        """Forget a node that is no longer shown, and its subtree; how many they were.
        Retired, it is revived when shown again (a filter deleted): no new node, no label."""
        if self._tree_nodes.pop(node._id, None) is None:
            return 0  # dropped already (replaced, then left out of its parent's list)
        path = node._path  # type: ignore[attr-defined]
        if self._by_path.get(path) is node:
            del self._by_path[path]
        if retire:
            self._retired[path] = node  # type: ignore[assignment]
            owed = owed or node._recheck  # type: ignore[attr-defined]
            node._unclean_at = None if owed else self._unclean  # type: ignore[attr-defined]
        return 1 + sum(self._drop(child, retire, owed) for child in node._children)

    def _revive(self, parent: TreeNode[str], path: str) -> tuple[_Node, bool]:
        """A retired node back under `parent`; stale: its label may miss an UNCLEAN change."""
        node = self._retired.pop(path)
        node._parent = parent
        self._tree_nodes[node._id] = node
        self._by_path[path] = node
        return node, node._unclean_at != self._unclean

    def _new_node(self, parent: TreeNode[str], resource: Resource, path: str,
                  expandable: bool) -> _Node:
        node = _Node(self, parent, self._new_id(), None, resource.id,  # type: ignore[arg-type]
                     expanded=expandable and path not in self._collapsed,
                     allow_expand=expandable)
        node._resource, node._path = resource, path
        self._tree_nodes[node._id] = node
        self._by_path[path] = node
        return node

    def _materialise(self, node: _Node) -> None:
        """Expanding a node seen collapsed: its children become nodes now."""
        if node._filled or not node._allow_expand or node._path not in self._by_path:
            return
        view = self._view
        work = _Pass(self._snapshot, view.text_filter, view.options, view.on_node,
                     budget=1 << 30, judge=1 << 30, texts=self._texts)
        node._leaves = self._place(node, shown_children(node._resource, view.options),
                                   node._path + "/", work, check=False)
        node._filled = True
        for child in work.unlabelled[:SYNC_ROWS]:
            self._row_of(child)
        self._queue.extend(work.unlabelled[SYNC_ROWS:])
        if self._queue and (self._filler is None or self._filler.done()):
            self._filler = asyncio.get_running_loop().create_task(self._background())

    async def _background(self) -> None:
        """The rest of a big sync, in slices that yield to the loop between them: nodes
        first (a pass over the last snapshot, each making MAKE_NODES more), then labels."""
        labelled = unbuilt = False
        try:
            while self._more or self._queue:
                # a timer, not sleep(0): due timers run after the callbacks already queued,
                # so a slice lets in first whatever waits on one (Textual's own timers, a
                # repeat key) instead of joining each round of the loop's ready callbacks
                await asyncio.sleep(SLICE_GAP)
                if self._more:
                    view = self._view
                    work = _Pass(self._snapshot, view.text_filter, view.options, view.on_node,
                                 texts=self._texts)
                    self._pass(self._snapshot, work, rebuild=False)
                    if self._counted:
                        self.post_message(self.Counted(self))
                    unbuilt = unbuilt or work.structure  # a pass that only judged adds none
                    due = time.monotonic() - self._rebuilt_at >= REBUILD_EVERY
                    if unbuilt and (due or not self._more):
                        unbuilt = False
                        self._rebuild()
                        await self._drawn()  # the rebuild and the next pass in different rounds
                    continue
                batch, self._queue = self._queue[:SLICE_ROWS], self._queue[SLICE_ROWS:]
                ends = time.perf_counter() + SLICE_SECONDS
                for done, node in enumerate(batch):
                    if time.perf_counter() > ends:
                        self._queue[:0] = batch[done:]  # the next slice measures them
                        break
                    if node._row is None and not node._measured and node._id in self._tree_nodes:
                        self._measure(node)
                        labelled = True
            if labelled:
                self._rebuild()  # the widths are exact: the horizontal extent is rebuilt
        except Exception as error:  # noqa: BLE001 - fail as a failing sync would: in the app
            self._more, self._queue = False, []
            self.call_later(_raise, error)

    # --- lines ------------------------------------------------------------------------------

    def _build(self) -> None:
        """Tree._build's result (lines, node._line, virtual size, cursor), made lazily."""
        order: list[TreeNode[str]] = []
        add = order.append
        depth_width = self.guide_depth
        widest = 0
        label_width = self.get_label_width

        def walk(children, indent: int) -> None:
            nonlocal widest
            for node in children:
                node._line = len(order)
                add(node)
                width = label_width(node) + indent
                if width > widest:
                    widest = width
                if node._expanded and node._children:
                    walk(node._children, indent + depth_width)

        if self.show_root:
            walk([self.root], 0)
        else:
            walk(self.root._children, 0)
        del walk  # it refers to itself: without this, a cycle keeps what it holds until a full collection
        self._tree_lines_cached = _Lines(order, self.show_root, self.root)  # type: ignore[assignment]
        self.virtual_size = Size(widest if order else self.size.width, len(order))
        if self.cursor_line != -1:
            if self.cursor_node is not None:
                self.cursor_line = self.cursor_node._line
            if self.cursor_line >= len(order):
                self.cursor_line = -1

    # --- labels ------------------------------------------------------------------------------

    def process_label(self, label):
        return None if label is None else super().process_label(label)

    def _row_of(self, node: _Node) -> Row:
        if node._row is None:
            row = node._row = resource_label(node._resource, self._snapshot)
            node._width = sum(cell_len(one_line(text)) for text, _ in row)
        return node._row

    def _text_for(self, node: _Node) -> Text:
        palette = self._palette or Palette(self.app.theme_variables)
        return palette.line(self._row_of(node))

    def _relabel(self, node: _Node) -> bool:
        before = node._row
        node._row = None
        if self._row_of(node) == before:
            return False
        node._text = None
        node._updates += 1
        return True

    def _measure(self, node: _Node) -> None:
        """The width of a row not drawn yet; the row itself is not kept (made again when
        drawn): 20,000 kept rows would be ~100,000 more objects for every full GC to scan."""
        if node._row is None and not node._measured:
            row = resource_label(node._resource, self._snapshot)
            node._width = sum(cell_len(one_line(text)) for text, _ in row)
            node._measured = True

    def get_label_width(self, node: TreeNode[str]) -> int:
        if not isinstance(node, _Node):
            return super().get_label_width(node)
        # a row not measured yet counts its id only (measured when drawn, or soon)
        known = node._row is not None or node._measured
        width = node._width if known else cell_len(node._resource.id)
        return width + (cell_len(self.ICON_NODE) if node._allow_expand else 0)

    def on_unmount(self) -> None:
        if self._filler is not None:
            self._filler.cancel()

    # --- counts --------------------------------------------------------------------------------

    def leaf_count(self, *, everything: bool = False) -> int:
        """Resources without children shown now (everything: in the last snapshot, implicit
        ones counted only with details, as the tree shows them). Leaves inside a collapsed
        node count, made into nodes or not."""
        if everything:
            return self._all_of[2]
        if not self._counted and self._view is not None:  # a partial pass: count them all
            resources = self._snapshot.resources if self._snapshot is not None else ()
            self._shown_leaves = _visible_leaves(resources, self._view)
            self._counted = True
        return self._shown_leaves


class _Lines:
    """The list Tree._build makes (a _TreeLine per shown node), each line made when read."""

    def __init__(self, order: list[TreeNode[str]], show_root: bool, root: TreeNode[str]) -> None:
        self._order = order
        self._top = None if show_root else root
        self._made: dict[int, _TreeLine[str]] = {}

    def __len__(self) -> int:
        return len(self._order)

    def __bool__(self) -> bool:
        return bool(self._order)

    def __iter__(self):
        return (self[i] for i in range(len(self._order)))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._order)))]
        node = self._order[index]  # IndexError as a list's
        line = self._made.get(id(node))
        if line is None:
            path = [node]
            parent = node._parent
            while parent is not None and parent is not self._top:
                path.append(parent)
                parent = parent._parent
            path.reverse()
            line = self._made[id(node)] = _TreeLine(path, node.is_last)
        return line


def _raise(error: Exception) -> None:
    raise error


def _top_of(node: _Node) -> int:
    return node._top


def _view_key(work: _Pass) -> tuple:
    return (work.text_filter, work.options, work.on_node)


def _unclean(snapshot: Snapshot | None) -> frozenset[tuple[str, bool]]:
    """What of the nodes a resource label depends on: which are UNCLEAN, and online."""
    if snapshot is None:
        return frozenset()
    return frozenset((n.name, n.online) for n in snapshot.nodes if n.unclean)


def _touches(resource: Resource, names: frozenset[str]) -> bool:
    return any(name in names for r in resource.walk() for name in r.nodes)


def _visible_leaves(resources, work: _Pass) -> int:
    count = 0
    for resource in resources:
        if not work.visible(resource):
            continue
        kids = shown_children(resource, work.options)
        count += _visible_leaves(kids, work) if kids else 1
    return count


def _all_leaves(resources, details: bool) -> int:
    """Leaves of the whole snapshot, implicit ones only with details (as the tree shows)."""
    count = 0
    for resource in resources:
        if resource.implicit and not details:
            continue
        if resource.children:
            kids = resource.children if details else [c for c in resource.children if not c.implicit]
            count += _all_leaves(kids, details) if kids else 1
        else:
            count += 1
    return count


def _leaves(resources, options: ViewOptions):
    """The leaves themselves (tests count them against _all_leaves' figure)."""
    for resource in resources:
        if resource.implicit and not options.details:
            continue
        children = shown_children(resource, options)
        if children:
            yield from _leaves(children, options)
        else:
            yield resource
