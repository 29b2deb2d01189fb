"""The demo's answers to the resource actions of issue 13 against the real Pacemaker 2.1.5
tools, offline, on the same CIB (the pattern of test_faithful.py, for commands instead of
crm_mon): the demo's full CIB is written to a file, the real crm_resource runs on it with
CIB_file, the demo executes the same argv, and the two must agree on exit code, stdout,
stderr, the constraints and the meta attributes that result. Then the real scheduler
(crm_simulate on that file) says where the named resource goes, and the demo, given time,
must put it there.

What only a live cluster shows (--restart, --refresh, crm_failcount, stonith_admin, and
what 3.0.0 prints differently) is measured in tests/integration/test_lab_actions.py and
tests/lab/FINDINGS-actions.md.

A case whose argv the demo does not answer yet ("unknown option", "not found") is skipped
with that reason; once it answers, it has to answer like Pacemaker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from lxml import etree

from tui.pacemaker import commands
from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.impact import parse_simulate_xml
from tui.pacemaker.model import Snapshot
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.render import crm_mon_xml
from tui.sim.scenario import build_demo

pytestmark = pytest.mark.skipif(shutil.which("crm_resource") is None or shutil.which("crm_simulate") is None,
                                reason="needs Pacemaker's crm_resource and crm_simulate")

V = "2.1.5"  # the host's tools; the demo is compared in its "2.1" dialect
# The demo says it runs 3.0.0 (crm_feature_set 3.20.0): 2.1.5's tools refuse to write a CIB
# of a newer feature set ("Protocol not supported"), so the file gets the host's.
FEATURE_SET = re.compile(r'crm_feature_set="[0-9.]+"')
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")
BARE = etree.XMLParser(remove_blank_text=True)


def _write(state, path: str) -> None:
    with open(path, "w") as fh:
        fh.write(FEATURE_SET.sub('crm_feature_set="3.16.1"', to_text(full_cib(state)), count=1))


def _real(path: str, argv) -> tuple[int, str, str]:
    env = {**os.environ, "CIB_file": path, "TZ": "UTC"}
    proc = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def _parts(xml: str) -> tuple[list[str], dict[str, list[tuple]]]:
    """The constraints (canonical; their order means nothing to Pacemaker, so sorted) and
    every resource's meta attributes."""
    root = etree.fromstring(xml.encode(), BARE)
    constraints = sorted(DATE.sub("DATE", etree.tostring(el, method="c14n").decode())
                         for el in root.find("configuration/constraints"))
    meta = {}
    for el in root.find("configuration/resources").iter("primitive", "group", "clone", "bundle"):
        meta[el.get("id")] = [(nv.get("id"), nv.get("name"), nv.get("value"))
                              for nv in el.iterfind("meta_attributes/nvpair")]
    return constraints, meta


def _file_parts(path: str):
    with open(path) as fh:
        return _parts(fh.read())


def _unanswered(rc: int, err: str) -> bool:
    return (rc == 64 and "unknown option" in err) or (rc == 127 and "not found" in err)


def _where(state, rid: str) -> tuple[str, ...]:
    snap = parse_status(crm_mon_xml(state, fence_history=False))
    assert isinstance(snap, Snapshot)
    found = [r for r in snap.all_resources() if r.id == rid]
    return found[0].nodes if found else ()


def _norm(text: str) -> str:
    return DATE.sub("DATE", text)


M = commands
# Each case: steps from a fresh demo (seed 3: memcached runs on gn1, the group web on node1
# with a cli-ban-web-on-node2, db-clone promoted on node2). A step is (argv, resource whose
# placement the real scheduler then decides, or None).
CASES = {
    "move": [(M.resource_move("memcached", "gn2", version=V), "memcached")],
    "move-where-it-runs": [(M.resource_move("memcached", "gn1", version=V), None)],
    "move-then-again": [(M.resource_move("memcached", "gn2", version=V), None),
                        (M.resource_move("memcached", "gn2", version=V), None)],
    "move-unknown-node": [(M.resource_move("memcached", "nosuch", version=V), None)],
    "move-unknown-resource": [(M.resource_move("nosuch", "node1", version=V), None)],
    "move-with-lifetime": [(M.resource_move("memcached", "gn2", lifetime="PT1H", version=V), None)],
    "move-group-onto-its-ban": [(M.resource_move("web", "node2", version=V), None)],
    "ban": [(M.resource_ban("memcached", "gn1", version=V), "memcached")],
    "ban-twice": [(M.resource_ban("memcached", "gn1", version=V), None),
                  (M.resource_ban("memcached", "gn1", version=V), None)],
    "ban-where-it-runs-no-node": [(("crm_resource", "--ban", "--resource", "memcached"), None)],
    "move-ban-clear": [(M.resource_move("memcached", "gn2", version=V), None),
                       (M.resource_ban("memcached", "gn1", version=V), None),
                       (M.resource_clear("memcached", version=V), "memcached")],
    "clear-the-demo-ban": [(M.resource_clear("web", version=V), None)],
    "clear-one-node": [(M.resource_clear("web", "node2", version=V), None)],
    "clear-nothing": [(M.resource_clear("memcached", version=V), None)],
    "promote": [(M.resource_move("db-clone", "node1", promoted=True, version=V), None)],
    "demote": [(M.resource_ban("db-clone", "node2", promoted=True, version=V), None)],
    "promote-then-clear": [(M.resource_move("db-clone", "node1", promoted=True, version=V), None),
                           (M.resource_clear("db-clone", promoted=True, version=V), None)],
    "disable-enable": [(M.resource_meta_get("memcached", "target-role"), None),
                       (M.resource_disable("memcached"), "memcached"),
                       (M.resource_meta_get("memcached", "target-role"), None),
                       (M.resource_enable("memcached"), "memcached"),
                       (M.resource_enable("memcached"), None)],
    "unmanage-manage": [(M.resource_unmanage("memcached"), None),
                        (M.resource_meta_get("memcached", "is-managed"), None),
                        (M.resource_manage("memcached"), None),
                        (M.resource_manage("memcached"), None)],
    "meta-set-delete": [(M.resource_meta_set("redis", "resource-stickiness", "100"), None),
                        (M.resource_meta_delete("redis", "resource-stickiness"), None)],
    "meta-of-unknown-resource": [(M.resource_meta_get("nosuch", "target-role"), None)],
    "ban-stopped-no-node": [(("crm_resource", "--ban", "--resource", "vm-gn3"), None)],
    "move-promoted-of-a-primitive": [(M.resource_move("memcached", "gn2", promoted=True, version=V),
                                      "memcached")],
}


def _placement_agrees(state, path: str, rid: str) -> str | None:
    """The real scheduler's plan for rid on the file vs where the demo puts it."""
    proc = subprocess.run(["crm_simulate", "--xml-file", path, "--run", "--output-as=xml"],
                          capture_output=True, text=True, timeout=60)
    impact = parse_simulate_xml(proc.stdout)
    assert impact.computed, (impact.error, proc.stderr)
    mine = [a for a in impact.actions if a.resource == rid]
    state.tick(state.now + 30)
    where = _where(state, rid)
    for a in mine:
        if a.kind == "move" and where != (a.dest,):
            return f"crm_simulate: {a.line()}; the demo has {rid} on {where}"
        if a.kind == "stop" and where:
            return f"crm_simulate: {a.line()}; the demo still has {rid} on {where}"
        if a.kind == "start" and a.node not in where:
            return f"crm_simulate: {a.line()}; the demo has {rid} on {where}"
    return None


@pytest.mark.parametrize("name", list(CASES))
def test_action_matches_real_crm_resource(name, tmp_path):
    state = build_demo(seed=3)
    state.dialect = "2.1"
    path = str(tmp_path / "cib.xml")
    for argv, placed in CASES[name]:
        _write(state, path)  # the demo's CIB as it is now: both start from the same document
        rc, out, err = _real(path, argv)
        mine = execute(state, "node1", tuple(argv), b"")
        if _unanswered(mine[0], mine[2]):
            pytest.skip(f"the demo does not answer {' '.join(argv)} yet: {mine[2].strip()[:120]}")
        assert (mine[0], _norm(mine[1]), mine[2]) == (rc, _norm(out), err), f"{' '.join(argv)}"
        real_cons, real_meta = _file_parts(path)
        demo_cons, demo_meta = _parts(to_text(full_cib(state)))
        assert demo_cons == real_cons, f"constraints after {' '.join(argv)}"
        assert demo_meta == real_meta, f"meta attributes after {' '.join(argv)}"
        if placed:
            why = _placement_agrees(state, path, placed)
            assert why is None, why


# --- what only a live cluster answers: the demo against the lab's recordings -----------------
# Recorded on the lab's real 2.1.5 (identical on 3.0.0), tests/integration/test_lab_actions.py
# checks the same strings there.
def _refresh_lines(rsc: str, nodes) -> str:
    n = len(nodes)
    lines = [f"Cleaned up {rsc} on {node}" for node in nodes]
    lines.append(f"Waiting for {n} repl{'y' if n == 1 else 'ies'} from the controller")
    lines += ["... got reply"] * (n - 1) + ["... got reply (done)"]
    return "\n".join(lines) + "\n"


def _recorded(state, name: str):
    """(argv, the lab's exit code and stdout for it on this demo), or None to skip."""
    if name == "restart":
        rsc = "memcached"
        return (commands.resource_restart(rsc), 0,
                f"Set '{rsc}' option: id={rsc}-meta_attributes-target-role set={rsc}-meta_attributes "
                f"name=target-role value=stopped\nWaiting for 1 resources to stop:\n * {rsc}\n"
                f"Deleted '{rsc}' option: id={rsc}-meta_attributes-target-role name=target-role\n"
                f"Waiting for 1 resources to start again:\n * {rsc}\n")
    if name == "failcount-delete":
        return (commands.failcount_delete("web-server", "node1"), 0,
                "Cleaned up web-server on node1\nWaiting for 1 reply from the controller\n"
                "... got reply (done)\n")
    if name == "refresh-resource":
        # one line per node whose status section has an lrm_resource of it, in CIB order
        root = etree.fromstring(to_text(full_cib(state)).encode())
        nodes = [ns.get("uname") for ns in root.iterfind("status/node_state")
                 if ns.find("lrm/lrm_resources/lrm_resource[@id='memcached']") is not None]
        return commands.resource_refresh("memcached"), 0, _refresh_lines("memcached", nodes)
    if name == "fence-devices-none":
        return commands.fence_devices_for("rn1"), 0, "0 fence devices found\n"
    if name == "restart-where-it-does-not-run":
        return (commands.resource_restart("memcached", "node1"), 105, "",
                "memcached is not running on node1 and so cannot be restarted\n"
                "crm_resource: Error performing operation: No such object\n")
    if name == "restart-stopped":
        return (commands.resource_restart("vm-gn3"), 105, "",
                "vm-gn3 is not running anywhere and so cannot be restarted\n"
                "crm_resource: Error performing operation: No such object\n")
    if name == "fence-unknown-node":
        return commands.node_fence("nosuch"), 105, "", "stonith_admin: Couldn't fence nosuch: No such device\n"
    raise AssertionError(name)


LIVE = ("restart", "failcount-delete", "refresh-resource", "fence-devices-none",
        "restart-where-it-does-not-run", "restart-stopped", "fence-unknown-node")


@pytest.mark.parametrize("name", LIVE)
def test_live_only_command_matches_the_lab_recording(name):
    state = build_demo(seed=3)
    state.dialect = "2.1"
    argv, rc, out, *err = _recorded(state, name)
    mine = execute(state, "node1", tuple(argv), b"")
    if _unanswered(mine[0], mine[2]):
        pytest.skip(f"the demo does not answer {' '.join(argv)} yet")
    assert (mine[0], mine[1]) == (rc, out)
    if err:
        assert mine[2] == err[0]
