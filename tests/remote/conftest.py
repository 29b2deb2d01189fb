"""Fixtures: a real OpenSSH sshd on 127.0.0.1 (session-wide) and transports to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from tests.remote.sshd_lab import SSHD, remove_lab, start_lab
from tui.remote.ssh import SshTransport


@pytest.fixture(scope="session")
def sshd():
    if not os.path.exists(SSHD):
        pytest.skip(f"{SSHD} is missing: install openssh-server to run the SSH tests")
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is missing (openssh-client)")
    lab = start_lab()
    yield lab
    remove_lab(lab)


@pytest.fixture
def make_ssh(sshd):
    made: list[SshTransport] = []

    def make(**kwargs) -> SshTransport:
        options = dict(
            port=sshd.port,
            identity_files=[sshd.client_key],
            known_hosts=sshd.known_hosts,
            ssh_config=None,  # the tests must not depend on the user's ~/.ssh/config
            connect_retries=0,
        )
        options.update(kwargs)
        transport = SshTransport(options.pop("host", sshd.address), **options)
        made.append(transport)
        return transport

    yield make
    # transports are closed by the tests' own event loops; here only forget them
    made.clear()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Keep every action log and spill file a test writes inside its tmp_path."""
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "state"


def pgrep(pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]
