"""The lab's spare targets and deliberate remote faults, for the add/remove/diagnose wizards:
everything runs the wizards' own argv (tui.pacemaker.nodecmds) through the console's own
SSH pool (config -> session -> pool, host keys verified), against real Pacemaker.

Each test starts from lab.ensure_healthy(): spares pristine, rn1/gn1 repaired."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from lxml import etree

from tests.lab.fixtures import VERSIONS
from tests.lab.lab import BREAKS, BROKEN_PORT, Lab
from tests.lab.proc import wait_for
from tui.config import load_config, parse_config
from tui.ops import files
from tui.pacemaker import nodecmds as nc
from tui.remote.actionlog import ActionLog
from tui.remote.transport import TransportError
from tui.session import build_session

pytestmark = pytest.mark.lab


@pytest.fixture
def lab2(lab) -> Lab:
    lab.ensure_healthy()
    return lab


class Console:
    """The console's pool on the lab's config, driven synchronously from a test."""

    def __init__(self, config, state_dir):
        self.loop = asyncio.new_event_loop()
        self.session = build_session(config, log=ActionLog(state_dir))

    def run(self, host: str, argv, *, stdin: bytes | None = None, mutates: bool = False,
            timeout: float = 60):
        return self.loop.run_until_complete(self.session.pool.run(
            host, tuple(argv), purpose="lab test", mutates=mutates, read=not mutates,
            stdin=stdin, timeout=timeout))

    def close(self) -> None:
        self.loop.run_until_complete(self.session.close())
        self.loop.close()


@pytest.fixture
def console_for(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    made: list[Console] = []

    def make(lab: Lab, config=None) -> Console:
        made.append(Console(config or load_config(lab.config_path), tmp_path / "state"))
        return made[-1]
    yield make
    for c in made:
        c.close()


def _failures_naming(st, name: str) -> list[dict]:
    return [f for f in st.failures if f.get("node") == name or f["op_key"].startswith(f"{name}_")]


def _hash(result) -> str | None:
    return files.parse_sha256(result.stdout) if result.exit_status == 0 else None


# --- the spares --------------------------------------------------------------------------

def test_up_lists_the_spares_with_name_addr_kind_and_a_guests_resource(anylab):
    spare = json.loads(json.dumps(anylab.describe()))["spare"]
    by_name = {s["name"]: s for s in spare}
    assert {s["kind"] for s in spare} == {"remote", "guest"}
    for s in spare:
        assert s["addr"] == anylab.spares[s["name"]].address
        assert s["name"] not in anylab.nodes  # not in the console config's node list
    guest = next(s for s in spare if s["kind"] == "guest")
    remote = next(s for s in spare if s["kind"] == "remote")
    assert "resource" not in by_name[remote["name"]]
    st = anylab.status()
    # the guest's "VM" runs, and is no guest yet; neither spare is a node of the cluster
    assert st.running_on(guest["resource"]) == ("node1",)
    assert st.resources[guest["resource"]].agent == "ocf:pacemaker:Dummy"
    assert not set(by_name) & set(st.nodes)
    vm = anylab.run_on("node1", ["cibadmin", "--query", "--xpath",
                                 f"//primitive[@id='{guest['resource']}']"])
    assert vm.returncode == 0 and "remote-node" not in vm.stdout


def test_a_spare_is_a_pristine_target_reached_by_address_with_its_host_key_checked(
        anylab, console_for, tmp_path):
    """What the add wizards' preflight probes on a target, through the console's SSH."""
    console = console_for(anylab)
    for spare in anylab.spares.values():
        host = spare.address  # not in the config: the cluster's ssh defaults apply
        assert console.run(host, ["hostname"]).stdout.decode().strip() == spare.name
        ok = lambda argv: console.run(host, argv).exit_status  # noqa: E731
        assert ok(nc.executable(nc.REMOTED)) == 0  # "installed"
        for daemon in nc.DAEMONS.values():  # own PID namespace: other nodes' daemons unseen
            assert ok(("pgrep", "-x", daemon[:15])) == 1, daemon
        assert ok(nc.path_exists(nc.COROSYNC_CONF)) == 1
        assert ok(nc.path_exists(nc.CIB_XML)) == 1
        assert ok(nc.path_exists(nc.AUTHKEY)) == 1
        assert ok(("systemctl", "is-active", nc.REMOTE_UNIT)) == 3
        tools = ("pgrep", "sha256sum", "timeout", "bash", "cat", "test", "install", "stat",
                 "mv", "cp", "rm", "mkdir", "tail", "grep", "setsid", "systemctl", "service")
        missing = console.run(host, ("sh", "-c", 'for t; do command -v "$t" >/dev/null || '
                                     'echo "$t"; done', "which", *tools))
        assert missing.stdout.decode().split() == []
        # from the cluster node, the target's 3121 is closed until remoted runs
        assert console.run("node1", nc.tcp_connect(host, nc.REMOTE_PORT)).exit_status != 0
    # the probe itself sees the cluster's daemons where they do run
    assert console.run("node1", ("pgrep", "-x", "pacemakerd")).exit_status == 0

    cluster = load_config(anylab.config_path).cluster(anylab.cluster_name)
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    text = anylab.config_path.read_text().replace(str(anylab.known_hosts), str(empty))
    strict = console_for(anylab, parse_config(text, "lab.yaml"))
    assert cluster.ssh.known_hosts == anylab.known_hosts
    with pytest.raises(TransportError):
        strict.run(next(iter(anylab.spares.values())).address, ["hostname"])


def test_the_systemctl_shim_starts_and_stops_only_this_nodes_remoted(anylab, console_for):
    spare = anylab.spares["rn2"]
    console = console_for(anylab)
    start = console.run(spare.address, nc.enable_start(), mutates=True)
    assert start.exit_status == 0, start.stderr
    assert console.run(spare.address, ("systemctl", "is-active", nc.REMOTE_UNIT)).exit_status == 0
    assert console.run(spare.address, ("systemctl", "is-enabled", nc.REMOTE_UNIT)).exit_status == 0
    # Type=simple, as the real unit: started is not yet listening
    wait_for("rn2's 3121 open from node1", lambda: console.run(
        "node1", nc.tcp_connect(spare.address, nc.REMOTE_PORT)).exit_status == 0, timeout=10)
    assert anylab.remoted_running("rn1")
    stop = console.run(spare.address, nc.disable_stop(), mutates=True)
    assert stop.exit_status == 0, stop.stderr
    assert console.run(spare.address, ("systemctl", "is-active", nc.REMOTE_UNIT)).exit_status == 3
    assert anylab.remoted_running("rn1")  # another node's daemon is untouched
    other = console.run(spare.address, ("systemctl", "start", "corosync"), mutates=True)
    assert other.exit_status != 0  # only pacemaker_remote is managed


# --- add and remove by hand with the wizards' argv -----------------------------------------

def pcs_like_remote(name: str, address: str) -> str:
    """The primitive `pcs cluster node add-remote NAME ADDR` creates on 2.1.5 and 3.0.0
    (`pcs -f` read back here): every metadata action but meta-data/status/validate-all, 60s,
    monitor 60s/30s."""
    prim = etree.Element("primitive", id=name, **{"class": "ocf"}, provider="pacemaker",
                         type="remote")
    ia = etree.SubElement(prim, "instance_attributes", id=f"{name}-instance_attributes")
    etree.SubElement(ia, "nvpair", id=f"{name}-instance_attributes-server", name="server",
                     value=address)
    ops = etree.SubElement(prim, "operations")
    for op, interval, timeout in (("migrate_from", "0s", "60s"), ("migrate_to", "0s", "60s"),
                                  ("monitor", "60s", "30s"), ("reload", "0s", "60s"),
                                  ("reload-agent", "0s", "60s"), ("start", "0s", "60s"),
                                  ("stop", "0s", "60s")):
        etree.SubElement(ops, "op", name=op, interval=interval, timeout=timeout,
                         id=f"{name}-{op}-interval-{interval}")
    return etree.tostring(prim).decode()


def _copy_key(console: Console, target: str) -> None:
    """ReadSecretStep + WriteFileStep in miniature: cat on node1, install on the target."""
    key = console.run("node1", files.cat(nc.AUTHKEY))
    assert key.exit_status == 0
    put = console.run(target, files.install_stdin(nc.AUTHKEY, "hacluster", "haclient", 0o400),
                      stdin=key.stdout, mutates=True)
    assert put.exit_status == 0, put.stderr
    assert _hash(console.run(target, nc.sha256(nc.AUTHKEY))) == files.digest(key.stdout)
    assert console.run(target, files.stat_owner_mode(nc.AUTHKEY)).stdout.strip() == \
        b"hacluster:haclient:400"


def _watch_failures(lab: Lab, name: str, seconds: float) -> list[dict]:
    seen: list[dict] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for f in _failures_naming(lab.status(), name):
            if f not in seen:
                seen.append(f)
        time.sleep(0.3)
    return seen


def test_direct_add_remote_comes_online_and_removal_records_no_failed_action(anylab, console_for):
    """The order of tests/lab/README.md "Removing a remote": stop the connection, wait,
    stop the daemon, delete, forget."""
    spare = anylab.spares["rn2"]
    console = console_for(anylab)
    _copy_key(console, spare.address)
    assert console.run(spare.address, nc.enable_start(), mutates=True).exit_status == 0
    create = console.run("node1", nc.create_resource(pcs_like_remote("rn2", spare.address)),
                         mutates=True)
    assert create.exit_status == 0, create.stderr
    anylab.wait_until("rn2 online with its connection Started", lambda st: st.node_up("rn2"),
                      timeout=60)
    assert console.run("node1", nc.resource_state("rn2")).exit_status == 0

    for argv in (nc.stop_resource("rn2"),):
        assert console.run("node1", argv, mutates=True).exit_status == 0
    anylab.wait_until("rn2's connection stopped", lambda st: not st.running_on("rn2"),
                      timeout=60)
    for host, argv in ((spare.address, nc.disable_stop()), ("node1", nc.delete_resource("rn2")),
                       ("node1", nc.remove_node("rn2")), (spare.address, nc.remove_file(nc.AUTHKEY))):
        res = console.run(host, argv, mutates=True, timeout=90)
        assert res.exit_status == 0, (argv, res.stderr)
    anylab.wait_until("rn2 gone from crm_mon", lambda st: "rn2" not in st.nodes, timeout=30)
    assert _watch_failures(anylab, "rn2", 4) == []
    assert console.run(spare.address, ("systemctl", "is-active", nc.REMOTE_UNIT)).exit_status == 3


def test_direct_add_guest_comes_online_and_removal_records_no_failed_action(anylab, console_for):
    spare = anylab.spares["gn2"]
    console = console_for(anylab)
    _copy_key(console, spare.address)
    assert console.run(spare.address, nc.enable_start(), mutates=True).exit_status == 0
    for name, value in (("remote-node", "gn2"), ("remote-addr", spare.address)):
        res = console.run("node1", nc.set_meta(spare.resource, name, value), mutates=True)
        assert res.exit_status == 0, res.stderr
    st = anylab.wait_until("gn2 online", lambda st: st.node_up("gn2"), timeout=60)
    assert st.nodes["gn2"].id_as_resource == spare.resource

    # the guest connection goes first (unset remote-node: the VM keeps running), then the daemon
    res = console.run("node1", nc.delete_meta(spare.resource, "remote-node"), mutates=True)
    assert res.exit_status == 0, res.stderr
    anylab.wait_until("gn2's connection gone", lambda st: not st.node_up("gn2")
                      and not st.running_on("gn2"), timeout=60)
    for host, argv in ((spare.address, nc.disable_stop()),
                       ("node1", nc.delete_meta(spare.resource, "remote-addr")),
                       ("node1", nc.remove_node("gn2"))):
        res = console.run(host, argv, mutates=True, timeout=90)
        assert res.exit_status == 0, (argv, res.stderr)
    st = anylab.wait_until("gn2 gone from crm_mon", lambda st: "gn2" not in st.nodes, timeout=30)
    assert st.running_on(spare.resource) == ("node1",)  # the VM itself was not touched
    assert _watch_failures(anylab, "gn2", 4) == []


# --- the diagnose faults, made on purpose ---------------------------------------------------

@pytest.mark.parametrize("how", BREAKS)
def test_break_remote_makes_each_fault_with_its_own_evidence(anylab, console_for, how):
    lab = anylab
    console = console_for(lab)
    rn1 = lab.nodes["rn1"].address
    lab.break_remote("rn1", how)
    st = lab.status()
    assert not st.node_up("rn1")
    active = console.run(rn1, ("systemctl", "is-active", nc.REMOTE_UNIT)).exit_status
    port = console.run("node1", nc.tcp_connect(rn1, nc.REMOTE_PORT)).exit_status
    keys = {_hash(console.run(h, nc.sha256(nc.AUTHKEY))) for h in ("node1", rn1)}
    if how == "stopped":
        assert (active, port != 0, len(keys)) == (3, True, 1)
    elif how == "port":
        assert (active, port != 0, len(keys)) == (0, True, 1)
        assert console.run("node1", nc.tcp_connect(rn1, BROKEN_PORT)).exit_status == 0
    else:
        assert (active, port, len(keys)) == (0, 0, 2)
        assert any("Key was rejected" in (f.get("exitreason") or "")
                   for f in _failures_naming(st, "rn1")), st.failures
    assert lab.ensure_healthy().node_up("rn1")  # and the repair puts it back
    assert len({_hash(console.run(h, nc.sha256(nc.AUTHKEY))) for h in ("node1", rn1)}) == 1


# --- the lab's own repair ----------------------------------------------------------------

def test_ensure_healthy_puts_spares_back_after_a_run_left_them_in_the_cluster(lab2, console_for):
    """A wizard test that died half-way: both spares online as nodes, keys on them, a lab
    resource stopped. The next test's ensure_healthy() must start from pristine."""
    lab = lab2
    console = console_for(lab)
    for spare in lab.spares.values():
        _copy_key(console, spare.address)
        assert console.run(spare.address, nc.enable_start(), mutates=True).exit_status == 0
    rn2, gn2 = lab.spares["rn2"], lab.spares["gn2"]
    for argv in (nc.create_resource(pcs_like_remote("rn2", rn2.address)),
                 nc.set_meta(gn2.resource, "remote-node", "gn2"),
                 nc.set_meta(gn2.resource, "remote-addr", gn2.address),
                 nc.stop_resource("dummy-node1")):
        assert console.run("node1", argv, mutates=True).exit_status == 0, argv
    lab.wait_until("rn2 and gn2 online", lambda st: st.node_up("rn2") and st.node_up("gn2"),
                   timeout=60)

    st = lab.ensure_healthy()
    assert not {"rn2", "gn2"} & set(st.nodes)
    assert st.running_on(gn2.resource) == ("node1",) and st.running_on("dummy-node1") == ("node1",)
    for spare in lab.spares.values():
        assert not lab.remoted_running(spare.name)
        assert console.run(spare.address, nc.path_exists(nc.AUTHKEY)).exit_status == 1
    vm = console.run("node1", ("cibadmin", "--query", "--xpath", f"//primitive[@id='{gn2.resource}']"))
    assert b"remote-node" not in vm.stdout and b"target-role" not in vm.stdout


# --- the pcs method (pcsd started by the lab, `pcs host auth` done) ------------------------

def _shape(xml: str) -> dict:
    prim = etree.fromstring(xml.encode())
    return {"agent": (prim.get("class"), prim.get("provider"), prim.get("type")),
            "instance": sorted((nv.get("name"), nv.get("value"))
                               for nv in prim.iterfind("instance_attributes/nvpair")),
            "ops": sorted((op.get("name"), op.get("interval"), op.get("timeout"))
                          for op in prim.iterfind("operations/op"))}


@pytest.fixture
def pcs_lab(lab2) -> Lab:
    lab2.start_pcsd()
    return lab2


def test_pcs_add_remote_creates_the_primitive_the_direct_method_copies(pcs_lab, console_for):
    """Real pcs through real pcsd (no --force: the systemctl shim answers it), then the
    direct removal order."""
    lab, spare = pcs_lab, pcs_lab.spares["rn2"]
    console = console_for(lab)
    add = console.run("node1", nc.pcs_add_remote("rn2", spare.address), mutates=True, timeout=120)
    assert add.exit_status == 0, add.stderr + add.stdout
    lab.wait_until("rn2 online", lambda st: st.node_up("rn2"), timeout=60)
    made = console.run("node1", ("cibadmin", "--query", "--xpath", "//primitive[@id='rn2']"))
    assert _shape(made.stdout.decode()) == _shape(pcs_like_remote("rn2", spare.address))
    assert console.run(spare.address, files.stat_owner_mode(nc.AUTHKEY)).stdout.strip() == \
        b"hacluster:haclient:400"
    assert console.run(spare.address, ("systemctl", "is-enabled", nc.REMOTE_UNIT)).exit_status == 0
    assert console.run("node1", nc.stop_resource("rn2"), mutates=True).exit_status == 0
    lab.wait_until("rn2's connection stopped", lambda st: not st.running_on("rn2"), timeout=60)
    for host, argv in ((spare.address, nc.disable_stop()), ("node1", nc.delete_resource("rn2")),
                       ("node1", nc.remove_node("rn2"))):
        assert console.run(host, argv, mutates=True, timeout=90).exit_status == 0, argv
    lab.wait_until("rn2 gone", lambda st: "rn2" not in st.nodes, timeout=30)
    assert _watch_failures(lab, "rn2", 3) == []


def test_pcs_add_guest_and_remove_guest(pcs_lab, console_for):
    lab, spare = pcs_lab, pcs_lab.spares["gn2"]
    console = console_for(lab)
    add = console.run("node1", nc.pcs_add_guest("gn2", spare.resource, address=spare.address),
                      mutates=True, timeout=120)
    assert add.exit_status == 0, add.stderr + add.stdout
    st = lab.wait_until("gn2 online", lambda st: st.node_up("gn2"), timeout=60)
    assert st.nodes["gn2"].id_as_resource == spare.resource
    rm = console.run("node1", nc.pcs_remove_guest("gn2"), mutates=True, timeout=120)
    assert rm.exit_status == 0, rm.stderr + rm.stdout
    st = lab.wait_until("gn2 gone", lambda st: "gn2" not in st.nodes, timeout=30)
    assert st.running_on(spare.resource) == ("node1",)
    # pcs deletes the target's key and stops its daemon
    assert console.run(spare.address, nc.path_exists(nc.AUTHKEY)).exit_status == 1
    assert console.run(spare.address, ("systemctl", "is-active", nc.REMOTE_UNIT)).exit_status == 3
