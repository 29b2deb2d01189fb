"""Resource actions from the Resources pane (issue 13): the menu per resource kind, the node
picker, the meta form, and the plan going through the confirm dialog; on the demo cluster the
move then runs and the status shows the resource where it was moved."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from tests.ui.helpers import applied, first_refresh, make_app, next_refresh, until
from tests.ui.sample import FakeConfig, FakeSession, frozen_clock, sample_snapshot
from tui.pacemaker.model import ResourceKind
from tui.plaintext import is_safe
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.resource_actions import (
    MetaForm,
    NodePicker,
    ResourceActions,
    build_plan,
    check_meta,
    menu_entries,
    node_choices,
    target_for,
)


def ids(entries):
    return [e.id for e in entries]


def entry(target, snap, action):
    return next(e for e in menu_entries(target, snap) if e.id == action)


def argvs(plan):
    return [step.argv for step in plan.steps if hasattr(step, "argv")]


# --- what applies, per kind ---------------------------------------------------------------


def test_a_primitive_gets_the_whole_menu():
    snap = sample_snapshot()
    target = target_for(snap, ["broken"])
    assert target.kind is ResourceKind.PRIMITIVE and target.running_on == ("node2",)
    assert ids(menu_entries(target, snap)) == [
        "move", "ban", "clear", "restart", "disable", "unmanage", "cleanup", "refresh",
        "meta-set", "meta-delete"]


def test_a_disabled_resource_offers_enable_and_an_unmanaged_one_manage():
    snap = sample_snapshot()
    assert "enable" in ids(menu_entries(target_for(snap, ["batch"]), snap))
    target = target_for(snap, ["batch"])
    import dataclasses
    unmanaged = dataclasses.replace(target, resource=dataclasses.replace(target.resource, managed=False))
    assert "manage" in ids(menu_entries(unmanaged, snap)) and "unmanage" not in ids(menu_entries(unmanaged, snap))


def test_a_clone_instance_is_acted_on_through_its_clone_and_is_not_moved():
    snap = sample_snapshot()
    target = target_for(snap, ["ping-clone", "ping"])
    assert target.id == "ping-clone" and target.selected == "ping"
    assert set(target.running_on) == {"node1", "node2"}
    got = ids(menu_entries(target, snap))
    assert "move" not in got and "ban" in got and "restart-on" in got and "promote" not in got


def test_a_promotable_clone_offers_promote_and_demote_on_the_right_nodes():
    import dataclasses

    from tests.ui.sample import prim
    from tui.pacemaker.model import Resource

    db = Resource("db-clone", ResourceKind.CLONE, promotable=True, children=(
        prim("db", nodes=["node1"], role="Promoted"), prim("db", nodes=["node2"], role="Unpromoted")))
    snap = dataclasses.replace(sample_snapshot(), resources=(db,))
    target = target_for(snap, ["db-clone", "db"])
    assert target.promotable and target.promoted_on == ("node1",)
    got = ids(menu_entries(target, snap))
    assert "promote" in got and "demote" in got
    promote = {c.node: c.selectable for c in node_choices(entry(target, snap, "promote"), target, snap)}
    demote = {c.node: c.selectable for c in node_choices(entry(target, snap, "demote"), target, snap)}
    assert promote["node1"] is False and promote["node2"] is True
    assert demote["node1"] is True and demote["node2"] is False
    labels = {c.node: c.label for c in node_choices(entry(target, snap, "ban"), target, snap)}
    assert "promoted here" in labels["node1"] and "unpromoted here" in labels["node2"]


def test_a_bundle_child_is_acted_on_through_the_bundle():
    snap = sample_snapshot()
    target = target_for(snap, ["web-bundle", "web-bundle-0", "web"])
    assert target.id == "web-bundle" and "move" not in ids(menu_entries(target, snap))


def test_a_group_member_is_its_own_target():
    snap = sample_snapshot()
    target = target_for(snap, ["grp-db", "db"])
    assert target.id == "db" and target.parent_id == "grp-db" and "member of group grp-db" in target.describe()
    assert "move" in ids(menu_entries(target, snap))


def test_clear_lists_the_ban_ids_of_the_snapshot():
    snap = sample_snapshot()
    target = target_for(snap, ["grp-db", "db"])
    clear = entry(target, snap, "clear")
    assert clear.constraint_ids == ("cli-ban-db-on-node3",) and "cli-ban-db-on-node3" in clear.label


def test_the_node_picker_marks_placement_and_leaves_out_bundle_nodes():
    snap = sample_snapshot()
    target = target_for(snap, ["broken"])
    choices = node_choices(entry(target, snap, "move"), target, snap)
    by_node = {c.node: c for c in choices}
    assert "web-bundle-0" not in by_node and "node1" in by_node and "remote1" in by_node
    assert by_node["node2"].label.startswith("●") and not by_node["node2"].selectable  # it runs there
    assert "standby" in by_node["node3"].label and "offline" in by_node["remote2"].label


@pytest.mark.parametrize("rid,why", [("fence-ipmi", "a fence device"), ("vm-guest1", "a guest node's VM")])
def test_what_only_cluster_nodes_can_run_is_not_moved_to_a_remote_or_guest_node(rid, why):
    snap = sample_snapshot()
    target = target_for(snap, [rid])
    by_node = {c.node: c for c in node_choices(entry(target, snap, "move"), target, snap)}
    assert by_node["node1"].selectable
    assert not by_node["remote1"].selectable and not by_node["guest1"].selectable
    assert why in by_node["remote1"].label
    # banning it from a remote node stays possible (it says where it must not go)
    assert {c.node: c for c in node_choices(entry(target, snap, "ban"), target, snap)}["remote1"].selectable
    # an ordinary primitive may be moved to a remote node
    plain = target_for(snap, ["broken"])
    assert {c.node: c for c in node_choices(entry(plain, snap, "move"), plain, snap)}["remote1"].selectable


def test_the_meta_form_refuses_empty_names_and_control_characters():
    assert check_meta("", "1") and check_meta("a b", "1") and check_meta("x\x1b[2J", "1")
    assert check_meta("resource-stickiness", "bad\nvalue")
    assert check_meta("resource-stickiness", "100") is None and check_meta("is-managed", None) is None


# --- plans (the builders are tui.ops.actions': here only which one and with what) ------------


def test_the_plans_built_name_the_resource_node_and_version():
    snap = sample_snapshot()
    target = target_for(snap, ["broken"])
    move = build_plan(entry(target, snap, "move"), target, node="node1", version="2.1.5")
    assert ("crm_resource", "--move", "--resource", "broken", "--node", "node1") in argvs(move)
    assert move.preview is not None
    ban = build_plan(entry(target, snap, "ban"), target, node="node1", version="2.1.5")
    assert ("crm_resource", "--ban", "--resource", "broken", "--node", "node1") in argvs(ban)
    meta = build_plan(entry(target, snap, "meta-set"), target, name="resource-stickiness", value="100")
    assert ("crm_resource", "--resource", "broken", "--meta", "--set-parameter", "resource-stickiness",
            "--parameter-value", "100") in argvs(meta)
    with pytest.raises(ValueError):
        build_plan(entry(target, snap, "move"), target)  # no node


# --- the pilot ------------------------------------------------------------------------------


def tree_node(app, *path):
    tree = app._main().query_one("#resource-tree")
    nodes = tree.root.children
    found = None
    for rid in path:
        found = next(n for n in nodes if n.data == rid)
        if not found.is_expanded and found.allow_expand:
            found.expand()
        nodes = found.children
    return tree, found


async def select_resource(app, pilot, *path):
    await pilot.press("2")
    await pilot.pause()
    tree, node = tree_node(app, *path)
    await pilot.pause()
    tree.move_cursor(node)
    tree.focus()
    await pilot.pause()
    return tree


async def choose(pilot, option_list: OptionList, index: int):
    option_list.highlighted = index
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_x_opens_the_menu_and_a_move_is_confirmed_with_its_exact_command():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await select_resource(app, pilot, "broken")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        menu = app.screen
        options = menu.query_one(OptionList)
        await choose(pilot, options, options.get_option_index("move"))
        await until(pilot, lambda: isinstance(app.screen, NodePicker))
        picker = app.screen
        index = next(i for i, c in enumerate(picker.choices) if c.node == "node1")
        await choose(pilot, picker.query_one(OptionList), index)
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        shown = app.screen.commands_text.plain
        assert "crm_resource --move --resource broken --node node1" in shown
        await pilot.press("n")
        await pilot.pause()
        assert not any(argv[:2] == ("crm_resource", "--move") for _, argv in app.session.calls)


async def test_enter_on_a_leaf_opens_the_menu_and_on_a_group_expands_it():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        tree = await select_resource(app, pilot, "grp-db")
        _, group = tree_node(app, "grp-db")
        was = group.is_expanded
        await pilot.press("enter")
        await pilot.pause()
        assert group.is_expanded != was and not isinstance(app.screen, ResourceActions)
        await select_resource(app, pilot, "grp-db", "db")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        assert app.screen.target.id == "db"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ResourceActions)


async def test_meta_set_asks_name_and_value_and_shows_the_command():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await select_resource(app, pilot, "broken")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        options = app.screen.query_one(OptionList)
        await choose(pilot, options, options.get_option_index("meta-set"))
        await until(pilot, lambda: isinstance(app.screen, MetaForm))
        form = app.screen
        await pilot.press("enter")  # no name yet: the form says so and stays
        await pilot.pause()
        form.query_one("#name", Input).focus()
        await pilot.press(*"resource-stickiness", "enter", *"100", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        assert ("crm_resource --resource broken --meta --set-parameter resource-stickiness "
                "--parameter-value 100") in app.screen.commands_text.plain
        await pilot.press("y")
        await applied(app, pilot)
        assert ("node1", ("crm_resource", "--resource", "broken", "--meta", "--set-parameter",
                          "resource-stickiness", "--parameter-value", "100")) in app.session.calls


async def test_read_only_refuses_the_menu_with_the_reason():
    app = make_app(FakeSession(read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await select_resource(app, pilot, "broken")
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ResourceActions)
        assert any("read-only" in str(n.message) and "resource actions" in str(n.message)
                   for n in app._notifications)
        await pilot.press("enter")  # enter on the leaf: refused the same way
        await pilot.pause()
        assert not isinstance(app.screen, ResourceActions)


async def test_hostile_resource_ids_are_literal_in_the_menu():
    import dataclasses

    from tests.ui.sample import prim

    evil = "[@click=app.quit]x[/]\x1b[31m"
    snap = dataclasses.replace(sample_snapshot(), resources=(prim(evil, nodes=["node1"]),))
    app = make_app(FakeSession([snap]))
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        await select_resource(app, pilot, evil)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        options = app.screen.query_one(OptionList)
        for i in range(options.option_count):
            prompt = str(options.get_option_at_index(i).prompt)
            assert is_safe(prompt) and "[@click=app.quit]" in prompt


# --- on the demo cluster ---------------------------------------------------------------------


def demo_app(tmp_path):
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session

    session = build_session(Config(), demo=True, demo_life=False, clock=frozen_clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    return make_app(session, FakeConfig())


def placement(app, rid):
    return next(r.nodes for r in app.snapshot.all_resources() if r.id == rid)


async def test_demo_move_runs_after_confirming_and_the_status_follows(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await first_refresh(app, pilot)
        before = placement(app, "memcached")
        await select_resource(app, pilot, "memcached")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        options = app.screen.query_one(OptionList)
        await choose(pilot, options, options.get_option_index("move"))
        await until(pilot, lambda: isinstance(app.screen, NodePicker))
        picker = app.screen
        index, dest = next((i, c.node) for i, c in enumerate(picker.choices)
                           if c.selectable and c.node.startswith("node") and c.node not in before)
        await choose(pilot, picker.query_one(OptionList), index)
        await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
        dialog = app.screen
        assert f"crm_resource --move --resource memcached --node {dest}" in dialog.commands_text.plain
        await until(pilot, lambda: dialog.impact is not None, timeout=15)
        await pilot.pause()
        if dialog.needs_typed:  # the demo is a production cluster
            dialog.query_one("#typed", Input).focus()
            await pilot.press(*dialog.cluster)
            await pilot.pause()
        assert dialog.run_allowed
        await pilot.click("#run")
        await applied(app, pilot)
        await next_refresh(app, pilot)
        assert placement(app, "memcached") == (dest,)


# --- pictures ----------------------------------------------------------------------------------


def _menu_then(*keys):
    async def run_before(pilot) -> None:
        from tests.ui.helpers import without_toasts

        app = pilot.app
        await first_refresh(app, pilot)
        await select_resource(app, pilot, "grp-db", "db")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ResourceActions))
        if keys:
            options = app.screen.query_one(OptionList)
            await choose(pilot, options, options.get_option_index(keys[0]))
            await until(pilot, lambda: isinstance(app.screen, NodePicker))
        await without_toasts(app, pilot)
    return run_before


def test_menu_picture(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=_menu_then())


def test_node_picker_picture(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=_menu_then("move"))


async def _run_from_menu(app, pilot, path, action, node=None):
    """Open the menu on path, choose action (and node), confirm (typing the name when the
    dialog asks for it), wait for the run and the next status."""
    await select_resource(app, pilot, *path)
    await pilot.press("x")
    await until(pilot, lambda: isinstance(app.screen, ResourceActions))
    menu = app.screen
    options = menu.query_one(OptionList)
    label = str(options.get_option_at_index(options.get_option_index(action)).prompt)
    await choose(pilot, options, options.get_option_index(action))
    if node is not None:
        await until(pilot, lambda: isinstance(app.screen, NodePicker))
        picker = app.screen
        index = next(i for i, c in enumerate(picker.choices) if c.node == node)
        await choose(pilot, picker.query_one(OptionList), index)
    await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
    dialog = app.screen
    if dialog.has_preview:
        await until(pilot, lambda: dialog.impact is not None, timeout=15)
        await pilot.pause()
    if dialog.needs_typed:
        dialog.query_one("#typed", Input).focus()
        await pilot.press(*dialog.cluster)
        await pilot.pause()
    finished = app.plans_finished
    await pilot.click("#run")
    await applied(app, pilot, finished + 1)
    await next_refresh(app, pilot)
    return label, dialog


async def test_demo_ban_then_clear_lists_and_removes_the_constraint(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await first_refresh(app, pilot)
        where = placement(app, "memcached")[0]
        _, dialog = await _run_from_menu(app, pilot, ["memcached"], "ban", where)
        assert f"crm_resource --ban --resource memcached --node {where}" in dialog.commands_text.plain
        bans = [b.id for b in app.snapshot.bans if b.resource == "memcached"]
        assert bans and where not in placement(app, "memcached")
        label, dialog = await _run_from_menu(app, pilot, ["memcached"], "clear")
        assert all(ban in label for ban in bans)  # the menu named the constraints it removes
        assert "crm_resource --clear --resource memcached" in dialog.commands_text.plain
        assert not [b for b in app.snapshot.bans if b.resource == "memcached"]


async def test_demo_promote_moves_the_promoted_role(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await first_refresh(app, pilot)
        target = target_for(app.snapshot, ["db-clone"])
        assert target.promotable and len(target.promoted_on) == 1
        other = next(n for n in target.running_on if n not in target.promoted_on)
        _, dialog = await _run_from_menu(app, pilot, ["db-clone"], "promote", other)
        assert "--promoted" in dialog.commands_text.plain or "--master" in dialog.commands_text.plain
        assert target_for(app.snapshot, ["db-clone"]).promoted_on == (other,)
