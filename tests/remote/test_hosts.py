"""From configured nodes to transports."""

from __future__ import annotations

import pytest

from tui.config import parse_config
from tui.remote.hosts import parse_host_spec, transport_for_node, transports_for
from tui.remote.local import LocalTransport
from tui.remote.ssh import SshTransport

YAML = """
clusters:
  - name: c
    ssh: {user: ops, sudo: true, jump_host: "bastion:2200", identity_file: /keys/id}
    nodes:
      - {name: n1, host: 10.0.0.1}
      - {name: n2, host: 10.0.0.2, port: 2022, user: root, sudo: false}
      - {name: here, host: localhost, local: true}
"""


def test_parse_host_spec():
    assert parse_host_spec("bastion", default_user="u") == ("u", "bastion", 22)
    assert parse_host_spec("me@bastion:2200", default_user="u") == ("me", "bastion", 2200)
    assert parse_host_spec("[fe80::1]:22", default_user="u") == ("u", "fe80::1", 22)
    with pytest.raises(ValueError, match="port 'x' is not a number"):
        parse_host_spec("h:x", default_user="u")


def test_transport_for_node_uses_the_node_settings():
    cluster = parse_config(YAML, "t.yaml").cluster()
    n1 = transport_for_node(cluster.node("n1"), cluster.ssh)
    assert isinstance(n1, SshTransport)
    assert (n1.host, n1.port, n1.username, n1.sudo) == ("10.0.0.1", 22, "ops", True)
    assert n1.identity_files == ("/keys/id",) and n1.name == "n1"
    assert n1.jump_spec == "ops@bastion:2200"
    n2 = transport_for_node(cluster.node("n2"), cluster.ssh)
    assert (n2.port, n2.username, n2.sudo) == (2022, "root", False)
    assert isinstance(transport_for_node(cluster.node("here"), cluster.ssh), LocalTransport)


def test_nodes_share_one_jump_connection():
    cluster = parse_config(YAML, "t.yaml").cluster()
    transport_for = transports_for(cluster.nodes, cluster.ssh)
    assert transport_for("n1").jump is transport_for("n2").jump
    with pytest.raises(KeyError, match="no node named 'zz'"):
        transport_for("zz")


@pytest.mark.parametrize("where", ["cluster", "node", "nowhere"])
def test_only_the_config_key_turns_host_key_checking_off_for_node_and_jump(where):
    flag = "insecure_skip_host_key_check: true"
    text = YAML.replace("identity_file: /keys/id}", f"identity_file: /keys/id{', ' + flag if where == 'cluster' else ''}}}")
    text = text.replace("{name: n1, host: 10.0.0.1}", f"{{name: n1, host: 10.0.0.1{', ' + flag if where == 'node' else ''}}}")
    cluster = parse_config(text, "t.yaml").cluster()
    assert cluster.host_keys_unverified is (where != "nowhere")
    transport_for = transports_for(cluster.nodes, cluster.ssh)
    n1, n2 = transport_for("n1"), transport_for("n2")
    assert n1.skip_host_key_check is n1.jump.skip_host_key_check is (where != "nowhere")
    assert n1.host_keys_verified is (where == "nowhere")
    assert n2.host_keys_verified is (where != "cluster")
    if where == "node":  # a checked node never shares a jump connection with an unchecked one
        assert n1.jump is not n2.jump and n2.jump.host_keys_verified
    # a node the cluster reports but the config does not list gets the cluster's setting
    other = transport_for_node(cluster.node_for_address("rn9", "10.0.0.9"), cluster.ssh)
    assert other.host_keys_verified is (where != "cluster")


def test_jump_host_specs_are_checked_when_the_config_is_read():
    from tui.config import ConfigError

    for bad in ("a:b", "a,,b", "@", "-oProxyCommand=x", "me@-x", "a:70000", "two words"):
        with pytest.raises(ConfigError, match=r"clusters\[0\]\.ssh\.jump_host"):
            parse_config(YAML.replace('"bastion:2200"', repr(bad)), "t.yaml")
    with pytest.raises(ValueError):
        parse_host_spec("-oProxyCommand=x", default_user="u")
