"""The headless verbs in process: names the cluster does not know, the host a plan names,
hostile cluster strings on the terminal, undecodable arguments and unexpected errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests import hostile
from tui import cli
from tui.ops import actions
from tui.plaintext import is_safe
from tui.remote.actionlog import ActionLog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(autouse=True)
def private_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CIB_file", raising=False)


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def changes_recorded(tmp_path) -> list:
    path = tmp_path / "state" / "actions.jsonl"
    if not path.exists():
        return []
    return [r for r in ActionLog(path).records() if r.get("mutates")]


# -- names the cluster does not know: exit 2, named, nothing ran ------------------------------

UNKNOWN = [
    (["standby", "nosuchnode"], "nosuchnode"),
    (["unstandby", "nosuchnode"], "nosuchnode"),
    (["maintenance", "nosuchnode", "on"], "nosuchnode"),
    (["cleanup", "--node", "nosuchnode"], "nosuchnode"),
    (["cleanup", "--resource", "nosuchres"], "nosuchres"),
    (["cleanup", "--resource", "web-server", "--node", "nosuchnode"], "nosuchnode"),
]


@pytest.mark.parametrize("verb", ["plan", "apply"])
@pytest.mark.parametrize("words,name", UNKNOWN, ids=[" ".join(w) for w, _ in UNKNOWN])
def test_an_unknown_node_or_resource_is_named_and_exits_2(capsys, tmp_path, verb, words, name):
    extra = ["--yes"] if verb == "apply" else []
    code, out, err = run_cli(capsys, "--demo", verb, *words, *extra)
    assert code == 2, err
    assert f"'{name}'" in err and "nothing ran" in err
    assert "crm_" not in out  # no plan printed as if it could run
    assert changes_recorded(tmp_path) == []


KNOWN = [
    ["standby", "rn1"], ["unstandby", "node3"], ["maintenance", "gn1", "on"], ["cluster-maintenance", "on"],
    ["cleanup"], ["cleanup", "--node", "node2"], ["cleanup", "--resource", "web-server"],
    ["cleanup", "--resource", "db-clone", "--node", "node1"], ["cleanup", "--resource", "ping"],
]


@pytest.mark.parametrize("words", KNOWN, ids=[" ".join(w) for w in KNOWN])
def test_plan_names_the_node_its_commands_run_on(capsys, tmp_path, words):
    code, out, err = run_cli(capsys, "plan", *words, "--demo")
    assert code == 0, err
    assert "(cluster)" not in out
    hosts = re.findall(r"\[([^\]]+)\] \$ ", out)
    assert hosts and set(hosts) <= {"node1", "node2", "node3"}, out
    assert changes_recorded(tmp_path) == []


@pytest.mark.parametrize("words", KNOWN, ids=[" ".join(w) for w in KNOWN])
def test_apply_runs_on_the_node_the_plan_named(capsys, tmp_path, words):
    # the demo is production: an action whose preview stops something needs its name (issue 13)
    code, out, err = run_cli(capsys, "apply", *words, "--yes", "--confirm-name", "demo-prod", "--demo")
    assert code == 0, err
    (host,) = set(re.findall(r"\[([^\]]+)\] \$ ", out))
    assert f"[ok] {host}: " in out
    (change,) = changes_recorded(tmp_path)
    assert change.get("host") == host and change.get("transport") == "demo"


def test_plan_against_an_unreachable_cluster_says_so_and_exits_3(capsys, monkeypatch, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("clusters:\n  - name: gone\n    nodes:\n      - {name: me, host: localhost, local: true}\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no sh, no crm_mon: nothing answers
    code, out, err = run_cli(capsys, "plan", "standby", "rn1", "--config", str(config))
    assert code == 3
    assert "crm_attribute --node rn1" in out and "cannot check the plan" in err


# -- cluster strings on the terminal: never a raw control ---------------------------------------

def _xml_attr(text: str) -> str:
    # character references keep CR/LF/tab in an attribute (raw ones are normalised to spaces)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def hostile_crm_mon(value: str) -> str:
    """The saved crm_mon fixture with `value` in every node name and every exit reason."""
    text = (FIXTURES / "crm_mon" / "full.xml").read_text()
    text = re.sub(r'exitreason="[^"]*"', f'exitreason="{_xml_attr(value)}"', text)
    return text.replace('"node1"', f'"node1{_xml_attr(value)}"')


def assert_terminal_safe(*texts):
    for text in texts:
        assert hostile.raw_controls(text) == [], [c for c in hostile.raw_controls(text)][:5]


@pytest.mark.parametrize("value", hostile.ALL, ids=hostile.short)
def test_status_summary_of_hostile_crm_mon_xml_is_terminal_safe(capsys, tmp_path, value):
    saved = tmp_path / "mon.xml"
    saved.write_text(hostile_crm_mon(value), encoding="utf-8", errors="surrogateescape")
    code, out, err = run_cli(capsys, "status", "--xml", str(saved))
    assert code in (0, 6), err  # some values (ESC, NUL) are not even XML: "not understood"
    assert_terminal_safe(out, err)
    if code == 0 and is_safe(value) and len(value) < 1000:
        assert f"node1{value}" in out  # plain strings are shown as they are


@pytest.mark.parametrize("value", hostile.ALL, ids=hostile.short)
def test_status_json_of_hostile_crm_mon_xml_stays_exact_and_ascii(capsys, tmp_path, value):
    saved = tmp_path / "mon.xml"
    saved.write_text(hostile_crm_mon(value), encoding="utf-8")
    code, out, err = run_cli(capsys, "status", "--json", "--xml", str(saved))
    assert out.isascii()
    data = json.loads(out)
    if code == 0:
        names = {n["name"] for n in data["nodes"]}
        assert f"node1{value}" in names


@pytest.mark.parametrize("value", hostile.ESCAPES + hostile.LAYOUT + hostile.MARKUP[:2] + hostile.HUGE, ids=hostile.short)
def test_status_error_text_from_the_cluster_is_terminal_safe(capsys, monkeypatch, tmp_path, value):
    """crm_mon's own words (stderr) with OSC/CSI/C1: shown escaped, never raw."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "says").write_bytes(value.encode("utf-8"))
    for tool in ("cibadmin", "crm_mon"):
        script = bin_dir / tool
        script.write_text(f"#!/bin/sh\ncat '{tmp_path / 'says'}' >&2\nexit 102\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    code, out, err = run_cli(capsys, "status")
    assert code == 3
    assert_terminal_safe(out, err)


@pytest.mark.parametrize("value", [v for v in hostile.ALL if "\x00" not in v], ids=hostile.short)
def test_run_output_and_names_are_terminal_safe_and_argv_exact(capsys, tmp_path, value):
    config = tmp_path / "c.yaml"
    config.write_text("clusters:\n  - name: here\n    nodes:\n      - {name: me, host: localhost, local: true}\n")
    code, out, err = run_cli(capsys, "run", "--config", str(config), "--nodes", "me", "--",
                             "python3", "-c", "import sys; sys.stdout.write(sys.argv[1]); sys.stderr.write(sys.argv[1])", value)
    assert_terminal_safe(out, err)
    assert code == 0, err
    records = ActionLog(tmp_path / "state" / "actions.jsonl").records()
    assert [r.get("argv")[-1] for r in records if r.get("mutates")] == [value]  # argv exact


@pytest.mark.parametrize("value", [v for v in hostile.ALL if "\x00" not in v], ids=hostile.short)
def test_plan_and_errors_naming_hostile_names_are_terminal_safe(capsys, value):
    code, out, err = run_cli(capsys, "--demo", "plan", "standby", "--", value)
    assert code == 2
    assert_terminal_safe(out, err)
    for build in (actions.standby, actions.node_maintenance, lambda v: actions.cleanup(v, v)):
        text = build(value).describe(default_host=value)
        assert_terminal_safe(text)
        # a newline in a name cannot add a line
        assert len(text.splitlines()) == len(build("x").describe(default_host="x").splitlines())


@pytest.mark.parametrize("value", [v for v in hostile.ESCAPES + hostile.LAYOUT if "\x00" not in v], ids=hostile.short)
def test_usage_errors_echo_arguments_terminal_safe(capsys, value):
    with pytest.raises(SystemExit) as exit:
        cli.main(["status", value])  # argparse: "unrecognized arguments: ..."
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert_terminal_safe(err)


# -- undecodable bytes in an argument ----------------------------------------------------------

UNDECODABLE = os.fsdecode(b"caf\xe9")  # Latin-1 bytes: argparse hands them over surrogate-escaped


@pytest.mark.parametrize("argv", [
    ["--demo", "run", "--", "echo", UNDECODABLE],
    ["--demo", "run", "--nodes", UNDECODABLE, "--", "true"],
    ["--demo", "apply", "standby", UNDECODABLE, "--yes"],
    ["--demo", "apply", "cleanup", "--resource", UNDECODABLE, "--yes"],
    ["--demo", "plan", "maintenance", UNDECODABLE, "on"],
    ["--cluster", UNDECODABLE, "status"],
], ids=["run-command", "run-nodes", "apply-node", "apply-resource", "plan-node", "cluster"])
def test_undecodable_arguments_are_refused_naming_them(capsys, tmp_path, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert "caf\\xe9" in err and "not UTF-8" in err and "nothing ran" in err
    assert changes_recorded(tmp_path) == []


# -- unexpected errors: one line, the traceback in a crash file ---------------------------------

def test_an_unexpected_error_is_one_line_and_a_crash_file(capsys, monkeypatch, tmp_path):
    def boom(*args, **kwargs):
        raise RuntimeError("something \x1b]0;broke\x07 inside")

    monkeypatch.setattr(cli, "_dispatch", boom)
    code, out, err = run_cli(capsys, "status")
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("pcmk-console: internal error: RuntimeError: something ")
    assert_terminal_safe(err)
    crash = Path(re.search(r"details in (\S+)\)$", line).group(1))
    assert crash.parent == tmp_path / "state"
    assert "Traceback" in crash.read_text() and "boom" in crash.read_text()
    assert crash.stat().st_mode & 0o077 == 0


def test_a_state_dir_that_cannot_be_made_still_gets_a_crash_file_elsewhere(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(blocker / "state"))  # under a file: cannot exist
    monkeypatch.setattr(cli, "_dispatch", lambda *a: 1 / 0)
    code, out, err = run_cli(capsys, "status")
    assert code == 1
    (line,) = err.splitlines()
    assert "internal error: ZeroDivisionError" in line and "state directory could not be written" in line
    crash = Path(re.search(r"details in (\S+?);", line).group(1))
    assert "ZeroDivisionError" in crash.read_text()
    crash.unlink()


@pytest.mark.parametrize("value", [v for v in hostile.ESCAPES + hostile.LAYOUT + hostile.HUGE], ids=hostile.short)
def test_apply_output_of_a_failed_step_is_terminal_safe(capsys, monkeypatch, value):
    """What a failed command said (its stderr, its host) is the cluster's: shown escaped."""
    from tui.ops.engine import PlanResult, StepOutcome
    from tui.remote.transport import CommandResult
    from tui.session import ClusterSession

    async def failing_apply(self, plan, **kwargs):
        step = plan.steps[0]
        result = CommandResult(host=value, argv=step.argv, exit_status=1, stderr=value.encode("utf-8", "surrogatepass"))
        return PlanResult(plan, (StepOutcome(step, value, "run", result),))

    monkeypatch.setattr(ClusterSession, "apply", failing_apply)
    code, out, err = run_cli(capsys, "--demo", "apply", "cleanup", "--yes")
    assert code == 1
    assert "[FAILED] " in out
    assert_terminal_safe(out, err)


# -- no usable state directory: no change runs, one line names it ------------------------------

@pytest.mark.parametrize("argv", [
    ["--demo", "apply", "standby", "node1", "--yes"],
    ["apply", "standby", "node1", "--yes", "--demo"],
    ["--demo", "run", "--", "hostname"],
    ["run", "--demo", "--", "hostname"],
])
@pytest.mark.parametrize("broken", ["not-a-dir", "unmakeable"])
def test_changes_need_a_usable_state_directory(capsys, monkeypatch, tmp_path, argv, broken):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be")
    state = blocker if broken == "not-a-dir" else blocker / "state"
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(state))
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert str(state) in err and "nothing ran" in err and "internal error" not in err
    assert "SUCCESS" not in out and "[ok]" not in out


def test_reads_still_work_without_a_state_directory(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(blocker / "state"))
    code, out, err = run_cli(capsys, "--demo", "status")
    assert code == 0 and "Cluster nodes" in out
