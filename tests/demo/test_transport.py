"""DemoTransport: the console's argv answered from the demo cluster, like a real host would."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import subprocess
import sys

import pytest
from lxml import etree

from tui.pacemaker import commands, refresh
from tui.pacemaker.model import CibVersion
from tui.sim import DemoTransport, demo_config, demo_transport_factory
from tui.sim.commands import execute
from tui.remote.secret import Secret
from tui.remote.transport import Transport, TransportError

NOW = dict(latency=(0.0, 0.0))


def _xml(result) -> etree._Element:
    return etree.fromstring(result.stdout)


def _cib_version(state) -> CibVersion:
    return CibVersion(state.admin_epoch, state.epoch, state.num_updates)


async def test_is_a_transport_and_one_per_host_sharing_the_state(demo):
    transport_for = demo_transport_factory(demo, **NOW)
    node1, rn1 = transport_for("node1"), transport_for("rn1")
    assert isinstance(node1, Transport) and node1.host == "node1"
    assert transport_for("node1") is node1
    await rn1.run(commands.node_standby("rn1", True))
    status = _xml(await node1.run(commands.crm_mon_status()))
    assert status.find("nodes/node[@name='rn1']").get("standby") == "true"
    with pytest.raises(KeyError, match="no node named 'nodeX'"):
        transport_for("nodeX")


async def test_standby_shows_in_the_next_status_and_bumps_the_version(demo):
    t = DemoTransport(demo, "node1", **NOW)
    before = _xml(await t.run(commands.cib_version()))
    result = await t.run(commands.node_standby("rn1", True))
    assert result.exit_status == 0
    status = _xml(await t.run(commands.crm_mon_status()))
    assert status.find("nodes/node[@name='rn1']").get("standby") == "true"
    after = _xml(await t.run(commands.cib_version()))
    assert int(after.get("epoch")) == int(before.get("epoch")) + 1
    conf = _xml(await t.run(commands.cib_configuration()))
    assert conf.find("nodes/node[@uname='rn1']/instance_attributes/nvpair[@name='standby']").get("value") == "on"

    off = await t.run(commands.node_standby("rn1", False))
    assert off.exit_status == 0 and b"Deleted nodes attribute" in off.stdout
    status = _xml(await t.run(commands.crm_mon_status()))
    assert status.find("nodes/node[@name='rn1']").get("standby") == "false"


async def test_maintenance_actions_change_what_crm_mon_says(demo):
    t = DemoTransport(demo, "node2", **NOW)
    assert (await t.run(commands.node_maintenance("node1", True))).exit_status == 0
    status = _xml(await t.run(commands.crm_mon_status()))
    assert status.find("nodes/node[@name='node1']").get("maintenance") == "true"
    assert status.find("nodes/node[@name='rn1']").get("maintenance") == "true"  # its connection is on node1
    assert (await t.run(commands.cluster_maintenance(True))).exit_status == 0
    status = _xml(await t.run(commands.crm_mon_status()))
    assert status.find("summary/cluster_options").get("maintenance-mode") == "true"
    assert {r.get("managed") for r in status.iter("resource")} == {"false"}


async def test_cleanup_clears_failures(demo):
    t = DemoTransport(demo, "node1", **NOW)
    assert _xml(await t.run(commands.crm_mon_status())).find("failures") is not None
    result = await t.run(commands.resource_cleanup("web-server"))
    assert result.exit_status == 0
    assert result.stdout.decode().startswith("Cleaned up web-server on node1\n")
    status = _xml(await t.run(commands.crm_mon_status()))
    assert status.find("failures") is None
    assert status.find("node_history/node/resource_history[@id='web-server']").get("fail-count") is None


@pytest.mark.parametrize("argv, code, message", [
    (commands.node_standby("node9", True), 105, "crm_attribute: Could not map name=node9 to a UUID\n"),
    (commands.resource_cleanup("nosuch"), 105, "crm_resource: Resource 'nosuch' not found\n"),
    (commands.resource_cleanup(None, "node9"), 105, "crm_resource: Node 'node9' not found\n"),
])
async def test_bad_names_fail_like_pacemaker(demo, argv, code, message):
    version = _cib_version(demo)
    result = await DemoTransport(demo, "node1", **NOW).run(argv)
    assert result.exit_status == code
    assert result.stderr.decode().startswith(message)
    assert _cib_version(demo) == version


@pytest.mark.parametrize("argv", [("ls", "/"), ("dd", "if=/dev/zero", "of=/dev/sda"), ("sh", "-c", "id")])
async def test_unknown_commands_are_not_found(demo, argv):
    result = await DemoTransport(demo, "node1", **NOW).run(argv)
    assert result.exit_status == 127
    assert f"{argv[0]}: not found" in result.stderr.decode()


async def test_options_the_simulator_does_not_know_are_refused(demo):
    """rm is emulated (rm -f PATH); rm -rf is not, and refusing it changes nothing."""
    before = dict(demo.host("node1").fs.entries)
    result = await DemoTransport(demo, "node1", **NOW).run(("rm", "-rf", "/"))
    assert result.exit_status == 1 and "supports only `rm -f PATH...`" in result.stderr.decode()
    assert demo.host("node1").fs.entries == before


async def test_trivial_shell_commands(demo):
    t = DemoTransport(demo, "gn2", **NOW)
    assert (await t.run(("hostname",))).stdout == b"gn2\n"
    assert (await t.run(("echo", "a", "b"))).stdout == b"a b\n"
    assert (await t.run(("true",))).exit_status == 0
    assert b"load average" in (await t.run(("uptime",))).stdout


async def test_refresh_is_unchanged_until_something_changes(demo):
    t = DemoTransport(demo, "node1", **NOW)
    argv = refresh.refresh_argv(None, "n1")
    first = refresh.split_sections((await t.run(argv)).stdout.decode(), "n1")
    assert set(first) == {"cib-version", "crm_mon", "cib-configuration"}
    assert etree.fromstring(first["crm_mon"].text.encode()).tag == "pacemaker-result"
    known = _cib_version(demo)
    again = refresh.split_sections((await t.run(refresh.refresh_argv(known, "n2"))).stdout.decode(), "n2")
    assert set(again) == {"cib-version", "unchanged"}
    await t.run(commands.node_standby("gn1", True))
    changed = refresh.split_sections((await t.run(refresh.refresh_argv(known, "n3"))).stdout.decode(), "n3")
    assert "unchanged" not in changed and "crm_mon" in changed


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
@pytest.mark.parametrize("known", [False, True])
def test_refresh_emulation_prints_what_the_real_script_prints(demo, tmp_path, known):
    """Run REFRESH_SCRIPT itself under sh with cibadmin/crm_mon shims answering from the demo."""
    for tool in ("cibadmin", "crm_mon"):
        shim = tmp_path / tool
        shim.write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {os.getcwd()!r})\n"
            "import pickle\nfrom tui.sim.commands import execute\n"
            f"state = pickle.load(open({str(tmp_path / 'state.pickle')!r}, 'rb'))\n"
            f"rc, out, err = execute(state, 'node1', ({tool!r},) + tuple(sys.argv[1:]))\n"
            "sys.stdout.write(out); sys.stderr.write(err); sys.exit(rc)\n"
        )
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "state.pickle").write_bytes(pickle.dumps(demo))
    argv = refresh.refresh_argv(_cib_version(demo) if known else None, "abcd")
    real = subprocess.run(list(argv), capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    rc, emulated, _ = execute(demo, "node1", argv)
    assert (rc, emulated) == (real.returncode, real.stdout)


async def test_timeout_stdin_and_streaming(demo):
    slow = DemoTransport(demo, "node1", latency=(0.2, 0.2))
    result = await slow.run(commands.crm_mon_status(), timeout=0.01)
    assert result.exit_status is None and result.timed_out and result.stdout == b""
    chunks = []
    fast = DemoTransport(demo, "node1", **NOW)
    result = await fast.run(commands.crm_mon_status(), stdin=Secret(b"ignored"),
                            on_output=lambda name, data: chunks.append((name, data)))
    assert result.exit_status == 0
    assert len(chunks) > 1 and b"".join(d for n, d in chunks if n == "stdout") == result.stdout


async def test_default_latency_is_a_few_milliseconds(demo, monkeypatch):
    """Checked by what the transport waits for, not by a stopwatch."""
    from tui.sim import transport as module

    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(module.asyncio, "sleep", fake_sleep)
    t = DemoTransport(demo, "node1")
    for _ in range(20):
        await t.run(("true",))
    assert len(waits) == 20 and all(0.001 <= w <= 0.05 for w in waits)
    waits.clear()
    await DemoTransport(demo, "node1", **NOW).run(("true",))
    assert waits == []


async def test_unreachable_and_disconnected_hosts(demo):
    demo.set_node_attr("node1", "standby", "on")  # gn1's VM stops with node1
    with pytest.raises(TransportError, match="No route to host"):
        await DemoTransport(demo, "gn1", **NOW).run(("hostname",))
    demo.set_node_attr("node1", "standby", None)
    demo.drop_remote("rn2")
    rn2 = DemoTransport(demo, "rn2", **NOW)
    assert (await rn2.run(("hostname",))).stdout == b"rn2\n"  # the host is up, pacemaker-remoted is not
    status = await rn2.run(commands.crm_mon_status())
    assert status.exit_status == 102
    assert _xml(status).find("status").get("message") == "Not connected"
    closed = DemoTransport(demo, "node1", **NOW)
    await closed.close()
    with pytest.raises(TransportError):
        await closed.run(("true",))


def test_demo_config_lists_where_crm_mon_runs():
    config = demo_config()
    assert config.name == "demo-prod"
    assert [n.name for n in config.status_nodes()] == ["node1", "node2", "node3"]
    kinds = {n.name: n.kind for n in config.nodes}
    assert kinds["rn1"] == "remote" and kinds["gn2"] == "guest"
    assert config.node("rn1").host == "10.20.0.21"
