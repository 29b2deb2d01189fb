"""`pcmk-console plan|apply add-remote|add-guest|remove-remote|remove-guest`: the CLI around
the node wizards. Invalid input exits 2 naming the field before anything runs; read-only and
"nobody to ask" refuse before anything runs; a failed check makes `plan` exit 1 and `apply`
refuse, naming the check and its fix; `apply --yes` runs the plan journalled and explains a
failed verification with the diagnosis.

The wizard itself (checks and plans: helper A's tui.ops.nodes.{preflight,wizards}) is a
small fake here, so these tests pin the CLI's behaviour; test_cli_nodes_demo.py runs the
real wizards on the demo.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass

import pytest

from tests.hostile import ESCAPES, LAYOUT, raw_controls, short
from tests.unit.test_verbs import changes_recorded, private_dirs, run_cli  # noqa: F401 (fixture)
from tui.ops.plan import CheckStep, Plan, RunStep, WaitStep
from tui.sim.transport import DemoTransport

_REAL_RUN = DemoTransport.run


@pytest.fixture
def calls(monkeypatch):
    """Every command the demo transport was asked to run: (host, argv)."""
    seen: list[tuple[str, tuple[str, ...]]] = []

    async def run(self, argv, **kwargs):
        seen.append((self.host, tuple(argv)))
        return await _REAL_RUN(self, argv, **kwargs)

    monkeypatch.setattr(DemoTransport, "run", run)
    return seen


@dataclass(frozen=True)
class Outcome:
    step_id: str
    title: str
    host: str | None
    level: str
    observed: str
    fix: str | None = None


class FakeWizard:
    """Checks with the levels a test sets; a plan that changes one attribute, then waits."""

    def __init__(self, kind: str, levels=("ok", "ok"), verify_ok=True, preflight_mutates=False):
        self.kind, self.title, self.levels = kind, f"fake {kind}", levels
        self.verify_ok, self.preflight_mutates = verify_ok, preflight_mutates
        self.built = []

    def preflight(self, inp, facts):
        steps = [CheckStep(f"check {i}", ("true",), id=f"c{i}") for i in range(len(self.levels))]
        if self.preflight_mutates:
            steps.append(RunStep("change", ("crm_attribute", "--name", "x", "--update", "1")))
        return Plan(f"preflight {inp.name}", tuple(steps))

    def plan(self, inp, facts, method, outcomes=()):
        self.built.append((inp, method))
        probe = ("true",) if self.verify_ok else ("false",)
        return Plan(f"fake {self.kind} {inp.name}", (
            RunStep("mark rn1", ("crm_attribute", "--node", "rn1", "--name", "fake-wizard", "--update", "on",
                                 "--lifetime", "reboot")),
            WaitStep(f"wait for {inp.name} online", probe, attempts=1, interval=0),
        ), recipe=None)


@pytest.fixture
def wizard(monkeypatch):
    """Install fake tui.ops.nodes.wizards / preflight modules; returns a setter."""
    state = {"wizard": None}

    def use(observed="saw {level}", **kwargs):
        fakes = {k: FakeWizard(k, **kwargs) for k in ("add-remote", "add-guest", "remove-remote", "remove-guest")}
        state["wizard"] = fakes

        async def run_checks(plan, pool, *, default_host, listeners=()):
            w = next(iter(fakes.values()))
            return tuple(Outcome(s.id, s.title, default_host, level, observed.replace("{level}", level),
                                 None if level == "ok" else f"do something about {s.id} {observed}")
                         for s, level in zip(plan.steps, w.levels))

        wizards = types.ModuleType("tui.ops.nodes.wizards")
        wizards.WIZARDS = fakes
        wizards.resolve_method = lambda inp, facts, outcomes: "direct" if inp.method == "auto" else inp.method
        preflight = types.ModuleType("tui.ops.nodes.preflight")
        preflight.run_checks = run_checks
        monkeypatch.setitem(sys.modules, "tui.ops.nodes.wizards", wizards)
        monkeypatch.setitem(sys.modules, "tui.ops.nodes.preflight", preflight)
        return fakes

    return use


# --- refused before anything runs ------------------------------------------------------------

INVALID = [
    (["add-remote", "1node"], "name"),
    (["add-remote", "rn9", "--port", "0"], "port (--port)"),
    (["add-remote", "rn9", "--port", "http"], "port (--port)"),
    (["add-remote", "rn9", "--reconnect-interval", "soon"], "reconnect_interval (--reconnect-interval)"),
    (["add-remote", "rn9", "--addr", "bad host"], "address (--addr)"),
    (["add-guest", "gn9", "1vm"], "resource"),
    (["add-guest", "gn9", "vm-x", "--connect-timeout", "5 minutes"], "connect_timeout (--connect-timeout)"),
    (["add-guest", "gn9", "vm-x", "--port", "70000"], "port (--port)"),
    (["remove-remote", "no'quote"], "name"),
    (["remove-guest", "a b"], "name"),
]


@pytest.mark.parametrize("verb", ["plan", "apply"])
@pytest.mark.parametrize("words,field", INVALID)
def test_invalid_input_exits_2_naming_the_field_and_contacts_nothing(capsys, calls, verb, words, field):
    code, out, err = run_cli(capsys, "--demo", verb, *words, *(["--yes"] if verb == "apply" else []))
    assert code == 2
    assert f": {field}: " in err and err.rstrip().endswith("nothing ran")
    assert calls == []


def test_a_method_that_does_not_exist_is_a_usage_error(capsys, calls):
    with pytest.raises(SystemExit) as exit_:
        run_cli(capsys, "--demo", "plan", "add-remote", "rn9", "--method", "ssh")
    assert exit_.value.code == 2 and "--method" in capsys.readouterr().err and calls == []


@pytest.mark.parametrize("words", [["add-remote", "rn9"], ["add-guest", "gn9", "vm-x"],
                                   ["remove-remote", "rn1"], ["remove-guest", "gn1"]])
@pytest.mark.parametrize("mode", [["--demo", "--read-only"]])
def test_apply_in_read_only_mode_is_refused_before_anything_runs(capsys, calls, tmp_path, words, mode, wizard):
    wizard()
    code, out, err = run_cli(capsys, *mode, "apply", *words, "--yes")
    assert code == 5
    assert "read-only" in err and "nothing ran" in err
    assert calls == []


def test_apply_on_a_saved_cib_is_refused(capsys, wizard):
    from pathlib import Path

    cib = Path(__file__).resolve().parents[1] / "fixtures" / "cib" / "full.xml"
    wizard()
    code, out, err = run_cli(capsys, "apply", "add-remote", "rn9", "--yes", "--cib-file", str(cib))
    assert code == 5 and "a saved CIB is read-only" in err


def test_apply_without_yes_and_no_terminal_is_refused(capsys, calls, monkeypatch, wizard):
    wizard()
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn9")
    assert code == 2 and "--yes" in err and calls == []


# --- the flow, with a fake wizard --------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--demo", "plan", "add-remote", "rn9"],
    ["plan", "add-remote", "rn9", "--demo"],
    ["plan", "--demo", "add-remote", "rn9", "--port", "3122"],
])
def test_plan_prints_the_checks_then_the_plan(capsys, calls, wizard, argv):
    fakes = wizard()
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert out.index("preflight:") < out.index("method: direct") < out.index("fake add-remote rn9")
    assert "[  ok] node1: check 0: saw ok" in out
    assert "$ crm_attribute --node rn1 --name fake-wizard" in out  # the exact command
    assert not any(argv[:1] == ("crm_attribute",) for _, argv in calls)  # shown, not run
    (inp, method), = fakes["add-remote"].built
    assert inp.name == "rn9" and method == "direct"


def test_plan_with_a_failed_check_exits_1_naming_it_and_its_fix(capsys, wizard):
    wizard(levels=("ok", "fail"))
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn9")
    assert code == 1
    assert "[FAIL] node1: check 1: saw fail" in out and "fix: do something about c1 saw" in out
    assert "1 check(s) failed: check 1 (fix: do something about c1 saw {level})" in err
    assert "fake add-remote rn9" in out  # the plan is still shown


def test_a_warning_does_not_fail(capsys, wizard):
    wizard(levels=("warn", "ok"))
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn9")
    assert code == 0, err
    assert "[WARN] node1: check 0: saw warn" in out


def test_plan_json_is_exact(capsys, wizard):
    wizard(levels=("ok", "fail"))
    code, out, err = run_cli(capsys, "--demo", "plan", "add-guest", "gn9", "web-server", "--json", "--addr", "10.0.0.9")
    assert code == 1
    assert out.isascii()
    data = json.loads(out)
    assert data["action"] == "add-guest" and data["ok"] is False and data["method"] == "direct"
    assert data["input"]["name"] == "gn9" and data["input"]["address"] == "10.0.0.9"
    assert [c["level"] for c in data["checks"]] == ["ok", "fail"]
    run_step = data["plan"]["steps"][0]
    assert run_step["argv"][:3] == ["crm_attribute", "--node", "rn1"] and run_step["host"] == "node1"
    assert data["plan"]["mutates"] is True


def test_apply_refuses_when_a_check_fails_and_changes_nothing(capsys, calls, tmp_path, wizard):
    wizard(levels=("fail", "ok"))
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn9", "--yes")
    assert code == 1
    assert "check 0 (fix: do something about c0 saw {level})" in err and "nothing ran" in err
    assert changes_recorded(tmp_path) == []
    assert not any(argv[:1] == ("crm_attribute",) for _, argv in calls)


def test_apply_runs_the_plan_journalled(capsys, tmp_path, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn9", "--yes")
    assert code == 0, err
    run_line = next(line for line in out.splitlines() if line.startswith("run "))
    (change,) = changes_recorded(tmp_path)
    assert change.get("run_id") == run_line.split()[1]
    assert "fake add-remote rn9: done" in out


def test_a_failed_verification_prints_the_diagnosis(capsys, wizard):
    wizard(verify_ok=False)
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn9", "--yes")
    assert code == 1
    assert "[FAILED]" in out and "diagnosis:" in out
    assert out.index("diagnosis:") > out.index("[FAILED]")


def test_a_preflight_that_would_change_the_cluster_is_refused(capsys, calls, wizard):
    wizard(preflight_mutates=True)
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn9")
    assert code == 1 and "would change the cluster" in err
    assert not any(argv[:1] == ("crm_attribute",) for _, argv in calls)


def test_a_collision_the_cluster_shows_exits_2_naming_the_field(capsys, calls, wizard):
    wizard()
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn1")
    assert code == 2 and ": name: " in err and "nothing ran" in err


@pytest.mark.parametrize("value", ESCAPES + LAYOUT, ids=short)
def test_what_the_checks_saw_reaches_the_terminal_escaped(capsys, wizard, value):
    wizard(levels=("fail", "ok"), observed=value)
    code, out, err = run_cli(capsys, "--demo", "plan", "add-remote", "rn9")
    assert code == 1
    assert raw_controls(out + err) == []
    assert out.count("\n") == len(out.splitlines()) and err.count("\n") == 1


@pytest.mark.parametrize("answer,ran", [("n", False), ("", False), ("y", True)])
def test_apply_asks_at_a_terminal(capsys, tmp_path, monkeypatch, wizard, answer, ran):
    wizard()
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt="": asked.append(prompt) or answer)
    code, out, err = run_cli(capsys, "--demo", "apply", "add-remote", "rn9")
    assert code == 0, err
    assert asked[0] == "Run these commands? [y/N] "
    assert bool(changes_recorded(tmp_path)) is ran
    assert ("nothing ran" in out) is not ran
