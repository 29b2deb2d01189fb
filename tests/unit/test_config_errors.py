"""Every broken config value, for every key of the schema: one ConfigError naming file, line
and key path; never a traceback, never a value taken silently.

A complete config is generated from the schema (one key per line, so the line of each key is
known); each case breaks one key's value and checks what the error names. A key added to the
schema without a good value here fails `test_the_table_covers_every_key`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import ALL as CORPUS
from tui import config as schema
from tui.config import ConfigError, load_config, parse_config
from tui.plaintext import is_safe

ROOT = Path(__file__).resolve().parents[2]

# one good value per key, as YAML source
GOOD = {
    "refresh_interval": "5", "theme": "pcmk-dark", "read_only": "false", "default_cluster": "c1",
    "name": "c1", "production": "true", "color": '"#d70000"',
    "user": "root", "port": "22", "identity_file": "~/.ssh/id_ed25519", "known_hosts": "~/.ssh/known_hosts",
    "jump_host": "admin@bastion.example.com:22", "sudo": "false", "connect_timeout": "10",
    "insecure_skip_host_key_check": "false", "host": "n1.example.com", "kind": "cluster", "local": "false",
}
STRUCTURE = ("clusters", "nodes", "ssh")

BOOL = ["yes please", "1", "0", '"true"', "[true]", "{a: 1}", "~", ".nan"]
NOT_SCALAR = ["[a, b]", "{a: b}"]
TAGS = ["!!python/name:os.system", "!!python/object/apply:os.system ['echo pwned']",
        "!!python/object/new:str x", "!!python/tuple [1]", "!custom x", "!!binary aGk=", "!!set {a}"]
SECONDS = [".nan", ".NaN", ".inf", "-.inf", "-1", "0", "1" + "0" * 400, "1.0e999", "true", "soon", '"5"',
           "86401", "999999999999"]
TEXT = ['""', '"   "', "42", "4.2", "true", "~", '"a\\eb"', '"line\\nbreak"', '"bell\\a"', '"\\x9b2J"',
        '"x\\u202ey"', '"' + "n" * 100_000 + '"', "2024-01-01"]
HOST_WORD = TEXT + ['"-oProxyCommand=touch /tmp/x"', '"two words"']
BROKEN = {
    "refresh_interval": SECONDS + ["0.1"],
    "connect_timeout": SECONDS + ["0.01", "3601"],
    "port": ["0", "-22", "65536", "22.5", ".nan", ".inf", "ssh", "true", '"22"', "1" + "0" * 400],
    "read_only": BOOL, "production": BOOL, "sudo": BOOL, "local": BOOL, "insecure_skip_host_key_check": BOOL,
    "theme": TEXT + ['"../../etc/passwd"', '"a b"', '"' + "t" * 65 + '"', "nosuch/theme"],
    "color": TEXT + ["notacolour", '"#12345"', '"#gggggg"', '"rgb(1,2,3)"', "Red-ish"],
    "name": TEXT,
    "default_cluster": TEXT,
    "host": HOST_WORD,
    "user": HOST_WORD,
    "jump_host": HOST_WORD + ['"a:b"', '"a,,b"', '"@"', '"me@"', '"a:0"', '"a:70000"', '"[::1]:x"'],
    "identity_file": TEXT[:10] + ['"a\\0b"'],
    "known_hosts": TEXT[:10] + ['"a\\0b"'],
    "kind": ["vm", "Cluster", "42", "true", '""'],
}
STRUCTURE_BROKEN = ["prod", "42", "true"] + TAGS[:4]


def template() -> tuple[list[str], dict[str, int]]:
    """A complete config, every key of the schema on its own line, and each key's line."""
    lines: list[str] = []
    where: dict[str, int] = {}

    def put(indent: str, key: str, value: str, path: str) -> None:
        lines.append(f"{indent}{key}: {value}")
        where[path] = len(lines)

    for key in schema._TOP_KEYS:
        if key != "clusters":
            put("", key, GOOD[key], key)
    put("", "clusters", "", "clusters")
    first = True
    for key in schema._CLUSTER_KEYS:
        if key in ("ssh", "nodes"):
            continue
        indent = "  - " if first else "    "
        first = False
        put(indent, key, GOOD[key], f"clusters[0].{key}")
    put("    ", "ssh", "", "clusters[0].ssh")
    for key in schema._SSH_KEYS:
        put("      ", key, GOOD[key], f"clusters[0].ssh.{key}")
    put("    ", "nodes", "", "clusters[0].nodes")
    for index, key in enumerate(schema._NODE_KEYS):
        put("      - " if index == 0 else "        ", key, GOOD[key], f"clusters[0].nodes[0].{key}")
    return lines, where


LINES, WHERE = template()


def broken(path: str, value: str) -> str:
    """The template with `path`'s value replaced (a list or mapping key: its whole block)."""
    lines = list(LINES)
    line = WHERE[path]
    head = lines[line - 1].partition(":")[0]
    end = line
    if path.rpartition(".")[2] in STRUCTURE:  # its children go with it
        depth = len(head) - len(head.lstrip(" -"))
        while end < len(lines) and len(lines[end]) - len(lines[end].lstrip(" -")) > depth:
            end += 1
    lines[line - 1 : end] = [f"{head}: {value}"]
    return "\n".join(lines) + "\n"


def with_line_tail(path: str, tail: str) -> str:
    """The template with `tail` in `path`'s line: in the value, or in a comment after a
    list or mapping key (whose value is the lines below)."""
    if path.rpartition(".")[2] in STRUCTURE:
        lines = list(LINES)
        lines[WHERE[path] - 1] += f"  # {tail}"
        return "\n".join(lines) + "\n"
    return broken(path, f"x{tail}")


def cases():
    for path in WHERE:
        key = path.rpartition(".")[2]
        if key in STRUCTURE:
            values = STRUCTURE_BROKEN
        else:
            values = BROKEN[key] + NOT_SCALAR + TAGS
        for value in values:
            yield pytest.param(path, value, id=f"{path}={value[:30]}")


def test_the_template_is_a_good_config():
    config = parse_config("\n".join(LINES) + "\n", "pcmk.yaml")
    node = config.cluster().nodes[0]
    assert node.name == "c1" and node.host == "n1.example.com" and config.refresh_interval == 5.0


def test_the_table_covers_every_key():
    keys = set(schema._TOP_KEYS + schema._CLUSTER_KEYS + schema._SSH_KEYS + schema._NODE_KEYS)
    assert keys - set(STRUCTURE) == set(GOOD) == set(BROKEN)
    assert {p.rpartition(".")[2] for p in WHERE} == keys


def assert_names(err: ConfigError, path: str, line: int, source: str = "pcmk.yaml") -> None:
    assert (err.source, err.line, err.key_path) == (source, line, path), str(err)
    text = str(err)
    assert text.startswith(f"{source}:{line}: {path}: "), text
    assert "\n" not in text and is_safe(text), text
    assert len(text) < 2000  # a 100k value is not echoed whole


@pytest.mark.parametrize("path, value", cases())
def test_each_broken_value_is_named_by_file_line_and_key_path(path, value):
    with pytest.raises(ConfigError) as info:
        parse_config(broken(path, value), "pcmk.yaml")
    assert_names(info.value, path, WHERE[path])


@pytest.mark.parametrize("path", list(WHERE))
def test_bytes_that_are_not_utf8_are_named_by_line_and_key(path, tmp_path):
    file = tmp_path / "pcmk.yaml"
    file.write_bytes(with_line_tail(path, "\udcff\udcfe").encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_config(file)
    assert_names(info.value, path, WHERE[path], str(file))


@pytest.mark.parametrize("path", list(WHERE))
@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x9b", "\x00"])
def test_raw_control_characters_are_named_by_line_and_key(path, char):
    with pytest.raises(ConfigError) as info:
        parse_config(with_line_tail(path, f"{char}y"), "pcmk.yaml")
    assert_names(info.value, path, WHERE[path])


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_strings_as_names_never_crash_and_stay_terminal_safe(text):
    import json

    source = json.dumps(text)  # a YAML double-quoted scalar carrying the hostile string
    for path in ("clusters[0].name", "clusters[0].nodes[0].host", "theme", "clusters[0].color"):
        try:
            config = parse_config(broken(path, source), "pcmk.yaml")
        except ConfigError as err:
            assert "\n" not in str(err) and is_safe(str(err))
            continue
        assert is_safe(config.cluster().name) and is_safe(config.cluster().nodes[0].host)


@pytest.mark.parametrize(
    "text, line, path",
    [
        ("? !!python/name:os.system\n: 1\n", 1, "?"),  # a tag on a key
        ("base: &b {user: root}\n<<: *b\n", 1, "base"),  # the unknown key comes first
        ("clusters:\n  - name: a\n    ssh:\n      <<: {user: root}\n    nodes: [{host: x}]\n", 4, "clusters[0].ssh.?"),
        ("clusters: !!python/object/new:list [[]]\n", 1, "clusters"),
        ("!!python/object:tui.config.Config {}\n", 1, "(top level)"),
    ],
)
def test_tags_anywhere_are_refused(text, line, path):
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pcmk.yaml")
    assert info.value.line == line and info.value.key_path == path, str(info.value)


def test_deep_nesting_and_huge_files_are_errors(tmp_path):
    with pytest.raises(ConfigError, match="nested too deeply|not valid YAML"):
        parse_config("clusters: " + "[" * 100_000 + "]" * 100_000 + "\n", "pcmk.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (schema.CONFIG_SIZE_LIMIT + 10))
    with pytest.raises(ConfigError, match="larger than"):
        load_config(big)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path)  # a directory


def test_every_colour_the_config_accepts_is_one_textual_can_draw():
    from textual.color import Color

    for name in schema.COLOUR_NAMES + ("#abc", "#A0B1C2"):
        config = parse_config(broken("clusters[0].color", f'"{name}"'), "pcmk.yaml")
        Color.parse(config.cluster().color)


# --- the CLI ------------------------------------------------------------------------------

CLI_CASES = [
    ("refresh_interval", ".nan"), ("refresh_interval", ".inf"), ("clusters[0].ssh.port", "!!python/name:os.system"),
    ("clusters[0].nodes[0].connect_timeout", "-1"), ("theme", '"no such/theme"'), ("clusters[0].color", "bogus"),
    ("clusters[0].nodes[0].host", '"-oProxyCommand=x"'), ("clusters[0].ssh.insecure_skip_host_key_check", "yes please"),
]


VERBS = [[], ["status"], ["status", "--json"], ["run", "--", "true"], ["plan", "standby", "n1"],
         ["apply", "standby", "n1", "--yes"], ["log"]]


def one_config_error_line(main, argv, capsys) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("pcmk-console: config error: "), err
    return err


@pytest.mark.parametrize("path, value", CLI_CASES)
@pytest.mark.parametrize("position", ["before", "after"])
def test_cli_prints_one_line_and_exits_2(path, value, position, tmp_path, capsys):
    from tui.cli import main

    file = tmp_path / "bad.yaml"
    file.write_text(broken(path, value))
    argv = ["--config", str(file), "status"] if position == "before" else ["status", "--config", str(file)]
    err = one_config_error_line(main, argv, capsys)
    assert err.startswith(f"pcmk-console: config error: {file}:{WHERE[path]}: {path}: "), err


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v) or "(console)")
def test_every_verb_stops_at_a_broken_config(verb, tmp_path, capsys, monkeypatch):
    from tui.cli import main

    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    file = tmp_path / "bad.yaml"
    file.write_text(broken("clusters[0].ssh.connect_timeout", ".inf"))
    err = one_config_error_line(main, ["--config", str(file), *verb], capsys)
    assert f"{file}:{WHERE['clusters[0].ssh.connect_timeout']}: clusters[0].ssh.connect_timeout: " in err
    # the default config file, when no --config is given, is held to the same rules
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    default = tmp_path / "xdg" / "pcmk-console" / "config.yaml"
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_bytes(b"theme: \xff\n")
    err = one_config_error_line(main, verb, capsys)
    assert f"{default}:1: theme: not UTF-8" in err


@pytest.mark.parametrize("content", [b"theme: !!python/name:os.system\n", b"theme: \xff\xfe\n",
                                     b"refresh_interval: .nan\n"])
def test_cli_in_a_real_process(content, tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_bytes(content)
    run = subprocess.run([sys.executable, "-m", "tui.cli", "--config", str(file), "status"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                              "PCMK_CONSOLE_STATE_DIR": str(tmp_path / "state")})
    assert run.returncode == 2, run.stderr
    assert run.stdout == "" and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"pcmk-console: config error: {file}:1: ")


def test_the_example_lists_the_colour_names_the_config_accepts():
    text = (ROOT / "config.example.yaml").read_text()
    assert all(name in text for name in schema.COLOUR_NAMES)


@pytest.mark.parametrize("key", ["host", "port", "user"])
def test_a_bad_byte_in_a_flow_mapping_names_its_own_key(key, tmp_path):
    values = {"host": "a", "port": "22", "user": "root"}
    values[key] = "é\udcff"  # a multi-byte character before the bad byte: columns still right
    items = ", ".join(f"{k}: {v}" for k, v in values.items())
    file = tmp_path / "pcmk.yaml"
    file.write_bytes(f"clusters:\n  - name: a\n    nodes: [{{{items}}}]\n".encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_config(file)
    assert (info.value.line, info.value.key_path) == (3, f"clusters[0].nodes[0].{key}")
