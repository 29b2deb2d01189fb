"""YAML -> validated, typed config.

The YAML is composed into nodes (not just loaded) so every error can name the file, the
line and the key path, e.g. ``pcmk.yaml:12: clusters[0].nodes[1].port: expected a port
number 1-65535, got 'ssh'``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import platformdirs
import yaml

from tui.plaintext import one_line
from tui.remote.hostspec import is_host_name, jump_hops

APP_NAME = "pcmk-console"
NODE_KINDS = ("cluster", "remote", "guest")
CONFIG_SIZE_LIMIT = 1024 * 1024  # a config is a few kB; more is a wrong path (/dev/zero)
INSECURE_KEY = "insecure_skip_host_key_check"
HOST_KEYS_NOT_VERIFIED = "HOST KEYS NOT VERIFIED"  # the status-line label


class ConfigError(Exception):
    """One line naming the file, the line and the key path; every part terminal-safe."""

    def __init__(self, source: str, line: int | None, key_path: str, message: str) -> None:
        self.source, self.line, self.key_path, self.message = source, line, key_path, message
        where = one_line(f"{source}:{line}" if line else source)
        key_path, message = one_line(key_path, 200), one_line(message, 1000)
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
    # the only way to connect without checking the host key: said in the config, per cluster
    # (or node), shown on every screen and in `status`
    insecure_skip_host_key_check: bool = False


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
    insecure_skip_host_key_check: bool = False
    local: bool = False  # run commands on this machine, no SSH


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    name: str
    nodes: tuple[NodeConfig, ...]
    ssh: SshDefaults = field(default_factory=SshDefaults)
    read_only: bool = False
    production: bool = False
    color: str | None = None

    @property
    def host_keys_unverified(self) -> bool:
        """True when some host of this cluster is reached without checking its host key."""
        return self.ssh.insecure_skip_host_key_check or any(
            n.insecure_skip_host_key_check and not n.local for n in self.nodes)

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
            insecure_skip_host_key_check=self.ssh.insecure_skip_host_key_check,
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


def host_keys_note(cluster: ClusterConfig) -> str:
    """One line saying that (and where) the config turned host-key checking off."""
    where = "its ssh settings" if cluster.ssh.insecure_skip_host_key_check else "some of its nodes"
    return (f"NOTE: {HOST_KEYS_NOT_VERIFIED} for cluster {one_line(cluster.name)}: {INSECURE_KEY} is true "
            f"in {where}; anyone on the network path can pose as its hosts")


def local_config(read_only: bool = False) -> Config:
    """No config file: the cluster this machine belongs to, through local commands."""
    node = NodeConfig(name="localhost", host="localhost", local=True)
    return Config(clusters=(ClusterConfig(name="local", nodes=(node,), read_only=read_only),), read_only=read_only)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.yaml"


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(CONFIG_SIZE_LIMIT + 1)
    except OSError as exc:
        raise ConfigError(str(path), None, "", f"cannot read config: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL in the path
        raise ConfigError(repr(str(path)), None, "", f"cannot read config: {exc}") from None
    if len(data) > CONFIG_SIZE_LIMIT:
        raise ConfigError(str(path), None, "", f"larger than {CONFIG_SIZE_LIMIT // 1024} KiB: not a config file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        shown = data[exc.start : exc.end].hex(" ")
        readable = data.decode("utf-8", "replace")
        at = len(data[: exc.start].decode("utf-8", "replace"))
        raise ConfigError(str(path), line, _path_at(readable, at),
                          f"not UTF-8 text (byte {shown} at column {column})") from None
    return parse_config(text, str(path), base_dir=path.parent)


def parse_config(text: str, source: str = "config", *, base_dir: Path | None = None) -> Config:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:  # a control character: where, and under which key
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError(source, line, _path_at(_printable(text), exc.position),
                          f"not valid YAML: character {_char(exc.character)} is not allowed "
                          "(write it as an escape in a double-quoted string)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(source, None, "", "not valid YAML: nested too deeply") from None
    reader = _Reader(source, base_dir or Path.cwd())
    if root is None:
        return Config(source=Path(source))
    return reader.config(root)


def _char(character: int | str) -> str:
    return ascii(chr(character) if isinstance(character, int) else character)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _printable(text: str) -> str:
    """`text` with what the YAML reader refuses replaced, to find the key of a bad line."""
    return yaml.reader.Reader.NON_PRINTABLE.sub("?", text)


def _path_at(text: str, offset: int) -> str:
    """The key path of the deepest key (or list item) on the line of `text[offset]` that
    starts at or before it ("" when it cannot tell)."""
    line = text.count("\n", 0, offset) + 1
    here = (line, offset - (text.rfind("\n", 0, offset) + 1))
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return ""
    found, node, path = "", root, ""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        items = (
            [(_join(path, k.value if isinstance(k, yaml.ScalarNode) else "?"), k, v) for k, v in node.value]
            if isinstance(node, yaml.MappingNode)
            else [(f"{path}[{i}]", v, v) for i, v in enumerate(node.value)]
        )
        # the item holding the line: the last one that starts on or before it
        before = [item for item in items if (item[1].start_mark.line + 1, item[1].start_mark.column) <= here]
        if not before:
            break
        item_path, start, value = before[-1]
        if start.start_mark.line + 1 == line or value.start_mark.line + 1 == line:
            found = item_path
        node, path = value, item_path
    return found


# --- validation ---------------------------------------------------------------------------

_TOP_KEYS = ("clusters", "refresh_interval", "theme", "read_only", "default_cluster")
_CLUSTER_KEYS = ("name", "nodes", "ssh", "read_only", "production", "color")
_SSH_KEYS = ("user", "port", "identity_file", "jump_host", "sudo", "known_hosts", "connect_timeout", INSECURE_KEY)
_NODE_KEYS = ("name", "host", "kind", "local") + _SSH_KEYS


class _Reader:
    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir
        self._scalars = yaml.SafeLoader("")

    def fail(self, node: yaml.Node | None, path: str, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(self.source, line, path, message)

    def check_tag(self, node: yaml.Node, path: str) -> None:
        """Plain YAML only: a `!!python/...` (or any other) tag is refused, never obeyed."""
        allowed = _MAP_TAG if isinstance(node, yaml.MappingNode) else _SEQ_TAG if isinstance(node, yaml.SequenceNode) else _SCALAR_TAGS
        if node.tag not in allowed:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            hint = " (merge keys are not supported: write the keys out)" if tag == "!!merge" else ""
            raise self.fail(node, path or "(top level)", f"YAML tag {tag} is not allowed here: the config holds plain values only{hint}")

    def mapping(self, node: yaml.Node, path: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        self.check_tag(node, path)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path or "(top level)", "expected a mapping of keys to values")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node, f"{path}.?" if path else "?") if isinstance(key_node, yaml.ScalarNode) else _NotScalar
            shown = key if isinstance(key, str) else "(a list or mapping)" if key is _NotScalar else repr(key)
            key_path = f"{path}.{shown}" if path else shown
            if key not in allowed:
                raise self.fail(key_node, key_path, f"unknown key (expected one of: {', '.join(allowed)})")
            if key in out:
                raise self.fail(key_node, key_path, "key given twice")
            out[key] = value_node
        return out

    def sequence(self, node: yaml.Node, path: str, expected: str) -> list[yaml.Node]:
        self.check_tag(node, path)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, f"expected {expected}")
        return node.value

    def value(self, node: yaml.Node, path: str) -> Any:
        self.check_tag(node, path)
        try:
            return self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:  # `!!int x`
            raise self.fail(node, path, f"not a valid {node.tag.rpartition(':')[2]}: {exc}") from None

    def scalar(self, fields: dict, key: str, path: str, check: Callable[[Any], Any], expected: str, default: Any) -> Any:
        node = fields.get(key)
        if node is None:
            return default
        key_path = f"{path}.{key}" if path else key
        raw = self.value(node, key_path) if isinstance(node, yaml.ScalarNode) else _NotScalar
        try:
            if raw is _NotScalar:
                raise ValueError
            return check(raw)
        except (ValueError, TypeError, OverflowError):
            shown = "a list or mapping" if raw is _NotScalar else "nothing" if raw is None else _shown(raw)
            raise self.fail(node, key_path, f"expected {expected}, got {shown}") from None

    def config(self, root: yaml.Node) -> Config:
        fields = self.mapping(root, "", _TOP_KEYS)
        clusters_node = fields.get("clusters")
        clusters: list[ClusterConfig] = []
        if clusters_node is not None:
            for index, item in enumerate(self.sequence(clusters_node, "clusters", "a list of clusters")):
                clusters.append(self.cluster(item, f"clusters[{index}]"))
        seen: set[str] = set()
        for index, cluster in enumerate(clusters):
            if cluster.name in seen:
                raise self.fail(clusters_node.value[index], f"clusters[{index}].name", f"cluster name {cluster.name!r} used twice")
            seen.add(cluster.name)
        default_cluster = self.scalar(fields, "default_cluster", "", _display_name, "a cluster name", None)
        if default_cluster is not None and default_cluster not in seen:
            raise self.fail(fields["default_cluster"], "default_cluster", f"no cluster named {default_cluster!r}")
        return Config(
            clusters=tuple(clusters),
            refresh_interval=self.scalar(fields, "refresh_interval", "", _seconds(*REFRESH_RANGE), _range_words(REFRESH_RANGE), 5.0),
            theme=self.scalar(fields, "theme", "", _theme_name, "a theme name (letters, digits, '.', '_', '-')", "pcmk-dark"),
            read_only=self.scalar(fields, "read_only", "", _boolean, "true or false", False),
            default_cluster=default_cluster,
            source=Path(self.source),
        )

    def ssh_defaults(self, fields: dict, path: str, base: SshDefaults) -> SshDefaults:
        return SshDefaults(
            user=self.scalar(fields, "user", path, _host_word, "a user name", base.user),
            port=self.scalar(fields, "port", path, _port, "a port number 1-65535", base.port),
            identity_file=self.scalar(fields, "identity_file", path, self.file_path, "a file path", base.identity_file),
            jump_host=self.scalar(fields, "jump_host", path, _jump_spec, "a host name ([user@]host[:port], a chain joined by ',')", base.jump_host),
            sudo=self.scalar(fields, "sudo", path, _boolean, "true or false", base.sudo),
            known_hosts=self.scalar(fields, "known_hosts", path, self.file_path, "a file path", base.known_hosts),
            connect_timeout=self.scalar(fields, "connect_timeout", path, _seconds(*TIMEOUT_RANGE), _range_words(TIMEOUT_RANGE), base.connect_timeout),
            insecure_skip_host_key_check=self.scalar(fields, INSECURE_KEY, path, _boolean, "true or false", base.insecure_skip_host_key_check),
        )

    def cluster(self, node: yaml.Node, path: str) -> ClusterConfig:
        fields = self.mapping(node, path, _CLUSTER_KEYS)
        if "name" not in fields:
            raise self.fail(node, f"{path}.name", "missing: every cluster needs a name")
        name = self.scalar(fields, "name", path, _display_name, "a cluster name", None)
        ssh = SshDefaults()
        if "ssh" in fields:
            ssh = self.ssh_defaults(self.mapping(fields["ssh"], f"{path}.ssh", _SSH_KEYS), f"{path}.ssh", ssh)
        nodes_node = fields.get("nodes")
        needed = "a non-empty list of nodes (at least one cluster node to run crm_mon on)"
        items = self.sequence(nodes_node, f"{path}.nodes", needed) if nodes_node is not None else []
        if not items:
            raise self.fail(nodes_node or node, f"{path}.nodes", f"expected {needed}")
        nodes = tuple(self.node(item, f"{path}.nodes[{i}]", ssh) for i, item in enumerate(items))
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
            color=self.scalar(fields, "color", path, _colour, f"#rrggbb, #rgb or a colour name ({', '.join(COLOUR_NAMES)})", None),
        )

    def node(self, node: yaml.Node, path: str, ssh: SshDefaults) -> NodeConfig:
        fields = self.mapping(node, path, _NODE_KEYS)
        if "host" not in fields and "name" not in fields:
            raise self.fail(node, f"{path}.host", "missing: a node needs a host (or a name that resolves)")
        host = self.scalar(fields, "host", path, _host_word, "a host name or address", None)
        name = self.scalar(fields, "name", path, _host_word, "a node name", None) or host
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
        text = _display_name(raw, limit=4096)
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)


_NotScalar = object()
_MAP_TAG = ("tag:yaml.org,2002:map",)
_SEQ_TAG = ("tag:yaml.org,2002:seq",)
_SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
REFRESH_RANGE = (0.5, 86400.0)  # seconds: twice a second at most, once a day at least
TIMEOUT_RANGE = (0.1, 3600.0)
# names every terminal colour library agrees on (tests check Textual parses each one)
COLOUR_NAMES = ("black", "white", "gray", "grey", "silver", "red", "maroon", "orange", "yellow", "olive",
                "lime", "green", "teal", "aqua", "cyan", "blue", "navy", "purple", "fuchsia", "magenta")
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _shown(raw: Any) -> str:
    """A config value inside an error message: quoted, escaped, and short."""
    if isinstance(raw, str) and len(raw) > 60:
        return f"{raw[:40]!r}... ({len(raw)} characters)"
    shown = repr(raw)
    return shown if len(shown) <= 60 else f"{shown[:40]}... ({len(shown)} characters)"


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError
    return raw.strip()


def _display_name(raw: Any, limit: int = 255) -> str:
    """A name shown on screens (cluster, file path): no control characters, not endless."""
    text = _text(raw)
    if len(text) > limit or one_line(text, None) != text:
        raise ValueError
    return text


def _host_word(raw: Any) -> str:
    """A host, user or node name: also a word in argv and in `--export-sh`'s ssh lines."""
    text = _text(raw)
    if not is_host_name(text):
        raise ValueError
    return text


def _jump_spec(raw: Any) -> str:
    return ",".join(jump_hops(_text(raw)))


def _theme_name(raw: Any) -> str:
    text = _text(raw)
    if not _THEME_NAME.fullmatch(text):
        raise ValueError
    return text


def _colour(raw: Any) -> str:
    text = _text(raw)
    if _HEX_COLOUR.fullmatch(text):
        return text
    if text.lower() in COLOUR_NAMES:
        return text.lower()
    raise ValueError


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError
    return raw


def _port(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
        raise ValueError
    return raw


def _seconds(low: float, high: float) -> Callable[[Any], float]:
    """A finite number of seconds in [low, high]: .nan, .inf, 0 and -1 are all refused."""

    def check(raw: Any) -> float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ValueError
        if not (isinstance(raw, int) or math.isfinite(raw)) or not low <= raw <= high:
            raise ValueError
        return float(raw)

    return check


def _range_words(bounds: tuple[float, float]) -> str:
    return f"a number of seconds from {bounds[0]:g} to {bounds[1]:g}"


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
