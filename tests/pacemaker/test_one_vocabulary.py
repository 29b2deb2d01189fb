"""One vocabulary: `status`, the TUI and `log` say a node's kind and state, and a command's
outcome, in the same words (tui.pacemaker.vocabulary defines them once)."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.hostile import ALL as HOSTILE, raw_controls, short
from tui.headless import log as log_verb
from tui.headless.status import render_summary
from tui.pacemaker.diff import diff
from tui.pacemaker.model import Node, NodeKind, Snapshot, Summary
from tui.pacemaker.vocabulary import (
    NO_END_WHY,
    NODE_KIND_TITLES,
    NODE_KIND_WORDS,
    Outcome,
    node_state_text,
    outcome,
    outcome_text,
)
from tui.remote.actionlog import ActionRecord
from tui.ui import logview, present

FLAGS = ("online", "standby", "standby_onfail", "maintenance", "pending", "unclean")


def _every_node_state():
    for values in itertools.product((False, True), repeat=len(FLAGS)):
        for running in (0, 2):
            yield Node(name="n1", id="1", kind=NodeKind.CLUSTER, resources_running=running,
                       **dict(zip(FLAGS, values)))


def _status_state(node: Node) -> str:
    text = render_summary(Snapshot(summary=Summary(), nodes=(node,)))
    (line,) = [line for line in text.splitlines() if line.startswith(f"  {node.name}: ")]
    return line.split(": ", 1)[1]


def test_a_pending_node_is_pending_in_status_and_the_tui():
    node = Node(name="n1", id="1", kind=NodeKind.CLUSTER, online=True, pending=True)
    assert _status_state(node) == "pending"
    assert present.node_state(node) == ("pending", "node-pending")


def test_every_node_state_reads_the_same_in_status_and_the_tui():
    for node in _every_node_state():
        assert _status_state(node) == present.node_state(node)[0] == node_state_text(node), node


def test_node_kinds_have_one_title_in_status_and_the_tui():
    assert present.CLUSTER_PANE == NODE_KIND_TITLES[NodeKind.CLUSTER]
    assert present.REMOTE_PANE == NODE_KIND_TITLES[NodeKind.REMOTE]
    assert present.GUEST_PANE == NODE_KIND_TITLES[NodeKind.GUEST]
    assert set(NODE_KIND_TITLES) == set(NODE_KIND_WORDS) == set(NodeKind)
    for pane, kinds in present.PANE_KINDS.items():
        assert pane == NODE_KIND_TITLES[kinds[0]]
    nodes = tuple(Node(name=f"{kind}1", id=str(i), kind=kind) for i, kind in enumerate(NodeKind))
    text = render_summary(Snapshot(summary=Summary(), nodes=nodes))
    for kind in NodeKind:
        assert f"\n{NODE_KIND_TITLES[kind]} (1):\n" in text


def test_events_name_a_node_by_its_kind_word():
    for kind in NodeKind:
        up = Node(name="x1", id="1", kind=kind, online=True)
        down = Node(name="x1", id="1", kind=kind, online=False)
        events = diff(Snapshot(summary=Summary(), nodes=(up,)),
                      Snapshot(summary=Summary(), nodes=(down,)))
        assert events and all(e.message.startswith(f"{NODE_KIND_WORDS[kind]} x1 ") for e in events)


# --- a command's outcome ----------------------------------------------------------------------

# (state, finished event fields) -> the outcome word
RECORDS = [
    ("finished", {"exit_status": 0}, Outcome.OK),
    ("finished", {"exit_status": 2}, Outcome.FAILED),
    ("finished", {"exit_status": 1, "error": "oops"}, Outcome.FAILED),
    ("finished", {"exit_status": None, "error": "no route to host"}, Outcome.FAILED),
    ("finished", {"exit_status": None}, Outcome.FAILED),
    ("finished", {"exit_status": None, "timed_out": True, "error": "timed out after 5s"},
     Outcome.TIMED_OUT),
    ("finished", {"exit_status": -9, "cancelled": True}, Outcome.CANCELLED),
    ("refused", {}, Outcome.REFUSED),
    ("running", {}, Outcome.RUNNING),  # the TUI (live); `log` says NO END RECORDED
]


def _record(state: str, finished: dict) -> ActionRecord:
    started = {"event": "started", "id": "r1", "host": "n1", "argv": ["true"], "time": 100.0}
    if state == "refused":
        return ActionRecord(id="r1", state=state, started={}, finished={"event": "refused", **started})
    if state == "running":
        return ActionRecord(id="r1", state=state, started=started)
    return ActionRecord(id="r1", state=state, started=started,
                        finished={"event": "finished", "duration": 0.5, **finished})


@pytest.mark.parametrize("state, finished, word", RECORDS)
def test_log_and_the_tui_say_a_commands_outcome_in_the_same_words(state, finished, word):
    record = _record(state, finished)
    in_log = log_verb._outcome(record)
    in_tui, _token = logview.state_cell(record, now=101.0)
    if word is Outcome.RUNNING:
        assert in_tui.endswith(f" {Outcome.RUNNING}")
        assert in_log == f"{Outcome.NO_END} ({NO_END_WHY})"  # a log file cannot know it is live
        return
    assert in_log == in_tui == outcome_text(state, finished.get("exit_status"), error=finished.get(
        "error"), timed_out=bool(finished.get("timed_out")), cancelled=bool(finished.get("cancelled")))
    assert in_log.startswith(word.value)
    assert logview.full_text(record, now=101.0).count(f"result:   {in_tui}") == 1


def test_outcome_words_are_the_ones_issue_9_names():
    assert [o.value for o in Outcome] == [
        "ok", "FAILED", "TIMED OUT", "CANCELLED", "REFUSED (read-only)", "running",
        "NO END RECORDED"]
    assert outcome("finished", 0) is Outcome.OK
    assert outcome("finished", 0, timed_out=True) is Outcome.TIMED_OUT  # killed: not ok
    assert outcome_text("finished", 3, error="e") == "FAILED exit 3 (e)"
    assert outcome_text("finished", None) == "FAILED: no exit status"


@pytest.mark.parametrize("hostile", HOSTILE, ids=short)
def test_hostile_errors_reach_neither_log_nor_the_tui_raw(hostile):
    record = _record("finished", {"exit_status": None, "error": hostile})
    assert raw_controls(log_verb._outcome(record)) == []
    # the TUI renders cells as plain text (tui.ui.literal); the word itself stays first
    assert logview.state_cell(record, now=101.0)[0].startswith("FAILED: ")


def test_the_tui_cell_is_cut_to_its_column():
    record = _record("finished", {"exit_status": None, "error": "x" * 200})
    text = logview.state_cell(record, now=101.0)[0]
    assert len(text) == 48 and text.endswith("…") and re.match(r"FAILED: x+…$", text)
