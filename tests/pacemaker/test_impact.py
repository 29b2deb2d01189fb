"""tui.pacemaker.impact: crm_simulate's transition summary as data, and bad input said, not raised."""

from __future__ import annotations

import json

import pytest

from tui.pacemaker.impact import Impact, ImpactAction, parse_simulate_text, parse_simulate_xml
from tui.plaintext import is_safe

XML = b"""<pacemaker-result api-version="2.25" request="crm_simulate --xml-file /tmp/x --run --output-as=xml">
  <cluster_status><nodes/><resources/></cluster_status>
  <actions>
    <node_action task="Fence (off)" node="redis-bundle-0 (resource: redis-bundle-docker-0)" reason="guest is unclean"/>
    <node_action task="Fence (reboot)" node="controller-0" reason="peer is no longer part of the cluster"/>
    <node_action task="Shutdown" node="node9"/>
    <rsc_action action="stop" resource="galera:0" role="Promoted" node="galera-bundle-0" reason="unrunnable galera-bundle-docker-0 start"/>
    <rsc_action action="promote" resource="redis:1" role="Unpromoted" next-role="Promoted" source="redis-bundle-1"/>
    <rsc_action action="move" resource="ip" source="controller-0" dest="controller-2"/>
    <rsc_action action="start" resource="rabbitmq:1" node="rabbitmq-bundle-1" reason="unrunnable podman start" blocked="true"/>
    <rsc_action action="restart" resource="FAKE4" source="lamaVM2" reason="required VM2 start"/>
    <rsc_action action="start" resource="db:2" role="Stopped" next-role="Promoted" dest="node3"/>
    <rsc_action action="move" resource="db:0" role="Promoted" source="node1" dest="node2"/>
    <rsc_action action="demote" resource="db:1" role="Promoted" source="node1" next-role="Unpromoted" dest="node2"/>
    <rsc_action action="stop" resource="web" node="node1" reason="node availability"/>
    <rsc_action action="stop" resource="web" node="node2" reason="node availability"/>
  </actions>
  <status code="0" message="OK"/>
</pacemaker-result>"""

# the same list as crm_simulate's text prints it (2.1.5 widths; 2.0.x prints one space less)
TEXT = b"""Current cluster status:
  * Node List:
    * Online: [ controller-0 controller-2 ]

Transition Summary:
  * Fence (off) redis-bundle-0 (resource: redis-bundle-docker-0) 'guest is unclean'
  * Fence (reboot) controller-0 'peer is no longer part of the cluster'
  * Shutdown node9
  * Stop       galera:0     (               Promoted galera-bundle-0 )  due to unrunnable galera-bundle-docker-0 start
  * Promote    redis:1      ( Unpromoted -> Promoted redis-bundle-1 )
 * Move       ip           (          controller-0 -> controller-2 )
  * Start      rabbitmq:1   (                      rabbitmq-bundle-1 )  due to unrunnable podman start (blocked)
  * Restart    FAKE4        (                                lamaVM2 )  due to required VM2 start
  * Start      db:2         (          Stopped -> Promoted node3 )
  * Move       db:0         (               node1 -> node2 Promoted )
  * Demote     db:1         (    Promoted node1 -> Unpromoted node2 )
  * Stop       web          (                                  node1 )  due to node availability
  * Stop       web          (                                  node2 )  due to node availability

Executing Cluster Transition:
  * Resource action: web stop on node1
"""


def test_xml_and_text_read_the_same_list():
    from_xml, from_text = parse_simulate_xml(XML), parse_simulate_text(TEXT)
    assert from_xml.computed and from_text.computed, (from_xml.error, from_text.error)
    assert from_xml.actions == from_text.actions
    assert len(from_xml.actions) == 13


def test_the_fields_of_each_kind():
    a = parse_simulate_xml(XML).actions
    assert a[0] == ImpactAction("fence", "redis-bundle-0", node="redis-bundle-0", reason="guest is unclean",
                                fence="off", container="redis-bundle-docker-0")
    assert a[1].kind == "fence" and a[1].fence == "reboot" and a[1].container is None
    assert a[2] == ImpactAction("shutdown", "node9", node="node9")
    assert a[3] == ImpactAction("stop", "galera:0", node="galera-bundle-0", role="Promoted",
                                reason="unrunnable galera-bundle-docker-0 start")
    assert a[4] == ImpactAction("promote", "redis:1", node="redis-bundle-1", role="Unpromoted", next_role="Promoted")
    assert a[5] == ImpactAction("move", "ip", source="controller-0", dest="controller-2")
    assert a[6].blocked and a[6].kind == "start"
    assert a[7] == ImpactAction("restart", "FAKE4", node="lamaVM2", reason="required VM2 start")  # source -> node
    assert a[8] == ImpactAction("start", "db:2", node="node3", role="Stopped", next_role="Promoted")  # dest -> node
    assert a[9] == ImpactAction("move", "db:0", source="node1", dest="node2", role="Promoted")
    assert a[10] == ImpactAction("demote", "db:1", source="node1", dest="node2", role="Promoted",
                                 next_role="Unpromoted")


def test_lines_as_shown():
    impact = parse_simulate_xml(XML)
    lines = impact.lines()
    assert lines[0] == "Fence (off) redis-bundle-0 (resource: redis-bundle-docker-0): guest is unclean"
    assert lines[1] == "Fence (reboot) controller-0: peer is no longer part of the cluster"
    assert lines[2] == "Shutdown node9"
    assert lines[4] == "Promote redis:1 (Unpromoted -> Promoted redis-bundle-1)"
    assert lines[5] == "Move ip (controller-0 -> controller-2)"
    assert lines[6] == "Start rabbitmq:1 (rabbitmq-bundle-1) due to unrunnable podman start (blocked)"
    assert lines[9] == "Move db:0 (node1 -> node2 Promoted)"
    assert lines[10] == "Demote db:1 (Promoted node1 -> Unpromoted node2)"
    assert lines[-1] == "would end up stopped: galera:0, web"


def test_stops_are_unblocked_stops_each_once():
    impact = parse_simulate_xml(XML)
    assert impact.stops == ("galera:0", "web")
    assert impact.fences == ("redis-bundle-0", "controller-0")
    blocked = Impact((ImpactAction("stop", "x", node="n", blocked=True),))
    assert blocked.stops == ()


def test_empty_and_failed():
    assert Impact().lines() == ["no resource changes"] and Impact().computed
    failed = Impact(error="node1 could not be reached")
    assert not failed.computed and failed.lines() == ["preview not available: node1 could not be reached"]
    assert failed.stops == ()
    empty = parse_simulate_xml(b'<pacemaker-result><actions/><status code="0" message="OK"/></pacemaker-result>')
    assert empty.computed and empty.actions == ()
    text = parse_simulate_text(b"Current cluster status:\n  * Node List:\n\nTransition Summary:\n\n"
                               b"Executing Cluster Transition:\n")
    assert text.computed and text.actions == ()


def test_to_json_is_exact_and_serialisable():
    impact = parse_simulate_xml(XML)
    data = json.loads(json.dumps(impact.to_json()))
    assert data["computed"] is True and data["error"] is None and data["stops"] == ["galera:0", "web"]
    assert data["actions"][5] == {"kind": "move", "resource": "ip", "source": "controller-0",
                                  "dest": "controller-2", "blocked": False}
    assert data["actions"][0]["fence"] == "off"
    assert Impact(error="why").to_json() == {"computed": False, "error": "why", "actions": [], "stops": []}


@pytest.mark.parametrize("data, says", [
    (b"", "printed nothing"),
    (b"garbage", "not XML: garbage"),
    (b" \n", "printed nothing"),
    (b"Set 'web' option: id=web-meta_attributes-target-role\n", "not XML: Set 'web' option"),
    (b"<pacemaker-result><actions>", "could not be read"),  # truncated
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><pacemaker-result/>', "could not be read"),
    (b"<cib/><!-- <pacemaker-result -->", "not crm_simulate's XML output"),
    (b'<pacemaker-result><status code="0"/></pacemaker-result>', "no <actions> element"),
    (b'<pacemaker-result><actions><rsc_action resource="x"/></actions></pacemaker-result>',
     "without action or resource"),
    (b'<pacemaker-result><actions><node_action task="Fence (reboot)"/></actions></pacemaker-result>',
     "without task or node"),
    (b'<pacemaker-result><status code="105" message="No such object"><errors><error>no node zz</error>'
     b'</errors></status></pacemaker-result>', "crm_simulate failed: No such object: no node zz"),
])
def test_malformed_xml_is_an_error_not_an_exception(data, says):
    impact = parse_simulate_xml(data)
    assert not impact.computed and says in impact.error, impact.error
    assert is_safe(impact.lines()[0])


@pytest.mark.parametrize("data, says", [
    (b"", "no Transition Summary"),
    (b"Current cluster status:\n", "no Transition Summary"),
    (b"Transition Summary:\n  * Frobnicate\n", "unreadable Transition Summary line"),
    (b"Transition Summary:\n  * Start      web     ( a b c )\n", "unreadable"),
    (b"Transition Summary:\n  * Start      web     ( node1 )  because\n", "unreadable"),
    (b"Transition Summary:\n  * Start      web\x1b]52;c;aGk=\x07     ( a b c )\n", "unreadable"),
])
def test_malformed_text_is_an_error_not_an_exception(data, says):
    impact = parse_simulate_text(data)
    assert not impact.computed and says in impact.error, impact.error
    assert is_safe(impact.lines()[0])


def test_non_utf8_text_is_read():
    impact = parse_simulate_text(b"Transition Summary:\n  * Start      w\xffeb     ( node1 )\n")
    assert impact.computed and impact.actions[0].resource == "w\ufffdeb"


def test_control_characters_and_markup_in_names_stay_plain():
    hostile = "web[red]x[/]\u202e\x1b[2J"
    text = f"Transition Summary:\n  * Move       {hostile}   ( node1 -> n\x07de2 )  due to \x1b]52;c;aGk=\x07x\n"
    impact = parse_simulate_text(text.encode())
    assert impact.computed, impact.error
    action = impact.actions[0]
    assert action.resource == hostile and action.dest == "n\x07de2"  # exact, for JSON
    for line in impact.lines():
        assert is_safe(line), line
        assert "[red]" in line  # shown as the text it is (the UI renders without markup)
    assert "\\e" in impact.lines()[0] and "\\u202e" in impact.lines()[0]
    xml = ('<pacemaker-result><actions><rsc_action action="stop" resource="a&#10;b&#x202E;[b]" '
           'node="n&#9;1" reason="x&#13;y"/></actions></pacemaker-result>')
    impact = parse_simulate_xml(xml.encode())
    assert impact.actions[0].resource == "a\nb\u202e[b]"
    assert all(is_safe(line) for line in impact.lines())
    assert "\n" not in impact.lines()[0]


def test_a_later_releases_words_are_kept():
    impact = parse_simulate_xml(b'<pacemaker-result><actions><rsc_action action="Reload" resource="r" source="n1"/>'
                                b'<future_action x="1"/></actions></pacemaker-result>')
    assert impact.actions == (ImpactAction("reload", "r", node="n1"),)
    assert impact.lines() == ["Reload r (n1)"]


def test_a_huge_name_is_cut_where_shown():
    name = "r" * 10000
    impact = Impact((ImpactAction("start", name, node="n1"),))
    assert len(impact.lines()[0]) < 5000 and impact.actions[0].resource == name
