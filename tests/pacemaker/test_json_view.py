"""The JSON view: stable keys, right values, always serialisable."""

from __future__ import annotations

import json

from tests.pacemaker.conftest import CIB, load, snapshot
from tui.pacemaker.cib import join, parse_configuration
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.json_view import SCHEMA_VERSION, outcome_to_dict, snapshot_to_dict

TOP_KEYS = {"schema_version", "available", "api_version", "pacemaker_version", "cib_version",
            "summary", "nodes", "resources", "history", "failures", "fence_history", "tickets",
            "bans", "conditions"}
NODE_KEYS = {"name", "id", "kind", "online", "standby", "standby_onfail", "maintenance", "pending",
             "unclean", "shutdown", "expected_up", "is_dc", "health", "feature_set",
             "resources_running", "connection_resource", "container_resource", "bundle", "host",
             "address", "port", "reconnect_interval", "connect_timeout", "attributes", "state"}


def test_schema_keys_and_values():
    snap = join(snapshot("full.xml"), parse_configuration((CIB / "full.xml").read_bytes()))
    doc = json.loads(json.dumps(snapshot_to_dict(snap)))
    assert set(doc) == TOP_KEYS and doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["available"] is True and doc["api_version"] == "2.25"
    assert doc["summary"]["dc"] == "node1" and doc["summary"]["cluster_name"] == "lab"
    nodes = {n["name"]: n for n in doc["nodes"]}
    assert all(set(n) == NODE_KEYS for n in doc["nodes"])
    assert (nodes["remote1"]["kind"], nodes["remote1"]["address"], nodes["remote1"]["port"],
            nodes["remote1"]["host"]) == ("remote", "192.0.2.11", 3122, "node1")
    assert (nodes["gn1"]["kind"], nodes["gn1"]["container_resource"], nodes["gn1"]["connect_timeout"]) == (
        "guest", "vm-gn1", "30s")
    assert nodes["qdevice"]["kind"] == "ping" and nodes["node1"]["attributes"] == {"pingd": "1000"}
    bundle = next(r for r in doc["resources"] if r["id"] == "web-bundle")
    assert bundle["kind"] == "bundle" and bundle["children"][0]["kind"] == "replica"
    assert bundle["children"][0]["children"][1]["id"] == "web"
    assert doc["failures"][1]["resource"] == "failing" and doc["failures"][1]["interval_ms"] == 10000
    assert doc["tickets"][0] == {"id": "ticketA", "granted": True, "standby": False,
                                 "last_granted": "Fri Nov 21 09:56:40 2025"}
    assert doc["bans"][0]["weight"] == -1000000 and doc["conditions"] == []


def test_unavailable_shape():
    doc = outcome_to_dict(parse_status(load("not-connected.xml"), 102))
    assert doc == {
        "schema_version": 1,
        "available": False,
        "condition": {
            "kind": "not-connected",
            "message": "Not connected",
            "exit_code": 102,
            "details": ["error: Could not connect to launcher: Connection refused",
                        "crm_mon: Connection to cluster failed: Connection refused"],
        },
    }


def test_outcome_of_a_snapshot_is_the_snapshot_dict():
    snap = snapshot("handwritten/fence-history.xml")
    doc = outcome_to_dict(snap)
    assert doc == snapshot_to_dict(snap)
    assert doc["fence_history"][0]["status"] == "failed"
    json.dumps(doc)


def test_every_resource_carries_crm_mons_markers_and_every_node_its_state():
    """Markers, severity and implicit at every level of the tree, as the vocabulary says."""
    from tui.pacemaker.vocabulary import node_state_words, resource_state

    snap = snapshot("full.xml")
    doc = json.loads(json.dumps(snapshot_to_dict(snap)))

    def pairs(resources, dicts):
        for resource, d in zip(resources, dicts, strict=True):
            yield resource, d
            yield from pairs(resource.children, d["children"])

    seen = 0
    for resource, d in pairs(snap.resources, doc["resources"]):
        state = resource_state(resource, snap)
        assert d["markers"] == list(state.markers) and d["severity"] == state.severity.value
        assert d["implicit"] is resource.implicit
        seen += 1
    assert seen == sum(1 for _ in snap.all_resources())
    # full.xml: a guest's connection and the bundle's parts are Pacemaker's own
    assert any(d["implicit"] for _r, d in pairs(snap.resources, doc["resources"]))
    for node, d in zip(snap.nodes, doc["nodes"], strict=True):
        assert d["state"] == list(node_state_words(node))
    assert {n["name"]: n["state"] for n in doc["nodes"]}["remote2"] == ["UNCLEAN", "offline"]
