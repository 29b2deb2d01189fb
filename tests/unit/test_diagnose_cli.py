"""`pcmk-console diagnose NODE [--json]`: exit 0 with a verdict, 2 naming an unknown node,
global options before or after, JSON exact, nothing changed and nothing logged as an action."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_verbs import changes_recorded, private_dirs, run_cli  # noqa: F401 (fixture)


@pytest.mark.parametrize("argv", [
    ["--demo", "diagnose", "rn1"],
    ["diagnose", "rn1", "--demo"],
    ["diagnose", "--demo", "gn1"],
])
def test_demo_diagnosis_prints_the_verdict_first(capsys, tmp_path, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    node = next(a for a in argv if not a.startswith("--") and a != "diagnose")
    assert out.splitlines()[0].startswith(f"{node}: OK: {node} is online")
    assert "evidence:" in out
    assert changes_recorded(tmp_path) == []


def test_json_is_exact_and_complete(capsys):
    code, out, err = run_cli(capsys, "--demo", "diagnose", "rn1", "--json")
    assert code == 0, err
    assert out.isascii()
    data = json.loads(out)
    assert data["node"] == "rn1" and data["kind"] == "remote"
    assert {"verdict", "level", "cause", "fix", "evidence"} <= set(data)
    assert all(set(e) == {"title", "observed", "ok", "host"} for e in data["evidence"])


@pytest.mark.parametrize("node,said", [("nosuchnode", "no node named 'nosuchnode'"),
                                       ("node1", "'node1' is a cluster node")])
def test_not_a_remote_or_guest_node_exits_2_with_one_line(capsys, node, said):
    code, out, err = run_cli(capsys, "--demo", "diagnose", node)
    assert code == 2
    assert out == "" and err.count("\n") == 1 and said in err
    assert err.startswith("pcmk-console diagnose: ")


def test_hostile_node_name_is_escaped(capsys):
    code, out, err = run_cli(capsys, "--demo", "diagnose", "x\x1b]52;c;cHduZWQ=\x07")
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err


def test_read_only_mode_still_diagnoses(capsys):
    code, out, err = run_cli(capsys, "--demo", "--read-only", "diagnose", "rn2")
    assert code == 0, err
    assert out.startswith("rn2: ")
