"""Shared by the faithfulness test and by hand: run the real crm_mon on the demo's full CIB."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from lxml import etree

from tui.sim.cib import full_cib, to_text
from tui.sim.render import crm_mon_xml


def real_crm_mon(state) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cib.xml")
        with open(path, "w") as fh:
            fh.write(to_text(full_cib(state)))
        env = {**os.environ, "CIB_file": path, "TZ": "UTC"}
        proc = subprocess.run([shutil.which("crm_mon"), "--one-shot", "--inactive", "--output-as=xml"],
                              env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def normalise(text: str) -> str:
    """Drop what legitimately differs: the moment of the look, and the request line."""
    root = etree.fromstring(text.encode())
    root.set("request", "-")
    for el in root.iter("last_update"):
        el.set("time", "-")
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def both(state) -> tuple[str, str]:
    """Compared in the "2.1" dialect: the crm_mon here is 2.1.5. What 3.0.0 prints on top of
    it (api 2.38) is checked from its schema and Pacemaker 3's outputs in tests/demo/test_dialect.py."""
    dialect, state.dialect = state.dialect, "2.1"
    try:
        return normalise(crm_mon_xml(state, fence_history=False)), normalise(real_crm_mon(state))
    finally:
        state.dialect = dialect
