"""tui.ops.preview.compute_impact (never raises; XML or text by version), tui.ops.risk, and
the Plan fields the preview hangs on."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.demo.conftest import T0, FakeClock
from tui.ops import preview as pv
from tui.ops.plan import Plan, RunStep
from tui.ops.preview import PreviewSpec, compute_impact, preview_argv
from tui.ops.risk import needs_typed_confirmation, typed_ok
from tui.pacemaker import nodecmds
from tui.pacemaker.impact import Impact, ImpactAction
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError
from tui.sim import build_demo
from tui.sim.transport import demo_transport_factory

STANDBY = ("crm_attribute", "--node", "node1", "--name", "standby", "--update", "on")
XML_OK = (b'<pacemaker-result><actions><rsc_action action="move" resource="web" source="node1" dest="node2"/>'
          b'</actions><status code="0" message="OK"/></pacemaker-result>')
TEXT_OK = b"Transition Summary:\n  * Move       web     ( node1 -> node2 )\n"


class FakePool:
    def __init__(self, *, result=None, raises=None, delay=0.0):
        self.result, self.raises, self.delay, self.calls = result, raises, delay, []

    async def run(self, host, argv, **kwargs):
        self.calls.append((host, tuple(argv), kwargs))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raises is not None:
            raise self.raises
        rc, out, err = self.result
        return CommandResult(host, tuple(argv), rc, out, err)


SPEC = PreviewSpec((STANDBY,))


def test_preview_spec_is_frozen_and_hashable():
    spec = PreviewSpec([list(STANDBY)], ["n2"])
    assert spec.changes == (STANDBY,) and spec.nodes_down == ("n2",)
    assert hash(spec) == hash(PreviewSpec((STANDBY,), ("n2",)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.changes = ()  # type: ignore[misc]
    assert preview_argv(spec, xml=True) == nodecmds.simulate_changes((STANDBY,), nodes_down=("n2",), xml=True)


def test_plan_fields_default_and_keep_the_plan_frozen():
    step = RunStep("Set standby", STANDBY)
    plan = Plan("standby", (step,))
    assert plan.preview is None and plan.cluster_wide is False
    with_preview = Plan("standby", (step,), preview=SPEC, cluster_wide=True)
    assert with_preview.preview == SPEC and with_preview.steps[0].id == "1-set-standby"
    assert with_preview == Plan("standby", (step,), preview=PreviewSpec((STANDBY,)), cluster_wide=True)
    assert hash(with_preview) == hash(Plan("standby", (step,), preview=SPEC, cluster_wide=True))
    with pytest.raises(dataclasses.FrozenInstanceError):
        with_preview.cluster_wide = False  # type: ignore[misc]


@pytest.mark.parametrize("version, xml", [("2.1.5-a3f44794f94", True), ("3.0.0", True), ("2.0.5", False),
                                          (None, False), ("junk", False)])
async def test_xml_from_2_1_0_text_before(version, xml):
    pool = FakePool(result=(0, XML_OK if xml else TEXT_OK, b""))
    impact = await compute_impact(SPEC, pool, "node1", version=version)
    assert impact.computed and impact.actions == (ImpactAction("move", "web", source="node1", dest="node2"),)
    (host, argv, kwargs), = pool.calls
    assert host == "node1" and argv == preview_argv(SPEC, xml=xml)
    assert kwargs["purpose"] == "impact preview" and kwargs["read"] is True and not kwargs.get("mutates")


@pytest.mark.parametrize("version", ["2.1.5", "3.0.0"])
async def test_a_node_taken_down_is_previewed_from_the_text_summary(version):
    """3.0.0's XML stops after <modifications> when --node-down is given (lab finding)."""
    spec = PreviewSpec((), nodes_down=("node2",))
    pool = FakePool(result=(0, TEXT_OK, b""))
    impact = await compute_impact(spec, pool, "node1", version=version)
    (_, argv, _), = pool.calls
    assert argv == preview_argv(spec, xml=False) and impact.computed


@pytest.mark.parametrize("raises, says", [
    (TransportError("node1", "connection refused", hint="is sshd running?"),
     "node1 could not be reached: connection refused (is sshd running?)"),
    (ReadOnlyError("read-only mode: refused"), "read-only mode refused it"),
    (asyncio.TimeoutError(), "did not finish on node1 within 60 s"),
    (RuntimeError("boom"), "the preview could not run on node1: boom"),
])
async def test_errors_are_an_impact_never_an_exception(raises, says):
    impact = await compute_impact(SPEC, FakePool(raises=raises), "node1", version="2.1.5")
    assert not impact.computed and says in impact.error, impact.error
    assert impact.lines()[0].startswith("preview not available: ")


async def test_cancellation_is_not_swallowed():
    task = asyncio.ensure_future(compute_impact(SPEC, FakePool(result=(0, XML_OK, b""), delay=10), "node1"))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("result, says", [
    ((1, b"", b"Error setting standby=on: No such device\n"
              b"impact preview: the change failed on the copy of the CIB (exit 105): crm_attribute --node n9\n"),
     "the change failed on the copy of the CIB (exit 105): crm_attribute --node n9: Error setting standby=on"),
    ((1, b"", b"Could not connect to the CIB: Transport endpoint is not connected\n"),
     "could not read the live CIB: Could not connect to the CIB"),
    ((1, b"", b"Could not connect to the CIB: Update does not conform to the configured schema\n"
              b"Init failed, could not perform requested operations\n"),
     "could not read the live CIB: Could not connect to the CIB: Update does not conform"),
    ((134, b"", b"(log_assertion_as) \terror: pcmk__inject_node: Triggered fatal assertion at x.c:1 : rc\nAborted\n"),
     "crm_simulate aborted (exit 134)"),
    ((105, b'<pacemaker-result><status code="105" message="No such object"/></pacemaker-result>', b""),
     "crm_simulate failed: No such object"),
    ((127, b"", b"sh: 1: crm_simulate: not found\n"), "crm_simulate is not installed there"),
    ((None, b"", b""), "was cut off"),
    ((0, b"<pacemaker-result>", b""), "could not be read"),
])
async def test_failures_say_which_part_failed(result, says):
    impact = await compute_impact(SPEC, FakePool(result=result), "node1", version="2.1.5")
    assert not impact.computed and says in impact.error, impact.error


async def test_a_timed_out_result():
    class TimedOut(FakePool):
        async def run(self, host, argv, **kwargs):
            return CommandResult(host, tuple(argv), None, b"", b"", timed_out=True)
    impact = await compute_impact(SPEC, TimedOut(), "node1", timeout=5)
    assert impact.error == "crm_simulate did not finish on node1 within 5 s"


async def test_hostile_output_stays_plain():
    impact = await compute_impact(SPEC, FakePool(result=(1, b"", b"\x1b]52;c;aGk=\x07bad\n")), "node1")
    assert "\x1b" not in impact.error and "\\e]52" in impact.error


async def test_a_read_only_pool_runs_it_on_the_demo():
    state = build_demo(seed=0, clock=FakeClock(T0), life=False)
    pool = WorkerPool(demo_transport_factory(state), read_only=True)
    impact = await compute_impact(SPEC, pool, "node1", version="2.1.5")
    assert impact.computed, impact.error
    assert impact.actions and "web-ip" in impact.stops
    text = await compute_impact(SPEC, pool, "node1", version="2.0.5")
    assert text.actions == impact.actions
    assert not state.standby("node1")  # the live (demo) cluster is untouched
    await pool.close()


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cib" / "full.xml"


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate is not installed")
async def test_a_read_only_local_pool_previews_a_saved_cib(tmp_path, monkeypatch):
    """`pcmk-console --cib-file FILE`: commands run here with CIB_file, read-only is no obstacle."""
    cib = tmp_path / "cib.xml"
    original = FIXTURE.read_bytes().replace(b'crm_feature_set="3.16.2"', b'crm_feature_set="3.16.1"', 1)
    cib.write_bytes(original)
    monkeypatch.setenv("CIB_file", str(cib))
    pool = WorkerPool(lambda host: LocalTransport(host), read_only=True)
    impact = await compute_impact(SPEC, pool, "local", version="2.1.5")
    assert impact.computed, impact.error
    assert impact.actions and not any(a.dest == "node1" or (a.kind == "start" and a.node == "node1")
                                      for a in impact.actions)
    assert cib.read_bytes() == original
    bad = await compute_impact(PreviewSpec((("crm_resource", "--resource", "$(nope)", "--meta", "--delete-parameter",
                                             "x"),)), pool, "local", version="2.1.5")
    assert not bad.computed and "the change failed on the copy of the CIB" in bad.error
    await pool.close()


# --- risk -----------------------------------------------------------------------------------

STOPS = Impact((ImpactAction("stop", "db", node="node1"),))
MOVES = Impact((ImpactAction("move", "web", source="node1", dest="node2"),))
FAILED = Impact(error="unreachable")


def plan(preview=None, cluster_wide=False) -> Plan:
    return Plan("x", (RunStep("Do it", ("true",)),), preview=preview, cluster_wide=cluster_wide)


@pytest.mark.parametrize("the_plan, impact, production, typed", [
    (plan(SPEC), MOVES, False, False),  # not production: one key, always
    (plan(SPEC), STOPS, False, False),
    (plan(cluster_wide=True), None, False, False),
    (plan(SPEC), MOVES, True, False),  # production, moves only: one key
    (plan(), None, True, False),  # nothing to preview (cleanup): one key
    (plan(SPEC), STOPS, True, True),  # something ends up stopped
    (plan(SPEC), None, True, True),  # preview not computed yet
    (plan(SPEC), FAILED, True, True),  # preview failed: unknown is the worst case
    (plan(cluster_wide=True), MOVES, True, True),
    (plan(cluster_wide=True), None, True, True),
    (plan(), STOPS, True, True),
    (plan(SPEC), Impact((ImpactAction("stop", "db", node="n", blocked=True),)), True, False),
])
def test_needs_typed_confirmation(the_plan, impact, production, typed):
    assert needs_typed_confirmation(the_plan, impact, production=production) is typed


@pytest.mark.parametrize("typed, name, ok", [
    ("prod-east", "prod-east", True), ("  prod-east \n", "prod-east", True), ("prod-east", " prod-east ", True),
    ("Prod-East", "prod-east", False), ("prod", "prod-east", False), ("prod-east2", "prod-east", False),
    ("", "", False), ("   ", "  ", False), ("prod-east", "", False), (None, "prod-east", False),
])
def test_typed_ok(typed, name, ok):
    assert typed_ok(typed, name) is ok


def test_describe_is_one_line():
    assert pv.describe(STOPS) == "Stop db (node1); would end up stopped: db"
