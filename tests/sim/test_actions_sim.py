"""The demo cluster answers the operator's actions (issue 13): resources really move, bans
keep them off, clear lets them back, fencing takes a node down and a reboot brings it back;
crm_mon and the CIB show the constraints as Pacemaker writes them."""

from __future__ import annotations

from lxml import etree

from tui.pacemaker import commands as c
from tui.pacemaker.crm_mon import parse_status as parse_crm_mon
from tui.sim.cib import full_cib
from tui.sim.commands import execute
from tui.sim.placement import FENCE_REBOOT_SECONDS
from tui.sim.render import crm_mon_xml
from tui.sim.state import RESTART_SECONDS


def run(sim, argv, host="node1"):
    return execute(sim, host, argv)


def bans(sim):
    return {(b.id, b.resource, b.node, b.promoted_only) for b in parse_crm_mon(crm_mon_xml(sim).encode()).bans}


def cib_locations(sim):
    return {el.get("id"): el for el in full_cib(sim).iter("rsc_location")}


def test_move_writes_cli_prefer_and_the_group_follows(sim):
    run(sim, ("crm_resource", "--clear", "--resource", "web"))  # the scene's ban on node2 goes
    rc, out, err = run(sim, c.resource_move("web", "node2", version="3.0.0"))
    assert (rc, out, err) == (0, "", "")
    assert [sim.where(r) for r in ("web-ip", "web-fs", "web-server")] == [[("node2", "Started")]] * 3
    loc = cib_locations(sim)["cli-prefer-web"]
    assert (loc.get("rsc"), loc.get("node"), loc.get("score"), loc.get("role")) == ("web", "node2", "INFINITY", "Started")
    assert not any(b[0] == "cli-prefer-web" for b in bans(sim))  # a preference is no ban
    rc, _, err = run(sim, c.resource_move("web", "node2"))
    assert rc == 108 and "Requested item already exists" in err


def test_ban_shows_in_crm_mon_and_moves_the_resource_off(sim):
    run(sim, ("crm_resource", "--clear", "--resource", "web"))
    rc, out, _ = run(sim, c.resource_ban("web", "node1"))
    assert rc == 0 and "cli-ban-web-on-node1" in out and "WARNING" in out
    assert ("cli-ban-web-on-node1", "web", "node1", False) in bans(sim)
    # as the scheduler does (crm_simulate agrees): the fewest resources, ties by name: gn1
    assert [sim.where(r) for r in ("web-ip", "web-fs", "web-server")] == [[("gn1", "Started")]] * 3
    rc, out, _ = run(sim, c.resource_clear("web"))
    assert out == "Removing constraint: cli-ban-web-on-node1\n"
    assert not any(b[0].startswith("cli-ban-web") for b in bans(sim))
    assert sim.where("web-server") == [("gn1", "Started")]  # stickiness: it stays


def test_banned_from_every_allowed_node_it_stops_and_clear_starts_it_again(sim):
    # worker-clone runs on remote nodes only (a rule): banned from both, no instance is left
    assert run(sim, c.resource_ban("worker-clone", "rn1"))[0] == 0
    assert run(sim, c.resource_ban("worker-clone", "rn2"))[0] == 0
    assert sim.where("worker") == []
    rc, out, _ = run(sim, c.resource_clear("worker-clone"))
    assert out == ("Removing constraint: cli-ban-worker-clone-on-rn1\n"
                   "Removing constraint: cli-ban-worker-clone-on-rn2\n")
    assert sim.where("worker") == [("rn1", "Started"), ("rn2", "Started")]


def test_ban_of_a_stopped_resource_without_a_node_is_refused(sim):
    run(sim, c.resource_disable("memcached"))
    rc, _, err = run(sim, ("crm_resource", "--ban", "--resource", "memcached"))
    assert rc == 64 and "not moved: active in 0 locations." in err
    rc, out, _ = run(sim, c.resource_move("memcached", "gn2", promoted=True, version="2.1.5"))
    assert rc == 0 and out == "Ignoring --promoted option: memcached is not promotable\n"
    assert sim.location("cli-prefer-memcached").role == "Started"


def test_promote_and_demote_move_the_promoted_role(sim):
    assert sim.where("db") == [("node1", "Unpromoted"), ("node2", "Promoted")]
    assert run(sim, c.resource_move("db-clone", "node1", promoted=True, version="2.1.5"))[0] == 0
    assert dict(sim.where("db")) == {"node1": "Promoted", "node2": "Unpromoted"}
    assert cib_locations(sim)["cli-prefer-db-clone"].get("role") == "Promoted"
    rc, out, _ = run(sim, c.resource_ban("db-clone", "node1", promoted=True, version="2.1.5"))
    assert rc == 0 and "from being promoted on node1" in out
    assert dict(sim.where("db")) == {"node1": "Unpromoted", "node2": "Promoted"}
    assert ("cli-ban-db-clone-on-node1", "db-clone", "node1", True) in bans(sim)
    run(sim, c.resource_clear("db-clone", version="2.1.5"))
    assert not [b for b in sim.bans if b.rsc == "db-clone"]


def test_standby_of_the_promoted_node_promotes_another_instance(sim):
    assert dict(sim.where("db")) == {"node1": "Unpromoted", "node2": "Promoted"}
    assert run(sim, c.node_standby("node2", True))[0] == 0
    assert dict(sim.where("db")) == {"node1": "Promoted"}  # as the scheduler does, not left unpromoted
    assert run(sim, c.node_standby("node2", False))[0] == 0
    assert dict(sim.where("db")) == {"node1": "Promoted", "node2": "Unpromoted"}


def test_a_clone_instance_leaves_a_banned_node(sim):
    assert run(sim, c.resource_ban("ping-clone", "node2"))[0] == 0
    assert sim.where("ping") == [("node1", "Started")]  # node3 is in standby: nowhere else to go
    run(sim, c.resource_clear("ping-clone"))
    assert sim.where("ping") == [("node1", "Started"), ("node2", "Started")]


def test_a_remote_connection_moves_without_dropping_its_node(sim):
    assert sim.where("rn1") == [("node1", "Started")]
    assert run(sim, c.resource_move("rn1", "node2"))[0] == 0
    assert sim.where("rn1") == [("node2", "Started")] and sim.node_online("rn1")
    assert sim.where("worker") == [("rn1", "Started"), ("rn2", "Started")]


def test_a_vm_takes_its_guest_along(sim):
    assert run(sim, c.resource_move("vm-gn1", "node2"))[0] == 0
    assert sim.where("vm-gn1") == [("node2", "Started")] and sim.where("gn1") == [("node2", "Started")]
    assert sim.node_online("gn1") and sim.where("memcached") == [("gn1", "Started")]


def test_lifetime_is_a_rule_that_expires(sim, clock):
    rc, out, _ = run(sim, c.resource_ban("web", "node1", lifetime="PT1H"))
    assert rc == 0 and out.startswith("Migration will take effect until: ")
    loc = cib_locations(sim)["cli-ban-web-on-node1"]
    rule = loc.find("rule")
    assert rule.get("id") == "cli-ban-web-on-node1-rule" and rule.get("score") == "-INFINITY"
    assert rule.find("expression").get("value") == "node1" and rule.find("date_expression").get("end")
    assert ("cli-ban-web-on-node1-rule", "web", "node1", False) in bans(sim)
    clock.advance(3601)
    sim.tick()
    assert not any(b[0].startswith("cli-ban-web-on-node1") for b in bans(sim))
    rc, _, err = run(sim, c.resource_move("web", "node2", lifetime="soon"))
    assert rc == 64 and "Invalid duration" in err


def test_meta_get_parameter_and_target_role(sim):
    rc, out, err = run(sim, c.resource_meta_get("web", "target-role"))
    assert (rc, out, err) == (0, "", "Attribute 'target-role' not found for 'web'\n")
    run(sim, c.resource_disable("web"))
    assert run(sim, c.resource_meta_get("web-ip", "target-role"))[1] == "Stopped\n"  # the group's
    assert sim.where("web-ip") == []
    run(sim, c.resource_enable("web"))
    assert sim.where("web-ip") == [("node1", "Started")]
    run(sim, c.resource_unmanage("web"))
    assert run(sim, c.resource_meta_get("web", "is-managed"))[1] == "false\n"


def test_restart_stops_and_starts_where_it_runs(sim):
    before = sim.entry("node1", "web-server").last.call
    rc, out, _ = run(sim, c.resource_restart("web"))
    assert rc == 0 and "Waiting for 1 resources to stop:\n * web\n" in out and "to start again" in out
    assert sim.where("web-server") == [("node1", "Started")]
    assert sim.entry("node1", "web-server").last.call > before and "target-role" not in sim.resources[7].meta
    run(sim, c.resource_disable("web"))
    rc, _, err = run(sim, c.resource_restart("web"))
    assert (rc, err) == (105, "web is not running anywhere and so cannot be restarted\n"
                              "crm_resource: Error performing operation: No such object\n")
    rc, _, err = run(sim, c.resource_restart("nope"))
    assert rc == 105 and "Resource 'nope' not found" in err


def test_failcount_delete_and_refresh_clear_failures(sim):
    assert sim.fail_count("node1", "web-server")[0] == 1
    rc, out, _ = run(sim, c.failcount_delete("web-server", "node1"))
    assert (rc, out) == (0, "Cleaned up web-server on node1\nWaiting for 1 reply from the controller\n"
                            "... got reply (done)\n")  # 2.1.5 in the lab
    assert sim.fail_count("node1", "web-server")[0] == 0
    assert run(sim, c.failcount_delete("web-server", "node1"))[1] == "Cleaned up web-server on node1\n"
    sim.fail("redis", "gn2", rc=7)
    rc, out, _ = run(sim, c.resource_refresh("redis"))
    assert rc == 0 and "Cleaned up redis on gn2" in out and sim.fail_count("gn2", "redis")[0] == 0
    rc, _, err = run(sim, c.failcount_delete("nope", "node1"))
    assert rc == 105 and "Resource 'nope' not found" in err


def test_fence_lists_devices_reboots_and_the_node_comes_back(sim, clock):
    assert run(sim, c.fence_devices_for("node2")) == (0, "fence-node2\n1 fence device found\n", "")
    assert run(sim, c.fence_devices_for("rn1")) == (0, "0 fence devices found\n", "")
    history = len(sim.fence_history)
    assert run(sim, c.node_fence("node2"))[0] == 0
    assert not sim.node_online("node2")
    assert sim.where("rn2") == [("node1", "Started")]  # what may move moved
    assert dict(sim.where("db")) == {"node1": "Promoted"}  # the other instance is promoted
    event = sim.fence_history[history]
    assert (event.action, event.target, event.state, event.origin) == ("reboot", "node2", "success", "node1")
    status = parse_crm_mon(crm_mon_xml(sim).encode())
    assert not status.node("node2").online
    assert any(e.target == "node2" and e.status == "success" for e in status.fence_history)
    clock.advance(FENCE_REBOOT_SECONDS + RESTART_SECONDS["pacemaker"] + 2)
    sim.tick()
    assert sim.node_online("node2")
    assert sorted(r for _, r in sim.where("db")) == ["Promoted", "Unpromoted"]


def test_fence_off_stays_down_and_no_device_fails(sim, clock):
    assert run(sim, c.node_fence("node2", off=True))[0] == 0
    clock.advance(120)
    sim.tick()
    assert not sim.node_online("node2") and sim.fence_history[-1].action == "off"
    assert run(sim, c.node_fence("rn1")) == (105, "", "stonith_admin: Couldn't fence rn1: No such device\n")
    assert sim.node_online("rn1")
    rc, _, err = run(sim, c.fence_devices_for("node1"), host="rn1")  # no fencer on a remote node
    assert rc == 102 and "Could not connect to fencer" in err


def test_commands_on_a_node_whose_pacemaker_is_down_fail(sim):
    run(sim, c.node_fence("node2", off=True))
    rc, _, err = run(sim, c.resource_move("web", "node3"), host="node2")
    assert rc == 102 and "not connected" in err
    rc, _, _ = run(sim, c.fence_devices_for("node1"), host="node2")
    assert rc == 102


def test_the_cib_with_constraints_is_valid_xml_and_crm_mon_parses(sim):
    run(sim, c.resource_move("web", "node3", lifetime="P1D"))
    run(sim, c.resource_ban("db-clone", "node1", promoted=True, version="3.0.0"))
    text = etree.tostring(full_cib(sim))
    assert b"cli-prefer-rule-web" in text and b"cli-prefer-lifetime-end-web" in text
    assert parse_crm_mon(crm_mon_xml(sim).encode()).bans


def test_an_unmanaged_resource_stays_where_it_is(sim):
    run(sim, c.resource_unmanage("web"))
    assert run(sim, c.resource_ban("web", "node1"))[0] == 0
    assert sim.where("web-ip") == [("node1", "Started")]  # the cluster leaves it alone
    run(sim, c.cluster_maintenance(True))
    run(sim, c.resource_move("db-clone", "node1", promoted=True, version="3.0.0"))
    assert dict(sim.where("db")) == {"node1": "Unpromoted", "node2": "Promoted"}
    run(sim, c.cluster_maintenance(False))
    run(sim, c.resource_manage("web"))
    assert sim.where("web-ip") == [("gn1", "Started")]  # managed again: the ban holds


def test_a_move_of_a_disabled_resource_holds_when_it_is_enabled(sim):
    run(sim, c.resource_disable("memcached"))
    assert run(sim, c.resource_move("memcached", "node2")) == (0, "", "")  # the lab: created anyway
    assert sim.where("memcached") == []
    run(sim, c.resource_enable("memcached"))
    assert sim.where("memcached") == [("node2", "Started")]
