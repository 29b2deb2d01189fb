"""nodecmds.simulate_changes: one constant `sh -c` script, every value a positional parameter.

Run for real with sh: first with stand-in cibadmin/crm_simulate (anywhere), proving the words
arrive exactly and nothing in them executes; then with the local Pacemaker tools on a copy of
tests/fixtures/cib/full.xml (skipped where crm_simulate is absent).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.pacemaker import nodecmds
from tui.pacemaker.impact import parse_simulate_text, parse_simulate_xml

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cib" / "full.xml"
HOSTILE = [
    "a b",
    "it's",
    'say "hi"',
    "$(touch PWNED-1)",
    "`touch PWNED-2`",
    "; touch PWNED-3 #",
    "x\ntouch PWNED-4",
    "${IFS}$HOME",
    "-rf",
    "\\'\\\"",
    "*",
]

FAKE_CIBADMIN = """#!{py}
import os, sys
if os.environ.get("FAKE_CIB_FAIL"):
    sys.stderr.write("Could not connect to the CIB: Transport endpoint is not connected\\n"); sys.exit(102)
sys.stdout.write("<cib from='%s'/>\\n" % os.environ.get("CIB_file", "live"))
"""
FAKE_CHANGE = """#!{py}
import json, os, sys
with open(os.environ["CIB_file"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
print("change ran")
sys.exit(int(os.environ.get("FAKE_CHANGE_RC", "0")))
"""
FAKE_SIMULATE = """#!{py}
import json, os, sys
args = sys.argv[1:]
cib = open(args[args.index("--xml-file") + 1]).read()
print(json.dumps({{"argv": args, "cib": cib, "CIB_file": os.environ.get("CIB_file")}}))
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("cibadmin", FAKE_CIBADMIN), ("fake-change", FAKE_CHANGE), ("crm_simulate", FAKE_SIMULATE)):
        path = bin_dir / name
        path.write_text(body.format(py=sys.executable))
        path.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "TMPDIR": str(temp), "HOME": str(tmp_path)}
    return {"env": env, "work": work, "tmp": temp}


def run(argv, fake, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=fake["work"], env={**fake["env"], **extra}, capture_output=True, timeout=30)


def test_the_script_is_constant_and_every_value_a_parameter():
    one = nodecmds.simulate_changes([("crm_attribute", "--node", "n1", "--name", "standby", "--update", "on")],
                                    nodes_down=["n2"])
    two = nodecmds.simulate_changes([("crm_resource", "--move", "--resource", "$(x)", "--node", "n'3")], xml=False)
    assert one[:3] == two[:3] == ("sh", "-c", nodecmds.SIMULATE_SCRIPT)
    assert one[3:] == ("simulate-changes", "xml", "1", "crm_attribute --node n1 --name standby --update on",
                       "--run", "--output-as=xml", "--node-down=n2")
    assert two[3:7] == ("simulate-changes", "text", "1", "crm_resource --move --resource '$(x)' --node 'n'\"'\"'3'")
    assert two[7:] == ("--run",)
    assert nodecmds.simulate_change(("crm_resource", "-r", "x"))[4:] == ("text", "1", "crm_resource -r x", "--simulate")


@pytest.mark.parametrize("bad", [[()], [("a", 1)]])
def test_an_empty_or_odd_change_is_refused(bad):
    with pytest.raises(ValueError):
        nodecmds.simulate_changes(bad)


def test_a_bad_node_name_is_refused():
    for bad in ("", "a\0b", None):
        with pytest.raises(ValueError):
            nodecmds.simulate_changes([], nodes_down=[bad])


def test_the_words_arrive_exactly_and_nothing_in_them_runs(fake):
    changes = [("fake-change", "--resource", word, "--node", word) for word in HOSTILE]
    argv = nodecmds.simulate_changes(changes, nodes_down=HOSTILE)
    result = run(argv, fake)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is crm_simulate's alone: the changes wrote to stderr
    assert result.stderr.decode().count("change ran") == len(HOSTILE)
    copy = report["argv"][1]
    assert report["argv"] == ["--xml-file", copy, "--run", "--output-as=xml", *(f"--node-down={w}" for w in HOSTILE)]
    assert report["CIB_file"] == copy  # the changes ran against the copy
    lines = report["cib"].splitlines()
    assert lines[0] == "<cib from='live'/>"  # the copy is the live CIB (cibadmin without CIB_file)...
    assert [json.loads(line) for line in lines[1:]] == [list(c[1:]) for c in changes]  # ...then each change, in order
    assert sorted(p.name for p in fake["work"].iterdir()) == []  # no PWNED-*
    assert list(fake["tmp"].iterdir()) == []  # the copy is gone


def test_text_keeps_the_changes_output_in_front(fake):
    result = run(nodecmds.simulate_changes([("fake-change", "x")], xml=False), fake)
    assert result.returncode == 0
    first, second = result.stdout.decode().splitlines()
    assert first == "change ran" and json.loads(second)["argv"][2:] == ["--run"]


def test_a_failing_change_stops_it_and_says_which(fake):
    result = run(nodecmds.simulate_changes([("fake-change", "first"), ("fake-change", "it's $(bad)")]), fake,
                 FAKE_CHANGE_RC="6")
    assert result.returncode == 1 and result.stdout == b""
    assert ("impact preview: the change failed on the copy of the CIB (exit 6): fake-change first"
            in result.stderr.decode())
    assert list(fake["tmp"].iterdir()) == [] and list(fake["work"].iterdir()) == []


def test_no_cib_no_preview(fake):
    result = run(nodecmds.simulate_changes([("fake-change", "x")]), fake, FAKE_CIB_FAIL="1")
    assert result.returncode == 1 and b"Could not connect to the CIB" in result.stderr and result.stdout == b""
    assert list(fake["tmp"].iterdir()) == []


def test_cib_file_mode_copies_that_file(fake, tmp_path):
    """`pcmk-console --cib-file FILE`: CIB_file is set already; cibadmin --query reads it."""
    result = run(nodecmds.simulate_changes([]), fake, CIB_file=str(tmp_path / "saved.xml"))
    assert json.loads(result.stdout)["cib"].startswith(f"<cib from='{tmp_path / 'saved.xml'}'/>")


# --- the real tools (Pacemaker 2.1.5 here) ----------------------------------------------------

PATH = f"{os.environ.get('PATH', '/usr/bin:/bin')}:/usr/sbin"
REAL = all(shutil.which(tool, path=PATH) for tool in ("crm_simulate", "cibadmin", "crm_attribute", "crm_resource"))
ORIGINAL = FIXTURE.read_bytes().replace(b'crm_feature_set="3.16.2"', b'crm_feature_set="3.16.1"', 1)


@pytest.fixture
def real(tmp_path):
    if not REAL:
        pytest.skip("crm_simulate is not installed")
    cib = tmp_path / "cib.xml"
    # the fixture was written by a newer release: 2.1.5 refuses updates above its feature set
    cib.write_bytes(ORIGINAL)
    temp = tmp_path / "tmp"
    temp.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": PATH, "CIB_file": str(cib), "TMPDIR": str(temp)}
    return {"env": env, "cib": cib, "tmp": temp, "work": work}


def real_run(argv, real) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=real["work"], env=real["env"], capture_output=True, timeout=60)


def test_real_standby_preview_xml_equals_text(real):
    change = ("crm_attribute", "--node", "node1", "--name", "standby", "--update", "on")
    xml = real_run(nodecmds.simulate_changes([change]), real)
    text = real_run(nodecmds.simulate_changes([change], xml=False), real)
    assert xml.returncode == 0 and text.returncode == 0, (xml.stderr, text.stderr)
    from_xml, from_text = parse_simulate_xml(xml.stdout), parse_simulate_text(text.stdout)
    assert from_xml.computed and from_xml.actions == from_text.actions
    before = parse_simulate_xml(real_run(nodecmds.simulate_changes([]), real).stdout)
    assert before.actions != from_xml.actions  # standby moved things off node1
    assert not any(a.dest == "node1" for a in from_xml.actions)
    assert real["cib"].read_bytes() == ORIGINAL  # the file itself is untouched
    assert list(real["tmp"].iterdir()) == []


def test_real_node_down_and_an_unknown_node(real):
    down = real_run(nodecmds.simulate_changes([], nodes_down=["node2"]), real)
    assert down.returncode == 0 and b'<modify_node action="Offline" node="node2"/>' in down.stdout
    assert parse_simulate_xml(down.stdout).computed
    unknown = real_run(nodecmds.simulate_changes([], nodes_down=["-x"]), real)
    assert unknown.returncode != 0 and parse_simulate_xml(unknown.stdout).error


@pytest.mark.parametrize("word", HOSTILE)
def test_real_hostile_resource_ids_execute_nothing(real, word):
    change = ("crm_resource", "--resource", word, "--meta", "--set-parameter", "target-role",
              "--parameter-value", word)
    result = real_run(nodecmds.simulate_changes([change]), real)
    assert result.returncode == 1 and b"the change failed on the copy of the CIB" in result.stderr
    assert list(real["work"].iterdir()) == [] and list(real["tmp"].iterdir()) == []
    assert real["cib"].read_bytes() == ORIGINAL
