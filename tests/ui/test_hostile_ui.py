"""Cluster data, config and keyboard input are text, never instructions (issue 8 items 6 and 7).

The shared hostile corpus (tests/hostile.py) is injected into every string field of a Snapshot
(nodes, attributes, resources, failures, history, fencing, tickets, bans, conditions, the
summary), into the action log's records and into the configured cluster's name; every pane is
shown and every dialog opened under the pilot. Then: nothing raised, markup shows literally
(no link, no click action, no extra button), and no raw control character reaches the screen.
"""

from __future__ import annotations

import dataclasses
import itertools
from enum import Enum

import pytest

from tests import hostile
from tests.ui.helpers import first_refresh, make_app, screen_text, until
from tests.ui.sample import FakeCluster, FakeSession, sample_snapshot
from tui.pacemaker.model import Condition, ConditionKind
from tui.ui.screens.confirm import ConfirmPlan
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import TABS, MainScreen
from tui.ui.screens.node_detail import NodeDetail
from tui.ui.screens.text_view import TextView

# the markup an attacker would use, and what must never come of it
ACTIONS = ("screenshot", "screen.confirm", "file:///etc/shadow")


def poisoned(value, values, memo=None):
    """`value` with every str inside (dataclass fields, tuples, dict keys and values) replaced
    by the next hostile string, the same original always by the same one (a resource's node
    names still match the nodes); enums, numbers and booleans kept. (tests.hostile.poison puts
    one value everywhere; this one mixes the corpus across the fields.)"""
    memo = {} if memo is None else memo
    if isinstance(value, Enum) or value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if value not in memo:
            memo[value] = next(values)
        return memo[value]
    if isinstance(value, tuple):
        return tuple(poisoned(v, values, memo) for v in value)
    if isinstance(value, dict):
        return {poisoned(k, values, memo): poisoned(v, values, memo) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        changes = {f.name: poisoned(getattr(value, f.name), values, memo)
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


def hostile_snapshot(offset: int):
    base = sample_snapshot()
    base = dataclasses.replace(base, conditions=(
        Condition(ConditionKind.ERRORS, "condition message"),) + tuple(base.conditions),
        summary=dataclasses.replace(base.summary, with_quorum=False, maintenance_mode=True))
    corpus = hostile.ALL[offset:] + hostile.ALL[:offset]
    # a number keeps names apart (nodes, resources are keyed by them); it follows the value
    values = (f"{v}{i}" for i, v in enumerate(itertools.cycle(corpus)))
    return poisoned(base, values)


def log_events(offset: int):
    values = itertools.cycle(hostile.ALL[offset:] + hostile.ALL[:offset])
    for i in range(len(hostile.ALL)):
        value = next(values)
        yield {"event": "started", "id": f"r{i}", "host": value, "purpose": value,
               "argv": ["crm_attribute", "--node", value], "time": 1_767_225_600.0}
        yield {"event": "finished", "id": f"r{i}", "host": value, "exit_status": 1,
               "error": value, "stdout_excerpt": value, "stderr_excerpt": value,
               "start": 1_767_225_600.0, "duration": 0.5}



def assert_literal(app, where: str) -> str:
    text, styles = screen_text(app)
    assert hostile.raw_controls(text) == [], f"{where}: raw control characters on screen"
    for style in styles:
        meta = style.meta or {}
        click = str(meta.get("@click", ""))
        assert not any(a in click for a in ACTIONS), f"{where}: a cluster string became {click}"
        assert not (style.link and "shadow" in style.link), f"{where}: link {style.link}"
    return text


async def visit_everything(app, pilot, seen: list[str]) -> None:
    main: MainScreen = app._main()
    for tab in TABS:
        main.action_show(tab)
        await pilot.pause()
        seen.append(assert_literal(app, f"tab {tab}"))
    for pane in ("cluster", "remote", "guest"):
        main.action_show(pane)
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodeDetail))
        seen.append(assert_literal(app, f"node detail ({pane})"))
        await pilot.press("escape")
        for key in "sMC":
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
            seen.append(assert_literal(app, f"confirm {key} ({pane})"))
            # the dialog's own two buttons and no other: a title cannot add one
            assert len(app.screen.query("Button")) == 2
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
    await pilot.press("W")
    await until(pilot, lambda: isinstance(app.screen, ConfirmPlan))
    seen.append(assert_literal(app, "confirm W"))
    await pilot.press("n")
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen))
    seen.append(assert_literal(app, "help"))
    await pilot.press("escape")
    main.action_show("log")
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, TextView))
    seen.append(assert_literal(app, "text view"))
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, MainScreen))
    main.action_show("cluster")
    await pilot.press("ctrl+p")
    await until(pilot, lambda: not isinstance(app.screen, MainScreen))
    await pilot.pause(0.3)  # the palette gathers its entries in a worker
    seen.append(assert_literal(app, "palette"))
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, MainScreen))
    # a notification carrying cluster text (a failed apply names the plan: the node's name)
    node = app.snapshot.nodes[0].name
    app.notify(f"standby {node}: failed", title=node)
    await pilot.pause()
    seen.append(assert_literal(app, "notification"))


@pytest.mark.parametrize("offset", [0, 7, 19], ids=lambda o: f"rotation{o}")
async def test_hostile_cluster_data_is_shown_as_text_everywhere(offset):
    cluster = FakeCluster(name=hostile.ALL[offset], production=True)
    app = make_app(FakeSession([hostile_snapshot(offset)], cluster=cluster))
    async with app.run_test(size=(160, 50)) as pilot:
        await first_refresh(app, pilot)
        for event in log_events(offset):
            app._log_event(event)
        seen: list[str] = []
        await visit_everything(app, pilot, seen)
        assert app.is_running
    everything = "\n".join(seen)
    # markup shown as written (these fit the cells they are in)
    for literal in ("[@click=screen.confirm]OK[/]", "[bold red]not bold[/bold red]",
                    "Couldn't find device [/dev/sdb1]"):
        assert literal in everything, literal
    # controls shown as escapes
    assert "\\e]0;PWNED TITLE" in everything or "\\e[2J" in everything


@pytest.mark.parametrize("typed", ["[/", "[bold]", "[@click=app.quit]x[/]", "\\[", "$x"])
async def test_markup_typed_into_the_filter_and_the_prompt_is_literal(typed):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_refresh(app, pilot)
        main: MainScreen = app._main()
        for tab in ("nodes", "resources", "bans", "log"):
            main.action_show(tab)
            await pilot.press("slash", *typed, "enter")
            await pilot.pause()
            assert main.filters[tab] == typed
            text = assert_literal(app, f"filter on {tab}")
            assert f"filter “{typed.lower()}”" in text  # the subtitle names it, literally
            await pilot.press("slash", "escape")
        await pilot.press("colon", *typed, "enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
        await pilot.press("colon", *f"theme {typed}", "enter")
        await pilot.pause()
        assert app.is_running and app.theme == "pcmk-dark"
        messages = [n.message for n in app._notifications]
        assert any(typed in m and "unknown command" in m for m in messages), messages
        assert any(f"no theme {typed!r}" in m for m in messages), messages
        assert_literal(app, "notifications")


async def test_a_hostile_crm_mon_error_reaches_the_banner_and_status_line_escaped():
    from tests.ui.sample import unavailable

    message = "".join(hostile.ESCAPES + hostile.LAYOUT + hostile.MARKUP)
    app = make_app(FakeSession([sample_snapshot(), unavailable(message=message)],
                               ))
    async with app.run_test(size=(200, 40)) as pilot:
        await first_refresh(app, pilot)
        app.refreshed.clear()
        app.action_refresh_now()
        await until(pilot, lambda: app.refresh_count >= 2)
        await pilot.pause()
        text = assert_literal(app, "banner")
        assert "Cluster not reachable: \\e]0;PWNED TITLE" in text
        assert app.is_running
