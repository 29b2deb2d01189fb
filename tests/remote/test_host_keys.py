"""Host keys are checked whatever ~/.ssh/config says; only the console config can say otherwise.

asyncssh reads ~/.ssh/config, and some of its lines (UserKnownHostsFile none above all) made
it accept any host key. Every test here runs against the real sshd on loopback with HOME
pointing at a temporary directory, so ~/.ssh/config and ~/.ssh/known_hosts are the test's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.remote.sshd_lab import known_hosts_line
from tui.config import parse_config
from tui.remote.hosts import transport_for_node
from tui.remote.ssh import SshTransport
from tui.remote.transport import TransportError

pytestmark = pytest.mark.sshd


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home: ~/.ssh/config and ~/.ssh/known_hosts are what the test writes."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def fingerprint_of(sshd) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", str(sshd.host_key.with_suffix(".pub"))],
                         capture_output=True, text=True, check=True).stdout
    return out.split()[1]


def trusting_file(sshd, path: Path) -> Path:
    """A known_hosts file that trusts the lab sshd."""
    path.write_text(known_hosts_line(sshd.address, sshd.port, sshd.host_key.with_suffix(".pub")))
    return path


def default_transport(sshd, **kwargs) -> SshTransport:
    """As the console builds one for a node without `known_hosts`: ~/.ssh/config decides."""
    options = dict(port=sshd.port, identity_files=[sshd.client_key], connect_retries=0)
    options.update(kwargs)
    return SshTransport(options.pop("host", sshd.address), **options)


async def refused(transport: SshTransport) -> str:
    try:
        with pytest.raises(TransportError) as info:
            await transport.run(["true"])
    finally:
        await transport.close()
    return str(info.value)


# Lines an ~/.ssh/config may hold that switch checking off (asyncssh), or would in OpenSSH, or
# point the check at nothing. None of them may make the console trust an unknown key.
HOSTILE = {
    "UserKnownHostsFile none": "UserKnownHostsFile none\n",
    "UserKnownHostsFile NONE": "UserKnownHostsFile NONE\n",
    "both files none": "UserKnownHostsFile none\nGlobalKnownHostsFile none\n",
    "global /dev/null": "UserKnownHostsFile none\nGlobalKnownHostsFile /dev/null\n",
    "StrictHostKeyChecking no": "StrictHostKeyChecking no\n",
    "no checking, /dev/null": "StrictHostKeyChecking no\nUserKnownHostsFile /dev/null\n",
    "accept-new": "StrictHostKeyChecking accept-new\n",
    "UserKnownHostsFile /dev/null": "UserKnownHostsFile /dev/null\n",
    "UserKnownHostsFile missing": "UserKnownHostsFile /nonexistent/known_hosts\n",
    "GlobalKnownHostsFile none": "GlobalKnownHostsFile none\n",
    "other OpenSSH knobs": "CheckHostIP no\nUpdateHostKeys yes\nVerifyHostKeyDNS yes\nKnownHostsCommand /bin/true\n",
    "HostKeyAlias": "HostKeyAlias trusted-elsewhere\n",
    "in a Host block": "Host 127.0.0.1\n  UserKnownHostsFile none\n",
    "in a Match block": "Match all\n  UserKnownHostsFile none\n",
    "through Include": "Include ~/.ssh/extra.conf\n",
}


@pytest.mark.parametrize("lines", HOSTILE.values(), ids=HOSTILE.keys())
async def test_no_ssh_config_line_makes_an_unknown_host_key_acceptable(sshd, home, lines):
    (home / ".ssh" / "config").write_text(lines)
    (home / ".ssh" / "extra.conf").write_text("UserKnownHostsFile none\n")
    message = await refused(default_transport(sshd))
    assert "unknown host key" in message and fingerprint_of(sshd) in message


async def test_a_benign_ssh_config_and_a_trusting_known_hosts_still_connect(sshd, home):
    """The control for the table above: the refusals come from the key check, nothing else."""
    (home / ".ssh" / "config").write_text("StrictHostKeyChecking yes\n")
    trusting_file(sshd, home / ".ssh" / "known_hosts")
    t = default_transport(sshd)
    assert (await t.run(["echo", "ok"])).stdout == b"ok\n"
    assert t.host_keys_verified
    await t.close()


async def test_known_hosts_named_by_ssh_config_is_used_and_named_in_the_refusal(sshd, home, tmp_path):
    elsewhere = trusting_file(sshd, tmp_path / "lab_known_hosts")
    (home / ".ssh" / "config").write_text(f"UserKnownHostsFile {elsewhere}\n")
    t = default_transport(sshd)
    assert (await t.run(["true"])).exit_status == 0
    await t.close()
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    (home / ".ssh" / "config").write_text(f"UserKnownHostsFile {empty}\n")
    message = await refused(default_transport(sshd))
    assert f"is not in {empty}" in message and f">> {empty}" in message


@pytest.mark.parametrize("how", ["console config", "ssh config"])
async def test_a_named_file_that_is_missing_trusts_nothing_not_the_default_file(sshd, home, tmp_path, how):
    """~/.ssh/known_hosts trusts the host, but the file asked for does not exist: refused.
    (asyncssh takes an empty known_hosts as "the default file".)"""
    trusting_file(sshd, home / ".ssh" / "known_hosts")
    missing = tmp_path / "no-such-known_hosts"
    if how == "ssh config":
        (home / ".ssh" / "config").write_text(f"UserKnownHostsFile {missing}\n")
        t = default_transport(sshd)
    else:
        t = default_transport(sshd, known_hosts=missing)
    message = await refused(t)
    assert "unknown host key" in message and str(missing) in message


async def test_user_known_hosts_none_leaves_the_global_file_as_openssh_does(sshd, home, tmp_path):
    global_file = trusting_file(sshd, tmp_path / "ssh_known_hosts")
    (home / ".ssh" / "config").write_text(f"UserKnownHostsFile none\nGlobalKnownHostsFile {global_file}\n")
    t = default_transport(sshd)
    assert (await t.run(["true"])).exit_status == 0
    assert t.host_keys_verified
    await t.close()


async def test_a_proxyjump_from_ssh_config_is_checked_too(sshd, home, tmp_path):
    """The target is trusted, the jump host's config says `UserKnownHostsFile none`: asyncssh
    would reach the jump host unchecked; the console refuses it."""
    lab_known = trusting_file(sshd, tmp_path / "lab_known_hosts")
    (home / ".ssh" / "config").write_text(
        "Host jumpbox\n"
        f"  HostName {sshd.address}\n  Port {sshd.port}\n  User root\n"
        "  UserKnownHostsFile none\n"
        "Host target\n"
        f"  HostName {sshd.address}\n  Port {sshd.port}\n  User root\n"
        f"  UserKnownHostsFile {lab_known}\n"
        "  ProxyJump jumpbox\n"
    )
    t = default_transport(sshd, host="target", port=None, username=None)
    message = await refused(t)
    assert "jumpbox" in message and "unknown host key" in message and fingerprint_of(sshd) in message
    # and with the jump host trusted as well, the chain works (through our own jump transport)
    (home / ".ssh" / "config").write_text(
        (home / ".ssh" / "config").read_text().replace("UserKnownHostsFile none", f"UserKnownHostsFile {lab_known}"))
    t = default_transport(sshd, host="target", port=None, username=None)
    assert (await t.run(["echo", "via"])).stdout == b"via\n"
    assert t._config_jump is not None and t._config_jump.connects == 1
    await t.close()


async def test_a_proxyjump_loop_in_ssh_config_is_an_error_not_a_hang(sshd, home):
    (home / ".ssh" / "config").write_text("Host *\n  ProxyJump loophole\n")
    message = await refused(default_transport(sshd))
    assert "ProxyJump" in message


# --- the one way to switch checking off ------------------------------------------------------


async def test_skip_host_key_check_connects_to_an_unknown_host_and_says_so(sshd, home, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    t = default_transport(sshd, known_hosts=empty, skip_host_key_check=True)
    assert (await t.run(["echo", "unchecked"])).stdout == b"unchecked\n"
    assert not t.host_keys_verified
    await t.close()


def lab_config(sshd, tmp_path, where: str) -> str:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    flag = "insecure_skip_host_key_check: true"
    cluster_ssh = f"    ssh: {{known_hosts: {empty}, identity_file: {sshd.client_key}"
    cluster_ssh += f", {flag}}}\n" if where == "cluster" else "}\n"
    node = f"      - {{name: n1, host: {sshd.address}, port: {sshd.port}"
    node += f", {flag}}}\n" if where == "node" else "}\n"
    return f"clusters:\n  - name: lab\n{cluster_ssh}    nodes:\n{node}"


@pytest.mark.parametrize("where", ["cluster", "node", "nowhere"])
async def test_the_config_key_is_what_switches_checking_off(sshd, home, tmp_path, where):
    config = parse_config(lab_config(sshd, tmp_path, where), "pcmk.yaml")
    cluster = config.cluster()
    assert cluster.host_keys_unverified is (where != "nowhere")
    t = transport_for_node(cluster.node("n1"), cluster.ssh)
    if where == "nowhere":
        assert "unknown host key" in await refused(t)
        return
    assert (await t.run(["true"])).exit_status == 0
    assert not t.host_keys_verified
    await t.close()


def test_the_session_shows_the_flag_and_status_prints_a_note(sshd, home, tmp_path, capsys):
    import argparse

    from tui.headless import status
    from tui.session import build_session

    config_file = tmp_path / "pcmk.yaml"
    config_file.write_text(lab_config(sshd, tmp_path, "cluster"))
    checked = tmp_path / "checked.yaml"
    checked.write_text(lab_config(sshd, tmp_path, "nowhere"))
    assert build_session(parse_config(config_file.read_text())).host_keys_unverified
    assert not build_session(parse_config(checked.read_text())).host_keys_unverified
    for path, unverified in ((config_file, True), (checked, False)):
        args = argparse.Namespace(verb="status", json=False, xml=None, cib=None, config=path, cluster=None,
                                  demo=False, cib_file=None, read_only=False)
        status.main(args)  # no Pacemaker on the lab host: the status itself is not the point
        err = capsys.readouterr().err
        assert ("HOST KEYS NOT VERIFIED for cluster lab" in err) is unverified, err


async def test_a_jump_given_as_a_string_is_held_to_the_same_check(sshd, home, tmp_path):
    spec = f"root@{sshd.address}:{sshd.port}"
    t = default_transport(sshd, known_hosts=sshd.known_hosts, jump=spec)
    assert (await t.run(["echo", "hop"])).stdout == b"hop\n"
    assert t._config_jump is not None and t._config_jump.connects == 1 and t.host_keys_verified
    await t.close()
    empty = tmp_path / "empty"
    empty.write_text("")
    message = await refused(default_transport(sshd, known_hosts=empty, jump=spec))
    assert message.startswith(f"{spec}: unknown host key")
