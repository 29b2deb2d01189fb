"""`pcmk-console plan|apply` for the resource and node actions (issue 13), in process on the
demo (a `production: true` cluster named demo-prod) and on a saved CIB: the plan with its
impact preview, --json, exit codes, names the cluster does not know, read-only refusal, and
the typed confirmation production asks for (--confirm-name NAME without a terminal)."""

from __future__ import annotations

import builtins
import json
import shutil
import subprocess
import sys

import pytest
from lxml import etree



# the same private XDG/state dirs (autouse) and in-process CLI runner as the other verbs' tests
from tests.unit.test_verbs import changes_recorded as changes, private_dirs, run_cli  # noqa: E402,F401


def test_plan_move_shows_steps_and_the_preview_and_changes_nothing(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "plan", "move", "db-clone", "node1", "--promoted")
    assert code == 0, err
    assert "$ crm_resource --move --resource db-clone --node node1 --promoted" in out
    assert "undo: $ crm_resource --clear --resource db-clone --node node1 --promoted" in out
    assert "preview (crm_simulate" in out and "Promote db" in out
    assert changes(tmp_path) == []


def test_plan_json_carries_the_plan_and_the_impact(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "plan", "disable", "web", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["action"] == "disable"
    (step,) = data["plan"]["steps"]
    assert step["argv"] == ["crm_resource", "--resource", "web", "--meta", "--set-parameter", "target-role",
                            "--parameter-value", "Stopped"]
    assert step["undo"] == ["crm_resource", "--resource", "web", "--meta", "--delete-parameter", "target-role"]
    assert data["plan"]["recipe"]["name"] == "disable"
    impact = data["impact"]
    assert impact["computed"] and set(impact["stops"]) == {"web-ip", "web-fs", "web-server"}
    assert data["confirmation"] == "cluster-name" and not data["cluster_wide"]
    code, out, err = run_cli(capsys, "--demo", "plan", "ban", "web", "node1", "--json")
    data = json.loads(out)
    assert code == 0 and data["plan"]["steps"][0]["argv"][:2] == ["crm_resource", "--ban"]
    assert data["impact"]["computed"] and any(a["kind"] == "move" for a in data["impact"]["actions"])
    assert changes(tmp_path) == []


def test_plan_json_without_placement_change_has_no_impact(capsys):
    code, out, err = run_cli(capsys, "--demo", "plan", "restart", "web", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["impact"] is None and data["plan"]["steps"][0].get("argv")[:2] == ["crm_resource", "--restart"]


def test_clear_names_the_constraints_it_removes(capsys):
    code, out, err = run_cli(capsys, "--demo", "plan", "clear", "web")
    assert code == 0, err
    assert "cli-ban-web-on-node2" in out.splitlines()[0]
    code, out, _ = run_cli(capsys, "--demo", "plan", "clear", "web", "node1")
    assert code == 0 and "none found" in out


def test_fence_names_its_devices_and_clear_failcounts_its_resources(capsys):
    code, out, err = run_cli(capsys, "--demo", "plan", "fence", "node3")
    assert code == 0, err
    assert "by fence-node3" in out and "$ stonith_admin --list node3" in out and "$ stonith_admin --reboot node3" in out
    assert "apply asks for the cluster's name (demo-prod): a production cluster, a cluster-wide action" in out
    code, out, err = run_cli(capsys, "--demo", "plan", "clear-failcounts", "node1")
    assert code == 0 and "$ crm_failcount --delete --resource web-server --node node1" in out
    code, out, err = run_cli(capsys, "--demo", "plan", "clear-failcounts", "node2")
    assert code == 0 and "nothing to do" in out


UNKNOWN = [
    (["move", "nope", "node1"], "no resource named 'nope'"),
    (["move", "web", "nodeX"], "no node named 'nodeX'"),
    (["ban", "web", "nodeX"], "no node named 'nodeX'"),
    (["clear", "nope"], "no resource named 'nope'"),
    (["restart", "web", "--node", "nodeX"], "no node named 'nodeX'"),
    (["meta-set", "nope", "target-role", "Stopped"], "no resource named 'nope'"),
    (["fence", "nodeX"], "no node named 'nodeX'"),
    (["clear-failcounts", "nodeX"], "no node named 'nodeX'"),
    (["promote", "web", "node1"], "'web' is not a promotable clone"),
    (["move", "web", "node1", "--promoted"], "'web' is not a promotable clone"),
]


@pytest.mark.parametrize("verb", ["plan", "apply"])
@pytest.mark.parametrize("words,said", UNKNOWN, ids=[" ".join(w) for w, _ in UNKNOWN])
def test_unknown_names_exit_2_naming_what_exists(capsys, tmp_path, verb, words, said):
    extra = ["--yes", "--confirm-name", "demo-prod"] if verb == "apply" else []
    code, out, err = run_cli(capsys, "--demo", verb, *words, *extra)
    assert code == 2
    assert said in err and "nothing ran" in err
    assert "(nodes: " in err or "(resources: " in err or "(promotable: " in err
    assert changes(tmp_path) == []


def test_read_only_refuses_apply(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "--read-only", "apply", "move", "web", "node3", "--yes")
    assert code == 5 and "read-only" in err and changes(tmp_path) == []


def test_production_needs_the_name_for_what_stops_something(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "disable", "web", "--yes")
    assert code == 2 and "--confirm-name demo-prod" in err and changes(tmp_path) == []
    assert "would end up stopped" in out
    code, out, err = run_cli(capsys, "--demo", "apply", "disable", "web", "--yes", "--confirm-name", "demo")
    assert code == 2 and "not this cluster's name" in err and changes(tmp_path) == []
    code, out, err = run_cli(capsys, "--demo", "apply", "disable", "web", "--confirm-name", "demo-prod")
    assert code == 0, err
    assert "[ok] node1: Set target-role=Stopped on web" in out
    (change,) = changes(tmp_path)
    assert change.get("argv")[:3] == ["crm_resource", "--resource", "web"]


def test_fence_is_cluster_wide_and_needs_the_name(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "fence", "node2", "--yes")
    assert code == 2 and changes(tmp_path) == []
    code, out, err = run_cli(capsys, "--demo", "apply", "fence", "node2", "--yes", "--confirm-name", "demo-prod")
    assert code == 0, err
    assert "[ok] node1: Fence devices that can fence node2" in out and "[ok] node1: Fence node2 (reboot)" in out
    assert [c.get("argv") for c in changes(tmp_path)] == [["stonith_admin", "--reboot", "node2"]]


def test_fencing_the_node_that_answers_asks_another_one(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "fence", "node1", "--yes", "--confirm-name", "demo-prod")
    assert code == 0, err
    assert "[node2] $ stonith_admin --reboot node1" in out and "[ok] node2: Fence node1 (reboot)" in out
    (change,) = changes(tmp_path)
    assert change.get("host") == "node2"


def test_a_harmless_action_keeps_the_one_key_confirm(capsys, tmp_path):
    # node3 is in standby: moving web there changes nothing, nothing stops: --yes is enough
    code, out, err = run_cli(capsys, "--demo", "apply", "move", "web", "node3", "--yes")
    assert code == 0, err
    assert "no resource changes" in out
    assert [c.get("argv")[:2] for c in changes(tmp_path)] == [["crm_resource", "--move"]]


def test_typed_confirmation_at_a_terminal(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked = []

    def typed(answer):
        def fake(prompt=""):
            asked.append(prompt)
            return answer
        return fake

    monkeypatch.setattr(builtins, "input", typed("demo-pro"))
    code, out, err = run_cli(capsys, "--demo", "apply", "disable", "web")
    assert code == 0 and "did not match: nothing ran" in out and changes(tmp_path) == []
    assert asked == ["Type the cluster name (demo-prod) to run: "]
    monkeypatch.setattr(builtins, "input", typed(" demo-prod "))
    code, out, err = run_cli(capsys, "--demo", "apply", "disable", "web")
    assert code == 0, err
    assert "[ok] node1: Set target-role=Stopped on web" in out
    assert len(changes(tmp_path)) == 1


def test_one_key_at_a_terminal_when_no_name_is_needed(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked = []
    monkeypatch.setattr(builtins, "input", lambda prompt="": asked.append(prompt) or "n")
    code, out, err = run_cli(capsys, "--demo", "apply", "unmanage", "web")
    assert code == 0 and "nothing ran" in out and asked == ["Run these commands? [y/N] "]


def test_hostile_values_stay_one_argument(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "plan", "meta-set", "web", "description", "x; reboot $(id)", "--json")
    assert code == 0, err
    step = json.loads(out)["plan"]["steps"][0]
    assert step.get("argv")[-1] == "x; reboot $(id)"


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_cib_file_previews_standby_locally(capsys, tmp_path):
    from tui.sim import build_demo
    from tui.sim.cib import full_cib, to_text

    sim = build_demo(seed=0, clock=lambda: 1_790_000_000.0, life=False)
    sim.dialect = "2.1"
    cib = full_cib(sim)
    empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, timeout=30).stdout
    cib.set("crm_feature_set", etree.fromstring(empty.encode()).get("crm_feature_set"))
    saved = tmp_path / "cib.xml"
    saved.write_text(to_text(cib))
    code, out, err = run_cli(capsys, "--cib-file", str(saved), "plan", "standby", "node1", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["impact"]["computed"], data["impact"]
    assert any(a["kind"] in ("move", "migrate") for a in data["impact"]["actions"])
    code, out, err = run_cli(capsys, "--cib-file", str(saved), "apply", "standby", "node1", "--yes")
    assert code == 5 and changes(tmp_path) == []


@pytest.mark.parametrize("verb", ["plan", "apply"])
def test_a_lifetime_that_is_no_duration_is_refused_before_anything_runs(capsys, tmp_path, verb):
    code, out, err = run_cli(capsys, "--demo", verb, "move", "web", "node3", "--lifetime", "1h")
    assert code == 2 and "not an ISO 8601 duration" in err and "nothing ran" in err
    assert changes(tmp_path) == []
    code, out, err = run_cli(capsys, "--demo", "plan", "ban", "web", "node3", "--lifetime", "PT1H")
    assert code == 0 and "--lifetime PT1H" in out


def test_a_value_that_is_not_utf8_is_refused(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--demo", "apply", "meta-set", "web", "description", "caf\udce9", "--yes")
    assert code == 2 and "not UTF-8" in err and changes(tmp_path) == []
