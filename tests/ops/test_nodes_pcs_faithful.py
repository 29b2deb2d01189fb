"""The direct method writes what real pcs writes: `pcs -f CIB cluster node add-remote/add-guest`
on this machine (pcs and Pacemaker from Debian: the versions CI installs), offline on a CIB
file, compared with tui.ops.nodes.plans' XML for the same Pacemaker version."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from lxml import etree

from tui.ops.nodes import plans
from tui.pacemaker import nodecmds

pytestmark = pytest.mark.skipif(not (shutil.which("pcs") and shutil.which("cibadmin")),
                                reason="needs pcs and cibadmin (pacemaker-cli-utils)")


def _pacemaker_version() -> str:
    out = subprocess.run(["pacemakerd", "--version"], capture_output=True, text=True).stdout
    found = re.search(r"Pacemaker (\d+\.\d+\.\d+)", out)
    if not found:
        pytest.skip(f"cannot tell this machine's Pacemaker version: {out!r}")
    return found.group(1)


def _canonical(el: etree._Element) -> bytes:
    """Attribute order and whitespace do not matter to Pacemaker; everything else does."""
    for node in el.iter():
        node.tail = None
        if node.text is not None and not node.text.strip():
            node.text = None
    return etree.tostring(el, method="c14n")


def _empty_cib(tmp_path):
    path = tmp_path / "cib.xml"
    path.write_text(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout)
    return path


def _pcs(path, *words) -> None:
    proc = subprocess.run(["pcs", "-f", str(path), *words], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("options", [{}, {"port": 3122, "reconnect_interval": "60s"}])
def test_the_direct_remote_primitive_is_the_one_pcs_creates(tmp_path, options):
    cib = _empty_cib(tmp_path)
    words = [f"{k}={v}" for k, v in options.items()]
    _pcs(cib, "cluster", "node", "add-remote", "rn9", "10.0.0.9", *words)
    theirs = etree.parse(str(cib)).find(".//resources/primitive[@id='rn9']")
    ours = etree.fromstring(plans.remote_primitive_xml("rn9", "10.0.0.9", version=_pacemaker_version(), **options))
    assert _canonical(ours) == _canonical(theirs)


def test_the_direct_guest_meta_is_what_pcs_sets(tmp_path):
    """add-guest: pcs sets remote-node and always remote-addr (the node name by default),
    port and timeout only when given; the direct method's crm_resource edits set the same."""
    cib = _empty_cib(tmp_path)
    vm = '<primitive id="vm9" class="ocf" provider="pacemaker" type="Dummy"/>'
    subprocess.run(["cibadmin", "--create", "--scope", "resources", "--xml-text", vm], check=True,
                   env={"CIB_file": str(cib), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    _pcs(cib, "cluster", "node", "add-guest", "gn9", "vm9", "remote-port=3123")
    theirs = {nv.get("name"): nv.get("value")
              for nv in etree.parse(str(cib)).iterfind(".//primitive[@id='vm9']/meta_attributes/nvpair")}
    plan = plans.add_guest(name="gn9", resource="vm9", port=3123, method="direct", facts=None)
    ours = {}
    for step in plan.steps:
        argv = getattr(step, "argv", ())
        if argv[:1] == ("crm_resource",) and "--set-parameter" in argv:
            ours[argv[argv.index("--set-parameter") + 1]] = argv[argv.index("--parameter-value") + 1]
    assert ours == theirs
    assert theirs["remote-addr"] == "gn9" and nodecmds.REMOTE_PORT != 3123
