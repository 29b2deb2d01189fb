"""What the app and its main screen tell each other, as typed Textual messages.

The app owns the refresh loop, the action log subscription and the plans; the main screen
owns the panes. Neither calls the other's methods by name or reads the other's attributes:
the app posts the facts to the screen (StateChanged, StatusChanged, LogChanged, AuthChanged, Repaint, PlanEvent)
and the screen asks the app to run a plan (PlanRequested), which bubbles up to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from textual.message import Message

from tui.ops.plan import Plan
from tui.pacemaker.model import Snapshot, StatusOutcome


@dataclass(frozen=True)
class ScreenFacts:
    """What does not change while the console runs: given to the screen when it is made."""

    cluster_name: str
    source_label: str | None
    production: bool
    frame_colour: str | None
    read_only: bool
    cursor_blink: bool
    clock: Callable[[], float]
    auth: bool = False  # the app reads the auth view: the node panes show an Auth column


class StateChanged(Message):
    """A refresh ended: the last good snapshot, what this refresh found, the new events."""

    def __init__(self, snapshot: Snapshot | None, outcome: StatusOutcome | None, error: str | None,
                 host: str | None, events: Sequence[tuple[float, Any]], changed: bool) -> None:
        super().__init__()
        self.snapshot, self.outcome, self.error, self.host = snapshot, outcome, error, host
        self.events = tuple(events)
        self.changed = changed  # False: the CIB did not change, only the freshness did


class StatusChanged(Message):
    """The status line's words: freshness (text, stale?) and the labels (DEMO, PAUSED, ...)."""

    def __init__(self, freshness: tuple[str, bool], labels: Sequence[str]) -> None:
        super().__init__()
        self.freshness, self.labels = freshness, tuple(labels)


class LogChanged(Message):
    """The action log's records of this session changed (or a running one ticks)."""

    def __init__(self, records: Mapping[str, Any]) -> None:
        super().__init__()
        self.records = records


class AuthChanged(Message):
    """The auth view was read (tui.ops.certs.authview.collect_auth): every node's NodeAuth,
    or why the read failed (`error`; `nodes` is then None), and the time it was read."""

    def __init__(self, nodes: Sequence[Any] | None, error: str | None, at: float) -> None:
        super().__init__()
        self.nodes = None if nodes is None else tuple(nodes)
        self.error, self.at = error, at


class Repaint(Message):
    """The theme changed: every cell again in the new colours."""


class PlanEvent(Message):
    """An engine event of the running plan (or undo), for the screen's progress line."""

    def __init__(self, event: Any, *, undo: bool) -> None:
        super().__init__()
        self.event, self.undo = event, undo


class PlanRequested(Message):
    """The screen asks the app to confirm and run a plan (bubbles from the screen)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
