"""Bad crm_mon output is a value (Unavailable), never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pacemaker.conftest import load
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import ConditionKind, Snapshot, Unavailable

FULL = load("full.xml")
SMALL = load("maintenance-mode.xml")


def condition(outcome):
    assert isinstance(outcome, Unavailable), outcome
    return outcome.condition


def test_truncated_output():
    c = condition(parse_status(FULL[: len(FULL) // 2]))
    assert c.kind is ConditionKind.MALFORMED and "not well-formed" in c.message


def test_truncated_with_a_failing_exit_code_reports_the_exit():
    c = condition(parse_status(FULL[:100], 102, "crm_mon: Connection to cluster failed"))
    assert c.kind is ConditionKind.NOT_CONNECTED


def test_wrong_root():
    c = condition(parse_status(b"<cib epoch='1'><configuration/></cib>"))
    assert c.kind is ConditionKind.MALFORMED and "<cib>" in c.message


def test_binary_garbage():
    c = condition(parse_status(bytes(range(256)) * 4))
    assert c.kind is ConditionKind.MALFORMED


def test_not_xml_text():
    assert condition(parse_status("Cluster Summary:\n  * Stack: corosync\n")).kind is ConditionKind.MALFORMED


def test_envelope_without_state():
    c = condition(parse_status(b'<pacemaker-result api-version="2.25"><status code="0" message="OK"/></pacemaker-result>'))
    assert c.kind is ConditionKind.MALFORMED and "no cluster state" in c.message


def test_billion_laughs_is_refused_unexpanded():
    lol = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<pacemaker-result><summary><stack type="&lol9;"/></summary><nodes/></pacemaker-result>"""
    c = condition(parse_status(lol))
    assert c.kind is ConditionKind.MALFORMED and "DTD" in c.message


def test_entities_after_a_long_prolog_are_refused_too():
    doc = b"<!--" + b"x" * 10000 + b"-->" + b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><crm_mon>&e;</crm_mon>'
    assert condition(parse_status(doc)).kind is ConditionKind.MALFORMED


def test_undeclared_entity_reference():
    assert condition(parse_status(b'<crm_mon><summary><stack type="&x;"/></summary></crm_mon>')).kind \
        is ConditionKind.MALFORMED


def test_deep_nesting_is_refused():
    depth = 5000
    doc = b"<pacemaker-result><summary/><resources>" + b"<group id='g'>" * depth + b"</group>" * depth + b"</resources></pacemaker-result>"
    c = condition(parse_status(doc))  # libxml2 caps depth at 256 without huge_tree
    assert c.kind is ConditionKind.MALFORMED and "depth" in c.message


def test_hostile_attribute_values_fall_back_to_defaults():
    text = SMALL.decode()
    text = text.replace('<nodes_configured number="1"/>', '<nodes_configured number="99999999999999999999999999999"/>')
    text = text.replace('resources_running="0"', 'resources_running="-5"')
    text = text.replace('online="true"', 'online="perhaps"')
    text = text.replace('name="solo"', 'name="' + "A" * 200_000 + '"', 1)
    text = text.replace('disabled="1"', 'disabled="1e309"')
    outcome = parse_status(text)
    assert isinstance(outcome, Snapshot)
    assert outcome.summary.nodes_configured == 0 and outcome.summary.resources_disabled == 0
    node = outcome.nodes[0]
    assert node.resources_running == 0 and node.online is False and len(node.name) == 200_000


def test_xml_special_characters_survive():
    text = SMALL.decode().replace('name="solo"', 'name="so&lt;lo&amp;&#x41;"', 1)
    outcome = parse_status(text)
    assert outcome.nodes[0].name == "so<lo&A"


def test_huge_message_is_clipped():
    doc = '<pacemaker-result><status code="1" message="' + "m" * 100_000 + '"/></pacemaker-result>'
    c = condition(parse_status(doc))
    assert c.kind is ConditionKind.COMMAND_FAILED and len(c.message) <= 2000


FIXTURES = [load(n) for n in ("full.xml", "cts-basic.xml", "handwritten/legacy-2.0.xml",
                              "handwritten/fence-history.xml", "not-connected.xml")]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "drop-attr", "dup-attr", "value", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            data = data[:at]
        elif op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op in ("drop-attr", "dup-attr", "value"):
            eq = data.find(b'="', at)
            if eq < 0:
                continue
            start = data.rfind(b" ", 0, eq) + 1
            end = data.find(b'"', eq + 2)
            if end < 0:
                continue
            attr = bytes(data[start:end + 1])
            if op == "drop-attr":
                data[start:end + 1] = b""
            elif op == "dup-attr":
                data[start:end + 1] = attr + b" " + attr
            else:
                value = draw(st.sampled_from([b"", b"-1", b"INFINITY", b"true", b"x" * 300,
                                              b"&amp;", b"99999999999999999999999", b"\xff\xfe"]))
                data[eq + 2:end] = value
        else:
            data[at:at] = draw(st.sampled_from([b"<", b">", b"</nodes>", b"<resource/>", b"\x00",
                                                b"<node/>", b"<replica>", b"&lol;"]))
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), exit_code=st.sampled_from([None, 0, 1, 4, 102]))
def test_fuzzed_fixtures_always_give_an_outcome(data, exit_code):
    outcome = parse_status(data, exit_code)
    assert isinstance(outcome, (Snapshot, Unavailable))
    if isinstance(outcome, Unavailable):
        assert isinstance(outcome.condition.kind, ConditionKind) and outcome.condition.message


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000)))
def test_random_input_always_gives_an_outcome(data):
    assert isinstance(parse_status(data), (Snapshot, Unavailable))
