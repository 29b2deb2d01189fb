"""Global options mean one thing wherever they stand: every verb, every option, every position.

Each transport class is replaced by a recorder (which answers from a demo cluster, so
refreshes succeed and plans go on to run): the test then asserts where every command went.
Nothing here runs a command on this machine or opens a connection.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tui import cli
from tui.sim import DemoCluster
from tui.sim.transport import DemoTransport
from tui.remote.local import LocalTransport
from tui.remote.ssh import SshTransport
from tui.target import CIB_FILE, CONFIG, DEMO, LOCAL, TargetError, resolve_target

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CIB = FIXTURES / "cib" / "full.xml"

CONFIG_YAML = """
clusters:
  - name: east
    nodes:
      - {name: node1, host: 192.0.2.1}
      - {name: node2, host: 192.0.2.2}
      - {name: node3, host: 192.0.2.3}
  - name: west
    nodes:
      - {name: node1, host: 198.51.100.1}
      - {name: node2, host: 198.51.100.2}
      - {name: node3, host: 198.51.100.3}
"""
EAST = {"192.0.2.1", "192.0.2.2", "192.0.2.3"}
WEST = {"198.51.100.1", "198.51.100.2", "198.51.100.3"}


class Recorder:
    """Every command any transport was asked to run: (kind, address, argv, env)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[str, ...], dict]] = []
        self.state = DemoCluster(seed=7, life=False)

    def kinds(self) -> set[str]:
        return {c[0] for c in self.calls}

    def mutations(self) -> list[tuple]:
        return [c for c in self.calls if c[2][:1] in (("crm_attribute",), ("crm_resource",), ("hostname",))]

    async def answer(self, name: str, argv, on_output=None):
        demo = DemoTransport(self.state, name if self.state.node(name) else "node1", latency=(0, 0))
        return await _REAL_DEMO_RUN(demo, argv, on_output=on_output)


_REAL_DEMO_RUN = DemoTransport.run


@pytest.fixture
def recorder(monkeypatch, tmp_path):
    rec = Recorder()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # no default config file
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CIB_file", raising=False)

    async def local_run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None, capture=None):
        rec.calls.append(("local", self.host, tuple(argv), dict(env or {})))
        return await rec.answer("node1", argv)

    async def ssh_run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None, capture=None):
        rec.calls.append(("ssh", self.host, tuple(argv), dict(env or {})))
        return await rec.answer(self.name, argv)

    async def demo_run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None):
        rec.calls.append(("demo", self.host, tuple(argv), dict(env or {})))
        return await _REAL_DEMO_RUN(self, argv, stdin=stdin, env=env, timeout=timeout, on_output=on_output)

    async def no_close(self):
        return None

    monkeypatch.setattr(LocalTransport, "run", local_run)
    monkeypatch.setattr(SshTransport, "run", ssh_run)
    monkeypatch.setattr(SshTransport, "close", no_close)
    monkeypatch.setattr(DemoTransport, "run", demo_run)

    def fake_app(session, config):  # the TUI: one refresh through its session, then quit
        async def once():
            try:
                await session.refresh()
            finally:
                await session.close()

        asyncio.run(once())
        rec.tui_session = session
        return 0

    import tui.ui.run

    monkeypatch.setattr(tui.ui.run, "run_app", fake_app)
    config = tmp_path / "pcmk.yaml"
    config.write_text(CONFIG_YAML)
    rec.config = config
    return rec


# verb -> (words before the place options may go, words after it); "" = the TUI
VERBS = {
    "status": (["status"], []),
    "run": (["run"], ["--nodes", "cluster", "--", "hostname"]),
    "plan": (["plan", "standby", "rn1"], []),
    "apply": (["apply", "standby", "rn1", "--yes", "--confirm-name", "demo-prod"], []),
    "plan-mid": (["plan"], ["standby", "rn1"]),
    "apply-mid": (["apply"], ["standby", "rn1", "--yes", "--confirm-name", "demo-prod"]),
    "log": (["log"], []),
    "runs": (["runs"], []),
    "tui": ([], []),
}


# verbs that read only the state directory: they never reach a cluster
READS_NOTHING = ("log", "runs")


def argv_for(verb: str, options: list[str], position: str) -> list[str]:
    head, tail = VERBS[verb]
    if position == "before":
        return [*options, *head, *tail]
    return [*head, *options, *tail]


def positions(verb: str):
    return ["before"] if verb == "tui" else ["before", "after"]


CASES = [(verb, pos) for verb in VERBS for pos in positions(verb)]


def run_cli(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out


def changes(verb: str) -> bool:
    return verb.startswith("apply") or verb == "run"


@pytest.mark.parametrize("verb,position", CASES)
def test_demo_goes_to_the_demo_only(recorder, capsys, verb, position):
    code, out = run_cli(argv_for(verb, ["--demo"], position), capsys)
    assert code == 0, out.err
    if verb in READS_NOTHING:
        assert recorder.calls == []
        return
    assert recorder.kinds() == {"demo"}, recorder.calls
    if verb.startswith("apply"):
        assert any(c[2][:1] == ("crm_attribute",) for c in recorder.calls)
    if verb == "status":
        assert "demo-prod" in out.out


@pytest.mark.parametrize("verb,position", CASES)
def test_cib_file_reads_locally_with_CIB_file_and_never_changes(recorder, capsys, verb, position):
    code, out = run_cli(argv_for(verb, ["--cib-file", str(CIB)], position), capsys)
    if changes(verb):
        assert code == 5, out.err
        assert "read-only" in out.err
        assert recorder.calls == []  # refused before anything ran
        return
    assert code == 0, out.err
    if verb in READS_NOTHING:
        assert recorder.calls == []
        return
    assert recorder.calls and recorder.kinds() == {"local"}
    assert all(c[3].get("CIB_file") == str(CIB.resolve()) for c in recorder.calls)


@pytest.mark.parametrize("cluster,hosts", [(None, EAST), ("west", WEST)])
@pytest.mark.parametrize("verb,position", CASES)
def test_config_goes_to_the_configured_cluster_only(recorder, capsys, verb, position, cluster, hosts):
    options = ["--config", str(recorder.config)] + (["--cluster", cluster] if cluster else [])
    code, out = run_cli(argv_for(verb, options, position), capsys)
    assert code == 0, out.err
    if verb in READS_NOTHING:
        assert recorder.calls == []
        return
    assert recorder.calls and recorder.kinds() == {"ssh"}, recorder.calls
    assert {c[1] for c in recorder.calls} <= hosts
    if changes(verb):
        assert recorder.mutations()


@pytest.mark.parametrize("verb,position", CASES)
def test_no_option_is_the_local_cluster(recorder, capsys, verb, position, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: "/usr/sbin/" + name)  # crm_mon "installed"
    code, out = run_cli(argv_for(verb, [], position), capsys)
    assert code == 0, out.err
    if verb == "run":  # `run --nodes cluster` also reaches the other nodes the cluster lists
        assert "local" in recorder.kinds() and "demo" not in recorder.kinds()
    elif verb not in READS_NOTHING:
        assert recorder.kinds() == {"local"}
    assert all("CIB_file" not in c[3] for c in recorder.calls)


@pytest.mark.parametrize("target", [["--demo"], ["--config", "CONFIG"], []])
@pytest.mark.parametrize("verb,position", CASES)
def test_read_only_refuses_every_change_wherever_it_stands(recorder, capsys, verb, position, target, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: "/usr/sbin/" + name)
    options = [str(recorder.config) if o == "CONFIG" else o for o in target]
    head, tail = VERBS[verb]
    # "after": the target before the verb and --read-only after it, and the reverse
    for read_only_first in (True, False):
        recorder.calls.clear()
        first, second = (["--read-only"], options) if read_only_first else (options, ["--read-only"])
        argv = [*first, *head, *second, *tail] if position == "after" else [*first, *second, *head, *tail]
        code, out = run_cli(argv, capsys)
        if changes(verb):
            assert code == 5, (argv, out.err)
            assert recorder.mutations() == [], argv
        else:
            assert code == 0, (argv, out.err)


@pytest.mark.parametrize("verb,position", CASES)
@pytest.mark.parametrize("split", [False, True])
def test_demo_with_cib_file_is_a_usage_error_wherever_they_stand(recorder, capsys, verb, position, split):
    head, tail = VERBS[verb]
    if split and verb != "tui":  # one before the verb, the other after it
        argv = ["--demo", *head, "--cib-file", str(CIB), *tail]
    else:
        argv = argv_for(verb, ["--demo", "--cib-file", str(CIB)], position)
    code, out = run_cli(argv, capsys)
    assert code == 2
    assert "--demo and --cib-file exclude each other" in out.err
    assert recorder.calls == []


@pytest.mark.parametrize("verb,position", CASES)
def test_cluster_with_demo_is_a_usage_error(recorder, capsys, verb, position):
    code, out = run_cli(argv_for(verb, ["--demo", "--config", str(recorder.config), "--cluster", "west"], position), capsys)
    assert code == 2 and "--cluster" in out.err and recorder.calls == []


@pytest.mark.parametrize("verb,position", CASES)
def test_a_missing_cib_file_is_named_as_such(recorder, capsys, tmp_path, verb, position):
    missing = tmp_path / "gone.xml"
    code, out = run_cli(argv_for(verb, ["--cib-file", str(missing)], position), capsys)
    assert code == 2
    assert f"--cib-file {missing}: no such file" in out.err
    assert recorder.calls == []


@pytest.mark.parametrize("verb,position", CASES)
def test_an_unknown_cluster_is_a_usage_error_not_the_local_one(recorder, capsys, verb, position):
    for options in (["--cluster", "nowhere"], ["--config", str(recorder.config), "--cluster", "nowhere"]):
        recorder.calls.clear()
        code, out = run_cli(argv_for(verb, options, position), capsys)
        assert code == 2, (options, out.err)
        assert "nowhere" in out.err and recorder.calls == []


# -- the resolver itself --------------------------------------------------------------------


def ns(**kw):
    import argparse

    base = dict(demo=False, cib_file=None, config=None, cluster=None, read_only=False)
    return argparse.Namespace(**{**base, **kw})


def test_resolver_kinds(recorder):
    assert resolve_target(ns(demo=True)).kind == DEMO
    assert resolve_target(ns(cib_file=CIB)).kind == CIB_FILE and resolve_target(ns(cib_file=CIB)).read_only
    target = resolve_target(ns(config=recorder.config, cluster="west"))
    assert target.kind == CONFIG and target.session().cluster.name == "west"
    assert resolve_target(ns(), which=lambda name: "/usr/sbin/crm_mon").kind == LOCAL
    # a verb with nothing configured and no crm_mon is still the local cluster (it says why
    # it fails); only the TUI opens the demo instead, and says so
    assert resolve_target(ns(), which=lambda name: None).kind == LOCAL
    tui = resolve_target(ns(), interactive=True, which=lambda name: None)
    assert tui.kind == DEMO and "demo" in tui.notice
    assert resolve_target(ns(demo=True, read_only=True)).read_only


def test_a_cib_file_that_is_no_file_is_named(recorder, tmp_path):
    with pytest.raises(TargetError, match=f"--cib-file {tmp_path}: is a directory"):
        resolve_target(ns(cib_file=tmp_path))
    with pytest.raises(TargetError, match="gone.xml: no such file"):
        resolve_target(ns(cib_file=tmp_path / "gone.xml"))


@pytest.mark.parametrize("bad", [dict(demo=True, cib_file=CIB), dict(demo=True, cluster="x"), dict(cib_file=CIB, cluster="x"),
                                 dict(cluster="x")])
def test_resolver_refuses_contradictions(recorder, bad):
    with pytest.raises(TargetError):
        resolve_target(ns(**bad))


def test_every_parser_takes_every_global_option():
    """A new verb (or action) without the global options would bring the bug back."""
    import argparse

    parser = cli.build_parser()
    wanted = {"--demo", "--cib-file", "--config", "--cluster", "--read-only"}

    def walk(p: argparse.ArgumentParser, path):
        options = {s for a in p._actions for s in a.option_strings}
        assert wanted <= options, (path, wanted - options)
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, [*path, name])

    walk(parser, ["pcmk-console"])

