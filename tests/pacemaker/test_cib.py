"""CIB configuration facts joined onto crm_mon snapshots."""

from __future__ import annotations

import pytest

from tests.pacemaker.conftest import CIB, snapshot
from tui.pacemaker.cib import CibParseError, join, parse_cib_version, parse_configuration
from tui.pacemaker.model import DEFAULT_CONNECT_TIMEOUT, DEFAULT_REMOTE_PORT, CibVersion

FULL_CIB = (CIB / "full.xml").read_bytes()


def test_cib_version_from_no_children_query():
    text = ('<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="42" '
            'num_updates="7" admin_epoch="1" have-quorum="1" dc-uuid="1"/>')
    assert parse_cib_version(text) == CibVersion(admin_epoch=1, epoch=42, num_updates=7)
    assert parse_cib_version(FULL_CIB) == CibVersion(1, 42, 7)


@pytest.mark.parametrize("text, words", [
    ("<cib epoch='1' admin_epoch='0'", "not well-formed"),
    ("<configuration/>", "expected a <cib> element"),
    ("<cib admin_epoch='0' num_updates='1'/>", "epoch is missing"),
    ("<cib admin_epoch='0' epoch='x1' num_updates='1'/>", "epoch is 'x1'"),
    ("<cib admin_epoch='-3' epoch='1' num_updates='1'/>", "admin_epoch is '-3'"),
    ("", "not well-formed"),
])
def test_cib_version_errors_name_the_problem(text, words):
    with pytest.raises(CibParseError, match=words):
        parse_cib_version(text)


def test_configuration_facts():
    facts = parse_configuration(FULL_CIB)
    assert facts.cluster_name == "lab"
    r1 = facts.remotes["remote1"]
    assert (r1.server, r1.port, r1.reconnect_interval) == ("192.0.2.11", 3122, "60s")
    assert facts.remotes["remote2"].server is None
    g1 = facts.guests["gn1"]
    assert (g1.container, g1.remote_addr, g1.remote_port, g1.connect_timeout) == (
        "vm-gn1", "192.0.2.21", 3123, "30s")
    assert facts.guests["gn2"].container == "vm-gn2"  # inside a group
    b = facts.bundles["web-bundle"]
    assert (b.control_port, b.ip_range_start, b.replicas) == (3124, "192.0.2.50", 2)
    assert "web" not in facts.remotes and "web" not in facts.guests


def test_configuration_scope_output_is_accepted():
    from lxml import etree

    config = etree.tostring(etree.fromstring(FULL_CIB).find("configuration"))
    assert parse_configuration(config) == parse_configuration(FULL_CIB)


def test_guest_inside_a_clone():
    xml = """<configuration><resources><clone id="c"><primitive id="vm" class="ocf"
      provider="heartbeat" type="VirtualDomain"><meta_attributes id="m">
      <nvpair id="m1" name="remote-node" value="g9"/><nvpair id="m2" name="remote-port" value="4000"/>
      </meta_attributes></primitive></clone></resources></configuration>"""
    assert parse_configuration(xml).guests["g9"].remote_port == 4000


@pytest.mark.parametrize("text, words", [
    ("<configuration><resources>", "not well-formed"),
    ("<status/>", "expected <configuration> or <cib>"),
    ("<cib/>", "no <configuration>"),
    ('<!DOCTYPE x [<!ENTITY a "b">]><configuration/>', "DTD"),
])
def test_configuration_errors(text, words):
    with pytest.raises(CibParseError, match=words):
        parse_configuration(text)


def test_join_explicit_values_win_and_defaults_fill_the_rest():
    joined = join(snapshot("full.xml"), parse_configuration(FULL_CIB))
    by = {n.name: n for n in joined.nodes}
    r1, r2 = by["remote1"], by["remote2"]
    assert (r1.address, r1.port, r1.reconnect_interval) == ("192.0.2.11", 3122, "60s")
    assert (r2.address, r2.port, r2.reconnect_interval) == ("remote2", DEFAULT_REMOTE_PORT, None)
    g1, g2 = by["gn1"], by["gn2"]
    assert (g1.address, g1.port, g1.connect_timeout) == ("192.0.2.21", 3123, "30s")
    assert (g2.address, g2.port, g2.connect_timeout) == ("gn2", DEFAULT_REMOTE_PORT, DEFAULT_CONNECT_TIMEOUT)
    assert (by["web-bundle-0"].address, by["web-bundle-0"].port) == ("192.0.2.50", 3124)
    assert by["web-bundle-1"].address == "192.0.2.51"
    assert by["node1"].address is None and by["node1"].port is None
    assert joined.summary.cluster_name == "lab"
    # the rest of the snapshot is untouched
    assert joined.resources is snapshot("full.xml").resources or joined.resources == snapshot("full.xml").resources


def test_join_without_facts_still_applies_defaults():
    from tui.pacemaker.cib import CibFacts

    joined = join(snapshot("cts-basic.xml"), CibFacts())
    b = joined.node("httpd-bundle-0")
    assert (b.address, b.port) == ("httpd-bundle-0", DEFAULT_REMOTE_PORT)


def test_invalid_port_falls_back_to_default():
    xml = FULL_CIB.replace(b'name="port" value="3122"', b'name="port" value="99999"')
    joined = join(snapshot("full.xml"), parse_configuration(xml))
    assert joined.node("remote1").port == DEFAULT_REMOTE_PORT


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def mutated_cib(draw):
    data = bytearray(FULL_CIB)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["truncate", "flip", "value"]))
        if op == "truncate":
            data = data[:at]
        elif op == "flip":
            data[at] = draw(st.integers(0, 255))
        else:
            eq = data.find(b'="', at)
            end = data.find(b'"', eq + 2) if eq >= 0 else -1
            if end > 0:
                data[eq + 2:end] = draw(st.sampled_from([b"", b"-1", b"x" * 50, b"70000", b"1e9"]))
        if not data:
            break
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(mutated_cib())
def test_mutated_cibs_parse_or_raise_cib_parse_error(data):
    for fn in (parse_configuration, parse_cib_version):
        try:
            fn(data)
        except CibParseError as exc:
            assert str(exc)
    try:
        facts = parse_configuration(data)
    except CibParseError:
        return
    join(snapshot("full.xml"), facts)
