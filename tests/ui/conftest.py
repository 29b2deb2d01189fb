import os
import time

import pytest


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Times on screen are local time; pin the zone so snapshots do not depend on the host."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


@pytest.fixture(autouse=True)
def no_user_themes(monkeypatch, tmp_path):
    """Keep the tester's own ~/.config themes out of the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
