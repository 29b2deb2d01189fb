"""The simulator's CIB writes against the real cibadmin and crm_resource (CIB_file mode).

The demo's full CIB is written to a file; the same argv runs through the real tool on that
file and through the simulator. Exit codes, stdout and stderr must be identical, and so
must the resources the two CIBs hold afterwards (each primitive's agent, instance and meta
attributes and operations; the order of elements inside a primitive may differ: the
simulator writes its CIB in one fixed order). crm_node --remove needs a live controller,
so it is checked by tests/sim/test_cib_writes.py only.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from lxml import etree

from tui.sim import build_demo
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.state import FEATURE_SET

pytestmark = pytest.mark.skipif(shutil.which("cibadmin") is None, reason="needs Pacemaker's cibadmin")

RN3 = ('<primitive id="rn3" class="ocf" provider="pacemaker" type="remote">'
       '<instance_attributes id="rn3-instance_attributes">'
       '<nvpair id="rn3-instance_attributes-server" name="server" value="10.20.0.23"/>'
       '</instance_attributes><operations>'
       '<op id="rn3-monitor-interval-60s" name="monitor" interval="60s" timeout="30s"/></operations></primitive>')
META = ('<primitive id="rn3"><meta_attributes id="rn3-meta_attributes">'
        '<nvpair id="rn3-meta_attributes-target-role" name="target-role" value="Stopped"/>'
        '</meta_attributes></primitive>')

SEQUENCES = {
    "create-twice-modify-delete": [
        ("cibadmin", "--create", "-o", "resources", "-X", RN3),
        ("cibadmin", "--create", "-o", "resources", "-X", RN3),
        ("cibadmin", "--modify", "-o", "resources", "-X", META),
        ("cibadmin", "--modify", "-o", "resources",
         "-X", '<nvpair id="rn3-instance_attributes-server" value="10.20.0.24"/>'),
        ("cibadmin", "--modify", "-o", "resources", "-X", '<primitive id="nope" class="ocf"/>'),
        ("cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="nope"/>'),
        ("cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="rn3"/>'),
        ("cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="rn3"/>'),
    ],
    "create-an-existing-id": [
        ("cibadmin", "--create", "-o", "resources", "-X", '<primitive id="rn1" class="ocf" provider="pacemaker" type="remote"/>'),
    ],
    "meta-set-twice-delete-twice": [
        ("crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped"),
        ("crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped"),
        ("crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "is-managed", "--parameter-value", "false"),
        ("crm_resource", "--resource", "rn1", "--meta", "--delete-parameter", "target-role"),
        ("crm_resource", "--resource", "rn1", "--meta", "--delete-parameter", "target-role"),
        ("crm_resource", "--resource", "nope", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped"),
    ],
    "meta-on-a-group-and-its-member": [
        ("crm_resource", "--resource", "web-ip", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped"),
        ("crm_resource", "--resource", "web", "--meta", "--set-parameter", "target-role", "--parameter-value", "Started"),
        ("crm_resource", "--resource", "web", "--meta", "--delete-parameter", "target-role"),
    ],
    "instance-attributes": [
        ("crm_resource", "--resource", "rn2", "--set-parameter", "server", "--parameter-value", "10.20.0.99"),
        ("crm_resource", "--resource", "rn2", "--delete-parameter", "reconnect_interval"),
    ],
}


def _resources(cib: etree._Element) -> dict[str, tuple]:
    out = {}
    for prim in cib.iter("primitive"):
        sets = {tag: {nv.get("name"): nv.get("value") for s in prim.findall(tag) for nv in s.iter("nvpair")}
                for tag in ("instance_attributes", "meta_attributes")}
        ops = sorted((op.get("name"), op.get("interval"), op.get("timeout") or "") for op in prim.iter("op"))
        out[prim.get("id")] = (prim.get("class"), prim.get("provider"), prim.get("type"), sets, ops)
    for el in cib.iter("group", "clone"):
        out[el.get("id")] = {nv.get("name"): nv.get("value") for s in el.findall("meta_attributes")
                             for nv in s.iter("nvpair")}
    return out


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_sim_cib_writes_do_what_pacemaker_does(name, tmp_path):
    sim = build_demo(seed=0, clock=lambda: 1_790_000_000.0, life=False)
    sim.dialect = "2.1"  # the local tools are 2.1.5: they refuse 3.0's validate-with pacemaker-4.0
    cib = full_cib(sim)
    cib.set("crm_feature_set", _local_feature_set())  # the local tools refuse a newer one
    path = tmp_path / "cib.xml"
    path.write_text(to_text(cib))
    env = {**os.environ, "CIB_file": str(path), "LC_ALL": "C", "TZ": "UTC"}
    for argv in SEQUENCES[name]:
        real = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=60)
        assert execute(sim, "node1", argv) == (real.returncode, real.stdout, real.stderr), argv
    assert _resources(full_cib(sim)) == _resources(etree.parse(str(path)).getroot())


def _local_feature_set() -> str:
    out = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, timeout=30).stdout
    return etree.fromstring(out.encode()).get("crm_feature_set") or FEATURE_SET
