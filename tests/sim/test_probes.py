"""The node wizards' read-only probes (tui.pacemaker.nodecmds) answered by the simulator.

Where this machine has the real tool (bash, sh, cibadmin, crm_resource), the same argv runs
on it too and the words and exit codes are compared; the rest is checked against what the
tools print on Debian 12.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

from tui.pacemaker import nodecmds as n
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, LOG_FILE, SYSCONFIG
from tui.sim.state import RESTART_SECONDS


def sh(sim, host, argv, stdin=b""):
    return execute(sim, host, tuple(argv), stdin)


# ---- true, test, cat, sha256sum --------------------------------------------------------------


def test_reachable_is_true_everywhere(sim):
    for host in ("node1", "rn1", "gn1", "rn3", "10.20.0.24"):
        assert sh(sim, host, n.reachable()) == (0, "", "")


@pytest.mark.parametrize("host, path, rc", [
    ("rn3", n.REMOTED, 0), ("rn1", n.REMOTED, 0), ("gn3", n.REMOTED, 0),
    ("node1", "/usr/sbin/pacemakerd", 0), ("node1", "/usr/sbin/corosync", 0),
    ("rn3", "/usr/sbin/pacemakerd", 1), ("rn3", "/usr/sbin/corosync", 1),
    ("rn3", SYSCONFIG, 1),  # a file without an x bit
    ("rn3", "/etc", 0),  # a directory: searchable
    ("rn3", "/no/such", 1),
])
def test_test_x_is_true_for_executables(sim, host, path, rc):
    assert sh(sim, host, n.executable(path)) == (rc, "", "")


@pytest.mark.parametrize("host, present", [("node1", True), ("node2", True), ("rn1", False), ("rn3", False),
                                            ("gn3", False)])
def test_cluster_configuration_exists_only_on_cluster_nodes(sim, host, present):
    for path in (n.COROSYNC_CONF, n.CIB_XML):
        assert sh(sim, host, n.path_exists(path))[0] == (0 if present else 1), (host, path)


def test_cat_of_both_environment_files_prints_the_one_there_and_names_the_other(sim):
    rc, out, err = sh(sim, "rn3", n.read_env_files())
    assert rc == 1 and "PCMK_remote_port" in out
    assert err == "cat: /etc/default/pacemaker: No such file or directory\n"


def test_sha256sum_of_the_key_is_the_same_on_every_node_and_absent_on_spares(sim):
    digest = hashlib.sha256(sim.authkey).hexdigest()
    for host in ("node1", "node2", "rn1", "gn1"):
        assert sh(sim, host, n.sha256(AUTHKEY)) == (0, f"{digest}  {AUTHKEY}\n", "")
    assert sh(sim, "rn3", n.sha256(AUTHKEY)) == (1, "", f"sha256sum: {AUTHKEY}: No such file or directory\n")


# ---- pgrep -x, pidof ---------------------------------------------------------------------
# The kernel keeps 15 characters of a process name: pacemaker-remoted runs as "pacemaker-remot".

COMM = {"pacemakerd": "pacemakerd", "corosync": "corosync", "pacemaker-remoted": "pacemaker-remot"}


@pytest.mark.parametrize("host, running", [
    ("node1", {"pacemakerd", "corosync"}), ("rn1", {"pacemaker-remoted"}), ("gn1", {"pacemaker-remoted"}),
    ("rn3", set()),
])
def test_pgrep_and_pidof_find_the_daemons_the_machine_runs(sim, host, running):
    for process in COMM:
        for argv in (("pgrep", "-x", COMM[process]), ("pidof", process)):
            rc, out, err = sh(sim, host, argv)
            if process in running:
                assert rc == 0 and out.strip().isdigit() and err == "", (host, argv)
            else:
                assert (rc, out, err) == (1, "", ""), (host, argv)


def test_pgrep_x_of_a_name_longer_than_15_characters_never_matches(sim):
    """procps-ng 4.0.2: a pattern longer than the kernel's 15-character name is refused while
    the daemon runs (exit 1, a warning) ..."""
    rc, out, err = sh(sim, "rn1", ("pgrep", "-x", "pacemaker-remoted"))
    assert (rc, out) == (1, "") and err.startswith("pgrep: pattern that searches for process name longer than 15")


def test_process_running_cuts_the_name_as_the_kernel_does_and_finds_the_daemon(sim):
    """... so nodecmds.process_running asks for "pacemaker-remot", which matches."""
    assert n.process_running("pacemaker-remoted") == ("pgrep", "-x", "pacemaker-remot")
    rc, out, err = sh(sim, "rn1", n.process_running("pacemaker-remoted"))
    assert rc == 0 and out.strip().isdigit() and err == ""
    assert sh(sim, "rn3", n.process_running("pacemaker-remoted"))[0] == 1


@pytest.mark.skipif(shutil.which("pgrep") is None or shutil.which("pidof") is None, reason="needs procps")
@pytest.mark.parametrize("argv", [n.process_running("pacemaker-remoted"), ("pgrep", "-x", "no-such-daemon"),
                                  ("pidof", "no-such-daemon-at-all")])
def test_pgrep_and_pidof_answer_as_the_real_ones_when_nothing_matches(sim, argv):
    real = subprocess.run(argv, capture_output=True, text=True)
    if real.returncode == 0:
        pytest.skip("this machine runs that daemon")
    assert sh(sim, "rn3", argv) == (real.returncode, real.stdout, real.stderr)


def test_pgrep_follows_systemctl_and_a_restart_is_a_new_pid(sim):
    pgrep = ("pgrep", "-x", "pacemaker-remot")
    assert sh(sim, "rn3", pgrep)[0] == 1
    sh(sim, "rn3", n.enable_start())
    rc, first, _ = sh(sim, "rn3", pgrep)
    assert rc == 0 and sh(sim, "rn3", ("pidof", "pacemaker-remoted"))[1] == first
    sh(sim, "rn3", ("systemctl", "restart", "pacemaker_remote"))
    assert sh(sim, "rn3", pgrep) == (1, "", "")  # stopped, back RESTART_SECONDS later
    sim.tick(sim.now + RESTART_SECONDS["pacemaker_remote"])
    assert sh(sim, "rn3", pgrep)[1] not in ("", first)
    sh(sim, "rn3", n.disable_stop())
    assert sh(sim, "rn3", pgrep) == (1, "", "")


def test_pgrep_beyond_the_exact_name_form_is_refused(sim):
    rc, out, err = sh(sim, "node1", ("pgrep", "-f", "pacemaker"))
    assert rc == 2 and out == "" and "pgrep -x NAME" in err


# ---- the TCP probe ---------------------------------------------------------------------------


def test_tcp_connect_to_a_listening_remote_succeeds(sim):
    assert sh(sim, "node1", n.tcp_connect("10.20.0.21", 3121)) == (0, "", "")
    assert sh(sim, "node2", n.tcp_connect("rn1", 3121)) == (0, "", "")  # by name, as /dev/tcp resolves
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 22)) == (0, "", "")  # sshd on a spare
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", n.PCSD_PORT)) == (0, "", "")


def _refused(address, port):
    return (1, "", "tcp-connect: connect: Connection refused\n"
                   f"tcp-connect: line 1: /dev/tcp/{address}/{port}: Connection refused\n")


def test_tcp_connect_to_a_machine_without_remoted_is_refused(sim):
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 3121)) == _refused("10.20.0.23", 3121)
    sh(sim, "rn3", n.enable_start())
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 3121)) == (0, "", "")
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 3122)) == _refused("10.20.0.23", 3122)


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None, reason="needs bash")
def test_the_refused_words_are_real_bash_words():
    """Port 1 on loopback: nothing listens there on any machine running these tests."""
    real = subprocess.run(n.tcp_connect("127.0.0.1", 1), capture_output=True, text=True, timeout=10)
    assert (real.returncode, real.stdout, real.stderr) == _refused("127.0.0.1", 1)


def test_tcp_connect_to_an_address_no_machine_has_times_out(sim):
    assert sh(sim, "node1", n.tcp_connect("10.20.0.99", 3121)) == (124, "", "")


def test_tcp_connect_honours_pcmk_remote_port(sim):
    fs = sim.host("rn3").fs
    fs.write(SYSCONFIG, fs.get(SYSCONFIG).content + b'PCMK_remote_port="3199"\n')
    sh(sim, "rn3", n.enable_start())
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 3199)) == (0, "", "")
    assert sh(sim, "node1", n.tcp_connect("10.20.0.23", 3121))[0] == 1


def test_a_guest_whose_vm_is_stopped_does_not_answer(sim):
    sh(sim, "node1", n.stop_resource("vm-gn1"))
    assert sh(sim, "node1", n.tcp_connect("10.20.0.41", 3121)) == (124, "", "")


def test_timeout_with_a_bad_duration_is_a_usage_error(sim):
    rc, _, err = sh(sim, "node1", ("timeout", "soon", "true"))
    assert rc == 125 and "invalid time interval 'soon'" in err


# ---- firewall-cmd ------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [n.firewall_state(), n.firewall_service(), n.firewall_port(3121)])
def test_firewalld_is_not_installed_on_the_demo_machines(sim, argv):
    assert sh(sim, "node1", argv) == (127, "", "bash: line 1: firewall-cmd: command not found\n")


@pytest.mark.skipif(shutil.which("firewall-cmd") is not None, reason="firewalld is installed here")
def test_the_not_installed_words_are_what_a_login_shell_says():
    real = subprocess.run(["bash", "-c", "firewall-cmd --state"], capture_output=True, text=True)
    assert (real.returncode, real.stdout, real.stderr) == (127, "", "bash: line 1: firewall-cmd: command not found\n")


# ---- cibadmin --query --xpath, crm_resource --locate -----------------------------------------


def test_cib_id_taken_answers_with_the_matches(sim):
    rc, out, err = sh(sim, "node1", n.cib_id_taken("rn1"))
    assert rc == 0 and out.startswith("<xpath-query>\n") and '<primitive id="rn1"' in out and err == ""
    rc, out, _ = sh(sim, "node1", n.cib_id_taken("vm-gn3"))
    assert rc == 0 and out.startswith('<primitive id="vm-gn3"')
    for free in ("rn3", "gn3", "rn4"):
        assert sh(sim, "node1", n.cib_id_taken(free)) == (105, "", "Call failed: No such device or address\n")


def test_cib_node_named_finds_cluster_and_remote_nodes(sim):
    assert sh(sim, "node1", n.cib_node_named("node2"))[1].startswith('<node id="2" uname="node2"')
    assert sh(sim, "node1", n.cib_node_named("rn2"))[0] == 0
    assert sh(sim, "node1", n.cib_node_named("gn1"))[0] == 105  # a guest has no <node> entry
    assert sh(sim, "node1", n.cib_node_named("rn3"))[0] == 105


def test_locate_says_where_or_that_it_is_not_running(sim, clock):
    assert sh(sim, "node1", n.resource_state("rn1")) == (0, "resource rn1 is running on: node1\n", "")
    assert sh(sim, "node1", n.resource_state("vm-gn3")) == (0, "", "resource vm-gn3 is NOT running\n")
    sim.tick(clock.advance(3))
    assert sh(sim, "node1", n.resource_state("vm-gn3")) == (0, "resource vm-gn3 is running on: node2\n", "")
    assert sh(sim, "node1", n.resource_state("zz")) == (
        105, "", "crm_resource: Resource 'zz' not found\nError performing operation: No such object\n")


needs_pacemaker = pytest.mark.skipif(shutil.which("cibadmin") is None or shutil.which("crm_resource") is None,
                                     reason="needs Pacemaker's cibadmin and crm_resource")


@needs_pacemaker
@pytest.mark.parametrize("argv", [
    n.cib_id_taken("rn1"), n.cib_id_taken("vm-gn1"), n.cib_id_taken("zz"), n.cib_id_taken("node1"),
    n.cib_node_named("node1"), n.cib_node_named("rn2"), n.cib_node_named("gn1"),
    n.resource_state("rn1"), n.resource_state("db-clone"), n.resource_state("web"), n.resource_state("memcached"),
    n.resource_state("vm-gn3"), n.resource_state("zz"),
], ids=lambda argv: " ".join(argv[1:]))
def test_queries_answer_as_the_real_tools_on_the_same_cib(sim, tmp_path, argv):
    sim.dialect = "2.1"  # the local tools are 2.1.5: they refuse 3.0's validate-with pacemaker-4.0
    path = tmp_path / "cib.xml"
    path.write_text(to_text(full_cib(sim)))
    env = {**os.environ, "CIB_file": str(path), "LC_ALL": "C"}
    real = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30)
    assert sh(sim, "node1", argv) == (real.returncode, real.stdout, real.stderr)


# ---- Pacemaker's log -----------------------------------------------------------------------


def test_log_lines_finds_a_lost_connection_on_the_hosting_node(sim):
    assert sh(sim, "node1", n.log_lines("rn1")) == (1, "", "")
    sh(sim, "rn1", ("systemctl", "stop", "pacemaker_remote"))
    rc, out, err = sh(sim, "node1", n.log_lines("rn1"))
    assert rc == 0 and err == ""
    assert "Lost connection to Pacemaker Remote node rn1" in out
    assert "Remote connection to rn1 unexpectedly dropped during monitor" in out
    assert all(" node1 pacemaker-controld " in line for line in out.splitlines())
    assert sh(sim, "node2", n.log_lines("rn1"))[0] == 1  # rn1's connection runs on node1


def test_log_lines_of_a_machine_without_a_log(sim):
    assert sh(sim, "rn3", n.log_lines("x")) == (
        1, "", f"tail: cannot open '{LOG_FILE}' for reading: No such file or directory\n")


def test_log_lines_reads_only_the_last_lines(sim):
    sh(sim, "rn1", ("systemctl", "stop", "pacemaker_remote"))
    assert sh(sim, "node1", n.log_lines("Lost connection", lines=1))[0] == 0
    assert sh(sim, "node1", n.log_lines("unexpectedly dropped", lines=1))[0] == 1  # the line before the last


@pytest.mark.skipif(shutil.which("sh") is None or shutil.which("tail") is None, reason="needs sh, tail, grep")
@pytest.mark.parametrize("needle, lines", [("rn1", 5000), ("Lost", 1), ("nothing like it", 5000), ("", 5000)])
def test_log_lines_is_what_the_real_pipeline_prints(sim, tmp_path, needle, lines):
    sh(sim, "rn1", ("systemctl", "stop", "pacemaker_remote"))
    path = tmp_path / "pacemaker.log"
    path.write_bytes(sim.host("node1").fs.get(LOG_FILE).content)
    real = subprocess.run(n.log_lines(needle, lines=lines, path=str(path)), capture_output=True, text=True)
    mine = sh(sim, "node1", n.log_lines(needle, lines=lines))
    assert mine == (real.returncode, real.stdout, real.stderr)
