"""End to end in a real terminal: the console in tmux against the real lab over SSH."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from tests.e2e.tmux import TmuxTerminal, console_command

pytestmark = [pytest.mark.lab, pytest.mark.tmux, pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")]


def row_of(screen: str, name: str) -> str:
    """The screen line of a node's table row (its name as a whole word)."""
    for line in screen.splitlines():
        if re.search(rf"(^|[\s│┃|]){re.escape(name)}(\s|$)", line):
            return line
    return ""


def test_console_shows_the_lab_and_follows_a_remote_going_down(lab, tmp_path):
    lab.ensure_healthy()
    env = {"PCMK_CONSOLE_STATE_DIR": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    term = TmuxTerminal(console_command("--config", str(lab.config_path)), width=200, height=50, env=env)
    try:
        screen = term.wait_for("Cluster nodes", "Remote nodes", "Guest nodes", "node1", "rn1", "gn1", timeout=30)
        assert "online" in row_of(screen, "rn1"), screen
        assert "online" in row_of(screen, "gn1"), screen
        interval = 2.0  # refresh_interval in the lab's config
        lab.stop_remoted("rn1")
        stopped = time.monotonic()
        deadline = stopped + 30
        while time.monotonic() < deadline:
            screen = term.screen()
            if "OFFLINE" in row_of(screen, "rn1"):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"rn1 never shown OFFLINE; screen:\n{screen}")
        seen_after = time.monotonic() - stopped
        # crm_mon itself needs a moment to notice; the console adds at most two intervals
        print(f"rn1 shown OFFLINE {seen_after:.1f}s ({seen_after / interval:.1f} refresh intervals) after its daemon was killed")
    finally:
        term.close()
        lab.start_remoted("rn1")
        lab.ensure_healthy()
