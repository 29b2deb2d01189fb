"""The simulator's crm_resource --move / --ban / --clear / --get-parameter against the real
crm_resource 2.1.5 in CIB_file mode, step by step.

Before each command the demo's full CIB (its status included: where everything runs now) is
written to a file; the same argv runs through the real tool on that file and through the
simulator. Exit codes, stdout and stderr must be identical, and so must the cli-prefer /
cli-ban constraints the two CIBs hold afterwards. The real tool writes only the CIB (no
scheduler runs on a file); the simulator also moves what the constraint moves, which the
next step's file then carries: so every step starts from the same placement on both sides.
--lifetime is left out (its end is "now" plus the duration, a second apart on the two sides).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from lxml import etree

from tui.sim import build_demo
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.state import FEATURE_SET

pytestmark = pytest.mark.skipif(shutil.which("crm_resource") is None, reason="needs Pacemaker's crm_resource")

R = "crm_resource"
SEQUENCES = {
    "move-ban-clear-a-group": [
        (R, "--move", "--resource", "web", "--node", "node1"),  # already there: refused
        (R, "--move", "--resource", "web", "--node", "node3"),
        (R, "--ban", "--resource", "web", "--node", "node1"),
        (R, "--ban", "--resource", "web", "--node", "node1"),  # again: the same constraint
        (R, "--clear", "--resource", "web", "--node", "node3"),
        (R, "--clear", "--resource", "web"),
        (R, "--clear", "--resource", "web"),  # nothing left: silent
        (R, "--ban", "--resource", "web"),  # no node: where it runs now
        (R, "--move", "--resource", "web-ip", "--node", "node2"),  # a member
    ],
    "promotable-roles": [
        (R, "--move", "--resource", "db-clone", "--node", "node2", "--promoted"),  # promoted there already
        (R, "--move", "--resource", "db-clone", "--node", "node1", "--promoted"),
        (R, "--ban", "--resource", "db-clone", "--node", "node1", "--promoted"),
        (R, "--clear", "--resource", "db-clone", "--node", "node1"),
        (R, "--ban", "--resource", "db-clone", "--promoted"),
        (R, "--clear", "--resource", "db-clone"),
        (R, "--move", "--resource", "db-clone", "--node", "node1", "--master"),
    ],
    "clones-bundles-connections": [
        (R, "--ban", "--resource", "ping-clone"),  # active in 2 places: refused
        (R, "--ban", "--resource", "ping-clone", "--node", "node2"),
        (R, "--move", "--resource", "httpd-bundle", "--node", "node1"),
        (R, "--ban", "--resource", "rn1", "--node", "rn2"),
        (R, "--move", "--resource", "rn1", "--node", "node2"),
        (R, "--move", "--resource", "memcached", "--node", "node1"),
    ],
    "unknown-names": [
        (R, "--move", "--resource", "nope", "--node", "node1"),
        (R, "--move", "--resource", "web", "--node", "nodeX"),
        (R, "--ban", "--resource", "nope", "--node", "node1"),
        (R, "--clear", "--resource", "nope"),
        (R, "--clear", "--resource", "web", "--node", "nodeX"),
    ],
    "get-parameter": [
        (R, "--resource", "web", "--meta", "--get-parameter", "target-role"),
        (R, "--resource", "web", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped"),
        (R, "--resource", "web", "--meta", "--get-parameter", "target-role"),
        (R, "--resource", "web-ip", "--meta", "--get-parameter", "target-role"),  # the group's
        (R, "--resource", "db-clone", "--meta", "--get-parameter", "promotable"),
        (R, "--resource", "memcached", "--meta", "--get-parameter", "is-managed"),
        (R, "--resource", "nope", "--meta", "--get-parameter", "target-role"),
    ],
}


def _cli_constraints(cib: etree._Element) -> list[tuple]:
    out = []
    for el in cib.iter("rsc_location"):
        if not (el.get("id") or "").startswith("cli-"):
            continue
        out.append((el.get("id"), el.get("rsc"), el.get("role"), el.get("node"), el.get("score")))
    return sorted(out)


def _local_feature_set() -> str:
    out = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, timeout=30).stdout
    return etree.fromstring(out.encode()).get("crm_feature_set") or FEATURE_SET


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_sim_placement_commands_answer_as_crm_resource_does(name, tmp_path):
    sim = build_demo(seed=0, clock=lambda: 1_790_000_000.0, life=False)
    sim.dialect = "2.1"  # the local tools are 2.1.5
    feature_set = _local_feature_set()
    path = tmp_path / "cib.xml"
    env = {**os.environ, "CIB_file": str(path), "LC_ALL": "C", "TZ": "UTC"}
    for argv in SEQUENCES[name]:
        cib = full_cib(sim)
        cib.set("crm_feature_set", feature_set)
        path.write_text(to_text(cib))
        real = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=60)
        assert execute(sim, "node1", argv) == (real.returncode, real.stdout, real.stderr), argv
        assert _cli_constraints(full_cib(sim)) == _cli_constraints(etree.parse(str(path)).getroot()), argv
