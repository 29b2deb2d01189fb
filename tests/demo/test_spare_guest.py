"""The demo's spare guest: vm-gn3, a VM the cluster starts just after the demo opens, not a
guest node yet, whose machine is gn3. It must not change the scene the console opens on,
nor the life each seed gives the cluster."""

from __future__ import annotations

from lxml import etree

from tests.demo.conftest import FakeClock
from tui.sim import build_demo
from tui.sim.render import crm_mon_xml
from tui.sim.state import CONNECT_DELAY


def _mon(state):
    return etree.fromstring(crm_mon_xml(state).encode())


def test_the_opening_scene_is_the_one_it_always_was(clock):
    state = build_demo(seed=0, clock=clock, life=False)
    counts = {n.get("name"): n.get("resources_running") for n in _mon(state).iter("node") if n.get("online")}
    assert (counts["node1"], counts["node2"], counts["node3"]) == ("13", "9", "0")
    vm = next(r for r in _mon(state).iter("resource") if r.get("id") == "vm-gn3")
    assert vm.get("role") == "Stopped"
    assert (state.epoch, state.num_updates) == (42, 17)


def test_it_runs_moments_later_and_is_no_guest_yet(clock):
    state = build_demo(seed=0, clock=clock, life=False)
    state.tick(clock.advance(CONNECT_DELAY + 1))
    assert state.where("vm-gn3") == [("node2", "Started")]
    assert "remote-node" not in state.primitives["vm-gn3"][0].meta and "gn3" not in state.nodes
    assert state.host("gn3").container == "vm-gn3"


def _life(seed: int, *, boot_spare: bool) -> list[tuple[str, str, str]]:
    clock = FakeClock()
    state = build_demo(seed=seed, clock=clock)
    if not boot_spare:
        state._events = [e for e in state._events if e.kind != "boot_spare"]
    for _ in range(20):
        state.tick(clock.advance(60))
    return sorted((node, key, value) for node, d in state.nodes.items() for key, value in d.transient.items()
                  if key.startswith(("fail-count-", "last-failure-")))


def test_the_seeded_life_draws_the_same_with_the_spare_vm():
    """Remote drops and resource failures happen when and where they always did."""
    for seed in (0, 3, 7):
        assert _life(seed, boot_spare=True) == _life(seed, boot_spare=False), seed
