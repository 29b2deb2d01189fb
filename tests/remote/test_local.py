"""LocalTransport: subprocesses in their own process group."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from tests.remote.conftest import pgrep
from tui.remote.local import LocalTransport
from tui.remote.secret import Secret
from tui.remote.transport import Transport, TransportError


def sleeper():
    seconds = f"{random.randint(500, 900)}.{random.randint(100000, 999999)}"
    return seconds, f"^sleep {seconds}$"


async def gone(pattern: str, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return not pgrep(pattern)


def test_is_a_transport():
    assert isinstance(LocalTransport(), Transport)
    assert LocalTransport().host == "localhost"


async def test_exit_status_stdout_stderr_env_and_stdin():
    t = LocalTransport()
    r = await t.run(["sh", "-c", 'echo "$X"; cat >&2; exit 4'], stdin=b"in\n", env={"X": "y z"})
    assert (r.exit_status, r.stdout, r.stderr) == (4, b"y z\n", b"in\n")
    assert r.error is None and not r.ok


async def test_missing_binary_is_a_transport_error():
    with pytest.raises(TransportError, match="cannot run 'no-such-binary-pcmk'"):
        await LocalTransport().run(["no-such-binary-pcmk"])


async def test_timeout_kills_the_whole_process_group():
    seconds, pattern = sleeper()
    # the shell forks a background sleep too: both must die
    r = await LocalTransport().run(["sh", "-c", f"sleep {seconds} & sleep {seconds}; wait"],
                                   timeout=0.5)
    assert r.timed_out and r.exit_status is None and "timed out" in r.error
    assert await gone(pattern)


async def test_cancel_kills_the_process_group():
    seconds, pattern = sleeper()
    task = asyncio.ensure_future(LocalTransport().run(["sh", "-c", f"sleep {seconds}; true"]))
    deadline = time.monotonic() + 5
    while not pgrep(pattern) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert pgrep(pattern)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await gone(pattern)


async def test_output_streams_while_the_command_runs(tmp_path):
    """The command waits for a file the callback creates on seeing its first line: without
    live delivery it would wait until its timeout."""
    gate = tmp_path / "gate"
    seen: list[bytes] = []

    def on_output(stream, chunk):
        seen.append(chunk)
        gate.touch()

    r = await LocalTransport().run(
        ["sh", "-c", 'echo first; while [ ! -e "$1" ]; do sleep 0.02; done; echo second', "x",
         str(gate)],
        on_output=on_output, timeout=20,
    )
    assert not r.timed_out and r.ok
    assert r.stdout == b"first\nsecond\n" and seen[0] == b"first\n"


async def test_output_over_the_cap_spills_to_a_file():
    t = LocalTransport(output_cap=1000)
    r = await t.run(["sh", "-c", "head -c 250000 /dev/zero | tr '\\0' x"])
    assert len(r.stdout) == 1000 and r.stdout_spill
    with open(r.stdout_spill, "rb") as f:
        assert f.read() == b"x" * 250000


async def test_secret_stdin_is_scrubbed_from_output():
    r = await LocalTransport().run(["sh", "-c", "cat; echo; cat >&2"],
                                   stdin=Secret("p4ss-word", "authkey"))
    assert b"p4ss-word" not in r.stdout + r.stderr
    assert r.stdout.startswith(b"<authkey: redacted>")


async def test_secret_env_value_reaches_the_command_but_not_the_output():
    r = await LocalTransport().run(["sh", "-c", 'test "$PW" = "open sesame" && echo "$PW"'],
                                   env={"PW": Secret("open sesame", "pw")})
    assert r.ok and r.stdout == b"<pw: redacted>\n"
