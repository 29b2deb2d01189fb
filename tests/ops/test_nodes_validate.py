"""The node wizards' inputs, validated as Pacemaker does: every field valid and invalid, the
hostile corpus for names and addresses, and the collisions the facts show."""

from __future__ import annotations

import dataclasses

import pytest

from tests.hostile import ALL, raw_controls
from tui.ops.nodes.facts import ClusterFacts, Primitive
from tui.ops.nodes.inputs import AddGuest, AddRemote, RemoveNode
from tui.ops.nodes.validate import (
    FieldError,
    check_address,
    check_duration,
    check_name,
    check_option,
    check_port,
    duration_ms,
)

VALID_NAMES = ["rn3", "_x", "a", "node-1.example", "Remote_2", "x" * 255]
INVALID_NAMES = ["", "3rn", "10.0.0.1", "-rn", ".rn", "rn 3", "rn'3", 'rn"3', "rn/3", "rn:3", "rné", "x" * 256, None, 3]
VALID_PORTS = [1, 3121, 65535, "3121", "1"]
INVALID_PORTS = [0, 65536, -1, "", "abc", "31 21", "0x10", True, None, 3.5, "9999999"]
VALID_DURATIONS = ["60", "60s", "1m", "1h", "500ms", "PT1M", "P1D", "PT1H30M", "10sec", "2min", "1hr", "0", "100us"]
INVALID_DURATIONS = ["", "1.5s", "60 s", "-1", "s", "1x", "PT", "P", "1mins", "60s ", "PTM", None, 60]
VALID_ADDRESSES = ["10.20.0.23", "::1", "fe80::1", "rn3", "rn3.example.com", "a-b.c"]
INVALID_ADDRESSES = ["", "-rn3", "rn3-", "rn 3", "rn3;ls", "a..b", "1.2.3", "999.1.1.1", "x" * 254, None]


@pytest.mark.parametrize("value", VALID_NAMES)
def test_valid_names(value):
    assert check_name(value) is None


@pytest.mark.parametrize("value", INVALID_NAMES)
def test_invalid_names(value):
    assert check_name(value)


@pytest.mark.parametrize("value", VALID_PORTS)
def test_valid_ports(value):
    assert check_port(value) is None


@pytest.mark.parametrize("value", INVALID_PORTS)
def test_invalid_ports(value):
    assert check_port(value)


@pytest.mark.parametrize("value", VALID_DURATIONS)
def test_valid_durations(value):
    assert check_duration(value) is None


@pytest.mark.parametrize("value", INVALID_DURATIONS)
def test_invalid_durations(value):
    assert check_duration(value)


def test_durations_in_milliseconds_as_pacemaker_reads_them():
    assert duration_ms("60") == duration_ms("60s") == duration_ms("1m") == duration_ms("PT1M") == 60_000
    assert duration_ms("500ms") == 500 and duration_ms("1h") == 3_600_000
    assert check_duration("P100D")  # longer than Pacemaker's unsigned milliseconds


@pytest.mark.parametrize("value", VALID_ADDRESSES)
def test_valid_addresses(value):
    assert check_address(value) is None


@pytest.mark.parametrize("value", INVALID_ADDRESSES)
def test_invalid_addresses(value):
    assert check_address(value)


@pytest.mark.parametrize("value", ALL)
@pytest.mark.parametrize("check", [check_name, check_address])
def test_hostile_strings_are_refused_and_not_repeated(check, value):
    message = check(value)
    assert message, value[:40]
    assert not raw_controls(message)
    assert len(message) < 200 and (len(value) < 4 or value not in message)


def test_option_names_and_values():
    assert check_option("resource-stickiness", "100") is None
    assert check_option("server", "x")  # its own field
    assert check_option("remote-node", "x")  # would make a guest
    assert check_option("bad name", "x") and check_option("ok", "a\nb") and check_option("ok", "\x1b[2J")


def test_field_error_names_its_field():
    error = FieldError("port", "must be 1-65535")
    assert str(error) == "port: must be 1-65535" and error.field == "port"


# --- inputs: every field, syntax then collisions -------------------------------------------------

FACTS = ClusterFacts(
    version="2.1.5", cluster_nodes=("node1", "node2"), cluster_online=("node1", "node2"),
    cluster_addresses=("10.0.0.11",), remote_nodes=("rn1",), guest_nodes=("gn1",),
    node_addresses={"rn1": "10.0.0.21", "gn1": "10.0.0.41", "b-0": "10.0.0.31"},
    resource_ids=("rn1", "vm-gn1", "vm-new", "web", "web-ip", "grp"),
    guest_resources={"vm-gn1": "gn1"},
    primitives=(Primitive("rn1", "ocf:pacemaker:remote", ("node1",)),
                Primitive("vm-gn1", "ocf:heartbeat:VirtualDomain", ("node1",), "gn1"),
                Primitive("vm-new", "ocf:heartbeat:VirtualDomain", ("node2",)),
                Primitive("web-ip", "ocf:heartbeat:IPaddr2", ("node1",)),
                Primitive("fence-1", "stonith:fence_ipmilan", ("node2",))),
    bundle_replicas=("b-0",),
)


def fields(errors):
    return [e.field for e in errors]


@pytest.mark.parametrize("change,field", [
    ({"name": "3x"}, "name"), ({"address": "a b"}, "address"), ({"port": 0}, "port"),
    ({"reconnect_interval": "soon"}, "reconnect_interval"), ({"options": (("server", "x"),)}, "options"),
    ({"method": "ssh"}, "method"),
    ({"name": "node1", "address": "10.9.9.9"}, "name"), ({"name": "rn1", "address": "10.9.9.9"}, "name"),
    ({"name": "gn1", "address": "10.9.9.9"}, "name"), ({"name": "b-0", "address": "10.9.9.9"}, "name"),
    ({"name": "web", "address": "10.9.9.9"}, "name"),
    ({"address": "10.0.0.21"}, "address"), ({"address": "10.0.0.11"}, "address"), ({"address": "node2"}, "address"),
])
def test_add_remote_errors_name_the_field(change, field):
    inp = AddRemote(**{"name": "rn3", "address": "10.0.0.23", **change})
    assert field in fields(inp.errors(FACTS)), inp.errors(FACTS)
    assert AddRemote(name="rn3", address="10.0.0.23").errors(FACTS) == []


def test_add_remote_name_used_as_address_reports_once():
    errors = AddRemote(name="rn1").errors(FACTS)
    assert fields(errors) == ["name"]


@pytest.mark.parametrize("change,field", [
    ({"name": "3x"}, "name"), ({"resource": "vm new"}, "resource"), ({"address": "-x"}, "address"),
    ({"port": 70000}, "port"), ({"connect_timeout": "1.5s"}, "connect_timeout"),
    ({"resource": "nope"}, "resource"), ({"resource": "web"}, "resource"), ({"resource": "vm-gn1"}, "resource"),
    ({"resource": "rn1"}, "resource"), ({"resource": "fence-1"}, "resource"), ({"name": "web-ip"}, "name"), ({"name": "vm-new"}, "name"),
    ({"address": "10.0.0.41"}, "address"), ({"method": "x"}, "method"),
])
def test_add_guest_errors_name_the_field(change, field):
    inp = AddGuest(**{"name": "gn3", "resource": "vm-new", "address": "10.0.0.43", **change})
    assert field in fields(inp.errors(FACTS)), inp.errors(FACTS)
    assert AddGuest(name="gn3", resource="vm-new", address="10.0.0.43").errors(FACTS) == []


@pytest.mark.parametrize("inp,field", [
    (RemoveNode(name="3x", kind="remote"), "name"), (RemoveNode(name="rn1", kind="vm"), "kind"),
    (RemoveNode(name="gn1", kind="remote"), "name"), (RemoveNode(name="rn1", kind="guest"), "name"),
    (RemoveNode(name="rn9", kind="remote"), "name"), (RemoveNode(name="rn1", kind="remote", method="?"), "method"),
])
def test_remove_errors_name_the_field(inp, field):
    assert field in fields(inp.errors(FACTS))


def test_inputs_are_keyword_only_frozen_and_json_able():
    inp = AddRemote(name="rn3", options=[["resource-stickiness", "1"]])
    assert dataclasses.asdict(inp)["options"] == (("resource-stickiness", "1"),)
    with pytest.raises(TypeError):
        AddRemote("rn3")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        inp.name = "x"  # type: ignore[misc]
    assert RemoveNode(name="rn1", kind="remote").errors(FACTS) == []


def test_facts_round_trip_through_json():
    import json
    again = ClusterFacts.from_json(json.loads(json.dumps(FACTS.to_json())))
    assert again == FACTS


@pytest.mark.parametrize("value", ALL)
def test_hostile_values_in_every_field_are_field_errors_and_probe_nothing(value):
    from tui.ops.nodes.preflight import preflight
    cases = [
        (AddRemote, {"name": "rn3"}, ("name", "address", "reconnect_interval")),
        (AddGuest, {"name": "gn3", "resource": "vm-new"}, ("name", "resource", "address", "connect_timeout")),
        (RemoveNode, {"name": "rn1", "kind": "remote"}, ("name",)),
    ]
    for cls, base, names in cases:
        for field in names:
            inp = cls(**{**base, field: value})
            errors = inp.errors(FACTS)
            assert field in fields(errors), (cls.__name__, field)
            assert all(not raw_controls(e.message) for e in errors)
            plan = preflight(inp, FACTS)
            assert [s.id for s in plan.steps] == ["inputs"]
