"""The demo speaks Pacemaker 3.0.0: crm_mon api-version 2.38 as its schema and Pacemaker 3's own
regression outputs have it, and the console's parser reads it. (tests/demo/test_faithful.py
compares the "2.1" dialect with the local crm_mon 2.1.5, which cannot print 3.0's shape.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lxml import etree

from tui.pacemaker.crm_mon import parse_status
from tui.sim.commands import execute
from tui.sim.render import crm_mon_xml
from tui.sim.scenario import build_demo

SCHEMAS = Path(os.environ.get("PCMK_CTS_DIR", Path(__file__).resolve().parents[3] / "shared" / "pacemaker-cts"))
SCHEMAS = SCHEMAS / "api-schema"
# the envelope, as Pacemaker's api-result.rng wraps a command's schema
RESULT = """<grammar xmlns="http://relaxng.org/ns/structure/1.0"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start>
    <element name="pacemaker-result">
      <attribute name="api-version"><text/></attribute>
      <attribute name="request"><text/></attribute>
      <externalRef href="api-schema/crm_mon-2.35.rng"/>
      <externalRef href="api-schema/status-2.0.rng"/>
    </element>
  </start>
</grammar>
"""
CONSTRAINTS_STUB = """<grammar xmlns="http://relaxng.org/ns/structure/1.0">
  <start><ref name="element-constraints"/></start>
  <define name="element-constraints"><element name="constraints"><empty/></element></define>
  <define name="element-rsc_ticket"><element name="rsc_ticket"><empty/></element></define>
</grammar>
"""


def _root(sim, origin="node1"):
    return etree.fromstring(crm_mon_xml(sim, origin=origin).encode())


def test_the_envelope_and_summary_are_3_0_0s():
    sim = build_demo(seed=0, life=False)
    root = _root(sim, origin="node2")
    assert root.get("api-version") == "2.38"
    assert root.find("pacemakerd") is None
    assert root.find("summary/stack").attrib == {"type": "corosync", "pacemakerd-state": "running"}
    assert root.find("summary/last_update").get("origin") == "node2"
    assert root.find("summary/current_dc").get("version").startswith("3.0.0-")
    assert {el.get("feature_set") for el in root.iter("node") if el.get("type") == "member"} == {"3.20.0"}


def test_every_resource_carries_maintenance_and_follows_maintenance_mode():
    sim = build_demo(seed=0, life=False)
    kinds = ("resource", "group", "clone", "bundle")
    assert all(el.get("maintenance") == "false" for k in kinds for el in _root(sim).iter(k) if el.getparent().tag != "node")
    assert execute(sim, "node1", ("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                                  "--update", "true"))[0] == 0
    root = _root(sim)
    assert all(el.get("maintenance") == "true" for k in kinds for el in root.iter(k) if el.getparent().tag != "node")


def test_rc_text_is_worded_as_3_x_words_it():
    sim = build_demo(seed=0, life=False)
    texts = {el.get("rc_text") for el in _root(sim).iter("operation_history")}
    assert "OK" in texts and "ok" not in texts


def test_the_parser_reads_it():
    sim = build_demo(seed=0, life=False)
    rc, out, _ = execute(sim, "node1", ("crm_mon", "--one-shot", "--inactive", "--output-as=xml"))
    snap = parse_status(out, rc)
    assert snap.api_version == "2.38" and snap.pacemaker_version == "3.0.0"
    assert snap.summary.pacemakerd_state == "running"


def test_a_restarting_cluster_node_answers_as_3_0_0_does():
    sim = build_demo(seed=0, life=False)
    assert execute(sim, "node1", ("systemctl", "restart", "pacemaker"))[0] == 0
    rc, out, _ = execute(sim, "node1", ("crm_mon", "--one-shot", "--inactive", "--output-as=xml"))
    root = etree.fromstring(out.encode())
    assert rc == 102 and root.find("crm-mon-disconnected").get("pacemakerd-state") == "starting_daemons"
    assert _root(sim, origin="node2").xpath("//nodes/node[@name='node1']/@online") == ["false"]


@pytest.mark.skipif(not (SCHEMAS / "crm_mon-2.35.rng").exists(), reason="needs Pacemaker's api schemas (PCMK_CTS_DIR)")
def test_the_document_validates_against_the_schema_of_its_api_version(tmp_path):
    """2.38 has no schema file of its own: crm_mon-2.35 is the newest at or below it. Its
    ticket schema includes the CIB's constraints-3.9.rng, which the folder does not carry: a
    stub stands in (the demo's tickets hold no constraints)."""
    shutil.copytree(SCHEMAS, tmp_path / "api-schema")
    (tmp_path / "constraints-3.9.rng").write_text(CONSTRAINTS_STUB)
    (tmp_path / "result.rng").write_text(RESULT)
    schema = etree.RelaxNG(etree.parse(str(tmp_path / "result.rng")))
    sim = build_demo(seed=0, life=False)
    sim.drop_remote("rn1")
    assert schema.validate(_root(sim)), schema.error_log
    execute(sim, "node1", ("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--update", "true"))
    execute(sim, "node3", ("systemctl", "restart", "pacemaker"))
    assert schema.validate(_root(sim)), schema.error_log
