"""The headless verbs as a user runs them: a real process, real exit codes, real output."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.remote.actionlog import ActionLog

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
needs_crm_mon = pytest.mark.skipif(not shutil.which("crm_mon"), reason="pacemaker-cli-utils not installed")


def cli(*args, env=None, tmp_path, stdin=None):
    base = dict(os.environ)
    base.pop("CIB_file", None)
    base.update({"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "PCMK_CONSOLE_STATE_DIR": str(tmp_path / "state")})
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=base, cwd=ROOT, timeout=120, input=stdin)


def saved_crm_mon():
    files = sorted((FIXTURES / "crm_mon").glob("full*.xml"))
    assert files, "fixture missing"
    return files[0]


def test_status_json_from_a_saved_crm_mon_output(tmp_path):
    proc = cli("status", "--json", "--xml", str(saved_crm_mon()), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    kinds = {n["name"]: n["kind"] for n in data["nodes"]}
    assert kinds["node1"] == "cluster" and kinds["remote1"] == "remote" and kinds["gn1"] == "guest"
    for key in ("name", "id", "kind", "online", "standby", "maintenance", "unclean", "is_dc", "resources_running"):
        assert key in data["nodes"][0]


def test_saved_output_plus_cib_joins_connection_facts(tmp_path):
    proc = cli("status", "--json", "--xml", str(saved_crm_mon()), "--cib", str(FIXTURES / "cib" / "full.xml"), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    nodes = {n["name"]: n for n in json.loads(proc.stdout)["nodes"]}
    assert (nodes["remote1"]["address"], nodes["remote1"]["port"]) == ("192.0.2.11", 3122)
    assert nodes["gn2"]["address"] == "gn2" and nodes["gn2"]["port"] == 3121  # Pacemaker's defaults


@needs_crm_mon
def test_status_on_CIB_file_runs_local_crm_mon_without_config(tmp_path):
    proc = cli("status", env={"CIB_file": str(FIXTURES / "cib" / "full.xml")}, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Remote nodes (2):" in proc.stdout and "Guest nodes (2):" in proc.stdout
    assert "remote2: UNCLEAN (offline)" in proc.stdout  # crm_mon: "RemoteNode remote2: UNCLEAN (offline)"
    assert "remote1: online (connection remote1, on node1, 192.0.2.11:3122)" in proc.stdout


@needs_crm_mon
def test_cluster_not_reachable_exits_3_with_the_clusters_message(tmp_path):
    proc = cli("status", env={"CIB_file": str(tmp_path / "gone.xml")}, tmp_path=tmp_path)
    assert proc.returncode == 3
    assert "Could not connect to the CIB" in proc.stdout


def test_unreadable_input_file_exits_2_naming_it(tmp_path):
    proc = cli("status", "--xml", str(tmp_path / "nope.xml"), tmp_path=tmp_path)
    assert proc.returncode == 2 and "nope.xml" in proc.stderr


def test_garbage_output_exits_6(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<pacemaker-result api-version='2.25'><nodes><node name=")
    proc = cli("status", "--json", "--xml", str(bad), tmp_path=tmp_path)
    assert proc.returncode == 6
    assert json.loads(proc.stdout)["available"] is False


def test_config_error_exits_2_with_file_line_and_key(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("clusters:\n  - name: a\n    nodes:\n      - {host: x, port: nope}\n")
    proc = cli("--config", str(cfg), "status", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert f"{cfg}:4: clusters[0].nodes[0].port: expected a port number" in proc.stderr


def test_plan_prints_the_exact_command_and_runs_nothing(tmp_path):
    proc = cli("plan", "standby", "rn1", "--demo", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[node1] $ crm_attribute --node rn1 --name standby --update on" in proc.stdout
    log = tmp_path / "state" / "actions.jsonl"
    assert not log.exists() or "crm_attribute" not in log.read_text()


def test_plan_with_an_unknown_node_names_it_and_exits_2(tmp_path):
    proc = cli("plan", "standby", "nosuchnode", "--demo", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "no node named 'nosuchnode'" in proc.stderr and "rn1" in proc.stderr


def test_demo_apply_runs_on_the_demo_never_here(tmp_path):
    bin_dir = tmp_path / "bin"  # a crm_attribute here would leave a mark
    bin_dir.mkdir()
    (bin_dir / "crm_attribute").write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran-here'}\n")
    (bin_dir / "crm_attribute").chmod(0o755)
    path = f"{bin_dir}:{os.environ['PATH']}"
    for argv in (["--demo", "apply", "standby", "rn1", "--yes", "--confirm-name", "demo-prod"],
                 ["apply", "standby", "rn1", "--yes", "--demo", "--confirm-name", "demo-prod"]):
        proc = cli(*argv, tmp_path=tmp_path, env={"PATH": path})
        assert proc.returncode == 0, proc.stderr
        assert "[ok] node1: Set standby=on on rn1" in proc.stdout
    assert not (tmp_path / "ran-here").exists()
    records = [json.loads(line) for line in (tmp_path / "state" / "actions.jsonl").read_text().splitlines()]
    assert {r.get("transport") for r in records if r.get("event") == "started"} == {"demo"}


def test_a_missing_cib_file_says_no_such_file(tmp_path):
    for argv in (["--cib-file", str(tmp_path / "gone.xml")], ["status", "--cib-file", str(tmp_path / "gone.xml")],
                 ["status", "--cib", str(tmp_path / "gone.xml")], ["status", "--xml", str(tmp_path / "gone.xml")]):
        proc = cli(*argv, tmp_path=tmp_path)
        assert proc.returncode == 2, argv
        assert "gone.xml: no such file" in proc.stderr and "No such device" not in proc.stderr + proc.stdout
        assert "Traceback" not in proc.stderr


def test_a_bad_xml_file_is_named_not_malformed_exit_0(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<pacemaker-result api-version='2.25'><nodes><node name=")
    proc = cli("status", "--xml", str(bad), tmp_path=tmp_path)
    assert proc.returncode == 6
    assert f"--xml {bad}: not understood" in proc.stdout
    assert "exit 0" not in proc.stdout


def test_undecodable_bytes_in_run_and_apply_are_refused_end_to_end(tmp_path):
    base = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "cfg"), PCMK_CONSOLE_STATE_DIR=str(tmp_path / "state"))
    for argv in ([b"--demo", b"run", b"--", b"echo", b"caf\xe9"], [b"--demo", b"apply", b"standby", b"rn\xff1", b"--yes"]):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"tui.cli", *argv], capture_output=True, env=base, cwd=ROOT, timeout=120)
        err = proc.stderr.decode("ascii")  # the message itself is plain ASCII: the bytes are shown escaped
        assert proc.returncode == 2, err
        assert "not UTF-8 text; nothing ran" in err and "Traceback" not in err
    log = tmp_path / "state" / "actions.jsonl"
    assert not log.exists() or ActionLog(log).records() == []  # nothing ran, nothing recorded


def test_apply_in_read_only_mode_is_refused_and_runs_nothing(tmp_path):
    proc = cli("--read-only", "apply", "standby", "rn1", "--yes", tmp_path=tmp_path)
    assert proc.returncode == 5 and "read-only" in proc.stderr
    log = tmp_path / "state" / "actions.jsonl"
    assert not log.exists() or "crm_attribute" not in log.read_text()


def test_apply_without_yes_and_without_a_terminal_refuses(tmp_path):
    proc = cli("apply", "cleanup", tmp_path=tmp_path, stdin="y\n")
    assert proc.returncode == 2 and "--yes" in proc.stderr


@pytest.mark.parametrize("argv", [["status", "--demo", "--json"], ["--demo", "status", "--json"]])
def test_status_demo_json(tmp_path, argv):
    proc = cli(*argv, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    kinds = [n["kind"] for n in json.loads(proc.stdout)["nodes"]]
    assert kinds.count("cluster") == 3 and kinds.count("remote") == 2 and kinds.count("guest") == 2
