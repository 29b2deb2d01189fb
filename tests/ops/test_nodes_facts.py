"""ClusterFacts from a real snapshot (the demo's, through the session): what runs on a node
counts every active instance, clones and groups included, and survives the JSON round trip
the journal's recipe takes."""

from __future__ import annotations

from tui.config import Config
from tui.ops.nodes.facts import ClusterFacts, facts_from_snapshot
from tui.session import build_session


async def _demo_facts() -> tuple[ClusterFacts, object]:
    session = build_session(Config(), demo=True, demo_life=False, log=None)
    try:
        result = await session.refresh()
    finally:
        await session.close()
    return facts_from_snapshot(result.snapshot), result.snapshot


async def test_what_runs_on_a_node_includes_clone_instances():
    facts, snap = await _demo_facts()
    for node in snap.nodes:
        if node.kind.value not in ("remote", "guest") or not node.online:
            continue
        expected = {r.id for r in _active_primitives(snap.resources) if node.name in r.nodes}
        assert set(facts.running_on(node.name)) == expected, node.name
        assert len(facts.running_on(node.name)) >= 1, f"the demo runs something on {node.name}"


async def test_facts_survive_the_recipe_json_round_trip():
    facts, _ = await _demo_facts()
    again = ClusterFacts.from_json(facts.to_json())
    assert again == facts
    assert again.running_on("rn2") == facts.running_on("rn2")


def _active_primitives(resources):
    for res in resources:
        if res.kind.value == "primitive" and res.active and not res.implicit:
            yield res
        yield from _active_primitives(res.children)
