"""add-remote in a real terminal, keys only: `pcmk-console --demo`, `:add-remote`, the form,
the checks, the review, the run, rn3 online. Skipped without tmux or without the wizard
modules (tui.ops.nodes)."""

from __future__ import annotations

import importlib.util
import shutil
import time

import pytest

from tests.e2e.tmux import TmuxTerminal, console_command

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed"),
    pytest.mark.skipif(importlib.util.find_spec("tui.ops.nodes.wizards") is None,
                       reason="tui.ops.nodes.wizards (the wizard modules) not in the tree yet"),
]


def keys(term: TmuxTerminal, *groups) -> None:
    """Each group one send-keys, at a person's pace (each lands after the last was handled)."""
    for group in groups:
        term.send(*group)
        time.sleep(0.4)


def test_add_remote_with_keys_only_in_tmux(tmp_path):
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PCMK_CONSOLE_STATE_DIR": str(tmp_path / "state")}
    term = TmuxTerminal(console_command("--demo"), env=env)
    try:
        term.wait_for("Cluster nodes", "rn1")
        keys(term, [":"], ["-l", "add-remote"], ["Enter"])
        term.wait_for("Add a remote node", "1 inputs")
        keys(term, ["-l", "rn3"], ["Tab"], ["-l", "10.20.0.23"],
             ["Tab"], ["Tab"], ["Tab"], ["Tab"], ["Down"], ["Down"], ["Enter"])  # the method: direct
        keys(term, ["C-n"])
        term.wait_for("checks passed", timeout=30)
        keys(term, ["C-n"])
        screen = term.wait_for("method direct", "cibadmin --create", timeout=10)
        assert "Traceback" not in screen
        keys(term, ["y"])
        screen = term.wait_for("enter or escape closes", timeout=120)  # the result page
        assert "Add remote node rn3 (direct): done" in screen, screen
        keys(term, ["Escape"])
        term.wait_for("Cluster nodes")
        keys(term, ["F5"])
        screen = term.wait_for("rn3", timeout=20)
        assert "Traceback" not in screen
    finally:
        term.close()
