"""The confirm dialog draws a Plan with the one renderer (tui.ops.render): exact commands with
shlex, the done probe, verify and undo, file writes and env-file diffs, all literal."""

from __future__ import annotations

import pytest

from tests import hostile
from tui.ops import actions, render
from tui.ops.plan import EnvFileStep, Plan, RunStep, WriteFileStep
from tui.plaintext import is_safe
from tui.remote.secret import Secret
from tui.ui.screens.confirm import ConfirmPlan, plan_text


def rows_without_title(plan, host):
    return [line for role, line in render.plan_rows(plan, host) if role != render.TITLE]


def test_the_dialog_shows_exactly_the_renderers_rows():
    plan = Plan("p", (
        RunStep("guarded", ("do", "two words"), precondition=("pre",), verify=("post", "x y"), undo=("undo",)),
        WriteFileStep("key", "/etc/pacemaker/authkey", Secret(b"TOPSECRET", "authkey"), mode=0o400),
        EnvFileStep("env", "/etc/sysconfig/pacemaker", set={"PCMK_remote_port": "3122"}, before="# PCMK_remote_port=3121\n"),
    ))
    shown = plan_text(plan, "node1").plain
    assert [line.strip() for line in shown.splitlines()] == [r.strip() for r in rows_without_title(plan, "node1")]
    assert "[node1] $ do 'two words'" in shown
    assert "verify after: $ post 'x y'" in shown and "check first: $ pre" in shown and "undo: $ undo" in shown
    assert "write /etc/pacemaker/authkey (root:root 0400), 9 bytes" in shown and "TOPSECRET" not in shown
    assert "+PCMK_remote_port=3122" in shown


def test_the_dialog_shows_the_done_probe_and_undo_of_an_action():
    shown = ConfirmPlan(actions.standby("rn1"), default_host="node1", cluster="c").commands_text.plain
    assert "skip if: $ crm_attribute --node rn1 --name standby --query --quiet" in shown
    assert "undo: $ crm_attribute --node rn1 --name standby --delete" in shown


@pytest.mark.parametrize("value", [v for v in hostile.ALL if "\x00" not in v], ids=hostile.short)
def test_hostile_names_stay_one_literal_line_each(value):
    for build in (actions.standby, actions.node_maintenance, lambda v: actions.cleanup(v, v)):
        text = plan_text(build(value), value)
        assert is_safe(text.plain, lines=True)
        assert len(text.plain.splitlines()) == len(plan_text(build("x"), "x").plain.splitlines())
        assert not any("link" in str(span.style) or "@click" in str(span.style) for span in text.spans)
