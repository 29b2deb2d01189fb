"""An unexpected error inside the running console, in a real terminal: one line on the
screen, the traceback in a crash file in the state directory, never on the terminal."""

import shutil
import sys
import textwrap

import pytest

from tests.e2e.tmux import TmuxTerminal

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")]

# the real entry point on the demo, with the help action made to fail (the error has markup
# and an escape in it, as a cluster string could)
CRASHING = textwrap.dedent("""
    import sys
    from tui import cli
    from tui.ui.app import PcmkConsoleApp

    def broken(self):
        raise RuntimeError("boom [bold]x[/bold] \\x1b]0;TITLE\\x07")

    PcmkConsoleApp.action_help = broken
    code = cli.main(["--demo"])
    print(f"EXIT={code}", flush=True)
""")


def test_a_crash_in_the_console_is_one_line_and_a_crash_file(tmp_path):
    state = tmp_path / "state"
    script = tmp_path / "crash.py"
    script.write_text(CRASHING)
    shell = f"{sys.executable} {script}; sleep 60"
    term = TmuxTerminal(["sh", "-c", shell], env={"PCMK_CONSOLE_STATE_DIR": str(state),
                                                  "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    try:
        term.wait_for("Cluster nodes")
        term.send("?")
        screen = term.wait_for("EXIT=1", timeout=20)
        assert "Traceback" not in screen and "raise RuntimeError" not in screen
        assert "pcmk-console: internal error: RuntimeError: boom [bold]x[/bold] \\e]0;TITLE" in screen
        (crash,) = state.glob("crash-*.txt")
        text = crash.read_text()
        assert "Traceback" in text and "def broken" not in screen and "RuntimeError: boom" in text
    finally:
        term.close()
