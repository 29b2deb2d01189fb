"""The demo cluster's life: deterministic for a seed and a clock, and Pacemaker-like."""

from __future__ import annotations

from lxml import etree

from tests.demo.conftest import T0, FakeClock
from tui.sim import build_demo
from tui.sim.render import crm_mon_xml
from tui.sim.state import LOST_REMOTE


def _doc(state) -> etree._Element:
    return etree.fromstring(crm_mon_xml(state).encode())


def _node(doc, name):
    return doc.find(f"nodes/node[@name='{name}']")


def _version(state) -> tuple[int, int, int]:
    return state.admin_epoch, state.epoch, state.num_updates


def test_layout_has_every_kind_of_node_and_resource(demo):
    doc = _doc(demo)
    kinds = {n.get("name"): (n.get("type"), n.get("id_as_resource")) for n in doc.iter("node") if n.get("type")}
    assert [k for k, (t, _) in kinds.items() if t == "member"] == ["node1", "node2", "node3"]
    assert kinds["rn1"] == ("remote", None) and kinds["rn2"] == ("remote", None)
    assert kinds["gn1"] == ("remote", "vm-gn1") and kinds["gn2"] == ("remote", "vm-gn2")
    assert kinds["httpd-bundle-0"] == ("remote", "httpd-bundle-podman-0")
    assert doc.find("summary/current_dc").get("name") == "node1"
    assert _node(doc, "node3").get("standby") == "true"
    assert doc.find("resources/group[@id='web']") is not None
    assert doc.find("resources/clone[@id='db-clone']").get("multi_state") == "true"
    assert doc.find("resources/bundle[@id='httpd-bundle']").get("type") == "podman"
    roles = sorted(r.get("role") for r in doc.findall("resources/clone[@id='db-clone']/resource"))
    assert roles == ["Promoted", "Unpromoted"]
    assert doc.find("failures/failure").get("op_key") == "web-server_monitor_30000"
    assert {e.get("status") for e in doc.iter("fence_event")} == {"success", "failed"}
    assert doc.find("tickets/ticket").get("id") == "ticket-dr"
    assert doc.find("bans/ban[@id='cli-ban-web-on-node2']") is not None
    remotes = {r.get("id"): r.get("resource_agent") for r in doc.iter("resource")}
    assert remotes["rn1"] == "ocf:pacemaker:remote" and remotes["vm-gn1"] == "ocf:heartbeat:VirtualDomain"


def test_same_seed_and_clock_give_the_same_cluster():
    runs = []
    for _ in range(2):
        clock = FakeClock()
        state = build_demo(seed=5, clock=clock)
        outputs = []
        for _ in range(20):
            clock.advance(15)
            state.tick()
            outputs.append(crm_mon_xml(state))
        runs.append(outputs)
    assert runs[0] == runs[1]
    other = build_demo(seed=6, clock=FakeClock())
    other.tick(T0 + 300)
    assert crm_mon_xml(other) != runs[0][-1]


def test_a_remote_node_drops_and_reconnects_after_its_reconnect_interval(demo, clock):
    dropped_at = None
    for _ in range(120):  # the first drop comes within 30-60 s
        clock.advance(1)
        demo.tick()
        doc = _doc(demo)
        down = [n for n in ("rn1", "rn2") if _node(doc, n).get("online") == "false"]
        if down:
            dropped_at, name = clock.t, down[0]
            break
    assert dropped_at is not None and 30 <= dropped_at - T0 <= 61
    failure = doc.find(f"failures/failure[@op_key='{name}_monitor_30000']")
    assert failure.get("exitreason") == LOST_REMOTE and failure.get("status") == "Error"
    assert doc.find(f"resources/resource[@id='{name}']").get("role") == "Stopped"
    history = doc.find(f"node_history/node/resource_history[@id='{name}']")
    assert history.get("fail-count") == "1"

    clock.advance(59)
    demo.tick()
    assert _node(_doc(demo), name).get("online") == "false"  # still waiting out reconnect_interval
    clock.advance(2)
    demo.tick()
    doc = _doc(demo)
    assert _node(doc, name).get("online") == "true"
    assert doc.find(f"failures/failure[@op_key='{name}_monitor_30000']") is None
    workers = [r.find("node") for r in doc.findall("resources/clone[@id='worker-clone']/resource")]
    assert name in [w.get("name") for w in workers if w is not None]


def _fail_counts(doc) -> dict[tuple[str, str], int]:
    return {(n.get("name"), h.get("id")): int(h.get("fail-count", "0"))
            for n in doc.findall("node_history/node") for h in n}


def test_resources_fail_and_recover_with_a_growing_fail_count(demo, clock):
    before = _fail_counts(_doc(demo))
    grown = []
    for _ in range(200):  # the first resource failure comes within 40-90 s
        clock.advance(1)
        demo.tick()
        doc = _doc(demo)
        grown = [k for k, v in _fail_counts(doc).items() if v > before.get(k, 0) and k[1] not in ("rn1", "rn2")]
        if grown:
            break
    assert grown, "a resource failed"
    node, rsc = grown[0]
    failing = [r for r in doc.iter("resource") if r.get("id") == rsc and r.find("node") is not None
               and r.find("node").get("name") == node]
    assert failing[0].get("failed") == "true" and failing[0].get("active") == "true"
    failures = [f for f in doc.iter("failure") if f.get("node") == node and f.get("op_key").startswith(f"{rsc}_")]
    assert failures and failures[0].get("exitstatus") == "Not running"
    clock.advance(10)  # recovery comes 3-8 s later
    demo.tick()
    doc = _doc(demo)
    recovered = [r for r in doc.iter("resource") if r.get("id") == rsc and r.find("node") is not None
                 and r.find("node").get("name") == node]
    assert recovered[0].get("failed") == "false" and recovered[0].get("active") == "true"
    assert _fail_counts(doc)[(node, rsc)] == before.get((node, rsc), 0) + 1


def test_every_mutation_bumps_the_version_and_quiet_time_does_not(demo, clock):
    v0 = _version(demo)
    assert demo.tick() == 0 and _version(demo) == v0  # nothing due yet
    demo.set_node_attr("rn1", "standby", "on")
    v1 = _version(demo)
    assert v1[1] == v0[1] + 1  # configuration change: epoch
    demo.drop_remote("rn2")
    v2 = _version(demo)
    assert v2[1] == v1[1] and v2[2] > v1[2]  # status change: num_updates
    assert not demo.set_node_attr("rn1", "standby", "on")  # no change, no bump
    assert _version(demo) == v2
    clock.advance(3600)
    assert demo.tick() > 0 and _version(demo) > v2


def test_standby_moves_single_resources_and_stops_hosted_guests(demo):
    demo.set_node_attr("node1", "standby", "on")
    doc = _doc(demo)
    # node3 is in standby too and cli-ban-web-on-node2 keeps web off node2: web stops
    assert {r.get("role") for r in doc.findall("resources/group[@id='web']/resource")} == {"Stopped"}
    fence = doc.find("resources/resource[@id='fence-node3']/node")
    assert fence.get("name") == "node2"
    assert _node(doc, "node1").get("resources_running") == "0"
    assert _node(doc, "gn1").get("online") == "false"  # its VM is not allowed to move
    assert _node(doc, "rn1").get("online") == "true"  # its connection moved

