"""The SSH command mux (tui/remote/shellmux.py) against a real OpenSSH sshd."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from pathlib import Path

import pytest

from tests.remote.conftest import pgrep
from tests.remote.test_ssh import sleeper, wait_for
from tui.remote import shellmux
from tui.remote.capture import OutputCapture
from tui.remote.shellmux import HEADER

pytestmark = pytest.mark.sshd


def sessions_started(sshd) -> int:
    """sshd (LogLevel VERBOSE) logs one line per session channel it starts a command for."""
    return sshd.log.read_text(errors="replace").count("Starting session: command")


async def test_exit_codes_and_signals_are_told_apart(make_ssh):
    t = make_ssh()
    assert (await t.run(["sh", "-c", "exit 7"])).exit_status == 7
    assert (await t.run(["sh", "-c", "exit 143"])).exit_status == 143  # not "killed by TERM"
    killed = await t.run(["sh", "-c", "kill -TERM $$"])
    assert killed.exit_status is None and killed.error == "remote process killed by signal TERM"
    missing = await t.run(["pcmk-console-no-such-command"])
    assert missing.exit_status == 127 and b"pcmk-console-no-such-command" in missing.stderr
    assert t.mux_opened == 1
    await t.close()


async def test_hostile_arguments_arrive_exactly(make_ssh, tmp_path):
    t = make_ssh()
    pwned = tmp_path / f"pwned-{uuid.uuid4().hex}"
    args = ["a b", "'single'", '"double"', f"$(touch {pwned})", f"`touch {pwned}`",
            f"; touch {pwned}", "new\nline", "\n", "back\\slash", "tab\there", "é€日本", "*",
            "~", "$HOME", "-n", "", "&&|>", "\x01\x7f", "\udcff\udcfe"]  # the last: bytes ff fe
    script = "import os,sys,json; print(json.dumps([os.fsencode(a).hex() for a in sys.argv[1:]]))"
    result = await t.run(["python3", "-c", script, *args])
    assert result.ok, result.stderr
    assert json.loads(result.stdout) == [a.encode("utf-8", "surrogateescape").hex() for a in args]
    assert not pwned.exists()
    with pytest.raises(ValueError, match="NUL"):
        await t.run(["echo", "a\0b"])
    await t.close()


async def test_stdout_and_stderr_stay_apart(make_ssh):
    t = make_ssh()
    result = await t.run(["sh", "-c", "for i in 1 2 3; do echo o$i; echo e$i >&2; done"])
    assert (result.stdout, result.stderr) == (b"o1\no2\no3\n", b"e1\ne2\ne3\n")
    await t.close()


async def test_a_forged_frame_in_the_output_is_just_data(make_ssh):
    """Output travels as counted payload: even a frame with the session's real nonce, an
    "ended" frame for this very job and the greeting come back as bytes, and the command
    still runs to its own end."""
    t = make_ssh()
    await t.run(["true"])
    nonce = t._mux.nonce
    forged = b"".join(HEADER.pack(nonce, ord("X"), job, 6) + b"exit 0" for job in range(1, 20))
    forged += HEADER.pack(b"\0" * 16, ord("O"), 2, 3) + b"abc"  # a wrong nonce
    forged += b"\npcmk-console-mux " + nonce.hex().encode() + b"\n" + bytes(range(256))
    writer = "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1])); sys.stdout.flush()"
    result = await t.run(["sh", "-c", f"python3 -c \"$0\" \"$1\"; python3 -c \"$0\" \"$1\" >&2; "
                          "echo after; exit 5", writer, forged.hex()])
    assert result.stdout == forged + b"after\n"
    assert result.stderr == forged
    assert result.exit_status == 5
    assert (await t.run(["echo", "next"])).stdout == b"next\n" and t.mux_opened == 1
    await t.close()


async def test_output_cap_and_spill(make_ssh, tmp_path):
    t = make_ssh()
    size = 3_000_000
    capture = OutputCapture(cap=100_000, file_after=4096, spill_dir=tmp_path, name="big")
    result = await t.run(["sh", "-c", f"head -c {size} /dev/zero | tr '\\0' x"], capture=capture)
    assert result.ok and len(result.stdout) == 100_000
    assert Path(result.stdout_spill).stat().st_size == size
    await t.close()


async def test_timeout_kills_the_whole_process_group(make_ssh):
    t = make_ssh()
    child, child_pattern = sleeper()
    own, own_pattern = sleeper()
    result = await t.run(["sh", "-c", f"{shlex_join(child)} & {shlex_join(own)}; wait"], timeout=1)
    assert result.timed_out and result.exit_status is None and "timed out" in result.error
    assert await wait_for(lambda: not pgrep(child_pattern)), "the background sleep survived"
    assert await wait_for(lambda: not pgrep(own_pattern)), "the sleep survived"
    assert (await t.run(["echo", "still usable"])).stdout == b"still usable\n"
    assert t.mux_opened == 1
    await t.close()


def shlex_join(argv):
    import shlex

    return shlex.join(argv)


async def test_concurrent_commands_run_at_once_on_one_mux(make_ssh, tmp_path):
    """Four commands that each wait until all four have started: they finish only if they
    run at the same time."""
    t = make_ssh()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    wait_all = ('touch "$0/$1"; while [ "$(ls "$0" | wc -l)" -lt 4 ]; do sleep 0.02; done; '
                'echo "$PPID"')
    results = await asyncio.gather(*(t.run(["sh", "-c", wait_all, str(barrier), str(i)],
                                           timeout=20) for i in range(4)))
    assert all(r.ok for r in results), [r.error for r in results]
    assert len({r.stdout for r in results}) == 1  # one parent: the mux
    assert t.mux_opened == 1 and t.connects == 1
    await t.close()


async def test_a_killed_mux_is_replaced_transparently(make_ssh):
    t = make_ssh()
    first = await t.run(["sh", "-c", 'echo "$PPID"'])
    mux_pid = int(first.stdout)
    assert "pcmk-console-mux" in Path(f"/proc/{mux_pid}/cmdline").read_bytes().decode(errors="replace")
    os.kill(mux_pid, signal.SIGKILL)
    again = await t.run(["sh", "-c", 'echo "$PPID"'])  # may race the channel's close: retried
    assert again.ok and int(again.stdout) != mux_pid
    assert t.mux_opened == 2 and t.connects == 1
    await t.close()


async def test_a_mux_killed_mid_command_reports_it_lost(make_ssh):
    t = make_ssh()
    argv, pattern = sleeper()
    task = asyncio.ensure_future(t.run(["sh", "-c", f'echo "$PPID"; exec {shlex_join(argv)}'],
                                       timeout=30))
    assert await wait_for(lambda: bool(pgrep(pattern)))
    mux_pid = int(Path(f"/proc/{pgrep(pattern)[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
    os.kill(mux_pid, signal.SIGKILL)
    result = await asyncio.wait_for(task, 10)
    assert result.exit_status is None and not result.timed_out and "lost" in result.error
    for pid in pgrep(pattern):  # orphaned with the mux: clean up what we started
        os.kill(pid, signal.SIGKILL)
    assert (await t.run(["echo", "back"])).stdout == b"back\n"
    await t.close()


async def test_env_per_command(make_ssh, tmp_path):
    t = make_ssh()
    show = ["sh", "-c", 'printf "%s|%s" "$CIB_file" "${PCMK_OTHER-unset}"']
    first = await t.run(show, env={"CIB_file": str(tmp_path / "a b'$(x).xml")})
    second = await t.run(show, env={"PCMK_OTHER": "2"})
    assert first.stdout == f"{tmp_path}/a b'$(x).xml|unset".encode()
    assert second.stdout == b"|2"  # nothing stays behind from the command before
    await t.close()


async def test_one_session_serves_every_command(make_ssh, sshd):
    t = make_ssh()
    before = sessions_started(sshd)
    for i in range(5):
        assert (await t.run(["echo", str(i)])).stdout == f"{i}\n".encode()
    assert await wait_for(lambda: sessions_started(sshd) - before >= 1)
    assert sessions_started(sshd) - before == 1 and t.mux_opened == 1
    # a command with stdin gets a channel of its own: the stream never carries stdin
    assert (await t.run(["cat"], stdin=b"piped")).stdout == b"piped"
    assert await wait_for(lambda: sessions_started(sshd) - before == 2)
    await t.close()

    session_each = make_ssh(mux=False)
    before = sessions_started(sshd)
    for i in range(3):
        await session_each.run(["true"])
    assert await wait_for(lambda: sessions_started(sshd) - before == 3)
    assert session_each.mux_opened == 0
    await session_each.close()


async def test_no_python_there_means_a_session_per_command(make_ssh, monkeypatch):
    monkeypatch.setattr(shellmux, "bootstrap_line",
                        lambda: f"echo '{shellmux.NO_PYTHON}' >&2; exit 127")
    t = make_ssh()
    for _ in range(2):
        result = await t.run(["sh", "-c", "echo out; exit 3"])
        assert (result.stdout, result.exit_status) == (b"out\n", 3)
    assert t.mux_opened == 0
    await t.close()


@pytest.mark.parametrize("mux", [True, False])
async def test_both_paths_agree(make_ssh, mux):
    t = make_ssh(mux=mux)
    result = await t.run(["sh", "-c", "printf 'o'; printf 'e' >&2; exit 4"],
                         env={"CIB_file": "/x"})
    assert (result.stdout, result.stderr, result.exit_status) == (b"o", b"e", 4)
    assert t.mux_opened == (1 if mux else 0)
    await t.close()


async def test_the_mux_gives_commands_what_a_session_gives_them(make_ssh):
    """cwd, umask, limits, environment and the absent terminal: the same on both paths
    (`_` is the shell's "last command" variable: the login shell sets it per exec)."""
    probe = ["sh", "-c", 'pwd; umask; ulimit -n; ulimit -u; test -t 0 || echo no-tty; '
             'ps -o sid= -o pgid= -p $$ | awk "{print (\\$1 == $$ && \\$2 == $$)}"; '
             'env | grep -v "^_=" | sort']
    t = make_ssh()  # one connection for both: SSH_CLIENT names its port
    a = await t.run(probe)
    t.mux = False
    b = await t.run(probe)
    assert a.ok and b.ok, (a.stderr, b.stderr)
    assert a.stdout.decode() == b.stdout.decode()
    assert b"no-tty\n1\n" in a.stdout  # no terminal; its own session and process group
    assert t.mux_opened == 1
    await t.close()


async def test_commands_get_default_sigpipe_and_exec_errors_as_a_shell_gives(make_ssh, tmp_path):
    t = make_ssh()
    piped = await t.run(["sh", "-c", "yes | head -n 1"])  # an ignored SIGPIPE makes yes complain
    assert (piped.stdout, piped.stderr, piped.exit_status) == (b"y\n", b"", 0)
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    denied = await t.run([str(script)])
    assert denied.exit_status == 126 and b"Permission denied" in denied.stderr
    assert t.mux_opened == 1
    await t.close()
