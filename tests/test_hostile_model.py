"""Cluster data is text: the hostile corpus in EVERY string field of the model at once.

tests/hostile.poison puts one hostile value into every text field of a full snapshot (node
names and attributes, resource ids and agents, exit reasons, ticket, ban and fence fields,
the cluster name, condition messages ...). Then every headless rendering of a model runs on
it: the `status` summary, its JSON, the diff events the console notifies about. None may
raise, none may put a raw control character on the terminal, and JSON stays exact. (The
screens get the same poisoned model in tests/ui; the verbs' own inputs in tests/unit.)
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests import hostile
from tests.ui.sample import sample_snapshot
from tui.headless.status import render_summary
from tui.pacemaker.diff import diff
from tui.pacemaker.json_view import outcome_to_dict
from tui.pacemaker.model import Condition, ConditionKind, Unavailable
from tui.plaintext import is_safe

# the corpus value cut down, so a 100k string in ~200 fields stays quick; HUGE keeps its size
VALUES = hostile.ALL


def poisoned(value: str):
    snapshot = sample_snapshot()
    snapshot = dataclasses.replace(
        snapshot, conditions=(Condition(ConditionKind.MALFORMED, "partial output", None, ("detail",)),)
    )
    return hostile.poison(snapshot, value)


def fields_holding(snapshot, value: str) -> int:
    """How many text fields of the JSON view hold the value (so the test knows it poisoned)."""
    def strings(item):
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield key
                yield from strings(inner)
        elif isinstance(item, list):
            for inner in item:
                yield from strings(inner)

    return sum(1 for text in strings(outcome_to_dict(snapshot)) if text.startswith(value))


@pytest.mark.parametrize("value", VALUES, ids=hostile.short)
def test_status_summary_of_a_fully_poisoned_model_is_terminal_safe(value):
    snapshot = poisoned(value)
    assert fields_holding(snapshot, value) > 50  # the poison really reached the model
    text = render_summary(snapshot)
    assert hostile.raw_controls(text) == []
    if is_safe(value) and len(value) < 100:
        assert f"{value}1" in text or value in text  # plain text is shown, not swallowed


@pytest.mark.parametrize("value", VALUES, ids=hostile.short)
def test_status_json_of_a_fully_poisoned_model_is_exact_and_ascii(value):
    snapshot = poisoned(value)
    encoded = json.dumps(outcome_to_dict(snapshot), ensure_ascii=True)
    assert encoded.isascii() and hostile.raw_controls(encoded) == []
    decoded = json.loads(encoded)
    names = {n["name"] for n in decoded["nodes"]}
    assert names == {n.name for n in snapshot.nodes}  # exact, not escaped or cut
    assert decoded["summary"]["cluster_name"] == snapshot.summary.cluster_name


@pytest.mark.parametrize("value", VALUES, ids=hostile.short)
def test_an_unavailable_cluster_with_hostile_words_is_terminal_safe(value):
    outcome = Unavailable(Condition(ConditionKind.COMMAND_FAILED, f"crm_mon said {value}", 1, (value, f"node {value}")))
    text = render_summary(outcome)
    assert hostile.raw_controls(text) == []
    assert "Cluster not available" in text


@pytest.mark.parametrize("value", VALUES, ids=hostile.short)
def test_diff_events_between_poisoned_models_are_terminal_safe_once_shown(value):
    from tui.plaintext import one_line

    before = poisoned(value)
    after = dataclasses.replace(
        before,
        nodes=tuple(dataclasses.replace(n, online=not n.online, unclean=not n.unclean) for n in before.nodes),
        failures=(),
    )
    events = diff(before, after)
    assert events  # the change was seen
    for event in events:
        assert hostile.raw_controls(one_line(event.message)) == []
