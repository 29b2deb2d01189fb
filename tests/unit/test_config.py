from pathlib import Path

import pytest

from tui.config import ConfigError, load_config, local_config, parse_config, with_read_only

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_loads_and_documents_every_key():
    config = load_config(ROOT / "config.example.yaml")
    prod = config.cluster()
    assert prod.name == "prod-east" and prod.production and prod.color == "#d70000"
    assert config.refresh_interval == 5.0 and config.theme == "pcmk-dark"
    node2 = prod.node("node2")
    assert node2.port == 2222 and node2.user == "root"
    assert prod.node("node1").identity_file == Path("~/.ssh/id_ed25519").expanduser()
    rn1 = prod.node("rn1")
    assert (rn1.kind, rn1.user, rn1.sudo) == ("remote", "ops", True)
    assert rn1.jump_host == "admin@bastion.example.com:22"
    assert [n.name for n in prod.status_nodes()] == ["node1", "node2"]
    assert config.cluster("lab").nodes[0].local is True
    # every key the reader accepts appears in the example
    from tui import config as module

    text = (ROOT / "config.example.yaml").read_text()
    for key in set(module._TOP_KEYS + module._CLUSTER_KEYS + module._NODE_KEYS):
        assert f"{key}:" in text, f"config.example.yaml does not document {key!r}"


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pcmk.yaml")
    return info.value


def test_wrong_type_names_file_line_and_key_path():
    err = error_of("clusters:\n  - name: a\n    nodes:\n      - host: n1\n      - host: n2\n        port: ssh\n")
    assert (err.source, err.line, err.key_path) == ("pcmk.yaml", 6, "clusters[0].nodes[1].port")
    assert "expected a port number 1-65535, got 'ssh'" in str(err)
    assert str(err).startswith("pcmk.yaml:6: clusters[0].nodes[1].port:")


def test_unknown_key_is_an_error_not_ignored():
    err = error_of("clusters:\n  - name: a\n    nodes: [{host: n1}]\n    prodution: true\n")
    assert err.line == 4 and err.key_path == "clusters[0].prodution"
    assert "unknown key" in err.message and "production" in err.message


def test_broken_yaml_names_the_line():
    err = error_of("clusters:\n  - name: a\n    nodes: [host: n1\n")
    assert err.line is not None and "not valid YAML" in err.message


@pytest.mark.parametrize(
    "text, key_path",
    [
        ("refresh_interval: 0\n", "refresh_interval"),
        ("refresh_interval: soon\n", "refresh_interval"),
        ("read_only: yes please\n", "read_only"),
        ("clusters: prod\n", "clusters"),
        ("clusters:\n  - nodes: [{host: a}]\n", "clusters[0].name"),
        ("clusters:\n  - name: a\n", "clusters[0].nodes"),
        ("clusters:\n  - name: a\n    nodes: [{host: a, kind: vm}]\n", "clusters[0].nodes[0].kind"),
        ("clusters:\n  - name: a\n    nodes: [{host: a, kind: remote}]\n", "clusters[0].nodes"),
        ("clusters:\n  - name: a\n    nodes: [{host: a}, {host: a}]\n", "clusters[0].nodes[1].name"),
        ("clusters:\n  - {name: a, nodes: [{host: x}]}\n  - {name: a, nodes: [{host: y}]}\n", "clusters[1].name"),
        ("default_cluster: b\nclusters:\n  - {name: a, nodes: [{host: x}]}\n", "default_cluster"),
        ("clusters:\n  - name: a\n    ssh: {port: 70000}\n    nodes: [{host: x}]\n", "clusters[0].ssh.port"),
        ("- just\n- a list\n", "(top level)"),
    ],
)
def test_each_bad_value_is_named(text, key_path):
    assert error_of(text).key_path == key_path


def test_nodes_inherit_cluster_ssh_and_override_it(tmp_path):
    text = (
        "clusters:\n  - name: a\n    ssh: {user: ops, port: 2200, sudo: true, identity_file: keys/id}\n"
        "    nodes:\n      - host: n1\n      - {host: n2, user: root, sudo: false}\n"
    )
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(text)
    cluster = load_config(cfg_file).cluster("a")
    n1, n2 = cluster.nodes
    assert (n1.user, n1.port, n1.sudo, n1.identity_file) == ("ops", 2200, True, tmp_path / "keys/id")
    assert (n2.user, n2.port, n2.sudo) == ("root", 2200, False)
    # a node the cluster reported but the config does not list: cluster ssh defaults
    rn = cluster.node_for_address("rn9", "10.0.0.9")
    assert (rn.host, rn.user, rn.port) == ("10.0.0.9", "ops", 2200)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_unknown_cluster_lists_the_configured_ones():
    config = parse_config("clusters:\n  - {name: a, nodes: [{host: x}]}\n")
    with pytest.raises(ConfigError, match=r"no cluster named 'zz' \(configured: a\)"):
        config.cluster("zz")


def test_local_config_and_read_only_override():
    config = local_config()
    assert config.cluster().status_nodes()[0].local
    assert with_read_only(config, True).read_only is True
    assert with_read_only(with_read_only(config, True), False).read_only is True
