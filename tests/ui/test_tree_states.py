"""The widgets show what crm_mon says about a resource and its node (item 5, on screen):
the tree and node detail pass the snapshot, so a resource on an UNCLEAN node says so and is
not green, and implicit resources stay hidden until details (R) are on."""

from __future__ import annotations

import dataclasses

from tests.ui.helpers import first_refresh, make_app
from tests.ui.sample import FakeSession, prim, sample_snapshot
from tui.pacemaker.model import Resource, ResourceKind


def unclean_node2():
    snap = sample_snapshot()
    nodes = tuple(dataclasses.replace(n, online=False, unclean=True) if n.name == "node2" else n
                  for n in snap.nodes)
    return dataclasses.replace(snap, nodes=nodes)


def tree_labels(app) -> dict[str, str]:
    tree = app._main().query_one("#resource-tree")
    return {path: node.label.plain for path, node in tree._by_path.items()}


async def test_a_resource_on_an_unclean_node_says_unclean_in_the_tree_and_node_detail():
    app = make_app(FakeSession([unclean_node2()]))
    async with app.run_test(size=(160, 50)) as pilot:
        await first_refresh(app, pilot)
        app._main().action_show("resources")
        await pilot.pause()
        labels = tree_labels(app)
        assert "UNCLEAN" in labels["fence-ipmi"] and "UNCLEAN" in labels["vm-guest1"]
        assert "UNCLEAN" not in labels["grp-db/db"]  # node1 is fine
        tree = app._main().query_one("#resource-tree")
        spans = tree._by_path["fence-ipmi"].label.spans
        green = app.theme_variables["node-online"].lower()
        assert not any(green in str(span.style).lower() for span in spans)

        from tui.ui.screens.node_detail import NodeDetail

        snap = unclean_node2()
        app.push_screen(NodeDetail(snap.node("node2"), snap, ()))
        await pilot.pause()
        shown = app.export_screenshot()
        assert "fence-ipmi" in shown
        assert shown.count("UNCLEAN") >= 3  # the node state and its two resources


async def test_a_replica_of_only_implicit_resources_is_a_leaf_until_details_are_on():
    snap = sample_snapshot()
    implicit = dataclasses.replace(prim("db-bundle-ip-0", "ocf:heartbeat:IPaddr2", ["node1"]), implicit=True)
    bundle = Resource("db-bundle", ResourceKind.BUNDLE, container_type="podman", children=(
        Resource("db-bundle-0", ResourceKind.REPLICA, role="Started", active=True, nodes=("node1",),
                 children=(implicit,)),))
    snap = dataclasses.replace(snap, resources=snap.resources + (bundle,))
    app = make_app(FakeSession([snap]))
    async with app.run_test(size=(160, 50)) as pilot:
        await first_refresh(app, pilot)
        main = app._main()
        main.action_show("resources")
        await pilot.pause()
        tree = main.query_one("#resource-tree")
        assert not tree._by_path["db-bundle/db-bundle-0"].allow_expand
        assert "db-bundle/db-bundle-0/db-bundle-ip-0" not in tree._by_path
        hidden_total = tree.leaf_count(everything=True)
        await pilot.press("R")
        await pilot.pause()
        assert tree._by_path["db-bundle/db-bundle-0"].allow_expand
        assert "db-bundle/db-bundle-0/db-bundle-ip-0" in tree._by_path
        assert tree.leaf_count(everything=True) == hidden_total  # the replica leaf became its child
