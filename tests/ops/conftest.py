"""Fixtures: a WorkerPool with an action log over a local transport, the real sshd on
loopback (tests/remote's lab) or the demo simulator; every path inside tmp_path."""

from __future__ import annotations

import pytest

from tests.remote.conftest import make_ssh, sshd  # noqa: F401  (fixtures, shared)
from tui.remote.actionlog import ActionLog
from tui.remote.local import LocalTransport
from tui.remote.pool import WorkerPool


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture(params=["local", pytest.param("ssh", marks=pytest.mark.sshd)])
async def pool(request, tmp_path):
    """A pool whose host "h" runs commands for real: here, or through sshd on 127.0.0.1."""
    if request.param == "local":
        factory = lambda host: LocalTransport(host)  # noqa: E731
    else:
        make = request.getfixturevalue("make_ssh")
        factory = lambda host: make()  # noqa: E731
    log = ActionLog(tmp_path / "state" / "actions.jsonl")
    pool = WorkerPool(factory, log, cluster="test", transport_kind=request.param)
    pool.kind = request.param
    yield pool
    await pool.close()
