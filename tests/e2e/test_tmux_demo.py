"""The demo in a real terminal: what a user sees after `pcmk-console --demo`."""

import shutil
import time

import pytest

from tests.e2e.tmux import TmuxTerminal, console_command

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")]


@pytest.fixture
def demo_terminal(tmp_path):
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    term = TmuxTerminal(console_command("--demo"), env=env)
    try:
        yield term
    finally:
        term.close()


def test_demo_shows_the_three_node_panes_and_the_demo_label(demo_terminal):
    screen = demo_terminal.wait_for("Cluster nodes", "Remote nodes", "Guest nodes", "DEMO", "node1", "rn1", "gn1")
    for node in ("node1", "rn1", "gn1"):
        assert node in screen
    assert "Traceback" not in screen


def test_help_opens_and_closes_and_q_quits(demo_terminal):
    demo_terminal.wait_for("Cluster nodes")
    demo_terminal.send("?")
    demo_terminal.wait_for("Keys", "Command mode")
    demo_terminal.send("Escape")
    demo_terminal.wait_for("Command mode", gone=True)
    demo_terminal.send("q")
    demo_terminal.wait_for("Cluster nodes", gone=True, timeout=10)


def test_command_mode_then_standby_acts_on_the_highlighted_remote_node(demo_terminal):
    """`:remote` then `s` must offer standby for the remote node the user sees highlighted."""
    demo_terminal.wait_for("Remote nodes", "rn1")
    for keys in ([":"], ["-l", "remote"], ["Enter"], ["s"]):
        demo_terminal.send(*keys)
        time.sleep(0.5)  # a person's pace: each key lands after the last one was handled
    screen = demo_terminal.wait_for("Confirm", "$ crm_attribute")
    assert "crm_attribute --node rn1 --name standby --update on" in screen, screen
    # the demo is PRODUCTION and the preview stops worker (it runs on rn1): a key is not enough
    screen = demo_terminal.wait_for("Stop worker", "type the cluster name")
    demo_terminal.send("y")
    time.sleep(1.0)
    assert "Confirm" in demo_terminal.screen(), "y alone ran a plan that needs the name typed"
    demo_terminal.send("BTab")  # from Cancel back to the box
    demo_terminal.type("demo-prod")
    demo_terminal.send("Enter")
    # the action runs through the pool and the demo cluster: rn1 shows standby
    screen = demo_terminal.wait_for("Confirm", gone=True)
    demo_terminal.send("7")
    demo_terminal.wait_for("crm_attribute --node rn1")


def test_filter_narrows_the_node_panes(demo_terminal):
    demo_terminal.wait_for("rn2", "gn2")
    demo_terminal.type("/gn2")  # one burst, as a paste or a fast typist sends it
    screen = demo_terminal.wait_for("│ rn2 ", "│ node2 ", gone=True)
    assert "│ gn2 " in screen
    assert "│ gn1 " not in screen and "│ rn1 " not in screen
