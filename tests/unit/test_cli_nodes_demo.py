"""The node wizards end to end on the demo cluster, through the CLI: the real checks and
plans of tui.ops.nodes (skipped until those modules are there)."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_targets import recorder  # noqa: F401 (fixture)
from tests.unit.test_verbs import changes_recorded, private_dirs, run_cli  # noqa: F401 (fixture)

pytest.importorskip("tui.ops.nodes.wizards")
pytest.importorskip("tui.ops.nodes.preflight")


@pytest.mark.parametrize("words", [
    ["add-remote", "rn3"],
    ["add-remote", "rn4", "--addr", "10.20.0.24", "--port", "3121", "--reconnect-interval", "1m"],
    ["remove-remote", "rn2"],
    ["remove-guest", "gn2"],
])
def test_plan_on_the_demo_shows_checks_and_plan_and_changes_nothing(capsys, tmp_path, words):
    code, out, err = run_cli(capsys, "--demo", "plan", *words)
    assert code in (0, 1), err  # 1: a check failed, and says which
    assert out.startswith("preflight:") and "method: " in out
    if code == 1:
        assert "check(s) failed" in err
    assert changes_recorded(tmp_path) == []


def test_plan_json_on_the_demo_holds_no_key(capsys):
    from tui.sim import DemoCluster

    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn3", "--json")
    assert code in (0, 1), err
    data = json.loads(out)
    assert data["plan"]["mutates"] is True and data["checks"]
    key = DemoCluster(seed=7, life=False).authkey
    assert key.hex()[:32] not in out and key.decode("latin-1")[:16] not in out


def test_apply_add_remote_on_the_demo_comes_online(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn3", "--yes")
    assert code == 0, out + err
    assert any(line.startswith("run ") for line in out.splitlines())
    assert changes_recorded(tmp_path)
    key = __import__("tui.sim", fromlist=["DemoCluster"]).DemoCluster(seed=7, life=False).authkey
    assert key.hex()[:32] not in out + err


def test_plan_on_a_saved_cib_runs_no_check_on_any_host(recorder, capsys):
    from tests.unit.test_targets import CIB

    code, out, err = run_cli(capsys, "plan", "remove-remote", "rn1", "--cib-file", str(CIB))
    assert code == 0, err
    assert out.startswith("preflight: not run") and "Remove remote node rn1" in out
    assert "the preflight did not run" in err
    assert recorder.kinds() == {"local"} and len(recorder.calls) == 1  # the status read, nothing else


@pytest.mark.parametrize("method", ["pcs", "direct"])
@pytest.mark.parametrize("words, verdict", [
    (["add-remote", "rn3"], "is online"),
    (["add-guest", "gn3", "vm-gn3"], "is online"),
    (["remove-remote", "rn1"], "is gone"),
    (["remove-guest", "gn1"], "is gone"),
])
def test_every_wizard_runs_end_to_end_on_the_demo_by_each_method(capsys, tmp_path, words, verdict, method):
    """The demo answers each wizard's whole plan, by pcs and by the direct method, up to its
    verification (vm-gn3, the spare guest's VM, is up in the demo's one look)."""
    # a removal is cluster-wide: the PRODUCTION demo needs its name
    code, out, err = run_cli(capsys, "--demo", "apply", *words, "--method", method, "--yes",
                             "--confirm-name", "demo-prod")
    assert code == 0, out + err
    assert f"({method}): done" in out
    assert any(verdict.split()[-1] in line and "[ok]" in line for line in out.splitlines()), out
    assert changes_recorded(tmp_path)


def test_add_remote_options_become_meta_attributes_of_the_connection(capsys):
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn3", "--method", "direct",
                             "--option", "priority=10", "--option", "resource-stickiness=100")
    assert code == 0, err
    assert 'name="priority" value="10"' in out and 'name="resource-stickiness" value="100"' in out


@pytest.mark.parametrize("option, words", [("priority", "needs a value"), ("port=1", "has its own field"),
                                           ("remote-node=x", "guest node"), ("bad name=1", "names must be")])
def test_a_bad_add_remote_option_is_refused_naming_it(capsys, tmp_path, option, words):
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn3", "--option", option)
    assert code == 2 and "--option" in err and words in err, err
    assert changes_recorded(tmp_path) == []
