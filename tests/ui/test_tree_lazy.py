"""The lazy resource tree: nodes made only where shown (a collapsed group's children on
expand), big trees made in slices by a background task, labels made when needed; counts,
filters, in-place updates, expand state and selection as the eager tree had them."""

from __future__ import annotations

import dataclasses

from textual.app import App

from tests.ui.sample import prim, sample_snapshot
from tui.pacemaker.model import Resource, ResourceKind
from tui.ui.present import ViewOptions
from tui.ui.widgets import resource_tree
from tui.ui.widgets.resource_tree import ResourceTree


class TreeApp(App):
    def compose(self):
        yield ResourceTree(id="tree")


def many(n: int, stopped: frozenset[int] = frozenset()) -> tuple[Resource, ...]:
    return tuple(prim(f"app{i:03d}", nodes=() if i in stopped else ["node1"]) for i in range(n))


def with_resources(*resources):
    return dataclasses.replace(sample_snapshot(), resources=tuple(resources))


def shown(tree: ResourceTree) -> list[str]:
    """Resource ids in the order the lines show them."""
    return [tree.get_node_at_line(i).data for i in range(tree.last_line + 1)]


async def test_a_collapsed_group_makes_its_children_on_expand_and_counts_them_before():
    snap = sample_snapshot()
    app = TreeApp()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(ResourceTree)
        tree._collapsed.add("grp-db")  # as if collapsed by the user before this node was made
        tree.sync(snap)
        await pilot.pause()
        group = tree._by_path["grp-db"]
        assert not group.is_expanded and not group.children
        assert "grp-db/db" not in tree._by_path and "grp-db/db-ip" not in tree._by_path
        everything = tree.leaf_count(everything=True)
        assert tree.leaf_count() == everything  # db-ip and db count, nodes or not
        tree.sync(snap, text_filter="pgsql")
        await pilot.pause()
        assert set(tree._by_path) == {"grp-db"} and tree.leaf_count() == 1
        tree.sync(snap)
        await pilot.pause()
        tree.focus()
        tree.move_cursor(tree._by_path["grp-db"])
        await pilot.press("space")
        await pilot.pause()
        assert [c.data for c in tree._by_path["grp-db"].children] == ["db-ip", "db"]
        assert shown(tree)[2:5] == ["grp-db", "db-ip", "db"]
        assert tree.leaf_count(everything=True) == everything


async def test_an_update_below_a_collapsed_group_shows_once_it_is_expanded():
    snap = sample_snapshot()
    app = TreeApp()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(ResourceTree)
        tree._collapsed.add("grp-db")
        tree.sync(snap)
        await pilot.pause()
        stopped = tuple(
            dataclasses.replace(r, children=(r.children[0], prim("db", "ocf:heartbeat:pgsql")))
            if r.id == "grp-db" else r for r in snap.resources)
        tree.sync(dataclasses.replace(snap, resources=stopped))
        await pilot.pause()
        assert "grp-db/db" not in tree._by_path
        tree._by_path["grp-db"].expand()
        await pilot.pause()
        label = tree._by_path["grp-db/db"].label.plain
        assert "Stopped" in label and "node1" not in label


async def test_a_filter_on_a_deep_leaf_shows_it_under_its_parents_only():
    snap = sample_snapshot()
    app = TreeApp()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(ResourceTree)
        tree.sync(snap, text_filter="apache")
        await pilot.pause()
        assert shown(tree) == ["web-bundle", "web-bundle-0", "web"]
        assert tree.leaf_count() == 1
        tree.sync(snap, text_filter="apache", options=ViewOptions(inactive=False))
        await pilot.pause()
        assert set(tree._by_path) == {"web-bundle", "web-bundle/web-bundle-0",
                                      "web-bundle/web-bundle-0/web"}


async def test_a_big_tree_is_made_in_slices_with_exact_counts_meanwhile(monkeypatch):
    monkeypatch.setattr(resource_tree, "MAKE_NODES", 10)
    monkeypatch.setattr(resource_tree, "SYNC_ROWS", 4)
    monkeypatch.setattr(resource_tree, "SLICE_ROWS", 7)
    snap = with_resources(*many(45), Resource("grp", ResourceKind.GROUP, children=many(3)))
    app = TreeApp()
    async with app.run_test(size=(120, 20)) as pilot:
        tree = app.query_one(ResourceTree)
        tree.sync(snap)
        assert tree.settling and len(tree._by_path) == 10  # the first slice, in sync
        assert tree.leaf_count() == 48 and tree.leaf_count(everything=True) == 48
        await tree.settled()
        await pilot.pause()
        assert not tree.settling
        assert shown(tree) == [f"app{i:03d}" for i in range(45)] + ["grp"] + [
            f"app{i:03d}" for i in range(3)]
        nodes = tree._by_path.values()
        assert all(node._row is not None or node._measured for node in nodes)  # exact widths
        assert "app044" in tree._by_path["app044"].label.plain  # labelled when read


async def test_the_background_passes_rebuild_the_lines_once_at_the_end_not_after_each(monkeypatch):
    """A pass and a rebuild ready together held the loop (bench/ui/RESULTS-tree.md, run F):
    between rebuilds (REBUILD_EVERY apart) the lines stay as they were; the last pass lists
    every node."""
    monkeypatch.setattr(resource_tree, "MAKE_NODES", 10)
    monkeypatch.setattr(resource_tree, "REBUILD_EVERY", 3600.0)
    snap = with_resources(*many(200))
    app = TreeApp()
    async with app.run_test(size=(120, 20)) as pilot:
        tree = app.query_one(ResourceTree)
        passes, invalidations = [], []
        real_pass, real_invalidate = tree._pass, tree._invalidate
        monkeypatch.setattr(tree, "_pass", lambda *a, **k: (passes.append(1), real_pass(*a, **k))[1])
        monkeypatch.setattr(tree, "_invalidate", lambda: (invalidations.append(len(passes)), real_invalidate())[1])
        tree.sync(snap)
        await tree.settled()
        await pilot.pause()
        assert len(passes) == 20
        assert invalidations == [1, 20]  # the sync's own pass, then the last one
        assert shown(tree) == [f"app{i:03d}" for i in range(200)]


async def test_an_update_relabels_only_what_changed_and_keeps_the_rest():
    snap = with_resources(*many(30))
    app = TreeApp()
    async with app.run_test(size=(120, 20)) as pilot:
        tree = app.query_one(ResourceTree)
        tree.sync(snap)
        await pilot.pause()
        texts = {path: node.label for path, node in tree._by_path.items()}
        nodes = dict(tree._by_path)
        changed = with_resources(*many(30, stopped=frozenset({7})))  # all new, equal objects
        tree.sync(changed)
        await pilot.pause()
        assert tree.sync_count == 1
        assert dict(tree._by_path) == nodes  # the same nodes
        assert [p for p, node in tree._by_path.items() if node.label is not texts[p]] == ["app007"]
        assert "Stopped" in tree._by_path["app007"].label.plain


async def test_a_filter_deleted_brings_the_same_nodes_back_in_order_and_collapsed():
    snap = with_resources(Resource("grp", ResourceKind.GROUP, children=many(2)), *many(6))
    app = TreeApp()
    async with app.run_test(size=(120, 20)) as pilot:
        tree = app.query_one(ResourceTree)
        tree.sync(snap)
        await pilot.pause()
        tree._by_path["grp"].collapse()
        before = dict(tree._by_path)
        tree.sync(snap, text_filter="app005", force=True)
        await pilot.pause()
        assert set(tree._by_path) == {"app005"}
        tree.sync(snap, force=True)
        await pilot.pause()
        assert shown(tree) == ["grp"] + [f"app{i:03d}" for i in range(6)]  # model order
        assert not tree._by_path["grp"].is_expanded  # still collapsed
        assert all(tree._by_path[p] is node for p, node in before.items())


async def test_selection_survives_refreshes_and_a_leaf_becoming_a_parent():
    snap = sample_snapshot()
    app = TreeApp()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(ResourceTree)
        tree.sync(snap)
        await pilot.pause()
        tree.focus()
        tree.move_cursor(tree._by_path["app-remote"])
        await pilot.pause()
        assert tree.selected_resource() == "app-remote"
        for _ in range(3):
            tree.sync(sample_snapshot())
            await pilot.pause()
        assert tree.selected_resource() == "app-remote"
        assert tree.cursor_node is tree._by_path["app-remote"]
