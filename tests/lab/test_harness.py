"""The harness's own pieces, without a cluster: specs, generated files, process ownership,
and crash cleanup (the last two need root and network namespaces)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from lxml import etree

from tests.lab import crmmon, pcmk, state
from tests.lab.consolecfg import console_config
from tests.lab.lab import Lab, LabSpec
from tests.lab.proc import LabError, Owned, alive, kill_group, spawn, start_time


@pytest.mark.parametrize("spec, message", [
    (LabSpec(remotes=("node1",)), "repeated: node1"),
    (LabSpec(spare_remotes=("rn1",)), "repeated: rn1"),
    (LabSpec(guests=("Gn1",)), "'Gn1'"),
    (LabSpec(remotes=("averylongname",)), "'averylongname'"),
    (LabSpec(version="4"), "version"),
    (LabSpec(tag="a-b"), "tag"),
])
def test_bad_specs_are_refused_naming_the_problem(spec, message):
    with pytest.raises(LabError, match=message):
        spec.validate()


def test_addresses_and_names_carry_the_lab_prefix():
    specs = LabSpec(tag="b", subnet=1, remotes=("rn1", "rn2"), guests=("gn1",),
                    spare_remotes=("rn9",), spare_guests=("gn9",)).node_specs()
    assert [(s.name, s.kind, s.addr, s.ns, s.spare) for s in specs] == [
        ("node1", "cluster", "10.99.1.11", "pcl-b-node1", False),
        ("rn1", "remote", "10.99.1.21", "pcl-b-rn1", False),
        ("rn2", "remote", "10.99.1.22", "pcl-b-rn2", False),
        ("gn1", "guest", "10.99.1.31", "pcl-b-gn1", False),
        ("rn9", "remote", "10.99.1.41", "pcl-b-rn9", True),
        ("gn9", "guest", "10.99.1.51", "pcl-b-gn9", True),
    ]
    assert all(len(s.host_if + "p") <= 15 for s in specs)


def test_console_config_is_valid_for_the_console(tmp_path):
    from tui.config import parse_config

    text = console_config("lab", [
        {"name": "node1", "host": "10.99.0.11", "port": 22, "kind": "cluster"},
        {"name": "rn1", "host": "10.99.0.21", "port": 22, "kind": "remote"},
        {"name": "gn1", "host": "10.99.0.31", "port": 22, "kind": "guest"},
    ], tmp_path / "id", tmp_path / "kh")
    cluster = parse_config(text, "lab.yaml").cluster("lab")
    assert [(n.name, n.kind) for n in cluster.nodes] == [
        ("node1", "cluster"), ("rn1", "remote"), ("gn1", "guest")]
    assert cluster.node("rn1").known_hosts == tmp_path / "kh"


EMPTY = ('<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
         '<configuration><crm_config/><nodes/><resources/><constraints/></configuration>'
         '<status/></cib>')


def _lab_cib() -> bytes:
    cib = etree.fromstring(pcmk.seeded_cib(EMPTY, "lab"))
    res, cons = pcmk.lab_resources("node1", {"rn1": "10.99.0.21"}, {"gn1": "10.99.0.31"})
    conf = cib.find("configuration")
    conf.replace(conf.find("resources"), etree.fromstring(res))
    conf.replace(conf.find("constraints"), etree.fromstring(cons))
    return etree.tostring(cib)


def test_seeded_cib_makes_a_one_node_lab_start_fast():
    cib = etree.fromstring(pcmk.seeded_cib(EMPTY, "lab"))
    props = {nv.get("name"): nv.get("value") for nv in cib.iter("nvpair")}
    assert props["stonith-enabled"] == "false" and props["dc-deadtime"] == "2s"
    assert props["cluster-name"] == "lab"
    assert cib.get("validate-with") == "pacemaker-3.9"


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_lab_resources_make_rn1_a_remote_and_gn1_a_guest_for_pacemaker(tmp_path):
    """Pacemaker itself reads the generated CIB: offline, no cluster."""
    path = tmp_path / "cib.xml"
    path.write_bytes(_lab_cib())
    res = subprocess.run(["crm_verify", "--xml-file", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    env = dict(os.environ, CIB_file=str(path))
    out = subprocess.run(["crm_mon", "-1", "--output-as=xml"], capture_output=True, text=True,
                         env=env)
    st = crmmon.parse(out.stdout)
    assert st.resources["rn1"].agent == "ocf:pacemaker:remote"
    assert st.nodes["gn1"].id_as_resource == "gn1-container"


def test_crm_mon_errors_are_errors_even_at_code_0():
    with pytest.raises(LabError, match="Not connected"):
        crmmon.parse('<pacemaker-result><status code="102" message="Not connected"/>'
                     '</pacemaker-result>')
    with pytest.raises(LabError, match="file missing"):
        crmmon.parse('<pacemaker-result><errors><error>file missing</error></errors>'
                     '<status code="0" message="OK"/></pacemaker-result>')


def test_kill_group_kills_its_own_group_only(tmp_path):
    owned = spawn("test:sleep", ["sh", "-c", "sleep 60 & sleep 60"], tmp_path / "log")
    time.sleep(0.2)
    kill_group(owned, timeout=5)
    assert not alive(owned.pid)
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        # a recorded PID whose start time no longer matches is someone else's
        stranger = Owned("test:recycled", other.pid, start_time(other.pid) + 1)
        kill_group(stranger, timeout=1)
        assert alive(other.pid)
    finally:
        other.kill()
        other.wait()


needs_netns = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None, reason="needs root and `ip netns`")


@needs_netns
@pytest.mark.lab
def test_cleanup_after_a_crash_removes_only_the_labs_own_things(tmp_path, monkeypatch):
    """A run that died half-way: its record, namespace, links and a process inside the
    namespace are found and removed; another lab's link of the same shape is left alone."""
    from tests.lab import netns

    monkeypatch.setattr(state, "BASE", tmp_path)
    tag, other = "zt", "zu"
    folder = tmp_path / tag
    folder.mkdir()
    rec = state.Record(folder / "state.json")
    # claimed, so a concurrent session's sweep leaves this "crash" to us
    claims = [state.Claim(tag).take(), state.Claim(other).take()]
    try:
        rec.add("links", f"pcl-{tag}-br")
        netns.add_bridge(f"pcl-{tag}-br", "10.99.250.1/24")
        netns.add_bridge(f"pcl-{other}-br", "10.99.251.1/24")
        rec.add("netns", f"pcl-{tag}-x")
        netns.add_netns(f"pcl-{tag}-x", f"pcl-{tag}-br", f"pcl-{tag}-x", "10.99.250.2/24")
        # a namespace created after the record was last written: found by its prefix
        netns.add_netns(f"pcl-{tag}-y", f"pcl-{tag}-br", f"pcl-{tag}-y", "10.99.250.3/24")
        rec.add_proc(spawn("zt:holder", ["ip", "netns", "exec", f"pcl-{tag}-x", "sleep", "60"],
                           tmp_path / "h.log"))
        stray = spawn("zt:stray", ["ip", "netns", "exec", f"pcl-{tag}-y", "sleep", "60"],
                      tmp_path / "s.log")  # not recorded
        time.sleep(0.2)
        state.cleanup(tag, log=lambda m: None)
        assert state.leftovers(tag) == {"netns": [], "links": [], "mounts": [], "folders": []}
        assert not alive(stray.pid)
        assert f"pcl-{other}-br" in netns.links()
    finally:
        state.cleanup(tag, log=lambda m: None)
        netns.del_link(f"pcl-{other}-br")
        for claim in claims:
            claim.release()


def test_a_claimed_lab_is_refused_to_others_until_released():
    first = state.Claim("zc").take()
    try:
        assert not state.Claim("zc").try_take()
        with pytest.raises(LabError, match="in use"):
            state.Claim("zc").take()
    finally:
        first.release()
    again = state.Claim("zc")
    assert again.try_take()
    again.release()


def test_without_root_the_lab_tests_skip_with_the_reason(monkeypatch):
    from tests.lab import fixtures

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert fixtures.skip_reason() == "lab tests need root (network namespaces, mounts)"
    with pytest.raises(pytest.skip.Exception, match="need root"):
        fixtures.acquire("2")


class _ScriptedLab(Lab):
    """ensure_healthy()'s decisions alone: each repair fails or not as `repairs` says
    (an exception to raise, or None), and down()/up() are only counted."""

    def __init__(self, repairs: list[Exception | None]):
        super().__init__(LabSpec(tag="zs"), log=lambda m: None)
        self.repairs, self.calls = list(repairs), []

    def _repair(self, timeout: float):
        self.calls.append("repair")
        failure = self.repairs.pop(0)
        if failure:
            raise failure
        return "healthy"

    def down(self) -> None:
        self.calls.append("down")

    def up(self) -> "Lab":
        self.calls.append("up")
        return self

    def _save_failure_logs(self) -> None:
        self.calls.append("logs")


def test_a_lab_the_repair_cannot_heal_is_built_again_once():
    lab = _ScriptedLab([LabError("timed out after 30s: crm_resource --cleanup"), None])
    assert lab.ensure_healthy() == "healthy"
    assert lab.calls == ["repair", "logs", "down", "up", "repair"]
    assert (lab.rebuilds, lab.broken) == (1, None)


def test_a_lab_that_cannot_be_built_again_fails_every_later_repair_at_once():
    lab = _ScriptedLab([LabError("cleanup hung"), LabError("node1 never came online")])
    with pytest.raises(LabError, match="never came online"):
        lab.ensure_healthy()
    calls = len(lab.calls)
    with pytest.raises(LabError, match="broken since an earlier repair: "
                                       "LabError: node1 never came online"):
        lab.ensure_healthy()
    assert len(lab.calls) == calls  # no second repair, no second rebuild
