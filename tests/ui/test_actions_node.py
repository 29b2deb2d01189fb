"""Node detail's own actions of issue 13: F fences (the devices that can act asked first; on a
production cluster the name must be typed), Z clears the node's fail counts."""

from __future__ import annotations

from textual.widgets import Input

from tests.ui.helpers import applied, first_refresh, make_app, until
from tests.ui.sample import FakeCluster, FakeSession, sample_snapshot
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.node_detail import NodeDetail, failcount_resources


def test_failcount_resources_come_from_the_history_of_that_node():
    snap = sample_snapshot()
    assert failcount_resources(snap, "node2") == ("broken",)
    assert failcount_resources(snap, "node1") == ()  # db has history there, no fail count
    assert failcount_resources(None, "node1") == ()


async def open_detail(app, pilot, node: str) -> NodeDetail:
    await first_refresh(app, pilot)
    main = app._main()
    table = main.query_one("#cluster-nodes")
    table.focus()
    table.move_cursor(row=table.get_row_index(node))
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, NodeDetail))
    return app.screen


async def test_z_clears_the_fail_counts_of_the_resources_failed_there():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "node2")
        await pilot.press("Z")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        assert "crm_failcount --delete --resource broken --node node2" in app.screen.commands_text.plain
        await pilot.press("y")
        await applied(app, pilot)
        assert ("node1", ("crm_failcount", "--delete", "--resource", "broken", "--node", "node2")) \
            in app.session.calls


async def test_z_without_fail_counts_says_so_and_runs_nothing():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(app, pilot, "node1")
        await pilot.press("Z")
        await pilot.pause()
        assert app.screen is detail
        assert any("no fail counts on node1" in str(n.message) for n in app._notifications)


async def test_f_on_production_asks_the_devices_then_needs_the_name_typed():
    session = FakeSession(cluster=FakeCluster(name="prod-eu", production=True))
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "node2")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        dialog = app.screen
        # the device list was read first (a read: stonith_admin --list node2)
        assert ("node1", ("stonith_admin", "--list", "node2")) in session.calls
        assert "stonith_admin --reboot node2" in dialog.commands_text.plain
        assert dialog.query_one("#typed", Input).display and not dialog.run_allowed
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog
        assert ("node1", ("stonith_admin", "--reboot", "node2")) not in session.calls
        dialog.query_one("#typed", Input).focus()
        await pilot.press(*"prod-eu", "enter")
        await applied(app, pilot)
        assert any(argv[:2] == ("stonith_admin", "--reboot") for _, argv in session.calls)


async def test_read_only_refuses_f_and_z_with_the_reason():
    app = make_app(FakeSession(read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(app, pilot, "node2")
        await pilot.press("F", "Z")
        await pilot.pause()
        assert app.screen is detail
        messages = [str(n.message) for n in app._notifications]
        assert any("read-only: fence" in m for m in messages)
        assert any("read-only: clear failcounts" in m for m in messages)
        assert not any(argv[0] in ("stonith_admin", "crm_failcount") for _, argv in app.session.calls)


async def test_demo_fence_names_the_device_and_needs_the_name_typed(tmp_path):
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session
    from tests.ui.helpers import next_refresh
    from tests.ui.sample import FakeConfig, frozen_clock

    session = build_session(Config(), demo=True, demo_life=False, clock=frozen_clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    app = make_app(session, FakeConfig())
    async with app.run_test(size=(130, 40)) as pilot:
        await open_detail(app, pilot, "node3")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        dialog = app.screen
        assert dialog.plan.title.startswith("Fence node node3 (reboot) by ")  # the device that acts
        assert "stonith_admin --reboot node3" in dialog.commands_text.plain
        assert dialog.needs_typed and not dialog.run_allowed  # demo-prod is a production cluster
        await until(pilot, lambda: dialog.impact is not None, timeout=15)
        dialog.query_one("#typed", Input).focus()
        await pilot.press(*dialog.cluster, "enter")
        await applied(app, pilot)
        await next_refresh(app, pilot)
        assert any(e.target == "node3" for e in app.snapshot.fence_history)
