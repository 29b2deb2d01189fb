"""Screenshots compared with the accepted SVGs in __snapshots__ (pytest-textual-snapshot).

Every app here has a frozen clock, no cursor blink and a fixed terminal size. Regenerate
after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update` and look
at the new SVGs before committing them.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.ui.helpers import first_refresh, make_app
from tests.ui.sample import (
    FROZEN,
    FakeCluster,
    FakeConfig,
    FakeSession,
    frozen_clock,
    sample_snapshot,
    unavailable,
)
from tui.pacemaker.model import ConditionKind


def ready(*keys):
    async def run_before(pilot) -> None:
        await first_refresh(pilot.app, pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
    return run_before


@pytest.mark.parametrize("theme", ["pcmk-dark", "pcmk-light", "pcmk-high-contrast"])
def test_main_screen_per_theme(snap_compare, theme):
    app = make_app(config=FakeConfig(theme=theme))
    assert snap_compare(app, terminal_size=(120, 36), run_before=ready())


def test_narrow_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready())


def test_wide_200x50(snap_compare):
    assert snap_compare(make_app(), terminal_size=(200, 50), run_before=ready())


def test_resources_tree(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=ready("2"))


def test_failures_with_operations_and_timing(snap_compare):
    assert snap_compare(make_app(), terminal_size=(140, 36), run_before=ready("f", "o", "t"))


def test_node_detail(snap_compare):
    async def run_before(pilot) -> None:
        await first_refresh(pilot.app, pilot)
        pilot.app.set_focus(pilot.app._main().query_one("#remote-nodes"))
        await pilot.press("enter")
        await pilot.pause()
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_help(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 50), run_before=ready("question_mark"))


def test_confirm_dialog(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=ready("down", "s"))


def test_read_only(snap_compare):
    app = make_app(FakeSession(read_only=True))
    assert snap_compare(app, terminal_size=(120, 36), run_before=ready("s"))


def test_production_frame_and_demo_label(snap_compare):
    session = FakeSession(demo=True, cluster=FakeCluster(name="prod-eu", production=True))
    assert snap_compare(make_app(session), terminal_size=(120, 36), run_before=ready())


def _with_nodes(snap, **changes_by_node):
    nodes = tuple(dataclasses.replace(n, **changes_by_node.get(n.name, {})) for n in snap.nodes)
    return dataclasses.replace(snap, nodes=nodes)


BANNER_CASES = {
    "quorum": [sample_snapshot(with_quorum=False)],
    "unclean": [_with_nodes(sample_snapshot(), node3={"unclean": True, "online": False})],
    "fencing": [sample_snapshot(stonith_enabled=False)],
    "maintenance": [sample_snapshot(maintenance_mode=True)],
    "versions": [_with_nodes(sample_snapshot(), node2={"feature_set": "3.19.0"})],
    "unreachable": [unavailable(message="Not connected")],
    "privileges": [unavailable(ConditionKind.INSUFFICIENT_PRIVILEGES,
                               "Insufficient privileges", 4)],
}


@pytest.mark.parametrize("case", list(BANNER_CASES))
def test_banner(snap_compare, case):
    app = make_app(FakeSession(BANNER_CASES[case]))
    assert snap_compare(app, terminal_size=(110, 24), run_before=ready())


def _event(kind, record_id, **fields):
    return {"event": kind, "id": record_id, **fields}


def test_action_log_with_finished_failed_and_running_records(snap_compare):
    argv = ["crm_attribute", "--node", "node2", "--name", "standby", "--update", "on"]
    events = [
        _event("started", "r1", time=FROZEN - 30, host="node1", argv=argv,
               purpose="Put node node2 into standby", mutates=True),
        _event("finished", "r1", host="node1", start=FROZEN - 30, end=FROZEN - 29.6,
               duration=0.4, exit_status=0, stdout_excerpt="", stderr_excerpt=""),
        _event("started", "r2", time=FROZEN - 10, host="node1",
               argv=["crm_resource", "--cleanup", "--resource", "broken"],
               purpose="Clean up broken", mutates=True),
        _event("finished", "r2", host="node1", start=FROZEN - 10, end=FROZEN - 8.75,
               duration=1.25, exit_status=1, stdout_excerpt="",
               stderr_excerpt="crm_resource: error: resource broken not found\n"),
        _event("started", "r3", time=FROZEN - 2, host="node2",
               argv=["crm_attribute", "--node", "node3", "--name", "maintenance", "--update",
                     "on"], purpose="Maintenance on for node node3", mutates=True),
    ]

    async def run_before(pilot) -> None:
        await first_refresh(pilot.app, pilot)
        for event in events:
            pilot.app._log_event(event)
        await pilot.press("7")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(140, 24), run_before=run_before)


def test_real_demo_session(snap_compare, tmp_path):
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session

    session = build_session(Config(), demo=True, demo_life=False, clock=frozen_clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    assert snap_compare(make_app(session, FakeConfig()), terminal_size=(130, 40),
                        run_before=ready())
