"""YAML -> validated, typed config.

The YAML is composed into nodes (not just loaded) so every error can name the file, the
line and the key path, e.g. ``pcmk.yaml:12: clusters[0].nodes[1].port: expected a port
number 1-65535, got 'ssh'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import platformdirs
import yaml

APP_NAME = "pcmk-console"
NODE_KINDS = ("cluster", "remote", "guest")


class ConfigError(Exception):
    def __init__(self, source: str, line: int | None, key_path: str, message: str) -> None:
        self.source, self.line, self.key_path, self.message = source, line, key_path, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key_path}: {message}" if key_path else f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class SshDefaults:
    user: str = "root"
    port: int = 22
    identity_file: Path | None = None
    jump_host: str | None = None
    sudo: bool = False
    known_hosts: Path | None = None  # None: ~/.ssh/known_hosts (asyncssh's default)
    connect_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class NodeConfig:
    name: str
    host: str
    port: int = 22
    user: str = "root"
    identity_file: Path | None = None
    jump_host: str | None = None
    sudo: bool = False
    kind: str = "cluster"
    known_hosts: Path | None = None
    connect_timeout: float = 10.0
    local: bool = False  # run commands on this machine, no SSH


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    name: str
    nodes: tuple[NodeConfig, ...]
    ssh: SshDefaults = field(default_factory=SshDefaults)
    read_only: bool = False
    production: bool = False
    color: str | None = None

    def status_nodes(self) -> tuple[NodeConfig, ...]:
        """Where crm_mon runs, in the order to try them."""
        return tuple(n for n in self.nodes if n.kind == "cluster")

    def node(self, name: str) -> NodeConfig | None:
        return next((n for n in self.nodes if n.name == name), None)

    def node_for_address(self, name: str, address: str | None) -> NodeConfig:
        """How to reach a node the cluster told us about: config entry, else ssh defaults."""
        known = self.node(name)
        if known is not None:
            return known
        return NodeConfig(
            name=name,
            host=address or name,
            port=self.ssh.port,
            user=self.ssh.user,
            identity_file=self.ssh.identity_file,
            jump_host=self.ssh.jump_host,
            sudo=self.ssh.sudo,
            known_hosts=self.ssh.known_hosts,
            connect_timeout=self.ssh.connect_timeout,
        )


@dataclass(frozen=True, slots=True)
class Config:
    clusters: tuple[ClusterConfig, ...] = ()
    refresh_interval: float = 5.0
    theme: str = "pcmk-dark"
    read_only: bool = False
    default_cluster: str | None = None
    source: Path | None = None

    def cluster(self, name: str | None = None) -> ClusterConfig:
        """The named cluster, else default_cluster, else the first one."""
        wanted = name or self.default_cluster
        if wanted is None:
            if not self.clusters:
                raise ConfigError(str(self.source or "config"), None, "clusters", "no cluster configured")
            return self.clusters[0]
        for cluster in self.clusters:
            if cluster.name == wanted:
                return cluster
        names = ", ".join(c.name for c in self.clusters) or "none"
        raise ConfigError(str(self.source or "config"), None, "clusters", f"no cluster named {wanted!r} (configured: {names})")


def local_config(read_only: bool = False) -> Config:
    """No config file: the cluster this machine belongs to, through local commands."""
    node = NodeConfig(name="localhost", host="localhost", local=True)
    return Config(clusters=(ClusterConfig(name="local", nodes=(node,), read_only=read_only),), read_only=read_only)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.yaml"


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, "", f"cannot read config: {exc.strerror or exc}") from exc
    return parse_config(text, str(path), base_dir=path.parent)


def parse_config(text: str, source: str = "config", *, base_dir: Path | None = None) -> Config:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}") from exc
    reader = _Reader(source, base_dir or Path.cwd())
    if root is None:
        return Config(source=Path(source))
    return reader.config(root)


# --- validation ---------------------------------------------------------------------------

_TOP_KEYS = ("clusters", "refresh_interval", "theme", "read_only", "default_cluster")
_CLUSTER_KEYS = ("name", "nodes", "ssh", "read_only", "production", "color")
_SSH_KEYS = ("user", "port", "identity_file", "jump_host", "sudo", "known_hosts", "connect_timeout")
_NODE_KEYS = ("name", "host", "kind", "local") + _SSH_KEYS


class _Reader:
    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir
        self._scalars = yaml.SafeLoader("")

    def fail(self, node: yaml.Node | None, path: str, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(self.source, line, path, message)

    def mapping(self, node: yaml.Node, path: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path or "(top level)", "expected a mapping of keys to values")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            key_path = f"{path}.{key}" if path else str(key)
            if key not in allowed:
                raise self.fail(key_node, key_path, f"unknown key (expected one of: {', '.join(allowed)})")
            if key in out:
                raise self.fail(key_node, key_path, "key given twice")
            out[key] = value_node
        return out

    def value(self, node: yaml.Node) -> Any:
        return self._scalars.construct_object(node, deep=True)

    def scalar(self, fields: dict, key: str, path: str, check: Callable[[Any], Any], expected: str, default: Any) -> Any:
        node = fields.get(key)
        if node is None:
            return default
        key_path = f"{path}.{key}" if path else key
        raw = self.value(node) if isinstance(node, yaml.ScalarNode) else _NotScalar
        try:
            if raw is _NotScalar:
                raise ValueError
            return check(raw)
        except (ValueError, TypeError):
            shown = "a list or mapping" if raw is _NotScalar else repr(raw)
            raise self.fail(node, key_path, f"expected {expected}, got {shown}") from None

    def config(self, root: yaml.Node) -> Config:
        fields = self.mapping(root, "", _TOP_KEYS)
        clusters_node = fields.get("clusters")
        clusters: list[ClusterConfig] = []
        if clusters_node is not None:
            if not isinstance(clusters_node, yaml.SequenceNode):
                raise self.fail(clusters_node, "clusters", "expected a list of clusters")
            for index, item in enumerate(clusters_node.value):
                clusters.append(self.cluster(item, f"clusters[{index}]"))
        seen: set[str] = set()
        for index, cluster in enumerate(clusters):
            if cluster.name in seen:
                raise self.fail(clusters_node.value[index], f"clusters[{index}].name", f"cluster name {cluster.name!r} used twice")
            seen.add(cluster.name)
        default_cluster = self.scalar(fields, "default_cluster", "", _text, "a cluster name", None)
        if default_cluster is not None and default_cluster not in seen:
            raise self.fail(fields["default_cluster"], "default_cluster", f"no cluster named {default_cluster!r}")
        return Config(
            clusters=tuple(clusters),
            refresh_interval=self.scalar(fields, "refresh_interval", "", _positive_seconds, "a number of seconds > 0", 5.0),
            theme=self.scalar(fields, "theme", "", _text, "a theme name", "pcmk-dark"),
            read_only=self.scalar(fields, "read_only", "", _boolean, "true or false", False),
            default_cluster=default_cluster,
            source=Path(self.source),
        )

    def ssh_defaults(self, fields: dict, path: str, base: SshDefaults) -> SshDefaults:
        return SshDefaults(
            user=self.scalar(fields, "user", path, _text, "a user name", base.user),
            port=self.scalar(fields, "port", path, _port, "a port number 1-65535", base.port),
            identity_file=self.scalar(fields, "identity_file", path, self.file_path, "a file path", base.identity_file),
            jump_host=self.scalar(fields, "jump_host", path, _text, "a host name ([user@]host[:port])", base.jump_host),
            sudo=self.scalar(fields, "sudo", path, _boolean, "true or false", base.sudo),
            known_hosts=self.scalar(fields, "known_hosts", path, self.file_path, "a file path", base.known_hosts),
            connect_timeout=self.scalar(fields, "connect_timeout", path, _positive_seconds, "a number of seconds > 0", base.connect_timeout),
        )

    def cluster(self, node: yaml.Node, path: str) -> ClusterConfig:
        fields = self.mapping(node, path, _CLUSTER_KEYS)
        if "name" not in fields:
            raise self.fail(node, f"{path}.name", "missing: every cluster needs a name")
        name = self.scalar(fields, "name", path, _text, "a cluster name", None)
        ssh = SshDefaults()
        if "ssh" in fields:
            ssh = self.ssh_defaults(self.mapping(fields["ssh"], f"{path}.ssh", _SSH_KEYS), f"{path}.ssh", ssh)
        nodes_node = fields.get("nodes")
        if not isinstance(nodes_node, yaml.SequenceNode) or not nodes_node.value:
            raise self.fail(nodes_node or node, f"{path}.nodes", "expected a non-empty list of nodes (at least one cluster node to run crm_mon on)")
        nodes = tuple(self.node(item, f"{path}.nodes[{i}]", ssh) for i, item in enumerate(nodes_node.value))
        names = [n.name for n in nodes]
        for index, name_ in enumerate(names):
            if names.index(name_) != index:
                raise self.fail(nodes_node.value[index], f"{path}.nodes[{index}].name", f"node name {name_!r} used twice")
        if not any(n.kind == "cluster" for n in nodes):
            raise self.fail(nodes_node, f"{path}.nodes", "needs at least one node of kind 'cluster' (where crm_mon runs)")
        return ClusterConfig(
            name=name,
            nodes=nodes,
            ssh=ssh,
            read_only=self.scalar(fields, "read_only", path, _boolean, "true or false", False),
            production=self.scalar(fields, "production", path, _boolean, "true or false", False),
            color=self.scalar(fields, "color", path, _text, "a colour name or #rrggbb", None),
        )

    def node(self, node: yaml.Node, path: str, ssh: SshDefaults) -> NodeConfig:
        fields = self.mapping(node, path, _NODE_KEYS)
        if "host" not in fields and "name" not in fields:
            raise self.fail(node, f"{path}.host", "missing: a node needs a host (or a name that resolves)")
        host = self.scalar(fields, "host", path, _text, "a host name or address", None)
        name = self.scalar(fields, "name", path, _text, "a node name", None) or host
        own = self.ssh_defaults(fields, path, ssh)
        kind = self.scalar(fields, "kind", path, _one_of(NODE_KINDS), " or ".join(NODE_KINDS), "cluster")
        return NodeConfig(
            name=name,
            host=host or name,
            kind=kind,
            local=self.scalar(fields, "local", path, _boolean, "true or false", False),
            **{key: getattr(own, key) for key in _SSH_KEYS},
        )

    def file_path(self, raw: Any) -> Path:
        text = _text(raw)
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)


_NotScalar = object()


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError
    return raw.strip()


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError
    return raw


def _port(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
        raise ValueError
    return raw


def _positive_seconds(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0:
        raise ValueError
    return float(raw)


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(raw: Any) -> str:
        if raw not in choices:
            raise ValueError
        return raw

    return check


def effective_config(path: Path | None, *, read_only: bool = False, local_fallback: bool = True) -> Config | None:
    """The config a command runs with: PATH, else the default file if present, else
    (local_fallback) the local cluster; --read-only on top. None: nothing configured."""
    if path is not None:
        config = load_config(path)
    elif default_config_path().exists():
        config = load_config(default_config_path())
    elif local_fallback:
        config = local_config()
    else:
        return None
    return with_read_only(config, read_only)


def with_read_only(config: Config, read_only: bool) -> Config:
    """--read-only on the command line wins over the file."""
    return replace(config, read_only=config.read_only or read_only)
