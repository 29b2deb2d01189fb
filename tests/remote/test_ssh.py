"""SshTransport against a real OpenSSH sshd on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.remote.conftest import pgrep
from tests.remote.sshd_lab import keygen, known_hosts_line
from tui.remote.secret import Secret
from tui.remote.ssh import SshTransport
from tui.remote.transport import TransportError

pytestmark = pytest.mark.sshd

ROOT = Path(__file__).resolve().parents[2]


def sleeper() -> tuple[list[str], str]:
    """A `sleep` whose command line is unique, so the test can find it with pgrep."""
    seconds = f"{random.randint(500, 900)}.{random.randint(100000, 999999)}"
    return ["sleep", seconds], f"^sleep {seconds}$"


async def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_success_exit_status_and_streams(make_ssh):
    t = make_ssh()
    result = await t.run(["sh", "-c", "echo out; echo err >&2; exit 0"])
    assert result.ok and result.exit_status == 0
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"  # the PGID line the transport reads is not in it
    assert result.host == "127.0.0.1"
    await t.close()


async def test_nonzero_exit(make_ssh):
    t = make_ssh()
    result = await t.run(["sh", "-c", "echo nope >&2; exit 7"])
    assert result.exit_status == 7 and not result.ok
    assert result.stderr == b"nope\n"
    assert result.error is None
    await t.close()


async def test_one_connection_reused_for_many_commands(make_ssh):
    t = make_ssh()
    results = await asyncio.gather(*(t.run(["echo", str(i)]) for i in range(8)))
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(8)]
    assert t.connects == 1
    await t.close()


async def test_stdin_bytes_and_secret(make_ssh):
    t = make_ssh()
    data = bytes(range(256)) * 100
    result = await t.run(["sh", "-c", "cat | od -An -tx1 | wc -w"], stdin=data)
    assert result.stdout.strip() == str(len(data)).encode()
    # a Secret reaches the command, but never comes back in the captured output
    result = await t.run(["sh", "-c", "test \"$(cat)\" = swordfish-42 && echo match"],
                         stdin=Secret("swordfish-42", "password"))
    assert result.stdout == b"match\n"
    echoed = await t.run(["cat"], stdin=Secret("swordfish-42", "password"))
    assert b"swordfish-42" not in echoed.stdout and b"<password: redacted>" in echoed.stdout
    await t.close()


async def test_command_without_stdin_gets_eof(make_ssh):
    t = make_ssh()
    result = await t.run(["cat"], timeout=10)
    assert result.ok and result.stdout == b""
    await t.close()


async def test_arguments_reach_the_remote_process_byte_for_byte(make_ssh):
    t = make_ssh()
    args = ["a b", "'single'", '"double"', "$(touch /tmp/pwned)", "`id`", "; rm -rf /tmp/x",
            "new\nline", "back\\slash", "tab\there", "é€日本", "*", "~", "$HOME", "-n", "", "&&|>"]
    script = "import sys,json; print(json.dumps(sys.argv[1:]))"
    result = await t.run(["python3", "-c", script, *args])
    assert result.ok, result.stderr
    assert json.loads(result.stdout) == args
    assert not Path("/tmp/pwned").exists()
    await t.close()


async def test_env_is_passed_as_env_prefix(make_ssh):
    t = make_ssh()
    result = await t.run(["sh", "-c", 'printf %s "$PCMK_TEST"'], env={"PCMK_TEST": "a b'$(x)"})
    assert result.stdout == b"a b'$(x)"
    with pytest.raises(ValueError, match="invalid environment variable name"):
        await t.run(["true"], env={"BAD NAME": "1"})
    await t.close()


def _rss_script(port, key, known_hosts, size, spill_dir) -> str:
    """Runs in its own process: samples VmRSS while 100 MB stream through."""
    return f"""
import asyncio, json, sys
sys.path.insert(0, {str(ROOT)!r})
from tui.remote.capture import OutputCapture
from tui.remote.ssh import SshTransport
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
samples, seen = [], [0]
def sample(stream, chunk):
    seen[0] += len(chunk)
    if seen[0] // (4 << 20) != (seen[0] - len(chunk)) // (4 << 20):
        samples.append(rss_kb())
async def main():
    t = SshTransport("127.0.0.1", port={port}, identity_files=[{str(key)!r}],
                     known_hosts={str(known_hosts)!r}, ssh_config=None)
    await t.run(["true"])
    before = rss_kb()
    cap = OutputCapture(spill_dir={str(spill_dir)!r}, name="big", on_output=sample)
    r = await t.run(["sh", "-c", "yes pcmk-console-output | head -c {size}"], capture=cap)
    await t.close()
    print(json.dumps(dict(before_kb=before, max_kb=max(samples), samples=len(samples),
                          exit=r.exit_status, kept=len(r.stdout), spill=r.stdout_spill)))
asyncio.run(main())
"""


def test_large_output_stays_bounded_in_memory_and_spills_every_byte(sshd, tmp_path):
    size = 100 * 1024 * 1024
    script = _rss_script(sshd.port, sshd.client_key, sshd.known_hosts, size, tmp_path)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["exit"] == 0
    assert report["kept"] == 1024 * 1024  # the in-memory cap
    spill = Path(report["spill"])
    assert spill.stat().st_size == size
    expected = subprocess.run(
        ["sh", "-c", f"yes pcmk-console-output | head -c {size} | sha256sum"],
        capture_output=True, text=True).stdout.split()[0]
    got = subprocess.run(["sha256sum", str(spill)], capture_output=True, text=True).stdout.split()[0]
    assert got == expected
    assert report["samples"] >= 20  # RSS was looked at all along the stream
    grown_mb = (report["max_kb"] - report["before_kb"]) / 1024
    assert grown_mb < 40, f"RSS grew {grown_mb:.0f} MB while 100 MB of output streamed"


async def test_connection_refused(sshd):
    from tests.remote.sshd_lab import free_port

    t = SshTransport("127.0.0.1", port=free_port(), identity_files=[sshd.client_key],
                     known_hosts=sshd.known_hosts, ssh_config=None, connect_retries=1,
                     retry_backoff=0.05)
    with pytest.raises(TransportError, match="connection refused") as info:
        await t.run(["true"])
    assert info.value.hint and "sshd" in info.value.hint


async def test_auth_failure_names_user_and_key(make_ssh, tmp_path):
    stranger = tmp_path / "stranger_key"
    keygen(stranger)
    t = make_ssh(identity_files=[stranger])
    with pytest.raises(TransportError, match="authentication failed for root@127.0.0.1") as info:
        await t.run(["true"])
    assert str(stranger) in info.value.hint


async def test_unknown_host_key_shows_fingerprint_and_how_to_accept(make_ssh, sshd, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    t = make_ssh(known_hosts=empty)
    with pytest.raises(TransportError) as info:
        await t.run(["true"])
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", str(sshd.host_key.with_suffix(".pub"))],
        capture_output=True, text=True).stdout.split()[1]
    assert fingerprint.startswith("SHA256:")
    message = str(info.value)
    assert "unknown host key" in message and fingerprint in message
    assert f"ssh-keyscan -p {sshd.port} 127.0.0.1 >> {empty}" in message


async def test_missing_known_hosts_file_trusts_nothing(make_ssh, tmp_path):
    t = make_ssh(known_hosts=tmp_path / "does-not-exist")
    with pytest.raises(TransportError, match="unknown host key"):
        await t.run(["true"])


async def test_changed_host_key_is_refused(make_ssh, sshd, tmp_path):
    other = tmp_path / "other_host_key"
    keygen(other)
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line("127.0.0.1", sshd.port, other.with_suffix(".pub")))
    t = make_ssh(known_hosts=known)
    with pytest.raises(TransportError, match="HOST KEY CHANGED") as info:
        await t.run(["true"])
    assert "ssh-keygen -R" in info.value.hint


@pytest.mark.parametrize("mux", [True, False])
async def test_timeout_kills_the_remote_process(make_ssh, mux):
    t = make_ssh(mux=mux)
    argv, pattern = sleeper()
    result = await t.run(["sh", "-c", f"{argv[0]} {argv[1]}; echo never"], timeout=1)
    assert result.timed_out and result.exit_status is None
    assert "timed out" in result.error
    assert await wait_for(lambda: not pgrep(pattern)), "the remote sleep survived its timeout"
    assert (await t.run(["echo", "still usable"])).stdout == b"still usable\n"
    await t.close()


@pytest.mark.parametrize("mux", [True, False])
async def test_cancellation_kills_the_remote_process(make_ssh, mux):
    t = make_ssh(mux=mux)
    argv, pattern = sleeper()
    task = asyncio.ensure_future(t.run(argv))
    assert await wait_for(lambda: bool(pgrep(pattern))), "the remote sleep never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_for(lambda: not pgrep(pattern)), "the remote sleep survived cancellation"
    await t.close()


def _session_process_of(pid: int, listener: int) -> int:
    """Walk up from a remote process to the per-connection sshd (child of the listener)."""
    while True:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == listener:
            return pid
        if ppid <= 1:
            raise AssertionError("not under the test sshd")
        pid = ppid


async def test_connection_dropped_mid_command(make_ssh, sshd):
    t = make_ssh()
    argv, pattern = sleeper()
    task = asyncio.ensure_future(t.run(argv, timeout=30))
    assert await wait_for(lambda: bool(pgrep(pattern)))
    session = _session_process_of(pgrep(pattern)[0], sshd.proc.pid)
    os.kill(session, signal.SIGKILL)
    result = await asyncio.wait_for(task, 10)
    assert result.exit_status is None and not result.timed_out
    assert "lost" in result.error
    # the next command sets up a new connection (a setup retry, not a command retry)
    again = await t.run(["echo", "back"])
    assert again.stdout == b"back\n" and t.connects == 2
    for pid in pgrep(pattern):  # orphaned by the killed session: clean up what we started
        os.kill(pid, signal.SIGKILL)
    await t.close()


async def test_jump_host(make_ssh):
    jump = make_ssh()
    t = make_ssh(jump=jump)
    result = await t.run(["echo", "via jump"])
    assert result.stdout == b"via jump\n"
    assert jump.connects == 1 and t.connects == 1
    assert t.jump_spec == f"root@127.0.0.1:{jump.port}"
    await t.close()


@pytest.fixture
def sudo_user(sshd):
    import shutil

    if os.geteuid() != 0:
        pytest.skip("creating a test user for sudo needs root")
    if shutil.which("sudo") is None or shutil.which("useradd") is None:
        pytest.skip("sudo (or useradd) is not installed")
    user = f"pcmkt{random.randint(1000, 9999)}"
    sudoers = Path(f"/etc/sudoers.d/{user}")
    subprocess.run(["useradd", "-M", "-s", "/bin/sh", user], check=True)
    try:
        subprocess.run(["usermod", "-p", "*", user], check=True)  # no password, not locked
        sudoers.write_text(f"{user} ALL=(root) NOPASSWD: /usr/bin/id, /usr/bin/sleep\n")
        sudoers.chmod(0o440)
        sshd.authorize(user)
        yield user
    finally:
        sudoers.unlink(missing_ok=True)
        (sshd.root / "authorized_keys" / user).unlink(missing_ok=True)
        _reap_user(user)
        subprocess.run(["userdel", user], check=True)


def _reap_user(user: str) -> None:
    """Wait for the test user's sshd sessions to end (killing, by PID, what lingers)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        out = subprocess.run(["pgrep", "-u", user], capture_output=True, text=True).stdout
        if not out.split():
            return
        time.sleep(0.1)
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.2)


@pytest.mark.parametrize("mux", [True, False])
async def test_sudo_n_runs_as_root_and_reports_a_password_prompt(make_ssh, sudo_user, mux):
    t = make_ssh(username=sudo_user, sudo=True, mux=mux)
    result = await t.run(["id", "-u"])
    assert result.ok and result.stdout == b"0\n"
    plain = make_ssh(username=sudo_user)
    assert (await plain.run(["id", "-un"])).stdout.decode().strip() == sudo_user
    denied = await t.run(["whoami"])  # not NOPASSWD in sudoers
    assert denied.exit_status == 1
    assert "needs a password" in denied.error and sudo_user in denied.error
    await t.close()
    await plain.close()


@pytest.mark.parametrize("mux", [True, False])
async def test_sudo_command_is_killed_on_cancel(make_ssh, sudo_user, mux):
    t = make_ssh(username=sudo_user, sudo=True, mux=mux)
    argv, pattern = sleeper()
    task = asyncio.ensure_future(t.run(["/usr/bin/sleep", argv[1]]))
    pattern = f"^/usr/bin/sleep {argv[1]}$"
    assert await wait_for(lambda: bool(pgrep(pattern)))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_for(lambda: not pgrep(pattern)), "sudo'd sleep survived cancellation"
    await t.close()


async def test_connection_setup_is_retried_with_backoff(sshd):
    """Nothing listens at first; a relay to sshd appears during the backoff."""
    from tests.remote.sshd_lab import free_port

    port = free_port()

    async def relay(reader, writer):
        up_reader, up_writer = await asyncio.open_connection(sshd.address, sshd.port)

        async def pipe(src, dst):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer),
                             return_exceptions=True)

    async def open_later():
        await asyncio.sleep(0.3)
        return await asyncio.start_server(relay, "127.0.0.1", port)

    known = Path(str(sshd.known_hosts) + f".relay{port}")
    known.write_text(known_hosts_line("127.0.0.1", port, sshd.host_key.with_suffix(".pub")))
    t = SshTransport("127.0.0.1", port=port, identity_files=[sshd.client_key], known_hosts=known,
                     ssh_config=None, connect_retries=3, retry_backoff=0.2)
    server_task = asyncio.ensure_future(open_later())
    result = await t.run(["echo", "eventually"])  # the first attempt finds nothing listening
    assert result.stdout == b"eventually\n" and t.connects == 1
    await t.close()
    server = await server_task
    server.close()
    known.unlink()


async def test_ssh_agent_is_used_when_no_identity_file_is_given(sshd, tmp_path, monkeypatch):
    import shutil

    if shutil.which("ssh-agent") is None:
        pytest.skip("ssh-agent is not installed")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.02)
        subprocess.run(["ssh-add", "-q", str(sshd.client_key)], env={"SSH_AUTH_SOCK": str(sock)},
                       check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/id_* keys to fall back on
        t = SshTransport("127.0.0.1", port=sshd.port, known_hosts=sshd.known_hosts,
                         ssh_config=None, connect_retries=0)
        assert (await t.run(["echo", "agent"])).stdout == b"agent\n"
        await t.close()
    finally:
        agent.terminate()
        agent.wait()


async def test_ssh_config_file_is_honoured(sshd, tmp_path):
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host lab-alias\n"
        "  HostName 127.0.0.1\n"
        f"  Port {sshd.port}\n"
        "  User root\n"
        f"  IdentityFile {sshd.client_key}\n"
    )
    t = SshTransport("lab-alias", port=None, username=None, known_hosts=sshd.known_hosts,
                     ssh_config=[config], connect_retries=0)
    assert (await t.run(["echo", "configured"])).stdout == b"configured\n"
    await t.close()


async def test_connect_timeout_when_the_server_never_answers(sshd):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # the kernel completes the TCP handshake; nobody ever speaks SSH
    try:
        t = SshTransport("127.0.0.1", port=silent.getsockname()[1], known_hosts=sshd.known_hosts,
                         identity_files=[sshd.client_key], ssh_config=None, connect_timeout=0.5,
                         connect_retries=2)
        with pytest.raises(TransportError, match=r"no SSH connection to root@127.0.0.1:\d+ within 0.5s"):
            await t.run(["true"])
        silent.setblocking(False)
        attempts = 0
        while True:  # every connection attempt is waiting in the listen backlog
            try:
                conn, _ = silent.accept()
            except BlockingIOError:
                break
            conn.close()
            attempts += 1
        assert attempts == 1  # a timeout is not retried
    finally:
        silent.close()


@pytest.fixture
def noisy_user(sshd):
    """A bash user whose ~/.bashrc writes to stderr (bash reads it for sshd commands), like
    an `stty` that complains about the missing terminal."""
    import shutil

    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("creating a test user needs root and useradd")
    user = f"pcmkn{random.randint(1000, 9999)}"
    home = Path(f"/home/{user}")
    subprocess.run(["useradd", "-m", "-s", "/bin/bash", user], check=True)
    try:
        subprocess.run(["usermod", "-p", "*", user], check=True)
        (home / ".bashrc").write_text('echo "rc noise on stderr" >&2\n')
        sshd.authorize(user)
        yield user
    finally:
        (sshd.root / "authorized_keys" / user).unlink(missing_ok=True)
        _reap_user(user)
        subprocess.run(["userdel", "-r", user], check=True, capture_output=True)


async def test_login_shell_noise_stays_output_and_the_group_is_still_found(make_ssh, noisy_user):
    t = make_ssh(username=noisy_user, mux=False)  # a session per command
    result = await t.run(["sh", "-c", "echo out; echo err >&2"])
    assert result.stdout == b"out\n"
    assert result.stderr == b"rc noise on stderr\nerr\n"  # the marker line is gone
    argv, pattern = sleeper()
    timed = await t.run(argv, timeout=1)
    assert timed.timed_out
    assert await wait_for(lambda: not pgrep(pattern)), "the remote sleep survived its timeout"
    await t.close()


async def test_login_shell_noise_is_the_muxs_not_the_commands(make_ssh, noisy_user):
    t = make_ssh(username=noisy_user)
    result = await t.run(["sh", "-c", "echo out; echo err >&2"])
    assert (result.stdout, result.stderr) == (b"out\n", b"err\n")  # rc files ran once, before
    argv, pattern = sleeper()
    timed = await t.run(argv, timeout=1)
    assert timed.timed_out and t.mux_opened == 1
    assert await wait_for(lambda: not pgrep(pattern)), "the remote sleep survived its timeout"
    await t.close()
