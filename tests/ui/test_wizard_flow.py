"""The wizard screens' way from the form to a Plan (tui.ui.screens.wizard_flow), Textual-free,
with the stand-in for tui.ops.nodes (tests/ui/wizard_fakes.py)."""

from __future__ import annotations

import pytest

from tests.ui.wizard_fakes import FakeNodes
from tui.ops.plan import Plan, RunStep
from tui.ui.screens import wizard_flow
from tui.ui.screens.wizard_flow import WizardFlow, WizardUnavailable, parse_options


@pytest.fixture
def fake(monkeypatch) -> FakeNodes:
    api = FakeNodes()
    monkeypatch.setattr(wizard_flow, "_nodes_api", api.modules)
    return api


def flow(kind="add-remote") -> WizardFlow:
    return WizardFlow.start(kind, object(), default_host="node1")


def test_options_are_name_value_words():
    assert parse_options('a=1 b="two words" c=') == (("a", "1"), ("b", "two words"), ("c", ""))
    for bad in ("novalue", "=x", 'a="unclosed'):
        with pytest.raises(ValueError):
            parse_options(bad)


def test_build_converts_the_form_and_names_each_bad_field(fake):
    inp, errors = flow().build({"name": "rn3", "address": "", "port": "3122", "options": "x=1", "method": "pcs"})
    assert errors == {} and inp.port == 3122 and inp.address is None and inp.options == (("x", "1"),)
    assert inp.method == "pcs"
    _, errors = flow().build({"name": "rn3", "port": "many", "options": "oops"})
    assert set(errors) == {"port", "options"}  # the form puts each field's label first
    assert errors["port"] == "must be a number 1-65535" and "name=value" in errors["options"]
    _, errors = flow().build({"name": "rn1"})  # the facts: rn1 is a node already
    assert "already" in errors["name"]


def test_remove_wizards_say_which_kind(fake):
    inp, _ = flow("remove-guest").build({"name": "gn1", "remove_authkey": False})
    assert (inp.kind, inp.remove_authkey) == ("guest", False)
    inp, _ = flow("remove-remote").build({"name": "rn1"})
    assert inp.kind == "remote"


def test_a_preflight_that_would_change_something_is_refused(fake, monkeypatch):
    f = flow()
    monkeypatch.setattr(f.wizard, "preflight", lambda inp, facts: Plan("bad", (RunStep("x", ("rm", "-rf", "/")),)))
    inp, _ = f.build({"name": "rn3"})
    with pytest.raises(ValueError, match="would change the cluster"):
        f.preflight(inp)


def test_no_status_or_unknown_kind_is_refused(fake):
    with pytest.raises(WizardUnavailable, match="no cluster status"):
        WizardFlow.start("add-remote", None, default_host="node1")
    with pytest.raises(WizardUnavailable, match="no wizard named"):
        WizardFlow.start("add-things", object(), default_host="node1")


async def test_a_retry_runs_only_the_named_checks(fake):
    f = flow()
    inp, _ = f.build({"name": "rn3"})
    plan = f.preflight(inp)
    outcomes = await f.run_checks(plan, pool=None, only=["tcp"])
    assert [o.step_id for o in outcomes] == ["tcp"]
    assert fake.check_runs == [("tcp",)]
