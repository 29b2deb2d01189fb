"""tui.ops.nodes.diagnose: a verdict for every remote/guest node, from the status and
read-only probes; each cause judged, an unreachable target is evidence, never a crash.

Two kinds of test: on the demo simulator (the probes as the lab runs them; skipped where the
simulator does not answer a probe yet, exit 127) and with a small scripted pool that answers
each probe as a real host could (timeouts, SSH refused, X.509), to reach every cause.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from tests.hostile import ALL, raw_controls, short
from tui.ops.nodes.diagnose import (
    Diagnosis,
    NotDiagnosable,
    UnknownNode,
    diagnose,
    render_diagnosis,
)
from tui.pacemaker import nodecmds
from tui.pacemaker.model import Failure, Node, NodeKind, Resource, ResourceKind, Snapshot, Summary
from tui.remote.transport import CommandResult, TransportError

KEY = "25aee226c4f875dd04eb132ae458fc393acada0d39b785fe11033843cdf4593e"
OTHER = "a2e659dacb4691e8" + "0" * 48


# --- a scripted pool --------------------------------------------------------------------------

class Pool:
    """Answers each probe from `answer(host, argv) -> (status, stdout, stderr)` (or raises
    TransportError); records every call and refuses anything that is not a read."""

    def __init__(self, answer):
        self.answer = answer
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    async def run(self, host, argv, *, purpose, read=False, timeout=None, **kwargs):
        assert read is True and not kwargs.get("mutates"), f"not a read: {argv}"
        argv = tuple(argv)
        self.calls.append((host, argv))
        status, out, err = self.answer(host, argv)
        return CommandResult(host, argv, status, out.encode(), err.encode())

    def ran(self, host: str, name: str) -> list[tuple[str, ...]]:
        return [argv for h, argv in self.calls if h == host and name in argv]


def healthy(host, argv, *, key=KEY, target="rn1", env="", remoted=True, tcp=0, logs=""):
    """A host that answers like a working cluster with one remote; keyword overrides."""
    if argv == nodecmds.reachable():
        return 0, "", ""
    if argv[:1] == ("pgrep",):
        return (0, "4242\n", "") if remoted else (1, "", "")
    if argv[:1] == ("cat",):
        return (0, env, "") if env else (1, "", "cat: /etc/default/pacemaker: No such file or directory\n")
    if argv[:1] == ("sha256sum",):
        return 0, f"{key if host == target else KEY}  {argv[1]}\n", ""
    if argv[:1] == ("timeout",):
        return tcp, "", "" if tcp == 0 else "bash: connect: Connection refused\n"
    if argv[:2] == ("sh", "-c"):
        return (0, logs, "") if logs else (1, "", "")
    return 127, "", f"sh: {argv[0]}: not found\n"


def remote(name="rn1", online=False, *, address="10.0.0.21", conn_role="Stopped", conn_nodes=(),
           target_role=None, failures=(), kind=NodeKind.REMOTE, container=None, container_role="Started"):
    nodes = [Node(f"node{i}", str(i), NodeKind.CLUSTER, online=True) for i in (1, 2, 3)]
    conn_id = name
    nodes.append(Node(name, name, kind, online=online, connection_resource=conn_id,
                      container_resource=container, address=address, port=3121,
                      host=conn_nodes[0] if conn_nodes else None,
                      reconnect_interval="60s" if kind is NodeKind.REMOTE else None))
    resources = [Resource(conn_id, ResourceKind.PRIMITIVE, agent="ocf:pacemaker:remote", role=conn_role,
                          active=conn_role == "Started", nodes=tuple(conn_nodes), target_role=target_role,
                          implicit=kind is not NodeKind.REMOTE)]
    if container:
        resources.append(Resource(container, ResourceKind.PRIMITIVE, agent="ocf:heartbeat:VirtualDomain",
                                  role=container_role, active=container_role == "Started",
                                  nodes=("node1",) if container_role == "Started" else ()))
    return Snapshot(Summary(), nodes=tuple(nodes), resources=tuple(resources), failures=tuple(failures))


def key_failure(name="rn1", node="node2", reason="Key was rejected by service"):
    return Failure(f"{name}_start_0", node, resource=name, task="start", exit_status="error",
                   exit_reason=reason, status="complete")


def run(pool, snapshot, node="rn1", **kwargs) -> Diagnosis:
    return asyncio.run(diagnose(pool, snapshot, node, default_host="node1", **kwargs))


# --- causes, with the scripted pool -------------------------------------------------------------

def test_online_node_is_online_with_its_evidence():
    pool = Pool(healthy)
    d = run(pool, remote(online=True, conn_role="Started", conn_nodes=("node2",)))
    assert (d.cause, d.level, d.fix) == ("online", "ok", None)
    assert d.verdict.startswith("rn1 is online")
    titles = [e.title for e in d.evidence]
    assert "TCP 10.0.0.21:3121" in titles and "pacemaker-remoted" in titles and "authkey identical" in titles
    # the port is probed from the cluster node that runs the connection
    assert pool.ran("node2", "tcp-connect") and not pool.ran("node1", "tcp-connect")


def test_remoted_not_running():
    d = run(Pool(lambda h, a: healthy(h, a, remoted=False, tcp=1)), remote())
    assert d.cause == "remoted-not-running" and d.level == "fail"
    assert d.verdict.startswith("rn1 is offline: pacemaker-remoted is not running on rn1")
    assert "systemctl enable --now pacemaker_remote" in d.fix


@pytest.mark.parametrize("status,said", [(124, "timed out"), (1, "refused")])
def test_port_unreachable_from_the_hosting_node(status, said):
    failure = Failure("rn1_start_0", "node3", resource="rn1", task="start", exit_status="error",
                      exit_reason="Connection refused")
    pool = Pool(lambda h, a: healthy(h, a, tcp=status))
    d = run(pool, remote(failures=(failure,)))
    assert d.cause == "port-unreachable"
    assert "not reachable from node3" in d.verdict  # where the connection last failed
    (tcp,) = [e for e in d.evidence if e.title.startswith("TCP ")]
    assert tcp.ok is False and said in tcp.observed and tcp.host == "node3"
    assert pool.ran("node3", "tcp-connect") == [nodecmds.tcp_connect("10.0.0.21", 3121)]
    assert "firewall" in d.fix and d.fix.endswith("crm_resource --cleanup --resource rn1 (the failure stays until cleared)")


def test_authkey_mismatch_by_hash_only():
    pool = Pool(lambda h, a: healthy(h, a, key=OTHER))
    d = run(pool, remote(failures=(key_failure(),)))
    assert d.cause == "authkey-mismatch"
    assert "copy the cluster's authkey" in d.fix and "hacluster:haclient 0400" in d.fix
    # the key is only ever hashed: no probe reads it out
    for _, argv in pool.calls:
        if nodecmds.AUTHKEY in argv:
            assert argv == nodecmds.sha256(nodecmds.AUTHKEY)


def test_authkey_missing_on_the_target():
    def answer(host, argv):
        if host == "rn1" and argv[:1] == ("sha256sum",):
            return 1, "", f"sha256sum: {argv[1]}: No such file or directory\n"
        return healthy(host, argv)

    d = run(Pool(answer), remote(failures=(key_failure(reason="Key was rejected by service"),)))
    assert d.cause == "authkey-missing"


def test_a_key_exit_reason_names_the_key_even_when_the_target_cannot_be_asked():
    def answer(host, argv):
        if host == "rn1":
            raise TransportError("rn1", "connect to 10.0.0.21 port 22: Connection refused")
        return healthy(host, argv)

    pool = Pool(answer)
    d = run(pool, remote(failures=(key_failure(reason="Required key not available"),)))
    assert d.cause == "authkey-rejected" and "Required key not available" in d.verdict
    assert "does not retry" in d.verdict
    ssh = next(e for e in d.evidence if e.title == "SSH to the target")
    assert ssh.ok is None and "Connection refused" in ssh.observed  # evidence, not a crash
    assert [argv for h, argv in pool.calls if h == "rn1"] == [nodecmds.reachable()]  # nothing more tried there


def test_unreachable_target_and_port():
    def answer(host, argv):
        if host == "rn1":
            raise TransportError("rn1", "connect: No route to host")
        return healthy(host, argv, tcp=124)

    d = run(Pool(answer), remote())
    assert d.cause == "target-unreachable" and d.level == "fail"


def test_authkey_location_from_the_environment_file_is_honoured():
    env = "# PCMK_authkey_location=/etc/pacemaker/authkey\nPCMK_authkey_location='/srv/keys/pcmk key'\n"
    pool = Pool(lambda h, a: healthy(h, a, env=env))
    d = run(pool, remote(online=True, conn_role="Started", conn_nodes=("node1",)))
    assert d.cause == "online"
    for host in ("node1", "node2", "node3", "rn1"):
        assert nodecmds.sha256("/srv/keys/pcmk key") in [argv for h, argv in pool.calls if h == host]
    assert not any(nodecmds.AUTHKEY in argv for _, argv in pool.calls)


def test_x509_makes_the_authkey_irrelevant():
    env = "PCMK_ca_file=/etc/pacemaker/ca.pem\nPCMK_cert_file=/etc/pacemaker/c.pem\nPCMK_key_file=/etc/pacemaker/k.pem\n"
    d = run(Pool(lambda h, a: healthy(h, a, env=env, key=OTHER)), remote(online=True, conn_role="Started",
                                                                      conn_nodes=("node1",)))
    assert d.cause == "online"
    assert any(e.title == "X.509" for e in d.evidence)


def test_cluster_nodes_that_disagree_on_the_key_are_named_even_when_online():
    def answer(host, argv):
        if host == "node3" and argv[:1] == ("sha256sum",):
            return 0, f"{OTHER}  {argv[1]}\n", ""
        return healthy(host, argv)

    d = run(Pool(answer), remote(online=True, conn_role="Started", conn_nodes=("node1",)))
    assert d.level == "warn" and d.cause == "authkey-differs-in-cluster"
    assert "node3" in d.verdict and d.verdict.startswith("rn1 is online, but")


def test_guest_container_stopped_comes_first():
    snapshot = remote("gn1", kind=NodeKind.GUEST, container="vm-gn1", container_role="Stopped")
    d = run(Pool(lambda h, a: healthy(h, a, target="gn1", remoted=False, tcp=124)), snapshot, "gn1")
    assert d.cause == "container-stopped" and "vm-gn1" in d.verdict
    assert d.kind == "guest"


def test_disabled_connection():
    d = run(Pool(healthy), remote(target_role="Stopped"))
    assert d.cause == "connection-disabled"
    assert "--delete-parameter target-role" in d.fix


def test_starting_connection_is_not_online():
    """LAB-FACTS: crm_mon briefly says online while the connection still starts."""
    d = run(Pool(healthy), remote(online=True, conn_role="Starting", conn_nodes=("node1",)))
    assert d.cause != "online"


def test_every_probe_missing_still_reaches_a_verdict():
    pool = Pool(lambda h, a: (127, "", f"sh: {a[0]}: not found\n"))
    d = run(pool, remote())
    assert d.level == "fail" and d.verdict
    assert all(e.ok is not True or e.host is None for e in d.evidence)


def test_log_lines_from_both_sides_are_classified():
    cluster = "Dec 01 node1 pacemaker-controld [1] (x) error: Could not connect to Pacemaker Remote node rn1: Key was rejected by service\n"
    target = "Dec 01 rn1 pacemaker-remoted [2] (y) error: TLS handshake with remote client failed: Decryption has failed.\n"

    def answer(host, argv):
        if argv[:2] == ("sh", "-c"):
            return 0, (target if host == "rn1" else cluster), ""
        return healthy(host, argv)

    pool = Pool(answer)
    d = run(pool, remote())
    logs = {e.host: e for e in d.evidence if "log lines" in e.title}
    assert "Key was rejected" in logs["node1"].observed and logs["node1"].ok is False
    assert "TLS handshake" in logs["rn1"].observed
    assert nodecmds.log_lines("rn1") in [a for h, a in pool.calls if h == "node1"]
    assert nodecmds.log_lines("10.0.0.21") in [a for h, a in pool.calls if h == "node1"]


def test_snapshot_only_runs_nothing():
    pool = Pool(lambda h, a: pytest.fail("probe=False ran a command"))
    d = run(pool, remote(failures=(key_failure(),)), probe=False)
    assert d.cause == "authkey-rejected" and pool.calls == []


def test_unknown_and_cluster_nodes_are_refused():
    with pytest.raises(UnknownNode, match="no node named 'zz'.*rn1"):
        run(Pool(healthy), remote(), "zz")
    with pytest.raises(NotDiagnosable, match="cluster node"):
        run(Pool(healthy), remote(), "node2")


# --- output: verdict first, terminal-safe, JSON exact ----------------------------------------------

def test_render_puts_the_verdict_first_and_the_fix_last():
    d = run(Pool(lambda h, a: healthy(h, a, remoted=False, tcp=1)), remote())
    text = render_diagnosis(d).splitlines()
    assert text[0] == f"rn1: FAIL: {d.verdict}"
    assert text[1] == "evidence:" and text[-1].startswith("fix: ")


@pytest.mark.parametrize("value", ALL, ids=short)
def test_hostile_cluster_text_is_escaped_and_json_is_exact(value):
    failure = Failure("rn1_start_0", "node1", resource="rn1", task="start", exit_status="error",
                      exit_reason=value)
    logs = f"Dec 01 node1 pacemaker-controld: Lost connection to Pacemaker Remote node rn1 {value}\n"

    def answer(host, argv):
        if argv[:2] == ("sh", "-c"):
            return 0, logs, ""
        if argv[:1] == ("timeout",):
            return 1, "", value
        return healthy(host, argv)

    d = run(Pool(answer), remote(failures=(failure,)))
    text = render_diagnosis(d)
    assert raw_controls(text.replace("\n", "")) == []
    assert all(not re.search(r"[\r\u2028\u2029]", line) for line in text.split("\n"))
    encoded = json.dumps(d.to_json(), ensure_ascii=True)
    assert encoded.isascii()
    assert any(value in e["observed"] for e in json.loads(encoded)["evidence"])


# --- on the simulator ------------------------------------------------------------------------------

def _sim():
    from tui.remote.pool import WorkerPool
    from tui.session import ClusterSession
    from tui.sim import DemoCluster, demo_config, demo_transport_factory

    clock = [1_800_000_000.0]
    state = DemoCluster(seed=7, life=False, clock=lambda: clock[0])
    pool = WorkerPool(demo_transport_factory(state, latency=(0, 0)), None)
    return state, pool, ClusterSession(demo_config(state), pool, None, read_only=False, demo=True), clock


def _needs_probes(state):
    from tui.sim.commands import execute

    for argv in (nodecmds.process_running("pacemaker-remoted"), nodecmds.tcp_connect("10.20.0.21", 3121),
                 nodecmds.log_lines("rn1")):
        if execute(state, "node1", argv)[0] == 127:
            pytest.skip(f"the simulator does not answer {argv[0]} yet")


async def _diagnosed(session, node):
    looked = await session.refresh()
    try:
        return await diagnose(session.pool, looked.snapshot, node, default_host=session.action_host)
    finally:
        await session.close()


def test_sim_online_remote_and_guest():
    state, pool, session, _ = _sim()
    _needs_probes(state)

    async def both():
        looked = await session.refresh()
        out = [await diagnose(pool, looked.snapshot, n, default_host=session.action_host) for n in ("rn1", "gn1")]
        await session.close()
        return out

    for d in asyncio.run(both()):
        assert d.cause == "online" and d.level == "ok", render_diagnosis(d)
        assert all(e.ok is not False for e in d.evidence), render_diagnosis(d)


def test_sim_remoted_stopped():
    state, pool, session, _ = _sim()
    _needs_probes(state)

    async def go():
        await pool.run("rn2", ("systemctl", "stop", "pacemaker_remote"), purpose="test", mutates=True)
        return await _diagnosed(session, "rn2")

    d = asyncio.run(go())
    assert d.cause == "remoted-not-running", render_diagnosis(d)
    assert "crm_resource --cleanup --resource rn2" in d.fix


def test_sim_authkey_mismatch_never_shows_the_key():
    state, pool, session, clock = _sim()
    _needs_probes(state)
    wrong = b"\x01wrong key bytes\x02" * 200
    state.host("rn1").fs.get(nodecmds.AUTHKEY).content = wrong

    async def go():
        await pool.run("rn1", ("systemctl", "restart", "pacemaker_remote"), purpose="test", mutates=True)
        for _ in range(4):
            clock[0] += 30
            await session.refresh()
        return await _diagnosed(session, "rn1")

    d = asyncio.run(go())
    assert d.cause == "authkey-mismatch", render_diagnosis(d)
    shown = render_diagnosis(d) + json.dumps(d.to_json())
    for secret in (wrong, state.authkey):
        assert secret.hex()[:32] not in shown and secret.decode("latin-1")[:16] not in shown
