"""crm_mon.Reuse: a parse that takes what the last parse made from unchanged subtrees gives
exactly the snapshot a parse without it gives, whatever came before."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from tests.pacemaker.conftest import CRM_MON, load
from tui.pacemaker.crm_mon import Reuse, parse_status
from tui.pacemaker.model import Snapshot, Unavailable

OUTPUTS = sorted(p.relative_to(CRM_MON).as_posix() for p in CRM_MON.rglob("*.xml"))
VALUES = ("true", "false", "0", "1", "7", "-1", "", "Started", "Stopped", "Promoted", "node1",
          "node2", "10000ms", "0ms", "monitor", "start", "ocf:pacemaker:Dummy", "x\ny", "INFINITY")


def mutated(data: bytes, rng: random.Random, edits: int) -> bytes:
    """The output with a few random edits anywhere in the document: an attribute set, added
    or removed, an element removed, copied or moved to the end of its parent."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:  # a fixture of what crm_mon printed when it failed
        return data
    elements = [el for el in root.iter() if isinstance(el.tag, str) and el is not root]
    for _ in range(edits):
        if not elements:
            break
        el = rng.choice(elements)
        parent = el.getparent()
        roll = rng.random()
        if roll < 0.45 and el.attrib:
            el.set(rng.choice(list(el.attrib)), rng.choice(VALUES))
        elif roll < 0.55:
            el.set(rng.choice(("managed", "failed", "rc", "call", "standby", "role", "fail-count")),
                   rng.choice(VALUES))
        elif roll < 0.65 and el.attrib:
            del el.attrib[rng.choice(list(el.attrib))]
        elif roll < 0.8 and parent is not None:
            parent.remove(el)
            elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        elif roll < 0.9 and parent is not None:
            parent.append(etree.fromstring(etree.tostring(el, with_tail=False)))
            elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        elif parent is not None:
            parent.append(el)  # moved to the end: the order of resources, nodes, operations
    return etree.tostring(root)


@pytest.mark.parametrize("seed", range(8))
def test_refreshes_with_reuse_equal_parses_without(seed):
    """A run of refreshes, each a few edits away from the one before, and now and then
    another cluster's output altogether: with one Reuse throughout, every parse equals a
    parse of the same output without it."""
    rng = random.Random(seed)
    reuse = Reuse()
    data = load(rng.choice(OUTPUTS))
    hits = 0
    for step in range(40):
        if rng.random() < 0.15:
            data = load(rng.choice(OUTPUTS))
        else:
            data = mutated(data, rng, rng.randint(1, 4))
        before = {id(r) for r in reuse.resources.values()}
        with_reuse = parse_status(data, reuse=reuse)
        assert with_reuse == parse_status(data), f"seed {seed} step {step}"
        if isinstance(with_reuse, Snapshot):
            hits += sum(id(r) in before for r in with_reuse.resources)
    assert hits, "nothing was ever reused: the test would prove nothing"


@pytest.mark.parametrize("name", OUTPUTS)
def test_each_output_parsed_again_from_its_own_reuse_is_the_same(name):
    reuse = Reuse()
    first = parse_status(load(name), reuse=reuse)
    again = parse_status(load(name), reuse=reuse)
    assert again == first == parse_status(load(name))


def test_unchanged_subtrees_give_the_same_objects_and_changed_ones_new():
    reuse = Reuse()
    before = parse_status(load("full.xml"), reuse=reuse)
    assert parse_status(load("full.xml"), reuse=reuse) == before  # every node's history whole
    root = etree.fromstring(load("full.xml"))
    changed = next(el for el in root.find("resources") if el.tag == "resource" and el.get("managed") == "true")
    changed.set("managed", "false")
    node = root.find("node_history")[0]
    operation = node.find("resource_history/operation_history")
    operation.set("rc", "7")
    after = parse_status(etree.tostring(root), reuse=reuse)
    assert isinstance(before, Snapshot) and isinstance(after, Snapshot)

    rid = changed.get("id")
    new = next(r for r in after.resources if r.id == rid)
    assert not new.managed and next(r for r in before.resources if r.id == rid).managed
    # all but the changed one (and the guests' connections: marked by the nodes, made anew)
    kept = [b for b in before.resources if b.id != rid and not b.implicit]
    assert kept and all(any(k is a for a in after.resources) for k in kept)

    node_name = node.get("name")
    rsc = operation.getparent().get("id")
    changed_history = next(h for h in after.history if (h.node, h.resource) == (node_name, rsc))
    assert any(row for row in changed_history.operation_rows if 7 in row)
    others = [h for h in before.history if (h.node, h.resource) != (node_name, rsc)]
    assert others and all(any(h is a for a in after.history) for h in others)


def test_only_the_last_parse_is_kept():
    reuse = Reuse()
    parse_status(load("full.xml"), reuse=reuse)
    root = etree.fromstring(load("full.xml"))
    resources = root.find("resources")
    gone = resources[0]
    resources.remove(gone)
    history = root.find("node_history")
    history.remove(history[0])
    after = parse_status(etree.tostring(root), reuse=reuse)
    assert isinstance(after, Snapshot)
    assert len(reuse.resources) == len(resources)
    assert gone.get("id").encode() not in b"".join(reuse.resources)
    assert len(reuse.node_histories) == len(history)
    assert set(reuse.histories) == {n.get("name") for n in history}
    for node in history:  # each resource's history on a node, carried on though the node was unchanged
        assert len(reuse.histories[node.get("name")]) == len(node.findall("resource_history"))


@pytest.mark.parametrize("bad", [b"<pacemaker-result", b"", b"<other/>", load("not-connected.xml")])
def test_an_output_without_state_leaves_the_reuse_as_it_was(bad):
    reuse = Reuse()
    parse_status(load("full.xml"), reuse=reuse)
    tables = (reuse.resources, reuse.node_histories, reuse.histories)
    assert isinstance(parse_status(bad, reuse=reuse), Unavailable)
    assert (reuse.resources, reuse.node_histories, reuse.histories) == tables
    assert all(a is b for a, b in zip((reuse.resources, reuse.node_histories, reuse.histories), tables))
