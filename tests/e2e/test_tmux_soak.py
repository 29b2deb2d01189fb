"""The demo left running in a real terminal for minutes, refreshing twice a second, used now and
then: it must still be there at the end (it exited by itself after about 80 s, DuplicateIds)."""

import shutil
import time

import pytest

from tests.e2e.tmux import TmuxTerminal, console_command

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")]

SOAK_SECONDS = 180
# a person dropping by: each pane, a dialog, back
VISITS = (["2"], ["3"], ["4"], ["5"], ["6"], ["7"], ["1"], ["?"], ["Escape"], ["Enter"], ["Escape"],
          ["C-p"], ["Escape"], ["/"], ["-l", "node"], ["Enter"], ["Escape"])


def test_demo_survives_minutes_of_live_refresh(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("refresh_interval: 0.5\n")
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PCMK_CONSOLE_STATE_DIR": str(tmp_path / "state")}
    # `; sleep` keeps the pane (and what the app printed when it died) on the screen
    command = " ".join(console_command("--demo", "--config", str(config)))
    term = TmuxTerminal(["sh", "-c", f"{command}; echo CONSOLE-EXITED; sleep 600"],
                        width=120, height=40, env=env)
    try:
        term.wait_for("Cluster nodes", "DEMO")
        deadline = time.monotonic() + SOAK_SECONDS
        step = 0
        while time.monotonic() < deadline:
            term.send(*VISITS[step % len(VISITS)])
            step += 1
            time.sleep(2)
            assert "CONSOLE-EXITED" not in term.screen(), term.screen()
        term.send("Escape")
        time.sleep(1)  # an ESC followed at once by "1" is read as alt+1
        term.send("1")
        screen = term.wait_for("Cluster nodes", "DEMO")
        assert "CONSOLE-EXITED" not in screen and "Traceback" not in screen, screen
        assert "updated" in screen, screen  # the status line still ticks
    finally:
        term.close()
