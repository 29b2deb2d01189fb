"""The lab harness against a real Pacemaker (2.1.5 and 3.0.0): what the console's lab tests
rely on. Each test leaves the lab healthy (or the next one's ensure_healthy() repairs it)."""

from __future__ import annotations

import subprocess

import pytest

from tests.lab.crmmon import Status, is_lost_connection
from tests.lab.fixtures import VERSIONS
from tests.lab.lab import Lab
from tests.lab.proc import wait_for

pytestmark = pytest.mark.lab


def _dc_version(st: Status) -> str:
    from lxml import etree

    dc = etree.fromstring(st.raw.encode()).find("summary/current_dc")
    return dc.get("version", "")


def test_cluster_remote_and_guest_nodes_are_online_with_their_resources(anylab, request):
    st = anylab.status()
    assert _dc_version(st).startswith(VERSIONS[request.node.callspec.params["anylab"]])
    assert st.nodes["node1"].type == "member" and st.nodes["node1"].online
    assert st.nodes["rn1"].type == "remote" and st.node_up("rn1")
    assert st.nodes["gn1"].type == "remote" and st.node_up("gn1")
    # a guest is a remote node whose connection lives inside a container resource
    assert st.nodes["gn1"].id_as_resource == "gn1-container"
    assert st.nodes["rn1"].id_as_resource is None
    assert st.resources["rn1"].agent == "ocf:pacemaker:remote"
    assert st.running_on("gn1-container") == ("node1",)
    for node in ("node1", "rn1", "gn1"):
        assert st.running_on(f"dummy-{node}") == (node,)


def _ssh(lab: Lab, node: str, argv: list[str], known_hosts=None) -> subprocess.CompletedProcess:
    info = lab.nodes[node]
    return subprocess.run(
        ["ssh", "-i", str(lab.ssh_key), "-p", str(info.port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", f"UserKnownHostsFile={known_hosts or lab.known_hosts}",
         "-o", "ConnectTimeout=10", f"root@{info.address}", *argv],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_every_node_answers_ssh_as_itself_with_host_key_checking(anylab, tmp_path):
    for node in anylab.nodes:
        res = _ssh(anylab, node, ["hostname"])
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == node
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    refused = _ssh(anylab, "node1", ["hostname"], known_hosts=empty)
    assert refused.returncode != 0
    assert "Host key verification failed" in refused.stderr


def test_crm_mon_over_ssh_on_the_cluster_node_sees_the_whole_cluster(anylab):
    res = _ssh(anylab, "node1", ["crm_mon", "-1", "--output-as=xml"])
    assert res.returncode == 0, res.stderr
    assert 'name="rn1"' in res.stdout and 'name="gn1"' in res.stdout


def test_run_on_runs_inside_the_node(anylab):
    res = anylab.run_on("rn1", ["hostname"])
    assert (res.returncode, res.stdout.strip()) == (0, "rn1")
    # each node has its own /run: rn1's Dummy state file is not visible on gn1
    assert anylab.run_on("rn1", ["test", "-e", "/run/Dummy-dummy-rn1.state"]).returncode == 0
    assert anylab.run_on("gn1", ["test", "-e", "/run/Dummy-dummy-rn1.state"]).returncode != 0


def test_killed_remoted_takes_the_remote_offline_until_restarted(anylab):
    anylab.stop_remoted("rn1")
    st = anylab.wait_until("rn1 offline", lambda s: not s.nodes["rn1"].online, timeout=30)
    assert any(f["op_key"].startswith("rn1_") and
               is_lost_connection(f.get("exitreason"))
               for f in st.failures), st.failures
    anylab.start_remoted("rn1")
    st = anylab.wait_all_up(timeout=60)
    assert st.running_on("dummy-rn1") == ("rn1",)


def test_stopped_container_takes_the_guest_offline_until_started(anylab):
    n1 = anylab.node("node1")
    set_role = ["crm_resource", "--resource", "gn1-container", "--meta", "--set-parameter",
                "target-role", "--parameter-value"]
    assert n1.run([*set_role, "Stopped"]).returncode == 0
    st = anylab.wait_until("gn1 offline, its container stopped",
                           lambda s: not s.node_up("gn1") and not s.running_on("gn1-container"),
                           timeout=60)
    assert "gn1" not in st.running_on("dummy-gn1")  # moved away or stopped
    assert n1.run([*set_role, "Started"]).returncode == 0
    anylab.wait_all_up(timeout=60)


def test_failed_container_is_recovered_and_the_guest_returns(anylab):
    res = anylab.run_on("node1", ["crm_resource", "--fail", "--resource", "gn1-container",
                                  "--node", "node1"])
    assert res.returncode == 0, res.stderr
    st = anylab.wait_until("the container's failure recorded",
                           lambda s: any(f["op_key"].startswith("gn1-container") for f in
                                         s.failures), timeout=30)
    assert st.nodes["gn1"].id_as_resource == "gn1-container"
    anylab.wait_all_up(timeout=60)


def test_killed_guest_remoted_takes_the_guest_offline_until_restarted(anylab):
    anylab.stop_remoted("gn1")
    st = anylab.wait_until("gn1 offline", lambda s: not s.nodes["gn1"].online, timeout=30)
    assert any(f["op_key"].startswith("gn1_") for f in st.failures), st.failures
    anylab.start_remoted("gn1")
    anylab.wait_all_up(timeout=90)


def test_console_config_names_every_node_with_its_kind(anylab):
    from tui.config import load_config

    cluster = load_config(anylab.config_path).cluster(anylab.cluster_name)
    kinds = {n.name: (n.kind, n.host, n.port) for n in cluster.nodes}
    assert kinds == {name: (i.kind, i.address, i.port) for name, i in anylab.nodes.items()}
    node1 = cluster.node("node1")
    assert node1.known_hosts == anylab.known_hosts and node1.identity_file == anylab.ssh_key


def test_the_console_parser_reads_the_real_crm_mon(anylab, request):
    """tui.pacemaker.crm_mon on this Pacemaker's real output, including a lost remote."""
    from tui.pacemaker.crm_mon import parse_status
    from tui.pacemaker.model import NodeKind, Snapshot

    snap = parse_status(anylab.crm_mon_xml(), 0)
    assert isinstance(snap, Snapshot), snap
    assert snap.pacemaker_version == VERSIONS[request.node.callspec.params["anylab"]]
    kinds = {n.name: n.kind for n in snap.nodes}
    assert kinds == {"node1": NodeKind.CLUSTER, "rn1": NodeKind.REMOTE, "gn1": NodeKind.GUEST}
    assert snap.node("gn1").container_resource == "gn1-container"
    assert all(snap.node(n).online for n in kinds)

    anylab.stop_remoted("rn1")
    anylab.wait_until("rn1 offline", lambda s: not s.nodes["rn1"].online, timeout=30)
    snap = parse_status(anylab.crm_mon_xml(), 0)
    assert not snap.node("rn1").online
    assert any(is_lost_connection(f.exit_reason) for f in snap.failures), snap.failures
    anylab.start_remoted("rn1")
    anylab.wait_all_up(timeout=60)


# --- node1's systemctl shim (pacemaker) and the X.509 argv of tui.pacemaker.nodecmds ---------

def _pids(lab: Lab, node: str, process: str) -> str:
    return lab.run_on(node, ["pgrep", "-x", process]).stdout.strip()


def test_cluster_shim_restarts_pacemaker_with_its_env_file_keeping_corosync(anylab):
    lab = anylab
    assert lab.run_on("node1", ["systemctl", "is-active", "pacemaker"]).stdout.strip() == "active"
    missing = lab.run_on("node1", ["systemctl", "restart", "corosync"])
    assert missing.returncode == 5 and "could not be found" in missing.stderr
    corosync, pacemakerd = _pids(lab, "node1", "corosync"), _pids(lab, "node1", "pacemakerd")
    env = lab.node("node1").state("etc-default") / "pacemaker"
    env.write_text(env.read_text() + "PCMK_lab_marker=restarted-by-the-shim\n")
    res = lab.run_on("node1", ["systemctl", "restart", "pacemaker"], timeout=200)
    assert res.returncode == 0, res.stderr
    assert _pids(lab, "node1", "corosync") == corosync
    assert _pids(lab, "node1", "pacemakerd") not in ("", pacemakerd)
    # the new daemons started from the env file, in a clean environment (no SSH variables).
    # Like systemd's Type=simple, the restart returns once pacemakerd runs: the controller
    # it spawns comes a moment later, so wait for it rather than race it.
    controller = wait_for("node1's new pacemaker-controld",
                          lambda: _pids(lab, "node1", "pacemaker-contr").split()[:1], timeout=60)[0]
    environ = lab.run_on("node1", ["sh", "-c", f'tr "\\0" "\\n" < /proc/{controller}/environ']
                         ).stdout.splitlines()
    assert "PCMK_lab_marker=restarted-by-the-shim" in environ
    assert not [v for v in environ if v.startswith(("SSH_", "PYTEST"))], environ
    lab.wait_until("node1 online again", lambda st: st.node_up("node1"), timeout=90)
    lab.ensure_healthy()  # the env file back; pacemaker restarted again
    assert env.read_text().count("PCMK_lab_marker") == 0


def test_x509_argv_of_the_console_work_inside_every_node(anylab):
    """Every X.509 builder of tui.pacemaker.nodecmds runs inside the lab's nodes (tools
    present, the node's own hacluster/haclient), in a scratch folder under /etc/pacemaker."""
    from tui.pacemaker import nodecmds as nc

    lab = anylab
    folder = "/etc/pacemaker/tls-argv-test"  # removed by ensure_healthy
    for name, info in lab.nodes.items():
        def ok(argv, name=name):
            res = lab.run_on(name, list(argv))
            assert res.returncode == 0, (name, argv, res.stderr)
            return res.stdout

        assert ok(nc.pacemaker_version(info.kind)).startswith("Pacemaker ")
        assert ok(nc.openssl_present()).startswith("OpenSSL ")
        key = f"{folder}/node.key"
        ok(nc.make_tls_dir(folder))
        ok(nc.generate_key(key))
        for argv in nc.key_access(key):
            ok(argv)
        assert "BEGIN CERTIFICATE REQUEST" in ok(nc.make_csr(key, name))
        assert "BEGIN PUBLIC KEY" in ok(nc.public_key(key))
        assert ok(nc.stat_files(folder, key)).splitlines() == [
            f"root:haclient:750 {folder}", f"root:haclient:640 {key}"]
        ok(("chown", "hacluster:haclient", key))  # the node's own users resolve
        process = nc.TLS_DAEMONS[info.kind]
        assert lab.run_on(name, list(nc.daemon_tls_environ(process))).returncode == 0
        assert lab.run_on(name, list(nc.daemon_tls_environ("no-such-daemon"))).returncode == 3
    lab.ensure_healthy()
    assert lab.run_on("node1", ["test", "-e", folder]).returncode != 0


def test_ensure_healthy_builds_a_lab_with_a_wedged_controller_again(lab):
    """What CI once met: a controller that no longer answers makes every `crm_resource
    --cleanup` hang. ensure_healthy() gives up on repairing it after its bound and builds
    the lab again, with a controller that answers (one version is enough: the decision is
    the harness's, tests/lab/test_harness.py has its every branch)."""
    wedged = _pids(lab, "node1", "pacemaker-contr")
    assert lab.run_on("node1", ["kill", "-STOP", wedged]).returncode == 0
    rebuilds = lab.rebuilds
    st = lab.ensure_healthy()
    assert lab.rebuilds == rebuilds + 1 and lab.broken is None
    assert st.node_up("node1") and st.node_up("rn1") and st.node_up("gn1")
    controller = _pids(lab, "node1", "pacemaker-contr")  # a new PID namespace: same PID
    state = lab.run_on("node1", ["ps", "-o", "stat=", "-p", controller]).stdout.strip()
    assert state and not state.startswith("T"), state  # running, not the stopped one
    answer = lab.run_on("node1", ["crmadmin", "--status", "node1", "--timeout", "5000"])
    assert answer.returncode == 0 and "S_IDLE" in answer.stdout, answer.stdout + answer.stderr
