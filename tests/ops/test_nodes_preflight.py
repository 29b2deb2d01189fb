"""The preflight runner and its checks without a cluster: a scripted pool answers each argv.
Every check runs even when others fail or a host cannot be reached; levels follow the method;
a check that cannot tell never passes."""

from __future__ import annotations

import pytest

from tui.ops.events import PlanFinished, PlanStarted, StepFinished, StepStarted
from tui.ops.nodes.facts import ClusterFacts, Primitive
from tui.ops.nodes.inputs import AddGuest, AddRemote, RemoveNode
from tui.ops.nodes.preflight import CheckOutcome, preflight, run_checks
from tui.ops.plan import Plan, RunStep
from tui.ops.render import render_plan
from tui.remote.transport import CommandResult, TransportError

FACTS = ClusterFacts(version="2.1.5", cluster_nodes=("node1", "node2"), cluster_online=("node1", "node2"),
                     remote_nodes=("rn1",), node_addresses={"rn1": "10.0.0.21"}, resource_ids=("rn1", "vm"),
                     primitives=(Primitive("rn1", "ocf:pacemaker:remote", ("node1",)),
                                 Primitive("vm", "ocf:heartbeat:VirtualDomain", ())))
KEY = "ab" * 32


class ScriptedPool:
    """answers(host, argv) -> (rc, stdout, stderr) | Exception; records every read."""

    def __init__(self, answers) -> None:
        self.answers, self.ran = answers, []

    async def run(self, host, argv, *, purpose, read=False, **kwargs):
        assert read, f"a preflight only reads: {argv}"
        self.ran.append((host, tuple(argv)))
        answer = self.answers(host, tuple(argv))
        if isinstance(answer, Exception):
            raise answer
        rc, out, err = answer
        return CommandResult(host, tuple(argv), rc, out.encode(), err.encode())


def healthy(host, argv, *, target_key=None, remoted=False):
    if argv[0] == "sha256sum":
        if host == "10.0.0.23":
            return (0, f"{target_key}  {argv[1]}\n", "") if target_key else (1, "", f"sha256sum: {argv[1]}: No such file or directory\n")
        return 0, f"{KEY}  {argv[1]}\n", ""
    if argv[0] == "pgrep":
        return (0, "4242\n", "") if remoted and argv[2] == "pacemaker-remot" and host == "10.0.0.23" else (1, "", "")
    if argv[0] == "test":
        return (0, "", "") if argv[1] == "-x" else (1, "", "")
    if argv[0] == "cibadmin":
        return 105, "", ""
    if argv[0] == "timeout":
        return 1, "", "bash: connect: Connection refused\n"
    if argv[0] == "firewall-cmd":
        return 127, "", "firewall-cmd: not found\n"
    if argv[0] == "cat":
        return 1, "# nothing set\n", "cat: /etc/default/pacemaker: No such file or directory\n"
    if argv[:3] == ("pcs", "pcsd", "status"):
        return 0, "".join(f"  {name}: Online\n" for name in argv[3:]), ""
    if argv[0] == "pcs":
        return 0, "0.11.5\n", ""
    return 0, "", ""


async def outcomes_for(inp, answers=healthy):
    pool = ScriptedPool(answers)
    plan = preflight(inp, FACTS)
    return plan, pool, {o.step_id: o for o in await run_checks(plan, pool, default_host="node1")}


async def test_a_healthy_target_passes_every_check():
    plan, pool, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23", method="direct"))
    assert [o.level for o in got.values()] == ["ok"] * len(plan.steps), {k: o.observed for k, o in got.items() if o.level != "ok"}
    assert {"tcp-from-node1", "tcp-from-node2"} <= set(got)  # one probe from every node that may host it
    assert got["tcp-from-node2"].host == "node2"
    assert dict(got["authkey-cluster"].found)["sha256"] == KEY


async def test_every_check_runs_when_the_target_is_unreachable():
    def down(host, argv):
        return TransportError(host, "No route to host") if host == "10.0.0.23" else healthy(host, argv)
    plan, _, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23"), down)
    assert list(got) == [s.id for s in plan.steps]
    target_checks = [s.id for s in plan.steps if s.host == "10.0.0.23"]
    assert target_checks and all(got[i].level == "fail" for i in target_checks)
    assert got["ssh"].fix and "ssh-copy-id" in got["ssh"].fix
    assert got["authkey-cluster"].level == "ok"  # the cluster side still checked


async def test_a_different_target_key_fails_with_a_fix_and_hashes_only():
    plan, pool, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23"),
                                         lambda h, a: healthy(h, a, target_key="cd" * 32))
    assert got["authkey-target"].level == "fail" and "mv " in got["authkey-target"].fix
    assert not [a for _, a in pool.ran if a[0] == "cat" and "authkey" in " ".join(a)]


@pytest.mark.parametrize("method,level", [("direct", "warn"), ("auto", "warn"), ("pcs", "fail")])
async def test_a_running_remoted_is_a_warning_unless_pcs_is_asked_for(method, level):
    _, _, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23", method=method),
                                   lambda h, a: healthy(h, a, remoted=True))
    assert got["remoted-not-running"].level == level and got["remoted-not-running"].fix


@pytest.mark.parametrize("argv0,step_id", [("pgrep", "no-pacemaker"), ("test", "remote-installed"),
                                           ("test", "no-corosync-conf"), ("cibadmin", "cib-id-free")])
async def test_a_check_that_cannot_tell_does_not_pass(argv0, step_id):
    def missing(host, argv):
        return (127, "", f"{argv0}: not found\n") if argv[0] == argv0 else healthy(host, argv)
    _, _, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23"), missing)
    assert got[step_id].level == "fail" and "cannot tell" in got[step_id].observed


async def test_pcs_checks_are_warnings_for_auto_and_none_for_direct():
    def no_pcs(host, argv):
        return (127, "", "pcs: not found\n") if argv[0] == "pcs" else healthy(host, argv)
    _, _, auto = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23"), no_pcs)
    assert auto["pcs-present"].level == "warn" and "pcs-host-known" in auto
    assert "pcs host auth rn3 addr=10.0.0.23" in auto["pcs-host-known"].fix
    _, _, direct = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23", method="direct"), no_pcs)
    assert "pcs-present" not in direct


async def test_invalid_inputs_give_one_failing_check_and_no_probe():
    plan, pool, got = await outcomes_for(AddRemote(name="3bad", address="a b"))
    assert list(got) == ["inputs"] and got["inputs"].level == "fail"
    assert "name:" in got["inputs"].observed and "address:" in got["inputs"].observed and pool.ran == []


async def test_guest_must_run():
    _, _, got = await outcomes_for(AddGuest(name="gn3", resource="vm", address="10.0.0.23"))
    assert got["guest-running"].level == "fail" and "target-role" in got["guest-running"].fix


async def test_remove_checks_refuse_a_target_that_is_a_cluster_node():
    def cluster_node(host, argv):
        return (0, "77\n", "") if argv[:3] == ("pgrep", "-x", "pacemakerd") else healthy(host, argv)
    _, _, got = await outcomes_for(RemoveNode(name="rn1", kind="remote"), cluster_node)
    assert got["target-not-cluster"].level == "fail"
    assert got["running-on"].level == "ok" and "simulate" in got and "constraints" in got


async def test_run_checks_emits_one_run_and_refuses_changes():
    events = []
    plan = preflight(AddRemote(name="rn3", address="10.0.0.23", method="direct"), FACTS)
    await run_checks(plan, ScriptedPool(healthy), default_host="node1", listeners=[events.append])
    assert isinstance(events[0], PlanStarted) and isinstance(events[-1], PlanFinished)
    assert len({e.run_id for e in events}) == 1
    assert sum(isinstance(e, StepStarted) for e in events) == sum(isinstance(e, StepFinished) for e in events) \
        == len(plan.steps)
    with pytest.raises(ValueError):
        await run_checks(Plan("p", (RunStep("x", ("true",)),)), ScriptedPool(healthy), default_host="node1")


def test_preflight_renders_its_commands():
    text = render_plan(preflight(AddRemote(name="rn3", address="10.0.0.23"), FACTS), "node1")
    assert "[10.0.0.23] check $ pgrep -x pacemakerd" in text
    assert "[node2] check $ timeout 5 bash -c" in text
    assert "firewall-cmd --state" in text and "sha256sum" in text


def test_outcomes_are_json_able():
    import json
    outcome = CheckOutcome("x", "X", "node1", "ok", "seen", None, (("k", "v"),))
    assert json.loads(json.dumps(outcome.to_json()))["found"] == {"k": "v"}


@pytest.mark.parametrize("method,open_ports,level", [
    ("direct", {"3121/tcp"}, "ok"), ("direct", set(), "fail"), ("pcs", {"3121/tcp"}, "fail"),
    ("pcs", {"3121/tcp", "2224/tcp"}, "ok")])
async def test_firewalld_must_let_the_ports_in(method, open_ports, level):
    def firewalld(host, argv):
        if argv[0] != "firewall-cmd":
            return healthy(host, argv)
        if argv[1] == "--state":
            return 0, "running\n", ""
        if argv[1] == "--query-service":
            return 1, "no\n", ""
        return (0, "yes\n", "") if argv[2] in open_ports else (1, "no\n", "")
    _, _, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23", method=method), firewalld)
    assert got["firewall"].level == level
    if level == "fail":
        assert "high-availability" in got["firewall"].fix


async def test_x509_on_the_cluster_is_said_not_hidden():
    def tls(host, argv):
        if argv[0] == "cat" and host in ("node1", "node2"):
            return 0, "PCMK_ca_file=/etc/pki/ca.pem\nPCMK_cert_file=/etc/pki/c.pem\nPCMK_key_file=/etc/pki/k.pem\n", ""
        return healthy(host, argv)
    _, _, got = await outcomes_for(AddRemote(name="rn3", address="10.0.0.23"), tls)
    assert got["authkey-cluster"].level == "warn" and "X.509" in got["authkey-cluster"].observed


async def test_pcs_must_know_every_cluster_node_not_only_the_target():
    """pcs sends the new node to every cluster node's pcsd: one that is not authenticated is a
    failing check for --method pcs (naming it, with the fix), and makes auto pick direct."""
    from tui.ops.nodes.wizards import resolve_method

    def node2_unknown(host, argv):
        if argv[:3] == ("pcs", "pcsd", "status") and len(argv) > 4:
            lines = "".join(f"  {n}: {'Unable to authenticate' if n == 'node2' else 'Online'}\n" for n in argv[3:])
            return 2, lines, ""
        return healthy(host, argv)

    inp = AddRemote(name="rn3", address="10.0.0.23", method="pcs")
    _, _, got = await outcomes_for(inp, node2_unknown)
    check = got["pcs-cluster-known"]
    assert check.level == "fail" and "node2: Unable to authenticate" in check.observed
    assert "pcs host auth node1 node2" in check.fix
    assert got["pcs-host-known"].level == "ok"
    auto = AddRemote(name="rn3", address="10.0.0.23")
    _, _, outcomes = await outcomes_for(auto, node2_unknown)
    assert resolve_method(auto, FACTS, outcomes.values()) == "direct"
    _, _, fine = await outcomes_for(auto, healthy)
    assert fine["pcs-cluster-known"].level == "ok"
    assert resolve_method(auto, FACTS, fine.values()) == "pcs"


async def test_the_guest_vm_is_asked_for_live_so_a_retry_sees_it_started():
    """The snapshot the wizard opened with may predate the VM's start: the check asks
    crm_resource --locate each time it runs (its words: stdout when running, stderr when not,
    exit 0 both)."""
    answers = iter([(0, "", "resource vm is NOT running\n"), (0, "resource vm is running on: node2\n", "")])

    def vm(host, argv):
        if argv[:1] == ("crm_resource",) and "--locate" in argv:
            return next(answers)
        return healthy(host, argv)

    inp = AddGuest(name="gn9", resource="vm", address="10.0.0.23")
    plan = preflight(inp, FACTS)
    pool = ScriptedPool(vm)
    only = Plan(plan.title, tuple(s for s in plan.steps if s.id == "guest-running"))
    first = {o.step_id: o for o in await run_checks(only, pool, default_host="node1")}["guest-running"]
    assert first.level == "fail" and "not running" in first.observed and "target-role" in first.fix
    again = {o.step_id: o for o in await run_checks(only, pool, default_host="node1")}["guest-running"]
    assert again.level == "ok" and "node2" in again.observed
