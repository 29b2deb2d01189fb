"""The demo answers nodecmds.simulate_changes as crm_simulate 2.1.5 does: text and
--output-as=xml, --run and --simulate, --node-down; the live (demo) cluster is untouched."""

from __future__ import annotations

import pytest

from tui.pacemaker import nodecmds as n
from tui.pacemaker.impact import parse_simulate_text, parse_simulate_xml
from tui.pacemaker.xmlsafe import parse_xml
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.render import crm_mon_xml

def sh(sim, host, argv):
    return execute(sim, host, tuple(argv))


STANDBY = ("crm_attribute", "--node", "node1", "--name", "standby", "--update", "on")


def untouched(sim):
    return to_text(full_cib(sim)), crm_mon_xml(sim), {h: dict(m.fs.entries) for h, m in sim.hosts.items()}


@pytest.mark.parametrize("changes, downs", [
    ((STANDBY,), ()),
    ((n.stop_resource("rn1"),), ()),
    ((n.delete_meta("vm-gn1", "remote-node"),), ()),
    ((), ("node2",)),
    ((n.stop_resource("rn1"), STANDBY), ("node2",)),
])
def test_xml_and_text_give_the_same_impact(sim, changes, downs):
    before = untouched(sim)
    rc, xml, err = sh(sim, "node1", n.simulate_changes(changes, nodes_down=downs))
    assert rc == 0, err
    rc, text, _ = sh(sim, "node1", n.simulate_changes(changes, nodes_down=downs, xml=False))
    assert rc == 0
    from_xml, from_text = parse_simulate_xml(xml.encode()), parse_simulate_text(text.encode())
    assert from_xml.computed and from_text.computed, (from_xml.error, from_text.error)
    assert from_xml.actions and from_xml.actions == from_text.actions
    assert untouched(sim) == before


def test_the_xml_document_has_crm_simulates_shape(sim):
    rc, out, err = sh(sim, "node1", n.simulate_changes((STANDBY,), nodes_down=("node2",)))
    root = parse_xml(out)
    assert root.tag == "pacemaker-result" and root.get("api-version") == "2.25"
    assert root.get("request").startswith("crm_simulate --xml-file /tmp/") and "--node-down=node2" in root.get("request")
    assert [child.tag for child in root] == ["cluster_status", "modifications", "actions", "status"]
    assert [c.tag for c in root.find("cluster_status")] == ["nodes", "resources"]
    assert root.find("modifications/modify_node").attrib == {"action": "Offline", "node": "node2"}
    assert root.find("status").attrib == {"code": "0", "message": "OK"}
    assert err == ""  # crm_attribute prints nothing; a change's output would go to stderr here


def test_the_text_has_crm_simulates_sections(sim):
    rc, out, _ = sh(sim, "node1", n.simulate_changes((), nodes_down=("node2",), xml=False))
    assert rc == 0
    assert out.startswith("Current cluster status:\n  * Node List:\n")
    assert "\nPerforming Requested Modifications:\n  * Taking node node2 offline\n\nTransition Summary:\n" in out
    assert "Executing Cluster Transition" not in out and "Revised Cluster Status" not in out  # --run
    summary = out[out.index("Transition Summary:\n"):].splitlines()[1:]
    assert all(line.startswith("  * ") for line in summary)
    # one column for the resource and one for the details, as crm_simulate pads them
    columns = {line.index("(") for line in summary}
    assert len(columns) == 1


def test_a_change_output_goes_to_stderr_for_xml_and_to_stdout_for_text(sim):
    rc, out, err = sh(sim, "node1", n.simulate_changes((n.stop_resource("rn1"),)))
    assert rc == 0 and out.startswith("<pacemaker-result") and err.startswith("Set 'rn1' option:")
    rc, out, err = sh(sim, "node1", n.simulate_changes((n.stop_resource("rn1"),), xml=False))
    assert rc == 0 and out.startswith("Set 'rn1' option:") and err == ""


def test_a_remote_node_down_stops_what_runs_on_it(sim):
    rc, out, _ = sh(sim, "node1", n.simulate_changes((), nodes_down=("rn1",)))
    impact = parse_simulate_xml(out.encode())
    assert rc == 0 and impact.stops == ("worker",)


def test_an_unknown_node_down_aborts_as_crm_simulate_does(sim):
    rc, out, err = sh(sim, "node1", n.simulate_changes((), nodes_down=("zz",)))
    assert rc == 134 and out == "" and "pcmk__inject_node: Triggered fatal assertion" in err
    rc, out, err = sh(sim, "node1", n.simulate_changes((), nodes_down=("zz",), xml=False))
    assert rc == 134 and "  * Taking node zz offline" in out and "Transition Summary" not in out


def test_a_failing_change_says_which_and_changes_nothing(sim):
    before = untouched(sim)
    rc, out, err = sh(sim, "node1", n.simulate_changes((STANDBY, n.stop_resource("nope"))))
    assert rc == 1 and out == "" and "Resource 'nope' not found" in err
    assert "impact preview: the change failed on the copy of the CIB (exit" in err
    assert untouched(sim) == before


def test_a_hostile_word_is_a_word(sim):
    rc, _, err = sh(sim, "node1", n.simulate_changes((n.set_meta("rn1", "x", "$(reboot)'\"; true"),)))
    assert rc == 0, err
    rc, _, err = sh(sim, "node1", ("sh", "-c", n.SIMULATE_SCRIPT, n.SIMULATE_NAME, "xml", "1", "crm_resource 'unterminated"))
    assert rc == 1 and "Unterminated quoted string" in err


def test_the_executed_form_keeps_the_revised_status(sim):
    rc, out, _ = sh(sim, "node1", n.simulate_changes((STANDBY,), xml=False, execute=True))
    assert out.index("Transition Summary:") < out.index("Executing Cluster Transition:") < out.index("Revised Cluster Status:")
    assert "    * Node node1: standby" in out[out.index("Revised Cluster Status:"):]
    rc, out, _ = sh(sim, "node1", n.simulate_changes((STANDBY,), execute=True))
    root = parse_xml(out)
    assert [child.tag for child in root] == ["cluster_status", "actions", "transition", "revised_cluster_status", "status"]
    assert parse_simulate_xml(out.encode()).computed


def test_a_spare_has_no_cib(sim):
    rc, _, err = sh(sim, "rn3", n.simulate_changes((STANDBY,)))
    assert rc == 1 and "Could not connect to the CIB" in err


def test_preflight_reads_the_impact(sim):
    from tui.ops.nodes.preflight import check_simulate
    from tui.remote.transport import CommandResult

    step = check_simulate(n.stop_resource("rn1"), "stopping the connection rn1", version="2.1.5")
    assert step.id == "simulate" and "--output-as=xml" in step.probe
    rc, out, err = sh(sim, "node1", step.probe)
    verdict = step.judge(CommandResult("node1", step.probe, rc, out.encode(), err.encode()))
    assert verdict.level == "ok" and verdict.observed.startswith("stopping the connection rn1: ")
    assert "Stop rn1 (" in verdict.observed and "would end up stopped:" in verdict.observed
    old = check_simulate(n.stop_resource("rn1"), "x", version="2.0.5")
    assert "--output-as=xml" not in old.probe
    rc, out, err = sh(sim, "node1", old.probe)
    assert old.judge(CommandResult("node1", old.probe, rc, out.encode(), err.encode())).observed == verdict.observed.replace(
        "stopping the connection rn1", "x")
    failed = step.judge(CommandResult("node1", step.probe, 1, b"", b"Could not connect to the CIB: x\n"))
    assert failed.level == "warn" and failed.observed.startswith("no preview: could not read the live CIB")


@pytest.mark.parametrize("change", [STANDBY, n.stop_resource("rn1"), n.delete_meta("vm-gn1", "remote-node")])
def test_the_preview_predicts_what_the_demo_then_does(sim, change):
    from tui.sim import simulate

    rc, out, _ = sh(sim, "node1", n.simulate_changes((change,)))
    impact = parse_simulate_xml(out.encode())
    assert rc == 0 and impact.actions
    assert sh(sim, "node1", change)[0] == 0
    simulate._settle(sim)
    after = simulate._placements(sim)
    for a in impact.actions:
        where = after.get(a.resource, {})
        if a.kind == "stop":
            assert a.node not in where, a
        elif a.kind == "move":
            assert a.dest in where and a.source not in where, a
        elif a.kind in ("start", "promote", "demote"):
            assert where.get(a.node) == (a.next_role or "Started"), a
